-- Sign-in throttling replaces the log of every attempt: one row per (login, address) pair that
-- has failed, so neither a flood of attempts nor a long login can grow the database.
DROP TABLE login_attempts;
CREATE TABLE login_throttle (
    login TEXT NOT NULL,
    ip TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (login, ip)
);

-- A passport is a draft until the school submits it and the head accepts it.
ALTER TABLE library_passports ADD COLUMN state TEXT NOT NULL DEFAULT 'draft';

-- Something the account's owner must be told at their next visit (a password reset by the admin).
ALTER TABLE users ADD COLUMN notice TEXT NOT NULL DEFAULT '';

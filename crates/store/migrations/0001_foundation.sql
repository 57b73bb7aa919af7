-- Written once for SQLite and PostgreSQL. db.rs replaces @ID@ with each database's
-- auto-increment key. Integers are BIGINT (PostgreSQL decodes INT4 into i32 only), dates are DATE,
-- instants TIMESTAMPTZ; SQLite keeps both as ISO text written by sqlx, which sorts correctly.

CREATE TABLE districts (
    id @ID@,
    name TEXT NOT NULL UNIQUE,
    region TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    archived_at TIMESTAMPTZ
);

CREATE TABLE schools (
    id @ID@,
    district_id BIGINT NOT NULL REFERENCES districts(id),
    full_name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    director TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    inn TEXT,
    search TEXT NOT NULL DEFAULT '',
    sort_key TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    archived_at TIMESTAMPTZ,
    UNIQUE (district_id, short_name),
    UNIQUE (inn)
);
CREATE INDEX schools_district ON schools (district_id);

CREATE TABLE users (
    id @ID@,
    login TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    district_id BIGINT REFERENCES districts(id),
    school_id BIGINT REFERENCES schools(id),
    password_hash TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    archived_at TIMESTAMPTZ
);

CREATE TABLE librarians (
    id @ID@,
    district_id BIGINT NOT NULL REFERENCES districts(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    user_id BIGINT UNIQUE REFERENCES users(id),
    full_name TEXT NOT NULL,
    position TEXT NOT NULL DEFAULT '',
    education TEXT NOT NULL DEFAULT '',
    experience_years BIGINT,
    category TEXT NOT NULL DEFAULT 'none',
    attestation_date DATE,
    next_attestation_date DATE,
    self_education_theme TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    consent_processing_date DATE,
    consent_publication_date DATE,
    search TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    archived_at TIMESTAMPTZ
);
CREATE INDEX librarians_district ON librarians (district_id);
CREATE INDEX librarians_school ON librarians (school_id);

CREATE TABLE courses (
    id @ID@,
    librarian_id BIGINT NOT NULL REFERENCES librarians(id),
    title TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT '',
    hours BIGINT NOT NULL,
    start_date DATE,
    end_date DATE NOT NULL,
    certificate TEXT NOT NULL DEFAULT ''
);
CREATE INDEX courses_librarian ON courses (librarian_id);

CREATE TABLE library_passports (
    id @ID@,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    school_year BIGINT NOT NULL,
    rooms BIGINT,
    area_m2 DOUBLE PRECISION,
    reading_seats BIGINT,
    computers BIGINT,
    internet BOOLEAN NOT NULL DEFAULT FALSE,
    fund_main BIGINT,
    fund_textbooks BIGINT,
    fund_fiction BIGINT,
    fund_periodicals BIGINT,
    readers BIGINT,
    visits BIGINT,
    loans BIGINT,
    staff BIGINT,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    UNIQUE (school_id, school_year)
);

-- Sessions and login attempts live here, not in memory, so that several server processes can
-- serve one PostgreSQL database behind a load balancer.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE invites (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);

CREATE TABLE login_attempts (
    id @ID@,
    login TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    success BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_login ON login_attempts (login, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE audit_log (
    id @ID@,
    at TIMESTAMPTZ NOT NULL,
    user_id BIGINT REFERENCES users(id),
    district_id BIGINT REFERENCES districts(id),
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    summary TEXT NOT NULL DEFAULT '',
    search TEXT NOT NULL DEFAULT '',
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_district ON audit_log (district_id, at);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The district provision report's cache (bench/RESULTS.md, «Учебный фонд региона»): reading every
-- curriculum line and holding of 60 schools costs ~100 ms per report, most of it in moving rows
-- out of the database. Each school's figures of a school year are kept with what they were counted
-- from: the school's fund version (bumped in the same transaction by every change of its
-- curriculum, pupils, receipts or write-offs), the day (limit dates pass) and the last ФПУ import.
CREATE TABLE fund_versions (
    school_id BIGINT PRIMARY KEY REFERENCES schools(id),
    version BIGINT NOT NULL
);

CREATE TABLE provision_cache (
    school_id BIGINT NOT NULL REFERENCES schools(id),
    school_year BIGINT NOT NULL,
    version BIGINT NOT NULL,
    computed_on DATE NOT NULL,
    fpu_generation BIGINT NOT NULL,
    -- JSON: [[grade, subject, {need, have, covered}], …]
    figures TEXT NOT NULL,
    PRIMARY KEY (school_id, school_year)
);

-- Schools' library catalogs checked against the federal list of extremist materials (ФСЭМ).

-- How often each school must check its fund, and the score from which a record is a candidate.
ALTER TABLE districts ADD COLUMN fsem_every_days BIGINT NOT NULL DEFAULT 30;
ALTER TABLE districts ADD COLUMN fsem_threshold_pct BIGINT NOT NULL DEFAULT 72;

-- A catalog file a school sent. Its records are written in short transactions while the file is
-- read (`state` 'reading'); only the last step makes it the school's catalog ('ready', the one
-- before becomes 'replaced'), so a failed or interrupted import changes nothing the school sees.
CREATE TABLE catalog_imports (
    id @ID@,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    file_name TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    format TEXT NOT NULL DEFAULT '',
    encoding TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    bytes_read BIGINT NOT NULL DEFAULT 0,
    records BIGINT NOT NULL DEFAULT 0,
    broken BIGINT NOT NULL DEFAULT 0,
    -- Problems, one per line: broken records by number, or why the file was refused.
    report TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMPTZ NOT NULL,
    -- Progress is written here; a 'reading' import not updated for minutes was interrupted.
    updated_at TIMESTAMPTZ NOT NULL,
    imported_by BIGINT REFERENCES users(id)
);
CREATE INDEX catalog_imports_school ON catalog_imports (school_id, state);

-- `record_key`: the record's 001 (or the id column of a table), else its title and author
-- normalised, so that a decision about a record outlives a new export of the catalog.
CREATE TABLE catalog_records (
    id @ID@,
    import_id BIGINT NOT NULL REFERENCES catalog_imports(id),
    record_key TEXT NOT NULL,
    title TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX catalog_records_import ON catalog_records (import_id, id);

-- The columns of a school's CSV/XLSX catalog, as last used.
CREATE TABLE catalog_mappings (
    school_id BIGINT PRIMARY KEY REFERENCES schools(id),
    id_column TEXT NOT NULL,
    title_column TEXT NOT NULL,
    author_column TEXT NOT NULL
);

-- A school's commission for checks and withdrawals, in signing order (the first is the chair).
CREATE TABLE fsem_commission (
    id @ID@,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    post TEXT NOT NULL
);
CREATE INDEX fsem_commission_school ON fsem_commission (school_id, position);

-- Work that must run once in the background whatever the number of server processes: a process
-- takes a job by a guarded UPDATE and holds it until `lease_until`; a job whose holder died is
-- taken again after the lease, and its steps are written so that repeating one changes nothing.
CREATE TABLE jobs (
    id @ID@,
    kind TEXT NOT NULL,
    subject BIGINT NOT NULL,
    state TEXT NOT NULL,
    worker TEXT NOT NULL DEFAULT '',
    lease_until TIMESTAMPTZ,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    error TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, subject)
);

-- A check of a school's catalog: the whole list ('full', by a librarian) or only the entries a new
-- version brought ('new', by the background job `job_id`, once per school).
CREATE TABLE fsem_checks (
    id @ID@,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    catalog_id BIGINT NOT NULL REFERENCES catalog_imports(id),
    version_id BIGINT NOT NULL REFERENCES fsem_versions(id),
    last_number BIGINT NOT NULL,
    scope TEXT NOT NULL,
    job_id BIGINT REFERENCES jobs(id),
    state TEXT NOT NULL,
    threshold_pct BIGINT NOT NULL,
    records BIGINT NOT NULL DEFAULT 0,
    done_records BIGINT NOT NULL DEFAULT 0,
    candidates BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    checked_by BIGINT REFERENCES users(id)
);
CREATE INDEX fsem_checks_school ON fsem_checks (school_id, id);
CREATE UNIQUE INDEX fsem_checks_job ON fsem_checks (job_id, school_id);

-- An act of withdrawal: confirmed findings are added to the school's one draft act until it is
-- closed; numbers run per school.
CREATE TABLE withdrawal_acts (
    id @ID@,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    number BIGINT NOT NULL,
    act_date DATE NOT NULL,
    state TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by BIGINT REFERENCES users(id),
    UNIQUE (school_id, number)
);
CREATE UNIQUE INDEX withdrawal_acts_draft ON withdrawal_acts (school_id) WHERE state = 'draft';

-- A pair (catalog record, list entry) a check found. 'open' until a librarian confirms it (the copy
-- is withdrawn, `act_id`) or dismisses it with a reason; a decided pair is never offered again.
CREATE TABLE fsem_candidates (
    id @ID@,
    check_id BIGINT NOT NULL REFERENCES fsem_checks(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    record_key TEXT NOT NULL,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    entry_number BIGINT NOT NULL,
    entry_text TEXT NOT NULL,
    score_pct BIGINT NOT NULL,
    why TEXT NOT NULL,
    excluded BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    decided_by BIGINT REFERENCES users(id),
    decided_at TIMESTAMPTZ,
    act_id BIGINT REFERENCES withdrawal_acts(id)
);
CREATE INDEX fsem_candidates_check ON fsem_candidates (check_id);
CREATE INDEX fsem_candidates_pair ON fsem_candidates (school_id, record_key, entry_number);
CREATE INDEX fsem_candidates_act ON fsem_candidates (act_id);

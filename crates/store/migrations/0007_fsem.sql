-- The federal list of extremist materials (ФСЭМ), one version per imported file. Versions are
-- never changed; an entry's state is a row kept forever, and a later state of the same number
-- is a new row, so every version can be read back as it was.
CREATE TABLE fsem_versions (
    id @ID@,
    imported_at TIMESTAMPTZ NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    entries BIGINT NOT NULL,
    last_number BIGINT NOT NULL,
    imported_by BIGINT REFERENCES users(id),
    -- What the import read: counts and warnings, as JSON.
    report TEXT NOT NULL
);

-- An entry as it stood from `first_version` until `replaced_in` (NULL: still so). `change` says
-- what `first_version` did to the number: 'new' (not listed before), 'excluded' (became
-- excluded), 'changed' (another text or date), so "what is new" is a plain WHERE.
CREATE TABLE fsem_entries (
    id @ID@,
    number BIGINT NOT NULL,
    text TEXT NOT NULL,
    included_on DATE,
    excluded BOOLEAN NOT NULL,
    search TEXT NOT NULL,
    row_number BIGINT NOT NULL,
    first_version BIGINT NOT NULL REFERENCES fsem_versions(id),
    replaced_in BIGINT REFERENCES fsem_versions(id),
    change TEXT NOT NULL
);
CREATE INDEX fsem_entries_number ON fsem_entries (number);
CREATE INDEX fsem_entries_first ON fsem_entries (first_version, change);

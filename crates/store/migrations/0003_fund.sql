-- The textbook fund. See domain.md «Textbooks» and ARCHITECTURE.md for the dual-database rules.

-- The federal list (ФПУ) as versions: every order's list is stored whole and never changed.
CREATE TABLE fpu_orders (
    id @ID@,
    title TEXT NOT NULL UNIQUE,
    issued_on DATE NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    imported_by BIGINT REFERENCES users(id),
    -- What the import read: counts and warnings, as JSON.
    report TEXT NOT NULL
);

-- A textbook across orders, known by its title, authors and grades: numbers change between
-- orders (an item moved to Annex 2 gets another), the book does not.
CREATE TABLE fpu_items (
    id @ID@,
    ident TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,
    grades TEXT NOT NULL,
    grade_from BIGINT,
    grade_to BIGINT
);

-- An item as one order lists it.
CREATE TABLE fpu_listings (
    order_id BIGINT NOT NULL REFERENCES fpu_orders(id),
    item_id BIGINT NOT NULL REFERENCES fpu_items(id),
    row_number BIGINT NOT NULL,
    annex BIGINT NOT NULL,
    number TEXT NOT NULL,
    number_key TEXT NOT NULL,
    publisher TEXT NOT NULL,
    level TEXT NOT NULL,
    area TEXT NOT NULL,
    subject TEXT NOT NULL,
    until DATE,
    until_text TEXT NOT NULL,
    search TEXT NOT NULL,
    PRIMARY KEY (order_id, item_id)
);
CREATE INDEX fpu_listings_item ON fpu_listings (item_id);
CREATE INDEX fpu_listings_number ON fpu_listings (order_id, number_key);

-- Which items a school teaches from, per school year, grade and subject; `share` is the per cent
-- of the grade's pupils (groups split a grade). `aid` names a teaching aid outside the ФПУ.
CREATE TABLE curriculum (
    id @ID@,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    school_year BIGINT NOT NULL,
    grade BIGINT NOT NULL CHECK (grade BETWEEN 0 AND 12),
    subject TEXT NOT NULL,
    item_id BIGINT REFERENCES fpu_items(id),
    aid TEXT NOT NULL DEFAULT '',
    line_key TEXT NOT NULL,
    share BIGINT NOT NULL CHECK (share BETWEEN 1 AND 100),
    UNIQUE (school_id, school_year, grade, subject, line_key)
);
CREATE INDEX curriculum_year ON curriculum (school_year, school_id);

-- Receipt documents (КСУ part 1) and their batches: current holdings are derived from these
-- and from write-offs, never typed. `written_off` is kept by the write-off documents in the same
-- transaction, so a guarded UPDATE can refuse taking more than a batch holds.
CREATE TABLE fund_receipts (
    id @ID@,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    doc_number TEXT NOT NULL,
    doc_date DATE NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    created_by BIGINT REFERENCES users(id)
);
CREATE INDEX fund_receipts_school ON fund_receipts (school_id, doc_date);

CREATE TABLE fund_batches (
    id @ID@,
    receipt_id BIGINT NOT NULL REFERENCES fund_receipts(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    item_id BIGINT NOT NULL REFERENCES fpu_items(id),
    year BIGINT NOT NULL,
    copies BIGINT NOT NULL CHECK (copies > 0),
    price BIGINT NOT NULL CHECK (price >= 0),
    written_off BIGINT NOT NULL DEFAULT 0 CHECK (written_off >= 0 AND written_off <= copies)
);
CREATE INDEX fund_batches_school_item ON fund_batches (school_id, item_id);
CREATE INDEX fund_batches_item ON fund_batches (item_id);

CREATE TABLE fund_writeoffs (
    id @ID@,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    act_number TEXT NOT NULL,
    act_date DATE NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by BIGINT REFERENCES users(id)
);
CREATE INDEX fund_writeoffs_school ON fund_writeoffs (school_id, act_date);

CREATE TABLE fund_writeoff_lines (
    writeoff_id BIGINT NOT NULL REFERENCES fund_writeoffs(id),
    batch_id BIGINT NOT NULL REFERENCES fund_batches(id),
    copies BIGINT NOT NULL CHECK (copies > 0),
    PRIMARY KEY (writeoff_id, batch_id)
);
CREATE INDEX fund_writeoff_lines_batch ON fund_writeoff_lines (batch_id);

-- Pupils per grade and class; `class_name` '' is a grade entered without classes.
CREATE TABLE contingent (
    school_id BIGINT NOT NULL REFERENCES schools(id),
    school_year BIGINT NOT NULL,
    grade BIGINT NOT NULL CHECK (grade BETWEEN 0 AND 12),
    class_name TEXT NOT NULL,
    pupils BIGINT NOT NULL CHECK (pupils >= 0),
    PRIMARY KEY (school_id, school_year, grade, class_name)
);

-- An upload waiting for a person to settle doubtful matches (a school's opening holdings): the
-- parsed rows as JSON, so the review works across server processes. Purged after a day.
CREATE TABLE pending_imports (
    id @ID@,
    school_id BIGINT NOT NULL REFERENCES schools(id),
    user_id BIGINT REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    file_name TEXT NOT NULL,
    payload TEXT NOT NULL
);

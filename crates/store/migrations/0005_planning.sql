-- The association's work: the yearly plan with its events and indicators, meetings with agenda,
-- speakers and attendance, contests, and each account's calendar feed token.

CREATE TABLE plans (
    id @ID@,
    district_id BIGINT NOT NULL REFERENCES districts(id),
    school_year BIGINT NOT NULL,
    common_theme TEXT NOT NULL DEFAULT '',
    theme TEXT NOT NULL DEFAULT '',
    goal TEXT NOT NULL DEFAULT '',
    problem TEXT NOT NULL DEFAULT '',
    -- Numbered tasks, directions, expected results and forms of work: one per line, sub-points
    -- as lines starting with «-».
    tasks TEXT NOT NULL DEFAULT '',
    directions TEXT NOT NULL DEFAULT '',
    expected TEXT NOT NULL DEFAULT '',
    forms TEXT NOT NULL DEFAULT '',
    -- The annual analysis' own words; its figures are computed.
    conclusions TEXT NOT NULL DEFAULT '',
    next_year TEXT NOT NULL DEFAULT '',
    closed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (district_id, school_year)
);

CREATE TABLE plan_events (
    id @ID@,
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    position BIGINT NOT NULL,
    section TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL,
    due_kind TEXT NOT NULL,
    due_from DATE,
    due_to DATE,
    due_text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'planned',
    result TEXT NOT NULL DEFAULT '',
    -- Links to materials and photos, one per line.
    evidence TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX plan_events_plan ON plan_events (plan_id, position);

-- Responsible people of an event and speakers of an agenda item: a librarian of the district, or
-- someone from outside with position and organisation.
CREATE TABLE plan_people (
    id @ID@,
    event_id BIGINT REFERENCES plan_events(id),
    agenda_item_id BIGINT,
    position BIGINT NOT NULL,
    librarian_id BIGINT REFERENCES librarians(id),
    name TEXT NOT NULL,
    post TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_people_event ON plan_people (event_id);
CREATE INDEX plan_people_item ON plan_people (agenda_item_id);

CREATE TABLE plan_indicators (
    id @ID@,
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    position BIGINT NOT NULL,
    task TEXT NOT NULL,
    planned TEXT NOT NULL DEFAULT '',
    criterion TEXT NOT NULL DEFAULT '',
    target BIGINT,
    actual BIGINT
);
CREATE INDEX plan_indicators_plan ON plan_indicators (plan_id, position);

CREATE TABLE meetings (
    id @ID@,
    plan_id BIGINT NOT NULL REFERENCES plans(id),
    number BIGINT NOT NULL,
    held_on DATE NOT NULL,
    starts_at TEXT NOT NULL DEFAULT '',
    school_id BIGINT REFERENCES schools(id),
    place TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL,
    goal TEXT NOT NULL DEFAULT '',
    form TEXT NOT NULL DEFAULT '',
    materials TEXT NOT NULL DEFAULT '',
    decisions TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'planned',
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (plan_id, number)
);

CREATE TABLE agenda_items (
    id @ID@,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    part TEXT NOT NULL DEFAULT 'theory'
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);

CREATE TABLE attendance (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    librarian_id BIGINT NOT NULL REFERENCES librarians(id),
    state TEXT NOT NULL,
    PRIMARY KEY (meeting_id, librarian_id)
);

CREATE TABLE contests (
    id @ID@,
    district_id BIGINT NOT NULL REFERENCES districts(id),
    school_year BIGINT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'contest',
    level TEXT NOT NULL DEFAULT 'municipal',
    starts_on DATE,
    ends_on DATE,
    organisers TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE contest_schools (
    contest_id BIGINT NOT NULL REFERENCES contests(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    participants BIGINT NOT NULL,
    -- Winners by name only with their consent to publication; the head writes them as given.
    winners TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (contest_id, school_id)
);

-- The secret of a user's iCalendar feed, kept as a SHA-256 hash like session tokens; revoking
-- deletes the row.
CREATE TABLE calendar_tokens (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

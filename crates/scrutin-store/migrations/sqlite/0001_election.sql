-- scrutin schema, version 1 (SQLite). The PostgreSQL twin is migrations/postgres/0001_election.sql;
-- the two differ only in integer types. Dates are ISO text (YYYY-MM-DD), moments ISO 8601 UTC text.
CREATE TABLE elections (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body_name TEXT NOT NULL,
    constitution TEXT NOT NULL,
    constitution_sha256 TEXT NOT NULL,
    sections TEXT NOT NULL,
    nominations_open TEXT NOT NULL,
    nominations_close TEXT NOT NULL,
    freeze_date TEXT NOT NULL,
    paid_up_date TEXT NOT NULL,
    voting_open TEXT NOT NULL,
    voting_close TEXT NOT NULL,
    credential_key TEXT NOT NULL,
    roll_version INTEGER NOT NULL,
    roll_frozen_at TEXT,
    roll_sha256 TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE contests (
    election_id TEXT NOT NULL REFERENCES elections(id),
    section_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    seats INTEGER NOT NULL,
    method TEXT NOT NULL,
    ballot_order TEXT,
    ballot_seed TEXT,
    nominations_closed_at TEXT,
    PRIMARY KEY (election_id, section_id)
);
CREATE TABLE members (
    election_id TEXT NOT NULL REFERENCES elections(id),
    member_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    address TEXT,
    joined TEXT NOT NULL,
    paid_up_to TEXT NOT NULL,
    date_of_birth TEXT,
    self_declared TEXT NOT NULL,
    branch TEXT NOT NULL,
    PRIMARY KEY (election_id, member_id)
);
CREATE INDEX members_email ON members (election_id, email);
CREATE TABLE electors (
    election_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    eligible INTEGER NOT NULL,
    reason TEXT,
    PRIMARY KEY (election_id, section_id, member_id)
);
CREATE TABLE roll_imports (
    election_id TEXT NOT NULL REFERENCES elections(id),
    version INTEGER NOT NULL,
    file TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    members INTEGER NOT NULL,
    added INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (election_id, version)
);
CREATE TABLE candidates (
    election_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT,
    ballot_position INTEGER,
    PRIMARY KEY (election_id, section_id, member_id)
);
CREATE TABLE nominations (
    election_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    nominator TEXT NOT NULL,
    nominator_kind TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (election_id, section_id, member_id, nominator)
);
CREATE TABLE credentials (
    election_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    serial INTEGER NOT NULL,
    code_hmac TEXT NOT NULL,
    channel TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    delivered_at TEXT,
    revoked_at TEXT,
    PRIMARY KEY (election_id, member_id, serial)
);
CREATE UNIQUE INDEX credentials_code ON credentials (election_id, code_hmac);
CREATE TABLE turnout (
    election_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    voted_at TEXT NOT NULL,
    PRIMARY KEY (election_id, section_id, member_id)
);
CREATE TABLE election_log (
    election_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    member_id TEXT,
    detail TEXT NOT NULL,
    PRIMARY KEY (election_id, seq)
);

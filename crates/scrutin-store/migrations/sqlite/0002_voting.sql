-- scrutin schema, version 2 (sqlite): voting. The ballot box is an append-only hash chain
-- (docs/record.md); a ballot row carries no voter, no credential and no time. Who has voted
-- lives in `turnout`, apart, with the day only. The two backends differ only in integer types.
ALTER TABLE elections ADD COLUMN poll_state TEXT NOT NULL DEFAULT 'setup';
ALTER TABLE elections ADD COLUMN revote TEXT NOT NULL DEFAULT 'first';
ALTER TABLE elections ADD COLUMN public_key TEXT;
ALTER TABLE elections ADD COLUMN poll_opened_at TEXT;
ALTER TABLE elections ADD COLUMN poll_closed_at TEXT;
ALTER TABLE elections ADD COLUMN box_head TEXT;
ALTER TABLE elections ADD COLUMN box_entries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE elections ADD COLUMN seal_every INTEGER NOT NULL DEFAULT 20;
-- Rewritten when the pool is sealed, so that a turnout row carries the sealing transaction's id,
-- like the ballots sealed with it, not the id of the transaction that cast the ballot.
ALTER TABLE turnout ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
CREATE TABLE ballot_box (
    election_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    section_id TEXT NOT NULL,
    tracker TEXT NOT NULL,
    channel TEXT NOT NULL,
    replaces TEXT,
    ballot TEXT NOT NULL,
    revote_tag TEXT,
    replaced INTEGER NOT NULL DEFAULT 0,
    head TEXT NOT NULL,
    PRIMARY KEY (election_id, seq)
);
CREATE UNIQUE INDEX ballot_box_tracker ON ballot_box (election_id, tracker);
CREATE INDEX ballot_box_tag ON ballot_box (election_id, section_id, revote_tag);
-- Accepted ballots wait here, keyed by their random tracker, until enough have gathered to be
-- sealed into the box together in a random order (docs/voting.md): the box's order then says
-- nothing finer than the batch about when a ballot was cast.
CREATE TABLE ballot_pool (
    election_id TEXT NOT NULL,
    tracker TEXT NOT NULL,
    section_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    replaces TEXT,
    ballot TEXT NOT NULL,
    revote_tag TEXT,
    PRIMARY KEY (election_id, tracker)
) WITHOUT ROWID;
CREATE TABLE postal_batches (
    election_id TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    statements INTEGER NOT NULL,
    refused INTEGER NOT NULL,
    ballots INTEGER,
    rejected_papers INTEGER,
    received_at TEXT NOT NULL,
    entered_at TEXT,
    PRIMARY KEY (election_id, batch_id, section_id)
);
CREATE TABLE results (
    election_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    spec TEXT NOT NULL,
    report TEXT NOT NULL,
    counted_at TEXT NOT NULL,
    published_at TEXT,
    PRIMARY KEY (election_id, section_id)
);
CREATE TABLE admins (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- The waiting room (package queue). events.queue_options holds the queue
-- settings that came after enabled and admit_per_minute, as JSON.
--
-- queue_states is one row per event: the draw's nonce and commitment (the
-- seed itself is stored only once revealed), the counts of places, and
-- the admission frontier's parameters (rate, base_admitted, base_at): the
-- frontier is computed from them and the clock, so polls read this row
-- and never write it. Every decision locks it.
--
-- queue_entries is one row per (event, account): one place each. A poll
-- finds its place by token; the draw reads the pre-queue by (presale, seq).

-- +goose Up
ALTER TABLE events ADD COLUMN queue_options TEXT NOT NULL DEFAULT '{}';

CREATE TABLE queue_states (
    event_id       TEXT PRIMARY KEY REFERENCES events (id),
    nonce          TEXT NOT NULL,
    commitment     TEXT NOT NULL,
    seed           TEXT,
    presale_count  INTEGER NOT NULL,
    post_count     INTEGER NOT NULL,
    presale_closed INTEGER NOT NULL,
    drawn_at       INTEGER,
    rate           INTEGER NOT NULL CHECK (rate > 0),
    base_admitted  INTEGER NOT NULL,
    base_at        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE queue_entries (
    event_id     TEXT NOT NULL REFERENCES events (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    token        TEXT NOT NULL UNIQUE,
    joined_at    INTEGER NOT NULL,
    presale      INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    position     INTEGER,
    admitted_at  INTEGER,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX queue_entries_presale ON queue_entries (event_id, presale, seq);
CREATE UNIQUE INDEX queue_entries_position ON queue_entries (event_id, position) WHERE position IS NOT NULL;

-- +goose Down
DROP TABLE queue_entries;
DROP TABLE queue_states;
ALTER TABLE events DROP COLUMN queue_options;

-- PostgreSQL only. No query reads seats by hold_until alone (the sweeper
-- finds expired holds in holds), and an index on it costs every seat
-- update: moving a hold's expiry (checkout does it for every seat it
-- pays for) changes no other indexed column, so without this index the
-- update is HOT and writes no index entry at all. SQLite keeps the index.

-- +goose Up
DROP INDEX seats_hold_expiry;

-- +goose Down
CREATE INDEX seats_hold_expiry ON seats (hold_until) WHERE hold_until IS NOT NULL;

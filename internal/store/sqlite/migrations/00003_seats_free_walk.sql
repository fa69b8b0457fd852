-- Best available walks an event's unsold seats from the best score down
-- and steps over every seat under a live hold on its way: in an on-sale
-- hundreds of them, all at the top of the walk. With only (event_id,
-- score, seat_no) in the index, each step read the seat's row to see its
-- hold; this index carries every column the walk reads, so stepping over a
-- held seat costs an index entry and nothing more ("USING COVERING INDEX").
-- order_id is always NULL in it, but must be named for SQLite to see that
-- the index covers the query.
--
-- No query reads seats by hold_until alone (the sweeper finds expired
-- holds in holds), so seats_hold_expiry only cost every claim and release.

-- +goose Up
CREATE INDEX seats_free_walk ON seats (event_id, score, seat_no, hold_until, hold_id, section_id, row_name, row_index, number,
    price_cents, order_id) WHERE order_id IS NULL;
DROP INDEX seats_unsold_by_score;
DROP INDEX seats_hold_expiry;

-- +goose Down
CREATE INDEX seats_hold_expiry ON seats (hold_until) WHERE hold_until IS NOT NULL;
CREATE INDEX seats_unsold_by_score ON seats (event_id, score, seat_no) WHERE order_id IS NULL;
DROP INDEX seats_free_walk;

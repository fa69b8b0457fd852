-- Every hold counts the places its buyer already has at the event (the
-- per-person ticket limit): the live holds' quantities, plus the valid
-- tickets. With holds_user_event on (user_id, event_id, status) alone each
-- of the buyer's holds read its table row for quantity and expiry, and the
-- tickets were found through (user_id, created_at), every ticket of the
-- buyer at every event, row by row. A buyer of 100 tickets made each of
-- their holds read some 150 rows. These indexes answer both counts alone.

-- +goose Up
CREATE INDEX holds_user_event_places ON holds (user_id, event_id, status) INCLUDE (expires_at, quantity);
DROP INDEX holds_user_event;
CREATE INDEX tickets_user_event_valid ON tickets (user_id, event_id) WHERE status = 'valid';

-- +goose Down
DROP INDEX tickets_user_event_valid;
CREATE INDEX holds_user_event ON holds (user_id, event_id, status);
DROP INDEX holds_user_event_places;

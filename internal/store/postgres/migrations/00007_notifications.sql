-- Confirmations by e-mail and SMS (issue 12).
--
-- An outbox message now names what it announces (kind: order_confirmed,
-- order_refunded, event_cancelled) and the order it is about (ref); it is
-- composed when it is sent, from the order as it then is, so the write
-- path of an on-sale stores a few short strings and no rendered mail. A
-- message that failed too often is dead: it leaves the due index, and
-- admins see it and may send it again.
--
-- A buyer may have a phone number (E.164) and choose at checkout to be
-- told by e-mail, SMS or both; the order keeps the choice, so that a
-- checkout the reconcile job finishes after a crash still honours it.
--
-- dev_mailbox holds what the embedded default "sent" (no SMTP or SMS
-- provider configured), for the /dev/mail page. Its id is the message's
-- outbox id: a message delivered twice (at least once) is stored once.

-- +goose Up
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN ref TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN dead_at BIGINT;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_dead ON outbox (dead_at) WHERE dead_at IS NOT NULL;
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN confirm_by TEXT NOT NULL DEFAULT 'email';
ALTER TABLE orders ADD COLUMN phone TEXT NOT NULL DEFAULT '';
CREATE TABLE dev_mailbox (
    id         TEXT PRIMARY KEY,
    channel    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    raw        BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX dev_mailbox_recent ON dev_mailbox (created_at);

-- +goose Down
DROP TABLE dev_mailbox;
ALTER TABLE orders DROP COLUMN phone;
ALTER TABLE orders DROP COLUMN confirm_by;
ALTER TABLE users DROP COLUMN phone;
DROP INDEX outbox_dead;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
ALTER TABLE outbox DROP COLUMN dead_at;
ALTER TABLE outbox DROP COLUMN ref;
ALTER TABLE outbox DROP COLUMN kind;

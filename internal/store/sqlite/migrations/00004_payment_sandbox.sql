-- The payment sandbox's ledger: what the built-in test-mode provider
-- (payment.Fake, --payments fake) remembers, as a real provider remembers
-- it on its own servers. Only the payment package's Ledger interface
-- reads or writes these tables; no order, report or join of Boxoffice's
-- own looks at them, exactly as if they were another company's database.
-- Kept in the store so that the sandbox outlives a restart, which the
-- crash-recovery path (reconcile asks the provider) relies on.

-- +goose Up
CREATE TABLE sandbox_payments (
    idempotency_key TEXT PRIMARY KEY,
    amount_cents    INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    token           TEXT NOT NULL,
    charge_id       TEXT UNIQUE,              -- NULL: the attempt was declined
    card_brand      TEXT NOT NULL,
    last4           TEXT NOT NULL,
    refunded_cents  INTEGER NOT NULL CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
    decline_code    TEXT NOT NULL,
    decline_message TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE TABLE sandbox_refunds (
    id           TEXT PRIMARY KEY,
    charge_id    TEXT NOT NULL REFERENCES sandbox_payments (charge_id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    created_at   INTEGER NOT NULL
);
CREATE INDEX sandbox_refunds_by_charge ON sandbox_refunds (charge_id);

CREATE TABLE sandbox_refund_keys (
    idempotency_key TEXT PRIMARY KEY,
    charge_id       TEXT NOT NULL,
    requested_cents INTEGER NOT NULL,
    refund_id       TEXT NOT NULL REFERENCES sandbox_refunds (id)
);

-- +goose Down
DROP TABLE sandbox_refund_keys;
DROP TABLE sandbox_refunds;
DROP TABLE sandbox_payments;

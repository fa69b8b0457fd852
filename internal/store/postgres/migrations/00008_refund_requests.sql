-- A refund is asked of the payment provider before the database records
-- it, and a crash in between used to leave an order paid, with valid
-- tickets and sold seats, whose money the provider had given back, with
-- nothing to notice (issue 13, the crash test's refund.after_provider).
-- The order now keeps when its refund was first asked for, written before
-- the provider is called; the reconcile job finishes any refund asked for
-- longer ago than its grace that is still not recorded. The provider's
-- refund is idempotent by order, so finishing one twice refunds once.

-- +goose Up
ALTER TABLE orders ADD COLUMN refund_requested_at BIGINT;
CREATE INDEX orders_refund_requested ON orders (refund_requested_at) WHERE status = 'paid' AND refund_requested_at IS NOT NULL;

-- +goose Down
DROP INDEX orders_refund_requested;
ALTER TABLE orders DROP COLUMN refund_requested_at;

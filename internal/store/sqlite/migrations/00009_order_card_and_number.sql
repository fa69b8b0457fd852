-- Receipts said "Paid with fake · charge ch_…" and named orders by their
-- 26-character id (issue 11). An order now keeps the card the payment
-- provider charged — its brand and last four digits, from the provider's
-- answer, never from what the buyer typed — and a short number for
-- people. SQLite has one writer, so the next number is the largest one
-- plus one, taken in the inserting transaction; the unique index makes a
-- duplicate impossible whatever the Go code does. Existing orders are
-- numbered in the order they were created.

-- +goose Up
ALTER TABLE orders ADD COLUMN card_brand TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN card_last4 TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN number INTEGER;
UPDATE orders SET number = (SELECT COUNT(*) FROM orders o2
    WHERE o2.created_at < orders.created_at OR (o2.created_at = orders.created_at AND o2.id <= orders.id));
CREATE UNIQUE INDEX orders_number ON orders (number);

-- +goose Down
DROP INDEX orders_number;
ALTER TABLE orders DROP COLUMN number;
ALTER TABLE orders DROP COLUMN card_last4;
ALTER TABLE orders DROP COLUMN card_brand;

-- Receipts said "Paid with fake · charge ch_…" and named orders by their
-- 26-character id (issue 11). An order now keeps the card the payment
-- provider charged — its brand and last four digits, from the provider's
-- answer, never from what the buyer typed — and a short number for
-- people. Many instances insert orders into one database, so the number
-- comes from an identity column's sequence, which never hands out a value
-- twice whichever instance asks (a gap after a rolled-back insert is
-- fine); the unique constraint backs it. Adding the column numbers the
-- existing orders.

-- +goose Up
ALTER TABLE orders ADD COLUMN card_brand TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN card_last4 TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN number BIGINT GENERATED ALWAYS AS IDENTITY;
ALTER TABLE orders ADD CONSTRAINT orders_number UNIQUE (number);

-- +goose Down
ALTER TABLE orders DROP CONSTRAINT orders_number;
ALTER TABLE orders DROP COLUMN number;
ALTER TABLE orders DROP COLUMN card_last4;
ALTER TABLE orders DROP COLUMN card_brand;

-- The account contract says an e-mail is taken whatever its case; the
-- column's own UNIQUE compares bytes, so "Ada@x" and "ada@x" could both
-- sign up through any path that does not lower-case first.

-- +goose Up
CREATE UNIQUE INDEX users_email_nocase ON users (email COLLATE NOCASE);

-- +goose Down
DROP INDEX users_email_nocase;

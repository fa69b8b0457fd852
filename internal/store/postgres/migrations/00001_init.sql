-- Boxoffice schema, PostgreSQL engine. It mirrors the SQLite schema table for
-- table, column for column: times are BIGINT Unix milliseconds (UTC), money
-- is BIGINT minor units, ids are TEXT. Every hot table is keyed by event_id
-- first, so that events can later be partitioned across clusters.

-- +goose Up
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('customer', 'staff', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE venues (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL,
    city       TEXT NOT NULL,
    region     TEXT NOT NULL,
    country    TEXT NOT NULL,
    lat        DOUBLE PRECISION NOT NULL,
    lon        DOUBLE PRECISION NOT NULL,
    timezone   TEXT NOT NULL,
    capacity   INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX venues_location ON venues (lat, lon);

CREATE TABLE sections (
    id                TEXT PRIMARY KEY,
    venue_id          TEXT NOT NULL REFERENCES venues (id),
    position          INTEGER NOT NULL,
    name              TEXT NOT NULL,
    general_admission BOOLEAN NOT NULL,
    capacity          INTEGER NOT NULL,
    rows_json         JSONB NOT NULL,
    x                 DOUBLE PRECISION,
    y                 DOUBLE PRECISION,
    UNIQUE (venue_id, name)
);

CREATE TABLE venue_seats (
    venue_id   TEXT NOT NULL REFERENCES venues (id),
    seat_no    BIGINT NOT NULL,
    section_id TEXT NOT NULL,
    row_name   TEXT,
    row_index  INTEGER NOT NULL,
    number     INTEGER,
    score      BIGINT NOT NULL,
    PRIMARY KEY (venue_id, seat_no)
);

CREATE TABLE events (
    id                     TEXT PRIMARY KEY,
    venue_id               TEXT NOT NULL REFERENCES venues (id),
    name                   TEXT NOT NULL,
    category               TEXT NOT NULL,
    description            TEXT NOT NULL,
    starts_at              BIGINT NOT NULL,
    onsale_at              BIGINT NOT NULL,
    max_tickets_per_user   INTEGER NOT NULL,
    currency               TEXT NOT NULL,
    service_fee_cents      BIGINT NOT NULL CHECK (service_fee_cents >= 0),
    order_fee_cents        BIGINT NOT NULL CHECK (order_fee_cents >= 0),
    queue_enabled          BOOLEAN NOT NULL,
    queue_admit_per_minute INTEGER NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('published', 'cancelled')),
    created_at             BIGINT NOT NULL
);
CREATE INDEX events_starts ON events (starts_at, id);
CREATE INDEX events_venue ON events (venue_id, starts_at);

CREATE TABLE event_prices (
    event_id    TEXT NOT NULL REFERENCES events (id),
    section_id  TEXT NOT NULL REFERENCES sections (id),
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (event_id, section_id)
);

CREATE TABLE add_ons (
    id            TEXT PRIMARY KEY,
    event_id      TEXT NOT NULL REFERENCES events (id),
    position      INTEGER NOT NULL,
    name          TEXT NOT NULL,
    price_cents   BIGINT NOT NULL CHECK (price_cents >= 0),
    max_per_order INTEGER NOT NULL
);
CREATE INDEX add_ons_event ON add_ons (event_id, position);

-- One row per place of an event. A seat is held when hold_id is set and
-- hold_until is in the future; sold when order_id is set. The CHECKs make
-- "held and sold at once" unrepresentable. Holds are decided by conditional
-- UPDATEs of these rows; the fill factor leaves room on each page for the
-- new row versions those updates write.
CREATE TABLE seats (
    event_id    TEXT NOT NULL,
    seat_no     BIGINT NOT NULL,
    section_id  TEXT NOT NULL,
    row_name    TEXT,
    row_index   INTEGER NOT NULL,
    number      INTEGER,
    score       BIGINT NOT NULL,
    price_cents BIGINT NOT NULL,
    hold_id     TEXT,
    hold_until  BIGINT,
    order_id    TEXT,
    PRIMARY KEY (event_id, seat_no),
    CHECK ((hold_id IS NULL) = (hold_until IS NULL)),
    CHECK (order_id IS NULL OR hold_id IS NULL)
) WITH (fillfactor = 80);
CREATE INDEX seats_unsold_by_score ON seats (event_id, score, seat_no) WHERE order_id IS NULL;
CREATE INDEX seats_unsold_by_section ON seats (event_id, section_id, seat_no) WHERE order_id IS NULL;
CREATE INDEX seats_by_hold ON seats (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX seats_by_order ON seats (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX seats_hold_expiry ON seats (hold_until) WHERE hold_until IS NOT NULL;

CREATE TABLE holds (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    status         TEXT NOT NULL CHECK (status IN ('active', 'paying', 'released', 'converted', 'expired')),
    expires_at     BIGINT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    subtotal_cents BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    order_id       TEXT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX holds_user_event ON holds (user_id, event_id, status);
CREATE INDEX holds_event_status ON holds (event_id, status);
CREATE INDEX holds_expiry ON holds (status, expires_at);

CREATE TABLE hold_seats (
    hold_id      TEXT NOT NULL REFERENCES holds (id),
    seat_no      BIGINT NOT NULL,
    section_name TEXT NOT NULL,
    row_name     TEXT,
    number       INTEGER,
    price_cents  BIGINT NOT NULL,
    PRIMARY KEY (hold_id, seat_no)
);

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES events (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    hold_id         TEXT NOT NULL REFERENCES holds (id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'payment_failed', 'refunded', 'cancelled')),
    currency        TEXT NOT NULL,
    delivery        TEXT NOT NULL,
    line_items_json JSONB NOT NULL,
    subtotal_cents  BIGINT NOT NULL,
    fees_cents      BIGINT NOT NULL,
    total_cents     BIGINT NOT NULL CHECK (total_cents = subtotal_cents + fees_cents),
    refunded_cents  BIGINT NOT NULL DEFAULT 0,
    provider        TEXT NOT NULL,
    charge_id       TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
-- A hold becomes at most one order that is not a failed attempt.
CREATE UNIQUE INDEX orders_one_per_hold ON orders (hold_id) WHERE status <> 'payment_failed';
CREATE INDEX orders_user ON orders (user_id, created_at);
CREATE INDEX orders_event ON orders (event_id, status);
CREATE INDEX orders_pending ON orders (created_at) WHERE status = 'pending';

CREATE TABLE tickets (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES orders (id),
    event_id      TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id),
    seat_no       BIGINT NOT NULL,
    section_name  TEXT NOT NULL,
    row_name      TEXT,
    number        INTEGER,
    barcode       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('valid', 'void')),
    checked_in_at BIGINT,
    created_at    BIGINT NOT NULL
);
-- A seat is in at most one valid ticket, whatever the Go code does.
CREATE UNIQUE INDEX tickets_one_valid_per_seat ON tickets (event_id, seat_no) WHERE status = 'valid';
CREATE INDEX tickets_user ON tickets (user_id, created_at);
CREATE INDEX tickets_order ON tickets (order_id);

CREATE TABLE idempotency_keys (
    user_id         TEXT NOT NULL,
    key             TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    response_status INTEGER,
    response_type   TEXT,
    response_body   BYTEA,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_age ON idempotency_keys (created_at);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE outbox;
DROP TABLE idempotency_keys;
DROP TABLE tickets;
DROP TABLE orders;
DROP TABLE hold_seats;
DROP TABLE holds;
DROP TABLE seats;
DROP TABLE add_ons;
DROP TABLE event_prices;
DROP TABLE events;
DROP TABLE venue_seats;
DROP TABLE sections;
DROP TABLE venues;
DROP TABLE sessions;
DROP TABLE users;

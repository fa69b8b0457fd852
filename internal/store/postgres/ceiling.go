package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice/boxoffice/internal/store"
)

// Ceiling is a set of scratch tables that mirror seats, holds and
// hold_seats (the same columns, constraints, indexes and fillfactor as the
// migrations leave them) in a database, filled with one event's places,
// for `boxoffice bench` to time the bare hold transaction on the very
// database the service will use: what the database alone can do, with no
// HTTP and no service code, so that the service's figures have a ceiling
// to be compared with.
//
// Transactions run at READ COMMITTED, as the engine's do, with
// synchronous_commit on whatever the server's default: a hold is durable
// when it commits. Close drops the tables.
type Ceiling struct {
	pool   *pgxpool.Pool
	prefix string // of every scratch table and index name
	event  string
	users  []string
	pairs  [][2]ceilingSeat
	mode   string
}

type ceilingSeat struct {
	no            int64
	section, row  string
	number, price int64
}

// ceilingSchema is the engine's schema for seats, holds and hold_seats as
// the migrations leave it (00001, less the index 00003 drops), with {p}
// before every name. events and users stand in for the real parents, so
// that the hold's foreign keys are checked as they are in the service.
// TestCeilingMirrorsSchema fails when the migrations and this drift apart.
const ceilingSchema = `
CREATE TABLE {p}events (id TEXT PRIMARY KEY);
CREATE TABLE {p}users (id TEXT PRIMARY KEY);
CREATE TABLE {p}seats (
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
CREATE INDEX {p}seats_unsold_by_score ON {p}seats (event_id, score, seat_no) WHERE order_id IS NULL;
CREATE INDEX {p}seats_unsold_by_section ON {p}seats (event_id, section_id, seat_no) WHERE order_id IS NULL;
CREATE INDEX {p}seats_by_hold ON {p}seats (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX {p}seats_by_order ON {p}seats (order_id) WHERE order_id IS NOT NULL;
CREATE TABLE {p}holds (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES {p}events (id),
    user_id        TEXT NOT NULL REFERENCES {p}users (id),
    status         TEXT NOT NULL CHECK (status IN ('active', 'paying', 'released', 'converted', 'expired')),
    expires_at     BIGINT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    subtotal_cents BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    order_id       TEXT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX {p}holds_user_event_places ON {p}holds (user_id, event_id, status) INCLUDE (expires_at, quantity);
CREATE INDEX {p}holds_event_status ON {p}holds (event_id, status);
CREATE INDEX {p}holds_expiry ON {p}holds (status, expires_at);
CREATE TABLE {p}hold_seats (
    hold_id      TEXT NOT NULL REFERENCES {p}holds (id),
    seat_no      BIGINT NOT NULL,
    section_name TEXT NOT NULL,
    row_name     TEXT,
    number       INTEGER,
    price_cents  BIGINT NOT NULL,
    PRIMARY KEY (hold_id, seat_no)
);
`

// ceilingFill makes $1 places of event $2: sections of 1,000 places in
// rows of 20, best score first, so that seats 2k and 2k+1 are always side
// by side in one row.
const ceilingFill = `
INSERT INTO {p}seats (event_id, seat_no, section_id, row_name, row_index, number, score, price_cents)
SELECT $2, i + 1, 'sec_' || lpad((i / 1000)::text, 4, '0'), 'R' || ((i % 1000) / 20 + 1), (i % 1000) / 20, i % 20 + 1, $1 - i,
    5000 + (i / 1000 % 5) * 1000
FROM generate_series(0, $1::bigint - 1) AS i`

// ceilingUsers is how many buyers the holds are spread over, as the
// bench's buyers spread theirs.
const ceilingUsers = 1000

// ceilingTTL is the scratch holds' lifetime, the service's default.
const ceilingTTL = 5 * time.Minute

// OpenCeiling creates the scratch tables in the database at url, fills
// them with seats places and opens a pool of conns connections for the
// writers. The tables' names start with a random prefix, so a run never
// meets another's.
func OpenCeiling(ctx context.Context, url string, seats, conns int) (_ *Ceiling, err error) {
	var tag [4]byte
	_, _ = rand.Read(tag[:])
	c := &Ceiling{prefix: "ceiling_" + hex.EncodeToString(tag[:]) + "_", event: "evt_ceiling"}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	// The server's own settings, before this session's override.
	var serverSync, fsync string
	if err := func() error {
		conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
		if err != nil {
			return err
		}
		defer conn.Close(context.WithoutCancel(ctx))
		return conn.QueryRow(ctx, `SELECT current_setting('synchronous_commit'), current_setting('fsync')`).Scan(&serverSync, &fsync)
	}(); err != nil {
		return nil, fmt.Errorf("ceiling: %w", err)
	}
	cfg.MaxConns, cfg.MinConns = int32(max(1, conns)), int32(max(1, conns))
	rp := cfg.ConnConfig.RuntimeParams
	rp["synchronous_commit"] = "on"
	rp["application_name"] = "boxoffice-ceiling"
	if c.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("open postgres pool: %w", err)
	}
	defer func() {
		if err != nil {
			_ = c.Close()
		}
	}()
	c.mode = fmt.Sprintf("synchronous_commit=on (server default %s), fsync=%s, %d connections, READ COMMITTED", serverSync, fsync, cfg.MaxConns)
	if err := c.fill(ctx, seats); err != nil {
		return nil, fmt.Errorf("ceiling: create scratch tables: %w", err)
	}
	// Open every connection now, so that the first holds do not pay for
	// the connections' start.
	held := make([]*pgxpool.Conn, 0, cfg.MaxConns)
	defer func() {
		for _, cn := range held {
			cn.Release()
		}
	}()
	for range cfg.MaxConns {
		cn, err := c.pool.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("ceiling: connect: %w", err)
		}
		held = append(held, cn)
	}
	return c, nil
}

func (c *Ceiling) q(s string) string { return strings.ReplaceAll(s, "{p}", c.prefix) }

func (c *Ceiling) fill(ctx context.Context, seats int) error {
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, c.q(ceilingSchema)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, c.q(`INSERT INTO {p}events (id) VALUES ($1)`), c.event); err != nil {
			return err
		}
		for i := range ceilingUsers {
			c.users = append(c.users, fmt.Sprintf("usr_ceiling%05d", i))
		}
		if _, err := tx.Exec(ctx, c.q(`INSERT INTO {p}users (id) SELECT unnest($1::TEXT[])`), c.users); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, c.q(ceilingFill), seats, c.event)
		return err
	})
	if err != nil {
		return err
	}
	// Fresh statistics, as autovacuum would have gathered for an event's
	// seats by its on-sale, so that the claim is planned on the index.
	if _, err := c.pool.Exec(ctx, c.q(`ANALYZE {p}seats, {p}holds, {p}hold_seats, {p}users, {p}events`)); err != nil {
		return err
	}
	// The pairs, read back as the best-available walk would have read
	// them: seats 2k and 2k+1 share a row.
	rows, _ := c.pool.Query(ctx, c.q(`SELECT seat_no, section_id, row_name, number, price_cents FROM {p}seats
		WHERE event_id = $1 ORDER BY seat_no`), c.event)
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (s ceilingSeat, err error) {
		err = r.Scan(&s.no, &s.section, &s.row, &s.number, &s.price)
		return s, err
	})
	if err != nil {
		return err
	}
	for k := 0; 2*k+1 < len(all); k++ {
		c.pairs = append(c.pairs, [2]ceilingSeat{all[2*k], all[2*k+1]})
	}
	return nil
}

// Pairs is how many adjacent pairs there are to hold: Hold takes 0 to
// Pairs()-1.
func (c *Ceiling) Pairs() int { return len(c.pairs) }

// Describe says how the transactions are made durable, as the server
// reports it.
func (c *Ceiling) Describe() string { return c.mode }

// Hold runs one hold transaction for pair i under holdID, in the engine's
// words (booking_tx.go: ClaimSeats, InsertHold): the conditional claim of
// its two seats, then the hold row and its two hold_seats rows in one
// statement, then COMMIT. It reports false, having rolled back, when the
// claim did not get both seats (someone holds them).
func (c *Ceiling) Hold(ctx context.Context, i int, holdID string) (bool, error) {
	p := c.pairs[i]
	now := time.Now()
	nowMs, until := now.UnixMilli(), now.Add(ceilingTTL).UnixMilli()
	tx, err := c.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // after Commit, a no-op
	tag, err := tx.Exec(ctx, c.q(`UPDATE {p}seats SET hold_id = $1, hold_until = $2
		WHERE event_id = $3 AND seat_no = ANY($4) AND order_id IS NULL AND (hold_until IS NULL OR hold_until <= $5)`),
		holdID, until, c.event, []int64{p[0].no, p[1].no}, nowMs)
	if err != nil {
		return false, fmt.Errorf("claim: %w", err)
	}
	if tag.RowsAffected() != 2 {
		return false, nil
	}
	_, err = tx.Exec(ctx, c.q(`WITH h AS (
			INSERT INTO {p}holds (id, event_id, user_id, status, expires_at, quantity, subtotal_cents, currency, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id)
		INSERT INTO {p}hold_seats (hold_id, seat_no, section_name, row_name, number, price_cents)
		SELECT h.id, s.* FROM h, unnest($10::BIGINT[], $11::TEXT[], $12::TEXT[], $13::INTEGER[], $14::BIGINT[]) AS s`),
		holdID, c.event, c.users[i%len(c.users)], "active", until, 2, p[0].price+p[1].price, "USD", nowMs,
		[]int64{p[0].no, p[1].no}, []string{p[0].section, p[1].section}, []string{p[0].row, p[1].row},
		[]int64{p[0].number, p[1].number}, []int64{p[0].price, p[1].price})
	if err != nil {
		return false, fmt.Errorf("insert hold: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

// Check counts the holds and the claimed seats, and fails unless every
// claimed seat is in exactly one hold (store.CeilingVerdict).
func (c *Ceiling) Check(ctx context.Context) (holds, seats int, err error) {
	var rows, distinct, matched int
	err = c.pool.QueryRow(ctx, c.q(`SELECT (SELECT COUNT(*) FROM {p}holds), (SELECT COUNT(*) FROM {p}seats WHERE hold_id IS NOT NULL),
		(SELECT COUNT(*) FROM {p}hold_seats), (SELECT COUNT(DISTINCT seat_no) FROM {p}hold_seats),
		(SELECT COUNT(*) FROM {p}seats s JOIN {p}hold_seats hs ON hs.hold_id = s.hold_id AND hs.seat_no = s.seat_no)`)).
		Scan(&holds, &seats, &rows, &distinct, &matched)
	if err != nil {
		return 0, 0, fmt.Errorf("ceiling check: %w", err)
	}
	return holds, seats, store.CeilingVerdict(holds, seats, rows, distinct, matched)
}

// Close drops the scratch tables and closes the pool. It does so even
// when the caller's context has ended, as after Ctrl-C.
func (c *Ceiling) Close() error {
	if c.pool == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	names := make([]string, 0, 5)
	for _, t := range []string{"hold_seats", "holds", "seats", "users", "events"} {
		names = append(names, c.prefix+t)
	}
	_, err := c.pool.Exec(ctx, `DROP TABLE IF EXISTS `+strings.Join(names, ", "))
	if err != nil {
		err = fmt.Errorf("drop the ceiling's tables: %w", err)
	}
	c.pool.Close()
	c.pool = nil
	return err
}

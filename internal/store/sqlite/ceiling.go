package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/store"
)

// Ceiling is a set of scratch tables that mirror seats, holds and
// hold_seats (the same columns, constraints and indexes as the migrations
// leave them) in a database file, filled with one event's places, for
// `boxoffice bench` to time the bare hold transaction on the very file
// the service will use: what the database alone can do, with no HTTP and
// no service code, so that the service's figures have a ceiling to be
// compared with.
//
// Like the engine, it writes through exactly one connection whose
// transactions start with BEGIN IMMEDIATE, in WAL mode with
// synchronous=NORMAL. Close drops the tables.
type Ceiling struct {
	w      *sql.DB
	prefix string // of every scratch table and index name
	event  string
	users  []string
	pairs  [][2]ceilingSeat
	claim  *sql.Stmt
	hold   *sql.Stmt
	seats  *sql.Stmt
	mode   string // journal mode and synchronous level, as read back
}

type ceilingSeat struct {
	no            int64
	section, row  string
	number, price int64
}

// ceilingSchema is the engine's schema for seats, holds and hold_seats as
// the migrations leave it (00001, and 00003's covering walk index), with
// {p} before every name. events and users stand in for the real parents,
// so that the hold's foreign keys are checked as they are in the service.
// TestCeilingMirrorsSchema fails when the migrations and this drift apart.
const ceilingSchema = `
CREATE TABLE {p}events (id TEXT PRIMARY KEY);
CREATE TABLE {p}users (id TEXT PRIMARY KEY);
CREATE TABLE {p}seats (
    event_id    TEXT NOT NULL,
    seat_no     INTEGER NOT NULL,
    section_id  TEXT NOT NULL,
    row_name    TEXT,
    row_index   INTEGER NOT NULL,
    number      INTEGER,
    score       INTEGER NOT NULL,
    price_cents INTEGER NOT NULL,
    hold_id     TEXT,
    hold_until  INTEGER,
    order_id    TEXT,
    PRIMARY KEY (event_id, seat_no),
    CHECK ((hold_id IS NULL) = (hold_until IS NULL)),
    CHECK (order_id IS NULL OR hold_id IS NULL)
) WITHOUT ROWID;
CREATE INDEX {p}seats_unsold_by_section ON {p}seats (event_id, section_id, seat_no) WHERE order_id IS NULL;
CREATE INDEX {p}seats_by_hold ON {p}seats (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX {p}seats_by_order ON {p}seats (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX {p}seats_free_walk ON {p}seats (event_id, score, seat_no, hold_until, hold_id, section_id, row_name, row_index, number,
    price_cents, order_id) WHERE order_id IS NULL;
CREATE TABLE {p}holds (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES {p}events (id),
    user_id        TEXT NOT NULL REFERENCES {p}users (id),
    status         TEXT NOT NULL CHECK (status IN ('active', 'paying', 'released', 'converted', 'expired')),
    expires_at     INTEGER NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    subtotal_cents INTEGER NOT NULL,
    currency       TEXT NOT NULL,
    order_id       TEXT,
    created_at     INTEGER NOT NULL
);
CREATE INDEX {p}holds_user_event_places ON {p}holds (user_id, event_id, status, expires_at, quantity);
CREATE INDEX {p}holds_event_status ON {p}holds (event_id, status);
CREATE INDEX {p}holds_expiry ON {p}holds (status, expires_at);
CREATE TABLE {p}hold_seats (
    hold_id      TEXT NOT NULL REFERENCES {p}holds (id),
    seat_no      INTEGER NOT NULL,
    section_name TEXT NOT NULL,
    row_name     TEXT,
    number       INTEGER,
    price_cents  INTEGER NOT NULL,
    PRIMARY KEY (hold_id, seat_no)
) WITHOUT ROWID;
`

// ceilingFill makes ?1 places of event ?2: sections of 1,000 places in
// rows of 20, best score first, so that seats 2k and 2k+1 are always side
// by side in one row.
const ceilingFill = `
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1)
INSERT INTO {p}seats (event_id, seat_no, section_id, row_name, row_index, number, score, price_cents)
SELECT ?2, i + 1, printf('sec_%04d', i / 1000), 'R' || ((i % 1000) / 20 + 1), (i % 1000) / 20, i % 20 + 1, ?1 - i,
    5000 + (i / 1000 % 5) * 1000
FROM n`

// ceilingUsers is how many buyers the holds are spread over, as the
// bench's buyers spread theirs.
const ceilingUsers = 1000

// ceilingTTL is the scratch holds' lifetime, the service's default.
const ceilingTTL = 5 * time.Minute

// OpenCeiling creates the scratch tables in the database file at path
// (creating the file if needed) and fills them with seats places. The
// tables' names start with a random prefix, so a run never meets another's.
func OpenCeiling(ctx context.Context, path string, seats int) (_ *Ceiling, err error) {
	var tag [4]byte
	_, _ = rand.Read(tag[:])
	c := &Ceiling{prefix: "ceiling_" + hex.EncodeToString(tag[:]) + "_", event: "evt_ceiling"}
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	if c.w, err = sql.Open("sqlite", base+"?"+pragmas+"&_txlock=immediate"); err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	c.w.SetMaxOpenConns(1)
	c.w.SetMaxIdleConns(1)
	c.w.SetConnMaxLifetime(0)
	defer func() {
		if err != nil {
			_ = c.Close()
		}
	}()
	var journal string
	var synchronous int
	if err := c.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
		return nil, fmt.Errorf("ceiling: %w", err)
	}
	if err := c.w.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&synchronous); err != nil {
		return nil, fmt.Errorf("ceiling: %w", err)
	}
	c.mode = fmt.Sprintf("journal_mode=%s synchronous=%s", journal, map[int]string{0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[synchronous])
	if err := c.fill(ctx, seats); err != nil {
		return nil, fmt.Errorf("ceiling: create scratch tables: %w", err)
	}
	if err := c.prepare(ctx); err != nil {
		return nil, fmt.Errorf("ceiling: prepare: %w", err)
	}
	return c, nil
}

func (c *Ceiling) q(s string) string { return strings.ReplaceAll(s, "{p}", c.prefix) }

func (c *Ceiling) fill(ctx context.Context, seats int) error {
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, stmt := range strings.Split(strings.TrimSpace(c.q(ceilingSchema)), ";\n") {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, c.q(`INSERT INTO {p}events (id) VALUES (?)`), c.event); err != nil {
		return err
	}
	for i := range ceilingUsers {
		c.users = append(c.users, fmt.Sprintf("usr_ceiling%05d", i))
		if _, err := tx.ExecContext(ctx, c.q(`INSERT INTO {p}users (id) VALUES (?)`), c.users[i]); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, c.q(ceilingFill), seats, c.event); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// The pairs, read back as the best-available walk would have read
	// them: seats 2k and 2k+1 share a row.
	rows, err := c.w.QueryContext(ctx, c.q(`SELECT seat_no, section_id, row_name, number, price_cents FROM {p}seats
		WHERE event_id = ? ORDER BY seat_no`), c.event)
	if err != nil {
		return err
	}
	defer rows.Close()
	var all []ceilingSeat
	for rows.Next() {
		var s ceilingSeat
		if err := rows.Scan(&s.no, &s.section, &s.row, &s.number, &s.price); err != nil {
			return err
		}
		all = append(all, s)
	}
	for k := 0; 2*k+1 < len(all); k++ {
		c.pairs = append(c.pairs, [2]ceilingSeat{all[2*k], all[2*k+1]})
	}
	return rows.Err()
}

// prepare prepares the hold transaction's statements, in the engine's
// words (booking_tx.go: ClaimSeats, InsertHold), on the one connection.
func (c *Ceiling) prepare(ctx context.Context) (err error) {
	if c.claim, err = c.w.PrepareContext(ctx, c.q(`UPDATE {p}seats SET hold_id = ?, hold_until = ?
		WHERE event_id = ? AND order_id IS NULL AND (hold_until IS NULL OR hold_until <= ?) AND seat_no IN (?,?)`)); err != nil {
		return err
	}
	if c.hold, err = c.w.PrepareContext(ctx, c.q(`INSERT INTO {p}holds (id, event_id, user_id, status, expires_at, quantity, subtotal_cents, currency, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)); err != nil {
		return err
	}
	c.seats, err = c.w.PrepareContext(ctx, c.q(`INSERT INTO {p}hold_seats (hold_id, seat_no, section_name, row_name, number, price_cents) VALUES
		(?, ?, ?, ?, ?, ?),(?, ?, ?, ?, ?, ?)`))
	return err
}

// Pairs is how many adjacent pairs there are to hold: Hold takes 0 to
// Pairs()-1.
func (c *Ceiling) Pairs() int { return len(c.pairs) }

// Describe says how the transactions are made durable, as the database
// reports it.
func (c *Ceiling) Describe() string {
	return c.mode + ", one writer connection, BEGIN IMMEDIATE"
}

// Hold runs one hold transaction for pair i under holdID: the conditional
// claim of its two seats, then the hold row and its two hold_seats rows,
// then COMMIT. It reports false, having rolled back, when the claim did
// not get both seats (someone holds them).
func (c *Ceiling) Hold(ctx context.Context, i int, holdID string) (bool, error) {
	p := c.pairs[i]
	now := time.Now()
	nowMs, until := now.UnixMilli(), now.Add(ceilingTTL).UnixMilli()
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	res, err := tx.StmtContext(ctx, c.claim).ExecContext(ctx, holdID, until, c.event, nowMs, p[0].no, p[1].no)
	if err != nil {
		_ = tx.Rollback()
		return false, fmt.Errorf("claim: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 2 {
		_ = tx.Rollback()
		return false, err
	}
	if _, err := tx.StmtContext(ctx, c.hold).ExecContext(ctx, holdID, c.event, c.users[i%len(c.users)], "active", until, 2,
		p[0].price+p[1].price, "USD", nowMs); err != nil {
		_ = tx.Rollback()
		return false, fmt.Errorf("insert hold: %w", err)
	}
	if _, err := tx.StmtContext(ctx, c.seats).ExecContext(ctx, holdID, p[0].no, p[0].section, p[0].row, p[0].number, p[0].price,
		holdID, p[1].no, p[1].section, p[1].row, p[1].number, p[1].price); err != nil {
		_ = tx.Rollback()
		return false, fmt.Errorf("insert hold seats: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

// Check counts the holds and the claimed seats, and fails unless every
// claimed seat is in exactly one hold (store.CeilingVerdict).
func (c *Ceiling) Check(ctx context.Context) (holds, seats int, err error) {
	var rows, distinct, matched int
	err = c.w.QueryRowContext(ctx, c.q(`SELECT (SELECT COUNT(*) FROM {p}holds), (SELECT COUNT(*) FROM {p}seats WHERE hold_id IS NOT NULL),
		(SELECT COUNT(*) FROM {p}hold_seats), (SELECT COUNT(DISTINCT seat_no) FROM {p}hold_seats),
		(SELECT COUNT(*) FROM {p}seats s JOIN {p}hold_seats hs ON hs.hold_id = s.hold_id AND hs.seat_no = s.seat_no)`)).
		Scan(&holds, &seats, &rows, &distinct, &matched)
	if err != nil {
		return 0, 0, fmt.Errorf("ceiling check: %w", err)
	}
	return holds, seats, store.CeilingVerdict(holds, seats, rows, distinct, matched)
}

// Close drops the scratch tables, checkpoints the WAL back into the file
// (the service starts on it next) and closes the connection. It does so
// even when the caller's context has ended, as after Ctrl-C.
func (c *Ceiling) Close() error {
	if c.w == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for _, st := range []*sql.Stmt{c.claim, c.hold, c.seats} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, t := range []string{"hold_seats", "holds", "seats", "users", "events"} {
		if _, err := c.w.ExecContext(ctx, `DROP TABLE IF EXISTS `+c.prefix+t); err != nil {
			errs = append(errs, fmt.Errorf("drop %s%s: %w", c.prefix, t, err))
		}
	}
	if _, err := c.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.w.Close())
	c.w = nil
	return errors.Join(errs...)
}

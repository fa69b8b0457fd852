package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/queue"
	"github.com/boxoffice/boxoffice/internal/store"
)

var _ queue.Store = (*Store)(nil)

// InQueueTx locks the event's queue_states row FOR UPDATE, creating it
// first when missing (instances creating it at once: the primary key
// keeps the first, and everyone then locks that one).
func (s *Store) InQueueTx(ctx context.Context, eventID string, init func() queue.State, fn func(queue.Tx) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		st, ok, err := queueState(ctx, tx, eventID, true)
		if err != nil {
			return err
		}
		if !ok {
			if _, err := tx.Exec(ctx, `INSERT INTO queue_states (`+store.QueueStateColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (event_id) DO NOTHING`, store.StateArgs(init())...); err != nil {
				return err
			}
			if st, _, err = queueState(ctx, tx, eventID, true); err != nil {
				return err
			}
		}
		return fn(&queueTx{tx: tx, state: st})
	})
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func queueState(ctx context.Context, q rowQuerier, eventID string, lock bool) (queue.State, bool, error) {
	var r store.StateRow
	sql := `SELECT ` + store.QueueStateColumns + ` FROM queue_states WHERE event_id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	err := q.QueryRow(ctx, sql, eventID).Scan(r.Dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.State{}, false, nil
	}
	return r.State(), err == nil, err
}

// QueueState implements queue.Store.
func (s *Store) QueueState(ctx context.Context, eventID string) (queue.State, bool, error) {
	return queueState(ctx, s.pool, eventID, false)
}

// EntryByToken implements queue.Store.
func (s *Store) EntryByToken(ctx context.Context, token string) (queue.Entry, error) {
	var r store.EntryRow
	err := s.pool.QueryRow(ctx, `SELECT `+store.QueueEntryColumns+` FROM queue_entries WHERE token = $1`, token).Scan(r.Dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Entry{}, apperr.E(apperr.NotFound, "no such place")
	}
	return r.Entry(), err
}

// SetAdmitted implements queue.Store.
func (s *Store) SetAdmitted(ctx context.Context, token string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE queue_entries SET admitted_at = $1 WHERE token = $2 AND admitted_at IS NULL`, store.Millis(at), token)
	return err
}

// DrawnPlaces implements queue.Store.
func (s *Store) DrawnPlaces(ctx context.Context, eventID string) ([]queue.Entry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+store.QueueEntryColumns+` FROM queue_entries
		WHERE event_id = $1 AND presale AND position IS NOT NULL ORDER BY position`, eventID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (queue.Entry, error) {
		var r store.EntryRow
		err := row.Scan(r.Dest()...)
		return r.Entry(), err
	})
}

// QueuedEvents implements queue.Store.
func (s *Store) QueuedEvents(ctx context.Context, since, now time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM events WHERE queue_enabled AND status = 'published'
		AND onsale_at <= $1 AND onsale_at > $2 AND starts_at > $1`, store.Millis(now), store.Millis(since))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

type queueTx struct {
	tx    pgx.Tx
	state queue.State
}

func (t *queueTx) State() queue.State { return t.state }

func (t *queueTx) SaveState(ctx context.Context, s queue.State) error {
	a := store.StateArgs(s)
	_, err := t.tx.Exec(ctx, `UPDATE queue_states SET seed = $1, presale_count = $2, post_count = $3, presale_closed = $4,
		drawn_at = $5, rate = $6, base_admitted = $7, base_at = $8 WHERE event_id = $9`, a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], s.EventID)
	return err
}

func (t *queueTx) EntryOf(ctx context.Context, userID string) (queue.Entry, bool, error) {
	var r store.EntryRow
	err := t.tx.QueryRow(ctx, `SELECT `+store.QueueEntryColumns+` FROM queue_entries WHERE event_id = $1 AND user_id = $2`,
		t.state.EventID, userID).Scan(r.Dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Entry{}, false, nil
	}
	return r.Entry(), err == nil, err
}

func (t *queueTx) PutEntry(ctx context.Context, e queue.Entry) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO queue_entries (`+store.QueueEntryColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (event_id, user_id) DO UPDATE SET token = EXCLUDED.token, joined_at = EXCLUDED.joined_at, presale = EXCLUDED.presale,
		seq = EXCLUDED.seq, position = EXCLUDED.position, admitted_at = EXCLUDED.admitted_at`,
		store.EntryArgs(e)...)
	return err
}

func (t *queueTx) PresaleTokens(ctx context.Context) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT token FROM queue_entries WHERE event_id = $1 AND presale ORDER BY seq`, t.state.EventID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (t *queueTx) SetPositions(ctx context.Context, tokens []string, positions []int64) error {
	_, err := t.tx.Exec(ctx, `UPDATE queue_entries q SET position = d.position
		FROM unnest($1::TEXT[], $2::BIGINT[]) AS d (token, position) WHERE q.token = d.token`, tokens, positions)
	return err
}

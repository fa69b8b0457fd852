package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/queue"
	"github.com/boxoffice/boxoffice/internal/store"
)

var _ queue.Store = (*Store)(nil)

// InQueueTx runs fn in a write transaction: SQLite's one writer is the
// lock on the event's waiting room.
func (s *Store) InQueueTx(ctx context.Context, eventID string, init func() queue.State, fn func(queue.Tx) error) error {
	return s.inTx(ctx, func(tx *tx) error {
		st, ok, err := queueState(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if !ok {
			st = init()
			if _, err := tx.ExecContext(ctx, `INSERT INTO queue_states (`+store.QueueStateColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				store.StateArgs(st)...); err != nil {
				return err
			}
		}
		return fn(&queueTx{tx: tx, state: st})
	})
}

func queueState(ctx context.Context, q queryer, eventID string) (queue.State, bool, error) {
	var r store.StateRow
	err := q.QueryRowContext(ctx, `SELECT `+store.QueueStateColumns+` FROM queue_states WHERE event_id = ?`, eventID).Scan(r.Dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return queue.State{}, false, nil
	}
	return r.State(), err == nil, err
}

// QueueState implements queue.Store.
func (s *Store) QueueState(ctx context.Context, eventID string) (queue.State, bool, error) {
	return queueState(ctx, s.r, eventID)
}

// EntryByToken implements queue.Store.
func (s *Store) EntryByToken(ctx context.Context, token string) (queue.Entry, error) {
	var r store.EntryRow
	err := s.r.QueryRowContext(ctx, `SELECT `+store.QueueEntryColumns+` FROM queue_entries WHERE token = ?`, token).Scan(r.Dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Entry{}, apperr.E(apperr.NotFound, "no such place")
	}
	return r.Entry(), err
}

// SetAdmitted implements queue.Store.
func (s *Store) SetAdmitted(ctx context.Context, token string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE queue_entries SET admitted_at = ? WHERE token = ? AND admitted_at IS NULL`, store.Millis(at), token)
	return err
}

// DrawnPlaces implements queue.Store.
func (s *Store) DrawnPlaces(ctx context.Context, eventID string) ([]queue.Entry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+store.QueueEntryColumns+` FROM queue_entries
		WHERE event_id = ? AND presale = 1 AND position IS NOT NULL ORDER BY position`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queue.Entry
	for rows.Next() {
		var r store.EntryRow
		if err := rows.Scan(r.Dest()...); err != nil {
			return nil, err
		}
		out = append(out, r.Entry())
	}
	return out, rows.Err()
}

// QueuedEvents implements queue.Store.
func (s *Store) QueuedEvents(ctx context.Context, since, now time.Time) ([]string, error) {
	return queryIDs(ctx, s.r, `SELECT id FROM events WHERE queue_enabled = 1 AND status = 'published'
		AND onsale_at <= ? AND onsale_at > ? AND starts_at > ?`, store.Millis(now), store.Millis(since), store.Millis(now))
}

type queueTx struct {
	tx    *tx
	state queue.State
}

func (t *queueTx) State() queue.State { return t.state }

func (t *queueTx) SaveState(ctx context.Context, s queue.State) error {
	a := store.StateArgs(s)
	_, err := t.tx.ExecContext(ctx, `UPDATE queue_states SET seed = ?, presale_count = ?, post_count = ?, presale_closed = ?,
		drawn_at = ?, rate = ?, base_admitted = ?, base_at = ? WHERE event_id = ?`, a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], s.EventID)
	return err
}

func (t *queueTx) EntryOf(ctx context.Context, userID string) (queue.Entry, bool, error) {
	var r store.EntryRow
	err := t.tx.QueryRowContext(ctx, `SELECT `+store.QueueEntryColumns+` FROM queue_entries WHERE event_id = ? AND user_id = ?`,
		t.state.EventID, userID).Scan(r.Dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Entry{}, false, nil
	}
	return r.Entry(), err == nil, err
}

func (t *queueTx) PutEntry(ctx context.Context, e queue.Entry) error {
	_, err := t.tx.ExecContext(ctx, `INSERT OR REPLACE INTO queue_entries (`+store.QueueEntryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		store.EntryArgs(e)...)
	return err
}

func (t *queueTx) PresaleTokens(ctx context.Context) ([]string, error) {
	return queryIDs(ctx, t.tx, `SELECT token FROM queue_entries WHERE event_id = ? AND presale = 1 ORDER BY seq`, t.state.EventID)
}

func (t *queueTx) SetPositions(ctx context.Context, tokens []string, positions []int64) error {
	for i, tok := range tokens {
		if _, err := t.tx.ExecContext(ctx, `UPDATE queue_entries SET position = ? WHERE token = ?`, positions[i], tok); err != nil {
			return err
		}
	}
	return nil
}

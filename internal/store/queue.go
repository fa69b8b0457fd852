package store

import (
	"database/sql"

	"github.com/boxoffice/boxoffice/internal/queue"
)

// QueueStateColumns are the columns of queue_states in StateRow.Dest order.
const QueueStateColumns = `event_id, nonce, commitment, seed, presale_count, post_count, presale_closed, drawn_at, rate,
	base_admitted, base_at, created_at`

// StateRow is one scanned row of queue_states.
type StateRow struct {
	s                 queue.State
	seed              sql.NullString
	drawn             sql.NullInt64
	baseAt, createdAt int64
}

// Dest is the scan destination list for QueueStateColumns.
func (r *StateRow) Dest() []any {
	return []any{&r.s.EventID, &r.s.Nonce, &r.s.Commitment, &r.seed, &r.s.PresaleCount, &r.s.PostCount, &r.s.PresaleClosed,
		&r.drawn, &r.s.RatePerMinute, &r.s.BaseAdmitted, &r.baseAt, &r.createdAt}
}

// State is the row as the queue package sees it.
func (r *StateRow) State() queue.State {
	s := r.s
	s.Seed, s.DrawnAt, s.BaseAt, s.CreatedAt = r.seed.String, NullTime(r.drawn), Time(r.baseAt), Time(r.createdAt)
	return s
}

// StateArgs is the argument list of s in QueueStateColumns order.
func StateArgs(s queue.State) []any {
	var drawn sql.NullInt64
	if s.DrawnAt != nil {
		drawn = sql.NullInt64{Int64: Millis(*s.DrawnAt), Valid: true}
	}
	return []any{s.EventID, s.Nonce, s.Commitment, NullString(s.Seed), s.PresaleCount, s.PostCount, s.PresaleClosed, drawn,
		s.RatePerMinute, s.BaseAdmitted, Millis(s.BaseAt), Millis(s.CreatedAt)}
}

// QueueEntryColumns are the columns of queue_entries in EntryRow.Dest order.
const QueueEntryColumns = `event_id, user_id, token, joined_at, presale, seq, position, admitted_at`

// EntryRow is one scanned row of queue_entries.
type EntryRow struct {
	e        queue.Entry
	joined   int64
	position sql.NullInt64
	admitted sql.NullInt64
}

// Dest is the scan destination list for QueueEntryColumns.
func (r *EntryRow) Dest() []any {
	return []any{&r.e.EventID, &r.e.UserID, &r.e.Token, &r.joined, &r.e.Presale, &r.e.Seq, &r.position, &r.admitted}
}

// Entry is the row as the queue package sees it.
func (r *EntryRow) Entry() queue.Entry {
	e := r.e
	e.JoinedAt, e.Position, e.AdmittedAt = Time(r.joined), r.position.Int64, NullTime(r.admitted)
	return e
}

// EntryArgs is the argument list of e in QueueEntryColumns order.
func EntryArgs(e queue.Entry) []any {
	var admitted sql.NullInt64
	if e.AdmittedAt != nil {
		admitted = sql.NullInt64{Int64: Millis(*e.AdmittedAt), Valid: true}
	}
	return []any{e.EventID, e.UserID, e.Token, Millis(e.JoinedAt), e.Presale, e.Seq, sql.NullInt64{Int64: e.Position, Valid: e.Position != 0},
		admitted}
}

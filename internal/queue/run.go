package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// draw reveals the event's seed and gives the pre-queue its order, once:
// whichever instance gets the state lock first draws, the others find it
// drawn. It also closes the pre-queue, so a late pre-sale join on an
// instance whose clock lags cannot slip in afterwards.
func (s *Service) draw(ctx context.Context, e catalog.Event) (State, error) {
	e, err := s.events.Fresh(ctx, e.ID)
	if err != nil {
		return State{}, err
	}
	var st State
	err = s.store.InQueueTx(ctx, e.ID, s.newState(e), func(tx Tx) error {
		var err error
		st, err = s.drawIn(ctx, tx, e, tx.State())
		return err
	})
	if err != nil {
		return State{}, fmt.Errorf("queue draw: %w", err)
	}
	return st, nil
}

// drawIn makes the draw inside tx, unless st is drawn already.
func (s *Service) drawIn(ctx context.Context, tx Tx, e catalog.Event, st State) (State, error) {
	if st.Drawn() {
		return st, nil
	}
	tokens, err := tx.PresaleTokens(ctx)
	if err != nil {
		return st, err
	}
	seed := seedFor(s.key, e.ID, st.Nonce)
	if Commitment(seed) != st.Commitment {
		return st, errors.New("queue: the seed does not match its commitment (was the queue key changed?)")
	}
	byEntry := make(map[string]string, len(tokens))
	entries := make([]string, len(tokens))
	for i, t := range tokens {
		entries[i] = EntryID(t)
		byEntry[entries[i]] = t
	}
	ordered := make([]string, len(tokens))
	positions := make([]int64, len(tokens))
	for i, en := range DrawOrder(seed, entries) {
		ordered[i], positions[i] = byEntry[en], int64(i+1)
	}
	if err := tx.SetPositions(ctx, ordered, positions); err != nil {
		return st, err
	}
	// Places taken after the pre-queue closed were numbered after it at
	// their join; the draw orders only the first PresaleCount.
	now := s.clock.Now().Truncate(time.Millisecond)
	st.Seed, st.DrawnAt, st.PresaleClosed = seed, &now, true
	// The frontier starts at the opening as it is now (the organizer may
	// have moved it since the room was set up), at the event's rate.
	st.BaseAt, st.BaseAdmitted, st.RatePerMinute = e.OnsaleAt, 0, e.Queue.AdmitPerMinute
	s.log.Info("queue: drawn", "event_id", e.ID, "pre_queue", len(tokens), "seed", seed, "commitment", st.Commitment)
	return st, tx.SaveState(ctx, st)
}

// PublishedDraw is the event's draw, for anyone to check: the commitment,
// the seed and every pre-queue place (as EntryID) with its position.
func (s *Service) PublishedDraw(ctx context.Context, eventID string) (Draw, error) {
	e, err := s.queued(ctx, eventID)
	if err != nil {
		return Draw{}, err
	}
	st, ok, err := s.store.QueueState(ctx, e.ID)
	if err != nil {
		return Draw{}, err
	}
	if !ok || !st.Drawn() {
		if s.clock.Now().Before(e.OnsaleAt) {
			return Draw{}, apperr.E(apperr.Conflict, "the draw is made when sales open, at %s", e.OnsaleAt.UTC().Format(time.RFC3339))
		}
		if st, err = s.draw(ctx, e); err != nil {
			return Draw{}, err
		}
	}
	places, err := s.store.DrawnPlaces(ctx, e.ID)
	if err != nil {
		return Draw{}, err
	}
	d := Draw{EventID: e.ID, Commitment: st.Commitment, Seed: st.Seed, DrawnAt: *st.DrawnAt, Places: make([]DrawPlace, len(places))}
	for i, p := range places {
		d.Places[i] = DrawPlace{Entry: EntryID(p.Token), Position: p.Position}
	}
	return d, nil
}

// Tick is the waiting room's background job, run every second on every
// instance: it draws the pre-queues of sales that just opened (so that the
// draw is made at the opening, not at the first poll) and moves the auto
// rates. It returns how many events it acted on.
func (s *Service) Tick(ctx context.Context) (int, error) {
	now := s.clock.Now()
	events, err := s.store.QueuedEvents(ctx, now.Add(-24*time.Hour), now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range events {
		e, err := s.events.Event(ctx, id)
		if err != nil || !e.Queue.Enabled {
			continue
		}
		st, ok, err := s.store.QueueState(ctx, id)
		if err != nil {
			return n, err
		}
		if !ok || !st.Drawn() {
			if _, err := s.draw(ctx, e); err != nil {
				return n, err
			}
			n++
			continue
		}
		if e.Queue.Mode != catalog.QueueAuto && st.RatePerMinute != e.Queue.AdmitPerMinute {
			// The organizer changed the fixed rate: it applies from now on.
			always := func(State) bool { return true }
			if _, err := s.setRate(ctx, e, now, e.Queue.AdmitPerMinute, "the organizer changed it", always); err != nil {
				return n, err
			}
			n++
			continue
		}
		if e.Queue.Mode == catalog.QueueAuto && s.signals != nil {
			changed, err := s.steer(ctx, e, st, now)
			if err != nil {
				return n, err
			}
			if changed {
				n++
			}
		}
	}
	return n, nil
}

// Room is one open waiting room's figures.
type Room struct {
	EventID           string
	Waiting, Admitted int64
	AdmitPerMinute    int
}

// Rooms lists the waiting rooms of sales open now, for the gauges.
func (s *Service) Rooms(ctx context.Context) ([]Room, error) {
	now := s.clock.Now()
	ids, err := s.store.QueuedEvents(ctx, now.Add(-24*time.Hour), now)
	if err != nil {
		return nil, err
	}
	var out []Room
	for _, id := range ids {
		st, ok, err := s.store.QueueState(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok {
			a := st.Admitted(now)
			out = append(out, Room{EventID: id, Waiting: st.Total() - a, Admitted: a, AdmitPerMinute: st.RatePerMinute})
		}
	}
	return out, nil
}

// setRate re-bases the frontier at now with rate, under the state lock,
// if due(state) still holds there (another instance may have just changed
// it) and the rate differs. It logs the change with attrs and tells the
// observer; it reports whether it changed the rate.
func (s *Service) setRate(ctx context.Context, e catalog.Event, now time.Time, rate int, why string, due func(State) bool, attrs ...any) (bool, error) {
	changed := false
	err := s.store.InQueueTx(ctx, e.ID, s.newState(e), func(tx Tx) error {
		st := tx.State()
		if st.RatePerMinute == rate || !due(st) {
			return nil
		}
		from := st.RatePerMinute
		st.Rebase(now, rate)
		changed = true
		s.log.Info("queue: admission rate changed", append([]any{"event_id", e.ID, "from", from, "to", rate, "reason", why}, attrs...)...)
		s.obs.RateChanged(e.ID, from, rate, why)
		return tx.SaveState(ctx, st)
	})
	return changed, err
}

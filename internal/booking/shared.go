package booking

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/internal/clock"
)

// DefaultSnapshotMaxAge is how long a shared snapshot is served before the
// next request re-reads it: during an on-sale, 1,000 seat-map and offers
// requests a second then cost about four reads of the taken places a
// second (per event and instance) instead of a thousand, and a buyer sees
// a seat taken at most about a quarter of a second late.
const DefaultSnapshotMaxAge = 250 * time.Millisecond

// maxSharedSnapshots bounds the events whose latest snapshot a Service
// keeps. An entry is small (a status byte per place, plus the encoded seat
// maps that views keep for it), and the least recently read goes first.
const maxSharedSnapshots = 64

// SharedSnapshot returns a recent snapshot of the event's seats, shared by
// every caller in this process: it is at most MaxAge old (Options.
// SnapshotMaxAge, DefaultSnapshotMaxAge by default), except that once it is
// older, the re-read runs in the background and every caller meanwhile,
// the one who started it too, is given the one being replaced, up to four
// times MaxAge old, rather than wait for the database. One caller at a
// time reads (single flight), so however many requests come in, an event
// costs at most one read of its taken places per MaxAge.
//
// Staleness is fine here because reads decide nothing: who gets a seat is
// decided by the conditional write that claims it (Tx.ClaimSeats), and a
// hold on a seat that a stale map showed free fails with seats_unavailable.
// Everything that decides — holds, checkout, the ticket limit — reads in
// its transaction instead. Ages are measured on the service's clock, so a
// test moves a fake clock to see a change, and a hold expired since the
// snapshot was read shows held until the next read.
//
// The snapshot must not be changed; values derived from it can be memoized
// with View.
func (s *Service) SharedSnapshot(ctx context.Context, eventID string) (Snapshot, error) {
	p, err := s.Plan(ctx, eventID) // an unknown event fails here, before it takes a cache entry
	if err != nil {
		return Snapshot{}, err
	}
	return s.shared.get(ctx, p, s.readSnapshot)
}

// sharedSnapshots keeps the latest snapshot of recently read events.
type sharedSnapshots struct {
	clock    clock.Clock
	maxAge   time.Duration
	maxStale time.Duration // served while another caller re-reads

	mu      sync.Mutex
	entries map[string]*list.Element // of *sharedEntry
	lru     list.List                // most recently used first
}

type sharedEntry struct {
	eventID string

	mu      sync.Mutex
	cur     Snapshot    // zero until the first read succeeds
	reading *sharedRead // the read in flight, if any
}

// sharedRead is one read of an event's statuses, awaited by the callers
// that arrive while it runs and cannot be given the current snapshot.
type sharedRead struct {
	done chan struct{}
	sn   Snapshot
	err  error
}

func newSharedSnapshots(clk clock.Clock, maxAge time.Duration) *sharedSnapshots {
	return &sharedSnapshots{clock: clk, maxAge: maxAge, maxStale: 4 * maxAge, entries: map[string]*list.Element{}}
}

// entry returns the event's entry, making it the most recently used and
// evicting the least recently used past maxSharedSnapshots.
func (c *sharedSnapshots) entry(eventID string) *sharedEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[eventID]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*sharedEntry)
	}
	e := &sharedEntry{eventID: eventID}
	c.entries[eventID] = c.lru.PushFront(e)
	if c.lru.Len() > maxSharedSnapshots {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.entries, old.Value.(*sharedEntry).eventID)
	}
	return e
}

// youngerThan reports whether a snapshot read at readAt is younger than d
// at now. A clock that went back counts as old.
func youngerThan(readAt, now time.Time, d time.Duration) bool {
	age := now.Sub(readAt)
	return age >= 0 && age < d
}

func (c *sharedSnapshots) get(ctx context.Context, p *SeatPlan, read func(context.Context, *SeatPlan) (Snapshot, error)) (Snapshot, error) {
	e := c.entry(p.EventID)
	e.mu.Lock()
	now := c.clock.Now()
	have := e.cur.Plan != nil
	if have && youngerThan(e.cur.ReadAt, now, c.maxAge) {
		sn := e.cur
		e.mu.Unlock()
		return sn, nil
	}
	if rd := e.reading; rd != nil {
		if have && youngerThan(e.cur.ReadAt, now, c.maxStale) {
			sn := e.cur
			e.mu.Unlock()
			return sn, nil
		}
		e.mu.Unlock()
		select {
		case <-rd.done:
			return rd.sn, rd.err
		case <-ctx.Done():
			return Snapshot{}, ctx.Err()
		}
	}
	rd := &sharedRead{done: make(chan struct{}), err: errReadPanicked}
	e.reading = rd
	// A snapshot that is old but not stale is still served, to this caller
	// too, while the new one is read in the background: no request waits
	// for the read (a stadium's takes tens of milliseconds in an on-sale),
	// so none carries its time into the tail of the latency.
	background := have && youngerThan(e.cur.ReadAt, now, c.maxStale)
	old := e.cur
	e.mu.Unlock()
	refresh := func() {
		defer func() { // publish even if read panics, so that the event's reads do not wedge
			e.mu.Lock()
			if rd.err == nil {
				// The new snapshot's views fall back on the old one's while
				// they are built only if the old one could still be served:
				// after a quiet spell its values are as old as the spell.
				var prev *views
				if background {
					prev = e.cur.views
				}
				rd.sn.views = newViews(prev)
				e.cur = rd.sn
			}
			e.reading = nil
			e.mu.Unlock()
			close(rd.done)
		}()
		// The read serves every caller waiting on it, so this caller
		// leaving does not cancel it.
		rd.sn, rd.err = read(context.WithoutCancel(ctx), p)
	}
	if background {
		go refresh()
		return old, nil
	}
	refresh()
	return rd.sn, rd.err
}

// SnapshotReading reports whether the event's shared snapshot is being
// read again (tests wait for the background read with it).
func (s *Service) SnapshotReading(eventID string) bool { return s.shared.reading(eventID) }

func (c *sharedSnapshots) reading(eventID string) bool {
	e := c.entry(eventID)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reading != nil
}

// errReadPanicked is what the callers waiting on a read get if it panicked.
var errReadPanicked = errors.New("read seat statuses: the read panicked")

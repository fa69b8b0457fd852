package booking

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Compact seat statuses: one byte per place, in seat-number order.
const (
	StatusByteAvailable = 'a'
	StatusByteHeld      = 'h'
	StatusByteSold      = 's'
)

// TakenSeat is a place that is not available: sold, or in a hold that has
// not expired. Every other place of the event is available.
type TakenSeat struct {
	No   int64
	Sold bool
}

// SeatPlan is the part of an event's seats that never changes once the
// event exists: which places there are, where they sit, their score and
// their price (a price is copied onto each seat when the event is created
// and no rule changes it afterwards). Because it is immutable a process
// may cache it, and a live seat map then costs one narrow read of the
// taken places instead of a read of every seat.
type SeatPlan struct {
	EventID string
	// Seats are every place in map order, without status; seat number No
	// is Seats[No-1].
	Seats []Seat
	// Map is the plan as a seat map with every place available: sections,
	// rows and seat ids, for drawing.
	Map SeatMap
	// order lists seat numbers in map order (section, row, number).
	order []int64
	// index lays the plan out flat for the reads that go over a whole
	// snapshot: offers and the encoded seat maps (plan_index.go).
	index planIndex
}

// Snapshot is an event's seats at one instant: the cached plan and the
// status of each place.
type Snapshot struct {
	Plan *SeatPlan
	// Status has one byte per place, Status[No-1]: StatusByteAvailable,
	// StatusByteHeld or StatusByteSold. A place whose hold has expired is
	// available, whether or not the sweeper has run (invariant 3). A
	// snapshot may be shared between requests (SharedSnapshot), so nobody
	// may change Status.
	Status []byte
	// ReadAt is the service clock's time at which Status was read: holds
	// that expired by then show available.
	ReadAt time.Time
	// views memoizes what is derived from a shared snapshot (see View);
	// nil for a snapshot read for one caller.
	views *views
}

// maxPlans bounds the plans a Service keeps; the stadium's is a few MB.
const maxPlans = 32

type planEntry struct {
	ready chan struct{}
	plan  *SeatPlan
	err   error
}

// planCache keeps recently used plans; concurrent loads of one plan share
// one read.
type planCache struct {
	mu    sync.Mutex
	plans map[string]*planEntry
	order []string // load order, oldest first, for eviction
}

func newPlanCache() *planCache { return &planCache{plans: map[string]*planEntry{}} }

func (c *planCache) get(ctx context.Context, eventID string, load func(context.Context) (*SeatPlan, error)) (*SeatPlan, error) {
	c.mu.Lock()
	e, ok := c.plans[eventID]
	if !ok {
		e = &planEntry{ready: make(chan struct{})}
		c.plans[eventID] = e
		c.order = append(c.order, eventID)
		if len(c.order) > maxPlans {
			delete(c.plans, c.order[0])
			c.order = c.order[1:]
		}
		c.mu.Unlock()
		e.plan, e.err = load(context.WithoutCancel(ctx))
		if e.err != nil {
			c.mu.Lock()
			if c.plans[eventID] == e {
				delete(c.plans, eventID)
			}
			c.mu.Unlock()
		}
		close(e.ready)
		return e.plan, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.ready:
		return e.plan, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Plan returns the event's seat plan, reading it once per process.
func (s *Service) Plan(ctx context.Context, eventID string) (*SeatPlan, error) {
	return s.plans.get(ctx, eventID, func(ctx context.Context) (*SeatPlan, error) {
		e, err := s.store.Event(ctx, eventID)
		if err != nil {
			return nil, err
		}
		seats, err := s.store.PlanSeats(ctx, eventID)
		if err != nil {
			return nil, err
		}
		sections := make([]string, len(e.Prices))
		for i, p := range e.Prices {
			sections[i] = p.Section
		}
		return newSeatPlan(eventID, sections, seats)
	})
}

// newSeatPlan lays out an event's places, given in seat-number order, in
// map order: the venue's section order (sections, the order of the event's
// prices), then row, then number.
func newSeatPlan(eventID string, sections []string, seats []Seat) (*SeatPlan, error) {
	for i, st := range seats {
		if st.No != int64(i+1) {
			return nil, fmt.Errorf("event %s: seat numbers are not 1..%d", eventID, len(seats))
		}
	}
	secPos := make(map[string]int, len(sections))
	for i, name := range sections {
		secPos[name] = i
	}
	pos := make([]int, len(seats))
	for i, st := range seats {
		pos[i] = secPos[st.Section]
	}
	less := func(a, b int64) bool {
		x, y := &seats[a-1], &seats[b-1]
		if pa, pb := pos[a-1], pos[b-1]; pa != pb {
			return pa < pb
		}
		if x.RowIndex != y.RowIndex {
			return x.RowIndex < y.RowIndex
		}
		return x.Number < y.Number
	}
	order := make([]int64, len(seats))
	sorted := true
	for i := range order {
		order[i] = int64(i + 1)
		if i > 0 && less(order[i], order[i-1]) {
			sorted = false
		}
	}
	if !sorted { // venues number seats in map order, so this is rare
		sort.SliceStable(order, func(i, j int) bool { return less(order[i], order[j]) })
	}
	ordered := make([]Seat, len(seats))
	for i, no := range order {
		ordered[i] = seats[no-1]
	}
	m := buildSeatMap(eventID, ordered, func(Seat) SeatStatus { return SeatAvailable })
	return &SeatPlan{EventID: eventID, Seats: seats, Map: m, order: order, index: newPlanIndex(m, order, seats)}, nil
}

// Snapshot returns the event's plan with the status of every place now,
// read for this caller alone: after the first call per event it costs one
// read of the taken places. Hot reads that may be a little stale use
// SharedSnapshot instead.
func (s *Service) Snapshot(ctx context.Context, eventID string) (Snapshot, error) {
	p, err := s.Plan(ctx, eventID)
	if err != nil {
		return Snapshot{}, err
	}
	return s.readSnapshot(ctx, p)
}

// readSnapshot reads the status of every place of p now.
func (s *Service) readSnapshot(ctx context.Context, p *SeatPlan) (Snapshot, error) {
	now := s.clock.Now()
	taken, err := s.store.TakenSeats(ctx, p.EventID, now)
	if err != nil {
		return Snapshot{}, fmt.Errorf("read seat statuses: %w", err)
	}
	st := make([]byte, len(p.Seats))
	for i := range st {
		st[i] = StatusByteAvailable
	}
	for _, t := range taken {
		if t.No < 1 || t.No > int64(len(st)) {
			continue
		}
		if t.Sold {
			st[t.No-1] = StatusByteSold
		} else {
			st[t.No-1] = StatusByteHeld
		}
	}
	return Snapshot{Plan: p, Status: st, ReadAt: now}, nil
}

// StatusOf returns the status of seat number no.
func (sn Snapshot) StatusOf(no int64) SeatStatus {
	if no < 1 || no > int64(len(sn.Status)) {
		return SeatAvailable
	}
	return statusOfByte(sn.Status[no-1])
}

// statusOfByte is the status a status byte stands for.
func statusOfByte(c byte) SeatStatus {
	switch c {
	case StatusByteSold:
		return SeatSold
	case StatusByteHeld:
		return SeatHeld
	}
	return SeatAvailable
}

// Map is the snapshot as a SeatMap, the same as Service.SeatMap would give.
// It copies the plan's map, whose seats were laid out in Plan.order, and
// sets each seat's status: no string is built, so a stadium takes
// milliseconds.
func (sn Snapshot) Map() SeatMap {
	pm, order := sn.Plan.Map, sn.Plan.order
	m := SeatMap{EventID: pm.EventID, Sections: make([]MapSection, len(pm.Sections))}
	buf := make([]MapSeat, len(order))
	k := 0 // the next seat of order
	for i, sec := range pm.Sections {
		out := sec
		out.Available = 0
		if sec.GeneralAdmission {
			for n := 0; n < sec.Capacity; n, k = n+1, k+1 {
				if sn.Status[order[k]-1] == StatusByteAvailable {
					out.Available++
				}
			}
			m.Sections[i] = out
			continue
		}
		out.Rows = make([]MapRow, len(sec.Rows))
		for j, r := range sec.Rows {
			seats := buf[k : k+len(r.Seats) : k+len(r.Seats)]
			for x, ms := range r.Seats {
				ms.Status = sn.StatusOf(order[k])
				if ms.Status == SeatAvailable {
					out.Available++
				}
				seats[x] = ms
				k++
			}
			out.Rows[j] = MapRow{Name: r.Name, Seats: seats}
		}
		m.Sections[i] = out
	}
	return m
}

// available counts the section's available places.
func (sn Snapshot) available(span sectionSpan) int {
	n := 0
	for _, no := range sn.Plan.order[span.start : span.start+span.n] {
		if sn.Status[no-1] == StatusByteAvailable {
			n++
		}
	}
	return n
}

// Counts returns the snapshot's places by status.
func (sn Snapshot) Counts() SeatCounts {
	c := SeatCounts{Capacity: len(sn.Status)}
	for _, b := range sn.Status {
		switch b {
		case StatusByteSold:
			c.Sold++
		case StatusByteHeld:
			c.Held++
		default:
			c.Available++
		}
	}
	return c
}

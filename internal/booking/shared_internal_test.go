package booking

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/clock"
)

// fakeReads is a read function for sharedSnapshots that counts its calls
// and, when gate is set, blocks each read until gate is closed.
type fakeReads struct {
	clk     *clock.Fake
	n       atomic.Int64
	gate    chan struct{}
	entered chan struct{} // gets a value as each gated read starts
	fail    error
}

func (f *fakeReads) read(ctx context.Context, p *SeatPlan) (Snapshot, error) {
	f.n.Add(1)
	if f.gate != nil {
		f.entered <- struct{}{}
		<-f.gate
	}
	// Read at the end, so a caller that comes after the gate opened finds
	// the result fresh whichever way the goroutines ran.
	now := f.clk.Now()
	if f.fail != nil {
		return Snapshot{}, f.fail
	}
	return Snapshot{Plan: p, Status: []byte{StatusByteAvailable}, ReadAt: now}, nil
}

func plainPlan(id string) *SeatPlan { return &SeatPlan{EventID: id, Seats: make([]Seat, 1)} }

// TestSharedSnapshotAges checks the staleness bound on a fake clock: a
// snapshot is served until it is maxAge old and then read again, once.
func TestSharedSnapshotAges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	const maxAge = 300 * time.Millisecond
	c := newSharedSnapshots(clk, maxAge)
	f := &fakeReads{clk: clk}
	p := plainPlan("e1")
	get := func() Snapshot {
		t.Helper()
		sn, err := c.get(ctx, p, f.read)
		if err != nil {
			t.Fatal(err)
		}
		return sn
	}
	first := get()
	clk.Advance(maxAge - time.Millisecond)
	if sn := get(); !sn.ReadAt.Equal(first.ReadAt) || f.n.Load() != 1 {
		t.Fatalf("just under maxAge: read at %v after %d reads, want the first snapshot from 1 read", sn.ReadAt, f.n.Load())
	}
	clk.Advance(time.Millisecond)
	if sn := get(); !sn.ReadAt.Equal(first.ReadAt) {
		t.Fatalf("at maxAge: read at %v, want the first snapshot served while a new one is read", sn.ReadAt)
	}
	waitRead(t, c, "e1")
	second := get()
	if !second.ReadAt.Equal(clk.Now()) || f.n.Load() != 2 {
		t.Fatalf("after the background read: read at %v after %d reads, want a new read", second.ReadAt, f.n.Load())
	}

	// Many callers of an expired snapshot: one read.
	clk.Advance(maxAge)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { get() })
	}
	wg.Wait()
	waitRead(t, c, "e1")
	if n := f.n.Load(); n != 3 {
		t.Fatalf("100 concurrent callers made %d reads in all, want 3", n)
	}

	// A clock moved back does not make an old snapshot look fresh for ever.
	clk.Advance(-time.Hour)
	if get(); f.n.Load() != 4 {
		t.Fatalf("clock moved back: %d reads, want a new one", f.n.Load())
	}
}

// TestSharedSnapshotWhileReading checks what callers get while a read is in
// flight: the snapshot being replaced while it is under 4×maxAge old,
// else the read's result; and an error reaches everyone waiting on it.
func TestSharedSnapshotWhileReading(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	const maxAge = 250 * time.Millisecond
	c := newSharedSnapshots(clk, maxAge)
	f := &fakeReads{clk: clk}
	p := plainPlan("e1")
	first, err := c.get(ctx, p, f.read)
	if err != nil {
		t.Fatal(err)
	}

	f.gate, f.entered = make(chan struct{}), make(chan struct{}, 4)
	clk.Advance(maxAge)
	reader := make(chan Snapshot)
	go func() {
		sn, _ := c.get(ctx, p, f.read)
		reader <- sn
	}()
	<-f.entered // the read is in flight
	if sn, err := c.get(ctx, p, f.read); err != nil || !sn.ReadAt.Equal(first.ReadAt) {
		t.Fatalf("during a read: %v, %v; want the previous snapshot at once", sn.ReadAt, err)
	}
	clk.Advance(4 * maxAge) // now too old to serve: callers wait for the read
	waiter := make(chan Snapshot)
	go func() {
		sn, _ := c.get(ctx, p, f.read)
		waiter <- sn
	}()
	close(f.gate)
	started, late := <-reader, <-waiter
	if !started.ReadAt.Equal(first.ReadAt) || late.ReadAt.Equal(first.ReadAt) {
		t.Fatalf("the caller who started the read got %v, the late caller %v; want the old snapshot at once, then the new one",
			started.ReadAt, late.ReadAt)
	}
	if n := f.n.Load(); n != 2 {
		t.Fatalf("%d reads, want 2", n)
	}

	f.gate, f.fail = nil, errors.New("database down")
	clk.Advance(time.Hour)
	if _, err := c.get(ctx, p, f.read); !errors.Is(err, f.fail) {
		t.Fatalf("failed read: %v", err)
	}
	f.fail = nil
	if sn, err := c.get(ctx, p, f.read); err != nil || !sn.ReadAt.Equal(clk.Now()) {
		t.Fatalf("after a failed read: %v, %v; want a new read", sn.ReadAt, err)
	}
}

// TestSharedSnapshotsBounded checks that the cache keeps the most recently
// read events only.
func TestSharedSnapshotsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	c := newSharedSnapshots(clk, time.Second)
	f := &fakeReads{clk: clk}
	hot := plainPlan("hot")
	for i := range 3 * maxSharedSnapshots {
		if _, err := c.get(ctx, plainPlan("e"+strconv.Itoa(i)), f.read); err != nil {
			t.Fatal(err)
		}
		if _, err := c.get(ctx, hot, f.read); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.lru.Len(); n != maxSharedSnapshots || len(c.entries) != n {
		t.Fatalf("%d entries (%d in the map), want %d", n, len(c.entries), maxSharedSnapshots)
	}
	if f.n.Load() != 3*maxSharedSnapshots+1 {
		t.Fatalf("%d reads: the hot event was evicted", f.n.Load())
	}
}

// TestViews checks that a view is built once per snapshot, that callers of
// a newer snapshot get the previous value while it is being built, and
// that a build that panicked is tried again.
func TestViews(t *testing.T) {
	t.Parallel()
	old := Snapshot{ReadAt: time.Unix(1, 0), views: newViews(nil)}
	builds := 0
	build := func(sn Snapshot) int64 { builds++; return sn.ReadAt.Unix() }
	if View(old, "k", build) != 1 || View(old, "k", build) != 1 || builds != 1 {
		t.Fatalf("built %d times, want once", builds)
	}
	cur := Snapshot{ReadAt: time.Unix(2, 0), views: newViews(old.views)}
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan int64)
	go func() {
		done <- View(cur, "k", func(sn Snapshot) int64 { close(started); <-release; return sn.ReadAt.Unix() })
	}()
	<-started
	if v := View(cur, "k", build); v != 1 {
		t.Fatalf("while building: %d, want the previous snapshot's 1", v)
	}
	close(release)
	if v := <-done; v != 2 || View(cur, "k", build) != 2 {
		t.Fatalf("built %d, want 2", v)
	}
	if old.views.prev != nil || cur.views.prev != old.views {
		t.Fatalf("views keep more than one previous snapshot")
	}
	func() {
		defer func() { _ = recover() }()
		View(cur, "boom", func(Snapshot) int { panic("boom") })
	}()
	if v := View(cur, "boom", func(Snapshot) int { return 7 }); v != 7 {
		t.Fatalf("after a panicked build: %d, want a new build", v)
	}
	if v := View(Snapshot{ReadAt: time.Unix(3, 0)}, "k", build); v != 3 {
		t.Fatalf("unshared snapshot: %d", v)
	}
}

// TestSharedSnapshotViewsAfterQuietSpell: after a spell with no reads, a
// snapshot too old to serve is read again while its callers wait, and
// their views must not fall back on that old snapshot's values while the
// first of them builds the new ones: those are as old as the spell was
// long, past the bound of four times maxAge. (Found by the seat-map
// staleness check of cmd/boxoffice's linearizability test: 4 s behind.)
func TestSharedSnapshotViewsAfterQuietSpell(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	const maxAge = 250 * time.Millisecond
	c := newSharedSnapshots(clk, maxAge)
	f := &fakeReads{clk: clk}
	p := plainPlan("e1")
	old, err := c.get(ctx, p, f.read)
	if err != nil {
		t.Fatal(err)
	}
	readAt := func(sn Snapshot) time.Time { return sn.ReadAt }
	View(old, "k", readAt)
	clk.Advance(3 * time.Second) // quiet
	cur, err := c.get(ctx, p, f.read)
	if err != nil || !cur.ReadAt.Equal(clk.Now()) {
		t.Fatalf("after 3s: read at %v (%v), want a fresh read, waited for", cur.ReadAt, err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan time.Time)
	go func() {
		done <- View(cur, "k", func(sn Snapshot) time.Time { close(started); <-release; return sn.ReadAt })
	}()
	<-started
	got := make(chan time.Time, 1)
	go func() { got <- View(cur, "k", readAt) }()
	select {
	case v := <-got:
		if age := clk.Now().Sub(v); age > 4*maxAge {
			t.Errorf("while the first caller builds: a value of a snapshot %s old, over the bound %s", age, 4*maxAge)
		}
	case <-time.After(50 * time.Millisecond):
		// Waiting for the build is right.
	}
	close(release)
	<-done
}

// waitRead waits until no read of eventID's snapshot is in flight.
func waitRead(t *testing.T, c *sharedSnapshots, eventID string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); c.reading(eventID); {
		if time.Now().After(deadline) {
			t.Fatal("the snapshot read did not end")
		}
		time.Sleep(time.Millisecond)
	}
}

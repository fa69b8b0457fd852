package web

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func TestSeatDiff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ old, cur, want string }{
		{"aaaa", "aaaa", ""},
		{"aaaa", "ahsa", `{"h":[2],"s":[3]}`},
		{"hhss", "aahs", `{"a":[1,2],"h":[3]}`},
		{"aa", "aaa", ""}, // a different event shape is not a diff
	} {
		if got := string(seatDiff([]byte(c.old), []byte(c.cur))); got != c.want {
			t.Errorf("seatDiff(%q, %q) = %q, want %q", c.old, c.cur, got, c.want)
		}
	}
}

// TestHubFollowsOnlyWhileWatched: one poller per feed however many pages
// follow it, the full state first, changes after, and no poller once the
// last page leaves; past the bound a page is refused.
func TestHubFollowsOnlyWhileWatched(t *testing.T) {
	t.Parallel()
	h := newHub(5*time.Millisecond, 2, slog.New(slog.DiscardHandler))
	defer h.close()
	var reads atomic.Int64
	var state atomic.Value
	state.Store("aaa")
	src := feedSource{
		read: func(context.Context) ([]byte, error) { reads.Add(1); return []byte(state.Load().(string)), nil },
		diff: seatDiff,
		full: func(b []byte) sseMessage { return sseMessage{event: "snapshot", data: b} },
	}
	recv := func(sub *subscription) sseMessage {
		t.Helper()
		select {
		case m := <-sub.ch:
			return m
		case <-time.After(2 * time.Second):
			t.Fatal("no message")
		}
		return sseMessage{}
	}
	a, err := h.subscribe("seats:1", src)
	if err != nil {
		t.Fatal(err)
	}
	if m := recv(a); m.event != "snapshot" || string(m.data) != "aaa" {
		t.Fatalf("first message %+v", m)
	}
	b, err := h.subscribe("seats:1", src)
	if err != nil {
		t.Fatal(err)
	}
	if m := recv(b); m.event != "snapshot" {
		t.Fatalf("second page's first message %+v", m)
	}
	if n := h.count(); n != 1 {
		t.Fatalf("%d feeds for one event", n)
	}
	state.Store("aha")
	for _, sub := range []*subscription{a, b} {
		if m := recv(sub); m.event != "change" || string(m.data) != `{"h":[2]}` {
			t.Fatalf("change %+v", m)
		}
	}
	if _, err := h.subscribe("seats:2", src); err != nil {
		t.Fatal(err)
	}
	if _, err := h.subscribe("seats:3", src); err != errTooManyFeeds {
		t.Fatalf("third feed past a bound of 2: %v", err)
	}
	h.unsubscribe(a)
	h.unsubscribe(b)
	if n := h.count(); n != 1 {
		t.Fatalf("%d feeds after both pages of seats:1 left, want 1", n)
	}
	before := reads.Load()
	time.Sleep(50 * time.Millisecond)
	if after := reads.Load(); after-before > 15 {
		t.Errorf("%d reads in 50ms with one feed at 5ms: a stopped poller still runs?", after-before)
	}
}

package notify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// memOutbox is an outbox in memory for the deliverer's rules; the SQL
// engines pass the same lifecycle in the store conformance suite.
type memOutbox struct {
	mu     sync.Mutex
	msgs   map[string]*notify.Message
	next   map[string]time.Time
	order  []string
	claims int
}

func newMemOutbox(n int, at time.Time) *memOutbox {
	o := &memOutbox{msgs: map[string]*notify.Message{}, next: map[string]time.Time{}}
	for i := range n {
		id := fmt.Sprintf("msg_%03d", i)
		o.msgs[id] = &notify.Message{ID: id, Channel: notify.ChannelEmail, To: "a@example.com", Kind: notify.KindOrderConfirmed, CreatedAt: at}
		o.next[id] = at
		o.order = append(o.order, id)
	}
	return o
}

func (o *memOutbox) ClaimDue(_ context.Context, now, lease time.Time, limit int) ([]notify.Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.claims++
	var out []notify.Message
	for _, id := range o.order {
		m := o.msgs[id]
		if len(out) == limit || !m.SentAt.IsZero() || !m.DeadAt.IsZero() || o.next[id].After(now) {
			continue
		}
		out = append(out, *m)
		m.Attempts++
		o.next[id] = lease
	}
	return out, nil
}

func (o *memOutbox) MarkSent(_ context.Context, ids []string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range ids {
		o.msgs[id].SentAt = at
	}
	return nil
}

func (o *memOutbox) MarkFailed(_ context.Context, id string, next time.Time, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.next[id], o.msgs[id].LastError = next, reason
	return nil
}

func (o *memOutbox) MarkDead(_ context.Context, id string, at time.Time, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs[id].DeadAt, o.msgs[id].LastError = at, reason
	return nil
}

func (o *memOutbox) status(id string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.msgs[id].Status()
}

type plain struct{ fail error }

func (p plain) Compose(_ context.Context, m notify.Message, _ bool) (notify.Letter, error) {
	return notify.Letter{Message: m, Subject: "s"}, p.fail
}

// script answers each letter with the next error of a list (nil: sent).
type script struct {
	mu   sync.Mutex
	errs []error
	sent []string
}

func (s *script) Send(_ context.Context, ls []notify.Letter) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]error, len(ls))
	for i, l := range ls {
		if len(s.errs) > 0 {
			out[i], s.errs = s.errs[0], s.errs[1:]
		}
		if out[i] == nil {
			s.sent = append(s.sent, l.ID)
		}
	}
	return out
}

type counts struct {
	mu                 sync.Mutex
	sent, failed, dead int
}

func (c *counts) Sent(string, string, time.Duration) { c.mu.Lock(); c.sent++; c.mu.Unlock() }
func (c *counts) Failed(string)                      { c.mu.Lock(); c.failed++; c.mu.Unlock() }
func (c *counts) Dead(string)                        { c.mu.Lock(); c.dead++; c.mu.Unlock() }

// TestDeliverDrainsFullBatches: one run keeps claiming while batches come
// back full, so an on-sale's backlog is not held to one batch a second.
func TestDeliverDrainsFullBatches(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC))
	ob := newMemOutbox(120, clk.Now())
	tr := &script{}
	d := notify.Deliverer{Outbox: ob, Composer: plain{}, Clock: clk, Batch: 50, Transports: map[string]notify.Transport{notify.ChannelEmail: tr}}
	n, err := d.Deliver(context.Background())
	if err != nil || n != 120 || ob.claims != 3 {
		t.Fatalf("Deliver = %d, %v after %d claims; want 120 in 3 claims (50, 50, 20)", n, err, ob.claims)
	}
	if !slices.Equal(tr.sent, ob.order) {
		t.Errorf("sent out of order")
	}
}

// TestDeliverRetriesWithBackoffThenDead walks one message through failures:
// a transient one is retried after 1 s, 2 s, 4 s; the attempts used up make
// it dead; a permanent failure is dead at once; a channel without a
// transport is a permanent failure.
func TestDeliverRetriesWithBackoffThenDead(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC))
	ob := newMemOutbox(1, clk.Now())
	down := errors.New("connection refused")
	tr := &script{errs: []error{down, down, down, down}}
	obs := &counts{}
	d := notify.Deliverer{Outbox: ob, Composer: plain{}, Clock: clk, MaxAttempts: 4, Observer: obs,
		Transports: map[string]notify.Transport{notify.ChannelEmail: tr}}
	run := func() int {
		t.Helper()
		n, err := d.Deliver(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, wait := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second} {
		clk.Advance(wait - time.Millisecond)
		if i > 0 && run() != 0 || i > 0 && len(tr.errs) != 4-i {
			t.Fatalf("attempt %d came before its backoff of %s", i+1, wait)
		}
		clk.Advance(time.Millisecond)
		run()
		if len(tr.errs) != 3-i {
			t.Fatalf("attempt %d did not come after %s", i+1, wait)
		}
	}
	if s := ob.status("msg_000"); s != notify.StatusDead || obs.failed != 3 || obs.dead != 1 {
		t.Errorf("after 4 failed attempts: %s, %d failed, %d dead; want dead after 3 retries", s, obs.failed, obs.dead)
	}

	ob = newMemOutbox(2, clk.Now())
	ob.msgs["msg_001"].Channel = "pigeon"
	tr = &script{errs: []error{notify.Permanent(errors.New("550 no such user"))}}
	d.Outbox, d.Transports[notify.ChannelEmail] = ob, tr
	run()
	if ob.status("msg_000") != notify.StatusDead || ob.status("msg_001") != notify.StatusDead {
		t.Errorf("a permanent failure and a channel without transport: %s, %s; want both dead", ob.status("msg_000"), ob.status("msg_001"))
	}

	ob = newMemOutbox(1, clk.Now())
	d.Outbox, d.Composer = ob, plain{fail: errors.New("database is gone")}
	run()
	if s := ob.status("msg_000"); s != notify.StatusPending {
		t.Errorf("a message that could not be composed is %s, want pending (retried)", s)
	}
}

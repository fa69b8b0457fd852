package sms_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/notify/sms"
	"github.com/boxoffice/boxoffice/internal/notify/sms/twiliofake"
)

// memOutbox is a notify.Outbox in memory: the deliverer's side of the
// store, enough to watch what it records (the engines' outboxes pass
// storetest).
type memOutbox struct {
	mu    sync.Mutex
	order []string
	rows  map[string]*row
}

type row struct {
	m          notify.Message
	due        time.Time
	sent, dead bool
	reason     string
}

func newOutbox(now time.Time, msgs ...notify.Message) *memOutbox {
	o := &memOutbox{rows: map[string]*row{}}
	for _, m := range msgs {
		o.order = append(o.order, m.ID)
		o.rows[m.ID] = &row{m: m, due: now}
	}
	return o
}

func (o *memOutbox) ClaimDue(_ context.Context, now, lease time.Time, limit int) ([]notify.Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []notify.Message
	for _, id := range o.order {
		r := o.rows[id]
		if r.sent || r.dead || r.due.After(now) || len(out) == limit {
			continue
		}
		r.due = lease
		out = append(out, r.m)
	}
	return out, nil
}

func (o *memOutbox) MarkSent(_ context.Context, ids []string, _ time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range ids {
		o.rows[id].sent = true
	}
	return nil
}

func (o *memOutbox) MarkFailed(_ context.Context, id string, next time.Time, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.rows[id]
	r.m.Attempts++
	r.due, r.reason = next, reason
	return nil
}

func (o *memOutbox) MarkDead(_ context.Context, id string, _ time.Time, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.rows[id]
	r.m.Attempts++
	r.dead, r.reason = true, reason
	return nil
}

func (o *memOutbox) row(id string) row {
	o.mu.Lock()
	defer o.mu.Unlock()
	return *o.rows[id]
}

// bodyComposer sends a message's Body as the SMS text.
type bodyComposer struct{}

func (bodyComposer) Compose(_ context.Context, m notify.Message, _ bool) (notify.Letter, error) {
	return notify.Letter{Message: m, Text: m.Body}, nil
}

func smsMessage(id, to, body string, at time.Time) notify.Message {
	return notify.Message{ID: id, Channel: notify.ChannelSMS, To: to, Body: body, CreatedAt: at}
}

// TestDelivererWithTwilio runs the outbox's deliverer over the transport
// and the fake: an outage is retried after the backoff and then sent, a
// blocked number is dead at once, a good one is sent once.
func TestDelivererWithTwilio(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	f := twiliofake.New(t)
	tr := transport(t, f, func(o *sms.TwilioOptions) { o.Parallel = 1 }) // in claim order, so the outage meets the first
	out := newOutbox(clk.Now(),
		smsMessage("msg_outage", "+14155550100", "first", clk.Now()),
		smsMessage("msg_blocked", twiliofake.Blocked, "second", clk.Now()),
		smsMessage("msg_good", "+14155550101", "third", clk.Now()))
	d := notify.Deliverer{Outbox: out, Composer: bodyComposer{}, Clock: clk, MaxAttempts: 5,
		Transports: map[string]notify.Transport{notify.ChannelSMS: tr}}

	f.FailNext(1, 503)
	n, err := d.Deliver(context.Background())
	if n != 1 || err != nil {
		t.Errorf("first run: sent %d, %v; want 1 sent (the failures are recorded, not returned)", n, err)
	}
	if r := out.row("msg_outage"); r.sent || r.dead || r.m.Attempts != 1 || !r.due.Equal(clk.Now().Add(notify.Backoff(1))) || !strings.Contains(r.reason, "503") {
		t.Errorf("after the outage: %+v; want a retry after %s", r, notify.Backoff(1))
	}
	if r := out.row("msg_blocked"); !r.dead || !strings.Contains(r.reason, "21610") {
		t.Errorf("the blocked number: %+v; want dead with Twilio's code", r)
	}
	if r := out.row("msg_good"); !r.sent {
		t.Errorf("the good number: %+v; want sent", r)
	}

	if n, _ := d.Deliver(context.Background()); n != 0 {
		t.Errorf("before the backoff ends: sent %d", n)
	}
	clk.Advance(notify.Backoff(1))
	if n, err := d.Deliver(context.Background()); n != 1 || err != nil {
		t.Errorf("after the backoff: sent %d, %v; want 1", n, err)
	}
	if r := out.row("msg_outage"); !r.sent {
		t.Errorf("after the backoff: %+v; want sent", r)
	}
	var bodies []string
	for _, m := range f.Messages() {
		bodies = append(bodies, m.To+" "+m.Body)
	}
	sort.Strings(bodies)
	if strings.Join(bodies, "|") != "+14155550100 first|+14155550101 third" {
		t.Errorf("the fake received %q; want each deliverable message once", bodies)
	}
}

// TestDelivererGivesUpOnBadCredentials: refused credentials are retried
// with backoff and end dead after MaxAttempts, never sent.
func TestDelivererGivesUpOnBadCredentials(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	f := twiliofake.New(t)
	tr := transport(t, f, func(o *sms.TwilioOptions) { o.AuthToken = "not-the-token-0000" })
	out := newOutbox(clk.Now(), smsMessage("msg_1", "+14155550100", "hello", clk.Now()))
	d := notify.Deliverer{Outbox: out, Composer: bodyComposer{}, Clock: clk, MaxAttempts: 3,
		Transports: map[string]notify.Transport{notify.ChannelSMS: tr}}
	for attempt := 1; attempt <= 3; attempt++ {
		if n, _ := d.Deliver(context.Background()); n != 0 {
			t.Fatalf("attempt %d sent %d", attempt, n)
		}
		r := out.row("msg_1")
		if r.m.Attempts != attempt || r.dead != (attempt == 3) || !strings.Contains(r.reason, "20003") {
			t.Errorf("after attempt %d: %+v", attempt, r)
		}
		clk.Advance(notify.Backoff(attempt))
	}
	if n := len(f.Requests()); n != 3 || len(f.Messages()) != 0 {
		t.Errorf("%d requests and %d messages; want 3 refused requests", n, len(f.Messages()))
	}
}

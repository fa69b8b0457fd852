package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/notify"
)

func exerciseOutbox(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"Lifecycle":                testOutboxLifecycle,
		"ConcurrentClaimsDisjoint": testOutboxConcurrentClaims,
		"MailboxKeepsOnce":         testMailboxKeepsOnce,
		"MessagesFilters":          testMessagesFilters,
	})
}

func enqueue(t *testing.T, s Engine, n int, at time.Time) []notify.Message {
	t.Helper()
	u := newUser(t, s)
	out := make([]notify.Message, n)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		for i := range out {
			out[i] = notify.Message{ID: ids.New("msg"), Channel: notify.ChannelEmail, To: u.Email, Kind: notify.KindOrderConfirmed,
				Ref: fmt.Sprintf("ord_%03d", i), CreatedAt: at.Add(time.Duration(i) * time.Millisecond)}
			if err := tx.Enqueue(ctx, out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out
}

// testOutboxLifecycle walks messages through claim, lease, failure with a
// retry time, sending, death and revival, with the backlog at each step.
func testOutboxLifecycle(t *testing.T, s Engine) {
	ctx := context.Background()
	msgs := enqueue(t, s, 3, now)
	claim := func(at time.Time) []notify.Message {
		t.Helper()
		got, err := s.ClaimDue(ctx, at, at.Add(time.Minute), 10)
		if err != nil {
			t.Fatalf("ClaimDue: %v", err)
		}
		return got
	}
	got := claim(now.Add(time.Second))
	if len(got) != 3 {
		t.Fatalf("claimed %d, want 3", len(got))
	}
	for i, m := range got {
		w := msgs[i]
		if m.ID != w.ID || m.Kind != w.Kind || m.Ref != w.Ref || m.To != w.To || m.Channel != w.Channel || m.Attempts != 0 || !m.CreatedAt.Equal(w.CreatedAt) {
			t.Errorf("claimed %+v, want %+v with 0 attempts before", m, w)
		}
	}
	if again := claim(now.Add(30 * time.Second)); len(again) != 0 {
		t.Errorf("claimed %d messages still leased to another claimer", len(again))
	}
	if got = claim(now.Add(62 * time.Second)); len(got) != 3 || got[0].Attempts != 1 {
		t.Fatalf("after the lease: %d claimed (attempts %v), want 3 with 1 attempt", len(got), got)
	}
	at := now.Add(62 * time.Second)
	if err := s.MarkSent(ctx, []string{msgs[0].ID}, at); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, msgs[1].ID, at.Add(10*time.Minute), "451 try later"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDead(ctx, msgs[2].ID, at, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	b, err := s.OutboxBacklog(ctx, at)
	if err != nil || b.Pending != 1 || b.Dead != 1 || b.OldestAge != at.Sub(msgs[1].CreatedAt) {
		t.Errorf("backlog %+v, %v; want 1 pending aged %s and 1 dead", b, err, at.Sub(msgs[1].CreatedAt))
	}
	if got := claim(at.Add(9 * time.Minute)); len(got) != 0 {
		t.Errorf("claimed %d before the retry time or dead", len(got))
	}
	if got := claim(at.Add(11 * time.Minute)); len(got) != 1 || got[0].ID != msgs[1].ID {
		t.Errorf("at the retry time claimed %v, want only %s", got, msgs[1].ID)
	}
	dead, err := s.Messages(ctx, notify.Query{Status: notify.StatusDead, Limit: 10})
	if err != nil || len(dead) != 1 || dead[0].ID != msgs[2].ID || dead[0].LastError != "550 no such user" || !dead[0].DeadAt.Equal(at) ||
		dead[0].Status() != notify.StatusDead {
		t.Fatalf("dead = %+v, %v", dead, err)
	}
	sent, err := s.Messages(ctx, notify.Query{Status: notify.StatusSent, Limit: 10})
	if err != nil || len(sent) != 1 || sent[0].ID != msgs[0].ID || !sent[0].SentAt.Equal(at) {
		t.Errorf("sent = %+v, %v", sent, err)
	}
	all, err := s.Messages(ctx, notify.Query{Limit: 10})
	if err != nil || len(all) != 3 || all[0].ID != msgs[2].ID {
		t.Errorf("all = %d, %v; want 3, newest first", len(all), err)
	}
	one, err := s.Messages(ctx, notify.Query{Ref: msgs[1].Ref, Limit: 10})
	if err != nil || len(one) != 1 || one[0].ID != msgs[1].ID {
		t.Errorf("by ref = %+v, %v", one, err)
	}
	revived := at.Add(time.Hour)
	if err := s.Revive(ctx, msgs[2].ID, revived); err != nil {
		t.Fatalf("Revive: %v", err)
	}
	if err := s.Revive(ctx, msgs[2].ID, revived); !errors.Is(err, notify.ErrNotDead) {
		t.Errorf("Revive of a live message: %v, want ErrNotDead", err)
	}
	if err := s.Revive(ctx, ids.New("msg"), revived); !errors.Is(err, notify.ErrNotDead) {
		t.Errorf("Revive of a missing message: %v, want ErrNotDead", err)
	}
	if got := claim(revived); len(got) != 2 {
		t.Errorf("after revival claimed %d, want the revived and the retried one", len(got))
	} else {
		for _, m := range got {
			if m.ID == msgs[2].ID && m.Attempts != 0 {
				t.Errorf("a revived message has %d attempts, want them counted anew", m.Attempts)
			}
		}
	}
}

// testMessagesFilters: the admins' filters combine (status, order, one
// message by id), newest first within the limit.
func testMessagesFilters(t *testing.T, s Engine) {
	ctx := context.Background()
	msgs := enqueue(t, s, 3, now) // ord_000, ord_001, ord_002, a millisecond apart
	if err := s.MarkDead(ctx, msgs[1].ID, now.Add(time.Minute), "550 no such user"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    notify.Query
		want []string
	}{
		{"limit", notify.Query{Limit: 2}, []string{msgs[2].ID, msgs[1].ID}},
		{"pending", notify.Query{Status: notify.StatusPending, Limit: 10}, []string{msgs[2].ID, msgs[0].ID}},
		{"one message", notify.Query{ID: msgs[0].ID, Limit: 10}, []string{msgs[0].ID}},
		{"one message, its status", notify.Query{ID: msgs[1].ID, Status: notify.StatusDead, Limit: 10}, []string{msgs[1].ID}},
		{"one message, another status", notify.Query{ID: msgs[1].ID, Status: notify.StatusPending, Limit: 10}, []string{}},
		{"one message, another order", notify.Query{ID: msgs[1].ID, Ref: msgs[0].Ref, Limit: 10}, []string{}},
		{"no such message", notify.Query{ID: ids.New("msg"), Limit: 10}, []string{}},
	} {
		got, err := s.Messages(ctx, tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		gotIDs := make([]string, len(got))
		for i, m := range got {
			gotIDs[i] = m.ID
		}
		if !slices.Equal(gotIDs, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, gotIDs, tc.want)
		}
	}
}

// testOutboxConcurrentClaims: claimers at once never take the same message
// (the instances' outbox jobs on one database).
func testOutboxConcurrentClaims(t *testing.T, s Engine) {
	ctx := context.Background()
	msgs := enqueue(t, s, 200, now)
	var mu sync.Mutex
	claimedBy := map[string]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimDue(ctx, now.Add(time.Second), now.Add(time.Hour), 7)
				if err != nil {
					t.Errorf("ClaimDue: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					claimedBy[m.ID]++
				}
				mu.Unlock()
				ids := make([]string, len(got))
				for i, m := range got {
					ids[i] = m.ID
				}
				if err := s.MarkSent(ctx, ids, now.Add(2*time.Second)); err != nil {
					t.Errorf("worker %d MarkSent: %v", w, err)
				}
			}
		}()
	}
	wg.Wait()
	if len(claimedBy) != len(msgs) {
		t.Errorf("%d of %d messages claimed", len(claimedBy), len(msgs))
	}
	for id, n := range claimedBy {
		if n != 1 {
			t.Errorf("message %s claimed %d times", id, n)
		}
	}
	t.Logf("200 messages, 8 claimers at once: each claimed once")
}

func testMailboxKeepsOnce(t *testing.T, s Engine) {
	ctx := context.Background()
	e := notify.MailboxEntry{ID: ids.New("msg"), Channel: notify.ChannelEmail, To: "a@example.com", Subject: "Your tickets", Raw: []byte("raw 1"), CreatedAt: now}
	if err := s.PutMail(ctx, e); err != nil {
		t.Fatal(err)
	}
	dup := e
	dup.Raw, dup.CreatedAt = []byte("raw 2"), now.Add(time.Minute)
	if err := s.PutMail(ctx, dup); err != nil {
		t.Fatalf("PutMail of a message delivered again: %v", err)
	}
	sms := notify.MailboxEntry{ID: ids.New("msg"), Channel: notify.ChannelSMS, To: "+14155550100", Subject: "s", Raw: []byte("text"), CreatedAt: now.Add(time.Second)}
	if err := s.PutMail(ctx, sms); err != nil {
		t.Fatal(err)
	}
	list, err := s.Mails(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != sms.ID || list[1].ID != e.ID || list[1].Raw != nil {
		t.Fatalf("Mails = %+v, %v; want the SMS then the e-mail, once, without bodies", list, err)
	}
	got, err := s.Mail(ctx, e.ID)
	if err != nil || string(got.Raw) != "raw 1" || got.To != e.To || !got.CreatedAt.Equal(now) {
		t.Errorf("Mail = %+v, %v; want the first delivery kept", got, err)
	}
	if _, err := s.Mail(ctx, ids.New("msg")); !isNotFound(err) {
		t.Errorf("Mail(missing): %v, want not_found", err)
	}
}

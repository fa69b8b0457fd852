package main

import (
	"bytes"
	"fmt"
	"net/mail"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/notify/email/smtptest"
	"github.com/boxoffice/boxoffice/internal/store/pgtest"
)

// TestThreeInstancesEveryConfirmationOnce places 1,000 orders on three
// instances that share one PostgreSQL and one mail relay, kills one of them
// with SIGKILL while it is sending, and starts a replacement. Every order's
// confirmation arrives, and a mailbox that keeps one copy per Message-ID
// (as mail clients do) holds exactly one per order. Delivery itself is at
// least once: what the killed instance had handed to the relay but not yet
// marked sent is sent again when its lease ends, under the same
// Message-ID; the test reports how many such copies there were.
func TestThreeInstancesEveryConfirmationOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts four servers")
	}
	t.Parallel()
	const buyers, perBuyer = 40, 25 // 1,000 orders
	relay := smtptest.Start(t, smtptest.Options{})
	// Each message takes the relay a few milliseconds, as a real one does:
	// a claimed batch of 50 is on the wire for a while, so a kill lands in
	// the middle of one.
	relay.Delay(2 * time.Millisecond)
	db := pgtest.URL(t)
	bin := buildBinary(t)
	flags := []string{"--smtp-url", relay.URL, "--outbox-lease", "3s", "--public-url", "https://tickets.example.com"}
	insts := startInstances(t, bin, db, 3, flags...)
	c := insts[1].c
	var auth struct {
		Token string `json:"token"`
	}
	c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "root@example.com", "password": "root-password"}}).JSON(t, &auth)
	admin := auth.Token
	var v struct {
		Venue struct{ ID string } `json:"venue"`
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: admin, Body: map[string]any{
		"name": "Mail Hall", "lat": 40.7, "lon": -74, "timezone": "America/New_York",
		"sections": []any{map[string]any{"name": "Floor", "general_admission": true, "capacity": buyers * perBuyer}}}}).JSON(t, &v)
	now := time.Now().UTC()
	var ev struct {
		Event struct{ ID string } `json:"event"`
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: admin, Body: map[string]any{
		"venue_id": v.Venue.ID, "name": "The Mailing", "category": "concert",
		"starts_at": now.Add(48 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Hour).Format(time.RFC3339),
		"max_tickets_per_user": perBuyer, "default_price_cents": 1000}}).JSON(t, &ev)

	// Orders go to instances 1 and 2 (the load balancer's pool); all three
	// run the outbox job, so instance 0 sends a third of the mail.
	var mu sync.Mutex
	orders := map[string]bool{}
	var placed atomic.Int64
	killed := make(chan int, 1)
	go func() {
		for relay.Count() < 300 {
			time.Sleep(5 * time.Millisecond)
		}
		_ = insts[0].cmd.Process.Kill()
		killed <- relay.Count()
	}()
	concurrently(buyers, func(b int) {
		cl := insts[1+b%2].c
		var a struct {
			Token string `json:"token"`
		}
		r := cl.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/auth/register",
			Body: map[string]string{"email": fmt.Sprintf("mail%d@example.com", b), "password": "mail-password", "name": "Buyer"}})
		if r.Status != 201 {
			t.Errorf("register: %d %s", r.Status, r.Body)
			return
		}
		r.JSON(t, &a)
		for i := range perBuyer {
			var h holdBody
			r := cl.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev.Event.ID + "/holds", Token: a.Token,
				Body: map[string]any{"section": "Floor", "quantity": 1}})
			if r.Status != 201 {
				t.Errorf("hold: %d %s", r.Status, r.Body)
				return
			}
			r.JSON(t, &h)
			var o struct {
				Order struct{ ID string } `json:"order"`
			}
			r = cl.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: a.Token, Header: map[string]string{"Idempotency-Key": fmt.Sprintf("o%d-%d", b, i)},
				Body: map[string]any{"hold_id": h.Hold.ID, "payment_token": "tok_visa"}})
			if r.Status != 201 {
				t.Errorf("order: %d %s", r.Status, r.Body)
				return
			}
			r.JSON(t, &o)
			mu.Lock()
			orders[o.Order.ID] = true
			mu.Unlock()
			placed.Add(1)
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	var atKill int
	select {
	case atKill = <-killed:
	case <-time.After(60 * time.Second):
		t.Fatalf("the relay got only %d messages", relay.Count())
	}
	<-insts[0].exited
	// The replacement: a restarted instance 0.
	insts = append(insts, startInstances(t, bin, db, 1, flags...)...)

	deadline := time.Now().Add(90 * time.Second)
	for len(relay.Unique()) < len(orders) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(4 * time.Second) // longer than a lease: any late copy would be in
	all := relay.Messages()
	perOrder := map[string]map[string]bool{}
	for _, m := range all {
		pm, err := mail.ReadMessage(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		id := pm.Header.Get("X-Boxoffice-Order")
		if perOrder[id] == nil {
			perOrder[id] = map[string]bool{}
		}
		perOrder[id][m.MessageID] = true
	}
	lost, extra := 0, 0
	for id := range orders {
		switch n := len(perOrder[id]); {
		case n == 0:
			lost++
		case n > 1:
			extra++
			t.Errorf("order %s got %d different confirmations", id, n)
		}
	}
	for id := range perOrder {
		if !orders[id] {
			t.Errorf("a confirmation for %q, which is no order of this test", id)
		}
	}
	unique := len(relay.Unique())
	t.Logf("%d orders; instance 0 killed with SIGKILL after the relay had %d messages; %d deliveries, %d distinct Message-IDs, "+
		"%d copies delivered again (at least once), %d orders without a confirmation, %d with two different ones",
		len(orders), atKill, len(all), unique, len(all)-unique, lost, extra)
	if len(orders) != buyers*perBuyer || lost != 0 || unique != len(orders) {
		t.Errorf("%d orders, %d distinct confirmations, %d lost; want %d, %d, 0", len(orders), unique, lost, buyers*perBuyer, buyers*perBuyer)
	}
	if pending := metric(t, insts[3].base, "boxoffice_outbox_pending_messages"); pending != 0 {
		t.Errorf("%v messages still pending in the outbox", pending)
	}
	if dead := metric(t, insts[3].base, "boxoffice_outbox_dead_messages"); dead != 0 {
		t.Errorf("%v dead messages", dead)
	}
	stopInstances(t, insts[1:])
}

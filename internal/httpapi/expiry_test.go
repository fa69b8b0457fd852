package httpapi_test

import (
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/booking"
)

// TestThousandHoldsExpireOnTheirClock: 1,000 holds (500 exact seats, 500
// general-admission places) under a fake clock, with no sweeper running
// (the harness starts no jobs). A millisecond before expires_at every hold
// is active; at expires_at every one is expired to every reader — GET
// /holds, the sales figures, the seat map and offers — and to the write
// path: none can be checked out (0 sold, 0 charged), and another buyer
// holds the same seats at once. Expiry is a comparison with expires_at in
// every read, never the sweeper's doing (invariant: a hold lasts its TTL,
// then the seats go back on sale).
func TestThousandHoldsExpireOnTheirClock(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 5, 100, 500)
	var plan booking.SeatMap
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + ev + "/seats"}).JSON(t, &plan)
	var seats []string
	for _, r := range plan.Sections[0].Rows {
		for _, s := range r.Seats {
			seats = append(seats, s.ID)
		}
	}
	const buyers, perBuyer = 125, 8 // the event's limit is 8 a person
	type held struct {
		token, id string
		expires   time.Time
	}
	holds := make([]held, buyers*perBuyer)
	tokens := make([]string, buyers)
	for b := range tokens {
		tokens[b] = h.buyer(t)
	}
	var wg sync.WaitGroup
	for b := range buyers {
		wg.Go(func() {
			for i := range perBuyer {
				n := b*perBuyer + i
				body := map[string]any{"section": "Floor", "quantity": 1}
				if i%2 == 0 {
					body = map[string]any{"seat_ids": []string{seats[n/2]}}
				}
				var r struct {
					Hold struct {
						ID        string
						ExpiresAt time.Time `json:"expires_at"`
					}
				}
				h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: tokens[b], Body: body}).JSON(t, &r)
				holds[n] = held{tokens[b], r.Hold.ID, r.Hold.ExpiresAt}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	expires := holds[0].expires
	for _, hd := range holds {
		if !hd.expires.Equal(expires) {
			t.Fatalf("holds made at one instant of the fake clock expire at %s and %s", expires, hd.expires)
		}
	}
	if c := h.sales(t, ev); c.Held != 1000 || c.Available != 0 {
		t.Fatalf("after 1,000 holds: %+v", c)
	}
	status := func(hd held) string {
		var r struct{ Hold struct{ Status string } }
		h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + hd.id, Token: hd.token}).JSON(t, &r)
		return r.Hold.Status
	}

	h.clock.Advance(expires.Sub(h.clock.Now()) - time.Millisecond)
	for _, hd := range holds[:50] {
		if s := status(hd); s != "active" {
			t.Fatalf("a millisecond before expires_at a hold is %s", s)
		}
	}
	if c := h.sales(t, ev); c.Held != 1000 {
		t.Fatalf("a millisecond before expires_at: %+v", c)
	}

	h.clock.Advance(time.Millisecond) // now == expires_at
	expired := 0
	for _, hd := range holds {
		if status(hd) == "expired" {
			expired++
		}
	}
	if c := h.sales(t, ev); expired != 1000 || c.Held != 0 || c.Sold != 0 || c.Available != c.Capacity {
		t.Fatalf("at expires_at: %d of 1000 holds expired, sales %+v; want all expired, all available", expired, c)
	}
	var m booking.SeatMap
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + ev + "/seats"}).JSON(t, &m)
	for _, r := range m.Sections[0].Rows {
		for _, s := range r.Seats {
			if s.Status != booking.SeatAvailable {
				t.Fatalf("at expires_at the seat map shows seat %s %s", s.ID, s.Status)
			}
		}
	}
	if m.Sections[1].Available != 500 {
		t.Errorf("at expires_at the seat map shows %d GA places available, want 500", m.Sections[1].Available)
	}
	var offers struct{ Offers []any }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + ev + "/offers?quantity=2"}).JSON(t, &offers)
	if len(offers.Offers) == 0 {
		t.Error("at expires_at there are no offers")
	}

	// 0 sold after expiry: every checkout is refused and nothing is charged.
	var mu sync.Mutex
	refused := 0
	for b := range buyers {
		wg.Go(func() {
			for i := range perBuyer {
				hd := holds[b*perBuyer+i]
				r := h.c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: hd.token,
					Header: map[string]string{"Idempotency-Key": hd.id}, Body: map[string]any{"hold_id": hd.id, "payment_token": "tok_visa"}})
				if r.Status == 409 && r.Code() == "hold_not_active" {
					mu.Lock()
					refused++
					mu.Unlock()
				} else {
					t.Errorf("checkout of an expired hold: %d %s", r.Status, r.Body)
				}
			}
		})
	}
	wg.Wait()
	if c := h.sales(t, ev); refused != 1000 || c.Sold != 0 || c.Orders != 0 {
		t.Errorf("checkouts after expiry: %d of 1000 refused, sales %+v; want all refused, 0 sold", refused, c)
	}
	if n := len(h.pay.Charges()); n != 0 {
		t.Errorf("%d charges after expiry, want 0", n)
	}

	// The seats are on sale at once: another buyer takes eight of them.
	other := h.buyer(t)
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: other,
		Body: map[string]any{"seat_ids": seats[:4]}})
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: other,
		Body: map[string]any{"section": "Floor", "quantity": 4}})
	t.Logf("1,000 holds: active at expires_at−1ms, all expired at expires_at (GET /holds, sales, seat map, offers), "+
		"%d checkouts refused, 0 sold, 0 charged, seats re-held at once; no sweeper ran", refused)
}

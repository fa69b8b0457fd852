package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The crash test's event: best-available pairs in reserved rows and a
// general-admission floor, large enough that the long run never sells out
// (refunds give seats back), sold to a handful of buyers.
const (
	crashRows      = 20
	crashRowSeats  = 20
	crashFloor     = 2000
	crashBuyers    = 12
	crashPerBuyer  = 100 // the event's ticket limit, the most allowed
	crashWorkers   = 4   // buyers at work at once
	crashRunBudget = 90 * time.Second
)

// crashOps counts what the buyers did, so that a run that passes says
// what it passed with.
type crashOps struct {
	holds, holdsTaken, released, orders, declined, notActive, refunds, inFlight, limit atomic.Int64
}

func (o *crashOps) String() string {
	return fmt.Sprintf("%d holds placed (%d refused: seats taken), %d released; %d orders paid, %d declines retried, "+
		"%d checkouts of a lapsed hold; %d refunds; %d requests cut off by a kill; %d ticket limits met",
		o.holds.Load(), o.holdsTaken.Load(), o.released.Load(), o.orders.Load(), o.declined.Load(),
		o.notActive.Load(), o.refunds.Load(), o.inFlight.Load(), o.limit.Load())
}

// workload shapes one run's traffic.
type workload struct {
	// holdsOnly places and releases holds and buys nothing.
	holdsOnly bool
	// refundOdds is the chance that the admin refunds an order at once.
	refundOdds float64
}

// crashClient has no timeout of its own beyond a long one: a request cut
// off by a kill fails at once with a broken connection.
var crashClient = &http.Client{Timeout: 60 * time.Second}

// call sends one request. err is a transport error: the process died (or,
// should it still be alive, a bug the caller reports).
func call(base, method, path, token string, body any, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := crashClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func problemCode(b []byte) string {
	var p struct{ Code string }
	_ = json.Unmarshal(b, &p)
	return p.Code
}

// must is call for the set-up, on a process that must not die.
func (r *crashRig) must(base string, want int, method, path, token string, body, out any) {
	r.t.Helper()
	st, b, err := call(base, method, path, token, body)
	if err != nil || st != want {
		r.t.Fatalf("%s %s: %d %v, want %d: %s", method, path, st, err, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			r.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// setUp creates the admin's session, the venue, the event and the buyers.
func (r *crashRig) setUp(p *crashProc) {
	var auth struct{ Token string }
	r.must(p.base, 200, "POST", "/api/v1/auth/login", "", map[string]string{"email": "root@example.com", "password": "root-password"}, &auth)
	r.admin = auth.Token
	rows := make([]any, crashRows)
	for i := range rows {
		rows[i] = map[string]any{"name": fmt.Sprint(i + 1), "seats": crashRowSeats}
	}
	var v struct{ Venue struct{ ID string } }
	r.must(p.base, 201, "POST", "/api/v1/venues", r.admin, map[string]any{"name": "Crash Hall", "lat": 40.7, "lon": -74,
		"timezone": "America/New_York", "sections": []any{map[string]any{"name": "Stalls", "rows": rows},
			map[string]any{"name": "Floor", "general_admission": true, "capacity": crashFloor}}}, &v)
	now := time.Now().UTC()
	var ev struct{ Event struct{ ID string } }
	r.must(p.base, 201, "POST", "/api/v1/events", r.admin, map[string]any{"venue_id": v.Venue.ID, "name": "The Crash",
		"category": "concert", "starts_at": now.Add(48 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Hour).Format(time.RFC3339),
		"max_tickets_per_user": crashPerBuyer, "default_price_cents": 2500, "service_fee_cents": 300, "order_fee_cents": 150}, &ev)
	r.event = ev.Event.ID
	for i := range crashBuyers {
		var a struct{ Token string }
		r.must(p.base, 201, "POST", "/api/v1/auth/register", "", map[string]string{"email": fmt.Sprintf("crash%d@example.com", i),
			"password": "crash-password", "name": "Buyer"}, &a)
		r.buyers = append(r.buyers, a.Token)
	}
}

// drive runs buyers against p until it dies (or the run's budget ends,
// and then expectKill reports the failpoint that did not fire).
func (r *crashRig) drive(p *crashProc, w workload) {
	if p.base == "" {
		return // died before it listened
	}
	deadline := time.Now().Add(crashRunBudget)
	var wg sync.WaitGroup
	for range crashWorkers {
		wg.Go(func() {
			for !p.isDead() && time.Now().Before(deadline) {
				if !r.buy(p, w, r.buyers[rand.IntN(len(r.buyers))]) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// buy is one buyer's go: a hold, then maybe a checkout and a refund. It
// returns false once a request was cut off, which must be by a kill.
func (r *crashRig) buy(p *crashProc, w workload, token string) bool {
	cut := func(err error) bool {
		r.ops.inFlight.Add(1)
		select {
		case <-p.dead:
		case <-time.After(5 * time.Second):
			r.t.Errorf("a request failed and the process lives on: %v", err)
		}
		return false
	}
	unexpected := func(what string, st int, b []byte) bool {
		if st >= 500 && st != 503 {
			r.t.Errorf("%s: %d %s", what, st, b)
		}
		return true
	}
	body := map[string]any{"section": "Floor", "quantity": 1 + rand.IntN(2)}
	if rand.IntN(2) == 0 {
		body = map[string]any{"best_available": true, "section": "Stalls", "quantity": 2}
	}
	st, b, err := call(p.base, "POST", "/api/v1/events/"+r.event+"/holds", token, body)
	if err != nil {
		return cut(err)
	}
	var h holdBody
	switch {
	case st == 201:
		r.ops.holds.Add(1)
		_ = json.Unmarshal(b, &h)
	case st == 409 && problemCode(b) == "ticket_limit_exceeded":
		r.ops.limit.Add(1)
		return r.refundAll(p, token)
	case st == 409:
		r.ops.holdsTaken.Add(1)
		return true
	default:
		return unexpected("hold", st, b)
	}
	if w.holdsOnly || rand.IntN(10) == 0 {
		if rand.IntN(2) == 0 {
			return true // left to lapse
		}
		st, b, err := call(p.base, "DELETE", "/api/v1/holds/"+h.Hold.ID, token, nil)
		if err != nil {
			return cut(err)
		}
		if st == 204 {
			r.ops.released.Add(1)
		}
		return unexpected("release", st, b)
	}
	tokens := []string{"tok_visa"}
	if rand.IntN(8) == 0 {
		tokens = []string{"tok_chargeDeclined", "tok_visa"}
	}
	var o struct{ Order struct{ ID string } }
	for _, card := range tokens {
		key := fmt.Sprintf("crash-%d-%s-%s", r.runs, h.Hold.ID, card)
		st, b, err = call(p.base, "POST", "/api/v1/orders", token, map[string]any{"hold_id": h.Hold.ID, "payment_token": card},
			"Idempotency-Key", key)
		if err != nil {
			return cut(err)
		}
		switch {
		case st == 201:
			r.ops.orders.Add(1)
			_ = json.Unmarshal(b, &o)
		case st == 402:
			r.ops.declined.Add(1)
		case st == 409 && problemCode(b) == "hold_not_active":
			r.ops.notActive.Add(1) // the hold lapsed while the machine was slow
			return true
		default:
			return unexpected("order", st, b)
		}
	}
	if o.Order.ID == "" || rand.Float64() >= w.refundOdds {
		return true
	}
	return r.refund(p, o.Order.ID)
}

// refund has the admin refund an order.
func (r *crashRig) refund(p *crashProc, orderID string) bool {
	st, b, err := call(p.base, "POST", "/api/v1/orders/"+orderID+"/refund", r.admin, nil)
	switch {
	case err != nil:
		r.ops.inFlight.Add(1)
		<-p.dead
		return false
	case st == 200:
		r.ops.refunds.Add(1)
	case st >= 500 && st != 503:
		r.t.Errorf("refund: %d %s", st, b)
	}
	return true
}

// refundAll refunds a buyer's paid orders, so that the buyer can buy again
// under the event's ticket limit.
func (r *crashRig) refundAll(p *crashProc, token string) bool {
	st, b, err := call(p.base, "GET", "/api/v1/me/orders?limit=500", token, nil)
	if err != nil {
		r.ops.inFlight.Add(1)
		<-p.dead
		return false
	}
	var list struct {
		Orders []struct{ ID, Status string }
	}
	if st != 200 || json.Unmarshal(b, &list) != nil {
		r.t.Errorf("my orders: %d %s", st, b)
		return true
	}
	for _, o := range list.Orders {
		if o.Status == "paid" && !r.refund(p, o.ID) {
			return false
		}
	}
	return true
}

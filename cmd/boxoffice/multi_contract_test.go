package main

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/queue"
	"github.com/boxoffice/boxoffice/internal/store/pgtest"
)

// cluster is three instances on one database, used round-robin: every
// call goes to the next instance, so no two steps of a flow are sure to
// meet the same process.
type cluster struct {
	insts []*instance
	next  atomic.Int64
}

// rr returns the next instance's client.
func (c *cluster) rr() *apitest.Client {
	return c.insts[int(c.next.Add(1)-1)%len(c.insts)].c
}

// on returns instance i's client.
func (c *cluster) on(i int) *apitest.Client { return c.insts[i%len(c.insts)].c }

type orderBody struct {
	Order struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		TotalCents int64  `json:"total_cents"`
		Payment    struct {
			Provider string `json:"provider"`
			ChargeID string `json:"charge_id"`
		} `json:"payment"`
		Tickets []struct {
			ID      string `json:"id"`
			Barcode string `json:"barcode"`
		} `json:"tickets"`
	} `json:"order"`
}

type salesBody struct {
	Capacity, Available, Held, Sold, Orders int
	GrossCents                              int64 `json:"gross_cents"`
	RefundedCents                           int64 `json:"refunded_cents"`
}

// TestThreeInstancesContract goes through the API contract (not only its
// races) with three `boxoffice serve` processes on one PostgreSQL and
// every request sent round-robin: accounts, a hold placed on one instance
// and paid on another, declines, idempotent replays landing elsewhere,
// refunds on a third instance (the payment sandbox is one provider for
// all of them), simultaneous gate scans, a scan racing a refund, event
// cancellation, and finally shutdown with streams and a stuck request
// open.
func TestThreeInstancesContract(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts three servers")
	}
	t.Parallel()
	db := pgtest.URL(t)
	bin := buildBinary(t)
	// A long statement timeout, so that the stuck request at the end is
	// still stuck when the drain timeout runs out.
	cl := &cluster{insts: startInstances(t, bin, db, 3, "--drain-timeout", "3s", "--db-statement-timeout", "60s")}

	// Accounts: register on one instance, log in on the next, use the
	// token on the third; a bootstrap admin and gate staff.
	login := func(t *testing.T, email, password string) string {
		var a struct {
			Token string `json:"token"`
		}
		cl.rr().Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": email, "password": password}}).JSON(t, &a)
		return a.Token
	}
	admin := login(t, "root@example.com", "root-password")
	register := func(t *testing.T, name string) string {
		cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register",
			Body: map[string]string{"email": name + "@example.com", "password": "password-" + name, "name": name}})
		tok := login(t, name+"@example.com", "password-"+name)
		var me struct {
			User struct{ Email string } `json:"user"`
		}
		cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me", Token: tok}).JSON(t, &me)
		if me.User.Email != name+"@example.com" {
			t.Fatalf("/me = %+v", me.User)
		}
		return tok
	}
	cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/admin/users", Token: admin,
		Body: map[string]string{"email": "gate@example.com", "password": "scan-scan-scan", "name": "Gate", "role": "staff"}})
	gate := login(t, "gate@example.com", "scan-scan-scan")
	buyer, other := register(t, "ana"), register(t, "bo")
	if r := cl.rr().Do(t, apitest.Req{Method: "POST", Path: "/api/v1/auth/register",
		Body: map[string]string{"email": "ANA@example.com", "password": "password-x", "name": "Ana again"}}); r.Code() != "email_taken" {
		t.Errorf("register a taken e-mail on another instance: %d %s", r.Status, r.Body)
	}

	// A venue and two events, created through different instances.
	var v struct {
		Venue struct{ ID string } `json:"venue"`
	}
	cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: admin, Header: map[string]string{"Idempotency-Key": "venue-1"},
		Body: map[string]any{"name": "Contract Hall", "address": "2 Main St", "city": "Springfield", "region": "IL", "country": "US",
			"lat": 39.8, "lon": -89.6, "timezone": "America/Chicago",
			"sections": []any{
				map[string]any{"name": "Stalls", "rows": []any{map[string]any{"name": "A", "seats": 20}, map[string]any{"name": "B", "seats": 20}}},
				map[string]any{"name": "Floor", "general_admission": true, "capacity": 50},
			}}}).JSON(t, &v)
	now := time.Now().UTC()
	newEvent := func(t *testing.T, name string) (id, addOn string) {
		var ev struct {
			Event struct {
				ID     string `json:"id"`
				AddOns []struct {
					ID string `json:"id"`
				} `json:"add_ons"`
			} `json:"event"`
		}
		cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: admin, Body: map[string]any{
			"venue_id": v.Venue.ID, "name": name, "category": "concert",
			"starts_at": now.Add(72 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Hour).Format(time.RFC3339),
			"max_tickets_per_user": 30, "default_price_cents": 2500, "service_fee_cents": 475, "order_fee_cents": 395,
			"add_ons": []any{map[string]any{"name": "Parking", "price_cents": 7500, "max_per_order": 1}}}}).JSON(t, &ev)
		cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + ev.Event.ID})
		return ev.Event.ID, ev.Event.AddOns[0].ID
	}
	eventID, parking := newEvent(t, "The Contract")

	hold := func(t *testing.T, token, event string, body map[string]any) string {
		var h holdBody
		cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + event + "/holds", Token: token, Body: body}).JSON(t, &h)
		return h.Hold.ID
	}
	pay := func(t *testing.T, token, holdID, key, card string, want int) *apitest.Response {
		t.Helper()
		r := cl.rr().Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: token, Header: map[string]string{"Idempotency-Key": key},
			Body: map[string]any{"hold_id": holdID, "payment_token": card, "delivery": "mobile"}})
		if r.Status != want {
			t.Fatalf("order for hold %s with %s: %d %s, want %d", holdID, card, r.Status, r.Body, want)
		}
		return r
	}
	holdStatus := func(t *testing.T, token, id string) string {
		var h struct {
			Hold struct{ Status string } `json:"hold"`
		}
		cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + id, Token: token}).JSON(t, &h)
		return h.Hold.Status
	}
	sales := func(t *testing.T, event string) salesBody {
		var s salesBody
		cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + event + "/sales", Token: admin}).JSON(t, &s)
		if s.Available+s.Held+s.Sold != s.Capacity {
			t.Errorf("sales %+v do not balance", s)
		}
		return s
	}
	scan := func(t *testing.T, barcode string) *apitest.Response {
		return cl.rr().Do(t, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate, Body: map[string]string{"barcode": barcode}})
	}
	refund := func(t *testing.T, orderID string) orderBody {
		var o orderBody
		cl.rr().Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/orders/" + orderID + "/refund", Token: admin}).JSON(t, &o)
		return o
	}

	var paid orderBody
	t.Run("hold on one, decline and pay on others, replay everywhere", func(t *testing.T) {
		h := hold(t, buyer, eventID, map[string]any{"best_available": true, "quantity": 2, "section": "Stalls"})
		if s := holdStatus(t, buyer, h); s != "active" {
			t.Fatalf("hold seen from another instance: %s", s)
		}
		if r := cl.rr().Do(t, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + h, Token: other}); r.Status != 404 {
			t.Errorf("someone else's hold on another instance: %d", r.Status)
		}
		if r := pay(t, buyer, h, "contract-decline", "tok_chargeDeclined", 402); r.Code() != "payment_declined" {
			t.Errorf("decline: %s", r.Body)
		}
		// The decline is remembered by the one provider: replayed through
		// the other instances it is the same answer.
		first := pay(t, buyer, h, "contract-decline", "tok_chargeDeclined", 402)
		if again := pay(t, buyer, h, "contract-decline", "tok_chargeDeclined", 402); string(again.Body) != string(first.Body) {
			t.Errorf("replayed decline differs:\n%s\n%s", first.Body, again.Body)
		}
		if s := holdStatus(t, buyer, h); s != "active" {
			t.Fatalf("hold after a decline: %s, want active", s)
		}
		r := cl.rr().Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "contract-pay"},
			Body: map[string]any{"hold_id": h, "payment_token": "tok_visa", "add_ons": []any{map[string]any{"add_on_id": parking, "quantity": 1}}}})
		if r.Status != 201 {
			t.Fatalf("pay: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &paid)
		// 2 × $25 + $75 + 2 × $4.75 + $3.95
		if paid.Order.Status != "paid" || paid.Order.TotalCents != 5000+7500+950+395 || len(paid.Order.Tickets) != 2 || paid.Order.Payment.Provider != "fake" {
			t.Fatalf("order %+v", paid.Order)
		}
		for i := range 3 {
			replay := cl.on(i).Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "contract-pay"},
				Body: map[string]any{"hold_id": h, "payment_token": "tok_visa", "add_ons": []any{map[string]any{"add_on_id": parking, "quantity": 1}}}})
			if replay.Status != 201 || string(replay.Body) != string(r.Body) {
				t.Errorf("replay on instance %d: %d %s", i, replay.Status, replay.Body)
			}
		}
		if r := pay(t, buyer, h, "contract-pay-2", "tok_visa", 409); r.Code() != "hold_not_active" {
			t.Errorf("a second order for the hold: %s", r.Body)
		}
		if s := holdStatus(t, buyer, h); s != "converted" {
			t.Errorf("hold after paying: %s", s)
		}
		for i := range 3 {
			cl.on(i).Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/orders/" + paid.Order.ID, Token: buyer})
			cl.on(i).Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/tickets/" + paid.Order.Tickets[0].ID, Token: buyer})
		}
		var mine struct {
			Tickets []struct{ ID string } `json:"tickets"`
		}
		cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me/tickets", Token: buyer}).JSON(t, &mine)
		if len(mine.Tickets) != 2 {
			t.Errorf("my tickets: %+v", mine.Tickets)
		}
		if s := sales(t, eventID); s.Sold != 2 || s.Orders != 1 || s.GrossCents != paid.Order.TotalCents {
			t.Errorf("sales %+v", s)
		}
	})

	t.Run("six simultaneous scans of one ticket over three instances", func(t *testing.T) {
		barcode := paid.Order.Tickets[0].Barcode
		rs := make([]*apitest.Response, 6)
		took := make([]time.Duration, 6)
		concurrently(len(rs), func(i int) {
			start := time.Now()
			rs[i] = cl.on(i).Do(t, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate, Body: map[string]string{"barcode": barcode}})
			took[i] = time.Since(start)
		})
		if got := tally(rs); got["200"] != 1 || got["409 already_checked_in"] != 5 {
			t.Errorf("outcomes %v, want one 200 and five 409 already_checked_in", got)
		}
		for i, d := range took {
			if d > 2*time.Second {
				t.Errorf("scan %d took %s", i, d)
			}
		}
		t.Logf("scan times: %v", took)
	})

	t.Run("refund through another instance", func(t *testing.T) {
		o := refund(t, paid.Order.ID)
		if o.Order.Status != "refunded" {
			t.Fatalf("refund: %+v", o.Order)
		}
		if again := refund(t, paid.Order.ID); again.Order.Status != "refunded" {
			t.Errorf("second refund on a third instance: %+v", again.Order)
		}
		s := sales(t, eventID)
		if s.Sold != 0 || s.RefundedCents != paid.Order.TotalCents {
			t.Errorf("sales after the refund %+v, want 0 sold and %d refunded", s, paid.Order.TotalCents)
		}
		// The unscanned ticket of the refunded order does not get in, on any instance.
		for i := range 3 {
			if r := cl.on(i).Do(t, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate,
				Body: map[string]string{"barcode": paid.Order.Tickets[1].Barcode}}); r.Code() != "invalid_barcode" {
				t.Errorf("refunded ticket scanned on instance %d: %d %s", i, r.Status, r.Body)
			}
		}
		// Its seats are on sale again.
		h := hold(t, other, eventID, map[string]any{"best_available": true, "quantity": 2, "section": "Stalls"})
		pay(t, other, h, "bo-1", "tok_mastercard", 201)
	})

	t.Run("a scan racing a refund never admits a refunded ticket", func(t *testing.T) {
		admitted, refused := 0, 0
		for round := range 6 {
			h := hold(t, buyer, eventID, map[string]any{"section": "Floor", "quantity": 1})
			var o orderBody
			pay(t, buyer, h, "race-"+strconv.Itoa(round), "tok_visa", 201).JSON(t, &o)
			var scanR, refundR *apitest.Response
			concurrently(2, func(i int) {
				if i == 0 {
					scanR = cl.on(round).Do(t, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate, Body: map[string]string{"barcode": o.Order.Tickets[0].Barcode}})
				} else {
					refundR = cl.on(round+1).Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders/" + o.Order.ID + "/refund", Token: admin})
				}
			})
			if refundR.Status != 200 {
				t.Fatalf("round %d refund: %d %s", round, refundR.Status, refundR.Body)
			}
			switch {
			case scanR.Status == 200:
				admitted++ // scanned before the refund voided it
			case scanR.Code() == "invalid_barcode":
				refused++
			default:
				t.Errorf("round %d scan: %d %s", round, scanR.Status, scanR.Body)
			}
			if r := scan(t, o.Order.Tickets[0].Barcode); r.Code() != "invalid_barcode" {
				t.Errorf("round %d: the refunded ticket scanned afterwards: %d %s", round, r.Status, r.Body)
			}
		}
		t.Logf("scan before refund: %d, refund before scan: %d", admitted, refused)
	})

	t.Run("release on one instance, hold again on another", func(t *testing.T) {
		h := hold(t, buyer, eventID, map[string]any{"section": "Floor", "quantity": 3})
		cl.rr().Must(t, 204, apitest.Req{Method: "DELETE", Path: "/api/v1/holds/" + h, Token: buyer})
		if s := holdStatus(t, buyer, h); s != "released" {
			t.Errorf("released hold: %s", s)
		}
		if r := pay(t, buyer, h, "released-1", "tok_visa", 409); r.Code() != "hold_not_active" {
			t.Errorf("order for a released hold: %s", r.Body)
		}
	})

	t.Run("cancel an event with orders paid on every instance", func(t *testing.T) {
		ev2, _ := newEvent(t, "The Cancelled")
		var orders []string
		for i := range 3 {
			h := hold(t, buyer, ev2, map[string]any{"section": "Floor", "quantity": 2})
			var o orderBody
			pay(t, buyer, h, fmt.Sprintf("cancel-%d", i), "tok_amex", 201).JSON(t, &o)
			orders = append(orders, o.Order.ID)
		}
		pending := hold(t, other, ev2, map[string]any{"best_available": true, "quantity": 4})
		before := sales(t, ev2)
		cl.rr().Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev2 + "/cancel", Token: admin})
		for _, id := range orders {
			var o orderBody
			cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/orders/" + id, Token: buyer}).JSON(t, &o)
			if o.Order.Status != "refunded" {
				t.Errorf("order %s after the cancellation: %s", id, o.Order.Status)
			}
		}
		if s := holdStatus(t, other, pending); s != "released" {
			t.Errorf("hold after the cancellation: %s", s)
		}
		s := sales(t, ev2)
		if s.Sold != 0 || s.Held != 0 || s.RefundedCents != before.GrossCents || s.GrossCents != before.GrossCents {
			t.Errorf("sales after the cancellation %+v (before %+v), want all refunded", s, before)
		}
		if r := cl.rr().Do(t, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev2 + "/holds", Token: buyer,
			Body: map[string]any{"section": "Floor", "quantity": 1}}); r.Code() != "not_on_sale" {
			t.Errorf("hold on a cancelled event: %d %s", r.Status, r.Body)
		}
	})

	t.Run("one waiting room across three instances", func(t *testing.T) {
		onsale := time.Now().Add(time.Hour).UTC() // moved to a second from now once everyone has joined
		var qe struct {
			Event struct{ ID string } `json:"event"`
		}
		cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: admin, Body: map[string]any{
			"venue_id": v.Venue.ID, "name": "The Queue", "category": "concert",
			"starts_at": now.Add(72 * time.Hour).Format(time.RFC3339), "onsale_at": onsale.Format(time.RFC3339Nano),
			"max_tickets_per_user": 4, "default_price_cents": 2500, "queue": map[string]any{"enabled": true, "admit_per_minute": 600}}}).JSON(t, &qe)
		qpath := "/api/v1/events/" + qe.Event.ID + "/queue"
		var infos [3]queue.Info
		for i := range 3 {
			cl.on(i).Must(t, 200, apitest.Req{Method: "GET", Path: qpath}).JSON(t, &infos[i])
		}
		if infos[0].Commitment == "" || infos[1].Commitment != infos[0].Commitment || infos[2].Commitment != infos[0].Commitment {
			t.Fatalf("commitments seen from the three instances: %q %q %q", infos[0].Commitment, infos[1].Commitment, infos[2].Commitment)
		}
		buyers := []string{buyer, other, register(t, "queue-cy"), register(t, "queue-di"), register(t, "queue-ed"), register(t, "queue-fa")}
		places := make([]string, len(buyers))
		for i, tok := range buyers {
			var st queue.Status
			cl.on(i).Must(t, 201, apitest.Req{Method: "POST", Path: qpath, Token: tok}).JSON(t, &st)
			places[i] = st.Token
			var again queue.Status
			cl.on(i+1).Must(t, 201, apitest.Req{Method: "POST", Path: qpath, Token: tok}).JSON(t, &again)
			if again.Token != st.Token {
				t.Errorf("buyer %d joined again on another instance and got another place", i)
			}
		}
		onsale = time.Now().Add(time.Second).UTC()
		cl.rr().Must(t, 200, apitest.Req{Method: "PATCH", Path: "/api/v1/events/" + qe.Event.ID, Token: admin,
			Body: map[string]any{"onsale_at": onsale.Format(time.RFC3339Nano)}})
		time.Sleep(time.Until(onsale))
		for i, tok := range buyers {
			var st queue.Status
			deadline := time.Now().Add(10 * time.Second)
			for st.Status != "admitted" && time.Now().Before(deadline) {
				cl.on(i+2).Must(t, 200, apitest.Req{Method: "GET", Path: qpath + "/" + places[i]}).JSON(t, &st)
				time.Sleep(20 * time.Millisecond)
			}
			if st.Status != "admitted" {
				t.Fatalf("place %d not admitted: %+v", i, st)
			}
			// The pass was issued by one instance and is checked by another.
			r := cl.on(i+1).Do(t, apitest.Req{Method: "POST", Path: "/api/v1/events/" + qe.Event.ID + "/holds", Token: tok,
				Header: map[string]string{"X-Queue-Pass": st.Pass}, Body: map[string]any{"section": "Floor", "quantity": 1}})
			if r.Status != 201 {
				t.Errorf("hold with a pass from another instance: %d %s", r.Status, r.Body)
			}
		}
		var d queue.Draw
		cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: qpath + "/draw"}).JSON(t, &d)
		if err := queue.VerifyDraw(d); err != nil || d.Commitment != infos[0].Commitment || len(d.Places) != len(buyers) {
			t.Errorf("the draw (%d places): %v", len(d.Places), err)
		}
	})

	t.Run("shutdown within the drain timeout with streams and a stuck request open", func(t *testing.T) {
		// A ticket whose row the test locks, so that a scan of it waits on
		// the database for as long as the lock is held.
		h := hold(t, buyer, eventID, map[string]any{"section": "Floor", "quantity": 1})
		var o orderBody
		pay(t, buyer, h, "stuck-1", "tok_visa", 201).JSON(t, &o)
		stopStuck(t, cl.insts, db, eventID, o.Order.Tickets[0].ID, o.Order.Tickets[0].Barcode, gate, 3*time.Second)
	})
}

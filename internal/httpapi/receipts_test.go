package httpapi_test

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// TestReceiptCardNumberAndTicketEvent: a paid order keeps the card brand
// and last four that the payment provider answered (the typed number's,
// not anything the buyer could claim) and a short number from the
// database, larger for a later order; tickets carry their event's name,
// time (also in the venue's zone) and venue. All checked against the
// OpenAPI document by the client.
func TestReceiptCardNumberAndTicketEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 2, 10, 10) // a venue in America/New_York, the show 72 h after 2026-11-23 12:00 UTC
	buyer := h.buyer(t)
	type order struct {
		ID      string
		Number  int64
		Status  string
		Payment struct {
			CardBrand *string `json:"card_brand"`
			CardLast4 *string `json:"card_last4"`
		}
		Tickets []struct{ ID string }
	}
	buy := func(token, key string) order {
		var hd struct{ Hold struct{ ID string } }
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer,
			Body: map[string]any{"best_available": true, "quantity": 1}}).JSON(t, &hd)
		var o struct{ Order order }
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": key},
			Body: map[string]any{"hold_id": hd.Hold.ID, "payment_token": token}}).JSON(t, &o)
		return o.Order
	}
	first := buy("tok_mastercard", "r1")
	second := buy("378282246310005", "r2") // an Amex test number: the provider says amex, 0005
	for _, c := range []struct {
		o            order
		brand, last4 string
	}{{first, "mastercard", "4444"}, {second, "amex", "0005"}} {
		if c.o.Payment.CardBrand == nil || *c.o.Payment.CardBrand != c.brand || c.o.Payment.CardLast4 == nil || *c.o.Payment.CardLast4 != c.last4 {
			t.Errorf("order %s payment %+v, want %s %s", c.o.ID, c.o.Payment, c.brand, c.last4)
		}
	}
	if first.Number < 1 || second.Number <= first.Number {
		t.Errorf("order numbers %d then %d: want positive and increasing", first.Number, second.Number)
	}
	var read struct{ Order order }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/orders/" + second.ID, Token: buyer}).JSON(t, &read)
	if read.Order.Number != second.Number || *read.Order.Payment.CardLast4 != "0005" {
		t.Errorf("read back: number %d, card %v", read.Order.Number, *read.Order.Payment.CardLast4)
	}

	type ticket struct {
		ID    string
		Event struct {
			Name          string
			StartsAt      time.Time `json:"starts_at"`
			LocalStartsAt string    `json:"local_starts_at"`
			Venue         struct{ ID, Name, City, Timezone string }
		}
	}
	var one struct{ Ticket ticket }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/tickets/" + first.Tickets[0].ID, Token: buyer}).JSON(t, &one)
	e := one.Ticket.Event
	if e.Name != "Test Show" || !e.StartsAt.Equal(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)) ||
		e.LocalStartsAt != "2026-11-26T07:00:00-05:00" || e.Venue.Name != "Test Hall" || e.Venue.Timezone != "America/New_York" || e.Venue.ID == "" {
		t.Errorf("ticket's event: %+v", e)
	}
	var list struct{ Tickets []ticket }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me/tickets", Token: buyer}).JSON(t, &list)
	if len(list.Tickets) != 2 || list.Tickets[0].Event.Name != "Test Show" || list.Tickets[1].Event.LocalStartsAt != "2026-11-26T07:00:00-05:00" {
		t.Errorf("my tickets: %+v", list.Tickets)
	}
}

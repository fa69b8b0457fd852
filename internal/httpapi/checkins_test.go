package httpapi_test

import (
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// gateProblem is a refused scan's problem document with its extensions.
type gateProblem struct {
	Code                     string
	Detail                   string
	TicketID                 string  `json:"ticket_id"`
	CheckedInAt              string  `json:"checked_in_at"`
	LocalCheckedInAt         string  `json:"local_checked_in_at"`
	Section                  string  `json:"section"`
	Row                      *string `json:"row"`
	Number                   *int    `json:"number"`
	TicketEventID            string  `json:"ticket_event_id"`
	TicketEventName          string  `json:"ticket_event_name"`
	TicketEventStartsAt      string  `json:"ticket_event_starts_at"`
	TicketEventLocalStartsAt string  `json:"ticket_event_local_starts_at"`
	TicketVenueName          string  `json:"ticket_venue_name"`
	Errors                   []struct{ Field, Message string }
}

type gateTicket struct {
	ID, Barcode, Section string
	Row                  *string
	Number               *int
}

// buyTickets buys n best-available seats of the event for a new buyer.
func (h *harness) buyTickets(t *testing.T, eventID string, n int, key string) (string, []gateTicket) {
	t.Helper()
	buyer := h.buyer(t)
	var hd struct{ Hold struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + eventID + "/holds", Token: buyer,
		Body: map[string]any{"best_available": true, "quantity": n}}).JSON(t, &hd)
	var o struct {
		Order struct{ Tickets []gateTicket }
	}
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": key},
		Body: map[string]any{"hold_id": hd.Hold.ID, "payment_token": "tok_visa"}}).JSON(t, &o)
	return buyer, o.Order.Tickets
}

// gateStaff makes a staff user and returns its token.
func (h *harness) gateStaff(t *testing.T) string {
	t.Helper()
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/admin/users", Token: h.admin, Header: map[string]string{"Idempotency-Key": "gate-staff"},
		Body: map[string]any{"email": "door@example.com", "password": "gate-password", "name": "Door", "role": "staff"}})
	var auth struct{ Token string }
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "door@example.com", "password": "gate-password"}}).JSON(t, &auth)
	return auth.Token
}

type checkinCount struct {
	EventID   string `json:"event_id"`
	CheckedIn int    `json:"checked_in"`
	Tickets   int    `json:"tickets"`
}

func (h *harness) checkinCount(t *testing.T, token, eventID string) checkinCount {
	t.Helper()
	var c checkinCount
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + eventID + "/checkins", Token: token}).JSON(t, &c)
	return c
}

// TestCheckinsTiedToEvent: POST /checkins with event_id refuses a ticket
// for another event (422 wrong_event, naming it, nothing changed), an
// unknown or empty event_id is a field error, a repeat scan's 409 carries
// the seat and the first scan's time, and GET /events/{id}/checkins
// counts who is in for staff and admins (buyers 403, unknown event 404).
// Every answer is checked against the OpenAPI document by the client.
func TestCheckinsTiedToEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	show, other := h.event(t, 2, 10, 10), h.event(t, 1, 10, 10)
	buyer, tks := h.buyTickets(t, show, 2, "show")
	_, otks := h.buyTickets(t, other, 1, "other")
	gate := h.gateStaff(t)

	if c := h.checkinCount(t, gate, show); c != (checkinCount{EventID: show, CheckedIn: 0, Tickets: 2}) {
		t.Errorf("count before any scan %+v", c)
	}

	// A ticket for the other show, at this show's gate.
	var p gateProblem
	h.c.Must(t, 422, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate,
		Body: map[string]any{"barcode": otks[0].Barcode, "event_id": show}}).JSON(t, &p)
	if p.Code != "wrong_event" || p.TicketEventID != other || p.TicketID != otks[0].ID || p.TicketEventName != "Test Show" ||
		p.TicketVenueName != "Test Hall" || p.TicketEventStartsAt != "2026-11-26T12:00:00Z" ||
		p.TicketEventLocalStartsAt != "2026-11-26T07:00:00-05:00" || p.CheckedInAt != "" {
		t.Errorf("wrong_event problem %+v", p)
	}
	if !strings.Contains(p.Detail, "Test Show, Thu Nov 26, 2026 7:00 AM EST at Test Hall") {
		t.Errorf("wrong_event detail %q does not name the ticket's event", p.Detail)
	}
	if c := h.checkinCount(t, h.admin, other); c.CheckedIn != 0 || c.Tickets != 1 {
		t.Errorf("the refused ticket's event counts %+v, want 0 of 1", c)
	}

	// Unknown and empty event ids: field errors, nothing scanned.
	for _, id := range []string{"evt_nosuch", ""} {
		p = gateProblem{}
		h.c.Must(t, 422, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate,
			Body: map[string]any{"barcode": tks[0].Barcode, "event_id": id}}).JSON(t, &p)
		if p.Code != "validation_failed" || len(p.Errors) != 1 || p.Errors[0].Field != "event_id" {
			t.Errorf("event_id %q: %+v", id, p)
		}
	}
	// A buyer may not scan, event or not.
	h.c.Must(t, 403, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: buyer, Body: map[string]any{"barcode": tks[0].Barcode, "event_id": show}})

	// The right gate admits it; the count goes up.
	var in struct {
		TicketID    string `json:"ticket_id"`
		EventID     string `json:"event_id"`
		Status      string
		CheckedInAt string `json:"checked_in_at"`
	}
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate,
		Body: map[string]any{"barcode": tks[0].Barcode, "event_id": show}}).JSON(t, &in)
	if in.TicketID != tks[0].ID || in.EventID != show || in.Status != "checked_in" || in.CheckedInAt != "2026-11-23T12:00:00Z" {
		t.Errorf("check-in %+v", in)
	}
	if c := h.checkinCount(t, gate, show); c.CheckedIn != 1 || c.Tickets != 2 {
		t.Errorf("count after a scan %+v, want 1 of 2", c)
	}

	// Again, with and without the event: 409 with the seat and the time
	// of the first scan, in New York time too.
	for _, body := range []map[string]any{{"barcode": tks[0].Barcode, "event_id": show}, {"barcode": tks[0].Barcode}} {
		p = gateProblem{}
		h.c.Must(t, 409, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate, Body: body}).JSON(t, &p)
		if p.Code != "already_checked_in" || p.TicketID != tks[0].ID || p.CheckedInAt != "2026-11-23T12:00:00Z" ||
			p.LocalCheckedInAt != "2026-11-23T07:00:00-05:00" || p.Section != tks[0].Section ||
			p.Row == nil || *p.Row != *tks[0].Row || p.Number == nil || *p.Number != *tks[0].Number || p.TicketEventID != show {
			t.Errorf("repeat scan problem %+v", p)
		}
		if !strings.Contains(p.Detail, "already scanned at 7:00:00 AM EST") {
			t.Errorf("repeat scan detail %q", p.Detail)
		}
	}
	if c := h.checkinCount(t, gate, show); c.CheckedIn != 1 {
		t.Errorf("count after a repeat scan %+v, want 1", c)
	}

	// The count: staff and admin only; unknown event 404.
	h.c.Must(t, 403, apitest.Req{Method: "GET", Path: "/api/v1/events/" + show + "/checkins", Token: buyer})
	h.c.Must(t, 401, apitest.Req{Method: "GET", Path: "/api/v1/events/" + show + "/checkins"})
	h.c.Must(t, 404, apitest.Req{Method: "GET", Path: "/api/v1/events/evt_nosuch/checkins", Token: gate})
	// Unknown fields are still refused.
	h.c.Must(t, 400, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate, Body: map[string]any{"barcode": tks[1].Barcode, "event": show}})
}

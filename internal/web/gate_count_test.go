package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestGateCountPart: /gate/count answers the chosen event's count alone,
// uncached, for staff; a buyer is refused, someone signed out is sent to
// sign in, and a missing or unknown event is said so.
func TestGateCountPart(t *testing.T) {
	s := sharedSite(t)
	e := s.feeEvent(t, "Gate Count Part Night")
	u := s.gateBuyer(t)
	tks := s.gateTickets(t, u, e, 2)
	if _, err := s.App.Booking.CheckInFor(t.Context(), s.Admin, tks[0].Barcode, e.ID); err != nil {
		t.Fatal(err)
	}

	staff := client(t)
	signInHTTP(t, staff, s, staffLogin)
	res, body := get(t, staff, s.URL+"/gate/count?event="+e.ID)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-in="1"`) || !strings.Contains(body, `data-of="2"`) ||
		!strings.Contains(body, "<strong>1</strong> of 2 in") || strings.Contains(body, "<html") {
		t.Errorf("count part: %d %q", res.StatusCode, body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("count part Cache-Control %q", cc)
	}
	if res, _ := get(t, staff, s.URL+"/gate/count"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("no event: %d", res.StatusCode)
	}
	if res, _ := get(t, staff, s.URL+"/gate/count?event=evt_nosuch"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown event: %d", res.StatusCode)
	}

	buyer := client(t)
	signInHTTP(t, buyer, s, buyerLogin)
	if res, _ := get(t, buyer, s.URL+"/gate/count?event="+e.ID); res.StatusCode != http.StatusForbidden {
		t.Errorf("a buyer: %d", res.StatusCode)
	}
	if res, _ := get(t, client(t), s.URL+"/gate/count?event="+e.ID); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("signed out: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

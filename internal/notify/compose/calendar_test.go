package compose

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestCalendarFoldsAndEscapes: every content line is at most 75 octets,
// folded without splitting a UTF-8 character, ended by CRLF, and TEXT
// values escape commas, semicolons, backslashes and new lines (RFC 5545
// 3.1 and 3.3.11).
func TestCalendarFoldsAndEscapes(t *testing.T) {
	d := facts{OrderID: "ord_1", OrderURL: "https://x.example/orders/ord_1",
		Event: strings.Repeat("Nuit blanche à l'Opéra; acte I, scène 2 \\ ", 4), Venue: "Palais Garnier",
		Address: "Place de l'Opéra, Paris", StartsAt: time.Date(2027, 5, 1, 18, 30, 0, 0, time.UTC),
		Tickets: []ticketFacts{{Seat: "Section Orchestre, row A, seat 1"}, {Seat: "Section Orchestre, row A, seat 2"}}}
	raw := string(calendar("order-ord_1@x.example", "PUBLISH", d, time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)))
	if !strings.HasSuffix(raw, "END:VCALENDAR\r\n") {
		t.Fatalf("calendar does not end with END:VCALENDAR CRLF:\n%q", raw)
	}
	lines := strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n")
	var unfolded []string
	for _, l := range lines {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("a fold split a UTF-8 character: %q", l)
		}
		if strings.Contains(l, "\n") {
			t.Errorf("bare LF in %q", l)
		}
		if strings.HasPrefix(l, " ") {
			unfolded[len(unfolded)-1] += l[1:]
		} else {
			unfolded = append(unfolded, l)
		}
	}
	want := map[string]string{
		"SUMMARY":     strings.Repeat(`Nuit blanche à l'Opéra\; acte I\, scène 2 \\ `, 4),
		"DTSTART":     "20270501T183000Z",
		"DTSTAMP":     "20270401T000000Z",
		"UID":         "order-ord_1@x.example",
		"METHOD":      "PUBLISH",
		"DESCRIPTION": `Order ord_1\nSection Orchestre\, row A\, seat 1\nSection Orchestre\, row A\, seat 2\nTickets: https://x.example/orders/ord_1`,
		"LOCATION":    `Palais Garnier\, Place de l'Opéra\, Paris`,
	}
	for _, l := range unfolded {
		name, value, _ := strings.Cut(l, ":")
		if w, ok := want[name]; ok {
			if value != w {
				t.Errorf("%s = %q, want %q", name, value, w)
			}
			delete(want, name)
		}
	}
	for name := range want {
		t.Errorf("no %s line", name)
	}
}

// TestSMSTexts: each kind's SMS names the event and the order, and stays
// within two SMS segments (306 characters of GSM-7) for a usual event name.
func TestSMSTexts(t *testing.T) {
	d := facts{OrderID: "ord_4n8b2k6m0p3q5r7s9t1v3w5x7y", OrderURL: "https://tickets.example.com/orders/ord_4n8b2k6m0p3q5r7s9t1v3w5x7y",
		Event: "Jets vs. Patriots", Venue: "MetLife Stadium", When: "Sunday 10 January 2027, 13:00 EST",
		Tickets: []ticketFacts{{}, {}}, Total: "63.45 USD", Refunded: "63.45 USD"}
	for _, kind := range []string{"order_confirmed", "order_refunded", "event_cancelled"} {
		s, err := render(smsTemplates, kind, d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s, d.Event) || !strings.Contains(s, d.OrderID) || strings.Contains(s, "\n") {
			t.Errorf("%s SMS %q should name the event and order on one line", kind, s)
		}
		if n := utf8.RuneCountInString(s); n > 306 {
			t.Errorf("%s SMS is %d characters: %q", kind, n, s)
		}
	}
}

package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// feeEvent puts an event with dear seats and both fees on sale: section A
// at $1,250.00, a Floor at $40.00, a $4.75 service fee and a $3.95 order
// fee, at a venue in Chicago (America/Chicago).
func (s *site) feeEvent(t *testing.T, name string) catalog.Event {
	t.Helper()
	lat, lon := 41.88, -87.63
	v, err := s.App.Catalog.CreateVenue(t.Context(), s.Admin, catalog.VenueInput{Name: "Lakeside Hall " + name, City: "Chicago", Region: "IL",
		Country: "US", Timezone: "America/Chicago", Lat: &lat, Lon: &lon,
		Sections: []catalog.SectionInput{{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: 10}}}, {Name: "Floor", GeneralAdmission: true, Capacity: 2000}}})
	if err != nil {
		t.Fatal(err)
	}
	now := s.App.Clock.Now()
	starts, onsale := now.Add(96*time.Hour), now.Add(-time.Hour)
	e, err := s.App.Catalog.CreateEvent(t.Context(), s.Admin, catalog.EventInput{VenueID: v.ID, Name: name, Category: "concert",
		StartsAt: &starts, OnsaleAt: &onsale, Prices: []catalog.Price{{Section: "A", PriceCents: 125000}, {Section: "Floor", PriceCents: 4000}},
		ServiceFeeCents: 475, OrderFeeCents: 395})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// buyFor places a hold and an order for a buyer through the booking
// service, as the web pages do; a declined token leaves a failed attempt.
func (s *site) buyFor(t *testing.T, u account.User, eventID string, hr booking.HoldRequest, tokens ...string) booking.Order {
	t.Helper()
	h, err := s.App.Booking.PlaceHold(t.Context(), u, eventID, hr)
	if err != nil {
		t.Fatal(err)
	}
	var o booking.Order
	for _, tok := range tokens {
		o, err = s.App.Booking.PlaceOrder(t.Context(), u, booking.OrderRequest{HoldID: h.ID, PaymentToken: tok})
		if err != nil && !apperr.Is(err, apperr.PaymentDeclined) {
			t.Fatal(err)
		}
	}
	return o
}

// TestBrowserOrdersAndSales: a declined attempt is not an order in My
// tickets nor on the sales page, statuses read as words, and the organizer
// sees gross, refunds, net, fees and add-ons apart, by kind and by
// section, with thousands separators, kept live as an order is refunded.
func TestBrowserOrdersAndSales(t *testing.T) {
	s := sharedSite(t)
	e := s.feeEvent(t, "Sales Test Night")
	reg := s.newBuyer(t)
	u, _, err := login(t, s, reg)
	if err != nil {
		t.Fatal(err)
	}
	s.buyFor(t, u, e.ID, booking.HoldRequest{BestAvailable: true, Section: "A", Quantity: 2}, "tok_visa")               // $2,513.45
	floor := s.buyFor(t, u, e.ID, booking.HoldRequest{Section: "Floor", Quantity: 1}, "tok_chargeDeclined", "tok_visa") // $48.70

	buyer := newBrowser(t, "buyer").tab(s.URL)
	buyer.signIn(reg)
	buyer.open("/me/tickets")
	statuses := eval[[]string](buyer, `[...document.querySelectorAll('[data-order-status]')].map(td => td.innerText)`)
	if len(statuses) != 2 || statuses[0] != "Paid" || statuses[1] != "Paid" {
		t.Errorf("My tickets lists orders with statuses %q, want two Paid (no failed attempt)", statuses)
	}
	buyer.shot("01-my-tickets")
	buyer.phone()
	buyer.shot("01-my-tickets-phone")

	org := newBrowser(t, "organizer").tab(s.URL)
	org.signIn(adminLogin)
	org.open("/admin/events/" + e.ID + "/sales")
	stat := func(k string) string {
		return eval[string](org, `document.querySelector('[data-stat=`+k+`]').innerText`)
	}
	check := func(k, want string) {
		t.Helper()
		if got := stat(k); got != want {
			t.Errorf("%s reads %q, want %q", k, got, want)
		}
	}
	check("capacity", "2,010")
	check("available", "2,007")
	check("orders", "2")
	check("gross_cents", "$2,562.15")
	check("refunded_cents", "$0.00")
	check("net_cents", "$2,562.15")
	check("fees_cents", "$22.15")
	if n := eval[int](org, `document.querySelectorAll('tr[data-order]').length`); n != 2 {
		t.Errorf("the sales page lists %d orders, want 2 (no failed attempt)", n)
	}
	sec := eval[string](org, `document.querySelector('#by-section tr[data-section=A]').innerText`)
	if !strings.Contains(sec, "$2,500.00\t$9.50\t$2,509.50\t$0.00\t$2,509.50") {
		t.Errorf("section A reads %q", sec)
	}
	org.shot("02-sales")

	// Refund the Floor order from the page: refunds and net follow.
	org.clickAndWait(`tr[data-order="` + floor.ID + `"] button[type=submit]`)
	org.waitFor(`document.querySelector('[data-stat=refunded_cents]').innerText === '$48.70'`, patience)
	check("net_cents", "$2,513.45")
	check("gross_cents", "$2,562.15")
	if got := eval[string](org, `document.querySelector('[data-line="net.order_fees_cents"]').innerText`); got != "$3.95" {
		t.Errorf("net order fees %q, want $3.95", got)
	}
	floorRow := eval[string](org, `document.querySelector('#by-section tr[data-section=Floor]').innerText`)
	if !strings.Contains(floorRow, "Floor\t0\t1\t$40.00\t$4.75\t$44.75\t$44.75\t$0.00") {
		t.Errorf("the Floor's row reads %q after its refund", floorRow)
	}
	if got := eval[string](org, `document.querySelector('tr[data-order="`+floor.ID+`"] [data-order-status]').innerText`); got != "Refunded" {
		t.Errorf("the refunded order's status reads %q", got)
	}
	org.shot("03-sales-refunded")
	org.phone()
	org.shot("03-sales-refunded-phone")
}

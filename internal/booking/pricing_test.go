package booking_test

import (
	"reflect"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

func heldSeat(section string, price int64) booking.HeldSeat {
	return booking.HeldSeat{ID: "1", Section: section, Row: ptr("1"), Number: ptr(1), PriceCents: price}
}

func TestPrice(t *testing.T) {
	t.Parallel()
	event := catalog.Event{ServiceFeeCents: 475, OrderFeeCents: 395, Currency: "USD", AddOns: []catalog.AddOn{
		{ID: "add_parking", Name: "Gold Parking", PriceCents: 7500, MaxPerOrder: 1},
		{ID: "add_programme", Name: "Programme", PriceCents: 1000, MaxPerOrder: 4},
	}}
	two312 := []booking.HeldSeat{heldSeat("312", 2500), heldSeat("312", 2500)}
	ticket := func(section string, n int, unit int64) booking.LineItem {
		return booking.LineItem{Kind: booking.KindTicket, Description: "Ticket, section " + section, Quantity: n, UnitCents: unit, TotalCents: int64(n) * unit}
	}
	service := func(n int) booking.LineItem {
		return booking.LineItem{Kind: booking.KindServiceFee, Description: "Service fee", Quantity: n, UnitCents: 475, TotalCents: int64(n) * 475}
	}
	orderFee := booking.LineItem{Kind: booking.KindOrderFee, Description: "Order processing fee", Quantity: 1, UnitCents: 395, TotalCents: 395}

	tests := []struct {
		name      string
		event     func(catalog.Event) catalog.Event
		seats     []booking.HeldSeat
		addOns    []booking.AddOnChoice
		items     []booking.LineItem
		subtotal  int64
		fees      int64
		badFields []string // a validation error naming these fields
	}{
		{
			name:  "api.md example: 2 × $25 + 2 × $4.75 + $3.95 = $63.45",
			seats: two312, items: []booking.LineItem{ticket("312", 2, 2500), service(2), orderFee},
			subtotal: 5000, fees: 1345,
		},
		{
			name: "one add-on", seats: two312, addOns: []booking.AddOnChoice{{AddOnID: "add_parking", Quantity: 1}},
			items: []booking.LineItem{ticket("312", 2, 2500),
				{Kind: booking.KindAddOn, Description: "Gold Parking", AddOnID: "add_parking", Quantity: 1, UnitCents: 7500, TotalCents: 7500},
				service(2), orderFee},
			subtotal: 12500, fees: 1345,
		},
		{
			name: "add-on quantities multiply, in the order asked", seats: two312[:1],
			addOns: []booking.AddOnChoice{{AddOnID: "add_programme", Quantity: 4}, {AddOnID: "add_parking", Quantity: 1}},
			items: []booking.LineItem{ticket("312", 1, 2500),
				{Kind: booking.KindAddOn, Description: "Programme", AddOnID: "add_programme", Quantity: 4, UnitCents: 1000, TotalCents: 4000},
				{Kind: booking.KindAddOn, Description: "Gold Parking", AddOnID: "add_parking", Quantity: 1, UnitCents: 7500, TotalCents: 7500},
				service(1), orderFee},
			subtotal: 2500 + 4000 + 7500, fees: 475 + 395,
		},
		{
			name: "max_per_order exceeded", seats: two312, addOns: []booking.AddOnChoice{{AddOnID: "add_parking", Quantity: 2}},
			badFields: []string{"add_ons[0].quantity"},
		},
		{
			name: "quantity zero", seats: two312, addOns: []booking.AddOnChoice{{AddOnID: "add_programme", Quantity: 0}},
			badFields: []string{"add_ons[0].quantity"},
		},
		{
			name: "negative quantity", seats: two312, addOns: []booking.AddOnChoice{{AddOnID: "add_programme", Quantity: -1}},
			badFields: []string{"add_ons[0].quantity"},
		},
		{
			name: "unknown add-on", seats: two312, addOns: []booking.AddOnChoice{{AddOnID: "add_nope", Quantity: 1}},
			badFields: []string{"add_ons[0].add_on_id"},
		},
		{
			name: "duplicate add-on", seats: two312,
			addOns:    []booking.AddOnChoice{{AddOnID: "add_programme", Quantity: 1}, {AddOnID: "add_programme", Quantity: 1}},
			badFields: []string{"add_ons[1].add_on_id"},
		},
		{
			name: "every bad add-on is named", seats: two312,
			addOns:    []booking.AddOnChoice{{AddOnID: "add_parking", Quantity: 5}, {AddOnID: "add_nope", Quantity: 1}, {AddOnID: "add_parking", Quantity: 1}},
			badFields: []string{"add_ons[0].quantity", "add_ons[1].add_on_id", "add_ons[2].add_on_id"},
		},
		{
			name:  "zero fees omit both fee lines",
			event: func(e catalog.Event) catalog.Event { e.ServiceFeeCents, e.OrderFeeCents = 0, 0; return e },
			seats: two312, items: []booking.LineItem{ticket("312", 2, 2500)},
			subtotal: 5000, fees: 0,
		},
		{
			name:  "zero service fee omits its line only",
			event: func(e catalog.Event) catalog.Event { e.ServiceFeeCents = 0; return e },
			seats: two312, items: []booking.LineItem{ticket("312", 2, 2500), orderFee},
			subtotal: 5000, fees: 395,
		},
		{
			name:  "zero order fee omits its line only",
			event: func(e catalog.Event) catalog.Event { e.OrderFeeCents = 0; return e },
			seats: two312, items: []booking.LineItem{ticket("312", 2, 2500), service(2)},
			subtotal: 5000, fees: 950,
		},
		{
			name:     "mixed sections are grouped by section and price, in first-seen order",
			seats:    []booking.HeldSeat{heldSeat("Floor", 9900), heldSeat("312", 2500), heldSeat("Floor", 9900), heldSeat("312", 2500), heldSeat("312", 2500)},
			items:    []booking.LineItem{ticket("Floor", 2, 9900), ticket("312", 3, 2500), service(5), orderFee},
			subtotal: 2*9900 + 3*2500, fees: 5*475 + 395,
		},
		{
			name:     "one section at two prices is two lines",
			seats:    []booking.HeldSeat{heldSeat("312", 2500), heldSeat("312", 3000), heldSeat("312", 2500)},
			items:    []booking.LineItem{ticket("312", 2, 2500), ticket("312", 1, 3000), service(3), orderFee},
			subtotal: 8000, fees: 3*475 + 395,
		},
		{
			name:     "free tickets still pay fees",
			seats:    []booking.HeldSeat{heldSeat("Comp", 0)},
			items:    []booking.LineItem{ticket("Comp", 1, 0), service(1), orderFee},
			subtotal: 0, fees: 870,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := event
			if tc.event != nil {
				e = tc.event(e)
			}
			items, subtotal, fees, err := booking.Price(e, tc.seats, tc.addOns)
			if tc.badFields != nil {
				wantCode(t, err, apperr.Invalid, "price")
				for _, f := range tc.badFields {
					wantField(t, err, f, "price")
				}
				if ae, _ := apperr.As(err); len(ae.Fields) != len(tc.badFields) {
					t.Fatalf("fields %v, want exactly %v", ae.Fields, tc.badFields)
				}
				return
			}
			if err != nil {
				t.Fatalf("price: %v", err)
			}
			if !reflect.DeepEqual(items, tc.items) {
				t.Fatalf("line items\n got %+v\nwant %+v", items, tc.items)
			}
			if subtotal != tc.subtotal || fees != tc.fees {
				t.Fatalf("subtotal %d, fees %d; want %d, %d", subtotal, fees, tc.subtotal, tc.fees)
			}
			var sum int64
			for _, it := range items {
				if it.TotalCents != int64(it.Quantity)*it.UnitCents {
					t.Fatalf("line %+v: total is not quantity × unit", it)
				}
				sum += it.TotalCents
			}
			if sum != subtotal+fees {
				t.Fatalf("lines sum to %d, subtotal+fees is %d", sum, subtotal+fees)
			}
		})
	}
}

package booking_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// TestStadiumOffersSpread checks the listing of the demo stadium (4,000
// seats held at random): 50 offers of exactly the quantity asked, in 50
// sections, spread over rows and, sorted by price, over prices, each
// within the run of free seats it names.
func TestStadiumOffersSpread(t *testing.T) {
	t.Parallel()
	s := newStadium(t)
	for _, q := range []booking.OfferQuery{{Quantity: 2, Sort: "best", Limit: 50}, {Quantity: 2, Sort: "price", Limit: 50},
		{Quantity: 4, Sort: "price", Limit: 50, MinPriceCents: 10000}, {Quantity: 3, Sort: "best", Limit: 20, Section: "112"}} {
		offers, err := s.svc.Offers(s.ctx, s.event, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(offers) != q.Limit {
			t.Fatalf("%+v: %d offers", q, len(offers))
		}
		sections, rows, prices, seats := map[string]bool{}, map[string]bool{}, map[int64]bool{}, map[string]bool{}
		for i, o := range offers {
			if o.Row == nil || *o.SeatTo-*o.SeatFrom+1 != q.Quantity || o.Available != q.Quantity || len(o.SeatIDs) != q.Quantity ||
				*o.RunFrom > *o.SeatFrom || *o.SeatTo > *o.RunTo {
				t.Fatalf("%+v: offer %d is %s row %v seats %d-%d of %d-%d, %d available, ids %v", q, i, o.Section, *o.Row,
					*o.SeatFrom, *o.SeatTo, *o.RunFrom, *o.RunTo, o.Available, o.SeatIDs)
			}
			if o.PriceCents < q.MinPriceCents || (q.Section != "" && o.Section != q.Section) {
				t.Fatalf("%+v: offer %d is %s at %d", q, i, o.Section, o.PriceCents)
			}
			if i > 0 && q.Sort == "price" && o.PriceCents < offers[i-1].PriceCents {
				t.Fatalf("%+v: offer %d costs %d after %d", q, i, o.PriceCents, offers[i-1].PriceCents)
			}
			sections[o.Section], rows[o.Section+"|"+*o.Row], prices[o.PriceCents] = true, true, true
			for _, id := range o.SeatIDs {
				if seats[id] {
					t.Fatalf("%+v: seat %s is in two offers", q, id)
				}
				seats[id] = true
			}
		}
		switch {
		case q.Section != "":
			if len(rows) < 15 {
				t.Errorf("%+v: %d rows", q, len(rows))
			}
		case len(sections) != q.Limit:
			t.Errorf("%+v: %d sections", q, len(sections))
		case q.Sort == "price" && len(prices) < 5:
			t.Errorf("%+v: prices %v", q, slices.Sorted(maps.Keys(prices)))
		}
		t.Logf("%+v: %d sections, %d rows, %d prices; first %s row %s seats %d-%d (free %d-%d)", q, len(sections), len(rows), len(prices),
			offers[0].Section, *offers[0].Row, *offers[0].SeatFrom, *offers[0].SeatTo, *offers[0].RunFrom, *offers[0].RunTo)
	}
}

// BenchmarkStadiumOffers measures the offers of the demo stadium as the
// API computes them on a request (from the shared snapshot): the best 50
// pairs, the cheapest 50, and 20 blocks of 3 in one section.
//
//	go test -run '^$' -bench StadiumOffers ./internal/booking/
func BenchmarkStadiumOffers(b *testing.B) {
	s := newStadium(b)
	for _, c := range []struct {
		name string
		q    booking.OfferQuery
	}{
		{"best-50-pairs", booking.OfferQuery{Quantity: 2, Sort: "best", Limit: 50}},
		{"price-50-pairs", booking.OfferQuery{Quantity: 2, Sort: "price", Limit: 50}},
		{"section-20-triples", booking.OfferQuery{Quantity: 3, Sort: "best", Limit: 20, Section: "112"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.svc.Offers(s.ctx, s.event, c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

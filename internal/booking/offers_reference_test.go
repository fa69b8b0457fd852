package booking

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strconv"
	"testing"
)

// rankOffers is how offers were computed before the snapshot's flat index:
// from a whole SeatMap of strings. It is kept as the reference that the
// fast path must agree with, and as the "before" of the benchmarks.
func rankOffers(m SeatMap, score func(id string) int64, q OfferQuery) []Offer {
	offers := []Offer{}
	for _, sec := range m.Sections {
		if (q.Section != "" && sec.Name != q.Section) || (q.MaxPriceCents > 0 && sec.PriceCents > q.MaxPriceCents) {
			continue
		}
		if sec.GeneralAdmission {
			if sec.Available >= q.Quantity {
				offers = append(offers, Offer{Section: sec.Name, PriceCents: sec.PriceCents, Available: sec.Available, score: 1 << 62})
			}
			continue
		}
		for _, r := range sec.Rows {
			for i := 0; i < len(r.Seats); {
				if r.Seats[i].Status != SeatAvailable {
					i++
					continue
				}
				j := i
				for j+1 < len(r.Seats) && r.Seats[j+1].Status == SeatAvailable && r.Seats[j+1].Number == r.Seats[j].Number+1 {
					j++
				}
				if n := j - i + 1; n >= q.Quantity {
					o := Offer{Section: sec.Name, Row: optString(r.Name), SeatFrom: optInt(r.Seats[i].Number), SeatTo: optInt(r.Seats[j].Number),
						PriceCents: sec.PriceCents, Available: n, score: 1 << 62}
					for k := i; k <= j; k++ {
						o.SeatIDs = append(o.SeatIDs, r.Seats[k].ID)
						o.score = min(o.score, score(r.Seats[k].ID))
					}
					offers = append(offers, o)
				}
				i = j + 1
			}
		}
	}
	sort.SliceStable(offers, func(i, j int) bool {
		a, b := offers[i], offers[j]
		if q.Sort == "price" && a.PriceCents != b.PriceCents {
			return a.PriceCents < b.PriceCents
		}
		return a.score < b.score
	})
	if q.Limit > 0 && len(offers) > q.Limit {
		offers = offers[:q.Limit]
	}
	return offers
}

// referenceOffers is the old Snapshot.Offers: the whole map, then rankOffers.
func referenceOffers(sn Snapshot, q OfferQuery) ([]Offer, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	score := func(id string) int64 {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 1 || n > int64(len(sn.Plan.Seats)) {
			return 1 << 62
		}
		return sn.Plan.Seats[n-1].Score
	}
	return rankOffers(sn.Map(), score, q), nil
}

// testPlan builds a plan of a few sections: reserved rows, a GA area, a row
// whose numbers skip one, and, when shuffled, seat numbers that do not
// follow map order.
func testPlan(t testing.TB, rng *rand.Rand, shuffled bool) *SeatPlan {
	t.Helper()
	type place struct {
		section    string
		ga         bool
		row        string
		rowIndex   int
		number     int
		price      int64
		scoreBonus int64
	}
	var places []place
	sections := []string{"Lower", "Floor", "Upper", "Box"}
	for r := range 6 {
		for n := 1; n <= 10+r; n++ {
			places = append(places, place{section: "Lower", row: strconv.Itoa(r + 1), rowIndex: r, number: n, price: 5000})
		}
	}
	for range 15 {
		places = append(places, place{section: "Floor", ga: true, price: 3000})
	}
	for r := range 4 {
		for n := 1; n <= 8; n++ {
			if r == 2 && n == 4 { // a gap: 3 and 5 are not adjacent
				continue
			}
			places = append(places, place{section: "Upper", row: string(rune('A' + r)), rowIndex: r, number: n, price: 2500 + int64(rng.IntN(2))*1000})
		}
	}
	for n := 1; n <= 4; n++ {
		places = append(places, place{section: "Box", row: `"VIP" <1>`, number: n, price: 2500})
	}
	nos := make([]int, len(places))
	for i := range nos {
		nos[i] = i
	}
	if shuffled {
		rng.Shuffle(len(nos), func(i, j int) { nos[i], nos[j] = nos[j], nos[i] })
	}
	seats := make([]Seat, len(places))
	for i, pi := range nos {
		pl := places[pi]
		seats[i] = Seat{No: int64(i + 1), SectionID: pl.section, Section: pl.section, GA: pl.ga, Row: pl.row, RowIndex: pl.rowIndex,
			Number: pl.number, PriceCents: pl.price, Score: int64(rng.IntN(50))}
	}
	p, err := newSeatPlan("evt_test", sections, seats)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func randomSnapshot(rng *rand.Rand, p *SeatPlan, takenShare float64) Snapshot {
	st := make([]byte, len(p.Seats))
	for i := range st {
		switch x := rng.Float64(); {
		case x < takenShare/2:
			st[i] = StatusByteHeld
		case x < takenShare:
			st[i] = StatusByteSold
		default:
			st[i] = StatusByteAvailable
		}
	}
	return Snapshot{Plan: p, Status: st}
}

// TestFastPathsMatchReference checks the flat-index offers, the appended
// JSON and the compact form against the slow, obvious versions on random
// statuses.
func TestFastPathsMatchReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	queries := []OfferQuery{{Quantity: 1}, {Quantity: 2}, {Quantity: 3, Sort: "best"}, {Quantity: 2, Limit: 3},
		{Quantity: 1, Sort: "best", Limit: 5}, {Quantity: 4, Section: "Upper"}, {Quantity: 2, MaxPriceCents: 3000},
		{Quantity: 1, Section: "Floor"}, {Quantity: 16}, {Quantity: 2, Section: "nope"}, {Quantity: 1, Limit: 1},
		{Quantity: 2, Sort: "best", Limit: 2, MaxPriceCents: 3000}, {Quantity: 1, Limit: 40}, {Quantity: 1, Sort: "best", Limit: 40}}
	for round := range 200 {
		p := testPlan(t, rng, round%2 == 1)
		sn := randomSnapshot(rng, p, rng.Float64())
		for _, q := range queries {
			got, err := sn.Offers(q)
			want, err2 := referenceOffers(sn, q)
			if err != nil || err2 != nil {
				t.Fatal(err, err2)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %+v:\nfast      %s\nreference %s", round, q, dump(got), dump(want))
			}
		}
		want, err := json.Marshal(sn.Map())
		if err != nil {
			t.Fatal(err)
		}
		if got := sn.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("round %d: AppendJSON differs from encoding/json:\n%s\n%s", round, got, want)
		}
		var cm CompactSeatMap
		if err := json.Unmarshal(sn.AppendCompactJSON(nil), &cm); err != nil {
			t.Fatalf("round %d: compact form is not JSON: %v", round, err)
		}
		if cm.Format != CompactFormat {
			t.Fatalf("format %q", cm.Format)
		}
		if got := cm.Expand(); !reflect.DeepEqual(got, sn.Map()) {
			t.Fatalf("round %d: compact form expands to\n%+v\nwant\n%+v", round, got, sn.Map())
		}
	}
}

func dump(offers []Offer) string {
	var b bytes.Buffer
	for _, o := range offers {
		fmt.Fprintf(&b, "\n  %s %v %v-%v %d %d %v score %d", o.Section, deref(o.Row), deref(o.SeatFrom), deref(o.SeatTo), o.PriceCents, o.Available, o.SeatIDs, o.score)
	}
	return b.String()
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

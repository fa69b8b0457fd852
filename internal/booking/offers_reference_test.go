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

// rankOffers is offers computed the slow, obvious way, from a whole SeatMap
// of strings: every block of every row, each given its round, all sorted.
// It is the reference that the fast path must agree with, and the
// "before" of the benchmarks.
func rankOffers(m SeatMap, score func(id string) int64, q OfferQuery) []Offer {
	type ranked struct {
		o                Offer
		seq              int
		rowRank, secRank int
	}
	var all []ranked
	less := func(a, b ranked) bool { // the ranking asked for
		if q.Sort == "price" && a.o.PriceCents != b.o.PriceCents {
			return a.o.PriceCents < b.o.PriceCents
		}
		if a.o.score != b.o.score {
			return a.o.score < b.o.score
		}
		return a.seq < b.seq
	}
	pos := 0 // map-order index of the next place
	for _, sec := range m.Sections {
		first := pos
		pos += sec.Capacity
		if (q.Section != "" && sec.Name != q.Section) || (q.MaxPriceCents > 0 && sec.PriceCents > q.MaxPriceCents) || sec.PriceCents < q.MinPriceCents {
			continue
		}
		if sec.GeneralAdmission {
			if sec.Available >= q.Quantity {
				all = append(all, ranked{o: Offer{Section: sec.Name, PriceCents: sec.PriceCents, Available: sec.Available, score: 1 << 62}, seq: first})
			}
			continue
		}
		var inSection []ranked
		rowPos := first
		for _, r := range sec.Rows {
			var inRow []ranked
			for i := 0; i < len(r.Seats); {
				if r.Seats[i].Status != SeatAvailable {
					i++
					continue
				}
				j := i + 1 // the run is seats i..j-1
				for j < len(r.Seats) && r.Seats[j].Status == SeatAvailable && r.Seats[j].Number == r.Seats[j-1].Number+1 {
					j++
				}
				sum := func(s int) (t int64) {
					for _, ms := range r.Seats[s : s+q.Quantity] {
						t += score(ms.ID)
					}
					return t
				}
				if j-i >= q.Quantity {
					best := i
					for s := i; s+q.Quantity <= j; s++ {
						if sum(s) < sum(best) {
							best = s
						}
					}
					for s := best; s >= i; s -= q.Quantity { // the blocks beside the best, to the left...
						best = s
					}
					for s := best; s+q.Quantity <= j; s += q.Quantity { // ...and from there rightwards
						o := Offer{Section: sec.Name, Row: optString(r.Name), SeatFrom: optInt(r.Seats[s].Number), SeatTo: optInt(r.Seats[s+q.Quantity-1].Number),
							RunFrom: optInt(r.Seats[i].Number), RunTo: optInt(r.Seats[j-1].Number), PriceCents: sec.PriceCents, Available: q.Quantity, score: sum(s)}
						for _, ms := range r.Seats[s : s+q.Quantity] {
							o.SeatIDs = append(o.SeatIDs, ms.ID)
						}
						inRow = append(inRow, ranked{o: o, seq: rowPos + s})
					}
				}
				i = j
			}
			rowPos += len(r.Seats)
			sort.SliceStable(inRow, func(a, b int) bool { return less(inRow[a], inRow[b]) })
			for k := range inRow {
				inRow[k].rowRank = k
			}
			inSection = append(inSection, inRow...)
		}
		for k := range inSection {
			for _, other := range inSection {
				if other.rowRank == inSection[k].rowRank && less(other, inSection[k]) {
					inSection[k].secRank++
				}
			}
		}
		all = append(all, inSection...)
	}
	if q.Limit > 0 && len(all) > q.Limit {
		sort.SliceStable(all, func(a, b int) bool {
			x, y := all[a], all[b]
			if x.rowRank != y.rowRank {
				return x.rowRank < y.rowRank
			}
			if x.secRank != y.secRank {
				return x.secRank < y.secRank
			}
			return less(x, y)
		})
		all = all[:q.Limit]
	}
	sort.SliceStable(all, func(a, b int) bool { return less(all[a], all[b]) })
	offers := make([]Offer, len(all))
	for i, r := range all {
		offers[i] = r.o
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
		{Quantity: 2, Sort: "best", Limit: 2, MaxPriceCents: 3000}, {Quantity: 1, Limit: 40}, {Quantity: 1, Sort: "best", Limit: 40},
		{Quantity: 2, MinPriceCents: 3000}, {Quantity: 3, Sort: "best", Limit: 4, MinPriceCents: 2500, MaxPriceCents: 5000},
		{Quantity: 2, Limit: 7}, {Quantity: 3, Sort: "best", Limit: 9}, {Quantity: 2, Section: "Lower", Limit: 10}}
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
		fmt.Fprintf(&b, "\n  %s %v %v-%v (%v-%v) %d %d %v score %d", o.Section, deref(o.Row), deref(o.SeatFrom), deref(o.SeatTo),
			deref(o.RunFrom), deref(o.RunTo), o.PriceCents, o.Available, o.SeatIDs, o.score)
	}
	return b.String()
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

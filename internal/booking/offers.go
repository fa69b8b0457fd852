package booking

import (
	"context"
	"slices"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// Offer is a block of adjacent available seats in one row: "You'll get 2
// seats together between 1 and 4".
type Offer struct {
	Section    string   `json:"section"`
	Row        *string  `json:"row"`
	SeatFrom   *int     `json:"seat_from"`
	SeatTo     *int     `json:"seat_to"`
	PriceCents int64    `json:"price_cents"`
	Available  int      `json:"available"`
	SeatIDs    []string `json:"seat_ids,omitempty"`
	score      int64
}

// OfferQuery filters and orders offers.
type OfferQuery struct {
	Quantity      int
	Sort          string // "price" or "best"
	MaxPriceCents int64
	Section       string
	Limit         int
}

// Offers lists blocks of available seats that fit Quantity. A
// general-admission area is one offer with its available count.
//
// It reads the event's shared snapshot (SharedSnapshot), so at 1,000
// requests a second the database sees a few reads a second, and what it
// lists may be a fraction of a second old. That is safe because an offer
// decides nothing: a hold on its seats is decided by the conditional write
// in the store, and answers seats_unavailable if someone was faster.
func (s *Service) Offers(ctx context.Context, eventID string, q OfferQuery) ([]Offer, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	sn, err := s.SharedSnapshot(ctx, eventID)
	if err != nil {
		return nil, err
	}
	return sn.Offers(q)
}

func (q *OfferQuery) validate() error {
	var f apperr.Fields
	if q.Quantity < 1 || q.Quantity > MaxQuantity {
		f.Add("quantity", "must be between 1 and %d", MaxQuantity)
	}
	if q.Sort == "" {
		q.Sort = "price"
	}
	if q.Sort != "price" && q.Sort != "best" {
		f.Add("sort", "must be price or best")
	}
	if q.MaxPriceCents < 0 {
		f.Add("max_price_cents", "must not be negative")
	}
	return f.Err()
}

// gaScore ranks a general-admission offer after every block of seats of
// the same price: a GA place has no position to be scored by.
const gaScore = 1 << 62

// block is an offer before it is written out: a run of available places
// in one row, seats start..start+n-1 of the row (or a GA section's count,
// with row -1). seq is the map-order index of its first place, which
// breaks ties as map order always has.
type block struct {
	section, row int
	start, n     int
	score        int64
	price        int64
	seq          int
}

// Offers lists blocks of available seats like Service.Offers, from the
// snapshot. It walks the plan's flat index section by section in the order
// of the ranking, keeps the best q.Limit blocks in a heap, stops at the
// first section that cannot beat them, and builds strings only for the
// blocks it returns: the stadium's best 50 pairs take tens of
// microseconds, and an unlimited list (the web listing) well under a
// millisecond.
func (sn Snapshot) Offers(q OfferQuery) ([]Offer, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	p := sn.Plan
	idx, order, st := &p.index, p.order, sn.Status
	r := ranking{byPrice: q.Sort == "price", limit: q.Limit}
	visit := idx.byScore
	if r.byPrice {
		visit = idx.byPrice
	}
	for _, si := range visit {
		sec, span := &p.Map.Sections[si], idx.sections[si]
		if (q.Section != "" && sec.Name != q.Section) || (q.MaxPriceCents > 0 && sec.PriceCents > q.MaxPriceCents) {
			continue
		}
		if r.beaten(sec.PriceCents, span.minScore) {
			break // sections come in the ranking's order: no later one can do better
		}
		if sec.GeneralAdmission {
			if free := sn.available(span); free >= q.Quantity {
				r.add(block{section: si, row: -1, n: free, score: gaScore, price: sec.PriceCents, seq: span.start})
			}
			continue
		}
		for _, rs := range idx.rows[span.rowLo:span.rowHi] {
			if rs.run { // ids and numbers consecutive: the row's statuses are one slice of st
				row := st[rs.firstNo-1 : rs.firstNo-1+int64(rs.n)]
				for i := 0; i < len(row); {
					if row[i] != StatusByteAvailable {
						i++
						continue
					}
					j := i + 1
					for j < len(row) && row[j] == StatusByteAvailable {
						j++
					}
					if j-i >= q.Quantity {
						r.add(block{section: si, row: rs.row, start: i, n: j - i, score: slices.Min(idx.scores[rs.start+i : rs.start+j]),
							price: sec.PriceCents, seq: rs.start + i})
					}
					i = j
				}
				continue
			}
			seats := sec.Rows[rs.row].Seats
			for i := 0; i < rs.n; {
				if st[order[rs.start+i]-1] != StatusByteAvailable {
					i++
					continue
				}
				j := i + 1
				for j < rs.n && st[order[rs.start+j]-1] == StatusByteAvailable && seats[j].Number == seats[j-1].Number+1 {
					j++
				}
				if j-i >= q.Quantity {
					r.add(block{section: si, row: rs.row, start: i, n: j - i, score: slices.Min(idx.scores[rs.start+i : rs.start+j]),
						price: sec.PriceCents, seq: rs.start + i})
				}
				i = j
			}
		}
	}
	blocks := r.sorted()
	offers := make([]Offer, len(blocks))
	for i, b := range blocks {
		sec := &p.Map.Sections[b.section]
		o := Offer{Section: sec.Name, PriceCents: b.price, Available: b.n, score: b.score}
		if b.row >= 0 {
			r := &sec.Rows[b.row]
			seats := r.Seats[b.start : b.start+b.n]
			o.Row, o.SeatFrom, o.SeatTo = optString(r.Name), optInt(seats[0].Number), optInt(seats[len(seats)-1].Number)
			o.SeatIDs = make([]string, len(seats))
			for k, ms := range seats {
				o.SeatIDs[k] = ms.ID
			}
		}
		offers[i] = o
	}
	return offers, nil
}

// ranking orders blocks as a query asks: by price if byPrice, then score,
// then map order. With a limit it keeps only the best limit blocks, in a
// heap whose root is the worst kept, so that most blocks of a stadium
// cost one comparison and none is kept that will not be returned.
type ranking struct {
	byPrice bool
	limit   int
	blocks  []block
}

func (r *ranking) less(a, b *block) bool {
	if r.byPrice && a.price != b.price {
		return a.price < b.price
	}
	if a.score != b.score {
		return a.score < b.score
	}
	return a.seq < b.seq
}

func (r *ranking) add(b block) {
	h := r.blocks
	switch {
	case r.limit <= 0:
		r.blocks = append(h, b)
	case len(h) < r.limit:
		h = append(h, b)
		for i := len(h) - 1; i > 0; { // sift up: parents are worse than children
			parent := (i - 1) / 2
			if !r.less(&h[parent], &h[i]) {
				break
			}
			h[parent], h[i] = h[i], h[parent]
			i = parent
		}
		r.blocks = h
	case r.less(&b, &h[0]):
		h[0] = b
		for i := 0; ; { // sift down
			worst, l := i, 2*i+1
			if l < len(h) && r.less(&h[worst], &h[l]) {
				worst = l
			}
			if l+1 < len(h) && r.less(&h[worst], &h[l+1]) {
				worst = l + 1
			}
			if worst == i {
				break
			}
			h[i], h[worst] = h[worst], h[i]
			i = worst
		}
	}
}

// beaten reports whether no block of a section with this price and best
// score could be kept: the ranking is full and its worst block is better.
// Offers visits sections in the ranking's order, so from then on it can
// stop: the stadium's best 50 pairs are found in a few sections instead
// of walking all 211.
func (r *ranking) beaten(price, minScore int64) bool {
	if r.limit <= 0 || len(r.blocks) < r.limit {
		return false
	}
	worst := &r.blocks[0]
	if r.byPrice && price != worst.price {
		return price > worst.price
	}
	return minScore > worst.score
}

// sorted returns the kept blocks, best first.
func (r *ranking) sorted() []block {
	slices.SortFunc(r.blocks, func(a, b block) int {
		if r.less(&a, &b) {
			return -1
		}
		return 1 // no two blocks are equal: seq differs
	})
	return r.blocks
}

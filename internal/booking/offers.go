package booking

import (
	"context"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// Offer is a listing: exactly the seats a buyer would get ("You'll get 2
// seats together"), adjacent in one row, or a general-admission area.
//
// SeatFrom, SeatTo and SeatIDs are the block of Quantity seats, and
// Available is its size; RunFrom and RunTo are the run of adjacent free
// seats it lies in ("2 seats together between 1 and 4"). Before offers
// were exact blocks, a block was the whole run: a client that reads
// seat_from, seat_to and available as one block of free seats is still
// right. A general-admission offer has no row or seats, and Available is
// the area's free places.
type Offer struct {
	Section    string   `json:"section"`
	Row        *string  `json:"row"`
	SeatFrom   *int     `json:"seat_from"`
	SeatTo     *int     `json:"seat_to"`
	PriceCents int64    `json:"price_cents"`
	Available  int      `json:"available"`
	RunFrom    *int     `json:"run_from"`
	RunTo      *int     `json:"run_to"`
	SeatIDs    []string `json:"seat_ids,omitempty"`
	score      int64
}

// OfferQuery filters and orders offers.
type OfferQuery struct {
	Quantity                     int
	Sort                         string // "price" or "best"
	MinPriceCents, MaxPriceCents int64  // 0: no bound
	Section                      string
	Limit                        int // 0: every block
}

// Offers lists blocks of exactly Quantity adjacent available seats, and
// general-admission areas with at least Quantity free places, spread over
// sections and rows (see Snapshot.Offers).
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
	if q.MinPriceCents < 0 {
		f.Add("min_price_cents", "must not be negative")
	}
	if q.MaxPriceCents < 0 {
		f.Add("max_price_cents", "must not be negative")
	}
	if q.MinPriceCents > 0 && q.MaxPriceCents > 0 && q.MinPriceCents > q.MaxPriceCents {
		f.Add("min_price_cents", "must not be more than max_price_cents")
	}
	return f.Err()
}

// matches reports whether a section's price and name pass the filter.
func (q *OfferQuery) matches(sec *MapSection) bool {
	return (q.Section == "" || sec.Name == q.Section) &&
		(q.MaxPriceCents <= 0 || sec.PriceCents <= q.MaxPriceCents) && sec.PriceCents >= q.MinPriceCents
}

// gaScore ranks a general-admission offer after every block of seats of
// the same price: a GA place has no position to be scored by.
const gaScore = 1 << 62

// Offers lists offers like Service.Offers, from the snapshot.
//
// A row's offers are its runs of free seats cut into blocks of Quantity:
// the block with the lowest total score (the middle of the run, as a hold
// of best_available would take), then the blocks beside it, side by side
// (rankOffers, in offers_reference_test.go, spells the rules out). A
// listing of the best blocks alone would be one section's rows (scores
// rank sections first), or one price, so offers are chosen round by
// round: each row's best block before any row's second, and among those
// each section's best before any section's second; within a round by the
// ranking asked for. The chosen offers are then listed in that ranking.
//
// When at least Limit sections have a block, the offers are the Limit
// best sections' best blocks. That is the common case of a large venue,
// and it is found without the other blocks: sections are visited in the
// ranking's order, the best Limit kept in a heap, until a section cannot
// beat them; within a section rows are skipped that cannot beat its best
// block so far. The stadium's 50 offers take tens of microseconds.
// Otherwise (one section asked for, a small venue), when at least Limit
// rows have a block, the offers are the first round alone, and each row's
// best block is all that is ranked; failing that (or with no limit) every
// block is.
func (sn Snapshot) Offers(q OfferQuery) ([]Offer, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	var blocks []block
	if q.Limit > 0 {
		if blocks = sn.sectionBests(q); len(blocks) < q.Limit {
			blocks = sn.allBlocks(q, true)
		}
	}
	if q.Limit <= 0 || len(blocks) < q.Limit {
		blocks = sn.allBlocks(q, false)
	}
	return sn.offersOf(blocks), nil
}

// sectionBests returns the best block of each of the best q.Limit sections
// that have one, in ranking order; fewer if fewer sections have a block.
func (sn Snapshot) sectionBests(q OfferQuery) []block {
	idx := &sn.Plan.index
	r := ranking{byPrice: q.Sort == "price", limit: q.Limit}
	visit := idx.byScore
	if r.byPrice {
		visit = idx.byPrice
	}
	for _, si := range visit {
		sec, span := &sn.Plan.Map.Sections[si], idx.sections[si]
		if !q.matches(sec) {
			continue
		}
		bound := span.minScore // gaScore for a GA area
		if !sec.GeneralAdmission {
			bound *= int64(q.Quantity)
		}
		if r.beaten(sec.PriceCents, bound) {
			break // sections come in the ranking's order: no later one can do better
		}
		if b, ok := sn.sectionBest(si, q.Quantity); ok {
			r.add(b)
		}
	}
	return r.sorted()
}

// sectionBest returns the section's block of qty with the lowest score
// (the earliest in map order of equals), or false if it has none.
func (sn Snapshot) sectionBest(si, qty int) (block, bool) {
	idx := &sn.Plan.index
	sec, span := &sn.Plan.Map.Sections[si], idx.sections[si]
	if sec.GeneralAdmission {
		free := sn.available(span)
		return block{section: si, row: -1, n: free, score: gaScore, price: sec.PriceCents, seq: span.start}, free >= qty
	}
	var best block
	found := false
	for ri := span.rowLo; ri < span.rowHi; ri++ {
		rs := &idx.rows[ri]
		if found && int64(qty)*rs.minScore >= best.score {
			continue // no block here can beat it; a tie loses on map order
		}
		for i, j := sn.nextRun(rs, 0); i < rs.n; i, j = sn.nextRun(rs, j) {
			if j-i < qty {
				continue
			}
			start, sum := lowestWindow(idx.scores[rs.start+i:rs.start+j], qty)
			if !found || sum < best.score {
				best = block{section: si, row: rs.row, start: i + start, n: qty, runFrom: i, runTo: j,
					score: sum, price: sec.PriceCents, seq: rs.start + i + start}
				found = true
			}
		}
	}
	return best, found
}

// nextRun returns the next run of adjacent free seats in the row at or
// after seat index from, as seat indexes [i, j); i is rs.n when there is
// none. Seats are adjacent when their numbers are.
func (sn Snapshot) nextRun(rs *rowSpan, from int) (i, j int) {
	st := sn.Status
	if rs.run { // ids and numbers consecutive: the row's statuses are one slice of st
		row := st[rs.firstNo-1+int64(from) : rs.firstNo-1+int64(rs.n)]
		i = 0
		for i < len(row) && row[i] != StatusByteAvailable {
			i++
		}
		j = i
		for j < len(row) && row[j] == StatusByteAvailable {
			j++
		}
		return from + i, from + j
	}
	order := sn.Plan.order[rs.start : rs.start+rs.n]
	seats := sn.Plan.Map.Sections[rs.section].Rows[rs.row].Seats
	i = from
	for i < rs.n && st[order[i]-1] != StatusByteAvailable {
		i++
	}
	j = i
	if j < rs.n {
		j++
	}
	for j < rs.n && st[order[j]-1] == StatusByteAvailable && seats[j].Number == seats[j-1].Number+1 {
		j++
	}
	return i, j
}

// lowestWindow returns where in scores the qty adjacent places with the
// lowest total start (the first of equals), and that total.
func lowestWindow(scores []int64, qty int) (start int, sum int64) {
	for _, s := range scores[:qty] {
		sum += s
	}
	best := sum
	for k := qty; k < len(scores); k++ {
		sum += scores[k] - scores[k-qty]
		if sum < best {
			best, start = sum, k-qty+1
		}
	}
	return start, best
}

// offersOf writes blocks out as offers, building strings only now.
func (sn Snapshot) offersOf(blocks []block) []Offer {
	offers := make([]Offer, len(blocks))
	for i, b := range blocks {
		sec := &sn.Plan.Map.Sections[b.section]
		o := Offer{Section: sec.Name, PriceCents: b.price, Available: b.n, score: b.score}
		if b.row >= 0 {
			r := &sec.Rows[b.row]
			seats := r.Seats[b.start : b.start+b.n]
			o.Row, o.SeatFrom, o.SeatTo = optString(r.Name), optInt(seats[0].Number), optInt(seats[len(seats)-1].Number)
			o.RunFrom, o.RunTo = optInt(r.Seats[b.runFrom].Number), optInt(r.Seats[b.runTo-1].Number)
			o.SeatIDs = make([]string, len(seats))
			for k, ms := range seats {
				o.SeatIDs[k] = ms.ID
			}
		}
		offers[i] = o
	}
	return offers
}

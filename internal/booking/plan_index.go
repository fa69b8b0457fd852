package booking

import (
	"cmp"
	"encoding/json"
	"slices"
)

// planIndex is the seat plan laid out for the hot reads that run over a
// whole snapshot (offers, the encoded seat maps): flat arrays in map order
// instead of the nested SeatMap, so a pass over the stadium's 80,879 places
// touches a few hundred kilobytes instead of every Seat struct, and builds
// no string.
type planIndex struct {
	// scores[k] is the score of the k-th place in map order (Plan.order[k]).
	scores []int64
	// sections parallels Plan.Map.Sections; rows lists every reserved row
	// of every section in map order.
	sections []sectionSpan
	rows     []rowSpan
	// byPrice and byScore list section indexes by (price, best score) and
	// by best score: the orders in which offers visit sections, so that it
	// can stop looking once it holds enough sections' blocks that no later
	// section can beat.
	byPrice, byScore []int
}

// sectionSpan is one section's places in map order, order[start:start+n],
// and its rows, rows[rowLo:rowHi].
type sectionSpan struct {
	start, n     int
	rowLo, rowHi int
	// minScore is the best score of a place in the section (gaScore for a
	// general-admission area, whose offer is ranked by that).
	minScore int64
	// nameJSON is the section's name as a JSON string, escaped once.
	nameJSON []byte
}

// rowSpan is one reserved row's seats in map order, order[start:start+n].
type rowSpan struct {
	section  int
	row      int // index in Plan.Map.Sections[section].Rows
	start, n int
	// run is true when seat x of the row (0-based) has seat number
	// firstNo+x and number firstNumber+x, as catalog numbers every venue;
	// the compact seat map then needs no list of ids.
	run         bool
	firstNo     int64
	firstNumber int
	nameJSON    []byte
	// minScore is the best score of a seat in the row: a block of n of its
	// seats scores at least n times it, so offers can skip the row.
	minScore int64
}

// newPlanIndex lays out m, whose places are order in map order; seats are
// the plan's places by seat number.
func newPlanIndex(m SeatMap, order []int64, seats []Seat) planIndex {
	idx := planIndex{scores: make([]int64, len(order)), sections: make([]sectionSpan, len(m.Sections))}
	for k, no := range order {
		idx.scores[k] = seats[no-1].Score
	}
	k := 0
	for si, sec := range m.Sections {
		name, _ := json.Marshal(sec.Name)
		span := sectionSpan{start: k, n: sec.Capacity, rowLo: len(idx.rows), nameJSON: name}
		if sec.GeneralAdmission {
			k += sec.Capacity
		}
		for ri, r := range sec.Rows {
			name, _ := json.Marshal(r.Name)
			rs := rowSpan{section: si, row: ri, start: k, n: len(r.Seats), run: true, firstNo: order[k],
				firstNumber: r.Seats[0].Number, nameJSON: name}
			for x, ms := range r.Seats {
				if order[k+x] != rs.firstNo+int64(x) || ms.Number != rs.firstNumber+x {
					rs.run = false
				}
			}
			if rs.n > 0 {
				rs.minScore = slices.Min(idx.scores[k : k+rs.n])
			}
			idx.rows = append(idx.rows, rs)
			k += len(r.Seats)
		}
		span.rowHi = len(idx.rows)
		span.minScore = gaScore
		if !sec.GeneralAdmission && span.n > 0 {
			span.minScore = slices.Min(idx.scores[span.start : span.start+span.n])
		}
		idx.sections[si] = span
	}
	idx.byPrice, idx.byScore = make([]int, len(m.Sections)), make([]int, len(m.Sections))
	for i := range m.Sections {
		idx.byPrice[i], idx.byScore[i] = i, i
	}
	slices.SortStableFunc(idx.byPrice, func(a, b int) int {
		return cmp.Or(cmp.Compare(m.Sections[a].PriceCents, m.Sections[b].PriceCents), cmp.Compare(idx.sections[a].minScore, idx.sections[b].minScore))
	})
	slices.SortStableFunc(idx.byScore, func(a, b int) int { return cmp.Compare(idx.sections[a].minScore, idx.sections[b].minScore) })
	return idx
}

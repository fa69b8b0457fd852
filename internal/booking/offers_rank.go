package booking

import (
	"cmp"
	"slices"
)

// block is an offer before it is written out: seats start..start+n-1 of a
// row (indexes into its seats), within the run of free seats
// runFrom..runTo-1, or a GA section's free count, with row -1. score is
// the block's total; seq the map-order index of its first place, which
// breaks ties as map order always has. rowRank and secRank are its round
// (see Snapshot.Offers): its rank among its row's blocks, and among its
// section's blocks of that rowRank.
type block struct {
	section, row     int
	start, n         int
	runFrom, runTo   int
	score            int64
	price            int64
	seq              int
	rowRank, secRank int
}

// allBlocks ranks every block that matches q, round by round, and keeps
// the first q.Limit (all if none), in the order q asks for. With rowBests
// it ranks only each row's best block: when at least q.Limit rows have a
// block, the first round is all that is kept, and the blocks beside them
// need not be cut out and ranked.
func (sn Snapshot) allBlocks(q OfferQuery, rowBests bool) []block {
	p, idx := sn.Plan, &sn.Plan.index
	r := ranking{byPrice: q.Sort == "price", limit: q.Limit, rounds: true}
	var sec, row []block
	for si := range p.Map.Sections {
		ms, span := &p.Map.Sections[si], idx.sections[si]
		if !q.matches(ms) {
			continue
		}
		if ms.GeneralAdmission {
			if free := sn.available(span); free >= q.Quantity {
				r.add(block{section: si, row: -1, n: free, score: gaScore, price: ms.PriceCents, seq: span.start})
			}
			continue
		}
		sec = sec[:0]
		for ri := span.rowLo; ri < span.rowHi; ri++ {
			rs := &idx.rows[ri]
			row = row[:0]
			for i, j := sn.nextRun(rs, 0); i < rs.n; i, j = sn.nextRun(rs, j) {
				row = appendRunBlocks(row, idx.scores[rs.start:rs.start+rs.n], i, j, q.Quantity, rowBests,
					block{section: si, row: rs.row, price: ms.PriceCents, seq: rs.start})
			}
			slices.SortFunc(row, byScore)
			if rowBests && len(row) > 1 {
				row = row[:1]
			}
			for k := range row {
				row[k].rowRank = k
			}
			sec = append(sec, row...)
		}
		slices.SortFunc(sec, func(a, b block) int { return cmp.Or(cmp.Compare(a.rowRank, b.rowRank), byScore(a, b)) })
		for k := range sec {
			if k > 0 && sec[k].rowRank == sec[k-1].rowRank {
				sec[k].secRank = sec[k-1].secRank + 1
			}
			r.add(sec[k])
		}
	}
	r.rounds = false
	return r.sorted()
}

// appendRunBlocks cuts the run of free seats i..j-1 of a row (scores are
// the row's) into blocks of qty: the best window, then windows beside it
// on both sides while they fit. Leftover seats at the run's ends, fewer
// than qty, are in no block.
//
// With bestOnly it appends the best window alone.
func appendRunBlocks(out []block, scores []int64, i, j, qty int, bestOnly bool, proto block) []block {
	if j-i < qty {
		return out
	}
	best, _ := lowestWindow(scores[i:j], qty)
	first, last := i+best%qty, j // the leftmost window in step with the best, and where windows end
	if bestOnly {
		first, last = i+best, i+best+qty
	}
	rowSeq := proto.seq
	for s := first; s+qty <= last; s += qty {
		b := proto
		b.start, b.n, b.runFrom, b.runTo, b.seq = s, qty, i, j, rowSeq+s
		for _, sc := range scores[s : s+qty] {
			b.score += sc
		}
		out = append(out, b)
	}
	return out
}

func byScore(a, b block) int { return cmp.Or(cmp.Compare(a.score, b.score), cmp.Compare(a.seq, b.seq)) }

// ranking orders blocks as a query asks: by price if byPrice, then score,
// then map order; with rounds, by round (rowRank, then secRank) first.
// With a limit it keeps only the best limit blocks, in a heap whose root is
// the worst kept, so that most blocks or sections of a stadium cost one
// comparison and none is kept that will not be returned.
type ranking struct {
	byPrice bool
	rounds  bool
	limit   int
	blocks  []block
}

func (r *ranking) compare(a, b *block) int {
	if r.rounds && (a.rowRank != b.rowRank || a.secRank != b.secRank) {
		return cmp.Or(cmp.Compare(a.rowRank, b.rowRank), cmp.Compare(a.secRank, b.secRank))
	}
	if r.byPrice && a.price != b.price {
		return cmp.Compare(a.price, b.price)
	}
	return byScore(*a, *b)
}

func (r *ranking) less(a, b *block) bool { return r.compare(a, b) < 0 }

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

// beaten reports whether no block of a section with this price and lower
// bound on its blocks' scores could be kept: the ranking is full and its
// worst block is better. Sections are visited in the ranking's order, so
// from then on the visit can stop: the stadium's best 50 sections are
// found without walking all 211.
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
	slices.SortFunc(r.blocks, func(a, b block) int { return r.compare(&a, &b) })
	return r.blocks
}

package booking

import (
	"context"
	"slices"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// A batch's buyers share their best-available walks. The walk goes through
// free places from the best score down and stops at the first block that
// fits; late in an on-sale it steps over thousands of places first (single
// seats that pairs left behind, places in other buyers' holds). Walking
// again from the top for every buyer of a batch would step over them all
// again, so the walk is kept: the next buyer who asks for the same kind of
// block takes what the walk has already seen, or resumes it from where it
// stopped.

// walkKey identifies walks that one pass can serve: the same filter and
// the same block size.
type walkKey struct {
	eventID, sectionID, row string
	maxPriceCents           int64
	qty                     int
}

// walkMemo is one walk of a batch.
//
// When a walk stops, the places it saw hold exactly one block, in the row
// of the place it saw last: had another row held one, it would have
// stopped there earlier. Taking that block can leave a smaller one beside
// it in that row, and nowhere else, so the next buyer looks in that row
// first, then walks on.
type walkMemo struct {
	rows   map[int64]map[int]int64 // row key -> seat number in the row -> score, for places seen and not taken
	last   *FreePlace              // the last place seen; the walk resumes after it
	end    bool                    // the walk saw every free place
	locked bool                    // and passed over some that others had locked
}

// event returns the event's terms of sale (Tx.Event), read once per batch.
func (b *batch) event(ctx context.Context, tx Tx, id string) (catalog.Event, error) {
	if e, ok := b.events[id]; ok {
		return e, nil
	}
	e, err := tx.Event(ctx, id)
	if err != nil {
		return catalog.Event{}, err
	}
	b.events[id] = e
	return e, nil
}

// take records places claimed in the batch's transaction, so that no walk
// of the batch offers them again.
func (b *batch) take(seats []Seat) {
	for _, st := range seats {
		b.taken[st.No] = true
		for _, m := range b.walks {
			delete(m.rows[st.No-int64(st.Number)], st.Number)
		}
	}
}

// findBlock returns the seat numbers (No) of the best block of qty
// adjacent free places that match f, or nil if there is none.
func (b *batch) findBlock(ctx context.Context, tx Tx, eventID string, f FreeFilter, qty int, now time.Time) ([]int64, error) {
	key := walkKey{eventID: eventID, sectionID: f.SectionID, row: f.Row, maxPriceCents: f.MaxPriceCents, qty: qty}
	m := b.walks[key]
	if m == nil {
		m = &walkMemo{rows: map[int64]map[int]int64{}}
		b.walks[key] = m
	}
	if m.last != nil {
		if blk := bestInRow(m.rows[m.last.RowKey()], m.last.RowKey(), qty); blk != nil {
			return blk, nil
		}
	}
	if m.locked {
		return nil, ErrLockedCandidates
	}
	if m.end {
		return nil, nil
	}
	f.After = m.last
	var found []int64
	err := tx.WalkFree(ctx, eventID, f, now, func(p FreePlace) bool {
		if b.taken[p.No] {
			return true
		}
		row := m.rows[p.RowKey()]
		if row == nil {
			row = map[int]int64{}
			m.rows[p.RowKey()] = row
		}
		row[p.Number] = p.Score
		m.last = &p
		found = bestWindow(row, p.RowKey(), p.Number, qty)
		return found == nil
	})
	if found == nil && (err == nil || err == ErrLockedCandidates) {
		m.end, m.locked = true, err != nil
	}
	return found, err
}

// bestInRow returns the block of qty adjacent places in row (seat number
// -> score) with the lowest total score, or nil.
func bestInRow(row map[int]int64, rowKey int64, qty int) []int64 {
	if len(row) < qty {
		return nil
	}
	nums := make([]int, 0, len(row))
	for n := range row {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	bestStart, bestSum := 0, int64(-1)
	for i := 0; i+qty <= len(nums); i++ {
		if nums[i+qty-1]-nums[i] != qty-1 {
			continue // not adjacent: a gap inside the window
		}
		var sum int64
		for _, n := range nums[i : i+qty] {
			sum += row[n]
		}
		if bestSum < 0 || sum < bestSum {
			bestStart, bestSum = nums[i], sum
		}
	}
	if bestSum < 0 {
		return nil
	}
	out := make([]int64, 0, qty)
	for n := bestStart; n < bestStart+qty; n++ {
		out = append(out, rowKey+int64(n))
	}
	return out
}

package linz

import (
	"fmt"
	"strings"

	"github.com/anishathalye/porcupine"
)

// The small event's model: the whole event is one partition, because its
// holds take several places at once and its sales counts read them all.
// Places 0–3 are the row of four (numbers 1–4), 4–5 the standing floor.
//
//	hold exact  every seat asked for is free: all held (201); else 409
//	hold GA     q floor places are free: q of them held (201, which ones is
//	            the server's choice); fewer: 409
//	hold best   q adjacent free seats in the row: such a block held (201);
//	            none: 409
//	release     the hold's places are freed (204)
//	order       the hold's places are sold (201); declined: unchanged (402)
//	refund      the order's places are freed (200)
//	sales       capacity, available, held and sold are exactly the state's
//
// A client releases, orders and refunds only what it has, so a 409 there
// is a violation. An ambiguous write may or may not have happened.

// RowPlaces and FloorPlaces are the small event's layout.
const (
	RowPlaces   = 4
	FloorPlaces = 2
	places      = RowPlaces + FloorPlaces
)

// eventState is who has each place: 0 free, h+1 held by hold h, -(o+1)
// sold by order o.
type eventState [places]int32

type eventIn struct {
	kind   Kind
	mode   HoldMode
	qty    int
	places []int // exact hold: asked for; release, order, refund: the hold's or order's
	hold   int   // a hold's number; release and order: the hold
	order  int   // an order's number; refund: the order
}

type eventOut struct {
	res    Result
	places []int  // a hold's places
	sales  [4]int // capacity, available, held, sold
}

func (s eventState) counts() (free, held, sold int) {
	for _, p := range s {
		switch {
		case p == 0:
			free++
		case p > 0:
			held++
		default:
			sold++
		}
	}
	return
}

// all reports whether every place of ps is v in s.
func (s eventState) all(ps []int, v int32) bool {
	for _, p := range ps {
		if s[p] != v {
			return false
		}
	}
	return len(ps) > 0
}

func (s eventState) set(ps []int, v int32) eventState {
	for _, p := range ps {
		s[p] = v
	}
	return s
}

// choices are the sets of places a hold of in may get in s.
func (s eventState) choices(in eventIn) [][]int {
	var out [][]int
	switch in.mode {
	case Exact:
		if s.all(in.places, 0) {
			out = append(out, in.places)
		}
	case GA:
		var free []int
		for p := RowPlaces; p < places; p++ {
			if s[p] == 0 {
				free = append(free, p)
			}
		}
		subsets(free, in.qty, func(c []int) { out = append(out, c) })
	case Best:
		for start := 0; start+in.qty <= RowPlaces; start++ {
			blk := make([]int, in.qty)
			for i := range blk {
				blk[i] = start + i
			}
			if s.all(blk, 0) {
				out = append(out, blk)
			}
		}
	}
	return out
}

func subsets(from []int, k int, fn func([]int)) {
	var rec func(i int, acc []int)
	rec = func(i int, acc []int) {
		if len(acc) == k {
			fn(append([]int(nil), acc...))
			return
		}
		for j := i; j < len(from); j++ {
			rec(j+1, append(acc, from[j]))
		}
	}
	rec(0, nil)
}

func sameSet(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[int]bool{}
	for _, p := range a {
		seen[p] = true
	}
	for _, p := range b {
		if !seen[p] {
			return false
		}
	}
	return len(seen) == len(a)
}

// eventStep is the sequential specification of the small event.
func eventStep(s eventState, in eventIn, out eventOut) []eventState {
	held, sold := int32(in.hold+1), -int32(in.order+1)
	switch in.kind {
	case Hold:
		cs := s.choices(in)
		switch out.res {
		case OK:
			for _, c := range cs {
				if sameSet(c, out.places) {
					return []eventState{s.set(c, held)}
				}
			}
		case Conflict:
			if len(cs) == 0 {
				return []eventState{s}
			}
		case Ambiguous:
			next := []eventState{s}
			for _, c := range cs {
				next = append(next, s.set(c, held))
			}
			return next
		}
	case Release, Order, OrderDeclined:
		if !s.all(in.places, held) {
			if out.res == Ambiguous {
				return []eventState{s}
			}
			return nil
		}
		switch {
		case in.kind == OrderDeclined && (out.res == Declined || out.res == Ambiguous):
			return []eventState{s}
		case in.kind == Release && out.res == OK:
			return []eventState{s.set(in.places, 0)}
		case in.kind == Order && out.res == OK:
			return []eventState{s.set(in.places, sold)}
		case out.res == Ambiguous && in.kind == Release:
			return []eventState{s, s.set(in.places, 0)}
		case out.res == Ambiguous && in.kind == Order:
			return []eventState{s, s.set(in.places, sold)}
		}
	case Refund:
		switch {
		case s.all(in.places, sold) && out.res == OK:
			return []eventState{s.set(in.places, 0)}
		case s.all(in.places, sold) && out.res == Ambiguous:
			return []eventState{s, s.set(in.places, 0)}
		case out.res == Ambiguous:
			return []eventState{s}
		}
	case ReadSales:
		free, h, so := s.counts()
		if out.res == OK && out.sales == [4]int{places, free, h, so} {
			return []eventState{s}
		}
	}
	return nil
}

func (s eventState) String() string {
	parts := make([]string, places)
	for i, p := range s {
		switch {
		case p == 0:
			parts[i] = "free"
		case p > 0:
			parts[i] = fmt.Sprintf("h%d", p-1)
		default:
			parts[i] = fmt.Sprintf("o%d", -p-1)
		}
	}
	return "row [" + strings.Join(parts[:RowPlaces], " ") + "] floor [" + strings.Join(parts[RowPlaces:], " ") + "]"
}

// EventModel is the porcupine model of the small event: one partition.
func EventModel() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init: func() []interface{} { return []interface{}{eventState{}} },
		Step: func(state, input, output interface{}) []interface{} {
			next := eventStep(state.(eventState), input.(eventIn), output.(eventOut))
			out := make([]interface{}, len(next))
			for i, s := range next {
				out[i] = s
			}
			return out
		},
		Hash: func(state interface{}) uint64 {
			var h uint64 = 14695981039346656037
			for _, p := range state.(eventState) {
				h = (h ^ uint64(uint32(p))) * 1099511628211
			}
			return h
		},
		DescribeOperation: func(input, output interface{}) string {
			in, out := input.(eventIn), output.(eventOut)
			switch in.kind {
			case Hold:
				return fmt.Sprintf("hold h%d %v q%d %v -> %s %v", in.hold, [...]string{"exact", "ga", "best"}[in.mode], in.qty, in.places, out.res, out.places)
			case ReadSales:
				return fmt.Sprintf("sales -> %v", out.sales)
			case Refund:
				return fmt.Sprintf("refund o%d %v -> %s", in.order, in.places, out.res)
			}
			return fmt.Sprintf("%s h%d %v -> %s", in.kind, in.hold, in.places, out.res)
		},
		DescribeState: func(state interface{}) string { return state.(eventState).String() },
	}
	return nm.ToModel()
}

// EventOperations turns the small event's recorded ops into porcupine
// operations. The row's seats are places 0–3 in row order; floor places
// are numbered 4 and 5 as their ids first appear.
func EventOperations(h *History) ([]porcupine.Operation, error) {
	place := map[string]int{}
	for i, s := range h.SmallRow {
		place[s] = i
	}
	nextFloor := RowPlaces
	toPlaces := func(ids []string) ([]int, error) {
		out := make([]int, len(ids))
		for i, id := range ids {
			p, ok := place[id]
			if !ok {
				if nextFloor == places {
					return nil, fmt.Errorf("place %s: more places than the small event has", id)
				}
				p = nextFloor
				place[id] = p
				nextFloor++
			}
			out[i] = p
		}
		return out, nil
	}
	holds := map[string]int{}
	orders := map[string]int{}
	var ops []porcupine.Operation
	nHold, nOrder := 0, 0
	for _, o := range h.Ops {
		if o.Event != "small" {
			continue
		}
		if o.Kind == ReadSales && o.Result != OK {
			continue
		}
		in := eventIn{kind: o.Kind, mode: o.Mode, qty: o.Qty, hold: -1, order: -1}
		out := eventOut{res: o.Result, sales: o.Sales}
		var err error
		if in.places, err = toPlaces(o.Seats); err != nil {
			return nil, err
		}
		switch o.Kind {
		case Hold:
			in.hold = nHold
			nHold++
			if o.Result == OK {
				holds[o.GotHold] = in.hold
				if out.places, err = toPlaces(o.GotSeats); err != nil {
					return nil, err
				}
			}
		case Release, Order, OrderDeclined:
			n, ok := holds[o.HoldID]
			if !ok {
				return nil, fmt.Errorf("%s of hold %s, which no client was given", o.Kind, o.HoldID)
			}
			in.hold = n
			if o.Kind == Order {
				in.order = nOrder
				nOrder++
				if o.Result == OK {
					orders[o.GotOrder] = in.order
				}
			}
		case Refund:
			n, ok := orders[o.OrderID]
			if !ok {
				return nil, fmt.Errorf("refund of order %s, which no client was given", o.OrderID)
			}
			in.order = n
		case ReadSales:
		default:
			continue
		}
		ops = append(ops, porcupine.Operation{ClientId: o.Client, Input: in, Output: out, Call: o.Call, Return: o.Return})
	}
	return ops, nil
}

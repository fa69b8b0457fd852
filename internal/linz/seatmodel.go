package linz

import (
	"fmt"
	"hash/maphash"

	"github.com/anishathalye/porcupine"
)

// The seats event's model: one partition per seat, since every hold there
// is of one exact seat and every release, order, refund and read acts on
// one such hold (or its order). A seat's state is who has it, plus the
// status of every hold and order ever made on it:
//
//	hold    a free seat is held (201), a taken one is not (409 seats_unavailable)
//	release an active hold frees its seat (204); a released one again is 204;
//	        a converted one is 409 hold_not_active
//	order   an active hold becomes a paid order and its seat is sold (201);
//	        released or converted is 409 hold_not_active
//	declined an active hold stays active (402); released or converted is 409
//	refund  a paid order is refunded and its seat freed (200); refunded again
//	        is 200 and changes nothing
//	reads   a hold reads active, released or converted (with that hold's
//	        order), an order paid or refunded, exactly as the state says
//
// An ambiguous write (a 5xx, no response) may or may not have happened:
// the model steps to both states. Holds and orders are numbered per seat
// in the order of the history, so that a state is small and comparable.

// seatState is a seat's state. seat is 0 when free, h+1 when held by hold
// h, -(o+1) when sold by order o; holds and orders have a byte per hold
// and order: '-' not yet, 'a' active, 'r' released, 'c' converted; 'p'
// paid, 'R' refunded.
type seatState struct {
	seat          int32
	holds, orders string
}

// seatIn is an operation's input, with the seat's local numbers.
type seatIn struct {
	part  int
	kind  Kind
	hold  int // release, order, read-hold: the hold; a hold: its number (also when ambiguous)
	order int // refund, read-order: the order; an order: its number (also when ambiguous)
	label string
}

// seatOut is an operation's output.
type seatOut struct {
	res    Result
	status string // reads
	// orderHold is, for a read of a converted hold, the hold of the order
	// the read named (-1 if no client ever saw that order made).
	orderHold int
}

func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return '-'
}

func with(s string, i int, c byte) string {
	b := []byte(s)
	for len(b) <= i {
		b = append(b, '-')
	}
	b[i] = c
	return string(b)
}

// seatStep is the sequential specification of one seat.
func seatStep(st seatState, in seatIn, out seatOut) []seatState {
	if out.res == Ambiguous {
		next := []seatState{st}
		if done, ok := seatEffect(st, in); ok {
			next = append(next, done)
		}
		return next
	}
	switch in.kind {
	case Hold:
		switch out.res {
		case OK:
			if st.seat == 0 && at(st.holds, in.hold) == '-' {
				return []seatState{{int32(in.hold + 1), with(st.holds, in.hold, 'a'), st.orders}}
			}
		case Conflict:
			if st.seat != 0 {
				return []seatState{st}
			}
		}
	case Release:
		switch h := at(st.holds, in.hold); {
		case out.res == OK && h == 'a':
			next, _ := seatEffect(st, in)
			return []seatState{next}
		case out.res == OK && h == 'r', out.res == Conflict && h == 'c':
			return []seatState{st}
		}
	case Order:
		switch h := at(st.holds, in.hold); {
		case out.res == OK && h == 'a' && at(st.orders, in.order) == '-':
			next, _ := seatEffect(st, in)
			return []seatState{next}
		case out.res == Conflict && (h == 'r' || h == 'c'):
			return []seatState{st}
		}
	case OrderDeclined:
		switch h := at(st.holds, in.hold); {
		case out.res == Declined && h == 'a', out.res == Conflict && (h == 'r' || h == 'c'):
			return []seatState{st}
		}
	case Refund:
		switch at(st.orders, in.order) {
		case 'p':
			if out.res == OK {
				next, _ := seatEffect(st, in)
				return []seatState{next}
			}
		case 'R':
			if out.res == OK {
				return []seatState{st}
			}
		}
	case ReadHold:
		want := map[byte]string{'a': "active", 'r': "released", 'c': "converted"}[at(st.holds, in.hold)]
		if out.res == OK && out.status == want && (want != "converted" || out.orderHold == in.hold) {
			return []seatState{st}
		}
	case ReadOrder:
		want := map[byte]string{'p': "paid", 'R': "refunded"}[at(st.orders, in.order)]
		if out.res == OK && want != "" && out.status == want {
			return []seatState{st}
		}
	}
	return nil
}

// seatEffect is the state after a write that took effect, and whether it
// could take effect in st at all.
func seatEffect(st seatState, in seatIn) (seatState, bool) {
	switch in.kind {
	case Hold:
		if st.seat == 0 && at(st.holds, in.hold) == '-' {
			return seatState{int32(in.hold + 1), with(st.holds, in.hold, 'a'), st.orders}, true
		}
	case Release:
		if at(st.holds, in.hold) == 'a' {
			return seatState{0, with(st.holds, in.hold, 'r'), st.orders}, true
		}
	case Order:
		if at(st.holds, in.hold) == 'a' && at(st.orders, in.order) == '-' {
			return seatState{-int32(in.order + 1), with(st.holds, in.hold, 'c'), with(st.orders, in.order, 'p')}, true
		}
	case Refund:
		if at(st.orders, in.order) == 'p' {
			seat := st.seat
			if seat == -int32(in.order+1) {
				seat = 0
			}
			return seatState{seat, st.holds, with(st.orders, in.order, 'R')}, true
		}
	}
	return st, false
}

var seatSeed = maphash.MakeSeed()

// SeatModel is the porcupine model of the seats event, partitioned by seat.
func SeatModel() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			parts := map[int][]porcupine.Operation{}
			max := -1
			for _, op := range history {
				p := op.Input.(seatIn).part
				parts[p] = append(parts[p], op)
				if p > max {
					max = p
				}
			}
			var out [][]porcupine.Operation
			for p := 0; p <= max; p++ {
				if len(parts[p]) > 0 {
					out = append(out, parts[p])
				}
			}
			return out
		},
		Init: func() []interface{} { return []interface{}{seatState{}} },
		Step: func(state, input, output interface{}) []interface{} {
			next := seatStep(state.(seatState), input.(seatIn), output.(seatOut))
			out := make([]interface{}, len(next))
			for i, s := range next {
				out[i] = s
			}
			return out
		},
		Hash: func(state interface{}) uint64 {
			s := state.(seatState)
			var h maphash.Hash
			h.SetSeed(seatSeed)
			fmt.Fprintf(&h, "%d|%s|%s", s.seat, s.holds, s.orders)
			return h.Sum64()
		},
		DescribeOperation: func(input, output interface{}) string {
			in, out := input.(seatIn), output.(seatOut)
			s := fmt.Sprintf("%s %s -> %s", in.kind, in.label, out.res)
			if out.status != "" {
				s += " " + out.status
			}
			return s
		},
		DescribeState: func(state interface{}) string {
			s := state.(seatState)
			who := "free"
			switch {
			case s.seat > 0:
				who = fmt.Sprintf("held by h%d", s.seat-1)
			case s.seat < 0:
				who = fmt.Sprintf("sold by o%d", -s.seat-1)
			}
			return fmt.Sprintf("%s; holds %s; orders %s", who, s.holds, s.orders)
		},
	}
	return nm.ToModel()
}

// SeatOperations turns the seats event's recorded ops into porcupine
// operations: one partition per seat, holds and orders numbered within
// their seat. Reads that got no answer assert nothing and are left out.
func SeatOperations(h *History) ([]porcupine.Operation, error) {
	part := map[string]int{}
	for i, s := range h.Seats {
		part[s] = i
	}
	type ref struct{ part, n int }
	holds := map[string]ref{}  // hold id -> seat, number
	orders := map[string]ref{} // order id -> seat, number
	orderHold := map[string]int{}
	num := map[int]int{} // op index -> the number of the hold or order it made
	nextHold, nextOrder := map[int]int{}, map[int]int{}
	// Number the holds and orders first: a read's output may name an
	// order whose creation returned later.
	for i, o := range h.Ops {
		if o.Event != "seats" || o.Result != OK && o.Result != Ambiguous {
			continue
		}
		switch o.Kind {
		case Hold:
			p, ok := part[o.Seat]
			if !ok {
				return nil, fmt.Errorf("hold of seat %s, not a seat of the event", o.Seat)
			}
			num[i] = nextHold[p]
			nextHold[p]++
			if o.Result == OK {
				holds[o.GotHold] = ref{p, num[i]}
			}
		case Order:
			hr, ok := holds[o.HoldID]
			if !ok {
				return nil, fmt.Errorf("order of hold %s, which no client was given", o.HoldID)
			}
			num[i] = nextOrder[hr.part]
			nextOrder[hr.part]++
			if o.Result == OK {
				orders[o.GotOrder] = ref{hr.part, num[i]}
				orderHold[o.GotOrder] = hr.n
			}
		}
	}
	var ops []porcupine.Operation
	for i, o := range h.Ops {
		if o.Event != "seats" || o.Kind == ReadSeatMap || (o.Kind == ReadHold || o.Kind == ReadOrder) && o.Result != OK {
			continue
		}
		in := seatIn{kind: o.Kind, hold: -1, order: -1}
		out := seatOut{res: o.Result, status: o.ReadStatus, orderHold: -1}
		switch o.Kind {
		case Hold:
			in.part = part[o.Seat]
			in.label = "(none)"
			if n, ok := num[i]; ok {
				in.hold = n
				in.label = fmt.Sprintf("h%d", n)
			}
		case Release, Order, OrderDeclined, ReadHold:
			hr, ok := holds[o.HoldID]
			if !ok {
				return nil, fmt.Errorf("%s of hold %s, which no client was given", o.Kind, o.HoldID)
			}
			in.part, in.hold = hr.part, hr.n
			in.label = fmt.Sprintf("h%d", hr.n)
			if n, ok := num[i]; ok && o.Kind == Order {
				in.order = n
				in.label += fmt.Sprintf(" (o%d)", n)
			}
			if o.Kind == ReadHold && o.ReadStatus == "converted" {
				if n, ok := orderHold[o.GotOrder]; ok {
					out.orderHold = n
				}
			}
		case Refund, ReadOrder:
			or, ok := orders[o.OrderID]
			if !ok {
				return nil, fmt.Errorf("%s of order %s, which no client was given", o.Kind, o.OrderID)
			}
			in.part, in.order = or.part, or.n
			in.label = fmt.Sprintf("o%d", or.n)
		default:
			continue
		}
		in.label = fmt.Sprintf("%s, seat %s", in.label, h.Seats[in.part])
		ops = append(ops, porcupine.Operation{ClientId: o.Client, Input: in, Output: out, Call: o.Call, Return: o.Return})
	}
	return ops, nil
}

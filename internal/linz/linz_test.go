package linz

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// ops builds a history from the seats event's point of view: seat ids
// "1" and "2".
func seatHistory(ops ...Op) *History {
	for i := range ops {
		if ops[i].Event == "" {
			ops[i].Event = "seats"
		}
	}
	return &History{Ops: ops, Seats: []string{"1", "2"}, SmallRow: []string{"r1", "r2", "r3", "r4"}}
}

func check(t *testing.T, h *History) porcupine.CheckResult {
	t.Helper()
	res, err := Check(h, 10*time.Second, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("%d checks, want 1", len(res))
	}
	return res[0].Result
}

func TestSeatModel(t *testing.T) {
	t.Parallel()
	holdA := Op{Client: 0, Kind: Hold, Seat: "1", Call: 0, Return: 10, Result: OK, GotHold: "hA"}
	for _, tc := range []struct {
		name string
		h    *History
		want porcupine.CheckResult
	}{
		{"one of two concurrent holds wins", seatHistory(holdA,
			Op{Client: 1, Kind: Hold, Seat: "1", Call: 5, Return: 15, Result: Conflict}), porcupine.Ok},
		{"a conflict that came first", seatHistory(holdA,
			Op{Client: 1, Kind: Hold, Seat: "1", Call: -5, Return: -1, Result: Conflict}), porcupine.Illegal},
		{"two holds of one seat", seatHistory(holdA,
			Op{Client: 1, Kind: Hold, Seat: "1", Call: 20, Return: 30, Result: OK, GotHold: "hB"}), porcupine.Illegal},
		{"other seats are independent", seatHistory(holdA,
			Op{Client: 1, Kind: Hold, Seat: "2", Call: 20, Return: 30, Result: OK, GotHold: "hB"}), porcupine.Ok},
		{"released, then held by another", seatHistory(holdA,
			Op{Client: 0, Kind: Release, Seat: "1", HoldID: "hA", Call: 20, Return: 30, Result: OK},
			Op{Client: 1, Kind: Hold, Seat: "1", Call: 40, Return: 50, Result: OK, GotHold: "hB"}), porcupine.Ok},
		{"a release not seen by a later hold", seatHistory(holdA,
			Op{Client: 0, Kind: Release, Seat: "1", HoldID: "hA", Call: 20, Return: 30, Result: OK},
			Op{Client: 1, Kind: Hold, Seat: "1", Call: 40, Return: 50, Result: Conflict}), porcupine.Illegal},
		{"sold, refunded, read", seatHistory(holdA,
			Op{Client: 0, Kind: OrderDeclined, Seat: "1", HoldID: "hA", Call: 11, Return: 12, Result: Declined},
			Op{Client: 0, Kind: Order, Seat: "1", HoldID: "hA", Call: 20, Return: 30, Result: OK, GotOrder: "oA"},
			Op{Client: 1, Kind: Hold, Seat: "1", Call: 31, Return: 32, Result: Conflict},
			Op{Client: 0, Kind: ReadHold, Seat: "1", HoldID: "hA", Call: 33, Return: 34, Result: OK, ReadStatus: "converted", GotOrder: "oA"},
			Op{Client: 0, Kind: Release, Seat: "1", HoldID: "hA", Call: 35, Return: 36, Result: Conflict},
			Op{Client: 0, Kind: Refund, Seat: "1", OrderID: "oA", Call: 40, Return: 50, Result: OK},
			Op{Client: 0, Kind: ReadOrder, Seat: "1", OrderID: "oA", Call: 51, Return: 52, Result: OK, ReadStatus: "refunded"},
			Op{Client: 1, Kind: Hold, Seat: "1", Call: 60, Return: 70, Result: OK, GotHold: "hB"},
			Op{Client: 0, Kind: ReadHold, Seat: "1", HoldID: "hA", Call: 71, Return: 72, Result: OK, ReadStatus: "converted", GotOrder: "oA"}), porcupine.Ok},
		{"a read of a paid order that says refunded", seatHistory(holdA,
			Op{Client: 0, Kind: Order, Seat: "1", HoldID: "hA", Call: 20, Return: 30, Result: OK, GotOrder: "oA"},
			Op{Client: 0, Kind: ReadOrder, Seat: "1", OrderID: "oA", Call: 31, Return: 32, Result: OK, ReadStatus: "refunded"}), porcupine.Illegal},
		{"a stale hold read after its release", seatHistory(holdA,
			Op{Client: 0, Kind: Release, Seat: "1", HoldID: "hA", Call: 20, Return: 30, Result: OK},
			Op{Client: 0, Kind: ReadHold, Seat: "1", HoldID: "hA", Call: 31, Return: 32, Result: OK, ReadStatus: "active"}), porcupine.Illegal},
		{"an ambiguous hold may have taken the seat", seatHistory(
			Op{Client: 0, Kind: Hold, Seat: "1", Call: 0, Return: Never, Result: Ambiguous},
			Op{Client: 1, Kind: Hold, Seat: "1", Call: 20, Return: 30, Result: Conflict}), porcupine.Ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := check(t, tc.h); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func smallHistory(ops ...Op) *History {
	for i := range ops {
		ops[i].Event = "small"
	}
	return &History{Ops: ops, SmallRow: []string{"r1", "r2", "r3", "r4"}}
}

func TestEventModel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		h    *History
		want porcupine.CheckResult
	}{
		{"the floor's two places, then a conflict, then the sales", smallHistory(
			Op{Client: 0, Kind: Hold, Mode: GA, Qty: 2, Call: 0, Return: 10, Result: OK, GotHold: "h1", GotSeats: []string{"f1", "f2"}},
			Op{Client: 1, Kind: Hold, Mode: GA, Qty: 1, Call: 20, Return: 30, Result: Conflict},
			Op{Client: 1, Kind: Hold, Mode: Best, Qty: 2, Call: 20, Return: 30, Result: OK, GotHold: "h2", GotSeats: []string{"r2", "r3"}},
			Op{Client: 1, Kind: Hold, Mode: Best, Qty: 2, Call: 31, Return: 32, Result: Conflict},
			Op{Client: 0, Kind: Order, Seats: []string{"f1", "f2"}, HoldID: "h1", Call: 40, Return: 50, Result: OK, GotOrder: "o1"},
			Op{Client: 2, Kind: ReadSales, Call: 51, Return: 52, Result: OK, Sales: [4]int{6, 2, 2, 2}},
			Op{Client: 0, Kind: Refund, Seats: []string{"f1", "f2"}, OrderID: "o1", Call: 60, Return: 70, Result: OK},
			Op{Client: 2, Kind: ReadSales, Call: 71, Return: 72, Result: OK, Sales: [4]int{6, 4, 2, 0}}), porcupine.Ok},
		{"a third floor place", smallHistory(
			Op{Client: 0, Kind: Hold, Mode: GA, Qty: 2, Call: 0, Return: 10, Result: OK, GotHold: "h1", GotSeats: []string{"f1", "f2"}},
			Op{Client: 1, Kind: Hold, Mode: GA, Qty: 1, Call: 20, Return: 30, Result: OK, GotHold: "h2", GotSeats: []string{"f1"}}), porcupine.Illegal},
		{"best available refused while a pair was free", smallHistory(
			Op{Client: 0, Kind: Hold, Mode: Exact, Qty: 2, Seats: []string{"r1", "r3"}, Call: 0, Return: 10, Result: OK, GotHold: "h1", GotSeats: []string{"r1", "r3"}},
			Op{Client: 1, Kind: Hold, Mode: Best, Qty: 1, Call: 20, Return: 30, Result: Conflict}), porcupine.Illegal},
		{"sales that miss a hold", smallHistory(
			Op{Client: 0, Kind: Hold, Mode: Exact, Qty: 1, Seats: []string{"r1"}, Call: 0, Return: 10, Result: OK, GotHold: "h1", GotSeats: []string{"r1"}},
			Op{Client: 2, Kind: ReadSales, Call: 11, Return: 12, Result: OK, Sales: [4]int{6, 6, 0, 0}}), porcupine.Illegal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := check(t, tc.h); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCheckSeatMaps(t *testing.T) {
	t.Parallel()
	h := seatHistory(
		Op{Kind: Hold, Seat: "1", Call: 0, Return: 10, Result: OK, GotHold: "hA"},
		Op{Kind: Release, Seat: "1", HoldID: "hA", Call: 100, Return: 110, Result: OK, Effective: true},
		// Shows the hold 190 ns after the release returned.
		Op{Kind: ReadSeatMap, Call: 300, Return: 310, Result: OK, SeatMap: map[string]string{"1": "held", "2": "available"}},
		// Fresh: the release may not have happened yet.
		Op{Kind: ReadSeatMap, Call: 105, Return: 106, Result: OK, SeatMap: map[string]string{"1": "held"}},
	)
	if r := CheckSeatMaps(h, 200); len(r.Violations) != 0 || r.MaxLag != 190 || r.Stale != 1 || r.Observations != 3 {
		t.Errorf("bound 200ns: %+v, want one observation 190ns stale and no violation", r)
	}
	if r := CheckSeatMaps(h, 100); len(r.Violations) != 1 {
		t.Errorf("bound 100ns: %+v, want the stale observation flagged", r)
	}
	h.Ops = append(h.Ops, Op{Event: "seats", Kind: ReadSeatMap, Call: 400, Return: 410, Result: OK, SeatMap: map[string]string{"2": "sold"}})
	if r := CheckSeatMaps(h, time.Hour); len(r.Violations) != 1 {
		t.Errorf("a seat shown sold that never was: %+v, want a violation", r)
	}
}

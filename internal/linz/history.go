// Package linz records what concurrent clients of a running Boxoffice see
// and checks it: the writes and the reads that the database answers are
// checked for linearizability with porcupine against a sequential model
// of an event's seats, and the seat map, which is served from a snapshot
// on purpose, against a bounded-staleness rule.
//
// A run (Run) drives two events over real HTTP:
//
//   - the seats event, whose every hold is of one exact seat, so that its
//     history partitions by seat (SeatModel): holds, releases, orders
//     (paid and declined), refunds, and the owner's reads of its holds
//     and orders; plus seat-map reads, checked by CheckSeatMaps;
//   - the small event (six places: a row of four and a standing floor of
//     two), whose holds take several places at once (exact pairs, general
//     admission, best available) and whose admin reads the sales counts:
//     one partition, the whole event (EventModel).
//
// Each client is one buyer and acts only on its own holds and orders,
// one request at a time; the concurrency that matters is between buyers
// competing for the same seats, across server instances.
package linz

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Kind is what an operation did.
type Kind int

// The operations a client performs.
const (
	Hold          Kind = iota // POST /events/{id}/holds
	Release                   // DELETE /holds/{id}
	Order                     // POST /orders with tok_visa
	OrderDeclined             // POST /orders with tok_chargeDeclined
	Refund                    // POST /orders/{id}/refund (admin)
	ReadHold                  // GET /holds/{id}
	ReadOrder                 // GET /orders/{id}
	ReadSales                 // GET /admin/events/{id}/sales
	ReadSeatMap               // GET /events/{id}/seats (bounded staleness, not porcupine)
)

var kindNames = [...]string{"hold", "release", "order", "order-declined", "refund", "read-hold", "read-order", "read-sales", "read-seat-map"}

func (k Kind) String() string { return kindNames[k] }

// Result is how an operation ended, as the model sees it.
type Result int

// Results. Ambiguous is a 5xx or a lost response: the operation may or
// may not have taken effect, at any time after it was called.
const (
	OK        Result = iota
	Conflict         // 409 seats_unavailable, hold_not_active or conflict
	Declined         // 402 payment_declined
	Ambiguous        // 5xx or no response
)

var resultNames = [...]string{"ok", "conflict", "declined", "ambiguous"}

func (r Result) String() string { return resultNames[r] }

// HoldMode is how a hold names its places (the small event).
type HoldMode int

// Hold modes.
const (
	Exact HoldMode = iota // seat_ids
	GA                    // section and quantity
	Best                  // best_available and quantity
)

// Never is the return time of an operation that never got an answer.
const Never = math.MaxInt64 / 2

// Op is one recorded request. Times are nanoseconds since the run began,
// on one monotonic clock, taken just before the request was sent and just
// after its response was read.
type Op struct {
	Client       int
	Event        string // "seats" or "small"
	Kind         Kind
	Call, Return int64
	Instance     int // which server answered

	// Inputs.
	Seat    string   // the seats event: the one seat of the hold
	Seats   []string // the small event: exact seats asked for, or the hold's or order's seats
	Mode    HoldMode
	Qty     int
	HoldID  string // release, order, read-hold
	OrderID string // refund, read-order
	// Effective is the client's own knowledge that the write changes the
	// seat (a release of an active hold, a first refund): only for the
	// seat-map check, which needs to know when a seat changed.
	Effective bool

	// Outputs.
	Status     int
	Code       string
	Result     Result
	GotHold    string   // a hold's id
	GotSeats   []string // a hold's seats
	GotOrder   string   // an order's id (order), or a converted hold's (read-hold)
	ReadStatus string   // read-hold, read-order
	Sales      [4]int   // capacity, available, held, sold
	SeatMap    map[string]string

	unexpected bool
}

func (o Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client %d %s/%s", o.Client, o.Event, o.Kind)
	if o.Seat != "" {
		fmt.Fprintf(&b, " seat %s", o.Seat)
	}
	if len(o.Seats) > 0 {
		fmt.Fprintf(&b, " seats %v", o.Seats)
	}
	if o.Kind == Hold && o.Event == "small" {
		fmt.Fprintf(&b, " mode %d qty %d", o.Mode, o.Qty)
	}
	if o.HoldID != "" {
		fmt.Fprintf(&b, " hold %s", o.HoldID)
	}
	if o.OrderID != "" {
		fmt.Fprintf(&b, " order %s", o.OrderID)
	}
	fmt.Fprintf(&b, " [%.3fms, %.3fms] on instance %d -> %d %s (%s)", float64(o.Call)/1e6, float64(o.Return)/1e6, o.Instance, o.Status, o.Code, o.Result)
	if o.GotHold != "" {
		fmt.Fprintf(&b, " hold %s", o.GotHold)
	}
	if len(o.GotSeats) > 0 {
		fmt.Fprintf(&b, " seats %v", o.GotSeats)
	}
	if o.GotOrder != "" {
		fmt.Fprintf(&b, " order %s", o.GotOrder)
	}
	if o.ReadStatus != "" {
		fmt.Fprintf(&b, " status %s", o.ReadStatus)
	}
	if o.Kind == ReadSales {
		fmt.Fprintf(&b, " sales %v", o.Sales)
	}
	return b.String()
}

// History is everything a run recorded.
type History struct {
	Ops []Op
	// Unexpected are answers the workload never provokes (say a 429, a
	// 422 or ticket_limit_exceeded): they changed nothing, so they are
	// left out of the checks, but a run that has any is not clean.
	Unexpected []Op
	// SmallRow are the small event's reserved seats, in row order, and
	// the seats event's seat ids.
	SmallRow, Seats []string
}

// Counts tallies ops by event, kind and result, for the log: a check
// that passes says how much it passed on.
func (h *History) Counts() string {
	m := map[string]int{}
	for _, o := range h.Ops {
		m[fmt.Sprintf("%s %s %s", o.Event, o.Kind, o.Result)]++
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-40s %7d\n", k, m[k])
	}
	return b.String()
}

// Count is how many ops of event and kind ended with r.
func (h *History) Count(event string, k Kind, r Result) int {
	n := 0
	for _, o := range h.Ops {
		if o.Event == event && o.Kind == k && o.Result == r {
			n++
		}
	}
	return n
}

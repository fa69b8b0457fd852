package linz

import (
	"fmt"
	"sort"
	"time"
)

// Seat maps are served from a snapshot that each server re-reads about
// every 250 ms and serves for at most four times that age
// (docs/api-extensions.md, "How fresh seat maps and offers are"), so a
// seat-map read is not linearizable, by design. What it promises is
// bounded staleness: each seat's status is one the seat had at some
// moment in [call − bound, return] of the read.
//
// The check asks, for each seat of each read, when the status shown could
// last have been current. A successful write w (hold: held; order: sold;
// release of an active hold and first refund: available) took effect at
// some moment in its interval [call_w, return_w]; it can be the seat's
// last write at time t only if call_w ≤ t and no write that surely came
// after it (one called after w returned) had surely happened by t (had
// returned before t). So w's status is possibly current during
// [call_w, end_w], where end_w is the earliest return of a write called
// after w returned. The seat's initial status (available) is possibly
// current until the first return of any write. A read that showed status
// X at [c, r] is lagging by c − max{end_w : w gives X, call_w ≤ r} when
// that is positive; it is fresh when one such window meets [c, r]. An
// ambiguous write counts as a write that may have happened at any time
// after its call. This never faults a read that a linearizable history
// with bounded-stale snapshots could give; it may miss some that one
// could not.

// StalenessReport is what CheckSeatMaps found.
type StalenessReport struct {
	Reads, Observations int           // seat-map reads, seats checked in them
	Stale               int           // observations that were not fresh
	MaxLag              time.Duration // the largest lag seen
	Violations          []string      // observations lagging more than the bound, or never possible
}

type seatWrite struct {
	call, ret int64
	status    string
}

// CheckSeatMaps checks the seats event's seat-map reads against bound.
func CheckSeatMaps(h *History, bound time.Duration) StalenessReport {
	writes := map[string][]seatWrite{}
	for _, o := range h.Ops {
		if o.Event != "seats" || (o.Result != OK && o.Result != Ambiguous) {
			continue
		}
		ret := o.Return
		if o.Result == Ambiguous {
			ret = Never
		}
		var status string
		switch {
		case o.Kind == Hold:
			status = "held"
		case o.Kind == Order:
			status = "sold"
		case (o.Kind == Release || o.Kind == Refund) && o.Effective:
			status = "available"
		default:
			continue
		}
		writes[o.Seat] = append(writes[o.Seat], seatWrite{o.Call, ret, status})
	}
	// Each write's window end: the earliest return of a write called after
	// it returned.
	type window struct {
		from, to int64
		status   string
	}
	windows := map[string][]window{}
	for seat, ws := range writes {
		first := int64(Never)
		for _, w := range ws {
			first = min(first, w.ret)
		}
		win := []window{{-Never, first, "available"}}
		sort.Slice(ws, func(i, j int) bool { return ws[i].call < ws[j].call })
		minRet := make([]int64, len(ws)+1) // minRet[i]: earliest return of ws[i:]
		minRet[len(ws)] = Never
		for i := len(ws) - 1; i >= 0; i-- {
			minRet[i] = min(minRet[i+1], ws[i].ret)
		}
		for _, w := range ws {
			after := sort.Search(len(ws), func(i int) bool { return ws[i].call > w.ret })
			win = append(win, window{w.call, minRet[after], w.status})
		}
		windows[seat] = win
	}
	var rep StalenessReport
	for _, o := range h.Ops {
		if o.Event != "seats" || o.Kind != ReadSeatMap || o.Result != OK {
			continue
		}
		rep.Reads++
		seats := make([]string, 0, len(o.SeatMap))
		for s := range o.SeatMap {
			seats = append(seats, s)
		}
		sort.Strings(seats)
		for _, seat := range seats {
			shown := o.SeatMap[seat]
			rep.Observations++
			win := windows[seat]
			if win == nil {
				win = []window{{-Never, Never, "available"}}
			}
			latest, possible := int64(-Never), false
			for _, w := range win {
				if w.status == shown && w.from <= o.Return {
					possible = true
					latest = max(latest, w.to)
				}
			}
			if !possible {
				rep.Violations = append(rep.Violations, fmt.Sprintf("seat %s shown %s by %s: it never was, up to then", seat, shown, o))
				continue
			}
			if lag := time.Duration(o.Call - latest); lag > 0 {
				rep.Stale++
				rep.MaxLag = max(rep.MaxLag, lag)
				if lag > bound {
					rep.Violations = append(rep.Violations, fmt.Sprintf("seat %s shown %s by %s: %s behind, over the bound %s", seat, shown, o, lag, bound))
				}
			}
		}
	}
	return rep
}

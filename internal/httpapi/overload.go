package httpapi

import (
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// shedRoutes are the on-sale's writes: the routes a flash crowd sends all
// at once, each a database write and a place in a group-commit batch.
// Reads are served from shared snapshots and stay cheap under any load.
var shedRoutes = map[string]bool{
	"POST /api/v1/events/{id}/holds": true,
	"POST /api/v1/orders":            true,
	"POST /api/v1/events/{id}/queue": true,
}

// shedder is the instance's admission control for those writes: at most
// cap(slots) are worked on at once. One that finds every slot taken waits
// up to wait for one, then is answered 503 with Retry-After at once. So an
// instance offered four times what it can do keeps doing what it can at
// the latency it can, and tells the rest, within wait and a few
// microseconds, to come back — rather than queueing every request until
// all of them time out. The token buckets (ratelimit.go) stop one client
// from taking more than its share; this stops the sum of the fair shares
// from exceeding the instance. The waiting room is what keeps an on-sale
// under that sum in the first place.
type shedder struct {
	slots chan struct{}
	wait  time.Duration
}

// newShedder returns nil (no admission control) when max is 0.
func newShedder(max int, wait time.Duration) *shedder {
	if max <= 0 {
		return nil
	}
	return &shedder{slots: make(chan struct{}, max), wait: wait}
}

// shedding puts the admission control in front of h for the routes it
// guards. The wait is real time, not the injected clock's: it bounds what
// a refused client waits for its answer.
func (s *Server) shedding(pattern string, h handlerFunc) handlerFunc {
	if s.shed == nil || !shedRoutes[pattern] {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		select {
		case s.shed.slots <- struct{}{}:
		default:
			t := time.NewTimer(s.shed.wait)
			select {
			case s.shed.slots <- struct{}{}:
				t.Stop()
			case <-t.C:
				stateFrom(r.Context()).limit = "overload"
				if s.OnShed != nil {
					s.OnShed(pattern)
				}
				return &retryAfterError{after: time.Second, err: apperr.E(apperr.Unavailable,
					"the box office is at capacity right now; try again in a second")}
			case <-r.Context().Done():
				t.Stop()
				return r.Context().Err()
			}
		}
		defer func() { <-s.shed.slots }()
		return h(w, r)
	}
}

package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// keepAlive is how often an idle stream gets a comment, so proxies and
// load balancers do not close it.
const keepAlive = 15 * time.Second

// seatFeed follows an event's seat statuses: the full message is the
// compact status string, a change lists the seat ids that moved to each
// status: {"a":[12,13],"h":[40],"s":[]}.
func (s *Server) seatFeed(eventID string) feedSource {
	return feedSource{
		read: func(ctx context.Context) ([]byte, error) {
			snap, err := s.Booking.Snapshot(ctx, eventID)
			return snap.Status, err
		},
		diff: seatDiff,
		full: func(st []byte) sseMessage { return sseMessage{event: "snapshot", data: st} },
	}
}

func seatDiff(old, cur []byte) []byte {
	if len(old) != len(cur) {
		return nil
	}
	ch := map[string][]int{}
	for i := range cur {
		if old[i] != cur[i] {
			k := string(cur[i])
			ch[k] = append(ch[k], i+1)
		}
	}
	if len(ch) == 0 {
		return nil
	}
	b, _ := json.Marshal(ch)
	return b
}

// eventStream is the event page's live seat statuses.
func (s *Server) eventStream(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Catalog.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.stream(w, r, "seats:"+e.ID, s.seatFeed(e.ID))
}

// salesFeed follows an event's sales figures, and its waiting room's, as JSON.
func (s *Server) salesFeed(eventID string) feedSource {
	admin := systemAdmin()
	return feedSource{
		read: func(ctx context.Context) ([]byte, error) {
			sales, err := s.Booking.Sales(ctx, admin, eventID)
			if err != nil {
				return nil, err
			}
			qi, err := s.queueInfo(ctx, eventID)
			if err != nil {
				return nil, err
			}
			return json.Marshal(salesFigures{Sales: sales, Queue: qi})
		},
		diff: func(old, cur []byte) []byte {
			if bytes.Equal(old, cur) {
				return nil
			}
			return cur
		},
		full: func(st []byte) sseMessage { return sseMessage{event: "change", data: st} },
	}
}

func (s *Server) salesStream(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireAdmin(r); err != nil {
		return err
	}
	e, err := s.Catalog.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.stream(w, r, "sales:"+e.ID, s.salesFeed(e.ID))
}

// stream serves one Server-Sent Events connection for feed key until the
// page leaves, falls behind or the server shuts down.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, key string, src feedSource) error {
	sub, err := s.live.subscribe(key, src)
	if err != nil {
		w.Header().Set("Retry-After", "5")
		return apperr.Wrap(apperr.Unavailable, err, "live updates are busy; they will resume shortly")
	}
	defer s.live.unsubscribe(sub)
	rc := http.NewResponseController(w)
	// The server's read timeout would otherwise end a long stream.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-sub.gone:
			return nil
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
		case m := <-sub.ch:
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.event, m.data); err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/queue"
)

// joinQueue is POST /events/{id}/queue: a place for the caller, or the one
// they have (201 either way, as the contract says).
func (s *Server) joinQueue(w http.ResponseWriter, r *http.Request, by account.User) error {
	var in queue.JoinRequest
	b, ok := bodyFrom(r.Context()) // the Idempotency-Key middleware read it
	if !ok {
		var err error
		if b, err = readBody(w, r); err != nil {
			return err
		}
	}
	if len(b) > 0 {
		if err := decodeBytes(b, &in); err != nil {
			return err
		}
	}
	st, err := s.Queue.Join(r.Context(), by, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, st)
	return nil
}

// queueStatus is GET /events/{id}/queue/{token}. The token is the place's
// bearer secret, so the poll needs no sign-in (the waiting-room page and
// its live stream poll it).
func (s *Server) queueStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Queue.Poll(r.Context(), r.PathValue("id"), r.PathValue("token"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// queueInfo is GET /events/{id}/queue: the public face of the room.
func (s *Server) queueInfo(w http.ResponseWriter, r *http.Request) error {
	info, err := s.Queue.Info(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

// queueDraw is GET /events/{id}/queue/draw: the published draw.
func (s *Server) queueDraw(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Queue.PublishedDraw(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// queueChallenge is GET /events/{id}/queue/challenge.
func (s *Server) queueChallenge(w http.ResponseWriter, r *http.Request, by account.User) error {
	c, err := s.Queue.Challenge(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// queueStreamEvery is how often the live stream re-reads a place.
const queueStreamEvery = 2 * time.Second

// queueStream is GET /events/{id}/queue/{token}/stream: the place's status
// as server-sent events ("status"), sent at once, then on every change,
// until it is admitted or lapses, the client leaves or the server shuts
// down. A comment line every interval keeps proxies from closing it.
func (s *Server) queueStream(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	first, err := s.Queue.Poll(ctx, r.PathValue("id"), r.PathValue("token"))
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w) // reaches the connection through the middlewares' writers
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var last []byte
	send := func(st queue.Status) bool {
		b, _ := json.Marshal(st)
		if string(b) != string(last) {
			fmt.Fprintf(w, "event: status\ndata: %s\n\n", b)
			last = b
		} else {
			fmt.Fprint(w, ": waiting\n\n")
		}
		_ = rc.Flush()
		return st.Status == queue.StatusWaiting
	}
	if !send(first) {
		return nil
	}
	t := time.NewTicker(queueStreamEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.closing:
			return nil
		case <-t.C:
		}
		st, err := s.Queue.Poll(ctx, r.PathValue("id"), r.PathValue("token"))
		if err != nil {
			fmt.Fprintf(w, "event: error\ndata: {\"detail\":%q}\n\n", "the waiting room could not be read; reconnect")
			_ = rc.Flush()
			return nil
		}
		if !send(st) {
			return nil
		}
	}
}

package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/idempotency"
)

// replayWait bounds how long a replay waits for the first request with its
// key to finish before answering 409.
const replayWait = 30 * time.Second

// idempotent makes a create handler honour Idempotency-Key: the first
// request with a key does the work and its response is stored; replays
// with the same body get that response; a different body is 422. 5xx
// responses are not stored, so a retry after an outage does the work.
func (s *Server) idempotent(h userHandler) userHandler {
	return func(w http.ResponseWriter, r *http.Request, u account.User) error {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			return h(w, r, u)
		}
		if !idempotency.ValidKey(key) {
			var f apperr.Fields
			f.Add("Idempotency-Key", "must be 1 to 255 printable ASCII characters")
			return f.Err()
		}
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		hash := idempotency.Hash(r.Method, r.URL.Path, body)
		deadline := time.Now().Add(replayWait)
		for wait := 10 * time.Millisecond; ; wait = min(wait*2, 500*time.Millisecond) {
			now := s.Clock.Now()
			rec, claimed, err := s.Idempotency.ClaimKey(r.Context(), u.ID, key, hash, now)
			if err != nil {
				return err
			}
			switch {
			case claimed:
				return s.runClaimed(w, r, u, key, now, body, h)
			case rec.RequestHash != hash:
				return apperr.E(apperr.IdempotencyKeyReused, "this Idempotency-Key was used with a different request")
			case rec.Done:
				w.Header().Set("Content-Type", rec.ContentType)
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(rec.Status)
				_, _ = w.Write(rec.Body)
				return nil
			case idempotency.Stale(rec.CreatedAt, now):
				// Its request is gone without a word; do the work now.
				took, err := s.Idempotency.RenewKey(r.Context(), u.ID, key, rec.CreatedAt, now)
				if err != nil {
					return err
				}
				if took {
					s.log.WarnContext(r.Context(), "took over a stale idempotency claim", "user_id", u.ID, "claimed_at", rec.CreatedAt)
					return s.runClaimed(w, r, u, key, now, body, h)
				}
				continue // another replay took it first: wait for that one
			}
			if time.Now().After(deadline) {
				return apperr.E(apperr.Conflict, "a request with this Idempotency-Key is still in progress")
			}
			select {
			case <-r.Context().Done():
				return r.Context().Err()
			case <-time.After(wait):
			}
		}
	}
}

// runClaimed does the work of a key claimed at stamp, renewing the claim
// while it works, then stores the response or, after a 5xx, releases it.
func (s *Server) runClaimed(w http.ResponseWriter, r *http.Request, u account.User, key string, stamp time.Time, body []byte, h userHandler) error {
	rec := &bufferedWriter{header: http.Header{}}
	r = r.WithContext(context.WithValue(r.Context(), keyBody, body))
	stop := s.renewClaim(r.Context(), u.ID, key, stamp)
	err := h(rec, r, u)
	stop()
	if err != nil {
		s.writeProblem(rec, r, err)
	}
	ctx := context.WithoutCancel(r.Context())
	if rec.code >= 500 {
		if err := s.Idempotency.ReleaseKey(ctx, u.ID, key); err != nil {
			s.log.ErrorContext(ctx, "release idempotency key", "err", err)
		}
	} else if err := s.Idempotency.FinishKey(ctx, u.ID, key, rec.code, rec.header.Get("Content-Type"), rec.buf.Bytes()); err != nil {
		return err
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.code)
	_, _ = w.Write(rec.buf.Bytes())
	return nil
}

// renewClaim renews a claimed key every third of its lease until stop is
// called, so that a long request (a stadium's venue, a slow payment) is not
// taken for a dead one. A renewal that finds the claim taken over stops:
// the response is still stored, and the replay that took over is refused
// by the domain's own rules (a hold ordered once, a refund asked once).
func (s *Server) renewClaim(ctx context.Context, userID, key string, stamp time.Time) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(idempotency.ClaimLease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			next := s.Clock.Now()
			ok, err := s.Idempotency.RenewKey(context.WithoutCancel(ctx), userID, key, stamp, next)
			switch {
			case err != nil:
				s.log.WarnContext(ctx, "renew idempotency claim", "err", err)
			case !ok:
				s.log.WarnContext(ctx, "idempotency claim taken over while its request ran", "user_id", userID)
				return
			default:
				stamp = next
			}
		}
	}()
	return func() { close(done); <-exited }
}

// bufferedWriter keeps a response in memory so it can be stored.
type bufferedWriter struct {
	header http.Header
	code   int
	buf    bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.buf.Write(p)
}

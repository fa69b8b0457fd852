package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/queue"
)

// queueData is what the waiting-room page shows.
type queueData struct {
	Event catalog.Event
	TZ    string // the venue's time zone: every time on the page is local
	Info  queue.Info
	// Place is the buyer's place; nil until they join. Its Status is
	// "expired" for a place that lapsed, and the page offers a new one.
	Place *queue.Status
	// OpensLater is set while the room is not open yet: it opens at OpensAt.
	OpensLater bool
	OpensAt    time.Time
	// PreSale: sales have not opened, so a join is a place in the pre-queue.
	PreSale bool
	// Verify is the command that checks this event's draw against this site.
	Verify string
}

// Waiting reports whether the page follows a live place.
func (d queueData) Waiting() bool { return d.Place != nil && d.Place.Status == queue.StatusWaiting }

// BeforeDraw reports whether the buyer's place is in a pre-queue not yet
// drawn: its position is then the pre-queue's size.
func (d queueData) BeforeDraw() bool { return d.Waiting() && d.Place.DrawAt != nil }

// Expired reports whether the buyer's place lapsed.
func (d queueData) Expired() bool { return d.Place != nil && d.Place.Status == queue.StatusExpired }

// queuedEvent reads an event whose waiting room is on; ok is false (and
// the page redirects to the event) when it is off, since there is nothing
// to wait for.
func (s *Server) queuedEvent(r *http.Request) (e catalog.Event, ok bool, err error) {
	if s.Queue == nil {
		return e, false, apperr.E(apperr.NotFound, "this site runs no waiting rooms")
	}
	if e, err = s.Catalog.Event(r.Context(), r.PathValue("id")); err != nil {
		return e, false, err
	}
	return e, e.Queue.Enabled, nil
}

// queuePage is the waiting room: a button to join, then the buyer's place,
// kept live by queue.js over the API's stream. A place found admitted here
// (a reload, or a page left open without script) gets its pass stored and
// goes straight to the seats.
func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireUser(r)
	if err != nil {
		return err
	}
	e, ok, err := s.queuedEvent(r)
	if err != nil {
		return err
	}
	if !ok {
		http.Redirect(w, r, "/events/"+url.PathEscape(e.ID), http.StatusSeeOther)
		return nil
	}
	var place *queue.Status
	if tok := placeToken(r, e.ID, u); tok != "" {
		st, err := s.Queue.Poll(r.Context(), e.ID, tok)
		switch {
		case apperr.Is(err, apperr.NotFound):
			s.forgetPlace(w, r, e.ID)
		case err != nil:
			return err
		case st.Status == queue.StatusAdmitted && s.passLive(st):
			s.admit(w, r, e.ID, st)
			return nil
		case st.Status == queue.StatusAdmitted:
			place = passSpent(st, tzOf(e))
		default:
			place = &st
		}
	}
	v := view{Title: "Waiting room: " + e.Name}
	switch code := r.URL.Query().Get("error"); code {
	case "pass":
		v.Error = friendly[apperr.QueuePassRequired]
	case "passbad":
		v.Error = "Your queue pass is no longer valid (it expired, or it belongs to another account). Join the queue again."
	}
	return s.renderQueue(w, r, http.StatusOK, e, place, v)
}

// renderQueue fills in the room's public figures and renders the page.
func (s *Server) renderQueue(w http.ResponseWriter, r *http.Request, status int, e catalog.Event, place *queue.Status, v view) error {
	info, err := s.Queue.Info(r.Context(), e.ID)
	if err != nil {
		return err
	}
	d := queueData{Event: e, TZ: tzOf(e), Info: info, Place: place, Verify: verifyCommand(r, e.ID)}
	now := s.Clock.Now()
	if info.OpensAt != nil && now.Before(*info.OpensAt) {
		d.OpensLater, d.OpensAt = true, *info.OpensAt
	}
	d.PreSale = now.Before(e.OnsaleAt)
	v.Scripts, v.Data = []string{"queue.js"}, d
	s.render(w, r, status, "queue", v)
	return nil
}

// joinQueue gives the buyer a place (with the proof of work queue.js
// solved, when the event asks for one) and shows it; a place admitted at
// once goes straight to the seats.
func (s *Server) joinQueue(w http.ResponseWriter, r *http.Request) error {
	back := "/events/" + url.PathEscape(r.PathValue("id")) + "/queue"
	u := s.user(r)
	if u == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(back), http.StatusSeeOther)
		return nil
	}
	e, ok, err := s.queuedEvent(r)
	if err != nil {
		return err
	}
	if !ok {
		http.Redirect(w, r, "/events/"+url.PathEscape(e.ID), http.StatusSeeOther)
		return nil
	}
	req := queue.JoinRequest{PowChallenge: r.PostFormValue("pow_challenge"), PowNonce: r.PostFormValue("pow_nonce")}
	err = s.limit(r, "POST /api/v1/events/{id}/queue", "", u.ID)
	var st queue.Status
	if err == nil {
		st, err = s.Queue.Join(r.Context(), *u, e.ID, req)
	}
	if err != nil {
		code, msg := message(err)
		switch {
		case code == apperr.Internal || code == apperr.Unavailable:
			return err
		case code == apperr.NotOnSale && e.Queue.OpensAt != nil && s.Clock.Now().Before(*e.Queue.OpensAt):
			msg = "The waiting room opens " + localTime(*e.Queue.OpensAt, tzOf(e)) + "."
		case code == apperr.Forbidden && e.Queue.PowDifficulty > 0 && req.PowNonce == "":
			// The form came without the script's proof of work.
			msg = "This waiting room checks your browser before you join, which needs JavaScript. Please turn it on and try again."
		}
		return s.renderQueue(w, r, statusFor(code), e, nil, view{Title: "Waiting room: " + e.Name, Error: msg})
	}
	s.keepPlace(w, r, e.ID, *u, st.Token, e.StartsAt)
	if st.Status == queue.StatusAdmitted && s.passLive(st) {
		s.admit(w, r, e.ID, st)
		return nil
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// admit stores an admitted place's pass and sends the buyer to the seats.
// The event page's notice says until when the pass holds; the time in its
// URL is only shown, never trusted (booking checks the pass itself).
func (s *Server) admit(w http.ResponseWriter, r *http.Request, eventID string, st queue.Status) {
	to := "/events/" + url.PathEscape(eventID) + "?queue=admitted"
	if st.PassExpiresAt != nil {
		s.keepPass(w, r, eventID, st.Pass, *st.PassExpiresAt)
		to += fmt.Sprintf("&until=%d", st.PassExpiresAt.Unix())
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// passLive reports whether an admitted place's pass still admits.
func (s *Server) passLive(st queue.Status) bool {
	return st.PassExpiresAt != nil && s.Clock.Now().Before(*st.PassExpiresAt)
}

// passSpent is how the page shows a place whose turn came and whose pass
// has run out since: like a lapsed place, with a new join offered, rather
// than a trip to the seats that booking would refuse.
func passSpent(st queue.Status, tz string) *queue.Status {
	at := "earlier"
	if st.PassExpiresAt != nil {
		at = "at " + catalog.InZone(*st.PassExpiresAt, tz).Format("3:04 PM")
	}
	return &queue.Status{Token: st.Token, Status: queue.StatusExpired, Detail: "your turn came, and your queue pass expired " + at + "; join again"}
}

// queueChallenge is the proof-of-work puzzle for the signed-in buyer, as
// JSON for queue.js. The API's own challenge wants a bearer token, and the
// page's session is an HttpOnly cookie, so the page asks here.
func (s *Server) queueChallenge(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	u := s.user(r)
	e, ok, err := s.queuedEvent(r)
	var c queue.Challenge
	switch {
	case u == nil:
		err = apperr.E(apperr.Unauthorized, "please sign in")
	case err == nil && !ok:
		err = apperr.E(apperr.NotFound, "this event has no waiting room")
	case err == nil:
		c, err = s.Queue.Challenge(r.Context(), *u, e.ID)
	}
	if err != nil {
		code, msg := message(err)
		if code == apperr.Internal {
			s.Log.ErrorContext(r.Context(), "web: queue challenge", "err", err)
		}
		writeJSON(w, statusFor(code), map[string]string{"detail": msg})
		return nil
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// verifyCommand is the one line that checks an event's draw against the
// site the buyer is looking at.
func verifyCommand(r *http.Request, eventID string) string {
	scheme := "http"
	if isHTTPS(r) {
		scheme = "https"
	}
	return fmt.Sprintf("boxoffice verify-draw --url %s://%s %s", scheme, r.Host, eventID)
}

// waitWords says how long a wait is, roughly: queue.js words it the same.
func waitWords(seconds int64) string {
	switch m := (seconds + 59) / 60; {
	case seconds <= 0:
		return "any moment now"
	case seconds < 60:
		return "less than a minute"
	case m < 60:
		return fmt.Sprintf("about %d min", m)
	case m%60 == 0:
		return fmt.Sprintf("about %d h", m/60)
	default:
		return fmt.Sprintf("about %d h %d min", m/60, m%60)
	}
}

func tzOf(e catalog.Event) string {
	if e.Venue == nil {
		return ""
	}
	return e.Venue.Timezone
}

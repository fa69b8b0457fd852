package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// A waiting room leaves two cookies per event in the browser.
//
// The place cookie (qt_<event>) finds the buyer's place again after a
// reload or a visit to the event page. A place token is only a place — it
// shows where the place stands, it holds no seats and signs nobody in — so
// the page gets it rendered in for its live stream, and the cookie can stay
// HttpOnly. Its value names the account too: a second person signing in on
// the same browser must not be shown, or admitted with, the first one's
// place.
//
// The pass cookie (qp_<event>) is what the hold form carries to booking.
// It is not HttpOnly because the page's script writes it the moment the
// stream says "admitted", so that the buyer goes straight to the seats. A
// pass is signed for one account and one event and expires, so it is worth
// nothing to anyone who copies it.

func placeCookieName(eventID string) string { return "qt_" + eventID }

func passCookieName(eventID string) string { return "qp_" + eventID }

// placeToken is the token of by's place in eventID's waiting room, or "".
func placeToken(r *http.Request, eventID string, by account.User) string {
	c, err := r.Cookie(placeCookieName(eventID))
	if err != nil {
		return ""
	}
	user, token, ok := strings.Cut(c.Value, ":")
	if !ok || user != by.ID {
		return ""
	}
	return token
}

// keepPlace remembers by's place until the event starts, when the waiting
// room closes for good.
func (s *Server) keepPlace(w http.ResponseWriter, r *http.Request, eventID string, by account.User, token string, until time.Time) {
	http.SetCookie(w, &http.Cookie{Name: placeCookieName(eventID), Value: by.ID + ":" + token, Path: "/events/" + eventID,
		Expires: until, HttpOnly: true, Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode})
}

// forgetPlace drops a place the waiting room no longer knows.
func (s *Server) forgetPlace(w http.ResponseWriter, r *http.Request, eventID string) {
	http.SetCookie(w, &http.Cookie{Name: placeCookieName(eventID), Value: "", Path: "/events/" + eventID, MaxAge: -1,
		HttpOnly: true, Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode})
}

// queuePass is the pass the browser has for eventID, or "".
func queuePass(r *http.Request, eventID string) string {
	if c, err := r.Cookie(passCookieName(eventID)); err == nil {
		return c.Value
	}
	return ""
}

// keepPass stores a pass until it expires, with the same attributes the
// page's script uses (queue.js), so that either can replace the other's.
func (s *Server) keepPass(w http.ResponseWriter, r *http.Request, eventID, pass string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: passCookieName(eventID), Value: pass, Path: "/", Expires: expires,
		Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode})
}

// dropPass removes a pass booking refused (expired, or another account's).
func (s *Server) dropPass(w http.ResponseWriter, r *http.Request, eventID string) {
	http.SetCookie(w, &http.Cookie{Name: passCookieName(eventID), Value: "", Path: "/", MaxAge: -1,
		Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode})
}

// hasPass reports whether the browser's pass lets by hold seats at eventID
// now. It is checked without the database, as booking checks it.
func (s *Server) hasPass(r *http.Request, by account.User, eventID string) bool {
	pass := queuePass(r, eventID)
	return s.Queue != nil && pass != "" && s.Queue.Gate().Check(by.ID, eventID, pass, s.Clock.Now()) == nil
}

// passUntil is the admission notice's expiry from the redirect's URL:
// shown when it is a plausible time, never trusted for anything else.
func passUntil(q url.Values, now time.Time) (time.Time, bool) {
	var sec int64
	if _, err := fmt.Sscan(q.Get("until"), &sec); err != nil {
		return time.Time{}, false
	}
	t := time.Unix(sec, 0)
	return t, t.After(now) && t.Before(now.Add(24*time.Hour))
}

// queueBanner is the event page's word about its waiting room.
type queueBanner struct {
	// HasPass: the buyer is through and may hold seats.
	HasPass bool
	// InLine: the buyer has a place (the button says "see your place").
	InLine bool
}

// eventQueue is the banner for e's page, or nil when it has no waiting room.
func (s *Server) eventQueue(r *http.Request, e catalog.Event, u *account.User) *queueBanner {
	if !e.Queue.Enabled || s.Queue == nil {
		return nil
	}
	b := &queueBanner{}
	if u != nil {
		b.HasPass = s.hasPass(r, *u, e.ID)
		b.InLine = placeToken(r, e.ID, *u) != ""
	}
	return b
}

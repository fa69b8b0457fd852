package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/ids"
)

// Cookie names. The session cookie holds the same token the API takes as
// a bearer token; the visitor cookie only keys the CSRF token of someone
// not signed in yet (the sign-in and sign-up forms).
const (
	sessionCookie = "bo_session"
	visitorCookie = "bo_visitor"
	csrfField     = "csrf"
)

// user returns the signed-in user, or nil. It asks the account service
// once per request.
func (s *Server) user(r *http.Request) *account.User {
	st := stateOf(r.Context())
	if st.looked {
		return st.user
	}
	st.looked = true
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	u, err := s.Accounts.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	st.user, st.token = &u, c.Value
	return st.user
}

func (s *Server) sessionToken(r *http.Request) string {
	if s.user(r) == nil {
		return ""
	}
	return stateOf(r.Context()).token
}

// requireUser returns the signed-in user or an Unauthorized error, which
// s.fail turns into a redirect to the sign-in page.
func (s *Server) requireUser(r *http.Request) (account.User, error) {
	if u := s.user(r); u != nil {
		return *u, nil
	}
	return account.User{}, apperr.E(apperr.Unauthorized, "please sign in")
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode})
}

// startSession signs the browser in with a token from the account service.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, token string) {
	s.setCookie(w, r, sessionCookie, token, int(account.SessionTTL.Seconds()))
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	s.setCookie(w, r, sessionCookie, "", -1)
}

// csrfToken is the token every POST form of this browser must carry: an
// HMAC of its session token when signed in, else of its visitor cookie,
// which it sets if missing. A page of another site cannot read it, so it
// cannot forge a form that passes.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if tok := s.sessionToken(r); tok != "" {
		return s.mac("session:" + tok)
	}
	v := ""
	if c, err := r.Cookie(visitorCookie); err == nil && len(c.Value) >= 16 && len(c.Value) <= 100 {
		v = c.Value
	} else {
		v = base64.RawURLEncoding.EncodeToString(ids.Secret(18))
		s.setCookie(w, r, visitorCookie, v, 30*24*3600)
		r.AddCookie(&http.Cookie{Name: visitorCookie, Value: v})
	}
	return s.mac("visitor:" + v)
}

func (s *Server) mac(msg string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// checkCSRF accepts a POST only with the browser's token, and, when the
// browser says where the form came from, only from this site.
func (s *Server) checkCSRF(r *http.Request) error {
	bad := apperr.E(apperr.Forbidden, "this form has expired or did not come from this site; reload the page and try again")
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return bad
		}
	}
	got := r.PostFormValue(csrfField)
	if got == "" {
		return bad
	}
	var want []string
	if tok := s.sessionToken(r); tok != "" {
		want = append(want, s.mac("session:"+tok))
	}
	if c, err := r.Cookie(visitorCookie); err == nil && c.Value != "" {
		want = append(want, s.mac("visitor:"+c.Value))
	}
	for _, w := range want {
		if subtle.ConstantTimeCompare([]byte(got), []byte(w)) == 1 {
			return nil
		}
	}
	return bad
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The sign-in and sign-up forms spend the same rate-limit buckets as the
// API's routes, so the pages are no way around them: after ten wrong
// passwords for one e-mail address the form answers 429 and says to wait.
func TestFormsAreRateLimited(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog, strictLimits: true})
	c := client(t)
	_, page := get(t, c, s.URL+"/login")
	csrf := csrfOf(t, page)
	codes := map[int]int{}
	var last string
	for range 13 {
		res, body := post(t, c, s.URL+"/login", url.Values{"csrf": {csrf}, "email": {buyerLogin.Email}, "password": {"not-the-password"}})
		codes[res.StatusCode]++
		last = body
	}
	if codes[http.StatusUnauthorized] != 10 || codes[http.StatusTooManyRequests] != 3 {
		t.Errorf("13 wrong sign-ins for one address: %v, want 10 × 401 then 3 × 429", codes)
	}
	if !strings.Contains(last, "Too many requests") {
		t.Errorf("the 429 page does not say to wait:\n%.600s", last)
	}
	// Sign-ups from one address run out of the same budget as the API's
	// (a burst of ten by default).
	signups := map[int]int{}
	for i := range 12 {
		res, _ := post(t, c, s.URL+"/signup", url.Values{"csrf": {csrf}, "email": {"new" + string(rune('a'+i)) + "@example.com"},
			"password": {"password-123"}, "name": {"New"}})
		signups[res.StatusCode]++
	}
	if signups[http.StatusTooManyRequests] == 0 {
		t.Errorf("12 sign-ups from one address: %v, want some 429", signups)
	}
}

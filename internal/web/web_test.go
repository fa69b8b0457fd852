package web_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// client is a browser-like HTTP client: cookies, no automatic redirects.
func client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF field on the page")
	}
	return m[1]
}

func post(t *testing.T, c *http.Client, u string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestSecurityHeadersAndFriendlyErrors(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog})
	c := client(t)
	res, _ := get(t, c, s.URL+"/")
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") == "" {
		t.Errorf("headers %v", res.Header)
	}

	res, body := get(t, c, s.URL+"/events/evt_nope")
	if res.StatusCode != 404 || !strings.Contains(body, "couldn&#39;t find") || strings.Contains(body, "goroutine") {
		t.Errorf("missing event: %d %s", res.StatusCode, body)
	}
	res, _ = get(t, c, s.URL+"/admin")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fadmin" {
		t.Errorf("anonymous /admin: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// The API keeps its own routes behind the same listener.
	res, _ = get(t, c, s.URL+"/api/v1/events/evt_nope")
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("API not found: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, _ = get(t, c, s.URL+"/healthz")
	if res.StatusCode != 200 {
		t.Errorf("healthz: %d", res.StatusCode)
	}
}

// TestSessionsAndCSRF: forms without the browser's token, or from another
// origin, are refused; sign-in sets an HttpOnly, SameSite=Lax cookie that
// is Secure behind TLS; a buyer cannot open the organizer pages.
func TestSessionsAndCSRF(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog})
	c := client(t)
	creds := url.Values{"email": {buyerLogin.Email}, "password": {buyerLogin.Password}}

	res, _ := post(t, c, s.URL+"/login", creds)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without a CSRF token: %d, want 403", res.StatusCode)
	}
	_, page := get(t, c, s.URL+"/login")
	tok := csrfOf(t, page)
	bad := url.Values{"csrf": {tok + "x"}, "email": creds["email"], "password": creds["password"]}
	if res, _ := post(t, c, s.URL+"/login", bad); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in with a wrong token: %d, want 403", res.StatusCode)
	}
	creds.Set("csrf", tok)
	if res, _ := post(t, c, s.URL+"/login", creds, "Origin", "https://evil.example"); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in from another origin: %d, want 403", res.StatusCode)
	}
	res, _ = post(t, c, s.URL+"/login", creds, "X-Forwarded-Proto", "https")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "bo_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie %+v: want HttpOnly, Secure behind TLS, SameSite=Lax", session)
	}
	// Over plain HTTP the cookie is not Secure (or the browser would drop it).
	c2 := client(t)
	_, page = get(t, c2, s.URL+"/login")
	creds.Set("csrf", csrfOf(t, page))
	res, _ = post(t, c2, s.URL+"/login", creds)
	for _, ck := range res.Cookies() {
		if ck.Name == "bo_session" && ck.Secure {
			t.Error("session cookie is Secure over plain HTTP")
		}
	}
	res, body := get(t, c2, s.URL+"/admin")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "organizers") {
		t.Errorf("buyer on /admin: %d", res.StatusCode)
	}
	// A signed-in form token is tied to the session: the visitor token of
	// another browser does not pass.
	_, page = get(t, c2, s.URL+"/")
	mine := csrfOf(t, page)
	res, _ = post(t, c2, s.URL+"/logout", url.Values{"csrf": {tok}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with another browser's token: %d, want 403", res.StatusCode)
	}
	res, _ = post(t, c2, s.URL+"/logout", url.Values{"csrf": {mine}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out: %d", res.StatusCode)
	}
	if res, _ := get(t, c2, s.URL+"/me/tickets"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign-out /me/tickets: %d, want a redirect to sign in", res.StatusCode)
	}
}

// readSSE returns a channel of (event, data) pairs read from a stream.
func readSSE(t *testing.T, body io.Reader) <-chan [2]string {
	events := make(chan [2]string, 10)
	go func() {
		sc := bufio.NewScanner(body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var name string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				name = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok {
				events <- [2]string{name, v}
			}
		}
		close(events)
	}()
	return events
}

// TestLiveAcrossInstances runs two instances on one database, as behind a
// load balancer: a page following the first sees, within the live bound, a
// hold made through the second. Nothing passes between the instances but
// the database, so PostgreSQL works the same way.
func TestLiveAcrossInstances(t *testing.T) {
	t.Parallel()
	a := startSite(t, siteOptions{catalog: noCatalog})
	e := a.smallEvent(t)
	b := startSite(t, siteOptions{join: a})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", a.URL+"/events/"+e.ID+"/live", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := readSSE(t, res.Body)
	if ev := <-events; ev[0] != "snapshot" {
		t.Fatalf("first event %q", ev)
	}
	u, _, err := login(t, b, buyerLogin)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := b.App.Booking.PlaceHold(t.Context(), u, e.ID, booking.HoldRequest{SeatIDs: []string{"7"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		if ev[0] != "change" || ev[1] != `{"h":[7]}` {
			t.Fatalf("after a hold on the other instance: %q", ev)
		}
		t.Logf("a hold through instance B reached a page on instance A after %v", time.Since(start).Round(time.Millisecond))
		if d := time.Since(start); d > liveBound {
			t.Errorf("took %v, want within %v", d, liveBound)
		}
	case <-time.After(2 * liveBound):
		t.Fatal("the hold never reached the other instance's page")
	}
}

// TestLiveStream reads the event page's stream: a full compact status
// first, then the change when a seat is held, and the server still shuts
// down promptly with the stream open.
func TestLiveStream(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog})
	e := s.smallEvent(t)
	c := client(t)

	res, body := get(t, c, s.URL+"/events/"+e.ID+"/seats.txt")
	if res.StatusCode != 200 || body != strings.Repeat("a", 50) {
		t.Fatalf("seats.txt: %d %q", res.StatusCode, body)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/events/"+e.ID+"/live", nil)
	sse, err := (&http.Client{}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Body.Close()
	if ct := sse.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("stream content type %q", ct)
	}
	events := readSSE(t, sse.Body)
	next := func() [2]string {
		t.Helper()
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("stream ended")
			}
			return ev
		case <-time.After(3 * time.Second):
			t.Fatal("no event within 3s")
		}
		return [2]string{}
	}
	if ev := next(); ev[0] != "snapshot" || ev[1] != strings.Repeat("a", 50) {
		t.Fatalf("first event %q", ev)
	}
	u, _, err := login(t, s, buyerLogin)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := s.App.Booking.PlaceHold(t.Context(), u, e.ID, booking.HoldRequest{SeatIDs: []string{"3", "4"}}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev[0] != "change" || ev[1] != `{"h":[3,4]}` {
		t.Fatalf("after a hold: %q", ev)
	}
	t.Logf("the hold reached the stream after %v", time.Since(start).Round(time.Millisecond))
	// The site's cleanup stops the server with this stream still open: it
	// must end the stream rather than wait for it (startSite checks).
}

func TestSeatStatusesAreCompressed(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog})
	e := s.smallEvent(t)
	u, _, err := login(t, s, buyerLogin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Booking.PlaceHold(t.Context(), u, e.ID, booking.HoldRequest{Section: "Floor", Quantity: 2}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.URL+"/events/"+e.ID+"/seats.txt", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		if r, err = gzip.NewReader(res.Body); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := io.ReadAll(r)
	if want := strings.Repeat("a", 20) + "hh" + strings.Repeat("a", 28); string(b) != want {
		t.Errorf("statuses %q, want %q", b, want)
	}
}

// TestFindingEvents: search by text, category and date; venues near a
// typed city (or a location), nearest first with their next events; and a
// cinema's showtimes grouped by film across its screens, each time naming
// its screen.
func TestFindingEvents(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{})
	c := client(t)
	count := func(page, s string) int { return strings.Count(page, s) }

	_, page := get(t, c, s.URL+"/?q=jets&category=sports")
	if n := count(page, `class="event-card"`); n != 1 || !strings.Contains(page, eventJets) {
		t.Errorf("search jets/sports found %d events", n)
	}
	_, page = get(t, c, s.URL+"/?q=jets&category=movie")
	if n := count(page, `class="event-card"`); n != 0 {
		t.Errorf("search jets/movie found %d events", n)
	}
	jets, _ := s.App.Catalog.Event(t.Context(), s.event(t, eventJets))
	day := inNewYork(jets.StartsAt)
	_, page = get(t, c, s.URL+"/?date="+day)
	if !strings.Contains(page, eventJets) || strings.Contains(page, eventGiants) {
		t.Errorf("events on %s: jets listed %v, giants listed %v", day, strings.Contains(page, eventJets), strings.Contains(page, eventGiants))
	}

	// Near a typed city (centred on the gazetteer's New York City, by City
	// Hall): Brooklyn (about 4 km), the Manhattan cinema (7 km), the
	// Meadowlands (12 km).
	_, page = get(t, c, s.URL+"/?city=New+York")
	cinema, arena, stadium := strings.Index(page, "Test Cinema"), strings.Index(page, "Atlantic Test Arena"), strings.Index(page, "Meadowlands Test Stadium")
	if cinema < 0 || arena < 0 || stadium < 0 || !(arena < cinema && cinema < stadium) {
		t.Errorf("venues near New York out of order: cinema %d, arena %d, stadium %d", cinema, arena, stadium)
	}
	if !strings.Contains(page, eventJets) {
		t.Error("the stadium's upcoming events are not listed with it")
	}
	_, page = get(t, c, s.URL+"/?near=40.8135,-74.0745")
	if i, j := strings.Index(page, "Meadowlands Test Stadium"), strings.Index(page, "Test Cinema"); i < 0 || j < 0 || i > j {
		t.Errorf("near the stadium it is not first: %d, %d", i, j)
	}
	if _, page = get(t, c, s.URL+"/?city=Atlantis"); !strings.Contains(page, "Atlantis") || !strings.Contains(page, `role="alert"`) {
		t.Error("an unknown city gets no message")
	}

	_, page = get(t, c, s.URL+"/venues/"+s.event(t, "cinema"))
	if !strings.Contains(page, "Showtimes this week") || count(page, `<article class="film card">`) != 1 || count(page, `class="chip"`) != 3 || count(page, "<dt>") != 2 {
		t.Errorf("cinema page: %d films, %d showtimes, %d days", count(page, `<article class="film card">`), count(page, `class="chip"`), count(page, "<dt>"))
	}
	if n1, n2 := count(page, `· Screen 1</span>`), count(page, `· Screen 2</span>`); n1 != 2 || n2 != 1 || !strings.Contains(page, "2 screens · 34 places") {
		t.Errorf("cinema page: %d times on screen 1, %d on screen 2 (want 2 and 1), screens and places given: %v", n1, n2,
			strings.Contains(page, "2 screens · 34 places"))
	}
}

func inNewYork(t time.Time) string {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		return t.UTC().Format("2006-01-02")
	}
	return t.In(loc).Format("2006-01-02")
}

package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/queue"
)

// signInHTTP signs c in through the form, as a browser without script would.
func signInHTTP(t *testing.T, c *http.Client, s *site, r account.Registration) {
	t.Helper()
	_, page := get(t, c, s.URL+"/login")
	res, _ := post(t, c, s.URL+"/login", url.Values{"csrf": {csrfOf(t, page)}, "email": {r.Email}, "password": {r.Password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", r.Email, res.StatusCode)
	}
}

// admittedPass is a valid pass for u: a place joined after the opening is
// admitted within a fraction of a second at 600 a minute.
func admittedPass(t *testing.T, s *site, u account.User, eventID string) string {
	t.Helper()
	st, err := s.App.Queue.Join(t.Context(), u, eventID, queue.JoinRequest{})
	for deadline := time.Now().Add(10 * time.Second); err == nil && st.Status != queue.StatusAdmitted && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		st, err = s.App.Queue.Poll(t.Context(), eventID, st.Token)
	}
	if err != nil || st.Pass == "" {
		t.Fatalf("no pass for %s: %+v %v", u.Email, st, err)
	}
	return st.Pass
}

// TestQueuePassOnTheWebHoldPath goes through the waiting room with a plain
// HTTP client: signed out, the room sends to sign-in and back; a hold
// without a pass, with a forged one and with another
// account's is refused and leads to the queue page; joining there (with
// the proof of work the page's script would solve) stores the place, and
// once admitted the pass cookie, which the hold form then carries.
func TestQueuePassOnTheWebHoldPath(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog})
	e := s.smallEvent(t)
	if _, err := s.App.Catalog.UpdateEvent(t.Context(), s.Admin, e.ID, catalog.EventUpdate{
		Queue: &catalog.Queue{Enabled: true, AdmitPerMinute: 600}}); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(s.URL)
	eventURL, queueURL := s.URL+"/events/"+e.ID, s.URL+"/events/"+e.ID+"/queue"
	c := client(t)
	if res, _ := get(t, c, queueURL); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next="+url.QueryEscape("/events/"+e.ID+"/queue") {
		t.Errorf("the waiting room signed out: %d to %q, want sign-in and back", res.StatusCode, res.Header.Get("Location"))
	}
	signInHTTP(t, c, s, buyerLogin)
	_, page := get(t, c, eventURL)
	if !strings.Contains(page, "This sale has a waiting room") || !strings.Contains(page, `href="/events/`+e.ID+`/queue"`) {
		t.Fatal("the event page does not lead to its waiting room")
	}
	csrf := csrfOf(t, page)
	hold := func() *http.Response {
		t.Helper()
		res, _ := post(t, c, eventURL+"/hold", url.Values{"csrf": {csrf}, "seat": {"1"}})
		return res
	}
	refused := func(why, code string) {
		t.Helper()
		res := hold()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/events/"+e.ID+"/queue?error="+code {
			t.Fatalf("hold %s: %d to %q, want the queue page with error=%s", why, res.StatusCode, loc, code)
		}
	}

	refused("without a pass", "pass")
	_, page = get(t, c, queueURL+"?error=pass")
	if !strings.Contains(page, "This event has a waiting room; please join the queue first.") {
		t.Error("the queue page does not say why the hold was refused")
	}
	if !regexp.MustCompile(`data-q="commitment">[0-9a-f]{64}<`).MatchString(page) || !strings.Contains(page, "boxoffice verify-draw --url "+s.URL+" "+e.ID) {
		t.Error("the queue page does not show the commitment and how to verify the draw")
	}
	c.Jar.SetCookies(base, []*http.Cookie{{Name: "qp_" + e.ID, Value: "qp1.forged.0000", Path: "/"}})
	refused("with a forged pass", "passbad")
	other, _, err := s.App.Accounts.Register(t.Context(), account.Registration{Email: "other@example.com", Password: "other-password", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	c.Jar.SetCookies(base, []*http.Cookie{{Name: "qp_" + e.ID, Value: admittedPass(t, s, other, e.ID), Path: "/"}})
	refused("with another account's pass", "passbad")
	for _, ck := range c.Jar.Cookies(base) {
		if ck.Name == "qp_"+e.ID {
			t.Error("a refused pass stays in the browser")
		}
	}
	if sales, err := s.App.Booking.Sales(t.Context(), s.Admin, e.ID); err != nil || sales.Held != 0 {
		t.Fatalf("refused holds held %d places (%v)", sales.Held, err)
	}

	// The proof of work: a form without it says why; with the challenge the
	// page fetches, solved, the join goes through.
	if _, err := s.App.Catalog.UpdateEvent(t.Context(), s.Admin, e.ID, catalog.EventUpdate{
		Queue: &catalog.Queue{Enabled: true, AdmitPerMinute: 600, PowDifficulty: 8}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the waiting room trusts an event it read for a second
	res, page := post(t, c, queueURL, url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "needs JavaScript") {
		t.Fatalf("join without the proof of work: %d", res.StatusCode)
	}
	res, body := get(t, c, queueURL+"/challenge")
	var ch queue.Challenge
	if err := json.Unmarshal([]byte(body), &ch); res.StatusCode != 200 || err != nil || ch.Difficulty != 8 {
		t.Fatalf("challenge: %d %s", res.StatusCode, body)
	}
	res, _ = post(t, c, queueURL, url.Values{"csrf": {csrf}, "pow_challenge": {ch.Challenge}, "pow_nonce": {queue.Solve(ch)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/events/"+e.ID+"/queue" {
		t.Fatalf("join: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "qt_"+e.ID && (!ck.HttpOnly || ck.Path != "/events/"+e.ID) {
			t.Errorf("place cookie %+v: want HttpOnly on the event's pages", ck)
		}
	}

	// The page finds the place admitted, stores the pass and goes to the seats.
	var pass *http.Cookie
	for deadline := time.Now().Add(10 * time.Second); pass == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res, page = get(t, c, queueURL)
		if res.StatusCode == http.StatusSeeOther {
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/events/"+e.ID+"?queue=admitted") {
				t.Fatalf("admitted to %q", loc)
			}
			for _, ck := range res.Cookies() {
				if ck.Name == "qp_"+e.ID {
					pass = ck
				}
			}
		} else if !strings.Contains(page, `data-status="waiting"`) {
			t.Fatalf("queue page after joining: %d, not waiting", res.StatusCode)
		}
	}
	if pass == nil || pass.Path != "/" || pass.SameSite != http.SameSiteLaxMode || pass.HttpOnly || time.Until(pass.Expires) < 10*time.Minute {
		t.Fatalf("pass cookie %+v: want Path=/, SameSite=Lax, readable by the page, expiring with the pass", pass)
	}
	if _, page = get(t, c, eventURL+"?queue=admitted"); !strings.Contains(page, "You're through the waiting room") || !strings.Contains(page, "It&#39;s your turn") {
		t.Error("the event page does not say the buyer is through")
	}
	res = hold()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "?hold=hld_") {
		t.Fatalf("hold with the pass: %d to %q", res.StatusCode, loc)
	}
}

// TestQueueSpentPass: a place whose turn came and whose pass ran out since
// is shown as over, with a new join offered, not sent to seats that
// booking would refuse.
func TestQueueSpentPass(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog, passTTL: time.Second})
	e := s.smallEvent(t)
	if _, err := s.App.Catalog.UpdateEvent(t.Context(), s.Admin, e.ID, catalog.EventUpdate{
		Queue: &catalog.Queue{Enabled: true, AdmitPerMinute: 600}}); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	signInHTTP(t, c, s, buyerLogin)
	queueURL := s.URL + "/events/" + e.ID + "/queue"
	_, page := get(t, c, queueURL)
	if res, _ := post(t, c, queueURL, url.Values{"csrf": {csrfOf(t, page)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("join: %d", res.StatusCode)
	}
	// Admitted after a tenth of a second; the pass runs from the first poll
	// that sees it, and is spent a second later.
	time.Sleep(200 * time.Millisecond)
	if res, _ := get(t, c, queueURL); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admitted: %d, want a redirect to the seats", res.StatusCode)
	}
	time.Sleep(1100 * time.Millisecond)
	res, page := get(t, c, queueURL)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "pass has expired") || !strings.Contains(page, "Join again") {
		t.Fatalf("a spent pass: %d\n%s", res.StatusCode, page)
	}
}

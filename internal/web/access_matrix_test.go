package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// The roles of the web access matrix, in the order they are tried: the
// ones that must be refused first, so that a mutating action they are
// refused leaves its object for the one allowed after them.
var webRoles = []string{"anonymous", "other", "staff", "owner", "admin"}

// Who may use a page: the answer each role must get.
type webRule string

const (
	// public: every role is served.
	public webRule = "public"
	// signedIn: every signed-in role is served; anonymous is sent to sign in.
	signedIn webRule = "signed in"
	// ownerOnly: the owner's; anyone else signed in gets 404 (nothing
	// says the object exists), anonymous is sent to sign in.
	ownerOnly webRule = "owner only"
	// ownerOrAdmin: the owner's, and organizers see everyone's.
	ownerOrAdmin webRule = "owner or admin"
	// adminOnly: organizers; other roles 403, anonymous sent to sign in.
	adminOnly webRule = "admin only"
)

// webMatrix is every page and action of the site with an id in its path.
// A route missing here fails the test, and so does a row for a route the
// site no longer has.
var webMatrix = map[string]webRule{
	"GET /venues/{id}":                  public,
	"GET /events/{id}":                  public,
	"GET /events/{id}/layout.json":      public,
	"GET /events/{id}/seats.txt":        public,
	"GET /events/{id}/listing":          public,
	"GET /events/{id}/live":             public,
	"POST /events/{id}/hold":            signedIn,
	"GET /events/{id}/queue":            signedIn,
	"POST /events/{id}/queue":           signedIn,
	"GET /events/{id}/queue/challenge":  signedIn,
	"POST /holds/{id}/release":          ownerOrAdmin,
	"GET /checkout/{hold_id}":           ownerOnly,
	"POST /checkout/{hold_id}":          ownerOnly,
	"GET /orders/{id}":                  ownerOrAdmin,
	"GET /tickets/{id}/qr.svg":          ownerOrAdmin,
	"GET /tickets/{id}/pass.pkpass":     ownerOnly,
	"GET /tickets/{id}/google-wallet":   ownerOnly,
	"GET /admin/events/{id}":            adminOnly,
	"POST /admin/events/{id}":           adminOnly,
	"GET /admin/events/{id}/sales":      adminOnly,
	"GET /admin/events/{id}/sales/live": adminOnly,
	"POST /admin/events/{id}/cancel":    adminOnly,
	"POST /admin/orders/{id}/refund":    adminOnly,
	"POST /admin/messages/{id}/retry":   adminOnly,
	"GET /dev/mail/{id}":                adminOnly,
	"GET /dev/mail/{id}/html":           adminOnly,
	"GET /dev/mail/{id}/cid/{cid}":      adminOnly,
	"GET /dev/mail/{id}/part/{n}":       adminOnly,
	"GET /dev/mail/{id}/raw":            adminOnly,
}

// want is the answer class a role must get under rule.
func (rule webRule) want(role string) string {
	switch {
	case rule == public:
		return "served"
	case role == "anonymous":
		return "sign in"
	case rule == signedIn, role == "owner" && (rule == ownerOnly || rule == ownerOrAdmin):
		return "served"
	case rule == ownerOrAdmin && role == "admin":
		return "served"
	case rule == adminOnly && role == "admin":
		return "served"
	case rule == adminOnly:
		return "forbidden"
	default:
		return "not found"
	}
}

// answerClass names what a page answered: a refusal (sign in, forbidden,
// not found) or anything else, which serves the page or does the action
// (including a form shown again with its errors).
func answerClass(res *http.Response) string {
	loc := res.Header.Get("Location")
	switch {
	case res.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login"), res.StatusCode == http.StatusUnauthorized:
		return "sign in"
	case res.StatusCode == http.StatusForbidden:
		return "forbidden"
	case res.StatusCode == http.StatusNotFound:
		return "not found"
	case res.StatusCode >= 500:
		return fmt.Sprintf("failed (%d)", res.StatusCode)
	default:
		return "served"
	}
}

var cidRE = regexp.MustCompile(`/cid/([^"]+)"`)

// TestWebAccessMatrix is the access matrix of issue 13 for the web site:
// every page and action with an id, taken from the site's own route list,
// tried as every role on real objects the owner owns (fresh ones for each
// role where the action changes them), and each answer checked against
// the route's rule.
func TestWebAccessMatrix(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{devMailbox: true})
	ctx := t.Context()
	regs := map[string]account.Registration{"staff": staffLogin, "admin": adminLogin,
		"owner": {Email: "matrix-owner@example.com", Password: "owner-password", Name: "Owen Owner"},
		"other": {Email: "matrix-other@example.com", Password: "other-password", Name: "Otto Other"}}
	for _, role := range []string{"owner", "other"} {
		if _, _, err := s.App.Accounts.Register(ctx, regs[role]); err != nil {
			t.Fatal(err)
		}
	}
	owner, _, err := login(t, s, regs["owner"])
	if err != nil {
		t.Fatal(err)
	}
	clients, csrf := map[string]*http.Client{}, map[string]string{}
	for _, role := range webRoles {
		c := client(t)
		if role != "anonymous" {
			signInHTTP(t, c, s, regs[role])
		}
		_, page := get(t, c, s.URL+"/login")
		if role != "anonymous" {
			_, page = get(t, c, s.URL+"/me/tickets")
		}
		clients[role], csrf[role] = c, csrfOf(t, page)
	}

	jets := s.event(t, eventJets)
	ev, err := s.App.Catalog.Event(ctx, jets)
	if err != nil {
		t.Fatal(err)
	}
	// The owner's event, with room for every fixture under its ticket
	// limit, and two with a waiting room (one asks a proof of work).
	concert := matrixEvent(t, s, nil).ID
	queued := matrixEvent(t, s, &catalog.Queue{Enabled: true, AdmitPerMinute: 600}).ID
	pow := matrixEvent(t, s, &catalog.Queue{Enabled: true, AdmitPerMinute: 600, PowDifficulty: 8}).ID
	hold := func() string {
		h, err := s.App.Booking.PlaceHold(ctx, owner, concert, booking.HoldRequest{Section: "Floor", Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		return h.ID
	}
	order := func() booking.Order {
		o, err := s.App.Booking.PlaceOrder(ctx, owner, booking.OrderRequest{HoldID: hold(), PaymentToken: "tok_visa"})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	deadMessage := func() string {
		o := order()
		ms, err := s.App.Store.Messages(ctx, notify.Query{Ref: o.ID, Limit: 1})
		if err != nil || len(ms) == 0 {
			t.Fatalf("no message for order %s: %v", o.ID, err)
		}
		if err := s.App.Store.MarkDead(ctx, ms[0].ID, s.App.Clock.Now(), "smtp: 550 mailbox unavailable"); err != nil {
			t.Fatal(err)
		}
		return ms[0].ID
	}
	shared := order()
	mails := waitForMail(t, s, 1)
	mailID := mails[0].ID
	_, letter := get(t, clients["admin"], s.URL+"/dev/mail/"+mailID+"/html")
	cid := "missing"
	if m := cidRE.FindStringSubmatch(letter); m != nil {
		cid = m[1]
	}

	// ids fills a route's path for one role's try; mutating routes get
	// fresh objects.
	ids := func(pattern string) (path string, form url.Values) {
		_, p, _ := strings.Cut(pattern, " ")
		form = url.Values{}
		id := ""
		switch {
		case strings.HasPrefix(p, "/venues/"):
			id = ev.Venue.ID
		case p == "/events/{id}/queue":
			id = queued
		case p == "/events/{id}/queue/challenge":
			id = pow
		case strings.HasPrefix(p, "/events/"), p == "/admin/events/{id}/sales", p == "/admin/events/{id}/sales/live":
			id = concert
			if p == "/events/{id}/hold" {
				form.Set("section", "Floor")
				form.Set("quantity", "1")
			}
		case strings.HasPrefix(p, "/admin/events/"):
			id = jets
		case strings.HasPrefix(p, "/holds/"), strings.HasPrefix(p, "/checkout/"):
			id = hold()
			form.Set("delivery", "mobile")
			form.Set("card_name", "Owen Owner")
			form.Set("card_number", "tok_visa")
		case p == "/orders/{id}":
			id = shared.ID
		case strings.HasPrefix(p, "/tickets/"):
			id = shared.Tickets[0].ID
		case strings.HasPrefix(p, "/admin/orders/"):
			id = order().ID
		case strings.HasPrefix(p, "/admin/messages/"):
			id = deadMessage()
		case strings.HasPrefix(p, "/dev/mail/"):
			id = mailID
		}
		r := strings.NewReplacer("{id}", url.PathEscape(id), "{hold_id}", url.PathEscape(id), "{cid}", url.PathEscape(cid), "{n}", "1")
		return r.Replace(p), form
	}

	routes := s.App.Web.Routes()
	tried := 0
	for _, pattern := range routes {
		if !strings.Contains(strings.ReplaceAll(pattern, "{$}", ""), "{") {
			continue
		}
		rule, ok := webMatrix[pattern]
		if !ok {
			t.Errorf("route %s has no row in the web access matrix: say who may use it", pattern)
			continue
		}
		for _, role := range webRoles {
			path, form := ids(pattern)
			var res *http.Response
			if strings.HasPrefix(pattern, "POST ") {
				form.Set("csrf", csrf[role])
				res, _ = post(t, clients[role], s.URL+path, form)
			} else if strings.HasSuffix(pattern, "/live") {
				res = openStream(t, clients[role], s.URL+path)
			} else {
				res, _ = get(t, clients[role], s.URL+path)
			}
			tried++
			if got, want := answerClass(res), rule.want(role); got != want {
				t.Errorf("%s (%s) as %s: %d %s, answered %q; want %q", pattern, rule, role, res.StatusCode, res.Header.Get("Location"), got, want)
			}
		}
	}
	for pattern := range webMatrix {
		if !slices.Contains(routes, pattern) {
			t.Errorf("the matrix has a row for %s, which the site does not serve", pattern)
		}
	}
	t.Logf("web access matrix: %d routes with an id × %d roles = %d answers checked", tried/len(webRoles), len(webRoles), tried)
}

// matrixEvent is an event on sale with a large floor and ticket limit, and
// the waiting room q if not nil.
func matrixEvent(t *testing.T, s *site, q *catalog.Queue) catalog.Event {
	t.Helper()
	lat, lon := 40.7, -74.0
	v, err := s.App.Catalog.CreateVenue(t.Context(), s.Admin, catalog.VenueInput{Name: "Matrix Hall", City: "Testville", Lat: &lat, Lon: &lon,
		Timezone: "America/New_York", Sections: []catalog.SectionInput{{Name: "Floor", GeneralAdmission: true, Capacity: 500}}})
	if err != nil {
		t.Fatal(err)
	}
	now := s.App.Clock.Now()
	starts, onsale, price, limit := now.Add(72*time.Hour), now.Add(-time.Hour), int64(2000), 100
	e, err := s.App.Catalog.CreateEvent(t.Context(), s.Admin, catalog.EventInput{VenueID: v.ID, Name: "Matrix Show", Category: "concert",
		StartsAt: &starts, OnsaleAt: &onsale, DefaultPriceCents: &price, MaxTicketsPerUser: &limit})
	if err != nil {
		t.Fatal(err)
	}
	if q != nil {
		if e, err = s.App.Catalog.UpdateEvent(t.Context(), s.Admin, e.ID, catalog.EventUpdate{Queue: q}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// openStream opens a server-sent event stream and closes it at once: its
// status and headers are the answer.
func openStream(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", u, nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

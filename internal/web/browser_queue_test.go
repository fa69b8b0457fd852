package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/queue"
)

// queueHallTZ is the waiting-room tests' venue's zone: the pages must show
// its local times, not the server's.
const queueHallTZ = "America/Chicago"

// queuedEvent puts an event at a small hall in Chicago on sale at onsale,
// with the waiting room q.
func (s *site) queuedEvent(t *testing.T, name string, onsale time.Time, q *catalog.Queue) catalog.Event {
	t.Helper()
	lat, lon := 41.88, -87.63
	v, err := s.App.Catalog.CreateVenue(t.Context(), s.Admin, catalog.VenueInput{Name: "Queue Hall", City: "Chicago", Region: "IL", Country: "US",
		Lat: &lat, Lon: &lon, Timezone: queueHallTZ,
		Sections: []catalog.SectionInput{{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: 10}, {Name: "2", Seats: 10}}}}})
	if err != nil {
		t.Fatal(err)
	}
	starts, price := time.Now().Add(72*time.Hour), int64(3500)
	e, err := s.App.Catalog.CreateEvent(t.Context(), s.Admin, catalog.EventInput{VenueID: v.ID, Name: name, Category: "concert",
		StartsAt: &starts, OnsaleAt: &onsale, DefaultPriceCents: &price, Queue: q})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// waitAcross polls a JavaScript condition like waitFor, but through page
// loads: the page's own script navigates (a form it submits after the
// proof of work, the move to the seats on admission), and a poll does not
// survive a navigation.
func (tb *tab) waitAcross(expr string, within time.Duration) {
	tb.t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tb.shot("failure")
			tb.t.Fatalf("%s: waited %v for %s (last error %v)", tb.name, within, expr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// person registers the test's i-th extra person (newBuyer is the first).
func (s *site) person(t *testing.T, i int) (account.User, account.Registration) {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	r := account.Registration{Email: fmt.Sprintf("%s-%d@example.com", name, i), Password: "queuer-password", Name: fmt.Sprintf("Person %d", i)}
	u, _, err := s.App.Accounts.Register(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	return u, r
}

// joinAs gives u a place the way the page's script does, proof of work
// included.
func joinAs(t *testing.T, s *site, u account.User, eventID string) queue.Status {
	t.Helper()
	c, err := s.App.Queue.Challenge(t.Context(), u, eventID)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.App.Queue.Join(t.Context(), u, eventID, queue.JoinRequest{PowChallenge: c.Challenge, PowNonce: queue.Solve(c)})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestBrowserWaitingRoom has a buyer on a phone join the pre-queue of a
// sale with a browser check: the page solves the proof of work, shows the
// place, the estimated wait and when the draw is, in the venue's time, and
// follows the place live as others join. The organizer brings the sale
// forward to a few seconds later; the buyer is admitted and lands on the
// event page, where holding a seat works. A second buyer, at a desktop,
// who never queued, has a hold refused with the friendly message on the
// queue page, joins after the opening and gets in behind the pre-queue.
func TestBrowserWaitingRoom(t *testing.T) {
	s := sharedSite(t)
	later := time.Now().Add(time.Hour).Truncate(time.Minute)
	e := s.queuedEvent(t, "Midnight Rush", later, &catalog.Queue{Enabled: true, AdmitPerMinute: 120, PowDifficulty: 12})
	tb := newBrowser(t, "buyer").tab(s.URL)
	tb.phone()
	tb.signIn(s.newBuyer(t))

	tb.open("/events/" + e.ID)
	tb.do(chromedpWaitVisible("#queue-banner #to-queue"))
	tb.shotView("01-event-phone")
	tb.clickAndWait("#to-queue")
	if p := tb.path(); p != "/events/"+e.ID+"/queue" {
		t.Fatalf("the waiting-room button went to %s", p)
	}
	if w := eval[float64](tb, `document.getElementById('join-button').getBoundingClientRect().width`); w < 300 {
		t.Errorf("the join button is %.0f px wide on a 390 px phone: want a big tap target", w)
	}
	tb.auditLabels()
	tb.shot("02-join-phone")

	// Join: the page checks the browser, then the form goes through.
	tb.do(chromedpClick("#join-button"))
	tb.waitAcross(`location.pathname.endsWith('/queue') && document.querySelector('[data-queue-event]')?.dataset.live === 'stream'`, patience)
	if got := eval[string](tb, `document.querySelector('[data-q=position]').textContent`); got != "1" {
		t.Errorf("first in the pre-queue, the page shows position %q", got)
	}
	note := eval[string](tb, `document.querySelector('[data-q=prequeue]').hidden ? '' : document.querySelector('[data-q=prequeue]').innerText`)
	loc, _ := time.LoadLocation(queueHallTZ)
	if want := later.In(loc).Format("3:04 PM MST"); !strings.Contains(note, "drawn at random when sales open") || !strings.Contains(note, want) {
		t.Errorf("pre-queue note %q: want the draw at %s, local time", note, want)
	}
	if wait := eval[string](tb, `document.querySelector('[data-q=wait]').textContent`); !strings.HasPrefix(wait, "about ") {
		t.Errorf("estimated wait %q", wait)
	}
	if c := eval[string](tb, `document.querySelector('[data-q=commitment]').textContent`); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(c) {
		t.Errorf("commitment %q", c)
	}
	tb.shot("03-pre-queue-phone")

	// Others join: the pre-queue's size goes up on the page by itself.
	for i := range 2 {
		u, _ := s.person(t, i)
		joinAs(t, s, u, e.ID)
	}
	tb.waitFor(`document.querySelector('[data-q=position]').textContent === '3'`, 2*time.Second+liveBound)
	tb.shotView("04-live-position-phone")

	// The organizer brings the sale forward: it opens in a second, the draw
	// orders the three places, and one is admitted every half second.
	soon := time.Now().Add(time.Second)
	if _, err := s.App.Catalog.UpdateEvent(t.Context(), s.Admin, e.ID, catalog.EventUpdate{OnsaleAt: &soon}); err != nil {
		t.Fatal(err)
	}
	tb.waitAcross(`location.pathname === '/events/`+e.ID+`' && document.querySelector('#queue-banner')?.dataset.pass === 'yes'`, patience)
	if !strings.Contains(eval[string](tb, `document.cookie`), "qp_"+e.ID+"=qp1.") {
		t.Error("no pass cookie after admission")
	}
	if n := eval[string](tb, `document.querySelector('.notice')?.innerText || ''`); !strings.Contains(n, "your turn") {
		t.Errorf("the event page says %q on arrival", n)
	}
	tb.shotView("05-admitted-phone")
	tb.clickAndWait("#listing [data-offer] button[type=submit]")
	tb.do(chromedpWaitVisible("#hold [data-countdown][data-expires-at]"))
	tb.shotView("06-held-phone")

	// A buyer who never queued: refused, sent to the queue, in behind. Their
	// browser has no EventSource, so the page falls back to polling.
	other := newBrowser(t, "walk-up").tab(s.URL)
	other.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: "delete window.EventSource"})
		return err
	}))
	_, walkUp := s.person(t, 2)
	other.signIn(walkUp)
	other.open("/events/" + e.ID)
	other.clickAndWait("#listing [data-offer] button[type=submit]")
	if p := other.path(); p != "/events/"+e.ID+"/queue?error=pass" {
		t.Fatalf("a hold without a pass went to %s", p)
	}
	if msg := eval[string](other, `document.querySelector('[data-error]')?.innerText || ''`); msg != "This event has a waiting room; please join the queue first." {
		t.Errorf("a hold without a pass says %q", msg)
	}
	other.shot("07-refused-desktop")
	other.do(chromedpClick("#join-button"))
	other.waitAcross(`location.pathname.endsWith('/queue') && document.querySelector('[data-queue-event]')?.dataset.live === 'polling'`, patience)
	other.shot("08-polling-desktop")
	other.waitAcross(`location.pathname === '/events/`+e.ID+`' && document.querySelector('#queue-banner')?.dataset.pass === 'yes'`, patience)
	other.shot("09-admitted-desktop")
}

// TestBrowserOrganizerQueueSettings has an organizer turn the waiting room
// on in the event form, in auto mode with bounds, a pre-queue opening in
// the venue's time and a browser check: a lowest rate above the starting
// one is refused with the field named, the corrected form saves, and the
// sales page shows the room, live as people join.
func TestBrowserOrganizerQueueSettings(t *testing.T) {
	s := sharedSite(t)
	onsale := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	e := s.queuedEvent(t, "Quiet Quartet", onsale, nil)
	tb := newBrowser(t, "organizer").tab(s.URL)
	tb.signIn(adminLogin)
	tb.open("/admin/events/" + e.ID)
	loc, _ := time.LoadLocation(queueHallTZ)
	// The pre-queue opened this morning, so people can join at once.
	opens := time.Now().Add(-time.Hour).Truncate(time.Minute).In(loc)
	tb.do(chromedpClick("#e-queue"))
	tb.fill("#e-admit", "300")
	tb.do(chromedpSetSelect("#e-qmode", "auto"))
	tb.fill("#e-qmin", "500")
	tb.fill("#e-qmax", "1200")
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('e-qopens').value = '` + opens.Format("2006-01-02T15:04") + `'`))
	tb.fill("#e-qpow", "16")
	tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('queue-settings').scrollIntoView()`))
	tb.shotView("01-queue-form")
	tb.clickAndWait("#event-form button[type=submit]")
	if msg := eval[string](tb, `document.querySelector('[data-error]')?.innerText || ''`); !strings.Contains(msg, "min admit per minute") {
		t.Fatalf("a lowest rate above the starting rate: the form says %q", msg)
	}
	if v := eval[string](tb, `document.getElementById('e-qmin').value + ' ' + document.getElementById('e-qmode').value`); v != "500 auto" {
		t.Errorf("the refused form kept %q, want what was typed", v)
	}
	tb.shotView("02-queue-form-error")
	tb.fill("#e-qmin", "100")
	tb.clickAndWait("#event-form button[type=submit]")
	if n := eval[string](tb, `document.querySelector('.notice')?.innerText || ''`); n != "Changes saved." {
		t.Fatalf("after saving the form says %q (error %q)", n, eval[string](tb, `document.querySelector('[data-error]')?.innerText || ''`))
	}
	saved, err := s.App.Catalog.Event(t.Context(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	q := saved.Queue
	if !q.Enabled || q.Mode != "auto" || q.AdmitPerMinute != 300 || q.MinAdmitPerMinute != 100 || q.MaxAdmitPerMinute != 1200 || q.PowDifficulty != 16 ||
		q.OpensAt == nil || !q.OpensAt.Equal(opens) {
		t.Fatalf("saved queue %+v (opens %v), want auto 300 in 100..1200, browser check 16, opening %v", q, q.OpensAt, opens)
	}
	if v := eval[string](tb, `document.getElementById('e-qopens').value`); v != opens.Format("2006-01-02T15:04") {
		t.Errorf("the form shows the opening as %q, want %q in the venue's time", v, opens.Format("2006-01-02T15:04"))
	}

	tb.open("/admin/events/" + e.ID + "/sales")
	box := `document.getElementById('queue-figures')`
	if got := eval[string](tb, box+`.innerText`); !strings.Contains(got, "auto, 100–1,200/min") || !strings.Contains(got, "drawn when sales open") {
		t.Errorf("sales page waiting room:\n%s", got)
	}
	stat := func(k string) string { return `document.querySelector('[data-queue-stat=` + k + `]').textContent` }
	if got := eval[string](tb, stat("admit_per_minute")); got != "300" {
		t.Errorf("admission rate shows %q, want 300", got)
	}
	tb.waitFor(box+`.dataset.updated !== undefined`, patience)
	for i := range 2 {
		u, _ := s.person(t, i)
		joinAs(t, s, u, e.ID)
	}
	tb.waitFor(stat("waiting")+` === '2' && `+stat("pre_queue")+` === '2' && `+stat("admitted")+` === '0'`, liveBound+time.Second)
	tb.shot("03-sales-queue")
	tb.phone()
	tb.do(chromedp.Evaluate[chromedp.Void](box + `.scrollIntoView()`))
	tb.shotView("04-sales-queue-phone")
}

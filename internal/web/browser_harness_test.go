package web_test

// The browser tests drive Debian's Chromium headless through chromedp
// against a real Boxoffice instance (app.New + App.Serve on a free port,
// SQLite in a temporary file). They save screenshots under testout/browser
// (or $BOXOFFICE_TEST_OUT) for a reviewer to look at. Without Chromium they
// skip loudly, or fail when CI is set: .ci/run installs it.
//
// Unlike the rest of the suite they do not call t.Parallel: they share one
// Chromium, several of them measure paint and push times that a 2-core
// machine running seven browsers at once would turn into noise, and run
// one after another they take about as long.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/app"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/demo"
)

// patience bounds waits for things that have no time requirement (a page
// getting ready); liveBound is the requirement for live updates: within 2s
// of a change every open page shows it. Under -race the server runs many
// times slower, so there the bound only guards against a hang, and the
// timing is measured without -race (scripts/test runs these tests again).
var (
	patience  = 30 * time.Second
	liveBound = map[bool]time.Duration{false: 2 * time.Second, true: 10 * time.Second}[raceDetector]
	// shortHold is the hold time of the expiry test's server.
	shortHold = map[bool]time.Duration{false: 6 * time.Second, true: 30 * time.Second}[raceDetector]
)

// Accounts every test site has.
var (
	adminLogin = account.Registration{Email: "organizer@example.com", Password: "organizer-pass", Name: "Olive Organizer", Role: account.RoleAdmin}
	staffLogin = account.Registration{Email: "gate@example.com", Password: "gate-staff-pass", Name: "Gus Gate", Role: account.RoleStaff}
	buyerLogin = account.Registration{Email: "buyer@example.com", Password: "buyer-password", Name: "Bea Buyer", Role: account.RoleCustomer}
)

// site is one running instance with a test catalog.
type site struct {
	URL   string
	App   *app.App
	Admin account.User
	// Events are the catalog's events by name.
	Events map[string]string
	Demo   demo.Summary
	dir    string // holds the database file
}

type siteOptions struct {
	holdTTL time.Duration
	// passTTL is how long a waiting room's pass admits (config.QueuePassTTL).
	passTTL time.Duration
	// catalog is what the site starts with: testCatalog (the default),
	// noCatalog, or demoCatalog (the product's demo, with the real
	// 80,879-seat stadium: seconds to load, minutes under -race).
	catalog int
	// join starts a second instance on join's database, as a load
	// balancer's second server would be; it creates nothing.
	join *site
	// strictLimits applies the per-address rate limits to loopback too
	// (they skip it by default), as to any client.
	strictLimits bool
	// devMailbox turns on the developer mailbox (/dev/mail), as --demo does.
	devMailbox bool
	// noJobs runs no background jobs (--jobs=false): messages stay in the
	// outbox as the test leaves them.
	noJobs bool
}

const (
	testCatalog = iota
	noCatalog
	demoCatalog
)

// startSite boots a real instance for one test (for options such as a
// short hold time) and stops it, cleanly, when the test ends.
func startSite(t *testing.T, o siteOptions) *site {
	t.Helper()
	dir := t.TempDir()
	if o.join != nil {
		dir = o.join.dir
	}
	s, stop, err := bootSite(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

var shared struct {
	once sync.Once
	site *site
	stop func() error
	dir  string
	err  error
}

// sharedSite is one instance that the tests without special options share,
// so the demo catalog loads once; TestMain stops it. Tests on it use their
// own buyer (newBuyer) and their own sections.
func sharedSite(t *testing.T) *site {
	t.Helper()
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "boxoffice-web-"); shared.err == nil {
			shared.site, shared.stop, shared.err = bootSite(shared.dir, siteOptions{})
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.site
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chrome.cancel != nil {
		chrome.cancel()
		os.RemoveAll(chrome.dataDir)
	}
	if shared.stop != nil {
		if err := shared.stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// bootSite starts a real instance on a free port with the demo data and
// the test accounts, in dir; stop shuts it down and reports an unclean stop.
func bootSite(dir string, o siteOptions) (*site, func() error, error) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := config.Defaults()
	cfg.Database = "sqlite:" + filepath.Join(dir, "web.db")
	cfg.LogLevel = "warn"
	if o.holdTTL > 0 {
		cfg.HoldTTL = o.holdTTL
	}
	if o.passTTL > 0 {
		cfg.QueuePassTTL = o.passTTL
	}
	if o.strictLimits {
		cfg.RateLimits.Exempt = nil
	}
	cfg.Notify.DevMailbox = o.devMailbox
	cfg.Jobs = !o.noJobs
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.New(ctx, cfg, app.Options{Log: log, Hasher: account.NewHasher(1)})
	if err != nil {
		cancel()
		return nil, nil, err
	}
	fail := func(err error) (*site, func() error, error) {
		cancel()
		a.Close()
		return nil, nil, err
	}
	s := &site{App: a, dir: dir}
	if o.join != nil {
		s.Admin, s.Events, o.catalog = o.join.Admin, o.join.Events, noCatalog
	}
	root := account.User{Role: account.RoleAdmin}
	for _, r := range []account.Registration{adminLogin, staffLogin, buyerLogin} {
		if o.join != nil {
			break
		}
		u, err := a.Accounts.CreateUser(ctx, root, r)
		if err != nil {
			return fail(err)
		}
		if u.IsAdmin() {
			s.Admin = u
		}
	}
	switch o.catalog {
	case testCatalog:
		if s.Events, err = loadTestCatalog(ctx, a.Catalog, s.Admin, a.Clock.Now()); err != nil {
			return fail(err)
		}
	case demoCatalog:
		if s.Demo, err = demo.Load(ctx, a.Catalog, s.Admin, a.Clock.Now()); err != nil {
			return fail(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	s.URL = "http://" + ln.Addr().String()
	stop := func() error {
		cancel()
		defer a.Close()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("serve did not stop cleanly: %w", err)
			}
			return nil
		case <-time.After(20 * time.Second):
			return errors.New("serve did not stop within 20s (a live stream kept it open?)")
		}
	}
	return s, stop, nil
}

// newBuyer registers a buyer of the test's own, so tests that share a site
// do not share a ticket limit.
func (s *site) newBuyer(t *testing.T) account.Registration {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	r := account.Registration{Email: name + "@example.com", Password: "buyer-password", Name: "Buyer of " + t.Name()}
	if _, _, err := s.App.Accounts.Register(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// event returns the id of the test catalog's event called name.
func (s *site) event(t *testing.T, name string) string {
	t.Helper()
	id, ok := s.Events[name]
	if !ok {
		t.Fatalf("no event %q in the test catalog", name)
	}
	return id
}

// chromium finds the browser, or skips (fails under CI) without it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("BOXOFFICE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed; CI must run the browser tests (apt-get install chromium)")
	}
	t.Skip("SKIPPING BROWSER TEST: Chromium is not installed (apt-get install chromium); set CI=1 to make this a failure")
	return ""
}

var chrome struct {
	once    sync.Once
	ctx     context.Context
	cancel  func()
	dataDir string
	err     error
}

// sharedChromium starts one headless Chromium for the whole test binary;
// each test's browsers are separate browser contexts in it (their own
// cookies and storage), which start in milliseconds. TestMain stops it.
func sharedChromium(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	chrome.once.Do(func() {
		if chrome.dataDir, chrome.err = os.MkdirTemp("", "boxoffice-chromium-"); chrome.err != nil {
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(chrome.dataDir), chromedp.WindowSize(1280, 900),
			chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true),
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		chrome.ctx, chrome.cancel = ctx, func() { cancelCtx(); cancelAlloc() }
		chrome.err = chromedp.Do(ctx)
	})
	if chrome.err != nil {
		t.Fatalf("start Chromium: %v", chrome.err)
	}
	return chrome.ctx
}

// browser is one person's browser: a browser context of its own.
type browser struct {
	t    *testing.T
	ctx  context.Context
	name string
}

func newBrowser(t *testing.T, name string) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(sharedChromium(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return &browser{t: t, ctx: ctx, name: name}
}

// tab is the browser's page, with a deadline for the test's steps.
type tab struct {
	t    *testing.T
	ctx  context.Context
	name string
	base string
}

func (b *browser) tab(base string) *tab {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Minute)
	b.t.Cleanup(cancel)
	tb := &tab{t: b.t, ctx: ctx, name: b.name, base: base}
	tb.do(chromedp.EmulateViewport(1280, 900))
	return tb
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.shot("failure")
		tb.t.Fatalf("%s: %v", tb.name, err)
	}
}

func (tb *tab) open(path string) { tb.t.Helper(); tb.do(chromedp.Navigate(tb.base + path)) }

// click clicks the element and waits for the page it loads.
func (tb *tab) clickAndWait(sel string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)))
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		tb.shot("failure")
		tb.t.Fatalf("%s: click %s: %v", tb.name, sel, err)
	}
}

// fill types text into an emptied field.
func (tb *tab) fill(sel, text string) {
	tb.t.Helper()
	tb.do(chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ''`, sel)),
		chromedp.SendKeys(chromedp.CSS(sel), text))
}

func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.shot("failure")
		tb.t.Fatalf("%s: evaluate %s: %v", tb.name, expr, err)
	}
	return v
}

func evalAwait[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, patience)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: evaluate %s: %v", tb.name, expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds or within fails.
func (tb *tab) waitFor(expr string, within time.Duration) time.Duration {
	tb.t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(tb.ctx, within)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		tb.shot("failure")
		tb.t.Fatalf("%s: waited %v for %s: %v", tb.name, within, expr, err)
	}
	return time.Since(start)
}

func (tb *tab) path() string {
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, tb.base)
}

// signIn signs in through the form.
func (tb *tab) signIn(r account.Registration) {
	tb.t.Helper()
	tb.open("/login")
	tb.fill("#email", r.Email)
	tb.fill("#password", r.Password)
	tb.clickAndWait("form[action='/login'] button[type=submit]")
	if p := tb.path(); strings.HasPrefix(p, "/login") {
		tb.shot("signin-failed")
		tb.t.Fatalf("%s: still on %s after signing in", tb.name, p)
	}
}

// shot saves a full-page screenshot as <test>/<browser>-<name>.png.
func (tb *tab) shot(name string) { tb.t.Helper(); tb.save(name, chromedp.FullScreenshot(100)) }

// shotView saves what the screen shows, without scrolling.
func (tb *tab) shotView(name string) { tb.t.Helper(); tb.save(name, chromedp.CaptureScreenshot()) }

// cleared remembers the tests whose screenshot folder this run emptied.
var cleared sync.Map

func (tb *tab) save(name string, a chromedp.Action[[]byte]) {
	tb.t.Helper()
	buf, err := chromedp.Run(tb.ctx, a)
	if err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join(outDir(tb.t), strings.ReplaceAll(tb.t.Name(), "/", "_"))
	if _, done := cleared.LoadOrStore(dir, true); !done {
		os.RemoveAll(dir) // screenshots of an earlier run would mislead
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	file := filepath.Join(dir, fmt.Sprintf("%s-%s.png", tb.name, name))
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// phone emulates a phone-sized screen for the next screenshots.
func (tb *tab) phone() {
	tb.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
}

func (tb *tab) desktop() { tb.do(chromedp.EmulateViewport(1280, 900)) }

var (
	outOnce sync.Once
	outPath string
)

// outDir is $BOXOFFICE_TEST_OUT, or testout/browser at the repository root.
func outDir(t *testing.T) string {
	outOnce.Do(func() {
		if d := os.Getenv("BOXOFFICE_TEST_OUT"); d != "" {
			outPath = filepath.Join(d, "browser")
			return
		}
		dir, _ := os.Getwd()
		for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				outPath = filepath.Join(d, "testout", "browser")
				return
			}
		}
		outPath = filepath.Join(dir, "testout", "browser")
	})
	return outPath
}

func chromedpClick(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
}

func chromedpWaitVisible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}

// selectAndWait chooses an option whose change submits a form, and waits
// for the new page.
func (tb *tab) selectAndWait(sel, value string) {
	tb.t.Helper()
	if _, err := chromedp.RunResponse(tb.ctx, chromedpSetSelect(sel, value)); err != nil {
		tb.t.Fatalf("%s: choose %s in %s: %v", tb.name, value, sel, err)
	}
}

// chromedpSetSelect chooses an option the way a person does: the value
// changes and a change event fires.
func chromedpSetSelect(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q;
		s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value))
}

// chromedpRunResponse types keys into a field (Enter submits) and waits for
// the page they load.
func chromedpRunResponse(tb *tab, sel, keys string) (any, error) {
	return chromedp.RunResponse(tb.ctx, chromedp.SendKeys(chromedp.CSS(sel), keys))
}

// login signs r in through the account service, for setting up data.
func login(t *testing.T, s *site, r account.Registration) (account.User, string, error) {
	t.Helper()
	return s.App.Accounts.Login(t.Context(), r.Email, r.Password)
}

// press sends keys to the focused element (chromedp/kb names special keys).
func (tb *tab) press(keys string) { tb.t.Helper(); tb.do(chromedp.KeyEvent(keys)) }

// pressAndWait sends keys that load a new page and waits for it.
func (tb *tab) pressAndWait(keys string) {
	tb.t.Helper()
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.KeyEvent(keys)); err != nil {
		tb.shot("failure")
		tb.t.Fatalf("%s: keys %q: %v", tb.name, keys, err)
	}
}

// tabTo presses Tab until the focused element matches the CSS selector,
// as a keyboard user would, and fails after max presses.
func (tb *tab) tabTo(sel string, max int) int {
	tb.t.Helper()
	for i := 1; i <= max; i++ {
		tb.press("\t")
		if eval[bool](tb, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel)) {
			return i
		}
	}
	tb.shot("tab-lost")
	tb.t.Fatalf("%s: %d Tab presses did not reach %s (focus is on %s)", tb.name, max, sel,
		eval[string](tb, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : 'nothing'`))
	return 0
}

// auditLabels fails the test for a visible control without an accessible
// name: every field has a label, every button and link says what it does.
func (tb *tab) auditLabels() {
	tb.t.Helper()
	bad := eval[[]string](tb, `(() => {
		const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) && getComputedStyle(el).visibility !== 'hidden';
		const named = el => (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby') ||
			(el.labels && [...el.labels].some(l => l.innerText.trim())) || (el.title || '').trim();
		const out = [];
		for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
			if (visible(el) && !named(el)) out.push(el.outerHTML.slice(0, 100));
		}
		for (const el of document.querySelectorAll('button, a[href], [role=button], [role=checkbox]')) {
			if (!visible(el)) continue;
			const text = (el.innerText || el.textContent || '').trim();
			if (!text && !named(el) && !el.querySelector('img[alt]:not([alt=""])')) out.push(el.outerHTML.slice(0, 100));
		}
		return out;
	})()`)
	if len(bad) > 0 {
		tb.t.Errorf("%s: controls without a label on %s:\n%s", tb.name, tb.path(), strings.Join(bad, "\n"))
	}
}

// smallEvent puts a small hall with one reserved section and a GA floor on
// sale, for tests that need no demo catalog.
func (s *site) smallEvent(t *testing.T) catalog.Event {
	t.Helper()
	lat, lon := 40.7, -74.0
	v, err := s.App.Catalog.CreateVenue(t.Context(), s.Admin, catalog.VenueInput{Name: "Small Hall", City: "Testville", Lat: &lat, Lon: &lon,
		Sections: []catalog.SectionInput{{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: 10}, {Name: "2", Seats: 10}}},
			{Name: "Floor", GeneralAdmission: true, Capacity: 30}}})
	if err != nil {
		t.Fatal(err)
	}
	now := s.App.Clock.Now()
	starts, onsale, price := now.Add(72*time.Hour), now.Add(-time.Hour), int64(2000)
	e, err := s.App.Catalog.CreateEvent(t.Context(), s.Admin, catalog.EventInput{VenueID: v.ID, Name: "Small Show", Category: "concert",
		StartsAt: &starts, OnsaleAt: &onsale, DefaultPriceCents: &price})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

package web_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"rsc.io/qr"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// gateTickets buys n seats of section A of event e for the test's buyer.
func (s *site) gateTickets(t *testing.T, u account.User, e catalog.Event, n int) []booking.Ticket {
	t.Helper()
	var out []booking.Ticket
	for range n {
		o := s.buyFor(t, u, e.ID, booking.HoldRequest{BestAvailable: true, Section: "A", Quantity: 1}, "tok_visa")
		out = append(out, o.Tickets...)
	}
	return out
}

// gateBuyer signs up the test's buyer.
func (s *site) gateBuyer(t *testing.T) account.User {
	t.Helper()
	u, _, err := login(t, s, s.newBuyer(t))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// scanned reports whether the ticket has been checked in.
func (s *site) scanned(t *testing.T, id string) bool {
	t.Helper()
	tk, err := s.App.Booking.Ticket(t.Context(), s.Admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return tk.CheckedInAt != nil
}

// typeScan types a code and Enter into the barcode field, as a USB
// scanner does, and waits for the answer page.
func (tb *tab) typeScan(code string) {
	tb.t.Helper()
	tb.do(chromedpWaitVisible("#barcode"))
	if _, err := chromedpRunResponse(tb, "#barcode", code+"\n"); err != nil {
		tb.t.Fatal(err)
	}
}

const verdictJS = `(() => { const v = document.querySelector('[data-verdict]'); return v ? v.dataset.verdict + ' ' + v.innerText.replace(/\s+/g, ' ') : 'none'; })()`

const countJS = `document.querySelector('[data-gate-count]')?.innerText.trim() || ''`

// TestBrowserGate: staff pick the event they work from the list (the
// choice stays in the URL), scan a ticket for it (green with the seat, the
// count goes up), the same again (red, with the seat and the local time of
// the first scan), and a ticket for another event (red, naming that event,
// its time and venue; nothing scanned, the count unchanged). With no
// camera the camera button says so and typed entry goes on working. At
// desktop size and at 390 px.
func TestBrowserGate(t *testing.T) {
	s := sharedSite(t)
	e := s.feeEvent(t, "Gate Test Night")
	other := s.feeEvent(t, "Gate Other Night")
	u := s.gateBuyer(t)
	tks := s.gateTickets(t, u, e, 3)
	otk := s.gateTickets(t, u, other, 1)[0]

	for _, size := range []string{"desktop", "phone"} {
		tb := newBrowser(t, "staff-"+size).tab(s.URL)
		if size == "phone" {
			tb.phone()
		}
		tb.signIn(staffLogin)
		tb.open("/gate")
		if size == "desktop" {
			tb.shot("01-pick-event")
			tb.clickAndWait(`[data-pick-event="` + e.ID + `"]`)
		} else {
			tb.open("/gate?event=" + e.ID) // a second phone, sent the link
		}
		if p := tb.path(); p != "/gate?event="+e.ID {
			t.Fatalf("%s: the chosen event is not in the URL: %s", size, p)
		}
		if h := eval[string](tb, `document.querySelector('[data-gate-event]').innerText`); !strings.Contains(h, "Gate Test Night") ||
			!strings.Contains(h, "CST") || !strings.Contains(h, "Lakeside Hall Gate Test Night") {
			t.Errorf("%s: the gate's heading says %q", size, h)
		}
		tk := tks[0]
		wantIn := 0
		if size == "phone" {
			tk, wantIn = tks[1], 1
		}
		if c := eval[string](tb, countJS); c != fmt.Sprintf("%d of 3 in", wantIn) {
			t.Errorf("%s: count before scanning %q", size, c)
		}

		tb.typeScan(tk.Barcode)
		seat := booking.SeatLine(tk)
		if v := eval[string](tb, verdictJS); !strings.HasPrefix(v, "ok") || !strings.Contains(v, "Welcome in") || !strings.Contains(v, seat) {
			t.Errorf("%s: first scan shows %q, want green with %q", size, v, seat)
		}
		if c := eval[string](tb, countJS); c != fmt.Sprintf("%d of 3 in", wantIn+1) {
			t.Errorf("%s: count after a scan %q", size, c)
		}
		if p := tb.path(); p != "/gate?event="+e.ID {
			t.Errorf("%s: after a scan the page is %s, without its event", size, p)
		}
		tb.shot("02-green-" + size)
		if size == "phone" {
			phoneLayout(t, tb)
		}

		tb.typeScan(tk.Barcode)
		v := eval[string](tb, verdictJS)
		if !strings.HasPrefix(v, "bad") || !regexp.MustCompile(`Already scanned at \d{1,2}:\d\d:\d\d [AP]M CST`).MatchString(v) || !strings.Contains(v, seat) {
			t.Errorf("%s: repeat scan shows %q, want the first scan's time in CST and %q", size, v, seat)
		}
		if c := eval[string](tb, countJS); c != fmt.Sprintf("%d of 3 in", wantIn+1) {
			t.Errorf("%s: count after a repeat scan %q", size, c)
		}
		tb.shot("03-already-" + size)

		tb.typeScan(otk.Barcode)
		v = eval[string](tb, verdictJS)
		if !strings.HasPrefix(v, "bad") || !strings.Contains(v, "Wrong event") || !strings.Contains(v, "This ticket is for Gate Other Night") ||
			!regexp.MustCompile(`\d{1,2}:\d\d [AP]M CST`).MatchString(v) || !strings.Contains(v, "Lakeside Hall Gate Other Night") {
			t.Errorf("%s: a ticket for another event shows %q", size, v)
		}
		if s.scanned(t, otk.ID) {
			t.Fatalf("%s: the other event's ticket was checked in", size)
		}
		if c := eval[string](tb, countJS); c != fmt.Sprintf("%d of 3 in", wantIn+1) {
			t.Errorf("%s: count after a wrong-event scan %q", size, c)
		}
		tb.shot("04-wrong-event-" + size)
		if size == "phone" {
			phoneLayout(t, tb)
		}
	}

	// No camera in this browser: the button says so; typing still works.
	tb := newBrowser(t, "staff-no-camera").tab(s.URL)
	tb.signIn(staffLogin)
	tb.open("/gate?event=" + e.ID)
	tb.do(chromedpClick("#camera-start"))
	tb.waitFor(`!document.querySelector('#camera-message').hidden && document.querySelector('#camera-message').innerText.length > 0`, patience)
	if m := eval[string](tb, `document.querySelector('#camera-message').innerText`); !strings.Contains(m, "Type the barcode") && !strings.Contains(m, "type the barcode") {
		t.Errorf("without a camera the page says %q", m)
	}
	if eval[bool](tb, `!document.querySelector('#camera').hidden`) {
		t.Error("the camera view is shown without a camera")
	}
	tb.shot("05-no-camera")
	tb.typeScan(tks[2].Barcode)
	if v := eval[string](tb, verdictJS); !strings.HasPrefix(v, "ok") {
		t.Errorf("typed scan after the camera failed shows %q", v)
	}
	if c := eval[string](tb, countJS); c != "3 of 3 in" {
		t.Errorf("count %q, want 3 of 3 in", c)
	}

	// An event that does not exist: said so, with the list to pick from.
	tb.open("/gate?event=evt_nosuch")
	if eval[string](tb, `document.querySelector('[data-gate-missing]')?.innerText || ''`) == "" ||
		eval[int](tb, `document.querySelectorAll('[data-pick-event]').length`) == 0 {
		t.Error("an unknown event does not say so and offer the list")
	}
}

// phoneLayout checks the gate at 390 px: nothing wider than the screen,
// the verdict big, the count on the first screen.
func phoneLayout(t *testing.T, tb *tab) {
	t.Helper()
	if w := eval[int](tb, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the gate is %d px wide at 390 px", w)
	}
	if px := eval[float64](tb, `parseFloat(getComputedStyle(document.querySelector('[data-verdict] .big')).fontSize)`); px < 36 {
		t.Errorf("the verdict is %.0f px, want it big", px)
	}
	if bottom := eval[float64](tb, `document.querySelector('[data-gate-count]').getBoundingClientRect().bottom`); bottom > 844 {
		t.Errorf("the count is below the first screen (bottom at %.0f px)", bottom)
	}
}

// writeQRVideo writes a Y4M video (a text header and raw YUV 4:2:0
// frames) of text as a QR code, black on white in a 640×480 picture: the
// fake camera Chromium plays with --use-file-for-fake-video-capture.
func writeQRVideo(t *testing.T, path, text string) {
	t.Helper()
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	const w, h, frames = 640, 480, 10
	scale := 8
	side := (code.Size + 8) * scale // with the quiet zone
	if side > h {
		t.Fatalf("QR code of %d modules does not fit", code.Size)
	}
	x0, y0 := (w-side)/2+4*scale, (h-side)/2+4*scale
	luma := make([]byte, w*h)
	for i := range luma {
		luma[i] = 235 // white
	}
	for y := range code.Size {
		for x := range code.Size {
			if !code.Black(x, y) {
				continue
			}
			for dy := range scale {
				for dx := range scale {
					luma[(y0+y*scale+dy)*w+x0+x*scale+dx] = 16 // black
				}
			}
		}
	}
	chroma := make([]byte, w*h/4)
	for i := range chroma {
		chroma[i] = 128
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1\n", w, h)
	for range frames {
		bw.WriteString("FRAME\n")
		bw.Write(luma)
		bw.Write(chroma)
		bw.Write(chroma)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// newCameraBrowser starts a Chromium of its own whose camera plays video
// (a Y4M file) and which grants the camera without asking: the flags are
// the whole browser's, so the shared one cannot have them.
func newCameraBrowser(t *testing.T, name, video string) *browser {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium with a fake camera: %v", err)
	}
	return &browser{t: t, ctx: ctx, name: name}
}

// beforeScripts runs js in the tab's pages before their own scripts.
func (tb *tab) beforeScripts(js string) {
	tb.t.Helper()
	tb.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js})
		return err
	}))
}

// fakeDetector is a BarcodeDetector that reads code from any picture with
// something in it, and says it reads formats.
func fakeDetector(formats, code string) string {
	return fmt.Sprintf(`window.BarcodeDetector = class {
  static async getSupportedFormats() { return %s; }
  constructor(opts) { window.detectorFormats = opts.formats; }
  async detect(src) { return src.videoWidth ? [{ rawValue: %q, format: 'qr_code' }] : []; }
};`, formats, code)
}

// TestBrowserGateCamera: in real Chromium with a fake camera that shows a
// ticket's QR code, "Scan with camera" checks the ticket in: headless
// Chromium has no BarcodeDetector, so jsQR reads the picture. The code
// staying in view is not scanned again. Then the BarcodeDetector branch:
// a browser whose detector reads QR codes uses it, and one whose detector
// does not falls back to jsQR (which reads the same, already scanned,
// ticket: red, with its seat).
func TestBrowserGateCamera(t *testing.T) {
	s := sharedSite(t)
	e := s.feeEvent(t, "Gate Camera Night")
	tks := s.gateTickets(t, s.gateBuyer(t), e, 2)
	video := filepath.Join(t.TempDir(), "ticket.y4m")
	writeQRVideo(t, video, tks[0].Barcode)
	b := newCameraBrowser(t, "camera", video)

	tb := b.tab(s.URL)
	tb.signIn(staffLogin)
	tb.open("/gate?event=" + e.ID)
	if eval[bool](tb, `'BarcodeDetector' in window`) {
		t.Log("this Chromium has a BarcodeDetector: the camera scan below uses it, not jsQR")
	}
	tb.do(chromedpClick("#camera-start"))
	tb.waitFor(`document.querySelector('[data-verdict]')?.dataset.verdict === 'ok'`, patience)
	if want := map[bool]string{false: "jsqr", true: "native"}[eval[bool](tb, `'BarcodeDetector' in window`)]; eval[string](tb, `document.querySelector('#gate-form').dataset.decoder`) != want {
		t.Errorf("decoder %q, want %q", eval[string](tb, `document.querySelector('#gate-form').dataset.decoder`), want)
	}
	if v := eval[string](tb, verdictJS); !strings.Contains(v, "Welcome in") || !strings.Contains(v, booking.SeatLine(tks[0])) {
		t.Errorf("camera scan shows %q", v)
	}
	if !s.scanned(t, tks[0].ID) {
		t.Fatal("the camera scan did not check the ticket in")
	}
	if c := eval[string](tb, countJS); c != "1 of 2 in" {
		t.Errorf("count after the camera scan %q", c)
	}
	if p := tb.path(); p != "/gate?event="+e.ID || eval[string](tb, `document.querySelector('#gate-form').dataset.camera || ''`) != "on" {
		t.Errorf("after a camera scan the page is %s, camera %q: it should stay, with the camera on", p,
			eval[string](tb, `document.querySelector('#gate-form').dataset.camera || ''`))
	}
	tb.shot("01-camera-green")
	// The code stays in view: still green four seconds later, not "already scanned".
	tb.do(chromedp.Sleep(4e9))
	if v := eval[string](tb, verdictJS); !strings.HasPrefix(v, "ok") {
		t.Errorf("the code kept in view was scanned again: %q", v)
	}
	tb.phone()
	tb.shot("02-camera-green-phone")
	phoneLayout(t, tb)
	tb.do(chromedpClick("#camera-start")) // stop
	tb.waitFor(`document.querySelector('#camera').hidden && !document.querySelector('#gate-form').dataset.camera`, patience)

	// A browser with a BarcodeDetector for QR codes uses it.
	nb := b.tab(s.URL)
	nb.beforeScripts(fakeDetector(`['qr_code', 'ean_13']`, tks[1].Barcode))
	nb.open("/gate?event=" + e.ID)
	nb.do(chromedpClick("#camera-start"))
	nb.waitFor(`document.querySelector('[data-verdict]')?.dataset.verdict === 'ok'`, patience)
	if d := eval[string](nb, `document.querySelector('#gate-form').dataset.decoder + ' ' + window.detectorFormats.join(',')`); d != "native qr_code" {
		t.Errorf("with a BarcodeDetector for QR codes the decoder is %q", d)
	}
	if !s.scanned(t, tks[1].ID) {
		t.Fatal("the BarcodeDetector scan did not check the ticket in")
	}
	if c := eval[string](nb, countJS); c != "2 of 2 in" {
		t.Errorf("count after the BarcodeDetector scan %q", c)
	}

	// One that cannot read QR codes is passed over for jsQR, which reads
	// the camera's ticket, scanned above: red, with its seat.
	fb := b.tab(s.URL)
	fb.beforeScripts(fakeDetector(`['ean_13']`, "not-used"))
	fb.open("/gate?event=" + e.ID)
	fb.do(chromedpClick("#camera-start"))
	fb.waitFor(`document.querySelector('[data-verdict]')?.dataset.verdict === 'bad'`, patience)
	if d := eval[string](fb, `document.querySelector('#gate-form').dataset.decoder`); d != "jsqr" {
		t.Errorf("with a BarcodeDetector without QR codes the decoder is %q", d)
	}
	if v := eval[string](fb, verdictJS); !strings.Contains(v, "Already scanned at") || !strings.Contains(v, booking.SeatLine(tks[0])) {
		t.Errorf("camera repeat scan shows %q", v)
	}
	fb.shot("03-camera-already")
}

// TestBrowserGateCountFollowsOtherGates: the count on a gate's page is the
// whole event's. A ticket scanned at another gate (another phone, another
// instance) shows in this page's count within a few seconds, with no scan
// here; the verdict on the page is left as it was.
func TestBrowserGateCountFollowsOtherGates(t *testing.T) {
	s := sharedSite(t)
	e := s.feeEvent(t, "Gate Two Doors Night")
	u := s.gateBuyer(t)
	tks := s.gateTickets(t, u, e, 3)

	tb := newBrowser(t, "staff-door-a").tab(s.URL)
	tb.phone()
	tb.signIn(staffLogin)
	tb.open("/gate?event=" + e.ID)
	tb.typeScan(tks[0].Barcode)
	if c := eval[string](tb, countJS); c != "1 of 3 in" {
		t.Fatalf("count after this gate's scan %q", c)
	}
	for i, tk := range tks[1:] {
		if _, err := s.App.Booking.CheckInFor(t.Context(), s.Admin, tk.Barcode, e.ID); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%d of 3 in", i+2)
		took := tb.waitFor(`document.querySelector('[data-gate-count]')?.innerText.trim() === '`+want+`'`, 10*time.Second)
		t.Logf("another gate's scan showed here in %v", took.Round(time.Millisecond))
	}
	if v := eval[string](tb, verdictJS); !strings.HasPrefix(v, "ok") || !strings.Contains(v, "Welcome in") {
		t.Errorf("the refresh changed this gate's verdict: %q", v)
	}
	tb.shot("01-count-from-other-gates")
}

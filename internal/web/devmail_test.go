package web_test

import (
	"bytes"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// buyFloor has r pay for two places on the small event's floor and returns
// the order.
func buyFloor(t *testing.T, s *site, r account.Registration, eventID string, req booking.OrderRequest) booking.Order {
	t.Helper()
	u, _, err := login(t, s, r)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.App.Booking.PlaceHold(t.Context(), u, eventID, booking.HoldRequest{Section: "Floor", Quantity: 2})
	if err != nil {
		t.Fatal(err)
	}
	req.HoldID, req.PaymentToken = h.ID, "tok_visa"
	o, err := s.App.Booking.PlaceOrder(t.Context(), u, req)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// waitForMail waits for the outbox job (every second) to put n entries in
// the developer mailbox, and returns them newest first.
func waitForMail(t *testing.T, s *site, n int) []notify.MailboxEntry {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		ms, err := s.App.Store.Mails(t.Context(), 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mailbox has %d messages after %v, want %d", len(ms), patience, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var (
	cidURL    = regexp.MustCompile(`src="(/dev/mail/[^"/]+/cid/[^"]+)"`)
	partURL   = regexp.MustCompile(`href="(/dev/mail/[^"/]+/part/\d+)" download>event\.ics<`)
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	iframeTag = regexp.MustCompile(`<iframe[^>]*src="/dev/mail/([^"/]+)/html"[^>]*sandbox="([^"]*)"`)
)

// TestDevMailbox reads a confirmation (e-mail and SMS) in the developer
// mailbox as an admin: the list, the letter's page, its HTML with each
// cid: image served from the letter, its calendar invite and the raw
// message; the letter's parts are served under a policy of their own; and
// only admins get in.
func TestDevMailbox(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog, devMailbox: true})
	e := s.smallEvent(t)
	o := buyFloor(t, s, buyerLogin, e.ID, booking.OrderRequest{ConfirmBy: []string{"email", "sms"}, Phone: "+15555550123"})
	ms := waitForMail(t, s, 2)
	var mail, sms notify.MailboxEntry
	for _, m := range ms {
		if m.Channel == notify.ChannelSMS {
			sms = m
		} else {
			mail = m
		}
	}
	if mail.ID == "" || sms.ID == "" {
		t.Fatalf("mailbox: %+v", ms)
	}

	admin := client(t)
	signInHTTP(t, admin, s, adminLogin)
	res, page := get(t, admin, s.URL+"/dev/mail")
	if res.StatusCode != 200 || !strings.Contains(page, "Your tickets for Small Show") || !strings.Contains(page, `href="/dev/mail/`+mail.ID+`"`) ||
		!strings.Contains(page, `href="/dev/mail/`+sms.ID+`"`) || !strings.Contains(page, buyerLogin.Email) || !strings.Contains(page, "15555550123") {
		t.Fatalf("/dev/mail: %d\n%s", res.StatusCode, page)
	}
	if _, page := get(t, admin, s.URL+"/admin"); !strings.Contains(page, `href="/dev/mail"`) {
		t.Error("the organizer page does not link to the mailbox")
	}

	base := s.URL + "/dev/mail/" + mail.ID
	res, page = get(t, admin, base)
	if res.StatusCode != 200 {
		t.Fatalf("letter page: %d", res.StatusCode)
	}
	for _, want := range []string{"tickets@boxoffice.localhost", buyerLogin.Email, "Your tickets for Small Show", "&lt;" + mail.ID + "@",
		"Thank you for your order", `href="/dev/mail/` + mail.ID + `/raw"`, "event.ics"} {
		if !strings.Contains(page, want) {
			t.Errorf("letter page lacks %q", want)
		}
	}
	if m := iframeTag.FindStringSubmatch(page); m == nil || m[1] != mail.ID || !strings.Contains(m[2], "allow-same-origin") || strings.Contains(m[2], "allow-scripts") {
		t.Errorf("no sandboxed iframe of the HTML (or one that may run scripts): %v", m)
	}

	res, html := get(t, admin, base+"/html")
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "img-src 'self'") || strings.Contains(csp, "script-src") ||
		!strings.Contains(csp, "frame-ancestors 'self'") || !strings.Contains(csp, "sandbox") || strings.Contains(csp, "allow-scripts") ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("HTML part: %d, headers %v", res.StatusCode, res.Header)
	}
	if strings.Contains(html, `"cid:`) || !strings.Contains(html, `<base target="_blank">`) {
		t.Errorf("HTML not rewritten for the frame:\n%s", html)
	}
	imgs := cidURL.FindAllStringSubmatch(html, -1)
	if len(imgs) != len(o.Tickets) {
		t.Fatalf("%d images in the HTML, want one per ticket (%d)", len(imgs), len(o.Tickets))
	}
	for _, m := range imgs {
		res, body := get(t, admin, s.URL+m[1])
		if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); res.StatusCode != 200 || mt != "image/png" || !bytes.HasPrefix([]byte(body), pngMagic) ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d %s", m[1], res.StatusCode, res.Header.Get("Content-Type"))
		}
	}

	part := partURL.FindStringSubmatch(page)
	if part == nil {
		t.Fatal("no download link of event.ics")
	}
	res, ics := get(t, admin, s.URL+part[1])
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") ||
		res.Header.Get("Content-Disposition") != `attachment; filename=event.ics` || !strings.HasPrefix(ics, "BEGIN:VCALENDAR") ||
		!strings.Contains(ics, "Small Show") {
		t.Errorf("event.ics: %d %v\n%s", res.StatusCode, res.Header, ics)
	}
	res, raw := get(t, admin, base+"/raw")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "message/rfc822" ||
		res.Header.Get("Content-Disposition") != "attachment; filename="+mail.ID+".eml" || !strings.Contains(raw, "Message-ID: <"+mail.ID+"@") {
		t.Errorf("raw: %d %v", res.StatusCode, res.Header)
	}

	res, page = get(t, admin, s.URL+"/dev/mail/"+sms.ID)
	if res.StatusCode != 200 || !strings.Contains(page, "data-sms-text") || !strings.Contains(page, "Small Show") || strings.Contains(page, "<iframe") {
		t.Errorf("SMS page: %d\n%s", res.StatusCode, page)
	}
	if res, text := get(t, admin, s.URL+"/dev/mail/"+sms.ID+"/raw"); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") ||
		!strings.Contains(text, "Small Show") {
		t.Errorf("SMS raw: %d %v", res.StatusCode, res.Header)
	}

	for _, path := range []string{"/dev/mail/msg_none", "/dev/mail/msg_none/html", "/dev/mail/" + mail.ID + "/part/99",
		"/dev/mail/" + mail.ID + "/part/x", "/dev/mail/" + mail.ID + "/cid/nothing", "/dev/mail/" + sms.ID + "/html"} {
		if res, _ := get(t, admin, s.URL+path); res.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}

	buyer, staff := client(t), client(t)
	signInHTTP(t, buyer, s, buyerLogin)
	signInHTTP(t, staff, s, staffLogin)
	for _, path := range []string{"/dev/mail", "/dev/mail/" + mail.ID, "/dev/mail/" + mail.ID + "/html", "/dev/mail/" + mail.ID + "/raw",
		"/dev/mail/" + mail.ID + "/part/0", imgs[0][1]} {
		if res, _ := get(t, client(t), s.URL+path); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s: %d to %q", path, res.StatusCode, res.Header.Get("Location"))
		}
		for who, c := range map[string]*http.Client{"buyer": buyer, "staff": staff} {
			if res, body := get(t, c, s.URL+path); res.StatusCode != http.StatusForbidden || strings.Contains(body, "Thank you for your order") {
				t.Errorf("%s %s: %d", who, path, res.StatusCode)
			}
		}
	}
}

// TestDevMailboxOff: without the mailbox its pages are not there at all,
// exactly like a path that never existed, for admins too.
func TestDevMailboxOff(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog})
	admin := client(t)
	signInHTTP(t, admin, s, adminLogin)
	_, absent := get(t, admin, s.URL+"/no-such-page")
	for _, path := range []string{"/dev/mail", "/dev/mail/msg_1", "/dev/mail/msg_1/html", "/dev/mail/msg_1/raw"} {
		if res, body := get(t, admin, s.URL+path); res.StatusCode != 404 || body != absent {
			t.Errorf("%s: %d %q, want the 404 of a missing page", path, res.StatusCode, body)
		}
	}
	if _, page := get(t, admin, s.URL+"/admin"); strings.Contains(page, "/dev/mail") {
		t.Error("the organizer page links to a mailbox that is off")
	}
}

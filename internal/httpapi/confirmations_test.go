package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/notify/email/smtptest"
)

// part is one leaf of a MIME message.
type part struct {
	contentType string
	params      map[string]string
	header      map[string][]string
	body        []byte
}

// leaves walks a MIME entity down to its leaves, decoding base64 (mime/
// multipart decodes quoted-printable itself); it records the multipart
// types on the way, outermost first.
func leaves(t *testing.T, header map[string][]string, body io.Reader, path *[]string) []part {
	t.Helper()
	ct := "text/plain"
	if v := header["Content-Type"]; len(v) > 0 {
		ct = v[0]
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("content type %q: %v", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		*path = append(*path, mt)
		var out []part
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextPart()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, leaves(t, p.Header, p, path)...)
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if enc := header["Content-Transfer-Encoding"]; len(enc) > 0 && strings.EqualFold(enc[0], "base64") {
		if b, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b))); err != nil {
			t.Fatal(err)
		}
	}
	return []part{{contentType: mt, params: params, header: header, body: b}}
}

func parseMail(t *testing.T, raw []byte) (*mail.Message, []part, []string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	return m, leaves(t, m.Header, m.Body, &path), path
}

func byType(ps []part, mt string) []part {
	var out []part
	for _, p := range ps {
		if p.contentType == mt {
			out = append(out, p)
		}
	}
	return out
}

// logBuffer collects the instance's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestConfirmationByEmail buys tickets and reads the confirmation back from
// a real SMTP server that speaks STARTTLS and wants a login: the text and
// HTML bodies, each ticket's QR code inline, and the calendar invite; then
// the refund notice, and the cancellation of the event sent to another
// buyer with a calendar update that cancels the invite.
func TestConfirmationByEmail(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{STARTTLS: true, User: "mailer", Pass: "s3cret-pass"})
	logs := &logBuffer{}
	h := newHarnessWith(t, harnessOptions{smtpTLS: smtp.ClientTLS, log: slog.New(slog.NewTextHandler(logs, nil))}, func(c *config.Config) {
		c.Notify.SMTPURL = smtp.URL
		c.Notify.PublicURL = "https://tickets.example.com"
	})
	if strings.Contains(logs.String(), "s3cret-pass") {
		t.Fatalf("the SMTP password is in the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "mailer:xxxxx@") {
		t.Errorf("the log does not name the SMTP server with its password masked:\n%s", logs.String())
	}
	ev := h.event(t, 2, 4, 10)
	buyer := h.buyer(t)
	var hold struct{ Hold struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer, Body: map[string]any{"best_available": true, "quantity": 2, "section": "A"}}).JSON(t, &hold)
	var ord struct {
		Order struct {
			ID        string
			ConfirmBy []string `json:"confirm_by"`
			Tickets   []struct{ ID, Barcode string }
		}
	}
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "k1"},
		Body: map[string]any{"hold_id": hold.Hold.ID, "payment_token": "tok_visa"}}).JSON(t, &ord)
	if len(ord.Order.ConfirmBy) != 1 || ord.Order.ConfirmBy[0] != "email" {
		t.Errorf("confirm_by = %v, want [email] by default", ord.Order.ConfirmBy)
	}
	deliver(t, h, 1)
	msgs := smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the SMTP server got %d messages, want 1", len(msgs))
	}
	m, parts, path := parseMail(t, msgs[0].Raw)
	if got := m.Header.Get("Subject"); got != "Your tickets for Test Show" {
		t.Errorf("Subject = %q", got)
	}
	if to, err := m.Header.AddressList("To"); err != nil || len(to) != 1 || !strings.HasPrefix(to[0].Address, "buyer") {
		t.Errorf("To = %v (%v)", to, err)
	}
	if id := m.Header.Get("Message-Id"); !strings.HasPrefix(id, "<msg_") || !strings.HasSuffix(id, "@tickets.example.com>") {
		t.Errorf("Message-ID = %q, want <msg_…@tickets.example.com>", id)
	}
	if got := m.Header.Get("X-Boxoffice-Order"); got != ord.Order.ID {
		t.Errorf("X-Boxoffice-Order = %q, want %q", got, ord.Order.ID)
	}
	if strings.Join(path, " ") != "multipart/mixed multipart/related multipart/alternative" {
		t.Errorf("MIME structure %v, want mixed > related > alternative", path)
	}
	text := byType(parts, "text/plain")
	html := byType(parts, "text/html")
	if len(text) != 1 || len(html) != 1 {
		t.Fatalf("%d text and %d HTML parts, want 1 and 1", len(text), len(html))
	}
	// 2 × $25 + 2 × $4.75 + $3.95 = $63.45; 19:00 in New York is 12:00 + 72 h UTC.
	for _, want := range []string{"Test Show", "Test Hall", "Thursday 26 November 2026, 07:00 EST", "Section A, row 1, seat ", "Total charged: 63.45 USD", "https://tickets.example.com/orders/" + ord.Order.ID, ord.Order.ID} {
		if !strings.Contains(string(text[0].body), want) {
			t.Errorf("the text part lacks %q:\n%s", want, text[0].body)
		}
		if want != "Total charged: 63.45 USD" && !strings.Contains(string(html[0].body), strings.ReplaceAll(want, "Total charged: ", "")) {
			t.Errorf("the HTML part lacks %q", want)
		}
	}
	images := byType(parts, "image/png")
	if len(images) != 2 {
		t.Fatalf("%d inline images, want a QR code per ticket (2)", len(images))
	}
	for _, img := range images {
		cid := strings.Trim(img.header["Content-Id"][0], "<>")
		if !strings.Contains(string(html[0].body), `src="cid:`+cid+`"`) {
			t.Errorf("the HTML does not show inline image %s", cid)
		}
		if d := img.header["Content-Disposition"]; len(d) == 0 || !strings.HasPrefix(d[0], "inline") {
			t.Errorf("image %s disposition %v, want inline", cid, d)
		}
		pic, err := png.Decode(bytes.NewReader(img.body))
		if err != nil {
			t.Fatalf("QR image %s: %v", cid, err)
		}
		if b := pic.Bounds(); b.Dx() < 100 || b.Dx() != b.Dy() {
			t.Errorf("QR image %s is %v, want a square of at least 100 px", cid, b)
		}
	}
	ics := byType(parts, "text/calendar")
	if len(ics) != 1 {
		t.Fatalf("%d calendar parts, want 1", len(ics))
	}
	cal := string(ics[0].body)
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "METHOD:PUBLISH\r\n", "BEGIN:VEVENT\r\n", "UID:order-" + ord.Order.ID + "@tickets.example.com\r\n",
		"DTSTART:20261126T120000Z\r\n", "SUMMARY:Test Show\r\n", "STATUS:CONFIRMED\r\n", "END:VCALENDAR\r\n"} {
		if !strings.Contains(cal, want) {
			t.Errorf("the invite lacks %q:\n%s", want, cal)
		}
	}
	if ics[0].params["method"] != "PUBLISH" {
		t.Errorf("calendar part method param = %q", ics[0].params["method"])
	}

	// The refund notice.
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/orders/" + ord.Order.ID + "/refund", Token: h.admin})
	deliver(t, h, 1)
	m, parts, _ = parseMail(t, smtp.Messages()[1].Raw)
	if got := m.Header.Get("Subject"); got != "Refund of your order for Test Show" {
		t.Errorf("refund Subject = %q", got)
	}
	if body := string(byType(parts, "text/plain")[0].body); !strings.Contains(body, "Refunded: 63.45 USD") {
		t.Errorf("refund text lacks the amount:\n%s", body)
	}

	// Another buyer's order, then the event is cancelled.
	other := h.buyer(t)
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: other, Body: map[string]any{"quantity": 1, "section": "Floor"}}).JSON(t, &hold)
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: other, Header: map[string]string{"Idempotency-Key": "k2"},
		Body: map[string]any{"hold_id": hold.Hold.ID, "payment_token": "tok_visa"}}).JSON(t, &ord)
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/cancel", Token: h.admin})
	deliver(t, h, 2)
	msgs = smtp.Messages()
	m, parts, _ = parseMail(t, msgs[len(msgs)-1].Raw)
	if got := m.Header.Get("Subject"); !strings.HasPrefix(got, "Cancelled: Test Show") {
		t.Errorf("cancellation Subject = %q", got)
	}
	cal = string(byType(parts, "text/calendar")[0].body)
	for _, want := range []string{"METHOD:CANCEL\r\n", "STATUS:CANCELLED\r\n", "UID:order-" + ord.Order.ID + "@tickets.example.com\r\n"} {
		if !strings.Contains(cal, want) {
			t.Errorf("the cancellation's calendar update lacks %q:\n%s", want, cal)
		}
	}
}

// deliver runs the outbox job once and wants n messages sent.
func deliver(t *testing.T, h *harness, n int) {
	t.Helper()
	got, err := h.app.Deliverer.Deliver(context.Background())
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if got != n {
		t.Fatalf("delivered %d messages, want %d", got, n)
	}
}

// TestConfirmationRetriedThenDead: a mail server that refuses sessions, fails
// a message for now or drops the connection before answering is tried again
// with a growing backoff, and the message goes out once it recovers; a
// recipient refused for good, or attempts used up, leave the message dead,
// counted by boxoffice_outbox_dead_messages.
func TestConfirmationRetriedThenDead(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	h := newHarness(t, func(c *config.Config) {
		c.Notify.SMTPURL = smtp.URL
		c.Notify.MaxAttempts = 4
		c.Notify.SMTPTimeout = 300 * time.Millisecond
	})
	ev := h.event(t, 2, 4, 50)
	buy := func(token, key string) {
		var hold struct{ Hold struct{ ID string } }
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: token, Body: map[string]any{"quantity": 1, "section": "Floor"}}).JSON(t, &hold)
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: token, Header: map[string]string{"Idempotency-Key": key},
			Body: map[string]any{"hold_id": hold.Hold.ID, "payment_token": "tok_visa"}})
	}
	buyer := h.buyer(t)
	buy(buyer, "a")

	tick := func(d time.Duration) int {
		t.Helper()
		h.clock.Advance(d)
		n, err := h.app.Deliverer.Deliver(context.Background())
		if err != nil {
			t.Fatalf("deliver: %v", err)
		}
		return n
	}
	smtp.Down(true)
	if n := tick(0); n != 0 {
		t.Fatalf("sent %d while the server refused sessions", n)
	}
	if n := tick(500 * time.Millisecond); n != 0 {
		t.Fatalf("retried %d before the first backoff (1 s) ended", n)
	}
	smtp.Down(false)
	smtp.FailNext(1) // 451 after DATA
	if n := tick(600 * time.Millisecond); n != 0 {
		t.Fatal("sent despite a 451")
	}
	smtp.DropNext(1) // the server reads it and hangs up without answering
	if n := tick(2 * time.Second); n != 0 {
		t.Fatal("counted as sent a message whose answer never came")
	}
	smtp.Delay(time.Second) // longer than --smtp-timeout
	if n := tick(4 * time.Second); n != 0 {
		t.Fatal("counted as sent a message whose answer came after the timeout")
	}
	smtp.Delay(0)
	// Attempts so far: refused, 451, dropped, timed out = 4 = MaxAttempts:
	// dead. The dropped and the timed-out one did reach the server.
	if n := tick(time.Hour); n != 0 {
		t.Fatal("a dead message was sent again")
	}
	metrics := string(h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/metrics"}).Body)
	if !strings.Contains(metrics, "boxoffice_outbox_dead_messages 1\n") {
		t.Errorf("/metrics does not count the dead message:\n%s", grepLines(metrics, "boxoffice_outbox"))
	}
	if !strings.Contains(metrics, `boxoffice_notifications_failed_total{channel="email"} 3`) ||
		!strings.Contains(metrics, `boxoffice_notifications_dead_total{channel="email"} 1`) {
		t.Errorf("failed/dead counters:\n%s", grepLines(metrics, "boxoffice_notifications"))
	}

	// A server that works, and a recipient it refuses for good: dead at once.
	refused := h.buyer(t)
	var me struct{ User struct{ Email string } }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me", Token: refused}).JSON(t, &me)
	smtp.Refuse(me.User.Email)
	buy(refused, "b")
	ok := h.buyer(t)
	buy(ok, "c")
	if n := tick(0); n != 1 {
		t.Fatalf("sent %d, want the one deliverable message", n)
	}
	metrics = string(h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/metrics"}).Body)
	// The gauge is read from the store and cached for 10 s: ask the store.
	dead, err := h.app.Store.Messages(context.Background(), notify.Query{Status: notify.StatusDead, Limit: 10})
	if err != nil || len(dead) != 2 {
		t.Errorf("%d dead messages (%v), want 2: a 550 makes a message dead at once", len(dead), err)
	}
	for _, m := range dead {
		if m.To == me.User.Email && (m.Attempts != 1 || !strings.Contains(m.LastError, "550")) {
			t.Errorf("the refused message: %d attempts, last error %q; want 1 and the 550", m.Attempts, m.LastError)
		}
	}
	if !strings.Contains(metrics, `boxoffice_notifications_sent_total{channel="email",kind="order_confirmed"} 1`) {
		t.Errorf("sent counter:\n%s", grepLines(metrics, "boxoffice_notifications"))
	}
	if !strings.Contains(metrics, `boxoffice_notification_delivery_seconds_count{channel="email"} 1`) {
		t.Errorf("delivery latency histogram:\n%s", grepLines(metrics, "boxoffice_notification_delivery"))
	}
	// The timed-out message reaches the server a second after the sender
	// gave up on it.
	for end := time.Now().Add(3 * time.Second); len(smtp.Messages()) < 3 && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
	}
	if got := len(smtp.Messages()); got != 3 {
		t.Errorf("the server kept %d messages, want 3 (the dropped one, the timed-out one, the good one)", got)
	}
}

// TestConfirmationOverImplicitTLS sends through smtps://.
func TestConfirmationOverImplicitTLS(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{ImplicitTLS: true, User: "u", Pass: "p"})
	h := newHarnessWith(t, harnessOptions{smtpTLS: smtp.ClientTLS}, func(c *config.Config) { c.Notify.SMTPURL = smtp.URL })
	ev := h.event(t, 1, 2, 5)
	buyer := h.buyer(t)
	var hold struct{ Hold struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer, Body: map[string]any{"quantity": 1, "section": "Floor"}}).JSON(t, &hold)
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "k"},
		Body: map[string]any{"hold_id": hold.Hold.ID, "payment_token": "tok_visa"}})
	deliver(t, h, 1)
	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("got %d messages over smtps", n)
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestConfirmationChoiceBadInput: a checkout with an unknown channel, SMS
// without a phone, or a phone that is not E.164 is a 422 naming the field,
// and the hold stays the buyer's to check out.
func TestConfirmationChoiceBadInput(t *testing.T) {
	h := newHarness(t)
	ev := h.event(t, 1, 2, 5)
	buyer := h.buyer(t)
	var hold struct{ Hold struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer, Body: map[string]any{"quantity": 1, "section": "Floor"}}).JSON(t, &hold)
	for i, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"confirm_by": []string{"fax"}}, "confirm_by[0]"},
		{map[string]any{"confirm_by": []string{"email", "email"}}, "confirm_by[1]"},
		{map[string]any{"confirm_by": []string{"sms"}}, "phone"},
		{map[string]any{"confirm_by": []string{"sms"}, "phone": "555-0100"}, "phone"},
		{map[string]any{"confirm_by": []string{"email"}, "phone": "+0123"}, "phone"},
	} {
		tc.body["hold_id"], tc.body["payment_token"] = hold.Hold.ID, "tok_visa"
		r := h.c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Body: tc.body,
			Header: map[string]string{"Idempotency-Key": "bad" + itoa(i)}})
		var p struct {
			Errors []struct{ Field string }
		}
		r.JSON(t, &p)
		if r.Status != 422 || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("%v: %d %s, want 422 naming %s", tc.body, r.Status, r.Body, tc.field)
		}
	}
	var got struct{ Hold struct{ Status string } }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + hold.Hold.ID, Token: buyer}).JSON(t, &got)
	if got.Hold.Status != "active" {
		t.Errorf("after bad checkouts the hold is %s, want active", got.Hold.Status)
	}
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "good"},
		Body: map[string]any{"hold_id": hold.Hold.ID, "payment_token": "tok_visa", "confirm_by": []string{"email", "sms"}, "phone": "+14155550100"}})
	msgs, err := h.app.Store.Messages(context.Background(), notify.Query{Limit: 10})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("outbox has %d messages (%v), want an e-mail and an SMS", len(msgs), err)
	}
	for _, m := range msgs {
		if m.Channel == notify.ChannelSMS && m.To != "+14155550100" {
			t.Errorf("the SMS goes to %q", m.To)
		}
	}
}

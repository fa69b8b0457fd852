package sms_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/notify/sms"
	"github.com/boxoffice/boxoffice/internal/notify/sms/twiliofake"
)

func transport(t *testing.T, f *twiliofake.Server, tweak ...func(*sms.TwilioOptions)) *sms.Twilio {
	t.Helper()
	o := sms.TwilioOptions{APIURL: f.URL(), AccountSID: f.AccountSID(), AuthToken: f.AuthToken(), From: twiliofake.MagicFrom}
	for _, tw := range tweak {
		tw(&o)
	}
	tr, err := sms.NewTwilio(o)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func letter(id, to, text string) notify.Letter {
	return notify.Letter{Message: notify.Message{ID: id, Channel: notify.ChannelSMS, To: to, Kind: notify.KindOrderConfirmed}, Text: text}
}

func TestSendAccepted(t *testing.T) {
	t.Parallel()
	f := twiliofake.New(t)
	var logs bytes.Buffer
	tr := transport(t, f, func(o *sms.TwilioOptions) { o.Log = slog.New(slog.NewJSONHandler(&logs, nil)) })
	errs := tr.Send(context.Background(), []notify.Letter{
		letter("msg_1", "+14155550100", "Boxoffice: you're going to Jets vs. Texans. Order ord_1."),
		letter("msg_2", "+442071234567", "Boxoffice: order ord_2 was refunded."),
	})
	if len(errs) != 2 || errs[0] != nil || errs[1] != nil {
		t.Fatalf("Send: %v", errs)
	}
	got := f.Messages()
	if len(got) != 2 {
		t.Fatalf("the fake has %d messages, want 2", len(got))
	}
	byTo := map[string]twiliofake.Message{}
	for _, m := range got {
		byTo[m.To] = m
	}
	if m := byTo["+14155550100"]; m.From != twiliofake.MagicFrom || m.Body != "Boxoffice: you're going to Jets vs. Texans. Order ord_1." || m.Status != "queued" {
		t.Errorf("first message %+v", m)
	}
	// The log correlates each SMS with its outbox message.
	for _, m := range got {
		if !strings.Contains(logs.String(), m.SID) {
			t.Errorf("the log does not name SID %s:\n%s", m.SID, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `"message_id":"msg_1"`) || strings.Contains(logs.String(), f.AuthToken()) {
		t.Errorf("log:\n%s", logs.String())
	}
}

func TestSendThroughMessagingService(t *testing.T) {
	t.Parallel()
	f := twiliofake.New(t)
	svc := "MG" + strings.Repeat("ab", 16)
	tr := transport(t, f, func(o *sms.TwilioOptions) { o.From = svc })
	if errs := tr.Send(context.Background(), []notify.Letter{letter("msg_1", "+14155550100", "hi")}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	if m := f.Messages(); len(m) != 1 || m[0].MessagingServiceSID != svc || m[0].From != "" || m[0].Status != "accepted" {
		t.Errorf("messages %+v", m)
	}
}

// TestRecipientRefusalsArePermanent: Twilio's answers about the number or
// the message are permanent (the deliverer marks the message dead at once).
func TestRecipientRefusalsArePermanent(t *testing.T) {
	t.Parallel()
	f := twiliofake.New(t)
	tr := transport(t, f)
	cases := []struct {
		to, text string
		code     int
	}{
		{twiliofake.InvalidNumber, "x", 21211},
		{twiliofake.CannotRoute, "x", 21612},
		{twiliofake.NoPermission, "x", 21408},
		{twiliofake.Blocked, "x", 21610},
		{twiliofake.NotMobile, "x", 21614},
		{"+14155550100", strings.Repeat("x", 1601), 21617},
	}
	var letters []notify.Letter
	for i, c := range cases {
		letters = append(letters, letter(fmt.Sprint("msg_", i), c.to, c.text))
	}
	letters = append(letters, letter("msg_ok", "+14155550100", "fine")) // a refusal of one does not stop the batch
	errs := tr.Send(context.Background(), letters)
	for i, c := range cases {
		var ae *sms.APIError
		if !notify.IsPermanent(errs[i]) || !errors.As(errs[i], &ae) || ae.Code != c.code || ae.Status != 400 {
			t.Errorf("to %s: %v; want a permanent error with code %d", c.to, errs[i], c.code)
		}
	}
	if errs[len(cases)] != nil {
		t.Errorf("the good letter after the refusals: %v", errs[len(cases)])
	}
	// Nor are letters the transport can tell are hopeless sent at all.
	before := len(f.Requests())
	errs = tr.Send(context.Background(), []notify.Letter{letter("a", "415-555-0100", "x"), letter("b", "+14155550100", "  ")})
	if !notify.IsPermanent(errs[0]) || !notify.IsPermanent(errs[1]) || len(f.Requests()) != before {
		t.Errorf("a number that is not E.164 and an empty text: %v; %d requests made", errs, len(f.Requests())-before)
	}
}

// TestConfigurationErrorsAreRetried: wrong credentials, account or sender
// are an operator's to fix, so the outbox keeps retrying (until dead); and
// the rest of the batch is not sent into the same refusal.
func TestConfigurationErrorsAreRetried(t *testing.T) {
	t.Parallel()
	f := twiliofake.New(t)
	for _, tc := range []struct {
		name   string
		tweak  func(*sms.TwilioOptions)
		status int
		code   int
		halts  bool
		hint   string
	}{
		{"wrong token", func(o *sms.TwilioOptions) { o.AuthToken = "wrong-token-0123456789" }, 401, 20003, true, "TWILIO_AUTH_TOKEN"},
		{"wrong account", func(o *sms.TwilioOptions) { o.AccountSID = "AC" + strings.Repeat("0", 32) }, 401, 20003, true, "--twilio-account-sid"},
		{"invalid sender", func(o *sms.TwilioOptions) { o.From = twiliofake.InvalidNumber }, 400, 21212, false, ""},
		{"sender not owned", func(o *sms.TwilioOptions) { o.From = twiliofake.FromNotOwned }, 400, 21606, false, ""},
	} {
		tr := transport(t, f, tc.tweak, func(o *sms.TwilioOptions) { o.Parallel = 1 })
		before := len(f.Requests())
		errs := tr.Send(context.Background(), []notify.Letter{letter("a", "+14155550100", "x"), letter("b", "+14155550101", "y"), letter("c", "+14155550102", "z")})
		var ae *sms.APIError
		if notify.IsPermanent(errs[0]) || !errors.As(errs[0], &ae) || ae.Status != tc.status || ae.Code != tc.code || !strings.Contains(errs[0].Error(), tc.hint) {
			t.Errorf("%s: %v; want a retryable %d with code %d naming %q", tc.name, errs[0], tc.status, tc.code, tc.hint)
		}
		made := len(f.Requests()) - before
		for _, err := range errs {
			if err == nil || notify.IsPermanent(err) {
				t.Errorf("%s: %v; want every letter retryable", tc.name, err)
			}
			if strings.Contains(err.Error(), f.AuthToken()) || strings.Contains(err.Error(), "wrong-token") {
				t.Errorf("%s: the error shows the token: %v", tc.name, err)
			}
		}
		if tc.halts && made != 1 {
			t.Errorf("%s: %d requests; want the batch stopped after the first refusal", tc.name, made)
		}
		if !tc.halts && made != 3 {
			t.Errorf("%s: %d requests, want 3", tc.name, made)
		}
	}
	if n := len(f.Messages()); n != 0 {
		t.Errorf("%d messages accepted", n)
	}
}

func TestRateLimitIsRetried(t *testing.T) {
	t.Parallel()
	f := twiliofake.New(t, twiliofake.WithRateLimit(0.001, 1))
	tr := transport(t, f, func(o *sms.TwilioOptions) { o.Parallel = 1 })
	errs := tr.Send(context.Background(), []notify.Letter{letter("a", "+14155550100", "x"), letter("b", "+14155550101", "y"), letter("c", "+14155550102", "z")})
	if errs[0] != nil {
		t.Fatalf("first letter: %v", errs[0])
	}
	var ae *sms.APIError
	if notify.IsPermanent(errs[1]) || !errors.As(errs[1], &ae) || ae.Status != 429 || ae.Code != 20429 || ae.RetryAfter < time.Second ||
		!strings.Contains(errs[1].Error(), "retry after") {
		t.Errorf("over the limit: %v; want a retryable 429 with its Retry-After", errs[1])
	}
	if errs[2] == nil || notify.IsPermanent(errs[2]) || len(f.Requests()) != 2 {
		t.Errorf("after a 429: %v with %d requests; want the rest of the batch left for later", errs[2], len(f.Requests()))
	}
}

func TestOutagesAreRetried(t *testing.T) {
	t.Parallel()
	f := twiliofake.New(t)
	tr := transport(t, f)
	for _, status := range []int{500, 502, 503} {
		f.FailNext(1, status)
		errs := tr.Send(context.Background(), []notify.Letter{letter("a", "+14155550100", "x")})
		var ae *sms.APIError
		if errs[0] == nil || notify.IsPermanent(errs[0]) || !errors.As(errs[0], &ae) || ae.Status != status {
			t.Errorf("a %d: %v; want a retryable error", status, errs[0])
		}
	}
	if errs := tr.Send(context.Background(), []notify.Letter{letter("a", "+14155550100", "x")}); errs[0] != nil {
		t.Errorf("after the outage: %v", errs[0])
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	f := twiliofake.New(t)
	tr := transport(t, f, func(o *sms.TwilioOptions) { o.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond} })
	f.HangNext(1)
	start := time.Now()
	errs := tr.Send(context.Background(), []notify.Letter{letter("a", "+14155550100", "x")})
	if errs[0] == nil || notify.IsPermanent(errs[0]) {
		t.Errorf("a request that timed out: %v; want a retryable error", errs[0])
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %s with a 200ms timeout", d)
	}

	// The caller's context bounds Send as well: a cancelled one sends nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := len(f.Requests())
	errs = tr.Send(ctx, []notify.Letter{letter("a", "+14155550100", "x"), letter("b", "+14155550101", "y")})
	for _, err := range errs {
		if !errors.Is(err, context.Canceled) || notify.IsPermanent(err) {
			t.Errorf("with a cancelled context: %v", err)
		}
	}
	if n := len(f.Requests()) - before; n != 0 {
		t.Errorf("%d requests made with a cancelled context", n)
	}
}

// TestConcurrentSends runs several batches at once, as instances' outbox
// jobs would share one transport (run it with -race).
func TestConcurrentSends(t *testing.T) {
	t.Parallel()
	f := twiliofake.New(t)
	tr := transport(t, f)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			var ls []notify.Letter
			for i := range 10 {
				ls = append(ls, letter(fmt.Sprintf("msg_%d_%d", g, i), fmt.Sprintf("+1415555%04d", g*100+i), "x"))
			}
			for i, err := range tr.Send(context.Background(), ls) {
				if err != nil {
					t.Errorf("letter %d of batch %d: %v", i, g, err)
				}
			}
		})
	}
	wg.Wait()
	if n := len(f.Messages()); n != 60 {
		t.Errorf("%d messages, want 60", n)
	}
}

func TestNewTwilioChecksOptions(t *testing.T) {
	t.Parallel()
	good := sms.TwilioOptions{AccountSID: "AC" + strings.Repeat("1", 32), AuthToken: "token-0123456789abcdef", From: "+15005550006"}
	if _, err := sms.NewTwilio(good); err != nil {
		t.Fatalf("good options: %v", err)
	}
	for name, tweak := range map[string]func(*sms.TwilioOptions){
		"no sid":            func(o *sms.TwilioOptions) { o.AccountSID = "" },
		"no token":          func(o *sms.TwilioOptions) { o.AuthToken = "" },
		"no sender":         func(o *sms.TwilioOptions) { o.From = "" },
		"sid with a slash":  func(o *sms.TwilioOptions) { o.AccountSID = "AC1/../x" },
		"token with space":  func(o *sms.TwilioOptions) { o.AuthToken = " token " },
		"sender not E.164":  func(o *sms.TwilioOptions) { o.From = "415-555-0100" },
		"plain http remote": func(o *sms.TwilioOptions) { o.APIURL = "http://api.twilio.com" },
		"not a URL":         func(o *sms.TwilioOptions) { o.APIURL = "api.twilio.com" },
		"ftp":               func(o *sms.TwilioOptions) { o.APIURL = "ftp://127.0.0.1" },
	} {
		o := good
		tweak(&o)
		if _, err := sms.NewTwilio(o); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "token-0123456789abcdef") {
			t.Errorf("%s: the error shows the token: %v", name, err)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1", "https://api.twilio.com/"} {
		o := good
		o.APIURL = u
		if _, err := sms.NewTwilio(o); err != nil {
			t.Errorf("API URL %s: %v", u, err)
		}
	}
}

func TestTokenIsMasked(t *testing.T) {
	t.Parallel()
	tr, err := sms.NewTwilio(sms.TwilioOptions{AccountSID: "AC42", AuthToken: "s3cret-auth-token-abcd", From: "+15005550006"})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("sms", "twilio", tr)
	for _, s := range []string{tr.String(), fmt.Sprintf("%v", tr), logs.String()} {
		if strings.Contains(s, "s3cret") || !strings.Contains(s, "abcd") || !strings.Contains(s, "AC42") {
			t.Errorf("described as %s", s)
		}
	}
}

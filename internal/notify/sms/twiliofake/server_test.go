package twiliofake_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/notify/sms/twiliofake"
)

// call makes one request as the given account and returns the status, the
// decoded body and the headers; status 0 after a client error (reported
// with t.Errorf, so call may run in other goroutines).
func call(t *testing.T, c *http.Client, s *twiliofake.Server, sid, token, method, path string, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	var req *http.Request
	if method == http.MethodGet {
		req, _ = http.NewRequest(method, s.URL()+path+"?"+form.Encode(), nil)
	} else {
		req, _ = http.NewRequest(method, s.URL()+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.SetBasicAuth(sid, token)
	res, err := c.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return 0, nil, nil
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Errorf("%s %s: %v", method, path, err)
	}
	return res.StatusCode, body, res.Header
}

func messagesPath(s *twiliofake.Server) string {
	return "/2010-04-01/Accounts/" + s.AccountSID() + "/Messages.json"
}

func send(t *testing.T, s *twiliofake.Server, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	return call(t, http.DefaultClient, s, s.AccountSID(), s.AuthToken(), http.MethodPost, messagesPath(s), form)
}

func sms(to, from, body string) url.Values {
	return url.Values{"To": {to}, "From": {from}, "Body": {body}}
}

func TestCreateFetchList(t *testing.T) {
	t.Parallel()
	s := twiliofake.New(t)
	if !strings.HasPrefix(s.AccountSID(), "AC") || len(s.AccountSID()) != 34 || s.AuthToken() == "" {
		t.Fatalf("credentials %q / %q", s.AccountSID(), s.AuthToken())
	}
	st, m, _ := send(t, s, sms("+14155550100", twiliofake.MagicFrom, "Hello, Ada"))
	sid, _ := m["sid"].(string)
	if st != 201 || !strings.HasPrefix(sid, "SM") || len(sid) != 34 || m["status"] != "queued" || m["to"] != "+14155550100" ||
		m["from"] != twiliofake.MagicFrom || m["body"] != "Hello, Ada" || m["account_sid"] != s.AccountSID() || m["num_segments"] != "1" {
		t.Fatalf("create: %d %v", st, m)
	}
	if _, err := time.Parse(time.RFC1123Z, m["date_created"].(string)); err != nil {
		t.Errorf("date_created %v: %v", m["date_created"], err)
	}
	st, got, _ := call(t, http.DefaultClient, s, s.AccountSID(), s.AuthToken(), "GET", strings.TrimSuffix(messagesPath(s), ".json")+"/"+sid+".json", nil)
	if st != 200 || got["sid"] != sid || got["body"] != "Hello, Ada" {
		t.Errorf("fetch: %d %v", st, got)
	}
	st, got, _ = call(t, http.DefaultClient, s, s.AccountSID(), s.AuthToken(), "GET", strings.TrimSuffix(messagesPath(s), ".json")+"/SMnope.json", nil)
	if st != 404 || got["code"] != float64(20404) {
		t.Errorf("fetch unknown: %d %v", st, got)
	}

	for _, to := range []string{"+14155550101", "+14155550102", "+14155550101"} {
		if st, m, _ := send(t, s, sms(to, twiliofake.MagicFrom, "to "+to)); st != 201 {
			t.Fatalf("create: %d %v", st, m)
		}
	}
	var list struct {
		Messages []struct{ SID, To, Body string } `json:"messages"`
		Next     *string                          `json:"next_page_uri"`
		Page     int                              `json:"page"`
		PageSize int                              `json:"page_size"`
	}
	get := func(q url.Values) {
		t.Helper()
		list.Messages, list.Next = nil, nil
		req, _ := http.NewRequest("GET", s.URL()+messagesPath(s)+"?"+q.Encode(), nil)
		req.SetBasicAuth(s.AccountSID(), s.AuthToken())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(&list); err != nil || res.StatusCode != 200 {
			t.Fatalf("list: %d %v", res.StatusCode, err)
		}
	}
	get(url.Values{"To": {"+14155550101"}})
	if len(list.Messages) != 2 || list.Messages[0].To != "+14155550101" || list.Next != nil || list.PageSize != 50 {
		t.Errorf("list To=…0101: %+v", list)
	}
	get(url.Values{"PageSize": {"3"}})
	if len(list.Messages) != 3 || list.Messages[0].Body != "to +14155550101" || list.Next == nil {
		t.Fatalf("first page of 3: %+v", list)
	}
	next, _ := url.Parse(*list.Next)
	get(next.Query())
	if len(list.Messages) != 1 || list.Messages[0].SID != sid || list.Page != 1 || list.Next != nil {
		t.Errorf("second page: %+v", list)
	}
	if got := s.Messages(); len(got) != 4 || got[0].SID != sid || got[0].From != twiliofake.MagicFrom {
		t.Errorf("Messages() = %+v", got)
	}
}

func TestErrorAnswers(t *testing.T) {
	t.Parallel()
	s := twiliofake.New(t)
	other := twiliofake.New(t)
	long := strings.Repeat("x", 1601)
	for _, tc := range []struct {
		name       string
		sid, token string
		path       string
		form       url.Values
		status     int
		code       int
		messageHas string
	}{
		{"wrong token", s.AccountSID(), "nope", "", sms("+14155550100", twiliofake.MagicFrom, "x"), 401, 20003, "Authenticate"},
		{"another server's account", other.AccountSID(), other.AuthToken(), "", sms("+14155550100", twiliofake.MagicFrom, "x"), 401, 20003, ""},
		{"another account's path", "", "", "/2010-04-01/Accounts/AC0000/Messages.json", sms("+14155550100", twiliofake.MagicFrom, "x"), 404, 20404, "not found"},
		{"no To", "", "", "", url.Values{"From": {twiliofake.MagicFrom}, "Body": {"x"}}, 400, 21604, "'To' phone number is required"},
		{"no From", "", "", "", url.Values{"To": {"+14155550100"}, "Body": {"x"}}, 400, 21603, "'From'"},
		{"no Body", "", "", "", url.Values{"To": {"+14155550100"}, "From": {twiliofake.MagicFrom}}, 400, 21602, "body is required"},
		{"long Body", "", "", "", sms("+14155550100", twiliofake.MagicFrom, long), 400, 21617, "1600"},
		{"To not E.164", "", "", "", sms("4155550100", twiliofake.MagicFrom, "x"), 400, 21211, "not a valid phone number"},
		{"To invalid", "", "", "", sms(twiliofake.InvalidNumber, twiliofake.MagicFrom, "x"), 400, 21211, twiliofake.InvalidNumber},
		{"To unroutable", "", "", "", sms(twiliofake.CannotRoute, twiliofake.MagicFrom, "x"), 400, 21612, "not currently reachable"},
		{"To no permission", "", "", "", sms(twiliofake.NoPermission, twiliofake.MagicFrom, "x"), 400, 21408, "Permission"},
		{"To blocked", "", "", "", sms(twiliofake.Blocked, twiliofake.MagicFrom, "x"), 400, 21610, "unsubscribed"},
		{"To not mobile", "", "", "", sms(twiliofake.NotMobile, twiliofake.MagicFrom, "x"), 400, 21614, "mobile"},
		{"From invalid", "", "", "", sms("+14155550100", twiliofake.InvalidNumber, "x"), 400, 21212, "'From' number"},
		{"From not E.164", "", "", "", sms("+14155550100", "Boxoffice!", "x"), 400, 21212, "'From' number"},
		{"From not owned", "", "", "", sms("+14155550100", twiliofake.FromNotOwned, "x"), 400, 21606, "message-capable"},
		{"From queue full", "", "", "", sms("+14155550100", twiliofake.FromQueueFull, "x"), 400, 21611, "queued"},
		{"bad service", "", "", "", url.Values{"To": {"+14155550100"}, "MessagingServiceSid": {"MGnope"}, "Body": {"x"}}, 400, 21701, "MGnope"},
	} {
		sid, token, path := tc.sid, tc.token, tc.path
		if sid == "" {
			sid, token = s.AccountSID(), s.AuthToken()
		}
		if path == "" {
			path = messagesPath(s)
		}
		st, body, _ := call(t, http.DefaultClient, s, sid, token, http.MethodPost, path, tc.form)
		msg, _ := body["message"].(string)
		if st != tc.status || body["code"] != float64(tc.code) || body["status"] != float64(tc.status) ||
			body["more_info"] != "https://www.twilio.com/docs/errors/"+strconv.Itoa(tc.code) || !strings.Contains(msg, tc.messageHas) {
			t.Errorf("%s: %d %v; want %d with code %d saying %q", tc.name, st, body, tc.status, tc.code, tc.messageHas)
		}
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages accepted from refused requests", n)
	}
	svc := "MG" + strings.Repeat("0123456789abcdef", 2)
	st, m, _ := send(t, s, url.Values{"To": {"+14155550100"}, "MessagingServiceSid": {svc}, "Body": {"through a service"}})
	if st != 201 || m["status"] != "accepted" || m["from"] != nil || m["messaging_service_sid"] != svc {
		t.Errorf("through a messaging service: %d %v", st, m)
	}
	st, m, _ = call(t, http.DefaultClient, s, s.AccountSID(), s.AuthToken(), http.MethodDelete, messagesPath(s), nil)
	if st != 405 || m["code"] != float64(20004) {
		t.Errorf("DELETE Messages.json: %d %v", st, m)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	s := twiliofake.New(t, twiliofake.WithRateLimit(1, 2), twiliofake.WithClock(clk.Now))
	for i := range 2 {
		if st, m, _ := send(t, s, sms("+14155550100", twiliofake.MagicFrom, "burst")); st != 201 {
			t.Fatalf("message %d of the burst: %d %v", i, st, m)
		}
	}
	st, m, h := send(t, s, sms("+14155550100", twiliofake.MagicFrom, "one too many"))
	if st != 429 || m["code"] != float64(20429) || m["message"] != "Too Many Requests" || h.Get("Retry-After") != "1" {
		t.Fatalf("over the limit: %d %v Retry-After %q", st, m, h.Get("Retry-After"))
	}
	// A refused request spends no token: a second later one goes through.
	clk.Advance(time.Second)
	if st, m, _ := send(t, s, sms("+14155550100", twiliofake.MagicFrom, "later")); st != 201 {
		t.Errorf("a second later: %d %v", st, m)
	}
	s.SetRateLimit(0, 0)
	for range 5 {
		if st, _, _ := send(t, s, sms("+14155550100", twiliofake.MagicFrom, "unlimited")); st != 201 {
			t.Fatalf("without a limit: %d", st)
		}
	}
	if n := len(s.Messages()); n != 8 {
		t.Errorf("%d messages accepted, want 8", n)
	}
	var limited int
	for _, r := range s.Requests() {
		if r.Status == 429 && r.Code == 20429 {
			limited++
		}
	}
	if limited != 1 {
		t.Errorf("request log shows %d 429s, want 1", limited)
	}
}

func TestInjectedFailures(t *testing.T) {
	t.Parallel()
	s := twiliofake.New(t)
	s.FailNext(2, 503)
	for range 2 {
		if st, m, _ := send(t, s, sms("+14155550100", twiliofake.MagicFrom, "x")); st != 503 || m["code"] != float64(20503) {
			t.Errorf("during the outage: %d %v", st, m)
		}
	}
	s.FailNext(1, 0)
	if st, _, _ := send(t, s, sms("+14155550100", twiliofake.MagicFrom, "x")); st != 500 {
		t.Errorf("FailNext(1, 0): %d, want 500", st)
	}
	s.HangNext(1)
	c := &http.Client{Timeout: 200 * time.Millisecond}
	req, _ := http.NewRequest("POST", s.URL()+messagesPath(s), strings.NewReader(sms("+14155550100", twiliofake.MagicFrom, "hang").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.AccountSID(), s.AuthToken())
	start := time.Now()
	_, err := c.Do(req)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("a hung request: %v, want a client timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the hang lasted %s", d)
	}
	if st, _, _ := send(t, s, sms("+14155550100", twiliofake.MagicFrom, "after")); st != 201 {
		t.Errorf("after the failures: %d", st)
	}
	if got := s.Messages(); len(got) != 1 || got[0].Body != "after" {
		t.Errorf("messages %+v: failed and hung requests send nothing", got)
	}
}

// TestConcurrentClients has many clients send at once (run it with -race):
// every message is kept once, with its own SID.
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	s := twiliofake.New(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				if st, _, _ := send(t, s, sms("+1415555"+strconv.Itoa(1000+g*10+i), twiliofake.MagicFrom, "x")); st != 201 {
					t.Errorf("status %d", st)
				}
				_ = s.Messages()
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, m := range s.Messages() {
		seen[m.SID] = true
	}
	if len(seen) != 80 {
		t.Errorf("%d distinct messages, want 80", len(seen))
	}
}

// TestHandlerMounted uses the fake as a plain http.Handler.
func TestHandlerMounted(t *testing.T) {
	t.Parallel()
	h := twiliofake.NewHandler(twiliofake.WithCredentials("AC123", "secret"))
	defer h.Close()
	req, _ := http.NewRequest("POST", "/2010-04-01/Accounts/AC123/Messages.json", strings.NewReader(sms("+14155550100", twiliofake.MagicFrom, "x").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("AC123", "secret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 201 || h.URL() != "" || len(h.Messages()) != 1 {
		t.Errorf("mounted: %d, URL %q, %d messages", rec.Code, h.URL(), len(h.Messages()))
	}
}

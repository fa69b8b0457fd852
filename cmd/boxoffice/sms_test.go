package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/notify/sms/twiliofake"
)

// syncBuffer is a bytes.Buffer that serve's output goroutine and the test
// may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSMSConfirmation runs the real `boxoffice serve --sms-provider twilio`
// against a Twilio-shaped server, with the auth token in the environment
// as in production: a buyer whose profile has a phone number checks out
// with "confirm_by": ["email", "sms"], and exactly one SMS arrives, to that
// number, naming the event and the order. The token is never logged.
func TestSMSConfirmation(t *testing.T) {
	t.Parallel()
	twilio := twiliofake.New(t)
	var out syncBuffer
	db := "sqlite:" + filepath.Join(t.TempDir(), "sms.db")
	base, stop, done := serveInProcessEnv(t, db, map[string]string{"TWILIO_AUTH_TOKEN": twilio.AuthToken()}, &out,
		"--log-level", "info", "--sms-provider", "twilio", "--twilio-api-url", twilio.URL(),
		"--twilio-account-sid", twilio.AccountSID(), "--twilio-from", twiliofake.MagicFrom)
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve did not stop cleanly: %v", err)
		}
	})
	c := apitest.NewClient(t, base)

	var auth struct {
		Token string `json:"token"`
	}
	c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "root@example.com", "password": "root-password"}}).JSON(t, &auth)
	admin := auth.Token
	var v struct {
		Venue struct{ ID string } `json:"venue"`
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: admin, Body: map[string]any{"name": "Text Hall", "address": "1 Main St",
		"city": "Springfield", "region": "IL", "country": "US", "lat": 39.8, "lon": -89.6, "timezone": "America/Chicago",
		"sections": []any{map[string]any{"name": "Floor", "general_admission": true, "capacity": 40}}}}).JSON(t, &v)
	now := time.Now().UTC()
	var ev struct {
		Event struct{ ID string } `json:"event"`
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: admin, Body: map[string]any{"venue_id": v.Venue.ID, "name": "The Texting Tour",
		"category": "concert", "starts_at": now.Add(48 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Hour).Format(time.RFC3339),
		"max_tickets_per_user": 8, "default_price_cents": 2500}}).JSON(t, &ev)

	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register", Body: map[string]string{
		"email": "texter@example.com", "password": "password-texter", "name": "Tex", "phone": "+14155550199"}}).JSON(t, &auth)
	buyer := auth.Token
	var h holdBody
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev.Event.ID + "/holds", Token: buyer,
		Body: map[string]any{"section": "Floor", "quantity": 2}}).JSON(t, &h)
	var o orderBody
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "sms-order"},
		Body: map[string]any{"hold_id": h.Hold.ID, "payment_token": "tok_visa", "confirm_by": []string{"email", "sms"}}}).JSON(t, &o)
	if o.Order.Status != "paid" {
		t.Fatalf("order %+v", o.Order)
	}

	deadline := time.Now().Add(20 * time.Second)
	for len(twilio.Messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // two more runs of the outbox job: nothing more may come
	msgs := twilio.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the provider received %d SMS, want exactly 1: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	if m.To != "+14155550199" || m.From != twiliofake.MagicFrom || !strings.Contains(m.Body, "The Texting Tour") || !strings.Contains(m.Body, o.Order.ID) {
		t.Errorf("the SMS is %+v; want it to +14155550199 from %s naming the event and order %s", m, twiliofake.MagicFrom, o.Order.ID)
	}
	logs := out.String()
	if strings.Contains(logs, twilio.AuthToken()) {
		t.Errorf("serve logged the Twilio auth token")
	}
	if !strings.Contains(logs, "SMS goes through Twilio") || !strings.Contains(logs, m.SID) {
		t.Errorf("the log does not say SMS goes through Twilio, or does not name the SID %s:\n%.3000s", m.SID, logs)
	}
}

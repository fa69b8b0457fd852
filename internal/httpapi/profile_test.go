package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/notify"
)

type meBody struct {
	User struct {
		ID, Email, Name string
		Phone           *string `json:"phone"`
	} `json:"user"`
}

func (h *harness) me(t *testing.T, token string) meBody {
	t.Helper()
	var m meBody
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me", Token: token}).JSON(t, &m)
	return m
}

func phoneOf(m meBody) string {
	if m.User.Phone == nil {
		return "<absent>"
	}
	return *m.User.Phone
}

// problemFields returns the fields a validation problem names.
func problemFields(t *testing.T, r *apitest.Response) []string {
	t.Helper()
	var p struct {
		Errors []struct{ Field string } `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("problem %s: %v", r.Body, err)
	}
	var fs []string
	for _, e := range p.Errors {
		fs = append(fs, e.Field)
	}
	return fs
}

// TestProfilePhone signs up with a phone number, changes it and the name
// through PATCH /me, is refused an invalid one (nothing changes), and
// removes it; every answer is checked against the OpenAPI document.
func TestProfilePhone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var auth struct {
		Token string
		User  struct{ Phone string }
	}
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register", Body: map[string]string{
		"email": "sms-fan@example.com", "password": "long-enough", "name": "Sam", "phone": "+14155550100"}}).JSON(t, &auth)
	if auth.User.Phone != "+14155550100" {
		t.Errorf("register answered phone %q", auth.User.Phone)
	}
	tok := auth.Token
	if got := phoneOf(h.me(t, tok)); got != "+14155550100" {
		t.Errorf("GET /me phone %s, want +14155550100", got)
	}

	r := h.c.Must(t, 422, apitest.Req{Method: "POST", Path: "/api/v1/auth/register", Body: map[string]string{
		"email": "bad-phone@example.com", "password": "long-enough", "name": "Bad", "phone": "415-555-0100"}})
	if fs := problemFields(t, r); len(fs) != 1 || fs[0] != "phone" || r.Code() != "validation_failed" {
		t.Errorf("register with a bad phone: %s", r.Body)
	}

	var m meBody
	h.c.Must(t, 200, apitest.Req{Method: "PATCH", Path: "/api/v1/me", Token: tok, Body: map[string]any{"name": "Samantha"}}).JSON(t, &m)
	if m.User.Name != "Samantha" || phoneOf(m) != "+14155550100" {
		t.Errorf("after a name change: %+v, phone %s", m.User, phoneOf(m))
	}
	h.c.Must(t, 200, apitest.Req{Method: "PATCH", Path: "/api/v1/me", Token: tok, Body: map[string]any{"phone": "+442071234567", "name": nil}}).JSON(t, &m)
	if m.User.Name != "Samantha" || phoneOf(m) != "+442071234567" {
		t.Errorf("after a phone change: %+v, phone %s", m.User, phoneOf(m))
	}

	r = h.c.Must(t, 422, apitest.Req{Method: "PATCH", Path: "/api/v1/me", Token: tok, Body: map[string]any{"name": "Mallory", "phone": "0207 123 4567"}})
	if fs := problemFields(t, r); len(fs) != 1 || fs[0] != "phone" {
		t.Errorf("a bad phone: %s, want one field error on phone", r.Body)
	}
	if got := h.me(t, tok); got.User.Name != "Samantha" || phoneOf(got) != "+442071234567" {
		t.Errorf("after a refused change: %+v, phone %s; want nothing changed", got.User, phoneOf(got))
	}
	h.c.Must(t, 400, apitest.Req{Method: "PATCH", Path: "/api/v1/me", Token: tok, Body: map[string]any{"email": "new@example.com"}})
	h.c.Must(t, 400, apitest.Req{Method: "PATCH", Path: "/api/v1/me", Token: tok, Body: map[string]any{"phone": 4155550100}})
	h.c.Must(t, 401, apitest.Req{Method: "PATCH", Path: "/api/v1/me", Body: map[string]any{"name": "Nobody"}})

	m = meBody{} // decoding leaves an absent field as it was
	h.c.Must(t, 200, apitest.Req{Method: "PATCH", Path: "/api/v1/me", Token: tok, Body: map[string]any{"phone": ""}}).JSON(t, &m)
	if m.User.Phone != nil {
		t.Errorf("after removing the phone, user has phone %q; want the field absent", *m.User.Phone)
	}
	if got := h.me(t, tok); got.User.Phone != nil {
		t.Errorf("GET /me after removing the phone: %s", phoneOf(got))
	}
}

// TestCheckoutSMSUsesProfilePhone pays with "confirm_by": ["email","sms"]
// and no phone in the order: the SMS goes to the number on the profile.
// Without one anywhere, checkout says so on the field phone.
func TestCheckoutSMSUsesProfilePhone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 2, 10, 20)
	tok := h.buyer(t)
	hold := func() string {
		var hb struct{ Hold struct{ ID string } }
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: tok,
			Body: map[string]any{"section": "Floor", "quantity": 1}}).JSON(t, &hb)
		return hb.Hold.ID
	}
	r := h.c.Must(t, 422, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: tok,
		Body: map[string]any{"hold_id": hold(), "payment_token": "tok_visa", "confirm_by": []string{"email", "sms"}}})
	if fs := problemFields(t, r); len(fs) != 1 || fs[0] != "phone" {
		t.Errorf("SMS without any phone: %s, want a field error on phone", r.Body)
	}

	h.c.Must(t, 200, apitest.Req{Method: "PATCH", Path: "/api/v1/me", Token: tok, Body: map[string]any{"phone": "+14155550123"}})
	var o struct {
		Order struct {
			ID        string
			ConfirmBy []string `json:"confirm_by"`
		}
	}
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: tok, Header: map[string]string{"Idempotency-Key": "sms-1"},
		Body: map[string]any{"hold_id": hold(), "payment_token": "tok_visa", "confirm_by": []string{"email", "sms"}}}).JSON(t, &o)
	if len(o.Order.ConfirmBy) != 2 {
		t.Errorf("order confirm_by %v", o.Order.ConfirmBy)
	}
	msgs, err := h.app.Store.Messages(context.Background(), notify.Query{Ref: o.Order.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	to := map[string]string{}
	for _, m := range msgs {
		to[m.Channel] = m.To
	}
	if len(msgs) != 2 || to[notify.ChannelSMS] != "+14155550123" || to[notify.ChannelEmail] == "" {
		t.Errorf("outbox for the order: %+v; want one e-mail and one SMS to +14155550123", msgs)
	}
}

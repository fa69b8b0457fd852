package httpapi_test

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// apiNotification is a message as GET /admin/notifications shows it.
type apiNotification struct {
	ID        string     `json:"id"`
	Channel   string     `json:"channel"`
	To        string     `json:"to"`
	Kind      string     `json:"kind"`
	OrderID   *string    `json:"order_id"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
	DeadAt    *time.Time `json:"dead_at"`
	LastError *string    `json:"last_error"`
}

// buy has a buyer pay for two places on the floor and returns the order id.
func (h *harness) buy(t *testing.T, token, eventID string) string {
	t.Helper()
	var hold struct{ Hold struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + eventID + "/holds", Token: token,
		Body: map[string]any{"section": "Floor", "quantity": 2}}).JSON(t, &hold)
	var o struct{ Order struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: token,
		Body: map[string]any{"hold_id": hold.Hold.ID, "payment_token": "tok_visa"}}).JSON(t, &o)
	return o.Order.ID
}

// deadConfirmation makes the confirmation of an order dead, as a mail
// server that refused it would, and returns its id.
func deadConfirmation(t *testing.T, h *harness, orderID string) string {
	t.Helper()
	ms, err := h.app.Store.Messages(t.Context(), notify.Query{Ref: orderID, Limit: 1})
	if err != nil || len(ms) != 1 {
		t.Fatalf("the confirmation of %s: %+v %v", orderID, ms, err)
	}
	if err := h.app.Store.MarkDead(t.Context(), ms[0].ID, h.clock.Now(), "smtp: 550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	return ms[0].ID
}

func (h *harness) notifications(t *testing.T, query string) []apiNotification {
	t.Helper()
	var out struct{ Notifications []apiNotification }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/notifications" + query, Token: h.admin}).JSON(t, &out)
	return out.Notifications
}

// TestAdminNotifications follows two confirmations through the admins'
// view of the outbox: both pending, one sent, one dead; the dead one sent
// again, which only works once; filters and their validation.
func TestAdminNotifications(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 1, 10, 20)
	buyer := h.buyer(t)
	first := h.buy(t, buyer, ev)
	h.clock.Advance(time.Minute)
	second := h.buy(t, buyer, ev)

	all := h.notifications(t, "")
	if len(all) != 2 || all[0].OrderID == nil || *all[0].OrderID != second || all[1].OrderID == nil || *all[1].OrderID != first {
		t.Fatalf("outbox, newest first: %+v", all)
	}
	n := all[1]
	if n.Channel != "email" || n.Kind != "order_confirmed" || n.Status != "pending" || n.Attempts != 0 || n.SentAt != nil ||
		n.DeadAt != nil || n.LastError != nil || n.To == "" || !n.CreatedAt.Equal(h.clock.Now().Add(-time.Minute)) {
		t.Errorf("first confirmation: %+v", n)
	}
	if got := h.notifications(t, "?order_id="+first); len(got) != 1 || got[0].ID != n.ID {
		t.Errorf("?order_id=%s: %+v", first, got)
	}
	if got := h.notifications(t, "?order_id=ord_none"); len(got) != 0 {
		t.Errorf("?order_id=ord_none: %+v", got)
	}
	if got := h.notifications(t, "?limit=1"); len(got) != 1 || got[0].ID != all[0].ID {
		t.Errorf("?limit=1: %+v", got)
	}

	// The mail server refuses the first for good; the second goes out.
	ctx := t.Context()
	deadAt := h.clock.Now()
	if err := h.app.Store.MarkDead(ctx, n.ID, deadAt, "smtp: 550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	if err := h.app.Store.MarkSent(ctx, []string{all[0].ID}, deadAt); err != nil {
		t.Fatal(err)
	}
	dead := h.notifications(t, "?status=dead")
	if len(dead) != 1 || dead[0].ID != n.ID || dead[0].Status != "dead" || dead[0].DeadAt == nil || !dead[0].DeadAt.Equal(deadAt) ||
		dead[0].LastError == nil || *dead[0].LastError != "smtp: 550 mailbox unavailable" {
		t.Fatalf("?status=dead: %+v", dead)
	}
	if sent := h.notifications(t, "?status=sent"); len(sent) != 1 || sent[0].ID != all[0].ID || sent[0].SentAt == nil {
		t.Errorf("?status=sent: %+v", sent)
	}
	if pending := h.notifications(t, "?status=pending"); len(pending) != 0 {
		t.Errorf("?status=pending: %+v", pending)
	}

	retry := "/api/v1/admin/notifications/" + n.ID + "/retry"
	var got struct{ Notification apiNotification }
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: retry, Token: h.admin}).JSON(t, &got)
	if r := got.Notification; r.ID != n.ID || r.Status != "pending" || r.Attempts != 0 || r.DeadAt != nil || r.SentAt != nil {
		t.Errorf("after retry: %+v", r)
	}
	if pending := h.notifications(t, "?status=pending"); len(pending) != 1 || pending[0].ID != n.ID {
		t.Errorf("the retried message is not pending: %+v", pending)
	}
	if r := h.c.Do(t, apitest.Req{Method: "POST", Path: retry, Token: h.admin}); r.Status != 409 || r.Code() != "conflict" {
		t.Errorf("retry of a pending message: %d %s", r.Status, r.Body)
	}
	sentRetry := "/api/v1/admin/notifications/" + all[0].ID + "/retry"
	if r := h.c.Do(t, apitest.Req{Method: "POST", Path: sentRetry, Token: h.admin}); r.Status != 409 || r.Code() != "conflict" {
		t.Errorf("retry of a sent message: %d %s", r.Status, r.Body)
	}
	if r := h.c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/admin/notifications/msg_none/retry", Token: h.admin}); r.Status != 409 {
		t.Errorf("retry of no message: %d %s", r.Status, r.Body)
	}

	for _, tc := range []struct{ query, field string }{
		{"?status=lost", "status"},
		{"?limit=0", "limit"},
		{"?limit=501", "limit"},
		{"?limit=many", "limit"},
	} {
		r := h.c.Do(t, apitest.Req{Method: "GET", Path: "/api/v1/admin/notifications" + tc.query, Token: h.admin})
		var p struct {
			Code   string
			Errors []struct{ Field string }
		}
		r.JSON(t, &p)
		if r.Status != 422 || p.Code != "validation_failed" || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: %d %s", tc.query, r.Status, r.Body)
		}
	}
}

// TestNotificationsAccess: only admins see the outbox or send a message
// again; anyone else is refused before anything is read or changed.
func TestNotificationsAccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 1, 10, 20)
	buyer := h.buyer(t)
	id := deadConfirmation(t, h, h.buy(t, buyer, ev))
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/admin/users", Token: h.admin,
		Body: map[string]any{"email": "gate@example.com", "password": "gate-password", "name": "Gate", "role": "staff"}})
	var auth struct{ Token string }
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login",
		Body: map[string]string{"email": "gate@example.com", "password": "gate-password"}}).JSON(t, &auth)
	staff := auth.Token

	for _, tc := range []struct {
		who, token string
		status     int
		code       string
	}{
		{"anonymous", "", 401, "unauthorized"},
		{"bad token", "bo_nope", 401, "unauthorized"},
		{"customer", buyer, 403, "forbidden"},
		{"staff", staff, 403, "forbidden"},
	} {
		for _, req := range []apitest.Req{
			{Method: "GET", Path: "/api/v1/admin/notifications", Token: tc.token},
			{Method: "GET", Path: "/api/v1/admin/notifications?status=dead", Token: tc.token},
			{Method: "POST", Path: "/api/v1/admin/notifications/" + id + "/retry", Token: tc.token},
		} {
			r := h.c.Do(t, req)
			if r.Status != tc.status || r.Code() != tc.code || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s %s: %d %s", tc.who, req.Method, req.Path, r.Status, r.Body)
			}
		}
	}
	if dead := h.notifications(t, "?status=dead"); len(dead) != 1 || dead[0].ID != id {
		t.Errorf("a refused retry changed the message: %+v", dead)
	}
}

package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// TestAdminUndeliveredMessages: the organizer page lists the messages
// given up on, with what an organizer needs to fix the cause; "Send again"
// (a CSRF-checked form, for organizers only) makes one due again and says
// so, and a second click says it was already done.
func TestAdminUndeliveredMessages(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog, noJobs: true})
	e := s.smallEvent(t)
	admin := client(t)
	signInHTTP(t, admin, s, adminLogin)
	_, page := get(t, admin, s.URL+"/admin")
	if !strings.Contains(page, "Messages not delivered") || !strings.Contains(page, "data-no-dead") {
		t.Fatalf("organizer page without undelivered messages:\n%s", page)
	}

	o := buyFloor(t, s, buyerLogin, e.ID, booking.OrderRequest{})
	ms, err := s.App.Store.Messages(t.Context(), notify.Query{Ref: o.ID, Limit: 5})
	if err != nil || len(ms) != 1 {
		t.Fatalf("the order's messages: %+v %v", ms, err)
	}
	m := ms[0]
	if err := s.App.Store.MarkDead(t.Context(), m.ID, s.App.Clock.Now(), "smtp mail.example.com: 550 5.1.1 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	_, page = get(t, admin, s.URL+"/admin")
	row := between(page, `data-dead-message="`+m.ID+`"`, "</tr>")
	for _, want := range []string{buyerLogin.Email, "Order confirmation", `href="/orders/` + o.ID + `"`, "550 5.1.1 mailbox unavailable",
		`action="/admin/messages/` + m.ID + `/retry"`, "Send again"} {
		if !strings.Contains(row, want) {
			t.Errorf("the undelivered message's row lacks %q:\n%s", want, row)
		}
	}
	if strings.Contains(page, "data-no-dead") {
		t.Error("the empty state shows beside a dead message")
	}
	retry := s.URL + "/admin/messages/" + m.ID + "/retry"
	csrf := csrfOf(t, page)

	// Without the form's token, or as a buyer, nothing happens.
	if res, _ := post(t, admin, retry, url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("retry without a CSRF token: %d", res.StatusCode)
	}
	buyer := client(t)
	signInHTTP(t, buyer, s, buyerLogin)
	_, home := get(t, buyer, s.URL+"/")
	if res, _ := post(t, buyer, retry, url.Values{"csrf": {csrfOf(t, home)}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("retry by a buyer: %d", res.StatusCode)
	}
	if res, _ := post(t, client(t), retry, url.Values{"csrf": {csrf}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("retry by someone signed out, with the organizer's token: %d", res.StatusCode)
	}
	if got := status(t, s, m.ID); got != notify.StatusDead {
		t.Fatalf("after refused retries the message is %s", got)
	}

	res, _ := post(t, admin, retry, url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin?notice=resent#messages" {
		t.Fatalf("retry: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := status(t, s, m.ID); got != notify.StatusPending {
		t.Errorf("after the retry the message is %s, want pending", got)
	}
	_, page = get(t, admin, s.URL+"/admin?notice=resent")
	if !strings.Contains(page, "goes out within a few seconds") || strings.Contains(page, `data-dead-message="`+m.ID+`"`) || !strings.Contains(page, "data-no-dead") {
		t.Errorf("after the retry the organizer page shows:\n%s", page)
	}
	res, _ = post(t, admin, retry, url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin?notice=not-dead#messages" {
		t.Errorf("second retry: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// status is where a message stands in the outbox.
func status(t *testing.T, s *site, id string) string {
	t.Helper()
	ms, err := s.App.Store.Messages(t.Context(), notify.Query{ID: id, Limit: 1})
	if err != nil || len(ms) != 1 {
		t.Fatalf("message %s: %+v %v", id, ms, err)
	}
	return ms[0].Status()
}

// between is the part of s from the first from up to the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

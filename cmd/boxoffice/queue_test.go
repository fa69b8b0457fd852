package main

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/queue"
)

// TestWaitingRoom goes through the contract's waiting room over real HTTP:
// the pre-queue, the commitment before the sale and the seed after it,
// holds refused without a valid pass and accepted with one, a pass that is
// worthless to another account, the published draw checked by
// `boxoffice verify-draw`, and the live stream of a place joined after the
// opening.
func TestWaitingRoom(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	c := apitest.NewClient(t, base)
	var auth struct {
		Token string `json:"token"`
	}
	c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "root@example.com", "password": "root-password"}}).JSON(t, &auth)
	admin := auth.Token
	register := func(name string) string {
		var a struct {
			Token string `json:"token"`
		}
		c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register",
			Body: map[string]string{"email": name + "@example.com", "password": "password-" + name, "name": name}}).JSON(t, &a)
		return a.Token
	}
	ana, bo, cy := register("ana"), register("bo"), register("cy")
	var v struct {
		Venue struct{ ID string } `json:"venue"`
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: admin, Body: map[string]any{"name": "Queue Hall", "address": "4 Main St",
		"city": "Springfield", "region": "IL", "country": "US", "lat": 39.8, "lon": -89.6, "timezone": "America/Chicago",
		"sections": []any{map[string]any{"name": "Floor", "general_admission": true, "capacity": 100}}}}).JSON(t, &v)
	onsale := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond) // moved closer once the pre-queue has joined
	var ev struct {
		Event struct {
			ID    string `json:"id"`
			Queue struct {
				Enabled bool   `json:"enabled"`
				Mode    string `json:"mode"`
			} `json:"queue"`
		} `json:"event"`
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: admin, Body: map[string]any{"venue_id": v.Venue.ID, "name": "Hot Show",
		"category": "concert", "starts_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339), "onsale_at": onsale.Format(time.RFC3339Nano),
		"max_tickets_per_user": 4, "default_price_cents": 5000, "queue": map[string]any{"enabled": true, "admit_per_minute": 600}}}).JSON(t, &ev)
	event := ev.Event.ID
	if !ev.Event.Queue.Enabled || ev.Event.Queue.Mode != "fixed" {
		t.Errorf("event queue %+v", ev.Event.Queue)
	}
	qpath := "/api/v1/events/" + event + "/queue"

	var info queue.Info
	c.Must(t, 200, apitest.Req{Method: "GET", Path: qpath}).JSON(t, &info)
	if len(info.Commitment) != 64 || info.Seed != "" {
		t.Fatalf("before the sale: %+v, want a commitment and no seed", info)
	}
	join := func(token string) queue.Status {
		var st queue.Status
		c.Must(t, 201, apitest.Req{Method: "POST", Path: qpath, Token: token}).JSON(t, &st)
		return st
	}
	a := join(ana)
	if a.Status != "waiting" || !a.PreQueue || a.Position != 1 {
		t.Errorf("first pre-queue join: %+v", a)
	}
	if again := join(ana); again.Token != a.Token {
		t.Errorf("joining again gave another place")
	}
	join(bo)
	if r := c.Do(t, apitest.Req{Method: "POST", Path: qpath}); r.Status != 401 {
		t.Errorf("join without signing in: %d", r.Status)
	}
	if r := c.Do(t, apitest.Req{Method: "GET", Path: qpath + "/draw"}); r.Code() != "conflict" {
		t.Errorf("draw before the sale: %d %s", r.Status, r.Body)
	}

	onsale = time.Now().Add(time.Second).UTC()
	c.Must(t, 200, apitest.Req{Method: "PATCH", Path: "/api/v1/events/" + event, Token: admin,
		Body: map[string]any{"onsale_at": onsale.Format(time.RFC3339Nano)}})
	holds := "/api/v1/events/" + event + "/holds"
	hold := func(token, pass string) *apitest.Response {
		h := map[string]string{}
		if pass != "" {
			h["X-Queue-Pass"] = pass
		}
		return c.Do(t, apitest.Req{Method: "POST", Path: holds, Token: token, Header: h, Body: map[string]any{"section": "Floor", "quantity": 1}})
	}
	time.Sleep(time.Until(onsale))
	if r := hold(ana, ""); r.Status != 403 || r.Code() != "queue_pass_required" {
		t.Errorf("hold without a pass: %d %s", r.Status, r.Body)
	}
	var st queue.Status
	deadline := time.Now().Add(10 * time.Second)
	for st.Status != "admitted" && time.Now().Before(deadline) {
		c.Must(t, 200, apitest.Req{Method: "GET", Path: qpath + "/" + a.Token}).JSON(t, &st)
		time.Sleep(50 * time.Millisecond)
	}
	if st.Status != "admitted" || st.Pass == "" || st.PassExpiresAt == nil {
		t.Fatalf("after the opening: %+v", st)
	}
	if r := hold(bo, st.Pass); r.Status != 403 || r.Code() != "queue_pass_required" {
		t.Errorf("another account holding with ana's pass: %d %s", r.Status, r.Body)
	}
	if r := hold(ana, st.Pass+"0"); r.Code() != "queue_pass_required" {
		t.Errorf("a forged pass: %d %s", r.Status, r.Body)
	}
	var sales struct{ Held int }
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + event + "/sales", Token: admin}).JSON(t, &sales)
	if sales.Held != 0 {
		t.Errorf("refused holds held %d places", sales.Held)
	}
	if r := hold(ana, st.Pass); r.Status != 201 {
		t.Fatalf("hold with the pass: %d %s", r.Status, r.Body)
	}

	// The draw, checked the way a buyer would.
	var d queue.Draw
	c.Must(t, 200, apitest.Req{Method: "GET", Path: qpath + "/draw"}).JSON(t, &d)
	if err := queue.VerifyDraw(d); err != nil || d.Commitment != info.Commitment || len(d.Places) != 2 {
		t.Errorf("draw %+v: %v", d, err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"verify-draw", "--url", base, "--commitment", info.Commitment, "--token", a.Token, event},
		func(string) string { return "" }, &out, &out); err != nil || !strings.Contains(out.String(), "verified") || !strings.Contains(out.String(), "your place") {
		t.Errorf("verify-draw: %v\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"verify-draw", "--url", base, "--commitment", strings.Repeat("0", 64), event},
		func(string) string { return "" }, &out, &out); err == nil {
		t.Errorf("verify-draw accepted a commitment the server never published")
	}

	// A place taken after the opening, watched live until admitted.
	late := join(cy)
	if late.PreQueue {
		t.Errorf("a join after the opening is in the pre-queue: %+v", late)
	}
	resp, err := http.Get(base + qpath + "/" + late.Token + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("stream content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	var events []string
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			events = append(events, data)
		}
	}
	if len(events) == 0 || !strings.Contains(events[len(events)-1], `"status":"admitted"`) {
		t.Errorf("stream events %v, want the last one admitted", events)
	}
	c.Must(t, 200, apitest.Req{Method: "GET", Path: qpath}).JSON(t, &info)
	if info.Seed != d.Seed || info.Admitted < 3 || info.Joined != 3 {
		t.Errorf("after the opening: %+v", info)
	}
}

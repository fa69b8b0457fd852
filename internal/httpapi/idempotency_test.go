package httpapi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/idempotency"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// TestStaleClaimIsTakenOver: a claim whose request is gone (its process
// killed, or its release lost with the database) is left pending. A replay
// after the lease does the work instead of answering "still in progress"
// until the key is purged, and later replays get that one response.
func TestStaleClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 1, 4, 10)
	tok := h.buyer(t)
	user := h.me(t, tok).User.ID
	path := "/api/v1/events/" + ev + "/holds"
	body := `{"section":"Floor","quantity":1}`
	hash := idempotency.Hash("POST", path, []byte(body))
	ctx := context.Background()
	if _, claimed, err := h.app.Store.ClaimKey(ctx, user, "dead-claim", hash, h.clock.Now().Add(-idempotency.ClaimLease-time.Second)); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	req := apitest.Req{Method: "POST", Path: path, Token: tok, Body: body, Header: map[string]string{"Idempotency-Key": "dead-claim"}}
	start := time.Now()
	first := h.c.Must(t, 201, req)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the replay of a stale claim took %s; want the work done at once", took)
	}
	again := h.c.Must(t, 201, req)
	if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("second replay = %s (replayed %q); want the first response %s replayed", again.Body, again.Header.Get("Idempotent-Replayed"), first.Body)
	}
	if c := h.sales(t, ev); c.Held != 1 {
		t.Errorf("%d places held; want 1: the work done once", c.Held)
	}
}

// blockedCharge holds the first charge until released.
type blockedCharge struct {
	payment.Provider
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (b *blockedCharge) Charge(ctx context.Context, r payment.ChargeRequest) (payment.Charge, error) {
	b.once.Do(func() { close(b.entered); <-b.release })
	return b.Provider.Charge(ctx, r)
}

// TestLiveClaimIsRenewed: a request that takes longer than the lease (a
// slow payment here) renews its claim while it works, so a replay meanwhile
// waits for it and gets its response; it is not taken over and done twice.
func TestLiveClaimIsRenewed(t *testing.T) {
	t.Parallel()
	bc := &blockedCharge{entered: make(chan struct{}), release: make(chan struct{})}
	h := newHarnessWith(t, harnessOptions{wrapPay: func(p payment.Provider) payment.Provider { bc.Provider = p; return bc }})
	ev := h.event(t, 1, 4, 10)
	tok := h.buyer(t)
	user := h.me(t, tok).User.ID
	var hold struct{ Hold struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: tok,
		Body: map[string]any{"section": "Floor", "quantity": 1}}).JSON(t, &hold)
	body := `{"hold_id":"` + hold.Hold.ID + `","payment_token":"tok_visa"}`
	req := apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: tok, Body: body, Header: map[string]string{"Idempotency-Key": "slow-order"}}
	firstDone := make(chan *apitest.Response, 1)
	go func() { firstDone <- h.c.Do(t, req) }()
	<-bc.entered

	// The lease passes on the clock; within a renewal period the claim
	// carries the new time.
	h.clock.Advance(idempotency.ClaimLease + time.Second)
	hash := idempotency.Hash("POST", "/api/v1/orders", []byte(body))
	renewed := false
	for deadline := time.Now().Add(idempotency.ClaimLease/3 + 5*time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		rec, claimed, err := h.app.Store.ClaimKey(context.Background(), user, "slow-order", hash, h.clock.Now())
		if err != nil || claimed {
			t.Fatalf("ClaimKey = claimed %v, %v; want the live claim", claimed, err)
		}
		if rec.CreatedAt.Equal(h.clock.Now().Truncate(time.Millisecond)) {
			renewed = true
			break
		}
	}
	if !renewed {
		t.Fatal("the live request did not renew its claim")
	}
	replayDone := make(chan *apitest.Response, 1)
	go func() { replayDone <- h.c.Do(t, req) }()
	select {
	case r := <-replayDone:
		t.Fatalf("the replay answered %d %s while the first request was still paying; want it to wait", r.Status, r.Body)
	case <-time.After(500 * time.Millisecond):
	}
	close(bc.release)
	first, replay := <-firstDone, <-replayDone
	if first.Status != 201 || replay.Status != 201 || string(replay.Body) != string(first.Body) {
		t.Errorf("first %d %s, replay %d %s; want one order, answered twice", first.Status, first.Body, replay.Status, replay.Body)
	}
	if c := h.sales(t, ev); c.Orders != 1 || c.Sold != 1 {
		t.Errorf("sales %+v; want one order of one ticket", c)
	}
}

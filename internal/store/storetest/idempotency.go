package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/idempotency"
	"github.com/boxoffice/boxoffice/internal/ids"
)

func exerciseIdempotency(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"ClaimThenReplayPending":     testClaimKey,
		"FinishThenReplayResponse":   testFinishKey,
		"ReleaseLetsTheKeyBeClaimed": testReleaseKey,
		"KeysAreScopedByUser":        testKeysScopedByUser,
		"PurgeKeys":                  testPurgeKeys,
		"ConcurrentClaimsOneWins":    testConcurrentClaims,
		"RenewKeyIsCompareAndSwap":   testRenewKey,
	})
}

// claimKey calls ClaimKey, failing the test on error.
func claimKey(t *testing.T, s Engine, user, key, hash string, at time.Time) (idempotency.Record, bool) {
	t.Helper()
	rec, claimed, err := s.ClaimKey(context.Background(), user, key, hash, at)
	if err != nil {
		t.Fatalf("ClaimKey(%s, %s): %v", user, key, err)
	}
	return rec, claimed
}

func testClaimKey(t *testing.T, s Engine) {
	u := newUser(t, s)
	hash := idempotency.Hash("POST", "/v1/orders", []byte(`{"hold_id":"h"}`))
	rec, claimed := claimKey(t, s, u.ID, "key-1", hash, now)
	if !claimed || rec.Done || rec.RequestHash != hash {
		t.Errorf("first ClaimKey = %+v, claimed %v; want claimed, pending, hash %s", rec, claimed, hash)
	}
	rec, claimed = claimKey(t, s, u.ID, "key-1", "other-hash", now.Add(time.Second))
	if claimed || rec.Done || rec.RequestHash != hash || !rec.CreatedAt.Equal(now) {
		t.Errorf("second ClaimKey = %+v, claimed %v; want the pending record of the first claim (hash %s, created %v), not claimed",
			rec, claimed, hash, now)
	}
}

func testFinishKey(t *testing.T, s Engine) {
	ctx := context.Background()
	u := newUser(t, s)
	claimKey(t, s, u.ID, "key-1", "h1", now)
	body := []byte(`{"id":"ord_1","status":"paid"}` + "\n")
	if err := s.FinishKey(ctx, u.ID, "key-1", 201, "application/json", body); err != nil {
		t.Fatalf("FinishKey: %v", err)
	}
	rec, claimed := claimKey(t, s, u.ID, "key-1", "h1", now.Add(time.Minute))
	if claimed || !rec.Done || rec.Status != 201 || rec.ContentType != "application/json" || string(rec.Body) != string(body) ||
		rec.RequestHash != "h1" || !rec.CreatedAt.Equal(now) {
		t.Errorf("ClaimKey after FinishKey = %+v, claimed %v; want done with status 201, the content type and body", rec, claimed)
	}
	// A finished key is not released: its response is replayed for good.
	if err := s.ReleaseKey(ctx, u.ID, "key-1"); err != nil {
		t.Fatalf("ReleaseKey: %v", err)
	}
	if rec, claimed := claimKey(t, s, u.ID, "key-1", "h1", now.Add(time.Minute)); claimed || !rec.Done {
		t.Errorf("ClaimKey after releasing a finished key = %+v, claimed %v; want the finished record", rec, claimed)
	}
}

func testReleaseKey(t *testing.T, s Engine) {
	u := newUser(t, s)
	claimKey(t, s, u.ID, "key-1", "h1", now)
	if err := s.ReleaseKey(context.Background(), u.ID, "key-1"); err != nil {
		t.Fatalf("ReleaseKey: %v", err)
	}
	rec, claimed := claimKey(t, s, u.ID, "key-1", "h2", now.Add(time.Second))
	if !claimed || rec.RequestHash != "h2" || rec.Done {
		t.Errorf("ClaimKey after ReleaseKey = %+v, claimed %v; want claimed again with hash h2", rec, claimed)
	}
}

func testKeysScopedByUser(t *testing.T, s Engine) {
	ctx := context.Background()
	a, b := newUser(t, s), newUser(t, s)
	claimKey(t, s, a.ID, "same-key", "ha", now)
	if rec, claimed := claimKey(t, s, b.ID, "same-key", "hb", now); !claimed || rec.RequestHash != "hb" {
		t.Errorf("another user's ClaimKey of the same key = %+v, claimed %v; want claimed (keys are per user)", rec, claimed)
	}
	if err := s.FinishKey(ctx, b.ID, "same-key", 200, "application/json", []byte("b")); err != nil {
		t.Fatalf("FinishKey: %v", err)
	}
	if rec, claimed := claimKey(t, s, a.ID, "same-key", "ha", now); claimed || rec.Done || rec.RequestHash != "ha" {
		t.Errorf("first user's record after the other finished = %+v, claimed %v; want still pending with hash ha", rec, claimed)
	}
	if err := s.ReleaseKey(ctx, a.ID, "same-key"); err != nil {
		t.Fatalf("ReleaseKey: %v", err)
	}
	if rec, claimed := claimKey(t, s, b.ID, "same-key", "hb", now); claimed || !rec.Done || string(rec.Body) != "b" {
		t.Errorf("second user's record after the first released = %+v, claimed %v; want still done", rec, claimed)
	}
}

// testRenewKey: a renewal (or a takeover) moves a pending claim's time only
// from the time it was read with, so of two takeovers one wins, and a done
// key is never moved.
func testRenewKey(t *testing.T, s Engine) {
	ctx := context.Background()
	u := newUser(t, s)
	claimKey(t, s, u.ID, "key-1", "h", now)
	later, later2 := now.Add(time.Minute), now.Add(2*time.Minute)
	if ok, err := s.RenewKey(ctx, u.ID, "key-1", now, later); err != nil || !ok {
		t.Fatalf("RenewKey from the claim's time = %v, %v; want renewed", ok, err)
	}
	if ok, err := s.RenewKey(ctx, u.ID, "key-1", now, later2); err != nil || ok {
		t.Errorf("RenewKey from a time the claim no longer has = %v, %v; want refused", ok, err)
	}
	if rec, claimed := claimKey(t, s, u.ID, "key-1", "h", later2); claimed || rec.Done || !rec.CreatedAt.Equal(later) {
		t.Errorf("after renewals: %+v, claimed %v; want pending at %v", rec, claimed, later)
	}
	if ok, err := s.RenewKey(ctx, u.ID, "no-such-key", now, later); err != nil || ok {
		t.Errorf("RenewKey of a missing key = %v, %v; want refused", ok, err)
	}
	if err := s.FinishKey(ctx, u.ID, "key-1", 201, "application/json", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.RenewKey(ctx, u.ID, "key-1", later, later2); err != nil || ok {
		t.Errorf("RenewKey of a done key = %v, %v; want refused", ok, err)
	}
	// Two takeovers of one stale claim at once: exactly one wins.
	claimKey(t, s, u.ID, "key-2", "h", now)
	var wins sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wins.Go(func() {
			ok, err := s.RenewKey(ctx, u.ID, "key-2", now, later.Add(time.Duration(i)*time.Millisecond))
			if err != nil {
				t.Errorf("RenewKey: %v", err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wins.Wait()
	if won != 1 {
		t.Errorf("%d of 8 concurrent takeovers of one claim won; want 1", won)
	}
}

func testPurgeKeys(t *testing.T, s Engine) {
	ctx := context.Background()
	u := newUser(t, s)
	claimKey(t, s, u.ID, "old-pending", "h", now.Add(-2*time.Hour))
	claimKey(t, s, u.ID, "old-done", "h", now.Add(-time.Hour))
	if err := s.FinishKey(ctx, u.ID, "old-done", 201, "application/json", []byte("{}")); err != nil {
		t.Fatalf("FinishKey: %v", err)
	}
	claimKey(t, s, u.ID, "at-cutoff", "h", now.Add(-30*time.Minute))
	claimKey(t, s, u.ID, "new", "h", now)
	n, err := s.PurgeKeys(ctx, now.Add(-30*time.Minute))
	if err != nil || n != 2 {
		t.Errorf("PurgeKeys = %d, %v; want 2 (keys created before the cutoff)", n, err)
	}
	for key, gone := range map[string]bool{"old-pending": true, "old-done": true, "at-cutoff": false, "new": false} {
		if _, claimed := claimKey(t, s, u.ID, key, "h", now); claimed != gone {
			t.Errorf("key %q claimable after PurgeKeys = %v, want %v", key, claimed, gone)
		}
	}
}

func testConcurrentClaims(t *testing.T, s Engine) {
	u := newUser(t, s)
	const n = 50
	type result struct {
		rec     idempotency.Record
		claimed bool
		hash    string
		err     error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			hash := fmt.Sprintf("hash-%d", i)
			rec, claimed, err := s.ClaimKey(context.Background(), u.ID, "race", hash, now)
			results[i] = result{rec, claimed, hash, err}
		})
	}
	close(start)
	wg.Wait()
	winner := ""
	claims := 0
	for _, r := range results {
		if r.err != nil {
			t.Errorf("ClaimKey: %v", r.err)
		}
		if r.claimed {
			claims++
			winner = r.hash
		}
	}
	if claims != 1 {
		t.Fatalf("%d of %d concurrent ClaimKey calls claimed the key, want exactly 1", claims, n)
	}
	for _, r := range results {
		if !r.claimed && r.err == nil && r.rec.RequestHash != winner {
			t.Errorf("a losing ClaimKey saw hash %q, want the winner's %q", r.rec.RequestHash, winner)
		}
	}
}

func exerciseSettings(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"CreatedOnce":       testSettingOnce,
		"ConcurrentCallers": testSettingConcurrent,
	})
}

func testSettingOnce(t *testing.T, s Engine) {
	ctx := context.Background()
	v1, err := s.Setting(ctx, "barcode_key", func() string { return "first" })
	if err != nil || v1 != "first" {
		t.Fatalf("Setting (new) = %q, %v; want %q", v1, err, "first")
	}
	v2, err := s.Setting(ctx, "barcode_key", func() string { return "second" })
	if err != nil || v2 != "first" {
		t.Errorf("Setting (existing) = %q, %v; want the stored %q", v2, err, "first")
	}
	other, err := s.Setting(ctx, "other", func() string { return ids.New("x") })
	if err != nil || other == "first" || other == "" {
		t.Errorf("Setting of another name = %q, %v; want its own value", other, err)
	}
}

func testSettingConcurrent(t *testing.T, s Engine) {
	const n = 20
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got[i], errs[i] = s.Setting(context.Background(), "shared", func() string { return ids.New("secret") })
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Setting: %v", errs[i])
		} else if got[i] != got[0] || got[i] == "" {
			t.Errorf("concurrent Setting callers got %q and %q, want one shared value", got[0], got[i])
		}
	}
}

package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/app"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/demo"
)

// BenchmarkStadiumHTTP serves the seat map and offers of the demo
// stadium's football game over real HTTP, with 4,000 seats held at random
// by 500 buyers, from a whole instance (telemetry included). It uses only
// what the API offered before the shared snapshot, so the same file runs
// against an older commit for a before and after:
//
//	go test -run '^$' -bench StadiumHTTP -benchtime 10x ./internal/httpapi/
//
// The clock is fake and still, so after the first request a shared
// snapshot stays warm: what is measured is a request while the snapshot is
// shared, which is what nearly all of 1,000 requests a second are.
func BenchmarkStadiumHTTP(b *testing.B) {
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.Database = "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
	cfg.RateLimits.Enabled = false
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	a, err := app.New(ctx, cfg, app.Options{Clock: clk, Hasher: account.NewTestHasher()})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	b.Cleanup(func() { srv.Close(); a.Close() })
	sum, err := demo.Load(ctx, a.Catalog, account.User{ID: "usr_admin", Role: account.RoleAdmin}, clk.Now())
	if err != nil {
		b.Fatal(err)
	}
	var event string
	for _, h := range sum.Highlights {
		if strings.Contains(h.Name, "Jets") {
			event = h.EventID
		}
	}
	p, err := a.Booking.Plan(ctx, event)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range 500 {
		u, _, err := a.Accounts.Register(ctx, account.Registration{Email: fmt.Sprintf("b%d@example.com", i), Password: "password-1", Name: "B"})
		if err != nil {
			b.Fatal(err)
		}
		var ids []string
		for range 8 {
			ids = append(ids, strconv.Itoa(1+rng.IntN(len(p.Seats))))
		}
		_, _ = a.Booking.PlaceHold(ctx, u, event, booking.HoldRequest{SeatIDs: ids})
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, c := range []struct{ name, path, encoding string }{
		{"seats", "/seats", "identity"},
		{"seats-gzip", "/seats", "gzip"},
		{"seats-compact-gzip", "/seats?format=compact", "gzip"},
		{"offers", "/offers?quantity=2", "identity"},
		{"offers-gzip", "/offers?quantity=2", "gzip"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var n int64
			get := func() {
				req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events/"+event+c.path, nil)
				req.Header.Set("Accept-Encoding", c.encoding)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d", c.path, resp.StatusCode)
				}
			}
			get() // warm: the plan, and after this work the shared snapshot
			for b.Loop() {
				get()
			}
			b.ReportMetric(float64(n), "body-bytes")
		})
	}
}

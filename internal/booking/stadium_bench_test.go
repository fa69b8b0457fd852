package booking_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/demo"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/store/sqlite"
)

// stadium is the demo's football game at MetLife Stadium (80,879 places)
// on a fresh SQLite file, with 4,000 seats held at random by 500 buyers so
// that rows are broken up as in the middle of an on-sale.
type stadium struct {
	ctx   context.Context
	store *sqlite.Store
	clk   *clock.Fake
	svc   *booking.Service
	event string
}

func newStadium(b testing.TB) *stadium {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "stadium.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	clk := clock.NewFake(start)
	cat := catalog.NewService(st, clk)
	sum, err := demo.Load(ctx, cat, account.User{ID: "usr_admin", Role: account.RoleAdmin}, clk.Now())
	if err != nil {
		b.Fatal(err)
	}
	s := &stadium{ctx: ctx, store: st, clk: clk, svc: booking.NewService(st, payment.NewFake(payment.FakeOptions{Now: clk.Now}), clk,
		booking.Options{HoldTTL: time.Hour, Secret: []byte("bench")})}
	for _, h := range sum.Highlights {
		if strings.Contains(h.Name, "Jets") {
			s.event = h.EventID
		}
	}
	p, err := s.svc.Plan(ctx, s.event)
	if err != nil {
		b.Fatal(err)
	}
	accounts := account.NewService(st, account.NewTestHasher(), clk)
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range 500 {
		u, _, err := accounts.Register(ctx, account.Registration{Email: fmt.Sprintf("b%d@example.com", i), Password: "password-1", Name: "B"})
		if err != nil {
			b.Fatal(err)
		}
		var ids []string
		for range 8 {
			ids = append(ids, strconv.Itoa(1+rng.IntN(len(p.Seats))))
		}
		_, _ = s.svc.PlaceHold(ctx, u, s.event, booking.HoldRequest{SeatIDs: ids}) // a repeated or taken seat just fails
	}
	return s
}

// BenchmarkStadiumReads measures the seat map and offers on the stadium,
// before (a read of every seat per request, the way they were served) and
// after (the shared snapshot). "per request" is what each of 1,000
// requests a second costs once the snapshot is shared; "per snapshot" is
// what one caller pays a few times a second to replace it.
//
//	go test -run '^$' -bench StadiumReads -benchtime 20x ./internal/booking/
func BenchmarkStadiumReads(b *testing.B) {
	s := newStadium(b)
	q := booking.OfferQuery{Quantity: 2, Limit: 50}
	sn, err := s.svc.SharedSnapshot(s.ctx, s.event)
	if err != nil {
		b.Fatal(err)
	}
	c := sn.Counts()
	b.Logf("stadium: %d places, %d held, %d sold", c.Capacity, c.Held, c.Sold)

	b.Run("offers/before", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.store.Event(s.ctx, s.event); err != nil {
				b.Fatal(err)
			}
			seats, err := s.store.Seats(s.ctx, s.event)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := booking.OldOffers(s.event, seats, s.clk.Now(), q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("offers/after", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.svc.Offers(s.ctx, s.event, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The old Snapshot.Offers, which the web listing used: the ranking
	// alone, on a snapshot in memory.
	b.Run("offers/old-ranking-in-memory", func(b *testing.B) {
		for b.Loop() {
			if _, err := booking.OldSnapshotOffers(sn, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("seatmap/before", func(b *testing.B) {
		for b.Loop() {
			m, err := s.svc.SeatMap(s.ctx, s.event)
			if err != nil {
				b.Fatal(err)
			}
			if err := json.NewEncoder(io.Discard).Encode(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The API keeps the encoded map per shared snapshot (booking.View), so
	// a request copies bytes.
	b.Run("seatmap/after", func(b *testing.B) {
		get := func() {
			sn, err := s.svc.SharedSnapshot(s.ctx, s.event)
			if err != nil {
				b.Fatal(err)
			}
			body := booking.View(sn, "bench-json", func(sn booking.Snapshot) []byte { return sn.AppendJSON(nil) })
			_, _ = io.Discard.Write(body)
		}
		get() // the first request of a snapshot encodes it: below
		for b.Loop() {
			get()
		}
	})
	// What replacing a shared snapshot costs, a few times a second: one read
	// of the taken places, then each form's encoding once.
	b.Run("snapshot/read", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.svc.Snapshot(s.ctx, s.event); err != nil {
				b.Fatal(err)
			}
		}
	})
	var full, compact []byte
	b.Run("seatmap/encode", func(b *testing.B) {
		for b.Loop() {
			full = sn.AppendJSON(full[:0])
		}
		b.ReportMetric(float64(len(full)), "bytes")
	})
	b.Run("seatmap/gzip", func(b *testing.B) { benchGzip(b, full) })
	b.Run("compact/encode", func(b *testing.B) {
		for b.Loop() {
			compact = sn.AppendCompactJSON(compact[:0])
		}
		b.ReportMetric(float64(len(compact)), "bytes")
	})
	b.Run("compact/gzip", func(b *testing.B) { benchGzip(b, compact) })
}

func benchGzip(b *testing.B, body []byte) {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	for b.Loop() {
		out.Reset()
		zw.Reset(&out)
		_, _ = zw.Write(body)
		_ = zw.Close()
	}
	b.ReportMetric(float64(out.Len()), "gzip-bytes")
}

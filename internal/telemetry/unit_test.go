package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/telemetry"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status int
		code   apperr.Code
		want   string
	}{
		{409, apperr.SeatsUnavailable, telemetry.ClassExpected},
		{402, apperr.PaymentDeclined, telemetry.ClassExpected},
		{409, apperr.TicketLimitExceeded, telemetry.ClassExpected},
		{422, apperr.Invalid, telemetry.ClassExpected},
		{400, apperr.InvalidJSON, telemetry.ClassExpected},
		{401, apperr.Unauthorized, telemetry.ClassExpected},
		{404, apperr.NotFound, telemetry.ClassExpected},
		{429, apperr.RateLimited, telemetry.ClassExpected},
		{413, apperr.BodyTooLarge, telemetry.ClassExpected},
		{405, "", telemetry.ClassExpected},
		{500, apperr.Internal, telemetry.ClassFailure},
		{503, apperr.Unavailable, telemetry.ClassFailure},
		{502, "", telemetry.ClassFailure},
		{504, apperr.NotFound, telemetry.ClassFailure}, // any 5xx, whatever the code
	} {
		if got := telemetry.Classify(c.status, c.code); got != c.want {
			t.Errorf("Classify(%d, %q) = %s, want %s", c.status, c.code, got, c.want)
		}
	}
}

// fakeSource is a store with many events on sale and a counter of reads.
type fakeSource struct {
	catalogStore
	bookingStore
	events []catalog.Event
	counts int
}

type (
	catalogStore = catalog.Store
	bookingStore = booking.Store
)

func (f *fakeSource) Event(context.Context, string) (catalog.Event, error) {
	return catalog.Event{}, nil
}

func (f *fakeSource) Events(_ context.Context, q catalog.EventQuery) ([]catalog.Event, error) {
	var out []catalog.Event
	for _, e := range f.events {
		if q.AfterID != "" && (e.StartsAt.Before(q.AfterStartsAt) || (e.StartsAt.Equal(q.AfterStartsAt) && e.ID <= q.AfterID)) {
			continue
		}
		if out = append(out, e); len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

func (f *fakeSource) SeatCounts(context.Context, string, time.Time) (booking.SeatCounts, error) {
	f.counts++
	return booking.SeatCounts{Capacity: 80000, Available: 70000, Held: 2000, Sold: 8000}, nil
}

func (f *fakeSource) PendingOrders(context.Context, time.Time, int) ([]booking.Order, error) {
	return nil, nil
}

// TestStatsBounded: however many events are on sale, the per-event gauges
// cover at most 50, and a burst of scrapes reads the store once.
func TestStatsBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	src := &fakeSource{}
	for i := range 700 {
		e := catalog.Event{ID: "evt" + strconv.Itoa(i), Name: "Show", Status: catalog.StatusPublished,
			StartsAt: now.Add(time.Duration(i+1) * time.Hour), OnsaleAt: now.Add(-time.Duration(i+1) * time.Minute)}
		if i%7 == 0 {
			e.OnsaleAt = now.Add(time.Hour) // not yet on sale
		}
		src.events = append(src.events, e)
	}
	tel := telemetry.New(telemetry.Options{})
	tel.RegisterStats(telemetry.StatsSource{Catalog: src, Booking: src, Now: func() time.Time { return now }})
	for range 3 {
		if n := seriesOf(t, tel, "boxoffice_event_seats") + seriesOf(t, tel, "boxoffice_event_info"); n != 50*3+50 {
			t.Errorf("%d per-event series, want 50 events × (3 states + info)", n)
		}
	}
	if src.counts != 50 {
		t.Errorf("%d seat counts read for 3 scrapes, want one snapshot of 50", src.counts)
	}
	want := 700 - 100 // one in seven is not yet on sale
	if got := gaugeOf(t, tel, "boxoffice_events_on_sale"); int(got) != want {
		t.Errorf("events on sale %v, want %d", got, want)
	}
}

func seriesOf(t *testing.T, tel *telemetry.Telemetry, name string) int {
	t.Helper()
	fams, err := tel.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return len(f.Metric)
		}
	}
	return 0
}

func gaugeOf(t *testing.T, tel *telemetry.Telemetry, name string) float64 {
	t.Helper()
	fams, err := tel.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f.Metric[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s", name)
	return 0
}

func TestDebugHandlerAdminOnly(t *testing.T) {
	t.Parallel()
	isAdmin := func(_ context.Context, tok string) bool { return tok == "admin-session" }
	srv := httptest.NewServer(telemetry.DebugHandler("ops-token", isAdmin))
	defer srv.Close()
	for _, c := range []struct {
		path, auth string
		want       int
	}{
		{"/debug/pprof/", "", 401},
		{"/debug/pprof/", "Bearer wrong", 401},
		{"/debug/pprof/", "Bearer customer-session", 401},
		{"/debug/pprof/", "Bearer ops-token", 200},
		{"/debug/pprof/goroutine?debug=1", "Bearer admin-session", 200},
		{"/debug/pprof/cmdline", "Bearer ops-token", 404},
	} {
		req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("GET %s with %q: %d, want %d", c.path, c.auth, resp.StatusCode, c.want)
		}
	}
	// No operator token configured: an empty bearer must not match it.
	open := httptest.NewServer(telemetry.DebugHandler("", isAdmin))
	defer open.Close()
	req, _ := http.NewRequest("GET", open.URL+"/debug/pprof/", nil)
	req.Header.Set("Authorization", "Bearer ")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("empty token: %v %v", resp.StatusCode, err)
	}
}

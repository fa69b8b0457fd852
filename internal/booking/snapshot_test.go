package booking_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/store/sqlite"
)

// TestSnapshotMatchesFreshReads checks that the cached plan plus the narrow
// read of taken places gives the same seat map and offers as a full read,
// and that an expired hold shows available at once.
func TestSnapshotMatchesFreshReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "snap.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	cat := catalog.NewService(st, clk)
	accounts := account.NewService(st, account.NewHasher(1), clk)
	bk := booking.NewService(st, payment.NewFake(payment.FakeOptions{Now: clk.Now}), clk, booking.Options{HoldTTL: time.Minute, Secret: []byte("k")})
	admin := account.User{Role: account.RoleAdmin}
	lat, lon := 40.0, -74.0
	v, err := cat.CreateVenue(ctx, admin, catalog.VenueInput{Name: "Hall", Lat: &lat, Lon: &lon, Sections: []catalog.SectionInput{
		{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: 6}, {Name: "2", Seats: 8}}},
		{Name: "Floor", GeneralAdmission: true, Capacity: 20},
		{Name: "B", Rows: []catalog.Row{{Name: "1", Seats: 5}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	starts, onsale := clk.Now().Add(48*time.Hour), clk.Now().Add(-time.Hour)
	price := int64(1000)
	e, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: v.ID, Name: "Show", Category: "concert", StartsAt: &starts, OnsaleAt: &onsale,
		DefaultPriceCents: &price, Prices: []catalog.Price{{Section: "B", PriceCents: 500}}})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := accounts.Register(ctx, account.Registration{Email: "a@example.com", Password: "password1", Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bk.PlaceHold(ctx, u, e.ID, booking.HoldRequest{SeatIDs: []string{"3", "4"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := bk.PlaceHold(ctx, u, e.ID, booking.HoldRequest{Section: "Floor", Quantity: 3}); err != nil {
		t.Fatal(err)
	}
	check := func(wantHeld int) {
		t.Helper()
		sn, err := bk.Snapshot(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		full, err := bk.SeatMap(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := sn.Map(); !reflect.DeepEqual(got, full) {
			t.Errorf("snapshot map\n%+v\nfull map\n%+v", got, full)
		}
		if c := sn.Counts(); c.Held != wantHeld || c.Capacity != 39 || c.Available+c.Held+c.Sold != c.Capacity {
			t.Errorf("counts %+v, want %d held of 39", c, wantHeld)
		}
		for _, q := range []booking.OfferQuery{{Quantity: 2}, {Quantity: 3, Sort: "best"}, {Quantity: 1, MaxPriceCents: 600}} {
			a, err := sn.Offers(q)
			if err != nil {
				t.Fatal(err)
			}
			b, err := bk.Offers(ctx, e.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("offers %+v:\nsnapshot %+v\nfull     %+v", q, a, b)
			}
		}
	}
	check(5)
	clk.Advance(2 * time.Minute) // both holds expire; no sweeper ran
	check(0)
}

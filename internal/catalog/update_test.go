package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

func TestUpdateEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cat, clk := newCatalog(t, time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	admin := account.User{Role: account.RoleAdmin}
	lat, lon := 40.0, -74.0
	v, err := cat.CreateVenue(ctx, admin, catalog.VenueInput{Name: "Hall", Lat: &lat, Lon: &lon,
		Sections: []catalog.SectionInput{{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: 4}}}}})
	if err != nil {
		t.Fatal(err)
	}
	starts, onsale := clk.Now().Add(48*time.Hour), clk.Now().Add(-time.Hour)
	e, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: v.ID, Name: "Show", Category: "concert", StartsAt: &starts, OnsaleAt: &onsale,
		Prices: []catalog.Price{{Section: "A", PriceCents: 2500}}, AddOns: []catalog.AddOnInput{{Name: "Parking", PriceCents: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	name, limit, fee := "  Late Show ", 4, int64(300)
	later := starts.Add(3 * time.Hour)
	got, err := cat.UpdateEvent(ctx, admin, e.ID, catalog.EventUpdate{Name: &name, MaxTicketsPerUser: &limit, ServiceFeeCents: &fee, StartsAt: &later,
		Queue: &catalog.Queue{Enabled: true, AdmitPerMinute: 60}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Late Show" || got.MaxTicketsPerUser != 4 || got.ServiceFeeCents != 300 || !got.StartsAt.Equal(later) ||
		!got.Queue.Enabled || got.Queue.AdmitPerMinute != 60 || got.Category != "concert" || len(got.AddOns) != 1 || got.AddOns[0].ID != e.AddOns[0].ID {
		t.Errorf("updated event %+v", got)
	}
	if p, _ := got.PriceOf("A"); p != 2500 {
		t.Errorf("price changed to %d", p)
	}
	bad := onsale.Add(-72 * time.Hour)
	if _, err := cat.UpdateEvent(ctx, admin, e.ID, catalog.EventUpdate{StartsAt: &bad}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("starts before on-sale: %v, want validation_failed", err)
	}
	if _, err := cat.UpdateEvent(ctx, account.User{Role: account.RoleCustomer}, e.ID, catalog.EventUpdate{Name: &name}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("customer update: %v, want forbidden", err)
	}
	if _, err := cat.UpdateEvent(ctx, admin, "evt_nope", catalog.EventUpdate{Name: &name}); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("missing event: %v, want not_found", err)
	}
}

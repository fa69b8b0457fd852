package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/store/pgtest"
	"github.com/boxoffice/boxoffice/internal/store/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// open migrates the database at url and opens the engine on it.
func open(t *testing.T, url string, o postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// migrated returns the URL of a fresh database with the schema applied,
// copied from a template migrated once per test binary.
func migrated(t *testing.T) string {
	t.Helper()
	return pgtest.URLFrom(t, "migrated", func(url string) error { return postgres.Migrate(context.Background(), url) })
}

// TestMigrateConcurrently starts five migrations of one empty database at
// once, as five instances booting together do: goose's advisory lock lets
// one apply the schema, the others find it applied, and every version is
// recorded once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { errs[i] = postgres.Migrate(ctx, url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migration %d: %v", i, err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT version_id, COUNT(*) FROM goose_db_version WHERE is_applied GROUP BY version_id ORDER BY version_id`)
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var v, n int64
		err := r.Scan(&v, &n)
		return fmt.Sprintf("%d×%d", v, n), err
	})
	if err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	applied := []string{"0×1"}
	for i := range files {
		applied = append(applied, fmt.Sprintf("%d×1", i+1))
	}
	if want := fmt.Sprint(applied); fmt.Sprint(got) != want {
		t.Errorf("goose_db_version = %v, want %s (each version applied once)", got, want)
	}
	// Migrating an up-to-date database is a no-op.
	if err := postgres.Migrate(ctx, url); err != nil {
		t.Errorf("migrate again: %v", err)
	}
}

// TestReadinessFollowsTheServer stops the server under an open store:
// readiness fails and transactions are "unavailable" (503), not bugs, and
// the process carries on; once the server is back, both recover without
// reopening the store.
func TestReadinessFollowsTheServer(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a cluster of its own")
	}
	c := pgtest.NewCluster(t)
	s := open(t, c.URL(t), postgres.Options{MaxConns: 4, StatementTimeout: time.Second})
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping with the server up: %v", err)
	}
	c.Stop(t)
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.Ping(pctx); err == nil {
		t.Fatal("Ping succeeded with the server stopped")
	}
	err := s.InTx(pctx, func(booking.Tx) error { return nil })
	if apperr.CodeOf(err) != apperr.Unavailable {
		t.Errorf("InTx with the server stopped = %v, want code unavailable", err)
	}
	c.Start(t)
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := s.Ping(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ping did not recover after the server came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := s.Venues(ctx, catalog.VenueQuery{Limit: 1}); err != nil {
		t.Errorf("query after recovery: %v", err)
	}
}

// TestUserLockEnforcesTicketLimit sends one buyer's holds in parallel. At
// READ COMMITTED each transaction would see the others' holds only once
// they commit, so without the per-(user, event) advisory lock several
// could count room under the limit at once; with it, exactly the limit
// is held.
func TestUserLockEnforcesTicketLimit(t *testing.T) {
	t.Parallel()
	s := open(t, migrated(t), postgres.Options{MaxConns: 24})
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	clk := clock.NewFake(now)
	admin := account.User{ID: "usr_admin", Role: account.RoleAdmin}
	cat := catalog.NewService(s, clk)
	v, err := cat.CreateVenue(ctx, admin, catalog.VenueInput{Name: "Hall", Lat: ptr(1.0), Lon: ptr(2.0),
		Sections: []catalog.SectionInput{{Name: "Floor", GeneralAdmission: true, Capacity: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 4
	e, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: v.ID, Name: "Show", Category: "concert",
		StartsAt: ptr(now.Add(24 * time.Hour)), OnsaleAt: ptr(now.Add(-time.Hour)), MaxTicketsPerUser: ptr(limit), DefaultPriceCents: ptr(int64(1000))})
	if err != nil {
		t.Fatal(err)
	}
	buyer := account.User{ID: ids.New("usr"), Email: "buyer@example.com", Name: "Buyer", Role: account.RoleCustomer, CreatedAt: now}
	if err := s.CreateUser(ctx, buyer, "x"); err != nil {
		t.Fatal(err)
	}
	bk := booking.NewService(s, payment.NewFake(payment.FakeOptions{Now: clk.Now}), clk, booking.Options{})
	var wg sync.WaitGroup
	codes := make([]apperr.Code, 20)
	for i := range codes {
		wg.Go(func() {
			_, err := bk.PlaceHold(ctx, buyer, e.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
			codes[i] = apperr.CodeOf(err)
		})
	}
	wg.Wait()
	count := map[apperr.Code]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[""] != limit || count[apperr.TicketLimitExceeded] != len(codes)-limit {
		t.Errorf("outcomes %v, want %d holds and %d ticket_limit_exceeded", count, limit, len(codes)-limit)
	}
	c, err := s.SeatCounts(ctx, e.ID, now)
	if err != nil || c.Held != limit {
		t.Errorf("SeatCounts = %+v, %v; want %d held", c, err, limit)
	}
}

func ptr[T any](v T) *T { return &v }

// errFirst is returned by a transaction body that must not be retried.
var errFirst = errors.New("not retryable")

// TestInTxDoesNotRetryOtherErrors: only lost races are retried.
func TestInTxDoesNotRetryOtherErrors(t *testing.T) {
	t.Parallel()
	s := open(t, migrated(t), postgres.Options{MaxConns: 2})
	runs := 0
	err := s.InTx(context.Background(), func(booking.Tx) error { runs++; return errFirst })
	if !errors.Is(err, errFirst) || runs != 1 {
		t.Errorf("InTx = %v after %d runs, want errFirst after 1", err, runs)
	}
}

package catalog_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/store/sqlite"
)

// newCatalog is a catalog service on a fresh SQLite file, its clock a
// fake one set at start: the real store under the service's rules.
func newCatalog(t *testing.T, start time.Time) (*catalog.Service, *clock.Fake) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(start)
	return catalog.NewService(st, clk), clk
}

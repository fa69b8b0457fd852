package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/boxoffice/boxoffice/internal/store/sqlite"
	"github.com/boxoffice/boxoffice/internal/store/storetest"
)

// TestConformance runs the store conformance suite against SQLite, each
// test on its own database file.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) storetest.Engine {
		t.Helper()
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return s
	})
}

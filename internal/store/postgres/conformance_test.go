package postgres_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/internal/store/postgres"
	"github.com/boxoffice/boxoffice/internal/store/storetest"
)

// TestConformance runs the store contract's suite, the same tests the
// SQLite engine passes, each against a fresh PostgreSQL database (a copy
// of one migrated once; TestMigrateConcurrently migrates empty ones).
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) storetest.Engine {
		return open(t, migrated(t), postgres.Options{MaxConns: 8})
	})
}

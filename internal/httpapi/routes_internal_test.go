package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// TestEveryRouteInOpenAPI: each route of routes.go, with every optional
// part switched on, is an operation of openapi.json, so an extension
// cannot be served without being described.
func TestEveryRouteInOpenAPI(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	patterns := New(Deps{Clock: clock.NewFake(t0), RateLimits: config.Defaults().RateLimits, Notify: &notify.Admin{}}).Routes()
	if len(patterns) < 30 {
		t.Fatalf("only %d routes seen: %v", len(patterns), patterns)
	}
	for _, p := range patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			continue // the catch-all of unknown API paths
		}
		if _, documented := doc.Paths[strings.TrimPrefix(path, "/api/v1")][strings.ToLower(method)]; !documented {
			t.Errorf("%s is served but not in openapi.json", p)
		}
	}
}

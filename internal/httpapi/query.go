package httpapi

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// queryOf returns the request's query parameters, refusing any that is not
// one of names with 422 validation_failed naming it: a misspelt
// ?max_price=3000 would otherwise be ignored, and an answer that ignores
// the buyer's limit looks right. Each route that takes parameters reads
// them here, once the caller is authenticated, so that 401 still comes
// first; routes that take none ignore a query, as they always have.
func queryOf(r *http.Request, names ...string) (url.Values, error) {
	q := r.URL.Query()
	var f apperr.Fields
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(names, k) {
			f.Add(k, "is not a parameter of this route, which takes %s", strings.Join(names, ", "))
		}
	}
	return q, f.Err()
}

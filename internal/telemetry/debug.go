package telemetry

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/http/pprof"
	"strings"
)

// DebugHandler serves Go's profiler under /debug/pprof/ for admins only.
// It is meant for its own listener (--debug-addr, off by default, best
// bound to a loopback or private address), and on top of that every
// request must bring "Authorization: Bearer <token>" where the token is
// either the operator's BOXOFFICE_DEBUG_TOKEN (token; empty disables this
// way in) or the session token of a signed-in admin (isAdmin decides). A
// profile shows memory and goroutine stacks, so it is as sensitive as the
// data it touches.
//
// /debug/pprof/cmdline is not served: the command line may hold a
// database URL with its password.
func DebugHandler(token string, isAdmin func(ctx context.Context, bearer string) bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/pprof/cmdline", http.NotFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		bearer = strings.TrimSpace(bearer)
		allowed := ok && bearer != "" &&
			((token != "" && subtle.ConstantTimeCompare([]byte(bearer), []byte(token)) == 1) ||
				(isAdmin != nil && isAdmin(r.Context(), bearer)))
		if !allowed {
			w.Header().Set("WWW-Authenticate", `Bearer realm="boxoffice-debug"`)
			http.Error(w, "admin only: send Authorization: Bearer <BOXOFFICE_DEBUG_TOKEN or an admin's token>", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

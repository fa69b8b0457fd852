package app

import "net/http"

// route sends the API and the operations endpoints to api and every other
// path to the web pages, so one listener serves both.
func route(api, pages http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		mux.Handle(p, api)
	}
	mux.Handle("/", pages)
	return mux
}

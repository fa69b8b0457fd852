package app

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/httpapi"
)

// route sends the API and the operations endpoints to api and every other
// path to the web pages, so one listener serves both. The API gzips its
// own responses; the pages get the same middleware here.
func route(api, pages http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		mux.Handle(p, api)
	}
	mux.Handle("/", httpapi.Compress(pages))
	return mux
}

package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/boxoffice/boxoffice/internal/httpx"
)

func TestStatusRecorder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(w http.ResponseWriter)
		want  int
	}{
		{"nothing written", func(http.ResponseWriter) {}, 200},
		{"body only", func(w http.ResponseWriter) { _, _ = w.Write([]byte("x")) }, 200},
		{"status then body", func(w http.ResponseWriter) { w.WriteHeader(404); _, _ = w.Write([]byte("x")) }, 404},
		{"first status wins", func(w http.ResponseWriter) { w.WriteHeader(503); w.WriteHeader(200) }, 503},
		{"1xx is not the answer", func(w http.ResponseWriter) { w.WriteHeader(103); w.WriteHeader(201) }, 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			sw := httpx.NewStatusRecorder(rec)
			tc.write(sw)
			if got := sw.Status(); got != tc.want {
				t.Errorf("Status() = %d, want %d", got, tc.want)
			}
			if http.NewResponseController(sw).Flush() != nil {
				t.Error("Flush does not reach the real writer through Unwrap")
			}
		})
	}
}

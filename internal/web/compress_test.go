package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// TestSeatDataGzipped checks over real HTTP that every form of an event's
// seat data is gzipped for a client that asks, and only then: the API's
// full and compact seat maps, and the page's own layout.json and seats.txt.
// Each gzipped body is smaller and unzips to the plain one; each says
// Vary: Accept-Encoding; gzip;q=0 is a refusal.
func TestSeatDataGzipped(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{catalog: noCatalog})
	lat, lon := 40.7, -74.0
	rows := make([]catalog.Row, 100) // enough rows that even layout.json, which keeps a row as a run, is over 1 KB
	for i := range rows {
		rows[i] = catalog.Row{Name: strconv.Itoa(i + 1), Seats: 20}
	}
	v, err := s.App.Catalog.CreateVenue(t.Context(), s.Admin, catalog.VenueInput{Name: "Big Hall", City: "Testville", Lat: &lat, Lon: &lon,
		Sections: []catalog.SectionInput{{Name: "A", Rows: rows}, {Name: "Floor", GeneralAdmission: true, Capacity: 400}}})
	if err != nil {
		t.Fatal(err)
	}
	now := s.App.Clock.Now()
	starts, onsale, price := now.Add(72*time.Hour), now.Add(-time.Hour), int64(2000)
	e, err := s.App.Catalog.CreateEvent(t.Context(), s.Admin, catalog.EventInput{VenueID: v.ID, Name: "Big Show", Category: "concert",
		StartsAt: &starts, OnsaleAt: &onsale, DefaultPriceCents: &price})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := login(t, s, buyerLogin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Booking.PlaceHold(t.Context(), u, e.ID, booking.HoldRequest{Section: "Floor", Quantity: 2}); err != nil {
		t.Fatal(err)
	}

	// A transport that leaves Accept-Encoding and the body alone.
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	get := func(path, accept string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Header.Set("Accept-Encoding", accept)
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
		}
		return res, b
	}
	for _, path := range []string{
		"/api/v1/events/" + e.ID + "/seats",
		"/api/v1/events/" + e.ID + "/seats?format=compact",
		"/events/" + e.ID + "/layout.json",
		"/events/" + e.ID + "/seats.txt",
	} {
		plainRes, plain := get(path, "identity")
		zRes, z := get(path, "gzip")
		refusedRes, _ := get(path, "gzip;q=0, identity")
		if ce := plainRes.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("%s: Content-Encoding %q for identity", path, ce)
		}
		if ce := refusedRes.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("%s: Content-Encoding %q for gzip;q=0", path, ce)
		}
		if ce := zRes.Header.Get("Content-Encoding"); ce != "gzip" {
			t.Errorf("%s: Content-Encoding %q for a client that accepts gzip (%d bytes plain)", path, ce, len(plain))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatalf("%s: not gzip: %v", path, err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: bad gzip: %v", path, err)
		}
		if !bytes.Equal(unzipped, plain) || len(z) >= len(plain) {
			t.Errorf("%s: %d gzipped bytes unzip to %d bytes, the plain body is %d", path, len(z), len(unzipped), len(plain))
		}
		for _, res := range []*http.Response{plainRes, zRes} {
			if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q", path, res.Header.Get("Vary"))
			}
		}
		t.Logf("%s: %d bytes, %d gzipped", path, len(plain), len(z))
	}
}

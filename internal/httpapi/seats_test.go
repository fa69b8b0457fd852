package httpapi_test

import (
	"bytes"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/booking"
)

// TestSeatMapForms checks the two forms of GET /seats against each other
// and the document, the gzip round trip with Content-Length, the ETag and
// 304, and that a bad format is a 422 naming the field.
func TestSeatMapForms(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 20, 30, 40) // big enough that even the compact form is gzipped
	buyer := h.buyer(t)
	path := "/api/v1/events/" + ev + "/seats"
	var full booking.SeatMap
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path}).JSON(t, &full)
	seat := func(row, n int) string { return full.Sections[0].Rows[row].Seats[n].ID }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer,
		Body: map[string]any{"seat_ids": []string{seat(0, 3), seat(0, 4), seat(2, 29)}}})
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer,
		Body: map[string]any{"section": "Floor", "quantity": 2}})
	h.clock.Advance(4 * booking.DefaultSnapshotMaxAge) // past the stale bound: the shared snapshot is read again at once

	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path}).JSON(t, &full)
	if st := full.Sections[0].Rows[0].Seats[3].Status; st != booking.SeatHeld || full.Sections[1].Available != 38 {
		t.Fatalf("after the holds: seat %s, floor %d available; want held and 38", st, full.Sections[1].Available)
	}
	var compact booking.CompactSeatMap
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "?format=compact"}).JSON(t, &compact)
	if got := compact.Expand(); !reflect.DeepEqual(got, full) {
		t.Fatalf("compact form expands to\n%+v\nthe full form is\n%+v", got, full)
	}
	if row := compact.Sections[0].Rows[0]; row.Status != "aaahh"+strings.Repeat("a", 25) {
		t.Errorf("row 1 status %q", row.Status)
	}
	var explicit booking.SeatMap
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "?format=full"}).JSON(t, &explicit)
	if !reflect.DeepEqual(explicit, full) {
		t.Errorf("format=full differs from the default")
	}

	r := h.c.Must(t, 422, apitest.Req{Method: "GET", Path: path + "?format=svg"})
	if !strings.Contains(string(r.Body), `"field":"format"`) {
		t.Errorf("bad format: %s", r.Body)
	}

	for _, form := range []string{"", "?format=compact"} {
		plainResp, plain := h.rawGet(t, path+form)
		zResp, z := h.rawGet(t, path+form, "Accept-Encoding", "gzip")
		if plainResp.Header.Get("Content-Encoding") != "" || zResp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: encodings %q and %q", form, plainResp.Header.Get("Content-Encoding"), zResp.Header.Get("Content-Encoding"))
		}
		for _, c := range []struct {
			resp *http.Response
			body []byte
		}{{plainResp, plain}, {zResp, z}} {
			if n, _ := strconv.Atoi(c.resp.Header.Get("Content-Length")); n != len(c.body) {
				t.Errorf("%s: Content-Length %q for %d bytes", form, c.resp.Header.Get("Content-Length"), len(c.body))
			}
			if !strings.Contains(c.resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q", form, c.resp.Header.Get("Vary"))
			}
		}
		if !bytes.Equal(gunzip(t, z), plain) || len(z) >= len(plain) {
			t.Fatalf("%s: gzip round trip: %d gzipped bytes for %d", form, len(z), len(plain))
		}
		h.c.Spec.CheckResponse(t, "GET", path+form, zResp.StatusCode, zResp.Header.Get("Content-Type"), gunzip(t, z))

		tag := plainResp.Header.Get("ETag")
		if tag == "" || zResp.Header.Get("ETag") != tag {
			t.Fatalf("%s: ETags %q and %q", form, tag, zResp.Header.Get("ETag"))
		}
		notModified := h.c.Must(t, 304, apitest.Req{Method: "GET", Path: path + form, Header: map[string]string{"If-None-Match": tag}})
		if len(notModified.Body) != 0 || notModified.Header.Get("ETag") != tag {
			t.Errorf("%s: 304 with %d bytes, ETag %q", form, len(notModified.Body), notModified.Header.Get("ETag"))
		}
		h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + form, Header: map[string]string{"If-None-Match": `W/"other"`}})
	}

	// A change gives a new tag.
	resp, _ := h.rawGet(t, path)
	before := resp.Header.Get("ETag")
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer,
		Body: map[string]any{"seat_ids": []string{seat(1, 0)}}})
	h.clock.Advance(4 * booking.DefaultSnapshotMaxAge) // past the stale bound: read again at once
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path, Header: map[string]string{"If-None-Match": before}})
	if resp, _ := h.rawGet(t, path); resp.Header.Get("ETag") == before {
		t.Errorf("the ETag did not change with the seat map")
	}
}

// TestReadsWhileHolding reads every form of the seat map and offers from
// many clients while buyers hold seats and time moves (run it with -race):
// each answer must be valid and whole (a section's statuses add up to its
// available count), and the full and compact forms served under one ETag
// must say the same.
func TestReadsWhileHolding(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 8, 20, 50)
	path := "/api/v1/events/" + ev
	buyers := make([]string, 6)
	for i := range buyers {
		buyers[i] = h.buyer(t)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(stop)
		for range 4 {
			for _, b := range buyers {
				h.c.Do(t, apitest.Req{Method: "POST", Path: path + "/holds", Token: b, Body: map[string]any{"best_available": true, "quantity": 1}})
				h.c.Do(t, apitest.Req{Method: "POST", Path: path + "/holds", Token: b, Body: map[string]any{"section": "Floor", "quantity": 1}})
				h.clock.Advance(booking.DefaultSnapshotMaxAge / 3)
			}
		}
	})
	// One tag, one content: a body is encoded once per snapshot and served
	// as is until the next.
	var mu sync.Mutex
	byTag := map[string]booking.SeatMap{}
	sameUnderTag := func(tag string, m booking.SeatMap) {
		mu.Lock()
		defer mu.Unlock()
		if prev, ok := byTag[tag]; ok && !reflect.DeepEqual(prev, m) {
			t.Errorf("two seat maps under the ETag %s", tag)
		}
		byTag[tag] = m
	}
	first := h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "/seats"}).Header.Get("ETag")
	for i := range 12 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				switch i % 3 {
				case 0:
					r := h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "/seats"})
					var m booking.SeatMap
					r.JSON(t, &m)
					checkCounts(t, m)
					sameUnderTag("full "+r.Header.Get("ETag"), m)
				case 1:
					r := h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "/seats?format=compact"})
					var cm booking.CompactSeatMap
					r.JSON(t, &cm)
					m := cm.Expand()
					checkCounts(t, m)
					sameUnderTag("compact "+r.Header.Get("ETag"), m)
				default:
					var out struct{ Offers []booking.Offer }
					h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "/offers?quantity=2&sort=best"}).JSON(t, &out)
				}
			}
		})
	}
	wg.Wait()
	h.clock.Advance(4 * booking.DefaultSnapshotMaxAge) // past the stale bound: read again at once
	var last booking.SeatMap
	r := h.c.Must(t, 200, apitest.Req{Method: "GET", Path: path + "/seats"})
	r.JSON(t, &last)
	if r.Header.Get("ETag") == first || last.Sections[1].Available != 50-len(buyers)*4 {
		t.Errorf("after the holds: ETag %s (first %s), %d on the floor", r.Header.Get("ETag"), first, last.Sections[1].Available)
	}
}

// checkCounts fails unless each reserved section's available count is the
// number of its seats shown available.
func checkCounts(t *testing.T, m booking.SeatMap) {
	t.Helper()
	for _, sec := range m.Sections {
		if sec.GeneralAdmission {
			if sec.Available < 0 || sec.Available > sec.Capacity {
				t.Errorf("%s: %d of %d available", sec.Name, sec.Available, sec.Capacity)
			}
			continue
		}
		n, all := 0, 0
		for _, r := range sec.Rows {
			for _, st := range r.Seats {
				all++
				if st.Status == booking.SeatAvailable {
					n++
				}
			}
		}
		if n != sec.Available || all != sec.Capacity {
			t.Errorf("%s: %d of %d seats shown available, counts say %d of %d", sec.Name, n, all, sec.Available, sec.Capacity)
		}
	}
}

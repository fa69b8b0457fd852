package web

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// sectionLayout is one section of layout.json: enough for the browser to
// draw its seats and to find each seat's status in the compact string.
type sectionLayout struct {
	Name  string `json:"name"`
	GA    bool   `json:"ga"`
	Price int64  `json:"price"`
	// Places lists a GA area's place ids as runs of [first, count]; rows
	// list a reserved section's seats.
	Places [][2]int64 `json:"places,omitempty"`
	Rows   []rowRun   `json:"rows,omitempty"`
}

// rowRun is a row as [name, first seat id, count]: seat k (1-based) of the
// row has id first+k-1 and number k. A row whose ids or numbers do not run
// like that carries them explicitly as a fourth and fifth element.
type rowRun []any

type layoutDoc struct {
	EventID  string          `json:"event_id"`
	Capacity int             `json:"capacity"`
	Currency string          `json:"currency"`
	Sections []sectionLayout `json:"sections"`
}

// layout serves the event's immutable section layout for the seat map.
func (s *Server) layout(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Catalog.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := s.Booking.Plan(r.Context(), e.ID)
	if err != nil {
		return err
	}
	doc := layoutDoc{EventID: e.ID, Capacity: len(p.Seats), Currency: e.Currency}
	for _, sec := range p.Map.Sections {
		sl := sectionLayout{Name: sec.Name, GA: sec.GeneralAdmission, Price: sec.PriceCents}
		for _, row := range sec.Rows {
			first := seatNo(row.Seats[0].ID)
			run := true
			for k, st := range row.Seats {
				if seatNo(st.ID) != first+int64(k) || st.Number != k+1 {
					run = false
				}
			}
			rr := rowRun{row.Name, first, len(row.Seats)}
			if !run {
				ids, nums := make([]int64, len(row.Seats)), make([]int, len(row.Seats))
				for k, st := range row.Seats {
					ids[k], nums[k] = seatNo(st.ID), st.Number
				}
				rr = append(rr, ids, nums)
			}
			sl.Rows = append(sl.Rows, rr)
		}
		doc.Sections = append(doc.Sections, sl)
	}
	index := map[string]int{}
	for i, sl := range doc.Sections {
		index[sl.Name] = i
	}
	for _, st := range p.Seats {
		if !st.GA {
			continue
		}
		sl := &doc.Sections[index[st.Section]]
		if n := len(sl.Places); n > 0 && sl.Places[n-1][0]+sl.Places[n-1][1] == st.No {
			sl.Places[n-1][1]++
		} else {
			sl.Places = append(sl.Places, [2]int64{st.No, 1})
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeBody(w, "application/json", b)
	return nil
}

// seatStatuses serves the compact status of every place: one character per
// place in seat-id order ("a" available, "h" held, "s" sold), so the
// stadium's 80,879 seats are 80 KB before compression and a few hundred
// bytes after.
func (s *Server) seatStatuses(w http.ResponseWriter, r *http.Request) error {
	snap, err := s.Booking.Snapshot(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeBody(w, "text/plain; charset=utf-8", snap.Status)
	return nil
}

// writeBody writes b with its length. The site's gzip middleware
// (httpapi.Compress, in front of every page) compresses it for a client
// that accepts gzip, as it does the API's seat maps: a body whose length
// is known and long enough is gzipped without being held back.
func writeBody(w http.ResponseWriter, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// seatNo parses a seat id; 0 if it is not one.
func seatNo(id string) int64 {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// venueFormRows is how many section lines the venue form shows; the page's
// script adds more, and empty lines are ignored.
const (
	venueFormRows   = 6
	maxVenueFormRow = 200
)

type venueForm struct {
	Name, Address, City, Region, Country, Lat, Lon, Timezone string
	Sections                                                 []sectionForm
	JSON                                                     string
}

// sectionForm is one line of the form: a reserved block of Rows rows of
// Seats seats (rows named 1, 2, … or A, B, …), or a general-admission area.
type sectionForm struct {
	Index                                             int
	Name, Kind, Rows, Seats, Capacity, X, Y, RowNames string
}

func (s *Server) newVenuePage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireAdmin(r); err != nil {
		return err
	}
	f := venueForm{Timezone: "America/New_York", Country: "US"}
	f.Sections = blankSections(0, venueFormRows)
	f.Sections[0] = sectionForm{Index: 0, Name: "Floor", Kind: "ga", Capacity: "500"}
	f.Sections[1] = sectionForm{Index: 1, Name: "101", Kind: "reserved", Rows: "10", Seats: "20", RowNames: "letters"}
	s.render(w, r, http.StatusOK, "venue_new", view{Title: "New venue", Scripts: []string{"admin.js"}, Data: f})
	return nil
}

func blankSections(from, n int) []sectionForm {
	out := make([]sectionForm, n)
	for i := range out {
		out[i] = sectionForm{Index: from + i, Kind: "reserved", RowNames: "numbers"}
	}
	return out
}

func (s *Server) createVenue(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	f := venueForm{Name: r.PostFormValue("name"), Address: r.PostFormValue("address"), City: r.PostFormValue("city"),
		Region: r.PostFormValue("region"), Country: strings.ToUpper(strings.TrimSpace(r.PostFormValue("country"))),
		Lat: r.PostFormValue("lat"), Lon: r.PostFormValue("lon"), Timezone: r.PostFormValue("timezone"), JSON: r.PostFormValue("json")}
	for i := 0; i < maxVenueFormRow; i++ {
		p := "s" + strconv.Itoa(i) + "_"
		if _, ok := r.PostForm[p+"name"]; !ok {
			continue
		}
		f.Sections = append(f.Sections, sectionForm{Index: len(f.Sections), Name: strings.TrimSpace(r.PostFormValue(p + "name")),
			Kind: r.PostFormValue(p + "kind"), Rows: r.PostFormValue(p + "rows"), Seats: r.PostFormValue(p + "seats"),
			Capacity: r.PostFormValue(p + "capacity"), X: r.PostFormValue(p + "x"), Y: r.PostFormValue(p + "y"), RowNames: r.PostFormValue(p + "rownames")})
	}
	in, err := f.input()
	if err == nil {
		var v catalog.Venue
		if v, err = s.Catalog.CreateVenue(r.Context(), u, in); err == nil {
			http.Redirect(w, r, "/admin/events/new?venue="+url.QueryEscape(v.ID)+"&notice=venue", http.StatusSeeOther)
			return nil
		}
	}
	code, msg := message(err)
	if code == apperr.Internal {
		return err
	}
	if len(f.Sections) < venueFormRows {
		f.Sections = append(f.Sections, blankSections(len(f.Sections), venueFormRows-len(f.Sections))...)
	}
	s.render(w, r, statusFor(code), "venue_new", view{Title: "New venue", Scripts: []string{"admin.js"}, Error: msg, Data: f})
	return nil
}

// input turns the form into the catalog's VenueInput. A JSON body in the
// advanced box (the API's format) wins over the section lines.
func (f venueForm) input() (catalog.VenueInput, error) {
	var in catalog.VenueInput
	var fe apperr.Fields
	if strings.TrimSpace(f.JSON) != "" {
		dec := json.NewDecoder(strings.NewReader(f.JSON))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			fe.Add("json", "is not a venue in the API's JSON format: %v", err)
			return in, fe.Err()
		}
		return in, nil
	}
	in = catalog.VenueInput{Name: f.Name, Address: f.Address, City: f.City, Region: f.Region, Country: f.Country, Timezone: f.Timezone}
	in.Lat, in.Lon = number(&fe, "lat", f.Lat, true), number(&fe, "lon", f.Lon, true)
	for _, sf := range f.Sections {
		if sf.Name == "" {
			continue
		}
		field := fmt.Sprintf("section %q", sf.Name)
		si := catalog.SectionInput{Name: sf.Name, GeneralAdmission: sf.Kind == "ga", X: number(&fe, field+" x", sf.X, false), Y: number(&fe, field+" y", sf.Y, false)}
		if si.GeneralAdmission {
			si.Capacity = integer(&fe, field+" capacity", sf.Capacity)
		} else {
			rows, seats := integer(&fe, field+" rows", sf.Rows), integer(&fe, field+" seats per row", sf.Seats)
			if rows > catalog.MaxRowsPerSec {
				fe.Add(field+" rows", "at most %d", catalog.MaxRowsPerSec)
				rows = 0
			}
			for i := 0; i < rows; i++ {
				si.Rows = append(si.Rows, catalog.Row{Name: rowName(i, sf.RowNames == "letters"), Seats: seats})
			}
		}
		in.Sections = append(in.Sections, si)
	}
	return in, fe.Err()
}

// rowName names row i: 1, 2, … or A … Z, AA, AB, ….
func rowName(i int, letters bool) string {
	if !letters {
		return strconv.Itoa(i + 1)
	}
	name := ""
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		name = string(rune('A'+(n-1)%26)) + name
	}
	return name
}

func number(fe *apperr.Fields, field, s string, required bool) *float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			fe.Add(field, "is required")
		}
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		fe.Add(field, "must be a number")
		return nil
	}
	return &v
}

func integer(fe *apperr.Fields, field, s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		fe.Add(field, "must be a whole number")
		return 0
	}
	return n
}

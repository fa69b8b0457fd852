package web

import (
	"fmt"
	"math"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// The seat map is drawn in two layers. The server draws every section as
// one SVG shape, coloured by price band and marked by availability, which
// is a few hundred elements even for a stadium and paints at once. The
// browser draws the seats of one section only when a buyer zooms into it,
// from the section layout (layout.json) and the compact statuses the live
// stream sends.

// priceBands is how many colours the map uses for prices.
const priceBands = 6

type mapView struct {
	ViewBox string
	Shapes  []mapShape
	Field   *mapField
	Legend  []legendBand
}

type mapShape struct {
	Index            int
	Name             string
	GA               bool
	X, Y, W, H, Rot  float64
	FontSize         float64
	PriceCents       int64
	AllInCents       int64 // PriceCents with the service fee
	Band             int
	Capacity, Avail  int
	Currency, Status string // Status: "open", "low" or "soldout"
}

type mapField struct {
	X, Y, W, H float64
	Label      string
}

// legendBand is one colour of the map's legend; From and To are prices
// per ticket with the service fee, as every price a buyer first sees.
type legendBand struct {
	Band     int
	From, To int64
	Currency string
}

func bandOf(price, lo, hi int64) int {
	if hi <= lo {
		return 0
	}
	b := int(float64(price-lo) / float64(hi-lo) * priceBands)
	return min(max(b, 0), priceBands-1)
}

func availability(avail, capacity int) string {
	switch {
	case avail == 0:
		return "soldout"
	case avail*10 < capacity:
		return "low"
	}
	return "open"
}

// buildMapView lays the event's sections out (those on sale: a showtime's
// one screen, not the cinema's other auditoriums): where the venue gives x
// and y for every section and every section is on sale, around a field or
// stage at their centre, each facing it; otherwise in a grid below a stage
// (a screen, for a film).
func buildMapView(v catalog.Venue, e catalog.Event, snap booking.Snapshot) mapView {
	secs := snap.Plan.Map.Sections
	availBy := sectionAvailability(snap)
	avail := make([]int, len(secs))
	for i, sec := range secs {
		avail[i] = availBy[sec.Name]
	}
	positioned := len(v.Sections) == len(secs)
	pos := map[string][2]float64{}
	for _, s := range v.Sections {
		if s.X == nil || s.Y == nil {
			positioned = false
			break
		}
		pos[s.Name] = [2]float64{*s.X, *s.Y}
	}
	mv := mapView{}
	lo, hi := e.MinPriceCents, e.MaxPriceCents
	for b := 0; b < priceBands; b++ {
		from := lo + (hi-lo)*int64(b)/priceBands
		to := lo + (hi-lo)*int64(b+1)/priceBands
		if hi <= lo {
			mv.Legend = append(mv.Legend, legendBand{Band: 0, From: booking.AllInCents(e, lo), To: booking.AllInCents(e, hi), Currency: e.Currency})
			break
		}
		mv.Legend = append(mv.Legend, legendBand{Band: b, From: booking.AllInCents(e, from), To: booking.AllInCents(e, to), Currency: e.Currency})
	}
	for i, sec := range secs {
		mv.Shapes = append(mv.Shapes, mapShape{Index: i, Name: sec.Name, GA: sec.GeneralAdmission, PriceCents: sec.PriceCents, AllInCents: booking.AllInCents(e, sec.PriceCents),
			Band: bandOf(sec.PriceCents, lo, hi), Capacity: sec.Capacity, Avail: avail[i], Currency: e.Currency,
			Status: availability(avail[i], sec.Capacity)})
	}
	if positioned {
		layoutPositioned(&mv, pos, stageLabel(e, "Field / Stage"))
	} else {
		layoutGrid(&mv, stageLabel(e, "Stage"))
	}
	return mv
}

// stageLabel is what the map marks the sections as facing: a film plays
// on a screen; anything else on the field or the stage (otherwise).
func stageLabel(e catalog.Event, otherwise string) string {
	if e.Category == "movie" {
		return "Screen"
	}
	return otherwise
}

// sectionAvailability counts the available places of each section.
func sectionAvailability(snap booking.Snapshot) map[string]int {
	out := map[string]int{}
	for _, st := range snap.Plan.Seats {
		if snap.Status[st.No-1] == booking.StatusByteAvailable {
			out[st.Section]++
		}
	}
	return out
}

func layoutPositioned(mv *mapView, pos map[string][2]float64, label string) {
	var cx, cy float64
	for _, s := range mv.Shapes {
		p := pos[s.Name]
		cx += p[0]
		cy += p[1]
	}
	n := float64(len(mv.Shapes))
	cx, cy = cx/n, cy/n
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	nearestToCentre := math.Inf(1)
	var centreGA *mapShape
	for i := range mv.Shapes {
		s := &mv.Shapes[i]
		p := pos[s.Name]
		s.X, s.Y = p[0], p[1]
		nn := math.Inf(1)
		for j := range mv.Shapes {
			if j == i {
				continue
			}
			q := pos[mv.Shapes[j].Name]
			nn = min(nn, math.Hypot(q[0]-p[0], q[1]-p[1]))
		}
		if math.IsInf(nn, 1) {
			nn = 200
		}
		dc := math.Hypot(p[0]-cx, p[1]-cy)
		if s.GA && dc < nn {
			centreGA = s
			continue
		}
		nearestToCentre = min(nearestToCentre, dc)
		s.W = math.Min(nn*0.92, 70)
		s.H = math.Min(s.W*1.5, 64)
		s.Rot = math.Atan2(p[1]-cy, p[0]-cx)*180/math.Pi + 90
		s.FontSize = math.Max(5, math.Min(s.W*0.5, 16)) // three digits fill the width
	}
	if math.IsInf(nearestToCentre, 1) {
		nearestToCentre = 200
	}
	fw, fh := nearestToCentre*1.1, nearestToCentre*0.66
	if centreGA != nil {
		centreGA.W, centreGA.H, centreGA.FontSize = fw, fh, math.Min(fh*0.2, 22)
	} else {
		mv.Field = &mapField{X: cx, Y: cy, W: fw, H: fh, Label: label}
	}
	for _, s := range mv.Shapes {
		r := math.Hypot(s.W, s.H) / 2
		minX, minY = math.Min(minX, s.X-r), math.Min(minY, s.Y-r)
		maxX, maxY = math.Max(maxX, s.X+r), math.Max(maxY, s.Y+r)
	}
	pad := 10.0
	mv.ViewBox = fmt.Sprintf("%.0f %.0f %.0f %.0f", minX-pad, minY-pad, maxX-minX+2*pad, maxY-minY+2*pad)
}

func layoutGrid(mv *mapView, label string) {
	const cols, cw, ch, gap = 4, 150.0, 90.0, 16.0
	width := cols*cw + (cols-1)*gap
	mv.Field = &mapField{X: width / 2, Y: 30, W: width * 0.6, H: 44, Label: label}
	// Sections that fill less than one row sit centred under the stage:
	// one screen of a cinema faces its screen rather than sitting at the
	// left of an empty grid.
	units := 0
	for _, s := range mv.Shapes {
		units++
		if s.GA {
			units++
		}
	}
	offset := 0.0
	if units < cols {
		offset = (width - (float64(units)*cw + float64(units-1)*gap)) / 2
	}
	col, y := 0, 80.0
	for i := range mv.Shapes {
		s := &mv.Shapes[i]
		span := 1
		if s.GA {
			span = 2
		}
		if col+span > cols {
			col, y = 0, y+ch+gap
		}
		w := float64(span)*cw + float64(span-1)*gap
		s.X, s.Y, s.W, s.H, s.FontSize = offset+float64(col)*(cw+gap)+w/2, y+ch/2, w, ch, 18
		col += span
	}
	mv.ViewBox = fmt.Sprintf("-10 0 %.0f %.0f", width+20, y+ch+20)
}

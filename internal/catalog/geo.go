package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// Point is a place on Earth in degrees.
type Point struct{ Lat, Lon float64 }

const earthRadiusKm = 6371.0088

// DistanceKm is the great-circle (haversine) distance between a and b.
func DistanceKm(a, b Point) float64 {
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Around returns a box that contains every point within radiusKm of p. Near
// the poles or across the antimeridian it widens to all longitudes rather
// than miss anything.
func Around(p Point, radiusKm float64) BBox {
	dLat := radiusKm / earthRadiusKm * 180 / math.Pi
	b := BBox{MinLat: p.Lat - dLat, MaxLat: p.Lat + dLat, MinLon: -180, MaxLon: 180}
	if cos := math.Cos(p.Lat * math.Pi / 180); cos > 0.01 {
		dLon := dLat / cos
		if p.Lon-dLon >= -180 && p.Lon+dLon <= 180 {
			b.MinLon, b.MaxLon = p.Lon-dLon, p.Lon+dLon
		}
	}
	return b
}

// ParsePoint reads "LAT,LON" from a query parameter.
func ParsePoint(field, s string) (Point, error) {
	lat, lon, ok := strings.Cut(s, ",")
	la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	lo, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
	if !ok || err1 != nil || err2 != nil || la < -90 || la > 90 || lo < -180 || lo > 180 || math.IsNaN(la) || math.IsNaN(lo) {
		var f apperr.Fields
		f.Add(field, "must be LAT,LON in degrees, such as 40.81,-74.07")
		return Point{}, f.Err()
	}
	return Point{Lat: la, Lon: lo}, nil
}

// ParseRadius reads radius_km, defaulting to def.
func ParseRadius(s string, def float64) (float64, error) {
	if s == "" {
		return def, nil
	}
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || r <= 0 || r > 20000 || math.IsNaN(r) {
		var f apperr.Fields
		f.Add("radius_km", "must be a number of kilometres between 0 and 20000")
		return 0, f.Err()
	}
	return r, nil
}

func roundKm(d float64) float64 { v, _ := strconv.ParseFloat(fmt.Sprintf("%.2f", d), 64); return v }

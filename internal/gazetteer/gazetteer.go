// Package gazetteer finds cities by name without asking an outside service:
// a small GeoNames extract (US places of 10,000 people or more and places
// of 100,000 or more elsewhere) is embedded in the binary, so "near a city"
// works for cities that have no venue yet. The data are GeoNames'
// (https://www.geonames.org, CC BY 4.0); data/ says how they were made.
package gazetteer

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

//go:embed data/cities.tsv
var citiesTSV []byte

//go:embed data/countries.tsv
var countriesTSV []byte

// Place is one city of the gazetteer.
type Place struct {
	Name string
	// Region is the GeoNames first-level division code: the state's postal
	// code in the US ("NJ"), a number elsewhere.
	Region      string
	RegionName  string // the US state's name; empty elsewhere
	Country     string // ISO 3166 code
	CountryName string
	Lat, Lon    float64
	Population  int
}

// Label names the place as people write it: "Newark, NJ" in the US,
// "São Paulo, Brazil" elsewhere.
func (p Place) Label() string {
	if p.Country == "US" && p.Region != "" {
		return p.Name + ", " + p.Region
	}
	return p.Name + ", " + p.CountryName
}

// Gazetteer is the index of places by folded name. It is read-only once
// built, so one value serves every request.
type Gazetteer struct {
	places []Place
	byName map[string][]int
	// alias finds "New York City" as "New York": GeoNames keeps a few
	// cities' official names, which people shorten.
	alias map[string][]int
}

// Embedded parses the gazetteer built into the binary.
func Embedded() (*Gazetteer, error) {
	return Parse(bytes.NewReader(citiesTSV), bytes.NewReader(countriesTSV))
}

// Parse reads the two tab-separated files gen writes: cities (name,
// country, admin1, lat, lon, population) and countries (code, name).
// Lines starting with # are comments.
func Parse(cities, countries io.Reader) (*Gazetteer, error) {
	names := map[string]string{}
	if err := eachLine(countries, 2, func(f []string) error { names[f[0]] = f[1]; return nil }); err != nil {
		return nil, fmt.Errorf("countries: %w", err)
	}
	g := &Gazetteer{byName: map[string][]int{}, alias: map[string][]int{}}
	err := eachLine(cities, 6, func(f []string) error {
		lat, err1 := strconv.ParseFloat(f[3], 64)
		lon, err2 := strconv.ParseFloat(f[4], 64)
		pop, err3 := strconv.Atoi(f[5])
		if err1 != nil || err2 != nil || err3 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return fmt.Errorf("bad numbers in %q", strings.Join(f, "\t"))
		}
		if strings.TrimSpace(f[0]) == "" || strings.Contains(f[0], ",") {
			return fmt.Errorf("name %q: empty or with a comma, which no search could find", f[0])
		}
		cn, ok := names[f[1]]
		if !ok {
			return fmt.Errorf("%s: unknown country %q", f[0], f[1])
		}
		p := Place{Name: f[0], Country: f[1], CountryName: cn, Region: f[2], Lat: lat, Lon: lon, Population: pop}
		if p.Country == "US" {
			p.RegionName = usStates[p.Region]
		}
		i := len(g.places)
		g.places = append(g.places, p)
		key := Fold(p.Name)
		g.byName[key] = append(g.byName[key], i)
		if short, ok := strings.CutSuffix(key, " city"); ok && short != "" {
			g.alias[short] = append(g.alias[short], i)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cities: %w", err)
	}
	if len(g.places) == 0 {
		return nil, fmt.Errorf("cities: no places")
	}
	byPop := func(is []int) {
		sort.SliceStable(is, func(a, b int) bool { return g.places[is[a]].Population > g.places[is[b]].Population })
	}
	for _, is := range g.byName {
		byPop(is)
	}
	for _, is := range g.alias {
		byPop(is)
	}
	return g, nil
}

func eachLine(r io.Reader, fields int, f func([]string) error) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != fields {
			return fmt.Errorf("line %d: %d fields, want %d", n, len(parts), fields)
		}
		if err := f(parts); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

// Len is the number of places.
func (g *Gazetteer) Len() int { return len(g.places) }

// nicknames are what people type for a few big cities instead of their names.
var nicknames = map[string]string{
	"nyc": "New York City, NY", "la": "Los Angeles, CA", "sf": "San Francisco, CA", "philly": "Philadelphia, PA",
	"vegas": "Las Vegas, NV", "dc": "Washington, DC", "nola": "New Orleans, LA", "chi town": "Chicago, IL",
}

// Lookup finds the places a person means by q: "City", "City, ST",
// "City, State", "City, Country" or "City, ST, Country", ignoring case and
// accents ("sao paulo" is São Paulo). "Boise ID" without the comma works
// too. The matches come most populous first; none means no such place.
func (g *Gazetteer) Lookup(q string) []Place {
	parts := strings.Split(q, ",")
	name := Fold(parts[0])
	var quals []string
	for _, p := range parts[1:] {
		if p := Fold(p); p != "" {
			quals = append(quals, p)
		}
	}
	if name == "" {
		return nil
	}
	if full, ok := nicknames[name]; ok && len(quals) == 0 {
		return g.Lookup(full)
	}
	if out := g.find(name, quals); len(out) > 0 || len(parts) > 1 {
		return out
	}
	// "Boise ID", "Springfield Illinois", "Paris France": the last words
	// may be the qualifier.
	words := strings.Fields(name)
	for k := len(words) - 1; k >= 1; k-- {
		if out := g.find(strings.Join(words[:k], " "), []string{strings.Join(words[k:], " ")}); len(out) > 0 {
			return out
		}
	}
	return nil
}

func (g *Gazetteer) find(name string, quals []string) []Place {
	is := g.byName[name]
	if len(is) == 0 {
		is = g.alias[name]
	}
	var out []Place
	for _, i := range is {
		p := g.places[i]
		ok := true
		for _, q := range quals {
			if !p.matches(q) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// matches reports whether a folded qualifier names p's state or country.
func (p Place) matches(q string) bool {
	if p.Country == "US" {
		if q == Fold(p.Region) || q == Fold(p.RegionName) {
			return true
		}
		switch q {
		case "usa", "united states of america", "america":
			return true
		}
	}
	if p.Country == "GB" {
		switch q {
		case "uk", "great britain", "england", "scotland", "wales", "northern ireland":
			return true
		}
	}
	return q == Fold(p.Country) || q == Fold(p.CountryName)
}

// Suggest lists up to n places whose name starts with prefix (folded), most
// populous first: what a search box offers as one types.
func (g *Gazetteer) Suggest(prefix string, n int) []Place {
	name, _, _ := strings.Cut(prefix, ",")
	key := Fold(name)
	if key == "" || n <= 0 {
		return nil
	}
	var out []Place
	for k, is := range g.byName {
		if strings.HasPrefix(k, key) {
			for _, i := range is {
				out = append(out, g.places[i])
			}
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Population != out[b].Population {
			return out[a].Population > out[b].Population
		}
		return out[a].Label() < out[b].Label()
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

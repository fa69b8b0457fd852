package gazetteer_test

import (
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/gazetteer"
)

func embedded(t *testing.T) *gazetteer.Gazetteer {
	t.Helper()
	g, err := gazetteer.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func labels(ps []gazetteer.Place) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Label()
	}
	return out
}

func TestEmbeddedIsSmallAndComplete(t *testing.T) {
	g := embedded(t)
	if n := g.Len(); n < 5000 || n > 20000 {
		t.Errorf("%d places, want a few thousand", n)
	}
	for _, q := range []string{"Newark, NJ", "Hoboken", "Pasadena, CA", "Evanston, IL", "Boise", "Tokyo", "Lagos", "Toronto"} {
		if len(g.Lookup(q)) == 0 {
			t.Errorf("%q not found", q)
		}
	}
}

func TestLookupForms(t *testing.T) {
	g := embedded(t)
	for _, tc := range []struct{ q, want string }{
		{"Hoboken", "Hoboken, NJ"},
		{"hoboken", "Hoboken, NJ"},
		{"  HOBOKEN ,  nj ", "Hoboken, NJ"},
		{"Newark", "Newark, NJ"}, // the most populous Newark
		{"Newark, DE", "Newark, DE"},
		{"Newark, Delaware", "Newark, DE"},
		{"Newark, Ohio", "Newark, OH"},
		{"Boise ID", "Boise, ID"},
		{"Springfield Illinois", "Springfield, IL"},
		{"sao paulo", "São Paulo, Brazil"},
		{"São Paulo, Brazil", "São Paulo, Brazil"},
		{"SAO PAULO, br", "São Paulo, Brazil"},
		{"New York", "New York City, NY"},
		{"new york, ny", "New York City, NY"},
		{"Paris, France", "Paris, France"},
		{"Paris, TX", "Paris, TX"},
		{"Paris, USA", "Paris, TX"},
		{"Saint Louis, MO", "St. Louis, MO"},
		{"st louis", "St. Louis, MO"},
		{"Winston-Salem", "Winston-Salem, NC"},
		{"winston salem", "Winston-Salem, NC"},
		{"Zürich", "Zürich, Switzerland"},
		{"zurich", "Zürich, Switzerland"},
		{"Kraków", "Kraków, Poland"},
		{"London, UK", "London, United Kingdom"},
		{"NYC", "New York City, NY"},
		{"la", "Los Angeles, CA"},
		{"Washington DC", "Washington, DC"},
		{"Washington, D.C.", "Washington, DC"},
		{"philly", "Philadelphia, PA"},
	} {
		got := g.Lookup(tc.q)
		if len(got) == 0 {
			t.Errorf("Lookup(%q) found nothing, want %s", tc.q, tc.want)
			continue
		}
		if got[0].Label() != tc.want {
			t.Errorf("Lookup(%q) = %v, want %s first", tc.q, labels(got), tc.want)
		}
	}
}

func TestLookupAmbiguousMostPopulousFirst(t *testing.T) {
	got := embedded(t).Lookup("Springfield")
	if len(got) < 3 {
		t.Fatalf("Springfield: %v, want several", labels(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Population > got[i-1].Population {
			t.Errorf("not most populous first: %v", labels(got))
		}
	}
	have := strings.Join(labels(got), " / ")
	for _, want := range []string{"Springfield, MO", "Springfield, MA", "Springfield, IL"} {
		if !strings.Contains(have, want) {
			t.Errorf("Springfield: %s, missing %s", have, want)
		}
	}
	if got[0].Label() != "Springfield, MO" {
		t.Errorf("Springfield picks %s, want the most populous, Springfield, MO", got[0].Label())
	}
}

func TestLookupUnknown(t *testing.T) {
	g := embedded(t)
	for _, q := range []string{"", "  ", ",", "Atlantis", "Boise, NJ", "Hoboken, France", "Springfield, Narnia", "xyzzy plugh"} {
		if got := g.Lookup(q); len(got) != 0 {
			t.Errorf("Lookup(%q) = %v, want nothing", q, labels(got))
		}
	}
}

func TestPlaceFields(t *testing.T) {
	p := embedded(t).Lookup("Boise")[0]
	if p.Country != "US" || p.Region != "ID" || p.RegionName != "Idaho" || p.CountryName != "United States" {
		t.Errorf("Boise = %+v", p)
	}
	if p.Lat < 43 || p.Lat > 44 || p.Lon < -117 || p.Lon > -116 || p.Population < 100_000 {
		t.Errorf("Boise at %v,%v with %d people", p.Lat, p.Lon, p.Population)
	}
}

func TestSuggest(t *testing.T) {
	g := embedded(t)
	got := g.Suggest("spring", 5)
	if len(got) != 5 {
		t.Fatalf("Suggest(spring) = %v, want 5", labels(got))
	}
	for i, p := range got {
		if !strings.HasPrefix(gazetteer.Fold(p.Name), "spring") {
			t.Errorf("%s does not start with spring", p.Label())
		}
		if i > 0 && p.Population > got[i-1].Population {
			t.Errorf("not most populous first: %v", labels(got))
		}
	}
	if got := g.Suggest("são", 3); len(got) == 0 || got[0].Label() != "São Paulo, Brazil" {
		t.Errorf("Suggest(são) = %v, want São Paulo first", labels(got))
	}
	if got := g.Suggest("hobo, nj", 3); len(got) == 0 || got[0].Label() != "Hoboken, NJ" {
		t.Errorf("Suggest(hobo, nj) = %v", labels(got))
	}
	if got := g.Suggest("", 5); got != nil {
		t.Errorf("Suggest('') = %v, want nothing", labels(got))
	}
	if got := g.Suggest("qqqqq", 5); len(got) != 0 {
		t.Errorf("Suggest(qqqqq) = %v", labels(got))
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"São Paulo":      "sao paulo",
		"  New   York ":  "new york",
		"Coeur d'Alene":  "coeur dalene",
		"St. Petersburg": "st petersburg",
		"Saint Paul":     "st paul",
		"Winston-Salem":  "winston salem",
		"Malmö":          "malmo",
		"Łódź":           "lodz",
		"Düsseldorf":     "dusseldorf",
		"Gießen":         "giessen",
		"MONTRÉAL":       "montreal",
		"Ciudad Juárez":  "ciudad juarez",
		"Tromsø":         "tromso",
	} {
		if got := gazetteer.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRejectsBadData(t *testing.T) {
	countries := "US\tUnited States\n"
	for name, cities := range map[string]string{
		"short line":      "Boise\tUS\tID\t43.6\t-116.2\n",
		"bad latitude":    "Boise\tUS\tID\t143.6\t-116.2\t145987\n",
		"bad population":  "Boise\tUS\tID\t43.6\t-116.2\tmany\n",
		"unknown country": "Lyon\tFR\t84\t45.7\t4.8\t522969\n",
		"comma in name":   "Washington, D.C.\tUS\tDC\t38.9\t-77.0\t601723\n",
		"empty name":      "\tUS\tDC\t38.9\t-77.0\t601723\n",
		"empty":           "# nothing\n",
	} {
		if _, err := gazetteer.Parse(strings.NewReader(cities), strings.NewReader(countries)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	g, err := gazetteer.Parse(strings.NewReader("# c\nBoise\tUS\tID\t43.6\t-116.2\t145987\n"), strings.NewReader(countries))
	if err != nil || g.Len() != 1 || g.Lookup("boise, idaho")[0].Label() != "Boise, ID" {
		t.Errorf("Parse of one good line: %v", err)
	}
}

package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestListingSpreadsAndFilters checks the event page's listing of the test
// stadium: offers of exactly the quantity (seats 5–6 for two), spread over
// sections and prices rather than one section's rows, within Min and Max
// (typed either way round).
func TestListingSpreadsAndFilters(t *testing.T) {
	t.Parallel()
	s := startSite(t, siteOptions{})
	c := client(t)
	offer := regexp.MustCompile(`data-offer="([^|"]+)\|([^|"]+)\|(\d+)-(\d+)"`)
	price := regexp.MustCompile(`<span class="o-price"[^>]*>\$([0-9.]+)<small>`) // all-in prices
	list := func(query string) (sections map[string]bool, prices []string, blocks [][]string) {
		t.Helper()
		_, page := get(t, c, s.URL+"/events/"+s.event(t, eventJets)+query)
		sections = map[string]bool{}
		for _, m := range offer.FindAllStringSubmatch(page, -1) {
			sections[m[1]] = true
			blocks = append(blocks, m[1:])
		}
		for _, m := range price.FindAllStringSubmatch(page, -1) {
			prices = append(prices, m[1])
		}
		return sections, prices, blocks
	}
	sections, prices, blocks := list("?quantity=2&sort=price")
	distinct := map[string]bool{}
	for _, p := range prices {
		distinct[p] = true
	}
	if len(blocks) != 40 || len(sections) != 36 || len(distinct) < 10 { // every section's best pair, then 4 seconds
		t.Errorf("lowest price: %d offers in %d sections at %d prices (%v)", len(blocks), len(sections), len(distinct), prices)
	}
	for _, b := range blocks {
		if b[2] == b[3] || len(b[2]) > 2 {
			t.Fatalf("block %v is not two seats", b)
		}
	}
	if _, _, blocks := list("?quantity=3&sort=best"); len(blocks) != 40 || blocks[0][2] != "4" || blocks[0][3] != "6" {
		t.Errorf("best 3: %d offers, first %v", len(blocks), blocks[0])
	}
	for _, q := range []string{"?quantity=2&min=150&max=180", "?quantity=2&min=180&max=150"} {
		_, prices, _ := list(q)
		for _, p := range prices {
			if v, err := strconv.ParseFloat(p, 64); err != nil || v < 150 || v > 180 {
				t.Errorf("%s lists $%s", q, p)
			}
		}
		if len(prices) == 0 {
			t.Errorf("%s lists nothing", q)
		}
	}

	// The listing alone, for the page to swap in when a section is chosen.
	_, part := get(t, c, s.URL+"/events/"+s.event(t, eventJets)+"/listing?quantity=2&sort=best&section=305")
	// Its 6 rows of 12 or 13 have 33 pairs side by side, all listed.
	if n := strings.Count(part, `class="offer"`); strings.Contains(part, "<html") || !strings.Contains(part, "Section 305 only") ||
		n != 33 || strings.Count(part, `data-section="305"`) != n || !strings.Contains(part, `name="csrf"`) {
		t.Errorf("the listing of section 305 has %d offers:\n%s", n, part)
	}
}

package store

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseURL: no --database value makes the parser panic; what it
// accepts names one of the two engines with a non-empty DSN.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"sqlite:boxoffice.db", "sqlite://tmp/x.db", "sqlite:", "postgres://u:p@h:5432/db?sslmode=disable",
		"postgresql://h/db", "mysql://h/db", "", "sqlite:file:x.db?_pragma=busy_timeout(5000)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		e, dsn, err := ParseURL(u)
		if err != nil {
			return
		}
		if (e != SQLite && e != Postgres) || dsn == "" {
			t.Fatalf("ParseURL(%q) = %q, %q", u, e, dsn)
		}
	})
}

// FuzzParseTaken: the aggregated taken-seat column reads back what was
// written, and anything else is an error, never a panic.
func FuzzParseTaken(f *testing.F) {
	f.Add("1,-2,3")
	f.Add("")
	f.Add("-")
	f.Add("1,,2")
	f.Add("99999999999999999999")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTaken(s)
		if err != nil {
			return
		}
		var parts []string
		for _, ts := range got {
			if ts.Sold {
				parts = append(parts, "-"+itoa(ts.No))
			} else {
				parts = append(parts, itoa(ts.No))
			}
		}
		again, err := ParseTaken(strings.Join(parts, ","))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("ParseTaken(%q) = %v, which does not survive a round trip (%v, %v)", s, got, again, err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

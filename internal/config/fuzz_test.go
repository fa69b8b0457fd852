package config

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzMaskURL: whatever a --database or --smtp-url value holds, the masked
// form logged at start-up never shows its password.
func FuzzMaskURL(f *testing.F) {
	for _, s := range []string{"postgres://user:s3cret@db:5432/boxoffice", "smtp://mailer:p%40ss@smtp.example.com:587",
		"smtps://u:p@h", "sqlite:boxoffice.db", "postgres://user@db/x", "://:@", "postgres://u:pw@[::1]:5432/db"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		masked := MaskURL(s)
		pass, ok := password(s)
		if !ok {
			return
		}
		// The password is whatever follows the first colon of the userinfo,
		// the part between "//" and the first "@" (String escapes any other
		// "@" there). It must be the mask, exactly: the password may well
		// appear elsewhere, as the host or the path, and that shows nothing.
		_, rest, found := strings.Cut(masked, "//")
		ui, _, hasUser := strings.Cut(rest, "@")
		if !found || !hasUser {
			t.Fatalf("MaskURL(%q) = %q lost the userinfo", s, masked)
		}
		if _, p, hasPass := strings.Cut(ui, ":"); !hasPass || p != "xxxxx" {
			t.Fatalf("MaskURL(%q) = %q does not mask the password %q", s, masked, pass)
		}
	})
}

// password is what net/url would read as the password of s.
func password(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return "", false
	}
	return u.User.Password()
}

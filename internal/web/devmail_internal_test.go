package web

import "testing"

func TestFramedHTML(t *testing.T) {
	t.Parallel()
	const base = "/dev/mail/msg_1/cid/"
	for _, tc := range []struct{ name, in, want string }{
		{"img in a head-ful page", `<html><head><title>t</title></head><body><img src="cid:qr-1@x.example"></body></html>`,
			`<html><head><base target="_blank"><title>t</title></head><body><img src="/dev/mail/msg_1/cid/qr-1@x.example"></body></html>`},
		{"head with attributes, single quotes, upper case", `<HEAD lang="en"><img src='CID:a'>`,
			`<HEAD lang="en"><base target="_blank"><img src='/dev/mail/msg_1/cid/a'>`},
		{"css url, percent-encoded cid", `<div style="background:url(cid:a%20b)"></div>`,
			`<base target="_blank"><div style="background:url(/dev/mail/msg_1/cid/a%20b)"></div>`},
		{"a path-unsafe cid is escaped", `<img src="cid:a/b?c">`, `<base target="_blank"><img src="/dev/mail/msg_1/cid/a%2Fb%3Fc">`},
		{"prose is left alone", `<p>see cid:x in the spec</p><header>h</header>`, `<base target="_blank"><p>see cid:x in the spec</p><header>h</header>`},
	} {
		if got := framedHTML(tc.in, base); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

package web

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/notify/email"
)

// testLetter is a confirmation as the composer makes one: a text body with
// a long line of non-ASCII text (quoted-printable, soft line breaks), HTML
// showing an inline image by cid, and a calendar attachment.
func testLetter() notify.Letter {
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2, 255}, 100)...)
	return notify.Letter{
		Message:   notify.Message{ID: "msg_1", Channel: notify.ChannelEmail, To: "bea@example.com", Kind: notify.KindOrderConfirmed, Ref: "ord_1"},
		MessageID: "<msg_1@boxoffice.localhost>",
		Subject:   "Your tickets for Jets — Größe",
		Text: "Thank you for your order.\n\nSection 312, row 4, seat 7 — a line long enough that quoted-printable has to break it " +
			"at least once: Ünïcödé all the way.\n",
		HTML:        `<!DOCTYPE html><html><head><title>t</title></head><body><p>Größe</p><img src="cid:qr-tkt_1@boxoffice.localhost" alt="QR"></body></html>`,
		Inline:      []notify.Part{{Name: "tkt_1.png", ContentType: "image/png", ContentID: "qr-tkt_1@boxoffice.localhost", Data: png}},
		Attachments: []notify.Part{{Name: "event.ics", ContentType: "text/calendar; charset=utf-8; method=REQUEST", Data: []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")}},
	}
}

func TestParseLetterOfTheComposer(t *testing.T) {
	t.Parallel()
	in := testLetter()
	date := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	raw, err := email.Raw(in, "Boxoffice <tickets@boxoffice.localhost>", date)
	if err != nil {
		t.Fatal(err)
	}
	l, err := parseLetter(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(l.From, "tickets@boxoffice.localhost") || !strings.Contains(l.To, "bea@example.com") ||
		l.Subject != in.Subject || l.MessageID != in.MessageID || !l.Date.Equal(date) {
		t.Errorf("headers: from %q, to %q, subject %q, message-id %q, date %v", l.From, l.To, l.Subject, l.MessageID, l.Date)
	}
	if l.Text != in.Text {
		t.Errorf("text:\n%q\nwant\n%q", l.Text, in.Text)
	}
	if l.HTML != in.HTML {
		t.Errorf("html:\n%q\nwant\n%q", l.HTML, in.HTML)
	}
	img, ok := l.inline("qr-tkt_1@boxoffice.localhost")
	if !ok || img.MediaType != "image/png" || !bytes.Equal(img.Data, in.Inline[0].Data) || img.Attachment || img.Body {
		t.Errorf("inline image: %+v (found %v)", img, ok)
	}
	if _, ok := l.inline("qr-nothing"); ok {
		t.Error("an unknown cid was found")
	}
	att := l.Attachments()
	if len(att) != 1 || att[0].Filename != "event.ics" || att[0].MediaType != "text/calendar" || !att[0].Attachment ||
		!bytes.Equal(att[0].Data, in.Attachments[0].Data) || !strings.Contains(att[0].ContentType, "method=REQUEST") {
		t.Errorf("attachments: %+v", att)
	}
	if inl := l.Inline(); len(inl) != 1 || inl[0].Filename != "tkt_1.png" {
		t.Errorf("inline parts: %+v", inl)
	}
	for i, p := range l.Parts {
		if p.Index != i {
			t.Errorf("part %d numbered %d", i, p.Index)
		}
	}
	if len(l.Parts) != 4 {
		t.Errorf("%d parts, want text, html, image and invite", len(l.Parts))
	}
}

func TestParseLetterShapes(t *testing.T) {
	t.Parallel()
	crlf := func(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }
	t.Run("single part, quoted-printable, Latin-1 subject", func(t *testing.T) {
		t.Parallel()
		l, err := parseLetter(crlf("From: a@example.com\nSubject: =?ISO-8859-1?Q?Gr=F6=DFe?=\n" +
			"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nGr=C3=B6=C3=9Fe =\nis one line\n"))
		if err != nil {
			t.Fatal(err)
		}
		if l.Subject != "Größe" || l.Text != "Größe is one line\n" || l.HTML != "" || len(l.Parts) != 1 || len(l.Attachments()) != 0 {
			t.Errorf("%+v", l)
		}
	})
	t.Run("no content type is plain text", func(t *testing.T) {
		t.Parallel()
		l, err := parseLetter(crlf("Subject: hi\n\nhello\n"))
		if err != nil || l.Text != "hello\n" {
			t.Errorf("%+v %v", l, err)
		}
	})
	t.Run("base64 with spaces, Latin-1 text, filename from the type", func(t *testing.T) {
		t.Parallel()
		l, err := parseLetter(crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n" +
			"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\nR3L2 3w==\n--b\n" +
			"Content-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBE\nRg==\n--b--\n"))
		if err != nil {
			t.Fatal(err)
		}
		if l.Text != "Größ" {
			t.Errorf("text %q", l.Text)
		}
		if a := l.Attachments(); len(a) != 1 || a[0].Filename != "a.pdf" || string(a[0].Data) != "%PDF" || a[0].Index != 1 {
			t.Errorf("attachments %+v", a)
		}
	})
	t.Run("a text/html attachment is not the body", func(t *testing.T) {
		t.Parallel()
		l, err := parseLetter(crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n" +
			"Content-Type: text/html\nContent-Disposition: attachment; filename=\"page.html\"\n\n<p>saved</p>\n--b\n" +
			"Content-Type: text/html\n\n<p>shown</p>\n--b--\n"))
		if err != nil {
			t.Fatal(err)
		}
		if l.HTML != "<p>shown</p>" || len(l.Attachments()) != 1 || l.Attachments()[0].Filename != "page.html" {
			t.Errorf("%+v", l)
		}
	})
	for name, raw := range map[string]string{
		"not a message":          "no headers here",
		"multipart, no boundary": "Content-Type: multipart/mixed\n\n--b--\n",
		"nested too deep":        nested(maxMIMEDepth + 1),
		"broken base64":          "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l, err := parseLetter(crlf(raw))
			if err == nil {
				t.Errorf("parsed: %+v", l)
			}
			t.Logf("refused: %v", err)
		})
	}
	t.Run("nested as deep as allowed", func(t *testing.T) {
		t.Parallel()
		if l, err := parseLetter(crlf(nested(maxMIMEDepth))); err != nil || l.Text != "deep" {
			t.Errorf("%+v %v", l, err)
		}
	})
}

// nested is a message of depth multiparts, one in the other, around a
// text part.
func nested(depth int) string {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=b0\n\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\ndeep\n", depth-1)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	return b.String()
}

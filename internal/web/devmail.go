package web

import (
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// The developer mailbox (/dev/mail) shows admins what Boxoffice would
// have sent, when no mail server or SMS provider is set up: a newcomer
// who buys tickets in the demo reads the real confirmation here, the way
// a mail client would show it. Its routes exist only when the mailbox is
// on (Deps.Mailbox), so a production site has no such pages at all.

// mailContentPolicy is the Content-Security-Policy of everything taken out
// of a letter (its HTML, images and attachments): no scripts, plugins,
// forms or fetches; only the letter's own inline styles and its images
// from this site. Its sandbox directive keeps a part sandboxed when it is
// opened on its own, outside the page's sandboxed iframe. allow-same-origin
// is there because the images are behind the admin's session cookie, which
// is SameSite=Lax: a document of an opaque origin is another site, and its
// image requests go without the cookie (TestBrowserDevMailbox saw the QR
// codes broken). With scripts forbidden it grants the letter nothing else;
// it must never be combined with allow-scripts.
const mailContentPolicy = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src data:; " +
	"frame-ancestors 'self'; base-uri 'none'; form-action 'none'; " +
	"sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"

// mailFrameSandbox are the tokens of the iframe that shows a letter's HTML
// (see mailContentPolicy); links in the letter open in a new tab.
const mailFrameSandbox = "allow-same-origin allow-popups allow-popups-to-escape-sandbox"

type devMailListData struct {
	Mails []notify.MailboxEntry
}

type devMailData struct {
	Entry   notify.MailboxEntry
	SMS     bool
	Text    string // an SMS's text
	Letter  letter
	Problem string // why the e-mail could not be taken apart
	Sandbox string
}

// devMailList lists the mailbox, newest first.
func (s *Server) devMailList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireAdmin(r); err != nil {
		return err
	}
	ms, err := s.Mailbox.Mails(r.Context(), 200)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "devmail_list", view{Title: "Developer mailbox", Data: devMailListData{Mails: ms}})
	return nil
}

// devMail shows one letter: its headers, its HTML in a sandboxed frame,
// its text and its attachments; or an SMS's text.
func (s *Server) devMail(w http.ResponseWriter, r *http.Request) error {
	e, err := s.mailEntry(r)
	if err != nil {
		return err
	}
	raw := e.Raw
	e.Raw = nil
	d := devMailData{Entry: e, Sandbox: mailFrameSandbox}
	if e.Channel == notify.ChannelSMS {
		d.SMS, d.Text = true, string(raw)
	} else if d.Letter, err = parseLetter(raw); err != nil {
		s.Log.WarnContext(r.Context(), "dev mailbox: cannot parse a letter", "id", e.ID, "err", err)
		d.Problem = err.Error()
	}
	s.render(w, r, http.StatusOK, "devmail", view{Title: e.Subject, Data: d})
	return nil
}

// devMailHTML serves a letter's HTML for the page's iframe, each "cid:"
// reference pointing at the part it names.
func (s *Server) devMailHTML(w http.ResponseWriter, r *http.Request) error {
	e, l, err := s.mailLetter(r)
	if err != nil {
		return err
	}
	if l.HTML == "" {
		return apperr.E(apperr.NotFound, "this message has no HTML")
	}
	mailContentHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(framedHTML(l.HTML, "/dev/mail/"+url.PathEscape(e.ID)+"/cid/")))
	return nil
}

// devMailInline serves the part a "cid:" reference names, with its type.
func (s *Server) devMailInline(w http.ResponseWriter, r *http.Request) error {
	_, l, err := s.mailLetter(r)
	if err != nil {
		return err
	}
	p, ok := l.inline(r.PathValue("cid"))
	if !ok {
		return apperr.E(apperr.NotFound, "this message has no part %q", r.PathValue("cid"))
	}
	servePart(w, p, false)
	return nil
}

// devMailPart downloads part n of a letter (an attachment, as event.ics).
func (s *Server) devMailPart(w http.ResponseWriter, r *http.Request) error {
	_, l, err := s.mailLetter(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= len(l.Parts) {
		return apperr.E(apperr.NotFound, "this message has no part %s", r.PathValue("n"))
	}
	servePart(w, l.Parts[n], true)
	return nil
}

// devMailRaw downloads the whole message as it would have gone out: the
// .eml of an e-mail, to open in a mail client, or an SMS's text.
func (s *Server) devMailRaw(w http.ResponseWriter, r *http.Request) error {
	e, err := s.mailEntry(r)
	if err != nil {
		return err
	}
	mailContentHeaders(w)
	ct, name := "message/rfc822", e.ID+".eml"
	if e.Channel == notify.ChannelSMS {
		ct, name = "text/plain; charset=utf-8", e.ID+".txt"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(e.Raw)
	return nil
}

// mailEntry reads the entry of the request's {id}, for an admin.
func (s *Server) mailEntry(r *http.Request) (notify.MailboxEntry, error) {
	if _, err := s.requireAdmin(r); err != nil {
		return notify.MailboxEntry{}, err
	}
	return s.Mailbox.Mail(r.Context(), r.PathValue("id"))
}

// mailLetter reads and parses the e-mail of the request's {id}.
func (s *Server) mailLetter(r *http.Request) (notify.MailboxEntry, letter, error) {
	e, err := s.mailEntry(r)
	if err != nil {
		return e, letter{}, err
	}
	if e.Channel == notify.ChannelSMS {
		return e, letter{}, apperr.E(apperr.NotFound, "an SMS has no parts")
	}
	l, err := parseLetter(e.Raw)
	if err != nil {
		return e, l, apperr.Wrap(apperr.NotFound, err, "this message cannot be read as an e-mail")
	}
	return e, l, nil
}

// mailContentHeaders replace the site's headers for what comes out of a
// letter: its own policy, framable by the mailbox page only, never sniffed.
func mailContentHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", mailContentPolicy)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// servePart writes one part with its own content type; download makes the
// browser save it rather than show it.
func servePart(w http.ResponseWriter, p mailPart, download bool) {
	mailContentHeaders(w)
	ct := p.ContentType
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=300")
	if download {
		name := p.Filename
		if name == "" {
			name = "part-" + strconv.Itoa(p.Index)
		}
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	}
	_, _ = w.Write(p.Data)
}

// cidRef is a "cid:" URL in an attribute or a CSS url(): what follows a
// quote, an equals sign or a parenthesis, up to the next delimiter.
var cidRef = regexp.MustCompile(`(?i)([="'(]\s*)cid:([^"'\s)>]+)`)

// framedHTML rewrites a letter's HTML for the iframe: each cid:X reference
// becomes base+X, and links open outside the frame (in a new tab), where
// the site's own pages, which refuse to be framed, can show.
func framedHTML(html, base string) string {
	html = cidRef.ReplaceAllStringFunc(html, func(m string) string {
		sub := cidRef.FindStringSubmatch(m)
		cid := sub[2]
		if u, err := url.PathUnescape(cid); err == nil {
			cid = u // RFC 2392: a cid URL is URL-encoded
		}
		return sub[1] + base + url.PathEscape(cid)
	})
	const baseTag = `<base target="_blank">`
	if loc := headTag.FindStringIndex(html); loc != nil {
		return html[:loc[1]] + baseTag + html[loc[1]:]
	}
	return baseTag + html
}

// headTag is the start tag of an HTML head.
var headTag = regexp.MustCompile(`(?i)<head(\s[^>]*)?>`)

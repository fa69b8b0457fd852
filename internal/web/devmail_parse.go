package web

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// letter is one e-mail of the developer mailbox taken apart for its page:
// the headers a person checks, the text and HTML bodies, and every part,
// numbered, so that inline images and attachments can be served alone.
// It is parsed from the raw message, exactly as it would have gone over
// SMTP, so the page shows what a mail client would get, not what the
// composer meant to send.
type letter struct {
	From, To, Subject, MessageID string
	Date                         time.Time
	// RawDate is the Date header as written, for when it does not parse.
	RawDate string
	Text    string // the first text/plain part that is not an attachment
	HTML    string // the first text/html part that is not an attachment
	Parts   []mailPart
}

// mailPart is one leaf of the MIME tree, its transfer encoding undone.
type mailPart struct {
	Index       int    // its place among the leaves, from 0: /dev/mail/{id}/part/{n}
	ContentType string // as sent, with its parameters
	MediaType   string // lower case, without parameters
	Filename    string
	ContentID   string // without the angle brackets
	Attachment  bool   // Content-Disposition: attachment
	Body        bool   // it is Text or HTML
	Data        []byte
}

// Bounds on what the parser reads: the mailbox holds our own letters, but
// a page must not be made to loop or to read without end by a bad one.
const (
	maxMIMEDepth = 8
	maxMIMEBytes = 20 << 20
	maxMIMEParts = 200
)

var errMIMETooLarge = errors.New("the message is larger than 20 MiB or has more than 200 parts")

// parseLetter reads an RFC 5322 message: headers (with RFC 2047 encoded
// words decoded) and its MIME tree, through nested multiparts, decoding
// quoted-printable (mime/multipart does that for parts) and base64.
func parseLetter(raw []byte) (letter, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return letter{}, fmt.Errorf("read message: %w", err)
	}
	dec := new(mime.WordDecoder)
	word := func(name string) string {
		v := msg.Header.Get(name)
		if d, err := dec.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}
	l := letter{From: word("From"), To: word("To"), Subject: word("Subject"), MessageID: strings.TrimSpace(msg.Header.Get("Message-Id")),
		RawDate: msg.Header.Get("Date")}
	if d, err := msg.Header.Date(); err == nil {
		l.Date = d
	}
	budget := maxMIMEBytes
	if err := l.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0, &budget); err != nil {
		return l, err
	}
	return l, nil
}

// walk adds the leaves under one entity, depth multiparts down.
func (l *letter) walk(h textproto.MIMEHeader, body io.Reader, depth int, budget *int) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mediaType, params = "application/octet-stream", nil
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxMIMEDepth {
			return fmt.Errorf("multiparts nested deeper than %d", maxMIMEDepth)
		}
		if params["boundary"] == "" {
			return fmt.Errorf("%s without a boundary", mediaType)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mediaType, err)
			}
			if err := l.walk(p.Header, p, depth+1, budget); err != nil {
				return err
			}
		}
	}
	if len(l.Parts) >= maxMIMEParts {
		return errMIMETooLarge
	}
	data, err := readDecoded(h, body, budget)
	if err != nil {
		return err
	}
	part := mailPart{Index: len(l.Parts), ContentType: ct, MediaType: mediaType, Data: data,
		ContentID: strings.Trim(strings.TrimSpace(h.Get("Content-Id")), "<>"), Filename: params["name"]}
	if disp, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		part.Attachment = disp == "attachment"
		if dp["filename"] != "" {
			part.Filename = dp["filename"]
		}
	}
	if d, err := new(mime.WordDecoder).DecodeHeader(part.Filename); err == nil {
		part.Filename = d
	}
	if !part.Attachment {
		switch {
		case mediaType == "text/plain" && l.Text == "":
			l.Text, part.Body = textOf(data, params["charset"]), true
		case mediaType == "text/html" && l.HTML == "":
			l.HTML, part.Body = textOf(data, params["charset"]), true
		}
	}
	l.Parts = append(l.Parts, part)
	return nil
}

// readDecoded reads a leaf's body with its transfer encoding undone. A
// part's quoted-printable is already undone by mime/multipart, which then
// drops the header; the message's own is not.
func readDecoded(h textproto.MIMEHeader, body io.Reader, budget *int) ([]byte, error) {
	r := body
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		// The decoder skips the line breaks; other white space is an error
		// in base64 but common in the wild, so it goes too.
		r = base64.NewDecoder(base64.StdEncoding, &spaceless{r: body})
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(*budget)+1))
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", h.Get("Content-Type"), err)
	}
	if len(data) > *budget {
		return nil, errMIMETooLarge
	}
	*budget -= len(data)
	return data, nil
}

// textOf turns a text part into a string with the line ends of this side
// of SMTP ("\n"). UTF-8 and US-ASCII are kept as they are and Latin-1 is
// converted; the composer writes UTF-8 only, and the standard library
// knows no other charsets.
func textOf(b []byte, charset string) string {
	var s string
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1":
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		s = string(rs)
	default:
		s = strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// inline returns the part a "cid:" reference names.
func (l letter) inline(cid string) (mailPart, bool) {
	for _, p := range l.Parts {
		if p.ContentID != "" && p.ContentID == cid {
			return p, true
		}
	}
	return mailPart{}, false
}

// Attachments are the parts a reader saves rather than reads: those sent
// as attachments, and any part that is neither a body nor an inline image.
func (l letter) Attachments() []mailPart {
	var out []mailPart
	for _, p := range l.Parts {
		if !p.Body && (p.Attachment || p.ContentID == "") {
			out = append(out, p)
		}
	}
	return out
}

// Inline are the parts the HTML shows by "cid:" reference.
func (l letter) Inline() []mailPart {
	var out []mailPart
	for _, p := range l.Parts {
		if !p.Body && !p.Attachment && p.ContentID != "" {
			out = append(out, p)
		}
	}
	return out
}

// spaceless drops the white space of a base64 body.
type spaceless struct{ r io.Reader }

func (s *spaceless) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

// Package email sends letters as e-mail: the MIME message is built by
// github.com/wneessen/go-mail (multipart/alternative text and HTML,
// multipart/related inline images, attachments, header encoding), and
// sent over SMTP with it.
package email

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/boxoffice/boxoffice/internal/notify"
)

// Build makes the e-mail of a letter, from the sender from ("Boxoffice
// <tickets@example.com>"). Its Message-ID is the letter's, the same on every
// attempt, so that a mailbox given it twice keeps it once.
func Build(l notify.Letter, from string, date time.Time) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(from); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	if err := m.To(l.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", l.To, err)
	}
	m.Subject(l.Subject)
	m.SetMessageIDWithValue(strings.Trim(l.MessageID, "<>"))
	m.SetDateWithValue(date)
	m.SetGenHeader("X-Boxoffice-Message", l.ID)
	if l.Ref != "" {
		m.SetGenHeader("X-Boxoffice-Order", l.Ref)
	}
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetBodyString(mail.TypeTextPlain, l.Text)
	if l.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, l.HTML)
	}
	for _, p := range l.Inline {
		if err := m.EmbedReader(p.Name, bytes.NewReader(p.Data), mail.WithFileContentID(p.ContentID),
			mail.WithFileContentType(mail.ContentType(p.ContentType))); err != nil {
			return nil, fmt.Errorf("inline %s: %w", p.Name, err)
		}
	}
	for _, p := range l.Attachments {
		if err := m.AttachReader(p.Name, bytes.NewReader(p.Data), mail.WithFileContentType(mail.ContentType(p.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", p.Name, err)
		}
	}
	return m, nil
}

// Raw is the whole e-mail of a letter, as it would go over SMTP.
func Raw(l notify.Letter, from string, date time.Time) ([]byte, error) {
	m, err := Build(l, from, date)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

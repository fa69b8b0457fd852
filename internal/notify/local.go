package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// LogTransport "delivers" by writing each letter to the log: the embedded
// default, so a demo needs no mail server or SMS provider.
type LogTransport struct{ Log *slog.Logger }

// Headline implements Headline: the log shows no bodies.
func (LogTransport) Headline() bool { return true }

// Send logs the letters.
func (t LogTransport) Send(_ context.Context, letters []Letter) []error {
	for _, l := range letters {
		t.Log.Info("message sent", "channel", l.Channel, "kind", l.Kind, "to", l.To, "subject", l.Subject, "message_id", l.ID)
	}
	return make([]error, len(letters))
}

// MailboxEntry is one message the developer mailbox kept.
type MailboxEntry struct {
	ID        string // the outbox id
	Channel   string
	To        string
	Subject   string
	Raw       []byte // the whole e-mail as sent (RFC 5322), or the SMS text
	CreatedAt time.Time
}

// Mailbox is the store of the developer mailbox (/dev/mail).
type Mailbox interface {
	// PutMail keeps e; an entry with the same id is kept once.
	PutMail(ctx context.Context, e MailboxEntry) error
	// Mails lists the newest entries first, without their Raw.
	Mails(ctx context.Context, limit int) ([]MailboxEntry, error)
	// Mail returns one entry, or apperr.NotFound.
	Mail(ctx context.Context, id string) (MailboxEntry, error)
}

// DevMailbox delivers into the developer mailbox, and to the log: what a
// newcomer gets with no SMTP server or SMS provider set up, so that the
// confirmation the README's walk-through ends in can be opened and read.
type DevMailbox struct {
	Box Mailbox
	// Encode turns a letter into what is kept: the MIME e-mail, or the
	// SMS text when nil.
	Encode func(Letter) ([]byte, error)
	Log    LogTransport
	Clock  func() time.Time
}

// Send keeps and logs each letter.
func (t DevMailbox) Send(ctx context.Context, letters []Letter) []error {
	errs := make([]error, len(letters))
	for i, l := range letters {
		raw := []byte(l.Text)
		if t.Encode != nil {
			var err error
			if raw, err = t.Encode(l); err != nil {
				errs[i] = Permanent(fmt.Errorf("encode: %w", err))
				continue
			}
		}
		errs[i] = t.Box.PutMail(ctx, MailboxEntry{ID: l.ID, Channel: l.Channel, To: l.To, Subject: l.Subject, Raw: raw, CreatedAt: t.Clock()})
		if errs[i] == nil {
			t.Log.Send(ctx, []Letter{l})
		}
	}
	return errs
}

// Package notify delivers messages to buyers (order confirmations) through
// an outbox: a message is written in the same transaction as the change it
// announces, and a job delivers it afterwards, retrying until it is sent.
// So a confirmation is never lost because a mail server was down, and never
// sent for an order that rolled back.
package notify

import (
	"context"
	"log/slog"
	"time"
)

// Message is one e-mail or SMS.
type Message struct {
	ID        string
	Channel   string // "email" or "sms"
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time
	Attempts  int
}

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender "delivers" mail by writing it to the log: the embedded default,
// so a demo needs no mail server.
type LogSender struct{ Log *slog.Logger }

// Send logs the message.
func (s LogSender) Send(_ context.Context, m Message) error {
	s.Log.Info("message sent", "channel", m.Channel, "to", m.To, "subject", m.Subject, "message_id", m.ID)
	return nil
}

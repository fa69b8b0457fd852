// Package notify delivers messages to buyers (order confirmations, refund
// and cancellation notices) through an outbox: a message is written in the
// same transaction as the change it announces, and a job delivers it
// afterwards, retrying until it is sent or declared dead. So a confirmation
// is never lost because a mail server was down, and never sent for an order
// that rolled back.
//
// Delivery is at least once: a process that dies between handing a message
// to the mail server and recording that it did will have it sent again
// after its lease ends. Every attempt of one message carries the same
// Message-ID (and the SMS the same outbox id), so a mailbox, or the
// developer mailbox here, keeps it once.
package notify

import (
	"context"
	"errors"
	"time"
)

// Channels a message goes by.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Kinds of message. A message with a kind is composed when it is sent,
// from the order named by its Ref; one without (Kind "") is sent as the
// Subject and Body it was written with.
const (
	KindOrderConfirmed = "order_confirmed"
	KindOrderRefunded  = "order_refunded"
	KindEventCancelled = "event_cancelled"
)

// Message is one e-mail or SMS in the outbox.
type Message struct {
	ID      string
	Channel string // ChannelEmail or ChannelSMS
	To      string // an e-mail address or an E.164 phone number
	Kind    string
	Ref     string // the order the message is about
	// Subject and Body are the text of a message without a kind.
	Subject   string
	Body      string
	CreatedAt time.Time
	// Attempts counts the deliveries tried before this one.
	Attempts int
	// Set on reads for admins.
	SentAt    time.Time
	DeadAt    time.Time
	LastError string
}

// Letter is a message composed for its channel.
type Letter struct {
	Message
	// MessageID is the RFC 5322 Message-ID, the same on every attempt.
	MessageID string
	Subject   string
	Text      string // the plain-text body, and the whole of an SMS
	HTML      string // "" for a text-only message
	// Inline parts are the images the HTML shows, by "cid:" + ContentID.
	Inline      []Part
	Attachments []Part
}

// Part is an image or a file carried by an e-mail.
type Part struct {
	Name        string
	ContentType string
	ContentID   string
	Data        []byte
}

// Composer turns an outbox message into the letter to send. Without
// bodies it fills in only the Subject (and an SMS's text): what the log
// shows, at a fraction of the cost of the HTML, QR images and invite.
type Composer interface {
	Compose(ctx context.Context, m Message, bodies bool) (Letter, error)
}

// Transport hands the letters of one channel to the outside world: a mail
// server, an SMS provider, the log. Send answers for each letter, nil when
// it was accepted; an error wrapped by Permanent is not retried.
type Transport interface {
	Send(ctx context.Context, letters []Letter) []error
}

// Headline is a Transport that shows no message bodies (the log): the
// deliverer composes only subjects for it.
type Headline interface {
	Headline() bool
}

func wantsBodies(t Transport) bool {
	h, ok := t.(Headline)
	return !ok || !h.Headline()
}

// errPermanent marks a failure retrying cannot fix: a rejected address, an
// invalid phone number.
var errPermanent = errors.New("permanent failure")

type permanent struct{ err error }

func (p permanent) Error() string   { return p.err.Error() }
func (p permanent) Unwrap() []error { return []error{p.err, errPermanent} }

// Permanent marks err as one that a retry would meet again.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool { return errors.Is(err, errPermanent) }

// Observer is told what delivery did, for metrics.
type Observer interface {
	// Sent is one accepted message, latency after its order.
	Sent(channel, kind string, latency time.Duration)
	// Failed is one failed attempt that will be retried.
	Failed(channel string)
	// Dead is one message given up on.
	Dead(channel string)
}

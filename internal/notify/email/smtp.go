package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/boxoffice/boxoffice/internal/notify"
)

// SMTP sends letters through a mail server, one connection per batch.
type SMTP struct {
	host   string
	opts   []mail.Option
	from   string
	url    string // with the password masked
	now    func() time.Time
	dialTO time.Duration
}

// Options are the SMTP transport's settings besides its URL.
type Options struct {
	From    string        // the sender, "Boxoffice <tickets@example.com>"
	Timeout time.Duration // bounds the dial and each SMTP command (15 s when 0)
	// TLS overrides the TLS settings (tests trust their own server).
	TLS *tls.Config
	Now func() time.Time
}

// NewSMTP reads an SMTP URL: smtp://user:pass@host:587 speaks STARTTLS when
// the server offers it and plain to a local relay that does not;
// smtps://user:pass@host:465 is TLS from the first byte. User and password
// are optional (a relay that needs no login).
func NewSMTP(raw string, o Options) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("smtp url: %w", err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("smtp url: no host (smtp://user:pass@host:587)")
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	opts := []mail.Option{mail.WithTimeout(timeout), mail.WithoutNoop()}
	switch u.Scheme {
	case "smtp":
		opts = append(opts, mail.WithPort(port(u, 587)), mail.WithTLSPolicy(mail.TLSOpportunistic))
	case "smtps":
		opts = append(opts, mail.WithPort(port(u, 465)), mail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp url: scheme %q is neither smtp nor smtps", u.Scheme)
	}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	if o.TLS != nil {
		opts = append(opts, mail.WithTLSConfig(o.TLS))
	} else {
		opts = append(opts, mail.WithTLSConfig(&tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}))
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	from := o.From
	if from == "" {
		from = "Boxoffice <tickets@" + u.Hostname() + ">"
	}
	return &SMTP{host: u.Hostname(), opts: opts, from: from, url: u.Redacted(), now: now, dialTO: timeout}, nil
}

func port(u *url.URL, def int) int {
	if p, err := strconv.Atoi(u.Port()); err == nil && p > 0 {
		return p
	}
	return def
}

// String is the server's URL with its password masked, for logs.
func (s *SMTP) String() string { return s.url }

// Send delivers letters over one connection. A message the server refused
// for good (a 5xx answer to it) is a permanent failure; anything else, a
// refused or dropped connection, a timeout, a 4xx, is retried later.
func (s *SMTP) Send(ctx context.Context, letters []notify.Letter) []error {
	errs := make([]error, len(letters))
	msgs := make([]*mail.Msg, 0, len(letters))
	index := make([]int, 0, len(letters))
	for i, l := range letters {
		m, err := Build(l, s.from, s.now())
		if err != nil {
			errs[i] = notify.Permanent(err)
			continue
		}
		msgs = append(msgs, m)
		index = append(index, i)
	}
	if len(msgs) == 0 {
		return errs
	}
	c, err := mail.NewClient(s.host, s.opts...)
	if err != nil {
		return fill(errs, index, fmt.Errorf("smtp client: %w", err))
	}
	dctx, cancel := context.WithTimeout(ctx, s.dialTO)
	defer cancel()
	if err := c.DialWithContext(dctx); err != nil {
		return fill(errs, index, fmt.Errorf("smtp %s: %w", s.url, err))
	}
	_ = c.Send(msgs...) // each message keeps its own error
	_ = c.Close()
	for j, m := range msgs {
		i := index[j]
		if !m.HasSendError() {
			continue // the server took it
		}
		err := m.SendError()
		var se *mail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			errs[i] = notify.Permanent(fmt.Errorf("smtp %s refused the message: %w", s.url, err))
			continue
		}
		errs[i] = fmt.Errorf("smtp %s: %w", s.url, err)
	}
	return errs
}

func fill(errs []error, index []int, err error) []error {
	for _, i := range index {
		errs[i] = err
	}
	return errs
}

package app

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/notify/compose"
	"github.com/boxoffice/boxoffice/internal/notify/email"
	"github.com/boxoffice/boxoffice/internal/notify/sms"
)

// deliverer builds the outbox job: the composer of messages and, for each
// channel, where its letters go. With nothing configured, both channels go
// to the log, and to the developer mailbox when it is on.
func (a *App) deliverer(cfg config.Config, o Options, outbox notify.Outbox, box notify.Mailbox) (notify.Deliverer, error) {
	n := cfg.Notify
	domain := "boxoffice.localhost"
	if u, err := url.Parse(n.PublicURL); err == nil && u.Hostname() != "" {
		domain = u.Hostname()
	}
	comp := &compose.Composer{Orders: a.Store, Catalog: a.Catalog, PublicURL: n.PublicURL, Domain: domain, Now: o.Clock.Now}
	logs := notify.LogTransport{Log: o.Log}
	var mailT, smsT notify.Transport = logs, logs
	if n.DevMailbox {
		mailT = notify.DevMailbox{Box: box, Log: logs, Clock: o.Clock.Now,
			Encode: func(l notify.Letter) ([]byte, error) { return email.Raw(l, n.MailFrom, o.Clock.Now()) }}
		smsT = notify.DevMailbox{Box: box, Log: logs, Clock: o.Clock.Now}
	}
	if n.SMTPURL != "" {
		s, err := email.NewSMTP(n.SMTPURL, email.Options{From: n.MailFrom, Timeout: n.SMTPTimeout, TLS: o.SMTPTLS, Now: o.Clock.Now})
		if err != nil {
			return notify.Deliverer{}, fmt.Errorf("--smtp-url: %w", err)
		}
		o.Log.Info("e-mail goes through SMTP", "smtp_url", s.String())
		mailT = s
	}
	switch n.SMSProvider {
	case "":
	case "twilio":
		t, err := sms.NewTwilio(sms.TwilioOptions{APIURL: n.TwilioAPIURL, AccountSID: n.TwilioAccountSID, AuthToken: n.TwilioAuthToken,
			From: n.TwilioFrom, HTTPClient: &http.Client{Timeout: sms.DefaultTimeout}, Log: o.Log})
		if err != nil {
			return notify.Deliverer{}, fmt.Errorf("--sms-provider twilio: %w", err)
		}
		o.Log.Info("SMS goes through Twilio", "twilio", t) // its LogValue masks the token
		smsT = t
	default:
		return notify.Deliverer{}, fmt.Errorf("--sms-provider %q is not supported", n.SMSProvider)
	}
	d := notify.Deliverer{Outbox: outbox, Composer: comp, Clock: o.Clock, Log: o.Log, MaxAttempts: n.MaxAttempts, Lease: n.Lease,
		Transports: map[string]notify.Transport{notify.ChannelEmail: mailT, notify.ChannelSMS: smsT}, MaxRun: 5 * time.Second}
	if a.Telemetry != nil {
		d.Observer = a.Telemetry.Notify()
	}
	return d, nil
}

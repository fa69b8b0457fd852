package config

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"time"
)

func (n *Notify) flags(fs *flag.FlagSet) {
	fs.StringVar(&n.SMTPURL, "smtp-url", n.SMTPURL, "mail server: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465; empty: mail to the log")
	fs.DurationVar(&n.SMTPTimeout, "smtp-timeout", n.SMTPTimeout, "longest the mail server may take to connect or answer one command")
	fs.StringVar(&n.MailFrom, "mail-from", n.MailFrom, "sender of every e-mail")
	fs.StringVar(&n.PublicURL, "public-url", n.PublicURL, "where buyers reach this Boxoffice, for links in messages (default from --addr)")
	fs.BoolVar(&n.DevMailbox, "dev-mailbox", n.DevMailbox, "keep unsent mail and SMS for the admins' /dev/mail page (default on with --demo)")
	fs.StringVar(&n.SMSProvider, "sms-provider", n.SMSProvider, "SMS provider: twilio (TWILIO_AUTH_TOKEN), or empty for SMS to the log")
	fs.StringVar(&n.TwilioAPIURL, "twilio-api-url", n.TwilioAPIURL, "base URL of the Twilio Messages API (a fake in tests)")
	fs.StringVar(&n.TwilioAccountSID, "twilio-account-sid", n.TwilioAccountSID, "Twilio account SID (AC…)")
	fs.StringVar(&n.TwilioFrom, "twilio-from", n.TwilioFrom, "sender of SMS: an E.164 number or a messaging service SID (MG…)")
	fs.DurationVar(&n.Lease, "outbox-lease", n.Lease, "how long an instance may take to send the messages it claimed before another sends them")
	fs.IntVar(&n.MaxAttempts, "notify-max-attempts", n.MaxAttempts, "failed attempts after which a message is dead")
}

func (n Notify) validate() error {
	if n.SMTPURL != "" {
		u, err := url.Parse(n.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return fmt.Errorf("--smtp-url must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
		}
	}
	switch n.SMSProvider {
	case "":
	case "twilio":
		if n.TwilioAccountSID == "" || n.TwilioFrom == "" || n.TwilioAuthToken == "" {
			return fmt.Errorf("--sms-provider twilio needs --twilio-account-sid, --twilio-from and TWILIO_AUTH_TOKEN")
		}
		if u, err := url.Parse(n.TwilioAPIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--twilio-api-url must be an http(s) URL")
		}
	default:
		return fmt.Errorf("--sms-provider %q: choose twilio, or leave it empty for SMS to the log", n.SMSProvider)
	}
	if u, err := url.Parse(n.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--public-url must be an http(s) URL")
	}
	if n.SMTPTimeout < 10*time.Millisecond {
		return fmt.Errorf("--smtp-timeout must be at least 10ms")
	}
	if n.Lease < time.Second {
		return fmt.Errorf("--outbox-lease must be at least 1s")
	}
	if n.MaxAttempts < 1 || n.MaxAttempts > 100 {
		return fmt.Errorf("--notify-max-attempts must be between 1 and 100")
	}
	return nil
}

// publicURL guesses where a server listening on addr is reached from this
// machine: http://localhost:8080 for ":8080".
func publicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Package sms sends SMS through a provider's HTTP API. Twilio's Messages
// API is the one spoken: POST /2010-04-01/Accounts/{AccountSid}/Messages.json
// with To, From (or MessagingServiceSid) and Body, HTTP basic auth with the
// account SID and auth token. Several providers answer the same shape
// (SignalWire's compatibility API, for one), and twiliofake answers it in
// tests.
//
// The transport only hands a letter to the provider and says whether a
// retry could help (see Send); when to retry is the outbox's business
// (notify.Deliverer's backoff, then dead). Twilio's Messages API has no
// idempotency key, so a message whose answer was lost (a timeout after
// Twilio took it) is sent again on the next attempt: SMS delivery is at
// least once, like the e-mail's.
package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/internal/notify"
)

// Defaults of TwilioOptions.
const (
	DefaultAPIURL = "https://api.twilio.com"
	// DefaultTimeout bounds one request. Twilio answers a create in well
	// under a second; one that has not answered in 10 s is better tried
	// again later than waited for while the batch's lease runs.
	DefaultTimeout = 10 * time.Second
	// DefaultParallel is how many requests one Send has in flight. A batch
	// of the outbox is up to 50 letters; one at a time they could outlast
	// the lease, and many at once only meet Twilio's concurrency limit
	// (429) sooner.
	DefaultParallel = 4
)

// TwilioOptions configures a Twilio transport. AccountSID, AuthToken and
// From are required.
type TwilioOptions struct {
	// APIURL is the API's base URL, DefaultAPIURL when "". Plain http is
	// accepted only for a loopback host (a fake in tests), so the token
	// never crosses a network in the clear.
	APIURL     string
	AccountSID string // AC…
	// AuthToken is the account's secret. String and LogValue mask it and
	// no error contains it.
	AuthToken string
	// From is the sender: an E.164 number, or a messaging service SID
	// (MG…), which is sent as MessagingServiceSid instead.
	From string
	// HTTPClient makes the requests; one with DefaultTimeout when nil. A
	// client without a timeout gets DefaultTimeout; it is copied, never
	// modified.
	HTTPClient *http.Client
	// Parallel is how many requests a Send makes at once (DefaultParallel
	// when 0).
	Parallel int
	Log      *slog.Logger // accepted messages, at info, with their outbox id
}

// Twilio is a notify.Transport for the SMS channel. It is safe for
// concurrent use.
type Twilio struct {
	endpoint string // {base}/2010-04-01/Accounts/{sid}/Messages.json
	base     string
	sid      string
	token    string
	from     string
	client   *http.Client
	parallel int
	log      *slog.Logger
}

var _ notify.Transport = (*Twilio)(nil)

// NewTwilio checks o and returns the transport. It makes no request: wrong
// credentials show on the first message (retried, then dead), not at
// start-up, so a Twilio outage never stops the service from starting.
func NewTwilio(o TwilioOptions) (*Twilio, error) {
	switch {
	case o.AccountSID == "" || o.AuthToken == "" || o.From == "":
		return nil, errors.New("twilio: the account SID, the auth token and the sender (From) are required")
	case strings.ContainsAny(o.AccountSID, " \t\r\n/?#%"):
		return nil, fmt.Errorf("twilio: account SID %q is not an SID", o.AccountSID)
	case strings.TrimSpace(o.AuthToken) != o.AuthToken:
		return nil, errors.New("twilio: the auth token has white space around it")
	case !notify.ValidPhone(o.From) && !isServiceSID(o.From):
		return nil, fmt.Errorf("twilio: sender %q is neither an E.164 number (+15005550006) nor a messaging service SID (MG…)", o.From)
	}
	base := o.APIURL
	if base == "" {
		base = DefaultAPIURL
	}
	base = strings.TrimRight(base, "/")
	if err := checkAPIURL(base); err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: DefaultTimeout}
	if o.HTTPClient != nil {
		c := *o.HTTPClient
		hc = &c
		if hc.Timeout <= 0 {
			hc.Timeout = DefaultTimeout
		}
	}
	parallel := o.Parallel
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Twilio{endpoint: base + "/2010-04-01/Accounts/" + url.PathEscape(o.AccountSID) + "/Messages.json",
		base: base, sid: o.AccountSID, token: o.AuthToken, from: o.From, client: hc, parallel: parallel, log: log}, nil
}

func isServiceSID(s string) bool {
	return strings.HasPrefix(s, "MG") && len(s) > 2 && !strings.ContainsAny(s, " \t\r\n")
}

// checkAPIURL accepts https anywhere and http only on a loopback host.
func checkAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("twilio: API URL %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("twilio: API URL %q: plain http is only allowed to a loopback host", raw)
	}
	return fmt.Errorf("twilio: API URL %q must be https", raw)
}

// String describes the transport without its token, for logs.
func (t *Twilio) String() string {
	return fmt.Sprintf("twilio(api %s, account %s, from %s, token %s)", t.base, t.sid, t.from, mask(t.token))
}

// GoString is String, so that %#v does not print the token either.
func (t *Twilio) GoString() string { return t.String() }

// LogValue implements slog.LogValuer with the token masked.
func (t *Twilio) LogValue() slog.Value {
	return slog.GroupValue(slog.String("api_url", t.base), slog.String("account_sid", t.sid), slog.String("from", t.from),
		slog.String("auth_token", mask(t.token)), slog.Duration("timeout", t.client.Timeout))
}

// mask keeps the last four characters of a long token, so that two
// configurations can be told apart in a log, and nothing of a short one.
func mask(token string) string {
	if len(token) < 16 {
		return "…"
	}
	return "…" + token[len(token)-4:]
}

// Send posts each letter's text to its number, a few at a time, and
// answers for each: nil when Twilio accepted it; an error wrapped by
// notify.Permanent when Twilio refused the recipient or the message (an
// invalid, unroutable, blocked or landline number), which no retry
// changes; any other error when a retry may help — a network error or
// timeout, a 5xx, a 429, and also refused credentials or sender, which an
// operator fixes in the configuration while the outbox keeps retrying.
//
// After an answer that will meet every letter alike (429, 401, 403, a
// wrong account), the letters not yet sent are not sent in this batch:
// they fail with the same cause and wait for their backoff, instead of
// hammering a provider that has just said no.
func (t *Twilio) Send(ctx context.Context, letters []notify.Letter) []error {
	errs := make([]error, len(letters))
	var (
		mu   sync.Mutex
		halt error
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, t.parallel)
	for i, l := range letters {
		if err := acquire(ctx, sem); err != nil {
			errs[i] = fmt.Errorf("twilio: not sent: %w", err)
			continue
		}
		mu.Lock()
		h := halt
		mu.Unlock()
		if h != nil {
			<-sem
			errs[i] = fmt.Errorf("twilio: not sent in this batch after an earlier answer: %w", h)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := t.send(ctx, l)
			errs[i] = err
			if haltsBatch(err) {
				mu.Lock()
				if halt == nil {
					halt = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// acquire takes a place in sem, or returns ctx's error without one. It
// looks at ctx first: a select on both picks at random when both are ready.
func acquire(ctx context.Context, sem chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// created is the part of Twilio's 201 answer the transport reads.
type created struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}

// send makes one request for one letter.
func (t *Twilio) send(ctx context.Context, l notify.Letter) error {
	if !notify.ValidPhone(l.To) {
		return notify.Permanent(fmt.Errorf("twilio: %q is not an E.164 phone number", l.To))
	}
	if strings.TrimSpace(l.Text) == "" {
		return notify.Permanent(errors.New("twilio: the message has no text"))
	}
	form := url.Values{"To": {l.To}, "Body": {l.Text}}
	if isServiceSID(t.from) {
		form.Set("MessagingServiceSid", t.from)
	} else {
		form.Set("From", t.from)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("twilio: %w", err)
	}
	req.SetBasicAuth(t.sid, t.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "boxoffice")
	res, err := t.client.Do(req)
	if err != nil {
		// The url.Error names the endpoint, never the credentials.
		return fmt.Errorf("twilio: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("twilio: reading the answer: %w", err)
	}
	if res.StatusCode/100 != 2 {
		return classify(res.StatusCode, res.Header, body)
	}
	var c created
	if err := json.Unmarshal(body, &c); err != nil || c.SID == "" {
		// Twilio said yes; an answer we cannot read does not make it no.
		t.log.WarnContext(ctx, "sms accepted with an unreadable answer", "message_id", l.ID, "status", res.StatusCode)
		return nil
	}
	t.log.InfoContext(ctx, "sms sent", "message_id", l.ID, "kind", l.Kind, "sid", c.SID, "status", c.Status)
	return nil
}

package stripe

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/boxoffice/boxoffice/internal/payment"
)

// Defaults of Options. They suit a synchronous checkout: an attempt that has
// not answered in 10 s is better settled by Lookup than waited for.
const (
	DefaultTimeout           = 10 * time.Second
	DefaultMaxNetworkRetries = 1
	DefaultSearchLag         = time.Minute
	// maxRetries caps MaxNetworkRetries: stripe-go sleeps between retries
	// without watching the context, so many retries would stall checkout.
	maxRetries = 5
)

// Options configures a Provider. Only SecretKey is required; the zero value of
// every other field is the production default.
type Options struct {
	// SecretKey is the Stripe secret key (sk_...) or restricted key (rk_...).
	// String, GoString and LogValue mask it, and errors never contain it.
	SecretKey string
	// APIURL is the base URL of the Stripe API, https://api.stripe.com when
	// empty. Tests point it at stripe-mock or a Stripe-shaped local server;
	// plain http is accepted only for a loopback host, so the key never
	// crosses a network in the clear.
	APIURL string
	// HTTPClient makes the requests; a client with Timeout when nil. It is
	// copied, never modified.
	HTTPClient *http.Client
	// Timeout bounds one HTTP attempt: Timeout if set, else HTTPClient.Timeout
	// if set, else DefaultTimeout.
	Timeout time.Duration
	// MaxNetworkRetries is how often stripe-go retries a request that failed
	// on the network (a timeout, a reset connection) or got an error page
	// that is not Stripe's JSON; Stripe's own error answers are final. 0
	// means DefaultMaxNetworkRetries, a negative value none. Retries reuse
	// our idempotency key, so they are safe; they are capped at 5.
	MaxNetworkRetries int
	// SearchLag is how long after an uncertain Charge Lookup refuses to say
	// "no charge" on the strength of Stripe's eventually consistent search
	// (see the package comment); 0 means DefaultSearchLag.
	SearchLag time.Duration
}

// String describes o with the secret key masked, so that logging a
// configuration can never leak the key.
func (o Options) String() string {
	return fmt.Sprintf("stripe.Options{SecretKey: %s, APIURL: %q, Timeout: %s, MaxNetworkRetries: %d, SearchLag: %s}",
		maskKey(o.SecretKey), o.APIURL, o.Timeout, o.MaxNetworkRetries, o.SearchLag)
}

// GoString is String, so that %#v does not print the key either.
func (o Options) GoString() string { return o.String() }

// LogValue implements slog.LogValuer with the secret key masked.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("secret_key", maskKey(o.SecretKey)),
		slog.String("api_url", o.APIURL),
		slog.Duration("timeout", o.Timeout),
		slog.Int("max_network_retries", o.MaxNetworkRetries),
		slog.Duration("search_lag", o.SearchLag),
	)
}

// maskKey keeps what tells keys apart in a log (mode prefix, last four) and
// drops the rest: "sk_test_…1234". A short key shows no tail at all.
func maskKey(key string) string {
	if key == "" {
		return `""`
	}
	prefix := ""
	if i := strings.IndexByte(key, '_'); i > 0 && i <= 3 {
		prefix = key[:i+1]
		if j := strings.IndexByte(key[i+1:], '_'); j > 0 && j <= 8 {
			prefix = key[:i+1+j+1]
		}
	}
	rest := key[len(prefix):]
	if len(rest) < 16 {
		return prefix + "…"
	}
	return prefix + "…" + rest[len(rest)-4:]
}

// Provider is the Stripe payment.Provider. It is safe for concurrent use.
type Provider struct {
	client    *stripego.Client
	opts      Options // as given, for String
	key       string  // to scrub from error texts
	searchLag time.Duration

	mu        sync.Mutex
	uncertain map[string]time.Time // charge key → when its outcome became unknown
}

var _ payment.Provider = (*Provider)(nil)

// New checks opts and returns a Provider. It makes no request: a wrong key
// shows on the first charge (as apperr.Unavailable), not at startup.
func New(opts Options) (*Provider, error) {
	key := opts.SecretKey
	switch {
	case key == "":
		return nil, errors.New("stripe: a secret key is required")
	case strings.TrimSpace(key) != key || strings.ContainsAny(key, " \t\r\n"):
		return nil, errors.New("stripe: the secret key contains white space")
	case strings.HasPrefix(key, "pk_"):
		return nil, errors.New("stripe: a publishable key (pk_...) cannot charge; use a secret key (sk_...)")
	}
	if opts.APIURL != "" {
		if err := checkAPIURL(opts.APIURL); err != nil {
			return nil, err
		}
	}
	timeout := opts.Timeout
	hc := &http.Client{}
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		hc = &c
		if timeout == 0 {
			timeout = c.Timeout
		}
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	hc.Timeout = timeout
	retries := opts.MaxNetworkRetries
	switch {
	case retries == 0:
		retries = DefaultMaxNetworkRetries
	case retries < 0:
		retries = 0
	}
	retries = min(retries, maxRetries)
	cfg := &stripego.BackendConfig{
		HTTPClient:        hc,
		MaxNetworkRetries: stripego.Int64(int64(retries)),
		// Errors come back to the caller, who logs them with context.
		LeveledLogger:   &stripego.LeveledLogger{Level: stripego.LevelNull},
		EnableTelemetry: stripego.Bool(false),
	}
	if opts.APIURL != "" {
		cfg.URL = stripego.String(opts.APIURL)
	}
	backend := stripego.GetBackendWithConfig(stripego.APIBackend, cfg)
	lag := opts.SearchLag
	if lag <= 0 {
		lag = DefaultSearchLag
	}
	return &Provider{
		client:    stripego.NewClient(key, stripego.WithBackends(&stripego.Backends{API: backend})),
		opts:      opts,
		key:       key,
		searchLag: lag,
		uncertain: make(map[string]time.Time),
	}, nil
}

// checkAPIURL accepts https anywhere and http only on a loopback host.
func checkAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("stripe: API URL %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("stripe: API URL %q: plain http is only allowed to a loopback host", raw)
	}
	return fmt.Errorf("stripe: API URL %q must be https", raw)
}

// Name is "stripe", the provider name recorded in orders and logs.
func (p *Provider) Name() string { return "stripe" }

// String describes p without its key; fmt would otherwise print the SDK
// client's fields, the key among them.
func (p *Provider) String() string { return "stripe.Provider(" + p.opts.String() + ")" }

// GoString is String, so that %#v does not print the key either.
func (p *Provider) GoString() string { return p.String() }

// LogValue implements slog.LogValuer with the secret key masked.
func (p *Provider) LogValue() slog.Value { return p.opts.LogValue() }

// markUncertain remembers that the outcome of a charge with key is unknown
// (see Lookup); entries older than the search lag are dropped on the way.
func (p *Provider) markUncertain(key string) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, at := range p.uncertain {
		if now.Sub(at) > p.searchLag {
			delete(p.uncertain, k)
		}
	}
	p.uncertain[key] = now
}

// settle forgets key: its outcome is known now.
func (p *Provider) settle(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.uncertain, key)
}

// recentlyUncertain reports whether a charge with key ended uncertain less
// than the search lag ago, so a search may not show it yet.
func (p *Provider) recentlyUncertain(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.uncertain[key]
	return ok && time.Since(at) <= p.searchLag
}

package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// faultProxy is Shopify's toxiproxy, run in the test's process as a
// library, between the servers and PostgreSQL: every byte of the database
// path goes through it, and toxics added to it break that path the way
// networks break.
type faultProxy struct {
	t     *testing.T
	proxy *toxiproxy.Proxy
}

// startFaultProxy listens on a free port and forwards to the database of
// url; it returns the proxy and the same URL through it.
func startFaultProxy(t *testing.T, dbURL string) (*faultProxy, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil || u.Host == "" {
		t.Fatalf("the fault test needs a TCP database URL, got %q: %v", dbURL, err)
	}
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "postgres", "127.0.0.1:0", u.Host)
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	u.Host = p.Listen
	return &faultProxy{t: t, proxy: p}, u.String()
}

// add adds a toxic, given as toxiproxy's API takes it (JSON).
func (f *faultProxy) add(toxicJSON string) {
	f.t.Helper()
	if _, err := f.proxy.Toxics.AddToxicJson(strings.NewReader(toxicJSON)); err != nil {
		f.t.Fatalf("add toxic %s: %v", toxicJSON, err)
	}
}

// clear removes every toxic: the path heals.
func (f *faultProxy) clear() { f.proxy.Toxics.ResetToxics(context.Background()) }

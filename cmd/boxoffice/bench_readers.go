package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// readers is the background read load of `bench --readers-rate`: people
// looking at the seat map and at the best offers while the sale goes on.
// It is open loop: request i is due at start + i/rate and is sent then
// whether or not the earlier ones have been answered, up to maxInFlight
// at once; one due while that many are out is dropped and counted, not
// delayed. Latency counts from when a request was due, so a client that
// fell behind shows as latency (no coordinated omission).
type readers struct {
	http        *http.Client
	urls        []string
	rate        int
	maxInFlight int
	start       time.Time
	endpoints   [2]*readerEndpoint
	stopping    chan struct{}
	scheduled   sync.WaitGroup // the scheduler
	inFlight    sync.WaitGroup // the requests
	stoppedAt   time.Time
}

// readerEndpoint is one endpoint's share of the load and its answers.
type readerEndpoint struct {
	name, path string
	offered    atomic.Int64
	dropped    atomic.Int64 // due while maxInFlight were out
	ok         atomic.Int64
	bytes      atomic.Int64 // of the bodies as sent (compressed if so)
	gzipped    atomic.Int64

	mu   sync.Mutex
	lat  []timedLat // every answered request, error or not
	errs map[string]int
}

// startReaders starts the load on eventID, half on each endpoint, spread
// over urls; stop ends it.
func startReaders(ctx context.Context, urls []string, eventID, seatFormat string, rate, maxInFlight int, start time.Time) *readers {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = maxInFlight, maxInFlight
	r := &readers{http: &http.Client{Transport: tr, Timeout: 30 * time.Second}, urls: urls, rate: rate, maxInFlight: maxInFlight,
		start: start, stopping: make(chan struct{})}
	r.endpoints = [2]*readerEndpoint{
		{name: "seats", path: "/api/v1/events/" + eventID + "/seats?format=" + seatFormat, errs: map[string]int{}},
		{name: "offers", path: "/api/v1/events/" + eventID + "/offers?quantity=2", errs: map[string]int{}},
	}
	r.scheduled.Add(1)
	go r.schedule(ctx)
	return r
}

func (r *readers) schedule(ctx context.Context) {
	defer r.scheduled.Done()
	slots := make(chan struct{}, r.maxInFlight)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 0; ; i++ {
		due := r.start.Add(time.Duration(float64(i) * float64(time.Second) / float64(r.rate)))
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-r.stopping:
				return
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		} else {
			select {
			case <-r.stopping:
				return
			default:
			}
		}
		// Alternate the endpoints, and go round the instances with each.
		ep, base := r.endpoints[i%2], r.urls[(i/2)%len(r.urls)]
		ep.offered.Add(1)
		select {
		case slots <- struct{}{}:
			r.inFlight.Add(1)
			go func() {
				defer r.inFlight.Done()
				defer func() { <-slots }()
				r.get(ctx, base, ep, due)
			}()
		default:
			ep.dropped.Add(1)
		}
	}
}

// get sends one request as a browser would, asking for gzip, and reads
// the whole body. Setting Accept-Encoding turns off the transport's own
// decompression, so the body is read as sent and not decompressed: the
// load generator shares the machine with the server.
func (r *readers) get(ctx context.Context, base string, ep *readerEndpoint, due time.Time) {
	kind := ""
	req, err := http.NewRequestWithContext(ctx, "GET", base+ep.path, nil)
	if err != nil {
		kind = "request"
	} else {
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := r.http.Do(req)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			kind = "timeout"
		} else if err != nil {
			kind = "network"
		} else {
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch {
			case err != nil:
				kind = "body"
			case resp.StatusCode != http.StatusOK:
				kind = "http_" + strconv.Itoa(resp.StatusCode)
			default:
				ep.ok.Add(1)
				ep.bytes.Add(n)
				if resp.Header.Get("Content-Encoding") == "gzip" {
					ep.gzipped.Add(1)
				}
			}
		}
	}
	if ctx.Err() != nil && kind != "" {
		return // the bench is being stopped: not the server's doing
	}
	now := time.Now()
	ep.mu.Lock()
	ep.lat = append(ep.lat, timedLat{at: now.Sub(r.start), d: now.Sub(due), ok: kind == ""})
	if kind != "" {
		ep.errs[kind]++
	}
	ep.mu.Unlock()
}

// stop stops sending and waits for the requests still out.
func (r *readers) stop() {
	r.stoppedAt = time.Now()
	close(r.stopping)
	r.scheduled.Wait()
	r.inFlight.Wait()
}

// readerSummary is the readers' part of the report.
type readerSummary struct {
	RatePerSecond int                        `json:"rate_per_second"`
	MaxInFlight   int                        `json:"max_in_flight"`
	Seconds       float64                    `json:"seconds"`
	Endpoints     map[string]endpointSummary `json:"endpoints"`
}

type endpointSummary struct {
	Path      string         `json:"path"`
	Offered   int64          `json:"offered"`
	Dropped   int64          `json:"dropped_in_flight_cap"`
	Answered  int            `json:"answered"`
	OK        int64          `json:"ok"`
	Errors    int            `json:"errors"`
	ErrorKind map[string]int `json:"error_kinds"`
	// OKPerSecond is the rate of good answers over the sell-out.
	OKPerSecond float64        `json:"ok_per_second"`
	MeanBytes   float64        `json:"mean_body_bytes"`
	Gzipped     int64          `json:"gzip_answers"`
	Latency     latencySummary `json:"latency_ms"`
}

// summary reads the figures; call it after stop.
func (r *readers) summary() *readerSummary {
	secs := r.stoppedAt.Sub(r.start).Seconds()
	s := &readerSummary{RatePerSecond: r.rate, MaxInFlight: r.maxInFlight, Seconds: secs, Endpoints: map[string]endpointSummary{}}
	for _, ep := range r.endpoints {
		e := endpointSummary{Path: ep.path, Offered: ep.offered.Load(), Dropped: ep.dropped.Load(), Answered: len(ep.lat), OK: ep.ok.Load(),
			ErrorKind: ep.errs, Gzipped: ep.gzipped.Load(), Latency: summarize(durations(ep.lat))}
		for _, n := range ep.errs {
			e.Errors += n
		}
		if e.OK > 0 {
			e.MeanBytes = float64(ep.bytes.Load()) / float64(e.OK)
		}
		if secs > 0 {
			e.OKPerSecond = float64(e.OK) / secs
		}
		s.Endpoints[ep.name] = e
	}
	return s
}

// print writes the readers' lines of the bench's output.
func (s *readerSummary) print(out io.Writer) {
	fmt.Fprintf(out, "readers: %d req/s offered in all, half on each endpoint, at most %d in flight, for %.1fs\n", s.RatePerSecond, s.MaxInFlight, s.Seconds)
	for _, name := range []string{"seats", "offers"} {
		e := s.Endpoints[name]
		kinds := ""
		for _, k := range slices.Sorted(maps.Keys(e.ErrorKind)) {
			kinds += fmt.Sprintf(" %s %d", k, e.ErrorKind[k])
		}
		if kinds != "" {
			kinds = " (" + kinds[1:] + ")"
		}
		fmt.Fprintf(out, "readers %-6s p50 %s  p99 %s  max %s  (n=%d); ok %d (%.0f/s), errors %d%s, dropped at the in-flight cap %d; body %.0f B mean, gzip %d\n",
			name, ms(e.Latency.P50), ms(e.Latency.P99), ms(e.Latency.Max), e.Answered, e.OK, e.OKPerSecond, e.Errors, kinds, e.Dropped,
			e.MeanBytes, e.Gzipped)
	}
}

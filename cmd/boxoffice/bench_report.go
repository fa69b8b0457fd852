package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// benchReport is the JSON report of `boxoffice bench` (--report): what
// ran, on what, the ceiling, the sale, the readers, the servers' memory
// and the run second by second. docs/performance.md describes it.
type benchReport struct {
	Config reportConfig `json:"config"`
	// Ceiling is null when it was not measured; CeilingSkipped says why.
	Ceiling        *ceilingResult `json:"ceiling"`
	CeilingSkipped string         `json:"ceiling_skipped,omitempty"`
	Service        serviceSummary `json:"service"`
	Readers        *readerSummary `json:"readers"`
	Servers        []serverMemory `json:"servers"`
	Ratio          *ceilingRatio  `json:"ratio"`
	Series         []interval     `json:"series"`
}

type reportConfig struct {
	// Flags is every flag of the command, as given or defaulted.
	Flags          map[string]string `json:"flags"`
	Database       string            `json:"database"` // engine: sqlite or postgres; "" for --url without --database
	DatabaseURL    string            `json:"database_url,omitempty"`
	Instances      int               `json:"instances"`
	URLs           []string          `json:"urls"`
	PaymentLatency string            `json:"payment_latency"`
	Venue          string            `json:"venue"`
	Capacity       int               `json:"capacity"`
	EventID        string            `json:"event_id"`
	GitCommit      string            `json:"git_commit,omitempty"`
	GitModified    bool              `json:"git_modified,omitempty"`
	GoVersion      string            `json:"go_version"`
	NProc          int               `json:"nproc"`
	LoadAvgStart   []float64         `json:"loadavg_start"`
	LoadAvgEnd     []float64         `json:"loadavg_end"`
	StartedAt      time.Time         `json:"started_at"`
	FinishedAt     time.Time         `json:"finished_at"`
}

type serviceSummary struct {
	Sold               int            `json:"sold"`
	Capacity           int            `json:"capacity"`
	Available          int            `json:"available"`
	Held               int            `json:"held"`
	Orders             int64          `json:"orders"`
	Holds              int64          `json:"holds"`
	ElapsedSeconds     float64        `json:"elapsed_seconds"`
	OrdersPerSecond    float64        `json:"orders_per_second"`
	HoldsPerSecond     float64        `json:"holds_per_second"`
	TicketsPerSecond   float64        `json:"tickets_per_second"`
	HoldLatency        latencySummary `json:"hold_latency_ms"`
	OrderLatency       latencySummary `json:"order_latency_ms"`
	LostRaces          int64          `json:"lost_races"`
	UnexpectedFailures int64          `json:"unexpected_failures"`
	FirstFailure       string         `json:"first_failure,omitempty"`
	Oversold           int            `json:"oversold"`
	TicketsIssued      int            `json:"tickets_issued"`
	BooksBalanced      bool           `json:"books_balanced"`
}

// serverMemory is one started server's resident memory: the kernel's
// high-water mark (VmHWM) and the highest of the once-a-second samples.
type serverMemory struct {
	URL           string `json:"url"`
	PID           int    `json:"pid"`
	PeakRSSKB     int64  `json:"peak_rss_kb"`
	PeakSampledKB int64  `json:"peak_sampled_rss_kb"`
	LastSampledKB int64  `json:"last_sampled_rss_kb"`
	Samples       int    `json:"samples"`
}

// ceilingRatio is the service against the bare database: each order is
// one hold and one payment, so orders/s over the ceiling's hold tx/s is
// the share of the database's hold throughput the whole service turns
// into sales.
type ceilingRatio struct {
	OrdersPerCeilingTx float64 `json:"orders_per_s_over_ceiling_tx_per_s"`
	HoldsPerCeilingTx  float64 `json:"holds_per_s_over_ceiling_tx_per_s"`
}

// interval is one second of the sale, [T, T+1) after it opened.
type interval struct {
	T            int      `json:"t"`
	Orders       int      `json:"orders"`
	Holds        int      `json:"holds"`
	HoldP99Ms    *float64 `json:"hold_p99_ms"`
	OrderP99Ms   *float64 `json:"order_p99_ms"`
	SeatsP99Ms   *float64 `json:"readers_seats_p99_ms,omitempty"`
	OffersP99Ms  *float64 `json:"readers_offers_p99_ms,omitempty"`
	RSSKB        []int64  `json:"rss_kb,omitempty"` // per server, at the interval's end
	ReadersSeats int      `json:"readers_seats,omitempty"`
	ReadersOffer int      `json:"readers_offers,omitempty"`
}

// latencySummary is a latency distribution in milliseconds.
type latencySummary struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// timedLat is one request: when it completed, after the sale opened, how
// long it took, and whether it succeeded.
type timedLat struct {
	at, d time.Duration
	ok    bool
}

// pct is the p-th percentile of ds (100: the maximum), rounded to 10µs.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)].Round(10 * time.Microsecond)
}

func summarize(ds []time.Duration) latencySummary {
	return latencySummary{N: len(ds), P50: msOf(pct(ds, 50)), P90: msOf(pct(ds, 90)), P99: msOf(pct(ds, 99)), Max: msOf(pct(ds, 100))}
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ms turns a report's milliseconds back into a duration, for printing.
func ms(v float64) time.Duration {
	return time.Duration(v * float64(time.Millisecond)).Round(10 * time.Microsecond)
}

func durations(ts []timedLat) []time.Duration {
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.d
	}
	return out
}

// buckets puts each sample into its second; n is the number of seconds.
func buckets(ts []timedLat, n int) [][]timedLat {
	b := make([][]timedLat, n)
	for _, t := range ts {
		i := min(max(int(t.at/time.Second), 0), n-1)
		b[i] = append(b[i], t)
	}
	return b
}

// p99 of a second's samples, nil for a second without any.
func p99(ts []timedLat) *float64 {
	if len(ts) == 0 {
		return nil
	}
	v := msOf(pct(durations(ts), 99))
	return &v
}

func countOK(ts []timedLat) int {
	n := 0
	for _, t := range ts {
		if t.ok {
			n++
		}
	}
	return n
}

// series builds the per-second record of the sale from its samples.
func series(elapsed time.Duration, holds, orders []timedLat, rd *readers, rss *rssSampler) []interval {
	n := max(1, int((elapsed+time.Second-1)/time.Second))
	hb, ob := buckets(holds, n), buckets(orders, n)
	var sb, fb [][]timedLat
	if rd != nil {
		sb, fb = buckets(rd.endpoints[0].lat, n), buckets(rd.endpoints[1].lat, n)
	}
	out := make([]interval, n)
	for i := range out {
		iv := interval{T: i, Orders: countOK(ob[i]), Holds: countOK(hb[i]), HoldP99Ms: p99(hb[i]), OrderP99Ms: p99(ob[i])}
		if rd != nil {
			iv.SeatsP99Ms, iv.OffersP99Ms = p99(sb[i]), p99(fb[i])
			iv.ReadersSeats, iv.ReadersOffer = len(sb[i]), len(fb[i])
		}
		if rss != nil && i < len(rss.samples) {
			iv.RSSKB = rss.samples[i]
		}
		out[i] = iv
	}
	return out
}

// rssSampler reads the resident set size (VmRSS) of each started server
// once a second from the sale's opening: samples[i] is the end of second i.
type rssSampler struct {
	pids    []int
	mu      sync.Mutex
	samples [][]int64
	peak    []int64
	stopC   chan struct{}
	done    chan struct{}
}

func startRSS(pids []int, start time.Time) *rssSampler {
	s := &rssSampler{pids: pids, peak: make([]int64, len(pids)), stopC: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for k := 1; ; k++ {
			select {
			case <-s.stopC:
				return
			case <-time.After(time.Until(start.Add(time.Duration(k) * time.Second))):
			}
			row := make([]int64, len(pids))
			for i, pid := range pids {
				row[i], _ = procStatusKB(strconv.Itoa(pid), "VmRSS")
				s.peak[i] = max(s.peak[i], row[i])
			}
			s.mu.Lock()
			s.samples = append(s.samples, row)
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *rssSampler) stop() {
	close(s.stopC)
	<-s.done
}

// procStatusKB reads a "kB" field of /proc/<pid>/status.
func procStatusKB(pid, field string) (int64, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// loadAvg is the machine's 1, 5 and 15 minute load average.
func loadAvg() []float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	var out []float64
	for _, f := range strings.Fields(string(b))[:3] {
		v, _ := strconv.ParseFloat(f, 64)
		out = append(out, v)
	}
	return out
}

// buildInfo fills what this binary knows of its own build: the commit
// only when the go command stamped it (go build in a checkout; not go run).
func (c *reportConfig) buildInfo() {
	c.GoVersion, c.NProc = runtime.Version(), runtime.NumCPU()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			c.GitCommit = s.Value
		case "vcs.modified":
			c.GitModified = s.Value == "true"
		}
	}
}

// finish fills the report from the finished sale and prints the lines
// that compare it with the ceiling; the sale's own lines are printed by
// then.
func (rep *benchReport) finish(c benchConfig, st *benchStats, sales salesFigures, elapsed time.Duration, oversold int, balanced bool,
	rd *readers, rss *rssSampler, out io.Writer) {
	orders, holds := st.orders.Load(), st.holds.Load()
	s := serviceSummary{Sold: sales.Sold, Capacity: sales.Capacity, Available: sales.Available, Held: sales.Held, Orders: orders,
		Holds: holds, ElapsedSeconds: elapsed.Seconds(), OrdersPerSecond: float64(orders) / elapsed.Seconds(),
		HoldsPerSecond: float64(holds) / elapsed.Seconds(), TicketsPerSecond: float64(sales.Sold) / elapsed.Seconds(),
		HoldLatency: summarize(durations(st.holdLat)), OrderLatency: summarize(durations(st.orderLat)), LostRaces: st.lost.Load(),
		UnexpectedFailures: st.failures.Load(), Oversold: oversold, TicketsIssued: len(st.seats), BooksBalanced: balanced}
	if f := st.firstFail.Load(); f != nil {
		s.FirstFailure = fmt.Sprint(f)
	}
	rep.Service = s
	if rd != nil {
		rep.Readers = rd.summary()
		rep.Readers.print(out)
	}
	if r := rep.Ceiling; r != nil && r.TxPerSecond > 0 {
		rep.Ratio = &ceilingRatio{OrdersPerCeilingTx: s.OrdersPerSecond / r.TxPerSecond, HoldsPerCeilingTx: s.HoldsPerSecond / r.TxPerSecond}
		fmt.Fprintf(out, "ceiling %.0f hold tx/s (bare, %s, %d writers); service %.0f orders/s, %.0f holds/s\n", r.TxPerSecond, r.Engine, r.Writers,
			s.OrdersPerSecond, s.HoldsPerSecond)
		fmt.Fprintf(out, "service/ceiling: orders/s ÷ ceiling tx/s = %.3f; holds/s ÷ ceiling tx/s = %.3f\n", rep.Ratio.OrdersPerCeilingTx, rep.Ratio.HoldsPerCeilingTx)
	}
	rep.Config.Instances, rep.Config.URLs = len(c.urls), c.urls
	for i, srv := range c.servers {
		m := serverMemory{URL: srv.url, PID: rss.pids[i], PeakSampledKB: rss.peak[i], Samples: len(rss.samples)}
		m.PeakRSSKB, _ = procStatusKB(strconv.Itoa(m.PID), "VmHWM")
		if k := len(rss.samples); k > 0 {
			m.LastSampledKB = rss.samples[k-1][i]
		}
		rep.Servers = append(rep.Servers, m)
	}
	rep.Series = series(elapsed, st.holdLat, st.orderLat, rd, rss)
	rep.Config.LoadAvgEnd, rep.Config.FinishedAt = loadAvg(), time.Now().UTC()
}

// writeReport writes the report as JSON to path and its chart next to it
// (path with .svg for its extension); it returns the chart's path.
func writeReport(path string, r *benchReport) (string, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	chart := strings.TrimSuffix(path, filepath.Ext(path)) + ".svg"
	return chart, os.WriteFile(chart, []byte(chartSVG(r)), 0o644)
}

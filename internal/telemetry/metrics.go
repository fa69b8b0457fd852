// Package telemetry owns the service's Prometheus registry and the HTTP
// instrumentation. The registry belongs to the service, never the global
// default, so tests can run many instances in one process.
package telemetry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the service's instruments.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.HistogramVec
	inflight prometheus.Gauge
	holds    *prometheus.CounterVec
	orders   *prometheus.CounterVec
	tickets  *prometheus.CounterVec
	checkins *prometheus.CounterVec
	refunds  *prometheus.CounterVec
	expired  prometheus.Counter
	jobRuns  *prometheus.CounterVec
	jobTime  *prometheus.HistogramVec
}

// New makes a registry with Go runtime and process collectors and the
// service's own instruments.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{Registry: reg}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "boxoffice_http_request_duration_seconds",
		Help:    "HTTP request latency by route pattern, method and status class.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route", "method", "status"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "boxoffice_http_requests_in_flight", Help: "Requests being served."})
	m.holds = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_holds_total", Help: "Holds placed."}, []string{"event_id"})
	m.orders = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_orders_paid_total", Help: "Orders paid."}, []string{"event_id"})
	m.tickets = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_tickets_issued_total", Help: "Tickets issued."}, []string{"event_id"})
	m.checkins = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_checkins_total", Help: "Tickets checked in."}, []string{"event_id"})
	m.refunds = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_refunds_total", Help: "Orders refunded."}, []string{"event_id"})
	m.expired = prometheus.NewCounter(prometheus.CounterOpts{Name: "boxoffice_hold_expirations_total", Help: "Holds tidied by the sweeper after expiring."})
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_job_runs_total", Help: "Background job runs by result."}, []string{"job", "result"})
	m.jobTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "boxoffice_job_duration_seconds", Help: "Background job run time.",
		Buckets: prometheus.DefBuckets}, []string{"job"})
	for _, c := range []prometheus.Collector{m.requests, m.inflight, m.holds, m.orders, m.tickets, m.checkins, m.refunds, m.expired, m.jobRuns, m.jobTime} {
		f(c)
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Wrap instruments one route; the label is the route pattern, never the
// raw path, so label values stay bounded.
func (m *Metrics) Wrap(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inflight.Inc()
		sw := &codeWriter{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			m.inflight.Dec()
			m.requests.WithLabelValues(pattern, r.Method, strconv.Itoa(sw.code/100)+"xx").Observe(time.Since(start).Seconds())
		}()
		h.ServeHTTP(sw, r)
	})
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// HoldPlaced counts a hold.
func (m *Metrics) HoldPlaced(eventID string, _ int) { m.holds.WithLabelValues(eventID).Inc() }

// OrderPaid counts a paid order and its tickets.
func (m *Metrics) OrderPaid(eventID string, tickets int, _ int64) {
	m.orders.WithLabelValues(eventID).Inc()
	m.tickets.WithLabelValues(eventID).Add(float64(tickets))
}

// Refunded counts a refund.
func (m *Metrics) Refunded(eventID string) { m.refunds.WithLabelValues(eventID).Inc() }

// CheckedIn counts a check-in.
func (m *Metrics) CheckedIn(eventID string) { m.checkins.WithLabelValues(eventID).Inc() }

// HoldsExpired counts holds the sweeper tidied.
func (m *Metrics) HoldsExpired(n int) { m.expired.Add(float64(n)) }

// JobRan records a background job run.
func (m *Metrics) JobRan(name string, _ int, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.jobRuns.WithLabelValues(name, result).Inc()
	m.jobTime.WithLabelValues(name).Observe(took.Seconds())
}

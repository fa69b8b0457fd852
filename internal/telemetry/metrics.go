package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Every label of every metric here takes values from a small, fixed set
// (route patterns, methods, status classes, error codes, operation names,
// job names), except event_id, which only the stats collector sets and
// only for the events on sale now (at most maxEvents of them). Counters
// carry no event id: an id per event ever sold would grow without bound.

// latencyBuckets fit an API whose answers take from a millisecond (a cached
// read) to seconds (a checkout waiting for a card network).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// dbBuckets are finer at the bottom: most statements take well under a
// millisecond on SQLite.
var dbBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

type instruments struct {
	requests *prometheus.HistogramVec
	inflight prometheus.Gauge
	errors   *prometheus.CounterVec

	dbTime   *prometheus.HistogramVec
	dbErrors *prometheus.CounterVec

	payTime    *prometheus.HistogramVec
	payResults *prometheus.CounterVec

	holds    prometheus.Counter
	orders   prometheus.Counter
	tickets  prometheus.Counter
	checkins prometheus.Counter
	refunds  prometheus.Counter
	expired  prometheus.Counter

	jobRuns      *prometheus.CounterVec
	jobTime      *prometheus.HistogramVec
	jobProcessed *prometheus.CounterVec
	jobSuccess   *prometheus.GaugeVec
}

func newInstruments(reg prometheus.Registerer) *instruments {
	m := &instruments{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "boxoffice_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern, method and status class (2xx, 4xx, 5xx). Its _count is the traffic by route.",
			Buckets: latencyBuckets}, []string{"route", "method", "status"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "boxoffice_http_requests_in_flight",
			Help: "Requests being served now."}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_http_errors_total",
			Help: "Error responses by route pattern and problem code; class is expected (a lost race, a declined card, bad input) or failure (5xx: a bug, an outage, a timeout)."},
			[]string{"route", "code", "class"}),

		dbTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "boxoffice_db_query_duration_seconds",
			Help:    "Store call latency by operation; op=booking.tx is a whole read-write transaction.",
			Buckets: dbBuckets}, []string{"op"}),
		dbErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_db_errors_total",
			Help: "Store calls that failed for a reason other than a business rule (not found, seats unavailable, …)."}, []string{"op"}),

		payTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "boxoffice_payment_request_duration_seconds",
			Help:    "Payment provider call latency by operation (charge, refund, lookup).",
			Buckets: latencyBuckets}, []string{"op"}),
		payResults: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_payment_requests_total",
			Help: "Payment provider calls by operation and outcome: ok, declined, invalid, not_found, no_charge (expected) or failure (outage, timeout)."},
			[]string{"op", "outcome"}),

		holds:    prometheus.NewCounter(prometheus.CounterOpts{Name: "boxoffice_holds_total", Help: "Holds placed."}),
		orders:   prometheus.NewCounter(prometheus.CounterOpts{Name: "boxoffice_orders_paid_total", Help: "Orders paid."}),
		tickets:  prometheus.NewCounter(prometheus.CounterOpts{Name: "boxoffice_tickets_issued_total", Help: "Tickets issued."}),
		checkins: prometheus.NewCounter(prometheus.CounterOpts{Name: "boxoffice_checkins_total", Help: "Tickets checked in at the gate."}),
		refunds:  prometheus.NewCounter(prometheus.CounterOpts{Name: "boxoffice_refunds_total", Help: "Orders refunded."}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{Name: "boxoffice_hold_expirations_total",
			Help: "Holds the sweeper tidied after their time ran out (buyers who did not pay in time)."}),

		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_job_runs_total",
			Help: "Background job runs by result (ok, error)."}, []string{"job", "result"}),
		jobTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "boxoffice_job_duration_seconds",
			Help: "Background job run time.", Buckets: latencyBuckets}, []string{"job"}),
		jobProcessed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_job_processed_total",
			Help: "Items a background job handled (holds expired, messages sent, orders reconciled, rows purged)."}, []string{"job"}),
		jobSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "boxoffice_job_last_success_timestamp_seconds",
			Help: "Unix time of a job's last successful run in this process; a stuck job stops moving it."}, []string{"job"}),
	}
	reg.MustRegister(m.requests, m.inflight, m.errors, m.dbTime, m.dbErrors, m.payTime, m.payResults,
		m.holds, m.orders, m.tickets, m.checkins, m.refunds, m.expired,
		m.jobRuns, m.jobTime, m.jobProcessed, m.jobSuccess)
	return m
}

// The booking.Observer methods: told by the booking service what happened.

// HoldPlaced counts a hold.
func (t *Telemetry) HoldPlaced(string, int) { t.m.holds.Inc() }

// OrderPaid counts a paid order and its tickets.
func (t *Telemetry) OrderPaid(_ string, tickets int, _ int64) {
	t.m.orders.Inc()
	t.m.tickets.Add(float64(tickets))
}

// Refunded counts a refund.
func (t *Telemetry) Refunded(string) { t.m.refunds.Inc() }

// CheckedIn counts a check-in.
func (t *Telemetry) CheckedIn(string) { t.m.checkins.Inc() }

// HoldsExpired counts holds the sweeper tidied.
func (t *Telemetry) HoldsExpired(n int) { t.m.expired.Add(float64(n)) }

// JobRan records a background job run (the jobs.Observer method).
func (t *Telemetry) JobRan(name string, processed int, took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	} else {
		t.m.jobSuccess.WithLabelValues(name).SetToCurrentTime()
	}
	t.m.jobRuns.WithLabelValues(name, result).Inc()
	t.m.jobTime.WithLabelValues(name).Observe(took.Seconds())
	if processed > 0 {
		t.m.jobProcessed.WithLabelValues(name).Add(float64(processed))
	}
}

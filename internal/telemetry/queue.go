package telemetry

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/boxoffice/boxoffice/internal/queue"
)

// QueueMetrics are the waiting room's instruments; it implements
// queue.Observer. Counters carry no event id (see metrics.go); the gauges
// of the rooms open now are read at scrape time by QueueGauges.
type QueueMetrics struct {
	joined    *prometheus.CounterVec
	admitted  prometheus.Counter
	abandoned prometheus.Counter
	changes   *prometheus.CounterVec
	wait      prometheus.Histogram
}

// waitBuckets span a queue's waits: seconds to an hour and more.
var waitBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}

// Queue registers the waiting-room instruments.
func (t *Telemetry) Queue() *QueueMetrics {
	q := &QueueMetrics{
		joined: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_queue_joined_total",
			Help: "Places taken in waiting rooms, by phase: pre_queue (before the sale, drawn at random) or fifo."}, []string{"phase"}),
		admitted: prometheus.NewCounter(prometheus.CounterOpts{Name: "boxoffice_queue_admitted_total",
			Help: "Places admitted (their owner got a pass)."}),
		abandoned: prometheus.NewCounter(prometheus.CounterOpts{Name: "boxoffice_queue_abandoned_total",
			Help: "Places that lapsed: their turn came while their owner was away."}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_queue_rate_changes_total",
			Help: "Admission rate changes made by the auto mode, by direction (down, up)."}, []string{"direction"}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "boxoffice_queue_wait_seconds",
			Help: "Time from joining a waiting room to being admitted.", Buckets: waitBuckets}),
	}
	t.Registry.MustRegister(q.joined, q.admitted, q.abandoned, q.changes, q.wait)
	return q
}

// Joined implements queue.Observer.
func (q *QueueMetrics) Joined(_ string, preQueue bool) {
	if preQueue {
		q.joined.WithLabelValues("pre_queue").Inc()
	} else {
		q.joined.WithLabelValues("fifo").Inc()
	}
}

// Admitted implements queue.Observer.
func (q *QueueMetrics) Admitted(_ string, waited time.Duration) {
	q.admitted.Inc()
	q.wait.Observe(waited.Seconds())
}

// Abandoned implements queue.Observer.
func (q *QueueMetrics) Abandoned(string) { q.abandoned.Inc() }

// RateChanged implements queue.Observer.
func (q *QueueMetrics) RateChanged(_ string, from, to int, _ string) {
	if to < from {
		q.changes.WithLabelValues("down").Inc()
	} else {
		q.changes.WithLabelValues("up").Inc()
	}
}

// QueueGauges registers gauges read at scrape time from rooms(): people
// waiting, admitted and the admission rate per open waiting room.
func (t *Telemetry) QueueGauges(rooms func(ctx context.Context) ([]queue.Room, error)) {
	t.Registry.MustRegister(&queueCollector{rooms: rooms,
		waiting:  prometheus.NewDesc("boxoffice_queue_waiting", "People waiting in an open waiting room.", []string{"event_id"}, nil),
		admitted: prometheus.NewDesc("boxoffice_queue_admitted", "Places admitted so far in an open waiting room.", []string{"event_id"}, nil),
		rate:     prometheus.NewDesc("boxoffice_queue_admit_rate_per_minute", "An open waiting room's admission rate now.", []string{"event_id"}, nil)})
}

type queueCollector struct {
	rooms                   func(ctx context.Context) ([]queue.Room, error)
	waiting, admitted, rate *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.waiting
	ch <- c.admitted
	ch <- c.rate
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rooms, err := c.rooms(ctx)
	if err != nil {
		return
	}
	for _, r := range rooms {
		ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, float64(r.Waiting), r.EventID)
		ch <- prometheus.MustNewConstMetric(c.admitted, prometheus.GaugeValue, float64(r.Admitted), r.EventID)
		ch <- prometheus.MustNewConstMetric(c.rate, prometheus.GaugeValue, float64(r.AdmitPerMinute), r.EventID)
	}
}

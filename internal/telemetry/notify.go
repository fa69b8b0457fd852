package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// NotifyMetrics are the outbox delivery's instruments; it implements
// notify.Observer. The dead messages waiting for an admin are a gauge read
// at scrape time (boxoffice_outbox_dead_messages, stats.go), so the alert
// on them survives restarts.
type NotifyMetrics struct {
	sent    *prometheus.CounterVec
	failed  *prometheus.CounterVec
	dead    *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// deliveryBuckets span the time from an order to its message going out:
// a second or two when all is well, up to the hour of backoff.
var deliveryBuckets = []float64{.25, .5, 1, 2, 5, 10, 30, 60, 300, 900, 3600}

// Notify registers the delivery instruments.
func (t *Telemetry) Notify() *NotifyMetrics {
	m := &NotifyMetrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_notifications_sent_total",
			Help: "Messages handed to the mail server or SMS provider, by channel and kind."}, []string{"channel", "kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_notifications_failed_total",
			Help: "Failed delivery attempts that will be retried, by channel."}, []string{"channel"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_notifications_dead_total",
			Help: "Messages given up on (attempts used up, or refused for good), by channel."}, []string{"channel"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "boxoffice_notification_delivery_seconds",
			Help: "Time from the order (or refund) to its message being accepted for delivery.", Buckets: deliveryBuckets}, []string{"channel"}),
	}
	t.Registry.MustRegister(m.sent, m.failed, m.dead, m.latency)
	return m
}

// Sent implements notify.Observer.
func (m *NotifyMetrics) Sent(channel, kind string, latency time.Duration) {
	if kind == "" {
		kind = "plain"
	}
	m.sent.WithLabelValues(channel, kind).Inc()
	m.latency.WithLabelValues(channel).Observe(max(latency, 0).Seconds())
}

// Failed implements notify.Observer.
func (m *NotifyMetrics) Failed(channel string) { m.failed.WithLabelValues(channel).Inc() }

// Dead implements notify.Observer.
func (m *NotifyMetrics) Dead(channel string) { m.dead.WithLabelValues(channel).Inc() }

package telemetry

import "github.com/prometheus/client_golang/prometheus"

// Shed returns the hook the API calls for each write refused by its
// admission control: a saturation signal of its own, apart from the 503s
// of a database outage that share the "unavailable" code.
func (t *Telemetry) Shed() func(route string) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "boxoffice_http_shed_total",
		Help: "Holds, orders and queue joins refused with 503 because the instance had --max-inflight-writes of them in progress."},
		[]string{"route"})
	t.Registry.MustRegister(c)
	return func(route string) { c.WithLabelValues(route).Inc() }
}

package controller

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// newReadyGauge returns the gauge of the state of each HelmRelease, registered
// beside controller-runtime's own metrics (reconcile counts and durations, work
// queues, the API client): 1 Ready, 0 not Ready, -1 suspended.
func newReadyGauge() *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "rudder_helmrelease_ready",
		Help: "Whether a HelmRelease is Ready (1), not Ready (0) or suspended (-1).",
	}, []string{"namespace", "name"})
	if err := metrics.Registry.Register(g); err != nil {
		var dup prometheus.AlreadyRegisteredError
		if errors.As(err, &dup) {
			if existing, ok := dup.ExistingCollector.(*prometheus.GaugeVec); ok {
				return existing
			}
		}
	}
	return g
}

package control

import (
	"time"

	"github.com/go-logr/logr"

	"github.com/rudderpm/rudder/internal/chart"
)

// Options configure the controller (package controller's Run). The zero value runs four reconciles at once per kind,
// watches every namespace and every object, elects no leader, serves no
// metrics and no probes, and keeps charts in a temporary folder.
type Options struct {
	// Concurrent is how many HelmReleases (and HelmRepositories,
	// OCIRepositories) are reconciled at once; 0 means 4.
	Concurrent int
	// WatchLabelSelector limits the controller to the objects it selects (a
	// shard: sharding.fluxcd.io/key=shard1); "" means all.
	WatchLabelSelector string
	// Namespace limits the controller to one namespace; "" means all.
	Namespace string
	// LeaderElection makes the controller wait until it holds the Lease
	// LeaderElectionID in LeaderElectionNamespace before reconciling.
	LeaderElection          bool
	LeaderElectionID        string
	LeaderElectionNamespace string
	// LeaseDuration, RenewDeadline and RetryPeriod time the leader election;
	// 0 means Flux's 35 s, 30 s and 5 s, with which a leader rides out an API
	// server that is away for up to half a minute instead of exiting.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// MetricsAddress serves Prometheus metrics (host:port); "" or "0" serves
	// none.
	MetricsAddress string
	// Profiling serves Go's runtime profiles under /debug/pprof/ beside the
	// metrics (only when MetricsAddress serves them).
	Profiling bool
	// HealthAddress serves /healthz and /readyz; "" serves none.
	HealthAddress string
	// ContentCache is where chart archives are kept; "" means a temporary
	// folder, removed when Run returns.
	ContentCache string
	// ChartLimits bound what loading a chart may take.
	ChartLimits chart.Limits
	// DependencyRequeue is how soon a HelmRelease whose dependencies are not
	// ready is looked at again; 0 means 5 seconds.
	DependencyRequeue time.Duration
	// Holder names the controller in release locks; "" means the process
	// (storage.ProcessHolder("rudder-controller")).
	Holder string
	// Access says how releases reach their clusters: service accounts to
	// impersonate, what a spec.kubeConfig may do.
	Access AccessOptions
	// Logger receives the controller's structured logs; the zero Logger drops
	// them.
	Logger logr.Logger
}

// DefaultLeaderElectionID is the Lease the controller's replicas compete for.
const DefaultLeaderElectionID = "rudder-controller-leader-election"

// AccessOptions say how the controller reaches the clusters its releases live
// in. The zero value acts as the controller itself, refuses kubeconfigs that
// run credential plugins or skip TLS verification.
type AccessOptions struct {
	// DefaultServiceAccount is impersonated for HelmReleases that name no
	// spec.serviceAccountName (Flux's --default-service-account); "" acts as
	// the controller.
	DefaultServiceAccount string
	// InsecureKubeConfigExec lets a spec.kubeConfig run its user's exec
	// credential plugin (Flux's --insecure-kubeconfig-exec).
	InsecureKubeConfigExec bool
	// InsecureKubeConfigTLS lets a spec.kubeConfig turn off verification of
	// the server's certificate (Flux's --insecure-kubeconfig-tls).
	InsecureKubeConfigTLS bool
}

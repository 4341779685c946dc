package controller

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/storage"
)

// Run runs the controller until ctx is done.
func Run(ctx context.Context, cfg *rest.Config, o Options) error {
	sel := labels.Everything()
	if o.WatchLabelSelector != "" {
		var err error
		if sel, err = labels.Parse(o.WatchLabelSelector); err != nil {
			return fmt.Errorf("watch label selector %q: %w", o.WatchLabelSelector, err)
		}
	}
	if o.LeaderElection && o.LeaderElectionNamespace == "" {
		return fmt.Errorf("leader election needs a namespace for its Lease")
	}
	// controller-runtime and client-go log through process-wide loggers.
	ctrllog.SetLogger(o.Logger)
	klog.SetLogger(o.Logger)

	if o.ContentCache == "" {
		dir, err := os.MkdirTemp("", "rudder-controller-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.ContentCache = dir
	}
	metricsAddr := o.MetricsAddress
	if metricsAddr == "" {
		metricsAddr = "0"
	}
	cacheOpts := cache.Options{ByObject: map[client.Object]cache.ByObject{newObject(HelmReleaseGVK): {Label: sel}}}
	if o.Namespace != "" {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{o.Namespace: {}}
	}
	mgr, err := ctrl.NewManager(unthrottled(cfg), manager.Options{
		Logger:                        o.Logger,
		Cache:                         cacheOpts,
		Client:                        client.Options{Cache: &client.CacheOptions{Unstructured: true}},
		Metrics:                       metricsserver.Options{BindAddress: metricsAddr, ExtraHandlers: profileHandlers(o.Profiling)},
		HealthProbeBindAddress:        o.HealthAddress,
		LeaderElection:                o.LeaderElection,
		LeaderElectionID:              cmp.Or(o.LeaderElectionID, DefaultLeaderElectionID),
		LeaderElectionNamespace:       o.LeaderElectionNamespace,
		LeaderElectionResourceLock:    "leases",
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 ptrTo(cmp.Or(o.LeaseDuration, 35*time.Second)),
		RenewDeadline:                 ptrTo(cmp.Or(o.RenewDeadline, 30*time.Second)),
		RetryPeriod:                   ptrTo(cmp.Or(o.RetryPeriod, 5*time.Second)),
	})
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	if o.HealthAddress != "" {
		if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
			return err
		}
		if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
			return err
		}
	}
	kc, err := kube.New(cfg, kube.Options{})
	if err != nil {
		return err
	}
	src := &sources{client: mgr.GetClient(), reader: mgr.GetAPIReader(), cache: o.ContentCache, limits: o.ChartLimits, charts: map[string]*chart.Chart{}}
	concurrent := cmp.Or(o.Concurrent, 4)
	recorder := mgr.GetEventRecorderFor("rudder-controller") //nolint:staticcheck // core/v1 events, as Flux emits them

	repos := &repositoryReconciler{client: mgr.GetClient(), sources: src, recorder: recorder}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("helmrepository").
		For(newObject(HelmRepositoryGVK), builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}),
			selected(sel))).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrent}).
		Complete(repos)
	if err != nil {
		return fmt.Errorf("helmrepository controller: %w", err)
	}

	ocirepos := &ociRepositoryReconciler{client: mgr.GetClient(), sources: src, recorder: recorder}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("ocirepository").
		For(newObject(OCIRepositoryGVK), builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}),
			selected(sel))).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrent}).
		Complete(ocirepos)
	if err != nil {
		return fmt.Errorf("ocirepository controller: %w", err)
	}

	acc := &access{config: cfg, local: kc, reader: mgr.GetAPIReader(), opts: o.Access}
	rels := &releaseReconciler{client: mgr.GetClient(), reader: mgr.GetAPIReader(), access: acc, sources: src, recorder: recorder,
		ready:             newReadyGauge(),
		holder:            cmp.Or(o.Holder, storage.ProcessHolder("rudder-controller")),
		dependencyRequeue: cmp.Or(o.DependencyRequeue, 5*time.Second)}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("helmrelease").
		For(newObject(HelmReleaseGVK), builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(newObject(HelmRepositoryGVK), handler.EnqueueRequestsFromMapFunc(releasesOfRepository(mgr.GetClient())),
			builder.WithPredicates(predicate.Or(artifactChanged(), repositoryRecovered()))).
		Watches(newObject(OCIRepositoryGVK), handler.EnqueueRequestsFromMapFunc(releasesOfOCIRepository(mgr.GetClient())),
			builder.WithPredicates(predicate.Or(artifactChanged(), repositoryRecovered()))).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrent}).
		Complete(rels)
	if err != nil {
		return fmt.Errorf("helmrelease controller: %w", err)
	}
	return mgr.Start(ctx)
}

// selected filters events to the objects a label selector selects.
func selected(sel labels.Selector) predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool { return sel.Matches(labels.Set(o.GetLabels())) })
}

// artifactChanged passes the updates of a source that change its artifact's
// revision: a new index, a new digest.
func artifactChanged() predicate.Predicate {
	revision := func(o client.Object) string {
		u, ok := o.(interface{ UnstructuredContent() map[string]any })
		if !ok {
			return ""
		}
		st, _ := u.UnstructuredContent()["status"].(map[string]any)
		a, _ := st["artifact"].(map[string]any)
		r, _ := a["revision"].(string)
		return r
	}
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return revision(e.ObjectOld) != revision(e.ObjectNew) && revision(e.ObjectNew) != ""
		},
	}
}

// profileHandlers are the /debug/pprof/ endpoints, when on.
func profileHandlers(on bool) map[string]http.Handler {
	if !on {
		return nil
	}
	return map[string]http.Handler{
		"/debug/pprof/":        http.HandlerFunc(pprof.Index),
		"/debug/pprof/cmdline": http.HandlerFunc(pprof.Cmdline),
		"/debug/pprof/profile": http.HandlerFunc(pprof.Profile),
		"/debug/pprof/symbol":  http.HandlerFunc(pprof.Symbol),
		"/debug/pprof/trace":   http.HandlerFunc(pprof.Trace),
	}
}

// unthrottled is cfg without client-go's default client-side limit (5 requests
// a second, bursts of 10, per kind), which left a controller of hundreds of
// HelmReleases waiting on itself: as with the CLI (kube.New), a config that
// sets no QPS relies on the server's priority and fairness instead. A QPS or
// rate limiter the caller set is kept.
func unthrottled(cfg *rest.Config) *rest.Config {
	if cfg.QPS != 0 || cfg.RateLimiter != nil {
		return cfg
	}
	c := rest.CopyConfig(cfg)
	c.QPS = -1
	return c
}

func ptrTo[T any](v T) *T { return &v }

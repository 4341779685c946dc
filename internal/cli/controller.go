package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/rudderpm/rudder/internal/controller/control"
)

const controllerLong = `Run Rudder as a controller in (or against) a cluster: it reconciles Flux's
helm.toolkit.fluxcd.io/v2 HelmRelease objects, with charts from
source.toolkit.fluxcd.io/v1 HelmRepository (HTTP or type: oci) and OCIRepository
objects, through the same install, upgrade and uninstall as the commands, so its
releases are ordinary releases that 'rudder list', 'status' and 'history' show.

    $ rudder controller install-crds
    $ rudder controller run --concurrent 10
`

// ControllerFunc runs the controller until ctx is done: package controller's
// Run, which only the rudder-controller program links (MainWithController).
type ControllerFunc func(ctx context.Context, cfg *rest.Config, o control.Options) error

func (a *app) newControllerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "controller run|install-crds",
		Short: "reconcile HelmRelease objects, as Flux's helm-controller does",
		Long:  controllerLong,
		Args:  noArgs,
	}
	cmd.AddCommand(a.newControllerRunCmd(), a.newControllerInstallCRDsCmd())
	return cmd
}

func (a *app) newControllerRunCmd() *cobra.Command {
	var o control.Options
	leaderElection := true
	cmd := &cobra.Command{
		Use:   "run",
		Short: "run the controller until interrupted",
		Long: `Run the controller until interrupted. Out of a cluster it uses the kubeconfig, as
the other commands do; in a pod, the pod's service account.

The rudder program does not contain the controller: it hands this command,
with its arguments and environment, over to the rudder-controller program
installed beside it or on PATH.

With leader election (the default) only the replica holding the Lease
--leader-election-id in --leader-election-namespace (the namespace of the
kubeconfig context or --namespace) reconciles. --watch-label-selector makes the
controller a shard: it reconciles only the HelmReleases and HelmRepositories
with matching labels (Flux's sharding.fluxcd.io/key=NAME).

A HelmRelease's actions run as its spec.serviceAccountName (or
--default-service-account), impersonated in its namespace, and in the cluster of
its spec.kubeConfig.secretRef when it names one, as with Flux.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.runController == nil {
				return a.handOverToController()
			}
			cfg, err := a.restConfig()
			if err != nil {
				return err
			}
			if o.ChartLimits, err = a.settings.chartLimits(); err != nil {
				return err
			}
			o.LeaderElection = leaderElection
			if o.LeaderElectionNamespace == "" {
				o.LeaderElectionNamespace = a.settings.Namespace()
			}
			o.ContentCache = a.settings.ContentCache
			o.Logger = logr.FromSlogHandler(a.log.Handler())
			return a.runController(cmd.Context(), cfg, o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Concurrent, "concurrent", 4, "the number of HelmReleases reconciled at once")
	f.StringVar(&o.WatchLabelSelector, "watch-label-selector", "", "reconcile only the objects with these labels (a shard)")
	f.StringVar(&o.Namespace, "watch-namespace", "", "reconcile only the objects of this namespace (default: all)")
	f.BoolVar(&leaderElection, "enable-leader-election", true, "reconcile only while holding the leader election Lease")
	f.StringVar(&o.LeaderElectionID, "leader-election-id", control.DefaultLeaderElectionID, "the name of the leader election Lease")
	f.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "the namespace of the leader election Lease (default: the current namespace)")
	f.DurationVar(&o.LeaseDuration, "leader-election-lease-duration", 35*time.Second, "how long other replicas wait before taking over the leader election Lease")
	f.DurationVar(&o.RenewDeadline, "leader-election-renew-deadline", 30*time.Second, "how long the leader tries to renew its Lease before giving up (and exiting)")
	f.DurationVar(&o.RetryPeriod, "leader-election-retry-period", 5*time.Second, "how long to wait between tries to take or renew the Lease")
	f.StringVar(&o.MetricsAddress, "metrics-addr", ":8080", "the address Prometheus metrics are served on (0 serves none)")
	f.BoolVar(&o.Profiling, "enable-pprof", false, "serve Go's profiles under /debug/pprof/ on the metrics address")
	f.StringVar(&o.HealthAddress, "health-addr", ":9440", "the address /healthz and /readyz are served on (empty serves none)")
	f.DurationVar(&o.DependencyRequeue, "requeue-dependency", 5*time.Second, "how soon a HelmRelease whose dependencies are not ready is looked at again")
	f.StringVar(&o.Access.DefaultServiceAccount, "default-service-account", "", "the service account (of each HelmRelease's namespace) impersonated when spec.serviceAccountName is empty")
	f.BoolVar(&o.Access.InsecureKubeConfigExec, "insecure-kubeconfig-exec", false, "let a spec.kubeConfig run its user's exec credential plugin")
	f.BoolVar(&o.Access.InsecureKubeConfigTLS, "insecure-kubeconfig-tls", false, "let a spec.kubeConfig turn off TLS verification")
	return cmd
}

func (a *app) newControllerInstallCRDsCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "install-crds",
		Short: "install the HelmRelease, HelmRepository and OCIRepository CRDs",
		Long: `Install the CustomResourceDefinitions the controller serves, with server-side
apply, and wait until the API server serves them. CRDs of the same names that
Rudder did not install (Flux's) are left as they are: the controller works with them.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.restConfig()
			if err != nil {
				return err
			}
			dc, err := dynamic.NewForConfig(cfg)
			if err != nil {
				return err
			}
			res, err := control.InstallCRDs(cmd.Context(), dc, control.InstallCRDsOptions{Timeout: timeout})
			if err != nil {
				return err
			}
			for _, r := range res {
				what := "serverside-applied"
				if r.Kept {
					what = "kept (installed by another tool)"
				}
				fmt.Fprintf(a.streams.Out, "customresourcedefinition.apiextensions.k8s.io/%s %s\n", r.Name, what)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long to wait for the CRDs to be served")
	return cmd
}

func (a *app) newReconcileCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reconcile helmrelease NAME",
		Short: "ask the controller to reconcile an object now and show the result",
		Args:  noArgs,
	}
	var timeout time.Duration
	hr := &cobra.Command{
		Use:     "helmrelease NAME",
		Aliases: []string{"hr"},
		Short:   "reconcile a HelmRelease now and wait for the result",
		Long: `Annotate a HelmRelease so that the controller reconciles it at once (as
'flux reconcile helmrelease' does), wait until the controller has handled it, and
show its Ready condition. It fails when the HelmRelease is not Ready.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.restConfig()
			if err != nil {
				return err
			}
			dc, err := dynamic.NewForConfig(cfg)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			ns := a.settings.Namespace()
			res, err := control.RequestReconcile(ctx, dc, ns, args[0], time.Now())
			if err != nil {
				return err
			}
			if !res.Ready {
				return fmt.Errorf("HelmRelease/%s/%s is not Ready (%s): %s", ns, args[0], res.Reason, res.Message)
			}
			fmt.Fprintf(a.streams.Out, "HelmRelease/%s/%s is Ready (%s): %s\n", ns, args[0], res.Reason, res.Message)
			return nil
		},
	}
	hr.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the controller")
	cmd.AddCommand(hr)
	return cmd
}

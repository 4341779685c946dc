package cli

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/storage"
)

// addDryRunFlag adds --dry-run as Helm's release commands have it: none, client or
// server; a bare --dry-run means client.
func addDryRunFlag(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("dry-run", "none", `simulates the operation without persisting changes. Must be one of: "none" (default), "client", or "server". '--dry-run=none' executes the operation normally and persists changes (no simulation). '--dry-run=client' simulates the operation client-side only and avoids cluster connections. '--dry-run=server' simulates the operation on the server, requiring cluster connectivity.`)
	f.Lookup("dry-run").NoOptDefVal = "unset"
}

// dryRunFlag reads --dry-run, accepting the legacy forms (bare, or a boolean) with
// Helm's deprecation warning on stderr.
func (a *app) dryRunFlag(cmd *cobra.Command) (action.DryRun, error) {
	v := cmd.Flag("dry-run").Value.String()
	warn := func(msg string) { a.log.Warn(msg) }
	switch v {
	case "unset":
		warn("--dry-run is deprecated and should be replaced with '--dry-run=client'")
		return action.DryRunClient, nil
	case "client":
		return action.DryRunClient, nil
	case "server":
		return action.DryRunServer, nil
	case "none", "":
		return action.DryRunNone, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return action.DryRunNone, fmt.Errorf(`invalid dry-run value (%q). Must be "none", "server", or "client"`, v)
	}
	dry := action.DryRunNone
	if b {
		dry = action.DryRunClient
	}
	warn(fmt.Sprintf("boolean '--dry-run=%s' flag is deprecated and must be replaced with '--dry-run=%s'", v, dry))
	return dry, nil
}

// warner returns a function printing warnings the user should see on stderr.
func (a *app) warner() func(string) {
	return func(msg string) { fmt.Fprintf(a.streams.Err, "WARNING: %s\n", msg) }
}

// The adapters the CLI wires into action.Cluster.
var (
	_ action.Server       = (*kube.Client)(nil)
	_ action.Objects      = (*kube.Client)(nil)
	_ action.Waiter       = (*kube.Client)(nil)
	_ action.LogReader    = (*kube.Client)(nil)
	_ action.ReleaseStore = (*storage.Storage)(nil)
	_ action.Locker       = (*storage.LeaseLocker)(nil)
	_ action.Locker       = (*storage.MemoryLocker)(nil)
	_ action.Locker       = storage.TrackedLocker{}
)

// clusterFor is actionCluster for the current namespace, or, when offline (a
// client dry run of an install), an empty cluster that needs no configuration.
func (a *app) clusterFor(offline bool) (*action.Cluster, error) {
	if offline {
		return &action.Cluster{}, nil
	}
	return a.actionCluster(a.settings.Namespace())
}

// actionCluster builds the release operations' view of the cluster for a namespace.
func (a *app) actionCluster(namespace string) (*action.Cluster, error) {
	kc, err := a.kubeClient()
	if err != nil {
		return nil, err
	}
	store, err := a.releases(namespace)
	if err != nil {
		return nil, err
	}
	c := &action.Cluster{Server: kc, Objects: kc, Waits: kc, Logs: kc, Releases: store, WaitEvents: a.waitProgress()}
	// Hook logs asked for by helm.sh/hook-output-log-policy go to stderr, as
	// Helm's do.
	c.HookOutput = func(kube.Container) io.Writer { return a.streams.Err }
	holder := storage.ProcessHolder(a.settings.getenv("USER"))
	var locks storage.Locker = &storage.LeaseLocker{Leases: kc.CoordinationV1(), Namespace: namespace, Holder: holder}
	if a.settings.getenv("HELM_DRIVER") == "memory" {
		a.memoryLocks.Holder = holder
		locks = &a.memoryLocks
	}
	// While a release lock is held, a signal lets the operation mark its revision
	// failed and free the lock before the process exits.
	c.Locks = storage.TrackedLocker{Locker: locks, Track: a.cleanup.hold}
	return c, nil
}

package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const uninstallLong = `Uninstall releases: delete the objects of each release and its history.

Objects annotated helm.sh/resource-policy: keep, and objects the release does not own,
are left in place. --keep-history keeps the records, so the release can be rolled back
or reinstalled with the same name later.
`

func (a *app) newUninstallCmd() *cobra.Command {
	var (
		o    action.UninstallOptions
		wait string
	)
	cmd := &cobra.Command{
		Use:        "uninstall RELEASE_NAME [...]",
		Aliases:    []string{"del", "delete", "un"},
		SuggestFor: []string{"remove", "rm"},
		Short:      "uninstall a release",
		Long:       uninstallLong,
		Args:       minimumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.Cascade {
			case "background", "orphan", "foreground":
			default:
				return fmt.Errorf("invalid cascade value (%s). Must be \"background\", \"foreground\", or \"orphan\"", o.Cascade)
			}
			o.Wait = action.WaitStrategy(wait)
			c, err := a.actionCluster(a.settings.Namespace())
			if err != nil {
				return err
			}
			for _, name := range args {
				u := &action.Uninstall{Cluster: c, UninstallOptions: o, Warn: a.warner()}
				res, err := u.Run(cmd.Context(), name)
				if err != nil {
					return err
				}
				// A release missing under --ignore-not-found is reported as
				// uninstalled too, as Helm does.
				if res != nil && res.Info != "" {
					fmt.Fprintln(a.streams.Out, res.Info)
				}
				fmt.Fprintf(a.streams.Out, "release \"%s\" uninstalled\n", name)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.DryRun, "dry-run", false, "simulate a uninstall")
	f.BoolVar(&o.NoHooks, "no-hooks", false, "prevent hooks from running during uninstallation")
	f.BoolVar(&o.IgnoreNotFound, "ignore-not-found", false, `Treat "release not found" as a successful uninstall`)
	f.BoolVar(&o.KeepHistory, "keep-history", false, "remove all associated resources and mark the release as deleted, but retain the release history")
	f.StringVar(&o.Cascade, "cascade", "background", "Must be \"background\", \"orphan\", or \"foreground\". Selects the deletion cascading strategy for the dependents. Defaults to background. Use \"foreground\" with --wait to ensure resources with finalizers are fully deleted before returning.")
	f.DurationVar(&o.Timeout, "timeout", 300*time.Second, "time to wait for any individual Kubernetes operation (like Jobs for hooks)")
	f.StringVar(&o.Description, "description", "", "add a custom description")
	f.BoolVar(&o.DeleteCRDs, "delete-crds", false, "also delete the CRDs of the chart's crds/ directory, and with them every object of their kinds (Helm never deletes them)")
	f.Var(newWaitValue(&wait), "wait", "wait until resources are deleted (up to --timeout). Use '--wait' alone for 'watcher' strategy, or specify one of: 'watcher', 'hookOnly', 'legacy', 'ordered'. Default when flag is omitted: 'hookOnly'.")
	f.Lookup("wait").NoOptDefVal = "watcher"
	a.addProgressFlag(f)
	return cmd
}

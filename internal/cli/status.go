package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const statusLong = `Show the state of a release: when it was last deployed, its namespace, its
status (unknown, deployed, uninstalled, superseded, failed, uninstalling,
pending-install, pending-upgrade or pending-rollback), its revision and what
happened to it, the live objects it is made of (as kubectl get shows them, with
the pods of its workloads), the last run of its tests and the chart's notes.

--revision shows an older revision, with the objects as they are now. With
-o json or -o yaml the release record is printed with the live objects in full
under info.resources.`

func (a *app) newStatusCmd() *cobra.Command {
	var (
		st             action.Status
		format         outputFormat
		legacyDesc     bool
		legacyResource bool
		drift          driftFlags
	)
	cmd := &cobra.Command{
		Use:   "status RELEASE_NAME",
		Short: "display the status of the named release",
		Long:  statusLong,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			store, err := a.releases(a.settings.Namespace())
			if err != nil {
				return err
			}
			st.Releases = store
			// Tables for the table output, whole objects for JSON and YAML, as kubectl does.
			st.Tables = format == formatTable
			// With the memory driver, as in Helm, no cluster is asked for the objects.
			if a.settings.getenv("HELM_DRIVER") != "memory" {
				kc, err := a.kubeClient()
				if err != nil {
					return err
				}
				st.Resources = kc
			}
			res, err := st.Run(ctx, args[0])
			if err != nil {
				return a.readError(ctx, err)
			}
			if a.settings.Debug {
				for _, e := range res.Unread {
					fmt.Fprintf(a.streams.Err, "WARNING: %v\n", e)
				}
			}
			rel := res.Release
			rel.Chart = nil // status shows no chart, in any format
			if err := a.printRelease(a.streams.Out, rel, releasePrintOptions{Format: format}); err != nil || !drift.on {
				return err
			}
			return a.printDrift(cmd, args[0], drift)
		},
	}
	drift.add(cmd)
	f := cmd.Flags()
	f.IntVar(&st.Revision, "revision", 0, "show this revision of the release instead of the latest")
	addOutputFlag(cmd, &format)
	// Helm 3's flags: Helm 4 always shows the description and the objects.
	f.BoolVar(&legacyDesc, "show-desc", false, "")
	f.BoolVar(&legacyResource, "show-resources", false, "")
	_ = f.MarkDeprecated("show-desc", "the description is always shown")
	_ = f.MarkDeprecated("show-resources", "the resources are always shown")
	return cmd
}

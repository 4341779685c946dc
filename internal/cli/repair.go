package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const repairLong = `Put back the objects of a release that drifted: the objects of its deployed
revision are applied again (server-side, taking back the fields the release owns
from whoever changed them), so deleted objects are created again and hand edits
of the release's fields are undone. Fields that only other managers own (an HPA's
replicas) are left alone.

No new revision is recorded: the chart, values and manifest do not change, only
the cluster is brought back to what the release already records ("rudder
history" shows the same revisions before and after). "rudder diff drift RELEASE"
or "rudder status RELEASE --drift" shows what repair would put back; to record
the repair as a revision, run "rudder upgrade RELEASE CHART --reuse-values
--force-conflicts" instead.`

func (a *app) newRepairCmd() *cobra.Command {
	var o action.RepairOptions
	cmd := &cobra.Command{
		Use:   "repair RELEASE",
		Short: "re-apply the deployed revision of a release to undo drift",
		Long:  repairLong,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.actionCluster(a.settings.Namespace())
			if err != nil {
				return err
			}
			run := &action.Repair{Cluster: c, RepairOptions: o, Warn: a.warner()}
			res, err := run.Run(cmd.Context(), args[0])
			if res != nil {
				for _, w := range res.Warnings {
					fmt.Fprintf(a.streams.Err, "WARNING: %s: %s\n", w.Object, w.Message)
				}
			}
			if err != nil {
				return err
			}
			for _, k := range res.Created {
				fmt.Fprintf(a.streams.Out, "created %s\n", k)
			}
			fmt.Fprintf(a.streams.Out, "Release %q repaired: revision %d re-applied (%d objects, %d created).\n",
				args[0], res.Release.Version, len(res.Created)+len(res.Updated), len(res.Created))
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "ask the API server to check the applies without changing anything")
	return cmd
}

package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const rollbackLong = `Roll a release back to an earlier revision.

The first argument is the release name, the second the revision to go back to; without
it, or with 0, the release goes back to the revision before the current one. The
rollback is recorded as a new revision. 'rudder history RELEASE' lists the revisions.
`

func (a *app) newRollbackCmd() *cobra.Command {
	var (
		o          action.RollbackOptions
		serverSide string
		wait       string
		historyMax int
		logs       bool
	)
	cmd := &cobra.Command{
		Use:   "rollback <RELEASE> [REVISION]",
		Short: "roll back a release to a previous revision",
		Long:  rollbackLong,
		Args: func(cmd *cobra.Command, args []string) error {
			// Helm's words for a missing release; more than two is refused too.
			if err := minimumArgs(1)(cmd, args); err != nil {
				return err
			}
			return maximumArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				v, err := strconv.Atoi(args[1])
				if err != nil {
					return fmt.Errorf("could not convert revision to a number: %v", err)
				}
				o.Version = v
			}
			dry, err := a.dryRunFlag(cmd)
			if err != nil {
				return err
			}
			o.DryRun = dry
			o.ServerSide = action.ServerSideMode(serverSide)
			o.Wait = action.WaitStrategy(wait)
			o.HistoryLimit = historyLimit(historyMax)
			if err := checkLogsFlag(logs, wait, false); err != nil {
				return err
			}
			c, err := a.actionCluster(a.settings.Namespace())
			if err != nil {
				return err
			}
			c.WaitLogs = logs
			rb := &action.Rollback{Cluster: c, RollbackOptions: o, Warn: a.warner()}
			if _, err := rb.Run(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintln(a.streams.Out, "Rollback was a success! Happy Helming!")
			return nil
		},
	}
	f := cmd.Flags()
	addDryRunFlag(cmd)
	f.BoolVar(&o.ForceReplace, "force-replace", false, "force resource updates by replacement")
	f.BoolVar(&o.ForceReplace, "force", false, "deprecated")
	_ = f.MarkDeprecated("force", "use --force-replace instead")
	f.BoolVar(&o.ForceConflicts, "force-conflicts", false, "if set server-side apply will force changes against conflicts")
	f.StringVar(&serverSide, "server-side", "auto", "must be \"true\", \"false\" or \"auto\". Object updates run in the server instead of the client (\"auto\" uses the method of the revision rolled back to)")
	f.BoolVar(&o.NoHooks, "no-hooks", false, "prevent hooks from running during rollback")
	f.DurationVar(&o.Timeout, "timeout", 300*time.Second, "time to wait for any individual Kubernetes operation (like Jobs for hooks)")
	f.BoolVar(&o.WaitForJobs, "wait-for-jobs", false, "if set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful. It will wait for as long as --timeout")
	f.BoolVar(&o.CleanupOnFail, "cleanup-on-fail", false, "allow deletion of new resources created in this rollback when rollback fails")
	f.IntVar(&historyMax, "history-max", a.settings.MaxHistory, "limit the maximum number of revisions saved per release. Use 0 for no limit")
	f.StringVar(&o.Description, "description", "", "add a custom description")
	f.Var(newWaitValue(&wait), "wait", "wait until resources are ready (up to --timeout). Use '--wait' alone for 'watcher' strategy, or specify one of: 'watcher', 'hookOnly', 'legacy', 'ordered'. Default when flag is omitted: 'hookOnly'.")
	f.Lookup("wait").NoOptDefVal = "watcher"
	addLogsFlag(f, &logs)
	addCRDFlags(f, &o.CRDs, &o.ForceCRDUpgrade)
	a.addProgressFlag(f)
	cmd.MarkFlagsMutuallyExclusive("force-replace", "force-conflicts")
	return cmd
}

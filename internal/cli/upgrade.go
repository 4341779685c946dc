package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const upgradeLong = `Upgrade a release to a new version of a chart, or to new values.

Values are given as for install. Without any, the release keeps the values of its
current revision; --reuse-values merges the given values over the previous ones, and
--reset-values starts again from the chart's defaults.

By default (--server-side=auto) objects are applied the way the previous revision
was: server-side apply for releases installed by Helm 4 or Rudder, Helm 3's three-way
merge for older ones. Objects removed from the chart are deleted.
`

func (a *app) newUpgradeCmd() *cobra.Command {
	var (
		o                                   installFlags
		out                                 outputFormat
		install                             bool
		serverSide                          string
		reuse, reset, resetThenReuse, clean bool
		plan                                planFlags
		confirm                             confirmFlags
	)
	cmd := &cobra.Command{
		Use:   "upgrade [RELEASE] [CHART]",
		Short: "upgrade a release",
		Long:  upgradeLong,
		Args: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("plan") {
				return rangeArgs(1, 2)(cmd, args)
			}
			return exactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dry, err := a.dryRunFlag(cmd)
			if err != nil {
				return err
			}
			name := args[0]
			ref, err := plan.load(args, &o)
			if err != nil {
				return err
			}
			if out == formatTable {
				o.chartPath.pullReport = a.streams.Out // as Helm; JSON and YAML stay parseable
			}
			in, err := a.intake(cmd.Context(), ref, &o)
			if err != nil {
				return err
			}
			if err := o.checkHideSecret(dry); err != nil {
				return err
			}
			maxRender, err := a.maxRenderSize()
			if err != nil {
				return err
			}
			// A client dry run of an install needs no cluster.
			if err := checkLogsFlag(o.logs, o.wait, o.rollbackOnFailure); err != nil {
				return err
			}
			c, err := a.clusterFor(install && dry == action.DryRunClient)
			if err != nil {
				return err
			}
			c.WaitLogs = o.logs
			if plan.plan != nil {
				if in.Values, err = a.checkPlan(cmd.Context(), plan.plan, name, in, c, plan.maxAge); err != nil {
					return err
				}
				reset, reuse, resetThenReuse = true, false, false
				install = install || plan.plan.Revision == 0 // a plan made with diff upgrade --install
			}
			installing := false
			up := &action.Upgrade{Cluster: c, Warn: a.warner(), UpgradeOptions: action.UpgradeOptions{
				LifecycleOptions:     o.lifecycle(dry, action.ServerSideMode(serverSide)),
				InstallIfMissing:     install,
				Namespace:            a.settings.Namespace(),
				CreateNamespace:      o.createNamespace,
				TakeOwnership:        o.takeOwnership,
				RollbackOnFailure:    o.rollbackOnFailure,
				CleanupOnFail:        clean,
				ReuseValues:          reuse && !reset,
				ResetValues:          reset,
				ResetThenReuseValues: resetThenReuse && !reset && !reuse,
				Labels:               o.labels,
				SkipCRDs:             o.skipCRDs,
				Render:               o.render(a.warn, maxRender),
			}}
			if plan.plan != nil {
				up.ExpectManifestDigest, up.PlanRevision = plan.plan.ManifestDigest, plan.plan.Revision
			}
			up.Installing = func() {
				installing = true
				if out == formatTable {
					fmt.Fprintf(a.streams.Out, "Release %q does not exist. Installing it now.\n", name)
				}
			}
			if confirm.on && dry == action.DryRunNone {
				opts := action.DiffOptions{
					Namespace: up.Namespace, InstallIfMissing: install, NoHooks: o.noHooks, Render: up.Render,
					ReuseValues: up.ReuseValues, ResetValues: up.ResetValues, ResetThenReuseValues: up.ResetThenReuseValues,
				}
				if err := a.confirmUpgrade(cmd, name, in, opts, &o, confirm); err != nil {
					return err
				}
			}
			rel, err := up.Run(cmd.Context(), name, in.Chart, in.Values)
			if err == nil && o.showOrder && dry != action.DryRunNone {
				err = showOrder(rel, a.warn)
			}
			err = withRenderSizeHint(err)
			switch {
			case err != nil && (installing || errors.As(err, new(*action.PreflightError))):
				return err // as Helm: an install's error is not an upgrade's
			case err != nil:
				return fmt.Errorf("UPGRADE FAILED: %w", err)
			case out == formatTable && !installing:
				fmt.Fprintf(a.streams.Out, "Release %q has been upgraded. Happy Helming!\n", name)
			}
			return a.printOperationResult(rel, out, o.hideNotes)
		},
	}
	o.addFlags(cmd, a.settings)
	a.addProgressFlag(cmd.Flags())
	o.addReleaseFlags(cmd, a.settings)
	f := cmd.Flags()
	f.StringVar(&serverSide, "server-side", "auto", "must be \"true\", \"false\" or \"auto\". Object updates run in the server instead of the client (\"auto\" keeps the method of the previous revision)")
	f.BoolVarP(&install, "install", "i", false, "if a release by this name doesn't already exist, run an install")
	f.BoolVar(&reset, "reset-values", false, "when upgrading, reset the values to the ones built into the chart")
	f.BoolVar(&reuse, "reuse-values", false, "when upgrading, reuse the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' is specified, this is ignored")
	f.BoolVar(&resetThenReuse, "reset-then-reuse-values", false, "when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' or '--reuse-values' is specified, this is ignored")
	f.BoolVar(&clean, "cleanup-on-fail", false, "allow deletion of new resources created in this upgrade when upgrade fails")
	plan.add(cmd)
	confirm.add(cmd)
	addOutputFlag(cmd, &out)
	return cmd
}

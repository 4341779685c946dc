package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/warn"
)

const installLong = `Install a chart as a new release.

The chart can be a chart directory or a packaged chart (.tgz). Values come from the
chart's values.yaml, then -f files (several may be given; the last wins), then the
--set family of flags:

    $ rudder install web ./mychart -f prod.yaml --set image.tag=v2

Objects are sent to the API server by server-side apply (--server-side=false creates
them client-side, as Helm 3 did). CRDs in the chart's crds/ folder are created first,
and never updated or deleted afterwards. Objects of one kind are applied concurrently.
`

func (a *app) newInstallCmd() *cobra.Command {
	var (
		o   installFlags
		out outputFormat
	)
	cmd := &cobra.Command{
		Use:   "install [NAME] [CHART]",
		Short: "install a chart",
		Long:  installLong,
		Args:  minimumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dry, err := a.dryRunFlag(cmd)
			if err != nil {
				return err
			}
			name, ref, err := o.nameAndChart(args, "")
			if out == formatTable {
				o.chartPath.pullReport = a.streams.Out // as Helm; JSON and YAML stay parseable
			}
			if err != nil {
				return fmt.Errorf("INSTALLATION FAILED: %w", err)
			}
			rel, err := a.runInstall(cmd.Context(), name, ref, &o, dry)
			if ue := (*action.UnreachableError)(nil); errors.As(err, &ue) {
				a.log.Error(ue.Error())
			}
			if err != nil {
				return fmt.Errorf("INSTALLATION FAILED: %w", err)
			}
			return a.printOperationResult(rel, out, o.hideNotes)
		},
	}
	o.addFlags(cmd, a.settings)
	a.addProgressFlag(cmd.Flags())
	o.addReleaseFlags(cmd, a.settings)
	addOutputFlag(cmd, &out)
	return cmd
}

// runInstall takes the chart in and installs it as the flags say.
func (a *app) runInstall(ctx context.Context, name, ref string, o *installFlags, dry action.DryRun) (*release.Release, error) {
	o.installable = true
	in, err := a.intake(ctx, ref, o)
	if err != nil {
		return nil, err
	}
	if err := o.checkHideSecret(dry); err != nil {
		return nil, err
	}
	if err := checkLogsFlag(o.logs, o.wait, o.rollbackOnFailure); err != nil {
		return nil, err
	}
	maxRender, err := a.maxRenderSize()
	if err != nil {
		return nil, err
	}
	serverSide := action.ServerSideFalse
	if o.serverSide {
		serverSide = action.ServerSideTrue
	}
	inst := &action.Install{Warn: a.warner(), InstallOptions: action.InstallOptions{
		LifecycleOptions:  o.lifecycle(dry, serverSide),
		ReleaseName:       name,
		Namespace:         a.settings.Namespace(),
		CreateNamespace:   o.createNamespace,
		SkipCRDs:          o.skipCRDs,
		Replace:           o.replace,
		TakeOwnership:     o.takeOwnership,
		RollbackOnFailure: o.rollbackOnFailure,
		Labels:            o.labels,
		Render:            o.render(a.warn, maxRender),
	}}
	if inst.Cluster, err = a.clusterFor(dry == action.DryRunClient); err != nil {
		return nil, err
	}
	inst.Cluster.WaitLogs = o.logs
	rel, err := inst.Run(ctx, in.Chart, in.Values)
	if err == nil && o.showOrder && dry != action.DryRunNone {
		err = showOrder(rel, a.warn)
	}
	return rel, withRenderSizeHint(err)
}

// showOrder rewrites a dry run's manifest in the order --wait=ordered applies it.
func showOrder(rel *release.Release, warnings func(warn.Warning)) error {
	ordered, ws, err := action.ShowOrder(rel.Chart, rel.Manifest)
	for _, w := range ws {
		warnings(w)
	}
	if err != nil {
		return err
	}
	rel.Manifest = ordered
	return nil
}

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/release"
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
		o          installFlags
		out        outputFormat
		hideSecret bool
		historyMax int
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
			rel, err := a.runInstall(cmd, name, ref, &o, dry, hideSecret, historyMax)
			if err != nil {
				return fmt.Errorf("INSTALLATION FAILED: %w", err)
			}
			return a.printOperationResult(rel, out, o.hideNotes)
		},
	}
	o.addFlags(cmd, a.settings)
	f := cmd.Flags()
	f.BoolVar(&hideSecret, "hide-secret", false, "hide Kubernetes Secrets when also using the --dry-run flag")
	f.IntVar(&historyMax, "history-max", a.settings.MaxHistory, "limit the maximum number of revisions saved per release. Use 0 for no limit")
	addDryRunFlag(cmd)
	addOutputFlag(cmd, &out)
	return cmd
}

// runInstall loads the chart and installs it; upgrade --install shares it.
func (a *app) runInstall(cmd *cobra.Command, name, ref string, o *installFlags, dry action.DryRun, hideSecret bool, historyMax int) (*release.Release, error) {
	if o.chartPath.Version == "" && o.devel {
		o.chartPath.Version = ">0.0.0-0"
	}
	ch, err := a.loadChart(cmd.Context(), ref, &o.chartPath)
	if err != nil {
		return nil, err
	}
	vals, err := a.mergeValues(cmd.Context(), o.values)
	if err != nil {
		return nil, err
	}
	if err := checkChartDependencies(ch); err != nil {
		return nil, err
	}
	if ch.Metadata.Deprecated {
		a.log.Warn("this chart is deprecated")
	}
	if hideSecret && dry == action.DryRunNone {
		return nil, fmt.Errorf("hiding Kubernetes secrets requires a dry-run mode")
	}
	ns := a.settings.Namespace()
	serverSide := action.ServerSideFalse
	if o.serverSide {
		serverSide = action.ServerSideTrue
	}
	inst := &action.Install{Warn: a.warner(), InstallOptions: action.InstallOptions{
		LifecycleOptions:  o.lifecycle(dry, serverSide, historyMax),
		ReleaseName:       name,
		Namespace:         ns,
		CreateNamespace:   o.createNamespace,
		SkipCRDs:          o.skipCRDs,
		Replace:           o.replace,
		TakeOwnership:     o.takeOwnership,
		RollbackOnFailure: o.rollbackOnFailure,
		Labels:            o.labels,
		Render: action.RenderOptions{
			SkipSchemaValidation: o.skipSchemaValidation,
			SubNotes:             o.subNotes,
			EnableDNS:            o.enableDNS,
			PostRenderer:         o.postRenderer(),
			HideSecrets:          hideSecret,
			Warnings:             a.warn,
		},
	}}
	if dry == action.DryRunClient {
		inst.Cluster = &action.Cluster{}
		kv, _ := engine.ParseKubeVersion(engine.DefaultCapabilities().KubeVersion.Version)
		inst.KubeVersion = kv
	} else if inst.Cluster, err = a.actionCluster(ns); err != nil {
		return nil, err
	}
	rel, err := inst.Run(cmd.Context(), ch, vals)
	if err != nil {
		return nil, err
	}
	return rel, nil
}

// checkChartDependencies refuses a chart whose declared dependencies are not in charts/.
func checkChartDependencies(ch *chart.Chart) error {
	if len(ch.Metadata.Dependencies) == 0 {
		return nil
	}
	if err := action.CheckDependencies(ch); err != nil {
		return fmt.Errorf("an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: %w", err)
	}
	return nil
}

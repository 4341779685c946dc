package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
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
		install, hideSecret                 bool
		serverSide                          string
		reuse, reset, resetThenReuse, clean bool
		historyMax                          int
	)
	cmd := &cobra.Command{
		Use:   "upgrade [RELEASE] [CHART]",
		Short: "upgrade a release",
		Long:  upgradeLong,
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dry, err := a.dryRunFlag(cmd)
			if err != nil {
				return err
			}
			name, ref := args[0], args[1]
			if out == formatTable {
				o.chartPath.pullReport = a.streams.Out // as Helm; JSON and YAML stay parseable
			}
			ns := a.settings.Namespace()
			if install {
				missing, err := a.releaseMissing(cmd, ns, name, dry)
				if err != nil {
					return err
				}
				if missing.absent || missing.uninstalled {
					if out == formatTable {
						fmt.Fprintf(a.streams.Out, "Release %q does not exist. Installing it now.\n", name)
					}
					o.serverSide = serverSide != "false"
					o.replace = missing.uninstalled
					res, err := a.runInstall(cmd, name, ref, &o, dry, hideSecret, historyMax)
					if err != nil {
						return err
					}
					return a.printOperationResult(res, out, o.hideNotes)
				}
			}
			if o.chartPath.Version == "" && o.devel {
				o.chartPath.Version = ">0.0.0-0"
			}
			ch, err := a.loadChart(cmd.Context(), ref, &o.chartPath)
			if err != nil {
				return err
			}
			vals, err := a.mergeValues(cmd.Context(), o.values)
			if err != nil {
				return err
			}
			if err := checkChartDependencies(ch); err != nil {
				return err
			}
			if ch.Metadata.Deprecated {
				a.log.Warn("this chart is deprecated")
			}
			if hideSecret && dry == action.DryRunNone {
				return errors.New("hiding Kubernetes secrets requires a dry-run mode")
			}
			c, err := a.actionCluster(ns)
			if err != nil {
				return err
			}
			up := &action.Upgrade{Cluster: c, Warn: a.warner(), UpgradeOptions: action.UpgradeOptions{
				LifecycleOptions:     o.lifecycle(dry, action.ServerSideMode(serverSide), historyMax),
				TakeOwnership:        o.takeOwnership,
				RollbackOnFailure:    o.rollbackOnFailure,
				CleanupOnFail:        clean,
				ReuseValues:          reuse && !reset,
				ResetValues:          reset,
				ResetThenReuseValues: resetThenReuse && !reset && !reuse,
				Labels:               o.labels,
				SkipCRDs:             o.skipCRDs,
				Render: action.RenderOptions{
					SkipSchemaValidation: o.skipSchemaValidation,
					SubNotes:             o.subNotes,
					EnableDNS:            o.enableDNS,
					PostRenderer:         o.postRenderer(),
					HideSecrets:          hideSecret,
					Warnings:             a.warn,
				},
			}}
			rel, err := up.Run(cmd.Context(), name, ch, vals)
			if err != nil {
				return fmt.Errorf("UPGRADE FAILED: %w", err)
			}
			if out == formatTable {
				fmt.Fprintf(a.streams.Out, "Release %q has been upgraded. Happy Helming!\n", name)
			}
			return a.printOperationResult(rel, out, o.hideNotes)
		},
	}
	o.addFlags(cmd, a.settings)
	f := cmd.Flags()
	f.StringVar(&serverSide, "server-side", "auto", "must be \"true\", \"false\" or \"auto\". Object updates run in the server instead of the client (\"auto\" keeps the method of the previous revision)")
	f.BoolVarP(&install, "install", "i", false, "if a release by this name doesn't already exist, run an install")
	f.BoolVar(&hideSecret, "hide-secret", false, "hide Kubernetes Secrets when also using the --dry-run flag")
	f.BoolVar(&reset, "reset-values", false, "when upgrading, reset the values to the ones built into the chart")
	f.BoolVar(&reuse, "reuse-values", false, "when upgrading, reuse the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' is specified, this is ignored")
	f.BoolVar(&resetThenReuse, "reset-then-reuse-values", false, "when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' or '--reuse-values' is specified, this is ignored")
	f.BoolVar(&clean, "cleanup-on-fail", false, "allow deletion of new resources created in this upgrade when upgrade fails")
	f.IntVar(&historyMax, "history-max", a.settings.MaxHistory, "limit the maximum number of revisions saved per release. Use 0 for no limit")
	addDryRunFlag(cmd)
	addOutputFlag(cmd, &out)
	return cmd
}

// releaseState says whether a release exists, for upgrade --install.
type releaseState struct{ absent, uninstalled bool }

func (a *app) releaseMissing(cmd *cobra.Command, ns, name string, dry action.DryRun) (releaseState, error) {
	if dry == action.DryRunClient {
		return releaseState{absent: true}, nil
	}
	store, err := a.releases(ns)
	if err != nil {
		return releaseState{}, err
	}
	last, err := store.Last(cmd.Context(), name)
	if errors.Is(err, storage.ErrReleaseNotFound) {
		return releaseState{absent: true}, nil
	}
	if err != nil {
		return releaseState{}, err
	}
	return releaseState{uninstalled: last.Info.Status == release.StatusUninstalled}, nil
}

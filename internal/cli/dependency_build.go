package cli

import (
	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const dependencyBuildLong = `Rebuild charts/ from Chart.lock.

The dependencies are downloaded at the exact versions Chart.lock records,
without resolving their ranges again as 'dependency update' does; a Chart.lock
that no longer matches the dependencies of Chart.yaml is refused. Without a
Chart.lock this is 'dependency update'.

With --verify, the downloaded charts that have a provenance file must pass
verification against --keyring.
`

func (a *app) newDependencyBuildCmd() *cobra.Command {
	var o dependencyOptions
	cmd := &cobra.Command{
		Use:   "build CHART",
		Short: "rebuild the charts/ directory based on the Chart.lock file",
		Long:  dependencyBuildLong,
		Args:  maximumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			deps, err := a.dependencies(&o, action.VerifyIfPossible)
			if err != nil {
				return err
			}
			return deps.Build(cmd.Context(), dependencyChartPath(args))
		},
	}
	o.addFlags(cmd.Flags(), a.settings)
	return cmd
}

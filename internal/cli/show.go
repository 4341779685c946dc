package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
)

func (a *app) newShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show",
		Short:   "show information of a chart",
		Aliases: []string{"inspect"},
		Long:    "This command consists of multiple subcommands to display information about a chart.",
		Args:    noArgs,
	}
	parts := []struct {
		format      action.ShowFormat
		short, long string
	}{
		{action.ShowAll, "show all information of the chart", "Shows the chart's definition, values, README and CRDs."},
		{action.ShowReadme, "show the chart's README", "Shows the chart's README file."},
		{action.ShowValues, "show the chart's values", "Shows the chart's values.yaml file."},
		{action.ShowChart, "show the chart's definition", "Shows the chart's Chart.yaml file."},
		{action.ShowCRDs, "show the chart's CRDs", "Shows the chart's custom resource definitions."},
	}
	for _, p := range parts {
		var (
			show = action.Show{Format: p.format}
			path chartPathOptions
		)
		sub := &cobra.Command{
			Use:   string(p.format) + " [CHART]",
			Short: p.short,
			Long:  p.long,
			Args:  exactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				path.mapCRDs = true
				ch, err := a.loadChart(cmd.Context(), args[0], &path)
				if errors.Is(err, chart.ErrNoChartYAML) {
					// Helm's show reads a folder without looking for Chart.yaml first.
					return chart.ErrNoChartYAML
				}
				if err != nil {
					return err
				}
				out, err := show.Run(ch)
				if err != nil {
					return err
				}
				fmt.Fprint(a.streams.Out, out)
				return nil
			},
		}
		f := sub.Flags()
		f.BoolVar(&path.Devel, "devel", false, "use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored")
		if p.format == action.ShowValues {
			f.StringVar(&show.JSONPath, "jsonpath", "", "supply a JSONPath expression to filter the output")
		}
		path.addFlags(f, a.settings)
		cmd.AddCommand(sub)
	}
	return cmd
}

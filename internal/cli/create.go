package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const createLong = `Create a new chart: a folder with Chart.yaml, values.yaml, a .helmignore, an empty
charts/ folder and templates for a Deployment behind a Service, with an optional
Ingress, HTTPRoute and HorizontalPodAutoscaler, plus notes and a connection test.

NAME is a path; its last element is the chart's name. 'rudder create charts/web'
writes the chart "web" into charts/web, which must be inside an existing folder.
When the chart's folder already exists, the scaffold's files in it are overwritten
and every other file is left alone.

With --starter, the chart is copied from a starter chart instead: a name from
$HELM_DATA_HOME/starters, or an absolute path to a chart folder or archive. Every
<CHARTNAME> in the starter's templates and values.yaml becomes the new chart's name.
`

func (a *app) newCreateCmd() *cobra.Command {
	var (
		create     action.Create
		starter    string
		apiVersion string
	)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "create a new chart with the given name",
		Long:  createLong,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(a.streams.Out, "Creating %s\n", args[0])
			switch apiVersion {
			case "", "v2":
			case "v3":
				if !chartV3Enabled(a.settings.getenv) {
					return errChartV3Gate
				}
				create.APIVersion = apiVersion
			default:
				return fmt.Errorf("unsupported chart API version: %s (supported: v2, v3)", apiVersion)
			}
			if starter != "" {
				create.Starter = starter
				if !filepath.IsAbs(starter) {
					create.Starter = a.settings.dataPath("starters", starter)
				}
			}
			create.Warnings = a.warn
			res, err := create.Run(cmd.Context(), args[0])
			if res != nil {
				for _, f := range res.Overwritten {
					fmt.Fprintf(a.streams.Out, "WARNING: File %q already exists. Overwriting.\n", f)
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVarP(&starter, "starter", "p", "", "the name or absolute path to Helm starter scaffold")
	f.StringVar(&apiVersion, "chart-api-version", "v2", "chart API version to use (v2 or v3)")
	if !chartV3Enabled(a.settings.getenv) {
		_ = f.MarkHidden("chart-api-version")
	}
	return cmd
}

// chartV3Gate is the variable that turns on chart API v3, experimental in Helm v4.3.1.
const chartV3Gate = "HELM_EXPERIMENTAL_CHART_V3"

var errChartV3Gate = errors.New("this feature has been marked as experimental and is not enabled by default. Please set " + chartV3Gate + "=1 in your environment to use this feature")

// chartV3Enabled tells whether the chart API v3 gate is on, as Helm reads it.
func chartV3Enabled(getenv func(string) string) bool { return getenv(chartV3Gate) != "" }

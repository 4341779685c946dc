package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/lint"
	"github.com/rudderpm/rudder/internal/values"
)

const lintLong = `Check that a chart is well-formed by running a series of tests on it.

Problems that would make the chart fail to install are reported as [ERROR]
messages; departures from convention or recommendation as [WARNING] messages.
Several charts (directories or .tgz archives) can be linted in one run.
`

func (a *app) newLintCmd() *cobra.Command {
	var (
		vo            values.Options
		strict        bool
		withSubcharts bool
		quiet         bool
		skipSchema    bool
		kubeVersion   string
	)
	cmd := &cobra.Command{
		Use:   "lint PATH",
		Short: "examine a chart for possible issues",
		Long:  lintLong,
		Args:  minimumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := lint.Options{SkipSchemaValidation: skipSchema}
			var err error
			if o.ChartLimits, err = a.settings.chartLimits(); err != nil {
				return err
			}
			if o.MaxRenderSize, err = a.maxRenderSize(); err != nil {
				return err
			}
			if kubeVersion != "" {
				kv, err := engine.ParseKubeVersion(kubeVersion)
				if err != nil {
					return fmt.Errorf("invalid kube version '%s': %w", kubeVersion, err)
				}
				o.KubeVersion = kv
			}
			paths := args
			if withSubcharts {
				for _, p := range args {
					paths = append(paths, lint.SubchartPaths(p)...)
				}
			}
			o.Namespace = a.settings.Namespace()
			vals, err := a.mergeValues(cmd.Context(), vo)
			if err != nil {
				return err
			}
			// One values map for every chart, as Helm does (see lint.Options.Values).
			o.Values = vals

			var out strings.Builder
			failed, flagged := 0, 0
			for _, p := range paths {
				msgs, warnings, err := lint.Path(cmd.Context(), p, o)
				a.warnAll(warnings)
				noisy := err != nil || lint.HasWarningsOrErrors(msgs)
				if noisy {
					flagged++
				}
				if quiet && !noisy {
					continue
				}
				fmt.Fprintf(&out, "==> Linting %s\n", p)
				if err != nil {
					fmt.Fprintf(&out, "Error %s\n", err)
				}
				for _, m := range msgs {
					if !quiet || m.Severity > lint.Info {
						fmt.Fprintf(&out, "%s\n", m.Error())
					}
				}
				if err != nil || lint.Failed(msgs, strict) {
					failed++
				}
				out.WriteString("\n")
			}
			fmt.Fprint(a.streams.Out, out.String())

			summary := fmt.Sprintf("%d chart(s) linted, %d chart(s) failed", len(paths), failed)
			if failed > 0 {
				return errors.New(summary)
			}
			if !quiet || flagged > 0 {
				fmt.Fprintln(a.streams.Out, summary)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&strict, "strict", false, "fail on lint warnings")
	f.BoolVar(&withSubcharts, "with-subcharts", false, "lint dependent charts")
	f.BoolVar(&quiet, "quiet", false, "print only warnings and errors")
	f.BoolVar(&skipSchema, "skip-schema-validation", false, "if set, disables JSON schema validation")
	f.StringVar(&kubeVersion, "kube-version", "", "Kubernetes version used for capabilities and deprecation checks")
	addValueFlags(f, &vo)
	return cmd
}

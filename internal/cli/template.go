package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/engine"
)

const templateLong = `Render chart templates locally and display the output.

Values that would be looked up in a cluster are faked: lookup returns nothing and the
capabilities are those of the client libraries unless --kube-version and
--api-versions say otherwise. No server-side validation is done.

With --dry-run=server (or the deprecated --validate) the chart is rendered against
the cluster instead: lookup and the capabilities come from it, and the API server
checks the objects in a dry run. Objects that exist already and belong to another
release are refused, unless --is-upgrade or --take-ownership. Nothing is recorded.

--api-versions can be repeated or given a comma-separated list:

    $ rudder template --api-versions networking.k8s.io/v1,cert-manager.io/v1 mychart ./mychart
`

func (a *app) newTemplateCmd() *cobra.Command {
	var (
		o           installFlags
		t           action.Template
		kubeVersion string
		apiVersions []string
		outputDir   string
		useRelName  bool
		validate    bool
	)
	cmd := &cobra.Command{
		Use:   "template [NAME] [CHART]",
		Short: "locally render templates",
		Long:  templateLong,
		Args:  minimumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dry := cmd.Flags().Lookup("dry-run").Value.String()
			switch dry {
			case "client", "unset", "none", "true", "false", "server":
			default:
				return fmt.Errorf("invalid dry-run value (%s). Must be \"none\", \"server\", or \"client\"", dry)
			}
			t.Live = nil
			if validate || dry == "server" {
				live, err := a.templateCluster(&o)
				if err != nil {
					return err
				}
				t.Live = live
			}
			caps := engine.DefaultCapabilities()
			if kubeVersion != "" {
				kv, err := engine.ParseKubeVersion(kubeVersion)
				if err != nil {
					return fmt.Errorf("invalid kube version '%s': %w", kubeVersion, err)
				}
				caps.KubeVersion = *kv
			}
			caps.APIVersions = append(caps.APIVersions, apiVersions...)

			name, ref, err := o.nameAndChart(args, "release-name")
			if err != nil {
				return err
			}
			o.chartPath.mapCRDs = true
			o.installable = true
			in, err := a.intake(cmd.Context(), ref, &o)
			if err != nil {
				return err
			}
			maxRender, err := a.maxRenderSize()
			if err != nil {
				return err
			}
			t.RenderOptions = action.RenderOptions{
				ReleaseName:          name,
				Namespace:            a.settings.Namespace(),
				IsUpgrade:            t.IsUpgrade,
				Capabilities:         caps,
				SkipSchemaValidation: o.skipSchemaValidation,
				IncludeCRDs:          t.IncludeCRDs,
				EnableDNS:            o.enableDNS,
				PostRenderer:         o.postRenderer(),
				Warnings:             a.warn,
				MaxRenderSize:        maxRender,
			}
			t.NoHooks = o.noHooks
			t.ShowOrder = o.showOrder
			t.Labels = o.labels
			// With --output-dir, Helm writes every document and --show-only then looks
			// at the (empty) standard output instead, so it can only fail.
			showOnly := t.ShowOnly
			if outputDir != "" {
				t.ShowOnly = nil
			}
			res, err := t.Run(cmd.Context(), in.Chart, in.Values)
			if ue := (*action.UnreachableError)(nil); errors.As(err, &ue) {
				a.log.Error(ue.Error())
			}
			if err != nil {
				err = withRenderSizeHint(err)
				if res == nil {
					return err
				}
				// The render itself failed: --debug shows what output there is.
				if a.settings.Debug {
					fmt.Fprint(a.streams.Out, res.Text)
					return err
				}
				return fmt.Errorf("%w\n\nUse --debug flag to render out invalid YAML", err)
			}
			if outputDir != "" {
				releaseDir := ""
				if useRelName {
					releaseDir = name
				}
				written, err := res.WriteFiles(outputDir, releaseDir)
				for _, name := range written {
					fmt.Fprintf(a.streams.Out, "wrote %s\n", name)
				}
				if err != nil {
					return err
				}
				if len(showOnly) > 0 {
					return fmt.Errorf("could not find template %s in chart", filepath.ToSlash(showOnly[0]))
				}
				fmt.Fprintln(a.streams.Out) // what is left of the output once written to files
				return nil
			}
			fmt.Fprint(a.streams.Out, res.Text)
			return nil
		},
	}
	f := cmd.Flags()
	o.addFlags(cmd, a.settings)
	f.StringArrayVarP(&t.ShowOnly, "show-only", "s", []string{}, "only show manifests rendered from the given templates")
	f.StringVar(&outputDir, "output-dir", "", "writes the executed templates to files in output-dir instead of stdout")
	f.BoolVar(&validate, "validate", false, "deprecated")
	_ = f.MarkDeprecated("validate", "use '--dry-run=server' instead")
	f.BoolVar(&t.IncludeCRDs, "include-crds", false, "include CRDs in the templated output")
	f.BoolVar(&t.SkipTests, "skip-tests", false, "skip tests from templated output")
	f.BoolVar(&t.IsUpgrade, "is-upgrade", false, "set .Release.IsUpgrade instead of .Release.IsInstall")
	f.StringVar(&kubeVersion, "kube-version", "", "Kubernetes version used for Capabilities.KubeVersion")
	f.StringSliceVarP(&apiVersions, "api-versions", "a", []string{}, "Kubernetes api versions used for Capabilities.APIVersions (multiple can be specified)")
	f.BoolVar(&useRelName, "release-name", false, "use release name in the output-dir path.")
	f.String("dry-run", "client", `simulates the operation either client-side or server-side. Must be either: "client", or "server".`)
	f.Lookup("dry-run").NoOptDefVal = "unset"
	for _, hidden := range []string{"hide-notes", "render-subchart-notes"} {
		_ = f.MarkDeprecated(hidden, "this flag has no effect for 'rudder template'")
		_ = f.MarkHidden(hidden)
	}
	return cmd
}

// templateCluster is the cluster a template renders against with --dry-run=server.
func (a *app) templateCluster(o *installFlags) (*action.TemplateCluster, error) {
	c, err := a.actionCluster(a.settings.Namespace())
	if err != nil {
		return nil, err
	}
	serverSide := action.ServerSideFalse
	if o.serverSide {
		serverSide = action.ServerSideTrue
	}
	return &action.TemplateCluster{
		Cluster:        c,
		ServerSide:     serverSide,
		TakeOwnership:  o.takeOwnership,
		ForceConflicts: o.forceConflicts,
		SkipCRDs:       o.skipCRDs,
	}, nil
}

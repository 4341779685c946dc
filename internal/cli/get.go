package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/template"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/release"
)

const getLong = `Show what was recorded for a revision of a release (the latest unless
--revision says which): the values it was installed or upgraded with, the
manifest sent to the cluster, the chart's notes, the hooks, or a summary of the
release and its chart.`

func (a *app) newGetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "get",
		Short: "download extended information of a named release",
		Long:  getLong,
		Args:  noArgs,
	}
	cmd.AddCommand(
		a.newGetAllCmd(),
		a.newGetValuesCmd(),
		a.newGetManifestCmd(),
		a.newGetHooksCmd(),
		a.newGetNotesCmd(),
		a.newGetMetadataCmd(),
	)
	return cmd
}

// getRelease reads the revision a get subcommand asks for.
func (a *app) getRelease(cmd *cobra.Command, name string, revision int) (*release.Release, error) {
	store, err := a.releases(a.settings.Namespace())
	if err != nil {
		return nil, err
	}
	rel, err := action.Get{Releases: store, Revision: revision}.Run(cmd.Context(), name)
	if err != nil {
		return nil, a.readError(cmd.Context(), err)
	}
	return rel, nil
}

func addRevisionFlag(cmd *cobra.Command, revision *int) {
	cmd.Flags().IntVar(revision, "revision", 0, "read this revision of the release instead of the latest")
}

func (a *app) newGetAllCmd() *cobra.Command {
	var (
		revision int
		tmpl     string
	)
	cmd := &cobra.Command{
		Use:   "all RELEASE_NAME",
		Short: "download all information for a named release",
		Long: `Show everything recorded for a revision: its status, chart, test results,
user-supplied and computed values, hooks, manifest and notes.

--template formats the revision with a Go template instead, the revision being
.Release (e.g. '{{.Release.Info.Status}}').`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rel, err := a.getRelease(cmd, args[0], revision)
			if err != nil {
				return err
			}
			if tmpl != "" {
				t, err := template.New("_").Parse(tmpl)
				if err != nil {
					return err
				}
				return t.Execute(a.streams.Out, map[string]any{"Release": rel})
			}
			return a.printRelease(a.streams.Out, rel, releasePrintOptions{ShowChart: true, Debug: true})
		},
	}
	addRevisionFlag(cmd, &revision)
	cmd.Flags().StringVar(&tmpl, "template", "", "format the output with this Go template, e.g. {{.Release.Name}}")
	return cmd
}

func (a *app) newGetValuesCmd() *cobra.Command {
	var (
		get    action.GetValues
		format outputFormat
	)
	cmd := &cobra.Command{
		Use:   "values RELEASE_NAME",
		Short: "download the values file for a named release",
		Long: `Show the values a revision was installed or upgraded with: those the user
supplied, or with --all the computed values, the chart's defaults included.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := a.releases(a.settings.Namespace())
			if err != nil {
				return err
			}
			get.Releases = store
			vals, warnings, err := get.Run(cmd.Context(), args[0])
			a.warnAll(warnings)
			if err != nil {
				return a.readError(cmd.Context(), err)
			}
			out := a.streams.Out
			switch format {
			case formatJSON:
				return writeJSON(out, vals)
			case formatYAML:
				return writeYAML(out, vals)
			}
			if get.All {
				fmt.Fprintln(out, "COMPUTED VALUES:")
			} else {
				fmt.Fprintln(out, "USER-SUPPLIED VALUES:")
			}
			return writeYAML(out, vals)
		},
	}
	addRevisionFlag(cmd, &get.Revision)
	cmd.Flags().BoolVarP(&get.All, "all", "a", false, "show the computed values, the chart's defaults included")
	addOutputFlag(cmd, &format)
	return cmd
}

func (a *app) newGetManifestCmd() *cobra.Command {
	var revision int
	cmd := &cobra.Command{
		Use:   "manifest RELEASE_NAME",
		Short: "download the manifest for a named release",
		Long: `Show the manifest of a revision: the Kubernetes objects its chart rendered,
subcharts' included, as YAML documents. Hooks are not part of it (see
'get hooks').`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rel, err := a.getRelease(cmd, args[0], revision)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(a.streams.Out, rel.Manifest)
			return err
		},
	}
	addRevisionFlag(cmd, &revision)
	return cmd
}

func (a *app) newGetNotesCmd() *cobra.Command {
	var revision int
	cmd := &cobra.Command{
		Use:   "notes RELEASE_NAME",
		Short: "download the notes for a named release",
		Long:  "Show the notes the chart of a revision rendered (its NOTES.txt), if any.",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rel, err := a.getRelease(cmd, args[0], revision)
			if err != nil {
				return err
			}
			if rel.Info != nil && rel.Info.Notes != "" {
				_, err = fmt.Fprintf(a.streams.Out, "NOTES:\n%s\n", rel.Info.Notes)
			}
			return err
		},
	}
	addRevisionFlag(cmd, &revision)
	return cmd
}

func (a *app) newGetHooksCmd() *cobra.Command {
	var revision int
	cmd := &cobra.Command{
		Use:   "hooks RELEASE_NAME",
		Short: "download all hooks for a named release",
		Long: `Show the hooks of a revision as YAML documents, each preceded by '---' and a
comment naming the template it came from.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rel, err := a.getRelease(cmd, args[0], revision)
			if err != nil {
				return err
			}
			var b strings.Builder
			for _, h := range rel.Hooks {
				fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
			}
			_, err = io.WriteString(a.streams.Out, b.String())
			return err
		},
	}
	addRevisionFlag(cmd, &revision)
	return cmd
}

func (a *app) newGetMetadataCmd() *cobra.Command {
	var (
		revision int
		format   outputFormat
	)
	cmd := &cobra.Command{
		Use:   "metadata RELEASE_NAME",
		Short: "This command fetches metadata for a given release",
		Long: `Show a summary of a revision: its chart's name, version, app version,
annotations and dependencies, the release's labels, namespace, revision, status,
time of deployment and how its objects were applied.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rel, err := a.getRelease(cmd, args[0], revision)
			if err != nil {
				return err
			}
			m := action.Metadata(rel)
			out := a.streams.Out
			switch format {
			case formatJSON:
				return writeJSON(out, m)
			case formatYAML:
				return writeYAML(out, m)
			}
			return writeMetadataTable(out, m)
		},
	}
	cmd.Flags().IntVar(&revision, "revision", 0, "read this revision of the release instead of the latest")
	addOutputFlag(cmd, &format)
	return cmd
}

// writeMetadataTable prints a revision's summary as get metadata's table.
func writeMetadataTable(w io.Writer, m *action.ReleaseMetadata) error {
	deps := make([]string, 0, len(m.Dependencies))
	for _, d := range m.Dependencies {
		deps = append(deps, d.Name)
	}
	slices.SortFunc(deps, cmp.Compare)
	var b strings.Builder
	fmt.Fprintf(&b, "NAME: %s\n", m.Name)
	fmt.Fprintf(&b, "CHART: %s\n", m.Chart)
	fmt.Fprintf(&b, "VERSION: %s\n", m.Version)
	fmt.Fprintf(&b, "APP_VERSION: %s\n", m.AppVersion)
	fmt.Fprintf(&b, "ANNOTATIONS: %s\n", labels.Set(m.Annotations).String())
	fmt.Fprintf(&b, "LABELS: %s\n", labels.Set(m.Labels).String())
	fmt.Fprintf(&b, "DEPENDENCIES: %s\n", strings.Join(deps, ","))
	fmt.Fprintf(&b, "NAMESPACE: %s\n", m.Namespace)
	fmt.Fprintf(&b, "REVISION: %d\n", m.Revision)
	fmt.Fprintf(&b, "STATUS: %s\n", m.Status)
	fmt.Fprintf(&b, "DEPLOYED_AT: %s\n", m.DeployedAt)
	fmt.Fprintf(&b, "APPLY_METHOD: %s\n", applyMethodLabel(m.ApplyMethod))
	_, err := io.WriteString(w, b.String())
	return err
}

// applyMethodLabel says in words how a revision's objects were applied.
func applyMethodLabel(m string) string {
	switch release.ApplyMethod(m) {
	case "":
		return "client-side apply (defaulted)"
	case release.ApplyMethodClientSide:
		return "client-side apply"
	case release.ApplyMethodServerSide:
		return "server-side apply"
	}
	return fmt.Sprintf("unknown (%q)", m)
}

package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"
	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/values"
	"github.com/rudderpm/rudder/internal/warn"
)

// installFlags are the flags install, upgrade and template share.
type installFlags struct {
	values    values.Options
	chartPath chartPathOptions

	createNamespace          bool
	forceReplace             bool
	forceConflicts           bool
	serverSide               bool
	noHooks                  bool
	replace                  bool
	timeout                  time.Duration
	waitForJobs              bool
	wait                     string
	generateName             bool
	nameTemplate             string
	description              string
	dependencyUpdate         bool
	disableOpenAPIValidation bool
	rollbackOnFailure        bool
	skipCRDs                 bool
	subNotes                 bool
	skipSchemaValidation     bool
	labels                   map[string]string
	enableDNS                bool
	hideNotes                bool
	takeOwnership            bool
	postRender               postRendererFlags
	hideSecret               bool // install and upgrade
	historyMax               int  // install and upgrade
	showOrder                bool
	crds                     action.CRDPolicy // install and upgrade
	forceCRDUpgrade          bool             // install and upgrade
	logs                     bool
	// installable is set by install and template, which refuse a library
	// chart before they check its dependencies.
	installable bool
}

func (o *installFlags) addFlags(cmd *cobra.Command, s *settings) {
	f := cmd.Flags()
	f.BoolVar(&o.createNamespace, "create-namespace", false, "create the release namespace if not present")
	f.BoolVar(&o.forceReplace, "force-replace", false, "force resource updates by replacement")
	f.BoolVar(&o.forceReplace, "force", false, "deprecated")
	_ = f.MarkDeprecated("force", "use --force-replace instead")
	f.BoolVar(&o.forceConflicts, "force-conflicts", false, "if set server-side apply will force changes against conflicts")
	if cmd.Name() != "upgrade" { // upgrade's --server-side also takes "auto"
		f.BoolVar(&o.serverSide, "server-side", true, "object updates run in the server instead of the client")
	}
	f.BoolVar(&o.noHooks, "no-hooks", false, "prevent hooks from running during install")
	f.BoolVar(&o.replace, "replace", false, "reuse the given name, only if that name is a deleted release which remains in the history. This is unsafe in production")
	f.DurationVar(&o.timeout, "timeout", 300*time.Second, "time to wait for any individual Kubernetes operation (like Jobs for hooks)")
	f.BoolVar(&o.waitForJobs, "wait-for-jobs", false, "if set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful. It will wait for as long as --timeout")
	f.BoolVarP(&o.generateName, "generate-name", "g", false, "generate the name (and omit the NAME parameter)")
	f.StringVar(&o.nameTemplate, "name-template", "", "specify template used to name the release")
	f.StringVar(&o.description, "description", "", "add a custom description")
	f.BoolVar(&o.chartPath.Devel, "devel", false, "use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored")
	f.BoolVar(&o.dependencyUpdate, "dependency-update", false, "update dependencies if they are missing before installing the chart")
	f.BoolVar(&o.disableOpenAPIValidation, "disable-openapi-validation", false, "if set, the installation process will not validate rendered templates against the Kubernetes OpenAPI Schema")
	f.BoolVar(&o.rollbackOnFailure, "rollback-on-failure", false, "if set, the installation is rolled back (uninstalled) upon failure. The --wait flag defaults to \"watcher\" if --rollback-on-failure is set")
	f.BoolVar(&o.rollbackOnFailure, "atomic", false, "deprecated")
	_ = f.MarkDeprecated("atomic", "use --rollback-on-failure instead")
	f.BoolVar(&o.skipCRDs, "skip-crds", false, "if set, no CRDs will be installed. By default, CRDs are installed if not already present")
	f.BoolVar(&o.subNotes, "render-subchart-notes", false, "if set, render subchart notes along with the parent")
	f.BoolVar(&o.skipSchemaValidation, "skip-schema-validation", false, "if set, disables JSON schema validation")
	f.StringToStringVarP(&o.labels, "labels", "l", nil, "Labels that would be added to release metadata. Should be divided by comma.")
	f.BoolVar(&o.enableDNS, "enable-dns", false, "enable DNS lookups when rendering templates")
	f.BoolVar(&o.hideNotes, "hide-notes", false, "if set, do not show notes in install output. Does not affect presence in chart metadata")
	f.BoolVar(&o.takeOwnership, "take-ownership", false, "if set, install will ignore the check for helm annotations and take ownership of the existing resources")
	o.postRender.pluginDirs, o.postRender.wasmCache = s.PluginsDirectory, s.cachePath("wazero-build")
	f.Var(postRendererNameValue{&o.postRender}, "post-renderer", "the name of a postrenderer type plugin to be used for post rendering. If it exists, the plugin will be used")
	f.Var(postRendererArgsValue{&o.postRender}, "post-renderer-args", "an argument to the post-renderer (can specify multiple)")
	f.Var(newWaitValue(&o.wait), "wait", "wait until resources are ready (up to --timeout). Use '--wait' alone for 'watcher' strategy, or specify one of: 'watcher', 'hookOnly', 'legacy', 'ordered'. Default when flag is omitted: 'hookOnly'.")
	f.Lookup("wait").NoOptDefVal = "watcher"
	addLogsFlag(f, &o.logs)
	f.BoolVar(&o.showOrder, "show-order", false, "print the manifests in the order --wait=ordered applies them, each resource group between '## START resource-group' and '## END resource-group' comments (template and --dry-run)")
	addValueFlags(f, &o.values)
	o.chartPath.addFlags(f, s)
	cmd.MarkFlagsMutuallyExclusive("force-replace", "force-conflicts")
	cmd.MarkFlagsMutuallyExclusive("force", "force-conflicts")
}

// addReleaseFlags adds the flags of install and upgrade that template has not.
func (o *installFlags) addReleaseFlags(cmd *cobra.Command, s *settings) {
	f := cmd.Flags()
	f.BoolVar(&o.hideSecret, "hide-secret", false, "hide Kubernetes Secrets when also using the --dry-run flag")
	f.IntVar(&o.historyMax, "history-max", s.MaxHistory, "limit the maximum number of revisions saved per release. Use 0 for no limit")
	addCRDFlags(f, &o.crds, &o.forceCRDUpgrade)
	addDryRunFlag(cmd)
}

// nameAndChart splits the positional arguments into a release name and a chart
// reference, applying --generate-name and --name-template; defaultName is used when
// only the chart is given (rudder template names its release "release-name").
func (o *installFlags) nameAndChart(args []string, defaultName string) (string, string, error) {
	if len(args) > 2 {
		return args[0], args[1], fmt.Errorf("expected at most two arguments, unexpected arguments: %v", strings.Join(args[2:], ", "))
	}
	if len(args) == 2 {
		if o.generateName {
			return "", "", errors.New("cannot set --generate-name and also specify a name")
		}
		if o.nameTemplate != "" {
			return "", "", errors.New("cannot set --name-template and also specify a name")
		}
		return args[0], args[1], nil
	}
	if o.nameTemplate != "" {
		name, err := renderNameTemplate(o.nameTemplate)
		return name, args[0], err
	}
	if defaultName != "" {
		// As in Helm, template names its release "release-name" even with
		// --generate-name: a generated name would change the output at each run.
		return defaultName, args[0], nil
	}
	if !o.generateName {
		return "", args[0], errors.New("must either provide a name or specify --generate-name")
	}
	base := filepath.Base(args[0])
	if base == "." || base == "" {
		base = "chart"
	}
	if i := strings.Index(base, "."); i >= 0 {
		base = base[:i]
	}
	return fmt.Sprintf("%s-%d", base, time.Now().Unix()), args[0], nil
}

// renderNameTemplate renders --name-template with Sprig's functions.
func renderNameTemplate(text string) (string, error) {
	t, err := template.New("name-template").Funcs(sprig.TxtFuncMap()).Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, nil); err != nil {
		return "", err
	}
	return b.String(), nil
}

// intake takes in the chart and the values of install, upgrade and template, and
// reports what was pulled and the warnings.
func (a *app) intake(ctx context.Context, ref string, o *installFlags) (*action.Intake, error) {
	src, err := a.chartSource(&o.chartPath)
	if err != nil {
		return nil, err
	}
	read, err := a.valuesReader(o.values)
	if err != nil {
		return nil, err
	}
	req := action.IntakeRequest{Chart: o.chartPath.request(ref), Values: o.values, ReadValues: read, Installable: o.installable}
	if o.dependencyUpdate {
		if req.UpdateDependencies, err = a.missingDependencies(src, &o.chartPath); err != nil {
			return nil, err
		}
	}
	in, err := src.Intake(ctx, req)
	if in != nil {
		a.reportPull(in.Located, &o.chartPath)
		a.warnAll(in.Warnings)
	}
	return in, err
}

// missingDependencies is how --dependency-update fetches the dependencies a
// chart lacks: as 'dependency update' does, without verifying, progress on
// standard output.
func (a *app) missingDependencies(src *action.ChartSource, o *chartPathOptions) (*action.Dependencies, error) {
	epoch, err := sourceDateEpoch(a.streams.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return nil, err
	}
	return &action.Dependencies{Source: src, Keyring: o.Keyring, SourceDateEpoch: epoch,
		Progress: func(line string) { fmt.Fprintln(a.streams.Out, line) }, Warnings: a.warn}, nil
}

func (o *installFlags) checkHideSecret(dry action.DryRun) error {
	if o.hideSecret && dry == action.DryRunNone {
		return errors.New("hiding Kubernetes secrets requires a dry-run mode")
	}
	return nil
}

// render returns the rendering options install and upgrade share.
func (o *installFlags) render(warnings func(warn.Warning), maxRenderSize int64) action.RenderOptions {
	return action.RenderOptions{
		SkipSchemaValidation: o.skipSchemaValidation,
		SubNotes:             o.subNotes,
		EnableDNS:            o.enableDNS,
		PostRenderer:         o.postRenderer(),
		HideSecrets:          o.hideSecret,
		Warnings:             warnings,
		MaxRenderSize:        maxRenderSize,
	}
}

// lifecycle returns the options install and upgrade share.
func (o *installFlags) lifecycle(dry action.DryRun, serverSide action.ServerSideMode) action.LifecycleOptions {
	return action.LifecycleOptions{
		DryRun:          dry,
		NoHooks:         o.noHooks,
		ServerSide:      serverSide,
		ForceConflicts:  o.forceConflicts,
		ForceReplace:    o.forceReplace,
		Wait:            action.WaitStrategy(o.wait),
		WaitForJobs:     o.waitForJobs,
		Timeout:         o.timeout,
		HistoryLimit:    historyLimit(o.historyMax),
		Description:     o.description,
		CRDs:            o.crds,
		ForceCRDUpgrade: o.forceCRDUpgrade,
	}
}

// historyLimit turns --history-max, where 0 means no limit, into
// LifecycleOptions.HistoryLimit, where 0 means the default.
func historyLimit(historyMax int) int {
	if historyMax == 0 {
		return -1
	}
	return historyMax
}

// postRenderer returns the --post-renderer plugin as an action.PostRenderer, or nil.
func (o *installFlags) postRenderer() action.PostRenderer { return o.postRender.renderer() }

// waitValue is the --wait flag: watcher, hookOnly or legacy (true/false still accepted).
type waitValue struct{ p *string }

func newWaitValue(p *string) *waitValue {
	*p = "hookOnly"
	return &waitValue{p}
}

func (w *waitValue) String() string { return *w.p }
func (w *waitValue) Type() string   { return "WaitStrategy" }
func (w *waitValue) Set(s string) error {
	switch s {
	case "watcher", "hookOnly", "legacy", "ordered":
		*w.p = s
	case "true":
		*w.p = "watcher"
	case "false":
		*w.p = "hookOnly"
	default:
		return fmt.Errorf("invalid wait input %q. Valid inputs are watcher, hookOnly, legacy, and ordered", s)
	}
	return nil
}

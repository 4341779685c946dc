package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/diff"
	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/release"
)

// helmDiffVersion is the helm-diff release whose commands and formats `rudder diff`
// follows; `diff version` prints it so that tools checking the plugin accept it.
const helmDiffVersion = "3.9.14"

const diffLong = `Show what an upgrade, a rollback or another revision would change in a release,
with the commands, flags and output formats of the helm-diff plugin (v` + helmDiffVersion + `),
so that scripts and helmfile calling "helm diff" work with no plugin installed.

Output formats (--output): diff (default), simple, template (HELM_DIFF_TPL names a
template file), json, and structured (JSON with each object's diff and the plan).
Secret values are masked unless --show-secrets is given. A plan line
("Plan: 1 to add, 2 to change, 0 to destroy.") ends the output on stderr (on stdout
in the simple format). --detailed-exitcode exits 2 when something changed.
`

// diffFlags are the flags every diff subcommand shares: helm-diff's diff options.
type diffFlags struct {
	suppressSecrets  bool
	showSecrets      bool
	showDecoded      bool
	suppress         []string
	context          int
	output           string
	stripCR          bool
	findRenames      float32
	suppressLines    []string
	normalize        bool
	includeTests     bool
	detailedExitCode bool
	color, noColor   bool
}

func (d *diffFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&d.suppressSecrets, "suppress-secrets", "q", false, "suppress secrets in the output")
	f.BoolVar(&d.showSecrets, "show-secrets", false, "do not redact secret values in the output")
	f.BoolVar(&d.showDecoded, "show-secrets-decoded", false, "do not redact secret values in the output, and show them decoded from base64")
	f.StringArrayVar(&d.suppress, "suppress", []string{}, "allows suppression of the kinds listed in the diff output (can specify multiple, like '--suppress Deployment --suppress Service')")
	f.IntVarP(&d.context, "context", "C", -1, "output NUM lines of context around changes")
	f.StringVarP(&d.output, "output", "o", "diff", "Possible values: diff, simple, template, json, structured. When set to \"template\", use the env var HELM_DIFF_TPL to specify the template.")
	f.BoolVar(&d.stripCR, "strip-trailing-cr", false, "strip trailing carriage return on input")
	f.Float32VarP(&d.findRenames, "find-renames", "D", 0, "Enable rename detection if set to any value greater than 0. If specified, the value denotes the maximum fraction of changed content as lines added + removed compared to total lines in a diff for considering it a rename. Only objects of the same Kind are attempted to be matched")
	f.StringArrayVar(&d.suppressLines, "suppress-output-line-regex", []string{}, "a regex to suppress diff output lines that match")
	f.BoolVar(&d.normalize, "normalize-manifests", false, "normalize manifests before running diff to exclude style differences from the output")
	f.BoolVar(&d.includeTests, "include-tests", false, "enable the diffing of the helm test hooks")
	f.BoolVar(&d.detailedExitCode, "detailed-exitcode", false, "return a non-zero exit code when there are changes")
	f.BoolVar(&d.noColor, "no-color", false, "remove colors from the output. If both --no-color and --color are unspecified, coloring enabled only when the stdout is a term and TERM is not \"dumb\"")
	f.BoolVar(&d.color, "color", false, "color output. You can control the value for this flag via HELM_DIFF_COLOR=[true|false]. If both --no-color and --color are unspecified, coloring enabled only when the stdout is a term and TERM is not \"dumb\"")
}

// resolve applies helm-diff's environment variables to the flags not given.
func (d *diffFlags) resolve(cmd *cobra.Command, getenv func(string) string) {
	f := cmd.Flags()
	if v := strings.TrimSpace(getenv("HELM_DIFF_OUTPUT")); v != "" && !f.Changed("output") {
		d.output = v
	}
	if v := getenv("HELM_DIFF_OUTPUT_CONTEXT"); v != "" && !f.Changed("context") {
		if n, err := strconv.Atoi(v); err == nil {
			d.context = n
		}
	}
	if !f.Changed("normalize-manifests") && getenv("HELM_DIFF_NORMALIZE_MANIFESTS") == "true" {
		d.normalize = true
	}
}

// options turns the flags into the comparison's options.
func (d *diffFlags) options() (diff.Options, error) {
	o := diff.Options{
		StripTrailingCR: d.stripCR,
		ShowSecrets:     d.showSecrets,
		DecodeSecrets:   d.showDecoded && !d.showSecrets,
		SuppressKinds:   d.suppress,
		FindRenames:     d.findRenames,
	}
	if d.suppressSecrets {
		o.SuppressKinds = append(o.SuppressKinds, "Secret")
	}
	for _, s := range d.suppressLines {
		re, err := regexp.Compile(s)
		if err != nil {
			return o, fmt.Errorf("--suppress-output-line-regex %q: %w", s, err)
		}
		o.SuppressLines = append(o.SuppressLines, re)
	}
	return o, nil
}

// colored decides colour as helm-diff does: --no-color, --color, HELM_DIFF_COLOR,
// then whether stdout is a terminal (and TERM is not dumb).
func (a *app) diffColor(cmd *cobra.Command, d *diffFlags) bool {
	f := cmd.Flags()
	switch {
	case d.noColor:
		return false
	case f.Changed("color"):
		return d.color
	}
	if b, err := strconv.ParseBool(a.streams.Getenv("HELM_DIFF_COLOR")); err == nil {
		return b
	}
	if a.streams.Getenv("TERM") == "dumb" {
		return false
	}
	out, ok := a.streams.Out.(*os.File)
	return ok && term.IsTerminal(int(out.Fd()))
}

// printDiff writes the report, the plan line, and turns changes into exit code 2
// with --detailed-exitcode.
func (a *app) printDiff(cmd *cobra.Command, d *diffFlags, res *action.DiffResult) error {
	wo := diff.WriteOptions{Context: d.context, Color: a.diffColor(cmd, d)}
	if diff.Format(d.output) == diff.FormatTemplate {
		if file := a.streams.Getenv("HELM_DIFF_TPL"); file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("diff template: %w", err)
			}
			wo.Template = string(b)
		}
	}
	if err := res.Write(a.streams.Out, diff.Format(d.output), wo); err != nil {
		return err
	}
	if diff.Format(d.output) != diff.FormatSimple {
		fmt.Fprintln(a.streams.Err, res.Plan())
	}
	if d.detailedExitCode && res.Changed {
		return &exitError{code: 2, err: errors.New("identified at least one change, exiting with non-zero exit code (detailed-exitcode parameter enabled)")}
	}
	return nil
}

func (a *app) newDiffCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "show what an upgrade, rollback or revision would change",
		Long:  diffLong,
		Args:  noArgs,
	}
	cmd.AddCommand(a.newDiffUpgradeCmd(), a.newDiffRollbackCmd(), a.newDiffRevisionCmd(), a.newDiffReleaseCmd(), a.newDiffDriftCmd(), a.newDiffVersionCmd())
	return cmd
}

func (a *app) newDiffVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "show the version of helm-diff that diff is compatible with",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(a.streams.Out, helmDiffVersion)
			return err
		},
	}
}

// notPresentBanner is what helm-diff prints before diffing a release that does not
// exist as an install.
const notPresentBanner = "********************\n\n\tRelease was not present in Helm.  Diff will show entire contents as new.\n\n********************\n"

// missingBanner is what helm-diff prints before failing on a release that does not
// exist.
const missingBanner = "********************\n\n\tRelease was not present in Helm.  Include the `--allow-unreleased` to perform diff without exiting in error.\n\n********************\n"

func (a *app) newDiffUpgradeCmd() *cobra.Command {
	var (
		o                            installFlags
		d                            diffFlags
		install, allowUnreleased     bool
		reuse, reset, resetThenReuse bool
		dryRun, kubeVersion          string
		apiVersions                  []string
		includeCRDs                  bool
		threeWay, disableValidation  bool
		savePlan                     string
	)
	cmd := &cobra.Command{
		Use:   "upgrade [RELEASE] [CHART]",
		Short: "show what an upgrade would change",
		Long: `Show what upgrading RELEASE to CHART with the given values would change.

By default the comparison is with the live cluster: each new object as a server-side
apply dry run would leave it (defaults, webhooks, other managers' fields) against the
object as it is now, so hand edits (drift) show too. Only objects whose render or
live state differ from what the release applied are dry-run. Objects to be created,
changed, deleted, adopted (--take-ownership) or kept (helm.sh/resource-policy: keep)
are each shown as such; hooks are compared with the recorded ones.

--dry-run=client compares instead the chart rendered as "helm template --is-upgrade"
renders it with the manifest and hooks the release recorded, printing what the
helm-diff plugin prints. --install diffs a release that does not exist as a new
install.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch dryRun {
			case "", "client", "server", "true", "false", "none":
			default:
				return fmt.Errorf("flag %q must take a bool value or either %q or %q, but got %q", "dry-run", "client", "server", dryRun)
			}
			d.resolve(cmd, a.streams.Getenv)
			if !cmd.Flags().Changed("normalize-manifests") && d.normalize {
				fmt.Fprintln(a.streams.Out, "Enabled normalize manifests via the envvar")
			}
			cmpOpts, err := d.options()
			if err != nil {
				return err
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
			if includeCRDs {
				o.chartPath.mapCRDs = true
			}
			in, err := a.intake(cmd.Context(), args[1], &o)
			if err != nil {
				return err
			}
			maxRender, err := a.maxRenderSize()
			if err != nil {
				return err
			}
			ro := o.render(a.warn, maxRender)
			ro.IncludeCRDs = includeCRDs
			opts := action.DiffOptions{
				Namespace:            a.settings.Namespace(),
				InstallIfMissing:     install || allowUnreleased,
				ReuseValues:          reuse && !reset,
				ResetValues:          reset,
				ResetThenReuseValues: resetThenReuse && !reset && !reuse,
				NoHooks:              o.noHooks,
				IncludeTests:         d.includeTests,
				Normalize:            d.normalize,
				Render:               ro,
				Compare:              cmpOpts,
			}
			var res *action.DiffResult
			if dryRun == "client" || dryRun == "true" {
				if savePlan != "" {
					return errors.New("--save-plan needs the live diff: drop --dry-run=client")
				}
				opts.Render.Capabilities = caps
				res, err = a.renderDiff(cmd, args[0], in, opts)
			} else {
				var live *action.LiveResult
				live, err = a.liveDiff(cmd, args[0], in, opts, o.takeOwnership, o.forceConflicts)
				if err == nil && savePlan != "" {
					err = a.savePlan(savePlan, args[0], args[1], &o, in, live)
				}
				if live != nil {
					res = &live.DiffResult
				}
			}
			if errors.Is(err, action.ErrReleaseMissing) {
				fmt.Fprint(a.streams.Out, missingBanner) // as helm-diff, for scripts reading stdout
			}
			if err != nil {
				return withRenderSizeHint(err)
			}
			if res.NotInstalled {
				fmt.Fprint(a.streams.Out, notPresentBanner)
			}
			return a.printDiff(cmd, &d, res)
		},
	}
	if a.streams.Getenv("HELM_DIFF_IGNORE_UNKNOWN_FLAGS") == "true" {
		cmd.FParseErrWhitelist.UnknownFlags = true
	}
	o.addFlags(cmd, a.settings)
	d.add(cmd)
	f := cmd.Flags()
	f.BoolVarP(&install, "install", "i", false, "enables diffing of releases that are not yet deployed (as a new install)")
	f.BoolVar(&allowUnreleased, "allow-unreleased", false, "enables diffing of releases that are not yet deployed (as --install)")
	f.BoolVar(&reuse, "reuse-values", false, "reuse the last release's values and merge in any new values. If '--reset-values' is specified, this is ignored")
	f.BoolVar(&reset, "reset-values", false, "reset the values to the ones built into the chart and merge in any new values")
	f.BoolVar(&resetThenReuse, "reset-then-reuse-values", false, "reset the values to the ones built into the chart, apply the last release's values and merge in any new values. If '--reset-values' or '--reuse-values' is specified, this is ignored")
	f.StringVar(&dryRun, "dry-run", "", "\"client\" (or a bare --dry-run) compares a render with the release's recorded manifest, as helm-diff does by default; \"server\" (as the default) compares with the live cluster")
	f.Lookup("dry-run").NoOptDefVal = "client"
	f.StringVar(&kubeVersion, "kube-version", "", "Kubernetes version used for Capabilities.KubeVersion")
	f.StringArrayVarP(&apiVersions, "api-versions", "a", []string{}, "Kubernetes api versions used for Capabilities.APIVersions")
	f.BoolVar(&includeCRDs, "include-crds", false, "include the chart's CRDs in the new render")
	f.StringVar(&savePlan, "save-plan", "", "write the plan to this file, for \"rudder upgrade RELEASE --plan FILE\" to carry out")
	f.BoolVar(&threeWay, "three-way-merge", false, "accepted for helm-diff compatibility: the default live comparison already includes changes made outside the release")
	f.BoolVar(&disableValidation, "disable-validation", false, "accepted for helm-diff compatibility: the render is not validated against the cluster")
	return cmd
}

// renderDiff compares a render with what the release recorded, as helm-diff does.
func (a *app) renderDiff(cmd *cobra.Command, name string, in *action.Intake, opts action.DiffOptions) (*action.DiffResult, error) {
	store, err := a.releases(a.settings.Namespace())
	if err != nil {
		return nil, err
	}
	run := &action.Diff{Releases: store, DiffOptions: opts}
	return run.Upgrade(cmd.Context(), name, in.Chart, in.Values)
}

// liveDiff compares a server-side dry run of the new objects with the live ones.
func (a *app) liveDiff(cmd *cobra.Command, name string, in *action.Intake, opts action.DiffOptions, takeOwnership, forceConflicts bool) (*action.LiveResult, error) {
	c, err := a.actionCluster(a.settings.Namespace())
	if err != nil {
		return nil, err
	}
	kc, err := a.kubeClient()
	if err != nil {
		return nil, err
	}
	run := &action.LiveDiff{Cluster: c, Live: kc, DiffOptions: opts, TakeOwnership: takeOwnership, ForceConflicts: forceConflicts}
	res, err := run.Upgrade(cmd.Context(), name, in.Chart, in.Values)
	if err != nil {
		return nil, err
	}
	a.log.Debug("live diff", "dry-run objects", res.DryRuns)
	for _, c := range res.Conflicts {
		fmt.Fprintf(a.streams.Err, "WARNING: %s (upgrade needs --force-conflicts)\n", c)
	}
	return res, nil
}

// savePlan writes what `upgrade --plan` needs to carry out the diff just shown.
func (a *app) savePlan(file, name, ref string, o *installFlags, in *action.Intake, res *action.LiveResult) error {
	cfg, err := a.restConfig()
	if err != nil {
		return err
	}
	if !strings.Contains(ref, "://") && !strings.HasPrefix(ref, "/") {
		if abs, err := filepath.Abs(ref); err == nil {
			if _, err := os.Stat(abs); err == nil {
				ref = abs // a local chart, found again from anywhere
			}
		}
	}
	p := &action.Plan{
		Format: action.PlanVersion, Release: name, Namespace: a.settings.Namespace(),
		Cluster: cfg.Host, Created: time.Now().UTC(), Revision: res.Revision,
		Chart:  action.PlanChart{Ref: ref, Version: o.chartPath.Version, Digest: action.ChartDigest(in.Chart)},
		Values: res.Values, ValuesDigest: action.ValuesDigest(res.Values),
		ManifestDigest: res.ManifestDigest, Objects: res.Observed, Changes: res.Plan(),
	}
	var b bytes.Buffer
	if err := p.Write(&b); err != nil {
		return err
	}
	if err := atomicfile.Write(file, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("plan %s: %w", file, err)
	}
	return nil
}

// runDiff builds the diff from the flags, runs one comparison with it and prints
// the result.
func (a *app) runDiff(cmd *cobra.Command, d *diffFlags, compare func(*action.Diff) (*action.DiffResult, error)) error {
	run, err := a.diffRun(cmd, d)
	if err != nil {
		return err
	}
	res, err := compare(run)
	if err != nil {
		return err
	}
	return a.printDiff(cmd, d, res)
}

func (a *app) diffRun(cmd *cobra.Command, d *diffFlags) (*action.Diff, error) {
	d.resolve(cmd, a.streams.Getenv)
	cmpOpts, err := d.options()
	if err != nil {
		return nil, err
	}
	store, err := a.releases(a.settings.Namespace())
	if err != nil {
		return nil, err
	}
	return &action.Diff{Releases: store, DiffOptions: action.DiffOptions{
		Namespace:    a.settings.Namespace(),
		IncludeTests: d.includeTests,
		Normalize:    d.normalize,
		Compare:      cmpOpts,
	}}, nil
}

func (a *app) newDiffRollbackCmd() *cobra.Command {
	var d diffFlags
	cmd := &cobra.Command{
		Use:   "rollback [RELEASE] [REVISION]",
		Short: "show what a rollback would change",
		Long:  "Show what rolling RELEASE back to REVISION (default: the one before the newest) would change.",
		Args:  rangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rev := 0
			if len(args) == 2 {
				var err error
				if rev, err = revisionArg(args[1]); err != nil {
					return err
				}
			}
			return a.runDiff(cmd, &d, func(run *action.Diff) (*action.DiffResult, error) {
				return run.Rollback(cmd.Context(), args[0], rev)
			})
		},
	}
	d.add(cmd)
	return cmd
}

func (a *app) newDiffRevisionCmd() *cobra.Command {
	var d diffFlags
	cmd := &cobra.Command{
		Use:   "revision [RELEASE] REVISION1 [REVISION2]",
		Short: "show the changes between two revisions of a release",
		Long:  "Show the changes between two revisions of a release, or between one and the newest.",
		Args:  rangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			var revs [2]int
			for i, s := range args[1:] {
				var err error
				if revs[i], err = revisionArg(s); err != nil {
					return err
				}
			}
			return a.runDiff(cmd, &d, func(run *action.Diff) (*action.DiffResult, error) {
				return run.Revisions(cmd.Context(), args[0], revs[0], revs[1])
			})
		},
	}
	d.add(cmd)
	return cmd
}

func (a *app) newDiffReleaseCmd() *cobra.Command {
	var d diffFlags
	cmd := &cobra.Command{
		Use:   "release [NAMESPACE/]RELEASE1 [NAMESPACE/]RELEASE2",
		Short: "show the changes between two releases of one chart",
		Long:  "Show the changes between the newest revisions of two releases of one chart, template by template.",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			run, err := a.diffRun(cmd, &d)
			if err != nil {
				return err
			}
			var rels [2]*release.Release
			for i, arg := range args {
				ns, name := a.settings.Namespace(), arg
				if before, after, ok := strings.Cut(arg, "/"); ok {
					ns, name = before, after
				}
				store, err := a.releases(ns)
				if err != nil {
					return err
				}
				rel, err := action.Get{Releases: store}.Run(cmd.Context(), name)
				if err != nil {
					return fmt.Errorf("release %s/%s: %w", ns, name, err)
				}
				rels[i] = rel
			}
			res, err := action.DiffReleases(rels[0], rels[1], run.DiffOptions)
			if err != nil {
				return err
			}
			return a.printDiff(cmd, &d, res)
		},
	}
	d.add(cmd)
	return cmd
}

func (a *app) newDiffDriftCmd() *cobra.Command {
	var d diffFlags
	cmd := &cobra.Command{
		Use:   "drift RELEASE",
		Short: "show where the live objects of a release differ from its deployed revision",
		Long: `Show the objects of the deployed revision that are missing from the cluster (to be
added) or whose fields owned by the release were changed outside it (from the live
value to the recorded one). Fields other managers own are not drift. With
--detailed-exitcode, exits 2 when there is drift; "rudder upgrade RELEASE CHART
--reuse-values --force-conflicts" puts the objects back.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			run, err := a.diffRun(cmd, &d)
			if err != nil {
				return err
			}
			c, err := a.actionCluster(a.settings.Namespace())
			if err != nil {
				return err
			}
			kc, err := a.kubeClient()
			if err != nil {
				return err
			}
			live := &action.LiveDiff{Cluster: c, Live: kc, DiffOptions: run.DiffOptions}
			res, err := live.Drift(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.printDiff(cmd, &d, &res.DiffResult)
		},
	}
	d.add(cmd)
	return cmd
}

// driftFlags are status's flags for showing drift.
type driftFlags struct{ on, detailedExitCode bool }

func (d *driftFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&d.on, "drift", false, "also list the objects of the deployed revision that are missing or were changed outside the release (as \"rudder diff drift\")")
	f.BoolVar(&d.detailedExitCode, "detailed-exitcode", false, "with --drift, exit 2 when there is drift")
}

// printDrift lists the drifted objects of a release after its status.
func (a *app) printDrift(cmd *cobra.Command, name string, o driftFlags) error {
	c, err := a.actionCluster(a.settings.Namespace())
	if err != nil {
		return err
	}
	kc, err := a.kubeClient()
	if err != nil {
		return err
	}
	live := &action.LiveDiff{Cluster: c, Live: kc, DiffOptions: action.DiffOptions{Namespace: a.settings.Namespace()}}
	res, err := live.Drift(cmd.Context(), name)
	if err != nil {
		return err
	}
	if len(res.Entries) == 0 {
		_, err = fmt.Fprintln(a.streams.Out, "DRIFT: none")
		return err
	}
	fmt.Fprintln(a.streams.Out, "DRIFT:")
	if err := res.Write(a.streams.Out, diff.FormatSimple, diff.WriteOptions{}); err != nil {
		return err
	}
	if o.detailedExitCode {
		return &exitError{code: 2, err: errors.New("the release has drifted (detailed-exitcode parameter enabled)")}
	}
	return nil
}

// listDrift fills the Drift column of list's rows: the number of drifted objects
// of each deployed release ("none"), "-" for one with no deployed revision. It
// returns how many releases have drifted.
func (a *app) listDrift(ctx context.Context, rels []*release.Release, rows []listRow) (int, error) {
	kc, err := a.kubeClient()
	if err != nil {
		return 0, err
	}
	clusters := map[string]*action.Cluster{}
	drifted := 0
	for i, rel := range rels {
		rows[i].Drift = "-"
		if rel.Info == nil || rel.Info.Status != release.StatusDeployed {
			continue
		}
		c := clusters[rel.Namespace]
		if c == nil {
			if c, err = a.actionCluster(rel.Namespace); err != nil {
				return 0, err
			}
			clusters[rel.Namespace] = c
		}
		live := &action.LiveDiff{Cluster: c, Live: kc, DiffOptions: action.DiffOptions{Namespace: rel.Namespace}}
		res, err := live.Drift(ctx, rel.Name)
		if err != nil {
			return 0, fmt.Errorf("release %s/%s: drift: %w", rel.Namespace, rel.Name, err)
		}
		switch n := len(res.Entries); n {
		case 0:
			rows[i].Drift = "none"
		case 1:
			rows[i].Drift, drifted = "1 object", drifted+1
		default:
			rows[i].Drift, drifted = strconv.Itoa(n)+" objects", drifted+1
		}
	}
	return drifted, nil
}

func revisionArg(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("revision %q is not a positive number", s)
	}
	return n, nil
}

func rangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return fmt.Errorf("%q requires %d to %d arguments\n\nUsage:  %s", cmd.CommandPath(), lo, hi, cmd.UseLine())
		}
		return nil
	}
}

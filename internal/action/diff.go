package action

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/diff"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// DiffOptions control a Diff. The zero value compares an upgrade's render with the
// release's current revision, hooks included and tests left out, reusing the
// release's values only when none are given, with secrets masked.
type DiffOptions struct {
	// Namespace is the release's namespace, also given to objects that name none.
	Namespace string
	// InstallIfMissing diffs a release that does not exist as an install: every
	// object new (diff upgrade --install, helm-diff's --allow-unreleased).
	InstallIfMissing bool
	// ReuseValues, ResetValues and ResetThenReuseValues choose the new values as
	// upgrade does (see UpgradeOptions).
	ReuseValues          bool
	ResetValues          bool
	ResetThenReuseValues bool
	// NoHooks leaves hooks out of both sides.
	NoHooks bool
	// IncludeTests keeps test hooks.
	IncludeTests bool
	// Normalize re-serialises objects so that style differences are not shown.
	Normalize bool
	// Render renders the new side; as helm template does in helm-diff, the
	// release name, namespace and IsUpgrade are set by Diff.
	Render RenderOptions
	// Compare controls the comparison itself.
	Compare diff.Options
}

// Diff shows what an upgrade, a rollback or another revision would change in a
// release, as the helm-diff plugin does (a render compared with what the release
// recorded).
type Diff struct {
	Releases ReleaseReader
	DiffOptions
}

// DiffResult is what a Diff found.
type DiffResult struct {
	*diff.Report
	// NotInstalled is set when the release did not exist and was diffed as an install.
	NotInstalled bool
	// Parsed counts the documents whose YAML the comparison read: an upgrade's
	// render is read once, by the render, so only recorded documents that differ
	// from the new ones (and those the render could not vouch for) count.
	Parsed int
}

// ErrReleaseMissing is returned by Diff.Upgrade for a release that does not exist,
// without InstallIfMissing.
var ErrReleaseMissing = errors.New("release not found (use --install to diff it as a new install)")

// Upgrade compares the release's newest revision (manifest and hooks) with ch rendered
// with the user's values as `helm template --is-upgrade` renders it: offline, with
// the default capabilities unless Render gives others, at revision 1.
func (d *Diff) Upgrade(ctx context.Context, name string, ch *chart.Chart, vals map[string]any) (*DiffResult, error) {
	if err := ValidateReleaseName(name); err != nil {
		return nil, fmt.Errorf("release name is invalid: %s", name)
	}
	current, err := d.Releases.Last(ctx, name)
	missing := errors.Is(err, storage.ErrReleaseNotFound) || (err == nil && current.Info.Status == release.StatusUninstalled)
	switch {
	case missing && !d.InstallIfMissing:
		return nil, fmt.Errorf("release %s: %w", name, ErrReleaseMissing)
	case missing:
		current = nil
	case err != nil:
		return nil, err
	}
	ch = ch.Clone()
	if current != nil {
		up := &Upgrade{UpgradeOptions: UpgradeOptions{
			ReuseValues: d.ReuseValues, ResetValues: d.ResetValues, ResetThenReuseValues: d.ResetThenReuseValues,
			Render: d.Render,
		}}
		if vals, err = up.values(ch, current, vals); err != nil {
			return nil, err
		}
	}
	t := Template{RenderOptions: d.Render, NoHooks: d.NoHooks}
	t.ReleaseName, t.Namespace, t.IsUpgrade, t.Revision = name, d.Namespace, current != nil, 1
	out, err := t.Run(ctx, ch, vals)
	if err != nil {
		return nil, err
	}
	old := ""
	if current != nil {
		old = recordedManifest(current, !d.NoHooks)
	}
	p := d.parser()
	knownDocuments(p, out.Rendered.Manifests)
	rep, err := d.compareWith(p, old, out.Text)
	if err != nil {
		return nil, err
	}
	return &DiffResult{Report: rep, NotInstalled: current == nil, Parsed: p.Parsed()}, nil
}

// knownDocuments tells p the heads the render read of its manifests, so that the
// comparison does not parse the YAML of each new object a second time. A document
// is told only when the text p will meet is certain: the render's text with its
// "# Source:" line, trimmed of the newlines and spaces a manifest may end with.
func knownDocuments(p *diff.Parser, ms []manifest.Manifest) {
	for _, m := range ms {
		if m.Plain == nil || strings.ContainsAny(m.Name, "\r\n\u0085\u2028\u2029") {
			continue // a name with a line break would not stay a comment
		}
		body := strings.TrimRight(m.Content, " \n")
		if body == "" || strings.TrimSpace(body) != body {
			continue
		}
		h := m.Plain
		p.Known("# Source: "+m.Name+"\n"+body, diff.Head{
			APIVersion: h.APIVersion, Kind: h.Kind, Namespace: h.Namespace, Name: h.Name, Annotations: h.Annotations,
		})
	}
}

// Rollback compares the release's newest revision with revision (0: the one before
// it), manifests only.
func (d *Diff) Rollback(ctx context.Context, name string, revision int) (*DiffResult, error) {
	current, err := d.Releases.Last(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", name, err)
	}
	if revision == 0 {
		revision = current.Version - 1
	}
	target, err := d.revision(ctx, name, revision)
	if err != nil {
		return nil, err
	}
	return d.compareReleases(current, target)
}

// Revisions compares two revisions of a release, the older first whichever order
// they are given in; with to 0, the revision is compared with the newest one.
func (d *Diff) Revisions(ctx context.Context, name string, from, to int) (*DiffResult, error) {
	if to == 0 {
		current, err := d.Releases.Last(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("release %s: %w", name, err)
		}
		old, err := d.revision(ctx, name, from)
		if err != nil {
			return nil, err
		}
		return d.compareReleases(old, current)
	}
	from, to = min(from, to), max(from, to)
	old, err := d.revision(ctx, name, from)
	if err != nil {
		return nil, err
	}
	next, err := d.revision(ctx, name, to)
	if err != nil {
		return nil, err
	}
	return d.compareReleases(old, next)
}

// ErrIncomparable is returned by DiffReleases for releases of different charts.
var ErrIncomparable = errors.New("releases of different charts cannot be compared")

// DiffReleases compares the newest revisions of two releases of one chart, object by
// object of the same template (their names may differ).
func DiffReleases(a, b *release.Release, o DiffOptions) (*DiffResult, error) {
	if a.Chart.Name() != b.Chart.Name() {
		return nil, fmt.Errorf("releases %s and %s: %w (%q and %q)", a.Name, b.Name, ErrIncomparable, a.Chart.Name(), b.Chart.Name())
	}
	po := diff.ParseOptions{Namespace: a.Namespace, Normalize: o.Normalize, IncludeTests: o.IncludeTests}
	left, err := diff.Parse(a.Manifest, po)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", a.Name, err)
	}
	po.Namespace = b.Namespace
	right, err := diff.Parse(b.Manifest, po)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", b.Name, err)
	}
	return &DiffResult{Report: diff.Compare(diff.BySource(left), diff.BySource(right), o.Compare)}, nil
}

func (d *Diff) revision(ctx context.Context, name string, version int) (*release.Release, error) {
	if version <= 0 {
		return nil, fmt.Errorf("release %s: invalid revision %d", name, version)
	}
	rel, err := d.Releases.Get(ctx, name, version)
	if err != nil {
		return nil, fmt.Errorf("release %s revision %d: %w", name, version, err)
	}
	return rel, nil
}

func (d *Diff) compareReleases(old, new *release.Release) (*DiffResult, error) {
	rep, err := d.compare(old.Manifest, new.Manifest)
	if err != nil {
		return nil, err
	}
	return &DiffResult{Report: rep}, nil
}

func (d *Diff) compare(old, new string) (*diff.Report, error) {
	return d.compareWith(d.parser(), old, new)
}

func (d *Diff) parser() *diff.Parser {
	return &diff.Parser{Options: diff.ParseOptions{Namespace: d.Namespace, Normalize: d.Normalize, IncludeTests: d.IncludeTests}}
}

func (d *Diff) compareWith(p *diff.Parser, old, new string) (*diff.Report, error) {
	before, err := p.Parse(old)
	if err != nil {
		return nil, fmt.Errorf("current release manifest: %w", err)
	}
	after, err := p.Parse(new)
	if err != nil {
		return nil, fmt.Errorf("new manifest: %w", err)
	}
	return diff.Compare(before, after, d.Compare), nil
}

// recordedManifest is a revision's manifest followed by its hooks, as `helm get
// manifest` and `helm get hooks` print them.
func recordedManifest(rel *release.Release, hooks bool) string {
	if !hooks {
		return rel.Manifest
	}
	var b strings.Builder
	b.WriteString(rel.Manifest)
	for _, h := range rel.Hooks {
		writeDocument(&b, h.Path, h.Manifest)
	}
	return b.String()
}

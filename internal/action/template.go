package action

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/release"
)

// Template renders a chart offline, as `helm template` does.
type Template struct {
	RenderOptions
	// NoHooks leaves hooks out of the output.
	NoHooks bool
	// SkipTests leaves test hooks out of the output.
	SkipTests bool
	// Labels would be stored on the release: like install, template refuses system labels.
	Labels map[string]string
	// ShowOnly keeps only the documents rendered from templates matching these globs
	// (paths relative to the top chart: templates/x.yaml, charts/sub/templates/y.yaml).
	ShowOnly []string
	// ShowOrder writes the objects in the order --wait=ordered applies them,
	// between resource-group comments (see OrderedManifest); an order that
	// cannot be followed is an error.
	ShowOrder bool
	// Live, when set, renders against a cluster and has it check the objects
	// (template --validate); nil renders offline with the RenderOptions' capabilities.
	Live *TemplateCluster
}

// Document is one rendered object with the template it came from.
type Document struct {
	Source  string
	Content string
	Kind    DocumentKind
}

// DocumentKind says what part of the output a document belongs to.
type DocumentKind int

// The kinds of documents, in output order.
const (
	DocumentCRD DocumentKind = iota
	DocumentManifest
	DocumentHook
)

// TemplateResult is what Template produced.
type TemplateResult struct {
	// Rendered is the full render, for callers that need more than the text.
	Rendered *Rendered
	// Documents are the output objects in order: CRDs when included, manifests, hooks.
	Documents []Document
	// Text is the output exactly as `helm template` prints it.
	Text string
}

// Run renders ch with the user's values. That the dependencies Chart.yaml
// declares are in charts/ is checked when the chart is taken in (Intake).
//
// When rendering fails after the values were accepted, Run returns the error together
// with a result whose Text is what `helm template --debug` prints in that case: the raw
// output of the templates when it is invalid YAML (the error wraps ErrRender), otherwise
// an empty line; --show-only filters it, leaving nothing when a pattern matches nothing.
func (t Template) Run(ctx context.Context, ch *chart.Chart, userVals map[string]any) (*TemplateResult, error) {
	if err := CheckInstallable(ch); err != nil {
		return nil, err
	}
	if err := checkLabels(t.Labels); err != nil {
		return nil, err
	}
	// Rendering resolves the chart's dependencies in place: work on a copy, so
	// that the caller's chart serves other releases unchanged, at the same time
	// or later.
	ch = ch.Clone()
	if t.Live != nil {
		if err := t.Live.prepare(ctx, ch, &t.RenderOptions); err != nil {
			return nil, err
		}
	}
	r, err := Render(ctx, ch, userVals, t.RenderOptions)
	if r == nil {
		return nil, err
	}
	if err == nil && t.Live != nil {
		if err := t.Live.check(ctx, t.RenderOptions, r.Manifest); err != nil {
			return nil, err
		}
	}
	res := &TemplateResult{Rendered: r}
	if err != nil {
		res.Text = strings.TrimSpace(r.Manifest) + "\n"
		if len(t.ShowOnly) > 0 {
			res.Text, _ = showOnly(res.Text, t.ShowOnly)
		}
		return res, err
	}

	if t.IncludeCRDs {
		for _, crd := range ch.CRDObjects() {
			res.Documents = append(res.Documents, Document{Source: crd.Filename, Content: string(crd.File.Data), Kind: DocumentCRD})
		}
	}
	for _, m := range r.Manifests {
		res.Documents = append(res.Documents, Document{Source: m.Name, Content: m.Content, Kind: DocumentManifest})
	}
	var hooks []*release.Hook
	size := len(r.Manifest) + 1
	for _, h := range r.Hooks {
		if t.NoHooks || (t.SkipTests && h.Has(release.HookTest)) {
			continue
		}
		hooks = append(hooks, h)
		size += len(h.Path) + len(h.Manifest) + len(sourceHeader) + 2
	}
	var b strings.Builder
	b.Grow(size)
	if t.ShowOrder {
		ordered, ws, err := OrderedManifest(ch, r.Manifests)
		t.warn(ws)
		if err != nil {
			return nil, err
		}
		for _, d := range res.Documents {
			if d.Kind == DocumentCRD {
				writeDocument(&b, d.Source, d.Content)
			}
		}
		b.WriteString(ordered)
	} else {
		b.WriteString(strings.TrimSpace(r.Manifest))
		b.WriteString("\n")
	}
	for _, h := range hooks {
		res.Documents = append(res.Documents, Document{Source: h.Path, Content: h.Manifest, Kind: DocumentHook})
		writeDocument(&b, h.Path, h.Manifest)
	}
	res.Text = b.String()
	if len(t.ShowOnly) > 0 {
		if res.Text, err = showOnly(res.Text, t.ShowOnly); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// WriteFiles writes the documents to files under dir named by their sources, as
// `helm template --output-dir` does: manifests and hooks go under dir/releaseDir
// when releaseDir is not "", CRDs never do; the documents of one source are
// appended to its file, which is truncated first, except that a hook is appended
// to a file that already exists, even from an earlier run. It returns the file
// each document went to, in order: on error, those written so far.
func (r *TemplateResult) WriteFiles(dir, releaseDir string) ([]string, error) {
	var names []string
	written := map[string]bool{}
	for _, d := range r.Documents {
		base := dir
		if releaseDir != "" && d.Kind != DocumentCRD {
			base = filepath.Join(dir, releaseDir)
		}
		name := base + string(filepath.Separator) + d.Source
		if d.Kind == DocumentHook {
			if _, err := os.Stat(filepath.Join(base, d.Source)); err == nil {
				written[name] = true
			}
		}
		if err := appendDocument(name, d, !written[name]); err != nil {
			return names, err
		}
		written[name] = true
		names = append(names, name)
	}
	return names, nil
}

// appendDocument writes a document at the end of the file name, which is created
// (with its folders) or, with truncate, emptied first.
func appendDocument(name string, d Document, truncate bool) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	flags := os.O_APPEND | os.O_WRONLY
	if truncate {
		flags = os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	}
	f, err := os.OpenFile(name, flags, 0o666)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "---\n# Source: %s\n%s\n", d.Source, d.Content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

var sourceLine = regexp.MustCompile("# Source: [^/]+/(.+)")

// showOnly keeps the documents of text whose source matches one of the patterns, in
// pattern order, and fails for a pattern that matches nothing.
func showOnly(text string, patterns []string) (string, error) {
	docs := manifest.Split(text)
	var b strings.Builder
	for _, p := range patterns {
		p = filepath.ToSlash(p)
		found := false
		for _, d := range docs {
			m := sourceLine.FindStringSubmatch(d)
			if m == nil {
				continue
			}
			if ok, _ := filepath.Match(p, m[1]); ok {
				fmt.Fprintf(&b, "---\n%s\n", d)
				found = true
			}
		}
		if !found {
			return "", fmt.Errorf("could not find template %s in chart", p)
		}
	}
	return b.String(), nil
}

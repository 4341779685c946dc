package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/values"
	"github.com/rudderpm/rudder/internal/warn"
)

// RenderOptions control how a chart is rendered for a release. The zero value renders
// offline for a release named "" in namespace "" with the default capabilities.
type RenderOptions struct {
	ReleaseName string
	Namespace   string
	// Revision is .Release.Revision; 0 means 1.
	Revision int
	// IsUpgrade sets .Release.IsUpgrade instead of .Release.IsInstall.
	IsUpgrade bool
	// Capabilities describe the target cluster; nil means engine.DefaultCapabilities.
	Capabilities *engine.Capabilities
	// SkipSchemaValidation skips values.schema.json checks.
	SkipSchemaValidation bool
	// IncludeCRDs puts the crds/ files at the head of the manifest stream.
	IncludeCRDs bool
	// SubNotes keeps the NOTES.txt of subcharts too.
	SubNotes bool
	// EnableDNS lets getHostByName resolve names.
	EnableDNS bool
	// Lookup serves the lookup function; nil renders as with no cluster.
	Lookup engine.LookupFunc
	// PostRenderer, if set, rewrites the rendered manifests before they are sorted.
	PostRenderer PostRenderer
	// PostRenderSkipHooks keeps hook documents (those annotated helm.sh/hook)
	// away from PostRenderer: they are stored and run as the templates made
	// them, as with Helm 3, which Flux's helm-controller embeds. The zero value
	// post-renders hooks too, as Helm v4 does.
	PostRenderSkipHooks bool
	// HideSecrets replaces the body of Secrets in the manifest stream.
	HideSecrets bool
	// Warnings receives, as they are found, the warnings Helm logs while computing
	// the values and sorting the output (values that do not merge, conditions that
	// are not booleans, hooks of unknown kinds); nil drops them.
	Warnings func(warn.Warning)
	// MaxRenderSize bounds what rendering the templates may produce (see
	// engine.Engine.MaxRenderSize); 0 means engine.DefaultMaxRenderSize.
	MaxRenderSize int64
}

func (o RenderOptions) warn(ws []warn.Warning) { notify(o.Warnings, ws...) }

// PostRenderer rewrites a stream of rendered manifests.
type PostRenderer interface {
	Run(ctx context.Context, in *bytes.Buffer) (*bytes.Buffer, error)
}

// Rendered is a rendered chart, split the way a release stores it.
type Rendered struct {
	// Manifest is the stream of non-hook objects, each under a "# Source:" header,
	// preceded by the CRDs when they were asked for.
	Manifest string
	// Manifests are the same objects one by one, in install order.
	Manifests []manifest.Manifest
	// Hooks are the hook objects in install order of their kinds.
	Hooks []*release.Hook
	// Notes is the rendered NOTES.txt.
	Notes string
	// Values are the values the templates saw as .Values.
	Values values.Values
}

// ErrChartAPIVersion refuses to render a chart of API version v3, which Helm v4 loads
// but does not install yet.
var ErrChartAPIVersion = errors.New("invalid chart apiVersion")

// ErrRender marks an error found in the rendered output (e.g. a document that is not
// YAML) rather than in the chart or values; Rendered.Manifest then holds the raw output.
var ErrRender = errors.New("rendered manifests are invalid")

// invalidOutputError is an error in the rendered output; it says only what is wrong,
// as Helm does, and matches ErrRender.
type invalidOutputError struct{ err error }

func (e invalidOutputError) Error() string        { return e.err.Error() }
func (e invalidOutputError) Unwrap() error        { return e.err }
func (e invalidOutputError) Is(target error) bool { return target == ErrRender }

// CheckInstallable refuses library charts, which only provide templates to others.
func CheckInstallable(c *chart.Chart) error {
	switch c.Metadata.Type {
	case "", "application":
		return nil
	}
	return fmt.Errorf("%s charts are not installable", c.Metadata.Type)
}

// CheckDependencies reports dependencies declared in Chart.yaml that are missing from charts/.
func CheckDependencies(c *chart.Chart) error {
	var missing []string
outer:
	for _, d := range c.Metadata.Dependencies {
		for _, sub := range c.Dependencies() {
			if sub.Name() == d.Name {
				continue outer
			}
		}
		missing = append(missing, d.Name)
	}
	if len(missing) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s", strings.Join(missing, ", "))
	}
	return nil
}

// Render runs the whole rendering pipeline for a release: dependency processing,
// values coalescing and schema validation, templates, notes, post-rendering and the
// split into ordered hooks and manifests. It modifies ch (dependencies are resolved).
//
// Once the values are accepted, a failure while rendering still returns a Rendered
// (Helm has created the release by then): its Manifest holds what raw output there is
// for debugging, the templates' output when the error wraps ErrRender and nothing
// otherwise.
func Render(ctx context.Context, ch *chart.Chart, userVals map[string]any, o RenderOptions) (*Rendered, error) {
	if ch.Metadata.APIVersion == chart.APIVersionV3 {
		return nil, ErrChartAPIVersion
	}
	if err := ValidateReleaseName(o.ReleaseName); err != nil {
		return nil, fmt.Errorf("release name check failed: release name %q: %w", o.ReleaseName, err)
	}
	ws, err := values.ProcessDependencies(ch, userVals)
	o.warn(ws)
	if err != nil {
		return nil, fmt.Errorf("chart dependencies processing failed: %w", err)
	}
	caps := o.Capabilities
	if caps == nil {
		caps = engine.DefaultCapabilities()
	}
	vals, ws, err := values.Coalesce(ch, userVals)
	o.warn(ws)
	if err != nil {
		return nil, err
	}
	if !o.SkipSchemaValidation {
		if err := values.ValidateAgainstSchema(ch, vals); err != nil {
			return nil, fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%w", err)
		}
	}
	res := &Rendered{Values: vals}
	if kv := ch.Metadata.KubeVersion; kv != "" && !chart.IsCompatibleRange(kv, caps.KubeVersion.String()) {
		return res, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", kv, caps.KubeVersion.Version)
	}
	rev := o.Revision
	if rev == 0 {
		rev = 1
	}
	top := engine.RenderValues(ch, vals, engine.Release{
		Name: o.ReleaseName, Namespace: o.Namespace, Revision: rev,
		IsUpgrade: o.IsUpgrade, IsInstall: !o.IsUpgrade,
	}, caps)
	eng := engine.Engine{EnableDNS: o.EnableDNS, Lookup: o.Lookup, MaxRenderSize: o.MaxRenderSize}
	files, err := eng.Render(ctx, ch, top)
	if err != nil {
		return res, err
	}
	res.Notes = takeNotes(files, ch.Name(), o.SubNotes)

	if o.PostRenderer != nil {
		if files, err = postRender(ctx, o.PostRenderer, files, o.PostRenderSkipHooks); err != nil {
			return res, err
		}
	}

	hooks, manifests, ws, err := manifest.Sort(files, manifest.InstallOrder)
	o.warn(ws)
	if err != nil {
		var b strings.Builder
		for _, name := range sortedKeys(files) {
			if strings.TrimSpace(files[name]) != "" {
				writeDocument(&b, name, files[name])
			}
		}
		res.Manifest = b.String()
		return res, invalidOutputError{err}
	}
	res.Hooks, res.Manifests = hooks, manifests

	var crds []chart.CRD
	if o.IncludeCRDs {
		crds = ch.CRDObjects()
	}
	size := 0
	for _, crd := range crds {
		size += len(crd.Filename) + len(crd.File.Data) + len(sourceHeader) + 2
	}
	for _, m := range manifests {
		size += len(m.Name) + len(m.Content) + len(sourceHeader) + 2
	}
	var b strings.Builder
	b.Grow(size)
	for _, crd := range crds {
		writeDocument(&b, crd.Filename, crd.File.Data)
	}
	for _, m := range manifests {
		if o.HideSecrets && m.Head.Kind == "Secret" && m.Head.APIVersion == "v1" {
			writeDocument(&b, m.Name, "# HIDDEN: The Secret output has been suppressed")
			continue
		}
		writeDocument(&b, m.Name, m.Content)
	}
	res.Manifest = b.String()
	return res, nil
}

const sourceHeader = "---\n# Source: "

// writeDocument appends one document of a manifest stream, headed by its source.
func writeDocument[T string | []byte](b *strings.Builder, source string, content T) {
	b.WriteString(sourceHeader)
	b.WriteString(source)
	b.WriteByte('\n')
	switch c := any(content).(type) {
	case string:
		b.WriteString(c)
	case []byte:
		b.Write(c)
	}
	b.WriteByte('\n')
}

const notesFile = "NOTES.txt"

// takeNotes removes every NOTES.txt from files and returns the top chart's (and, with
// sub, the subcharts' too), joined by newlines in path order.
func takeNotes(files map[string]string, top string, sub bool) string {
	var b strings.Builder
	for _, name := range sortedKeys(files) {
		if !strings.HasSuffix(name, notesFile) {
			continue
		}
		if sub || name == path.Join(top, "templates", notesFile) {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(files[name])
		}
		delete(files, name)
	}
	return b.String()
}

package lint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/warn"
)

// Severity ranks a lint message.
type Severity int

// Severities, lowest first. A chart fails lint when it has an Error message, or a
// Warning one in strict mode.
const (
	Unknown Severity = iota
	Info
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "INFO"
	case Warning:
		return "WARNING"
	case Error:
		return "ERROR"
	}
	return "UNKNOWN"
}

// Message is one finding: its severity, the chart file or folder it is about (relative
// to the chart, "" for the chart as a whole) and what is wrong.
type Message struct {
	Severity Severity
	Path     string
	Err      error
}

// Error formats the message as `helm lint` prints it: "[WARNING] templates/x.yaml: ...".
func (m Message) Error() string {
	return fmt.Sprintf("[%s] %s: %s", m.Severity, m.Path, m.Err)
}

// Options tune a lint run. The zero value lints with the chart's own values for
// namespace "" and the default Kubernetes version, validating values schemas.
type Options struct {
	// Values are the user's values (-f, --set...). Helm's value rule merges the chart's
	// top-level defaults into this map's nested tables, and later charts of the same
	// run see that; callers wanting Helm's exact behaviour pass one map to every run.
	Values map[string]any
	// Namespace is .Release.Namespace while rendering.
	Namespace string
	// KubeVersion is the cluster version for capabilities and deprecation checks;
	// nil means engine.DefaultCapabilities' version.
	KubeVersion *engine.KubeVersion
	// SkipSchemaValidation skips values.schema.json checks.
	SkipSchemaValidation bool
	// ChartLimits bound what loading the chart may take.
	ChartLimits chart.Limits
	// MaxRenderSize bounds what rendering the templates may produce (see
	// engine.Engine.MaxRenderSize); 0 means engine.DefaultMaxRenderSize.
	MaxRenderSize int64
}

// linter collects the messages of one chart.
type linter struct {
	fsys     fs.FS
	dir      string
	limits   chart.Limits
	messages []Message
	// warnings are what Helm logs while linting, in the order found.
	warnings []warn.Warning
}

// check records err, if any, with the severity and path, and tells whether err was nil.
func (l *linter) check(sev Severity, path string, err error) bool {
	if err == nil {
		return true
	}
	l.messages = append(l.messages, Message{Severity: sev, Path: path, Err: err})
	return false
}

// Chart runs every rule on the chart whose folder is the root of fsys. dir is that
// folder's absolute path; messages naming the chart folder or a file's full path use it.
// The warnings are the lines Helm logs while linting, in its order: what loading the
// chart and coalescing values noticed, and what fail and required report in templates.
func Chart(ctx context.Context, fsys fs.FS, dir string, o Options) ([]Message, []warn.Warning) {
	l := &linter{fsys: fsys, dir: dir, limits: o.ChartLimits}
	l.chartfile()
	l.values(o.Values, o.SkipSchemaValidation)
	l.templates(ctx, o)
	// The remaining rules see the chart as loaded, before dependency processing.
	ch, err := l.limits.LoadFS(l.fsys)
	err = withHelmTypes(err)
	l.dependencies(ch, err)
	l.crds(ch, err)
	return l.messages, l.warnings
}

// load reads the chart with the chart loader, noting what loading warns about.
func (l *linter) load() (*chart.Chart, error) {
	ch, err := l.limits.LoadFS(l.fsys)
	l.loaded(ch)
	return ch, withHelmTypes(err)
}

// loaded notes the load warnings of ch, which may be nil. Helm's dependency and CRD
// rules load the chart again each, so those rules call this for the chart they share.
func (l *linter) loaded(ch *chart.Chart) {
	if ch != nil {
		l.warn(ch.LoadWarnings...)
	}
}

func (l *linter) warn(ws ...warn.Warning) { l.warnings = append(l.warnings, ws...) }

// readFile reads a file of the chart; errors name the file by its full path.
func (l *linter) readFile(name string) ([]byte, error) {
	data, err := fs.ReadFile(l.fsys, name)
	return data, l.fullPath(err)
}

// stat stats a file of the chart; errors name the file by its full path.
func (l *linter) stat(name string) (fs.FileInfo, error) {
	fi, err := fs.Stat(l.fsys, name)
	return fi, l.fullPath(err)
}

func (l *linter) fullPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && !filepath.IsAbs(pe.Path) {
		pe.Path = filepath.Join(l.dir, filepath.FromSlash(pe.Path))
	}
	return err
}

// Failed tells whether messages make a chart fail: any Error, or in strict mode any
// Warning too.
func Failed(msgs []Message, strict bool) bool {
	lowest := Error
	if strict {
		lowest = Warning
	}
	for _, m := range msgs {
		if m.Severity >= lowest {
			return true
		}
	}
	return false
}

// HasWarningsOrErrors tells whether any message is above Info.
func HasWarningsOrErrors(msgs []Message) bool {
	for _, m := range msgs {
		if m.Severity > Info {
			return true
		}
	}
	return false
}

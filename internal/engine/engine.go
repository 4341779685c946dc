package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strings"
	"text/template"
	"unsafe"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/chart/common"
	"github.com/rudderpm/rudder/internal/warn"
)

// LookupFunc fetches live objects for the lookup template function: one object when
// name is set, otherwise a list. Namespace "" means all namespaces or cluster scope.
type LookupFunc func(ctx context.Context, apiVersion, kind, namespace, name string) (map[string]any, error)

// Engine renders templates. Its zero value renders as `helm template` does.
type Engine struct {
	// Strict makes a reference to a missing map key an error instead of an empty string.
	Strict bool
	// LintMode makes fail and required report through Warn instead of failing.
	LintMode bool
	// EnableDNS lets getHostByName resolve names; otherwise it returns "".
	EnableDNS bool
	// Lookup serves the lookup function; nil returns an empty map, as with no cluster.
	Lookup LookupFunc
	// Warn receives, in lint mode, what fail and required report instead of
	// failing, worded as Helm logs it; nil drops them.
	Warn func(warn.Warning)
	// MaxRenderSize bounds the bytes one render may produce: what its templates write,
	// the results of include and tpl, and what functions that can build far more than
	// they are given (repeat, printf, indent, until, toYaml, ...) build. Past it the
	// render fails with an error matching ErrRenderSize. 0 means DefaultMaxRenderSize.
	MaxRenderSize int64
}

// Markers around messages of fail and required, so they can be told apart from Go's own
// execution errors and shown without the template stack.
const (
	userErrStart = "HELM_ERR_START"
	userErrEnd   = "HELM_ERR_END"
)

// renderable is one template with the values of its chart.
type renderable struct {
	text     string
	vals     map[string]any
	basePath string
}

// Render renders every template of the chart tree with the top-level values built by
// RenderValues, and returns the output of each non-partial template by path
// (mychart/templates/x.yaml, mychart/charts/sub/templates/y.yaml).
func (e Engine) Render(ctx context.Context, c *chart.Chart, top map[string]any) (out map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	tpls := map[string]renderable{}
	collectTemplates(c, top, tpls)
	return e.render(ctx, tpls)
}

func (e Engine) render(ctx context.Context, tpls map[string]renderable) (map[string]string, error) {
	t := template.New("gotpl")
	// The option is shared by the whole set, tpl's templates included. With "zero", a
	// missing key of an untyped map still prints "<no value>"; it is removed below.
	if e.Strict {
		t.Option("missingkey=error")
	} else {
		t.Option("missingkey=zero")
	}
	g := newGuard(e.MaxRenderSize)
	set := &treeSet{t: t}
	known := e.bindFuncs(ctx, t, set, g)

	// Files are parsed in parallel, and rendering starts once the files that define
	// templates have joined the set (see treeSet). Lint waits for all of them, so that
	// a parse error is the only thing it reports.
	names := parseOrder(tpls)
	set.start(names, tpls, known)
	if err := set.prepare(e.LintMode); err != nil {
		return nil, err
	}

	out := make(map[string]string, len(names))
	var buf bytes.Buffer // reused: each output is then copied once, at its size
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			continue // partials only hold definitions
		}
		r := tpls[name]
		r.vals["Template"] = common.Values{"Name": name, "BasePath": r.basePath}
		buf.Reset()
		g.calls, g.bodies = 0, 0
		err := set.ensure(name)
		if err == nil {
			err = t.ExecuteTemplate(g.writer(&buf), name, r.vals)
		}
		if err != nil || g.err != nil {
			if perr := set.wait(); perr != nil {
				return nil, perr // a parse error anywhere comes first, as when parsing ends before rendering
			}
			if g.err != nil {
				return nil, g.report(name)
			}
			return nil, execError(err)
		}
		out[name] = noValue.Replace(buf.String())
	}
	if err := set.wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// noValue removes what text/template prints for a missing key of an untyped map.
var noValue = strings.NewReplacer("<no value>", "")

// parseOrder sorts templates deepest path first, and by reverse name within a depth, so
// that a chart's definitions, parsed later, override those of its subcharts.
func parseOrder(tpls map[string]renderable) []string {
	names := slices.Collect(maps.Keys(tpls))
	slices.SortFunc(names, func(a, b string) int {
		da, db := strings.Count(a, "/"), strings.Count(b, "/")
		if da != db {
			return db - da
		}
		return strings.Compare(b, a)
	})
	return names
}

// collectTemplates adds the templates of c and its subcharts to tpls, each with its
// chart's scoped values, and returns the values object built for c.
func collectTemplates(c *chart.Chart, parent map[string]any, tpls map[string]renderable) map[string]any {
	subcharts := map[string]any{}
	meta := metadataMap(c.Metadata)
	meta["IsRoot"] = c.IsRoot()
	vals := map[string]any{
		"Chart":        meta,
		"Files":        newFiles(c.Files),
		"Release":      parent["Release"],
		"Capabilities": parent["Capabilities"],
		"Values":       common.Values{},
		"Subcharts":    subcharts,
	}
	if c.IsRoot() {
		vals["Values"] = parent["Values"]
	} else if own, ok := valuesTable(parent["Values"], c.Name()); ok {
		vals["Values"] = common.Values(own)
	}
	for _, sub := range c.Dependencies() {
		subcharts[sub.Name()] = collectTemplates(sub, vals, tpls)
	}
	full := c.ChartFullPath()
	for _, f := range c.Templates {
		if f == nil {
			continue
		}
		if c.IsLibrary() && !strings.HasPrefix(path.Base(f.Name), "_") {
			continue
		}
		// Loaded chart files are never written to, so the text can share their bytes.
		text := unsafe.String(unsafe.SliceData(f.Data), len(f.Data))
		tpls[path.Join(full, f.Name)] = renderable{text: text, vals: vals, basePath: path.Join(full, "templates")}
	}
	return vals
}

// valuesTable finds a subchart's values within its parent's. The name is read as a
// dotted path, as Helm does, so a chart named "a.b" gets .Values.a.b of its parent.
func valuesTable(parent any, name string) (map[string]any, bool) {
	cur, ok := asMap(parent)
	for _, key := range strings.Split(name, ".") {
		if !ok {
			return nil, false
		}
		cur, ok = asMap(cur[key])
	}
	return cur, ok
}

func asMap(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, true
	case interface{ AsMap() map[string]any }:
		return t.AsMap(), true
	}
	return nil, false
}

// builtinFuncs are text/template's own functions, which parsing must know about.
var builtinFuncs = []string{"and", "call", "html", "index", "slice", "js", "len", "not", "or",
	"print", "printf", "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne"}

// bindFuncs installs the function map, with the functions that need the template set,
// and returns the names of every function templates may call, for parsing.
func (e Engine) bindFuncs(ctx context.Context, t *template.Template, set *treeSet, g *guard) map[string]any {
	funcs := baseFuncs()
	if compare, ok := funcs["semverCompare"].(func(string, string) (bool, error)); ok {
		funcs["semverCompare"] = rememberComparisons(compare)
	}
	g.guardFuncs(funcs)
	known := make(map[string]any, len(funcs)+len(builtinFuncs)+8)
	funcs["include"] = includeFunc(t, set, g)
	funcs["tpl"] = tplFunc(t, set, g, known)
	funcs["required"] = func(msg string, val any) (any, error) {
		if val == nil || val == "" {
			if e.LintMode {
				// Helm words a missing value and an empty string differently.
				what := "missing required value"
				if val != nil {
					what = "missing required values"
				}
				e.warn(warn.Warn(what, slog.String("message", msg)))
				return "", nil
			}
			return val, errors.New(userErrStart + msg + userErrEnd)
		}
		return val, nil
	}
	funcs["fail"] = func(msg string) (string, error) {
		if e.LintMode {
			e.warn(warn.Info("funcMap fail", slog.String("message", msg)))
			return "", nil
		}
		return "", errors.New(userErrStart + msg + userErrEnd)
	}
	funcs["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]any, error) {
		if e.Lookup == nil || e.LintMode {
			return map[string]any{}, nil
		}
		return e.Lookup(ctx, apiVersion, kind, namespace, name)
	}
	if !e.EnableDNS {
		funcs["getHostByName"] = func(string) string { return "" }
	}
	t.Funcs(funcs)
	for name := range funcs {
		known[name] = true
	}
	for _, name := range builtinFuncs {
		known[name] = true
	}
	t.Funcs(g.bodyFuncs()) // bound, but unknown to the parser
	return known
}

func (e Engine) warn(w warn.Warning) {
	if e.Warn != nil {
		e.Warn(w)
	}
}

// includeFunc runs a named template and returns its output.
func includeFunc(t *template.Template, set *treeSet, g *guard) func(string, any) (string, error) {
	return func(name string, data any) (string, error) {
		bodies, err := g.startCall(name)
		if err != nil {
			return "", err
		}
		if err := set.ensure(name); err != nil {
			return g.endCall(bodies, "", err)
		}
		b := g.builder()
		err = t.ExecuteTemplate(b, name, data)
		return g.endCall(bodies, b.String(), err)
	}
}

// tplFunc renders a string as a template, with the named templates of the set in
// scope. Definitions made by the string are visible to it alone: a string that defines
// templates runs in a copy of the set, as Helm does; one that defines none, the common
// case, runs against the set itself, which is much cheaper and renders the same.
func tplFunc(parent *template.Template, set *treeSet, g *guard, known map[string]any) func(string, any) (string, error) {
	return func(text string, data any) (string, error) {
		bodies, err := g.startCall("tpl")
		if err != nil {
			return "", err
		}
		out, err := runTpl(parent, set, g, known, text, data)
		return g.endCall(bodies, out, err)
	}
}

func runTpl(parent *template.Template, set *treeSet, g *guard, known map[string]any, text string, data any) (string, error) {
	trees, err := set.parseTpl(parent.Name(), text, known)
	if err != nil {
		return "", fmt.Errorf("cannot parse template %q: %w", text, err)
	}
	var t *template.Template
	if len(trees) == 1 {
		t = parent.New(parent.Name()) // not added to the set: it only borrows its names
		t.Tree = trees[parent.Name()]
		if err := set.ensureTree(t.Tree); err != nil {
			return "", err
		}
		set.noteCalls(parent, trees)
	} else {
		if err := set.addAll(); err != nil { // the copy must hold every file
			return "", err
		}
		clone, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		clone.Funcs(template.FuncMap{
			"include": includeFunc(clone, set, g),
			"tpl":     tplFunc(clone, set, g, known),
		})
		// As Template.Parse would, with trees parsed against the known functions only.
		t = clone.New(parent.Name())
		for _, name := range slices.Sorted(maps.Keys(trees)) {
			_, _ = t.AddParseTree(name, trees[name]) // never fails
		}
		set.noteCalls(clone, trees)
	}
	b := g.builder()
	if err := t.Execute(b, data); err != nil {
		return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
	}
	return noValue.Replace(b.String()), nil
}

package values

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/warn"
)

// ProcessDependencies applies a chart tree's dependency declarations for the given user
// values, as Helm does before rendering: aliased subcharts are copied under their alias,
// subcharts disabled by their condition or tags are removed, and import-values are
// merged into the parents' values. It modifies the chart tree. The warnings, in
// Helm's words, report conditions and tags that are not booleans, import-values
// that name no table, and what coalescing the values along the way skipped.
func ProcessDependencies(c *chart.Chart, vals map[string]any) ([]warn.Warning, error) {
	var ws []warn.Warning
	if err := processEnabled(&ws, c, vals, ""); err != nil {
		return ws, err
	}
	err := processImports(&ws, c)
	return ws, err
}

// processEnabled resolves aliases and drops disabled subcharts, recursively.
// path is the dotted prefix of c's values within the top chart's values.
func processEnabled(ws *[]warn.Warning, c *chart.Chart, vals map[string]any, path string) error {
	if c.Metadata.Dependencies == nil {
		return nil
	}
	declared := func(sub *chart.Chart) bool {
		for _, d := range c.Metadata.Dependencies {
			if d != nil && sub.Name() == d.Name && chart.IsCompatibleRange(d.Version, sub.Metadata.Version) {
				return true
			}
		}
		return false
	}
	// Subcharts no declaration matches come first, then one copy per declaration.
	var subs []*chart.Chart
	for _, sub := range c.Dependencies() {
		if !declared(sub) {
			subs = append(subs, sub)
		}
	}
	for _, d := range c.Metadata.Dependencies {
		if d == nil {
			continue
		}
		if sub := aliasedCopy(c.Dependencies(), d); sub != nil {
			subs = append(subs, sub)
		}
		if d.Alias != "" {
			d.Name = d.Alias
		}
	}
	c.SetDependencies(subs...)

	for _, d := range c.Metadata.Dependencies {
		if d != nil {
			d.Enabled = true
		}
	}
	cvals, cws, err := Coalesce(c, vals)
	*ws = append(*ws, cws...)
	if err != nil {
		return err
	}
	applyTags(ws, c.Metadata.Dependencies, cvals)
	applyConditions(ws, c.Metadata.Dependencies, cvals, path)

	disabled := map[string]bool{}
	var keptDecl []*chart.Dependency
	for _, d := range c.Metadata.Dependencies {
		if d == nil {
			continue
		}
		if !d.Enabled {
			disabled[d.Name] = true
			continue
		}
		keptDecl = append(keptDecl, d)
	}
	var kept []*chart.Chart
	for _, sub := range c.Dependencies() {
		if !disabled[sub.Name()] {
			kept = append(kept, sub)
		}
	}
	for _, sub := range kept {
		if err := processEnabled(ws, sub, cvals, path+sub.Name()+"."); err != nil {
			return err
		}
	}
	c.Metadata.Dependencies = keptDecl
	c.SetDependencies(kept...)
	return nil
}

// aliasedCopy returns a copy of the subchart a declaration refers to, renamed to its
// alias if it has one, or nil when no loaded subchart satisfies the declaration.
func aliasedCopy(subs []*chart.Chart, d *chart.Dependency) *chart.Chart {
	for _, sub := range subs {
		if sub == nil || sub.Name() != d.Name || !chart.IsCompatibleRange(d.Version, sub.Metadata.Version) {
			continue
		}
		cp := *sub
		md := *sub.Metadata
		if md.Dependencies != nil {
			md.Dependencies = make([]*chart.Dependency, len(sub.Metadata.Dependencies))
			for i, dd := range sub.Metadata.Dependencies {
				ddc := *dd
				md.Dependencies[i] = &ddc
			}
		}
		cp.Metadata = &md
		cp.SetDependencies()
		for _, grand := range sub.Dependencies() {
			g := *grand
			cp.AddDependency(&g)
		}
		if d.Alias != "" {
			cp.Metadata.Name = d.Alias
		}
		return &cp
	}
	return nil
}

// applyConditions sets Enabled from the first condition path that holds a boolean.
func applyConditions(ws *[]warn.Warning, deps []*chart.Dependency, vals Values, path string) {
	for _, d := range deps {
		if d == nil {
			continue
		}
		for _, cond := range strings.Split(strings.TrimSpace(d.Condition), ",") {
			if cond == "" {
				continue
			}
			v, err := vals.PathValue(path + cond)
			if err != nil {
				var nv ErrNoValue
				if !errors.As(err, &nv) {
					*ws = append(*ws, warn.Warn("the method PathValue returned error", slog.String("error", err.Error())))
				}
				continue
			}
			if b, ok := v.(bool); ok {
				d.Enabled = b
				break
			}
			*ws = append(*ws, warn.Warn("returned non-bool value", slog.String("path", cond), slog.String("chart", d.Name)))
		}
	}
}

// applyTags disables a dependency when one of its tags is false and none is true.
func applyTags(ws *[]warn.Warning, deps []*chart.Dependency, vals Values) {
	tags, err := vals.Table("tags")
	if err != nil {
		return
	}
	for _, d := range deps {
		if d == nil {
			continue
		}
		var anyTrue, anyFalse bool
		for _, tag := range d.Tags {
			v, ok := tags[tag]
			if !ok {
				continue
			}
			switch b, isBool := v.(bool); {
			case !isBool:
				*ws = append(*ws, warn.Warn("returned non-bool value", slog.String("tag", tag), slog.String("chart", d.Name)))
			case b:
				anyTrue = true
			default:
				anyFalse = true
			}
		}
		d.Enabled = anyTrue || !anyFalse
	}
}

// processImports merges import-values bottom-up through the tree.
func processImports(ws *[]warn.Warning, c *chart.Chart) error {
	for _, sub := range c.Dependencies() {
		if err := processImports(ws, sub); err != nil {
			return err
		}
	}
	return importValues(ws, c)
}

// importValues merges the values a chart imports from its subcharts into its own
// values. Both forms are supported: {child: x, parent: y} and a bare name, meaning
// the subchart's exports.<name>. The chart's own values win over imported ones.
func importValues(ws *[]warn.Warning, c *chart.Chart) error {
	if c.Metadata.Dependencies == nil {
		return nil
	}
	cvals, err := coalesce(ws, c, nil, "", true)
	if err != nil {
		return err
	}
	imported := map[string]any{}
	cv := Values(cvals)
	for _, d := range c.Metadata.Dependencies {
		var normalized []any
		for _, iv := range d.ImportValues {
			var child, parent string
			switch t := iv.(type) {
			case map[string]any:
				child, parent = fmt.Sprintf("%v", t["child"]), fmt.Sprintf("%v", t["parent"])
			case string:
				child, parent = "exports."+t, "."
			default:
				continue
			}
			normalized = append(normalized, map[string]string{"child": child, "parent": parent})
			table, err := cv.Table(d.Name + "." + child)
			if err != nil {
				*ws = append(*ws, missingImport(iv, d.Name, err))
				continue
			}
			imported = coalesceTables(ws, imported, nestUnder(parent, table.AsMap()), "", true)
		}
		d.ImportValues = normalized
	}
	c.Values = coalesceTables(ws, DeepCopy(cvals), imported, "", true)
	return nil
}

// missingImport is Helm's warning for an import-values entry naming no table of
// the subchart; Helm words it differently for the two forms.
func missingImport(entry any, chartName string, err error) warn.Warning {
	if _, ok := entry.(string); ok {
		return warn.Warn("ImportValues missing table", slog.String("error", err.Error()))
	}
	return warn.Warn("ImportValues missing table from chart", slog.String("chart", chartName), slog.String("error", err.Error()))
}

// nestUnder returns data placed at the dotted path ("." is the root).
func nestUnder(path string, data map[string]any) map[string]any {
	if path == "." {
		return data
	}
	keys := strings.Split(path, ".")
	out := data
	for i := len(keys) - 1; i >= 0; i-- {
		out = map[string]any{keys[i]: out}
	}
	return out
}

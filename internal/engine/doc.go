// Package engine renders chart templates exactly as Helm v4 does.
//
// Templates are Go text/template with Sprig's functions (without env and expandenv) and
// Helm's own (include, tpl, required, fail, toYaml, fromYaml, toJson, toToml, lookup,
// ...). Every template of a chart tree is parsed into one set, so a chart's named
// templates are visible everywhere and a parent's definitions win over a subchart's.
// Each template then runs with the values scoped to its own chart.
//
//	top := engine.RenderValues(ch, vals, engine.Release{Name: "r", Namespace: "ns", IsInstall: true}, caps)
//	files, err := engine.Engine{}.Render(ctx, ch, top)   // template path -> output
//
// Rendering never touches a cluster by itself: lookup returns an empty map unless the
// caller supplies a Lookup (the kube adapter does).
//
// A render is bounded, so that no chart can take the process down: include and tpl
// calls nest at most 1000 deep together (Helm stops a template including itself at
// the same depth, but lets tpl recurse until the stack overflows), {{template}}
// actions at most 100000 deep across the render, and what the render produces
// (template output, include and tpl results, and what functions such as repeat,
// printf, indent, until or toYaml build) at most Engine.MaxRenderSize bytes.
package engine

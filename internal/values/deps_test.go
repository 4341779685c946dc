package values

import (
	"slices"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
)

// subNames lists a chart's subcharts, recursively, as dotted paths.
func subNames(c *chart.Chart) []string {
	var out []string
	for _, d := range c.Dependencies() {
		out = append(out, d.Name())
		for _, n := range subNames(d) {
			out = append(out, d.Name()+"."+n)
		}
	}
	slices.Sort(out)
	return out
}

func dep(name string, lines ...string) string {
	s := "  - name: " + name + "\n    version: 0.1.0\n    repository: file://x\n"
	for _, l := range lines {
		s += "    " + l + "\n"
	}
	return s
}

func deps(entries ...string) string { return "dependencies:\n" + strings.Join(entries, "") }

func TestProcessDependenciesEnabled(t *testing.T) {
	a := spec{name: "a", values: "enabled: true\n"}
	b := spec{name: "b", values: "enabled: true\n"}
	tests := []struct {
		name string
		top  spec
		user string
		want []string
		// warnings are the ones expected (see sameWarnings), none when empty.
		warnings []string
	}{
		{
			name: "no conditions or tags: all enabled",
			top:  spec{name: "top", extra: deps(dep("a"), dep("b")), subs: []spec{a, b}},
			want: []string{"a", "b"},
		},
		{
			name: "condition false in the parent's values",
			top:  spec{name: "top", values: "a: {enabled: false}\n", extra: deps(dep("a", "condition: a.enabled"), dep("b")), subs: []spec{a, b}},
			want: []string{"b"},
		},
		{
			name: "condition read from the subchart's own defaults",
			top:  spec{name: "top", extra: deps(dep("a", "condition: a.enabled")), subs: []spec{{name: "a", values: "enabled: false\n"}}},
			want: nil,
		},
		{
			name: "user values decide last",
			top:  spec{name: "top", values: "a: {enabled: false}\n", extra: deps(dep("a", "condition: a.enabled")), subs: []spec{a}},
			user: "a: {enabled: true}\n",
			want: []string{"a"},
		},
		{
			name: "missing condition path leaves it enabled",
			top:  spec{name: "top", extra: deps(dep("a", "condition: nope.enabled")), subs: []spec{a}},
			want: []string{"a"},
		},
		{
			name:     "non-boolean condition is ignored",
			top:      spec{name: "top", values: "flag: \"false\"\n", extra: deps(dep("a", "condition: flag")), subs: []spec{a}},
			want:     []string{"a"},
			warnings: []string{"WARN returned non-bool value path=flag chart=a"},
		},
		{
			name:     "a non-boolean tag is ignored",
			top:      spec{name: "top", values: "tags: {front: maybe, back: false}\n", extra: deps(dep("a", "tags: [front, back]")), subs: []spec{a}},
			want:     nil,
			warnings: []string{"WARN returned non-bool value tag=front chart=a"},
		},
		{
			name: "first condition path that holds a boolean wins",
			top:  spec{name: "top", values: "x: {flag: false}\n", extra: deps(dep("a", "condition: nope,x.flag,a.enabled")), subs: []spec{a}},
			want: nil,
		},
		{
			name: "a false tag disables",
			top:  spec{name: "top", values: "tags: {front: false}\n", extra: deps(dep("a", "tags: [front]"), dep("b", "tags: [back]")), subs: []spec{a, b}},
			want: []string{"b"},
		},
		{
			name: "one true tag is enough",
			top:  spec{name: "top", values: "tags: {front: false, back: true}\n", extra: deps(dep("a", "tags: [front, back]")), subs: []spec{a}},
			want: []string{"a"},
		},
		{
			name: "a condition overrides tags",
			top:  spec{name: "top", values: "tags: {front: false}\na: {enabled: true}\n", extra: deps(dep("a", "tags: [front]", "condition: a.enabled")), subs: []spec{a}},
			want: []string{"a"},
		},
		{
			name: "conditions of a subchart's dependencies are relative to it",
			top: spec{name: "top", values: "mid: {leaf: {flag: false}}\n", extra: deps(dep("mid")), subs: []spec{
				{name: "mid", extra: deps(dep("leaf", "condition: leaf.flag")), subs: []spec{{name: "leaf"}}},
			}},
			want: []string{"mid"},
		},
		{
			name: "a subchart not declared is kept",
			top:  spec{name: "top", extra: deps(dep("a", "condition: a.enabled")), values: "a: {enabled: false}\n", subs: []spec{a, {name: "extra"}}},
			want: []string{"extra"},
		},
		{
			// The alias applies only to a subchart that satisfies the declared version.
			name: "a declared version the subchart does not satisfy: no alias",
			top:  spec{name: "top", extra: "dependencies:\n  - name: a\n    alias: b\n    version: ^2.0.0\n    repository: x\n", subs: []spec{a}},
			want: []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := buildChart(t, tt.top)
			ws, err := ProcessDependencies(c, parseYAML(t, tt.user))
			if err != nil {
				t.Fatal(err)
			}
			if got := subNames(c); !slices.Equal(got, tt.want) {
				t.Errorf("subcharts = %q, want %q", got, tt.want)
			}
			sameWarnings(t, ws, tt.warnings...)
		})
	}
}

func TestProcessDependenciesAliases(t *testing.T) {
	top := buildChart(t, spec{
		name:   "top",
		values: "first: {v: one}\nsecond: {enabled: false}\n",
		extra: deps(
			dep("db", "alias: first"),
			dep("db", "alias: second", "condition: second.enabled"),
			dep("db", "alias: third"),
		),
		subs: []spec{{name: "db", values: "v: default\nenabled: true\n"}},
	})
	if _, err := ProcessDependencies(top, nil); err != nil {
		t.Fatal(err)
	}
	if got := subNames(top); !slices.Equal(got, []string{"first", "third"}) {
		t.Fatalf("subcharts = %q, want first and third", got)
	}
	vals, _, err := Coalesce(top, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameValues(t, vals, parseYAML(t, `
first: {v: one, enabled: true, global: {}}
second: {enabled: false}
third: {v: default, enabled: true, global: {}}
`))
	// The aliased copies are independent charts named by their alias.
	for _, d := range top.Dependencies() {
		if d.Metadata.Name != d.Name() || d.Parent() != top {
			t.Errorf("copy %s: name %q, parent %v", d.Name(), d.Metadata.Name, d.Parent())
		}
	}
}

func TestProcessDependenciesImportValues(t *testing.T) {
	child := spec{name: "child", values: `
exports:
  data: {fromExports: yes, shared: child}
deep:
  table: {x: child, y2: child}
scalar: 5
`}
	tests := []struct {
		name     string
		imports  string
		values   string
		want     string
		warnings []string
	}{
		{
			name:    "exports form",
			imports: "import-values: [data]",
			want:    "fromExports: true\nshared: child\n",
		},
		{
			name:    "child and parent form",
			imports: "import-values: [{child: deep.table, parent: imported}]",
			want:    "imported: {x: child, y2: child}\n",
		},
		{
			name:    "the parent's own values win",
			imports: "import-values: [data, {child: deep.table, parent: imported}]",
			values:  "shared: parent\nimported: {x: parent}\n",
			want:    "fromExports: true\nshared: parent\nimported: {x: parent, y2: child}\n",
		},
		{
			name:    "a missing or non-table child path imports nothing",
			imports: "import-values: [{child: nope, parent: a}, {child: scalar, parent: b}, missing]",
			want:    "",
			warnings: []string{
				`WARN ImportValues missing table from chart chart=child error="nope" is not a table`,
				`WARN ImportValues missing table from chart chart=child error="scalar" is not a table`,
				`WARN ImportValues missing table error="missing" is not a table`,
			},
		},
		{
			name:    "earlier imports win over later ones",
			imports: "import-values: [{child: deep.table, parent: t}, {child: exports.data, parent: t}]",
			want:    "t: {x: child, y2: child, fromExports: true, shared: child}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := buildChart(t, spec{name: "top", values: tt.values, extra: deps(dep("child", tt.imports)), subs: []spec{child}})
			ws, err := ProcessDependencies(top, nil)
			if err != nil {
				t.Fatal(err)
			}
			sameWarnings(t, ws, tt.warnings...)
			got := DeepCopy(top.Values)
			delete(got, "child") // the subchart's own section is not what is tested here
			sameValues(t, got, parseYAML(t, tt.want))
			// Imports are rewritten to the child/parent form.
			for _, iv := range top.Metadata.Dependencies[0].ImportValues {
				if m, ok := iv.(map[string]string); !ok || m["child"] == "" || m["parent"] == "" {
					t.Errorf("import %v not normalized", iv)
				}
			}
		})
	}
}

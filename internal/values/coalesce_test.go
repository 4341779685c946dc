package values

import (
	"encoding/json"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/warn"
)

// spec describes a chart of a test tree: its values.yaml, extra Chart.yaml lines and
// its subcharts.
type spec struct {
	name   string
	values string
	extra  string
	subs   []spec
}

func buildChart(t *testing.T, s spec) *chart.Chart {
	t.Helper()
	files := []*chart.File{
		{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: " + s.name + "\nversion: 0.1.0\n" + s.extra)},
		{Name: "values.yaml", Data: []byte(s.values)},
	}
	c, err := chart.LoadFiles(files)
	if err != nil {
		t.Fatalf("chart %s: %v", s.name, err)
	}
	for _, sub := range s.subs {
		c.AddDependency(buildChart(t, sub))
	}
	return c
}

func parseYAML(t *testing.T, s string) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("test YAML %q: %v", s, err)
	}
	return m
}

// sameValues compares two value trees through JSON, so number types do not matter.
func sameValues(t *testing.T, got, want map[string]any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

func TestCoalesce(t *testing.T) {
	sub := func(values string, subs ...spec) spec { return spec{name: "sub", values: values, subs: subs} }
	tests := []struct {
		name string
		top  spec
		user string
		want string
	}{
		{
			name: "user values override defaults",
			top:  spec{name: "top", values: "a: 1\nb: 2\n"},
			user: "b: 3\nc: 4\n",
			want: "a: 1\nb: 3\nc: 4\n",
		},
		{
			name: "maps merge deeply",
			top:  spec{name: "top", values: "m: {x: 1, k: 2, n: {p: 1}}\n"},
			user: "m: {k: 3, z: 4, n: {q: 2}}\n",
			want: "m: {x: 1, k: 3, z: 4, n: {p: 1, q: 2}}\n",
		},
		{
			name: "lists are replaced, not merged",
			top:  spec{name: "top", values: "l: [1, 2, 3]\n"},
			user: "l: [9]\n",
			want: "l: [9]\n",
		},
		{
			name: "a user scalar replaces a default map",
			top:  spec{name: "top", values: "m: {x: 1}\n"},
			user: "m: flat\n",
			want: "m: flat\n",
		},
		{
			name: "a user map over a default scalar is kept",
			top:  spec{name: "top", values: "a: 1\n"},
			user: "a: {x: 1}\n",
			want: "a: {x: 1}\n",
		},
		{
			name: "null from the user deletes the default, at any depth",
			top:  spec{name: "top", values: "a: 1\nm: {x: 1, k: 2}\n"},
			user: "a: null\nm: {x: null}\n",
			want: "m: {k: 2}\n",
		},
		{
			name: "nulls in defaults are dropped",
			top:  spec{name: "top", values: "a: null\nm: {x: null, k: 1}\n"},
			want: "m: {k: 1}\n",
		},
		{
			name: "a user null for a key without default stays",
			top:  spec{name: "top", values: "a: 1\n"},
			user: "b: null\n",
			want: "a: 1\nb: null\n",
		},
		{
			name: "subchart defaults < parent values < user values",
			top:  spec{name: "top", values: "sub: {x: parent, k: parent}\n", subs: []spec{sub("x: sub\nk: sub\nz: sub\n")}},
			user: "sub: {k: user}\n",
			want: "sub: {x: parent, k: user, z: sub, global: {}}\n",
		},
		{
			// Helm's quirk: the parent's section for a subchart loses its nulls when
			// the user gives no values for that subchart...
			name: "a parent's null alone does not delete a subchart default",
			top:  spec{name: "top", values: "sub: {k: null}\n", subs: []spec{sub("x: sub\nk: sub\n")}},
			want: "sub: {x: sub, k: sub, global: {}}\n",
		},
		{
			// ...and keeps them, deleting the subchart's default, when the user does.
			name: "a parent's null deletes a subchart default once the user sets the subchart",
			top:  spec{name: "top", values: "sub: {k: null}\n", subs: []spec{sub("x: sub\nk: sub\n")}},
			user: "sub: {x: user}\n",
			want: "sub: {x: user, global: {}}\n",
		},
		{
			name: "a user null deletes a subchart default, deep",
			top:  spec{name: "top", subs: []spec{sub("m: {a: 1, b: 2}\n")}},
			user: "sub: {m: {a: null}}\n",
			want: "sub: {m: {b: 2}, global: {}}\n",
		},
		{
			name: "globals flow down to every level",
			top: spec{name: "top", values: "global: {g: top}\n", subs: []spec{
				sub("", spec{name: "leaf"}),
			}},
			want: "global: {g: top}\nsub: {global: {g: top}, leaf: {global: {g: top}}}\n",
		},
		{
			name: "parent globals win over a subchart's own, which are kept otherwise",
			top:  spec{name: "top", values: "global: {g: top, m: {a: top}}\n", subs: []spec{sub("global: {g: sub, h: sub, m: {a: sub, b: sub}}\n")}},
			want: "global: {g: top, m: {a: top}}\nsub: {global: {g: top, h: sub, m: {a: top, b: sub}}}\n",
		},
		{
			name: "user globals win everywhere",
			top:  spec{name: "top", values: "global: {g: top}\n", subs: []spec{sub("global: {g: sub}\n")}},
			user: "global: {g: user}\n",
			want: "global: {g: user}\nsub: {global: {g: user}}\n",
		},
		{
			name: "globals set for one subchart stay in it",
			top:  spec{name: "top", subs: []spec{sub("")}},
			user: "sub: {global: {only: sub}}\n",
			want: "sub: {global: {only: sub}}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := buildChart(t, tt.top)
			user := parseYAML(t, tt.user)
			userCopy := DeepCopy(user)
			got, _, err := Coalesce(c, user)
			if err != nil {
				t.Fatal(err)
			}
			sameValues(t, got, parseYAML(t, tt.want))
			sameValues(t, user, userCopy) // the input is not modified
		})
	}
}

// TestCoalesceWarnings: what coalescing cannot merge is reported in Helm's words,
// and the user's value is kept.
func TestCoalesceWarnings(t *testing.T) {
	sub := spec{name: "sub", values: "x: 1\n"}
	tests := []struct {
		name     string
		top      spec
		user     string
		want     string
		warnings []string
	}{
		{
			name:     "a user's scalar over a default table",
			top:      spec{name: "top", values: "a: {b: {c: 1}}\n"},
			user:     "a: {b: 5}\n",
			want:     "a: {b: 5}\n",
			warnings: []string{"INFO warning: cannot overwrite table with non table for top.a.b (map[c:1])"},
		},
		{
			name:     "a user's table over a default scalar",
			top:      spec{name: "top", values: "a: {b: 1}\n"},
			user:     "a: {b: {c: 2}}\n",
			want:     "a: {b: {c: 2}}\n",
			warnings: []string{"INFO warning: destination for top.a.b is a table. Ignoring non-table value (1)"},
		},
		{
			name:     "a user's table where the default is a scalar",
			top:      spec{name: "top", values: "a: 1\n"},
			user:     "a: {b: 2}\n",
			want:     "a: {b: 2}\n",
			warnings: []string{"INFO warning: skipped value for top.a: Not a table."},
		},
		{
			name:     "globals that are not a table",
			top:      spec{name: "top", subs: []spec{sub}},
			user:     "global: 3\n",
			want:     "global: 3\nsub: {x: 1}\n",
			warnings: []string{"INFO warning: skipping globals because source global is not a table."},
		},
		{
			name:     "a subchart's globals that are not a table",
			top:      spec{name: "top", subs: []spec{sub}},
			user:     "sub: {global: 3}\n",
			want:     "sub: {global: 3, x: 1}\n",
			warnings: []string{"INFO warning: skipping globals because destination global is not a table."},
		},
		{
			name:     "a global table over a subchart's global scalar",
			top:      spec{name: "top", subs: []spec{sub}},
			user:     "global: {g: {a: 1}}\nsub: {global: {g: 5}}\n",
			want:     "global: {g: {a: 1}}\nsub: {global: {g: 5}, x: 1}\n",
			warnings: []string{`INFO Conflict: cannot merge map onto non-map for "g". Skipping.`},
		},
		{
			name:     "a global scalar over a subchart's global table",
			top:      spec{name: "top", subs: []spec{sub}},
			user:     "global: {g: 1}\nsub: {global: {g: {a: 1}}}\n",
			want:     "global: {g: 1}\nsub: {global: {g: {a: 1}}, x: 1}\n",
			warnings: []string{"INFO key g is table. Skipping"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ws, err := Coalesce(buildChart(t, tt.top), parseYAML(t, tt.user))
			if err != nil {
				t.Fatal(err)
			}
			sameValues(t, got, parseYAML(t, tt.want))
			sameWarnings(t, ws, tt.warnings...)
		})
	}
}

func TestCoalesceErrors(t *testing.T) {
	c := buildChart(t, spec{name: "top", subs: []spec{{name: "sub", values: "x: 1\n"}}})
	for _, user := range []string{"sub: 5\n", "sub: [1]\n", "sub: text\n"} {
		if _, _, err := Coalesce(c, parseYAML(t, user)); err == nil {
			t.Errorf("Coalesce with %q: no error for a subchart's values that are not a map", user)
		}
	}
}

func TestMergeKeepsNulls(t *testing.T) {
	c := buildChart(t, spec{name: "top", values: "a: 1\nb: null\nm: {x: null}\n"})
	got, _, err := Merge(c, parseYAML(t, "a: null\n"))
	if err != nil {
		t.Fatal(err)
	}
	sameValues(t, got, parseYAML(t, "a: null\nb: null\nm: {x: null}\n"))
}

func TestCoalesceTables(t *testing.T) {
	tests := []struct {
		name           string
		dst, src, want string
		merge          bool
		// warning is the one warning expected, "" for none.
		warning string
	}{
		{name: "dst wins", dst: "a: 1\n", src: "a: 2\nb: 2\n", want: "a: 1\nb: 2\n"},
		{name: "maps merge", dst: "m: {a: 1}\n", src: "m: {a: 2, b: 2}\n", want: "m: {a: 1, b: 2}\n"},
		{name: "null in dst deletes", dst: "a: null\n", src: "a: 2\n", want: "{}\n"},
		{name: "null in dst kept when merging", dst: "a: null\n", src: "a: 2\n", want: "a: null\n", merge: true},
		{name: "table not replaced by a scalar", dst: "m: {a: 1}\n", src: "m: 2\n", want: "m: {a: 1}\n",
			warning: "INFO warning: destination for m is a table. Ignoring non-table value (2)"},
		{name: "scalar not replaced by a table", dst: "m: {k: 2}\n", src: "m: {k: {a: 1, b: x}}\n", want: "m: {k: 2}\n",
			warning: "INFO warning: cannot overwrite table with non table for m.k (map[a:1 b:x])"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := CoalesceTables
			if tt.merge {
				f = MergeTables
			}
			got, ws := f(parseYAML(t, tt.dst), parseYAML(t, tt.src))
			sameValues(t, got, parseYAML(t, tt.want))
			sameWarnings(t, ws, tt.warning)
		})
	}
}

// FuzzCoalesce: any values a chart, its subchart and a user may give coalesce, and
// process dependencies, with an error or a result, never a panic; the user's map is
// left as it was.
func FuzzCoalesce(f *testing.F) {
	f.Add("a: 1\nglobal: {g: 1}\nsub: {x: 2}\n", "x: 1\ny: [1, 2]\nglobal: {h: 2}\n", "a: null\nsub: {x: null, y: {z: 1}}\nglobal: 3\n", "")
	f.Add("sub: 1\n", "global: []\n", "sub: {global: {a: 1}}\n", "  condition: sub.enabled\n  tags: [t]\n")
	f.Add("tags: {t: false}\n", "", "sub: {enabled: false}\n", "  condition: sub.enabled,other\n  import-values: [{child: x, parent: y}]\n")
	f.Fuzz(func(t *testing.T, parent, sub, user, dep string) {
		subChart, err := chart.LoadFiles([]*chart.File{
			{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: sub\nversion: 0.1.0\n")},
			{Name: "values.yaml", Data: []byte(sub)},
		})
		if err != nil {
			return
		}
		top, err := chart.LoadFiles([]*chart.File{
			{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: top\nversion: 0.1.0\ndependencies:\n- name: sub\n  version: 0.1.0\n" + dep)},
			{Name: "values.yaml", Data: []byte(parent)},
		})
		if err != nil {
			return
		}
		top.AddDependency(subChart)
		var vals map[string]any
		if yaml.Unmarshal([]byte(user), &vals) != nil {
			return
		}
		before, _ := json.Marshal(vals)
		if _, err := ProcessDependencies(top, vals); err != nil {
			return
		}
		_, _, _ = Coalesce(top, vals)
		_, _, _ = Merge(top, vals)
		if after, _ := json.Marshal(vals); string(after) != string(before) {
			t.Fatalf("the user's values changed: %s -> %s", before, after)
		}
	})
}

// sameWarnings checks that ws is the listed warnings, in order, each written as its
// level and Warning.String ("INFO warning: ...").
func sameWarnings(t *testing.T, ws []warn.Warning, want ...string) {
	t.Helper()
	var got []string
	for _, w := range ws {
		got = append(got, w.Level.String()+" "+w.String())
	}
	want = slices.DeleteFunc(want, func(s string) bool { return s == "" })
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n got %q\nwant %q", got, want)
	}
}

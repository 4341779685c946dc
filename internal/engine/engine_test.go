package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
)

// testChart builds a chart from file contents keyed by chart-relative path.
func testChart(t *testing.T, files map[string]string) *chart.Chart {
	t.Helper()
	var fs []*chart.File
	for name, data := range files {
		fs = append(fs, &chart.File{Name: name, Data: []byte(data)})
	}
	c, err := chart.LoadFiles(fs)
	if err != nil {
		t.Fatalf("loading test chart: %v", err)
	}
	return c
}

func chartYAML(name string) string {
	return "apiVersion: v2\nname: " + name + "\nversion: 0.1.0\n"
}

// render renders c with vals as .Values and the default release and capabilities.
func render(t *testing.T, e Engine, c *chart.Chart, vals map[string]any) (map[string]string, error) {
	t.Helper()
	top := RenderValues(c, vals, Release{Name: "rel", Namespace: "ns", Revision: 1, IsInstall: true}, nil)
	return e.Render(context.Background(), c, top)
}

func TestSubchartValuesScope(t *testing.T) {
	tests := []struct {
		name    string
		subName string
		vals    map[string]any
		want    string
	}{
		{
			name:    "plain name",
			subName: "sub",
			vals:    map[string]any{"sub": map[string]any{"v": "own"}},
			want:    "v=own",
		},
		{
			name:    "no values for the subchart",
			subName: "sub",
			vals:    map[string]any{"other": 1},
			want:    "v=",
		},
		{
			name:    "values that are not a map",
			subName: "sub",
			vals:    map[string]any{"sub": "scalar"},
			want:    "v=",
		},
		{
			// Helm reads the subchart's name as a dotted path into the parent's values.
			name:    "dotted name is a path",
			subName: "a.b",
			vals: map[string]any{
				"a.b": map[string]any{"v": "flat"},
				"a":   map[string]any{"b": map[string]any{"v": "nested"}},
			},
			want: "v=nested",
		},
		{
			name:    "dotted name with a missing step",
			subName: "a.b",
			vals:    map[string]any{"a.b": map[string]any{"v": "flat"}},
			want:    "v=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := testChart(t, map[string]string{"Chart.yaml": chartYAML("top")})
			sub := testChart(t, map[string]string{
				"Chart.yaml":      chartYAML(tt.subName),
				"templates/v.txt": "v={{ .Values.v }}",
			})
			top.AddDependency(sub)
			out, err := render(t, Engine{}, top, tt.vals)
			if err != nil {
				t.Fatal(err)
			}
			got := out["top/charts/"+tt.subName+"/templates/v.txt"]
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderSkipsPartialsAndLibraryTemplates(t *testing.T) {
	top := testChart(t, map[string]string{
		"Chart.yaml":            chartYAML("top"),
		"templates/_h.tpl":      `{{ define "top.h" }}H{{ end }}`,
		"templates/sub/_p.yaml": "partial",
		"templates/a.yaml":      `{{ include "top.h" . }}{{ include "lib.x" . }}`,
	})
	lib := testChart(t, map[string]string{
		"Chart.yaml":        chartYAML("lib") + "type: library\n",
		"templates/_x.tpl":  `{{ define "lib.x" }}X{{ end }}`,
		"templates/cm.yaml": "from a library: never rendered",
	})
	top.AddDependency(lib)
	out, err := render(t, Engine{}, top, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out["top/templates/a.yaml"] != "HX" {
		t.Errorf("got %q, want only top/templates/a.yaml = HX", out)
	}
}

func TestRenderErrorMessages(t *testing.T) {
	tests := []struct {
		name string
		tpl  string
		want string
	}{
		{"unclosed action", "{{ .Values.a\n", "parse error at (c/templates/t.yaml:2): unclosed action started at c/templates/t.yaml:1"},
		{"unknown function", "{{ nosuchfunc 1 }}", `parse error at (c/templates/t.yaml:1): function "nosuchfunc" not defined`},
		{"missing if value on line 3", "a: 1\nb: 2\n{{ if }}\n", "parse error at (c/templates/t.yaml:3): missing value for if"},
		{"unexpected end", "{{ end }}", "parse error at (c/templates/t.yaml:1): unexpected {{end}}"},
		{"undefined variable", "{{ $x }}", `parse error at (c/templates/t.yaml:1): undefined variable "$x"`},
		{"fail", `{{ fail "failed hard" }}`, "execution error at (c/templates/t.yaml:1:3): failed hard"},
		{"required inside an include points at the include's line and column", `{{ define "r" }}{{ required "inner req" .x }}{{ end }}{{ include "r" (dict) }}`,
			"execution error at (c/templates/t.yaml:1:57): inner req"},
		{"nil pointer", "a\nb\nc\n{{ $x := 1 }}\n  {{ .Values.nope.x }}\n",
			"c/templates/t.yaml:5:12\n  executing \"c/templates/t.yaml\" at <.Values.nope.x>:\n    nil pointer evaluating interface {}.x"},
		{"error calling a function", `{{ index .Values.l 10 }}`,
			`template: c/templates/t.yaml:1:3: executing "c/templates/t.yaml" at <index .Values.l 10>: error calling index: index out of range: 10`},
		{"missing named template", `{{ include "nope" . }}`,
			"c/templates/t.yaml:1:3\n  executing \"c/templates/t.yaml\" at <include \"nope\" .>:\n    error calling include:\ntemplate: no template \"nope\" associated with template \"gotpl\""},
		{"nested includes list every level", `{{ define "n1" }}{{ include "n2" . }}{{ end }}{{ define "n2" }}{{ .a.b }}{{ end }}{{ include "n1" (dict "a" 1) }}`,
			"c/templates/t.yaml:1:85\n  executing \"c/templates/t.yaml\" at <include \"n1\" (dict \"a\" 1)>:\n    error calling include:\n" +
				"c/templates/t.yaml:1:20\n  executing \"n1\" at <include \"n2\" .>:\n    error calling include:\n" +
				"c/templates/t.yaml:1:68\n  executing \"n2\" at <.a.b>:\n    can't evaluate field b in type interface {}"},
		{"tpl parse error", `{{ tpl "{{ " . }}`,
			`template: c/templates/t.yaml:1:3: executing "c/templates/t.yaml" at <tpl "{{ " .>: error calling tpl: cannot parse template "{{ ": template: gotpl:1: unclosed action`},
		{"range over a number", "{{ range .Values.a }}{{ end }}",
			"c/templates/t.yaml:1:16\n  executing \"c/templates/t.yaml\" at <.Values.a>:\n    range can't iterate over 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testChart(t, map[string]string{"Chart.yaml": chartYAML("c"), "templates/t.yaml": tt.tpl})
			_, err := render(t, Engine{}, c, map[string]any{"a": float64(1), "l": []any{1, 2}})
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), tt.want)
			}
		})
	}
}

func TestRenderRecursionLimit(t *testing.T) {
	c := testChart(t, map[string]string{
		"Chart.yaml":       chartYAML("c"),
		"templates/t.yaml": `{{ define "loop" }}{{ include "loop" . }}{{ end }}{{ include "loop" . }}`,
		// Deep but finite recursion is fine.
		"templates/u.yaml": `{{ define "count" }}{{ if gt . 0 }}{{ include "count" (sub . 1) }}{{ end }}{{ end }}{{ include "count" 500 }}ok`,
	})
	_, err := render(t, Engine{}, c, nil)
	if err == nil || !strings.Contains(err.Error(), "rendering template has a nested reference name: loop: unable to execute template") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzRender feeds arbitrary template text to the engine: it may fail, but must not
// panic, and a failure must name the template file.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"{{ .Values.a }}", "{{ include \"x\" . }}", "{{ define \"x\" }}{{ end }}", "{{ tpl \"{{ .a\" . }}",
		"{{ fail \"x\" }}", "{{ .a.b.c }}", "{{", "}}", "{{/*", "{{ template \"t\" }}", "a: {{ toYaml . | nindent 2 }}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tpl string) {
		c := testChart(t, map[string]string{"Chart.yaml": chartYAML("c"), "templates/t.yaml": tpl})
		_, err := render(t, Engine{MaxRenderSize: 1 << 20}, c, map[string]any{"a": 1})
		if err != nil && !strings.Contains(err.Error(), "c/templates/t.yaml") && !strings.Contains(err.Error(), "no template") &&
			!strings.Contains(err.Error(), "nested reference") && !strings.Contains(err.Error(), "rendering template failed") {
			t.Errorf("error does not name the template: %v", err)
		}
	})
}

// .Values is Helm's common.Values in every chart: its methods can be called, and
// functions that want a plain map refuse it, with Helm's words.
func TestValuesObject(t *testing.T) {
	c := testChart(t, map[string]string{
		"Chart.yaml":           chartYAML("c"),
		"values.yaml":          "a:\n  b: 1\n",
		"templates/t.yaml":     `{{ typeOf .Values }} {{ .Values.Table "a" | toJson }} {{ .Values.PathValue "a.b" }} {{ dig "a" "b" "" .Values.AsMap }} {{ .Values.YAML | trim }}`,
		"templates/types.yaml": `{{ typeOf .Capabilities }} {{ typeOf .Capabilities.KubeVersion }} {{ typeOf .Capabilities.APIVersions }} {{ typeOf .Capabilities.HelmVersion }} {{ typeOf .Template }}`,
		"charts/s/Chart.yaml":  chartYAML("s"),
		"charts/s/templates/t": `{{ typeOf .Values }} {{ len .Values.AsMap }}`,
	})
	out, err := render(t, Engine{}, c, map[string]any{"a": map[string]any{"b": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out["c/templates/t.yaml"], "common.Values {\"b\":1} 1 1 a:\n  b: 1"; got != want {
		t.Errorf("top chart: %q, want %q", got, want)
	}
	if got, want := out["c/templates/types.yaml"], "*common.Capabilities common.KubeVersion common.VersionSet version.BuildInfo common.Values"; got != want {
		t.Errorf("types of the built-in objects: %q, want Helm's %q", got, want)
	}
	if got, want := out["c/charts/s/templates/t"], "common.Values 0"; got != want {
		t.Errorf("subchart without values: %q, want %q", got, want)
	}

	c = testChart(t, map[string]string{
		"Chart.yaml":       chartYAML("c"),
		"templates/t.yaml": `{{ dig "a" "" .Values }}`,
	})
	_, err = render(t, Engine{}, c, nil)
	if err == nil || !strings.Contains(err.Error(), "interface {} is common.Values, not map[string]interface {}") {
		t.Errorf("dig on .Values: %v", err)
	}
}

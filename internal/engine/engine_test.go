package engine

import (
	"context"
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

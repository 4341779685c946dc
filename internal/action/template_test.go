package action_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/warn"
)

// memChart builds a chart from file contents keyed by chart-relative path.
func memChart(t *testing.T, files map[string]string) *chart.Chart {
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

const okConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"

func TestTemplateFailureOutput(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		vals     map[string]any
		showOnly []string
		// wantResult says a result (what --debug prints) comes with the error.
		wantResult  bool
		wantText    string
		wantErrRend bool
	}{
		{
			name: "execution error leaves an empty line",
			files: map[string]string{
				"templates/a.yaml": okConfigMap,
				"templates/b.yaml": `{{ fail "boom" }}`,
			},
			wantResult: true,
			wantText:   "\n",
		},
		{
			name:       "parse error leaves an empty line",
			files:      map[string]string{"templates/a.yaml": "{{ .Values.x "},
			wantResult: true,
			wantText:   "\n",
		},
		{
			name: "invalid YAML shows the raw output, trimmed",
			files: map[string]string{
				"templates/a.yaml": "a: b: c\n\n\n",
			},
			wantResult:  true,
			wantText:    "---\n# Source: c/templates/a.yaml\na: b: c\n",
			wantErrRend: true,
		},
		{
			name: "invalid YAML with a show-only pattern that matches",
			files: map[string]string{
				"templates/a.yaml": "a: b: c\n",
				"templates/b.yaml": okConfigMap,
			},
			showOnly:    []string{"templates/b.yaml"},
			wantResult:  true,
			wantText:    "---\n# Source: c/templates/b.yaml\n" + okConfigMap + "\n",
			wantErrRend: true,
		},
		{
			name:        "invalid YAML with a show-only pattern that matches nothing",
			files:       map[string]string{"templates/a.yaml": "a: b: c\n"},
			showOnly:    []string{"templates/zzz.yaml"},
			wantResult:  true,
			wantText:    "",
			wantErrRend: true,
		},
		{
			name: "kubeVersion constraint not met",
			files: map[string]string{
				"Chart.yaml":       "apiVersion: v2\nname: c\nversion: 1.0.0\nkubeVersion: '>=9.0.0'\n",
				"templates/a.yaml": okConfigMap,
			},
			wantResult: true,
			wantText:   "\n",
		},
		{
			name: "values refused by the schema: no result",
			files: map[string]string{
				"values.schema.json": `{"type": "object", "properties": {"x": {"type": "integer"}}}`,
				"templates/a.yaml":   okConfigMap,
			},
			vals: map[string]any{"x": "str"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := tt.files["Chart.yaml"]; !ok {
				tt.files["Chart.yaml"] = "apiVersion: v2\nname: c\nversion: 1.0.0\n"
			}
			ch := memChart(t, tt.files)
			tpl := action.Template{
				RenderOptions: action.RenderOptions{ReleaseName: "r", Namespace: "ns", Capabilities: engine.DefaultCapabilities()},
				ShowOnly:      tt.showOnly,
			}
			res, err := tpl.Run(context.Background(), ch, tt.vals)
			if err == nil {
				t.Fatal("expected an error")
			}
			if got := errors.Is(err, action.ErrRender); got != tt.wantErrRend {
				t.Errorf("errors.Is(err, ErrRender) = %v, want %v (err: %v)", got, tt.wantErrRend, err)
			}
			if (res != nil) != tt.wantResult {
				t.Fatalf("result = %v, want a result: %v (err: %v)", res, tt.wantResult, err)
			}
			if res != nil && res.Text != tt.wantText {
				t.Errorf("Text = %q, want %q", res.Text, tt.wantText)
			}
		})
	}
}

func TestTemplateRefusesAPIVersionV3(t *testing.T) {
	for _, apiVersion := range []string{"v1", "v2", "v3"} {
		t.Run(apiVersion, func(t *testing.T) {
			ch := memChart(t, map[string]string{
				"Chart.yaml":       "apiVersion: " + apiVersion + "\nname: c\nversion: 1.0.0\n",
				"templates/a.yaml": okConfigMap,
			})
			tpl := action.Template{RenderOptions: action.RenderOptions{ReleaseName: "r"}}
			_, err := tpl.Run(context.Background(), ch, nil)
			if want := apiVersion == "v3"; errors.Is(err, action.ErrChartAPIVersion) != want {
				t.Fatalf("err = %v, want ErrChartAPIVersion: %v", err, want)
			}
			if apiVersion != "v3" && err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTemplateRefusesSystemLabels(t *testing.T) {
	ch := memChart(t, map[string]string{"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n", "templates/a.yaml": okConfigMap})
	for _, tt := range []struct {
		labels  map[string]string
		wantErr bool
	}{
		{labels: nil},
		{labels: map[string]string{"team": "a"}},
		{labels: map[string]string{"team": "a", "owner": "me"}, wantErr: true},
		{labels: map[string]string{"createdAt": "1"}, wantErr: true},
	} {
		_, err := action.Template{RenderOptions: action.RenderOptions{ReleaseName: "r"}, Labels: tt.labels}.Run(context.Background(), ch, nil)
		if (err != nil) != tt.wantErr {
			t.Errorf("labels %v: err = %v, want an error: %v", tt.labels, err, tt.wantErr)
		}
	}
}

// TestRenderWarnings: rendering hands what Helm logs to RenderOptions.Warnings, in
// Helm's order and number (dependency processing coalesces once and reads the
// conditions, rendering coalesces again, then the output is sorted), even when it
// then fails.
func TestRenderWarnings(t *testing.T) {
	files := map[string]string{
		"Chart.yaml":                 "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.0.0\n  condition: sub.enabled\n",
		"values.yaml":                "sub: {enabled: maybe}\nm: {k: {x: 1}}\n",
		"templates/hook.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: h\n  annotations:\n    helm.sh/hook: crd-install\n",
		"charts/sub/Chart.yaml":      "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
		"charts/sub/templates/a.yml": okConfigMap,
	}
	var got []string
	o := action.RenderOptions{ReleaseName: "r", Warnings: func(w warn.Warning) { got = append(got, w.String()) }}
	if _, err := action.Render(context.Background(), memChart(t, files), map[string]any{"m": map[string]any{"k": 2}}, o); err != nil {
		t.Fatal(err)
	}
	clash := "warning: cannot overwrite table with non table for top.m.k (map[x:1])"
	want := []string{clash, "returned non-bool value path=sub.enabled chart=sub", clash, "skipping unknown hooks hookTypes=crd-install"}
	if !slices.Equal(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}

	// A failure after the values were coalesced still leaves their warnings seen.
	got = nil
	files["values.schema.json"] = `{"properties": {"m": {"type": "string"}}}`
	if _, err := action.Render(context.Background(), memChart(t, files), map[string]any{"m": map[string]any{"k": 2}}, o); err == nil {
		t.Fatal("no schema error")
	}
	if !slices.Equal(got, want[:3]) {
		t.Errorf("warnings before the schema error\n got %q\nwant %q", got, want[:3])
	}
}

// WriteFiles reports the files it wrote before one it could not write.
func TestTemplateWriteFilesStopsAtAFailure(t *testing.T) {
	ch := memChart(t, map[string]string{
		"Chart.yaml":       "apiVersion: v2\nname: c\nversion: 1.0.0\n",
		"templates/a.yaml": okConfigMap,
		"templates/b.yaml": strings.Replace(okConfigMap, "name: ok", "name: other", 1),
	})
	res, err := action.Template{RenderOptions: action.RenderOptions{ReleaseName: "r"}}.Run(context.Background(), ch, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// A folder where b.yaml should go.
	if err := os.MkdirAll(filepath.Join(dir, "r", "c", "templates", "b.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	names, err := res.WriteFiles(dir, "r")
	want := []string{filepath.Join(dir, "r", "c", "templates", "a.yaml")}
	if err == nil || !slices.Equal(names, want) {
		t.Fatalf("WriteFiles = %q, %v; want %q and an error", names, err, want)
	}
	got, err := os.ReadFile(want[0])
	if err != nil || string(got) != "---\n# Source: c/templates/a.yaml\n"+okConfigMap+"\n" {
		t.Fatalf("a.yaml = %q, %v", got, err)
	}
}

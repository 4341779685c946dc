package action

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/manifest"
)

func TestCreateScaffoldRenders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	res, err := Create{}.Run(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Dir != dir || len(res.Overwritten) != 0 {
		t.Fatalf("result %+v", res)
	}
	if fi, err := os.Stat(filepath.Join(dir, "charts")); err != nil || !fi.IsDir() {
		t.Fatalf("charts/ folder: %v", err)
	}
	ch, err := chart.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if md := ch.Metadata; md.Name != "demo" || md.APIVersion != "v2" || md.Version != "0.1.0" || md.Type != "application" || md.AppVersion == "" || md.Description == "" {
		t.Errorf("metadata %+v", md)
	}

	everything := map[string]any{
		"ingress":     map[string]any{"enabled": true, "tls": []any{map[string]any{"secretName": "s", "hosts": []any{"a.example"}}}},
		"httpRoute":   map[string]any{"enabled": true},
		"autoscaling": map[string]any{"enabled": true, "targetMemoryUtilizationPercentage": 60},
		"podLabels":   map[string]any{"tier": "web"},
		"volumes":     []any{map[string]any{"name": "v", "emptyDir": map[string]any{}}},
	}
	tests := []struct {
		name  string
		vals  map[string]any
		kinds []string
	}{
		{"defaults", nil, []string{"ServiceAccount", "Service", "Deployment", "Pod"}},
		{"everything on", everything, []string{"ServiceAccount", "Service", "Deployment", "HorizontalPodAutoscaler", "Ingress", "HTTPRoute", "Pod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := chart.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Template{RenderOptions: RenderOptions{ReleaseName: "shop", Namespace: "ns"}}.Run(context.Background(), ch, tt.vals)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, doc := range manifest.Split(res.Text) {
				var obj struct {
					APIVersion string `json:"apiVersion"`
					Kind       string `json:"kind"`
					Metadata   struct {
						Name   string            `json:"name"`
						Labels map[string]string `json:"labels"`
					} `json:"metadata"`
				}
				if err := yaml.UnmarshalStrict([]byte(doc), &obj); err != nil && !strings.Contains(err.Error(), "unknown field") {
					t.Fatalf("document is not YAML: %v\n%s", err, doc)
				}
				if obj.APIVersion == "" || obj.Kind == "" || !strings.HasPrefix(obj.Metadata.Name, "shop-demo") {
					t.Errorf("incomplete object:\n%s", doc)
				}
				if obj.Metadata.Labels["app.kubernetes.io/instance"] != "shop" || obj.Metadata.Labels["helm.sh/chart"] != "demo-0.1.0" {
					t.Errorf("%s: labels %v", obj.Kind, obj.Metadata.Labels)
				}
				kinds = append(kinds, obj.Kind)
			}
			if strings.Join(kinds, ",") != strings.Join(tt.kinds, ",") {
				t.Errorf("kinds %v, want %v", kinds, tt.kinds)
			}
			if !strings.Contains(res.Rendered.Notes, "shop") {
				t.Errorf("notes:\n%s", res.Rendered.Notes)
			}
		})
	}
}

func TestCreateOverwritesScaffoldFilesOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if _, err := (Create{}).Run(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(dir, "templates", "mine.yaml")
	if err := os.WriteFile(mine, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "values.yaml"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Create{}.Run(context.Background(), dir+string(filepath.Separator))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Overwritten) != 12 || res.Overwritten[0] != filepath.Join(dir, "Chart.yaml") {
		t.Errorf("overwritten %q", res.Overwritten)
	}
	if b, _ := os.ReadFile(mine); string(b) != "kept" {
		t.Error("a file that is not part of the scaffold was touched")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "values.yaml")); string(b) == "changed" {
		t.Error("values.yaml was not overwritten")
	}
}

func TestCreateErrors(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
	}{
		{"bad name", `chart name must match the regular expression "^[a-zA-Z0-9._-]+$"`},
		{strings.Repeat("a", 251), "chart name must be between 1 and 250 characters"},
		{".", `chart name "." is not allowed`},
		{"", `chart name "." is not allowed`},
		{tmp + string(filepath.Separator) + "..", `chart name ".." is not allowed`},
		{file, "file " + file + " already exists and is not a directory"},
		{filepath.Join(file, "x"), "no such directory " + file},
		{filepath.Join(tmp, "a", "b"), "stat " + filepath.Join(tmp, "a") + ": no such file or directory"},
	}
	for _, tt := range tests {
		_, err := Create{}.Run(context.Background(), tt.path)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("create %q: got %v, want %q", tt.path, err, tt.want)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCreateFromStarter(t *testing.T) {
	tmp := t.TempDir()
	starter := filepath.Join(tmp, "starter")
	writeFiles(t, starter, map[string]string{
		"Chart.yaml":             "apiVersion: v2\nname: starter\nversion: 9.9.9\nicon: https://example.com/i.png\n",
		"Chart.lock":             "dependencies: []\ndigest: x\n",
		"values.yaml":            "# for <CHARTNAME>\nname: <CHARTNAME>\n",
		"values.schema.json":     `{"type":"object"}`,
		".helmignore":            "secret.txt\n",
		"secret.txt":             "not copied",
		"README.md":              "about <CHARTNAME>",
		"templates/cm.yaml":      "name: {{ include \"<CHARTNAME>.name\" . }}",
		"charts/sub/Chart.yaml":  "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
		"charts/sub/values.yaml": "x: <CHARTNAME>\n",
	})
	dest := filepath.Join(tmp, "out", "deep", "web") // parents are created for starters
	res, err := Create{Starter: starter}.Run(context.Background(), dest)
	if err != nil {
		t.Fatal(err)
	}
	if res.Dir != dest {
		t.Errorf("dir %s", res.Dir)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(name)))
		if err != nil {
			t.Error(err)
		}
		return string(b)
	}
	if got := read("Chart.yaml"); got != "apiVersion: v2\nappVersion: 0.1.0\ndescription: A Helm chart for Kubernetes\nname: web\ntype: application\nversion: 0.1.0\n" {
		t.Errorf("Chart.yaml:\n%s", got)
	}
	if got := read("values.yaml"); got != "# for web\nname: web\n" {
		t.Errorf("values.yaml:\n%s", got)
	}
	if got := read("templates/cm.yaml"); got != `name: {{ include "web.name" . }}` {
		t.Errorf("template: %s", got)
	}
	if got := read("README.md"); got != "about <CHARTNAME>" {
		t.Errorf("other files keep the placeholder, got %s", got)
	}
	if read("values.schema.json") != `{"type":"object"}` || read(".helmignore") != "secret.txt\n" {
		t.Error("schema or .helmignore not copied")
	}
	for _, absent := range []string{"secret.txt", "Chart.lock", "charts/sub"} {
		if _, err := os.Stat(filepath.Join(dest, absent)); err == nil {
			t.Errorf("%s was copied", absent)
		}
	}
	sub, err := chart.Load(filepath.Join(dest, "charts", "sub-1.0.0.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	if sub.Values["x"] != "<CHARTNAME>" {
		t.Errorf("subchart values %v", sub.Values)
	}

	// The same starter as an archive gives the same chart.
	st, err := chart.Load(starter)
	if err != nil {
		t.Fatal(err)
	}
	var tgz bytes.Buffer
	if err := chart.WriteArchive(&tgz, st, chart.ArchiveOptions{}); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(tmp, "starter.tgz")
	if err := os.WriteFile(archive, tgz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(tmp, "again", "web")
	if _, err := (Create{Starter: archive}).Run(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Chart.yaml", "values.yaml", "templates/cm.yaml", "charts/sub-1.0.0.tgz"} {
		a, _ := os.ReadFile(filepath.Join(dest, filepath.FromSlash(name)))
		b, _ := os.ReadFile(filepath.Join(again, filepath.FromSlash(name)))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between a starter folder and its archive", name)
		}
	}

	if _, err := (Create{Starter: filepath.Join(tmp, "nope")}).Run(context.Background(), filepath.Join(tmp, "x")); err == nil || !strings.HasPrefix(err.Error(), "could not load "+filepath.Join(tmp, "nope")) {
		t.Errorf("missing starter: %v", err)
	}
	if _, err := (Create{Starter: starter}).Run(context.Background(), filepath.Join(tmp, "bad name")); err == nil {
		t.Error("a starter does not excuse a bad chart name")
	}
}

package action_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// manyChart writes the chart of bench/diff.sh: 100 ConfigMaps, Services and
// Deployments, 10 of which follow .Values.generation.
func manyChart(b *testing.B) string {
	dir := filepath.Join(b.TempDir(), "many")
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: many\nversion: 1.0.0\n",
		"values.yaml": "generation: 1\n",
		"templates/objects.yaml": `{{- range $i := until 100 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
data:
  generation: {{ if lt $i 4 }}{{ $.Values.generation | quote }}{{ else }}"1"{{ end }}
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{{ $i }}
  labels:
    generation: {{ if lt $i 3 }}{{ $.Values.generation | quote }}{{ else }}"1"{{ end }}
spec:
  selector:
    app: app-{{ $i }}
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{{ $i }}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app-{{ $i }}
  template:
    metadata:
      labels:
        app: app-{{ $i }}
        generation: {{ if lt $i 3 }}{{ $.Values.generation | quote }}{{ else }}"1"{{ end }}
    spec:
      containers:
      - name: app
        image: registry.invalid/app:1
{{- end }}
`,
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkDiffUpgradeRender measures `diff upgrade --dry-run=client` past the
// release read: load the chart, render it, parse both sides and compare.
func BenchmarkDiffUpgradeRender(b *testing.B) {
	ctx := context.Background()
	dir := manyChart(b)
	ch, err := chart.LoadMapped(dir)
	if err != nil {
		b.Fatal(err)
	}
	out, err := action.Template{RenderOptions: action.RenderOptions{ReleaseName: "many", Namespace: "bench"}}.Run(ctx, ch, nil)
	if err != nil {
		b.Fatal(err)
	}
	store := storage.New(storage.NewMemory("bench", storage.DriverOptions{}), storage.Options{})
	rel := &release.Release{Name: "many", Namespace: "bench", Version: 1, Chart: ch, Manifest: out.Text,
		Info: &release.Info{Status: release.StatusDeployed}}
	if err := store.Create(ctx, rel, storage.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ch, err := chart.LoadMapped(dir)
		if err != nil {
			b.Fatal(err)
		}
		d := &action.Diff{Releases: store, DiffOptions: action.DiffOptions{Namespace: "bench"}}
		res, err := d.Upgrade(ctx, "many", ch, map[string]any{"generation": 2})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(res.Entries); n != 10 || res.Plan().Change != 10 {
			b.Fatalf("%d entries, %v", n, res.Plan())
		}
	}
}

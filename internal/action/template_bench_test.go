package action_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/engine"
)

// corpusChart returns the path of a chart of the shared conformance corpus, skipping
// the benchmark when the corpus is not beside the repository.
func corpusChart(b *testing.B, name string) string {
	dir := os.Getenv("RUDDER_CONFORMANCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance")
	}
	p := filepath.Join(dir, "charts", name)
	if _, err := os.Stat(p); err != nil {
		b.Skipf("conformance corpus not found (%v); set RUDDER_CONFORMANCE", err)
	}
	return p
}

// benchmarkTemplate measures what `rudder template` does for a chart of the corpus:
// load it from disk, coalesce values, render and sort.
func benchmarkTemplate(b *testing.B, name string, vals map[string]any, apiVersions ...string) {
	benchmarkTemplateDir(b, corpusChart(b, name), true, vals, apiVersions...)
}

func benchmarkTemplateDir(b *testing.B, p string, crds bool, vals map[string]any, apiVersions ...string) {
	kv, err := engine.ParseKubeVersion("1.31.0")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		ch, err := chart.LoadMapped(p) // as the template command loads

		if err != nil {
			b.Fatal(err)
		}
		caps := engine.DefaultCapabilities()
		caps.KubeVersion = *kv
		caps.APIVersions = append(caps.APIVersions, apiVersions...)
		res, err := action.Template{RenderOptions: action.RenderOptions{
			ReleaseName: "bench", Namespace: "bench", Capabilities: caps, IncludeCRDs: crds,
		}}.Run(context.Background(), ch, vals)
		if err != nil {
			b.Fatal(err)
		}
		size = len(res.Text)
	}
	b.ReportMetric(float64(size), "bytes/render")
}

// kube-prometheus-stack, the chart the speed goal is stated against (about 650 KB
// rendered without its CRDs, as `template` prints it by default; many templates, four
// subcharts); bench/kps.sh fetches it.
func BenchmarkTemplateKubePrometheusStack(b *testing.B) {
	p := filepath.Join("..", "..", "bench", ".cache", "kube-prometheus-stack")
	if _, err := os.Stat(p); err != nil {
		b.Skip("kube-prometheus-stack not fetched: run bench/kps.sh")
	}
	benchmarkTemplateDir(b, p, false, nil)
}

// The largest render of the corpus (about 1 MB, much of it CRDs).
func BenchmarkTemplateArgoRollouts(b *testing.B) {
	benchmarkTemplate(b, "argo-rollouts", nil)
}

// A template-heavy umbrella chart with subcharts and many helpers.
func BenchmarkTemplateTempoDistributed(b *testing.B) {
	benchmarkTemplate(b, "tempo-distributed", map[string]any{
		"ingest": map[string]any{"kafka": map[string]any{"address": "kafka:9092"}},
	}, "monitoring.coreos.com/v1")
}

// Bitnami charts lean on the common library's helpers and tpl.
func BenchmarkTemplatePostgresql(b *testing.B) {
	benchmarkTemplate(b, "postgresql", map[string]any{
		"auth": map[string]any{"postgresPassword": "x"}, "architecture": "replication",
	}, "monitoring.coreos.com/v1")
}

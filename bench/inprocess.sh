#!/usr/bin/env bash
# bench/inprocess.sh: the Go template benchmarks (internal/action, BenchmarkTemplate*)
# side by side with the same work done by Helm v4.3.1's Go packages in the same way
# (load the chart, render as `helm template` does), so that time and memory per render
# compare without process start-up. Helm is fetched through the Go module proxy into a
# throwaway module; Rudder itself never links it.
#
#   bench/inprocess.sh [count]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$(cd "${RUDDER_CONFORMANCE:-$root/../shared/conformance}" && pwd)/charts"
count="${1:-5}"
kps="$("$root/bench/kps.sh")"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/go.mod" <<'MOD'
module helmbench

go 1.26

require helm.sh/helm/v4 v4.3.1
MOD
cat >"$tmp/bench_test.go" <<GO
package helmbench

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/kube"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
)

// render loads and renders a chart as "helm template" does: a client-only dry run.
func render(b *testing.B, path string, crds bool, vals map[string]any, apiVersions ...string) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	kv, err := common.ParseKubeVersion("1.31.0")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ch, err := loader.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		cfg := &action.Configuration{Releases: storage.Init(driver.NewMemory()), KubeClient: &kube.Client{}, Capabilities: common.DefaultCapabilities}
		in := action.NewInstall(cfg)
		in.DryRunStrategy = action.DryRunClient
		in.ReleaseName, in.Namespace = "bench", "bench"
		in.IncludeCRDs = crds
		in.KubeVersion = kv
		in.APIVersions = apiVersions
		if _, err := in.RunWithContext(context.Background(), ch, vals); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTemplateKubePrometheusStack(b *testing.B) { render(b, "$kps", false, map[string]any{}) }
func BenchmarkTemplateArgoRollouts(b *testing.B)         { render(b, "$corpus/argo-rollouts", true, map[string]any{}) }
func BenchmarkTemplateTempoDistributed(b *testing.B) {
	render(b, "$corpus/tempo-distributed", true, map[string]any{
		"ingest": map[string]any{"kafka": map[string]any{"address": "kafka:9092"}},
	}, "monitoring.coreos.com/v1")
}
func BenchmarkTemplatePostgresql(b *testing.B) {
	render(b, "$corpus/postgresql", true, map[string]any{
		"auth": map[string]any{"postgresPassword": "x"}, "architecture": "replication",
	}, "monitoring.coreos.com/v1")
}
GO

# Interleaved, so that both see the same load on the machine.
for _ in $(seq "$count"); do
	(cd "$root" && go test -run '^$' -bench '^BenchmarkTemplate' -count 1 ./internal/action) | sed -n 's/^Benchmark/rudder Benchmark/p'
	(cd "$tmp" && GOFLAGS=-mod=mod go test -run '^$' -bench '^BenchmarkTemplate' -count 1 .) | sed -n 's/^Benchmark/helm   Benchmark/p'
done | awk '
	{ name=$2; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkTemplate/, "", name)
	  for (i=3; i<=NF; i++) { if ($(i)=="ns/op") ns=$(i-1); if ($(i)=="B/op") by=$(i-1) }
	  k=$1 SUBSEP name; n[k]++; t[k, n[k]]=ns; m[k, n[k]]=by; names[name]=1 }
	function med(a, k, c,   i, j, x, v) { for (i=1;i<=c;i++) v[i]=a[k, i]+0; for (i=1;i<=c;i++) for (j=i+1;j<=c;j++) if (v[j]<v[i]) { x=v[i]; v[i]=v[j]; v[j]=x }; return v[int((c+1)/2)] }
	END {
		printf "%-22s %12s %12s   %12s %12s   %s\n", "chart (median)", "rudder ms", "rudder MB", "helm ms", "helm MB", "ratios: time, memory"
		for (c in names) {
			r=("rudder" SUBSEP c); h=("helm" SUBSEP c)
			rt=med(t, r, n[r])/1e6; rm=med(m, r, n[r])/1e6; ht=med(t, h, n[h])/1e6; hm=med(m, h, n[h])/1e6
			printf "%-22s %12.1f %12.1f   %12.1f %12.1f   %.2f, %.2f\n", c, rt, rm, ht, hm, rt/ht, rm/hm
		}
	}'

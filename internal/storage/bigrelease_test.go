package storage

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/release"
)

// dashboards is about size bytes of Grafana-like dashboard JSON, the kind of
// text big charts carry in ConfigMaps: repetitive keys, varied ids, queries
// and numbers, so it compresses about as well as the real thing. The same
// seed gives the same text.
func dashboards(size int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	metrics := []string{"http_requests_total", "container_cpu_usage_seconds_total", "node_memory_MemAvailable_bytes",
		"kube_pod_container_status_restarts_total", "grpc_server_handled_total", "process_resident_memory_bytes"}
	labels := []string{"namespace", "pod", "container", "job", "instance", "code", "method", "service"}
	var b strings.Builder
	b.WriteString(`{"dashboards":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"uid":"%016x","title":"Service %d overview","panels":[`, r.Uint64(), i)
		for p := range 8 {
			if p > 0 {
				b.WriteByte(',')
			}
			m, l := metrics[r.IntN(len(metrics))], labels[r.IntN(len(labels))]
			fmt.Fprintf(&b, `{"id":%d,"type":"timeseries","title":"%s by %s","gridPos":{"h":%d,"w":%d,"x":%d,"y":%d},`+
				`"targets":[{"expr":"sum by (%s) (rate(%s{%s=~\"%x.*\"}[%dm]))","refId":"A"}],`+
				`"thresholds":[{"color":"green","value":%.3f},{"color":"red","value":%.3f}]}`,
				r.IntN(1000), m, l, r.IntN(12)+4, r.IntN(24)+1, r.IntN(24), r.IntN(200), l, m, l, r.Uint32(), r.IntN(60)+1,
				r.Float64()*100, r.Float64()*1000)
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

// bigRelease is newRelease with a release record of about size bytes of
// JSON: a chart of dashboard ConfigMaps (the dashboards once in its template
// and once in the rendered manifest) that also carries a packaged file (a
// tenth of the size, which does not compress).
func bigRelease(name string, version int, status release.Status, size int) *release.Release {
	rel := newRelease(name, version, status)
	js := dashboards(size*2/5, uint64(version))
	packed := make([]byte, size/10)
	rand.NewChaCha8([32]byte{byte(version)}).Read(packed)
	c := *tChart
	c.Templates = []*chart.File{{Name: "templates/dashboards.yaml", Data: []byte("kind: ConfigMap\ndata:\n  d.json: '" + js + "'\n")}}
	c.Files = []*chart.File{{Name: "files/bundle.tgz", Data: packed}}
	rel.Chart = &c
	rel.Manifest = "---\n# Source: demo/templates/dashboards.yaml\nkind: ConfigMap\ndata:\n  d.json: '" + js + "'\n"
	return rel
}

// BenchmarkEncodeBig measures what gzip's best compression, which Rudder
// uses, gains over Helm's default level on big records:
//
//	go test -run '^$' -bench EncodeBig -benchtime 3x ./internal/storage/
//
// Measured (2 shared cores): 5.6 MiB of JSON encodes to 1,479,040 bytes in
// 171 ms at the default level, 1,442,360 bytes (-2.5%) in 263 ms at the best;
// 33.8 MiB to 8,831,056 bytes in 0.98 s, 8,611,648 (-2.5%) in 1.21 s. The
// objects needed do not change (2 and 9), so the best level buys little for
// chunked records; it stays for all, since near the limit it keeps a record
// in one object that Helm can read, and costs a fraction of the writes.
func BenchmarkEncodeBig(b *testing.B) {
	for _, size := range []int{5 << 20, 30 << 20} {
		rel := bigRelease("big", 1, release.StatusDeployed, size)
		js, _ := json.Marshal(rel)
		for _, level := range []int{gzip.DefaultCompression, gzip.BestCompression} {
			b.Run(fmt.Sprintf("%dMiB/level%d", size>>20, level), func(b *testing.B) {
				var n int
				for b.Loop() {
					p, err := encodeReleaseAt(rel, level)
					if err != nil {
						b.Fatal(err)
					}
					n = len(p)
				}
				b.ReportMetric(float64(len(js)), "json-bytes")
				b.ReportMetric(float64(n), "record-bytes")
				b.ReportMetric(float64((n+chunkSize-1)/chunkSize), "objects")
			})
		}
	}
}

#!/usr/bin/env bash
# bench/kps.sh: assemble kube-prometheus-stack, the chart the speed goal of the chart
# engine is stated against (about 650 KB rendered), with its subcharts, and print the
# chart's directory. The charts come from their projects' Git repositories through the
# Go module proxy (the one registry of charts this network reaches), pinned here, and
# are assembled once under bench/.cache.
#
#   dir="$(bench/kps.sh)" && rudder template kps "$dir" -n monitoring
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prometheus=github.com/prometheus-community/helm-charts@v0.0.0-20260828105119-ed5d7d9b5933
grafana=github.com/grafana-community/helm-charts@v0.0.0-20260829030558-dbf9f4fb5fa1
out="$root/bench/.cache/kube-prometheus-stack"

if [[ ! -f "$out/Chart.yaml" ]]; then
	# moddir MODULE@VERSION: the module's directory in the Go module cache.
	moddir() { (cd "$(mktemp -d)" && go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'); }
	p="$(moddir "$prometheus")/charts"
	g="$(moddir "$grafana")/charts"
	[[ -d "$p/kube-prometheus-stack" && -d "$g/grafana" ]] || { echo "bench/kps.sh: could not fetch the charts" >&2; exit 1; }
	rm -rf "$out.tmp" && mkdir -p "$(dirname "$out")"
	cp -r "$p/kube-prometheus-stack" "$out.tmp"
	chmod -R u+w "$out.tmp"
	for sub in "$p/kube-state-metrics" "$p/prometheus-node-exporter" "$p/prometheus-windows-exporter" "$g/grafana"; do
		cp -r "$sub" "$out.tmp/charts/"
	done
	chmod -R u+w "$out.tmp"
	mv "$out.tmp" "$out"
fi
echo "$out"

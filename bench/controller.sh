#!/usr/bin/env bash
# bench/controller.sh: how long `rudder controller run` takes to make N
# HelmReleases Ready (a small chart: a ConfigMap, a Service and a Deployment,
# from one HelmRepository served by `rudder serve`), and its peak RSS, on the
# local control plane (a dedicated cluster, stopped at the end).
#
#   bench/controller.sh                    100 releases at concurrency 10
#   N="100 500 1000" CONCURRENT="10 50" bench/controller.sh
#   PROFILE=/tmp/cpu N=200 bench/controller.sh   also a 30 s CPU profile per run
#                                                (/tmp/cpu-200-10.pprof; go tool pprof)
#
# Not yet here: the peer (Flux's helm-controller v1.4.0 and source-controller
# v1.7.0 run out of cluster beside it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	hack/cluster down --name bench-controller >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/rudder" ./cmd/rudder
go build -o "$work/controllerload" ./bench/controllerload
eval "$(hack/cluster up --name bench-controller)"
export HELM_CACHE_HOME="$work/cache" HELM_CONFIG_HOME="$work/config" HELM_DATA_HOME="$work/data"

chart="$work/small"
mkdir -p "$chart/templates" "$work/store"
cat > "$chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: small
version: 1.0.0
YAML
cat > "$chart/templates/objects.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
data:
  release: {{ .Release.Name | quote }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    app: {{ .Release.Name }}
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}
    spec:
      containers:
      - name: app
        image: registry.invalid/app:1
YAML
"$work/rudder" package "$chart" -d "$work/store" >/dev/null
port=$(( 20000 + RANDOM % 20000 ))
"$work/rudder" serve --storage-dir "$work/store" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pids+=($!)
"$work/rudder" controller install-crds >/dev/null

for n in ${N:-100}; do
	for c in ${CONCURRENT:-10}; do
		ns="bench-$n-$c"
		metrics=(--metrics-addr 0)
		if [[ -n "${PROFILE:-}" ]]; then
			mport=$(( 20000 + RANDOM % 20000 ))
			metrics=(--metrics-addr "127.0.0.1:$mport" --enable-pprof)
		fi
		"$work/rudder" controller run --concurrent "$c" --watch-namespace "$ns" --leader-election-namespace "$ns" \
			"${metrics[@]}" --health-addr "" >"$work/controller-$ns.log" 2>&1 &
		ctl=$!
		pids+=("$ctl")
		if [[ -n "${PROFILE:-}" ]]; then
			(sleep 3; curl -sf -o "$PROFILE-$n-$c.pprof" "http://127.0.0.1:$mport/debug/pprof/profile?seconds=30") &
			pids+=($!)
		fi
		secs=$("$work/controllerload" -n "$n" -namespace "$ns" -repo "http://127.0.0.1:$port" -chart small)
		rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$ctl/status")
		kill "$ctl"
		wait "$ctl" 2>/dev/null || true
		printf 'rudder  releases %5d  concurrency %3d  all Ready in %7.1fs  peak RSS %4d MiB\n' "$n" "$c" "$secs" "$rss"
	done
done

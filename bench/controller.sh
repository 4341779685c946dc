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
#   APISERVER=1 N=500 bench/controller.sh  also the API server's busiest requests
#                                          per run (time spent by verb and resource)
#
#   PEER=1 bench/controller.sh             also Flux's helm-controller v1.4.0 and
#                                          source-controller v1.7.0 (hack/peer), run
#                                          out of cluster on the same control plane,
#                                          on Flux's CRDs (which Rudder reads too)
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

# rudder hands `controller run` over to the rudder-controller beside it (same
# process: the PID below is the controller's).
go build -o "$work/" ./cmd/rudder ./cmd/rudder-controller
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
if [[ -n "${PEER:-}" ]]; then
	helmctl="$(hack/peer helm-controller)"
	srcctl="$(hack/peer source-controller)"
	# Flux's own CRDs, from the modules the peers were built from, installed as
	# the crds/ of a chart.
	mkdir -p "$work/fluxcrds/crds"
	printf 'apiVersion: v2\nname: fluxcrds\nversion: 1.0.0\n' > "$work/fluxcrds/Chart.yaml"
	for m in github.com/fluxcd/helm-controller@v1.4.0 github.com/fluxcd/source-controller@v1.7.0; do
		cp "$(go env GOMODCACHE)/$m"/config/crd/bases/*.yaml "$work/fluxcrds/crds/"
	done
	"$work/rudder" install fluxcrds "$work/fluxcrds" -n default >/dev/null
else
	"$work/rudder" controller install-crds >/dev/null
fi

# cpu PID... is the CPU seconds (user and system) the processes used so far.
cpu() {
	local tck
	tck=$(getconf CLK_TCK)
	for p in "$@"; do cat "/proc/$p/stat"; done |
		awk -v t="$tck" '{ sub(/.*\) /, ""); s += $12 + $13 } END { printf "%.1f", s / t }'
}

# The control plane's processes, by name, for their CPU seconds.
cluster_pids() {
	local name p
	for name in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
		p=$(pgrep -f "/$name .*clusters/bench-controller/" | head -1) && printf '%s=%s ' "$name" "$p"
	done
}

# cluster_cpu prints each control plane process's CPU seconds, as name=seconds.
cluster_cpu() {
	local kv
	for kv in $(cluster_pids); do printf '%s=%s ' "${kv%%=*}" "$(cpu "${kv#*=}")"; done
}

# cluster_cpu_since BEFORE prints the CPU seconds each control plane process
# used since cluster_cpu printed BEFORE.
cluster_cpu_since() {
	local before="$1" kv name was
	printf '  control plane CPU:'
	for kv in $(cluster_cpu); do
		name="${kv%%=*}"
		was=$(tr ' ' '\n' <<<"$before" | sed -n "s/^$name=//p")
		printf ' %s %.1fs' "$name" "$(awk -v a="${kv#*=}" -v b="${was:-0}" 'BEGIN { print a - b }')"
	done
	printf '\n'
}

# load is the one-minute load average of the machine.
load() { cut -d' ' -f1 /proc/loadavg; }

# apiserver prints the API server's requests that took the most time since it
# started (seconds by verb and resource, and how many), when APISERVER is set.
apiserver() {
	[[ -n "${APISERVER:-}" ]] || return 0
	kubectl get --raw /metrics | awk '
		/^apiserver_request_duration_seconds_(sum|count)\{/ {
			v = $0; sub(/.*verb="/, "", v); sub(/".*/, "", v)
			r = $0; sub(/.*[{,]resource="/, "", r); sub(/".*/, "", r)
			sr = ""
			if ($0 ~ /subresource="[^"]/) { sr = $0; sub(/.*subresource="/, "/", sr); sub(/".*/, "", sr) }
			if ($0 ~ /_sum\{/) s[v " " r sr] += $NF; else c[v " " r sr] += $NF
		}
		END { for (k in s) printf "  apiserver %-36s %8.1fs %7d requests\n", k, s[k], c[k] }' |
		sort -k4 -rn | head -12
}

# peer N C times Flux's controllers (each at concurrency C) making N
# HelmReleases Ready in a namespace of their own; peak RSS is the sum of both.
peer() {
	local n=$1 c=$2 ns="flux-$1-$2" sport
	sport=$(( 20000 + RANDOM % 20000 ))
	mkdir -p "$work/artifacts-$ns"
	RUNTIME_NAMESPACE="$ns" "$srcctl" --watch-all-namespaces=false --concurrent "$c" \
		--storage-path "$work/artifacts-$ns" --storage-addr "127.0.0.1:$sport" --storage-adv-addr "127.0.0.1:$sport" \
		--metrics-addr 0 --health-addr 127.0.0.1:0 >"$work/source-$ns.log" 2>&1 &
	local src=$!
	RUNTIME_NAMESPACE="$ns" "$helmctl" --watch-all-namespaces=false --concurrent "$c" \
		--metrics-addr 0 --health-addr 127.0.0.1:0 >"$work/helm-$ns.log" 2>&1 &
	local hc=$!
	pids+=("$src" "$hc")
	local secs rss cpus before
	before=$(cluster_cpu)
	if ! secs=$("$work/controllerload" -n "$n" -namespace "$ns" -repo "http://127.0.0.1:$port" -chart small -timeout 20m); then
		tail -5 "$work/helm-$ns.log" "$work/source-$ns.log" >&2
		secs=-1
	fi
	rss=$(awk '/VmHWM/ { s += $2 } END { printf "%.0f", s / 1024 }' "/proc/$src/status" "/proc/$hc/status")
	cpus=$(cpu "$src" "$hc")
	kill "$src" "$hc"
	wait "$src" "$hc" 2>/dev/null || true
	printf 'flux    releases %5d  concurrency %3d  all Ready in %7.1fs  peak RSS %4d MiB  CPU %6.1fs  load %s (helm- and source-controller)\n' "$n" "$c" "$secs" "$rss" "$cpus" "$(load)"
	cluster_cpu_since "$before"
	apiserver
}

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
		before=$(cluster_cpu)
		secs=$("$work/controllerload" -n "$n" -namespace "$ns" -repo "http://127.0.0.1:$port" -chart small)
		rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$ctl/status")
		cpus=$(cpu "$ctl")
		kill "$ctl"
		wait "$ctl" 2>/dev/null || true
		printf 'rudder  releases %5d  concurrency %3d  all Ready in %7.1fs  peak RSS %4d MiB  CPU %6.1fs  load %s\n' "$n" "$c" "$secs" "$rss" "$cpus" "$(load)"
		cluster_cpu_since "$before"
		apiserver
		if [[ -n "${PEER:-}" ]]; then
			peer "$n" "$c"
		fi
	done
done

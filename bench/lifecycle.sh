#!/usr/bin/env bash
# bench/lifecycle.sh: time install, upgrade and uninstall of a 300-object chart
# (100 ConfigMaps, 100 Services, 100 Deployments) on the local control plane, then
# the medians of $REPS (default 7) upgrades of it changing one object, changing
# nothing, and of a 1-object release's upgrade.
#
#   bench/lifecycle.sh                 Rudder only
#   HELM=/path/to/helm bench/lifecycle.sh   Rudder, then the same with Helm for comparison
#   HELM=$(hack/peer helm) bench/lifecycle.sh   ... with Helm v4.3.1
#
# Extra flags for every install/upgrade (e.g. --wait) go in $WAIT_FLAGS. The
# repeated upgrades start $SETTLE seconds (default 20) after the upgrade of all 300
# objects, once the controllers have rolled the 100 Deployments out: on a small
# machine that rollout otherwise slows whichever upgrades come first.
# The cluster is a dedicated one (hack/cluster up --name ${BENCH_CLUSTER:-bench}),
# stopped at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
cluster="${BENCH_CLUSTER:-bench}"
reps="${REPS:-7}"
trap 'hack/cluster down --name "$cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

go build -o "$work/rudder" ./cmd/rudder
eval "$(hack/cluster up --name "$cluster")"

chart="$work/many"
mkdir -p "$chart/templates"
cat > "$chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: many
version: 1.0.0
YAML
printf 'generation: 1\none: a\n' > "$chart/values.yaml"
cat > "$chart/templates/objects.yaml" <<'YAML'
{{- range $i := until 100 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
data:
  generation: {{ $.Values.generation | quote }}
  {{- if eq $i 0 }}
  one: {{ $.Values.one | quote }}
  {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{{ $i }}
  labels:
    generation: {{ $.Values.generation | quote }}
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
        generation: {{ $.Values.generation | quote }}
    spec:
      containers:
      - name: app
        image: registry.invalid/app:{{ $.Values.generation }}
{{- end }}
YAML

# A 1-object chart: one ConfigMap whose value the upgrades change.
small="$work/one"
mkdir -p "$small/templates"
printf 'apiVersion: v2\nname: one\nversion: 1.0.0\n' > "$small/Chart.yaml"
echo 'one: a' > "$small/values.yaml"
cat > "$small/templates/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data:
  one: {{ .Values.one | quote }}
YAML

# seconds CMD...: how long CMD takes, in seconds.
seconds() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null
	e=$(date +%s%N)
	awk -v n=$((e - s)) 'BEGIN { printf "%.3f", n / 1e9 }'
}

# median: the median of the numbers on stdin.
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# repeat N CMD...: the median time of N runs of CMD; {} in CMD is replaced by a
# value that alternates between b and c, so that each run changes what it changes.
repeat() {
	local n=$1 k v
	shift
	for ((k = 0; k < n; k++)); do
		v=$([[ $((k % 2)) == 0 ]] && echo b || echo c)
		seconds "${@//\{\}/$v}"
		echo
	done | median
}

run() {
	local name=$1 bin=$2 ns="bench-$1"
	local i u d one none small1
	i=$(seconds "$bin" install many "$chart" -n "$ns" --create-namespace ${WAIT_FLAGS:-})
	u=$(seconds "$bin" upgrade many "$chart" -n "$ns" --set generation=2 ${WAIT_FLAGS:-})
	sleep "${SETTLE:-20}"
	one=$(repeat "$reps" "$bin" upgrade many "$chart" -n "$ns" --set generation=2 --set one={} ${WAIT_FLAGS:-})
	"$bin" upgrade many "$chart" -n "$ns" --set generation=2 --set one=c ${WAIT_FLAGS:-} >/dev/null
	none=$(repeat "$reps" "$bin" upgrade many "$chart" -n "$ns" --set generation=2 --set one=c ${WAIT_FLAGS:-})
	d=$(seconds "$bin" uninstall many -n "$ns")
	"$bin" install one "$small" -n "$ns" ${WAIT_FLAGS:-} >/dev/null
	small1=$(repeat "$reps" "$bin" upgrade one "$small" -n "$ns" --set one={} ${WAIT_FLAGS:-})
	"$bin" uninstall one -n "$ns" >/dev/null
	printf '%-8s install %6.2fs   upgrade %6.2fs   uninstall %6.2fs\n' "$name" "$i" "$u" "$d"
	printf '%-8s medians of %d upgrades: 300 objects, 1 changed %6.3fs   none changed %6.3fs   1-object release %6.3fs\n' \
		"$name" "$reps" "$one" "$none" "$small1"
}

run rudder "$work/rudder"
if [[ -n "${HELM:-}" ]]; then
	run helm "$HELM"
fi

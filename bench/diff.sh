#!/usr/bin/env bash
# bench/diff.sh: time `diff upgrade` of a 300-object release (100 ConfigMaps, 100
# Services, 100 Deployments) with 10 objects changed, on the local control plane,
# Rudder beside Helm v4.3.1 + helm-diff v3.9.14 (built by hack/peer) in the same run.
#
#   bench/diff.sh              medians of $RUNS (default 7) runs of each, in turn
#   RUDDER=path bench/diff.sh  time that rudder binary instead of building one
#
# Modes compared: Rudder's render diff (--dry-run=client) with helm-diff's default
# (render against the release), and Rudder's live diff (the default) with helm-diff's
# --dry-run=server and --three-way-merge (which reads live objects).
# The cluster is a dedicated one (hack/cluster up --name bench-diff), stopped at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'hack/cluster down --name bench-diff >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
runs="${RUNS:-7}"

if [[ -n "${RUDDER:-}" ]]; then
	cp "$RUDDER" "$work/rudder"
else
	go build -o "$work/rudder" ./cmd/rudder
fi
helm="$(hack/peer helm)"
helmdiff="$(hack/peer helm-diff)"
eval "$(hack/cluster up --name bench-diff)"

chart="$work/many"
mkdir -p "$chart/templates"
cat > "$chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: many
version: 1.0.0
YAML
echo 'generation: 1' > "$chart/values.yaml"
# Objects 0-3 of ConfigMaps and 0-2 of Services and Deployments follow
# .Values.generation: 10 objects change with --set generation=2.
cat > "$chart/templates/objects.yaml" <<'YAML'
{{- range $i := until 100 }}
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
YAML

ns=bench-diff
# --wait: the controllers' burst of work on 100 new Deployments is over before
# anything is timed (it otherwise lands on whichever command runs first).
"$work/rudder" install many "$chart" -n "$ns" --create-namespace --wait --timeout 5m >/dev/null

hd() { HELM_BIN="$helm" HELM_NAMESPACE="$ns" "$helmdiff" upgrade many "$chart" --set generation=2 --detailed-exitcode "$@"; }
rd() { "$work/rudder" diff upgrade many "$chart" -n "$ns" --set generation=2 --detailed-exitcode "$@"; }

# The modes run in turn, $runs rounds, so that a change of load on the shared
# machine falls on all of them alike. Each run records wall and CPU seconds (user
# and system, child processes included: helm-diff runs helm five times).
modes=(rc rl hc hs h3)
declare -A cmd=(
	[rc]="rd --dry-run=client" [rl]="rd"
	[hc]="hd --disable-validation" [hs]="hd --disable-validation --dry-run=server"
	[h3]="hd --disable-validation --three-way-merge"
)
# Each round starts one mode later, so that no mode always follows the heavy
# --three-way-merge, whose work the API server may still be finishing.
for r in $(seq 0 $((runs - 1))); do
	for i in "${!modes[@]}"; do
		m=${modes[$(((i + r) % ${#modes[@]}))]}
		# shellcheck disable=SC2086 # cmd holds a function name and its flags
		{ TIMEFORMAT='%R %U %S'; time ${cmd[$m]} >/dev/null 2>&1 || [[ $? == 2 ]]; } 2>>"$work/$m.times"
	done
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

# stat MODE COLUMN: the median of one column of a mode's times ("wall": real,
# "cpu": user+system, "best": the shortest real).
stat() {
	awk -v col="$2" '{ print (col == "cpu") ? $2 + $3 : $1 }' "$work/$1.times" | sort -n |
		awk -v col="$2" '{ v[NR] = $1 }
			END { printf "%.3f", (col == "best") ? v[1] : (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
row() { # row LABEL RUDDER-MODE PEER-LABEL PEER-MODE
	printf '%-12s rudder %-18s %6ss (best %6ss, cpu %6ss)   helm-diff %-18s %6ss (best %6ss, cpu %6ss)   wall %s, cpu %s\n' \
		"$1" "${cmd[$2]#rd}" "$(stat "$2" wall)" "$(stat "$2" best)" "$(stat "$2" cpu)" \
		"$3" "$(stat "$4" wall)" "$(stat "$4" best)" "$(stat "$4" cpu)" \
		"$(ratio "$(stat "$4" wall)" "$(stat "$2" wall)")" "$(ratio "$(stat "$4" cpu)" "$(stat "$2" cpu)")"
}
echo "medians of $runs runs, load average $load"
row 'render diff:' rc '(default)' hc
row 'live diff:' rl '--three-way-merge' h3
printf '%-12s %-61s   helm-diff %-18s %6ss (best %6ss, cpu %6ss)\n' '' '' '--dry-run=server' "$(stat hs wall)" "$(stat hs best)" "$(stat hs cpu)"
echo "rudder, live:   $("$work/rudder" diff upgrade many "$chart" -n "$ns" --set generation=2 -o simple | tail -1)"
echo "rudder, render: $("$work/rudder" diff upgrade many "$chart" -n "$ns" --set generation=2 -o simple --dry-run=client | tail -1)"
echo "helm-diff:      $(hd --disable-validation --output simple 2>/dev/null | tail -1)"

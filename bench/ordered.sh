#!/usr/bin/env bash
# bench/ordered.sh: time install --wait=ordered of a 300-object chart in three
# resource groups (100 ConfigMaps, then 100 Services, then 100 Deployments, each
# group waited for before the next) against the unordered install --wait=watcher
# of the same chart, on the local control plane. The issue's bar: ordered within
# 1.5x of unordered.
#
#   bench/ordered.sh            RUNS=3 by default; the best time of each is printed
#
# The cluster is a dedicated one (hack/cluster up --name bench), stopped at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'hack/cluster down --name bench >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

go build -o "$work/rudder" ./cmd/rudder
eval "$(hack/cluster up --name bench)"

chart="$work/groups"
mkdir -p "$chart/templates"
cat > "$chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: groups
version: 1.0.0
YAML
cat > "$chart/templates/objects.yaml" <<'YAML'
{{- range $i := until 100 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
  annotations:
    helm.sh/resource-group: config
data:
  i: {{ $i | quote }}
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{{ $i }}
  annotations:
    helm.sh/resource-group: network
    helm.sh/depends-on/resource-groups: '["config"]'
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
  annotations:
    helm.sh/resource-group: apps
    helm.sh/depends-on/resource-groups: '["network"]'
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app-{{ $i }}
  template:
    metadata:
      labels:
        app: app-{{ $i }}
    spec:
      containers:
      - name: app
        image: registry.invalid/app:1
{{- end }}
YAML

# seconds CMD...: how long CMD takes, in seconds.
seconds() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	awk -v n=$((e - s)) 'BEGIN { printf "%.2f", n / 1e9 }'
}

best() { sort -n | head -1; }

runs="${RUNS:-3}"
declare -A times
for wait in watcher ordered; do
	for ((r = 1; r <= runs; r++)); do
		ns="bench-$wait-$r"
		times[$wait]+="$(seconds "$work/rudder" install groups "$chart" -n "$ns" --create-namespace --wait="$wait" --timeout 5m)"$'\n'
		"$work/rudder" uninstall groups -n "$ns" --wait >/dev/null
	done
done
w=$(printf '%s' "${times[watcher]}" | best)
o=$(printf '%s' "${times[ordered]}" | best)
printf 'install --wait=watcher %6.2fs   --wait=ordered (3 groups) %6.2fs   ratio %.2f\n' "$w" "$o" "$(awk -v a="$o" -v b="$w" 'BEGIN { print a / b }')"

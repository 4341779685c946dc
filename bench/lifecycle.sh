#!/usr/bin/env bash
# bench/lifecycle.sh: time install, upgrade and uninstall of a 300-object chart
# (100 ConfigMaps, 100 Services, 100 Deployments) on the local control plane.
#
#   bench/lifecycle.sh                 Rudder only
#   HELM=/path/to/helm bench/lifecycle.sh   Rudder, then the same with Helm for comparison
#
# Extra flags for every install/upgrade (e.g. --wait) go in $WAIT_FLAGS.
# The cluster is a dedicated one (hack/cluster up --name bench), stopped at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'hack/cluster down --name bench >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

go build -o "$work/rudder" ./cmd/rudder
eval "$(hack/cluster up --name bench)"

chart="$work/many"
mkdir -p "$chart/templates"
cat > "$chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: many
version: 1.0.0
YAML
echo 'generation: 1' > "$chart/values.yaml"
cat > "$chart/templates/objects.yaml" <<'YAML'
{{- range $i := until 100 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
data:
  generation: {{ $.Values.generation | quote }}
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

# seconds CMD...: how long CMD takes, in seconds.
seconds() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null
	e=$(date +%s%N)
	awk -v n=$((e - s)) 'BEGIN { printf "%.2f", n / 1e9 }'
}

run() {
	local name=$1 bin=$2 ns="bench-$1"
	local i u d
	i=$(seconds "$bin" install many "$chart" -n "$ns" --create-namespace ${WAIT_FLAGS:-})
	u=$(seconds "$bin" upgrade many "$chart" -n "$ns" --set generation=2 ${WAIT_FLAGS:-})
	d=$(seconds "$bin" uninstall many -n "$ns")
	printf '%-8s install %6.2fs   upgrade %6.2fs   uninstall %6.2fs\n' "$name" "$i" "$u" "$d"
}

run rudder "$work/rudder"
if [[ -n "${HELM:-}" ]]; then
	run helm "$HELM"
fi

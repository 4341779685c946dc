#!/usr/bin/env bash
# bench/diff.sh: time `diff upgrade` of a 300-object release (100 ConfigMaps, 100
# Services, 100 Deployments) with 10 objects changed, on the local control plane,
# Rudder beside Helm v4.3.1 + helm-diff v3.9.14 (built by hack/peer) in the same run.
#
#   bench/diff.sh              best of $RUNS (default 3) runs of each
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
runs="${RUNS:-3}"

go build -o "$work/rudder" ./cmd/rudder
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
"$work/rudder" install many "$chart" -n "$ns" --create-namespace >/dev/null

# best CMD...: the shortest of $runs wall times of CMD, in seconds.
best() {
	local b="" s e t
	for _ in $(seq "$runs"); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || [[ $? == 2 ]]
		e=$(date +%s%N)
		t=$((e - s))
		if [[ -z "$b" || $t -lt $b ]]; then b=$t; fi
	done
	awk -v n="$b" 'BEGIN { printf "%.2f", n / 1e9 }'
}

hd() { HELM_BIN="$helm" HELM_NAMESPACE="$ns" "$helmdiff" upgrade many "$chart" --set generation=2 --detailed-exitcode "$@"; }
rd() { "$work/rudder" diff upgrade many "$chart" -n "$ns" --set generation=2 --detailed-exitcode "$@"; }

rc=$(best rd --dry-run=client)
rl=$(best rd)
hc=$(best hd --disable-validation)
hs=$(best hd --disable-validation --dry-run=server)
h3=$(best hd --disable-validation --three-way-merge)
printf 'render diff: rudder --dry-run=client %6.2fs   helm-diff (default)          %6.2fs   (%.1fx)\n' "$rc" "$hc" "$(awk -v a="$hc" -v b="$rc" 'BEGIN{print a/b}')"
printf 'live diff:   rudder (default)         %6.2fs   helm-diff --three-way-merge  %6.2fs   (%.1fx)\n' "$rl" "$h3" "$(awk -v a="$h3" -v b="$rl" 'BEGIN{print a/b}')"
printf '                                                helm-diff --dry-run=server   %6.2fs\n' "$hs"
echo "rudder, live:   $("$work/rudder" diff upgrade many "$chart" -n "$ns" --set generation=2 -o simple | tail -1)"
echo "rudder, render: $("$work/rudder" diff upgrade many "$chart" -n "$ns" --set generation=2 -o simple --dry-run=client | tail -1)"
echo "helm-diff:      $(hd --disable-validation --output simple | tail -1)"

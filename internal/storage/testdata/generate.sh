#!/usr/bin/env bash
# generate.sh writes the release records in helm/ with a real Helm 4 against
# the cluster of $KUBECONFIG. They are fixtures: regenerate them only to add
# cases, and check the tests still describe them.
#
#   eval "$(hack/cluster up --name storage-fixtures)"
#   HELM=/path/to/helm-v4 internal/storage/testdata/generate.sh
#   hack/cluster down --name storage-fixtures
set -euo pipefail

helm="${HELM:-helm}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp -R "$here/chart/." "$work/"
"$helm" dependency update "$work/keel" >/dev/null

# history runs the same story with one storage driver in a fresh namespace.
history() {
	local driver="$1" ns="fixtures-$1"
	kubectl delete namespace "$ns" --ignore-not-found --wait >/dev/null
	kubectl create namespace "$ns" >/dev/null
	export HELM_DRIVER="$driver"
	"$helm" install keel "$work/keel" -n "$ns" --labels team=storage,tier=gold --set greeting=hi >/dev/null
	"$helm" test keel -n "$ns" >/dev/null
	"$helm" upgrade keel "$work/keel" -n "$ns" --labels tier=silver --set greeting=hello \
		--server-side=false >/dev/null
	"$helm" rollback keel 1 -n "$ns" >/dev/null
	"$helm" uninstall keel -n "$ns" --keep-history >/dev/null
	"$helm" install keel-broken "$work/keel" -n "$ns" --set extraName=Not_A_Name >/dev/null 2>&1 || true
	unset HELM_DRIVER

	local kind=secret
	[[ "$driver" == configmap ]] && kind=configmap
	mkdir -p "$here/helm/$driver"
	rm -f "$here/helm/$driver"/*.yaml
	for obj in $(kubectl get "$kind" -n "$ns" -l owner=helm -o name); do
		kubectl get "$obj" -n "$ns" -o yaml >"$here/helm/$driver/${obj#*/}.yaml"
	done
	kubectl delete namespace "$ns" --wait=false >/dev/null
}

history secret
history configmap

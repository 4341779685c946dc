#!/usr/bin/env bash
# generate.sh makes the fixtures of the read-only commands' tests with a real
# Helm 4 on a fresh cluster: it installs, upgrades, rolls back, fails and
# uninstalls releases of charts/, adds a few records Helm cannot make (odd
# statuses, no chart, no times), then writes every record to records.jsonl and
# Helm's output for each case of cases.txt to golden/<case>.txtar.
#
#   eval "$(hack/cluster up --name readcmds)"
#   HELM=/path/to/helm-v4 internal/cli/testdata/readcmds/generate.sh
#   hack/cluster down --name readcmds
#
# Two kinds of case are edited, and say so in their golden file: status-live-*
# lose their RESOURCES section (the tests have no cluster; live objects are
# covered by TestStatusShowsLiveObjects), and get metadata without --revision
# loses the storage's system labels that Helm leaks there (helm#32404).
set -euo pipefail

helm="${HELM:-helm}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export HOME="$(mktemp -d)"
trap 'rm -rf "$HOME"' EXIT
charts="$here/charts"

if [[ -n "$(kubectl get secrets -A -l owner=helm -o name)" ]]; then
	echo "generate.sh: the cluster has releases already; use a fresh one" >&2
	exit 1
fi

h() { "$helm" "$@" >/dev/null 2>&1 || true; }
h install alpha "$charts/demo" --set replicaCount=2 --set-string image.tag=1.26
h upgrade alpha "$charts/demo" --set replicaCount=3 --description $'Custom\nmulti-line description'
h rollback alpha 1
h test alpha --timeout 30s
h install beta "$charts/demo" -n other --create-namespace --labels team=blue,tier=web
h install gamma "$charts/demo" -n other --labels team=red
h upgrade gamma "$charts/demo" -n other --reuse-values \
	--description "ünïcødé 日本語 description which is rather long, much longer than the others"
h upgrade gamma "$charts/demo" -n other --set replicaCount=bad
h install delta "$charts/demo"
h uninstall delta --keep-history
h install epsilon "$charts/demo" --set image.tag=oops
h upgrade epsilon "$charts/demo" --set replicaCount=notanumber
TZ=Asia/Tokyo h install tokyo "$charts/demo" -n other \
	--set-json 'obj={"k":[1,2.5,"x",null,true]}' --set big=12345678901
h install zero "$charts/demo" --set replicaCount=0 -n zero --create-namespace
# Killed while waiting for a pod that never gets ready: left pending-install.
timeout -s KILL 5 "$helm" install pend "$charts/slow" --wait --timeout 5m >/dev/null 2>&1 || true

# craft NAME STATUS [JQ]: a record made from delta's, which Helm would not write.
craft() {
	local name="$1" status="$2" edit="${3:-.}" payload
	payload="$(kubectl get secret sh.helm.release.v1.delta.v1 -o jsonpath='{.data.release}' |
		base64 -d | base64 -d | gunzip |
		jq -c --arg n "$name" --arg s "$status" \
			".name = \$n | .info.status = \$s | .info.description = \"crafted \" + \$s | $edit" |
		gzip -c | base64 -w0)"
	kubectl create secret generic "sh.helm.release.v1.$name.v1" --type helm.sh/release.v1 \
		--from-literal=release="$payload" >/dev/null
	kubectl label secret "sh.helm.release.v1.$name.v1" name="$name" owner=helm status="$status" \
		version=1 createdAt=1795549500 >/dev/null
}
craft omega uninstalling
craft mu unknown
craft rho pending-rollback
craft weird exploded
craft nochart deployed 'del(.chart)'
craft notime pending-upgrade 'del(.info.last_deployed, .info.first_deployed)'

# records.jsonl: every record, decoded, with its namespace and labels.
: >"$here/records.jsonl"
kubectl get secrets -A -l owner=helm -o json |
	jq -r '.items | sort_by(.metadata.namespace, .metadata.name) | .[] | "\(.metadata.namespace) \(.metadata.name)"' |
	while read -r ns name; do
		obj="$(kubectl get secret "$name" -n "$ns" -o json)"
		rel="$(jq -r .data.release <<<"$obj" | base64 -d | base64 -d | gunzip)"
		jq -c -n --arg ns "$ns" --argjson labels "$(jq .metadata.labels <<<"$obj")" --argjson rel "$rel" \
			'{namespace: $ns, labels: $labels, release: $rel}' >>"$here/records.jsonl"
	done

# golden/<case>.txtar: the arguments, the exit code, stdout and stderr.
rm -rf "$here/golden"
mkdir -p "$here/golden"
section() { # name file: a txtar file, marked when its content lacks a final newline
	if [[ ! -s "$2" || -z "$(tail -c1 "$2")" ]]; then
		printf -- '-- %s --\n' "$1"
		cat "$2"
	else
		printf -- '-- %s-nonl --\n' "$1"
		cat "$2"
		printf '\n'
	fi
}
grep -v '^#' "$here/cases.txt" | while read -r case rest; do
	[[ -n "$case" ]] || continue
	eval "args=($rest)"
	code=0
	out="$(mktemp)" err="$(mktemp)"
	"$helm" "${args[@]}" >"$out" 2>"$err" </dev/null || code=$?
	note=""
	case "$case" in
	status-live-*)
		# Drop RESOURCES: and its tables, up to the two empty lines that end them.
		awk '/^RESOURCES:$/ {skip=1; prev="x"; next}
			skip { if (prev == "" && $0 == "") skip=0; prev=$0; next }
			{ print }' "$out" >"$out.cut"
		mv "$out.cut" "$out"
		note="edited: the RESOURCES section is cut (it needs a cluster)" ;;
	get-metadata)
		sed -E -i '/^LABELS: /{s/^LABELS: /LABELS: ,/; s/,(createdAt|modifiedAt|name|owner|status|version)=[^,]*//g; s/^LABELS: ,/LABELS: /}' "$out"
		note="edited: without the system labels Helm leaks here (helm#32404)" ;;
	esac
	{
		printf 'args: %s\n' "$(jq -c -n '$ARGS.positional' --args -- "${args[@]}")"
		printf 'code: %d\n' "$code"
		[[ -z "$note" ]] || printf '%s\n' "$note"
		section stdout "$out"
		section stderr "$err"
	} >"$here/golden/$case.txtar"
	rm -f "$out" "$err"
done

#!/usr/bin/env bash
# bench/template.sh: `rudder template` against `helm template` as whole commands
# (process start, chart load, render, print): on kube-prometheus-stack (fetched by
# bench/kps.sh), then on the five largest renders of the conformance corpus (by size of
# expected.out) with each case's own arguments. Rudder and Helm run alternately, so both
# see the same load. Prints, per chart, the median wall time, the median CPU time
# (user+sys, which load on the machine disturbs less than wall time), the peak RSS, and
# Rudder's figures over Helm's; the machine's load before and after.
#
#   bench/template.sh [runs]          Helm from hack/peer helm (v4.3.1)
#   HELM=/path/to/helm bench/template.sh [runs]
#   HELM=none bench/template.sh       Rudder only
#
# Each corpus case's output is compared with its expected.out first. CPU time is the
# kernel's rusage of the child, at microsecond precision (bench/measure).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$(cd "${RUDDER_CONFORMANCE:-$root/../shared/conformance}" && pwd)/cases"
runs="${1:-9}"
(( runs >= 1 )) || { echo "bench/template.sh: runs must be a positive number" >&2; exit 2; }
cases=(argo-rollouts-default argo-workflows-minimal-crds keda-default-with-crds traefik-include-crds tempo-distributed-include-crds)

helm="${HELM:-$("$root/hack/peer" helm)}"
[[ "$helm" == none ]] && helm=
mkdir -p "$root/bin"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o bin/rudder ./cmd/rudder && go build -o "$tmp/measure" ./bench/measure)
for v in $(env | sed -n 's/^\(HELM_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data"
export KUBECONFIG="$tmp/kubeconfig" NO_COLOR=1 LC_ALL=C
: >"$KUBECONFIG"

# once NAME BIN DIR ARGS...: one timed run of BIN ARGS in DIR, appending
# "wall-ms cpu-ms rss-MiB" to $tmp/NAME.
once() {
	local name="$1" bin="$2" dir="$3"
	shift 3
	(cd "$dir" && "$tmp/measure" -cpu -n 1 -- "$bin" "$@") >>"$tmp/$name"
}

# median FILE: "wall cpu rss" medians of FILE's lines (seconds, seconds, MiB).
median() {
	awk '{ w[NR]=$1; c[NR]=$2; m[NR]=$3 }
		function med(a, n,   i, j, t) { for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]<a[i]) { t=a[i]; a[i]=a[j]; a[j]=t }; return a[int((n+1)/2)] }
		END { printf "%.3f %.3f %.0f\n", med(w,NR)/1000, med(c,NR)/1000, med(m,NR) }' "$1"
}

# row NAME EXPECTED DIR ARGS...: check Rudder's output against EXPECTED (when given),
# then time Rudder and Helm alternately and print one line of the table.
row() {
	local name="$1" expected="$2" dir="$3" rw rc rm hw=- hc=- hm=- ratio=-
	shift 3
	(cd "$dir" && "$root/bin/rudder" "$@" >"$tmp/out")
	if [[ -n "$expected" ]] && ! cmp -s "$tmp/out" "$expected"; then
		echo "bench/template.sh: $name: rudder's output differs from $expected" >&2
		return 1
	fi
	[[ -z "$helm" ]] || (cd "$dir" && "$helm" "$@" >/dev/null) # warm the page cache
	rm -f "$tmp/r" "$tmp/h"
	for _ in $(seq "$runs"); do
		once r "$root/bin/rudder" "$dir" "$@"
		[[ -z "$helm" ]] || once h "$helm" "$dir" "$@"
	done
	read -r rw rc rm < <(median "$tmp/r")
	if [[ -n "$helm" ]]; then
		read -r hw hc hm < <(median "$tmp/h")
		ratio="$(awk -v a="$rw" -v b="$hw" -v c="$rc" -v d="$hc" -v m="$rm" -v n="$hm" 'BEGIN { printf "%.2f, %.2f, %.2f", a/b, c/d, m/n }')"
	fi
	printf '%-32s %8s %8s %9s   %8s %8s %9s   %s\n' "$name" "$rw" "$rc" "$rm" "$hw" "$hc" "$hm" "$ratio"
}

echo "load before: $(uptime | sed 's/.*load average: //'); $(nproc) cores; medians of $runs runs"
printf '%-32s %8s %8s %9s   %8s %8s %9s   %s\n' case r-wall r-cpu r-MiB h-wall h-cpu h-MiB "ratios: wall, cpu, memory"
if kps="$("$root/bench/kps.sh")"; then
	row kube-prometheus-stack "" "$kps" template kps . -n monitoring
fi
for c in "${cases[@]}"; do
	# The runner's way of reading args: shell words, quotes included.
	eval "set -- $(cat "$corpus/$c/args")"
	row "$c" "$corpus/$c/expected.out" "$corpus/$c" "$@"
done
echo "load after: $(uptime | sed 's/.*load average: //')"

#!/usr/bin/env bash
# bench/template.sh: `rudder template` against `helm template` as whole commands
# (process start, chart load, render, print): on kube-prometheus-stack (fetched by
# bench/kps.sh), then on the largest renders of the conformance corpus with each case's
# own arguments. Prints, per chart, the median wall time, the median CPU time (user+sys,
# which load on the machine disturbs less than wall time) and the peak RSS.
#
#   HELM=/path/to/helm bench/template.sh [runs]
#
# Without HELM, only Rudder is measured. Needs GNU time (/usr/bin/time).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${RUDDER_CONFORMANCE:-$root/../shared/conformance}/cases"
runs="${1:-9}"
cases=(argo-rollouts-default argo-workflows-minimal-crds keda-default-with-crds traefik-include-crds tempo-distributed-include-crds)

[[ -x /usr/bin/time ]] || { echo "bench/template.sh needs GNU time at /usr/bin/time" >&2; exit 1; }
mkdir -p "$root/bin"
(cd "$root" && go build -o bin/rudder ./cmd/rudder)
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data"

# measure BIN DIR ARGS...: "wall cpu rss" medians over $runs runs (seconds, seconds, MiB),
# running BIN ARGS in DIR.
measure() {
	local bin="$1" dir="$2"
	shift 2
	cd "$dir"
	"$bin" "$@" >/dev/null # warm the page cache
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$bin" "$@" >/dev/null
		cat "$tmp/t"
	done | awk '{ w[NR]=$1; c[NR]=$2+$3; m[NR]=$4 }
		function med(a, n,   i, j, t) { for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]<a[i]) { t=a[i]; a[i]=a[j]; a[j]=t }; return a[int((n+1)/2)] }
		END { printf "%.3f %.3f %.0f\n", med(w,NR), med(c,NR), med(m,NR)/1024 }'
}

# row NAME DIR ARGS...: one line of the table.
row() {
	local name="$1" rw rc rm hw=- hc=- hm=- ratio=-
	read -r rw rc rm < <(measure "$root/bin/rudder" "${@:2}")
	if [[ -n "${HELM:-}" ]]; then
		read -r hw hc hm < <(measure "$HELM" "${@:2}")
		ratio="$(awk -v a="$rw" -v b="$hw" -v c="$rc" -v d="$hc" -v m="$rm" -v n="$hm" 'BEGIN { printf "%.2f, %.2f, %.2f", a/b, c/d, m/n }')"
	fi
	printf '%-32s %8s %8s %9s   %8s %8s %9s   %s\n' "$name" "$rw" "$rc" "$rm" "$hw" "$hc" "$hm" "$ratio"
}

printf '%-32s %8s %8s %9s   %8s %8s %9s   %s\n' case r-wall r-cpu r-MiB h-wall h-cpu h-MiB "ratios: wall, cpu, memory"
if kps="$("$root/bench/kps.sh")"; then
	row kube-prometheus-stack "$kps" template kps . -n monitoring
fi
for c in "${cases[@]}"; do
	read -ra args <"$corpus/$c/args"
	row "$c" "$corpus/$c" "${args[@]}"
done

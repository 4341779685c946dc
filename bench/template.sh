#!/usr/bin/env bash
# bench/template.sh: `rudder template` against `helm template` on the largest renders
# of the conformance corpus (each case's own arguments), as whole commands (process start, chart load, render,
# print). Prints, per chart, the median wall time, the median CPU time (user+sys,
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

# measure BIN CASE: "wall cpu rss" medians over $runs runs (seconds, seconds, MiB).
measure() {
	local bin="$1" args
	read -ra args <"$corpus/$2/args"
	cd "$corpus/$2"
	"$bin" "${args[@]}" >/dev/null # warm the page cache
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$bin" "${args[@]}" >/dev/null
		cat "$tmp/t"
	done | awk '{ w[NR]=$1; c[NR]=$2+$3; m[NR]=$4 }
		function med(a, n,   i, j, t) { for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]<a[i]) { t=a[i]; a[i]=a[j]; a[j]=t }; return a[int((n+1)/2)] }
		END { printf "%.3f %.3f %.0f\n", med(w,NR), med(c,NR), med(m,NR)/1024 }'
}

printf '%-32s %8s %8s %9s   %8s %8s %9s   %s\n' case r-wall r-cpu r-MiB h-wall h-cpu h-MiB "cpu ratio, memory ratio"
for c in "${cases[@]}"; do
	read -r rw rc rm < <(measure "$root/bin/rudder" "$c")
	if [[ -n "${HELM:-}" ]]; then
		read -r hw hc hm < <(measure "$HELM" "$c")
		ratio="$(awk -v a="$rc" -v b="$hc" -v m="$rm" -v n="$hm" 'BEGIN { printf "%.2f, %.2f", a/b, m/n }')"
	else
		hw=- hc=- hm=- ratio=-
	fi
	printf '%-32s %8s %8s %9s   %8s %8s %9s   %s\n' "$c" "$rw" "$rc" "$rm" "$hw" "$hc" "$hm" "$ratio"
done

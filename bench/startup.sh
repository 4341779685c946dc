#!/usr/bin/env bash
# bench/startup.sh: the process floor every command pays, Rudder beside Helm in one
# run: `version`, `env`, and `template` of a one-file chart. Prints, per command, the
# median wall time, the median CPU time (user+sys from the kernel's rusage of the
# child, which load on the machine disturbs less than wall time) and the median peak
# RSS, over the runs, and the ratios Rudder/Helm.
#
#   bench/startup.sh [runs]               (runs: 15 by default, at least 7)
#   HELM=/path/to/helm bench/startup.sh   (default: the peer hack/peer helm builds)
#
# The goal (issue 19): CPU at most a quarter of Helm's, `version` at most 20 MiB.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-15}"
((runs >= 7)) || { echo "bench/startup.sh: at least 7 runs" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
helm="${HELM:-$(hack/peer helm)}"
go build -o "$work/rudder" ./cmd/rudder
go build -o "$work/measure" ./bench/measure
export HOME="$work/home" XDG_CACHE_HOME="$work/home/cache" XDG_CONFIG_HOME="$work/home/config" XDG_DATA_HOME="$work/home/data"
mkdir -p "$HOME" "$work/chart/templates"
printf 'apiVersion: v2\nname: one\nversion: 0.1.0\n' >"$work/chart/Chart.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  a: "1"\n' >"$work/chart/templates/cm.yaml"

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); helm: $("$helm" version --short)"
printf '%-24s %8s %8s %8s   %8s %8s %8s   %s\n' command r-wall r-cpu r-MiB h-wall h-cpu h-MiB "cpu ratio, MiB ratio"
row() {
	local name="$1" rw rc rm hw hc hm
	shift
	"$work/rudder" "$@" >/dev/null && "$helm" "$@" >/dev/null # warm the page cache
	read -r rw rc rm < <("$work/measure" -cpu -n "$runs" -- "$work/rudder" "$@")
	read -r hw hc hm < <("$work/measure" -cpu -n "$runs" -- "$helm" "$@")
	printf '%-24s %8s %8s %8s   %8s %8s %8s   %s\n' "$name" "$rw" "$rc" "$rm" "$hw" "$hc" "$hm" \
		"$(awk -v a="$rc" -v b="$hc" -v c="$rm" -v d="$hm" 'BEGIN { printf "%.2f, %.2f", a/b, c/d }')"
}
row version version
row env env
row "template (one file)" template one "$work/chart"
echo "(wall and CPU in ms, medians of $runs runs; peak RSS in MiB, median)"

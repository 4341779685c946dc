#!/usr/bin/env bash
# bench/search.sh: `rudder repo add|update`, `search repo` and chart resolution on
# a 100,000-version repository index (about 63 MB, as big public repositories
# have), served from loopback. Prints, per step, the median wall time, the median
# CPU time (user+sys, which load on the machine disturbs less than wall time) and
# the median peak RSS.
#
#   bench/search.sh [runs]                 Rudder only (runs: 9 by default)
#   HELM=/path/to/helm bench/search.sh     then the same with Helm (HELM_RUNS runs, 1 by default)
#
# The goal for search and resolution is under 100 ms and 100 MiB.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-9}"
work="$(mktemp -d)"
server=""
cleanup() {
	[[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$root"
go build -o "$work/rudder" ./cmd/rudder
go build -o "$work/measure" ./bench/measure
go build -o "$work/fileserver" ./bench/fileserver

# The index: generated charts (URLs that point nowhere) plus one real chart, the
# newest version of a generated chart, that resolution downloads.
target=database-database-0
mkdir -p "$work/src/$target" "$work/repo"
printf 'apiVersion: v2\nname: %s\nversion: 3.0.0\ndescription: The chart resolution fetches\n' "$target" >"$work/src/$target/Chart.yaml"
HOME="$work" "$work/rudder" package "$work/src/$target" -d "$work/repo" >/dev/null
go run ./bench/genindex -o "$work/repo/index.yaml" -add "$work/repo/$target-3.0.0.tgz"
size="$(du -m "$work/repo/index.yaml" | cut -f1)"
versions="$(grep -c '^    version: ' "$work/repo/index.yaml")"

"$work/fileserver" "$work/repo" >"$work/url" &
server=$!
for _ in $(seq 100); do [[ -s "$work/url" ]] && break; sleep 0.05; done
url="$(cat "$work/url")"

echo "index: $versions versions, $size MB, served at $url"
printf '%-52s %10s %10s %10s\n' step wall-ms cpu-ms peak-MiB

# bench NAME BIN RUNS: the steps, with HOME and the XDG folders in a folder of their own.
bench() {
	local name="$1" bin="$2" n="$3" home="$work/home-$1"
	mkdir -p "$home"
	export HOME="$home" XDG_CACHE_HOME="$home/cache" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data"
	step() {
		local label="$1" k="$2"
		shift 2
		printf '%-52s %10s %10s %10s\n' "$name: $label" $("$work/measure" -cpu -n "$k" -- "$bin" "$@")
	}
	step "version (the start-up floor)" "$n" version
	step "repo add" 1 repo add bench "$url"
	step "repo update" "$(( n < 3 ? n : 3 ))" repo update
	step "search repo monitoring (name hits)" "$n" search repo monitoring
	step "search repo no-such-chart (no hit)" "$n" search repo no-such-chart
	step "search repo backup --versions (25,000 lines)" "$n" search repo backup --versions
	step "search repo -r '^web-(proxy|cache)' --devel" "$n" search repo -r '^web-(proxy|cache)' --devel
	step "show chart $target --version 3.0.0" "$n" show chart "bench/$target" --version 3.0.0
	step "show chart $target --version '~3.0'" "$n" show chart "bench/$target" --version '~3.0'
	step "show chart $target (newest)" "$n" show chart "bench/$target"
	# As when another program (Helm) rewrites index.yaml: Rudder notices and
	# rebuilds its compact cache once.
	touch "$home/cache/helm/repository/bench-index.yaml"
	step "search repo monitoring, after index.yaml changed" 1 search repo monitoring
	step "search repo monitoring, again" "$n" search repo monitoring
}

bench rudder "$work/rudder" "$runs"
if [[ -n "${HELM:-}" ]]; then
	bench helm "$HELM" "${HELM_RUNS:-1}"
fi

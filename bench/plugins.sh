#!/usr/bin/env bash
# bench/plugins.sh: start-up cost of installed plugins. `rudder version` must not
# read the plugins folder, so its time with 20 plugins installed stays within 10%
# of its time with none; `rudder --help`, which lists plugins, is shown for scale.
# Prints, per case, the median and best wall time (ms) and the peak RSS (MiB).
#
#   bench/plugins.sh [runs]     (runs: 31 by default)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-31}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
go build -o "$work/rudder" ./cmd/rudder
go build -o "$work/measure" ./bench/measure

mkdir -p "$work/none" "$work/twenty"
for i in $(seq -w 1 20); do
	d="$work/twenty/plugin$i"
	mkdir -p "$d"
	printf 'name: plugin%s\nversion: 1.0.%s\nusage: plugin number %s\ncommand: $HELM_PLUGIN_DIR/run.sh\nhooks:\n  install: echo hi\n' "$i" "$i" "$i" >"$d/plugin.yaml"
	printf '#!/bin/sh\necho plugin%s "$@"\n' "$i" >"$d/run.sh"
	chmod +x "$d/run.sh"
done

printf '%-40s %10s %10s %10s\n' case "median ms" "best ms" "peak MiB"
for set in none twenty; do
	for cmd in "version" "--help"; do
		# shellcheck disable=SC2086
		printf '%-40s %10s %10s %10s\n' "rudder $cmd ($set)" \
			$(HOME="$work" HELM_PLUGINS="$work/$set" "$work/measure" -n "$runs" -- "$work/rudder" $cmd)
	done
done

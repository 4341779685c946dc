#!/usr/bin/env bash
# bench/hostile.sh: peak memory and outcome of Rudder and Helm on the hostile inputs
# of issue 17 (decompression bombs, huge names, runaway templates, endless values
# files), measured one command at a time with GNU time. Each run is capped at 60 s
# and 4 GiB of address space so that a runaway peer cannot take the machine down;
# a capped run shows as "killed".
#
#   bench/hostile.sh                      Rudder only
#   HELM=$(hack/peer helm) bench/hostile.sh   beside Helm v4.3.1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v /usr/bin/time >/dev/null || { echo "bench/hostile.sh needs GNU time (apt-get install time)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/rudder" ./cmd/rudder
go run ./bench/hostile "$work/in"
in="$work/in"

measure() { # tool args... -> "exit peakMiB seconds"
	local out="$work/time.txt"
	(ulimit -v $((4 << 20)); HOME="$work/home" timeout 60 /usr/bin/time -f '%x %M %e' -o "$out" "$@" >/dev/null 2>"$work/err.txt") || true
	local code kb secs
	read -r code kb secs < <(tail -n 1 "$out" | sed 's/Command exited with non-zero status //')
	if [[ ! "$kb" =~ ^[0-9]+$ ]]; then code=killed; kb=0; secs=60; fi
	printf '%s %d %s' "$code" $((kb / 1024)) "$secs"
}

cases=(
	"template nested bomb|template x $in/bomb.tgz"
	"lint nested bomb|lint $in/bomb.tgz"
	"pull --untar nested bomb|pull $in/bomb.tgz --untar -d $work/untar"
	"template names bomb|template x $in/names.tgz"
	"template tpl recursion|template x $in/tpl-recursion"
	"template range until 1e8|template x $in/range-until"
	"template string doubling|template x $in/doubling"
	"template -f /dev/zero|template x $in/tpl-recursion -f /dev/zero"
	"template --set-file /dev/zero|template x $in/tpl-recursion --set-file v=/dev/zero"
)
printf '%-32s %-26s %-26s\n' "case" "rudder exit/MiB/s" "helm exit/MiB/s"
for c in "${cases[@]}"; do
	name="${c%%|*}"; args="${c#*|}"
	r="$(measure "$work/rudder" $args)"
	h="-"
	if [[ -n "${HELM:-}" ]]; then
		rm -rf "$work/untar"
		h="$(measure "$HELM" $args)"
	fi
	rm -rf "$work/untar"
	printf '%-32s %-26s %-26s\n' "$name" "$r" "$h"
done
echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; exit/peak RSS MiB/wall seconds"

#!/usr/bin/env bash
# regen.sh GEN: rewrites the goldens of compare/cases.txt with GEN, a program built
# from helm-diff v3.9.14's diff and manifest packages (see gen.go.txt).
set -euo pipefail
gen="${1:?usage: regen.sh GEN}"
cd "$(dirname "$0")/compare"
grep -v '^#' cases.txt | while read -r c f ctx opts; do
	name="$c.$f.$ctx${opts:+.${opts// /.}}.golden"
	set +e
	out="$("$gen" "$c/old.yaml" "$c/new.yaml" "$f" "$ctx" $opts; echo "exit: $?")"
	set -e
	printf '%s\n' "$out" >"$name"
done

#!/usr/bin/env bash
# Man page gate: every page under man/ must format with no warning, under
# `groff -ww -man -z` and under `man --warnings`.  Installs groff and man-db when missing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v groff >/dev/null || ! command -v man >/dev/null; then
	echo "check-man: installing groff and man-db" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q groff man-db >/dev/null ||
		{ echo "check-man: cannot install groff/man-db" >&2; exit 1; }
fi

shopt -s nullglob
pages=("$top"/man/*.[1-9])
if [ "${#pages[@]}" = 0 ]; then
	echo "check-man: no man pages under $top/man" >&2
	exit 1
fi
bad=0
for p in "${pages[@]}"; do
	out=$(LC_ALL=C.UTF-8 groff -ww -man -z "$p" 2>&1) || { out="groff failed: $out"; }
	if [ -n "$out" ]; then
		echo "check-man: ${p#"$top"/}: groff -ww:" >&2
		echo "$out" >&2
		bad=1
	fi
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null) ||
		{ out="man failed: $out"; }
	if [ -n "$out" ]; then
		echo "check-man: ${p#"$top"/}: man --warnings:" >&2
		echo "$out" >&2
		bad=1
	fi
done
if [ "$bad" = 0 ]; then
	echo "check-man: ${#pages[@]} man pages, no warnings"
fi
exit "$bad"

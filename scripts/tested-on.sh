#!/usr/bin/env bash
# Put the "Tested on" table of the last make check (build/tested-on.md) into README.md and
# docs/testing.md, between the <!-- tested-on --> and <!-- /tested-on --> markers.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

table=$CREDO_BUILD/tested-on.md
[ -f "$table" ] || die "no $table: run make check first"
for f in "$CREDO_TOP/README.md" "$CREDO_TOP/docs/testing.md"; do
	grep -q '<!-- tested-on -->' "$f" || die "$f has no <!-- tested-on --> marker"
	awk -v t="$table" '
		/<!-- tested-on -->/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
		/<!-- \/tested-on -->/ { skip = 0 }
		!skip' "$f" >"$f.new"
	mv "$f.new" "$f"
	say "updated $f"
done

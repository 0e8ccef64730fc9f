#!/usr/bin/env bash
# Style gate: checkpatch --strict from the kernel source tarball, and sparse (C=2) on the host build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(kernel_source_dir 6.1)
files=$(cd "$CREDO_TOP" && git ls-files -co --exclude-standard -- 'module/*.[ch]' 'uapi/*.h' 2>/dev/null ||
	find module uapi -name '*.[ch]')
say "style: checkpatch --strict --no-tree on $(echo "$files" | wc -w) files"
# checkpatch's spelling list lives next to it in the tarball.
if ! (cd "$CREDO_TOP" && perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG_PLACEMENT -f $files) >"$CREDO_BUILD/checkpatch.log" 2>&1; then
	cat "$CREDO_BUILD/checkpatch.log"
	die "checkpatch found problems"
fi
grep -qE 'ERROR|WARNING|CHECK' "$CREDO_BUILD/checkpatch.log" && { cat "$CREDO_BUILD/checkpatch.log"; die "checkpatch"; }
say "style: checkpatch clean"

command -v sparse >/dev/null || die "sparse is not installed"
"$CREDO_TOP/scripts/build-module.sh" sparse "${KDIR:-/lib/modules/$(stock_kver)/build}" C=2
say "style: sparse clean"

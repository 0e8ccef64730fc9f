#!/usr/bin/env bash
# Style gate: checkpatch --strict from the kernel source tarball, and sparse (C=2) on the host build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(kernel_source_dir 6.1)
log=$CREDO_BUILD/checkpatch.log
: >"$log"
# checkpatch FILES... [extra options]: --strict --no-tree, anything it reports fails.
checkpatch() {
	local opts=() files=()
	for a in "$@"; do
		case $a in --*) opts+=("$a") ;; *) files+=("$a") ;; esac
	done
	(cd "$CREDO_TOP" && perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES "${opts[@]}" -f "${files[@]}") >>"$log" 2>&1 || return 1
	! grep -qE 'ERROR|WARNING|CHECK' "$log"
}
cd "$CREDO_TOP"
kfiles=$(find module -name '*.[ch]' ! -name '*.mod.c' | sort)
say "style: checkpatch --strict --no-tree on $(echo "$kfiles" | wc -w) kernel files and the uapi header"
# The uapi header is for user space too, where the kernel's BIT() does not exist.
if ! checkpatch $kfiles || ! checkpatch uapi/linux/credo.h --ignore=BIT_MACRO; then
	cat "$log"
	die "checkpatch found problems"
fi
say "style: checkpatch clean"

command -v sparse >/dev/null || die "sparse is not installed"
"$CREDO_TOP/scripts/build-module.sh" sparse "${KDIR:-/lib/modules/$(stock_kver)/build}" C=2
say "style: sparse clean"

# Man pages, once there are any: groff -ww must be silent (scripts/check-man.sh).
if [ -x "$CREDO_TOP/scripts/check-man.sh" ]; then
	"$CREDO_TOP/scripts/check-man.sh" || die "man pages have warnings"
fi

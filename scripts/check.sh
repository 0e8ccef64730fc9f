#!/usr/bin/env bash
# make check: style, host build, the debug test kernel, both guests, one closing count line.
# Usage: check.sh [stock|debug ...]   (default: every guest)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

guests=${*:-stock debug}
mkdir -p "$CREDO_BUILD"
status=0
step() { say "== $*"; }
must() { "$@" || { say "FAILED: $*"; echo "0 passed, 1 failed"; exit 1; }; }

step "dependencies"
must "$CREDO_TOP/scripts/install-deps.sh"
step "style"
must "$CREDO_TOP/scripts/style.sh"
step "host build against Debian's $(stock_kver) headers"
must "$CREDO_TOP/scripts/build-module.sh" stock "/lib/modules/$(stock_kver)/build"
step "test programs"
must "$CREDO_TOP/scripts/build-tests.sh"

total_p=0 total_f=0 total_s=0
summary=()
for g in $guests; do
	case $g in
	stock)
		kver=$(stock_kver)
		step "guest stock: Debian $kver"
		"$CREDO_TOP/scripts/run-guest.sh" stock "/boot/vmlinuz-$kver" "$kver" "$CREDO_BUILD/mod-stock/module" ||
			status=1
		;;
	debug)
		step "debug kernel from linux-source-6.1"
		kdir=$("$CREDO_TOP/scripts/build-test-kernel.sh" 6.1) || must false
		must "$CREDO_TOP/scripts/build-module.sh" debug "$kdir"
		kver=$(cat "$kdir/include/config/kernel.release")
		step "guest debug: $kver"
		"$CREDO_TOP/scripts/run-guest.sh" debug "$kdir/arch/x86/boot/bzImage" "$kver" \
			"$CREDO_BUILD/mod-debug/module" kunit kmemleak || status=1
		;;
	*) must false "unknown guest $g" ;;
	esac
	if read -r p f s verdict <"$CREDO_BUILD/guest-$g/result.txt" 2>/dev/null; then
		:
	else
		p=0 f=1 s=0 verdict=fail
	fi
	summary+=("$(printf '%-8s %-32s %s: %d passed, %d failed, %d skipped' "$g" "$kver" "$verdict" "$p" "$f" "$s")")
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done

step "results per guest"
printf '  %s\n' "${summary[@]}"
[ "$status" = 0 ] || [ "$total_f" -gt 0 ] || total_f=1
line="$total_p passed, $total_f failed"
[ "$total_s" = 0 ] || line="$line, $total_s skipped"
echo "$line"
[ "$status" = 0 ] && [ "$total_f" = 0 ]

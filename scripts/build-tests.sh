#!/usr/bin/env bash
# Build the static kselftest programs (harness from the kernel source tarball) into build/tests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(kernel_source_dir 6.1)
out=$CREDO_BUILD/tests
rm -rf "$out"
mkdir -p "$out"
say "tests: building kselftests (harness from $src)"
make -s -C "$CREDO_TOP/selftests" KSFT_DIR="$src/tools/testing/selftests" OUT="$out" >"$CREDO_BUILD/tests.log" 2>&1 ||
	{ cat "$CREDO_BUILD/tests.log"; die "kselftest build failed"; }
make -s -C "$CREDO_TOP/selftests" list >"$out/TESTS"
if [ -d "$CREDO_TOP/examples" ] && [ -f "$CREDO_TOP/examples/Makefile" ]; then
	make -s -C "$CREDO_TOP/examples" OUT="$out" >>"$CREDO_BUILD/tests.log" 2>&1 ||
		{ cat "$CREDO_BUILD/tests.log"; die "examples build failed"; }
	make -s -C "$CREDO_TOP/examples" list >"$out/DEMOS"
fi
say "tests: $(wc -w <"$out/TESTS") programs"

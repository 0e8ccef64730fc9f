#!/usr/bin/env bash
# Build credo (and its KUnit module when the kernel has CONFIG_KUNIT) against one kernel tree,
# in a copy of the sources so that builds for several kernels do not share objects.
# Usage: build-module.sh NAME KDIR [make arguments...]   -> $CREDO_BUILD/mod-NAME/module/*.ko
#   KDIR is a kernel build tree on the host, or chroot:RELEASE for the headers of another Debian
#   release, built with that release's compiler (scripts/stock-kernels.sh).
# Any compiler or sparse warning fails the build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$1 kdir=$2
shift 2
out=$CREDO_BUILD/mod-$name
rm -rf "$out"
mkdir -p "$out"
# Sources only: objects left by a build against another kernel must not leak in.
cp "$CREDO_TOP/Kbuild" "$out/"
(cd "$CREDO_TOP" && find module uapi -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) -print0 |
	xargs -0 cp --parents -t "$out")
log=$out/build.log
# The compat override (module/Kbuild) goes on make's command line: a chroot build runs with a
# clean environment.
[ -z "${CREDO_FORCE_CRED_API:-}" ] || set -- "$@" "CREDO_FORCE_CRED_API=$CREDO_FORCE_CRED_API"
# The guests' test-only helper module (module/testhook/, selftests/net_test.c); DKMS never builds it.
set -- "$@" CREDO_TEST_MODULES=y
say "module for $name: make -C $kdir W=1 $*"
case $kdir in
chroot:*) build() { "$CREDO_TOP/scripts/stock-kernels.sh" build "${kdir#chroot:}" "$out" "$log" "$@" >/dev/null 2>&1; } ;;
*) build() { make -C "$kdir" M="$out" W=1 "$@" modules >"$log" 2>&1; } ;;
esac
if ! build "$@"; then
	cat "$log"
	die "module build for $name failed"
fi
if grep -E 'warning:|error:|sparse:' "$log" | grep -v '^make'; then
	die "module build for $name has warnings (W=1 must be clean), see $log"
fi
[ -f "$out/module/credo.ko" ] || die "no credo.ko for $name"
say "module for $name: built $(cd "$out" && find . -name '*.ko' | sort | tr '\n' ' ')"

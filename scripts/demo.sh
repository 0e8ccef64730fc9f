#!/usr/bin/env bash
# make demo: build credo for Debian's kernel, boot that kernel in QEMU, load credo with modprobe
# and run the demonstration file server (examples/credo-demo.c: root threads switching with
# credo_override(), then unprivileged worker processes using credential handles), printing what
# it did. See README.md, "The demo".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$CREDO_BUILD"
"$CREDO_TOP/scripts/install-deps.sh"
kver=$(stock_kver)
"$CREDO_TOP/scripts/build-module.sh" stock "/lib/modules/$kver/build"
"$CREDO_TOP/scripts/build-tests.sh"
CREDO_GUEST_TESTS="" "$CREDO_TOP/scripts/run-guest.sh" demo "/boot/vmlinuz-$kver" "$kver" \
	"$CREDO_BUILD/mod-stock/module"

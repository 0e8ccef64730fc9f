#!/usr/bin/env bash
# What an administrator installs: `make install` into a staging root (every file checked), then
# DKMS building credo.ko from the installed source tree for Debian's kernel, in private DKMS
# and source trees under the build directory (the host's /var/lib/dkms and /lib/modules are not
# touched; DKMS may create its signing key in /var/lib/dkms). The module DKMS built is left in
# $CREDO_BUILD/mod-dkms/module/credo.ko for the "dkms" guest to load with modprobe.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(stock_kver)}
out=$CREDO_BUILD/pkg
root=$out/root
rm -rf "$out" "$CREDO_BUILD/mod-dkms"
mkdir -p "$out/dkmstree" "$CREDO_BUILD/mod-dkms/module"
version=$(credo_version)
multiarch=$(gcc -print-multiarch)

say "packaging: make install DESTDIR=$root"
make -s -C "$CREDO_TOP" install DESTDIR="$root" USER_BUILD="$out/build" >"$out/install.log" 2>&1 ||
	{ cat "$out/install.log"; die "make install failed"; }
missing=0
for f in usr/include/linux/credo.h usr/include/credo.h \
	"usr/lib/$multiarch/libcredo.a" "usr/lib/$multiarch/libcredo.so.0" \
	"usr/lib/$multiarch/pkgconfig/credo.pc" usr/sbin/credo \
	usr/share/man/man3/libcredo.3 usr/share/man/man4/credo.4 usr/share/man/man8/credo.8 \
	usr/lib/udev/rules.d/60-credo.rules usr/lib/modprobe.d/credo.conf \
	"usr/src/credo-$version/dkms.conf" "usr/src/credo-$version/module/main.c"; do
	[ -e "$root/$f" ] || { say "packaging: make install did not install /$f"; missing=1; }
done
[ "$missing" = 0 ] || die "make install is missing files"
grep -q "^Libs: .*-lcredo" "$root/usr/lib/$multiarch/pkgconfig/credo.pc" || die "credo.pc has no -lcredo"
"$root/usr/sbin/credo" --version >/dev/null || die "the installed credo tool does not run"

say "packaging: dkms add and build credo/$version for $kver"
dkms_args=(-m credo -v "$version" --sourcetree "$root/usr/src" --dkmstree "$out/dkmstree")
dkms add "${dkms_args[@]}" >"$out/dkms.log" 2>&1 &&
	dkms build "${dkms_args[@]}" -k "$kver" >>"$out/dkms.log" 2>&1 ||
	{ cat "$out/dkms.log"; die "dkms build failed"; }
ko=$(find "$out/dkmstree/credo/$version/$kver" -name 'credo.ko*' | head -n 1)
[ -n "$ko" ] || { cat "$out/dkms.log"; die "dkms built no credo.ko"; }
case $ko in
*.xz) xz -dc "$ko" >"$CREDO_BUILD/mod-dkms/module/credo.ko" ;;
*.zst) zstd -dqc "$ko" >"$CREDO_BUILD/mod-dkms/module/credo.ko" ;;
*) cp "$ko" "$CREDO_BUILD/mod-dkms/module/credo.ko" ;;
esac
say "packaging: make install and dkms build ok ($(basename "$ko"))"

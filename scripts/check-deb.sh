#!/usr/bin/env bash
# The "deb" guest's host side: build the Debian packages (scripts/build-deb.sh: dpkg-buildpackage
# in a clean bookworm chroot, lintian), then install and test them, as a user would, in
# throw-away copies of the bookworm and trixie chroots of scripts/stock-kernels.sh (the cached
# chroots stay as prepared; the packages are never installed on the host):
# scripts/deb-chroot-test.sh there installs ./build/deb/*.deb (DKMS builds credo.ko for each
# installed kernel), then another kernel's headers (the cloud flavour: DKMS builds it again),
# then removes and purges everything and checks that nothing is left. The trixie chroot gets
# the very packages built on bookworm.
# The credo.ko that DKMS built for KVER (the host's Debian kernel, default: the newest in /boot)
# in the bookworm chroot is left in $CREDO_BUILD/mod-deb/module/ for the guest to modprobe.
# Usage: check-deb.sh [KVER]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$(stock_kver)}
stock=$CREDO_TOP/scripts/stock-kernels.sh
version=$(credo_version)
t0=$(date +%s)
rm -rf "$CREDO_BUILD/mod-deb"
mkdir -p "$CREDO_BUILD/mod-deb/module"

# The version is written once, in debian/changelog; what still repeats it must agree.
lib_version=$(sed -n 's/^#define CREDO_LIB_VERSION "\(.*\)"$/\1/p' "$CREDO_TOP/lib/credo.h")
[ "$lib_version" = "$version" ] ||
	die "deb: lib/credo.h says CREDO_LIB_VERSION \"$lib_version\", debian/changelog $version"
for page in "$CREDO_TOP"/man/*.[1-9]; do
	grep -q "^\.TH .* \"credo $version\" " "$page" ||
		die "deb: ${page#"$CREDO_TOP"/} does not say \"credo $version\" on its .TH line"
done

"$CREDO_TOP/scripts/build-deb.sh"

# test RELEASE remove|purge [KEEP_KVER]: the packages in RELEASE's chroot, through an overlay.
test_release() {
	local rel=$1 removal=$2 keep=${3:-} dir root start rc=0
	dir=$CREDO_BUILD/deb-test-$rel
	start=$(date +%s)
	"$stock" prepare "$rel"
	root=$CREDO_CACHE/deb-test/$rel
	rm -rf "$dir"
	mkdir -p "$dir/debs"
	cp "$CREDO_BUILD"/deb/*.deb "$dir/debs/"
	cp "$CREDO_TOP/scripts/lib.sh" "$CREDO_TOP/scripts/deb-chroot-test.sh" "$dir/"
	rm -rf "$root"
	"$stock" overlay "$rel" "$root" --bind "$dir" env CREDO_T0="$CREDO_T0" \
		bash /build/deb-chroot-test.sh "$version" linux-headers-cloud-amd64 "$removal" "$keep" 2>&1 |
		tee "$dir/test.log" | sed "s/^/$rel: /" >&2 || rc=$?
	rm -rf "$root"
	[ "$rc" = 0 ] || die "deb: $rel: the package test failed (log $dir/test.log)"
	say "deb: $rel: passed ($(($(date +%s) - start)) s)"
}
# The two releases side by side: separate chroots and overlays (stock-kernels.sh locks each
# release on its own); the guest needs only the bookworm one, but waits for both.
test_release bookworm remove "$kver" &
bookworm=$!
test_release trixie purge &
trixie=$!
failed=""
wait "$bookworm" || failed="$failed bookworm"
wait "$trixie" || failed="$failed trixie"
[ -z "$failed" ] || die "deb: the package test failed on:$failed"
cp "$CREDO_BUILD/deb-test-bookworm/out/credo.ko" "$CREDO_BUILD/mod-deb/module/credo.ko"
say "deb: packages built, linted, installed, rebuilt for new headers, removed and purged" \
	"on bookworm and trixie ($(($(date +%s) - t0)) s)"

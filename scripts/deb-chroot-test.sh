#!/usr/bin/env bash
# Runs inside a throw-away copy of a release's chroot (scripts/check-deb.sh copies it there with
# lib.sh and the packages in /build/debs): what a user of the packages does, checked step by step.
#   1. apt-get install ./debs/*.deb: DKMS builds and installs credo.ko for every kernel whose
#      headers are installed; the tool, the library (shared and static, through pkg-config),
#      the man pages, the udev rule and the modprobe.d file are in place.
#   2. apt-get install SECOND_HEADERS (another kernel's headers): DKMS builds credo.ko for it
#      too, from its hook in /etc/kernel/header_postinst.d (the kernel-upgrade path).
#   3. REMOVAL=remove: apt-get remove, then dpkg --purge (the packages have no conffiles, so
#      after a remove apt has nothing left to purge); REMOVAL=purge: apt-get purge of the
#      installed packages. Either way: no credo.ko, no DKMS tree, no file named *credo* is left.
# Usage: deb-chroot-test.sh VERSION SECOND_HEADERS remove|purge [KEEP_KVER]
#   KEEP_KVER: the kernel whose credo.ko is copied to /build/out/credo.ko (for the guest).
# No module is ever loaded: the kernel under this chroot is the host's. modprobe, insmod and
# rmmod are shadowed in /usr/local/sbin (first in PATH) by stubs that refuse.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

version=$1 second=$2 removal=$3 keep=${4:-}
pkgs=(credo-dkms credo libcredo0 libcredo-dev)
release=$(. /etc/os-release && echo "$VERSION_CODENAME")
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -y -q -o Acquire::Retries=3 -o Dpkg::Use-Pty=0 "$@"; }

for t in modprobe insmod rmmod; do
	printf '#!/bin/sh\necho "credo deb test: %s $* refused (no module loads on the host)" >&2\nexit 1\n' "$t" \
		>"/usr/local/sbin/$t"
	chmod 0755 "/usr/local/sbin/$t"
done

# Kernels with headers, each a line: VERSION.
kernels_with_headers() {
	local d
	for d in /lib/modules/*; do
		[ -e "$d/build/include" ] && basename "$d"
	done | sort
}

# Everything named *credo* outside /build, /proc and apt's and dpkg's own bookkeeping.
credo_files() {
	find / -xdev \( -path /build -o -path /proc -o -path /var/lib/apt -o -path /var/cache/apt \
		-o -path /var/lib/dpkg -o -path /var/log \) -prune -o -name '*credo*' -print | sort
}

# check_built KVER: DKMS says installed, the module is under /lib/modules/KVER with KVER's
# vermagic, and depmod knows it.
check_built() {
	local k=$1 ko magic
	grep -q ': installed' <<<"$(dkms status -m credo -v "$version" -k "$k")" ||
		die "$release: dkms status does not say credo/$version is installed for $k: $(dkms status)"
	ko=$(find "/lib/modules/$k" -name 'credo.ko*' | head -n 1)
	[ -n "$ko" ] || die "$release: no credo.ko under /lib/modules/$k"
	magic=$(modinfo -F vermagic "$ko")
	[ "${magic%% *}" = "$k" ] || die "$release: $ko has vermagic '$magic', not $k"
	grep -q 'credo\.ko' "/lib/modules/$k/modules.dep" || die "$release: credo is not in $k's modules.dep"
	say "$release: DKMS built and installed ${ko#/lib/modules/} for $k"
}

say "$release: apt-get update"
apt_get update >/dev/null
headers=$(kernels_with_headers)
[ -n "$headers" ] || die "$release: no kernel headers in the chroot"
if [ -n "$keep" ] && ! grep -qx "$keep" <<<"$headers"; then
	say "$release: installing linux-headers-$keep (the host's Debian kernel)"
	apt_get install --no-install-recommends "linux-headers-$keep" >/build/headers.log 2>&1 ||
		{
			tail -n 20 /build/headers.log
			die "$release: no linux-headers-$keep (is the host's kernel older than the mirror's?)"
		}
	headers=$(kernels_with_headers)
fi
# The chroot's own (the stamp of stock-kernels.sh, its apt proxy file): the same after the purge.
before=$(credo_files)

# 1. The install, as a user types it.
say "$release: apt-get install ./debs/*.deb (headers of: $(echo "$headers" | tr '\n' ' '))"
(cd /build && apt_get install ./debs/*.deb) >/build/install.log 2>&1 ||
	{ tail -n 40 /build/install.log; die "$release: apt-get install of the packages failed"; }
for p in "${pkgs[@]}"; do
	[ "$(dpkg-query -W -f='${Status} ${Version}' "$p")" = "install ok installed $version" ] ||
		die "$release: $p $version is not installed"
done
for k in $headers; do
	check_built "$k"
done
if [ -n "$keep" ]; then
	mkdir -p /build/out
	ko=$(find "/lib/modules/$keep" -name 'credo.ko*' | head -n 1)
	case $ko in
	*.xz) xz -dc "$ko" >/build/out/credo.ko ;;
	*.zst) zstd -dqc "$ko" >/build/out/credo.ko ;;
	*) cp "$ko" /build/out/credo.ko ;;
	esac
fi

# What the other packages installed.
[ "$(credo --version)" = "credo $version" ] || die "$release: credo --version says '$(credo --version)'"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
for f in /usr/sbin/credo /usr/share/man/man8/credo.8.gz /usr/share/man/man4/credo.4.gz \
	/usr/lib/udev/rules.d/60-credo.rules /usr/lib/modprobe.d/credo.conf \
	/usr/include/credo.h /usr/include/linux/credo.h "/usr/lib/$multiarch/libcredo.a" \
	"/usr/lib/$multiarch/libcredo.so" "/usr/lib/$multiarch/libcredo.so.0" \
	"/usr/lib/$multiarch/pkgconfig/credo.pc" /usr/share/man/man3/libcredo.3.gz \
	/usr/share/man/man3/credo_override.3.gz "/usr/src/credo-$version/dkms.conf"; do
	[ -e "$f" ] || die "$release: the packages did not install $f"
done
grep -q "^PACKAGE_VERSION=\"$version\"" "/usr/src/credo-$version/dkms.conf" ||
	die "$release: dkms.conf does not say PACKAGE_VERSION=\"$version\""
grep -q 'KERNEL=="credo".*MODE="0600"' /usr/lib/udev/rules.d/60-credo.rules ||
	die "$release: the udev rule does not make /dev/credo 0600"

say "$release: a program built with pkg-config --cflags --libs credo, shared and static"
apt_get install --no-install-recommends pkgconf >/build/pkgconf.log 2>&1 ||
	{ tail -n 20 /build/pkgconf.log; die "$release: apt-get install pkgconf failed"; }
cat >/tmp/t.c <<'C'
#include <credo.h>
#include <linux/credo.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	/* No module under this chroot: credo_fd() fails, with a message. */
	int fd = credo_fd();

	if (fd >= 0)
		return 2;
	printf("%s\n", credo_strerror(fd));
	return sizeof(struct credo_cred) && strlen(credo_strerror(fd)) ? 0 : 1;
}
C
# shellcheck disable=SC2046 # pkg-config's flags are words
gcc -Wall -Werror -o /tmp/t-shared /tmp/t.c $(pkg-config --cflags --libs credo) ||
	die "$release: building against libcredo.so failed"
# Not "ldd | grep -q": under pipefail, grep leaving early fails the pipe (SIGPIPE).
grep -q "libcredo.so.0 => [^ ]*/$multiarch/libcredo.so.0 " <<<"$(ldd /tmp/t-shared)" ||
	die "$release: the program is not linked with the packaged libcredo.so.0"
# shellcheck disable=SC2046
gcc -Wall -Werror -o /tmp/t-static /tmp/t.c $(pkg-config --cflags credo) "/usr/lib/$multiarch/libcredo.a" ||
	die "$release: building against libcredo.a failed"
/tmp/t-shared >/dev/null || die "$release: the program linked with libcredo.so failed"
/tmp/t-static >/dev/null || die "$release: the program linked with libcredo.a failed"

# 2. A new kernel's headers: DKMS builds credo for it from its header_postinst.d hook.
say "$release: apt-get install $second"
apt_get install --no-install-recommends "$second" >/build/second.log 2>&1 ||
	{ tail -n 40 /build/second.log; die "$release: apt-get install $second failed"; }
new=$(comm -13 <(echo "$headers") <(kernels_with_headers))
[ -n "$new" ] || die "$release: $second brought no new kernel headers"
for k in $new; do
	check_built "$k"
done

# 3. Removal: with apt-get remove, or apt-get purge straight away.
say "$release: apt-get $removal ${pkgs[*]}"
apt_get "$removal" "${pkgs[@]}" >/build/removal.log 2>&1 ||
	{ tail -n 40 /build/removal.log; die "$release: apt-get $removal failed"; }
left=$(find /lib/modules -name 'credo.ko*')
[ -z "$left" ] || die "$release: modules left after apt-get $removal: $left"
for k in $(kernels_with_headers); do
	! grep -q 'credo\.ko' "/lib/modules/$k/modules.dep" ||
		die "$release: credo still in $k's modules.dep after apt-get $removal"
done
[ ! -e /var/lib/dkms/credo ] || die "$release: /var/lib/dkms/credo left after apt-get $removal"
[ ! -e "/usr/src/credo-$version" ] || die "$release: /usr/src/credo-$version left after apt-get $removal"
if [ "$removal" = remove ]; then
	dpkg --purge "${pkgs[@]}" >>/build/removal.log 2>&1 || die "$release: dpkg --purge failed"
fi
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $st in "" | "unknown ok not-installed" | "deinstall ok not-installed" | "purge ok not-installed") ;;
	*) die "$release: $p is '$st' after the $removal" ;;
	esac
done
after=$(credo_files)
[ "$after" = "$before" ] ||
	die "$release: left after the $removal: $(comm -13 <(echo "$before") <(echo "$after"))"
say "$release: install, DKMS build for $(echo "$headers" "$new" | wc -w) kernels, $removal ok"

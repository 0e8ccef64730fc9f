#!/usr/bin/env bash
# Stock Debian kernels of other releases than the host's: their headers in a chroot of that release
# (its compiler and libc), and the vmlinuz that boots in QEMU.
#
# Usage:
#   stock-kernels.sh prepare RELEASE [PACKAGE...]           cache chroot, headers and vmlinuz (and
#                                                           PACKAGEs, installed with apt-get)
#   stock-kernels.sh build RELEASE SRC_DIR OUT_LOG [make args...]
#                                                           make W=1 modules in SRC_DIR with its headers
#   stock-kernels.sh env RELEASE                            print the path of the env file
#   stock-kernels.sh source RELEASE                         newest linux-source-X.Y of RELEASE: prints
#                                                           "SERIES PACKAGE_VERSION TARBALL"
#   stock-kernels.sh run RELEASE [--bind HOSTDIR] CMD...    CMD in the prepared chroot (HOSTDIR at /build)
#   stock-kernels.sh overlay RELEASE DIR [--bind HOSTDIR] CMD...
#                                                           the same through an overlay whose upper layer
#                                                           is DIR: the chroot stays as prepared, what CMD
#                                                           changes lands in DIR (rm -rf DIR to drop it)
# RELEASE: bullseye, trixie or trixie-backports (the newest kernel there; base suite trixie);
# bookworm (headers only: its kernel is the host's own /boot one, no image is fetched);
# bookworm-build (debootstrap --variant=buildd, no kernel at all: the Debian package build).
#
# Everything lives in $CREDO_CACHE/stock/RELEASE/: chroot/, image/ (vmlinuz), env, *.log.
# prepare is idempotent: a warm run does apt-get update in the chroot and redoes only what a new
# linux-headers-amd64 upload changed (the cache is keyed by that package's version).
# CREDO_STOCK_OFFLINE=1 skips the network when a prepared env exists.
# CREDO_STOCK_MIRROR / CREDO_STOCK_SECURITY_MIRROR override the mirrors read from the host's apt
# sources (CREDO_STOCK_SECURITY_MIRROR=none: no -security suite in the chroot).
#
# Mounts needed inside the chroot (/proc, the module sources) are made in a private mount namespace
# (unshare) that exists only while the command runs, and are unmounted by a trap as well.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

SELF=$(readlink -f "${BASH_SOURCE[0]}")
STOCK_INCLUDE=gcc,make,libc6-dev,kmod,libelf-dev,perl,ca-certificates
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

usage() {
	sed -n '5,21s/^# \{0,1\}//p' "$SELF" >&2
	exit 2
}

# ---------------------------------------------------------------------------------------------
# Running commands in the chroot

# Internal (re-executed, normally inside `unshare --mount`): mount /proc and optionally the
# sources at /build, run the command in the chroot with a clean environment, unmount, exit with
# the command's status.
ns_run() {
	local root=$1 bind=$2
	shift 2
	NS_MOUNTED=()
	trap ns_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	# NS_OVERLAY=DIR: the chroot is ROOT seen through an overlay whose upper layer is DIR/upper.
	if [ -n "${NS_OVERLAY:-}" ]; then
		mkdir -p "$NS_OVERLAY/upper" "$NS_OVERLAY/work" "$NS_OVERLAY/root"
		mount -t overlay overlay -o "lowerdir=$root,upperdir=$NS_OVERLAY/upper,workdir=$NS_OVERLAY/work" \
			"$NS_OVERLAY/root"
		NS_MOUNTED+=("$NS_OVERLAY/root")
		root=$NS_OVERLAY/root
	fi
	mount -t proc proc "$root/proc"
	NS_MOUNTED+=("$root/proc")
	if [ -n "$bind" ]; then
		mount --bind "$bind" "$root/build"
		NS_MOUNTED+=("$root/build")
	fi
	local envs=(PATH="$CHROOT_PATH" HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb)
	local v
	for v in http_proxy https_proxy no_proxy; do
		[ -z "${!v:-}" ] || envs+=("$v=${!v}")
	done
	local rc=0
	chroot "$root" /usr/bin/env -i "${envs[@]}" "$@" || rc=$?
	exit "$rc"
}

ns_cleanup() {
	local i m
	for ((i = ${#NS_MOUNTED[@]} - 1; i >= 0; i--)); do
		m=${NS_MOUNTED[i]}
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "warning: cannot unmount $m" >&2
	done
}

have_unshare() {
	[ -n "${STOCK_UNSHARE:-}" ] || {
		if unshare --mount --propagation private true 2>/dev/null; then STOCK_UNSHARE=1; else STOCK_UNSHARE=0; fi
	}
	[ "$STOCK_UNSHARE" = 1 ]
}

# chroot_run [--bind HOSTDIR] CMD...: CMD in $CHROOT with /proc (and HOSTDIR at /build).
chroot_run() {
	local bind=
	if [ "$1" = --bind ]; then
		bind=$2
		shift 2
	fi
	if have_unshare; then
		unshare --mount --propagation private -- "$SELF" _ns "$CHROOT" "$bind" "$@"
	else
		"$SELF" _ns "$CHROOT" "$bind" "$@"
	fi
}

# Unmount whatever a killed run may have left below DIR (only possible without unshare).
unmount_below() {
	local dir=$1 m
	{ findmnt -rn -o TARGET | grep -F "$dir/" || true; } | sort -r | while read -r m; do
		say "unmounting leftover $m"
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}

# ---------------------------------------------------------------------------------------------
# Helpers

# step WHAT LOG CMD...: run CMD with progress lines, report its time, show the log's tail on failure.
step() {
	local what=$1 log=$2 start rc=0
	shift 2
	start=$(date +%s)
	say "$RELEASE: $what..."
	with_progress "$RELEASE: $what" "$log" "$@" || rc=$?
	if [ "$rc" != 0 ]; then
		say "$RELEASE: $what FAILED (exit $rc, $(($(date +%s) - start)) s); last lines of $log:" >&2
		tail -n 25 "$log" >&2
		return "$rc"
	fi
	say "$RELEASE: $what done ($(($(date +%s) - start)) s)"
}

set_release() {
	RELEASE=$1
	# KERNEL: image (headers and a vmlinuz fetched from the release), host (headers only: the
	# host's /boot has the image), none (a build chroot).
	VARIANT=minbase INCLUDE=$STOCK_INCLUDE KERNEL=image
	case "$RELEASE" in
	bullseye | trixie) SUITE=$RELEASE BACKPORTS= ;;
	trixie-backports) SUITE=trixie BACKPORTS=$RELEASE ;;
	bookworm) SUITE=$RELEASE BACKPORTS="" KERNEL=host ;;
	bookworm-build) SUITE=bookworm BACKPORTS="" VARIANT=buildd INCLUDE=ca-certificates KERNEL=none ;;
	*) die "unknown release '$RELEASE' (bullseye, trixie, trixie-backports, bookworm or bookworm-build)" ;;
	esac
	STOCK_DIR=$CREDO_CACHE/stock/$RELEASE
	CHROOT=$STOCK_DIR/chroot
	ENV_FILE=$STOCK_DIR/env
}

# lock_release exclusive|shared: serialise prepare against everything else on this release.
lock_release() {
	mkdir -p "$STOCK_DIR"
	exec 9>"$STOCK_DIR/.lock"
	local mode=-x
	[ "$1" = shared ] && mode=-s
	if ! flock -n "$mode" 9; then
		say "$RELEASE: waiting for another stock-kernels.sh on this release"
		flock "$mode" 9
	fi
}

# The URI of the Debian entry in the host's apt sources whose suites contain SUITE.
# Reads one-line (*.list) and deb822 (*.sources) files; prefers a URI ending in /debian or
# /debian-security so that a third-party source of the same suite is not taken.
host_mirror() {
	local suite=$1 f uris
	uris=$(
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk -v s="$suite" '$1 == "deb" && $3 == s { print $2 }'
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk -v s="$suite" '
				function flush(  n, i, a, ok) {
					ok = 0
					n = split(suites, a, /[ \t]+/)
					for (i = 1; i <= n; i++) if (a[i] == s) ok = 1
					if (ok && (" " types " ") ~ / deb / && enabled != "no") {
						split(uris, a, /[ \t]+/)
						print a[1]
					}
					types = uris = suites = enabled = key = ""
				}
				/^#/ { next }
				/^[ \t]*$/ { flush(); next }
				/^[ \t]/ {
					v = $0; sub(/^[ \t]+/, "", v)
					if (key == "types") types = types " " v
					else if (key == "uris") uris = uris " " v
					else if (key == "suites") suites = suites " " v
					next
				}
				{
					key = tolower($0); sub(/:.*/, "", key)
					v = $0; sub(/^[^:]*:[ \t]*/, "", v)
					if (key == "types") types = v
					else if (key == "uris") uris = v
					else if (key == "suites") suites = v
					else if (key == "enabled") enabled = tolower(v)
				}
				END { flush() }' "$f"
		done
	)
	{ grep -E '/debian(-security)?/?$' <<<"$uris" || echo "$uris"; } | sed -n '1s,/*$,,p'
}

host_codename() {
	local c
	# shellcheck source=/dev/null
	c=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	echo "${c:-bookworm}"
}

# Apt sources of the chroot: the release, its -security suite, and backports when asked for.
write_chroot_sources() {
	local sec=${CREDO_STOCK_SECURITY_MIRROR:-$(host_mirror "$(host_codename)-security")}
	{
		echo "# written by credo's scripts/stock-kernels.sh"
		echo "deb $MIRROR $SUITE main"
		if [ -n "$sec" ] && [ "$sec" != none ]; then
			echo "deb $sec $SUITE-security main"
		fi
		[ -z "$BACKPORTS" ] || echo "deb $MIRROR $BACKPORTS main"
	} >"$CHROOT/etc/apt/sources.list"
	[ -n "$sec" ] || say "$RELEASE: warning: no $(host_codename)-security entry on the host: no $SUITE-security in the chroot"
	# Name resolution and a proxy the host's apt uses, if any.
	rm -f "$CHROOT/etc/resolv.conf"
	cp -L /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
	apt-config dump 2>/dev/null | grep -iE '^Acquire::(http|https|ftp)::Proxy ' >"$CHROOT/etc/apt/apt.conf.d/90credo-proxy" || true
}

# True when PATH exists seen from inside the chroot (5.10's build symlink is absolute).
chroot_exists() {
	chroot "$CHROOT" /usr/bin/test -e "$1"
}

# True when ENV_FILE describes a complete preparation (headers in the chroot, vmlinuz present).
env_ok() {
	[ -f "$ENV_FILE" ] || return 1
	(
		set +u
		# shellcheck source=/dev/null
		. "$ENV_FILE"
		[ "$CHROOT" = "$1" ] || exit 1
		[ "$KERNEL" != none ] || exit 0
		# shellcheck disable=SC2153 # VMLINUZ comes from the env file
		[ -n "$KVER" ] && { [ "$KERNEL" = host ] || [ -f "$VMLINUZ" ]; } && chroot_exists "$KDIR_IN_CHROOT/Makefile"
	)
}

env_get() {
	(
		set +u
		# shellcheck source=/dev/null
		. "$ENV_FILE"
		eval "echo \"\${$1}\""
	)
}

# ---------------------------------------------------------------------------------------------
# prepare

ensure_chroot() {
	local stamp="suite=$SUITE mirror=$MIRROR include=$INCLUDE"
	[ "$VARIANT" = minbase ] || stamp="$stamp variant=$VARIANT"
	[ -z "$PACKAGES" ] || stamp="$stamp packages=$PACKAGES"
	if [ -f "$CHROOT/.credo-debootstrap" ] && [ "$(cat "$CHROOT/.credo-debootstrap")" = "$stamp" ]; then
		say "$RELEASE: chroot $CHROOT is there"
		return 0
	fi
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap on the host"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >"$STOCK_DIR/apt-host.log" 2>&1 ||
			{ tail -n 20 "$STOCK_DIR/apt-host.log"; die "cannot install debootstrap"; }
	fi
	local new=$CHROOT.new
	unmount_below "$CHROOT"
	unmount_below "$new"
	rm -rf "$new" "$CHROOT" "$ENV_FILE"
	# In a private mount namespace, so that the /proc and /sys debootstrap mounts never outlive it.
	local ns=()
	have_unshare && ns=(unshare --mount --propagation private --)
	step "debootstrap $SUITE from $MIRROR" "$STOCK_DIR/debootstrap.log" \
		"${ns[@]}" debootstrap --variant="$VARIANT" --include="$INCLUDE" "$SUITE" "$new" "$MIRROR" ||
		die "debootstrap failed (log $STOCK_DIR/debootstrap.log)"
	unmount_below "$new"
	echo "$stamp" >"$new/.credo-debootstrap"
	mkdir -p "$new/build"
	mv "$new" "$CHROOT"
}

# The path of the kernel image in a .deb, if it has one: ./boot/vmlinuz-KVER (up to 6.x) or
# ./usr/lib/modules/KVER/vmlinuz (7.x, copied to /boot only by the package's maintainer scripts).
deb_vmlinuz() {
	local list
	list=$(dpkg-deb -c "$1" | awk '{ print $NF }')
	grep -m1 -E '^\./(boot/vmlinuz-[^/]+|(usr/)?lib/modules/[^/]+/vmlinuz)$' <<<"$list"
}

# The package in the chroot that holds the kernel image of VER: the image package itself (up to
# 6.x) or, when the image is split (7.x: linux-binary-VER, linux-modules-VER, linux-base-VER),
# the dependency that holds it. Prints the path of the .deb on the host.
download_vmlinuz_deb() {
	local ver=$1 dl=/var/cache/credo-image deb deps dep name pin cands=()
	rm -rf "${CHROOT:?}$dl"
	mkdir -p "$CHROOT$dl"
	# Owned by _apt so that apt downloads sandboxed, as usual.
	chroot_run chown _apt "$dl" >&2 || true
	chroot_run sh -c "cd $dl && apt-get download ${BACKPORTS:+-t $BACKPORTS} linux-image-$ver" >&2
	deb=$(find "$CHROOT$dl" -name "linux-image-${ver}_*.deb" | head -n 1)
	[ -n "$deb" ] || die "apt-get download linux-image-$ver gave no .deb"
	if deb_vmlinuz "$deb" >/dev/null; then
		echo "$deb"
		return 0
	fi
	# Split layout: look at the Depends for packages of this kernel version; linux-binary-* first,
	# linux-modules-* (large, no vmlinuz) last.
	deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/^ *//' -e 's/ *$//')
	echo "linux-image-$ver is split: Depends: $(echo "$deps" | tr '\n' ' ')" >&2
	for dep in $(echo "$deps" | awk -v v="-$ver" 'substr($1, length($1) - length(v) + 1) == v { print $1 }' |
		awk '{ print (/^linux-binary-/ ? 0 : /^linux-modules-/ ? 2 : 1), $0 }' | sort -s -n -k1,1 | cut -d' ' -f2); do
		cands+=("$dep")
	done
	[ "${#cands[@]}" -gt 0 ] || die "linux-image-$ver has no vmlinuz and no dependency of version $ver"
	for name in "${cands[@]}"; do
		pin=$(echo "$deps" | awk -v n="$name" '$1 == n && match($0, /\(= *[^)]*\)/) {
			s = substr($0, RSTART + 1, RLENGTH - 2); sub(/^= */, "", s); print s }')
		echo "downloading $name${pin:+=$pin}" >&2
		chroot_run sh -c "cd $dl && apt-get download $name${pin:+=$pin}" >&2
		deb=$(find "$CHROOT$dl" -name "${name}_*.deb" | head -n 1)
		if [ -n "$deb" ] && deb_vmlinuz "$deb" >/dev/null; then
			echo "$deb"
			return 0
		fi
	done
	die "no package of linux-image-$ver holds a vmlinuz (tried ${cands[*]})"
}

fetch_image() {
	local ver=$1 deb out=$STOCK_DIR/image.log
	: >"$out"
	deb=$(download_vmlinuz_deb "$ver" 2>>"$out") || {
		tail -n 25 "$out" >&2
		die "$RELEASE: kernel image download failed (log $out)"
	}
	IMAGE_PATH=$(deb_vmlinuz "$deb")
	IMAGE_PATH=${IMAGE_PATH#.}
	echo "vmlinuz: $IMAGE_PATH in $(basename "$deb")" >>"$out"
	rm -rf "$STOCK_DIR/image.new"
	dpkg-deb -x "$deb" "$STOCK_DIR/image.new"
	IMAGE_PKG=$(dpkg-deb -f "$deb" Package)
	IMAGE_PKG_VERSION=$(dpkg-deb -f "$deb" Version)
	rm -rf "$STOCK_DIR/image.old"
	[ ! -d "$STOCK_DIR/image" ] || mv "$STOCK_DIR/image" "$STOCK_DIR/image.old"
	mv "$STOCK_DIR/image.new" "$STOCK_DIR/image"
	rm -rf "$STOCK_DIR/image.old" "${CHROOT:?}/var/cache/credo-image"
}

cmd_prepare() {
	[ $# -ge 1 ] || usage
	set_release "$1"
	shift
	# Extra packages are part of the chroot's stamp: a changed list makes a new chroot, so that
	# nothing a former list installed stays behind.
	PACKAGES="$*"
	[ "$(id -u)" = 0 ] || die "prepare needs root (debootstrap, chroot)"
	local t0
	t0=$(date +%s)
	lock_release exclusive

	if [ "${CREDO_STOCK_OFFLINE:-0}" = 1 ] && env_ok "$CHROOT"; then
		say "$RELEASE: offline, using cached $(env_get KVER) ($ENV_FILE)"
		return 0
	fi

	MIRROR=${CREDO_STOCK_MIRROR:-$(host_mirror "$(host_codename)")}
	[ -n "$MIRROR" ] || die "no Debian entry for $(host_codename) in /etc/apt/sources.list*: set CREDO_STOCK_MIRROR"
	ensure_chroot
	write_chroot_sources

	if ! step "apt-get update" "$STOCK_DIR/apt-update.log" \
		chroot_run apt-get -o Acquire::Retries=3 update; then
		if env_ok "$CHROOT"; then
			say "$RELEASE: warning: apt-get update failed; keeping cached $(env_get KVER)"
			return 0
		fi
		die "$RELEASE: apt-get update failed"
	fi
	if [ -n "$PACKAGES" ]; then
		# shellcheck disable=SC2086 # a list of package names
		step "install $PACKAGES" "$STOCK_DIR/apt-packages.log" \
			chroot_run apt-get install -y --no-install-recommends $PACKAGES ||
			die "$RELEASE: installing $PACKAGES failed"
	fi
	if [ "$KERNEL" = none ]; then
		chroot_run apt-get clean >>"$STOCK_DIR/apt-packages.log" 2>&1 || true
		{
			echo "# $RELEASE chroot (no kernel), written by scripts/stock-kernels.sh prepare"
			printf 'RELEASE=%q\n' "$RELEASE"
			printf 'CHROOT=%q\n' "$CHROOT"
		} >"$ENV_FILE.new"
		mv "$ENV_FILE.new" "$ENV_FILE"
		say "$RELEASE: prepared in $(($(date +%s) - t0)) s: $ENV_FILE"
		return 0
	fi
	step "install linux-headers-amd64${BACKPORTS:+ from $BACKPORTS}" "$STOCK_DIR/apt-install.log" \
		chroot_run apt-get install -y --no-install-recommends ${BACKPORTS:+-t "$BACKPORTS"} linux-headers-amd64 ||
		die "$RELEASE: installing linux-headers-amd64 failed"

	# The versioned headers the metapackage depends on; the newest by version if several.
	local deps ver
	# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
	deps=$(chroot_run dpkg-query -W -f='${Depends}' linux-headers-amd64)
	ver=$(echo "$deps" | tr ',' '\n' | sed -n 's/^ *linux-headers-\([0-9][^ ]*-amd64\)\( .*\)\{0,1\}$/\1/p' | sort -V | tail -n 1)
	[ -n "$ver" ] || die "$RELEASE: no linux-headers-<version>-amd64 in linux-headers-amd64's Depends: $deps"
	local hdr_pkg_version hdr_dir kver
	# shellcheck disable=SC2016
	hdr_pkg_version=$(chroot_run dpkg-query -W -f='${Version}' "linux-headers-$ver")
	hdr_dir=$CHROOT/usr/src/linux-headers-$ver
	# What uname -r prints is UTS_RELEASE (5.10's include/config/kernel.release says 5.10.NNN).
	kver=
	if [ -f "$hdr_dir/include/generated/utsrelease.h" ]; then
		kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$hdr_dir/include/generated/utsrelease.h")
	fi
	kver=${kver:-$ver}
	chroot_exists "/lib/modules/$kver/build/Makefile" || die "$RELEASE: /lib/modules/$kver/build missing in the chroot"
	say "$RELEASE: headers linux-headers-$ver $hdr_pkg_version (kernel $kver)"

	if env_ok "$CHROOT" && [ "$(env_get HEADERS_PKG_VERSION)" = "$hdr_pkg_version" ] &&
		[ "$(env_get KVER)" = "$kver" ]; then
		say "$RELEASE: up to date ($kver, $hdr_pkg_version), $(($(date +%s) - t0)) s"
		return 0
	fi

	local vmlinuz=
	IMAGE_PKG="" IMAGE_PKG_VERSION=""
	if [ "$KERNEL" = image ]; then
		local t1
		t1=$(date +%s)
		say "$RELEASE: kernel image for $ver..."
		fetch_image "$ver"
		say "$RELEASE: kernel image done ($(($(date +%s) - t1)) s)"
		vmlinuz=$STOCK_DIR/image$IMAGE_PATH
		case "$IMAGE_PATH" in
		*/vmlinuz-"$kver" | */"$kver"/vmlinuz) ;;
		*) die "$RELEASE: $IMAGE_PKG holds $IMAGE_PATH, not the image of $kver" ;;
		esac
		# The version the kernel itself carries is what uname -r prints.
		local built
		built=$(file -b "$vmlinuz" | sed -n 's/.*, version \([^ ]*\) .*/\1/p')
		[ -z "$built" ] || [ "$built" = "$kver" ] || die "$RELEASE: $vmlinuz says version $built, headers say $kver"
		say "$RELEASE: vmlinuz $IMAGE_PATH from $IMAGE_PKG $IMAGE_PKG_VERSION"
	elif [ -f "/boot/vmlinuz-$kver" ]; then
		vmlinuz=/boot/vmlinuz-$kver
	fi

	# Old headers after a new upload, and the downloaded .debs: not needed any more.
	chroot_run apt-get -y autoremove --purge >>"$STOCK_DIR/apt-install.log" 2>&1 || true
	chroot_run apt-get clean >>"$STOCK_DIR/apt-install.log" 2>&1 || true

	{
		echo "# $RELEASE stock kernel, written by scripts/stock-kernels.sh prepare"
		printf 'RELEASE=%q\n' "$RELEASE"
		printf 'KVER=%q\n' "$kver"
		printf 'VMLINUZ=%q\n' "$vmlinuz"
		printf 'CHROOT=%q\n' "$CHROOT"
		printf 'KDIR_IN_CHROOT=%q\n' "/lib/modules/$kver/build"
		printf 'HEADERS_PKG=%q\n' "linux-headers-$ver"
		printf 'HEADERS_PKG_VERSION=%q\n' "$hdr_pkg_version"
		printf 'IMAGE_PKG=%q\n' "$IMAGE_PKG"
		printf 'IMAGE_PKG_VERSION=%q\n' "$IMAGE_PKG_VERSION"
	} >"$ENV_FILE.new"
	mv "$ENV_FILE.new" "$ENV_FILE"
	say "$RELEASE: prepared $kver in $(($(date +%s) - t0)) s: $ENV_FILE"
}

# ---------------------------------------------------------------------------------------------
# build, env

cmd_build() {
	[ $# -ge 3 ] || usage
	set_release "$1"
	local src=$2 out=$3
	shift 3
	case "$src" in /*) ;; *) die "SRC_DIR must be absolute: $src" ;; esac
	[ -d "$src" ] || die "no directory $src"
	[ -f "$src/Kbuild" ] || [ -f "$src/Makefile" ] || die "no Kbuild or Makefile in $src"
	case "$out" in /*) ;; *) out=$PWD/$out ;; esac
	mkdir -p "$(dirname "$out")"
	# Each build has /build in its own mount namespace, so builds only exclude prepare; without
	# unshare they share the chroot's /build and must take turns.
	if have_unshare; then lock_release shared; else lock_release exclusive; fi
	env_ok "$CHROOT" || die "$RELEASE is not prepared: run $0 prepare $RELEASE"
	local kver kdir rc=0 start
	kver=$(env_get KVER)
	kdir=$(env_get KDIR_IN_CHROOT)
	start=$(date +%s)
	say "$RELEASE: make -C $kdir M=/build W=1${*:+ $*} modules (src $src, log $out)"
	mkdir -p "$CHROOT/build"
	with_progress "$RELEASE: build" "$out" \
		chroot_run --bind "$src" make -C "$kdir" M=/build W=1 "$@" modules || rc=$?
	if [ "$rc" != 0 ]; then
		say "$RELEASE: build FAILED (exit $rc, $(($(date +%s) - start)) s); last lines of $out:" >&2
		tail -n 25 "$out" >&2
		return "$rc"
	fi
	say "$RELEASE: build ok for $kver ($(($(date +%s) - start)) s, $(grep -c 'warning:' "$out" || true) warning(s))"
}

cmd_env() {
	[ $# = 1 ] || usage
	set_release "$1"
	[ -f "$ENV_FILE" ] || die "$RELEASE is not prepared: run $0 prepare $RELEASE"
	echo "$ENV_FILE"
}

# The newest linux-source-X.Y package of the release (the debug kernel of the newest kernel is
# built from it), unpacked once per package version into $STOCK_DIR/source-VERSION/.
cmd_source() {
	[ $# = 1 ] || usage
	set_release "$1"
	lock_release shared
	env_ok "$CHROOT" || die "$RELEASE is not prepared: run $0 prepare $RELEASE"
	local pkg ver dir dl=/var/cache/credo-source deb
	pkg=$(chroot_run apt-cache pkgnames linux-source- | grep -E '^linux-source-[0-9]+\.[0-9]+$' | sort -V | tail -n 1)
	[ -n "$pkg" ] || die "$RELEASE: no linux-source-X.Y package"
	# shellcheck disable=SC2016 # apt-cache's own output, parsed by awk
	ver=$(chroot_run apt-cache policy ${BACKPORTS:+-t "$BACKPORTS"} "$pkg" | awk '/Candidate:/ { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "$RELEASE: no candidate for $pkg"
	dir=$STOCK_DIR/source-$ver
	if [ ! -e "$dir/.unpacked" ]; then
		say "$RELEASE: downloading $pkg $ver" >&2
		rm -rf "${CHROOT:?}$dl" "$dir"
		mkdir -p "$CHROOT$dl"
		chroot_run chown _apt "$dl" >&2 || true
		chroot_run sh -c "cd $dl && apt-get download $pkg=$ver" >"$STOCK_DIR/source.log" 2>&1 ||
			{ tail -n 20 "$STOCK_DIR/source.log" >&2; die "$RELEASE: apt-get download $pkg failed"; }
		deb=$(find "$CHROOT$dl" -name "${pkg}_*.deb" | head -n 1)
		[ -n "$deb" ] || die "$RELEASE: no .deb for $pkg"
		dpkg-deb -x "$deb" "$dir"
		rm -rf "${CHROOT:?}$dl"
		touch "$dir/.unpacked"
	fi
	local tarball
	tarball=$(find "$dir/usr/src" -maxdepth 1 -name "$pkg.tar.*" | head -n 1)
	[ -n "$tarball" ] || die "$RELEASE: $pkg holds no source tarball"
	echo "${pkg#linux-source-} $ver $tarball"
}

# CMD in the prepared chroot of RELEASE, as chroot_run runs it (a build chroot, for instance).
cmd_run() {
	[ $# -ge 2 ] || usage
	set_release "$1"
	shift
	if have_unshare; then lock_release shared; else lock_release exclusive; fi
	env_ok "$CHROOT" || die "$RELEASE is not prepared: run $0 prepare $RELEASE"
	chroot_run "$@"
}

# CMD in the prepared chroot of RELEASE through an overlay (upper layer DIR), for a test that
# installs and removes packages: the next test starts from the chroot as prepared again.
# Where the running kernel has no overlayfs already (mounting one could load its module) or
# there is no unshare, DIR gets a full copy of the chroot instead.
cmd_overlay() {
	[ $# -ge 3 ] || usage
	set_release "$1"
	local dir=$2
	shift 2
	case "$dir" in /*) ;; *) die "DIR must be absolute: $dir" ;; esac
	lock_release shared
	env_ok "$CHROOT" || die "$RELEASE is not prepared: run $0 prepare $RELEASE"
	mkdir -p "$dir"
	if have_unshare && grep -qw overlay /proc/filesystems; then
		NS_OVERLAY=$dir chroot_run "$@"
	else
		if [ ! -e "$dir/copy/.credo-debootstrap" ]; then
			unmount_below "$dir/copy"
			rm -rf "$dir/copy"
			cp -a "$CHROOT" "$dir/copy"
		fi
		CHROOT=$dir/copy chroot_run "$@"
	fi
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
prepare) cmd_prepare "$@" ;;
build) cmd_build "$@" ;;
env) cmd_env "$@" ;;
source) cmd_source "$@" ;;
run) cmd_run "$@" ;;
overlay) cmd_overlay "$@" ;;
_ns) ns_run "$@" ;;
*) usage ;;
esac

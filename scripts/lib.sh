# shellcheck shell=bash
# Shared helpers for credo's scripts: progress lines, cache locations, package versions.

CREDO_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CREDO_CACHE=${CREDO_CACHE:-/var/cache/credo}
CREDO_BUILD=${CREDO_BUILD:-$CREDO_TOP/build}
CREDO_T0=${CREDO_T0:-$(date +%s)}
export CREDO_TOP CREDO_CACHE CREDO_BUILD CREDO_T0

# Progress goes to stderr: stdout of a script is its result (a path, a version).
say() {
	printf '[credo %4ss] %s\n' "$(($(date +%s) - CREDO_T0))" "$*" >&2
}

die() {
	say "error: $*" >&2
	exit 1
}

# Run a long command, printing a progress line every 30 s so a terminal never sits silent.
with_progress() {
	local what=$1 log=$2
	shift 2
	local start
	start=$(date +%s)
	"$@" >"$log" 2>&1 &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for _ in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		kill -0 "$pid" 2>/dev/null &&
			say "$what: still running ($(($(date +%s) - start)) s, log $log)"
	done
	wait "$pid"
}

# credo's version: the first line of debian/changelog less any Debian revision, the one place
# it is written (the Makefiles, dkms.conf through make install and dh_dkms, take it from there).
credo_version() {
	sed -n '1s/^credo (\([^)-]*\).*/\1/p' "$CREDO_TOP/debian/changelog"
}

pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null
}

# The newest Debian kernel installed on the host for the stock guest: its version string.
stock_kver() {
	local v
	v=$(find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	[ -n "$v" ] || die "no /boot/vmlinuz-*-amd64: run scripts/install-deps.sh"
	echo "$v"
}

# The kernel source tree of a linux-source-X.Y package, unpacked once into the cache.
# kernel_source_dir SERIES [TARBALL VERSION]: the host's package by default, else a tarball taken
# from another release's package (scripts/stock-kernels.sh source) with that package's version.
kernel_source_dir() {
	local series=$1 tarball=${2:-/usr/src/linux-source-$1.tar.xz} ver=${3:-}
	local dir
	[ -n "$ver" ] || ver=$(pkg_version "linux-source-$series")
	[ -n "$ver" ] || die "no version known for linux-source-$series"
	dir=$CREDO_CACHE/src/linux-source-$series-$ver
	if [ ! -e "$dir/.unpacked" ]; then
		[ -f "$tarball" ] || die "missing $tarball"
		say "unpacking $tarball into $dir" >&2
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=1
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}

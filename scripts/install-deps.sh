#!/usr/bin/env bash
# Install what building and testing credo needs on Debian 12 (run as root).
# Quick when everything is already there: apt is only asked when a package is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio xz-utils python3 perl
	linux-headers-amd64 linux-image-amd64 linux-source-6.1
	qemu-system-x86 busybox-static sparse dkms debootstrap file
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	say "dependencies: all installed"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root"
say "dependencies: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Third-party sources a machine may carry are not needed; their failure must not stop us.
apt-get update -qq || say "apt-get update reported errors (continuing)"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >"${TMPDIR:-/tmp}/credo-apt.log" 2>&1 ||
	{ tail -n 30 "${TMPDIR:-/tmp}/credo-apt.log"; die "apt-get install failed"; }
say "dependencies: installed"

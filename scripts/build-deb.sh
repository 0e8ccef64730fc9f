#!/usr/bin/env bash
# make deb: credo's Debian packages (debian/), built by `dpkg-buildpackage -us -uc -b` as an
# unprivileged user in a clean bookworm chroot, so that nothing of the host's can leak in
# (scripts/stock-kernels.sh prepare bookworm-build: debootstrap --variant=buildd plus the
# Build-Depends and lintian; cached in $CREDO_CACHE/stock/bookworm-build, made anew when that
# package list changes). The source package (3.0 native, dpkg-source -b) is built first from
# the same copy of the tree. Then lintian on both: any error or warning fails (overrides, each
# with its reason, are in debian/*.lintian-overrides and debian/source/lintian-overrides).
# Output in $CREDO_BUILD/deb/: the .debs, .changes, .buildinfo, lintian.txt; source/: .dsc, .tar.xz;
# dbgsym/: the -dbgsym packages.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$CREDO_BUILD/deb
work=$CREDO_BUILD/deb-work
stock=$CREDO_TOP/scripts/stock-kernels.sh
version=$(credo_version)
[ -n "$version" ] || die "deb: no version on the first line of debian/changelog"
t0=$(date +%s)

# The Build-Depends of debian/control as package names (versions, architectures and later
# alternatives dropped: dpkg-buildpackage checks the exact relations), and lintian.
build_deps=$(awk '
	/^Build-Depends(-Indep|-Arch)?:/ { on = 1; sub(/^[^:]*:/, ""); print; next }
	on && /^[ \t]/ { print; next }
	{ on = 0 }' "$CREDO_TOP/debian/control" | tr ',' '\n' |
	sed -e 's/|.*//' -e 's/([^)]*)//g' -e 's/\[[^]]*\]//g' -e 's/<[^>]*>//g' | awk 'NF { print $1 }' | sort -u)
# shellcheck disable=SC2086 # word lists
"$stock" prepare bookworm-build $build_deps lintian
# shellcheck disable=SC1090,SC2153 # CHROOT comes from the env file
chroot=$(. "$("$stock" env bookworm-build)" && echo "$CHROOT")
run() { "$stock" run bookworm-build --bind "$work" "$@"; }

rm -rf "$work" "$out"
mkdir -p "$work/credo-$version" "$out/source"

# The builder: an unprivileged user of the chroot (Rules-Requires-Root: no).
if ! grep -q '^builder:' "$chroot/etc/passwd"; then
	run useradd --system --create-home --home-dir /home/builder builder >/dev/null
fi
builder_id=$(awk -F: '$1 == "builder" { print $3 ":" $4 }' "$chroot/etc/passwd")

# A copy of the tree as git sees it (tracked and new files, not the ignored build products).
say "deb: copying the source tree"
if git -C "$CREDO_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$CREDO_TOP" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done | tar --null -T - -cf -) | tar -xf - -C "$work/credo-$version"
else
	(cd "$CREDO_TOP" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$work/credo-$version"
fi
chown -R "$builder_id" "$work"

log=$out/build.log
say "deb: dpkg-source -b and dpkg-buildpackage -us -uc -b in $chroot (log $log)"
if ! with_progress "deb: dpkg-buildpackage" "$log" \
	run runuser -u builder -- sh -c "cd /build && dpkg-source -b credo-$version &&
		cd credo-$version && dpkg-buildpackage -us -uc -b"; then
	tail -n 40 "$log" >&2
	die "deb: the package build failed (log $log)"
fi
changes=credo_${version}_$(run dpkg --print-architecture).changes
[ -f "$work/$changes" ] || die "deb: no $changes"

say "deb: lintian"
lint=$out/lintian.txt
rc=0
run runuser -u builder -- lintian --info --display-info --show-overrides --fail-on error,warning \
	"/build/$changes" "/build/credo_$version.dsc" >"$lint" 2>&1 || rc=$?
cat "$lint" >&2
[ "$rc" = 0 ] || die "deb: lintian reports errors or warnings ($lint)"

# The results, named in the .changes (and the source package beside them). The automatic
# -dbgsym packages go to dbgsym/, so that build/deb/*.deb are the four packages to install.
files=$(awk '/^Files:/ { on = 1; next } on && /^ / { print $NF; next } { on = 0 }' "$work/$changes")
mkdir -p "$out/dbgsym"
for f in $files "$changes"; do
	case $f in
	*-dbgsym_*) cp "$work/$f" "$out/dbgsym/" ;;
	*) cp "$work/$f" "$out/" ;;
	esac
done
cp "$work/credo_$version.dsc" "$work/credo_$version.tar.xz" "$out/source/"
tags=$(grep -c '^[EW]: ' "$lint" || true)
overridden=$(grep -c '^O: ' "$lint" || true)
say "deb: $(cd "$out" && echo ./*.deb) in $out ($(($(date +%s) - t0)) s;" \
	"lintian: $tags errors and warnings, $overridden overridden)"

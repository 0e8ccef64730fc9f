#!/usr/bin/env bash
# Build (or reuse from the cache) the debug test kernel from Debian's linux-source-X.Y.
# Usage: build-test-kernel.sh SERIES [TARBALL VERSION [BASE_CONFIG]]
#   prints the build directory on stdout.
#   CREDO_KERNEL_EXTRA=FILE merges one more fragment after debug.config (the 6.1 debug guest's
#   debug-6.1.config); it is part of the cache key.
# The kernel is tinyconfig plus scripts/kernel/debug.config, or, with BASE_CONFIG (Debian's own
# config of that kernel), that config with every module turned off plus the same fragment.
# The cache key is the source package version plus a hash of the config fragment, of the base
# config if any, and of RECIPE, which is bumped whenever the way the kernel is configured or
# built below changes; a run with nothing changed takes seconds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-6.1}
src=$(kernel_source_dir "$series" "${2:-}" "${3:-}")
frag=$CREDO_TOP/scripts/kernel/debug.config
base=${4:-}
[ -z "$base" ] || [ -f "$base" ] || die "no base config $base"
extra=${CREDO_KERNEL_EXTRA:-}
[ -z "$extra" ] || [ -f "$extra" ] || die "no config fragment $extra"
RECIPE=1
key=$({
	cat "$frag"
	echo "recipe $RECIPE"
	[ -z "$base" ] || { echo "base config"; cat "$base"; }
	[ -z "$extra" ] || { echo "extra fragment"; cat "$extra"; }
} | sha256sum | cut -c1-12)
out=$CREDO_CACHE/kernel/$(basename "$src")-$key

if [ -e "$out/.built" ]; then
	say "debug kernel $series: cached in $out" >&2
	echo "$out"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
if [ -z "$base" ]; then
	say "debug kernel $series: building in $out (about 6 minutes on 2 cores)" >&2
	make -C "$src" O="$out" -s tinyconfig >/dev/null
else
	say "debug kernel $series: building in $out from $base, modules off (about 16 minutes on 2 cores)" >&2
	# No modules (the built-in part is what the guest boots), no debug info (build time),
	# and none of the key files that only exist in Debian's build tree.
	sed -e 's/=m$/=n/' \
		-e '/^CONFIG_MODULE_SIG_KEY=/d' -e '/^CONFIG_SYSTEM_TRUSTED_KEYS=/d' \
		-e '/^CONFIG_SYSTEM_REVOCATION_KEYS=/d' -e '/^CONFIG_DEBUG_INFO/d' "$base" >"$out/.config"
	echo CONFIG_DEBUG_INFO_NONE=y >>"$out/.config"
	make -C "$src" O="$out" -s olddefconfig >/dev/null
fi
# merge_config.sh keeps the last value of each symbol; olddefconfig resolves dependencies.
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag" $extra >/dev/null)
make -C "$src" O="$out" -s olddefconfig >/dev/null

# Every option of the fragment must have landed, unless this kernel no longer has the symbol.
missing=0
while IFS= read -r line; do
	case "$line" in '' | \#*) continue ;; esac
	sym=${line%%=*}
	val=${line#*=}
	if ! grep -rqs --include='Kconfig*' -E "^(menu)?config ${sym#CONFIG_}\$" "$src"; then
		say "debug kernel $series: $sym does not exist in this kernel, skipped" >&2
		continue
	fi
	# Debian's config has MAXSMP, which fixes NR_CPUS at its maximum; it only sizes tables.
	if [ "$sym" = CONFIG_NR_CPUS ] && grep -qx CONFIG_MAXSMP=y "$out/.config"; then
		continue
	fi
	if [ "$val" = n ]; then
		grep -q "^$sym=" "$out/.config" && { say "$sym should be off" >&2; missing=1; }
	else
		grep -qxF "$line" "$out/.config" || { say "$sym=$val did not land in .config" >&2; missing=1; }
	fi
done < <(cat "$frag" $extra)
[ "$missing" = 0 ] || die "the config fragment does not apply to $src"

log=$out/build.log
if ! with_progress "debug kernel $series" "$log" make -C "$src" O="$out" -j"$(nproc)" bzImage modules_prepare; then
	tail -n 40 "$log" >&2
	die "debug kernel build failed, see $log"
fi
# Module.symvers is needed to build external modules against this tree.
[ -f "$out/Module.symvers" ] || with_progress "debug kernel $series: modules" "$log.modules" \
	make -C "$src" O="$out" -j"$(nproc)" modules
touch "$out/.built"
say "debug kernel $series: built" >&2
# Trees of the same source under an older fragment are dead weight (1 to 2 GB each).
for old in "$CREDO_CACHE/kernel/$(basename "$src")"-*; do
	[ "$old" = "$out" ] || [ ! -d "$old" ] || { say "removing stale $old" >&2; rm -rf "$old"; }
done
echo "$out"

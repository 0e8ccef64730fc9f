#!/usr/bin/env bash
# make check: style, host build, every guest, one closing "N passed, N failed" line.
# Usage: check.sh [GUEST...]   (default: all of them)
#   bookworm          Debian 12's stock kernel (the host's linux-image-amd64), alias "stock"
#   dkms              the same kernel, loading the credo.ko that DKMS built from what
#                     `make install` installed (scripts/check-packaging.sh)
#   deb               the same kernel, loading the credo.ko that DKMS built from the Debian
#                     packages in a bookworm chroot (scripts/check-deb.sh: build, lintian,
#                     install, new headers, remove and purge in bookworm and trixie chroots)
#   bullseye          Debian 11's stock 5.10
#   trixie            Debian 13's stock 6.12
#   trixie-backports  the newest stable kernel Debian ships (7.x)
#   debug             debug kernel built from linux-source-6.1, with KUnit and kmemleak
#   debug-newest      debug kernel built from the newest linux-source-X.Y (trixie-backports)
# Guests run in two lanes side by side (CREDO_CHECK_JOBS=1: one after the other); each lane's
# lines are prefixed [A] or [B].
set -uo pipefail
. "$(dirname "$0")/lib.sh"

guests=${*:-bookworm dkms deb bullseye trixie trixie-backports debug debug-newest}
mkdir -p "$CREDO_BUILD"
status=0
step() { say "== $*"; }
must() { "$@" || { say "FAILED: $*"; echo "0 passed, 1 failed"; exit 1; }; }
# Guest $g of the host's kernel $kver loading the credo.ko that packaging check $1 had DKMS
# build: the core and library kselftests and the demo.
packaged_guest() {
	if "$CREDO_TOP/scripts/$1" "$kver"; then
		CREDO_GUEST_TESTS="override_test lib_test cli_test" \
			"$CREDO_TOP/scripts/run-guest.sh" "$g" "/boot/vmlinuz-$kver" "$kver" \
			"$CREDO_BUILD/mod-$g/module" || ok=0
	else
		ok=0
		rm -f "$CREDO_BUILD/guest-$g/result.txt"
	fi
}

step "dependencies"
must "$CREDO_TOP/scripts/install-deps.sh"
# The style gate beside the two builds (each builds in a directory of its own); its lines are
# printed when it is done, together.
step "style, beside the host build and the test programs"
"$CREDO_TOP/scripts/style.sh" >"$CREDO_BUILD/style.log" 2>&1 &
style=$!
step "host build against Debian's $(stock_kver) headers"
must "$CREDO_TOP/scripts/build-module.sh" bookworm "/lib/modules/$(stock_kver)/build"
step "test programs"
must "$CREDO_TOP/scripts/build-tests.sh"
step "style"
style_rc=0
wait "$style" || style_rc=$?
cat "$CREDO_BUILD/style.log"
[ "$style_rc" = 0 ] || { say "FAILED: style (above)"; echo "0 passed, 1 failed"; exit 1; }

# One guest: its build and run, then one line for the summary and one for the Tested-on table in
# $CREDO_BUILD/guest-$g/, read back once every lane has finished.
run_one_guest() {
	local g=$1 kver='?' ok=1 what="modprobe, kselftests as root and uid 65534, demo, rmmod"
	local extra args series ver tarball base kdir vmlinuz p f s verdict
	case $g in
	bookworm)
		kver=$(stock_kver)
		step "guest $g: Debian $kver"
		"$CREDO_TOP/scripts/run-guest.sh" "$g" "/boot/vmlinuz-$kver" "$kver" \
			"$CREDO_BUILD/mod-$g/module" || ok=0
		;;
	dkms)
		kver=$(stock_kver)
		what="make install, dkms build, modprobe, core and library kselftests, demo, rmmod"
		step "guest $g: make install, dkms build for Debian $kver"
		packaged_guest check-packaging.sh
		;;
	deb)
		kver=$(stock_kver)
		what="dpkg-buildpackage, lintian, apt install in bookworm and trixie chroots (DKMS build, new headers, remove, purge), modprobe, core and library kselftests, demo, rmmod"
		step "guest $g: Debian packages, DKMS build for Debian $kver"
		packaged_guest check-deb.sh
		;;
	bullseye | trixie | trixie-backports)
		step "guest $g: preparing its headers and kernel"
		if "$CREDO_TOP/scripts/stock-kernels.sh" prepare "$g" &&
			"$CREDO_TOP/scripts/build-module.sh" "$g" "chroot:$g"; then
			# shellcheck source=/dev/null
			kver=$(. "$CREDO_CACHE/stock/$g/env" && echo "$KVER")
			vmlinuz=$(. "$CREDO_CACHE/stock/$g/env" && echo "$VMLINUZ")
			step "guest $g: Debian $kver"
			"$CREDO_TOP/scripts/run-guest.sh" "$g" "$vmlinuz" "$kver" \
				"$CREDO_BUILD/mod-$g/module" || ok=0
		else
			ok=0
			rm -f "$CREDO_BUILD/guest-$g/result.txt"
		fi
		;;
	debug | debug-newest)
		what="KUnit, kselftests as root and uid 65534, demo, rmmod, kmemleak; lockdep, KFENCE"
		extra=
		if [ "$g" = debug ]; then
			args=(6.1)
			# KASAN, UBSAN and core dumps on this one (the fragment says why).
			extra=$CREDO_TOP/scripts/kernel/debug-6.1.config
			what="$what, KASAN, UBSAN"
		else
			if ! "$CREDO_TOP/scripts/stock-kernels.sh" prepare trixie-backports; then
				args=()
			else
				read -r series ver tarball < <("$CREDO_TOP/scripts/stock-kernels.sh" source trixie-backports)
				# Debian's own config of the newest kernel as the base: on tinyconfig,
				# 7.3 crashed in ftrace when a module with kprobes was loaded again
				# after an unload (docs/testing.md); on Debian's config it does not.
				# shellcheck disable=SC1090
				base=$(. "$("$CREDO_TOP/scripts/stock-kernels.sh" env trixie-backports)" &&
					echo "$CHROOT$KDIR_IN_CHROOT/.config")
				args=("$series" "$tarball" "$ver" "$base")
			fi
		fi
		step "guest $g: debug kernel from linux-source-${args[0]:-?}"
		if [ "${#args[@]}" -gt 0 ] && kdir=$(CREDO_KERNEL_EXTRA=$extra "$CREDO_TOP/scripts/build-test-kernel.sh" "${args[@]}") &&
			"$CREDO_TOP/scripts/build-module.sh" "$g" "$kdir"; then
			kver=$(cat "$kdir/include/config/kernel.release")
			step "guest $g: $kver"
			"$CREDO_TOP/scripts/run-guest.sh" "$g" \
				"$kdir/arch/x86/boot/bzImage" "$kver" "$CREDO_BUILD/mod-$g/module" kunit kmemleak ||
				ok=0
		else
			ok=0
			rm -f "$CREDO_BUILD/guest-$g/result.txt"
		fi
		;;
	*) must false "unknown guest $g" ;;
	esac
	mkdir -p "$CREDO_BUILD/guest-$g"
	if ! read -r p f s verdict <"$CREDO_BUILD/guest-$g/result.txt" 2>/dev/null; then
		p=0 f=1 s=0 verdict=fail
	fi
	[ "$ok" = 1 ] || { [ "$f" -gt 0 ] || f=1; verdict=fail; }
	printf '%s %s %s %s\n' "$p" "$f" "$s" "$verdict" >"$CREDO_BUILD/guest-$g/verdict.txt"
	printf '%-17s %-26s %s: %d passed, %d failed, %d skipped\n' "$g" "$kver" "$verdict" "$p" "$f" "$s" \
		>"$CREDO_BUILD/guest-$g/summary.txt"
	printf '| %s | %s | %s | %s: %d passed, %d failed, %d skipped |\n' "$kver" "$g" "$what" "$verdict" "$p" "$f" "$s" \
		>"$CREDO_BUILD/guest-$g/tested-on.txt"
}

# Two lanes of guests run side by side (CREDO_CHECK_JOBS=1: one, in the order given): the stock
# guests use one host thread each, so the second core would otherwise idle.  Guests that share a
# chroot (trixie, deb and debug-newest's trixie-backports config) stay in one lane, in order.
lane_of() {
	case $1 in
	bookworm | dkms | bullseye | debug) echo 1 ;;
	*) echo 2 ;;
	esac
}
lane1=() lane2=() order=()
for g in $guests; do
	[ "$g" = stock ] && g=bookworm
	case $g in
	bookworm | dkms | deb | bullseye | trixie | trixie-backports | debug | debug-newest) ;;
	*) must false "unknown guest $g" ;;
	esac
	order+=("$g")
	rm -f "$CREDO_BUILD/guest-$g/summary.txt" "$CREDO_BUILD/guest-$g/verdict.txt" "$CREDO_BUILD/guest-$g/tested-on.txt" \
		"$CREDO_BUILD/guest-$g/failures.txt"
	if [ "${CREDO_CHECK_JOBS:-2}" = 1 ] || [ "$(lane_of "$g")" = 1 ]; then
		lane1+=("$g")
	else
		lane2+=("$g")
	fi
done
run_lane() { # $1 lane name, guests...
	local lane=$1 g
	shift
	for g in "$@"; do
		run_one_guest "$g"
	done 2>&1 | sed -u "s/^/[$lane] /"
}
pids=()
[ "${#lane1[@]}" = 0 ] || { run_lane A "${lane1[@]}" & pids+=($!); }
[ "${#lane2[@]}" = 0 ] || { run_lane B "${lane2[@]}" & pids+=($!); }
for pid in "${pids[@]}"; do
	wait "$pid" || status=1
done

total_p=0 total_f=0 total_s=0
summary=()
table=()
for g in "${order[@]}"; do
	if read -r p f s verdict <"$CREDO_BUILD/guest-$g/verdict.txt" 2>/dev/null; then
		summary+=("$(cat "$CREDO_BUILD/guest-$g/summary.txt")")
		table+=("$(cat "$CREDO_BUILD/guest-$g/tested-on.txt")")
	else
		p=0 f=1 s=0 verdict=fail
		summary+=("$(printf '%-17s %-26s %s' "$g" ? "fail: did not finish")")
	fi
	[ "$verdict" = pass ] || status=1
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done

{
	echo "| kernel | guest | what ran | result |"
	echo "|---|---|---|---|"
	printf '%s\n' "${table[@]}"
	echo
	echo "Measured by \`make check\` on $(date -u +%Y-%m-%d) (commit $(git -C "$CREDO_TOP" rev-parse --short HEAD 2>/dev/null || echo none))."
} >"$CREDO_BUILD/tested-on.md"

step "results per guest"
printf '  %s\n' "${summary[@]}"
# What failed, by name, where CI's tail shows it (the whole output is in each guest's log).
for g in "${order[@]}"; do
	[ -s "$CREDO_BUILD/guest-$g/failures.txt" ] || continue
	echo "  $g failed:"
	sed 's/^/    /' "$CREDO_BUILD/guest-$g/failures.txt"
done
[ "$status" = 0 ] || [ "$total_f" -gt 0 ] || total_f=1
line="$total_p passed, $total_f failed"
[ "$total_s" = 0 ] || line="$line, $total_s skipped"
echo "$line"
[ "$status" = 0 ] && [ "$total_f" = 0 ]

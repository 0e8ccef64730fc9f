#!/usr/bin/env bash
# Boot one QEMU guest (software emulation: KVM hangs on this machine) with credo and its tests,
# then judge the run on the host.
# Usage: run-guest.sh NAME KERNEL_IMAGE KERNEL_RELEASE MODULE_DIR [kunit] [kmemleak]
#   MODULE_DIR holds credo.ko (and credo_test.ko for kunit); the tests come from $CREDO_BUILD/tests.
# Writes $CREDO_BUILD/guest-NAME/{console,success,results}.log and result.txt (counts).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$1 image=$2 kver=$3 moddir=$4
shift 4
kunit=0 kmemleak=0
for opt in "$@"; do
	case "$opt" in
	kunit) kunit=1 ;;
	kmemleak) kmemleak=1 ;;
	*) die "unknown option $opt" ;;
	esac
done

dir=$CREDO_BUILD/guest-$name
root=$dir/initramfs
rm -rf "$dir"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,tests,root} "$root/lib/modules/$kver/extra"

cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# The kernel's request_module() runs /sbin/modprobe (loading credo on first open of its node).
ln -s ../bin/busybox "$root/sbin/modprobe"
cp "$CREDO_TOP/scripts/guest/init" "$root/init"
cp "$moddir/credo.ko" "$root/lib/modules/$kver/extra/"
# The test-only helper (module/testhook/) for net_test, when the build made it.
[ ! -f "$moddir/testhook/credo_testhook.ko" ] ||
	cp "$moddir/testhook/credo_testhook.ko" "$root/lib/modules/$kver/extra/"
if [ "$kunit" = 1 ]; then
	cp "$moddir/tests/credo_test.ko" "$root/lib/modules/$kver/extra/" ||
		die "no credo_test.ko: the kernel of guest $name must have CONFIG_KUNIT"
fi
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

# CREDO_GUEST_TESTS / CREDO_GUEST_DEMOS narrow a run (make demo runs the demonstration alone).
tests=${CREDO_GUEST_TESTS-$(cat "$CREDO_BUILD/tests/TESTS")}
demos=${CREDO_GUEST_DEMOS-$(cat "$CREDO_BUILD/tests/DEMOS" 2>/dev/null || true)}
cp "$CREDO_BUILD"/tests/* "$root/tests/"
cat >"$root/etc/credo-guest.conf" <<CONF
GUEST_NAME=$name
KUNIT=$kunit
KMEMLEAK=$kmemleak
TESTS="$(echo $tests)"
DEMOS="$(echo $demos)"
TEST_TIMEOUT=${CREDO_TEST_TIMEOUT:-900}
CONF
# The debug guests run the sequence fuzzer longer (selftests/sequence_test.c).
[ "$kunit" = 0 ] || echo 'export CREDO_SEQUENCE_LONG=1' >>"$root/etc/credo-guest.conf"
[ -z "${CREDO_SKIP_RELOAD:-}" ] ||
	printf 'export CREDO_SKIP_RELOAD=%s\n' "'${CREDO_SKIP_RELOAD//\'/}'" >>"$root/etc/credo-guest.conf"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initramfs.gz"

# tsc=reliable: under TCG the clocksource watchdog sees emulation skew and marks the TSC
# unstable mid-run; the static keys that flips are patched with int3 while other vCPUs run the
# code, and multi-threaded TCG then lost one ("Oops: int3" in ktime_get_mono_fast_ns, 7.3 debug
# guest, net_test's slow kprobe spinning on the clock).
append="console=ttyS0 rdinit=/init panic=-1 oops=panic panic_on_warn=1 slab_nomerge tsc=reliable"
[ "$kmemleak" = 0 ] || append="$append kmemleak=on"
timeout=${CREDO_GUEST_TIMEOUT:-1800}
# Both vCPUs on one host thread unless CREDO_TCG_OPTS says otherwise (CREDO_TCG_OPTS= for
# multi-threaded TCG, as make bench needs for its two-thread rows). Multi-threaded TCG mishandles
# cross-modifying code: a vCPU can go on executing an int3 that text_poke_bp() has already
# replaced, and then loops on it or dies of it ("Oops: int3", "Fatal exception in interrupt").
# The tests patch text all the time (ftrace hooks at every load and unload, kprobes, tracepoint
# static keys), and scripts/tcg-text-patching.sh shows the hang with no credo in the guest.
tcg_opts=${CREDO_TCG_OPTS-,thread=single}
boot() {
	say "guest $name: booting $kver under TCG${tcg_opts:+ ($tcg_opts)} (limit ${timeout}s)"
	start=$(date +%s)
	set +e
	timeout --foreground "$timeout" qemu-system-x86_64 \
		-accel "tcg$tcg_opts" -cpu max -smp 2 -m 2048 \
		-nographic -no-reboot -monitor none \
		-kernel "$image" -initrd "$dir/initramfs.gz" -append "$append ${CREDO_APPEND:-}" \
		-serial "file:$dir/console.log" -serial "file:$dir/success.log" -serial "file:$dir/results.log" \
		</dev/null >"$dir/qemu.log" 2>&1
	qrc=$?
	set -e
	say "guest $name: finished in $(($(date +%s) - start)) s (qemu exit $qrc)"
	[ "$qrc" != 124 ] || echo "qemu timed out after ${timeout}s" >>"$dir/qemu.log"
}
boot
# A kernel that dies before our init even starts has not met credo (the module is not loaded
# yet); seen once with Debian's 7.3 under TCG ("Oops: int3" while unpacking the initramfs).
# Boot once more then, keeping the first console. Anything after init started is judged as is.
if ! grep -q '^credo-guest: kernel' "$dir/console.log"; then
	mv "$dir/console.log" "$dir/console-boot1.log"
	say "guest $name: the kernel died before init started (console-boot1.log); booting again"
	boot
fi

python3 "$CREDO_TOP/scripts/judge-guest.py" --name "$name" --dir "$dir" \
	--kunit-py "$(kernel_source_dir 6.1)/tools/testing/kunit/kunit.py" \
	--kunit "$kunit" --qemu-rc "$qrc" --tests "$(echo $tests)" --demos "$(echo $demos)"

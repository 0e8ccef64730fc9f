#!/usr/bin/env bash
# Shows QEMU's multi-threaded TCG hazard with cross-modifying code, with no credo at all: a
# busybox guest toggles kernel tracepoints (each toggle patches their static-key sites with
# int3, text_poke_bp()) while both vCPUs run those sites, also in interrupt context.
# Usage: tcg-text-patching.sh KERNEL_IMAGE [TCG_OPTS] [TOGGLES] [LIMIT_SECONDS]
#   TCG_OPTS: "" (multi-threaded, the default) or ",thread=single"
# Prints the guest's last word: "done N toggles" or the first splat. Exits 0 if the guest
# finished its toggles, 1 if it hung or died. Never loads anything into the host's kernel.
# Measured here (docs/testing.md), multi-threaded: the 7.3 debug kernel died of "Oops: int3"
# then "Fatal exception in interrupt" in 3 runs of 3; Debian's stock 6.1 stalled (soft lockups in
# one) before 25 toggles in 2 runs of 2. On one host thread both finished every toggle.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

image=${1:?usage: tcg-text-patching.sh KERNEL_IMAGE [TCG_OPTS] [TOGGLES] [LIMIT_SECONDS]}
opts=${2:-} toggles=${3:-100} limit=${4:-600}
dir=$CREDO_BUILD/tcg-text-patching
rm -rf "$dir"
mkdir -p "$dir/root/bin"
cp /bin/busybox "$dir/root/bin/busybox"
ln -s busybox "$dir/root/bin/sh"
cat >"$dir/root/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tracefs tracefs /sys/kernel/tracing
t=/sys/kernel/tracing/events
# A kernel without these tracepoints patches nothing: say so rather than finish.
[ -e "$t/sched/enable" ] || { echo "tcg-text-patching: no tracepoints in this kernel"; poweroff -f; }
n=$(sed -n 's/.*toggles=\([0-9]*\).*/\1/p' /proc/cmdline)
# Load on both vCPUs: a busy loop, timers, forks.
(while :; do :; done) &
(while :; do usleep 200; done) &
(while :; do (:); done) &
i=0
while [ "$i" -lt "$n" ]; do
	for v in 1 0; do
		for e in irq timer sched rcu workqueue; do
			[ ! -e "$t/$e/enable" ] || echo "$v" >"$t/$e/enable"
		done
	done
	i=$((i + 1))
	[ $((i % 25)) != 0 ] || echo "tcg-text-patching: $i toggles"
done
echo "tcg-text-patching: done $i toggles"
poweroff -f
INIT
chmod +x "$dir/root/init"
(cd "$dir/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initramfs.gz"
say "tcg-text-patching: $toggles toggles on -accel tcg$opts (limit ${limit}s)"
timeout --foreground "$limit" qemu-system-x86_64 -accel "tcg$opts" -cpu max -smp 2 -m 1024 \
	-nographic -no-reboot -monitor none -kernel "$image" -initrd "$dir/initramfs.gz" \
	-append "console=ttyS0 rdinit=/init panic=-1 oops=panic tsc=reliable toggles=$toggles" \
	-serial "file:$dir/console.log" </dev/null >"$dir/qemu.log" 2>&1 || true
if grep -q 'tcg-text-patching: done' "$dir/console.log"; then
	say "tcg-text-patching: finished ($(grep -c 'int3' "$dir/console.log" || true) int3 lines)"
	exit 0
fi
say "tcg-text-patching: did not finish; last progress: $(grep 'tcg-text-patching:' "$dir/console.log" | tail -1)"
grep -m1 -E 'Oops|BUG:|soft lockup|Kernel panic|rcu_.*stall' "$dir/console.log" || true
say "console: $dir/console.log"
exit 1

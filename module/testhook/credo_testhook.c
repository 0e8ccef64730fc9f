// SPDX-License-Identifier: GPL-2.0
/*
 * credo_testhook: a test-only module for the guests (selftests/net_test.c).
 *
 * It stands in for the other users of the kernel's tracing hooks that credo
 * has to live with: perf probe and bpftrace (kprobes, kretprobes) and
 * livepatch (an ftrace_ops that may modify the instruction pointer).  One
 * hook per load, chosen by module parameters:
 *
 *   mode=kprobe      a kprobe on @target whose handler only counts hits
 *   mode=kretprobe   a kretprobe on @target, likewise
 *   mode=slowkprobe  a kprobe on @target (a hot function such as
 *                    __x64_sys_getppid) whose handler busy-waits @delay_us us;
 *                    meanwhile the kprobe core skips every other kprobe hit
 *                    on that CPU (counted in their nmissed)
 *   mode=ipmodify    an ftrace_ops with FTRACE_OPS_FL_SAVE_REGS |
 *                    FTRACE_OPS_FL_IPMODIFY filtered on @target, as
 *                    livepatch registers one; its callback changes nothing
 *
 * A registration that fails makes the load fail with its error (EBUSY when
 * another IPMODIFY user holds @target) and logs a line naming @target.
 * /sys/module/credo_testhook/parameters/{hits,missed} count the handler's
 * runs and the kprobe core's misses of this probe; unload logs both.
 */
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/ptrace.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#define TESTHOOK_MAX_DELAY_US	10000

enum testhook_mode {
	TESTHOOK_KPROBE,
	TESTHOOK_KRETPROBE,
	TESTHOOK_SLOWKPROBE,
	TESTHOOK_IPMODIFY,
};

static const char * const testhook_modes[] = {
	[TESTHOOK_KPROBE] = "kprobe",
	[TESTHOOK_KRETPROBE] = "kretprobe",
	[TESTHOOK_SLOWKPROBE] = "slowkprobe",
	[TESTHOOK_IPMODIFY] = "ipmodify",
};

static char *mode = "kprobe";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "kprobe, kretprobe, slowkprobe or ipmodify");

static char *target = "commit_creds";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "the function to hook (default commit_creds)");

static unsigned int delay_us = 200;
module_param(delay_us, uint, 0444);
MODULE_PARM_DESC(delay_us, "busy wait of the slowkprobe handler, in us");

static enum testhook_mode testhook_mode;
static atomic_long_t testhook_hits = ATOMIC_LONG_INIT(0);

static struct kprobe testhook_kp;
static struct kretprobe testhook_rp;
static struct ftrace_ops testhook_ops;

static unsigned long testhook_missed(void)
{
	switch (testhook_mode) {
	case TESTHOOK_KPROBE:
	case TESTHOOK_SLOWKPROBE:
		return testhook_kp.nmissed;
	case TESTHOOK_KRETPROBE:
		return testhook_rp.kp.nmissed + testhook_rp.nmissed;
	case TESTHOOK_IPMODIFY:
		break;
	}
	return 0;
}

static int testhook_ro_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static int testhook_hits_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&testhook_hits));
}

static int testhook_missed_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lu\n", testhook_missed());
}

static const struct kernel_param_ops testhook_hits_ops = {
	.set = testhook_ro_set,
	.get = testhook_hits_get,
};

static const struct kernel_param_ops testhook_missed_ops = {
	.set = testhook_ro_set,
	.get = testhook_missed_get,
};

module_param_cb(hits, &testhook_hits_ops, NULL, 0444);
MODULE_PARM_DESC(hits, "runs of the hook's handler (read only)");
module_param_cb(missed, &testhook_missed_ops, NULL, 0444);
MODULE_PARM_DESC(missed, "hits of this probe the kprobe core skipped (read only)");

static int testhook_kprobe_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_long_inc(&testhook_hits);
	return 0;
}

/*
 * Busy-waits on the clock rather than with udelay(): under QEMU's TCG, udelay() can return
 * almost at once (its TSC and TPAUSE based delays), and the point is the time spent here.
 */
static int testhook_slow_pre(struct kprobe *p, struct pt_regs *regs)
{
	u64 end = ktime_get_mono_fast_ns() + (u64)delay_us * NSEC_PER_USEC;

	atomic_long_inc(&testhook_hits);
	while (ktime_get_mono_fast_ns() < end)
		cpu_relax();
	return 0;
}

static int testhook_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	atomic_long_inc(&testhook_hits);
	return 0;
}

/* compat.h (force-included, as in every credo unit) names the argument type. */
static void notrace testhook_ftrace(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *op,
				    struct credo_ftrace_regs *fregs)
{
	atomic_long_inc(&testhook_hits);
}

/* Frees the filter's hash, as ftrace_free_filter() (not exported on 5.10) does. */
static void testhook_free_filter(void)
{
	ftrace_set_filter(&testhook_ops, NULL, 0, 1);
}

static int testhook_ipmodify_register(void)
{
	int err;

	testhook_ops.func = testhook_ftrace;
	testhook_ops.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY;
	/* Never registered without its filter: it would hook every function. */
	err = ftrace_set_filter(&testhook_ops, (unsigned char *)target,
				strlen(target), 1);
	if (err) {
		pr_err("credo_testhook: cannot filter ftrace on %s (%d)\n",
		       target, err);
		goto out_free;
	}
	err = register_ftrace_function(&testhook_ops);
	if (err) {
		pr_err("credo_testhook: cannot register an IPMODIFY ftrace_ops on %s (%d)\n",
		       target, err);
		goto out_free;
	}
	return 0;

out_free:
	testhook_free_filter();
	return err;
}

static int __init testhook_init(void)
{
	int err, m;

	m = match_string(testhook_modes, ARRAY_SIZE(testhook_modes), mode);
	if (m < 0) {
		pr_err("credo_testhook: unknown mode \"%s\"\n", mode);
		return -EINVAL;
	}
	testhook_mode = m;
	if (!target || !*target)
		return -EINVAL;
	if (delay_us > TESTHOOK_MAX_DELAY_US)
		delay_us = TESTHOOK_MAX_DELAY_US;

	switch (testhook_mode) {
	case TESTHOOK_KPROBE:
	case TESTHOOK_SLOWKPROBE:
		testhook_kp.symbol_name = target;
		testhook_kp.pre_handler = testhook_mode == TESTHOOK_KPROBE ?
					  testhook_kprobe_pre : testhook_slow_pre;
		err = register_kprobe(&testhook_kp);
		break;
	case TESTHOOK_KRETPROBE:
		testhook_rp.kp.symbol_name = target;
		testhook_rp.handler = testhook_ret;
		err = register_kretprobe(&testhook_rp);
		break;
	case TESTHOOK_IPMODIFY:
		err = testhook_ipmodify_register();
		if (err)
			return err;
		break;
	default:
		return -EINVAL;
	}
	if (err) {
		pr_err("credo_testhook: cannot register a %s on %s (%d)\n",
		       mode, target, err);
		return err;
	}
	pr_info("credo_testhook: %s on %s registered\n", mode, target);
	return 0;
}

static void __exit testhook_exit(void)
{
	unsigned long missed = testhook_missed();

	switch (testhook_mode) {
	case TESTHOOK_KPROBE:
	case TESTHOOK_SLOWKPROBE:
		unregister_kprobe(&testhook_kp);
		break;
	case TESTHOOK_KRETPROBE:
		unregister_kretprobe(&testhook_rp);
		break;
	case TESTHOOK_IPMODIFY:
		unregister_ftrace_function(&testhook_ops);
		testhook_free_filter();
		break;
	}
	pr_info("credo_testhook: %s on %s removed: %ld hits, %lu missed\n",
		mode, target, atomic_long_read(&testhook_hits), missed);
}

module_init(testhook_init);
module_exit(testhook_exit);

MODULE_DESCRIPTION("credo test hook: kprobes, kretprobes and IPMODIFY ftrace on one function");
MODULE_LICENSE("GPL");

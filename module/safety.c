// SPDX-License-Identifier: GPL-2.0
/*
 * The safety net.
 *
 * commit_creds() has BUG_ON(task->cred != task->real_cred): any path that
 * changes a thread's own credentials (set*id, setgroups, capset, prctl,
 * keyctl, unshare, landlock_restrict_self, LSM attribute writes, execve)
 * would crash the kernel while the thread runs with an override.  A kprobe
 * at the entry of commit_creds() catches every one of them, known or not:
 *
 * - called from begin_new_exec() (execve) by a thread credo overrode: the
 *   override is dropped first and the commit goes ahead.  bprm->cred was
 *   prepared from current->cred, i.e. from the override, so the new program
 *   runs as the override identity, like a forked child.
 *
 * - anything else while current->cred != current->real_cred: the commit is
 *   refused.  The probe points regs->ip at credo_commit_refused(), which
 *   has commit_creds()'s signature, frees the new creds and returns -EBUSY
 *   to commit_creds()'s caller, as function error injection does.  Callers
 *   that return commit_creds()'s result fail with EBUSY; the few that ignore
 *   it (unshare of a user namespace, keyctl join) report success but change
 *   no credentials.  Each call site is logged once.
 *
 * A second kprobe on exit_creds() ends the bookkeeping of a thread freed
 * with an override (install.c); exit_creds() itself puts both cred slots.
 *
 * A third, on set_cred_ucounts() where the kernel has it, keeps a task's
 * ucounts when a set*id call leaves its ->user and user namespace alone:
 * see CREDO_SET_UCOUNTS_SYMBOL in compat.h for why.
 *
 * If either probe cannot be registered the module does not load.
 */
#include <linux/cred.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "install.h"
#include "safety.h"

#define CREDO_EXEC_SYMBOL	"begin_new_exec"
#define CREDO_LOG_SITES		32

/* [start, end) of begin_new_exec(), resolved at load. */
static unsigned long credo_exec_start, credo_exec_end;

/* Call sites already logged; 0 is a free slot. */
static unsigned long credo_logged_sites[CREDO_LOG_SITES];

static bool credo_site_is_new(unsigned long site)
{
	unsigned long v;
	int i;

	for (i = 0; i < CREDO_LOG_SITES; i++) {
		v = READ_ONCE(credo_logged_sites[i]);
		if (v == site)
			return false;
		if (!v) {
			v = cmpxchg(&credo_logged_sites[i], 0, site);
			if (!v)
				return true;
			if (v == site)
				return false;
		}
	}
	/* Table full: fall back to rate limiting alone. */
	return true;
}

/*
 * Runs in place of commit_creds(): the probe handler below moves regs->ip
 * here, with the registers (and so @new) commit_creds() was called with.
 */
static noinline int credo_commit_refused(struct cred *new)
{
	abort_creds(new);
	return -EBUSY;
}

static int credo_commit_pre(struct kprobe *p, struct pt_regs *regs)
{
	unsigned long caller;

	if (rcu_access_pointer(current->cred) ==
	    rcu_access_pointer(current->real_cred))
		return 0;

	/* At function entry the stack's top word is the return address. */
	caller = regs_get_kernel_stack_nth(regs, 0);
	if (caller >= credo_exec_start && caller < credo_exec_end &&
	    credo_thread_exec_drop())
		return 0;

	if (credo_site_is_new(caller))
		pr_warn_ratelimited("credo: %s[%d]: credential change from %pS refused (EBUSY) while overridden\n",
				    current->comm, task_pid_nr(current),
				    (void *)caller);
	instruction_pointer_set(regs, (unsigned long)credo_commit_refused);
	return 1;
}

static int credo_exit_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct task_struct *tsk;

	tsk = (struct task_struct *)regs_get_kernel_argument(regs, 0);
	if (rcu_access_pointer(tsk->cred) != rcu_access_pointer(tsk->real_cred))
		credo_thread_exited(tsk);
	return 0;
}

/*
 * Runs in place of set_cred_ucounts(): @new keeps the ucounts it was
 * prepared with, which commit_creds() charges consistently.
 */
static noinline int credo_ucounts_kept(struct cred *new)
{
	return 0;
}

static int credo_ucounts_pre(struct kprobe *p, struct pt_regs *regs)
{
	const struct cred *new, *old = current_cred();

	new = (const struct cred *)regs_get_kernel_argument(regs, 0);
	if (new->user != old->user || new->user_ns != old->user_ns)
		return 0;
	instruction_pointer_set(regs, (unsigned long)credo_ucounts_kept);
	return 1;
}

static struct kprobe credo_ucounts_kp = {
	.pre_handler = credo_ucounts_pre,
};

static struct kprobe credo_commit_kp = {
	.symbol_name = "commit_creds",
	.pre_handler = credo_commit_pre,
};

static struct kprobe credo_exit_kp = {
	.symbol_name = "exit_creds",
	.pre_handler = credo_exit_pre,
};

/*
 * kallsyms_lookup_name() and kallsyms_lookup_size_offset() are not
 * exported: a disabled kprobe resolves the address, and sprint_symbol()'s
 * "name+off/size" gives the bounds.
 */
static int credo_resolve_exec(void)
{
	struct kprobe kp = {
		.symbol_name = CREDO_EXEC_SYMBOL,
		.flags = KPROBE_FLAG_DISABLED,
	};
	const size_t plen = strlen(CREDO_EXEC_SYMBOL "+");
	unsigned long addr, off, size;
	char *buf, *slash;
	int err;

	err = register_kprobe(&kp);
	if (err)
		return err;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);

	buf = kmalloc(KSYM_SYMBOL_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	sprint_symbol(buf, addr);
	err = -ENOENT;
	if (strncmp(buf, CREDO_EXEC_SYMBOL "+", plen))
		goto out;
	slash = strchr(buf + plen, '/');
	if (!slash)
		goto out;
	*slash = '\0';
	strim(slash + 1);
	if (kstrtoul(buf + plen, 0, &off) || kstrtoul(slash + 1, 0, &size) ||
	    off > addr || !size)
		goto out;
	credo_exec_start = addr - off;
	credo_exec_end = credo_exec_start + size;
	err = 0;
out:
	if (err)
		pr_err("credo: cannot resolve %s (got \"%s\")\n",
		       CREDO_EXEC_SYMBOL, buf);
	kfree(buf);
	return err;
}

int credo_safety_init(void)
{
	int err;

	err = credo_resolve_exec();
	if (err)
		return err;
	credo_ucounts_kp.symbol_name = CREDO_SET_UCOUNTS_SYMBOL;
	if (credo_ucounts_kp.symbol_name) {
		err = register_kprobe(&credo_ucounts_kp);
		if (err) {
			pr_err("credo: kprobe on %s failed: %d\n",
			       credo_ucounts_kp.symbol_name, err);
			return err;
		}
	}
	err = register_kprobe(&credo_exit_kp);
	if (err) {
		pr_err("credo: kprobe on exit_creds failed: %d\n", err);
		goto err_ucounts;
	}
	err = register_kprobe(&credo_commit_kp);
	if (err) {
		pr_err("credo: kprobe on commit_creds failed: %d\n", err);
		goto err_exit;
	}
	return 0;

err_exit:
	unregister_kprobe(&credo_exit_kp);
err_ucounts:
	if (credo_ucounts_kp.symbol_name)
		unregister_kprobe(&credo_ucounts_kp);
	return err;
}

void credo_safety_exit(void)
{
	unregister_kprobe(&credo_commit_kp);
	unregister_kprobe(&credo_exit_kp);
	if (credo_ucounts_kp.symbol_name)
		unregister_kprobe(&credo_ucounts_kp);
}

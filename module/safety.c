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
 * A second kprobe on exit_creds() ends the bookkeeping of a thread that
 * used credo (install.c), with or without an override in place;
 * exit_creds() itself puts both cred slots.
 *
 * A third, on set_cred_ucounts() where the kernel has it, keeps a task's
 * ucounts when a set*id call leaves its ->user and user namespace alone:
 * see CREDO_SET_UCOUNTS_SYMBOL in compat.h for why.
 *
 * If any of these three cannot be registered the module does not load.
 *
 * In front of the net, gates: kprobes on the entry points of the calls by
 * which a thread changes its own credentials (the set*id and setgroups
 * families in their 64-bit, 32-bit and 16-bit forms, capset, the prctl
 * options that change credentials, keyctl's session and request-key
 * keyring changes, unshare(CLONE_NEWUSER), setns() into a user namespace
 * through userns_install(), landlock_restrict_self(), LSM attribute writes
 * through security_setprocattr() and security_setselfattr()).  While the
 * thread is overridden a gate makes the call return -EBUSY before the
 * kernel checks anything, so every such call fails the same way and changes
 * nothing, whatever the override identity may do.  A gate whose symbol a
 * kernel lacks is skipped and logged; the net behind it still holds.
 */
#include <linux/cred.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/keyctl.h>
#include <linux/kprobes.h>
#include <linux/prctl.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
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
 * The gates.  A gate of kind CREDO_GATE_ALL refuses every call while the
 * thread is overridden; the others look at the syscall's first arguments
 * first and refuse only the forms that change credentials.
 */
enum credo_gate_kind {
	CREDO_GATE_ALL,
	CREDO_GATE_PRCTL,
	CREDO_GATE_KEYCTL,
	CREDO_GATE_UNSHARE,
	CREDO_GATE_LANDLOCK,
};

struct credo_gate {
	struct kprobe kp;
	u8 kind;
	bool ia32;	/* 32-bit syscall wrapper: arguments in bx, cx, ... */
	bool syscall;	/* pt_regs syscall wrapper, else a function returning int */
};

/* Runs in place of a gated syscall wrapper: same signature, refuses. */
static noinline long credo_syscall_busy(const struct pt_regs *regs)
{
	return -EBUSY;
}

/*
 * Runs in place of userns_install(), security_setprocattr() and
 * security_setselfattr(): all return int, in the register this returns in;
 * their arguments are never read.
 */
static noinline int credo_int_busy(void)
{
	return -EBUSY;
}

#define GATE(sym, k, is_ia32, is_sys) \
	{ .kp.symbol_name = (sym), .kind = (k), .ia32 = (is_ia32), .syscall = (is_sys) }
#define GATE_X64(n, k)	GATE(CREDO_SYS_X64(n), k, false, true)
#define GATE_IA32(n, k)	GATE(CREDO_SYS_IA32(n), k, true, true)
#define GATE_FN(n)	GATE(n, CREDO_GATE_ALL, false, false)

static struct credo_gate credo_gates[] = {
	GATE_X64("setuid", CREDO_GATE_ALL),
	GATE_X64("setgid", CREDO_GATE_ALL),
	GATE_X64("setreuid", CREDO_GATE_ALL),
	GATE_X64("setregid", CREDO_GATE_ALL),
	GATE_X64("setresuid", CREDO_GATE_ALL),
	GATE_X64("setresgid", CREDO_GATE_ALL),
	GATE_X64("setfsuid", CREDO_GATE_ALL),
	GATE_X64("setfsgid", CREDO_GATE_ALL),
	GATE_X64("setgroups", CREDO_GATE_ALL),
	GATE_X64("capset", CREDO_GATE_ALL),
	GATE_X64("prctl", CREDO_GATE_PRCTL),
	GATE_X64("keyctl", CREDO_GATE_KEYCTL),
	GATE_X64("unshare", CREDO_GATE_UNSHARE),
	GATE_X64("landlock_restrict_self", CREDO_GATE_LANDLOCK),
	GATE_IA32("setuid", CREDO_GATE_ALL),
	GATE_IA32("setgid", CREDO_GATE_ALL),
	GATE_IA32("setreuid", CREDO_GATE_ALL),
	GATE_IA32("setregid", CREDO_GATE_ALL),
	GATE_IA32("setresuid", CREDO_GATE_ALL),
	GATE_IA32("setresgid", CREDO_GATE_ALL),
	GATE_IA32("setfsuid", CREDO_GATE_ALL),
	GATE_IA32("setfsgid", CREDO_GATE_ALL),
	GATE_IA32("setgroups", CREDO_GATE_ALL),
	GATE_IA32("setuid16", CREDO_GATE_ALL),
	GATE_IA32("setgid16", CREDO_GATE_ALL),
	GATE_IA32("setreuid16", CREDO_GATE_ALL),
	GATE_IA32("setregid16", CREDO_GATE_ALL),
	GATE_IA32("setresuid16", CREDO_GATE_ALL),
	GATE_IA32("setresgid16", CREDO_GATE_ALL),
	GATE_IA32("setfsuid16", CREDO_GATE_ALL),
	GATE_IA32("setfsgid16", CREDO_GATE_ALL),
	GATE_IA32("setgroups16", CREDO_GATE_ALL),
	GATE_IA32("capset", CREDO_GATE_ALL),
	GATE_IA32("prctl", CREDO_GATE_PRCTL),
	GATE(CREDO_COMPAT_SYS_IA32("keyctl"), CREDO_GATE_KEYCTL, true, true),
	GATE_IA32("unshare", CREDO_GATE_UNSHARE),
	GATE_IA32("landlock_restrict_self", CREDO_GATE_LANDLOCK),
	GATE_FN("userns_install"),
	GATE_FN("security_setprocattr"),
	GATE_FN("security_setselfattr"),
};

static struct kprobe *credo_gates_on[ARRAY_SIZE(credo_gates)];
static unsigned int credo_gates_nr;

static bool credo_gate_applies(u8 kind, unsigned long a0, unsigned long a1)
{
	switch (kind) {
	case CREDO_GATE_PRCTL:
		switch ((int)a0) {
		case PR_SET_KEEPCAPS:
		case PR_SET_SECUREBITS:
		case PR_CAPBSET_DROP:
			return true;
		case PR_CAP_AMBIENT:
			return a1 != PR_CAP_AMBIENT_IS_SET;
		}
		return false;
	case CREDO_GATE_KEYCTL:
		switch ((int)a0) {
		case KEYCTL_JOIN_SESSION_KEYRING:
		case KEYCTL_SET_REQKEY_KEYRING:
		case KEYCTL_SESSION_TO_PARENT:
			return true;
		}
		return false;
	case CREDO_GATE_UNSHARE:
		return a0 & CLONE_NEWUSER;
	}
	return true;
}

static bool credo_task_overridden(struct task_struct *t)
{
	return rcu_access_pointer(t->cred) != rcu_access_pointer(t->real_cred);
}

/*
 * landlock_restrict_self(LANDLOCK_RESTRICT_SELF_TSYNC) commits new
 * credentials in every thread of the process, from task work.  In an
 * overridden thread the net would refuse that commit and the thread would
 * stay outside the domain the caller believes process-wide, so the call is
 * refused up front, in any thread, while another thread of the process is
 * overridden.  (A thread that overrides between this check and its task
 * work is refused by the net and logged: docs/semantics.md.)
 */
static bool credo_group_overridden(void)
{
	struct task_struct *t;
	bool found = false;

	rcu_read_lock();
	for_each_thread(current, t) {
		if (credo_task_overridden(t)) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static int credo_gate_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct credo_gate *g = container_of(p, struct credo_gate, kp);
	const struct pt_regs *uregs = NULL;
	unsigned long a0 = 0, a1 = 0;

	if (g->kind != CREDO_GATE_ALL) {
		uregs = (const struct pt_regs *)regs_get_kernel_argument(regs, 0);
		if (g->ia32) {
			a0 = (u32)CREDO_ARG_IA32_0(uregs);
			a1 = (u32)CREDO_ARG_IA32_1(uregs);
		} else {
			a0 = CREDO_ARG_X64_0(uregs);
			a1 = CREDO_ARG_X64_1(uregs);
		}
	}
	if (!credo_task_overridden(current)) {
		if (g->kind != CREDO_GATE_LANDLOCK ||
		    !(a1 & CREDO_LANDLOCK_TSYNC) || !credo_group_overridden())
			return 0;
	} else if (!credo_gate_applies(g->kind, a0, a1)) {
		return 0;
	}
	instruction_pointer_set(regs, g->syscall ?
				(unsigned long)credo_syscall_busy :
				(unsigned long)credo_int_busy);
	return 1;
}

/*
 * Registers every gate the kernel has a symbol for; never fails the load.
 * The 32-bit gates exist only with CONFIG_IA32_EMULATION.  One line names
 * the gates a kernel lacks.
 */
static void credo_gates_register(void)
{
	char *absent;
	size_t len = 0;
	unsigned int i;

	absent = kzalloc(PAGE_SIZE, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(credo_gates); i++) {
		struct credo_gate *g = &credo_gates[i];

		if (g->ia32 && !IS_ENABLED(CONFIG_IA32_EMULATION))
			continue;
		g->kp.pre_handler = credo_gate_pre;
		if (register_kprobe(&g->kp)) {
			if (absent)
				len += scnprintf(absent + len, PAGE_SIZE - len,
						 " %s", g->kp.symbol_name);
			continue;
		}
		credo_gates_on[credo_gates_nr++] = &g->kp;
	}
	pr_info("credo: %u credential-change gates registered%s%s\n",
		credo_gates_nr, len ? "; absent here:" : "",
		len ? absent : "");
	kfree(absent);
}

static void credo_gates_unregister(void)
{
	if (credo_gates_nr)
		unregister_kprobes(credo_gates_on, credo_gates_nr);
	credo_gates_nr = 0;
}

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
	credo_gates_register();
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
	credo_gates_unregister();
	unregister_kprobe(&credo_commit_kp);
	unregister_kprobe(&credo_exit_kp);
	if (credo_ucounts_kp.symbol_name)
		unregister_kprobe(&credo_ucounts_kp);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The gates, in front of the net (safety.c).
 *
 * Hooks on the entry points of the calls by which a thread changes its own
 * credentials or its process (the set*id and setgroups families in their
 * 64-bit, 32-bit and 16-bit forms, capset, the prctl options that change
 * credentials or dumpability, keyctl's session and request-key keyring
 * changes, unshare(CLONE_NEWUSER), setns() into a user namespace through
 * userns_install(), landlock_restrict_self(), LSM attribute writes through
 * security_setprocattr() and security_setselfattr(), execve and execveat).
 * While the thread is overridden a gate makes the call return -EBUSY
 * before the kernel checks or opens anything, so every such call fails the
 * same way and changes nothing, whatever the override identity may do.
 * A name a kernel lacks is skipped and logged; the net behind still holds.
 * Another ftrace user modifying one of them makes the load fail (hook.c).
 */
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/keyctl.h>
#include <linux/kernel.h>
#include <linux/prctl.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/unistd.h>

#include "events.h"
#include "gates.h"
#include "hook.h"

enum credo_gate_kind {
	CREDO_GATE_ALL,
	CREDO_GATE_PRCTL,
	CREDO_GATE_KEYCTL,
	CREDO_GATE_UNSHARE,
	CREDO_GATE_LANDLOCK,
};

struct credo_gate {
	struct credo_hook hook;
	u8 kind;
	bool ia32;	/* 32-bit syscall wrapper: arguments in bx, cx, ... */
	void *busy;	/* runs in place of the gated function */
};

#define CREDO_NR(name)	{ __NR_##name, #name }

/* The native syscalls the gates refuse, for the refusal's event. */
static const struct {
	int nr;
	const char *name;
} credo_gated_nrs[] = {
	CREDO_NR(setuid), CREDO_NR(setgid), CREDO_NR(setreuid),
	CREDO_NR(setregid), CREDO_NR(setresuid), CREDO_NR(setresgid),
	CREDO_NR(setfsuid), CREDO_NR(setfsgid), CREDO_NR(setgroups),
	CREDO_NR(capset), CREDO_NR(execve), CREDO_NR(execveat),
	CREDO_NR(prctl), CREDO_NR(keyctl), CREDO_NR(unshare),
#ifdef __NR_landlock_restrict_self
	CREDO_NR(landlock_restrict_self),
#endif
};

/* The name of the syscall a gate refuses, "syscall" if not native x86_64. */
static const char *credo_gated_name(const struct pt_regs *regs)
{
	unsigned int i;

	if (!in_compat_syscall())
		for (i = 0; i < ARRAY_SIZE(credo_gated_nrs); i++)
			if ((long)regs->orig_ax == credo_gated_nrs[i].nr)
				return credo_gated_nrs[i].name;
	return "syscall";
}

/*
 * Runs in place of a gated syscall wrapper: same signature, refuses.  It
 * runs in the syscall's own context (not in the ftrace callback), where the
 * refusal's tracepoint and audit record belong.
 */
static noinline long credo_syscall_busy(const struct pt_regs *regs)
{
	credo_event_refused(credo_gated_name(regs), 0);
	return -EBUSY;
}

/*
 * Run in place of userns_install(), security_setprocattr() and
 * security_setselfattr(): all return int, in the register these return in;
 * their arguments are never read.
 */
static noinline int credo_userns_busy(void)
{
	credo_event_refused("userns_install", _RET_IP_);
	return -EBUSY;
}

static noinline int credo_setprocattr_busy(void)
{
	credo_event_refused("security_setprocattr", _RET_IP_);
	return -EBUSY;
}

static noinline int credo_setselfattr_busy(void)
{
	credo_event_refused("security_setselfattr", _RET_IP_);
	return -EBUSY;
}

static bool credo_gate_applies(u8 kind, unsigned long a0, unsigned long a1)
{
	switch (kind) {
	case CREDO_GATE_PRCTL:
		switch ((int)a0) {
		case PR_SET_KEEPCAPS:
		case PR_SET_SECUREBITS:
		case PR_CAPBSET_DROP:
		case PR_SET_DUMPABLE:
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

static void notrace credo_gate_fn(struct credo_hook *h, struct pt_regs *regs,
				  unsigned long caller)
{
	struct credo_gate *g = container_of(h, struct credo_gate, hook);
	const struct pt_regs *uregs;
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
			return;
	} else if (!credo_gate_applies(g->kind, a0, a1)) {
		return;
	}
	instruction_pointer_set(regs, (unsigned long)g->busy);
}

/* Refused whatever their arguments: 64-bit and 32-bit wrappers alike. */
static const char *const credo_all_syscalls[] = {
	CREDO_SYS_X64("setuid"), CREDO_SYS_X64("setgid"),
	CREDO_SYS_X64("setreuid"), CREDO_SYS_X64("setregid"),
	CREDO_SYS_X64("setresuid"), CREDO_SYS_X64("setresgid"),
	CREDO_SYS_X64("setfsuid"), CREDO_SYS_X64("setfsgid"),
	CREDO_SYS_X64("setgroups"), CREDO_SYS_X64("capset"),
	CREDO_SYS_X64("execve"), CREDO_SYS_X64("execveat"),
	CREDO_SYS_IA32("setuid"), CREDO_SYS_IA32("setgid"),
	CREDO_SYS_IA32("setreuid"), CREDO_SYS_IA32("setregid"),
	CREDO_SYS_IA32("setresuid"), CREDO_SYS_IA32("setresgid"),
	CREDO_SYS_IA32("setfsuid"), CREDO_SYS_IA32("setfsgid"),
	CREDO_SYS_IA32("setgroups"), CREDO_SYS_IA32("capset"),
	CREDO_SYS_IA32("setuid16"), CREDO_SYS_IA32("setgid16"),
	CREDO_SYS_IA32("setreuid16"), CREDO_SYS_IA32("setregid16"),
	CREDO_SYS_IA32("setresuid16"), CREDO_SYS_IA32("setresgid16"),
	CREDO_SYS_IA32("setfsuid16"), CREDO_SYS_IA32("setfsgid16"),
	CREDO_SYS_IA32("setgroups16"),
	CREDO_COMPAT_SYS_IA32("execve"), CREDO_COMPAT_SYS_IA32("execveat"),
	CREDO_COMPAT_SYS_X32("execve"), CREDO_COMPAT_SYS_X32("execveat"),
	NULL
};

#define NAMES(...)	((const char *const []){ __VA_ARGS__, NULL })

#define GATE(n, k, is_ia32, repl) {					\
	.hook = { .fn = credo_gate_fn, .names = (n), .optional = true },\
	.kind = (k), .ia32 = (is_ia32), .busy = (repl) }

#define SYSCALL_GATE(n, k, is_ia32) GATE(n, k, is_ia32, credo_syscall_busy)

/* One gate per function that is not a syscall, so its event can name it. */
static struct credo_gate credo_gates[] = {
	SYSCALL_GATE(credo_all_syscalls, CREDO_GATE_ALL, false),
	GATE(NAMES("userns_install"), CREDO_GATE_ALL, false, credo_userns_busy),
	GATE(NAMES("security_setprocattr"), CREDO_GATE_ALL, false,
	     credo_setprocattr_busy),
	GATE(NAMES("security_setselfattr"), CREDO_GATE_ALL, false,
	     credo_setselfattr_busy),
	SYSCALL_GATE(NAMES(CREDO_SYS_X64("prctl")), CREDO_GATE_PRCTL, false),
	SYSCALL_GATE(NAMES(CREDO_SYS_IA32("prctl")), CREDO_GATE_PRCTL, true),
	SYSCALL_GATE(NAMES(CREDO_SYS_X64("keyctl")), CREDO_GATE_KEYCTL, false),
	SYSCALL_GATE(NAMES(CREDO_COMPAT_SYS_IA32("keyctl")), CREDO_GATE_KEYCTL,
		     true),
	SYSCALL_GATE(NAMES(CREDO_SYS_X64("unshare")), CREDO_GATE_UNSHARE,
		     false),
	SYSCALL_GATE(NAMES(CREDO_SYS_IA32("unshare")), CREDO_GATE_UNSHARE,
		     true),
	SYSCALL_GATE(NAMES(CREDO_SYS_X64("landlock_restrict_self")),
		     CREDO_GATE_LANDLOCK, false),
	SYSCALL_GATE(NAMES(CREDO_SYS_IA32("landlock_restrict_self")),
		     CREDO_GATE_LANDLOCK, true),
};

/**
 * credo_gates_init - hook every gate the kernel has a function for
 *
 * One line names the functions this kernel lacks (no 32-bit entry points
 * without CONFIG_IA32_EMULATION, no landlock_restrict_self() before 5.13,
 * ...).
 *
 * Return: 0, or the error of a gate another ftrace user holds.
 */
int credo_gates_init(void)
{
	unsigned int i, nr = 0;
	char *absent;
	int err = 0;

	absent = kzalloc(PAGE_SIZE, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(credo_gates); i++) {
		err = credo_hook_register(&credo_gates[i].hook, absent,
					  absent ? PAGE_SIZE : 0);
		if (err)
			break;
		nr += credo_gates[i].hook.nr_hooked;
	}
	if (err) {
		while (i--)
			credo_hook_unregister(&credo_gates[i].hook);
	} else {
		pr_info("credo: %u credential-change gates hooked%s%s\n", nr,
			absent && *absent ? "; absent here:" : "",
			absent ? absent : "");
	}
	kfree(absent);
	return err;
}

void credo_gates_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(credo_gates); i++)
		credo_hook_unregister(&credo_gates[i].hook);
}

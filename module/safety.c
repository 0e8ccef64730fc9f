// SPDX-License-Identifier: GPL-2.0
/*
 * The safety net: an override never escapes its thread.
 *
 * An override is a cred in current->cred that differs from
 * current->real_cred.  The kernel keeps a process safe from the identity it
 * switches to only when the switch goes through commit_creds(), which no
 * override does; so no other task may ever run with credentials derived
 * from one, and the thread may never commit them.  Hooks (hook.c: ftrace,
 * exclusive, permanent) at the few places where credentials pass to a new
 * task or a new program, or are committed, hold that:
 *
 * - copy_creds(), for every new task.  Without CLONE_THREAD (fork, vfork,
 *   clone, clone3, posix_spawn) an overridden creator gets -EBUSY before the
 *   child has anything: the child would run as the override in a copy, or
 *   with CLONE_VM in the very memory, of a process the override identity
 *   must not reach.  With CLONE_THREAD (pthread_create, io_uring's io-wq
 *   and SQPOLL workers) the new thread gets the creator's own cred before
 *   copy_creds() shares it, so it starts as the process, not overridden.
 *   The one exception: a creator whose own cred carries a thread keyring,
 *   for which copy_creds() would prepare the new thread's cred from
 *   current->cred, the override; that is refused with -EBUSY as well.
 *
 * - security_bprm_creds_for_exec(), for every exec: -EBUSY while
 *   overridden.  The gates (gates.c) refuse execve and execveat at their
 *   entry already; this catches any other way into bprm_execve().
 *
 * - commit_creds(): while current->cred != current->real_cred, any commit
 *   (its BUG_ON would fire) is refused: the hook points regs->ip at
 *   credo_commit_refused(), which frees the new creds and returns -EBUSY
 *   to commit_creds()'s caller.  The gates refuse the known paths earlier;
 *   this one catches the rest and logs each call site once.
 *
 * - exit_creds(), for every task freed: ends the bookkeeping of a thread
 *   that used credo (install.c); exit_creds() itself puts both cred slots.
 *
 * - do_coredump() (vfs_coredump() since 7.x): a thread that dumps core
 *   while overridden is reverted first, so the core file is created as the
 *   process, never as the override identity.
 *
 * With no task but the thread ever holding an override's cred, nothing can
 * move RLIMIT_NPROC charges between ucounts behind commit_creds()'s back,
 * and exec never runs with one: no hook on set_cred_ucounts() and no exec
 * special case are needed any more (design.md).
 */
#include <linux/cred.h>
#include <linux/kernel.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#include "events.h"
#include "gates.h"
#include "hook.h"
#include "install.h"
#include "safety.h"

#define CREDO_LOG_SITES		32

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

static bool credo_current_overridden(void)
{
	return rcu_access_pointer(current->cred) !=
	       rcu_access_pointer(current->real_cred);
}

/*
 * Runs in place of commit_creds(), with its arguments.  Like the other
 * replacements it returns to the hooked function's caller, which
 * _RET_IP_ names for the refusal's event.
 */
static noinline int credo_commit_refused(struct cred *new)
{
	abort_creds(new);
	credo_event_refused("commit_creds", _RET_IP_);
	return -EBUSY;
}

static void notrace credo_commit_fn(struct credo_hook *h, struct pt_regs *regs,
				    unsigned long caller)
{
	if (!credo_current_overridden())
		return;
	if (credo_site_is_new(caller))
		pr_warn_ratelimited("credo: %s[%d]: credential change from %pS refused (EBUSY) while overridden\n",
				    current->comm, task_pid_nr(current),
				    (void *)caller);
	instruction_pointer_set(regs, (unsigned long)credo_commit_refused);
}

/* Runs in place of copy_creds(): the new task has taken no reference yet. */
static noinline int credo_clone_refused(struct task_struct *p, u64 flags)
{
	credo_event_refused("copy_creds", _RET_IP_);
	return -EBUSY;
}

static bool credo_has_thread_keyring(const struct cred *c)
{
#ifdef CONFIG_KEYS
	return c->thread_keyring;
#else
	return false;
#endif
}

static void notrace credo_clone_fn(struct credo_hook *h, struct pt_regs *regs,
				   unsigned long caller)
{
	struct task_struct *p;
	const struct cred *own;
	u64 flags;

	if (!credo_current_overridden())
		return;
	p = (struct task_struct *)regs_get_kernel_argument(regs, 0);
	flags = regs_get_kernel_argument(regs, 1);
	own = rcu_access_pointer(current->real_cred);
	if ((flags & CLONE_THREAD) && !credo_has_thread_keyring(own)) {
		/*
		 * p is a copy of current not yet visible to anyone; its cred
		 * slots hold no references until copy_creds() shares
		 * p->cred into both.
		 */
		RCU_INIT_POINTER(p->cred, own);
		return;
	}
	instruction_pointer_set(regs, (unsigned long)credo_clone_refused);
}

/* Runs in place of security_bprm_creds_for_exec(). */
static noinline int credo_exec_refused(struct linux_binprm *bprm)
{
	credo_event_refused("security_bprm_creds_for_exec", _RET_IP_);
	return -EBUSY;
}

static void notrace credo_exec_fn(struct credo_hook *h, struct pt_regs *regs,
				  unsigned long caller)
{
	if (credo_current_overridden())
		instruction_pointer_set(regs, (unsigned long)credo_exec_refused);
}

static void notrace credo_exit_fn(struct credo_hook *h, struct pt_regs *regs,
				  unsigned long caller)
{
	credo_thread_exited((struct task_struct *)
			    regs_get_kernel_argument(regs, 0));
}

static void notrace credo_coredump_fn(struct credo_hook *h,
				      struct pt_regs *regs,
				      unsigned long caller)
{
	if (credo_current_overridden())
		credo_thread_revert_coredump();
}

#define NAMES(...)	((const char *const []){ __VA_ARGS__, NULL })

/* In the order they are hooked: bookkeeping first, then the refusals. */
static struct credo_hook credo_net[] = {
	{ .fn = credo_exit_fn, .names = NAMES("exit_creds") },
	{ .fn = credo_commit_fn, .names = NAMES("commit_creds") },
	{ .fn = credo_clone_fn, .names = NAMES("copy_creds") },
	{ .fn = credo_exec_fn, .names = NAMES("security_bprm_creds_for_exec") },
	/* Absent without CONFIG_COREDUMP, where no core is ever written. */
	{ .fn = credo_coredump_fn, .names = NAMES(CREDO_COREDUMP_SYMBOL),
	  .optional = true },
};

/**
 * credo_safety_init - hook the net, then the gates
 *
 * Return: 0, or why a hook could not be placed (logged); then nothing is
 * hooked and the module does not load.
 */
int credo_safety_init(void)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(credo_net); i++) {
		err = credo_hook_register(&credo_net[i], NULL, 0);
		if (err)
			goto fail;
	}
	err = credo_gates_init();
	if (!err)
		return 0;
fail:
	while (i--)
		credo_hook_unregister(&credo_net[i]);
	return err;
}

void credo_safety_exit(void)
{
	unsigned int i = ARRAY_SIZE(credo_net);

	credo_gates_exit();
	while (i--)
		credo_hook_unregister(&credo_net[i]);
}

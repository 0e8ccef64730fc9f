// SPDX-License-Identifier: GPL-2.0
/*
 * The calling thread's override.
 *
 * An override is a struct cred in current->cred different from
 * current->real_cred: the thread's subjective credentials (what it acts
 * with) change, its objective ones (what others see, signal and ptrace) do
 * not.  A thread is overridden by credo while it is in credo_threads; every
 * such thread holds one reference on this module and counts in
 * live_overrides, so the module cannot go while an override it made is
 * live.  The entry leaves the set on revert, when exec drops the override
 * (safety.c) and when the task is freed (exit_creds(), safety.c).
 *
 * Only the thread itself installs or ends its override, so its membership
 * cannot change under it; the set's lock is for the exit path, which runs
 * for other tasks and possibly in softirq context (RCU task freeing).
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "cred_build.h"
#include "descriptor.h"
#include "install.h"
#include "stats.h"
#include "table.h"

struct credo_thread {
	struct hlist_node node;
	struct task_struct *task;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(credo_threads, 8);
static DEFINE_SPINLOCK(credo_threads_lock);

static bool credo_thread_tracked(struct task_struct *tsk)
{
	struct credo_thread *th;
	bool found = false;

	rcu_read_lock();
	hash_for_each_possible_rcu(credo_threads, th, node, (unsigned long)tsk)
		if (th->task == tsk) {
			found = true;
			break;
		}
	rcu_read_unlock();
	return found;
}

/* Ends @tsk's membership: one live override and one module reference less. */
static bool credo_thread_untrack(struct task_struct *tsk)
{
	struct credo_thread *th, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&credo_threads_lock, flags);
	hash_for_each_possible(credo_threads, th, node, (unsigned long)tsk)
		if (th->task == tsk) {
			found = th;
			hash_del_rcu(&th->node);
			break;
		}
	spin_unlock_irqrestore(&credo_threads_lock, flags);
	if (!found)
		return false;
	kfree_rcu(found, rcu);
	credo_stats_live_dec();
	module_put(THIS_MODULE);
	return true;
}

/**
 * credo_thread_install - make @new the calling thread's override
 * @new: the override; the caller's reference is consumed in every case
 *
 * A previous override is replaced, not stacked.
 *
 * Return: 0; -ENOMEM; -EBUSY if the thread runs with an override credo did
 * not make (nothing in the kernel leaves one at syscall level).
 */
int credo_thread_install(const struct cred *new)
{
	struct credo_thread *th;
	unsigned long flags;

	if (credo_thread_tracked(current)) {
		credo_install_override(new);
		return 0;
	}
	if (current_cred() != current_real_cred()) {
		put_cred(new);
		return -EBUSY;
	}
	th = kmalloc(sizeof(*th), GFP_KERNEL);
	if (!th) {
		put_cred(new);
		return -ENOMEM;
	}
	th->task = current;
	__module_get(THIS_MODULE);
	credo_stats_live_inc();
	spin_lock_irqsave(&credo_threads_lock, flags);
	hash_add_rcu(credo_threads, &th->node, (unsigned long)current);
	spin_unlock_irqrestore(&credo_threads_lock, flags);
	credo_install_override(new);
	return 0;
}

/**
 * credo_thread_revert - end the calling thread's override
 *
 * Return: 0, also when there is none.
 */
int credo_thread_revert(void)
{
	if (!credo_thread_tracked(current))
		return 0;
	if (current_cred() != current_real_cred())
		credo_revert_override();
	credo_thread_untrack(current);
	return 0;
}

/**
 * credo_thread_exec_drop - end the override of a thread that is exec'ing
 *
 * Called from the commit_creds() probe, before begin_new_exec() commits the
 * credentials prepare_exec_creds() copied from the override.
 *
 * Return: true if the thread had a credo override, now gone.
 */
bool credo_thread_exec_drop(void)
{
	if (!credo_thread_tracked(current))
		return false;
	if (current_cred() != current_real_cred())
		credo_revert_override();
	credo_thread_untrack(current);
	return true;
}

/**
 * credo_thread_exited - @tsk is being freed with an override in place
 * @tsk: the task; exit_creds() puts both of its cred slots itself
 */
void credo_thread_exited(struct task_struct *tsk)
{
	credo_thread_untrack(tsk);
}

/**
 * credo_override_from_user - CREDO_IOC_OVERRIDE
 * @t: the coalescing table
 * @uarg: the user's struct credo_cred
 *
 * The base is the thread's own credentials (->real_cred), whether or not it
 * already runs with an override; on error nothing changes.
 *
 * Return: 0 or a negative errno as described in docs/api.md.
 */
int credo_override_from_user(struct credo_table *t, const void __user *uarg)
{
	const struct cred *base = current_real_cred();
	const struct cred *new;
	struct credo_desc d;
	int err;

	err = credo_desc_from_user(uarg, base->user_ns, &d);
	if (err)
		return err;
	err = credo_cred_permitted(base);
	if (err)
		goto out;
	new = credo_table_get(t, base, &d);
	if (IS_ERR(new)) {
		err = PTR_ERR(new);
		goto out;
	}
	err = credo_thread_install(new);
out:
	credo_desc_release(&d);
	return err;
}

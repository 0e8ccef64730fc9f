// SPDX-License-Identifier: GPL-2.0
/*
 * The calling thread's override.
 *
 * An override is a struct cred in current->cred different from
 * current->real_cred: the thread's subjective credentials (what it acts
 * with) change, its objective ones (what others see, signal and ptrace) do
 * not.
 *
 * A thread that has used credo has a node in credo_threads from its first
 * override until the task is freed (exit_creds(), safety.c) or the module
 * goes, so a server thread switching thousands of times a second allocates
 * and locks nothing after its first switch.  While the node says overridden
 * the thread holds one reference on this module and counts in
 * live_overrides, so the module cannot go while an override it made is
 * live, until a revert, a core dump (safety.c) or the task's end.
 *
 * Only the thread itself installs or ends its override, so its node's state
 * cannot change under it; the set's lock is for adding and removing nodes,
 * and removal happens for other tasks, possibly in softirq context (RCU
 * task freeing).
 *
 * For the listing of live overrides (overrides.c) the node also names the
 * installed override (no reference of its own: the thread's ->cred slot
 * holds one while it is installed, and the node forgets it before that
 * reference goes, so an RCU reader never sees a freed cred) and the time it
 * was installed.  A reader holding the set's lock may also look at the node's
 * task: the exit_creds() hook takes the lock to unhash the node before the
 * task is freed.
 */
#include <linux/bug.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/jiffies.h>
#include <linux/timekeeping.h>

#include "cred_build.h"
#include "descriptor.h"
#include "dumpable.h"
#include "events.h"
#include "install.h"
#include "stats.h"
#include "table.h"

struct credo_thread {
	struct hlist_node node;
	struct task_struct *task;
	bool overridden;	/* holds a module reference, counts as live */
	/*
	 * While overridden: the thread's own cred, with the reference ->cred
	 * held on it before the override; revert puts both back in place.
	 */
	const struct cred *own;
	/*
	 * While overridden: the override installed, and since when, in
	 * jiffies: one load per switch; the listing turns it into wall time.
	 */
	const struct cred __rcu *cred;
	unsigned long since;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(credo_threads, 10);
static DEFINE_SPINLOCK(credo_threads_lock);

/* In an RCU read-side critical section; see credo_thread_find(). */
static struct credo_thread *credo_thread_find_rcu(struct task_struct *tsk)
{
	struct credo_thread *th;

	hash_for_each_possible_rcu(credo_threads, th, node, (unsigned long)tsk)
		if (th->task == tsk)
			break;
	return th;
}

static struct credo_thread *credo_thread_find(struct task_struct *tsk)
{
	struct credo_thread *th;

	rcu_read_lock();
	th = credo_thread_find_rcu(tsk);
	rcu_read_unlock();
	/* @tsk is current, or being freed: nobody else removes its node. */
	return th;
}

static struct credo_thread *credo_thread_add(void)
{
	struct credo_thread *th;
	unsigned long flags;

	th = kzalloc(sizeof(*th), GFP_KERNEL);
	if (!th)
		return NULL;
	th->task = current;
	spin_lock_irqsave(&credo_threads_lock, flags);
	hash_add_rcu(credo_threads, &th->node, (unsigned long)current);
	spin_unlock_irqrestore(&credo_threads_lock, flags);
	return th;
}

/* The thread's override ended: one live override and one module ref less. */
static void credo_thread_ended(struct credo_thread *th)
{
	RCU_INIT_POINTER(th->cred, NULL);
	th->overridden = false;
	th->own = NULL;
	credo_stats_live_dec();
	module_put(THIS_MODULE);
}

/* Back to the thread's own credentials; true if it had a credo override. */
static bool credo_thread_end(enum credo_revert_why why)
{
	struct credo_thread *th = credo_thread_find(current);
	struct credo_event_ids old;
	bool ev;

	if (!th || !th->overridden)
		return false;
	if (current_cred() != current_real_cred()) {
		ev = credo_event_begin(&old);
		/* Forgotten before the override's slot reference goes. */
		RCU_INIT_POINTER(th->cred, NULL);
		credo_revert_override(th->own);
		/* Reported before the module reference goes. */
		if (ev)
			credo_event_revert(&old, why);
		credo_thread_ended(th);
		return true;
	}
	put_cred(th->own);	/* a stale node: see credo_thread_install() */
	credo_thread_ended(th);
	return true;
}

/* Publishes @new for the listing; before it is installed, while it is ours. */
static void credo_thread_set(struct credo_thread *th, const struct cred *new)
{
	rcu_assign_pointer(th->cred, new);
	WRITE_ONCE(th->since, jiffies);
}

/*
 * Install @new over the calling thread, whose node is @th (NULL if it has
 * none yet).  @new is borrowed: the slot takes a reference of its own.
 * Sleeps never, so it may run in an RCU read-side critical section.
 *
 * Return: 0; -EAGAIN if a node must be added first; -EBUSY.
 */
static int credo_thread_install_node(struct credo_thread *th,
				     const struct cred *new)
{
	if (th && th->overridden) {
		if (current_cred() != current_real_cred()) {
			/* Replaced, not stacked: the previous override's slot reference goes. */
			credo_thread_set(th, new);
			put_cred(credo_install_override(new));
			return 0;
		}
		/*
		 * Not overridden after all: the node of a freed task whose
		 * exit_creds() probe was missed, now found by a task at the same
		 * address.  Settle what it held, then start afresh.
		 */
		put_cred(th->own);
		credo_thread_ended(th);
	}
	if (current_cred() != current_real_cred())
		return -EBUSY;
	if (!th)
		return -EAGAIN;
	th->overridden = true;
	__module_get(THIS_MODULE);
	credo_stats_live_inc();
	credo_thread_set(th, new);
	th->own = credo_install_override(new);
	return 0;
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
	struct credo_thread *th = credo_thread_find(current);
	int err = credo_thread_install_node(th, new);

	if (err == -EAGAIN) {
		th = credo_thread_add();
		err = th ? credo_thread_install_node(th, new) : -ENOMEM;
	}
	put_cred(new);
	return err;
}

/**
 * credo_thread_install_borrowed - credo_thread_install() without a reference
 * @new: the override, kept alive by the caller for the call (for example by
 *	 an RCU read-side critical section it is in); no reference is consumed
 *
 * For the hit path of an assume, which then needs no reference of its own
 * on @new.  Never sleeps; must be called under rcu_read_lock().
 *
 * Return: as credo_thread_install(), or -EAGAIN for a thread that never
 * used credo (call credo_thread_install() then).
 */
int credo_thread_install_borrowed(const struct cred *new)
{
	return credo_thread_install_node(credo_thread_find_rcu(current), new);
}

/**
 * credo_thread_revert - end the calling thread's override
 *
 * Return: 0, also when there is none.
 */
int credo_thread_revert(void)
{
	credo_thread_end(CREDO_REVERT_IOCTL);
	return 0;
}

/**
 * credo_thread_revert_coredump - the calling thread dumps core
 *
 * From the core dump hook (an ftrace callback): ends the override, if any,
 * as credo_thread_revert() does.
 */
void credo_thread_revert_coredump(void)
{
	credo_thread_end(CREDO_REVERT_COREDUMP);
}

/**
 * credo_thread_exited - @tsk is being freed
 * @tsk: the task; exit_creds() puts both of its cred slots itself
 *
 * Runs for every task the kernel frees while the module is loaded; a task
 * that never used credo costs one hash lookup.
 */
void credo_thread_exited(struct task_struct *tsk)
{
	struct credo_thread *th = credo_thread_find(tsk);
	unsigned long flags;

	if (!th)
		return;
	spin_lock_irqsave(&credo_threads_lock, flags);
	hash_del_rcu(&th->node);
	spin_unlock_irqrestore(&credo_threads_lock, flags);
	if (th->overridden) {
		if (rcu_access_pointer(th->cred))
			credo_event_exit(tsk);
		/* Before exit_creds() puts both slots; ->real_cred still holds it. */
		put_cred(th->own);
		credo_thread_ended(th);
	}
	kfree_rcu(th, rcu);
}

/**
 * credo_threads_exit - forget every thread, at module unload
 *
 * The exit_creds() probe is gone by now.  No thread can be overridden: each
 * override holds a module reference.
 */
void credo_threads_exit(void)
{
	struct credo_thread *th;
	struct hlist_node *tmp;
	unsigned long flags;
	unsigned int bkt;

	spin_lock_irqsave(&credo_threads_lock, flags);
	hash_for_each_safe(credo_threads, bkt, tmp, th, node) {
		WARN_ON_ONCE(th->overridden);
		hash_del_rcu(&th->node);
		kfree_rcu(th, rcu);
	}
	spin_unlock_irqrestore(&credo_threads_lock, flags);
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
	enum credo_lookup lookup = CREDO_LOOKUP_NONE;
	struct credo_event_ids old;
	const struct cred *new;
	struct credo_desc d;
	bool hit, ev;
	int err;

	err = credo_desc_from_user(uarg, base->user_ns, &d);
	if (err)
		return err;
	ev = credo_event_begin(&old);
	err = credo_cred_permitted(base) ?: credo_groups_permitted(base, &d);
	if (err)
		goto out;
	new = credo_table_lookup(t, base, &d, &hit);
	if (IS_ERR(new)) {
		err = PTR_ERR(new);
		goto out;
	}
	lookup = hit ? CREDO_LOOKUP_HIT : CREDO_LOOKUP_MISS;
	err = credo_thread_install(new);
	if (!err)
		credo_dumpable_update(base, current_cred());
out:
	if (ev)
		credo_event_override(&old, CREDO_VIA_DESCRIPTOR, 0, &d, lookup,
				     err);
	credo_desc_release(&d);
	return err;
}

/* A jiffies stamp as CLOCK_REALTIME ns (to a tick). */
static u64 credo_jiffies_to_real_ns(unsigned long stamp)
{
	return ktime_get_real_ns() - jiffies_to_nsecs(jiffies - stamp);
}

/**
 * credo_threads_list - every thread credo has overridden right now
 * @show: called for each, with the set's lock held and in an RCU read-side
 *	  critical section: it must not sleep
 * @arg: passed to @show
 *
 * The lock is taken per bucket, so a long listing does not hold off task
 * freeing for long; threads switching meanwhile are seen in either state.
 */
void credo_threads_list(void (*show)(const struct credo_override_info *,
				     void *),
			void *arg)
{
	struct credo_override_info info;
	struct credo_thread *th;
	unsigned long flags;
	unsigned int bkt;

	for (bkt = 0; bkt < HASH_SIZE(credo_threads); bkt++) {
		spin_lock_irqsave(&credo_threads_lock, flags);
		rcu_read_lock();
		hlist_for_each_entry_rcu(th, &credo_threads[bkt], node) {
			info.cred = rcu_dereference(th->cred);
			if (!info.cred)
				continue;
			info.task = th->task;
			info.since = credo_jiffies_to_real_ns(READ_ONCE(th->since));
			show(&info, arg);
		}
		rcu_read_unlock();
		spin_unlock_irqrestore(&credo_threads_lock, flags);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The events API (events.h): each call fires its tracepoint when enabled
 * and writes its audit record when the calling syscall is audited.
 *
 * An override is reported after it is installed (or refused), with the ids
 * the thread had before, which credo_event_begin() takes down first: only
 * when somebody listens, so the hot path pays a static branch, a load of
 * audit_enabled and, with audit on, one of the task's audit context.
 */
#include <linux/cred.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <asm/syscall.h>

#include "audit.h"
#include "descriptor.h"
#include "events.h"
#include "trace.h"

/**
 * credo_event_ids_of - @c's ids and group count, as init_user_ns sees them
 * @ids: filled in
 * @c: the credentials
 */
void credo_event_ids_of(struct credo_event_ids *ids, const struct cred *c)
{
	ids->uid = from_kuid_munged(&init_user_ns, c->uid);
	ids->euid = from_kuid_munged(&init_user_ns, c->euid);
	ids->suid = from_kuid_munged(&init_user_ns, c->suid);
	ids->fsuid = from_kuid_munged(&init_user_ns, c->fsuid);
	ids->gid = from_kgid_munged(&init_user_ns, c->gid);
	ids->egid = from_kgid_munged(&init_user_ns, c->egid);
	ids->sgid = from_kgid_munged(&init_user_ns, c->sgid);
	ids->fsgid = from_kgid_munged(&init_user_ns, c->fsgid);
	ids->ngroups = c->group_info->ngroups;
}

static void credo_event_ids_of_desc(struct credo_event_ids *ids,
				    const struct credo_desc *d)
{
	ids->uid = from_kuid_munged(&init_user_ns, d->uid);
	ids->euid = from_kuid_munged(&init_user_ns, d->euid);
	ids->suid = from_kuid_munged(&init_user_ns, d->suid);
	ids->fsuid = from_kuid_munged(&init_user_ns, d->fsuid);
	ids->gid = from_kgid_munged(&init_user_ns, d->gid);
	ids->egid = from_kgid_munged(&init_user_ns, d->egid);
	ids->sgid = from_kgid_munged(&init_user_ns, d->sgid);
	ids->fsgid = from_kgid_munged(&init_user_ns, d->fsgid);
	ids->ngroups = d->ngroups;
}

/**
 * credo_event_begin - before an override, assume or revert
 * @old: filled with the calling thread's subjective ids if reported
 *
 * Return: true if an event of this call will be reported; pass @old to
 * credo_event_override() or credo_event_revert() then, and only then.
 */
bool credo_event_begin(struct credo_event_ids *old)
{
	if (!trace_credo_override_enabled() && !trace_credo_assume_enabled() &&
	    !trace_credo_revert_enabled() && !credo_audit_live())
		return false;
	credo_event_ids_of(old, current_cred());
	return true;
}

/**
 * credo_event_override - an override or assume was installed or refused
 * @old: from credo_event_begin()
 * @via: descriptor (CREDO_IOC_OVERRIDE) or handle (CREDO_IOC_ASSUME)
 * @handle: the handle's id, 0 for a descriptor
 * @d: the identity asked for
 * @lookup: hit or miss in the table, none if it failed before
 * @err: 0 (installed) or the negative errno returned
 */
void credo_event_override(const struct credo_event_ids *old,
			  enum credo_via via, u64 handle,
			  const struct credo_desc *d, enum credo_lookup lookup,
			  int err)
{
	struct credo_event_ids new;
	const char *extra;

	credo_event_ids_of_desc(&new, d);
	if (via == CREDO_VIA_HANDLE)
		trace_credo_assume(old, &new, handle, lookup, err);
	else
		trace_credo_override(old, &new, handle, lookup, err);
	if (!credo_audit_live())
		return;
	switch (lookup) {
	case CREDO_LOOKUP_HIT:
		extra = "lookup=hit";
		break;
	case CREDO_LOOKUP_MISS:
		extra = "lookup=miss";
		break;
	default:
		extra = "lookup=none";
	}
	credo_audit_switch(via == CREDO_VIA_HANDLE ? "assume" : "override",
			   GFP_KERNEL, extra, handle, old, &new, err);
}

/**
 * credo_event_revert - the calling thread's override ended
 * @old: from credo_event_begin(), taken while the override was installed
 * @why: CREDO_REVERT_IOCTL or CREDO_REVERT_COREDUMP (from an ftrace
 *	 callback: nothing here may sleep)
 */
void credo_event_revert(const struct credo_event_ids *old,
			enum credo_revert_why why)
{
	bool dump = why == CREDO_REVERT_COREDUMP;
	struct credo_event_ids new;

	credo_event_ids_of(&new, current_cred());
	trace_credo_revert(task_tgid_nr(current), task_pid_nr(current), old,
			   &new, why);
	if (credo_audit_live())
		credo_audit_switch("revert", dump ? GFP_NOWAIT : GFP_KERNEL,
				   dump ? "why=coredump" : "why=revert", 0,
				   old, &new, 0);
}

/**
 * credo_event_exit - @tsk is freed while overridden (tracepoint only)
 * @tsk: the task, whose two cred slots are still in place
 *
 * Runs from the exit_creds() hook, possibly in softirq context and never in
 * the task itself: no audit record.
 */
void credo_event_exit(struct task_struct *tsk)
{
	struct credo_event_ids old, new;

	if (!trace_credo_revert_enabled())
		return;
	credo_event_ids_of(&old, rcu_dereference_protected(tsk->cred, 1));
	credo_event_ids_of(&new, rcu_dereference_protected(tsk->real_cred, 1));
	trace_credo_revert(task_tgid_nr(tsk), task_pid_nr(tsk), &old, &new,
			   CREDO_REVERT_EXIT);
}

/**
 * credo_event_refused - a gate or the net refused a call with -EBUSY
 * @site: the refused function, or the syscall a gate refused
 * @caller: the address the refused function returns to, 0 for a syscall
 *
 * Called from the function that runs in place of the refused one, in the
 * refused call's context; nothing here may sleep.
 */
void credo_event_refused(const char *site, unsigned long caller)
{
	struct credo_event_ids ids;
	int nr = -1;
	bool audit;

	audit = credo_audit_live();
	if (!audit && !trace_credo_refused_enabled())
		return;
	if (current->mm)
		nr = syscall_get_nr(current, task_pt_regs(current));
	trace_credo_refused(site, nr, caller, -EBUSY);
	if (audit) {
		credo_event_ids_of(&ids, current_cred());
		credo_audit_refused(site, nr, caller, &ids);
	}
}

/**
 * credo_event_handle - a handle was minted or revoked, or that failed
 * @op: CREDO_HANDLE_MINT or CREDO_HANDLE_REVOKE
 * @handle: the handle's id (0 if the mint failed before it had one)
 * @d: the handle's identity, or NULL if not known (a bad descriptor)
 * @err: 0 or the negative errno returned
 *
 * The record's old ids are the caller's own credentials, on which the
 * permission was judged.
 */
void credo_event_handle(enum credo_handle_op op, u64 handle,
			const struct credo_desc *d, int err)
{
	struct credo_event_ids own, ids = {
		.uid = (u32)-1, .euid = (u32)-1, .suid = (u32)-1,
		.fsuid = (u32)-1, .gid = (u32)-1, .egid = (u32)-1,
		.sgid = (u32)-1, .fsgid = (u32)-1,
	};

	if (!trace_credo_handle_enabled() && !credo_audit_live())
		return;
	if (d)
		credo_event_ids_of_desc(&ids, d);
	trace_credo_handle(op, handle, &ids, err);
	if (!credo_audit_live())
		return;
	credo_event_ids_of(&own, current_real_cred());
	credo_audit_switch(op == CREDO_HANDLE_MINT ? "mint" : "revoke",
			   GFP_KERNEL, NULL, handle, &own, d ? &ids : NULL,
			   err);
}

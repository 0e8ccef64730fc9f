// SPDX-License-Identifier: GPL-2.0
/*
 * Audit records.
 *
 * The kernel logs a credential change of its own (AUDIT_CAPSET, the set*id
 * syscalls' SYSCALL records) only when an audit rule has made the calling
 * syscall's audit context live; with no rule at all every syscall runs with
 * a dummy context and nothing is logged, however many switches there are.
 * credo follows the rule the kernel applies to the records it writes from
 * inside a syscall (audit_log_path_denied() in kernel/audit.c): a record
 * only while audit is enabled and audit_context() is live and not a dummy.
 * The record then carries that syscall's timestamp and serial, and writing
 * it marks the syscall's event for recording (auditsc_get_stamp()), so the
 * syscall's own SYSCALL record follows at its exit and ausearch shows both
 * as one event.  Which rule selects a syscall is decided at its exit by
 * code a module cannot call (audit_filter_syscall()); the contexts are live
 * as soon as any syscall rule exists, so while one does every switch is
 * recorded, whatever syscalls the rule names.  docs/observability.md gives
 * the rules, and the exclude rule that keeps credo's records out.
 *
 * Every record is AUDIT_KERNEL_OTHER: "op=" (override, assume, revert,
 * refused, mint, revoke), the old and new ids and group counts, the task
 * fields of audit_log_task_info() (its uid= ... are the thread's subjective
 * ids when the record is written), and "res=".
 */
#include <linux/audit.h>
#include <linux/kernel.h>

#include "audit.h"
#include "events.h"

/* Kernels without CONFIG_AUDITSYSCALL have dummy contexts only. */
bool credo_audit_live(void)
{
	return audit_enabled && !audit_dummy_context();
}

static void credo_audit_ids(struct audit_buffer *ab, const char *prefix,
			    const struct credo_event_ids *ids)
{
	audit_log_format(ab,
			 " %suid=%u %seuid=%u %ssuid=%u %sfsuid=%u %sgid=%u %segid=%u %ssgid=%u %sfsgid=%u %sngroups=%u",
			 prefix, ids->uid, prefix, ids->euid, prefix, ids->suid,
			 prefix, ids->fsuid, prefix, ids->gid, prefix,
			 ids->egid, prefix, ids->sgid, prefix, ids->fsgid,
			 prefix, ids->ngroups);
}

static void credo_audit_end(struct audit_buffer *ab, int err)
{
	audit_log_task_info(ab);
	audit_log_format(ab, " err=%d res=%d", -err, !err);
	audit_log_end(ab);
}

/**
 * credo_audit_switch - a record for an identity change or a handle
 * @op: override, assume, revert, mint or revoke
 * @gfp: GFP_KERNEL in ioctls, GFP_NOWAIT where the caller may not sleep
 * @extra: op-specific "key=value ..." text after op=, or NULL
 * @handle: the handle's id, 0 for none
 * @old: ids before, or NULL
 * @new: ids after (or asked for), or NULL
 * @err: 0 or the negative errno returned
 */
void credo_audit_switch(const char *op, gfp_t gfp, const char *extra,
			u64 handle, const struct credo_event_ids *old,
			const struct credo_event_ids *new, int err)
{
	struct audit_buffer *ab;

	ab = audit_log_start(audit_context(), gfp, AUDIT_KERNEL_OTHER);
	if (!ab)
		return;
	audit_log_format(ab, "op=%s", op);
	if (extra)
		audit_log_format(ab, " %s", extra);
	audit_log_format(ab, " handle=%llu", (unsigned long long)handle);
	if (old)
		credo_audit_ids(ab, "old_", old);
	if (new)
		credo_audit_ids(ab, "new_", new);
	credo_audit_end(ab, err);
}

/**
 * credo_audit_refused - a record for a call a gate or the net refused
 * @site: the refused function or syscall
 * @nr: the syscall the thread was in, -1 for none
 * @caller: where the refused function was called from, 0 for a syscall
 * @ids: the thread's subjective ids (the override in effect)
 *
 * The refusals run where the caller may not sleep: GFP_NOWAIT.
 */
void credo_audit_refused(const char *site, int nr, unsigned long caller,
			 const struct credo_event_ids *ids)
{
	struct audit_buffer *ab;

	ab = audit_log_start(audit_context(), GFP_NOWAIT, AUDIT_KERNEL_OTHER);
	if (!ab)
		return;
	audit_log_format(ab, "op=refused site=%s syscall=%d", site, nr);
	if (caller)
		audit_log_format(ab, " caller=%ps", (void *)caller);
	credo_audit_ids(ab, "old_", ids);
	credo_audit_end(ab, -EBUSY);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credo's tracepoints, TRACE_SYSTEM credo: tracefs events/credo/, perf's
 * credo:*, bpftrace's tracepoint:credo:*.  Ids are those of the initial user
 * namespace.  trace.c instantiates them (CREATE_TRACE_POINTS); events.c and
 * table.c fire them.  Kernel differences of the trace macros are in
 * compat.h (credo_assign_str()).  Field names and meanings are documented
 * in docs/observability.md.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM credo

#if !defined(_CREDO_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _CREDO_TRACE_H

#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

#include "events.h"

#define credo_show_lookup(v)						\
	__print_symbolic(v, { -1, "none" }, { 0, "miss" }, { 1, "hit" })
#define credo_show_why(v)						\
	__print_symbolic(v, { 0, "revert" }, { 1, "coredump" }, { 2, "exit" })
#define credo_show_table_why(v)						\
	__print_symbolic(v, { 0, "insert" }, { 1, "bound" }, { 2, "idle" }, \
			 { 3, "unused" }, { 4, "flush" })
#define credo_show_handle_op(v)						\
	__print_symbolic(v, { 0, "mint" }, { 1, "revoke" })

/* An override installed (err 0) or refused, from a descriptor or a handle. */
DECLARE_EVENT_CLASS(credo_switch_class,
		    TP_PROTO(const struct credo_event_ids *old,
			     const struct credo_event_ids *new, u64 handle,
			     int lookup, int err),
		    TP_ARGS(old, new, handle, lookup, err),
		    TP_STRUCT__entry(__field(pid_t, pid)
				     __field(pid_t, tid)
				     __field(u32, old_euid)
				     __field(u32, old_egid)
				     __field(u32, old_fsuid)
				     __field(u32, new_uid)
				     __field(u32, new_euid)
				     __field(u32, new_gid)
				     __field(u32, new_egid)
				     __field(u32, new_fsuid)
				     __field(u32, new_fsgid)
				     __field(u32, ngroups)
				     __field(int, lookup)
				     __field(int, err)
				     __field(u64, handle)
		    ),
		    TP_fast_assign(__entry->pid = task_tgid_nr(current);
				   __entry->tid = task_pid_nr(current);
				   __entry->old_euid = old->euid;
				   __entry->old_egid = old->egid;
				   __entry->old_fsuid = old->fsuid;
				   __entry->new_uid = new->uid;
				   __entry->new_euid = new->euid;
				   __entry->new_gid = new->gid;
				   __entry->new_egid = new->egid;
				   __entry->new_fsuid = new->fsuid;
				   __entry->new_fsgid = new->fsgid;
				   __entry->ngroups = new->ngroups;
				   __entry->lookup = lookup;
				   __entry->err = err;
				   __entry->handle = handle;
		    ),
		    TP_printk("pid=%d tid=%d old_euid=%u old_egid=%u old_fsuid=%u new_uid=%u new_euid=%u new_gid=%u new_egid=%u new_fsuid=%u new_fsgid=%u ngroups=%u lookup=%s handle=%llu err=%d",
			      __entry->pid, __entry->tid, __entry->old_euid,
			      __entry->old_egid, __entry->old_fsuid,
			      __entry->new_uid, __entry->new_euid,
			      __entry->new_gid, __entry->new_egid,
			      __entry->new_fsuid, __entry->new_fsgid,
			      __entry->ngroups,
			      credo_show_lookup(__entry->lookup),
			      (unsigned long long)__entry->handle, __entry->err)
);

/* CREDO_IOC_OVERRIDE: handle is 0. */
DEFINE_EVENT(credo_switch_class, credo_override,
	     TP_PROTO(const struct credo_event_ids *old,
		      const struct credo_event_ids *new, u64 handle,
		      int lookup, int err),
	     TP_ARGS(old, new, handle, lookup, err)
);

/* CREDO_IOC_ASSUME: handle is the handle's id (the credo_handle event's). */
DEFINE_EVENT(credo_switch_class, credo_assume,
	     TP_PROTO(const struct credo_event_ids *old,
		      const struct credo_event_ids *new, u64 handle,
		      int lookup, int err),
	     TP_ARGS(old, new, handle, lookup, err)
);

/* An override ended: old is the override, new the thread's own. */
TRACE_EVENT(credo_revert,
	    TP_PROTO(pid_t pid, pid_t tid, const struct credo_event_ids *old,
		     const struct credo_event_ids *new, int why),
	    TP_ARGS(pid, tid, old, new, why),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(pid_t, tid)
			     __field(u32, old_euid)
			     __field(u32, old_egid)
			     __field(u32, old_fsuid)
			     __field(u32, new_euid)
			     __field(u32, new_egid)
			     __field(u32, new_fsuid)
			     __field(int, why)
	    ),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->tid = tid;
			   __entry->old_euid = old->euid;
			   __entry->old_egid = old->egid;
			   __entry->old_fsuid = old->fsuid;
			   __entry->new_euid = new->euid;
			   __entry->new_egid = new->egid;
			   __entry->new_fsuid = new->fsuid;
			   __entry->why = why;
	    ),
	    TP_printk("pid=%d tid=%d old_euid=%u old_egid=%u old_fsuid=%u new_euid=%u new_egid=%u new_fsuid=%u why=%s",
		      __entry->pid, __entry->tid, __entry->old_euid,
		      __entry->old_egid, __entry->old_fsuid, __entry->new_euid,
		      __entry->new_egid, __entry->new_fsuid,
		      credo_show_why(__entry->why))
);

/*
 * A gate or the net refused a call with EBUSY: site names the gated
 * function (or syscall), nr is the syscall the thread was in, caller the
 * code that called the refused function (0 for a syscall).
 */
TRACE_EVENT(credo_refused,
	    TP_PROTO(const char *site, int nr, unsigned long caller, int err),
	    TP_ARGS(site, nr, caller, err),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(pid_t, tid)
			     __string(site, site)
			     __field(int, nr)
			     __field(int, err)
			     __field(unsigned long, caller)
	    ),
	    TP_fast_assign(__entry->pid = task_tgid_nr(current);
			   __entry->tid = task_pid_nr(current);
			   credo_assign_str(site, site);
			   __entry->nr = nr;
			   __entry->err = err;
			   __entry->caller = caller;
	    ),
	    TP_printk("pid=%d tid=%d site=%s syscall=%d caller=%pS err=%d",
		      __entry->pid, __entry->tid, __get_str(site), __entry->nr,
		      (void *)__entry->caller, __entry->err)
);

/* Table entries: the shared override's ids, the entry count afterwards. */
DECLARE_EVENT_CLASS(credo_table_class,
		    TP_PROTO(const struct credo_event_ids *ids, long entries,
			     int why),
		    TP_ARGS(ids, entries, why),
		    TP_STRUCT__entry(__field(long, entries)
				     __field(u32, uid)
				     __field(u32, euid)
				     __field(u32, fsuid)
				     __field(u32, gid)
				     __field(u32, egid)
				     __field(u32, fsgid)
				     __field(u32, ngroups)
				     __field(int, why)
		    ),
		    TP_fast_assign(__entry->entries = entries;
				   __entry->uid = ids->uid;
				   __entry->euid = ids->euid;
				   __entry->fsuid = ids->fsuid;
				   __entry->gid = ids->gid;
				   __entry->egid = ids->egid;
				   __entry->fsgid = ids->fsgid;
				   __entry->ngroups = ids->ngroups;
				   __entry->why = why;
		    ),
		    TP_printk("uid=%u euid=%u fsuid=%u gid=%u egid=%u fsgid=%u ngroups=%u entries=%ld why=%s",
			      __entry->uid, __entry->euid, __entry->fsuid,
			      __entry->gid, __entry->egid, __entry->fsgid,
			      __entry->ngroups, __entry->entries,
			      credo_show_table_why(__entry->why))
);

/* A miss built a new shared cred (why is "insert"). */
DEFINE_EVENT(credo_table_class, credo_table_insert,
	     TP_PROTO(const struct credo_event_ids *ids, long entries,
		      int why),
	     TP_ARGS(ids, entries, why)
);

/*
 * An entry left the table: bound (above max_entries, at an insert), idle
 * (the periodic pass), unused (the shrinker, a lowered bound), flush.
 */
DEFINE_EVENT(credo_table_class, credo_table_evict,
	     TP_PROTO(const struct credo_event_ids *ids, long entries,
		      int why),
	     TP_ARGS(ids, entries, why)
);

/* A handle minted or revoked (err 0), or the attempt refused. */
TRACE_EVENT(credo_handle,
	    TP_PROTO(int op, u64 handle, const struct credo_event_ids *ids,
		     int err),
	    TP_ARGS(op, handle, ids, err),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(pid_t, tid)
			     __field(int, op)
			     __field(int, err)
			     __field(u64, handle)
			     __field(u32, uid)
			     __field(u32, euid)
			     __field(u32, gid)
			     __field(u32, egid)
			     __field(u32, fsuid)
			     __field(u32, ngroups)
	    ),
	    TP_fast_assign(__entry->pid = task_tgid_nr(current);
			   __entry->tid = task_pid_nr(current);
			   __entry->op = op;
			   __entry->err = err;
			   __entry->handle = handle;
			   __entry->uid = ids->uid;
			   __entry->euid = ids->euid;
			   __entry->gid = ids->gid;
			   __entry->egid = ids->egid;
			   __entry->fsuid = ids->fsuid;
			   __entry->ngroups = ids->ngroups;
	    ),
	    TP_printk("pid=%d tid=%d op=%s handle=%llu uid=%u euid=%u gid=%u egid=%u fsuid=%u ngroups=%u err=%d",
		      __entry->pid, __entry->tid,
		      credo_show_handle_op(__entry->op),
		      (unsigned long long)__entry->handle, __entry->uid,
		      __entry->euid, __entry->gid, __entry->egid,
		      __entry->fsuid, __entry->ngroups, __entry->err)
);

#endif /* _CREDO_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>

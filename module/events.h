/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every switch visible: one call per event emits its tracepoint (trace.h)
 * and, when the kernel is auditing the calling syscall, its audit record
 * (audit.c).  With tracing and audit off each call costs a few loads and
 * branches.
 */
#ifndef _CREDO_EVENTS_H
#define _CREDO_EVENTS_H

#include <linux/types.h>

struct cred;
struct credo_desc;
struct task_struct;

/* How an override was asked for. */
enum credo_via {
	CREDO_VIA_DESCRIPTOR,	/* CREDO_IOC_OVERRIDE on /dev/credo */
	CREDO_VIA_HANDLE,	/* CREDO_IOC_ASSUME on a handle */
};

/* What the coalescing table did for it. */
enum credo_lookup {
	CREDO_LOOKUP_NONE = -1,	/* failed before the table was asked */
	CREDO_LOOKUP_MISS = 0,	/* built and inserted */
	CREDO_LOOKUP_HIT = 1,	/* served from an entry */
};

/* Why an override ended. */
enum credo_revert_why {
	CREDO_REVERT_IOCTL,	/* CREDO_IOC_REVERT */
	CREDO_REVERT_COREDUMP,	/* the thread dumps core (safety.c) */
	CREDO_REVERT_EXIT,	/* the task is freed while overridden */
};

enum credo_handle_op {
	CREDO_HANDLE_MINT,	/* CREDO_IOC_HANDLE */
	CREDO_HANDLE_REVOKE,	/* CREDO_IOC_REVOKE */
};

/* Why a table entry came or went (the credo_table_* tracepoints). */
enum credo_table_why {
	CREDO_TABLE_INSERT,	/* a miss built it */
	CREDO_TABLE_BOUND,	/* above max_entries, at an insert */
	CREDO_TABLE_IDLE,	/* unused at two periodic passes */
	CREDO_TABLE_UNUSED,	/* the shrinker, a lowered bound */
	CREDO_TABLE_FLUSH,	/* every entry, at unload */
};

/* Ids as the initial user namespace sees them (overflow ids if unmapped). */
struct credo_event_ids {
	u32 uid, euid, suid, fsuid;
	u32 gid, egid, sgid, fsgid;
	u32 ngroups;
};

void credo_event_ids_of(struct credo_event_ids *ids, const struct cred *c);
bool credo_event_begin(struct credo_event_ids *old);
void credo_event_override(const struct credo_event_ids *old,
			  enum credo_via via, u64 handle,
			  const struct credo_desc *d, enum credo_lookup lookup,
			  int err);
void credo_event_revert(const struct credo_event_ids *old,
			enum credo_revert_why why);
void credo_event_exit(struct task_struct *tsk);
void credo_event_refused(const char *site, unsigned long caller);
void credo_event_handle(enum credo_handle_op op, u64 handle,
			const struct credo_desc *d, int err);

#endif /* _CREDO_EVENTS_H */

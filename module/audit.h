/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Audit records (AUDIT_KERNEL_OTHER) for switches, refusals and handles,
 * added to the calling syscall's event when the kernel audits it.
 */
#ifndef _CREDO_AUDIT_H
#define _CREDO_AUDIT_H

#include <linux/gfp.h>
#include <linux/types.h>

struct credo_event_ids;

bool credo_audit_live(void);
void credo_audit_switch(const char *op, gfp_t gfp, const char *extra,
			u64 handle, const struct credo_event_ids *old,
			const struct credo_event_ids *new, int err);
void credo_audit_refused(const char *site, int nr, unsigned long caller,
			 const struct credo_event_ids *ids);

#endif /* _CREDO_AUDIT_H */

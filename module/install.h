/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Installing and ending the calling thread's override.
 */
#ifndef _CREDO_INSTALL_H
#define _CREDO_INSTALL_H

#include <linux/types.h>

struct cred;
struct credo_table;
struct task_struct;

/* One live override, for the listing (overrides.c). */
struct credo_override_info {
	struct task_struct *task;	/* alive while the listing holds the lock */
	const struct cred *cred;	/* the override installed (RCU) */
	u64 since;			/* CLOCK_REALTIME ns, to a tick */
};

int credo_override_from_user(struct credo_table *t, const void __user *uarg);
int credo_thread_install(const struct cred *new);
int credo_thread_install_borrowed(const struct cred *new);
int credo_thread_revert(void);
void credo_thread_revert_coredump(void);
void credo_thread_exited(struct task_struct *tsk);
void credo_threads_exit(void);
void credo_threads_list(void (*show)(const struct credo_override_info *,
				     void *),
			void *arg);

#endif /* _CREDO_INSTALL_H */

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

int credo_override_from_user(struct credo_table *t, const void __user *uarg);
int credo_thread_install(const struct cred *new);
int credo_thread_revert(void);
void credo_thread_exited(struct task_struct *tsk);
void credo_threads_exit(void);

#endif /* _CREDO_INSTALL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Dumpability after an override.
 *
 * commit_creds() makes a process that changes its euid, egid, fsuid or
 * fsgid, or gains capabilities, as dumpable as fs.suid_dumpable says (0 by
 * default: no core dump, and ptrace or /proc/PID/mem only with
 * CAP_SYS_PTRACE).  An override changes the same things for the thread's
 * accesses, so it does the same to the process, and a revert does not undo
 * it, as switching back with set*id would not: whatever the override
 * identity could have seen or left in the process's memory must not be
 * dumped to a file it owns, nor read by a process running as it.
 *
 * Only the step away from TASK_DUMPABLE_OWNER matters: a process at 0 or 2 is
 * already out of reach of every uid but root's.  fs.suid_dumpable itself is
 * not exported to modules; it is read from /proc/sys/fs/suid_dumpable
 * through the caller's own file system view, once per process in practice
 * (afterwards the process is no longer at TASK_DUMPABLE_OWNER).  Where that file
 * cannot be read (a chroot without /proc, an LSM denying it) the process
 * becomes non-dumpable, the strictest of the three values.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "dumpable.h"

#define CREDO_SUID_DUMPABLE_PATH	"/proc/sys/fs/suid_dumpable"

static int credo_suid_dumpable(void)
{
	char buf[16] = { };
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	int v;

	f = filp_open(CREDO_SUID_DUMPABLE_PATH, O_RDONLY, 0);
	if (IS_ERR(f))
		return TASK_DUMPABLE_OFF;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0 || kstrtoint(strim(buf), 10, &v) ||
	    v < TASK_DUMPABLE_OFF || v > TASK_DUMPABLE_ROOT)
		return TASK_DUMPABLE_OFF;
	return v;
}

/* commit_creds()'s test, with the thread's own cred as the old one. */
static bool credo_dumpable_changes(const struct cred *own,
				   const struct cred *new)
{
	return !uid_eq(own->euid, new->euid) || !gid_eq(own->egid, new->egid) ||
	       !uid_eq(own->fsuid, new->fsuid) ||
	       !gid_eq(own->fsgid, new->fsgid) ||
	       !cap_issubset(new->cap_permitted, own->cap_permitted);
}

/**
 * credo_dumpable_update - after the calling thread's override to @new
 * @own: the thread's own credentials
 * @new: the override now installed
 */
void credo_dumpable_update(const struct cred *own, const struct cred *new)
{
	/* After the first switch a process is not at TASK_DUMPABLE_OWNER: one load. */
	if (!current->mm || credo_get_dumpable() != TASK_DUMPABLE_OWNER ||
	    !credo_dumpable_changes(own, new))
		return;
	credo_set_dumpable(credo_suid_dumpable());
}

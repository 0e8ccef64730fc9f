// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/credo/overrides: every thread credo has overridden right
 * now, one line each:
 *
 *   pid=P tid=T comm=C own_uid=U uid=U euid=U fsuid=U gid=G egid=G fsgid=G
 *   ngroups=N groups=G,G,... since=SECONDS.NANOSECONDS
 *
 * Ids are given in the reader's user namespace, pids in its pid namespace;
 * comm is escaped (space, tab, newline and backslash as octal \ooo); since is
 * CLOCK_REALTIME at the switch to within a tick (the node keeps jiffies).
 *
 * Why debugfs (docs/design.md): the listing is for administrators and their
 * tools, not for programs to depend on; debugfs is root's only (mounted
 * 0700), is not visible in containers, still works under kernel lockdown
 * for a read-only file, and leaves the device's ioctl set and sysfs's one
 * value per file as they are.  Without debugfs (CONFIG_DEBUG_FS=n,
 * debugfs=off) there is no listing and credo works as before.
 */
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/uidgid.h>

#include "install.h"
#include "overrides.h"

static struct dentry *credo_debugfs;

static void credo_overrides_line(const struct credo_override_info *o,
				 void *arg)
{
	struct seq_file *m = arg;
	struct user_namespace *ns = seq_user_ns(m);
	const struct cred *c = o->cred;
	const struct group_info *gi = c->group_info;
	const struct cred *own = rcu_dereference(o->task->real_cred);
	char comm[TASK_COMM_LEN];
	u32 rem;
	u64 sec;
	int i;

	/* Not get_task_comm(): its task_lock() may not nest in the set's lock. */
	memcpy(comm, o->task->comm, sizeof(comm));
	comm[sizeof(comm) - 1] = 0;
	sec = div_u64_rem(o->since, NSEC_PER_SEC, &rem);
	seq_printf(m, "pid=%d tid=%d comm=", task_tgid_vnr(o->task),
		   task_pid_vnr(o->task));
	seq_escape(m, comm, " \t\n\\");
	seq_printf(m, " own_uid=%u uid=%u euid=%u fsuid=%u gid=%u egid=%u fsgid=%u ngroups=%u groups=",
		   from_kuid_munged(ns, own->uid),
		   from_kuid_munged(ns, c->uid), from_kuid_munged(ns, c->euid),
		   from_kuid_munged(ns, c->fsuid), from_kgid_munged(ns, c->gid),
		   from_kgid_munged(ns, c->egid), from_kgid_munged(ns, c->fsgid),
		   gi->ngroups);
	for (i = 0; i < gi->ngroups; i++)
		seq_printf(m, "%s%u", i ? "," : "",
			   from_kgid_munged(ns, gi->gid[i]));
	seq_printf(m, " since=%llu.%09u\n", (unsigned long long)sec, rem);
}

static int credo_overrides_show(struct seq_file *m, void *v)
{
	credo_threads_list(credo_overrides_line, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(credo_overrides);

/* Failures are not errors: credo works without its listing (debugfs rules). */
void credo_overrides_init(void)
{
	credo_debugfs = debugfs_create_dir("credo", NULL);
	debugfs_create_file("overrides", 0400, credo_debugfs, NULL,
			    &credo_overrides_fops);
}

/* Waits for readers still in the file. */
void credo_overrides_exit(void)
{
	debugfs_remove_recursive(credo_debugfs);
	credo_debugfs = NULL;
}

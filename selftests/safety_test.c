// SPDX-License-Identifier: GPL-2.0
/*
 * What an overridden thread may and may not do (brief section 4): its own credential changes
 * fail with EBUSY and change nothing, fork/exec/pthread_create carry the override identity,
 * and a thread that exits overridden leaves no live override behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/credo.h>

#include "credo_harness.h"

#define TARGET_UID 4242
#define TARGET_GID 4243

static int dev_fd = -1;
static const char *self_exe;

#define REQUIRE_CREDO() do {						\
	if (geteuid() != 0)						\
		SKIP(return, "needs root to open /dev/credo (0600)");	\
	if (dev_fd < 0)							\
		dev_fd = open("/dev/credo", O_RDWR | O_CLOEXEC);	\
	ASSERT_LE(0, dev_fd) TH_LOG("open /dev/credo: %s", strerror(errno));	\
} while (0)

static long counter(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/credo/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int override_to(__u32 uid, __u32 gid)
{
	__u32 groups[1] = { gid };
	struct credo_cred c = {
		.size = sizeof(c),
		.uid = uid, .euid = uid, .suid = uid, .fsuid = uid,
		.gid = gid, .egid = gid, .sgid = gid, .fsgid = gid,
		.ngroups = 1, .groups = (unsigned long)groups,
	};

	return ioctl(dev_fd, CREDO_IOC_OVERRIDE, &c) ? -errno : 0;
}

static int get_state(struct credo_cred *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	return ioctl(dev_fd, CREDO_IOC_GET, c) ? -errno : 0;
}

/* The objective uid other processes see, from /proc/<pid>/task/<tid>/status. */
static long proc_uid(pid_t pid, pid_t tid)
{
	char path[96], line[256];
	long uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %ld", &uid) == 1)
			break;
	fclose(f);
	return uid;
}

static int wait_live(long want)
{
	int i;

	/* A dead thread's credentials are put when its task_struct goes, after an RCU grace. */
	for (i = 0; i < 300; i++) {
		if (counter("live_overrides") == want)
			return 0;
		usleep(10000);
	}
	return -1;
}

/*
 * Each own-credential change an overridden thread might try. The kernel first judges the call
 * against the thread's subjective credentials, the override: a change the override identity may
 * not make fails with EPERM as it would for that user; a change it may make reaches
 * commit_creds(), where credo refuses it with EBUSY. Either way nothing changes. (A call that
 * would change nothing, such as setresuid() to the current ids, returns 0 before any commit.)
 */
struct cred_change {
	const char *name;
	long (*call)(void);
	int errno_plain;	/* override to TARGET_UID without capabilities */
	int errno_capable;	/* override keeping CAP_SETUID and CAP_SETGID */
};

static long do_setuid_root(void) { return syscall(SYS_setuid, 0); }
static long do_setresuid_root(void) { return syscall(SYS_setresuid, 0, 0, 0); }
static long do_setregid_same(void) { return syscall(SYS_setregid, TARGET_GID, TARGET_GID); }
static long do_setgroups(void) { gid_t g = 7; return syscall(SYS_setgroups, 1, &g); }
static long do_keepcaps(void) { return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0); }
static long do_capset_drop(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d);
}
static long do_ambient_clear(void)
{
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

static const struct cred_change changes[] = {
	{ "setuid(0)", do_setuid_root, EPERM, EBUSY },
	{ "setresuid(0,0,0)", do_setresuid_root, EPERM, EBUSY },
	{ "setregid(own ids)", do_setregid_same, EBUSY, EBUSY },
	{ "setgroups", do_setgroups, EPERM, EBUSY },
	{ "prctl(PR_SET_KEEPCAPS)", do_keepcaps, EBUSY, EBUSY },
	{ "capset(drop all)", do_capset_drop, EBUSY, EBUSY },
	{ "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", do_ambient_clear, EBUSY, EBUSY },
};

struct change_result {
	const struct cred_change *change;
	int capable;
	long rc;
	int err;
	struct credo_cred before, after;
	int keepcaps_after;
};

static void *try_change(void *arg)
{
	struct change_result *r = arg;
	__u32 groups[1] = { TARGET_GID };
	struct credo_cred c = {
		.size = sizeof(c),
		.uid = TARGET_UID, .euid = TARGET_UID, .suid = TARGET_UID, .fsuid = TARGET_UID,
		.gid = TARGET_GID, .egid = TARGET_GID, .sgid = TARGET_GID, .fsgid = TARGET_GID,
		.ngroups = 1, .groups = (unsigned long)groups,
	};
	__u64 setid = (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID);

	if (r->capable) {
		c.flags = CREDO_CRED_CAPS;
		c.cap_effective = c.cap_permitted = setid;
	}
	if (ioctl(dev_fd, CREDO_IOC_OVERRIDE, &c)) {
		r->rc = -2;
		return NULL;
	}
	get_state(&r->before);
	errno = 0;
	r->rc = r->change->call();
	r->err = errno;
	get_state(&r->after);
	r->keepcaps_after = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
	ioctl(dev_fd, CREDO_IOC_REVERT);
	return NULL;
}

static void check_changes(struct __test_metadata *_metadata, int capable)
{
	unsigned int i;

	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		struct change_result r = { .change = &changes[i], .capable = capable };
		int want = capable ? changes[i].errno_capable : changes[i].errno_plain;
		pthread_t t;

		ASSERT_EQ(0, pthread_create(&t, NULL, try_change, &r));
		ASSERT_EQ(0, pthread_join(t, NULL));
		ASSERT_NE(-2, r.rc) TH_LOG("override failed before %s", r.change->name);
		EXPECT_EQ(-1, r.rc) TH_LOG("%s while overridden returned %ld", r.change->name, r.rc);
		EXPECT_EQ(want, r.err) TH_LOG("%s: errno %d (%s), expected %d", r.change->name,
					      r.err, strerror(r.err), want);
		/* Nothing changed: the override is still in place with the same identity. */
		EXPECT_EQ(0, memcmp(&r.before, &r.after, sizeof(r.before)))
			TH_LOG("%s changed the thread's credentials", r.change->name);
		EXPECT_NE(0U, r.after.flags & CREDO_CRED_OVERRIDDEN);
		EXPECT_EQ(0, r.keepcaps_after);
	}
	/* The other threads and the process were never touched. */
	EXPECT_EQ(0U, geteuid());
	EXPECT_EQ(0, prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
}

TEST(own_credential_changes_fail_and_change_nothing)
{
	REQUIRE_CREDO();
	check_changes(_metadata, 0);
}

TEST(own_credential_changes_fail_even_with_setid_capabilities)
{
	REQUIRE_CREDO();
	check_changes(_metadata, 1);
}

static void *exit_overridden(void *arg)
{
	(void)arg;
	if (override_to(TARGET_UID, TARGET_GID))
		return (void *)1;
	return NULL;	/* no revert */
}

TEST(thread_exit_while_overridden_ends_the_override)
{
	long live0;
	void *ret;
	int i;

	REQUIRE_CREDO();
	live0 = counter("live_overrides");
	ASSERT_LE(0, live0);
	for (i = 0; i < 200; i++) {
		pthread_t t;

		ASSERT_EQ(0, pthread_create(&t, NULL, exit_overridden, NULL));
		ASSERT_EQ(0, pthread_join(t, &ret));
		ASSERT_EQ(NULL, ret);
	}
	EXPECT_EQ(0, wait_live(live0)) TH_LOG("live_overrides %ld, expected %ld",
					      counter("live_overrides"), live0);
}

struct fork_result {
	int pipe_rd;
	pid_t child;
	long parent_euid_after;
	int parent_flags_after;
};

static void *fork_overridden(void *arg)
{
	struct fork_result *r = arg;
	struct credo_cred c;
	int p[2];

	if (pipe(p) || override_to(TARGET_UID, TARGET_GID))
		return (void *)1;
	r->child = fork();
	if (r->child == 0) {
		/* The child: its own credentials are the override identity. */
		long vals[5];

		vals[0] = syscall(SYS_getuid);
		vals[1] = syscall(SYS_geteuid);
		vals[2] = syscall(SYS_getgid);
		vals[3] = proc_uid(getpid(), getpid());
		vals[4] = get_state(&c) ? -1 : (long)(c.flags & CREDO_CRED_OVERRIDDEN);
		if (write(p[1], vals, sizeof(vals)) != sizeof(vals))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	r->pipe_rd = p[0];
	r->parent_euid_after = syscall(SYS_geteuid);
	get_state(&c);
	r->parent_flags_after = c.flags;
	ioctl(dev_fd, CREDO_IOC_REVERT);
	return NULL;
}

TEST(fork_child_runs_as_the_override_identity)
{
	struct fork_result r = { 0 };
	long vals[5];
	pthread_t t;
	int status;

	REQUIRE_CREDO();
	ASSERT_EQ(0, pthread_create(&t, NULL, fork_overridden, &r));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_LT(0, r.child);
	ASSERT_EQ((ssize_t)sizeof(vals), read(r.pipe_rd, vals, sizeof(vals)));
	ASSERT_EQ(r.child, waitpid(r.child, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(TARGET_UID, vals[0]);
	EXPECT_EQ(TARGET_UID, vals[1]);
	EXPECT_EQ(TARGET_GID, vals[2]);
	EXPECT_EQ(TARGET_UID, vals[3]);	/* objective identity too: it is the child's own */
	EXPECT_EQ(0, vals[4]);		/* not an override in the child */
	/* The parent thread is unchanged by the fork: still overridden until it reverted. */
	EXPECT_EQ(TARGET_UID, r.parent_euid_after);
	EXPECT_NE(0U, r.parent_flags_after & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(0U, geteuid());
}

struct thread_result {
	long uid, euid, proc, flags;
};

static void *report_ids(void *arg)
{
	struct thread_result *r = arg;
	struct credo_cred c;

	r->uid = syscall(SYS_getuid);
	r->euid = syscall(SYS_geteuid);
	r->proc = proc_uid(getpid(), syscall(SYS_gettid));
	r->flags = get_state(&c) ? -1 : (long)c.flags;
	return NULL;
}

static void *create_from_overridden(void *arg)
{
	pthread_t t;

	if (override_to(TARGET_UID, TARGET_GID))
		return (void *)1;
	if (pthread_create(&t, NULL, report_ids, arg) || pthread_join(t, NULL))
		return (void *)2;
	ioctl(dev_fd, CREDO_IOC_REVERT);
	return NULL;
}

TEST(pthread_create_from_overridden_thread)
{
	struct thread_result r = { -1, -1, -1, -1 };
	void *ret;
	pthread_t t;

	REQUIRE_CREDO();
	ASSERT_EQ(0, pthread_create(&t, NULL, create_from_overridden, &r));
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	/* The new thread's own credentials are the override identity, not an override. */
	EXPECT_EQ(TARGET_UID, r.uid);
	EXPECT_EQ(TARGET_UID, r.euid);
	EXPECT_EQ(TARGET_UID, r.proc);
	EXPECT_EQ(0, r.flags & CREDO_CRED_OVERRIDDEN);
}

TEST(execve_runs_the_program_as_the_override_identity)
{
	long live0;
	int p[2], status;
	pid_t child;
	char line[128] = { 0 };
	long uid = -1, euid = -1, flags = -1;

	REQUIRE_CREDO();
	live0 = counter("live_overrides");
	ASSERT_EQ(0, pipe(p));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		char fdarg[16];

		close(p[0]);
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		if (override_to(TARGET_UID, TARGET_GID))
			_exit(3);
		execl(self_exe, self_exe, "--report-ids", fdarg, (char *)NULL);
		_exit(4);
	}
	close(p[1]);
	ASSERT_LT(0, read(p[0], line, sizeof(line) - 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, status);
	ASSERT_EQ(3, sscanf(line, "%ld %ld %ld", &uid, &euid, &flags));
	EXPECT_EQ(TARGET_UID, uid);
	EXPECT_EQ(TARGET_UID, euid);
	EXPECT_EQ(0, flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(0, wait_live(live0));
}

static int report_ids_main(int fd)
{
	struct credo_cred c = { .size = sizeof(c) };
	int dfd = open("/dev/credo", O_RDWR | O_CLOEXEC);
	long flags = -1;

	/* Not root any more, so /dev/credo (0600 root) cannot be opened: that is the proof too. */
	if (dfd >= 0 && !ioctl(dfd, CREDO_IOC_GET, &c))
		flags = c.flags;
	else if (dfd < 0 && errno == EACCES)
		flags = 0;
	dprintf(fd, "%ld %ld %ld\n", syscall(SYS_getuid), syscall(SYS_geteuid), flags);
	return 0;
}

int main(int argc, char **argv)
{
	self_exe = "/proc/self/exe";
	if (argc == 3 && !strcmp(argv[1], "--report-ids"))
		return report_ids_main(atoi(argv[2]));
	return test_harness_run(argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libcredo (lib/): switching from a plain struct and by user name, credo_get(),
 * spawning as another identity, errors, and the lazily opened descriptor under
 * concurrent first use.
 *
 * Ids are checked against the kernel's own answers (raw getresuid/getresgid/
 * getgroups in the switched thread, /proc/PID/status of a spawned child) and,
 * for user names, against an independent parse of /etc/passwd and /etc/group
 * into which the test writes its own users (restored afterwards).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "credo.h"
#include "lib_users.h"
#include "proc_ids.h"
#include "credo_harness.h"

#define REQUIRE_ROOT() do {						\
	if (lu_start_euid != 0)						\
		SKIP(return, "needs root (euid %u): /dev/credo is 0600 and a " \
		     "switch needs CAP_SETUID+CAP_SETGID", lu_start_euid);	\
} while (0)

static void expect_thread_ids(struct __test_metadata *_metadata,
			      unsigned int uid, unsigned int gid,
			      const unsigned int *groups, unsigned int ngroups)
{
	struct credo_state st;
	struct lu_ids t;
	char got[512], want[512];
	int i;

	ASSERT_EQ(0, lu_thread_ids(&t));
	/* real, effective, saved from getresuid()/getresgid() */
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(uid, t.uid[i]) TH_LOG("uid slot %d", i);
		EXPECT_EQ(gid, t.gid[i]) TH_LOG("gid slot %d", i);
	}
	/*
	 * setfsuid(-1), the only syscall reading fsuid, is a credential change
	 * that credo refuses while overridden: fsuid/fsgid come from CREDO_IOC_GET.
	 */
	ASSERT_EQ(0, credo_get(&st, NULL, 0));
	EXPECT_EQ(uid, st.fsuid);
	EXPECT_EQ(gid, st.fsgid);
	EXPECT_EQ(uid, st.euid);
	EXPECT_EQ(gid, st.egid);
	lu_format_groups(got, sizeof(got), t.groups, t.ngroups);
	lu_format_groups(want, sizeof(want), groups, ngroups);
	EXPECT_STREQ(want, got);
}

/* Reads "Key:" numbers of /proc/PID/status; returns the count or -errno. */
static int proc_ids(pid_t pid, const char *key, unsigned int *out, int max)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return proc_status_numbers(path, key, out, max);
}

/* The ids of a spawned child (it sleeps), checked through /proc, then reaped. */
static void expect_child_ids(struct __test_metadata *_metadata, pid_t pid,
			     unsigned int uid, unsigned int gid,
			     const unsigned int *groups, unsigned int ngroups)
{
	unsigned int ids[LU_MAX_GROUPS];
	char got[512], want[512];
	int i, n, status;

	n = proc_ids(pid, "Uid:", ids, 4);
	EXPECT_EQ(4, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(uid, ids[i]) TH_LOG("child Uid field %d", i);
	n = proc_ids(pid, "Gid:", ids, 4);
	EXPECT_EQ(4, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(gid, ids[i]) TH_LOG("child Gid field %d", i);
	n = proc_ids(pid, "Groups:", ids, LU_MAX_GROUPS);
	EXPECT_LE(0, n);
	if (n >= 0) {
		qsort(ids, (size_t)n, sizeof(ids[0]), lu_cmp_uint);
		lu_format_groups(got, sizeof(got), ids, (unsigned int)n);
		lu_format_groups(want, sizeof(want), groups, ngroups);
		EXPECT_STREQ(want, got);
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
}

static void expect_not_overridden(struct __test_metadata *_metadata)
{
	struct credo_state st;

	ASSERT_EQ(0, credo_get(&st, NULL, 0));
	EXPECT_EQ(0, st.overridden);
	EXPECT_EQ(0u, st.uid);
	EXPECT_EQ(0u, st.euid);
	EXPECT_EQ(0u, st.fsuid);
}

/* ---- errors: every identity ------------------------------------------------ */

TEST(strerror_messages)
{
	EXPECT_NE(NULL, strstr(credo_strerror(-ENODEV), "modprobe credo"));
	EXPECT_NE(NULL, strstr(credo_strerror(ENODEV), "modprobe credo"));
	EXPECT_STREQ("No such user", credo_strerror(-ESRCH));
	EXPECT_NE(NULL, strstr(credo_strerror(-EPERM), "CAP_SETUID"));
	EXPECT_STREQ("Input/output error", credo_strerror(-EIO));
	EXPECT_STREQ("Success", credo_strerror(0));
	EXPECT_NE(NULL, credo_strerror(-123456));
}

TEST(unknown_user)
{
	struct credo_ids ids;
	pid_t pid = -1;
	char *argv[] = { "true", NULL };

	EXPECT_EQ(-ESRCH, credo_lookup_user("credo-no-such-user", &ids));
	EXPECT_EQ(-ESRCH, credo_override_user("credo-no-such-user"));
	EXPECT_EQ(-ESRCH, credo_spawn_as_user(&pid, "credo-no-such-user", "/bin/true",
					      NULL, NULL, argv, NULL, 0));
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(-EINVAL, credo_lookup_user("", &ids));
	EXPECT_EQ(-EINVAL, credo_lookup_user(NULL, &ids));
	EXPECT_EQ(-EINVAL, credo_override(NULL));
}

/* A device that is not there: -ENODEV, whose message names the module. */
TEST(no_device)
{
	struct credo_ids ids = { .uid = 1, .gid = 1 };
	struct credo_state st;

	ASSERT_EQ(0, setenv("CREDO_DEVICE", "/tmp/credo-no-such-device", 1));
	EXPECT_EQ(-ENODEV, credo_fd());
	EXPECT_EQ(-ENODEV, credo_override(&ids));
	EXPECT_EQ(-ENODEV, credo_revert());
	EXPECT_EQ(-ENODEV, credo_get(&st, NULL, 0));
	unsetenv("CREDO_DEVICE");
}

/* Without root the device does not open (0600) or the switch is refused. */
TEST(unprivileged_refused)
{
	struct credo_ids ids = { .uid = 1, .gid = 1 };
	char *argv[] = { "true", NULL };
	pid_t pid = -1;
	int r;

	if (lu_start_euid == 0)
		SKIP(return, "runs as the unprivileged user only");
	r = credo_override(&ids);
	EXPECT_TRUE(r == -EACCES || r == -EPERM) TH_LOG("override: %d", r);
	r = credo_spawn_as(&pid, &ids, "/bin/true", NULL, NULL, argv, NULL, 0);
	EXPECT_TRUE(r == -EACCES || r == -EPERM) TH_LOG("spawn_as: %d", r);
	EXPECT_EQ(-1, pid);
	EXPECT_NE(NULL, credo_strerror(r));
}

/* ---- switching: root -------------------------------------------------------- */

TEST(override_struct_and_revert)
{
	const gid_t g1[] = { 7, 5, 6, 5 };
	const unsigned int want1[] = { 5, 6, 7 };
	const gid_t g2[] = { 9 };
	const unsigned int want2[] = { 9 };
	struct credo_ids a = { .uid = 1234, .gid = 1235, .ngroups = 4, .groups = g1 };
	struct credo_ids b = { .uid = 2345, .gid = 2346, .ngroups = 1, .groups = g2 };
	struct credo_ids none = { .uid = 3456, .gid = 3457 };
	struct credo_state st;
	struct lu_ids before, after;
	gid_t groups[8];

	REQUIRE_ROOT();
	ASSERT_EQ(0, lu_thread_ids(&before));
	ASSERT_EQ(0, credo_override(&a));
	expect_thread_ids(_metadata, 1234, 1235, want1, 3);
	ASSERT_EQ(0, credo_get(&st, groups, 8));
	EXPECT_EQ(1, st.overridden);
	EXPECT_EQ(1234u, st.uid);
	EXPECT_EQ(1234u, st.euid);
	EXPECT_EQ(1234u, st.suid);
	EXPECT_EQ(1234u, st.fsuid);
	EXPECT_EQ(1235u, st.gid);
	EXPECT_EQ(1235u, st.egid);
	EXPECT_EQ(1235u, st.sgid);
	EXPECT_EQ(1235u, st.fsgid);
	EXPECT_EQ(3u, st.ngroups);
	EXPECT_EQ(5u, groups[0]);
	EXPECT_EQ(6u, groups[1]);
	EXPECT_EQ(7u, groups[2]);
	/* Leaving uid 0: no capabilities, as setresuid() would leave them. */
	EXPECT_EQ(0u, st.cap_effective);
	EXPECT_EQ(0u, st.cap_permitted);

	/* A second override replaces the first; a short buffer gets the real count. */
	ASSERT_EQ(0, credo_override(&b));
	expect_thread_ids(_metadata, 2345, 2346, want2, 1);
	ASSERT_EQ(0, credo_override(&none));
	expect_thread_ids(_metadata, 3456, 3457, NULL, 0);
	ASSERT_EQ(0, credo_override(&a));
	ASSERT_EQ(0, credo_get(&st, groups, 1));
	EXPECT_EQ(3u, st.ngroups);
	EXPECT_EQ(5u, groups[0]);

	ASSERT_EQ(0, credo_revert());
	ASSERT_EQ(0, lu_thread_ids(&after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	expect_not_overridden(_metadata);
	/* Revert without an override is 0. */
	EXPECT_EQ(0, credo_revert());
}

TEST(override_bad_input)
{
	gid_t g = 1;
	struct credo_ids nogroups = { .uid = 1, .gid = 1, .ngroups = 2, .groups = NULL };
	struct credo_ids unmapped = { .uid = (uid_t)-1, .gid = 1, .ngroups = 1, .groups = &g };
	struct credo_ids toomany = { .uid = 1, .gid = 1, .ngroups = 65537, .groups = &g };

	REQUIRE_ROOT();
	EXPECT_EQ(-EINVAL, credo_override(&nogroups));
	EXPECT_EQ(-EINVAL, credo_override(&unmapped));
	EXPECT_EQ(-EINVAL, credo_override(&toomany));
	expect_not_overridden(_metadata);
}

/* ---- by name, against the files ---------------------------------------------- */

FIXTURE(users) {
	struct lu_saved saved;
	int installed;
};

FIXTURE_SETUP(users)
{
	self->installed = 0;
	if (lu_start_euid != 0)
		return;
	ASSERT_EQ(0, lu_install_users(&self->saved));
	self->installed = 1;
}

FIXTURE_TEARDOWN(users)
{
	if (self->installed)
		EXPECT_EQ(0, lu_restore_users(&self->saved));
}

static const char *const test_users[] = {
	"credoalice", "credobob", "credocarol", "root", "nobody",
};

TEST_F(users, override_by_name_matches_files)
{
	struct lu_expect e;
	struct credo_ids ids;
	unsigned int i, k;

	REQUIRE_ROOT();
	/* The expectations the files must give, spelled out once. */
	ASSERT_EQ(0, lu_expected("credoalice", &e));
	EXPECT_EQ(4101u, e.uid);
	EXPECT_EQ(4101u, e.gid);
	ASSERT_EQ(3u, e.ngroups);
	EXPECT_EQ(4101u, e.groups[0]);
	EXPECT_EQ(4200u, e.groups[1]);
	EXPECT_EQ(4300u, e.groups[2]);
	ASSERT_EQ(0, lu_expected("credobob", &e));
	EXPECT_EQ(4200u, e.gid);
	EXPECT_EQ(2u, e.ngroups);

	for (i = 0; i < sizeof(test_users) / sizeof(test_users[0]); i++) {
		const char *name = test_users[i];

		ASSERT_EQ(0, lu_expected(name, &e)) TH_LOG("%s", name);
		/* credo_lookup_user: same ids, groups sorted and unique */
		ASSERT_EQ(0, credo_lookup_user(name, &ids)) TH_LOG("%s", name);
		EXPECT_EQ(e.uid, ids.uid) TH_LOG("%s", name);
		EXPECT_EQ(e.gid, ids.gid) TH_LOG("%s", name);
		EXPECT_EQ(e.ngroups, ids.ngroups) TH_LOG("%s", name);
		for (k = 0; k < e.ngroups && k < ids.ngroups; k++)
			EXPECT_EQ(e.groups[k], ids.groups[k]) TH_LOG("%s group %u", name, k);
		credo_ids_free(&ids);
		EXPECT_EQ(NULL, ids.groups);

		/* credo_override_user: the thread has exactly those ids */
		ASSERT_EQ(0, credo_override_user(name)) TH_LOG("%s", name);
		expect_thread_ids(_metadata, e.uid, e.gid, e.groups, e.ngroups);
		ASSERT_EQ(0, credo_revert());
	}
	expect_not_overridden(_metadata);
}

TEST_F(users, spawn_as_user)
{
	char *argv[] = { "sleep", "30", NULL };
	struct lu_expect e;
	pid_t pid = -1;

	REQUIRE_ROOT();
	ASSERT_EQ(0, lu_expected("credoalice", &e));
	ASSERT_EQ(0, credo_spawn_as_user(&pid, "credoalice", "/bin/sleep", NULL, NULL,
					 argv, NULL, 0));
	ASSERT_LT(0, pid);
	expect_not_overridden(_metadata);
	expect_child_ids(_metadata, pid, e.uid, e.gid, e.groups, e.ngroups);

	/* PATH search */
	ASSERT_EQ(0, setenv("PATH", "/usr/bin:/bin", 1));
	ASSERT_EQ(0, credo_spawn_as_user(&pid, "credobob", "sleep", NULL, NULL,
					 argv, NULL, CREDO_SPAWN_SEARCH_PATH));
	ASSERT_EQ(0, lu_expected("credobob", &e));
	expect_not_overridden(_metadata);
	expect_child_ids(_metadata, pid, e.uid, e.gid, e.groups, e.ngroups);
}

/* ---- spawning from a struct --------------------------------------------------- */

TEST(spawn_as_ids)
{
	const gid_t g[] = { 6, 5 };
	const unsigned int want[] = { 5, 6 };
	struct credo_ids ids = { .uid = 1234, .gid = 1234, .ngroups = 2, .groups = g };
	char *argv[] = { "sleep", "30", NULL };
	pid_t pid = -1;

	REQUIRE_ROOT();
	ASSERT_EQ(0, credo_spawn_as(&pid, &ids, "/bin/sleep", NULL, NULL, argv, NULL, 0));
	ASSERT_LT(0, pid);
	/* the caller is itself again */
	expect_not_overridden(_metadata);
	expect_child_ids(_metadata, pid, 1234, 1234, want, 2);
}

/* A failed spawn still reverts. */
TEST(spawn_failure_reverts)
{
	struct credo_ids ids = { .uid = 1234, .gid = 1234 };
	char *argv[] = { "x", NULL };
	pid_t pid = -1;

	REQUIRE_ROOT();
	EXPECT_EQ(-ENOENT, credo_spawn_as(&pid, &ids, "/nonexistent/credo-prog", NULL,
					  NULL, argv, NULL, 0));
	expect_not_overridden(_metadata);
	/* An override the caller had is ended too (documented). */
	ASSERT_EQ(0, credo_override(&ids));
	EXPECT_EQ(-ENOENT, credo_spawn_as(&pid, &ids, "credo-no-such-prog", NULL, NULL,
					  argv, NULL, CREDO_SPAWN_SEARCH_PATH));
	expect_not_overridden(_metadata);
	EXPECT_EQ(-EINVAL, credo_spawn_as(&pid, &ids, "/bin/true", NULL, NULL, argv,
					  NULL, 0x100));
	/* a refused override spawns nothing */
	ids.uid = (uid_t)-1;
	pid = -1;
	EXPECT_EQ(-EINVAL, credo_spawn_as(&pid, &ids, "/bin/true", NULL, NULL, argv,
					  NULL, 0));
	EXPECT_EQ(-1, pid);
	expect_not_overridden(_metadata);
}

/* ---- threads: one descriptor, each thread its own identity ----------------------- */

#define NTHREADS 8
#define ROUNDS 200

static pthread_barrier_t start_line;

struct worker {
	unsigned int id;
	int fd;
	int errors;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct lu_ids t;
	gid_t g[2];
	struct credo_ids ids;
	int i;

	pthread_barrier_wait(&start_line);
	w->fd = credo_fd();	/* all threads race on the first open */
	for (i = 0; i < ROUNDS; i++) {
		g[0] = 5000 + w->id;
		g[1] = 6000 + (unsigned int)i % 3;
		ids = (struct credo_ids){ .uid = 3000 + w->id, .gid = 4000 + w->id,
					  .ngroups = 2, .groups = g };
		if (credo_override(&ids)) {
			w->errors++;
			continue;
		}
		if (lu_thread_ids(&t) || t.uid[1] != 3000 + w->id ||
		    t.gid[1] != 4000 + w->id || t.ngroups != 2 ||
		    t.groups[0] != 5000 + w->id)
			w->errors++;
		if (credo_revert())
			w->errors++;
	}
	return NULL;
}

static int count_device_fds(void)
{
	char path[300], target[256];
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc/self/fd");

	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (!strcmp(target, "/dev/credo"))
			n++;
	}
	closedir(dir);
	return n;
}

TEST(threads_share_one_descriptor)
{
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	int i, fdflags;

	REQUIRE_ROOT();
	ASSERT_EQ(0, count_device_fds());
	ASSERT_EQ(0, pthread_barrier_init(&start_line, NULL, NTHREADS));
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .id = (unsigned int)i, .fd = -1 };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker_fn, &w[i]));
	}
	for (i = 0; i < NTHREADS; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	pthread_barrier_destroy(&start_line);
	for (i = 0; i < NTHREADS; i++) {
		EXPECT_EQ(0, w[i].errors) TH_LOG("thread %d", i);
		EXPECT_EQ(w[0].fd, w[i].fd) TH_LOG("thread %d", i);
	}
	EXPECT_LE(0, w[0].fd);
	EXPECT_EQ(credo_fd(), w[0].fd);
	EXPECT_EQ(1, count_device_fds());
	fdflags = fcntl(w[0].fd, F_GETFD);
	EXPECT_EQ(FD_CLOEXEC, fdflags & FD_CLOEXEC);
	expect_not_overridden(_metadata);
}

TEST_HARNESS_MAIN

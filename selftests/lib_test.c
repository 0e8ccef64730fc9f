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
 *
 * Spawning as another identity is checked side by side against the reference
 * (fork(), then raw setgroups/setresgid/setresuid in the child, then exec of
 * the same probe program, lib_users.h), one property per test, from a calling
 * thread that is not overridden and from one that is: ids and groups, the user
 * keyring, RLIMIT_NPROC, dumpable after exec, file actions, and the caller's
 * own state afterwards.
 *
 * Credential handles (the handle_* tests): mint, assume and revert through the
 * handle's descriptor, its identity, revocation through a dup and a copy, and
 * a handle passed over a socketpair to a forked worker that dropped to uid
 * 65534 with no capability and no /dev/credo, which assumes it and creates a
 * file (its owner checked); credo_handle_send()/credo_handle_recv() on
 * messages without a descriptor, with several, a closed peer, a full
 * descriptor table and a signal.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/capability.h>

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

/* A failed spawn changes nothing; a caller's override survives it. */
TEST(spawn_failure_keeps_caller_state)
{
	struct credo_ids ids = { .uid = 1234, .gid = 1234 };
	struct credo_state st;
	char *argv[] = { "x", NULL };
	pid_t pid = -1;

	REQUIRE_ROOT();
	EXPECT_EQ(-ENOENT, credo_spawn_as(&pid, &ids, "/nonexistent/credo-prog", NULL,
					  NULL, argv, NULL, 0));
	expect_not_overridden(_metadata);
	/* An override the caller had stays (libcredo(3)). */
	ASSERT_EQ(0, credo_override(&ids));
	EXPECT_EQ(-ENOENT, credo_spawn_as(&pid, &ids, "credo-no-such-prog", NULL, NULL,
					  argv, NULL, CREDO_SPAWN_SEARCH_PATH));
	ASSERT_EQ(0, credo_get(&st, NULL, 0));
	EXPECT_EQ(1, st.overridden);
	EXPECT_EQ(1234u, st.euid);
	EXPECT_EQ(-EINVAL, credo_spawn_as(&pid, &ids, "/bin/true", NULL, NULL, argv,
					  NULL, 0x100));
	ASSERT_EQ(0, credo_revert());
	/* refused ids spawn nothing */
	ids.uid = (uid_t)-1;
	pid = -1;
	EXPECT_EQ(-EINVAL, credo_spawn_as(&pid, &ids, "/bin/true", NULL, NULL, argv,
					  NULL, 0));
	EXPECT_EQ(-1, pid);
	ids.uid = 1234;
	ids.gid = (gid_t)-1;
	EXPECT_EQ(-EINVAL, credo_spawn_as(&pid, &ids, "/bin/true", NULL, NULL, argv,
					  NULL, 0));
	EXPECT_EQ(-1, pid);
	expect_not_overridden(_metadata);
}

/* ---- spawn as user: side by side with fork + raw set*id in the child ---------------- */

/* The identity the probes run as; no process of the guest has these uids. */
static const unsigned int probe_groups[] = { 4300, 4713 };
static const struct lu_identity probe_id = { 4711, 4712, 2, probe_groups };
#define NPROC_UID	4720	/* the RLIMIT_NPROC test's uid, used by nothing else */
#define NPROC_LIMIT	2

/* What the caller_overridden variants override the calling thread to before the call. */
static const gid_t caller_groups[] = { 2003 };
static const struct credo_ids caller_ids = {
	.uid = 2001, .gid = 2002, .ngroups = 1, .groups = caller_groups,
};

static void to_credo_ids(const struct lu_identity *id, struct credo_ids *c, gid_t *g)
{
	unsigned int i;

	for (i = 0; i < id->ngroups && i < LU_MAX_GROUPS; i++)
		g[i] = id->groups[i];
	*c = (struct credo_ids){ .uid = id->uid, .gid = id->gid,
				 .ngroups = id->ngroups, .groups = g };
}

/*
 * credo_spawn_as() of the probe as id with attr (may be NULL), stdout on a
 * pipe, after the open act (a file action, may be NULL), from a calling thread overridden to caller_ids
 * first when overridden is set (and reverted after the call).  Returns the
 * spawn's result; out and *status as lu_ref_probe().
 */
static int credo_probe_attr(int overridden, const struct lu_identity *id,
			    const struct lu_open_action *act,
			    const posix_spawnattr_t *attr, const char *prog,
			    const char *mode, const char *arg, char *out, size_t len,
			    int *status)
{
	char *argv[] = { (char *)prog, LU_PROBE_ARG, (char *)mode, (char *)arg, NULL };
	posix_spawn_file_actions_t fa;
	struct credo_ids ids;
	gid_t g[LU_MAX_GROUPS];
	pid_t pid = -1;
	int p[2], r;

	out[0] = 0;
	*status = -1;
	to_credo_ids(id, &ids, g);
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	if (act)
		posix_spawn_file_actions_addopen(&fa, act->fd, act->path, act->flags,
						 act->mode);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	r = overridden ? credo_override(&caller_ids) : 0;
	if (!r) {
		r = credo_spawn_as(&pid, &ids, prog, &fa, attr, argv, NULL, 0);
		if (overridden)
			credo_revert();
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r) {
		close(p[0]);
		return r;
	}
	lu_read_all(p[0], out, len);
	*status = lu_wait(pid);
	return 0;
}

static int credo_probe(int overridden, const struct lu_identity *id,
		       const struct lu_open_action *act, const char *prog,
		       const char *mode, const char *arg, char *out, size_t len,
		       int *status)
{
	return credo_probe_attr(overridden, id, act, NULL, prog, mode, arg, out, len,
				status);
}

FIXTURE(spawn) {
	char dir[64];
	char prog[PATH_MAX];
};

FIXTURE_VARIANT(spawn) {
	int overridden;	/* the caller is overridden when it calls credo_spawn_as() */
};

FIXTURE_VARIANT_ADD(spawn, caller_plain) { .overridden = 0 };
FIXTURE_VARIANT_ADD(spawn, caller_overridden) { .overridden = 1 };

FIXTURE_SETUP(spawn)
{
	self->dir[0] = 0;
	lu_self_exe(self->prog, sizeof(self->prog));
	if (lu_start_euid != 0)
		return;
	ASSERT_NE(0, self->prog[0]);
	strcpy(self->dir, "/tmp/credo-spawn-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, chmod(self->dir, 0755));
}

FIXTURE_TEARDOWN(spawn)
{
	if (self->dir[0]) {
		credo_revert();
		lu_rm_tree(self->dir);
	}
}

#define SHOW_PROBES(ref, got) TH_LOG("reference:\n%s\ncredo_spawn_as:\n%s", ref, got)

TEST_F(spawn, ids_and_groups_match_reference)
{
	char ref[LU_OUT_MAX], got[LU_OUT_MAX];
	sigset_t usr2, old;
	int rs, cs;

	REQUIRE_ROOT();
	/* a blocked signal in the caller stays blocked in the child, as fork keeps it */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &usr2, &old));
	ASSERT_EQ(0, lu_ref_probe(&probe_id, NULL, self->prog, "ids", NULL, ref,
				  sizeof(ref), &rs));
	ASSERT_EQ(0, credo_probe(variant->overridden, &probe_id, NULL, self->prog, "ids",
				 NULL, got, sizeof(got), &cs));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	EXPECT_EQ(0, rs);
	EXPECT_EQ(0, cs);
	EXPECT_NE(NULL, strstr(ref, "Uid:\t4711\t4711\t4711\t4711\n")) SHOW_PROBES(ref, got);
	EXPECT_NE(NULL, strstr(ref, "Groups:\t4300 4713")) SHOW_PROBES(ref, got);
	EXPECT_STREQ(ref, got) SHOW_PROBES(ref, got);
}

/* A "Key:" hex mask of a /proc status file (0 if absent). */
static unsigned long long status_mask(const char *path, const char *key)
{
	char buf[LU_OUT_MAX], *p;

	if (lu_status_lines(path, buf, sizeof(buf)))
		return 0;
	p = strstr(buf, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

/* attr is the caller's: its signal defaults and mask apply. */
TEST_F(spawn, attr_is_honoured)
{
	unsigned long long blk, ign;
	char got[LU_OUT_MAX], line[256];
	posix_spawnattr_t at;
	sigset_t set, old;
	int cs;

	REQUIRE_ROOT();
	/* the caller blocks SIGUSR2 and ignores SIGUSR1 and SIGTERM */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &set, &old));
	signal(SIGUSR1, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	blk = status_mask("/proc/thread-self/status", "SigBlk:");
	ign = status_mask("/proc/thread-self/status", "SigIgn:");
	EXPECT_NE(0ULL, blk & (1ULL << (SIGUSR2 - 1)));
	EXPECT_NE(0ULL, ign & (1ULL << (SIGTERM - 1)));

	/* SETSIGDEF for SIGUSR1: the child has the caller's mask, ignores what it does but USR1 */
	ASSERT_EQ(0, posix_spawnattr_init(&at));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ASSERT_EQ(0, posix_spawnattr_setsigdefault(&at, &set));
	ASSERT_EQ(0, posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF));
	ASSERT_EQ(0, credo_probe_attr(variant->overridden, &probe_id, NULL, &at, self->prog,
				      "ids", NULL, got, sizeof(got), &cs));
	EXPECT_EQ(0, cs);
	snprintf(line, sizeof(line), "SigBlk:\t%016llx\n", blk);
	EXPECT_NE(NULL, strstr(got, line)) TH_LOG("want %s in:\n%s", line, got);
	snprintf(line, sizeof(line), "SigIgn:\t%016llx\n", ign & ~(1ULL << (SIGUSR1 - 1)));
	EXPECT_NE(NULL, strstr(got, line)) TH_LOG("want %s in:\n%s", line, got);
	posix_spawnattr_destroy(&at);

	/* SETSIGMASK: the child's mask is attr's, not the caller's */
	ASSERT_EQ(0, posix_spawnattr_init(&at));
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	ASSERT_EQ(0, posix_spawnattr_setsigmask(&at, &set));
	ASSERT_EQ(0, posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK));
	ASSERT_EQ(0, credo_probe_attr(variant->overridden, &probe_id, NULL, &at, self->prog,
				      "ids", NULL, got, sizeof(got), &cs));
	EXPECT_EQ(0, cs);
	snprintf(line, sizeof(line), "SigBlk:\t%016llx\n", 1ULL << (SIGHUP - 1));
	EXPECT_NE(NULL, strstr(got, line)) TH_LOG("want %s in:\n%s", line, got);
	posix_spawnattr_destroy(&at);

	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

TEST_F(spawn, user_keyring_matches_reference)
{
	char ref[LU_OUT_MAX], got[LU_OUT_MAX];
	long root_u, ref_u, got_u;
	int rs, cs;

	REQUIRE_ROOT();
	root_u = lu_keyring_id(KEY_SPEC_USER_KEYRING);
	ASSERT_LT(0, root_u);
	ASSERT_EQ(0, lu_ref_probe(&probe_id, NULL, self->prog, "keyring", NULL, ref,
				  sizeof(ref), &rs));
	ASSERT_EQ(0, credo_probe(variant->overridden, &probe_id, NULL, self->prog,
				 "keyring", NULL, got, sizeof(got), &cs));
	EXPECT_EQ(0, rs);
	EXPECT_EQ(0, cs);
	ref_u = lu_value(ref, "user_keyring");
	got_u = lu_value(got, "user_keyring");
	TH_LOG("root's @u %ld, reference child's %ld, credo_spawn_as child's %ld",
	       root_u, ref_u, got_u);
	EXPECT_LT(0, ref_u) SHOW_PROBES(ref, got);
	EXPECT_NE(root_u, ref_u) SHOW_PROBES(ref, got);
	EXPECT_EQ(ref_u, got_u) SHOW_PROBES(ref, got);
	EXPECT_NE(root_u, got_u) SHOW_PROBES(ref, got);
	EXPECT_EQ(lu_value(ref, "user_session_keyring"), lu_value(got, "user_session_keyring"))
		SHOW_PROBES(ref, got);
}

TEST_F(spawn, rlimit_nproc_matches_reference)
{
	struct rlimit rl = { .rlim_cur = NPROC_LIMIT, .rlim_max = NPROC_LIMIT };
	struct lu_identity id = probe_id;
	char ref[LU_OUT_MAX], got[LU_OUT_MAX], n[8];
	long ref_forks, got_forks;
	int rs, cs;

	REQUIRE_ROOT();
	id.uid = NPROC_UID;
	snprintf(n, sizeof(n), "%d", LU_PROBE_FORKS);
	/* this process is root's: not limited; its children as NPROC_UID are */
	ASSERT_EQ(0, setrlimit(RLIMIT_NPROC, &rl));
	ASSERT_EQ(0, lu_ref_probe(&id, NULL, self->prog, "nproc", n, ref, sizeof(ref), &rs));
	ASSERT_EQ(0, credo_probe(variant->overridden, &id, NULL, self->prog, "nproc", n,
				 got, sizeof(got), &cs));
	EXPECT_EQ(0, rs);
	EXPECT_EQ(0, cs);
	ref_forks = lu_value(ref, "forks");
	got_forks = lu_value(got, "forks");
	TH_LOG("RLIMIT_NPROC %d: forks of %d that succeeded: reference %ld, credo_spawn_as %ld",
	       NPROC_LIMIT, LU_PROBE_FORKS, ref_forks, got_forks);
	EXPECT_LE(0, ref_forks) SHOW_PROBES(ref, got);
	EXPECT_GT(LU_PROBE_FORKS, ref_forks) SHOW_PROBES(ref, got);
	EXPECT_EQ(ref_forks, got_forks) SHOW_PROBES(ref, got);
	EXPECT_EQ(lu_value(ref, "errno"), lu_value(got, "errno")) SHOW_PROBES(ref, got);
}

/*
 * The one documented difference (libcredo(3), NOTES): while the spawn runs,
 * the helper thread is one of the user's processes, so a user one process
 * below its RLIMIT_NPROC gets EAGAIN where the reference starts the child.
 * Here: a limit of 1 and no process of the user.
 */
TEST_F(spawn, rlimit_nproc_helper_counts_while_spawning)
{
	struct rlimit rl = { .rlim_cur = 1, .rlim_max = 1 };
	struct lu_identity id = probe_id;
	char ref[LU_OUT_MAX], got[LU_OUT_MAX];
	int r, rs, cs;

	REQUIRE_ROOT();
	id.uid = NPROC_UID + 1;
	ASSERT_EQ(0, setrlimit(RLIMIT_NPROC, &rl));
	ASSERT_EQ(0, lu_ref_probe(&id, NULL, self->prog, "dumpable", NULL, ref, sizeof(ref),
				  &rs));
	EXPECT_EQ(0, rs);
	EXPECT_EQ(1, lu_value(ref, "dumpable"));
	r = credo_probe(variant->overridden, &id, NULL, self->prog, "dumpable", NULL, got,
			sizeof(got), &cs);
	TH_LOG("RLIMIT_NPROC 1: reference child ran (%d), credo_spawn_as %d", rs, r);
	EXPECT_EQ(-EAGAIN, r) TH_LOG("credo_spawn_as child printed: %s", got);
}

TEST_F(spawn, dumpable_after_exec_matches_reference)
{
	char ref[LU_OUT_MAX], got[LU_OUT_MAX], xonly[PATH_MAX];
	const char *progs[2];
	int i, rs, cs, sd = lu_suid_dumpable();

	REQUIRE_ROOT();
	/* a copy the user may execute but not read: exec makes it non-dumpable */
	snprintf(xonly, sizeof(xonly), "%s/probe-xonly", self->dir);
	ASSERT_EQ(0, lu_copy_file(self->prog, xonly, 0711));
	progs[0] = self->prog;
	progs[1] = xonly;
	for (i = 0; i < 2; i++) {
		long rd, gd;

		ASSERT_EQ(0, lu_ref_probe(&probe_id, NULL, progs[i], "dumpable", NULL, ref,
					  sizeof(ref), &rs));
		ASSERT_EQ(0, credo_probe(variant->overridden, &probe_id, NULL, progs[i],
					 "dumpable", NULL, got, sizeof(got), &cs));
		EXPECT_EQ(0, rs);
		EXPECT_EQ(0, cs);
		rd = lu_value(ref, "dumpable");
		gd = lu_value(got, "dumpable");
		TH_LOG("%s (suid_dumpable %d): dumpable reference %ld, credo_spawn_as %ld",
		       i ? "exec-only copy" : "readable probe", sd, rd, gd);
		if (i == 0) {
			EXPECT_EQ(1, rd);
		} else if (sd >= 0 && sd != 1) {
			EXPECT_EQ(sd, rd);
		}
		EXPECT_EQ(rd, gd) SHOW_PROBES(ref, got);
	}
}

TEST_F(spawn, file_actions_run_as_user)
{
	char secret[PATH_MAX], grp[PATH_MAX], wdir[PATH_MAX], made[2][PATH_MAX + 16];
	char ref[LU_OUT_MAX], got[LU_OUT_MAX];
	char *argv[] = { self->prog, LU_PROBE_ARG, "ids", NULL };
	posix_spawn_file_actions_t fa;
	struct lu_open_action act;
	struct stat st;
	int fd, i, r, rs, cs;
	pid_t pid;

	REQUIRE_ROOT();
	snprintf(secret, sizeof(secret), "%s/secret", self->dir);
	snprintf(grp, sizeof(grp), "%s/group-4300", self->dir);
	snprintf(wdir, sizeof(wdir), "%s/w", self->dir);
	fd = open(secret, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	fd = open(grp, O_CREAT | O_WRONLY | O_CLOEXEC, 0640);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, chown(grp, 0, 4300));
	ASSERT_EQ(0, mkdir(wdir, 0777));
	ASSERT_EQ(0, chmod(wdir, 0777));

	/* control: the same action as root opens the file, so the action does run */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 3, secret, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	ASSERT_EQ(0, posix_spawn(&pid, self->prog, &fa, NULL, argv, NULL));
	posix_spawn_file_actions_destroy(&fa);
	EXPECT_EQ(0, lu_wait(pid));

	/* a file only root can open: the spawn fails as the reference's open does */
	act = (struct lu_open_action){ 3, secret, O_RDONLY, 0 };
	rs = lu_ref_probe(&probe_id, &act, self->prog, "ids", NULL, ref, sizeof(ref), &i);
	r = credo_probe(variant->overridden, &probe_id, &act, self->prog, "ids", NULL,
			got, sizeof(got), &cs);
	EXPECT_EQ(-EACCES, rs);
	EXPECT_EQ(rs, r) TH_LOG("open of a root 0600 file: reference %d, credo_spawn_as %d",
				rs, r);

	/* a file of a supplementary group: the action has the user's groups */
	act = (struct lu_open_action){ 3, grp, O_RDONLY, 0 };
	rs = lu_ref_probe(&probe_id, &act, self->prog, "ids", NULL, ref, sizeof(ref), &i);
	r = credo_probe(variant->overridden, &probe_id, &act, self->prog, "ids", NULL,
			got, sizeof(got), &cs);
	EXPECT_EQ(0, rs);
	EXPECT_EQ(rs, r) TH_LOG("open of a root:4300 0640 file: reference %d, credo_spawn_as %d",
				rs, r);

	/* a file the action creates belongs to the user, as the reference's does */
	for (i = 0; i < 2; i++) {
		snprintf(made[i], sizeof(made[i]), "%s/%s", wdir, i ? "credo" : "reference");
		act = (struct lu_open_action){ 3, made[i], O_WRONLY | O_CREAT | O_EXCL, 0644 };
		if (i)
			r = credo_probe(variant->overridden, &probe_id, &act, self->prog, "ids",
					NULL, got, sizeof(got), &cs);
		else
			r = lu_ref_probe(&probe_id, &act, self->prog, "ids", NULL, ref,
					 sizeof(ref), &rs);
		EXPECT_EQ(0, r) TH_LOG("%s", made[i]);
		ASSERT_EQ(0, stat(made[i], &st)) TH_LOG("%s", made[i]);
		TH_LOG("created by the %s: owner %u:%u", i ? "credo_spawn_as action" :
		       "reference", (unsigned int)st.st_uid, (unsigned int)st.st_gid);
		EXPECT_EQ(probe_id.uid, st.st_uid);
		EXPECT_EQ(probe_id.gid, st.st_gid);
	}
}

/* What the calling thread is: ids, groups, override state, caps, securebits, signal mask. */
struct caller_snap {
	struct lu_ids t;
	struct credo_state st;
	gid_t groups[LU_MAX_GROUPS];
	char status[LU_OUT_MAX];
	int securebits;
	sigset_t mask;
};

static void take_snap(struct __test_metadata *_metadata, struct caller_snap *s)
{
	memset(s, 0, sizeof(*s));
	ASSERT_EQ(0, lu_thread_ids(&s->t));
	ASSERT_EQ(0, credo_get(&s->st, s->groups, LU_MAX_GROUPS));
	ASSERT_EQ(0, lu_status_lines("/proc/thread-self/status", s->status,
				     sizeof(s->status)));
	s->securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	ASSERT_EQ(0, pthread_sigmask(SIG_SETMASK, NULL, &s->mask));
}

static void expect_same_snap(struct __test_metadata *_metadata, const char *when,
			     const struct caller_snap *a, const struct caller_snap *b)
{
	EXPECT_EQ(a->st.overridden, b->st.overridden) TH_LOG("%s", when);
	EXPECT_EQ(a->st.euid, b->st.euid) TH_LOG("%s", when);
	EXPECT_EQ(a->st.fsuid, b->st.fsuid) TH_LOG("%s", when);
	EXPECT_EQ(a->st.egid, b->st.egid) TH_LOG("%s", when);
	EXPECT_EQ(a->st.ngroups, b->st.ngroups) TH_LOG("%s", when);
	EXPECT_EQ(0, memcmp(&a->st, &b->st, sizeof(a->st))) TH_LOG("%s: CREDO_IOC_GET", when);
	EXPECT_EQ(0, memcmp(a->groups, b->groups, sizeof(a->groups))) TH_LOG("%s", when);
	EXPECT_EQ(0, memcmp(&a->t, &b->t, sizeof(a->t))) TH_LOG("%s: getres[ug]id", when);
	EXPECT_STREQ(a->status, b->status) TH_LOG("%s: /proc/thread-self/status", when);
	EXPECT_EQ(a->securebits, b->securebits) TH_LOG("%s", when);
	EXPECT_EQ(0, memcmp(&a->mask, &b->mask, sizeof(a->mask))) TH_LOG("%s: mask", when);
}

TEST_F(spawn, caller_state_unchanged)
{
	struct caller_snap *root0, *before, *after;
	struct credo_ids ids, bad;
	gid_t g[LU_MAX_GROUPS];
	char *argv[] = { self->prog, LU_PROBE_ARG, "ids", NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;

	REQUIRE_ROOT();
	root0 = calloc(3, sizeof(*root0));
	ASSERT_NE(NULL, root0);
	before = root0 + 1;
	after = root0 + 2;
	to_credo_ids(&probe_id, &ids, g);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);

	take_snap(_metadata, root0);
	EXPECT_EQ(0, root0->st.overridden);
	if (variant->overridden)
		ASSERT_EQ(0, credo_override(&caller_ids));
	take_snap(_metadata, before);
	EXPECT_EQ(variant->overridden, before->st.overridden);

	ASSERT_EQ(0, credo_spawn_as(&pid, &ids, self->prog, &fa, NULL, argv, NULL, 0));
	take_snap(_metadata, after);
	expect_same_snap(_metadata, "after a spawn", before, after);
	TH_LOG("caller overridden before: %d, after: %d", before->st.overridden,
	       after->st.overridden);

	/* a failed spawn and refused ids leave it as it was too */
	EXPECT_EQ(-ENOENT, credo_spawn_as(&pid, &ids, "/nonexistent/credo-prog", &fa, NULL,
					  argv, NULL, 0));
	take_snap(_metadata, after);
	expect_same_snap(_metadata, "after a failed spawn", before, after);
	bad = ids;
	bad.uid = (uid_t)-1;
	EXPECT_EQ(-EINVAL, credo_spawn_as(&pid, &bad, self->prog, &fa, NULL, argv, NULL, 0));
	take_snap(_metadata, after);
	expect_same_snap(_metadata, "after refused ids", before, after);

	if (variant->overridden) {
		ASSERT_EQ(0, credo_revert());
		take_snap(_metadata, after);
		expect_same_snap(_metadata, "after the caller's revert", root0, after);
	}
	posix_spawn_file_actions_destroy(&fa);
	EXPECT_EQ(0, lu_wait(pid));
	free(root0);
}

/*
 * The helper thread's switch goes through commit_creds(): the process is
 * non-dumpable afterwards (per fs.suid_dumpable), which is what keeps the user
 * from ptracing the CLONE_VM child before it execs.
 */
TEST_F(spawn, process_not_dumpable_after_spawn)
{
	char got[LU_OUT_MAX];
	int sd = lu_suid_dumpable(), cs;

	REQUIRE_ROOT();
	if (sd == 1)
		SKIP(return, "fs.suid_dumpable is 1: set*id keeps processes dumpable");
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	ASSERT_EQ(0, credo_probe(variant->overridden, &probe_id, NULL, self->prog, "dumpable",
				 NULL, got, sizeof(got), &cs));
	EXPECT_EQ(sd, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)) TH_LOG("suid_dumpable %d", sd);
	/* a test restores it itself */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
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

/* ---- credential handles ------------------------------------------------------------ */

/* The identity of the handle tests (no process of the guest has it). */
static const gid_t hgroups[] = { 4713, 4300 };
static const unsigned int hgroups_sorted[] = { 4300, 4713 };
static const struct credo_ids hids = {
	.uid = 4711, .gid = 4712, .ngroups = 2, .groups = hgroups,
};

/* What /proc/self/fd/N links to ("" if nothing). */
static void fd_link(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
}

/* Open descriptors of this process. */
static int count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;	/* the directory's own */
}

/* A handle with explicit capability sets, minted with the raw ioctl (the library has none). */
static int mint_with_caps(__u64 eff, __u64 prm)
{
	struct credo_cred c;
	int dev = credo_fd(), r;

	if (dev < 0)
		return dev;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = CREDO_CRED_CAPS;
	c.uid = c.euid = c.suid = c.fsuid = 4711;
	c.gid = c.egid = c.sgid = c.fsgid = 4712;
	c.cap_effective = eff;
	c.cap_permitted = prm;
	r = ioctl(dev, CREDO_IOC_HANDLE, &c);
	return r < 0 ? -errno : r;
}

TEST(handle_strerror)
{
	EXPECT_NE(NULL, strstr(credo_strerror(-EKEYREVOKED), "revoked"));
	EXPECT_NE(NULL, strstr(credo_strerror(-ENOTTY), "credo handle"));
	EXPECT_NE(NULL, strstr(credo_strerror(-EBADMSG), "no descriptor"));
}

/* Checks that need no module: bad descriptors and bad arguments. */
TEST(handle_bad_descriptors)
{
	struct credo_handle_info info;
	struct credo_state st;
	int p[2], null;

	EXPECT_EQ(-EBADF, credo_handle_assume(-1));
	EXPECT_EQ(-EBADF, credo_handle_get(-1, &info, NULL, 0));
	EXPECT_EQ(-EBADF, credo_handle_revoke(-1));
	EXPECT_EQ(-EBADF, credo_revert_fd(-1));
	EXPECT_EQ(-EBADF, credo_get_fd(-1, &st, NULL, 0));
	EXPECT_EQ(-EBADF, credo_handle_send(-1, 0));
	EXPECT_EQ(-EBADF, credo_handle_recv(-1));
	/* a closed descriptor */
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(-EBADF, credo_handle_assume(p[0]));
	EXPECT_EQ(-EBADF, credo_handle_get(p[0], &info, NULL, 0));
	/* descriptors that are not handles */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	EXPECT_EQ(-ENOTTY, credo_handle_assume(null));
	EXPECT_EQ(-ENOTTY, credo_handle_get(null, &info, NULL, 0));
	EXPECT_EQ(-ENOTTY, credo_handle_revoke(null));
	EXPECT_EQ(-ENOTTY, credo_revert_fd(null));
	EXPECT_EQ(-ENOTTY, credo_get_fd(null, &st, NULL, 0));
	EXPECT_EQ(-EINVAL, credo_handle_get(null, NULL, NULL, 0));
	EXPECT_EQ(-EINVAL, credo_handle_get(null, &info, NULL, 4));
	EXPECT_EQ(-EINVAL, credo_get_fd(null, NULL, NULL, 0));
	/* sending on something that is not a socket */
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	EXPECT_EQ(-ENOTSOCK, credo_handle_send(p[1], null));
	EXPECT_EQ(-ENOTSOCK, credo_handle_recv(p[0]));
	close(p[0]);
	close(p[1]);
	close(null);
	EXPECT_EQ(-EINVAL, credo_handle_mint(NULL));
	EXPECT_EQ(-ESRCH, credo_handle_mint_user("credo-no-such-user"));
}

/* Without root the device does not open (0600) or the mint is refused. */
TEST(handle_mint_unprivileged)
{
	int r;

	if (lu_start_euid == 0)
		SKIP(return, "runs as the unprivileged user only");
	r = credo_handle_mint(&hids);
	EXPECT_TRUE(r == -EACCES || r == -EPERM) TH_LOG("mint: %d", r);
}

TEST(handle_mint_assume_revert)
{
	const gid_t other_g[] = { 2003 };
	const struct credo_ids other = { .uid = 2001, .gid = 2002, .ngroups = 1,
					 .groups = other_g };
	struct credo_handle_info info;
	struct lu_ids before, after;
	struct credo_state st;
	gid_t groups[8];
	char link[128];
	int h, h2, dev;

	REQUIRE_ROOT();
	ASSERT_EQ(0, lu_thread_ids(&before));
	h = credo_handle_mint(&hids);
	ASSERT_LE(0, h) TH_LOG("mint: %s", credo_strerror(h));
	dev = credo_fd();
	EXPECT_NE(dev, h);
	EXPECT_EQ(FD_CLOEXEC, fcntl(h, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(h, F_GETFL) & O_ACCMODE);
	fd_link(h, link, sizeof(link));
	EXPECT_STREQ("anon_inode:[credo-handle]", link);
	/* minting does not touch the minter */
	expect_not_overridden(_metadata);

	ASSERT_EQ(0, credo_handle_assume(h));
	expect_thread_ids(_metadata, 4711, 4712, hgroups_sorted, 2);
	/* GET through the handle and through the device agree */
	ASSERT_EQ(0, credo_get_fd(h, &st, groups, 8));
	EXPECT_EQ(1, st.overridden);
	EXPECT_EQ(4711u, st.uid);
	EXPECT_EQ(4711u, st.fsuid);
	EXPECT_EQ(4712u, st.egid);
	EXPECT_EQ(4712u, st.fsgid);
	EXPECT_EQ(2u, st.ngroups);
	EXPECT_EQ(4300u, groups[0]);
	EXPECT_EQ(4713u, groups[1]);
	/* leaving uid 0: no capability, as setresuid() would leave */
	EXPECT_EQ(0u, st.cap_effective);
	EXPECT_EQ(0u, st.cap_permitted);
	ASSERT_EQ(0, credo_get_fd(dev, &st, NULL, 0));
	EXPECT_EQ(1, st.overridden);
	EXPECT_EQ(4711u, st.euid);

	/* revert through the handle: the thread is itself again; twice is 0 */
	ASSERT_EQ(0, credo_revert_fd(h));
	ASSERT_EQ(0, lu_thread_ids(&after));
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));
	expect_not_overridden(_metadata);
	EXPECT_EQ(0, credo_revert_fd(h));
	ASSERT_EQ(0, credo_get_fd(h, &st, NULL, 0));
	EXPECT_EQ(0, st.overridden);

	/* assume replaces an override; an override replaces an assume */
	ASSERT_EQ(0, credo_override(&other));
	expect_thread_ids(_metadata, 2001, 2002, (const unsigned int[]){ 2003 }, 1);
	ASSERT_EQ(0, credo_handle_assume(h));
	expect_thread_ids(_metadata, 4711, 4712, hgroups_sorted, 2);
	ASSERT_EQ(0, credo_override(&other));
	expect_thread_ids(_metadata, 2001, 2002, (const unsigned int[]){ 2003 }, 1);

	/* minting while overridden: judged on the thread's own credentials, which stay */
	h2 = credo_handle_mint(&hids);
	EXPECT_LE(0, h2) TH_LOG("mint while overridden: %s", credo_strerror(h2));
	expect_thread_ids(_metadata, 2001, 2002, (const unsigned int[]){ 2003 }, 1);
	/* the device's revert ends an assumed handle's override too */
	if (h2 >= 0) {
		ASSERT_EQ(0, credo_handle_assume(h2));
		expect_thread_ids(_metadata, 4711, 4712, hgroups_sorted, 2);
		close(h2);
	}
	ASSERT_EQ(0, credo_revert());
	expect_not_overridden(_metadata);

	/* a handle takes no request of the device, the device none of a handle */
	EXPECT_EQ(-ENOTTY, credo_handle_assume(dev));
	EXPECT_EQ(-ENOTTY, credo_handle_revoke(dev));
	EXPECT_EQ(-ENOTTY, credo_handle_get(dev, &info, NULL, 0));
	close(h);
}

TEST(handle_mint_bad_input)
{
	gid_t g = 1;
	struct credo_ids nogroups = { .uid = 1, .gid = 1, .ngroups = 2, .groups = NULL };
	struct credo_ids unmapped = { .uid = (uid_t)-1, .gid = 1, .ngroups = 1, .groups = &g };
	struct credo_ids badgroup = { .uid = 1, .gid = 1, .ngroups = 1,
				      .groups = (const gid_t[]){ (gid_t)-1 } };
	struct credo_ids toomany = { .uid = 1, .gid = 1, .ngroups = 65537, .groups = &g };
	int before;

	REQUIRE_ROOT();
	ASSERT_LE(0, credo_fd());
	before = count_fds();
	EXPECT_EQ(-EINVAL, credo_handle_mint(&nogroups));
	EXPECT_EQ(-EINVAL, credo_handle_mint(&unmapped));
	EXPECT_EQ(-EINVAL, credo_handle_mint(&badgroup));
	EXPECT_EQ(-EINVAL, credo_handle_mint(&toomany));
	/* no descriptor is left behind by a refused mint */
	EXPECT_EQ(before, count_fds());
	expect_not_overridden(_metadata);
}

TEST(handle_get)
{
	const gid_t g[] = { 9, 3, 3, 7 };
	struct credo_ids ids = { .uid = 1234, .gid = 1235, .ngroups = 4, .groups = g };
	struct credo_handle_info info;
	struct credo_state st;
	gid_t groups[8];
	int h;

	REQUIRE_ROOT();
	h = credo_handle_mint(&ids);
	ASSERT_LE(0, h) TH_LOG("mint: %s", credo_strerror(h));
	memset(groups, 0xff, sizeof(groups));
	ASSERT_EQ(0, credo_handle_get(h, &info, groups, 8));
	EXPECT_EQ(1234u, info.uid);
	EXPECT_EQ(1234u, info.euid);
	EXPECT_EQ(1234u, info.suid);
	EXPECT_EQ(1234u, info.fsuid);
	EXPECT_EQ(1235u, info.gid);
	EXPECT_EQ(1235u, info.egid);
	EXPECT_EQ(1235u, info.sgid);
	EXPECT_EQ(1235u, info.fsgid);
	/* the normalized list: sorted, without repeats */
	EXPECT_EQ(3u, info.ngroups);
	EXPECT_EQ(3u, groups[0]);
	EXPECT_EQ(7u, groups[1]);
	EXPECT_EQ(9u, groups[2]);
	EXPECT_EQ((gid_t)-1, groups[3]);
	EXPECT_EQ(0, info.has_caps);
	EXPECT_EQ(0u, info.cap_effective);
	/* a short buffer gets the real count; none at all too */
	ASSERT_EQ(0, credo_handle_get(h, &info, groups, 1));
	EXPECT_EQ(3u, info.ngroups);
	EXPECT_EQ(3u, groups[0]);
	ASSERT_EQ(0, credo_handle_get(h, &info, NULL, 0));
	EXPECT_EQ(3u, info.ngroups);
	EXPECT_EQ(1234u, info.uid);
	/* the thread is not touched */
	expect_not_overridden(_metadata);
	close(h);

	/* explicit capability sets come back with has_caps, and an assume installs them */
	h = mint_with_caps(1ULL << CAP_CHOWN, 1ULL << CAP_CHOWN);
	ASSERT_LE(0, h) TH_LOG("mint with CREDO_CRED_CAPS: %d", h);
	ASSERT_EQ(0, credo_handle_get(h, &info, NULL, 0));
	EXPECT_EQ(1, info.has_caps);
	EXPECT_EQ(1ULL << CAP_CHOWN, info.cap_effective);
	EXPECT_EQ(1ULL << CAP_CHOWN, info.cap_permitted);
	EXPECT_EQ(0u, info.cap_inheritable);
	EXPECT_EQ(0u, info.cap_ambient);
	EXPECT_EQ(4711u, info.euid);
	EXPECT_EQ(0u, info.ngroups);
	ASSERT_EQ(0, credo_handle_assume(h));
	ASSERT_EQ(0, credo_get_fd(h, &st, NULL, 0));
	EXPECT_EQ(1, st.overridden);
	EXPECT_EQ(4711u, st.euid);
	EXPECT_EQ(1ULL << CAP_CHOWN, st.cap_effective);
	ASSERT_EQ(0, credo_revert_fd(h));
	close(h);
}

TEST(handle_revoke)
{
	struct credo_handle_info info;
	struct credo_state st;
	int h, d, status;
	pid_t pid;

	REQUIRE_ROOT();
	h = credo_handle_mint(&hids);
	ASSERT_LE(0, h) TH_LOG("mint: %s", credo_strerror(h));
	d = fcntl(h, F_DUPFD_CLOEXEC, 0);
	ASSERT_LE(0, d);

	/* a thread that assumed before the revoke keeps its override */
	ASSERT_EQ(0, credo_handle_assume(h));
	ASSERT_EQ(0, credo_handle_revoke(d));
	expect_thread_ids(_metadata, 4711, 4712, hgroups_sorted, 2);
	ASSERT_EQ(0, credo_get_fd(h, &st, NULL, 0));
	EXPECT_EQ(1, st.overridden);
	ASSERT_EQ(0, credo_revert_fd(h));
	expect_not_overridden(_metadata);

	/* through the descriptor that revoked, its dup, a child's inherited copy */
	EXPECT_EQ(-EKEYREVOKED, credo_handle_assume(h));
	EXPECT_EQ(-EKEYREVOKED, credo_handle_assume(d));
	expect_not_overridden(_metadata);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(credo_handle_assume(h) == -EKEYREVOKED ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the forked child's assume was not -EKEYREVOKED");

	/* a second revoke is 0; everything else still works on it */
	EXPECT_EQ(0, credo_handle_revoke(h));
	ASSERT_EQ(0, credo_handle_get(h, &info, NULL, 0));
	EXPECT_EQ(4711u, info.uid);
	EXPECT_EQ(2u, info.ngroups);
	ASSERT_EQ(0, credo_get_fd(d, &st, NULL, 0));
	EXPECT_EQ(0, st.overridden);
	EXPECT_EQ(0, credo_revert_fd(d));
	/* an override from the device still works, and a revoked handle reverts it */
	ASSERT_EQ(0, credo_override(&hids));
	ASSERT_EQ(0, credo_revert_fd(h));
	expect_not_overridden(_metadata);
	close(h);
	close(d);

	/* another handle of the same identity is not revoked */
	h = credo_handle_mint(&hids);
	ASSERT_LE(0, h);
	EXPECT_EQ(0, credo_handle_assume(h));
	EXPECT_EQ(0, credo_revert_fd(h));
	close(h);
}

/* ---- the broker and its worker ------------------------------------------------------ */

/* What the worker saw, step by step: 0 or an errno unless said otherwise. */
struct worker_report {
	int credo_fds;		/* descriptors of /dev/credo it holds */
	int dev_open;		/* opening /dev/credo */
	unsigned int euid;
	unsigned long long cap_eff, cap_prm;
	int create_before;	/* creating made_before in the directory */
	int recv;		/* credo_handle_recv(): >= 0 or -errno */
	int assume;		/* -errno */
	int get;		/* credo_get_fd() on the handle, -errno */
	struct credo_state st;
	int create;		/* creating made */
	int read_secret;	/* opening the secret file, when there is one */
	int fork_err;		/* fork() while assumed */
	int revoke;		/* credo_handle_revoke() as the worker, -errno */
	int revert;		/* credo_revert_fd(), -errno */
	int create_after;	/* creating made_after */
	int assume_revoked;	/* after the broker revoked: credo_handle_assume(), -errno */
};

static int try_create(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/*
 * The worker, a forked child: drops to uid/gid 65534 and no groups (raw
 * syscalls: every capability goes), closes the device the library opened in
 * the parent, receives the handle from sock, assumes it, creates dir/made,
 * reverts, reports on rep; then waits for a byte on sock (the broker has
 * revoked the handle) and tries to assume again.
 */
static void worker(int sock, int rep, int dev, const char *dir, const char *secret)
{
	struct worker_report w;
	uid_t u[3];
	pid_t p;
	int h, fd;
	char c;

	memset(&w, 0, sizeof(w));
	close(dev);
	if (syscall(SYS_setgroups, 0, NULL) ||
	    syscall(SYS_setresgid, LU_NOBODY, LU_NOBODY, LU_NOBODY) ||
	    syscall(SYS_setresuid, LU_NOBODY, LU_NOBODY, LU_NOBODY))
		_exit(3);
	w.credo_fds = count_device_fds();
	fd = open("/dev/credo", O_RDWR | O_CLOEXEC);
	w.dev_open = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	syscall(SYS_getresuid, &u[0], &u[1], &u[2]);
	w.euid = u[1];
	w.cap_eff = status_mask("/proc/self/status", "CapEff:");
	w.cap_prm = status_mask("/proc/self/status", "CapPrm:");
	w.create_before = try_create(dir, "made_before");

	h = credo_handle_recv(sock);
	w.recv = h;
	if (h >= 0) {
		w.assume = credo_handle_assume(h);
		w.get = credo_get_fd(h, &w.st, NULL, 0);
		w.create = try_create(dir, "made");
		if (secret) {
			fd = open(secret, O_RDONLY | O_CLOEXEC);
			w.read_secret = fd < 0 ? errno : 0;
			if (fd >= 0)
				close(fd);
		}
		p = fork();
		if (!p)
			_exit(0);
		w.fork_err = p < 0 ? errno : 0;
		if (p > 0)
			waitpid(p, NULL, 0);
		w.revoke = credo_handle_revoke(h);
		w.revert = credo_revert_fd(h);
		w.create_after = try_create(dir, "made_after");
	}
	if (write(rep, &w, sizeof(w)) != (ssize_t)sizeof(w))
		_exit(4);
	if (h >= 0 && read(sock, &c, 1) == 1) {
		w.assume_revoked = credo_handle_assume(h);
		credo_revert_fd(h);
		if (write(rep, &w, sizeof(w)) != (ssize_t)sizeof(w))
			_exit(4);
	}
	_exit(0);
}

/* Reads one report (the worker's phase); 0 or -1. */
static int read_report(int fd, struct worker_report *w)
{
	size_t off = 0;
	ssize_t n;

	while (off < sizeof(*w)) {
		n = read(fd, (char *)w + off, sizeof(*w) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/*
 * Mints ids, forks the worker, sends it the handle over a socketpair, checks
 * what every worker must have seen (no capability, no device, nothing
 * created before the assume), then revokes and lets it try again.  The
 * first report in *w1, the second in *w2.
 */
static void broker(struct __test_metadata *_metadata, const struct credo_ids *ids,
		   const char *dir, const char *secret, struct worker_report *w1,
		   struct worker_report *w2)
{
	int sv[2], rep[2], h, dev, status;
	pid_t pid;

	dev = credo_fd();
	ASSERT_LE(0, dev);
	h = credo_handle_mint(ids);
	ASSERT_LE(0, h) TH_LOG("mint: %s", credo_strerror(h));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		close(rep[0]);
		close(h);
		worker(sv[1], rep[1], dev, dir, secret);
	}
	close(sv[1]);
	close(rep[1]);
	ASSERT_EQ(0, credo_handle_send(sv[0], h));
	ASSERT_EQ(0, read_report(rep[0], w1)) TH_LOG("no report from the worker");

	EXPECT_EQ(0, w1->credo_fds);
	EXPECT_EQ(EACCES, w1->dev_open);
	EXPECT_EQ(65534u, w1->euid);
	EXPECT_EQ(0ULL, w1->cap_eff);
	EXPECT_EQ(0ULL, w1->cap_prm);
	EXPECT_EQ(EACCES, w1->create_before);
	ASSERT_LE(0, w1->recv) TH_LOG("recv: %s", credo_strerror(w1->recv));
	ASSERT_EQ(0, w1->assume) TH_LOG("assume: %s", credo_strerror(w1->assume));
	ASSERT_EQ(0, w1->get);
	EXPECT_EQ(1, w1->st.overridden);
	EXPECT_EQ(ids->uid, w1->st.euid);
	EXPECT_EQ(ids->uid, w1->st.fsuid);
	EXPECT_EQ(ids->gid, w1->st.fsgid);
	EXPECT_EQ(ids->ngroups, w1->st.ngroups);
	/* holding the handle grants no capability */
	EXPECT_EQ(0ULL, w1->st.cap_effective);
	EXPECT_EQ(0ULL, w1->st.cap_permitted);
	EXPECT_EQ(0, w1->create) TH_LOG("create: %s", strerror(w1->create));
	EXPECT_EQ(EBUSY, w1->fork_err);
	EXPECT_EQ(-EPERM, w1->revoke);
	EXPECT_EQ(0, w1->revert);
	EXPECT_EQ(EACCES, w1->create_after);

	/* the broker revokes: the worker's copy (over SCM_RIGHTS) refuses from now on */
	ASSERT_EQ(0, credo_handle_revoke(h));
	EXPECT_EQ(-EKEYREVOKED, credo_handle_assume(h));
	ASSERT_EQ(1, write(sv[0], "r", 1));
	ASSERT_EQ(0, read_report(rep[0], w2)) TH_LOG("no second report from the worker");
	EXPECT_EQ(-EKEYREVOKED, w2->assume_revoked);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("status %d", status);
	close(sv[0]);
	close(rep[0]);
	close(h);
	expect_not_overridden(_metadata);
}

static int stat_in(const char *dir, const char *name, struct stat *st)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, st) ? -errno : 0;
}

/*
 * The worker has no capability and no device; the handle lets it create a file
 * in a directory only uid 4711 may write (mode 0700), owned 4711:4712.
 */
TEST(handle_worker_over_socket)
{
	struct worker_report w1, w2;
	char dir[64];
	struct stat st;

	REQUIRE_ROOT();
	strcpy(dir, "/tmp/credo-handle-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, chown(dir, 4711, 4712));
	ASSERT_EQ(0, chmod(dir, 0700));
	broker(_metadata, &hids, dir, NULL, &w1, &w2);
	ASSERT_EQ(0, stat_in(dir, "made", &st));
	TH_LOG("created by the worker through the handle: owner %u:%u",
	       (unsigned int)st.st_uid, (unsigned int)st.st_gid);
	EXPECT_EQ(4711u, st.st_uid);
	EXPECT_EQ(4712u, st.st_gid);
	EXPECT_EQ(-ENOENT, stat_in(dir, "made_before", &st));
	EXPECT_EQ(-ENOENT, stat_in(dir, "made_after", &st));
	lu_rm_tree(dir);
}

/*
 * A handle for uid 0 hands out root's file ownership, no capability: the worker
 * creates a file owned 0:0 in root's 0755 directory, but cannot read a file of
 * uid 4711 mode 0600 (that would need CAP_DAC_OVERRIDE), and cannot fork.
 */
TEST(handle_uid0_is_ownership_not_capability)
{
	const struct credo_ids root_ids = { .uid = 0, .gid = 0 };
	struct worker_report w1, w2;
	char dir[64], secret[PATH_MAX];
	struct stat st;
	int fd;

	REQUIRE_ROOT();
	strcpy(dir, "/tmp/credo-handle0-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, chmod(dir, 0755));
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	fd = open(secret, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, chown(secret, 4711, 4712));
	broker(_metadata, &root_ids, dir, secret, &w1, &w2);
	EXPECT_EQ(0u, w1.st.euid);
	EXPECT_EQ(EACCES, w1.read_secret);
	ASSERT_EQ(0, stat_in(dir, "made", &st));
	TH_LOG("created by the uid-0 worker: owner %u:%u", (unsigned int)st.st_uid,
	       (unsigned int)st.st_gid);
	EXPECT_EQ(0u, st.st_uid);
	EXPECT_EQ(0u, st.st_gid);
	lu_rm_tree(dir);
}

TEST_F(users, handle_mint_user)
{
	struct credo_handle_info info;
	struct lu_expect e;
	gid_t groups[LU_MAX_GROUPS];
	unsigned int k;
	int h;

	REQUIRE_ROOT();
	ASSERT_EQ(0, lu_expected("credoalice", &e));
	h = credo_handle_mint_user("credoalice");
	ASSERT_LE(0, h) TH_LOG("mint_user: %s", credo_strerror(h));
	ASSERT_EQ(0, credo_handle_get(h, &info, groups, LU_MAX_GROUPS));
	EXPECT_EQ(e.uid, info.uid);
	EXPECT_EQ(e.uid, info.fsuid);
	EXPECT_EQ(e.gid, info.gid);
	EXPECT_EQ(e.gid, info.fsgid);
	ASSERT_EQ(e.ngroups, info.ngroups);
	for (k = 0; k < e.ngroups; k++)
		EXPECT_EQ(e.groups[k], groups[k]) TH_LOG("group %u", k);
	EXPECT_EQ(3u, info.ngroups);
	ASSERT_EQ(0, credo_handle_assume(h));
	expect_thread_ids(_metadata, e.uid, e.gid, e.groups, e.ngroups);
	ASSERT_EQ(0, credo_revert_fd(h));
	close(h);
	EXPECT_EQ(-ESRCH, credo_handle_mint_user("credo-no-such-user"));
}

/* ---- send and receive: any descriptor, no module needed ---------------------------- */

/* The same open file: device and inode agree. */
static int same_file(int a, int b)
{
	struct stat x, y;

	return !fstat(a, &x) && !fstat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* sendmsg() of one byte with n descriptors. */
static int send_fds(int sock, const int *fds, int n)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} u;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = CMSG_SPACE((size_t)n * sizeof(int)) };
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (size_t)n * sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

TEST(handle_send_recv)
{
	int sv[2], p[2], three[3], fd, before;
	char c = 0;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	/* a round trip: the received descriptor is the same pipe, close-on-exec */
	ASSERT_EQ(0, credo_handle_send(sv[0], p[1]));
	fd = credo_handle_recv(sv[1]);
	ASSERT_LE(0, fd) TH_LOG("recv: %s", credo_strerror(fd));
	EXPECT_NE(p[1], fd);
	EXPECT_TRUE(same_file(fd, p[1]));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(1, write(fd, "k", 1));
	ASSERT_EQ(1, read(p[0], &c, 1));
	EXPECT_EQ('k', c);
	close(fd);

	/* one byte without a descriptor */
	ASSERT_EQ(1, write(sv[0], "x", 1));
	EXPECT_EQ(-EBADMSG, credo_handle_recv(sv[1]));

	/* three descriptors in one message: the first is returned, the others closed */
	three[0] = p[0];
	three[1] = p[1];
	three[2] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, three[2]);
	ASSERT_EQ(0, send_fds(sv[0], three, 3));
	before = count_fds();
	fd = credo_handle_recv(sv[1]);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(same_file(fd, p[0]));
	EXPECT_EQ(before + 1, count_fds()) TH_LOG("the extra descriptors are not closed");
	close(fd);
	close(three[2]);

	/* the peer closed: end of file */
	close(sv[0]);
	EXPECT_EQ(-ECONNRESET, credo_handle_recv(sv[1]));
	close(sv[1]);

	/* sending to a peer that is gone: -EPIPE, and no SIGPIPE kills this process */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	close(sv[1]);
	EXPECT_EQ(-EPIPE, credo_handle_send(sv[0], p[0]));
	close(sv[0]);

	/* a datagram socketpair works the same */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, credo_handle_send(sv[0], p[0]));
	fd = credo_handle_recv(sv[1]);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(same_file(fd, p[0]));
	close(fd);
	close(sv[0]);
	EXPECT_EQ(-ECONNRESET, credo_handle_recv(sv[1]));
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

/* A descriptor arrives but cannot be installed (RLIMIT_NOFILE): MSG_CTRUNC, -EMFILE. */
TEST(handle_recv_table_full)
{
	struct rlimit old, rl;
	int sv[2], null, fd, lowest, r;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, credo_handle_send(sv[0], null));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	/* the lowest free descriptor: every one below it is open */
	lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, lowest);
	close(lowest);
	rl = old;
	rl.rlim_cur = (rlim_t)lowest;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	r = credo_handle_recv(sv[1]);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_EQ(-1, fd) TH_LOG("the table was not full");
	EXPECT_EQ(-EMFILE, r);
	if (r >= 0)
		close(r);
	/* the message was consumed: the next one is received */
	ASSERT_EQ(0, credo_handle_send(sv[0], null));
	fd = credo_handle_recv(sv[1]);
	EXPECT_LE(0, fd);
	EXPECT_TRUE(same_file(fd, null));
	if (fd >= 0)
		close(fd);
	close(sv[0]);
	close(sv[1]);
	close(null);
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

/* A signal (no SA_RESTART) while credo_handle_recv() waits: it waits on. */
TEST(handle_recv_retries_eintr)
{
	struct sigaction sa, old;
	int sv[2], fd, status;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
	usr1_seen = 0;
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[1]);
		usleep(300000);
		kill(getppid(), SIGUSR1);
		usleep(300000);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		_exit(credo_handle_send(sv[0], fd) ? 1 : 0);
	}
	close(sv[0]);
	fd = credo_handle_recv(sv[1]);
	EXPECT_LE(0, fd) TH_LOG("recv: %s", credo_strerror(fd));
	EXPECT_EQ(1, usr1_seen);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	if (fd >= 0)
		close(fd);
	close(sv[1]);
	sigaction(SIGUSR1, &old, NULL);
}

TEST_HARNESS_MAIN

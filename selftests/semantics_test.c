// SPDX-License-Identifier: GPL-2.0
/*
 * How an overridden thread looks from outside and what it leaves behind (brief section 4):
 * other processes signalling, ptracing or reading /proc of it see its own (objective)
 * identity; files it opens are opened as the override identity and keep working after the
 * revert, all of them sharing the one coalesced cred; io_uring requests it submits run as the
 * override identity (io_uring workers and SQPOLL threads themselves, and fork/exec: escape_test).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/credo.h>
#include <linux/io_uring.h>

#include "credo_harness.h"
#include "credo_test.h"
#include "uring.h"

#define TARGET_UID 4242
#define TARGET_GID 4243

static int override_to(__u32 uid, __u32 gid)
{
	return credo_override_as(uid, gid, &gid, 1);
}

static int revert(void)
{
	return ioctl(dev_fd, CREDO_IOC_REVERT) ? -errno : 0;
}

/* The four ids of a "Uid:" or "Gid:" line of /proc/<pid>/task/<tid>/status. */
static int proc_ids(pid_t pid, pid_t tid, const char *key, long ids[4])
{
	char path[96], line[256];
	size_t klen = strlen(key);
	int found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) &&
		    sscanf(line + klen, "%ld %ld %ld %ld", &ids[0], &ids[1], &ids[2], &ids[3]) == 4) {
			found = 0;
			break;
		}
	fclose(f);
	return found;
}

/* ---- a thread that stays overridden until told to revert ------------------------------ */

struct parked {
	pthread_t thread;
	pid_t tid;
	int ready[2], go[2];
	long own_euid;		/* what the thread itself sees */
	pid_t victim;		/* a root process the overridden thread tries to signal */
	int kill_err;		/* its errno, 0 on success */
	int kill_err_after;	/* the same after the revert */
};

static void *parked_main(void *arg)
{
	struct parked *p = arg;
	char c = 'y';

	p->tid = syscall(SYS_gettid);
	if (override_to(TARGET_UID, TARGET_GID))
		c = 'n';
	p->own_euid = syscall(SYS_geteuid);
	p->kill_err = kill(p->victim, 0) ? errno : 0;
	if (write(p->ready[1], &c, 1) != 1)
		return NULL;
	if (read(p->go[0], &c, 1) != 1)
		return NULL;
	revert();
	p->kill_err_after = kill(p->victim, 0) ? errno : 0;
	return NULL;
}

static int park(struct parked *p)
{
	char c = 0;

	if (pipe(p->ready) || pipe(p->go))
		return -1;
	if (pthread_create(&p->thread, NULL, parked_main, p))
		return -1;
	if (read(p->ready[0], &c, 1) != 1 || c != 'y')
		return -1;
	return 0;
}

static void unpark(struct parked *p)
{
	if (write(p->go[1], "x", 1) == 1)
		pthread_join(p->thread, NULL);
	close(p->ready[0]);
	close(p->ready[1]);
	close(p->go[0]);
	close(p->go[1]);
}

/*
 * Another process, running as the override identity, targets the overridden thread: the
 * thread's own identity is root, so signals and ptrace are denied and /proc shows root.
 */
TEST(other_processes_see_the_threads_own_identity)
{
	struct parked p = { 0 };
	long uids[4], gids[4], res[6];
	int rp[2], status, i;
	pid_t victim, prober;

	REQUIRE_CREDO();
	victim = fork();
	ASSERT_LE(0, victim);
	if (victim == 0) {
		pause();
		_exit(0);
	}
	p.victim = victim;
	ASSERT_EQ(0, park(&p));

	/* The thread itself sees the override. */
	EXPECT_EQ(TARGET_UID, p.own_euid);
	/* Acting outward, it uses the override identity: a root process refuses its signal. */
	EXPECT_EQ(EPERM, p.kill_err);

	/* /proc, read by root: the thread's own credentials. */
	ASSERT_EQ(0, proc_ids(getpid(), p.tid, "Uid:", uids));
	ASSERT_EQ(0, proc_ids(getpid(), p.tid, "Gid:", gids));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, uids[i]);
		EXPECT_EQ(0, gids[i]);
	}

	/* A process running as TARGET_UID (the override identity) tries to reach it. */
	ASSERT_EQ(0, pipe(rp));
	prober = fork();
	ASSERT_LE(0, prober);
	if (prober == 0) {
		long ids[4] = { -1, -1, -1, -1 };

		if (syscall(SYS_setresgid, TARGET_GID, TARGET_GID, TARGET_GID) ||
		    syscall(SYS_setresuid, TARGET_UID, TARGET_UID, TARGET_UID))
			_exit(2);
		res[0] = syscall(SYS_tgkill, getppid(), p.tid, 0) ? errno : 0;
		res[1] = syscall(SYS_tgkill, getppid(), p.tid, SIGUSR1) ? errno : 0;
		res[2] = ptrace(PTRACE_ATTACH, p.tid, 0, 0) ? errno : 0;
		res[3] = ptrace(PTRACE_SEIZE, p.tid, 0, 0) ? errno : 0;
		res[4] = proc_ids(getppid(), p.tid, "Uid:", ids) ? -1 : ids[1];
		res[5] = proc_ids(getppid(), p.tid, "Uid:", ids) ? -1 : ids[0];
		if (write(rp[1], res, sizeof(res)) != sizeof(res))
			_exit(3);
		_exit(0);
	}
	close(rp[1]);
	ASSERT_EQ((ssize_t)sizeof(res), read(rp[0], res, sizeof(res)));
	ASSERT_EQ(prober, waitpid(prober, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(EPERM, res[0]) TH_LOG("tgkill(0) from the override uid: %ld", res[0]);
	EXPECT_EQ(EPERM, res[1]) TH_LOG("tgkill(SIGUSR1) from the override uid: %ld", res[1]);
	EXPECT_EQ(EPERM, res[2]) TH_LOG("PTRACE_ATTACH from the override uid: %ld", res[2]);
	EXPECT_EQ(EPERM, res[3]) TH_LOG("PTRACE_SEIZE from the override uid: %ld", res[3]);
	EXPECT_EQ(0, res[4]);
	EXPECT_EQ(0, res[5]);

	unpark(&p);
	/* Reverted, the same thread may signal the root process again. */
	EXPECT_EQ(0, p.kill_err_after);
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
}

/* ---- files --------------------------------------------------------------------------------- */

struct file_result {
	const char *dir;
	int fd;			/* created while overridden, left open */
	int err_root_only;	/* errno opening a root-only file while overridden */
	struct stat st, st_dir;
	int mkdir_rc, create_rc;
	long write_after;	/* write to fd after the revert */
};

static void *files_overridden(void *arg)
{
	struct file_result *r = arg;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/root-only", r->dir);
	if (override_to(TARGET_UID, TARGET_GID))
		return (void *)1;
	snprintf(path, sizeof(path), "%s/created", r->dir);
	r->fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	r->create_rc = r->fd < 0 ? errno : 0;
	if (r->fd >= 0)
		fstat(r->fd, &r->st);
	snprintf(path, sizeof(path), "%s/subdir", r->dir);
	r->mkdir_rc = mkdir(path, 0700) ? errno : 0;
	stat(path, &r->st_dir);
	snprintf(path, sizeof(path), "%s/root-only", r->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r->err_root_only = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	revert();
	r->write_after = r->fd >= 0 ? write(r->fd, "after", 5) : -1;
	return NULL;
}

TEST(files_opened_while_overridden_belong_to_the_override_identity)
{
	char dir[] = "/tmp/credo-files-XXXXXX", path[256];
	struct file_result r = { .fd = -1 };
	struct stat st;
	void *ret;
	pthread_t t;
	int fd;

	REQUIRE_CREDO();
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, chmod(dir, 0777));
	snprintf(path, sizeof(path), "%s/root-only", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	r.dir = dir;
	ASSERT_EQ(0, pthread_create(&t, NULL, files_overridden, &r));
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	EXPECT_EQ(0, r.create_rc);
	EXPECT_EQ(TARGET_UID, (long)r.st.st_uid);
	EXPECT_EQ(TARGET_GID, (long)r.st.st_gid);
	EXPECT_EQ(0, r.mkdir_rc);
	EXPECT_EQ(TARGET_UID, (long)r.st_dir.st_uid);
	EXPECT_EQ(TARGET_GID, (long)r.st_dir.st_gid);
	EXPECT_EQ(EACCES, r.err_root_only);
	/* The descriptor keeps working after the revert, from this (root) thread too. */
	EXPECT_EQ(5, r.write_after);
	EXPECT_EQ(6, write(r.fd, "+other", 6));
	ASSERT_EQ(0, fstat(r.fd, &st));
	EXPECT_EQ(11, st.st_size);
	EXPECT_EQ(TARGET_UID, (long)st.st_uid);
	close(r.fd);
	snprintf(path, sizeof(path), "%s/created", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/subdir", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/root-only", dir);
	unlink(path);
	rmdir(dir);
}

#define FILE_THREADS	64

static void *open_one(void *arg)
{
	int *fd = arg;

	if (override_to(TARGET_UID, TARGET_GID))
		return (void *)1;
	*fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	revert();
	return NULL;
}

/*
 * 64 threads, one after the other, override to one identity, open a file, revert and exit;
 * the files stay open. Every file's f_cred is the one coalesced cred: the cred objects grow
 * by about one, not by 64.
 */
TEST(files_of_many_threads_share_one_coalesced_cred)
{
	int fds[FILE_THREADS];
	long before, after;
	void *ret;
	int i;

	REQUIRE_CREDO();
	before = credo_cred_objects();
	if (before < 0)
		SKIP(return, "cred_jar is not readable in /proc/slabinfo");
	for (i = 0; i < FILE_THREADS; i++) {
		pthread_t t;

		fds[i] = -1;
		ASSERT_EQ(0, pthread_create(&t, NULL, open_one, &fds[i]));
		ASSERT_EQ(0, pthread_join(t, &ret));
		ASSERT_EQ(NULL, ret);
		ASSERT_LE(0, fds[i]);
	}
	/* The threads' own creds go after RCU grace periods; the files' one cred stays. */
	after = credo_cred_objects_settled(before + FILE_THREADS / 4 - 1);
	TH_LOG("cred objects: %ld before, %ld with %d files open", before, after, FILE_THREADS);
	EXPECT_GT(before + FILE_THREADS / 4, after);
	for (i = 0; i < FILE_THREADS; i++)
		close(fds[i]);
}

/* ---- io_uring, raw (no liburing): uring.h ------------------------------------------------ */

struct uring_result {
	struct credo_ring *ring;
	const char *dir;
	int res_inline, res_async, res_after;
};

static void *uring_overridden(void *arg)
{
	struct uring_result *u = arg;
	char path[256];

	if (override_to(TARGET_UID, TARGET_GID))
		return (void *)1;
	snprintf(path, sizeof(path), "%s/inline", u->dir);
	u->res_inline = credo_ring_openat(u->ring, path, O_CREAT | O_RDWR, 0600, 0);
	snprintf(path, sizeof(path), "%s/async", u->dir);
	u->res_async = credo_ring_openat(u->ring, path, O_CREAT | O_RDWR, 0600, IOSQE_ASYNC);
	revert();
	snprintf(path, sizeof(path), "%s/after", u->dir);
	u->res_after = credo_ring_openat(u->ring, path, O_CREAT | O_RDWR, 0600, IOSQE_ASYNC);
	return NULL;
}

/* The owner of @dir/@name, which is removed; -1 if it does not exist. */
static long take_owner(const char *dir, const char *name)
{
	char path[256];
	__u32 uid = 0, gid = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (owner_of(path, &uid, &gid))
		return -1;
	unlink(path);
	return uid;
}

/*
 * A ring set up by the (root) process; an overridden thread submits openat requests, inline
 * and forced to the io-wq worker (IOSQE_ASYNC). Both run as the override identity: io_uring
 * takes the submitter's current (subjective) credentials at submission. After the revert the
 * same ring opens as root again.
 */
TEST(io_uring_requests_run_as_the_submitters_override)
{
	char dir[] = "/tmp/credo-uring-XXXXXX";
	struct credo_ring ring;
	struct uring_result u = { .ring = &ring, .dir = dir };
	void *ret;
	pthread_t t;
	int err;

	REQUIRE_CREDO();
	err = credo_ring_setup(&ring, 8, 0, 0);
	if (err == -ENOSYS || err == -EPERM)
		SKIP(return, "io_uring not available: %s", strerror(-err));
	ASSERT_EQ(0, err);
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, chmod(dir, 0777));
	ASSERT_EQ(0, pthread_create(&t, NULL, uring_overridden, &u));
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	ASSERT_LE(0, u.res_inline) TH_LOG("inline openat: %s", strerror(-u.res_inline));
	ASSERT_LE(0, u.res_async) TH_LOG("async openat: %s", strerror(-u.res_async));
	ASSERT_LE(0, u.res_after) TH_LOG("openat after revert: %s", strerror(-u.res_after));
	EXPECT_EQ(TARGET_UID, take_owner(dir, "inline"));
	EXPECT_EQ(TARGET_UID, take_owner(dir, "async"));
	EXPECT_EQ(0, take_owner(dir, "after"));
	close(u.res_inline);
	close(u.res_async);
	close(u.res_after);
	close(ring.fd);
	rmdir(dir);
}

TEST_HARNESS_MAIN

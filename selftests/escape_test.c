// SPDX-License-Identifier: GPL-2.0
/*
 * An override never escapes its thread (brief section 4, issue 13 findings 1 and 7).
 *
 * - A thread, an io-wq worker or a SQPOLL thread created while the creator is overridden
 *   starts with the creator's own credentials; a process of the override uid, forked before
 *   any override and switched with raw setresuid, can neither read its environ or memory nor
 *   attach to it or write its memory.  io_uring requests still run as the override.
 * - fork, CLONE_VM|CLONE_VFORK, clone3 without CLONE_THREAD, posix_spawn, system, popen,
 *   execve and execveat in an overridden thread fail with EBUSY and do nothing; after the
 *   revert each works.
 * - An override that changes euid/egid/fsuid/fsgid sets the mm's dumpable flag as
 *   commit_creds() would (fs.suid_dumpable), and the revert does not restore it;
 *   PR_SET_DUMPABLE is EBUSY while overridden; a crash of an overridden thread writes no core
 *   file owned by the override uid.
 * - capget() reports the thread's own (objective) sets, CREDO_IOC_GET the override's.
 *
 * Every test logs what was refused or allowed.  All tests need root (REQUIRE_ROOT()).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/credo.h>
#include <linux/io_uring.h>

#include "credo_harness.h"
#include "credo_test.h"
#include "uring.h"

#define TARGET_UID	1000
#define TARGET_GID	1000

#define SUID_DUMPABLE	"/proc/sys/fs/suid_dumpable"
#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"
#define PTRACE_SCOPE	"/proc/sys/kernel/yama/ptrace_scope"

extern char **environ;

static char self_path[PATH_MAX];

/* What the prober tries to steal and to overwrite in the daemon (this process). */
static volatile char secret[32] = "credo-escape-test-secret-value";
#define POKE_ORIG	0x1111111111111111L
#define POKE_MEM	0x2222222222222222L
#define POKE_PTRACE	0x3333333333333333L
static volatile long poke_target = POKE_ORIG;

static const char *ename(int e)
{
	const char *s = e ? strerrorname_np(e) : "0";

	return s ? s : "E?";
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- sysctls ----------------------------------------------------------------------------- */

static int sysctl_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

static int sysctl_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : n < 0 ? -errno : -EIO;
}

/*
 * Yama's ptrace_scope 1 refuses PTRACE_ATTACH and /proc/PID/mem to non-ancestors whatever
 * the credentials: set it to 0 for the probe so that only credentials and dumpability decide.
 */
struct yama {
	char saved[16];
	int changed;
};

static void yama_open(struct __test_metadata *_metadata, struct yama *y)
{
	y->changed = 0;
	if (sysctl_read(PTRACE_SCOPE, y->saved, sizeof(y->saved)) || !strcmp(y->saved, "0"))
		return;
	if (sysctl_write(PTRACE_SCOPE, "0")) {
		TH_LOG("yama ptrace_scope is %s and cannot be set to 0", y->saved);
		return;
	}
	y->changed = 1;
}

static void yama_close(struct yama *y)
{
	if (y->changed)
		sysctl_write(PTRACE_SCOPE, y->saved);
}

/* ---- the prober: a process of the override uid, forked before any override -------------- */

struct probe_res {
	int become_err;		/* raw setgroups/setresgid/setresuid to the override uid */
	int environ_err;	/* 0: environ was read */
	long environ_len;
	int mem_read_err;	/* 0: the secret was read through mem */
	int mem_write_err;	/* 0: poke_target was written through mem */
	int seize_err;		/* 0: PTRACE_SEIZE succeeded */
	int stop_err;		/* after the seize: PTRACE_INTERRUPT and the stop */
	int poke_err;		/* 0: PTRACE_POKEDATA wrote poke_target */
};

struct prober {
	pid_t pid;
	int req, res;		/* pipe ends: requests (a tid) out, results in */
};

static void probe_task(pid_t pid, pid_t tid, struct probe_res *r)
{
	char path[96], buf[256];
	struct timespec t0;
	ssize_t n;
	int fd, st, i;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/environ", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r->environ_err = fd < 0 ? errno : 0;
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf));
		r->environ_err = n < 0 ? errno : 0;
		r->environ_len = n;
		close(fd);
	}

	snprintf(path, sizeof(path), "/proc/%d/task/%d/mem", pid, tid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	r->mem_read_err = r->mem_write_err = fd < 0 ? errno : 0;
	if (fd >= 0) {
		char got[sizeof(secret)];
		long val = POKE_MEM;

		n = pread(fd, got, sizeof(got), (off_t)(uintptr_t)secret);
		r->mem_read_err = n < 0 ? errno : n != (ssize_t)sizeof(got) ? EIO :
				  memcmp(got, (const char *)secret, sizeof(got)) ? EBADMSG : 0;
		n = pwrite(fd, &val, sizeof(val), (off_t)(uintptr_t)&poke_target);
		r->mem_write_err = n < 0 ? errno : n != (ssize_t)sizeof(val) ? EIO : 0;
		close(fd);
	}

	r->seize_err = ptrace(PTRACE_SEIZE, tid, 0, 0) ? errno : 0;
	r->stop_err = ENOTCONN;
	if (!r->seize_err) {
		r->stop_err = ptrace(PTRACE_INTERRUPT, tid, 0, 0) ? errno : ETIMEDOUT;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; r->stop_err == ETIMEDOUT && i < 2000 && elapsed_ms(&t0) < 2000; i++) {
			if (waitpid(tid, &st, __WALL | WNOHANG) == tid && WIFSTOPPED(st))
				r->stop_err = 0;
			else
				usleep(1000);
		}
	}
	/* Without a stopped tracee this is ESRCH: reported as not attached. */
	r->poke_err = ptrace(PTRACE_POKEDATA, tid, &poke_target, POKE_PTRACE) ? errno : 0;
	if (!r->stop_err)
		ptrace(PTRACE_DETACH, tid, 0, 0);
}

static int prober_start(struct prober *p)
{
	int req[2], res[2];
	__u32 g = TARGET_GID;

	if (pipe2(req, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		return -errno;
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		struct probe_res r;
		pid_t pid = getppid(), tid;
		int err;

		close(req[1]);
		close(res[0]);
		err = raw_become(TARGET_UID, TARGET_GID, &g, 1);
		while (read(req[0], &tid, sizeof(tid)) == sizeof(tid) && tid > 0) {
			memset(&r, 0, sizeof(r));
			r.become_err = -err;
			if (!err)
				probe_task(pid, tid, &r);
			if (write(res[1], &r, sizeof(r)) != sizeof(r))
				_exit(1);
		}
		_exit(0);
	}
	close(req[0]);
	close(res[1]);
	p->req = req[1];
	p->res = res[0];
	return 0;
}

static int prober_probe(struct prober *p, pid_t tid, struct probe_res *r)
{
	memset(r, 0, sizeof(*r));
	if (write(p->req, &tid, sizeof(tid)) != sizeof(tid))
		return -EPIPE;
	return read(p->res, r, sizeof(*r)) == sizeof(*r) ? 0 : -EPIPE;
}

static void prober_stop(struct prober *p)
{
	if (p->pid <= 0)
		return;
	close(p->req);
	close(p->res);
	waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

static void describe_probe(const struct probe_res *r, char *buf, size_t len)
{
	char env[48], seize[64], poke[48];

	if (r->environ_err)
		snprintf(env, sizeof(env), "refused %s", ename(r->environ_err));
	else
		snprintf(env, sizeof(env), "READ %ld bytes", r->environ_len);
	if (r->seize_err)
		snprintf(seize, sizeof(seize), "refused %s", ename(r->seize_err));
	else if (r->stop_err)
		snprintf(seize, sizeof(seize), "ATTACHED (no stop: %s)", ename(r->stop_err));
	else
		snprintf(seize, sizeof(seize), "ATTACHED and stopped it");
	if (!r->poke_err)
		snprintf(poke, sizeof(poke), "WROTE the daemon's memory");
	else if (r->seize_err)
		snprintf(poke, sizeof(poke), "refused %s (not attached)", ename(r->poke_err));
	else
		snprintf(poke, sizeof(poke), "refused %s", ename(r->poke_err));
	snprintf(buf, len,
		 "environ: %s; mem read: %s%s; mem write: %s%s; PTRACE_SEIZE: %s; PTRACE_POKEDATA: %s",
		 env, r->mem_read_err ? "refused " : "READ the secret",
		 r->mem_read_err ? ename(r->mem_read_err) : "",
		 r->mem_write_err ? "refused " : "WROTE the daemon's memory",
		 r->mem_write_err ? ename(r->mem_write_err) : "", seize, poke);
}

/* Probes @tid of this process as the override uid; every access must be refused. */
static void check_probe(struct __test_metadata *_metadata, struct prober *p, const char *what,
			pid_t tid)
{
	struct probe_res r;
	char desc[512];

	poke_target = POKE_ORIG;
	if (prober_probe(p, tid, &r)) {
		EXPECT_TRUE(0) TH_LOG("%s: the prober did not answer", what);
		return;
	}
	if (r.become_err) {
		EXPECT_EQ(0, r.become_err) TH_LOG("prober: raw setresuid(%d): %s", TARGET_UID,
						  ename(r.become_err));
		return;
	}
	describe_probe(&r, desc, sizeof(desc));
	TH_LOG("uid-%d prober vs %s (tid %d): %s", TARGET_UID, what, tid, desc);
	EXPECT_NE(0, r.environ_err) TH_LOG("%s: the override uid read its environ", what);
	EXPECT_NE(0, r.mem_read_err) TH_LOG("%s: the override uid read its memory", what);
	EXPECT_NE(0, r.mem_write_err) TH_LOG("%s: the override uid wrote its memory", what);
	EXPECT_NE(0, r.seize_err) TH_LOG("%s: the override uid attached to it", what);
	EXPECT_NE(0, r.poke_err) TH_LOG("%s: PTRACE_POKEDATA succeeded", what);
	EXPECT_EQ(POKE_ORIG, poke_target) TH_LOG("%s: poke_target is now %#lx", what,
						 (long)poke_target);
	poke_target = POKE_ORIG;
}

/* ---- ids of a task, compared with the calling thread's own ------------------------------- */

struct ids {
	int nuid, ngid, ngroups;
	__u32 uid[4], gid[4], groups[CREDO_SNAP_GROUPS];
};

static void read_ids(pid_t tid, struct ids *s)
{
	memset(s, 0, sizeof(*s));
	s->nuid = proc_status_ids(tid, "Uid:", s->uid, 4);
	s->ngid = proc_status_ids(tid, "Gid:", s->gid, 4);
	s->ngroups = proc_status_ids(tid, "Groups:", s->groups, CREDO_SNAP_GROUPS);
}

static void format_ids(const struct ids *s, char *buf, size_t len)
{
	int i, n;

	n = snprintf(buf, len, "Uid %u %u %u %u Gid %u %u %u %u Groups", s->uid[0], s->uid[1],
		     s->uid[2], s->uid[3], s->gid[0], s->gid[1], s->gid[2], s->gid[3]);
	for (i = 0; i < s->ngroups && n < (int)len; i++)
		n += snprintf(buf + n, len - n, " %u", s->groups[i]);
}

static void check_own_ids(struct __test_metadata *_metadata, const char *what,
			  const struct ids *own, const struct ids *got)
{
	char a[256], b[256];

	format_ids(own, a, sizeof(a));
	format_ids(got, b, sizeof(b));
	TH_LOG("%s: %s (creator's own: %s)", what, b, a);
	EXPECT_EQ(4, got->nuid);
	EXPECT_EQ(4, got->ngid);
	EXPECT_EQ(0, memcmp(own->uid, got->uid, sizeof(own->uid)))
		TH_LOG("%s runs with Uid %s, not the creator's own", what, b);
	EXPECT_EQ(0, memcmp(own->gid, got->gid, sizeof(own->gid)))
		TH_LOG("%s runs with Gid %s, not the creator's own", what, b);
	EXPECT_EQ(own->ngroups, got->ngroups);
	EXPECT_EQ(0, memcmp(own->groups, got->groups, sizeof(own->groups)));
}

static int override_target(void)
{
	__u32 g = TARGET_GID;

	return credo_override_as(TARGET_UID, TARGET_GID, &g, 1);
}

static int overridden(void)
{
	struct credo_cred c;

	if (credo_get(dev_fd, &c, NULL, 0))
		return -1;
	return !!(c.flags & CREDO_CRED_OVERRIDDEN);
}

/* ---- pthread_create from an overridden thread ------------------------------------------- */

struct creator {
	int ready[2], go[2], born[2];
	int err;
	pid_t tid_b;
	struct ids ids_b;
	int get_b_err;
	struct credo_cred get_b;
	int creator_overridden;	/* GET in the creator after pthread_create */
};

static void *created_thread(void *arg)
{
	struct creator *c = arg;
	char x;

	c->tid_b = raw_gettid();
	read_ids(c->tid_b, &c->ids_b);
	c->get_b_err = credo_get(dev_fd, &c->get_b, NULL, 0);
	/* The creator reports to the test once both threads have looked at themselves. */
	if (write(c->born[1], "y", 1) != 1 || read(c->go[0], &x, 1) < 0)
		return NULL;
	return NULL;
}

static void *creator_thread(void *arg)
{
	struct creator *c = arg;
	pthread_t b;
	int made = 0;
	char x;

	c->err = override_target();
	if (!c->err) {
		c->err = -pthread_create(&b, NULL, created_thread, c);
		made = !c->err;
		c->creator_overridden = overridden();
	}
	/* Report once the new thread has looked at itself as well. */
	if (made && read(c->born[0], &x, 1) != 1)
		c->err = -EIO;
	if (write(c->ready[1], c->err ? "n" : "y", 1) != 1)
		c->err = -EIO;
	if (made)
		pthread_join(b, NULL);
	credo_revert(dev_fd);
	return NULL;
}

TEST(thread_created_while_overridden_has_the_creators_own_ids_and_resists_the_override_uid)
{
	struct creator c = { 0 };
	struct prober pr = { 0 };
	struct ids own;
	struct yama y;
	pthread_t a;
	char x = 0;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	read_ids(raw_gettid(), &own);
	ASSERT_EQ(0, prober_start(&pr));
	ASSERT_EQ(0, pipe(c.ready));
	ASSERT_EQ(0, pipe(c.go));
	ASSERT_EQ(0, pipe(c.born));
	ASSERT_EQ(0, pthread_create(&a, NULL, creator_thread, &c));
	ASSERT_EQ(1, read(c.ready[0], &x, 1));
	EXPECT_EQ('y', x) TH_LOG("override or pthread_create failed: %s", ename(-c.err));
	if (x == 'y') {
		check_own_ids(_metadata, "thread created by the overridden thread", &own,
			      &c.ids_b);
		EXPECT_EQ(0, c.get_b_err);
		TH_LOG("CREDO_IOC_GET in it: %s, euid %u; the creator is %s",
		       c.get_b.flags & CREDO_CRED_OVERRIDDEN ? "OVERRIDDEN" : "not overridden",
		       c.get_b.euid,
		       c.creator_overridden == 1 ? "still overridden" : "NOT overridden");
		EXPECT_EQ(0U, c.get_b.flags & CREDO_CRED_OVERRIDDEN)
			TH_LOG("the new thread is itself overridden");
		EXPECT_EQ(own.uid[1], c.get_b.euid);
		EXPECT_EQ(1, c.creator_overridden);
		yama_open(_metadata, &y);
		check_probe(_metadata, &pr, "the created thread", c.tid_b);
		yama_close(&y);
	}
	EXPECT_EQ(1, write(c.go[1], "x", 1));
	pthread_join(a, NULL);
	prober_stop(&pr);
}

/* ---- io_uring, raw syscalls: uring.h -------------------------------------------------- */

/* ms: an SQPOLL thread stays awake through the test */
#define SQ_THREAD_IDLE 20000

/* The first thread of this process whose comm starts with @prefix, up to 3 s; 0 if none. */
static pid_t find_thread(const char *prefix, char *comm, size_t len)
{
	struct timespec t0;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 300 && elapsed_ms(&t0) < 3000; i++) {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;
		pid_t found = 0;

		if (!d)
			return 0;
		while (!found && (e = readdir(d))) {
			char path[300];
			int fd;
			ssize_t n;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			n = read(fd, comm, len - 1);
			close(fd);
			if (n <= 0)
				continue;
			comm[n] = 0;
			if (comm[n - 1] == '\n')
				comm[n - 1] = 0;
			if (!strncmp(comm, prefix, strlen(prefix)))
				found = atoi(e->d_name);
		}
		closedir(d);
		if (found)
			return found;
		usleep(10000);
	}
	return 0;
}

struct uring_creator {
	const char *dir;
	int sqpoll;
	int ready[2], go[2];
	const char *step;	/* what failed, if anything */
	int err;
	int skip;		/* the kernel cannot do it: err says why */
	int create_res;		/* the CQE of the openat that creates a file */
	__u32 owner_uid, owner_gid;
	int fifo_res;		/* io-wq: the CQE of the openat parked on a FIFO */
};

static void *uring_creator_thread(void *arg)
{
	struct uring_creator *u = arg;
	char path[256], x;
	struct credo_ring r = { .fd = -1 };
	int err;

	u->fifo_res = -ENOENT;
	u->step = "override";
	err = override_target();
	if (!err) {
		u->step = u->sqpoll ? "io_uring_setup(SQPOLL) while overridden" : "io_uring_setup";
		err = credo_ring_setup(&r, 8, u->sqpoll ? IORING_SETUP_SQPOLL : 0,
				       SQ_THREAD_IDLE);
		if (err)
			u->skip = err == -ENOSYS || err == -EPERM || err == -EINVAL;
	}
	if (!err) {
		u->step = "the openat that creates a file";
		snprintf(path, sizeof(path), "%s/%s", u->dir, u->sqpoll ? "sqpoll" : "async");
		err = credo_ring_submit_openat(&r, path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
					       0644, u->sqpoll ? 0 : IOSQE_ASYNC);
		u->create_res = err ? err : credo_ring_wait(&r, 5000);
		if (u->create_res >= 0) {
			close(u->create_res);
			owner_of(path, &u->owner_uid, &u->owner_gid);
		}
	}
	if (!err && !u->sqpoll) {
		/* Keeps an io-wq worker busy: a FIFO open blocks until main opens its writer. */
		u->step = "the openat parked on a FIFO";
		snprintf(path, sizeof(path), "%s/fifo", u->dir);
		err = credo_ring_submit_openat(&r, path, O_RDONLY | O_CLOEXEC, 0644, IOSQE_ASYNC);
	}
	u->err = err;
	x = err ? 'n' : 'y';
	if (write(u->ready[1], &x, 1) == 1 && !err && read(u->go[0], &x, 1) == 1 &&
	    !u->sqpoll) {
		u->fifo_res = credo_ring_wait(&r, 5000);
		if (u->fifo_res >= 0)
			close(u->fifo_res);
	}
	if (r.fd >= 0)
		close(r.fd);
	credo_revert(dev_fd);
	return NULL;
}

static void check_uring_worker(struct __test_metadata *_metadata, int sqpoll)
{
	const char *prefix = sqpoll ? "iou-sqp-" : "iou-wrk-";
	struct uring_creator u = { .sqpoll = sqpoll };
	char dir[PATH_MAX], path[PATH_MAX + 16], comm[64], skip[160] = "";
	struct prober pr = { 0 };
	struct credo_ring probe;
	struct ids own, wk;
	struct yama y;
	pthread_t a;
	pid_t tid;
	int err, wfd = -1;
	char x = 0;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	err = credo_ring_setup(&probe, 8, 0, SQ_THREAD_IDLE);
	if (err)
		SKIP(return, "no io_uring in this kernel: io_uring_setup: %s", ename(-err));
	close(probe.fd);
	ASSERT_EQ(0, make_tmpdir(dir, sizeof(dir)));
	ASSERT_EQ(0, chmod(dir, 0777));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ASSERT_EQ(0, mkfifo(path, 0666));
	read_ids(raw_gettid(), &own);
	ASSERT_EQ(0, prober_start(&pr));
	u.dir = dir;
	ASSERT_EQ(0, pipe(u.ready));
	ASSERT_EQ(0, pipe(u.go));
	ASSERT_EQ(0, pthread_create(&a, NULL, uring_creator_thread, &u));
	EXPECT_EQ(1, read(u.ready[0], &x, 1));
	if (x != 'y' && u.skip) {
		snprintf(skip, sizeof(skip), "%s: %s", u.step, ename(-u.err));
	} else if (x != 'y') {
		EXPECT_EQ(0, u.err) TH_LOG("%s: %s", u.step, ename(-u.err));
	} else {
		TH_LOG("%s openat by the overridden thread: %s, file owned by %u:%u",
		       sqpoll ? "SQPOLL" : "IOSQE_ASYNC",
		       u.create_res < 0 ? ename(-u.create_res) : "ok", u.owner_uid, u.owner_gid);
		EXPECT_LE(0, u.create_res) TH_LOG("openat: %s", ename(-u.create_res));
		EXPECT_EQ((__u32)TARGET_UID, u.owner_uid) TH_LOG("the request did not run as the override");
		EXPECT_EQ((__u32)TARGET_GID, u.owner_gid);
		tid = find_thread(prefix, comm, sizeof(comm));
		if (!tid) {
			snprintf(skip, sizeof(skip),
				 "no %s* thread in this process (kernels before 5.12 run io_uring workers as kernel threads)",
				 prefix);
		} else {
			read_ids(tid, &wk);
			snprintf(path, sizeof(path), "%s thread %s", sqpoll ? "SQPOLL" : "io-wq",
				 comm);
			check_own_ids(_metadata, path, &own, &wk);
			yama_open(_metadata, &y);
			check_probe(_metadata, &pr, path, tid);
			yama_close(&y);
		}
		if (!sqpoll) {
			snprintf(path, sizeof(path), "%s/fifo", dir);
			wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		}
		EXPECT_EQ(1, write(u.go[1], "x", 1));
	}
	pthread_join(a, NULL);
	if (wfd >= 0)
		close(wfd);
	prober_stop(&pr);
	rm_tree(dir);
	if (skip[0])
		SKIP(return, "%s", skip);
}

TEST(io_wq_worker_created_while_overridden_has_the_creators_own_ids)
{
	check_uring_worker(_metadata, 0);
}

TEST(sqpoll_thread_created_while_overridden_has_the_creators_own_ids)
{
	check_uring_worker(_metadata, 1);
}

/* ---- process creation and exec: EBUSY while overridden, working after the revert -------- */

enum { M_FORK, M_VFORK, M_CLONE3, M_SPAWN, M_SYSTEM, M_POPEN, M_COUNT };

static const char *const method_name[M_COUNT] = {
	"fork()", "clone(CLONE_VM|CLONE_VFORK)", "clone3(no CLONE_THREAD)", "posix_spawn()",
	"system()", "popen()",
};

struct credo_clone_args {	/* struct clone_args, CLONE_ARGS_SIZE_VER0 */
	__u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

struct method_res {
	long rc;
	int err;
	pid_t child;		/* a pid the call returned */
	int status;		/* its wait status, or system()'s / pclose()'s */
	int marker;		/* the marker program or child ran */
	int no_child;		/* waitpid(-1) found no child afterwards */
};

static int vfork_child(void *arg)
{
	int fd = open(arg, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
	return 0;
}

static void run_method(int m, const char *marker, struct method_res *r)
{
	char *argv[] = { self_path, "--marker", (char *)marker, NULL };
	struct credo_clone_args ca = { .exit_signal = SIGCHLD };
	static char stack[64 * 1024] __attribute__((aligned(16)));
	char cmd[2 * PATH_MAX + 32];
	FILE *f;
	int e;

	memset(r, 0, sizeof(*r));
	r->child = -1;
	snprintf(cmd, sizeof(cmd), "%s --marker %s", self_path, marker);
	errno = 0;
	switch (m) {
	case M_FORK:
		r->rc = fork();
		if (r->rc == 0) {
			vfork_child((void *)marker);
			_exit(0);
		}
		break;
	case M_VFORK:
		r->rc = clone(vfork_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
			      (void *)marker);
		break;
	case M_CLONE3:
		r->rc = syscall(SYS_clone3, &ca, sizeof(ca));
		if (r->rc == 0) {
			vfork_child((void *)marker);
			_exit(0);
		}
		break;
	case M_SPAWN:
		e = posix_spawn(&r->child, self_path, NULL, NULL, argv, environ);
		r->rc = e ? -1 : r->child;
		errno = e;
		if (e)
			r->child = -1;
		break;
	case M_SYSTEM:
		r->rc = system(cmd);
		r->status = (int)r->rc;
		break;
	case M_POPEN:
		f = popen(cmd, "r");
		r->rc = f ? 0 : -1;
		r->err = errno;
		if (f)
			r->status = pclose(f);
		break;
	}
	if (m != M_POPEN)
		r->err = r->rc < 0 || m == M_SYSTEM ? errno : 0;
	if (m <= M_SPAWN && r->rc > 0) {
		r->child = (pid_t)r->rc;
		waitpid(r->child, &r->status, __WALL);
	}
	r->no_child = waitpid(-1, NULL, WNOHANG | __WALL) == -1 && errno == ECHILD;
	r->marker = !access(marker, F_OK);
}

/* Whether the call was refused the way the table says (brief section 4). */
static int refused(int m, const struct method_res *r)
{
	switch (m) {
	case M_SYSTEM:	/* -1, or glibc's "shell could not run" status 127 */
		return r->rc == -1 || (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 127);
	case M_POPEN:
		return r->rc == -1;
	default:
		return r->rc == -1 && r->err == EBUSY;
	}
}

static void describe_method(int m, const struct method_res *r, char *buf, size_t len)
{
	if (refused(m, r) && !r->marker && r->no_child)
		snprintf(buf, len, "refused: returned %ld, errno %s; no child, nothing ran",
			 r->rc, ename(r->err));
	else
		snprintf(buf, len,
			 "ALLOWED: returned %ld, errno %s, child %d status %#x, marker %s, %s",
			 r->rc, ename(r->err), r->child, r->status,
			 r->marker ? "CREATED" : "absent",
			 r->no_child ? "no child left" : "a child is left");
}

TEST(process_creation_in_an_overridden_thread_fails_with_ebusy_and_works_after_revert)
{
	char dir[PATH_MAX], marker[PATH_MAX + 32], desc[256];
	struct method_res r;
	int m;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	ASSERT_EQ(0, make_tmpdir(dir, sizeof(dir)));
	ASSERT_EQ(0, chmod(dir, 0777));
	for (m = 0; m < M_COUNT; m++) {
		snprintf(marker, sizeof(marker), "%s/during-%d", dir, m);
		ASSERT_EQ(0, override_target());
		run_method(m, marker, &r);
		describe_method(m, &r, desc, sizeof(desc));
		TH_LOG("%s while overridden: %s", method_name[m], desc);
		EXPECT_TRUE(refused(m, &r)) TH_LOG("%s was not refused", method_name[m]);
		if (m != M_SYSTEM && m != M_POPEN)
			EXPECT_EQ(EBUSY, r.err);
		EXPECT_FALSE(r.marker) TH_LOG("%s: the child ran", method_name[m]);
		EXPECT_TRUE(r.no_child) TH_LOG("%s: a child exists", method_name[m]);
		EXPECT_EQ(1, overridden()) TH_LOG("%s ended the override", method_name[m]);
		ASSERT_EQ(0, credo_revert(dev_fd));

		snprintf(marker, sizeof(marker), "%s/after-%d", dir, m);
		run_method(m, marker, &r);
		TH_LOG("%s after the revert: returned %ld, status %#x, the child %s",
		       method_name[m], r.rc, r.status, r.marker ? "ran" : "DID NOT RUN");
		EXPECT_LE(0, r.rc) TH_LOG("%s after revert: %s", method_name[m], ename(r.err));
		EXPECT_EQ(0, r.status);
		EXPECT_TRUE(r.marker) TH_LOG("%s after revert: nothing ran", method_name[m]);
	}
	rm_tree(dir);
}

struct exec_report {
	long rc;
	int err;
	int still_overridden;
};

/*
 * A child process (forked before any override) overrides, calls execve or execveat of the
 * marker program, reports what came back, reverts and execs it again.  If the first exec
 * ran the program, the report pipe (close-on-exec) reads EOF.
 */
static void check_exec(struct __test_metadata *_metadata, int at)
{
	const char *name = at ? "execveat(AT_EMPTY_PATH)" : "execve()";
	char dir[PATH_MAX], during[PATH_MAX + 16], after[PATH_MAX + 16];
	struct exec_report rep = { 0 };
	int p[2], status = -1;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, make_tmpdir(dir, sizeof(dir)));
	ASSERT_EQ(0, chmod(dir, 0777));
	snprintf(during, sizeof(during), "%s/during", dir);
	snprintf(after, sizeof(after), "%s/after", dir);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *argv[] = { self_path, "--marker", during, NULL };
		int fd = open(self_path, O_PATH | O_CLOEXEC);

		close(p[0]);
		if (fd < 0 || override_target())
			_exit(3);
		if (at)
			rep.rc = syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
		else
			rep.rc = execve(self_path, argv, environ);
		rep.err = errno;
		rep.still_overridden = overridden();
		if (write(p[1], &rep, sizeof(rep)) != sizeof(rep))
			_exit(4);
		credo_revert(dev_fd);
		argv[2] = after;
		if (at)
			syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
		else
			execve(self_path, argv, environ);
		_exit(5);
	}
	close(p[1]);
	n = read(p[0], &rep, sizeof(rep));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (n != sizeof(rep))
		TH_LOG("%s while overridden: ALLOWED: the program ran (marker %s)", name,
		       access(during, F_OK) ? "absent" : "CREATED");
	else
		TH_LOG("%s while overridden: refused: returned %ld, errno %s, %s", name, rep.rc,
		       ename(rep.err), rep.still_overridden == 1 ? "still overridden" :
		       "the override ENDED");
	EXPECT_EQ((ssize_t)sizeof(rep), n) TH_LOG("%s ran the program while overridden", name);
	EXPECT_EQ(-1, rep.rc);
	EXPECT_EQ(EBUSY, rep.err);
	EXPECT_EQ(1, rep.still_overridden);
	EXPECT_NE(0, access(during, F_OK)) TH_LOG("the program ran while overridden");
	if (n != sizeof(rep))
		TH_LOG("%s after the revert: not reached (the first exec replaced the child, exit status %#x)",
		       name, status);
	else
		TH_LOG("%s after the revert: the program %s, exit status %#x", name,
		       access(after, F_OK) ? "DID NOT RUN" : "ran", status);
	EXPECT_EQ(0, access(after, F_OK));
	EXPECT_EQ(0, status);
	rm_tree(dir);
}

TEST(execve_in_an_overridden_thread_fails_with_ebusy_and_works_after_revert)
{
	REQUIRE_ROOT();
	REQUIRE_CREDO();
	check_exec(_metadata, 0);
}

TEST(execveat_in_an_overridden_thread_fails_with_ebusy_and_works_after_revert)
{
	REQUIRE_ROOT();
	REQUIRE_CREDO();
	check_exec(_metadata, 1);
}

/* ---- dumpable ---------------------------------------------------------------------------- */

struct dump_case {
	const char *name;
	const char *suid_dumpable;
	int want;			/* PR_GET_DUMPABLE while overridden and after */
	__u32 uid, euid, fsuid;		/* uid is also the suid */
	__u32 gid, egid;		/* gid is also the sgid, egid the fsgid */
	int caps;			/* CREDO_CRED_CAPS with only CAP_DAC_READ_SEARCH */
	__u32 ngroups;
};

static const struct dump_case dump_cases[] = {
	{ "uid 1000, fs.suid_dumpable=0", "0", 0, TARGET_UID, TARGET_UID, TARGET_UID,
	  TARGET_GID, TARGET_GID, 0, 1 },
	{ "uid 1000, fs.suid_dumpable=2", "2", 2, TARGET_UID, TARGET_UID, TARGET_UID,
	  TARGET_GID, TARGET_GID, 0, 1 },
	{ "uid 0, only egid/fsgid 1000", "0", 0, 0, 0, 0, 0, TARGET_GID, 0, 0 },
	{ "euid/fsuid 0, only ruid/suid 1000", "0", 1, TARGET_UID, 0, 0, 0, 0, 0, 0 },
	{ "uid 0, other groups", "0", 1, 0, 0, 0, 0, 0, 0, 1 },
	{ "uid 0, a subset of the caps", "0", 1, 0, 0, 0, 0, 0, 1, 0 },
};

TEST(override_to_another_euid_makes_the_process_non_dumpable_and_revert_keeps_it)
{
	char saved[16] = "";
	unsigned int i;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	ASSERT_EQ(0, sysctl_read(SUID_DUMPABLE, saved, sizeof(saved)));
	for (i = 0; i < sizeof(dump_cases) / sizeof(dump_cases[0]); i++) {
		const struct dump_case *d = &dump_cases[i];
		__u32 g = 1234;
		struct credo_cred c;
		int during, after, set_err, start;
		long set_rc;

		if (sysctl_write(SUID_DUMPABLE, d->suid_dumpable) ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)) {
			EXPECT_TRUE(0) TH_LOG("cannot set up %s", d->name);
			break;
		}
		start = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		credo_cred_init(&c, d->uid, d->gid, &g, d->ngroups);
		c.euid = d->euid;
		c.fsuid = d->fsuid;
		c.egid = c.fsgid = d->egid;
		if (d->caps)
			credo_cred_caps(&c, CAPB(CAP_DAC_READ_SEARCH), CAPB(CAP_DAC_READ_SEARCH),
					0, 0);
		if (credo_override(dev_fd, &c)) {
			EXPECT_TRUE(0) TH_LOG("%s: override failed: %s", d->name, ename(errno));
			break;
		}
		during = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		errno = 0;
		set_rc = prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		set_err = errno;
		credo_revert(dev_fd);
		after = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		TH_LOG("%s: dumpable %d before, %d overridden, %d after the revert; PR_SET_DUMPABLE(1) while overridden: %s",
		       d->name, start, during, after,
		       set_rc ? ename(set_err) : "ALLOWED (returned 0)");
		EXPECT_EQ(1, start);
		EXPECT_EQ(d->want, during) TH_LOG("%s: dumpable %d while overridden", d->name,
						  during);
		EXPECT_EQ(-1, set_rc);
		EXPECT_EQ(EBUSY, set_err);
		if (!set_rc)	/* the old module let it through: judge the revert anyway */
			after = during;
		EXPECT_EQ(d->want, after) TH_LOG("%s: the revert changed dumpable", d->name);
	}
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	EXPECT_EQ(0, sysctl_write(SUID_DUMPABLE, saved));
}

/* ---- a crash of an overridden thread ---------------------------------------------------- */

static void *crash_overridden(void *arg)
{
	if (arg && override_target())
		_exit(7);
	raise(SIGSEGV);
	_exit(8);
}

/*
 * A child forked before any override crashes, from a thread overridden to the target
 * (@override) or not; returns the core files written (their owners in @owners).
 */
static int crash_child(const char *dir, int override, __u32 *owners, int max, int *status)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct dirent *e;
	int n = 0;
	pid_t pid;
	DIR *d;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		pthread_t t;

		setrlimit(RLIMIT_CORE, &unlimited);
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		if (pthread_create(&t, NULL, crash_overridden, override ? "x" : NULL))
			_exit(6);
		pthread_join(t, NULL);
		_exit(9);
	}
	waitpid(pid, status, 0);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 300];
		__u32 uid = 0, gid = 0;

		if (strncmp(e->d_name, "core", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!owner_of(path, &uid, &gid) && n < max)
			owners[n++] = uid;
		unlink(path);
	}
	closedir(d);
	return n;
}

TEST(crash_of_an_overridden_thread_writes_no_core_owned_by_the_override_uid)
{
	char dir[PATH_MAX], pattern[PATH_MAX + 16], saved_pattern[256] = "", saved_dump[16] = "";
	static const char *const modes[] = { "0", "2" };
	int n, i, k, status, ok = 1;
	__u32 owners[4];

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	ASSERT_EQ(0, sysctl_read(CORE_PATTERN, saved_pattern, sizeof(saved_pattern)));
	ASSERT_EQ(0, sysctl_read(SUID_DUMPABLE, saved_dump, sizeof(saved_dump)));
	ASSERT_EQ(0, make_tmpdir(dir, sizeof(dir)));
	ASSERT_EQ(0, chmod(dir, 0777));
	snprintf(pattern, sizeof(pattern), "%s/core.%%p", dir);
	EXPECT_EQ(0, sysctl_write(CORE_PATTERN, pattern));
	EXPECT_EQ(0, sysctl_write(SUID_DUMPABLE, "0"));

	/* The control: a crash without an override writes a root core, so dumps work here. */
	n = crash_child(dir, 0, owners, 4, &status);
	TH_LOG("control crash without an override: status %#x, %d core file(s)%s", status, n,
	       n > 0 && owners[0] == 0 ? " owned by root" : "");
	if (n <= 0)
		ok = 0;
	for (i = 0; ok && i < 2; i++) {
		EXPECT_EQ(0, sysctl_write(SUID_DUMPABLE, modes[i]));
		n = crash_child(dir, 1, owners, 4, &status);
		TH_LOG("crash of a thread overridden to uid %d, fs.suid_dumpable=%s: status %#x (%s), %d core file(s)",
		       TARGET_UID, modes[i], status,
		       WIFSIGNALED(status) && WCOREDUMP(status) ? "core dumped" : "no core",
		       n);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
		for (k = 0; k < n && k < 4; k++) {
			TH_LOG("  core file owned by uid %u", owners[k]);
			EXPECT_NE((__u32)TARGET_UID, owners[k]) TH_LOG("a core owned by the override uid");
			EXPECT_EQ(0U, owners[k]);
		}
		if (!strcmp(modes[i], "0"))
			EXPECT_EQ(0, n) TH_LOG("fs.suid_dumpable=0 and still a core file");
	}
	EXPECT_EQ(0, sysctl_write(CORE_PATTERN, saved_pattern));
	EXPECT_EQ(0, sysctl_write(SUID_DUMPABLE, saved_dump));
	rm_tree(dir);
	if (!ok)
		SKIP(return, "core dumps do not work here (the control crash wrote none)");
}

/* ---- capget (finding 7) ------------------------------------------------------------------- */

TEST(capget_reports_the_threads_own_sets_and_get_the_overrides)
{
	struct caps3 own = { 0 }, ovr = { 0 }, ovr2 = { 0 };
	struct credo_cred c, got;
	int err, err2;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	ASSERT_EQ(0, raw_capget(0, &own));
	ASSERT_EQ(0, override_target());
	err = raw_capget(0, &ovr);
	EXPECT_EQ(0, credo_get(dev_fd, &got, NULL, 0));
	ASSERT_EQ(0, credo_revert(dev_fd));
	TH_LOG("overridden to uid %d: capget eff %#llx perm %#llx; GET eff %#llx perm %#llx",
	       TARGET_UID, (unsigned long long)ovr.eff, (unsigned long long)ovr.perm,
	       (unsigned long long)got.cap_effective, (unsigned long long)got.cap_permitted);
	EXPECT_EQ(0, err);
	EXPECT_EQ(own.eff, ovr.eff);
	EXPECT_EQ(own.perm, ovr.perm);
	EXPECT_EQ(own.inh, ovr.inh);
	EXPECT_EQ(0ULL, got.cap_effective);
	EXPECT_EQ(0ULL, got.cap_permitted);

	credo_cred_init(&c, TARGET_UID, TARGET_GID, NULL, 0);
	credo_cred_caps(&c, CAPB(CAP_DAC_READ_SEARCH), CAPB(CAP_DAC_READ_SEARCH), 0, 0);
	ASSERT_EQ(0, credo_override(dev_fd, &c));
	err2 = raw_capget(0, &ovr2);
	EXPECT_EQ(0, credo_get(dev_fd, &got, NULL, 0));
	ASSERT_EQ(0, credo_revert(dev_fd));
	TH_LOG("with CREDO_CRED_CAPS {DAC_READ_SEARCH}: capget eff %#llx; GET eff %#llx perm %#llx",
	       (unsigned long long)ovr2.eff, (unsigned long long)got.cap_effective,
	       (unsigned long long)got.cap_permitted);
	EXPECT_EQ(0, err2);
	EXPECT_EQ(own.eff, ovr2.eff);
	EXPECT_EQ(own.perm, ovr2.perm);
	EXPECT_EQ(CAPB(CAP_DAC_READ_SEARCH), got.cap_effective);
	EXPECT_EQ(CAPB(CAP_DAC_READ_SEARCH), got.cap_permitted);
}

int main(int argc, char **argv)
{
	ssize_t n;

	if (argc == 3 && !strcmp(argv[1], "--marker")) {
		int fd = open(argv[2], O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

		return fd < 0;
	}
	n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n <= 0)
		return 1;
	self_path[n] = 0;
	return test_harness_run(argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: 8 threads switch at random among 1,000 identities (override, sometimes a direct
 * re-override, sometimes a revert), check their ids after every switch and create files as
 * the identity they hold, while another thread forces table evictions through the shrinker
 * (vm.drop_caches=2 runs every shrinker). The table's bound is lowered to STRESS_BOUND for
 * the run (module parameter max_entries), so inserts evict as well.
 *
 * A quarter of the switches assume one of STRESS_HANDLES credential handles (of the same
 * identities) instead, while a revoker thread revokes a handle of the pool every
 * REVOKE_EVERY_MS and puts a new one in its place: an assume gives the handle's identity, or
 * EKEYREVOKED with the thread's credentials exactly as before, never anything else. A handle
 * remembers the override it built for a base (module/handle.c), so an assume is a table
 * lookup (a hit or a miss) at least once per handle assumed and at most once per assume: the
 * counters are checked against that range.
 *
 * Bounded by count and time: each thread makes at most STRESS_SWITCHES switches and stops
 * when the run's time budget is spent (CREDO_STRESS_SECONDS, default STRESS_SECONDS). A slow
 * machine makes fewer switches, never a failure: the test fails only on a wrong result (an
 * id, a file owner, an errno), on counters that disagree with the switches that ran, on a
 * live override left behind or on cred objects above their baseline. How many switches ran
 * is logged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/credo.h>

#include "credo_harness.h"
#include "credo_test.h"

#define STRESS_THREADS		8
#define STRESS_SWITCHES		100000	/* per thread */
#define STRESS_SECONDS		20	/* default time budget of a run */
#define STRESS_MAX_SECONDS	600	/* the most CREDO_STRESS_SECONDS may ask for */
#define STRESS_CRED_SLACK	8	/* cred objects that may come and go meanwhile */
#define STRESS_BOUND		"64"
#define BOUND_PARAM		"/sys/module/credo/parameters/max_entries"
#define STRESS_IDENTITIES	1000
#define UID_BASE		100000
#define GID_BASE		200000
#define STRESS_HANDLES		16
#define STRESS_REVOKES		400	/* at most, in a run */
#define REVOKE_EVERY_MS		20

static volatile int stop;
static long long deadline_ns;
static char stress_dir[] = "/tmp/credo-stress-XXXXXX";

/* The pool: (descriptor << 32) | identity, replaced whole by the revoker. */
static __u64 pool[STRESS_HANDLES];
/* Revoked handles stay open until the end: a worker may still be using the descriptor. */
static int revoked_fds[STRESS_REVOKES];
static int nrevoked;
/* Descriptors assumed at least once (each stays open, so a number is one handle). */
#define STRESS_MAX_FD		4096
static char assumed_once[STRESS_MAX_FD];
static long distinct_assumed;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The run's time budget in seconds: CREDO_STRESS_SECONDS if it is sane, else the default. */
static int budget_seconds(void)
{
	const char *env = getenv("CREDO_STRESS_SECONDS");
	char *end;
	long v;

	if (!env || !*env)
		return STRESS_SECONDS;
	v = strtol(env, &end, 10);
	if (*end || v < 1 || v > STRESS_MAX_SECONDS)
		return STRESS_SECONDS;
	return (int)v;
}

struct worker {
	pthread_t thread;
	unsigned int seed;
	long overrides, reverts, files;
	long assumes, refused;	/* ASSUMEs that worked, and those refused with EKEYREVOKED */
	__u32 cur_uid;		/* the uid the thread runs as: 0, or its last identity */
	int timed_out;		/* stopped by the time budget */
	char failure[160];
};

static void fail(struct worker *w, const char *what, long a, long b)
{
	if (!w->failure[0])
		snprintf(w->failure, sizeof(w->failure), "%s: %ld vs %ld", what, a, b);
	stop = 1;
}

/* Identity k: its descriptor, in @c with @groups (3 entries). */
static void identity(unsigned int k, struct credo_cred *c, __u32 *groups)
{
	__u32 uid = UID_BASE + k, gid = GID_BASE + k;

	groups[0] = gid;
	groups[1] = GID_BASE + (k * 7) % STRESS_IDENTITIES;
	groups[2] = 100;
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->uid = c->euid = c->suid = c->fsuid = uid;
	c->gid = c->egid = c->sgid = c->fsgid = gid;
	c->ngroups = 1 + k % 3;
	c->groups = (unsigned long)groups;
}

/* A handle for identity k, as the pool holds it; 0 on failure. */
static __u64 mint_slot(unsigned int k)
{
	struct credo_cred c;
	__u32 groups[3];
	int fd;

	identity(k, &c, groups);
	fd = ioctl(dev_fd, CREDO_IOC_HANDLE, &c);
	return fd < 0 ? 0 : (__u64)fd << 32 | k;
}

/* One switch to identity k, checked; 0, or -1 after recording what was wrong. */
static int one_switch(struct worker *w, long i)
{
	unsigned int k = rand_r(&w->seed) % STRESS_IDENTITIES;
	__u32 uid, gid, groups[3];
	struct credo_cred c;
	char path[256];
	uid_t r, e, s;

	if (rand_r(&w->seed) % 4 == 0) {
		/* Through a handle of the pool, which the revoker may revoke at any time. */
		__u64 v = __atomic_load_n(&pool[rand_r(&w->seed) % STRESS_HANDLES],
					  __ATOMIC_ACQUIRE);

		k = (__u32)v;
		if (ioctl((int)(v >> 32), CREDO_IOC_ASSUME)) {
			if (errno != EKEYREVOKED) {
				fail(w, "ASSUME errno", errno, 0);
				return -1;
			}
			w->refused++;
			/* Refused: the thread's credentials are exactly as they were. */
			if (syscall(SYS_getresuid, &r, &e, &s) || e != w->cur_uid ||
			    r != w->cur_uid) {
				fail(w, "uid after a refused ASSUME", e, w->cur_uid);
				return -1;
			}
			return 0;
		}
		w->assumes++;
		if ((v >> 32) < STRESS_MAX_FD &&
		    !__atomic_exchange_n(&assumed_once[v >> 32], 1, __ATOMIC_RELAXED))
			__atomic_fetch_add(&distinct_assumed, 1, __ATOMIC_RELAXED);
		identity(k, &c, groups);
	} else {
		identity(k, &c, groups);
		if (ioctl(dev_fd, CREDO_IOC_OVERRIDE, &c)) {
			fail(w, "OVERRIDE errno", errno, 0);
			return -1;
		}
		w->overrides++;
	}
	uid = UID_BASE + k;
	gid = GID_BASE + k;
	w->cur_uid = uid;
	if (syscall(SYS_getresuid, &r, &e, &s) || r != uid || e != uid || s != uid) {
		fail(w, "uid after override", e, uid);
		return -1;
	}
	if (syscall(SYS_getegid) != gid) {
		fail(w, "egid after override", syscall(SYS_getegid), gid);
		return -1;
	}
	if (!(i % 32)) {
		struct stat st;
		int fd, n = raw_getgroups(0, NULL), want = 1;

		/* Repeats count once (groups[1] may be gid; 100 is never one of the others). */
		if (c.ngroups > 1 && groups[1] != groups[0])
			want++;
		if (c.ngroups > 2)
			want++;
		if (n != want) {
			fail(w, "supplementary groups after override", n, want);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/f-%u", stress_dir, uid);
		fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0 || fstat(fd, &st)) {
			fail(w, "open as identity, errno", errno, uid);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		/* A file another thread created as the same identity is fine too. */
		if (st.st_uid != uid || st.st_gid != gid) {
			fail(w, "file owner", st.st_uid, uid);
			close(fd);
			return -1;
		}
		unlink(path);
		close(fd);
		w->files++;
	}
	if (rand_r(&w->seed) % 4 == 0) {
		if (ioctl(dev_fd, CREDO_IOC_REVERT)) {
			fail(w, "REVERT errno", errno, 0);
			return -1;
		}
		w->reverts++;
		w->cur_uid = 0;
		if (syscall(SYS_geteuid) != 0) {
			fail(w, "euid after revert", syscall(SYS_geteuid), 0);
			return -1;
		}
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	long i;

	for (i = 0; i < STRESS_SWITCHES && !stop; i++) {
		if (now_ns() >= deadline_ns) {
			w->timed_out = 1;
			break;
		}
		if (one_switch(w, i))
			break;
	}
	if (ioctl(dev_fd, CREDO_IOC_REVERT))
		fail(w, "final REVERT errno", errno, 0);
	return NULL;
}

static void *pressure_main(void *arg)
{
	long *passes = arg;

	while (!stop) {
		if (!credo_drop_caches())
			(*passes)++;
		usleep(100000);
	}
	return NULL;
}

/* Revokes a handle of the pool every REVOKE_EVERY_MS and puts a fresh one in its place. */
static void *revoker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int seed = 0x7e40;

	while (!stop && nrevoked < STRESS_REVOKES && now_ns() < deadline_ns) {
		unsigned int j = rand_r(&seed) % STRESS_HANDLES;
		__u64 old = pool[j], fresh;

		usleep(REVOKE_EVERY_MS * 1000);
		if (ioctl((int)(old >> 32), CREDO_IOC_REVOKE)) {
			fail(w, "REVOKE errno", errno, 0);
			break;
		}
		revoked_fds[nrevoked++] = (int)(old >> 32);
		fresh = mint_slot(rand_r(&seed) % STRESS_IDENTITIES);
		if (!fresh) {
			fail(w, "HANDLE errno", errno, 0);
			break;
		}
		__atomic_store_n(&pool[j], fresh, __ATOMIC_RELEASE);
		w->overrides++;	/* revokes made */
	}
	return NULL;
}

static int write_param(const char *val)
{
	int fd = open(BOUND_PARAM, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, val, strlen(val));
		close(fd);
	}
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

FIXTURE(stress) {
	char bound[32];		/* max_entries before the test, restored after */
};

FIXTURE_SETUP(stress)
{
	int fd = open(BOUND_PARAM, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, self->bound, sizeof(self->bound) - 1) : -1;

	if (fd >= 0)
		close(fd);
	self->bound[n > 0 ? n : 0] = 0;
}

FIXTURE_TEARDOWN(stress)
{
	if (self->bound[0] && geteuid() == 0)
		write_param(self->bound);
}

TEST_F_TIMEOUT(stress, switches_files_and_evictions, STRESS_MAX_SECONDS + 120)
{
	struct worker w[STRESS_THREADS], rv;
	struct credo_counters before, after;
	long overrides = 0, files = 0, passes = 0, objs0, assumes = 0, refused = 0;
	long long start;
	int i, budget = budget_seconds(), timed_out = 0;
	pthread_t pressure, revoker;

	REQUIRE_CREDO();
	ASSERT_NE(0, self->bound[0]) TH_LOG("cannot read %s", BOUND_PARAM);
	ASSERT_EQ(0, write_param(STRESS_BOUND)) TH_LOG("cannot lower %s", BOUND_PARAM);
	ASSERT_NE(NULL, mkdtemp(stress_dir));
	ASSERT_EQ(0, chmod(stress_dir, 0777));
	/* The baseline: no entry left from earlier tests, nothing on its way out. */
	credo_drop_caches();
	objs0 = credo_cred_objects();
	if (objs0 < 0)
		TH_LOG("%s is not readable in /proc/slabinfo: cred objects not counted",
		       credo_cred_cache());
	credo_read_counters(&before);
	ASSERT_LE(0, before.entries);
	memset(w, 0, sizeof(w));
	memset(&rv, 0, sizeof(rv));
	for (i = 0; i < STRESS_HANDLES; i++) {
		pool[i] = mint_slot((i * 61) % STRESS_IDENTITIES);
		ASSERT_NE(0ULL, pool[i]) TH_LOG("HANDLE: %s", strerror(errno));
	}
	start = now_ns();
	deadline_ns = start + budget * 1000000000LL;
	ASSERT_EQ(0, pthread_create(&pressure, NULL, pressure_main, &passes));
	for (i = 0; i < STRESS_THREADS; i++) {
		w[i].seed = 0x5eed + i;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, worker_main, &w[i]));
	}
	ASSERT_EQ(0, pthread_create(&revoker, NULL, revoker_main, &rv));
	/* Every worker stops on its own: count reached, budget spent, or a wrong result. */
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_join(w[i].thread, NULL);
	stop = 1;
	pthread_join(pressure, NULL);
	pthread_join(revoker, NULL);
	EXPECT_EQ(0, rv.failure[0]) TH_LOG("revoker: %s", rv.failure);
	for (i = 0; i < STRESS_THREADS; i++) {
		EXPECT_EQ(0, w[i].failure[0]) TH_LOG("thread %d: %s", i, w[i].failure);
		/* A thread that never switched in the whole budget is stuck, not slow. */
		EXPECT_LT(0, w[i].overrides + w[i].assumes) TH_LOG("thread %d made no switch", i);
		overrides += w[i].overrides + w[i].assumes;
		assumes += w[i].assumes;
		refused += w[i].refused;
		files += w[i].files;
		timed_out += w[i].timed_out;
	}
	TH_LOG("%ld of %ld switches in %.1f s (budget %d s%s; %d threads, %d identities), "
	       "%ld files, %ld shrinker passes, bound %s", overrides,
	       (long)STRESS_THREADS * STRESS_SWITCHES, (now_ns() - start) / 1e9, budget,
	       timed_out ? ", spent: the run stopped early" : "", STRESS_THREADS,
	       STRESS_IDENTITIES, files, passes, STRESS_BOUND);
	TH_LOG("handles: %ld assumes of %ld handles, %ld refused (EKEYREVOKED), %ld revoked "
	       "and replaced (pool of %d)", assumes, distinct_assumed, refused, rv.overrides,
	       STRESS_HANDLES);
	for (i = 0; i < STRESS_HANDLES; i++)
		close((int)(pool[i] >> 32));
	for (i = 0; i < nrevoked; i++)
		close(revoked_fds[i]);
	/* No override outlives its thread's revert. */
	EXPECT_EQ(0, credo_wait_live(before.live)) TH_LOG("live_overrides stayed at %ld (was %ld)",
						     counter("live_overrides"), before.live);
	EXPECT_LT(0, passes);
	/*
	 * Lookups: every OVERRIDE, and each assume that did not find the override its handle
	 * remembers; at least one per handle assumed, at most one per assume.
	 */
	CREDO_EXPECT_RUN_END_RANGE(objs0, STRESS_CRED_SLACK, &before, &after,
				   overrides - assumes + distinct_assumed, overrides);
	/* The shrinker ran after the last switch: an entry that was made is evicted by now. */
	if (after.misses > before.misses)
		EXPECT_LT(0, after.evictions - before.evictions);
	EXPECT_GE(before.live, after.live);
	rm_tree(stress_dir);
}

TEST_HARNESS_MAIN

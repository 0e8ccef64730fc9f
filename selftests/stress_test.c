// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: 8 threads switch at random among 1,000 identities (override, sometimes a direct
 * re-override, sometimes a revert), check their ids after every switch and create files as
 * the identity they hold, while another thread forces table evictions through the shrinker
 * (vm.drop_caches=2 runs every shrinker). At the end: no live override is left, and the
 * table's counters agree with each other and with the number of overrides made.
 *
 * The table's bound is lowered to STRESS_BOUND for the run (module parameter max_entries), so
 * inserts evict as well. Every thread must make all of its STRESS_SWITCHES switches; the
 * time limit (STRESS_SECONDS) only stops a run that hangs (the debug kernels need about
 * 100 s under emulation here).
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
#define STRESS_SWITCHES		100000
#define STRESS_SECONDS		240
#define STRESS_BOUND		"64"
#define BOUND_PARAM		"/sys/module/credo/parameters/max_entries"
#define STRESS_IDENTITIES	1000
#define UID_BASE		100000
#define GID_BASE		200000

static volatile int stop;
static char stress_dir[] = "/tmp/credo-stress-XXXXXX";

struct counters {
	long entries, hits, misses, evictions, live;
};

/* A consistent reading: the same values twice in a row (the periodic pass may run). */
static void read_counters(struct counters *c)
{
	struct counters prev;
	int i;

	memset(&prev, 0xff, sizeof(prev));
	for (i = 0; i < 100; i++) {
		c->entries = counter("entries");
		c->hits = counter("hits");
		c->misses = counter("misses");
		c->evictions = counter("evictions");
		c->live = counter("live_overrides");
		if (!memcmp(c, &prev, sizeof(prev)))
			return;
		prev = *c;
		usleep(10000);
	}
}

struct worker {
	pthread_t thread;
	unsigned int seed;
	long overrides, reverts, files;
	char failure[160];
};

static void fail(struct worker *w, const char *what, long a, long b)
{
	if (!w->failure[0])
		snprintf(w->failure, sizeof(w->failure), "%s: %ld vs %ld", what, a, b);
	stop = 1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char path[256];
	long i;

	for (i = 0; i < STRESS_SWITCHES && !stop; i++) {
		unsigned int k = rand_r(&w->seed) % STRESS_IDENTITIES;
		__u32 uid = UID_BASE + k, gid = GID_BASE + k;
		__u32 groups[3] = { gid, GID_BASE + (k * 7) % STRESS_IDENTITIES, 100 };
		struct credo_cred c = {
			.size = sizeof(c),
			.uid = uid, .euid = uid, .suid = uid, .fsuid = uid,
			.gid = gid, .egid = gid, .sgid = gid, .fsgid = gid,
			.ngroups = 1 + k % 3, .groups = (unsigned long)groups,
		};
		uid_t r, e, s;

		if (ioctl(dev_fd, CREDO_IOC_OVERRIDE, &c)) {
			fail(w, "OVERRIDE errno", errno, 0);
			break;
		}
		w->overrides++;
		if (syscall(SYS_getresuid, &r, &e, &s) || r != uid || e != uid || s != uid) {
			fail(w, "uid after override", e, uid);
			break;
		}
		if (syscall(SYS_getegid) != gid) {
			fail(w, "egid after override", syscall(SYS_getegid), gid);
			break;
		}
		if (!(i % 32)) {
			struct stat st;
			int fd;

			snprintf(path, sizeof(path), "%s/f-%u", stress_dir, uid);
			fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
			if (fd < 0 || fstat(fd, &st)) {
				fail(w, "open as identity, errno", errno, uid);
				break;
			}
			/* A file another thread created as the same identity is fine too. */
			if (st.st_uid != uid) {
				fail(w, "file owner", st.st_uid, uid);
				close(fd);
				break;
			}
			unlink(path);
			close(fd);
			w->files++;
		}
		if (rand_r(&w->seed) % 4 == 0) {
			if (ioctl(dev_fd, CREDO_IOC_REVERT)) {
				fail(w, "REVERT errno", errno, 0);
				break;
			}
			w->reverts++;
			if (syscall(SYS_geteuid) != 0) {
				fail(w, "euid after revert", syscall(SYS_geteuid), 0);
				break;
			}
		}
	}
	ioctl(dev_fd, CREDO_IOC_REVERT);
	return NULL;
}

static void *pressure_main(void *arg)
{
	long *passes = arg;

	while (!stop) {
		int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			if (write(fd, "2", 1) == 1)
				(*passes)++;
			close(fd);
		}
		usleep(100000);
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

TEST_F_TIMEOUT(stress, switches_files_and_evictions, STRESS_SECONDS + 60)
{
	struct worker w[STRESS_THREADS];
	struct counters before, after;
	long overrides = 0, files = 0, passes = 0;
	pthread_t pressure;
	time_t end;
	int i, running, joined[STRESS_THREADS] = { 0 };

	REQUIRE_CREDO();
	ASSERT_NE(0, self->bound[0]) TH_LOG("cannot read %s", BOUND_PARAM);
	ASSERT_EQ(0, write_param(STRESS_BOUND)) TH_LOG("cannot lower %s", BOUND_PARAM);
	ASSERT_NE(NULL, mkdtemp(stress_dir));
	ASSERT_EQ(0, chmod(stress_dir, 0777));
	read_counters(&before);
	ASSERT_LE(0, before.entries);
	memset(w, 0, sizeof(w));
	ASSERT_EQ(0, pthread_create(&pressure, NULL, pressure_main, &passes));
	for (i = 0; i < STRESS_THREADS; i++) {
		w[i].seed = 0x5eed + i;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, worker_main, &w[i]));
	}
	end = time(NULL) + STRESS_SECONDS;
	do {
		sleep(1);
		running = 0;
		for (i = 0; i < STRESS_THREADS; i++) {
			if (!joined[i])
				joined[i] = !pthread_tryjoin_np(w[i].thread, NULL);
			running += !joined[i];
		}
	} while (running && time(NULL) < end && !stop);
	stop = 1;
	for (i = 0; i < STRESS_THREADS; i++)
		if (!joined[i])
			pthread_join(w[i].thread, NULL);
	pthread_join(pressure, NULL);
	for (i = 0; i < STRESS_THREADS; i++) {
		EXPECT_EQ(0, w[i].failure[0]) TH_LOG("thread %d: %s", i, w[i].failure);
		overrides += w[i].overrides;
		files += w[i].files;
	}
	read_counters(&after);
	TH_LOG("%ld switches (%d threads, %d identities), %ld files, %ld shrinker passes, bound %s",
	       overrides, STRESS_THREADS, STRESS_IDENTITIES, files, passes, STRESS_BOUND);
	TH_LOG("entries %ld -> %ld, hits +%ld, misses +%ld, evictions +%ld",
	       before.entries, after.entries, after.hits - before.hits,
	       after.misses - before.misses, after.evictions - before.evictions);
	EXPECT_EQ((long)STRESS_THREADS * STRESS_SWITCHES, overrides);
	EXPECT_LT(0, passes);
	/* Every OVERRIDE was one lookup: a hit or a miss. */
	EXPECT_EQ(overrides, (after.hits - before.hits) + (after.misses - before.misses));
	/* Every miss inserted one entry; every eviction removed one. */
	EXPECT_EQ(after.entries - before.entries,
		  (after.misses - before.misses) - (after.evictions - before.evictions));
	EXPECT_LT(0, after.evictions - before.evictions);
	EXPECT_EQ(before.live, after.live);
	rmdir(stress_dir);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * The coalescing table must never hand a Landlock-restricted thread a credential built for an
 * unrestricted one (brief section 3): two threads of one process ask for the same identity,
 * one of them after landlock_restrict_self(); they must get different creds, and the
 * restricted thread must stay restricted under its override.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/credo.h>
#include <linux/landlock.h>

#include "credo_harness.h"
#include "credo_test.h"

#define UID 6001

static char dir[64];

static int override_to(__u32 uid)
{
	return credo_override_as(uid, uid, NULL, 0);
}

/* Deny reading files anywhere for the calling thread (and what it creates later). */
static int restrict_reads(void)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE,
	};
	int fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

	if (fd < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_landlock_restrict_self, fd, 0)) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

struct result {
	int restricted;
	int setup;		/* 0, or -errno of landlock/override */
	int open_errno;		/* 0 if the file could be read */
};

static pthread_mutex_t order = PTHREAD_MUTEX_INITIALIZER;

static void *reader(void *arg)
{
	struct result *r = arg;
	char path[96];
	int fd;

	pthread_mutex_lock(&order);
	if (r->restricted)
		r->setup = restrict_reads();
	if (!r->setup)
		r->setup = override_to(UID);
	pthread_mutex_unlock(&order);
	if (r->setup)
		return NULL;
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDONLY);
	r->open_errno = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	ioctl(dev_fd, CREDO_IOC_REVERT);
	return NULL;
}

TEST(landlock_restricted_thread_never_shares_an_unrestricted_cred)
{
	struct result free_r = { .restricted = 0 }, ll_r = { .restricted = 1 };
	char path[96];
	long entries0, entries1;
	pthread_t t;
	int fd;

	if (geteuid() != 0)
		SKIP(return, "needs root to open /dev/credo (0600)");
	if (syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) < 0)
		SKIP(return, "Landlock is not available in this kernel (%s)", strerror(errno));
	dev_fd = open("/dev/credo", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev_fd);
	strcpy(dir, "/tmp/credo-landlock-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, chmod(dir, 0755));
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	close(fd);

	entries0 = counter("entries");
	ASSERT_LE(0, entries0);
	/* The unrestricted thread first: its override of UID enters the table. */
	ASSERT_EQ(0, pthread_create(&t, NULL, reader, &free_r));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, free_r.setup);
	EXPECT_EQ(0, free_r.open_errno);
	/* Read here: the restricted thread below could not read sysfs any more. */
	entries1 = counter("entries");
	/* Then a restricted thread asks for the same identity. */
	ASSERT_EQ(0, pthread_create(&t, NULL, reader, &ll_r));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, ll_r.setup) {
		TH_LOG("landlock or override failed: %s", strerror(-ll_r.setup));
	}
	/* It still cannot read, so it did not get the unrestricted thread's cred... */
	EXPECT_EQ(EACCES, ll_r.open_errno);
	/* ...and the table holds a second entry for the same descriptor. */
	EXPECT_EQ(entries1 + 1, counter("entries"));

	unlink(path);
	rmdir(dir);
}

TEST_HARNESS_MAIN

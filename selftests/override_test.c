// SPDX-License-Identifier: GPL-2.0
/*
 * credo override/revert/get: what an overridden thread can do, what other
 * threads and /proc see, and what the coalescing counters say.
 *
 * Each TEST runs in its own forked process (the harness forks), so a test may
 * change its own process's groups or capabilities freely.  Overrides are done
 * on the main thread of that process unless a test is about other threads;
 * threads that must not be overridden are created before any override (what
 * a thread created by an overridden thread inherits is not part of this file).
 */
#include "credo_test.h"
#include "credo_harness.h"
#include <semaphore.h>

static const char *const counters[] = {
	"entries", "hits", "misses", "evictions", "live_overrides",
};

/* Device node: exists, char device, root 0600; root opens it, others get EACCES. */
TEST(device_node)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat(CREDO_DEV, &st)) {
		TH_LOG("%s: %s (is credo.ko loaded?)", CREDO_DEV, strerror(errno));
	}
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0u, st.st_uid);
	EXPECT_EQ(0600u, st.st_mode & 07777) {
		TH_LOG("mode is %o", st.st_mode & 07777);
	}

	fd = credo_open();
	if (credo_start_euid == 0) {
		ASSERT_LE(0, fd) {
			TH_LOG("open %s as root: %s", CREDO_DEV, strerror(errno));
		}
		close(fd);
	} else {
		int e = errno;

		if (fd >= 0)
			close(fd);
		ASSERT_GT(0, fd) {
			TH_LOG("euid %u could open a root 0600 %s", geteuid(), CREDO_DEV);
		}
		ASSERT_EQ(EACCES, e) {
			TH_LOG("open as euid %u: %s", geteuid(), strerror(e));
		}
	}
}

/* The five counters and two parameters exist and read as decimal numbers. */
TEST(sysfs_files)
{
	char path[256];
	struct stat st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		snprintf(path, sizeof(path), CREDO_SYSFS "/%s", counters[i]);
		EXPECT_EQ(0, stat(path, &st)) {
			TH_LOG("%s: %s", path, strerror(errno));
		}
		if (credo_start_euid == 0)
			EXPECT_LE(0, credo_counter(counters[i])) {
				TH_LOG("%s is not a decimal number", path);
			}
	}
	if (credo_start_euid != 0)
		return;
	for (i = 0; i < 2; i++) {
		const char *p = i ? CREDO_PARAMS "/evict_interval_ms" :
				    CREDO_PARAMS "/max_entries";
		char buf[64], *end;
		FILE *f = fopen(p, "re");

		EXPECT_NE(NULL, f) TH_LOG("%s: %s", p, strerror(errno));
		if (!f)
			continue;
		buf[0] = 0;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		strtoull(buf, &end, 10);
		EXPECT_TRUE(end != buf && (*end == '\n' || !*end)) {
			TH_LOG("%s reads '%s'", p, buf);
		}
	}
}

FIXTURE(ovr) {
	int fd;
	char dir[PATH_MAX];
	char pub[PATH_MAX + 16];	/* 01777 root: anyone may create */
	char secret[PATH_MAX + 16];	/* 0600 root:root */
	char grp[PATH_MAX + 16];	/* 0640 root:2000 */
	struct credo_snap base;
	struct caps3 caps;
};

FIXTURE_SETUP(ovr)
{
	self->fd = -1;
	/* Non-root: every test of this fixture SKIPs (setup must not SKIP). */
	if (credo_start_euid != 0)
		return;
	self->fd = credo_open();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s (is credo.ko loaded?)", CREDO_DEV, strerror(errno));
	}
	ASSERT_EQ(0, make_tmpdir(self->dir, sizeof(self->dir)));
	snprintf(self->pub, sizeof(self->pub), "%s/pub", self->dir);
	snprintf(self->secret, sizeof(self->secret), "%s/secret", self->dir);
	snprintf(self->grp, sizeof(self->grp), "%s/grp", self->dir);
	ASSERT_EQ(0, make_dir(self->pub, 0, 0, 01777));
	ASSERT_EQ(0, make_file(self->secret, 0, 0, 0600));
	ASSERT_EQ(0, make_file(self->grp, 0, 2000, 0640));
	credo_snapshot(self->fd, &self->base);
	ASSERT_EQ(0, self->base.err);
	ASSERT_EQ(0, raw_capget(0, &self->caps));
}

FIXTURE_TEARDOWN(ovr)
{
	if (self->fd >= 0) {
		credo_revert(self->fd);
		close(self->fd);
	}
	rm_tree(self->dir);
}

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* GET without an override: no OVERRIDDEN flag, the thread's ids, groups (with
 * the real count when the buffer is short) and capability sets. */
TEST_F(ovr, get_not_overridden)
{
	const __u32 sup[] = { 7, 5, 6 };
	__u32 sys[8], ids[3], buf[2], g[8];
	struct credo_cred c;
	int n;

	REQUIRE_ROOT();
	ASSERT_EQ(0, raw_setgroups(3, sup));
	n = raw_getgroups(8, sys);
	ASSERT_EQ(3, n);

	memset(g, 0xa5, sizeof(g));
	ASSERT_EQ(0, credo_get(self->fd, &c, g, 8));
	EXPECT_EQ(0u, c.flags & CREDO_CRED_OVERRIDDEN);
	ASSERT_EQ(3u, c.ngroups);
	EXPECT_EQ(0, memcmp(g, sys, 3 * sizeof(__u32)));
	EXPECT_EQ(0xa5a5a5a5u, g[3]);
	ASSERT_EQ(0, raw_getresuid(ids));
	EXPECT_EQ(ids[0], c.uid);
	EXPECT_EQ(ids[1], c.euid);
	EXPECT_EQ(ids[2], c.suid);
	EXPECT_EQ(0u, c.fsuid);
	ASSERT_EQ(0, raw_getresgid(ids));
	EXPECT_EQ(ids[0], c.gid);
	EXPECT_EQ(ids[1], c.egid);
	EXPECT_EQ(ids[2], c.sgid);
	EXPECT_EQ(0u, c.fsgid);
	EXPECT_EQ(0u, c.reserved);
	EXPECT_EQ(self->caps.eff, c.cap_effective);
	EXPECT_EQ(self->caps.perm, c.cap_permitted);
	EXPECT_EQ(self->caps.inh, c.cap_inheritable);
	EXPECT_EQ(ambient_mask(), c.cap_ambient);

	/* A buffer of one: one group copied, the real count returned. */
	buf[0] = buf[1] = 0xdeadbeef;
	ASSERT_EQ(0, credo_get(self->fd, &c, buf, 1));
	EXPECT_EQ(3u, c.ngroups);
	EXPECT_EQ(sys[0], buf[0]);
	EXPECT_EQ(0xdeadbeefu, buf[1]) TH_LOG("GET wrote past ngroups");

	/* No buffer at all: only the count. */
	ASSERT_EQ(0, credo_get(self->fd, &c, NULL, 0));
	EXPECT_EQ(3u, c.ngroups);
}

/* A file and a directory created while overridden belong to the override's
 * fsuid/fsgid (not uid/euid); after revert, to root again. */
TEST_F(ovr, create_owner_is_fsuid)
{
	struct credo_cred c;
	char p[PATH_MAX + 32];
	__u32 u = ~0u, g = ~0u;

	REQUIRE_ROOT();
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	c.fsuid = 1005;
	c.fsgid = 1006;
	ASSERT_EQ(0, credo_override(self->fd, &c));

	path_in(p, sizeof(p), self->pub, "file");
	ASSERT_EQ(0, create_file(p));
	ASSERT_EQ(0, owner_of(p, &u, &g));
	EXPECT_EQ(1005u, u);
	EXPECT_EQ(1006u, g);
	path_in(p, sizeof(p), self->pub, "dir");
	ASSERT_EQ(0, mkdir(p, 0755));
	ASSERT_EQ(0, owner_of(p, &u, &g));
	EXPECT_EQ(1005u, u);
	EXPECT_EQ(1006u, g);

	ASSERT_EQ(0, credo_revert(self->fd));
	path_in(p, sizeof(p), self->pub, "after");
	ASSERT_EQ(0, create_file(p));
	ASSERT_EQ(0, owner_of(p, &u, &g));
	EXPECT_EQ(0u, u);
	EXPECT_EQ(0u, g);
}

/* A 0600 root file is closed to the override (no capabilities) and open
 * again after revert. */
TEST_F(ovr, root_file_denied)
{
	struct credo_cred c;

	REQUIRE_ROOT();
	ASSERT_EQ(0, open_errno(self->secret, O_RDONLY));
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	EXPECT_EQ(-EACCES, open_errno(self->secret, O_RDONLY));
	EXPECT_EQ(-EACCES, open_errno(self->secret, O_WRONLY));
	ASSERT_EQ(0, credo_revert(self->fd));
	EXPECT_EQ(0, open_errno(self->secret, O_RDONLY));
	EXPECT_EQ(0, open_errno(self->secret, O_WRONLY));
}

/* root:2000 0640 is readable through supplementary group 2000 only. */
TEST_F(ovr, supplementary_group_access)
{
	const __u32 with[] = { 3000, 2000 }, without[] = { 3000 };
	struct credo_cred c;

	REQUIRE_ROOT();
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	EXPECT_EQ(-EACCES, open_errno(self->grp, O_RDONLY));

	credo_cred_init(&c, 1000, 1000, without, 1);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	EXPECT_EQ(-EACCES, open_errno(self->grp, O_RDONLY));

	credo_cred_init(&c, 1000, 1000, with, 2);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	EXPECT_EQ(0, open_errno(self->grp, O_RDONLY));
	EXPECT_EQ(-EACCES, open_errno(self->grp, O_WRONLY));

	/* Back to no groups: the group must be gone, not cached. */
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	EXPECT_EQ(-EACCES, open_errno(self->grp, O_RDONLY));
	ASSERT_EQ(0, credo_revert(self->fd));
}

struct peer {
	sem_t go, done;
	int fd;
	const char *dir;
	const char *secret;
	int phase;		/* 1: observe; 2: override then observe main */
	/* results */
	pid_t tid;
	int err_create, err_secret, err_get, err_ovr;
	__u32 uid[3], gid[3], own_uid, own_gid;
	struct credo_cred get;
};

/* Thread created before the main thread overrides: must stay root. */
static void *peer_observe(void *arg)
{
	struct peer *p = arg;
	char path[PATH_MAX + 32];

	p->tid = raw_gettid();
	sem_wait(&p->go);
	raw_getresuid(p->uid);
	raw_getresgid(p->gid);
	snprintf(path, sizeof(path), "%s/by_peer", p->dir);
	p->err_create = create_file(path);
	if (!p->err_create)
		owner_of(path, &p->own_uid, &p->own_gid);
	p->err_secret = open_errno(p->secret, O_RDONLY);
	p->err_get = credo_get(p->fd, &p->get, NULL, 0);
	sem_post(&p->done);
	return NULL;
}

/* Thread that overrides itself to 1001 and holds it while main looks. */
static void *peer_override(void *arg)
{
	struct peer *p = arg;
	struct credo_cred c;

	p->tid = raw_gettid();
	credo_cred_init(&c, 1001, 1001, NULL, 0);
	p->err_ovr = credo_override(p->fd, &c);
	raw_getresuid(p->uid);
	sem_post(&p->done);
	sem_wait(&p->go);
	credo_revert(p->fd);
	return NULL;
}

/* One thread's override is invisible to the other threads of the process. */
TEST_F(ovr, other_threads_unaffected)
{
	struct peer p = { .dir = self->pub, .secret = self->secret };
	char path[PATH_MAX + 32];
	struct credo_cred c, g;
	__u32 ids[3], u = ~0u, gg = ~0u, v[4];
	pthread_t t;

	REQUIRE_ROOT();
	p.fd = self->fd;
	sem_init(&p.go, 0, 0);
	sem_init(&p.done, 0, 0);

	/* Main overridden, peer (created before) still root. */
	ASSERT_EQ(0, pthread_create(&t, NULL, peer_observe, &p));
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	sem_post(&p.go);
	sem_wait(&p.done);
	ASSERT_EQ(0, raw_getresuid(ids));
	EXPECT_EQ(1000u, ids[0]);
	EXPECT_EQ(1000u, ids[1]);
	ASSERT_EQ(0, credo_revert(self->fd));
	pthread_join(t, NULL);

	EXPECT_EQ(0u, p.uid[0]);
	EXPECT_EQ(0u, p.uid[1]);
	EXPECT_EQ(0u, p.gid[1]);
	EXPECT_EQ(0, p.err_create);
	EXPECT_EQ(0u, p.own_uid);
	EXPECT_EQ(0u, p.own_gid);
	EXPECT_EQ(0, p.err_secret);
	EXPECT_EQ(0, p.err_get);
	EXPECT_EQ(0u, p.get.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(0u, p.get.euid);

	/* Peer overridden, main (not overridden) still root. */
	sem_destroy(&p.go);
	sem_destroy(&p.done);
	sem_init(&p.go, 0, 0);
	sem_init(&p.done, 0, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, peer_override, &p));
	sem_wait(&p.done);
	EXPECT_EQ(0, p.err_ovr);
	EXPECT_EQ(1001u, p.uid[1]);
	ASSERT_EQ(0, raw_getresuid(ids));
	EXPECT_EQ(0u, ids[0]);
	EXPECT_EQ(0u, ids[1]);
	ASSERT_EQ(0, credo_get(self->fd, &g, NULL, 0));
	EXPECT_EQ(0u, g.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(0u, g.euid);
	snprintf(path, sizeof(path), "%s/by_main", self->pub);
	EXPECT_EQ(0, create_file(path));
	EXPECT_EQ(0, owner_of(path, &u, &gg));
	EXPECT_EQ(0u, u);
	EXPECT_EQ(0u, gg);
	EXPECT_EQ(0, open_errno(self->secret, O_RDONLY));
	/* /proc shows the peer's objective identity: root. */
	memset(v, 0xff, sizeof(v));
	EXPECT_EQ(4, proc_status_ids(p.tid, "Uid:", v, 4));
	EXPECT_EQ(0u, v[0] | v[1] | v[2] | v[3]);
	sem_post(&p.go);
	pthread_join(t, NULL);
}

/* In the thread, get*id/getgroups report the override while
 * /proc/self/task/TID/status keeps the objective (real) identity; revert
 * restores everything. */
TEST_F(ovr, ids_vs_proc_status)
{
	const __u32 sup0[] = { 7 };
	const __u32 sup[] = { 3002, 3000, 3001 };
	__u32 ids[3], grp[8], v[8];
	pid_t tid = raw_gettid();
	struct credo_cred c, g;
	char p[PATH_MAX + 32];
	__u32 u = ~0u, gg = ~0u;
	int n;

	REQUIRE_ROOT();
	ASSERT_EQ(0, raw_setgroups(1, sup0));

	credo_cred_init(&c, 1000, 2000, sup, 3);
	c.euid = 1001; c.suid = 1002; c.fsuid = 1003;
	c.egid = 2001; c.sgid = 2002; c.fsgid = 2003;
	ASSERT_EQ(0, credo_override(self->fd, &c));

	ASSERT_EQ(0, raw_getresuid(ids));
	EXPECT_EQ(1000u, ids[0]);
	EXPECT_EQ(1001u, ids[1]);
	EXPECT_EQ(1002u, ids[2]);
	ASSERT_EQ(0, raw_getresgid(ids));
	EXPECT_EQ(2000u, ids[0]);
	EXPECT_EQ(2001u, ids[1]);
	EXPECT_EQ(2002u, ids[2]);
	EXPECT_EQ(1000u, (__u32)syscall(SYS_getuid));
	EXPECT_EQ(1001u, (__u32)syscall(SYS_geteuid));
	EXPECT_EQ(2000u, (__u32)syscall(SYS_getgid));
	EXPECT_EQ(2001u, (__u32)syscall(SYS_getegid));
	n = raw_getgroups(8, grp);
	ASSERT_EQ(3, n);
	EXPECT_EQ(3000u, grp[0]);	/* the kernel keeps groups sorted */
	EXPECT_EQ(3001u, grp[1]);
	EXPECT_EQ(3002u, grp[2]);
	ASSERT_EQ(0, credo_get(self->fd, &g, NULL, 0));
	EXPECT_EQ(1003u, g.fsuid);
	EXPECT_EQ(2003u, g.fsgid);

	/* Objective identity in /proc: untouched. */
	ASSERT_EQ(4, proc_status_ids(tid, "Uid:", v, 4));
	EXPECT_EQ(0u, v[0] | v[1] | v[2] | v[3]) {
		TH_LOG("Uid: %u %u %u %u", v[0], v[1], v[2], v[3]);
	}
	ASSERT_EQ(4, proc_status_ids(tid, "Gid:", v, 4));
	EXPECT_EQ(0u, v[0] | v[1] | v[2] | v[3]) {
		TH_LOG("Gid: %u %u %u %u", v[0], v[1], v[2], v[3]);
	}
	n = proc_status_ids(tid, "Groups:", v, 8);
	EXPECT_EQ(1, n);
	EXPECT_EQ(7u, v[0]);

	ASSERT_EQ(0, credo_revert(self->fd));
	ASSERT_EQ(0, raw_getresuid(ids));
	EXPECT_EQ(0u, ids[0] | ids[1] | ids[2]);
	ASSERT_EQ(0, raw_getresgid(ids));
	EXPECT_EQ(0u, ids[0] | ids[1] | ids[2]);
	n = raw_getgroups(8, grp);
	ASSERT_EQ(1, n);
	EXPECT_EQ(7u, grp[0]);
	path_in(p, sizeof(p), self->pub, "after");
	ASSERT_EQ(0, create_file(p));
	ASSERT_EQ(0, owner_of(p, &u, &gg));
	EXPECT_EQ(0u, u);
	EXPECT_EQ(0u, gg);
	EXPECT_EQ(0, open_errno(self->secret, O_RDONLY));
}

/* GET while overridden: OVERRIDDEN, every id, groups (short buffer gets the
 * real count, nothing written past it), derived caps; after revert, GET is
 * exactly the pre-override state. */
TEST_F(ovr, get_reports_override)
{
	const __u32 sup[] = { 3002, 3000, 3001 };
	struct credo_snap after;
	struct credo_cred c, g;
	__u32 buf[8];
	char why[128];
	unsigned int i;

	REQUIRE_ROOT();
	credo_cred_init(&c, 1000, 2000, sup, 3);
	c.euid = 1001; c.suid = 1002; c.fsuid = 1003;
	c.egid = 2001; c.sgid = 2002; c.fsgid = 2003;
	ASSERT_EQ(0, credo_override(self->fd, &c));

	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, credo_get(self->fd, &g, buf, 8));
	EXPECT_NE(0u, g.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(0u, g.flags & ~(CREDO_CRED_OVERRIDDEN | CREDO_CRED_CAPS));
	EXPECT_EQ(1000u, g.uid);
	EXPECT_EQ(1001u, g.euid);
	EXPECT_EQ(1002u, g.suid);
	EXPECT_EQ(1003u, g.fsuid);
	EXPECT_EQ(2000u, g.gid);
	EXPECT_EQ(2001u, g.egid);
	EXPECT_EQ(2002u, g.sgid);
	EXPECT_EQ(2003u, g.fsgid);
	EXPECT_EQ(0u, g.reserved);
	ASSERT_EQ(3u, g.ngroups);
	EXPECT_EQ(3000u, buf[0]);
	EXPECT_EQ(3001u, buf[1]);
	EXPECT_EQ(3002u, buf[2]);
	for (i = 3; i < 8; i++)
		EXPECT_EQ(0xa5a5a5a5u, buf[i]);
	/* uid/euid/suid all non-zero from root: permitted and effective empty */
	EXPECT_EQ(0ull, g.cap_effective);
	EXPECT_EQ(0ull, g.cap_permitted);
	EXPECT_EQ(0ull, g.cap_ambient);
	EXPECT_EQ(self->caps.inh, g.cap_inheritable);

	buf[0] = buf[1] = 0xdeadbeef;
	ASSERT_EQ(0, credo_get(self->fd, &g, buf, 1));
	EXPECT_EQ(3u, g.ngroups);
	EXPECT_EQ(3000u, buf[0]);
	EXPECT_EQ(0xdeadbeefu, buf[1]) TH_LOG("GET wrote past ngroups");
	ASSERT_EQ(0, credo_get(self->fd, &g, NULL, 0));
	EXPECT_EQ(3u, g.ngroups);

	ASSERT_EQ(0, credo_revert(self->fd));
	credo_snapshot(self->fd, &after);
	EXPECT_TRUE(credo_snap_equal(&self->base, &after, why, sizeof(why))) {
		TH_LOG("after revert: %s", why);
	}
	EXPECT_EQ(0u, after.c.flags & CREDO_CRED_OVERRIDDEN);
}

/* REVERT without an override returns 0 and changes nothing, also right
 * after a real revert. */
TEST_F(ovr, revert_without_override)
{
	struct credo_snap s;
	struct credo_cred c;
	char why[128];
	__u32 ids[3];

	REQUIRE_ROOT();
	EXPECT_EQ(0, credo_revert(self->fd));
	EXPECT_EQ(0, credo_revert(self->fd));
	credo_snapshot(self->fd, &s);
	EXPECT_TRUE(credo_snap_equal(&self->base, &s, why, sizeof(why)))
		TH_LOG("%s", why);

	credo_cred_init(&c, 1000, 1000, NULL, 0);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	ASSERT_EQ(0, credo_revert(self->fd));
	EXPECT_EQ(0, credo_revert(self->fd));
	credo_snapshot(self->fd, &s);
	EXPECT_TRUE(credo_snap_equal(&self->base, &s, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, raw_getresuid(ids));
	EXPECT_EQ(0u, ids[0] | ids[1] | ids[2]);
}

/* A second override replaces the first (no stacking: one revert returns to
 * root), and is judged against the thread's own credentials: a capless
 * override does not stop the next override. */
TEST_F(ovr, override_replaces)
{
	struct credo_snap s;
	struct credo_cred c, g;
	char p[PATH_MAX + 32], why[128];
	__u32 ids[3], u = ~0u, gg = ~0u;

	REQUIRE_ROOT();
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	ASSERT_EQ(0, credo_get(self->fd, &g, NULL, 0));
	ASSERT_EQ(1000u, g.euid);
	ASSERT_EQ(0ull, g.cap_effective);

	credo_cred_init(&c, 1001, 1001, NULL, 0);
	credo_cred_caps(&c, CAPB(CAP_DAC_READ_SEARCH),
			CAPB(CAP_DAC_READ_SEARCH), 0, 0);
	ASSERT_EQ(0, credo_override(self->fd, &c)) {
		TH_LOG("override while overridden (capless) must be judged against the thread's own creds");
	}
	ASSERT_EQ(0, credo_get(self->fd, &g, NULL, 0));
	EXPECT_NE(0u, g.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(1001u, g.uid);
	EXPECT_EQ(1001u, g.fsuid);
	EXPECT_EQ(CAPB(CAP_DAC_READ_SEARCH), g.cap_effective);
	path_in(p, sizeof(p), self->pub, "second");
	ASSERT_EQ(0, create_file(p));
	ASSERT_EQ(0, owner_of(p, &u, &gg));
	EXPECT_EQ(1001u, u);
	EXPECT_EQ(1001u, gg);
	EXPECT_EQ(0, open_errno(self->secret, O_RDONLY));

	ASSERT_EQ(0, credo_revert(self->fd));
	credo_snapshot(self->fd, &s);
	EXPECT_TRUE(credo_snap_equal(&self->base, &s, why, sizeof(why))) {
		TH_LOG("one revert after two overrides: %s", why);
	}
	ASSERT_EQ(0, raw_getresuid(ids));
	EXPECT_EQ(0u, ids[0] | ids[1] | ids[2]);
	path_in(p, sizeof(p), self->pub, "root");
	ASSERT_EQ(0, create_file(p));
	ASSERT_EQ(0, owner_of(p, &u, &gg));
	EXPECT_EQ(0u, u);
	EXPECT_EQ(0u, gg);
}

#define REPEATS 64

/* The same identity again and again is one table entry: entries do not grow,
 * hits grow, misses do not; live_overrides follows override/revert.  A file
 * opened under the override pins the coalesced cred so it cannot be evicted
 * between the rounds. */
TEST_F(ovr, coalescing_counters)
{
	long long e0, m0, l0, e1, m1, l1, l2, e2, h2, m2, e3, h3, m3;
	__u32 id = 400000 + (getpid() % 100000);	/* fresh in the table */
	char p[PATH_MAX + 32];
	struct credo_cred c;
	int pin, i;

	REQUIRE_ROOT();
	e0 = credo_counter("entries");
	m0 = credo_counter("misses");
	l0 = credo_counter("live_overrides");
	ASSERT_LE(0, e0);
	ASSERT_LE(0, m0);
	ASSERT_LE(0, l0);
	ASSERT_LE(0, credo_counter("hits"));
	ASSERT_LE(0, credo_counter("evictions"));

	credo_cred_init(&c, id, id, NULL, 0);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	e1 = credo_counter("entries");
	m1 = credo_counter("misses");
	l1 = credo_counter("live_overrides");
	path_in(p, sizeof(p), self->pub, "pin");
	pin = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
	ASSERT_LE(0, pin);
	ASSERT_EQ(0, credo_revert(self->fd));
	l2 = credo_counter("live_overrides");

	EXPECT_EQ(m0 + 1, m1) TH_LOG("first use of a fresh identity is one miss");
	EXPECT_LE(1, e1);
	EXPECT_GE(e0 + 1, e1);
	EXPECT_EQ(l0 + 1, l1);
	EXPECT_EQ(l0, l2);

	e2 = credo_counter("entries");
	h2 = credo_counter("hits");
	m2 = credo_counter("misses");
	for (i = 0; i < REPEATS; i++) {
		ASSERT_EQ(0, credo_override(self->fd, &c));
		ASSERT_EQ(0, credo_revert(self->fd));
	}
	e3 = credo_counter("entries");
	h3 = credo_counter("hits");
	m3 = credo_counter("misses");
	close(pin);

	EXPECT_GE(e2, e3) TH_LOG("entries grew from %lld to %lld", e2, e3);
	EXPECT_LE(h2 + REPEATS, h3) TH_LOG("hits %lld -> %lld", h2, h3);
	EXPECT_EQ(m2, m3) TH_LOG("misses %lld -> %lld", m2, m3);
	EXPECT_EQ(l0, credo_counter("live_overrides"));
}

static void *exit_overridden(void *arg)
{
	struct peer *p = arg;
	struct credo_cred c;

	credo_cred_init(&c, 1000, 1000, NULL, 0);
	p->err_ovr = credo_override(p->fd, &c);
	p->err_get = credo_get(p->fd, &p->get, NULL, 0);
	return NULL;	/* exits overridden */
}

/* A thread that exits while overridden does not leave a live override. */
TEST_F(ovr, thread_exit_drops_override)
{
	struct peer p = { .fd = self->fd };
	long long l0, l;
	struct credo_cred g;
	int i;

	REQUIRE_ROOT();
	l0 = credo_counter("live_overrides");
	ASSERT_LE(0, l0);
	ASSERT_EQ(0, run_in_thread(exit_overridden, &p));
	ASSERT_EQ(0, p.err_ovr);
	ASSERT_EQ(0, p.err_get);
	EXPECT_NE(0u, p.get.flags & CREDO_CRED_OVERRIDDEN);
	/* the task may be reaped a little after pthread_join returns */
	for (i = 0; i < 200; i++) {
		l = credo_counter("live_overrides");
		if (l == l0)
			break;
		usleep(10000);
	}
	EXPECT_EQ(l0, l);
	ASSERT_EQ(0, credo_get(self->fd, &g, NULL, 0));
	EXPECT_EQ(0u, g.flags & CREDO_CRED_OVERRIDDEN);
}

/* Writes @text to /proc/@pid/@file; 0 or -errno. */
static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		rc = -errno;
	close(fd);
	return rc;
}

/*
 * The child side of userns_ids: in a user namespace whose ids 0-999 are
 * 100000-100999 outside, override to uid 5/gid 6 and create @path; ids
 * outside the map are EINVAL; with setgroups denied (@deny) the group list
 * cannot change.  Returns 0 or the number of the failed step.
 */
static int userns_child(int fd, int ready, int go, const char *path, bool deny)
{
	__u32 seven = 7, big = 1000, gb[4];
	struct credo_cred c, r;
	char ch;

	/* Start with no groups: under "deny" the list must stay what it is. */
	if (raw_setgroups(0, NULL) || unshare(CLONE_NEWUSER))
		return 1;
	if (write(ready, "u", 1) != 1 || read(go, &ch, 1) != 1)
		return 2;
	credo_cred_init(&c, 5, 6, deny ? NULL : &seven, deny ? 0 : 1);
	if (credo_override(fd, &c))
		return 3;
	if (create_file(path))
		return 4;
	if (credo_get(fd, &r, gb, 4) || r.uid != 5 || r.fsuid != 5 ||
	    r.gid != 6 || r.fsgid != 6 || r.ngroups != (deny ? 0u : 1u) ||
	    (!deny && gb[0] != 7))
		return 5;
	if (credo_revert(fd))
		return 6;
	credo_cred_init(&c, 1000, 6, NULL, 0);
	if (credo_override(fd, &c) != -EINVAL)
		return 7;
	credo_cred_init(&c, 5, 1000, NULL, 0);
	if (credo_override(fd, &c) != -EINVAL)
		return 8;
	credo_cred_init(&c, 5, 6, &big, 1);
	if (credo_override(fd, &c) != -EINVAL)
		return 9;
	credo_cred_init(&c, 5, 6, &seven, 1);
	if (credo_override(fd, &c) != (deny ? -EPERM : 0))
		return 10;
	credo_cred_init(&c, 5, 6, NULL, 0);
	if (credo_override(fd, &c) || credo_revert(fd))
		return 11;
	return 0;
}

static void userns_ids(struct __test_metadata *_metadata, int fd,
		       const char *dir, bool deny)
{
	char path[PATH_MAX + 32], ch;
	int ready[2], go[2], status;
	__u32 u = ~0u, g = ~0u;
	pid_t child;

	snprintf(path, sizeof(path), "%s/userns-%s", dir, deny ? "deny" : "allow");
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(userns_child(fd, ready[1], go[0], path, deny));
	ASSERT_EQ(1, read(ready[0], &ch, 1));
	if (deny)
		ASSERT_EQ(0, write_proc(child, "setgroups", "deny"));
	ASSERT_EQ(0, write_proc(child, "uid_map", "0 100000 1000\n"));
	ASSERT_EQ(0, write_proc(child, "gid_map", "0 100000 1000\n"));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("child failed at step %d (see userns_child())",
		       WEXITSTATUS(status));
	}
	/* The initial namespace sees the ids the map gives. */
	ASSERT_EQ(0, owner_of(path, &u, &g));
	EXPECT_EQ(100005u, u);
	EXPECT_EQ(100006u, g);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/*
 * Ids are read in the caller's own user namespace: a thread in a namespace
 * mapping 0-999 to 100000-100999 that overrides to uid 5 creates files owned
 * by 100005, GET reports 5, and ids outside the map are EINVAL.
 */
TEST_F(ovr, ids_read_in_callers_user_namespace)
{
	REQUIRE_ROOT();
	userns_ids(_metadata, self->fd, self->pub, false);
}

/*
 * Where the namespace's setgroups file says "deny" (so that an unprivileged
 * map writer cannot drop groups), setgroups() is EPERM; an override that
 * would change the group list is EPERM too, one that keeps it works.
 */
TEST_F(ovr, userns_setgroups_deny_keeps_groups)
{
	REQUIRE_ROOT();
	userns_ids(_metadata, self->fd, self->pub, true);
}

TEST_HARNESS_MAIN

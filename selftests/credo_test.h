/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by credo's kselftests.  Nothing here depends on the
 * kselftest harness: helpers return 0 or a negative errno and the tests
 * assert on that.  Every identity change in the tests goes through the
 * credo ioctls or raw syscall(): glibc's set*id() wrappers broadcast to all
 * threads of the process and must not be used.
 */
#ifndef CREDO_TEST_H
#define CREDO_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <linux/credo.h>

#include "proc_ids.h"

#ifndef CREDO_DEV
#define CREDO_DEV	"/dev/credo"
#endif
#define CREDO_SYSFS	"/sys/kernel/credo"
#define CREDO_PARAMS	"/sys/module/credo/parameters"

#ifndef NGROUPS_MAX_KERNEL
#define NGROUPS_MAX_KERNEL 65536	/* the kernel's NGROUPS_MAX */
#endif

#define CREDO_SNAP_GROUPS 64

/*
 * The euid the binary started with.  Tests decide root/non-root on this, not on
 * geteuid() at the time, which reports an active override.
 */
static unsigned int credo_start_euid;

static void __attribute__((constructor)) credo_record_start_euid(void)
{
	credo_start_euid = (unsigned int)geteuid();
}

#define REQUIRE_ROOT() do {						\
	if (credo_start_euid != 0)					\
		SKIP(return, "needs root (euid %u): /dev/credo is root "	\
		     "0600 and an override needs CAP_SETUID+CAP_SETGID",	\
		     credo_start_euid);					\
} while (0)

/*
 * One descriptor of /dev/credo per test process, opened by the first
 * REQUIRE_CREDO() (the harness forks every test from a parent that never
 * opens it).
 */
static int dev_fd __attribute__((unused)) = -1;

#define REQUIRE_CREDO() do {						\
	if (geteuid() != 0)						\
		SKIP(return, "needs root to open /dev/credo (0600)");	\
	if (dev_fd < 0)							\
		dev_fd = open("/dev/credo", O_RDWR | O_CLOEXEC);	\
	ASSERT_LE(0, dev_fd) TH_LOG("open /dev/credo: %s", strerror(errno));	\
} while (0)

/* ---- ioctl wrappers: 0 or -errno ---------------------------------------- */

static inline int credo_open(void)
{
	return open(CREDO_DEV, O_RDWR | O_CLOEXEC);
}

static inline int credo_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static inline int credo_override(int fd, const struct credo_cred *c)
{
	return credo_ioctl(fd, CREDO_IOC_OVERRIDE, (void *)c);
}

static inline int credo_revert(int fd)
{
	return credo_ioctl(fd, CREDO_IOC_REVERT, NULL);
}

static inline int credo_get(int fd, struct credo_cred *c, __u32 *groups,
			    __u32 ngroups)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->ngroups = ngroups;
	c->groups = (uintptr_t)groups;
	return credo_ioctl(fd, CREDO_IOC_GET, c);
}

/* A descriptor with all four uids = uid, all four gids = gid. */
static inline void credo_cred_init(struct credo_cred *c, __u32 uid, __u32 gid,
				   const __u32 *groups, __u32 ngroups)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->uid = c->euid = c->suid = c->fsuid = uid;
	c->gid = c->egid = c->sgid = c->fsgid = gid;
	c->ngroups = ngroups;
	c->groups = (uintptr_t)groups;
}

/* Overrides the calling thread through dev_fd (REQUIRE_CREDO()); 0 or -errno. */
static inline int credo_override_as(__u32 uid, __u32 gid, const __u32 *groups,
				    __u32 ngroups)
{
	struct credo_cred c;

	credo_cred_init(&c, uid, gid, groups, ngroups);
	return credo_override(dev_fd, &c);
}

static inline void credo_cred_caps(struct credo_cred *c, __u64 eff, __u64 perm,
				   __u64 inh, __u64 amb)
{
	c->flags |= CREDO_CRED_CAPS;
	c->cap_effective = eff;
	c->cap_permitted = perm;
	c->cap_inheritable = inh;
	c->cap_ambient = amb;
}

/* The thread's state as CREDO_IOC_GET reports it, groups included. */
struct credo_snap {
	int err;
	struct credo_cred c;	/* c.groups zeroed for comparison */
	__u32 groups[CREDO_SNAP_GROUPS];
};

static inline void credo_snapshot(int fd, struct credo_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->err = credo_get(fd, &s->c, s->groups, CREDO_SNAP_GROUPS);
	s->c.groups = 0;
}

/* Writes a description of the first difference into buf; true if equal. */
static inline bool credo_snap_equal(const struct credo_snap *a,
				    const struct credo_snap *b,
				    char *buf, size_t len)
{
	unsigned int i, n;

	buf[0] = 0;
	if (a->err || b->err) {
		snprintf(buf, len, "GET failed: %d / %d", a->err, b->err);
		return false;
	}
#define CMP(f) do {							\
	if (a->c.f != b->c.f) {						\
		snprintf(buf, len, #f ": %llu vs %llu",			\
			 (unsigned long long)a->c.f,			\
			 (unsigned long long)b->c.f);			\
		return false;						\
	}								\
} while (0)
	CMP(size); CMP(flags);
	CMP(uid); CMP(euid); CMP(suid); CMP(fsuid);
	CMP(gid); CMP(egid); CMP(sgid); CMP(fsgid);
	CMP(ngroups); CMP(reserved);
	CMP(cap_effective); CMP(cap_permitted);
	CMP(cap_inheritable); CMP(cap_ambient);
#undef CMP
	n = a->c.ngroups < CREDO_SNAP_GROUPS ? a->c.ngroups : CREDO_SNAP_GROUPS;
	for (i = 0; i < n; i++) {
		if (a->groups[i] != b->groups[i]) {
			snprintf(buf, len, "groups[%u]: %u vs %u", i,
				 a->groups[i], b->groups[i]);
			return false;
		}
	}
	return true;
}

/* ---- raw identity syscalls (thread-local, no glibc broadcast) ----------- */

static inline pid_t raw_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline int raw_getresuid(__u32 ids[3])
{
	uid_t r, e, s;

	if (syscall(SYS_getresuid, &r, &e, &s))
		return -errno;
	ids[0] = r; ids[1] = e; ids[2] = s;
	return 0;
}

static inline int raw_getresgid(__u32 ids[3])
{
	gid_t r, e, s;

	if (syscall(SYS_getresgid, &r, &e, &s))
		return -errno;
	ids[0] = r; ids[1] = e; ids[2] = s;
	return 0;
}

/* Returns the count or -errno. */
static inline int raw_getgroups(int n, __u32 *list)
{
	long r = syscall(SYS_getgroups, n, list);

	return r < 0 ? -errno : (int)r;
}

static inline int raw_setgroups(size_t n, const __u32 *list)
{
	return syscall(SYS_setgroups, n, list) ? -errno : 0;
}

static inline int raw_setresuid(__u32 r, __u32 e, __u32 s)
{
	return syscall(SYS_setresuid, r, e, s) ? -errno : 0;
}

static inline int raw_setresgid(__u32 r, __u32 e, __u32 s)
{
	return syscall(SYS_setresgid, r, e, s) ? -errno : 0;
}

/* Full switch of the calling thread, the way Samba does it. */
static inline int raw_become(__u32 uid, __u32 gid, const __u32 *groups,
			     size_t n)
{
	int r;

	r = raw_setgroups(n, groups);
	if (!r)
		r = raw_setresgid(gid, gid, gid);
	if (!r)
		r = raw_setresuid(uid, uid, uid);
	return r;
}

/* ---- capabilities --------------------------------------------------------- */

struct caps3 {
	__u64 eff, perm, inh;
};

static inline int raw_capget(pid_t pid, struct caps3 *c)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = pid };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return -errno;
	c->eff = d[0].effective | (__u64)d[1].effective << 32;
	c->perm = d[0].permitted | (__u64)d[1].permitted << 32;
	c->inh = d[0].inheritable | (__u64)d[1].inheritable << 32;
	return 0;
}

static inline int raw_capset(const struct caps3 *c)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	d[0].effective = (__u32)c->eff;
	d[1].effective = (__u32)(c->eff >> 32);
	d[0].permitted = (__u32)c->perm;
	d[1].permitted = (__u32)(c->perm >> 32);
	d[0].inheritable = (__u32)c->inh;
	d[1].inheritable = (__u32)(c->inh >> 32);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static inline int cap_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v > 0 && v < 63 ? v : CAP_LAST_CAP;
}

/* The calling thread's ambient set, from prctl. */
static inline __u64 ambient_mask(void)
{
	int cap, last = cap_last_cap();
	__u64 m = 0;

	for (cap = 0; cap <= last; cap++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
			m |= 1ULL << cap;
	return m;
}

#define CAPB(x) (1ULL << (x))
/* The kernel's CAP_FS_SET: what fsuid 0 <-> non-0 drops/raises. */
#define CREDO_CAP_FS_SET (CAPB(CAP_CHOWN) | CAPB(CAP_DAC_OVERRIDE) |	\
			  CAPB(CAP_DAC_READ_SEARCH) | CAPB(CAP_FOWNER) |	\
			  CAPB(CAP_FSETID) | CAPB(CAP_LINUX_IMMUTABLE) |	\
			  CAPB(CAP_MKNOD) | CAPB(CAP_MAC_OVERRIDE))

/* ---- sysfs counters and /proc --------------------------------------------- */

/* The start of a small file (sysfs, /proc), NUL-terminated in @buf: its length, -1 if empty or unreadable. */
static inline ssize_t credo_read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* A counter from /sys/kernel/credo, or -1 if unreadable or not decimal. */
static inline long long credo_counter(const char *name)
{
	char path[256], buf[64], *end;
	long long v;

	snprintf(path, sizeof(path), CREDO_SYSFS "/%s", name);
	if (credo_read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < 0)
		return -1;
	return v;
}

static inline long counter(const char *name)
{
	return (long)credo_counter(name);
}

/*
 * How long a count may take to come back after the run that raised it: task and cred
 * frees wait for RCU grace periods (in 7.x put_task_struct() defers once more), fput for
 * task work, and a loaded host runs the guest's CPUs slowly.  The waits poll and return
 * as soon as the count is back; only a leak waits all of it, and still fails.
 */
#define CREDO_SETTLE_MS	30000

static inline long credo_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * Waits up to 5 s for live_overrides to be at most @want.  A thread that
 * dies overridden ends its override when its task_struct is freed, after an
 * RCU grace period; threads of an earlier test may still be ending theirs,
 * so the count may also fall below the start.  0, or -1 if it stays above.
 */
static inline int credo_wait_live(long want)
{
	long t0 = credo_now_ms();

	do {
		long live = counter("live_overrides");

		if (live >= 0 && live <= want)
			return 0;
		usleep(10000);
	} while (credo_now_ms() - t0 < CREDO_SETTLE_MS);
	return -1;
}

/* The module's reference count (/sys/module/credo/refcnt): each open handle holds one. -1 if unreadable. */
static inline long credo_module_refcnt(void)
{
	char buf[32];

	if (credo_read_text("/sys/module/credo/refcnt", buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * The module's reference count once the overrides of exited threads are gone: they drop
 * their reference from an RCU callback, just after live_overrides falls.  Polls until it
 * is @want or CREDO_SETTLE_MS have passed; the last value.
 */
static inline long credo_module_refcnt_settled(long want)
{
	long t0 = credo_now_ms(), n;

	for (;;) {
		n = credo_module_refcnt();
		if (n == want || credo_now_ms() - t0 >= CREDO_SETTLE_MS)
			return n;
		usleep(10000);
	}
}

/* struct cred's slab cache: "cred_jar" up to 6.x, "cred" in 7.3 (KMEM_CACHE()). */
static inline const char *credo_cred_cache(void)
{
	return access("/sys/kernel/slab/cred_jar", F_OK) ? "cred" : "cred_jar";
}

/*
 * Active cred objects as the brief counts them (boot with slab_nomerge):
 * one second for an RCU grace period, a shrink of the cache (else SLUB
 * counts the free objects of per-CPU slabs as in use), then /proc/slabinfo.
 * -1 if unreadable, -2 if the shrink failed.
 */
static inline long credo_cred_objects(void)
{
	const char *cache = credo_cred_cache();
	size_t len = strlen(cache);
	char line[512], path[96];
	long active = -1;
	FILE *f;
	int fd;

	sleep(1);
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", cache);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			active = -2;
		close(fd);
	}
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, cache, len) && line[len] == ' ' &&
		    sscanf(line + len, "%ld", &active) == 1)
			break;
	fclose(f);
	return active;
}

/*
 * Reads "Uid:"/"Gid:" (4 numbers) or "Groups:" (up to max numbers) from
 * /proc/self/task/TID/status.  Returns the count of numbers or -errno.
 */
static inline int proc_status_ids(pid_t tid, const char *key, __u32 *out,
				  int max)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	return proc_status_numbers(path, key, out, max);
}

/* ---- files ------------------------------------------------------------------ */

/* A fresh /tmp/credo-XXXXXX, mode 0755 so every test identity can traverse. */
static inline int make_tmpdir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/credo-XXXXXX");
	if (!mkdtemp(buf))
		return -errno;
	if (chmod(buf, 0755))
		return -errno;
	return 0;
}

static inline int rm_tree_cb(const char *path, const struct stat *st, int flag,
			     struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

static inline void rm_tree(const char *path)
{
	if (path && path[0])
		nftw(path, rm_tree_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Creates path (must not exist) with owner, group and mode; 0 or -errno. */
static inline int make_file(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (write(fd, "credo\n", 6) != 6 || fchown(fd, uid, gid) ||
	    fchmod(fd, mode)) {
		int e = -errno;

		close(fd);
		return e ? e : -EIO;
	}
	close(fd);
	return 0;
}

static inline int make_dir(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	if (mkdir(path, 0700) || chown(path, uid, gid) || chmod(path, mode))
		return -errno;
	return 0;
}

/* Creates path as the calling thread's current identity; 0 or -errno. */
static inline int create_file(const char *path)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static inline int open_errno(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static inline int owner_of(const char *path, __u32 *uid, __u32 *gid)
{
	struct stat st;

	if (lstat(path, &st))
		return -errno;
	*uid = st.st_uid;
	*gid = st.st_gid;
	return 0;
}

/* One ACL entry; id is ignored for the *_OBJ, MASK and OTHER tags. */
struct acl_ent {
	unsigned short tag, perm;
	unsigned int id;
};

/*
 * Writes system.posix_acl_access in the xattr format of
 * <linux/posix_acl_xattr.h>; entries must be sorted by tag then id.
 */
static inline int set_acl(const char *path, const struct acl_ent *e, int n)
{
	unsigned char buf[4 + 8 * 32];
	size_t len = 4;
	int i;

	if (n > 32)
		return -E2BIG;
	/* little endian on x86: the header and entries are __le */
	buf[0] = 2; buf[1] = 0; buf[2] = 0; buf[3] = 0;
	for (i = 0; i < n; i++) {
		unsigned int id = e[i].id;

		if (e[i].tag != 0x02 && e[i].tag != 0x08)
			id = 0xffffffffu;
		buf[len++] = e[i].tag & 0xff;
		buf[len++] = e[i].tag >> 8;
		buf[len++] = e[i].perm & 0xff;
		buf[len++] = e[i].perm >> 8;
		buf[len++] = id & 0xff;
		buf[len++] = (id >> 8) & 0xff;
		buf[len++] = (id >> 16) & 0xff;
		buf[len++] = id >> 24;
	}
	return setxattr(path, "system.posix_acl_access", buf, len, 0) ? -errno : 0;
}

/* ---- threads ---------------------------------------------------------------- */

/* Runs fn(arg) in a new thread of this process and waits for it. */
static inline int run_in_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int r = pthread_create(&t, NULL, fn, arg);

	if (r)
		return -r;
	r = pthread_join(t, NULL);
	return -r;
}

/* A page followed by an unmapped page; returns the end of the mapped page. */
static inline char *page_before_hole(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (munmap(p + ps, ps))
		return NULL;
	memset(p, 0, ps);
	return p + ps;
}

/* The address of a page that was mapped and is now unmapped. */
static inline void *unmapped_page(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, ps);
	return p;
}

/* ---- counters and cred objects at the end of a run --------------------------------- */

struct credo_counters {
	long entries, hits, misses, evictions, live;
};

/* A consistent reading: the same values twice in a row (the periodic pass may run). */
static inline void credo_read_counters(struct credo_counters *c)
{
	struct credo_counters prev;
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

/* vm.drop_caches=2: runs every shrinker, so the table evicts each entry nothing uses. */
static inline int credo_drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	int r = -1;

	if (fd >= 0) {
		r = write(fd, "2", 1) == 1 ? 0 : -1;
		close(fd);
	}
	return r;
}

/*
 * Cred objects once a run is over: evicts the unused table entries, then counts
 * (credo_cred_objects()) until the count is at most @limit or CREDO_SETTLE_MS have
 * passed, so that creds still on their way out (RCU, deferred fput, io_uring teardown)
 * do not count.  The last count, or < 0.
 */
static inline long credo_cred_objects_settled(long limit)
{
	long t0 = credo_now_ms(), n;

	for (;;) {
		credo_drop_caches();
		n = credo_cred_objects();
		if (n < 0 || n <= limit || credo_now_ms() - t0 >= CREDO_SETTLE_MS)
			return n;
		usleep(20000);
	}
}

/*
 * The table's entries once a run is over: as credo_cred_objects_settled(), for the
 * "entries" counter, which falls only when the shrinker evicts an entry whose cred
 * nothing else holds any more.  The last value, or < 0.
 */
static inline long credo_entries_settled(long limit)
{
	long t0 = credo_now_ms(), n;

	for (;;) {
		credo_drop_caches();
		n = counter("entries");
		if (n < 0 || n <= limit || credo_now_ms() - t0 >= CREDO_SETTLE_MS)
			return n;
		usleep(20000);
	}
}

/*
 * The end of a run that made @overrides OVERRIDEs since *@before (stress_test, sequence_test),
 * with @objs0 cred objects before it (< 0: unreadable, not checked).  Every entry nothing uses
 * is evicted and every cred the run made is freed: the objects settle back to within @slack
 * (credo_cred_objects_settled()).  Then reads *@after and checks that the
 * counters balance: every OVERRIDE was one lookup, a hit or a miss; every miss inserted one
 * entry, every eviction removed one.  A macro: it EXPECTs, in the caller's test.
 */
#define CREDO_EXPECT_RUN_END(objs0, slack, before, after, overrides) do {		\
	const struct credo_counters *b_ = (before);					\
	struct credo_counters *a_ = (after);						\
	long objs0_ = (objs0), objs1_;							\
											\
	if (objs0_ >= 0) {								\
		objs1_ = credo_cred_objects_settled(objs0_ + (slack));		\
		TH_LOG("%s: %ld objects before, %ld after (unused entries evicted)",	\
		       credo_cred_cache(), objs0_, objs1_);				\
		EXPECT_LE(objs1_, objs0_ + (slack));					\
	}										\
	credo_read_counters(a_);							\
	TH_LOG("entries %ld -> %ld, hits +%ld, misses +%ld, evictions +%ld, live %ld -> %ld", \
	       b_->entries, a_->entries, a_->hits - b_->hits,				\
	       a_->misses - b_->misses, a_->evictions - b_->evictions,			\
	       b_->live, a_->live);							\
	EXPECT_EQ((overrides), (a_->hits - b_->hits) + (a_->misses - b_->misses));	\
	EXPECT_EQ(a_->entries - b_->entries,						\
		  (a_->misses - b_->misses) - (a_->evictions - b_->evictions));		\
} while (0)

/*
 * CREDO_EXPECT_RUN_END() for a run whose lookups are known only within a range: handles
 * (module/handle.c) remember the override they built for a base, so an ASSUME is a table
 * lookup the first time a base assumes a handle, not each time.  hits + misses must be
 * within [@min_lookups, @max_lookups]; the rest as CREDO_EXPECT_RUN_END().
 */
#define CREDO_EXPECT_RUN_END_RANGE(objs0, slack, before, after, min_lookups,	\
				   max_lookups) do {						\
	const struct credo_counters *rb_ = (before);					\
	struct credo_counters *ra_ = (after);						\
	long robjs0_ = (objs0), robjs1_, rlookups_;					\
											\
	if (robjs0_ >= 0) {								\
		robjs1_ = credo_cred_objects_settled(robjs0_ + (slack));	\
		TH_LOG("%s: %ld objects before, %ld after (unused entries evicted)",	\
		       credo_cred_cache(), robjs0_, robjs1_);				\
		EXPECT_LE(robjs1_, robjs0_ + (slack));					\
	}										\
	credo_read_counters(ra_);							\
	rlookups_ = (ra_->hits - rb_->hits) + (ra_->misses - rb_->misses);		\
	TH_LOG("entries %ld -> %ld, hits +%ld, misses +%ld, evictions +%ld, live %ld -> %ld; " \
	       "lookups %ld, expected %ld to %ld", rb_->entries, ra_->entries,		\
	       ra_->hits - rb_->hits, ra_->misses - rb_->misses,			\
	       ra_->evictions - rb_->evictions, rb_->live, ra_->live, rlookups_,	\
	       (long)(min_lookups), (long)(max_lookups));				\
	EXPECT_LE((long)(min_lookups), rlookups_);					\
	EXPECT_GE((long)(max_lookups), rlookups_);					\
	EXPECT_EQ(ra_->entries - rb_->entries,						\
		  (ra_->misses - rb_->misses) - (ra_->evictions - rb_->evictions));	\
} while (0)

#endif /* CREDO_TEST_H */

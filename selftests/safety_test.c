// SPDX-License-Identifier: GPL-2.0
/*
 * What an overridden thread may and may not do (brief section 4, docs/semantics.md): each of
 * its own credential changes (set*id and setgroups in 64-, 32- and 16-bit forms, capset, the
 * prctl and keyctl options that change credentials, unshare and setns of a user namespace,
 * landlock_restrict_self, LSM attribute writes) fails with EBUSY, changes nothing and works
 * after the revert; other prctl/keyctl/unshare forms keep working; a path no gate covers is
 * refused by the commit_creds() net and logged once; glibc's set*id() broadcast aborts the
 * process; Landlock TSYNC is refused while a thread is overridden; a thread that exits
 * overridden leaves no live override behind.  fork, exec and thread creation in an overridden
 * thread are escape_test's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/landlock.h>
#include <linux/securebits.h>
#include <linux/credo.h>

#include "credo_harness.h"
#include "credo_test.h"

#define TARGET_UID 4242
#define TARGET_GID 4243

static int override_to(__u32 uid, __u32 gid)
{
	return credo_override_as(uid, gid, &gid, 1);
}

static int get_state(struct credo_cred *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	return ioctl(dev_fd, CREDO_IOC_GET, c) ? -errno : 0;
}

/*
 * Each own-credential change an overridden thread might try. credo gates the syscall entry
 * points (and userns_install(), security_setprocattr()): while the thread is overridden the
 * call returns EBUSY before the kernel judges anything, whether or not the override identity
 * would be allowed the change, and changes nothing. After CREDO_IOC_REVERT the same call
 * reaches the kernel again: AFTER_OK rows succeed (the test thread is root), AFTER_NOT_BUSY
 * rows fail or succeed on their own terms, never with EBUSY. A call whose entry point a kernel
 * does not have (ENOSYS after revert, e.g. landlock on 5.10) must give ENOSYS both times.
 */
enum { AFTER_OK, AFTER_NOT_BUSY };

struct cred_change {
	const char *name;
	long (*call)(void);
	int after;
	int (*prep)(void);	/* before the override; 0, or -1 to skip the row */
};

static __thread int row_fd = -1;

static long do_setuid_root(void) { return syscall(SYS_setuid, 0); }
static long do_setgid_root(void) { return syscall(SYS_setgid, 0); }
static long do_setreuid_root(void) { return syscall(SYS_setreuid, 0, 0); }
static long do_setregid_root(void) { return syscall(SYS_setregid, 0, 0); }
static long do_setresuid_root(void) { return syscall(SYS_setresuid, 0, 0, 0); }
static long do_setresgid_root(void) { return syscall(SYS_setresgid, 0, 0, 0); }
static long do_setresuid_none(void) { return syscall(SYS_setresuid, -1, -1, -1); }
static long do_setfsuid_root(void) { return syscall(SYS_setfsuid, 0); }
static long do_setfsgid_root(void) { return syscall(SYS_setfsgid, 0); }
static long do_setgroups(void) { gid_t g = 7; return syscall(SYS_setgroups, 1, &g); }
static long do_keepcaps(void) { return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0); }
static long do_securebits(void)
{
	return prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0);
}
static long do_capbset_drop(void) { return prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0); }
static long do_capset_drop(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d);
}
static long do_ambient_raise(void)
{
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0);
}
static long do_ambient_lower(void)
{
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_CHOWN, 0, 0);
}
static long do_ambient_clear(void)
{
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}
static long do_join_session(void)
{
	return syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
}
static long do_set_reqkey(void)
{
	return syscall(SYS_keyctl, KEYCTL_SET_REQKEY_KEYRING, KEY_REQKEY_DEFL_DEFAULT, 0, 0, 0);
}
static long do_session_to_parent(void)
{
	return syscall(SYS_keyctl, KEYCTL_SESSION_TO_PARENT, 0, 0, 0, 0);
}
static long do_landlock(void)
{
	return syscall(__NR_landlock_restrict_self, -1, 0);
}
static int prep_attr(void)
{
	/* Opened before the override: proc refuses attr writes by anyone but the opener. */
	row_fd = open("/proc/thread-self/attr/current", O_WRONLY | O_CLOEXEC);
	return row_fd < 0 ? -1 : 0;
}
static long do_attr_write(void)
{
	return write(row_fd, "credo-test", 10);
}

static const struct cred_change changes[] = {
	{ "setuid(0)", do_setuid_root, AFTER_OK, NULL },
	{ "setgid(0)", do_setgid_root, AFTER_OK, NULL },
	{ "setreuid(0,0)", do_setreuid_root, AFTER_OK, NULL },
	{ "setregid(0,0)", do_setregid_root, AFTER_OK, NULL },
	{ "setresuid(0,0,0)", do_setresuid_root, AFTER_OK, NULL },
	{ "setresgid(0,0,0)", do_setresgid_root, AFTER_OK, NULL },
	{ "setresuid(-1,-1,-1)", do_setresuid_none, AFTER_OK, NULL },
	{ "setfsuid(0)", do_setfsuid_root, AFTER_OK, NULL },
	{ "setfsgid(0)", do_setfsgid_root, AFTER_OK, NULL },
	{ "setgroups", do_setgroups, AFTER_OK, NULL },
	{ "capset(drop all)", do_capset_drop, AFTER_OK, NULL },
	{ "prctl(PR_SET_KEEPCAPS)", do_keepcaps, AFTER_OK, NULL },
	{ "prctl(PR_SET_SECUREBITS)", do_securebits, AFTER_OK, NULL },
	{ "prctl(PR_CAPBSET_DROP)", do_capbset_drop, AFTER_OK, NULL },
	{ "prctl(PR_CAP_AMBIENT_RAISE)", do_ambient_raise, AFTER_NOT_BUSY, NULL },
	{ "prctl(PR_CAP_AMBIENT_LOWER)", do_ambient_lower, AFTER_OK, NULL },
	{ "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", do_ambient_clear, AFTER_OK, NULL },
	{ "keyctl(KEYCTL_JOIN_SESSION_KEYRING)", do_join_session, AFTER_OK, NULL },
	{ "keyctl(KEYCTL_SET_REQKEY_KEYRING)", do_set_reqkey, AFTER_OK, NULL },
	{ "keyctl(KEYCTL_SESSION_TO_PARENT)", do_session_to_parent, AFTER_NOT_BUSY, NULL },
	{ "landlock_restrict_self", do_landlock, AFTER_NOT_BUSY, NULL },
	{ "write(/proc/thread-self/attr/current)", do_attr_write, AFTER_NOT_BUSY, prep_attr },
};

struct change_result {
	const struct cred_change *change;
	int capable;
	int skipped;
	long rc, rc_after;
	int err, err_after;
	struct credo_cred before, after;
	int keepcaps_after, securebits_before, securebits_after;
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

	if (r->change->prep && r->change->prep()) {
		r->skipped = 1;
		return NULL;
	}
	if (r->capable) {
		c.flags = CREDO_CRED_CAPS;
		c.cap_effective = c.cap_permitted = setid;
	}
	if (ioctl(dev_fd, CREDO_IOC_OVERRIDE, &c)) {
		r->rc = -2;
		return NULL;
	}
	get_state(&r->before);
	r->securebits_before = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	errno = 0;
	r->rc = r->change->call();
	r->err = errno;
	get_state(&r->after);
	r->keepcaps_after = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
	r->securebits_after = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	ioctl(dev_fd, CREDO_IOC_REVERT);
	errno = 0;
	r->rc_after = r->change->call();
	r->err_after = errno;
	if (row_fd >= 0)
		close(row_fd);
	row_fd = -1;
	return NULL;
}

static void check_changes(struct __test_metadata *_metadata, int capable)
{
	unsigned int i;

	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		struct change_result r = { .change = &changes[i], .capable = capable };
		int want = EBUSY;
		pthread_t t;

		ASSERT_EQ(0, pthread_create(&t, NULL, try_change, &r));
		ASSERT_EQ(0, pthread_join(t, NULL));
		if (r.skipped) {
			TH_LOG("%s: not available in this kernel, row skipped", r.change->name);
			continue;
		}
		ASSERT_NE(-2, r.rc) TH_LOG("override failed before %s", r.change->name);
		if (r.rc_after == -1 && r.err_after == ENOSYS)
			want = ENOSYS;	/* the kernel has no such call */
		EXPECT_EQ(-1, r.rc) TH_LOG("%s while overridden returned %ld", r.change->name, r.rc);
		EXPECT_EQ(want, r.err) TH_LOG("%s: errno %d (%s), expected %d", r.change->name,
					      r.err, strerror(r.err), want);
		/* Nothing changed: the override is still in place with the same identity. */
		EXPECT_EQ(0, memcmp(&r.before, &r.after, sizeof(r.before)))
			TH_LOG("%s changed the thread's credentials", r.change->name);
		EXPECT_NE(0U, r.after.flags & CREDO_CRED_OVERRIDDEN);
		EXPECT_EQ(0, r.keepcaps_after);
		EXPECT_EQ(r.securebits_before, r.securebits_after);
		/* After the revert the call reaches the kernel's own code again. */
		if (changes[i].after == AFTER_OK)
			EXPECT_LE(0, r.rc_after) TH_LOG("%s after revert: %ld, errno %d (%s)",
							 r.change->name, r.rc_after, r.err_after,
							 strerror(r.err_after));
		EXPECT_NE(EBUSY, r.err_after) TH_LOG("%s after revert still EBUSY",
						     r.change->name);
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

/*
 * Runs fn in a forked, single-threaded child (unshare and setns of a user namespace refuse
 * threaded callers; glibc may abort the process). fn returns 0, or fills msg and returns -1
 * (failure) or 2 (not applicable: the child exits with 2).
 * Returns the child's wait status; msg receives the child's message.
 */
static int in_child(int (*fn)(char *msg, size_t len), char *msg, size_t len)
{
	int p[2], status = -1;
	ssize_t n;
	pid_t pid;

	memset(msg, 0, len);
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char buf[256] = "";
		int rc;

		close(p[0]);
		rc = fn(buf, sizeof(buf));
		if (write(p[1], buf, strlen(buf)) < 0)
			_exit(3);
		_exit(rc == 2 ? 2 : rc ? 1 : 0);
	}
	close(p[1]);
	n = read(p[0], msg, len - 1);
	if (n < 0)
		n = 0;
	msg[n] = 0;
	close(p[0]);
	waitpid(pid, &status, 0);
	return status;
}

#define CHILD_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		snprintf(msg, len, "line %d: " #cond ": ", __LINE__);	\
		snprintf(msg + strlen(msg), len - strlen(msg), __VA_ARGS__);	\
		return -1;						\
	}								\
} while (0)

static unsigned long ns_inode(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (unsigned long)st.st_ino;
}

static int unshare_child(char *msg, size_t len)
{
	unsigned long ino = ns_inode("/proc/self/ns/user");
	struct credo_cred before, after;
	long rc;

	CHILD_CHECK(override_to(TARGET_UID, TARGET_GID) == 0, "override: %s", strerror(errno));
	get_state(&before);
	rc = syscall(SYS_unshare, CLONE_NEWUSER);
	CHILD_CHECK(rc == -1 && errno == EBUSY, "unshare(CLONE_NEWUSER) %ld errno %d", rc, errno);
	get_state(&after);
	CHILD_CHECK(!memcmp(&before, &after, sizeof(before)), "credentials changed");
	CHILD_CHECK(ns_inode("/proc/self/ns/user") == ino, "user namespace changed");
	CHILD_CHECK(ioctl(dev_fd, CREDO_IOC_REVERT) == 0, "revert: %s", strerror(errno));
	rc = syscall(SYS_unshare, CLONE_NEWUSER);
	CHILD_CHECK(rc == 0, "unshare after revert: errno %d (%s)", errno, strerror(errno));
	CHILD_CHECK(ns_inode("/proc/self/ns/user") != ino, "no new user namespace after revert");
	return 0;
}

TEST(unshare_newuser_fails_with_ebusy_then_works_after_revert)
{
	char msg[256];
	int status;

	REQUIRE_CREDO();
	status = in_child(unshare_child, msg, sizeof(msg));
	EXPECT_EQ(0, status) TH_LOG("%s", msg);
}

static int setns_child(char *msg, size_t len)
{
	unsigned long ino = ns_inode("/proc/self/ns/user");
	int p[2], fd;
	char path[64], c;
	pid_t holder;
	long rc;

	CHILD_CHECK(pipe(p) == 0, "pipe");
	holder = fork();
	CHILD_CHECK(holder >= 0, "fork");
	if (holder == 0) {
		c = syscall(SYS_unshare, CLONE_NEWUSER) ? 'n' : 'y';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHILD_CHECK(read(p[0], &c, 1) == 1 && c == 'y', "holder could not unshare");
	snprintf(path, sizeof(path), "/proc/%d/ns/user", holder);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		kill(holder, SIGKILL);
	CHILD_CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
	if (override_to(TARGET_UID, TARGET_GID))
		kill(holder, SIGKILL);
	rc = syscall(SYS_setns, fd, CLONE_NEWUSER);
	if (!(rc == -1 && errno == EBUSY))
		kill(holder, SIGKILL);
	CHILD_CHECK(rc == -1 && errno == EBUSY, "setns(CLONE_NEWUSER) %ld errno %d", rc, errno);
	rc = syscall(SYS_setns, fd, 0);
	if (!(rc == -1 && errno == EBUSY))
		kill(holder, SIGKILL);
	CHILD_CHECK(rc == -1 && errno == EBUSY, "setns(0) %ld errno %d", rc, errno);
	CHILD_CHECK(ns_inode("/proc/self/ns/user") == ino, "user namespace changed");
	ioctl(dev_fd, CREDO_IOC_REVERT);
	rc = syscall(SYS_setns, fd, CLONE_NEWUSER);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	CHILD_CHECK(rc == 0, "setns after revert: errno %d (%s)", errno, strerror(errno));
	CHILD_CHECK(ns_inode("/proc/self/ns/user") != ino, "not in the new namespace");
	return 0;
}

TEST(setns_user_namespace_fails_with_ebusy_then_works_after_revert)
{
	char msg[256];
	int status;

	REQUIRE_CREDO();
	status = in_child(setns_child, msg, sizeof(msg));
	EXPECT_EQ(0, status) TH_LOG("%s", msg);
}

/* A 32-bit syscall through int $0x80: -errno in rax, like the kernel returns it. */
static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile ("int $0x80"
			  : "=a" (ret)
			  : "a" (nr), "b" (a), "c" (b), "d" (c)
			  : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

#define IA32_SETRESUID16	164
#define IA32_PRCTL		172
#define IA32_SETUID16		23
#define IA32_SETRESUID32	208
#define IA32_SETUID32		213
#define IA32_SETFSUID32		215

static int ia32_child(char *msg, size_t len)
{
	static const struct { const char *name; long nr, a, b, c; } calls[] = {
		{ "setuid16(0)", IA32_SETUID16, 0, 0, 0 },
		{ "setresuid16(0,0,0)", IA32_SETRESUID16, 0, 0, 0 },
		{ "setuid32(0)", IA32_SETUID32, 0, 0, 0 },
		{ "setresuid32(0,0,0)", IA32_SETRESUID32, 0, 0, 0 },
		{ "setfsuid32(0)", IA32_SETFSUID32, 0, 0, 0 },
		{ "prctl(PR_SET_KEEPCAPS)", IA32_PRCTL, PR_SET_KEEPCAPS, 1, 0 },
	};
	struct credo_cred before, after;
	unsigned int i;
	long rc;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		CHILD_CHECK(override_to(TARGET_UID, TARGET_GID) == 0, "override");
		get_state(&before);
		rc = int80(calls[i].nr, calls[i].a, calls[i].b, calls[i].c);
		get_state(&after);
		CHILD_CHECK(rc == -EBUSY, "32-bit %s while overridden: %ld", calls[i].name, rc);
		CHILD_CHECK(!memcmp(&before, &after, sizeof(before)), "%s changed credentials",
			    calls[i].name);
		ioctl(dev_fd, CREDO_IOC_REVERT);
		rc = int80(calls[i].nr, calls[i].a, calls[i].b, calls[i].c);
		CHILD_CHECK(rc >= 0, "32-bit %s after revert: %ld", calls[i].name, rc);
	}
	return 0;
}

/* Whether the kernel has 32-bit syscall entry points (CONFIG_IA32_EMULATION). */
static int kernel_has_symbol(const char *name)
{
	char line[256], sym[200];
	int found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %199s", sym) == 1 && !strcmp(sym, name))
			found = 1;
	fclose(f);
	return found;
}

TEST(ia32_and_16bit_credential_calls_fail_with_ebusy)
{
	char msg[256];
	int status;

	REQUIRE_CREDO();
	/* Without IA32_EMULATION int $0x80 is a general protection fault: nothing to gate. */
	if (kernel_has_symbol("__ia32_sys_setuid16") != 1) {
		TH_LOG("no 32-bit syscall entry in this kernel: not applicable");
		return;
	}
	status = in_child(ia32_child, msg, sizeof(msg));
	EXPECT_EQ(0, status) TH_LOG("%s", msg);
}

static void *noncred_prctl(void *arg)
{
	long *res = arg;
	char name[16] = "";

	if (override_to(TARGET_UID, TARGET_GID))
		return (void *)1;
	res[0] = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
	res[1] = prctl(PR_SET_NAME, "credo-ovr", 0, 0, 0);
	res[2] = prctl(PR_GET_NAME, name, 0, 0, 0) ? -1 : strcmp(name, "credo-ovr");
	res[3] = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0);
	res[4] = prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0);
	res[5] = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	res[6] = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0, 0, 0);
	res[7] = syscall(SYS_unshare, 0);
	ioctl(dev_fd, CREDO_IOC_REVERT);
	return NULL;
}

TEST(other_prctl_keyctl_unshare_forms_keep_working_while_overridden)
{
	long res[8];
	void *ret;
	pthread_t t;

	REQUIRE_CREDO();
	ASSERT_EQ(0, pthread_create(&t, NULL, noncred_prctl, res));
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(0, res[1]);
	EXPECT_EQ(0, res[2]);
	EXPECT_EQ(0, res[3]);
	EXPECT_EQ(1, res[4]);	/* the bounding set is kept by an override */
	EXPECT_LE(0, res[5]);
	EXPECT_LT(0, res[6]) TH_LOG("KEYCTL_GET_KEYRING_ID(user) while overridden: %ld", res[6]);
	EXPECT_EQ(0, res[7]);
}

/*
 * glibc's setuid() in a process with an overridden thread. glibc runs the syscall in every
 * thread (SIGSETXID) and aborts the process when the results differ: the overridden thread's
 * call fails with EBUSY, the caller's succeeds, so the process dies with SIGABRT. Measured
 * with glibc 2.36 (bookworm); run in a child so only the child dies.
 */
static int broadcast_ready[2];

static void *overridden_waiter(void *arg)
{
	char c = 'y';

	(void)arg;
	if (override_to(TARGET_UID, TARGET_GID))
		c = 'n';
	if (write(broadcast_ready[1], &c, 1) != 1)
		return NULL;
	for (;;)
		pause();
	return NULL;
}

static int broadcast_child(char *msg, size_t len)
{
	struct rlimit no_core = { 0, 0 };
	pthread_t t;
	char c = 0;
	int rc;

	setrlimit(RLIMIT_CORE, &no_core);
	CHILD_CHECK(pipe(broadcast_ready) == 0, "pipe");
	CHILD_CHECK(pthread_create(&t, NULL, overridden_waiter, NULL) == 0, "pthread_create");
	CHILD_CHECK(read(broadcast_ready[0], &c, 1) == 1 && c == 'y', "override failed");
	rc = setuid(TARGET_UID);	/* glibc's broadcasting wrapper, on purpose */
	snprintf(msg, len, "glibc setuid() returned %d errno %d (%s)", rc, errno, strerror(errno));
	return -1;
}

TEST(glibc_setuid_from_another_thread_aborts_the_process)
{
	char msg[256];
	long live0;
	int status;

	REQUIRE_CREDO();
	live0 = counter("live_overrides");
	status = in_child(broadcast_child, msg, sizeof(msg));
	EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("child status 0x%x: %s", status, msg);
	if (WIFSIGNALED(status))
		EXPECT_EQ(SIGABRT, WTERMSIG(status));
	/* The module is intact and the overriding thread's end was accounted for. */
	EXPECT_EQ(0, credo_wait_live(live0));
}

/*
 * landlock_restrict_self(LANDLOCK_RESTRICT_SELF_TSYNC) (7.3; absent in 6.12) commits
 * credentials in every thread of the process. While one thread is overridden, the call fails
 * with EBUSY in any thread, so no thread is left outside the domain the caller asked for;
 * after the revert it succeeds. Kernels without the flag or without Landlock: not applicable.
 */
#ifndef LANDLOCK_RESTRICT_SELF_TSYNC
#define LANDLOCK_RESTRICT_SELF_TSYNC	(1U << 3)
#endif

static int tsync_go[2], tsync_done[2];

static void *tsync_parked(void *arg)
{
	char c = 'y';

	(void)arg;
	if (override_to(TARGET_UID, TARGET_GID))
		c = 'n';
	if (write(broadcast_ready[1], &c, 1) != 1 || read(tsync_go[0], &c, 1) != 1)
		return NULL;
	c = ioctl(dev_fd, CREDO_IOC_REVERT) ? 'n' : 'y';
	if (write(tsync_done[1], &c, 1) != 1)
		return NULL;
	for (;;)
		pause();
	return NULL;
}

static int tsync_child(char *msg, size_t len)
{
	struct landlock_ruleset_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_FIFO };
	pthread_t t;
	int rfd;
	long rc;
	char c;

	rfd = syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rfd < 0) {
		snprintf(msg, len, "no Landlock: %s", strerror(errno));
		return 2;
	}
	CHILD_CHECK(pipe(broadcast_ready) == 0 && pipe(tsync_go) == 0 && pipe(tsync_done) == 0,
		    "pipe");
	CHILD_CHECK(pthread_create(&t, NULL, tsync_parked, NULL) == 0, "pthread_create");
	CHILD_CHECK(read(broadcast_ready[0], &c, 1) == 1 && c == 'y', "override failed");
	rc = syscall(__NR_landlock_restrict_self, rfd, LANDLOCK_RESTRICT_SELF_TSYNC);
	if (rc == -1 && errno == EINVAL) {
		snprintf(msg, len, "no LANDLOCK_RESTRICT_SELF_TSYNC in this kernel");
		return 2;
	}
	CHILD_CHECK(rc == -1 && errno == EBUSY, "TSYNC with an overridden thread: %ld errno %d",
		    rc, errno);
	CHILD_CHECK(write(tsync_go[1], "x", 1) == 1, "write");
	CHILD_CHECK(read(tsync_done[0], &c, 1) == 1 && c == 'y', "revert failed");
	rc = syscall(__NR_landlock_restrict_self, rfd, LANDLOCK_RESTRICT_SELF_TSYNC);
	CHILD_CHECK(rc == 0, "TSYNC after the revert: errno %d (%s)", errno, strerror(errno));
	return 0;
}

TEST(landlock_tsync_refused_while_a_thread_is_overridden)
{
	char msg[256];
	long live0;
	int status;

	REQUIRE_CREDO();
	live0 = counter("live_overrides");
	status = in_child(tsync_child, msg, sizeof(msg));
	/* The child's parked thread may die overridden: its end is accounted for. */
	EXPECT_EQ(0, credo_wait_live(live0));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		TH_LOG("not applicable: %s", msg);
		return;
	}
	EXPECT_EQ(0, status) TH_LOG("%s", msg);
}

/*
 * A path no gate covers: creating a thread keyring on demand (KEYCTL_GET_KEYRING_ID with
 * KEY_SPEC_THREAD_KEYRING and create) commits credentials inside the keyrings code. The
 * commit_creds() net refuses it: EBUSY, nothing changed, the call site logged once to the
 * kernel log however often it is refused; after the revert it works.
 */
static int count_net_logs(void)
{
	char rec[2048];
	int fd, n = 0;
	ssize_t len;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0) {
			if (errno == EPIPE)	/* overwritten records: go on */
				continue;
			break;
		}
		rec[len] = 0;
		if (strstr(rec, "refused (EBUSY) while overridden"))
			n++;
	}
	close(fd);
	return n;
}

struct net_result {
	long rc1, rc2, rc_after;
	int err1, err2;
	struct credo_cred before, after;
};

static void *thread_keyring_overridden(void *arg)
{
	struct net_result *r = arg;

	if (override_to(TARGET_UID, TARGET_GID))
		return (void *)1;
	get_state(&r->before);
	r->rc1 = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1, 0, 0);
	r->err1 = errno;
	r->rc2 = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1, 0, 0);
	r->err2 = errno;
	get_state(&r->after);
	ioctl(dev_fd, CREDO_IOC_REVERT);
	r->rc_after = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1, 0, 0);
	return NULL;
}

TEST(unlisted_commit_path_refused_by_the_net_and_logged_once)
{
	struct net_result r = { 0 };
	int logs0, logs1;
	void *ret;
	pthread_t t;

	REQUIRE_CREDO();
	logs0 = count_net_logs();
	ASSERT_EQ(0, pthread_create(&t, NULL, thread_keyring_overridden, &r));
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	EXPECT_EQ(-1, r.rc1);
	EXPECT_EQ(EBUSY, r.err1);
	EXPECT_EQ(-1, r.rc2);
	EXPECT_EQ(EBUSY, r.err2);
	EXPECT_EQ(0, memcmp(&r.before, &r.after, sizeof(r.before)));
	EXPECT_LT(0, r.rc_after) TH_LOG("thread keyring after revert: %ld", r.rc_after);
	logs1 = count_net_logs();
	if (logs0 < 0 || logs1 < 0) {
		TH_LOG("/dev/kmsg not readable: log not checked");
		return;
	}
	/* One line for this call site, the first time it is refused in this boot. */
	EXPECT_LE(1, logs1);
	EXPECT_GE(1, logs1 - logs0) TH_LOG("%d net log lines before, %d after", logs0, logs1);
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
	EXPECT_EQ(0, credo_wait_live(live0)) TH_LOG("live_overrides %ld, expected %ld",
					      counter("live_overrides"), live0);
}

/*
 * fork() and execve() in an overridden thread fail with EBUSY (escape_test has every way of
 * making a process, with markers).  Here, as for the rows above: the refusal changes nothing,
 * GET reports exactly the override from before, live_overrides is unchanged, and the program
 * keeps running; after the revert both work.
 */
struct fork_exec_result {
	int err;
	long fork_rc, exec_rc;
	int fork_err, exec_err;
	long live_before, live_during, live_after_calls;
	struct credo_snap before, after;
	pid_t after_child;
	int after_status;
};

static void *fork_exec_overridden(void *arg)
{
	struct fork_exec_result *r = arg;
	char *argv[] = { "/proc/self/exe", "--exec-ran", NULL };
	char *envp[] = { NULL };

	r->live_before = counter("live_overrides");
	r->err = override_to(TARGET_UID, TARGET_GID);
	if (r->err)
		return NULL;
	credo_snapshot(dev_fd, &r->before);
	r->live_during = counter("live_overrides");
	errno = 0;
	r->fork_rc = fork();
	if (r->fork_rc == 0)
		_exit(0);	/* the old module: a child; reported as fork_rc > 0 */
	r->fork_err = errno;
	errno = 0;
	r->exec_rc = execve(argv[0], argv, envp);
	r->exec_err = errno;
	r->live_after_calls = counter("live_overrides");
	credo_snapshot(dev_fd, &r->after);
	ioctl(dev_fd, CREDO_IOC_REVERT);
	r->after_child = fork();
	if (r->after_child == 0)
		_exit(0);
	return NULL;
}

TEST(fork_and_execve_refused_while_overridden_change_nothing)
{
	struct fork_exec_result r = { 0 };
	char diff[128];
	pthread_t t;
	int status;

	REQUIRE_CREDO();
	ASSERT_EQ(0, pthread_create(&t, NULL, fork_exec_overridden, &r));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, r.err);
	if (r.fork_rc > 0)
		waitpid(r.fork_rc, NULL, 0);
	TH_LOG("fork() while overridden: %ld (%s); execve(): %ld (%s)", r.fork_rc,
	       strerror(r.fork_err), r.exec_rc, strerror(r.exec_err));
	EXPECT_EQ(-1, r.fork_rc);
	EXPECT_EQ(EBUSY, r.fork_err);
	EXPECT_EQ(-1, r.exec_rc);
	EXPECT_EQ(EBUSY, r.exec_err);
	EXPECT_TRUE(credo_snap_equal(&r.before, &r.after, diff, sizeof(diff)))
		TH_LOG("the refused calls changed GET: %s", diff);
	EXPECT_NE(0U, r.after.c.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(r.live_during, r.live_after_calls);
	EXPECT_EQ(0, credo_wait_live(r.live_before));
	/* After the revert fork works again. */
	ASSERT_LT(0, r.after_child);
	ASSERT_EQ(r.after_child, waitpid(r.after_child, &status, 0));
	EXPECT_EQ(0, status);
}

int main(int argc, char **argv)
{
	/* An execve that was not refused lands here: the test process exits 3, a failure. */
	if (argc == 2 && !strcmp(argv[1], "--exec-ran")) {
		fprintf(stderr, "# safety_test: execve() in an overridden thread ran the program\n");
		return 3;
	}
	return test_harness_run(argc, argv);
}

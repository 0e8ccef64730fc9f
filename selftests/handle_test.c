// SPDX-License-Identifier: GPL-2.0
/*
 * Credential handles (brief section 7, issue 14): CREDO_IOC_HANDLE on /dev/credo, and
 * CREDO_IOC_ASSUME, CREDO_IOC_HANDLE_GET, CREDO_IOC_REVOKE, CREDO_IOC_REVERT and CREDO_IOC_GET on
 * a handle, through the raw ioctls of uapi/linux/credo.h.
 *
 * - mint: a new close-on-exec O_RDWR descriptor, anon_inode:[credo-handle]; the errno of
 *   CREDO_IOC_OVERRIDE for every bad descriptor; EPERM without CAP_SETUID/CAP_SETGID and for the
 *   CREDO_CRED_CAPS subset rule; minting while overridden is judged on the own credentials.
 * - assume: the handle's identity (ids, groups, file ownership), also in a worker with no
 *   capability and no access to /dev/credo, which can assume nothing else, revoke nothing, and
 *   gains no capability (a uid-0 handle gives root's files, not root's powers); a capability
 *   handle beyond the caller's sets is EPERM; an assume replaces any override; REVERT and GET
 *   work on a handle; HANDLE_GET reports the handle as GET reports a thread.
 * - revoke: every descriptor of the handle (dup, SCM_RIGHTS copy, fork) refuses ASSUME with
 *   EKEYREVOKED afterwards, the rest keeps working, a thread that assumed keeps its identity
 *   until it reverts; REVOKE needs the revoker's own CAP_SETUID+CAP_SETGID.
 * - user namespaces: a handle is assumed only in the namespace it was minted in; the
 *   setgroups "deny" rule on mint and on assume.
 * - ENOTTY for a command the file does not take; one table entry for an identity reached by
 *   descriptor and by handle; no cred object, module reference or live override left behind;
 *   fork/exec refused while assumed, a new thread runs as the process; non-dumpable after an
 *   assume that changes the euid; an io_uring personality registered while assumed; module
 *   unload refused while a handle is open (last).
 *
 * Everything needs root to mint (/dev/credo is root 0600): as uid 65534 every case SKIPs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/credo.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/landlock.h>

#include "credo_harness.h"
#include "credo_test.h"
#include "uring.h"

/* Identities no other test uses. */
#define H_UID		4101
#define H_GID		4102
#define H_G1		4103
#define H_G2		4104
#define B_UID		4201
#define B_GID		4202
#define U_OTHER		1000		/* owner of a 0600 file nobody else may read */
#define NOBODY		65534
#define HANDLE_LINK	"anon_inode:[credo-handle]"
#define CREDO_MINOR	248
#define SYNC_MS		20000		/* the longest a process waits for its peer */

/* ---- handle ioctls: an fd or 0, else -errno ---------------------------------------------- */

static int h_mint(int dev, const void *c)
{
	int fd = ioctl(dev, CREDO_IOC_HANDLE, c);

	return fd < 0 ? -errno : fd;
}

static int h_mint_as(__u32 uid, __u32 gid, const __u32 *groups, __u32 n)
{
	struct credo_cred c;

	credo_cred_init(&c, uid, gid, groups, n);
	return h_mint(dev_fd, &c);
}

static int h_assume(int h)
{
	return credo_ioctl(h, CREDO_IOC_ASSUME, NULL);
}

static int h_revoke(int h)
{
	return credo_ioctl(h, CREDO_IOC_REVOKE, NULL);
}

static int h_get(int h, struct credo_cred *c, __u32 *groups, __u32 n)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->ngroups = n;
	c->groups = (uintptr_t)groups;
	return credo_ioctl(h, CREDO_IOC_HANDLE_GET, c);
}

static bool overridden(int fd)
{
	struct credo_cred c;

	return !credo_get(fd, &c, NULL, 0) && (c.flags & CREDO_CRED_OVERRIDDEN);
}

/* The descriptor number the next open() gets: a failed mint must not move it. */
static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

static int link_of(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

/* The hex value after "Key:" in /proc/thread-self/status (CapEff etc.), or ~0 on error. */
static __u64 status_hex(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	__u64 v = ~0ULL;
	FILE *f = fopen("/proc/thread-self/status", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen)) {
			v = strtoull(line + klen, NULL, 16);
			break;
		}
	fclose(f);
	return v;
}

static int set_eff(__u64 eff)
{
	struct caps3 c = { 0 };

	if (raw_capget(0, &c))
		return -1;
	c.eff = eff;
	return raw_capset(&c);
}


static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		rc = -errno;
	close(fd);
	return rc;
}

static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	return write_file(path, text);
}

/* ---- descriptors over unix sockets ----------------------------------------------------------- */

static int send_fd(int sock, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char c = 'h';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct cmsghdr *cm;
	int fd;

	if (poll(&p, 1, SYNC_MS) != 1)
		return -ETIMEDOUT;
	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -EIO;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* ---- processes: a report in shared memory, one-byte signals over pipes -------------------------- */

struct report {
	char msg[1024];
	int skip;		/* the child could not run what it tests (reason in msg) */
};

static struct report *rep;

static void report_init(void)
{
	if (!rep)
		rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED)
		rep = NULL;
	if (rep)
		memset(rep, 0, sizeof(*rep));
}

/* In a child: record the first failure and return non-zero from the child function. */
#define CHK(cond, fmt, ...) do {							\
	if (!(cond)) {									\
		if (rep && !rep->msg[0])						\
			snprintf(rep->msg, sizeof(rep->msg), "line %d: " fmt, __LINE__,	\
				 ##__VA_ARGS__);					\
		return __LINE__;							\
	}										\
} while (0)

static int sig(int fd)
{
	return write(fd, "s", 1) == 1 ? 0 : -1;
}

static int wait_sig(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, SYNC_MS) != 1)
		return -1;
	return read(fd, &c, 1) == 1 ? 0 : -1;
}

static pid_t spawn_child(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

/* The child's exit status; 1000 + signal if it was killed, -1 if not reaped within SYNC_MS. */
static int wait_child(pid_t pid)
{
	int i, status;

	if (pid <= 0)
		return -1;
	for (i = 0; i < SYNC_MS / 10; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			       1000 + WTERMSIG(status);
		if (r < 0)
			return -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

#define EXPECT_CHILD_OK(pid) do {							\
	int st_ = wait_child(pid);							\
	EXPECT_EQ(0, st_) TH_LOG("child %d (status %d): %s", (int)(pid), st_,		\
				 rep && rep->msg[0] ? rep->msg : "no message");		\
} while (0)

/* In a child: setgroups(0), all gids and uids 65534 (raw, one thread); no /dev/credo left. */
static int become_nobody(void)
{
	if (dev_fd >= 0)
		close(dev_fd);
	dev_fd = -1;
	if (raw_setgroups(0, NULL) || raw_setresgid(NOBODY, NOBODY, NOBODY) ||
	    raw_setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return 0;
}

/* In a child after become_nobody(): the worker's starting point, checked. */
#define CHK_NOBODY() do {								\
	struct caps3 c_ = { 0 };							\
	int fd_;									\
											\
	CHK(!become_nobody(), "cannot become uid %d: %s", NOBODY, strerror(errno));	\
	CHK(!raw_capget(0, &c_) && !c_.eff && !c_.perm && !c_.inh,			\
	    "capabilities left: eff %llx perm %llx inh %llx",				\
	    (unsigned long long)c_.eff, (unsigned long long)c_.perm,			\
	    (unsigned long long)c_.inh);						\
	fd_ = open(CREDO_DEV, O_RDWR | O_CLOEXEC);					\
	CHK(fd_ < 0 && errno == EACCES, "open %s as uid %d: %d (%s)", CREDO_DEV,	\
	    NOBODY, fd_, strerror(errno));						\
} while (0)

/* ---- the fixture ----------------------------------------------------------------------------- */

FIXTURE(h) {
	char dir[64];
	char pub[128];	/* 01777 root: anyone creates files here */
	char rootfile[128];	/* root:root 0600 */
	char userfile[128];	/* 1000:1000 0600 */
	char grpfile[128];	/* root:H_G1 0640 */
	char chownme[128];	/* root:root 0644, in pub */
	struct credo_snap base;		/* the test process's own state */
};

FIXTURE_SETUP(h)
{
	report_init();
	ASSERT_NE(NULL, rep);
	self->dir[0] = 0;
	/* Non-root: every test SKIPs (setup must not). */
	if (credo_start_euid != 0)
		return;
	dev_fd = credo_open();
	ASSERT_LE(0, dev_fd) TH_LOG("open %s: %s (is credo.ko loaded?)", CREDO_DEV,
				    strerror(errno));
	ASSERT_EQ(0, make_tmpdir(self->dir, sizeof(self->dir)));
	snprintf(self->pub, sizeof(self->pub), "%s/pub", self->dir);
	snprintf(self->rootfile, sizeof(self->rootfile), "%s/rootfile", self->dir);
	snprintf(self->userfile, sizeof(self->userfile), "%s/userfile", self->dir);
	snprintf(self->grpfile, sizeof(self->grpfile), "%s/grpfile", self->dir);
	snprintf(self->chownme, sizeof(self->chownme), "%s/pub/chownme", self->dir);
	ASSERT_EQ(0, make_dir(self->pub, 0, 0, 01777));
	ASSERT_EQ(0, make_file(self->rootfile, 0, 0, 0600));
	ASSERT_EQ(0, make_file(self->userfile, U_OTHER, U_OTHER, 0600));
	ASSERT_EQ(0, make_file(self->grpfile, 0, H_G1, 0640));
	ASSERT_EQ(0, make_file(self->chownme, 0, 0, 0644));
	credo_snapshot(dev_fd, &self->base);
	ASSERT_EQ(0, self->base.err);
}

FIXTURE_TEARDOWN(h)
{
	if (dev_fd >= 0)
		credo_revert(dev_fd);
	rm_tree(self->dir);
}

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* ---- mint ------------------------------------------------------------------------------------ */

/* A new descriptor: close-on-exec, O_RDWR, anon_inode:[credo-handle]; the minter is untouched. */
TEST_F(h, mint_returns_a_cloexec_anonymous_handle)
{
	const __u32 groups[] = { H_G1, H_G2 };
	struct credo_snap after;
	char link[128], diff[128];
	struct stat st;
	int h, h2, fl;

	REQUIRE_ROOT();
	h = h_mint_as(H_UID, H_GID, groups, 2);
	ASSERT_LE(0, h) TH_LOG("HANDLE: %s", strerror(-h));
	fl = fcntl(h, F_GETFD);
	EXPECT_EQ(FD_CLOEXEC, fl & FD_CLOEXEC) TH_LOG("F_GETFD 0x%x", fl);
	fl = fcntl(h, F_GETFL);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE) TH_LOG("F_GETFL 0x%x", fl);
	ASSERT_EQ(0, link_of(h, link, sizeof(link)));
	EXPECT_STREQ(HANDLE_LINK, link);
	ASSERT_EQ(0, fstat(h, &st));
	EXPECT_FALSE(S_ISCHR(st.st_mode)) TH_LOG("a handle is not the device");
	/* A second mint is a second handle. */
	h2 = h_mint_as(H_UID, H_GID, groups, 2);
	ASSERT_LE(0, h2);
	EXPECT_NE(h, h2);
	ASSERT_EQ(0, link_of(h2, link, sizeof(link)));
	EXPECT_STREQ(HANDLE_LINK, link);
	/* A mint does not touch the minter's thread. */
	credo_snapshot(dev_fd, &after);
	EXPECT_TRUE(credo_snap_equal(&self->base, &after, diff, sizeof(diff))) TH_LOG("%s", diff);
	EXPECT_FALSE(overridden(dev_fd));
	close(h);
	close(h2);
}

/*
 * Builds bad descriptor @i in @buf (8 KiB, zeroed, a valid uid-1000 descriptor to start with),
 * sets *@arg to the ioctl argument; returns the errno OVERRIDE gives for it, 0 past the last.
 */
static int bad_descriptor(int i, unsigned char *buf, void **arg, const char **name,
			  __u32 *groups)
{
	struct credo_cred *c = (struct credo_cred *)buf;

	memset(buf, 0, 8192);
	credo_cred_init(c, 1000, 1000, groups, 1);
	*arg = buf;
	switch (i) {
	case 0: *name = "flag bit 2"; c->flags = 1U << 2; return EINVAL;
	case 1: *name = "CREDO_CRED_OVERRIDDEN as input"; c->flags = CREDO_CRED_OVERRIDDEN; return EINVAL;
	case 2: *name = "flag bit 31 with CAPS"; c->flags = 1U << 31 | CREDO_CRED_CAPS; return EINVAL;
	case 3: *name = "reserved 1"; c->reserved = 1; return EINVAL;
	case 4: *name = "reserved 0x80000000"; c->reserved = 0x80000000U; return EINVAL;
	case 5: *name = "ngroups NGROUPS_MAX+1"; c->ngroups = NGROUPS_MAX_KERNEL + 1; return EINVAL;
	case 6: *name = "ngroups 2^32-1, groups NULL"; c->ngroups = ~0U; c->groups = 0; return EINVAL;
	case 7: *name = "cap bit 63"; credo_cred_caps(c, 0, 1ULL << 63, 0, 0); return EINVAL;
	case 8: *name = "cap bit cap_last_cap+1";
		credo_cred_caps(c, 0, 0, 0, 1ULL << (cap_last_cap() + 1)); return EINVAL;
	case 9: *name = "size 0"; c->size = 0; return EINVAL;
	case 10: *name = "size 40"; c->size = 40; return EINVAL;
	case 11: *name = "size 55"; c->size = CREDO_CRED_SIZE_VER0 - 1; return EINVAL;
	case 12: *name = "size 96, byte 90 set"; c->size = 96; buf[90] = 1; return E2BIG;
	case 13: *name = "size 4097 (above a page)"; c->size = 4097; return E2BIG;
	case 14: *name = "uid -1"; c->uid = ~0U; return EINVAL;
	case 15: *name = "fsgid -1"; c->fsgid = ~0U; return EINVAL;
	case 16: *name = "group -1"; groups[0] = ~0U; return EINVAL;
	case 17: *name = "groups unmapped"; c->groups = (uintptr_t)unmapped_page(); return EFAULT;
	case 18: *name = "groups NULL, ngroups 1"; c->groups = 0; return EFAULT;
	case 19: *name = "struct NULL"; *arg = NULL; return EFAULT;
	case 20: *name = "struct unmapped"; *arg = unmapped_page(); return EFAULT;
	case 21: *name = "struct kernel address"; *arg = (void *)0xffffffff81000000UL; return EFAULT;
	}
	return 0;
}

/* Every bad descriptor: the errno OVERRIDE gives, no descriptor, the thread as it was; also overridden. */
TEST_F(h, mint_bad_descriptors_fail_as_override_does)
{
	static unsigned char buf[8192] __attribute__((aligned(8)));
	struct credo_snap before, after;
	int pass, i, want, n = 0;
	char diff[128];

	REQUIRE_ROOT();
	for (pass = 0; pass < 2; pass++) {
		/* Pass 1: the minter runs with an override (uid 2000), which must stay. */
		if (pass)
			ASSERT_EQ(0, credo_override_as(2000, 2000, NULL, 0));
		credo_snapshot(dev_fd, &before);
		ASSERT_EQ(0, before.err);
		for (i = 0;; i++) {
			__u32 groups[1] = { 1000 };
			const char *name = "";
			void *arg;
			int fd0, hr, orr;

			want = bad_descriptor(i, buf, &arg, &name, groups);
			if (!want)
				break;
			fd0 = next_fd();
			hr = h_mint(dev_fd, arg);
			if (hr >= 0)
				close(hr);
			EXPECT_EQ(fd0, next_fd()) TH_LOG("%s: a failed mint left a descriptor", name);
			bad_descriptor(i, buf, &arg, &name, groups);
			orr = credo_override(dev_fd, arg);
			EXPECT_EQ(-want, hr) TH_LOG("%s%s: HANDLE gave %d (%s), want %s", name,
						    pass ? " (overridden)" : "", hr,
						    strerror(-hr), strerror(want));
			EXPECT_EQ(orr, hr) TH_LOG("%s: HANDLE %d, OVERRIDE %d", name, hr, orr);
			credo_snapshot(dev_fd, &after);
			EXPECT_TRUE(credo_snap_equal(&before, &after, diff, sizeof(diff)))
				TH_LOG("%s changed the thread: %s", name, diff);
			n++;
		}
		credo_revert(dev_fd);
	}
	TH_LOG("%d bad descriptors, plain and overridden", n);
	/* The buffer the cases start from mints: each case fails for its one defect. */
	{
		__u32 groups[1] = { 1000 };
		const char *name;
		void *arg;
		int hr;

		bad_descriptor(0, buf, &arg, &name, groups);
		((struct credo_cred *)buf)->flags = 0;
		hr = h_mint(dev_fd, arg);
		EXPECT_LE(0, hr) TH_LOG("the valid descriptor: %s", strerror(-hr));
		if (hr >= 0)
			close(hr);
	}
}

/* EPERM without CAP_SETUID or CAP_SETGID (effective), as OVERRIDE; those two alone suffice. */
TEST_F(h, mint_needs_cap_setuid_and_cap_setgid)
{
	static const int drop[] = { CAP_SETUID, CAP_SETGID };
	struct credo_cred c;
	struct caps3 own;
	unsigned int i;
	int fd0, hr;

	REQUIRE_ROOT();
	ASSERT_EQ(0, raw_capget(0, &own));
	credo_cred_init(&c, H_UID, H_GID, NULL, 0);
	for (i = 0; i < ARRAY_SIZE(drop); i++) {
		ASSERT_EQ(0, set_eff(own.eff & ~CAPB(drop[i])));
		fd0 = next_fd();
		hr = h_mint(dev_fd, &c);
		EXPECT_EQ(-EPERM, hr) TH_LOG("without cap %d: %d", drop[i], hr);
		EXPECT_EQ(-EPERM, credo_override(dev_fd, &c));
		EXPECT_EQ(fd0, next_fd());
		if (hr >= 0)
			close(hr);
		ASSERT_EQ(0, set_eff(own.eff));
	}
	ASSERT_EQ(0, set_eff(CAPB(CAP_SETUID) | CAPB(CAP_SETGID)));
	hr = h_mint(dev_fd, &c);
	EXPECT_LE(0, hr) TH_LOG("with only CAP_SETUID+CAP_SETGID: %s", strerror(-hr));
	if (hr >= 0)
		close(hr);
	ASSERT_EQ(0, set_eff(own.eff));
}

static int nobody_mints(void *arg)
{
	int dev = *(int *)arg, hr;
	struct credo_cred c;

	/* The root-opened /dev/credo stays open: only the permission is in the way. */
	CHK(!raw_setgroups(0, NULL) && !raw_setresgid(NOBODY, NOBODY, NOBODY) &&
	    !raw_setresuid(NOBODY, NOBODY, NOBODY), "setresuid: %s", strerror(errno));
	credo_cred_init(&c, H_UID, H_GID, NULL, 0);
	hr = h_mint(dev, &c);
	CHK(hr == -EPERM, "uid 65534 minted for uid %d: %d", H_UID, hr);
	credo_cred_init(&c, NOBODY, NOBODY, NULL, 0);
	hr = h_mint(dev, &c);
	CHK(hr == -EPERM, "uid 65534 minted for itself: %d", hr);
	return 0;
}

/* A process of uid 65534 holding a root-opened /dev/credo: EPERM, even for its own identity. */
TEST_F(h, mint_refused_to_an_unprivileged_process)
{
	REQUIRE_ROOT();
	EXPECT_CHILD_OK(spawn_child(nobody_mints, &dev_fd));
}

/* CREDO_CRED_CAPS beyond the minter's own permitted set: EPERM, as OVERRIDE; a subset mints. */
TEST_F(h, mint_caps_subset_rule)
{
	struct credo_cred c;
	struct caps3 own, less;
	__u64 sa = CAPB(CAP_SYS_ADMIN);
	int i, hr;

	REQUIRE_ROOT();
	ASSERT_EQ(0, raw_capget(0, &own));
	less = own;
	less.eff &= ~sa;
	less.perm &= ~sa;
	less.inh &= ~sa;
	ASSERT_EQ(0, raw_capset(&less));
	for (i = 0; i < 3; i++) {
		credo_cred_init(&c, H_UID, H_GID, NULL, 0);
		if (i == 0)
			credo_cred_caps(&c, sa, sa, 0, 0);
		else if (i == 1)
			credo_cred_caps(&c, 0, sa, 0, 0);
		else
			credo_cred_caps(&c, own.eff, own.perm, 0, 0);
		hr = h_mint(dev_fd, &c);
		EXPECT_EQ(-EPERM, hr) TH_LOG("case %d: HANDLE %d", i, hr);
		EXPECT_EQ(-EPERM, credo_override(dev_fd, &c));
		if (hr >= 0)
			close(hr);
	}
	credo_cred_init(&c, H_UID, H_GID, NULL, 0);
	credo_cred_caps(&c, CAPB(CAP_DAC_READ_SEARCH), CAPB(CAP_DAC_READ_SEARCH), 0, 0);
	hr = h_mint(dev_fd, &c);
	EXPECT_LE(0, hr) TH_LOG("a subset: %s", strerror(-hr));
	if (hr >= 0)
		close(hr);
}

/*
 * Minting while overridden: judged on the own credentials (the uid-2000 override has no
 * capability at all), never EBUSY, and the override stays exactly as it was.
 */
TEST_F(h, mint_while_overridden_is_judged_on_the_own_credentials)
{
	struct credo_snap before, after;
	struct credo_cred c, g;
	char diff[128];
	int h1, h2;

	REQUIRE_ROOT();
	ASSERT_EQ(0, credo_override_as(2000, 2000, NULL, 0));
	credo_snapshot(dev_fd, &before);
	ASSERT_EQ(0ULL, before.c.cap_effective);
	ASSERT_EQ(0ULL, before.c.cap_permitted);
	h1 = h_mint_as(H_UID, H_GID, NULL, 0);
	EXPECT_LE(0, h1) TH_LOG("HANDLE while overridden: %s", strerror(-h1));
	/* Capabilities the override lacks and the own credentials have. */
	credo_cred_init(&c, B_UID, B_GID, NULL, 0);
	credo_cred_caps(&c, CAPB(CAP_DAC_READ_SEARCH), CAPB(CAP_DAC_READ_SEARCH), 0, 0);
	h2 = h_mint(dev_fd, &c);
	EXPECT_LE(0, h2) TH_LOG("CAPS handle while overridden: %s", strerror(-h2));
	credo_snapshot(dev_fd, &after);
	EXPECT_TRUE(credo_snap_equal(&before, &after, diff, sizeof(diff))) TH_LOG("%s", diff);
	if (h2 >= 0) {
		ASSERT_EQ(0, h_get(h2, &g, NULL, 0));
		EXPECT_EQ((__u32)B_UID, g.uid);
		EXPECT_EQ(CAPB(CAP_DAC_READ_SEARCH), g.cap_permitted);
		close(h2);
	}
	if (h1 >= 0)
		close(h1);
}

/* With no descriptor left (RLIMIT_NOFILE): EMFILE, no module reference, the thread as it was. */
TEST_F(h, mint_without_a_free_descriptor_is_emfile)
{
	struct rlimit old, tight;
	struct credo_snap after;
	char diff[128];
	long ref0;
	int hr;

	REQUIRE_ROOT();
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	ref0 = credo_module_refcnt();
	ASSERT_LT(0, ref0);
	tight = old;
	tight.rlim_cur = next_fd();	/* every lower number is taken */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &tight));
	hr = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_EQ(-EMFILE, hr) TH_LOG("HANDLE with no free descriptor: %d", hr);
	if (hr >= 0)
		close(hr);
	EXPECT_EQ(ref0, credo_module_refcnt());
	credo_snapshot(dev_fd, &after);
	EXPECT_TRUE(credo_snap_equal(&self->base, &after, diff, sizeof(diff))) TH_LOG("%s", diff);
	/* And with one free descriptor again, it mints. */
	hr = h_mint_as(H_UID, H_GID, NULL, 0);
	EXPECT_LE(0, hr);
	if (hr >= 0)
		close(hr);
}

/* ---- assume ---------------------------------------------------------------------------------- */

/*
 * The handle's identity: ids (fsuid 4105, fsgid 4106 apart), groups (normalized), file
 * ownership, group access; /proc keeps the objective identity; revert through the handle.
 */
TEST_F(h, assume_installs_the_identity)
{
	const __u32 groups[] = { H_G2, H_G1, H_G1 };
	__u32 ids[3], gl[8], u = ~0U, g = ~0U, st[4];
	char p[PATH_MAX + 32];
	struct credo_cred c, gc;
	int h, n;

	REQUIRE_ROOT();
	credo_cred_init(&c, H_UID, H_GID, groups, 3);
	c.fsuid = 4105;
	c.fsgid = 4106;
	h = h_mint(dev_fd, &c);
	ASSERT_LE(0, h);
	ASSERT_EQ(0, h_assume(h));
	ASSERT_EQ(0, raw_getresuid(ids));
	EXPECT_EQ((__u32)H_UID, ids[0]);
	EXPECT_EQ((__u32)H_UID, ids[1]);
	EXPECT_EQ((__u32)H_UID, ids[2]);
	ASSERT_EQ(0, raw_getresgid(ids));
	EXPECT_EQ((__u32)H_GID, ids[0]);
	EXPECT_EQ((__u32)H_GID, ids[1]);
	EXPECT_EQ((__u32)H_GID, ids[2]);
	n = raw_getgroups(8, gl);
	ASSERT_EQ(2, n);
	EXPECT_EQ((__u32)H_G1, gl[0]);
	EXPECT_EQ((__u32)H_G2, gl[1]);
	ASSERT_EQ(0, credo_get(h, &gc, gl, 8));
	EXPECT_NE(0U, gc.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(4105U, gc.fsuid);
	EXPECT_EQ(4106U, gc.fsgid);
	EXPECT_EQ(2U, gc.ngroups);
	EXPECT_EQ(0ULL, gc.cap_effective);
	path_in(p, sizeof(p), self->pub, "assumed");
	ASSERT_EQ(0, create_file(p));
	ASSERT_EQ(0, owner_of(p, &u, &g));
	EXPECT_EQ(4105U, u);
	EXPECT_EQ(4106U, g);
	EXPECT_EQ(0, open_errno(self->grpfile, O_RDONLY)) TH_LOG("group %d does not apply", H_G1);
	EXPECT_EQ(-EACCES, open_errno(self->rootfile, O_RDONLY));
	/* Others, /proc included, see the objective identity (brief section 4). */
	ASSERT_EQ(4, proc_status_numbers("/proc/thread-self/status", "Uid:", st, 4));
	EXPECT_EQ(0U, st[1]);
	EXPECT_EQ(0U, st[3]);
	/* Revert through the handle. */
	ASSERT_EQ(0, credo_revert(h));
	EXPECT_FALSE(overridden(dev_fd));
	EXPECT_EQ(0, (int)syscall(SYS_geteuid));
	path_in(p, sizeof(p), self->pub, "reverted");
	ASSERT_EQ(0, create_file(p));
	ASSERT_EQ(0, owner_of(p, &u, &g));
	EXPECT_EQ(0U, u);
	EXPECT_EQ(0, open_errno(self->rootfile, O_RDONLY));
	close(h);
}

struct worker_args {
	int a, b;		/* handles; b is closed by the worker before it drops */
	const char *pub;
	const char *rootfile, *userfile, *chownme;
};

static int worker_assumes_only_its_handle(void *arg)
{
	struct worker_args *w = arg;
	char p[PATH_MAX + 32];
	struct credo_cred c;
	__u32 u = 0, g = 0;
	int fd, r;

	close(w->b);
	CHK_NOBODY();
	/* The descriptor of a handle it was not given is gone. */
	CHK(h_assume(w->b) == -EBADF, "ASSUME on a closed descriptor: %d", h_assume(w->b));
	/* A handle is not /dev/credo, and the worker may not revoke it. */
	credo_cred_init(&c, B_UID, B_GID, NULL, 0);
	r = h_mint(w->a, &c);
	CHK(r == -ENOTTY, "HANDLE on a handle: %d", r);
	r = credo_override(w->a, &c);
	CHK(r == -ENOTTY, "OVERRIDE on a handle: %d", r);
	r = h_revoke(w->a);
	CHK(r == -EPERM, "REVOKE without capabilities: %d", r);
	/* Its handle works. */
	r = h_assume(w->a);
	CHK(!r, "ASSUME as uid 65534: %s", strerror(-r));
	CHK(syscall(SYS_geteuid) == H_UID, "euid %ld", syscall(SYS_geteuid));
	snprintf(p, sizeof(p), "%s/worker", w->pub);
	CHK(!create_file(p), "create as the handle: %s", strerror(errno));
	CHK(!owner_of(p, &u, &g) && u == H_UID && g == H_GID, "owner %u:%u", u, g);
	CHK(!credo_get(w->a, &c, NULL, 0) && (c.flags & CREDO_CRED_OVERRIDDEN) &&
	    c.euid == H_UID, "GET on the handle: flags %x euid %u", c.flags, c.euid);
	CHK(!credo_revert(w->a), "REVERT on the handle");
	CHK(syscall(SYS_geteuid) == NOBODY, "euid after revert %ld", syscall(SYS_geteuid));
	snprintf(p, sizeof(p), "%s/worker-own", w->pub);
	CHK(!create_file(p) && !owner_of(p, &u, &g) && u == NOBODY, "own file owner %u", u);
	/* No other descriptor it has is a handle. */
	for (fd = 0; fd < 256; fd++) {
		if (fd == w->a)
			continue;
		r = h_assume(fd);
		CHK(r, "ASSUME on fd %d succeeded", fd);
		CHK(syscall(SYS_geteuid) == NOBODY, "fd %d changed the euid", fd);
	}
	/* The failed REVOKE did not revoke it. */
	CHK(!h_assume(w->a), "ASSUME after the refused REVOKE");
	CHK(!credo_revert(w->a), "REVERT");
	return 0;
}

/*
 * A worker of uid 65534 without any capability or access to /dev/credo assumes its handle,
 * and only it: no HANDLE/OVERRIDE on the handle (ENOTTY), no REVOKE (EPERM), nothing else.
 */
TEST_F(h, unprivileged_worker_assumes_only_its_handle)
{
	struct worker_args w = { .pub = self->pub };
	__u32 u = 0, g = 0;
	char p[PATH_MAX + 32];

	REQUIRE_ROOT();
	w.a = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, w.a);
	w.b = h_mint_as(B_UID, B_GID, NULL, 0);
	ASSERT_LE(0, w.b);
	EXPECT_CHILD_OK(spawn_child(worker_assumes_only_its_handle, &w));
	path_in(p, sizeof(p), self->pub, "worker");
	ASSERT_EQ(0, owner_of(p, &u, &g));
	EXPECT_EQ((__u32)H_UID, u);
	EXPECT_EQ((__u32)H_GID, g);
	close(w.a);
	close(w.b);
}

static int worker_gains_no_capability(void *arg)
{
	struct worker_args *w = arg;
	struct credo_cred c;
	__u64 eff;
	pid_t pid;
	int r;

	CHK_NOBODY();
	CHK(open_errno(w->rootfile, O_RDONLY) == -EACCES, "root 0600 file readable as 65534");
	r = h_assume(w->a);
	CHK(!r, "ASSUME of the uid-0 handle: %s", strerror(-r));
	CHK(!credo_get(w->a, &c, NULL, 0) && c.euid == 0 && c.fsuid == 0,
	    "GET: euid %u fsuid %u", c.euid, c.fsuid);
	CHK(!c.cap_effective && !c.cap_permitted && !c.cap_ambient,
	    "capabilities through a handle: eff %llx perm %llx amb %llx",
	    (unsigned long long)c.cap_effective, (unsigned long long)c.cap_permitted,
	    (unsigned long long)c.cap_ambient);
	eff = status_hex("CapEff:");
	CHK(eff == 0, "CapEff %llx", (unsigned long long)eff);
	/* Root's files: yes.  Root's powers: no. */
	r = open_errno(w->rootfile, O_RDONLY);
	CHK(!r, "root's 0600 file as uid 0 without caps: %s", strerror(-r));
	r = open_errno(w->userfile, O_RDONLY);
	CHK(r == -EACCES, "uid 1000's 0600 file (needs CAP_DAC_*): %d", r);
	r = chown(w->chownme, U_OTHER, -1) ? -errno : 0;
	CHK(r == -EPERM, "chown of root's file to 1000 (needs CAP_CHOWN): %d", r);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHK(pid < 0 && errno == EBUSY, "fork while assumed: %d (%s)", (int)pid, strerror(errno));
	CHK(!credo_revert(w->a), "REVERT");
	CHK(open_errno(w->rootfile, O_RDONLY) == -EACCES, "root file readable after revert");
	return 0;
}

/*
 * A handle never grants a capability: a worker without capabilities assuming a uid-0 handle
 * reads root's 0600 file (it owns it now) but not uid 1000's, cannot chown, CapEff and GET's
 * sets are 0.  Control: root assuming the same handle keeps its capabilities and reads both.
 */
TEST_F(h, a_uid0_handle_gives_root_files_and_no_capability)
{
	struct worker_args w = {
		.rootfile = self->rootfile, .userfile = self->userfile, .chownme = self->chownme,
	};

	REQUIRE_ROOT();
	w.a = h_mint_as(0, 0, NULL, 0);
	ASSERT_LE(0, w.a);
	EXPECT_CHILD_OK(spawn_child(worker_gains_no_capability, &w));
	/* The same handle in a root thread: the capabilities derive from the caller's own. */
	ASSERT_EQ(0, h_assume(w.a));
	EXPECT_EQ(0, open_errno(self->userfile, O_RDONLY));
	EXPECT_EQ(0, credo_revert(w.a));
	close(w.a);
}

static int worker_caps_handle(void *arg)
{
	struct worker_args *w = arg;
	struct credo_cred c;
	struct caps3 cs = { 0 };
	int r;

	/* Stage 1: still root, without CAP_DAC_READ_SEARCH in any set. */
	CHK(!raw_capget(0, &cs), "capget");
	cs.eff &= ~CAPB(CAP_DAC_READ_SEARCH);
	cs.perm &= ~CAPB(CAP_DAC_READ_SEARCH);
	cs.inh = 0;
	CHK(!raw_capset(&cs), "capset: %s", strerror(errno));
	r = h_assume(w->a);
	CHK(r == -EPERM, "root without CAP_DAC_READ_SEARCH assumed a handle with it: %d", r);
	CHK(!credo_get(w->a, &c, NULL, 0) && !(c.flags & CREDO_CRED_OVERRIDDEN) && c.euid == 0,
	    "the refused ASSUME changed the thread");
	/* Stage 2: no capability at all. */
	CHK_NOBODY();
	r = h_assume(w->a);
	CHK(r == -EPERM, "uid 65534 assumed a CAPS handle: %d", r);
	CHK(!credo_get(w->a, &c, NULL, 0) && !(c.flags & CREDO_CRED_OVERRIDDEN) &&
	    c.euid == NOBODY && !c.cap_effective, "the refused ASSUME changed the thread");
	CHK(open_errno(w->rootfile, O_RDONLY) == -EACCES, "root file readable");
	return 0;
}

/* A CREDO_CRED_CAPS handle whose sets exceed the caller's own: EPERM, nothing changes. */
TEST_F(h, caps_handle_beyond_the_callers_sets_is_refused)
{
	struct worker_args w = { .rootfile = self->rootfile };
	struct credo_cred c;

	REQUIRE_ROOT();
	credo_cred_init(&c, U_OTHER, U_OTHER, NULL, 0);
	credo_cred_caps(&c, CAPB(CAP_DAC_READ_SEARCH), CAPB(CAP_DAC_READ_SEARCH), 0, 0);
	w.a = h_mint(dev_fd, &c);
	ASSERT_LE(0, w.a);
	/* Control: a caller that has the capability gets exactly it. */
	ASSERT_EQ(0, h_assume(w.a));
	EXPECT_EQ(0, open_errno(self->rootfile, O_RDONLY));
	EXPECT_EQ(-EACCES, open_errno(self->rootfile, O_WRONLY));
	ASSERT_EQ(0, credo_get(w.a, &c, NULL, 0));
	EXPECT_EQ(CAPB(CAP_DAC_READ_SEARCH), c.cap_effective);
	EXPECT_EQ(0, credo_revert(w.a));
	EXPECT_CHILD_OK(spawn_child(worker_caps_handle, &w));
	close(w.a);
}

static int rejudged_in_a_new_namespace(void *arg)
{
	int h = *(int *)arg, r;

	/* Remembered for this process's cred, then the cred changes namespace. */
	r = h_assume(h);
	CHK(!r, "ASSUME before unshare: %s", strerror(-r));
	CHK(!credo_revert(h), "REVERT");
	CHK(!unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER): %s", strerror(errno));
	r = h_assume(h);
	CHK(r == -EPERM, "ASSUME after unshare (another namespace): %d", r);
	CHK(!overridden(h), "the refused ASSUME changed the thread");
	return 0;
}

/*
 * A handle remembers the override it built for a base (module/handle.c): a new own cred of
 * the caller must be judged again, never served the remembered one.  After a capset that
 * drops CAP_DAC_READ_SEARCH, a CAPS handle with it is EPERM and a uid-0 handle derives the
 * smaller sets; after unshare(CLONE_NEWUSER), the handle of the old namespace is EPERM.
 */
TEST_F(h, assume_is_judged_again_when_the_own_credentials_change)
{
	__u64 fs = CAPB(CAP_DAC_READ_SEARCH) | CAPB(CAP_DAC_OVERRIDE);
	struct credo_cred c;
	struct caps3 cs;
	int hc, h0;

	REQUIRE_ROOT();
	credo_cred_init(&c, U_OTHER, U_OTHER, NULL, 0);
	credo_cred_caps(&c, CAPB(CAP_DAC_READ_SEARCH), CAPB(CAP_DAC_READ_SEARCH), 0, 0);
	hc = h_mint(dev_fd, &c);
	ASSERT_LE(0, hc);
	h0 = h_mint_as(0, 0, NULL, 0);
	ASSERT_LE(0, h0);
	/* Both assumed with the full root sets: remembered for this base. */
	ASSERT_EQ(0, h_assume(hc));
	ASSERT_EQ(0, h_assume(h0));
	ASSERT_EQ(0, credo_get(h0, &c, NULL, 0));
	EXPECT_EQ(fs, c.cap_effective & fs);
	EXPECT_EQ(0, open_errno(self->userfile, O_RDONLY));
	ASSERT_EQ(0, credo_revert(h0));
	/* A new own cred without the two. */
	ASSERT_EQ(0, raw_capget(0, &cs));
	cs.eff &= ~fs;
	cs.perm &= ~fs;
	cs.inh &= ~fs;
	ASSERT_EQ(0, raw_capset(&cs));
	EXPECT_EQ(-EPERM, h_assume(hc)) TH_LOG("the override remembered for the old cred was used");
	EXPECT_FALSE(overridden(dev_fd));
	ASSERT_EQ(0, h_assume(h0));
	ASSERT_EQ(0, credo_get(h0, &c, NULL, 0));
	EXPECT_EQ(0ULL, c.cap_effective & fs) TH_LOG("capabilities of the old cred: 0x%llx",
						     (unsigned long long)c.cap_effective);
	EXPECT_EQ(-EACCES, open_errno(self->userfile, O_RDONLY));
	ASSERT_EQ(0, credo_revert(h0));
	EXPECT_CHILD_OK(spawn_child(rejudged_in_a_new_namespace, &h0));
	close(hc);
	close(h0);
}

static long session_keyring(void)
{
	return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}

static int worker_keeps_its_keyring(void *arg)
{
	int h = *(int *)arg;
	long own, during;

	own = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "credo-handle-worker");
	CHK(own > 0, "join a session keyring: %s", strerror(errno));
	CHK(!h_assume(h), "ASSUME: %s", strerror(errno));
	during = session_keyring();
	CHK(!credo_revert(h), "REVERT");
	CHK(during == own, "session keyring while assumed %ld, the worker's own %ld", during, own);
	return 0;
}

struct ll_thread {
	int h, setup, assume, open_err;
	const char *path;
};

/* Landlock: no file reads for this thread; then the handle, assumed and used. */
static void *landlocked_assume(void *arg)
{
	struct landlock_ruleset_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE };
	struct ll_thread *t = arg;
	int fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

	if (fd < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_landlock_restrict_self, fd, 0)) {
		t->setup = -errno;
		return NULL;
	}
	close(fd);
	t->assume = h_assume(t->h);
	t->open_err = open_errno(t->path, O_RDONLY);
	credo_revert(t->h);
	return NULL;
}

/*
 * The override an assume builds keeps the caller's own keyrings and Landlock domain, not the
 * minter's and not those of another thread that assumed the same handle before: a worker
 * with its own session keyring sees that one while assumed (the minter joined another); a
 * Landlock-restricted thread that assumes a handle an unrestricted thread of the process
 * assumed first still cannot read files (skipped where Landlock is absent).
 */
TEST_F(h, assume_keeps_the_callers_keyrings_and_landlock_domain)
{
	struct ll_thread t = { .path = self->grpfile };
	const __u32 g1 = H_G1;
	long minter;
	pthread_t th;
	int h;

	REQUIRE_ROOT();
	minter = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "credo-handle-minter");
	ASSERT_LT(0, minter) TH_LOG("join a session keyring: %s", strerror(errno));
	h = h_mint_as(H_UID, H_GID, &g1, 1);
	ASSERT_LE(0, h);
	EXPECT_CHILD_OK(spawn_child(worker_keeps_its_keyring, &h));
	/* Remembered for this process's cred by an unrestricted assume first. */
	ASSERT_EQ(0, h_assume(h));
	EXPECT_EQ(minter, session_keyring());
	EXPECT_EQ(0, open_errno(self->grpfile, O_RDONLY));
	ASSERT_EQ(0, credo_revert(h));
	if (syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) < 0) {
		TH_LOG("Landlock is not available (%s): its part is not run", strerror(errno));
		close(h);
		return;
	}
	t.h = h;
	ASSERT_EQ(0, pthread_create(&th, NULL, landlocked_assume, &t));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, t.setup) TH_LOG("landlock: %s", strerror(-t.setup));
	EXPECT_EQ(0, t.assume);
	EXPECT_EQ(-EACCES, t.open_err) TH_LOG("a Landlock-restricted thread read a file under "
					      "the handle's identity");
	close(h);
}

/* An assume replaces any override (another handle's or a descriptor's) and the reverse. */
TEST_F(h, assume_replaces_an_override)
{
	struct credo_cred c;
	long live0;
	int a, b;

	REQUIRE_ROOT();
	live0 = counter("live_overrides");
	a = h_mint_as(H_UID, H_GID, NULL, 0);
	b = h_mint_as(B_UID, B_GID, NULL, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, h_assume(a));
	ASSERT_EQ(0, credo_get(dev_fd, &c, NULL, 0));
	EXPECT_EQ((__u32)H_UID, c.euid);
	ASSERT_EQ(0, h_assume(b));
	ASSERT_EQ(0, credo_get(a, &c, NULL, 0));
	EXPECT_EQ((__u32)B_UID, c.euid) TH_LOG("the second ASSUME did not replace the first");
	EXPECT_EQ((__u32)B_GID, c.egid);
	EXPECT_EQ(live0 + 1, counter("live_overrides")) TH_LOG("overrides stacked");
	/* A descriptor override replaces an assumed one, and an assume replaces that. */
	ASSERT_EQ(0, credo_override_as(2000, 2001, NULL, 0));
	ASSERT_EQ(0, credo_get(b, &c, NULL, 0));
	EXPECT_EQ(2000U, c.euid);
	ASSERT_EQ(0, h_assume(a));
	ASSERT_EQ(0, credo_get(b, &c, NULL, 0));
	EXPECT_EQ((__u32)H_UID, c.euid);
	EXPECT_EQ(live0 + 1, counter("live_overrides"));
	/* One revert ends it. */
	ASSERT_EQ(0, credo_revert(b));
	ASSERT_EQ(0, credo_get(a, &c, NULL, 0));
	EXPECT_EQ(0U, c.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(0U, c.euid);
	EXPECT_EQ(0, credo_wait_live(live0));
	close(a);
	close(b);
}

/* REVERT and GET on a handle act on the calling thread exactly as on /dev/credo. */
TEST_F(h, revert_and_get_through_a_handle)
{
	struct credo_snap via_dev, via_h;
	char diff[128];
	int h;

	REQUIRE_ROOT();
	h = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, h);
	credo_snapshot(h, &via_h);
	EXPECT_TRUE(credo_snap_equal(&self->base, &via_h, diff, sizeof(diff))) TH_LOG("%s", diff);
	EXPECT_EQ(0U, via_h.c.flags & CREDO_CRED_OVERRIDDEN);
	/* An override made on /dev/credo: GET on the handle reports it, REVERT on it ends it. */
	ASSERT_EQ(0, credo_override_as(2000, 2001, (__u32[]){ 7 }, 1));
	credo_snapshot(dev_fd, &via_dev);
	credo_snapshot(h, &via_h);
	EXPECT_TRUE(credo_snap_equal(&via_dev, &via_h, diff, sizeof(diff))) TH_LOG("%s", diff);
	EXPECT_NE(0U, via_h.c.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(2000U, via_h.c.euid);
	ASSERT_EQ(0, credo_revert(h));
	EXPECT_FALSE(overridden(dev_fd));
	EXPECT_EQ(0, credo_revert(h)) TH_LOG("REVERT with no override");
	credo_snapshot(dev_fd, &via_dev);
	EXPECT_TRUE(credo_snap_equal(&self->base, &via_dev, diff, sizeof(diff))) TH_LOG("%s", diff);
	close(h);
}

/* HANDLE_GET: the handle's own identity, as GET reports a thread's. */
TEST_F(h, handle_get_reports_the_handle)
{
	const __u32 groups[] = { 9, 3, 5, 3 };
	unsigned char raw[4096 + 64] __attribute__((aligned(8)));
	struct credo_cred c, *rc = (struct credo_cred *)raw;
	__u32 gb[8];
	int h, hc, i;

	REQUIRE_ROOT();
	credo_cred_init(&c, 4111, 4121, groups, 4);
	c.euid = 4112; c.suid = 4113; c.fsuid = 4114;
	c.egid = 4122; c.sgid = 4123; c.fsgid = 4124;
	h = h_mint(dev_fd, &c);
	ASSERT_LE(0, h);
	memset(gb, 0xa5, sizeof(gb));
	ASSERT_EQ(0, h_get(h, &c, gb, 8));
	EXPECT_EQ(4111U, c.uid);
	EXPECT_EQ(4112U, c.euid);
	EXPECT_EQ(4113U, c.suid);
	EXPECT_EQ(4114U, c.fsuid);
	EXPECT_EQ(4121U, c.gid);
	EXPECT_EQ(4122U, c.egid);
	EXPECT_EQ(4123U, c.sgid);
	EXPECT_EQ(4124U, c.fsgid);
	EXPECT_EQ(0U, c.reserved);
	EXPECT_EQ(0U, c.flags) TH_LOG("flags 0x%x for a handle without caps", c.flags);
	EXPECT_EQ(0ULL, c.cap_effective | c.cap_permitted | c.cap_inheritable | c.cap_ambient);
	EXPECT_EQ(88U, c.size);
	ASSERT_EQ(3U, c.ngroups) TH_LOG("the normalized list has 3 groups");
	EXPECT_EQ(3U, gb[0]);
	EXPECT_EQ(5U, gb[1]);
	EXPECT_EQ(9U, gb[2]);
	EXPECT_EQ(0xa5a5a5a5U, gb[3]) TH_LOG("HANDLE_GET wrote past the real count");
	/* Truncated to the caller's ngroups, the real count returned. */
	memset(gb, 0xa5, sizeof(gb));
	ASSERT_EQ(0, h_get(h, &c, gb, 1));
	EXPECT_EQ(3U, c.ngroups);
	EXPECT_EQ(3U, gb[0]);
	EXPECT_EQ(0xa5a5a5a5U, gb[1]) TH_LOG("HANDLE_GET wrote past ngroups");
	ASSERT_EQ(0, h_get(h, &c, NULL, 0));
	EXPECT_EQ(3U, c.ngroups);
	/* The handle's identity, not the thread's; never OVERRIDDEN. */
	ASSERT_EQ(0, credo_override_as(2000, 2000, NULL, 0));
	ASSERT_EQ(0, h_get(h, &c, NULL, 0));
	EXPECT_EQ(4112U, c.euid);
	EXPECT_EQ(0U, c.flags & CREDO_CRED_OVERRIDDEN);
	ASSERT_EQ(0, h_assume(h));
	ASSERT_EQ(0, h_get(h, &c, NULL, 0));
	EXPECT_EQ(0U, c.flags & CREDO_CRED_OVERRIDDEN);
	ASSERT_EQ(0, credo_revert(h));

	/* Capability sets: only for a handle that carries them, only when size covers them. */
	credo_cred_init(&c, 4111, 4121, NULL, 0);
	credo_cred_caps(&c, CAPB(CAP_DAC_READ_SEARCH),
			CAPB(CAP_DAC_READ_SEARCH) | CAPB(CAP_CHOWN), CAPB(CAP_CHOWN), 0);
	hc = h_mint(dev_fd, &c);
	ASSERT_LE(0, hc);
	ASSERT_EQ(0, h_get(hc, &c, NULL, 0));
	EXPECT_EQ(CREDO_CRED_CAPS, c.flags);
	EXPECT_EQ(CAPB(CAP_DAC_READ_SEARCH), c.cap_effective);
	EXPECT_EQ(CAPB(CAP_DAC_READ_SEARCH) | CAPB(CAP_CHOWN), c.cap_permitted);
	EXPECT_EQ(CAPB(CAP_CHOWN), c.cap_inheritable);
	EXPECT_EQ(0ULL, c.cap_ambient);
	/* Size 56: 56 bytes written, size 56, no CAPS flag. */
	memset(raw, 0xa5, sizeof(raw));
	memset(raw, 0, CREDO_CRED_SIZE_VER0);
	rc->size = CREDO_CRED_SIZE_VER0;
	ASSERT_EQ(0, credo_ioctl(hc, CREDO_IOC_HANDLE_GET, raw));
	EXPECT_EQ((__u32)CREDO_CRED_SIZE_VER0, rc->size);
	EXPECT_EQ(0U, rc->flags);
	EXPECT_EQ(4111U, rc->uid);
	for (i = CREDO_CRED_SIZE_VER0; i < 96; i++)
		if (raw[i] != 0xa5)
			break;
	EXPECT_EQ(96, i) TH_LOG("byte %d past size 56 written", i);
	/* A larger size with a zero tail: 88 bytes written, size 88. */
	memset(raw, 0, sizeof(raw));
	rc->size = 4096;
	ASSERT_EQ(0, credo_ioctl(hc, CREDO_IOC_HANDLE_GET, raw));
	EXPECT_EQ(88U, rc->size);
	EXPECT_EQ(CREDO_CRED_CAPS, rc->flags);

	/* Bad input. */
	for (i = 0; i < 8; i++) {
		int want = EINVAL, r;

		memset(raw, 0, sizeof(raw));
		rc->size = sizeof(*rc);
		switch (i) {
		case 0: rc->flags = CREDO_CRED_CAPS; break;
		case 1: rc->flags = CREDO_CRED_OVERRIDDEN; break;
		case 2: rc->flags = 1U << 31; break;
		case 3: rc->reserved = 1; break;
		case 4: rc->size = 40; break;
		case 5: rc->size = 96; raw[92] = 1; want = E2BIG; break;
		case 6: rc->ngroups = 1; rc->groups = (uintptr_t)unmapped_page(); want = EFAULT; break;
		case 7: want = EFAULT; break;
		}
		r = credo_ioctl(h, CREDO_IOC_HANDLE_GET, i == 7 ? NULL : raw);
		EXPECT_EQ(-want, r) TH_LOG("HANDLE_GET case %d: %d", i, r);
	}
	close(h);
	close(hc);
}

/* ---- revoke ---------------------------------------------------------------------------------- */

struct revoke_args {
	int h;			/* the fork-inherited descriptor (P1) */
	int sock;		/* P2 receives its copy here */
	int ready, go;		/* child -> test, test -> child */
};

/* P1: forked with the handle; can assume it before the revoke, gets EKEYREVOKED after. */
static int revoke_inherited(void *arg)
{
	struct revoke_args *a = arg;
	struct credo_cred c;
	int r;

	r = h_assume(a->h);
	CHK(!r, "ASSUME before the revoke (inherited): %s", strerror(-r));
	CHK(!credo_revert(a->h), "REVERT");
	CHK(!sig(a->ready) && !wait_sig(a->go), "sync");
	r = h_assume(a->h);
	CHK(r == -EKEYREVOKED, "ASSUME after the revoke (inherited): %d", r);
	CHK(!credo_get(a->h, &c, NULL, 0) && !(c.flags & CREDO_CRED_OVERRIDDEN) && c.euid == 0,
	    "a refused ASSUME changed the thread");
	CHK(!h_get(a->h, &c, NULL, 0) && c.uid == H_UID, "HANDLE_GET after the revoke");
	return 0;
}

/* P2: uid 65534 without caps, gets its copy over SCM_RIGHTS. */
static int revoke_received(void *arg)
{
	struct revoke_args *a = arg;
	struct credo_cred c;
	char link[128];
	int h, r;

	CHK_NOBODY();
	h = recv_fd(a->sock);
	CHK(h >= 0, "recv_fd: %s", strerror(-h));
	CHK(!link_of(h, link, sizeof(link)) && !strcmp(link, HANDLE_LINK), "received %s", link);
	r = h_assume(h);
	CHK(!r, "ASSUME before the revoke (SCM_RIGHTS copy): %s", strerror(-r));
	CHK(syscall(SYS_geteuid) == H_UID, "euid %ld", syscall(SYS_geteuid));
	CHK(!credo_revert(h), "REVERT");
	CHK(!sig(a->ready) && !wait_sig(a->go), "sync");
	r = h_assume(h);
	CHK(r == -EKEYREVOKED, "ASSUME after the revoke (SCM_RIGHTS copy): %d", r);
	CHK(syscall(SYS_geteuid) == NOBODY, "euid %ld", syscall(SYS_geteuid));
	CHK(!h_get(h, &c, NULL, 0) && c.uid == H_UID, "HANDLE_GET after the revoke");
	CHK(!credo_revert(h) && !credo_get(h, &c, NULL, 0), "REVERT/GET after the revoke");
	return 0;
}

/*
 * REVOKE reaches every descriptor of the handle: a dup(), a copy another process received
 * over SCM_RIGHTS, one inherited by fork (each assumed the handle before, so each could fail).
 * A second REVOKE returns 0; HANDLE_GET, REVERT and GET keep working; a new handle of the
 * same identity is not revoked.
 */
TEST_F(h, revoke_reaches_every_descriptor)
{
	struct revoke_args a1, a2;
	int sv[2], ready[2], go[2], d, h, h2;
	struct credo_cred c;
	pid_t p1, p2;

	REQUIRE_ROOT();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	a2 = (struct revoke_args){ .sock = sv[1], .ready = ready[1], .go = go[0] };
	/* P2 is forked before the mint: its only copy is the one it receives. */
	p2 = spawn_child(revoke_received, &a2);
	ASSERT_LT(0, p2);
	h = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, h);
	a1 = (struct revoke_args){ .h = h, .ready = ready[1], .go = go[0] };
	p1 = spawn_child(revoke_inherited, &a1);
	ASSERT_LT(0, p1);
	ASSERT_EQ(0, send_fd(sv[0], h));
	d = dup(h);
	ASSERT_LE(0, d);
	ASSERT_EQ(0, h_assume(d));
	ASSERT_EQ(0, credo_revert(d));
	EXPECT_EQ(0, wait_sig(ready[0]));
	EXPECT_EQ(0, wait_sig(ready[0]));

	ASSERT_EQ(0, h_revoke(h));
	EXPECT_EQ(-EKEYREVOKED, h_assume(d));
	EXPECT_EQ(-EKEYREVOKED, h_assume(h));
	EXPECT_FALSE(overridden(dev_fd));
	EXPECT_EQ(0, sig(go[1]));
	EXPECT_EQ(0, sig(go[1]));
	EXPECT_CHILD_OK(p1);
	EXPECT_CHILD_OK(p2);
	/* A second revoke, through the dup. */
	EXPECT_EQ(0, h_revoke(d));
	EXPECT_EQ(0, h_revoke(h));
	ASSERT_EQ(0, h_get(d, &c, NULL, 0));
	EXPECT_EQ((__u32)H_UID, c.uid);
	EXPECT_EQ(0, credo_revert(d));
	EXPECT_EQ(0, credo_get(d, &c, NULL, 0));
	/* Revocation is the handle's, not the identity's. */
	h2 = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, h2);
	EXPECT_EQ(0, h_assume(h2));
	EXPECT_EQ(0, credo_revert(h2));
	close(h2);
	close(d);
	close(h);
	close(sv[0]);
	close(sv[1]);
}

struct holder_args {
	int h, ready, go;
	const char *pub;
	char msg[256];
};

static void *assumed_across_the_revoke(void *arg)
{
	struct holder_args *a = arg;
	char p[PATH_MAX + 32];
	struct credo_cred c;
	__u32 u = 0, g = 0;
	int r;

#define TFAIL(...) do { snprintf(a->msg, sizeof(a->msg), __VA_ARGS__); return NULL; } while (0)
	if (h_assume(a->h))
		TFAIL("ASSUME: %s", strerror(errno));
	if (sig(a->ready) || wait_sig(a->go))
		TFAIL("sync");
	/* Revoked meanwhile: still the handle's identity. */
	if (syscall(SYS_geteuid) != H_UID)
		TFAIL("euid %ld after the revoke", syscall(SYS_geteuid));
	if (credo_get(a->h, &c, NULL, 0) || !(c.flags & CREDO_CRED_OVERRIDDEN))
		TFAIL("not overridden after the revoke");
	snprintf(p, sizeof(p), "%s/after-revoke", a->pub);
	if (create_file(p) || owner_of(p, &u, &g) || u != H_UID)
		TFAIL("file after the revoke owned by %u", u);
	if (credo_revert(a->h))
		TFAIL("REVERT");
	r = h_assume(a->h);
	if (r != -EKEYREVOKED)
		TFAIL("ASSUME after its revert: %d", r);
	if (syscall(SYS_geteuid) != 0)
		TFAIL("euid %ld after the revert", syscall(SYS_geteuid));
	return NULL;
#undef TFAIL
}

/*
 * A thread that assumed the handle before the REVOKE keeps the identity until it reverts; a
 * REVERT by another thread on the same handle does not end it.
 */
TEST_F(h, revoke_leaves_assumed_threads_alone)
{
	struct holder_args a = { .pub = self->pub };
	int ready[2], go[2];
	pthread_t t;

	REQUIRE_ROOT();
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	a.ready = ready[1];
	a.go = go[0];
	a.h = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, a.h);
	ASSERT_EQ(0, pthread_create(&t, NULL, assumed_across_the_revoke, &a));
	ASSERT_EQ(0, wait_sig(ready[0])) TH_LOG("%s", a.msg);
	ASSERT_EQ(0, h_revoke(a.h));
	/* REVERT and GET on the same handle act on the calling thread, not on the holder. */
	EXPECT_EQ(0, credo_revert(a.h));
	EXPECT_FALSE(overridden(a.h));
	ASSERT_EQ(0, sig(go[1]));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_STREQ("", a.msg);
	EXPECT_EQ(-EKEYREVOKED, h_assume(a.h));
	close(a.h);
}

static int nobody_revokes(void *arg)
{
	int h = *(int *)arg, r;

	CHK_NOBODY();
	r = h_revoke(h);
	CHK(r == -EPERM, "REVOKE by uid 65534: %d", r);
	return 0;
}

/*
 * REVOKE needs CAP_SETUID and CAP_SETGID of the revoker's own credentials: EPERM for a worker
 * without capabilities and for root without CAP_SETGID in its effective set; a root thread
 * overridden to uid 2000 (no capability in the override) revokes.
 */
TEST_F(h, revoke_is_judged_on_the_own_credentials)
{
	struct caps3 own;
	struct credo_cred c;
	int h;

	REQUIRE_ROOT();
	h = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, h);
	EXPECT_CHILD_OK(spawn_child(nobody_revokes, &h));
	ASSERT_EQ(0, raw_capget(0, &own));
	ASSERT_EQ(0, set_eff(own.eff & ~CAPB(CAP_SETGID)));
	EXPECT_EQ(-EPERM, h_revoke(h));
	ASSERT_EQ(0, set_eff(own.eff & ~CAPB(CAP_SETUID)));
	EXPECT_EQ(-EPERM, h_revoke(h));
	ASSERT_EQ(0, set_eff(own.eff));
	/* Not revoked by the refusals. */
	EXPECT_EQ(0, h_assume(h));
	EXPECT_EQ(0, credo_revert(h));
	/* Overridden to a capless identity: the own credentials decide. */
	ASSERT_EQ(0, credo_override_as(2000, 2000, NULL, 0));
	EXPECT_EQ(0, h_revoke(h));
	EXPECT_EQ(-EKEYREVOKED, h_assume(h));
	ASSERT_EQ(0, credo_get(h, &c, NULL, 0));
	EXPECT_EQ(2000U, c.euid) TH_LOG("a refused ASSUME changed the override");
	EXPECT_NE(0U, c.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(0, credo_revert(h));
	close(h);
}

/* ---- user namespaces ------------------------------------------------------------------------- */

#define NS_MAP		"0 100000 1000\n"	/* ns id n is 100000 + n outside */

struct ns_args {
	int h, h_unmapped;	/* handles of the initial namespace */
	int sock;		/* handles minted in the child go out here */
	int ready, go;
	const char *pub;
	__u32 groups_before;	/* the child's groups before unshare (0: none) */
};

/* unshare(CLONE_NEWUSER), then wait for the test process to write the maps. */
static int enter_new_userns(struct ns_args *a)
{
	if (a->groups_before) {
		if (raw_setgroups(1, &a->groups_before))
			return -1;
	} else if (raw_setgroups(0, NULL)) {
		return -1;
	}
	if (unshare(CLONE_NEWUSER))
		return -1;
	if (sig(a->ready) || wait_sig(a->go))
		return -1;
	return 0;
}

static void write_maps(struct __test_metadata *_metadata, pid_t pid, int ready, int go,
		       bool deny)
{
	ASSERT_EQ(0, wait_sig(ready));
	if (deny)
		ASSERT_EQ(0, write_proc(pid, "setgroups", "deny"));
	ASSERT_EQ(0, write_proc(pid, "uid_map", NS_MAP));
	ASSERT_EQ(0, write_proc(pid, "gid_map", NS_MAP));
	ASSERT_EQ(0, sig(go));
}

static int ns_child_initial_handle(void *arg)
{
	struct ns_args *a = arg;
	__u32 seven = 7, gb[4];
	char p[PATH_MAX + 32];
	struct credo_cred c;
	int r, mine;

	CHK(!enter_new_userns(a), "unshare/maps: %s", strerror(errno));
	/* The initial namespace's handle: EPERM, nothing changes. */
	r = h_assume(a->h);
	CHK(r == -EPERM, "ASSUME of an initial-namespace handle in a child namespace: %d", r);
	CHK(!credo_get(a->h, &c, NULL, 0) && !(c.flags & CREDO_CRED_OVERRIDDEN),
	    "the refused ASSUME changed the thread");
	/* HANDLE_GET gives the ids in the caller's namespace, overflow ids where unmapped. */
	CHK(!h_get(a->h, &c, gb, 4) && c.uid == 5 && c.fsuid == 5 && c.gid == 6 &&
	    c.ngroups == 1 && gb[0] == 7, "HANDLE_GET in the namespace: uid %u gid %u "
	    "ngroups %u group %u", c.uid, c.gid, c.ngroups, gb[0]);
	CHK(!h_get(a->h_unmapped, &c, NULL, 0) && c.uid == NOBODY && c.gid == NOBODY,
	    "HANDLE_GET of unmapped ids: uid %u gid %u", c.uid, c.gid);
	CHK(!credo_revert(a->h) && !credo_get(a->h, &c, NULL, 0), "REVERT/GET");
	/* No capability in the handle's (initial) namespace: no REVOKE. */
	r = h_revoke(a->h);
	CHK(r == -EPERM, "REVOKE from the child namespace: %d", r);
	/* Control: a handle of this namespace, for the same identity, works here. */
	credo_cred_init(&c, 5, 6, &seven, 1);
	mine = h_mint(dev_fd, &c);
	CHK(mine >= 0, "HANDLE in the namespace: %s", strerror(-mine));
	CHK(!h_assume(mine), "ASSUME of the namespace's own handle: %s", strerror(errno));
	snprintf(p, sizeof(p), "%s/ns-own", a->pub);
	CHK(!create_file(p), "create: %s", strerror(errno));
	CHK(!credo_revert(mine), "REVERT");
	/* Revoked by the test process: EKEYREVOKED comes before the namespace rule. */
	CHK(!sig(a->ready) && !wait_sig(a->go), "sync");
	r = h_assume(a->h);
	CHK(r == -EKEYREVOKED, "ASSUME of the revoked handle: %d", r);
	return 0;
}

/*
 * A process in a child user namespace holding a handle minted in the initial one: ASSUME
 * EPERM (and EKEYREVOKED once revoked, which is checked first), REVOKE EPERM, HANDLE_GET
 * ids in its namespace; a handle minted there for the same identity works there.
 */
TEST_F(h, userns_child_cannot_assume_an_initial_namespace_handle)
{
	struct ns_args a = { .pub = self->pub };
	__u32 g = 100007, u = 0, gg = 0;
	char p[PATH_MAX + 32];
	int ready[2], go[2];
	pid_t pid;

	REQUIRE_ROOT();
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	a.ready = ready[1];
	a.go = go[0];
	a.h = h_mint_as(100005, 100006, &g, 1);
	ASSERT_LE(0, a.h);
	a.h_unmapped = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, a.h_unmapped);
	pid = spawn_child(ns_child_initial_handle, &a);
	ASSERT_LT(0, pid);
	write_maps(_metadata, pid, ready[0], go[1], false);
	EXPECT_EQ(0, wait_sig(ready[0]));
	EXPECT_EQ(0, h_revoke(a.h));
	EXPECT_EQ(0, sig(go[1]));
	EXPECT_CHILD_OK(pid);
	path_in(p, sizeof(p), self->pub, "ns-own");
	ASSERT_EQ(0, owner_of(p, &u, &gg));
	EXPECT_EQ(100005U, u);
	EXPECT_EQ(100006U, gg);
	close(a.h);
	close(a.h_unmapped);
}

static int ns_child_mints(void *arg)
{
	struct ns_args *a = arg;
	__u32 seven = 7;
	struct credo_cred c;
	int h;

	CHK(!enter_new_userns(a), "unshare/maps: %s", strerror(errno));
	credo_cred_init(&c, 5, 6, &seven, 1);
	h = h_mint(dev_fd, &c);
	CHK(h >= 0, "HANDLE in the namespace: %s", strerror(-h));
	CHK(!h_assume(h), "ASSUME in the namespace it was minted in: %s", strerror(errno));
	CHK(!credo_revert(h), "REVERT");
	CHK(!send_fd(a->sock, h), "send_fd");
	CHK(!wait_sig(a->go), "sync");
	return 0;
}

/* A handle minted in a child user namespace: EPERM in the parent (initial) namespace. */
TEST_F(h, handle_minted_in_a_userns_is_refused_in_the_parent)
{
	struct ns_args a = { .pub = self->pub };
	int ready[2], go[2], sv[2], h;
	struct credo_snap after;
	struct credo_cred c;
	char diff[128];
	__u32 gb[2];
	pid_t pid;

	REQUIRE_ROOT();
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	a.ready = ready[1];
	a.go = go[0];
	a.sock = sv[1];
	pid = spawn_child(ns_child_mints, &a);
	ASSERT_LT(0, pid);
	write_maps(_metadata, pid, ready[0], go[1], false);
	h = recv_fd(sv[0]);
	EXPECT_LE(0, h) TH_LOG("no handle from the child: %s", rep->msg);
	if (h >= 0) {
		EXPECT_EQ(-EPERM, h_assume(h));
		credo_snapshot(dev_fd, &after);
		EXPECT_TRUE(credo_snap_equal(&self->base, &after, diff, sizeof(diff)))
			TH_LOG("%s", diff);
		/* Ids in the caller's (initial) namespace. */
		ASSERT_EQ(0, h_get(h, &c, gb, 2));
		EXPECT_EQ(100005U, c.uid);
		EXPECT_EQ(100006U, c.gid);
		EXPECT_EQ(1U, c.ngroups);
		EXPECT_EQ(100007U, gb[0]);
		/* Root of the initial namespace has the capabilities in the child's. */
		EXPECT_EQ(0, h_revoke(h));
		EXPECT_EQ(-EKEYREVOKED, h_assume(h));
		close(h);
	}
	EXPECT_EQ(0, sig(go[1]));
	EXPECT_CHILD_OK(pid);
	close(sv[0]);
	close(sv[1]);
}

/* M: groups {100007} before unshare, its namespace denies setgroups. */
static int deny_minter(void *arg)
{
	struct ns_args *a = arg;
	__u32 seven = 7, two[2] = { 7, 8 };
	struct credo_cred c;
	int h, r;

	CHK(!enter_new_userns(a), "unshare/maps: %s", strerror(errno));
	CHK(raw_getgroups(0, NULL) == 1, "own groups: %d", raw_getgroups(0, NULL));
	credo_cred_init(&c, 5, 6, NULL, 0);
	r = h_mint(dev_fd, &c);
	CHK(r == -EPERM, "HANDLE without the own group under deny: %d", r);
	CHK(credo_override(dev_fd, &c) == -EPERM, "OVERRIDE without the own group under deny");
	credo_cred_init(&c, 5, 6, two, 2);
	r = h_mint(dev_fd, &c);
	CHK(r == -EPERM, "HANDLE with an extra group under deny: %d", r);
	credo_cred_init(&c, 5, 6, &seven, 1);
	h = h_mint(dev_fd, &c);
	CHK(h >= 0, "HANDLE with the own groups under deny: %s", strerror(-h));
	CHK(!h_assume(h), "ASSUME with the own groups: %s", strerror(errno));
	CHK(!credo_revert(h), "REVERT");
	CHK(!send_fd(a->sock, h), "send_fd");
	/* Stay: the other process joins this namespace. */
	CHK(!wait_sig(a->go), "sync");
	return 0;
}

struct joiner_args {
	pid_t ns_pid;
	int h;			/* M's handle, groups {7} */
};

/* W: no groups, joins M's namespace: M's handle differs from its groups, its own does not. */
static int deny_joiner(void *arg)
{
	struct joiner_args *j = arg;
	__u32 seven = 7;
	struct credo_cred c;
	char path[64];
	int ns, h, r;

	CHK(!raw_setgroups(0, NULL), "setgroups");
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)j->ns_pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	CHK(ns >= 0 && !setns(ns, CLONE_NEWUSER), "setns %s: %s", path, strerror(errno));
	r = h_assume(j->h);
	CHK(r == -EPERM, "ASSUME of a handle with other groups under deny: %d", r);
	CHK(!credo_get(j->h, &c, NULL, 0) && !(c.flags & CREDO_CRED_OVERRIDDEN),
	    "the refused ASSUME changed the thread");
	credo_cred_init(&c, 5, 6, &seven, 1);
	r = h_mint(dev_fd, &c);
	CHK(r == -EPERM, "HANDLE with group 7 by a process without it under deny: %d", r);
	credo_cred_init(&c, 5, 6, NULL, 0);
	h = h_mint(dev_fd, &c);
	CHK(h >= 0, "HANDLE with the own (empty) groups: %s", strerror(-h));
	r = h_assume(h);
	CHK(!r, "ASSUME with equal groups under deny: %s", strerror(-r));
	CHK(!credo_get(h, &c, NULL, 0) && c.euid == 5 && c.ngroups == 0, "GET: euid %u", c.euid);
	CHK(!credo_revert(h), "REVERT");
	return 0;
}

/*
 * Where the namespace denies setgroups: HANDLE with groups other than the minter's own is
 * EPERM, ASSUME of a handle whose groups differ from the caller's own is EPERM, equal groups
 * work (M has groups {7}, W none; both in the same namespace).
 */
TEST_F(h, userns_setgroups_deny_rule_on_mint_and_assume)
{
	struct ns_args a = { .pub = self->pub, .groups_before = 100007 };
	struct joiner_args j;
	int ready[2], go[2], sv[2];
	pid_t m;

	REQUIRE_ROOT();
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	a.ready = ready[1];
	a.go = go[0];
	a.sock = sv[1];
	m = spawn_child(deny_minter, &a);
	ASSERT_LT(0, m);
	write_maps(_metadata, m, ready[0], go[1], true);
	j.ns_pid = m;
	j.h = recv_fd(sv[0]);
	EXPECT_LE(0, j.h) TH_LOG("no handle from the minter: %s", rep->msg);
	if (j.h >= 0) {
		EXPECT_CHILD_OK(spawn_child(deny_joiner, &j));
		close(j.h);
	}
	EXPECT_EQ(0, sig(go[1]));
	EXPECT_CHILD_OK(m);
	close(sv[0]);
	close(sv[1]);
}

/* ---- ENOTTY ---------------------------------------------------------------------------------- */

/* Each file takes its own commands only: ENOTTY for the others and for unknown ones. */
TEST_F(h, commands_of_the_other_file_are_enotty)
{
	static const unsigned long unknown[] = {
		_IO(CREDO_IOC_MAGIC, 0), _IO(CREDO_IOC_MAGIC, 8), _IO(CREDO_IOC_MAGIC, 0xff),
		_IOWR(CREDO_IOC_MAGIC, 9, struct credo_cred), _IO(0xC8, 5), TCGETS,
	};
	unsigned char buf[128] __attribute__((aligned(8)));
	struct credo_cred c, *bc = (struct credo_cred *)buf;
	struct credo_snap after;
	char diff[128];
	unsigned int i;
	int h, fd0, r;

	REQUIRE_ROOT();
	h = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, h);
	/* /dev/credo: the handle commands. */
	EXPECT_EQ(-ENOTTY, credo_ioctl(dev_fd, CREDO_IOC_ASSUME, NULL));
	EXPECT_EQ(-ENOTTY, credo_ioctl(dev_fd, CREDO_IOC_REVOKE, NULL));
	memset(buf, 0xa5, sizeof(buf));
	bc->size = sizeof(*bc);
	bc->flags = 0;
	bc->reserved = 0;
	bc->ngroups = 0;
	EXPECT_EQ(-ENOTTY, credo_ioctl(dev_fd, CREDO_IOC_HANDLE_GET, buf));
	EXPECT_EQ(0xa5a5a5a5U, bc->uid) TH_LOG("HANDLE_GET on /dev/credo wrote the struct");
	/* A handle: the device's commands. */
	credo_cred_init(&c, B_UID, B_GID, NULL, 0);
	fd0 = next_fd();
	r = h_mint(h, &c);
	EXPECT_EQ(-ENOTTY, r) TH_LOG("HANDLE on a handle: %d", r);
	if (r >= 0)
		close(r);
	EXPECT_EQ(fd0, next_fd());
	EXPECT_EQ(-ENOTTY, credo_override(h, &c));
	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(-ENOTTY, credo_ioctl(dev_fd, unknown[i], buf))
			TH_LOG("cmd 0x%lx on /dev/credo", unknown[i]);
		EXPECT_EQ(-ENOTTY, credo_ioctl(h, unknown[i], buf))
			TH_LOG("cmd 0x%lx on a handle", unknown[i]);
	}
	credo_snapshot(dev_fd, &after);
	EXPECT_TRUE(credo_snap_equal(&self->base, &after, diff, sizeof(diff))) TH_LOG("%s", diff);
	/* Nothing was revoked or changed: the handle still assumes its identity. */
	ASSERT_EQ(0, h_assume(h));
	EXPECT_EQ((long)H_UID, syscall(SYS_geteuid));
	EXPECT_EQ(0, credo_revert(h));
	close(h);
}

/* ---- coalescing ------------------------------------------------------------------------------ */

/* Counters around one step: the step made @misses misses and @hits hits, entries follow. */
static void expect_lookups(struct __test_metadata *_metadata, const char *what,
			   const struct credo_counters *b, const struct credo_counters *a,
			   long misses, long hits)
{
	TH_LOG("%s: entries %ld -> %ld, hits +%ld, misses +%ld, evictions +%ld", what,
	       b->entries, a->entries, a->hits - b->hits, a->misses - b->misses,
	       a->evictions - b->evictions);
	EXPECT_EQ(misses, a->misses - b->misses) TH_LOG("%s", what);
	EXPECT_EQ(hits, a->hits - b->hits) TH_LOG("%s", what);
	EXPECT_EQ(misses - (a->evictions - b->evictions), a->entries - b->entries)
		TH_LOG("%s", what);
}

/*
 * An identity reached by descriptor and by handle from the same base is one table entry:
 * override (a miss, entries +1), then assume of a handle for the same descriptor (groups in
 * another order, with a repeat): a hit, no entry; the thread sees the same identity.  And the
 * other way round for a second identity.  Files opened under each pin the entry meanwhile.
 */
TEST_F(h, handle_and_descriptor_share_one_table_entry)
{
	const __u32 g_desc[] = { 4144, 4143 }, g_handle[] = { 4143, 4144, 4143 };
	struct credo_counters c0, c1, c2, c3, c4;
	struct credo_snap s_desc, s_handle;
	char p[PATH_MAX + 32], diff[128];
	int h, h2, pin1, pin2;

	REQUIRE_ROOT();
	h = h_mint_as(4141, 4142, g_handle, 3);
	ASSERT_LE(0, h);
	credo_read_counters(&c0);
	ASSERT_EQ(0, credo_override_as(4141, 4142, g_desc, 2));
	path_in(p, sizeof(p), self->pub, "pin1");
	pin1 = open(p, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	ASSERT_LE(0, pin1);
	credo_snapshot(dev_fd, &s_desc);
	ASSERT_EQ(0, credo_revert(dev_fd));
	credo_read_counters(&c1);
	expect_lookups(_metadata, "OVERRIDE of a fresh identity", &c0, &c1, 1, 0);
	ASSERT_EQ(0, h_assume(h));
	credo_snapshot(h, &s_handle);
	ASSERT_EQ(0, credo_revert(h));
	credo_read_counters(&c2);
	expect_lookups(_metadata, "ASSUME of the same identity", &c1, &c2, 0, 1);
	EXPECT_TRUE(credo_snap_equal(&s_desc, &s_handle, diff, sizeof(diff))) TH_LOG("%s", diff);

	/* Handle first, then the descriptor. */
	h2 = h_mint_as(4145, 4146, g_handle, 3);
	ASSERT_LE(0, h2);
	credo_read_counters(&c2);
	ASSERT_EQ(0, h_assume(h2));
	path_in(p, sizeof(p), self->pub, "pin2");
	pin2 = open(p, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	ASSERT_LE(0, pin2);
	credo_snapshot(h2, &s_handle);
	ASSERT_EQ(0, credo_revert(h2));
	credo_read_counters(&c3);
	expect_lookups(_metadata, "ASSUME of a fresh identity", &c2, &c3, 1, 0);
	ASSERT_EQ(0, credo_override_as(4145, 4146, g_desc, 2));
	credo_snapshot(dev_fd, &s_desc);
	ASSERT_EQ(0, credo_revert(dev_fd));
	credo_read_counters(&c4);
	expect_lookups(_metadata, "OVERRIDE of the same identity", &c3, &c4, 0, 1);
	EXPECT_TRUE(credo_snap_equal(&s_desc, &s_handle, diff, sizeof(diff))) TH_LOG("%s", diff);
	close(pin1);
	close(pin2);
	close(h);
	close(h2);
}

/* ---- leaks and references -------------------------------------------------------------------- */

#define LEAK_HANDLES	24
#define LEAK_ROUNDS	600
#define LEAK_SLACK	8

static void *assume_and_exit(void *arg)
{
	return (void *)(long)h_assume(*(int *)arg);
}

/* Another process (another own cred): each handle replaces the override it remembers. */
static int assume_all_elsewhere(void *arg)
{
	int *hs = arg, i, r;

	for (i = 0; i < LEAK_HANDLES; i++) {
		r = h_assume(hs[i]);
		CHK(!r, "ASSUME of handle %d in a child: %s", i, strerror(-r));
	}
	CHK(!credo_revert(hs[0]), "REVERT");
	return 0;
}

/*
 * Each open handle is one module reference, none once closed; after assumes, replacements,
 * reverts and threads exiting assumed, no live override is left and, once unused entries are
 * evicted, the cred objects are back at their baseline.
 */
TEST_F_TIMEOUT(h, handles_leak_no_cred_and_no_reference, 180)
{
	int hs[LEAK_HANDLES], i;
	long ref0, ref1, live0, objs0, objs1, e0, e1;
	pthread_t t;
	void *ret;

	REQUIRE_ROOT();
	ASSERT_EQ(0, credo_wait_live(0)) TH_LOG("live_overrides %ld", counter("live_overrides"));
	live0 = counter("live_overrides");
	credo_drop_caches();
	objs0 = credo_cred_objects();
	ASSERT_LT(0, objs0) TH_LOG("cannot read %s from /proc/slabinfo (slab_nomerge?)",
				   credo_cred_cache());
	e0 = counter("entries");
	ref0 = credo_module_refcnt();
	ASSERT_LT(0, ref0) TH_LOG("/sys/module/credo/refcnt unreadable");
	for (i = 0; i < LEAK_HANDLES; i++) {
		__u32 groups[2] = { 4160 + i % 3, 4170 };
		struct credo_cred c;

		credo_cred_init(&c, 4150 + i % 8, 4150 + i % 5, groups, i % 3);
		if (i % 4 == 3)
			credo_cred_caps(&c, 0, CAPB(CAP_DAC_READ_SEARCH), 0, 0);
		hs[i] = h_mint(dev_fd, &c);
		ASSERT_LE(0, hs[i]);
	}
	ref1 = credo_module_refcnt();
	EXPECT_EQ(ref0 + LEAK_HANDLES, ref1) TH_LOG("%d open handles: refcnt %ld -> %ld",
						    LEAK_HANDLES, ref0, ref1);
	for (i = 0; i < LEAK_ROUNDS; i++) {
		int h = hs[i % LEAK_HANDLES];

		if (i % 50 == 7) {
			/* A thread that exits still assumed. */
			ASSERT_EQ(0, pthread_create(&t, NULL, assume_and_exit, &h));
			ASSERT_EQ(0, pthread_join(t, &ret));
			ASSERT_EQ(NULL, ret);
			continue;
		}
		ASSERT_EQ(0, h_assume(h));
		if (i % 3 == 0)	/* replaced without a revert */
			ASSERT_EQ(0, h_assume(hs[(i * 7 + 1) % LEAK_HANDLES]));
		if (i % 5 == 0) {
			int fd = open(self->pub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			ASSERT_LE(0, fd);
			close(fd);
		}
		ASSERT_EQ(0, credo_revert(h));
	}
	/* Children with creds of their own, which the handles then remember, and exit. */
	for (i = 0; i < 4; i++)
		EXPECT_CHILD_OK(spawn_child(assume_all_elsewhere, hs));
	ASSERT_EQ(0, credo_wait_live(live0)) TH_LOG("live_overrides stayed at %ld",
						    counter("live_overrides"));
	for (i = 0; i < LEAK_HANDLES; i++)
		close(hs[i]);
	EXPECT_EQ(ref0, credo_module_refcnt_settled(ref0))
		TH_LOG("closed handles kept module references");
	objs1 = credo_cred_objects_settled(objs0 + LEAK_SLACK);
	e1 = credo_entries_settled(e0);
	TH_LOG("%s: %ld objects before, %ld after %d handles and %d rounds; entries %ld -> %ld",
	       credo_cred_cache(), objs0, objs1, LEAK_HANDLES, LEAK_ROUNDS, e0, e1);
	EXPECT_LE(objs1, objs0 + LEAK_SLACK);
	EXPECT_LE(e1, e0) TH_LOG("entries the handles' assumes made were not evicted");
}

/* ---- section 4 for assumed identities -------------------------------------------------------- */

struct plain_thread {
	int h;
	const char *pub;
	__u32 euid, fsuid_owner;
	int overridden, err;
};

static void *new_thread_while_assumed(void *arg)
{
	struct plain_thread *p = arg;
	char path[PATH_MAX + 32];
	struct credo_cred c;
	__u32 g;

	p->euid = (__u32)syscall(SYS_geteuid);
	p->err = credo_get(p->h, &c, NULL, 0);
	p->overridden = !!(c.flags & CREDO_CRED_OVERRIDDEN);
	snprintf(path, sizeof(path), "%s/new-thread", p->pub);
	if (create_file(path) || owner_of(path, &p->fsuid_owner, &g))
		p->fsuid_owner = ~0U;
	return NULL;
}

/*
 * While assumed, fork, execve and the thread's own credential changes (PR_SET_KEEPCAPS,
 * setresuid, setgroups) fail with EBUSY and change nothing; pthread_create works and the new
 * thread runs with the process's own credentials; after the revert fork works.
 */
TEST_F(h, fork_and_exec_refused_while_assumed_new_threads_run_as_the_process)
{
	char *argv[] = { "/proc/self/exe", "--exec-ran", NULL };
	char *envp[] = { NULL };
	struct plain_thread p = { .pub = self->pub };
	int fork_err, exec_err, status;
	long fork_rc, exec_rc;
	pthread_t t;
	pid_t pid;

	REQUIRE_ROOT();
	p.h = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, p.h);
	ASSERT_EQ(0, h_assume(p.h));
	errno = 0;
	fork_rc = fork();
	if (fork_rc == 0)
		_exit(0);
	fork_err = errno;
	errno = 0;
	exec_rc = execve(argv[0], argv, envp);
	exec_err = errno;
	/* The thread's own credential changes (the keepcaps one crashes a naive module). */
	errno = 0;
	EXPECT_EQ(-1, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	EXPECT_EQ(EBUSY, errno);
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_setresuid, 0, 0, 0));
	EXPECT_EQ(EBUSY, errno);
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_setgroups, 0, NULL));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, pthread_create(&t, NULL, new_thread_while_assumed, &p));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_TRUE(overridden(p.h)) TH_LOG("the refused calls ended the override");
	EXPECT_EQ((long)H_UID, syscall(SYS_geteuid));
	ASSERT_EQ(0, credo_revert(p.h));
	if (fork_rc > 0)
		waitpid(fork_rc, NULL, 0);
	TH_LOG("while assumed: fork %ld (%s), execve %ld (%s); new thread euid %u, %s",
	       fork_rc, strerror(fork_err), exec_rc, strerror(exec_err), p.euid,
	       p.overridden ? "overridden" : "not overridden");
	EXPECT_EQ(-1, fork_rc);
	EXPECT_EQ(EBUSY, fork_err);
	EXPECT_EQ(-1, exec_rc);
	EXPECT_EQ(EBUSY, exec_err);
	EXPECT_EQ(0, p.err);
	EXPECT_EQ(0U, p.euid);
	EXPECT_EQ(0, p.overridden);
	EXPECT_EQ(0U, p.fsuid_owner);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	close(p.h);
}

/*
 * An assume that changes the euid makes the process non-dumpable (fs.suid_dumpable, read, not
 * changed); the revert does not restore it.  Control: a handle with the own ids (uid 0, other
 * groups) leaves it dumpable.
 */
TEST_F(h, assume_of_another_euid_makes_the_process_non_dumpable)
{
	char sd[16];
	int h, h0, want, during, after;
	__u32 g = 1234;

	REQUIRE_ROOT();
	ASSERT_LT(0, credo_read_text("/proc/sys/fs/suid_dumpable", sd, sizeof(sd)));
	want = atoi(sd);
	h = h_mint_as(H_UID, H_GID, NULL, 0);
	h0 = h_mint_as(0, 0, &g, 1);
	ASSERT_LE(0, h);
	ASSERT_LE(0, h0);
	/* Control first. */
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	ASSERT_EQ(0, h_assume(h0));
	during = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	ASSERT_EQ(0, credo_revert(h0));
	EXPECT_EQ(1, during) TH_LOG("the own uid, other groups: dumpable %d", during);
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	ASSERT_EQ(0, h_assume(h));
	during = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	ASSERT_EQ(0, credo_revert(h));
	after = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	TH_LOG("fs.suid_dumpable %d: dumpable %d while assumed, %d after the revert", want,
	       during, after);
	EXPECT_EQ(want, during);
	EXPECT_EQ(want, after);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	close(h);
	close(h0);
}

/* ---- io_uring -------------------------------------------------------------------------------- */

#define URING_SKIP	77

static int uring_personality_worker(void *arg)
{
	struct worker_args *w = arg;
	char p[PATH_MAX + 32], q[PATH_MAX + 32];
	struct credo_ring r;
	struct stat st;
	int id, fd, res;

	CHK_NOBODY();
	res = credo_ring_setup(&r, 4, 0, 0);
	if (res) {
		snprintf(rep->msg, sizeof(rep->msg), "io_uring_setup as uid 65534: %s",
			 strerror(-res));
		return URING_SKIP;
	}
	/* No capability: registering a personality of its own is all it can do. */
	CHK(!h_assume(w->a), "ASSUME: %s", strerror(errno));
	id = syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_PERSONALITY, NULL, 0);
	CHK(id > 0, "IORING_REGISTER_PERSONALITY while assumed: %d (%s)", id, strerror(errno));
	CHK(!credo_revert(w->a), "REVERT");
	CHK(syscall(SYS_geteuid) == NOBODY, "euid %ld", syscall(SYS_geteuid));
	snprintf(p, sizeof(p), "%s/uring-personality", w->pub);
	credo_ring_queue_openat(&r, p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644, 0);
	r.sqes[(*r.sq_tail - 1) & *r.sq_mask].personality = (__u16)id;
	CHK(syscall(__NR_io_uring_enter, r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) >= 0,
	    "io_uring_enter: %s", strerror(errno));
	CHK(credo_ring_reap(&r, &fd), "no completion");
	CHK(fd >= 0, "openat with the personality: %s", strerror(-fd));
	CHK(!fstat(fd, &st), "fstat");
	CHK(st.st_uid == H_UID && st.st_gid == H_GID, "file of the personality owned by %u:%u",
	    st.st_uid, st.st_gid);
	close(fd);
	/* Without it: the worker's own identity. */
	snprintf(q, sizeof(q), "%s/uring-own", w->pub);
	fd = credo_ring_openat(&r, q, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644, 0);
	CHK(fd >= 0 && !fstat(fd, &st) && st.st_uid == NOBODY, "own file: %d, owner %u", fd,
	    st.st_uid);
	close(fd);
	CHK(!syscall(__NR_io_uring_register, r.fd, IORING_UNREGISTER_PERSONALITY, NULL, id),
	    "IORING_UNREGISTER_PERSONALITY: %s", strerror(errno));
	close(r.fd);
	return 0;
}

/*
 * A worker with no capability assumes a handle, registers an io_uring personality, reverts;
 * an openat with that personality creates a file owned by the handle's identity.
 */
TEST_F(h, uring_personality_registered_while_assumed)
{
	struct worker_args w = { .pub = self->pub };
	__u32 u = 0, g = 0;
	char p[PATH_MAX + 32];
	int st;

	REQUIRE_ROOT();
	w.a = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, w.a);
	st = wait_child(spawn_child(uring_personality_worker, &w));
	close(w.a);
	if (st == URING_SKIP)
		SKIP(return, "%s", rep->msg);
	ASSERT_EQ(0, st) TH_LOG("worker: %s", rep->msg);
	path_in(p, sizeof(p), self->pub, "uring-personality");
	ASSERT_EQ(0, owner_of(p, &u, &g));
	EXPECT_EQ((__u32)H_UID, u);
	EXPECT_EQ((__u32)H_GID, g);
}

/* ---- module unload (last: it unloads the module and loads it again) --------------------------- */

FIXTURE(unload) {
	int unused;
};

FIXTURE_SETUP(unload)
{
	self->unused = 0;
	report_init();
}

FIXTURE_TEARDOWN(unload)
{
}

static int delete_credo(void)
{
	return syscall(SYS_delete_module, "credo", O_NONBLOCK) ? -errno : 0;
}

static int hold_handle(void *arg)
{
	int *p = arg;	/* { handle, go } */
	struct credo_cred c;

	/* Never assumes it: an open handle alone must pin the module. */
	CHK(!wait_sig(p[1]), "sync");
	CHK(!h_get(p[0], &c, NULL, 0) && c.uid == H_UID, "HANDLE_GET while unload was refused");
	return 0;
}

TEST_F_TIMEOUT(unload, refused_while_a_handle_is_open, 120)
{
	int go[2], args[2], fd, status;
	struct stat st;
	pid_t holder, pid;

	REQUIRE_CREDO();
	if (getenv("CREDO_SKIP_RELOAD"))
		SKIP(return, "%s", getenv("CREDO_SKIP_RELOAD"));
	ASSERT_EQ(0, pipe(go));
	args[0] = h_mint_as(H_UID, H_GID, NULL, 0);
	ASSERT_LE(0, args[0]);
	args[1] = go[0];
	/* Only the holder's handle is left: no descriptor or override of this process. */
	ASSERT_EQ(0, close(dev_fd));
	dev_fd = -1;
	holder = spawn_child(hold_handle, args);
	ASSERT_LT(0, holder);
	close(args[0]);
	ASSERT_EQ(0, credo_wait_live(0));
	TH_LOG("refcnt with one handle open elsewhere: %ld", credo_module_refcnt());
	EXPECT_EQ(-EWOULDBLOCK, delete_credo()) TH_LOG("unloaded with a handle open");
	ASSERT_EQ(0, access("/sys/kernel/credo/entries", R_OK));
	ASSERT_EQ(0, sig(go[1]));
	EXPECT_CHILD_OK(holder);
	/* The handle closed with its holder: the module may go. */
	EXPECT_EQ(0, delete_credo());
	EXPECT_NE(0, access("/sys/kernel/credo/entries", F_OK));

	/* Load it again for whatever runs next (the node autoloads it, else modprobe). */
	unlink("/tmp/credo-handle-node");
	if (!mknod("/tmp/credo-handle-node", S_IFCHR | 0600, makedev(10, CREDO_MINOR))) {
		fd = open("/tmp/credo-handle-node", O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		unlink("/tmp/credo-handle-node");
	}
	if (stat(CREDO_DEV, &st)) {
		pid = fork();
		if (pid == 0) {
			execl("/sbin/modprobe", "/sbin/modprobe", "credo", (char *)NULL);
			_exit(127);
		}
		ASSERT_LT(0, pid);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	EXPECT_EQ(0, access(CREDO_DEV, F_OK));
	close(go[0]);
	close(go[1]);
}

int main(int argc, char **argv)
{
	/* An execve that was not refused lands here: the test process exits 3, a failure. */
	if (argc == 2 && !strcmp(argv[1], "--exec-ran")) {
		fprintf(stderr, "# handle_test: execve() in an assumed thread ran the program\n");
		return 3;
	}
	return test_harness_run(argc, argv);
}

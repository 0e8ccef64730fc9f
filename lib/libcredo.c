// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcredo: a small C library over the /dev/credo ioctls (uapi/linux/credo.h).
 *
 * The only process-wide state is the device descriptor, published once with an
 * atomic compare-and-swap: threads racing on the first call each open the
 * device, one wins, the others close theirs.  A failed open is not remembered,
 * so a later call retries (the module may have been loaded meanwhile).
 *
 * credo_spawn_as() does not override the caller: a short-lived helper thread
 * switches itself with the raw (per-thread) set*id syscalls and spawns, so the
 * child is what fork plus setgroups/setresgid/setresuid in the child makes.
 *
 * The handle calls are thin: each is one ioctl on the handle's descriptor
 * (the mint one on the device's), except send/recv, which move a descriptor
 * over a unix socket as SCM_RIGHTS with one byte of data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/credo.h>

#include "credo.h"

#define CREDO_DEFAULT_DEVICE	"/dev/credo"
#define CREDO_NGROUPS_MAX	65536	/* the kernel's NGROUPS_MAX */

_Static_assert(sizeof(gid_t) == sizeof(__u32), "gid_t must be 32 bits");
_Static_assert(sizeof(uid_t) == sizeof(__u32), "uid_t must be 32 bits");

extern char **environ;

static int credo_dev_fd = -1;

int credo_fd(void)
{
	const char *path;
	int fd, expected = -1;

	fd = __atomic_load_n(&credo_dev_fd, __ATOMIC_ACQUIRE);
	if (fd >= 0)
		return fd;
	/* For tests and unusual setups; ignored in set-user-ID programs. */
	path = secure_getenv("CREDO_DEVICE");
	if (!path || !*path)
		path = CREDO_DEFAULT_DEVICE;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		/* No node, or a node without a driver behind it. */
		if (e == ENOENT || e == ENXIO || e == ENODEV)
			return -ENODEV;
		return -e;
	}
	if (!__atomic_compare_exchange_n(&credo_dev_fd, &expected, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		return expected;
	}
	return fd;
}

static int credo_ioctl(unsigned long cmd, void *arg)
{
	int fd = credo_fd();

	if (fd < 0)
		return fd;
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* ids as a whole descriptor (struct credo_cred), for OVERRIDE and HANDLE. */
static int fill_cred(struct credo_cred *c, const struct credo_ids *ids)
{
	if (!ids || (ids->ngroups && !ids->groups))
		return -EINVAL;
	if (ids->ngroups > CREDO_NGROUPS_MAX)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->uid = c->euid = c->suid = c->fsuid = ids->uid;
	c->gid = c->egid = c->sgid = c->fsgid = ids->gid;
	c->ngroups = (__u32)ids->ngroups;
	c->groups = (__u64)(uintptr_t)ids->groups;
	return 0;
}

int credo_override(const struct credo_ids *ids)
{
	struct credo_cred c;
	int r = fill_cred(&c, ids);

	return r ? r : credo_ioctl(CREDO_IOC_OVERRIDE, &c);
}

int credo_revert(void)
{
	return credo_ioctl(CREDO_IOC_REVERT, NULL);
}

int credo_revert_fd(int fd)
{
	if (fd < 0)
		return -EBADF;
	return ioctl(fd, CREDO_IOC_REVERT) < 0 ? -errno : 0;
}

/*
 * CREDO_IOC_GET or CREDO_IOC_HANDLE_GET on fd into c, with room for up to
 * maxgroups groups at groups.  fd -1 means the device (credo_fd()).
 */
static int get_cred(int fd, unsigned long cmd, struct credo_cred *c,
		    gid_t *groups, size_t maxgroups)
{
	if (maxgroups && !groups)
		return -EINVAL;
	if (maxgroups > CREDO_NGROUPS_MAX)
		maxgroups = CREDO_NGROUPS_MAX;
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->ngroups = (__u32)maxgroups;
	c->groups = (__u64)(uintptr_t)groups;
	if (fd == -1)
		return credo_ioctl(cmd, c);
	return ioctl(fd, cmd, c) < 0 ? -errno : 0;
}

/* The eight ids and the group count of c into a credo_state or credo_handle_info. */
#define CREDO_COPY_IDS(dst, c) do {					\
	(dst)->uid = (c)->uid;						\
	(dst)->euid = (c)->euid;					\
	(dst)->suid = (c)->suid;					\
	(dst)->fsuid = (c)->fsuid;					\
	(dst)->gid = (c)->gid;						\
	(dst)->egid = (c)->egid;					\
	(dst)->sgid = (c)->sgid;					\
	(dst)->fsgid = (c)->fsgid;					\
	(dst)->ngroups = (c)->ngroups;					\
} while (0)

static int get_state(int fd, struct credo_state *st, gid_t *groups,
		     size_t maxgroups)
{
	struct credo_cred c;
	int r;

	if (!st)
		return -EINVAL;
	r = get_cred(fd, CREDO_IOC_GET, &c, groups, maxgroups);
	if (r)
		return r;
	memset(st, 0, sizeof(*st));
	CREDO_COPY_IDS(st, &c);
	st->overridden = !!(c.flags & CREDO_CRED_OVERRIDDEN);
	if (c.flags & CREDO_CRED_CAPS) {
		st->cap_effective = c.cap_effective;
		st->cap_permitted = c.cap_permitted;
		st->cap_inheritable = c.cap_inheritable;
		st->cap_ambient = c.cap_ambient;
	}
	return 0;
}

int credo_get(struct credo_state *st, gid_t *groups, size_t maxgroups)
{
	return get_state(-1, st, groups, maxgroups);
}

int credo_get_fd(int fd, struct credo_state *st, gid_t *groups,
		 size_t maxgroups)
{
	if (fd < 0)
		return -EBADF;
	return get_state(fd, st, groups, maxgroups);
}

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* A group file may list a user twice in one group: sort, drop repeats. */
static int sort_unique(gid_t *g, int n)
{
	int i, k = 0;

	qsort(g, (size_t)n, sizeof(*g), cmp_gid);
	for (i = 0; i < n; i++)
		if (!k || g[k - 1] != g[i])
			g[k++] = g[i];
	return k;
}

int credo_lookup_user(const char *name, struct credo_ids *ids)
{
	struct passwd pw, *res = NULL;
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t len = hint > 0 ? (size_t)hint : 1024;
	char *buf = NULL;
	gid_t *groups = NULL;
	int r, n;

	if (!name || !*name || !ids)
		return -EINVAL;
	for (;;) {
		char *nbuf = realloc(buf, len);

		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		r = getpwnam_r(name, &pw, buf, len, &res);
		if (r != ERANGE)
			break;
		if (len >= 1 << 20) {
			free(buf);
			return -ERANGE;
		}
		len *= 2;
	}
	if (r || !res) {
		free(buf);
		/* glibc may report "not found" as one of these, or as 0. */
		if (!r || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM)
			return -ESRCH;
		return -r;
	}

	n = 32;
	for (;;) {
		int want = n;
		gid_t *ng = realloc(groups, (size_t)want * sizeof(*groups));

		if (!ng) {
			free(groups);
			free(buf);
			return -ENOMEM;
		}
		groups = ng;
		if (getgrouplist(name, pw.pw_gid, groups, &n) >= 0)
			break;
		/* glibc stores the needed count in n; grow at least twofold. */
		if (n <= want)
			n = want * 2;
		if (n > CREDO_NGROUPS_MAX) {
			free(groups);
			free(buf);
			return -E2BIG;
		}
	}
	n = sort_unique(groups, n);
	ids->uid = pw.pw_uid;
	ids->gid = pw.pw_gid;
	ids->ngroups = (size_t)n;
	ids->groups = groups;
	free(buf);
	return 0;
}

void credo_ids_free(struct credo_ids *ids)
{
	if (!ids)
		return;
	free((void *)ids->groups);
	ids->groups = NULL;
	ids->ngroups = 0;
}

int credo_override_user(const char *name)
{
	struct credo_ids ids;
	int r = credo_lookup_user(name, &ids);

	if (r)
		return r;
	r = credo_override(&ids);
	credo_ids_free(&ids);
	return r;
}

/* What the spawn helper thread needs, and what it reports back. */
struct spawn_job {
	const struct credo_ids *ids;
	const char *file;
	const posix_spawn_file_actions_t *actions;
	const posix_spawnattr_t *attr;
	char *const *argv;
	char *const *envp;
	int search;
	pid_t pid;
	int err;		/* 0 or -errno */
};

/*
 * The helper thread.  It starts with the creating thread's own credentials;
 * under a module older than Safety v2 it inherited the creator's override, so
 * it ends one it finds (harmless otherwise).  It switches ITSELF with the raw
 * syscalls (glibc's wrappers would switch every thread of the process) and
 * spawns.  The kernel commits each switch with commit_creds(): the user's
 * user_struct (user keyring, RLIMIT_NPROC accounting), capabilities as
 * setresuid(2) leaves them, and the process's mm non-dumpable per
 * fs.suid_dumpable, so the user cannot ptrace this thread or the CLONE_VM
 * child before it execs.  Until the kernel has released it, the thread
 * counts as one of the user's processes.  It runs nothing else and exits.
 */
static void *spawn_helper(void *arg)
{
	struct spawn_job *job = arg;
	const struct credo_ids *ids = job->ids;
	struct credo_state st;
	int r;

	/*
	 * Only a process that opened the device can be overridden; do not open
	 * it just to ask.
	 */
	if (__atomic_load_n(&credo_dev_fd, __ATOMIC_ACQUIRE) >= 0 &&
	    !credo_get(&st, NULL, 0) && st.overridden) {
		r = credo_revert();
		if (r) {
			job->err = r;
			return NULL;
		}
	}
	if (syscall(SYS_setgroups, ids->ngroups, ids->groups) ||
	    syscall(SYS_setresgid, ids->gid, ids->gid, ids->gid) ||
	    syscall(SYS_setresuid, ids->uid, ids->uid, ids->uid)) {
		job->err = -errno;
		return NULL;
	}
	if (job->search)
		r = posix_spawnp(&job->pid, job->file, job->actions, job->attr,
				 job->argv, job->envp);
	else
		r = posix_spawn(&job->pid, job->file, job->actions, job->attr,
				job->argv, job->envp);
	job->err = -r;
	return NULL;
}

int credo_spawn_as(pid_t *pid, const struct credo_ids *ids, const char *file,
		   const posix_spawn_file_actions_t *actions,
		   const posix_spawnattr_t *attr, char *const argv[],
		   char *const envp[], int flags)
{
	struct spawn_job job;
	posix_spawnattr_t a;
	sigset_t all, mask;
	short aflags = 0;
	int r, cancel, own = 0;
	pthread_t th;

	if (!pid || !ids || !file || !argv || (flags & ~CREDO_SPAWN_SEARCH_PATH))
		return -EINVAL;
	if (ids->ngroups > CREDO_NGROUPS_MAX || (ids->ngroups && !ids->groups))
		return -EINVAL;
	/* -1 means "unchanged" to setresuid(2): never an identity to switch to. */
	if (ids->uid == (uid_t)-1 || ids->gid == (gid_t)-1)
		return -EINVAL;

	job = (struct spawn_job){
		.ids = ids, .file = file, .actions = actions, .attr = attr,
		.argv = argv, .envp = envp ? envp : environ,
		.search = !!(flags & CREDO_SPAWN_SEARCH_PATH), .pid = -1,
	};
	r = pthread_sigmask(SIG_SETMASK, NULL, &mask);
	if (!r && attr)
		r = posix_spawnattr_getflags(attr, &aflags);
	if (r)
		return -r;
	/*
	 * posix_spawn gives the child the spawning thread's signal mask unless
	 * attr sets one; the helper runs with every signal blocked, so the
	 * child gets the caller's mask through attr.  A copy of the caller's
	 * attr: glibc's and musl's hold plain values, and a copy keeps their
	 * extensions too.
	 */
	if (!(aflags & POSIX_SPAWN_SETSIGMASK)) {
		if (attr)
			a = *attr;
		else
			r = posix_spawnattr_init(&a);
		own = !attr && !r;
		if (!r)
			r = posix_spawnattr_setsigmask(&a, &mask);
		if (!r)
			r = posix_spawnattr_setflags(&a, aflags | POSIX_SPAWN_SETSIGMASK);
		job.attr = &a;
	}
	if (r) {
		if (own)
			posix_spawnattr_destroy(&a);
		return -r;
	}

	/*
	 * The helper starts with every signal blocked: no handler runs in it.
	 * The caller cannot be cancelled while the helper uses job.
	 */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	sigfillset(&all);
	r = pthread_sigmask(SIG_SETMASK, &all, NULL);
	if (!r) {
		r = pthread_create(&th, NULL, spawn_helper, &job);
		pthread_sigmask(SIG_SETMASK, &mask, NULL);
	}
	if (!r)
		r = pthread_join(th, NULL);
	pthread_setcancelstate(cancel, NULL);
	if (own)
		posix_spawnattr_destroy(&a);
	if (r)
		return -r;
	if (job.err)
		return job.err;
	*pid = job.pid;
	return 0;
}

int credo_spawn_as_user(pid_t *pid, const char *name, const char *file,
			const posix_spawn_file_actions_t *actions,
			const posix_spawnattr_t *attr, char *const argv[],
			char *const envp[], int flags)
{
	struct credo_ids ids;
	int r = credo_lookup_user(name, &ids);

	if (r)
		return r;
	r = credo_spawn_as(pid, &ids, file, actions, attr, argv, envp, flags);
	credo_ids_free(&ids);
	return r;
}

/* ---- credential handles ------------------------------------------------ */

int credo_handle_mint(const struct credo_ids *ids)
{
	struct credo_cred c;
	int fd, r = fill_cred(&c, ids);

	if (r)
		return r;
	fd = credo_fd();
	if (fd < 0)
		return fd;
	/* The new descriptor: close-on-exec, made so by the module. */
	r = ioctl(fd, CREDO_IOC_HANDLE, &c);
	return r < 0 ? -errno : r;
}

int credo_handle_mint_user(const char *name)
{
	struct credo_ids ids;
	int r = credo_lookup_user(name, &ids);

	if (r)
		return r;
	r = credo_handle_mint(&ids);
	credo_ids_free(&ids);
	return r;
}

int credo_handle_assume(int handle)
{
	if (handle < 0)
		return -EBADF;
	return ioctl(handle, CREDO_IOC_ASSUME) < 0 ? -errno : 0;
}

int credo_handle_get(int handle, struct credo_handle_info *info, gid_t *groups,
		     size_t maxgroups)
{
	struct credo_cred c;
	int r;

	if (handle < 0)
		return -EBADF;
	if (!info)
		return -EINVAL;
	r = get_cred(handle, CREDO_IOC_HANDLE_GET, &c, groups, maxgroups);
	if (r)
		return r;
	memset(info, 0, sizeof(*info));
	CREDO_COPY_IDS(info, &c);
	if (c.flags & CREDO_CRED_CAPS) {
		info->has_caps = 1;
		info->cap_effective = c.cap_effective;
		info->cap_permitted = c.cap_permitted;
		info->cap_inheritable = c.cap_inheritable;
		info->cap_ambient = c.cap_ambient;
	}
	return 0;
}

int credo_handle_revoke(int handle)
{
	if (handle < 0)
		return -EBADF;
	return ioctl(handle, CREDO_IOC_REVOKE) < 0 ? -errno : 0;
}

/* Descriptors one message may bring that credo_handle_recv() closes unseen. */
#define CREDO_RECV_FDS	16

int credo_handle_send(int sock, int handle)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte = 'H';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	if (sock < 0 || handle < 0)
		return -EBADF;
	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &handle, sizeof(int));
	/* MSG_NOSIGNAL: a peer that went away is -EPIPE, not SIGPIPE. */
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EIO;
}

int credo_handle_recv(int sock)
{
	/*
	 * Room for credentials and a security label (SO_PASSCRED, SO_PASSSEC)
	 * before the descriptors, so that a descriptor is not lost to them.
	 */
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(256) +
			 CMSG_SPACE(CREDO_RECV_FDS * sizeof(int))];
	} u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg;
	struct cmsghdr *cm;
	int fd = -1;
	ssize_t n;

	if (sock < 0)
		return -EBADF;
	do {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* The first descriptor is the answer; any other is closed. */
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t i, k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int one;

			memcpy(&one, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = one;
			else
				close(one);
		}
	}
	if (fd >= 0)
		return fd;
	/*
	 * A descriptor was sent but none was installed: the kernel sets
	 * MSG_CTRUNC when this process is at RLIMIT_NOFILE (or an LSM refuses
	 * the file), and has dropped it.
	 */
	if (msg.msg_flags & MSG_CTRUNC)
		return -EMFILE;
	if (n == 0)
		return -ECONNRESET;	/* end of file: the peer closed */
	return -EBADMSG;
}

const char *credo_strerror(int err)
{
	const char *s;

	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "Success";
	case ENODEV:
		return "credo is not available: no /dev/credo (is the module loaded? try modprobe credo)";
	case ESRCH:
		return "No such user";
	case EPERM:
		return "Operation not permitted (switching needs CAP_SETUID and CAP_SETGID)";
	case EBUSY:
		return "Device or resource busy (the thread runs with credentials credo did not install)";
	case EINVAL:
		return "Invalid argument (an id that does not map, or too many groups)";
	case EKEYREVOKED:
		return "The credential handle has been revoked";
	case ENOTTY:
		return "Not a credo handle (or a request this descriptor does not accept)";
	case EBADMSG:
		return "The message carried no descriptor";
	}
	s = strerrordesc_np(err);
	return s ? s : "Unknown error";
}

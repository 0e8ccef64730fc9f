/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by lib_test and cli_test: test users written into the guest's
 * /etc/passwd and /etc/group (and restored), an independent parser of those
 * files giving the ids a user must get (uid, primary gid, and every group that
 * lists the user, primary included, as initgroups(3) does), and the calling
 * thread's ids from raw syscalls.  Helpers return 0 or -errno.
 *
 * Also the probe and the reference for "spawn as user": every binary that
 * includes this file is a probe program when started as
 * "PROG --credo-probe MODE [N]" (a constructor runs it before the harness and
 * exits; the modes as-nobody and assume-create are the worker of the handle
 * tests), and lu_ref_spawn() starts a program the way the library's spawn must
 * be equivalent to: fork(), then raw setgroups/setresgid/setresuid in the
 * child, then execv().
 */
#ifndef CREDO_LIB_USERS_H
#define CREDO_LIB_USERS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/keyctl.h>
#include <linux/credo.h>

#define LU_MAX_GROUPS	64
#define LU_FILE_MAX	(256 * 1024)

/* Users and groups the tests add; the names cannot collide with a system's. */
static const char lu_passwd_add[] =
	"credoalice:x:4101:4101:credo test:/:/bin/false\n"
	"credobob:x:4102:4200:credo test:/:/bin/false\n"
	"credocarol:x:4103:4103:credo test:/:/bin/false\n";
static const char lu_group_add[] =
	"credoalice:x:4101:\n"
	"credoproj:x:4200:credoalice\n"
	"credoextra:x:4300:credoalice,credobob\n"
	"credoempty:x:4400:\n"
	"credocarol:x:4103:\n"
	"credodup:x:4500:credocarol,credocarol\n";

static unsigned int lu_start_euid;

static void __attribute__((constructor)) lu_record_start_euid(void)
{
	lu_start_euid = (unsigned int)geteuid();
}

struct lu_saved {
	char *passwd, *group;
	size_t passwd_len, group_len;
};

static int lu_read_file(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t off = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	*buf = malloc(LU_FILE_MAX + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, *buf + off, LU_FILE_MAX - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return -EIO;
	}
	(*buf)[off] = 0;
	*len = off;
	return 0;
}

/* Replaces path with data (write a temporary, rename over). */
static int lu_write_file(const char *path, const char *data, size_t len)
{
	char tmp[256];
	int fd, e = 0;

	snprintf(tmp, sizeof(tmp), "%s.credo-tmp", path);
	fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		e = -EIO;
	if (close(fd) && !e)
		e = -errno;
	if (!e && rename(tmp, path))
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

static int lu_append(const char *path, const char *old, size_t oldlen,
		     const char *add)
{
	size_t addlen = strlen(add);
	char *buf = malloc(oldlen + addlen + 2);
	size_t len = oldlen;
	int r;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, old, oldlen);
	if (len && buf[len - 1] != '\n')
		buf[len++] = '\n';
	memcpy(buf + len, add, addlen);
	r = lu_write_file(path, buf, len + addlen);
	free(buf);
	return r;
}

/* Saves /etc/passwd and /etc/group, then appends the test users. */
static int lu_install_users(struct lu_saved *s)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = lu_read_file("/etc/passwd", &s->passwd, &s->passwd_len);
	if (!r)
		r = lu_read_file("/etc/group", &s->group, &s->group_len);
	if (!r)
		r = lu_append("/etc/passwd", s->passwd, s->passwd_len, lu_passwd_add);
	if (!r)
		r = lu_append("/etc/group", s->group, s->group_len, lu_group_add);
	return r;
}

static int lu_restore_users(struct lu_saved *s)
{
	int r = 0, r2 = 0;

	if (s->passwd)
		r = lu_write_file("/etc/passwd", s->passwd, s->passwd_len);
	if (s->group)
		r2 = lu_write_file("/etc/group", s->group, s->group_len);
	free(s->passwd);
	free(s->group);
	memset(s, 0, sizeof(*s));
	return r ? r : r2;
}

/* What a user must get. */
struct lu_expect {
	unsigned int uid, gid;
	unsigned int ngroups;
	unsigned int groups[LU_MAX_GROUPS];	/* sorted, unique */
};

static int lu_cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* Sorts and removes repeats; returns the new count. */
static unsigned int lu_sort_unique(unsigned int *g, unsigned int n)
{
	unsigned int i, k = 0;

	qsort(g, n, sizeof(*g), lu_cmp_uint);
	for (i = 0; i < n; i++)
		if (!k || g[k - 1] != g[i])
			g[k++] = g[i];
	return k;
}

static void lu_add_group(struct lu_expect *e, unsigned int gid)
{
	if (e->ngroups < LU_MAX_GROUPS)
		e->groups[e->ngroups++] = gid;
}

/*
 * The ids of user name from the files themselves: -ESRCH when the user is not
 * in /etc/passwd.
 */
static int lu_expected(const char *name, struct lu_expect *e)
{
	char *pw, *gr, *line, *save = NULL;
	size_t len, nlen = strlen(name);
	int r, found = 0;

	memset(e, 0, sizeof(*e));
	r = lu_read_file("/etc/passwd", &pw, &len);
	if (r)
		return r;
	for (line = strtok_r(pw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, name, nlen) && line[nlen] == ':' &&
		    sscanf(line + nlen, ":%*[^:]:%u:%u:", &e->uid, &e->gid) == 2) {
			found = 1;
			break;
		}
	}
	free(pw);
	if (!found)
		return -ESRCH;
	lu_add_group(e, e->gid);

	r = lu_read_file("/etc/group", &gr, &len);
	if (r)
		return r;
	save = NULL;
	for (line = strtok_r(gr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *members, *m, *msave = NULL;
		unsigned int gid;
		int field;

		/* name:password:gid:members */
		for (field = 0; field < 2 && p; field++) {
			p = strchr(p, ':');
			if (p)
				p++;
		}
		if (!p || sscanf(p, "%u", &gid) != 1)
			continue;
		members = strchr(p, ':');
		if (!members)
			continue;
		members++;
		for (m = strtok_r(members, ",", &msave); m; m = strtok_r(NULL, ",", &msave))
			if (!strcmp(m, name))
				lu_add_group(e, gid);
	}
	free(gr);
	e->ngroups = lu_sort_unique(e->groups, e->ngroups);
	return 0;
}

/* The calling thread's ids, from raw (thread-local) syscalls. */
struct lu_ids {
	unsigned int uid[4], gid[4];	/* real, effective, saved, fs */
	unsigned int ngroups;
	unsigned int groups[LU_MAX_GROUPS];	/* sorted */
};

static int lu_thread_ids(struct lu_ids *t)
{
	long n;

	memset(t, 0, sizeof(*t));
	if (syscall(SYS_getresuid, &t->uid[0], &t->uid[1], &t->uid[2]) ||
	    syscall(SYS_getresgid, &t->gid[0], &t->gid[1], &t->gid[2]))
		return -errno;
	t->uid[3] = (unsigned int)syscall(SYS_setfsuid, -1);
	t->gid[3] = (unsigned int)syscall(SYS_setfsgid, -1);
	n = syscall(SYS_getgroups, LU_MAX_GROUPS, t->groups);
	if (n < 0)
		return -errno;
	t->ngroups = (unsigned int)n;
	qsort(t->groups, t->ngroups, sizeof(t->groups[0]), lu_cmp_uint);
	return 0;
}

/* "a,b,c" of a sorted list, as credo whoami prints it. */
static void lu_format_groups(char *buf, size_t len, const unsigned int *g,
			     unsigned int n)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < n && off + 12 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : "", g[i]);
}

/* ---- the probe ----------------------------------------------------------------- */

#define LU_PROBE_ARG	"--credo-probe"
#define LU_PROBE_FORKS	8
#define LU_OUT_MAX	8192

/* Threads of the parent process (the spawner): /proc/PPID/task entries, or -errno. */
static int lu_parent_threads(void)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)getppid());
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/*
 * nproc: up to n forks of children that sleep (60 s at most) until killed;
 * prints how many forks succeeded and the errno of the first that failed,
 * then kills and reaps them all.  It first waits (10 s at most) until the
 * parent is single-threaded: a spawn helper thread that switched to the user
 * counts against the user's RLIMIT_NPROC until the kernel has released it.
 */
static void lu_probe_nproc(int n)
{
	pid_t kids[64];
	int i, ok = 0, first_err = 0, threads = 0;

	if (n > 64)
		n = 64;
	for (i = 0; i < 1000; i++) {
		threads = lu_parent_threads();
		if (threads <= 1)
			break;
		usleep(10000);
	}
	printf("parent_threads=%d\n", threads);
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (!p) {
			alarm(60);
			pause();
			_exit(0);
		}
		if (p < 0) {
			if (!first_err)
				first_err = errno;
			continue;
		}
		kids[ok++] = p;
	}
	for (i = 0; i < ok; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < ok; i++)
		waitpid(kids[i], NULL, 0);
	printf("forks=%d errno=%d\n", ok, first_err);
}

/*
 * glibc's internal signals (SIGCANCEL/SIGTIMER 32, SIGSETXID 33): every glibc
 * posix_spawn() child starts with them ignored (its child code sets SIG_IGN
 * for them, and exec keeps it), a fork()ed child does not.  A property of
 * posix_spawn, not of credo: the probe leaves them out of SigIgn.
 */
#define LU_GLIBC_INTERNAL_SIGS	((1ULL << 31) | (1ULL << 32))

/*
 * The lines of a /proc status file that describe an identity (ids, groups,
 * capability sets, no_new_privs, blocked and ignored signals, SigIgn without
 * LU_GLIBC_INTERNAL_SIGS), verbatim otherwise, into buf.
 */
static int lu_status_lines(const char *path, char *buf, size_t len)
{
	static const char *const keys[] = {
		"Uid:", "Gid:", "Groups:", "SigBlk:", "SigIgn:", "CapInh:", "CapPrm:", "CapEff:",
		"CapBnd:", "CapAmb:", "NoNewPrivs:", NULL,
	};
	char line[4096];
	FILE *f = fopen(path, "re");
	size_t off = 0;
	int i;

	buf[0] = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "SigIgn:", 7))
			snprintf(line, sizeof(line), "SigIgn:\t%016llx\n",
				 strtoull(line + 7, NULL, 16) & ~LU_GLIBC_INTERNAL_SIGS);
		for (i = 0; keys[i]; i++)
			if (!strncmp(line, keys[i], strlen(keys[i])) &&
			    off + strlen(line) < len) {
				memcpy(buf + off, line, strlen(line) + 1);
				off += strlen(line);
			}
	}
	fclose(f);
	return 0;
}

static void lu_probe_ids(void)
{
	char buf[LU_OUT_MAX];
	int r = lu_status_lines("/proc/self/status", buf, sizeof(buf));

	if (r)
		printf("status=%d\n", r);
	fputs(buf, stdout);
}

static long lu_keyring_id(long which)
{
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, which, 1, 0, 0);

	return id < 0 ? -errno : id;
}

#define LU_NOBODY	65534

/*
 * as-nobody PROG [ARG...]: become uid/gid 65534 with no groups (raw setgroups,
 * setresgid, setresuid: every capability goes) and execute PROG, keeping the
 * open descriptors (a handle at 3).  Exit 2 if the switch fails, 127 if the
 * exec does.
 */
static int lu_probe_as_nobody(char **argv)
{
	if (syscall(SYS_setgroups, 0, NULL) ||
	    syscall(SYS_setresgid, LU_NOBODY, LU_NOBODY, LU_NOBODY) ||
	    syscall(SYS_setresuid, LU_NOBODY, LU_NOBODY, LU_NOBODY)) {
		printf("as-nobody: %s\n", strerror(errno));
		return 2;
	}
	execv(argv[0], argv);
	printf("as-nobody: exec %s: %s\n", argv[0], strerror(errno));
	return 127;
}

/*
 * assume-create FD PATH: the worker.  Prints its ids and capability sets
 * (lu_status_lines), dev_open= (the errno of opening /dev/credo, 0 if it
 * opened), assume= (the errno of CREDO_IOC_ASSUME on FD, 0 on success),
 * then, when assumed, create= (the errno of creating PATH, O_EXCL, 0644) and
 * revert= (CREDO_IOC_REVERT on FD).  Exit 0.
 */
static int lu_probe_assume_create(const char *fds, const char *path)
{
	int fd = atoi(fds), d, r;

	lu_probe_ids();
	d = open("/dev/credo", O_RDWR | O_CLOEXEC);
	printf("dev_open=%d\n", d < 0 ? errno : 0);
	if (d >= 0)
		close(d);
	r = ioctl(fd, CREDO_IOC_ASSUME) ? errno : 0;
	printf("assume=%d\n", r);
	if (r)
		return 0;
	d = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	printf("create=%d\n", d < 0 ? errno : 0);
	if (d >= 0)
		close(d);
	printf("revert=%d\n", ioctl(fd, CREDO_IOC_REVERT) ? errno : 0);
	return 0;
}

/* fds: every open descriptor as "fd N -> TARGET" (its /proc/self/fd link). */
static void lu_probe_fds(void)
{
	char path[300], target[256];
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	ssize_t n;

	if (!dir) {
		printf("fds: %s\n", strerror(errno));
		return;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || atoi(d->d_name) == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		printf("fd %s -> %s\n", d->d_name, target);
	}
	closedir(dir);
}

/*
 * MODE: ids, keyring, dumpable, nproc N, fds, as-nobody PROG [ARG...],
 * assume-create FD PATH.  Exit status 0, 2 for a bad mode.
 */
static int lu_probe(int argc, char **argv)
{
	const char *mode = argv[2];

	if (!strcmp(mode, "ids")) {
		lu_probe_ids();
	} else if (!strcmp(mode, "keyring")) {
		printf("user_keyring=%ld\n", lu_keyring_id(KEY_SPEC_USER_KEYRING));
		printf("user_session_keyring=%ld\n",
		       lu_keyring_id(KEY_SPEC_USER_SESSION_KEYRING));
	} else if (!strcmp(mode, "dumpable")) {
		printf("dumpable=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	} else if (!strcmp(mode, "nproc") && argc > 3) {
		lu_probe_nproc(atoi(argv[3]));
	} else if (!strcmp(mode, "fds")) {
		lu_probe_fds();
	} else if (!strcmp(mode, "as-nobody") && argc > 3) {
		return lu_probe_as_nobody(argv + 3);
	} else if (!strcmp(mode, "assume-create") && argc > 4) {
		return lu_probe_assume_create(argv[3], argv[4]);
	} else {
		printf("bad probe mode\n");
		return 2;
	}
	return 0;
}

static void __attribute__((constructor)) lu_probe_entry(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc < 3 || !argv || strcmp(argv[1], LU_PROBE_ARG))
		return;
	argc = lu_probe(argc, argv);
	fflush(stdout);
	_exit(argc);
}

/* The path of this binary (the probe), or "" */
static void lu_self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
}

/* ---- the reference spawn ----------------------------------------------------------- */

struct lu_identity {
	unsigned int uid, gid;
	unsigned int ngroups;
	const unsigned int *groups;
};

/* An open(2) the child makes before exec, as posix_spawn_file_actions_addopen() would. */
struct lu_open_action {
	int fd;
	const char *path;
	int flags;
	mode_t mode;
};

/*
 * The reference: fork(), then in the child raw setgroups/setresgid/setresuid
 * (the calling thread only, through commit_creds()), the optional open, stdout
 * onto out_fd (if >= 0), execv(path, argv).  Returns 0 with *pid set, or
 * -errno of the step that failed in the child (reaped then), the way
 * posix_spawn() reports a failed file action.  The caller must not be
 * overridden (fork fails then).
 */
static int lu_ref_spawn(pid_t *pid, const struct lu_identity *id,
			const struct lu_open_action *act, int out_fd,
			const char *path, char *const argv[])
{
	int ep[2], err = 0;
	ssize_t n;
	pid_t p;

	if (pipe2(ep, O_CLOEXEC))
		return -errno;
	p = fork();
	if (p < 0) {
		err = -errno;
		close(ep[0]);
		close(ep[1]);
		return err;
	}
	if (!p) {
		int fd;

		if (syscall(SYS_setgroups, (size_t)id->ngroups, id->groups) ||
		    syscall(SYS_setresgid, id->gid, id->gid, id->gid) ||
		    syscall(SYS_setresuid, id->uid, id->uid, id->uid))
			goto fail;
		if (act) {
			fd = open(act->path, act->flags, act->mode);
			if (fd < 0)
				goto fail;
			if (fd != act->fd && (dup2(fd, act->fd) < 0 || close(fd)))
				goto fail;
		}
		if (out_fd >= 0 && out_fd != 1 && dup2(out_fd, 1) < 0)
			goto fail;
		execv(path, argv);
fail:
		err = errno;
		if (write(ep[1], &err, sizeof(err)) < 0)
			_exit(126);
		_exit(127);
	}
	close(ep[1]);
	do {
		n = read(ep[0], &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == (ssize_t)sizeof(err)) {
		waitpid(p, NULL, 0);
		return -err;
	}
	*pid = p;
	return 0;
}

/* Reads fd to EOF into buf (NUL-terminated, truncated to len - 1), closes it. */
static void lu_read_all(int fd, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	for (;;) {
		char scratch[512];

		if (off < len - 1)
			n = read(fd, buf + off, len - 1 - off);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (off < len - 1)
			off += (size_t)n;
	}
	buf[off] = 0;
	close(fd);
}

/* Reaps pid: its exit code, 128+signal, or -errno. */
static int lu_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) != pid)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/*
 * The probe (this binary) started by the reference as id, after the open act
 * (may be NULL): its output in out.  Returns the spawn's 0 or -errno; *status
 * the probe's exit code.
 */
static int lu_ref_probe(const struct lu_identity *id, const struct lu_open_action *act,
			const char *prog, const char *mode, const char *arg,
			char *out, size_t len, int *status)
{
	char *argv[] = { (char *)prog, LU_PROBE_ARG, (char *)mode, (char *)arg, NULL };
	pid_t pid = -1;
	int p[2], r;

	out[0] = 0;
	*status = -1;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	r = lu_ref_spawn(&pid, id, act, p[1], prog, argv);
	close(p[1]);
	if (r) {
		close(p[0]);
		return r;
	}
	lu_read_all(p[0], out, len);
	*status = lu_wait(pid);
	return 0;
}

/* The value of "key=" in probe output, or LONG_MIN when absent. */
static long lu_value(const char *out, const char *key)
{
	size_t klen = strlen(key);
	const char *p = out;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return strtol(p + klen + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return LONG_MIN;
}

/* ---- files for the spawn tests ------------------------------------------------------ */

/* Copies from to a new file to (owned by the caller) with mode. */
static int lu_copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, out, e = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		e = -errno;
		close(in);
		return e;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			e = -EIO;
			break;
		}
	if (n < 0)
		e = -errno;
	close(in);
	if (!e && fchmod(out, mode))
		e = -errno;
	if (close(out) && !e)
		e = -errno;
	return e;
}

/* /proc/sys/fs/suid_dumpable, or -errno. */
static int lu_suid_dumpable(void)
{
	char *buf;
	size_t len;
	int v, r = lu_read_file("/proc/sys/fs/suid_dumpable", &buf, &len);

	if (r)
		return r;
	v = atoi(buf);
	free(buf);
	return v;
}

static int lu_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) ? -1 : 0;
}

/* rm -rf dir */
static void lu_rm_tree(const char *dir)
{
	nftw(dir, lu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif /* CREDO_LIB_USERS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * credo: command-line front end to /dev/credo, in the style of setpriv(1).
 *
 *   credo run --user NAME | --uid ID --gid ID [--groups LIST] [--] COMMAND [ARG...]
 *   credo handle --user NAME | --uid ID --gid ID [--groups LIST] [--fd N] [--] COMMAND [ARG...]
 *   credo handle-info FD
 *   credo revoke FD
 *   credo status
 *   credo whoami
 *
 * See credo(8) for the exit codes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "credo.h"

#define EXIT_USAGE	2	/* status, whoami, the command line itself */
#define EXIT_NOT_LOADED	3	/* status: the module is not loaded */
#define EXIT_RUN_FAIL	125	/* run, handle: credo itself failed */
#define EXIT_NOEXEC	126	/* run, handle: the command could not be executed */
#define EXIT_NOTFOUND	127	/* run, handle: the command was not found */
#define HANDLE_FD	3	/* handle: where COMMAND finds the handle */
#define MAX_GROUPS	65536

static const char *prog = "credo";

static const char *device_path(void)
{
	const char *p = secure_getenv("CREDO_DEVICE");

	return p && *p ? p : "/dev/credo";
}

static const char *sysfs_root(void)
{
	const char *p = secure_getenv("CREDO_SYSFS_ROOT");

	return p && *p ? p : "/sys";
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage:\n"
		"  %s run --user NAME [--] COMMAND [ARG...]\n"
		"  %s run --uid ID --gid ID [--groups ID,ID...] [--] COMMAND [ARG...]\n"
		"  %s handle --user NAME [--fd N] [--] COMMAND [ARG...]\n"
		"  %s handle --uid ID --gid ID [--groups ID,ID...] [--fd N] [--] COMMAND [ARG...]\n"
		"  %s handle-info FD\n"
		"  %s revoke FD\n"
		"  %s status\n"
		"  %s ps [--raw]\n"
		"  %s audit-rules\n"
		"  %s whoami\n"
		"  %s --help | --version\n"
		"\n"
		"Per-thread credential switching through /dev/credo.\n"
		"\n"
		"Commands:\n"
		"  run          run COMMAND as another user (as fork plus setgroups,\n"
		"               setresgid, setresuid in the child would) and exit with\n"
		"               its status\n"
		"  handle       mint a credential handle for the identity, put it at\n"
		"               descriptor N (default 3, CREDO_HANDLE_FD=N in the\n"
		"               environment) and execute COMMAND, still as the caller:\n"
		"               COMMAND can assume exactly that identity\n"
		"  handle-info  the identity of the handle open at descriptor FD\n"
		"  revoke       revoke the handle open at descriptor FD: no one can\n"
		"               assume it any more\n"
		"  status       is the module loaded, its counters and parameters\n"
		"  ps           the threads switched right now: pid, tid, comm, own uid,\n"
		"               override ids and groups, since when\n"
		"  audit-rules  auditctl rules that make the kernel record credo's switches\n"
		"  whoami       this thread's credentials as the kernel reports them\n"
		"\n"
		"Options of run and handle:\n"
		"  -u, --user NAME     uid, primary gid and groups of NAME, as initgroups(3)\n"
		"      --uid ID        user id (number or user name)\n"
		"      --gid ID        group id (number or group name)\n"
		"      --groups LIST   comma-separated supplementary groups (numbers or\n"
		"                      names); none when omitted\n"
		"      --fd N          handle only: the descriptor for the handle, 3 or\n"
		"                      more (default 3)\n"
		"\n"
		"Exit status: run: the command's status (128+N if killed by signal N),\n"
		"125 if credo failed, 126 if COMMAND cannot be executed, 127 if not found;\n"
		"handle: the same (COMMAND replaces credo).  Other commands: 0 success,\n"
		"1 failure, 2 usage error, 3 (status) module not loaded.  See credo(8).\n",
		prog, prog, prog, prog, prog, prog, prog, prog, prog, prog, prog);
}

/* ---- id parsing --------------------------------------------------------- */

static int parse_number(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xffffffffUL)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int parse_uid(const char *s, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	unsigned int v;

	if (!parse_number(s, &v)) {
		*uid = v;
		return 0;
	}
	if (getpwnam_r(s, &pw, buf, sizeof(buf), &res) || !res)
		return -1;
	*uid = pw.pw_uid;
	return 0;
}

static int parse_gid(const char *s, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[65536];
	unsigned int v;

	if (!parse_number(s, &v)) {
		*gid = v;
		return 0;
	}
	if (getgrnam_r(s, &gr, buf, sizeof(buf), &res) || !res)
		return -1;
	*gid = gr.gr_gid;
	return 0;
}

/* "a,b,c" into a new array; an empty string is no groups. */
static int parse_groups(const char *list, gid_t **out, size_t *n)
{
	char *copy = strdup(list), *tok, *save = NULL;
	gid_t *g = calloc(MAX_GROUPS, sizeof(*g));
	size_t k = 0;

	if (!copy || !g) {
		free(copy);
		free(g);
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (k == MAX_GROUPS) {
			fprintf(stderr, "%s: --groups: more than %d groups\n", prog,
				MAX_GROUPS);
			goto fail;
		}
		if (parse_gid(tok, &g[k])) {
			fprintf(stderr, "%s: --groups: unknown group '%s'\n", prog, tok);
			goto fail;
		}
		k++;
	}
	free(copy);
	*out = g;
	*n = k;
	return 0;
fail:
	free(copy);
	free(g);
	return -1;
}

/* ---- run ----------------------------------------------------------------- */

static int open_device(int exit_code)
{
	int r = credo_fd();

	if (r >= 0)
		return 0;
	if (r == -ENODEV)
		fprintf(stderr,
			"%s: cannot open %s: the credo module is not loaded "
			"(load it with: modprobe credo)\n", prog, device_path());
	else if (r == -EACCES || r == -EPERM)
		fprintf(stderr,
			"%s: cannot open %s: %s (the device is root's, mode 0600, "
			"unless a udev rule grants a group; see credo(4))\n",
			prog, device_path(), strerror(-r));
	else
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, device_path(),
			credo_strerror(r));
	return exit_code;
}

static void describe_ids(char *buf, size_t len, const struct credo_ids *ids)
{
	size_t i, off;

	off = (size_t)snprintf(buf, len, "uid %u gid %u groups ",
			       (unsigned int)ids->uid, (unsigned int)ids->gid);
	if (!ids->ngroups && off < len)
		off += (size_t)snprintf(buf + off, len - off, "(none)");
	for (i = 0; i < ids->ngroups && off + 12 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : "",
					(unsigned int)ids->groups[i]);
}

/* What run and handle are asked for. */
struct id_args {
	const char *user, *uid_s, *gid_s, *groups_s;
	const char *fd_s;		/* handle only */
	struct credo_ids ids;
	gid_t *groups;		/* parse_groups()'s array, or NULL */
};

/*
 * The options of run and handle (with_fd: handle's --fd) into a: 0, 1 after
 * --help, or -1 after a message (exit EXIT_RUN_FAIL).  optind is at COMMAND.
 */
static int parse_id_args(const char *cmd, int argc, char **argv, int with_fd,
			 struct id_args *a)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "uid", required_argument, NULL, 'U' },
		{ "gid", required_argument, NULL, 'G' },
		{ "groups", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "fd", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+u:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': a->user = optarg; break;
		case 'U': a->uid_s = optarg; break;
		case 'G': a->gid_s = optarg; break;
		case 'g': a->groups_s = optarg; break;
		case 'h': usage(stdout); return 1;
		case 'f':
			if (with_fd) {
				a->fd_s = optarg;
				break;
			}
			fprintf(stderr, "%s %s: --fd is an option of handle only\n", prog, cmd);
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return -1;
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s %s: no command given\nTry '%s --help'.\n", prog, cmd,
			prog);
		return -1;
	}
	if (a->user && (a->uid_s || a->gid_s || a->groups_s)) {
		fprintf(stderr, "%s %s: --user cannot be combined with --uid, --gid or --groups\n",
			prog, cmd);
		return -1;
	}
	if (!a->user && (!a->uid_s || !a->gid_s)) {
		fprintf(stderr, "%s %s: give --user NAME, or both --uid and --gid\n", prog, cmd);
		return -1;
	}

	if (a->user) {
		int r = credo_lookup_user(a->user, &a->ids);

		if (r == -ESRCH) {
			fprintf(stderr, "%s: unknown user '%s'\n", prog, a->user);
			return -1;
		}
		if (r) {
			fprintf(stderr, "%s: cannot look up user '%s': %s\n", prog, a->user,
				credo_strerror(r));
			return -1;
		}
		return 0;
	}
	if (parse_uid(a->uid_s, &a->ids.uid)) {
		fprintf(stderr, "%s: --uid: unknown user '%s'\n", prog, a->uid_s);
		return -1;
	}
	if (parse_gid(a->gid_s, &a->ids.gid)) {
		fprintf(stderr, "%s: --gid: unknown group '%s'\n", prog, a->gid_s);
		return -1;
	}
	if (a->groups_s && parse_groups(a->groups_s, &a->groups, &a->ids.ngroups))
		return -1;
	a->ids.groups = a->groups;
	return 0;
}

static void free_id_args(struct id_args *a)
{
	if (a->user)
		credo_ids_free(&a->ids);
	free(a->groups);
	a->groups = NULL;
}

static int cmd_run(int argc, char **argv)
{
	struct id_args a;
	posix_spawnattr_t attr;
	sigset_t defsigs;
	char what[256];
	pid_t pid;
	int r, status;

	r = parse_id_args("run", argc, argv, 0, &a);
	if (r) {
		free_id_args(&a);
		return r > 0 ? 0 : EXIT_RUN_FAIL;
	}
	describe_ids(what, sizeof(what), &a.ids);

	r = open_device(EXIT_RUN_FAIL);
	if (r)
		goto out;
	/*
	 * Try the switch alone first (an override and its revert), so that a
	 * refused identity is told apart from a command that cannot run: the
	 * spawn itself switches a helper thread with the raw set*id syscalls
	 * (credo_spawn_as(), libcredo(3)).
	 */
	r = credo_override(&a.ids);
	if (!r)
		r = credo_revert();
	if (r) {
		fprintf(stderr, "%s: cannot switch to %s: %s\n", prog, what,
			credo_strerror(r));
		r = EXIT_RUN_FAIL;
		goto out;
	}

	/* The child gets default SIGINT/SIGQUIT; this process ignores them while it waits. */
	posix_spawnattr_init(&attr);
	sigemptyset(&defsigs);
	sigaddset(&defsigs, SIGINT);
	sigaddset(&defsigs, SIGQUIT);
	posix_spawnattr_setsigdefault(&attr, &defsigs);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	r = credo_spawn_as(&pid, &a.ids, argv[optind], NULL, &attr, argv + optind,
			   NULL, CREDO_SPAWN_SEARCH_PATH);
	posix_spawnattr_destroy(&attr);
	if (r) {
		fprintf(stderr, "%s: cannot run %s as %s: %s\n", prog, argv[optind], what,
			credo_strerror(r));
		r = r == -ENOENT ? EXIT_NOTFOUND :
		    (r == -EACCES || r == -ENOEXEC || r == -EPERM) ? EXIT_NOEXEC :
		    EXIT_RUN_FAIL;
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "%s: waitpid: %s\n", prog, strerror(errno));
			r = EXIT_RUN_FAIL;
			goto out;
		}
	}
	if (WIFEXITED(status))
		r = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		r = 128 + WTERMSIG(status);
	else
		r = EXIT_RUN_FAIL;
out:
	free_id_args(&a);
	return r;
}

/* ---- handle, handle-info, revoke ---------------------------------------- */

/* A descriptor number on the command line; -1 if s is not one. */
static int parse_fd(const char *s)
{
	unsigned int v;

	if (parse_number(s, &v) || v > INT_MAX)
		return -1;
	return (int)v;
}

/*
 * mint a handle, put it at --fd N (not close-on-exec), execute COMMAND as
 * the caller.  The device's own descriptor is close-on-exec: COMMAND gets
 * the handle only.
 */
static int cmd_handle(int argc, char **argv)
{
	struct id_args a;
	char what[256], num[16];
	int r, h, target = HANDLE_FD;

	r = parse_id_args("handle", argc, argv, 1, &a);
	if (r) {
		free_id_args(&a);
		return r > 0 ? 0 : EXIT_RUN_FAIL;
	}
	if (a.fd_s) {
		target = parse_fd(a.fd_s);
		if (target < 3) {
			fprintf(stderr, "%s handle: --fd: '%s' is not a descriptor number of 3 "
				"or more\n", prog, a.fd_s);
			free_id_args(&a);
			return EXIT_RUN_FAIL;
		}
	}
	describe_ids(what, sizeof(what), &a.ids);
	r = open_device(EXIT_RUN_FAIL);
	if (r) {
		free_id_args(&a);
		return r;
	}
	h = credo_handle_mint(&a.ids);
	free_id_args(&a);
	if (h < 0) {
		fprintf(stderr, "%s: cannot mint a handle for %s: %s\n", prog, what,
			credo_strerror(h));
		return EXIT_RUN_FAIL;
	}
	if (h == target) {
		r = fcntl(h, F_SETFD, 0);
	} else {
		/* Whatever was open at target (the device, maybe) is closed. */
		r = dup2(h, target) < 0 ? -1 : 0;
		if (!r)
			close(h);
	}
	if (r) {
		fprintf(stderr, "%s: cannot put the handle at descriptor %d: %s\n", prog,
			target, strerror(errno));
		return EXIT_RUN_FAIL;
	}
	snprintf(num, sizeof(num), "%d", target);
	if (setenv("CREDO_HANDLE_FD", num, 1)) {
		fprintf(stderr, "%s: setenv: %s\n", prog, strerror(errno));
		return EXIT_RUN_FAIL;
	}
	execvp(argv[optind], argv + optind);
	r = errno;
	fprintf(stderr, "%s: cannot execute %s: %s\n", prog, argv[optind], strerror(r));
	return r == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
}

/* What descriptor fd is, for a message: its /proc/self/fd link, or "?". */
static void fd_target(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, len - 1);
	if (n <= 0)
		snprintf(buf, len, "?");
	else
		buf[n] = 0;
}

/* The message for a handle call on fd that failed with r; exit status 1. */
static int handle_error(const char *cmd, int fd, int r)
{
	char what[PATH_MAX];

	if (r == -EBADF) {
		fprintf(stderr, "%s %s: descriptor %d is not open\n", prog, cmd, fd);
	} else if (r == -ENOTTY) {
		fd_target(fd, what, sizeof(what));
		fprintf(stderr, "%s %s: descriptor %d is not a credo handle (%s)\n", prog, cmd,
			fd, what);
	} else if (r == -EPERM && !strcmp(cmd, "revoke")) {
		fprintf(stderr, "%s %s: descriptor %d: Operation not permitted (revoking needs "
			"CAP_SETUID and CAP_SETGID in the handle's user namespace)\n",
			prog, cmd, fd);
	} else {
		fprintf(stderr, "%s %s: descriptor %d: %s\n", prog, cmd, fd, credo_strerror(r));
	}
	return 1;
}

/* One FD argument (or --help): the descriptor, or -1 after --help, -2 after a message. */
static int fd_argument(const char *cmd, int argc, char **argv)
{
	int fd;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return -1;
	}
	if (argc != 2) {
		fprintf(stderr, "%s %s: %s\nTry '%s --help'.\n", prog, cmd,
			argc < 2 ? "no descriptor given" : "too many arguments", prog);
		return -2;
	}
	fd = parse_fd(argv[1]);
	if (fd < 0)
		fprintf(stderr, "%s %s: '%s' is not a descriptor number\n", prog, cmd, argv[1]);
	return fd < 0 ? -2 : fd;
}

static void print_groups(const gid_t *g, size_t n);

static int cmd_handle_info(int argc, char **argv)
{
	struct credo_handle_info info;
	gid_t *groups;
	int fd, r;

	fd = fd_argument("handle-info", argc, argv);
	if (fd < 0)
		return fd == -1 ? 0 : EXIT_USAGE;
	groups = calloc(MAX_GROUPS, sizeof(*groups));
	if (!groups) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	r = credo_handle_get(fd, &info, groups, MAX_GROUPS);
	if (r) {
		free(groups);
		return handle_error("handle-info", fd, r);
	}
	printf("uid=%u euid=%u suid=%u fsuid=%u\n", info.uid, info.euid, info.suid,
	       info.fsuid);
	printf("gid=%u egid=%u sgid=%u fsgid=%u\n", info.gid, info.egid, info.sgid,
	       info.fsgid);
	print_groups(groups, info.ngroups < MAX_GROUPS ? info.ngroups : MAX_GROUPS);
	free(groups);
	if (info.has_caps) {
		printf("caps=explicit\n");
		printf("cap_effective=0x%016llx cap_permitted=0x%016llx\n",
		       (unsigned long long)info.cap_effective,
		       (unsigned long long)info.cap_permitted);
		printf("cap_inheritable=0x%016llx cap_ambient=0x%016llx\n",
		       (unsigned long long)info.cap_inheritable,
		       (unsigned long long)info.cap_ambient);
	} else {
		printf("caps=derived\n");
	}
	/*
	 * Whether it is revoked shows only in an assume: this thread tries one
	 * and reverts at once.  Revocation is checked before anything else.
	 */
	r = credo_handle_assume(fd);
	if (!r) {
		r = credo_revert_fd(fd);
		if (r) {
			fprintf(stderr, "%s handle-info: revert: %s\n", prog, credo_strerror(r));
			return 1;
		}
		printf("revoked=no\n");
	} else if (r == -EKEYREVOKED) {
		printf("revoked=yes\n");
	} else if (r == -EPERM) {
		/* credo(4): another user namespace, or sets this process lacks */
		printf("revoked=unknown (this process may not assume it)\n");
	} else {
		printf("revoked=unknown (%s)\n", credo_strerror(r));
	}
	return 0;
}

static int cmd_revoke(int argc, char **argv)
{
	int fd, r;

	fd = fd_argument("revoke", argc, argv);
	if (fd < 0)
		return fd == -1 ? 0 : EXIT_USAGE;
	r = credo_handle_revoke(fd);
	return r ? handle_error("revoke", fd, r) : 0;
}

/* ---- status ------------------------------------------------------------- */

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		int e = ferror(f) ? -EIO : -ENODATA;

		fclose(f);
		return e;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Prints every readable file of dir as "  name value"; -errno if dir is unreadable. */
static int print_dir(const char *dir)
{
	struct dirent **names;
	char path[PATH_MAX], val[256];
	int i, n = scandir(dir, &names, skip_dots, alphasort);

	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (read_line(path, val, sizeof(val)))
			snprintf(val, sizeof(val), "(unreadable)");
		printf("  %-20s %s\n", names[i]->d_name, val);
		free(names[i]);
	}
	free(names);
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	char mod[PATH_MAX / 2], path[PATH_MAX], val[256];
	const char *dev = device_path();
	struct stat st;
	int r, ret = 0;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "%s status: unexpected argument '%s'\n", prog, argv[1]);
		return EXIT_USAGE;
	}
	snprintf(mod, sizeof(mod), "%s/module/credo", sysfs_root());
	if (stat(mod, &st)) {
		printf("module: not loaded\n");
		fprintf(stderr, "%s: the credo module is not loaded (no %s); "
			"load it with: modprobe credo\n", prog, mod);
		return EXIT_NOT_LOADED;
	}
	snprintf(path, sizeof(path), "%s/version", mod);
	if (!read_line(path, val, sizeof(val)))
		printf("module: loaded (version %s)\n", val);
	else
		printf("module: loaded\n");

	if (stat(dev, &st))
		printf("device: %s: %s\n", dev, strerror(errno));
	else if (S_ISCHR(st.st_mode))
		printf("device: %s: character device %u:%u, mode %04o, owner %u:%u\n",
		       dev, major(st.st_rdev), minor(st.st_rdev),
		       (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_uid,
		       (unsigned int)st.st_gid);
	else
		printf("device: %s: not a character device\n", dev);

	snprintf(path, sizeof(path), "%s/kernel/credo", sysfs_root());
	printf("counters (%s):\n", path);
	r = print_dir(path);
	if (r) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(-r));
		ret = 1;
	}
	snprintf(path, sizeof(path), "%s/parameters", mod);
	printf("parameters (%s):\n", path);
	r = print_dir(path);
	if (r) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(-r));
		ret = 1;
	}
	return ret;
}

/* ---- whoami --------------------------------------------------------------- */

static void print_groups(const gid_t *g, size_t n)
{
	size_t i;

	printf("groups=");
	for (i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned int)g[i]);
	printf("\n");
}

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* Without access to the device: the same state from thread-local syscalls. */
static int whoami_syscalls(int why)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	uid_t u[3];
	gid_t g[3], *groups;
	unsigned long long amb = 0;
	long n;
	int cap;

	if (syscall(SYS_getresuid, &u[0], &u[1], &u[2]) ||
	    syscall(SYS_getresgid, &g[0], &g[1], &g[2])) {
		fprintf(stderr, "%s: getresuid: %s\n", prog, strerror(errno));
		return 1;
	}
	groups = calloc(MAX_GROUPS, sizeof(*groups));
	if (!groups) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	n = syscall(SYS_getgroups, MAX_GROUPS, groups);
	if (n < 0) {
		fprintf(stderr, "%s: getgroups: %s\n", prog, strerror(errno));
		free(groups);
		return 1;
	}
	qsort(groups, (size_t)n, sizeof(*groups), cmp_gid);
	printf("uid=%u euid=%u suid=%u fsuid=%u\n", u[0], u[1], u[2],
	       (unsigned int)syscall(SYS_setfsuid, -1));
	printf("gid=%u egid=%u sgid=%u fsgid=%u\n", g[0], g[1], g[2],
	       (unsigned int)syscall(SYS_setfsgid, -1));
	print_groups(groups, (size_t)n);
	free(groups);
	printf("overridden=unknown\n");
	memset(d, 0, sizeof(d));
	if (!syscall(SYS_capget, &h, d)) {
		for (cap = 0; cap < 64; cap++)
			if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
				amb |= 1ULL << cap;
		printf("cap_effective=0x%016llx cap_permitted=0x%016llx\n",
		       d[0].effective | (unsigned long long)d[1].effective << 32,
		       d[0].permitted | (unsigned long long)d[1].permitted << 32);
		printf("cap_inheritable=0x%016llx cap_ambient=0x%016llx\n",
		       d[0].inheritable | (unsigned long long)d[1].inheritable << 32, amb);
	}
	printf("source=syscalls (no access to %s: %s)\n", device_path(),
	       why == -ENODEV ? "module not loaded" : strerror(-why));
	return 0;
}

static int cmd_whoami(int argc, char **argv)
{
	struct credo_state st;
	gid_t *groups;
	int r;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "%s whoami: unexpected argument '%s'\n", prog, argv[1]);
		return EXIT_USAGE;
	}
	groups = calloc(MAX_GROUPS, sizeof(*groups));
	if (!groups) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	r = credo_get(&st, groups, MAX_GROUPS);
	if (r) {
		free(groups);
		/* No device or no access to it: report what the syscalls say. */
		if (r == -ENODEV || r == -EACCES || r == -EPERM)
			return whoami_syscalls(r);
		fprintf(stderr, "%s: CREDO_IOC_GET: %s\n", prog, credo_strerror(r));
		return 1;
	}
	printf("uid=%u euid=%u suid=%u fsuid=%u\n", st.uid, st.euid, st.suid, st.fsuid);
	printf("gid=%u egid=%u sgid=%u fsgid=%u\n", st.gid, st.egid, st.sgid, st.fsgid);
	print_groups(groups, st.ngroups < MAX_GROUPS ? st.ngroups : MAX_GROUPS);
	free(groups);
	printf("overridden=%s\n", st.overridden ? "yes" : "no");
	printf("cap_effective=0x%016llx cap_permitted=0x%016llx\n",
	       (unsigned long long)st.cap_effective,
	       (unsigned long long)st.cap_permitted);
	printf("cap_inheritable=0x%016llx cap_ambient=0x%016llx\n",
	       (unsigned long long)st.cap_inheritable,
	       (unsigned long long)st.cap_ambient);
	printf("source=%s\n", device_path());
	return 0;
}

/* ---- ps: the live overrides (issue 15) ------------------------------------ */

#include <time.h>
#include <linux/credo.h>

static const char *debugfs_root(void)
{
	const char *p = secure_getenv("CREDO_DEBUGFS_ROOT");

	return p && *p ? p : "/sys/kernel/debug";
}

/* Undoes the listing's octal escapes (\ooo) of comm, in place. */
static void ps_unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

/* The value of "key=" in a listing line, copied to buf ("" if absent). */
static const char *ps_field(const char *line, const char *key, char *buf, size_t len)
{
	size_t k = strlen(key), n;
	const char *p = line;

	buf[0] = 0;
	while (p && *p) {
		if (!strncmp(p, key, k) && p[k] == '=') {
			p += k + 1;
			n = strcspn(p, " \n");
			if (n >= len)
				n = len - 1;
			memcpy(buf, p, n);
			buf[n] = 0;
			break;
		}
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return buf;
}

static int cmd_ps(int argc, char **argv)
{
	char path[PATH_MAX], mod[PATH_MAX], *line = NULL;
	char pid[16], tid[16], comm[80], own[16], uid[16], gid[16], groups[4096], since[48];
	size_t cap = 0;
	struct stat st;
	int raw = 0, n = 0;
	FILE *f;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: %s ps [--raw]\n"
		       "Every thread credo has overridden now: pid, tid, command, its own uid,\n"
		       "the override's uid, gid and groups, and since when (UTC).  --raw prints\n"
		       "%s/credo/overrides as it is.  Needs root (debugfs).\n",
		       prog, debugfs_root());
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--raw"))
		raw = 1;
	else if (argc > 1) {
		fprintf(stderr, "%s ps: unexpected argument '%s'\n", prog, argv[1]);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/credo/overrides", debugfs_root());
	f = fopen(path, "re");
	if (!f) {
		int e = errno;

		snprintf(mod, sizeof(mod), "%s/module/credo", sysfs_root());
		if (stat(mod, &st)) {
			fprintf(stderr, "%s: the credo module is not loaded (no %s); "
				"load it with: modprobe credo\n", prog, mod);
			return EXIT_NOT_LOADED;
		}
		fprintf(stderr, "%s: cannot read %s: %s%s\n", prog, path, strerror(e),
			e == ENOENT ? " (is debugfs mounted? mount -t debugfs none "
				      "/sys/kernel/debug)" :
			e == EACCES ? " (root only)" : "");
		return 1;
	}
	if (!raw)
		printf("%-7s %-7s %-16s %-7s %-7s %-7s %-20s %s\n", "PID", "TID", "COMMAND",
		       "OWN", "UID", "GID", "SINCE (UTC)", "GROUPS");
	while (getline(&line, &cap, f) > 0) {
		char when[32] = "?";
		time_t t;
		struct tm tm;

		if (raw) {
			fputs(line, stdout);
			continue;
		}
		ps_field(line, "pid", pid, sizeof(pid));
		ps_field(line, "tid", tid, sizeof(tid));
		ps_field(line, "comm", comm, sizeof(comm));
		ps_unescape(comm);
		ps_field(line, "own_uid", own, sizeof(own));
		ps_field(line, "uid", uid, sizeof(uid));
		ps_field(line, "gid", gid, sizeof(gid));
		ps_field(line, "groups", groups, sizeof(groups));
		ps_field(line, "since", since, sizeof(since));
		t = (time_t)strtoll(since, NULL, 10);
		if (*since && gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%-7s %-7s %-16s %-7s %-7s %-7s %-20s %s\n", pid, tid, comm, own, uid,
		       gid, when, *groups ? groups : "-");
		n++;
	}
	free(line);
	fclose(f);
	if (!raw && !n)
		printf("(no live overrides)\n");
	return 0;
}

/* ---- audit-rules: the auditctl rules that turn credo's records on ------------ */

static int cmd_audit_rules(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned long cmd;
	} ioc[] = {
		{ "CREDO_IOC_OVERRIDE", CREDO_IOC_OVERRIDE },
		{ "CREDO_IOC_REVERT", CREDO_IOC_REVERT },
		{ "CREDO_IOC_HANDLE", CREDO_IOC_HANDLE },
		{ "CREDO_IOC_ASSUME", CREDO_IOC_ASSUME },
		{ "CREDO_IOC_REVOKE", CREDO_IOC_REVOKE },
	};
	static const char *const arch[] = { "b64", "b32" };
	unsigned int i, a;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("Usage: %s audit-rules\n"
			       "Prints audit.rules(7) lines that make the kernel audit credo's\n"
			       "switches; load them with: %s audit-rules | auditctl -R /dev/stdin\n",
			       prog, prog);
			return 0;
		}
		fprintf(stderr, "%s audit-rules: unexpected argument '%s'\n", prog, argv[1]);
		return EXIT_USAGE;
	}
	printf("## credo(8): audit the ioctls that switch identities, key \"credo\".\n"
	       "## Every switch, assume, revert, refusal and handle mint or revoke then\n"
	       "## adds a KERNEL_OTHER record with op=... to its event:\n"
	       "##   ausearch -k credo -i; ausearch -m KERNEL_OTHER -i\n"
	       "## Any syscall rule makes the kernel build the audit context credo's\n"
	       "## records go into: while one exists, every switch is recorded (the\n"
	       "## rules below add the ioctl's SYSCALL record).  To keep them out:\n"
	       "##   -a never,exclude -F msgtype=KERNEL_OTHER\n");
	for (a = 0; a < sizeof(arch) / sizeof(arch[0]); a++)
		for (i = 0; i < sizeof(ioc) / sizeof(ioc[0]); i++)
			printf("-a always,exit -F arch=%s -S ioctl -F a1=0x%lx -F key=credo\n",
			       arch[a], ioc[i].cmd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("credo %s\n", CREDO_LIB_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "handle"))
		return cmd_handle(argc - 1, argv + 1);
	if (!strcmp(cmd, "handle-info"))
		return cmd_handle_info(argc - 1, argv + 1);
	if (!strcmp(cmd, "revoke"))
		return cmd_revoke(argc - 1, argv + 1);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(cmd, "whoami"))
		return cmd_whoami(argc - 1, argv + 1);
	if (!strcmp(cmd, "ps"))
		return cmd_ps(argc - 1, argv + 1);
	if (!strcmp(cmd, "audit-rules"))
		return cmd_audit_rules(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\nTry '%s --help'.\n", prog, cmd, prog);
	return EXIT_USAGE;
}

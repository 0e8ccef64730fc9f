// SPDX-License-Identifier: GPL-2.0
/*
 * The credo command-line tool (tools/credo.c), run as a program from the
 * directory of this test (/tests/credo in the guest) with its stdout and stderr
 * captured: `credo run` children have the requested ids (as they report them
 * with `credo whoami`, and as /proc/self/status shows them), `--user` gives the
 * ids /etc/passwd and /etc/group say, exit codes are the documented ones, and
 * errors (unknown user, module not loaded, no permission) are clear.
 *
 * `credo run` children are also checked side by side against the reference
 * (fork(), raw setgroups/setresgid/setresuid in the child, exec of the same
 * probe program; lib_users.h): ids and groups, the user keyring, RLIMIT_NPROC
 * and dumpable after exec.
 *
 * Handles: `credo handle` puts a handle at the descriptor asked for (and no
 * /dev/credo) in the command it executes, `credo handle-info` prints a
 * handle's identity (also to a worker at uid 65534) and says clearly what is
 * not a handle, `credo revoke` revokes (refused to the worker); the admin's
 * flow end to end: `credo handle ... -- PROBE as-nobody PROBE assume-create`
 * creates a file owned by the handle's identity.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lib_users.h"
#include "credo_harness.h"

#define OUT_MAX 16384

#define REQUIRE_ROOT() do {						\
	if (lu_start_euid != 0)						\
		SKIP(return, "needs root (euid %u): /dev/credo is 0600 and a " \
		     "switch needs CAP_SETUID+CAP_SETGID", lu_start_euid);	\
} while (0)

struct result {
	int status;		/* exit code, or 128+signal */
	char out[OUT_MAX];
	char err[OUT_MAX];
};

static char cli_path[PATH_MAX];

/* The credo binary beside this test, unless $CREDO_CLI names another. */
static const char *cli(void)
{
	char self[PATH_MAX];
	ssize_t n;

	if (getenv("CREDO_CLI"))
		return getenv("CREDO_CLI");
	if (!cli_path[0]) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return "/tests/credo";
		self[n] = 0;
		snprintf(cli_path, sizeof(cli_path), "%s/credo", dirname(self));
	}
	return cli_path;
}

/*
 * Runs credo with args (NULL-terminated, without argv[0]) and the extra
 * environment entries env ("K=V", NULL-terminated, may be NULL).
 */
static int run_prog(struct result *r, const char *prog, const char *const *env,
		    const char *const *args)
{
	char *argv[32];
	int po[2], pe[2], n = 0, i;
	size_t lo = 0, le = 0;
	struct pollfd pf[2];
	pid_t pid;

	memset(r, 0, sizeof(*r));
	argv[n++] = (char *)prog;
	for (i = 0; args[i] && n < 31; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		for (i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(99);
	}
	close(po[1]);
	close(pe[1]);
	pf[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			char *buf = i ? r->err : r->out;
			size_t *len = i ? &le : &lo;
			char scratch[512];
			ssize_t got;

			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (*len < OUT_MAX - 1)
				got = read(pf[i].fd, buf + *len, OUT_MAX - 1 - *len);
			else
				got = read(pf[i].fd, scratch, sizeof(scratch));
			if (got <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
			} else if (*len < OUT_MAX - 1) {
				*len += (size_t)got;
			}
		}
	}
	r->out[lo] = 0;
	r->err[le] = 0;
	if (waitpid(pid, &r->status, 0) != pid)
		return -errno;
	if (WIFEXITED(r->status))
		r->status = WEXITSTATUS(r->status);
	else if (WIFSIGNALED(r->status))
		r->status = 128 + WTERMSIG(r->status);
	return 0;
}

static int run(struct result *r, const char *const *env, const char *const *args)
{
	return run_prog(r, cli(), env, args);
}

#define RUN(r, env, ...) do {						\
	const char *const _a[] = { __VA_ARGS__, NULL };			\
	ASSERT_EQ(0, run(r, env, _a));					\
} while (0)

/* After an expectation: shown only when it failed. */
#define SHOW(r) TH_LOG("exit %d\nstdout:\n%s\nstderr:\n%s",		\
		       (r).status, (r).out, (r).err)

/* The line of text starting with key, without the newline ("" if absent). */
static const char *line_of(const char *text, const char *key, char *buf, size_t len)
{
	const char *p = text;
	size_t klen = strlen(key);

	buf[0] = 0;
	while (p && *p) {
		if (!strncmp(p, key, klen)) {
			size_t n = strcspn(p, "\n");

			if (n >= len)
				n = len - 1;
			memcpy(buf, p, n);
			buf[n] = 0;
			return buf;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return buf;
}

static void expect_whoami(struct __test_metadata *_metadata, const char *out,
			  unsigned int uid, unsigned int gid,
			  const unsigned int *groups, unsigned int ngroups)
{
	char want[512], got[512], g[400];

	snprintf(want, sizeof(want), "uid=%u euid=%u suid=%u fsuid=%u", uid, uid, uid, uid);
	EXPECT_STREQ(want, line_of(out, "uid=", got, sizeof(got)));
	snprintf(want, sizeof(want), "gid=%u egid=%u sgid=%u fsgid=%u", gid, gid, gid, gid);
	EXPECT_STREQ(want, line_of(out, "gid=", got, sizeof(got)));
	lu_format_groups(g, sizeof(g), groups, ngroups);
	snprintf(want, sizeof(want), "groups=%s", g);
	EXPECT_STREQ(want, line_of(out, "groups=", got, sizeof(got)));
}

/* ---- every identity ------------------------------------------------------------- */

TEST(help_version_usage)
{
	struct result r;

	RUN(&r, NULL, "--help");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.out, "Usage:"));
	EXPECT_NE(NULL, strstr(r.out, "credo run --user NAME"));
	RUN(&r, NULL, "--version");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_STREQ("credo 0.2.0\n", r.out);
	RUN(&r, NULL, "frobnicate");
	EXPECT_EQ(2, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "unknown command 'frobnicate'"));
	RUN(&r, NULL, "status", "extra");
	EXPECT_EQ(2, r.status) SHOW(r);
	/* run's own failures are 125, never a status a command could mean */
	RUN(&r, NULL, "run", "--uid", "1", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "both --uid and --gid"));
	RUN(&r, NULL, "run", "--user", "root", "--uid", "1", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "cannot be combined"));
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "no command given"));
	RUN(&r, NULL, "run", "--bogus");
	EXPECT_EQ(125, r.status) SHOW(r);
}

TEST(unknown_user_and_group)
{
	struct result r;

	RUN(&r, NULL, "run", "--user", "credo-no-such-user", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_STREQ("credo: unknown user 'credo-no-such-user'\n", r.err);
	EXPECT_STREQ("", r.out);
	RUN(&r, NULL, "run", "--uid", "credo-no-such-user", "--gid", "0", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "--uid: unknown user 'credo-no-such-user'"));
	RUN(&r, NULL, "run", "--uid", "0", "--gid", "0", "--groups", "5,credo-no-such-group",
	    "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "--groups: unknown group 'credo-no-such-group'"));
}

/* No device: the message says the module is not loaded and how to load it. */
TEST(no_module)
{
	const char *const nodev[] = { "CREDO_DEVICE=/tmp/credo-no-such-device", NULL };
	const char *const nosys[] = { "CREDO_SYSFS_ROOT=/tmp/credo-no-such-sysfs", NULL };
	struct result r;

	RUN(&r, nodev, "run", "--uid", "1", "--gid", "1", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_STREQ("credo: cannot open /tmp/credo-no-such-device: the credo module is "
		     "not loaded (load it with: modprobe credo)\n", r.err);
	RUN(&r, nosys, "status");
	EXPECT_EQ(3, r.status) SHOW(r);
	EXPECT_STREQ("module: not loaded\n", r.out);
	EXPECT_NE(NULL, strstr(r.err, "modprobe credo"));
	/* whoami still answers, from the syscalls */
	RUN(&r, nodev, "whoami");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.out, "source=syscalls"));
	EXPECT_NE(NULL, strstr(r.out, "overridden=unknown"));
}

TEST(status_reports_module)
{
	char line[256];
	struct result r;

	RUN(&r, NULL, "status");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_EQ(0, strncmp(r.out, "module: loaded", 14));
	EXPECT_NE(NULL, strstr(r.out, "device: /dev/credo: character device 10:248, mode "));
	EXPECT_NE(NULL, strstr(r.out, "counters (/sys/kernel/credo):\n"));
	EXPECT_NE(NULL, strstr(r.out, "parameters (/sys/module/credo/parameters):\n"));
	/* every counter and parameter of docs/api.md, with a number */
	EXPECT_NE(0, line_of(r.out, "  entries ", line, sizeof(line))[0]);
	EXPECT_NE(0, line_of(r.out, "  hits ", line, sizeof(line))[0]);
	EXPECT_NE(0, line_of(r.out, "  misses ", line, sizeof(line))[0]);
	EXPECT_NE(0, line_of(r.out, "  evictions ", line, sizeof(line))[0]);
	EXPECT_NE(0, line_of(r.out, "  live_overrides ", line, sizeof(line))[0]);
	EXPECT_NE(0, line_of(r.out, "  max_entries ", line, sizeof(line))[0]);
	EXPECT_NE(0, line_of(r.out, "  evict_interval_ms ", line, sizeof(line))[0]);
	EXPECT_EQ(NULL, strstr(r.out, "(unreadable)"));
	EXPECT_STREQ("", r.err);
}

TEST(whoami_self)
{
	struct lu_ids t;
	struct result r;
	char line[128];

	ASSERT_EQ(0, lu_thread_ids(&t));
	RUN(&r, NULL, "whoami");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, t.uid[0], t.gid[0], t.groups, t.ngroups);
	if (lu_start_euid == 0) {
		/* root reads it through CREDO_IOC_GET */
		EXPECT_STREQ("overridden=no", line_of(r.out, "overridden=", line, sizeof(line)));
		EXPECT_STREQ("source=/dev/credo", line_of(r.out, "source=", line, sizeof(line)));
	} else {
		EXPECT_NE(NULL, strstr(r.out, "source=syscalls"));
	}
}

/* Unprivileged: run fails before any command starts, saying why. */
TEST(run_unprivileged)
{
	struct result r;

	if (lu_start_euid == 0)
		SKIP(return, "runs as the unprivileged user only");
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1", "--", "/bin/echo", "ran");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_STREQ("", r.out);
	EXPECT_NE(NULL, strstr(r.err, "credo: cannot open /dev/credo: Permission denied"));
}

/* ---- root ---------------------------------------------------------------------- */

TEST(run_ids_whoami)
{
	const unsigned int want[] = { 5, 6 };
	struct result r;

	REQUIRE_ROOT();
	RUN(&r, NULL, "run", "--uid", "1234", "--gid", "1234", "--groups", "6,5", "--",
	    cli(), "whoami");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, 1234, 1234, want, 2);
	EXPECT_STREQ("", r.err);

	RUN(&r, NULL, "run", "--uid", "4321", "--gid", "4322", "--", cli(), "whoami");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, 4321, 4322, NULL, 0);

	/* names for --uid/--gid/--groups, from the files */
	RUN(&r, NULL, "run", "--uid", "nobody", "--gid", "nogroup", "--groups", "root",
	    "--", cli(), "whoami");
	EXPECT_EQ(0, r.status) SHOW(r);
	{
		const unsigned int zero[] = { 0 };

		expect_whoami(_metadata, r.out, 65534, 65534, zero, 1);
	}
}

/* The kernel's own view of the child: /proc/self/status read by the child. */
TEST(run_ids_proc_status)
{
	struct result r;
	char line[128];

	REQUIRE_ROOT();
	RUN(&r, NULL, "run", "--uid", "1234", "--gid", "1235", "--groups", "5,6", "--",
	    "cat", "/proc/self/status");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_STREQ("Uid:\t1234\t1234\t1234\t1234", line_of(r.out, "Uid:", line, sizeof(line)));
	EXPECT_STREQ("Gid:\t1235\t1235\t1235\t1235", line_of(r.out, "Gid:", line, sizeof(line)));
	EXPECT_EQ(0, strncmp(line_of(r.out, "Groups:", line, sizeof(line)), "Groups:\t5 6", 11));
	/* leaving uid 0 drops every capability */
	EXPECT_STREQ("CapEff:\t0000000000000000", line_of(r.out, "CapEff:", line, sizeof(line)));
	EXPECT_STREQ("CapPrm:\t0000000000000000", line_of(r.out, "CapPrm:", line, sizeof(line)));
}

TEST(run_exit_codes)
{
	struct result r;

	REQUIRE_ROOT();
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1", "--", "/bin/sh", "-c", "exit 7");
	EXPECT_EQ(7, r.status) SHOW(r);
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1", "--", "/bin/sh", "-c", "kill -TERM $$");
	EXPECT_EQ(128 + SIGTERM, r.status) SHOW(r);
	/* credo ignores SIGINT while it waits; the command gets the default action */
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1", "--", "/bin/sh", "-c", "kill -INT $$");
	EXPECT_EQ(128 + SIGINT, r.status) SHOW(r);
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1", "--", "/bin/echo", "hello");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_STREQ("hello\n", r.out);
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1", "--", "/nonexistent/credo-prog");
	EXPECT_EQ(127, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "credo: cannot run /nonexistent/credo-prog as uid 1 gid 1"));
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1", "--", "credo-no-such-prog");
	EXPECT_EQ(127, r.status) SHOW(r);
	/* /etc/passwd is not executable */
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1", "--", "/etc/passwd");
	EXPECT_EQ(126, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "Permission denied"));
	/* an id the kernel refuses */
	RUN(&r, NULL, "run", "--uid", "1", "--gid", "1", "--groups", "4294967295", "--",
	    "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "credo: cannot switch to uid 1 gid 1"));
}

FIXTURE(users) {
	struct lu_saved saved;
	int installed;
};

FIXTURE_SETUP(users)
{
	self->installed = 0;
	if (lu_start_euid != 0)
		return;
	ASSERT_EQ(0, lu_install_users(&self->saved));
	self->installed = 1;
}

FIXTURE_TEARDOWN(users)
{
	if (self->installed)
		EXPECT_EQ(0, lu_restore_users(&self->saved));
}

TEST_F(users, run_user_matches_files)
{
	static const char *const names[] = {
		"credoalice", "credobob", "credocarol", "root", "nobody",
	};
	struct lu_expect e;
	struct result r;
	unsigned int i;

	REQUIRE_ROOT();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ASSERT_EQ(0, lu_expected(names[i], &e));
		RUN(&r, NULL, "run", "--user", names[i], "--", cli(), "whoami");
		EXPECT_EQ(0, r.status) TH_LOG("%s: %s / %s", names[i], r.out, r.err);
		expect_whoami(_metadata, r.out, e.uid, e.gid, e.groups, e.ngroups);
	}
	/* the same groups as `id -G NAME` says (busybox's own lookup in the guest) */
	if (!access("/bin/id", X_OK) || !access("/usr/bin/id", X_OK)) {
		const char *const a[] = { "-G", "credoalice", NULL };
		unsigned int g[LU_MAX_GROUPS], n = 0;
		char *p, *end, want[512], got[400], line[512];

		ASSERT_EQ(0, run_prog(&r, access("/bin/id", X_OK) ? "/usr/bin/id" : "/bin/id",
				      NULL, a));
		EXPECT_EQ(0, r.status) SHOW(r);
		for (p = r.out; n < LU_MAX_GROUPS; p = end) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			g[n++] = (unsigned int)v;
		}
		n = lu_sort_unique(g, n);
		lu_format_groups(got, sizeof(got), g, n);
		snprintf(want, sizeof(want), "groups=%s", got);
		RUN(&r, NULL, "run", "--user", "credoalice", "--", cli(), "whoami");
		EXPECT_STREQ(want, line_of(r.out, "groups=", line, sizeof(line)));
		EXPECT_STREQ("groups=4101,4200,4300", want);
	}
	/* the hard numbers once, in case the parser and the tool agree on a mistake */
	RUN(&r, NULL, "run", "-u", "credoalice", "--", cli(), "whoami");
	{
		const unsigned int want[] = { 4101, 4200, 4300 };

		expect_whoami(_metadata, r.out, 4101, 4101, want, 3);
	}
}

/* ---- credo run against the reference: fork + raw set*id in the child ------------- */

static const unsigned int probe_groups[] = { 4300, 4713 };
static const struct lu_identity probe_id = { 4711, 4712, 2, probe_groups };
#define NPROC_UID	"4730"	/* the RLIMIT_NPROC test's uid, used by nothing else */
#define NPROC_LIMIT	2

/* `credo run --uid U --gid 4712 --groups 4300,4713 -- PROG --credo-probe MODE [ARG]` */
static int run_probe(struct result *r, const char *uid, const char *prog,
		     const char *mode, const char *arg)
{
	const char *const a[] = { "run", "--uid", uid, "--gid", "4712", "--groups",
				  "4300,4713", "--", prog, LU_PROBE_ARG, mode, arg, NULL };

	return run(r, NULL, a);
}

#define SHOW_BOTH(ref, r) TH_LOG("reference:\n%s\ncredo run (exit %d):\n%s\nstderr:\n%s", \
				 ref, (r).status, (r).out, (r).err)

TEST(run_ids_match_reference)
{
	char prog[PATH_MAX], ref[LU_OUT_MAX];
	struct result r;
	int rs;

	REQUIRE_ROOT();
	lu_self_exe(prog, sizeof(prog));
	ASSERT_EQ(0, lu_ref_probe(&probe_id, NULL, prog, "ids", NULL, ref, sizeof(ref), &rs));
	ASSERT_EQ(0, run_probe(&r, "4711", prog, "ids", NULL));
	EXPECT_EQ(0, rs);
	EXPECT_EQ(0, r.status) SHOW_BOTH(ref, r);
	EXPECT_NE(NULL, strstr(ref, "Uid:\t4711\t4711\t4711\t4711\n")) SHOW_BOTH(ref, r);
	EXPECT_STREQ(ref, r.out) SHOW_BOTH(ref, r);
}

TEST(run_user_keyring_matches_reference)
{
	char prog[PATH_MAX], ref[LU_OUT_MAX];
	long root_u, ref_u, got_u;
	struct result r;
	int rs;

	REQUIRE_ROOT();
	lu_self_exe(prog, sizeof(prog));
	root_u = lu_keyring_id(KEY_SPEC_USER_KEYRING);
	ASSERT_LT(0, root_u);
	ASSERT_EQ(0, lu_ref_probe(&probe_id, NULL, prog, "keyring", NULL, ref, sizeof(ref),
				  &rs));
	ASSERT_EQ(0, run_probe(&r, "4711", prog, "keyring", NULL));
	EXPECT_EQ(0, r.status) SHOW_BOTH(ref, r);
	ref_u = lu_value(ref, "user_keyring");
	got_u = lu_value(r.out, "user_keyring");
	TH_LOG("root's @u %ld, reference child's %ld, credo run child's %ld", root_u, ref_u,
	       got_u);
	EXPECT_LT(0, ref_u) SHOW_BOTH(ref, r);
	EXPECT_NE(root_u, ref_u) SHOW_BOTH(ref, r);
	EXPECT_EQ(ref_u, got_u) SHOW_BOTH(ref, r);
	EXPECT_NE(root_u, got_u) SHOW_BOTH(ref, r);
	EXPECT_EQ(lu_value(ref, "user_session_keyring"),
		  lu_value(r.out, "user_session_keyring")) SHOW_BOTH(ref, r);
}

TEST(run_rlimit_nproc_matches_reference)
{
	struct rlimit rl = { .rlim_cur = NPROC_LIMIT, .rlim_max = NPROC_LIMIT };
	struct lu_identity id = probe_id;
	char prog[PATH_MAX], ref[LU_OUT_MAX], n[8];
	long ref_forks, got_forks;
	struct result r;
	int rs;

	REQUIRE_ROOT();
	lu_self_exe(prog, sizeof(prog));
	id.uid = (unsigned int)atoi(NPROC_UID);
	snprintf(n, sizeof(n), "%d", LU_PROBE_FORKS);
	/* this process and credo are root's: not limited; their children as NPROC_UID are */
	ASSERT_EQ(0, setrlimit(RLIMIT_NPROC, &rl));
	ASSERT_EQ(0, lu_ref_probe(&id, NULL, prog, "nproc", n, ref, sizeof(ref), &rs));
	ASSERT_EQ(0, run_probe(&r, NPROC_UID, prog, "nproc", n));
	EXPECT_EQ(0, rs);
	EXPECT_EQ(0, r.status) SHOW_BOTH(ref, r);
	ref_forks = lu_value(ref, "forks");
	got_forks = lu_value(r.out, "forks");
	TH_LOG("RLIMIT_NPROC %d: forks of %d that succeeded: reference %ld, credo run %ld",
	       NPROC_LIMIT, LU_PROBE_FORKS, ref_forks, got_forks);
	EXPECT_LE(0, ref_forks) SHOW_BOTH(ref, r);
	EXPECT_GT(LU_PROBE_FORKS, ref_forks) SHOW_BOTH(ref, r);
	EXPECT_EQ(ref_forks, got_forks) SHOW_BOTH(ref, r);
	EXPECT_EQ(lu_value(ref, "errno"), lu_value(r.out, "errno")) SHOW_BOTH(ref, r);
}

TEST(run_dumpable_matches_reference)
{
	char prog[PATH_MAX], ref[LU_OUT_MAX], dir[64], xonly[PATH_MAX + 16];
	const char *progs[2];
	struct result r;
	int i, rs, sd = lu_suid_dumpable();

	REQUIRE_ROOT();
	lu_self_exe(prog, sizeof(prog));
	strcpy(dir, "/tmp/credo-cli-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, chmod(dir, 0755));
	/* a copy the user may execute but not read: exec makes it non-dumpable */
	snprintf(xonly, sizeof(xonly), "%s/probe-xonly", dir);
	ASSERT_EQ(0, lu_copy_file(prog, xonly, 0711));
	progs[0] = prog;
	progs[1] = xonly;
	for (i = 0; i < 2; i++) {
		long rd, gd;

		ASSERT_EQ(0, lu_ref_probe(&probe_id, NULL, progs[i], "dumpable", NULL, ref,
					  sizeof(ref), &rs));
		ASSERT_EQ(0, run_probe(&r, "4711", progs[i], "dumpable", NULL));
		EXPECT_EQ(0, r.status) SHOW_BOTH(ref, r);
		rd = lu_value(ref, "dumpable");
		gd = lu_value(r.out, "dumpable");
		TH_LOG("%s (suid_dumpable %d): dumpable reference %ld, credo run %ld",
		       i ? "exec-only copy" : "readable probe", sd, rd, gd);
		if (i == 0) {
			EXPECT_EQ(1, rd);
		} else if (sd >= 0 && sd != 1) {
			EXPECT_EQ(sd, rd);
		}
		EXPECT_EQ(rd, gd) SHOW_BOTH(ref, r);
	}
	lu_rm_tree(dir);
}

/* ---- handles ------------------------------------------------------------------- */

/* `PROG --credo-probe as-nobody ARGS...`: ARGS run as uid/gid 65534, no groups, no capability. */
#define RUN_AS_NOBODY(r, prog, ...) do {				\
	const char *const _a[] = { LU_PROBE_ARG, "as-nobody", __VA_ARGS__, NULL }; \
	ASSERT_EQ(0, run_prog(r, prog, NULL, _a));			\
} while (0)

/*
 * A handle minted with the raw ioctl (the test is its broker), placed at
 * descriptor at without close-on-exec so that credo inherits it; with
 * CREDO_CRED_CAPS when caps is set (effective and permitted CAP_CHOWN).
 */
static int raw_handle_at(int at, unsigned int uid, unsigned int gid, int caps)
{
	struct credo_cred c;
	int dev, h, e = 0;

	dev = open("/dev/credo", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.uid = c.euid = c.suid = c.fsuid = uid;
	c.gid = c.egid = c.sgid = c.fsgid = gid;
	if (caps) {
		c.flags = CREDO_CRED_CAPS;
		c.cap_effective = c.cap_permitted = 1;	/* CAP_CHOWN */
	}
	h = ioctl(dev, CREDO_IOC_HANDLE, &c);
	if (h < 0)
		e = -errno;
	close(dev);
	if (e)
		return e;
	if (dup2(h, at) < 0)
		e = -errno;
	close(h);
	return e;
}

TEST(handle_usage)
{
	const char *const nodev[] = { "CREDO_DEVICE=/tmp/credo-no-such-device", NULL };
	struct result r;

	RUN(&r, NULL, "--help");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.out, "credo handle --user NAME [--fd N]"));
	EXPECT_NE(NULL, strstr(r.out, "credo handle-info FD"));
	EXPECT_NE(NULL, strstr(r.out, "credo revoke FD"));
	/* handle's own failures are 125, as run's */
	RUN(&r, NULL, "handle", "--uid", "1", "--gid", "1");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "credo handle: no command given"));
	RUN(&r, NULL, "handle", "--uid", "1", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "both --uid and --gid"));
	RUN(&r, NULL, "handle", "--user", "root", "--gid", "1", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "cannot be combined"));
	RUN(&r, NULL, "handle", "--uid", "1", "--gid", "1", "--fd", "2", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_STREQ("credo handle: --fd: '2' is not a descriptor number of 3 or more\n", r.err);
	RUN(&r, NULL, "handle", "--uid", "1", "--gid", "1", "--fd", "x3", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	RUN(&r, NULL, "handle", "--user", "credo-no-such-user", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_STREQ("credo: unknown user 'credo-no-such-user'\n", r.err);
	RUN(&r, NULL, "run", "--fd", "3", "--uid", "1", "--gid", "1", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "--fd is an option of handle only"));
	/* handle-info and revoke: 2 for a usage error */
	RUN(&r, NULL, "handle-info");
	EXPECT_EQ(2, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "credo handle-info: no descriptor given"));
	RUN(&r, NULL, "handle-info", "3", "4");
	EXPECT_EQ(2, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "too many arguments"));
	RUN(&r, NULL, "handle-info", "-1");
	EXPECT_EQ(2, r.status) SHOW(r);
	EXPECT_STREQ("credo handle-info: '-1' is not a descriptor number\n", r.err);
	RUN(&r, NULL, "revoke");
	EXPECT_EQ(2, r.status) SHOW(r);
	RUN(&r, NULL, "revoke", "--help");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.out, "Usage:"));
	/* no module */
	RUN(&r, nodev, "handle", "--uid", "1", "--gid", "1", "--", "/bin/true");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_STREQ("credo: cannot open /tmp/credo-no-such-device: the credo module is "
		     "not loaded (load it with: modprobe credo)\n", r.err);
}

/* A descriptor that is not open, or not a handle: exit 1 and a clear message. */
TEST(handle_info_not_a_handle)
{
	struct result r;
	int fd;

	RUN(&r, NULL, "handle-info", "200");
	EXPECT_EQ(1, r.status) SHOW(r);
	EXPECT_STREQ("", r.out);
	EXPECT_STREQ("credo handle-info: descriptor 200 is not open\n", r.err);
	RUN(&r, NULL, "revoke", "200");
	EXPECT_EQ(1, r.status) SHOW(r);
	EXPECT_STREQ("credo revoke: descriptor 200 is not open\n", r.err);

	fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(201, dup2(fd, 201));	/* inherited by credo */
	close(fd);
	RUN(&r, NULL, "handle-info", "201");
	EXPECT_EQ(1, r.status) SHOW(r);
	EXPECT_STREQ("", r.out);
	EXPECT_STREQ("credo handle-info: descriptor 201 is not a credo handle (/etc/passwd)\n",
		     r.err);
	RUN(&r, NULL, "revoke", "201");
	EXPECT_EQ(1, r.status) SHOW(r);
	EXPECT_STREQ("credo revoke: descriptor 201 is not a credo handle (/etc/passwd)\n", r.err);
	close(201);

	/* the device itself is not a handle either */
	if (lu_start_euid == 0) {
		fd = open("/dev/credo", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(202, dup2(fd, 202));
		close(fd);
		RUN(&r, NULL, "handle-info", "202");
		EXPECT_EQ(1, r.status) SHOW(r);
		EXPECT_STREQ("credo handle-info: descriptor 202 is not a credo handle "
			     "(/dev/credo)\n", r.err);
		close(202);
	}
}

/* Unprivileged: no handle is minted, nothing runs. */
TEST(handle_unprivileged)
{
	struct result r;

	if (lu_start_euid == 0)
		SKIP(return, "runs as the unprivileged user only");
	RUN(&r, NULL, "handle", "--uid", "1", "--gid", "1", "--", "/bin/echo", "ran");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_STREQ("", r.out);
	EXPECT_NE(NULL, strstr(r.err, "credo: cannot open /dev/credo: Permission denied"));
}

TEST(handle_info_fields)
{
	const unsigned int want[] = { 5, 6 };
	char prog[PATH_MAX], line[256];
	struct result r;

	REQUIRE_ROOT();
	lu_self_exe(prog, sizeof(prog));
	RUN(&r, NULL, "handle", "--uid", "1234", "--gid", "1235", "--groups", "6,5,6", "--",
	    cli(), "handle-info", "3");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, 1234, 1235, want, 2);
	EXPECT_STREQ("caps=derived", line_of(r.out, "caps=", line, sizeof(line))) SHOW(r);
	EXPECT_STREQ("revoked=no", line_of(r.out, "revoked=", line, sizeof(line))) SHOW(r);
	EXPECT_STREQ("", line_of(r.out, "cap_effective=", line, sizeof(line))) SHOW(r);
	EXPECT_STREQ("", r.err);

	/* --fd: there, named in the environment; the command has no /dev/credo */
	RUN(&r, NULL, "handle", "--uid", "1234", "--gid", "1235", "--fd", "9", "--",
	    cli(), "handle-info", "9");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, 1234, 1235, NULL, 0);
	RUN(&r, NULL, "handle", "--uid", "1234", "--gid", "1235", "--fd", "9", "--",
	    "/bin/sh", "-c", "echo \"$CREDO_HANDLE_FD\"");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_STREQ("9\n", r.out);
	RUN(&r, NULL, "handle", "--uid", "1234", "--gid", "1235", "--fd", "9", "--",
	    prog, LU_PROBE_ARG, "fds");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_STREQ("fd 9 -> anon_inode:[credo-handle]", line_of(r.out, "fd 9 ", line,
								  sizeof(line))) SHOW(r);
	EXPECT_EQ(NULL, strstr(r.out, "/dev/credo")) SHOW(r);
	EXPECT_EQ(NULL, strstr(r.out, "fd 3 -> anon_inode")) SHOW(r);

	/* explicit capability sets */
	ASSERT_EQ(0, raw_handle_at(203, 4711, 4712, 1));
	RUN(&r, NULL, "handle-info", "203");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, 4711, 4712, NULL, 0);
	EXPECT_STREQ("caps=explicit", line_of(r.out, "caps=", line, sizeof(line))) SHOW(r);
	EXPECT_STREQ("cap_effective=0x0000000000000001 cap_permitted=0x0000000000000001",
		     line_of(r.out, "cap_effective=", line, sizeof(line))) SHOW(r);
	EXPECT_STREQ("cap_inheritable=0x0000000000000000 cap_ambient=0x0000000000000000",
		     line_of(r.out, "cap_inheritable=", line, sizeof(line))) SHOW(r);
	EXPECT_STREQ("revoked=no", line_of(r.out, "revoked=", line, sizeof(line))) SHOW(r);
	/*
	 * A worker with no capability reads it too; its trial assume is refused
	 * (the handle's sets are not a subset of its own), so it cannot tell.
	 */
	RUN_AS_NOBODY(&r, prog, cli(), "handle-info", "203");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, 4711, 4712, NULL, 0);
	EXPECT_STREQ("revoked=unknown (this process may not assume it)",
		     line_of(r.out, "revoked=", line, sizeof(line))) SHOW(r);
	close(203);
	/* ... and a handle without sets it can assume: not revoked */
	ASSERT_EQ(0, raw_handle_at(203, 4711, 4712, 0));
	RUN_AS_NOBODY(&r, prog, cli(), "handle-info", "203");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, 4711, 4712, NULL, 0);
	EXPECT_STREQ("revoked=no", line_of(r.out, "revoked=", line, sizeof(line))) SHOW(r);
	close(203);
}

TEST(handle_revoke)
{
	char prog[PATH_MAX], line[256], script[PATH_MAX * 2 + 64];
	struct result r;

	REQUIRE_ROOT();
	lu_self_exe(prog, sizeof(prog));
	ASSERT_EQ(0, raw_handle_at(204, 4711, 4712, 0));
	/* a worker without capabilities may not revoke */
	RUN_AS_NOBODY(&r, prog, cli(), "revoke", "204");
	EXPECT_EQ(1, r.status) SHOW(r);
	EXPECT_STREQ("credo revoke: descriptor 204: Operation not permitted (revoking needs "
		     "CAP_SETUID and CAP_SETGID in the handle's user namespace)\n", r.err);
	RUN(&r, NULL, "handle-info", "204");
	EXPECT_STREQ("revoked=no", line_of(r.out, "revoked=", line, sizeof(line))) SHOW(r);

	/* root may: silent, 0; the broker's own descriptor refuses assume since */
	RUN(&r, NULL, "revoke", "204");
	EXPECT_EQ(0, r.status) SHOW(r);
	EXPECT_STREQ("", r.out);
	EXPECT_STREQ("", r.err);
	EXPECT_EQ(-1, ioctl(204, CREDO_IOC_ASSUME));
	EXPECT_EQ(EKEYREVOKED, errno);
	RUN(&r, NULL, "handle-info", "204");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, 4711, 4712, NULL, 0);
	EXPECT_STREQ("revoked=yes", line_of(r.out, "revoked=", line, sizeof(line))) SHOW(r);
	RUN(&r, NULL, "revoke", "204");
	EXPECT_EQ(0, r.status) SHOW(r);
	close(204);

	/* the admin's way: a handle for a command, revoked inside it */
	snprintf(script, sizeof(script), "%s revoke 3 && exec %s handle-info 3", cli(), cli());
	RUN(&r, NULL, "handle", "--uid", "1234", "--gid", "1234", "--", "/bin/sh", "-c", script);
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, 1234, 1234, NULL, 0);
	EXPECT_STREQ("revoked=yes", line_of(r.out, "revoked=", line, sizeof(line))) SHOW(r);
}

/*
 * The admin hands a worker its identity: `credo handle ... -- PROBE as-nobody
 * PROBE assume-create 3 PATH`; the worker, at uid 65534 with no capability
 * and no access to /dev/credo, assumes and creates PATH in a directory only
 * the handle's uid may write.
 */
TEST(handle_worker_creates_file)
{
	char prog[PATH_MAX], dir[64], path[128], line[256];
	struct result r;
	struct stat st;
	int i;

	REQUIRE_ROOT();
	lu_self_exe(prog, sizeof(prog));
	for (i = 0; i < 2; i++) {
		/* 0: uid 4711, a 0700 directory of its own; 1: uid 0, root's 0755 directory */
		const char *uid = i ? "0" : "4711", *gid = i ? "0" : "4712";

		strcpy(dir, "/tmp/credo-cli-handle-XXXXXX");
		ASSERT_NE(NULL, mkdtemp(dir));
		if (!i) {
			ASSERT_EQ(0, chown(dir, 4711, 4712));
			ASSERT_EQ(0, chmod(dir, 0700));
		} else {
			ASSERT_EQ(0, chmod(dir, 0755));
		}
		snprintf(path, sizeof(path), "%s/made", dir);
		RUN(&r, NULL, "handle", "--uid", uid, "--gid", gid, "--groups", i ? "" : "4300",
		    "--", prog, LU_PROBE_ARG, "as-nobody", prog, LU_PROBE_ARG, "assume-create",
		    "3", path);
		EXPECT_EQ(0, r.status) SHOW(r);
		EXPECT_STREQ("Uid:\t65534\t65534\t65534\t65534",
			     line_of(r.out, "Uid:", line, sizeof(line))) SHOW(r);
		EXPECT_STREQ("CapEff:\t0000000000000000",
			     line_of(r.out, "CapEff:", line, sizeof(line))) SHOW(r);
		EXPECT_STREQ("CapPrm:\t0000000000000000",
			     line_of(r.out, "CapPrm:", line, sizeof(line))) SHOW(r);
		EXPECT_STREQ("dev_open=13", line_of(r.out, "dev_open=", line, sizeof(line)))
			SHOW(r);
		EXPECT_STREQ("assume=0", line_of(r.out, "assume=", line, sizeof(line))) SHOW(r);
		EXPECT_STREQ("create=0", line_of(r.out, "create=", line, sizeof(line))) SHOW(r);
		EXPECT_STREQ("revert=0", line_of(r.out, "revert=", line, sizeof(line))) SHOW(r);
		ASSERT_EQ(0, stat(path, &st)) SHOW(r);
		TH_LOG("uid %s handle: the worker's file is owned %u:%u", uid,
		       (unsigned int)st.st_uid, (unsigned int)st.st_gid);
		EXPECT_EQ((unsigned int)atoi(uid), st.st_uid);
		EXPECT_EQ((unsigned int)atoi(gid), st.st_gid);
		lu_rm_tree(dir);
	}
}

TEST(handle_exec_errors)
{
	struct result r;

	REQUIRE_ROOT();
	/* COMMAND replaces credo: its status is credo's */
	RUN(&r, NULL, "handle", "--uid", "1", "--gid", "1", "--", "/bin/sh", "-c", "exit 7");
	EXPECT_EQ(7, r.status) SHOW(r);
	RUN(&r, NULL, "handle", "--uid", "1", "--gid", "1", "--", "/nonexistent/credo-prog");
	EXPECT_EQ(127, r.status) SHOW(r);
	EXPECT_STREQ("credo: cannot execute /nonexistent/credo-prog: No such file or directory\n",
		     r.err);
	RUN(&r, NULL, "handle", "--uid", "1", "--gid", "1", "--", "credo-no-such-prog");
	EXPECT_EQ(127, r.status) SHOW(r);
	RUN(&r, NULL, "handle", "--uid", "1", "--gid", "1", "--", "/etc/passwd");
	EXPECT_EQ(126, r.status) SHOW(r);
	EXPECT_NE(NULL, strstr(r.err, "Permission denied")) SHOW(r);
	/* an identity the kernel refuses: nothing runs */
	RUN(&r, NULL, "handle", "--uid", "1", "--gid", "1", "--groups", "4294967295", "--",
	    "/bin/echo", "ran");
	EXPECT_EQ(125, r.status) SHOW(r);
	EXPECT_STREQ("", r.out);
	EXPECT_NE(NULL, strstr(r.err, "credo: cannot mint a handle for uid 1 gid 1")) SHOW(r);
}

TEST_F(users, handle_user_matches_files)
{
	const unsigned int want[] = { 4101, 4200, 4300 };
	struct lu_expect e;
	struct result r;

	REQUIRE_ROOT();
	ASSERT_EQ(0, lu_expected("credoalice", &e));
	RUN(&r, NULL, "handle", "--user", "credoalice", "--", cli(), "handle-info", "3");
	EXPECT_EQ(0, r.status) SHOW(r);
	expect_whoami(_metadata, r.out, e.uid, e.gid, e.groups, e.ngroups);
	expect_whoami(_metadata, r.out, 4101, 4101, want, 3);
}

TEST_HARNESS_MAIN

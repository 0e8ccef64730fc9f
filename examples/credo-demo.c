// SPDX-License-Identifier: GPL-2.0
/*
 * credo-demo: a tiny "file server" that serves requests for several users at once, twice.
 *
 * Part 1, switching threads.  A pool of worker threads in one root process takes requests from
 * one queue. For each request a worker switches its own thread to the requesting user with
 * libcredo's credo_override() (one CREDO_IOC_OVERRIDE), does the file operation the kernel then
 * judges as that user, and switches back with credo_revert(). The other workers keep serving
 * other users meanwhile. The demo prints what happened and checks it: who owns each created
 * file, which requests the kernel refused, and that identical identities shared one credential
 * in credo's table.
 *
 * Part 2, credential handles (least privilege).  The same root process becomes a broker: it
 * starts a pool of worker processes (this program again, "--worker N") that, holding nothing,
 * drop to uid 65534 with no capability at all (setresuid/setresgid, bounding and ambient sets
 * emptied, capget shows 0s) and so cannot even open /dev/credo. The broker mints one handle per
 * user (credo_handle_mint) and passes them over each worker's unix socket (SCM_RIGHTS). A worker
 * then serves each user's requests as that user, by assuming the user's handle
 * (credo_handle_assume, one argument-free ioctl) and reverting through it (credo_revert_fd),
 * and is refused everything else: another user's files, becoming an identity it holds no handle
 * for (setresuid, credo_override and minting all fail), revoking a handle. Finally the broker
 * revokes one user's handle: a worker already switched to that user stays so until it reverts,
 * and every later assume of it fails with EKEYREVOKED. The broker asks, the workers answer, and
 * the broker prints and checks each answer.
 *
 * The exit status is 0 only if every check of both parts held.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <credo.h>

struct user {
	const char *name;
	unsigned int uid, gid;
	gid_t groups[2];
	size_t ngroups;
};

static const struct user users[] = {
	{ "alice", 1001, 1001, { 2000 }, 1 },	/* member of "projects" (2000) */
	{ "bob",   1002, 1002, { 0 }, 0 },
	{ "carol", 1003, 1003, { 2000 }, 1 },
};

enum op { OP_CREATE, OP_READ };

struct request {
	int user;		/* index into users */
	enum op op;
	const char *path;
	int expect_errno;	/* what the kernel must answer */
	/* filled in by the worker */
	int worker;
	int result;
	unsigned int owner_uid, owner_gid;
};

static struct request reqs[] = {
	{ .user = 0, .op = OP_CREATE, .path = "/srv/home/alice/report.txt", .expect_errno = 0 },
	{ .user = 1, .op = OP_CREATE, .path = "/srv/home/bob/notes.txt", .expect_errno = 0 },
	{ .user = 2, .op = OP_CREATE, .path = "/srv/home/carol/todo.txt", .expect_errno = 0 },
	{ .user = 0, .op = OP_CREATE, .path = "/srv/projects/plan.txt", .expect_errno = 0 },
	{ .user = 1, .op = OP_CREATE, .path = "/srv/home/alice/intruder.txt", .expect_errno = EACCES },
	{ .user = 2, .op = OP_READ, .path = "/srv/projects/charter.txt", .expect_errno = 0 },
	{ .user = 1, .op = OP_READ, .path = "/srv/projects/charter.txt", .expect_errno = EACCES },
	{ .user = 1, .op = OP_READ, .path = "/srv/secret.txt", .expect_errno = EACCES },
	{ .user = 2, .op = OP_CREATE, .path = "/srv/projects/minutes.txt", .expect_errno = 0 },
	{ .user = 0, .op = OP_CREATE, .path = "/srv/home/alice/more.txt", .expect_errno = 0 },
	{ .user = 1, .op = OP_CREATE, .path = "/srv/home/bob/more.txt", .expect_errno = 0 },
	{ .user = 2, .op = OP_CREATE, .path = "/srv/home/carol/more.txt", .expect_errno = 0 },
};

#define NREQ (sizeof(reqs) / sizeof(reqs[0]))
#define NWORKERS 3

static unsigned int next_req;
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;

static int switch_to(const struct user *u)
{
	struct credo_ids ids = {
		.uid = u->uid,
		.gid = u->gid,
		.ngroups = u->ngroups,
		.groups = u->groups,
	};

	return credo_override(&ids);
}

static void serve(struct request *r)
{
	struct stat st;
	int fd;

	if (r->op == OP_CREATE) {
		fd = open(r->path, O_WRONLY | O_CREAT | O_EXCL, 0640);
		if (fd >= 0 && write(fd, "hello\n", 6) != 6)
			r->result = errno;
	} else {
		fd = open(r->path, O_RDONLY);
	}
	if (fd < 0) {
		r->result = errno;
		return;
	}
	if (fstat(fd, &st) == 0) {
		r->owner_uid = st.st_uid;
		r->owner_gid = st.st_gid;
	}
	close(fd);
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;

	for (;;) {
		struct request *r;

		pthread_mutex_lock(&queue_lock);
		r = next_req < NREQ ? &reqs[next_req++] : NULL;
		pthread_mutex_unlock(&queue_lock);
		if (!r)
			return NULL;
		r->worker = id;
		r->result = -switch_to(&users[r->user]);
		if (r->result)
			continue;
		serve(r);
		if (credo_revert())
			r->result = EIO;
	}
}

static void mkdir_owned(const char *path, unsigned int uid, unsigned int gid, mode_t mode)
{
	if (mkdir(path, mode) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	if (chown(path, uid, gid) || chmod(path, mode)) {
		perror(path);
		exit(1);
	}
}

static long counter(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/credo/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Part 1: root threads that switch themselves with credo_override(). */
static int part1(void)
{
	pthread_t t[NWORKERS];
	unsigned int i;
	long entries1, hits0, hits1, misses0, misses1;
	int bad = 0;

	printf("part 1: one root process, %d worker threads, each switching only itself with credo_override()\n",
	       NWORKERS);
	misses0 = counter("misses");
	hits0 = counter("hits");
	for (i = 0; i < NWORKERS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(long)i);
	for (i = 0; i < NWORKERS; i++)
		pthread_join(t[i], NULL);
	entries1 = counter("entries");
	misses1 = counter("misses");
	hits1 = counter("hits");

	printf("\n%-3s %-6s %-6s %-6s %-30s %-18s %-10s %s\n", "#", "worker", "user", "op", "path",
	       "result", "owner", "check");
	for (i = 0; i < NREQ; i++) {
		struct request *r = &reqs[i];
		const struct user *u = &users[r->user];
		int ok = r->result == r->expect_errno;
		char owner[24] = "-";

		if (!r->result && r->op == OP_CREATE) {
			snprintf(owner, sizeof(owner), "%u:%u", r->owner_uid, r->owner_gid);
			/* A file in the setgid projects dir takes the dir's group. */
			ok = ok && r->owner_uid == u->uid &&
			     r->owner_gid == (strncmp(r->path, "/srv/projects", 13) ? u->gid : 2000);
		}
		bad |= !ok;
		printf("%-3u %-6d %-6s %-6s %-30s %-18s %-10s %s\n", i, r->worker, u->name,
		       r->op == OP_CREATE ? "create" : "read", r->path,
		       r->result ? strerror(r->result) : "ok", owner, ok ? "as expected" : "WRONG");
	}
	printf("\nmain thread still uid %ld, euid %ld (workers switched only themselves)\n",
	       syscall(SYS_getuid), syscall(SYS_geteuid));
	if (syscall(SYS_geteuid) != 0)
		bad = 1;
	printf("credo table: %zu identities over %zu requests: %ld built (misses), %ld reused (hits); %ld entries now\n",
	       sizeof(users) / sizeof(users[0]), NREQ, misses1 - misses0, hits1 - hits0, entries1);
	/*
	 * The workers share one base credential, so only the first request of each user builds a
	 * credential (a miss); the rest reuse it (hits). Two workers racing on one new identity
	 * may both miss, never more than the pool size.
	 */
	if (misses1 - misses0 < 3 || misses1 - misses0 > 3 * NWORKERS || hits1 - hits0 < 1)
		bad = 1;
	printf("part 1: %s\n", bad ? "FAILED" : "every request ran as its user");
	return bad;
}

/*
 * Part 2: a broker and worker processes without privilege, talking over a SOCK_SEQPACKET unix
 * socket: the broker sends a struct ask (and, for W_TAKE, a handle right after it), the worker
 * answers each with a struct answer.
 */
#define NOBODY		65534
#define NPROCS		2	/* worker processes */
#define WORKER_SOCK	3	/* the worker's end of its socket, the only descriptor it gets */
#define MAXHANDLES	8

enum wop {
	W_STATUS,	/* ids, capabilities, and the descriptors it started with */
	W_OPEN_DEV,	/* open /dev/credo */
	W_SETRESUID,	/* setresuid(uid, uid, uid) */
	W_OVERRIDE,	/* credo_override() to uid */
	W_MINT,		/* credo_handle_mint() for uid */
	W_TAKE,		/* receive a handle (credo_handle_recv) and report its identity */
	W_SERVE,	/* assume uid's handle (uid -1: stay itself), do the file op, revert */
	W_ASSUME,	/* assume uid's handle and stay so */
	W_CURRENT,	/* the file op as whoever the worker is now */
	W_REVERT,	/* credo_revert_fd() through uid's handle */
	W_REVOKE,	/* credo_handle_revoke() on uid's handle */
	W_EXIT,
};

enum stage { ST_ASSUME, ST_OP, ST_REVERT };

struct ask {
	int op;
	int uid;
	int create;		/* the file op: create path (1) or read it (0) */
	char path[96];
};

struct answer {
	int err;		/* 0 or an errno value */
	int stage;		/* where err happened (W_SERVE) */
	uint64_t v[8];
	char text[128];
};

static const char *ename(int e)
{
	const char *s = e ? strerrorname_np(e) : "OK";

	return s ? s : "?";
}

/* --- the worker process ---------------------------------------------------------------- */

static int handle_fd[MAXHANDLES];
static unsigned int handle_uid[MAXHANDLES];
static int nhandles;
static char start_fds[64];

static int handle_for(int uid)
{
	int i;

	for (i = 0; i < nhandles; i++)
		if (handle_uid[i] == (unsigned int)uid)
			return handle_fd[i];
	return -1;
}

/* The descriptors the process holds, as "0 1 2 3". */
static void list_fds(char *buf, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	buf[0] = 0;
	if (!d) {
		snprintf(buf, len, "? (%s)", ename(errno));
		return;
	}
	while ((e = readdir(d)) && n < len) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		n += snprintf(buf + n, len - n, "%s%s", n ? " " : "", e->d_name);
	}
	closedir(d);
}

/* Everything the worker could have had: groups, ids, every capability set. */
static int drop_privileges(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct none[2] = { { 0 } };
	int c;

	for (c = 0; prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0; c++)
		;
	if (errno != EINVAL || c == 0)
		return errno ? errno : EINVAL;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || setgroups(0, NULL) ||
	    setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		return errno;
	/* setresuid() emptied the effective and permitted sets; the inheritable set it keeps. */
	if (syscall(SYS_capset, &h, none) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		return errno;
	return 0;
}

static uint64_t status_caps(const char *field)
{
	char line[128];
	uint64_t v = UINT64_MAX;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	fclose(f);
	return v;
}

static void w_status(struct answer *a, int drop_err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	uid_t r, e, s;
	gid_t g, eg, sg;

	a->err = drop_err;
	if (!a->err && syscall(SYS_capget, &h, d))
		a->err = errno;
	getresuid(&r, &e, &s);
	getresgid(&g, &eg, &sg);
	a->v[0] = r == e && e == s ? r : UINT64_MAX;
	a->v[1] = g == eg && eg == sg ? g : UINT64_MAX;
	a->v[2] = getgroups(0, NULL);
	a->v[3] = d[0].effective | (uint64_t)d[1].effective << 32;
	a->v[4] = d[0].permitted | (uint64_t)d[1].permitted << 32;
	a->v[5] = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	a->v[6] = status_caps("CapAmb");
	a->v[7] = status_caps("CapBnd");
	snprintf(a->text, sizeof(a->text), "%s", start_fds);
}

/* The file operation of a request, as whoever the calling thread is. */
static void file_op(const struct ask *q, struct answer *a, int id)
{
	ssize_t n;
	int fd;

	a->stage = ST_OP;
	if (q->create) {
		fd = open(q->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd < 0) {
			a->err = errno;
			return;
		}
		dprintf(fd, "written by worker %d\n", id);
	} else {
		fd = open(q->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			a->err = errno;
			return;
		}
		n = read(fd, a->text, sizeof(a->text) - 1);
		if (n < 0)
			a->err = errno;
		else
			a->text[strcspn(a->text, "\n")] = 0;
	}
	close(fd);
}

static void w_serve(const struct ask *q, struct answer *a, int id)
{
	int h = handle_for(q->uid);
	int r;

	if (q->uid >= 0) {
		a->stage = ST_ASSUME;
		r = credo_handle_assume(h);
		if (r) {
			a->err = -r;
			return;
		}
	}
	a->v[0] = syscall(SYS_geteuid);		/* who the file op ran as */
	file_op(q, a, id);
	if (q->uid >= 0) {
		r = credo_revert_fd(h);
		if (r && !a->err) {
			a->stage = ST_REVERT;
			a->err = -r;
		}
	}
	a->v[1] = syscall(SYS_geteuid);		/* and after */
}

static void w_take(int sock, struct answer *a)
{
	struct credo_handle_info info;
	gid_t groups[8];
	size_t i, n = 0;
	int h, r;

	h = credo_handle_recv(sock);
	if (h < 0) {
		a->err = -h;
		return;
	}
	r = credo_handle_get(h, &info, groups, 8);
	if (r || nhandles == MAXHANDLES) {
		a->err = r ? -r : EMFILE;
		close(h);
		return;
	}
	handle_fd[nhandles] = h;
	handle_uid[nhandles++] = info.uid;
	a->v[0] = info.uid;
	a->v[1] = info.gid;
	a->v[2] = info.ngroups;
	a->v[3] = info.euid == info.uid && info.suid == info.uid && info.fsuid == info.uid &&
		  info.egid == info.gid && info.sgid == info.gid && info.fsgid == info.gid;
	for (i = 0; i < info.ngroups && i < 8; i++)
		n += snprintf(a->text + n, sizeof(a->text) - n, "%s%u", i ? "," : "", groups[i]);
}

static int worker_main(int id)
{
	int sock = WORKER_SOCK, drop_err, r;

	/* What it got from the broker: its socket (and stdio for error messages). */
	list_fds(start_fds, sizeof(start_fds));
	drop_err = drop_privileges();
	for (;;) {
		struct credo_ids ids = { 0 };
		struct answer a = { 0 };
		struct ask q;
		ssize_t n = recv(sock, &q, sizeof(q), 0);

		if (n <= 0)
			return n ? 1 : 0;
		if (n != sizeof(q))
			return 1;
		q.path[sizeof(q.path) - 1] = 0;
		ids.uid = q.uid;
		ids.gid = q.uid;
		switch (q.op) {
		case W_STATUS:
			w_status(&a, drop_err);
			break;
		case W_OPEN_DEV:
			r = open("/dev/credo", O_RDWR | O_CLOEXEC);
			a.err = r < 0 ? errno : 0;
			if (r >= 0)
				close(r);
			break;
		case W_SETRESUID:
			a.err = setresuid(q.uid, q.uid, q.uid) ? errno : 0;
			break;
		case W_OVERRIDE:
			a.err = -credo_override(&ids);
			break;
		case W_MINT:
			r = credo_handle_mint(&ids);
			a.err = r < 0 ? -r : 0;
			if (r >= 0)
				close(r);
			break;
		case W_TAKE:
			w_take(sock, &a);
			break;
		case W_SERVE:
			w_serve(&q, &a, id);
			break;
		case W_ASSUME:
			a.err = -credo_handle_assume(handle_for(q.uid));
			break;
		case W_CURRENT:
			a.v[0] = syscall(SYS_geteuid);
			file_op(&q, &a, id);
			break;
		case W_REVERT:
			a.err = -credo_revert_fd(handle_for(q.uid));
			a.v[0] = syscall(SYS_geteuid);
			break;
		case W_REVOKE:
			a.err = -credo_handle_revoke(handle_for(q.uid));
			break;
		case W_EXIT:
			while (nhandles)
				close(handle_fd[--nhandles]);
			send(sock, &a, sizeof(a), MSG_NOSIGNAL);
			return 0;
		default:
			a.err = EINVAL;
		}
		if (send(sock, &a, sizeof(a), MSG_NOSIGNAL) != sizeof(a))
			return 1;
	}
}

/* --- the broker -------------------------------------------------------------------------- */

struct wproc {
	pid_t pid;
	int sock;
	char label[64];		/* "worker 1 (uid 65534, no capabilities)" */
};

static struct wproc wp[NPROCS];
static int bad2;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print one finding with its verdict; a wrong one fails the demo. */
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("%s\n", ok ? "" : "  <-- WRONG");
	bad2 |= !ok;
}

static int ask(int w, int op, int uid, int create, const char *path, struct answer *a)
{
	struct ask q = { .op = op, .uid = uid, .create = create };

	memset(a, 0, sizeof(*a));
	if (path)
		snprintf(q.path, sizeof(q.path), "%s", path);
	if (send(wp[w].sock, &q, sizeof(q), MSG_NOSIGNAL) != sizeof(q) ||
	    recv(wp[w].sock, a, sizeof(*a), 0) != sizeof(*a)) {
		printf("%s: no answer (%s)  <-- WRONG\n", wp[w].label, ename(errno));
		bad2 = 1;
		a->err = -1;
		return -1;
	}
	return 0;
}

static const char *name_of(int uid)
{
	size_t i;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (users[i].uid == (unsigned int)uid)
			return users[i].name;
	return uid == 0 ? "root" : "?";
}

/* Expect err from one step; print "<label>: <what>: <result>, as expected". */
static void expect(int w, const char *what, const struct answer *a, int err)
{
	if (a->err < 0)
		return;
	check(a->err == err, "%s: %s: %s%s%s%s", wp[w].label, what, ename(a->err),
	      a->err == err ? ", as expected" : " (expected ", a->err == err ? "" : ename(err),
	      a->err == err ? "" : ")");
}

/*
 * One request: as user uid (-1: as the worker itself) read or create path. expect_err is what
 * the request must get, at the assume (revoked handle) or at the file op.
 */
static void request(int w, int uid, int create, const char *path, int expect_err)
{
	struct answer a;
	char what[160], res[192];
	struct stat st;
	int ok;

	if (ask(w, W_SERVE, uid, create, path, &a))
		return;
	snprintf(what, sizeof(what), "%s%s: %s %s", uid >= 0 ? "as " : "as itself",
		 uid >= 0 ? name_of(uid) : "", create ? "create" : "read", path);
	ok = a.err == expect_err;
	if (a.err && a.stage == ST_ASSUME)
		snprintf(res, sizeof(res), "assume refused: %s", ename(a.err));
	else if (a.err)
		snprintf(res, sizeof(res), "%s%s", a.stage == ST_REVERT ? "revert: " : "",
			 ename(a.err));
	else if (create && stat(path, &st) == 0)
		snprintf(res, sizeof(res), "OK, owner %u:%u", st.st_uid, st.st_gid);
	else
		snprintf(res, sizeof(res), "OK (\"%s\")", a.text);
	if (!a.err) {
		/* It ran as the user, and the worker was itself again afterwards. */
		ok = ok && a.v[0] == (uid >= 0 ? (uint64_t)uid : NOBODY) && a.v[1] == NOBODY;
		if (create)
			ok = ok && stat(path, &st) == 0 && st.st_uid == (unsigned int)uid &&
			     st.st_gid == (strncmp(path, "/srv/projects", 13) ?
					   (unsigned int)uid : 2000);
	}
	if (a.err != expect_err)
		check(0, "%s: %s: %s (expected %s)", wp[w].label, what, res, ename(expect_err));
	else
		check(ok, "%s: %s: %s%s", wp[w].label, what, res, ok ? ", as expected" : "");
}

/* A worker's descriptor list ("0 1 2 3"): its socket and at most stdio, nothing else. */
static int only_stdio_and_socket(const char *list)
{
	int sock = 0, fd, n;

	while (sscanf(list, "%d%n", &fd, &n) == 1) {
		if (fd > WORKER_SOCK)
			return 0;
		sock |= fd == WORKER_SOCK;
		list += n;
	}
	return sock && !*list;
}

static int start_worker(int id, struct wproc *p, const char *self)
{
	struct timeval tv = { .tv_sec = 120 };
	char arg[16];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	snprintf(arg, sizeof(arg), "%d", id);
	fflush(stdout);
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		/* Without close-on-exec, the socket is all the worker inherits. */
		if (sv[1] == WORKER_SOCK ? !fcntl(sv[1], F_SETFD, 0) :
		    dup2(sv[1], WORKER_SOCK) == WORKER_SOCK)
			execl(self, "credo-demo", "--worker", arg, (char *)NULL);
		perror("credo-demo: starting a worker");
		_exit(127);
	}
	close(sv[1]);
	p->sock = sv[0];
	/* A worker that hangs fails the demo instead of stalling it. */
	setsockopt(p->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(p->label, sizeof(p->label), "worker %d", id);
	return 0;
}

static void write_file(const char *path, unsigned int uid, unsigned int gid, mode_t mode,
		       const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || fchown(fd, uid, gid) || fchmod(fd, mode) ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(path);
		exit(1);
	}
	close(fd);
}

static int part2(void)
{
	int handles[sizeof(users) / sizeof(users[0])];
	const int nusers = sizeof(users) / sizeof(users[0]);
	struct answer a;
	char path[64], text[64], link[64];
	int i, w, status;

	printf("\npart 2: a root broker mints one credential handle per user and hands them to %d worker processes with no privilege at all\n",
	       NPROCS);
	for (i = 0; i < nusers; i++) {
		snprintf(path, sizeof(path), "/srv/home/%s/secret.txt", users[i].name);
		snprintf(text, sizeof(text), "%s's secret\n", users[i].name);
		write_file(path, users[i].uid, users[i].gid, 0600, text);
	}

	for (w = 0; w < NPROCS; w++) {
		if (start_worker(w + 1, &wp[w], "/proc/self/exe")) {
			perror("credo-demo: worker");
			return 1;
		}
		if (ask(w, W_STATUS, 0, 0, NULL, &a))
			return 1;
		/* The label says what the worker is, as it reported. */
		if (!a.err && a.v[0] == NOBODY && !a.v[3] && !a.v[4] && !a.v[5] && !a.v[6] &&
		    !a.v[7])
			snprintf(wp[w].label, sizeof(wp[w].label),
				 "worker %d (uid %u, no capabilities)", w + 1, NOBODY);
		check(only_stdio_and_socket(a.text),
		      "worker %d: started holding descriptors %s (stdio, and its socket %d) and nothing else",
		      w + 1, a.text, WORKER_SOCK);
		check(!a.err && a.v[0] == NOBODY && a.v[1] == NOBODY && a.v[2] == 0,
		      "worker %d: dropped to uid %lld gid %lld, %lld supplementary groups%s%s", w + 1,
		      (long long)a.v[0], (long long)a.v[1], (long long)a.v[2],
		      a.err ? ": " : "", a.err ? ename(a.err) : "");
		check(!a.err && !a.v[3] && !a.v[4] && !a.v[5] && !a.v[6] && !a.v[7],
		      "worker %d: capabilities (capget): effective %#llx, permitted %#llx, inheritable %#llx; (/proc/self/status): ambient %#llx, bounding %#llx",
		      w + 1, (unsigned long long)a.v[3], (unsigned long long)a.v[4],
		      (unsigned long long)a.v[5], (unsigned long long)a.v[6],
		      (unsigned long long)a.v[7]);
		if (!ask(w, W_OPEN_DEV, 0, 0, NULL, &a))
			expect(w, "open /dev/credo", &a, EACCES);
	}

	for (i = 0; i < nusers; i++) {
		struct credo_ids ids = {
			.uid = users[i].uid,
			.gid = users[i].gid,
			.ngroups = users[i].ngroups,
			.groups = users[i].groups,
		};
		ssize_t n;

		handles[i] = credo_handle_mint(&ids);
		if (handles[i] < 0) {
			check(0, "broker (uid 0): mint a handle for %s: %s", users[i].name,
			      ename(-handles[i]));
			return 1;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", handles[i]);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = 0;
		check(!strcmp(link, "anon_inode:[credo-handle]"),
		      "broker (uid 0): minted a handle for %s (uid %u): descriptor %d, %s",
		      users[i].name, users[i].uid, handles[i], link);
	}

	/* Every worker gets every user's handle: any worker can serve any user. */
	for (w = 0; w < NPROCS; w++) {
		for (i = 0; i < nusers; i++) {
			char groups[32] = "";
			size_t k, n = 0;

			for (k = 0; k < users[i].ngroups; k++)
				n += snprintf(groups + n, sizeof(groups) - n, "%s%u", k ? "," : "",
					      users[i].groups[k]);
			memset(&a, 0, sizeof(a));
			a.err = -1;
			if (send(wp[w].sock, &(struct ask){ .op = W_TAKE }, sizeof(struct ask),
				 MSG_NOSIGNAL) == sizeof(struct ask) &&
			    !credo_handle_send(wp[w].sock, handles[i]) &&
			    recv(wp[w].sock, &a, sizeof(a), 0) != sizeof(a))
				a.err = -1;
			check(!a.err && a.v[0] == users[i].uid && a.v[1] == users[i].gid &&
			      a.v[2] == users[i].ngroups && a.v[3] && !strcmp(a.text, groups),
			      "%s: received a handle over its socket (SCM_RIGHTS); it carries uid %lld gid %lld groups %s (%s)",
			      wp[w].label, (long long)a.v[0], (long long)a.v[1],
			      a.text[0] ? a.text : "none", name_of(a.v[0]));
		}
	}

	/* Each user's requests, served by either worker as that user. */
	request(0, 1001, 0, "/srv/home/alice/secret.txt", 0);
	request(1, 1002, 0, "/srv/home/bob/secret.txt", 0);
	request(0, 1003, 0, "/srv/home/carol/secret.txt", 0);
	request(1, 1001, 1, "/srv/home/alice/reply.txt", 0);
	request(0, 1003, 1, "/srv/projects/agenda.txt", 0);
	request(1, 1003, 0, "/srv/projects/charter.txt", 0);
	/* Refused: another user's files, also while the worker runs as a user. */
	request(0, 1002, 0, "/srv/home/alice/secret.txt", EACCES);
	request(1, 1002, 0, "/srv/projects/charter.txt", EACCES);
	request(1, 1001, 1, "/srv/home/carol/intruder.txt", EACCES);
	request(0, -1, 0, "/srv/home/alice/secret.txt", EACCES);

	/* Refused: any identity it holds no handle for (root here), and revoking. */
	for (w = 0; w < NPROCS; w++) {
		if (!ask(w, W_SETRESUID, 0, 0, NULL, &a))
			expect(w, "become root: setresuid(0, 0, 0)", &a, EPERM);
		if (!ask(w, W_OVERRIDE, 0, 0, NULL, &a))
			expect(w, "become root: credo_override() (needs /dev/credo)", &a, EACCES);
		if (!ask(w, W_MINT, 0, 0, NULL, &a))
			expect(w, "mint a handle for root: credo_handle_mint() (needs /dev/credo)",
			       &a, EACCES);
		if (!ask(w, W_REVOKE, 1001, 0, NULL, &a))
			expect(w, "revoke alice's handle: credo_handle_revoke()", &a, EPERM);
	}

	/* The broker revokes bob's handle while worker 2 runs as bob. */
	if (!ask(1, W_ASSUME, 1002, 0, NULL, &a))
		expect(1, "assume bob's handle and stay bob", &a, 0);
	i = credo_handle_revoke(handles[1]);
	check(i == 0, "broker (uid 0): revoke bob's handle: %s (every copy of it: the broker's and both workers')",
	      ename(-i));
	if (!ask(1, W_CURRENT, 0, 0, "/srv/home/bob/secret.txt", &a))
		check(!a.err && a.v[0] == 1002,
		      "%s: still bob until it reverts: read /srv/home/bob/secret.txt: %s%s%s%s",
		      wp[1].label, ename(a.err), a.err ? "" : " (\"", a.err ? "" : a.text,
		      a.err ? "" : "\")");
	if (!ask(1, W_REVERT, 1002, 0, NULL, &a))
		check(!a.err && a.v[0] == NOBODY,
		      "%s: revert through bob's revoked handle: %s, uid %lld again", wp[1].label,
		      ename(a.err), (long long)a.v[0]);
	request(1, 1002, 0, "/srv/home/bob/secret.txt", EKEYREVOKED);
	request(0, 1002, 0, "/srv/home/bob/secret.txt", EKEYREVOKED);
	request(0, 1001, 0, "/srv/home/alice/secret.txt", 0);

	for (w = 0; w < NPROCS; w++) {
		ask(w, W_EXIT, 0, 0, NULL, &a);
		close(wp[w].sock);
		if (waitpid(wp[w].pid, &status, 0) != wp[w].pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			check(0, "worker %d: did not exit cleanly (status %#x)", w + 1, status);
	}
	for (i = 0; i < nusers; i++)
		close(handles[i]);
	printf("part 2: %s\n", bad2 ? "FAILED" :
	       "the workers served each user as that user, through its handle, and were refused everything else");
	return bad2;
}

int main(int argc, char **argv)
{
	int bad, fd;

	if (argc == 3 && !strcmp(argv[1], "--worker"))
		return worker_main(atoi(argv[2]));

	fd = credo_fd();
	if (fd < 0) {
		fprintf(stderr, "credo: %s\n", credo_strerror(fd));
		return 1;
	}
	mkdir_owned("/srv", 0, 0, 0755);
	mkdir_owned("/srv/home", 0, 0, 0755);
	mkdir_owned("/srv/home/alice", 1001, 1001, 0700);
	mkdir_owned("/srv/home/bob", 1002, 1002, 0700);
	mkdir_owned("/srv/home/carol", 1003, 1003, 0700);
	mkdir_owned("/srv/projects", 0, 2000, 02770);
	write_file("/srv/secret.txt", 0, 0, 0600, "root's secret\n");
	/* Readable through the projects group only; made before the workers start, so reads never race a create. */
	write_file("/srv/projects/charter.txt", 1001, 2000, 0640, "the projects charter\n");

	bad = part1();
	bad |= part2();
	printf("\ndemo: %s\n", bad ? "FAILED" :
	       "every request ran as its user; the unprivileged workers could do nothing else");
	return bad;
}

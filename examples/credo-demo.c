// SPDX-License-Identifier: GPL-2.0
/*
 * credo-demo: a tiny threaded "file server" that serves requests for several users at once.
 *
 * A pool of worker threads takes requests from one queue. For each request a worker switches
 * its own thread to the requesting user with libcredo's credo_override() (one
 * CREDO_IOC_OVERRIDE), does the file operation the kernel then judges as that user, and
 * switches back with credo_revert(). The other
 * workers keep serving other users meanwhile. At the end the demo prints what happened and
 * checks it: who owns each created file, which requests the kernel refused, and that identical
 * identities shared one credential in credo's table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
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

int main(void)
{
	pthread_t t[NWORKERS];
	unsigned int i;
	long entries1, hits0, hits1, misses0, misses1;
	int bad = 0, fd;

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
	fd = open("/srv/secret.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("/srv/secret.txt");
		return 1;
	}
	close(fd);
	/* Readable through the projects group only; made before the workers start, so reads never race a create. */
	fd = open("/srv/projects/charter.txt", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0 || fchown(fd, 1001, 2000) || fchmod(fd, 0640)) {
		perror("/srv/projects/charter.txt");
		return 1;
	}
	close(fd);

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
	printf("%s\n", bad ? "demo: FAILED" : "demo: every request ran as its user");
	return bad;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Sequence fuzzer (issue 13): several processes, forked before any override, with several
 * threads each; every thread runs a random (seeded) sequence of overrides (identities from a
 * small set, random groups, sometimes CREDO_CRED_CAPS with subsets of its own capabilities; a
 * third of them through a credential handle minted for the descriptor and assumed, issue 14,
 * some of those revoked first, which must give EKEYREVOKED and change nothing), reverts, CREDO_IOC_GET, every gated credential call, fork/vfork/clone/clone3/posix_spawn and
 * execve/execveat, thread creation (and exit while overridden), unshare/setns, keyctl, prctl,
 * io_uring submissions, file creation and thread keyrings, and checks every result against what
 * the docs allow (brief section 4, docs/semantics.md):
 *
 *   - while overridden: each gated call, fork and exec fail with EBUSY and change nothing; a
 *     new thread starts with the creator's own ids, not overridden; files (also through
 *     io_uring, inline and io-wq) belong to the override's fsuid:fsgid; GET reports exactly
 *     what was installed; capget() and /proc report the thread's own (objective) ids;
 *   - not overridden: the same calls done harmlessly succeed (a real child exits at once and
 *     is reaped), files belong to the thread's own ids;
 *   - always: every task of the process (io-wq workers included) has the own ids in /proc;
 *   - thread keyrings (the first thread of each process): created on demand when not
 *     overridden; while overridden, creating one is EBUSY, and once the own cred has one,
 *     pthread_create is EBUSY, and so is the start of a new io-wq worker: what then happens to
 *     an io_uring request depends on the kernel's io-wq (cancelled with ECANCELED, or queued
 *     for a worker that already exists, completing later), so no request is submitted there.
 *
 * Bounded by count and time: SEQ_OPS operations per thread or SEQ_SECONDS, whichever comes
 * first (CREDO_SEQUENCE_LONG=1: SEQ_LONG_OPS, SEQ_LONG_SECONDS). CREDO_SEQUENCE_SEED=N repeats
 * a run's sequences. At the end: no live override (live_overrides back to its baseline), cred
 * objects back to the baseline once unused entries are evicted, and the counters agree with
 * the overrides made (hits + misses, entries = misses - evictions).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
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
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/credo.h>

#include "credo_harness.h"
#include "credo_test.h"
#include "uring.h"

#define SEQ_PROCS		3
#define SEQ_THREADS		3
#define SEQ_OPS			2500		/* per thread */
#define SEQ_SECONDS		10
#define SEQ_LONG_PROCS		4
#define SEQ_LONG_THREADS	4
#define SEQ_LONG_OPS		200000
#define SEQ_LONG_SECONDS	30
#define SEQ_MAX_PROCS		4
#define SEQ_MAX_THREADS		4
#define SEQ_MSGS		4		/* failure messages kept per thread */
#define SEQ_CRED_SLACK		16
#define SEQ_EXEC_ESCAPED	42		/* exit status of an exec that got through */
#define SEQ_MAX_GROUPS		8

enum op {
	OP_OVERRIDE, OP_REVERT, OP_GET, OP_GATED, OP_FORK, OP_EXEC, OP_THREAD, OP_SCAN,
	OP_URING, OP_FILE, OP_KEYCTL, OP_PRCTL, OP_NS, OP_CAPGET, OP_TKEYRING, OP_N
};

static const char * const op_name[OP_N] = {
	"override", "revert", "get", "gated", "fork", "exec", "thread", "proc-scan",
	"io_uring", "file", "keyctl", "prctl", "unshare/setns", "capget", "thread-keyring",
};

/* Relative frequency of each operation. */
static const int op_weight[OP_N] = {
	18, 8, 5, 14, 8, 5, 7, 3, 6, 7, 3, 3, 4, 2, 1,
};

/* What one thread did, in memory shared with the test process (an exec may end the worker). */
struct slot {
	long ops[OP_N];
	long fails_by_op[OP_N];
	long fails;
	long overrides;		/* successful CREDO_IOC_OVERRIDE and _ASSUME calls, sub-threads included */
	long assumes;		/* of them, through a handle */
	long assume_refused;	/* ASSUMEs of a revoked handle, refused with EKEYREVOKED */
	long overridden_ops;	/* operations done while overridden */
	long children;		/* real children forked, exec'd and reaped */
	long refused;		/* fork/exec attempts refused with EBUSY */
	long uring_files, files, threads;
	long uring_refused;	/* io_uring requests not submitted: no io-wq worker could start */
	long threads_refused;	/* pthread_create refused: own cred with a thread keyring */
	int uring_err;		/* why io_uring was skipped, or 0 */
	int done;
	int nmsg;
	char msg[SEQ_MSGS][256];
};

struct shared {
	long long deadline_ns;
	long max_ops;
	struct slot slot[SEQ_MAX_PROCS][SEQ_MAX_THREADS];
};

/* An expected subjective state: the thread's own, or an override's. */
struct state {
	__u32 uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
	__u32 ngroups;
	__u32 groups[SEQ_MAX_GROUPS];	/* sorted ascending */
	__u64 eff, perm, inh, amb;
};

/* The threads' own credentials, read once by the test process before it forks. */
static struct state own;
static int own_keepcaps, own_securebits, own_bset_chown;
static __u64 own_bset;
static struct shared *sh;
static char seq_dir[] = "/tmp/credo-seq-XXXXXX";
static char self_exe[PATH_MAX];
static int uts_fd = -1, userns_fd = -1;

/* ---- small helpers -------------------------------------------------------------------- */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

struct seq_thread;
static void seq_fail(struct seq_thread *t, enum op op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One worker thread's context. */
struct seq_thread {
	int proc, idx;
	uint64_t rng;
	struct slot *slot;
	struct state cur;	/* what GET must report */
	bool overridden;
	long serial;		/* for file names */
	/*
	 * Thread keyrings (the first thread of each process only): once the own cred
	 * carries one, thread creation while overridden is refused with EBUSY.
	 */
	bool has_tkr;		/* the own cred has a thread keyring */
	bool ovr_has_tkr;	/* the override was built from an own cred that had it */
	long tkr_id;
	struct credo_ring ring;	/* io_uring, raw (uring.h) */
};

static void seq_fail(struct seq_thread *t, enum op op, const char *fmt, ...)
{
	struct slot *s = t->slot;
	va_list ap;
	int n;

	s->fails++;
	s->fails_by_op[op]++;
	if (s->nmsg >= SEQ_MSGS)
		return;
	n = snprintf(s->msg[s->nmsg], sizeof(s->msg[0]), "[%s%s] ", op_name[op],
		     t->overridden ? ", overridden" : "");
	va_start(ap, fmt);
	vsnprintf(s->msg[s->nmsg] + n, sizeof(s->msg[0]) - n, fmt, ap);
	va_end(ap);
	s->nmsg++;
}

static unsigned int rnd(struct seq_thread *t, unsigned int n)
{
	return (unsigned int)(next_rand(&t->rng) % n);
}

/* ---- the thread's state as the kernel reports it ------------------------------------- */

static void describe_caps(char *buf, size_t len, const char *what, __u64 got, __u64 want)
{
	snprintf(buf, len, "%s 0x%llx, expected 0x%llx", what, (unsigned long long)got,
		 (unsigned long long)want);
}

/*
 * Compares GET, getres[ug]id and getgroups with t->cur and the override flag; 0 if all
 * match, else -1 after one failure naming the first difference.
 */
static int check_state(struct seq_thread *t, enum op op, const char *when)
{
	struct credo_cred c;
	__u32 groups[SEQ_MAX_GROUPS * 2], ids[3] = { 0 };
	struct state *e = &t->cur;
	char what[160] = "";
	int r, n;

	r = credo_get(dev_fd, &c, groups, SEQ_MAX_GROUPS * 2);
	if (r) {
		seq_fail(t, op, "%s: GET failed: %s", when, strerror(-r));
		return -1;
	}
	if (!(c.flags & CREDO_CRED_OVERRIDDEN) != !t->overridden)
		snprintf(what, sizeof(what), "GET flags 0x%x: OVERRIDDEN %s", c.flags,
			 t->overridden ? "missing" : "set without an override");
	else if (c.uid != e->uid || c.euid != e->euid || c.suid != e->suid || c.fsuid != e->fsuid)
		snprintf(what, sizeof(what), "GET uids %u/%u/%u/%u, expected %u/%u/%u/%u", c.uid,
			 c.euid, c.suid, c.fsuid, e->uid, e->euid, e->suid, e->fsuid);
	else if (c.gid != e->gid || c.egid != e->egid || c.sgid != e->sgid || c.fsgid != e->fsgid)
		snprintf(what, sizeof(what), "GET gids %u/%u/%u/%u, expected %u/%u/%u/%u", c.gid,
			 c.egid, c.sgid, c.fsgid, e->gid, e->egid, e->sgid, e->fsgid);
	else if (c.ngroups != e->ngroups || memcmp(groups, e->groups, e->ngroups * 4))
		snprintf(what, sizeof(what),
			 "GET reports %u groups (first %u), expected %u (first %u)", c.ngroups,
			 c.ngroups ? groups[0] : 0, e->ngroups, e->ngroups ? e->groups[0] : 0);
	else if (!(c.flags & CREDO_CRED_CAPS))
		snprintf(what, sizeof(what), "GET flags 0x%x: no CREDO_CRED_CAPS for size %u",
			 c.flags, c.size);
	else if (c.cap_effective != e->eff)
		describe_caps(what, sizeof(what), "GET effective", c.cap_effective, e->eff);
	else if (c.cap_permitted != e->perm)
		describe_caps(what, sizeof(what), "GET permitted", c.cap_permitted, e->perm);
	else if (c.cap_inheritable != e->inh)
		describe_caps(what, sizeof(what), "GET inheritable", c.cap_inheritable, e->inh);
	else if (c.cap_ambient != e->amb)
		describe_caps(what, sizeof(what), "GET ambient", c.cap_ambient, e->amb);
	if (what[0]) {
		seq_fail(t, op, "%s: %s", when, what);
		return -1;
	}
	if (raw_getresuid(ids) || ids[0] != e->uid || ids[1] != e->euid || ids[2] != e->suid) {
		seq_fail(t, op, "%s: getresuid %u/%u/%u, expected %u/%u/%u", when, ids[0], ids[1],
			 ids[2], e->uid, e->euid, e->suid);
		return -1;
	}
	if (raw_getresgid(ids) || ids[0] != e->gid || ids[1] != e->egid || ids[2] != e->sgid) {
		seq_fail(t, op, "%s: getresgid %u/%u/%u, expected %u/%u/%u", when, ids[0], ids[1],
			 ids[2], e->gid, e->egid, e->sgid);
		return -1;
	}
	n = raw_getgroups(SEQ_MAX_GROUPS * 2, groups);
	if (n >= 0)
		qsort(groups, n, sizeof(__u32), cmp_u32);
	if (n != (int)e->ngroups || memcmp(groups, e->groups, e->ngroups * 4)) {
		seq_fail(t, op, "%s: getgroups gives %d groups, expected %u", when, n, e->ngroups);
		return -1;
	}
	return 0;
}

/* Uid:/Gid:/Groups: of one task of this process must be the own ids; 0, 1 if gone, -1. */
static int check_task_ids(struct seq_thread *t, enum op op, pid_t tid, const char *who)
{
	__u32 uid[4], gid[4], groups[SEQ_MAX_GROUPS * 2];
	char path[96], comm[32] = "?";
	int i, n, fd;

	n = proc_status_ids(tid, "Uid:", uid, 4);
	if (n == -ENOENT || n == -ESRCH)
		return 1;
	if (n == 4)
		n = proc_status_ids(tid, "Gid:", gid, 4);
	if (n == -ENOENT || n == -ESRCH)
		return 1;
	if (n != 4) {
		seq_fail(t, op, "%s %d: cannot read its ids in /proc: %d", who, tid, n);
		return -1;
	}
	for (i = 0; i < 4; i++)
		if (uid[i] != own.uid || gid[i] != own.gid)
			break;
	if (i == 4) {
		n = proc_status_ids(tid, "Groups:", groups, SEQ_MAX_GROUPS * 2);
		if (n < 0)
			return 1;
		qsort(groups, n, sizeof(__u32), cmp_u32);
		if (n == (int)own.ngroups && !memcmp(groups, own.groups, n * 4))
			return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n - 1 : 0] = 0;
		close(fd);
	}
	seq_fail(t, op, "%s %d (%s) runs with Uid %u %u %u %u Gid %u %u %u %u in /proc, "
		 "expected the own ids %u/%u", who, tid, comm, uid[0], uid[1], uid[2], uid[3],
		 gid[0], gid[1], gid[2], gid[3], own.uid, own.gid);
	return -1;
}

/* Every task of the process, io-wq workers included, has the own ids. */
static void op_scan(struct seq_thread *t, enum op op)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/task");

	if (!dir) {
		seq_fail(t, op, "opendir /proc/self/task: %s", strerror(errno));
		return;
	}
	while ((d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);

		if (tid > 0 && check_task_ids(t, op, tid, "task") < 0)
			break;
	}
	closedir(dir);
}

/* ---- overrides ------------------------------------------------------------------------ */

static const __u32 uid_set[] = { 0, 1000, 1001, 1002, 65534 };
static const __u32 gid_set[] = { 0, 1000, 1001, 2000, 65534 };
static const __u32 group_set[] = { 100, 1000, 2000, 2001, 2002, 65534 };
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static __u32 pick(struct seq_thread *t, const __u32 *set, unsigned int n, __u32 base)
{
	return rnd(t, 10) < 7 ? base : set[rnd(t, n)];
}

/*
 * The capabilities an override without CREDO_CRED_CAPS gets from the own (root) ones: what
 * setresuid(r, e, s) and then setfsuid(fs) would leave (capabilities(7)).
 */
static void derive_caps(struct state *s)
{
	__u64 perm = own.perm, eff = own.eff, amb = own.amb;

	/* With SECBIT_NO_SETUID_FIXUP nothing changes; SECBIT_KEEP_CAPS is own_keepcaps. */
	if (own_securebits & SECBIT_NO_SETUID_FIXUP) {
		s->eff = own.eff;
		s->perm = own.perm;
		s->inh = own.inh;
		s->amb = own.amb;
		return;
	}
	if (s->uid && s->euid && s->suid) {
		if (!own_keepcaps) {
			perm = 0;
			eff = 0;
		}
		amb = 0;
	}
	if (s->euid)
		eff = 0;
	if (!s->euid && s->fsuid)
		eff &= ~CREDO_CAP_FS_SET;
	if (s->euid && !s->fsuid)
		eff |= perm & CREDO_CAP_FS_SET;
	s->eff = eff;
	s->perm = perm;
	s->inh = own.inh;
	s->amb = amb;
}

static __u64 rnd_mask(struct seq_thread *t)
{
	switch (rnd(t, 4)) {
	case 0:
		return 0;
	case 1:
		return ~0ULL;
	default:
		return next_rand(&t->rng);
	}
}

/*
 * The override of @c through a handle: mint it (judged on the own credentials, also while
 * overridden), sometimes check HANDLE_GET, sometimes revoke it first (ASSUME is then
 * EKEYREVOKED and nothing changes), assume it, close it (the override stays).  0 if the
 * thread now runs as @s; -1 if not (a failure recorded, or the planned refusal checked).
 */
static int handle_override(struct seq_thread *t, const struct credo_cred *c,
			   const struct state *s)
{
	struct credo_cred g;
	__u32 groups[SEQ_MAX_GROUPS * 2], want[SEQ_MAX_GROUPS];
	int h, r, ret = -1;
	unsigned int i, n;

	h = ioctl(dev_fd, CREDO_IOC_HANDLE, c);
	if (h < 0) {
		seq_fail(t, OP_OVERRIDE, "HANDLE for uid %u/%u/%u/%u, %u groups, flags 0x%x: %s",
			 s->uid, s->euid, s->suid, s->fsuid, s->ngroups, c->flags,
			 strerror(errno));
		return -1;
	}
	if (rnd(t, 4) == 0) {
		memset(&g, 0, sizeof(g));
		g.size = sizeof(g);
		g.ngroups = SEQ_MAX_GROUPS * 2;
		g.groups = (uintptr_t)groups;
		memcpy(want, s->groups, s->ngroups * sizeof(__u32));
		qsort(want, s->ngroups, sizeof(__u32), cmp_u32);
		n = s->ngroups;
		r = ioctl(h, CREDO_IOC_HANDLE_GET, &g) ? -errno : 0;
		for (i = 0; !r && i < n && i < g.ngroups; i++)
			if (groups[i] != want[i])
				break;
		if (r || g.uid != s->uid || g.euid != s->euid || g.suid != s->suid ||
		    g.fsuid != s->fsuid || g.gid != s->gid || g.egid != s->egid ||
		    g.sgid != s->sgid || g.fsgid != s->fsgid || g.ngroups != n || i != n ||
		    (g.flags & ~CREDO_CRED_CAPS) ||
		    !(g.flags & CREDO_CRED_CAPS) != !(c->flags & CREDO_CRED_CAPS))
			seq_fail(t, OP_OVERRIDE, "HANDLE_GET (%s): uid %u euid %u gid %u, %u groups, "
				 "flags 0x%x; minted uid %u euid %u gid %u, %u groups, flags 0x%x",
				 r ? strerror(-r) : "0", g.uid, g.euid, g.gid, g.ngroups, g.flags,
				 s->uid, s->euid, s->gid, n, c->flags);
	}
	if (rnd(t, 8) == 0) {
		r = ioctl(h, CREDO_IOC_REVOKE) ? -errno : 0;
		if (r) {
			seq_fail(t, OP_OVERRIDE, "REVOKE: %s", strerror(-r));
			goto out;
		}
		r = ioctl(h, CREDO_IOC_ASSUME) ? -errno : 0;
		if (r != -EKEYREVOKED)
			seq_fail(t, OP_OVERRIDE, "ASSUME of a revoked handle: %s, expected "
				 "EKEYREVOKED", r ? strerror(-r) : "0 (it worked)");
		if (!r) {	/* it worked after all: that is the state now */
			t->slot->overrides++;
			t->slot->assumes++;
			t->cur = *s;
			qsort(t->cur.groups, t->cur.ngroups, sizeof(__u32), cmp_u32);
			t->overridden = true;
			t->ovr_has_tkr = t->has_tkr;
		} else {
			t->slot->assume_refused++;
		}
		check_state(t, OP_OVERRIDE, "after an ASSUME of a revoked handle");
		goto out;
	}
	r = ioctl(h, CREDO_IOC_ASSUME) ? -errno : 0;
	if (r) {
		seq_fail(t, OP_OVERRIDE, "ASSUME of a handle for uid %u/%u/%u/%u gid %u/%u/%u/%u, "
			 "%u groups, flags 0x%x: %s", s->uid, s->euid, s->suid, s->fsuid, s->gid,
			 s->egid, s->sgid, s->fsgid, s->ngroups, c->flags, strerror(-r));
		goto out;
	}
	t->slot->assumes++;
	ret = 0;
out:
	close(h);
	return ret;
}

static void op_override(struct seq_thread *t)
{
	struct state s;
	struct credo_cred c;
	__u32 pool[N_OF(group_set)];
	unsigned int i, n;
	int r;

	memset(&s, 0, sizeof(s));
	s.uid = uid_set[rnd(t, N_OF(uid_set))];
	s.euid = pick(t, uid_set, N_OF(uid_set), s.uid);
	s.suid = pick(t, uid_set, N_OF(uid_set), s.uid);
	s.fsuid = pick(t, uid_set, N_OF(uid_set), s.euid);
	s.gid = gid_set[rnd(t, N_OF(gid_set))];
	s.egid = pick(t, gid_set, N_OF(gid_set), s.gid);
	s.sgid = pick(t, gid_set, N_OF(gid_set), s.gid);
	s.fsgid = pick(t, gid_set, N_OF(gid_set), s.egid);
	/* A random subset of group_set in random order: shuffle, take the first n. */
	memcpy(pool, group_set, sizeof(pool));
	for (i = N_OF(pool) - 1; i > 0; i--) {
		unsigned int j = rnd(t, i + 1);
		__u32 x = pool[i];

		pool[i] = pool[j];
		pool[j] = x;
	}
	n = rnd(t, 5);
	memcpy(s.groups, pool, n * sizeof(__u32));
	s.ngroups = n;
	credo_cred_init(&c, 0, 0, s.groups, n);
	c.uid = s.uid, c.euid = s.euid, c.suid = s.suid, c.fsuid = s.fsuid;
	c.gid = s.gid, c.egid = s.egid, c.sgid = s.sgid, c.fsgid = s.fsgid;
	if (rnd(t, 4) == 0) {
		/* Subsets of the own sets: never a gain. */
		s.perm = own.perm & rnd_mask(t);
		s.eff = s.perm & rnd_mask(t);
		s.inh = own.perm & own_bset & rnd_mask(t);
		s.amb = s.perm & s.inh & rnd_mask(t);
		credo_cred_caps(&c, s.eff, s.perm, s.inh, s.amb);
	} else {
		derive_caps(&s);
	}
	if (rnd(t, 3) == 0) {
		if (handle_override(t, &c, &s))
			return;
	} else {
		r = credo_override(dev_fd, &c);
		if (r) {
			seq_fail(t, OP_OVERRIDE, "OVERRIDE to uid %u/%u/%u/%u gid %u/%u/%u/%u, %u "
				 "groups, flags 0x%x: %s", s.uid, s.euid, s.suid, s.fsuid, s.gid,
				 s.egid, s.sgid, s.fsgid, n, c.flags, strerror(-r));
			return;
		}
	}
	t->slot->overrides++;
	t->ovr_has_tkr = t->has_tkr;
	qsort(s.groups, n, sizeof(__u32), cmp_u32);
	t->cur = s;
	t->overridden = true;
	check_state(t, OP_OVERRIDE, "after OVERRIDE");
}

static void op_revert(struct seq_thread *t)
{
	int r = credo_revert(dev_fd);

	if (r) {
		seq_fail(t, OP_REVERT, "REVERT: %s", strerror(-r));
		return;
	}
	t->cur = own;
	t->overridden = false;
	check_state(t, OP_REVERT, "after REVERT");
}

/* ---- gated calls ------------------------------------------------------------------------ */

static long gated_call(struct seq_thread *t, int which, bool harmless, const char **name)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	gid_t g[SEQ_MAX_GROUPS];
	unsigned int i;

	switch (which) {
	case 0:
		*name = "setuid(own uid)";
		return syscall(SYS_setuid, own.uid);
	case 1:
		*name = "setresuid(-1, -1, -1)";
		return syscall(SYS_setresuid, -1, -1, -1);
	case 2:
		*name = "setgroups(own groups)";
		for (i = 0; i < own.ngroups; i++)
			g[i] = own.groups[i];
		return syscall(SYS_setgroups, own.ngroups, g);
	case 3:
		*name = "capset(own sets)";
		d[0].effective = (__u32)own.eff;
		d[1].effective = (__u32)(own.eff >> 32);
		d[0].permitted = (__u32)own.perm;
		d[1].permitted = (__u32)(own.perm >> 32);
		d[0].inheritable = (__u32)own.inh;
		d[1].inheritable = (__u32)(own.inh >> 32);
		return syscall(SYS_capset, &h, d);
	case 4:
		*name = "prctl(PR_SET_KEEPCAPS, own value)";
		return prctl(PR_SET_KEEPCAPS, own_keepcaps, 0, 0, 0);
	case 5:
		*name = "keyctl(KEYCTL_JOIN_SESSION_KEYRING)";
		/* It would give the thread a new session keyring: only tried while overridden. */
		if (harmless)
			return -2;
		return syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
	case 6:
		/* Refused anyway in a multi-threaded process (EINVAL) when not overridden. */
		*name = "unshare(CLONE_NEWUSER)";
		return syscall(SYS_unshare, CLONE_NEWUSER);
	default:
		/* Joining the own user namespace again is EINVAL when not overridden. */
		*name = "setns(own user namespace)";
		return syscall(SYS_setns, userns_fd, CLONE_NEWUSER);
	}
}

#define GATED_CALLS 8

static void op_gated(struct seq_thread *t)
{
	int which = rnd(t, GATED_CALLS), err;
	const char *name = "?";
	long rc;

	errno = 0;
	rc = gated_call(t, which, !t->overridden, &name);
	err = errno;
	if (rc == -2)
		return;
	if (t->overridden) {
		if (rc != -1 || err != EBUSY)
			seq_fail(t, OP_GATED, "%s returned %ld (%s), expected -1/EBUSY", name, rc,
				 rc < 0 ? strerror(err) : "no error");
	} else if (which >= 6) {
		if (rc != -1 || err != EINVAL)
			seq_fail(t, OP_GATED, "%s returned %ld (%s), expected -1/EINVAL", name, rc,
				 rc < 0 ? strerror(err) : "no error");
	} else if (rc != 0) {
		seq_fail(t, OP_GATED, "%s returned %ld (%s), expected 0", name, rc, strerror(err));
	}
	check_state(t, OP_GATED, name);
}

/* ---- fork and exec ---------------------------------------------------------------------- */

struct seq_clone_args {
	__u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static char arg_child[] = "--sequence-child";
static char arg_escaped[] = "--sequence-exec-escaped";

/* Reaps a child that must exit 0 at once. */
static void reap(struct seq_thread *t, enum op op, pid_t pid, const char *how)
{
	int status = 0;

	if (waitpid(pid, &status, __WALL) != pid) {
		seq_fail(t, op, "%s: waitpid(%d): %s", how, pid, strerror(errno));
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		seq_fail(t, op, "%s: child %d ended with status 0x%x, expected exit 0", how, pid,
			 status);
}

static void op_fork(struct seq_thread *t)
{
	static const char * const how_name[] = {
		"fork()", "vfork()", "clone(SIGCHLD)", "clone3()", "posix_spawn()",
	};
	char *argv[] = { self_exe, arg_child, NULL };
	struct seq_clone_args ca = { .exit_signal = SIGCHLD };
	int how = rnd(t, 5), err = 0;
	pid_t pid = -1;

	switch (how) {
	case 0:
		pid = fork();
		if (pid == 0)
			_exit(0);
		err = errno;
		break;
	case 1:
		pid = vfork();
		if (pid == 0)
			_exit(0);
		err = errno;
		break;
	case 2:
		pid = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
		if (pid == 0)
			syscall(SYS_exit_group, 0);
		err = errno;
		break;
	case 3:
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0)
			syscall(SYS_exit_group, 0);
		err = errno;
		if (pid < 0 && err == ENOSYS)
			return;		/* a kernel without clone3 */
		break;
	default:
		err = posix_spawn(&pid, self_exe, NULL, NULL, argv, environ);
		if (err)
			pid = -1;
		break;
	}
	if (t->overridden) {
		if (pid > 0) {
			seq_fail(t, OP_FORK, "%s created child %d, expected EBUSY", how_name[how],
				 pid);
			reap(t, OP_FORK, pid, how_name[how]);
		} else if (err != EBUSY) {
			seq_fail(t, OP_FORK, "%s failed with %s, expected EBUSY", how_name[how],
				 strerror(err));
		} else {
			t->slot->refused++;
		}
	} else if (pid > 0) {
		reap(t, OP_FORK, pid, how_name[how]);
		t->slot->children++;
	} else {
		seq_fail(t, OP_FORK, "%s failed with %s, expected a child", how_name[how],
			 strerror(err));
	}
	check_state(t, OP_FORK, how_name[how]);
}

static void op_exec(struct seq_thread *t)
{
	char *argv[] = { self_exe, arg_escaped, NULL };
	char *cargv[] = { self_exe, arg_child, NULL };
	bool at = rnd(t, 2);
	const char *name = at ? "execveat()" : "execve()";
	long rc;
	pid_t pid;
	int err;

	if (!t->overridden) {
		/* A real exec, in a child that exits at once. */
		pid = fork();
		if (pid == 0) {
			if (at)
				syscall(SYS_execveat, AT_FDCWD, self_exe, cargv, environ, 0);
			else
				execve(self_exe, cargv, environ);
			_exit(127);
		}
		if (pid < 0) {
			seq_fail(t, OP_EXEC, "fork for %s: %s", name, strerror(errno));
			return;
		}
		reap(t, OP_EXEC, pid, name);
		t->slot->children++;
		return;
	}
	/* If this exec got through, the program ends the worker with SEQ_EXEC_ESCAPED. */
	errno = 0;
	if (at)
		rc = syscall(SYS_execveat, AT_FDCWD, self_exe, argv, environ, 0);
	else
		rc = execve(self_exe, argv, environ);
	err = errno;
	if (rc != -1 || err != EBUSY)
		seq_fail(t, OP_EXEC, "%s in the overridden thread failed with %s, expected EBUSY",
			 name, strerror(err));
	else
		t->slot->refused++;
	check_state(t, OP_EXEC, name);
}

/* ---- threads ---------------------------------------------------------------------------- */

struct child_thread {
	struct seq_thread *parent;
	uint64_t rng;
	int get_err, overrode;
	__u32 get_flags, get_euid, euid;
};

static void *child_thread_main(void *arg)
{
	struct child_thread *c = arg;
	struct seq_thread *t = c->parent;
	struct credo_cred g;
	__u32 groups[SEQ_MAX_GROUPS * 2];

	/* Reported by the new thread itself: /proc, GET and geteuid(). */
	check_task_ids(t, OP_THREAD, raw_gettid(), "a thread created here, in /proc");
	c->get_err = credo_get(dev_fd, &g, groups, SEQ_MAX_GROUPS * 2);
	c->get_flags = g.flags;
	c->get_euid = g.euid;
	c->euid = (__u32)syscall(SYS_geteuid);
	/* A thread that is root of its own sometimes exits overridden. */
	if (!c->get_err && !(g.flags & CREDO_CRED_OVERRIDDEN) && c->euid == own.euid &&
	    next_rand(&c->rng) % 2) {
		__u32 grp = 2000 + next_rand(&c->rng) % 3;

		c->overrode = credo_override_as(1000 + next_rand(&c->rng) % 3, 2000, &grp, 1);
		c->overrode = c->overrode ? c->overrode : 1;
	}
	return NULL;
}

static void op_thread(struct seq_thread *t)
{
	struct child_thread c = { .parent = t, .rng = next_rand(&t->rng) };
	pthread_t th;
	int r;

	r = pthread_create(&th, NULL, child_thread_main, &c);
	if (t->overridden && t->has_tkr) {
		/* The one documented refusal: the creator's own cred has a thread keyring. */
		if (!r) {
			pthread_join(th, NULL);
			seq_fail(t, OP_THREAD, "pthread_create succeeded, expected EBUSY (the own "
				 "cred has a thread keyring)");
		} else if (r != EBUSY) {
			seq_fail(t, OP_THREAD, "pthread_create: %s, expected EBUSY (the own cred "
				 "has a thread keyring)", strerror(r));
		} else {
			t->slot->threads_refused++;
		}
		check_state(t, OP_THREAD, "after a refused pthread_create");
		return;
	}
	if (r) {
		seq_fail(t, OP_THREAD, "pthread_create: %s", strerror(r));
		return;
	}
	pthread_join(th, NULL);
	t->slot->threads++;
	if (c.get_err)
		seq_fail(t, OP_THREAD, "GET in the new thread: %s", strerror(-c.get_err));
	else if (c.get_flags & CREDO_CRED_OVERRIDDEN)
		seq_fail(t, OP_THREAD, "the new thread is overridden (GET euid %u)", c.get_euid);
	else if (c.get_euid != own.euid || c.euid != own.euid)
		seq_fail(t, OP_THREAD, "the new thread runs as euid %u (GET %u), expected the "
			 "creator's own %u", c.euid, c.get_euid, own.euid);
	if (c.overrode == 1)
		t->slot->overrides++;
	else if (c.overrode)
		seq_fail(t, OP_THREAD, "OVERRIDE in the new thread: %s", strerror(-c.overrode));
	/* The creator is as it was. */
	check_state(t, OP_THREAD, "after pthread_create");
}

/* ---- io_uring and files ------------------------------------------------------------------ */

/* The file at path (fd open on it) belongs to the current fsuid:fsgid; it is removed. */
static void check_owner(struct seq_thread *t, enum op op, const char *how, int fd,
			const char *path)
{
	struct stat st;

	if (fstat(fd, &st))
		seq_fail(t, op, "%s: fstat: %s", how, strerror(errno));
	else if (st.st_uid != t->cur.fsuid || st.st_gid != t->cur.fsgid)
		seq_fail(t, op, "%s: the file belongs to %u:%u, expected fsuid:fsgid %u:%u", how,
			 st.st_uid, st.st_gid, t->cur.fsuid, t->cur.fsgid);
	close(fd);
	unlink(path);
}

/*
 * An openat with O_CREAT always runs in an io-wq worker (the inline attempt gives it up at
 * once), with or without IOSQE_ASYNC.
 */
static void op_uring(struct seq_thread *t)
{
	bool async = rnd(t, 2);
	const char *how = async ? "io_uring openat (IOSQE_ASYNC)" : "io_uring openat";
	char path[256];
	int fd;

	if (t->ring.fd < 0)
		return;
	if (t->overridden && t->has_tkr) {
		/*
		 * No new io-wq worker may start (a worker is a thread, and the own cred has a
		 * thread keyring: EBUSY, see op_thread). io-wq then cancels the request (6.1)
		 * or queues it for a worker that exists already, to complete later (6.12):
		 * not a result to check, and a late completion would confuse the ring.
		 */
		t->slot->uring_refused++;
		return;
	}
	snprintf(path, sizeof(path), "%s/u%d.%d.%ld", seq_dir, t->proc, t->idx, t->serial++);
	fd = credo_ring_openat(&t->ring, path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600,
			       async ? IOSQE_ASYNC : 0);
	if (fd < 0) {
		seq_fail(t, OP_URING, "%s: %s", how, strerror(-fd));
		return;
	}
	check_owner(t, OP_URING, how, fd, path);
	t->slot->uring_files++;
	/* The io-wq worker that ran it, created now or before, has the own ids. */
	if (t->overridden)
		op_scan(t, OP_URING);
}

static void op_file(struct seq_thread *t)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/f%d.%d.%ld", seq_dir, t->proc, t->idx, t->serial++);
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		seq_fail(t, OP_FILE, "creating %s: %s", path, strerror(errno));
		return;
	}
	check_owner(t, OP_FILE, "open(O_CREAT)", fd, path);
	t->slot->files++;
}

/* ---- keyctl, prctl, namespaces, capget ---------------------------------------------------- */

static void op_keyctl(struct seq_thread *t)
{
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
			  rnd(t, 2) ? KEY_SPEC_USER_KEYRING : KEY_SPEC_USER_SESSION_KEYRING, 0, 0,
			  0);

	if (id <= 0 && errno != ENOKEY)
		seq_fail(t, OP_KEYCTL, "KEYCTL_GET_KEYRING_ID(user keyring): %ld (%s)", id,
			 strerror(errno));
}

static void op_prctl(struct seq_thread *t)
{
	char name[16];
	int r;

	switch (rnd(t, 4)) {
	case 0:
		r = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
		if (r != own_keepcaps)
			seq_fail(t, OP_PRCTL, "PR_GET_KEEPCAPS %d, expected the own %d", r,
				 own_keepcaps);
		break;
	case 1:
		snprintf(name, sizeof(name), "seq-%d.%d", t->proc, t->idx);
		r = prctl(PR_SET_NAME, name, 0, 0, 0);
		if (r)
			seq_fail(t, OP_PRCTL, "PR_SET_NAME: %s", strerror(errno));
		break;
	case 2:
		r = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		if (r < 0 || r > 2)
			seq_fail(t, OP_PRCTL, "PR_GET_DUMPABLE %d", r);
		break;
	default:
		r = prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0);
		if (r != own_bset_chown)
			seq_fail(t, OP_PRCTL, "PR_CAPBSET_READ(CAP_CHOWN) %d, expected %d", r,
				 own_bset_chown);
		break;
	}
}

static void op_ns(struct seq_thread *t)
{
	long rc;
	int want;

	if (rnd(t, 2)) {
		rc = syscall(SYS_unshare, 0);
		if (rc)
			seq_fail(t, OP_NS, "unshare(0): %s", strerror(errno));
		return;
	}
	/* Joining the UTS namespace it is in: needs CAP_SYS_ADMIN in the effective set. */
	want = t->cur.eff & CAPB(CAP_SYS_ADMIN) ? 0 : EPERM;
	errno = 0;
	rc = syscall(SYS_setns, uts_fd, CLONE_NEWUTS);
	if (want ? rc != -1 || errno != want : rc != 0)
		seq_fail(t, OP_NS, "setns(own UTS namespace) returned %ld (%s), expected %s", rc,
			 rc ? strerror(errno) : "no error", want ? "EPERM" : "0");
}

static void op_capget(struct seq_thread *t)
{
	struct caps3 c = { 0 };
	int r = raw_capget(0, &c);

	/* capget() reports the thread's own (objective) sets, overridden or not. */
	if (r)
		seq_fail(t, OP_CAPGET, "capget: %s", strerror(-r));
	else if (c.eff != own.eff || c.perm != own.perm || c.inh != own.inh)
		seq_fail(t, OP_CAPGET, "capget 0x%llx/0x%llx/0x%llx, expected the own sets "
			 "0x%llx/0x%llx/0x%llx", (unsigned long long)c.eff,
			 (unsigned long long)c.perm, (unsigned long long)c.inh,
			 (unsigned long long)own.eff, (unsigned long long)own.perm,
			 (unsigned long long)own.inh);
}

/*
 * KEYCTL_GET_KEYRING_ID of the thread keyring, created on demand (the first thread of each
 * process only). Not overridden: an id, the same one every time (the own cred keeps it).
 * Overridden: the id if the override was built from an own cred that had it (no commit
 * needed), else EBUSY: creating it commits credentials, which the net refuses.
 */
static void op_tkeyring(struct seq_thread *t)
{
	long id;

	errno = 0;
	id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 1, 0, 0);
	if (t->overridden && !t->ovr_has_tkr) {
		if (id != -1 || errno != EBUSY)
			seq_fail(t, OP_TKEYRING, "creating a thread keyring returned %ld (%s), "
				 "expected EBUSY", id, id < 0 ? strerror(errno) : "no error");
		check_state(t, OP_TKEYRING, "after a refused thread keyring");
		return;
	}
	if (id <= 0) {
		seq_fail(t, OP_TKEYRING, "KEYCTL_GET_KEYRING_ID(thread, create): %s",
			 strerror(errno));
		return;
	}
	if (t->has_tkr && id != t->tkr_id)
		seq_fail(t, OP_TKEYRING, "thread keyring %ld, expected %ld", id, t->tkr_id);
	t->has_tkr = true;
	t->tkr_id = id;
	check_state(t, OP_TKEYRING, "after the thread keyring");
}

/* ---- one worker thread, one worker process ------------------------------------------------ */

static enum op pick_op(struct seq_thread *t)
{
	int total = 0, i, x;

	for (i = 0; i < OP_N; i++)
		total += op_weight[i];
	x = rnd(t, total);
	for (i = 0; i < OP_N; i++) {
		x -= op_weight[i];
		if (x < 0)
			break;
	}
	return (enum op)i;
}

static void *worker_thread(void *arg)
{
	struct seq_thread *t = arg;
	long i;

	t->cur = own;
	t->slot->uring_err = -credo_ring_setup(&t->ring, 4, 0, 0);
	check_state(t, OP_GET, "at the start");
	for (i = 0; i < sh->max_ops && now_ns() < sh->deadline_ns; i++) {
		enum op op = pick_op(t);

		if (op == OP_TKEYRING && t->idx)
			op = OP_GET;	/* thread keyrings: the first thread only */
		t->slot->ops[op]++;
		t->slot->overridden_ops += t->overridden;
		switch (op) {
		case OP_OVERRIDE:
			op_override(t);
			break;
		case OP_REVERT:
			op_revert(t);
			break;
		case OP_GET:
			check_state(t, OP_GET, "GET");
			break;
		case OP_GATED:
			op_gated(t);
			break;
		case OP_FORK:
			op_fork(t);
			break;
		case OP_EXEC:
			op_exec(t);
			break;
		case OP_THREAD:
			op_thread(t);
			break;
		case OP_SCAN:
			op_scan(t, OP_SCAN);
			break;
		case OP_URING:
			op_uring(t);
			break;
		case OP_FILE:
			op_file(t);
			break;
		case OP_KEYCTL:
			op_keyctl(t);
			break;
		case OP_PRCTL:
			op_prctl(t);
			break;
		case OP_NS:
			op_ns(t);
			break;
		case OP_CAPGET:
			op_capget(t);
			break;
		default:
			op_tkeyring(t);
			break;
		}
	}
	if (t->ring.fd >= 0)
		close(t->ring.fd);
	/* Half of the threads exit overridden. */
	if (t->overridden && rnd(t, 2))
		op_revert(t);
	t->slot->done = 1;
	return NULL;
}

static int worker_process(int proc, int nthreads, uint64_t seed)
{
	struct seq_thread t[SEQ_MAX_THREADS];
	pthread_t th[SEQ_MAX_THREADS];
	int i;

	memset(t, 0, sizeof(t));
	for (i = 0; i < nthreads; i++) {
		t[i].proc = proc;
		t[i].idx = i;
		t[i].rng = seed ^ ((uint64_t)(proc * SEQ_MAX_THREADS + i + 1) << 40);
		next_rand(&t[i].rng);
		t[i].slot = &sh->slot[proc][i];
		if (pthread_create(&th[i], NULL, worker_thread, &t[i]))
			return 2;
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	return 0;
}

/* ---- the test -------------------------------------------------------------------------------- */

static int read_own(void)
{
	struct caps3 c = { 0 };
	__u32 ids[3] = { 0 };
	int n, cap, last = cap_last_cap();

	memset(&own, 0, sizeof(own));
	if (raw_getresuid(ids))
		return -1;
	own.uid = ids[0], own.euid = ids[1], own.suid = ids[2], own.fsuid = ids[1];
	if (raw_getresgid(ids))
		return -1;
	own.gid = ids[0], own.egid = ids[1], own.sgid = ids[2], own.fsgid = ids[1];
	n = raw_getgroups(SEQ_MAX_GROUPS, own.groups);
	if (n < 0)
		return -1;
	own.ngroups = n;
	qsort(own.groups, n, sizeof(__u32), cmp_u32);
	if (raw_capget(0, &c))
		return -1;
	own.eff = c.eff, own.perm = c.perm, own.inh = c.inh;
	own.amb = ambient_mask();
	own_keepcaps = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
	own_securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	own_bset_chown = prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0);
	for (cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			own_bset |= CAPB(cap);
	return 0;
}

static bool long_run(void)
{
	const char *env = getenv("CREDO_SEQUENCE_LONG");

	return env && !strcmp(env, "1");
}

FIXTURE(sequence) {
	int unused;
};

FIXTURE_SETUP(sequence)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(sequence)
{
}

TEST_F_TIMEOUT(sequence, random_sequences_keep_every_override_in_its_thread,
	       SEQ_LONG_SECONDS + 300)
{
	bool longer = long_run();
	int nprocs = longer ? SEQ_LONG_PROCS : SEQ_PROCS;
	int nthreads = longer ? SEQ_LONG_THREADS : SEQ_THREADS;
	int seconds = longer ? SEQ_LONG_SECONDS : SEQ_SECONDS;
	const char *seed_env = getenv("CREDO_SEQUENCE_SEED");
	struct credo_counters before, after;
	long ops[OP_N] = { 0 }, fails_by_op[OP_N] = { 0 };
	long total = 0, fails = 0, overrides = 0, overridden_ops = 0, children = 0;
	long refused = 0, uring_files = 0, files = 0, threads = 0, objs0;
	long uring_refused = 0, threads_refused = 0, assumes = 0, assume_refused = 0;
	pid_t pid[SEQ_MAX_PROCS];
	char line[512];
	uint64_t seed;
	long long start;
	int p, i, k, status, uring_err = 0, len;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	seed = seed_env ? strtoull(seed_env, NULL, 0) : (uint64_t)now_ns() ^ getpid();
	seed &= 0xffffffffULL;
	TH_LOG("seed %llu (CREDO_SEQUENCE_SEED=%llu repeats the sequences), %s run: %d processes x "
	       "%d threads, at most %d operations each or %d s", (unsigned long long)seed,
	       (unsigned long long)seed, longer ? "long" : "short", nprocs, nthreads,
	       longer ? SEQ_LONG_OPS : SEQ_OPS, seconds);
	ASSERT_EQ(0, read_own());
	ASSERT_LT(0, readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1));
	ASSERT_NE(NULL, mkdtemp(seq_dir));
	ASSERT_EQ(0, chmod(seq_dir, 0777));
	uts_fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, uts_fd);
	userns_fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, userns_fd);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	sh->max_ops = longer ? SEQ_LONG_OPS : SEQ_OPS;

	/* The baseline: no unused entry left from earlier tests, nothing on its way out. */
	credo_drop_caches();
	objs0 = credo_cred_objects();
	if (objs0 < 0)
		TH_LOG("%s is not readable in /proc/slabinfo: cred objects not counted",
		       credo_cred_cache());
	credo_read_counters(&before);
	ASSERT_LE(0, before.entries);

	start = now_ns();
	sh->deadline_ns = start + seconds * 1000000000LL;
	fflush(NULL);
	for (p = 0; p < nprocs; p++) {
		pid[p] = fork();
		ASSERT_LE(0, pid[p]);
		if (!pid[p])
			_exit(worker_process(p, nthreads, seed));
	}
	for (p = 0; p < nprocs; p++) {
		ASSERT_EQ(pid[p], waitpid(pid[p], &status, 0));
		if (WIFEXITED(status) && WEXITSTATUS(status) == SEQ_EXEC_ESCAPED)
			TH_LOG("worker process %d: an execve from an overridden thread replaced it "
			       "(expected EBUSY)", p);
		else if (!WIFEXITED(status) || WEXITSTATUS(status))
			TH_LOG("worker process %d ended with status 0x%x", p, status);
		EXPECT_EQ(0, status);
	}

	for (p = 0; p < nprocs; p++) {
		for (i = 0; i < nthreads; i++) {
			struct slot *s = &sh->slot[p][i];

			for (k = 0; k < OP_N; k++) {
				ops[k] += s->ops[k];
				total += s->ops[k];
				fails_by_op[k] += s->fails_by_op[k];
			}
			fails += s->fails;
			overrides += s->overrides;
			assumes += s->assumes;
			assume_refused += s->assume_refused;
			overridden_ops += s->overridden_ops;
			children += s->children;
			refused += s->refused;
			uring_files += s->uring_files;
			files += s->files;
			threads += s->threads;
			uring_refused += s->uring_refused;
			threads_refused += s->threads_refused;
			if (s->uring_err)
				uring_err = s->uring_err;
			for (k = 0; k < s->nmsg; k++)
				TH_LOG("process %d thread %d: %s", p, i, s->msg[k]);
			if (s->fails > s->nmsg)
				TH_LOG("process %d thread %d: %ld more failures", p, i,
				       s->fails - s->nmsg);
		}
	}
	TH_LOG("%ld operations in %.1f s, %ld of them overridden: %ld overrides, %ld fork/exec "
	       "refused with EBUSY, %ld real children reaped, %ld threads created, %ld files, "
	       "%ld io_uring files", total, (now_ns() - start) / 1e9, overridden_ops, overrides,
	       refused, children, threads, files, uring_files);
	len = 0;
	for (k = 0; k < OP_N; k++)
		len += snprintf(line + len, sizeof(line) - len, "%s%s %ld", k ? ", " : "",
				op_name[k], ops[k]);
	TH_LOG("operations: %s", line);
	TH_LOG("of the overrides, %ld through a handle; %ld ASSUMEs of a revoked handle refused "
	       "with EKEYREVOKED", assumes, assume_refused);
	TH_LOG("with a thread keyring in the own cred, while overridden: %ld pthread_create "
	       "refused with EBUSY, %ld io_uring requests not submitted (no io-wq worker may start)",
	       threads_refused, uring_refused);
	if (uring_err)
		TH_LOG("io_uring skipped: io_uring_setup failed with %s", strerror(uring_err));
	if (fails) {
		len = 0;
		for (k = 0; k < OP_N; k++)
			if (fails_by_op[k])
				len += snprintf(line + len, sizeof(line) - len, "%s%s %ld",
						len ? ", " : "", op_name[k], fails_by_op[k]);
		TH_LOG("%ld results the docs do not allow, by operation: %s", fails, line);
	}
	EXPECT_EQ(0, fails);

	/* No override outlives its thread. */
	EXPECT_EQ(0, credo_wait_live(before.live)) TH_LOG("live_overrides stayed at %ld (was %ld)",
						     counter("live_overrides"), before.live);
	CREDO_EXPECT_RUN_END(objs0, SEQ_CRED_SLACK, &before, &after, overrides);
	close(uts_fd);
	close(userns_fd);
	munmap(sh, sizeof(*sh));
	rm_tree(seq_dir);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], arg_child))
		return 0;
	if (argc == 2 && !strcmp(argv[1], arg_escaped)) {
		fprintf(stderr, "# sequence_test: an execve from an overridden thread got through: "
			"pid %d runs as uid %ld euid %ld gid %ld\n", getpid(),
			syscall(SYS_getuid), syscall(SYS_geteuid), syscall(SYS_getgid));
		return SEQ_EXEC_ESCAPED;
	}
	return test_harness_run(argc, argv);
}

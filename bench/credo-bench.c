// SPDX-License-Identifier: GPL-2.0
/*
 * credo-bench: what an identity switch costs with credo and with what users pick instead,
 * and how many struct cred objects files opened under K identities pin.
 *
 * Runs inside the guest as root with credo loaded (scripts/bench.sh, `make bench`).
 * Prints a readable report plus machine-readable lines "csv:NAME:a,b,c" that the host
 * turns into NAME.csv. Every time is the median of REPS timed runs (the best run is
 * printed too); runs of the methods compared in one table are interleaved so that noise
 * hits them alike. Phases: memory, requests, scaling, pairs (with dispatch: the empty ioctl,
 * the descriptor and the handle pairs, the handle switch), handles (10 against 100,000
 * handles in use), nocredo (raw ways with credo unloaded, then the lookup cost with a big
 * table), and the opt-in profile; see read_phases() and docs/performance.md.
 *
 * Switch-and-back pairs:
 *   credo-hit   CREDO_IOC_OVERRIDE of an identity already in the table + CREDO_IOC_REVERT
 *   credo-miss  the same with an identity never used before (a fresh uid every time)
 *   samba       raw setgroups, setresgid(-1,g,-1), setresuid(-1,u,-1), and back
 *   ganesha     raw setfsuid, setfsgid, setgroups, and back
 *   floor       getppid twice
 * Through a credential handle (brief section 7), minted once with CREDO_IOC_HANDLE:
 *   handle-pair    CREDO_IOC_ASSUME + CREDO_IOC_REVERT on the handle
 *   handle-switch  one CREDO_IOC_ASSUME, alternating between two handles, no revert between
 * and the floor of any module entry point, the empty ioctl (_IO(CREDO_IOC_MAGIC, 0) on
 * /dev/credo: ENOTTY having done nothing), one and two of them.
 * Raw set*id runs in a thread of its own that exits afterwards: the raw calls replace the
 * thread's own cred, and credo keys its table on the thread's own cred, so the main
 * process cred (credo's base) must stay the same object throughout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/credo.h>

#define REPS		25	/* timed runs per measurement; the median is reported */
#define RUN_NS		4000000ULL	/* a timed run lasts about this long (4 ms, about one guest tick) */
#define MAXG		256
#define SETTLE_NS	10000000ULL	/* 10 ms quiet time before every timed run */
#define BIG_ENTRIES	"262144"
#define UID_HIT		100000U	/* identities for the hit/raw measurements: UID_HIT + i */
#define UID_MISS	1000000U	/* fresh identities, never repeated */
#define UID_MEM		600000U
#define UID_REQ		6000U	/* the per-request user */
#define GID_SHARE	5000U	/* the only group that may read the request file */
#define GID_SUPP	20000U	/* supplementary groups: GID_SUPP + j */

static int credo_fd;
static uint32_t groups[MAXG];
static uint32_t miss_next = UID_MISS;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stdout, "credo-bench: FATAL: ");
	vfprintf(stdout, fmt, ap);
	fprintf(stdout, " (errno %d %s)\n", errno, strerror(errno));
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Every run of a measurement, sorted (median() sorts), for judging the noise: report.txt only. */
static void print_runs(const char *table, const char *name, const double *v, int n)
{
	int r;

	printf("runs:%s:%s:", table, name);
	for (r = 0; r < n; r++)
		printf(v[r] >= 100 ? " %.0f" : " %.3f", v[r]);
	printf("\n");
}

static unsigned long read_num(const char *dir, const char *name)
{
	char path[128], buf[64];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f))
		v = strtoul(buf, NULL, 10);
	fclose(f);
	return v;
}

static unsigned long sysfs_num(const char *name)
{
	return read_num("/sys/kernel/credo", name);
}

static unsigned long param_num(const char *name)
{
	return read_num("/sys/module/credo/parameters", name);
}

/* ---- the switches ---------------------------------------------------------------- */

/* All four uids uid, all four gids gid, ng groups at g. */
static struct credo_cred cred_of(uint32_t uid, uint32_t gid, const uint32_t *g, uint32_t ng)
{
	struct credo_cred c = {
		.size = sizeof(c),
		.uid = uid, .euid = uid, .suid = uid, .fsuid = uid,
		.gid = gid, .egid = gid, .sgid = gid, .fsgid = gid,
		.ngroups = ng,
		.groups = (uintptr_t)g,
	};

	return c;
}

static void credo_override(uint32_t uid, uint32_t gid, const uint32_t *g, uint32_t ng)
{
	struct credo_cred c = cred_of(uid, gid, g, ng);

	if (ioctl(credo_fd, CREDO_IOC_OVERRIDE, &c))
		die("CREDO_IOC_OVERRIDE uid %u", uid);
}

static void credo_revert(void)
{
	if (ioctl(credo_fd, CREDO_IOC_REVERT))
		die("CREDO_IOC_REVERT");
}

/*
 * The empty ioctl: a command /dev/credo does not know returns ENOTTY having done nothing.
 * It is the floor of any module entry point (brief sections 6 and 7).
 */
#define CREDO_IOC_EMPTY	_IO(CREDO_IOC_MAGIC, 0)

static int handle_mint(uint32_t uid, uint32_t gid, const uint32_t *g, uint32_t ng)
{
	struct credo_cred c = cred_of(uid, gid, g, ng);
	int fd = ioctl(credo_fd, CREDO_IOC_HANDLE, &c);

	if (fd < 0)
		die("CREDO_IOC_HANDLE uid %u", uid);
	return fd;
}

static void handle_assume(int hfd)
{
	if (ioctl(hfd, CREDO_IOC_ASSUME))
		die("CREDO_IOC_ASSUME on fd %d", hfd);
}

static void handle_revert(int hfd)
{
	if (ioctl(hfd, CREDO_IOC_REVERT))
		die("CREDO_IOC_REVERT on handle fd %d", hfd);
}

/* The handle really switches: the thread acts as its uid after ASSUME, as itself after. */
static void handle_check(int hfd, uid_t uid)
{
	uid_t before = geteuid();

	handle_assume(hfd);
	if (geteuid() != uid)
		die("ASSUME on fd %d: euid %u, want %u", hfd, geteuid(), uid);
	handle_revert(hfd);
	if (geteuid() != before)
		die("REVERT on handle fd %d: euid %u, want %u", hfd, geteuid(), before);
}

static void samba_to(uint32_t uid, uint32_t gid, const uint32_t *g, uint32_t ng)
{
	if (syscall(SYS_setgroups, ng, g) || syscall(SYS_setresgid, -1, gid, -1) ||
	    syscall(SYS_setresuid, -1, uid, -1))
		die("samba switch to %u", uid);
}

static void samba_back(void)
{
	if (syscall(SYS_setresuid, -1, 0, -1) || syscall(SYS_setresgid, -1, 0, -1) ||
	    syscall(SYS_setgroups, 0, NULL))
		die("samba switch back");
}

/* setfsuid/setfsgid return the previous value, not an error. */
static void ganesha_to(uint32_t uid, uint32_t gid, const uint32_t *g, uint32_t ng)
{
	syscall(SYS_setfsuid, uid);
	syscall(SYS_setfsgid, gid);
	if (syscall(SYS_setgroups, ng, g))
		die("ganesha setgroups");
}

static void ganesha_back(void)
{
	syscall(SYS_setfsuid, 0);
	syscall(SYS_setfsgid, 0);
	if (syscall(SYS_setgroups, 0, NULL))
		die("ganesha setgroups back");
}

/* ---- switch-and-back pairs --------------------------------------------------------- */

enum method {
	M_HIT, M_MISS, M_SAMBA, M_GANESHA, M_FLOOR, NMETHOD,
	/* Only in the dispatch table: what any ioctl costs before credo's work. */
	M_NOTTY = NMETHOD,	/* two empty ioctls (CREDO_IOC_EMPTY: ENOTTY) */
	M_NOTTY1,		/* one empty ioctl: one "pair" is one ioctl here */
	M_REVERTS,		/* two CREDO_IOC_REVERT with no override */
	M_HPAIR,		/* CREDO_IOC_ASSUME + CREDO_IOC_REVERT on a handle */
	M_HSWITCH,		/* one CREDO_IOC_ASSUME, from the previous handle's identity */
	M_HEMPTY,		/* one empty ioctl on a handle (cursor as M_HSWITCH) */
};

struct pair_job {
	enum method m;
	uint32_t ng, idents;
	uint64_t n;		/* pairs to run (M_NOTTY1, M_HSWITCH: single ioctls) */
	uint64_t cursor;	/* identity cursor, kept across runs */
	uint64_t ns;		/* out: elapsed */
	const int *hfds;	/* M_HPAIR, M_HSWITCH: idents handles */
	uint32_t stride;	/* M_HSWITCH, M_HEMPTY: cursor step, coprime with idents (0: 1) */
};

static void run_pairs(struct pair_job *j)
{
	uint32_t ng = j->ng, d = j->idents;
	uint64_t i, c = j->cursor, t0;

	t0 = now_ns();
	switch (j->m) {
	case M_HIT:
		for (i = 0; i < j->n; i++, c = c + 1 == d ? 0 : c + 1) {
			credo_override(UID_HIT + c, UID_HIT + c, groups, ng);
			credo_revert();
		}
		break;
	case M_MISS:
		for (i = 0; i < j->n; i++) {
			uint32_t u = miss_next++;

			credo_override(u, u, groups, ng);
			credo_revert();
		}
		break;
	case M_SAMBA:
		for (i = 0; i < j->n; i++, c = c + 1 == d ? 0 : c + 1) {
			samba_to(UID_HIT + c, UID_HIT + c, groups, ng);
			samba_back();
		}
		break;
	case M_GANESHA:
		for (i = 0; i < j->n; i++, c = c + 1 == d ? 0 : c + 1) {
			ganesha_to(UID_HIT + c, UID_HIT + c, groups, ng);
			ganesha_back();
		}
		break;
	case M_FLOOR:
		for (i = 0; i < j->n; i++) {
			syscall(SYS_getppid);
			syscall(SYS_getppid);
		}
		break;
	case M_NOTTY:
		for (i = 0; i < j->n; i++) {
			ioctl(credo_fd, CREDO_IOC_EMPTY);
			ioctl(credo_fd, CREDO_IOC_EMPTY);
		}
		break;
	case M_NOTTY1:
		for (i = 0; i < j->n; i++)
			ioctl(credo_fd, CREDO_IOC_EMPTY);
		break;
	case M_REVERTS:
		for (i = 0; i < j->n; i++) {
			credo_revert();
			credo_revert();
		}
		break;
	case M_HPAIR:
		for (i = 0; i < j->n; i++, c = c + 1 == d ? 0 : c + 1) {
			handle_assume(j->hfds[c]);
			handle_revert(j->hfds[c]);
		}
		break;
	case M_HSWITCH: {
		uint32_t step = j->stride ? j->stride : 1;

		for (i = 0; i < j->n; i++) {
			handle_assume(j->hfds[c]);
			c += step;
			if (c >= d)
				c -= d;
		}
		break;
	}
	case M_HEMPTY: {
		uint32_t step = j->stride ? j->stride : 1;

		for (i = 0; i < j->n; i++) {
			ioctl(j->hfds[c], CREDO_IOC_EMPTY);
			c += step;
			if (c >= d)
				c -= d;
		}
		break;
	}
	default:
		break;
	}
	j->ns = now_ns() - t0;
	j->cursor = c;
	/* A handle switch leaves the last identity assumed: end it, untimed. */
	if (j->m == M_HSWITCH)
		credo_revert();
}

static void *pairs_thread(void *arg)
{
	run_pairs(arg);
	return NULL;
}

/*
 * Before every timed run, let the previous one's deferred work finish: raw set*id frees
 * a cred through RCU at every call, and those callbacks would otherwise run (in softirq)
 * during, and be charged to, whichever run comes next. This leaves that deferred cost
 * out of every method's number, which favours the raw ways. The wait spins rather than
 * sleeps: on the shared host a vCPU that goes idle is slow to get its CPU back, which
 * showed up as noise in the first milliseconds of the next run.
 */
static void settle(void)
{
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < SETTLE_NS)
		__asm__ __volatile__("pause");
}

/* Raw set*id replaces the caller's own cred: do it in a thread that then exits. */
static void run_pairs_isolated(struct pair_job *j)
{
	pthread_t t;

	settle();
	if (j->m != M_SAMBA && j->m != M_GANESHA) {
		run_pairs(j);
		return;
	}
	if (pthread_create(&t, NULL, pairs_thread, j))
		die("pthread_create");
	pthread_join(t, NULL);
}

/*
 * One round of the ways of a table that all run in the calling thread (no raw set*id):
 * each way's run (about RUN_NS) is cut into BATCHES batches, and the batches of all the
 * ways alternate. The host this guest runs on is shared: when it deschedules a vCPU for a
 * few milliseconds, or gives it half a core for a while, every way of the round is slowed
 * alike, and the ratios, which are what this benchmark reports, keep. (With one run per
 * way in turn, one way's run could take all of a stall.)
 */
#define BATCHES		16
#define MAXWAYS		16

static void run_pairs_round(struct pair_job *jobs, unsigned int nm)
{
	uint64_t ns[MAXWAYS] = { 0 };
	unsigned int m, b;

	settle();
	for (m = 0; m < nm; m++)
		jobs[m].n = jobs[m].n / BATCHES ? jobs[m].n / BATCHES : 1;
	for (b = 0; b < BATCHES; b++)
		for (m = 0; m < nm; m++) {
			run_pairs(&jobs[m]);
			ns[m] += jobs[m].ns;
		}
	for (m = 0; m < nm; m++) {
		jobs[m].n *= BATCHES;
		jobs[m].ns = ns[m];
	}
}

/*
 * Pairs per timed run, so that a run lasts about RUN_NS. One stalled calibration run
 * (the host descheduled the vCPU) would make every later run of the job far too short,
 * so the count is checked with runs of its own and raised until one of them is long
 * enough.
 */
static void calibrate(struct pair_job *j)
{
	int check;

	for (j->n = 16;; j->n *= 2) {
		run_pairs_isolated(j);
		if (j->ns >= RUN_NS / 2 || j->n >= (1ULL << 30))
			break;
	}
	j->n = j->n * RUN_NS / (j->ns ? j->ns : 1) + 1;
	for (check = 0; check < 3; check++) {
		run_pairs_isolated(j);
		if (j->ns >= RUN_NS / 2)
			break;
		j->n = j->n * RUN_NS / (j->ns ? j->ns : 1) + 1;
	}
}

static double measure_median(struct pair_job *j, int reps, double *min)
{
	double v[REPS], med;
	int r;

	for (r = 0; r < reps; r++) {
		run_pairs_isolated(j);
		v[r] = (double)j->ns / j->n;
	}
	med = median(v, reps);
	*min = v[0];
	return med;
}

/*
 * Per group count: for 10, 1,000 and 100,000 identities, the hit, Samba, Ganesha and
 * floor runs interleaved; then the misses, on their own, with the table at its bound
 * after the 100,000-identity row. Misses are kept apart from the hit runs because each
 * miss inserts an entry and, above max_entries, evicts an unused one, which may be one
 * of the identities the hit runs cycle through.
 */
static void bench_pairs(void)
{
	static const uint32_t gs[] = { 0, 16, 256 };
	static const uint32_t ds[] = { 10, 1000, 100000 };
	unsigned int gi, di, m, r;

	printf("\n== switch-and-back pair, ns (median of %d runs; table max_entries %lu) ==\n",
	       REPS, param_num("max_entries"));
	printf("csv:pairs:groups,idents,credo_hit,credo_miss,samba,ganesha,floor,"
	       "hit_per_floor,miss_per_floor,samba_per_floor,ganesha_per_floor,"
	       "samba_per_hit,ganesha_per_hit,miss_per_hit,hit_lookups_hits,hit_lookups_misses,"
	       "min_credo_hit,min_credo_miss,min_samba,min_ganesha,min_floor\n");
	printf("%6s %7s %10s %10s %10s %10s %10s | %8s %8s %9s\n", "groups", "idents",
	       "credo-hit", "credo-miss", "samba", "ganesha", "floor", "hit/flr", "samba/hit",
	       "table-hit%");
	for (gi = 0; gi < 3; gi++) {
		double med[3][NMETHOD], mn[3][NMETHOD];
		unsigned long hits[3], misses[3];
		struct pair_job mj = { .m = M_MISS, .ng = gs[gi] };

		for (di = 0; di < 3; di++) {
			struct pair_job jobs[NMETHOD];
			double v[NMETHOD][REPS];
			unsigned long h0, m0;
			uint64_t c;
			int pass;

			/* Put the row's identities in the table (twice: inserts evict). */
			for (pass = 0; pass < 2; pass++)
				for (c = 0; c < ds[di]; c++) {
					credo_override(UID_HIT + c, UID_HIT + c, groups, gs[gi]);
					credo_revert();
				}
			for (m = 0; m < NMETHOD; m++) {
				if (m == M_MISS)
					continue;
				jobs[m] = (struct pair_job){ .m = m, .ng = gs[gi], .idents = ds[di] };
				calibrate(&jobs[m]);
			}
			hits[di] = misses[di] = 0;
			for (r = 0; r < REPS; r++) {
				for (m = 0; m < NMETHOD; m++) {
					if (m == M_MISS)
						continue;
					h0 = sysfs_num("hits");
					m0 = sysfs_num("misses");
					run_pairs_isolated(&jobs[m]);
					v[m][r] = (double)jobs[m].ns / jobs[m].n;
					if (m == M_HIT) {	/* table lookups of the hit runs */
						hits[di] += sysfs_num("hits") - h0;
						misses[di] += sysfs_num("misses") - m0;
					}
				}
			}
			for (m = 0; m < NMETHOD; m++)
				if (m != M_MISS) {
					med[di][m] = median(v[m], REPS);
					mn[di][m] = v[m][0];	/* sorted by median() */
				}
		}
		calibrate(&mj);
		med[0][M_MISS] = measure_median(&mj, REPS, &mn[0][M_MISS]);
		for (di = 1; di < 3; di++) {
			med[di][M_MISS] = med[0][M_MISS];
			mn[di][M_MISS] = mn[0][M_MISS];
		}
		for (di = 0; di < 3; di++) {
			double *d = med[di], *e = mn[di];
			unsigned long h1 = hits[di], m1 = misses[di];

			printf("%6u %7u %10.0f %10.0f %10.0f %10.0f %10.0f | %8.2f %8.2f %8.1f%%\n",
			       gs[gi], ds[di], d[M_HIT], d[M_MISS], d[M_SAMBA], d[M_GANESHA],
			       d[M_FLOOR], d[M_HIT] / d[M_FLOOR], d[M_SAMBA] / d[M_HIT],
			       h1 + m1 ? 100.0 * h1 / (h1 + m1) : 0);
			printf("csv:pairs:%u,%u,%.0f,%.0f,%.0f,%.0f,%.0f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%lu,%lu,"
			       "%.0f,%.0f,%.0f,%.0f,%.0f\n",
			       gs[gi], ds[di], d[M_HIT], d[M_MISS], d[M_SAMBA], d[M_GANESHA],
			       d[M_FLOOR], d[M_HIT] / d[M_FLOOR], d[M_MISS] / d[M_FLOOR],
			       d[M_SAMBA] / d[M_FLOOR], d[M_GANESHA] / d[M_FLOOR],
			       d[M_SAMBA] / d[M_HIT], d[M_GANESHA] / d[M_HIT],
			       d[M_MISS] / d[M_HIT], h1, m1, e[M_HIT], e[M_MISS], e[M_SAMBA],
			       e[M_GANESHA], e[M_FLOOR]);
		}
		fflush(stdout);
	}
	printf("(credo-miss: one measurement per group count, a fresh uid per pair, taken after "
	       "the 100,000-identity row, i.e. with the table at max_entries)\n");
}

/*
 * How far a switch through an ioctl can get towards the floor, 0 groups, interleaved:
 * two getppid (the floor), two and one empty ioctls on /dev/credo (CREDO_IOC_EMPTY:
 * ENOTTY at once: the syscall, the file lookup, the LSM file_ioctl hook and credo's
 * switch: the floor of any module entry point), two REVERTs with nothing to revert (the
 * ioctl plus one thread lookup), the descriptor hit pair (OVERRIDE + REVERT, 10
 * identities), the handle pair (ASSUME + REVERT on the handle, 10 handles of the same 10
 * identities) and the handle switch (one ASSUME from the other handle's identity, no
 * revert between, alternating between two handles: a server's steady state).
 */
#define NDISP 8

static void bench_dispatch(void)
{
	static const enum method ms[NDISP] = {
		M_FLOOR, M_NOTTY, M_NOTTY1, M_REVERTS, M_HIT, M_HPAIR, M_HSWITCH, M_HEMPTY
	};
	static const char *const names[NDISP] = {
		"floor", "ioctl-empty-2", "ioctl-empty-1", "revert-revert", "credo-hit",
		"handle-pair", "handle-switch", "handle-empty-1"
	};
	/* ioctls per timed iteration: 0 for the floor (two getppid) */
	static const int ops[NDISP] = { 0, 2, 1, 2, 2, 2, 1, 1 };
	struct pair_job jobs[NDISP];
	double v[NDISP][REPS], med[NDISP];
	int hfds[10];
	unsigned int m, r;

	if (ioctl(credo_fd, CREDO_IOC_EMPTY) != -1 || errno != ENOTTY)
		die("dispatch: the empty ioctl did not give ENOTTY");
	for (m = 0; m < 10; m++) {
		hfds[m] = handle_mint(UID_HIT + m, UID_HIT + m, groups, 0);
		handle_check(hfds[m], UID_HIT + m);
	}
	if (ioctl(hfds[0], CREDO_IOC_EMPTY) != -1 || errno != ENOTTY)
		die("dispatch: the empty ioctl on a handle did not give ENOTTY");
	for (m = 0; m < NDISP; m++) {
		jobs[m] = (struct pair_job){ .m = ms[m], .ng = 0, .idents = 10, .hfds = hfds };
		if (ms[m] == M_HSWITCH || ms[m] == M_HEMPTY)
			jobs[m].idents = 2;
		calibrate(&jobs[m]);
	}
	for (r = 0; r < REPS; r++) {
		run_pairs_round(jobs, NDISP);
		for (m = 0; m < NDISP; m++)
			v[m][r] = (double)jobs[m].ns / jobs[m].n;
	}
	for (m = 0; m < NDISP; m++) {
		med[m] = median(v[m], REPS);	/* sorts: v[m][0] is the best run */
		print_runs("dispatch", names[m], v[m], REPS);
	}
	printf("\n== what ioctls cost before and with credo's work, ns per iteration, "
	       "median of %d (0 groups) ==\n", REPS);
	printf("csv:dispatch:way,ioctls,ns,min_ns,per_floor,min_per_min_floor\n");
	for (m = 0; m < NDISP; m++) {
		printf("%-14s %d ioctl(s) %8.0f  %6.2fx floor   (best run %.0f)\n", names[m], ops[m],
		       med[m], med[m] / med[0], v[m][0]);
		printf("csv:dispatch:%s,%d,%.0f,%.0f,%.3f,%.3f\n", names[m], ops[m], med[m], v[m][0],
		       med[m] / med[0], v[m][0] / v[0][0]);
	}
	printf("handle pair / two empty ioctls = %.2fx (target <= 1.5x); "
	       "handle switch / one empty ioctl = %.2fx (target <= 1.3x)\n",
	       med[5] / med[1], med[6] / med[2]);
	for (m = 0; m < 10; m++)
		close(hfds[m]);
	fflush(stdout);
}

/* ---- where the time goes: ftrace function_graph of one pair of each kind ----------- */

static const char *tracing_dir(void)
{
	if (!access("/sys/kernel/tracing/trace", W_OK))
		return "/sys/kernel/tracing";
	if (!access("/sys/kernel/debug/tracing/trace", W_OK))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

static int trace_write(const char *dir, const char *file, const char *val)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

#define PROFILE_DEPTH "5"

/* set_graph_function: one function per write, appended */
static int trace_graph_functions(const char *dir, const char *funcs)
{
	char path[256], buf[256], *tok, *save;
	int fd, first = 1;

	snprintf(path, sizeof(path), "%s/set_graph_function", dir);
	snprintf(buf, sizeof(buf), "%s", funcs);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		fd = open(path, O_WRONLY | (first ? O_TRUNC : O_APPEND));
		if (fd < 0)
			return -1;
		if (write(fd, tok, strlen(tok)) != (ssize_t)strlen(tok)) {
			printf("profile: cannot trace %s (errno %d)\n", tok, errno);
			close(fd);
			return -1;
		}
		close(fd);
		first = 0;
	}
	return 0;
}

static void *trace_samba_thread(void *arg)
{
	(void)arg;
	samba_to(UID_HIT, UID_HIT, groups, 16);
	samba_back();
	return NULL;
}

/* Capture one switch and back; function_graph is already on for every function traced. */
static void trace_one(const char *dir, const char *what, const char *csv, int credo)
{
	char path[256], line[512];
	int n = 0, calls = 0, irq = 0;
	pthread_t t;
	FILE *f;

	/* warm: the identity is in the table, caches are hot */
	credo_override(UID_HIT, UID_HIT, groups, 16);
	credo_revert();
	trace_write(dir, "trace", "");	/* clears the buffer; patches no code */
	trace_write(dir, "tracing_on", "1");
	if (credo) {
		credo_override(UID_HIT, UID_HIT, groups, 16);
		credo_revert();
	} else {
		if (pthread_create(&t, NULL, trace_samba_thread, NULL))
			die("pthread_create");
		pthread_join(t, NULL);
	}
	trace_write(dir, "tracing_on", "0");
	printf("\n== profile: %s, ftrace function_graph depth %s (times inflated by tracing) ==\n",
	       what, PROFILE_DEPTH);
	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (n++ < 2000)
			printf("trace: %s", line);
		/* one function entry: "foo();" (leaf) or "foo() {" */
		if (strstr(line, "()"))
			calls++;
		if (strstr(line, "=====>"))	/* an interrupt came in: not ours */
			irq = 1;
	}
	if (f)
		fclose(f);
	printf("profile: %s: %d kernel function calls traced (depth <= %s)%s\n", what, calls,
	       PROFILE_DEPTH, irq ? ", including an interrupt" : "");
	printf("csv:profile:%s,%d,%d\n", csv, calls, irq);
}

/*
 * Opt-in (phase "profile"): switching the tracer patches kernel text with IPIs, and one
 * TCG run hung there (a soft lockup in text_poke_bp_batch while enabling the tracer a
 * second time), so the tracer is switched on once, for both captures, and only on request.
 */
static void bench_profile(void)
{
	const char *dir = tracing_dir();

	if (!dir) {
		mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
		dir = tracing_dir();
	}
	if (!dir) {
		printf("profile: no tracefs\n");
		return;
	}
	trace_write(dir, "tracing_on", "0");
	trace_write(dir, "current_tracer", "nop");
	if (trace_graph_functions(dir, "credo_ioctl __x64_sys_setgroups __x64_sys_setresgid "
				  "__x64_sys_setresuid") ||
	    trace_write(dir, "max_graph_depth", PROFILE_DEPTH) ||
	    trace_write(dir, "current_tracer", "function_graph")) {
		printf("profile: function_graph unavailable (errno %d)\n", errno);
		return;
	}
	printf("csv:profile:what,calls,irq\n");
	trace_one(dir, "credo override+revert, hit, 16 groups", "credo-hit", 1);
	trace_one(dir, "Samba raw switch and back, 16 groups", "samba", 0);
	trace_write(dir, "current_tracer", "nop");
}

/* ---- per request: open + close a file readable only through the user's group ----- */

#define REQ_DIR		"/tmp/credo-bench"
#define REQ_FILE	REQ_DIR "/req"
#define REQ_NG		16

/*
 * R_NONE is root (the file's owner, who has no read bit: the open passes on
 * CAP_DAC_OVERRIDE); R_NONE_USER is the user itself with no switch at all (a thread set to
 * the user once by raw set*id, untimed), the same permission path as the switched ways;
 * R_NONE_EMPTY is R_NONE plus one empty ioctl per request: what any switch made of one
 * ioctl costs at the least, measured inside the request.
 */
enum rmethod {
	R_NONE, R_NONE_USER, R_NONE_EMPTY, R_SAMBA, R_CREDO, R_HANDLE, R_URING, R_URING_PERS,
	NRMETHOD
};
static const char *const rname[NRMETHOD] = {
	"none", "none-user", "none+empty-ioctl", "samba", "credo", "credo-handle",
	"uring-nopers", "uring-pers"
};
static uint32_t req_groups[REQ_NG];
static struct io_uring ring;
static int personality;
/* R_HANDLE: users UID_REQ and UID_REQ + 1, both with req_groups; requests alternate. */
static int req_hfds[2];

static void open_close(void)
{
	int fd = open(REQ_FILE, O_RDONLY);

	if (fd < 0)
		die("open %s", REQ_FILE);
	close(fd);
}

static void uring_req(int pers)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int k, ret;

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat_direct(sqe, AT_FDCWD, REQ_FILE, O_RDONLY, 0, 0);
	sqe->personality = pers;
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_close_direct(sqe, 0);
	sqe->user_data = 2;
	ret = io_uring_submit_and_wait(&ring, 2);
	if (ret != 2) {
		errno = -ret;
		die("io_uring_submit_and_wait returned %d", ret);
	}
	for (k = 0; k < 2; k++) {
		if (io_uring_peek_cqe(&ring, &cqe))
			die("no cqe");
		if (cqe->res < 0) {
			errno = -cqe->res;
			die("io_uring op %llu failed", (unsigned long long)cqe->user_data);
		}
		io_uring_cqe_seen(&ring, cqe);
	}
}

struct req_job {
	enum rmethod m;
	uint64_t n, ns;
};

static void run_reqs(struct req_job *j)
{
	uint64_t i, t0 = now_ns();

	switch (j->m) {
	case R_NONE:
	case R_NONE_USER:
		for (i = 0; i < j->n; i++)
			open_close();
		break;
	case R_NONE_EMPTY:
		for (i = 0; i < j->n; i++) {
			ioctl(credo_fd, CREDO_IOC_EMPTY);
			open_close();
		}
		break;
	case R_SAMBA:
		for (i = 0; i < j->n; i++) {
			samba_to(UID_REQ, UID_REQ, req_groups, REQ_NG);
			open_close();
			samba_back();
		}
		break;
	case R_CREDO:
		for (i = 0; i < j->n; i++) {
			credo_override(UID_REQ, UID_REQ, req_groups, REQ_NG);
			open_close();
			credo_revert();
		}
		break;
	case R_HANDLE:
		/* One ASSUME per request, from the previous request's identity: no revert. */
		for (i = 0; i < j->n; i++) {
			handle_assume(req_hfds[i & 1]);
			open_close();
		}
		break;
	case R_URING:
		for (i = 0; i < j->n; i++)
			uring_req(0);
		break;
	case R_URING_PERS:
		for (i = 0; i < j->n; i++)
			uring_req(personality);
		break;
	default:
		break;
	}
	j->ns = now_ns() - t0;
	if (j->m == R_HANDLE)	/* untimed: back to root for the next way */
		credo_revert();
}

static void *reqs_thread(void *arg)
{
	struct req_job *j = arg;

	if (j->m == R_NONE_USER)	/* untimed: the thread is the user from now on */
		samba_to(UID_REQ, UID_REQ, req_groups, REQ_NG);
	run_reqs(j);
	return NULL;
}

static void run_reqs_isolated(struct req_job *j)
{
	pthread_t t;

	settle();
	if (j->m != R_SAMBA && j->m != R_NONE_USER) {
		run_reqs(j);
		return;
	}
	if (pthread_create(&t, NULL, reqs_thread, j))
		die("pthread_create");
	pthread_join(t, NULL);
}

/* As run_pairs_round(): the ways that run in this thread, in alternating batches. */
static void run_reqs_round(struct req_job *jobs, const enum rmethod *ms, unsigned int nm)
{
	uint64_t ns[MAXWAYS] = { 0 };
	unsigned int m, b;

	settle();
	for (m = 0; m < nm; m++)
		jobs[ms[m]].n = jobs[ms[m]].n / BATCHES ? jobs[ms[m]].n / BATCHES : 1;
	for (b = 0; b < BATCHES; b++)
		for (m = 0; m < nm; m++) {
			run_reqs(&jobs[ms[m]]);
			ns[m] += jobs[ms[m]].ns;
		}
	for (m = 0; m < nm; m++) {
		jobs[ms[m]].n *= BATCHES;
		jobs[ms[m]].ns = ns[m];
	}
}

static void *register_pers_thread(void *arg)
{
	(void)arg;
	samba_to(UID_REQ, UID_REQ, req_groups, REQ_NG);
	personality = io_uring_register_personality(&ring);
	return NULL;
}

static void bench_requests(void)
{
	/*
	 * Not io_uring: on 6.1 a direct descriptor's file is released through the ring's
	 * deferred resource work, and batched with the others it slowed the way after it.
	 */
	static const enum rmethod here[] = { R_NONE, R_NONE_EMPTY, R_CREDO, R_HANDLE };
	struct req_job jobs[NRMETHOD];
	double v[NRMETHOD][REPS], med[NRMETHOD], mn[NRMETHOD];
	unsigned int m, r;
	pthread_t t;
	int fd, ret;

	mkdir(REQ_DIR, 0755);
	fd = open(REQ_FILE, O_CREAT | O_WRONLY | O_TRUNC, 0040);
	if (fd < 0 || fchown(fd, 0, GID_SHARE) || fchmod(fd, 0040))
		die("create %s", REQ_FILE);
	close(fd);

	/* The permission check is real: without the group the user is refused. */
	credo_override(UID_REQ, UID_REQ, req_groups + 1, REQ_NG - 1);
	fd = open(REQ_FILE, O_RDONLY);
	ret = errno;
	credo_revert();
	if (fd >= 0 || ret != EACCES)
		die("the request file is readable without group %u", GID_SHARE);
	credo_override(UID_REQ, UID_REQ, req_groups, REQ_NG);
	open_close();
	credo_revert();
	/* The same through a handle: refused without the group, let in with it. */
	fd = handle_mint(UID_REQ, UID_REQ, req_groups + 1, REQ_NG - 1);
	handle_assume(fd);
	ret = open(REQ_FILE, O_RDONLY);
	m = errno;
	handle_revert(fd);
	if (ret >= 0 || m != EACCES)
		die("the request file is readable through a handle without group %u", GID_SHARE);
	close(fd);
	for (m = 0; m < 2; m++) {
		req_hfds[m] = handle_mint(UID_REQ + m, UID_REQ + m, req_groups, REQ_NG);
		handle_check(req_hfds[m], UID_REQ + m);
		handle_assume(req_hfds[m]);
		open_close();
		handle_revert(req_hfds[m]);
	}

	ret = io_uring_queue_init(8, &ring, 0);
	if (ret < 0) {
		errno = -ret;
		die("io_uring_queue_init");
	}
	ret = io_uring_register_files_sparse(&ring, 1);
	if (ret < 0) {
		errno = -ret;
		die("io_uring_register_files_sparse");
	}
	/* Register the identity once, as a server would at session setup. */
	if (pthread_create(&t, NULL, register_pers_thread, NULL))
		die("pthread_create");
	pthread_join(t, NULL);
	if (personality <= 0) {
		errno = -personality;
		die("io_uring_register_personality");
	}
	uring_req(personality);

	for (m = 0; m < NRMETHOD; m++) {
		jobs[m] = (struct req_job){ .m = m };
		for (jobs[m].n = 8;; jobs[m].n *= 2) {
			run_reqs_isolated(&jobs[m]);
			if (jobs[m].ns >= RUN_NS / 2)
				break;
		}
		jobs[m].n = jobs[m].n * RUN_NS / jobs[m].ns + 1;
	}
	/*
	 * Per round: the synchronous ways of this thread in alternating batches, then each
	 * io_uring way in one run, then Samba and the user's own request, each in a thread of
	 * its own (raw set*id), each in one run; every run after a settle().
	 */
	for (r = 0; r < REPS; r++) {
		run_reqs_round(jobs, here, sizeof(here) / sizeof(here[0]));
		run_reqs_isolated(&jobs[R_URING]);
		run_reqs_isolated(&jobs[R_URING_PERS]);
		run_reqs_isolated(&jobs[R_NONE_USER]);
		run_reqs_isolated(&jobs[R_SAMBA]);
		for (m = 0; m < NRMETHOD; m++)
			v[m][r] = (double)jobs[m].ns / jobs[m].n;
	}
	for (m = 0; m < NRMETHOD; m++) {
		med[m] = median(v[m], REPS);
		mn[m] = v[m][0];
		print_runs("requests", rname[m], v[m], REPS);
	}

	printf("\n== per request: open+close of a file readable only through group %u "
	       "(user %u, %d groups), ns, median of %d ==\n", GID_SHARE, UID_REQ, REQ_NG, REPS);
	printf("csv:requests:method,ns,per_none,per_credo,min_ns,min_per_none,min_per_credo,"
	       "per_handle,min_per_handle\n");
	for (m = 0; m < NRMETHOD; m++) {
		printf("%-13s %9.0f ns  %5.2fx no-switch  %5.2fx credo  %5.2fx handle  "
		       "(best run %7.0f ns)\n", rname[m], med[m], med[m] / med[R_NONE],
		       med[m] / med[R_CREDO], med[m] / med[R_HANDLE], mn[m]);
		printf("csv:requests:%s,%.0f,%.3f,%.3f,%.0f,%.3f,%.3f,%.3f,%.3f\n", rname[m], med[m],
		       med[m] / med[R_NONE], med[m] / med[R_CREDO], mn[m], mn[m] / mn[R_NONE],
		       mn[m] / mn[R_CREDO], med[m] / med[R_HANDLE], mn[m] / mn[R_HANDLE]);
	}
	printf("descriptor path adds %.1f%% to the request (target <= 25%%)\n",
	       100.0 * (med[R_CREDO] / med[R_NONE] - 1));
	printf("handle switch adds %.1f%% to the request (target <= 10%%)\n",
	       100.0 * (med[R_HANDLE] / med[R_NONE] - 1));
	printf("one empty ioctl adds %.1f%% to the request (the least any one-ioctl switch adds)\n",
	       100.0 * (med[R_NONE_EMPTY] / med[R_NONE] - 1));
	printf("against the user's own request with no switch (none-user): handle %.2fx, "
	       "descriptor %.2fx, Samba %.2fx; root's (none) / the user's = %.2fx\n",
	       med[R_HANDLE] / med[R_NONE_USER], med[R_CREDO] / med[R_NONE_USER],
	       med[R_SAMBA] / med[R_NONE_USER], med[R_NONE] / med[R_NONE_USER]);
	printf("io_uring personality request / credo-handle request = %.2fx (target >= 1.4x); "
	       "/ descriptor request = %.2fx\n", med[R_URING_PERS] / med[R_HANDLE],
	       med[R_URING_PERS] / med[R_CREDO]);
	printf("switching cost over no-switch: handle %.0f ns, descriptor %.0f ns, samba %.0f ns, "
	       "io_uring personality %.0f ns over io_uring without\n",
	       med[R_HANDLE] - med[R_NONE], med[R_CREDO] - med[R_NONE],
	       med[R_SAMBA] - med[R_NONE], med[R_URING_PERS] - med[R_URING]);
	printf("csv:request_summary:credo_added_pct,uring_pers_per_credo,handle_added_pct,"
	       "uring_pers_per_handle\n");
	printf("csv:request_summary:%.1f,%.3f,%.1f,%.3f\n",
	       100.0 * (med[R_CREDO] / med[R_NONE] - 1), med[R_URING_PERS] / med[R_CREDO],
	       100.0 * (med[R_HANDLE] / med[R_NONE] - 1), med[R_URING_PERS] / med[R_HANDLE]);
	io_uring_queue_exit(&ring);
	for (m = 0; m < 2; m++)
		close(req_hfds[m]);
	fflush(stdout);
}

/* ---- scaling: 1 and 2 threads switching at once ------------------------------------ */

#define SCALE_NS	50000000ULL	/* 50 ms per run: many short rounds on a shared host */
#define NSCALE		4
#define SCALE_REPS	21

/*
 * What one operation is: a switch-and-back pair for credo-hit and Samba, one ASSUME for
 * the handle switch (each thread alternates between two handles of its own), one empty
 * ioctl for the floor of the module's entry points (each thread on its own open of
 * /dev/credo, as each has its own handles: threads sharing one struct file would share
 * its reference count, which fdget() takes in a multi-threaded process).
 */
enum { S_HIT, S_SAMBA, S_HSWITCH, S_EMPTY };
static const char *const sname[NSCALE] = {
	"credo-hit", "samba", "handle-switch", "ioctl-empty-1"
};
static int scale_hfds[2][2], scale_efd[2];

struct scale_arg {
	int method;
	int idx;
	volatile int *stop;
	uint64_t pairs;
};

static void *scale_thread(void *p)
{
	struct scale_arg *a = p;
	uint32_t base = UID_HIT + 50000 + a->idx * 100, c = 0;
	uint64_t n = 0;

	while (!__atomic_load_n(a->stop, __ATOMIC_RELAXED)) {
		switch (a->method) {
		case S_HIT:
			credo_override(base + c, base + c, groups, 16);
			credo_revert();
			break;
		case S_SAMBA:
			samba_to(base + c, base + c, groups, 16);
			samba_back();
			break;
		case S_HSWITCH:
			handle_assume(scale_hfds[a->idx][n & 1]);
			break;
		default:
			ioctl(scale_efd[a->idx], CREDO_IOC_EMPTY);
			break;
		}
		c = c + 1 == 10 ? 0 : c + 1;
		n++;
	}
	if (a->method == S_HSWITCH)
		credo_revert();
	a->pairs = n;
	return NULL;
}

static double scale_run(int method, int nthreads)
{
	struct scale_arg a[2];
	volatile int stop = 0;
	pthread_t t[2];
	uint64_t t0, total = 0;
	int i;

	settle();
	for (i = 0; i < nthreads; i++) {
		a[i] = (struct scale_arg){ .method = method, .idx = i, .stop = &stop };
		if (pthread_create(&t[i], NULL, scale_thread, &a[i]))
			die("pthread_create");
	}
	t0 = now_ns();
	while (now_ns() - t0 < SCALE_NS)
		usleep(2000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		total += a[i].pairs;
	}
	return total * 1e9 / (now_ns() - t0);
}

static void bench_scaling(void)
{
	double v[NSCALE][2][SCALE_REPS], med[NSCALE][2], rel[SCALE_REPS], relmed;
	int m, n, r, i;

	for (i = 0; i < 2; i++) {
		uint32_t base = UID_HIT + 60000 + i * 100;

		for (n = 0; n < 2; n++) {
			scale_hfds[i][n] = handle_mint(base + n, base + n, groups, 16);
			handle_check(scale_hfds[i][n], base + n);
		}
		scale_efd[i] = open("/dev/credo", O_RDWR | O_CLOEXEC);
		if (scale_efd[i] < 0)
			die("open /dev/credo");
	}
	/* The handle switch and the empty ioctl run next to each other in every round. */
	for (r = 0; r < SCALE_REPS; r++) {
		for (m = 0; m < NSCALE; m++)
			for (n = 0; n < 2; n++)
				v[m][n][r] = scale_run(m, n + 1);
		rel[r] = (v[S_HSWITCH][1][r] / v[S_HSWITCH][0][r]) /
			 (v[S_EMPTY][1][r] / v[S_EMPTY][0][r]);
	}
	relmed = median(rel, SCALE_REPS);
	print_runs("scaling", "relative", rel, SCALE_REPS);
	printf("\n== scaling: operations per second, 16 groups, each thread its own 10 identities "
	       "(credo-hit, samba: one op = switch and back), 2 handles (one op = one ASSUME) or "
	       "/dev/credo open (one op = one empty ioctl); median of %d runs of 50 ms ==\n",
	       SCALE_REPS);
	printf("csv:scaling:method,threads,ops_per_s,speedup\n");
	for (m = 0; m < NSCALE; m++) {
		for (n = 0; n < 2; n++)
			med[m][n] = median(v[m][n], SCALE_REPS);
		for (n = 0; n < 2; n++) {
			printf("%-14s %d thread(s): %10.0f ops/s  (%.2fx one thread)\n",
			       sname[m], n + 1, med[m][n], med[m][n] / med[m][0]);
			printf("csv:scaling:%s,%d,%.0f,%.3f\n", sname[m], n + 1, med[m][n],
			       med[m][n] / med[m][0]);
		}
	}
	printf("2-thread scaling of the handle switch / of the empty ioctl = %.2fx from the medians, "
	       "%.2fx median of the %d rounds' own ratios (range %.2f-%.2f) (target >= 0.9x)\n",
	       (med[S_HSWITCH][1] / med[S_HSWITCH][0]) / (med[S_EMPTY][1] / med[S_EMPTY][0]),
	       relmed, SCALE_REPS, rel[0], rel[SCALE_REPS - 1]);
	printf("csv:scaling_rel:from_medians,median_of_rounds,min_round,max_round,rounds\n");
	printf("csv:scaling_rel:%.3f,%.3f,%.3f,%.3f,%d\n",
	       (med[S_HSWITCH][1] / med[S_HSWITCH][0]) / (med[S_EMPTY][1] / med[S_EMPTY][0]),
	       relmed, rel[0], rel[SCALE_REPS - 1], SCALE_REPS);
	for (i = 0; i < 2; i++) {
		close(scale_hfds[i][0]);
		close(scale_hfds[i][1]);
		close(scale_efd[i]);
	}
	fflush(stdout);
}

/* ---- memory: cred objects pinned by N files opened under K identities -------------- */

#define MEM_FILES	10000
#define MEM_FILE	REQ_DIR "/mem"

static int mem_fds[MEM_FILES];

static long cred_objects(void)
{
	char line[512];
	long active = -1;
	FILE *f;
	int fd;

	sleep(1);	/* an RCU grace period: creds are freed through RCU */
	fd = open("/sys/kernel/slab/cred_jar/shrink", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		die("shrink cred_jar (is the guest booted with slab_nomerge?)");
	close(fd);
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		die("/proc/slabinfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "cred_jar ", 9))
			active = strtol(line + 9, NULL, 10);
	fclose(f);
	if (active < 0)
		die("no cred_jar in /proc/slabinfo");
	return active;
}

struct mem_job {
	int credo;
	uint32_t k, base;
};

static void mem_open_all(struct mem_job *j)
{
	uint32_t i, u;

	for (i = 0; i < MEM_FILES; i++) {
		u = j->base + i % j->k;
		if (j->credo)
			credo_override(u, u, groups, 16);
		else
			samba_to(u, u, groups, 16);
		mem_fds[i] = open(MEM_FILE, O_RDONLY);
		if (mem_fds[i] < 0)
			die("open %s (file %u)", MEM_FILE, i);
		if (j->credo)
			credo_revert();
		else
			samba_back();
	}
}

static void *mem_thread(void *arg)
{
	mem_open_all(arg);
	return NULL;
}

static void bench_memory(void)
{
	static const uint32_t ks[] = { 10, 100, 1000 };
	struct rlimit rl = { MEM_FILES + 100, MEM_FILES + 100 };
	unsigned int ki, i;
	int fd, credo;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE");
	fd = open(MEM_FILE, O_CREAT | O_WRONLY | O_TRUNC, 0444);
	if (fd < 0)
		die("create %s", MEM_FILE);
	close(fd);
	printf("\n== memory: cred_jar objects pinned by %d open files opened round-robin under K "
	       "identities (16 groups) ==\n", MEM_FILES);
	printf("csv:memory:k,files,credo_creds,raw_creds,credo_evictions_during,"
	       "credo_after_close,raw_after_close\n");
	printf("%6s %6s %12s %12s %10s\n", "K", "files", "credo", "raw", "credo-K");
	for (ki = 0; ki < 3; ki++) {
		long d[2], after[2];
		unsigned long ev = 0;

		for (credo = 1; credo >= 0; credo--) {
			struct mem_job j = { .credo = credo, .k = ks[ki],
					     .base = UID_MEM + ki * 10000 };
			unsigned long ev0 = sysfs_num("evictions");
			long before = cred_objects(), opened;
			pthread_t t;

			if (credo) {
				mem_open_all(&j);
			} else {
				/* raw set*id replaces the caller's cred: use a thread that exits */
				if (pthread_create(&t, NULL, mem_thread, &j))
					die("pthread_create");
				pthread_join(t, NULL);
			}
			opened = cred_objects();
			/*
			 * An eviction frees a table entry's cred: entries left unused by an
			 * earlier K may be evicted by the periodic pass while we count.
			 */
			if (credo)
				ev = sysfs_num("evictions") - ev0;
			d[credo] = opened - before + (credo ? (long)ev : 0);
			for (i = 0; i < MEM_FILES; i++)
				close(mem_fds[i]);
			after[credo] = cred_objects() - before;
		}
		printf("%6u %6d %12ld %12ld %+10ld\n", ks[ki], MEM_FILES, d[1], d[0],
		       d[1] - (long)ks[ki]);
		printf("csv:memory:%u,%d,%ld,%ld,%lu,%ld,%ld\n", ks[ki], MEM_FILES, d[1], d[0], ev,
		       after[1], after[0]);
		fflush(stdout);
	}
}

/* ---- 10 against 100,000 handles in use ---------------------------------------------- */

#define MANY_HANDLES	100000
#define UID_MANY	3000000U	/* uid = gid = UID_MANY + i, 0 groups */
#define MANY_BOUND_NS	(180 * 1000000000ULL)	/* minting + first assumes stop after this */
#define MANY_STRIDE	7919U	/* prime: visits every handle, each far from the last one */
#define NMANY		5

static int many_fds[MANY_HANDLES];

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static void write_param(const char *name, unsigned long val)
{
	char path[128], buf[32];
	int fd, len;

	snprintf(path, sizeof(path), "/sys/module/credo/parameters/%s", name);
	len = snprintf(buf, sizeof(buf), "%lu", val);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, buf, len) != len)
		die("write %lu to %s", val, path);
	close(fd);
}

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * The handle switch (one ASSUME per op, no revert) cycling through 10 handles, against
 * the same through all of 100,000 handles of distinct uids, visited with a stride of 7919
 * so that consecutive assumes touch handles minted far apart (another file, another handle,
 * another cred, another table entry; the fd table alone is 800 KB). Measured three ways,
 * interleaved where it can be: 10 handles before the 100,000 exist, then 10 (of them) and
 * all of them alternately. Every handle is assumed once before the timed runs (its first
 * assume builds the override and puts it in the table): the timed assumes are all hits of
 * the handle's remembered override, and the table counters show they never reach the table.
 *
 * Each handle's override stays in use (never evicted) while the handle is open, so the
 * table holds 100,000 more entries than it would otherwise: with the default max_entries
 * (16384) each insert above the bound would scan for victims and find none. The phase
 * raises max_entries through /sys/module/credo/parameters/max_entries (the bucket array
 * keeps its size, which only the first assumes see) and restores it afterwards, which
 * evicts the entries the closed handles left unused.
 */
static void bench_handles(void)
{
	struct rlimit rl = { MANY_HANDLES + 1024, MANY_HANDLES + 1024 };
	unsigned long max0 = param_num("max_entries"), e0 = sysfs_num("entries"), raised = 0;
	/* ASSUME: 10, all strided, all in mint order; the empty ioctl on them: 10, all strided */
	static const struct { enum method m; int all; uint32_t stride; } many[NMANY] = {
		{ M_HSWITCH, 0, 0 }, { M_HSWITCH, 1, 0 }, { M_HSWITCH, 1, 1 },
		{ M_HEMPTY, 0, 0 }, { M_HEMPTY, 1, 0 },
	};
	unsigned long lk[NMANY] = { 0 }, h0, m0;
	struct pair_job before, jobs[NMANY];
	double vb[REPS], v[NMANY][REPS], medb, med[NMANY];
	long mem0, mem1;
	uint64_t t0, mint_ns, first_ns, close_ns;
	uint32_t n, i, stride;
	unsigned int r, k;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE %d", MANY_HANDLES + 1024);
	if (max0 < e0 + MANY_HANDLES + 1024) {
		raised = strtoul(BIG_ENTRIES, NULL, 10);
		write_param("max_entries", raised);
	}
	mem0 = meminfo_kb("MemAvailable");
	for (n = 0; n < 10; n++) {
		many_fds[n] = handle_mint(UID_MANY + n, UID_MANY + n, groups, 0);
		handle_check(many_fds[n], UID_MANY + n);
	}
	before = (struct pair_job){ .m = M_HSWITCH, .idents = 10, .stride = 3, .hfds = many_fds };
	calibrate(&before);
	for (r = 0; r < REPS; r++) {
		run_pairs_round(&before, 1);
		vb[r] = (double)before.ns / before.n;
	}
	medb = median(vb, REPS);

	/* Mint the rest, then assume each once; both bounded in time. */
	t0 = now_ns();
	for (; n < MANY_HANDLES && now_ns() - t0 < MANY_BOUND_NS / 2; n++)
		many_fds[n] = handle_mint(UID_MANY + n, UID_MANY + n, groups, 0);
	mint_ns = now_ns() - t0;
	t0 = now_ns();
	for (i = 10; i < n; i++) {
		if ((i & 1023) == 0 && now_ns() - t0 > MANY_BOUND_NS / 2)
			break;
		handle_assume(many_fds[i]);
	}
	credo_revert();
	first_ns = now_ns() - t0;
	if (i < n) {
		printf("handles: first assumes stopped at %u of %u (time bound)\n", i, n);
		for (k = i; k < n; k++)
			close(many_fds[k]);
		n = i;
	}
	mem1 = meminfo_kb("MemAvailable");
	printf("\n== handles in use: %u handles minted in %.1f s (%.1f us each), first assumes "
	       "%.1f s (%.1f us each), MemAvailable %ld -> %ld kB (%.2f kB per handle), table "
	       "entries %lu -> %lu, max_entries %lu%s ==\n", n, mint_ns / 1e9,
	       mint_ns / 1e3 / (n > 10 ? n - 10 : 1), first_ns / 1e9,
	       first_ns / 1e3 / (n > 10 ? n - 10 : 1), mem0, mem1,
	       (double)(mem0 - mem1) / n, e0, sysfs_num("entries"), param_num("max_entries"),
	       raised ? " (raised for this phase)" : "");

	for (stride = MANY_STRIDE % n; gcd(stride, n) != 1; stride++)
		;
	for (k = 0; k < NMANY; k++) {
		jobs[k] = (struct pair_job){ .m = many[k].m, .hfds = many_fds,
					     .idents = many[k].all ? n : 10,
					     .stride = many[k].stride ? many[k].stride :
						       many[k].all ? stride : 3 };
		calibrate(&jobs[k]);
	}
	for (r = 0; r < REPS; r++) {
		h0 = sysfs_num("hits");
		m0 = sysfs_num("misses");
		run_pairs_round(jobs, NMANY);
		for (k = 0; k < NMANY; k++)
			v[k][r] = (double)jobs[k].ns / jobs[k].n;
		lk[0] += sysfs_num("hits") - h0 + sysfs_num("misses") - m0;
	}
	for (k = 1; k < NMANY; k++)
		lk[k] = lk[0];	/* counted over whole rounds: every way of the table together */
	for (k = 0; k < NMANY; k++) {
		char name[32];

		med[k] = median(v[k], REPS);
		snprintf(name, sizeof(name), "%s-%u-stride-%u",
			 many[k].m == M_HSWITCH ? "assume" : "empty", jobs[k].idents, jobs[k].stride);
		print_runs("handles", name, v[k], REPS);
	}

	t0 = now_ns();
	for (i = 0; i < n; i++)
		close(many_fds[i]);
	close_ns = now_ns() - t0;
	if (raised)
		write_param("max_entries", max0);
	printf("closed in %.1f s; max_entries back to %lu, table entries %lu\n", close_ns / 1e9,
	       param_num("max_entries"), sysfs_num("entries"));
	printf("ns per ioctl, median of %d (best run); table lookups during the timed runs:\n", REPS);
	printf("  ASSUME, 10 handles before the rest were minted:  %8.0f (%.0f)\n", medb, vb[0]);
	printf("csv:handles:way,handles,when,stride,ns,min_ns,per_10,min_per_10,table_lookups\n");
	printf("csv:handles:assume,10,before,3,%.0f,%.0f,%.3f,%.3f,0\n", medb, vb[0],
	       medb / med[0], vb[0] / v[0][0]);
	for (k = 0; k < NMANY; k++) {
		unsigned int b = many[k].m == M_HSWITCH ? 0 : 3;	/* its 10-handle row */

		printf("  %-6s %6u handles, stride %4u:              %8.0f (%.0f)  %.2fx of 10 "
		       "(best %.2fx)  lookups %lu\n", many[k].m == M_HSWITCH ? "ASSUME" : "empty",
		       jobs[k].idents, jobs[k].stride, med[k], v[k][0], med[k] / med[b],
		       v[k][0] / v[b][0], lk[k]);
		printf("csv:handles:%s,%u,with,%u,%.0f,%.0f,%.3f,%.3f,%lu\n",
		       many[k].m == M_HSWITCH ? "assume" : "empty", jobs[k].idents, jobs[k].stride,
		       med[k], v[k][0], med[k] / med[b], v[k][0] / v[b][0], lk[k]);
	}
	printf("%u / 10 handles (ASSUME, stride %u) = %.2fx (target <= 1.3x); in mint order "
	       "%.2fx; the empty ioctl on the same handles %.2fx\n", n, stride, med[1] / med[0],
	       med[2] / med[0], med[4] / med[3]);
	printf("csv:handles_setup:handles,mint_s,first_assume_s,close_s,mem_kb,entries_before,"
	       "max_entries_raised_to\n");
	printf("csv:handles_setup:%u,%.2f,%.2f,%.2f,%ld,%lu,%lu\n", n, mint_ns / 1e9,
	       first_ns / 1e9, close_ns / 1e9, mem0 - mem1, e0, raised);
	fflush(stdout);
}

/* ---- the raw ways again with credo unloaded: its probes sit on their paths ---------- */

static void bench_nocredo(void)
{
	static const uint32_t gs[] = { 0, 16, 256 };
	struct pair_job jobs[3][3];
	struct req_job rj[2] = { { .m = R_NONE }, { .m = R_SAMBA } };
	double v[3][3][REPS], rv[2][REPS], med[3][3], rmed[2];
	const enum method ms[3] = { M_SAMBA, M_GANESHA, M_FLOOR };
	unsigned int gi, m, r;

	close(credo_fd);
	credo_fd = -1;
	if (system("rmmod credo")) {
		printf("\nnocredo: rmmod credo failed, phase skipped\n");
		goto reload;
	}
	for (gi = 0; gi < 3; gi++)
		for (m = 0; m < 3; m++) {
			jobs[gi][m] = (struct pair_job){ .m = ms[m], .ng = gs[gi], .idents = 10 };
			calibrate(&jobs[gi][m]);
		}
	for (m = 0; m < 2; m++) {
		for (rj[m].n = 8;; rj[m].n *= 2) {
			run_reqs_isolated(&rj[m]);
			if (rj[m].ns >= RUN_NS / 2)
				break;
		}
		rj[m].n = rj[m].n * RUN_NS / rj[m].ns + 1;
	}
	for (r = 0; r < REPS; r++) {
		for (gi = 0; gi < 3; gi++)
			for (m = 0; m < 3; m++) {
				run_pairs_isolated(&jobs[gi][m]);
				v[gi][m][r] = (double)jobs[gi][m].ns / jobs[gi][m].n;
			}
		for (m = 0; m < 2; m++) {
			run_reqs_isolated(&rj[m]);
			rv[m][r] = (double)rj[m].ns / rj[m].n;
		}
	}
	printf("\n== the raw ways with credo unloaded (10 identities), ns, median of %d ==\n", REPS);
	printf("csv:nocredo:groups,samba,ganesha,floor,min_samba,min_ganesha,min_floor\n");
	for (gi = 0; gi < 3; gi++) {
		for (m = 0; m < 3; m++)
			med[gi][m] = median(v[gi][m], REPS);
		printf("groups %3u: samba %8.0f  ganesha %8.0f  floor %6.0f   (best runs %.0f %.0f %.0f)\n",
		       gs[gi], med[gi][0], med[gi][1], med[gi][2], v[gi][0][0], v[gi][1][0],
		       v[gi][2][0]);
		printf("csv:nocredo:%u,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f\n", gs[gi], med[gi][0], med[gi][1],
		       med[gi][2], v[gi][0][0], v[gi][1][0], v[gi][2][0]);
	}
	for (m = 0; m < 2; m++)
		rmed[m] = median(rv[m], REPS);
	printf("request: none %.0f ns, samba %.0f ns (%.2fx)   (best runs %.0f %.0f)\n", rmed[0],
	       rmed[1], rmed[1] / rmed[0], rv[0][0], rv[1][0]);
	printf("csv:nocredo_requests:none,samba,min_none,min_samba\n");
	printf("csv:nocredo_requests:%.0f,%.0f,%.0f,%.0f\n", rmed[0], rmed[1], rv[0][0], rv[1][0]);
reload:
	/* Reloaded with a table that holds 100,000 identities: see bench_lookup(). */
	if (system("modprobe credo max_entries=" BIG_ENTRIES " evict_interval_ms=0"))
		die("modprobe credo");
	credo_fd = open("/dev/credo", O_RDWR | O_CLOEXEC);
	if (credo_fd < 0)
		die("reopen /dev/credo");
}

/*
 * Lookup cost against the number of identities, with a table big enough for all of
 * them and no periodic eviction (the default table, max_entries 16384, cannot hold
 * 100,000, and its periodic pass evicts entries idle at the instant of two passes).
 */
static void bench_lookup(void)
{
	static const uint32_t gs[] = { 0, 16 };
	static const uint32_t ds[] = { 10, 1000, 100000 };
	struct pair_job jobs[2][3];
	double v[2][3][REPS], med[2][3];
	unsigned long h[2][3] = { { 0 } }, mi[2][3] = { { 0 } }, h0, m0;
	unsigned int gi, di, r;
	uint64_t c;

	printf("\n== lookup cost: credo hit with max_entries=%lu evict_interval_ms=%lu, ns per pair, "
	       "median of %d ==\n", param_num("max_entries"), param_num("evict_interval_ms"), REPS);
	for (gi = 0; gi < 2; gi++)
		for (di = 0; di < 3; di++) {
			for (c = 0; c < ds[di]; c++) {
				credo_override(UID_HIT + c, UID_HIT + c, groups, gs[gi]);
				credo_revert();
			}
			jobs[gi][di] = (struct pair_job){ .m = M_HIT, .ng = gs[gi], .idents = ds[di] };
			calibrate(&jobs[gi][di]);
		}
	for (r = 0; r < REPS; r++)
		for (gi = 0; gi < 2; gi++)
			for (di = 0; di < 3; di++) {
				h0 = sysfs_num("hits");
				m0 = sysfs_num("misses");
				settle();
				run_pairs(&jobs[gi][di]);
				h[gi][di] += sysfs_num("hits") - h0;
				mi[gi][di] += sysfs_num("misses") - m0;
				v[gi][di][r] = (double)jobs[gi][di].ns / jobs[gi][di].n;
			}
	printf("csv:lookup:groups,idents,credo_hit,per_10,hits,misses,min_credo_hit,min_per_10\n");
	for (gi = 0; gi < 2; gi++)
		for (di = 0; di < 3; di++) {
			med[gi][di] = median(v[gi][di], REPS);
			printf("groups %2u idents %6u: %8.0f ns  %.2fx of 10 identities  "
			       "(table hits %lu misses %lu; best run %.0f ns, %.2fx)\n", gs[gi], ds[di],
			       med[gi][di], med[gi][di] / med[gi][0], h[gi][di], mi[gi][di],
			       v[gi][di][0], v[gi][di][0] / v[gi][0][0]);
			printf("csv:lookup:%u,%u,%.0f,%.3f,%lu,%lu,%.0f,%.3f\n", gs[gi], ds[di],
			       med[gi][di], med[gi][di] / med[gi][0], h[gi][di], mi[gi][di],
			       v[gi][di][0], v[gi][di][0] / v[gi][0][0]);
		}
	printf("table entries %lu\n", sysfs_num("entries"));
}

/* ---- the hit pairs with credo's tracepoints off and on (issue 15) ------------------ */

/*
 * The descriptor hit pair and the handle pair, in rounds that alternate the credo
 * tracepoints off and on (events/credo/enable), so a busy host slows both states alike.
 * "On" records every event into the ring buffer, the cost a perf or bpftrace user pays;
 * "off" is what every other user pays for the tracepoints existing: the static branches.
 */
static void bench_tracepoint(void)
{
	static const char *const names[2] = { "credo-hit", "handle-pair" };
	const char *dir = tracing_dir();
	double v[2][2][REPS], med[2][2];
	struct pair_job jobs[2];
	unsigned int m, on, r;
	int hfds[10];

	if (!dir || trace_write(dir, "events/credo/enable", "0")) {
		printf("\ntracepoint: no tracefs with credo's events, phase skipped\n");
		return;
	}
	for (m = 0; m < 10; m++) {
		hfds[m] = handle_mint(UID_HIT + m, UID_HIT + m, groups, 0);
		handle_check(hfds[m], UID_HIT + m);
	}
	jobs[0] = (struct pair_job){ .m = M_HIT, .ng = 0, .idents = 10 };
	jobs[1] = (struct pair_job){ .m = M_HPAIR, .ng = 0, .idents = 10, .hfds = hfds };
	for (m = 0; m < 2; m++)
		calibrate(&jobs[m]);
	trace_write(dir, "tracing_on", "1");
	for (r = 0; r < REPS; r++) {
		for (on = 0; on < 2; on++) {
			if (trace_write(dir, "events/credo/enable", on ? "1" : "0"))
				die("tracepoint: cannot switch events/credo/enable");
			run_pairs_round(jobs, 2);
			for (m = 0; m < 2; m++)
				v[on][m][r] = (double)jobs[m].ns / jobs[m].n;
		}
	}
	trace_write(dir, "events/credo/enable", "0");
	trace_write(dir, "trace", "");
	printf("\n== hit pairs with credo's tracepoints off and on, ns per pair, median of %d ==\n",
	       REPS);
	printf("csv:tracepoint:way,off_ns,on_ns,min_off_ns,min_on_ns,on_per_off\n");
	for (m = 0; m < 2; m++) {
		for (on = 0; on < 2; on++) {
			med[on][m] = median(v[on][m], REPS);
			print_runs(on ? "tracepoint-on" : "tracepoint-off", names[m], v[on][m], REPS);
		}
		printf("%-12s off %8.0f  on %8.0f  on/off %.2fx\n", names[m], med[0][m], med[1][m],
		       med[1][m] / med[0][m]);
		printf("csv:tracepoint:%s,%.0f,%.0f,%.0f,%.0f,%.3f\n", names[m], med[0][m], med[1][m],
		       v[0][m][0], v[1][m][0], med[1][m] / med[0][m]);
	}
	for (m = 0; m < 10; m++)
		close(hfds[m]);
	fflush(stdout);
}

static char phases[256] = "memory requests scaling pairs handles tracepoint nocredo";

static int phase(const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = phases; (p = strstr(p, name)); p += n)
		if ((p == phases || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ' || p[n] == '\n'))
			return 1;
	return 0;
}

/*
 * The phases to run: argv[1] (space-separated), else the first line of
 * /tests/credo-bench.args (scripts/bench.sh writes it from CREDO_BENCH_PHASES), else
 * every phase but the opt-in profile.
 */
static void read_phases(int argc, char **argv)
{
	FILE *f;

	if (argc > 1) {
		snprintf(phases, sizeof(phases), "%s", argv[1]);
		return;
	}
	f = fopen("/tests/credo-bench.args", "r");
	if (f) {
		if (!fgets(phases, sizeof(phases), f))
			phases[0] = 0;
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	uint32_t j;
	uint64_t t0 = now_ns();

	setvbuf(stdout, NULL, _IOLBF, 0);
	read_phases(argc, argv);
	printf("credo-bench: phases: %s\n", phases);
	credo_fd = open("/dev/credo", O_RDWR | O_CLOEXEC);
	if (credo_fd < 0)
		die("open /dev/credo");
	for (j = 0; j < MAXG; j++)
		groups[j] = GID_SUPP + j;
	req_groups[0] = GID_SHARE;
	for (j = 1; j < REQ_NG; j++)
		req_groups[j] = GID_SUPP + j;
	mkdir(REQ_DIR, 0755);
	printf("credo-bench: max_entries %lu, evict_interval_ms %lu, %ld CPUs\n",
	       param_num("max_entries"), param_num("evict_interval_ms"),
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("csv:params:max_entries,evict_interval_ms,cpus,reps\n");
	printf("csv:params:%lu,%lu,%ld,%d\n", param_num("max_entries"),
	       param_num("evict_interval_ms"), sysconf(_SC_NPROCESSORS_ONLN), REPS);

	/* Memory first, while the table is empty and no earlier phase's creds are in RCU. */
	if (phase("memory"))
		bench_memory();
	if (phase("requests"))
		bench_requests();
	if (phase("scaling"))
		bench_scaling();
	if (phase("pairs"))
		bench_pairs();
	/* Runs with the pairs, or alone (phase "dispatch"). */
	if (phase("pairs") || phase("dispatch"))
		bench_dispatch();
	if (phase("handles"))
		bench_handles();
	if (phase("tracepoint"))
		bench_tracepoint();
	if (phase("profile"))
		bench_profile();
	printf("\ncredo-bench: table: entries %lu hits %lu misses %lu evictions %lu\n",
	       sysfs_num("entries"), sysfs_num("hits"), sysfs_num("misses"),
	       sysfs_num("evictions"));
	/* Last: it unloads and reloads credo. */
	if (phase("nocredo")) {
		bench_nocredo();
		bench_lookup();
	}
	printf("credo-bench: done in %.1f s\n", (now_ns() - t0) / 1e9);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * credo-bench: what an identity switch costs with credo and with what users pick instead,
 * and how many struct cred objects files opened under K identities pin.
 *
 * Runs inside the guest as root with credo loaded (scripts/bench.sh, `make bench`).
 * Prints a readable report plus machine-readable lines "csv:NAME:a,b,c" that the host
 * turns into NAME.csv. Every time is the median of REPS timed runs (the best run is
 * printed too); runs of the methods compared in one table are interleaved so that noise
 * hits them alike. Phases: memory, requests, scaling, pairs (with dispatch, the cost of bare
 * ioctls), nocredo (raw ways with credo
 * unloaded, then the lookup cost with a big table), and the opt-in profile; see
 * read_phases() and docs/performance.md.
 *
 * Switch-and-back pairs:
 *   credo-hit   CREDO_IOC_OVERRIDE of an identity already in the table + CREDO_IOC_REVERT
 *   credo-miss  the same with an identity never used before (a fresh uid every time)
 *   samba       raw setgroups, setresgid(-1,g,-1), setresuid(-1,u,-1), and back
 *   ganesha     raw setfsuid, setfsgid, setgroups, and back
 *   floor       getppid twice
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

#define REPS		15	/* timed runs per measurement; the median is reported */
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

static void credo_override(uint32_t uid, uint32_t gid, const uint32_t *g, uint32_t ng)
{
	struct credo_cred c = {
		.size = sizeof(c),
		.uid = uid, .euid = uid, .suid = uid, .fsuid = uid,
		.gid = gid, .egid = gid, .sgid = gid, .fsgid = gid,
		.ngroups = ng,
		.groups = (uintptr_t)g,
	};

	if (ioctl(credo_fd, CREDO_IOC_OVERRIDE, &c))
		die("CREDO_IOC_OVERRIDE uid %u", uid);
}

static void credo_revert(void)
{
	if (ioctl(credo_fd, CREDO_IOC_REVERT))
		die("CREDO_IOC_REVERT");
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
	M_NOTTY = NMETHOD,	/* two ioctls with a command credo does not know */
	M_REVERTS,		/* two CREDO_IOC_REVERT with no override */
};

struct pair_job {
	enum method m;
	uint32_t ng, idents;
	uint64_t n;		/* pairs to run */
	uint64_t cursor;	/* identity cursor, kept across runs */
	uint64_t ns;		/* out: elapsed */
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
			ioctl(credo_fd, _IO(CREDO_IOC_MAGIC, 0x7f));
			ioctl(credo_fd, _IO(CREDO_IOC_MAGIC, 0x7f));
		}
		break;
	case M_REVERTS:
		for (i = 0; i < j->n; i++) {
			credo_revert();
			credo_revert();
		}
		break;
	default:
		break;
	}
	j->ns = now_ns() - t0;
	j->cursor = c;
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
 * How far a switch through an ioctl can get towards the floor: two ioctls that credo
 * refuses at once (ENOTTY), two REVERTs with nothing to revert (the ioctl plus one
 * thread lookup), and the hit pair, against two getppid, interleaved, 0 groups.
 */
static void bench_dispatch(void)
{
	static const enum method ms[] = { M_FLOOR, M_NOTTY, M_REVERTS, M_HIT };
	static const char *const names[] = { "floor", "ioctl-enotty", "revert-revert", "credo-hit" };
	struct pair_job jobs[4];
	double v[4][REPS];
	unsigned int m, r;

	if (ioctl(credo_fd, _IO(CREDO_IOC_MAGIC, 0x7f)) != -1 || errno != ENOTTY)
		die("dispatch: an unknown command did not give ENOTTY");
	for (m = 0; m < 4; m++) {
		jobs[m] = (struct pair_job){ .m = ms[m], .ng = 0, .idents = 10 };
		calibrate(&jobs[m]);
	}
	for (r = 0; r < REPS; r++)
		for (m = 0; m < 4; m++) {
			run_pairs_isolated(&jobs[m]);
			v[m][r] = (double)jobs[m].ns / jobs[m].n;
		}
	printf("\n== what a pair of ioctls costs before credo's work, ns, median of %d ==\n", REPS);
	printf("csv:dispatch:way,ns,min_ns,per_floor,min_per_min_floor\n");
	for (m = 0; m < 4; m++) {
		double med = median(v[m], REPS), fl = median(v[0], REPS);

		printf("%-14s %8.0f  %6.2fx floor   (best run %.0f)\n", names[m], med, med / fl,
		       v[m][0]);
		printf("csv:dispatch:%s,%.0f,%.0f,%.3f,%.3f\n", names[m], med, v[m][0], med / fl,
		       v[m][0] / v[0][0]);
	}
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

enum rmethod { R_NONE, R_SAMBA, R_CREDO, R_URING, R_URING_PERS, NRMETHOD };
static const char *const rname[NRMETHOD] = {
	"none", "samba", "credo", "uring-nopers", "uring-pers"
};
static uint32_t req_groups[REQ_NG];
static struct io_uring ring;
static int personality;

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
		for (i = 0; i < j->n; i++)
			open_close();
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
}

static void *reqs_thread(void *arg)
{
	run_reqs(arg);
	return NULL;
}

static void run_reqs_isolated(struct req_job *j)
{
	pthread_t t;

	settle();
	if (j->m != R_SAMBA) {
		run_reqs(j);
		return;
	}
	if (pthread_create(&t, NULL, reqs_thread, j))
		die("pthread_create");
	pthread_join(t, NULL);
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
		jobs[m].n = jobs[m].n * (2 * RUN_NS) / jobs[m].ns + 1;
	}
	for (r = 0; r < REPS; r++)
		for (m = 0; m < NRMETHOD; m++) {
			run_reqs_isolated(&jobs[m]);
			v[m][r] = (double)jobs[m].ns / jobs[m].n;
		}
	for (m = 0; m < NRMETHOD; m++) {
		med[m] = median(v[m], REPS);
		mn[m] = v[m][0];
	}

	printf("\n== per request: open+close of a file readable only through group %u "
	       "(user %u, %d groups), ns, median of %d ==\n", GID_SHARE, UID_REQ, REQ_NG, REPS);
	printf("csv:requests:method,ns,per_none,per_credo,min_ns,min_per_none,min_per_credo\n");
	for (m = 0; m < NRMETHOD; m++) {
		printf("%-13s %9.0f ns  %5.2fx no-switch  %5.2fx credo   (best run %7.0f ns)\n",
		       rname[m], med[m], med[m] / med[R_NONE], med[m] / med[R_CREDO], mn[m]);
		printf("csv:requests:%s,%.0f,%.3f,%.3f,%.0f,%.3f,%.3f\n", rname[m], med[m],
		       med[m] / med[R_NONE], med[m] / med[R_CREDO], mn[m], mn[m] / mn[R_NONE],
		       mn[m] / mn[R_CREDO]);
	}
	printf("credo adds %.1f%% to the request (target <= 25%%)\n",
	       100.0 * (med[R_CREDO] / med[R_NONE] - 1));
	printf("io_uring personality request / credo request = %.2fx (target >= 1.4x)\n",
	       med[R_URING_PERS] / med[R_CREDO]);
	printf("switching cost over no-switch: credo %.0f ns, samba %.0f ns, "
	       "io_uring personality %.0f ns over io_uring without\n",
	       med[R_CREDO] - med[R_NONE], med[R_SAMBA] - med[R_NONE],
	       med[R_URING_PERS] - med[R_URING]);
	printf("csv:request_summary:credo_added_pct,uring_pers_per_credo\n");
	printf("csv:request_summary:%.1f,%.3f\n", 100.0 * (med[R_CREDO] / med[R_NONE] - 1),
	       med[R_URING_PERS] / med[R_CREDO]);
	io_uring_queue_exit(&ring);
	fflush(stdout);
}

/* ---- scaling: 1 and 2 threads switching at once ------------------------------------ */

#define SCALE_NS	300000000ULL	/* 0.3 s per run */

struct scale_arg {
	int method;	/* 0 credo-hit, 1 samba */
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
		if (a->method == 0) {
			credo_override(base + c, base + c, groups, 16);
			credo_revert();
		} else {
			samba_to(base + c, base + c, groups, 16);
			samba_back();
		}
		c = c + 1 == 10 ? 0 : c + 1;
		n++;
	}
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
		usleep(10000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		total += a[i].pairs;
	}
	return total * 1e9 / (now_ns() - t0);
}

static void bench_scaling(void)
{
	double v[2][2][5], med[2][2];
	int m, n, r;

	for (r = 0; r < 5; r++)
		for (m = 0; m < 2; m++)
			for (n = 0; n < 2; n++)
				v[m][n][r] = scale_run(m, n + 1);
	printf("\n== scaling: switch-and-back pairs per second, 16 groups, 10 identities per thread, "
	       "median of 5 runs of 0.3 s ==\n");
	printf("csv:scaling:method,threads,pairs_per_s,speedup\n");
	for (m = 0; m < 2; m++) {
		for (n = 0; n < 2; n++)
			med[m][n] = median(v[m][n], 5);
		for (n = 0; n < 2; n++) {
			printf("%-9s %d thread(s): %10.0f pairs/s  (%.2fx one thread)\n",
			       m ? "samba" : "credo-hit", n + 1, med[m][n], med[m][n] / med[m][0]);
			printf("csv:scaling:%s,%d,%.0f,%.3f\n", m ? "samba" : "credo-hit", n + 1,
			       med[m][n], med[m][n] / med[m][0]);
		}
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
		rj[m].n = rj[m].n * (2 * RUN_NS) / rj[m].ns + 1;
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

static char phases[256] = "memory requests scaling pairs nocredo";

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

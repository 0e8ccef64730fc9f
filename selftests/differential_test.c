// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test: for each identity (uid, gid, supplementary groups) run
 * the same file operations over the same tree twice,
 *   - in a thread under a credo override (all four uids = uid, all four
 *     gids = gid, so access() without AT_EACCESS, which checks the real ids,
 *     sees the same identity), and
 *   - in a forked child that switched with raw setgroups/setresgid/setresuid,
 * and require the same result (0 or the same errno) for every operation.
 * The tree has files and directories of various modes and owners, sticky
 * directories and POSIX ACLs (written as the raw system.posix_acl_access
 * xattr).  It is rebuilt before every run, since unlink/mkdir change it.
 */
#include "credo_test.h"
#include "credo_harness.h"

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

#define A_UO	0x01	/* ACL_USER_OBJ */
#define A_U	0x02	/* ACL_USER */
#define A_GO	0x04	/* ACL_GROUP_OBJ */
#define A_G	0x08	/* ACL_GROUP */
#define A_M	0x10	/* ACL_MASK */
#define A_O	0x20	/* ACL_OTHER */

static const struct acl_ent acl_user[] = {
	{ A_UO, 6, 0 }, { A_U, 4, 1000 }, { A_U, 6, 1002 }, { A_GO, 0, 0 },
	{ A_G, 6, 2001 }, { A_M, 6, 0 }, { A_O, 0, 0 },
};
static const struct acl_ent acl_mask[] = {	/* mask cuts 1001 and 2000 to r */
	{ A_UO, 6, 0 }, { A_U, 7, 1001 }, { A_GO, 4, 0 }, { A_G, 6, 2000 },
	{ A_M, 4, 0 }, { A_O, 0, 0 },
};
static const struct acl_ent acl_owner[] = {	/* owner entry wins over user:1000 */
	{ A_UO, 4, 0 }, { A_U, 6, 1000 }, { A_GO, 0, 0 }, { A_M, 6, 0 },
	{ A_O, 4, 0 },
};
static const struct acl_ent acl_exec[] = {	/* 1003 gets x only */
	{ A_UO, 7, 0 }, { A_U, 5, 1003 }, { A_GO, 0, 0 }, { A_M, 1, 0 },
	{ A_O, 0, 0 },
};
static const struct acl_ent acl_dir[] = {
	{ A_UO, 7, 0 }, { A_U, 7, 1001 }, { A_GO, 0, 0 }, { A_G, 5, 2001 },
	{ A_M, 7, 0 }, { A_O, 0, 0 },
};

enum kind { FILE_, DIR_, VICTIM };

struct obj {
	const char *path;
	enum kind kind;
	__u32 uid, gid;
	mode_t mode;
	const struct acl_ent *acl;
	int nacl;
};

#define ACL(a) a, (int)ARRAY_SIZE(a)

/* Parents before children. */
static const struct obj objs[] = {
	{ "f600_u1000", FILE_, 1000, 1000, 0600, NULL, 0 },
	{ "f640_g2000", FILE_, 0, 2000, 0640, NULL, 0 },
	{ "f604_u1000_g2000", FILE_, 1000, 2000, 0604, NULL, 0 },
	{ "f060_u1001_g2000", FILE_, 1001, 2000, 0060, NULL, 0 },
	{ "f006_root", FILE_, 0, 0, 0006, NULL, 0 },
	{ "f644_root", FILE_, 0, 0, 0644, NULL, 0 },
	{ "f755_root", FILE_, 0, 0, 0755, NULL, 0 },
	{ "f710_u1000_g2000", FILE_, 1000, 2000, 0710, NULL, 0 },
	{ "f666_root", FILE_, 0, 0, 0666, NULL, 0 },
	{ "f000_root", FILE_, 0, 0, 0000, NULL, 0 },
	{ "acl_user", FILE_, 0, 0, 0600, ACL(acl_user) },
	{ "acl_mask", FILE_, 0, 0, 0600, ACL(acl_mask) },
	{ "acl_owner", FILE_, 1000, 1000, 0600, ACL(acl_owner) },
	{ "acl_exec", FILE_, 0, 0, 0700, ACL(acl_exec) },
	{ "d700_u1000", DIR_, 1000, 1000, 0700, NULL, 0 },
	{ "d700_u1000/inner", FILE_, 0, 0, 0644, NULL, 0 },
	{ "d710_g2000", DIR_, 0, 2000, 0710, NULL, 0 },
	{ "d710_g2000/inner", FILE_, 0, 0, 0644, NULL, 0 },
	{ "d755_root", DIR_, 0, 0, 0755, NULL, 0 },
	{ "d703_root", DIR_, 0, 0, 0703, NULL, 0 },
	{ "d703_root/v_root", VICTIM, 0, 0, 0644, NULL, 0 },
	{ "d1777_root", DIR_, 0, 0, 01777, NULL, 0 },
	{ "d1777_root/v_u1000", VICTIM, 1000, 1000, 0644, NULL, 0 },
	{ "d1777_root/v_u1001", VICTIM, 1001, 1001, 0644, NULL, 0 },
	{ "d1777_root/v_root", VICTIM, 0, 0, 0666, NULL, 0 },
	{ "d1777_u1002", DIR_, 1002, 1002, 01777, NULL, 0 },
	{ "d1777_u1002/v_root", VICTIM, 0, 0, 0644, NULL, 0 },
	{ "d777_root", DIR_, 0, 0, 0777, NULL, 0 },
	{ "d777_root/v_root", VICTIM, 0, 0, 0600, NULL, 0 },
	{ "d1770_g2000", DIR_, 0, 2000, 01770, NULL, 0 },
	{ "d1770_g2000/v_u1000", VICTIM, 1000, 1000, 0600, NULL, 0 },
	{ "d1770_g2000/v_root", VICTIM, 0, 0, 0600, NULL, 0 },
	{ "dacl", DIR_, 0, 0, 0700, ACL(acl_dir) },
	{ "dacl/v_root", VICTIM, 0, 0, 0600, NULL, 0 },
	{ "dacl/inner", FILE_, 0, 0, 0644, NULL, 0 },
};
#define NOBJ ARRAY_SIZE(objs)

enum op {
	OP_OPEN_R, OP_OPEN_W, OP_ACC_R, OP_ACC_W, OP_ACC_X,
	OP_EACC_R, OP_EACC_W, OP_EACC_X, OP_MKDIR, OP_UNLINK, OP_COUNT
};
static const char *const op_names[OP_COUNT] = {
	"open(O_RDONLY)", "open(O_WRONLY)", "access(R_OK)", "access(W_OK)",
	"access(X_OK)", "faccessat2(R_OK, AT_EACCESS)",
	"faccessat2(W_OK, AT_EACCESS)", "faccessat2(X_OK, AT_EACCESS)",
	"mkdir", "unlink",
};
#define NA 1	/* operation not applicable to this object */

struct ident {
	const char *name;
	__u32 uid, gid;
	__u32 groups[4];
	__u32 ngroups;
};

static const struct ident idents[] = {
	{ "root", 0, 0, { 0 }, 0 },
	{ "1000/1000", 1000, 1000, { 0 }, 0 },
	{ "1000/1000+{2000,2001}", 1000, 1000, { 2000, 2001 }, 2 },
	{ "1001/1001+{2000}", 1001, 1001, { 2000 }, 1 },
	{ "1002/2000", 1002, 2000, { 0 }, 0 },
	{ "1003/1003+{2001}", 1003, 1003, { 2001 }, 1 },
	{ "65534/65534", 65534, 65534, { 0 }, 0 },
	{ "1004/1000+{2000}", 1004, 1000, { 2000 }, 1 },
	{ "0/2000+{2001}", 0, 2000, { 2001 }, 1 },
};

struct results {
	int err;		/* setting up the identity failed */
	__u32 euid_seen;
	int r[NOBJ][OP_COUNT];
};

static int sys_access(const char *p, int mode, int flags)
{
	long r = flags ? syscall(SYS_faccessat2, AT_FDCWD, p, mode, flags) :
			 syscall(SYS_faccessat, AT_FDCWD, p, mode);

	return r ? -errno : 0;
}

/* All operations, as whatever identity the calling thread has now. */
static void run_ops(const char *base, struct results *res)
{
	char p[PATH_MAX], sub[PATH_MAX + 16];
	unsigned int i, k;

	res->euid_seen = (__u32)syscall(SYS_geteuid);
	for (i = 0; i < NOBJ; i++) {
		int *r = res->r[i];

		for (k = 0; k < OP_COUNT; k++)
			r[k] = NA;
		snprintf(p, sizeof(p), "%s/%s", base, objs[i].path);
		if (objs[i].kind == VICTIM) {
			r[OP_UNLINK] = unlink(p) ? -errno : 0;
			continue;
		}
		r[OP_OPEN_R] = open_errno(p, O_RDONLY |
					  (objs[i].kind == DIR_ ? O_DIRECTORY : 0));
		if (objs[i].kind == FILE_)
			r[OP_OPEN_W] = open_errno(p, O_WRONLY);
		r[OP_ACC_R] = sys_access(p, R_OK, 0);
		r[OP_ACC_W] = sys_access(p, W_OK, 0);
		r[OP_ACC_X] = sys_access(p, X_OK, 0);
		r[OP_EACC_R] = sys_access(p, R_OK, AT_EACCESS);
		r[OP_EACC_W] = sys_access(p, W_OK, AT_EACCESS);
		r[OP_EACC_X] = sys_access(p, X_OK, AT_EACCESS);
		if (objs[i].kind == DIR_) {
			snprintf(sub, sizeof(sub), "%s/newdir", p);
			r[OP_MKDIR] = mkdir(sub, 0755) ? -errno : 0;
			if (!r[OP_MKDIR])
				rmdir(sub);
		}
	}
}

/* Builds the tree under base as root; 0 or -errno, *bad = failing object. */
static int build_tree(const char *base, const char **bad)
{
	char p[PATH_MAX];
	unsigned int i;
	int r;

	*bad = base;
	rm_tree(base);
	r = make_dir(base, 0, 0, 0755);
	if (r)
		return r;
	for (i = 0; i < NOBJ; i++) {
		const struct obj *o = &objs[i];

		*bad = o->path;
		snprintf(p, sizeof(p), "%s/%s", base, o->path);
		r = o->kind == DIR_ ? make_dir(p, o->uid, o->gid, o->mode) :
				      make_file(p, o->uid, o->gid, o->mode);
		if (!r && o->acl)
			r = set_acl(p, o->acl, o->nacl);
		if (r)
			return r;
	}
	return 0;
}

struct thread_ctx {
	int fd;
	const struct ident *id;
	const char *base;
	struct results *res;
};

static void *credo_side(void *arg)
{
	struct thread_ctx *t = arg;
	struct credo_cred c;

	credo_cred_init(&c, t->id->uid, t->id->gid, t->id->groups, t->id->ngroups);
	t->res->err = credo_override(t->fd, &c);
	if (t->res->err)
		return NULL;
	run_ops(t->base, t->res);
	t->res->err = credo_revert(t->fd);
	return NULL;
}

static void raw_side(const struct ident *id, const char *base, struct results *res)
{
	int status;
	pid_t pid;

	res->err = -ECHILD;
	pid = fork();
	if (pid == 0) {
		res->err = raw_become(id->uid, id->gid, id->groups, id->ngroups);
		if (!res->err)
			run_ops(base, res);
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && status)
		res->err = -ECHILD;
}

static const char *errname(int r, char *buf, size_t len)
{
	if (r == 0)
		return "allowed";
	if (r == NA)
		return "n/a";
	snprintf(buf, len, "%s", strerror(-r));
	return buf;
}

FIXTURE(diff) {
	int fd;
	char dir[PATH_MAX];
	struct results *a, *b;	/* b is MAP_SHARED for the child */
};

FIXTURE_SETUP(diff)
{
	self->fd = -1;
	self->a = self->b = NULL;
	if (credo_start_euid != 0)
		return;		/* the test SKIPs; setup must not */
	self->fd = credo_open();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s (is credo.ko loaded?)", CREDO_DEV, strerror(errno));
	}
	ASSERT_EQ(0, make_tmpdir(self->dir, sizeof(self->dir)));
	self->a = calloc(1, sizeof(*self->a));
	ASSERT_NE(NULL, self->a);
	self->b = mmap(NULL, sizeof(*self->b), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->b);
}

FIXTURE_TEARDOWN(diff)
{
	if (self->fd >= 0)
		close(self->fd);
	rm_tree(self->dir);
	free(self->a);
	if (self->b && self->b != MAP_FAILED)
		munmap(self->b, sizeof(*self->b));
}

/* Same allow/deny (and errno) for every operation under a credo override as
 * after raw setgroups/setresgid/setresuid, for every identity. */
TEST_F(diff, override_matches_setresuid)
{
	unsigned int allowed[OP_COUNT] = { 0 }, denied[OP_COUNT] = { 0 };
	unsigned int i, o, k, mismatches = 0, compared = 0;
	char base[PATH_MAX + 8], e1[64], e2[64];
	const char *bad;
	int r;

	REQUIRE_ROOT();
	snprintf(base, sizeof(base), "%s/t", self->dir);

	for (i = 0; i < ARRAY_SIZE(idents); i++) {
		const struct ident *id = &idents[i];
		struct thread_ctx t = {
			.fd = self->fd, .id = id, .base = base, .res = self->a,
		};

		r = build_tree(base, &bad);
		ASSERT_EQ(0, r) TH_LOG("building %s: %s", bad, strerror(-r));
		memset(self->a, 0, sizeof(*self->a));
		ASSERT_EQ(0, run_in_thread(credo_side, &t));
		ASSERT_EQ(0, self->a->err) TH_LOG("%s: credo side: %s", id->name,
						  strerror(-self->a->err));
		EXPECT_EQ(id->uid, self->a->euid_seen);

		r = build_tree(base, &bad);
		ASSERT_EQ(0, r) TH_LOG("building %s: %s", bad, strerror(-r));
		memset(self->b, 0, sizeof(*self->b));
		raw_side(id, base, self->b);
		ASSERT_EQ(0, self->b->err) TH_LOG("%s: raw side: %s", id->name,
						  strerror(-self->b->err));
		EXPECT_EQ(id->uid, self->b->euid_seen);

		/* the main thread is still root after the credo thread */
		EXPECT_EQ(0u, (__u32)syscall(SYS_geteuid));

		for (o = 0; o < NOBJ; o++) {
			for (k = 0; k < OP_COUNT; k++) {
				int x = self->a->r[o][k], y = self->b->r[o][k];

				if (x == NA && y == NA)
					continue;
				compared++;
				if (x == 0)
					allowed[k]++;
				else if (x != NA)
					denied[k]++;
				if (x == y)
					continue;
				mismatches++;
				TH_LOG("MISMATCH %s: %s %s: credo %s, setresuid %s",
				       id->name, op_names[k], objs[o].path,
				       errname(x, e1, sizeof(e1)),
				       errname(y, e2, sizeof(e2)));
			}
		}
	}

	TH_LOG("%u identities, %u operations compared, %u mismatches",
	       (unsigned int)ARRAY_SIZE(idents), compared, mismatches);
	EXPECT_EQ(0u, mismatches);
	for (k = 0; k < OP_COUNT; k++) {
		EXPECT_LT(0u, allowed[k]) TH_LOG("%s never allowed", op_names[k]);
		EXPECT_LT(0u, denied[k]) TH_LOG("%s never denied", op_names[k]);
	}
}

TEST_HARNESS_MAIN

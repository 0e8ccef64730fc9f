// SPDX-License-Identifier: GPL-2.0
/*
 * credo and capabilities: the sets an override gets without CREDO_CRED_CAPS
 * (derived as setresuid() + setfsuid() would, compared against a forked child
 * that really calls them), explicit sets with CREDO_CRED_CAPS, and refusal of
 * any gain.  Each TEST runs in its own forked process, so changing that
 * process's securebits or capability sets affects only the test.
 */
#include "credo_test.h"
#include "credo_harness.h"

struct capfix {
	int fd;
	char dir[PATH_MAX];
	char pub[PATH_MAX + 16];	/* 01777 root */
	char secret[PATH_MAX + 16];	/* 0600 root:root */
	char theirs[PATH_MAX + 16];	/* 0600 1000:1000 */
	struct caps3 base;
};

static void capfix_setup(struct __test_metadata *_metadata, struct capfix *self)
{
	self->fd = -1;
	if (credo_start_euid != 0)
		return;		/* tests SKIP; setup must not */
	self->fd = credo_open();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s (is credo.ko loaded?)", CREDO_DEV, strerror(errno));
	}
	ASSERT_EQ(0, make_tmpdir(self->dir, sizeof(self->dir)));
	snprintf(self->pub, sizeof(self->pub), "%s/pub", self->dir);
	snprintf(self->secret, sizeof(self->secret), "%s/secret", self->dir);
	snprintf(self->theirs, sizeof(self->theirs), "%s/theirs", self->dir);
	ASSERT_EQ(0, make_dir(self->pub, 0, 0, 01777));
	ASSERT_EQ(0, make_file(self->secret, 0, 0, 0600));
	ASSERT_EQ(0, make_file(self->theirs, 1000, 1000, 0600));
	ASSERT_EQ(0, raw_capget(0, &self->base));
}

static void capfix_teardown(struct capfix *self)
{
	if (self->fd >= 0) {
		credo_revert(self->fd);
		close(self->fd);
	}
	rm_tree(self->dir);
}

FIXTURE(caps) {
	struct capfix f;
};

FIXTURE_SETUP(caps)
{
	capfix_setup(_metadata, &self->f);
}

FIXTURE_TEARDOWN(caps)
{
	capfix_teardown(&self->f);
}

FIXTURE(derive) {
	struct capfix f;
};

FIXTURE_VARIANT(derive) {
	unsigned int securebits;
};

FIXTURE_VARIANT_ADD(derive, plain) { .securebits = 0 };
FIXTURE_VARIANT_ADD(derive, keep_caps) { .securebits = SECBIT_KEEP_CAPS };
FIXTURE_VARIANT_ADD(derive, no_setuid_fixup) { .securebits = SECBIT_NO_SETUID_FIXUP };

FIXTURE_SETUP(derive)
{
	capfix_setup(_metadata, &self->f);
}

FIXTURE_TEARDOWN(derive)
{
	capfix_teardown(&self->f);
}

/* Non-root target without CREDO_CRED_CAPS: effective, permitted and ambient
 * empty (GET), and the thread really lacks CAP_CHOWN/CAP_DAC_*.  capget()
 * reads the objective credentials (security_capget uses __task_cred), so it
 * keeps reporting the thread's own sets while overridden. */
TEST_F(caps, default_nonroot_empty)
{
	char p[PATH_MAX + 32];
	struct credo_cred c, g;
	struct caps3 now;

	REQUIRE_ROOT();
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	ASSERT_EQ(0, credo_override(self->f.fd, &c));
	ASSERT_EQ(0, credo_get(self->f.fd, &g, NULL, 0));
	EXPECT_EQ(0ull, g.cap_effective);
	EXPECT_EQ(0ull, g.cap_permitted);
	EXPECT_EQ(0ull, g.cap_ambient);
	EXPECT_EQ(self->f.base.inh, g.cap_inheritable);

	snprintf(p, sizeof(p), "%s/mine", self->f.pub);
	ASSERT_EQ(0, create_file(p));
	EXPECT_EQ(-1, chown(p, 1001, 1001));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-EACCES, open_errno(self->f.secret, O_RDONLY));
	EXPECT_EQ(-EACCES, open_errno(self->f.secret, O_WRONLY));

	ASSERT_EQ(0, raw_capget(0, &now));
	EXPECT_EQ(self->f.base.eff, now.eff) TH_LOG("capget(self) should stay objective");
	EXPECT_EQ(self->f.base.perm, now.perm);

	ASSERT_EQ(0, credo_revert(self->f.fd));
	EXPECT_EQ(0, open_errno(self->f.secret, O_RDONLY));
}

struct ids4 {
	__u32 r, e, s, fs;
};

static const struct ids4 tuples[] = {
	{ 1000, 1000, 1000, 1000 },	/* all non-zero: P, E, A cleared */
	{ 0, 1000, 0, 1000 },		/* euid 0->1000: E cleared, P kept */
	{ 1000, 0, 1000, 1000 },	/* euid stays 0, fsuid 0->1000: E minus fs set */
	{ 1000, 1000, 0, 0 },		/* E cleared, then fsuid 0 raises the fs set from P */
	{ 0, 0, 0, 1000 },		/* fsuid only */
	{ 0, 0, 0, 0 },			/* root: unchanged */
	{ 1000, 1001, 1002, 1002 },	/* all different (fsuid must be one of r/e/s for the child) */
};

struct derived {
	int err;
	struct caps3 c;
	__u64 amb;
};

/* What setresuid() + setfsuid() really give, in a forked child. */
static void derive_in_child(const struct ids4 *t, struct derived *out)
{
	struct derived *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (sh == MAP_FAILED) {
		out->err = -errno;
		return;
	}
	memset(sh, 0, sizeof(*sh));
	pid = fork();
	if (pid == 0) {
		sh->err = raw_setresuid(t->r, t->e, t->s);
		if (!sh->err && syscall(SYS_setfsuid, t->fs) < 0)
			sh->err = -errno;
		if (!sh->err && (__u32)syscall(SYS_setfsuid, -1) != t->fs)
			sh->err = -EPERM;	/* setfsuid silently refused */
		if (!sh->err)
			sh->err = raw_capget(0, &sh->c);
		sh->amb = ambient_mask();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		sh->err = -ECHILD;
	*out = *sh;
	munmap(sh, sizeof(*sh));
}

/* Without CREDO_CRED_CAPS the sets are exactly what setresuid(r,e,s) then
 * setfsuid(fs) give a process with the same starting credentials, for each
 * securebits variant (KEEP_CAPS, NO_SETUID_FIXUP honoured). */
TEST_F(derive, default_derivation)
{
	unsigned int i;

	REQUIRE_ROOT();
	if (variant->securebits)
		ASSERT_EQ(0, prctl(PR_SET_SECUREBITS, variant->securebits, 0, 0, 0));
	ASSERT_EQ(0, raw_capget(0, &self->f.base));

	for (i = 0; i < ARRAY_SIZE(tuples); i++) {
		const struct ids4 *t = &tuples[i];
		struct credo_cred c, g;
		struct derived want;

		derive_in_child(t, &want);
		ASSERT_EQ(0, want.err) TH_LOG("child for tuple %u", i);

		credo_cred_init(&c, t->r, 1000, NULL, 0);
		c.euid = t->e; c.suid = t->s; c.fsuid = t->fs;
		ASSERT_EQ(0, credo_override(self->f.fd, &c));
		ASSERT_EQ(0, credo_get(self->f.fd, &g, NULL, 0));
		ASSERT_EQ(0, credo_revert(self->f.fd));

		EXPECT_EQ(want.c.eff, g.cap_effective) {
			TH_LOG("ids %u/%u/%u/%u bits %#x: effective %#llx, setresuid+setfsuid give %#llx",
			       t->r, t->e, t->s, t->fs, variant->securebits,
			       (unsigned long long)g.cap_effective,
			       (unsigned long long)want.c.eff);
		}
		EXPECT_EQ(want.c.perm, g.cap_permitted) {
			TH_LOG("ids %u/%u/%u/%u bits %#x: permitted %#llx, want %#llx",
			       t->r, t->e, t->s, t->fs, variant->securebits,
			       (unsigned long long)g.cap_permitted,
			       (unsigned long long)want.c.perm);
		}
		EXPECT_EQ(want.c.inh, g.cap_inheritable);
		EXPECT_EQ(want.amb, g.cap_ambient);
	}

	/* Independent of the child: the plain all-non-zero case is empty,
	 * NO_SETUID_FIXUP keeps everything. */
	if (variant->securebits == 0 || variant->securebits == SECBIT_NO_SETUID_FIXUP) {
		struct credo_cred c, g;

		credo_cred_init(&c, 1000, 1000, NULL, 0);
		ASSERT_EQ(0, credo_override(self->f.fd, &c));
		ASSERT_EQ(0, credo_get(self->f.fd, &g, NULL, 0));
		if (variant->securebits) {
			EXPECT_EQ(self->f.base.eff, g.cap_effective);
			EXPECT_EQ(self->f.base.perm, g.cap_permitted);
			/* and it is real: the fs caps still open a root 0600 file */
			EXPECT_EQ(0, open_errno(self->f.secret, O_RDONLY));
		} else {
			EXPECT_EQ(0ull, g.cap_effective);
			EXPECT_EQ(0ull, g.cap_permitted);
			EXPECT_EQ(-EACCES, open_errno(self->f.secret, O_RDONLY));
		}
		ASSERT_EQ(0, credo_revert(self->f.fd));
	}
}

/* CREDO_CRED_CAPS with only CAP_DAC_READ_SEARCH as uid 1000: reads a root
 * 0600 file but cannot write it; GET reports exactly the given sets.  The
 * same capability in permitted only (not effective) does not open it. */
TEST_F(caps, explicit_subset)
{
	const __u64 drs = CAPB(CAP_DAC_READ_SEARCH);
	struct credo_cred c, g;

	REQUIRE_ROOT();
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	credo_cred_caps(&c, drs, drs, 0, 0);
	ASSERT_EQ(0, credo_override(self->f.fd, &c));
	EXPECT_EQ(0, open_errno(self->f.secret, O_RDONLY));
	EXPECT_EQ(-EACCES, open_errno(self->f.secret, O_WRONLY));
	ASSERT_EQ(0, credo_get(self->f.fd, &g, NULL, 0));
	EXPECT_EQ(drs, g.cap_effective);
	EXPECT_EQ(drs, g.cap_permitted);
	EXPECT_EQ(0ull, g.cap_inheritable);
	EXPECT_EQ(0ull, g.cap_ambient);
	EXPECT_EQ(1000u, g.fsuid);

	credo_cred_init(&c, 1000, 1000, NULL, 0);
	credo_cred_caps(&c, 0, drs, 0, 0);
	ASSERT_EQ(0, credo_override(self->f.fd, &c));
	EXPECT_EQ(-EACCES, open_errno(self->f.secret, O_RDONLY));
	ASSERT_EQ(0, credo_get(self->f.fd, &g, NULL, 0));
	EXPECT_EQ(0ull, g.cap_effective);
	EXPECT_EQ(drs, g.cap_permitted);

	/* ambient within permitted and inheritable (all within the thread's
	 * own permitted set) is allowed */
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	credo_cred_caps(&c, drs, drs, drs, drs);
	ASSERT_EQ(0, credo_override(self->f.fd, &c));
	ASSERT_EQ(0, credo_get(self->f.fd, &g, NULL, 0));
	EXPECT_EQ(drs, g.cap_inheritable);
	EXPECT_EQ(drs, g.cap_ambient);

	/* a root target with empty sets has no capabilities: a 0600 file of
	 * uid 1000 is closed to it, its own root 0600 file is open (owner) */
	credo_cred_init(&c, 0, 0, NULL, 0);
	credo_cred_caps(&c, 0, 0, 0, 0);
	ASSERT_EQ(0, credo_override(self->f.fd, &c));
	EXPECT_EQ(-EACCES, open_errno(self->f.theirs, O_RDONLY));
	EXPECT_EQ(0, open_errno(self->f.secret, O_RDONLY));
	ASSERT_EQ(0, credo_get(self->f.fd, &g, NULL, 0));
	EXPECT_EQ(0ull, g.cap_effective | g.cap_permitted);
	ASSERT_EQ(0, credo_revert(self->f.fd));
	EXPECT_EQ(0, open_errno(self->f.theirs, O_RDONLY));
}

/* A thread whose own permitted set lacks CAP_SYS_ADMIN asking for it (in
 * effective, permitted or inheritable) gets EPERM, and nothing changes,
 * whether or not an override was active. */
TEST_F(caps, gain_refused)
{
	const __u64 sa = CAPB(CAP_SYS_ADMIN);
	struct credo_snap before, after;
	struct caps3 red, now;
	struct credo_cred c, ok;
	char why[128];
	int pass;

	REQUIRE_ROOT();
	ASSERT_NE(0ull, self->f.base.perm & sa);
	red = self->f.base;
	red.eff &= ~sa;
	red.perm &= ~sa;
	red.inh &= ~sa;
	ASSERT_EQ(0, raw_capset(&red));
	ASSERT_EQ(0, raw_capget(0, &now));
	ASSERT_EQ(0ull, now.perm & sa);
	ASSERT_NE(0ull, now.eff & CAPB(CAP_SETUID));
	ASSERT_NE(0ull, now.eff & CAPB(CAP_SETGID));

	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {	/* now from an active override */
			credo_cred_init(&ok, 1001, 1001, NULL, 0);
			ASSERT_EQ(0, credo_override(self->f.fd, &ok));
		}
		credo_snapshot(self->f.fd, &before);
		ASSERT_EQ(0, before.err);

		credo_cred_init(&c, 1000, 1000, NULL, 0);
		credo_cred_caps(&c, sa, sa, 0, 0);
		EXPECT_EQ(-EPERM, credo_override(self->f.fd, &c));
		credo_cred_caps(&c, 0, sa, 0, 0);
		EXPECT_EQ(-EPERM, credo_override(self->f.fd, &c));
		credo_cred_caps(&c, 0, 0, sa, 0);
		EXPECT_EQ(-EPERM, credo_override(self->f.fd, &c));
		/* the thread's whole original set, from before the reduction */
		credo_cred_init(&c, 0, 0, NULL, 0);
		credo_cred_caps(&c, self->f.base.eff, self->f.base.perm, 0, 0);
		EXPECT_EQ(-EPERM, credo_override(self->f.fd, &c));

		credo_snapshot(self->f.fd, &after);
		EXPECT_TRUE(credo_snap_equal(&before, &after, why, sizeof(why))) {
			TH_LOG("pass %d: state changed by a refused override: %s",
			       pass, why);
		}
		EXPECT_EQ(pass ? 1001u : 0u, (__u32)syscall(SYS_geteuid));
	}
	ASSERT_EQ(0, credo_revert(self->f.fd));

	/* what is within the reduced set is still fine */
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	credo_cred_caps(&c, CAPB(CAP_DAC_READ_SEARCH), CAPB(CAP_DAC_READ_SEARCH), 0, 0);
	EXPECT_EQ(0, credo_override(self->f.fd, &c));
	ASSERT_EQ(0, credo_revert(self->f.fd));
}

/* Sets that are inconsistent among themselves (effective outside the given
 * permitted, ambient outside permitted or inheritable) are refused (EPERM or
 * EINVAL) and change nothing. */
TEST_F(caps, inconsistent_sets_refused)
{
	const __u64 drs = CAPB(CAP_DAC_READ_SEARCH), fo = CAPB(CAP_FOWNER);
	const struct { __u64 e, p, i, a; } bad[] = {
		{ drs, 0, 0, 0 },		/* effective not in permitted */
		{ drs | fo, drs, 0, 0 },
		{ 0, drs, 0, drs },		/* ambient not in inheritable */
		{ 0, 0, drs, drs },		/* ambient not in permitted */
	};
	struct credo_snap before, after;
	struct credo_cred c;
	unsigned int i;
	char why[128];
	int r;

	REQUIRE_ROOT();
	credo_snapshot(self->f.fd, &before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		credo_cred_init(&c, 1000, 1000, NULL, 0);
		credo_cred_caps(&c, bad[i].e, bad[i].p, bad[i].i, bad[i].a);
		r = credo_override(self->f.fd, &c);
		EXPECT_TRUE(r == -EPERM || r == -EINVAL) {
			TH_LOG("case %u: override returned %d", i, r);
		}
		credo_snapshot(self->f.fd, &after);
		EXPECT_TRUE(credo_snap_equal(&before, &after, why, sizeof(why))) {
			TH_LOG("case %u: %s", i, why);
		}
	}
}

TEST_HARNESS_MAIN

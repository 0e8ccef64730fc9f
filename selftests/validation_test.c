// SPDX-License-Identifier: GPL-2.0
/*
 * credo input validation: every bad descriptor or command gets its errno and
 * changes nothing (GET before and after identical, the subjective ids
 * unchanged), both without an override and with one active (the "overridden"
 * variant, where the active override must survive).  Accepted edge cases are
 * checked to really take effect.  Permission (EPERM) is checked in forked
 * children that give up CAP_SETUID/CAP_SETGID after opening the device.
 */
#include "credo_test.h"
#include "credo_harness.h"

static const __u32 active_groups[] = { 3334, 3335 };

FIXTURE(val) {
	int fd;
	__u32 want_euid;	/* euid the thread must keep across bad calls */
};

FIXTURE_VARIANT(val) {
	bool overridden;
};

FIXTURE_VARIANT_ADD(val, plain) { .overridden = false };
FIXTURE_VARIANT_ADD(val, overridden) { .overridden = true };

/* Puts the thread in the variant's state: reverted, or overridden to 3333. */
static int val_state(int fd, bool overridden)
{
	struct credo_cred c;

	if (!overridden)
		return credo_revert(fd);
	credo_cred_init(&c, 3333, 3333, active_groups, 2);
	return credo_override(fd, &c);
}

FIXTURE_SETUP(val)
{
	self->fd = -1;
	if (credo_start_euid != 0)
		return;		/* tests SKIP; setup must not */
	self->fd = credo_open();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s (is credo.ko loaded?)", CREDO_DEV, strerror(errno));
	}
	ASSERT_EQ(0, val_state(self->fd, variant->overridden));
	self->want_euid = variant->overridden ? 3333 : 0;
	ASSERT_EQ(self->want_euid, (__u32)syscall(SYS_geteuid));
}

FIXTURE_TEARDOWN(val)
{
	if (self->fd >= 0) {
		credo_revert(self->fd);
		close(self->fd);
	}
}

/*
 * Runs the ioctl expression, expects -err, and checks that the GET state,
 * the OVERRIDDEN flag and the subjective euid did not change.
 */
#define EXPECT_REFUSED(expr, want_err, ...) do {					\
	struct credo_snap __a, __b;						\
	char __why[128];							\
	int __r;								\
										\
	credo_snapshot(self->fd, &__a);						\
	ASSERT_EQ(0, __a.err);							\
	__r = (expr);								\
	credo_snapshot(self->fd, &__b);						\
	EXPECT_EQ(-(want_err), __r) { TH_LOG(__VA_ARGS__); }				\
	EXPECT_TRUE(credo_snap_equal(&__a, &__b, __why, sizeof(__why))) {	\
		TH_LOG("state changed: %s", __why);				\
		TH_LOG(__VA_ARGS__);						\
	}									\
	EXPECT_EQ(variant->overridden ? CREDO_CRED_OVERRIDDEN : 0u,		\
		  __b.c.flags & CREDO_CRED_OVERRIDDEN);				\
	EXPECT_EQ(self->want_euid, (__u32)syscall(SYS_geteuid));		\
} while (0)

/* An accepted override really took effect: GET shows uid and OVERRIDDEN. */
#define EXPECT_ACCEPTED(expr, want_uid, ...) do {					\
	struct credo_cred __g;							\
	int __r = (expr);							\
										\
	EXPECT_EQ(0, __r) { TH_LOG(__VA_ARGS__); }				\
	if (!__r) {								\
		ASSERT_EQ(0, credo_get(self->fd, &__g, NULL, 0));		\
		EXPECT_EQ((__u32)(want_uid), __g.uid) { TH_LOG(__VA_ARGS__); }	\
		EXPECT_NE(0u, __g.flags & CREDO_CRED_OVERRIDDEN);		\
		EXPECT_EQ((__u32)(want_uid), (__u32)syscall(SYS_getuid));		\
	}									\
	ASSERT_EQ(0, val_state(self->fd, variant->overridden));			\
} while (0)

/* size 0 .. 55 does not cover the fields up to groups: EINVAL. */
TEST_F(val, size_too_small)
{
	const __u32 sizes[] = { 0, 1, 4, 8, 40, 48, 52, 55 };
	struct credo_cred c;
	unsigned int i;

	REQUIRE_ROOT();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		credo_cred_init(&c, 1000, 1000, NULL, 0);
		c.size = sizes[i];
		EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL,
			       "size %u", sizes[i]);
	}
}

/* A larger size whose unknown tail has a non-zero byte: E2BIG. */
TEST_F(val, size_larger_nonzero_tail)
{
	const struct { __u32 size, at; } cases[] = {
		{ 96, 88 }, { 96, 95 }, { 89, 88 }, { 256, 255 }, { 256, 128 },
	};
	union { struct credo_cred c; unsigned char b[512]; } u;
	unsigned int i;

	REQUIRE_ROOT();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&u, 0, sizeof(u));
		credo_cred_init(&u.c, 1000, 1000, NULL, 0);
		u.c.size = cases[i].size;
		u.b[cases[i].at] = 0x01;
		EXPECT_REFUSED(credo_override(self->fd, &u.c), E2BIG,
			       "size %u, byte %u set", cases[i].size, cases[i].at);
	}
}

/* A larger size with an all-zero tail is accepted; the module reads exactly
 * size bytes (the struct ends at an unmapped page).  Sizes up to PAGE_SIZE. */
TEST_F(val, size_larger_zero_tail)
{
	const __u32 sizes[] = { 89, 96, 256, 4096 };
	unsigned int i;

	REQUIRE_ROOT();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		char *end = page_before_hole();
		struct credo_cred *c;

		ASSERT_NE(NULL, end);
		c = (struct credo_cred *)(end - sizes[i]);
		credo_cred_init(c, 1000 + i, 1000, NULL, 0);
		c->size = sizes[i];
		/* as a newer binary would: its command encodes its sizeof */
		EXPECT_ACCEPTED(credo_ioctl(self->fd, _IOC(_IOC_WRITE, CREDO_IOC_MAGIC,
							   1, sizes[i]), c),
				1000 + i, "size %u with zero tail", sizes[i]);
		munmap(end - sysconf(_SC_PAGESIZE), sysconf(_SC_PAGESIZE));
	}
}

/* The commands as a binary built against the 56-byte struct encodes them. */
#define OLD_IOC_OVERRIDE _IOC(_IOC_WRITE, CREDO_IOC_MAGIC, 1, CREDO_CRED_SIZE_VER0)
#define OLD_IOC_GET _IOC(_IOC_READ | _IOC_WRITE, CREDO_IOC_MAGIC, 3, CREDO_CRED_SIZE_VER0)

/* size 56 (a binary that predates the capability fields, whose command
 * numbers encode 56) is accepted, with
 * nothing read past byte 56 (the next byte is unmapped) and capabilities
 * derived as without CREDO_CRED_CAPS. */
TEST_F(val, size_ver0)
{
	char *end = page_before_hole();
	struct credo_cred *c, g;
	int r;

	REQUIRE_ROOT();
	ASSERT_NE(NULL, end);
	c = (struct credo_cred *)(end - CREDO_CRED_SIZE_VER0);
	memset(c, 0, CREDO_CRED_SIZE_VER0);
	c->size = CREDO_CRED_SIZE_VER0;
	c->uid = c->euid = c->suid = c->fsuid = 1000;
	c->gid = c->egid = c->sgid = c->fsgid = 1000;
	/* an old binary's CREDO_IOC_OVERRIDE encodes its own sizeof (56) */
	r = credo_ioctl(self->fd, OLD_IOC_OVERRIDE, c);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, credo_get(self->fd, &g, NULL, 0));
	EXPECT_EQ(1000u, g.uid);
	EXPECT_EQ(1000u, g.fsgid);
	EXPECT_EQ(0u, g.ngroups);
	EXPECT_NE(0u, g.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(0ull, g.cap_effective);
	EXPECT_EQ(0ull, g.cap_permitted);
	ASSERT_EQ(0, val_state(self->fd, variant->overridden));
}

/* GET from an old binary (size 56, its own command number) writes nothing
 * past byte 56; GET with a
 * size below 56 is EINVAL; GET with a bad pointer is EFAULT. */
TEST_F(val, get_sizes)
{
	char *end = page_before_hole();
	struct credo_cred *c, full;
	int r;

	REQUIRE_ROOT();
	ASSERT_NE(NULL, end);
	ASSERT_EQ(0, credo_get(self->fd, &full, NULL, 0));

	c = (struct credo_cred *)(end - CREDO_CRED_SIZE_VER0);
	memset(c, 0, CREDO_CRED_SIZE_VER0);
	c->size = CREDO_CRED_SIZE_VER0;
	r = credo_ioctl(self->fd, OLD_IOC_GET, c);
	EXPECT_EQ(0, r);
	EXPECT_EQ(full.uid, c->uid);
	EXPECT_EQ(full.fsgid, c->fsgid);
	EXPECT_EQ(full.ngroups, c->ngroups);
	EXPECT_EQ(full.flags & CREDO_CRED_OVERRIDDEN, c->flags & CREDO_CRED_OVERRIDDEN);

	memset(&full, 0, sizeof(full));
	full.size = 40;
	EXPECT_REFUSED(credo_ioctl(self->fd, CREDO_IOC_GET, &full), EINVAL,
		       "GET with size 40");
	EXPECT_REFUSED(credo_ioctl(self->fd, CREDO_IOC_GET, NULL), EFAULT,
		       "GET NULL");
	EXPECT_REFUSED(credo_ioctl(self->fd, CREDO_IOC_GET, unmapped_page()),
		       EFAULT, "GET unmapped");
}

/* Flag bits other than CREDO_CRED_CAPS: EINVAL, including the output-only
 * CREDO_CRED_OVERRIDDEN. */
TEST_F(val, bad_flags)
{
	struct credo_cred c;
	int bit;

	REQUIRE_ROOT();
	for (bit = 1; bit < 32; bit++) {
		credo_cred_init(&c, 1000, 1000, NULL, 0);
		c.flags = 1U << bit;
		EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL,
			       "flags bit %d", bit);
		c.flags |= CREDO_CRED_CAPS;
		EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL,
			       "flags bit %d | CAPS", bit);
	}
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	c.flags = CREDO_CRED_OVERRIDDEN;
	EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL, "OVERRIDDEN as input");
}

/* reserved != 0: EINVAL. */
TEST_F(val, reserved_nonzero)
{
	const __u32 vals[] = { 1, 0x100, 0x80000000u, 0xffffffffu };
	struct credo_cred c;
	unsigned int i;

	REQUIRE_ROOT();
	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		credo_cred_init(&c, 1000, 1000, NULL, 0);
		c.reserved = vals[i];
		EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL,
			       "reserved %#x", vals[i]);
	}
}

/* ngroups > NGROUPS_MAX: EINVAL (even with a readable buffer). */
TEST_F(val, ngroups_too_many)
{
	__u32 n = NGROUPS_MAX_KERNEL + 1, i;
	__u32 *g = calloc(n, sizeof(*g));
	struct credo_cred c;

	REQUIRE_ROOT();
	ASSERT_NE(NULL, g);
	for (i = 0; i < n; i++)
		g[i] = 100000 + i;
	credo_cred_init(&c, 1000, 1000, g, n);
	EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL, "ngroups %u", n);
	c.ngroups = 0xffffffffu;
	EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL, "ngroups 2^32-1");
	c.ngroups = 0x80000000u;
	EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL, "ngroups 2^31");
	free(g);
}

/* ngroups == NGROUPS_MAX with a valid buffer: accepted, all groups present. */
TEST_F(val, ngroups_max_accepted)
{
	__u32 n = NGROUPS_MAX_KERNEL, i;
	__u32 *g = calloc(n, sizeof(*g));
	__u32 *back = calloc(n, sizeof(*back));
	struct credo_cred c, r;
	int k;

	REQUIRE_ROOT();
	ASSERT_NE(NULL, g);
	ASSERT_NE(NULL, back);
	for (i = 0; i < n; i++)
		g[i] = 100000 + (n - 1 - i);	/* descending: the module sorts */
	credo_cred_init(&c, 1000, 1000, g, n);
	ASSERT_EQ(0, credo_override(self->fd, &c));
	ASSERT_EQ(0, credo_get(self->fd, &r, back, n));
	EXPECT_EQ(n, r.ngroups);
	k = raw_getgroups(n, back);
	EXPECT_EQ((int)n, k);
	for (i = 0; k == (int)n && i < n; i++) {
		if (back[i] != 100000 + i) {
			TH_LOG("getgroups()[%u] = %u", i, back[i]);
			EXPECT_EQ(100000 + i, back[i]);
			break;
		}
	}
	ASSERT_EQ(0, val_state(self->fd, variant->overridden));
	free(g);
	free(back);
}

/* Unreadable groups: NULL, an unmapped page, a buffer running into an
 * unmapped page: EFAULT.  The exact fit before the hole is accepted. */
TEST_F(val, groups_fault)
{
	char *end = page_before_hole();
	struct credo_cred c;
	__u32 *tail;

	REQUIRE_ROOT();
	ASSERT_NE(NULL, end);
	tail = (__u32 *)(end - 2 * sizeof(__u32));
	tail[0] = 4000;
	tail[1] = 4001;

	credo_cred_init(&c, 1000, 1000, NULL, 1);
	EXPECT_REFUSED(credo_override(self->fd, &c), EFAULT, "groups NULL, ngroups 1");
	credo_cred_init(&c, 1000, 1000, unmapped_page(), 2);
	EXPECT_REFUSED(credo_override(self->fd, &c), EFAULT, "groups unmapped");
	credo_cred_init(&c, 1000, 1000, tail, 4);
	EXPECT_REFUSED(credo_override(self->fd, &c), EFAULT, "groups straddle the hole");
	credo_cred_init(&c, 1000, 1000, tail, 3);
	EXPECT_REFUSED(credo_override(self->fd, &c), EFAULT, "groups straddle by one");

	credo_cred_init(&c, 1000, 1000, tail, 2);
	EXPECT_ACCEPTED(credo_override(self->fd, &c), 1000, "groups end at the hole");
	credo_cred_init(&c, 1000, 1000, NULL, 0);
	EXPECT_ACCEPTED(credo_override(self->fd, &c), 1000, "groups NULL, ngroups 0");
}

/* The struct pointer itself unreadable: EFAULT. */
TEST_F(val, struct_fault)
{
	char *end = page_before_hole();
	struct credo_cred *c;

	REQUIRE_ROOT();
	ASSERT_NE(NULL, end);
	EXPECT_REFUSED(credo_ioctl(self->fd, CREDO_IOC_OVERRIDE, NULL), EFAULT,
		       "NULL struct");
	EXPECT_REFUSED(credo_ioctl(self->fd, CREDO_IOC_OVERRIDE, unmapped_page()),
		       EFAULT, "unmapped struct");
	/* size and flags readable, the rest beyond the hole */
	c = (struct credo_cred *)(end - 8);
	c->size = sizeof(struct credo_cred);
	c->flags = 0;
	EXPECT_REFUSED(credo_ioctl(self->fd, CREDO_IOC_OVERRIDE, c), EFAULT,
		       "struct straddles the hole at byte 8");
	c = (struct credo_cred *)(end - 60);
	memset(c, 0, 60);
	c->size = sizeof(struct credo_cred);
	EXPECT_REFUSED(credo_ioctl(self->fd, CREDO_IOC_OVERRIDE, c), EFAULT,
		       "struct straddles the hole at byte 60");
	EXPECT_REFUSED(credo_ioctl(self->fd, CREDO_IOC_OVERRIDE, (void *)-4096L),
		       EFAULT, "kernel address");
}

/* (u32)-1 in any of the eight id fields: EINVAL. */
TEST_F(val, id_minus_one)
{
	static const char *const names[] = {
		"uid", "euid", "suid", "fsuid", "gid", "egid", "sgid", "fsgid",
	};
	struct credo_cred c;
	__u32 *ids;
	int i;

	REQUIRE_ROOT();
	for (i = 0; i < 8; i++) {
		credo_cred_init(&c, 1000, 1000, NULL, 0);
		ids = &c.uid;
		ids[i] = 0xffffffffu;
		EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL,
			       "%s = -1", names[i]);
	}
}

/* A capability bit the kernel does not know, with CREDO_CRED_CAPS: EINVAL.
 * Without the flag the four fields are not read at all. */
TEST_F(val, unknown_cap_bits)
{
	__u64 bits[] = { 1ULL << 63, 1ULL << (cap_last_cap() + 1) };
	struct credo_cred c, g;
	unsigned int i, set;

	REQUIRE_ROOT();
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		for (set = 0; set < 4; set++) {
			__u64 *caps = &c.cap_effective;

			credo_cred_init(&c, 1000, 1000, NULL, 0);
			credo_cred_caps(&c, 0, 0, 0, 0);
			caps[set] = bits[i];
			if (set == 0 || set == 3)	/* keep the sets consistent */
				c.cap_permitted = bits[i];
			if (set == 3)
				c.cap_inheritable = bits[i];
			EXPECT_REFUSED(credo_override(self->fd, &c), EINVAL,
				       "bit %#llx in set %u",
				       (unsigned long long)bits[i], set);
		}
	}

	credo_cred_init(&c, 1000, 1000, NULL, 0);
	c.cap_effective = c.cap_permitted = ~0ULL;
	c.cap_inheritable = c.cap_ambient = ~0ULL;
	EXPECT_EQ(0, credo_override(self->fd, &c));
	ASSERT_EQ(0, credo_get(self->fd, &g, NULL, 0));
	EXPECT_EQ(0ull, g.cap_effective);
	EXPECT_EQ(0ull, g.cap_permitted);
	EXPECT_EQ(0ull, g.cap_ambient);
	ASSERT_EQ(0, val_state(self->fd, variant->overridden));
}

/* Commands the module does not define: ENOTTY, state unchanged. */
TEST_F(val, unknown_ioctl)
{
	const struct { unsigned long cmd; const char *name; } cmds[] = {
		{ _IO(CREDO_IOC_MAGIC, 0), "_IO(magic, 0)" },
		{ _IO(CREDO_IOC_MAGIC, 4), "_IO(magic, 4)" },
		{ _IO(CREDO_IOC_MAGIC, 0xff), "_IO(magic, 0xff)" },
		{ _IOR(CREDO_IOC_MAGIC, 3, struct credo_cred), "GET number, _IOR" },
		{ _IOW(CREDO_IOC_MAGIC, 2, struct credo_cred), "REVERT number, _IOW" },
		{ _IOW('X', 1, struct credo_cred), "other magic, OVERRIDE nr" },
		{ 0x5401 /* TCGETS */, "TCGETS" },
	};
	struct credo_cred c;
	unsigned int i;

	REQUIRE_ROOT();
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		credo_cred_init(&c, 1000, 1000, NULL, 0);
		EXPECT_REFUSED(credo_ioctl(self->fd, cmds[i].cmd, &c), ENOTTY,
			       "%s (%#lx)", cmds[i].name, cmds[i].cmd);
	}
	EXPECT_EQ(0, isatty(self->fd));
}

/* ---- permission: forked children without CAP_SETUID / CAP_SETGID -------- */

struct report {
	int line;
	char msg[256];
};

#define CHILD_CHECK(rep, cond, ...) do {					\
	if (!(cond)) {								\
		(rep)->line = __LINE__;						\
		snprintf((rep)->msg, sizeof((rep)->msg), __VA_ARGS__);		\
		return 1;							\
	}									\
} while (0)

enum drop { DROP_TO_NOBODY, DROP_SETUID, DROP_SETGID, KEEP_ONLY_SETID };

/* Child body: give up privilege per how, then check the ioctls. */
static int child_perm(int fd, enum drop how, struct report *rep)
{
	struct credo_snap a, b;
	struct credo_cred c;
	struct caps3 k = { 0, 0, 0 };
	char why[128];
	int r;

	switch (how) {
	case DROP_TO_NOBODY:
		r = raw_become(65534, 65534, NULL, 0);
		CHILD_CHECK(rep, !r, "raw_become: %d", r);
		break;
	case DROP_SETUID:
	case DROP_SETGID:
		r = raw_capget(0, &k);
		CHILD_CHECK(rep, !r, "capget %d", r);
		k.eff &= ~CAPB(how == DROP_SETUID ? CAP_SETUID : CAP_SETGID);
		r = raw_capset(&k);	/* only effective: permitted is not enough */
		CHILD_CHECK(rep, !r, "capset %d", r);
		break;
	case KEEP_ONLY_SETID:
		k.eff = k.perm = CAPB(CAP_SETUID) | CAPB(CAP_SETGID);
		k.inh = 0;
		r = raw_capset(&k);
		CHILD_CHECK(rep, !r, "capset %d", r);
		break;
	}

	credo_snapshot(fd, &a);
	CHILD_CHECK(rep, !a.err, "GET %d", a.err);
	CHILD_CHECK(rep, !(a.c.flags & CREDO_CRED_OVERRIDDEN), "overridden at start");

	credo_cred_init(&c, 1000, 1000, NULL, 0);
	r = credo_override(fd, &c);
	if (how == KEEP_ONLY_SETID) {
		CHILD_CHECK(rep, r == 0, "override with only SETUID+SETGID: %d", r);
		CHILD_CHECK(rep, syscall(SYS_geteuid) == 1000, "euid not 1000");
		r = credo_revert(fd);
		CHILD_CHECK(rep, r == 0, "revert %d", r);
		return 0;
	}
	CHILD_CHECK(rep, r == -EPERM, "override to 1000 returned %d, want EPERM", r);
	/* even to its own identity */
	credo_cred_init(&c, a.c.uid, a.c.gid, NULL, 0);
	r = credo_override(fd, &c);
	CHILD_CHECK(rep, r == -EPERM, "override to itself returned %d, want EPERM", r);
	r = credo_revert(fd);
	CHILD_CHECK(rep, r == 0, "revert returned %d, want 0", r);
	credo_snapshot(fd, &b);
	CHILD_CHECK(rep, !b.err, "GET after: %d", b.err);
	CHILD_CHECK(rep, credo_snap_equal(&a, &b, why, sizeof(why)),
		    "state changed: %s", why);
	if (how == DROP_TO_NOBODY) {
		CHILD_CHECK(rep, b.c.uid == 65534 && b.c.euid == 65534 &&
			    b.c.fsuid == 65534 && b.c.gid == 65534,
			    "GET reports uid %u euid %u gid %u", b.c.uid,
			    b.c.euid, b.c.gid);
		CHILD_CHECK(rep, b.c.cap_effective == 0 && b.c.cap_permitted == 0,
			    "GET reports caps %#llx",
			    (unsigned long long)b.c.cap_effective);
		CHILD_CHECK(rep, b.c.ngroups == 0, "ngroups %u", b.c.ngroups);
	}
	CHILD_CHECK(rep, syscall(SYS_geteuid) == a.c.euid, "euid changed");
	return 0;
}

static void run_perm_child(struct __test_metadata *_metadata, enum drop how)
{
	struct report *rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd, status = -1;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, rep);
	memset(rep, 0, sizeof(*rep));
	fd = credo_open();
	ASSERT_LE(0, fd) {
		TH_LOG("open %s: %s (is credo.ko loaded?)", CREDO_DEV, strerror(errno));
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_perm(fd, how, rep));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status) {
		TH_LOG("child failed at line %d: %s", rep->line, rep->msg);
	}
	close(fd);
	munmap(rep, sizeof(*rep));
}

/* Opened as root, then setresuid to 65534: OVERRIDE is EPERM (to another
 * user and to itself), REVERT is 0, GET works and shows 65534. */
TEST(unprivileged_eperm)
{
	REQUIRE_ROOT();
	run_perm_child(_metadata, DROP_TO_NOBODY);
}

/* Root without CAP_SETUID in its effective set: EPERM, nothing changes. */
TEST(no_cap_setuid_eperm)
{
	REQUIRE_ROOT();
	run_perm_child(_metadata, DROP_SETUID);
}

/* Root without CAP_SETGID in its effective set: EPERM, nothing changes. */
TEST(no_cap_setgid_eperm)
{
	REQUIRE_ROOT();
	run_perm_child(_metadata, DROP_SETGID);
}

/* CAP_SETUID + CAP_SETGID and nothing else are enough. */
TEST(only_setid_caps_suffice)
{
	REQUIRE_ROOT();
	run_perm_child(_metadata, KEEP_ONLY_SETID);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: building the override (cred_build.c).
 *
 * Bases are private copies of the test thread's credentials (root with
 * every capability), adjusted per case; they are never installed.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/securebits.h>

#include "credo_test.h"
#include "../cred_build.h"

#define CREDO_BIT(cap)	(1ULL << (cap))

static const struct cred *credo_test_build(struct kunit *test,
					   const struct cred *base,
					   struct credo_cred *kc)
{
	const struct cred *new;
	struct credo_desc d;

	credo_test_desc(test, kc, NULL, 0, &d);
	new = credo_cred_build(base, &d);
	credo_desc_release(&d);
	return new;
}

static void credo_build_fields(struct kunit *test)
{
	u32 groups[] = { 30, 10, 20, 10 };
	struct cred *base = credo_test_base(test);
	const struct cred *new, *old;
	bool in30, in25;
	struct credo_cred kc;
	struct credo_desc d;

	credo_test_kc(&kc);
	credo_test_uids(&kc, 1, 2, 3, 4);
	kc.gid = 5;
	kc.egid = 6;
	kc.sgid = 7;
	kc.fsgid = 8;
	credo_test_desc(test, &kc, groups, ARRAY_SIZE(groups), &d);
	new = credo_cred_build(base, &d);
	KUNIT_ASSERT_FALSE(test, IS_ERR(new));

	KUNIT_EXPECT_EQ(test, 1U, __kuid_val(new->uid));
	KUNIT_EXPECT_EQ(test, 2U, __kuid_val(new->euid));
	KUNIT_EXPECT_EQ(test, 3U, __kuid_val(new->suid));
	KUNIT_EXPECT_EQ(test, 4U, __kuid_val(new->fsuid));
	KUNIT_EXPECT_EQ(test, 5U, __kgid_val(new->gid));
	KUNIT_EXPECT_EQ(test, 6U, __kgid_val(new->egid));
	KUNIT_EXPECT_EQ(test, 7U, __kgid_val(new->sgid));
	KUNIT_EXPECT_EQ(test, 8U, __kgid_val(new->fsgid));
	KUNIT_ASSERT_EQ(test, 3, new->group_info->ngroups);
	KUNIT_EXPECT_EQ(test, 10U, __kgid_val(new->group_info->gid[0]));
	KUNIT_EXPECT_EQ(test, 20U, __kgid_val(new->group_info->gid[1]));
	KUNIT_EXPECT_EQ(test, 30U, __kgid_val(new->group_info->gid[2]));
	/* The kernel's own check (a binary search of the list) finds them. */
	old = credo_scoped_override(new);
	in30 = in_group_p(KGIDT_INIT(30));
	in25 = in_group_p(KGIDT_INIT(25));
	credo_scoped_revert(old);
	KUNIT_EXPECT_TRUE(test, in30);
	KUNIT_EXPECT_FALSE(test, in25);
	KUNIT_EXPECT_EQ(test, 30U, __kgid_val(new->group_info->gid[2]));
	/* Everything else is the base's. */
	KUNIT_EXPECT_PTR_EQ(test, new->user_ns, base->user_ns);
	KUNIT_EXPECT_PTR_EQ(test, new->user, base->user);
	KUNIT_EXPECT_EQ(test, new->securebits, base->securebits);
	KUNIT_EXPECT_EQ(test, credo_cap_to_u64(new->cap_bset),
			credo_cap_to_u64(base->cap_bset));
	KUNIT_EXPECT_EQ(test, 1L, credo_cred_usage(new));
	KUNIT_EXPECT_PTR_NE(test, (const struct cred *)base, new);

	credo_desc_release(&d);
	put_cred(new);
	put_cred(base);
}

/* capabilities(7): setresuid from root to non-root clears the sets. */
static void credo_caps_to_nonroot(struct kunit *test)
{
	struct cred *base = credo_test_base(test);
	const struct cred *new;
	struct credo_cred kc;

	base->cap_ambient = credo_u64_to_cap(CREDO_BIT(CAP_CHOWN));
	base->cap_inheritable = credo_u64_to_cap(CREDO_BIT(CAP_CHOWN));
	KUNIT_ASSERT_NE(test, 0ULL, credo_cap_to_u64(base->cap_permitted));
	KUNIT_ASSERT_NE(test, 0ULL, credo_cap_to_u64(base->cap_effective));

	credo_test_kc(&kc);
	new = credo_test_build(test, base, &kc);
	KUNIT_ASSERT_FALSE(test, IS_ERR(new));
	KUNIT_EXPECT_EQ(test, 0ULL, credo_cap_to_u64(new->cap_permitted));
	KUNIT_EXPECT_EQ(test, 0ULL, credo_cap_to_u64(new->cap_effective));
	KUNIT_EXPECT_EQ(test, 0ULL, credo_cap_to_u64(new->cap_ambient));
	KUNIT_EXPECT_EQ(test, CREDO_BIT(CAP_CHOWN),
			credo_cap_to_u64(new->cap_inheritable));
	put_cred(new);

	/* A root saved uid keeps permitted; effective follows euid. */
	credo_test_uids(&kc, 1000, 1000, 0, 1000);
	new = credo_test_build(test, base, &kc);
	KUNIT_ASSERT_FALSE(test, IS_ERR(new));
	KUNIT_EXPECT_EQ(test, credo_cap_to_u64(base->cap_permitted),
			credo_cap_to_u64(new->cap_permitted));
	KUNIT_EXPECT_EQ(test, 0ULL, credo_cap_to_u64(new->cap_effective));
	put_cred(new);

	/* Unchanged root ids: unchanged capabilities. */
	credo_test_uids(&kc, 0, 0, 0, 0);
	new = credo_test_build(test, base, &kc);
	KUNIT_ASSERT_FALSE(test, IS_ERR(new));
	KUNIT_EXPECT_EQ(test, credo_cap_to_u64(base->cap_permitted),
			credo_cap_to_u64(new->cap_permitted));
	KUNIT_EXPECT_EQ(test, credo_cap_to_u64(base->cap_effective),
			credo_cap_to_u64(new->cap_effective));
	put_cred(new);
	put_cred(base);
}

static void credo_caps_keep_caps(struct kunit *test)
{
	struct cred *base = credo_test_base(test);
	const struct cred *new;
	struct credo_cred kc;

	base->securebits |= issecure_mask(SECURE_KEEP_CAPS);
	credo_test_kc(&kc);
	new = credo_test_build(test, base, &kc);
	KUNIT_ASSERT_FALSE(test, IS_ERR(new));
	KUNIT_EXPECT_EQ(test, credo_cap_to_u64(base->cap_permitted),
			credo_cap_to_u64(new->cap_permitted));
	KUNIT_EXPECT_EQ(test, 0ULL, credo_cap_to_u64(new->cap_effective));
	put_cred(new);
	put_cred(base);
}

static void credo_caps_no_fixup(struct kunit *test)
{
	struct cred *base = credo_test_base(test);
	const struct cred *new;
	struct credo_cred kc;

	base->securebits |= issecure_mask(SECURE_NO_SETUID_FIXUP);
	credo_test_kc(&kc);
	new = credo_test_build(test, base, &kc);
	KUNIT_ASSERT_FALSE(test, IS_ERR(new));
	KUNIT_EXPECT_EQ(test, credo_cap_to_u64(base->cap_permitted),
			credo_cap_to_u64(new->cap_permitted));
	KUNIT_EXPECT_EQ(test, credo_cap_to_u64(base->cap_effective),
			credo_cap_to_u64(new->cap_effective));
	put_cred(new);
	put_cred(base);
}

static void credo_caps_fsuid_only(struct kunit *test)
{
	struct cred *base = credo_test_base(test);
	const struct cred *new;
	struct credo_cred kc;
	u64 eff;

	credo_test_kc(&kc);
	credo_test_uids(&kc, 0, 0, 0, 1000);
	new = credo_test_build(test, base, &kc);
	KUNIT_ASSERT_FALSE(test, IS_ERR(new));
	eff = credo_cap_to_u64(new->cap_effective);
	KUNIT_EXPECT_EQ(test, credo_cap_to_u64(cap_drop_fs_set(base->cap_effective)),
			eff);
	KUNIT_EXPECT_FALSE(test, eff & CREDO_BIT(CAP_CHOWN));
	KUNIT_EXPECT_FALSE(test, eff & CREDO_BIT(CAP_DAC_OVERRIDE));
	KUNIT_EXPECT_TRUE(test, eff & CREDO_BIT(CAP_SYS_ADMIN));
	KUNIT_EXPECT_EQ(test, credo_cap_to_u64(base->cap_permitted),
			credo_cap_to_u64(new->cap_permitted));
	put_cred(new);
	put_cred(base);
}

static void credo_caps_explicit(struct kunit *test)
{
	struct cred *base = credo_test_base(test);
	const struct cred *new;
	struct credo_cred kc;

	base->cap_permitted = credo_u64_to_cap(CREDO_BIT(CAP_CHOWN) |
					       CREDO_BIT(CAP_NET_BIND_SERVICE));
	base->cap_effective = base->cap_permitted;
	base->cap_inheritable = credo_u64_to_cap(0);

	credo_test_kc(&kc);
	kc.flags = CREDO_CRED_CAPS;
	kc.cap_permitted = CREDO_BIT(CAP_NET_BIND_SERVICE);
	kc.cap_effective = CREDO_BIT(CAP_NET_BIND_SERVICE);
	kc.cap_inheritable = CREDO_BIT(CAP_NET_BIND_SERVICE);
	kc.cap_ambient = CREDO_BIT(CAP_NET_BIND_SERVICE);
	new = credo_test_build(test, base, &kc);
	KUNIT_ASSERT_FALSE(test, IS_ERR(new));
	KUNIT_EXPECT_EQ(test, CREDO_BIT(CAP_NET_BIND_SERVICE),
			credo_cap_to_u64(new->cap_permitted));
	KUNIT_EXPECT_EQ(test, CREDO_BIT(CAP_NET_BIND_SERVICE),
			credo_cap_to_u64(new->cap_effective));
	KUNIT_EXPECT_EQ(test, CREDO_BIT(CAP_NET_BIND_SERVICE),
			credo_cap_to_u64(new->cap_inheritable));
	KUNIT_EXPECT_EQ(test, CREDO_BIT(CAP_NET_BIND_SERVICE),
			credo_cap_to_u64(new->cap_ambient));
	put_cred(new);

	/* Gaining a permitted capability. */
	kc.cap_permitted |= CREDO_BIT(CAP_NET_ADMIN);
	new = credo_test_build(test, base, &kc);
	KUNIT_EXPECT_PTR_EQ(test, new, ERR_PTR(-EPERM));
	kc.cap_permitted = CREDO_BIT(CAP_NET_BIND_SERVICE);

	/* Effective outside permitted. */
	kc.cap_effective = CREDO_BIT(CAP_CHOWN);
	new = credo_test_build(test, base, &kc);
	KUNIT_EXPECT_PTR_EQ(test, new, ERR_PTR(-EPERM));
	kc.cap_effective = 0;

	/* Ambient outside inheritable. */
	kc.cap_inheritable = 0;
	new = credo_test_build(test, base, &kc);
	KUNIT_EXPECT_PTR_EQ(test, new, ERR_PTR(-EPERM));
	kc.cap_ambient = 0;

	/* Inheritable beyond base inheritable | permitted. */
	kc.cap_inheritable = CREDO_BIT(CAP_SYS_ADMIN);
	new = credo_test_build(test, base, &kc);
	KUNIT_EXPECT_PTR_EQ(test, new, ERR_PTR(-EPERM));
	put_cred(base);
}

static void credo_permission(struct kunit *test)
{
	struct cred *base = credo_test_base(test);

	KUNIT_EXPECT_EQ(test, 0, credo_cred_permitted(base));
	base->cap_effective = credo_u64_to_cap(CREDO_BIT(CAP_SETUID));
	KUNIT_EXPECT_EQ(test, -EPERM, credo_cred_permitted(base));
	base->cap_effective = credo_u64_to_cap(CREDO_BIT(CAP_SETUID) |
					       CREDO_BIT(CAP_SETGID));
	KUNIT_EXPECT_EQ(test, 0, credo_cred_permitted(base));
	put_cred(base);
}

static struct kunit_case credo_cred_build_cases[] = {
	KUNIT_CASE(credo_build_fields),
	KUNIT_CASE(credo_caps_to_nonroot),
	KUNIT_CASE(credo_caps_keep_caps),
	KUNIT_CASE(credo_caps_no_fixup),
	KUNIT_CASE(credo_caps_fsuid_only),
	KUNIT_CASE(credo_caps_explicit),
	KUNIT_CASE(credo_permission),
	{}
};

struct kunit_suite credo_cred_build_suite = {
	.name = "credo_cred_build",
	.test_cases = credo_cred_build_cases,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the reference rules of compat/compat.h's override wrappers, on the
 * test thread itself.  Whatever the kernel generation, the ->cred slot must
 * own exactly one reference.
 */
#include <kunit/test.h>
#include <linux/cred.h>

#include "credo_test.h"

static void credo_override_refs(struct kunit *test)
{
	const struct cred *real = current_real_cred();
	long real_usage = credo_cred_usage(real);
	struct cred *a = credo_test_base(test);
	struct cred *b = credo_test_base(test);
	const struct cred *own, *prev;

	KUNIT_ASSERT_PTR_EQ(test, current_cred(), real);

	/*
	 * The slot takes a reference of its own on a; the thread's own cred
	 * comes back with the reference its slot held, so its count stays.
	 */
	own = credo_install_override(a);
	KUNIT_EXPECT_PTR_EQ(test, own, real);
	KUNIT_EXPECT_PTR_EQ(test, current_cred(), (const struct cred *)a);
	KUNIT_EXPECT_PTR_EQ(test, current_real_cred(), real);
	KUNIT_EXPECT_EQ(test, 2L, credo_cred_usage(a));
	KUNIT_EXPECT_EQ(test, real_usage, credo_cred_usage(real));

	/* Replacing: b gains the slot's reference, a comes back with its slot's. */
	prev = credo_install_override(b);
	KUNIT_EXPECT_PTR_EQ(test, prev, (const struct cred *)a);
	KUNIT_EXPECT_PTR_EQ(test, current_cred(), (const struct cred *)b);
	KUNIT_EXPECT_EQ(test, 2L, credo_cred_usage(a));
	put_cred(prev);
	KUNIT_EXPECT_EQ(test, 1L, credo_cred_usage(a));
	KUNIT_EXPECT_EQ(test, 2L, credo_cred_usage(b));

	/* Reinstalling the same cred changes no count once the old one is put. */
	prev = credo_install_override(b);
	KUNIT_EXPECT_PTR_EQ(test, prev, (const struct cred *)b);
	put_cred(prev);
	KUNIT_EXPECT_EQ(test, 2L, credo_cred_usage(b));

	/* Revert takes back the reference install handed out. */
	credo_revert_override(own);
	KUNIT_EXPECT_PTR_EQ(test, current_cred(), real);
	KUNIT_EXPECT_EQ(test, 1L, credo_cred_usage(b));
	KUNIT_EXPECT_EQ(test, real_usage, credo_cred_usage(real));
	put_cred(a);
	put_cred(b);
}

static void credo_scoped_refs(struct kunit *test)
{
	const struct cred *real = current_real_cred();
	long real_usage = credo_cred_usage(real);
	struct cred *a = credo_test_base(test);
	const struct cred *old;

	old = credo_scoped_override(a);
	KUNIT_EXPECT_PTR_EQ(test, old, real);
	KUNIT_EXPECT_PTR_EQ(test, current_cred(), (const struct cred *)a);
	credo_scoped_revert(old);
	KUNIT_EXPECT_PTR_EQ(test, current_cred(), real);
	KUNIT_EXPECT_EQ(test, 1L, credo_cred_usage(a));
	KUNIT_EXPECT_EQ(test, real_usage, credo_cred_usage(real));
	put_cred(a);
}

static void credo_cap_conversion(struct kunit *test)
{
	u64 v = (1ULL << CAP_LAST_CAP) | (1ULL << CAP_SETUID) | 1ULL << 33;
	kernel_cap_t c = credo_u64_to_cap(v);

	KUNIT_EXPECT_EQ(test, v, credo_cap_to_u64(c));
	KUNIT_EXPECT_TRUE(test, cap_raised(c, CAP_SETUID));
	KUNIT_EXPECT_TRUE(test, cap_raised(c, CAP_LAST_CAP));
	KUNIT_EXPECT_FALSE(test, cap_raised(c, CAP_SETGID));
}

static struct kunit_case credo_compat_cases[] = {
	KUNIT_CASE(credo_override_refs),
	KUNIT_CASE(credo_scoped_refs),
	KUNIT_CASE(credo_cap_conversion),
	{}
};

struct kunit_suite credo_compat_suite = {
	.name = "credo_compat",
	.test_cases = credo_compat_cases,
};

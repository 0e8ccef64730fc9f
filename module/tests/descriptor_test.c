// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: validation of struct credo_cred (descriptor.c).
 *
 * The suites run in a kernel thread without user memory, so the rules are
 * tested on kernel copies (credo_cred_check_size(), credo_desc_check(),
 * credo_desc_build()); the user copies are only tested for EFAULT.  The tail
 * check of a larger struct (E2BIG) is copy_struct_from_user()'s and needs
 * user memory: the selftests cover it.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/mm.h>

#include "credo_test.h"

/* Below every mmap_min_addr: never mapped, so reading it faults. */
#define CREDO_BAD_UPTR	16UL

static void credo_size_rules(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, -EINVAL, credo_cred_check_size(0));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			credo_cred_check_size(CREDO_CRED_SIZE_VER0 - 1));
	KUNIT_EXPECT_EQ(test, 0, credo_cred_check_size(CREDO_CRED_SIZE_VER0));
	KUNIT_EXPECT_EQ(test, 0, credo_cred_check_size(CREDO_CRED_SIZE_VER1));
	KUNIT_EXPECT_EQ(test, 0, credo_cred_check_size(CREDO_CRED_SIZE_MAX));
	KUNIT_EXPECT_EQ(test, -E2BIG,
			credo_cred_check_size(CREDO_CRED_SIZE_MAX + 1));
	KUNIT_EXPECT_EQ(test, CREDO_CRED_SIZE_VER1,
			(int)sizeof(struct credo_cred));
	KUNIT_EXPECT_EQ(test, CREDO_CRED_SIZE_VER0,
			(int)offsetofend(struct credo_cred, groups));
}

static void credo_check_rules(struct kunit *test)
{
	struct credo_cred kc;

	credo_test_kc(&kc);
	KUNIT_EXPECT_EQ(test, 0, credo_desc_check(&kc));

	kc.flags = 1U << 2;
	KUNIT_EXPECT_EQ(test, -EINVAL, credo_desc_check(&kc));
	kc.flags = CREDO_CRED_OVERRIDDEN;	/* output only */
	KUNIT_EXPECT_EQ(test, -EINVAL, credo_desc_check(&kc));
	kc.flags = 0;

	kc.reserved = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, credo_desc_check(&kc));
	kc.reserved = 0;

	kc.ngroups = NGROUPS_MAX + 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, credo_desc_check(&kc));
	kc.ngroups = NGROUPS_MAX;
	KUNIT_EXPECT_EQ(test, 0, credo_desc_check(&kc));
	kc.ngroups = 0;

	/* Capability bits are read, and checked, only with CREDO_CRED_CAPS. */
	kc.cap_ambient = 1ULL << 63;
	KUNIT_EXPECT_EQ(test, 0, credo_desc_check(&kc));
	kc.flags = CREDO_CRED_CAPS;
	KUNIT_EXPECT_EQ(test, -EINVAL, credo_desc_check(&kc));
	kc.cap_ambient = 0;
	kc.cap_effective = 1ULL << (CAP_LAST_CAP + 1);
	KUNIT_EXPECT_EQ(test, -EINVAL, credo_desc_check(&kc));
	kc.cap_effective = 1ULL << CAP_LAST_CAP;
	KUNIT_EXPECT_EQ(test, 0, credo_desc_check(&kc));
}

static void credo_build_unmapped(struct kunit *test)
{
	u32 *ids[CREDO_TEST_NIDS], groups[2] = { 1, (u32)-1 };
	struct credo_desc d;
	struct credo_cred kc;
	int i;

	credo_test_kc(&kc);
	credo_test_id_ptrs(&kc, ids);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		*ids[i] = (u32)-1;
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL,
				    credo_desc_build(&kc, NULL, &init_user_ns, &d),
				    "id %d", i);
		KUNIT_EXPECT_PTR_EQ(test, (void *)d.groups, NULL);
		*ids[i] = 1000;
	}
	kc.ngroups = 2;
	KUNIT_EXPECT_EQ(test, -EINVAL,
			credo_desc_build(&kc, groups, &init_user_ns, &d));
	KUNIT_EXPECT_PTR_EQ(test, (void *)d.groups, NULL);
	/* credo_desc_build() applies credo_desc_check() too. */
	kc.ngroups = 0;
	kc.reserved = 1;
	KUNIT_EXPECT_EQ(test, -EINVAL,
			credo_desc_build(&kc, NULL, &init_user_ns, &d));
}

static void credo_build_normalizes(struct kunit *test)
{
	u32 groups[] = { 50, 7, 50, 3, 7, 7, 100 };
	u32 want[] = { 3, 7, 50, 100 };
	struct credo_desc d;
	struct credo_cred kc;
	int i;

	credo_test_kc(&kc);
	kc.uid = 1;
	kc.euid = 2;
	kc.suid = 3;
	kc.fsuid = 4;
	kc.gid = 5;
	kc.egid = 6;
	kc.sgid = 7;
	kc.fsgid = 8;
	kc.cap_effective = 1;	/* ignored without CREDO_CRED_CAPS */
	credo_test_desc(test, &kc, groups, ARRAY_SIZE(groups), &d);

	KUNIT_EXPECT_EQ(test, 0U, d.flags);
	KUNIT_EXPECT_EQ(test, 0ULL, d.cap_effective);
	KUNIT_EXPECT_EQ(test, 1U, __kuid_val(d.uid));
	KUNIT_EXPECT_EQ(test, 2U, __kuid_val(d.euid));
	KUNIT_EXPECT_EQ(test, 3U, __kuid_val(d.suid));
	KUNIT_EXPECT_EQ(test, 4U, __kuid_val(d.fsuid));
	KUNIT_EXPECT_EQ(test, 5U, __kgid_val(d.gid));
	KUNIT_EXPECT_EQ(test, 6U, __kgid_val(d.egid));
	KUNIT_EXPECT_EQ(test, 7U, __kgid_val(d.sgid));
	KUNIT_EXPECT_EQ(test, 8U, __kgid_val(d.fsgid));
	KUNIT_ASSERT_EQ(test, (unsigned int)ARRAY_SIZE(want), d.ngroups);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		KUNIT_EXPECT_EQ(test, want[i], __kgid_val(d.groups[i]));
	credo_desc_release(&d);
	KUNIT_EXPECT_PTR_EQ(test, (void *)d.groups, NULL);
	KUNIT_EXPECT_EQ(test, 0U, d.ngroups);

	kc.flags = CREDO_CRED_CAPS;
	kc.cap_permitted = 3;
	credo_test_desc(test, &kc, NULL, 0, &d);
	KUNIT_EXPECT_EQ(test, (u32)CREDO_CRED_CAPS, d.flags);
	KUNIT_EXPECT_EQ(test, 1ULL, d.cap_effective);
	KUNIT_EXPECT_EQ(test, 3ULL, d.cap_permitted);
	KUNIT_EXPECT_EQ(test, 0U, d.ngroups);
	credo_desc_release(&d);
}

/* Ascending input skips the sort; repeats in it must still go. */
static void credo_build_sorted_input(struct kunit *test)
{
	u32 sorted[] = { 3, 7, 50, 100 }, repeats[] = { 3, 7, 7, 100 };
	u32 want[] = { 3, 7, 100 };
	struct credo_desc d;
	struct credo_cred kc;
	int i;

	credo_test_kc(&kc);
	credo_test_desc(test, &kc, sorted, ARRAY_SIZE(sorted), &d);
	KUNIT_ASSERT_EQ(test, (unsigned int)ARRAY_SIZE(sorted), d.ngroups);
	for (i = 0; i < ARRAY_SIZE(sorted); i++)
		KUNIT_EXPECT_EQ(test, sorted[i], __kgid_val(d.groups[i]));
	credo_desc_release(&d);

	credo_test_desc(test, &kc, repeats, ARRAY_SIZE(repeats), &d);
	KUNIT_ASSERT_EQ(test, (unsigned int)ARRAY_SIZE(want), d.ngroups);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		KUNIT_EXPECT_EQ(test, want[i], __kgid_val(d.groups[i]));
	credo_desc_release(&d);
}

/*
 * More groups than the descriptor holds itself: the list moves to the heap
 * and is normalized the same way (kmemleak on the debug kernels checks
 * that release frees it).
 */
static void credo_build_many_groups(struct kunit *test)
{
	const u32 n = 3 * CREDO_DESC_INLINE_GROUPS;
	struct credo_desc d;
	struct credo_cred kc;
	u32 *groups, i;

	groups = kunit_kmalloc_array(test, n, sizeof(*groups), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, groups);
	/* Descending, every id twice: n / 2 distinct groups. */
	for (i = 0; i < n; i++)
		groups[i] = 5000 - i / 2;
	credo_test_kc(&kc);
	credo_test_desc(test, &kc, groups, n, &d);
	KUNIT_EXPECT_PTR_NE(test, (void *)d.groups, (void *)d.inline_groups);
	KUNIT_ASSERT_EQ(test, n / 2, d.ngroups);
	for (i = 0; i < n / 2; i++)
		KUNIT_EXPECT_EQ(test, 5000 - (n / 2 - 1) + i,
				__kgid_val(d.groups[i]));
	credo_desc_release(&d);
	KUNIT_EXPECT_PTR_EQ(test, (void *)d.groups, NULL);

	/* An unmapped id among them fails and leaves nothing to release. */
	groups[n - 1] = (u32)-1;
	KUNIT_EXPECT_EQ(test, -EINVAL,
			credo_desc_build(&kc, groups, &init_user_ns, &d));
	KUNIT_EXPECT_PTR_EQ(test, (void *)d.groups, NULL);
}

static void credo_copy_efault(struct kunit *test)
{
	struct credo_cred kc;
	struct credo_desc d = {};

	KUNIT_EXPECT_EQ(test, -EFAULT,
			credo_cred_copy_in(&kc, (void __user *)CREDO_BAD_UPTR));

	credo_test_kc(&kc);
	kc.ngroups = 2;
	kc.groups = CREDO_BAD_UPTR;
	KUNIT_EXPECT_EQ(test, -EFAULT, credo_desc_copy_groups(&kc, &d));
	KUNIT_EXPECT_PTR_EQ(test, (void *)d.groups, NULL);
	/* The same from the heap-allocated list of a long one. */
	kc.ngroups = CREDO_DESC_INLINE_GROUPS + 1;
	KUNIT_EXPECT_EQ(test, -EFAULT, credo_desc_copy_groups(&kc, &d));
	KUNIT_EXPECT_PTR_EQ(test, (void *)d.groups, NULL);

	/* No groups: nothing to read, whatever the pointer. */
	kc.ngroups = 0;
	KUNIT_EXPECT_EQ(test, 0, credo_desc_copy_groups(&kc, &d));
	KUNIT_EXPECT_EQ(test, 0U, d.ngroups);
	credo_desc_release(&d);
}

/*
 * A handle keeps the descriptor a mint built on its stack (handle.c): the
 * moved copy must point at its own inline groups, or at the heap list the
 * source gave up, and the source must hold nothing any more.
 */
static void credo_desc_move_owns(struct kunit *test)
{
	const u32 few[] = { 30, 10, 20 };
	const u32 n = CREDO_DESC_INLINE_GROUPS + 5;
	struct credo_desc *src, *dst;
	struct credo_cred kc;
	kgid_t *heap;
	u32 *many, i;

	src = kunit_kzalloc(test, sizeof(*src), GFP_KERNEL);
	dst = kunit_kzalloc(test, sizeof(*dst), GFP_KERNEL);
	many = kunit_kmalloc_array(test, n, sizeof(*many), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, src);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dst);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, many);

	credo_test_kc(&kc);
	credo_test_desc(test, &kc, few, ARRAY_SIZE(few), src);
	credo_desc_move(dst, src);
	KUNIT_EXPECT_PTR_EQ(test, (void *)dst->groups, (void *)dst->inline_groups);
	KUNIT_EXPECT_PTR_EQ(test, (void *)src->groups, NULL);
	KUNIT_EXPECT_EQ(test, 0U, src->ngroups);
	KUNIT_ASSERT_EQ(test, 3U, dst->ngroups);
	/* The source's bytes are gone: the copy must not depend on them. */
	memset(src->inline_groups, 0xff, sizeof(src->inline_groups));
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, 10 * (i + 1), __kgid_val(dst->groups[i]));
	credo_desc_release(dst);

	for (i = 0; i < n; i++)
		many[i] = 100 + i;
	credo_test_desc(test, &kc, many, n, src);
	heap = src->groups;
	KUNIT_ASSERT_PTR_NE(test, (void *)heap, (void *)src->inline_groups);
	credo_desc_move(dst, src);
	KUNIT_EXPECT_PTR_EQ(test, (void *)dst->groups, (void *)heap);
	KUNIT_EXPECT_PTR_EQ(test, (void *)src->groups, NULL);
	KUNIT_EXPECT_EQ(test, n, dst->ngroups);
	/* Releasing the emptied source must not free the moved list (KASAN, kmemleak). */
	credo_desc_release(src);
	KUNIT_EXPECT_EQ(test, 100 + n - 1, __kgid_val(dst->groups[n - 1]));
	credo_desc_release(dst);
}

static struct kunit_case credo_descriptor_cases[] = {
	KUNIT_CASE(credo_size_rules),
	KUNIT_CASE(credo_check_rules),
	KUNIT_CASE(credo_build_unmapped),
	KUNIT_CASE(credo_build_sorted_input),
	KUNIT_CASE(credo_build_many_groups),
	KUNIT_CASE(credo_build_normalizes),
	KUNIT_CASE(credo_copy_efault),
	KUNIT_CASE(credo_desc_move_owns),
	{}
};

struct kunit_suite credo_descriptor_suite = {
	.name = "credo_descriptor",
	.test_cases = credo_descriptor_cases,
};

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by credo's KUnit suites.
 */
#ifndef _CREDO_TEST_H
#define _CREDO_TEST_H

#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/credo.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "../descriptor.h"

extern struct kunit_suite credo_descriptor_suite;
extern struct kunit_suite credo_cred_build_suite;
extern struct kunit_suite credo_table_suite;
extern struct kunit_suite credo_compat_suite;
extern struct kunit_suite credo_hook_suite;

/* A valid full-size request: uid/gid 1000 everywhere, no groups. */
static inline void credo_test_kc(struct credo_cred *kc)
{
	memset(kc, 0, sizeof(*kc));
	kc->size = sizeof(*kc);
	kc->uid = 1000;
	kc->euid = 1000;
	kc->suid = 1000;
	kc->fsuid = 1000;
	kc->gid = 1000;
	kc->egid = 1000;
	kc->sgid = 1000;
	kc->fsgid = 1000;
}

static inline void credo_test_uids(struct credo_cred *kc, u32 uid, u32 euid,
				   u32 suid, u32 fsuid)
{
	kc->uid = uid;
	kc->euid = euid;
	kc->suid = suid;
	kc->fsuid = fsuid;
}

#define CREDO_TEST_NIDS	8

/* The eight ids of @kc, in struct order: uid euid suid fsuid gid ... */
static inline void credo_test_id_ptrs(struct credo_cred *kc,
				      u32 *ids[CREDO_TEST_NIDS])
{
	ids[0] = &kc->uid;
	ids[1] = &kc->euid;
	ids[2] = &kc->suid;
	ids[3] = &kc->fsuid;
	ids[4] = &kc->gid;
	ids[5] = &kc->egid;
	ids[6] = &kc->sgid;
	ids[7] = &kc->fsgid;
}

/* Build @d from @kc and @groups in the initial namespace, or fail the test. */
static inline void credo_test_desc(struct kunit *test,
				   struct credo_cred *kc, const u32 *groups,
				   u32 ngroups, struct credo_desc *d)
{
	kc->ngroups = ngroups;
	KUNIT_ASSERT_EQ(test, 0, credo_desc_build(kc, groups, &init_user_ns, d));
}

/* A private copy of the test thread's credentials (root, every capability). */
static inline struct cred *credo_test_base(struct kunit *test)
{
	struct cred *base = prepare_creds();

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, base);
	return base;
}

#endif /* _CREDO_TEST_H */

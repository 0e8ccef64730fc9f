// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the coalescing table (table.c), on private table instances.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/kthread.h>

#include "credo_test.h"
#include "../table.h"

static const struct cred *credo_test_get(struct kunit *test,
					 struct credo_table *t,
					 const struct cred *base, u32 uid,
					 const u32 *groups, u32 ngroups)
{
	const struct cred *cred;
	struct credo_cred kc;
	struct credo_desc d;

	credo_test_kc(&kc);
	credo_test_uids(&kc, uid, uid, uid, uid);
	credo_test_desc(test, &kc, groups, ngroups, &d);
	cred = credo_table_get(t, base, &d);
	credo_desc_release(&d);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(cred));
	return cred;
}

static struct credo_table *credo_test_table(struct kunit *test,
					    unsigned int max)
{
	struct credo_table *t = credo_table_create(max, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(t));
	return t;
}

static void credo_table_coalesces(struct kunit *test)
{
	struct credo_table *t = credo_test_table(test, 64);
	struct cred *base = credo_test_base(test);
	u32 g1[] = { 1, 2, 3 }, g2[] = { 3, 1, 2, 2 };
	const struct cred *a, *b, *c;

	a = credo_test_get(test, t, base, 1000, g1, ARRAY_SIZE(g1));
	KUNIT_EXPECT_EQ(test, 1L, credo_table_misses(t));
	KUNIT_EXPECT_EQ(test, 0L, credo_table_hits(t));
	KUNIT_EXPECT_EQ(test, 1L, atomic_long_read(&t->entries));

	b = credo_test_get(test, t, base, 1000, g1, ARRAY_SIZE(g1));
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	KUNIT_EXPECT_EQ(test, 1L, credo_table_hits(t));
	KUNIT_EXPECT_EQ(test, 1L, atomic_long_read(&t->entries));

	/* Same set of groups, other order and a repeat: same cred. */
	c = credo_test_get(test, t, base, 1000, g2, ARRAY_SIZE(g2));
	KUNIT_EXPECT_PTR_EQ(test, a, c);
	KUNIT_EXPECT_EQ(test, 2L, credo_table_hits(t));
	KUNIT_EXPECT_EQ(test, 1L, credo_table_misses(t));
	/* The table's reference plus the three handed out. */
	KUNIT_EXPECT_EQ(test, 4L, credo_cred_usage(a));
	put_cred(c);
	put_cred(b);

	/* Other groups, other uid: other creds. */
	b = credo_test_get(test, t, base, 1000, g1, 2);
	c = credo_test_get(test, t, base, 1001, g1, ARRAY_SIZE(g1));
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_PTR_NE(test, a, c);
	KUNIT_EXPECT_PTR_NE(test, b, c);
	KUNIT_EXPECT_EQ(test, 3L, atomic_long_read(&t->entries));
	put_cred(a);
	put_cred(b);
	put_cred(c);

	credo_table_destroy(t);
	put_cred(base);
}

static void credo_table_keys_base(struct kunit *test)
{
	struct credo_table *t = credo_test_table(test, 64);
	struct cred *base1 = credo_test_base(test);
	struct cred *base2 = credo_test_base(test);
	const struct cred *a, *b;

	a = credo_test_get(test, t, base1, 1000, NULL, 0);
	b = credo_test_get(test, t, base2, 1000, NULL, 0);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_EQ(test, 2L, atomic_long_read(&t->entries));
	KUNIT_EXPECT_EQ(test, 2L, credo_table_misses(t));
	/* The entries pin their bases. */
	KUNIT_EXPECT_EQ(test, 2L, credo_cred_usage(base1));
	put_cred(a);
	put_cred(b);
	credo_table_destroy(t);
	KUNIT_EXPECT_EQ(test, 1L, credo_cred_usage(base1));
	put_cred(base1);
	put_cred(base2);
}

static void credo_table_evicts_unused(struct kunit *test)
{
	struct credo_table *t = credo_test_table(test, 64);
	struct cred *base = credo_test_base(test);
	const struct cred *held, *dropped, *again;

	held = credo_test_get(test, t, base, 1000, NULL, 0);
	dropped = credo_test_get(test, t, base, 1001, NULL, 0);
	put_cred(dropped);
	KUNIT_EXPECT_EQ(test, 2L, atomic_long_read(&t->entries));

	KUNIT_EXPECT_EQ(test, 1UL, credo_table_evict(t, ULONG_MAX, false));
	KUNIT_EXPECT_EQ(test, 1L, atomic_long_read(&t->entries));
	KUNIT_EXPECT_EQ(test, 1L, atomic_long_read(&t->evictions));
	/* The held one survived, with the table's reference and ours. */
	KUNIT_EXPECT_EQ(test, 2L, credo_cred_usage(held));
	again = credo_test_get(test, t, base, 1000, NULL, 0);
	KUNIT_EXPECT_PTR_EQ(test, held, again);
	KUNIT_EXPECT_EQ(test, 1L, credo_table_hits(t));
	put_cred(again);
	/* The other went: asking again builds a new one. */
	again = credo_test_get(test, t, base, 1001, NULL, 0);
	KUNIT_EXPECT_EQ(test, 3L, credo_table_misses(t));
	KUNIT_EXPECT_EQ(test, 2L, atomic_long_read(&t->entries));
	put_cred(again);

	/* The periodic pass evicts only what stayed unused for two passes. */
	KUNIT_EXPECT_EQ(test, 0UL, credo_table_evict(t, ULONG_MAX, true));
	KUNIT_EXPECT_EQ(test, 1UL, credo_table_evict(t, ULONG_MAX, true));
	KUNIT_EXPECT_EQ(test, 1L, atomic_long_read(&t->entries));
	KUNIT_EXPECT_EQ(test, 2L, atomic_long_read(&t->evictions));

	put_cred(held);
	KUNIT_EXPECT_EQ(test, 1UL, credo_table_evict(t, ULONG_MAX, false));
	KUNIT_EXPECT_EQ(test, 0L, atomic_long_read(&t->entries));
	credo_table_destroy(t);
	put_cred(base);
}

static void credo_table_bound(struct kunit *test)
{
	struct credo_table *t = credo_test_table(test, 2);
	struct cred *base = credo_test_base(test);
	const struct cred *held, *c;
	u32 uid;

	held = credo_test_get(test, t, base, 1000, NULL, 0);
	for (uid = 1001; uid < 1010; uid++) {
		c = credo_test_get(test, t, base, uid, NULL, 0);
		put_cred(c);
		KUNIT_EXPECT_LE(test, atomic_long_read(&t->entries), 2L);
	}
	KUNIT_EXPECT_EQ(test, 8L, atomic_long_read(&t->evictions));
	/* The used entry was never the one to go. */
	c = credo_test_get(test, t, base, 1000, NULL, 0);
	KUNIT_EXPECT_PTR_EQ(test, held, c);
	put_cred(c);
	put_cred(held);
	credo_table_destroy(t);
	put_cred(base);
}

#define CREDO_RACE_THREADS	4
#define CREDO_RACE_IDS		8
#define CREDO_RACE_LOOPS	500

struct credo_race {
	struct credo_table *t;
	const struct cred *base;
	atomic_t errors;
	atomic_t running;
	struct completion done;
};

static int credo_race_fn(void *arg)
{
	struct credo_race *r = arg;
	const struct cred *cred;
	struct credo_cred kc;
	struct credo_desc d;
	int i;

	for (i = 0; i < CREDO_RACE_LOOPS; i++) {
		credo_test_kc(&kc);
		credo_test_uids(&kc, 2000 + i % CREDO_RACE_IDS, 2000, 2000,
				2000);
		if (credo_desc_build(&kc, NULL, &init_user_ns, &d)) {
			atomic_inc(&r->errors);
			continue;
		}
		cred = credo_table_get(r->t, r->base, &d);
		credo_desc_release(&d);
		if (IS_ERR_OR_NULL(cred)) {
			atomic_inc(&r->errors);
			continue;
		}
		if (__kuid_val(cred->uid) != 2000 + i % CREDO_RACE_IDS)
			atomic_inc(&r->errors);
		put_cred(cred);
	}
	if (atomic_dec_and_test(&r->running))
		complete(&r->done);
	return 0;
}

static void credo_table_concurrent(struct kunit *test)
{
	struct credo_race r = {
		.t = credo_test_table(test, 1024),
		.base = credo_test_base(test),
	};
	const struct cred *seen[CREDO_RACE_IDS], *c;
	struct task_struct *tsk;
	u32 i, j;

	atomic_set(&r.errors, 0);
	atomic_set(&r.running, CREDO_RACE_THREADS);
	init_completion(&r.done);
	for (i = 0; i < CREDO_RACE_THREADS; i++) {
		tsk = kthread_run(credo_race_fn, &r, "credo_race/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(tsk));
	}
	wait_for_completion(&r.done);

	KUNIT_EXPECT_EQ(test, 0, atomic_read(&r.errors));
	KUNIT_EXPECT_EQ(test, (long)CREDO_RACE_IDS,
			atomic_long_read(&r.t->entries));
	KUNIT_EXPECT_EQ(test, (long)CREDO_RACE_IDS,
			credo_table_misses(r.t));
	KUNIT_EXPECT_EQ(test,
			(long)(CREDO_RACE_THREADS * CREDO_RACE_LOOPS -
			       CREDO_RACE_IDS),
			credo_table_hits(r.t));
	KUNIT_EXPECT_EQ(test, 0L, atomic_long_read(&r.t->evictions));

	/* One cred per identity, each found again. */
	for (i = 0; i < CREDO_RACE_IDS; i++) {
		struct credo_cred kc;
		struct credo_desc d;

		credo_test_kc(&kc);
		credo_test_uids(&kc, 2000 + i, 2000, 2000, 2000);
		credo_test_desc(test, &kc, NULL, 0, &d);
		seen[i] = credo_table_get(r.t, r.base, &d);
		credo_desc_release(&d);
		KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(seen[i]));
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_PTR_NE(test, seen[i], seen[j]);
	}
	KUNIT_EXPECT_EQ(test, (long)CREDO_RACE_IDS,
			credo_table_misses(r.t));
	for (i = 0; i < CREDO_RACE_IDS; i++) {
		c = seen[i];
		KUNIT_EXPECT_EQ(test, 2L, credo_cred_usage(c));
		put_cred(c);
	}
	credo_table_destroy(r.t);
	put_cred(r.base);
}

static const struct cred *credo_test_get_kc(struct kunit *test,
					    struct credo_table *t,
					    const struct cred *base,
					    struct credo_cred *kc)
{
	const struct cred *cred;
	struct credo_desc d;

	credo_test_desc(test, kc, NULL, 0, &d);
	cred = credo_table_get(t, base, &d);
	credo_desc_release(&d);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(cred));
	return cred;
}

/* The cred's ids in struct credo_cred's order: uid euid suid fsuid gid ... */
static u32 credo_test_cred_id(const struct cred *c, int i)
{
	kuid_t u[] = { c->uid, c->euid, c->suid, c->fsuid };
	kgid_t g[] = { c->gid, c->egid, c->sgid, c->fsgid };

	return i < 4 ? __kuid_val(u[i]) : __kgid_val(g[i - 4]);
}

/*
 * Entries are compared through their cred: every id, the flags and the
 * explicit capability sets must each tell requests apart.
 */
static void credo_table_keys_fields(struct kunit *test)
{
	struct credo_table *t = credo_test_table(test, 64);
	struct cred *base = credo_test_base(test);
	const struct cred *first, *c, *again;
	struct credo_cred kc;
	u32 *ids[CREDO_TEST_NIDS];
	long n;
	int i;

	credo_test_kc(&kc);
	first = credo_test_get_kc(test, t, base, &kc);
	credo_test_id_ptrs(&kc, ids);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		*ids[i] = 2000;
		c = credo_test_get_kc(test, t, base, &kc);
		KUNIT_EXPECT_PTR_NE_MSG(test, first, c, "id %d", i);
		KUNIT_EXPECT_EQ_MSG(test, 2000U, credo_test_cred_id(c, i),
				    "id %d", i);
		put_cred(c);
		*ids[i] = 1000;
	}
	KUNIT_EXPECT_EQ(test, 9L, credo_table_misses(t));

	/* Explicit sets equal to what the ids derive (none): still apart. */
	kc.flags = CREDO_CRED_CAPS;
	KUNIT_EXPECT_EQ(test, 0ULL, credo_cap_to_u64(first->cap_permitted));
	c = credo_test_get_kc(test, t, base, &kc);
	KUNIT_EXPECT_PTR_NE(test, first, c);
	put_cred(c);

	/* A reference request, then each set changed alone. */
	kc.cap_effective = 1;
	kc.cap_permitted = 1;
	kc.cap_inheritable = 1;
	c = credo_test_get_kc(test, t, base, &kc);
	for (i = 0; i < 4; i++) {
		struct credo_cred v = kc;

		switch (i) {
		case 0:
			v.cap_effective = 0;
			break;
		case 1:
			v.cap_permitted = 3;
			break;
		case 2:
			v.cap_inheritable = 0;
			break;
		case 3:
			v.cap_ambient = 1;
			break;
		}
		again = credo_test_get_kc(test, t, base, &v);
		KUNIT_EXPECT_PTR_NE_MSG(test, c, again, "set %d", i);
		put_cred(again);
	}
	n = credo_table_misses(t);
	again = credo_test_get_kc(test, t, base, &kc);
	KUNIT_EXPECT_PTR_EQ(test, c, again);
	KUNIT_EXPECT_EQ(test, n, credo_table_misses(t));
	put_cred(again);
	put_cred(c);
	put_cred(first);
	credo_table_destroy(t);
	put_cred(base);
}

/*
 * Above the bound, an identity looked up again between inserts survives a
 * stream of one-off identities (with eviction by insertion order or at
 * random it would go within a few inserts).
 */
static void credo_table_bound_keeps_hot(struct kunit *test)
{
	struct credo_table *t = credo_test_table(test, 4);
	struct cred *base = credo_test_base(test);
	const struct cred *hot, *c;
	u32 uid;

	hot = credo_test_get(test, t, base, 1000, NULL, 0);
	put_cred(hot);
	for (uid = 2000; uid < 2200; uid++) {
		c = credo_test_get(test, t, base, uid, NULL, 0);
		put_cred(c);
		c = credo_test_get(test, t, base, 1000, NULL, 0);
		KUNIT_EXPECT_PTR_EQ_MSG(test, hot, c, "after uid %u", uid);
		put_cred(c);
		if (c != hot)
			break;
	}
	KUNIT_EXPECT_EQ(test, 201L, credo_table_misses(t));
	KUNIT_EXPECT_EQ(test, 200L, credo_table_hits(t));
	KUNIT_EXPECT_LE(test, atomic_long_read(&t->entries), 4L);
	KUNIT_EXPECT_EQ(test, 197L, atomic_long_read(&t->evictions));
	credo_table_destroy(t);
	put_cred(base);
}

static struct kunit_case credo_table_cases[] = {
	KUNIT_CASE(credo_table_coalesces),
	KUNIT_CASE(credo_table_keys_base),
	KUNIT_CASE(credo_table_evicts_unused),
	KUNIT_CASE(credo_table_bound),
	KUNIT_CASE(credo_table_bound_keeps_hot),
	KUNIT_CASE(credo_table_keys_fields),
	KUNIT_CASE(credo_table_concurrent),
	{}
};

struct kunit_suite credo_table_suite = {
	.name = "credo_table",
	.test_cases = credo_table_cases,
};

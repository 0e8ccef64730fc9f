// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: hook.c on a function of this module.  A hook redirects the call,
 * a second IPMODIFY hook on the same function is refused with -EBUSY, an
 * absent optional name is listed and skipped, an absent required one fails,
 * and after unregistering the function runs as before.  This exercises
 * compat.h's ftrace callback glue (struct ftrace_regs since 5.11) on the
 * kernel the suite runs on.
 */
#include <kunit/test.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/ptrace.h>

#include "../hook.h"
#include "credo_test.h"

#define CREDO_TEST_ABSENT	"credo_test_no_such_function"

/* noinline, and called through a hidden pointer: every call passes its ftrace site. */
static noinline int credo_test_hook_target(int x)
{
	OPTIMIZER_HIDE_VAR(x);
	return x + 1;
}

static noinline int credo_test_hook_busy(int x)
{
	return -EBUSY;
}

static void notrace credo_test_redirect(struct credo_hook *h,
					struct pt_regs *regs,
					unsigned long caller)
{
	instruction_pointer_set(regs, (unsigned long)credo_test_hook_busy);
}

static const char *const credo_test_names[] = {
	"credo_test_hook_target", NULL
};

static const char *const credo_test_absent_names[] = {
	CREDO_TEST_ABSENT, "credo_test_hook_target", NULL
};

static int credo_test_call(int x)
{
	int (*fn)(int) = credo_test_hook_target;

	/* Through a pointer the compiler cannot see: no clone, no folding. */
	OPTIMIZER_HIDE_VAR(fn);
	return fn(x);
}

static void credo_hook_redirects_and_excludes(struct kunit *test)
{
	/* Not on the stack: ftrace keeps a registered ops on its lists. */
	static struct credo_hook a = { .fn = credo_test_redirect,
				       .names = credo_test_names };
	static struct credo_hook b = { .fn = credo_test_redirect,
				       .names = credo_test_names };

	KUNIT_ASSERT_EQ(test, 42, credo_test_call(41));
	KUNIT_ASSERT_EQ(test, 0, credo_hook_register(&a, NULL, 0));
	KUNIT_EXPECT_EQ(test, 1U, a.nr_hooked);
	KUNIT_EXPECT_EQ(test, -EBUSY, credo_test_call(41));

	/* IPMODIFY: one modifier per function; the second is refused. */
	KUNIT_EXPECT_EQ(test, -EBUSY, credo_hook_register(&b, NULL, 0));
	KUNIT_EXPECT_EQ(test, 0U, b.nr_hooked);
	KUNIT_EXPECT_EQ(test, -EBUSY, credo_test_call(41));

	credo_hook_unregister(&a);
	KUNIT_EXPECT_EQ(test, 0U, a.nr_hooked);
	KUNIT_EXPECT_EQ(test, 42, credo_test_call(41));

	/* The function is free again. */
	KUNIT_EXPECT_EQ(test, 0, credo_hook_register(&b, NULL, 0));
	KUNIT_EXPECT_EQ(test, -EBUSY, credo_test_call(41));
	credo_hook_unregister(&b);
	KUNIT_EXPECT_EQ(test, 42, credo_test_call(41));
}

static void credo_hook_absent_names(struct kunit *test)
{
	static struct credo_hook opt = { .fn = credo_test_redirect,
					 .names = credo_test_absent_names,
					 .optional = true };
	static struct credo_hook req = { .fn = credo_test_redirect,
					 .names = credo_test_absent_names };
	char absent[128] = "";

	KUNIT_EXPECT_EQ(test, 0, credo_hook_register(&opt, absent, sizeof(absent)));
	KUNIT_EXPECT_EQ(test, 1U, opt.nr_hooked);
	KUNIT_EXPECT_STREQ(test, " " CREDO_TEST_ABSENT, absent);
	KUNIT_EXPECT_EQ(test, -EBUSY, credo_test_call(1));
	credo_hook_unregister(&opt);
	KUNIT_EXPECT_EQ(test, 2, credo_test_call(1));

	/* A required name that is absent fails, and nothing stays hooked. */
	KUNIT_EXPECT_NE(test, 0, credo_hook_register(&req, NULL, 0));
	KUNIT_EXPECT_EQ(test, 0U, req.nr_hooked);
	KUNIT_EXPECT_EQ(test, 2, credo_test_call(1));
}

static struct kunit_case credo_hook_cases[] = {
	KUNIT_CASE(credo_hook_redirects_and_excludes),
	KUNIT_CASE(credo_hook_absent_names),
	{}
};

struct kunit_suite credo_hook_suite = {
	.name = "credo_hook",
	.test_cases = credo_hook_cases,
};

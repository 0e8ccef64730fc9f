// SPDX-License-Identifier: GPL-2.0
/*
 * credo_test.ko: KUnit suites for credo.ko, registered in one place because
 * older KUnit allows a single kunit_test_suites() per module.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "credo_test.h"

kunit_test_suites(&credo_descriptor_suite, &credo_cred_build_suite,
		  &credo_table_suite, &credo_compat_suite, &credo_hook_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for credo");

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness from the kernel tree (KSFT_DIR), included once per test
 * binary.  Its TEST()/TEST_F() wrappers and SIGALRM handler have parameters they do
 * not use, which -Wextra -Werror rejects; only that warning is silenced, for the
 * rest of the translation unit since the macros expand in the test files.
 */
#ifndef CREDO_HARNESS_H
#define CREDO_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#endif /* CREDO_HARNESS_H */

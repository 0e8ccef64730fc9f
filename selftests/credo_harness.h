/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness from the kernel tree (KSFT_DIR), included once per test
 * binary.  Its TEST()/TEST_F() wrappers and SIGALRM handler have parameters they do
 * not use, which -Wextra -Werror rejects; only that warning is silenced, for the
 * rest of the translation unit since the macros expand in the test files.
 *
 * The harness kills a case after 30 s unless it names its own limit.  Under TCG on a
 * shared two-core host a case can take several times what it takes alone, and a
 * slow machine must not fail a test: the default limit is a hang guard, so it is raised
 * for every case that does not set one (the macros expand in the test files, after
 * this redefinition).
 */
#ifndef CREDO_HARNESS_H
#define CREDO_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180

#endif /* CREDO_HARNESS_H */

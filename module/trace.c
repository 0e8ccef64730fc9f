// SPDX-License-Identifier: GPL-2.0
/*
 * The one unit that instantiates credo's tracepoints (trace.h).
 */
#include <linux/sched.h>

#define CREATE_TRACE_POINTS
#include "trace.h"

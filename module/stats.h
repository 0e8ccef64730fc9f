/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters, readable under /sys/kernel/credo/.
 */
#ifndef _CREDO_STATS_H
#define _CREDO_STATS_H

struct credo_table;

void credo_stats_live_inc(void);
void credo_stats_live_dec(void);
long credo_stats_live(void);
int credo_stats_init(struct credo_table *t);
void credo_stats_exit(void);

#endif /* _CREDO_STATS_H */

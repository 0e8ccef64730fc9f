/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The coalescing table: identical requests from identical bases share one
 * struct cred.
 */
#ifndef _CREDO_TABLE_H
#define _CREDO_TABLE_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct cred;
struct credo_desc;

/* Counted by every lookup on every CPU: per CPU, summed when read. */
struct credo_table_lookups {
	unsigned long hits;
	unsigned long misses;
};

struct credo_table {
	struct hlist_head *buckets;
	unsigned int bits;
	unsigned int max_entries;
	unsigned int evict_interval_ms;	/* 0: no periodic pass */
	u32 seed;
	unsigned int clock;		/* next bucket the bound scan looks at */
	spinlock_t lock;		/* all writers; readers use RCU */
	struct workqueue_struct *wq;
	struct delayed_work evict_work;

	atomic_long_t entries;
	atomic_long_t evictions;
	struct credo_table_lookups __percpu *lookups;
};

/* The largest bound (and so bucket array) a table can have. */
#define CREDO_MAX_ENTRIES_LIMIT	BIT(24)

void credo_table_set_bound(struct credo_table *t, unsigned int max_entries);
struct credo_table *credo_table_create(unsigned int max_entries,
				       unsigned int evict_interval_ms);
void credo_table_destroy(struct credo_table *t);
const struct cred *credo_table_lookup(struct credo_table *t,
				      const struct cred *base,
				      const struct credo_desc *d, bool *hit);
const struct cred *credo_table_get(struct credo_table *t,
				   const struct cred *base,
				   const struct credo_desc *d);
long credo_table_hits(const struct credo_table *t);
long credo_table_misses(const struct credo_table *t);
unsigned long credo_table_evict(struct credo_table *t, unsigned long limit,
				bool idle_only);
void credo_table_flush(struct credo_table *t);

#endif /* _CREDO_TABLE_H */

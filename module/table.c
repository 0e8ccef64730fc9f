// SPDX-License-Identifier: GPL-2.0
/*
 * The coalescing table.
 *
 * Key: the base cred's address plus the normalized descriptor (flags, the
 * eight ids, the capability sets when given, the sorted group list).  The
 * base decides everything the descriptor does not (securebits, keyrings,
 * user namespace, LSM state, ucounts), and a cred never changes once
 * committed, so equal keys build indistinguishable creds.  The entry pins
 * the base with a reference so its address cannot be reused by another cred
 * while the entry exists.
 *
 * Value: one struct cred, of which the table owns exactly one reference.
 * Whoever uses it takes its own: a thread's ->cred slot, a file's f_cred, a
 * future credential handle.  An entry whose cred has no user but the table
 * (usage == 1) may be evicted: on insert above max_entries, least recently
 * looked up first (credo_bound_locked()), by a periodic pass that evicts
 * entries found unused at two passes in a row, and by the shrinker.  A
 * thread holds its override's cred only between override and revert, so
 * "unused" alone says nothing about how hot an identity is; lookups mark
 * entries so that both eviction paths spare the ones in demand.
 *
 * Readers take no lock: RCU walk, then get_cred_rcu(), which fails on a cred
 * already dying.  Writers serialize on one spinlock and look again under it
 * before inserting, so one key never has two entries.  Unhashed entries
 * drop their references outside the lock and are freed after a grace period;
 * a reader still comparing against one reads e->cred->group_info, which RCU
 * keeps alive as long as the entry itself.
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "cred_build.h"
#include "descriptor.h"
#include "events.h"
#include "table.h"
#include "trace.h"

/* Buckets the bound's hand may pass per insert, to keep an insert O(1). */
#define CREDO_BOUND_SCAN_BUCKETS	256
/* Buckets handled per lock hold by the full passes. */
#define CREDO_PASS_BATCH		64

struct credo_entry {
	struct hlist_node node;		/* in a bucket, walked under RCU */
	struct list_head reap;		/* once unhashed, until released */
	struct rcu_head rcu;
	u32 hash;
	u32 flags;			/* the descriptor's */
	bool dead;			/* unhashed: readers must not use it */
	bool idle;			/* unused at the last periodic pass */
	bool referenced;		/* looked up since the bound's hand passed */
	const struct cred *base;	/* pinned: its address is in the key */
	const struct cred *cred;	/* the shared override, also the key */
};

static u32 credo_key_hash(const struct credo_table *t,
			  const struct cred *base, const struct credo_desc *d)
{
	unsigned long b = (unsigned long)base;
	u32 ids[] = {
		d->flags,
		__kuid_val(d->uid), __kuid_val(d->euid),
		__kuid_val(d->suid), __kuid_val(d->fsuid),
		__kgid_val(d->gid), __kgid_val(d->egid),
		__kgid_val(d->sgid), __kgid_val(d->fsgid),
		d->ngroups,
	};
	u32 h;

	h = jhash_2words(lower_32_bits(b), upper_32_bits(b), t->seed);
	h = jhash2(ids, ARRAY_SIZE(ids), h);
	if (d->flags & CREDO_CRED_CAPS) {
		u64 caps[] = {
			d->cap_effective, d->cap_permitted,
			d->cap_inheritable, d->cap_ambient,
		};

		h = jhash(caps, sizeof(caps), h);
	}
	BUILD_BUG_ON(sizeof(kgid_t) != sizeof(u32));
	return jhash2((const u32 *)d->groups, d->ngroups, h);
}

/*
 * The entry's cred is its key: credo_cred_build() writes the descriptor's
 * ids and group list into it unchanged, and with CREDO_CRED_CAPS its
 * capability sets too (without, they derive from the base, which is part
 * of the key).  Keeping no separate copy keeps an entry small.
 */
static bool credo_key_eq(const struct credo_entry *e, u32 hash,
			 const struct cred *base, const struct credo_desc *d)
{
	const struct cred *c = e->cred;
	const struct group_info *gi = c->group_info;

	if (e->hash != hash || e->base != base || e->flags != d->flags)
		return false;
	if (!uid_eq(c->uid, d->uid) || !uid_eq(c->euid, d->euid) ||
	    !uid_eq(c->suid, d->suid) || !uid_eq(c->fsuid, d->fsuid) ||
	    !gid_eq(c->gid, d->gid) || !gid_eq(c->egid, d->egid) ||
	    !gid_eq(c->sgid, d->sgid) || !gid_eq(c->fsgid, d->fsgid))
		return false;
	if ((d->flags & CREDO_CRED_CAPS) &&
	    (credo_cap_to_u64(c->cap_effective) != d->cap_effective ||
	     credo_cap_to_u64(c->cap_permitted) != d->cap_permitted ||
	     credo_cap_to_u64(c->cap_inheritable) != d->cap_inheritable ||
	     credo_cap_to_u64(c->cap_ambient) != d->cap_ambient))
		return false;
	return gi->ngroups == d->ngroups &&
	       !memcmp(gi->gid, d->groups, d->ngroups * sizeof(kgid_t));
}

static struct hlist_head *credo_bucket(struct credo_table *t, u32 hash)
{
	return &t->buckets[hash_32(hash, t->bits)];
}

/* Under rcu_read_lock() or t->lock. */
static struct credo_entry *credo_find(struct credo_table *t, u32 hash,
				      const struct cred *base,
				      const struct credo_desc *d)
{
	struct credo_entry *e;

	hlist_for_each_entry_rcu(e, credo_bucket(t, hash), node,
				 lockdep_is_held(&t->lock))
		if (!READ_ONCE(e->dead) && credo_key_eq(e, hash, base, d))
			return e;
	return NULL;
}

/* The credo_table_insert and credo_table_evict tracepoints. */
static void credo_trace_entry(const struct credo_table *t,
			      const struct credo_entry *e,
			      enum credo_table_why why)
{
	struct credo_event_ids ids;

	credo_event_ids_of(&ids, e->cred);
	if (why == CREDO_TABLE_INSERT)
		trace_credo_table_insert(&ids, atomic_long_read(&t->entries),
					 why);
	else
		trace_credo_table_evict(&ids, atomic_long_read(&t->entries),
					why);
}

static void credo_unhash_locked(struct credo_table *t, struct credo_entry *e,
				struct list_head *reap,
				enum credo_table_why why)
{
	WRITE_ONCE(e->dead, true);
	hlist_del_rcu(&e->node);
	list_add(&e->reap, reap);
	atomic_long_dec(&t->entries);
	atomic_long_inc(&t->evictions);
	if (trace_credo_table_evict_enabled())
		credo_trace_entry(t, e, why);
}

static void credo_reap(struct list_head *reap)
{
	struct credo_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, reap, reap) {
		put_cred(e->cred);
		put_cred(e->base);
		kfree_rcu(e, rcu);
	}
}

/*
 * Evict up to @limit entries only the table uses from @nbuckets buckets
 * starting at @first.  With @idle_only an entry goes only if it was already
 * unused at the previous such pass.
 */
static unsigned long credo_evict_locked(struct credo_table *t,
					unsigned int first,
					unsigned int nbuckets,
					unsigned long limit, bool idle_only,
					struct list_head *reap)
{
	unsigned int mask = (1U << t->bits) - 1, i;
	struct credo_entry *e;
	struct hlist_node *tmp;
	unsigned long n = 0;

	for (i = 0; i < nbuckets && n < limit; i++) {
		hlist_for_each_entry_safe(e, tmp, &t->buckets[(first + i) & mask],
					  node) {
			if (n >= limit)
				break;
			if (credo_cred_usage(e->cred) != 1) {
				WRITE_ONCE(e->idle, false);
				continue;
			}
			if (idle_only && !READ_ONCE(e->idle)) {
				WRITE_ONCE(e->idle, true);
				continue;
			}
			credo_unhash_locked(t, e, reap, idle_only ?
					    CREDO_TABLE_IDLE :
					    CREDO_TABLE_UNUSED);
			n++;
		}
	}
	return n;
}

/*
 * Above the bound, an insert evicts like CLOCK: the hand moves bucket by
 * bucket from where it stopped last time; an entry looked up since the hand
 * last passed it gets a second chance, an entry never looked up since its
 * insert gets none (a server meeting many one-off identities keeps the ones
 * it uses again), an entry in use is never evicted.  The hand moves at most
 * CREDO_BOUND_SCAN_BUCKETS buckets; if every entry it saw was in use or
 * recently used, the table stays above the bound until a later insert, the
 * periodic pass or the shrinker finds one.
 */
static void credo_bound_locked(struct credo_table *t, long over,
			       struct list_head *reap)
{
	unsigned int mask = (1U << t->bits) - 1, i;
	struct credo_entry *e;
	struct hlist_node *tmp;

	for (i = 0; i < CREDO_BOUND_SCAN_BUCKETS && over > 0; i++) {
		hlist_for_each_entry_safe(e, tmp, &t->buckets[t->clock], node) {
			if (credo_cred_usage(e->cred) != 1)
				continue;
			if (READ_ONCE(e->referenced)) {
				WRITE_ONCE(e->referenced, false);
				continue;
			}
			credo_unhash_locked(t, e, reap, CREDO_TABLE_BOUND);
			if (--over == 0)
				break;
		}
		/* A bucket with more victims is finished by the next insert. */
		if (over > 0)
			t->clock = (t->clock + 1) & mask;
	}
}

/**
 * credo_table_evict - evict entries whose cred only the table uses
 * @t: the table
 * @limit: at most this many
 * @idle_only: only entries also found unused by the previous such call
 *
 * Walks the whole table, taking the lock for a batch of buckets at a time.
 *
 * Return: the number of entries evicted.
 */
unsigned long credo_table_evict(struct credo_table *t, unsigned long limit,
				bool idle_only)
{
	unsigned int nb = 1U << t->bits, i;
	unsigned long n = 0;
	LIST_HEAD(reap);

	for (i = 0; i < nb && n < limit; i += CREDO_PASS_BATCH) {
		spin_lock(&t->lock);
		n += credo_evict_locked(t, i, min_t(unsigned int,
						    CREDO_PASS_BATCH, nb - i),
					limit - n, idle_only, &reap);
		spin_unlock(&t->lock);
	}
	credo_reap(&reap);
	return n;
}
EXPORT_SYMBOL_GPL(credo_table_evict);

/**
 * credo_table_flush - drop every entry, used or not
 * @t: the table
 *
 * Users keep their own references, so the creds they hold stay valid; they
 * just stop being shared with later requests.
 */
void credo_table_flush(struct credo_table *t)
{
	unsigned int nb = 1U << t->bits, i;
	struct credo_entry *e;
	struct hlist_node *tmp;
	LIST_HEAD(reap);

	spin_lock(&t->lock);
	for (i = 0; i < nb; i++)
		hlist_for_each_entry_safe(e, tmp, &t->buckets[i], node)
			credo_unhash_locked(t, e, &reap, CREDO_TABLE_FLUSH);
	spin_unlock(&t->lock);
	credo_reap(&reap);
}
EXPORT_SYMBOL_GPL(credo_table_flush);

/*
 * A hit marks the entry as used for both kinds of eviction.  Both marks are
 * written only when they change, so the hot entries of a busy server are
 * not written on every lookup from every CPU.
 */
static void credo_entry_touch(struct credo_entry *e)
{
	if (READ_ONCE(e->idle))
		WRITE_ONCE(e->idle, false);
	if (!READ_ONCE(e->referenced))
		WRITE_ONCE(e->referenced, true);
}

/**
 * credo_table_lookup - the shared override for @base and @d
 * @t: the table
 * @base: the credentials the override is built from (see cred_build.c)
 * @d: a validated descriptor
 * @hit: set to whether an existing entry served it (for the events)
 *
 * Permission is the caller's business (credo_cred_permitted()).
 *
 * Return: a cred with one reference for the caller, or an ERR_PTR of
 * credo_cred_build()'s errors.
 */
const struct cred *credo_table_lookup(struct credo_table *t,
				      const struct cred *base,
				      const struct credo_desc *d, bool *hit)
{
	u32 hash = credo_key_hash(t, base, d);
	const struct cred *cred = NULL, *new;
	struct credo_entry *e, *ne;
	LIST_HEAD(reap);
	long n;

	rcu_read_lock();
	e = credo_find(t, hash, base, d);
	if (e) {
		cred = get_cred_rcu(e->cred);
		/* Evicted between the walk and the get: not ours to use. */
		if (cred && READ_ONCE(e->dead)) {
			put_cred(cred);
			cred = NULL;
		}
		if (cred)
			credo_entry_touch(e);
	}
	rcu_read_unlock();
	*hit = true;
	if (cred) {
		this_cpu_inc(t->lookups->hits);
		return cred;
	}

	new = credo_cred_build(base, d);
	if (IS_ERR(new))
		return new;
	ne = kzalloc(sizeof(*ne), GFP_KERNEL);
	if (!ne) {
		put_cred(new);
		return ERR_PTR(-ENOMEM);
	}

	spin_lock(&t->lock);
	e = credo_find(t, hash, base, d);
	if (e) {
		/* Another thread inserted it meanwhile; the entry's ref is live. */
		cred = get_cred(e->cred);
		credo_entry_touch(e);
		spin_unlock(&t->lock);
		put_cred(new);
		kfree(ne);
		this_cpu_inc(t->lookups->hits);
		return cred;
	}
	*hit = false;
	ne->hash = hash;
	ne->flags = d->flags;
	ne->base = get_cred(base);
	ne->cred = new;
	/* The caller's reference, taken first so the bound cannot evict it. */
	cred = get_cred(new);
	hlist_add_head_rcu(&ne->node, credo_bucket(t, hash));
	n = atomic_long_inc_return(&t->entries);
	if (trace_credo_table_insert_enabled())
		credo_trace_entry(t, ne, CREDO_TABLE_INSERT);
	if (n > READ_ONCE(t->max_entries))
		credo_bound_locked(t, n - READ_ONCE(t->max_entries), &reap);
	spin_unlock(&t->lock);
	credo_reap(&reap);
	this_cpu_inc(t->lookups->misses);
	return cred;
}
EXPORT_SYMBOL_GPL(credo_table_lookup);

/**
 * credo_table_get - credo_table_lookup() for callers that need no hit flag
 * @t: the table
 * @base: the credentials the override is built from
 * @d: a validated descriptor
 *
 * Return: as credo_table_lookup().
 */
const struct cred *credo_table_get(struct credo_table *t,
				   const struct cred *base,
				   const struct credo_desc *d)
{
	bool hit;

	return credo_table_lookup(t, base, d, &hit);
}
EXPORT_SYMBOL_GPL(credo_table_get);

static long credo_lookups_sum(const struct credo_table *t, bool hits)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct credo_table_lookups *l = per_cpu_ptr(t->lookups, cpu);

		n += hits ? READ_ONCE(l->hits) : READ_ONCE(l->misses);
	}
	return n;
}

/* Lookups served from an existing entry. */
long credo_table_hits(const struct credo_table *t)
{
	return credo_lookups_sum(t, true);
}
EXPORT_SYMBOL_GPL(credo_table_hits);

/* Lookups that built and inserted a new entry. */
long credo_table_misses(const struct credo_table *t)
{
	return credo_lookups_sum(t, false);
}
EXPORT_SYMBOL_GPL(credo_table_misses);

static void credo_evict_worker(struct work_struct *work)
{
	struct credo_table *t = container_of(to_delayed_work(work),
					     struct credo_table, evict_work);

	credo_table_evict(t, ULONG_MAX, true);
	queue_delayed_work(t->wq, &t->evict_work,
			   msecs_to_jiffies(t->evict_interval_ms));
}

/**
 * credo_table_set_bound - change the bound of a live table
 * @t: the table
 * @max_entries: the new bound, 1 .. CREDO_MAX_ENTRIES_LIMIT
 *
 * The bucket array keeps its size.  Lowering the bound evicts unused entries
 * above it at once; entries in use stay until they are not.
 */
void credo_table_set_bound(struct credo_table *t, unsigned int max_entries)
{
	long over;

	WRITE_ONCE(t->max_entries, max_entries);
	over = atomic_long_read(&t->entries) - max_entries;
	if (over > 0)
		credo_table_evict(t, over, false);
}
EXPORT_SYMBOL_GPL(credo_table_set_bound);

/**
 * credo_table_create - a new, empty table
 * @max_entries: the bound; the bucket array has the next power of two
 * @evict_interval_ms: period of the idle pass, 0 for none
 *
 * Return: the table or ERR_PTR(-ENOMEM) / ERR_PTR(-EINVAL).
 */
struct credo_table *credo_table_create(unsigned int max_entries,
				       unsigned int evict_interval_ms)
{
	struct credo_table *t;

	if (!max_entries || max_entries > CREDO_MAX_ENTRIES_LIMIT)
		return ERR_PTR(-EINVAL);
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->bits = max_t(unsigned int, ilog2(roundup_pow_of_two(max_entries)),
			ilog2(CREDO_BOUND_SCAN_BUCKETS));
	t->buckets = kvcalloc(1U << t->bits, sizeof(*t->buckets), GFP_KERNEL);
	t->lookups = alloc_percpu(struct credo_table_lookups);
	if (!t->buckets || !t->lookups)
		goto err;
	t->max_entries = max_entries;
	t->evict_interval_ms = evict_interval_ms;
	t->seed = get_random_u32();
	spin_lock_init(&t->lock);
	INIT_DELAYED_WORK(&t->evict_work, credo_evict_worker);
	if (evict_interval_ms) {
		t->wq = alloc_workqueue("credo_evict", WQ_UNBOUND, 1);
		if (!t->wq)
			goto err;
		queue_delayed_work(t->wq, &t->evict_work,
				   msecs_to_jiffies(evict_interval_ms));
	}
	return t;

err:
	free_percpu(t->lookups);
	kvfree(t->buckets);
	kfree(t);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(credo_table_create);

/**
 * credo_table_destroy - stop the periodic pass, flush, free
 * @t: the table, which nobody may look up any more
 */
void credo_table_destroy(struct credo_table *t)
{
	if (t->wq) {
		cancel_delayed_work_sync(&t->evict_work);
		destroy_workqueue(t->wq);
	}
	credo_table_flush(t);
	/* Let any reader that raced with the last lookups leave the buckets. */
	synchronize_rcu();
	free_percpu(t->lookups);
	kvfree(t->buckets);
	kfree(t);
}
EXPORT_SYMBOL_GPL(credo_table_destroy);

// SPDX-License-Identifier: GPL-2.0
/*
 * credo: per-thread credential switching through /dev/credo.
 *
 * Load order: the table, its shrinker, the safety net, sysfs, the listing
 * of live overrides (debugfs), and last the device, so no override can be
 * made before everything that keeps it safe is in place.  Unload runs in
 * reverse; it cannot start while an override is live, since each holds a
 * module reference (install.c).
 */
#include <linux/err.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/shrinker.h>

#include "device.h"
#include "handle.h"
#include "install.h"
#include "overrides.h"
#include "safety.h"
#include "stats.h"
#include "table.h"

static struct credo_table *credo_table;
static unsigned int max_entries = 16384;

/*
 * The bound can be changed at run time (tests force evictions with a small one); the bucket
 * array keeps the size chosen at load.  kernel_param_lock() serializes this with unload.
 */
static int credo_max_entries_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err = kstrtouint(val, 0, &v);

	if (err)
		return err;
	if (!v || v > CREDO_MAX_ENTRIES_LIMIT)
		return -EINVAL;
	*(unsigned int *)kp->arg = v;
	if (credo_table)
		credo_table_set_bound(credo_table, v);
	return 0;
}

static const struct kernel_param_ops credo_max_entries_ops = {
	.set = credo_max_entries_set,
	.get = param_get_uint,
};

module_param_cb(max_entries, &credo_max_entries_ops, &max_entries, 0644);
MODULE_PARM_DESC(max_entries,
		 "Coalescing table bound; unused entries are evicted above it (default 16384)");

static unsigned int evict_interval_ms = 10000;
module_param(evict_interval_ms, uint, 0444);
MODULE_PARM_DESC(evict_interval_ms,
		 "Period of the pass evicting entries unused since the previous pass, 0 to disable (default 10000)");

static struct credo_shrinker credo_shrinker;

static unsigned long credo_shrink_count(struct shrinker *s,
					struct shrink_control *sc)
{
	long n = atomic_long_read(&credo_table->entries);

	return n > 0 ? n : 0;
}

static unsigned long credo_shrink_scan(struct shrinker *s,
				       struct shrink_control *sc)
{
	unsigned long n = credo_table_evict(credo_table, sc->nr_to_scan, false);

	return n ? n : SHRINK_STOP;
}

/* Publishes or withdraws the table for the parameter setter. */
static void credo_table_publish(struct credo_table *t)
{
	kernel_param_lock(THIS_MODULE);
	credo_table = t;
	kernel_param_unlock(THIS_MODULE);
}

static int __init credo_init(void)
{
	struct credo_table *t;
	int err;

	t = credo_table_create(max_entries, evict_interval_ms);
	if (IS_ERR(t))
		return PTR_ERR(t);
	credo_table_publish(t);
	err = credo_shrinker_register(&credo_shrinker, credo_shrink_count,
				      credo_shrink_scan, "credo");
	if (err)
		goto err_table;
	err = credo_safety_init();
	if (err)
		goto err_shrinker;
	err = credo_stats_init(credo_table);
	if (err)
		goto err_safety;
	credo_overrides_init();
	err = credo_device_init(credo_table);
	if (err)
		goto err_stats;
	return 0;

err_stats:
	credo_overrides_exit();
	credo_stats_exit();
err_safety:
	credo_safety_exit();
err_shrinker:
	credo_shrinker_unregister(&credo_shrinker);
err_table:
	credo_table_publish(NULL);
	credo_table_destroy(t);
	return err;
}

static void __exit credo_exit(void)
{
	struct credo_table *t = credo_table;

	credo_device_exit();
	credo_handles_exit();
	credo_overrides_exit();
	credo_stats_exit();
	credo_safety_exit();
	credo_threads_exit();
	credo_shrinker_unregister(&credo_shrinker);
	credo_table_publish(NULL);
	credo_table_destroy(t);
}

module_init(credo_init);
module_exit(credo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-thread credential switching through /dev/credo");
MODULE_AUTHOR("The credo authors");
MODULE_ALIAS_MISCDEV(CREDO_MISC_MINOR);
MODULE_ALIAS("devname:credo");

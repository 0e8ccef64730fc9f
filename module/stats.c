// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/credo/: one read-only file per counter, each a decimal number
 * and a newline.  The table keeps its own counters (entries, hits, misses,
 * evictions) so each table instance, such as a KUnit test's, counts apart;
 * live_overrides is module-wide.
 */
#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>

#include "stats.h"
#include "table.h"

/*
 * Every override and revert counts, on whichever CPU: per CPU, so that
 * threads switching on different CPUs do not share a cache line for it.
 */
static DEFINE_PER_CPU(long, credo_live_overrides);
static struct credo_table *credo_stats_table;
static struct kobject *credo_kobj;

void credo_stats_live_inc(void)
{
	this_cpu_inc(credo_live_overrides);
}

/* Also from the exit_creds() probe, in softirq context: this_cpu_dec() is irq-safe. */
void credo_stats_live_dec(void)
{
	this_cpu_dec(credo_live_overrides);
}

long credo_stats_live(void)
{
	long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu(credo_live_overrides, cpu);
	return n;
}

static ssize_t credo_show(char *buf, atomic_long_t *counter)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(counter));
}

static ssize_t entries_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return credo_show(buf, &credo_stats_table->entries);
}

static struct kobj_attribute entries_attr = __ATTR_RO(entries);

static ssize_t hits_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%ld\n", credo_table_hits(credo_stats_table));
}

static struct kobj_attribute hits_attr = __ATTR_RO(hits);

static ssize_t misses_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%ld\n", credo_table_misses(credo_stats_table));
}

static struct kobj_attribute misses_attr = __ATTR_RO(misses);

static ssize_t evictions_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return credo_show(buf, &credo_stats_table->evictions);
}

static struct kobj_attribute evictions_attr = __ATTR_RO(evictions);

static ssize_t live_overrides_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", credo_stats_live());
}

static struct kobj_attribute live_overrides_attr = __ATTR_RO(live_overrides);

static struct attribute *credo_attrs[] = {
	&entries_attr.attr,
	&hits_attr.attr,
	&misses_attr.attr,
	&evictions_attr.attr,
	&live_overrides_attr.attr,
	NULL,
};

static const struct attribute_group credo_attr_group = {
	.attrs = credo_attrs,
};

int credo_stats_init(struct credo_table *t)
{
	int err;

	credo_stats_table = t;
	credo_kobj = kobject_create_and_add("credo", kernel_kobj);
	if (!credo_kobj)
		return -ENOMEM;
	err = sysfs_create_group(credo_kobj, &credo_attr_group);
	if (err) {
		kobject_put(credo_kobj);
		credo_kobj = NULL;
	}
	return err;
}

void credo_stats_exit(void)
{
	sysfs_remove_group(credo_kobj, &credo_attr_group);
	kobject_put(credo_kobj);
	credo_kobj = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/credo: a misc device whose only operation is ioctl.  Handles
 * (handle.c) are files of their own with their own commands.
 *
 * Commands are matched on everything but their size bits: struct credo_cred
 * is extensible, its own size field governs how much is read, so a binary
 * built against a larger or smaller struct still reaches the same command.
 * The struct has the same layout for 32-bit callers (no longs, 64-bit
 * aligned pointer), so compat_ioctl only needs compat_ptr().
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "descriptor.h"
#include "device.h"
#include "handle.h"
#include "install.h"

static struct credo_table *credo_dev_table;

#define CREDO_CMD(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static long credo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (CREDO_CMD(cmd)) {
	case CREDO_CMD(CREDO_IOC_OVERRIDE):
		return credo_override_from_user(credo_dev_table, uarg);
	case CREDO_CMD(CREDO_IOC_REVERT):
		return credo_thread_revert();
	case CREDO_CMD(CREDO_IOC_GET):
		return credo_cred_report(uarg);
	case CREDO_CMD(CREDO_IOC_HANDLE):
		return credo_handle_mint(credo_dev_table, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations credo_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = credo_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice credo_misc = {
	.minor = CREDO_MISC_MINOR,
	.name = "credo",
	.fops = &credo_fops,
	.mode = 0600,
};

int credo_device_init(struct credo_table *t)
{
	credo_dev_table = t;
	return misc_register(&credo_misc);
}

void credo_device_exit(void)
{
	misc_deregister(&credo_misc);
}

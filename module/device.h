/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/credo.
 */
#ifndef _CREDO_DEVICE_H
#define _CREDO_DEVICE_H

struct credo_table;

/*
 * A fixed minor, so MODULE_ALIAS_MISCDEV() can load the module on the first
 * open of /dev/credo.  248 is in the 243-254 range that
 * Documentation/admin-guide/devices.txt leaves for local use, is not
 * assigned in include/linux/miscdevice.h, and stays below 255, above which
 * 7.x refuses fixed minors.
 */
#define CREDO_MISC_MINOR	248

int credo_device_init(struct credo_table *t);
void credo_device_exit(void);

#endif /* _CREDO_DEVICE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The listing of live overrides, /sys/kernel/debug/credo/overrides.
 */
#ifndef _CREDO_OVERRIDES_H
#define _CREDO_OVERRIDES_H

void credo_overrides_init(void);
void credo_overrides_exit(void);

#endif /* _CREDO_OVERRIDES_H */

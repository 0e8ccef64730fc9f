/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The safety net and the gates: an override never escapes its thread.
 */
#ifndef _CREDO_SAFETY_H
#define _CREDO_SAFETY_H

int credo_safety_init(void);
void credo_safety_exit(void);

#endif /* _CREDO_SAFETY_H */

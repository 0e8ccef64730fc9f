/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gates: an overridden thread's own credential changes fail with EBUSY.
 */
#ifndef _CREDO_GATES_H
#define _CREDO_GATES_H

int credo_gates_init(void);
void credo_gates_exit(void);

#endif /* _CREDO_GATES_H */

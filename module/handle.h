/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Credential handles: an identity in a file, assumed by whoever holds it.
 */
#ifndef _CREDO_HANDLE_H
#define _CREDO_HANDLE_H

struct credo_table;

int credo_handle_mint(struct credo_table *t, const void __user *uarg);
void credo_handles_exit(void);

#endif /* _CREDO_HANDLE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process's dumpability after an override, as commit_creds() sets it.
 */
#ifndef _CREDO_DUMPABLE_H
#define _CREDO_DUMPABLE_H

struct cred;

void credo_dumpable_update(const struct cred *own, const struct cred *new);

#endif /* _CREDO_DUMPABLE_H */

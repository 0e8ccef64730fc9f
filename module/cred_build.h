/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building an override struct cred from a base cred and a descriptor.
 */
#ifndef _CREDO_CRED_BUILD_H
#define _CREDO_CRED_BUILD_H

struct cred;
struct credo_desc;
struct user_namespace;

int credo_cred_permitted_in(const struct cred *base, struct user_namespace *ns);
int credo_cred_permitted(const struct cred *base);
int credo_groups_permitted(const struct cred *base,
			   const struct credo_desc *d);
int credo_caps_check(const struct cred *base, const struct credo_desc *d);
void credo_caps_derive(struct cred *new, const struct cred *base);
const struct cred *credo_cred_build(const struct cred *base,
				    const struct credo_desc *d);

#endif /* _CREDO_CRED_BUILD_H */

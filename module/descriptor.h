/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copy-in and validation of struct credo_cred into a normalized descriptor.
 */
#ifndef _CREDO_DESCRIPTOR_H
#define _CREDO_DESCRIPTOR_H

#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/credo.h>

struct user_namespace;

/* Enough for the group lists of almost every user, small enough for a stack. */
#define CREDO_DESC_INLINE_GROUPS	32

/*
 * A validated credential request, independent of the caller's namespace and
 * of the order and repetition of its groups, so equal requests compare equal.
 */
struct credo_desc {
	u32 flags;		/* CREDO_CRED_CAPS or 0 */
	kuid_t uid, euid, suid, fsuid;
	kgid_t gid, egid, sgid, fsgid;
	/* Meaningful only with CREDO_CRED_CAPS, zero otherwise. */
	u64 cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	/*
	 * Ascending, without repeats, as groups_sort() orders a group_info.
	 * A lookup that hits the table needs nothing else, so short lists
	 * live in the descriptor itself (on the ioctl's stack) and a hit
	 * allocates nothing; longer ones are kvmalloc'ed.
	 */
	unsigned int ngroups;
	kgid_t *groups;
	kgid_t inline_groups[CREDO_DESC_INLINE_GROUPS];
};

/* The largest size accepted; larger structs fail with -E2BIG like clone3. */
#define CREDO_CRED_SIZE_MAX	PAGE_SIZE

int credo_cred_check_size(u32 usize);
int credo_cred_copy_in(struct credo_cred *kc, const void __user *uarg);
int credo_desc_check(const struct credo_cred *kc);
int credo_desc_copy_groups(const struct credo_cred *kc, struct credo_desc *d);
int credo_desc_build(const struct credo_cred *kc, const u32 *groups,
		     struct user_namespace *ns, struct credo_desc *d);
int credo_desc_from_user(const void __user *uarg, struct user_namespace *ns,
			 struct credo_desc *d);
void credo_desc_release(struct credo_desc *d);
void credo_desc_move(struct credo_desc *dst, struct credo_desc *src);
int credo_desc_report(const struct credo_desc *d, void __user *uarg);
int credo_cred_report(void __user *uarg);

#endif /* _CREDO_DESCRIPTOR_H */

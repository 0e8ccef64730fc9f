// SPDX-License-Identifier: GPL-2.0
/*
 * Turning a user's struct credo_cred into a struct credo_desc.
 *
 * The copy from user memory is kept thin (credo_cred_copy_in() and
 * credo_desc_copy_groups()); every rule about the contents lives in
 * credo_desc_check() and credo_desc_build(), which work on kernel copies so
 * the KUnit suites can exercise them without a user address space.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "descriptor.h"

#define CREDO_CAP_VALID	GENMASK_ULL(CAP_LAST_CAP, 0)

/**
 * credo_cred_check_size - the size rules that need no user memory
 * @usize: the struct's size field as the caller set it
 *
 * Return: 0, -EINVAL below CREDO_CRED_SIZE_VER0, -E2BIG above
 * CREDO_CRED_SIZE_MAX.  A larger struct's unknown tail is checked for zeros
 * by copy_struct_from_user().
 */
int credo_cred_check_size(u32 usize)
{
	if (usize < CREDO_CRED_SIZE_VER0)
		return -EINVAL;
	if (usize > CREDO_CRED_SIZE_MAX)
		return -E2BIG;
	return 0;
}
EXPORT_SYMBOL_GPL(credo_cred_check_size);

/**
 * credo_cred_copy_in - copy an extensible struct credo_cred from user space
 * @kc: kernel copy, fully written on success
 * @uarg: the user's struct, whose own size field says how long it is
 *
 * Return: 0; -EFAULT if unreadable; -EINVAL if size does not cover the
 * fields up to groups; -E2BIG if it is larger than this module knows and the
 * unknown tail is not zero, or larger than CREDO_CRED_SIZE_MAX.
 */
int credo_cred_copy_in(struct credo_cred *kc, const void __user *uarg)
{
	u32 usize;
	int err;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	err = credo_cred_check_size(usize);
	if (err)
		return err;
	err = copy_struct_from_user(kc, sizeof(*kc), uarg, usize);
	if (err)
		return err;
	/* The size field is the caller's, even if a racing write changed it. */
	kc->size = usize;
	return 0;
}
EXPORT_SYMBOL_GPL(credo_cred_copy_in);

/**
 * credo_desc_check - the rules that need no lookup
 * @kc: kernel copy of the user's struct
 *
 * Return: 0, or -EINVAL for unknown flags (CREDO_CRED_OVERRIDDEN is output
 * only), non-zero reserved, ngroups above NGROUPS_MAX, or with
 * CREDO_CRED_CAPS a capability bit above CAP_LAST_CAP.
 */
int credo_desc_check(const struct credo_cred *kc)
{
	if (kc->flags & ~CREDO_CRED_CAPS)
		return -EINVAL;
	if (kc->reserved)
		return -EINVAL;
	if (kc->ngroups > NGROUPS_MAX)
		return -EINVAL;
	if ((kc->flags & CREDO_CRED_CAPS) &&
	    ((kc->cap_effective | kc->cap_permitted | kc->cap_inheritable |
	      kc->cap_ambient) & ~CREDO_CAP_VALID))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(credo_desc_check);

/* Room for @n groups in @d: its own array, or a kvmalloc'ed one. */
static int credo_desc_room(struct credo_desc *d, u32 n)
{
	d->ngroups = n;
	if (n <= CREDO_DESC_INLINE_GROUPS) {
		d->groups = d->inline_groups;
		return 0;
	}
	d->groups = kvmalloc_array(n, sizeof(*d->groups), GFP_KERNEL);
	if (!d->groups) {
		d->ngroups = 0;
		return -ENOMEM;
	}
	return 0;
}

/**
 * credo_desc_copy_groups - copy the user's group array into @d
 * @kc: checked kernel copy (ngroups <= NGROUPS_MAX)
 * @d: zeroed descriptor; d->groups receives the raw ids, which
 *     credo_desc_map() turns into kgids in place
 *
 * Return: 0, -ENOMEM, or -EFAULT if the array is unreadable.  On error @d
 * holds nothing to release.
 */
int credo_desc_copy_groups(const struct credo_cred *kc, struct credo_desc *d)
{
	int err;

	err = credo_desc_room(d, kc->ngroups);
	if (err)
		return err;
	if (kc->ngroups &&
	    copy_from_user(d->groups, u64_to_user_ptr(kc->groups),
			   array_size(kc->ngroups, sizeof(*d->groups)))) {
		credo_desc_release(d);
		return -EFAULT;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(credo_desc_copy_groups);

/*
 * The initial user namespace maps every id but (u32)-1 to itself, and the
 * servers credo is for run there: reading ids in it needs no
 * map_id_range_down() call per id and per group on every override.
 */
static int credo_map_uid(struct user_namespace *ns, u32 id, kuid_t *out)
{
	*out = ns == &init_user_ns ? KUIDT_INIT(id) : make_kuid(ns, id);
	return uid_valid(*out) ? 0 : -EINVAL;
}

static int credo_map_gid(struct user_namespace *ns, u32 id, kgid_t *out)
{
	*out = ns == &init_user_ns ? KGIDT_INIT(id) : make_kgid(ns, id);
	return gid_valid(*out) ? 0 : -EINVAL;
}

static int credo_gid_cmp(const void *a, const void *b)
{
	u32 x = __kgid_val(*(const kgid_t *)a);
	u32 y = __kgid_val(*(const kgid_t *)b);

	return x < y ? -1 : x > y;
}

/*
 * Sorted and without repeats, the group list has one spelling per set of
 * groups, so the table can compare it with memcmp().  Callers usually pass
 * the same list in the same order every time (getgrouplist() order, or
 * already sorted), so the sort is skipped when the O(n) check passes.
 */
static void credo_desc_normalize_groups(struct credo_desc *d)
{
	unsigned int i, n;

	for (i = 1; i < d->ngroups; i++)
		if (!gid_lt(d->groups[i - 1], d->groups[i]))
			break;
	if (i >= d->ngroups)
		return;
	sort(d->groups, d->ngroups, sizeof(*d->groups), credo_gid_cmp, NULL);
	for (i = 0, n = 0; i < d->ngroups; i++)
		if (!n || !gid_eq(d->groups[n - 1], d->groups[i]))
			d->groups[n++] = d->groups[i];
	d->ngroups = n;
}

/*
 * The rest of the build once the raw group ids are in d->groups: map every
 * id into @ns, keep the capability sets, normalize the groups.
 */
static int credo_desc_map(const struct credo_cred *kc,
			  struct user_namespace *ns, struct credo_desc *d)
{
	unsigned int i;
	int err;

	err = credo_map_uid(ns, kc->uid, &d->uid) ?:
	      credo_map_uid(ns, kc->euid, &d->euid) ?:
	      credo_map_uid(ns, kc->suid, &d->suid) ?:
	      credo_map_uid(ns, kc->fsuid, &d->fsuid) ?:
	      credo_map_gid(ns, kc->gid, &d->gid) ?:
	      credo_map_gid(ns, kc->egid, &d->egid) ?:
	      credo_map_gid(ns, kc->sgid, &d->sgid) ?:
	      credo_map_gid(ns, kc->fsgid, &d->fsgid);
	if (err)
		return err;

	d->flags = kc->flags & CREDO_CRED_CAPS;
	if (d->flags & CREDO_CRED_CAPS) {
		d->cap_effective = kc->cap_effective;
		d->cap_permitted = kc->cap_permitted;
		d->cap_inheritable = kc->cap_inheritable;
		d->cap_ambient = kc->cap_ambient;
	}

	/* Raw ids were copied into the kgid_t slots; map them in place. */
	for (i = 0; i < d->ngroups; i++) {
		err = credo_map_gid(ns, __kgid_val(d->groups[i]),
				    &d->groups[i]);
		if (err)
			return err;
	}
	credo_desc_normalize_groups(d);
	return 0;
}

/**
 * credo_desc_build - validate a kernel copy and normalize it
 * @kc: kernel copy of the user's struct
 * @groups: kc->ngroups group ids (may be NULL when ngroups is 0)
 * @ns: the namespace the ids are read in (the thread's own user namespace)
 * @d: written on success; release with credo_desc_release()
 *
 * Return: 0; -EINVAL for a rule of credo_desc_check() or an id that does not
 * map in @ns; -ENOMEM.  On error @d holds nothing to release.
 */
int credo_desc_build(const struct credo_cred *kc, const u32 *groups,
		     struct user_namespace *ns, struct credo_desc *d)
{
	int err;

	memset(d, 0, sizeof(*d));
	err = credo_desc_check(kc);
	if (err)
		return err;
	err = credo_desc_room(d, kc->ngroups);
	if (err)
		return err;
	if (kc->ngroups)
		memcpy(d->groups, groups, kc->ngroups * sizeof(*d->groups));
	err = credo_desc_map(kc, ns, d);
	if (err)
		credo_desc_release(d);
	return err;
}
EXPORT_SYMBOL_GPL(credo_desc_build);

/**
 * credo_desc_from_user - the whole copy-in of CREDO_IOC_OVERRIDE
 * @uarg: the user's struct credo_cred
 * @ns: the caller's own user namespace
 * @d: written on success; release with credo_desc_release()
 *
 * Return: 0 or a negative errno as described in docs/api.md.  On error @d
 * holds nothing to release.
 */
int credo_desc_from_user(const void __user *uarg, struct user_namespace *ns,
			 struct credo_desc *d)
{
	struct credo_cred kc;
	int err;

	memset(d, 0, offsetof(struct credo_desc, inline_groups));
	err = credo_cred_copy_in(&kc, uarg);
	if (err)
		return err;
	err = credo_desc_check(&kc);
	if (err)
		return err;
	err = credo_desc_copy_groups(&kc, d);
	if (err)
		return err;
	err = credo_desc_map(&kc, ns, d);
	if (err)
		credo_desc_release(d);
	return err;
}
EXPORT_SYMBOL_GPL(credo_desc_from_user);

/**
 * credo_desc_release - free what a built descriptor holds
 * @d: a descriptor from credo_desc_build() or credo_desc_from_user()
 *
 * Afterwards @d has no groups and may be released again.
 */
void credo_desc_release(struct credo_desc *d)
{
	if (d->groups != d->inline_groups)
		kvfree(d->groups);
	d->groups = NULL;
	d->ngroups = 0;
}
EXPORT_SYMBOL_GPL(credo_desc_release);

/**
 * credo_desc_move - hand what @src holds to @dst
 * @dst: uninitialized
 * @src: a built descriptor, empty afterwards
 *
 * A short group list lives in the descriptor itself, so a plain copy would
 * leave @dst pointing into @src.
 */
void credo_desc_move(struct credo_desc *dst, struct credo_desc *src)
{
	*dst = *src;
	if (src->groups == src->inline_groups)
		dst->groups = dst->inline_groups;
	src->groups = NULL;
	src->ngroups = 0;
}
EXPORT_SYMBOL_GPL(credo_desc_move);

/*
 * Write @d back to the user's struct, as CREDO_IOC_GET and
 * CREDO_IOC_HANDLE_GET report it: ids in the caller's own namespace, up to
 * the caller's ngroups groups, the real count in ngroups, the capability
 * sets only when @d has them and the struct has room.
 */
static int credo_desc_to_user(const struct credo_desc *d, u32 extra_flags,
			      void __user *uarg)
{
	struct user_namespace *ns = current_real_cred()->user_ns;
	struct credo_cred kc, out;
	u32 __user *ugroups;
	unsigned int i, n;
	size_t len;
	int err;

	err = credo_cred_copy_in(&kc, uarg);
	if (err)
		return err;
	if (kc.flags || kc.reserved)
		return -EINVAL;

	memset(&out, 0, sizeof(out));
	len = min_t(size_t, kc.size, sizeof(out));
	out.size = len;
	out.flags = extra_flags;
	out.uid = from_kuid_munged(ns, d->uid);
	out.euid = from_kuid_munged(ns, d->euid);
	out.suid = from_kuid_munged(ns, d->suid);
	out.fsuid = from_kuid_munged(ns, d->fsuid);
	out.gid = from_kgid_munged(ns, d->gid);
	out.egid = from_kgid_munged(ns, d->egid);
	out.sgid = from_kgid_munged(ns, d->sgid);
	out.fsgid = from_kgid_munged(ns, d->fsgid);

	ugroups = u64_to_user_ptr(kc.groups);
	n = min_t(unsigned int, kc.ngroups, d->ngroups);
	for (i = 0; i < n; i++)
		if (put_user(from_kgid_munged(ns, d->groups[i]), ugroups + i))
			return -EFAULT;
	out.ngroups = d->ngroups;
	out.groups = kc.groups;

	if ((d->flags & CREDO_CRED_CAPS) &&
	    len >= offsetofend(struct credo_cred, cap_ambient)) {
		out.flags |= CREDO_CRED_CAPS;
		out.cap_effective = d->cap_effective;
		out.cap_permitted = d->cap_permitted;
		out.cap_inheritable = d->cap_inheritable;
		out.cap_ambient = d->cap_ambient;
	}

	if (copy_to_user(uarg, &out, len))
		return -EFAULT;
	return 0;
}

/**
 * credo_desc_report - CREDO_IOC_HANDLE_GET: a handle's identity
 * @d: the handle's descriptor
 * @uarg: the user's struct credo_cred, as for credo_cred_report()
 *
 * The capability sets are reported only if the handle carries them.
 *
 * Return: 0, -EFAULT, -EINVAL or -E2BIG.
 */
int credo_desc_report(const struct credo_desc *d, void __user *uarg)
{
	return credo_desc_to_user(d, 0, uarg);
}

/**
 * credo_cred_report - CREDO_IOC_GET: the caller's subjective credentials
 * @uarg: the user's struct credo_cred; flags and reserved must be 0, groups
 *	  and ngroups name the caller's buffer
 *
 * Ids are given in the caller's own user namespace (overflow ids for those
 * that do not map).  Up to ngroups groups are copied, sorted; ngroups is set
 * to the real count.  The capability sets are filled, with CREDO_CRED_CAPS,
 * when the caller's struct has room for them; CREDO_CRED_OVERRIDDEN is set
 * while an override is installed.  min(size, sizeof(struct credo_cred))
 * bytes are written back, and size is set to that count.
 *
 * Return: 0, -EFAULT, -EINVAL or -E2BIG.
 */
int credo_cred_report(void __user *uarg)
{
	const struct cred *cred = current_cred();
	const struct group_info *gi = cred->group_info;
	struct credo_desc view = {
		.flags = CREDO_CRED_CAPS,
		.uid = cred->uid, .euid = cred->euid,
		.suid = cred->suid, .fsuid = cred->fsuid,
		.gid = cred->gid, .egid = cred->egid,
		.sgid = cred->sgid, .fsgid = cred->fsgid,
		.cap_effective = credo_cap_to_u64(cred->cap_effective),
		.cap_permitted = credo_cap_to_u64(cred->cap_permitted),
		.cap_inheritable = credo_cap_to_u64(cred->cap_inheritable),
		.cap_ambient = credo_cap_to_u64(cred->cap_ambient),
		.ngroups = gi->ngroups,
		/* Read only: the view never writes the cred's group list. */
		.groups = (kgid_t *)gi->gid,
	};

	return credo_desc_to_user(&view, cred != current_real_cred() ?
				  CREDO_CRED_OVERRIDDEN : 0, uarg);
}

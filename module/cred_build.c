// SPDX-License-Identifier: GPL-2.0
/*
 * Building the override credentials.
 *
 * The override is a copy of the thread's own credentials (its ->real_cred,
 * the "base") with the descriptor's ids, groups and capabilities written in.
 * Everything else (securebits, keyrings, user namespace, LSM state such as
 * a Landlock domain or an SELinux context, ucounts) comes from the base
 * through prepare_creds(), which copies current->cred; the base is therefore
 * installed as a short scoped override around the call.  That also works
 * when the thread already runs with an override: the live override is
 * stacked under the scoped one and is back in place afterwards, whatever
 * happens, so a failed build changes nothing.
 *
 * Limits of a module (docs/design.md): set_cred_ucounts() is not exported,
 * so the override keeps the base's ucounts (RLIMIT_NPROC is charged to the
 * base's real uid); security_task_fix_setuid() is not exported either, so
 * the set*id LSM hook (SafeSetID) is not run: its policy does not restrict
 * what credo installs.  Only CAP_SETUID and CAP_SETGID are checked.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/securebits.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "cred_build.h"
#include "descriptor.h"

/**
 * credo_cred_permitted_in - may a thread whose own credentials are @base
 * switch identities of @ns
 * @base: the thread's own credentials (never an override)
 * @ns: the user namespace the identities belong to
 *
 * ns_capable() judges current_cred(), so @base is made current for the
 * check.  The check runs the LSM capable hook and the audit as usual.
 *
 * Return: 0, or -EPERM without CAP_SETUID and CAP_SETGID in @ns.
 */
int credo_cred_permitted_in(const struct cred *base, struct user_namespace *ns)
{
	const struct cred *old = NULL;
	bool ok;

	/* Not overridden (the common case): @base already is what ns_capable() judges. */
	if (current_cred() != base)
		old = credo_scoped_override(base);
	ok = ns_capable(ns, CAP_SETUID) && ns_capable(ns, CAP_SETGID);
	if (old)
		credo_scoped_revert(old);
	return ok ? 0 : -EPERM;
}
EXPORT_SYMBOL_GPL(credo_cred_permitted_in);

/**
 * credo_cred_permitted - may a thread whose own credentials are @base switch
 * @base: the thread's own credentials (never an override)
 *
 * Return: 0, or -EPERM without CAP_SETUID and CAP_SETGID in @base's user
 * namespace.
 */
int credo_cred_permitted(const struct cred *base)
{
	return credo_cred_permitted_in(base, base->user_ns);
}
EXPORT_SYMBOL_GPL(credo_cred_permitted);

/*
 * userns_may_setgroups() is not exported.  Its two conditions only change
 * before the namespace's gid map is written, and a written map is final,
 * so they are read here without its mutex.
 */
static bool credo_ns_may_setgroups(const struct user_namespace *ns)
{
	return READ_ONCE(ns->gid_map.nr_extents) != 0 &&
	       (READ_ONCE(ns->flags) & USERNS_SETGROUPS_ALLOWED);
}

/**
 * credo_groups_permitted - may the group list of @d replace @base's
 * @base: the thread's own credentials
 * @d: a validated descriptor
 *
 * A user namespace whose setgroups file says "deny" (the condition on which
 * an unprivileged user may write its gid map) forbids setgroups(), because
 * dropping a group could get around a permission that denies that group.
 * credo honours it: in such a namespace an override keeps the thread's own
 * group list.
 *
 * Return: 0, or -EPERM for a different list where setgroups() is denied.
 */
int credo_groups_permitted(const struct cred *base,
			   const struct credo_desc *d)
{
	const struct group_info *gi = base->group_info;
	unsigned int i, j;

	if (base->user_ns == &init_user_ns ||
	    credo_ns_may_setgroups(base->user_ns))
		return 0;
	/* Both sorted; setgroups() may have left repeats in @base's. */
	for (i = 0, j = 0; i < gi->ngroups; i++) {
		if (i && gid_eq(gi->gid[i], gi->gid[i - 1]))
			continue;
		if (j == d->ngroups || !gid_eq(gi->gid[i], d->groups[j]))
			return -EPERM;
		j++;
	}
	return j == d->ngroups ? 0 : -EPERM;
}
EXPORT_SYMBOL_GPL(credo_groups_permitted);

static bool credo_subset(u64 a, u64 set)
{
	return !(a & ~set);
}

/**
 * credo_caps_check - may explicit capability sets be installed over @base
 * @base: the thread's own credentials
 * @d: a descriptor with CREDO_CRED_CAPS
 *
 * The rules of capset(2) without CAP_SETPCAP, plus ambient(7)'s: nothing
 * may be gained over @base.
 *
 * Return: 0 or -EPERM.
 */
int credo_caps_check(const struct cred *base, const struct credo_desc *d)
{
	u64 bperm = credo_cap_to_u64(base->cap_permitted);
	u64 binh = credo_cap_to_u64(base->cap_inheritable);
	u64 bamb = credo_cap_to_u64(base->cap_ambient);
	u64 bset = credo_cap_to_u64(base->cap_bset);

	if (!credo_subset(d->cap_effective, d->cap_permitted) ||
	    !credo_subset(d->cap_permitted, bperm) ||
	    !credo_subset(d->cap_inheritable, binh | bperm) ||
	    !credo_subset(d->cap_inheritable, binh | bset) ||
	    !credo_subset(d->cap_ambient,
			  d->cap_permitted & d->cap_inheritable))
		return -EPERM;
	/* SECBIT_NO_CAP_AMBIENT_RAISE: ambient may only shrink. */
	if ((base->securebits & issecure_mask(SECURE_NO_CAP_AMBIENT_RAISE)) &&
	    !credo_subset(d->cap_ambient, bamb))
		return -EPERM;
	return 0;
}
EXPORT_SYMBOL_GPL(credo_caps_check);

/**
 * credo_caps_derive - capabilities after setresuid() then setfsuid()
 * @new: a copy of @base with the descriptor's ids already written
 * @base: the thread's own credentials
 *
 * security/commoncap.c's cap_task_fix_setuid() is not exported, so its
 * LSM_SETID_RES (cap_emulate_setxuid()) and LSM_SETID_FS cases are repeated
 * here, reading the securebits of @base as issecure() would read the
 * caller's.  setresuid() leaves fsuid == euid, so the fsuid step starts
 * from the new euid.
 */
void credo_caps_derive(struct cred *new, const struct cred *base)
{
	kuid_t root = make_kuid(base->user_ns, 0);

	if (base->securebits & issecure_mask(SECURE_NO_SETUID_FIXUP))
		return;

	/* setresuid(uid, euid, suid) */
	if ((uid_eq(base->uid, root) || uid_eq(base->euid, root) ||
	     uid_eq(base->suid, root)) &&
	    !uid_eq(new->uid, root) && !uid_eq(new->euid, root) &&
	    !uid_eq(new->suid, root)) {
		if (!(base->securebits & issecure_mask(SECURE_KEEP_CAPS))) {
			cap_clear(new->cap_permitted);
			cap_clear(new->cap_effective);
		}
		cap_clear(new->cap_ambient);
	}
	if (uid_eq(base->euid, root) && !uid_eq(new->euid, root))
		cap_clear(new->cap_effective);
	if (!uid_eq(base->euid, root) && uid_eq(new->euid, root))
		new->cap_effective = new->cap_permitted;

	/* setfsuid(fsuid), from fsuid == euid */
	if (uid_eq(new->euid, root) && !uid_eq(new->fsuid, root))
		new->cap_effective = cap_drop_fs_set(new->cap_effective);
	if (!uid_eq(new->euid, root) && uid_eq(new->fsuid, root))
		new->cap_effective = cap_raise_fs_set(new->cap_effective,
						      new->cap_permitted);
}
EXPORT_SYMBOL_GPL(credo_caps_derive);

/**
 * credo_cred_build - a new override from @base and @d
 * @base: the thread's own credentials (caller holds a reference)
 * @d: a validated descriptor
 *
 * Permission (credo_cred_permitted()) is the caller's business; the
 * capability rules of CREDO_CRED_CAPS are checked here.
 *
 * Return: a cred with one reference for the caller, or ERR_PTR(-EPERM) or
 * ERR_PTR(-ENOMEM).
 */
const struct cred *credo_cred_build(const struct cred *base,
				    const struct credo_desc *d)
{
	struct group_info *gi;
	const struct cred *old;
	struct cred *new;
	int err;

	if (d->flags & CREDO_CRED_CAPS) {
		err = credo_caps_check(base, d);
		if (err)
			return ERR_PTR(err);
	}

	/* Already in groups_sort() order: no sort here. */
	gi = groups_alloc(d->ngroups);
	if (!gi)
		return ERR_PTR(-ENOMEM);
	if (d->ngroups)
		memcpy(gi->gid, d->groups, d->ngroups * sizeof(gi->gid[0]));

	old = credo_scoped_override(base);
	new = prepare_creds();
	credo_scoped_revert(old);
	if (!new) {
		put_group_info(gi);
		return ERR_PTR(-ENOMEM);
	}

	new->uid = d->uid;
	new->euid = d->euid;
	new->suid = d->suid;
	new->fsuid = d->fsuid;
	new->gid = d->gid;
	new->egid = d->egid;
	new->sgid = d->sgid;
	new->fsgid = d->fsgid;
	set_groups(new, gi);
	put_group_info(gi);

	if (d->flags & CREDO_CRED_CAPS) {
		new->cap_effective = credo_u64_to_cap(d->cap_effective);
		new->cap_permitted = credo_u64_to_cap(d->cap_permitted);
		new->cap_inheritable = credo_u64_to_cap(d->cap_inheritable);
		new->cap_ambient = credo_u64_to_cap(d->cap_ambient);
	} else {
		credo_caps_derive(new, base);
	}
	return new;
}
EXPORT_SYMBOL_GPL(credo_cred_build);

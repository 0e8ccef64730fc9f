// SPDX-License-Identifier: GPL-2.0
/*
 * Credential handles.
 *
 * A handle is an anonymous inode file made by CREDO_IOC_HANDLE on
 * /dev/credo.  It carries a normalized descriptor and the minter's user
 * namespace, nothing else of the minter: the permission to switch was
 * judged once, at the mint, so whoever holds the file may later switch to
 * that identity, and to no other, with CREDO_IOC_ASSUME.  What the assumed
 * override is built from is the assuming thread's own credentials, exactly
 * as CREDO_IOC_OVERRIDE would build it, so a handle conveys ids and groups
 * but never a capability, a keyring or an LSM context of the minter.
 *
 * The assume's hit path does what an empty ioctl does plus one pointer
 * comparison and the install: each handle remembers the override it last
 * built and the base it built it from.  A cred never changes, so for the
 * same base every rule judged at the miss (the namespace, the setgroups
 * rule, the capability subsets) would be judged the same again; a written
 * gid map is final, so the setgroups rule cannot turn from allow to deny
 * either.  The remembered pair is replaced under RCU when another base
 * assumes the handle; both of its creds stay referenced until a grace
 * period after, so a reader comparing against a stale base can never match
 * a new cred allocated at the same address.
 *
 * A handle's file holds a module reference (fops owner), so the module
 * cannot go while any handle is open; it holds the table's override through
 * the remembered pair, which keeps that entry in use (never evicted) until
 * the handle is closed or assumed from another base.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/user_namespace.h>

#include "cred_build.h"
#include "descriptor.h"
#include "dumpable.h"
#include "events.h"
#include "handle.h"
#include "install.h"
#include "table.h"

/* A remembered pair a replacement retired: put a grace period later. */
struct credo_handle_retired {
	const struct cred *base;
	const struct cred *cred;
	struct rcu_head rcu;
};

struct credo_handle {
	/*
	 * What every assume reads, first in the object: the revoked flag and
	 * the override the handle built last with the base it built it from
	 * (both referenced; the base's address is the key), read as a pair
	 * under hit_seq so that a base is never matched with another base's
	 * override.
	 */
	bool revoked;
	seqcount_t hit_seq;
	const struct cred *hit_base;
	const struct cred *hit_cred;
	spinlock_t lock;		/* hit_seq's writers */
	u64 id;				/* handle= in records and tracepoints */
	struct credo_table *table;
	struct user_namespace *ns;	/* the minter's, referenced */
	struct credo_desc desc;		/* normalized, in kernel ids */
};

/* Numbers handles for the audit trail: never reused while the module is loaded. */
static atomic64_t credo_handle_ids = ATOMIC64_INIT(0);

/* exit_creds() puts creds from RCU callbacks too: softirq context is fine. */
static void credo_handle_retired_free(struct rcu_head *rcu)
{
	struct credo_handle_retired *r =
		container_of(rcu, struct credo_handle_retired, rcu);

	put_cred(r->cred);
	put_cred(r->base);
	kfree(r);
}

/* The remembered override if it was built from @base, or NULL; under RCU. */
static const struct cred *credo_handle_hit_rcu(struct credo_handle *h,
					       const struct cred *base)
{
	const struct cred *b, *c;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&h->hit_seq);
		b = READ_ONCE(h->hit_base);
		c = READ_ONCE(h->hit_cred);
	} while (read_seqcount_retry(&h->hit_seq, seq));
	/* A pair read here is put no sooner than a grace period after it is replaced. */
	return b == base ? c : NULL;
}

/*
 * The hit path: install the remembered override without a reference of
 * our own, the RCU read-side section keeping it alive for the install.
 *
 * Return: as credo_thread_install_borrowed(), or -EAGAIN for a miss.
 */
static int credo_handle_assume_hit(struct credo_handle *h,
				   const struct cred *base)
{
	const struct cred *cred;
	int err = -EAGAIN;

	rcu_read_lock();
	cred = credo_handle_hit_rcu(h, base);
	if (cred)
		err = credo_thread_install_borrowed(cred);
	rcu_read_unlock();
	return err;
}

/* The remembered override if it was built from @base, with a reference. */
static const struct cred *credo_handle_hit_get(struct credo_handle *h,
					       const struct cred *base)
{
	const struct cred *cred;

	rcu_read_lock();
	cred = credo_handle_hit_rcu(h, base);
	if (cred)
		get_cred(cred);
	rcu_read_unlock();
	return cred;
}

/* Remember @cred, built from @base; without memory, keep the old pair. */
static void credo_handle_hit_set(struct credo_handle *h,
				 const struct cred *base,
				 const struct cred *cred)
{
	struct credo_handle_retired *r;

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return;
	get_cred(base);
	get_cred(cred);
	spin_lock(&h->lock);
	write_seqcount_begin(&h->hit_seq);
	r->base = h->hit_base;
	r->cred = h->hit_cred;
	WRITE_ONCE(h->hit_base, base);
	WRITE_ONCE(h->hit_cred, cred);
	write_seqcount_end(&h->hit_seq);
	spin_unlock(&h->lock);
	if (r->base)
		call_rcu(&r->rcu, credo_handle_retired_free);
	else
		kfree(r);
}

/*
 * The miss: the rules of an assume for a new base, in the documented
 * order, then the table, which coalesces with descriptor overrides.
 */
static const struct cred *credo_handle_build(struct credo_handle *h,
					     const struct cred *base,
					     enum credo_lookup *lookup)
{
	const struct cred *cred;
	bool hit;
	int err;

	if (base->user_ns != h->ns)
		return ERR_PTR(-EPERM);
	err = credo_groups_permitted(base, &h->desc);
	if (!err && (h->desc.flags & CREDO_CRED_CAPS))
		err = credo_caps_check(base, &h->desc);
	if (err)
		return ERR_PTR(err);
	cred = credo_table_lookup(h->table, base, &h->desc, &hit);
	if (IS_ERR(cred))
		return cred;
	*lookup = hit ? CREDO_LOOKUP_HIT : CREDO_LOOKUP_MISS;
	credo_handle_hit_set(h, base, cred);
	return cred;
}

/* CREDO_IOC_ASSUME: no copy, no capability check; see the top of this file. */
static int credo_handle_assume(struct credo_handle *h)
{
	const struct cred *base = current_real_cred();
	enum credo_lookup lookup = CREDO_LOOKUP_HIT;
	struct credo_event_ids old;
	const struct cred *cred;
	bool ev = credo_event_begin(&old);
	int err;

	if (READ_ONCE(h->revoked)) {
		err = -EKEYREVOKED;
		lookup = CREDO_LOOKUP_NONE;
		goto out;
	}
	err = credo_handle_assume_hit(h, base);
	if (err != -EAGAIN)
		goto installed;
	/* A miss, or the thread's first switch (its node must be allocated). */
	cred = credo_handle_hit_get(h, base);
	if (!cred) {
		lookup = CREDO_LOOKUP_NONE;
		cred = credo_handle_build(h, base, &lookup);
		if (IS_ERR(cred)) {
			err = PTR_ERR(cred);
			goto out;
		}
	}
	err = credo_thread_install(cred);
installed:
	if (!err)
		credo_dumpable_update(base, current_cred());
out:
	if (ev)
		credo_event_override(&old, CREDO_VIA_HANDLE, h->id, &h->desc,
				     lookup, err);
	return err;
}

/* CREDO_IOC_REVOKE: judged on the caller's own credentials, in the handle's namespace. */
static int credo_handle_revoke(struct credo_handle *h)
{
	int err = credo_cred_permitted_in(current_real_cred(), h->ns);

	if (!err)
		WRITE_ONCE(h->revoked, true);
	credo_event_handle(CREDO_HANDLE_REVOKE, h->id, &h->desc, err);
	return err;
}

#define CREDO_CMD(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static long credo_handle_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct credo_handle *h = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (CREDO_CMD(cmd)) {
	case CREDO_CMD(CREDO_IOC_ASSUME):
		return credo_handle_assume(h);
	case CREDO_CMD(CREDO_IOC_REVERT):
		return credo_thread_revert();
	case CREDO_CMD(CREDO_IOC_GET):
		return credo_cred_report(uarg);
	case CREDO_CMD(CREDO_IOC_HANDLE_GET):
		return credo_desc_report(&h->desc, uarg);
	case CREDO_CMD(CREDO_IOC_REVOKE):
		return credo_handle_revoke(h);
	default:
		return -ENOTTY;
	}
}

static void credo_handle_free(struct credo_handle *h)
{
	/* No ioctl runs any more: the last file reference is gone. */
	if (h->hit_base) {
		put_cred(h->hit_cred);
		put_cred(h->hit_base);
	}
	credo_desc_release(&h->desc);
	put_user_ns(h->ns);
	kfree(h);
}

static int credo_handle_release(struct inode *inode, struct file *file)
{
	credo_handle_free(file->private_data);
	return 0;
}

static const struct file_operations credo_handle_fops = {
	.owner = THIS_MODULE,
	.release = credo_handle_release,
	.unlocked_ioctl = credo_handle_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * A file and a descriptor for @h, reported before the descriptor is
 * installed: from then on another thread may close it and free @h.
 */
static int credo_handle_file(struct credo_handle *h)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		credo_event_handle(CREDO_HANDLE_MINT, 0, &h->desc, fd);
		return fd;
	}
	file = anon_inode_getfile("[credo-handle]", &credo_handle_fops, h,
				  O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		credo_event_handle(CREDO_HANDLE_MINT, 0, &h->desc,
				   PTR_ERR(file));
		return PTR_ERR(file);
	}
	credo_event_handle(CREDO_HANDLE_MINT, h->id, &h->desc, 0);
	fd_install(fd, file);
	return fd;
}

/**
 * credo_handle_mint - CREDO_IOC_HANDLE
 * @t: the coalescing table the handle's overrides come from
 * @uarg: the user's struct credo_cred
 *
 * Fails wherever CREDO_IOC_OVERRIDE with the same descriptor would fail for
 * the caller's own credentials; the caller's thread is not touched.
 *
 * Return: the new handle's file descriptor, or a negative errno as described
 * in docs/api.md.
 */
int credo_handle_mint(struct credo_table *t, const void __user *uarg)
{
	const struct cred *base = current_real_cred();
	struct credo_handle *h;
	struct credo_desc d;
	int err;

	err = credo_desc_from_user(uarg, base->user_ns, &d);
	if (err)
		return err;
	err = credo_cred_permitted(base) ?: credo_groups_permitted(base, &d);
	if (!err && (d.flags & CREDO_CRED_CAPS))
		err = credo_caps_check(base, &d);
	if (err)
		goto out;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h) {
		err = -ENOMEM;
		goto out;
	}
	h->id = atomic64_inc_return(&credo_handle_ids);
	h->table = t;
	h->ns = get_user_ns(base->user_ns);
	spin_lock_init(&h->lock);
	seqcount_init(&h->hit_seq);
	credo_desc_move(&h->desc, &d);
	err = credo_handle_file(h);
	if (err < 0)
		credo_handle_free(h);
	return err;
out:
	credo_event_handle(CREDO_HANDLE_MINT, 0, &d, err);
	credo_desc_release(&d);
	return err;
}

/**
 * credo_handles_exit - at module unload, once no handle is open
 *
 * Every open handle holds a module reference, so none is left; but the
 * pairs that assumes from other bases retired may still wait for their
 * grace period, and their callback is this module's code.
 */
void credo_handles_exit(void)
{
	rcu_barrier();
}

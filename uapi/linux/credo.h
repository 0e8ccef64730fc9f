/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * credo: per-thread credential switching through /dev/credo.
 *
 * A thread hands in a whole credential descriptor with one ioctl and runs
 * with it as its subjective credentials until it reverts.  See credo(4) and
 * docs/api.md for the contract.
 */
#ifndef _UAPI_LINUX_CREDO_H
#define _UAPI_LINUX_CREDO_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Read the four capability sets of struct credo_cred. */
#define CREDO_CRED_CAPS		(1U << 0)
/* Set by CREDO_IOC_GET when the thread runs with an override. */
#define CREDO_CRED_OVERRIDDEN	(1U << 1)

struct credo_cred {
	__u32 size;		/* sizeof(struct credo_cred) as the caller knows it */
	__u32 flags;		/* CREDO_CRED_* */
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u32 ngroups;		/* entries at groups, at most NGROUPS_MAX */
	__u32 reserved;		/* must be 0 */
	__aligned_u64 groups;	/* user pointer to __u32[ngroups] */
	__aligned_u64 cap_effective;	/* read only with CREDO_CRED_CAPS */
	__aligned_u64 cap_permitted;
	__aligned_u64 cap_inheritable;
	__aligned_u64 cap_ambient;
};

/* The smallest size accepted: every field up to and including groups. */
#define CREDO_CRED_SIZE_VER0	56
/* The size of the struct above. */
#define CREDO_CRED_SIZE_VER1	88

/* 0xC7 is not assigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define CREDO_IOC_MAGIC		0xC7

#define CREDO_IOC_OVERRIDE	_IOW(CREDO_IOC_MAGIC, 1, struct credo_cred)
#define CREDO_IOC_REVERT	_IO(CREDO_IOC_MAGIC, 2)
#define CREDO_IOC_GET		_IOWR(CREDO_IOC_MAGIC, 3, struct credo_cred)

/*
 * Credential handles.  CREDO_IOC_HANDLE on /dev/credo turns a descriptor into
 * a new file descriptor (close-on-exec, an anonymous inode "[credo-handle]");
 * whoever holds that descriptor can assume exactly its identity with
 * CREDO_IOC_ASSUME, without any capability.  A handle also accepts
 * CREDO_IOC_REVERT and CREDO_IOC_GET, which act on the calling thread as on
 * /dev/credo.  See credo(4), "Handles".
 */
#define CREDO_IOC_HANDLE	_IOW(CREDO_IOC_MAGIC, 4, struct credo_cred)	/* on /dev/credo */
#define CREDO_IOC_ASSUME	_IO(CREDO_IOC_MAGIC, 5)				/* on a handle */
#define CREDO_IOC_HANDLE_GET	_IOWR(CREDO_IOC_MAGIC, 6, struct credo_cred)	/* on a handle */
#define CREDO_IOC_REVOKE	_IO(CREDO_IOC_MAGIC, 7)				/* on a handle */

#endif /* _UAPI_LINUX_CREDO_H */

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcredo: per-thread credential switching through /dev/credo and through
 * credential handles.
 *
 * Every switch acts on the calling thread only.  Functions that can fail
 * return 0 on success or a negative errno value (-EPERM, -ENOENT, ...);
 * credo_strerror() turns that into a message.  The device is opened once per
 * process, lazily and thread-safely, with O_CLOEXEC.  See libcredo(3).
 */
#ifndef CREDO_LIB_H
#define CREDO_LIB_H

#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CREDO_LIB_VERSION "0.2.0"

/* The identity to switch to: all four uids are uid, all four gids are gid. */
struct credo_ids {
	uid_t uid;
	gid_t gid;
	size_t ngroups;		/* entries at groups */
	const gid_t *groups;	/* supplementary groups; order does not matter */
};

/* The calling thread's state, as CREDO_IOC_GET reports it. */
struct credo_state {
	uid_t uid, euid, suid, fsuid;
	gid_t gid, egid, sgid, fsgid;
	size_t ngroups;		/* the real number of supplementary groups */
	int overridden;		/* 1 while a credo override is installed */
	uint64_t cap_effective, cap_permitted, cap_inheritable, cap_ambient;
};

/* The descriptor of /dev/credo, opened on first use; -errno if it cannot be. */
int credo_fd(void);

/* Switch the calling thread to ids (replaces an earlier override). */
int credo_override(const struct credo_ids *ids);

/*
 * Resolve a user name as initgroups(3) would: its uid and primary gid from
 * getpwnam_r(3), its supplementary groups (primary included) from
 * getgrouplist(3).  On success ids->groups is allocated: release it with
 * credo_ids_free().  An unknown user is -ESRCH.
 */
int credo_lookup_user(const char *name, struct credo_ids *ids);
void credo_ids_free(struct credo_ids *ids);

/* credo_lookup_user() then credo_override(). */
int credo_override_user(const char *name);

/* End the calling thread's override; 0 if it had none. */
int credo_revert(void);

/*
 * The calling thread's current credentials.  Up to maxgroups supplementary
 * groups are stored at groups (may be NULL when maxgroups is 0), sorted
 * ascending; st->ngroups is the real count.
 */
int credo_get(struct credo_state *st, gid_t *groups, size_t maxgroups);

/* credo_spawn_as() flags */
#define CREDO_SPAWN_SEARCH_PATH	0x1	/* posix_spawnp(3): search PATH for file */

/*
 * Start a program as another identity, as fork(2) plus setgroups(2),
 * setresgid(2) and setresuid(2) in the child would: a short-lived helper
 * thread switches itself with the raw (per-thread) syscalls, calls
 * posix_spawn(3) (posix_spawnp(3) with CREDO_SPAWN_SEARCH_PATH) with actions
 * and attr, and exits.  The child has ids as all its uids, gids and groups,
 * the capabilities setresuid(2) leaves, the user's user keyring and
 * RLIMIT_NPROC accounting; actions run as ids.  The calling thread is not
 * switched: its credentials and override (if any) are as they were, also
 * when the spawn fails.  Needs CAP_SETUID and CAP_SETGID, not the module.
 * The helper's switch makes the process non-dumpable as any set*id call
 * does (fs.suid_dumpable).  actions and attr may be NULL; envp NULL means
 * the caller's environ.  See libcredo(3).
 */
int credo_spawn_as(pid_t *pid, const struct credo_ids *ids, const char *file,
		   const posix_spawn_file_actions_t *actions,
		   const posix_spawnattr_t *attr, char *const argv[],
		   char *const envp[], int flags);

/* As credo_spawn_as() with the identity of user name (credo_lookup_user()). */
int credo_spawn_as_user(pid_t *pid, const char *name, const char *file,
			const posix_spawn_file_actions_t *actions,
			const posix_spawnattr_t *attr, char *const argv[],
			char *const envp[], int flags);

/*
 * Credential handles (credo(4), "Handles"; libcredo(3)).  A privileged broker
 * mints a handle for an identity; whoever holds the handle's descriptor, with
 * no capability and no access to /dev/credo, can switch its calling thread to
 * exactly that identity, and to no other.  A handle is a file descriptor:
 * pass it over a unix socket (credo_handle_send()), close it when done.
 * A handle for uid 0 (or gid 0) hands out root's file ownership (but never a
 * capability).  Since 0.2.0 (symbol version LIBCREDO_0.2).
 */

/* The identity a handle carries, as CREDO_IOC_HANDLE_GET reports it. */
struct credo_handle_info {
	uid_t uid, euid, suid, fsuid;
	gid_t gid, egid, sgid, fsgid;
	size_t ngroups;		/* the real number of supplementary groups */
	int has_caps;		/* 1 if the handle carries explicit capability sets */
	uint64_t cap_effective, cap_permitted, cap_inheritable, cap_ambient;
};

/*
 * A new handle (close-on-exec) for ids, through /dev/credo (credo_fd()):
 * returns the descriptor (>= 0) or -errno.  Needs what credo_override(ids)
 * needs (CAP_SETUID and CAP_SETGID), judged on the thread's own credentials:
 * it may be overridden, and stays as it is.
 */
int credo_handle_mint(const struct credo_ids *ids);

/* credo_lookup_user() then credo_handle_mint(). */
int credo_handle_mint_user(const char *name);

/*
 * Switch the calling thread to the handle's identity (replaces an override);
 * no capability needed.  -EKEYREVOKED for a revoked handle, -EPERM from
 * another user namespace, -EBUSY as credo_override(), -ENOTTY for a
 * descriptor that is not a handle.  End it with credo_revert_fd(handle).
 */
int credo_handle_assume(int handle);

/* The identity of a handle; groups as for credo_get(). */
int credo_handle_get(int handle, struct credo_handle_info *info, gid_t *groups,
		     size_t maxgroups);

/*
 * Make every descriptor of the handle (dups, copies passed over sockets,
 * inherited ones) refuse assume with -EKEYREVOKED from now on; threads that
 * assumed it keep their override.  Needs CAP_SETUID and CAP_SETGID (-EPERM).
 */
int credo_handle_revoke(int handle);

/*
 * credo_revert() and credo_get() through fd, a handle or /dev/credo, for a
 * thread that holds handles only.
 */
int credo_revert_fd(int fd);
int credo_get_fd(int fd, struct credo_state *st, gid_t *groups,
		 size_t maxgroups);

/*
 * Send a handle (any descriptor) over a connected unix socket (SCM_RIGHTS,
 * one byte of data), and receive one (close-on-exec): returns 0 / the
 * received descriptor, or -errno; -EBADMSG if what arrived carries no
 * descriptor, -ECONNRESET if the peer closed, -EMFILE if a descriptor came
 * but could not be installed.  Extra descriptors of the message are closed.
 * Both retry on EINTR; send never raises SIGPIPE (-EPIPE).
 */
int credo_handle_send(int sock, int handle);
int credo_handle_recv(int sock);

/*
 * A message for an error returned by this library (negative or positive
 * errno).  Never NULL; the string is constant and thread-safe.
 */
const char *credo_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* CREDO_LIB_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place in credo that knows kernel versions differ.
 *
 * Force-included into every unit by module/Kbuild, which detects each
 * difference from the target kernel's own headers and passes -DCOMPAT_*.
 * Pure additions are backfilled under their upstream names (WireGuard style);
 * APIs whose meaning changed get a credo_-prefixed wrapper (lttng style), so
 * no caller needs to know which generation it runs on.
 */
#ifndef _CREDO_COMPAT_H
#define _CREDO_COMPAT_H

#include <linux/kconfig.h>
#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/shrinker.h>
#include <linux/ptrace.h>

/*
 * The safety net (safety.c) reads the probed function's first argument and
 * return address from x86_64 registers and redirects regs->ip; other
 * architectures have not been looked at.
 */
#ifndef CONFIG_X86_64
#error "credo supports x86_64 only (safety.c depends on its kprobe register layout)"
#endif
#ifndef CONFIG_KPROBES
#error "credo needs CONFIG_KPROBES: without its safety net an override can crash the kernel"
#endif

/*
 * Credential override, 5.10 .. 6.13 ("old"): override_creds(new) takes its
 * own reference on new and returns the previous ->cred, whose reference the
 * caller now owns; revert_creds(old) installs old taking over the caller's
 * reference and puts the override.
 *
 * 6.14 and later ("new", static inlines): override_creds(new) takes no
 * reference (the caller's moves into the slot) and returns the previous
 * ->cred; revert_creds(old) installs old without taking a reference and
 * returns the override, whose reference the caller now owns.
 *
 * In both generations the ->cred slot owns exactly one reference, which is
 * what exit_creds() puts, so a thread that dies overridden leaks nothing.
 * Both wrappers go through override_creds()/revert_creds() so the
 * CONFIG_DEBUG_CREDENTIALS subscriber counts of old kernels stay right.
 *
 * credo_install_override() hands the previous ->cred back with its slot's
 * reference, and credo_revert_override() takes that reference back: the
 * thread's own cred, which every thread of a server shares, is not
 * referenced and released on every switch.
 */
#ifdef COMPAT_REVERT_CREDS_RETURNS_OVERRIDE
/*
 * Makes @new ->cred, consuming the caller's reference on it.  Returns the
 * previous ->cred with the reference its slot held, now the caller's.
 */
static inline const struct cred *credo_install_override(const struct cred *new)
{
	return override_creds(new);
}

/*
 * Makes @old ->cred again, consuming the caller's reference on it (the one
 * credo_install_override() returned); drops the override's slot reference.
 */
static inline void credo_revert_override(const struct cred *old)
{
	put_cred(revert_creds(old));
}

/*
 * A short, scoped override that changes no reference counts: @c must stay
 * referenced by the caller until credo_scoped_revert().
 */
static inline const struct cred *credo_scoped_override(const struct cred *c)
{
	return override_creds(c);
}

static inline void credo_scoped_revert(const struct cred *old)
{
	revert_creds(old);
}
#else
static inline const struct cred *credo_install_override(const struct cred *new)
{
	const struct cred *old = override_creds(new);

	put_cred(new);
	return old;
}

static inline void credo_revert_override(const struct cred *old)
{
	revert_creds(old);
}

static inline const struct cred *credo_scoped_override(const struct cred *c)
{
	return override_creds(c);
}

static inline void credo_scoped_revert(const struct cred *old)
{
	revert_creds(old);
}
#endif

/*
 * 5.14 added cred->ucounts, keyed by (user_ns, real uid), and
 * set_cred_ucounts(), which the set*id syscalls call to re-derive it.  An
 * override keeps its base's ucounts (alloc_ucounts() is not exported), so a
 * task whose credentials descend from one (a forked child, a new thread, an
 * exec'd program) has ucounts that do not match its uid; set_cred_ucounts()
 * would then move it to other ucounts while commit_creds() moves the
 * RLIMIT_NPROC charge only when ->user changes, and the charge would later
 * be taken from counts that never had it (a WARN in dec_rlimit_ucounts()).
 * safety.c probes set_cred_ucounts() to keep ucounts whenever ->user and the
 * user namespace stay the same, which for any other task is what the
 * function does anyway.  5.10 accounts processes on ->user alone, always
 * consistently: nothing to probe.
 */
#ifdef COMPAT_CRED_HAS_UCOUNTS
#define CREDO_SET_UCOUNTS_SYMBOL	"set_cred_ucounts"
#else
#define CREDO_SET_UCOUNTS_SYMBOL	NULL
#endif

/*
 * struct cred's usage: atomic_long_t on every supported kernel (5.10 got it
 * through a stable backport); atomic_t before that.
 */
#ifdef COMPAT_CRED_USAGE_ATOMIC_INT
static inline long credo_cred_usage(const struct cred *cred)
{
	return atomic_read(&cred->usage);
}
#else
static inline long credo_cred_usage(const struct cred *cred)
{
	return atomic_long_read(&cred->usage);
}
#endif

/*
 * kernel_cap_t: struct { u64 val; } since 6.3, struct { __u32 cap[2]; }
 * before.  The uapi carries plain __u64 masks.
 */
#ifdef COMPAT_KERNEL_CAP_U64
static inline kernel_cap_t credo_u64_to_cap(u64 v)
{
	kernel_cap_t c = { .val = v };

	return c;
}

static inline u64 credo_cap_to_u64(kernel_cap_t c)
{
	return c.val;
}
#else
static inline kernel_cap_t credo_u64_to_cap(u64 v)
{
	kernel_cap_t c = { .cap = { lower_32_bits(v), upper_32_bits(v) } };

	return c;
}

static inline u64 credo_cap_to_u64(kernel_cap_t c)
{
	return (u64)c.cap[1] << 32 | c.cap[0];
}
#endif

/*
 * Shrinkers: 6.7 made them allocated objects (shrinker_alloc(),
 * shrinker_register(), shrinker_free()); 6.0 .. 6.6 register an embedded
 * struct shrinker with a name format; 5.10 .. 5.19 without a name.
 */
typedef unsigned long (*credo_shrink_fn)(struct shrinker *s,
					 struct shrink_control *sc);

struct credo_shrinker {
#ifdef COMPAT_SHRINKER_ALLOC
	struct shrinker *shrinker;
#else
	struct shrinker shrinker;
#endif
};

#ifdef COMPAT_SHRINKER_ALLOC
static inline int credo_shrinker_register(struct credo_shrinker *cs,
					  credo_shrink_fn count,
					  credo_shrink_fn scan,
					  const char *name)
{
	cs->shrinker = shrinker_alloc(0, "%s", name);
	if (!cs->shrinker)
		return -ENOMEM;
	cs->shrinker->count_objects = count;
	cs->shrinker->scan_objects = scan;
	cs->shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(cs->shrinker);
	return 0;
}

static inline void credo_shrinker_unregister(struct credo_shrinker *cs)
{
	shrinker_free(cs->shrinker);
	cs->shrinker = NULL;
}
#else
static inline int credo_shrinker_register(struct credo_shrinker *cs,
					  credo_shrink_fn count,
					  credo_shrink_fn scan,
					  const char *name)
{
	cs->shrinker.count_objects = count;
	cs->shrinker.scan_objects = scan;
	cs->shrinker.seeks = DEFAULT_SEEKS;
#ifdef COMPAT_REGISTER_SHRINKER_NAMED
	return register_shrinker(&cs->shrinker, "%s", name);
#else
	return register_shrinker(&cs->shrinker);
#endif
}

static inline void credo_shrinker_unregister(struct credo_shrinker *cs)
{
	unregister_shrinker(&cs->shrinker);
}
#endif

/*
 * Syscall entry points gated by safety.c.  On x86_64 every syscall since
 * 4.17 (so on every supported kernel, 5.10 .. 7.3) is entered through a
 * pt_regs wrapper, long PREFIX##name(const struct pt_regs *regs), with the
 * user's registers at @regs: __x64_sys_NAME for the 64-bit and x32 tables,
 * __ia32_sys_NAME and __ia32_compat_sys_NAME for the 32-bit table (only with
 * CONFIG_IA32_EMULATION).  6.9 replaced the syscall table by a switch
 * (x64_sys_call()), which still calls the same out-of-line wrappers.
 *
 * Names that exist on some supported kernels only; safety.c probes every
 * name and skips (and logs) the ones a kernel lacks:
 * - landlock_restrict_self(2): 5.13 (absent on 5.10);
 * - lsm_set_self_attr(2) and security_setselfattr(): 6.8 (absent on 5.10
 *   and 6.1);
 * - the 16-bit set*id calls (setuid16, ...) are in the 32-bit table only;
 *   their __x64_sys_*16 wrappers are compiled but unreachable, not probed;
 * - every __ia32_* name: only with CONFIG_IA32_EMULATION (Debian: y).
 * security_setprocattr() took the LSM's name (const char *) until 6.7 and
 * its id (int) since 6.8; it returns int in both, the only thing the gate
 * produces, so one replacement serves both.
 */
/*
 * landlock_restrict_self()'s LANDLOCK_RESTRICT_SELF_TSYNC (absent in 6.12,
 * present in 7.3): restrict every thread of the process.  Where the kernel
 * has no such flag, bit 3 is refused by the kernel itself and nothing is
 * gated on it.
 */
#ifdef COMPAT_LANDLOCK_TSYNC
#include <uapi/linux/landlock.h>
#define CREDO_LANDLOCK_TSYNC		LANDLOCK_RESTRICT_SELF_TSYNC
#else
#define CREDO_LANDLOCK_TSYNC		0
#endif

#define CREDO_SYS_X64(name)		"__x64_sys_" name
#define CREDO_SYS_IA32(name)		"__ia32_sys_" name
#define CREDO_COMPAT_SYS_IA32(name)	"__ia32_compat_sys_" name
#define CREDO_ARG_IA32_0(r)		((r)->bx)
#define CREDO_ARG_IA32_1(r)		((r)->cx)
#define CREDO_ARG_X64_0(r)		((r)->di)
#define CREDO_ARG_X64_1(r)		((r)->si)

#endif /* _CREDO_COMPAT_H */

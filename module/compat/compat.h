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
#include <linux/ftrace.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/mm_types.h>
#ifdef COMPAT_TASK_EXEC_STATE
#include <linux/sched/exec_state.h>
#endif

/*
 * The hooks (hook.c, safety.c, gates.c) read the hooked function's
 * arguments from x86_64 registers and redirect regs->ip; other
 * architectures have not been looked at.
 */
#ifndef CONFIG_X86_64
#error "credo supports x86_64 only (its hooks depend on the x86_64 register layout)"
#endif
#ifndef CONFIG_DYNAMIC_FTRACE_WITH_REGS
#error "credo needs CONFIG_DYNAMIC_FTRACE_WITH_REGS: without its hooks overrides are unsafe"
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
 * credo_install_override() takes a reference for the slot (so a caller that
 * only borrows @new under RCU need not take and drop one of its own) and
 * hands the previous ->cred back with its slot's reference, and
 * credo_revert_override() takes that reference back: the
 * thread's own cred, which every thread of a server shares, is not
 * referenced and released on every switch.
 */
#ifdef COMPAT_REVERT_CREDS_RETURNS_OVERRIDE
/*
 * Makes @new ->cred with a reference of its own for the slot; the caller's
 * reference, if it holds one, stays the caller's (a borrowed @new, kept
 * alive by RCU, needs none).  Returns the previous ->cred with the
 * reference its slot held, now the caller's.
 */
static inline const struct cred *credo_install_override(const struct cred *new)
{
	return override_creds(get_cred(new));
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
/* override_creds() takes the slot's reference itself. */
static inline const struct cred *credo_install_override(const struct cred *new)
{
	return override_creds(new);
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
 * Syscall entry points gated by gates.c.  On x86_64 every syscall since
 * 4.17 (so on every supported kernel, 5.10 .. 7.3) is entered through a
 * pt_regs wrapper, long PREFIX##name(const struct pt_regs *regs), with the
 * user's registers at @regs: __x64_sys_NAME for the 64-bit and x32 tables,
 * __ia32_sys_NAME and __ia32_compat_sys_NAME for the 32-bit table (only with
 * CONFIG_IA32_EMULATION).  6.9 replaced the syscall table by a switch
 * (x64_sys_call()), which still calls the same out-of-line wrappers.
 *
 * Names that exist on some supported kernels only; gates.c hooks every
 * name and skips (and logs) the ones a kernel lacks:
 * - landlock_restrict_self(2): 5.13 (absent on 5.10);
 * - lsm_set_self_attr(2) and security_setselfattr(): 6.8 (absent on 5.10
 *   and 6.1);
 * - the 16-bit set*id calls (setuid16, ...) are in the 32-bit table only;
 *   their __x64_sys_*16 wrappers are compiled but unreachable, not probed;
 * - every __ia32_* name: only with CONFIG_IA32_EMULATION (Debian: y);
 *   every __x32_* name only with CONFIG_X86_X32_ABI.
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
#define CREDO_COMPAT_SYS_X32(name)	"__x32_compat_sys_" name
#define CREDO_ARG_IA32_0(r)		((r)->bx)
#define CREDO_ARG_IA32_1(r)		((r)->cx)
#define CREDO_ARG_X64_0(r)		((r)->di)
#define CREDO_ARG_X64_1(r)		((r)->si)

/*
 * ftrace callbacks (hook.c): 5.10 passes the saved struct pt_regs; 5.11
 * introduced struct ftrace_regs, from which ftrace_get_regs() gives the
 * pt_regs when the ops asked for FTRACE_OPS_FL_SAVE_REGS.  The recursion
 * flag changed meaning in 5.11 too: 5.10's RECURSION_SAFE says "call me
 * directly", and from 5.11 leaving out FTRACE_OPS_FL_RECURSION does; either
 * way ftrace never skips a callback for recursion (none of credo's calls a
 * function it hooks).
 */
#ifdef COMPAT_FTRACE_REGS
/* struct credo_ftrace_regs is what a callback gets: struct ftrace_regs. */
#define credo_ftrace_regs	ftrace_regs

static __always_inline struct pt_regs *
credo_ftrace_get_regs(struct ftrace_regs *fregs)
{
	return ftrace_get_regs(fregs);
}

#define CREDO_FTRACE_OPS_FLAGS	(FTRACE_OPS_FL_SAVE_REGS |		\
				 FTRACE_OPS_FL_IPMODIFY |		\
				 FTRACE_OPS_FL_PERMANENT)
#else
#define credo_ftrace_regs	pt_regs

static __always_inline struct pt_regs *
credo_ftrace_get_regs(struct pt_regs *regs)
{
	return regs;
}

#define CREDO_FTRACE_OPS_FLAGS	(FTRACE_OPS_FL_SAVE_REGS |		\
				 FTRACE_OPS_FL_IPMODIFY |		\
				 FTRACE_OPS_FL_PERMANENT |		\
				 FTRACE_OPS_FL_RECURSION_SAFE)
#endif

/*
 * Dumpability (dumpable.c): up to 7.2 two bits of mm->flags, which
 * set_dumpable() (not exported) sets with set_mask_bits(); from 7.3 a field
 * of the task's exec_state, shared like the mm by CLONE_VM siblings, which
 * task_exec_state_set_dumpable() (not exported either) writes for current.
 * Both are only called for current, which has an mm.
 */
#ifdef COMPAT_TASK_EXEC_STATE
static inline int credo_get_dumpable(void)
{
	return READ_ONCE(rcu_dereference_protected(current->exec_state,
						   true)->dumpable);
}

static inline void credo_set_dumpable(int value)
{
	WRITE_ONCE(rcu_dereference_protected(current->exec_state,
					     true)->dumpable, value);
}
#else
/* 7.3's names for the SUID_DUMP_* values, which it keeps as ABI. */
#define TASK_DUMPABLE_OFF	SUID_DUMP_DISABLE
#define TASK_DUMPABLE_OWNER	SUID_DUMP_USER
#define TASK_DUMPABLE_ROOT	SUID_DUMP_ROOT

static inline int credo_get_dumpable(void)
{
	return get_dumpable(current->mm);
}

static inline void credo_set_dumpable(int value)
{
	set_mask_bits(&current->mm->flags, MMF_DUMPABLE_MASK, value);
}
#endif

/* The core dump entry point: do_coredump(), renamed vfs_coredump() in 6.16. */
#ifdef COMPAT_VFS_COREDUMP
#define CREDO_COREDUMP_SYMBOL	"vfs_coredump"
#else
#define CREDO_COREDUMP_SYMBOL	"do_coredump"
#endif

/*
 * Trace events (trace.h): 6.10 made __assign_str() take the field alone,
 * its source being the one __string() named; before, it took both.
 */
#ifdef COMPAT_ASSIGN_STR_ONE_ARG
#define credo_assign_str(dst, src)	__assign_str(dst)
#else
#define credo_assign_str(dst, src)	__assign_str(dst, src)
#endif

#endif /* _CREDO_COMPAT_H */

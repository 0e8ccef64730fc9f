/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hooks on kernel functions through ftrace, exclusive and permanent.
 */
#ifndef _CREDO_HOOK_H
#define _CREDO_HOOK_H

#include <linux/ftrace.h>
#include <linux/types.h>

struct pt_regs;
struct credo_hook;

/*
 * Runs at the entry of a hooked function, with its registers and the
 * address it returns to; may point regs->ip at a replacement of the same
 * signature, which then returns to the hooked function's caller.
 */
typedef void (*credo_hook_fn)(struct credo_hook *h, struct pt_regs *regs,
			      unsigned long caller);

struct credo_hook {
	struct ftrace_ops ops;
	credo_hook_fn fn;
	/* the functions hooked; NULL-terminated */
	const char *const *names;
	/* true: every name a kernel has is hooked, absent ones are skipped */
	bool optional;
	unsigned int nr_hooked;
};

int credo_hook_register(struct credo_hook *h, char *absent, size_t len);
void credo_hook_unregister(struct credo_hook *h);

#endif /* _CREDO_HOOK_H */

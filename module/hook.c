// SPDX-License-Identifier: GPL-2.0
/*
 * Hooks on kernel functions through ftrace, the way livepatch attaches.
 *
 * Every hook is an ftrace_ops of its own with FTRACE_OPS_FL_IPMODIFY and
 * FTRACE_OPS_FL_PERMANENT (compat.h's CREDO_FTRACE_OPS_FLAGS):
 *
 * - IPMODIFY: ftrace lets one ops per function change where it resumes.
 *   Whichever of credo and another such user (livepatch, another hooking
 *   module) comes second is refused with -EBUSY, so nothing can run in
 *   place of a function credo guards, nor can credo silently lose to it.
 *   Functions are added to a registered ops one at a time, so that the
 *   function in conflict can be named.
 *
 * - PERMANENT: while the ops is registered, kernel.ftrace_enabled cannot be
 *   set to 0 (the write fails with EBUSY), and registration fails while it
 *   is 0.  The hooks cannot be switched off under a live override.
 *
 * Kprobes are not used at all: kprobes/enabled=0 does not touch ftrace_ops,
 * and the kprobe core's "one handler per CPU at a time" rule, which skips a
 * probe hit while another module's handler runs, does not apply.  The
 * callbacks ask ftrace for no recursion protection either (they call none of
 * the functions they hook), so no hit is ever dropped.
 */
#include <linux/errno.h>
#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/ptrace.h>
#include <linux/string.h>

#include "hook.h"

static void notrace credo_hook_thunk(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *ops,
				     struct credo_ftrace_regs *fregs)
{
	struct credo_hook *h = container_of(ops, struct credo_hook, ops);
	struct pt_regs *regs = credo_ftrace_get_regs(fregs);

	/* SAVE_REGS always provides them; without, nothing can be redirected. */
	if (regs)
		h->fn(h, regs, parent_ip);
}

/* ftrace_set_filter() takes a writable buffer. */
static int credo_hook_filter(struct credo_hook *h, const char *name, int reset)
{
	char buf[KSYM_NAME_LEN];
	size_t len = strscpy(buf, name, sizeof(buf));

	return ftrace_set_filter(&h->ops, buf, len, reset);
}

/*
 * Empties the filter, which frees its hash; ftrace_free_filter() does the
 * same but is not exported before 6.1.
 */
static void credo_hook_clear(struct credo_hook *h)
{
	ftrace_set_filter(&h->ops, NULL, 0, 1);
}

/* A name ftrace has no record of (absent, inlined or notrace here). */
static bool credo_hook_absent(int err)
{
	return err == -EINVAL || err == -ENOENT;
}

/**
 * credo_hook_register - hook every function of @h
 * @h: the hook
 * @absent: where to list the optional names this kernel lacks, or NULL
 * @len: size of @absent
 *
 * Return: 0; -EBUSY (logged) if another ftrace user modifies one of the
 * functions or ftrace is disabled; -ENOENT if a required name is absent.
 */
int credo_hook_register(struct credo_hook *h, char *absent, size_t len)
{
	const char *const *name;
	size_t used = absent ? strlen(absent) : 0;
	bool registered = false;
	int err;

	h->ops.func = credo_hook_thunk;
	h->ops.flags = CREDO_FTRACE_OPS_FLAGS;
	h->nr_hooked = 0;
	for (name = h->names; *name; name++) {
		err = credo_hook_filter(h, *name, !registered);
		if (credo_hook_absent(err) && h->optional) {
			if (absent)
				used += scnprintf(absent + used, len - used,
						  " %s", *name);
			continue;
		}
		if (err)
			goto fail;
		if (!registered) {
			/* Never registered with an empty filter: that traces everything. */
			err = register_ftrace_function(&h->ops);
			if (err)
				goto fail;
			registered = true;
		}
		h->nr_hooked++;
	}
	if (!registered)
		credo_hook_clear(h);
	return 0;

fail:
	if (err == -EBUSY)
		pr_err("credo: cannot hook %s: another ftrace user modifies it (livepatch or a hooking module), or kernel.ftrace_enabled is 0 (%d)\n",
		       *name, err);
	else
		pr_err("credo: cannot hook %s (%d)\n", *name, err);
	if (registered)
		unregister_ftrace_function(&h->ops);
	credo_hook_clear(h);
	h->nr_hooked = 0;
	return err;
}
EXPORT_SYMBOL_GPL(credo_hook_register);

void credo_hook_unregister(struct credo_hook *h)
{
	if (!h->nr_hooked)
		return;
	unregister_ftrace_function(&h->ops);
	credo_hook_clear(h);
	h->nr_hooked = 0;
}
EXPORT_SYMBOL_GPL(credo_hook_unregister);

// SPDX-License-Identifier: GPL-2.0
/*
 * Every switch visible (issue 15): audit records, tracepoints and the
 * listing of live overrides.
 *
 * audit: there is no auditd in the guest, so this process becomes it: it
 * enables audit and registers its own pid over NETLINK_AUDIT, which sends
 * it every record.  A child forked after that (a task gets an audit context
 * at fork, once audit was ever enabled) switches: with no rule loaded there
 * must be no credo record; with an exit rule on ioctl (arch b64) exactly the
 * five records its calls make, with their fields, each in its syscall's
 * event (a SYSCALL record of the same serial), the refused setuid's too,
 * which no rule selects; with the rule deleted none again.  Another child
 * does the same with a handle: mint, assume, revert through it, revoke, an
 * assume refused (EKEYREVOKED) and a revoke refused (EPERM): six records,
 * each with the handle's id.  A configuration change of our own is the
 * barrier: kauditd delivers records in order, so once it arrives every
 * earlier record has.
 *
 * tracepoints: enabled in a tracefs instance of our own, read back from its
 * trace file: override, refused, revert, table insert and evict; for a
 * handle, credo_handle (mint, revoke, a refused revoke) and credo_assume (a
 * table miss, a hit of the handle's remembered pair, EKEYREVOKED), all with
 * the same id.
 *
 * listing: /sys/kernel/debug/credo/overrides names exactly the threads
 * overridden, with their ids, groups and time, and none after revert; a
 * thread that assumed a handle is listed as one that overrode.
 *
 * Everything needs root; as another user each test SKIPs.
 */
#include "credo_test.h"
#include "credo_harness.h"
#include <poll.h>
#include <stdarg.h>
#include <semaphore.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <linux/audit.h>
#include <linux/netlink.h>

#define OBS_UID		65534u
#define OBS_UID2	65533u

/* ---- audit over netlink ---------------------------------------------------- */

#define OBS_MAX_RECORDS	1024
#define OBS_TEXT	4096

struct obs_record {
	int type;
	char text[OBS_TEXT];
};

struct audit_nl {
	int fd;
	__u32 seq;
	int n;
	struct obs_record rec[OBS_MAX_RECORDS];
};

static int nl_send(struct audit_nl *a, int type, const void *data, size_t len)
{
	char buf[NLMSG_SPACE(sizeof(struct audit_rule_data) + 64)];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	if (NLMSG_SPACE(len) > sizeof(buf))
		return -E2BIG;
	memset(buf, 0, sizeof(buf));
	h->nlmsg_len = NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++a->seq;
	memcpy(NLMSG_DATA(h), data, len);
	if (sendto(a->fd, buf, h->nlmsg_len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return -errno;
	return 0;
}

/*
 * Receives for up to @ms: records are kept; an ack (NLMSG_ERROR) of @seq
 * returns its error (0 = success), an AUDIT_GET reply is copied to @st.
 * Returns -ETIMEDOUT when nothing matching came.
 */
static int nl_recv(struct audit_nl *a, __u32 seq, int ms,
		   struct audit_status *st)
{
	/* AUDIT_GET's reply is sent from a kernel thread: it may follow the ack. */
	bool acked = false, replied = !st;
	struct timespec t0, t;
	int ack_err = 0;
	char buf[16384];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = a->fd, .events = POLLIN };
		struct nlmsghdr *h;
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - ((t.tv_sec - t0.tv_sec) * 1000 +
			     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = recv(a->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			size_t len = NLMSG_PAYLOAD(h, 0);

			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				if (seq && h->nlmsg_seq == seq) {
					acked = true;
					ack_err = e->error;
				}
				continue;
			}
			if (h->nlmsg_type == AUDIT_GET && st && seq &&
			    h->nlmsg_seq == seq) {
				memcpy(st, NLMSG_DATA(h), len < sizeof(*st) ?
				       len : sizeof(*st));
				replied = true;
				continue;
			}
			/*
			 * Records, one per datagram: the kernel's audit records
			 * give the payload's length alone in nlmsg_len (as
			 * auditd knows), so the datagram's size is used.
			 */
			if (h->nlmsg_type >= AUDIT_FIRST_USER_MSG) {
				struct obs_record *r = &a->rec[a->n];

				len = (size_t)n - NLMSG_HDRLEN;
				if (len >= OBS_TEXT)
					len = OBS_TEXT - 1;
				if (a->n < OBS_MAX_RECORDS) {
					r->type = h->nlmsg_type;
					memcpy(r->text, NLMSG_DATA(h), len);
					r->text[len] = 0;
					while (len && !r->text[len - 1])
						r->text[--len] = 0;
					a->n++;
				}
				break;
			}
		}
		if (acked && (replied || ack_err))
			return ack_err;
	}
}

/* Sends and waits for the ack: 0 or -errno. */
static int nl_call(struct audit_nl *a, int type, const void *data, size_t len,
		   struct audit_status *st)
{
	int r = nl_send(a, type, data, len);

	return r ? r : nl_recv(a, a->seq, 3000, st);
}

static int audit_get(struct audit_nl *a, struct audit_status *st)
{
	memset(st, 0, sizeof(*st));
	return nl_call(a, AUDIT_GET, NULL, 0, st);
}

static int audit_set(struct audit_nl *a, __u32 mask, __u32 enabled, __u32 pid,
		     __u32 backlog)
{
	struct audit_status s;

	memset(&s, 0, sizeof(s));
	s.mask = mask;
	s.enabled = enabled;
	s.pid = pid;
	s.backlog_limit = backlog;
	return nl_call(a, AUDIT_SET, &s, sizeof(s), NULL);
}

/* -a always,exit -F arch=b64 -S ioctl -k credo_observe */
static void ioctl_rule(struct audit_rule_data *r, size_t *len)
{
	static const char key[] = "credo_observe";

	memset(r, 0, sizeof(*r) + sizeof(key));
	r->flags = AUDIT_FILTER_EXIT;
	r->action = AUDIT_ALWAYS;
	r->mask[__NR_ioctl / 32] |= 1u << (__NR_ioctl % 32);
	r->field_count = 2;
	r->fields[0] = AUDIT_ARCH;
	r->fieldflags[0] = AUDIT_EQUAL;
	r->values[0] = AUDIT_ARCH_X86_64;
	r->fields[1] = AUDIT_FILTERKEY;
	r->fieldflags[1] = AUDIT_EQUAL;
	r->values[1] = sizeof(key) - 1;
	r->buflen = sizeof(key) - 1;
	memcpy(r->buf, key, sizeof(key) - 1);
	*len = sizeof(*r) + sizeof(key) - 1;
}

/* Value of " key=" in a record (the first), or NULL; into buf. */
static const char *rec_field(const char *text, const char *key, char *buf,
			     size_t len)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(text, pat);
	if (!p) {
		/* The first field follows the "audit(...): " prefix. */
		snprintf(pat, sizeof(pat), ": %s=", key);
		p = strstr(text, pat);
		if (!p)
			return NULL;
	}
	p += strlen(pat);
	n = strcspn(p, " ");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

static bool rec_is(const char *text, const char *key, const char *want)
{
	char v[256];

	return rec_field(text, key, v, sizeof(v)) && !strcmp(v, want);
}

static bool rec_is_u(const char *text, const char *key, unsigned long want)
{
	char v[256], *end;

	return rec_field(text, key, v, sizeof(v)) &&
	       strtoul(v, &end, 10) == want && !*end;
}

/* "audit(SEC.MS:SERIAL):" */
static unsigned long rec_serial(const char *text)
{
	const char *p = strchr(text, ':');

	return p ? strtoul(p + 1, NULL, 10) : 0;
}

/* Indexes of the credo records (AUDIT_KERNEL_OTHER with op=) of @pid. */
static int credo_records(const struct audit_nl *a, pid_t pid, int *idx,
			 int max)
{
	int i, n = 0;

	for (i = 0; i < a->n; i++) {
		const char *t = a->rec[i].text;

		if (a->rec[i].type != AUDIT_KERNEL_OTHER || !strstr(t, ": op=") ||
		    !rec_is_u(t, "pid", (unsigned long)pid))
			continue;
		if (n < max)
			idx[n] = i;
		n++;
	}
	return n;
}

static bool has_syscall_record(const struct audit_nl *a, unsigned long serial,
			       int nr)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (a->rec[i].type == AUDIT_SYSCALL &&
		    rec_serial(a->rec[i].text) == serial &&
		    rec_is_u(a->rec[i].text, "syscall", (unsigned long)nr))
			return true;
	return false;
}

/*
 * The audited child: two overrides, a refused setuid, a revert, and an
 * override without CAP_SETUID.  Exit status: 0, or the step that went wrong.
 */
static int audited_child(void)
{
	__u32 g2[] = { 1, 2 }, g1[] = { 3 };
	struct credo_cred c;
	struct caps3 caps = { 0 };
	int fd = credo_open();

	if (fd < 0)
		return 10;
	credo_cred_init(&c, OBS_UID, OBS_UID, g2, 2);
	if (credo_override(fd, &c))
		return 11;
	credo_cred_init(&c, OBS_UID2, OBS_UID2, g1, 1);
	if (credo_override(fd, &c))
		return 12;
	if (syscall(SYS_setuid, 0) != -1 || errno != EBUSY)
		return 13;
	if (credo_revert(fd))
		return 14;
	if (raw_capget(0, &caps))
		return 15;
	caps.eff &= ~CAPB(CAP_SETUID);
	if (raw_capset(&caps))
		return 16;
	credo_cred_init(&c, OBS_UID, OBS_UID, g2, 2);
	if (credo_override(fd, &c) != -EPERM)
		return 17;
	return 0;
}

/*
 * The audited child of handles: mints a handle (65534, gid 65533, two
 * groups), assumes it, reverts through it, revokes it, fails an assume of the
 * revoked handle (EKEYREVOKED), drops CAP_SETUID and fails a second revoke
 * (EPERM).
 */
static int audited_handle_child(void)
{
	__u32 g[] = { 5, 6 };
	struct caps3 caps = { 0 };
	struct credo_cred c;
	int fd = credo_open(), h;

	if (fd < 0)
		return 20;
	credo_cred_init(&c, OBS_UID, OBS_UID2, g, 2);
	h = ioctl(fd, CREDO_IOC_HANDLE, &c);
	if (h < 0)
		return 21;
	if (credo_ioctl(h, CREDO_IOC_ASSUME, NULL))
		return 22;
	if (credo_revert(h))
		return 23;
	if (credo_ioctl(h, CREDO_IOC_REVOKE, NULL))
		return 24;
	if (credo_ioctl(h, CREDO_IOC_ASSUME, NULL) != -EKEYREVOKED)
		return 25;
	if (raw_capget(0, &caps))
		return 26;
	caps.eff &= ~CAPB(CAP_SETUID);
	if (raw_capset(&caps))
		return 27;
	if (credo_ioctl(h, CREDO_IOC_REVOKE, NULL) != -EPERM)
		return 28;
	return 0;
}

static pid_t run_audited_child(struct __test_metadata *_metadata,
			       int (*child)(void))
{
	pid_t pid = fork();
	int status;

	if (!pid)
		_exit(child());
	EXPECT_LT(0, pid);
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("audited child: status 0x%x (step %d)", status,
		       WEXITSTATUS(status));
	}
	return pid;
}

FIXTURE(audit) {
	struct audit_nl *a;
	struct audit_status orig;
	bool registered, rule_added;
	struct audit_rule_data *rule;
	size_t rule_len;
};

FIXTURE_SETUP(audit)
{
	struct audit_status st;
	int r;

	if (credo_start_euid != 0)
		return;
	self->a = calloc(1, sizeof(*self->a));
	self->rule = calloc(1, sizeof(*self->rule) + 64);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->rule);
	self->a->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	ASSERT_LE(0, self->a->fd) {
		TH_LOG("NETLINK_AUDIT: %s (the guest kernels have CONFIG_AUDIT)",
		       strerror(errno));
	}
	r = audit_get(self->a, &self->orig);
	ASSERT_EQ(0, r) TH_LOG("AUDIT_GET: %s", strerror(-r));
	ASSERT_EQ(0u, self->orig.pid) {
		TH_LOG("an audit daemon (pid %u) runs: this test needs to be it",
		       self->orig.pid);
	}
	r = audit_set(self->a, AUDIT_STATUS_PID, 0, (__u32)getpid(), 0);
	ASSERT_EQ(0, r) TH_LOG("AUDIT_SET pid: %s", strerror(-r));
	self->registered = true;
	r = audit_set(self->a, AUDIT_STATUS_ENABLED, 1, 0, 0);
	ASSERT_EQ(0, r) TH_LOG("AUDIT_SET enabled=1: %s", strerror(-r));
	ASSERT_EQ(0, audit_get(self->a, &st));
	ASSERT_EQ(1u, st.enabled);
	ASSERT_EQ((__u32)getpid(), st.pid);
	ioctl_rule(self->rule, &self->rule_len);
}

FIXTURE_TEARDOWN(audit)
{
	if (!self->a)
		return;
	if (self->rule_added)
		nl_call(self->a, AUDIT_DEL_RULE, self->rule, self->rule_len, NULL);
	if (self->registered) {
		audit_set(self->a, AUDIT_STATUS_ENABLED, self->orig.enabled, 0, 0);
		audit_set(self->a, AUDIT_STATUS_PID, 0, 0, 0);
	}
	close(self->a->fd);
	free(self->a);
	free(self->rule);
}

/*
 * Waits until a record of our own configuration change arrives (kauditd
 * keeps the order, so every earlier record has arrived too).
 */
static void audit_barrier(struct __test_metadata *_metadata,
			  struct audit_nl *a)
{
	struct audit_status st;
	int i, from;

	ASSERT_EQ(0, audit_get(a, &st));
	from = a->n;
	ASSERT_EQ(0, audit_set(a, AUDIT_STATUS_BACKLOG_LIMIT, 0, 0,
			       st.backlog_limit));
	for (i = 0; i < 50; i++) {
		int j;

		for (j = from; j < a->n; j++)
			if (a->rec[j].type == AUDIT_CONFIG_CHANGE &&
			    strstr(a->rec[j].text, "audit_backlog_limit="))
				return;
		nl_recv(a, 0, 100, NULL);
	}
	ASSERT_TRUE(false) TH_LOG("no CONFIG_CHANGE record came back in 5 s");
}

/* @child run with no rule loaded: its syscalls have a dummy context, so no record. */
static pid_t audit_child_without_rule(struct __test_metadata *_metadata,
				      FIXTURE_DATA(audit) *self, int (*child)(void))
{
	int idx[16];
	pid_t pid = run_audited_child(_metadata, child);

	audit_barrier(_metadata, self->a);
	EXPECT_EQ(0, credo_records(self->a, pid, idx, 16));
	return pid;
}

/* The ioctl rule added, @child run: the number of credo records it made, in @idx. */
static int audit_child_with_rule(struct __test_metadata *_metadata,
				 FIXTURE_DATA(audit) *self, int (*child)(void),
				 int *idx, int max)
{
	int r = nl_call(self->a, AUDIT_ADD_RULE, self->rule, self->rule_len, NULL);
	pid_t pid;

	EXPECT_EQ(0, r) TH_LOG("AUDIT_ADD_RULE: %s", strerror(-r));
	if (r)
		return -1;
	self->rule_added = true;
	pid = run_audited_child(_metadata, child);
	audit_barrier(_metadata, self->a);
	return credo_records(self->a, pid, idx, max);
}

/* The rule deleted: @child makes no record again, nor did the run before the rule. */
static void audit_child_after_rule(struct __test_metadata *_metadata,
				   FIXTURE_DATA(audit) *self, int (*child)(void),
				   pid_t before)
{
	int idx[16];
	int r = nl_call(self->a, AUDIT_DEL_RULE, self->rule, self->rule_len, NULL);

	EXPECT_EQ(0, r) TH_LOG("AUDIT_DEL_RULE: %s", strerror(-r));
	if (r)
		return;
	self->rule_added = false;
	audit_child_without_rule(_metadata, self, child);
	EXPECT_EQ(0, credo_records(self->a, before, idx, 16));
}

/* Records only while a rule makes the syscall's audit context live. */
TEST_F(audit, records_only_with_a_rule)
{
	int idx[16], n, i;
	pid_t none1;
	char v[64];

	REQUIRE_ROOT();

	/* No rule: the child's syscalls run with a dummy context. */
	none1 = audit_child_without_rule(_metadata, self, audited_child);
	n = audit_child_with_rule(_metadata, self, audited_child, idx, 16);
	ASSERT_EQ(5, n) {
		for (i = 0; i < self->a->n; i++)
			if (self->a->rec[i].type == AUDIT_KERNEL_OTHER)
				TH_LOG("record: %s", self->a->rec[i].text);
	}
	for (i = 0; i < n; i++)
		TH_LOG("credo record %d: %s", i, self->a->rec[idx[i]].text);

#define REC(k) (self->a->rec[idx[k]].text)
	/* 1: the first override, from the own credentials. */
	EXPECT_TRUE(rec_is(REC(0), "op", "override"));
	EXPECT_TRUE(rec_field(REC(0), "lookup", v, sizeof(v)) &&
		    (!strcmp(v, "hit") || !strcmp(v, "miss")));
	EXPECT_TRUE(rec_is_u(REC(0), "handle", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "old_uid", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "old_euid", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "old_fsgid", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "new_uid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_euid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_suid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_fsuid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_gid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_fsgid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_ngroups", 2));
	/* audit_log_task_info(): the subjective ids, now the override's. */
	EXPECT_TRUE(rec_is_u(REC(0), "euid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "ppid", (unsigned long)getpid()));
	EXPECT_TRUE(rec_field(REC(0), "comm", v, sizeof(v)) != NULL);
	EXPECT_TRUE(rec_field(REC(0), "exe", v, sizeof(v)) != NULL);
	EXPECT_TRUE(rec_is_u(REC(0), "err", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "res", 1));
	/* 2: replaced: old is the first override. */
	EXPECT_TRUE(rec_is(REC(1), "op", "override"));
	EXPECT_TRUE(rec_is_u(REC(1), "old_euid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(1), "old_ngroups", 2));
	EXPECT_TRUE(rec_is_u(REC(1), "new_uid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(1), "new_ngroups", 1));
	EXPECT_TRUE(rec_is_u(REC(1), "res", 1));
	/* 3: the gate's refusal of setuid(2). */
	EXPECT_TRUE(rec_is(REC(2), "op", "refused"));
	EXPECT_TRUE(rec_is(REC(2), "site", "setuid"));
	EXPECT_TRUE(rec_is_u(REC(2), "syscall", __NR_setuid));
	EXPECT_TRUE(rec_is_u(REC(2), "old_euid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(2), "err", EBUSY));
	EXPECT_TRUE(rec_is_u(REC(2), "res", 0));
	/* 4: the revert, back to the own ids. */
	EXPECT_TRUE(rec_is(REC(3), "op", "revert"));
	EXPECT_TRUE(rec_is(REC(3), "why", "revert"));
	EXPECT_TRUE(rec_is_u(REC(3), "old_euid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(3), "new_euid", 0));
	EXPECT_TRUE(rec_is_u(REC(3), "euid", 0));
	EXPECT_TRUE(rec_is_u(REC(3), "res", 1));
	/* 5: refused for want of CAP_SETUID. */
	EXPECT_TRUE(rec_is(REC(4), "op", "override"));
	EXPECT_TRUE(rec_is(REC(4), "lookup", "none"));
	EXPECT_TRUE(rec_is_u(REC(4), "new_uid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(4), "err", EPERM));
	EXPECT_TRUE(rec_is_u(REC(4), "res", 0));
	/*
	 * Each in its syscall's event: a record written inside a syscall makes
	 * the kernel write that syscall's SYSCALL record too (auditsc's
	 * stamp), also for the setuid no rule selects.
	 */
	for (i = 0; i < 5; i++) {
		unsigned long serial = rec_serial(REC(i));

		EXPECT_NE(0ul, serial);
		EXPECT_TRUE(has_syscall_record(self->a, serial,
					       i == 2 ? __NR_setuid : __NR_ioctl)) {
			TH_LOG("no SYSCALL record of serial %lu", serial);
		}
	}
#undef REC

	/* Rule gone: nothing again. */
	audit_child_after_rule(_metadata, self, audited_child, none1);
}

/* Handles: mint, assume, revert, revoke and two refusals, only with the rule. */
TEST_F(audit, handle_records)
{
	int idx[16], n, i;
	pid_t none1;
	char v[64], id[32];

	REQUIRE_ROOT();

	none1 = audit_child_without_rule(_metadata, self, audited_handle_child);
	n = audit_child_with_rule(_metadata, self, audited_handle_child, idx, 16);
	ASSERT_EQ(6, n) {
		for (i = 0; i < self->a->n; i++)
			if (self->a->rec[i].type == AUDIT_KERNEL_OTHER)
				TH_LOG("record: %s", self->a->rec[i].text);
	}
	for (i = 0; i < n; i++)
		TH_LOG("credo record %d: %s", i, self->a->rec[idx[i]].text);

#define REC(k) (self->a->rec[idx[k]].text)
	/* 1: the mint: old is the minter's own, new the handle's identity. */
	EXPECT_TRUE(rec_is(REC(0), "op", "mint"));
	ASSERT_NE(NULL, rec_field(REC(0), "handle", id, sizeof(id)));
	EXPECT_STRNE("0", id);
	EXPECT_EQ(NULL, rec_field(REC(0), "lookup", v, sizeof(v)));
	EXPECT_TRUE(rec_is_u(REC(0), "old_uid", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "old_euid", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "old_fsgid", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "new_uid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_euid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_suid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_fsuid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(0), "new_gid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(0), "new_egid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(0), "new_sgid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(0), "new_fsgid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(0), "new_ngroups", 2));
	EXPECT_TRUE(rec_is_u(REC(0), "euid", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "ppid", (unsigned long)getpid()));
	EXPECT_TRUE(rec_is_u(REC(0), "err", 0));
	EXPECT_TRUE(rec_is_u(REC(0), "res", 1));
	/* 2: the assume, with the handle's id. */
	EXPECT_TRUE(rec_is(REC(1), "op", "assume"));
	EXPECT_TRUE(rec_is(REC(1), "handle", id));
	EXPECT_TRUE(rec_field(REC(1), "lookup", v, sizeof(v)) &&
		    (!strcmp(v, "hit") || !strcmp(v, "miss")));
	EXPECT_TRUE(rec_is_u(REC(1), "old_uid", 0));
	EXPECT_TRUE(rec_is_u(REC(1), "old_euid", 0));
	EXPECT_TRUE(rec_is_u(REC(1), "new_uid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(1), "new_fsuid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(1), "new_gid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(1), "new_fsgid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(1), "new_ngroups", 2));
	EXPECT_TRUE(rec_is_u(REC(1), "euid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(1), "egid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(1), "err", 0));
	EXPECT_TRUE(rec_is_u(REC(1), "res", 1));
	/* 3: the revert through the handle: a revert of the thread (handle=0). */
	EXPECT_TRUE(rec_is(REC(2), "op", "revert"));
	EXPECT_TRUE(rec_is(REC(2), "why", "revert"));
	EXPECT_TRUE(rec_is_u(REC(2), "handle", 0));
	EXPECT_TRUE(rec_is_u(REC(2), "old_euid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(2), "old_egid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(2), "old_ngroups", 2));
	EXPECT_TRUE(rec_is_u(REC(2), "new_euid", 0));
	EXPECT_TRUE(rec_is_u(REC(2), "new_egid", 0));
	EXPECT_TRUE(rec_is_u(REC(2), "euid", 0));
	EXPECT_TRUE(rec_is_u(REC(2), "res", 1));
	/* 4: the revoke, judged on the own credentials. */
	EXPECT_TRUE(rec_is(REC(3), "op", "revoke"));
	EXPECT_TRUE(rec_is(REC(3), "handle", id));
	EXPECT_TRUE(rec_is_u(REC(3), "old_uid", 0));
	EXPECT_TRUE(rec_is_u(REC(3), "new_uid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(3), "new_gid", OBS_UID2));
	EXPECT_TRUE(rec_is_u(REC(3), "new_ngroups", 2));
	EXPECT_TRUE(rec_is_u(REC(3), "err", 0));
	EXPECT_TRUE(rec_is_u(REC(3), "res", 1));
	/* 5: the assume of the revoked handle, refused before the table. */
	EXPECT_TRUE(rec_is(REC(4), "op", "assume"));
	EXPECT_TRUE(rec_is(REC(4), "handle", id));
	EXPECT_TRUE(rec_is(REC(4), "lookup", "none"));
	EXPECT_TRUE(rec_is_u(REC(4), "old_euid", 0));
	EXPECT_TRUE(rec_is_u(REC(4), "new_uid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(4), "euid", 0));
	EXPECT_TRUE(rec_is_u(REC(4), "err", EKEYREVOKED));
	EXPECT_TRUE(rec_is_u(REC(4), "res", 0));
	/* 6: the revoke without CAP_SETUID. */
	EXPECT_TRUE(rec_is(REC(5), "op", "revoke"));
	EXPECT_TRUE(rec_is(REC(5), "handle", id));
	EXPECT_TRUE(rec_is_u(REC(5), "old_uid", 0));
	EXPECT_TRUE(rec_is_u(REC(5), "new_uid", OBS_UID));
	EXPECT_TRUE(rec_is_u(REC(5), "err", EPERM));
	EXPECT_TRUE(rec_is_u(REC(5), "res", 0));
	for (i = 0; i < n; i++) {
		unsigned long serial = rec_serial(REC(i));

		EXPECT_NE(0ul, serial);
		EXPECT_TRUE(has_syscall_record(self->a, serial, __NR_ioctl)) {
			TH_LOG("no SYSCALL record of serial %lu", serial);
		}
	}
#undef REC

	audit_child_after_rule(_metadata, self, audited_handle_child, none1);
}

/* ---- tracepoints through tracefs ------------------------------------------- */

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* The whole file into a malloc'ed string, or NULL. */
static char *slurp(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

static const char *tracefs_root(void)
{
	if (!access("/sys/kernel/tracing/trace", F_OK))
		return "/sys/kernel/tracing";
	if (!mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return "/sys/kernel/tracing";
	if (!access("/sys/kernel/debug/tracing/trace", F_OK))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

/* The first line of @trace with event @ev and all of @want ("k=v" words). */
static const char *trace_line(const char *trace, const char *ev,
			      const char *const *want, char *line, size_t len)
{
	const char *p = trace;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		unsigned int i;
		bool ok;

		if (n >= len)
			n = len - 1;
		memcpy(line, p, n);
		line[n] = 0;
		p = e ? e + 1 : NULL;
		if (line[0] == '#' || !strstr(line, ev))
			continue;
		ok = true;
		for (i = 0; want[i] && ok; i++) {
			char w[128];
			const char *q;

			snprintf(w, sizeof(w), " %s", want[i]);
			q = strstr(line, w);
			ok = q && (q[strlen(w)] == ' ' || !q[strlen(w)]);
		}
		if (ok)
			return line;
	}
	return NULL;
}

struct traced {
	__u32 uid;
	pid_t tid;
	int err[4];
};

static void *traced_thread(void *arg)
{
	struct traced *t = arg;
	__u32 g[] = { 7, 8, 9 };

	t->tid = raw_gettid();
	t->err[0] = credo_override_as(t->uid, t->uid, g, 3);
	t->err[1] = syscall(SYS_setuid, 0) == -1 ? -errno : 0;
	t->err[2] = credo_revert(dev_fd);
	/* A second identity, so that two unused entries exist for the bound. */
	t->err[3] = credo_override_as(t->uid + 1, t->uid + 1, g, 3) ?:
		    credo_revert(dev_fd);
	return NULL;
}

TEST(tracepoints)
{
	char inst[256], path[512], line[1024], want_s[8][64], old_max[32] = "";
	const char *root, *want[9];
	struct traced t = { 0 };
	pthread_t th;
	char *trace, *fmt;
	unsigned int i;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	root = tracefs_root();
	ASSERT_NE(NULL, root) TH_LOG("no tracefs (CONFIG_TRACING)");
	snprintf(inst, sizeof(inst), "%s/instances/credo_observe_%d", root, getpid());
	ASSERT_EQ(0, mkdir(inst, 0700)) TH_LOG("mkdir %s: %s", inst, strerror(errno));
	snprintf(path, sizeof(path), "%s/events/credo/credo_override/format", inst);
	fmt = slurp(path);
	ASSERT_NE(NULL, fmt) TH_LOG("%s: %s (module tracepoints missing?)", path,
				    strerror(errno));
	EXPECT_NE(NULL, strstr(fmt, "field:u32 new_euid;"));
	EXPECT_NE(NULL, strstr(fmt, "field:int lookup;"));
	free(fmt);
	snprintf(path, sizeof(path), "%s/events/credo/enable", inst);
	ASSERT_EQ(0, write_file(path, "1"));

	/* An identity no other test uses: the first lookup is a miss. */
	t.uid = 200000 + (__u32)getpid() % 100000 * 2;
	ASSERT_EQ(0, pthread_create(&th, NULL, traced_thread, &t));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, t.err[0]);
	EXPECT_EQ(-EBUSY, t.err[1]);
	EXPECT_EQ(0, t.err[2]);
	EXPECT_EQ(0, t.err[3]);
	/* Bound 1: all but one unused entry go ("unused"), one of ours at least. */
	credo_read_text(CREDO_PARAMS "/max_entries", old_max, sizeof(old_max));
	EXPECT_EQ(0, write_file(CREDO_PARAMS "/max_entries", "1"));
	if (old_max[0])
		EXPECT_EQ(0, write_file(CREDO_PARAMS "/max_entries", old_max));
	EXPECT_EQ(0, write_file(path, "0"));

	snprintf(path, sizeof(path), "%s/trace", inst);
	trace = slurp(path);
	ASSERT_NE(NULL, trace);
#define W(i, ...) snprintf(want_s[i], sizeof(want_s[i]), __VA_ARGS__)
	W(0, "pid=%d", getpid());
	W(1, "tid=%d", t.tid);
	W(2, "new_uid=%u", t.uid);
	W(3, "new_euid=%u", t.uid);
	W(4, "new_fsgid=%u", t.uid);
	for (i = 0; i < 5; i++)
		want[i] = want_s[i];
	want[5] = "old_euid=0";
	want[6] = "ngroups=3";
	want[7] = "lookup=miss";
	want[8] = NULL;
	EXPECT_NE(NULL, trace_line(trace, "credo_override:", want, line, sizeof(line)));
	want[7] = "err=0";
	EXPECT_NE(NULL, trace_line(trace, "credo_override:", want, line, sizeof(line)));

	want[2] = "site=setuid";
	W(3, "syscall=%d", __NR_setuid);
	want[3] = want_s[3];
	want[4] = "err=-16";
	want[5] = NULL;
	EXPECT_NE(NULL, trace_line(trace, "credo_refused:", want, line, sizeof(line)));

	W(2, "old_euid=%u", t.uid);
	want[2] = want_s[2];
	want[3] = "new_euid=0";
	want[4] = "why=revert";
	want[5] = NULL;
	EXPECT_NE(NULL, trace_line(trace, "credo_revert:", want, line, sizeof(line)));

	W(0, "uid=%u", t.uid);
	want[0] = want_s[0];
	want[1] = "ngroups=3";
	want[2] = "why=insert";
	want[3] = NULL;
	EXPECT_NE(NULL, trace_line(trace, "credo_table_insert:", want, line, sizeof(line)));
	want[2] = "why=unused";
	if (!trace_line(trace, "credo_table_evict:", want, line, sizeof(line))) {
		W(0, "uid=%u", t.uid + 1);
		EXPECT_NE(NULL, trace_line(trace, "credo_table_evict:", want, line,
					   sizeof(line))) {
			TH_LOG("no eviction of uid %u or %u in:\n%s", t.uid, t.uid + 1,
			       trace);
		}
	}
#undef W
	if (!_metadata->passed)
		TH_LOG("trace:\n%s", trace);
	free(trace);
	rmdir(inst);
}

/* Splits @words ("k=v k=v ...", modified) into @want, NULL-terminated. */
static void trace_words(char *words, const char **want, int max)
{
	char *save = NULL, *w;
	int n = 0;

	for (w = strtok_r(words, " ", &save); w && n < max - 1;
	     w = strtok_r(NULL, " ", &save))
		want[n++] = w;
	want[n] = NULL;
}

/*
 * Lines of @trace with event @ev and every "k=v" of the printf-formatted
 * word list; the first into @line (if any).
 */
static int __attribute__((format(printf, 5, 6)))
trace_find(const char *trace, const char *ev, char *line, size_t len,
	   const char *fmt, ...)
{
	char words[1024], one[1024];
	const char *want[32], *p = trace;
	va_list ap;
	int n = 0;

	va_start(ap, fmt);
	vsnprintf(words, sizeof(words), fmt, ap);
	va_end(ap);
	trace_words(words, want, 32);
	line[0] = 0;
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char *dup = strndup(p, l);

		if (dup && trace_line(dup, ev, want, one, sizeof(one))) {
			if (!n++)
				snprintf(line, len, "%s", one);
		}
		free(dup);
		p = e ? e + 1 : NULL;
	}
	return n;
}

/* The number after " handle=" in @line, 0 if none. */
static unsigned long long trace_handle_id(const char *line)
{
	const char *p = strstr(line, " handle=");

	return p ? strtoull(p + 8, NULL, 10) : 0;
}

struct h_traced {
	int h;
	pid_t tid;
	int err[3];
	long hits[3], misses[3];
};

/*
 * Assumes the handle twice and reverts through it; the table's counters
 * around each assume (read while overridden: they are world-readable).
 */
static void *h_traced_thread(void *arg)
{
	struct h_traced *t = arg;

	t->tid = raw_gettid();
	t->hits[0] = counter("hits");
	t->misses[0] = counter("misses");
	/* The first assume from this base asks the table: a miss (a new identity). */
	t->err[0] = credo_ioctl(t->h, CREDO_IOC_ASSUME, NULL);
	t->hits[1] = counter("hits");
	t->misses[1] = counter("misses");
	/* Again, over that override: the handle's remembered pair, a hit. */
	t->err[1] = credo_ioctl(t->h, CREDO_IOC_ASSUME, NULL);
	t->hits[2] = counter("hits");
	t->misses[2] = counter("misses");
	t->err[2] = credo_revert(t->h);
	return NULL;
}

/* A child without CAP_SETUID revokes: EPERM.  Exit status 0 or the step. */
static int refused_revoke(int h)
{
	struct caps3 caps = { 0 };

	if (raw_capget(0, &caps))
		return 10;
	caps.eff &= ~CAPB(CAP_SETUID);
	if (raw_capset(&caps))
		return 11;
	return credo_ioctl(h, CREDO_IOC_REVOKE, NULL) == -EPERM ? 0 : 12;
}

/*
 * credo_handle (mint, a refused revoke, the revoke) and credo_assume (a
 * table miss, a hit of the remembered pair, EKEYREVOKED once revoked).
 */
TEST(tracepoints_handles)
{
	char inst[256], path[512], line[1024];
	struct h_traced t = { .h = -1 };
	const char *root;
	__u32 uid, gid, g[] = { 11, 12 };
	unsigned long long id = 0;
	struct credo_cred c;
	pid_t child;
	int status, revoked_err, revoke_err;
	char *trace;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	root = tracefs_root();
	ASSERT_NE(NULL, root) TH_LOG("no tracefs (CONFIG_TRACING)");
	snprintf(inst, sizeof(inst), "%s/instances/credo_observe_h%d", root, getpid());
	ASSERT_EQ(0, mkdir(inst, 0700)) TH_LOG("mkdir %s: %s", inst, strerror(errno));
	snprintf(path, sizeof(path), "%s/events/credo/enable", inst);
	ASSERT_EQ(0, write_file(path, "1"));

	/* An identity no other test uses: the first assume is a table miss. */
	uid = 600000 + (__u32)getpid() % 100000 * 2;
	gid = uid + 1;
	credo_cred_init(&c, uid, gid, g, 2);
	t.h = ioctl(dev_fd, CREDO_IOC_HANDLE, &c);
	ASSERT_LE(0, t.h) TH_LOG("CREDO_IOC_HANDLE: %s", strerror(errno));
	child = fork();
	if (!child)
		_exit(refused_revoke(t.h));
	ASSERT_LT(0, child);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("refused revoke: status 0x%x", status);
	/* Not revoked by that: the thread's assumes succeed. */
	ASSERT_EQ(0, run_in_thread(h_traced_thread, &t));
	EXPECT_EQ(0, t.err[0]);
	EXPECT_EQ(0, t.err[1]);
	EXPECT_EQ(0, t.err[2]);
	EXPECT_EQ(t.misses[0] + 1, t.misses[1]);
	EXPECT_EQ(t.hits[0], t.hits[1]);
	EXPECT_EQ(t.misses[1], t.misses[2]) TH_LOG("the repeat assume asked the table");
	EXPECT_EQ(t.hits[1], t.hits[2]) TH_LOG("the repeat assume asked the table");
	revoke_err = credo_ioctl(t.h, CREDO_IOC_REVOKE, NULL);
	EXPECT_EQ(0, revoke_err);
	revoked_err = credo_ioctl(t.h, CREDO_IOC_ASSUME, NULL);
	EXPECT_EQ(-EKEYREVOKED, revoked_err);
	close(t.h);
	EXPECT_EQ(0, write_file(path, "0"));

	snprintf(path, sizeof(path), "%s/trace", inst);
	trace = slurp(path);
	ASSERT_NE(NULL, trace);
/* Each once, with the handle's identity (ngroups 2). */
#define IDS "new_uid=%u new_euid=%u new_gid=%u new_egid=%u new_fsuid=%u new_fsgid=%u ngroups=2"
#define IDV uid, uid, gid, gid, uid, gid
	/* The first assume: from the own ids, a table miss; its handle= is the id. */
	EXPECT_EQ(1, trace_find(trace, "credo_assume:", line, sizeof(line),
				"pid=%d tid=%d old_euid=0 old_egid=0 old_fsuid=0 " IDS
				" lookup=miss err=0", getpid(), t.tid, IDV));
	id = trace_handle_id(line);
	EXPECT_NE(0ull, id) TH_LOG("no assume with lookup=miss, or no handle id");
	/* The repeat: over the first override, served from the remembered pair. */
	EXPECT_EQ(1, trace_find(trace, "credo_assume:", line, sizeof(line),
				"pid=%d tid=%d old_euid=%u old_egid=%u old_fsuid=%u " IDS
				" lookup=hit handle=%llu err=0", getpid(), t.tid, uid,
				gid, uid, IDV, id));
	EXPECT_EQ(2, trace_find(trace, "credo_assume:", line, sizeof(line),
				"tid=%d", t.tid));
	/* The revert through the handle. */
	EXPECT_EQ(1, trace_find(trace, "credo_revert:", line, sizeof(line),
				"tid=%d old_euid=%u old_egid=%u old_fsuid=%u new_euid=0 new_egid=0 new_fsuid=0 why=revert",
				t.tid, uid, gid, uid));
	/* The revoked handle, from the main thread: refused before the table. */
	EXPECT_EQ(1, trace_find(trace, "credo_assume:", line, sizeof(line),
				"pid=%d tid=%d old_euid=0 " IDS " lookup=none handle=%llu err=%d",
				getpid(), getpid(), IDV, id, -EKEYREVOKED));
#undef IDS
#undef IDV
	/* The mint (the id the assumes report), the refused revoke, the revoke. */
#define IDS "uid=%u euid=%u gid=%u egid=%u fsuid=%u ngroups=2"
#define IDV uid, uid, gid, gid, uid
	EXPECT_EQ(1, trace_find(trace, "credo_handle:", line, sizeof(line),
				"pid=%d tid=%d op=mint handle=%llu " IDS " err=0",
				getpid(), getpid(), id, IDV));
	EXPECT_EQ(1, trace_find(trace, "credo_handle:", line, sizeof(line),
				"pid=%d tid=%d op=revoke handle=%llu " IDS " err=%d",
				child, child, id, IDV, -EPERM));
	EXPECT_EQ(1, trace_find(trace, "credo_handle:", line, sizeof(line),
				"pid=%d tid=%d op=revoke handle=%llu " IDS " err=0",
				getpid(), getpid(), id, IDV));
	EXPECT_EQ(3, trace_find(trace, "credo_handle:", line, sizeof(line),
				"handle=%llu", id));
#undef IDS
#undef IDV
	/* The miss built an entry. */
	EXPECT_EQ(1, trace_find(trace, "credo_table_insert:", line, sizeof(line),
				"uid=%u euid=%u fsuid=%u gid=%u egid=%u fsgid=%u ngroups=2 why=insert",
				uid, uid, uid, gid, gid, gid));
	if (!_metadata->passed)
		TH_LOG("trace:\n%s", trace);
	free(trace);
	rmdir(inst);
}

/* ---- the listing of live overrides ------------------------------------------ */

#define OBS_LISTING	"/sys/kernel/debug/credo/overrides"
#define OBS_THREADS	3

struct listed {
	int i;
	pid_t tid;
	int err;
	sem_t *ready, *done;
};

static void *listed_thread(void *arg)
{
	struct listed *l = arg;
	__u32 g[] = { 100, (__u32)(1000 + l->i) };
	char name[16];

	l->tid = raw_gettid();
	snprintf(name, sizeof(name), "obs list %d", l->i);
	prctl(PR_SET_NAME, name);
	l->err = credo_override_as(70000 + l->i, 71000 + l->i, g, 2);
	sem_post(l->ready);
	sem_wait(l->done);
	if (!l->err)
		l->err = credo_revert(dev_fd);
	return NULL;
}

/*
 * Runs the CLI's "credo ps" (the guest has it at /tests/credo) into @out;
 * its exit status, or -1 where the CLI is not there (then it is not tested).
 */
static int run_ps(char *out, size_t len)
{
	size_t n = 0, r;
	FILE *f;
	int st;

	out[0] = 0;
	if (access("/tests/credo", X_OK))
		return -1;
	f = popen("/tests/credo ps", "r");
	if (!f)
		return -2;
	while (n < len - 1 && (r = fread(out + n, 1, len - 1 - n, f)) > 0)
		n += r;
	out[n] = 0;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -3;
}

/* Lines of the listing with our pid. */
static int listing_ours(const char *listing, char lines[][512], int max)
{
	const char *p = listing;
	char pid[32];
	int n = 0;

	snprintf(pid, sizeof(pid), "pid=%d ", getpid());
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (!strncmp(p, pid, strlen(pid))) {
			if (n < max) {
				if (len >= 512)
					len = 511;
				memcpy(lines[n], p, len);
				lines[n][len] = 0;
			}
			n++;
		}
		p = e ? e + 1 : NULL;
	}
	return n;
}

TEST(listing)
{
	struct listed l[OBS_THREADS];
	pthread_t th[OBS_THREADS];
	sem_t ready, done;
	char lines[8][512], want[256], ps_out[4096], *listing;
	time_t t0 = time(NULL);
	int i, j, n, ps;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	if (access(OBS_LISTING, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	ASSERT_EQ(0, access(OBS_LISTING, R_OK)) TH_LOG("%s: %s", OBS_LISTING,
						      strerror(errno));
	listing = slurp(OBS_LISTING);
	ASSERT_NE(NULL, listing);
	EXPECT_EQ(0, listing_ours(listing, lines, 8));
	free(listing);

	sem_init(&ready, 0, 0);
	sem_init(&done, 0, 0);
	for (i = 0; i < OBS_THREADS; i++) {
		l[i] = (struct listed){ .i = i, .ready = &ready, .done = &done };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, listed_thread, &l[i]));
	}
	for (i = 0; i < OBS_THREADS; i++)
		sem_wait(&ready);
	listing = slurp(OBS_LISTING);
	ps = run_ps(ps_out, sizeof(ps_out));
	for (i = 0; i < OBS_THREADS; i++)
		sem_post(&done);
	for (i = 0; i < OBS_THREADS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, l[i].err);
	}
	ASSERT_NE(NULL, listing);
	n = listing_ours(listing, lines, 8);
	EXPECT_EQ(OBS_THREADS, n) TH_LOG("listing:\n%s", listing);
	for (i = 0; i < OBS_THREADS && i < n; i++) {
		char comm[64];
		double since;
		const char *s;

		snprintf(want, sizeof(want), " tid=%d ", l[i].tid);
		for (j = 0; j < n; j++)
			if (strstr(lines[j], want))
				break;
		ASSERT_LT(j, n) TH_LOG("no line for tid %d in:\n%s", l[i].tid, listing);
		TH_LOG("%s", lines[j]);
		snprintf(comm, sizeof(comm), " comm=obs\\040list\\040%d ", i);
		EXPECT_NE(NULL, strstr(lines[j], comm));
		EXPECT_NE(NULL, strstr(lines[j], " own_uid=0 "));
		snprintf(want, sizeof(want), " uid=%d euid=%d fsuid=%d gid=%d egid=%d fsgid=%d ngroups=2 groups=100,%d ",
			 70000 + i, 70000 + i, 70000 + i, 71000 + i, 71000 + i, 71000 + i,
			 1000 + i);
		EXPECT_NE(NULL, strstr(lines[j], want)) TH_LOG("want '%s'", want);
		s = strstr(lines[j], " since=");
		ASSERT_NE(NULL, s);
		since = strtod(s + 7, NULL);
		EXPECT_LE((double)t0 - 1, since);
		EXPECT_GE((double)time(NULL) + 1, since);
	}
	free(listing);

	/* credo ps, from the main thread (not overridden), saw the same threads. */
	if (ps >= 0) {
		for (i = 0; i < OBS_THREADS; i++) {
			snprintf(want, sizeof(want), "%-7d %-7d obs list %d", getpid(),
				 l[i].tid, i);
			EXPECT_NE(NULL, strstr(ps_out, want)) TH_LOG("credo ps:\n%s", ps_out);
			snprintf(want, sizeof(want), " 100,%d\n", 1000 + i);
			EXPECT_NE(NULL, strstr(ps_out, want)) TH_LOG("credo ps:\n%s", ps_out);
		}
		EXPECT_EQ(0, ps);
	}

	/* Reverted: gone. */
	listing = slurp(OBS_LISTING);
	ASSERT_NE(NULL, listing);
	EXPECT_EQ(0, listing_ours(listing, lines, 8)) TH_LOG("listing:\n%s", listing);
	free(listing);
}

struct listed_h {
	int h;
	pid_t tid;
	int err;
	sem_t ready, done;
};

static void *listed_handle_thread(void *arg)
{
	struct listed_h *l = arg;

	l->tid = raw_gettid();
	prctl(PR_SET_NAME, "obs handle");
	l->err = credo_ioctl(l->h, CREDO_IOC_ASSUME, NULL);
	sem_post(&l->ready);
	sem_wait(&l->done);
	if (!l->err)
		l->err = credo_revert(l->h);
	return NULL;
}

/* A thread that assumed a handle is listed (and by credo ps) as an override is. */
TEST(listing_handle)
{
	char lines[8][512], want[256], ps_out[4096], *listing;
	__u32 g[] = { 100, 2000 };
	struct listed_h l = { .h = -1 };
	struct credo_cred c;
	pthread_t th;
	int n, ps;

	REQUIRE_ROOT();
	REQUIRE_CREDO();
	if (access(OBS_LISTING, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	ASSERT_EQ(0, access(OBS_LISTING, R_OK)) TH_LOG("%s: %s", OBS_LISTING,
						      strerror(errno));
	credo_cred_init(&c, 72000, 73000, g, 2);
	l.h = ioctl(dev_fd, CREDO_IOC_HANDLE, &c);
	ASSERT_LE(0, l.h) TH_LOG("CREDO_IOC_HANDLE: %s", strerror(errno));
	/* A handle alone (nobody assumed it) is no override. */
	listing = slurp(OBS_LISTING);
	ASSERT_NE(NULL, listing);
	EXPECT_EQ(0, listing_ours(listing, lines, 8)) TH_LOG("listing:\n%s", listing);
	free(listing);

	sem_init(&l.ready, 0, 0);
	sem_init(&l.done, 0, 0);
	ASSERT_EQ(0, pthread_create(&th, NULL, listed_handle_thread, &l));
	sem_wait(&l.ready);
	listing = slurp(OBS_LISTING);
	ps = l.err ? -1 : run_ps(ps_out, sizeof(ps_out));
	sem_post(&l.done);
	pthread_join(th, NULL);
	EXPECT_EQ(0, l.err);
	ASSERT_NE(NULL, listing);
	n = listing_ours(listing, lines, 8);
	EXPECT_EQ(1, n) TH_LOG("listing:\n%s", listing);
	if (n == 1) {
		TH_LOG("%s", lines[0]);
		snprintf(want, sizeof(want), " tid=%d comm=obs\\040handle own_uid=0 uid=72000 euid=72000 fsuid=72000 gid=73000 egid=73000 fsgid=73000 ngroups=2 groups=100,2000 since=",
			 l.tid);
		EXPECT_NE(NULL, strstr(lines[0], want)) TH_LOG("want '%s'", want);
	}
	free(listing);
	if (ps >= 0) {
		snprintf(want, sizeof(want), "%-7d %-7d obs handle ", getpid(), l.tid);
		EXPECT_NE(NULL, strstr(ps_out, want)) TH_LOG("credo ps:\n%s", ps_out);
		EXPECT_NE(NULL, strstr(ps_out, " 72000 ")) TH_LOG("credo ps:\n%s", ps_out);
		EXPECT_NE(NULL, strstr(ps_out, " 100,2000\n")) TH_LOG("credo ps:\n%s", ps_out);
		EXPECT_EQ(0, ps);
	}
	close(l.h);

	/* Reverted: gone. */
	listing = slurp(OBS_LISTING);
	ASSERT_NE(NULL, listing);
	EXPECT_EQ(0, listing_ours(listing, lines, 8)) TH_LOG("listing:\n%s", listing);
	free(listing);
}

/* credo audit-rules prints loadable rules for the switching ioctls. */
TEST(cli_audit_rules)
{
	char out[8192], want[128];
	size_t n = 0, r;
	FILE *f;

	if (access("/tests/credo", X_OK))
		SKIP(return, "no /tests/credo (the CLI) here");
	f = popen("/tests/credo audit-rules", "r");
	ASSERT_NE(NULL, f);
	while (n < sizeof(out) - 1 && (r = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += r;
	out[n] = 0;
	EXPECT_EQ(0, pclose(f));
	snprintf(want, sizeof(want), "\n-a always,exit -F arch=b64 -S ioctl -F a1=0x%lx -F key=credo\n",
		 (unsigned long)CREDO_IOC_OVERRIDE);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "\n-a always,exit -F arch=b32 -S ioctl -F a1=0x%lx -F key=credo\n",
		 (unsigned long)CREDO_IOC_REVERT);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
}

/* Without root the listing cannot be read (debugfs and the file are root's). */
TEST(listing_is_roots)
{
	int fd;

	if (credo_start_euid == 0)
		SKIP(return, "runs as a user other than root");
	fd = open(OBS_LISTING, O_RDONLY | O_CLOEXEC);
	EXPECT_GT(0, fd);
	if (fd >= 0)
		close(fd);
}

TEST_HARNESS_MAIN

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
 * which no rule selects; with the rule deleted none again.  A
 * configuration change of our own is the barrier: kauditd delivers records
 * in order, so once it arrives every earlier record has.
 *
 * tracepoints: enabled in a tracefs instance of our own, read back from its
 * trace file: override, refused, revert, table insert and evict.
 *
 * listing: /sys/kernel/debug/credo/overrides names exactly the threads
 * overridden, with their ids, groups and time, and none after revert.
 *
 * Everything needs root; as another user each test SKIPs.
 */
#include "credo_test.h"
#include "credo_harness.h"
#include <poll.h>
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

static pid_t run_audited_child(struct __test_metadata *_metadata)
{
	pid_t pid = fork();
	int status;

	if (!pid)
		_exit(audited_child());
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

/* Records only while a rule makes the syscall's audit context live. */
TEST_F(audit, records_only_with_a_rule)
{
	int idx[16], n, i, r;
	pid_t none1, with, none2;
	char v[64];

	REQUIRE_ROOT();

	/* No rule: the child's syscalls run with a dummy context. */
	none1 = run_audited_child(_metadata);
	audit_barrier(_metadata, self->a);
	EXPECT_EQ(0, credo_records(self->a, none1, idx, 16));

	r = nl_call(self->a, AUDIT_ADD_RULE, self->rule, self->rule_len, NULL);
	ASSERT_EQ(0, r) TH_LOG("AUDIT_ADD_RULE: %s", strerror(-r));
	self->rule_added = true;
	with = run_audited_child(_metadata);
	audit_barrier(_metadata, self->a);
	n = credo_records(self->a, with, idx, 16);
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
	r = nl_call(self->a, AUDIT_DEL_RULE, self->rule, self->rule_len, NULL);
	ASSERT_EQ(0, r) TH_LOG("AUDIT_DEL_RULE: %s", strerror(-r));
	self->rule_added = false;
	none2 = run_audited_child(_metadata);
	audit_barrier(_metadata, self->a);
	EXPECT_EQ(0, credo_records(self->a, none2, idx, 16));
	EXPECT_EQ(0, credo_records(self->a, none1, idx, 16));
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

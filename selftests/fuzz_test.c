// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz: random ioctls on /dev/credo and on credential handles from several threads: random
 * commands (credo's, with random size and direction bits, and anything else), random struct
 * sizes, flags, ids, group counts, capability sets, and pointers that are valid, NULL,
 * unmapped, partially mapped (the struct or the group array running into a PROT_NONE page) or
 * kernel addresses. Every call must return 0 or one of the documented errnos (api.md); a
 * CREDO_IOC_HANDLE that succeeds returns a new handle (anon_inode:[credo-handle]), which joins
 * the thread's small pool of handles; a quarter of the calls go to a handle of that pool
 * (ASSUME, REVERT, GET, HANDLE_GET, a rare REVOKE, or any other command, with the same random
 * arguments), where EKEYREVOKED is documented too. At the end no override is left, every
 * handle is closed, the module's reference count is back where it was and the module still
 * works.
 *
 * Bounded by count (FUZZ_CALLS in all, handle calls included) and time (FUZZ_SECONDS); the
 * count reached is logged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/credo.h>

#include "credo_harness.h"
#include "credo_test.h"

#define FUZZ_THREADS	4
#define FUZZ_CALLS	1000000L
#define FUZZ_SECONDS	15
#define BIG_GROUPS	65536
#define FUZZ_HANDLES	8	/* handles a thread keeps open */

static volatile int stop;

static char *page_pair;		/* one RW page, then one PROT_NONE page */
static long page_size;

struct fuzzer {
	pthread_t thread;
	unsigned int seed;
	long calls, ok;
	long by_errno[256];
	long handle_calls, minted, assumed, revoked;
	int handles[FUZZ_HANDLES], nhandles;
	int bad_errno;
	unsigned long bad_cmd;
	char bad_what[96];
	__u32 *groups;		/* BIG_GROUPS entries */
	unsigned char buf[8192] __attribute__((aligned(8)));
};

static unsigned int rnd(struct fuzzer *f)
{
	return (unsigned int)rand_r(&f->seed) << 16 ^ (unsigned int)rand_r(&f->seed);
}

static __u32 rnd_id(struct fuzzer *f)
{
	switch (rnd(f) % 6) {
	case 0: return 0;
	case 1: return 65534;
	case 2: return (__u32)-1;
	case 3: return rnd(f);
	default: return 1000 + rnd(f) % 64;	/* a few identities, so lookups hit */
	}
}

static __u64 rnd_caps(struct fuzzer *f)
{
	switch (rnd(f) % 4) {
	case 0: return 0;
	case 1: return 1ULL << (rnd(f) % 64);
	case 2: return ((__u64)rnd(f) << 32) | rnd(f);
	default: return (1ULL << 41) - 1;
	}
}

static unsigned long rnd_cmd(struct fuzzer *f)
{
	static const unsigned long known[] = {
		CREDO_IOC_OVERRIDE, CREDO_IOC_REVERT, CREDO_IOC_GET,
	};
	unsigned long cmd;

	switch (rnd(f) % 10) {
	case 0: case 1: case 2: case 3:
		return CREDO_IOC_OVERRIDE;
	case 4: case 5:
		return CREDO_IOC_GET;
	case 6:
		return CREDO_IOC_REVERT;
	case 7:	/* a known command with random size bits */
		cmd = known[rnd(f) % 3];
		return (cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		       ((unsigned long)(rnd(f) & _IOC_SIZEMASK) << _IOC_SIZESHIFT);
	case 8:	/* credo's type, any number and direction */
		return _IOC(rnd(f) % 4, CREDO_IOC_MAGIC, rnd(f) % 8, rnd(f) & _IOC_SIZEMASK);
	default:
		return rnd(f);
	}
}

/* A pointer for the struct or the group array; *room is how many bytes are readable. */
static void *rnd_ptr(struct fuzzer *f, void *valid, size_t valid_len, size_t *room)
{
	size_t off;

	switch (rnd(f) % 12) {
	case 0:
		*room = 0;
		return NULL;
	case 1:
		*room = 0;
		return page_pair + page_size;			/* PROT_NONE */
	case 2:
		*room = 0;
		return (void *)0xffffffff81000000UL;		/* kernel text */
	case 3:	/* somewhere in a 16 TiB hole nothing maps (never our own memory) */
		*room = 0;
		return (void *)(0x100000000000UL + ((uintptr_t)rnd(f) << 12) + rnd(f) % 4096);
	case 4: case 5:
		off = rnd(f) % 128;				/* runs into PROT_NONE */
		*room = off;
		return page_pair + page_size - off;
	default:
		*room = valid_len;
		return valid;
	}
}

static void fill_struct(struct fuzzer *f, unsigned char *p, size_t room)
{
	struct credo_cred c;
	size_t groups_room;
	__u32 n;

	memset(&c, 0, sizeof(c));
	switch (rnd(f) % 8) {
	case 0: c.size = rnd(f) % 200; break;
	case 1: c.size = rnd(f); break;
	case 2: c.size = CREDO_CRED_SIZE_VER0; break;
	case 3: c.size = 4096 + rnd(f) % 2; break;
	default: c.size = sizeof(c); break;
	}
	c.flags = rnd(f) % 4 ? (rnd(f) % 2 ? CREDO_CRED_CAPS : 0) : rnd(f);
	c.uid = rnd_id(f); c.euid = rnd(f) % 2 ? c.uid : rnd_id(f);
	c.suid = rnd(f) % 2 ? c.uid : rnd_id(f); c.fsuid = rnd(f) % 2 ? c.uid : rnd_id(f);
	c.gid = rnd_id(f); c.egid = rnd(f) % 2 ? c.gid : rnd_id(f);
	c.sgid = rnd(f) % 2 ? c.gid : rnd_id(f); c.fsgid = rnd(f) % 2 ? c.gid : rnd_id(f);
	c.reserved = rnd(f) % 16 ? 0 : rnd(f);
	switch (rnd(f) % 16) {
	case 0: n = BIG_GROUPS + rnd(f) % 3; break;	/* around NGROUPS_MAX */
	case 1: n = rnd(f); break;
	default: n = rnd(f) % 8; break;
	}
	/* A group array that could really be this big is rare: it lives in the table. */
	if (n > 64 && n <= BIG_GROUPS && rnd(f) % 4096)
		n = rnd(f) % 64;
	c.ngroups = n;
	for (n = 0; n < 8; n++)
		f->groups[n] = rnd_id(f);
	c.groups = (uintptr_t)rnd_ptr(f, f->groups, BIG_GROUPS * sizeof(__u32), &groups_room);
	c.cap_effective = rnd_caps(f);
	c.cap_permitted = rnd(f) % 2 ? c.cap_effective : rnd_caps(f);
	c.cap_inheritable = rnd(f) % 2 ? 0 : rnd_caps(f);
	c.cap_ambient = rnd(f) % 2 ? 0 : rnd_caps(f);
	memcpy(p, &c, room < sizeof(c) ? room : sizeof(c));
	/* Bytes beyond the struct: zero (accepted) or not (E2BIG) for a large size. */
	if (room > sizeof(c))
		memset(p + sizeof(c), rnd(f) % 4 ? 0 : 0xab, room - sizeof(c));
}

static int documented(int err, bool handle)
{
	switch (err) {
	case EINVAL: case EFAULT: case ENOTTY: case E2BIG: case EPERM: case ENOMEM:
		return 1;
	case EKEYREVOKED:	/* ASSUME of a revoked handle */
		return handle;
	}
	return 0;
}

static void bad(struct fuzzer *f, int err, unsigned long cmd, const char *what)
{
	if (f->bad_errno)
		return;
	f->bad_errno = err;
	f->bad_cmd = cmd;
	snprintf(f->bad_what, sizeof(f->bad_what), "%s", what);
}

/* A command for a handle: mostly its own five, sometimes another one. */
static unsigned long rnd_handle_cmd(struct fuzzer *f)
{
	switch (rnd(f) % 16) {
	case 0: case 1: case 2: case 3: case 4:
		return CREDO_IOC_ASSUME;
	case 5: case 6:
		return CREDO_IOC_REVERT;
	case 7:
		return CREDO_IOC_GET;
	case 8: case 9: case 10:
		return CREDO_IOC_HANDLE_GET;
	case 11:	/* rare, so that most handles stay assumable */
		return rnd(f) % 8 ? CREDO_IOC_ASSUME : CREDO_IOC_REVOKE;
	default:
		return rnd_cmd(f);
	}
}

/* A new descriptor from CREDO_IOC_HANDLE: it must be a handle; it joins the pool. */
static void keep_handle(struct fuzzer *f, int fd, unsigned long cmd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	if (strcmp(link, "anon_inode:[credo-handle]"))
		bad(f, EBADF, cmd, "a successful ioctl returned a descriptor that is no handle");
	if (_IOC_NR(cmd) != _IOC_NR(CREDO_IOC_HANDLE))
		bad(f, EBADF, cmd, "a command other than HANDLE returned a descriptor");
	f->minted++;
	if (f->nhandles < FUZZ_HANDLES) {
		f->handles[f->nhandles++] = fd;
		return;
	}
	n = rnd(f) % FUZZ_HANDLES;
	close(f->handles[n]);
	f->handles[n] = fd;
}

static void *fuzz_main(void *arg)
{
	struct fuzzer *f = arg;
	long budget = FUZZ_CALLS / FUZZ_THREADS;

	while (f->calls < budget && !stop) {
		bool on_handle = f->nhandles && rnd(f) % 4 == 0;
		unsigned long cmd;
		size_t room;
		void *p = rnd_ptr(f, f->buf, sizeof(f->buf), &room);
		int fd = dev_fd, rc;

		if (on_handle) {
			fd = f->handles[rnd(f) % f->nhandles];
			cmd = rnd_handle_cmd(f);
			f->handle_calls++;
		} else {
			/* A quarter of the device's calls mint; the rest as before. */
			cmd = rnd(f) % 4 ? rnd_cmd(f) : CREDO_IOC_HANDLE;
		}
		if (p == f->buf)
			fill_struct(f, f->buf, 4096 + 16);
		else if (room)
			fill_struct(f, p, room);
		rc = ioctl(fd, cmd, p);
		f->calls++;
		if (rc > 0) {
			f->ok++;
			if (on_handle)
				bad(f, EBADF, cmd, "a handle command returned a descriptor");
			keep_handle(f, rc, cmd);
			continue;
		}
		if (!rc) {
			f->ok++;
			if (on_handle && cmd == CREDO_IOC_ASSUME)
				f->assumed++;
			if (on_handle && cmd == CREDO_IOC_REVOKE)
				f->revoked++;
			continue;
		}
		f->by_errno[errno & 255]++;
		if (!documented(errno, on_handle))
			bad(f, errno, cmd, on_handle ? "on a handle" : "on /dev/credo");
	}
	ioctl(dev_fd, CREDO_IOC_REVERT);
	while (f->nhandles)
		close(f->handles[--f->nhandles]);
	return NULL;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, random_ioctls_give_documented_errnos, 300)
{
	static struct fuzzer f[FUZZ_THREADS];
	struct credo_cred c = { .size = sizeof(c) };
	long calls = 0, ok = 0, live0, ref0, by[256] = { 0 };
	long hcalls = 0, minted = 0, assumed = 0, revoked = 0;
	time_t end;
	int i, e, running, joined[FUZZ_THREADS] = { 0 };

	REQUIRE_CREDO();
	page_size = sysconf(_SC_PAGESIZE);
	page_pair = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page_pair);
	ASSERT_EQ(0, mprotect(page_pair + page_size, page_size, PROT_NONE));
	live0 = counter("live_overrides");
	ref0 = credo_module_refcnt();
	for (i = 0; i < FUZZ_THREADS; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].seed = 0xf022 + i;
		f[i].groups = calloc(BIG_GROUPS, sizeof(__u32));
		ASSERT_NE(NULL, f[i].groups);
		ASSERT_EQ(0, pthread_create(&f[i].thread, NULL, fuzz_main, &f[i]));
	}
	end = time(NULL) + FUZZ_SECONDS;
	do {
		sleep(1);
		running = 0;
		for (i = 0; i < FUZZ_THREADS; i++) {
			if (!joined[i])
				joined[i] = !pthread_tryjoin_np(f[i].thread, NULL);
			running += !joined[i];
		}
	} while (running && time(NULL) < end);
	stop = 1;
	for (i = 0; i < FUZZ_THREADS; i++) {
		if (!joined[i])
			pthread_join(f[i].thread, NULL);
		calls += f[i].calls;
		ok += f[i].ok;
		hcalls += f[i].handle_calls;
		minted += f[i].minted;
		assumed += f[i].assumed;
		revoked += f[i].revoked;
		for (e = 0; e < 256; e++)
			by[e] += f[i].by_errno[e];
		EXPECT_EQ(0, f[i].bad_errno) TH_LOG("thread %d: cmd 0x%lx %s gave errno %d (%s)", i,
						    f[i].bad_cmd, f[i].bad_what, f[i].bad_errno,
						    strerror(f[i].bad_errno));
		free(f[i].groups);
	}
	TH_LOG("%ld ioctls from %d threads in at most %d s: %ld ok, EINVAL %ld, EFAULT %ld, "
	       "ENOTTY %ld, E2BIG %ld, EPERM %ld, ENOMEM %ld", calls, FUZZ_THREADS, FUZZ_SECONDS,
	       ok, by[EINVAL], by[EFAULT], by[ENOTTY], by[E2BIG], by[EPERM], by[ENOMEM]);
	TH_LOG("handles: %ld minted, %ld calls on them, %ld assumes, %ld revokes, EKEYREVOKED %ld",
	       minted, hcalls, assumed, revoked, by[EKEYREVOKED]);
	EXPECT_LT(10000, calls);
	EXPECT_LT(0, ok);
	EXPECT_LT(0, minted);
	EXPECT_LT(0, assumed);
	EXPECT_EQ(0, credo_wait_live(live0));
	EXPECT_EQ(live0, counter("live_overrides"));
	/* Every handle is closed: each held one module reference. */
	EXPECT_EQ(ref0, credo_module_refcnt_settled(ref0));
	/* The module still answers. */
	EXPECT_EQ(0, ioctl(dev_fd, CREDO_IOC_GET, &c));
	EXPECT_EQ(0U, c.flags & CREDO_CRED_OVERRIDDEN);
	EXPECT_EQ(0U, c.euid);
	munmap(page_pair, 2 * page_size);
}

TEST_HARNESS_MAIN

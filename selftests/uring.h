/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A raw io_uring ring (io_uring_setup/io_uring_enter, no liburing), shared by the tests
 * that submit requests while overridden: semantics_test, escape_test, sequence_test.
 * Only what they need: openat requests, one at a time.
 */
#ifndef CREDO_URING_H
#define CREDO_URING_H

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/io_uring.h>

struct credo_ring {
	int fd, sqpoll;
	unsigned int *sq_tail, *sq_mask, *sq_array, *sq_flags;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/*
 * io_uring_setup with @entries entries, @flags (IORING_SETUP_*) and @sq_thread_idle (ms, for
 * SQPOLL), and the three mmaps.  0, or -errno with the ring closed and r->fd -1.
 */
static inline int credo_ring_setup(struct credo_ring *r, unsigned int entries,
				   unsigned int flags, unsigned int sq_thread_idle)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	p.flags = flags;
	p.sq_thread_idle = sq_thread_idle;
	r->fd = syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0) {
		r->fd = -1;
		return -errno;
	}
	r->sqpoll = !!(flags & IORING_SETUP_SQPOLL);
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED) {
		close(r->fd);
		r->fd = -1;
		return -ENOMEM;
	}
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->sq_flags = (unsigned int *)(sq + p.sq_off.flags);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Queues one openat(AT_FDCWD, @path, @flags, @mode) with IOSQE_* @sqe_flags; no syscall. */
static inline void credo_ring_queue_openat(struct credo_ring *r, const char *path, int flags,
					   unsigned int mode, int sqe_flags)
{
	unsigned int tail = *r->sq_tail, idx = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_OPENAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (unsigned long)path;
	sqe->len = mode;
	sqe->open_flags = flags;
	sqe->flags = sqe_flags;
	r->sq_array[idx] = idx;
	/* Sequentially consistent: an SQPOLL thread may read the tail at any time. */
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_SEQ_CST);
}

/* Takes one completion, its result in *@res; false if the CQ ring is empty. */
static inline bool credo_ring_reap(struct credo_ring *r, int *res)
{
	unsigned int head = *r->cq_head;

	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return false;
	*res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return true;
}

/* One openat request, submitted and waited for: the CQE's result (fd or -errno). */
static inline int credo_ring_openat(struct credo_ring *r, const char *path, int flags,
				    unsigned int mode, int sqe_flags)
{
	int res;

	credo_ring_queue_openat(r, path, flags, mode, sqe_flags);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	return credo_ring_reap(r, &res) ? res : -EAGAIN;
}

/*
 * One openat request, submitted (an SQPOLL ring: its thread woken) but not waited for
 * (credo_ring_wait()).  0 or -errno.
 */
static inline int credo_ring_submit_openat(struct credo_ring *r, const char *path, int flags,
					   unsigned int mode, int sqe_flags)
{
	long rc;

	credo_ring_queue_openat(r, path, flags, mode, sqe_flags);
	if (r->sqpoll)
		rc = syscall(__NR_io_uring_enter, r->fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL, 0);
	else
		rc = syscall(__NR_io_uring_enter, r->fd, 1, 0, 0, NULL, 0);
	return rc < 0 ? -errno : 0;
}

/* Waits up to @ms for one completion; its result, or -ETIMEDOUT. */
static inline int credo_ring_wait(struct credo_ring *r, int ms)
{
	struct timespec t0, now;
	int i, res;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < ms; i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >= ms)
			break;
		if (credo_ring_reap(r, &res))
			return res;
		syscall(__NR_io_uring_enter, r->fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0);
		usleep(1000);
	}
	return -ETIMEDOUT;
}

#endif /* CREDO_URING_H */

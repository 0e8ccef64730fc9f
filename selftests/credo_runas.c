// SPDX-License-Identifier: GPL-2.0
/*
 * credo_runas UID GID PROGRAM [ARGS...]
 *
 * Drops every supplementary group, sets real/effective/saved gid then uid,
 * and execs PROGRAM (a path; no PATH search) with ARGS.  Used by the guest to
 * run each kselftest a second time as an unprivileged user.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_id(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v >= 0xffffffffUL)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int uid, gid;

	if (argc < 4 || parse_id(argv[1], &uid) || parse_id(argv[2], &gid)) {
		fprintf(stderr, "usage: %s UID GID PROGRAM [ARGS...]\n", argv[0]);
		return 2;
	}
	if (setgroups(0, NULL)) {
		perror("credo_runas: setgroups");
		return 126;
	}
	if (setresgid(gid, gid, gid)) {
		perror("credo_runas: setresgid");
		return 126;
	}
	if (setresuid(uid, uid, uid)) {
		perror("credo_runas: setresuid");
		return 126;
	}
	execv(argv[3], argv + 3);
	fprintf(stderr, "credo_runas: execv %s: %s\n", argv[3], strerror(errno));
	return 127;
}

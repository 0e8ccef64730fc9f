/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading ids from a /proc status file, shared by the kselftests of the
 * module (credo_test.h) and of the library (lib_test.c), which cannot
 * include credo_test.h: its ioctl wrappers have libcredo's names.
 */
#ifndef CREDO_PROC_IDS_H
#define CREDO_PROC_IDS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Reads the numbers after "Key:" in the status file @path: 4 for "Uid:" and
 * "Gid:", up to @max for "Groups:".  Returns the count or -errno (-ENOENT
 * if the key is absent).
 */
static inline int proc_status_numbers(const char *path, const char *key,
				      unsigned int *out, int max)
{
	char line[4096];
	size_t klen = strlen(key);
	int n = -ENOENT;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + klen, *end;

		if (strncmp(line, key, klen))
			continue;
		n = 0;
		while (n < max) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			out[n++] = (unsigned int)v;
			p = end;
		}
		break;
	}
	fclose(f);
	return n;
}

#endif /* CREDO_PROC_IDS_H */

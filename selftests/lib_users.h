/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by lib_test and cli_test: test users written into the guest's
 * /etc/passwd and /etc/group (and restored), an independent parser of those
 * files giving the ids a user must get (uid, primary gid, and every group that
 * lists the user, primary included, as initgroups(3) does), and the calling
 * thread's ids from raw syscalls.  Helpers return 0 or -errno.
 */
#ifndef CREDO_LIB_USERS_H
#define CREDO_LIB_USERS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#define LU_MAX_GROUPS	64
#define LU_FILE_MAX	(256 * 1024)

/* Users and groups the tests add; the names cannot collide with a system's. */
static const char lu_passwd_add[] =
	"credoalice:x:4101:4101:credo test:/:/bin/false\n"
	"credobob:x:4102:4200:credo test:/:/bin/false\n"
	"credocarol:x:4103:4103:credo test:/:/bin/false\n";
static const char lu_group_add[] =
	"credoalice:x:4101:\n"
	"credoproj:x:4200:credoalice\n"
	"credoextra:x:4300:credoalice,credobob\n"
	"credoempty:x:4400:\n"
	"credocarol:x:4103:\n"
	"credodup:x:4500:credocarol,credocarol\n";

static unsigned int lu_start_euid;

static void __attribute__((constructor)) lu_record_start_euid(void)
{
	lu_start_euid = (unsigned int)geteuid();
}

struct lu_saved {
	char *passwd, *group;
	size_t passwd_len, group_len;
};

static int lu_read_file(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t off = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	*buf = malloc(LU_FILE_MAX + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, *buf + off, LU_FILE_MAX - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return -EIO;
	}
	(*buf)[off] = 0;
	*len = off;
	return 0;
}

/* Replaces path with data (write a temporary, rename over). */
static int lu_write_file(const char *path, const char *data, size_t len)
{
	char tmp[256];
	int fd, e = 0;

	snprintf(tmp, sizeof(tmp), "%s.credo-tmp", path);
	fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		e = -EIO;
	if (close(fd) && !e)
		e = -errno;
	if (!e && rename(tmp, path))
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

static int lu_append(const char *path, const char *old, size_t oldlen,
		     const char *add)
{
	size_t addlen = strlen(add);
	char *buf = malloc(oldlen + addlen + 2);
	size_t len = oldlen;
	int r;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, old, oldlen);
	if (len && buf[len - 1] != '\n')
		buf[len++] = '\n';
	memcpy(buf + len, add, addlen);
	r = lu_write_file(path, buf, len + addlen);
	free(buf);
	return r;
}

/* Saves /etc/passwd and /etc/group, then appends the test users. */
static int lu_install_users(struct lu_saved *s)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = lu_read_file("/etc/passwd", &s->passwd, &s->passwd_len);
	if (!r)
		r = lu_read_file("/etc/group", &s->group, &s->group_len);
	if (!r)
		r = lu_append("/etc/passwd", s->passwd, s->passwd_len, lu_passwd_add);
	if (!r)
		r = lu_append("/etc/group", s->group, s->group_len, lu_group_add);
	return r;
}

static int lu_restore_users(struct lu_saved *s)
{
	int r = 0, r2 = 0;

	if (s->passwd)
		r = lu_write_file("/etc/passwd", s->passwd, s->passwd_len);
	if (s->group)
		r2 = lu_write_file("/etc/group", s->group, s->group_len);
	free(s->passwd);
	free(s->group);
	memset(s, 0, sizeof(*s));
	return r ? r : r2;
}

/* What a user must get. */
struct lu_expect {
	unsigned int uid, gid;
	unsigned int ngroups;
	unsigned int groups[LU_MAX_GROUPS];	/* sorted, unique */
};

static int lu_cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* Sorts and removes repeats; returns the new count. */
static unsigned int lu_sort_unique(unsigned int *g, unsigned int n)
{
	unsigned int i, k = 0;

	qsort(g, n, sizeof(*g), lu_cmp_uint);
	for (i = 0; i < n; i++)
		if (!k || g[k - 1] != g[i])
			g[k++] = g[i];
	return k;
}

static void lu_add_group(struct lu_expect *e, unsigned int gid)
{
	if (e->ngroups < LU_MAX_GROUPS)
		e->groups[e->ngroups++] = gid;
}

/*
 * The ids of user name from the files themselves: -ESRCH when the user is not
 * in /etc/passwd.
 */
static int lu_expected(const char *name, struct lu_expect *e)
{
	char *pw, *gr, *line, *save = NULL;
	size_t len, nlen = strlen(name);
	int r, found = 0;

	memset(e, 0, sizeof(*e));
	r = lu_read_file("/etc/passwd", &pw, &len);
	if (r)
		return r;
	for (line = strtok_r(pw, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, name, nlen) && line[nlen] == ':' &&
		    sscanf(line + nlen, ":%*[^:]:%u:%u:", &e->uid, &e->gid) == 2) {
			found = 1;
			break;
		}
	}
	free(pw);
	if (!found)
		return -ESRCH;
	lu_add_group(e, e->gid);

	r = lu_read_file("/etc/group", &gr, &len);
	if (r)
		return r;
	save = NULL;
	for (line = strtok_r(gr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *members, *m, *msave = NULL;
		unsigned int gid;
		int field;

		/* name:password:gid:members */
		for (field = 0; field < 2 && p; field++) {
			p = strchr(p, ':');
			if (p)
				p++;
		}
		if (!p || sscanf(p, "%u", &gid) != 1)
			continue;
		members = strchr(p, ':');
		if (!members)
			continue;
		members++;
		for (m = strtok_r(members, ",", &msave); m; m = strtok_r(NULL, ",", &msave))
			if (!strcmp(m, name))
				lu_add_group(e, gid);
	}
	free(gr);
	e->ngroups = lu_sort_unique(e->groups, e->ngroups);
	return 0;
}

/* The calling thread's ids, from raw (thread-local) syscalls. */
struct lu_ids {
	unsigned int uid[4], gid[4];	/* real, effective, saved, fs */
	unsigned int ngroups;
	unsigned int groups[LU_MAX_GROUPS];	/* sorted */
};

static int lu_thread_ids(struct lu_ids *t)
{
	long n;

	memset(t, 0, sizeof(*t));
	if (syscall(SYS_getresuid, &t->uid[0], &t->uid[1], &t->uid[2]) ||
	    syscall(SYS_getresgid, &t->gid[0], &t->gid[1], &t->gid[2]))
		return -errno;
	t->uid[3] = (unsigned int)syscall(SYS_setfsuid, -1);
	t->gid[3] = (unsigned int)syscall(SYS_setfsgid, -1);
	n = syscall(SYS_getgroups, LU_MAX_GROUPS, t->groups);
	if (n < 0)
		return -errno;
	t->ngroups = (unsigned int)n;
	qsort(t->groups, t->ngroups, sizeof(t->groups[0]), lu_cmp_uint);
	return 0;
}

/* "a,b,c" of a sorted list, as credo whoami prints it. */
static void lu_format_groups(char *buf, size_t len, const unsigned int *g,
			     unsigned int n)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < n && off + 12 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : "", g[i]);
}

#endif /* CREDO_LIB_USERS_H */

/*
 * discover.c -- find worker processes by command line or pid file.
 *
 * discover_match() runs every tick when the configuration has match
 * workers, so it lists /proc with getdents64 into a stack buffer, reads
 * the owner with one fstatat() per process and the command line only of
 * the processes whose owner fits.
 */
#include "discover.h"
#include "proc.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Command lines longer than this are matched on their beginning. */
#define CMDLINE_MAX	(32 * 1024)

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Read name under dirfd into buf, NUL-terminated; length or -1. */
static ssize_t
read_at(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* The pid named by a /proc entry, 0 when it is not all digits. */
static pid_t
entry_pid(const char *name)
{
	long v = 0;

	if (*name == '\0')
		return 0;
	for (; *name != '\0'; name++) {
		if (*name < '0' || *name > '9' || v > INT_MAX / 10)
			return 0;
		v = v * 10 + (*name - '0');
	}
	return v > INT_MAX ? 0 : (pid_t)v;
}

/* Check one /proc entry; 1 and *found when it matches. */
static int
check_one(int procfd, const char *name, pid_t pid, const regex_t *re, uid_t uid,
    char *cmd, size_t cmdlen, struct discover_proc *found)
{
	struct proc_sample s;
	struct stat st;
	char path[48];
	ssize_t n, i;

	if (uid != (uid_t)-1) {
		if (fstatat(procfd, name, &st, 0) == -1 || st.st_uid != uid)
			return 0;
	}

	snprintf(path, sizeof path, "%d/cmdline", (int)pid);
	if ((n = read_at(procfd, path, cmd, cmdlen)) <= 0)
		return 0;	/* gone, kernel thread or zombie */
	while (n > 0 && cmd[n - 1] == '\0')
		n--;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	}
	cmd[n] = '\0';
	if (regexec(re, cmd, 0, NULL, 0) != 0)
		return 0;

	/* A match: its identity, and a last look that it is alive. */
	snprintf(path, sizeof path, "%d/stat", (int)pid);
	if ((n = read_at(procfd, path, cmd, cmdlen)) <= 0)
		return 0;
	if (proc_parse_stat(cmd, (size_t)n, &s) == -1 || s.pid != pid)
		return 0;
	if (s.state == 'Z' || s.state == 'X' || s.state == 'x')
		return 0;
	found->pid = pid;
	found->starttime = s.starttime;
	return 1;
}

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = ((const struct discover_proc *)a)->pid;
	pid_t y = ((const struct discover_proc *)b)->pid;

	return x < y ? -1 : x > y;
}

int
discover_match(const regex_t *re, uid_t uid, pid_t exclude, struct discover_proc **out, size_t *n)
{
	char dents[32768] __attribute__((aligned(8)));
	char cmd[CMDLINE_MAX];
	struct discover_proc *list = NULL, one;
	struct dirent64 *d;
	size_t count = 0, cap = 0;
	ssize_t len, off;
	pid_t pid;
	int procfd, e;

	*out = NULL;
	*n = 0;
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd == -1)
		return -1;
	for (;;) {
		len = getdents64(procfd, dents, sizeof dents);
		if (len == -1) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(procfd);
			free(list);
			errno = e;
			return -1;
		}
		if (len == 0)
			break;
		for (off = 0; off < len; off += d->d_reclen) {
			d = (struct dirent64 *)(dents + off);
			if ((pid = entry_pid(d->d_name)) <= 0 || pid == exclude)
				continue;
			if (!check_one(procfd, d->d_name, pid, re, uid, cmd, sizeof cmd, &one))
				continue;
			list = xgrow(list, &cap, count + 1, sizeof *list);
			list[count++] = one;
		}
	}
	close(procfd);
	if (count > 1)
		qsort(list, count, sizeof *list, cmp_pid);
	*out = list;
	*n = count;
	return 0;
}

/* Append s (len bytes) to dst for a message: printable ASCII as is, the
 * rest as '?', at most 32 characters. */
static void
quote_got(char *dst, size_t dstlen, const char *s, size_t len)
{
	size_t i, j = 0;

	for (i = 0; i < len && j + 4 < dstlen; i++) {
		if (i == 32) {
			memcpy(dst + j, "...", 3);
			j += 3;
			break;
		}
		dst[j++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	}
	dst[j] = '\0';
}

int
discover_pid_file(const char *path, pid_t *pid, char *err, size_t errlen)
{
	char buf[128], got[48];
	const char *p, *end, *start;
	ssize_t len;
	long v = 0;

	if ((len = read_at(AT_FDCWD, path, buf, sizeof buf)) == -1) {
		if (errno == ENOENT)
			seterr(err, errlen, "%s: no such file", path);
		else
			seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	p = buf;
	end = buf + len;
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p == end) {
		seterr(err, errlen, "%s: empty", path);
		return -1;
	}
	start = p;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			break;
	}
	if (p != end || v <= 0 || v > INT_MAX ||
	    (size_t)len == sizeof buf - 1) {
		quote_got(got, sizeof got, start, (size_t)(end - start));
		seterr(err, errlen, "%s: not a pid (got \"%s\")", path, got);
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}

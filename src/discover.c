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
#include <time.h>
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
	if ((n = proc_read_at(procfd, path, cmd, cmdlen)) <= 0)
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
	if ((n = proc_read_at(procfd, path, cmd, cmdlen)) <= 0)
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

/*
 * Call fn for every process directory in /proc (numeric entries: thread
 * group leaders), with its pid and inode number, until fn returns -1.
 * Returns 0, or -1 with errno when /proc cannot be read.
 */
static int
scan_proc(int (*fn)(void *, int, const char *, pid_t, uint64_t), void *arg)
{
	char dents[32768] __attribute__((aligned(8)));
	struct dirent64 *d;
	ssize_t len, off;
	pid_t pid;
	int procfd, e;

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
			errno = e;
			return -1;
		}
		if (len == 0)
			break;
		for (off = 0; off < len; off += d->d_reclen) {
			d = (struct dirent64 *)(dents + off);
			if ((pid = entry_pid(d->d_name)) <= 0)
				continue;
			if (fn(arg, procfd, d->d_name, pid, d->d_ino) == -1)
				goto done;
		}
	}
done:
	close(procfd);
	return 0;
}

struct match_state {
	const regex_t		*re;
	uid_t			 uid;
	pid_t			 exclude;
	struct discover_proc	*list;
	size_t			 count, cap;
	char			 cmd[CMDLINE_MAX];
};

static int
match_one(void *arg, int procfd, const char *name, pid_t pid, uint64_t ino)
{
	struct match_state *m = arg;
	struct discover_proc one;

	if (pid == m->exclude)
		return 0;
	if (check_one(procfd, name, pid, m->re, m->uid, m->cmd, sizeof m->cmd, &one)) {
		m->list = xgrow(m->list, &m->cap, m->count + 1, sizeof *m->list);
		m->list[m->count++] = one;
	}
	return 0;
}

int
discover_match(const regex_t *re, uid_t uid, pid_t exclude, struct discover_proc **out, size_t *n)
{
	struct match_state *m;
	int e;

	*out = NULL;
	*n = 0;
	m = xcalloc(1, sizeof *m);	/* the 32 KiB command line buffer */
	m->re = re;
	m->uid = uid;
	m->exclude = exclude;
	if (scan_proc(match_one, m) == -1) {
		e = errno;
		free(m->list);
		free(m);
		errno = e;
		return -1;
	}
	if (m->count > 1)
		qsort(m->list, m->count, sizeof *m->list, cmp_pid);
	*out = m->list;
	*n = m->count;
	free(m);
	return 0;
}

/*
 * The cache: one entry per process seen, sorted by pid.  An entry is kept
 * across refreshes while /proc lists the same pid with the same inode (a
 * reused pid gets a new /proc inode) and it is not due for a recheck.
 */
struct discover_entry {
	pid_t	 pid;
	uint64_t ino;
	uint64_t starttime;
	uid_t	 uid;
	int64_t	 checked_ms;	/* util_mono_ms() of the last read */
	int	 young;		/* started less than DISCOVER_YOUNG_MS before that */
	char	*cmdline;	/* NULL: kernel thread, zombie or unreadable */
};

struct discover_cache {
	struct discover_entry *e, *next;
	size_t	 n, cap, nnext, capnext;
	int64_t	 recheck_ms;
	int64_t	 now_ms, boot_ms;	/* during a refresh */
	size_t	 reads;
	char	 cmd[CMDLINE_MAX];
	char	 stat[1024];
};

struct discover_cache *
discover_cache_new(void)
{
	struct discover_cache *c = xcalloc(1, sizeof *c);

	c->recheck_ms = DISCOVER_RECHECK_MS;
	return c;
}

static void
free_entries(struct discover_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(e[i].cmdline);
}

void
discover_cache_free(struct discover_cache *c)
{
	if (c == NULL)
		return;
	free_entries(c->e, c->n);
	free(c->e);
	free(c->next);
	free(c);
}

void
discover_cache_set_recheck(struct discover_cache *c, int64_t ms)
{
	c->recheck_ms = ms;
}

size_t
discover_cache_reads(const struct discover_cache *c)
{
	return c->reads;
}

static struct discover_entry *
find_entry(struct discover_cache *c, pid_t pid)
{
	size_t lo = 0, hi = c->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->e[mid].pid == pid)
			return &c->e[mid];
		if (c->e[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Read one process into *e; 0, or -1 when it vanished. */
static int
read_entry(struct discover_cache *c, int procfd, const char *name, pid_t pid,
    uint64_t ino, struct discover_entry *e)
{
	struct proc_sample s;
	struct stat st;
	char path[48];
	ssize_t n, i;
	int64_t started;

	c->reads++;
	memset(e, 0, sizeof *e);
	e->pid = pid;
	e->ino = ino;
	e->checked_ms = c->now_ms;
	if (fstatat(procfd, name, &st, 0) == -1)
		return -1;
	e->uid = st.st_uid;
	snprintf(path, sizeof path, "%d/stat", (int)pid);
	if ((n = proc_read_at(procfd, path, c->stat, sizeof c->stat)) <= 0)
		return -1;
	if (proc_parse_stat(c->stat, (size_t)n, &s) == -1 || s.pid != pid)
		return -1;
	e->starttime = s.starttime;
	started = (int64_t)(s.starttime * 1000 / (uint64_t)proc_clk_tck());
	e->young = c->boot_ms - started < DISCOVER_YOUNG_MS;
	if (s.state == 'Z' || s.state == 'X' || s.state == 'x')
		return 0;
	snprintf(path, sizeof path, "%d/cmdline", (int)pid);
	if ((n = proc_read_at(procfd, path, c->cmd, sizeof c->cmd)) <= 0)
		return 0;
	while (n > 0 && c->cmd[n - 1] == '\0')
		n--;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (c->cmd[i] == '\0')
			c->cmd[i] = ' ';
	}
	e->cmdline = xstrndup(c->cmd, (size_t)n);
	return 0;
}

static int
refresh_one(void *arg, int procfd, const char *name, pid_t pid, uint64_t ino)
{
	struct discover_cache *c = arg;
	struct discover_entry *old, fresh;

	old = find_entry(c, pid);
	if (old != NULL && old->ino == ino && !old->young &&
	    c->now_ms - old->checked_ms < c->recheck_ms) {
		fresh = *old;
		old->cmdline = NULL;	/* moved */
	} else if (read_entry(c, procfd, name, pid, ino, &fresh) == -1) {
		free(fresh.cmdline);
		return 0;		/* vanished */
	}
	c->next = xgrow(c->next, &c->capnext, c->nnext + 1, sizeof *c->next);
	c->next[c->nnext++] = fresh;
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	pid_t x = ((const struct discover_entry *)a)->pid;
	pid_t y = ((const struct discover_entry *)b)->pid;

	return x < y ? -1 : x > y;
}

int
discover_cache_refresh(struct discover_cache *c)
{
	struct discover_entry *t;
	struct timespec ts;
	size_t i, tcap;
	int sorted = 1, e;

	c->now_ms = util_mono_ms();
	clock_gettime(CLOCK_BOOTTIME, &ts);
	c->boot_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	c->nnext = 0;
	if (scan_proc(refresh_one, c) == -1) {
		e = errno;
		free_entries(c->next, c->nnext);
		c->nnext = 0;
		errno = e;
		return -1;
	}
	for (i = 1; i < c->nnext && sorted; i++)
		sorted = c->next[i - 1].pid < c->next[i].pid;
	if (!sorted)
		qsort(c->next, c->nnext, sizeof *c->next, cmp_entry);
	/* What was not carried over is gone. */
	free_entries(c->e, c->n);
	t = c->e;
	tcap = c->cap;
	c->e = c->next;
	c->n = c->nnext;
	c->cap = c->capnext;
	c->next = t;
	c->capnext = tcap;
	c->nnext = 0;
	return 0;
}

int
discover_cache_match(struct discover_cache *c, const regex_t *re, uid_t uid,
    pid_t exclude, struct discover_proc **out, size_t *n)
{
	struct discover_proc *list = NULL;
	size_t i, count = 0, cap = 0;

	for (i = 0; i < c->n; i++) {
		struct discover_entry *e = &c->e[i];

		if (e->cmdline == NULL || e->pid == exclude)
			continue;
		if (uid != (uid_t)-1 && e->uid != uid)
			continue;
		if (regexec(re, e->cmdline, 0, NULL, 0) != 0)
			continue;
		list = xgrow(list, &cap, count + 1, sizeof *list);
		list[count].pid = e->pid;
		list[count].starttime = e->starttime;
		count++;
	}
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

	if ((len = proc_read_at(AT_FDCWD, path, buf, sizeof buf)) == -1) {
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

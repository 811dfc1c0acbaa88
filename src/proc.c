/*
 * proc.c -- sample one process from /proc, and read its cgroup v2 limit.
 *
 * Sampling runs for every worker on every tick.  proc_sample() opens
 * /proc/PID once and every file relative to that directory: once the
 * process is reaped, the directory handle answers ENOENT/ESRCH even if the
 * pid has been reused, so one sample never mixes two processes.  A
 * proc_handle keeps that directory and the small files open across ticks
 * and reads them again with pread (syscalls dominate the cost here).
 * Buffers are on the stack; there is no stdio and no malloc on this path.
 */
#include "proc.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Large enough for stat, status, smaps_rollup and io of any process. */
#define PROC_BUF	4096

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

static int
is_gone(int e)
{
	return e == ENOENT || e == ESRCH;
}

ssize_t
proc_read_at(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, e;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return -1;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			e = errno;
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

/* Parse a decimal unsigned number at *pp (before end); 0 and advance on
 * success, -1 when there is no digit or it overflows 64 bits. */
static int
parse_u64(const char **pp, const char *end, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;

	if (p >= end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	*v = x;
	return 0;
}

static long
cached_sysconf(long *cache, int name, long dflt)
{
	long v = __atomic_load_n(cache, __ATOMIC_RELAXED);

	if (v == 0) {
		v = sysconf(name);
		if (v <= 0)
			v = dflt;
		__atomic_store_n(cache, v, __ATOMIC_RELAXED);
	}
	return v;
}

long
proc_clk_tck(void)
{
	static long tck;

	return cached_sysconf(&tck, _SC_CLK_TCK, 100);
}

static long
page_size(void)
{
	static long pg;

	return cached_sysconf(&pg, _SC_PAGESIZE, 4096);
}

int
proc_parse_stat(const char *buf, size_t len, struct proc_sample *out)
{
	const char *end = buf + len, *lp, *rp, *p, *tok;
	uint64_t v, pid = 0, f[25];
	size_t n, i;
	int field;

	lp = memchr(buf, '(', len);
	rp = memrchr(buf, ')', len);
	if (lp == NULL || rp == NULL || rp < lp)
		return -1;

	/* "PID (" */
	p = buf;
	if (parse_u64(&p, lp, &pid) == -1 || pid == 0 || pid > INT_MAX)
		return -1;
	while (p < lp && *p == ' ')
		p++;
	if (p != lp)
		return -1;

	/* ") S ..." */
	p = rp + 1;
	if (p + 2 > end || p[0] != ' ' || p[1] <= ' ' || p[1] > '~')
		return -1;
	out->state = p[1];
	p += 2;

	/* Fields 4 to 24; those we keep must be plain numbers.  Others may
	 * be negative (priority, nice) and are only skipped. */
	memset(f, 0, sizeof f);
	for (field = 4; field <= 24; field++) {
		if (p >= end || *p != ' ')
			return -1;
		p++;
		tok = p;
		while (p < end && *p != ' ' && *p != '\n' && *p != '\0')
			p++;
		if (p == tok)
			return -1;
		switch (field) {
		case 4: case 14: case 15: case 20: case 22: case 23: case 24:
			if (parse_u64(&tok, p, &v) == -1 || tok != p)
				return -1;
			f[field] = v;
			break;
		}
	}
	if (f[4] > INT_MAX || f[20] > INT_MAX)
		return -1;

	out->pid = (pid_t)pid;
	out->ppid = (pid_t)f[4];
	out->utime = f[14];
	out->stime = f[15];
	out->threads = (int)f[20];
	out->starttime = f[22];
	out->vsize_bytes = f[23];
	if (f[24] > UINT64_MAX / (uint64_t)page_size())
		out->rss_bytes = UINT64_MAX;
	else
		out->rss_bytes = f[24] * (uint64_t)page_size();

	n = (size_t)(rp - lp - 1);
	if (n > sizeof out->comm - 1)
		n = sizeof out->comm - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)lp[1 + i];
		out->comm[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out->comm[n] = '\0';
	return 0;
}

/*
 * Find "key" at the start of a line in buf (len bytes) and parse the first
 * number after it (spaces and tabs skipped).  Returns 0 and the number, -1
 * when absent.
 */
static int
line_u64(const char *buf, size_t len, const char *key, uint64_t *v)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t klen = strlen(key);

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) > klen && memcmp(p, key, klen) == 0) {
			p += klen;
			while (p < nl && (*p == ' ' || *p == '\t'))
				p++;
			return parse_u64(&p, nl, v);
		}
		p = nl + 1;
	}
	return -1;
}

static uint64_t
kb_to_bytes(uint64_t kb)
{
	return kb > UINT64_MAX / 1024 ? UINT64_MAX : kb * 1024;
}

/* Count the entries of the directory open as fd, without . and ..;
 * -1 with errno on error. */
static int
count_dir(int fd)
{
	char buf[4096] __attribute__((aligned(8)));
	struct dirent64 *d;
	ssize_t n, off;
	int count = 0;

	for (;;) {
		n = getdents64(fd, buf, sizeof buf);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(buf + off);
			if (d->d_name[0] == '.' && (d->d_name[1] == '\0' ||
			    (d->d_name[1] == '.' && d->d_name[2] == '\0')))
				continue;
			count++;
		}
	}
	return count;
}

/*
 * The number of open descriptors: since Linux 6.2 stat() of /proc/PID/fd
 * gives it as the size, without listing the directory; before that the
 * size is 0 and the directory is counted.  Returns the count, -1 when not
 * readable (errno EACCES...) or gone (errno ENOENT/ESRCH).
 */
static int
count_fds(int dirfd)
{
	struct stat st;
	int fd, n, e;

	if (fstatat(dirfd, "fd", &st, 0) == -1)
		return -1;
	if (st.st_size > 0 && st.st_size <= INT_MAX)
		return (int)st.st_size;
	fd = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = count_dir(fd);
	e = errno;
	close(fd);
	errno = e;
	return n;
}

/*
 * Whether the process of the open /proc/PID directory dirfd still exists
 * (a zombie does).  ESRCH from smaps_rollup only means the process has no
 * memory map any more (it is exiting); once it is reaped, lookups in its
 * directory fail.  When it returns 0, errno is ENOENT/ESRCH.
 */
static int
alive(int dirfd)
{
	struct stat st;

	if (fstatat(dirfd, "stat", &st, 0) == 0)
		return 1;
	return !is_gone(errno);	/* not known to be gone */
}

/*
 * Read name under dirfd, or from fd (kept open, read again from offset 0:
 * /proc files are generated anew on each read from the start) when fd is
 * not -1.  Same results as proc_read_at.
 */
static ssize_t
read_file(int dirfd, int fd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	if (fd == -1)
		return proc_read_at(dirfd, name, buf, size);
	while (len < size - 1) {
		n = pread(fd, buf + len, size - 1 - len, (off_t)len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* A seq_file read gives whole records, and these files are
		 * one record: a short read is the end (saves a read per file,
		 * hundreds of syscalls a second with a large fleet). */
		if ((size_t)n < size - 1 - (len - (size_t)n))
			break;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

static int
is_denied(int e)
{
	return e == EACCES || e == EPERM;
}

/* The files of one process: the open /proc/PID directory and, for a
 * handle, stat, status and io kept open (-1: opened for each read). */
struct proc_files {
	int	dir, stat, status, io;
};

/*
 * Sample through f into *out (already cleared).  Files we may not read
 * add their PROC_SAMPLE_NO_* flag to *denied.  0, or -1 with err set.
 */
static int
sample_files(const struct proc_files *f, pid_t pid, int flags, int *denied,
    struct proc_sample *out, char *err, size_t errlen)
{
	char buf[PROC_BUF];
	const char *what;
	ssize_t len;
	uint64_t v;
	int n;

	out->fds = -1;
	out->taken_ms = util_mono_ms();

	what = "stat";
	if ((len = read_file(f->dir, f->stat, what, buf, sizeof buf)) == -1)
		goto fail;
	if (proc_parse_stat(buf, (size_t)len, out) == -1 || out->pid != pid) {
		seterr(err, errlen, "/proc/%d/stat: malformed", (int)pid);
		return -1;
	}

	what = "status";
	if (flags & PROC_SAMPLE_NO_STATUS)
		goto rollup;
	if ((len = read_file(f->dir, f->status, what, buf, sizeof buf)) == -1)
		goto fail;
	if (line_u64(buf, (size_t)len, "Uid:", &v) == 0)
		out->uid = (uid_t)v;
	if (line_u64(buf, (size_t)len, "VmRSS:", &v) == 0)
		out->rss_bytes = kb_to_bytes(v);
	if (line_u64(buf, (size_t)len, "VmSwap:", &v) == 0)
		out->swap_bytes = kb_to_bytes(v);
	/* It may have died between the two reads: status says so last. */
	{
		const char *p = memmem(buf, (size_t)len, "\nState:", 7);

		if (p != NULL) {
			p += 7;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == 'Z' || *p == 'X')
				out->state = *p;
		}
	}

rollup:
	if (!(flags & PROC_SAMPLE_NO_ROLLUP)) {
		what = "smaps_rollup";
		if ((len = proc_read_at(f->dir, what, buf, sizeof buf)) == -1) {
			if (is_denied(errno))
				*denied |= PROC_SAMPLE_NO_ROLLUP;
			else if (is_gone(errno) && !alive(f->dir))
				goto fail;
		} else if (line_u64(buf, (size_t)len, "Pss:", &v) == 0) {
			out->has_rollup = 1;
			out->rollup_ms = out->taken_ms;
			out->pss_bytes = kb_to_bytes(v);
			out->swap_bytes = 0;
			if (line_u64(buf, (size_t)len, "Swap:", &v) == 0)
				out->swap_bytes = kb_to_bytes(v);
		}
	}

	if (!(flags & PROC_SAMPLE_NO_FDS)) {
		what = "fd";
		n = count_fds(f->dir);
		if (n == -1 && is_gone(errno) && !alive(f->dir))
			goto fail;
		out->fds = n;
	}

	if (!(flags & PROC_SAMPLE_NO_IO)) {
		what = "io";
		if ((len = read_file(f->dir, f->io, what, buf, sizeof buf)) == -1) {
			if (is_denied(errno))
				*denied |= PROC_SAMPLE_NO_IO;
			else if (is_gone(errno) && !alive(f->dir))
				goto fail;
		} else if (line_u64(buf, (size_t)len, "read_bytes:", &out->read_bytes) == 0 &&
		    line_u64(buf, (size_t)len, "write_bytes:", &out->write_bytes) == 0)
			out->has_io = 1;
		else
			out->read_bytes = out->write_bytes = 0;
	}
	return 0;

fail:
	if (is_gone(errno))
		seterr(err, errlen, "pid %d: no such process", (int)pid);
	else
		seterr(err, errlen, "/proc/%d/%s: %s", (int)pid, what, strerror(errno));
	return -1;
}

/* Open /proc/PID as a directory; -1 with err set. */
static int
open_pid_dir(pid_t pid, char *err, size_t errlen)
{
	char path[32];
	int fd;

	if (pid <= 0) {
		seterr(err, errlen, "pid %d: not a valid pid", (int)pid);
		return -1;
	}
	snprintf(path, sizeof path, "/proc/%d", (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		if (is_gone(errno))
			seterr(err, errlen, "pid %d: no such process", (int)pid);
		else
			seterr(err, errlen, "%s: %s", path, strerror(errno));
	}
	return fd;
}

int
proc_sample_flags(pid_t pid, int flags, struct proc_sample *out, char *err, size_t errlen)
{
	struct proc_files f = { -1, -1, -1, -1 };
	int r, denied = 0;

	memset(out, 0, sizeof *out);
	out->fds = -1;
	if ((f.dir = open_pid_dir(pid, err, errlen)) == -1)
		return -1;
	r = sample_files(&f, pid, flags, &denied, out, err, errlen);
	close(f.dir);
	return r;
}

int
proc_sample(pid_t pid, struct proc_sample *out, char *err, size_t errlen)
{
	return proc_sample_flags(pid, 0, out, err, errlen);
}

static void
close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

static void
close_all(struct proc_handle *h)
{
	close_fd(&h->dirfd);
	close_fd(&h->statfd);
	close_fd(&h->statusfd);
	close_fd(&h->iofd);
}

void
proc_handle_close(struct proc_handle *h)
{
	/* pid is set only by a successful open: a zeroed handle holds no
	 * descriptor 0. */
	if (h->pid > 0)
		close_all(h);
}

int
proc_handle_open(struct proc_handle *h, pid_t pid, uint64_t starttime, char *err, size_t errlen)
{
	struct proc_sample s;
	char buf[PROC_BUF];
	ssize_t len;

	memset(h, 0, sizeof *h);
	h->dirfd = h->statfd = h->statusfd = h->iofd = -1;
	h->rollup_every_ms = PROC_ROLLUP_EVERY_MS;
	h->rollup_cost_factor = PROC_ROLLUP_COST_FACTOR;
	if ((h->dirfd = open_pid_dir(pid, err, errlen)) == -1)
		return -1;
	/* Out of descriptors, a file is opened for each read instead. */
	h->statfd = openat(h->dirfd, "stat", O_RDONLY | O_CLOEXEC);
	if (h->statfd == -1 && is_gone(errno))
		goto gone;
	h->statusfd = openat(h->dirfd, "status", O_RDONLY | O_CLOEXEC);
	if (h->statusfd == -1 && is_gone(errno))
		goto gone;
	h->iofd = openat(h->dirfd, "io", O_RDONLY | O_CLOEXEC);
	if (h->iofd == -1 && is_denied(errno))
		h->denied |= PROC_SAMPLE_NO_IO;

	if ((len = read_file(h->dirfd, h->statfd, "stat", buf, sizeof buf)) == -1) {
		if (is_gone(errno))
			goto gone;
		seterr(err, errlen, "/proc/%d/stat: %s", (int)pid, strerror(errno));
		close_all(h);
		return -1;
	}
	if (proc_parse_stat(buf, (size_t)len, &s) == -1 || s.pid != pid) {
		seterr(err, errlen, "/proc/%d/stat: malformed", (int)pid);
		close_all(h);
		return -1;
	}
	if (starttime != 0 && s.starttime != starttime) {
		seterr(err, errlen, "pid %d: another process (start time %llu, not %llu)",
		    (int)pid, (unsigned long long)s.starttime, (unsigned long long)starttime);
		close_all(h);
		return -1;
	}
	h->pid = pid;
	h->starttime = s.starttime;
	return 0;

gone:
	seterr(err, errlen, "pid %d: no such process", (int)pid);
	close_all(h);
	return -1;
}

int
proc_handle_sample(struct proc_handle *h, struct proc_sample *out, char *err, size_t errlen)
{
	struct proc_files f = { h->dirfd, h->statfd, h->statusfd, h->iofd };
	int64_t now, every, t0 = 0;
	int flags, rollup, status, fds;

	memset(out, 0, sizeof *out);
	out->fds = -1;
	if (h->dirfd == -1) {
		seterr(err, errlen, "pid %d: not open", (int)h->pid);
		return -1;
	}
	/* smaps_rollup walks the page tables, so its cost grows with the
	 * resident size (about 4 ms a GiB): read it every rollup_every_ms,
	 * or less often when it is costly. */
	now = util_mono_ms();
	every = h->rollup_every_ms;
	if (h->rollup_cost_factor > 0 && h->rollup_cost_ns > 0 &&
	    h->rollup_cost_ns < INT64_MAX / h->rollup_cost_factor &&
	    h->rollup_cost_ns * h->rollup_cost_factor / 1000000 > every)
		every = h->rollup_cost_ns * h->rollup_cost_factor / 1000000;
	flags = h->denied;
	rollup = !(flags & PROC_SAMPLE_NO_ROLLUP) && !h->rollup_hold &&
	    (h->rollup_ms == 0 || now - h->rollup_ms >= every);
	if (!rollup)
		flags |= PROC_SAMPLE_NO_ROLLUP;
	else
		t0 = util_mono_ns();
	/* status is costly to generate and only adds uid and swap, which
	 * change slowly: every PROC_STATUS_EVERY_MS, and with each rollup. */
	status = rollup || h->status_ms == 0 ||
	    now - h->status_ms >= PROC_STATUS_EVERY_MS;
	if (!status)
		flags |= PROC_SAMPLE_NO_STATUS;
	/* The fd count changes slowly (a leak shows over minutes). */
	fds = h->fds_ms == 0 || now - h->fds_ms >= PROC_FDS_EVERY_MS;
	if (!fds)
		flags |= PROC_SAMPLE_NO_FDS;

	if (sample_files(&f, h->pid, flags, &h->denied, out, err, errlen) == -1)
		return -1;
	if (out->starttime != h->starttime) {
		seterr(err, errlen, "pid %d: no such process", (int)h->pid);
		return -1;
	}
	/* A process whose memory is already released while it exits (not
	 * yet a zombie) has no address space: it is gone, not at RSS 0. */
	if (out->vsize_bytes == 0 && out->state != 'Z')
		out->state = 'X';

	if (fds) {
		h->fds_ms = now;
		h->fds = out->fds;
	} else
		out->fds = h->fds;
	if (status) {
		h->status_ms = now;
		h->uid = out->uid;
		h->swap_bytes = out->swap_bytes;
	} else {
		out->uid = h->uid;
		out->swap_bytes = h->swap_bytes;
	}
	if (rollup && out->has_rollup) {
		h->rollup_cost_ns = util_mono_ns() - t0;
		h->rollup_ms = out->rollup_ms;
		h->pss_bytes = out->pss_bytes;
		h->has_rollup = 1;
	} else if (h->has_rollup && out->state != 'Z') {
		/* Between reads, the last PSS stands (swap is fresh from
		 * status). */
		out->has_rollup = 1;
		out->pss_bytes = h->pss_bytes;
		out->rollup_ms = h->rollup_ms;
	}

	h->cpu_percent = proc_cpu_percent(&h->prev, out, out->taken_ms - h->prev.taken_ms);
	h->prev = *out;
	return 0;
}

int
proc_identity(pid_t pid, uint64_t *starttime)
{
	struct proc_sample s;
	char path[48], buf[1024];
	ssize_t len;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((len = proc_read_at(AT_FDCWD, path, buf, sizeof buf)) == -1)
		return -1;
	if (proc_parse_stat(buf, (size_t)len, &s) == -1 || s.pid != pid)
		return -1;
	*starttime = s.starttime;
	return 0;
}

int
proc_cmdline(pid_t pid, char *buf, size_t len)
{
	char path[48];
	ssize_t n, i;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (pid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	if ((n = proc_read_at(AT_FDCWD, path, buf, len)) == -1)
		return -1;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++) {
		if (buf[i] == '\0')
			buf[i] = ' ';
	}
	buf[n] = '\0';
	return (int)n;
}

int
proc_sample_same(const struct proc_sample *a, const struct proc_sample *b)
{
	if (a == NULL || b == NULL || a->pid <= 0)
		return 0;
	return a->pid == b->pid && a->starttime == b->starttime;
}

double
proc_cpu_percent(const struct proc_sample *prev, const struct proc_sample *cur, int64_t elapsed_ms)
{
	uint64_t t0, t1;

	if (!proc_sample_same(prev, cur) || elapsed_ms <= 0)
		return 0;
	t0 = prev->utime + prev->stime;
	t1 = cur->utime + cur->stime;
	if (t1 < t0)
		return 0;
	return 100.0 * (double)(t1 - t0) / (double)proc_clk_tck() /
	    ((double)elapsed_ms / 1000.0);
}

/*
 * The cgroup2 mount point and its root, read once from
 * /proc/self/mountinfo.  /sys/fs/cgroup is preferred when it is cgroup2
 * (the unified layout); otherwise the first cgroup2 mount (hybrid hosts
 * mount it at /sys/fs/cgroup/unified).
 */
static pthread_once_t cg_once = PTHREAD_ONCE_INIT;
static char cg_mount[PATH_MAX];
static char cg_root[PATH_MAX];

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void
unescape_octal(char *s)
{
	char *d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else
			*d++ = *s++;
	}
	*d = '\0';
}

static void
cg_find_mount(void)
{
	char *line = NULL, *fields[6], *sep, *save, *p;
	size_t cap = 0;
	FILE *f;
	int i;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	while (getline(&line, &cap, f) != -1) {
		if ((sep = strstr(line, " - ")) == NULL)
			continue;
		if (strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		*sep = '\0';
		p = line;
		for (i = 0; i < 6; i++) {
			fields[i] = strtok_r(p, " ", &save);
			p = NULL;
			if (fields[i] == NULL)
				break;
		}
		if (i < 5)
			continue;
		unescape_octal(fields[3]);
		unescape_octal(fields[4]);
		if (cg_mount[0] != '\0' && strcmp(fields[4], "/sys/fs/cgroup") != 0)
			continue;
		util_strlcpy(cg_mount, fields[4], sizeof cg_mount);
		util_strlcpy(cg_root, fields[3], sizeof cg_root);
		if (strcmp(cg_mount, "/sys/fs/cgroup") == 0)
			break;
	}
	free(line);
	fclose(f);
}

/* Split pid's cgroup v2 directory into the mount point and the path
 * below it (relpath starts with '/', "/" for the root).  0 or -1. */
static int
cg_locate(pid_t pid, const char **mount, char *relpath, size_t rellen)
{
	char path[48], buf[PROC_BUF], *p, *nl, *rel = NULL;
	size_t rootlen;
	ssize_t len;

	if (pid <= 0)
		return -1;
	pthread_once(&cg_once, cg_find_mount);
	if (cg_mount[0] == '\0')
		return -1;
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	if ((len = proc_read_at(AT_FDCWD, path, buf, sizeof buf)) == -1)
		return -1;
	for (p = buf; p < buf + len; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = buf + len;
		*nl = '\0';
		if (strncmp(p, "0::", 3) == 0) {
			rel = p + 3;
			break;
		}
	}
	/* Absent, or outside this cgroup namespace ("/../..."). */
	if (rel == NULL || rel[0] != '/' || strstr(rel, "/..") != NULL)
		return -1;

	/* A mount of a sub-tree (root "/a/b") shows only paths below it. */
	rootlen = strlen(cg_root);
	if (strcmp(cg_root, "/") != 0) {
		if (strncmp(rel, cg_root, rootlen) != 0 ||
		    (rel[rootlen] != '/' && rel[rootlen] != '\0'))
			return -1;
		rel += rootlen;
		if (*rel == '\0')
			rel = "/";
	}
	if (util_strlcpy(relpath, rel, rellen) >= rellen)
		return -1;
	*mount = cg_mount;
	return 0;
}

int
proc_cgroup_path(pid_t pid, char *buf, size_t len)
{
	const char *mount;
	char rel[PATH_MAX];
	int n;

	if (len == 0 || cg_locate(pid, &mount, rel, sizeof rel) == -1)
		return -1;
	if (strcmp(rel, "/") == 0)
		n = snprintf(buf, len, "%s", mount);
	else
		n = snprintf(buf, len, "%s%s", mount, rel);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

int
proc_cgroup_limit_under(const char *mount, const char *relpath, uint64_t *limit_bytes)
{
	char dir[PATH_MAX], file[PATH_MAX + 16], buf[64], *slash;
	size_t mlen = strlen(mount);
	const char *p;
	uint64_t best = UINT64_MAX, v;
	ssize_t len;
	int n, found = 0;

	while (*relpath == '/')
		relpath++;
	n = snprintf(dir, sizeof dir, "%s%s%s", mount, *relpath != '\0' ? "/" : "", relpath);
	if (n < 0 || (size_t)n >= sizeof dir)
		return 0;
	for (;;) {
		snprintf(file, sizeof file, "%s/memory.max", dir);
		len = proc_read_at(AT_FDCWD, file, buf, sizeof buf);
		p = buf;
		if (len > 0 && parse_u64(&p, buf + len, &v) == 0 &&
		    (p == buf + len || *p == '\n')) {
			if (v < best)
				best = v;
			found = 1;
		}
		/* Up one level, never above the mount point. */
		if (strlen(dir) <= mlen)
			break;
		slash = strrchr(dir, '/');
		if (slash == NULL || (size_t)(slash - dir) < mlen)
			break;
		*slash = '\0';
		while (strlen(dir) > mlen && dir[strlen(dir) - 1] == '/')
			dir[strlen(dir) - 1] = '\0';
	}
	if (!found)
		return 0;
	*limit_bytes = best;
	return 1;
}

int
proc_cgroup_memory_max(pid_t pid, uint64_t *limit_bytes)
{
	const char *mount;
	char rel[PATH_MAX];

	if (cg_locate(pid, &mount, rel, sizeof rel) == -1)
		return 0;
	return proc_cgroup_limit_under(mount, rel, limit_bytes);
}

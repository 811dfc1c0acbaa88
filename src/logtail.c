/*
 * logtail.c -- follow a log file like "tail -F", without ever blocking.
 *
 * Everything is decided in logtail_poll, from what open/fstat/stat say
 * at that moment; inotify only wakes the caller up early.  The file is
 * read with pread at our own offset, so that truncation is a matter of
 * setting the offset back to 0, and a rotated file is read to its end
 * through the descriptor we hold before the new one is opened.
 */
#include "logtail.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_BUF	(32 * 1024)
#define MAX_EVENTS	8
/* Every this many polls the file is looked at whatever inotify says. */
#define LOGTAIL_FULL_EVERY	10
#define EVENT_LEN	256

enum tail_state {
	TAIL_OK,		/* a file is open (or was, and is being read) */
	TAIL_WAITING,		/* no file at the path */
	TAIL_UNREADABLE		/* something at the path we cannot read */
};

enum open_result { OPEN_OK, OPEN_WAIT, OPEN_UNREADABLE };

struct logtail {
	char		*path;
	char		*dir;		/* directory of path, for inotify */

	int		 fd;		/* -1 when no file is open */
	dev_t		 dev;
	ino_t		 ino;
	int64_t		 offset;	/* next byte to read from fd */
	int		 skip_to_nl;	/* started inside a line: drop it */
	int		 ever_opened;

	enum tail_state	 state;
	char		*status;	/* NULL when fine */
	int		 status_once;	/* clear at the next poll */
	char		*unreadable;	/* the last unreadable reason */

	const char	*base;		/* the file's name in dir (in path) */
	int		 dir_wd;	/* watches in the shared inotify, or -1 */
	int		 file_wd;
	int		 dir_event;	/* our name in the directory changed since the last look */
	unsigned	 pending;	/* inotify events for us since the last poll */
	unsigned	 seen_gen;	/* shared.gen at our last poll */
	int		 at_end;	/* the last poll read to the end, nothing pending */
	unsigned	 polls;		/* polls so far */
	int		 full_look;	/* this poll looks at the path whatever inotify says */

	char		*part;		/* LOGTAIL_LINE_MAX + 1 bytes, lazily */
	size_t		 plen;
	int64_t		 part_off;	/* file offset of part[0] */
	int64_t		 part_since;	/* util_mono_ms when part began */
	int		 part_cut;	/* part was just cut at LINE_MAX */
	int64_t		 partial_wait_ms;

	char		 events[MAX_EVENTS][EVENT_LEN];
	int		 ev_head, ev_count;

	/* the current poll's callback */
	logtail_line_fn	 fn;
	void		*ctx;
	int		 lines;
};

/* ------------------------------------------------------------------ */
/* Status and events */

static void
set_status(struct logtail *t, int once, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_status(struct logtail *t, int once, const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(t->status);
	t->status = buf_detach(&b);
	t->status_once = once;
}

static void
clear_status(struct logtail *t)
{
	free(t->status);
	t->status = NULL;
	t->status_once = 0;
}

static void
add_event(struct logtail *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add_event(struct logtail *t, const char *fmt, ...)
{
	va_list ap;
	int slot;

	if (t->ev_count == MAX_EVENTS) {
		/* Full: the oldest goes. */
		t->ev_head = (t->ev_head + 1) % MAX_EVENTS;
		t->ev_count--;
	}
	slot = (t->ev_head + t->ev_count) % MAX_EVENTS;
	va_start(ap, fmt);
	vsnprintf(t->events[slot], EVENT_LEN, fmt, ap);
	va_end(ap);
	t->ev_count++;
}

int
logtail_take_event(struct logtail *t, char *buf, size_t len)
{
	if (t->ev_count == 0)
		return 0;
	if (len > 0)
		util_strlcpy(buf, t->events[t->ev_head], len);
	t->ev_head = (t->ev_head + 1) % MAX_EVENTS;
	t->ev_count--;
	return 1;
}

const char *
logtail_status(const struct logtail *t)
{
	return t->status;
}

const char *
logtail_path(const struct logtail *t)
{
	return t->path;
}

void
logtail_set_partial_wait(struct logtail *t, int64_t ms)
{
	t->partial_wait_ms = ms < 0 ? 0 : ms;
}

/* ------------------------------------------------------------------ */
/* inotify: wake-ups only */

/*
 * One inotify instance for every tailer of the process: the kernel
 * allows a user 128 instances (fs.inotify.max_user_instances), one per
 * tailer ran out at a fleet of a hundred workers with logs, and one
 * read per tailer per tick cost a syscall each for nothing.  Watches are
 * per inode: tailers of files in one directory share its watch, which
 * is removed when the last of them lets go.  Events are handed to the
 * tailers they concern (a directory event only to the tailer whose file
 * name it carries), and read either by logtail_drain, once for all, or
 * by a poll that comes with no drain since the last one.
 */
static struct {
	int		  ifd;		/* -1: none yet, or inotify unavailable */
	struct logtail	**tails;
	size_t		  n, cap;
	unsigned	  gen;		/* logtail_drain calls so far */
} shared = { -1, NULL, 0, 0, 0 };

static void
shared_join(struct logtail *t)
{
	if (shared.n == 0 && shared.ifd == -1)
		shared.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	shared.tails = xgrow(shared.tails, &shared.cap, shared.n + 1,
	    sizeof *shared.tails);
	shared.tails[shared.n++] = t;
	t->seen_gen = shared.gen;
}

/* Is wd used by a tailer other than t? */
static int
wd_shared(const struct logtail *t, int wd)
{
	size_t i;

	for (i = 0; i < shared.n; i++) {
		const struct logtail *o = shared.tails[i];

		if (o != t && (o->dir_wd == wd || o->file_wd == wd))
			return 1;
	}
	return 0;
}

static void
wd_release(struct logtail *t, int *wd)
{
	if (shared.ifd != -1 && *wd >= 0 && !wd_shared(t, *wd))
		inotify_rm_watch(shared.ifd, *wd);
	*wd = -1;
}

static void
shared_leave(struct logtail *t)
{
	size_t i;

	wd_release(t, &t->file_wd);
	wd_release(t, &t->dir_wd);
	for (i = 0; i < shared.n; i++) {
		if (shared.tails[i] == t) {
			shared.tails[i] = shared.tails[--shared.n];
			break;
		}
	}
	if (shared.n == 0) {
		if (shared.ifd != -1)
			close(shared.ifd);
		shared.ifd = -1;
		free(shared.tails);
		shared.tails = NULL;
		shared.cap = 0;
	}
}

static void
watch_dir(struct logtail *t)
{
	if (shared.ifd == -1 || t->dir_wd >= 0)
		return;
	t->dir_wd = inotify_add_watch(shared.ifd, t->dir, IN_CREATE |
	    IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |
	    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
}

static void
watch_file(struct logtail *t)
{
	if (shared.ifd == -1)
		return;
	wd_release(t, &t->file_wd);
	t->file_wd = inotify_add_watch(shared.ifd, t->path,
	    IN_MODIFY | IN_ATTRIB);
}

static void
unwatch_file(struct logtail *t)
{
	wd_release(t, &t->file_wd);
}

/* Hand one event to the tailers it concerns. */
static void
deliver_event(const struct inotify_event *ev)
{
	size_t i;

	for (i = 0; i < shared.n; i++) {
		struct logtail *t = shared.tails[i];

		if (ev->mask & IN_Q_OVERFLOW) {
			/* events were lost: everyone looks */
			t->pending++;
			t->dir_event = 1;
			continue;
		}
		if (ev->wd == t->file_wd) {
			t->pending++;
			if (ev->mask & IN_IGNORED)
				t->file_wd = -1;
		}
		if (ev->wd != t->dir_wd)
			continue;
		/* The directory's own events (it went away, moved or
		 * changed mode) and those that name our file; not a
		 * neighbour's (a pid file rewritten every second). */
		if (ev->len == 0 || strcmp(ev->name, t->base) == 0) {
			t->pending++;
			t->dir_event = 1;
		}
		/* The directory itself went away: watch again once it is
		 * back. */
		if (ev->mask & IN_IGNORED)
			t->dir_wd = -1;
	}
}

/* Read what the shared inotify has, handing each event out. */
static void
shared_read(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, off;

	if (shared.ifd == -1)
		return;
	for (;;) {
		n = read(shared.ifd, buf, sizeof buf);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		for (off = 0; off + (ssize_t)sizeof *ev <= n;
		    off += (ssize_t)(sizeof *ev + ev->len)) {
			ev = (const struct inotify_event *)(buf + off);
			deliver_event(ev);
		}
	}
}

void
logtail_drain(void)
{
	shared_read();
	shared.gen++;
}

/* How many events concern t since its last poll (nonzero too when
 * inotify is not there: the file is then looked at every poll). */
static unsigned
take_events(struct logtail *t)
{
	unsigned n;

	if (shared.ifd == -1)
		return 1;
	/* no logtail_drain since our last poll: read for ourselves */
	if (t->seen_gen == shared.gen)
		shared_read();
	t->seen_gen = shared.gen;
	watch_dir(t);
	n = t->pending;
	t->pending = 0;
	return n;
}

/* ------------------------------------------------------------------ */
/* Lines */

static void
emit(struct logtail *t, char *line, size_t len, int64_t off)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	t->fn(t->ctx, line, len, off);
	t->lines++;
}

static void
emit_partial(struct logtail *t)
{
	if (t->plen == 0)
		return;
	emit(t, t->part, t->plen, t->part_off);
	t->plen = 0;
}

/* Add bytes to the partial line; whenever it reaches LOGTAIL_LINE_MAX
 * bytes it is reported as a line of its own. */
static void
part_add(struct logtail *t, const char *p, size_t n, int64_t off)
{
	size_t room;

	if (t->part == NULL)
		t->part = xmalloc(LOGTAIL_LINE_MAX + 1);
	while (n > 0) {
		if (t->plen == 0) {
			t->part_off = off;
			t->part_since = util_mono_ms();
		}
		room = LOGTAIL_LINE_MAX - t->plen;
		if (room > n)
			room = n;
		memcpy(t->part + t->plen, p, room);
		t->plen += room;
		p += room;
		n -= room;
		off += (int64_t)room;
		t->part_cut = 0;
		if (t->plen == LOGTAIL_LINE_MAX) {
			emit_partial(t);
			t->part_cut = 1;
		}
	}
}

/* Split n bytes read at file offset base into lines.  data has room for
 * one more byte (the NUL after a line that ends the buffer). */
static void
split(struct logtail *t, char *data, size_t n, int64_t base)
{
	char *p = data, *end = data + n, *nl;

	if (t->skip_to_nl) {
		nl = memchr(p, '\n', n);
		if (nl == NULL)
			return;
		p = nl + 1;
		t->skip_to_nl = 0;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			part_add(t, p, (size_t)(end - p), base + (p - data));
			break;
		}
		if (t->plen == 0 && !t->part_cut) {
			emit(t, p, (size_t)(nl - p), base + (p - data));
		} else {
			part_add(t, p, (size_t)(nl - p), base + (p - data));
			/* A line cut exactly at the cap ends here: no
			 * empty line for its newline. */
			emit_partial(t);
		}
		t->part_cut = 0;
		p = nl + 1;
	}
}

/* ------------------------------------------------------------------ */
/* Files */

static void
close_file(struct logtail *t)
{
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
	t->skip_to_nl = 0;
	t->part_cut = 0;
	unwatch_file(t);
}

static const char *
reason(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return "permission denied";
	case EISDIR:
		return "is a directory";
	case ENXIO:
		return "not a regular file (no device or address)";
	case ELOOP:
		return "too many levels of symbolic links";
	default:
		return strerror(err);
	}
}

static void
unreadable(struct logtail *t, const char *why)
{
	if (t->state == TAIL_UNREADABLE && t->unreadable != NULL &&
	    strcmp(t->unreadable, why) == 0 && t->status != NULL)
		return;
	add_event(t, "%s: %s", t->path, why);
	free(t->unreadable);
	t->unreadable = xstrdup(why);
	t->state = TAIL_UNREADABLE;
	set_status(t, 0, "%s: %s", t->path, why);
}

static void
waiting(struct logtail *t)
{
	if (t->state == TAIL_WAITING && t->status != NULL)
		return;
	t->state = TAIL_WAITING;
	set_status(t, 0, "waiting for %s", t->path);
}

/*
 * Open the file at the path, from its end (at_end) or its start.  On
 * OPEN_OK the new file is current and the state is updated with an
 * event for what changed; otherwise the state says why.
 */
static enum open_result
open_file(struct logtail *t, int at_end)
{
	struct stat st;
	char c;
	int fd;

	fd = open(t->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR) {
			waiting(t);
			return OPEN_WAIT;
		}
		unreadable(t, reason(errno));
		return OPEN_UNREADABLE;
	}
	if (fstat(fd, &st) == -1) {
		unreadable(t, reason(errno));
		close(fd);
		return OPEN_UNREADABLE;
	}
	if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
		unreadable(t, S_ISDIR(st.st_mode) ? "is a directory" :
		    "not a regular file");
		close(fd);
		return OPEN_UNREADABLE;
	}

	t->fd = fd;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->offset = 0;
	t->skip_to_nl = 0;
	if (at_end && st.st_size > 0) {
		t->offset = st.st_size;
		/* A line still being written: its rest is not a line. */
		if (pread(fd, &c, 1, st.st_size - 1) == 1 && c != '\n')
			t->skip_to_nl = 1;
	}
	if (t->state == TAIL_UNREADABLE)
		add_event(t, "%s readable again", t->path);
	else if (t->state == TAIL_WAITING)
		add_event(t, "%s appeared", t->path);
	t->state = TAIL_OK;
	free(t->unreadable);
	t->unreadable = NULL;
	clear_status(t);
	t->ever_opened = 1;
	watch_file(t);
	return OPEN_OK;
}

static struct logtail *
tail_new(const char *path, int from_start)
{
	struct logtail *t;
	char *slash;

	t = xcalloc(1, sizeof *t);
	t->path = xstrdup(path);
	slash = strrchr(t->path, '/');
	if (slash == NULL)
		t->dir = xstrdup(".");
	else if (slash == t->path)
		t->dir = xstrdup("/");
	else
		t->dir = xstrndup(t->path, (size_t)(slash - t->path));
	t->base = slash == NULL ? t->path : slash + 1;
	t->fd = -1;
	t->partial_wait_ms = LOGTAIL_PARTIAL_WAIT_MS;
	t->dir_wd = -1;
	t->file_wd = -1;
	shared_join(t);
	watch_dir(t);
	/* The first state change is not an event: "waiting" is reported
	 * by the status, and a file found now is simply opened. */
	t->state = TAIL_OK;
	if (open_file(t, !from_start) != OPEN_OK) {
		/* Whatever that added is the starting condition, not news. */
		t->ev_count = 0;
		t->ev_head = 0;
	}
	return t;
}

struct logtail *
logtail_open(const char *path)
{
	return tail_new(path, 0);
}

struct logtail *
logtail_open_from_start(const char *path)
{
	return tail_new(path, 1);
}

void
logtail_free(struct logtail *t)
{
	if (t == NULL)
		return;
	if (t->fd != -1)
		close(t->fd);
	shared_leave(t);
	free(t->path);
	free(t->dir);
	free(t->status);
	free(t->unreadable);
	free(t->part);
	free(t);
}

int
logtail_fd(struct logtail *t)
{
	(void)t;
	return shared.ifd;
}

/* One read at our offset, of at most *budget bytes.  Returns the bytes
 * read (0 at the end of the file), or -1 on an error; *at_end (when not
 * NULL) says whether a read of some bytes reached the end. */
static ssize_t
read_some(struct logtail *t, size_t *budget, int *at_end)
{
	/* One buffer for every tail: split() is done with it before the
	 * next read, and tails are only read from the engine's thread (a
	 * buffer each was 32K a worker). */
	static char rbuf[READ_BUF + 1];
	size_t want = *budget < READ_BUF ? *budget : READ_BUF;
	ssize_t n;

	do
		n = pread(t->fd, rbuf, want, (off_t)t->offset);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		n = 0;
	if (n <= 0)
		return n;
	split(t, rbuf, (size_t)n, t->offset);
	t->offset += n;
	*budget -= (size_t)n;
	/* a regular file's short read ends at its end: no read of nothing
	 * needed to find it (one pread a written log a tick) */
	if (at_end != NULL)
		*at_end = (size_t)n < want;
	return n;
}

enum check { CHECK_STOP, CHECK_MORE };

/*
 * At the end of the current file: has it been truncated, replaced or
 * deleted?  Returns CHECK_MORE when there is something new to read now
 * (from the start of a truncated or new file), CHECK_STOP otherwise.
 */
static enum check
check_file(struct logtail *t, size_t *budget, int grew)
{
	struct stat fst, pst;
	ssize_t n;

	/* When this poll has read something, the file was no shorter
	 * than where we are when the last read found its end: a truncation
	 * after that is a new change, seen by the next poll that reads
	 * nothing (at the latest the next full look, LOGTAIL_FULL_EVERY
	 * polls on).  One fstat a written log a tick saved. */
	if (!grew && fstat(t->fd, &fst) == 0 && fst.st_size < t->offset) {
		emit_partial(t);
		t->offset = 0;
		t->skip_to_nl = 0;
		t->part_cut = 0;
		add_event(t, "%s truncated, reading again from the start",
		    t->path);
		set_status(t, 1, "%s truncated", t->path);
		return CHECK_MORE;
	}
	/* Without inotify, or when the directory changed (a rotation
	 * renames, creates or deletes there), look at the path. */
	if (!t->full_look && !t->dir_event)
		return CHECK_STOP;
	t->dir_event = 0;
	if (stat(t->path, &pst) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			return CHECK_STOP;	/* e.g. the directory's mode */
		if (fstat(t->fd, &fst) == 0 && fst.st_nlink > 0)
			return CHECK_STOP;	/* renamed away: still written */
		emit_partial(t);
		close_file(t);
		add_event(t, "%s disappeared, waiting for it", t->path);
		waiting(t);
		return CHECK_STOP;
	}
	if (pst.st_dev == t->dev && pst.st_ino == t->ino)
		return CHECK_STOP;

	/* Replaced.  What was written to the old file between our last
	 * read and the rename is read first. */
	n = read_some(t, budget, NULL);
	if (n != 0)
		return n > 0 ? CHECK_MORE : CHECK_STOP;
	emit_partial(t);
	close_file(t);
	/* Not "appeared": the state is OK, so open_file adds no event. */
	switch (open_file(t, 0)) {
	case OPEN_OK:
		add_event(t, "%s rotated", t->path);
		set_status(t, 1, "%s rotated", t->path);
		return CHECK_MORE;
	case OPEN_WAIT:
		/* Gone again between our stat and open. */
		add_event(t, "%s disappeared, waiting for it", t->path);
		return CHECK_STOP;
	default:
		return CHECK_STOP;
	}
}

int
logtail_poll(struct logtail *t, logtail_line_fn fn, void *ctx,
    size_t max_bytes)
{
	size_t budget = max_bytes > 0 ? max_bytes : LOGTAIL_DEFAULT_MAX;
	ssize_t n;
	int grew = 0;

	t->fn = fn;
	t->ctx = ctx;
	t->lines = 0;
	/*
	 * Nothing changed since a poll that read to the end (inotify says
	 * so): nothing to read, no rotation to look for.  Every
	 * LOGTAIL_FULL_EVERY polls, and always without inotify, the file
	 * is looked at anyway (events can be lost when the queue is full).
	 */
	t->full_look = ++t->polls % LOGTAIL_FULL_EVERY == 0 ||
	    shared.ifd == -1 || t->file_wd < 0 || t->dir_wd < 0;
	if (take_events(t) == 0 && t->at_end && t->fd != -1 &&
	    t->plen == 0 && !t->status_once && !t->full_look)
		return 0;
	t->at_end = 0;
	if (t->status_once)
		clear_status(t);

	if (t->fd == -1) {
		switch (open_file(t, 0)) {
		case OPEN_WAIT:
			return 0;
		case OPEN_UNREADABLE:
			return -1;
		default:
			break;
		}
	}

	while (budget > 0) {
		int at_end = 0;

		n = read_some(t, &budget, &at_end);
		if (n > 0)
			grew = 1;
		if (n == -1) {
			int err = errno;

			emit_partial(t);
			close_file(t);
			unreadable(t, reason(err));
			return t->lines > 0 ? t->lines : -1;
		}
		if (n > 0 && !at_end)
			continue;
		if (check_file(t, &budget, grew) == CHECK_STOP) {
			t->at_end = t->fd != -1;
			break;
		}
	}

	if (t->plen > 0 && util_mono_ms() - t->part_since >= t->partial_wait_ms)
		emit_partial(t);
	if (t->lines == 0 && t->state == TAIL_UNREADABLE)
		return -1;	/* replaced by something unreadable */
	return t->lines;
}

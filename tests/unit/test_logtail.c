/*
 * test_logtail.c -- following real files in a temporary directory:
 * appends, partial lines, a file created late, rename rotation,
 * copytruncate, deletion, a 10 MB burst read in bounded chunks, paths
 * that cannot be read, and bytes that are not UTF-8.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "logtail.h"
#include "util.h"

/* ---------------------------------------------------------------- harness */

struct got {
	char	       **line;
	size_t		*len;
	int64_t		*off;
	size_t		 n, cap, capl, capo;
};

static void
on_line(void *ctx, const char *line, size_t len, int64_t off)
{
	struct got *g = ctx;

	assert_int_equal(line[len], '\0');
	g->line = xgrow(g->line, &g->cap, g->n + 1, sizeof *g->line);
	g->len = xgrow(g->len, &g->capl, g->n + 1, sizeof *g->len);
	g->off = xgrow(g->off, &g->capo, g->n + 1, sizeof *g->off);
	g->line[g->n] = xmalloc(len + 1);
	memcpy(g->line[g->n], line, len + 1);
	g->len[g->n] = len;
	g->off[g->n] = off;
	g->n++;
}

static void
got_clear(struct got *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->line[i]);
	g->n = 0;
}

static void
got_free(struct got *g)
{
	got_clear(g);
	free(g->line);
	free(g->len);
	free(g->off);
	memset(g, 0, sizeof *g);
}

/* The lines collected so far, joined by '|', for one-line comparisons. */
static char *
joined(const struct got *g)
{
	struct buf b = {0};
	size_t i;

	buf_adds(&b, "");
	for (i = 0; i < g->n; i++) {
		if (i > 0)
			buf_addc(&b, '|');
		buf_add(&b, g->line[i], g->len[i]);
	}
	return buf_detach(&b);
}

static void
assert_lines(const struct got *g, const char *want)
{
	char *s = joined(g);

	if (strcmp(s, want) != 0)
		fail_msg("lines \"%s\", expected \"%s\"", s, want);
	free(s);
}

struct tmp {
	char	 dir[64];
	char	*path;
};

static int
setup(void **state)
{
	struct tmp *t = xcalloc(1, sizeof *t);

	strcpy(t->dir, "/tmp/test_logtail.XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	t->path = xasprintf("%s/app.log", t->dir);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tmp *t = *state;
	char *cmd = xasprintf("rm -rf '%s'", t->dir);

	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t->dir);
	free(cmd);
	free(t->path);
	free(t);
	return 0;
}

static void
append(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, n), (ssize_t)n);
	close(fd);
}

static void
appends(const char *path, const char *s)
{
	append(path, s, strlen(s));
}

static int
has_event(struct logtail *lt, const char *needle)
{
	char msg[256];
	int found = 0;

	while (logtail_take_event(lt, msg, sizeof msg))
		if (strstr(msg, needle) != NULL)
			found = 1;
	return found;
}

/* ------------------------------------------------------------------ tests */

static void
test_append(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};

	appends(t->path, "old history\n");
	lt = logtail_open(t->path);
	assert_null(logtail_status(lt));
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 0);

	appends(t->path, "first\nsecond\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 2);
	assert_lines(&g, "first|second");
	assert_int_equal(g.off[0], 12);
	assert_int_equal(g.off[1], 18);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 0);
	assert_int_equal(g.n, 2);
	assert_false(has_event(lt, ""));
	logtail_free(lt);
	got_free(&g);

	/* From the start, the history too. */
	lt = logtail_open_from_start(t->path);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 3);
	assert_lines(&g, "old history|first|second");
	logtail_free(lt);
	got_free(&g);
}

static void
test_partial(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};

	appends(t->path, "");
	lt = logtail_open(t->path);
	/* Long enough that a loaded machine does not report it early. */
	logtail_set_partial_wait(lt, 60000);
	appends(t->path, "one\npar");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	appends(t->path, "ti");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 0);
	appends(t->path, "al\r\nthree\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 2);
	assert_lines(&g, "one|partial|three");
	assert_int_equal(g.off[1], 4);
	assert_int_equal(g.off[2], 13);

	/* An unterminated line is reported once it has waited. */
	got_clear(&g);
	logtail_set_partial_wait(lt, 0);
	appends(t->path, "no newline yet");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_lines(&g, "no newline yet");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 0);
	logtail_free(lt);
	got_free(&g);

	/* Opened while a line is half written: its rest is skipped. */
	unlink(t->path);
	appends(t->path, "complete\nhalf a li");
	lt = logtail_open(t->path);
	appends(t->path, "ne\nnext\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_lines(&g, "next");
	logtail_free(lt);
	got_free(&g);
}

static void
test_long_line(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};
	size_t n = 150000;
	char *big = xmalloc(n + 1);

	memset(big, 'x', n);
	big[n] = '\n';
	lt = logtail_open(t->path);
	append(t->path, big, n + 1);
	appends(t->path, "after\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 4);
	assert_int_equal(g.len[0], LOGTAIL_LINE_MAX);
	assert_int_equal(g.len[1], LOGTAIL_LINE_MAX);
	assert_int_equal(g.len[2], n - 2 * LOGTAIL_LINE_MAX);
	assert_int_equal(g.off[1], LOGTAIL_LINE_MAX);
	assert_string_equal(g.line[3], "after");

	/* Exactly the cap: one line, no empty one after it. */
	got_clear(&g);
	append(t->path, big, LOGTAIL_LINE_MAX);
	appends(t->path, "\nend\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 2);
	assert_int_equal(g.len[0], LOGTAIL_LINE_MAX);
	assert_string_equal(g.line[1], "end");
	logtail_free(lt);
	got_free(&g);
	free(big);
}

static void
test_created_later(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};
	char *want;

	lt = logtail_open(t->path);
	want = xasprintf("waiting for %s", t->path);
	assert_non_null(logtail_status(lt));
	assert_string_equal(logtail_status(lt), want);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 0);
	assert_string_equal(logtail_status(lt), want);
	assert_false(has_event(lt, ""));

	/* Read from its beginning: all of it is new. */
	appends(t->path, "hello\nworld\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 2);
	assert_lines(&g, "hello|world");
	assert_int_equal(g.off[0], 0);
	assert_null(logtail_status(lt));
	assert_true(has_event(lt, "appeared"));
	free(want);
	logtail_free(lt);
	got_free(&g);
}

static void
test_rotation(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};
	char *old = xasprintf("%s.1", t->path);
	int wfd;

	appends(t->path, "before open\n");
	lt = logtail_open(t->path);
	/* The writer keeps its descriptor across the rename, as a
	 * process does until it is told to reopen its log. */
	wfd = open(t->path, O_WRONLY | O_APPEND);
	assert_true(wfd >= 0);
	assert_int_equal(write(wfd, "1\n2\n", 4), 4);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 2);
	assert_int_equal(write(wfd, "3\n", 2), 2);
	assert_int_equal(rename(t->path, old), 0);
	assert_int_equal(write(wfd, "4 (old file, after the rename)\n", 31), 31);

	/* Renamed away and no new file yet: keep reading the old one. */
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 2);
	assert_null(logtail_status(lt));
	assert_int_equal(write(wfd, "5\n", 2), 2);
	appends(t->path, "6 (new file)\n7\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 3);
	assert_lines(&g, "1|2|3|4 (old file, after the rename)|5|6 (new file)|7");
	assert_int_equal(g.off[5], 0);
	assert_true(strstr(logtail_status(lt), "rotated") != NULL);
	assert_true(has_event(lt, "rotated"));

	/* Nothing twice, and the rotated status lasts one poll. */
	assert_int_equal(write(wfd, "late write to the old file\n", 27), 27);
	appends(t->path, "8\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_string_equal(g.line[7], "8");
	assert_null(logtail_status(lt));
	close(wfd);

	/* Rotated twice between two polls: the newest is taken. */
	assert_int_equal(rename(t->path, old), 0);
	appends(t->path, "9\n");
	assert_int_equal(rename(t->path, old), 0);
	appends(t->path, "10\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_string_equal(g.line[8], "10");
	free(old);
	logtail_free(lt);
	got_free(&g);
}

static void
test_copytruncate(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};

	appends(t->path, "");
	lt = logtail_open(t->path);
	appends(t->path, "aaaa\nbbbb\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 2);
	assert_int_equal(truncate(t->path, 0), 0);
	appends(t->path, "c\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_lines(&g, "aaaa|bbbb|c");
	assert_int_equal(g.off[2], 0);
	assert_true(strstr(logtail_status(lt), "truncated") != NULL);
	assert_true(has_event(lt, "truncated"));
	appends(t->path, "d\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_null(logtail_status(lt));
	assert_lines(&g, "aaaa|bbbb|c|d");
	logtail_free(lt);
	got_free(&g);
}

static void
test_deleted(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};

	appends(t->path, "");
	lt = logtail_open(t->path);
	logtail_set_partial_wait(lt, 60000);
	appends(t->path, "a\nunfinished");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_int_equal(unlink(t->path), 0);
	/* The unfinished line of the deleted file is reported. */
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_true(strncmp(logtail_status(lt), "waiting for ", 12) == 0);
	assert_true(has_event(lt, "disappeared"));
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 0);

	appends(t->path, "b\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_lines(&g, "a|unfinished|b");
	assert_null(logtail_status(lt));
	assert_true(has_event(lt, "appeared"));
	logtail_free(lt);
	got_free(&g);
}

struct burst {
	long	 next;		/* the sequence number expected next */
	size_t	 bytes;		/* this call's bytes, newlines included */
	int	 bad;
};

static void
on_burst(void *ctx, const char *line, size_t len, int64_t off)
{
	struct burst *b = ctx;

	if (strtol(line, NULL, 10) != b->next || len != 99)
		b->bad++;
	b->next++;
	b->bytes += len + 1;
}

static void
test_burst(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct burst b = {0};
	size_t total = 10 * 1024 * 1024, max = 1024 * 1024, i;
	long nlines = (long)(total / 100);
	char *data = xmalloc((size_t)nlines * 100 + 1);
	int calls = 0, rc;
	int64_t t0;

	for (i = 0; i < (size_t)nlines; i++) {
		char *line = data + i * 100;

		memset(line, ' ', 100);
		memcpy(line, "00000000 worker: request served in 12 ms", 40);
		snprintf(line, 9, "%08u", (unsigned)i);
		line[8] = ' ';
		line[99] = '\n';
	}
	appends(t->path, "");
	lt = logtail_open(t->path);
	append(t->path, data, (size_t)nlines * 100);
	t0 = util_mono_ns();
	do {
		b.bytes = 0;
		rc = logtail_poll(lt, on_burst, &b, max);
		assert_true(rc >= 0);
		/* Bounded: at most max bytes per call (a line may have
		 * started in the previous call). */
		assert_true(b.bytes <= max + 100);
		if (rc > 0)
			calls++;
	} while (rc > 0);
	fprintf(stderr, "burst: %ld lines (10 MB) in %d calls, %.1f ms\n",
	    b.next, calls, (double)(util_mono_ns() - t0) / 1e6);
	assert_int_equal(b.bad, 0);
	assert_int_equal(b.next, nlines);
	assert_true(calls >= 10 && calls <= 11);
	logtail_free(lt);
	free(data);
}

static void
test_directory(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};
	char *want = xasprintf("%s: is a directory", t->path);

	assert_int_equal(mkdir(t->path, 0755), 0);
	lt = logtail_open(t->path);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), -1);
	assert_string_equal(logtail_status(lt), want);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), -1);

	/* Fixed: it is read from its start. */
	assert_int_equal(rmdir(t->path), 0);
	appends(t->path, "now a file\n");
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_lines(&g, "now a file");
	assert_null(logtail_status(lt));
	assert_true(has_event(lt, "readable again"));

	/* Replaced by a directory while followed. */
	assert_int_equal(unlink(t->path), 0);
	assert_int_equal(mkdir(t->path, 0755), 0);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), -1);
	assert_string_equal(logtail_status(lt), want);
	assert_true(has_event(lt, "is a directory"));
	free(want);
	logtail_free(lt);
	got_free(&g);
}

static void
test_unreadable(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};
	struct sockaddr_un sa;
	char *fifo = xasprintf("%s/fifo", t->dir);
	int s;

	/* chmod 000: root reads it anyway, so the assertion is only
	 * made for other users. */
	appends(t->path, "secret\n");
	assert_int_equal(chmod(t->path, 0), 0);
	lt = logtail_open_from_start(t->path);
	if (geteuid() != 0) {
		char *want = xasprintf("%s: permission denied", t->path);

		assert_int_equal(logtail_poll(lt, on_line, &g, 0), -1);
		assert_string_equal(logtail_status(lt), want);
		free(want);
	} else {
		fprintf(stderr, "running as root: permission denied not "
		    "checked (root ignores the mode); a socket and a FIFO "
		    "stand in for unreadable files below\n");
		assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	}
	logtail_free(lt);
	got_free(&g);

	/* A socket cannot be opened at all (ENXIO), even by root. */
	unlink(t->path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	util_strlcpy(sa.sun_path, t->path, sizeof sa.sun_path);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	lt = logtail_open(t->path);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), -1);
	assert_true(strstr(logtail_status(lt), "not a regular file") != NULL);
	logtail_free(lt);
	close(s);

	/* A FIFO opens without blocking, and is refused. */
	assert_int_equal(mkfifo(fifo, 0644), 0);
	lt = logtail_open(fifo);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), -1);
	assert_true(strstr(logtail_status(lt), "not a regular file") != NULL);
	logtail_free(lt);
	free(fifo);
}

static void
test_bytes(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};
	static const char junk[] = "\xff\xfe latin-1 caf\xe9 \x80\n"
	    "nul\0inside\n\xf0\x9f\x94\xa5 utf-8\n";

	appends(t->path, "");
	lt = logtail_open(t->path);
	append(t->path, junk, sizeof junk - 1);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 3);
	assert_int_equal(g.len[0], 17);
	assert_memory_equal(g.line[0], "\xff\xfe latin-1 caf\xe9 \x80", 17);
	assert_int_equal(g.len[1], 10);
	assert_memory_equal(g.line[1], "nul\0inside", 10);
	assert_string_equal(g.line[2], "\xf0\x9f\x94\xa5 utf-8");
	logtail_free(lt);
	got_free(&g);
}

static void
test_inotify(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};
	struct pollfd pfd;

	lt = logtail_open(t->path);
	if (logtail_fd(lt) == -1) {
		fprintf(stderr, "no inotify here: wake-ups not checked\n");
		logtail_free(lt);
		return;
	}
	pfd.fd = logtail_fd(lt);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 0);

	/* The directory watch sees the file appear... */
	appends(t->path, "x\n");
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	/* ...and the file watch an append. */
	appends(t->path, "y\n");
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_int_equal(logtail_poll(lt, on_line, &g, 0), 1);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_lines(&g, "x|y");
	logtail_free(lt);
	got_free(&g);
}

/*
 * Every tailer shares one inotify instance: more tailers than the
 * kernel's default 128 instances a user, each with its lines after one
 * logtail_drain; and a tailer freed does not take the directory watch
 * its neighbour still needs (the neighbour sees a rotation at once, not
 * at its next periodic look).
 */
static void
test_shared_inotify(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt[200], *a, *b;
	struct got g = {0};
	char *path, *old;
	size_t i;

	for (i = 0; i < 200; i++) {
		path = xasprintf("%s/w%zu.log", t->dir, i);
		appends(path, "old\n");
		lt[i] = logtail_open(path);
		free(path);
	}
	if (logtail_fd(lt[0]) == -1) {
		fprintf(stderr, "no inotify here: sharing not checked\n");
	} else {
		for (i = 1; i < 200; i++)
			assert_int_equal(logtail_fd(lt[i]), logtail_fd(lt[0]));
	}
	for (i = 0; i < 200; i++) {
		char line[32];

		path = xasprintf("%s/w%zu.log", t->dir, i);
		snprintf(line, sizeof line, "line %zu\n", i);
		appends(path, line);
		free(path);
	}
	logtail_drain();
	for (i = 0; i < 200; i++) {
		char want[32];

		got_clear(&g);
		assert_int_equal(logtail_poll(lt[i], on_line, &g, 0), 1);
		snprintf(want, sizeof want, "line %zu", i);
		assert_lines(&g, want);
	}
	for (i = 0; i < 200; i++)
		logtail_free(lt[i]);

	/* two tailers in one directory; the second goes */
	path = xasprintf("%s/other.log", t->dir);
	old = xasprintf("%s.1", t->path);
	appends(t->path, "");
	appends(path, "");
	a = logtail_open(t->path);
	b = logtail_open(path);
	got_clear(&g);
	assert_int_equal(logtail_poll(a, on_line, &g, 0), 0);
	assert_int_equal(logtail_poll(b, on_line, &g, 0), 0);
	logtail_free(b);
	/* rotated: seen at the next poll (the third, not a periodic look) */
	assert_int_equal(rename(t->path, old), 0);
	appends(t->path, "new file\n");
	assert_int_equal(logtail_poll(a, on_line, &g, 0), 1);
	assert_lines(&g, "new file");
	if (logtail_fd(a) != -1)
		assert_true(has_event(a, "rotated"));
	logtail_free(a);
	free(path);
	free(old);
	got_free(&g);
}

static void
test_events_bounded(void **state)
{
	struct tmp *t = *state;
	struct logtail *lt;
	struct got g = {0};
	char msg[16];
	int i, n = 0;

	appends(t->path, "");
	lt = logtail_open(t->path);
	for (i = 0; i < 20; i++) {
		appends(t->path, "some line\n");
		logtail_poll(lt, on_line, &g, 0);
		assert_int_equal(truncate(t->path, 0), 0);
		logtail_poll(lt, on_line, &g, 0);
	}
	/* Truncated to fit the buffer; only the newest 8 kept. */
	while (logtail_take_event(lt, msg, sizeof msg)) {
		assert_int_equal(strlen(msg), sizeof msg - 1);
		n++;
	}
	assert_int_equal(n, 8);
	logtail_free(lt);
	got_free(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_created_later, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copytruncate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inotify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_inotify, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_events_bounded, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

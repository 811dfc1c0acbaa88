/*
 * test_store.c -- the history store: round trips, crash recovery,
 * retention, refusals, a live reader, window reads, disk full, damage.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "codec.h"
#include "store.h"
#include "util.h"

#define T0	1700000000000LL

static char tmpdir[256];
static char err[1024];

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	if (flag == FTW_DP || flag == FTW_D)
		chmod(path, 0755);
	return remove(path);
}

static int
setup(void **state)
{
	util_strlcpy(tmpdir, "/tmp/test_store.XXXXXX", sizeof tmpdir);
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	chmod(tmpdir, 0755);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static char *
tpath(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* ---- collecting points ---- */

struct pts {
	int64_t	*sid;
	int64_t	*ts;
	double	*v;
	size_t	 n, cap;
	size_t	 stop_after;	/* 0 = never */
};

static int
collect(void *ctx, int64_t sid, int64_t ts, double v)
{
	struct pts *p = ctx;

	if (p->n == p->cap) {
		size_t cap = p->cap;

		p->sid = xgrow(p->sid, &cap, p->n + 1, sizeof *p->sid);
		p->ts = xrealloc(p->ts, cap * sizeof *p->ts);
		p->v = xrealloc(p->v, cap * sizeof *p->v);
		p->cap = cap;
	}
	p->sid[p->n] = sid;
	p->ts[p->n] = ts;
	p->v[p->n] = v;
	p->n++;
	return p->stop_after != 0 && p->n >= p->stop_after;
}

static void
pts_free(struct pts *p)
{
	free(p->sid);
	free(p->ts);
	free(p->v);
	memset(p, 0, sizeof *p);
}

static uint64_t
bits_of(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof b);
	return b;
}

static double
double_of(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof v);
	return v;
}

/* The value series s has at tick t in the synthetic recordings. */
static double
value_at(int s, int t)
{
	switch (s % 5) {
	case 0:
		return 1e9 + 4096.0 * (double)((t * 7 + s) % 13);	/* gauge */
	case 1:
		return (double)(t * (s + 1));			/* counter */
	case 2:
		return 0.0123 + 0.0001 * (double)((t * 31 + s) % 17);	/* float */
	case 3:
		if (t % 50 == 7)
			return double_of(0x7ff0000000000002ull);	/* stale */
		return t % 3 == 0 ? -0.0 : (double)t;
	default:
		return t % 11 == 0 ? INFINITY : -(double)t;
	}
}

static int64_t
tick_ts(int t)
{
	return T0 + (int64_t)t * 1000;
}

/* Create nseries series (labels with a NUL byte) and write ticks
 * [t_from, t_to) with one commit per tick. */
static void
write_ticks(struct store *st, int64_t *ids, int nseries, int t_from, int t_to)
{
	int s, t;

	for (s = 0; s < nseries; s++) {
		char labels[32];
		int n = snprintf(labels, sizeof labels, "{k=\"%d\"}", s);

		labels[n] = '\0';
		/* a NUL inside the label text, kept by length */
		ids[s] = store_series(st, s % 2 ? "w1" : "w0", "m", labels,
		    (size_t)n + 1);
		assert_true(ids[s] > 0);
	}
	for (t = t_from; t < t_to; t++) {
		for (s = 0; s < nseries; s++)
			store_append(st, ids[s], tick_ts(t), value_at(s, t));
		assert_int_equal(store_commit(st, err, sizeof err), 0);
	}
}

/* Every series holds exactly ticks [t_from, t_to). */
static void
verify_ticks(struct store *st, const int64_t *ids, int nseries, int t_from,
    int t_to)
{
	struct pts p = {0};
	int s, t;

	for (s = 0; s < nseries; s++) {
		p.n = 0;
		assert_int_equal(store_read(st, ids[s], INT64_MIN, INT64_MAX,
		    collect, &p), 0);
		assert_int_equal(p.n, (size_t)(t_to - t_from));
		for (t = t_from; t < t_to; t++) {
			assert_int_equal(p.sid[t - t_from], ids[s]);
			assert_int_equal(p.ts[t - t_from], tick_ts(t));
			assert_int_equal(bits_of(p.v[t - t_from]),
			    bits_of(value_at(s, t)));
		}
	}
	pts_free(&p);
}

static void
test_roundtrip(void **state)
{
	char *path = tpath("a/b/rec.db");
	struct store *st;
	int64_t ids[10], ids2[10], first, last;
	struct pts p = {0};
	int s;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_set_chunk_limits(st, 240, STORE_CHUNK_SPAN_MS);
	assert_string_equal(store_path(st), path);
	assert_true(store_has_table(st, "chunks"));
	assert_false(store_has_table(st, "no_such_table"));
	assert_int_equal(store_span(st, &first, &last), 1);
	write_ticks(st, ids, 10, 0, 1000);	/* 4 seals and a tail */
	verify_ticks(st, ids, 10, 0, 1000);
	store_close(st);
	/* the file is what it says */
	assert_int_equal(raw_int(path, "PRAGMA application_id"),
	    STORE_APPLICATION_ID);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(path, "PRAGMA auto_vacuum"), 2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM chunks"), 40);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM tail WHERE epoch = "
	    "(SELECT seq FROM sqlite_sequence WHERE name = 'seals')"), 40);
	assert_int_equal(raw_int(path, "SELECT value FROM meta WHERE key = "
	    "'writer_pid'"), 0);

	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	for (s = 0; s < 10; s++) {
		char labels[32];
		int n = snprintf(labels, sizeof labels, "{k=\"%d\"}", s);

		ids2[s] = store_series(st, s % 2 ? "w1" : "w0", "m", labels,
		    (size_t)n + 1);
		assert_int_equal(ids2[s], ids[s]);
		/* without the NUL it is another series, unknown here */
		assert_int_equal(store_series(st, s % 2 ? "w1" : "w0", "m",
		    labels, (size_t)n), -1);
	}
	verify_ticks(st, ids, 10, 0, 1000);
	assert_int_equal(store_span(st, &first, &last), 0);
	assert_int_equal(first, tick_ts(0));
	assert_int_equal(last, tick_ts(999));
	/* a window: every series, 61 ticks each */
	assert_int_equal(store_read_window(st, tick_ts(230), tick_ts(290),
	    collect, &p), 0);
	assert_int_equal(p.n, 10 * 61);
	pts_free(&p);
	/* a callback can stop a read */
	p.stop_after = 5;
	assert_int_equal(store_read_window(st, INT64_MIN, INT64_MAX, collect,
	    &p), 1);
	assert_int_equal(p.n, 5);
	pts_free(&p);
	assert_int_equal(store_integrity_check(st, err, sizeof err), 0);
	assert_int_equal(store_commit(st, err, sizeof err), -1);
	store_close(st);
	store_close(NULL);
	free(path);
}

static int
count_series(void *ctx, const struct store_series_info *s)
{
	int *n = ctx;

	assert_true(s->labels_len > 0);
	assert_int_equal(s->labels[s->labels_len - 1], '\0');
	(*n)++;
	return 0;
}

static void
test_series_each(void **state)
{
	char *path = tpath("s.db");
	struct store *st;
	int64_t ids[6];
	int n;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	write_ticks(st, ids, 6, 0, 3);
	/* the same series twice is the same id */
	assert_int_equal(store_series(st, "w0", "m", "{k=\"0\"}\0", 8), ids[0]);
	assert_int_equal(store_series(st, "w0", "other", NULL, 0), ids[5] + 1);
	assert_int_equal(store_series(st, "w0", NULL, NULL, 0), -1);
	n = 0;
	assert_int_equal(store_series_each(st, NULL, "m", count_series, &n), 0);
	assert_int_equal(n, 6);
	store_close(st);
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	n = 0;
	assert_int_equal(store_series_each(st, "w1", NULL, count_series, &n), 0);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(store_series_each(st, "w0", "m", count_series, &n), 0);
	assert_int_equal(n, 3);
	store_close(st);
	free(path);
}

/* A child that writes ticks, reporting each committed tick on a pipe,
 * and then dies without closing.  how: 0 = _exit, 1 = wait for SIGKILL. */
static pid_t
spawn_writer(const char *path, int nseries, int ticks, int how, int *rfd)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *st;
		int64_t ids[64];
		int s, t;

		close(fds[0]);
		st = store_open(path, STORE_WRITE, err, sizeof err);
		if (st == NULL)
			_exit(3);
		store_set_chunk_limits(st, 240, STORE_CHUNK_SPAN_MS);
		for (s = 0; s < nseries; s++) {
			char l[16];

			snprintf(l, sizeof l, "%d", s);
			ids[s] = store_series(st, "w", "m", l, strlen(l));
		}
		for (t = 0; how == 1 || t < ticks; t++) {
			for (s = 0; s < nseries; s++)
				store_append(st, ids[s], tick_ts(t), value_at(s, t));
			if (store_commit(st, err, sizeof err) != 0)
				_exit(4);
			if (write(fds[1], &t, sizeof t) != sizeof t)
				_exit(5);
			/* an appended, uncommitted point is lost, no more */
			if (how == 0 && t == ticks - 1)
				store_append(st, ids[0], tick_ts(t + 1), 1);
		}
		_exit(0);
	}
	close(fds[1]);
	*rfd = fds[0];
	return pid;
}

/* Every series holds the same ticks 0..n-1, min_ticks <= n <= max_ticks
 * (a child killed between its commit and its report has one more). */
static void
check_recovered(const char *path, int nseries, int min_ticks, int max_ticks)
{
	struct store *st;
	int64_t ids[64];
	int s, ticks = -1;

	/* a reader sees every committed tick (from the tail) */
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	for (s = 0; s < nseries; s++) {
		char l[16];

		snprintf(l, sizeof l, "%d", s);
		ids[s] = store_series(st, "w", "m", l, strlen(l));
		assert_true(ids[s] > 0);
	}
	store_close(st);
	/* a writer recovers the tail, goes on, and closes cleanly */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(store_integrity_check(st, err, sizeof err), 0);
	for (s = 0; s < nseries; s++) {
		struct pts p = {0};
		int t;

		assert_int_equal(store_read(st, ids[s], INT64_MIN, INT64_MAX,
		    collect, &p), 0);
		if (ticks == -1) {
			ticks = (int)p.n;
			assert_true(ticks >= min_ticks && ticks <= max_ticks);
		}
		assert_int_equal(p.n, (size_t)ticks);
		for (t = 0; t < ticks; t++) {
			assert_int_equal(p.ts[t], tick_ts(t));
			assert_int_equal(bits_of(p.v[t]), bits_of(value_at(s, t)));
		}
		pts_free(&p);
		store_append(st, ids[s], tick_ts(ticks), value_at(s, ticks));
	}
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	store_close(st);
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	verify_ticks(st, ids, nseries, 0, ticks + 1);
	store_close(st);
}

static void
test_crash_exit(void **state)
{
	char *path = tpath("crash.db");
	int rfd, status, t, last = -1;
	pid_t pid;

	/* 300 ticks: one seal at 240, 60 ticks in the tail */
	pid = spawn_writer(path, 8, 300, 0, &rfd);
	while (read(rfd, &t, sizeof t) == sizeof t)
		last = t;
	close(rfd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(last, 299);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM tail WHERE epoch = "
	    "(SELECT seq FROM sqlite_sequence WHERE name = 'seals')"), 60);
	check_recovered(path, 8, 300, 300);
	free(path);
}

static void
test_crash_kill9(void **state)
{
	char *path = tpath("kill.db");
	int rfd, status, t, last = -1, round;

	for (round = 0; round < 2; round++) {
		pid_t pid = spawn_writer(path, 6, 0, 1, &rfd);

		/* let it cross a seal or two, then kill it mid-flight */
		last = -1;
		while (read(rfd, &t, sizeof t) == sizeof t) {
			last = t;
			if (t >= 500 + round * 77)
				break;
		}
		kill(pid, SIGKILL);
		while (read(rfd, &t, sizeof t) == sizeof t)
			last = t;
		close(rfd);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		/* every tick it reported committed is there */
		check_recovered(path, 6, last + 1, last + 2);
		unlink(path);
	}
	free(path);
}

static void
test_retention_age(void **state)
{
	char *path = tpath("age.db");
	struct store *st;
	int64_t ids[20];
	struct pts p = {0};
	off_t before, after;
	int i;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_set_chunk_limits(st, 60, STORE_CHUNK_SPAN_MS);
	for (i = 0; i < 3000; i += 500)
		store_event(st, tick_ts(i), "w0", "test", "an event");
	write_ticks(st, ids, 20, 0, 3000);
	assert_int_equal(store_checkpoint(st), 0);
	before = file_size(path);
	/* nothing due: nothing happens */
	assert_int_equal(store_retention(st, tick_ts(3000), 3600 * 1000, 0,
	    err, sizeof err), 0);
	/* keep the last 1000 s: chunks ending before tick 2000 go */
	assert_int_equal(store_retention(st, tick_ts(3000), 1000 * 1000, 0,
	    err, sizeof err), 20 * 33);
	assert_int_equal(store_checkpoint(st), 0);
	after = file_size(path);
	assert_true(after < before * 2 / 3);
	assert_int_equal(store_read(st, ids[0], INT64_MIN, INT64_MAX, collect,
	    &p), 0);
	assert_int_equal(p.n, 3000 - 1980);
	assert_int_equal(p.ts[0], tick_ts(1980));
	pts_free(&p);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM events"), 2);
	assert_int_equal(store_integrity_check(st, err, sizeof err), 0);
	store_close(st);
	free(path);
}

static void
test_retention_size(void **state)
{
	char *path = tpath("size.db");
	struct store *st;
	int64_t ids[40], first, last;
	off_t before, after;
	struct pts p = {0};
	int n;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	write_ticks(st, ids, 40, 0, 5000);
	assert_int_equal(store_checkpoint(st), 0);
	before = file_size(path);
	n = store_retention(st, tick_ts(5000), 0, (uint64_t)before / 2, err,
	    sizeof err);
	assert_true(n > 0);
	assert_int_equal(store_checkpoint(st), 0);
	after = file_size(path);
	assert_true(after <= before / 2);
	/* no prefetch hint points past the end of the shrunk file */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM seals WHERE pg_hi > "
	    "(SELECT page_count FROM pragma_page_count())"), 0);
	assert_true(after > before / 5);
	/* the newest history is what is left */
	assert_int_equal(store_span(st, &first, &last), 0);
	assert_int_equal(last, tick_ts(4999));
	assert_true(first > tick_ts(1000));
	assert_int_equal(store_read(st, ids[3], tick_ts(4990), INT64_MAX,
	    collect, &p), 0);
	assert_int_equal(p.n, 10);
	pts_free(&p);
	/* retention is for writers */
	assert_int_equal(store_integrity_check(st, err, sizeof err), 0);
	store_close(st);
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(store_retention(st, 0, 1, 0, err, sizeof err), -1);
	store_close(st);
	free(path);
}

static void
test_refusals(void **state)
{
	char *path = tpath("x.db");
	struct store *st;
	FILE *f;
	char *msg;

	/* missing */
	assert_null(store_open(path, STORE_READ, err, sizeof err));
	msg = xasprintf("%s: No such file or directory", path);
	assert_string_equal(err, msg);
	free(msg);

	/* zero bytes */
	f = fopen(path, "w");
	fclose(f);
	assert_null(store_open(path, STORE_READ, err, sizeof err));
	msg = xasprintf("%s: empty file, not a modeltop recording", path);
	assert_string_equal(err, msg);
	free(msg);

	/* not SQLite: refused by both, left untouched */
	f = fopen(path, "w");
	fputs("ts,worker,metric\n1,2,3\n", f);
	fclose(f);
	msg = xasprintf("%s: not a modeltop recording", path);
	assert_null(store_open(path, STORE_READ, err, sizeof err));
	assert_string_equal(err, msg);
	assert_null(store_open(path, STORE_WRITE, err, sizeof err));
	assert_string_equal(err, msg);
	assert_int_equal(file_size(path), 23);
	/* a short file */
	f = fopen(path, "w");
	fputs("SQLite", f);
	fclose(f);
	assert_null(store_open(path, STORE_READ, err, sizeof err));
	assert_string_equal(err, msg);
	assert_null(store_open(path, STORE_WRITE, err, sizeof err));
	assert_string_equal(err, msg);
	unlink(path);

	/* someone else's SQLite file */
	raw_exec(path, "CREATE TABLE t (a); INSERT INTO t VALUES (1)");
	assert_null(store_open(path, STORE_READ, err, sizeof err));
	assert_string_equal(err, msg);
	assert_null(store_open(path, STORE_WRITE, err, sizeof err));
	assert_string_equal(err, msg);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM t"), 1);
	unlink(path);
	free(msg);

	/* a newer modeltop's file */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_close(st);
	raw_exec(path, "PRAGMA user_version = 99");
	msg = xasprintf("%s: was written by a newer modeltop (schema 99, this "
	    "build reads up to %d)", path, STORE_SCHEMA_VERSION);
	assert_null(store_open(path, STORE_READ, err, sizeof err));
	assert_string_equal(err, msg);
	assert_null(store_open(path, STORE_WRITE, err, sizeof err));
	assert_string_equal(err, msg);
	free(msg);

	/* a path nobody can create */
	assert_null(store_open("/proc/modeltop/x.db", STORE_WRITE, err,
	    sizeof err));
	assert_non_null(strstr(err, "/proc/modeltop/x.db: "));
	/* a directory */
	assert_null(store_open(tmpdir, STORE_READ, err, sizeof err));
	assert_non_null(strstr(err, "Is a directory"));
	assert_null(store_open(tmpdir, STORE_WRITE, err, sizeof err));
	assert_non_null(strstr(err, tmpdir));
	free(path);
}

static void
test_second_writer(void **state)
{
	char *path = tpath("lock.db");
	struct store *st, *st2;
	int64_t ids[3];
	pid_t pid;
	int status;
	char *msg;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	write_ticks(st, ids, 3, 0, 10);
	msg = xasprintf("%s is being recorded by another modeltop (pid %ld)",
	    path, (long)getpid());
	/* another process */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		st2 = store_open(path, STORE_WRITE, err, sizeof err);
		_exit(st2 == NULL && strcmp(err, msg) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* this process again: flock refuses a second open file too */
	assert_null(store_open(path, STORE_WRITE, err, sizeof err));
	assert_string_equal(err, msg);
	/* readers are welcome meanwhile, and the writer goes on */
	st2 = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st2);
	write_ticks(st, ids, 3, 10, 20);
	assert_int_equal(store_refresh(st2), 0);
	verify_ticks(st2, ids, 3, 0, 20);
	store_close(st);
	/* closed: the next writer gets in, even with the reader still open */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_close(st);
	store_close(st2);
	free(msg);
	free(path);
}

static void
test_live_reader(void **state)
{
	char *path = tpath("live.db");
	struct store *w, *r;
	int64_t ids[5], extra;
	struct pts p = {0};

	w = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(w);
	write_ticks(w, ids, 5, 0, 100);
	r = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(r);
	verify_ticks(r, ids, 5, 0, 100);
	/* the writer crosses a seal; the reader's snapshot stays as it was,
	 * no point twice */
	write_ticks(w, ids, 5, 100, 400);
	verify_ticks(r, ids, 5, 0, 100);
	assert_int_equal(store_refresh(r), 0);
	verify_ticks(r, ids, 5, 0, 400);
	/* new tail rows only, then a new series */
	write_ticks(w, ids, 5, 400, 410);
	extra = store_series(w, "new", "m", NULL, 0);
	store_append(w, extra, tick_ts(410), 42);
	assert_int_equal(store_commit(w, err, sizeof err), 0);
	assert_int_equal(store_series(r, "new", "m", NULL, 0), -1);
	assert_int_equal(store_refresh(r), 0);
	verify_ticks(r, ids, 5, 0, 410);
	assert_int_equal(store_series(r, "new", "m", NULL, 0), extra);
	assert_int_equal(store_read(r, extra, 0, INT64_MAX, collect, &p), 0);
	assert_int_equal(p.n, 1);
	assert_true(p.v[0] == 42);
	pts_free(&p);
	/* the window sees each point once across the refreshes */
	assert_int_equal(store_read_window(r, tick_ts(230), tick_ts(250),
	    collect, &p), 0);
	assert_int_equal(p.n, 5 * 21);
	pts_free(&p);
	store_close(w);
	assert_int_equal(store_refresh(r), 0);
	verify_ticks(r, ids, 5, 0, 410);
	store_close(r);
	free(path);
}

static void
test_window_boundaries(void **state)
{
	char *path = tpath("win.db");
	struct store *st;
	int64_t ids[7];
	struct pts p = {0};
	int from, to, pass;
	size_t i;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_set_chunk_limits(st, 10, STORE_CHUNK_SPAN_MS);
	write_ticks(st, ids, 7, 0, 95);		/* 9 seals, 5 ticks open */
	for (pass = 0; pass < 2; pass++) {
		for (from = -3; from < 98; from += 1) {
			for (to = from; to < from + 25; to += 4) {
				int lo = from < 0 ? 0 : from;
				int hi = to > 94 ? 94 : to;
				size_t want = hi >= lo ? (size_t)(hi - lo + 1) * 7 : 0;
				int seen[7][95];

				p.n = 0;
				assert_int_equal(store_read_window(st,
				    tick_ts(from), tick_ts(to), collect, &p), 0);
				assert_int_equal(p.n, want);
				memset(seen, 0, sizeof seen);
				for (i = 0; i < p.n; i++) {
					int t = (int)((p.ts[i] - T0) / 1000);
					int s = (int)(p.sid[i] - ids[0]);

					assert_true(t >= lo && t <= hi);
					assert_int_equal(seen[s][t]++, 0);
					assert_int_equal(bits_of(p.v[i]),
					    bits_of(value_at(s, t)));
				}
				p.n = 0;
				assert_int_equal(store_read(st, ids[3],
				    tick_ts(from), tick_ts(to), collect, &p), 0);
				assert_int_equal(p.n, want / 7);
			}
		}
		/* the same from a reader */
		store_close(st);
		st = store_open(path, STORE_READ, err, sizeof err);
		assert_non_null(st);
	}
	store_close(st);
	pts_free(&p);
	free(path);
}

static void
test_clock_backwards(void **state)
{
	char *path = tpath("back.db");
	struct store *st;
	int64_t id, ts[30];
	struct pts p = {0};
	int i, pass;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_set_chunk_limits(st, 8, STORE_CHUNK_SPAN_MS);
	id = store_series(st, "w", "m", NULL, 0);
	/* ten ticks, the clock steps back 20 minutes, twenty more */
	for (i = 0; i < 30; i++) {
		ts[i] = T0 + (int64_t)i * 1000 - (i >= 10 ? 1200000 : 0);
		store_append(st, id, ts[i], i);
		assert_int_equal(store_commit(st, err, sizeof err), 0);
	}
	for (pass = 0; pass < 2; pass++) {
		/* all of it, in the order appended */
		p.n = 0;
		assert_int_equal(store_read(st, id, INT64_MIN, INT64_MAX,
		    collect, &p), 0);
		assert_int_equal(p.n, 30);
		for (i = 0; i < 30; i++) {
			assert_int_equal(p.ts[i], ts[i]);
			assert_true(p.v[i] == i);
		}
		/* the earlier wall-clock range, written later, is found */
		p.n = 0;
		assert_int_equal(store_read_window(st, ts[10], ts[29], collect,
		    &p), 0);
		assert_int_equal(p.n, 20);
		p.n = 0;
		assert_int_equal(store_read(st, id, ts[0], ts[9], collect, &p), 0);
		assert_int_equal(p.n, 10);
		store_close(st);
		st = store_open(path, STORE_READ, err, sizeof err);
		assert_non_null(st);
	}
	store_close(st);
	/* every chunk's t_first/t_last are its min and max */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM chunks WHERE "
	    "t_first > t_last"), 0);
	pts_free(&p);
	free(path);
}

struct evs {
	int	 n;
	int64_t	 ts[8];
	char	 text[8][32];
	int	 null_worker[8];
};

static int
collect_event(void *ctx, const struct store_event_info *e)
{
	struct evs *v = ctx;

	assert_true(v->n < 8);
	v->ts[v->n] = e->ts_ms;
	util_strlcpy(v->text[v->n], e->text, sizeof v->text[0]);
	v->null_worker[v->n] = e->worker == NULL;
	v->n++;
	return 0;
}

static void
test_events(void **state)
{
	char *path = tpath("ev.db");
	struct store *st;
	struct evs v;
	int pass;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_event(st, T0 + 30, "w1", "restart", "third");
	store_event(st, T0 + 10, NULL, "store", "first");
	store_event(st, T0 + 20, "w2", "action", "second \"quoted\"\nline");
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	for (pass = 0; pass < 2; pass++) {
		memset(&v, 0, sizeof v);
		assert_int_equal(store_events_each(st, INT64_MIN, INT64_MAX,
		    collect_event, &v), 0);
		assert_int_equal(v.n, 3);
		assert_string_equal(v.text[0], "first");
		assert_true(v.null_worker[0]);
		assert_string_equal(v.text[1], "second \"quoted\"\nline");
		assert_false(v.null_worker[1]);
		assert_string_equal(v.text[2], "third");
		memset(&v, 0, sizeof v);
		assert_int_equal(store_events_each(st, T0 + 11, T0 + 30,
		    collect_event, &v), 0);
		assert_int_equal(v.n, 2);
		store_close(st);
		st = store_open(path, STORE_READ, err, sizeof err);
		assert_non_null(st);
	}
	store_close(st);
	free(path);
}

static void
test_disk_full(void **state)
{
	char *path = tpath("full.db");
	struct store *st;
	int64_t ids[50], pages;
	int s, t, failed_at = -1;
	char *msg;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	write_ticks(st, ids, 50, 0, 10);
	pages = 0;
	{
		sqlite3_stmt *q;

		sqlite3_prepare_v2(store_db(st), "PRAGMA page_count", -1, &q, NULL);
		sqlite3_step(q);
		pages = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	msg = xasprintf("PRAGMA max_page_count = %lld", (long long)pages + 8);
	assert_int_equal(sqlite3_exec(store_db(st), msg, NULL, NULL, NULL),
	    SQLITE_OK);
	free(msg);
	for (t = 10; t < 2000; t++) {
		for (s = 0; s < 50; s++)
			store_append(st, ids[s], tick_ts(t), value_at(s, t));
		if (store_commit(st, err, sizeof err) != 0) {
			failed_at = t;
			break;
		}
	}
	assert_true(failed_at > 10);
	msg = xasprintf("disk full writing %s", path);
	assert_string_equal(err, msg);
	assert_string_equal(store_errmsg(st), msg);
	free(msg);
	assert_int_equal(store_integrity_check(st, err, sizeof err), 0);
	/* still full: the retry fails the same way, the batch is kept */
	assert_int_equal(store_commit(st, err, sizeof err), -1);
	/* space again: the kept batch goes in */
	assert_int_equal(sqlite3_exec(store_db(st), "PRAGMA max_page_count = "
	    "1000000000", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	verify_ticks(st, ids, 50, 0, failed_at + 1);
	store_close(st);
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(store_integrity_check(st, err, sizeof err), 0);
	verify_ticks(st, ids, 50, 0, failed_at + 1);
	store_close(st);
	free(path);
}

static void
test_corrupt_chunk(void **state)
{
	char *path = tpath("bad.db");
	struct store *st;
	int64_t ids[4];
	struct pts p = {0};

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_set_chunk_limits(st, 240, STORE_CHUNK_SPAN_MS);
	write_ticks(st, ids, 4, 0, 500);
	store_close(st);
	/* garbage in one chunk, a truncated other one */
	raw_exec(path, "UPDATE chunks SET data = x'10ff00000001020304' WHERE "
	    "id = (SELECT min(id) FROM chunks WHERE series_id = 1)");
	raw_exec(path, "UPDATE chunks SET data = substr(data, 1, 20) WHERE "
	    "id = (SELECT max(id) FROM chunks WHERE series_id = 2)");
	raw_exec(path, "UPDATE chunks SET data = x'' WHERE "
	    "id = (SELECT max(id) FROM chunks WHERE series_id = 3)");
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(store_read(st, ids[0], INT64_MIN, INT64_MAX, collect,
	    &p), 0);
	assert_int_equal(p.n, 500 - 240);
	assert_int_equal(store_bad_chunks(st), 1);
	p.n = 0;
	assert_int_equal(store_read_window(st, INT64_MIN, INT64_MAX, collect,
	    &p), 0);
	assert_int_equal(p.n, 4 * 500 - 3 * 240);
	assert_int_equal(store_bad_chunks(st), 4);
	pts_free(&p);
	store_close(st);
	/* a corrupt tail row: what came before it is kept */
	raw_exec(path, "UPDATE tail SET data = x'01ffffff' WHERE id = "
	    "(SELECT min(id) + 5 FROM tail)");
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(store_read(st, ids[3], INT64_MIN, INT64_MAX, collect,
	    &p), 0);
	assert_int_equal(p.n, 480 + 5);
	assert_true(store_bad_chunks(st) >= 1);
	pts_free(&p);
	store_close(st);
	/* the writer keeps it, seals it and starts a clean tail */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM tail"), 0);
	assert_int_equal(store_read(st, ids[3], INT64_MIN, INT64_MAX, collect,
	    &p), 0);
	assert_int_equal(p.n, 480 + 5);
	pts_free(&p);
	store_close(st);
	free(path);
}

/* Damage the file itself: no crash, an error or fewer points. */
static void
test_damaged_file(void **state)
{
	char *path = tpath("dmg.db"), *copy = tpath("dmg2.db");
	struct store *st;
	int64_t ids[20];
	struct pts p = {0};
	off_t size;
	int round, fd, i;
	uint64_t r = 88172645463325252ull;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	write_ticks(st, ids, 20, 0, 1500);
	store_close(st);
	size = file_size(path);
	for (round = 0; round < 40; round++) {
		char *cmd = xasprintf("cp %s %s", path, copy);

		assert_int_equal(system(cmd), 0);
		free(cmd);
		fd = open(copy, O_RDWR);
		assert_true(fd >= 0);
		if (round % 4 == 0)
			assert_int_equal(ftruncate(fd, size * (round + 1) / 45), 0);
		else {
			for (i = 0; i < 64 * round; i++) {
				unsigned char b;

				r ^= r << 13;
				r ^= r >> 7;
				r ^= r << 17;
				b = (unsigned char)r;
				/* leave the header page alone half the time */
				assert_int_equal(pwrite(fd, &b, 1, (off_t)((r >> 8) %
				    (uint64_t)(size - (round % 2 ? 4096 : 0))) +
				    (round % 2 ? 4096 : 0)), 1);
			}
		}
		close(fd);
		st = store_open(copy, round % 3 ? STORE_READ : STORE_WRITE, err,
		    sizeof err);
		if (st == NULL) {
			assert_non_null(strstr(err, copy));
			continue;
		}
		p.n = 0;
		store_read_window(st, INT64_MIN, INT64_MAX, collect, &p);
		store_read(st, ids[1], INT64_MIN, INT64_MAX, collect, &p);
		store_integrity_check(st, err, sizeof err);
		store_close(st);
	}
	/* a series id far past the others (ids have no holes) is refused,
	 * not an array of four million open chunks */
	{
		char *cmd = xasprintf("cp %s %s && sqlite3 %s \"UPDATE series "
		    "SET id = 4000000 WHERE id = 20\"", path, copy, copy);

		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	assert_null(store_open(copy, STORE_READ, err, sizeof err));
	assert_non_null(strstr(err, copy));
	assert_non_null(strstr(err, "damaged recording (series id 4000000)"));
	pts_free(&p);
	free(path);
	free(copy);
}

static void
test_reader_leaves_file_alone(void **state)
{
	char *path = tpath("ro/rec.db"), *dir = tpath("ro");
	struct store *st;
	int64_t ids[5];
	struct pts p = {0};
	char *cmd;
	pid_t pid;
	int status;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	write_ticks(st, ids, 5, 0, 300);
	store_close(st);
	cmd = xasprintf("cp %s %s.orig", path, path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	verify_ticks(st, ids, 5, 0, 300);
	store_close(st);
	cmd = xasprintf("cmp -s %s %s.orig", path, path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	/* a directory the reader cannot write: the immutable fallback */
	assert_int_equal(chmod(tmpdir, 0755), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* root ignores modes: become nobody first */
		if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(9);
		st = store_open(path, STORE_READ, err, sizeof err);
		if (st == NULL) {
			fprintf(stderr, "%s\n", err);
			_exit(1);
		}
		if (store_read(st, ids[2], INT64_MIN, INT64_MAX, collect, &p) != 0 ||
		    p.n != 300)
			_exit(2);
		store_close(st);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	chmod(dir, 0755);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(path);
	free(dir);
}

static void
test_schema_doc(void **state)
{
	const char *root = getenv("MODELTOP_TEST_ROOT");
	char *path = xasprintf("%s/data/schema.sql", root != NULL ? root : ".");
	FILE *f = fopen(path, "r");
	struct buf b = {0};
	char chunk[4096];
	size_t n;
	int v;

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	/* the reference file holds every migration as the code runs it */
	for (v = 1; v <= STORE_SCHEMA_VERSION; v++)
		assert_non_null(strstr(b.data, store_migration_sql(v)));
	assert_null(store_migration_sql(0));
	assert_null(store_migration_sql(STORE_SCHEMA_VERSION + 1));
	buf_free(&b);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_kill9, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_backwards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_chunk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_leaves_file_alone, setup, teardown),
		cmocka_unit_test(test_schema_doc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

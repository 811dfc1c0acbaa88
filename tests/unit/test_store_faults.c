/*
 * test_store_faults.c -- the store when writing fails: the bounded hold
 * and its event, a series created while commits fail, a file deleted or
 * replaced under the writer.  (Disk full itself: test_store.c; the real
 * faults end to end: tests/e2e/test_storage_faults.sh.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"

static char tmpdir[64];
static char err[1024];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_store_faults.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

static char *
tpath(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

struct count {
	int64_t	 n, first, last;
};

static int
count_pt(void *ctx, int64_t sid, int64_t ts, double v)
{
	struct count *c = ctx;

	if (c->n == 0)
		c->first = ts;
	c->last = ts;
	c->n++;
	return 0;
}

static char last_store_event[1024];

static int
store_ev(void *ctx, const struct store_event_info *e)
{
	if (strcmp(e->kind, "store") == 0)
		util_strlcpy(last_store_event, e->text, sizeof last_store_event);
	return 0;
}

/* While commits fail the hold keeps at most its limit, the newest
 * points; the commit that works again writes them and an event that
 * says what was dropped. */
static void
test_hold_bounded(void **state)
{
	char *path = tpath("hold.db");
	struct store *st;
	int64_t ids[10], since;
	uint64_t lost;
	struct count c = {0};
	int s, t;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	for (s = 0; s < 10; s++) {
		char name[16];

		snprintf(name, sizeof name, "m%d", s);
		ids[s] = store_series(st, "w", name, NULL, 0);
		assert_true(ids[s] > 0);
	}
	for (s = 0; s < 10; s++)
		store_append(st, ids[s], 1000, s);
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	assert_int_equal(store_held(st, &since, &lost), 0);
	assert_int_equal(since, 0);

	/* every tail row refused for 30 ticks of 10 points */
	assert_int_equal(sqlite3_exec(store_db(st), "CREATE TEMP TRIGGER "
	    "no_tail BEFORE INSERT ON main.tail BEGIN SELECT RAISE(ABORT, "
	    "'injected'); END", NULL, NULL, NULL), SQLITE_OK);
	store_set_hold_limit(st, 250);
	for (t = 1; t <= 30; t++) {
		for (s = 0; s < 10; s++)
			store_append(st, ids[s], 1000 + t * 1000, t * 1.1 + s);
		if (store_commit(st, err, sizeof err) == 0)
			break;
	}
	assert_int_equal(t, 31);
	assert_int_equal(store_held(st, &since, &lost), 250);
	assert_true(since > 0);
	assert_int_equal(lost, 30 * 10 - 250);

	assert_int_equal(sqlite3_exec(store_db(st), "DROP TRIGGER no_tail",
	    NULL, NULL, NULL), SQLITE_OK);
	store_append(st, ids[0], 40000, 1);
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	assert_int_equal(store_held(st, &since, &lost), 0);
	assert_int_equal(since, 0);
	assert_int_equal(lost, 0);
	/* the event goes with the next commit */
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	store_close(st);

	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(store_integrity_check(st, err, sizeof err), 0);
	/* series 0: the first point, the 25 newest held ticks, the last */
	assert_int_equal(store_read(st, ids[0], 0, INT64_MAX, count_pt, &c), 0);
	assert_int_equal(c.n, 1 + 25 + 1);
	assert_int_equal(c.first, 1000);
	assert_int_equal(c.last, 40000);
	assert_int_equal(store_events_each(st, 0, INT64_MAX, store_ev, NULL), 0);
	assert_non_null(strstr(last_store_event, "; 50 points ("));
	assert_non_null(strstr(last_store_event, "were dropped: the memory hold "
	    "was full"));
	store_close(st);
	free(path);
}

/* A series that appears while commits fail keeps its points: its row
 * is written with the commit that works. */
static void
test_series_while_failing(void **state)
{
	char *path = tpath("series.db");
	struct store *st;
	int64_t a, b;
	struct count c = {0};

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	a = store_series(st, "w", "a", NULL, 0);
	store_append(st, a, 1000, 1);
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	/* no row may be written (as on a full disk): a new series still
	 * gets its id, its row goes with the commit that works */
	assert_int_equal(sqlite3_exec(store_db(st), "CREATE TEMP TRIGGER "
	    "no_tail BEFORE INSERT ON main.tail BEGIN SELECT RAISE(ABORT, "
	    "'injected'); END; CREATE TEMP TRIGGER no_series BEFORE INSERT "
	    "ON main.series BEGIN SELECT RAISE(ABORT, 'injected'); END",
	    NULL, NULL, NULL), SQLITE_OK);
	store_append(st, a, 2000, 2);
	b = store_series(st, "w", "b{new}", "{x=\"1\"}", 7);
	assert_true(b > a);
	store_append(st, b, 2500, 42);
	assert_int_equal(store_commit(st, err, sizeof err), -1);
	assert_non_null(strstr(err, "injected"));
	/* the series row goes in, the tail row not: all rolled back */
	assert_int_equal(sqlite3_exec(store_db(st), "DROP TRIGGER no_series",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(st, err, sizeof err), -1);
	/* the same name again: the same id, not a second row */
	assert_int_equal(store_series(st, "w", "b{new}", "{x=\"1\"}", 7), b);
	assert_int_equal(sqlite3_exec(store_db(st), "DROP TRIGGER no_tail",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	store_close(st);

	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(store_series(st, "w", "b{new}", "{x=\"1\"}", 7), b);
	assert_int_equal(store_read(st, b, 0, INT64_MAX, count_pt, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.first, 2500);
	store_close(st);
	free(path);
}

/* Deleted or replaced under the writer: a permanent error, said. */
static void
test_gone(void **state)
{
	char *path = tpath("gone.db"), *other = tpath("other.db"), *msg;
	struct store *st;
	int64_t a;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	a = store_series(st, "w", "a", NULL, 0);
	store_append(st, a, 1000, 1);
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	assert_int_equal(store_check(st, err, sizeof err), 0);
	assert_int_equal(store_gone(st), 0);
	assert_int_equal(unlink(path), 0);
	store_append(st, a, 2000, 2);
	assert_int_equal(store_commit(st, err, sizeof err), -1);
	msg = xasprintf("%s was deleted or replaced while being recorded: "
	    "what is written now would be lost", path);
	assert_string_equal(err, msg);
	assert_int_equal(store_gone(st), 1);
	assert_int_equal(store_check(st, err, sizeof err), -1);
	assert_string_equal(err, msg);
	assert_int_equal(store_held(st, NULL, NULL), 1);
	store_close(st);
	free(msg);

	/* replaced: another file moved over the path */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	a = store_series(st, "w", "a", NULL, 0);
	store_append(st, a, 1000, 1);
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	msg = xasprintf("echo x > '%s' && mv '%s' '%s'", other, other, path);
	assert_int_equal(system(msg), 0);
	free(msg);
	store_append(st, a, 2000, 2);
	assert_int_equal(store_commit(st, err, sizeof err), -1);
	assert_non_null(strstr(err, "was deleted or replaced"));
	assert_int_equal(store_gone(st), 1);
	store_close(st);
	free(path);
	free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_bounded),
		cmocka_unit_test(test_series_while_failing),
		cmocka_unit_test(test_gone),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_incident.c -- the incident tracker (open, join, severity, auto-
 * resolve, ack/note/resolve, memory bounds), its tables in a real store
 * (flush, reload, as of a past time, a restarted recorder, a failed
 * flush), and the pattern analysis on known timelines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmd.h"
#include "incident.h"
#include "patterns.h"
#include "store.h"
#include "util.h"

static char tmpdir[256];
static char path[512];
static char err[512];

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_incident.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/rec.db", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int64_t
trig(struct incidents *in, const char *worker, const char *cls,
    enum severity sev, const char *text, int64_t now)
{
	struct incident_trigger t = { worker, cls, "restart", text, NULL, NULL,
	    sev, 0 };

	return incidents_trigger(in, &t, now);
}

static const struct incident *
get(struct incidents *in, int64_t id)
{
	const struct incident *v;
	size_t n, i;

	n = incidents_list(in, NULL, 0, &v);
	for (i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/* The timeline's kinds joined by spaces. */
static char *
kinds(struct incidents *in, int64_t id)
{
	const struct incident_entry *e;
	struct buf b = {0};
	size_t n, i;

	n = incidents_timeline(in, id, &e);
	buf_adds(&b, "");
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", e[i].kind);
	return buf_detach(&b);
}

static void
assert_kinds(struct incidents *in, int64_t id, const char *want)
{
	char *k = kinds(in, id);

	assert_string_equal(k, want);
	free(k);
}

static void
test_open_join(void **state)
{
	struct incidents *in = incidents_new(NULL, 10000);
	struct incident_trigger bad = { NULL, "crash", NULL, NULL, NULL, NULL,
	    SEVERITY_INFO, 0 };
	const struct incident *v, *p;
	const struct incident_entry *e;
	int64_t a, b, c, d;
	size_t n;

	a = trig(in, "llm-0", "crash", SEVERITY_CRITICAL, "exited (signal 9)",
	    1000);
	assert_int_equal(a, 1);
	assert_int_equal(trig(in, "llm-0", "crash", SEVERITY_CRITICAL,
	    "exited again", 2000), a);
	assert_int_equal(trig(in, "llm-0", "crash", SEVERITY_CRITICAL,
	    "exited a third time", 3000), a);
	b = trig(in, "llm-0", "oom", SEVERITY_CRITICAL, "oom_kill +1", 4000);
	c = trig(in, "llm-1", "crash", SEVERITY_WARNING, "exited", 5000);
	assert_int_equal(b, 2);
	assert_int_equal(c, 3);
	assert_int_equal(incidents_trigger(in, &bad, 6000), -1);
	bad.worker = "llm-0";
	bad.cls = "";
	assert_int_equal(incidents_trigger(in, &bad, 6000), -1);

	n = incidents_list(in, NULL, 0, &v);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, c);	/* newest first */
	assert_int_equal(v[1].id, b);
	assert_int_equal(v[2].id, a);
	p = &v[2];
	assert_string_equal(p->worker, "llm-0");
	assert_string_equal(p->cls, "crash");
	assert_string_equal(p->trigger, "exited (signal 9)");
	assert_string_equal(p->strategy, "restart");
	assert_string_equal(p->exc_type, "");
	assert_string_equal(p->acked_by, "");
	assert_string_equal(p->resolved_by, "");
	assert_int_equal(p->count, 3);
	assert_int_equal(p->opened_ms, 1000);
	assert_int_equal(p->last_ms, 3000);
	assert_int_equal(p->resolved_ms, 0);
	assert_true(p->open);
	assert_int_equal(incidents_timeline(in, a, &e), 3);
	assert_string_equal(e[0].kind, "trigger");
	assert_string_equal(e[0].text, "exited (signal 9)");
	assert_int_equal(e[1].ts_ms, 2000);
	assert_string_equal(e[1].kind, "join");
	assert_string_equal(e[2].text, "exited a third time");
	assert_int_equal(incidents_timeline(in, 42, &e), 0);
	assert_null(e);

	assert_int_equal(incidents_open_count(in, NULL), 3);
	assert_int_equal(incidents_open_count(in, "llm-0"), 2);
	assert_int_equal(incidents_open_count(in, "nobody"), 0);
	assert_int_equal(incidents_find_open(in, "llm-0", "crash"), a);
	assert_int_equal(incidents_find_open(in, "llm-0", NULL), b);
	assert_int_equal(incidents_find_open(in, "llm-0", "leak"), -1);
	assert_int_equal(incidents_find_open(in, "llm-9", NULL), -1);

	/* filtered lists side by side stay valid */
	{
		const struct incident *w0, *w1;
		size_t n0 = incidents_list(in, "llm-0", 0, &w0);
		size_t n1 = incidents_list(in, "llm-1", 1, &w1);

		assert_int_equal(n0, 2);
		assert_int_equal(n1, 1);
		assert_int_equal(w0[0].id, b);
		assert_int_equal(w0[1].id, a);
		assert_int_equal(w1[0].id, c);
		assert_int_equal(incidents_list(in, "llm-0", 0, &v), 2);
		assert_ptr_equal(v, w0);
	}

	/* after resolving, a new trigger of the class opens a new one */
	assert_int_equal(incidents_resolve(in, a, "me", 7000, err,
	    sizeof err), 0);
	d = trig(in, "llm-0", "crash", SEVERITY_WARNING, "exited", 8000);
	assert_int_equal(d, 4);
	assert_int_equal(incidents_open_count(in, "llm-0"), 2);
	assert_int_equal(incidents_list(in, NULL, 1, &v), 3);
	incidents_free(in);
}

static void
test_severity(void **state)
{
	struct incidents *in = incidents_new(NULL, 10000);
	struct incident_trigger t = { "w", "exception", "investigate",
	    "ValueError: bad", "ValueError", "bad", SEVERITY_WARNING, 0 };
	const struct incident *p;
	int64_t id;

	id = incidents_trigger(in, &t, 1000);
	t.severity = SEVERITY_INFO;
	t.strategy = "reload";
	t.exc_type = "KeyError";
	assert_int_equal(incidents_trigger(in, &t, 2000), id);
	p = get(in, id);
	assert_int_equal(p->severity, SEVERITY_WARNING);
	assert_string_equal(p->strategy, "investigate");
	assert_string_equal(p->exc_type, "ValueError");
	assert_string_equal(p->exc_message, "bad");
	assert_int_equal(p->signature, 0);

	t.severity = SEVERITY_CRITICAL;
	t.strategy = "restart";
	t.signature = 0xfeedULL;
	assert_int_equal(incidents_trigger(in, &t, 3000), id);
	p = get(in, id);
	assert_int_equal(p->severity, SEVERITY_CRITICAL);
	assert_string_equal(p->strategy, "restart");
	assert_int_equal(p->signature, 0xfeed);
	assert_int_equal(p->count, 3);

	/* a missing strategy is filled in by a later trigger */
	t.worker = "w2";
	t.strategy = NULL;
	id = incidents_trigger(in, &t, 4000);
	assert_string_equal(get(in, id)->strategy, "");
	t.strategy = "trim";
	t.severity = SEVERITY_INFO;
	incidents_trigger(in, &t, 5000);
	assert_string_equal(get(in, id)->strategy, "trim");
	assert_int_equal(get(in, id)->severity, SEVERITY_CRITICAL);
	incidents_free(in);
}

static void
test_auto_resolve(void **state)
{
	struct incidents *in = incidents_new(NULL, 10000);
	const struct incident *p;
	const struct incident_entry *e;
	size_t n;
	int64_t a, b;

	a = trig(in, "w", "unreachable", SEVERITY_WARNING, "scrape failed",
	    1000);
	incidents_condition(in, "w", "unreachable", 1, 2000);
	incidents_condition(in, "w", "unreachable", 1, 30000);
	assert_int_equal(incidents_tick(in, 30000), 0);
	assert_true(get(in, a)->open);	/* active for long: stays open */
	incidents_condition(in, "w", "unreachable", 0, 31000);
	assert_kinds(in, a, "trigger cleared");
	incidents_condition(in, "w", "unreachable", 0, 40999);
	assert_int_equal(incidents_tick(in, 40999), 0);
	assert_true(get(in, a)->open);
	incidents_condition(in, "w", "unreachable", 0, 41000);
	p = get(in, a);
	assert_false(p->open);
	assert_int_equal(p->resolved_ms, 41000);
	assert_string_equal(p->resolved_by, "auto");
	n = incidents_timeline(in, a, &e);
	assert_int_equal(n, 3);
	assert_string_equal(e[2].kind, "resolve");
	assert_string_equal(e[2].text,
	    "resolved automatically: condition cleared for 10s");
	/* nothing more happens to it */
	incidents_condition(in, "w", "unreachable", 0, 90000);
	assert_int_equal(incidents_tick(in, 90000), 0);

	/* a re-trigger in between keeps it open */
	b = trig(in, "w", "crash", SEVERITY_CRITICAL, "exited", 100000);
	incidents_condition(in, "w", "crash", 0, 101000);
	trig(in, "w", "crash", SEVERITY_CRITICAL, "exited again", 105000);
	incidents_condition(in, "w", "crash", 1, 105000);
	incidents_condition(in, "w", "crash", 0, 106000);
	assert_int_equal(incidents_tick(in, 111000), 0);
	assert_int_equal(incidents_tick(in, 115999), 0);
	assert_true(get(in, b)->open);
	assert_int_equal(incidents_tick(in, 116000), 1);
	assert_false(get(in, b)->open);
	assert_kinds(in, b, "trigger cleared join cleared resolve");

	/* the condition coming back without a trigger is noted too */
	b = trig(in, "w", "leak", SEVERITY_WARNING, "leak verdict", 200000);
	incidents_condition(in, "w", "leak", 0, 201000);
	incidents_condition(in, "w", "leak", 1, 202000);
	incidents_condition(in, "w", "leak", 0, 203000);
	incidents_condition(in, "w", "leak", 0, 212999);
	assert_true(get(in, b)->open);
	incidents_condition(in, "w", "leak", 0, 213000);
	assert_false(get(in, b)->open);
	assert_kinds(in, b, "trigger cleared join cleared resolve");
	assert_int_equal(get(in, b)->count, 1);	/* not a trigger */
	incidents_free(in);
}

static void
test_oneoff(void **state)
{
	struct incidents *in = incidents_new(NULL, 10000);
	const struct incident_entry *e;
	int64_t a, b, m;

	a = trig(in, "w", "exception", SEVERITY_WARNING, "ValueError", 1000);
	/* reports are ignored for one-off classes */
	incidents_condition(in, "w", "exception", 1, 2000);
	trig(in, "w", "exception", SEVERITY_WARNING, "ValueError", 5000);
	assert_int_equal(incidents_tick(in, 14999), 0);
	incidents_condition(in, "w", "exception", 1, 14999);
	assert_true(get(in, a)->open);
	assert_int_equal(incidents_tick(in, 15000), 1);
	assert_false(get(in, a)->open);
	assert_int_equal(incidents_timeline(in, a, &e), 3);
	assert_string_equal(e[2].text,
	    "resolved automatically: no new trigger for 10s");

	/* a class whose condition nobody reports behaves the same */
	b = trig(in, "w", "cuda-oom", SEVERITY_CRITICAL, "CUDA out of memory",
	    20000);
	assert_int_equal(incidents_tick(in, 29999), 0);
	assert_int_equal(incidents_tick(in, 30000), 1);
	assert_false(get(in, b)->open);

	/* manual incidents wait for an operator */
	m = trig(in, "w", "manual", SEVERITY_INFO, "opened by hand", 40000);
	assert_int_equal(incidents_tick(in, 10000000), 0);
	assert_true(get(in, m)->open);

	/* resolve_after 0: resolved at the next tick */
	incidents_free(in);
	in = incidents_new(NULL, -5);
	a = trig(in, "w", "oom", SEVERITY_CRITICAL, "oom_kill", 1000);
	assert_int_equal(incidents_tick(in, 1000), 1);
	assert_false(get(in, a)->open);
	incidents_free(in);
}

static void
test_operator(void **state)
{
	struct incidents *in = incidents_new(NULL, 10000);
	const struct incident_entry *e;
	const struct incident *p;
	int64_t a;
	size_t n;

	a = trig(in, "w", "latency", SEVERITY_WARNING, "p99 3.2s", 1000);
	assert_int_equal(incidents_ack(in, 99, "ann", 2000, err, sizeof err),
	    -1);
	assert_string_equal(err, "no incident #99");
	assert_int_equal(incidents_ack(in, a, "ann on /dev/pts/3", 2000, err,
	    sizeof err), 0);
	p = get(in, a);
	assert_int_equal(p->acked_ms, 2000);
	assert_string_equal(p->acked_by, "ann on /dev/pts/3");
	assert_true(p->open);
	assert_int_equal(incidents_ack(in, a, "bob", 2500, err, sizeof err),
	    -1);
	assert_string_equal(err, "incident #1 was already acknowledged by "
	    "ann on /dev/pts/3");
	assert_int_equal(incidents_note(in, a, "bob", "", 3000, err,
	    sizeof err), -1);
	assert_string_equal(err, "a note needs some text");
	assert_int_equal(incidents_note(in, a, "bob", NULL, 3000, NULL, 0),
	    -1);
	assert_int_equal(incidents_note(in, 7, "bob", "x", 3000, err,
	    sizeof err), -1);
	assert_string_equal(err, "no incident #7");
	assert_int_equal(incidents_note(in, a, "bob", "looking at the GC",
	    3000, err, sizeof err), 0);
	assert_int_equal(incidents_attempt(in, a, "trim: rss 2.1G -> 1.2G, ok",
	    3500), 0);
	assert_int_equal(incidents_attempt(in, 8, "x", 3500), -1);
	assert_int_equal(incidents_resolve(in, a, "bob", 4000, err,
	    sizeof err), 0);
	p = get(in, a);
	assert_false(p->open);
	assert_int_equal(p->resolved_ms, 4000);
	assert_string_equal(p->resolved_by, "bob");
	assert_int_equal(incidents_resolve(in, a, "ann", 5000, err,
	    sizeof err), -1);
	assert_string_equal(err, "incident #1 is already resolved (by bob)");
	assert_int_equal(incidents_ack(in, a, "ann", 5000, err, sizeof err),
	    -1);
	assert_string_equal(err, "incident #1 is already resolved (by bob)");
	/* notes are welcome after the fact; who defaults to "operator" */
	assert_int_equal(incidents_note(in, a, NULL, "root cause: cache",
	    6000, err, sizeof err), 0);
	n = incidents_timeline(in, a, &e);
	assert_int_equal(n, 6);
	assert_kinds(in, a, "trigger ack note attempt resolve note");
	assert_string_equal(e[1].text, "acknowledged by ann on /dev/pts/3");
	assert_string_equal(e[2].text, "bob: looking at the GC");
	assert_string_equal(e[3].text, "trim: rss 2.1G -> 1.2G, ok");
	assert_string_equal(e[4].text, "resolved by bob");
	assert_string_equal(e[5].text, "operator: root cause: cache");
	assert_int_equal(e[5].ts_ms, 6000);

	/* auto-resolved: the message says so */
	a = trig(in, "w", "oom", SEVERITY_CRITICAL, "oom", 10000);
	incidents_tick(in, 20000);
	assert_int_equal(incidents_resolve(in, a, "ann", 21000, err,
	    sizeof err), -1);
	assert_string_equal(err, "incident #2 is already resolved (auto)");
	incidents_free(in);
}

static void
test_bounds(void **state)
{
	struct incidents *in = incidents_new(NULL, 0);
	const struct incident *v;
	const struct incident_entry *e;
	int64_t id, i;
	size_t n;

	/* a trigger every tick: counted, the timeline bounded */
	for (i = 0; i < 250; i++)
		id = trig(in, "w", "crash", SEVERITY_WARNING, "down", i * 1000);
	assert_int_equal(get(in, id)->count, 250);
	assert_int_equal(get(in, id)->last_ms, 249000);
	n = incidents_timeline(in, id, &e);
	assert_int_equal(n, 1 + INCIDENT_TIMELINE_JOINS);
	incidents_condition(in, "w", "crash", 1, 249500);	/* still down */
	/* other entries still go in */
	assert_int_equal(incidents_ack(in, id, "a", 250000, err, sizeof err),
	    0);
	assert_int_equal(incidents_timeline(in, id, &e), n + 1);

	/* resolved ones are kept up to the limit, open ones all */
	for (i = 0; i < 300; i++) {
		id = trig(in, "x", "oom", SEVERITY_CRITICAL, "oom",
		    1000000 + i);
		assert_int_equal(incidents_tick(in, 1000000 + i), 1);
	}
	n = incidents_list(in, NULL, 0, &v);
	assert_int_equal(n, INCIDENTS_KEEP_RESOLVED + 1);
	assert_int_equal(v[0].id, id);
	assert_true(v[n - 1].open);	/* the first one, still open */
	assert_int_equal(v[n - 1].id, 1);
	assert_int_equal(v[n - 2].id, id - INCIDENTS_KEEP_RESOLVED + 1);
	incidents_free(in);
}

/* A tracker writing into a store, with a known history:
 *   #1 llm-0 crash     opened 1000, joined 2000 (critical), acked 3000,
 *                      note 3500, resolved by ann 5000
 *   #2 llm-0 exception opened 4000 (ValueError, sig 0xabc), open
 *   #3 llm-1 unreachable opened 6000, cleared 7000, auto-resolved 17000
 */
static struct incidents *
history(struct store *st)
{
	struct incidents *in = incidents_new(st, 10000);
	struct incident_trigger t = { "llm-0", "exception", "investigate",
	    "Traceback: ValueError: bad input", "ValueError", "bad input",
	    SEVERITY_WARNING, 0xabcULL };

	assert_int_equal(trig(in, "llm-0", "crash", SEVERITY_WARNING,
	    "exited (code 1)", 1000), 1);
	assert_int_equal(trig(in, "llm-0", "crash", SEVERITY_CRITICAL,
	    "exited (signal 9)", 2000), 1);
	assert_int_equal(incidents_ack(in, 1, "ann", 3000, err, sizeof err),
	    0);
	assert_int_equal(incidents_note(in, 1, "ann", "restarting by hand",
	    3500, err, sizeof err), 0);
	assert_int_equal(incidents_trigger(in, &t, 4000), 2);
	assert_int_equal(incidents_resolve(in, 1, "ann", 5000, err,
	    sizeof err), 0);
	assert_int_equal(trig(in, "llm-1", "unreachable", SEVERITY_WARNING,
	    "connection refused", 6000), 3);
	incidents_condition(in, "llm-1", "unreachable", 0, 7000);
	incidents_condition(in, "llm-1", "unreachable", 0, 17000);
	return in;
}

static void
check_history(struct incidents *in, int attempts)
{
	const struct incident *v;
	const struct incident_entry *e;
	size_t n;

	n = incidents_list(in, NULL, 0, &v);
	assert_int_equal(n, 3);
	assert_int_equal(v[2].id, 1);
	assert_string_equal(v[2].worker, "llm-0");
	assert_string_equal(v[2].cls, "crash");
	assert_int_equal(v[2].severity, SEVERITY_CRITICAL);
	assert_string_equal(v[2].strategy, "restart");
	assert_string_equal(v[2].trigger, "exited (code 1)");
	assert_int_equal(v[2].count, 2);
	assert_int_equal(v[2].opened_ms, 1000);
	assert_int_equal(v[2].last_ms, 2000);
	assert_int_equal(v[2].acked_ms, 3000);
	assert_string_equal(v[2].acked_by, "ann");
	assert_false(v[2].open);
	assert_int_equal(v[2].resolved_ms, 5000);
	assert_string_equal(v[2].resolved_by, "ann");
	assert_int_equal(v[2].signature, 0);
	assert_string_equal(v[2].exc_type, "");

	assert_int_equal(v[1].id, 2);
	assert_true(v[1].open);
	assert_string_equal(v[1].exc_type, "ValueError");
	assert_string_equal(v[1].exc_message, "bad input");
	assert_int_equal(v[1].signature, 0xabc);
	assert_string_equal(v[1].strategy, "investigate");
	assert_int_equal(v[1].acked_ms, 0);
	assert_string_equal(v[1].acked_by, "");

	assert_int_equal(v[0].id, 3);
	assert_false(v[0].open);
	assert_int_equal(v[0].resolved_ms, 17000);
	assert_string_equal(v[0].resolved_by, "auto");

	assert_kinds(in, 1, "trigger join ack note resolve");
	assert_int_equal(incidents_timeline(in, 1, &e), 5);
	assert_int_equal(e[0].ts_ms, 1000);
	assert_string_equal(e[0].text, "exited (code 1)");
	assert_string_equal(e[3].text, "ann: restarting by hand");
	assert_int_equal(e[4].ts_ms, 5000);
	assert_kinds(in, 2, attempts ? "trigger attempt" : "trigger");
	assert_kinds(in, 3, "trigger cleared resolve");
}

static void
test_flush_reload(void **state)
{
	struct store *st, *rd;
	struct incidents *in, *ld;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	assert_true(store_has_table(st, "incidents"));
	assert_true(store_has_table(st, "incident_timeline"));
	in = history(st);
	check_history(in, 0);
	/* a reader sees nothing before the flush */
	rd = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(rd);
	ld = incidents_load(rd, INT64_MAX);
	assert_non_null(ld);
	assert_int_equal(incidents_list(ld, NULL, 0, &(const struct incident *){0}), 0);
	incidents_free(ld);

	assert_int_equal(incidents_flush(in, err, sizeof err), 0);
	assert_int_equal(incidents_flush(in, err, sizeof err), 0); /* no-op */
	/* a live reader sees the flushed state while the writer is open */
	ld = incidents_load(rd, INT64_MAX);
	check_history(ld, 0);
	incidents_free(ld);

	/* changes after a flush are updates */
	assert_int_equal(incidents_attempt(in, 2, "restart: ok", 18000), 0);
	assert_int_equal(incidents_flush(in, err, sizeof err), 0);
	incidents_free(in);
	store_close(st);

	ld = incidents_load(rd, INT64_MAX);
	check_history(ld, 1);
	incidents_free(ld);
	store_close(rd);

	/* a fresh reader after the writer closed */
	rd = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(rd);
	ld = incidents_load(rd, INT64_MAX);
	check_history(ld, 1);
	incidents_free(ld);
	store_close(rd);
}

static void
test_load_past(void **state)
{
	struct store *st, *rd;
	struct incidents *in, *ld;
	const struct incident *v;
	size_t n;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	in = history(st);
	assert_int_equal(incidents_flush(in, err, sizeof err), 0);
	incidents_free(in);
	store_close(st);
	rd = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(rd);

	/* at 1500: only #1, open, one trigger, not yet critical or acked */
	ld = incidents_load(rd, 1500);
	n = incidents_list(ld, NULL, 0, &v);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, 1);
	assert_true(v[0].open);
	assert_int_equal(v[0].count, 1);
	assert_int_equal(v[0].last_ms, 1000);
	assert_int_equal(v[0].severity, SEVERITY_WARNING);
	assert_int_equal(v[0].acked_ms, 0);
	assert_string_equal(v[0].acked_by, "");
	assert_int_equal(v[0].resolved_ms, 0);
	assert_string_equal(v[0].resolved_by, "");
	assert_kinds(ld, 1, "trigger");
	assert_int_equal(incidents_open_count(ld, NULL), 1);
	incidents_free(ld);

	/* at 4500: #1 critical, acked, open; #2 open */
	ld = incidents_load(rd, 4500);
	n = incidents_list(ld, NULL, 1, &v);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].id, 1);
	assert_int_equal(v[1].count, 2);
	assert_int_equal(v[1].severity, SEVERITY_CRITICAL);
	assert_string_equal(v[1].acked_by, "ann");
	assert_kinds(ld, 1, "trigger join ack note");
	incidents_free(ld);

	/* at 10000: #1 resolved, #2 and #3 open (#3 cleared, not resolved) */
	ld = incidents_load(rd, 10000);
	assert_int_equal(incidents_list(ld, NULL, 0, &v), 3);
	assert_int_equal(incidents_list(ld, NULL, 1, &v), 2);
	assert_int_equal(v[0].id, 3);
	assert_int_equal(v[1].id, 2);
	assert_kinds(ld, 3, "trigger cleared");
	incidents_free(ld);

	/* before anything */
	ld = incidents_load(rd, 999);
	assert_int_equal(incidents_list(ld, NULL, 0, &v), 0);
	incidents_free(ld);
	store_close(rd);
}

static void
test_restart(void **state)
{
	struct store *st;
	struct incidents *in;
	const struct incident *v;
	int64_t id;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	in = history(st);
	assert_int_equal(incidents_flush(in, err, sizeof err), 0);
	incidents_free(in);
	store_close(st);

	/* the recorder comes back: #2 is still open and continues */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	in = incidents_new(st, 10000);
	check_history(in, 0);
	assert_int_equal(incidents_open_count(in, NULL), 1);
	assert_int_equal(incidents_find_open(in, "llm-0", "exception"), 2);
	/* its condition is unknown until the first tick: a full period */
	assert_int_equal(incidents_tick(in, 1000000), 0);
	assert_int_equal(incidents_tick(in, 1009999), 0);
	{
		struct incident_trigger t = { "llm-0", "exception", NULL,
		    "ValueError again", NULL, NULL, SEVERITY_CRITICAL, 0 };

		assert_int_equal(incidents_trigger(in, &t, 1005000), 2);
	}
	id = trig(in, "llm-2", "leak", SEVERITY_WARNING, "leak", 1006000);
	assert_int_equal(id, 4);	/* ids continue the table's */
	assert_int_equal(incidents_flush(in, err, sizeof err), 0);
	assert_int_equal(incidents_tick(in, 1014999), 0);
	assert_int_equal(incidents_tick(in, 1015000), 1);
	assert_int_equal(incidents_flush(in, err, sizeof err), 0);
	incidents_free(in);
	store_close(st);

	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	in = incidents_load(st, INT64_MAX);
	assert_int_equal(incidents_list(in, NULL, 0, &v), 4);
	assert_int_equal(v[0].id, 4);
	assert_true(v[0].open);
	assert_int_equal(v[2].id, 2);
	assert_int_equal(v[2].count, 2);
	assert_int_equal(v[2].severity, SEVERITY_CRITICAL);
	assert_false(v[2].open);
	assert_int_equal(v[2].resolved_ms, 1015000);
	assert_string_equal(v[2].resolved_by, "auto");
	assert_kinds(in, 2, "trigger join resolve");
	incidents_free(in);
	store_close(st);
}

static void
raw_exec(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
test_flush_fails(void **state)
{
	struct store *st, *rd;
	struct incidents *in, *ld;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	in = incidents_new(st, 10000);
	trig(in, "w", "crash", SEVERITY_CRITICAL, "exited", 1000);
	raw_exec("ALTER TABLE incident_timeline RENAME TO tl_away");
	assert_int_equal(incidents_flush(in, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "writing incidents"));
	/* rolled back: no half-written incident */
	raw_exec("ALTER TABLE tl_away RENAME TO incident_timeline");
	rd = store_open(path, STORE_READ, err, sizeof err);
	ld = incidents_load(rd, INT64_MAX);
	assert_int_equal(incidents_open_count(ld, NULL), 0);
	incidents_free(ld);
	/* still pending: the next flush writes it */
	assert_int_equal(incidents_flush(in, err, sizeof err), 0);
	ld = incidents_load(rd, INT64_MAX);
	assert_int_equal(incidents_open_count(ld, NULL), 1);
	assert_kinds(ld, 1, "trigger");
	incidents_free(ld);
	store_close(rd);
	incidents_free(in);
	store_close(st);
}

static void
test_old_recording(void **state)
{
	struct store *st;
	struct incidents *in;
	const struct incident *v;

	/* make a schema 1 recording out of a new one */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_close(st);
	raw_exec("DROP TABLE IF EXISTS actions; "
	    "DROP TABLE incident_timeline; DROP TABLE incidents; "
	    "PRAGMA user_version = 1; UPDATE meta SET value = 1 WHERE key = "
	    "'schema_version'");
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_false(store_has_table(st, "incidents"));
	in = incidents_load(st, INT64_MAX);
	assert_non_null(in);
	assert_int_equal(incidents_list(in, NULL, 0, &v), 0);
	incidents_free(in);
	store_close(st);
	/* a writer upgrades it */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	assert_true(store_has_table(st, "incidents"));
	in = incidents_new(st, 1000);
	assert_int_equal(trig(in, "w", "crash", SEVERITY_INFO, "x", 5), 1);
	assert_int_equal(incidents_flush(in, err, sizeof err), 0);
	incidents_free(in);
	store_close(st);
}

/* A damaged recording: wrong types, extreme times, orphan entries. */
static void
test_damaged(void **state)
{
	struct store *st;
	struct incidents *in;
	const struct incident *v;
	const struct incident_entry *e;
	struct pattern_group *g;
	struct pattern_recurring *r;
	size_t n, ng;

	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	store_close(st);
	raw_exec("INSERT INTO incidents (id, worker, class, severity, opened, "
	    "last_trigger, count, signature, resolved) VALUES "
	    "(5, 'w', 'x', 'bogus', 100, -5, -3, 'zz', 50), "
	    "(9223372036854775807, 'w', X'ff00fe', 'critical', "
	    "-9223372036854775808, 0, 2147483648, NULL, 9223372036854775807); "
	    "INSERT INTO incident_timeline (incident_id, ts, kind, text, "
	    "severity) VALUES (77, 5, 'trigger', 'orphan', NULL), "
	    "(5, 1, 'weird', X'c0afe2', 'nonsense'), (5, 2, '', '', NULL)");
	st = store_open(path, STORE_READ, err, sizeof err);
	assert_non_null(st);
	in = incidents_load(st, INT64_MAX);
	assert_non_null(in);
	n = incidents_list(in, NULL, 0, &v);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].id, 5);
	assert_int_equal(v[1].severity, SEVERITY_WARNING);	/* unknown */
	assert_int_equal(incidents_timeline(in, 5, &e), 2);	/* not 77's */
	assert_string_equal(e[0].text, "\xc0\xaf\xe2");	/* kept as is */
	assert_string_equal(e[1].kind, "");
	assert_int_equal(v[0].id, INT64_MAX);
	assert_string_equal(v[0].trigger, "");
	ng = patterns_group(v, n, PATTERN_BY_PAIR, INT64_MIN, &g);
	assert_int_equal(ng, 2);
	free(g);
	ng = patterns_group(v, n, PATTERN_BY_ALL, INT64_MAX, &g);
	assert_true(g[0].mttr_ms > 1e18);
	free(g);
	patterns_recurring(v, n, &r);
	free(r);
	incidents_free(in);
	/* as of a time before everything but the extreme one */
	in = incidents_load(st, 0);
	assert_int_equal(incidents_list(in, NULL, 0, &v), 1);
	assert_true(v[0].open);
	incidents_free(in);
	store_close(st);

	/* a writer continues after them; the id space is exhausted, and
	 * the flush says so instead of overwriting */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	in = incidents_new(st, 1000);
	trig(in, "w", "crash", SEVERITY_INFO, "x", 1000);
	assert_int_equal(incidents_flush(in, err, sizeof err), -1);
	assert_non_null(strstr(err, "writing incidents"));
	incidents_free(in);
	store_close(st);
}

/* ---- patterns ---- */

#define MIN	(60 * 1000LL)
#define HOUR	(60 * MIN)

static struct incident
mk(int64_t id, const char *worker, const char *cls, int64_t opened,
    int64_t resolved, uint64_t sig, const char *exc)
{
	struct incident p;

	memset(&p, 0, sizeof p);
	p.id = id;
	p.worker = worker;
	p.cls = cls;
	p.strategy = p.trigger = p.acked_by = p.exc_message = "";
	p.exc_type = exc != NULL ? exc : "";
	p.resolved_by = resolved != 0 ? "auto" : "";
	p.open = resolved == 0;
	p.opened_ms = p.last_ms = opened;
	p.resolved_ms = resolved;
	p.count = 1;
	p.signature = sig;
	return p;
}

static const struct pattern_group *
group(const struct pattern_group *g, size_t n, const char *worker,
    const char *cls)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((worker == NULL ? g[i].worker == NULL : g[i].worker != NULL
		    && strcmp(g[i].worker, worker) == 0) &&
		    (cls == NULL ? g[i].cls == NULL : g[i].cls != NULL &&
		    strcmp(g[i].cls, cls) == 0))
			return &g[i];
	fail_msg("no group %s/%s", worker ? worker : "-", cls ? cls : "-");
	return NULL;
}

static void
test_patterns(void **state)
{
	struct incident v[] = {
		/* A crash: every hour, 10 and 5 minutes to resolve, last open */
		mk(1, "A", "crash", 0, 10 * MIN, 0, NULL),
		mk(4, "A", "crash", HOUR, HOUR + 5 * MIN, 0, NULL),
		mk(9, "A", "crash", 2 * HOUR, 0, 0, NULL),
		/* A: the same traceback three times, each after the last
		 * was resolved */
		mk(2, "A", "exception", 1000, 2000, 0xabc, "ValueError"),
		mk(3, "A", "exception", 5000, 6000, 0xabc, "ValueError"),
		mk(5, "A", "exception", 9000, 9500, 0xabc, "ValueError"),
		/* B: that signature once: no recurrence */
		mk(6, "B", "exception", 1500, 0, 0xabc, "ValueError"),
		/* C: two latency incidents overlapping (the second opened
		 * before the first was resolved): no recurrence */
		mk(7, "C", "latency", 0, 5000, 0, NULL),
		mk(8, "C", "latency", 4000, 8000, 0, NULL),
	};
	size_t n = ARRAY_LEN(v), ng, nr;
	int64_t now = 2 * HOUR + MIN;
	struct pattern_group *g;
	struct pattern_recurring *r;
	const struct pattern_group *p;

	ng = patterns_group(v, n, PATTERN_BY_PAIR, now, &g);
	assert_int_equal(ng, 4);
	/* most first, then by name */
	assert_string_equal(g[0].worker, "A");
	assert_string_equal(g[0].cls, "crash");
	assert_string_equal(g[1].cls, "exception");
	assert_int_equal(g[0].count, 3);
	p = group(g, ng, "A", "crash");
	assert_int_equal(p->count, 3);
	assert_int_equal(p->count_hour, 1);
	assert_int_equal(p->count_day, 3);
	assert_int_equal(p->open, 1);
	assert_int_equal(p->resolved, 2);
	assert_int_equal(p->first_ms, 0);
	assert_int_equal(p->last_ms, 2 * HOUR);
	assert_true(p->mtbf_ms == (double)HOUR);
	assert_true(p->mttr_ms == (double)(15 * MIN) / 2);
	p = group(g, ng, "A", "exception");
	assert_true(p->mtbf_ms == 4000.0);
	assert_true(p->mttr_ms == (1000.0 + 1000.0 + 500.0) / 3);
	p = group(g, ng, "B", "exception");
	assert_int_equal(p->count, 1);
	assert_true(isnan(p->mtbf_ms));
	assert_true(isnan(p->mttr_ms));
	assert_int_equal(p->count_hour, 0);
	free(g);

	ng = patterns_group(v, n, PATTERN_BY_WORKER, now, &g);
	assert_int_equal(ng, 3);
	p = group(g, ng, "A", NULL);
	assert_int_equal(p->count, 6);
	assert_int_equal(p->resolved, 5);
	/* openings 0, 1000, 5000, 9000, 1h, 2h: gaps sum to 2h */
	assert_true(p->mtbf_ms == (double)(2 * HOUR) / 5);
	assert_int_equal(p->count_hour, 1);
	p = group(g, ng, "C", NULL);
	assert_true(p->mttr_ms == 4500.0);
	free(g);

	ng = patterns_group(v, n, PATTERN_BY_CLASS, now, &g);
	assert_int_equal(ng, 3);
	assert_string_equal(g[0].cls, "exception");	/* 4 */
	assert_null(g[0].worker);
	assert_int_equal(g[0].count, 4);
	assert_int_equal(g[0].open, 1);
	assert_string_equal(g[1].cls, "crash");
	assert_string_equal(g[2].cls, "latency");
	free(g);

	ng = patterns_group(v, n, PATTERN_BY_ALL, now, &g);
	assert_int_equal(ng, 1);
	assert_null(g[0].worker);
	assert_null(g[0].cls);
	assert_int_equal(g[0].count, 9);
	assert_int_equal(g[0].open, 2);
	assert_int_equal(g[0].triggers, 9);
	free(g);

	nr = patterns_recurring(v, n, &r);
	assert_int_equal(nr, 2);
	/* two recurrences each; the newest first */
	assert_string_equal(r[0].worker, "A");
	assert_string_equal(r[0].cls, "crash");
	assert_int_equal(r[0].recurrences, 2);
	assert_int_equal(r[0].occurrences, 3);
	assert_int_equal(r[0].last_ms, 2 * HOUR);
	assert_int_equal(r[0].last_id, 9);
	assert_int_equal(r[0].signature, 0);
	assert_string_equal(r[1].cls, "exception");
	assert_int_equal(r[1].signature, 0xabc);
	assert_string_equal(r[1].exc_type, "ValueError");
	assert_int_equal(r[1].recurrences, 2);
	assert_int_equal(r[1].occurrences, 3);
	assert_int_equal(r[1].first_ms, 1000);
	assert_int_equal(r[1].last_ms, 9000);
	assert_int_equal(r[1].last_id, 5);
	free(r);

	/* nothing in, nothing out */
	assert_int_equal(patterns_group(v, 0, PATTERN_BY_ALL, now, &g), 0);
	assert_null(g);
	assert_int_equal(patterns_recurring(v, 1, &r), 0);
	assert_null(r);
}

/* Patterns over a live tracker's list, end to end. */
static void
test_patterns_live(void **state)
{
	struct incidents *in = incidents_new(NULL, 1000);
	struct incident_trigger t = { "w", "exception", NULL, "KeyError: 'x'",
	    "KeyError", "'x'", SEVERITY_WARNING, 77 };
	struct pattern_recurring *r;
	const struct incident *v;
	size_t n;
	int i;

	for (i = 0; i < 4; i++) {
		incidents_trigger(in, &t, i * 10000);
		incidents_tick(in, i * 10000 + 1000);	/* resolved */
	}
	n = incidents_list(in, NULL, 0, &v);
	assert_int_equal(n, 4);
	assert_int_equal(patterns_recurring(v, n, &r), 1);
	assert_int_equal(r[0].recurrences, 3);
	assert_int_equal(r[0].signature, 77);
	assert_string_equal(r[0].exc_message, "'x'");
	assert_int_equal(r[0].last_ms, 30000);
	free(r);
	incidents_free(in);
}

/* ---- the :ack, :note and :resolve commands ---- */

/* The commands reach the tracker through the engine; here the "engine"
 * is this file's tracker (this strong definition replaces the library's
 * stand-in; the test links nothing else of the engine). */
static struct incidents *cmd_tracker;

struct incidents *
engine_incidents(struct engine *eng)
{
	return cmd_tracker;
}

static int
run(const struct cmd_entry *ce, int live, char **out, char **errs,
    int argc, ...)
{
	struct cmd_ctx ctx;
	char *argv[8];
	size_t outlen, errlen;
	va_list ap;
	int i, rc;

	va_start(ap, argc);
	for (i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	memset(&ctx, 0, sizeof ctx);
	ctx.out = open_memstream(out, &outlen);
	ctx.err = open_memstream(errs, &errlen);
	ctx.engine = live ? (struct engine *)&cmd_tracker : NULL;
	ctx.who = "ann on /dev/pts/3";
	rc = ce->exec(&ctx, argc, argv);
	fclose(ctx.out);
	fclose(ctx.err);
	return rc;
}

#define RUN(rc, ce, live, ...) do {					\
	free(out);							\
	free(errs);							\
	out = errs = NULL;						\
	assert_int_equal(run(ce, live, &out, &errs,			\
	    (int)(sizeof (char *[]){ __VA_ARGS__ } / sizeof (char *)),	\
	    __VA_ARGS__), rc);						\
} while (0)

static void
test_commands(void **state)
{
	const struct incident_entry *e;
	char *out = NULL, *errs = NULL;
	size_t n;

	cmd_tracker = incidents_new(NULL, 10000);
	trig(cmd_tracker, "llm-0", "crash", SEVERITY_CRITICAL, "exited", 1000);
	trig(cmd_tracker, "llm-0", "latency", SEVERITY_WARNING, "p99", 2000);
	trig(cmd_tracker, "llm-1", "leak", SEVERITY_WARNING, "leak", 3000);

	/* on the command line */
	RUN(1, &cmd_ack_entry, 0, "ack", "1");
	assert_string_equal(errs, "ack: only in the live console\n");
	RUN(1, &cmd_note_entry, 0, "note", "1", "x");
	assert_string_equal(errs, "note: only in the live console\n");
	RUN(1, &cmd_resolve_entry, 0, "resolve", "1");
	assert_string_equal(errs, "resolve: only in the live console\n");
	assert_true((cmd_ack_entry.flags & CMD_PROMPT) != 0);
	assert_true((cmd_ack_entry.flags & CMD_REPLAY) == 0);

	/* missing arguments */
	RUN(2, &cmd_ack_entry, 1, "ack");
	assert_string_equal(errs, "usage: ack ID|WORKER\n");
	RUN(2, &cmd_note_entry, 1, "note", "1");
	assert_string_equal(errs, "usage: note ID|WORKER TEXT...\n");
	RUN(2, &cmd_resolve_entry, 1, "resolve", "1", "2");

	/* by id, by worker (its newest open incident) */
	RUN(0, &cmd_ack_entry, 1, "ack", "#1");
	assert_string_equal(out, "incident #1 (llm-0 crash) acknowledged\n");
	assert_string_equal(errs, "");
	assert_string_equal(get(cmd_tracker, 1)->acked_by,
	    "ann on /dev/pts/3");
	RUN(0, &cmd_ack_entry, 1, "ack", "llm-0");
	assert_string_equal(out, "incident #2 (llm-0 latency) "
	    "acknowledged\n");
	RUN(1, &cmd_ack_entry, 1, "ack", "2");
	assert_string_equal(errs, "ack: incident #2 was already acknowledged "
	    "by ann on /dev/pts/3\n");
	RUN(1, &cmd_ack_entry, 1, "ack", "9");
	assert_string_equal(errs, "ack: no incident #9\n");
	RUN(1, &cmd_ack_entry, 1, "ack", "llm-7");
	assert_string_equal(errs, "ack: no open incident on worker llm-7\n");

	RUN(0, &cmd_note_entry, 1, "note", "3", "heap", "grows", "in",
	    "the tokenizer");
	assert_string_equal(out, "note added to incident #3 (llm-1 leak)\n");
	n = incidents_timeline(cmd_tracker, 3, &e);
	assert_int_equal(n, 2);
	assert_string_equal(e[1].text,
	    "ann on /dev/pts/3: heap grows in the tokenizer");
	RUN(1, &cmd_note_entry, 1, "note", "12", "x");
	assert_string_equal(errs, "note: no incident #12\n");

	RUN(0, &cmd_resolve_entry, 1, "resolve", "llm-1");
	assert_string_equal(out, "incident #3 (llm-1 leak) resolved\n");
	assert_string_equal(get(cmd_tracker, 3)->resolved_by,
	    "ann on /dev/pts/3");
	RUN(1, &cmd_resolve_entry, 1, "resolve", "3");
	assert_string_equal(errs, "resolve: incident #3 is already resolved "
	    "(by ann on /dev/pts/3)\n");
	RUN(1, &cmd_resolve_entry, 1, "resolve", "llm-1");
	assert_string_equal(errs, "resolve: no open incident on worker "
	    "llm-1\n");
	/* a note on a resolved incident is fine */
	RUN(0, &cmd_note_entry, 1, "note", "3", "fixed in 1.4.2");

	/* an engine without a tracker */
	incidents_free(cmd_tracker);
	cmd_tracker = NULL;
	RUN(1, &cmd_ack_entry, 1, "ack", "1");
	assert_string_equal(errs, "ack: this engine tracks no incidents\n");
	free(out);
	free(errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_join),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_auto_resolve),
		cmocka_unit_test(test_oneoff),
		cmocka_unit_test(test_operator),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test_setup_teardown(test_flush_reload, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_past, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_old_recording, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_patterns_live),
		cmocka_unit_test(test_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests: the replay view on a small recording written through the
 * store API with known values, a gap, events and incidents; the view at
 * several times answers exactly.  Also: playback, following a recording
 * that a writer keeps appending to, and the file left unmodified.
 *
 * The recording (interval 1 s, T0 = 1700000000000):
 *   ticks i = 0..59 and 120..179 (a 60 s gap: the recorder stopped)
 *   worker "a": up 1; proc_rss_bytes 1000+i; proc_cpu_percent i;
 *     requests_per_second 2i; memory_risk_level 2 from i = 150 (0
 *     before); anomaly_score{figure="latency_p99_seconds"} 7.5 at
 *     i = 130, else 0.5; memory_time_to_limit_seconds 600-i from 150
 *   worker "b": up 1, but 0 for i = 30..39 (down: no proc_* then);
 *     proc_restarts 0 before i = 40, 1 from 40; proc_rss_bytes 5000+i
 *     while up
 *   events: i = 10 fleet "store" "disk ok"; i = 30 b "exited" "process
 *     exited (signal 9)"; i = 150 a "memory" "memory risk high: RSS near
 *     the limit"; i = 151 a "log" "exception (traceback): ValueError: x"
 *   incidents: #1 b crash at i = 30, acked at 35, resolved at 45; #2 a
 *     memory (strategy trim) at 150, open.
 */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "incident.h"
#include "store.h"
#include "timebar.h"
#include "util.h"
#include "view.h"

#define T0	1700000000000LL
#define S	1000LL
#define AT(i)	(T0 + (int64_t)(i) * S)

struct fixture {
	char	 dir[64];
	char	 path[128];
};

static int64_t
sid(struct store *st, const char *w, const char *m, const char *labels)
{
	int64_t id = store_series(st, w, m, labels, labels != NULL ?
	    strlen(labels) : 0);

	assert_true(id > 0);
	return id;
}

static void
tick(struct store *st, struct incidents *in, int i)
{
	int64_t t = AT(i);
	char err[256];
	int b_up = i < 30 || i >= 40;
	struct incident_trigger trig;

	store_append(st, sid(st, "a", "up", NULL), t, 1);
	store_append(st, sid(st, "a", "proc_rss_bytes", NULL), t, 1000 + i);
	store_append(st, sid(st, "a", "proc_cpu_percent", NULL), t, i);
	store_append(st, sid(st, "a", "requests_per_second", NULL), t, 2 * i);
	store_append(st, sid(st, "a", "memory_risk_level", NULL), t,
	    i >= 150 ? 2 : 0);
	store_append(st, sid(st, "a", "anomaly_score",
	    "{figure=\"latency_p99_seconds\"}"), t, i == 130 ? 7.5 : 0.5);
	if (i >= 150)
		store_append(st, sid(st, "a", "memory_time_to_limit_seconds",
		    NULL), t, 600 - i);
	store_append(st, sid(st, "b", "up", NULL), t, b_up);
	store_append(st, sid(st, "b", "proc_restarts", NULL), t, i >= 40);
	if (b_up)
		store_append(st, sid(st, "b", "proc_rss_bytes", NULL), t,
		    5000 + i);
	if (i == 10)
		store_event(st, t, NULL, "store", "disk ok");
	if (i == 30) {
		store_event(st, t, "b", "exited", "process exited (signal 9)");
		memset(&trig, 0, sizeof trig);
		trig.worker = "b";
		trig.cls = INCIDENT_CRASH;
		trig.strategy = "restart";
		trig.text = "exited (signal 9)";
		trig.severity = SEVERITY_CRITICAL;
		assert_int_equal(incidents_trigger(in, &trig, t), 1);
	}
	if (i == 35)
		assert_int_equal(incidents_ack(in, 1, "ann", t, err,
		    sizeof err), 0);
	if (i == 45)
		assert_int_equal(incidents_resolve(in, 1, "bob", t, err,
		    sizeof err), 0);
	if (i == 150) {
		store_event(st, t, "a", "memory",
		    "memory risk high: RSS near the limit");
		memset(&trig, 0, sizeof trig);
		trig.worker = "a";
		trig.cls = INCIDENT_MEMORY;
		trig.strategy = "trim";
		trig.text = "RSS near the limit";
		trig.severity = SEVERITY_WARNING;
		assert_int_equal(incidents_trigger(in, &trig, t), 2);
	}
	if (i == 151)
		store_event(st, t, "a", "log",
		    "exception (traceback): ValueError: x");
	assert_int_equal(incidents_flush(in, err, sizeof err), 0);
	assert_int_equal(store_commit(st, err, sizeof err), 0);
}

/* Write ticks [from, to) into path; keep the writer open when wst is
 * given. */
static void
record(const char *path, int from, int to, struct store **wst,
    struct incidents **win)
{
	char err[256];
	struct store *st = store_open(path, STORE_WRITE, err, sizeof err);
	struct incidents *in;
	int i;

	assert_non_null(st);
	/* small chunks: seals and the tail both get read */
	store_set_chunk_limits(st, 16, 3600 * 1000);
	in = incidents_new(st, 0);
	for (i = from; i < to; i++)
		tick(st, in, i);
	if (wst != NULL) {
		*wst = st;
		*win = in;
		return;
	}
	incidents_free(in);
	store_close(st);
}

static void
rec(const char *path)
{
	char err[256];
	struct store *st = store_open(path, STORE_WRITE, err, sizeof err);
	struct incidents *in;
	int i;

	assert_non_null(st);
	store_set_chunk_limits(st, 16, 3600 * 1000);
	in = incidents_new(st, 0);
	for (i = 0; i < 60; i++)
		tick(st, in, i);
	for (i = 120; i < 180; i++)
		tick(st, in, i);
	incidents_free(in);
	store_close(st);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	strcpy(f->dir, "/tmp/test_replay.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/rec.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct view *
open_view(const char *path, int64_t at)
{
	char err[256];
	struct store *st = store_open(path, STORE_READ, err, sizeof err);
	struct view *v;

	if (st == NULL)
		fail_msg("%s", err);
	v = view_replay_new(st, at, err, sizeof err);
	if (v == NULL)
		fail_msg("%s", err);
	return v;
}

static const struct view_worker *
worker(struct view *v, const char *name)
{
	const struct view_worker *w;
	size_t n, i;

	n = view_workers(v, &w);
	for (i = 0; i < n; i++) {
		if (strcmp(w[i].name, name) == 0)
			return &w[i];
	}
	fail_msg("no worker %s", name);
	return NULL;
}

static void
test_span_interval_gaps(void **state)
{
	struct fixture *f = *state;
	const struct view_gap *g;
	struct view_play p;
	struct view *v;
	int64_t a, b;

	rec(f->path);
	v = open_view(f->path, INT64_MAX);
	assert_string_equal(view_mode(v), "replay");
	assert_string_equal(view_source(v), f->path);
	assert_int_equal(view_span(v, &a, &b), 0);
	assert_int_equal(a, AT(0));
	assert_int_equal(b, AT(179));
	assert_int_equal(view_interval(v), 1000);
	/* opened without a time: at the newest tick, following */
	assert_int_equal(view_time(v), AT(179));
	assert_int_equal(view_play(v, &p), 0);
	assert_int_equal(p.follow, 1);
	assert_int_equal(p.playing, 0);
	assert_int_equal(p.speed, 1);
	assert_int_equal(p.scanning, 0);	/* a small file: at once */
	assert_int_equal(view_gaps(v, &g), 1);
	assert_int_equal(g[0].from_ms, AT(59));
	assert_int_equal(g[0].to_ms, AT(120));
	view_free(v);
}

static void
test_workers_at(void **state)
{
	struct fixture *f = *state;
	const struct view_worker *w, *a, *b;
	const struct view_series *s;
	struct view *v;

	rec(f->path);
	v = open_view(f->path, AT(20));
	assert_int_equal(view_time(v), AT(20));
	assert_int_equal(view_workers(v, &w), 2);
	assert_string_equal(w[0].name, "a");
	assert_string_equal(w[1].name, "b");
	a = worker(v, "a");
	assert_int_equal(a->state, VIEW_UP);
	assert_int_equal(a->pid, 0);
	assert_true(a->rss_bytes == 1020);
	assert_true(a->cpu_percent == 20);
	assert_true(a->req_rate == 40);
	assert_true(isnan(a->err_rate));
	assert_true(isnan(a->pss_bytes));
	assert_int_equal(a->risk, VIEW_RISK_LOW);
	assert_string_equal(a->risk_reason, "");
	assert_int_equal(a->incidents, 0);
	b = worker(v, "b");
	assert_int_equal(b->state, VIEW_UP);
	assert_true(b->rss_bytes == 5020);
	assert_true(b->restarts == 0);

	/* between ticks: the tick before */
	assert_int_equal(view_seek(v, AT(20) + 999), 0);
	assert_true(worker(v, "a")->rss_bytes == 1020);

	/* the crash tick: no RSS, not the RSS of the tick before */
	assert_int_equal(view_seek(v, AT(30)), 0);
	b = worker(v, "b");
	assert_int_equal(b->state, VIEW_DOWN);
	assert_true(isnan(b->rss_bytes));
	assert_int_equal(view_series(v, "b", &s), 3);
	assert_string_equal(s[1].metric, "proc_rss_bytes");
	assert_true(isnan(s[1].value));
	assert_true(s[0].value == 0);	/* proc_restarts, that tick */

	/* b down: its figures missing, the note from its exit event, its
	 * crash incident open and acknowledged */
	assert_int_equal(view_seek(v, AT(36)), 0);
	b = worker(v, "b");
	assert_int_equal(b->state, VIEW_DOWN);
	assert_true(isnan(b->rss_bytes));
	assert_string_equal(b->note, "process exited (signal 9)");
	assert_int_equal(b->incidents, 1);
	assert_int_equal(worker(v, "a")->incidents, 0);

	/* the restart: b is restarting while the counter's step is in the
	 * window, up after */
	assert_int_equal(view_seek(v, AT(41)), 0);
	b = worker(v, "b");
	assert_int_equal(b->state, VIEW_RESTARTING);
	assert_true(b->restarts == 1);
	assert_true(b->rss_bytes == 5041);
	assert_int_equal(view_seek(v, AT(50)), 0);
	assert_int_equal(worker(v, "b")->state, VIEW_UP);
	assert_int_equal(worker(v, "b")->incidents, 0);

	/* in the gap: nothing is known, nothing interpolated */
	assert_int_equal(view_seek(v, AT(90)), 0);
	a = worker(v, "a");
	assert_int_equal(a->state, VIEW_UNKNOWN);
	assert_true(isnan(a->rss_bytes));
	assert_true(isnan(a->cpu_percent));
	assert_string_equal(a->note, "no samples: the recorder was not "
	    "running");
	/* two intervals after the last tick before the gap: still it */
	assert_int_equal(view_seek(v, AT(61)), 0);
	assert_true(worker(v, "a")->rss_bytes == 1059);
	/* three: missing */
	assert_int_equal(view_seek(v, AT(62)), 0);
	assert_true(isnan(worker(v, "a")->rss_bytes));

	/* an anomaly as scored then */
	assert_int_equal(view_seek(v, AT(130)), 0);
	a = worker(v, "a");
	assert_int_equal(a->state, VIEW_UP);
	assert_int_equal(a->anomalies, VIEW_ANOM_LATENCY);
	assert_true(a->anomaly_score == 7.5);
	assert_int_equal(view_seek(v, AT(131)), 0);
	assert_int_equal(worker(v, "a")->anomalies, 0);
	assert_true(worker(v, "a")->anomaly_score == 0.5);

	/* memory health as stored: risk, its reason, the forecast and the
	 * open incident's mitigation */
	assert_int_equal(view_seek(v, AT(160)), 0);
	a = worker(v, "a");
	assert_int_equal(a->risk, VIEW_RISK_HIGH);
	assert_string_equal(a->risk_reason, "RSS near the limit");
	assert_string_equal(a->mitigation, "trim");
	assert_true(a->ttl_s == 440);
	assert_int_equal(a->incidents, 1);
	assert_int_equal(view_seek(v, AT(149)), 0);
	assert_int_equal(worker(v, "a")->risk, VIEW_RISK_LOW);
	assert_true(isnan(worker(v, "a")->ttl_s));

	/* clamped to the span */
	assert_int_equal(view_seek(v, AT(-100)), 0);
	assert_int_equal(view_time(v), AT(0));
	assert_int_equal(view_seek(v, AT(1000)), 0);
	assert_int_equal(view_time(v), AT(179));
	view_free(v);
}

static void
test_incidents_events(void **state)
{
	struct fixture *f = *state;
	const struct view_incident *vi;
	const struct view_entry *e;
	const struct view_event *ev;
	const struct view_log_line *l;
	const struct view_mark *m;
	struct view *v;
	int64_t t;
	uint64_t seq;

	rec(f->path);
	v = open_view(f->path, AT(5));
	assert_int_equal(view_incidents(v, NULL, 0, &vi), 0);
	assert_int_equal(view_events(v, NULL, 10, &ev), 0);
	assert_int_equal(view_marks(v, &m), 2);
	assert_int_equal(m[0].ts_ms, AT(30));
	assert_int_equal(m[0].id, 1);
	assert_int_equal(m[0].severity, 2);
	assert_int_equal(m[1].ts_ms, AT(150));

	/* before the ack */
	assert_int_equal(view_seek(v, AT(33)), 0);
	assert_int_equal(view_incidents(v, NULL, 1, &vi), 1);
	assert_int_equal(vi[0].id, 1);
	assert_string_equal(vi[0].worker, "b");
	assert_string_equal(vi[0].cls, "crash");
	assert_int_equal(vi[0].open, 1);
	assert_string_equal(vi[0].acked_by, "");
	assert_int_equal(view_timeline(v, 1, &e), 1);
	assert_string_equal(e[0].kind, "trigger");
	/* acknowledged, still open */
	assert_int_equal(view_seek(v, AT(40)), 0);
	assert_int_equal(view_incidents(v, "b", 1, &vi), 1);
	assert_string_equal(vi[0].acked_by, "ann");
	assert_int_equal(vi[0].acked_ms, AT(35));
	assert_int_equal(view_timeline(v, 1, &e), 2);
	assert_string_equal(e[1].kind, "ack");
	assert_int_equal(view_incidents(v, "a", 0, &vi), 0);
	/* resolved */
	assert_int_equal(view_seek(v, AT(45)), 0);
	assert_int_equal(view_incidents(v, NULL, 1, &vi), 0);
	assert_int_equal(view_incidents(v, NULL, 0, &vi), 1);
	assert_int_equal(vi[0].open, 0);
	assert_string_equal(vi[0].resolved_by, "bob");
	assert_int_equal(view_timeline(v, 1, &e), 3);

	/* events up to t, newest first */
	assert_int_equal(view_seek(v, AT(30)), 0);
	assert_int_equal(view_events(v, NULL, 10, &ev), 2);
	assert_int_equal(ev[0].ts_ms, AT(30));
	assert_string_equal(ev[0].worker, "b");
	assert_string_equal(ev[0].kind, "exited");
	assert_string_equal(ev[0].text, "process exited (signal 9)");
	assert_int_equal(ev[1].ts_ms, AT(10));
	assert_null(ev[1].worker);
	assert_int_equal(view_events(v, NULL, 1, &ev), 1);
	assert_int_equal(view_events(v, "b", 10, &ev), 1);
	assert_int_equal(view_events(v, "a", 10, &ev), 0);
	assert_int_equal(view_seek(v, AT(29)), 0);
	assert_int_equal(view_events(v, NULL, 10, &ev), 1);

	/* the log: classified lines, from the "log" events */
	assert_int_equal(view_seek(v, AT(170)), 0);
	assert_int_equal(view_log(v, "a", &l), 1);
	assert_string_equal(l[0].text, "exception (traceback): ValueError: x");
	assert_int_equal(l[0].ts_ms, AT(151));
	/* named by the same number in every call */
	seq = l[0].seq;
	assert_int_equal(view_seek(v, AT(200)), 0);
	assert_int_equal(view_log(v, "a", &l), 1);
	assert_int_equal(l[0].seq, seq);
	assert_int_equal(view_seek(v, AT(170)), 0);
	assert_int_equal(view_log(v, "b", &l), 0);

	/* the incidents open at t, their patterns */
	assert_int_equal(view_incidents(v, NULL, 1, &vi), 1);
	assert_int_equal(vi[0].id, 2);
	assert_string_equal(vi[0].strategy, "trim");
	assert_int_equal(view_incidents(v, NULL, 0, &vi), 2);
	assert_int_equal(vi[0].id, 2);	/* newest first */

	/* previous / next incident and event */
	assert_int_equal(view_seek(v, AT(0)), 0);
	assert_int_equal(view_find(v, VIEW_FIND_INCIDENT, 1, &t), 0);
	assert_int_equal(t, AT(30));
	assert_int_equal(view_find(v, VIEW_FIND_INCIDENT, -1, &t), -1);
	assert_int_equal(view_find(v, VIEW_FIND_EVENT, 1, &t), 0);
	assert_int_equal(t, AT(10));
	assert_int_equal(view_seek(v, AT(30)), 0);
	assert_int_equal(view_find(v, VIEW_FIND_INCIDENT, 1, &t), 0);
	assert_int_equal(t, AT(150));
	assert_int_equal(view_find(v, VIEW_FIND_EVENT, -1, &t), 0);
	assert_int_equal(t, AT(10));
	assert_int_equal(view_find(v, VIEW_FIND_EVENT, 1, &t), 0);
	assert_int_equal(t, AT(150));
	assert_int_equal(view_seek(v, AT(179)), 0);
	assert_int_equal(view_find(v, VIEW_FIND_EVENT, 1, &t), -1);
	assert_int_equal(view_find(v, VIEW_FIND_INCIDENT, -1, &t), 0);
	assert_int_equal(t, AT(150));
	view_free(v);
}

struct pts {
	int64_t	 ts[64];
	double	 v[64];
	int	 n;
};

static int
pt(void *ctx, int64_t ts, double v)
{
	struct pts *p = ctx;

	if (p->n < 64) {
		p->ts[p->n] = ts;
		p->v[p->n] = v;
	}
	p->n++;
	return 0;
}

static void
test_series_points(void **state)
{
	struct fixture *f = *state;
	const struct view_series *s;
	struct pts p;
	struct view *v;
	size_t n, i;

	rec(f->path);
	v = open_view(f->path, AT(20));
	n = view_series(v, "a", &s);
	assert_int_equal(n, 7);
	/* sorted by metric, then labels */
	assert_string_equal(s[0].metric, "anomaly_score");
	assert_string_equal(s[0].labels, "{figure=\"latency_p99_seconds\"}");
	assert_string_equal(s[1].metric, "memory_risk_level");
	assert_string_equal(s[2].metric, "memory_time_to_limit_seconds");
	assert_true(isnan(s[2].value));		/* not yet recorded */
	assert_string_equal(s[3].metric, "proc_cpu_percent");
	assert_string_equal(s[4].metric, "proc_rss_bytes");
	assert_true(s[4].value == 1020);
	assert_int_equal(s[4].ts_ms, AT(20));
	assert_string_equal(s[6].metric, "up");
	assert_int_equal(view_series(v, "b", &s), 3);
	assert_string_equal(s[0].metric, "proc_restarts");
	assert_int_equal(s[0].counter, 1);
	assert_int_equal(view_series(v, "nobody", &s), 0);

	/* points up to the cursor: nothing after it */
	memset(&p, 0, sizeof p);
	assert_int_equal(view_points(v, "a", "proc_rss_bytes", "", 0, AT(10),
	    AT(100), pt, &p), 0);
	assert_int_equal(p.n, 11);
	for (i = 0; i < 11; i++) {
		assert_int_equal(p.ts[i], AT(10 + i));
		assert_true(p.v[i] == 1010 + i);
	}
	/* across the gap: the points on each side, none in it */
	assert_int_equal(view_seek(v, AT(125)), 0);
	memset(&p, 0, sizeof p);
	assert_int_equal(view_points(v, "a", "proc_cpu_percent", NULL, 0,
	    AT(55), AT(125), pt, &p), 0);
	assert_int_equal(p.n, 11);
	assert_int_equal(p.ts[4], AT(59));
	assert_int_equal(p.ts[5], AT(120));
	memset(&p, 0, sizeof p);
	assert_int_equal(view_points(v, "a", "anomaly_score",
	    "{figure=\"latency_p99_seconds\"}",
	    strlen("{figure=\"latency_p99_seconds\"}"), AT(125), AT(125), pt,
	    &p), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(view_points(v, "a", "nope", "", 0, AT(0), AT(10), pt,
	    &p), -1);
	assert_int_equal(view_points(v, "zz", "up", "", 0, AT(0), AT(10), pt,
	    &p), -1);
	view_free(v);
}

static void
test_playback(void **state)
{
	struct fixture *f = *state;
	struct view_play p = { 1, 64, 0, 0, 0 };
	struct pollfd fds[4];
	struct view *v;
	int timeout = -1, bits;
	int64_t t0;

	rec(f->path);
	v = open_view(f->path, AT(0));
	assert_int_equal(view_play_set(v, &p), 0);
	assert_int_equal(view_play(v, &p), 0);
	assert_int_equal(p.playing, 1);
	assert_int_equal(p.speed, 64);
	assert_int_equal(view_pollfds(v, fds, 4, &timeout), 0);
	assert_true(timeout >= 0 && timeout <= 100);
	usleep(150 * 1000);
	t0 = view_time(v);
	bits = view_dispatch(v, fds, 0);
	assert_true(bits & VIEW_CHANGED);
	/* 64 times real time: at least 150 ms * 64 later */
	assert_true(view_time(v) >= t0 + 150 * 64);
	assert_true(view_time(v) < t0 + 2000 * 64);
	/* backwards to the start: stops there */
	view_seek(v, AT(5));
	p.reverse = 1;
	assert_int_equal(view_play_set(v, &p), 0);
	usleep(150 * 1000);
	view_dispatch(v, fds, 0);
	assert_int_equal(view_time(v), AT(0));
	assert_int_equal(view_play(v, &p), 0);
	assert_int_equal(p.playing, 0);
	/* speed clamped */
	p.speed = 1000;
	p.reverse = 0;
	view_play_set(v, &p);
	view_play(v, &p);
	assert_int_equal(p.speed, VIEW_SPEED_MAX);
	/* follow: to the end */
	p.follow = 1;
	view_play_set(v, &p);
	assert_int_equal(view_time(v), AT(179));
	view_play(v, &p);
	assert_int_equal(p.follow, 1);
	/* moving the cursor leaves follow mode */
	view_seek(v, AT(100));
	view_play(v, &p);
	assert_int_equal(p.follow, 0);
	view_free(v);
}

static void
test_follow(void **state)
{
	struct fixture *f = *state;
	struct store *wst;
	struct incidents *win;
	struct pollfd fds[4];
	struct view *v, *w;
	int64_t a, b;
	int timeout = -1;
	const struct view_incident *vi;

	record(f->path, 0, 20, &wst, &win);
	v = open_view(f->path, INT64_MAX);
	w = open_view(f->path, AT(5));
	assert_int_equal(view_time(v), AT(19));
	assert_true(worker(v, "a")->rss_bytes == 1019);
	for (int i = 20; i < 35; i++)
		tick(wst, win, i);
	view_pollfds(v, fds, 4, &timeout);
	assert_true(timeout >= 0 && timeout <= 1000);
	usleep(1100 * 1000);
	assert_true(view_dispatch(v, fds, 0) & VIEW_CHANGED);
	view_dispatch(w, fds, 0);
	/* following: at the newest tick, with what came with it */
	assert_int_equal(view_time(v), AT(34));
	assert_true(worker(v, "a")->rss_bytes == 1034);
	assert_int_equal(worker(v, "b")->state, VIEW_DOWN);
	assert_int_equal(view_incidents(v, NULL, 1, &vi), 1);
	/* not following: the cursor stays, the span grows */
	assert_int_equal(view_time(w), AT(5));
	assert_int_equal(view_span(w, &a, &b), 0);
	assert_int_equal(b, AT(34));
	view_free(v);
	view_free(w);
	incidents_free(win);
	store_close(wst);
}

static uint64_t
checksum(const char *path)
{
	uint64_t h = 1469598103934665603ull;
	unsigned char buf[4096];
	ssize_t n, i;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211ull;
	close(fd);
	return h;
}

static void
test_read_only(void **state)
{
	struct fixture *f = *state;
	const struct view_worker *w;
	const struct view_incident *vi;
	struct stat a, b;
	struct view *v;
	uint64_t before;
	char wal[160];
	struct pollfd fds[1];

	rec(f->path);
	before = checksum(f->path);
	assert_int_equal(stat(f->path, &a), 0);
	v = open_view(f->path, AT(40));
	view_workers(v, &w);
	view_incidents(v, NULL, 0, &vi);
	view_seek(v, AT(150));
	view_workers(v, &w);
	view_dispatch(v, fds, 0);
	view_free(v);
	assert_true(checksum(f->path) == before);
	assert_int_equal(stat(f->path, &b), 0);
	assert_int_equal(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_true(access(wal, F_OK) != 0 || stat(wal, &b) != 0 ||
	    b.st_size == 0);
}

static void
test_empty(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct store *st = store_open(f->path, STORE_WRITE, err, sizeof err);
	const struct view_worker *w;
	const struct view_gap *g;
	struct view *v;
	int64_t a, b;

	assert_non_null(st);
	store_close(st);
	v = open_view(f->path, INT64_MAX);
	assert_int_equal(view_span(v, &a, &b), 1);
	assert_int_equal(view_workers(v, &w), 0);
	assert_int_equal(view_gaps(v, &g), 0);
	assert_non_null(view_status(v));
	assert_int_equal(view_seek(v, 5), 0);
	view_free(v);
}

/* A recording with a thousand years between two stretches (a damaged
 * clock, or a recorder stopped for a long time) is scanned for gaps at
 * open in one step per stretch, not an hour at a time: the gap shows at
 * once, from a reader of the live file (the newest points in the open
 * chunk) and of the closed one (all sealed). */
static void
test_long_pause(void **state)
{
	const int64_t far = T0 + 1000LL * 365 * 86400 * S;
	struct fixture *f = *state;
	char err[256];
	struct store *st = store_open(f->path, STORE_WRITE, err, sizeof err);
	const struct view_gap *g;
	struct view_play p;
	struct view *v;
	int64_t next, id;
	int k, pass;

	assert_non_null(st);
	store_set_chunk_limits(st, 16, 3600 * 1000);
	id = sid(st, "a", "up", NULL);
	for (k = 0; k < 40; k++) {
		store_append(st, id, AT(k), 1);
		assert_int_equal(store_commit(st, err, sizeof err), 0);
	}
	for (k = 0; k < 40; k++) {
		store_append(st, id, far + k * S, 1);
		assert_int_equal(store_commit(st, err, sizeof err), 0);
	}
	/* the writer's own answers: inside a stretch the next millisecond,
	 * between them the next stretch, after the last nothing */
	assert_int_equal(store_next_time(st, id, AT(5), &next), 0);
	assert_int_equal(next, AT(5) + 1);
	assert_int_equal(store_next_time(st, id, AT(39), &next), 0);
	assert_int_equal(next, far);
	assert_int_equal(store_next_time(st, id, far + 38 * S, &next), 0);
	assert_true(next > far + 38 * S && next <= far + 39 * S);
	assert_int_equal(store_next_time(st, id, far + 39 * S, &next), 1);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			store_close(st);
			st = NULL;
		}
		v = open_view(f->path, INT64_MAX);
		assert_int_equal(view_play(v, &p), 0);
		assert_int_equal(p.scanning, 0);
		assert_int_equal(view_gaps(v, &g), 1);
		assert_int_equal(g[0].from_ms, AT(39));
		assert_int_equal(g[0].to_ms, far);
		view_free(v);
	}
}

/* The time bar's columns. */
static void
test_timebar_cells(void **state)
{
	struct view_gap gaps[] = { { 1000, 5000 }, { 7000, 7200 } };
	struct view_mark marks[] = { { 8000, 1, 1 }, { 8100, 2, 2 } };
	struct timebar_input in;
	char cells[11];

	(void)state;
	memset(&in, 0, sizeof in);
	in.first_ms = 0;
	in.last_ms = 10000;
	in.t_ms = 10000;
	in.gaps = gaps;
	in.ngaps = 2;
	in.marks = marks;
	in.nmarks = 2;
	/* 10 columns of 1 s: [0,1) [1,2) ... [9,10]; the cursor's last */
	timebar_cells(&in, 10, cells);
	cells[10] = '\0';
	assert_string_equal(cells, "=    ==-C|");
	in.t_ms = 0;
	timebar_cells(&in, 10, cells);
	assert_memory_equal(cells, "|    ==-C=", 10);
	/* an empty span: one column for all of it */
	in.first_ms = in.last_ms = 500;
	in.ngaps = in.nmarks = 0;
	in.t_ms = 500;
	timebar_cells(&in, 4, cells);
	assert_memory_equal(cells, "===|", 4);
	/* the column of a time, and back */
	in.first_ms = 0;
	in.last_ms = 10000;
	assert_int_equal(timebar_column(&in, 10, 0), 0);
	assert_int_equal(timebar_column(&in, 10, 10000), 9);
	assert_int_equal(timebar_column(&in, 10, 4999), 4);
	assert_int_equal(timebar_time(&in, 10, 0), 0);
	assert_int_equal(timebar_time(&in, 10, 9), 10000);
	assert_int_equal(timebar_time(&in, 10, 5), 5500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_span_interval_gaps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_workers_at, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_incidents_events, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_series_points, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_playback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_pause, setup,
		    teardown),
		cmocka_unit_test(test_timebar_cells),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

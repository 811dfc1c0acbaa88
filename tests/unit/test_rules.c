/*
 * test_rules.c -- threshold rules: expressions, `for`, hysteresis (margin
 * and clear_after), rate() across a counter reset, quantile() from
 * histogram buckets and from summaries, label selectors, `workers`
 * scope, NaN and missing values, "not exposed", status, and the config
 * errors a bad rule gives.  Every rule comes from a small ini file
 * loaded with config_load; every value from a real series registry.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "rules.h"
#include "series.h"
#include "util.h"

#define T0	INT64_C(1800000000000)	/* a round epoch in ms */
#define SEC(n)	(T0 + (int64_t)(n) * 1000)

static char tmpdir[64];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_rules.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	return rmdir(tmpdir);
}

/* ------------------------------------------------------------------ */
/* Fixtures */

/* Load ini text as a config file; returns config_load's result and
 * leaves its errors in errs. */
static int
load_text(const char *text, struct config *cfg, struct cfg_errors *errs)
{
	char *path = xasprintf("%s/rules.ini", tmpdir);
	FILE *fp = fopen(path, "w");
	int rc;

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	rc = config_load(path, cfg, errs);
	unlink(path);
	free(path);
	return rc;
}

static void
load_ok(const char *text, struct config *cfg)
{
	struct cfg_errors errs = {0};

	if (load_text(text, cfg, &errs) != 0)
		cfg_errors_print(&errs, stderr);
	assert_int_equal(errs.n, 0);
	cfg_errors_free(&errs);
}

/* Exactly one error, at line, with exactly msg. */
static void
load_error(const char *text, int line, const char *msg)
{
	struct cfg_errors errs = {0};
	struct config cfg;

	assert_int_equal(load_text(text, &cfg, &errs), -1);
	if (errs.n != 1 || errs.v[0].line != line ||
	    strcmp(errs.v[0].msg, msg) != 0) {
		fprintf(stderr, "want line %d: %s\ngot:\n", line, msg);
		cfg_errors_print(&errs, stderr);
	}
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, line);
	assert_string_equal(errs.v[0].msg, msg);
	config_free(&cfg);
	cfg_errors_free(&errs);
}

#define MAXW	4
#define MAXS	256

/* A registry and, per worker, its series indexes as the engine keeps
 * them (appended as series appear). */
struct fx {
	struct series_reg *reg;
	uint32_t	 idx[MAXW][MAXS];
	size_t		 n[MAXW];
};

static void
fx_init(struct fx *f)
{
	memset(f, 0, sizeof *f);
	f->reg = series_reg_new(INT64_C(600000));
}

static void
fx_free(struct fx *f)
{
	series_reg_free(f->reg);
}

static void
put(struct fx *f, uint32_t w, const char *metric, const char *labels,
    enum series_kind kind, int64_t ts, double v)
{
	size_t before = series_count(f->reg);
	char name[16];
	struct series *s;

	snprintf(name, sizeof name, "w%u", w);
	s = series_get(f->reg, w, name, metric, labels, strlen(labels), kind);
	if (series_count(f->reg) != before) {
		assert_true(f->n[w] < MAXS);
		f->idx[w][f->n[w]++] = s->idx;
	}
	series_append(f->reg, s, ts, v);
}

static void
gauge(struct fx *f, uint32_t w, const char *metric, int64_t ts, double v)
{
	put(f, w, metric, "", SERIES_GAUGE, ts, v);
}

struct ev {
	char		 rule[64];
	char		 worker[64];
	enum rule_transition what;
	double		 value, threshold;
	int64_t		 since_ms, at_ms;
	char		 text[256];
};

struct evlog {
	struct ev	 v[512];
	size_t		 n;
	int64_t		 now;
};

static void
on_event(void *ctx, const struct rule_event *e)
{
	struct evlog *log = ctx;
	struct ev *ev;

	assert_true(log->n < ARRAY_LEN(log->v));
	ev = &log->v[log->n++];
	util_strlcpy(ev->rule, e->rule->name, sizeof ev->rule);
	util_strlcpy(ev->worker, e->worker, sizeof ev->worker);
	ev->what = e->what;
	ev->value = e->value;
	ev->threshold = e->threshold;
	ev->since_ms = e->since_ms;
	ev->at_ms = log->now;
	util_strlcpy(ev->text, e->text, sizeof ev->text);
}

static void
eval(struct fx *f, struct rules *r, uint32_t w, const char *name,
    int64_t now, struct evlog *log)
{
	log->now = now;
	rules_eval(r, f->reg, w, name, f->idx[w], f->n[w], now, on_event,
	    log);
}

static size_t
count(const struct evlog *log, enum rule_transition what)
{
	size_t i, n = 0;

	for (i = 0; i < log->n; i++)
		n += log->v[i].what == what;
	return n;
}

/* The first event of a kind, or NULL. */
static const struct ev *
first(const struct evlog *log, enum rule_transition what)
{
	size_t i;

	for (i = 0; i < log->n; i++) {
		if (log->v[i].what == what)
			return &log->v[i];
	}
	return NULL;
}

/* The current value a rule shows in rules_status for worker name. */
static int
status_of(struct rules *r, const char *name, const char *rule,
    struct rule_status *out)
{
	struct rule_status st[16];
	size_t n = rules_status(r, name, st, ARRAY_LEN(st)), i;

	for (i = 0; i < n && i < ARRAY_LEN(st); i++) {
		if (strcmp(st[i].rule->name, rule) == 0) {
			*out = st[i];
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* for */

static void
test_above_for(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	const struct ev *e;
	int t;

	load_ok("[rule slow]\nmetric = latency_p99_seconds\nabove = 1\n"
	    "for = 5s\n", &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	for (t = 0; t <= 30; t++) {
		gauge(&f, 0, "latency_p99_seconds", SEC(t), t < 10 ? 0.5 : 1.5);
		eval(&f, r, 0, "w0", SEC(t), &log);
		if (t < 10)
			assert_int_equal(log.n, 0);
		if (t == 10) {
			assert_int_equal(log.n, 1);
			assert_int_equal(log.v[0].what, RULE_PENDING);
			assert_int_equal(log.v[0].since_ms, SEC(10));
			assert_string_equal(log.v[0].text, "p99 latency 1.5s "
			    "above 1s, firing if it holds for 5s");
		}
		if (t == 14)	/* held 4 s: not yet */
			assert_int_equal(count(&log, RULE_FIRING), 0);
	}
	assert_int_equal(log.n, 2);
	e = first(&log, RULE_FIRING);
	assert_non_null(e);
	assert_int_equal(e->at_ms, SEC(15));	/* held exactly 5 s */
	assert_int_equal(e->since_ms, SEC(10));
	assert_true(e->value == 1.5);
	assert_true(e->threshold == 1);
	assert_string_equal(e->worker, "w0");
	assert_string_equal(e->rule, "slow");
	assert_string_equal(e->text, "p99 latency 1.5s above 1s for 5s");
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

static void
test_below_for_and_cancel(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	struct rule_status st;
	const struct ev *e;
	int t;
	double v;

	load_ok("[rule oom-soon]\nmetric = memory_time_to_limit_seconds\n"
	    "below = 600\nfor = 3s\n", &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	/* below for 2 s, then back: pending, cancelled, never fires */
	for (t = 0; t < 10; t++) {
		v = t >= 3 && t < 5 ? 500 : 900;
		gauge(&f, 0, "memory_time_to_limit_seconds", SEC(t), v);
		eval(&f, r, 0, "w0", SEC(t), &log);
		if (t == 3 || t == 4)
			assert_true(status_of(r, "w0", "oom-soon", &st) &&
			    st.pending && !st.firing &&
			    st.since_ms == SEC(3));
	}
	assert_int_equal(log.n, 1);
	assert_int_equal(log.v[0].what, RULE_PENDING);
	assert_false(status_of(r, "w0", "oom-soon", &st));
	/* now for good */
	for (t = 10; t < 20; t++) {
		gauge(&f, 0, "memory_time_to_limit_seconds", SEC(t), 540);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	e = first(&log, RULE_FIRING);
	assert_non_null(e);
	assert_int_equal(e->at_ms, SEC(13));
	assert_int_equal(e->since_ms, SEC(10));
	assert_string_equal(e->text, "time to memory limit 9m below 10m "
	    "for 3s");
	assert_true(status_of(r, "w0", "oom-soon", &st) && st.firing &&
	    st.since_ms == SEC(13) && st.value == 540);
	/* below = 600, 5% margin: clears at 630 and above */
	gauge(&f, 0, "memory_time_to_limit_seconds", SEC(20), 620);
	eval(&f, r, 0, "w0", SEC(20), &log);
	assert_int_equal(count(&log, RULE_CLEARED), 0);
	gauge(&f, 0, "memory_time_to_limit_seconds", SEC(21), 630);
	eval(&f, r, 0, "w0", SEC(21), &log);
	e = first(&log, RULE_CLEARED);
	assert_non_null(e);
	assert_int_equal(e->since_ms, SEC(13));
	assert_string_equal(e->text, "time to memory limit 10m30s back above "
	    "10m30s; fired 8s ago");
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

/* ------------------------------------------------------------------ */
/* Hysteresis */

static const double hover[] = { 100, 99, 101, 99.5, 100.5, 99, 100.8,
    96.5, 100.2, 98, 101.5, 99.9, 100.1, 97, 102, 95.5 };

static void
test_hover_margin_only(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	const struct ev *e;
	int t;

	/* for = 0, so clear_after = 0: only the margin clears */
	load_ok("[rule busy]\nmetric = proc_cpu_percent\nabove = 100\n", &cfg);
	assert_true(cfg.rules[0].margin == 5);
	assert_int_equal(cfg.rules[0].margin_percent, 1);
	assert_int_equal(cfg.rules[0].clear_after_ms, 0);
	r = rules_new(&cfg);
	fx_init(&f);
	gauge(&f, 0, "proc_cpu_percent", SEC(0), 101);
	eval(&f, r, 0, "w0", SEC(0), &log);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.v[0].what, RULE_FIRING);
	assert_string_equal(log.v[0].text, "CPU 101% above 100%");
	for (t = 1; t < 200; t++) {
		gauge(&f, 0, "proc_cpu_percent", SEC(t),
		    hover[t % ARRAY_LEN(hover)]);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	assert_int_equal(log.n, 1);	/* fired once, never flapped */
	/* 96 for a long time: still not past the margin */
	for (; t < 400; t++) {
		gauge(&f, 0, "proc_cpu_percent", SEC(t), 96);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	assert_int_equal(log.n, 1);
	gauge(&f, 0, "proc_cpu_percent", SEC(t), 95);
	eval(&f, r, 0, "w0", SEC(t), &log);
	assert_int_equal(log.n, 2);
	e = &log.v[1];
	assert_int_equal(e->what, RULE_CLEARED);
	assert_int_equal(e->since_ms, SEC(0));
	assert_true(e->value == 95);
	assert_string_equal(e->text, "CPU 95% back below 95%; fired 6m40s "
	    "ago");
	/* and it can fire again */
	gauge(&f, 0, "proc_cpu_percent", SEC(t + 1), 100.5);
	eval(&f, r, 0, "w0", SEC(t + 1), &log);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.v[2].what, RULE_FIRING);
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

static void
test_hover_clear_after(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	const struct ev *e;
	int t, t0;

	/* for = 10s, so clear_after = 10s as well */
	load_ok("[rule busy]\nmetric = proc_cpu_percent\nabove = 100\n"
	    "for = 10s\n", &cfg);
	assert_int_equal(cfg.rules[0].clear_after_ms, 10000);
	r = rules_new(&cfg);
	fx_init(&f);
	for (t = 0; t <= 10; t++) {
		gauge(&f, 0, "proc_cpu_percent", SEC(t), 101);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	assert_int_equal(count(&log, RULE_FIRING), 1);
	assert_int_equal(first(&log, RULE_FIRING)->at_ms, SEC(10));
	/* ends on hover[6] = 100.8, above again */
	for (; t < 199; t++) {
		gauge(&f, 0, "proc_cpu_percent", SEC(t),
		    hover[t % ARRAY_LEN(hover)]);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	assert_int_equal(log.n, 2);	/* pending, firing; no flap */
	/* 97: back below 100 but not past 95; clears after 10 s of it */
	t0 = t;
	for (; t < t0 + 10; t++) {
		gauge(&f, 0, "proc_cpu_percent", SEC(t), 97);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	assert_int_equal(count(&log, RULE_CLEARED), 0);	/* 9 s so far */
	gauge(&f, 0, "proc_cpu_percent", SEC(t), 97);
	eval(&f, r, 0, "w0", SEC(t), &log);
	e = first(&log, RULE_CLEARED);
	assert_non_null(e);
	assert_int_equal(e->at_ms, SEC(t0 + 10));
	assert_int_equal(e->since_ms, SEC(10));
	assert_string_equal(e->text, "CPU 97%, not above 100% for 10s; fired "
	    "3m19s ago");
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

static void
test_margin_absolute_and_clear_after(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	int t;

	load_ok("[rule q]\nmetric = vllm:num_requests_waiting\nabove = 10\n"
	    "margin = 2\nclear_after = 1m\n"
	    "[rule rss]\nmetric = proc_rss_bytes\nabove = 6G\n"
	    "margin = 512M\nfor = 30s\n"
	    "[rule zero]\nmetric = errors_per_second\nabove = 0\n", &cfg);
	assert_true(cfg.rules[0].margin == 2);
	assert_int_equal(cfg.rules[0].margin_percent, 0);
	assert_int_equal(cfg.rules[0].clear_after_ms, 60000);
	assert_true(cfg.rules[1].margin == 536870912.0);
	assert_int_equal(cfg.rules[1].clear_after_ms, 30000);
	r = rules_new(&cfg);
	fx_init(&f);
	put(&f, 0, "vllm:num_requests_waiting", "{model=\"m\"}",
	    SERIES_GAUGE, SEC(0), 11);
	gauge(&f, 0, "errors_per_second", SEC(0), 0.2);
	eval(&f, r, 0, "w0", SEC(0), &log);
	assert_int_equal(count(&log, RULE_FIRING), 2);
	/* 8.5 is not past 10 - 2 = 8; 30 s of it does not clear (1m) */
	for (t = 1; t <= 30; t++) {
		put(&f, 0, "vllm:num_requests_waiting", "{model=\"m\"}",
		    SERIES_GAUGE, SEC(t), 8.5);
		gauge(&f, 0, "errors_per_second", SEC(t), 0);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	/* above = 0 with a 5% margin: 0 clears it */
	assert_int_equal(count(&log, RULE_CLEARED), 1);
	assert_string_equal(first(&log, RULE_CLEARED)->rule, "zero");
	assert_string_equal(first(&log, RULE_CLEARED)->text, "error rate "
	    "0/s back below 0/s; fired 1s ago");
	put(&f, 0, "vllm:num_requests_waiting", "{model=\"m\"}",
	    SERIES_GAUGE, SEC(31), 8);
	eval(&f, r, 0, "w0", SEC(31), &log);
	assert_int_equal(count(&log, RULE_CLEARED), 2);
	assert_string_equal(log.v[log.n - 1].text, "vllm:num_requests_waiting "
	    "8 back below 8; fired 31s ago");
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

/* ------------------------------------------------------------------ */
/* rate() and quantile() */

static void
test_rate_with_reset(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	struct rule_status st;
	double v;
	int t;

	load_ok("[rule errs]\nmetric = rate(requests_total{status=\"error\"})\n"
	    "above = 1\n"
	    "[rule all]\nmetric = rate(requests_total)\nabove = 1000\n", &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	for (t = 0; t <= 40; t++) {
		/* 2 errors a second; the worker restarts at t = 21 and
		 * its counter starts again from 1 */
		v = t <= 20 ? 2.0 * t : 1 + 2.0 * (t - 21);
		put(&f, 0, "requests_total", "{status=\"error\"}",
		    SERIES_COUNTER, SEC(t), v);
		put(&f, 0, "requests_total", "{status=\"ok\"}",
		    SERIES_COUNTER, SEC(t), 100.0 * t);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	/* window [10 s, 40 s]: 10 x 2 before the reset, 1 at it (the new
	 * value counts), 19 x 2 after: 59 over 30 s */
	assert_true(status_of(r, "w0", "errs", &st));
	assert_true(st.firing);
	assert_true(fabs(st.value - 59.0 / 30.0) < 1e-12);
	assert_int_equal(count(&log, RULE_FIRING), 1);
	assert_string_equal(first(&log, RULE_FIRING)->rule, "errs");
	/* the reset never looks like a drop: no clear */
	assert_int_equal(count(&log, RULE_CLEARED), 0);
	/* unselected, 100/s + errors: under 1000 */
	assert_false(status_of(r, "w0", "all", &st));
	fx_free(&f);
	rules_free(r);

	/* the sum over label sets, read back through a firing rule */
	config_free(&cfg);
	load_ok("[rule all]\nmetric = rate(requests_total)\nabove = 100\n",
	    &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	memset(&log, 0, sizeof log);
	for (t = 0; t <= 40; t++) {
		v = t <= 20 ? 2.0 * t : 1 + 2.0 * (t - 21);
		put(&f, 0, "requests_total", "{status=\"error\"}",
		    SERIES_COUNTER, SEC(t), v);
		put(&f, 0, "requests_total", "{status=\"ok\"}",
		    SERIES_COUNTER, SEC(t), 100.0 * t);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	assert_true(status_of(r, "w0", "all", &st));
	assert_true(fabs(st.value - (100 + 59.0 / 30.0)) < 1e-9);
	assert_string_equal(first(&log, RULE_FIRING)->text,
	    "rate(requests_total) 102/s above 100/s");
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

static void
test_quantile_histogram(void **state)
{
	static const char *const le[] = { "0.1", "0.5", "1", "+Inf" };
	/* increases over the window per label set; cumulative */
	static const double inc_a[] = { 30, 50, 60, 60 };
	static const double inc_b[] = { 20, 30, 35, 40 };
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	struct rule_status st;
	char labels[64];
	size_t i;

	load_ok("[rule p90]\n"
	    "metric = quantile(0.9, request_latency_seconds)\nabove = 0.8\n"
	    "[rule p90a]\n"
	    "metric = quantile(0.9, request_latency_seconds{method=\"a\"})\n"
	    "above = 0.8\n"
	    "[rule p99rpc]\nmetric = quantile(0.99, rpc_seconds)\n"
	    "above = 2\n", &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	for (i = 0; i < ARRAY_LEN(le); i++) {
		/* an old count before the window, then two points in it */
		snprintf(labels, sizeof labels, "{method=\"a\",le=\"%s\"}",
		    le[i]);
		put(&f, 0, "request_latency_seconds_bucket", labels,
		    SERIES_COUNTER, SEC(0), 1000 + 7 * (double)i);
		put(&f, 0, "request_latency_seconds_bucket", labels,
		    SERIES_COUNTER, SEC(40), 2000 + 7 * (double)i);
		put(&f, 0, "request_latency_seconds_bucket", labels,
		    SERIES_COUNTER, SEC(70), 2000 + 7 * (double)i + inc_a[i]);
		snprintf(labels, sizeof labels, "{method=\"b\",le=\"%s\"}",
		    le[i]);
		put(&f, 0, "request_latency_seconds_bucket", labels,
		    SERIES_COUNTER, SEC(40), 10 * (double)i);
		put(&f, 0, "request_latency_seconds_bucket", labels,
		    SERIES_COUNTER, SEC(70), 10 * (double)i + inc_b[i]);
	}
	put(&f, 0, "rpc_seconds", "{quantile=\"0.5\"}", SERIES_GAUGE, SEC(70),
	    0.3);
	put(&f, 0, "rpc_seconds", "{quantile=\"0.99\"}", SERIES_GAUGE, SEC(70),
	    2.5);
	eval(&f, r, 0, "w0", SEC(70), &log);
	/* sum by le: 50, 80, 95, 100.  Rank 0.9 x 100 = 90 falls in
	 * (0.5, 1] holding 80..95: 0.5 + 0.5 x (90 - 80) / 15 */
	assert_true(status_of(r, "w0", "p90", &st));
	assert_true(fabs(st.value - (0.5 + 0.5 * 10.0 / 15.0)) < 1e-12);
	/* method a alone: 30, 50, 60, 60; rank 54 in (0.5, 1] 50..60 */
	assert_false(status_of(r, "w0", "p90a", &st));
	assert_true(status_of(r, "w0", "p99rpc", &st));
	assert_true(st.value == 2.5);
	assert_int_equal(count(&log, RULE_FIRING), 2);
	assert_string_equal(log.v[0].text,
	    "quantile(0.9, request_latency_seconds) 0.833s above 0.8s");
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);

	/* method a checked through a lower threshold: 0.5 + 0.5 x 4/10 */
	load_ok("[rule p90a]\n"
	    "metric = quantile(0.9, request_latency_seconds_bucket"
	    "{method=\"a\"})\nabove = 0.6\n", &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	memset(&log, 0, sizeof log);
	for (i = 0; i < ARRAY_LEN(le); i++) {
		snprintf(labels, sizeof labels, "{method=\"a\",le=\"%s\"}",
		    le[i]);
		put(&f, 0, "request_latency_seconds_bucket", labels,
		    SERIES_COUNTER, SEC(40), 0);
		put(&f, 0, "request_latency_seconds_bucket", labels,
		    SERIES_COUNTER, SEC(70), inc_a[i]);
	}
	eval(&f, r, 0, "w0", SEC(70), &log);
	assert_true(status_of(r, "w0", "p90a", &st));
	assert_true(fabs(st.value - 0.7) < 1e-12);
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

/* ------------------------------------------------------------------ */
/* Selectors and scope */

static void
test_label_selector(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	struct rule_status st;

	load_ok("[rule a]\nmetric = queue_depth{model=\"a\"}\nabove = 10\n"
	    "[rule any]\nmetric = queue_depth\nabove = 10\n"
	    "[rule quoted]\nmetric = queue_depth{model=\"x\\\"y\", "
	    "pool = \"p\",}\nabove = 10\n"
	    "[rule nolabel]\nmetric = queue_depth{pool=\"\"}\nabove = 10\n",
	    &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	put(&f, 0, "queue_depth", "{model=\"a\"}", SERIES_GAUGE, SEC(0), 5);
	put(&f, 0, "queue_depth", "{model=\"b\"}", SERIES_GAUGE, SEC(0), 50);
	put(&f, 0, "queue_depth", "{model=\"x\\\"y\",pool=\"p\"}",
	    SERIES_GAUGE, SEC(0), 20);
	put(&f, 0, "queue_depth", "{model=\"x\\\"y\",pool=\"q\"}",
	    SERIES_GAUGE, SEC(0), 99);
	eval(&f, r, 0, "w0", SEC(0), &log);
	assert_false(status_of(r, "w0", "a", &st));
	assert_true(status_of(r, "w0", "any", &st));
	assert_true(st.value == 99);		/* the maximum */
	assert_true(status_of(r, "w0", "quoted", &st));
	assert_true(st.value == 20);		/* pool="q" is left out */
	assert_true(status_of(r, "w0", "nolabel", &st));
	assert_true(st.value == 50);		/* only a and b lack pool */
	assert_int_equal(count(&log, RULE_FIRING), 3);
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

static void
test_workers_pattern(void **state)
{
	static const char *const names[] = { "llm-0", "embed", "triton",
	    "triton/4242" };
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	uint32_t w;

	load_ok("[worker llm-0]\npid = 1\n[worker embed]\npid = 2\n"
	    "[worker triton]\nmatch = tritonserver\n"
	    "[rule big]\nmetric = proc_rss_bytes\nabove = 1G\n"
	    "workers = llm-*, triton\n", &cfg);
	assert_int_equal(cfg.rules[0].nworkers, 2);
	assert_string_equal(cfg.rules[0].workers[0], "llm-*");
	assert_string_equal(cfg.rules[0].workers[1], "triton");
	r = rules_new(&cfg);
	fx_init(&f);
	for (w = 0; w < 4; w++) {
		gauge(&f, w, "proc_rss_bytes", SEC(0), 2.0 * (1 << 30));
		eval(&f, r, w, names[w], SEC(0), &log);
	}
	assert_int_equal(log.n, 3);
	assert_string_equal(log.v[0].worker, "llm-0");
	assert_string_equal(log.v[1].worker, "triton");
	assert_string_equal(log.v[2].worker, "triton/4242");
	assert_string_equal(log.v[0].text, "RSS 2.0G above 1.0G");
	assert_true(rules_applies(&cfg.rules[0], "llm-12"));
	assert_false(rules_applies(&cfg.rules[0], "embed"));
	assert_false(rules_applies(&cfg.rules[0], "tritonx"));
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

/* ------------------------------------------------------------------ */
/* NaN, missing, gone, not exposed */

static void
test_nan_and_missing_hold(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	struct rule_status st[4];
	int t;

	load_ok("[rule slow]\nmetric = latency_p99_seconds\nabove = 1\n"
	    "for = 5s\n"
	    "[rule q]\nmetric = waiting\nabove = 10\nfor = 5s\n", &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	for (t = 0; t <= 5; t++) {
		gauge(&f, 0, "latency_p99_seconds", SEC(t), 2);
		gauge(&f, 0, "waiting", SEC(t), t < 3 ? 1 : 20);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	assert_int_equal(count(&log, RULE_FIRING), 1);
	assert_int_equal(count(&log, RULE_PENDING), 2);
	/* NaN for a minute: the firing one does not clear, the pending
	 * one neither fires nor drops */
	for (; t <= 65; t++) {
		gauge(&f, 0, "latency_p99_seconds", SEC(t), NAN);
		gauge(&f, 0, "waiting", SEC(t), NAN);
		eval(&f, r, 0, "w0", SEC(t), &log);
	}
	assert_int_equal(log.n, 3);
	assert_int_equal(rules_status(r, "w0", st, 4), 2);
	assert_true(st[0].firing && st[0].value == 2);
	assert_true(st[1].pending && st[1].since_ms == SEC(3));
	/* missing: no new points for 10 min (stale) */
	for (; t <= 665; t += 5)
		eval(&f, r, 0, "w0", SEC(t), &log);
	assert_int_equal(log.n, 3);
	assert_int_equal(rules_status(r, NULL, st, 4), 2);
	/* a value again: the pending one has held long enough */
	gauge(&f, 0, "waiting", SEC(t), 30);
	eval(&f, r, 0, "w0", SEC(t), &log);
	assert_int_equal(count(&log, RULE_FIRING), 2);
	assert_int_equal(log.v[3].since_ms, SEC(3));
	/* the worker is gone: its state goes, silently */
	rules_forget_worker(r, "w0");
	rules_forget_worker(r, "never-seen");
	assert_int_equal(rules_status(r, NULL, st, 4), 0);
	assert_int_equal(count(&log, RULE_CLEARED), 0);
	/* and a new w0 starts from scratch */
	gauge(&f, 0, "latency_p99_seconds", SEC(t + 1), 2);
	eval(&f, r, 0, "w0", SEC(t + 1), &log);
	assert_int_equal(log.v[log.n - 1].what, RULE_PENDING);
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

static void
test_not_exposed(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	int t;

	load_ok("[rule waiting]\nmetric = vllm:num_requests_waiting\n"
	    "above = 10\n"
	    "[rule gpu]\nmetric = gpu_memory_bytes\nabove = 1G\n", &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	/* w0 is scraped (it has http_requests_total); w1 is not */
	for (t = 0; t <= 120; t++) {
		gauge(&f, 0, "proc_rss_bytes", SEC(t), 1e6);
		put(&f, 0, "http_requests_total", "", SERIES_COUNTER, SEC(t),
		    t);
		gauge(&f, 1, "proc_rss_bytes", SEC(t), 1e6);
		eval(&f, r, 0, "w0", SEC(t), &log);
		eval(&f, r, 1, "w1", SEC(t), &log);
		if (t < 60)
			assert_int_equal(log.n, 0);	/* grace */
	}
	assert_int_equal(log.n, 3);
	assert_int_equal(count(&log, RULE_NOT_EXPOSED), 3);
	assert_int_equal(log.v[0].at_ms, SEC(60));
	assert_string_equal(log.v[0].rule, "waiting");
	assert_string_equal(log.v[0].worker, "w0");
	assert_true(isnan(log.v[0].value));
	assert_string_equal(log.v[0].text, "vllm:num_requests_waiting is not "
	    "exposed by worker w0");
	assert_string_equal(log.v[1].rule, "gpu");
	assert_string_equal(log.v[2].rule, "gpu");
	assert_string_equal(log.v[2].worker, "w1");
	/* once it appears, the rule works */
	put(&f, 0, "vllm:num_requests_waiting", "", SERIES_GAUGE, SEC(t), 50);
	eval(&f, r, 0, "w0", SEC(t), &log);
	assert_int_equal(log.v[log.n - 1].what, RULE_FIRING);
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

static void
test_status(void **state)
{
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};
	struct rule_status st[2];
	uint32_t w;
	char name[8];

	load_ok("[rule a]\nmetric = up\nbelow = 1\n"
	    "[rule b]\nmetric = proc_threads\nabove = 100\nfor = 1m\n", &cfg);
	r = rules_new(&cfg);
	fx_init(&f);
	for (w = 0; w < 3; w++) {
		snprintf(name, sizeof name, "w%u", w);
		gauge(&f, w, "up", SEC(0), 0);
		gauge(&f, w, "proc_threads", SEC(0), 500);
		eval(&f, r, w, name, SEC(0), &log);
	}
	assert_int_equal(rules_status(r, NULL, NULL, 0), 6);
	assert_int_equal(rules_status(r, NULL, st, 2), 6);
	assert_string_equal(st[0].worker, "w0");
	assert_string_equal(st[0].rule->name, "a");
	assert_true(st[0].firing && !st[0].pending);
	assert_string_equal(st[1].rule->name, "b");
	assert_true(st[1].pending && !st[1].firing);
	assert_int_equal(rules_status(r, "w2", st, 2), 2);
	assert_string_equal(st[0].worker, "w2");
	assert_int_equal(rules_status(r, "w9", st, 2), 0);
	fx_free(&f);
	rules_free(r);
	config_free(&cfg);
}

/* ------------------------------------------------------------------ */
/* Expressions and config errors */

static void
test_expr_check(void **state)
{
	static const struct {
		const char *expr;
		int rc;
		const char *msg;
	} cases[] = {
		{ "proc_rss_bytes", 0, "" },
		{ "vllm:num_requests_waiting", 0, "" },
		{ " rate( requests_total { status = \"error\" , } ) ", 0, "" },
		{ "quantile(0.99, request_latency_seconds{route=\"/v1\"})", 0,
		    "" },
		{ "anomaly_score{figure=\"latency_p99_seconds\"}", 0, "" },
		{ "rate(proc_restarts)", 0, "" },
		{ "rate", 0, "" },	/* a metric named rate */
		{ "", RULES_EXPR_SYNTAX, "empty" },
		{ "a-b", RULES_EXPR_SYNTAX, "unexpected '-' at column 2: "
		    "expected a metric name, NAME{label=\"value\"}, rate(NAME) "
		    "or quantile(Q, NAME)" },
		{ "rate(foo", RULES_EXPR_SYNTAX, "expected ')' at the end" },
		{ "avg(foo)", RULES_EXPR_SYNTAX, "unknown function avg() at "
		    "column 1: expected rate() or quantile()" },
		{ "foo{a=\"1\"", RULES_EXPR_SYNTAX, "expected ',' or '}' at "
		    "the end" },
		{ "foo{a=1}", RULES_EXPR_SYNTAX, "unexpected '1' at column 7: "
		    "expected a quoted label value" },
		{ "foo{a=\"1}", RULES_EXPR_SYNTAX, "unterminated label value "
		    "starting at column 7" },
		{ "foo{a!=\"1\"}", RULES_EXPR_SYNTAX, "only exact label matches "
		    "(k=\"v\") are supported, at column 6" },
		{ "foo{a=\"1\",a=\"2\"}", RULES_EXPR_SYNTAX, "label a repeated "
		    "at column 11" },
		{ "foo{a=\"\\t\"}", RULES_EXPR_SYNTAX, "bad escape at column 8: "
		    "only \\\\, \\\" and \\n" },
		{ "quantile(high, x)", RULES_EXPR_SYNTAX, "expected a quantile "
		    "like 0.99 at column 10 (got \"high\")" },
		{ "foo bar", RULES_EXPR_SYNTAX, "unexpected 'b' at column 5: "
		    "expected a metric name, NAME{label=\"value\"}, rate(NAME) "
		    "or quantile(Q, NAME)" },
		{ "proc_rss", RULES_EXPR_MEANING, "unknown metric proc_rss (did "
		    "you mean proc_rss_bytes?)" },
		{ "latency_p95_seconds", RULES_EXPR_MEANING, "unknown metric "
		    "latency_p95_seconds (did you mean latency_p99_seconds?)" },
		{ "memory_zzzzzzzzzzzzzzzzzzzz", RULES_EXPR_MEANING, "unknown "
		    "metric memory_zzzzzzzzzzzzzzzzzzzz: names starting like "
		    "this are modeltop's own figures (see docs/rules.md)" },
		{ "rate(proc_rss_bytes)", RULES_EXPR_MEANING, "rate("
		    "proc_rss_bytes): proc_rss_bytes is a gauge, not a "
		    "counter; compare its value directly" },
		{ "quantile(0.5, latency_p99_seconds)", RULES_EXPR_MEANING,
		    "quantile() needs a histogram or a summary, and "
		    "latency_p99_seconds is a single figure" },
		{ "quantile(1.5, x)", RULES_EXPR_MEANING, "quantile 1.5 is not "
		    "between 0 and 1" },
		{ "quantile(0.5, x{le=\"1\"})", RULES_EXPR_MEANING, "quantile(): "
		    "the le label is chosen by the quantile, not by the "
		    "selector" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		int rc = rules_expr_check(cases[i].expr, err, sizeof err);

		if (rc != cases[i].rc || strcmp(err, cases[i].msg) != 0)
			fprintf(stderr, "%s: got %d \"%s\"\n", cases[i].expr,
			    rc, err);
		assert_int_equal(rc, cases[i].rc);
		assert_string_equal(err, cases[i].msg);
	}
	assert_int_equal(rules_expr_check("x{", NULL, 0), RULES_EXPR_SYNTAX);
	assert_true(rules_builtin("memory_risk_level"));
	assert_false(rules_builtin("proc_rss"));
}

static void
test_config_errors(void **state)
{
	struct cfg_errors errs = {0};
	struct config cfg;
	char buf[512];
	FILE *fp;

	load_error("[rule rss-high]\nmetric = proc_rss\nabove = 6G\n", 2,
	    "rule rss-high: unknown metric proc_rss (did you mean "
	    "proc_rss_bytes?)");
	load_error("[rule r]\nabove = 1\nmetric = rate(requests_total\n", 3,
	    "metric: expected a metric name, rate(NAME) or quantile(Q, "
	    "NAME): expected ')' at the end (got \"rate(requests_total\")");
	load_error("[rule r]\nmetric = rate(up)\nbelow = 1\n", 2,
	    "rule r: rate(up): up is a gauge, not a counter; compare its "
	    "value directly");
	load_error("[rule r]\nmetric = up\nbelow = 1s\n", 3,
	    "below: expected a number like 0.95 or a size like 6G, not a "
	    "duration: a time figure is a plain number of seconds (1) "
	    "(got \"1s\")");
	load_error("[rule r]\nmetric = up\nabove = 10m\n", 3,
	    "above: expected a number like 0.95 or a size like 6G: \"m\" is "
	    "ambiguous here (write M for mebibytes; a time figure is a plain "
	    "number of seconds) (got \"10m\")");
	load_error("[rule r]\nmetric = up\nbelow = 1\nmargin = 150%\n", 4,
	    "margin: expected a percent from 0% to 100%, like 5% "
	    "(got \"150%\")");
	load_error("[rule r]\nmetric = up\nbelow = 1\nmargin = lots\n", 4,
	    "margin: expected a percent of the threshold like 5%, or an "
	    "amount like 0.1 or 512M (got \"lots\")");
	load_error("[rule r]\nmetric = up\nbelow = 1\nmargin = -1\n", 4,
	    "margin: expected a margin of at least 0 (got \"-1\")");
	load_error("[rule r]\nmetric = up\nbelow = 1\nclear_after = soon\n", 4,
	    "clear_after: expected a duration like 500ms, 1s, 2m "
	    "(got \"soon\")");
	load_error("[rule r]\nmetric = up\nbelow = 1\nworkers = a,,b\n", 4,
	    "workers: expected a comma-separated list of worker names or "
	    "patterns like llm-0, embed-* (got \"a,,b\")");
	load_error("[worker llm-0]\npid = 1\n"
	    "[rule r]\nmetric = up\nbelow = 1\nworkers = llm-0, lm-1, x*\n", 6,
	    "workers: no [worker lm-1] is defined (patterns like lm-1* match "
	    "running workers)");
	load_error("[rule r]\nmetric = up\nbelow = 1\nwhen = 1\n", 4,
	    "unknown key \"when\" in [rule]: expected metric, above, below, "
	    "for, severity, action, auto or max_per_hour; hysteresis and "
	    "scope: margin, clear_after or workers");

	/* FILE:LINE as printed */
	assert_int_equal(load_text("[rule a]\nmetric = up\nbelow = 1\n"
	    "[rule rss-high]\n\nmetric = proc_rss\nabove = 6G\n", &cfg,
	    &errs), -1);
	fp = fmemopen(buf, sizeof buf, "w");
	assert_non_null(fp);
	cfg_errors_print(&errs, fp);
	fclose(fp);
	snprintf(buf + 256, 256, "%s/rules.ini:6: rule rss-high: unknown "
	    "metric proc_rss (did you mean proc_rss_bytes?)\n", tmpdir);
	assert_string_equal(buf, buf + 256);
	config_free(&cfg);
	cfg_errors_free(&errs);
}

/* A rule set built on a config that config_load refused still works:
 * the bad rule is skipped, never crashes. */
static void
test_bad_rule_skipped(void **state)
{
	struct cfg_errors errs = {0};
	struct config cfg;
	struct rules *r;
	struct fx f;
	struct evlog log = {0};

	assert_int_equal(load_text("[rule bad]\nmetric = proc_rss\n"
	    "above = 1\n[rule nobound]\nmetric = up\n"
	    "[rule ok]\nmetric = up\nbelow = 1\n", &cfg, &errs), -1);
	r = rules_new(&cfg);
	fx_init(&f);
	gauge(&f, 0, "up", SEC(0), 0);
	gauge(&f, 0, "proc_rss_bytes", SEC(0), 5);
	eval(&f, r, 0, "w0", SEC(0), &log);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.v[0].rule, "ok");
	fx_free(&f);
	rules_free(r);
	rules_free(NULL);
	config_free(&cfg);
	cfg_errors_free(&errs);
}

/* Many workers and series: the cached resolution keeps a tick cheap. */
static void
test_many_workers(void **state)
{
	struct config cfg;
	struct rules *r;
	struct series_reg *reg;
	static uint32_t idx[64][40];
	struct evlog log = {0};
	struct series *s;
	char name[32], metric[32];
	int64_t t0, ns;
	uint32_t w;
	int i, t;

	load_ok("[rule a]\nmetric = proc_rss_bytes\nabove = 1G\n"
	    "[rule b]\nmetric = rate(requests_total{status=\"error\"})\n"
	    "above = 1\n"
	    "[rule c]\nmetric = quantile(0.99, lat_seconds)\nabove = 1\n"
	    "[rule d]\nmetric = m_17\nabove = 100\nfor = 10s\n", &cfg);
	r = rules_new(&cfg);
	reg = series_reg_new(INT64_C(600000));
	t0 = util_mono_ns();
	for (t = 0; t < 70; t++) {
		for (w = 0; w < 64; w++) {
			snprintf(name, sizeof name, "w%u", w);
			for (i = 0; i < 40; i++) {
				snprintf(metric, sizeof metric, "m_%d", i);
				s = series_get(reg, w, name, metric, "", 0,
				    SERIES_GAUGE);
				idx[w][i] = s->idx;
				series_append(reg, s, SEC(t), t > 30 ? 200 : i);
			}
			log.now = SEC(t);
			rules_eval(r, reg, w, name, idx[w], 40, SEC(t),
			    on_event, &log);
		}
	}
	ns = util_mono_ns() - t0;
	fprintf(stderr, "# 64 workers x 40 series x 4 rules x 70 ticks: "
	    "%.1f us per worker tick (with appends)\n",
	    (double)ns / 1e3 / (64 * 70));
	/* d fires on every worker at t = 41; a, b and c find nothing and
	 * say so once per worker */
	assert_int_equal(count(&log, RULE_FIRING), 64);
	assert_int_equal(count(&log, RULE_PENDING), 64);
	assert_int_equal(count(&log, RULE_NOT_EXPOSED), 3 * 64);
	series_reg_free(reg);
	rules_free(r);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_above_for),
		cmocka_unit_test(test_below_for_and_cancel),
		cmocka_unit_test(test_hover_margin_only),
		cmocka_unit_test(test_hover_clear_after),
		cmocka_unit_test(test_margin_absolute_and_clear_after),
		cmocka_unit_test(test_rate_with_reset),
		cmocka_unit_test(test_quantile_histogram),
		cmocka_unit_test(test_label_selector),
		cmocka_unit_test(test_workers_pattern),
		cmocka_unit_test(test_nan_and_missing_hold),
		cmocka_unit_test(test_not_exposed),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_expr_check),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_bad_rule_skipped),
		cmocka_unit_test(test_many_workers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

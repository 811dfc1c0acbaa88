/*
 * test_analysis.c -- the engine's analysis of a worker's figures, fed
 * tick by tick with chosen values on a real engine (one worker, a child
 * process): forecasts of figures that cannot be negative stop at 0, and
 * a gap in the tick times (the wall clock stepped forward) does not feed
 * the anomaly detector a rate computed across it.  The detector itself
 * (src/anomaly.c) is tested in test_stats.c; its handling of a gap in the
 * spacing of its values is tested here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis.h"
#include "anomaly.h"
#include "config.h"
#include "console.h"
#include "engine.h"
#include "series.h"
#include "util.h"

static char tmpdir[] = "/tmp/test_analysis.XXXXXX";

/* The command table names the console's replay: this brings the
 * console's code in while the UI library is searched (as test_actions). */
void *const test_analysis_links_console = (void *)console_run;

static int
setup(void **state)
{
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

struct fixture {
	struct config	 cfg;
	struct engine	*eng;
	struct worker	*w;
	pid_t		 child;
	char		*cfgpath;
	int64_t		 t0;
};

/* An engine over one worker (a paused child), ticked once so the worker
 * is alive; the test then calls analysis_worker() itself with chosen
 * figures and times after that tick. */
static void
fixture_open(struct fixture *fx)
{
	struct cfg_errors errs = {0};
	struct engine_opts eo;
	char *text, err[256];
	FILE *f;

	memset(fx, 0, sizeof *fx);
	fx->child = fork();
	assert_true(fx->child >= 0);
	if (fx->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	fx->cfgpath = xasprintf("%s/fleet.ini", tmpdir);
	text = xasprintf("[modeltop]\ninterval = 1s\n[worker w]\npid = %d\n",
	    (int)fx->child);
	f = fopen(fx->cfgpath, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
	if (config_load(fx->cfgpath, &fx->cfg, &errs) != 0)
		cfg_errors_print(&errs, stderr);
	assert_int_equal(errs.n, 0);
	cfg_errors_free(&errs);
	memset(&eo, 0, sizeof eo);
	eo.only_uid = (uid_t)-1;
	fx->eng = engine_new(&fx->cfg, &eo, err, sizeof err);
	assert_non_null(fx->eng);
	engine_tick(fx->eng);
	fx->w = engine_worker_by_name(fx->eng, "w");
	assert_non_null(fx->w);
	assert_true(fx->w->alive);
	/* the analysis starts afresh: that tick fed it the child's own
	 * figures (an RSS of a megabyte or two) */
	analysis_worker_free(fx->w);
	fx->t0 = engine_last_tick_ms(fx->eng) + 1000;
}

static void
fixture_close(struct fixture *fx)
{
	engine_free(fx->eng, NULL, 0);
	config_free(&fx->cfg);
	kill(fx->child, SIGKILL);
	waitpid(fx->child, NULL, 0);
	free(fx->cfgpath);
}

/* One tick of the worker at ts: RSS rss (bytes, NAN: none), the request
 * counter at count (NAN: not scraped), then the analysis. */
static void
feed(struct fixture *fx, int64_t ts, double rss, double count)
{
	struct worker *w = fx->w;

	w->has_cur = !isnan(rss);
	w->cur.rss_bytes = isnan(rss) ? 0 : (uint64_t)rss;
	if (!isnan(count))
		engine_put(fx->eng, w, "requests_total", ts, count);
	analysis_worker(engine_analysis(fx->eng), w, ts);
}

/* The last point of w's metric{figure="figure"}: its value, and its time
 * in *ts (NAN and 0 when there is none). */
static double
figure_last(struct fixture *fx, const char *metric, const char *figure,
    int64_t *ts)
{
	char labels[64];
	int n = snprintf(labels, sizeof labels, "{figure=\"%s\"}", figure);
	struct series *s = series_find(engine_series(fx->eng), fx->w->idx,
	    metric, labels, (size_t)n);

	*ts = s != NULL && s->npoints > 0 ? s->last_ms : 0;
	return s != NULL && s->npoints > 0 ? s->last : NAN;
}

static int
anomaly_events(struct fixture *fx, const char *figure)
{
	size_t i;
	int n = 0;

	for (i = 0; i < engine_event_count(fx->eng); i++) {
		const struct engine_event *ev = engine_event_at(fx->eng, i);

		n += strcmp(ev->kind, EV_ANOMALY) == 0 &&
		    strncmp(ev->text, figure, strlen(figure)) == 0;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* forecasts of non-negative figures */

static void
test_forecast_not_below_zero(void **state)
{
	struct fixture fx;
	double fc, lo, hi;
	int64_t ts = 0, t1, t2, t3;
	int k;

	fixture_open(&fx);
	/* 400 MB, a little noise, then the memory is gone: RSS 0 */
	for (k = 0; k < 60; k++) {
		ts = fx.t0 + k * 1000;
		feed(&fx, ts, 400e6 + (k % 5) * 1e6, NAN);
	}
	fc = figure_last(&fx, "forecast_60s", "proc_rss_bytes", &t1);
	assert_int_equal(t1, ts);
	assert_true(fc > 395e6 && fc < 410e6);
	for (k = 60; k < 70; k++) {
		ts = fx.t0 + k * 1000;
		feed(&fx, ts, 0, NAN);
	}
	fc = figure_last(&fx, "forecast_60s", "proc_rss_bytes", &t1);
	lo = figure_last(&fx, "forecast_60s_lo", "proc_rss_bytes", &t2);
	hi = figure_last(&fx, "forecast_60s_hi", "proc_rss_bytes", &t3);
	/* written this tick, and Holt's line a minute ahead is far below 0
	 * (about -25 MB before the clamp): the figures stop at 0 */
	assert_int_equal(t1, ts);
	assert_int_equal(t2, ts);
	assert_int_equal(t3, ts);
	assert_true(fc == 0);
	assert_true(lo == 0);
	assert_true(hi >= 0);
	fixture_close(&fx);
}

/* ------------------------------------------------------------------ */
/* a forward step of the wall clock */

static void
test_rate_across_gap_not_fed(void **state)
{
	struct fixture fx;
	double count = 0, score, fc;
	int64_t ts = 0, gap_ts, t;
	int k;

	fixture_open(&fx);
	/* 100 requests a second, with a little noise */
	for (k = 0; k < 60; k++) {
		ts = fx.t0 + k * 1000;
		count += 98 + (k % 5);
		feed(&fx, ts, 400e6, count);
	}
	score = figure_last(&fx, "anomaly_score", "requests_per_second", &t);
	assert_int_equal(t, ts);
	assert_true(fabs(score) < 3);

	/* the wall clock steps 20 s forward: one real second passed, the
	 * tick times jump by 21 s; a rate across it would be 100/21 */
	gap_ts = ts + 21000;
	count += 100;
	feed(&fx, gap_ts, 400e6, count);
	/* not scored, not flagged, no event */
	figure_last(&fx, "anomaly_score", "requests_per_second", &t);
	assert_int_equal(t, ts);
	assert_int_equal(analysis_health(fx.w)->anomalies &
	    (1u << AF_REQUESTS), 0);
	assert_int_equal(anomaly_events(&fx, "requests_per_second"), 0);
	/* the other figures go on across the gap */
	figure_last(&fx, "anomaly_score", "proc_rss_bytes", &t);
	assert_int_equal(t, gap_ts);

	/* the next ticks are one second apart again: scored, unflagged, and
	 * the forecast still about 100/s */
	for (k = 1; k <= 10; k++) {
		ts = gap_ts + k * 1000;
		count += 98 + (k % 5);
		feed(&fx, ts, 400e6, count);
		score = figure_last(&fx, "anomaly_score",
		    "requests_per_second", &t);
		assert_int_equal(t, ts);
		assert_true(fabs(score) < 3);
		assert_int_equal(analysis_health(fx.w)->anomalies &
		    (1u << AF_REQUESTS), 0);
	}
	fc = figure_last(&fx, "forecast_60s", "requests_per_second", &t);
	assert_true(fc > 90 && fc < 110);
	assert_int_equal(anomaly_events(&fx, "requests_per_second"), 0);
	fixture_close(&fx);
}

/* The same series without the gap but with a real collapse of the rate
 * is still flagged: the gap rule does not blind the detector. */
static void
test_real_dip_still_flagged(void **state)
{
	struct fixture fx;
	double count = 0;
	int64_t ts = 0;
	int k;

	fixture_open(&fx);
	for (k = 0; k < 60; k++) {
		ts = fx.t0 + k * 1000;
		count += 98 + (k % 5);
		feed(&fx, ts, 400e6, count);
	}
	ts += 1000;
	count += 5;
	feed(&fx, ts, 400e6, count);
	assert_int_not_equal(analysis_health(fx.w)->anomalies &
	    (1u << AF_REQUESTS), 0);
	assert_int_equal(anomaly_events(&fx, "requests_per_second"), 1);
	fixture_close(&fx);
}

/* A gap in the spacing of a detector's values does not throw the
 * smoothed step, which turns Holt's trend into a rate per second and
 * sets how many steps the 60 s forecast is. */
static void
test_anomaly_gap_keeps_step(void **state)
{
	struct anomaly a;
	struct anomaly_result r;
	int64_t ts = 0;
	int k;

	anomaly_init(&a, 60, 6, ANOMALY_BOTH);
	/* a line: +1 a value, a value a second */
	for (k = 0; k < 100; k++) {
		ts = (int64_t)k * 1000;
		anomaly_update(&a, ts, k, &r);
	}
	assert_true(fabs(r.rate - 1) < 0.01);
	assert_true(fabs(r.forecast - (99 + 60)) < 1);
	/* 20 s of wall clock skipped; the series goes on as before */
	ts += 21000;
	anomaly_update(&a, ts, 100, &r);
	/* step 1.1 s at most (2 steps folded in at weight 0.1), not 3 s:
	 * the rate stays above 0.9/s, the forecast within 10% */
	assert_true(r.rate > 0.9 && r.rate <= 1.0);
	assert_true(r.forecast > 100 + 54 && r.forecast < 100 + 61);
	for (k = 101; k < 140; k++) {
		ts += 1000;
		anomaly_update(&a, ts, k, &r);
	}
	assert_true(fabs(r.rate - 1) < 0.02);

	/* sampling that really slows down (1 s to 10 s) is followed */
	for (k = 140; k < 200; k++) {
		ts += 10000;
		anomaly_update(&a, ts, k, &r);
	}
	assert_true(fabs(r.rate - 0.1) < 0.005);
	anomaly_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forecast_not_below_zero),
		cmocka_unit_test(test_rate_across_gap_not_fed),
		cmocka_unit_test(test_real_dip_still_flagged),
		cmocka_unit_test(test_anomaly_gap_keeps_step),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

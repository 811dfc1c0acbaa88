/*
 * bench_frame: the console's drawing cost.  A fake view of 500 workers
 * whose figures all change every frame; the real console (panels,
 * widgets, theme) draws into a 200x50 and an 80x24 xterm-256color screen
 * on /dev/null.  Prints the median and p99 time of a full frame, and of a
 * key press (down) to the frame that shows it.
 */
#define CONSOLE_INTERNAL
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "util.h"
#include "view.h"

#define NWORKERS 500
#define FRAMES 300

struct fake {
	struct view		 v;
	struct view_worker	 w[NWORKERS];
	char			 names[NWORKERS][32];
	int64_t			 now;
	unsigned		 seed;
};

static struct fake fk;

static double
rnd(void)
{
	fk.seed = fk.seed * 1103515245u + 12345u;
	return (double)((fk.seed >> 8) & 0xffff) / 65536.0;
}

static const char *f_mode(struct view *v) { (void)v; return "live"; }
static const char *f_source(struct view *v) { (void)v; return "bench"; }
static int64_t f_time(struct view *v) { (void)v; return fk.now; }
static int64_t f_interval(struct view *v) { (void)v; return 1000; }

static size_t
f_workers(struct view *v, const struct view_worker **out)
{
	(void)v;
	*out = fk.w;
	return NWORKERS;
}

static size_t
f_series(struct view *v, const char *w, const struct view_series **out)
{
	(void)v; (void)w;
	*out = NULL;
	return 0;
}

static int
f_points(struct view *v, const char *worker, const char *metric,
    const char *labels, size_t len, int64_t from, int64_t to,
    view_point_fn fn, void *ctx)
{
	int64_t t;

	(void)v; (void)metric; (void)labels; (void)len;
	for (t = (from / 1000 + 1) * 1000; t <= to; t += 1000) {
		if (fn(ctx, t, 50 + 40 * sin((double)t / 7000.0 +
		    (double)worker[1])) != 0)
			break;
	}
	return 0;
}

static size_t
f_events(struct view *v, const char *w, size_t max,
    const struct view_event **out)
{
	(void)v; (void)w; (void)max;
	*out = NULL;
	return 0;
}

static int
f_pollfds(struct view *v, struct pollfd *fds, int max, int *timeout)
{
	(void)v; (void)fds; (void)max; (void)timeout;
	return 0;
}

static int f_dispatch(struct view *v, const struct pollfd *f, int n)
{ (void)v; (void)f; (void)n; return 0; }
static const char *f_status(struct view *v) { (void)v; return NULL; }
static void f_free(struct view *v) { (void)v; }

static const struct view_ops fake_ops = {
	.mode = f_mode, .source = f_source, .time = f_time,
	.interval = f_interval, .workers = f_workers, .series = f_series,
	.points = f_points, .events = f_events, .pollfds = f_pollfds,
	.dispatch = f_dispatch, .status = f_status, .free = f_free,
};

static void
tick(void)
{
	int i;

	fk.now += 1000;
	for (i = 0; i < NWORKERS; i++) {
		struct view_worker *w = &fk.w[i];

		w->state = i % 37 == 0 ? VIEW_DOWN : VIEW_UP;
		w->cpu_percent = 100 * rnd();
		w->rss_bytes = (200 + 800 * rnd()) * 1048576.0;
		w->req_rate = 50 * rnd();
		w->err_rate = rnd() < 0.1 ? rnd() : 0;
		w->p50_s = 0.02 + 0.02 * rnd();
		w->p99_s = 0.1 + rnd();
		w->restarts = i % 11;
		w->incidents = i % 29 == 0;
	}
}

static int
cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
measure(struct console *c, int rows, int cols, const char *label)
{
	int64_t t[FRAMES], k[FRAMES], t0;
	TermKeyKey key;
	int i;

	console_resize(c, rows, cols);
	for (i = 0; i < FRAMES; i++) {
		tick();
		t0 = util_mono_ns();
		console_draw(c, 1);
		t[i] = util_mono_ns() - t0;
	}
	memset(&key, 0, sizeof key);
	key.type = TERMKEY_TYPE_UNICODE;
	key.code.codepoint = 'j';
	strcpy(key.utf8, "j");
	for (i = 0; i < FRAMES; i++) {
		t0 = util_mono_ns();
		console_key(c, &key);
		console_draw(c, 0);
		k[i] = util_mono_ns() - t0;
	}
	qsort(t, FRAMES, sizeof *t, cmp);
	qsort(k, FRAMES, sizeof *k, cmp);
	printf("| full frame, %d workers all changing, %dx%d (median / p99) | "
	    "%.2f / %.2f ms | < 2 ms | %s |\n", NWORKERS, cols, rows,
	    t[FRAMES / 2] / 1e6, t[FRAMES * 99 / 100] / 1e6,
	    t[FRAMES / 2] < 2000000 ? "ok" : "FAIL");
	printf("| key press to updated frame, %s (median / p99) | %.2f / "
	    "%.2f ms | < 20 ms | %s |\n", label, k[FRAMES / 2] / 1e6,
	    k[FRAMES * 99 / 100] / 1e6,
	    k[FRAMES * 99 / 100] < 20000000 ? "ok" : "FAIL");
}

int
main(void)
{
	struct console_opts o;
	struct console *c;
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	char err[256];
	int i;

	memset(&fk, 0, sizeof fk);
	fk.v.ops = &fake_ops;
	fk.now = 1700000000000;
	fk.seed = 42;
	for (i = 0; i < NWORKERS; i++) {
		snprintf(fk.names[i], sizeof fk.names[i], "worker-%03d", i);
		fk.w[i].name = fk.names[i];
		fk.w[i].limit_bytes = 2048.0 * 1048576;
		fk.w[i].note = "";
		fk.w[i].risk_reason = fk.w[i].mitigation = "";
	}
	tick();
	memset(&o, 0, sizeof o);
	c = console_new(&fk.v, &o);
	if (console_screen_open(c, "xterm-256color", out, in, err,
	    sizeof err) != 0) {
		fprintf(stderr, "bench_frame: %s\n", err);
		return 1;
	}
	measure(c, 50, 200, "200x50");
	measure(c, 24, 80, "80x24");
	console_screen_close(c);
	console_free(c);
	return 0;
}

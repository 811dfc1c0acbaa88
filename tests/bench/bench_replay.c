/*
 * bench_replay: replay of a 24-hour recording of 100 workers x 30 series
 * at 1 s (259.2 million samples, minus two gaps and the ticks of crashed
 * workers).
 *
 * The recording is generated through the store API, one commit per tick
 * as the recorder does, with realistic shapes: RSS in pages drifting and
 * sometimes stepping, one leaking worker per ten, counters, CPU in whole
 * percents, rates and latency quantiles as noisy floats, anomaly scores,
 * memory figures; crashes that take a worker down for a minute (up 0, no
 * process figures, an "exited" event, a crash incident opened, acked and
 * resolved); and two gaps where the recorder was not running (20 minutes
 * at 06:00, 5 minutes at 15:00).  It is cached as
 * $BUILD/bench/replay-24h-v1.db (generated again when missing; about a
 * minute), made in a child process so that the writer's memory does not
 * count.
 *
 * Then, in this process, the real replay view and the real console
 * drawing into a 200x50 xterm-256color screen on /dev/null:
 *  - open + first frame: store_open, view_replay_new, console, a full
 *    frame; with the file's pages evicted from the page cache (cold) and
 *    again with the whole file in it (warm); and, cold, until the gaps on
 *    the time bar are all found (the view scans for them after the first
 *    frame);
 *  - seeks, warm: 40 random times and the far ends, each a view_seek and
 *    a full frame (max and median); and, after the playback, 10 more
 *    with the file's pages evicted before each (cold: the disk's
 *    figure as much as ours, so no target);
 *  - playback at x64 for 6 s of wall time through view_pollfds /
 *    view_dispatch as the console loop does: recorded time covered per
 *    wall second, and the slowest frame;
 *  - VmHWM of this process;
 *  - the size of the recording per day and per sample.
 *
 * stdout: markdown table rows only; stderr: progress and details.
 */
#define CONSOLE_INTERNAL
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "incident.h"
#include "store.h"
#include "util.h"
#include "view.h"

#define NWORKERS	100
#define NSER		30
#define NTICKS		(24 * 3600)
#define IV		1000
#define T0		1795737600000LL	/* 2026-11-27 00:00:00 UTC */
#define ROWS		50
#define COLS		200
#define NSEEKS		40
#define PLAY_MS		6000

static const char *const metric[NSER] = {
	"up", "proc_cpu_percent", "proc_rss_bytes", "proc_pss_bytes",
	"proc_swap_bytes", "proc_threads", "proc_fds", "proc_read_bytes",
	"proc_write_bytes", "proc_restarts", "memory_limit_bytes",
	"requests_per_second", "errors_per_second", "latency_p50_seconds",
	"latency_p99_seconds", "memory_growth_bytes_per_second",
	"memory_leak", "memory_time_to_limit_seconds",
	"memory_fragmentation_ratio", "memory_efficiency_percent",
	"memory_risk_level", "anomaly_score", "anomaly_score",
	"anomaly_score", "anomaly_score", "anomaly_score", "requests_total",
	"errors_total", "malloc_allocated_bytes", "malloc_free_bytes",
};
static const char *const labels[NSER] = {
	[21] = "{figure=\"latency_p99_seconds\"}",
	[22] = "{figure=\"errors_per_second\"}",
	[23] = "{figure=\"requests_per_second\"}",
	[24] = "{figure=\"proc_cpu_percent\"}",
	[25] = "{figure=\"proc_rss_bytes\"}",
	[26] = "{code=\"200\"}",
	[27] = "{kind=\"timeout\"}",
};
/* the series a worker has only while its process lives */
static int
proc_only(int k)
{
	return k >= 1 && k <= 8;
}

static void
row(const char *name, const char *value, const char *target,
    const char *verdict)
{
	printf("| %s | %s | %s | %s |\n", name, value, target, verdict);
	fflush(stdout);
}

/* ---- the recording ---- */

struct gen {
	uint64_t	 rng;
	struct wstate {
		double	 rss, rd, wr, req, err, restarts, alloc;
		double	 leak;		/* bytes per tick */
		int	 down;		/* ticks left down */
		int64_t	 incident;
	} w[NWORKERS];
};

static uint64_t
rnd(struct gen *g)
{
	uint64_t x = g->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return g->rng = x;
}

static double
unit(struct gen *g)
{
	return (double)(rnd(g) >> 11) / 9007199254740992.0;
}

static int
in_gap(int i)
{
	return (i >= 6 * 3600 && i < 6 * 3600 + 20 * 60) ||
	    (i >= 15 * 3600 && i < 15 * 3600 + 5 * 60);
}

/* A worker crashes at these ticks (one every ~2.4 hours, spread over
 * the workers). */
static int
crashes_at(int i, int w)
{
	return i % 8641 == 4000 && (i / 8641) % NWORKERS == (w * 7) % NWORKERS;
}

static int
generate(const char *path, uint64_t *samples_out)
{
	struct gen *g = xcalloc(1, sizeof *g);
	struct store *st;
	struct incidents *in;
	struct incident_trigger trig;
	int64_t *ids = xmalloc(NWORKERS * NSER * sizeof *ids), ts, t0;
	uint64_t samples = 0;
	char err[512], name[32];
	int i, w, k, up;
	double v;

	unlink(path);
	if ((st = store_open(path, STORE_WRITE, err, sizeof err)) == NULL) {
		fprintf(stderr, "bench_replay: %s\n", err);
		return -1;
	}
	in = incidents_new(st, 0);
	g->rng = 0x9e3779b97f4a7c15ull;
	for (w = 0; w < NWORKERS; w++) {
		struct wstate *s = &g->w[w];

		snprintf(name, sizeof name, "llm-%02d", w);
		for (k = 0; k < NSER; k++)
			ids[w * NSER + k] = store_series(st, name, metric[k],
			    labels[k], labels[k] != NULL ?
			    strlen(labels[k]) : 0);
		s->rss = 4096.0 * (double)(20000 + rnd(g) % 200000);
		s->alloc = s->rss * 0.6;
		s->leak = w % 10 == 3 ? 4096.0 * 16 : 0;
		s->rd = (double)(rnd(g) % 1000000000);
		s->req = (double)(rnd(g) % 10000000);
	}
	t0 = util_mono_ns();
	for (i = 0; i < NTICKS; i++) {
		if (in_gap(i))
			continue;
		ts = T0 + (int64_t)i * IV;
		for (w = 0; w < NWORKERS; w++) {
			struct wstate *s = &g->w[w];
			int64_t *id = &ids[w * NSER];
			double rate, p50, lim = 8.0 * 1073741824;

			snprintf(name, sizeof name, "llm-%02d", w);
			if (crashes_at(i, w)) {
				s->down = 60;
				store_event(st, ts, name, "exited",
				    "process exited (signal 9)");
				memset(&trig, 0, sizeof trig);
				trig.worker = name;
				trig.cls = INCIDENT_CRASH;
				trig.strategy = "restart";
				trig.text = "process exited (signal 9)";
				trig.severity = SEVERITY_CRITICAL;
				s->incident = incidents_trigger(in, &trig, ts);
			}
			if (s->incident > 0 && s->down == 30)
				incidents_ack(in, s->incident, "oncall", ts,
				    err, sizeof err);
			up = s->down == 0;
			if (s->down > 0 && --s->down == 0) {
				s->restarts++;
				s->rss = 4096.0 * (double)(20000 +
				    rnd(g) % 100000);
				store_event(st, ts, name, "restarted",
				    "restarted");
			}
			if (s->incident > 0 && up && s->down == 0 &&
			    rnd(g) % 300 == 0) {
				incidents_resolve(in, s->incident, "auto", ts,
				    err, sizeof err);
				s->incident = 0;
			}
			/* RSS: pages, drifting; a leak grows; sometimes a
			 * step */
			if (rnd(g) % 4 == 0)
				s->rss += 4096.0 * ((double)(rnd(g) % 33) - 16);
			s->rss += s->leak;
			if (rnd(g) % 20000 == 0)
				s->rss += 4096.0 * (double)(rnd(g) % 50000);
			if (s->rss > 6.0 * 1073741824)
				s->rss = 4096.0 * 100000;
			rate = 10 + 5 * sin((double)i / 3600.0 + w) +
			    (double)(rnd(g) % 100) / 30.0;
			s->req += floor(rate);
			if (rnd(g) % 50 == 0)
				s->err += 1;
			s->rd += (double)(rnd(g) % 4) * 4096;
			s->wr += (double)(rnd(g) % 2) * 4096;
			p50 = 0.020 + unit(g) * 0.015;
			for (k = 0; k < NSER; k++) {
				if (!up && proc_only(k))
					continue;
				if (!up && k >= 11 && k <= 14)
					continue;
				switch (k) {
				case 0: v = up; break;
				case 1: v = (double)(rnd(g) % 5); break;
				case 2: v = s->rss; break;
				case 3: v = s->rss * 0.9 - fmod(s->rss * 0.9,
				    4096); break;
				case 4: v = 0; break;
				case 5: v = 12; break;
				case 6: v = 40 + (double)(i / 7200 % 3); break;
				case 7: v = s->rd; break;
				case 8: v = s->wr; break;
				case 9: v = s->restarts; break;
				case 10: v = lim; break;
				case 11: v = rate; break;
				case 12: v = s->err > 0 && rnd(g) % 10 == 0 ?
				    1.0 / 30 : 0; break;
				case 13: v = p50; break;
				case 14: v = p50 * 2.5 + unit(g) * 0.01; break;
				case 15: v = s->leak > 0 ? s->leak +
				    (unit(g) - 0.5) * 1000 : (unit(g) - 0.5) *
				    200; break;
				case 16: v = s->leak > 0 && i > 600; break;
				case 17:
					if (s->leak == 0)
						continue;
					v = (lim - s->rss) / s->leak;
					break;
				case 18: v = s->rss / s->alloc; break;
				case 19: v = 100 * s->alloc / s->rss; break;
				case 20: v = s->leak > 0 && s->rss > 4e9 ? 2 :
				    s->leak > 0; break;
				case 21: case 22: case 23: case 24: case 25:
					v = (unit(g) - 0.5) * 3;
					break;
				case 26: v = s->req; break;
				case 27: v = s->err; break;
				case 28: v = s->alloc; break;
				default: v = s->rss - s->alloc; break;
				}
				store_append(st, id[k], ts, v);
				samples++;
			}
		}
		if (incidents_flush(in, err, sizeof err) != 0 ||
		    store_commit(st, err, sizeof err) != 0) {
			fprintf(stderr, "bench_replay: commit: %s\n", err);
			return -1;
		}
		if (i % 7200 == 0)
			fprintf(stderr, "  generated %2d h, %.0f s\n", i / 3600,
			    (double)(util_mono_ns() - t0) / 1e9);
	}
	incidents_free(in);
	store_close(st);
	free(ids);
	free(g);
	*samples_out = samples;
	fprintf(stderr, "generated %llu samples in %.1f s\n",
	    (unsigned long long)samples, (double)(util_mono_ns() - t0) / 1e9);
	return 0;
}

/* Make path (and path.count) in a child process unless they exist. */
static int
recording(const char *path, uint64_t *samples)
{
	char *cpath = xasprintf("%s.count", path);
	unsigned long long n;
	FILE *fp;
	pid_t pid;
	int status;

	if ((fp = fopen(cpath, "r")) != NULL && access(path, R_OK) == 0) {
		if (fscanf(fp, "%llu", &n) == 1) {
			fclose(fp);
			free(cpath);
			*samples = n;
			fprintf(stderr, "using %s (%llu samples)\n", path, n);
			return 0;
		}
	}
	if (fp != NULL)
		fclose(fp);
	fprintf(stderr, "generating %s\n", path);
	if ((pid = fork()) == 0) {
		uint64_t s;

		if (generate(path, &s) != 0)
			_exit(1);
		if ((fp = fopen(cpath, "w")) == NULL)
			_exit(1);
		fprintf(fp, "%llu\n", (unsigned long long)s);
		_exit(fclose(fp) == 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_replay: generating %s failed\n", path);
		unlink(cpath);
		free(cpath);
		return -1;
	}
	free(cpath);
	return recording(path, samples);
}

/* ---- measuring ---- */

static void
evict(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	const char *p[] = { path, wal };
	size_t i;
	int fd;

	for (i = 0; i < 2; i++) {
		if ((fd = open(p[i], O_RDONLY)) == -1)
			continue;
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
	free(wal);
}

/* Read the whole file into the page cache. */
static void
warm_up(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY);

	if (fd == -1)
		return;
	while (read(fd, buf, sizeof buf) > 0)
		;
	close(fd);
}

static int64_t
fsize(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static long
vm_kb(const char *field)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	size_t n = strlen(field);

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	}
	fclose(fp);
	return kb;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

struct session {
	struct view	*v;
	struct console	*c;
};

static FILE *null_out, *null_in;

/* Open the recording and draw the first frame; ns of each part. */
static int
open_session(const char *path, struct session *s, int64_t *t_open,
    int64_t *t_view, int64_t *t_draw)
{
	struct console_opts o;
	struct store *st;
	char err[512];
	int64_t a, b, c, d;

	a = util_mono_ns();
	if ((st = store_open(path, STORE_READ, err, sizeof err)) == NULL) {
		fprintf(stderr, "bench_replay: %s\n", err);
		return -1;
	}
	b = util_mono_ns();
	if ((s->v = view_replay_new(st, INT64_MAX, err, sizeof err)) == NULL) {
		fprintf(stderr, "bench_replay: %s\n", err);
		return -1;
	}
	c = util_mono_ns();
	memset(&o, 0, sizeof o);
	s->c = console_new(s->v, &o);
	if (console_screen_open(s->c, "xterm-256color", null_out, null_in, err,
	    sizeof err) != 0) {
		fprintf(stderr, "bench_replay: %s\n", err);
		return -1;
	}
	resizeterm(ROWS, COLS);
	console_resize(s->c, ROWS, COLS);
	console_draw(s->c, 1);
	d = util_mono_ns();
	*t_open = b - a;
	*t_view = c - b;
	*t_draw = d - c;
	return 0;
}

static void
close_session(struct session *s)
{
	console_screen_close(s->c);
	console_free(s->c);
	view_free(s->v);
}

int
main(void)
{
	const char *build = getenv("BUILD") != NULL ? getenv("BUILD") : "build";
	char *dir = xasprintf("%s/bench", build);
	char *path = xasprintf("%s/replay-24h-v1.db", dir);
	struct session s;
	struct view_play p;
	int64_t to, tv, td, cold, warm, seek[NSEEKS + 2], first, last, t,
	    start, wall0, f0, f, fmax = 0, nframes = 0, ftot = 0;
	uint64_t samples, rng = 0x243f6a8885a308d3ull;
	struct pollfd fds[8];
	char m[128];
	long hwm;
	double per_s, bytes;
	int i, timeout, bits;

	if (mkdir(build, 0755) != 0 && errno != EEXIST)
		perror(build);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		perror(dir);
	if (recording(path, &samples) != 0)
		return 1;
	null_out = fopen("/dev/null", "w");
	null_in = fopen("/dev/null", "r");
	setenv("TERM", "xterm-256color", 1);

	/* open + first frame, cold then warm */
	evict(path);
	if (open_session(path, &s, &to, &tv, &td) != 0)
		return 1;
	cold = to + tv + td;
	fprintf(stderr, "cold open: store_open %.1f ms, view %.1f ms, first "
	    "frame %.1f ms\n", to / 1e6, tv / 1e6, td / 1e6);
	/* the time bar's gaps: scanned after the first frame, a slice per
	 * turn of the loop */
	f0 = util_mono_ns();
	for (;;) {
		view_play(s.v, &p);
		if (!p.scanning)
			break;
		timeout = -1;
		view_pollfds(s.v, fds, 8, &timeout);
		if (view_dispatch(s.v, fds, 0) & VIEW_CHANGED)
			console_draw(s.c, 0);
	}
	f = util_mono_ns() - f0;
	fprintf(stderr, "gaps scanned %.1f ms after the first frame\n",
	    f / 1e6);
	snprintf(m, sizeof m, "%.0f ms", (cold + f) / 1e6);
	row("replay: open to the time bar's gaps all found, cold cache", m,
	    "-", "-");
	close_session(&s);
	warm_up(path);
	if (open_session(path, &s, &to, &tv, &td) != 0)
		return 1;
	warm = to + tv + td;
	fprintf(stderr, "warm open: store_open %.1f ms, view %.1f ms, first "
	    "frame %.1f ms\n", to / 1e6, tv / 1e6, td / 1e6);
	snprintf(m, sizeof m, "%.0f ms", cold / 1e6);
	row("replay: open a 24 h recording and draw the first frame, cold "
	    "cache", m, "< 300 ms", cold < 300000000 ? "ok" : "FAIL");
	snprintf(m, sizeof m, "%.0f ms", warm / 1e6);
	row("replay: open and first frame, warm cache", m, "< 300 ms",
	    warm < 300000000 ? "ok" : "FAIL");

	/* seeks, each to a full frame: random, then the far ends */
	view_span(s.v, &first, &last);
	fprintf(stderr, "span %.1f h, %zu gaps\n", (last - first) / 3.6e6,
	    view_gaps(s.v, &(const struct view_gap *){NULL}));
	for (i = 0; i < NSEEKS + 2; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		t = i == NSEEKS ? first : i == NSEEKS + 1 ? last :
		    first + (int64_t)(rng % (uint64_t)(last - first));
		f0 = util_mono_ns();
		view_seek(s.v, t);
		console_draw(s.c, 1);
		seek[i] = util_mono_ns() - f0;
	}
	fprintf(stderr, "seek to the start %.1f ms, to the end %.1f ms\n",
	    seek[NSEEKS] / 1e6, seek[NSEEKS + 1] / 1e6);
	qsort(seek, NSEEKS + 2, sizeof *seek, cmp_i64);
	snprintf(m, sizeof m, "%.1f / %.1f ms", seek[(NSEEKS + 2) / 2] / 1e6,
	    seek[NSEEKS + 1] / 1e6);
	row("replay: seek to a full frame, median / max (42 seeks, the ends "
	    "included)", m, "< 50 ms", seek[NSEEKS + 1] < 50000000 ? "ok" :
	    "FAIL");

	/* playback at x64, as the console loop runs it */
	view_seek(s.v, first + 2 * 3600 * 1000);
	memset(&p, 0, sizeof p);
	p.playing = 1;
	p.speed = 64;
	view_play_set(s.v, &p);
	start = view_time(s.v);
	wall0 = util_mono_ms();
	while (util_mono_ms() - wall0 < PLAY_MS) {
		timeout = -1;
		view_pollfds(s.v, fds, 8, &timeout);
		poll(NULL, 0, timeout);
		f0 = util_mono_ns();
		bits = view_dispatch(s.v, fds, 0);
		if (bits & VIEW_CHANGED) {
			console_draw(s.c, 0);
			f = util_mono_ns() - f0;
			ftot += f;
			nframes++;
			if (f > fmax)
				fmax = f;
		}
	}
	per_s = (double)(view_time(s.v) - start) / IV /
	    ((double)(util_mono_ms() - wall0) / 1000);
	fprintf(stderr, "playback: %lld frames, mean %.1f ms\n",
	    (long long)nframes, nframes > 0 ? ftot / 1e6 / nframes : 0);
	snprintf(m, sizeof m, "%.1f ticks/s, slowest frame %.1f ms", per_s,
	    fmax / 1e6);
	row("replay: play at x64 (recorded ticks per wall second; frame "
	    "time)", m, ">= 60 ticks/s, frame < 250 ms", per_s >= 60 &&
	    fmax < 250000000 ? "ok" : "FAIL");

	/* the same with the file out of the page cache before each */
	for (i = 0; i < NSEEKS / 4; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		t = first + (int64_t)(rng % (uint64_t)(last - first));
		evict(path);
		f0 = util_mono_ns();
		view_seek(s.v, t);
		console_draw(s.c, 1);
		seek[i] = util_mono_ns() - f0;
	}
	qsort(seek, NSEEKS / 4, sizeof *seek, cmp_i64);
	snprintf(m, sizeof m, "%.1f / %.1f ms", seek[NSEEKS / 8] / 1e6,
	    seek[NSEEKS / 4 - 1] / 1e6);
	row("replay: seek to a full frame, cold cache, median / max (10 "
	    "seeks)", m, "-", "-");

	hwm = vm_kb("VmHWM");
	snprintf(m, sizeof m, "%.1f MB", hwm / 1024.0);
	row("replay: resident memory, peak (VmHWM)", m, "< 64 MB",
	    hwm >= 0 && hwm < 64 * 1024 ? "ok" : "FAIL");
	close_session(&s);

	bytes = (double)(fsize(path) + fsize(xasprintf("%s-wal", path)));
	snprintf(m, sizeof m, "%.0f MB (%llu samples)", bytes / 1048576,
	    (unsigned long long)samples);
	row("recording size per day, 100 workers x 30 series at 1 s", m,
	    "-", "-");
	snprintf(m, sizeof m, "%.3f bytes/sample", bytes / (double)samples);
	row("recording size per sample", m, "-", "-");
	free(path);
	free(dir);
	return 0;
}

/*
 * bench_store.c -- ingest rate, size on disk and cold-cache window reads
 * of the history store, on a synthetic fleet: 1000 series x 10,000 ticks
 * at 1 s.  A third of the series are RSS-like gauges (page multiples that
 * drift and sometimes step), a third counters (a rate with noise, a reset
 * now and then), a third latency histograms (cumulative bucket counters,
 * a count, and one float gauge of about 0.0123 s with noise per group of
 * twelve).
 *
 * stdout: markdown table rows only; stderr: progress and details.
 * BENCH_TICKS=N shortens the run (the targets are for the default).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "codec.h"
#include "store.h"
#include "util.h"

#define NSERIES		1000
#define NTICKS		10000
#define T0		1700000000000LL
#define NSEEKS		51
#define WINDOW_MS	60000

/* ---- the synthetic fleet ---- */

struct fleet {
	uint64_t	 rng;
	double		 val[NSERIES];
	double		 rate[NSERIES];
	double		 reqs;
};

static uint64_t
rnd(struct fleet *f)
{
	uint64_t x = f->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return f->rng = x;
}

static double
unit(struct fleet *f)
{
	return (double)(rnd(f) >> 11) / 9007199254740992.0;
}

static double
gauss(struct fleet *f)
{
	double u = unit(f) + 1e-12, v = unit(f);

	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static int
kind_of(int i)
{
	return i * 3 / NSERIES;		/* 0 gauge, 1 counter, 2 latency */
}

static void
fleet_init(struct fleet *f)
{
	int i;

	memset(f, 0, sizeof *f);
	f->rng = 0x243f6a8885a308d3ull;
	for (i = 0; i < NSERIES; i++) {
		switch (kind_of(i)) {
		case 0:
			f->val[i] = 4096.0 * (double)(50000 + rnd(f) % 1000000);
			break;
		case 1:
			f->rate[i] = (double)(1 + rnd(f) % 2000);
			f->val[i] = (double)(rnd(f) % 100000000);
			break;
		default:
			f->rate[i] = (double)(5 + rnd(f) % 300);
			f->val[i] = (i - 2 * NSERIES / 3) % 12 == 11 ? 0.0123 : 0;
			break;
		}
	}
}

static void
fleet_tick(struct fleet *f, double *out)
{
	int i, k;
	uint64_t r;

	for (i = 0; i < NSERIES; i++) {
		double *v = &f->val[i];

		switch (kind_of(i)) {
		case 0:		/* RSS: drifts by pages, sometimes steps */
			r = rnd(f);
			if (r % 1000 < 2)
				*v += 4096.0 * ((double)(rnd(f) % 100000) - 40000);
			else if (r % 10 < 3)
				*v += 4096.0 * ((double)(rnd(f) % 64) - 28);
			if (*v < 4096.0 * 1000)
				*v = 4096.0 * 1000;
			break;
		case 1:		/* a counter, reset when the worker restarts */
			if (rnd(f) % 5000 == 0)
				*v = 0;
			else
				*v += fmax(0, floor(f->rate[i] +
				    gauss(f) * sqrt(f->rate[i])));
			break;
		default:	/* a histogram: buckets, count, a float gauge */
			k = (i - 2 * NSERIES / 3) % 12;
			if (k == 0)
				f->reqs = fmax(0, floor(f->rate[i] +
				    gauss(f) * sqrt(f->rate[i])));
			if (k < 10)
				*v += floor(f->reqs * (k + 1) * (k + 1) / 100.0);
			else if (k == 10)
				*v += f->reqs;
			else
				*v = 0.0123 + 0.002 * gauss(f);
			break;
		}
		out[i] = *v;
	}
}

/* ---- helpers ---- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static off_t
fsize(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	return remove(path);
}

static void
row(const char *name, const char *measured, const char *target,
    const char *verdict)
{
	printf("| %s | %s | %s | %s |\n", name, measured, target, verdict);
	fflush(stdout);
}

static int
count_point(void *ctx, int64_t sid, int64_t ts, double v)
{
	(*(size_t *)ctx)++;
	return 0;
}

/* Drop the file's pages from the page cache.  The descriptor stays open
 * while a store has the file open: closing it would drop SQLite's POSIX
 * locks of this process. */
static void
evict(int fd)
{
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

int
main(void)
{
	char dir[] = "/tmp/bench_store.XXXXXX", err[512], m[128], name[64];
	char *path, *wal;
	double *vals;
	int64_t ids[NSERIES], *lat, t0, t1, span_ns, first, last;
	int64_t seek_ns[NSEEKS], open_ns[NSEEKS];
	struct fleet *f = xcalloc(1, sizeof *f);
	struct store *st;
	size_t samples, t, i, points;
	double rate, bps, bps_pre;
	int ticks = NTICKS, k, fd;
	const char *env = getenv("BENCH_TICKS");
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t nchunks = 0, nseals = 0;
	uint64_t rng = 12345;

	if (env != NULL && atoi(env) > 300)
		ticks = atoi(env);
	samples = (size_t)NSERIES * (size_t)ticks;
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	path = xasprintf("%s/history.db", dir);
	wal = xasprintf("%s-wal", path);

	fprintf(stderr, "generating %d series x %d ticks\n", NSERIES, ticks);
	vals = xmalloc(samples * sizeof *vals);
	fleet_init(f);
	for (t = 0; t < (size_t)ticks; t++)
		fleet_tick(f, vals + t * NSERIES);

	/* ---- the codec alone ---- */
	{
		struct chunk_enc e;
		struct chunk_dec d;
		const uint8_t *p;
		size_t len, bytes = 0, n = 0, s;
		int64_t ts;
		double v;
		int64_t enc_ns = 0, dec_ns = 0;
		size_t tmax = (size_t)ticks < 2400 ? (size_t)ticks : 2400;

		chunk_enc_init(&e);
		for (s = 0; s < NSERIES; s++) {
			for (t = 0; t < tmax; t += STORE_CHUNK_POINTS) {
				size_t j, end = t + STORE_CHUNK_POINTS;

				if (end > tmax)
					end = tmax;
				chunk_enc_reset(&e);
				t0 = util_mono_ns();
				for (j = t; j < end; j++)
					chunk_enc_append(&e, T0 + (int64_t)j * 1000,
					    vals[j * NSERIES + s]);
				p = chunk_enc_bytes(&e, &len);
				t1 = util_mono_ns();
				enc_ns += t1 - t0;
				bytes += len;
				chunk_dec_init(&d, p, len);
				while (chunk_dec_next(&d, &ts, &v) == 1)
					n++;
				dec_ns += util_mono_ns() - t1;
			}
		}
		chunk_enc_free(&e);
		snprintf(m, sizeof m, "%.1f ns/point", (double)enc_ns / (double)n);
		snprintf(name, sizeof name, "codec encode (%d-point chunks)",
		    STORE_CHUNK_POINTS);
		row(name, m, "-", "-");
		snprintf(m, sizeof m, "%.1f ns/point", (double)dec_ns / (double)n);
		row("codec decode", m, "-", "-");
		snprintf(m, sizeof m, "%.3f bytes/sample", (double)bytes / (double)n);
		row("codec compressed size (chunks only)", m, "-", "-");
	}

	/* ---- ingest ---- */
	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (st == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (i = 0; i < NSERIES; i++) {
		char labels[64];
		int kind = kind_of((int)i);

		snprintf(labels, sizeof labels, "{series=\"%zu\"}", i);
		ids[i] = store_series(st, xasprintf("worker-%zu", i / 50),
		    kind == 0 ? "proc_rss_bytes" : kind == 1 ?
		    "requests_total" : "request_latency_seconds_bucket",
		    labels, strlen(labels));
	}
	lat = xmalloc((size_t)ticks * sizeof *lat);
	fprintf(stderr, "ingesting\n");
	t0 = util_mono_ns();
	for (t = 0; t < (size_t)ticks; t++) {
		int64_t c0, ts = T0 + (int64_t)t * 1000;
		const double *v = vals + t * NSERIES;

		for (i = 0; i < NSERIES; i++)
			store_append(st, ids[i], ts, v[i]);
		c0 = util_mono_ns();
		if (store_commit(st, err, sizeof err) != 0) {
			fprintf(stderr, "commit: %s\n", err);
			return 1;
		}
		lat[t] = util_mono_ns() - c0;
	}
	span_ns = util_mono_ns() - t0;
	rate = (double)samples / ((double)span_ns / 1e9);
	fprintf(stderr, "ingest: %zu samples in %.3f s\n", samples,
	    (double)span_ns / 1e9);
	snprintf(m, sizeof m, "%.2f M samples/s", rate / 1e6);
	row("store ingest, commit per tick", m, ">= 5 M samples/s",
	    rate >= 5e6 ? "ok" : "FAIL");
	qsort(lat, (size_t)ticks, sizeof *lat, cmp_i64);
	snprintf(m, sizeof m, "%.3f ms / %.3f ms / %.3f ms",
	    (double)lat[ticks / 2] / 1e6, (double)lat[ticks * 99 / 100] / 1e6,
	    (double)lat[ticks - 1] / 1e6);
	row("store commit latency median / p99 / max", m, "-", "-");

	bps_pre = (double)(fsize(path) + fsize(wal)) / (double)samples;
	snprintf(m, sizeof m, "%.3f bytes/sample", bps_pre);
	row("store size before checkpoint (db + WAL)", m, "-", "-");
	if (store_checkpoint(st) != 0)
		fprintf(stderr, "checkpoint: %s\n", store_errmsg(st));
	bps = (double)fsize(path) / (double)samples;
	fprintf(stderr, "db file %lld bytes, WAL %lld bytes\n",
	    (long long)fsize(path), (long long)fsize(wal));
	snprintf(m, sizeof m, "%.3f bytes/sample", bps);
	row("store size after WAL checkpoint", m, "<= 3 bytes/sample",
	    bps <= 3 ? "ok" : "FAIL");
	store_close(st);

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM chunks), "
		    "(SELECT count(*) FROM seals)", -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW) {
			nchunks = sqlite3_column_int64(q, 0);
			nseals = sqlite3_column_int64(q, 1);
		}
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	snprintf(m, sizeof m, "%lld rows (%lld seals)", (long long)nchunks,
	    (long long)nseals);
	row("store chunks", m, "-", "-");

	/* ---- cold seeks ---- */
	fprintf(stderr, "seeking\n");
	for (k = 0; k < NSEEKS; k++) {
		int64_t from;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		from = T0 + (int64_t)(rng % (uint64_t)((int64_t)(ticks - 60) * 1000));
		if ((fd = open(path, O_RDONLY)) == -1) {
			perror(path);
			return 1;
		}
		evict(fd);
		t0 = util_mono_ns();
		st = store_open(path, STORE_READ, err, sizeof err);
		if (st == NULL) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		open_ns[k] = util_mono_ns() - t0;
		evict(fd);
		points = 0;
		t0 = util_mono_ns();
		if (store_read_window(st, from, from + WINDOW_MS, count_point,
		    &points) != 0) {
			fprintf(stderr, "read: %s\n", store_errmsg(st));
			return 1;
		}
		seek_ns[k] = util_mono_ns() - t0;
		if (points < (size_t)NSERIES * 60 || points > (size_t)NSERIES * 61) {
			fprintf(stderr, "seek at %lld: %zu points, wrong\n",
			    (long long)from, points);
			return 1;
		}
		if (k == 0 && store_span(st, &first, &last) == 0)
			fprintf(stderr, "span %lld .. %lld\n", (long long)first,
			    (long long)last);
		store_close(st);
		close(fd);
	}
	qsort(seek_ns, NSEEKS, sizeof *seek_ns, cmp_i64);
	qsort(open_ns, NSEEKS, sizeof *open_ns, cmp_i64);
	snprintf(m, sizeof m, "%.2f ms", (double)seek_ns[NSEEKS / 2] / 1e6);
	row("store seek: every series, 60 s window, cold cache, median", m,
	    "<= 10 ms", seek_ns[NSEEKS / 2] <= 10000000 ? "ok" : "FAIL");
	snprintf(m, sizeof m, "%.2f ms",
	    (double)seek_ns[NSEEKS * 99 / 100] / 1e6);
	row("store seek, cold cache, p99", m, "-", "-");
	snprintf(m, sizeof m, "%.2f ms", (double)open_ns[NSEEKS / 2] / 1e6);
	row("store reader open (series + tail), cold cache, median", m, "-", "-");

	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(vals);
	free(lat);
	free(path);
	free(wal);
	free(f);
	return 0;
}

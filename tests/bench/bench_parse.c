/*
 * bench_parse.c -- exposition parser throughput on generated, realistic
 * pages: a prometheus_client page (python_gc_*, process_*, an HTTP app),
 * vLLM-like pages (histograms labelled by model_name) at about 50 KB and
 * 500 KB, the vLLM page as OpenMetrics (exemplars, _created), and a
 * TorchServe-like page whose trailing commas force label rebuilding.
 *
 * Times are CPU time of this process, best of several batches, so other
 * work on the machine disturbs them little.  KB = 1000 bytes, MB = 10^6.
 * Also counts heap allocations during one parse of the largest page
 * (malloc is interposed here) to show there is none per line.
 * Rows go to stdout; details to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "util.h"

#define TARGET_MBS	200.0

/* ------------------------------------------------- allocation counting */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static size_t nallocs;

void *
malloc(size_t n)
{
	nallocs++;
	return __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	nallocs++;
	return __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	nallocs++;
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	__libc_free(p);
}

/* ------------------------------------------------------------- pages */

static unsigned rnd_state = 2463534242u;

static unsigned
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* A value as prometheus_client prints it: repr() of a float. */
static void
pyfloat(struct buf *b, double v)
{
	if (v == (double)(long long)v && v < 1e16)
		buf_printf(b, "%.1f", v);
	else
		buf_printf(b, "%.17g", v);
}

static void
meta(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
default_client(struct buf *b)
{
	static const char *gc[] = { "collected", "uncollectable" };
	int i, g;

	for (i = 0; i < 2; i++) {
		char n[64];

		snprintf(n, sizeof n, "python_gc_objects_%s_total", gc[i]);
		meta(b, n, "counter", "Objects collected during gc");
		for (g = 0; g < 3; g++)
			buf_printf(b, "%s{generation=\"%d\"} %u.0\n", n, g,
			    rnd() % 5000);
	}
	meta(b, "python_gc_collections_total", "counter",
	    "Number of times this generation was collected");
	for (g = 0; g < 3; g++)
		buf_printf(b, "python_gc_collections_total{generation=\"%d\"} "
		    "%u.0\n", g, rnd() % 900);
	meta(b, "python_info", "gauge", "Python platform information");
	buf_adds(b, "python_info{implementation=\"CPython\",major=\"3\","
	    "minor=\"11\",patchlevel=\"2\",version=\"3.11.2\"} 1.0\n");
	meta(b, "process_virtual_memory_bytes", "gauge",
	    "Virtual memory size in bytes.");
	buf_adds(b, "process_virtual_memory_bytes 9.316814848e+09\n");
	meta(b, "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.");
	buf_adds(b, "process_resident_memory_bytes 3.141234688e+09\n");
	meta(b, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.");
	buf_adds(b, "process_start_time_seconds 1.71455040012e+09\n");
	meta(b, "process_cpu_seconds_total", "counter",
	    "Total user and system CPU time spent in seconds.");
	buf_adds(b, "process_cpu_seconds_total 1234.56\n");
	meta(b, "process_open_fds", "gauge", "Number of open file descriptors.");
	buf_adds(b, "process_open_fds 87.0\n");
	meta(b, "process_max_fds", "gauge",
	    "Maximum number of open file descriptors.");
	buf_adds(b, "process_max_fds 1.048576e+06\n");
}

/* prometheus_client default page plus a FastAPI-style app, grown by
 * adding handlers until the page reaches size bytes. */
static void
client_page(struct buf *b, size_t size)
{
	static const double bk[] = { .005, .01, .025, .05, .075, .1, .25, .5,
	    .75, 1, 2.5, 5, 7.5, 10 };
	static const char *methods[] = { "GET", "POST" };
	static const char *codes[] = { "200", "404", "500" };
	struct buf hdl = {0};
	int nh = 0, h, m, c;
	size_t i;

	while (b->len < size) {
		buf_clear(b);
		default_client(b);
		nh += 2;
		meta(b, "http_requests_total", "counter",
		    "Total number of requests by method, status and handler.");
		for (h = 0; h < nh; h++)
			for (m = 0; m < 2; m++)
				for (c = 0; c < 3; c++)
					buf_printf(b, "http_requests_total{handler="
					    "\"/v1/route%d\",method=\"%s\",status=\"%s\"} "
					    "%u.0\n", h, methods[m], codes[c],
					    rnd() % 100000);
		meta(b, "http_request_duration_seconds", "histogram",
		    "Latency with only few buckets by handler.");
		for (h = 0; h < nh; h++) {
			unsigned cum = 0;

			buf_clear(&hdl);
			buf_printf(&hdl, "handler=\"/v1/route%d\"", h);
			for (i = 0; i < ARRAY_LEN(bk); i++) {
				cum += rnd() % 50;
				buf_printf(b, "http_request_duration_seconds_bucket"
				    "{%s,le=\"%g\"} %u.0\n", hdl.data, bk[i], cum);
			}
			buf_printf(b, "http_request_duration_seconds_bucket{%s,"
			    "le=\"+Inf\"} %u.0\n", hdl.data, cum);
			buf_printf(b, "http_request_duration_seconds_count{%s} "
			    "%u.0\n", hdl.data, cum);
			buf_printf(b, "http_request_duration_seconds_sum{%s} ",
			    hdl.data);
			pyfloat(b, cum * 0.0731 + (rnd() % 1000) / 7919.0);
			buf_addc(b, '\n');
		}
		meta(b, "http_request_duration_seconds_created", "gauge",
		    "Latency with only few buckets by handler.");
		for (h = 0; h < nh; h++) {
			buf_printf(b, "http_request_duration_seconds_created{"
			    "handler=\"/v1/route%d\"} ", h);
			pyfloat(b, 1714550400.0 + (rnd() % 100000) / 1013.0);
			buf_addc(b, '\n');
		}
	}
	buf_free(&hdl);
}

struct hist {
	const char	*name;
	const char	*help;
	const double	*bk;
	size_t		 nbk;
};

static const double ttft_bk[] = { 0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08,
	0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0 };
static const double tpot_bk[] = { 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
	0.3, 0.4, 0.5, 0.75, 1.0, 2.5 };
static const double e2e_bk[] = { 1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
	50.0, 60.0 };
static const double tok_bk[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000,
	2000, 5000, 10000 };

static const struct hist vllm_hists[] = {
	{ "vllm:time_to_first_token_seconds",
	    "Histogram of time to first token in seconds.", ttft_bk,
	    ARRAY_LEN(ttft_bk) },
	{ "vllm:time_per_output_token_seconds",
	    "Histogram of time per output token in seconds.", tpot_bk,
	    ARRAY_LEN(tpot_bk) },
	{ "vllm:e2e_request_latency_seconds",
	    "Histogram of end to end request latency in seconds.", e2e_bk,
	    ARRAY_LEN(e2e_bk) },
	{ "vllm:request_prompt_tokens", "Number of prefill tokens processed.",
	    tok_bk, ARRAY_LEN(tok_bk) },
	{ "vllm:request_generation_tokens",
	    "Number of generation tokens processed.", tok_bk,
	    ARRAY_LEN(tok_bk) },
};

/*
 * A vLLM page as prometheus_client serves it, one model per served
 * model_name, grown until size bytes.  With om, the OpenMetrics form:
 * base family names, _total/_created in the family, exemplars on some
 * buckets, "# EOF".  With java, label sets carry the trailing comma of
 * Java's simpleclient (as TorchServe's page does).
 */
static void
vllm_page(struct buf *b, size_t size, int om, int java)
{
	static const char *gauges[] = { "vllm:num_requests_running",
	    "vllm:num_requests_swapped", "vllm:num_requests_waiting",
	    "vllm:gpu_cache_usage_perc", "vllm:cpu_cache_usage_perc" };
	static const char *counters[] = { "vllm:num_preemptions",
	    "vllm:prompt_tokens", "vllm:generation_tokens" };
	const char *tc = java ? "," : "";
	int nm = 0, m;
	size_t g, i;

	while (b->len < size) {
		buf_clear(b);
		nm++;
		for (g = 0; g < ARRAY_LEN(gauges); g++) {
			meta(b, gauges[g], "gauge", "vLLM scheduler state.");
			for (m = 0; m < nm; m++) {
				buf_printf(b, "%s{model_name=\"org/model-%d-8B-"
				    "Instruct\"%s} ", gauges[g], m, tc);
				pyfloat(b, (rnd() % 64) / (g < 3 ? 1.0 : 64.0));
				buf_addc(b, '\n');
			}
		}
		for (g = 0; g < ARRAY_LEN(counters); g++) {
			if (om)
				meta(b, counters[g], "counter", "vLLM counter.");
			else {
				buf_printf(b, "# HELP %s_total vLLM counter.\n"
				    "# TYPE %s_total counter\n", counters[g],
				    counters[g]);
			}
			for (m = 0; m < nm; m++) {
				buf_printf(b, "%s_total{model_name=\"org/model-%d-"
				    "8B-Instruct\"%s} %u.0\n", counters[g], m, tc,
				    rnd() % 10000000);
				if (om)
					buf_printf(b, "%s_created{model_name=\"org/"
					    "model-%d-8B-Instruct\"} "
					    "1.7145504001234567e+09\n",
					    counters[g], m);
			}
		}
		for (g = 0; g < ARRAY_LEN(vllm_hists); g++) {
			const struct hist *h = &vllm_hists[g];

			meta(b, h->name, "histogram", h->help);
			for (m = 0; m < nm; m++) {
				unsigned cum = 0;
				char lab[64];

				snprintf(lab, sizeof lab, "model_name=\"org/model-"
				    "%d-8B-Instruct\"", m);
				for (i = 0; i < h->nbk; i++) {
					cum += rnd() % 300;
					buf_printf(b, "%s_bucket{%s,le=\"%g\"%s} "
					    "%u.0", h->name, lab, h->bk[i], tc,
					    cum);
					if (om && i == h->nbk / 2)
						buf_printf(b, " # {trace_id=\"%08x"
						    "%08x\"} %g 1714550400.%03u",
						    rnd(), rnd(), h->bk[i] * 0.9,
						    rnd() % 1000);
					buf_addc(b, '\n');
				}
				buf_printf(b, "%s_bucket{%s,le=\"+Inf\"%s} %u.0\n",
				    h->name, lab, tc, cum);
				buf_printf(b, "%s_count{%s%s} %u.0\n", h->name,
				    lab, tc, cum);
				buf_printf(b, "%s_sum{%s%s} ", h->name, lab, tc);
				pyfloat(b, cum * 0.173 + (rnd() % 997) / 991.0);
				buf_addc(b, '\n');
				if (om)
					buf_printf(b, "%s_created{%s} "
					    "1.7145504001234567e+09\n", h->name,
					    lab);
			}
		}
	}
	if (om)
		buf_adds(b, "# EOF\n");
}

/* ------------------------------------------------------------ measuring */

static size_t seen;
static double vsum;

static void
on_sample(void *ctx, const struct expo_sample *s)
{
	seen++;
	vsum += s->value + (double)s->labels_len;
}

static void
measure(const char *what, const struct buf *page, enum expo_format fmt,
    int has_target)
{
	struct expo_result res;
	int64_t best = INT64_MAX;
	size_t runs = 0, batch;
	double mbs, nskb, sps;
	int rep;

	expo_parse(page->data, page->len, fmt, on_sample, NULL, NULL, &res);
	if (res.errors != 0 || res.samples == 0) {
		fprintf(stderr, "%s: %zu errors (line %d: %s)\n", what,
		    res.errors, res.first_error_line, res.first_error);
		exit(1);
	}
	/* About 40 MB per batch. */
	batch = 40000000 / page->len + 1;
	for (rep = 0; rep < 7; rep++) {
		int64_t t0 = util_cpu_ns(), dt;
		size_t i;

		for (i = 0; i < batch; i++)
			expo_parse(page->data, page->len, fmt, on_sample, NULL,
			    NULL, &res);
		dt = util_cpu_ns() - t0;
		runs += batch;
		if (dt < best)
			best = dt;
	}
	mbs = (double)page->len * (double)batch / ((double)best / 1e9) / 1e6;
	nskb = (double)best / (double)batch / ((double)page->len / 1000.0);
	sps = (double)res.samples * (double)batch / ((double)best / 1e9);
	fprintf(stderr, "%s: %zu bytes, %zu samples, %zu parses, best batch "
	    "%.1f ms for %zu parses\n", what, page->len, res.samples, runs,
	    (double)best / 1e6, batch);
	printf("| parse %s: throughput | %.0f MB/s | %s | %s |\n", what, mbs,
	    has_target ? ">= 200 MB/s" : "-",
	    has_target ? (mbs >= TARGET_MBS ? "ok" : "FAIL") : "-");
	printf("| parse %s: cost | %.0f ns/KB | %s | %s |\n", what, nskb,
	    has_target ? "<= 5000 ns/KB" : "-",
	    has_target ? (nskb <= 1e9 / (TARGET_MBS * 1e3) ? "ok" : "FAIL") :
	    "-");
	printf("| parse %s: samples | %.2f M samples/s | - | - |\n", what,
	    sps / 1e6);
}

int
main(void)
{
	struct buf client = {0}, v50 = {0}, v500 = {0}, om500 = {0},
	    java500 = {0};
	struct expo_result res;
	size_t before;

	client_page(&client, 50000);
	vllm_page(&v50, 50000, 0, 0);
	vllm_page(&v500, 500000, 0, 0);
	vllm_page(&om500, 500000, 1, 0);
	vllm_page(&java500, 500000, 0, 1);

	measure("prometheus_client page 50 KB (text)", &client,
	    EXPO_FORMAT_TEXT, 1);
	measure("vLLM page 50 KB (text)", &v50, EXPO_FORMAT_TEXT, 1);
	measure("vLLM page 500 KB (text)", &v500, EXPO_FORMAT_TEXT, 1);
	measure("vLLM page 500 KB (OpenMetrics, exemplars)", &om500,
	    EXPO_FORMAT_OPENMETRICS, 1);
	measure("trailing-comma page 500 KB (labels rebuilt)", &java500,
	    EXPO_FORMAT_TEXT, 0);

	before = nallocs;
	expo_parse(v500.data, v500.len, EXPO_FORMAT_TEXT, on_sample, NULL,
	    NULL, &res);
	fprintf(stderr, "allocations: %zu during one parse of %zu lines\n",
	    nallocs - before, res.samples);
	printf("| heap allocations per parse of the 500 KB page (%zu samples) "
	    "| %zu | <= 32 | %s |\n", res.samples, nallocs - before,
	    nallocs - before <= 32 ? "ok" : "FAIL");
	fprintf(stderr, "(checksum %g over %zu samples)\n", vsum, seen);

	buf_free(&client);
	buf_free(&v50);
	buf_free(&v500);
	buf_free(&om500);
	buf_free(&java500);
	return 0;
}

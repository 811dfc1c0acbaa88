/*
 * figures.c -- request rate, error rate and latency quantiles of a worker.
 */
#include "figures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "stats.h"
#include "util.h"

#define MAX_BUCKETS 64

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Seconds per unit of a latency metric, from its name. */
static double
name_scale(const char *name)
{
	if (strstr(name, "_ms") != NULL || strstr(name, "millisecond") != NULL)
		return 1e-3;
	if (strstr(name, "_us") != NULL || strstr(name, "microsecond") != NULL)
		return 1e-6;
	return 1;
}

static int
is_latency_name(const char *name)
{
	return strstr(name, "latency") != NULL ||
	    strstr(name, "duration") != NULL ||
	    strstr(name, "response_time") != NULL;
}

/* How much a latency family looks like the end-to-end request latency. */
static int
family_score(const char *name)
{
	int score = 1;

	if (strstr(name, "e2e") != NULL)
		score += 4;
	if (strstr(name, "request") != NULL)
		score += 2;
	if (strstr(name, "queue") != NULL || strstr(name, "token") != NULL ||
	    strstr(name, "prefill") != NULL || strstr(name, "decode") != NULL)
		score -= 1;
	return score;
}

static int
label_is_error(const struct series *s)
{
	static const char *const keys[] = { "status", "code", "status_code",
	    "outcome", "result" };
	char v[64];
	size_t i, len;

	for (i = 0; i < ARRAY_LEN(keys); i++) {
		if (expo_label_get(s->labels, s->labels_len, keys[i], v,
		    sizeof v, &len) != 1)
			continue;
		if (v[0] == '5' || v[0] == '4' || strstr(v, "err") != NULL ||
		    strstr(v, "fail") != NULL || strcmp(v, "timeout") == 0)
			return 1;
	}
	return 0;
}

static int
is_request_counter(const char *m)
{
	static const char *const names[] = {
		"requests_total",			/* the agent, generic */
		"http_requests_total",
		"vllm:request_success_total",
		"nv_inference_request_success",
		"nv_inference_request_failure",
		"ts_inference_requests_total",
		"ray_serve_num_http_requests",
		"ray_serve_num_http_requests_total",
		"ray_serve_deployment_request_counter",
		"ray_serve_deployment_request_counter_total",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(names); i++) {
		if (strcmp(m, names[i]) == 0)
			return 1;
	}
	return ends_with(m, "_requests_total");
}

static int
is_error_counter(const char *m)
{
	if (strcmp(m, "nv_inference_request_failure") == 0)
		return 1;
	if (strncmp(m, "python_gc", 9) == 0 || strncmp(m, "scrape_", 7) == 0)
		return 0;
	return (strstr(m, "error") != NULL || strstr(m, "failure") != NULL ||
	    strstr(m, "exception") != NULL) &&
	    (ends_with(m, "_total") || ends_with(m, "_count") ||
	    strncmp(m, "ray_serve_", 10) == 0);
}

enum figure_role
figures_role(struct series *s)
{
	const char *m = s->metric;
	char v[64];
	size_t len;

	if (s->role_known)
		return s->role;
	s->role_known = 1;
	s->role = ROLE_NONE;
	s->role_scale = 1;
	if (ends_with(m, "_bucket") && is_latency_name(m) &&
	    expo_label_get(s->labels, s->labels_len, "le", v, sizeof v,
	    &len) == 1 && expo_parse_value(v, strlen(v), &s->role_arg) == 0) {
		s->role = ROLE_LAT_BUCKET;
		s->role_scale = name_scale(m);
		s->family_score = (int8_t)family_score(m);
	} else if (is_latency_name(m) && !ends_with(m, "_sum") &&
	    !ends_with(m, "_count") &&
	    expo_label_get(s->labels, s->labels_len, "quantile", v, sizeof v,
	    &len) == 1 && expo_parse_value(v, strlen(v), &s->role_arg) == 0) {
		s->role = ROLE_LAT_QUANTILE;
		s->role_scale = name_scale(m);
		s->family_score = (int8_t)family_score(m);
	} else if (is_request_counter(m)) {
		s->role = strcmp(m, "nv_inference_request_failure") == 0 ||
		    label_is_error(s) ? ROLE_REQUESTS_ERR : ROLE_REQUESTS;
	} else if (is_error_counter(m))
		s->role = ROLE_ERRORS;
	return s->role;
}

/* Increase of a counter over the window; -1 with fewer than two points. */
static int
window_increase(struct series *s, int64_t from, int64_t to, double *out)
{
	struct series_increase in;

	series_increase(s, from, to, &in);
	if (in.n < 2)
		return -1;
	*out = in.increase;
	return 0;
}

static int
same_family(const struct series *a, const struct series *b)
{
	return strcmp(a->metric, b->metric) == 0;
}

void
figures_compute(struct series_reg *reg, const uint32_t *idx, size_t n,
    int64_t now_ms, int64_t window_ms, struct worker_figures *out)
{
	struct stats_bucket b[MAX_BUCKETS];
	const struct series *fam = NULL, *qfam = NULL;
	double req = 0, reqerr = 0, err = 0, inc;
	int have_req = 0, have_reqerr = 0, have_err = 0;
	size_t i, j, nb = 0;
	int64_t from = now_ms - window_ms;

	out->req_rate = out->err_rate = out->p50_s = out->p99_s = NAN;

	for (i = 0; i < n; i++) {
		struct series *s = series_at(reg, idx[i]);

		if (s == NULL)
			continue;
		switch (figures_role(s)) {
		case ROLE_REQUESTS:
		case ROLE_REQUESTS_ERR:
			if (series_rate_window(s, now_ms, window_ms, &inc) != 0)
				break;
			req += inc;
			have_req = 1;
			if (s->role == ROLE_REQUESTS_ERR) {
				reqerr += inc;
				have_reqerr = 1;
			}
			break;
		case ROLE_ERRORS:
			if (series_rate_window(s, now_ms, window_ms, &inc) == 0) {
				err += inc;
				have_err = 1;
			}
			break;
		case ROLE_LAT_BUCKET:
			if (fam == NULL || s->family_score > fam->family_score)
				fam = s;
			break;
		case ROLE_LAT_QUANTILE:
			if (qfam == NULL || s->family_score > qfam->family_score)
				qfam = s;
			break;
		default:
			break;
		}
	}
	if (have_req)
		out->req_rate = req;
	/* failed requests are the error rate when the worker labels them;
	 * otherwise its error counters */
	if (have_reqerr)
		out->err_rate = reqerr;
	else if (have_err)
		out->err_rate = err;
	else if (have_req)
		out->err_rate = 0;

	if (fam != NULL) {
		/* sum by (le) across the family's other labels */
		for (i = 0; i < n; i++) {
			struct series *s = series_at(reg, idx[i]);

			if (s == NULL || s->role != ROLE_LAT_BUCKET ||
			    !same_family(s, fam))
				continue;
			if (window_increase(s, from, now_ms, &inc) != 0)
				continue;
			for (j = 0; j < nb; j++) {
				if (b[j].le == s->role_arg)
					break;
			}
			if (j == nb) {
				if (nb == MAX_BUCKETS)
					continue;
				b[nb].le = s->role_arg;
				b[nb++].count = 0;
			}
			b[j].count += inc;
		}
		stats_buckets_sort(b, nb);
		out->p50_s = stats_histogram_quantile(0.5, b, nb) *
		    fam->role_scale;
		out->p99_s = stats_histogram_quantile(0.99, b, nb) *
		    fam->role_scale;
	} else if (qfam != NULL) {
		/* summaries: the worst label set's quantile */
		for (i = 0; i < n; i++) {
			struct series *s = series_at(reg, idx[i]);
			double v;

			if (s == NULL || s->role != ROLE_LAT_QUANTILE ||
			    !same_family(s, qfam) || s->npoints == 0 ||
			    s->last_ms < from || isnan(s->last))
				continue;
			v = s->last * s->role_scale;
			if (s->role_arg == 0.5 &&
			    (isnan(out->p50_s) || v > out->p50_s))
				out->p50_s = v;
			if (s->role_arg == 0.99 &&
			    (isnan(out->p99_s) || v > out->p99_s))
				out->p99_s = v;
		}
	}
}

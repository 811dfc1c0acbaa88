/*
 * figures.h -- a worker's headline figures (request rate, error rate,
 * latency quantiles) derived from the series it exposes, whatever server
 * it is: the agent, prometheus_client defaults, vLLM, Triton, TorchServe,
 * Ray Serve, or any worker naming its metrics in the usual way.
 */
#ifndef MODELTOP_FIGURES_H
#define MODELTOP_FIGURES_H

#include <stddef.h>
#include <stdint.h>

#include "series.h"

struct worker_figures {
	double	req_rate;	/* requests per second; NAN unknown */
	double	err_rate;	/* errors per second; NAN unknown */
	double	p50_s, p99_s;	/* latency quantiles in seconds; NAN */
};

/* What a series is to the figures. */
enum figure_role {
	ROLE_NONE,
	ROLE_REQUESTS,		/* a request counter */
	ROLE_REQUESTS_ERR,	/* a request counter of failed requests */
	ROLE_ERRORS,		/* an error counter (not per request) */
	ROLE_LAT_BUCKET,	/* a latency histogram bucket (role_arg = le) */
	ROLE_LAT_QUANTILE,	/* a latency summary quantile (role_arg = q) */
};

/* Work out (once) and return the role of s from its name and labels. */
enum figure_role figures_role(struct series *s);

/* Compute the figures of one worker from its series (the registry
 * indexes in idx[0..n)) over [now_ms - window_ms, now_ms]: counters as
 * increases over the window (resets handled), quantiles from the window's
 * bucket increases (Prometheus's histogram_quantile over sum by (le)) or
 * from summary quantiles.  Never fails; unknown figures are NAN. */
void figures_compute(struct series_reg *reg, const uint32_t *idx, size_t n,
    int64_t now_ms, int64_t window_ms, struct worker_figures *out);

#endif

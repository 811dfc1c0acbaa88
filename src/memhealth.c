/*
 * memhealth.c -- RSS growth, leak verdict, time to the limit, risk.
 *
 * The points live in a ring written twice (at i and i + MEMHEALTH_POINTS)
 * so that the window is always one contiguous run, and the regression is
 * recomputed over it each update: two passes over at most 720 points,
 * exact, with no running sums to drift.
 */
#include "memhealth.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"
#include "units.h"
#include "util.h"

void
memhealth_init(struct memhealth *m, int64_t window_ms)
{
	memset(m, 0, sizeof *m);
	if (window_ms <= 0)
		window_ms = MEMHEALTH_WINDOW_DEFAULT_MS;
	m->window_ms = window_ms;
	m->spacing_ms = window_ms / MEMHEALTH_POINTS;
	memhealth_reset(m);
}

void
memhealth_reset(struct memhealth *m)
{
	m->start = m->n = 0;
	m->origin_ms = m->last_ms = 0;
	m->restarts = NAN;
}

const char *
memhealth_risk_name(int risk)
{
	static const char *names[] = { "low", "medium", "high", "critical" };

	if (risk < 0 || risk > RISK_CRITICAL)
		return "?";
	return names[risk];
}

const char *
memhealth_mitigation_name(int mitigation)
{
	static const char *names[] = { "none", "trim", "restart",
	    "raise-limit" };

	if (mitigation < 0 || mitigation > MITIGATE_RAISE_LIMIT)
		return "?";
	return names[mitigation];
}

static void
push(struct memhealth *m, int64_t ts_ms, double rss)
{
	int i;

	if (m->n == 0)
		m->origin_ms = ts_ms;
	if (m->n == MEMHEALTH_POINTS) {
		m->start = (m->start + 1) % MEMHEALTH_POINTS;
		m->n--;
	}
	i = (m->start + m->n) % MEMHEALTH_POINTS;
	m->t[i] = m->t[i + MEMHEALTH_POINTS] =
	    (double)(ts_ms - m->origin_ms) / 1000;
	m->v[i] = m->v[i + MEMHEALTH_POINTS] = rss;
	m->n++;
	m->last_ms = ts_ms;
}

/* Drop the points older than the window before now_s. */
static void
expire(struct memhealth *m, double now_s)
{
	double window_s = (double)m->window_ms / 1000;

	while (m->n > 0 && now_s - m->t[m->start] > window_s) {
		m->start = (m->start + 1) % MEMHEALTH_POINTS;
		m->n--;
	}
}

/* Formatting for the reason texts. */
static void
fmt_size(double bytes, char *buf, size_t len)
{
	char tmp[UNITS_FMT_MAX];

	if (!isfinite(bytes)) {
		snprintf(buf, len, "?");
		return;
	}
	units_format_size((uint64_t)llround(fabs(bytes)), tmp, sizeof tmp);
	snprintf(buf, len, "%s%s", bytes < 0 ? "-" : "", tmp);
}

static void
fmt_rate(double bps, char *buf, size_t len)
{
	char tmp[UNITS_FMT_MAX + 1];

	if (fabs(bps) >= 100 * 1024) {
		fmt_size(bps, tmp, sizeof tmp);
		snprintf(buf, len, "%s/s", tmp);
	} else {
		fmt_size(bps * 60, tmp, sizeof tmp);
		snprintf(buf, len, "%s/min", tmp);
	}
}

static void
fmt_dur(double s, char *buf, size_t len)
{
	if (isinf(s) && s > 0) {
		snprintf(buf, len, "never");
		return;
	}
	if (!isfinite(s) || s > 1e12) {
		snprintf(buf, len, "?");
		return;
	}
	units_format_duration((int64_t)llround(s * 1000), buf, len);
}

/* Append "; clause" (or the clause, at the start) when it fits whole. */
static void
add_clause(char *dst, size_t len, const char *clause)
{
	size_t used = strlen(dst), need = strlen(clause) + (used ? 2 : 0);

	if (clause[0] == '\0' || used + need >= len)
		return;
	snprintf(dst + used, len - used, "%s%s", used ? "; " : "", clause);
}

/* "[leak: ]RSS 410M is 91% of the 450M limit and growing 1.0M/s: limit in
 * ~40s (30s..55s)" and its shorter forms. */
static void
memory_clause(const struct memhealth_result *r, double limit, char *buf,
    size_t len)
{
	char rss[UNITS_FMT_MAX + 1], lim[UNITS_FMT_MAX + 1];
	char rate[UNITS_FMT_MAX + 8], t[UNITS_FMT_MAX], lo[UNITS_FMT_MAX];
	char hi[UNITS_FMT_MAX];
	int off;

	fmt_size(r->rss, rss, sizeof rss);
	if (isfinite(limit)) {
		fmt_size(limit, lim, sizeof lim);
		off = snprintf(buf, len, "%sRSS %s is %.0f%% of the %s limit",
		    r->leak ? "leak: " : "", rss, r->limit_pct, lim);
	} else
		off = snprintf(buf, len, "%sRSS %s (no limit set)",
		    r->leak ? "leak: " : "", rss);
	if (off < 0 || (size_t)off >= len)
		return;
	if (r->growing) {
		fmt_rate(r->slope, rate, sizeof rate);
		if (isfinite(r->ttl_s) && r->ttl_s > 0) {
			fmt_dur(r->ttl_s, t, sizeof t);
			fmt_dur(r->ttl_lo_s, lo, sizeof lo);
			fmt_dur(r->ttl_hi_s, hi, sizeof hi);
			snprintf(buf + off, len - off,
			    " and growing %s: limit in ~%s (%s..%s)", rate, t,
			    lo, hi);
		} else
			snprintf(buf + off, len - off, " and growing %s",
			    rate);
	} else if (isfinite(r->slope))
		snprintf(buf + off, len - off, ", not growing");
}

void
memhealth_update(struct memhealth *m, const struct memhealth_input *in,
    struct memhealth_result *out)
{
	struct stats_linreg lr;
	double limit, head, swap, min_span_s;
	int rss_ok, frag_high, swapping, near;
	char clause[200], a[UNITS_FMT_MAX + 8], b[UNITS_FMT_MAX + 8];
	char c[UNITS_FMT_MAX + 8];

	/* a restart or a clock stepping back: the history no longer fits */
	if (isfinite(in->restarts)) {
		if (isfinite(m->restarts) && in->restarts != m->restarts)
			memhealth_reset(m);
		m->restarts = in->restarts;
	}
	if (m->n > 0 && in->ts_ms < m->last_ms) {
		double restarts = m->restarts;
		memhealth_reset(m);
		m->restarts = restarts;
	}
	rss_ok = isfinite(in->rss) && in->rss >= 0;
	if (rss_ok && (m->n == 0 || in->ts_ms - m->last_ms >= m->spacing_ms))
		push(m, in->ts_ms, in->rss);
	if (m->n > 0)
		expire(m, (double)(in->ts_ms - m->origin_ms) / 1000);

	memset(out, 0, sizeof *out);
	out->rss = rss_ok ? in->rss : NAN;
	limit = isfinite(in->limit) && in->limit > 0 ? in->limit : NAN;
	out->limit_pct = 100 * out->rss / limit;
	out->points = m->n;
	out->span_s = m->n > 1 ? m->t[m->start + m->n - 1] - m->t[m->start] :
	    0;
	out->slope = out->slope_se = out->r2 = NAN;
	out->slope_lo = out->slope_hi = NAN;
	out->ttl_s = out->ttl_lo_s = out->ttl_hi_s = NAN;
	out->fragmentation = out->efficiency = NAN;

	/* growth */
	if (m->n >= MEMHEALTH_FIT_MIN_POINTS &&
	    out->span_s * 1000 >= MEMHEALTH_FIT_MIN_SPAN_MS &&
	    stats_linreg(&m->t[m->start], &m->v[m->start], m->n, &lr) == 0) {
		out->slope = lr.slope;
		out->slope_se = lr.slope_se;
		out->r2 = lr.r2;
		stats_linreg_slope_ci95(&lr, &out->slope_lo, &out->slope_hi);
	}
	out->growing = out->slope_lo > MEMHEALTH_LEAK_FLOOR;
	min_span_s = MEMHEALTH_LEAK_MIN_SPAN_MS / 1000.0;
	if (min_span_s > (double)m->window_ms / 2000)
		min_span_s = (double)m->window_ms / 2000;
	out->leak = out->growing && out->r2 >= MEMHEALTH_LEAK_MIN_R2 &&
	    m->n >= MEMHEALTH_LEAK_MIN_POINTS && out->span_s >= min_span_s;

	/* time to the limit: at slope_hi it comes soonest */
	if (isfinite(limit) && rss_ok) {
		head = limit - out->rss;
		if (head <= 0)
			out->ttl_s = out->ttl_lo_s = out->ttl_hi_s = 0;
		else if (out->growing) {
			out->ttl_s = head / out->slope;
			out->ttl_lo_s = head / out->slope_hi;
			out->ttl_hi_s = out->slope_lo > 0 ?
			    head / out->slope_lo : INFINITY;
		}
	}

	if (rss_ok && isfinite(in->allocated) && in->allocated > 0) {
		out->fragmentation = out->rss / in->allocated;
		out->efficiency = out->rss > 0 ?
		    100 * in->allocated / out->rss : 100;
		if (out->efficiency > 100)
			out->efficiency = 100;
	}
	frag_high = out->fragmentation > MEMHEALTH_FRAG_HIGH &&
	    out->rss >= MEMHEALTH_FRAG_MIN_RSS;
	swap = isfinite(in->swap) ? in->swap : 0;
	swapping = swap >= MEMHEALTH_SWAP_MIN;
	near = out->limit_pct >= MEMHEALTH_HIGH_PCT;

	/* risk */
	if (out->limit_pct >= MEMHEALTH_CRIT_PCT ||
	    out->ttl_hi_s < MEMHEALTH_CRIT_TTL_S)
		out->risk = RISK_CRITICAL;
	else if ((out->leak && out->ttl_s < MEMHEALTH_HIGH_TTL_S) || near)
		out->risk = RISK_HIGH;
	else if (out->leak || frag_high || swapping)
		out->risk = RISK_MEDIUM;
	else
		out->risk = RISK_LOW;

	/* the reason: what decided the risk first, then the rest */
	if (!rss_ok && m->n == 0) {
		snprintf(out->reason, sizeof out->reason, "no RSS sample");
	} else {
		char frag[160] = "", sw[64] = "", mem[200] = "";

		if (rss_ok)
			memory_clause(out, limit, mem, sizeof mem);
		else
			snprintf(mem, sizeof mem, "no RSS sample now");
		if (frag_high) {
			fmt_size(in->allocated, a, sizeof a);
			fmt_size(out->rss, b, sizeof b);
			snprintf(frag, sizeof frag, "fragmented heap: RSS %s "
			    "holds %s of live data (%.3gx)", b, a,
			    out->fragmentation);
		}
		if (swapping) {
			fmt_size(swap, a, sizeof a);
			snprintf(sw, sizeof sw, "%s in swap", a);
		}
		if (out->risk == RISK_MEDIUM && !out->leak && frag_high) {
			add_clause(out->reason, sizeof out->reason, frag);
			add_clause(out->reason, sizeof out->reason, sw);
			add_clause(out->reason, sizeof out->reason, mem);
		} else if (out->risk == RISK_MEDIUM && !out->leak) {
			add_clause(out->reason, sizeof out->reason, sw);
			add_clause(out->reason, sizeof out->reason, mem);
		} else {
			add_clause(out->reason, sizeof out->reason, mem);
			add_clause(out->reason, sizeof out->reason, frag);
			add_clause(out->reason, sizeof out->reason, sw);
		}
	}

	/* the ideal mitigation; the caller keeps it only when the worker
	 * has a matching action */
	out->mitigation = MITIGATE_NONE;
	clause[0] = '\0';
	if (out->leak) {
		out->mitigation = MITIGATE_RESTART;
		fmt_rate(out->slope, a, sizeof a);
		fmt_dur(out->span_s, b, sizeof b);
		snprintf(clause, sizeof clause, "restart: RSS grows %s with "
		    "confidence (R2 %.2f over %s); a leak is not "
		    "fragmentation, a trim would not return it", a, out->r2,
		    b);
	} else if (frag_high) {
		out->mitigation = MITIGATE_TRIM;
		fmt_size(out->rss - in->allocated, a, sizeof a);
		fmt_size(out->rss, b, sizeof b);
		snprintf(clause, sizeof clause, "trim: %s of the %s RSS is "
		    "free heap (fragmentation %.3gx) that malloc_trim can "
		    "return", a, b, out->fragmentation);
	} else if (near) {
		out->mitigation = MITIGATE_RAISE_LIMIT;
		fmt_size(out->rss, a, sizeof a);
		fmt_size(limit, b, sizeof b);
		if (out->growing) {
			fmt_rate(out->slope, c, sizeof c);
			snprintf(clause, sizeof clause, "raise the limit: RSS "
			    "%s is %.0f%% of the %s limit and grows %s, not "
			    "(yet) a leak", a, out->limit_pct, b, c);
		} else
			snprintf(clause, sizeof clause, "raise the limit: RSS "
			    "%s holds at %.0f%% of the %s limit without a "
			    "leak", a, out->limit_pct, b);
	}
	util_strlcpy(out->mitigation_text, clause,
	    sizeof out->mitigation_text);
}

/*
 * memhealth.c -- RSS growth, leak verdict, time to the limit, risk.
 *
 * The points live in a ring of MEMHEALTH_POINTS; AT() is the index of
 * the k-th oldest.  Their times are whole milliseconds after origin_ms,
 * which moves up to the oldest point (rebase) before a time would pass
 * what 32 bits hold: at most once in 24 days.  The regression comes
 * from running sums (O(1) per point added or dropped), re-centred on the
 * window's mean every MEMHEALTH_RECENTRE points so that rounding cannot
 * build up.  The texts are rebuilt only when a figure they show changes:
 * formatting costs more than all the arithmetic.
 */
#include "memhealth.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"
#include "units.h"
#include "util.h"

/* Re-centre the running sums after this many points. */
#define MEMHEALTH_RECENTRE	128
/* The latest time a point can have after origin_ms (t[] is 32-bit). */
#define MEMHEALTH_T_MAX_MS	INT32_MAX

void
memhealth_init(struct memhealth *m, int64_t window_ms)
{
	memset(m, 0, sizeof *m);
	if (window_ms <= 0)
		window_ms = MEMHEALTH_WINDOW_DEFAULT_MS;
	if (window_ms > MEMHEALTH_WINDOW_MAX_MS)
		window_ms = MEMHEALTH_WINDOW_MAX_MS;
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
	m->pushes = 0;
	stats_linsum_init(&m->sums, 0, 0);
	m->text_valid = 0;
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

/* The ring index of the k-th oldest point of the window. */
#define AT(m, k)	(((m)->start + (k)) % MEMHEALTH_POINTS)

/* The time of point i in seconds since origin_ms: the same double as
 * (ts_ms - origin_ms) / 1000. */
static inline double
t_at(const struct memhealth *m, int i)
{
	return (double)m->t[i] / 1000;
}

/* Sum the window again about its mean. */
static void
recentre(struct memhealth *m)
{
	double mt = 0, mv = 0;
	int k;

	for (k = 0; k < m->n; k++) {
		mt += t_at(m, AT(m, k));
		mv += m->v[AT(m, k)];
	}
	if (m->n > 0) {
		mt /= m->n;
		mv /= m->n;
	}
	stats_linsum_init(&m->sums, mt, mv);
	for (k = 0; k < m->n; k++)
		stats_linsum_add(&m->sums, t_at(m, AT(m, k)),
		    m->v[AT(m, k)]);
	m->pushes = 0;
}

static void
drop_oldest(struct memhealth *m)
{
	stats_linsum_remove(&m->sums, t_at(m, m->start), m->v[m->start]);
	m->start = (m->start + 1) % MEMHEALTH_POINTS;
	m->n--;
}

/* Drop the points older than the window before now_s. */
static void
expire(struct memhealth *m, double now_s)
{
	double window_s = (double)m->window_ms / 1000;

	while (m->n > 0 && now_s - t_at(m, m->start) > window_s)
		drop_oldest(m);
}

/* ts_ms is too far after origin_ms for t[]: drop what the window no
 * longer holds at ts_ms and count time from the oldest point left (the
 * window is short enough for ts_ms to fit then). */
static void
rebase(struct memhealth *m, int64_t ts_ms)
{
	int32_t shift;
	int k;

	expire(m, (double)(ts_ms - m->origin_ms) / 1000);
	if (m->n == 0)
		return;
	shift = m->t[m->start];
	for (k = 0; k < m->n; k++)
		m->t[AT(m, k)] -= shift;
	m->origin_ms += shift;
	recentre(m);
}

static void
push(struct memhealth *m, int64_t ts_ms, double rss)
{
	double t;
	int i;

	if (m->n > 0 && ts_ms - m->origin_ms > MEMHEALTH_T_MAX_MS)
		rebase(m, ts_ms);
	if (m->n == 0) {
		m->origin_ms = ts_ms;
		stats_linsum_init(&m->sums, 0, rss);
	}
	if (m->n == MEMHEALTH_POINTS)
		drop_oldest(m);
	i = AT(m, m->n);
	m->t[i] = (int32_t)(ts_ms - m->origin_ms);
	t = t_at(m, i);
	m->v[i] = rss;
	m->n++;
	m->last_ms = ts_ms;
	stats_linsum_add(&m->sums, t, rss);
	if (++m->pushes >= MEMHEALTH_RECENTRE)
		recentre(m);
}

/* Seconds until head bytes are filled at slope bytes/s (> 0). */
static double
ttl(double head, double slope)
{
	if (head <= 0)
		return 0;
	return head / slope;
}

/* Formatting for the reason texts. */
static void
fmt_size(double bytes, char *buf, size_t len)
{
	static const char next[] = "KMGT";
	char tmp[UNITS_FMT_MAX];
	double a = fabs(bytes), unit = 1;
	int i;

	if (!isfinite(bytes)) {
		snprintf(buf, len, "?");
		return;
	}
	/* "1.0M" rather than units_format_size's "1022K" */
	for (i = 0; i < 4; i++, unit *= 1024) {
		if (a >= 1000 * unit && a < 1024 * unit) {
			snprintf(buf, len, "%s%.1f%c", bytes < 0 ? "-" : "",
			    a / (1024 * unit), next[i]);
			return;
		}
	}
	units_format_size((uint64_t)llround(a), tmp, sizeof tmp);
	snprintf(buf, len, "%s%s", bytes < 0 ? "-" : "", tmp);
}

/* Bytes per second: "1.0M/s" from 512K/s up, "6.0M/min" below. */
static void
fmt_rate(double bps, char *buf, size_t len)
{
	char tmp[UNITS_FMT_MAX + 1];

	if (fabs(bps) >= 512 * 1024) {
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

/* What the texts are made from. */
struct texts {
	const struct memhealth_result *r;
	double	limit, allocated, swap;
	int	rss_ok, history, frag_high, swapping;
};

#define TEXT_KEYS 16

/* Keys of figures at (at least) the precision the texts show them with:
 * equal keys, equal strings.  quantise: 1 part in 8192. */
static int64_t
quantise(double x)
{
	double mant;
	int e;

	if (isnan(x))
		return INT64_MIN;
	if (isinf(x))
		return x > 0 ? INT64_MAX : INT64_MIN + 1;
	mant = frexp(x, &e);
	return (int64_t)e * 65536 + (int64_t)floor(mant * 8192);
}

/* A size as fmt_size shows it: the unit, then tenths below 9.95 and
 * whole numbers above (rounded as printf rounds). */
static int64_t
size_key(double bytes)
{
	double a = fabs(bytes);
	int64_t u = 0, k;

	if (!isfinite(bytes))
		return quantise(bytes);
	while (a >= 1000 && u < 4) {
		a /= 1024;
		u++;
	}
	k = a < 9.95 ? (int64_t)nearbyint(a * 10) :
	    100000 + (int64_t)nearbyint(a);
	return (bytes < 0 ? -1 : 1) * (u << 40 | k);
}

/* A ratio as "%.3g" shows it: three significant digits. */
static int64_t
sig3_key(double x)
{
	int e;

	if (!isfinite(x) || x == 0)
		return quantise(x);
	e = (int)floor(log10(fabs(x)));
	return (int64_t)e * 10000 + (int64_t)nearbyint(x / pow(10, e - 2));
}

/* A duration as fmt_dur shows it. */
static int64_t
dur_key(double s)
{
	int64_t ms;

	if (!isfinite(s) || s > 1e12)
		return quantise(s);
	ms = llround(s * 1000);
	if (ms < 10000)
		return ms / 100;
	if (ms < 3600000)
		return 1000000 + ms / 1000;
	if (ms < 86400000)
		return 2000000000 + ms / 60000;
	return 3000000000LL + ms / 3600000;
}

/* Everything the texts show, at their precision, and nothing else. */
static void
text_key(const struct texts *tx, int64_t *key)
{
	const struct memhealth_result *r = tx->r;

	memset(key, 0, TEXT_KEYS * sizeof key[0]);
	key[0] = tx->rss_ok | tx->history << 1 | r->leak << 2 |
	    r->growing << 3 | tx->frag_high << 4 | tx->swapping << 5 |
	    isfinite(r->slope) << 6 | (int64_t)r->risk << 8 |
	    (int64_t)r->mitigation << 12;
	if (!tx->rss_ok)
		return;
	key[1] = size_key(r->rss);
	key[2] = size_key(tx->limit);
	key[3] = isfinite(r->limit_pct) ?
	    (int64_t)nearbyint(r->limit_pct) : INT64_MIN;
	if (r->growing || r->mitigation == MITIGATE_RESTART) {
		key[4] = fabs(r->slope) >= 512 * 1024 ? size_key(r->slope) :
		    -size_key(r->slope * 60);
		key[5] = dur_key(r->ttl_s);
		key[6] = dur_key(r->ttl_lo_s);
		key[7] = dur_key(r->ttl_hi_s);
	}
	if (tx->frag_high) {
		key[8] = size_key(tx->allocated);
		key[9] = sig3_key(r->fragmentation);
		key[10] = size_key(r->rss - tx->allocated);
	}
	if (tx->swapping)
		key[11] = size_key(tx->swap);
	if (r->mitigation == MITIGATE_RESTART) {
		key[12] = isfinite(r->r2) ? (int64_t)nearbyint(r->r2 * 100) :
		    INT64_MIN;
		key[13] = dur_key(r->span_s);
	}
}

/* The reason (what decided the risk first, then the rest) and the
 * mitigation text. */
static void
texts_build(const struct texts *tx, char *reason, size_t rlen, char *mit,
    size_t mlen)
{
	const struct memhealth_result *r = tx->r;
	char frag[160] = "", sw[64] = "", mem[200] = "", tmp[512];
	char a[UNITS_FMT_MAX + 8], b[UNITS_FMT_MAX + 8];
	char c[UNITS_FMT_MAX + 8];

	reason[0] = '\0';
	if (!tx->rss_ok && !tx->history)
		snprintf(reason, rlen, "no RSS sample");
	else {
		if (tx->rss_ok)
			memory_clause(r, tx->limit, mem, sizeof mem);
		else
			snprintf(mem, sizeof mem, "no RSS sample now");
		if (tx->frag_high) {
			fmt_size(tx->allocated, a, sizeof a);
			fmt_size(r->rss, b, sizeof b);
			snprintf(frag, sizeof frag, "fragmented heap: RSS %s "
			    "holds %s of live data (%.3gx)", b, a,
			    r->fragmentation);
		}
		if (tx->swapping) {
			fmt_size(tx->swap, a, sizeof a);
			snprintf(sw, sizeof sw, "%s in swap", a);
		}
		if (r->risk == RISK_MEDIUM && !r->leak && tx->frag_high) {
			add_clause(reason, rlen, frag);
			add_clause(reason, rlen, sw);
			add_clause(reason, rlen, mem);
		} else if (r->risk == RISK_MEDIUM && !r->leak) {
			add_clause(reason, rlen, sw);
			add_clause(reason, rlen, mem);
		} else {
			add_clause(reason, rlen, mem);
			add_clause(reason, rlen, frag);
			add_clause(reason, rlen, sw);
		}
	}

	tmp[0] = '\0';
	switch (r->mitigation) {
	case MITIGATE_RESTART:
		fmt_rate(r->slope, a, sizeof a);
		fmt_dur(r->span_s, b, sizeof b);
		snprintf(tmp, sizeof tmp, "restart: RSS grows %s with confidence "
		    "(R2 %.2f over %s); a leak is not fragmentation, a trim "
		    "would not return it", a, r->r2, b);
		break;
	case MITIGATE_TRIM:
		fmt_size(r->rss - tx->allocated, a, sizeof a);
		fmt_size(r->rss, b, sizeof b);
		snprintf(tmp, sizeof tmp, "trim: %s of the %s RSS is free heap "
		    "(fragmentation %.3gx) that malloc_trim can return", a, b,
		    r->fragmentation);
		break;
	case MITIGATE_RAISE_LIMIT:
		fmt_size(r->rss, a, sizeof a);
		fmt_size(tx->limit, b, sizeof b);
		if (r->growing) {
			fmt_rate(r->slope, c, sizeof c);
			snprintf(tmp, sizeof tmp, "raise the limit: RSS %s is %.0f%% "
			    "of the %s limit and grows %s, not (yet) a leak",
			    a, r->limit_pct, b, c);
		} else
			snprintf(tmp, sizeof tmp, "raise the limit: RSS %s holds at "
			    "%.0f%% of the %s limit without a leak", a,
			    r->limit_pct, b);
		break;
	case MITIGATE_NONE:
		break;
	}
	/* the texts fit; should one not, it is cut, never overrun */
	util_strlcpy(mit, tmp, mlen);
}

void
memhealth_update(struct memhealth *m, const struct memhealth_input *in,
    struct memhealth_result *out)
{
	struct stats_linreg lr;
	double limit, swap, min_span_s;
	int rss_ok, frag_high, swapping, near;
	struct texts tx;
	int64_t key[TEXT_KEYS];

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
	out->span_s = m->n > 1 ? t_at(m, AT(m, m->n - 1)) -
	    t_at(m, m->start) : 0;
	out->slope = out->slope_se = out->r2 = NAN;
	out->slope_lo = out->slope_hi = NAN;
	out->ttl_s = out->ttl_lo_s = out->ttl_hi_s = NAN;
	out->fragmentation = out->efficiency = NAN;

	/* growth */
	if (m->n >= MEMHEALTH_FIT_MIN_POINTS &&
	    out->span_s * 1000 >= MEMHEALTH_FIT_MIN_SPAN_MS &&
	    stats_linsum_fit(&m->sums, t_at(m, m->start), &lr) == 0) {
		out->slope = lr.slope;
		out->slope_se = lr.slope_se;
		out->r2 = lr.r2;
		stats_linreg_slope_ci95(&lr, &out->slope_lo, &out->slope_hi);
	}
	/* growth with confidence, on enough data: the slope's lower bound
	 * above the floor and a line that explains the points at least
	 * somewhat; a leak when it explains them well */
	min_span_s = MEMHEALTH_LEAK_MIN_SPAN_MS / 1000.0;
	if (min_span_s > (double)m->window_ms / 2000)
		min_span_s = (double)m->window_ms / 2000;
	out->growing = out->slope_lo > MEMHEALTH_LEAK_FLOOR &&
	    out->r2 >= MEMHEALTH_GROW_MIN_R2 &&
	    m->n >= MEMHEALTH_LEAK_MIN_POINTS && out->span_s >= min_span_s;
	out->leak = out->growing && out->r2 >= MEMHEALTH_LEAK_MIN_R2;

	/* time to the limit, from the regression line's value now (less
	 * noisy than the last sample): soonest with the line's upper
	 * bound now and slope_hi, latest with its lower bound and slope_lo */
	if (isfinite(limit) && rss_ok) {
		if (out->rss >= limit)
			out->ttl_s = out->ttl_lo_s = out->ttl_hi_s = 0;
		else if (out->growing) {
			double tn = t_at(m, AT(m, m->n - 1)), dt, level, w;

			dt = tn - lr.t_mean;
			level = lr.intercept + lr.slope * (tn - lr.t_first);
			w = stats_t975(m->n - 2) * lr.resid_sd *
			    sqrt(1.0 / m->n + dt * dt / lr.sxx);
			out->ttl_s = ttl(limit - level, out->slope);
			out->ttl_lo_s = ttl(limit - level - w, out->slope_hi);
			out->ttl_hi_s = ttl(limit - level + w, out->slope_lo);
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

	/* the ideal mitigation; the caller keeps it only when the worker
	 * has a matching action */
	if (out->leak)
		out->mitigation = MITIGATE_RESTART;
	else if (frag_high)
		out->mitigation = MITIGATE_TRIM;
	else if (near)
		out->mitigation = MITIGATE_RAISE_LIMIT;
	else
		out->mitigation = MITIGATE_NONE;

	tx.r = out;
	tx.limit = limit;
	tx.allocated = in->allocated;
	tx.swap = swap;
	tx.rss_ok = rss_ok;
	tx.history = m->n > 0;
	tx.frag_high = frag_high;
	tx.swapping = swapping;
	text_key(&tx, key);
	if (!m->text_valid || memcmp(key, m->text_key, sizeof key) != 0) {
		texts_build(&tx, m->reason, sizeof m->reason,
		    m->mitigation_text, sizeof m->mitigation_text);
		memcpy(m->text_key, key, sizeof key);
		m->text_valid = 1;
	}
	memcpy(out->reason, m->reason, sizeof out->reason);
	memcpy(out->mitigation_text, m->mitigation_text,
	    sizeof out->mitigation_text);
}

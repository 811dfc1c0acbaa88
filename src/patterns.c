/*
 * patterns.c -- error pattern analysis: per group counts, MTBF, MTTR, and
 * recurring errors, over an array of incidents.
 *
 * Both functions sort an array of indices by (group key, opening time)
 * and walk the runs of equal keys once.
 */
#include "patterns.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define HOUR_MS	(3600 * 1000LL)
#define DAY_MS	(24 * HOUR_MS)

struct sortctx {
	const struct incident	*v;
	enum pattern_by		 by;
};

/* Views from the tracker never hold NULL; arrays built by hand may. */
static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/* b - a, saturated: times from a damaged recording may be anything. */
static int64_t
span(int64_t a, int64_t b)
{
	int64_t d;

	if (__builtin_sub_overflow(b, a, &d))
		return b > a ? INT64_MAX : INT64_MIN;
	return d;
}

static int
cmp64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Compare the group keys of a and b. */
static int
cmp_key(const struct incident *a, const struct incident *b,
    enum pattern_by by)
{
	int c = 0;

	if (by == PATTERN_BY_WORKER || by == PATTERN_BY_PAIR)
		c = strcmp(nz(a->worker), nz(b->worker));
	if (c == 0 && (by == PATTERN_BY_CLASS || by == PATTERN_BY_PAIR))
		c = strcmp(nz(a->cls), nz(b->cls));
	return c;
}

static int
cmp_group(const void *pa, const void *pb, void *arg)
{
	const struct sortctx *sc = arg;
	const struct incident *a = &sc->v[*(const size_t *)pa];
	const struct incident *b = &sc->v[*(const size_t *)pb];
	int c = cmp_key(a, b, sc->by);

	if (c == 0)
		c = cmp64(a->opened_ms, b->opened_ms);
	if (c == 0)
		c = cmp64(a->id, b->id);
	return c;
}

static int
cmp_result(const void *pa, const void *pb)
{
	const struct pattern_group *a = pa, *b = pb;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	c = strcmp(a->worker != NULL ? a->worker : "",
	    b->worker != NULL ? b->worker : "");
	if (c == 0)
		c = strcmp(a->cls != NULL ? a->cls : "",
		    b->cls != NULL ? b->cls : "");
	return c;
}

static size_t *
sorted_indices(const struct incident *v, size_t n,
    int (*cmp)(const void *, const void *, void *), void *arg)
{
	size_t *ix = xmalloc(n * sizeof *ix), i;

	for (i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof *ix, cmp, arg);
	return ix;
}

/* The figures of the run ix[0..m) of one group. */
static void
group_figures(const struct incident *v, const size_t *ix, size_t m,
    enum pattern_by by, int64_t now_ms, struct pattern_group *g)
{
	const struct incident *p;
	double ttr = 0;
	size_t i;

	memset(g, 0, sizeof *g);
	p = &v[ix[0]];
	if (by == PATTERN_BY_WORKER || by == PATTERN_BY_PAIR)
		g->worker = nz(p->worker);
	if (by == PATTERN_BY_CLASS || by == PATTERN_BY_PAIR)
		g->cls = nz(p->cls);
	g->count = (int)m;
	g->first_ms = p->opened_ms;
	g->last_ms = v[ix[m - 1]].opened_ms;
	for (i = 0; i < m; i++) {
		p = &v[ix[i]];
		if (p->opened_ms <= now_ms && span(p->opened_ms, now_ms) <=
		    HOUR_MS)
			g->count_hour++;
		if (p->opened_ms <= now_ms && span(p->opened_ms, now_ms) <=
		    DAY_MS)
			g->count_day++;
		if (p->count > 0)
			g->triggers = p->count > INT_MAX - g->triggers ?
			    INT_MAX : g->triggers + p->count;
		if (p->open)
			g->open++;
		else {
			g->resolved++;
			ttr += (double)p->resolved_ms - (double)p->opened_ms;
		}
	}
	/* consecutive gaps of sorted openings sum to last - first */
	g->mtbf_ms = m >= 2 ? ((double)g->last_ms - (double)g->first_ms) /
	    (double)(m - 1) : NAN;
	g->mttr_ms = g->resolved > 0 ? ttr / g->resolved : NAN;
}

size_t
patterns_group(const struct incident *v, size_t n, enum pattern_by by,
    int64_t now_ms, struct pattern_group **out)
{
	struct sortctx sc = { v, by };
	struct pattern_group *g = NULL;
	size_t *ix, i, j, ng = 0, cap = 0;

	*out = NULL;
	if (n == 0)
		return 0;
	ix = sorted_indices(v, n, cmp_group, &sc);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && cmp_key(&v[ix[i]], &v[ix[j]], by) == 0;
		    j++)
			;
		g = xgrow(g, &cap, ng + 1, sizeof *g);
		group_figures(v, ix + i, j - i, by, now_ms, &g[ng++]);
	}
	free(ix);
	qsort(g, ng, sizeof *g, cmp_result);
	*out = g;
	return ng;
}

/* Recurring errors: the same worker and signature, or, without a
 * signature, the same worker, class and exception type. */
static int
cmp_rkey(const struct incident *a, const struct incident *b)
{
	int c = strcmp(nz(a->worker), nz(b->worker));

	if (c == 0)
		c = (a->signature != 0) - (b->signature != 0);
	if (c == 0 && a->signature != 0)
		c = a->signature < b->signature ? -1 :
		    a->signature > b->signature;
	if (c == 0 && a->signature == 0) {
		c = strcmp(nz(a->cls), nz(b->cls));
		if (c == 0)
			c = strcmp(nz(a->exc_type), nz(b->exc_type));
	}
	return c;
}

static int
cmp_recur(const void *pa, const void *pb, void *arg)
{
	const struct incident *v = arg;
	const struct incident *a = &v[*(const size_t *)pa];
	const struct incident *b = &v[*(const size_t *)pb];
	int c = cmp_rkey(a, b);

	if (c == 0)
		c = cmp64(a->opened_ms, b->opened_ms);
	if (c == 0)
		c = cmp64(a->id, b->id);
	return c;
}

static int
cmp_recur_result(const void *pa, const void *pb)
{
	const struct pattern_recurring *a = pa, *b = pb;
	int c;

	if (a->recurrences != b->recurrences)
		return a->recurrences > b->recurrences ? -1 : 1;
	if (a->last_ms != b->last_ms)
		return a->last_ms > b->last_ms ? -1 : 1;
	c = strcmp(a->worker, b->worker);
	return c != 0 ? c : strcmp(a->cls, b->cls);
}

size_t
patterns_recurring(const struct incident *v, size_t n,
    struct pattern_recurring **out)
{
	struct pattern_recurring *r = NULL, *p;
	const struct incident *x;
	size_t *ix, i, j, k, nr = 0, cap = 0;
	int64_t min_resolved;
	int rec;

	*out = NULL;
	if (n == 0)
		return 0;
	ix = sorted_indices(v, n, cmp_recur, (void *)v);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && cmp_rkey(&v[ix[i]], &v[ix[j]]) == 0;
		    j++)
			;
		/* an opening counts when an earlier one was resolved by then */
		rec = 0;
		min_resolved = INT64_MAX;
		x = NULL;
		for (k = i; k < j; k++) {
			const struct incident *c = &v[ix[k]];

			if (min_resolved <= c->opened_ms) {
				rec++;
				x = c;
			}
			if (!c->open && c->resolved_ms < min_resolved)
				min_resolved = c->resolved_ms;
		}
		if (rec == 0)
			continue;
		r = xgrow(r, &cap, nr + 1, sizeof *r);
		p = &r[nr++];
		p->worker = nz(x->worker);
		p->cls = nz(x->cls);
		p->exc_type = nz(x->exc_type);
		p->exc_message = nz(x->exc_message);
		p->signature = x->signature;
		p->occurrences = (int)(j - i);
		p->recurrences = rec;
		p->first_ms = v[ix[i]].opened_ms;
		p->last_ms = x->opened_ms;
		p->last_id = x->id;
	}
	free(ix);
	if (nr > 0)
		qsort(r, nr, sizeof *r, cmp_recur_result);
	*out = r;
	return nr;
}

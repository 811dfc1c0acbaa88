/*
 * rules.c -- threshold rules with hysteresis.
 *
 * Each rule's expression is parsed once (rules_new).  Per worker, the
 * series each rule reads are found once by scanning the worker's series
 * and cached as registry indexes; they are looked for again only when
 * the worker's series count changes (the engine only ever appends).  A
 * tick then costs, per rule, one pass over the cached series and no
 * allocation.
 *
 * States per (rule, worker):
 *
 *   inactive --cond--> pending --cond for `for`--> firing
 *      ^                  |                          |
 *      +---- not cond ----+                          |
 *      +---- back past threshold - margin, ----------+
 *            or not cond for `clear_after`
 *
 * With `for` = 0 a rule goes straight from inactive to firing.
 */
#include "rules.h"

#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "stats.h"
#include "units.h"
#include "util.h"

enum op { OP_VALUE, OP_RATE, OP_QUANTILE };

enum unit { UNIT_PLAIN, UNIT_BYTES, UNIT_BYTES_RATE, UNIT_SECONDS,
    UNIT_PERCENT, UNIT_RATE };

enum state { ST_INACTIVE, ST_PENDING, ST_FIRING };

/* One k="v" of a selector; v unescaped, with its length. */
struct matcher {
	char		*key;
	char		*val;
	size_t		 val_len;
};

/* A parsed expression. */
struct rexpr {
	enum op		 op;
	double		 q;		/* OP_QUANTILE */
	char		*name;		/* the metric; the family for quantile */
	char		*bucket;	/* OP_QUANTILE: family + "_bucket" */
	struct matcher	*m;
	size_t		 nm;
};

/* A rule as evaluated. */
struct rrule {
	const struct cfg_rule *cfg;
	struct rexpr	 e;
	int		 ok;		/* the expression parsed */
	int		 above;		/* else below */
	double		 thr;
	double		 margin;	/* absolute */
	int		 builtin;
	enum unit	 unit;
	const char	*label;		/* human name, static or the metric text */
};

/* The state of one rule on one worker. */
struct rstate {
	int		 applies;
	/* matching series, resolved from the worker's series list */
	uint32_t	*idx;
	size_t		 n, cap;
	/* OP_QUANTILE from a histogram: idx[i] adds to b[slot[i]] */
	int		 summary;
	size_t		*slot;
	size_t		 slotcap;
	struct stats_bucket *b;
	size_t		 nb, bcap;

	enum state	 st;
	int64_t		 cond_ms;	/* the condition started */
	int64_t		 fired_ms;
	int64_t		 back_ms;	/* firing, back past the threshold
					 * since; -1 when not */
	double		 value;		/* latest known, NAN none */
	int		 reported;	/* "not exposed" said */
};

struct rworker {
	char		*name;
	uint32_t	 hash;
	uint32_t	 worker;
	int		 resolved;
	size_t		 nseries;	/* the count resolved against */
	int		 scraped;	/* holds series of its own /metrics */
	int64_t		 first_ms;
	struct rstate	*rs;		/* one per rule */
	struct rworker	*hnext;
};

struct rules {
	const struct config *cfg;
	struct rrule	*r;
	size_t		 nr;
	struct rworker	**w;		/* in the order first seen */
	size_t		 nw, capw;
	struct rworker	**hash;
	size_t		 nbuckets;	/* a power of two */
	char		*scratch;	/* for label values */
	size_t		 scratchlen;
};

/* ------------------------------------------------------------------ */
/* Built-in figures */

static const struct {
	const char	*name;
	int		 counter;
	const char	*label;		/* for event texts; NULL: the name */
} builtins[] = {
	{ "up", 0, NULL },
	{ "proc_cpu_percent", 0, "CPU" },
	{ "proc_rss_bytes", 0, "RSS" },
	{ "proc_pss_bytes", 0, "PSS" },
	{ "proc_swap_bytes", 0, "swap" },
	{ "proc_threads", 0, "threads" },
	{ "proc_fds", 0, "open files" },
	{ "proc_read_bytes", 1, NULL },
	{ "proc_write_bytes", 1, NULL },
	{ "proc_restarts", 1, "restarts" },
	{ "gpu_memory_bytes", 0, "GPU memory" },
	{ "memory_limit_bytes", 0, "memory limit" },
	{ "scrape_errors", 1, "scrape errors" },
	{ "scrape_duration_seconds", 0, "scrape time" },
	{ "requests_per_second", 0, "request rate" },
	{ "errors_per_second", 0, "error rate" },
	{ "latency_p50_seconds", 0, "p50 latency" },
	{ "latency_p99_seconds", 0, "p99 latency" },
	{ "memory_growth_bytes_per_second", 0, "memory growth" },
	{ "memory_leak", 0, "leak verdict" },
	{ "memory_time_to_limit_seconds", 0, "time to memory limit" },
	{ "memory_fragmentation_ratio", 0, "fragmentation" },
	{ "memory_efficiency_percent", 0, "memory efficiency" },
	{ "memory_risk_level", 0, "memory risk level" },
	{ "anomaly_score", 0, NULL },
};

static int
builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(builtins); i++) {
		if (strcmp(builtins[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

int
rules_builtin(const char *name)
{
	return builtin_find(name) >= 0;
}

/* Names that only modeltop itself produces. */
static int
own_namespace(const char *name)
{
	static const char *const prefixes[] = { "proc_", "memory_", "gpu_",
	    "scrape_", "anomaly_", "latency_p", "requests_per_second",
	    "errors_per_second" };
	size_t i;

	if (strcmp(name, "up") == 0)
		return 1;
	for (i = 0; i < ARRAY_LEN(prefixes); i++) {
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	}
	return 0;
}

static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, tmp, best;
	size_t row[64];

	if (lb >= ARRAY_LEN(row) || la >= 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

/* The built-in a mistyped name most likely meant, or NULL. */
static const char *
builtin_suggest(const char *name)
{
	const char *best = NULL;
	size_t i, d, bestd = SIZE_MAX, len = strlen(name);

	/* A cut-off name (proc_rss) is the clearest case. */
	for (i = 0; i < ARRAY_LEN(builtins); i++) {
		if (strncmp(builtins[i].name, name, len) == 0 &&
		    (best == NULL || strlen(builtins[i].name) < strlen(best)))
			best = builtins[i].name;
	}
	if (best != NULL)
		return best;
	for (i = 0; i < ARRAY_LEN(builtins); i++) {
		d = edit_distance(name, builtins[i].name);
		if (d < bestd) {
			bestd = d;
			best = builtins[i].name;
		}
	}
	if (best != NULL && (bestd <= 3 || bestd <= len / 3))
		return best;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Expressions */

struct lexer {
	const char	*start, *p;
	char		*err;
	size_t		 errlen;
};

static int __attribute__((format(printf, 3, 4)))
lex_fail(struct lexer *lx, int rc, const char *fmt, ...)
{
	va_list ap;

	if (lx->err != NULL && lx->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(lx->err, lx->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int
column(const struct lexer *lx)
{
	return (int)(lx->p - lx->start) + 1;
}

static void
skip_ws(struct lexer *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
}

/* What is at the current position, for messages. */
static int
unexpected(struct lexer *lx, const char *wanted)
{
	if (*lx->p == '\0')
		return lex_fail(lx, RULES_EXPR_SYNTAX, "%s at the end",
		    wanted);
	if (isprint((unsigned char)*lx->p))
		return lex_fail(lx, RULES_EXPR_SYNTAX, "unexpected '%c' at "
		    "column %d: %s", *lx->p, column(lx), wanted);
	return lex_fail(lx, RULES_EXPR_SYNTAX, "unexpected byte 0x%02x at "
	    "column %d: %s", (unsigned char)*lx->p, column(lx), wanted);
}

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), or a label name without
 * colons; NULL when there is none at the current position. */
static char *
lex_name(struct lexer *lx, int colons)
{
	const char *s = lx->p;
	char *name;

	if (!isalpha((unsigned char)*s) && *s != '_' && !(colons && *s == ':'))
		return NULL;
	for (s++; isalnum((unsigned char)*s) || *s == '_' ||
	    (colons && *s == ':'); s++)
		;
	name = xstrndup(lx->p, (size_t)(s - lx->p));
	lx->p = s;
	return name;
}

/* "..." with \\ \" \n escapes, unescaped into b. */
static int
lex_string(struct lexer *lx, struct buf *b)
{
	int col = column(lx);

	if (*lx->p != '"')
		return unexpected(lx, "expected a quoted label value");
	for (lx->p++; *lx->p != '"'; lx->p++) {
		if (*lx->p == '\0')
			return lex_fail(lx, RULES_EXPR_SYNTAX, "unterminated "
			    "label value starting at column %d", col);
		if (*lx->p == '\\') {
			lx->p++;
			if (*lx->p == 'n')
				buf_addc(b, '\n');
			else if (*lx->p == '\\' || *lx->p == '"')
				buf_addc(b, *lx->p);
			else
				return lex_fail(lx, RULES_EXPR_SYNTAX, "bad "
				    "escape at column %d: only \\\\, \\\" and "
				    "\\n", column(lx) - 1);
			continue;
		}
		buf_addc(b, *lx->p);
	}
	lx->p++;
	buf_reserve(b, 0);
	return 0;
}

static void
expr_free(struct rexpr *e)
{
	size_t i;

	for (i = 0; i < e->nm; i++) {
		free(e->m[i].key);
		free(e->m[i].val);
	}
	free(e->m);
	free(e->name);
	free(e->bucket);
	memset(e, 0, sizeof *e);
}

/* NAME or NAME{k="v",...}. */
static int
lex_selector(struct lexer *lx, struct rexpr *e)
{
	struct buf v = {0};
	size_t cap = 0, i;
	char *key;
	int rc, col;

	skip_ws(lx);
	if ((e->name = lex_name(lx, 1)) == NULL)
		return unexpected(lx, "expected a metric name");
	skip_ws(lx);
	if (*lx->p != '{')
		return 0;
	lx->p++;
	for (;;) {
		skip_ws(lx);
		if (*lx->p == '}')
			break;
		col = column(lx);
		if ((key = lex_name(lx, 0)) == NULL)
			return unexpected(lx, "expected a label name or '}'");
		for (i = 0; i < e->nm; i++) {
			if (strcmp(e->m[i].key, key) == 0) {
				free(key);
				return lex_fail(lx, RULES_EXPR_SYNTAX, "label "
				    "%s repeated at column %d", e->m[i].key,
				    col);
			}
		}
		e->m = xgrow(e->m, &cap, e->nm + 1, sizeof *e->m);
		e->m[e->nm].key = key;
		e->m[e->nm].val = NULL;
		e->nm++;
		skip_ws(lx);
		if (*lx->p == '!' || (*lx->p == '=' && lx->p[1] == '~'))
			return lex_fail(lx, RULES_EXPR_SYNTAX, "only exact "
			    "label matches (k=\"v\") are supported, at "
			    "column %d", column(lx));
		if (*lx->p != '=')
			return unexpected(lx, "expected '=' after the label "
			    "name");
		lx->p++;
		skip_ws(lx);
		buf_clear(&v);
		if ((rc = lex_string(lx, &v)) != 0) {
			buf_free(&v);
			return rc;
		}
		e->m[e->nm - 1].val_len = v.len;
		e->m[e->nm - 1].val = buf_detach(&v);
		skip_ws(lx);
		if (*lx->p == ',') {
			lx->p++;
			continue;
		}
		if (*lx->p != '}')
			return unexpected(lx, "expected ',' or '}'");
		break;
	}
	lx->p++;
	buf_free(&v);
	return 0;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Parse expr into *e (overwritten; expr_free it whatever the result). */
static int
expr_parse(const char *expr, struct rexpr *e, char *err, size_t errlen)
{
	struct lexer lx = { expr, expr, err, errlen };
	const char *save, *qs;
	char *fn, num[64];
	int rc, b;
	size_t i, n;

	memset(e, 0, sizeof *e);
	e->op = OP_VALUE;
	skip_ws(&lx);
	if (*lx.p == '\0')
		return lex_fail(&lx, RULES_EXPR_SYNTAX, "empty");
	save = lx.p;
	if ((fn = lex_name(&lx, 1)) == NULL)
		return unexpected(&lx, "expected a metric name, rate( or "
		    "quantile(");
	skip_ws(&lx);
	if (*lx.p == '(') {
		if (strcmp(fn, "rate") == 0)
			e->op = OP_RATE;
		else if (strcmp(fn, "quantile") == 0)
			e->op = OP_QUANTILE;
		else {
			lx.p = save;
			rc = lex_fail(&lx, RULES_EXPR_SYNTAX, "unknown "
			    "function %s() at column %d: expected rate() or "
			    "quantile()", fn, column(&lx));
			free(fn);
			return rc;
		}
		free(fn);
		lx.p++;
		if (e->op == OP_QUANTILE) {
			skip_ws(&lx);
			qs = lx.p;
			while (*lx.p != '\0' && *lx.p != ',' && *lx.p != ')' &&
			    *lx.p != ' ' && *lx.p != '\t')
				lx.p++;
			n = (size_t)(lx.p - qs);
			if (n == 0 || n >= sizeof num)
				return unexpected(&lx, "expected a quantile "
				    "like 0.99");
			memcpy(num, qs, n);
			num[n] = '\0';
			if (units_parse_number(num, &e->q) == -1) {
				lx.p = qs;
				return lex_fail(&lx, RULES_EXPR_SYNTAX,
				    "expected a quantile like 0.99 at column "
				    "%d (got \"%s\")", column(&lx), num);
			}
			skip_ws(&lx);
			if (*lx.p != ',')
				return unexpected(&lx, "expected ',' after "
				    "the quantile");
			lx.p++;
		}
		if ((rc = lex_selector(&lx, e)) != 0)
			return rc;
		skip_ws(&lx);
		if (*lx.p != ')')
			return unexpected(&lx, "expected ')'");
		lx.p++;
	} else {
		free(fn);
		lx.p = save;
		if ((rc = lex_selector(&lx, e)) != 0)
			return rc;
	}
	skip_ws(&lx);
	if (*lx.p != '\0')
		return unexpected(&lx, e->op == OP_VALUE && e->nm == 0 ?
		    "expected a metric name, NAME{label=\"value\"}, "
		    "rate(NAME) or quantile(Q, NAME)" : "expected the end");

	/* What it means. */
	b = builtin_find(e->name);
	if (own_namespace(e->name) && b < 0) {
		const char *s = builtin_suggest(e->name);

		if (s != NULL)
			return lex_fail(&lx, RULES_EXPR_MEANING, "unknown "
			    "metric %s (did you mean %s?)", e->name, s);
		return lex_fail(&lx, RULES_EXPR_MEANING, "unknown metric %s: "
		    "names starting like this are modeltop's own figures "
		    "(see docs/rules.md)", e->name);
	}
	if (e->op == OP_RATE && b >= 0 && !builtins[b].counter)
		return lex_fail(&lx, RULES_EXPR_MEANING, "rate(%s): %s is a "
		    "gauge, not a counter; compare its value directly",
		    e->name, e->name);
	if (e->op == OP_QUANTILE) {
		if (b >= 0)
			return lex_fail(&lx, RULES_EXPR_MEANING, "quantile() "
			    "needs a histogram or a summary, and %s is a "
			    "single figure", e->name);
		if (!(e->q >= 0 && e->q <= 1))
			return lex_fail(&lx, RULES_EXPR_MEANING, "quantile "
			    "%g is not between 0 and 1", e->q);
		for (i = 0; i < e->nm; i++) {
			if (strcmp(e->m[i].key, "le") == 0 ||
			    strcmp(e->m[i].key, "quantile") == 0)
				return lex_fail(&lx, RULES_EXPR_MEANING,
				    "quantile(): the %s label is chosen by "
				    "the quantile, not by the selector",
				    e->m[i].key);
		}
		/* quantile(0.9, foo_bucket) means the family foo */
		if (has_suffix(e->name, "_bucket"))
			e->name[strlen(e->name) - 7] = '\0';
		e->bucket = xasprintf("%s_bucket", e->name);
	}
	return 0;
}

int
rules_expr_check(const char *expr, char *err, size_t errlen)
{
	struct rexpr e;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	rc = expr_parse(expr, &e, err, errlen);
	expr_free(&e);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Scope */

int
rules_applies(const struct cfg_rule *rule, const char *name)
{
	char group[256];
	const char *slash;
	size_t i, n;

	if (rule->nworkers == 0)
		return 1;
	slash = strchr(name, '/');
	n = slash != NULL ? (size_t)(slash - name) : 0;
	if (n >= sizeof group)
		n = 0;
	memcpy(group, name, n);
	group[n] = '\0';
	for (i = 0; i < rule->nworkers; i++) {
		if (fnmatch(rule->workers[i], name, 0) == 0)
			return 1;
		if (n > 0 && fnmatch(rule->workers[i], group, 0) == 0)
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Set up and tear down */

static enum unit
unit_of(const struct rexpr *e)
{
	const char *n = e->name;

	if (strcmp(n, "memory_growth_bytes_per_second") == 0)
		return UNIT_BYTES_RATE;
	if (e->op == OP_RATE)
		return strstr(n, "_bytes") != NULL ? UNIT_BYTES_RATE :
		    UNIT_RATE;
	if (has_suffix(n, "_bytes"))
		return UNIT_BYTES;
	if (strstr(n, "seconds") != NULL)
		return UNIT_SECONDS;
	if (has_suffix(n, "_percent"))
		return UNIT_PERCENT;
	if (strcmp(n, "requests_per_second") == 0 ||
	    strcmp(n, "errors_per_second") == 0)
		return UNIT_RATE;
	return UNIT_PLAIN;
}

struct rules *
rules_new(const struct config *cfg)
{
	struct rules *r = xcalloc(1, sizeof *r);
	struct rrule *rr;
	size_t i, j;
	int b;

	r->cfg = cfg;
	r->nr = cfg->nrules;
	r->r = xcalloc(r->nr + 1, sizeof *r->r);
	r->scratchlen = 1;
	for (i = 0; i < r->nr; i++) {
		rr = &r->r[i];
		rr->cfg = &cfg->rules[i];
		rr->label = rr->cfg->metric;
		if (rr->cfg->metric == NULL ||
		    expr_parse(rr->cfg->metric, &rr->e, NULL, 0) != 0 ||
		    !(rr->cfg->has_above || rr->cfg->has_below)) {
			expr_free(&rr->e);
			continue;
		}
		rr->ok = 1;
		rr->above = rr->cfg->has_above;
		rr->thr = rr->above ? rr->cfg->above : rr->cfg->below;
		rr->margin = rr->cfg->margin_percent ?
		    fabs(rr->thr) * rr->cfg->margin / 100.0 : rr->cfg->margin;
		if (!(rr->margin >= 0))
			rr->margin = 0;
		b = builtin_find(rr->e.name);
		rr->builtin = b >= 0;
		if (b >= 0 && rr->e.op == OP_VALUE && rr->e.nm == 0 &&
		    builtins[b].label != NULL)
			rr->label = builtins[b].label;
		rr->unit = unit_of(&rr->e);
		for (j = 0; j < rr->e.nm; j++) {
			if (rr->e.m[j].val_len + 2 > r->scratchlen)
				r->scratchlen = rr->e.m[j].val_len + 2;
		}
	}
	r->scratch = xmalloc(r->scratchlen);
	r->nbuckets = 16;
	r->hash = xcalloc(r->nbuckets, sizeof *r->hash);
	return r;
}

static void
rworker_free(struct rules *r, struct rworker *w)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		free(w->rs[i].idx);
		free(w->rs[i].slot);
		free(w->rs[i].b);
	}
	free(w->rs);
	free(w->name);
	free(w);
}

void
rules_free(struct rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nw; i++)
		rworker_free(r, r->w[i]);
	for (i = 0; i < r->nr; i++)
		expr_free(&r->r[i].e);
	free(r->r);
	free(r->w);
	free(r->hash);
	free(r->scratch);
	free(r);
}

/* ------------------------------------------------------------------ */
/* Workers */

static struct rworker *
worker_find(const struct rules *r, const char *name, uint32_t h)
{
	struct rworker *w;

	for (w = r->hash[h & (r->nbuckets - 1)]; w != NULL; w = w->hnext) {
		if (w->hash == h && strcmp(w->name, name) == 0)
			return w;
	}
	return NULL;
}

static void
hash_grow(struct rules *r)
{
	struct rworker **old = r->hash;
	size_t i;

	r->nbuckets *= 2;
	r->hash = xcalloc(r->nbuckets, sizeof *r->hash);
	for (i = 0; i < r->nw; i++) {
		struct rworker *w = r->w[i];
		size_t k = w->hash & (r->nbuckets - 1);

		w->hnext = r->hash[k];
		r->hash[k] = w;
	}
	free(old);
}

static struct rworker *
worker_add(struct rules *r, const char *name, uint32_t h, int64_t now_ms)
{
	struct rworker *w = xcalloc(1, sizeof *w);
	size_t i, k;

	w->name = xstrdup(name);
	w->hash = h;
	w->first_ms = now_ms;
	w->rs = xcalloc(r->nr + 1, sizeof *w->rs);
	for (i = 0; i < r->nr; i++) {
		w->rs[i].applies = r->r[i].ok &&
		    rules_applies(r->r[i].cfg, name);
		w->rs[i].back_ms = -1;
		w->rs[i].value = NAN;
	}
	r->w = xgrow(r->w, &r->capw, r->nw + 1, sizeof *r->w);
	r->w[r->nw++] = w;
	if (r->nw > r->nbuckets)
		hash_grow(r);
	else {
		k = h & (r->nbuckets - 1);
		w->hnext = r->hash[k];
		r->hash[k] = w;
	}
	return w;
}

void
rules_forget_worker(struct rules *r, const char *worker_name)
{
	uint32_t h = util_hash_str(worker_name);
	struct rworker *w = worker_find(r, worker_name, h), **pp;
	size_t i;

	if (w == NULL)
		return;
	for (pp = &r->hash[h & (r->nbuckets - 1)]; *pp != w;
	    pp = &(*pp)->hnext)
		;
	*pp = w->hnext;
	for (i = 0; i < r->nw && r->w[i] != w; i++)
		;
	memmove(&r->w[i], &r->w[i + 1], (r->nw - i - 1) * sizeof *r->w);
	r->nw--;
	rworker_free(r, w);
}

/* ------------------------------------------------------------------ */
/* Resolving series */

/* Does s carry every k="v" of the selector?  k="" also matches a series
 * without k, as in Prometheus. */
static int
labels_match(struct rules *r, const struct rexpr *e, const struct series *s)
{
	size_t i, len;
	int found;

	for (i = 0; i < e->nm; i++) {
		found = expo_label_get(s->labels, s->labels_len, e->m[i].key,
		    r->scratch, r->scratchlen, &len);
		if (!found)
			len = 0;
		if (len != e->m[i].val_len ||
		    (len > 0 && memcmp(r->scratch, e->m[i].val, len) != 0))
			return 0;
	}
	return 1;
}

static int
label_number(const struct series *s, const char *key, double *out)
{
	char v[64];
	size_t len;

	return expo_label_get(s->labels, s->labels_len, key, v, sizeof v,
	    &len) == 1 && len < sizeof v &&
	    expo_parse_value(v, len, out) == 0;
}

static void
push(struct rstate *rs, uint32_t idx)
{
	rs->idx = xgrow(rs->idx, &rs->cap, rs->n + 1, sizeof *rs->idx);
	rs->idx[rs->n++] = idx;
}

/* Histogram buckets of the matched series: the distinct le values
 * sorted, and each series' slot among them. */
static void
buckets_build(struct series_reg *reg, struct rstate *rs)
{
	double le = 0;
	size_t i, j, nb = 0;

	rs->b = xgrow(rs->b, &rs->bcap, rs->n, sizeof *rs->b);
	rs->slot = xgrow(rs->slot, &rs->slotcap, rs->n, sizeof *rs->slot);
	for (i = 0; i < rs->n; i++) {
		label_number(series_at(reg, rs->idx[i]), "le", &le);
		for (j = 0; j < nb && rs->b[j].le != le; j++)
			;
		if (j == nb) {
			rs->b[nb].le = le;
			rs->b[nb++].count = 0;
		}
	}
	stats_buckets_sort(rs->b, nb);
	for (i = 0; i < rs->n; i++) {
		label_number(series_at(reg, rs->idx[i]), "le", &le);
		for (j = 0; j < nb && rs->b[j].le != le; j++)
			;
		rs->slot[i] = j;
	}
	rs->nb = nb;
}

static void
resolve(struct rules *r, struct series_reg *reg, struct rworker *w,
    const uint32_t *idx, size_t n)
{
	struct series *s;
	struct rstate *rs;
	const struct rexpr *e;
	size_t i, k;
	double q;

	w->scraped = 0;
	for (k = 0; k < n; k++) {
		s = series_at(reg, idx[k]);
		if (s != NULL && !own_namespace(s->metric)) {
			w->scraped = 1;
			break;
		}
	}
	for (i = 0; i < r->nr; i++) {
		rs = &w->rs[i];
		rs->n = 0;
		rs->nb = 0;
		rs->summary = 0;
		if (!rs->applies)
			continue;
		e = &r->r[i].e;
		for (k = 0; k < n; k++) {
			s = series_at(reg, idx[k]);
			if (s == NULL)
				continue;
			if (e->op == OP_QUANTILE) {
				if (strcmp(s->metric, e->bucket) == 0 &&
				    label_number(s, "le", &q) &&
				    labels_match(r, e, s))
					push(rs, idx[k]);
			} else if (strcmp(s->metric, e->name) == 0 &&
			    labels_match(r, e, s))
				push(rs, idx[k]);
		}
		if (e->op != OP_QUANTILE)
			continue;
		if (rs->n > 0) {
			buckets_build(reg, rs);
			continue;
		}
		/* no histogram: a summary's quantile="Q" series */
		rs->summary = 1;
		for (k = 0; k < n; k++) {
			s = series_at(reg, idx[k]);
			if (s != NULL && strcmp(s->metric, e->name) == 0 &&
			    label_number(s, "quantile", &q) &&
			    fabs(q - e->q) < 1e-9 && labels_match(r, e, s))
				push(rs, idx[k]);
		}
	}
	w->resolved = 1;
	w->nseries = n;
}

/* ------------------------------------------------------------------ */
/* Values */

/* The rule's value on this worker now; NAN when unknown. */
static double
value_of(const struct rrule *rr, struct series_reg *reg, struct rstate *rs,
    int64_t now_ms)
{
	struct series *s;
	struct series_increase in;
	double v = NAN, x;
	int have = 0;
	size_t i;

	switch (rr->e.op) {
	case OP_VALUE:
		for (i = 0; i < rs->n; i++) {
			s = series_at(reg, rs->idx[i]);
			if (s->npoints == 0 || isnan(s->last) ||
			    now_ms - s->last_ms > RULES_STALE_MS)
				continue;
			if (isnan(v) || s->last > v)
				v = s->last;
		}
		return v;
	case OP_RATE:
		for (i = 0; i < rs->n; i++) {
			s = series_at(reg, rs->idx[i]);
			if (series_rate_window(s, now_ms, RULES_WINDOW_MS,
			    &x) != 0 || isnan(x))
				continue;
			v = have ? v + x : x;
			have = 1;
		}
		return v;
	case OP_QUANTILE:
		if (rs->summary) {
			/* the worker's own quantile: current only if it
			 * came within the window */
			for (i = 0; i < rs->n; i++) {
				s = series_at(reg, rs->idx[i]);
				if (s->npoints == 0 || isnan(s->last) ||
				    now_ms - s->last_ms > RULES_WINDOW_MS)
					continue;
				if (isnan(v) || s->last > v)
					v = s->last;
			}
			return v;
		}
		for (i = 0; i < rs->nb; i++)
			rs->b[i].count = 0;
		for (i = 0; i < rs->n; i++) {
			series_increase(series_at(reg, rs->idx[i]),
			    now_ms - RULES_WINDOW_MS, now_ms, &in);
			if (in.n < 2)
				continue;
			rs->b[rs->slot[i]].count += in.increase;
			have = 1;
		}
		if (!have)
			return NAN;
		return stats_histogram_quantile(rr->e.q, rs->b, rs->nb);
	}
	return NAN;
}

/* ------------------------------------------------------------------ */
/* Texts */

static void
fmt_value(enum unit u, double v, char *buf, size_t len)
{
	char tmp[UNITS_FMT_MAX];
	double a = fabs(v);

	if (isnan(v) || isinf(v)) {
		snprintf(buf, len, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" :
		    "-Inf");
		return;
	}
	switch (u) {
	case UNIT_BYTES:
	case UNIT_BYTES_RATE:
		units_format_size(a >= 1.8e19 ? UINT64_MAX : (uint64_t)(a + 0.5),
		    tmp, sizeof tmp);
		snprintf(buf, len, "%s%s%s", v < 0 ? "-" : "", tmp,
		    u == UNIT_BYTES_RATE ? "/s" : "");
		break;
	case UNIT_SECONDS:
		if (a < 60)
			snprintf(buf, len, "%.3gs", v);
		else {
			units_format_duration(a >= 9e15 ? INT64_MAX / 2 :
			    (int64_t)(v * 1000), tmp, sizeof tmp);
			snprintf(buf, len, "%s", tmp);
		}
		break;
	case UNIT_PERCENT:
		snprintf(buf, len, "%.3g%%", v);
		break;
	case UNIT_RATE:
		snprintf(buf, len, "%.3g/s", v);
		break;
	default:
		snprintf(buf, len, "%.6g", v);
		break;
	}
}

static void
fmt_duration(int64_t ms, char *buf, size_t len)
{
	units_format_duration(ms < 0 ? 0 : ms, buf, len);
}

enum clear_how { CLEAR_MARGIN, CLEAR_TIME };

static void
event_text(const struct rrule *rr, struct rule_event *ev, int64_t now_ms,
    enum clear_how how, const char *worker)
{
	char v[48], t[48], d[UNITS_FMT_MAX], f[UNITS_FMT_MAX];
	const char *dir = rr->above ? "above" : "below";

	fmt_value(rr->unit, ev->value, v, sizeof v);
	fmt_value(rr->unit, ev->threshold, t, sizeof t);
	switch (ev->what) {
	case RULE_PENDING:
		fmt_duration(rr->cfg->for_ms, d, sizeof d);
		snprintf(ev->text, sizeof ev->text, "%s %s %s %s, firing if "
		    "it holds for %s", rr->label, v, dir, t, d);
		break;
	case RULE_FIRING:
		fmt_duration(now_ms - ev->since_ms, d, sizeof d);
		if (now_ms > ev->since_ms)
			snprintf(ev->text, sizeof ev->text, "%s %s %s %s for "
			    "%s", rr->label, v, dir, t, d);
		else
			snprintf(ev->text, sizeof ev->text, "%s %s %s %s",
			    rr->label, v, dir, t);
		break;
	case RULE_CLEARED:
		fmt_duration(now_ms - ev->since_ms, f, sizeof f);
		if (how == CLEAR_MARGIN) {
			fmt_value(rr->unit, rr->above ? rr->thr - rr->margin :
			    rr->thr + rr->margin, t, sizeof t);
			snprintf(ev->text, sizeof ev->text, "%s %s back %s "
			    "%s; fired %s ago", rr->label, v,
			    rr->above ? "below" : "above", t, f);
		} else {
			fmt_duration(rr->cfg->clear_after_ms, d, sizeof d);
			snprintf(ev->text, sizeof ev->text, "%s %s, not %s "
			    "%s for %s; fired %s ago", rr->label, v, dir, t,
			    d, f);
		}
		break;
	case RULE_NOT_EXPOSED:
		snprintf(ev->text, sizeof ev->text, "%s is not exposed by "
		    "worker %s", rr->cfg->metric, worker);
		break;
	}
}

static void
emit(const struct rrule *rr, const char *worker, enum rule_transition what,
    double value, int64_t since_ms, int64_t now_ms, enum clear_how how,
    rule_event_fn fn, void *ctx)
{
	struct rule_event ev;

	if (fn == NULL)
		return;
	ev.rule = rr->cfg;
	ev.worker = worker;
	ev.what = what;
	ev.value = value;
	ev.threshold = rr->thr;
	ev.since_ms = since_ms;
	event_text(rr, &ev, now_ms, how, worker);
	fn(ctx, &ev);
}

/* ------------------------------------------------------------------ */
/* Evaluation */

static void
step(const struct rrule *rr, struct rstate *rs, double v, int64_t now_ms,
    const char *worker, rule_event_fn fn, void *ctx)
{
	int cond = rr->above ? v > rr->thr : v < rr->thr;
	int past_margin = rr->above ? v <= rr->thr - rr->margin :
	    v >= rr->thr + rr->margin;
	int64_t clear_after = rr->cfg->clear_after_ms;

	switch (rs->st) {
	case ST_INACTIVE:
		if (!cond)
			break;
		rs->cond_ms = now_ms;
		if (rr->cfg->for_ms > 0) {
			rs->st = ST_PENDING;
			emit(rr, worker, RULE_PENDING, v, now_ms, now_ms, 0,
			    fn, ctx);
			break;
		}
		rs->st = ST_FIRING;
		rs->fired_ms = now_ms;
		rs->back_ms = -1;
		emit(rr, worker, RULE_FIRING, v, now_ms, now_ms, 0, fn, ctx);
		break;
	case ST_PENDING:
		if (!cond) {
			rs->st = ST_INACTIVE;
			break;
		}
		if (now_ms - rs->cond_ms >= rr->cfg->for_ms) {
			rs->st = ST_FIRING;
			rs->fired_ms = now_ms;
			rs->back_ms = -1;
			emit(rr, worker, RULE_FIRING, v, rs->cond_ms, now_ms,
			    0, fn, ctx);
		}
		break;
	case ST_FIRING:
		if (cond) {
			rs->back_ms = -1;
			break;
		}
		if (past_margin) {
			rs->st = ST_INACTIVE;
			emit(rr, worker, RULE_CLEARED, v, rs->fired_ms, now_ms,
			    CLEAR_MARGIN, fn, ctx);
			break;
		}
		if (rs->back_ms < 0)
			rs->back_ms = now_ms;
		if (clear_after > 0 && now_ms - rs->back_ms >= clear_after) {
			rs->st = ST_INACTIVE;
			emit(rr, worker, RULE_CLEARED, v, rs->fired_ms, now_ms,
			    CLEAR_TIME, fn, ctx);
		}
		break;
	}
}

void
rules_eval(struct rules *r, struct series_reg *reg, uint32_t worker,
    const char *worker_name, const uint32_t *series_idx, size_t nseries,
    int64_t now_ms, rule_event_fn fn, void *ctx)
{
	uint32_t h = util_hash_str(worker_name);
	struct rworker *w = worker_find(r, worker_name, h);
	const struct rrule *rr;
	struct rstate *rs;
	double v;
	size_t i;

	if (w == NULL)
		w = worker_add(r, worker_name, h, now_ms);
	if (!w->resolved || w->nseries != nseries || w->worker != worker) {
		w->worker = worker;
		resolve(r, reg, w, series_idx, nseries);
	}
	for (i = 0; i < r->nr; i++) {
		rr = &r->r[i];
		rs = &w->rs[i];
		if (!rs->applies)
			continue;
		if (rs->n == 0) {
			if (!rs->reported &&
			    now_ms - w->first_ms >= RULES_GRACE_MS &&
			    (rr->builtin || w->scraped)) {
				rs->reported = 1;
				emit(rr, worker_name, RULE_NOT_EXPOSED, NAN,
				    now_ms, now_ms, 0, fn, ctx);
			}
			continue;
		}
		v = value_of(rr, reg, rs, now_ms);
		if (isnan(v))
			continue;
		rs->value = v;
		step(rr, rs, v, now_ms, worker_name, fn, ctx);
	}
}

size_t
rules_status(const struct rules *r, const char *worker_or_null,
    struct rule_status *out, size_t max)
{
	const struct rworker *w;
	const struct rstate *rs;
	struct rule_status *st;
	size_t i, j, n = 0;

	for (i = 0; i < r->nw; i++) {
		w = r->w[i];
		if (worker_or_null != NULL && strcmp(w->name,
		    worker_or_null) != 0)
			continue;
		for (j = 0; j < r->nr; j++) {
			rs = &w->rs[j];
			if (rs->st == ST_INACTIVE)
				continue;
			if (n < max) {
				st = &out[n];
				st->rule = r->r[j].cfg;
				st->worker = w->name;
				st->firing = rs->st == ST_FIRING;
				st->pending = rs->st == ST_PENDING;
				st->value = rs->value;
				st->since_ms = rs->st == ST_FIRING ?
				    rs->fired_ms : rs->cond_ms;
			}
			n++;
		}
	}
	return n;
}

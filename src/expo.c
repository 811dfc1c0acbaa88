/*
 * expo.c -- Prometheus text (0.0.4) and OpenMetrics 1.0 exposition parser.
 *
 * The page is cut into lines with memchr and every line is parsed in place.
 * Names and, in the common case, label sets are handed out as pointers into
 * the page; only label sets that are not already canonical (blanks, a
 * trailing comma, unknown backslash escapes) are rebuilt, in one scratch
 * buffer reused for the whole page.  Families (HELP/TYPE/UNIT and the
 * names of sample families) live in a small open-addressing hash table
 * that lives for one call.
 */
#include "expo.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Character classes. */
#define C_MSTART	0x01	/* metric name, first character */
#define C_MCHAR		0x02	/* metric name, later characters */
#define C_LSTART	0x04	/* label name, first character */
#define C_LCHAR		0x08	/* label name, later characters */
#define C_BLANK		0x10	/* space or tab (text format separators) */
#define C_DIGIT		0x20

#define C_ALPHA		(C_MSTART | C_MCHAR | C_LSTART | C_LCHAR)

static const unsigned char cls[256] = {
	['a' ... 'z'] = C_ALPHA,
	['A' ... 'Z'] = C_ALPHA,
	['_'] = C_ALPHA,
	[':'] = C_MSTART | C_MCHAR,
	['0' ... '9'] = C_MCHAR | C_LCHAR | C_DIGIT,
	[' '] = C_BLANK,
	['\t'] = C_BLANK,
};

static inline int
is(char c, unsigned char what)
{
	return (cls[(unsigned char)c] & what) != 0;
}

/* Flags of struct family. */
#define FAM_TYPE	0x01
#define FAM_HELP	0x02
#define FAM_UNIT	0x04
#define FAM_SAMPLES	0x08
#define FAM_HELP_ARENA	0x10	/* help is at help_off in the arena */
#define FAM_META	(FAM_TYPE | FAM_HELP | FAM_UNIT)

struct family {
	const char	*name;		/* into the page */
	size_t		 name_len;
	uint32_t	 hash;
	unsigned	 flags;
	enum expo_type	 type;
	const char	*help;		/* into the page, unless FAM_HELP_ARENA */
	size_t		 help_off;
	size_t		 help_len;
	const char	*unit;
	size_t		 unit_len;
};

struct span {
	const char	*p;
	size_t		 n;
};

#define NONE	((size_t)-1)

struct parser {
	enum expo_format	 fmt;
	expo_sample_fn		 on_sample;
	expo_error_fn		 on_error;
	void			*ctx;
	struct expo_result	*res;
	int			 line;
	char			 err[160];

	struct family		*fams;
	size_t			 nfams;
	size_t			 capfams;
	uint32_t		*slots;		/* index + 1, 0 when empty */
	size_t			 nslots;	/* a power of two */
	size_t			 cur;		/* family of the last sample or metadata */
	const char		*last_name;	/* name of the last sample... */
	size_t			 last_len;
	size_t			 last_fam;	/* ...and its family */

	struct buf		 arena;		/* unescaped HELP texts */
	struct buf		 scratch;	/* rebuilt label sets */
	struct span		*lnames;	/* label names of the line, for duplicates */
	size_t			 caplnames;
};

static int perr(struct parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Write s (n bytes) into out as a short printable quoted snippet, with
 * non-printable bytes as \xNN and long text cut with "...".
 */
static const char *
show(char *out, size_t outlen, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i, max = 32;

	out[o++] = '"';
	for (i = 0; i < n && i < max && o + 8 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			out[o++] = '\\';
			if (c == '\n' || c == '\t' || c == '\r') {
				out[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			} else {
				out[o++] = 'x';
				out[o++] = hex[c >> 4];
				out[o++] = hex[c & 15];
			}
		} else
			out[o++] = (char)c;
	}
	if (i < n && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* The length of the token at s: up to the next blank (space, tab) or e. */
static size_t
token_len(const char *s, const char *e)
{
	const char *q = s;

	while (q < e && !is(*q, C_BLANK))
		q++;
	return (size_t)(q - s);
}

static int
perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	return -1;
}

static void
report(struct parser *p, int line, const char *msg)
{
	struct expo_result *res = p->res;

	res->errors++;
	if (res->first_error_line == 0) {
		res->first_error_line = line;
		util_strlcpy(res->first_error, msg, sizeof res->first_error);
	}
	if (p->on_error != NULL)
		p->on_error(p->ctx, line, msg);
}

static inline const char *
skip_blanks(const char *s, const char *e)
{
	while (s < e && is(*s, C_BLANK))
		s++;
	return s;
}

/* ---------------------------------------------------------------- values */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (c_locale == (locale_t)0)
		fatal("newlocale(C) failed");
}

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* The last resort for long or extreme numbers: strtod in the C locale,
 * on a string whose syntax is already known to be good. */
static int
slow_value(const char *s, size_t len, double *out)
{
	char tmp[128], *z = tmp, *end;
	double v;

	pthread_once(&c_locale_once, c_locale_init);
	if (len >= sizeof tmp)
		z = xmalloc(len + 1);
	memcpy(z, s, len);
	z[len] = '\0';
	v = strtod_l(z, &end, c_locale);
	if (end != z + len)
		v = NAN;	/* cannot happen: the syntax was checked */
	if (z != tmp)
		free(z);
	if (isnan(v) || isinf(v))
		return -1;
	*out = v;
	return 0;
}

int
expo_parse_value(const char *s, size_t len, double *out)
{
	const char *p = s, *e = s + len;
	uint64_t mant = 0;
	int neg = 0, ndig = 0, slow = 0, any = 0;
	long exp10 = 0, ex = 0;

	if (len == 0)
		return -1;
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	if (p < e && !is(*p, C_DIGIT) && *p != '.') {
		/* Inf with an optional sign, NaN without one. */
		if (e - p == 3 && strncasecmp(p, "inf", 3) == 0) {
			*out = neg ? -INFINITY : INFINITY;
			return 0;
		}
		if (e - p == 3 && p == s && strncasecmp(p, "nan", 3) == 0) {
			*out = NAN;
			return 0;
		}
		return -1;
	}
	for (; p < e && is(*p, C_DIGIT); p++) {
		any = 1;
		if (mant == 0 && *p == '0')
			continue;
		if (ndig < 19) {
			mant = mant * 10 + (uint64_t)(*p - '0');
			ndig++;
		} else {
			slow = 1;
			exp10++;
		}
	}
	if (p < e && *p == '.') {
		for (p++; p < e && is(*p, C_DIGIT); p++) {
			any = 1;
			if (mant == 0 && *p == '0') {
				exp10--;
				continue;
			}
			if (ndig < 19) {
				mant = mant * 10 + (uint64_t)(*p - '0');
				ndig++;
				exp10--;
			} else
				slow = 1;
		}
	}
	if (!any)
		return -1;
	if (p < e && (*p == 'e' || *p == 'E')) {
		int eneg = 0, edig = 0;

		p++;
		if (p < e && (*p == '+' || *p == '-')) {
			eneg = *p == '-';
			p++;
		}
		for (; p < e && is(*p, C_DIGIT); p++) {
			edig = 1;
			if (ex < 100000)
				ex = ex * 10 + (*p - '0');
		}
		if (!edig)
			return -1;
		if (eneg)
			ex = -ex;
	}
	if (p != e)
		return -1;
	if (mant == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	exp10 += ex;
	/*
	 * Clinger's fast path: a mantissa exact in a double times or divided
	 * by an exact power of ten is correctly rounded.
	 */
	if (!slow && mant <= (UINT64_C(1) << 53) && exp10 >= -22 &&
	    exp10 <= 22) {
		double v = (double)mant;

		if (exp10 < 0)
			v /= pow10_exact[-exp10];
		else
			v *= pow10_exact[exp10];
		*out = neg ? -v : v;
		return 0;
	}
	return slow_value(s, len, out);
}

/* Text format timestamp: an int64 as Go's ParseInt reads it. */
static int
parse_int_ms(const char *s, size_t len, int64_t *out)
{
	const char *p = s, *e = s + len;
	uint64_t v = 0, lim;
	int neg = 0;

	if (p < e && (*p == '+' || *p == '-')) {
		neg = *p == '-';
		p++;
	}
	if (p == e)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < e; p++) {
		if (!is(*p, C_DIGIT))
			return -1;
		if (v > (lim - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* OpenMetrics timestamp: float seconds, finite, converted to ms. */
static int
parse_sec_ms(const char *s, size_t len, int64_t *out)
{
	double v;

	if (expo_parse_value(s, len, &v) != 0 || !isfinite(v))
		return -1;
	v *= 1000.0;
	if (!(v > -9.2e18 && v < 9.2e18))
		return -1;
	*out = (int64_t)llround(v);
	return 0;
}

/* --------------------------------------------------------------- families */

static size_t
family_find(struct parser *p, const char *name, size_t len, uint32_t h)
{
	size_t mask, i;

	if (p->nslots == 0)
		return NONE;
	mask = p->nslots - 1;
	for (i = h & mask; p->slots[i] != 0; i = (i + 1) & mask) {
		struct family *f = &p->fams[p->slots[i] - 1];

		if (f->hash == h && f->name_len == len &&
		    memcmp(f->name, name, len) == 0)
			return p->slots[i] - 1;
	}
	return NONE;
}

static void
slots_insert(struct parser *p, size_t idx)
{
	size_t mask = p->nslots - 1, i;

	for (i = p->fams[idx].hash & mask; p->slots[i] != 0; i = (i + 1) & mask)
		;
	p->slots[i] = (uint32_t)(idx + 1);
}

static size_t
family_add(struct parser *p, const char *name, size_t len, uint32_t h)
{
	struct family *f;
	size_t i;

	if (p->nfams >= UINT32_MAX - 1)
		fatal("too many metric families");
	if ((p->nfams + 1) * 2 > p->nslots) {
		size_t n = p->nslots == 0 ? 64 : p->nslots * 2;

		free(p->slots);
		p->slots = xcalloc(n, sizeof *p->slots);
		p->nslots = n;
		for (i = 0; i < p->nfams; i++)
			slots_insert(p, i);
	}
	p->fams = xgrow(p->fams, &p->capfams, p->nfams + 1, sizeof *p->fams);
	f = &p->fams[p->nfams];
	memset(f, 0, sizeof *f);
	f->name = name;
	f->name_len = len;
	f->hash = h;
	f->type = EXPO_UNTYPED;
	slots_insert(p, p->nfams);
	return p->nfams++;
}

static size_t
family_get(struct parser *p, const char *name, size_t len)
{
	uint32_t h = util_hash(name, len);
	size_t idx = family_find(p, name, len, h);

	return idx != NONE ? idx : family_add(p, name, len, h);
}

enum suffix {
	SUF_BUCKET, SUF_COUNT, SUF_SUM, SUF_CREATED, SUF_TOTAL, SUF_INFO,
	SUF_GCOUNT, SUF_GSUM
};

static const struct {
	const char	*s;
	size_t		 n;
} suffixes[] = {
	[SUF_BUCKET] = { "_bucket", 7 },
	[SUF_COUNT] = { "_count", 6 },
	[SUF_SUM] = { "_sum", 4 },
	[SUF_CREATED] = { "_created", 8 },
	[SUF_TOTAL] = { "_total", 6 },
	[SUF_INFO] = { "_info", 5 },
	[SUF_GCOUNT] = { "_gcount", 7 },
	[SUF_GSUM] = { "_gsum", 5 },
};

/* May a sample named family+suffix belong to a family of this type? */
static int
suffix_ok(enum expo_format fmt, enum expo_type type, enum suffix suf)
{
	unsigned bit = 1u << suf, ok = 0;

	if (fmt == EXPO_FORMAT_OPENMETRICS) {
		switch (type) {
		case EXPO_COUNTER:
			ok = 1u << SUF_TOTAL | 1u << SUF_CREATED;
			break;
		case EXPO_HISTOGRAM:
			ok = 1u << SUF_BUCKET | 1u << SUF_COUNT | 1u << SUF_SUM |
			    1u << SUF_CREATED;
			break;
		case EXPO_SUMMARY:
			ok = 1u << SUF_COUNT | 1u << SUF_SUM | 1u << SUF_CREATED;
			break;
		case EXPO_GAUGE_HISTOGRAM:
			ok = 1u << SUF_BUCKET | 1u << SUF_GCOUNT | 1u << SUF_GSUM;
			break;
		case EXPO_INFO:
			ok = 1u << SUF_INFO;
			break;
		default:
			break;
		}
	} else {
		/* 0.0.4 has no _created; _total is accepted for counters
		 * typed under their base name. */
		switch (type) {
		case EXPO_COUNTER:
			ok = 1u << SUF_TOTAL;
			break;
		case EXPO_HISTOGRAM:
			ok = 1u << SUF_BUCKET | 1u << SUF_COUNT | 1u << SUF_SUM;
			break;
		case EXPO_SUMMARY:
			ok = 1u << SUF_COUNT | 1u << SUF_SUM;
			break;
		default:
			break;
		}
	}
	return (ok & bit) != 0;
}

/*
 * The family a sample name belongs to: a family declared under the exact
 * name wins, then a typed family the name extends with a suffix its type
 * allows, then (created on first sight) the name itself, untyped.
 */
static size_t
family_of(struct parser *p, const char *name, size_t len)
{
	struct family *f;
	size_t idx, i;
	uint32_t h;

	if (p->last_fam != NONE && p->last_len == len &&
	    memcmp(p->last_name, name, len) == 0)
		return p->last_fam;
	if (p->cur != NONE) {
		f = &p->fams[p->cur];
		if (f->name_len == len && memcmp(f->name, name, len) == 0)
			return p->cur;
	}
	h = util_hash(name, len);
	idx = family_find(p, name, len, h);
	if (idx != NONE && (p->fams[idx].flags & FAM_META))
		return idx;
	for (i = 0; i < ARRAY_LEN(suffixes); i++) {
		size_t n = suffixes[i].n, base, g = NONE;

		if (len <= n || memcmp(name + len - n, suffixes[i].s, n) != 0)
			continue;
		base = len - n;
		if (p->cur != NONE && p->fams[p->cur].name_len == base &&
		    memcmp(p->fams[p->cur].name, name, base) == 0)
			g = p->cur;
		else
			g = family_find(p, name, base, util_hash(name, base));
		if (g != NONE && (p->fams[g].flags & FAM_TYPE) &&
		    suffix_ok(p->fmt, p->fams[g].type, (enum suffix)i))
			return g;
	}
	if (idx == NONE)
		idx = family_add(p, name, len, h);
	return idx;
}

/* --------------------------------------------------------------- labels */

/*
 * Skip one UTF-8 encoded character at s (a byte >= 0x80).  Returns the
 * byte after it, or NULL when the sequence is not valid UTF-8 (overlong
 * forms, surrogates and code points above U+10FFFF included).
 */
static const char *
utf8_next(const char *s, const char *e)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = (size_t)(e - s), n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		if (u[0] == 0xe0)
			lo = 0xa0;
		else if (u[0] == 0xed)
			hi = 0x9f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		if (u[0] == 0xf0)
			lo = 0x90;
		else if (u[0] == 0xf4)
			hi = 0x8f;
	} else
		return NULL;
	if (left < n || u[1] < lo || u[1] > hi)
		return NULL;
	for (i = 2; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return NULL;
	}
	return s + n;
}

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, n);

	if (c != 0)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

static int
check_duplicates(struct parser *p, size_t n)
{
	struct span *l = p->lnames;
	char sb[48];
	size_t i, j;

	if (n <= 16) {
		for (i = 1; i < n; i++) {
			for (j = 0; j < i; j++) {
				if (l[i].n == l[j].n &&
				    memcmp(l[i].p, l[j].p, l[i].n) == 0)
					return perr(p, "duplicate label name %s",
					    show(sb, sizeof sb, l[i].p, l[i].n));
			}
		}
		return 0;
	}
	qsort(l, n, sizeof *l, span_cmp);
	for (i = 1; i < n; i++) {
		if (span_cmp(&l[i - 1], &l[i]) == 0)
			return perr(p, "duplicate label name %s",
			    show(sb, sizeof sb, l[i].p, l[i].n));
	}
	return 0;
}

/*
 * Scan a label set starting at s (which points at '{') and ending before
 * e.  Returns the byte after '}' or NULL with p->err set.  *canon is set
 * to 1 when the text from '{' to '}' is already in canonical form, and
 * *count to the number of labels.  With out non-NULL, the canonical form
 * is appended to it (the set must then be known to be valid).  Blanks
 * are allowed around the tokens only in the text format.
 */
static const char *
scan_labels(struct parser *p, const char *s, const char *e, struct buf *out,
    int check_dups, int *canon, size_t *count)
{
	int blanks = p->fmt == EXPO_FORMAT_TEXT, comma = 0;
	const char *q = s + 1, *t;
	char sb[48], sb2[48];
	size_t n = 0;

	*canon = 1;
	if (out != NULL)
		buf_addc(out, '{');
	for (;;) {
		struct span name;
		const char *v;

		if (blanks && (t = skip_blanks(q, e)) != q) {
			*canon = 0;
			q = t;
		}
		if (q < e && *q == '}') {
			if (comma)
				*canon = 0;
			q++;
			break;
		}
		if (n > 0 && !comma) {
			if (q == e)
				perr(p, "label set not closed with '}'");
			else
				perr(p, "expected ',' or '}' after label %s, "
				    "found %s", show(sb, sizeof sb,
				    p->lnames[n - 1].p, p->lnames[n - 1].n),
				    show(sb2, sizeof sb2, q, 1));
			return NULL;
		}
		if (q == e || !is(*q, C_LSTART)) {
			if (q == e)
				perr(p, "label set not closed with '}'");
			else
				perr(p, "expected a label name, found %s",
				    show(sb, sizeof sb, q, token_len(q, e)));
			return NULL;
		}
		name.p = q;
		for (q++; q < e && is(*q, C_LCHAR); q++)
			;
		name.n = (size_t)(q - name.p);
		if (name.n == 8 && memcmp(name.p, "__name__", 8) == 0) {
			perr(p, "label name \"__name__\" is reserved");
			return NULL;
		}
		p->lnames = xgrow(p->lnames, &p->caplnames, n + 1,
		    sizeof *p->lnames);
		p->lnames[n] = name;
		if (blanks && (t = skip_blanks(q, e)) != q) {
			*canon = 0;
			q = t;
		}
		if (q == e || *q != '=') {
			if (q < e && is(*q, C_LSTART | C_LCHAR))
				perr(p, "invalid character in label name %s",
				    show(sb, sizeof sb, name.p, name.n + 1));
			else
				perr(p, "expected '=' after label name %s",
				    show(sb, sizeof sb, name.p, name.n));
			return NULL;
		}
		q++;
		if (blanks && (t = skip_blanks(q, e)) != q) {
			*canon = 0;
			q = t;
		}
		if (q == e || *q != '"') {
			perr(p, "expected '\"' to open the value of label %s",
			    show(sb, sizeof sb, name.p, name.n));
			return NULL;
		}
		v = ++q;
		if (out != NULL) {
			buf_add(out, name.p, name.n);
			buf_add(out, "=\"", 2);
		}
		while (q < e) {
			unsigned char c = (unsigned char)*q;

			if (c == '"')
				break;
			if (c == '\\') {
				if (q + 1 < e && (q[1] == '\\' || q[1] == '"' ||
				    q[1] == 'n')) {
					q += 2;
					continue;
				}
				/* Kept literally, so canonical form doubles it. */
				*canon = 0;
				if (out != NULL) {
					buf_add(out, v, (size_t)(q - v));
					buf_add(out, "\\\\", 2);
					v = q + 1;
				}
				q++;
			} else if (c < 0x80)
				q++;
			else if ((q = utf8_next(q, e)) == NULL) {
				perr(p, "invalid UTF-8 in the value of label %s",
				    show(sb, sizeof sb, name.p, name.n));
				return NULL;
			}
		}
		if (q == e) {
			perr(p, "unterminated value of label %s",
			    show(sb, sizeof sb, name.p, name.n));
			return NULL;
		}
		if (out != NULL) {
			buf_add(out, v, (size_t)(q - v));
			buf_addc(out, '"');
		}
		q++;
		n++;
		if (blanks && (t = skip_blanks(q, e)) != q) {
			*canon = 0;
			q = t;
		}
		comma = q < e && *q == ',';
		if (comma) {
			q++;
			if (out != NULL)
				buf_addc(out, ',');
		}
	}
	if (out != NULL) {
		if (out->len > 0 && out->data[out->len - 1] == ',')
			out->len--;
		buf_addc(out, '}');
	}
	if (check_dups && n > 1 && check_duplicates(p, n) != 0)
		return NULL;
	*count = n;
	return q;
}

/* ---------------------------------------------------------------- samples */

static void
deliver(struct parser *p, const char *name, size_t nlen, const char *lab,
    size_t llen, double v, int has_ts, int64_t ts)
{
	struct expo_sample smp;
	struct family *f;
	size_t idx;

	idx = family_of(p, name, nlen);
	p->last_name = name;
	p->last_len = nlen;
	p->last_fam = idx;
	p->cur = idx;
	f = &p->fams[idx];
	f->flags |= FAM_SAMPLES;
	p->res->samples++;
	if (p->on_sample == NULL)
		return;
	smp.name = name;
	smp.name_len = nlen;
	smp.labels = llen == 0 ? "" : lab;
	smp.labels_len = llen;
	smp.value = v;
	smp.has_ts = has_ts;
	smp.ts_ms = has_ts ? ts : 0;
	smp.type = f->type;
	smp.family = f->name;
	smp.family_len = f->name_len;
	if (f->flags & FAM_HELP) {
		smp.help = f->flags & FAM_HELP_ARENA ?
		    p->arena.data + f->help_off : f->help;
		smp.help_len = f->help_len;
	} else {
		smp.help = NULL;
		smp.help_len = 0;
	}
	if (f->flags & FAM_UNIT) {
		smp.unit = f->unit;
		smp.unit_len = f->unit_len;
	} else {
		smp.unit = NULL;
		smp.unit_len = 0;
	}
	p->on_sample(p->ctx, &smp);
}

/* Exemplar after "value [ts] ": "# {labels} value [ts]" (OpenMetrics). */
static int
parse_exemplar(struct parser *p, const char *s, const char *e)
{
	const char *q, *t;
	char sb[48];
	int canon;
	size_t n, tl;
	double v;
	int64_t ts;

	if (e - s < 3 || s[1] != ' ' || s[2] != '{')
		return perr(p, "expected \"# {\" to start an exemplar");
	if ((q = scan_labels(p, s + 2, e, NULL, 1, &canon, &n)) == NULL)
		return -1;
	if (q == e || *q != ' ')
		return perr(p, "expected a space and a value after the "
		    "exemplar labels");
	q++;
	for (t = q; t < e && *t != ' '; t++)
		;
	if (expo_parse_value(q, (size_t)(t - q), &v) != 0)
		return perr(p, "invalid exemplar value %s",
		    show(sb, sizeof sb, q, (size_t)(t - q)));
	if (t == e)
		return 0;
	q = t + 1;
	tl = (size_t)(e - q);
	if (parse_sec_ms(q, tl, &ts) != 0)
		return perr(p, "invalid exemplar timestamp %s",
		    show(sb, sizeof sb, q, tl));
	return 0;
}

static int
parse_sample(struct parser *p, const char *s, const char *e)
{
	int om = p->fmt == EXPO_FORMAT_OPENMETRICS, has_ts = 0, canon;
	const char *name, *q, *vs, *ve, *lab = NULL;
	size_t nlen, llen = 0, n;
	char sb[48], sb2[48];
	int64_t ts = 0;
	double v;

	if (!om)
		s = skip_blanks(s, e);
	name = s;
	if (s == e)
		return perr(p, "missing metric name");
	if (!is(*s, C_MSTART)) {
		if (*s == '{')
			return perr(p, "metric name missing before '{'");
		if (om && is(*s, C_BLANK))
			return perr(p, "leading whitespace (not allowed in "
			    "OpenMetrics)");
		return perr(p, "invalid metric name %s",
		    show(sb, sizeof sb, s, token_len(s, e)));
	}
	for (s++; s < e && is(*s, C_MCHAR); s++)
		;
	nlen = (size_t)(s - name);
	q = om ? s : skip_blanks(s, e);
	if (q < e && *q == '{') {
		const char *r;

		if ((r = scan_labels(p, q, e, NULL, 1, &canon, &n)) == NULL)
			return -1;
		if (n > 0) {
			if (canon) {
				lab = q;
				llen = (size_t)(r - q);
			} else {
				buf_clear(&p->scratch);
				scan_labels(p, q, e, &p->scratch, 0, &canon, &n);
				lab = p->scratch.data;
				llen = p->scratch.len;
			}
		}
		s = r;
		if (om) {
			if (s == e || *s != ' ')
				return perr(p, "expected a space after the labels "
				    "of %s", show(sb, sizeof sb, name, nlen));
			s++;
		} else
			s = skip_blanks(s, e);
	} else if (q == e) {
		return perr(p, "missing value for %s",
		    show(sb, sizeof sb, name, nlen));
	} else if (q == s && (om ? *s != ' ' : 1)) {
		return perr(p, "invalid character %s in metric name %s",
		    show(sb2, sizeof sb2, s, 1),
		    show(sb, sizeof sb, name, nlen + 1));
	} else
		s = om ? s + 1 : q;

	vs = s;
	if (om) {
		for (ve = vs; ve < e && *ve != ' '; ve++)
			;
	} else
		ve = vs + token_len(vs, e);
	if (ve == vs)
		return perr(p, "missing value for %s",
		    show(sb, sizeof sb, name, nlen));
	if (expo_parse_value(vs, (size_t)(ve - vs), &v) != 0)
		return perr(p, "invalid value %s for %s",
		    show(sb2, sizeof sb2, vs, (size_t)(ve - vs)),
		    show(sb, sizeof sb, name, nlen));

	if (!om) {
		q = skip_blanks(ve, e);
		if (q < e) {
			size_t tl = token_len(q, e);

			if (parse_int_ms(q, tl, &ts) != 0)
				return perr(p, "invalid timestamp %s for %s "
				    "(integer milliseconds expected)",
				    show(sb2, sizeof sb2, q, tl),
				    show(sb, sizeof sb, name, nlen));
			has_ts = 1;
			q = skip_blanks(q + tl, e);
			if (q < e)
				return perr(p, "unexpected text %s after the "
				    "timestamp", show(sb, sizeof sb, q,
				    (size_t)(e - q)));
		}
	} else if (ve < e) {
		q = ve + 1;
		if (q < e && *q != '#') {
			const char *te;

			for (te = q; te < e && *te != ' '; te++)
				;
			if (parse_sec_ms(q, (size_t)(te - q), &ts) != 0)
				return perr(p, "invalid timestamp %s for %s",
				    show(sb2, sizeof sb2, q, (size_t)(te - q)),
				    show(sb, sizeof sb, name, nlen));
			has_ts = 1;
			if (te < e) {
				q = te + 1;
				if (q == e || *q != '#')
					return perr(p, "unexpected text %s after "
					    "the timestamp", show(sb, sizeof sb,
					    te, (size_t)(e - te)));
			} else
				q = e;
		} else if (q == e)
			return perr(p, "trailing space after the value of %s",
			    show(sb, sizeof sb, name, nlen));
		if (q < e && parse_exemplar(p, q, e) != 0)
			return -1;
	}
	deliver(p, name, nlen, lab, llen, v, has_ts, ts);
	return 0;
}

/* --------------------------------------------------------------- metadata */

enum meta { META_HELP, META_TYPE, META_UNIT };

static const char *const meta_names[] = { "HELP", "TYPE", "UNIT" };

static const struct {
	const char	*name;
	enum expo_type	 type;
	int		 text, om;	/* valid in the text format, in OpenMetrics */
} type_names[] = {
	{ "counter", EXPO_COUNTER, 1, 1 },
	{ "gauge", EXPO_GAUGE, 1, 1 },
	{ "histogram", EXPO_HISTOGRAM, 1, 1 },
	{ "summary", EXPO_SUMMARY, 1, 1 },
	{ "untyped", EXPO_UNTYPED, 1, 0 },
	{ "unknown", EXPO_UNTYPED, 0, 1 },
	{ "gaugehistogram", EXPO_GAUGE_HISTOGRAM, 0, 1 },
	{ "info", EXPO_INFO, 0, 1 },
	{ "stateset", EXPO_STATESET, 0, 1 },
};

const char *
expo_type_name(enum expo_type type)
{
	switch (type) {
	case EXPO_COUNTER:
		return "counter";
	case EXPO_GAUGE:
		return "gauge";
	case EXPO_HISTOGRAM:
		return "histogram";
	case EXPO_SUMMARY:
		return "summary";
	case EXPO_GAUGE_HISTOGRAM:
		return "gaugehistogram";
	case EXPO_INFO:
		return "info";
	case EXPO_STATESET:
		return "stateset";
	case EXPO_UNTYPED:
		break;
	}
	return "unknown";
}

/* Store a HELP text, unescaping \\ and \n (and \" in OpenMetrics); any
 * other backslash is kept as it is. */
static void
set_help(struct parser *p, struct family *f, const char *s, size_t n)
{
	const char *e = s + n, *q, *bs;
	size_t off;

	f->flags |= FAM_HELP;
	if ((bs = memchr(s, '\\', n)) == NULL) {
		f->flags &= ~FAM_HELP_ARENA;
		f->help = s;
		f->help_len = n;
		return;
	}
	off = p->arena.len;
	buf_add(&p->arena, s, (size_t)(bs - s));
	for (q = bs; q < e; q++) {
		if (*q == '\\' && q + 1 < e && (q[1] == '\\' || q[1] == 'n' ||
		    (q[1] == '"' && p->fmt == EXPO_FORMAT_OPENMETRICS))) {
			buf_addc(&p->arena, q[1] == 'n' ? '\n' : q[1]);
			q++;
		} else
			buf_addc(&p->arena, *q);
	}
	f->flags |= FAM_HELP_ARENA;
	f->help_off = off;
	f->help_len = p->arena.len - off;
}

static int
set_meta(struct parser *p, enum meta kind, const char *name, size_t nlen,
    const char *text, size_t tlen)
{
	static const unsigned bits[] = { FAM_HELP, FAM_TYPE, FAM_UNIT };
	int om = p->fmt == EXPO_FORMAT_OPENMETRICS;
	enum expo_type type = EXPO_UNTYPED;
	struct family *f;
	char sb[48], sb2[48];
	size_t idx, i;

	if (kind == META_TYPE) {
		for (i = 0; i < ARRAY_LEN(type_names); i++) {
			if ((om ? type_names[i].om : type_names[i].text) &&
			    strlen(type_names[i].name) == tlen &&
			    memcmp(type_names[i].name, text, tlen) == 0)
				break;
		}
		if (i == ARRAY_LEN(type_names))
			return perr(p, "invalid metric type %s for %s",
			    show(sb2, sizeof sb2, text, tlen),
			    show(sb, sizeof sb, name, nlen));
		type = type_names[i].type;
	}
	if (kind == META_UNIT) {
		for (i = 0; i < tlen; i++) {
			if (!is(text[i], C_MCHAR))
				return perr(p, "invalid unit %s for %s",
				    show(sb2, sizeof sb2, text, tlen),
				    show(sb, sizeof sb, name, nlen));
		}
		if (tlen > 0 && (nlen < tlen + 1 ||
		    name[nlen - tlen - 1] != '_' ||
		    memcmp(name + nlen - tlen, text, tlen) != 0))
			return perr(p, "unit %s is not a suffix of metric %s",
			    show(sb2, sizeof sb2, text, tlen),
			    show(sb, sizeof sb, name, nlen));
	}

	/* TYPE follows HELP for the same name, as a rule */
	if (p->cur != NONE && p->fams[p->cur].name_len == nlen &&
	    memcmp(p->fams[p->cur].name, name, nlen) == 0)
		idx = p->cur;
	else
		idx = family_get(p, name, nlen);
	f = &p->fams[idx];
	if (om && (f->flags & FAM_SAMPLES))
		return perr(p, "# %s for %s after its samples", meta_names[kind],
		    show(sb, sizeof sb, name, nlen));
	if (om && (f->flags & bits[kind]))
		return perr(p, "second # %s for %s", meta_names[kind],
		    show(sb, sizeof sb, name, nlen));
	switch (kind) {
	case META_HELP:
		set_help(p, f, text, tlen);
		break;
	case META_TYPE:
		f->type = type;
		f->flags |= FAM_TYPE;
		break;
	case META_UNIT:
		f->unit = text;
		f->unit_len = tlen;
		f->flags |= FAM_UNIT;
		break;
	}
	p->cur = idx;
	p->last_fam = NONE;	/* a new TYPE may change how names resolve */
	return 0;
}

/* A text format line whose first non-blank is '#' (s points at it). */
static int
text_comment(struct parser *p, const char *s, const char *e)
{
	const char *q = skip_blanks(s + 1, e), *name, *t;
	enum meta kind;
	char sb[48];
	size_t nlen;

	if (e - q >= 4 && memcmp(q, "HELP", 4) == 0)
		kind = META_HELP;
	else if (e - q >= 4 && memcmp(q, "TYPE", 4) == 0)
		kind = META_TYPE;
	else
		return 0;
	q += 4;
	if (q == e || !is(*q, C_BLANK))
		return 0;		/* "# HELPER ...": a comment */
	q = skip_blanks(q, e);
	name = q;
	if (q == e || !is(*q, C_MSTART))
		return perr(p, "expected a metric name after # %s, found %s",
		    meta_names[kind], show(sb, sizeof sb, q, token_len(q, e)));
	for (q++; q < e && is(*q, C_MCHAR); q++)
		;
	nlen = (size_t)(q - name);
	if (q < e && !is(*q, C_BLANK))
		return perr(p, "invalid metric name %s after # %s",
		    show(sb, sizeof sb, name, token_len(name, e)),
		    meta_names[kind]);
	q = skip_blanks(q, e);
	if (kind == META_HELP)
		return set_meta(p, kind, name, nlen, q, (size_t)(e - q));
	t = q + token_len(q, e);
	if (t == q)
		return perr(p, "missing type after # TYPE %s",
		    show(sb, sizeof sb, name, nlen));
	if (skip_blanks(t, e) != e)
		return perr(p, "unexpected text after the type in # TYPE %s",
		    show(sb, sizeof sb, name, nlen));
	return set_meta(p, kind, name, nlen, q, (size_t)(t - q));
}

/* An OpenMetrics line starting with '#'. */
static int
om_comment(struct parser *p, const char *s, const char *e)
{
	size_t len = (size_t)(e - s), nlen;
	const char *q, *name;
	enum meta kind;
	char sb[48];

	if (len == 5 && memcmp(s, "# EOF", 5) == 0) {
		p->res->eof_seen = 1;
		return 0;
	}
	if (len >= 5 && memcmp(s, "# EOF", 5) == 0)
		return perr(p, "unexpected text after # EOF");
	if (len >= 7 && memcmp(s, "# HELP ", 7) == 0)
		kind = META_HELP;
	else if (len >= 7 && memcmp(s, "# TYPE ", 7) == 0)
		kind = META_TYPE;
	else if (len >= 7 && memcmp(s, "# UNIT ", 7) == 0)
		kind = META_UNIT;
	else
		return perr(p, "invalid line starting with '#' (OpenMetrics "
		    "allows only # HELP, # TYPE, # UNIT and # EOF): %s",
		    show(sb, sizeof sb, s, len));
	q = name = s + 7;
	if (q == e || !is(*q, C_MSTART))
		return perr(p, "expected a metric name after # %s, found %s",
		    meta_names[kind], show(sb, sizeof sb, q, (size_t)(e - q)));
	for (q++; q < e && is(*q, C_MCHAR); q++)
		;
	nlen = (size_t)(q - name);
	if (q == e)
		return perr(p, "expected a space and text after # %s %s",
		    meta_names[kind], show(sb, sizeof sb, name, nlen));
	if (*q != ' ')
		return perr(p, "invalid metric name %s after # %s",
		    show(sb, sizeof sb, name, nlen + 1), meta_names[kind]);
	q++;
	return set_meta(p, kind, name, nlen, q, (size_t)(e - q));
}

/* ------------------------------------------------------------------ pages */

enum expo_format
expo_format_from_content_type(const char *ct)
{
	static const char om[] = "application/openmetrics-text";
	size_t n = sizeof om - 1;

	if (ct == NULL)
		return EXPO_FORMAT_TEXT;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, om, n) == 0 && (ct[n] == '\0' || ct[n] == ';' ||
	    ct[n] == ' ' || ct[n] == '\t'))
		return EXPO_FORMAT_OPENMETRICS;
	return EXPO_FORMAT_TEXT;
}

int
expo_parse(const char *buf, size_t len, enum expo_format fmt,
    expo_sample_fn on_sample, expo_error_fn on_error, void *ctx,
    struct expo_result *res)
{
	struct expo_result dummy;
	struct parser p;
	const char *s = buf, *end = buf + len;
	int om = fmt == EXPO_FORMAT_OPENMETRICS, rc = 0;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof *res);
	memset(&p, 0, sizeof p);
	p.fmt = fmt;
	p.on_sample = on_sample;
	p.on_error = on_error;
	p.ctx = ctx;
	p.res = res;
	p.cur = p.last_fam = NONE;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl != NULL ? nl : end, *next = nl != NULL ?
		    nl + 1 : end;
		int r;

		p.line++;
		if (om && res->eof_seen) {
			report(&p, p.line, "unexpected content after # EOF");
			rc = -1;
			break;
		}
		if (e > s && e[-1] == '\r')
			e--;
		if (om) {
			if (s == e)
				r = perr(&p, "blank line (not allowed in "
				    "OpenMetrics)");
			else if (*s == '#')
				r = om_comment(&p, s, e);
			else
				r = parse_sample(&p, s, e);
		} else {
			const char *t = skip_blanks(s, e);

			if (t == e)
				r = 0;
			else if (*t == '#')
				r = text_comment(&p, t, e);
			else
				r = parse_sample(&p, t, e);
		}
		if (r != 0)
			report(&p, p.line, p.err);
		s = next;
	}
	if (om && !res->eof_seen) {
		report(&p, p.line + 1, "missing # EOF at the end of the page");
		rc = -1;
	}

	free(p.fams);
	free(p.slots);
	free(p.lnames);
	buf_free(&p.arena);
	buf_free(&p.scratch);
	return rc;
}

/* ---------------------------------------------------- canonical label sets */

/*
 * Step over one label of a canonical set at *pp (after '{' or ',').
 * Sets the name and the raw (escaped) value; returns 1, 0 at '}' (with
 * *pp after it), -1 when the text is not canonical.
 */
static int
canon_next(const char **pp, const char *e, struct span *name,
    struct span *raw)
{
	const char *q = *pp;

	if (q < e && *q == '}') {
		*pp = q + 1;
		return 0;
	}
	name->p = q;
	while (q < e && is(*q, C_LCHAR))
		q++;
	name->n = (size_t)(q - name->p);
	if (name->n == 0 || e - q < 2 || q[0] != '=' || q[1] != '"')
		return -1;
	q += 2;
	raw->p = q;
	while (q < e && *q != '"') {
		if (*q == '\\' && q + 1 < e)
			q++;
		q++;
	}
	if (q == e)
		return -1;
	raw->n = (size_t)(q - raw->p);
	q++;
	if (q < e && *q == ',')
		q++;
	else if (q == e || *q != '}')
		return -1;
	*pp = q;
	return 1;
}

int
expo_label_get(const char *labels, size_t labels_len, const char *key,
    char *out, size_t outlen, size_t *value_len)
{
	const char *q = labels, *e = labels + labels_len;
	size_t klen = strlen(key);
	struct span name, raw;
	int r;

	if (outlen > 0)
		out[0] = '\0';
	if (value_len != NULL)
		*value_len = 0;
	if (labels_len < 2 || *q != '{')
		return 0;
	q++;
	while ((r = canon_next(&q, e, &name, &raw)) == 1) {
		size_t i, o = 0;

		if (name.n != klen || memcmp(name.p, key, klen) != 0)
			continue;
		for (i = 0; i < raw.n; i++) {
			char c = raw.p[i];

			if (c == '\\' && i + 1 < raw.n) {
				c = raw.p[++i];
				if (c == 'n')
					c = '\n';
			}
			if (o + 1 < outlen)
				out[o] = c;
			o++;
		}
		if (outlen > 0)
			out[o + 1 < outlen ? o : outlen - 1] = '\0';
		if (value_len != NULL)
			*value_len = o;
		return 1;
	}
	return 0;
}

void
expo_labels_without(const char *labels, size_t len, const char *key,
    struct buf *out)
{
	const char *q = labels, *e = labels + len;
	size_t klen = strlen(key), kept = 0;
	struct span name, raw;
	int r;

	buf_clear(out);
	if (len < 2 || *q != '{')
		goto verbatim;
	buf_addc(out, '{');
	q++;
	while ((r = canon_next(&q, e, &name, &raw)) == 1) {
		if (name.n == klen && memcmp(name.p, key, klen) == 0)
			continue;
		if (kept++ > 0)
			buf_addc(out, ',');
		buf_add(out, name.p, (size_t)(raw.p + raw.n + 1 - name.p));
	}
	if (r != 0 || q != e)
		goto verbatim;
	if (kept == 0)
		buf_clear(out);
	else
		buf_addc(out, '}');
	return;

verbatim:
	buf_clear(out);
	buf_add(out, labels, len);
}

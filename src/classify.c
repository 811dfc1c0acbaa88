/*
 * classify.c -- classification rules for log records.
 *
 * Rule files are INI, read through inireader (as config.c is) so that
 * every key and section header has its line number, every syntax error
 * is reported, and a line longer than inih's buffer (a long regex) is
 * parsed rather than cut.
 *
 * Matching is the hot path: every log line of every worker goes through
 * it.  Each rule's regex yields, per top-level alternative, the longest
 * run of literal text any match must contain.  One pass over a record
 * marks which rules have one of their literals present (a bigram bitmap
 * rejects most positions at once); regexec runs only for those, and for
 * the few rules without a usable literal.
 */
#include "classify.h"
#include "inireader.h"
#include "regsafe.h"
#include "util.h"

#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MATCH_TEXT_MAX	2048	/* a traceback's match text */
#define FIRST_LINE_MAX	1024
#define MIN_LITERAL	2	/* the prefilter works on bigrams */
#define HIT_WORDS	16	/* rules marked on the stack: 1024 */

enum rule_key {
	KEY_MATCH,
	KEY_EXCEPTION,
	KEY_CLASS,
	KEY_SEVERITY,
	KEY_STRATEGY,
	KEY_FALLBACK,
	KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = {
	"match", "exception", "class", "severity", "strategy", "fallback"
};
#define KEYS_HELP	"match, exception, class, severity, strategy or fallback"

static const char *const strategies[] = {
	"trim", "restart", "reload", "scale", "investigate", "none"
};
#define STRATEGIES_HELP	"trim, restart, reload, scale, investigate or none"

struct rule {
	char		*name;
	char		*file;
	int		 line;		/* of the section header */
	int		 key_line[KEY_COUNT];	/* 0 = not given */
	char		*match;
	regex_t		 match_re;
	int		 has_match;
	char		*exception;
	regex_t		 exc_re;
	int		 has_exc;
	char		*cls;
	enum severity	 severity;
	char		*strategy;
	int		 fallback;
	int		 bad;		/* an error: not loaded */
	int		 filtered;	/* has a literal in the prefilter */
};

struct literal {
	uint16_t	 bigram;
	uint32_t	 rule;
	char		*s;
	size_t		 len;
};

struct classifier {
	struct rule   **rules;
	size_t		 nrules, cap;
	struct literal	*lits;
	size_t		 nlits;
	uint64_t	 bigrams[65536 / 64];
};

struct parse {
	struct classifier *c;
	struct cfg_errors *errs;
	const char	*file;
	int		 lineno;	/* of the line being read */
	struct rule   **rules;		/* this file's, in order */
	size_t		 nrules, cap;
	struct rule	*cur;		/* NULL outside a [rule] section */
	int		 skip;		/* in a section already reported */
};

/* ------------------------------------------------------------------ */
/* Rules */

static void
rule_free(struct rule *r)
{
	if (r == NULL)
		return;
	if (r->has_match)
		regfree(&r->match_re);
	if (r->has_exc)
		regfree(&r->exc_re);
	free(r->name);
	free(r->file);
	free(r->match);
	free(r->exception);
	free(r->cls);
	free(r->strategy);
	free(r);
}

static void
perr(struct parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parse *p, int line, const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	cfg_errors_add(p->errs, p->file, line, "%s", b.data);
	buf_free(&b);
}

static int
name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.:", *s) == NULL)
			return 0;
	return 1;
}


static void
section_start(struct parse *p, char *header)
{
	struct rule *r;
	char *name;
	size_t i;

	header = util_trim(header);
	p->cur = NULL;
	p->skip = 1;
	if (strncmp(header, "rule", 4) != 0 ||
	    (header[4] != '\0' && !isspace((unsigned char)header[4]))) {
		perr(p, p->lineno, "unknown section [%s]: expected [rule NAME]",
		    header);
		return;
	}
	name = util_trim(header + 4);
	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(name);
	r->file = xstrdup(p->file);
	r->line = p->lineno;
	r->severity = SEVERITY_WARNING;
	r->strategy = xstrdup("investigate");
	p->rules = xgrow(p->rules, &p->cap, p->nrules + 1, sizeof *p->rules);
	p->rules[p->nrules++] = r;
	p->cur = r;

	if (*name == '\0') {
		perr(p, p->lineno, "[rule] needs a name: [rule NAME]");
		r->bad = 1;
		return;
	}
	if (!name_ok(name)) {
		perr(p, p->lineno, "rule name \"%s\": use letters, digits and "
		    "'-', '_', '.' or ':'", name);
		r->bad = 1;
		return;
	}
	for (i = 0; i + 1 < p->nrules; i++) {
		if (strcmp(p->rules[i]->name, name) == 0) {
			perr(p, p->lineno, "rule %s: already defined at line %d",
			    name, p->rules[i]->line);
			r->bad = 1;
			return;
		}
	}
}

static int
parse_bool(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
class_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 32)
		return 0;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-' && *s != '_')
			return 0;
	return 1;
}

static void
key_value(struct parse *p, const char *key, const char *value)
{
	struct rule *r = p->cur;
	enum severity sev;
	size_t i;
	int k, b;

	if (r == NULL) {
		/* The keys of a section already reported are not. */
		if (!p->skip)
			perr(p, p->lineno, "%s: key outside any section: put "
			    "it under [rule NAME]", key);
		return;
	}
	if (*key == '\0') {
		perr(p, p->lineno, "missing key name before '='");
		r->bad = 1;
		return;
	}
	for (k = 0; k < KEY_COUNT; k++)
		if (strcmp(key, key_names[k]) == 0)
			break;
	if (k == KEY_COUNT) {
		perr(p, p->lineno, "unknown key \"%s\" in [rule %s]: expected "
		    KEYS_HELP, key, r->name);
		r->bad = 1;
		return;
	}
	if (r->key_line[k] != 0) {
		perr(p, p->lineno, "%s: repeated in [rule %s] (first at line "
		    "%d)", key, r->name, r->key_line[k]);
		r->bad = 1;
		return;
	}
	r->key_line[k] = p->lineno;

	switch (k) {
	case KEY_MATCH:
	case KEY_EXCEPTION:
		if (*value == '\0') {
			perr(p, p->lineno, "rule %s: %s is empty", r->name, key);
			r->bad = 1;
		} else if (k == KEY_MATCH)
			r->match = xstrdup(value);
		else
			r->exception = xstrdup(value);
		break;
	case KEY_CLASS:
		if (!class_ok(value)) {
			perr(p, p->lineno, "class: expected one lower-case word "
			    "such as oom, crash, timeout or exception (got "
			    "\"%s\")", value);
			r->bad = 1;
		} else
			r->cls = xstrdup(value);
		break;
	case KEY_SEVERITY:
		if (config_severity_parse(value, &sev) == -1) {
			perr(p, p->lineno, "severity: expected info, warning or "
			    "critical (got \"%s\")", value);
			r->bad = 1;
		} else
			r->severity = sev;
		break;
	case KEY_STRATEGY:
		for (i = 0; i < ARRAY_LEN(strategies); i++)
			if (strcasecmp(value, strategies[i]) == 0)
				break;
		if (i == ARRAY_LEN(strategies)) {
			perr(p, p->lineno, "strategy: expected " STRATEGIES_HELP
			    " (got \"%s\")", value);
			r->bad = 1;
		} else {
			free(r->strategy);
			r->strategy = xstrdup(strategies[i]);
		}
		break;
	case KEY_FALLBACK:
		if (parse_bool(value, &b) == -1) {
			perr(p, p->lineno, "fallback: expected yes or no (got "
			    "\"%s\")", value);
			r->bad = 1;
		} else
			r->fallback = b;
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Reading: inireader's callbacks */

static void
read_section(void *ctx, const char *name, int line)
{
	struct parse *p = ctx;
	char *header;

	p->lineno = line;
	if (name == NULL) {
		/* A bad header (reported): its keys are not ours. */
		p->cur = NULL;
		p->skip = 1;
		return;
	}
	header = xstrdup(name);
	section_start(p, header);
	free(header);
}

static void
read_key(void *ctx, const char *key, const char *value, int line)
{
	struct parse *p = ctx;

	p->lineno = line;
	key_value(p, key, value);
}

/* A bad line makes the rule it is in bad: the rule is not used. */
static void
read_error(void *ctx, int line, const char *msg)
{
	struct parse *p = ctx;

	perr(p, line, "%s", msg);
	if (p->cur != NULL)
		p->cur->bad = 1;
}

static const struct inireader_ops read_ops = {
	.section = read_section,
	.key = read_key,
	.error = read_error,
	.expected = "KEY = VALUE, [rule NAME] or a comment",
};

/* ------------------------------------------------------------------ */
/* Checking and compiling a file's rules */

static int
compile(struct parse *p, struct rule *r, const char *re, regex_t *out,
    int line)
{
	char msg[256];

	if (regsafe_compile(out, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE,
	    msg, sizeof msg) == 0)
		return 0;
	perr(p, line, "rule %s: bad regex: %s", r->name, msg);
	return -1;
}

static void
check_rule(struct parse *p, struct rule *r)
{
	if (r->bad)
		return;
	if (r->match == NULL && r->exception == NULL) {
		perr(p, r->line, "rule %s: needs match or exception (or both)",
		    r->name);
		r->bad = 1;
	}
	if (r->cls == NULL) {
		perr(p, r->line, "rule %s: class is missing (oom, crash, "
		    "timeout, exception...)", r->name);
		r->bad = 1;
	}
	if (r->match != NULL) {
		if (compile(p, r, r->match, &r->match_re,
		    r->key_line[KEY_MATCH]) == 0)
			r->has_match = 1;
		else
			r->bad = 1;
	}
	if (r->exception != NULL) {
		if (compile(p, r, r->exception, &r->exc_re,
		    r->key_line[KEY_EXCEPTION]) == 0)
			r->has_exc = 1;
		else
			r->bad = 1;
	}
}

/* Add r to the classifier: in place of an earlier file's rule of the
 * same name, or at the end. */
static void
merge(struct classifier *c, struct rule *r)
{
	size_t i;

	for (i = 0; i < c->nrules; i++) {
		if (strcmp(c->rules[i]->name, r->name) == 0) {
			rule_free(c->rules[i]);
			c->rules[i] = r;
			return;
		}
	}
	c->rules = xgrow(c->rules, &c->cap, c->nrules + 1, sizeof *c->rules);
	c->rules[c->nrules++] = r;
}

/* Stable sort of errs->v[from..] by line, so that a file's errors read
 * top to bottom. */
static void
errors_sort(struct cfg_errors *errs, size_t from)
{
	struct cfg_error e;
	size_t i, j;

	for (i = from + 1; i < errs->n; i++) {
		e = errs->v[i];
		for (j = i; j > from && errs->v[j - 1].line > e.line; j--)
			errs->v[j] = errs->v[j - 1];
		errs->v[j] = e;
	}
}

static void
load_file(struct classifier *c, const char *path, struct cfg_errors *errs)
{
	struct parse p;
	size_t from = errs->n, i;
	char err[256];
	int rc;

	memset(&p, 0, sizeof p);
	p.c = c;
	p.errs = errs;
	p.file = path;
	rc = inireader_parse(path, &read_ops, &p, err, sizeof err);
	if (rc != 0)
		cfg_errors_add(errs, path, 0, "%s", err);
	if (rc == INIREADER_OPEN)
		return;

	for (i = 0; i < p.nrules; i++) {
		check_rule(&p, p.rules[i]);
		if (p.rules[i]->bad)
			rule_free(p.rules[i]);
		else
			merge(c, p.rules[i]);
	}
	free(p.rules);
	errors_sort(errs, from);
}

/* ------------------------------------------------------------------ */
/* Literals for the prefilter */

/* Index just past the bracket expression starting at a[i] == '['. */
static size_t
skip_bracket(const char *a, size_t n, size_t i)
{
	size_t k = i + 1;
	char close;

	if (k < n && a[k] == '^')
		k++;
	if (k < n && a[k] == ']')
		k++;
	while (k < n && a[k] != ']') {
		if (a[k] == '[' && k + 1 < n && strchr(":.=", a[k + 1]) != NULL) {
			close = a[k + 1];
			for (k += 2; k + 1 < n && !(a[k] == close &&
			    a[k + 1] == ']'); k++)
				;
			k += 2;
			continue;
		}
		k++;
	}
	return k < n ? k + 1 : n;
}

/* Index just past the group starting at a[i] == '(', or 0 when it is
 * not closed. */
static size_t
skip_group(const char *a, size_t n, size_t i)
{
	int depth = 0;

	while (i < n) {
		switch (a[i]) {
		case '\\':
			i += 2;
			continue;
		case '[':
			i = skip_bracket(a, n, i);
			continue;
		case '(':
			depth++;
			break;
		case ')':
			if (--depth == 0)
				return i + 1;
			break;
		}
		i++;
	}
	return 0;	/* unterminated */
}

/* A set of literals, one of which at least every match contains. */
struct litset {
	char	       **s;
	size_t		 n, cap;
	size_t		 min;		/* the length of the shortest */
};

static void
litset_clear(struct litset *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		free(ls->s[i]);
	ls->n = 0;
	ls->min = 0;
}

static void
litset_free(struct litset *ls)
{
	litset_clear(ls);
	free(ls->s);
	memset(ls, 0, sizeof *ls);
}

static void
litset_add(struct litset *ls, const char *s, size_t len)
{
	ls->s = xgrow(ls->s, &ls->cap, ls->n + 1, sizeof *ls->s);
	ls->s[ls->n++] = xstrndup(s, len);
	if (ls->n == 1 || len < ls->min)
		ls->min = len;
}

/* Is cand a better prefilter than best: a longer shortest literal, or
 * as long with fewer literals? */
static int
litset_better(const struct litset *cand, const struct litset *best)
{
	if (cand->n == 0)
		return 0;
	if (best->n == 0 || cand->min != best->min)
		return best->n == 0 || cand->min > best->min;
	return cand->n < best->n;
}

/* Move src into dst. */
static void
litset_take(struct litset *dst, struct litset *src)
{
	litset_free(dst);
	*dst = *src;
	memset(src, 0, sizeof *src);
}

/* The run of plain characters read so far ends: keep it if it is the
 * best required literal yet. */
static void
run_cut(struct buf *run, struct litset *best)
{
	struct litset one = {0};

	if (run->len > 0) {
		litset_add(&one, run->data, run->len);
		if (litset_better(&one, best))
			litset_take(best, &one);
		litset_free(&one);
	}
	buf_clear(run);
}

/* A quantifier makes the last character optional or repeated: it is
 * not part of a required run (all of it, when it is a UTF-8 sequence). */
static void
run_drop_last(struct buf *run)
{
	while (run->len > 0 && ((unsigned char)run->data[run->len - 1] &
	    0xc0) == 0x80)
		run->len--;
	if (run->len > 0)
		run->len--;
	run->data[run->len] = '\0';
}

static int regex_literals(const char *re, size_t n, struct litset *out,
    int depth);

/*
 * Into best: the best set of literals every match of the alternative
 * a[0..n) contains one of -- a run of plain characters, or the literals
 * of a group that must match (recursively).  Returns 0, or -1 when there
 * is none or something is not understood (an unmatched ')').
 */
static int
alt_literals(const char *a, size_t n, struct litset *best, int depth)
{
	struct buf run = {0};
	struct litset cand = {0};
	size_t i = 0, j;
	int rc = 0;

	buf_adds(&run, "");
	while (i < n && rc == 0) {
		switch (a[i]) {
		case '\\':
			if (i + 1 < n && ispunct((unsigned char)a[i + 1]))
				buf_addc(&run, a[i + 1]);
			else
				run_cut(&run, best);	/* \w, \b, \1 ... */
			i += 2;
			break;
		case '(':
			run_cut(&run, best);
			j = skip_group(a, n, i);
			if (j == 0) {
				rc = -1;
				break;
			}
			/* A group that must match offers its literals. */
			if (j >= n || strchr("?*{", a[j]) == NULL) {
				litset_clear(&cand);
				if (regex_literals(a + i + 1, j - i - 2, &cand,
				    depth + 1) == 0 && litset_better(&cand, best))
					litset_take(best, &cand);
			}
			i = j;
			break;
		case '[':
			run_cut(&run, best);
			i = skip_bracket(a, n, i);
			break;
		case '.':
		case '^':
		case '$':
			run_cut(&run, best);
			i++;
			break;
		case '*':
		case '?':
			run_drop_last(&run);
			run_cut(&run, best);
			i++;
			break;
		case '{':
			run_drop_last(&run);
			run_cut(&run, best);
			while (i < n && a[i] != '}')
				i++;
			i++;
			break;
		case '+':
			run_cut(&run, best);
			i++;
			break;
		case ')':
		case '|':
			rc = -1;
			break;
		default:
			buf_addc(&run, a[i]);
			i++;
			break;
		}
	}
	if (rc == 0)
		run_cut(&run, best);
	buf_free(&run);
	litset_free(&cand);
	return rc == 0 && best->n > 0 ? 0 : -1;
}

/*
 * Into out: literals such that every match of the regex re[0..n)
 * contains one of them, at least MIN_LITERAL bytes each: the union of
 * each top-level alternative's.  Returns 0, or -1 when there is no such
 * set (an alternative without a literal: the regex must always run).
 */
static int
regex_literals(const char *re, size_t n, struct litset *out, int depth)
{
	struct litset alt = {0};
	size_t start = 0, k = 0, i;
	int d = 0;

	litset_clear(out);
	if (depth > 16)
		return -1;
	for (;;) {
		if (k >= n || (re[k] == '|' && d == 0)) {
			if (k > n)
				k = n;
			litset_clear(&alt);
			if (alt_literals(re + start, k - start, &alt, depth) == -1 ||
			    alt.min < MIN_LITERAL) {
				litset_free(&alt);
				litset_clear(out);
				return -1;
			}
			for (i = 0; i < alt.n; i++)
				litset_add(out, alt.s[i], strlen(alt.s[i]));
			if (k >= n)
				break;
			start = ++k;
			continue;
		}
		switch (re[k]) {
		case '\\':
			k += 2;
			continue;
		case '[':
			k = skip_bracket(re, n, k);
			continue;
		case '(':
			d++;
			break;
		case ')':
			if (--d < 0) {
				litset_free(&alt);
				litset_clear(out);
				return -1;
			}
			break;
		}
		k++;
	}
	litset_free(&alt);
	return 0;
}

static void
add_literal(struct classifier *c, size_t *cap, uint32_t rule,
    const char *s, size_t len)
{
	struct literal *l;

	c->lits = xgrow(c->lits, cap, c->nlits + 1, sizeof *c->lits);
	l = &c->lits[c->nlits++];
	l->bigram = (uint16_t)((unsigned char)s[0] << 8 | (unsigned char)s[1]);
	l->rule = rule;
	l->s = xstrndup(s, len);
	l->len = len;
	c->bigrams[l->bigram >> 6] |= 1ULL << (l->bigram & 63);
}

/* Give rule i its literals, or none (it always runs its regex). */
static void
rule_literals(struct classifier *c, size_t *cap, uint32_t i)
{
	const char *re = c->rules[i]->match;
	struct litset ls = {0};
	size_t k;

	if (regex_literals(re, strlen(re), &ls, 0) == 0) {
		for (k = 0; k < ls.n; k++)
			add_literal(c, cap, i, ls.s[k], strlen(ls.s[k]));
		c->rules[i]->filtered = 1;
	}
	litset_free(&ls);
}

static int
literal_cmp(const void *x, const void *y)
{
	const struct literal *a = x, *b = y;

	return (int)a->bigram - (int)b->bigram;
}

/* Order the rules (fallbacks last) and build the prefilter. */
static void
prepare(struct classifier *c)
{
	struct rule **ordered;
	size_t i, n = 0, cap = 0;
	int pass;

	ordered = xcalloc(c->nrules + 1, sizeof *ordered);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < c->nrules; i++)
			if (c->rules[i]->fallback == pass)
				ordered[n++] = c->rules[i];
	free(c->rules);
	c->rules = ordered;
	c->cap = c->nrules + 1;

	for (i = 0; i < c->nrules; i++)
		if (c->rules[i]->has_match)
			rule_literals(c, &cap, (uint32_t)i);
	/* Bigrams of literals that were undone stay set: harmless. */
	if (c->nlits > 0)
		qsort(c->lits, c->nlits, sizeof *c->lits, literal_cmp);
}

/* ------------------------------------------------------------------ */

struct classifier *
classifier_load(const char *const *paths, size_t n, struct cfg_errors *errs)
{
	struct classifier *c = xcalloc(1, sizeof *c);
	size_t i;

	for (i = 0; i < n; i++)
		load_file(c, paths[i], errs);
	prepare(c);
	return c;
}

void
classifier_free(struct classifier *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nrules; i++)
		rule_free(c->rules[i]);
	for (i = 0; i < c->nlits; i++)
		free(c->lits[i].s);
	free(c->rules);
	free(c->lits);
	free(c);
}

size_t
classifier_rule_count(const struct classifier *c)
{
	return c->nrules;
}

const char *
classifier_rule_name(const struct classifier *c, size_t i)
{
	return i < c->nrules ? c->rules[i]->name : NULL;
}

/* Mark in hit[] every rule with one of its literals in s[0..n). */
static void
prefilter(const struct classifier *c, const char *s, size_t n, uint64_t *hit)
{
	const struct literal *l;
	size_t i, lo, hi, mid;
	unsigned key;

	for (i = 0; i + 1 < n; i++) {
		key = (unsigned)(unsigned char)s[i] << 8 |
		    (unsigned char)s[i + 1];
		if (!(c->bigrams[key >> 6] & (1ULL << (key & 63))))
			continue;
		lo = 0;
		hi = c->nlits;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (c->lits[mid].bigram < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (l = &c->lits[lo]; l < c->lits + c->nlits &&
		    l->bigram == key; l++) {
			if (l->len <= n - i && memcmp(s + i, l->s, l->len) == 0)
				hit[l->rule >> 6] |= 1ULL << (l->rule & 63);
		}
	}
}

int
classifier_match(const struct classifier *c, const struct tb_record *r,
    struct class_match *out)
{
	uint64_t stack_hit[HIT_WORDS], *hit = stack_hit;
	char tbtext[MATCH_TEXT_MAX];
	const char *text, *nl;
	size_t len, words, i;
	const struct rule *ru;
	int found = 0;

	if (c->nrules == 0)
		return 0;
	if (r->is_traceback) {
		/* The first line, the chain's causes, then "TYPE: MESSAGE". */
		text = r->text != NULL ? r->text : "";
		nl = strchr(text, '\n');
		len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		if (len > FIRST_LINE_MAX)
			len = FIRST_LINE_MAX;
		snprintf(tbtext, sizeof tbtext, "%.*s\n%s%s%s%s%s", (int)len,
		    text, r->chain, r->chain[0] != '\0' ? "\n" : "",
		    r->exc_type, r->message[0] != '\0' ? ": " : "", r->message);
		text = tbtext;
		len = strlen(tbtext);
	} else {
		text = r->text != NULL ? r->text : "";
		len = r->text != NULL ? r->text_len : 0;
	}

	words = c->nrules / 64 + 1;
	if (words > HIT_WORDS)
		hit = xcalloc(words, sizeof *hit);
	else
		memset(hit, 0, words * sizeof *hit);
	if (c->nlits > 0)
		prefilter(c, text, len, hit);

	for (i = 0; i < c->nrules; i++) {
		ru = c->rules[i];
		if (ru->has_exc && (!r->is_traceback ||
		    regexec(&ru->exc_re, r->exc_type, 0, NULL, 0) != 0))
			continue;
		if (ru->has_match) {
			if (ru->filtered && !(hit[i >> 6] & (1ULL << (i & 63))))
				continue;
			if (regexec(&ru->match_re, text, 0, NULL, 0) != 0)
				continue;
		}
		out->rule = ru->name;
		out->cls = ru->cls;
		out->severity = (int)ru->severity;
		out->strategy = ru->strategy;
		found = 1;
		break;
	}
	if (hit != stack_hit)
		free(hit);
	return found;
}

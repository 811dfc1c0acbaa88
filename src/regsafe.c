/*
 * regsafe.c -- see regsafe.h.
 */
#include "regsafe.h"

#include <stdio.h>
#include <stdlib.h>

/* Skip a bracket expression at p ('[' ... ']'); returns past it. */
static const char *
skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char close = p[1];

			p += 2;
			while (*p != '\0' && !(p[0] == close && p[1] == ']'))
				p++;
			if (*p != '\0')
				p += 2;
		} else
			p++;
	}
	return *p == ']' ? p + 1 : p;
}

/* Parse "{m}", "{m,}" or "{m,n}" at p; the largest copy count it asks
 * for, or -1 when it is not a bound (then '{' is a literal). */
static double
parse_bound(const char **pp)
{
	const char *p = *pp + 1;
	char *end;
	double m, n;

	if (*p < '0' || *p > '9')
		return -1;
	m = strtod(p, &end);
	p = end;
	n = m;
	if (*p == ',') {
		p++;
		if (*p >= '0' && *p <= '9') {
			n = strtod(p, &end);
			p = end;
		} else
			n = m + 1;	/* {m,}: m copies and a star */
	}
	if (*p != '}')
		return -1;
	*pp = p + 1;
	return m > n ? m : n;
}

/* The cost of the sequence at *pp up to ')' (depth > 0) or the end. */
static double
cost_seq(const char **pp, int depth)
{
	const char *p = *pp;
	double total = 0, last = 0, k;
	int post = 0;	/* the last token was a repetition operator */

	if (depth > REGSAFE_MAX_DEPTH)
		return REGSAFE_MAX_COST + 1.0;
	while (*p != '\0' && total <= REGSAFE_MAX_COST) {
		/* POSIX leaves adjacent repetition operators undefined, and
		 * glibc's answer can be exponential ("x++++", "($)+++") */
		if (post && (*p == '*' || *p == '+' || *p == '?' ||
		    (*p == '{' && p[1] >= '0' && p[1] <= '9')))
			return REGSAFE_MAX_COST + 1.0;
		post = *p == '*' || *p == '+' || *p == '?';
		switch (*p) {
		case ')':
			if (depth > 0) {
				*pp = p;
				return total;
			}
			p++;
			last = 1;
			total += 1;
			break;
		case '(':
			p++;
			last = cost_seq(&p, depth + 1);
			if (*p == ')')
				p++;
			if (last < 1)
				last = 1;
			total += last;
			break;
		case '|':
			p++;
			last = 0;
			break;
		case '[':
			p = skip_bracket(p);
			last = 1;
			total += 1;
			break;
		case '\\':
			p += p[1] != '\0' ? 2 : 1;
			last = 1;
			total += 1;
			break;
		case '*':
		case '?':
			p++;
			break;
		case '+':
			/* x+ is built as x x* */
			p++;
			total += last;
			last *= 2;
			break;
		case '{':
			if ((k = parse_bound(&p)) < 0) {
				p++;
				last = 1;
				total += 1;
				break;
			}
			if (k < 1)
				k = 1;
			total += last * (k - 1);
			last *= k;
			post = 1;
			break;
		default:
			p++;
			last = 1;
			total += 1;
			break;
		}
	}
	*pp = p;
	return total;
}

double
regsafe_cost(const char *pat)
{
	const char *p = pat;

	return cost_seq(&p, 0);
}

int
regsafe_compile(regex_t *re, const char *pat, int cflags, char *err,
    size_t errlen)
{
	char msg[256];
	int rc;

	if (regsafe_cost(pat) > REGSAFE_MAX_COST) {
		snprintf(err, errlen, "too complex: repetition operators in a "
		    "row, or repetitions ('+', {m,n}, nested groups) that would "
		    "expand to more than %d copies", REGSAFE_MAX_COST);
		return -1;
	}
	rc = regcomp(re, pat, cflags);
	if (rc != 0) {
		regerror(rc, re, msg, sizeof msg);
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	return 0;
}

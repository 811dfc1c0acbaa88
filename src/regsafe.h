/*
 * regsafe.h -- compiling user-supplied POSIX extended regular expressions
 * (worker `match`, log rules) without letting one exhaust memory.
 *
 * glibc's regcomp copies an atom once for every bound of a {m,n}
 * repetition and once more for each '+', so "x++++...+" or nested
 * bounds grow the compiled tree exponentially: a forty-character
 * pattern can ask for gigabytes.  regsafe_compile estimates that size
 * first and refuses what is too large, with a message.  Adjacent
 * repetition operators ("x+*", "(a|$)+++"), which POSIX leaves undefined
 * and which can make regcomp or regexec run for minutes, are refused too.
 */
#ifndef MODELTOP_REGSAFE_H
#define MODELTOP_REGSAFE_H

#include <regex.h>
#include <stddef.h>

/* Largest estimated number of copied atoms accepted (a few MB of tree). */
#define REGSAFE_MAX_COST	50000
/* Deepest nesting of parentheses accepted. */
#define REGSAFE_MAX_DEPTH	100

/*
 * The estimated size of pat's compiled tree, in atoms (a literal, a
 * bracket expression, an escape...); at least REGSAFE_MAX_COST + 1 when it
 * is over the limit, nested deeper than REGSAFE_MAX_DEPTH, or has two
 * repetition operators in a row.  Never fails.
 */
double regsafe_cost(const char *pat);

/*
 * regcomp(re, pat, cflags) after checking regsafe_cost.  Returns 0 (free
 * re with regfree), or -1 with a message in err ("too complex: ..." or
 * regerror's text) and nothing to free.
 */
int regsafe_compile(regex_t *re, const char *pat, int cflags, char *err,
    size_t errlen);

#endif

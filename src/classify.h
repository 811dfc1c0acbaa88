/*
 * classify.h -- classify log records (single lines and assembled
 * tracebacks) with rules read from INI files: a regex to match, the
 * class of incident it means, a severity and a recommended recovery.
 *
 *   [rule cuda-oom]
 *   match = CUDA out of memory|torch\.cuda\.OutOfMemoryError
 *   exception = ...         ; optional: only tracebacks whose type matches
 *   class = oom
 *   severity = critical     ; info | warning | critical (default warning)
 *   strategy = restart      ; trim | restart | reload | scale |
 *                           ; investigate | none (default investigate)
 *   fallback = no           ; yes: tried only after every other rule
 *
 * Regexes are POSIX extended, compiled once, matched with REG_NEWLINE
 * ('^' and '$' match at line ends).  "match" is tried against a single
 * line's text, or for a traceback its first line, then the "Type:
 * message" lines of the exceptions chained before the last one, then the
 * last one's "TYPE: MESSAGE", each on a line of its own.  A rule needs "match", "exception" or both.  The first
 * matching rule wins.  docs/logs.md is the user's reference.
 */
#ifndef MODELTOP_CLASSIFY_H
#define MODELTOP_CLASSIFY_H

#include <stddef.h>

#include "config.h"
#include "traceback.h"

struct classifier;

/*
 * Load the rule files paths[0..n-1] in order (the shipped set first, then
 * the users' own).  Rules keep the order they are read in, except that a
 * rule named like one of an earlier file replaces it in its place, and
 * fallback rules go after all the others.  Every problem is appended to
 * errs as FILE:LINE: message (an invalid regex as "rule NAME: bad regex:
 * <regerror text>", an unknown key, a bad value, a file that cannot be
 * read as FILE: message); a rule with any problem is left out and the
 * rest load.  Always returns a classifier (perhaps with no rules), owned
 * by the caller: classifier_free.
 */
struct classifier *classifier_load(const char *const *paths, size_t n,
    struct cfg_errors *errs);

/* Free c and everything it owns (NULL is fine). */
void classifier_free(struct classifier *c);

/* A rule's verdict.  The strings belong to the classifier and live as
 * long as it. */
struct class_match {
	const char	*rule;		/* the rule's name */
	const char	*cls;		/* "oom", "crash", "exception", ... */
	int		 severity;	/* enum severity of config.h */
	const char	*strategy;	/* "restart", "investigate", ... */
};

/*
 * Try the rules in order on r.  Returns 1 and fills *out with the first
 * rule that matches, or 0 when none does.  Cheap: most lines are turned
 * down by a literal prefilter without running a regex.  Safe to call
 * from several threads on one classifier.
 */
int classifier_match(const struct classifier *c, const struct tb_record *r,
    struct class_match *out);

/* The number of rules loaded. */
size_t classifier_rule_count(const struct classifier *c);

/* The name of rule i (0 <= i < classifier_rule_count), in the order they
 * are tried; owned by c. */
const char *classifier_rule_name(const struct classifier *c, size_t i);

#endif

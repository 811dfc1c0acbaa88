/*
 * patterns.h -- error pattern analysis over a list of incidents (live
 * from the tracker, or loaded from a recording): how often each worker
 * and each class fails, the mean time between failures, the mean time to
 * resolve, and the errors that keep coming back.
 *
 * Pure functions over arrays: nothing here reads the clock, the store or
 * the tracker.  Strings in the results are borrowed from the incidents
 * given, so the results are valid as long as those are.
 */
#ifndef MODELTOP_PATTERNS_H
#define MODELTOP_PATTERNS_H

#include <stddef.h>
#include <stdint.h>

#include "incident.h"

/* How patterns_group groups the incidents. */
enum pattern_by {
	PATTERN_BY_WORKER,	/* one group per worker, all classes */
	PATTERN_BY_CLASS,	/* one group per class, all workers */
	PATTERN_BY_PAIR,	/* one group per (worker, class) */
	PATTERN_BY_ALL		/* one group for everything */
};

/* Figures of one group.  worker is NULL in class and "all" groups, cls
 * NULL in worker and "all" groups. */
struct pattern_group {
	const char	*worker, *cls;
	int		 count;		/* incidents opened */
	int		 count_hour;	/* opened within the hour before now */
	int		 count_day;	/* opened within the day before now */
	int		 open;		/* still open */
	int		 resolved;
	int		 triggers;	/* sum of the incidents' counts */
	int64_t		 first_ms, last_ms;	/* first and last opening */
	/* mean gap between consecutive openings; NAN with fewer than 2 */
	double		 mtbf_ms;
	/* mean of resolved - opened over the resolved ones; NAN when none */
	double		 mttr_ms;
};

/* An error that came back: a group of incidents with the same signature
 * (or, without one, the same class and exception type) on one worker, of
 * which at least one opened after an earlier one had been resolved. */
struct pattern_recurring {
	const char	*worker, *cls;
	const char	*exc_type, *exc_message;	/* "" when none */
	uint64_t	 signature;	/* 0 when grouped by class+exc_type */
	int		 occurrences;	/* incidents in the group */
	int		 recurrences;	/* openings after a resolved one */
	int64_t		 first_ms;	/* the first opening */
	int64_t		 last_ms;	/* the last recurrence's opening */
	int64_t		 last_id;	/* that incident's id */
};

/*
 * Group the n incidents v by `by` and compute each group's figures, with
 * now_ms as "now" for the last hour and day (a report on a recording
 * passes the end of its window).  *out is set to a new array (free it;
 * NULL when n is 0) sorted by count, most first, then by name.  Returns
 * the number of groups.
 */
size_t patterns_group(const struct incident *v, size_t n, enum pattern_by by,
    int64_t now_ms, struct pattern_group **out);

/*
 * Find the recurring errors among the n incidents v.  *out is set to a
 * new array (free it; NULL when none) sorted by recurrences, most first,
 * then by the last recurrence, newest first.  Returns how many.
 */
size_t patterns_recurring(const struct incident *v, size_t n,
    struct pattern_recurring **out);

#endif

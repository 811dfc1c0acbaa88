/*
 * view-incidents.h -- an incident tracker's incidents, timelines and
 * error patterns as the view's structs, for both views (live and
 * replay): one conversion, kept once.
 */
#ifndef MODELTOP_VIEW_INCIDENTS_H
#define MODELTOP_VIEW_INCIDENTS_H

#include <stddef.h>
#include <stdint.h>

#include "view.h"

struct incidents;
struct pattern_group;
struct pattern_recurring;

/* The arrays a view hands out; zero-initialise, free with
 * view_inc_cache_free.  What a call returns stays valid until the next
 * call of the same function on the cache. */
struct view_inc_cache {
	struct view_incident	*vi;
	size_t			 vicap;
	struct view_entry	*vt;
	size_t			 vtcap;
	struct view_pattern	*vp;
	size_t			 vpcap;
	struct pattern_group	*groups;
	struct pattern_recurring *recur;
};

/* in's incidents (newest first) of worker (NULL all), open ones only when
 * open_only, with their attempts counted.  in NULL: none. */
size_t view_inc_incidents(struct view_inc_cache *c, struct incidents *in,
    const char *worker, int open_only, const struct view_incident **out);
/* The timeline of incident id, oldest first; 0 when unknown. */
size_t view_inc_timeline(struct view_inc_cache *c, struct incidents *in,
    int64_t id, const struct view_entry **out);
/* Error patterns per worker and class as of now_ms, with recurrences. */
size_t view_inc_patterns(struct view_inc_cache *c, struct incidents *in,
    int64_t now_ms, const struct view_pattern **out);
/* Free the arrays (not c itself). */
void view_inc_cache_free(struct view_inc_cache *c);

#endif

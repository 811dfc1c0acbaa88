/*
 * view-incidents.c -- incidents, timelines and patterns for the views.
 */
#include "view-incidents.h"

#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "patterns.h"
#include "util.h"

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

size_t
view_inc_incidents(struct view_inc_cache *c, struct incidents *in,
    const char *worker, int open_only, const struct view_incident **out)
{
	const struct incident *list;
	const struct incident_entry *e;
	size_t n, i, k, ne;

	n = in != NULL ? incidents_list(in, worker, open_only, &list) : 0;
	c->vi = xgrow(c->vi, &c->vicap, n + 1, sizeof *c->vi);
	for (i = 0; i < n; i++) {
		const struct incident *x = &list[i];
		struct view_incident *y = &c->vi[i];

		y->id = x->id;
		y->worker = x->worker;
		y->cls = x->cls;
		y->strategy = str(x->strategy);
		y->trigger = str(x->trigger);
		y->exc_type = str(x->exc_type);
		y->exc_message = str(x->exc_message);
		y->acked_by = str(x->acked_by);
		y->resolved_by = str(x->resolved_by);
		y->severity = (int)x->severity;
		y->open = x->open;
		y->opened_ms = x->opened_ms;
		y->last_ms = x->last_ms;
		y->resolved_ms = x->resolved_ms;
		y->acked_ms = x->acked_ms;
		y->count = x->count;
		y->attempts = 0;
		ne = incidents_timeline(in, x->id, &e);
		for (k = 0; k < ne; k++)
			y->attempts += strcmp(e[k].kind,
			    INCIDENT_EV_ATTEMPT) == 0;
	}
	*out = c->vi;
	return n;
}

size_t
view_inc_timeline(struct view_inc_cache *c, struct incidents *in,
    int64_t id, const struct view_entry **out)
{
	const struct incident_entry *e;
	size_t n, i;

	n = in != NULL ? incidents_timeline(in, id, &e) : 0;
	c->vt = xgrow(c->vt, &c->vtcap, n + 1, sizeof *c->vt);
	for (i = 0; i < n; i++) {
		c->vt[i].ts_ms = e[i].ts_ms;
		c->vt[i].kind = e[i].kind;
		c->vt[i].text = str(e[i].text);
	}
	*out = c->vt;
	return n;
}

size_t
view_inc_patterns(struct view_inc_cache *c, struct incidents *in,
    int64_t now_ms, const struct view_pattern **out)
{
	const struct incident *list;
	size_t n, ng, nr, i, j;

	free(c->groups);
	free(c->recur);
	c->groups = NULL;
	c->recur = NULL;
	n = in != NULL ? incidents_list(in, NULL, 0, &list) : 0;
	ng = n > 0 ? patterns_group(list, n, PATTERN_BY_PAIR, now_ms,
	    &c->groups) : 0;
	nr = n > 0 ? patterns_recurring(list, n, &c->recur) : 0;
	c->vp = xgrow(c->vp, &c->vpcap, ng + 1, sizeof *c->vp);
	for (i = 0; i < ng; i++) {
		const struct pattern_group *g = &c->groups[i];
		struct view_pattern *p = &c->vp[i];

		p->worker = str(g->worker);
		p->cls = str(g->cls);
		p->count = g->count;
		p->count_hour = g->count_hour;
		p->count_day = g->count_day;
		p->mtbf_s = g->mtbf_ms / 1000.0;
		p->mttr_s = g->mttr_ms / 1000.0;
		p->last_ms = g->last_ms;
		p->recurring = 0;
		for (j = 0; j < nr; j++) {
			if (strcmp(str(c->recur[j].worker), p->worker) == 0 &&
			    strcmp(str(c->recur[j].cls), p->cls) == 0)
				p->recurring += c->recur[j].recurrences;
		}
	}
	*out = c->vp;
	return ng;
}

void
view_inc_cache_free(struct view_inc_cache *c)
{
	free(c->vi);
	free(c->vt);
	free(c->vp);
	free(c->groups);
	free(c->recur);
	memset(c, 0, sizeof *c);
}

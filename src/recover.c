/*
 * recover.c -- escalation ladders and policies.
 */
#include "recover.h"

#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "engine.h"
#include "units.h"
#include "util.h"

void
ladder_init(struct ladder *l, size_t nsteps, const int *retries)
{
	size_t i;

	memset(l, 0, sizeof *l);
	if (nsteps > LADDER_MAX_STEPS)
		nsteps = LADDER_MAX_STEPS;
	l->nsteps = nsteps;
	for (i = 0; i < nsteps; i++)
		l->retries[i] = retries != NULL && retries[i] > 0 ?
		    retries[i] : 0;
	l->last = VERDICT_PENDING;
	l->best = VERDICT_PENDING;
	l->done = nsteps == 0;
}

int
ladder_verdict_rank(enum verdict v)
{
	switch (v) {
	case VERDICT_FAILED:
		return 1;
	case VERDICT_UNVERIFIED:
		return 2;
	case VERDICT_NO_EFFECT:
		return 3;
	case VERDICT_PARTLY:
		return 4;
	case VERDICT_DONE:
		return 5;
	case VERDICT_EFFECTIVE:
		return 6;
	default:
		return 0;
	}
}

int64_t
ladder_backoff_ms(int attempt)
{
	int64_t ms = LADDER_BACKOFF_MS;

	while (attempt-- > 1 && ms < LADDER_BACKOFF_MAX_MS)
		ms *= 2;
	return ms > LADDER_BACKOFF_MAX_MS ? LADDER_BACKOFF_MAX_MS : ms;
}

enum ladder_next
ladder_result(struct ladder *l, enum verdict v, int64_t *delay_ms)
{
	*delay_ms = 0;
	if (l->done)
		return LADDER_DONE;
	l->attempts++;
	l->last = v;
	if (ladder_verdict_rank(v) > ladder_verdict_rank(l->best))
		l->best = v;
	switch (v) {
	case VERDICT_EFFECTIVE:
	case VERDICT_DONE:
		l->done = 1;
		l->succeeded = 1;
		return LADDER_DONE;
	case VERDICT_UNVERIFIED:
	case VERDICT_PENDING:
		l->done = 1;
		return LADDER_DONE;
	default:
		break;
	}
	if (l->attempt < l->retries[l->step]) {
		l->attempt++;
		*delay_ms = ladder_backoff_ms(l->attempt);
		return LADDER_RUN;
	}
	if (l->step + 1 < l->nsteps) {
		l->step++;
		l->attempt = 0;
		return LADDER_RUN;
	}
	l->done = 1;
	return LADDER_DONE;
}

/* ------------------------------------------------------------------ */
/* the hourly limit */

static void
window_expire(struct rate_window *w, int64_t now_ms)
{
	size_t k = 0;

	while (k < w->n && w->ts[k] <= now_ms - RATE_WINDOW_MS)
		k++;
	if (k > 0) {
		memmove(w->ts, w->ts + k, (w->n - k) * sizeof *w->ts);
		w->n -= k;
	}
}

int
rate_window_allow(struct rate_window *w, int max, int64_t now_ms,
    int64_t *next_ms)
{
	window_expire(w, now_ms);
	if (max < 1 || w->n >= (size_t)max) {
		if (next_ms != NULL)
			*next_ms = w->n > 0 && max >= 1 ?
			    w->ts[w->n - (size_t)max] + RATE_WINDOW_MS :
			    INT64_MAX;
		return 0;
	}
	w->ts = xgrow(w->ts, &w->cap, w->n + 1, sizeof *w->ts);
	w->ts[w->n++] = now_ms;
	return 1;
}

size_t
rate_window_count(const struct rate_window *w, int64_t now_ms)
{
	size_t i, n = 0;

	for (i = 0; i < w->n; i++)
		n += w->ts[i] > now_ms - RATE_WINDOW_MS;
	return n;
}

void
rate_window_free(struct rate_window *w)
{
	free(w->ts);
	memset(w, 0, sizeof *w);
}

/* ------------------------------------------------------------------ */
/* policies */

struct policy {
	char		*rule;
	char		*worker;
	struct rate_window win;
};

struct policies {
	struct policy	*v;
	size_t		 n, cap;
};

struct policies *
policies_new(void)
{
	return xcalloc(1, sizeof(struct policies));
}

void
policies_free(struct policies *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].rule);
		free(p->v[i].worker);
		rate_window_free(&p->v[i].win);
	}
	free(p->v);
	free(p);
}

struct rate_window *
policies_window(struct policies *p, const char *rule, const char *worker)
{
	struct policy *pol;
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].rule, rule) == 0 &&
		    strcmp(p->v[i].worker, worker) == 0)
			return &p->v[i].win;
	}
	p->v = xgrow(p->v, &p->cap, p->n + 1, sizeof *p->v);
	pol = &p->v[p->n++];
	memset(pol, 0, sizeof *pol);
	pol->rule = xstrdup(rule);
	pol->worker = xstrdup(worker);
	return &pol->win;
}

int64_t
recover_on_rule_firing(struct engine *eng, struct worker *w,
    const struct cfg_rule *rule, int64_t now_ms)
{
	struct action_request rq;
	struct actions *a;
	struct rate_window *win;
	char who[300], err[512], when[UNITS_FMT_MAX];
	int64_t next, id;

	if (eng == NULL || w == NULL || rule == NULL || !rule->autorun ||
	    rule->action == NULL || (a = actions_of(eng)) == NULL ||
	    !actions_policies_on(a))
		return 0;
	snprintf(who, sizeof who, "policy %s", rule->name);
	if (actions_busy(a, w->name)) {
		engine_event(eng, w->name, ACTIONS_EVENT, "%s: %s not run: "
		    "the worker is already being acted on", who, rule->action);
		return 0;
	}
	win = policies_window(actions_policies(a), rule->name, w->name);
	if (!rate_window_allow(win, rule->max_per_hour, now_ms, &next)) {
		units_format_duration(next - now_ms, when, sizeof when);
		engine_event(eng, w->name, ACTIONS_EVENT, "%s: %s not run: "
		    "already %zu time%s in the last hour (max_per_hour = %d); "
		    "next allowed in %s", who, rule->action,
		    rate_window_count(win, now_ms),
		    rate_window_count(win, now_ms) == 1 ? "" : "s",
		    rule->max_per_hour, when);
		return 0;
	}
	memset(&rq, 0, sizeof rq);
	rq.worker = w->name;
	rq.action = rule->action;
	rq.who = who;
	rq.job = who;
	if ((id = actions_start(a, &rq, err, sizeof err)) < 0) {
		engine_event(eng, w->name, ACTIONS_EVENT, "%s: %s", who, err);
		return -1;
	}
	engine_event(eng, w->name, ACTIONS_EVENT, "%s: running %s "
	    "(run %zu of at most %d this hour)", who, rule->action,
	    rate_window_count(win, now_ms), rule->max_per_hour);
	return id;
}

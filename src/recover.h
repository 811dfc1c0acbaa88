/*
 * recover.h -- strategies: a worker's escalation ladder (`actions = trim,
 * reload, restart`) and policies (a rule with `action = X` and `auto =
 * yes` runs X when it fires, at most max_per_hour times per worker).
 *
 * The ladder and the hourly limit are plain state machines, driven by
 * actions.c (and by tests with made-up verdicts); recover_on_rule_firing
 * is what the analysis calls when a rule fires.
 */
#ifndef MODELTOP_RECOVER_H
#define MODELTOP_RECOVER_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "config.h"

struct engine;
struct worker;

/* The most steps a ladder may have. */
#define LADDER_MAX_STEPS	16
/* A step that is retried waits this long before its first retry, twice
 * as long before each further one, at most LADDER_BACKOFF_MAX_MS. */
#define LADDER_BACKOFF_MS	1000
#define LADDER_BACKOFF_MAX_MS	(60 * 1000)

/* What ladder_result says to do next. */
enum ladder_next {
	LADDER_RUN,		/* run step l->step (attempt l->attempt) */
	LADDER_DONE		/* stop: l->succeeded says how it went */
};

struct ladder {
	size_t		 nsteps;
	int		 retries[LADDER_MAX_STEPS];	/* per step */
	size_t		 step;		/* the step running (or next) */
	int		 attempt;	/* 0 for its first try */
	int		 done;
	int		 succeeded;	/* stopped at an effective step */
	enum verdict	 last;		/* the verdict of the last attempt */
	enum verdict	 best;		/* the best verdict seen */
	int		 attempts;	/* attempts so far, all steps */
};

/* Start a ladder of nsteps steps (1..LADDER_MAX_STEPS; more are cut),
 * step i retried up to retries[i] times (retries may be NULL: none).  The
 * first step to run is step 0, attempt 0. */
void ladder_init(struct ladder *l, size_t nsteps, const int *retries);

/*
 * The attempt of step l->step ended with verdict v.  Effective (or done,
 * for a step without a verify metric) ends the ladder with succeeded =
 * 1.  Unverified ends it with succeeded = 0: escalating without knowing
 * whether the step worked would be acting blind.  Failed, no effect and
 * partly retry the step while it has retries left (LADDER_RUN with
 * *delay_ms the backoff), then go on to the next step (LADDER_RUN, delay
 * 0), and after the last step end the ladder (LADDER_DONE, succeeded 0).
 * Called on a finished ladder it returns LADDER_DONE.
 */
enum ladder_next ladder_result(struct ladder *l, enum verdict v,
    int64_t *delay_ms);

/* The backoff before retry number attempt (1, 2, ...) of a step. */
int64_t ladder_backoff_ms(int attempt);

/* The order of verdicts from worst to best, for ladder.best: failed <
 * unverified < no effect < partly < done < effective. */
int ladder_verdict_rank(enum verdict v);

/* ------------------------------------------------------------------ */
/* Policies */

#define RATE_WINDOW_MS		(3600 * 1000)

/* When a policy ran, over the last hour (a sliding window). */
struct rate_window {
	int64_t		*ts;		/* ascending */
	size_t		 n, cap;
};

/*
 * Whether one more run is allowed at now_ms when at most max may run in
 * any hour: forgets runs older than an hour; when fewer than max remain,
 * records now_ms and returns 1, else returns 0 (nothing recorded) and,
 * when next_ms is not NULL, sets it to when a run is allowed again.
 */
int rate_window_allow(struct rate_window *w, int max, int64_t now_ms,
    int64_t *next_ms);
/* Runs recorded within the hour before now_ms. */
size_t rate_window_count(const struct rate_window *w, int64_t now_ms);
/* Free w's memory (w itself is the caller's) and zero it. */
void rate_window_free(struct rate_window *w);

struct policies;

/* The hourly limits of every (rule, worker).  Never fails. */
struct policies *policies_new(void);
void policies_free(struct policies *p);
/* The window of (rule, worker), created empty on first use; owned by p. */
struct rate_window *policies_window(struct policies *p, const char *rule,
    const char *worker);

/*
 * A rule fired on worker w of eng (the analysis calls this from its rules
 * callback, after opening or joining the rule's incident, so the attempt
 * attaches to it).  When the rule has action = X and auto = yes, runs X
 * on w -- who "policy RULE" -- unless X already ran max_per_hour times on
 * w in the last hour, or w is being acted on; each of those cases is an
 * engine event (kind ACTIONS_EVENT) saying why nothing ran.  No
 * confirmation: auto = yes is the consent.  Does nothing when the engine
 * has no actions runner (actions_of), its policies are off
 * (actions_set_policies) or the rule runs nothing.
 * Returns the job id, 0 when nothing was started, -1 when refused.
 */
int64_t recover_on_rule_firing(struct engine *eng, struct worker *w,
    const struct cfg_rule *rule, int64_t now_ms);

#endif

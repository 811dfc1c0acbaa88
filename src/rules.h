/*
 * rules.h -- threshold rules with hysteresis: the [rule NAME] sections of
 * the configuration, evaluated per worker every tick against the
 * engine's in-memory series.
 *
 * A rule's metric is an expression (docs/rules.md):
 *
 *   NAME                     latest value; the maximum over label sets
 *   NAME{k="v",...}          only the label sets holding those pairs
 *   rate(NAME{...})          per-second increase over the last 30 s,
 *                            summed over the matching label sets
 *   quantile(Q, NAME{...})   Q-quantile over the last 30 s from the
 *                            histogram NAME_bucket (sum by le), or the
 *                            summary NAME{quantile="Q"}
 *
 * State is kept per (rule, worker): inactive, pending (the condition
 * holds, `for` has not yet passed) or firing.  A firing rule clears only
 * when the value is back past the threshold by `margin`, or has stayed
 * on the right side of the threshold for `clear_after`.
 */
#ifndef MODELTOP_RULES_H
#define MODELTOP_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "series.h"

/* The window of rate() and quantile(). */
#define RULES_WINDOW_MS		30000
/* A plain value older than this (against now) counts as missing. */
#define RULES_STALE_MS		300000
/* A worker is told a rule's series is not exposed only after it has been
 * evaluated for this long (and, for a scraped name, been scraped). */
#define RULES_GRACE_MS		60000

struct rules;

enum rule_transition {
	RULE_PENDING,		/* the condition started; `for` runs */
	RULE_FIRING,		/* held for `for`: the rule fires */
	RULE_CLEARED,		/* a firing rule cleared (hysteresis) */
	RULE_NOT_EXPOSED	/* the worker has no series for it (once) */
};

struct rule_event {
	const struct cfg_rule *rule;
	const char	*worker;
	enum rule_transition what;
	double		 value, threshold;	/* value NAN for NOT_EXPOSED */
	int64_t		 since_ms;	/* when the condition started (pending,
					 * firing) or the rule fired (cleared);
					 * now for NOT_EXPOSED */
	char		 text[256];	/* "p99 latency 1.42s above 1s for 30s" */
};

/* Called for each transition; e points to memory valid only during the
 * call. */
typedef void (*rule_event_fn)(void *ctx, const struct rule_event *e);

/*
 * A rule set for the rules of cfg, which must outlive it (events and
 * statuses point at cfg's rules).  Parses every rule's expression; a rule
 * whose expression does not parse (config_load rejects those) is kept
 * but never evaluated.  Never fails (OOM is fatal); free with rules_free.
 */
struct rules *rules_new(const struct config *cfg);

/* Free r and every state in it.  NULL is fine. */
void rules_free(struct rules *r);

/*
 * Evaluate every rule that applies to the worker (its `workers` list),
 * whose series are the registry indexes series_idx[0..nseries), at
 * now_ms.  worker is the series' worker index; worker_name names the
 * state kept per (rule, worker) and is copied.  fn (may be NULL) is
 * called on transitions only: inactive -> pending, pending -> firing
 * after `for`, firing -> cleared, and once per (rule, worker) when the
 * series is not exposed.  A value that is NaN or missing neither fires
 * nor clears: the state holds.  Each rule's matching series are resolved
 * once and cached, again only when nseries or worker changes; a call
 * with an unchanged series list allocates nothing and costs O(matching
 * series) per rule.  Never fails.
 */
void rules_eval(struct rules *r, struct series_reg *reg, uint32_t worker,
    const char *worker_name, const uint32_t *series_idx, size_t nseries,
    int64_t now_ms, rule_event_fn fn, void *ctx);

/* Drop every state of the worker named worker_name (a worker that is
 * gone), silently: no CLEARED events.  Unknown names are ignored. */
void rules_forget_worker(struct rules *r, const char *worker_name);

struct rule_status {
	const struct cfg_rule *rule;
	const char	*worker;	/* owned by r, valid until the worker
					 * is forgotten or r freed */
	int		 firing;
	int		 pending;
	double		 value;		/* latest known value; NAN when none */
	int64_t		 since_ms;	/* condition start (pending) or the
					 * time it fired (firing) */
};

/*
 * The rules currently firing or pending, for every worker (worker_or_null
 * NULL) or the one named: workers in the order first evaluated, rules in
 * file order.  Writes at most max entries to out (which may be NULL when
 * max is 0) and returns how many there are in all, which may be more.
 */
size_t rules_status(const struct rules *r, const char *worker_or_null,
    struct rule_status *out, size_t max);

/* What rules_expr_check found wrong. */
#define RULES_EXPR_SYNTAX	-1	/* the text does not parse */
#define RULES_EXPR_MEANING	-2	/* parses, but names an unknown
					 * built-in, rate() of a gauge, ... */

/*
 * Check a rule expression (the value of `metric`).  Returns 0 when it is
 * good; RULES_EXPR_SYNTAX with a message like "unexpected '-' at column
 * 2" in err, or RULES_EXPR_MEANING with one like "unknown metric proc_rss
 * (did you mean proc_rss_bytes?)".  err may be NULL when errlen is 0.
 */
int rules_expr_check(const char *expr, char *err, size_t errlen);

/* 1 when name is one of modeltop's own figures (up, proc_rss_bytes,
 * latency_p99_seconds, anomaly_score, ...), 0 otherwise. */
int rules_builtin(const char *name);

/* 1 when a worker named name is in the rule's scope: no `workers` list,
 * or an item of it that matches name, or the part of name before '/'
 * (so "triton" covers triton/1234), as a shell pattern. */
int rules_applies(const struct cfg_rule *rule, const char *name);

#endif

/*
 * actions.h -- recovery actions: run an [action] on a worker, wait for it
 * to settle, verify its effect, record the attempt.
 *
 * A struct actions belongs to one engine and runs any number of jobs
 * (one per worker at a time): a single action (`:act`, `:trim`, `modeltop
 * act`, a policy) or a worker's escalation ladder (`:recover`, recover.h).
 * Each attempt of a job goes through
 *
 *	waiting (a retry's backoff) -> before (read the verify metric)
 *	-> running (signal / exec / http_post) -> settling -> verifying
 *	-> judged (effective, partly, no effect, failed, unverified, done)
 *
 * and is then written to the audit trail (audit.h) and attached to the
 * worker's open incident (or a "manual" one the job opened).
 *
 * Nothing here blocks.  The engine's loop drives it: add the descriptors
 * of actions_pollfds (exec output pipes, child pidfds, libcurl sockets)
 * to the poll() set, lowering the timeout to the next deadline, and call
 * actions_dispatch after every poll() -- after engine_dispatch, so that
 * verification sees the tick's fresh samples:
 *
 *	n = engine_pollfds(eng, fds, max, &timeout);
 *	n += actions_pollfds(acts, fds + n, max - n, &timeout);
 *	poll(fds, n, timeout);
 *	engine_dispatch(eng, fds, n);
 *	if (actions_dispatch(acts, fds, n) & ACTIONS_CHANGED) redraw;
 *
 * docs/actions.md is the user's description.
 */
#ifndef MODELTOP_ACTIONS_H
#define MODELTOP_ACTIONS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit.h"
#include "config.h"

struct engine;
struct store;
struct incidents;

/* The kind of the engine events actions log. */
#define ACTIONS_EVENT		"action"
/* Output of an exec (or body of an http_post answer) kept, in bytes. */
#define ACTIONS_OUTPUT_MAX	1024
/* After SIGTERM at its timeout, an exec's process group gets SIGKILL
 * this much later. */
#define ACTIONS_KILL_GRACE_MS	2000
/* A change smaller than this (percent) is noise: "drop" needs more. */
#define ACTIONS_NOISE_PERCENT	1.0
/* Finished jobs stay in actions_status this long. */
#define ACTIONS_KEEP_DONE_MS	(60 * 1000)
/* How long past settle a fresh sample of the verify metric may take
 * (plus three engine intervals) before the attempt is "unverified". */
#define ACTIONS_VERIFY_WAIT_MS	5000

/* Result bits of actions_dispatch. */
#define ACTIONS_CHANGED		0x1	/* a job's status line changed */

/* Flags of actions_signal_send. */
#define ACTIONS_SIG_NO_PIDFD	0x1	/* act as if pidfds were missing */

struct actions;

/*
 * A new action runner for eng (borrowed: free the runner before the
 * engine).  It records into the engine's store (engine_store) and
 * attaches attempts to the engine's incidents (engine_incidents), and
 * registers itself so that commands, which get only the engine, find it
 * with actions_of(eng).  Never fails.
 */
struct actions *actions_new(struct engine *eng);

/* Stop every job: a running exec's process group is killed, an HTTP
 * request aborted, and each unfinished attempt recorded as "interrupted".
 * Unregisters and frees a.  NULL is fine. */
void actions_free(struct actions *a);

/* The runner registered for eng by actions_new, or NULL. */
struct actions *actions_of(const struct engine *eng);

/*
 * Record attempts into st's actions table and attach them to in's
 * incidents instead of the engine's (modeltop act uses a store of its
 * own).  Either may be NULL: no audit rows / no incident attempts.  The
 * caller keeps both alive while a has jobs and flushes in itself.
 */
void actions_set_sinks(struct actions *a, struct store *st,
    struct incidents *in);

/* Whether rules with auto = yes may run their action through a (on by
 * default; modeltop act turns them off for its short run). */
void actions_set_policies(struct actions *a, int on);
int actions_policies_on(const struct actions *a);

/* Called with every finished attempt (and every refused request) after
 * it was written; stored is 1 when the audit row went into a store.  The
 * record and its strings are valid during the call only. */
typedef void (*actions_record_fn)(void *ctx, const struct audit_record *r,
    int stored);
void actions_set_record_hook(struct actions *a, actions_record_fn fn,
    void *ctx);

/* Add a's descriptors to fds (at most max) and lower *timeout_ms (-1:
 * none) to a's next deadline.  Returns the count added. */
int actions_pollfds(struct actions *a, struct pollfd *fds, int max,
    int *timeout_ms);

/* Advance every job: read ready pipes and sockets among fds (others are
 * ignored, so the whole poll set may be passed; fds may be NULL with n
 * 0), reap children, fire timeouts, and judge attempts whose settle time
 * is over and whose verify metric has a fresh sample.  Returns
 * ACTIONS_* bits. */
int actions_dispatch(struct actions *a, const struct pollfd *fds, int n);

/* What to start. */
struct action_request {
	const char	*worker;	/* required */
	const char	*action;	/* the [action] to run; NULL with ladder */
	int		 ladder;	/* run the worker's `actions` ladder */
	const char	*who;		/* for the audit; NULL: "operator" */
	const char	*job;		/* "act", "trim", "policy RULE"; NULL:
					   "act", or "recover" for a ladder */
	pid_t		 pid;		/* the process the operator confirmed: */
	uint64_t	 starttime;	/* the job refuses to act on another one;
					   0: the worker's current process */
};

/*
 * Start a job.  Returns its id (> 0), or -1 with a message in err when
 * the request is refused, which is also recorded in the audit trail:
 * "no worker W (workers: a, b)", "no action A (actions: trim, restart)",
 * "worker W has no actions ladder", "worker W is already being acted on
 * (trim, started by WHO)", "worker W is being acted on by another
 * modeltop (pid N)" (a job holds a per-worker lock file, flock()ed, in
 * $XDG_RUNTIME_DIR/modeltop or /tmp/modeltop-UID, so a console, a
 * recorder and modeltop act never act on one worker at once), "worker W
 * is now pid N, not the pid M you confirmed".  The job itself never blocks; follow it with actions_job.
 */
int64_t actions_start(struct actions *a, const struct action_request *rq,
    char *err, size_t errlen);

/* A job, as the console shows it.  Strings belong to a and stay valid
 * until the next actions_dispatch, actions_start or actions_free. */
struct action_job_status {
	int64_t		 id;
	const char	*worker;
	const char	*what;		/* the action, or "recover" */
	const char	*who;
	int		 done;
	enum verdict	 verdict;	/* when done: the outcome */
	int		 succeeded;	/* when done: effective (or done) */
	const char	*line;		/* "trim on fragmenting: settling 3s",
					   then the outcome */
	int64_t		 started_ms, finished_ms;
};

/* Running jobs (oldest first), then those finished within
 * ACTIONS_KEEP_DONE_MS (newest first), up to max.  Returns the count. */
size_t actions_status(struct actions *a, struct action_job_status *out,
    size_t max);
/* Job id into *out: 0, or -1 when a does not know it (any more). */
int actions_job(struct actions *a, int64_t id, struct action_job_status *out);
/* The summaries of job id's finished attempts, oldest first ("trim:
 * proc_rss_bytes 338M -> 79M (-77%), effective"); borrowed like the
 * status.  Returns the count (0 for an unknown job). */
size_t actions_job_summaries(struct actions *a, int64_t id,
    const char *const **out);
/* 1 when a job is running on worker, else 0. */
int actions_busy(const struct actions *a, const char *worker);
/* Jobs not finished. */
size_t actions_running(const struct actions *a);

/*
 * The y/n question an operator must answer before the request runs, when
 * it needs one (an action with confirm = yes, or a ladder with such a
 * step): "send SIGTERM to worker llm-0 (pid 1234) (restart)?", "run
 * systemctl restart llm@0 for worker llm-0 (pid 1234) (restart)?",
 * "recover llm-0 (pid 1234): trim, then restart (SIGTERM)?".  Returns 1
 * and the question in q, with the worker's process in *pid and *starttime
 * (0 when it has none) to bind the request to; 0 when no question is
 * needed; -1 with a message in q when the request cannot run at all
 * (the same refusals as actions_start, not recorded).
 */
int actions_question(struct engine *eng, const struct action_request *rq,
    char *q, size_t qlen, pid_t *pid, uint64_t *starttime);

struct policies;
/* The hourly limits of a's policies (recover.h), owned by a. */
struct policies *actions_policies(struct actions *a);

/* The action :trim means for worker w: in its ladder the one named
 * "trim", else the first with signal = USR1; else the file's [action
 * trim].  NULL when there is none. */
const struct cfg_action *actions_trim_for(const struct config *cfg,
    const struct cfg_worker *w);

/* ------------------------------------------------------------------ */
/* The parts, exposed for tests. */

/*
 * Substitute placeholders in an exec argv: an argument that is exactly
 * "%n" becomes name, exactly "%p" the pid; any other argument, even one
 * containing %n or %p, is copied as it is.  On success returns 0 and a
 * new NULL-terminated array in *out (free with config_argv_free).
 * Returns -1 with a message when "%p" is used and pid is 0 ("%p: worker
 * W has no process").
 */
int actions_argv_expand(char *const *argv, size_t argc, const char *name,
    pid_t pid, char ***out, char *err, size_t errlen);

/*
 * Judge a verify metric that went from before to after under expect
 * kind/value (config.h); *change_pct gets the change in percent of
 * before (negative: a drop), NAN when unknown.
 *   drop:      effective when it dropped by ACTIONS_NOISE_PERCENT or more
 *   drop N%:   effective by N% or more, partly by N/2% or more
 *   below X:   effective when after < X, partly when it dropped by the
 *              noise floor or more without getting there
 *   up:        effective when after > before
 * Anything else is no effect; a value that is not finite, unverified.
 */
enum verdict actions_judge(enum expect_kind kind, double value,
    double before, double after, double *change_pct);

/* Judge the metric "up" after an action that should bring a worker
 * (back) up: effective when it is up and either a new process replaced
 * the old one or it was not up before; partly when a new process runs but
 * is not up yet; no effect otherwise; unverified when after is NAN. */
enum verdict actions_judge_up(double before, double after, int new_process);

/* 1 when the action stops the worker's process (signal TERM, KILL, INT,
 * QUIT, ABRT): it verifies through "up" unless it names its own verify
 * metric. */
int actions_stops_worker(const struct cfg_action *ac);

/* The metric an action is judged by: its verify, "up" for one that
 * stops the worker, or NULL. */
const char *actions_verify_metric(const struct cfg_action *ac);

/*
 * Send signo to the process (pid, starttime) and no other: open a pidfd
 * on pid, re-read the start time of the process it pins, and signal
 * through the pidfd.  Without pidfds (ENOSYS, or ACTIONS_SIG_NO_PIDFD)
 * the start time is re-checked immediately before kill(), and the result
 * says so.  Returns 0 with "SIGUSR1 delivered (pidfd)" in result, or -1
 * with "refused: pid N is no longer the worker's process (pid reused:
 * started at T, expected S)", "refused: pid N has exited", or the
 * system's error.
 */
int actions_signal_send(pid_t pid, uint64_t starttime, int signo, int flags,
    char *result, size_t len);

#endif

/*
 * actions.c -- run recovery actions, verify them, record them.
 *
 * Every job is a ladder (recover.h): a single action is a ladder of one
 * step.  A job runs one attempt at a time through the states of its
 * struct attempt; actions_dispatch advances every job as far as it can
 * without waiting and returns.  Children are started with posix_spawn
 * (no shell, their own process group) and watched through a pidfd and
 * their output pipe; HTTP POSTs run on a libcurl multi handle of our own
 * whose sockets go into the caller's poll set, as in scrape.c.
 */
#include "actions.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "incident.h"
#include "proc.h"
#include "recover.h"
#include "series.h"
#include "store.h"
#include "units.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal	424
#endif

/* Without a pidfd for a child, how often its exit is polled. */
#define REAP_POLL_MS		50
/* Finished jobs kept at most (the oldest go first). */
#define KEEP_DONE_MAX		64

extern char **environ;

enum astate {
	AS_WAIT,		/* a retry's backoff */
	AS_BEFORE,		/* reading the verify metric */
	AS_RUN,			/* exec or http_post in flight */
	AS_SETTLE,
	AS_VERIFY,		/* waiting for a fresh sample */
	AS_DONE
};

struct attempt {
	const struct cfg_action *ac;
	char		*name;
	enum astate	 state;
	int64_t		 not_before_mono;
	int64_t		 start_ms, start_mono;
	int64_t		 deadline_mono;	/* of the state: before, run, verify */
	int64_t		 settle_mono;	/* end of settle */
	int64_t		 settle_wall;	/* samples from then on are fresh */
	const char	*metric;	/* NULL: nothing to verify */
	int		 up_metric;
	double		 before, after, change;

	char		*target;
	char		 result[640];
	int		 ok;
	int		 has_status, status;
	struct buf	 out;
	size_t		 out_total;

	pid_t		 child;		/* exec, 0 when none */
	int		 pidfd, outfd;
	int		 reaped, wstatus;
	int		 term_sent, kill_sent;
	int64_t		 kill_mono;

	CURL		*easy;		/* http_post, NULL when none */
	struct curl_slist *hdrs;
	char		*post;
	char		 errbuf[CURL_ERROR_SIZE];

	enum verdict	 verdict;
	char		 detail[160];	/* what "up" found: "new process N" */
	char		 summary[600];
};

struct job {
	int64_t		 id;
	char		*worker;
	char		*who;
	char		*jobname;
	char		*what;		/* the action, or "recover" */
	int		 is_ladder;
	char	       **steps;
	size_t		 nsteps;
	struct ladder	 lad;
	pid_t		 pid;		/* the process acted on, 0 none */
	uint64_t	 starttime;
	int64_t		 incident_id;
	int		 opened_incident;
	struct attempt	 at;
	int		 done;
	enum verdict	 verdict;
	int		 succeeded;
	char		 line[700];
	char	       **summaries;
	size_t		 nsummaries, capsum;
	int64_t		 started_ms, finished_ms, finished_mono;
	int		 lockfd;	/* held while the job runs, -1 none */
};

struct watch {
	curl_socket_t	 fd;
	int		 what;
};

struct actions {
	struct engine	*eng;
	struct store	*st;
	struct incidents *in;
	int		 sinks_set;
	actions_record_fn hook;
	void		*hook_ctx;

	struct job	**jobs;
	size_t		 njobs, capjobs;
	int64_t		 next_id;
	struct policies	*policies;

	CURLM		*multi;
	struct watch	*watch;
	size_t		 nwatch, capwatch;
	int64_t		 curl_timer_mono;	/* -1 none */
	int		 no_policies;

	struct actions	*next;		/* the registry */
};

static struct actions *registry;

static void advance(struct actions *a, struct job *j);

/* snprintf for messages that may be cut short (they quote paths and
 * program output): truncation is fine, and says so by being short. */
static void __attribute__((format(printf, 3, 4)))
say(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* pure parts */

int
actions_argv_expand(char *const *argv, size_t argc, const char *name,
    pid_t pid, char ***out, char *err, size_t errlen)
{
	char **v = xcalloc(argc + 1, sizeof *v);
	size_t i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "%n") == 0)
			v[i] = xstrdup(name);
		else if (strcmp(argv[i], "%p") == 0) {
			if (pid <= 0) {
				snprintf(err, errlen, "%%p: worker %s has no "
				    "process", name);
				config_argv_free(v);
				return -1;
			}
			v[i] = xasprintf("%d", (int)pid);
		} else
			v[i] = xstrdup(argv[i]);
	}
	*out = v;
	return 0;
}

enum verdict
actions_judge(enum expect_kind kind, double value, double before,
    double after, double *change_pct)
{
	double pct, drop;

	*change_pct = NAN;
	if (!isfinite(before) || !isfinite(after))
		return VERDICT_UNVERIFIED;
	if (before != 0)
		pct = (after - before) / fabs(before) * 100.0;
	else
		pct = after == 0 ? 0 : after > 0 ? 100.0 : -100.0;
	*change_pct = pct;
	drop = -pct;
	switch (kind) {
	case EXPECT_DROP:
		return drop >= ACTIONS_NOISE_PERCENT ? VERDICT_EFFECTIVE :
		    VERDICT_NO_EFFECT;
	case EXPECT_DROP_PERCENT:
		if (drop >= value)
			return VERDICT_EFFECTIVE;
		if (drop > 0 && drop >= value / 2)
			return VERDICT_PARTLY;
		return VERDICT_NO_EFFECT;
	case EXPECT_BELOW:
		if (after < value)
			return VERDICT_EFFECTIVE;
		if (drop >= ACTIONS_NOISE_PERCENT)
			return VERDICT_PARTLY;
		return VERDICT_NO_EFFECT;
	case EXPECT_UP:
		return after > before ? VERDICT_EFFECTIVE : VERDICT_NO_EFFECT;
	}
	return VERDICT_NO_EFFECT;
}

enum verdict
actions_judge_up(double before, double after, int new_process)
{
	if (isnan(after))
		return VERDICT_UNVERIFIED;
	if (after >= 1 && (new_process || !(before >= 1)))
		return VERDICT_EFFECTIVE;
	if (new_process)
		return VERDICT_PARTLY;
	return VERDICT_NO_EFFECT;
}

int
actions_stops_worker(const struct cfg_action *ac)
{
	if (ac == NULL || ac->kind != ACTION_SIGNAL)
		return 0;
	switch (ac->signo) {
	case SIGTERM:
	case SIGKILL:
	case SIGINT:
	case SIGQUIT:
	case SIGABRT:
		return 1;
	default:
		return 0;
	}
}

const char *
actions_verify_metric(const struct cfg_action *ac)
{
	if (ac == NULL)
		return NULL;
	if (ac->verify != NULL)
		return ac->verify;
	return actions_stops_worker(ac) ? "up" : NULL;
}

static const char *
signame(int signo, char *buf, size_t len)
{
	const char *n = config_signal_name(signo);

	if (n != NULL)
		snprintf(buf, len, "SIG%s", n);
	else
		snprintf(buf, len, "signal %d", signo);
	return buf;
}

int
actions_signal_send(pid_t pid, uint64_t starttime, int signo, int flags,
    char *result, size_t len)
{
	char sn[32];
	uint64_t now_st;
	int fd = -1, e;

	signame(signo, sn, sizeof sn);
	if (pid <= 0) {
		snprintf(result, len, "refused: no process to signal");
		return -1;
	}
	if (!(flags & ACTIONS_SIG_NO_PIDFD)) {
		fd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (fd == -1 && errno == ESRCH) {
			snprintf(result, len, "refused: pid %d has exited",
			    (int)pid);
			return -1;
		}
		if (fd == -1 && errno != ENOSYS) {
			snprintf(result, len, "pidfd_open(%d): %s", (int)pid,
			    strerror(errno));
			return -1;
		}
	}
	/*
	 * The pidfd pins the process that had pid when it was opened: if
	 * the start time read now is the expected one, that process is
	 * ours, and the signal through the pidfd cannot reach another.
	 */
	if (proc_identity(pid, &now_st) != 0) {
		snprintf(result, len, "refused: pid %d has exited", (int)pid);
		goto refused;
	}
	if (starttime != 0 && now_st != starttime) {
		snprintf(result, len, "refused: pid %d is no longer the "
		    "worker's process (pid reused: start time %llu, expected "
		    "%llu); not signalled", (int)pid,
		    (unsigned long long)now_st, (unsigned long long)starttime);
		goto refused;
	}
	if (fd >= 0) {
		if (syscall(SYS_pidfd_send_signal, fd, signo, NULL, 0) == 0) {
			close(fd);
			snprintf(result, len, "%s delivered (pidfd)", sn);
			return 0;
		}
		e = errno;
		close(fd);
		if (e == ESRCH)
			snprintf(result, len, "refused: pid %d has exited",
			    (int)pid);
		else
			snprintf(result, len, "%s to pid %d: %s", sn, (int)pid,
			    strerror(e));
		return -1;
	}
	if (kill(pid, signo) != 0) {
		snprintf(result, len, "%s to pid %d: %s", sn, (int)pid,
		    strerror(errno));
		return -1;
	}
	snprintf(result, len, "%s delivered (no pidfd: start time re-checked "
	    "just before kill)", sn);
	return 0;

refused:
	if (fd >= 0)
		close(fd);
	return -1;
}

const struct cfg_action *
actions_trim_for(const struct config *cfg, const struct cfg_worker *w)
{
	const struct cfg_action *ac;
	size_t i;

	for (i = 0; w != NULL && i < w->nactions; i++) {
		if (strcmp(w->actions[i], "trim") == 0 &&
		    (ac = config_action(cfg, w->actions[i])) != NULL)
			return ac;
	}
	for (i = 0; w != NULL && i < w->nactions; i++) {
		ac = config_action(cfg, w->actions[i]);
		if (ac != NULL && ac->kind == ACTION_SIGNAL &&
		    ac->signo == SIGUSR1)
			return ac;
	}
	return config_action(cfg, "trim");
}

/* ------------------------------------------------------------------ */
/* the runner */

struct actions *
actions_new(struct engine *eng)
{
	struct actions *a = xcalloc(1, sizeof *a);

	a->eng = eng;
	a->next_id = 1;
	a->curl_timer_mono = -1;
	a->policies = policies_new();
	a->next = registry;
	registry = a;
	return a;
}

struct actions *
actions_of(const struct engine *eng)
{
	struct actions *a;

	for (a = registry; a != NULL; a = a->next) {
		if (a->eng == eng)
			return a;
	}
	return NULL;
}

struct policies *
actions_policies(struct actions *a)
{
	return a->policies;
}

void
actions_set_sinks(struct actions *a, struct store *st, struct incidents *in)
{
	a->st = st;
	a->in = in;
	a->sinks_set = 1;
}

void
actions_set_policies(struct actions *a, int on)
{
	a->no_policies = !on;
}

int
actions_policies_on(const struct actions *a)
{
	return !a->no_policies;
}

void
actions_set_record_hook(struct actions *a, actions_record_fn fn, void *ctx)
{
	a->hook = fn;
	a->hook_ctx = ctx;
}

static struct store *
sink_store(struct actions *a)
{
	return a->sinks_set ? a->st : engine_store(a->eng);
}

static struct incidents *
sink_incidents(struct actions *a)
{
	return a->sinks_set ? a->in : engine_incidents(a->eng);
}

static const char *
kind_name(const struct cfg_action *ac)
{
	if (ac == NULL)
		return "none";
	switch (ac->kind) {
	case ACTION_SIGNAL:
		return "signal";
	case ACTION_EXEC:
		return "exec";
	default:
		return "http_post";
	}
}

/* Write r to the audit trail (when there is a store) and tell the hook;
 * a trail that cannot be written becomes an engine event. */
static void
record(struct actions *a, struct audit_record *r)
{
	struct store *st = sink_store(a);
	char err[512];
	int stored = 0;

	if (st != NULL) {
		if (audit_store(st, r, err, sizeof err) == 0)
			stored = 1;
		else {
			struct buf b = {0};

			audit_format(r, &b);
			engine_event(a->eng, r->worker, ACTIONS_EVENT, "%s; %s",
			    err, b.data);
			buf_free(&b);
		}
	}
	if (a->hook != NULL)
		a->hook(a->hook_ctx, r, stored);
}

/* "a, b, c" of the names a worker may be asked by (at most a few). */
static void
worker_names(struct engine *eng, char *buf, size_t len)
{
	struct buf b = {0};
	size_t i, n = 0;

	for (i = 0; i < engine_worker_count(eng); i++) {
		struct worker *w = engine_worker(eng, i);

		if (w->retired)
			continue;
		if (n++ == 8) {
			buf_adds(&b, ", ...");
			break;
		}
		buf_printf(&b, "%s%s", n > 1 ? ", " : "", w->name);
	}
	util_strlcpy(buf, n > 0 ? b.data : "none", len);
	buf_free(&b);
}

static void
action_names(const struct config *cfg, char *buf, size_t len)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; i < cfg->nactions; i++)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", cfg->actions[i].name);
	util_strlcpy(buf, cfg->nactions > 0 ? b.data : "none defined", len);
	buf_free(&b);
}

static struct job *
job_on(const struct actions *a, const char *worker)
{
	size_t i;

	for (i = 0; i < a->njobs; i++) {
		if (!a->jobs[i]->done && strcmp(a->jobs[i]->worker, worker) == 0)
			return a->jobs[i];
	}
	return NULL;
}

int
actions_busy(const struct actions *a, const char *worker)
{
	return a != NULL && worker != NULL && job_on(a, worker) != NULL;
}

size_t
actions_running(const struct actions *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->njobs; i++)
		n += !a->jobs[i]->done;
	return n;
}

/*
 * The checks shared by actions_question and actions_start.  Returns 0
 * with the worker and the action (NULL for a ladder), or -1 with a
 * message in err.
 */
static int
request_check(struct actions *a, struct engine *eng,
    const struct action_request *rq, struct worker **wp,
    const struct cfg_action **acp, char *err, size_t errlen)
{
	const struct config *cfg = engine_config(eng);
	struct worker *w;
	struct job *busy;
	char names[512];

	*wp = NULL;
	*acp = NULL;
	if (rq->worker == NULL || rq->worker[0] == '\0') {
		snprintf(err, errlen, "which worker?");
		return -1;
	}
	if ((w = engine_worker_by_name(eng, rq->worker)) == NULL ||
	    w->retired) {
		worker_names(eng, names, sizeof names);
		snprintf(err, errlen, "no worker %s (workers: %s)",
		    rq->worker, names);
		return -1;
	}
	*wp = w;
	if (rq->ladder) {
		if (w->cfg == NULL || w->cfg->nactions == 0) {
			snprintf(err, errlen, "worker %s has no actions ladder "
			    "(set actions = trim, restart in its [worker] "
			    "section)", w->name);
			return -1;
		}
	} else {
		if (rq->action == NULL || rq->action[0] == '\0') {
			snprintf(err, errlen, "which action?");
			return -1;
		}
		if ((*acp = config_action(cfg, rq->action)) == NULL) {
			action_names(cfg, names, sizeof names);
			snprintf(err, errlen, "no action %s (actions: %s)",
			    rq->action, names);
			return -1;
		}
	}
	if (a != NULL && (busy = job_on(a, w->name)) != NULL) {
		snprintf(err, errlen, "worker %s is already being acted on "
		    "(%s, started by %s); wait for it to finish", w->name,
		    busy->what, busy->who);
		return -1;
	}
	if (rq->pid != 0 && (!w->alive || w->pid != rq->pid ||
	    w->starttime != rq->starttime)) {
		if (w->alive)
			snprintf(err, errlen, "worker %s is now pid %d, not "
			    "the pid %d you confirmed; not acted on (ask "
			    "again)", w->name, (int)w->pid, (int)rq->pid);
		else
			snprintf(err, errlen, "worker %s has no process now "
			    "(you confirmed pid %d); not acted on", w->name,
			    (int)rq->pid);
		return -1;
	}
	return 0;
}

/* An argv for people: words with spaces or quotes in single quotes. */
static void
argv_show(char *const *argv, size_t argc, struct buf *b)
{
	size_t i;
	const char *p;

	for (i = 0; i < argc; i++) {
		if (i > 0)
			buf_addc(b, ' ');
		if (argv[i][0] != '\0' && strpbrk(argv[i], " \t\n'\"\\$`*?;&|<>()") == NULL) {
			buf_adds(b, argv[i]);
			continue;
		}
		buf_addc(b, '\'');
		for (p = argv[i]; *p != '\0'; p++) {
			if (*p == '\'')
				buf_adds(b, "'\\''");
			else
				buf_addc(b, *p);
		}
		buf_addc(b, '\'');
	}
}

/* What an action does, for the question: "send SIGTERM to", "run X for",
 * "POST URL for". */
static void
action_does(const struct cfg_action *ac, const char *worker, pid_t pid,
    struct buf *b)
{
	char sn[32], **argv, err[128];

	switch (ac->kind) {
	case ACTION_SIGNAL:
		buf_printf(b, "send %s to", signame(ac->signo, sn, sizeof sn));
		break;
	case ACTION_EXEC:
		buf_adds(b, "run ");
		if (actions_argv_expand(ac->argv, ac->argc, worker, pid, &argv,
		    err, sizeof err) == 0) {
			argv_show(argv, ac->argc, b);
			config_argv_free(argv);
		} else
			argv_show(ac->argv, ac->argc, b);
		buf_adds(b, " for");
		break;
	default:
		buf_printf(b, "POST %s for", ac->url);
		break;
	}
}

int
actions_question(struct engine *eng, const struct action_request *rq,
    char *q, size_t qlen, pid_t *pid, uint64_t *starttime)
{
	const struct config *cfg = engine_config(eng);
	const struct cfg_action *ac;
	struct worker *w;
	struct buf b = {0};
	char proc[64], sn[32];
	int need = 0;
	size_t i;

	*pid = 0;
	*starttime = 0;
	if (request_check(actions_of(eng), eng, rq, &w, &ac, q, qlen) != 0)
		return -1;
	if (w->alive) {
		*pid = w->pid;
		*starttime = w->starttime;
		snprintf(proc, sizeof proc, "pid %d", (int)w->pid);
	} else
		snprintf(proc, sizeof proc, "no process now");
	if (!rq->ladder) {
		need = ac->confirm;
		buf_printf(&b, "%s: ", ac->name);
		action_does(ac, w->name, *pid, &b);
		buf_printf(&b, " worker %s (%s)?", w->name, proc);
	} else {
		buf_printf(&b, "recover %s (%s): ", w->name, proc);
		for (i = 0; i < w->cfg->nactions; i++) {
			ac = config_action(cfg, w->cfg->actions[i]);
			if (ac == NULL)
				continue;
			need |= ac->confirm;
			buf_printf(&b, "%s%s", i > 0 ? ", then " : "", ac->name);
			if (ac->kind == ACTION_SIGNAL)
				buf_printf(&b, " (%s)", signame(ac->signo, sn,
				    sizeof sn));
			else if (ac->kind == ACTION_EXEC)
				buf_adds(&b, " (runs a program)");
			else
				buf_adds(&b, " (HTTP POST)");
		}
		buf_adds(&b, ", stopping at the first that works?");
	}
	util_strlcpy(q, b.data, qlen);
	buf_free(&b);
	return need;
}

/* Record a refused request in the audit trail. */
static void
refuse(struct actions *a, const struct action_request *rq, struct worker *w,
    const struct cfg_action *ac, const char *why)
{
	struct audit_record r;
	char *result = xasprintf("refused: %s", why);
	char *summary = xasprintf("%s on %s: refused: %s", rq->ladder ?
	    "recover" : rq->action != NULL ? rq->action : "?",
	    rq->worker != NULL ? rq->worker : "?", why);

	audit_record_init(&r);
	r.ts_ms = util_now_ms();
	r.worker = rq->worker != NULL ? rq->worker : "";
	r.pid = w != NULL && w->alive ? w->pid : 0;
	r.action = rq->ladder ? "recover" : rq->action != NULL ? rq->action :
	    "";
	r.kind = kind_name(ac);
	r.who = rq->who != NULL ? rq->who : "operator";
	r.target = "";
	r.result = result;
	r.verdict = VERDICT_FAILED;
	r.summary = summary;
	r.job = rq->job != NULL ? rq->job : rq->ladder ? "recover" : "act";
	record(a, &r);
	free(result);
	free(summary);
}

/*
 * The lock of a worker between modeltop processes (a console, a recorder
 * with policies, modeltop act in a shell): an flock() on a file named
 * after the worker in $XDG_RUNTIME_DIR/modeltop, or /tmp/modeltop-UID.
 * Returns 0 with the descriptor in *fd (-1 when no lock could be set up:
 * then only this process's own check applies), or -1 with a message
 * when another process holds it.
 */
static int
worker_lock(const char *worker, int *fd, char *err, size_t errlen)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char dir[300], path[600], pid[32], *p;
	struct stat st;
	ssize_t n;

	*fd = -1;
	if (rt != NULL && rt[0] == '/')
		snprintf(dir, sizeof dir, "%s/modeltop", rt);
	else
		snprintf(dir, sizeof dir, "/tmp/modeltop-%u",
		    (unsigned)getuid());
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return 0;
	/* someone else's directory in /tmp is not to be trusted */
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 022) != 0)
		return 0;
	snprintf(path, sizeof path, "%s/act-%s.lock", dir, worker);
	for (p = path + strlen(dir) + 1; *p != '\0'; p++) {
		if (*p == '/')
			*p = '_';
	}
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		return 0;
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		n = pread(*fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen, "worker %s is being acted on by another "
		    "modeltop (pid %s); wait for it to finish", worker,
		    pid[0] != '\0' ? pid : "?");
		close(*fd);
		*fd = -1;
		return -1;
	}
	/* the pid is only for the message: a failure to write it is fine */
	n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	if (ftruncate(*fd, 0) == 0 && pwrite(*fd, pid, (size_t)n, 0) != n)
		pid[0] = '\0';
	return 0;
}

static void
worker_unlock(struct job *j)
{
	if (j->lockfd >= 0)
		close(j->lockfd);
	j->lockfd = -1;
}

/* ------------------------------------------------------------------ */
/* attempts */

static void
attempt_release(struct actions *a, struct attempt *t)
{
	if (t->child > 0 && !t->reaped) {
		/* still ours (not reaped): the group cannot be another's */
		killpg(t->child, SIGKILL);
		waitpid(t->child, NULL, 0);
		t->reaped = 1;
	}
	if (t->pidfd >= 0)
		close(t->pidfd);
	if (t->outfd >= 0)
		close(t->outfd);
	t->pidfd = t->outfd = -1;
	if (t->easy != NULL) {
		curl_multi_remove_handle(a->multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
	curl_slist_free_all(t->hdrs);
	t->hdrs = NULL;
	free(t->post);
	t->post = NULL;
	free(t->target);
	t->target = NULL;
	free(t->name);
	t->name = NULL;
	buf_free(&t->out);
}

static void
attempt_begin(struct actions *a, struct job *j, int64_t delay_ms)
{
	struct attempt *t = &j->at;
	const struct config *cfg = engine_config(a->eng);
	const char *name = j->steps[j->lad.step];

	attempt_release(a, t);
	memset(t, 0, sizeof *t);
	t->pidfd = t->outfd = -1;
	t->name = xstrdup(name);
	t->ac = config_action(cfg, name);
	t->metric = actions_verify_metric(t->ac);
	t->up_metric = t->metric != NULL && strcmp(t->metric, "up") == 0;
	t->before = t->after = t->change = NAN;
	t->verdict = VERDICT_PENDING;
	t->state = delay_ms > 0 ? AS_WAIT : AS_BEFORE;
	t->not_before_mono = util_mono_ms() + delay_ms;
	t->start_ms = util_now_ms();
	t->start_mono = util_mono_ms();
	t->deadline_mono = t->start_mono + 3 * engine_interval_ms(a->eng) +
	    ACTIONS_VERIFY_WAIT_MS;
}

/*
 * The latest value of metric for worker w: its unlabelled series, else
 * the sum over its label sets (with the oldest of their times).  Returns
 * 0, or -1 when the worker has no such series yet.
 */
static int
read_metric(struct actions *a, struct worker *w, const char *metric,
    double *v, int64_t *ts)
{
	struct series_reg *reg = engine_series(a->eng);
	struct series *s;
	size_t i, n = 0;
	double sum = 0;
	int64_t oldest = INT64_MAX;

	s = series_find(reg, w->idx, metric, "", 0);
	if (s != NULL && s->npoints > 0) {
		*v = s->last;
		*ts = s->last_ms;
		return 0;
	}
	for (i = 0; i < w->nseries; i++) {
		s = series_at(reg, w->series_idx[i]);
		if (s == NULL || s->npoints == 0 || strcmp(s->metric, metric))
			continue;
		sum += s->last;
		if (s->last_ms < oldest)
			oldest = s->last_ms;
		n++;
	}
	if (n == 0)
		return -1;
	*v = sum;
	*ts = oldest;
	return 0;
}

static void
fmt_value(const char *metric, double v, char *buf, size_t len)
{
	size_t n = strlen(metric);

	if (isnan(v))
		snprintf(buf, len, "?");
	else if (n > 6 && strcmp(metric + n - 6, "_bytes") == 0 && v >= 0 &&
	    v < 1.8e19)
		units_format_size((uint64_t)llround(v), buf, len);
	else
		snprintf(buf, len, "%.4g", v);
}

static void
summarize(struct job *j, struct attempt *t)
{
	const char *vn = audit_verdict_name(t->verdict);
	char b[UNITS_FMT_MAX], c[UNITS_FMT_MAX], pct[32];

	switch (t->verdict) {
	case VERDICT_FAILED:
	case VERDICT_DONE:
		say(t->summary, sizeof t->summary, "%s: %s, %s", t->name,
		    t->result, vn);
		return;
	default:
		break;
	}
	if (t->up_metric) {
		fmt_value("up", t->before, b, sizeof b);
		fmt_value("up", t->after, c, sizeof c);
		say(t->summary, sizeof t->summary, "%s: up %s -> %s%s%s%s, %s",
		    t->name, b, c, t->detail[0] != '\0' ? " (" : "",
		    t->detail, t->detail[0] != '\0' ? ")" : "", vn);
		return;
	}
	if (t->verdict == VERDICT_UNVERIFIED) {
		say(t->summary, sizeof t->summary, "%s: %s; %s %s, %s",
		    t->name, t->result, t->metric, isnan(t->before) ?
		    "could not be read before the action" :
		    "had no fresh sample after settle", vn);
		return;
	}
	fmt_value(t->metric, t->before, b, sizeof b);
	fmt_value(t->metric, t->after, c, sizeof c);
	if (fabs(t->change) < 1)
		snprintf(pct, sizeof pct, "%+.1f%%", t->change);
	else
		snprintf(pct, sizeof pct, "%+.0f%%", t->change);
	say(t->summary, sizeof t->summary, "%s: %s %s -> %s (%s), %s",
	    t->name, t->metric, b, c, pct, vn);
}

static void job_finish(struct actions *a, struct job *j);

/* The attempt is judged: record it, attach it, and go on with the
 * ladder. */
static void
attempt_finish(struct actions *a, struct job *j)
{
	struct attempt *t = &j->at;
	struct incidents *in = sink_incidents(a);
	struct audit_record r;
	char jobname[128], *text;
	int64_t delay, now = util_now_ms();

	t->state = AS_DONE;
	summarize(j, t);
	if (j->is_ladder)
		snprintf(jobname, sizeof jobname, "%s step %zu/%zu",
		    j->jobname, j->lad.step + 1, j->nsteps);
	else
		snprintf(jobname, sizeof jobname, "%s", j->jobname);
	if (j->lad.attempt > 0) {
		size_t n = strlen(jobname);

		snprintf(jobname + n, sizeof jobname - n, " retry %d",
		    j->lad.attempt);
	}

	audit_record_init(&r);
	r.ts_ms = t->start_ms;
	r.worker = j->worker;
	r.pid = j->pid;
	r.action = t->name;
	r.kind = kind_name(t->ac);
	r.who = j->who;
	r.target = t->target != NULL ? t->target : "";
	r.result = t->result;
	r.has_status = t->has_status;
	r.status = t->status;
	r.output = t->out.len > 0 ? t->out.data : NULL;
	r.metric = t->metric;
	r.before = t->before;
	r.after = t->after;
	r.verdict = t->verdict;
	r.summary = t->summary;
	r.incident_id = j->incident_id;
	r.job = jobname;
	r.duration_ms = util_mono_ms() - t->start_mono;
	record(a, &r);

	if (in != NULL && j->incident_id >= 0) {
		text = xasprintf("%s (by %s)", t->summary, j->who);
		incidents_attempt(in, j->incident_id, text, now);
		free(text);
	}
	engine_event(a->eng, j->worker, ACTIONS_EVENT, "%s (by %s)",
	    t->summary, j->who);
	j->summaries = xgrow(j->summaries, &j->capsum, j->nsummaries + 1,
	    sizeof *j->summaries);
	j->summaries[j->nsummaries++] = xstrdup(t->summary);

	if (ladder_result(&j->lad, t->verdict, &delay) == LADDER_RUN)
		attempt_begin(a, j, delay);
	else
		job_finish(a, j);
}

static void
job_finish(struct actions *a, struct job *j)
{
	struct incidents *in = sink_incidents(a);
	struct buf b = {0};
	char err[256];
	size_t i;

	j->done = 1;
	worker_unlock(j);
	j->succeeded = j->lad.succeeded;
	j->verdict = j->succeeded ? j->lad.last : j->lad.best;
	j->finished_ms = util_now_ms();
	j->finished_mono = util_mono_ms();
	if (!j->is_ladder) {
		buf_adds(&b, j->nsummaries > 0 ?
		    j->summaries[j->nsummaries - 1] : j->what);
		if (j->nsummaries > 1)
			buf_printf(&b, " (after %zu attempts)", j->nsummaries);
	} else {
		if (j->succeeded)
			buf_printf(&b, "recover %s: recovered by %s",
			    j->worker, j->at.name);
		else
			buf_printf(&b, "recover %s: gave up", j->worker);
		buf_adds(&b, " (");
		for (i = 0; i < j->nsummaries; i++)
			buf_printf(&b, "%s%s", i > 0 ? "; " : "",
			    j->summaries[i]);
		buf_adds(&b, ")");
	}
	util_strlcpy(j->line, b.data, sizeof j->line);
	buf_free(&b);
	if (j->is_ladder)
		engine_event(a->eng, j->worker, ACTIONS_EVENT, "%s (by %s)",
		    j->line, j->who);
	/* the incident was opened only to hold this job: it is over */
	if (in != NULL && j->opened_incident && j->succeeded)
		incidents_resolve(in, j->incident_id, j->who, j->finished_ms,
		    err, sizeof err);
	attempt_release(a, &j->at);
}

/* ------------------------------------------------------------------ */
/* running the three kinds */

static void
run_signal(struct actions *a, struct job *j)
{
	struct attempt *t = &j->at;
	char sn[32];

	t->target = xstrdup(signame(t->ac->signo, sn, sizeof sn));
	if (j->pid == 0) {
		say(t->result, sizeof t->result, "refused: worker %s has "
		    "no process", j->worker);
		return;
	}
	if (actions_signal_send(j->pid, j->starttime, t->ac->signo, 0,
	    t->result, sizeof t->result) == 0) {
		t->ok = 1;
		t->has_status = 1;
		t->status = t->ac->signo;
	}
}

static void
run_exec(struct actions *a, struct job *j)
{
	struct attempt *t = &j->at;
	const struct config *cfg = engine_config(a->eng);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	char **argv = NULL, why[512];
	int p[2], rc;

	t->target = audit_json_argv(t->ac->argv, t->ac->argc);
	if (cfg->path != NULL && config_file_safe(cfg->path, why,
	    sizeof why) != 0) {
		say(t->result, sizeof t->result, "refused: exec actions "
		    "need a safe configuration file: %s", why);
		return;
	}
	if (actions_argv_expand(t->ac->argv, t->ac->argc, j->worker, j->pid,
	    &argv, why, sizeof why) != 0) {
		say(t->result, sizeof t->result, "refused: %s", why);
		return;
	}
	free(t->target);
	t->target = audit_json_argv(argv, t->ac->argc);
	if (pipe2(p, O_CLOEXEC) != 0) {
		say(t->result, sizeof t->result, "pipe: %s",
		    strerror(errno));
		config_argv_free(argv);
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	sigfillset(&all);
	sigemptyset(&none);
	/* its own process group (killed whole at the timeout), default
	 * signal dispositions and an empty mask whatever ours are */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(&t->child, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[1]);
	if (rc != 0) {
		say(t->result, sizeof t->result, "cannot run %s: %s",
		    argv[0], strerror(rc));
		close(p[0]);
		t->child = 0;
		config_argv_free(argv);
		return;
	}
	config_argv_free(argv);
	t->outfd = p[0];
	fcntl(t->outfd, F_SETFL, fcntl(t->outfd, F_GETFL) | O_NONBLOCK);
	t->pidfd = (int)syscall(SYS_pidfd_open, t->child, 0);
	t->state = AS_RUN;
	t->deadline_mono = util_mono_ms() + t->ac->timeout_ms;
}

/* Read what the child wrote; keep the head.  At EOF, close the pipe. */
static void
exec_read(struct attempt *t)
{
	char chunk[4096];
	ssize_t n;
	size_t keep;

	while (t->outfd >= 0) {
		n = read(t->outfd, chunk, sizeof chunk);
		if (n > 0) {
			keep = t->out.len < ACTIONS_OUTPUT_MAX ?
			    ACTIONS_OUTPUT_MAX - t->out.len : 0;
			if (keep > (size_t)n)
				keep = (size_t)n;
			if (keep > 0)
				buf_add(&t->out, chunk, keep);
			t->out_total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close(t->outfd);
		t->outfd = -1;
	}
}

static void
exec_check(struct actions *a, struct job *j)
{
	struct attempt *t = &j->at;
	int64_t now = util_mono_ms();
	char tmo[UNITS_FMT_MAX], grace[UNITS_FMT_MAX], sn[32];
	pid_t r;
	int st;

	exec_read(t);
	if (t->child <= 0)
		fatal("exec_check without a child");
	if (!t->reaped) {
		r = waitpid(t->child, &st, WNOHANG);
		if (r == t->child) {
			t->reaped = 1;
			t->wstatus = st;
		} else if (r < 0 && errno == ECHILD) {
			/* someone reaped it for us (SIGCHLD ignored) */
			t->reaped = 1;
			t->wstatus = -1;
		}
	}
	if (!t->reaped) {
		if (!t->term_sent && now >= t->deadline_mono) {
			killpg(t->child, SIGTERM);
			t->term_sent = 1;
			t->kill_mono = now + ACTIONS_KILL_GRACE_MS;
		} else if (t->term_sent && !t->kill_sent &&
		    now >= t->kill_mono) {
			killpg(t->child, SIGKILL);
			t->kill_sent = 1;
		}
		return;
	}
	/* gone: what is still in the pipe is the rest of its output (a
	 * grandchild that keeps the pipe open is not waited for) */
	exec_read(t);
	if (t->outfd >= 0) {
		close(t->outfd);
		t->outfd = -1;
	}
	if (t->pidfd >= 0) {
		close(t->pidfd);
		t->pidfd = -1;
	}
	units_format_duration(t->ac->timeout_ms, tmo, sizeof tmo);
	units_format_duration(ACTIONS_KILL_GRACE_MS, grace, sizeof grace);
	if (t->term_sent) {
		say(t->result, sizeof t->result, "killed at the %s "
		    "timeout (SIGTERM%s%s)", tmo, t->kill_sent ?
		    ", then SIGKILL after " : "", t->kill_sent ? grace : "");
		if (WIFEXITED(t->wstatus)) {
			t->has_status = 1;
			t->status = WEXITSTATUS(t->wstatus);
		}
	} else if (t->wstatus == -1)
		say(t->result, sizeof t->result, "finished (exit status "
		    "unknown: reaped elsewhere)");
	else if (WIFEXITED(t->wstatus)) {
		t->has_status = 1;
		t->status = WEXITSTATUS(t->wstatus);
		t->ok = t->status == 0;
		say(t->result, sizeof t->result, "exit status %d",
		    t->status);
	} else if (WIFSIGNALED(t->wstatus))
		say(t->result, sizeof t->result, "killed by %s",
		    signame(WTERMSIG(t->wstatus), sn, sizeof sn));
	else
		say(t->result, sizeof t->result, "ended (status 0x%x)",
		    (unsigned)t->wstatus);
	if (t->out_total > t->out.len) {
		size_t n = strlen(t->result);

		say(t->result + n, sizeof t->result - n, "; %zu bytes of "
		    "output, the first %zu kept", t->out_total, t->out.len);
	}
	t->child = 0;
}

/* curl */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_global(void)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		fatal("curl_global_init: %s", curl_easy_strerror(rc));
}

static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *clientp,
    void *socketp)
{
	struct actions *a = clientp;
	size_t i;

	for (i = 0; i < a->nwatch; i++) {
		if (a->watch[i].fd == fd)
			break;
	}
	if (what == CURL_POLL_REMOVE) {
		if (i < a->nwatch)
			a->watch[i] = a->watch[--a->nwatch];
		return 0;
	}
	if (i == a->nwatch) {
		a->watch = xgrow(a->watch, &a->capwatch, a->nwatch + 1,
		    sizeof *a->watch);
		a->watch[a->nwatch++].fd = fd;
	}
	a->watch[i].what = what;
	return 0;
}

static int
timer_cb(CURLM *multi, long timeout_ms, void *clientp)
{
	struct actions *a = clientp;

	a->curl_timer_mono = timeout_ms < 0 ? -1 : util_mono_ms() + timeout_ms;
	return 0;
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct attempt *t = arg;
	size_t n = size * nmemb, keep;

	keep = t->out.len < ACTIONS_OUTPUT_MAX ? ACTIONS_OUTPUT_MAX -
	    t->out.len : 0;
	if (keep > n)
		keep = n;
	if (keep > 0)
		buf_add(&t->out, p, keep);
	t->out_total += n;
	return n;
}

static void
json_field(struct buf *b, const char *key, const char *v)
{
	char *q = audit_json_argv((char *const *)&v, 1);

	/* audit_json_argv gives ["..."]: drop the brackets */
	buf_printf(b, "\"%s\":%.*s", key, (int)strlen(q) - 2, q + 1);
	free(q);
}

static void
run_http(struct actions *a, struct job *j)
{
	struct attempt *t = &j->at;
	struct buf body = {0};
	CURLMcode mc;

	t->target = xstrdup(t->ac->url);
	pthread_once(&curl_once, curl_global);
	if (a->multi == NULL) {
		if ((a->multi = curl_multi_init()) == NULL)
			fatal("curl_multi_init failed");
		curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
		curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, a);
		curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
		curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, a);
	}
	if ((t->easy = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	/* the body names what is asked, from our configuration only */
	buf_addc(&body, '{');
	json_field(&body, "worker", j->worker);
	buf_addc(&body, ',');
	json_field(&body, "action", t->name);
	buf_printf(&body, ",\"pid\":%d}", (int)j->pid);
	t->post = buf_detach(&body);
	t->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (t->hdrs == NULL)
		fatal("out of memory (curl_slist_append)");
	curl_easy_setopt(t->easy, CURLOPT_URL, t->ac->url);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->post);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(t->post));
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->hdrs);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long)t->ac->timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, j);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "modeltop/"
#ifdef MODELTOP_VERSION
	    MODELTOP_VERSION
#else
	    "dev"
#endif
	    );
	if ((mc = curl_multi_add_handle(a->multi, t->easy)) != CURLM_OK)
		fatal("curl_multi_add_handle: %s", curl_multi_strerror(mc));
	t->state = AS_RUN;
	t->deadline_mono = util_mono_ms() + t->ac->timeout_ms;
}

static void
sanitize(char *p)
{
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = ' ';
	}
}

/* Take finished transfers off the multi handle into their attempts. */
static void
http_collect(struct actions *a)
{
	CURLMsg *m;
	int left;
	struct job *j;
	struct attempt *t;
	long code = 0;
	size_t n;

	while ((m = curl_multi_info_read(a->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		j = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		if (j == NULL || j->at.easy != m->easy_handle)
			continue;
		t = &j->at;
		if (m->data.result == CURLE_OK) {
			curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
			t->has_status = 1;
			t->status = (int)code;
			t->ok = code >= 200 && code < 300;
			say(t->result, sizeof t->result, "HTTP %ld", code);
		} else {
			n = strlen(t->errbuf);
			while (n > 0 && (t->errbuf[n - 1] == '\n' ||
			    t->errbuf[n - 1] == ' '))
				t->errbuf[--n] = '\0';
			sanitize(t->errbuf);
			say(t->result, sizeof t->result, "POST %s: %s",
			    t->ac->url, n > 0 ? t->errbuf :
			    curl_easy_strerror(m->data.result));
		}
		curl_multi_remove_handle(a->multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* the state machine */

static void
run_action(struct actions *a, struct job *j)
{
	struct attempt *t = &j->at;

	/* run_exec and run_http move to AS_RUN once something is in
	 * flight; a signal, and a refusal, are over at once */
	t->state = AS_DONE;
	switch (t->ac->kind) {
	case ACTION_SIGNAL:
		run_signal(a, j);
		break;
	case ACTION_EXEC:
		run_exec(a, j);
		break;
	case ACTION_HTTP_POST:
		run_http(a, j);
		break;
	}
}

/* The action itself is over (t->ok says how): settle, or judge now. */
static void
after_run(struct actions *a, struct job *j)
{
	struct attempt *t = &j->at;
	int64_t now = util_mono_ms();

	if (!t->ok) {
		t->verdict = VERDICT_FAILED;
		attempt_finish(a, j);
		return;
	}
	if (t->metric == NULL) {
		t->verdict = VERDICT_DONE;
		attempt_finish(a, j);
		return;
	}
	t->state = AS_SETTLE;
	t->settle_mono = now + t->ac->settle_ms;
	t->settle_wall = util_now_ms() + t->ac->settle_ms;
	t->deadline_mono = t->settle_mono + 3 * engine_interval_ms(a->eng) +
	    ACTIONS_VERIFY_WAIT_MS;
}

static void
verify(struct actions *a, struct job *j, struct worker *w)
{
	struct attempt *t = &j->at;
	double v;
	int64_t ts;
	int fresh, new_process, alive;

	fresh = w != NULL && read_metric(a, w, t->metric, &v, &ts) == 0 &&
	    ts >= t->settle_wall;
	if (!fresh && util_mono_ms() < t->deadline_mono)
		return;
	t->after = fresh ? v : NAN;
	if (t->up_metric) {
		/* a process that exited and waits for its parent to reap it
		 * is still in /proc, as a zombie: it is not up */
		alive = w != NULL && w->alive && !(w->has_cur &&
		    w->cur.state == 'Z');
		if (fresh && !alive && t->after >= 1)
			t->after = 0;
		new_process = alive && j->pid != 0 &&
		    (w->pid != j->pid || w->starttime != j->starttime);
		t->verdict = actions_judge_up(t->before, t->after,
		    new_process);
		if (new_process)
			say(t->detail, sizeof t->detail, "new process %d, was "
			    "%d", (int)w->pid, (int)j->pid);
		else if (w != NULL && !alive)
			say(t->detail, sizeof t->detail, "the worker did not "
			    "come back");
		else if (w != NULL && j->pid != 0)
			say(t->detail, sizeof t->detail, "process %d still "
			    "running", (int)j->pid);
	} else
		t->verdict = actions_judge(t->ac->expect_kind,
		    t->ac->expect_value, t->before, t->after, &t->change);
	attempt_finish(a, j);
}

static void
advance(struct actions *a, struct job *j)
{
	struct attempt *t;
	struct worker *w;
	int64_t now, ts;
	double v;
	int guard;

	/* each pass either waits (return) or moves to a later state; a
	 * ladder goes round at most once per attempt */
	for (guard = 0; guard < 4 * LADDER_MAX_STEPS * 12 && !j->done;
	    guard++) {
		t = &j->at;
		now = util_mono_ms();
		w = engine_worker_by_name(a->eng, j->worker);
		switch (t->state) {
		case AS_WAIT:
			if (now < t->not_before_mono)
				return;
			t->state = AS_BEFORE;
			t->start_ms = util_now_ms();
			t->start_mono = now;
			t->deadline_mono = now + 3 *
			    engine_interval_ms(a->eng) + ACTIONS_VERIFY_WAIT_MS;
			break;
		case AS_BEFORE:
			if (t->metric != NULL && w != NULL &&
			    read_metric(a, w, t->metric, &v, &ts) == 0)
				t->before = v;
			else if (t->metric != NULL &&
			    engine_ticks(a->eng) < 3 && now < t->deadline_mono)
				return;	/* not sampled yet (modeltop act) */
			run_action(a, j);
			if (t->state == AS_DONE)
				after_run(a, j);
			break;
		case AS_RUN:
			if (t->ac->kind == ACTION_EXEC) {
				exec_check(a, j);
				if (t->child != 0)
					return;
			} else if (t->easy != NULL)
				return;
			after_run(a, j);
			break;
		case AS_SETTLE:
			if (now < t->settle_mono)
				return;
			t->state = AS_VERIFY;
			break;
		case AS_VERIFY:
			verify(a, j, w);
			if (t->state == AS_VERIFY)
				return;
			break;
		case AS_DONE:
			return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* jobs */

static void
job_free(struct actions *a, struct job *j)
{
	size_t i;

	attempt_release(a, &j->at);
	worker_unlock(j);
	free(j->worker);
	free(j->who);
	free(j->jobname);
	free(j->what);
	for (i = 0; i < j->nsteps; i++)
		free(j->steps[i]);
	free(j->steps);
	for (i = 0; i < j->nsummaries; i++)
		free(j->summaries[i]);
	free(j->summaries);
	free(j);
}

int64_t
actions_start(struct actions *a, const struct action_request *rq,
    char *err, size_t errlen)
{
	const struct config *cfg = engine_config(a->eng);
	const struct cfg_action *ac;
	struct incidents *in = sink_incidents(a);
	struct incident_trigger tr;
	struct worker *w;
	struct job *j;
	int retries[LADDER_MAX_STEPS], lockfd;
	char text[400];
	size_t i;

	if (request_check(a, a->eng, rq, &w, &ac, err, errlen) != 0 ||
	    worker_lock(w->name, &lockfd, err, errlen) != 0) {
		refuse(a, rq, w, ac, err);
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	j->lockfd = lockfd;
	j->id = a->next_id++;
	j->worker = xstrdup(w->name);
	j->who = xstrdup(rq->who != NULL ? rq->who : "operator");
	j->is_ladder = rq->ladder;
	j->jobname = xstrdup(rq->job != NULL ? rq->job : rq->ladder ?
	    "recover" : "act");
	j->what = xstrdup(rq->ladder ? "recover" : ac->name);
	if (rq->ladder) {
		j->nsteps = w->cfg->nactions;
		if (j->nsteps > LADDER_MAX_STEPS)
			j->nsteps = LADDER_MAX_STEPS;
		j->steps = xcalloc(j->nsteps, sizeof *j->steps);
		for (i = 0; i < j->nsteps; i++) {
			const struct cfg_action *s = config_action(cfg,
			    w->cfg->actions[i]);

			j->steps[i] = xstrdup(w->cfg->actions[i]);
			retries[i] = s != NULL ? s->retries : 0;
		}
	} else {
		j->nsteps = 1;
		j->steps = xcalloc(1, sizeof *j->steps);
		j->steps[0] = xstrdup(ac->name);
		retries[0] = ac->retries;
	}
	ladder_init(&j->lad, j->nsteps, retries);
	if (w->alive) {
		j->pid = w->pid;
		j->starttime = w->starttime;
	}
	j->started_ms = util_now_ms();
	j->incident_id = -1;
	if (in != NULL) {
		j->incident_id = incidents_find_open(in, w->name, NULL);
		if (j->incident_id < 0) {
			snprintf(text, sizeof text, "%s asked for %s on %s",
			    j->who, j->what, w->name);
			memset(&tr, 0, sizeof tr);
			tr.worker = w->name;
			tr.cls = INCIDENT_MANUAL;
			tr.strategy = j->what;
			tr.text = text;
			tr.severity = SEVERITY_INFO;
			j->incident_id = incidents_trigger(in, &tr,
			    j->started_ms);
			j->opened_incident = j->incident_id >= 0;
		}
	}
	j->at.pidfd = j->at.outfd = -1;
	attempt_begin(a, j, 0);
	a->jobs = xgrow(a->jobs, &a->capjobs, a->njobs + 1, sizeof *a->jobs);
	a->jobs[a->njobs++] = j;
	advance(a, j);
	return j->id;
}

void
actions_free(struct actions *a)
{
	struct actions **pp;
	struct job *j;
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->njobs; i++) {
		j = a->jobs[i];
		if (!j->done && j->at.state != AS_DONE &&
		    j->at.state != AS_WAIT) {
			/* what happened so far is worth a record */
			if (j->at.state == AS_RUN) {
				attempt_release(a, &j->at);
				j->at.name = xstrdup(j->steps[j->lad.step]);
				say(j->at.result, sizeof j->at.result,
				    "interrupted: modeltop stopped while it "
				    "ran (its process group was killed)");
			} else if (j->at.state == AS_BEFORE)
				say(j->at.result, sizeof j->at.result,
				    "interrupted: modeltop stopped before "
				    "it ran");
			else {
				size_t n = strlen(j->at.result);

				say(j->at.result + n,
				    sizeof j->at.result - n, "; interrupted "
				    "before the verdict (modeltop stopped)");
			}
			j->at.verdict = j->at.state == AS_RUN ||
			    j->at.state == AS_BEFORE ? VERDICT_FAILED :
			    VERDICT_UNVERIFIED;
			/* finish without going on with the ladder */
			j->lad.done = 1;
			attempt_finish(a, j);
			if (!j->done)
				job_finish(a, j);
		}
		job_free(a, j);
	}
	free(a->jobs);
	if (a->multi != NULL)
		curl_multi_cleanup(a->multi);
	free(a->watch);
	policies_free(a->policies);
	for (pp = &registry; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	free(a);
}

int
actions_pollfds(struct actions *a, struct pollfd *fds, int max,
    int *timeout_ms)
{
	int64_t now = util_mono_ms(), next = INT64_MAX;
	struct attempt *t;
	size_t i;
	int n = 0;

	for (i = 0; i < a->njobs; i++) {
		if (a->jobs[i]->done)
			continue;
		t = &a->jobs[i]->at;
		switch (t->state) {
		case AS_WAIT:
			if (t->not_before_mono < next)
				next = t->not_before_mono;
			break;
		case AS_BEFORE:
		case AS_VERIFY:
			/* fresh samples come with the engine's ticks */
			if (t->deadline_mono < next)
				next = t->deadline_mono;
			break;
		case AS_SETTLE:
			if (t->settle_mono < next)
				next = t->settle_mono;
			break;
		case AS_RUN:
			if (t->child != 0) {
				if (t->outfd >= 0 && n < max) {
					fds[n].fd = t->outfd;
					fds[n].events = POLLIN;
					fds[n++].revents = 0;
				}
				if (t->pidfd >= 0 && n < max) {
					fds[n].fd = t->pidfd;
					fds[n].events = POLLIN;
					fds[n++].revents = 0;
				} else if (now + REAP_POLL_MS < next)
					next = now + REAP_POLL_MS;
				if (!t->term_sent && t->deadline_mono < next)
					next = t->deadline_mono;
				if (t->term_sent && !t->kill_sent &&
				    t->kill_mono < next)
					next = t->kill_mono;
			}
			break;
		default:
			break;
		}
	}
	for (i = 0; i < a->nwatch && n < max; i++) {
		fds[n].fd = a->watch[i].fd;
		fds[n].events = 0;
		if (a->watch[i].what & CURL_POLL_IN)
			fds[n].events |= POLLIN;
		if (a->watch[i].what & CURL_POLL_OUT)
			fds[n].events |= POLLOUT;
		fds[n++].revents = 0;
	}
	if (a->nwatch > 0 && i < a->nwatch && now + 10 < next)
		next = now + 10;	/* sockets left out: come back soon */
	if (a->curl_timer_mono >= 0 && a->curl_timer_mono < next)
		next = a->curl_timer_mono;
	if (next != INT64_MAX) {
		int64_t wait = next - now;

		if (wait < 0)
			wait = 0;
		if (wait > INT_MAX)
			wait = INT_MAX;
		if (*timeout_ms < 0 || wait < *timeout_ms)
			*timeout_ms = (int)wait;
	}
	return n;
}

static int
is_watched(const struct actions *a, int fd)
{
	size_t i;

	for (i = 0; i < a->nwatch; i++) {
		if (a->watch[i].fd == fd)
			return 1;
	}
	return 0;
}

int
actions_dispatch(struct actions *a, const struct pollfd *fds, int n)
{
	int64_t now = util_mono_ms();
	int bits = 0, running, ev, i;
	size_t k;
	struct job *j;

	if (a->multi != NULL) {
		for (i = 0; i < n; i++) {
			if (fds[i].revents == 0 || fds[i].fd < 0 ||
			    !is_watched(a, fds[i].fd))
				continue;
			ev = 0;
			if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
				ev |= CURL_CSELECT_IN;
			if (fds[i].revents & POLLOUT)
				ev |= CURL_CSELECT_OUT;
			curl_multi_socket_action(a->multi, fds[i].fd, ev,
			    &running);
		}
		if (a->curl_timer_mono >= 0 && now >= a->curl_timer_mono)
			curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT,
			    0, &running);
		http_collect(a);
	}
	for (k = 0; k < a->njobs; k++) {
		enum astate before;
		size_t nsum;

		j = a->jobs[k];
		if (j->done)
			continue;
		before = j->at.state;
		nsum = j->nsummaries;
		advance(a, j);
		if (j->done || j->at.state != before || j->nsummaries != nsum)
			bits |= ACTIONS_CHANGED;
		if (j->at.state == AS_SETTLE || j->at.state == AS_WAIT ||
		    j->at.state == AS_RUN)
			bits |= ACTIONS_CHANGED;	/* a countdown */
	}
	/* forget finished jobs after a while */
	for (k = 0; k < a->njobs;) {
		size_t ndone = 0, m;

		j = a->jobs[k];
		for (m = 0; m < a->njobs; m++)
			ndone += a->jobs[m]->done;
		if (j->done && (now - j->finished_mono > ACTIONS_KEEP_DONE_MS ||
		    ndone > KEEP_DONE_MAX)) {
			job_free(a, j);
			memmove(a->jobs + k, a->jobs + k + 1,
			    (a->njobs - k - 1) * sizeof *a->jobs);
			a->njobs--;
			continue;
		}
		k++;
	}
	return bits;
}

/* ------------------------------------------------------------------ */
/* status */

static void
job_line(struct actions *a, struct job *j)
{
	struct attempt *t = &j->at;
	int64_t now = util_mono_ms();
	char pre[300], left[UNITS_FMT_MAX];

	if (j->done)
		return;
	if (j->is_ladder)
		snprintf(pre, sizeof pre, "recover %s: step %zu/%zu %s",
		    j->worker, j->lad.step + 1, j->nsteps, t->name);
	else
		snprintf(pre, sizeof pre, "%s on %s", t->name, j->worker);
	switch (t->state) {
	case AS_WAIT:
		units_format_duration(t->not_before_mono - now > 0 ?
		    t->not_before_mono - now : 0, left, sizeof left);
		say(j->line, sizeof j->line, "%s: %s; retry %d in %s",
		    pre, j->nsummaries > 0 ? j->summaries[j->nsummaries - 1] :
		    "", j->lad.attempt, left);
		break;
	case AS_BEFORE:
		say(j->line, sizeof j->line, "%s: reading %s...", pre,
		    t->metric != NULL ? t->metric : "the worker");
		break;
	case AS_RUN:
		units_format_duration(now - t->start_mono, left, sizeof left);
		say(j->line, sizeof j->line, "%s: %s for %s...", pre,
		    t->ac->kind == ACTION_EXEC ? "running" : "posting", left);
		break;
	case AS_SETTLE:
		units_format_duration(t->settle_mono - now > 0 ?
		    t->settle_mono - now : 0, left, sizeof left);
		say(j->line, sizeof j->line, "%s: %s; settling %s...",
		    pre, t->result, left);
		break;
	case AS_VERIFY:
		say(j->line, sizeof j->line, "%s: %s; verifying %s...",
		    pre, t->result, t->metric);
		break;
	default:
		say(j->line, sizeof j->line, "%s", pre);
		break;
	}
}

static void
status_fill(struct actions *a, struct job *j, struct action_job_status *s)
{
	job_line(a, j);
	s->id = j->id;
	s->worker = j->worker;
	s->what = j->what;
	s->who = j->who;
	s->done = j->done;
	s->verdict = j->done ? j->verdict : VERDICT_PENDING;
	s->succeeded = j->succeeded;
	s->line = j->line;
	s->started_ms = j->started_ms;
	s->finished_ms = j->finished_ms;
}

size_t
actions_status(struct actions *a, struct action_job_status *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < a->njobs && n < max; i++) {
		if (!a->jobs[i]->done)
			status_fill(a, a->jobs[i], &out[n++]);
	}
	for (i = a->njobs; i > 0 && n < max; i--) {
		if (a->jobs[i - 1]->done)
			status_fill(a, a->jobs[i - 1], &out[n++]);
	}
	return n;
}

int
actions_job(struct actions *a, int64_t id, struct action_job_status *out)
{
	size_t i;

	for (i = 0; i < a->njobs; i++) {
		if (a->jobs[i]->id == id) {
			status_fill(a, a->jobs[i], out);
			return 0;
		}
	}
	return -1;
}

size_t
actions_job_summaries(struct actions *a, int64_t id, const char *const **out)
{
	size_t i;

	*out = NULL;
	for (i = 0; i < a->njobs; i++) {
		if (a->jobs[i]->id == id) {
			*out = (const char *const *)a->jobs[i]->summaries;
			return a->jobs[i]->nsummaries;
		}
	}
	return 0;
}

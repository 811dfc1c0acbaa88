/*
 * cmd-act.c -- `modeltop act` and `:act WORKER ACTION`: run one recovery
 * action on a worker.  Also the shared runner of `modeltop recover`, and
 * cmd_needs_confirm, which tells the console what to ask before an
 * action, a ladder or a trim runs.
 *
 * In the console the job starts and the command returns at once (the
 * engine's loop drives it; actions_status shows its progress).  On the
 * command line the command runs an engine of its own over the
 * configuration, samples the worker, asks for confirmation on a terminal
 * when the action wants it, acts, waits for the verdict, records the
 * attempt in --db, and exits with a status a runbook can test:
 *
 *	0  effective (or done, for an action without verify)
 *	1  failed, refused, no effect or unverified
 *	2  usage: bad arguments or configuration, unknown worker or action,
 *	   a confirmation needed without a terminal and without --yes
 *	3  partly effective
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "audit.h"
#include "cmd.h"
#include "config.h"
#include "engine.h"
#include "incident.h"
#include "store.h"
#include "util.h"

#define MAX_FDS		512
/* How long the command line waits for the first samples before acting. */
#define WARMUP_MS	3000

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	interrupted = sig;
}

int
cmd_act_status(int verdict)
{
	switch ((enum verdict)verdict) {
	case VERDICT_EFFECTIVE:
	case VERDICT_DONE:
		return 0;
	case VERDICT_PARTLY:
		return 3;
	default:
		return 1;
	}
}

/* "--yes" or "--yes=PID:START", as cmd_needs_confirm hands it out. */
static int
parse_yes(const char *arg, pid_t *pid, uint64_t *starttime)
{
	unsigned long long p, s;
	char extra;

	*pid = 0;
	*starttime = 0;
	if (arg == NULL)
		return 0;
	if (sscanf(arg, "%llu:%llu%c", &p, &s, &extra) != 2 || p == 0 ||
	    p > INT32_MAX)
		return -1;
	*pid = (pid_t)p;
	*starttime = s;
	return 0;
}

struct cli {
	struct cmd_ctx	*ctx;
	int		 db_wanted;
};

/* Each finished attempt: its summary on stdout (what a runbook reads),
 * and the audit line on stderr when it could not go into --db. */
static void
cli_record(void *arg, const struct audit_record *r, int stored)
{
	struct cli *cl = arg;
	struct buf b = {0};

	fprintf(cl->ctx->out, "%s\n", r->summary);
	if (r->verdict != VERDICT_FAILED && r->verdict != VERDICT_DONE &&
	    r->result != NULL && r->result[0] != '\0')
		fprintf(cl->ctx->out, "  %s\n", r->result);
	if (r->output != NULL && r->output[0] != '\0') {
		const char *p = r->output, *nl;

		fprintf(cl->ctx->out, "  output:\n");
		while (*p != '\0') {
			nl = strchr(p, '\n');
			fprintf(cl->ctx->out, "    %.*s\n", nl != NULL ?
			    (int)(nl - p) : (int)strlen(p), p);
			if (nl == NULL)
				break;
			p = nl + 1;
		}
	}
	fflush(cl->ctx->out);
	if (cl->db_wanted && !stored) {
		audit_format(r, &b);
		fprintf(cl->ctx->err, "%s\n", b.data);
		buf_free(&b);
	}
}

static int
ask(struct cmd_ctx *ctx, const char *question)
{
	char line[64];

	fprintf(ctx->err, "%s [y/N] ", question);
	fflush(ctx->err);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/* One turn of the loop: the engine drives its actions runner too. */
static void
turn(struct engine *eng, int cap_ms)
{
	struct pollfd fds[MAX_FDS];
	int n, timeout = cap_ms;

	n = engine_pollfds(eng, fds, MAX_FDS, &timeout);
	if (poll(fds, (nfds_t)n, timeout) == -1 && errno != EINTR)
		fatal("poll: %s", strerror(errno));
	engine_dispatch(eng, fds, n);
}

/*
 * The command line: an engine of our own, then the job.  rq has worker,
 * action and ladder set.
 */
static int
run_cli(struct cmd_ctx *ctx, const struct cmd_entry *ce, const char *path,
    const char *db, int yes, struct action_request *rq)
{
	struct config cfg;
	struct engine_opts eo;
	struct engine *eng;
	struct actions *a;
	struct store *st = NULL;
	struct incidents *in = NULL;
	struct action_job_status js;
	struct sigaction sa, old_int, old_term;
	struct cli cl;
	char err[1024], q[1024], who[300];
	int64_t id, start;
	int rc, need;

	if (cmd_load_config(ctx, path, &cfg) != 0)
		return 2;
	if (db != NULL) {
		char *p = util_expand_home(db);

		st = store_open(p, STORE_WRITE, err, sizeof err);
		free(p);
		if (st == NULL)
			fprintf(ctx->err, "modeltop %s: %s; acting anyway, the "
			    "audit record goes to stderr\n", ce->name, err);
		else
			in = incidents_new(st, cfg.resolve_after_ms);
	}
	memset(&eo, 0, sizeof eo);
	eo.only_uid = (uid_t)-1;
	if ((eng = engine_new(&cfg, &eo, err, sizeof err)) == NULL) {
		fprintf(ctx->err, "modeltop %s: %s\n", ce->name, err);
		incidents_free(in);
		store_close(st);
		config_free(&cfg);
		return 1;
	}
	/* the engine's own runner, recording into our store and tracker */
	if ((a = actions_of(eng)) == NULL)
		fatal("the engine runs no actions");
	actions_set_sinks(a, st, in);
	/* a runbook's act does what it says and nothing else */
	actions_set_policies(a, 0);
	cl.ctx = ctx;
	cl.db_wanted = db != NULL;
	actions_set_record_hook(a, cli_record, &cl);
	audit_who_cli(who, sizeof who);
	rq->who = who;

	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	/* sample the fleet once (and its scrapes) before judging anything */
	start = util_mono_ms();
	while (!interrupted && util_mono_ms() - start < WARMUP_MS &&
	    (engine_ticks(eng) == 0 || engine_scrapes_in_flight(eng) > 0))
		turn(eng, 100);

	need = actions_question(eng, rq, q, sizeof q, &rq->pid,
	    &rq->starttime);
	if (need == -1) {
		int usage = engine_worker_by_name(eng, rq->worker) == NULL ||
		    (!rq->ladder && config_action(&cfg, rq->action) == NULL);

		/* actions_start refuses it again, and records that */
		actions_start(a, rq, err, sizeof err);
		fprintf(ctx->err, "modeltop %s: %s\n", ce->name, err);
		rc = usage ? 2 : 1;
		goto out;
	}
	if (need == 1 && !yes) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(ctx->err, "modeltop %s: %s\nmodeltop %s: this "
			    "needs confirmation and stdin is not a terminal: "
			    "run with --yes to act without asking\n", ce->name,
			    q, ce->name);
			rc = 2;
			goto out;
		}
		if (!ask(ctx, q)) {
			fprintf(ctx->err, "modeltop %s: not confirmed; nothing "
			    "done\n", ce->name);
			rc = 1;
			goto out;
		}
	}
	if ((id = actions_start(a, rq, err, sizeof err)) < 0) {
		fprintf(ctx->err, "modeltop %s: %s\n", ce->name, err);
		rc = 1;
		goto out;
	}
	while (!interrupted) {
		if (actions_job(a, id, &js) != 0 || js.done)
			break;
		turn(eng, 1000);
	}
	if (interrupted) {
		fprintf(ctx->err, "modeltop %s: interrupted\n", ce->name);
		rc = 130;
		goto out;
	}
	if (rq->ladder)
		fprintf(ctx->out, "%s\n", js.line);
	rc = cmd_act_status(js.verdict);

out:
	/* the engine frees its runner, which records unfinished jobs as
	 * interrupted: before our store and tracker go */
	engine_free(eng, NULL, 0);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (in != NULL && incidents_flush(in, err, sizeof err) != 0)
		fprintf(ctx->err, "modeltop %s: %s\n", ce->name, err);
	incidents_free(in);
	store_close(st);
	config_free(&cfg);
	return rc;
}

/* The console: start the job and return; its progress shows in the
 * console's action status. */
static int
run_prompt(struct cmd_ctx *ctx, const struct cmd_entry *ce,
    struct action_request *rq, int yes)
{
	struct actions *a = actions_of(ctx->engine);
	struct action_job_status js;
	char q[1024], err[1024];
	pid_t pid;
	uint64_t st;
	int64_t id;

	if (a == NULL) {
		fprintf(ctx->err, "%s: this console runs no actions\n",
		    ce->name);
		return 1;
	}
	rq->who = ctx->who;
	if (!yes && actions_question(ctx->engine, rq, q, sizeof q, &pid,
	    &st) == 1) {
		fprintf(ctx->err, "%s: needs confirmation: %s (answer the y/n "
		    "question, or add --yes)\n", ce->name, q);
		return 1;
	}
	if ((id = actions_start(a, rq, err, sizeof err)) < 0) {
		fprintf(ctx->err, "%s: %s\n", ce->name, err);
		return 1;
	}
	if (actions_job(a, id, &js) == 0)
		fprintf(ctx->out, "%s\n", js.line);
	return 0;
}

int
cmd_act_run(struct cmd_ctx *ctx, const struct cmd_entry *ce, int argc,
    char **argv, int ladder)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "yes", optional_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	struct action_request rq;
	const char *path = NULL, *db = NULL, *bound = NULL;
	int c, yes = 0, nargs = ladder ? 1 : 2;

	/* GNU getopt: options may also follow WORKER and ACTION */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:d:y", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'y':
			yes = 1;
			bound = optarg;
			break;
		default:
			return cmd_usage_error(ctx, ce, "unknown option \"%s\"",
			    argv[optind - 1]);
		}
	}
	if (argc - optind != nargs)
		return cmd_usage_error(ctx, ce, ladder ? "expected WORKER" :
		    "expected WORKER ACTION");
	memset(&rq, 0, sizeof rq);
	rq.worker = argv[optind];
	rq.action = ladder ? NULL : argv[optind + 1];
	rq.ladder = ladder;
	rq.job = ladder ? "recover" : "act";
	if (parse_yes(bound, &rq.pid, &rq.starttime) != 0)
		return cmd_usage_error(ctx, ce, "--yes=%s: expected PID:START "
		    "(as the console confirms it)", bound);

	if (ctx->engine != NULL) {
		if (path != NULL || db != NULL)
			return cmd_usage_error(ctx, ce, "-c and --db are for the "
			    "command line; the console acts on its own fleet");
		return run_prompt(ctx, ce, &rq, yes);
	}
	if (ctx->console != NULL) {
		fprintf(ctx->err, "%s: not on a recording (history is "
		    "read-only)\n", ce->name);
		return 1;
	}
	if (path == NULL)
		return cmd_usage_error(ctx, ce, "-c FILE is required");
	return run_cli(ctx, ce, path, db, yes, &rq);
}

static int
act_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cmd_act_run(ctx, &cmd_act_entry, argc, argv, 0);
}

const struct cmd_entry cmd_act_entry = {
	"act", NULL,
	"-c FILE WORKER ACTION [--yes] [--db FILE]",
	"run a recovery action on a worker, verify it, record it (exit 0 "
	"effective, 1 not, 2 usage, 3 partly)",
	CMD_CLI | CMD_PROMPT,
	act_exec
};

/* ------------------------------------------------------------------ */
/* what the console asks first */

static int
has_yes(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0 ||
		    strncmp(argv[i], "--yes=", 6) == 0)
			return 1;
	}
	return 0;
}

int
cmd_needs_confirm(struct cmd_ctx *ctx, int argc, char **argv, char *q,
    size_t qlen, char *yes, size_t yeslen)
{
	const struct cmd_entry *ce;
	struct action_request rq;
	pid_t pid;
	uint64_t st;
	int r;

	if (ctx->engine == NULL || argc < 2 || has_yes(argc, argv) ||
	    (ce = cmd_find(argv[0], CMD_PROMPT, NULL)) == NULL)
		return 0;
	memset(&rq, 0, sizeof rq);
	rq.worker = argv[1];
	if (ce == &cmd_act_entry && argc == 3)
		rq.action = argv[2];
	else if (ce == &cmd_recover_entry && argc == 2)
		rq.ladder = 1;
	else if (ce == &cmd_trim_entry && argc == 2) {
		if (cmd_trim_question(ctx->engine, argv[1], q, qlen) != 1)
			return 0;
		util_strlcpy(yes, "--yes", yeslen);
		return 1;
	} else
		return 0;
	r = actions_question(ctx->engine, &rq, q, qlen, &pid, &st);
	if (r != 1)
		return 0;	/* the command itself says what is wrong */
	if (pid != 0)
		snprintf(yes, yeslen, "--yes=%d:%" PRIu64, (int)pid, st);
	else
		util_strlcpy(yes, "--yes", yeslen);
	return 1;
}

/*
 * cmd-trim.c -- `:trim WORKER|all`: the memory optimisation.  Runs the
 * worker's trim action (actions_trim_for: the one named trim, else the
 * one that sends SIGUSR1, which the agent answers with gc.collect() and
 * malloc_trim(0)) with the usual settle, verification and audit; `all`
 * starts it on every live worker that has one.  Live console only: the
 * command line has `modeltop act -c FILE WORKER trim`.
 */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "cmd.h"
#include "config.h"
#include "engine.h"
#include "util.h"

/* Workers `all` means: alive, not retired, with a trim action. */
static int
trimmable(struct engine *eng, struct worker *w, const struct cfg_action **ac)
{
	*ac = NULL;
	if (w->retired || !w->alive)
		return 0;
	*ac = actions_trim_for(engine_config(eng), w->cfg);
	return *ac != NULL;
}

int
cmd_trim_question(struct engine *eng, const char *target, char *q,
    size_t qlen)
{
	const struct cfg_action *ac;
	struct action_request rq;
	struct worker *w;
	struct buf names = {0};
	size_t i, n = 0;
	int need = 0;
	pid_t pid;
	uint64_t st;

	if (strcmp(target, "all") != 0) {
		w = engine_worker_by_name(eng, target);
		if (w == NULL || (ac = actions_trim_for(engine_config(eng),
		    w->cfg)) == NULL)
			return 0;
		memset(&rq, 0, sizeof rq);
		rq.worker = target;
		rq.action = ac->name;
		return actions_question(eng, &rq, q, qlen, &pid, &st);
	}
	for (i = 0; i < engine_worker_count(eng); i++) {
		w = engine_worker(eng, i);
		if (!trimmable(eng, w, &ac))
			continue;
		need |= ac->confirm;
		buf_printf(&names, "%s%s", n++ > 0 ? ", " : "", w->name);
	}
	if (need)
		snprintf(q, qlen, "trim %zu worker%s (%s)?", n, n == 1 ? "" :
		    "s", names.data);
	buf_free(&names);
	return need;
}

static int
trim_one(struct cmd_ctx *ctx, struct actions *a, const char *name, int yes)
{
	const struct cfg_action *ac;
	struct action_request rq;
	struct action_job_status js;
	struct worker *w = engine_worker_by_name(ctx->engine, name);
	char err[1024], q[1024];
	pid_t pid;
	uint64_t st;
	int64_t id;

	memset(&rq, 0, sizeof rq);
	rq.worker = name;
	rq.who = ctx->who;
	rq.job = "trim";
	if (w != NULL && !w->retired) {
		ac = actions_trim_for(engine_config(ctx->engine), w->cfg);
		if (ac == NULL) {
			fprintf(ctx->err, "trim: worker %s has no trim action "
			    "(an [action] named trim, or one with signal = "
			    "USR1, in its actions)\n", name);
			return 1;
		}
		rq.action = ac->name;
		if (!yes && actions_question(ctx->engine, &rq, q, sizeof q,
		    &pid, &st) == 1) {
			fprintf(ctx->err, "trim: needs confirmation: %s (answer "
			    "the y/n question, or add --yes)\n", q);
			return 1;
		}
	} else
		rq.action = "trim";	/* refused below, and recorded */
	if ((id = actions_start(a, &rq, err, sizeof err)) < 0) {
		fprintf(ctx->err, "trim: %s\n", err);
		return 1;
	}
	if (actions_job(a, id, &js) == 0)
		fprintf(ctx->out, "%s\n", js.line);
	return 0;
}

static int
trim_all(struct cmd_ctx *ctx, struct actions *a, int yes)
{
	struct engine *eng = ctx->engine;
	const struct cfg_action *ac;
	struct action_request rq;
	struct buf started = {0}, skipped = {0};
	struct worker *w;
	char err[1024], q[1024];
	size_t i, nstarted = 0, nskipped = 0;

	if (!yes && cmd_trim_question(eng, "all", q, sizeof q) == 1) {
		fprintf(ctx->err, "trim: needs confirmation: %s (answer the "
		    "y/n question, or add --yes)\n", q);
		return 1;
	}
	for (i = 0; i < engine_worker_count(eng); i++) {
		w = engine_worker(eng, i);
		if (!trimmable(eng, w, &ac))
			continue;
		if (actions_busy(a, w->name)) {
			buf_printf(&skipped, "%s%s (busy)", nskipped++ > 0 ?
			    ", " : "", w->name);
			continue;
		}
		memset(&rq, 0, sizeof rq);
		rq.worker = w->name;
		rq.action = ac->name;
		rq.who = ctx->who;
		rq.job = "trim";
		if (actions_start(a, &rq, err, sizeof err) < 0) {
			buf_printf(&skipped, "%s%s (%s)", nskipped++ > 0 ?
			    ", " : "", w->name, err);
			continue;
		}
		buf_printf(&started, "%s%s", nstarted++ > 0 ? ", " : "",
		    w->name);
	}
	if (nstarted == 0 && nskipped == 0) {
		fprintf(ctx->err, "trim: no live worker has a trim action\n");
		return 1;
	}
	fprintf(ctx->out, "trim started on %zu worker%s%s%s%s%s\n", nstarted,
	    nstarted == 1 ? "" : "s", nstarted > 0 ? ": " : "",
	    nstarted > 0 ? started.data : "", nskipped > 0 ? "; skipped: " :
	    "", nskipped > 0 ? skipped.data : "");
	buf_free(&started);
	buf_free(&skipped);
	return nstarted > 0 ? 0 : 1;
}

static int
trim_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct actions *a;
	int yes = 0, i, nargs = 0;
	const char *target = NULL;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0 ||
		    strncmp(argv[i], "--yes=", 6) == 0)
			yes = 1;
		else if (argv[i][0] == '-')
			return cmd_usage_error(ctx, &cmd_trim_entry,
			    "unknown option \"%s\"", argv[i]);
		else {
			target = argv[i];
			nargs++;
		}
	}
	if (nargs != 1)
		return cmd_usage_error(ctx, &cmd_trim_entry,
		    "expected WORKER or all");
	if (ctx->engine == NULL) {
		if (ctx->console != NULL)
			fprintf(ctx->err, "trim: not on a recording (history "
			    "is read-only)\n");
		else
			fprintf(ctx->err, "trim: only in the live console; "
			    "from a shell use modeltop act -c FILE WORKER "
			    "trim\n");
		return 1;
	}
	if ((a = actions_of(ctx->engine)) == NULL) {
		fprintf(ctx->err, "trim: this console runs no actions\n");
		return 1;
	}
	if (strcmp(target, "all") == 0)
		return trim_all(ctx, a, yes);
	return trim_one(ctx, a, target, yes);
}

const struct cmd_entry cmd_trim_entry = {
	"trim", NULL,
	"WORKER|all [--yes]",
	"the memory optimisation: run the trim action (SIGUSR1: gc.collect "
	"and malloc_trim) on a worker, or on all",
	CMD_PROMPT,
	trim_exec
};

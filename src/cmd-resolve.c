/*
 * cmd-resolve.c -- :resolve ID|WORKER: close an open incident of the live
 * engine by hand, recording who did.
 */
#include <stdio.h>

#include "cmd.h"
#include "engine.h"
#include "incident.h"
#include "util.h"

static int
resolve_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct incident *p;
	struct incidents *in;
	char err[256];
	int64_t id;

	if (argc != 2) {
		fprintf(ctx->err, "usage: resolve ID|WORKER\n");
		return 2;
	}
	if (ctx->engine == NULL) {
		fprintf(ctx->err, "resolve: only in the live console\n");
		return 1;
	}
	if ((in = engine_incidents(ctx->engine)) == NULL) {
		fprintf(ctx->err, "resolve: this engine tracks no "
		    "incidents\n");
		return 1;
	}
	if ((id = incidents_find_ref(in, argv[1], err, sizeof err)) < 0 ||
	    incidents_resolve(in, id, ctx->who, util_now_ms(), err,
	    sizeof err) != 0) {
		fprintf(ctx->err, "resolve: %s\n", err);
		return 1;
	}
	p = incidents_get(in, id);
	fprintf(ctx->out, "incident #%lld (%s %s) resolved\n",
	    (long long)id, p->worker, p->cls);
	return 0;
}

const struct cmd_entry cmd_resolve_entry = {
	"resolve", NULL,
	"ID|WORKER",
	"resolve an incident (or a worker's newest open one) by hand; live "
	"console only",
	CMD_CLI | CMD_PROMPT,
	resolve_exec
};

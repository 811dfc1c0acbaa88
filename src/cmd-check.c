/*
 * cmd-check.c -- modeltop check: validate a configuration file.
 */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "units.h"

static int
check_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL;
	struct cfg_errors errs = {0};
	struct config cfg;
	char interval[32];
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (c != 'c') {
			cmd_usage(&cmd_check_entry, ctx->err);
			return 2;
		}
		path = optarg;
	}
	if (path == NULL && optind < argc)
		path = argv[optind++];
	if (optind != argc)
		return cmd_usage_error(ctx, &cmd_check_entry,
		    "unexpected argument \"%s\"", argv[optind]);
	if (path == NULL)
		return cmd_usage_error(ctx, &cmd_check_entry,
		    "-c FILE is required");
	if (config_load(path, &cfg, &errs) != 0) {
		cfg_errors_print(&errs, ctx->err);
		fprintf(ctx->err, "%s: %zu error%s\n", path, errs.n,
		    errs.n == 1 ? "" : "s");
		cfg_errors_free(&errs);
		config_free(&cfg);
		return 1;
	}
	if (cfg.exec_unsafe != NULL)
		fprintf(ctx->err, "%s: warning: exec actions will be refused: "
		    "%s\n", path, cfg.exec_unsafe);
	units_format_duration(cfg.interval_ms, interval, sizeof interval);
	fprintf(ctx->out, "%s: ok: %zu worker%s, %zu action%s, %zu rule%s, "
	    "interval %s\n", path, cfg.nworkers, cfg.nworkers == 1 ? "" : "s",
	    cfg.nactions, cfg.nactions == 1 ? "" : "s", cfg.nrules,
	    cfg.nrules == 1 ? "" : "s", interval);
	cfg_errors_free(&errs);
	config_free(&cfg);
	return 0;
}

const struct cmd_entry cmd_check_entry = {
	"check", NULL,
	"-c FILE",
	"validate a configuration; print FILE:LINE: message for each error",
	CMD_CLI,
	check_exec
};

/*
 * cmd-replay.c -- modeltop replay FILE [--at TIME]: the console on a
 * recording, with time travel.  The file is opened read-only (also while
 * a recorder writes it: the replay then follows it); a file that is not
 * a recording, is damaged or comes from a newer modeltop is refused with
 * the store's message and exit status 1, before the terminal is touched.
 *
 * Also the TIME of --at and :goto on a recording (cmd_replay_time).
 */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "console.h"
#include "store.h"
#include "timeexpr.h"
#include "util.h"
#include "view.h"

#define DAY_MS	(24 * 3600 * 1000LL)

/* HH:MM or HH:MM:SS */
static int
is_clock(const char *s)
{
	int colons = 0;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	for (; *s != '\0' && *s != ' '; s++) {
		if (*s == ':')
			colons++;
		else if (!isdigit((unsigned char)*s))
			return 0;
	}
	return colons == 1 || colons == 2;
}

int
cmd_replay_time(const char *s, int64_t first_ms, int64_t last_ms,
    int64_t *out_ms, char *err, size_t errlen)
{
	int64_t t;

	if (timeexpr_parse(s, last_ms, &t, err, errlen) != 0)
		return -1;
	/* a clock time means the recording's day: the last one, or the
	 * day before when that is still in the recording */
	if (is_clock(s) && t > last_ms && t - DAY_MS >= first_ms)
		t -= DAY_MS;
	*out_ms = t;
	return 0;
}

static int
replay_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, 'A' },
		{ "config", required_argument, NULL, 'c' },
		{ "theme", required_argument, NULL, 't' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "no-color", no_argument, NULL, 'n' },
		{ "no-colour", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct console_opts o;
	struct config cfg;
	struct store *st;
	struct view *view;
	const char *at = NULL, *path, **specs = NULL, **commands = NULL;
	char err[512];
	int64_t first, last, t = INT64_MAX;
	int c, rc, have_cfg = 0;
	size_t i;

	memset(&o, 0, sizeof o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'A':
			at = optarg;
			break;
		case 'c':
			o.config_path = optarg;
			break;
		case 't':
			o.theme = optarg;
			break;
		case 'a':
			o.ascii = 1;
			break;
		case 'n':
			o.no_color = 1;
			break;
		default:
			cmd_usage(&cmd_replay_entry, ctx->err);
			return 2;
		}
	}
	if (optind >= argc)
		return cmd_usage_error(ctx, &cmd_replay_entry,
		    "which recording? give its FILE");
	path = argv[optind++];
	if (optind != argc)
		return cmd_usage_error(ctx, &cmd_replay_entry,
		    "unexpected argument \"%s\"", argv[optind]);
	/* the configuration only brings the theme and the key bindings */
	if (o.config_path != NULL) {
		if (cmd_load_config(ctx, o.config_path, &cfg) != 0)
			return 1;
		have_cfg = 1;
	}

	if ((st = store_open(path, STORE_READ, err, sizeof err)) == NULL) {
		fprintf(ctx->err, "modeltop replay: %s\n", err);
		rc = 1;
		goto out;
	}
	if (at != NULL) {
		if (store_span(st, &first, &last) != 0)
			first = last = util_now_ms();
		if (cmd_replay_time(at, first, last, &t, err,
		    sizeof err) != 0) {
			store_close(st);
			rc = cmd_usage_error(ctx, &cmd_replay_entry, "--at: %s",
			    err);
			goto out;
		}
	}
	if ((view = view_replay_new(st, t, err, sizeof err)) == NULL) {
		fprintf(ctx->err, "modeltop replay: %s\n", err);
		rc = 1;
		goto out;
	}
	if (have_cfg) {
		if (o.theme == NULL)
			o.theme = cfg.theme;
		if (cfg.nkeys > 0) {
			specs = xcalloc(cfg.nkeys, sizeof *specs);
			commands = xcalloc(cfg.nkeys, sizeof *commands);
			for (i = 0; i < cfg.nkeys; i++) {
				specs[i] = cfg.keys[i].spec;
				commands[i] = cfg.keys[i].command;
			}
			o.key_specs = specs;
			o.key_commands = commands;
			o.nkeys = cfg.nkeys;
		}
	}
	o.config_path = NULL;
	rc = console_run(view, &o);
	view_free(view);
out:
	free(specs);
	free(commands);
	if (have_cfg)
		config_free(&cfg);
	return rc;
}

const struct cmd_entry cmd_replay_entry = {
	"replay", NULL,
	"FILE [--at TIME] [-c FILE] [--theme NAME] [--ascii] [--no-color]",
	"the console on a recording, with time travel (follows a recording "
	"still being written)",
	CMD_CLI,
	replay_exec
};

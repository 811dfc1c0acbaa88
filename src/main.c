/*
 * main.c -- modeltop's entry point: global options, then either a command
 * from the command table (modeltop NAME ...) or the live console.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

static void
usage(FILE *fp)
{
	const struct cmd_entry *const *cp;

	fprintf(fp,
	    "usage: modeltop [-c FILE] [--db FILE]\n"
	    "       modeltop COMMAND [ARGS]\n"
	    "\n"
	    "Terminal operator console for fleets of model-serving workers.\n"
	    "\n"
	    "Commands:\n");
	for (cp = cmd_table; *cp != NULL; cp++) {
		if (((*cp)->flags & CMD_CLI) == 0)
			continue;
		fprintf(fp, "  %-9s %s\n", (*cp)->name, (*cp)->usage);
		fprintf(fp, "  %-9s   %s\n", "", (*cp)->help);
	}
	fprintf(fp,
	    "\n"
	    "Options:\n"
	    "  -c, --config FILE  configuration (default: watch this user's\n"
	    "                     python processes)\n"
	    "  --db FILE          recording database (default from config)\n"
	    "  -h, --help         this help\n"
	    "  -V, --version      print the version\n"
	    "\n"
	    "TIME is RFC 3339, HH:MM[:SS] (today), unix seconds, or relative\n"
	    "(-10m, -1h30m).  See modeltop(1).\n");
}

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx = { stdout, stderr, NULL, NULL, NULL };
	const struct cmd_entry *ce;
	int ambiguous;

	/* Wide characters for the console, but numbers always in the C
	 * locale: exports and configs must not depend on LC_NUMERIC. */
	setlocale(LC_CTYPE, "");

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && (strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "--version") == 0)) {
		printf("modeltop %s\n", MODELTOP_VERSION);
		return 0;
	}
	if (argc >= 2 && argv[1][0] != '-') {
		ce = cmd_find(argv[1], CMD_CLI, &ambiguous);
		if (ce == NULL) {
			fprintf(stderr, "modeltop: %s command \"%s\"; see "
			    "modeltop --help\n", ambiguous ? "ambiguous" :
			    "unknown", argv[1]);
			return 2;
		}
		return ce->exec(&ctx, argc - 1, argv + 1);
	}
	fprintf(stderr, "modeltop: the console is not built yet; see "
	    "modeltop --help\n");
	return 2;
}

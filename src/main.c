/*
 * main.c -- modeltop's entry point: global options, then either a command
 * from the command table (modeltop NAME ...) or the live console.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getopt.h>

#include <termkey.h>

#include "cmd.h"
#include "config.h"
#include "console.h"
#include "keymap.h"
#include "util.h"

/* [keys] specs are checked at load time by the console's key parser. */
static int
check_key_spec(const char *spec, char *err, size_t errlen)
{
	TermKeyKey key;

	return keymap_parse_spec(spec, &key, err, errlen) == 0 ? 0 : -1;
}

static void
usage(FILE *fp)
{
	const struct cmd_entry *const *cp;

	fprintf(fp,
	    "usage: modeltop [-c FILE] [--db FILE] [--theme NAME] [--ascii] [--no-color]\n"
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
	    "  --db FILE          record the live console into FILE\n"
	    "  --theme NAME|FILE  colour theme (default, light, high-contrast,\n"
	    "                     monochrome, or a theme file)\n"
	    "  --ascii            no box drawing, braille or block glyphs\n"
	    "  --no-color         no colour (also: NO_COLOR in the environment)\n"
	    "  -h, --help         this help\n"
	    "  -V, --version      print the version\n"
	    "\n"
	    "TIME is RFC 3339, HH:MM[:SS] (today), unix seconds, or relative\n"
	    "(-10m, -1h30m).\n"
	    "\n"
	    "In the console, ? or F1 lists every key binding and : command.\n"
	    "See modeltop(1).\n");
}

/* modeltop [-c FILE] [--db FILE] [--theme NAME] [--ascii] [--no-color] */
static int
console_cli(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "theme", required_argument, NULL, 't' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "no-color", no_argument, NULL, 'n' },
		{ "no-colour", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct console_opts o;
	int c;

	memset(&o, 0, sizeof o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'd':
			o.db = optarg;
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
			fprintf(stderr, "see modeltop --help\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "modeltop: unknown command \"%s\"; see "
		    "modeltop --help\n", argv[optind]);
		return 2;
	}
	return console_main(&o);
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
	config_set_key_check(check_key_spec);

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
	return console_cli(argc, argv);
}

/*
 * fuzz_cmd.c -- libFuzzer entry point for the ':' command parser: word
 * splitting, command lookup and the argument parsers commands share.
 *
 *   make fuzz SECS=60 FUZZ=cmd
 * or by hand (from the repository root, after 'make fuzz' built the
 * libraries):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       -Iui tests/fuzz/fuzz_cmd.c -Wl,--start-group \
 *       build-fuzz/libmodeltop-ui.a build-fuzz/libmodeltop.a \
 *       -Wl,--end-group $(pkg-config --libs ncursesw termkey sqlite3 \
 *       inih libcurl) -lm -ldl -lpthread -o fuzz_cmd
 *   ./fuzz_cmd -dict=tests/fuzz/cmd.dict tests/fuzz/corpus/cmd
 *
 * The input is a command line as typed at the ':' prompt (cut at the
 * first NUL).  It goes through what console_run does before running
 * anything: config_split_argv, then the lookup across the console's and
 * the engine's tables (ucmd_find) and the engine's own (cmd_find, for
 * every flag set), and every word through the shared argument parsers
 * (durations, sizes, numbers, column names, replay times).  Commands
 * that act on the world (signals, recordings, the console) are not run;
 * the read-only ones a line can name (export, incidents, check) are,
 * for their option parsing, with every file argument replaced by one
 * that does not exist, and must return 0, 1 or 2 (an exit status).
 *
 * Invariants: a split gives argc >= 1 words and argv[argc] == NULL, or
 * a message; each word quoted back and split again gives the same words;
 * a command found is one whose name or alias is the word, or whose name
 * starts with it; an ambiguous word finds nothing and lists candidates;
 * the formatters of the unit parsers give back text the parsers accept.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "ucmd.h"
#include "units.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	opterr = 0;	/* getopt's own messages would only be noise */
	if ((devnull = fopen("/dev/null", "w")) == NULL) {
		perror("/dev/null");
		exit(1);
	}
	return 0;
}

/* Quote w so that config_split_argv reads it back as one word: single
 * quotes, each ' as '\''. */
static void
quote(struct buf *b, const char *w)
{
	buf_addc(b, '\'');
	for (; *w != '\0'; w++) {
		if (*w == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *w);
	}
	buf_addc(b, '\'');
}

static void
check_found(const struct cmd_entry *ce, const char *w)
{
	if (ce == NULL)
		return;
	if (strcmp(ce->name, w) != 0 &&
	    (ce->alias == NULL || strcmp(ce->alias, w) != 0) &&
	    strncmp(ce->name, w, strlen(w)) != 0)
		abort();
}

static void
lookup(const char *w)
{
	static const int flagsets[] = { CMD_CLI, CMD_PROMPT, CMD_REPLAY,
	    CMD_CLI | CMD_PROMPT | CMD_REPLAY };
	const struct cmd_entry *ce;
	struct buf cands = {0};
	size_t i;
	int amb = 7;

	ce = ucmd_find(w, &amb, &cands);
	check_found(ce, w);
	if (ce != NULL && amb != 0)
		abort();
	if (amb && cands.len == 0)
		abort();
	buf_free(&cands);
	for (i = 0; i < ARRAY_LEN(flagsets); i++) {
		amb = 7;
		ce = cmd_find(w, flagsets[i], &amb);
		check_found(ce, w);
		if (ce != NULL && ((ce->flags & flagsets[i]) == 0 || amb))
			abort();
		if (amb != 0 && amb != 1)
			abort();
	}
}

static void
arguments(const char *w)
{
	char fmt[UNITS_FMT_MAX], err[128];
	int64_t ms, t;
	uint64_t size;
	double v;

	if (cmd_parse_seconds(w, &ms) == 0 && ms >= 0) {
		units_format_duration(ms, fmt, sizeof fmt);
		if (strnlen(fmt, sizeof fmt) >= sizeof fmt)
			abort();
	}
	if (units_parse_size(w, &size) == 0) {
		units_format_size(size, fmt, sizeof fmt);
		if (strnlen(fmt, sizeof fmt) >= sizeof fmt)
			abort();
	}
	units_parse_number(w, &v);
	ucmd_column_parse(w);
	if (cmd_replay_time(w, INT64_C(1795749000000), INT64_C(1795749120000),
	    &t, err, sizeof err) != 0 && strnlen(err, sizeof err) >= sizeof err)
		abort();
}

/* Run a read-only command's parsing on argv, no file reachable. */
static void
run_readonly(size_t argc, char **argv)
{
	static char missing[] = "fuzz-cmd-no-such-file";
	struct cmd_ctx ctx = { devnull, devnull, NULL, NULL, "fuzz" };
	const struct cmd_entry *ce;
	char **v;
	size_t i;
	int rc;

	ce = cmd_find(argv[0], CMD_CLI, NULL);
	if (ce != &cmd_export_entry && ce != &cmd_incidents_entry &&
	    ce != &cmd_check_entry)
		return;
	v = xcalloc(argc + 1, sizeof *v);
	for (i = 0; i < argc; i++) {
		v[i] = argv[i];
		if (i > 0 && argv[i][0] != '-' && (strchr(argv[i], '/') != NULL ||
		    access(argv[i], F_OK) == 0))
			v[i] = missing;
		else if (i > 0 && strchr(argv[i], '/') != NULL)
			v[i] = missing;	/* --db=/dev/stdin */
	}
	rc = ce->exec(&ctx, (int)argc, v);
	if (rc < 0 || rc > 2)
		abort();
	free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = xstrndup((const char *)data, size), err[256];
	char **argv = NULL, **argv2 = NULL;
	size_t argc = 0, argc2 = 0, i;
	struct buf b = {0};

	memset(err, 'x', sizeof err);
	if (config_split_argv(line, &argv, &argc, err, sizeof err) != 0) {
		if (strnlen(err, sizeof err) >= sizeof err || err[0] == '\0')
			abort();
		free(line);
		return 0;
	}
	if (argc == 0 || argv[argc] != NULL)
		abort();
	for (i = 0; i < argc; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		quote(&b, argv[i]);
	}
	if (config_split_argv(b.data, &argv2, &argc2, err, sizeof err) != 0 ||
	    argc2 != argc)
		abort();
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], argv2[i]) != 0)
			abort();
	lookup(argv[0]);
	run_readonly(argc, argv);
	for (i = 0; i < argc && i < 8; i++)
		arguments(argv[i]);
	config_argv_free(argv);
	config_argv_free(argv2);
	buf_free(&b);
	free(line);
	return 0;
}

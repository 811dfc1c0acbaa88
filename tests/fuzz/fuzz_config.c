/*
 * fuzz_config.c -- libFuzzer entry point for the configuration loader
 * (src/config.c through src/inireader.c and inih), [keys] included.
 *
 *   make fuzz SECS=60 FUZZ=config
 * or by hand (from the repository root, after 'make fuzz' built the
 * libraries):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       -Iui tests/fuzz/fuzz_config.c -Wl,--start-group \
 *       build-fuzz/libmodeltop-ui.a build-fuzz/libmodeltop.a \
 *       -Wl,--end-group $(pkg-config --libs ncursesw termkey sqlite3 \
 *       inih libcurl) -lm -ldl -lpthread -o fuzz_config
 *   ./fuzz_config -dict=tests/fuzz/config.dict tests/fuzz/corpus/config
 *
 * The input is a whole config file, held in a memfd (no disk) and loaded
 * with config_load, with the console's key-spec check installed as
 * modeltop does.  Invariants: every error has a message and a line >= 0,
 * errors come sorted by line; a load without errors has at least one
 * worker, every worker, action and rule has a name and is found by it,
 * every exec action has argv[argc] == NULL, and every rule names a
 * metric.  The bytes also go through the bare inireader, whose
 * callbacks must come in line order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "inireader.h"
#include "keymap.h"
#include "memfile.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct memfile mf;

static int
key_check(const char *spec, char *err, size_t errlen)
{
	TermKeyKey k;

	return keymap_parse_spec(spec, &k, err, errlen);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	memfile_init(&mf, "fuzz_config");
	config_set_key_check(key_check);
	return 0;
}

struct order {
	int	 last;
};

static void
check_line(struct order *o, int line)
{
	if (line < 1 || line < o->last)
		abort();
	o->last = line;
}

static void
on_section(void *ctx, const char *name, int line)
{
	check_line(ctx, line);
}

static void
on_key(void *ctx, const char *key, const char *value, int line)
{
	if (key == NULL || value == NULL)
		abort();
	check_line(ctx, line);
}

static void
on_error(void *ctx, int line, const char *msg)
{
	if (msg == NULL || msg[0] == '\0')
		abort();
	check_line(ctx, line);
}

static void
check_config(const struct config *cfg, int rc, const struct cfg_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (e->v[i].msg == NULL || e->v[i].line < 0)
			abort();
		if (i > 0 && e->v[i].line < e->v[i - 1].line)
			abort();
	}
	if ((rc == 0) != (e->n == 0))
		abort();
	if (rc != 0)
		return;
	if (cfg->nworkers == 0 || cfg->interval_ms <= 0)
		abort();
	for (i = 0; i < cfg->nworkers; i++)
		if (cfg->workers[i].name == NULL ||
		    config_worker(cfg, cfg->workers[i].name) == NULL)
			abort();
	for (i = 0; i < cfg->nactions; i++) {
		const struct cfg_action *a = &cfg->actions[i];

		if (a->name == NULL || config_action(cfg, a->name) == NULL)
			abort();
		if (a->kind == ACTION_EXEC &&
		    (a->argv == NULL || a->argc == 0 || a->argv[a->argc] != NULL))
			abort();
	}
	for (i = 0; i < cfg->nrules; i++)
		if (cfg->rules[i].name == NULL || cfg->rules[i].metric == NULL ||
		    config_rule(cfg, cfg->rules[i].name) == NULL)
			abort();
	for (i = 0; i < cfg->nkeys; i++)
		if (cfg->keys[i].spec == NULL || cfg->keys[i].command == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct inireader_ops ops = {
		.section = on_section,
		.key = on_key,
		.error = on_error,
		.max_line = 4096,
	};
	struct cfg_errors e = {0};
	struct config cfg;
	struct order o = {0};
	int rc;

	memfile_set(&mf, data, size);
	rc = config_load(mf.path, &cfg, &e);
	check_config(&cfg, rc, &e);
	config_free(&cfg);
	cfg_errors_free(&e);

	inireader_parse(mf.path, &ops, &o, NULL, 0);
	return 0;
}

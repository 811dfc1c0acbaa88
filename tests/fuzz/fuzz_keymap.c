/*
 * fuzz_keymap.c -- libFuzzer entry point for key-binding specs and the
 * [keys] section.
 *
 *   make fuzz SECS=60 FUZZ=keymap
 * or by hand (from the repository root, after 'make fuzz' built the
 * libraries):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       -Iui tests/fuzz/fuzz_keymap.c -Wl,--start-group \
 *       build-fuzz/libmodeltop-ui.a build-fuzz/libmodeltop.a \
 *       -Wl,--end-group $(pkg-config --libs ncursesw termkey sqlite3 \
 *       inih libcurl) -lm -ldl -lpthread -o fuzz_keymap
 *   ./fuzz_keymap -dict=tests/fuzz/keymap.dict tests/fuzz/corpus/keymap
 *
 * The input is a [keys] section body: lines "SPEC = COMMAND" (a line
 * without '=' is a bare spec).  Every spec goes through
 * keymap_parse_spec; invariants: an accepted spec's name
 * (keymap_key_name) parses back to an equal key and to the same name,
 * a refused one leaves a NUL-terminated message naming the problem.
 * Every line is then bound into a keymap, the way a user's [keys]
 * section is (over the defaults for one input in four: building them
 * is most of an execution's cost, and binding over an empty keymap
 * runs the same code): a bound key must look up to its command, an
 * unbound one ("SPEC =") must not be found, and a refused spec leaves the
 * keymap as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t')
			return 0;
	return 1;
}

static void
one_spec(struct keymap *km, const char *spec, const char *command)
{
	TermKeyKey k, k2;
	const struct keybinding *b;
	char err[128], name[64], name2[64];
	size_t before = km->n;

	memset(err, 'x', sizeof err);
	memset(&k, 0, sizeof k);
	if (keymap_parse_spec(spec, &k, err, sizeof err) != 0) {
		if (strnlen(err, sizeof err) >= sizeof err || err[0] == '\0')
			abort();
		if (command != NULL &&
		    keymap_bind(km, spec, command, err, sizeof err) == 0)
			abort();
		if (km->n != before)
			abort();
		return;
	}
	keymap_key_name(&k, name, sizeof name);
	if (strnlen(name, sizeof name) >= sizeof name)
		abort();
	memset(&k2, 0, sizeof k2);
	if (keymap_parse_spec(name, &k2, err, sizeof err) != 0 ||
	    !keymap_key_equal(&k, &k2))
		abort();
	keymap_key_name(&k2, name2, sizeof name2);
	if (strcmp(name, name2) != 0)
		abort();
	if (command == NULL)
		return;
	if (keymap_bind(km, spec, command, err, sizeof err) != 0)
		abort();
	b = keymap_lookup(km, &k);
	if (blank(command)) {
		if (b != NULL)
			abort();
	} else if (b == NULL || strcmp(b->command, command) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *line, *save = NULL;
	char *eq, *spec, *command;
	struct keymap *km;

	km = size % 4 == 0 ? keymap_new() : xcalloc(1, sizeof *km);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strchr(line, '=')) == NULL) {
			one_spec(km, line, NULL);
			continue;
		}
		*eq = '\0';
		/* as the INI reader hands them over: trimmed */
		spec = util_trim(line);
		command = util_trim(eq + 1);
		one_spec(km, spec, command);
	}
	keymap_free(km);
	free(text);
	return 0;
}

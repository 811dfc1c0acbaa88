/*
 * test_keys.c -- key parsing without a terminal: libtermkey on pushed
 * bytes (termkey_new_abstract), through ui/input.c the way the console
 * reads them; key specs of the key map; binding lookup; the help screen
 * listing every binding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#define CONSOLE_INTERNAL
#include "console.h"
#include "input.h"
#include "keymap.h"

#define MAX_KEYS 16

struct got {
	TermKeyKey	 keys[MAX_KEYS];
	int		 n;
};

static void
collect(void *ctx, TermKeyKey *key)
{
	struct got *g = ctx;

	if (g->n < MAX_KEYS)
		g->keys[g->n] = *key;
	g->n++;
}

/* Push bytes into an abstract xterm and read every key, forcing out a
 * pending partial key as the console does when the wait time passes. */
static int
parse(const char *term, const char *bytes, size_t len, struct got *g)
{
	char err[256];
	struct input *in = input_new(-1, term, err, sizeof err);
	int n;

	assert_non_null(in);
	memset(g, 0, sizeof *g);
	input_push(in, bytes, len, 0);
	n = input_read(in, 1, 0, collect, g);
	assert_true(n >= 0);
	if (input_timeout(in, 0) >= 0) {
		/* A partial key waits; after the wait time it is a key (and
		 * what follows it may be the start of another). */
		int64_t now = 0;
		int turns = 0;

		assert_true(input_timeout(in, 0) > 0);
		while (input_timeout(in, now) >= 0 && turns++ < 64) {
			now += 1000;
			input_read(in, 0, now, collect, g);
		}
		assert_int_equal(input_timeout(in, now), -1);
	}
	input_free(in);
	return g->n;
}

/* parse() on a string without NUL bytes */
static int
parse_str(const char *term, const char *s, struct got *g)
{
	return parse(term, s, strlen(s), g);
}

static void
expect_sym(const TermKeyKey *k, TermKeySym sym, int mods)
{
	assert_int_equal(k->type, TERMKEY_TYPE_KEYSYM);
	assert_int_equal(k->code.sym, sym);
	assert_int_equal(k->modifiers, mods);
}

static void
test_function_keys(void **state)
{
	struct got g;

	assert_int_equal(parse_str("xterm", "\033OP", &g), 1);
	assert_int_equal(g.keys[0].type, TERMKEY_TYPE_FUNCTION);
	assert_int_equal(g.keys[0].code.number, 1);
	assert_int_equal(parse_str("xterm", "\033[21~", &g), 1);
	assert_int_equal(g.keys[0].type, TERMKEY_TYPE_FUNCTION);
	assert_int_equal(g.keys[0].code.number, 10);
	/* F1 as the linux console sends it */
	assert_int_equal(parse_str("linux", "\033[[A", &g), 1);
	assert_int_equal(g.keys[0].type, TERMKEY_TYPE_FUNCTION);
	assert_int_equal(g.keys[0].code.number, 1);
}

static void
test_arrows_and_editing_keys(void **state)
{
	struct got g;

	/* normal and application cursor mode */
	assert_int_equal(parse_str("xterm", "\033[A\033OB\033[C\033[D", &g),
	    4);
	expect_sym(&g.keys[0], TERMKEY_SYM_UP, 0);
	expect_sym(&g.keys[1], TERMKEY_SYM_DOWN, 0);
	expect_sym(&g.keys[2], TERMKEY_SYM_RIGHT, 0);
	expect_sym(&g.keys[3], TERMKEY_SYM_LEFT, 0);
	assert_int_equal(parse_str("xterm", "\033[5~\033[6~\033[H\033[F\033[3~", &g), 5);
	expect_sym(&g.keys[0], TERMKEY_SYM_PAGEUP, 0);
	expect_sym(&g.keys[1], TERMKEY_SYM_PAGEDOWN, 0);
	expect_sym(&g.keys[2], TERMKEY_SYM_HOME, 0);
	expect_sym(&g.keys[3], TERMKEY_SYM_END, 0);
	expect_sym(&g.keys[4], TERMKEY_SYM_DELETE, 0);
	/* Home and End as tmux and screen send them (Find and Select in
	 * xterm's terminfo) are Home and End */
	assert_int_equal(parse_str("xterm-256color", "\033[1~\033[4~", &g), 2);
	keymap_normalise(&g.keys[0]);
	keymap_normalise(&g.keys[1]);
	expect_sym(&g.keys[0], TERMKEY_SYM_HOME, 0);
	expect_sym(&g.keys[1], TERMKEY_SYM_END, 0);
	/* Backspace as DEL (0x7f) is Backspace (TERMKEY_CANON_DELBS) */
	assert_int_equal(parse_str("xterm", "\x7f", &g), 1);
	expect_sym(&g.keys[0], TERMKEY_SYM_BACKSPACE, 0);
}

static void
test_tab_enter_escape(void **state)
{
	struct got g;

	assert_int_equal(parse_str("xterm", "\t\r\033[Z", &g), 3);
	expect_sym(&g.keys[0], TERMKEY_SYM_TAB, 0);
	expect_sym(&g.keys[1], TERMKEY_SYM_ENTER, 0);
	expect_sym(&g.keys[2], TERMKEY_SYM_TAB, TERMKEY_KEYMOD_SHIFT);
	/* A lone ESC is a key only once the wait time has passed. */
	assert_int_equal(parse_str("xterm", "\033", &g), 1);
	expect_sym(&g.keys[0], TERMKEY_SYM_ESCAPE, 0);
}

static void
test_control_keys(void **state)
{
	struct got g;

	assert_int_equal(parse_str("xterm", "\x0c\x03\x1a", &g), 3);
	assert_int_equal(g.keys[0].type, TERMKEY_TYPE_UNICODE);
	assert_int_equal(g.keys[0].code.codepoint, 'l');
	assert_int_equal(g.keys[0].modifiers, TERMKEY_KEYMOD_CTRL);
	assert_int_equal(g.keys[1].code.codepoint, 'c');
	assert_int_equal(g.keys[2].code.codepoint, 'z');
	/* ESC x is Meta-x */
	assert_int_equal(parse_str("xterm", "\033x", &g), 1);
	assert_int_equal(g.keys[0].code.codepoint, 'x');
	assert_int_equal(g.keys[0].modifiers, TERMKEY_KEYMOD_ALT);
}

static void
test_utf8(void **state)
{
	struct got g;

	assert_int_equal(parse_str("xterm", "\xc3\xa9\xe2\x82\xac", &g), 2);
	assert_int_equal(g.keys[0].type, TERMKEY_TYPE_UNICODE);
	assert_int_equal(g.keys[0].code.codepoint, 0xe9);
	assert_string_equal(g.keys[0].utf8, "\xc3\xa9");
	assert_int_equal(g.keys[1].code.codepoint, 0x20ac);
}

static void
test_mouse_sgr(void **state)
{
	struct input_mouse m;
	struct got g;
	char err[256];
	const char *terms[] = { "xterm", "xterm-256color", "screen", "linux",
	    "vt100" };
	struct input *in;
	size_t t;

	for (t = 0; t < sizeof terms / sizeof terms[0]; t++) {
		in = input_new(-1, terms[t], err, sizeof err);
		assert_non_null(in);
		memset(&g, 0, sizeof g);
		/* press and release at column 10, row 5; wheel down */
		input_push(in, "\033[<0;10;5M\033[<0;10;5m\033[<65;3;4M",
		    strlen("\033[<0;10;5M\033[<0;10;5m\033[<65;3;4M"), 0);
		assert_int_equal(input_read(in, 1, 0, collect, &g), 3);
		assert_int_equal(g.keys[0].type, TERMKEY_TYPE_MOUSE);
		assert_int_equal(input_mouse_decode(in, &g.keys[0], &m), 0);
		assert_int_equal(m.event, INPUT_MOUSE_PRESS);
		assert_int_equal(m.button, 1);
		assert_int_equal(m.x, 9);
		assert_int_equal(m.y, 4);
		assert_int_equal(input_mouse_decode(in, &g.keys[1], &m), 0);
		assert_int_equal(m.event, INPUT_MOUSE_RELEASE);
		assert_int_equal(input_mouse_decode(in, &g.keys[2], &m), 0);
		assert_int_equal(m.event, INPUT_MOUSE_WHEEL_DOWN);
		assert_int_equal(m.x, 2);
		assert_int_equal(m.y, 3);
		/* a key is not a mouse report */
		input_push(in, "x", 1, 0);
		memset(&g, 0, sizeof g);
		assert_int_equal(input_read(in, 1, 0, collect, &g), 1);
		assert_int_equal(input_mouse_decode(in, &g.keys[0], &m), -1);
		input_free(in);
	}
	/* the old X10 form too */
	assert_int_equal(parse_str("xterm", "\033[M !!", &g), 1);
	assert_int_equal(g.keys[0].type, TERMKEY_TYPE_MOUSE);
}

/* Sequences that crash libtermkey 0.22 when passed to it as they are
 * (CSI with intermediate bytes, a stray C1 CSI byte): the input filter
 * drops them and the keys around them survive. */
static void
test_crashing_sequences_dropped(void **state)
{
	static const char *const bad[] = {
		"\033[1 A", "\033[ E", "\033[1;2 A", "\033[1$E", "\033[?*P",
	};
	char bytes[64];
	struct got g;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(bytes, sizeof bytes, "a%sb", bad[i]);
		assert_int_equal(parse("xterm", bytes, strlen(bytes), &g), 2);
		assert_int_equal(g.keys[0].code.codepoint, 'a');
		assert_int_equal(g.keys[1].code.codepoint, 'b');
	}
	/* a stray C1 CSI byte is dropped; what follows is plain keys */
	assert_int_equal(parse("xterm", "a\x9b" "1 Ab", strlen("a\x9b" "1 Ab"),
	    &g), 5);
	assert_int_equal(g.keys[1].code.codepoint, '1');
	assert_int_equal(g.keys[3].code.codepoint, 'A');
	/* found by the garbage test: a high byte ends the sequence, and
	 * what follows it is keys */
	assert_int_equal(parse("xterm", "\033[=\xd9" "3*Eb",
	    strlen("\033[=\xd9" "3*Eb"), &g), 4);
	assert_int_equal(g.keys[3].code.codepoint, 'b');
	/* invalid UTF-8 is dropped, valid characters around it kept */
	assert_int_equal(parse("xterm", "x\xc3(\xff\xe2\x82\xacy",
	    strlen("x\xc3(\xff\xe2\x82\xacy"), &g), 4);
	assert_int_equal(g.keys[0].code.codepoint, 'x');
	assert_int_equal(g.keys[1].code.codepoint, '(');
	assert_int_equal(g.keys[2].code.codepoint, 0x20ac);
	assert_int_equal(g.keys[3].code.codepoint, 'y');
	/* a sequence broken off by a key: the key survives */
	assert_int_equal(parse("xterm", "\033[12\033[A", strlen("\033[12\033[A"),
	    &g), 1);
	expect_sym(&g.keys[0], TERMKEY_SYM_UP, 0);
}

static void
test_garbage_never_crashes(void **state)
{
	struct got g;
	char bytes[256];
	unsigned seed = 1;
	int i;

	for (i = 0; i < 2000; i++) {
		size_t j, n = (size_t)(i % 40) + 1;

		for (j = 0; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			bytes[j] = (char)((seed >> 16) & 0xff);
			if (j == 0 && i % 3 == 0)
				bytes[j] = '\033';
		}
		parse("xterm", bytes, n, &g);
	}
}

static void
expect_spec(const char *spec, TermKeyType type, long code, int mods)
{
	TermKeyKey k;
	char err[256];

	if (keymap_parse_spec(spec, &k, err, sizeof err) != 0)
		fail_msg("%s: %s", spec, err);
	assert_int_equal(k.type, type);
	assert_int_equal(k.modifiers, mods);
	switch (type) {
	case TERMKEY_TYPE_UNICODE:
		assert_int_equal(k.code.codepoint, code);
		break;
	case TERMKEY_TYPE_FUNCTION:
		assert_int_equal(k.code.number, code);
		break;
	default:
		assert_int_equal(k.code.sym, code);
		break;
	}
}

static void
test_spec_good(void **state)
{
	expect_spec("q", TERMKEY_TYPE_UNICODE, 'q', 0);
	expect_spec("?", TERMKEY_TYPE_UNICODE, '?', 0);
	expect_spec("-", TERMKEY_TYPE_UNICODE, '-', 0);
	expect_spec("C", TERMKEY_TYPE_UNICODE, 'C', 0);
	expect_spec("\xc3\xa9", TERMKEY_TYPE_UNICODE, 0xe9, 0);
	expect_spec("F1", TERMKEY_TYPE_FUNCTION, 1, 0);
	expect_spec("F12", TERMKEY_TYPE_FUNCTION, 12, 0);
	expect_spec("f5", TERMKEY_TYPE_FUNCTION, 5, 0);
	expect_spec("C-l", TERMKEY_TYPE_UNICODE, 'l', TERMKEY_KEYMOD_CTRL);
	expect_spec("C-L", TERMKEY_TYPE_UNICODE, 'l', TERMKEY_KEYMOD_CTRL);
	expect_spec("M-x", TERMKEY_TYPE_UNICODE, 'x', TERMKEY_KEYMOD_ALT);
	expect_spec("C-M-x", TERMKEY_TYPE_UNICODE, 'x',
	    TERMKEY_KEYMOD_CTRL | TERMKEY_KEYMOD_ALT);
	expect_spec("S-a", TERMKEY_TYPE_UNICODE, 'A', 0);
	expect_spec("Space", TERMKEY_TYPE_UNICODE, ' ', 0);
	expect_spec("Tab", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_TAB, 0);
	expect_spec("S-Tab", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_TAB,
	    TERMKEY_KEYMOD_SHIFT);
	expect_spec("C-i", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_TAB, 0);
	expect_spec("Enter", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_ENTER, 0);
	expect_spec("C-m", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_ENTER, 0);
	expect_spec("Escape", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_ESCAPE, 0);
	expect_spec("esc", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_ESCAPE, 0);
	expect_spec("Up", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_UP, 0);
	expect_spec("down", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_DOWN, 0);
	expect_spec("Left", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_LEFT, 0);
	expect_spec("Right", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_RIGHT, 0);
	expect_spec("PageUp", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_PAGEUP, 0);
	expect_spec("PageDown", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_PAGEDOWN, 0);
	expect_spec("Home", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_HOME, 0);
	expect_spec("End", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_END, 0);
	expect_spec("Backspace", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_BACKSPACE,
	    0);
	expect_spec("C-h", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_BACKSPACE, 0);
	expect_spec("Delete", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_DELETE, 0);
	expect_spec("M-Up", TERMKEY_TYPE_KEYSYM, TERMKEY_SYM_UP,
	    TERMKEY_KEYMOD_ALT);
}

static void
expect_bad(const char *spec, const char *msg)
{
	TermKeyKey k;
	char err[256] = "";

	if (keymap_parse_spec(spec, &k, err, sizeof err) == 0)
		fail_msg("\"%s\" parsed", spec);
	if (strstr(err, msg) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", spec, err, msg);
}

static void
test_spec_bad(void **state)
{
	expect_bad("", "empty key");
	expect_bad("F0", "F1 to F63");
	expect_bad("F64", "F1 to F63");
	expect_bad("F1x", "F1 to F63");
	expect_bad("Ctrl-x", "unknown key \"Ctrl-x\"");
	expect_bad("PageUpp", "unknown key");
	expect_bad("xy", "unknown key");
	expect_bad("C-C-x", "given twice");
	expect_bad("S-?", "S- works on special keys only");
	expect_bad("\x01", "control character");
	expect_bad("\xc3", "unknown key");
}

/* Push bytes, read one key, look it up. */
static const char *
lookup(struct keymap *km, const char *bytes)
{
	const struct keybinding *b;
	struct got g;

	assert_int_equal(parse("xterm", bytes, strlen(bytes), &g), 1);
	b = keymap_lookup(km, &g.keys[0]);
	return b != NULL ? b->command : NULL;
}

static void
test_default_bindings(void **state)
{
	struct keymap *km = keymap_new();

	assert_string_equal(lookup(km, "\033OP"), "help");
	assert_string_equal(lookup(km, "?"), "help");
	assert_string_equal(lookup(km, "\t"), "panel next");
	assert_string_equal(lookup(km, "1"), "panel fleet");
	assert_string_equal(lookup(km, "4"), "panel memory");
	assert_string_equal(lookup(km, "\033[A"), "up");
	assert_string_equal(lookup(km, "k"), "up");
	assert_string_equal(lookup(km, "j"), "down");
	assert_string_equal(lookup(km, "\033[6~"), "page-down");
	assert_string_equal(lookup(km, "\033[H"), "top");
	assert_string_equal(lookup(km, "\033[F"), "bottom");
	assert_string_equal(lookup(km, "/"), "filter");
	assert_string_equal(lookup(km, "\033OR"), "filter");	/* F3 */
	assert_string_equal(lookup(km, "\033OS"), "filter");	/* F4 */
	assert_string_equal(lookup(km, "s"), "sort next");
	assert_string_equal(lookup(km, "S"), "sort reverse");
	assert_string_equal(lookup(km, "\r"), "enter");
	assert_string_equal(lookup(km, "\033"), "back");
	assert_string_equal(lookup(km, "q"), "quit");
	assert_string_equal(lookup(km, "\033[21~"), "quit");	/* F10 */
	assert_string_equal(lookup(km, "\x0c"), "redraw");
	assert_string_equal(lookup(km, ":"), "prompt");
	assert_null(lookup(km, "Z"));
	assert_null(lookup(km, "\033x"));
	keymap_free(km);
}

static void
test_bind_override_remove(void **state)
{
	struct keymap *km = keymap_new();
	size_t n = km->n;
	char err[256];

	/* a user's [keys] lines */
	assert_int_equal(keymap_bind(km, "F5", "trim", err, sizeof err), 0);
	assert_int_equal(keymap_bind(km, "x", "act %w restart", err,
	    sizeof err), 0);
	assert_int_equal(keymap_bind(km, "q", "", err, sizeof err), 0);
	assert_int_equal(km->n, n + 1 - 1);
	assert_string_equal(lookup(km, "\033[15~"), "trim");
	assert_string_equal(lookup(km, "x"), "act %w restart");
	assert_null(lookup(km, "q"));
	/* F10 still quits */
	assert_string_equal(lookup(km, "\033[21~"), "quit");
	/* a rebinding keeps its place (help order) */
	assert_string_equal(km->v[0].spec, "F1");
	assert_int_equal(keymap_bind(km, "F1", "panel fleet", err,
	    sizeof err), 0);
	assert_string_equal(km->v[0].command, "panel fleet");
	/* a bad spec leaves the map alone and names the key */
	assert_int_equal(keymap_bind(km, "Hyper-x", "quit", err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "Hyper-x"));
	assert_int_equal(km->n, n);
	/* C-X and C-x are one key */
	assert_int_equal(keymap_bind(km, "C-X", "quit", err, sizeof err), 0);
	assert_string_equal(lookup(km, "\x18"), "quit");
	keymap_free(km);
}

static void
test_key_names_round_trip(void **state)
{
	struct keymap *km = keymap_new();
	TermKeyKey k;
	char name[64], err[256];
	size_t i;

	for (i = 0; i < km->n; i++) {
		keymap_key_name(&km->v[i].key, name, sizeof name);
		if (keymap_parse_spec(name, &k, err, sizeof err) != 0)
			fail_msg("%s -> %s: %s", km->v[i].spec, name, err);
		assert_true(keymap_key_equal(&k, &km->v[i].key));
	}
	keymap_free(km);
}

static void
test_help_lists_every_binding(void **state)
{
	struct keymap *km = keymap_new();
	char err[256], *t;
	size_t i;

	assert_int_equal(keymap_bind(km, "x", "act %w restart", err,
	    sizeof err), 0);
	t = help_text(km);
	for (i = 0; i < km->n; i++) {
		if (strstr(t, km->v[i].command) == NULL)
			fail_msg("help lacks %s", km->v[i].command);
		if (km->v[i].note[0] != '\0' &&
		    strstr(t, km->v[i].note) == NULL)
			fail_msg("help lacks \"%s\"", km->v[i].note);
	}
	/* every key spec appears as a word of some line */
	assert_non_null(strstr(t, "  F1 ?"));
	assert_non_null(strstr(t, "q F10 C-c"));
	assert_non_null(strstr(t, "  x "));
	/* and the prompt commands with their usage */
	assert_non_null(strstr(t, "panel fleet|metrics|errors|memory"));
	assert_non_null(strstr(t, "sort COLUMN|next|reverse|worst"));
	free(t);
	keymap_free(km);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_function_keys),
		cmocka_unit_test(test_arrows_and_editing_keys),
		cmocka_unit_test(test_tab_enter_escape),
		cmocka_unit_test(test_control_keys),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_mouse_sgr),
		cmocka_unit_test(test_crashing_sequences_dropped),
		cmocka_unit_test(test_garbage_never_crashes),
		cmocka_unit_test(test_spec_good),
		cmocka_unit_test(test_spec_bad),
		cmocka_unit_test(test_default_bindings),
		cmocka_unit_test(test_bind_override_remove),
		cmocka_unit_test(test_key_names_round_trip),
		cmocka_unit_test(test_help_lists_every_binding),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

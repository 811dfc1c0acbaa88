/*
 * keymap.c -- the default key bindings, key specs, and lookup.
 */
#include "keymap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/*
 * The default bindings.  A binding's command runs through the same parser
 * as the ':' prompt; %w expands to the selected worker.  The order here is
 * the order of the help screen.
 */
static const struct {
	const char	*spec;
	const char	*command;
	const char	*note;
} defaults[] = {
	{ "F1",		"help",		"show this help" },
	{ "?",		"help",		"show this help" },
	{ "F2",		"panel next",	"next panel" },
	{ "Tab",	"panel next",	"next panel" },
	{ "S-Tab",	"panel prev",	"previous panel" },
	{ "1",		"panel fleet",	"fleet panel" },
	{ "2",		"panel metrics", "metrics panel (selected worker)" },
	{ "3",		"panel errors",	"errors panel (incidents, events)" },
	{ "4",		"panel memory",	"memory panel" },
	{ "5",		"panel logs",	"logs panel (selected worker's log)" },
	{ "Up",		"up",		"move the selection up" },
	{ "k",		"up",		"move the selection up" },
	{ "Down",	"down",		"move the selection down" },
	{ "j",		"down",		"move the selection down" },
	{ "Left",	"left",		"scroll or step left" },
	{ "Right",	"right",	"scroll or step right" },
	{ "PageUp",	"page-up",	"one page up" },
	{ "PageDown",	"page-down",	"one page down" },
	{ "Home",	"top",		"first row" },
	{ "g",		"top",		"first row" },
	{ "End",	"bottom",	"last row" },
	{ "G",		"bottom",	"last row" },
	{ "Enter",	"enter",	"drill into the selection" },
	{ "Escape",	"back",		"go back; clear the filter" },
	{ "/",		"filter",	"filter workers by name" },
	{ "F3",		"filter",	"filter workers by name" },
	{ "F4",		"filter",	"filter workers by name" },
	{ "s",		"sort next",	"sort by the next column" },
	{ "F6",		"sort next",	"sort by the next column" },
	{ "S",		"sort reverse",	"reverse the sort order" },
	{ "c",		"spark next",	"sparkline of the next column" },
	{ "+",		"window next",	"longer chart window" },
	{ "-",		"window prev",	"shorter chart window" },
	{ "a",		"scope all",	"errors panel: every worker" },
	{ "w",		"scope worker",	"errors panel: the selected worker only" },
	{ "v",		"view next",	"errors panel: incidents, events, patterns" },
	{ "A",		"ack %i",	"acknowledge the selected incident" },
	{ "E",		"prompt note %i ", "add a note to the selected incident" },
	{ "R",		"prompt resolve %i", "resolve the selected incident (Enter confirms)" },
	{ "n",		"find-next",	"logs panel: next match below" },
	{ "N",		"find-prev",	"logs panel: previous match above" },
	{ "F5",		"prompt act %w ", "run an action on the selected worker" },
	{ "F9",		"trim %w",	"trim the selected worker's heap "
	    "(gc.collect + malloc_trim), verified" },
	{ "T",		"trim %w",	"trim the selected worker's heap" },
	{ "X",		"recover %w",	"run the selected worker's recovery "
	    "ladder (asks first when a step can stop it)" },
	{ "Space",	"play",		"replay: play or pause" },
	{ ">",		"play faster",	"replay: play faster (x1 .. x64)" },
	{ "<",		"play slower",	"replay: play slower" },
	{ "r",		"play reverse",	"replay: play backwards / forwards" },
	{ ",",		"seek -tick",	"replay: one tick back" },
	{ ".",		"seek +tick",	"replay: one tick forward" },
	{ "[",		"seek -1m",	"replay: one minute back" },
	{ "]",		"seek +1m",	"replay: one minute forward" },
	{ "{",		"seek -10m",	"replay: ten minutes back" },
	{ "}",		"seek +10m",	"replay: ten minutes forward" },
	{ "(",		"seek -1h",	"replay: one hour back" },
	{ ")",		"seek +1h",	"replay: one hour forward" },
	{ "C-p",	"seek prev-incident", "replay: the previous incident" },
	{ "C-n",	"seek next-incident", "replay: the next incident" },
	{ "M-p",	"seek prev-event", "replay: the previous event" },
	{ "M-n",	"seek next-event", "replay: the next event" },
	{ "0",		"goto start",	"replay: the start of the recording" },
	{ "$",		"goto end",	"replay: the newest tick, following it" },
	{ "t",		"prompt goto",	"replay: go to a time (03:12, -30m, RFC 3339)" },
	{ ":",		"prompt",	"command prompt" },
	{ "C-l",	"redraw",	"redraw the whole screen" },
	{ "C-z",	"suspend",	"suspend modeltop (fg resumes)" },
	{ "q",		"quit",		"quit" },
	{ "F10",	"quit",		"quit" },
	{ "C-c",	"quit",		"quit" },
};

static const struct {
	const char	*name;
	TermKeySym	 sym;
} names[] = {
	{ "Tab",	TERMKEY_SYM_TAB },
	{ "Enter",	TERMKEY_SYM_ENTER },
	{ "Return",	TERMKEY_SYM_ENTER },
	{ "Escape",	TERMKEY_SYM_ESCAPE },
	{ "Esc",	TERMKEY_SYM_ESCAPE },
	{ "Up",		TERMKEY_SYM_UP },
	{ "Down",	TERMKEY_SYM_DOWN },
	{ "Left",	TERMKEY_SYM_LEFT },
	{ "Right",	TERMKEY_SYM_RIGHT },
	{ "PageUp",	TERMKEY_SYM_PAGEUP },
	{ "PgUp",	TERMKEY_SYM_PAGEUP },
	{ "PageDown",	TERMKEY_SYM_PAGEDOWN },
	{ "PgDn",	TERMKEY_SYM_PAGEDOWN },
	{ "Home",	TERMKEY_SYM_HOME },
	{ "End",	TERMKEY_SYM_END },
	{ "Backspace",	TERMKEY_SYM_BACKSPACE },
	{ "BS",		TERMKEY_SYM_BACKSPACE },
	{ "Delete",	TERMKEY_SYM_DELETE },
	{ "Del",	TERMKEY_SYM_DELETE },
	{ "Insert",	TERMKEY_SYM_INSERT },
	{ "Ins",	TERMKEY_SYM_INSERT },
};

/* Decode one UTF-8 character at s; returns its length, 0 when invalid. */
static size_t
utf8_decode(const char *s, long *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	long c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return u[0] != 0;
	}
	if ((u[0] & 0xe0) == 0xc0) {
		n = 2;
		c = u[0] & 0x1f;
	} else if ((u[0] & 0xf0) == 0xe0) {
		n = 3;
		c = u[0] & 0x0f;
	} else if ((u[0] & 0xf8) == 0xf0) {
		n = 4;
		c = u[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static void
utf8_encode(long cp, char *out)
{
	unsigned char *u = (unsigned char *)out;

	if (cp < 0x80) {
		u[0] = cp;
		u[1] = 0;
	} else if (cp < 0x800) {
		u[0] = 0xc0 | (cp >> 6);
		u[1] = 0x80 | (cp & 0x3f);
		u[2] = 0;
	} else if (cp < 0x10000) {
		u[0] = 0xe0 | (cp >> 12);
		u[1] = 0x80 | ((cp >> 6) & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		u[3] = 0;
	} else {
		u[0] = 0xf0 | (cp >> 18);
		u[1] = 0x80 | ((cp >> 12) & 0x3f);
		u[2] = 0x80 | ((cp >> 6) & 0x3f);
		u[3] = 0x80 | (cp & 0x3f);
		u[4] = 0;
	}
}

static void
set_sym(TermKeyKey *k, TermKeySym sym)
{
	k->type = TERMKEY_TYPE_KEYSYM;
	k->code.sym = sym;
}

void
keymap_normalise(TermKeyKey *k)
{
	k->utf8[0] = '\0';
	switch (k->type) {
	case TERMKEY_TYPE_UNICODE:
		/* The codepoint already says whether shift was held. */
		k->modifiers &= ~TERMKEY_KEYMOD_SHIFT;
		if ((k->modifiers & TERMKEY_KEYMOD_CTRL) &&
		    k->code.codepoint >= 'A' && k->code.codepoint <= 'Z')
			k->code.codepoint += 'a' - 'A';
		break;
	case TERMKEY_TYPE_KEYSYM:
		if (k->code.sym == TERMKEY_SYM_DEL)
			k->code.sym = TERMKEY_SYM_BACKSPACE;
		/* ESC [1~ and ESC [4~, what tmux and screen send for Home
		 * and End, are Find and Select in xterm's terminfo */
		else if (k->code.sym == TERMKEY_SYM_FIND)
			k->code.sym = TERMKEY_SYM_HOME;
		else if (k->code.sym == TERMKEY_SYM_SELECT)
			k->code.sym = TERMKEY_SYM_END;
		else if (k->code.sym == TERMKEY_SYM_SPACE) {
			k->type = TERMKEY_TYPE_UNICODE;
			k->code.codepoint = ' ';
		}
		break;
	default:
		break;
	}
}

int
keymap_key_equal(const TermKeyKey *a, const TermKeyKey *b)
{
	if (a->type != b->type || a->modifiers != b->modifiers)
		return 0;
	switch (a->type) {
	case TERMKEY_TYPE_UNICODE:
		return a->code.codepoint == b->code.codepoint;
	case TERMKEY_TYPE_FUNCTION:
		return a->code.number == b->code.number;
	case TERMKEY_TYPE_KEYSYM:
		return a->code.sym == b->code.sym;
	default:
		return 0;
	}
}

int
keymap_parse_spec(const char *spec, TermKeyKey *out, char *err,
    size_t errlen)
{
	const char *s = spec;
	TermKeyKey k;
	size_t i, n;
	long cp;
	char *end;
	long num;

	memset(&k, 0, sizeof k);
	if (spec == NULL || *spec == '\0') {
		snprintf(err, errlen, "empty key");
		return -1;
	}
	/* Modifier prefixes, as long as something follows them. */
	while ((s[0] == 'C' || s[0] == 'M' || s[0] == 'A' || s[0] == 'S') &&
	    s[1] == '-' && s[2] != '\0') {
		int mod = s[0] == 'C' ? TERMKEY_KEYMOD_CTRL :
		    s[0] == 'S' ? TERMKEY_KEYMOD_SHIFT : TERMKEY_KEYMOD_ALT;

		if (k.modifiers & mod) {
			snprintf(err, errlen, "key \"%s\": %c- given twice",
			    spec, s[0]);
			return -1;
		}
		k.modifiers |= mod;
		s += 2;
	}

	n = utf8_decode(s, &cp);
	if (n != 0 && s[n] == '\0') {
		if (cp < 0x20 || cp == 0x7f) {
			snprintf(err, errlen, "key \"%s\": a control "
			    "character; write it as C-x", spec);
			return -1;
		}
		k.type = TERMKEY_TYPE_UNICODE;
		k.code.codepoint = cp;
		if (k.modifiers & TERMKEY_KEYMOD_SHIFT) {
			if (cp >= 'a' && cp <= 'z' && k.modifiers ==
			    TERMKEY_KEYMOD_SHIFT) {
				/* S-a is what the terminal sends: A. */
				k.code.codepoint = cp - 'a' + 'A';
				k.modifiers = 0;
			} else {
				snprintf(err, errlen, "key \"%s\": S- works "
				    "on special keys only; write the shifted "
				    "character itself", spec);
				return -1;
			}
		}
		if (k.modifiers & TERMKEY_KEYMOD_CTRL) {
			if (cp >= 'A' && cp <= 'Z')
				cp += 'a' - 'A';
			k.code.codepoint = cp;
			/* What terminals send for these is a key of its own. */
			switch (cp) {
			case 'i':
				set_sym(&k, TERMKEY_SYM_TAB);
				break;
			case 'm':
				set_sym(&k, TERMKEY_SYM_ENTER);
				break;
			case '[':
				set_sym(&k, TERMKEY_SYM_ESCAPE);
				break;
			case 'h':
				set_sym(&k, TERMKEY_SYM_BACKSPACE);
				break;
			}
			if (k.type == TERMKEY_TYPE_KEYSYM)
				k.modifiers &= ~TERMKEY_KEYMOD_CTRL;
		}
		*out = k;
		return 0;
	}

	if ((s[0] == 'F' || s[0] == 'f') && isdigit((unsigned char)s[1])) {
		num = strtol(s + 1, &end, 10);
		if (*end != '\0' || num < 1 || num > 63 || s[1] == '0') {
			snprintf(err, errlen, "key \"%s\": function keys are "
			    "F1 to F63", spec);
			return -1;
		}
		k.type = TERMKEY_TYPE_FUNCTION;
		k.code.number = (int)num;
		*out = k;
		return 0;
	}

	if (strcasecmp(s, "Space") == 0) {
		/* A character like any other: the terminal sends no shift
		 * with it, so S-Space could never be pressed. */
		if (k.modifiers & TERMKEY_KEYMOD_SHIFT) {
			snprintf(err, errlen, "key \"%s\": S- works on "
			    "special keys only, and Space is a character",
			    spec);
			return -1;
		}
		k.type = TERMKEY_TYPE_UNICODE;
		k.code.codepoint = ' ';
		*out = k;
		return 0;
	}
	for (i = 0; i < ARRAY_LEN(names); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			set_sym(&k, names[i].sym);
			*out = k;
			return 0;
		}
	}
	snprintf(err, errlen, "unknown key \"%s\" (a character, F1..F12, "
	    "C-x, M-x, Tab, Enter, Escape, Space, Up, Down, Left, Right, "
	    "PageUp, PageDown, Home, End, Backspace, Delete)", spec);
	return -1;
}

static char *
blank_to_null(const char *command)
{
	const char *p = command;

	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' ? NULL : xstrdup(command);
}

int
keymap_bind_note(struct keymap *km, const char *spec, const char *command,
    const char *note, char *err, size_t errlen)
{
	TermKeyKey key;
	struct keybinding *b;
	char *cmd;
	size_t i;

	if (keymap_parse_spec(spec, &key, err, errlen) != 0)
		return -1;
	cmd = command != NULL ? blank_to_null(command) : NULL;
	for (i = 0; i < km->n; i++) {
		b = &km->v[i];
		if (!keymap_key_equal(&b->key, &key))
			continue;
		if (cmd == NULL) {
			free(b->spec);
			free(b->command);
			free(b->note);
			memmove(b, b + 1, (km->n - i - 1) * sizeof *b);
			km->n--;
			return 0;
		}
		free(b->spec);
		free(b->command);
		free(b->note);
		b->spec = xstrdup(spec);
		b->command = cmd;
		b->note = xstrdup(note != NULL ? note : "");
		return 0;
	}
	if (cmd == NULL)
		return 0;
	km->v = xgrow(km->v, &km->cap, km->n + 1, sizeof *km->v);
	b = &km->v[km->n++];
	b->key = key;
	b->spec = xstrdup(spec);
	b->command = cmd;
	b->note = xstrdup(note != NULL ? note : "");
	return 0;
}

int
keymap_bind(struct keymap *km, const char *spec, const char *command,
    char *err, size_t errlen)
{
	return keymap_bind_note(km, spec, command, NULL, err, errlen);
}

struct keymap *
keymap_new(void)
{
	struct keymap *km = xcalloc(1, sizeof *km);
	char err[256];
	size_t i;

	for (i = 0; i < ARRAY_LEN(defaults); i++) {
		if (keymap_bind_note(km, defaults[i].spec, defaults[i].command,
		    defaults[i].note, err, sizeof err) != 0)
			fatal("default key binding: %s", err);
	}
	return km;
}

void
keymap_free(struct keymap *km)
{
	size_t i;

	if (km == NULL)
		return;
	for (i = 0; i < km->n; i++) {
		free(km->v[i].spec);
		free(km->v[i].command);
		free(km->v[i].note);
	}
	free(km->v);
	free(km);
}

const struct keybinding *
keymap_lookup(const struct keymap *km, const TermKeyKey *key)
{
	TermKeyKey k = *key;
	size_t i;

	keymap_normalise(&k);
	for (i = 0; i < km->n; i++) {
		if (keymap_key_equal(&km->v[i].key, &k))
			return &km->v[i];
	}
	return NULL;
}

const struct keybinding *
keymap_find_command(const struct keymap *km, const char *command)
{
	size_t i;

	for (i = 0; i < km->n; i++) {
		if (strcmp(km->v[i].command, command) == 0)
			return &km->v[i];
	}
	return NULL;
}

char *
keymap_key_name(const TermKeyKey *key, char *buf, size_t len)
{
	char mods[16] = "", ch[8];
	const char *name = NULL;
	size_t i;

	if (key->modifiers & TERMKEY_KEYMOD_CTRL)
		strcat(mods, "C-");
	if (key->modifiers & TERMKEY_KEYMOD_ALT)
		strcat(mods, "M-");
	if (key->modifiers & TERMKEY_KEYMOD_SHIFT)
		strcat(mods, "S-");
	switch (key->type) {
	case TERMKEY_TYPE_UNICODE:
		if (key->code.codepoint == ' ')
			name = "Space";
		else if (key->code.codepoint > 0x20 &&
		    key->code.codepoint <= 0x10ffff) {
			utf8_encode(key->code.codepoint, ch);
			name = ch;
		} else
			name = "?";
		break;
	case TERMKEY_TYPE_FUNCTION:
		snprintf(buf, len, "%sF%d", mods, key->code.number);
		return buf;
	case TERMKEY_TYPE_KEYSYM:
		for (i = 0; i < ARRAY_LEN(names); i++) {
			if (names[i].sym == key->code.sym) {
				name = names[i].name;
				break;
			}
		}
		if (name == NULL)
			name = key->code.sym == TERMKEY_SYM_DEL ? "Backspace" :
			    "?";
		break;
	case TERMKEY_TYPE_MOUSE:
		name = "Mouse";
		break;
	default:
		name = "?";
		break;
	}
	snprintf(buf, len, "%s%s", mods, name);
	return buf;
}

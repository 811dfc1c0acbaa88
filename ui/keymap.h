/*
 * keymap.h -- key bindings as data.  Each binding maps a key to a command
 * line, run exactly as if it were typed at the ':' prompt, with a help
 * note.  The defaults are a table in keymap.c; a user's [keys] section
 * goes through keymap_bind, the same code.  No curses here.
 */
#ifndef MODELTOP_KEYMAP_H
#define MODELTOP_KEYMAP_H

#include <stddef.h>
#include <termkey.h>

struct keybinding {
	TermKeyKey	 key;		/* normalised (see keymap_parse_spec) */
	char		*spec;		/* as written: "F1", "C-l", "x" */
	char		*command;	/* command line: "panel next" */
	char		*note;		/* help note; "" for user bindings */
};

/* Bindings in the order they were added; a rebinding replaces the entry
 * in place, so the help keeps the default order. */
struct keymap {
	struct keybinding *v;
	size_t		 n, cap;
};

/* A new keymap holding the default bindings.  Free with keymap_free. */
struct keymap *keymap_new(void);
/* Free km and every binding in it.  NULL is fine. */
void keymap_free(struct keymap *km);

/*
 * Parse a key spec into *out.  Forms: a single character ("q", "?", "é"),
 * "F1".."F63", "C-x" (control), "M-x" (meta/alt), "S-Tab" (shift, for
 * special keys), modifiers combined ("C-M-x"), and the names Tab, Enter,
 * Escape (Esc), Space, Up, Down, Left, Right, PageUp, PageDown, Home, End,
 * Backspace, Delete, Insert (names in any case).  Keys a terminal sends
 * as something else are normalised the way libtermkey reports them:
 * "C-i" is Tab, "C-m" Enter, "C-[" Escape, "C-h" Backspace, and "C-X" is
 * "C-x".  Returns 0, or -1 with a message naming the spec in err.
 */
int keymap_parse_spec(const char *spec, TermKeyKey *out, char *err,
    size_t errlen);

/* Normalise a key as read from libtermkey (with TERMKEY_CANON_DELBS) so
 * that it compares equal to a parsed spec: drops the utf8 text, folds DEL
 * into Backspace, control letters to lower case. */
void keymap_normalise(TermKeyKey *k);

/* 1 when a and b are the same key (type, code and modifiers). */
int keymap_key_equal(const TermKeyKey *a, const TermKeyKey *b);

/*
 * Bind spec to the command line command (copied), replacing an existing
 * binding of the same key; an empty command ("" or only blanks) removes
 * the binding.  Returns 0, or -1 with a message in err when the spec is
 * bad (the keymap is then unchanged).
 */
int keymap_bind(struct keymap *km, const char *spec, const char *command,
    char *err, size_t errlen);

/* Same as keymap_bind with a help note (copied; NULL for none). */
int keymap_bind_note(struct keymap *km, const char *spec,
    const char *command, const char *note, char *err, size_t errlen);

/* The binding of key (normalised or not), or NULL when the key is not
 * bound.  The result points into km and lives until km changes. */
const struct keybinding *keymap_lookup(const struct keymap *km,
    const TermKeyKey *key);

/* The first binding whose command line is exactly command, or NULL. */
const struct keybinding *keymap_find_command(const struct keymap *km,
    const char *command);

/* Write a readable name of key into buf ("F1", "C-l", "Up", "x"), the
 * spec form keymap_parse_spec reads.  Returns buf. */
char *keymap_key_name(const TermKeyKey *key, char *buf, size_t len);

#endif

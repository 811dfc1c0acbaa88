/*
 * input.h -- reading keys and mouse reports with libtermkey inside the
 * console's poll() loop (never curses' getch()).
 *
 * The loop polls input_fd() for POLLIN with a timeout no longer than
 * input_timeout(); after poll it calls input_read(), which hands every
 * complete key to a callback.  A lone ESC is told apart from the start of
 * an escape sequence by libtermkey's wait time: when it expires,
 * input_read() forces the pending bytes out as keys (demo-async.c).
 */
#ifndef MODELTOP_INPUT_H
#define MODELTOP_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <termkey.h>

struct input;

/*
 * Start reading keys from the terminal on fd (fd >= 0: libtermkey puts it
 * in raw mode, with Ctrl-C and Ctrl-Z read as keys), or, with fd -1, an
 * abstract instance for the terminal type term (tests push bytes with
 * input_push).  libtermkey's own reading of the terminfo mouse key is
 * switched off so that SGR (1006) mouse reports parse on every TERM.
 * Returns NULL with a message in err when libtermkey cannot start.
 */
struct input *input_new(int fd, const char *term, char *err, size_t errlen);
/* Switch mouse reporting off when on, give the terminal back, free.
 * NULL is fine. */
void input_free(struct input *in);

/* The descriptor to poll for POLLIN; -1 for an abstract instance. */
int input_fd(const struct input *in);

/* Feed bytes as if read from the terminal at now_ms (tests). */
void input_push(struct input *in, const char *bytes, size_t len,
    int64_t now_ms);

/* Milliseconds until a pending partial key must be forced out, or -1 when
 * nothing is pending.  now_ms is util_mono_ms(). */
int input_timeout(const struct input *in, int64_t now_ms);

typedef void (*input_key_fn)(void *ctx, TermKeyKey *key);
/*
 * After poll(): readable says POLLIN was set on input_fd().  Reads what
 * the terminal has, calls fn for every complete key, and forces out a
 * partial key whose wait time has passed.  Sequences that are not keys
 * and invalid UTF-8 are dropped on the way (they would crash libtermkey
 * 0.22).  Returns the number of keys handed to fn, or -1 at end of file
 * (the terminal went away).
 */
int input_read(struct input *in, int readable, int64_t now_ms,
    input_key_fn fn, void *ctx);

/* Switch the terminal's SGR mouse reporting on or off (writes the mode
 * sequences to the terminal fd; no effect on an abstract instance). */
void input_mouse(struct input *in, int on);

/* Mouse events as the console sees them, 0-based coordinates. */
enum input_mouse_event {
	INPUT_MOUSE_PRESS,
	INPUT_MOUSE_DRAG,
	INPUT_MOUSE_RELEASE,
	INPUT_MOUSE_WHEEL_UP,
	INPUT_MOUSE_WHEEL_DOWN,
};
struct input_mouse {
	enum input_mouse_event event;
	int		 button;	/* 1 left, 2 middle, 3 right */
	int		 y, x;		/* 0-based screen row and column */
};
/* Decode a TERMKEY_TYPE_MOUSE key.  Returns 0, or -1 when key is not a
 * mouse report libtermkey understands. */
int input_mouse_decode(struct input *in, const TermKeyKey *key,
    struct input_mouse *out);

/* Give the terminal back (cooked mode, mouse off) before suspending or
 * running something in the foreground, and take it again after. */
void input_stop(struct input *in);
void input_start(struct input *in);

#endif

/*
 * input.c -- libtermkey in the poll loop: keys, the ESC timeout, mouse.
 */
#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define MOUSE_ON	"\033[?1000h\033[?1006h"
#define MOUSE_OFF	"\033[?1006l\033[?1000l"

struct input {
	TermKey		*tk;
	int		 fd;
	int		 mouse;		/* reporting switched on */
	int		 mouse_resume;	/* switch it on again at input_start */
	int		 pending;	/* a partial key waits for more bytes */
	int64_t		 pending_until;	/* mono ms when it is forced out */
};

/*
 * libtermkey's terminfo driver reads key_mouse (kmous) and, for the xterm
 * entries whose kmous is "\E[<", would parse SGR reports as 3-byte X10
 * ones.  Without it the CSI driver parses both forms properly.
 */
static const char *
terminfo_hook(const char *name, const char *value, void *data)
{
	(void)data;
	if (strcmp(name, "key_mouse") == 0)
		return NULL;
	return value;
}

struct input *
input_new(int fd, const char *term, char *err, size_t errlen)
{
	struct input *in = xcalloc(1, sizeof *in);
	int flags = TERMKEY_FLAG_CTRLC | TERMKEY_FLAG_NOSTART;

	in->fd = fd;
	if (fd >= 0)
		in->tk = termkey_new(fd, flags);
	else
		in->tk = termkey_new_abstract(term != NULL ? term : "xterm",
		    flags | TERMKEY_FLAG_UTF8);
	if (in->tk == NULL) {
		snprintf(err, errlen, "cannot read keys from the terminal "
		    "(libtermkey: %s)", strerror(errno));
		free(in);
		return NULL;
	}
	termkey_hook_terminfo_getstr(in->tk, terminfo_hook, NULL);
	termkey_set_canonflags(in->tk, termkey_get_canonflags(in->tk) |
	    TERMKEY_CANON_DELBS);
	if (!termkey_start(in->tk)) {
		snprintf(err, errlen, "cannot read keys from the terminal "
		    "(libtermkey start: %s)", strerror(errno));
		termkey_destroy(in->tk);
		free(in);
		return NULL;
	}
	return in;
}

void
input_free(struct input *in)
{
	if (in == NULL)
		return;
	input_mouse(in, 0);
	termkey_destroy(in->tk);
	free(in);
}

int
input_fd(const struct input *in)
{
	return in->fd;
}

void
input_push(struct input *in, const char *bytes, size_t len)
{
	termkey_push_bytes(in->tk, bytes, len);
}

int
input_timeout(const struct input *in, int64_t now_ms)
{
	if (!in->pending)
		return -1;
	if (now_ms >= in->pending_until)
		return 0;
	return (int)(in->pending_until - now_ms);
}

int
input_read(struct input *in, int readable, int64_t now_ms, input_key_fn fn,
    void *ctx)
{
	TermKeyKey key;
	TermKeyResult r;
	int n = 0;

	if (readable && in->fd >= 0) {
		r = termkey_advisereadable(in->tk);
		if (r == TERMKEY_RES_EOF)
			return -1;
	}
	for (;;) {
		r = termkey_getkey(in->tk, &key);
		if (r == TERMKEY_RES_KEY) {
			in->pending = 0;
			fn(ctx, &key);
			n++;
			continue;
		}
		if (r == TERMKEY_RES_AGAIN) {
			if (!in->pending) {
				in->pending = 1;
				in->pending_until = now_ms +
				    termkey_get_waittime(in->tk);
			}
			if (now_ms < in->pending_until)
				break;
			/* Waited long enough: a lone ESC is a key. */
			r = termkey_getkey_force(in->tk, &key);
			in->pending = 0;
			if (r == TERMKEY_RES_KEY) {
				fn(ctx, &key);
				n++;
				continue;
			}
		}
		if (r == TERMKEY_RES_EOF && n == 0 && readable)
			return -1;
		in->pending = 0;
		break;
	}
	return n;
}

static void
write_all(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t w;

	while (len > 0) {
		w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

void
input_mouse(struct input *in, int on)
{
	if (in->fd < 0 || on == in->mouse)
		return;
	/* The terminal fd may be stdin; write where the screen is. */
	write_all(isatty(STDOUT_FILENO) ? STDOUT_FILENO : in->fd,
	    on ? MOUSE_ON : MOUSE_OFF);
	in->mouse = on;
}

int
input_mouse_decode(struct input *in, const TermKeyKey *key,
    struct input_mouse *out)
{
	TermKeyMouseEvent ev;
	int button, line, col;

	if (key->type != TERMKEY_TYPE_MOUSE)
		return -1;
	if (termkey_interpret_mouse(in->tk, key, &ev, &button, &line,
	    &col) != TERMKEY_RES_KEY)
		return -1;
	memset(out, 0, sizeof *out);
	out->button = button;
	/* libtermkey reports 1-based positions. */
	out->y = line - 1;
	out->x = col - 1;
	switch (ev) {
	case TERMKEY_MOUSE_PRESS:
		if (button == 4)
			out->event = INPUT_MOUSE_WHEEL_UP;
		else if (button == 5)
			out->event = INPUT_MOUSE_WHEEL_DOWN;
		else
			out->event = INPUT_MOUSE_PRESS;
		break;
	case TERMKEY_MOUSE_DRAG:
		out->event = INPUT_MOUSE_DRAG;
		break;
	case TERMKEY_MOUSE_RELEASE:
		out->event = INPUT_MOUSE_RELEASE;
		break;
	default:
		return -1;
	}
	return 0;
}

void
input_stop(struct input *in)
{
	in->mouse_resume = in->mouse;
	input_mouse(in, 0);
	if (in->fd >= 0)
		termkey_stop(in->tk);
}

void
input_start(struct input *in)
{
	if (in->fd >= 0)
		termkey_start(in->tk);
	if (in->mouse_resume)
		input_mouse(in, 1);
	in->mouse_resume = 0;
}

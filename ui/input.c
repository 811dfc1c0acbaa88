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

/* Where the input filter is in the byte stream. */
enum filter_state {
	F_TEXT,		/* between keys */
	F_ESC,		/* after ESC: a key, or the start of a sequence */
	F_CSI,		/* inside ESC [ ... up to its final byte */
	F_UTF8,		/* inside a multi-byte UTF-8 character */
	F_RAW,		/* the 3 raw bytes of an X10 mouse report */
};

struct input {
	TermKey		*tk;
	int		 fd;
	int		 utf8;		/* libtermkey decodes UTF-8 */
	int		 mouse;		/* reporting switched on */
	int		 mouse_resume;	/* switch it on again at input_start */
	int		 pending;	/* a partial key waits for more bytes */
	int64_t		 pending_until;	/* mono ms when it is forced out */

	enum filter_state state;
	unsigned char	 hold[64];	/* bytes held back by the filter */
	size_t		 nhold;
	int		 need;		/* UTF-8 continuations, raw bytes */
	int		 intermediate;	/* the CSI has intermediate bytes */
	int64_t		 hold_until;	/* mono ms when held bytes resolve */
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
	in->utf8 = (termkey_get_flags(in->tk) & TERMKEY_FLAG_UTF8) != 0;
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

/*
 * The filter between the terminal and libtermkey.  libtermkey 0.22 reads
 * out of bounds (and crashes) on a CSI sequence with intermediate bytes
 * whose final byte names a key ("ESC [ 1 SP A"), and it takes a stray
 * 0x9b byte for a CSI; a terminal never sends those as keys.  So: CSI
 * sequences with intermediate bytes and sequences broken by control
 * characters are dropped, invalid UTF-8 (including stray 0x9b) is
 * dropped, and only whole sequences and characters reach libtermkey.  A
 * lone ESC is held until the next byte says what it is, or until the
 * wait time passes (then it is the Escape key).
 */
static void
emit(struct input *in, const void *p, size_t n)
{
	termkey_push_bytes(in->tk, p, n);
}

static void
hold(struct input *in, unsigned char b, int64_t now_ms)
{
	if (in->nhold == 0)
		in->hold_until = now_ms + termkey_get_waittime(in->tk);
	if (in->nhold < sizeof in->hold)
		in->hold[in->nhold++] = b;
}

static void
drop(struct input *in)
{
	in->nhold = 0;
	in->state = F_TEXT;
}

static int
utf8_valid(const unsigned char *u, size_t n)
{
	long c;
	size_t i;

	c = n == 2 ? (u[0] & 0x1f) : n == 3 ? (u[0] & 0x0f) : (u[0] & 0x07);
	for (i = 1; i < n; i++)
		c = (c << 6) | (u[i] & 0x3f);
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return 1;
}

static void
filter(struct input *in, unsigned char b, int64_t now_ms)
{
again:
	switch (in->state) {
	case F_TEXT:
		if (b == 0x1b) {
			hold(in, b, now_ms);
			in->state = F_ESC;
		} else if (b >= 0x80 && in->utf8) {
			in->need = b >= 0xc2 && b <= 0xdf ? 1 :
			    b >= 0xe0 && b <= 0xef ? 2 :
			    b >= 0xf0 && b <= 0xf4 ? 3 : 0;
			if (in->need == 0)
				break;		/* not a lead byte */
			hold(in, b, now_ms);
			in->state = F_UTF8;
		} else if (b != 0x9b)
			emit(in, &b, 1);
		break;
	case F_UTF8:
		if ((b & 0xc0) != 0x80) {
			drop(in);
			goto again;
		}
		hold(in, b, now_ms);
		if (--in->need == 0) {
			if (utf8_valid(in->hold, in->nhold))
				emit(in, in->hold, in->nhold);
			drop(in);
		}
		break;
	case F_ESC:
		if (b == '[') {
			hold(in, b, now_ms);
			in->state = F_CSI;
			in->intermediate = 0;
			break;
		}
		emit(in, in->hold, in->nhold);
		drop(in);
		goto again;
	case F_CSI:
		if (b >= 0x40 && b <= 0x7e) {
			int x10 = b == 'M' && in->nhold == 2;

			if (!in->intermediate) {
				emit(in, in->hold, in->nhold);
				emit(in, &b, 1);
			}
			drop(in);
			if (x10) {
				/* X10 mouse: three raw bytes follow. */
				in->state = F_RAW;
				in->need = 3;
				in->hold_until = now_ms +
				    termkey_get_waittime(in->tk);
			}
		} else if (b >= 0x20 && b <= 0x2f) {
			in->intermediate = 1;
			hold(in, b, now_ms);
		} else if (b >= 0x30 && b <= 0x3f &&
		    in->nhold < sizeof in->hold) {
			hold(in, b, now_ms);
		} else {
			/* A control, DEL, a high byte or an endless
			 * sequence: not a key.  Start over at b. */
			drop(in);
			goto again;
		}
		break;
	case F_RAW:
		emit(in, &b, 1);
		if (--in->need == 0)
			in->state = F_TEXT;
		break;
	}
}

/* Held bytes whose wait time has passed: a lone ESC is the Escape key;
 * anything else unfinished is dropped. */
static int
filter_expire(struct input *in, int64_t now_ms)
{
	if (in->state == F_TEXT || now_ms < in->hold_until)
		return 0;
	if (in->state == F_ESC)
		emit(in, in->hold, in->nhold);
	drop(in);
	return 1;
}

void
input_push(struct input *in, const char *bytes, size_t len, int64_t now_ms)
{
	size_t i;

	for (i = 0; i < len; i++)
		filter(in, (unsigned char)bytes[i], now_ms);
}

int
input_timeout(const struct input *in, int64_t now_ms)
{
	int64_t until = -1;

	if (in->pending)
		until = in->pending_until;
	if (in->state != F_TEXT && (until == -1 || in->hold_until < until))
		until = in->hold_until;
	if (until == -1)
		return -1;
	return now_ms >= until ? 0 : (int)(until - now_ms);
}

int
input_read(struct input *in, int readable, int64_t now_ms, input_key_fn fn,
    void *ctx)
{
	unsigned char buf[128];
	TermKeyKey key;
	TermKeyResult r;
	ssize_t got;
	int n = 0, force = 0;

	if (readable && in->fd >= 0) {
		/* At most what libtermkey's buffer holds; poll says when
		 * there is more. */
		got = read(in->fd, buf, sizeof buf);
		if (got == 0 || (got < 0 && errno != EAGAIN &&
		    errno != EINTR))
			return -1;
		if (got > 0)
			input_push(in, (const char *)buf, (size_t)got, now_ms);
	}
	if (filter_expire(in, now_ms))
		force = 1;
	for (;;) {
		r = termkey_getkey(in->tk, &key);
		if (r == TERMKEY_RES_AGAIN) {
			if (!in->pending) {
				in->pending = 1;
				in->pending_until = now_ms +
				    termkey_get_waittime(in->tk);
			}
			if (!force && now_ms < in->pending_until)
				break;
			/* Waited long enough: what is there is a key. */
			r = termkey_getkey_force(in->tk, &key);
		}
		in->pending = 0;
		if (r != TERMKEY_RES_KEY)
			break;
		fn(ctx, &key);
		n++;
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

/*
 * traceback.c -- assemble Python tracebacks from log lines into one event.
 *
 * A small state machine over lines:
 *
 *   IDLE --"Traceback (most recent call last):"--> FRAMES
 *   FRAMES: indented lines are frames and source; "Type: msg" --> EXC
 *   EXC: indented lines continue the message; blank lines are held;
 *        "During handling..." / "The above exception..." --> CHAIN;
 *        anything else ends the record
 *   CHAIN: blank lines; "Traceback ..." --> FRAMES (same record)
 *
 * Whatever does not fit where it comes ends the pending record, which is
 * then reported with what it has, and the line is looked at afresh.
 * The signature is hashed as the record is read, so that no list of
 * frames is kept: memory per assembler is the text (capped) and a few
 * fixed fields.
 */
#include "traceback.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER		"Traceback (most recent call last):"
#define GROUP_WORDS	"Exception Group "
#define PREFIX_MAX	256
#define MAX_HELD_BLANKS	2
#define MAX_CONT_LINES	32
/* Message lines that are not indented join only if read in the same
 * batch as the line before (a log record written a moment later does
 * not). */
#define CONT_SAME_MS	100

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

enum tb_state { TB_IDLE, TB_FRAMES, TB_EXC, TB_CHAIN };
enum header_kind { HDR_NONE, HDR_PLAIN, HDR_GROUP };

struct tb_asm {
	enum tb_state	 state;
	int		 group;		/* an exception group is being read */
	int		 group_exc;	/* ... and its own type was seen */
	char		 prefix[PREFIX_MAX];
	size_t		 prefix_len;
	struct buf	 text;
	int		 text_full;
	int		 lines;
	int		 held_blanks;
	int		 cont_lines;
	int64_t		 last_ms;
	uint64_t	 hash;
	int		 have_exc;
	char		 exc_type[128];
	char		 message[512];
	char		 chain[512];
	char		 where[256];

	struct buf	 line;		/* the current line, cleaned */
	struct buf	 single;	/* a single-line record's text */
};

/* ------------------------------------------------------------------ */
/* Hashing */

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* A field and a separator, so that ("ab","c") and ("a","bc") differ. */
static uint64_t
fnv_field(uint64_t h, const char *s, size_t n)
{
	h = fnv(h, s, n);
	return fnv(h, "\0", 1);
}

static int
is_hex(int c)
{
	return isxdigit((unsigned char)c);
}

/* Hash s with every run of digits, every 0x-address and every long hex
 * run containing a digit (ids, addresses) masked as one '#'. */
static uint64_t
fnv_masked(uint64_t h, const char *s, size_t n)
{
	size_t i = 0, j, k;
	int digit;

	while (i < n) {
		if (s[i] == '0' && i + 2 < n && (s[i + 1] == 'x' ||
		    s[i + 1] == 'X') && is_hex(s[i + 2])) {
			for (j = i + 2; j < n && is_hex(s[j]); j++)
				;
			h = fnv(h, "#", 1);
			i = j;
			continue;
		}
		if (!is_hex(s[i])) {
			h = fnv(h, &s[i], 1);
			i++;
			continue;
		}
		digit = 0;
		for (j = i; j < n && is_hex(s[j]); j++)
			digit |= isdigit((unsigned char)s[j]) != 0;
		/* A hex run inside a word ("cafe12345678") is not an id;
		 * one that stands alone is. */
		if (digit && j - i >= 8 && (i == 0 ||
		    !isalnum((unsigned char)s[i - 1])) &&
		    (j == n || !isalnum((unsigned char)s[j]))) {
			h = fnv(h, "#", 1);
			i = j;
			continue;
		}
		for (k = i; k < j; ) {
			if (isdigit((unsigned char)s[k])) {
				while (k < j && isdigit((unsigned char)s[k]))
					k++;
				h = fnv(h, "#", 1);
			} else {
				h = fnv(h, &s[k], 1);
				k++;
			}
		}
		i = j;
	}
	return h;
}

uint64_t
tb_signature_text(const char *s, size_t len)
{
	return fnv_masked(FNV_OFFSET, s, len);
}

/* ------------------------------------------------------------------ */
/* Recognising lines */

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
is_indented(const char *s, size_t n)
{
	return n > 0 && (s[0] == ' ' || s[0] == '\t');
}

static size_t
rtrim_len(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

static int
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Is this a traceback header?  *plen is the length of the log prefix
 * before "Traceback". */
static enum header_kind
header(const char *s, size_t n, size_t *plen)
{
	size_t hl = sizeof HEADER - 1, gl = sizeof GROUP_WORDS - 1;

	n = rtrim_len(s, n);
	if (!ends_with(s, n, HEADER))
		return HDR_NONE;
	*plen = n - hl;
	if (*plen >= gl && memcmp(s + *plen - gl, GROUP_WORDS, gl) == 0) {
		*plen = 0;
		return HDR_GROUP;
	}
	return HDR_PLAIN;
}

/* Does s start with the prefix p (digit runs matching digit runs of any
 * length, so that timestamps agree)?  Returns the length of s's prefix,
 * or 0. */
static size_t
prefix_match(const char *p, size_t pn, const char *s, size_t n)
{
	size_t i = 0, j = 0;

	while (i < pn) {
		if (j >= n)
			return 0;
		if (isdigit((unsigned char)p[i]) && isdigit((unsigned char)s[j])) {
			while (i < pn && isdigit((unsigned char)p[i]))
				i++;
			while (j < n && isdigit((unsigned char)s[j]))
				j++;
			continue;
		}
		if (p[i] != s[j])
			return 0;
		i++;
		j++;
	}
	return j;
}

static int
is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static int
is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static int
bare_suffix_ok(const char *s, size_t n)
{
	static const char *const suffixes[] = { "Error", "Exception",
	    "Interrupt", "Exit", "Iteration", "Warning", "Timeout" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(suffixes); i++)
		if (ends_with(s, n, suffixes[i]))
			return 1;
	return 0;
}

/*
 * Is this the final line of a traceback: "Type: message", "pkg.Type:
 * message", "Type:" or a bare "Type"?  On success *tlen is the length of
 * the type and *msg the offset of the message (n when none).  An
 * undotted type must look like a class (capitalised, with a lower-case
 * letter: not "INFO:"), and a bare one must end like an exception.
 */
static int
exc_line(const char *s, size_t n, size_t *tlen, size_t *msg)
{
	size_t i = 0, k;
	int dotted = 0, lower = 0;

	n = rtrim_len(s, n);
	for (;;) {
		if (i >= n || !is_ident_start((unsigned char)s[i]))
			return 0;
		while (i < n && is_ident((unsigned char)s[i]))
			i++;
		if (i < n && s[i] == '.') {
			dotted = 1;
			i++;
			continue;
		}
		break;
	}
	if (i >= sizeof ((struct tb_record *)0)->exc_type)
		return 0;
	if (!dotted) {
		if (!isupper((unsigned char)s[0]))
			return 0;
		for (k = 0; k < i; k++)
			lower |= islower((unsigned char)s[k]) != 0;
		if (!lower)
			return 0;
	}
	*tlen = i;
	if (i == n) {
		if (!dotted && !bare_suffix_ok(s, i))
			return 0;
		*msg = n;
		return 1;
	}
	if (s[i] != ':')
		return 0;
	if (i + 1 == n) {
		*msg = n;
		return 1;
	}
	if (s[i + 1] != ' ')
		return 0;
	*msg = i + 2;
	return 1;
}

static int
chain_line(const char *s, size_t n)
{
	static const char *const lines[] = {
		"During handling of the above exception, another exception "
		    "occurred:",
		"The above exception was the direct cause of the following "
		    "exception:",
	};
	size_t i, m;

	n = rtrim_len(s, n);
	for (i = 0; i < ARRAY_LEN(lines); i++) {
		m = strlen(lines[i]);
		if (n == m && memcmp(s, lines[i], m) == 0)
			return 1;
	}
	return 0;
}

/* Does the line look like the start of a new log record rather than
 * the rest of an exception message? */
static int
new_record(const char *s, size_t n)
{
	static const char *const levels[] = { "DEBUG", "INFO", "WARNING",
	    "WARN", "ERROR", "CRITICAL", "FATAL", "Traceback" };
	size_t i, m;

	if (n == 0)
		return 1;
	if (isdigit((unsigned char)s[0]) || strchr("[{<", s[0]) != NULL)
		return 1;
	for (i = 0; i < ARRAY_LEN(levels); i++) {
		m = strlen(levels[i]);
		if (n >= m && memcmp(s, levels[i], m) == 0 &&
		    (n == m || !isalnum((unsigned char)s[m])))
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The pending record */

static void
copy_field(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void
text_add(struct tb_asm *a, const char *s, size_t n)
{
	size_t room;

	a->lines++;
	if (a->text_full)
		return;
	if (a->text.len > 0)
		buf_addc(&a->text, '\n');
	room = TB_TEXT_MAX > a->text.len ? TB_TEXT_MAX - a->text.len : 0;
	if (n > room) {
		buf_add(&a->text, s, room);
		buf_adds(&a->text, "\n[...]");
		a->text_full = 1;
		return;
	}
	buf_add(&a->text, s, n);
}

/* Append a line to a '\n'-separated field of size bytes, cut to fit. */
static void
field_add(char *field, size_t size, const char *s, size_t n)
{
	size_t have = strlen(field), room;

	room = size - 1 - have;
	if (room == 0)
		return;
	if (have > 0) {
		field[have++] = '\n';
		room--;
	}
	if (n > room)
		n = room;
	memcpy(field + have, s, n);
	field[have + n] = '\0';
}

static void
message_add(struct tb_asm *a, const char *s, size_t n)
{
	field_add(a->message, sizeof a->message, s, n);
}

/* Note an exception that is not the final one in the chain field. */
static void
chain_add(struct tb_asm *a, const char *type, const char *msg)
{
	const char *nl = strchr(msg, '\n');
	struct buf b = {0};

	buf_adds(&b, type);
	if (*msg != '\0') {
		buf_adds(&b, ": ");
		buf_add(&b, msg, nl != NULL ? (size_t)(nl - msg) : strlen(msg));
	}
	field_add(a->chain, sizeof a->chain, b.data, b.len);
	buf_free(&b);
}

static void
begin(struct tb_asm *a, enum header_kind kind, const char *s, size_t n,
    size_t plen)
{
	a->state = TB_FRAMES;
	a->group = kind == HDR_GROUP;
	a->group_exc = 0;
	a->prefix_len = plen < PREFIX_MAX ? plen : 0;
	memcpy(a->prefix, s, a->prefix_len);
	buf_clear(&a->text);
	a->text_full = 0;
	a->lines = 0;
	a->held_blanks = 0;
	a->cont_lines = 0;
	a->hash = FNV_OFFSET;
	a->have_exc = 0;
	a->exc_type[0] = '\0';
	a->message[0] = '\0';
	a->chain[0] = '\0';
	a->where[0] = '\0';
	text_add(a, s, n);
}

/* The line without the Traceback line's prefix, when it carries it. */
static const char *
body(const struct tb_asm *a, const char *s, size_t n, size_t *bn)
{
	size_t k;

	*bn = n;
	if (a->prefix_len == 0)
		return s;
	k = prefix_match(a->prefix, a->prefix_len, s, n);
	if (k == 0)
		return s;
	*bn = n - k;
	return s + k;
}

/* '  File "x.py", line 12, in fn': the innermost frame so far. */
static int
frame(struct tb_asm *a, const char *s, size_t n)
{
	const char *end = s + n, *file, *q, *num, *fn = NULL;
	size_t flen, fnlen = 0, numlen;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if ((size_t)(end - s) < 6 || memcmp(s, "File \"", 6) != 0)
		return 0;
	file = s + 6;
	q = memmem(file, (size_t)(end - file), "\", line ", 8);
	if (q == NULL)
		return 0;
	flen = (size_t)(q - file);
	num = q + 8;
	for (numlen = 0; num + numlen < end &&
	    isdigit((unsigned char)num[numlen]); numlen++)
		;
	if (numlen == 0)
		return 0;
	q = num + numlen;
	if (end - q >= 5 && memcmp(q, ", in ", 5) == 0) {
		fn = q + 5;
		fnlen = (size_t)(end - fn);
		fnlen = rtrim_len(fn, fnlen);
	}

	a->hash = fnv_field(a->hash, "F", 1);
	a->hash = fnv_field(a->hash, file, flen);
	a->hash = fnv_field(a->hash, fn != NULL ? fn : "", fnlen);
	if (fn != NULL)
		snprintf(a->where, sizeof a->where, "%.*s:%.*s in %.*s",
		    (int)(flen > 200 ? 200 : flen), file, (int)numlen, num,
		    (int)(fnlen > 40 ? 40 : fnlen), fn);
	else
		snprintf(a->where, sizeof a->where, "%.*s:%.*s",
		    (int)(flen > 230 ? 230 : flen), file, (int)numlen, num);
	return 1;
}

static void
set_exc(struct tb_asm *a, const char *s, size_t n, size_t tlen, size_t msg)
{
	/* The one before it in a chain is the cause, kept in chain. */
	if (a->have_exc)
		chain_add(a, a->exc_type, a->message);
	copy_field(a->exc_type, sizeof a->exc_type, s, tlen);
	a->message[0] = '\0';
	if (msg < n)
		message_add(a, s + msg, rtrim_len(s + msg, n - msg));
	a->have_exc = 1;
	a->hash = fnv_field(a->hash, "E", 1);
	a->hash = fnv_field(a->hash, a->exc_type, strlen(a->exc_type));
}

static void
single(struct tb_asm *a, const char *s, size_t n, tb_record_fn fn, void *ctx)
{
	struct tb_record r;

	memset(&r, 0, sizeof r);
	buf_clear(&a->single);
	buf_add(&a->single, s, n > TB_TEXT_MAX ? TB_TEXT_MAX : n);
	r.text = a->single.data;
	r.text_len = a->single.len;
	r.lines = 1;
	r.signature = tb_signature_text(r.text, r.text_len);
	fn(ctx, &r);
}

/* Report the pending traceback with what it has, then the blank lines
 * held after it, and go back to IDLE. */
static void
finish(struct tb_asm *a, tb_record_fn fn, void *ctx)
{
	struct tb_record r;
	int i, held = a->held_blanks;

	if (a->state == TB_IDLE)
		return;
	memset(&r, 0, sizeof r);
	r.is_traceback = 1;
	if (a->have_exc) {
		memcpy(r.exc_type, a->exc_type, sizeof r.exc_type);
		memcpy(r.message, a->message, sizeof r.message);
		memcpy(r.chain, a->chain, sizeof r.chain);
	} else
		util_strlcpy(r.exc_type, "unknown", sizeof r.exc_type);
	memcpy(r.where, a->where, sizeof r.where);
	r.text = a->text.data;
	r.text_len = a->text.len;
	r.lines = a->lines;
	r.signature = fnv_field(a->hash, "M", 1);
	r.signature = fnv_masked(r.signature, a->message, strlen(a->message));
	a->state = TB_IDLE;
	a->held_blanks = 0;
	fn(ctx, &r);
	for (i = 0; i < held; i++)
		single(a, "", 0, fn, ctx);
}

/* A line inside an exception group: frames after '|', and the group's
 * own "Type: message" (one space after the first '|'). */
static void
group_line(struct tb_asm *a, const char *s, size_t n)
{
	const char *end = s + n;
	size_t tlen, msg;

	while (s < end && *s == ' ')
		s++;
	if (s == end || (*s != '|' && *s != '+'))
		return;
	s++;
	if (frame(a, s, (size_t)(end - s)))
		return;
	if (end - s < 2 || s[0] != ' ' || s[1] == ' ' ||
	    !exc_line(s + 1, (size_t)(end - s - 1), &tlen, &msg))
		return;
	if (!a->group_exc) {
		set_exc(a, s + 1, (size_t)(end - s - 1), tlen, msg);
		a->group_exc = 1;
		return;
	}
	/* A member of the group: noted, and part of the signature. */
	{
		char type[128];

		copy_field(type, sizeof type, s + 1, tlen);
		chain_add(a, type, s + 1 + msg < end ? s + 1 + msg : "");
		a->hash = fnv_field(a->hash, "G", 1);
		a->hash = fnv_field(a->hash, type, strlen(type));
	}
}

static void
process(struct tb_asm *a, const char *s, size_t n, int64_t now,
    tb_record_fn fn, void *ctx)
{
	enum header_kind kind;
	const char *b;
	size_t bn, plen, tlen, msg;

	switch (a->state) {
	case TB_IDLE:
		if ((kind = header(s, n, &plen)) != HDR_NONE) {
			begin(a, kind, s, n, plen);
			return;
		}
		single(a, s, n, fn, ctx);
		return;

	case TB_FRAMES:
		b = body(a, s, n, &bn);
		if (is_indented(b, bn) && !is_blank(b, bn)) {
			if (a->group)
				group_line(a, b, bn);
			else
				frame(a, b, bn);
			text_add(a, s, n);
			return;
		}
		if (!a->group && !is_blank(b, bn) &&
		    header(b, bn, &plen) == HDR_NONE &&
		    exc_line(b, bn, &tlen, &msg)) {
			set_exc(a, b, bn, tlen, msg);
			text_add(a, s, n);
			a->state = TB_EXC;
			return;
		}
		break;

	case TB_EXC:
		b = body(a, s, n, &bn);
		if (is_blank(b, bn)) {
			if (a->held_blanks == MAX_HELD_BLANKS)
				break;
			a->held_blanks++;
			return;
		}
		if (chain_line(b, bn)) {
			for (; a->held_blanks > 0; a->held_blanks--)
				text_add(a, "", 0);
			text_add(a, s, n);
			a->state = TB_CHAIN;
			return;
		}
		if (a->held_blanks > 0 || a->cont_lines >= MAX_CONT_LINES)
			break;
		/* Indented lines continue the message; other lines only
		 * when there is a message to continue, they came with it,
		 * and they do not look like a log record of their own. */
		if (is_indented(b, bn) || (a->message[0] != '\0' &&
		    now - a->last_ms <= CONT_SAME_MS && !new_record(b, bn))) {
			message_add(a, b, rtrim_len(b, bn));
			text_add(a, s, n);
			a->cont_lines++;
			return;
		}
		break;

	case TB_CHAIN:
		b = body(a, s, n, &bn);
		if (is_blank(b, bn)) {
			text_add(a, s, n);
			return;
		}
		if ((kind = header(b, bn, &plen)) != HDR_NONE) {
			text_add(a, s, n);
			a->state = TB_FRAMES;
			a->group = kind == HDR_GROUP;
			a->group_exc = 0;
			return;
		}
		break;
	}

	/* The line does not belong: what is pending is done, and the line
	 * is looked at on its own. */
	finish(a, fn, ctx);
	process(a, s, n, now, fn, ctx);
}

/* ------------------------------------------------------------------ */

struct tb_asm *
tb_asm_new(void)
{
	struct tb_asm *a = xcalloc(1, sizeof *a);

	a->state = TB_IDLE;
	return a;
}

void
tb_asm_free(struct tb_asm *a)
{
	if (a == NULL)
		return;
	buf_free(&a->text);
	buf_free(&a->line);
	buf_free(&a->single);
	free(a);
}

int
tb_asm_pending(const struct tb_asm *a)
{
	return a->state != TB_IDLE;
}

void
tb_asm_line(struct tb_asm *a, const char *line, size_t len, int64_t now_ms,
    tb_record_fn fn, void *ctx)
{
	const char *nul;
	size_t off;

	if (a->state != TB_IDLE && now_ms - a->last_ms >= TB_WAIT_MS)
		finish(a, fn, ctx);

	/* A C string from here on: NUL bytes become spaces. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	buf_clear(&a->line);
	buf_add(&a->line, line, len);
	for (off = 0; off < len &&
	    (nul = memchr(a->line.data + off, '\0', len - off)) != NULL;
	    off = (size_t)(nul - a->line.data) + 1)
		a->line.data[nul - a->line.data] = ' ';

	process(a, a->line.data, len, now_ms, fn, ctx);
	a->last_ms = now_ms;
}

void
tb_asm_flush(struct tb_asm *a, int64_t now_ms, int force, tb_record_fn fn,
    void *ctx)
{
	if (a->state == TB_IDLE)
		return;
	if (force || now_ms - a->last_ms >= TB_WAIT_MS)
		finish(a, fn, ctx);
}

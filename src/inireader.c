/*
 * inireader.c -- read an INI file line by line, with line numbers.
 *
 * inih's ini_parse_stream calls reader() for each line and handler() for
 * each key.  reader() sees every line first: it counts it, reports
 * section headers and bad lines itself, and hands inih only the lines
 * inih should parse (a line it has dealt with goes to inih as "").
 */
#include "inireader.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

struct reader {
	const struct inireader_ops *ops;
	void		*ctx;
	FILE		*fp;
	int		 lineno;
	char		*raw;		/* the current line, from getline */
	size_t		 rawcap;
	int		 first_syntax;	/* line of our first syntax error */
	int		 read_errno;	/* getline's errno when it failed */
};

static void
report(struct reader *r, int syntax, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
report(struct reader *r, int syntax, const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (syntax && r->first_syntax == 0)
		r->first_syntax = r->lineno;
	r->ops->error(r->ctx, r->lineno, b.data);
	buf_free(&b);
}

static int
is_comment_start(char c)
{
	return c == ';' || c == '#';
}

/* inih's find_chars_or_comment: the first of chars, or an inline ';'
 * comment (one preceded by whitespace), or the end. */
static const char *
find_or_comment(const char *s, const char *chars)
{
	int was_space = 0;

	while (*s != '\0' && (chars == NULL || strchr(chars, *s) == NULL) &&
	    !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}


/*
 * Look at a line (leading whitespace gone) before inih does: report
 * section headers and syntax errors, and parse a key line too long for
 * inih's buffer (fits is 0) here.  Returns 1 when inih should see the
 * line, 0 when it has been dealt with.
 */
static int
line_inspect(struct reader *r, const char *s, int fits)
{
	const struct inireader_ops *ops = r->ops;
	const char *e;
	char *name, *value;

	if (*s == '\0' || is_comment_start(*s))
		return 1;
	if (*s == '[') {
		e = find_or_comment(s + 1, "]");
		if (*e != ']') {
			report(r, 1, "syntax error: expected ']' to close "
			    "the section header");
			ops->section(r->ctx, NULL, r->lineno);
			return 0;
		}
		name = xstrndup(s + 1, (size_t)(e - s - 1));
		ops->section(r->ctx, name, r->lineno);
		free(name);
		/* inih ignores whatever follows ']'; only a comment may. */
		for (e++; isspace((unsigned char)*e); e++)
			;
		if (*e != '\0' && !is_comment_start(*e))
			report(r, 1, "syntax error: unexpected text \"%s\" "
			    "after ']'", e);
		return 0;
	}
	e = find_or_comment(s, "=:");
	if (*e != '=' && *e != ':') {
		report(r, 1, "syntax error: expected %s (got \"%s\")",
		    ops->expected != NULL ? ops->expected :
		    "KEY = VALUE, [SECTION] or a comment", s);
		return 0;
	}
	if (fits)
		return 1;
	/* Too long for inih: split it the way inih would. */
	name = xstrndup(s, (size_t)(e - s));
	value = xstrdup(e + 1);
	*(char *)find_or_comment(value, NULL) = '\0';
	ops->key(r->ctx, util_trim(name), util_trim(value), r->lineno);
	free(name);
	free(value);
	return 0;
}

static char *
reader(char *str, int num, void *stream)
{
	struct reader *r = stream;
	ssize_t n;
	size_t len;
	const char *s;

	errno = 0;
	n = getline(&r->raw, &r->rawcap, r->fp);
	if (n == -1) {
		r->read_errno = errno;
		return NULL;
	}
	r->lineno++;
	len = (size_t)n;
	while (len > 0 && (r->raw[len - 1] == '\n' || r->raw[len - 1] == '\r'))
		len--;
	r->raw[len] = '\0';
	s = r->raw;
	if (strlen(s) != len) {
		report(r, 0, "line contains a NUL byte");
		s = "";
	} else {
		if (r->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		while (isspace((unsigned char)*s))
			s++;
		len = strlen(s);
		if (r->ops->max_line > 0 && len > (size_t)r->ops->max_line &&
		    !is_comment_start(*s)) {
			report(r, 0, "line too long (more than %d bytes)",
			    r->ops->max_line);
			s = "";
		} else if (!line_inspect(r, s, len + 1 <= (size_t)num) ||
		    len + 1 > (size_t)num)
			s = "";		/* dealt with, or a long comment */
	}
	util_strlcpy(str, s, (size_t)num);
	return str;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;

	r->ops->key(r->ctx, name, value, r->lineno);
	return 1;	/* errors are the caller's to collect; never inih's */
}

int
inireader_parse(const char *path, const struct inireader_ops *ops,
    void *ctx, char *err, size_t errlen)
{
	struct reader r;
	int rc, ret = 0;

	memset(&r, 0, sizeof r);
	r.ops = ops;
	r.ctx = ctx;
	if ((r.fp = fopen(path, "r")) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot open: %s",
			    strerror(errno));
		return INIREADER_OPEN;
	}
	rc = ini_parse_stream(reader, &r, handler, &r);
	if (ferror(r.fp)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot read: %s",
			    strerror(r.read_errno != 0 ? r.read_errno : EIO));
		ret = INIREADER_READ;
	} else if (rc > 0 && rc != r.first_syntax) {
		/* inih found an error we did not: never expected. */
		r.lineno = rc;
		report(&r, 1, "syntax error");
	} else if (rc < 0 && rc != -1)
		fatal("out of memory parsing %s", path);
	fclose(r.fp);
	free(r.raw);
	return ret;
}

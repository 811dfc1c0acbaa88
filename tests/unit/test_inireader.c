/*
 * test_inireader.c -- the INI line reader: exact line numbers across
 * comments, blank lines, indentation, CRLF and a BOM; indented lines are
 * not continuations; lines longer than inih's 200-byte buffer; every
 * syntax error with its line; a NUL byte; the line limit; a file that
 * cannot be opened or read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inireader.h"
#include "util.h"

static char tmpdir[64];
static char path[128];

/* Every callback, one line each: "S line name", "K line key=value",
 * "E line msg". */
static struct buf events;

static void
on_section(void *ctx, const char *name, int line)
{
	buf_printf(ctx, "S %d %s\n", line, name != NULL ? name : "(null)");
}

static void
on_key(void *ctx, const char *key, const char *value, int line)
{
	buf_printf(ctx, "K %d %s=%s\n", line, key, value);
}

static void
on_error(void *ctx, int line, const char *msg)
{
	buf_printf(ctx, "E %d %s\n", line, msg);
}

static const struct inireader_ops ops = {
	.section = on_section,
	.key = on_key,
	.error = on_error,
};

static void
write_file(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Parse text with o; the events, as one string (static). */
static const char *
parse_with(const struct inireader_ops *o, const char *text, size_t len)
{
	char err[256] = "untouched";

	write_file(text, len);
	buf_free(&events);
	buf_adds(&events, "");
	assert_int_equal(inireader_parse(path, o, &events, err, sizeof err),
	    0);
	assert_string_equal(err, "untouched");
	return events.data;
}

static const char *
parse(const char *text)
{
	return parse_with(&ops, text, strlen(text));
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_inireader.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/t.ini", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	rmdir(tmpdir);
	buf_free(&events);
	return 0;
}

static void
test_lines(void **state)
{
	assert_string_equal(parse(
	    "\xef\xbb\xbf; a comment after a BOM\r\n"
	    "\r\n"
	    "# another\r\n"
	    "[one]\r\n"
	    "   a = 1\r\n"
	    "b: 2 ; inline comment\r\n"
	    "\t\tc = x;y\r\n"
	    "\n"
	    "  [ two ] ; a comment\n"
	    "d=\n"
	    "= nameless\n"
	    "e = last, no newline"),
	    "S 4 one\n"
	    "K 5 a=1\n"
	    "K 6 b=2\n"
	    "K 7 c=x;y\n"
	    "S 9  two \n"
	    "K 10 d=\n"
	    "K 11 =nameless\n"
	    "K 12 e=last, no newline\n");
	/* A BOM only counts on line 1. */
	assert_string_equal(parse("[s]\n\xef\xbb\xbfk = v\n"),
	    "S 1 s\nK 2 \xef\xbb\xbfk=v\n");
	assert_string_equal(parse(""), "");
}

/* inih's continuation lines never happen: an indented line is read as
 * if it were not indented. */
static void
test_no_continuation(void **state)
{
	assert_string_equal(parse(
	    "[s]\n"
	    "a = 1\n"
	    "    b = 2\n"
	    "    more text\n"
	    "c = 3\n"),
	    "S 1 s\n"
	    "K 2 a=1\n"
	    "K 3 b=2\n"
	    "E 4 syntax error: expected KEY = VALUE, [SECTION] or a "
	    "comment (got \"more text\")\n"
	    "K 5 c=3\n");
}

static void
test_long_lines(void **state)
{
	struct buf in = {0}, want = {0};
	char value[301];

	memset(value, 'v', 300);
	value[300] = '\0';
	buf_printf(&in, "[s]\n");
	buf_printf(&in, "; %s\n", value);		/* a long comment */
	buf_printf(&in, "  long = %s ; and a comment\n", value);
	buf_printf(&in, "k = %s\n", value + 100);	/* 204 bytes */
	buf_printf(&in, "short = 1\n");
	buf_printf(&in, "[%s]\n", value);
	buf_printf(&in, "%s\n", value);
	buf_printf(&in, "after = 2\n");
	buf_printf(&want, "S 1 s\n");
	buf_printf(&want, "K 3 long=%s\n", value);
	buf_printf(&want, "K 4 k=%s\n", value + 100);
	buf_printf(&want, "K 5 short=1\n");
	buf_printf(&want, "S 6 %s\n", value);
	buf_printf(&want, "E 7 syntax error: expected KEY = VALUE, [SECTION] "
	    "or a comment (got \"%s\")\n", value);
	buf_printf(&want, "K 8 after=2\n");
	assert_string_equal(parse(in.data), want.data);
	buf_free(&in);
	buf_free(&want);
}

static void
test_syntax_errors(void **state)
{
	struct inireader_ops o = ops;
	static const char nul[] = "[s]\na = 1\nb\0 = 2\nc = 3\n";

	assert_string_equal(parse(
	    "k = outside\n"
	    "[open\n"
	    "x = 1\n"
	    "[s] junk\n"
	    "[t] # fine\n"
	    "[u ;x]\n"
	    "just words\n"
	    "ok = yes\n"),
	    "K 1 k=outside\n"
	    "E 2 syntax error: expected ']' to close the section header\n"
	    "S 2 (null)\n"
	    "K 3 x=1\n"
	    "S 4 s\n"
	    "E 4 syntax error: unexpected text \"junk\" after ']'\n"
	    "S 5 t\n"
	    "E 6 syntax error: expected ']' to close the section header\n"
	    "S 6 (null)\n"
	    "E 7 syntax error: expected KEY = VALUE, [SECTION] or a "
	    "comment (got \"just words\")\n"
	    "K 8 ok=yes\n");
	/* An '=' inside an inline comment does not make a key. */
	o.expected = "ROLE = COLOR";
	assert_string_equal(parse_with(&o, "a ; b = c\n", 10),
	    "E 1 syntax error: expected ROLE = COLOR (got \"a ; b = c\")\n");
	/* A NUL byte: the line is reported and skipped. */
	assert_string_equal(parse_with(&ops, nul, sizeof nul - 1),
	    "S 1 s\n"
	    "K 2 a=1\n"
	    "E 3 line contains a NUL byte\n"
	    "K 4 c=3\n");
}

static void
test_max_line(void **state)
{
	struct inireader_ops o = ops;
	struct buf in = {0};
	char value[21];

	memset(value, 'x', 20);
	value[20] = '\0';
	o.max_line = 10;
	buf_printf(&in, "[colors]\n");
	buf_printf(&in, "  a = 123456\n");		/* 10 after indent */
	buf_printf(&in, "b = 1234567\n");		/* 11 */
	buf_printf(&in, "# %s\n", value);
	buf_printf(&in, "[%s]\n", value);
	buf_printf(&in, "c = 1\n");
	assert_string_equal(parse_with(&o, in.data, in.len),
	    "S 1 colors\n"
	    "K 2 a=123456\n"
	    "E 3 line too long (more than 10 bytes)\n"
	    "E 5 line too long (more than 10 bytes)\n"
	    "K 6 c=1\n");
	buf_free(&in);
}

static void
test_cannot_read(void **state)
{
	char err[256], missing[160];

	snprintf(missing, sizeof missing, "%s/missing.ini", tmpdir);
	buf_free(&events);
	buf_adds(&events, "");
	assert_int_equal(inireader_parse(missing, &ops, &events, err,
	    sizeof err), INIREADER_OPEN);
	assert_string_equal(err, "cannot open: No such file or directory");
	assert_string_equal(events.data, "");
	/* err may be NULL. */
	assert_int_equal(inireader_parse(missing, &ops, &events, NULL, 0),
	    INIREADER_OPEN);
	/* A directory opens but cannot be read. */
	assert_int_equal(inireader_parse(tmpdir, &ops, &events, err,
	    sizeof err), INIREADER_READ);
	assert_string_equal(err, "cannot read: Is a directory");
	assert_string_equal(events.data, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_no_continuation),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_max_line),
		cmocka_unit_test(test_cannot_read),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

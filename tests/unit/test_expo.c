/*
 * test_expo.c -- the exposition parser: both formats, their edge cases,
 * the canonical label helpers and the seed pages of tests/fuzz/corpus/expo.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expo.h"
#include "util.h"

/* ---------------------------------------------------------------- harness */

struct rec {
	char		*name;
	char		*labels;
	size_t		 labels_len;
	double		 value;
	int		 has_ts;
	int64_t		 ts_ms;
	enum expo_type	 type;
	char		*family;
	char		*help;		/* NULL when none */
	size_t		 help_len;
	char		*unit;		/* NULL when none */
};

struct coll {
	struct rec	*r;
	size_t		 n;
	size_t		 cap;
	int		 err_line[64];
	char		*err_msg[64];
	size_t		 nerr;
	struct expo_result res;
	int		 rc;
};

static char *
dupn(const char *s, size_t n)
{
	return s == NULL ? NULL : xstrndup(s, n);
}

static void
on_sample(void *ctx, const struct expo_sample *s)
{
	struct coll *c = ctx;
	struct rec *r;

	c->r = xgrow(c->r, &c->cap, c->n + 1, sizeof *c->r);
	r = &c->r[c->n++];
	r->name = dupn(s->name, s->name_len);
	r->labels = dupn(s->labels, s->labels_len);
	r->labels_len = s->labels_len;
	r->value = s->value;
	r->has_ts = s->has_ts;
	r->ts_ms = s->ts_ms;
	r->type = s->type;
	r->family = dupn(s->family, s->family_len);
	r->help = dupn(s->help, s->help_len);
	r->help_len = s->help_len;
	r->unit = dupn(s->unit, s->unit_len);
	/* Names never contain NUL; labels are a canonical set or "". */
	assert_int_equal(strlen(r->name), s->name_len);
	assert_true(s->labels_len == 0 || s->labels[0] == '{');
}

static void
on_error(void *ctx, int line, const char *msg)
{
	struct coll *c = ctx;

	if (c->nerr < ARRAY_LEN(c->err_line)) {
		c->err_line[c->nerr] = line;
		c->err_msg[c->nerr] = xstrdup(msg);
	}
	c->nerr++;
}

static void
coll_free(struct coll *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->r[i].name);
		free(c->r[i].labels);
		free(c->r[i].family);
		free(c->r[i].help);
		free(c->r[i].unit);
	}
	for (i = 0; i < c->nerr && i < ARRAY_LEN(c->err_msg); i++)
		free(c->err_msg[i]);
	free(c->r);
	memset(c, 0, sizeof *c);
}

static void
parse_n(struct coll *c, enum expo_format fmt, const char *s, size_t len)
{
	coll_free(c);
	c->rc = expo_parse(s, len, fmt, on_sample, on_error, c, &c->res);
	assert_int_equal(c->res.samples, c->n);
	assert_int_equal(c->res.errors, c->nerr);
	if (c->nerr > 0) {
		assert_int_equal(c->res.first_error_line, c->err_line[0]);
		assert_string_equal(c->res.first_error, c->err_msg[0]);
	} else {
		assert_int_equal(c->res.first_error_line, 0);
		assert_string_equal(c->res.first_error, "");
	}
}

static void
text(struct coll *c, const char *s)
{
	parse_n(c, EXPO_FORMAT_TEXT, s, strlen(s));
}

static void
om(struct coll *c, const char *s)
{
	parse_n(c, EXPO_FORMAT_OPENMETRICS, s, strlen(s));
}

/* One line, one format: 1 when it parses cleanly into one sample. */
static int
ok1(enum expo_format fmt, const char *line)
{
	struct coll c = {0};
	struct buf b = {0};
	int ok;

	buf_adds(&b, line);
	if (fmt == EXPO_FORMAT_OPENMETRICS)
		buf_adds(&b, "\n# EOF\n");
	parse_n(&c, fmt, b.data, b.len);
	ok = c.rc == 0 && c.nerr == 0 && c.n == 1;
	coll_free(&c);
	buf_free(&b);
	return ok;
}

/* One line: 1 when it is rejected as exactly one malformed line. */
static int
bad1(enum expo_format fmt, const char *line)
{
	struct coll c = {0};
	struct buf b = {0};
	int bad;

	buf_adds(&b, line);
	if (fmt == EXPO_FORMAT_OPENMETRICS)
		buf_adds(&b, "\n# EOF\n");
	parse_n(&c, fmt, b.data, b.len);
	bad = c.rc == 0 && c.nerr == 1 && c.n == 0 && c.err_line[0] == 1;
	if (!bad)
		fprintf(stderr, "not rejected as one bad line: [%s]\n", line);
	coll_free(&c);
	buf_free(&b);
	return bad;
}

#define T EXPO_FORMAT_TEXT
#define OM EXPO_FORMAT_OPENMETRICS

/* ---------------------------------------------------------------- values */

static void
test_content_type(void **state)
{
	assert_int_equal(expo_format_from_content_type(
	    "application/openmetrics-text; version=1.0.0; charset=utf-8"), OM);
	assert_int_equal(expo_format_from_content_type(
	    "Application/OpenMetrics-Text;version=0.0.1"), OM);
	assert_int_equal(expo_format_from_content_type(
	    "application/openmetrics-text"), OM);
	assert_int_equal(expo_format_from_content_type(
	    "text/plain; version=0.0.4; charset=utf-8"), T);
	assert_int_equal(expo_format_from_content_type(NULL), T);
	assert_int_equal(expo_format_from_content_type(""), T);
	assert_int_equal(expo_format_from_content_type(
	    "application/openmetrics-textual"), T);
	assert_int_equal(expo_format_from_content_type(
	    "application/openmetrics-proto"), T);
}

static double
val(const char *s)
{
	double v = -12345.678;

	assert_int_equal(expo_parse_value(s, strlen(s), &v), 0);
	return v;
}

static int
badval(const char *s)
{
	double v = 42;

	return expo_parse_value(s, strlen(s), &v) == -1 && v == 42;
}

static void
test_parse_value(void **state)
{
	double v;

	assert_true(val("1") == 1.0);
	assert_true(val("1e3") == 1000.0);
	assert_true(val("1E3") == 1000.0);
	assert_true(val("1e+3") == 1000.0);
	assert_true(val("2.5e-3") == 0.0025);
	assert_true(val(".5") == 0.5);
	assert_true(val("-.5") == -0.5);
	assert_true(val("5.") == 5.0);
	assert_true(val("+7") == 7.0);
	assert_true(val("1027.0") == 1027.0);
	assert_true(val("4.9351e-05") == 4.9351e-05);
	assert_true(val("7.424100000000001e-05") == 7.424100000000001e-05);
	assert_true(val("1.795761678636378e+09") == 1.795761678636378e+09);
	assert_true(val("85899345920") == 85899345920.0);
	assert_true(val("-0") == 0.0 && signbit(val("-0")));
	assert_true(val("0") == 0.0 && !signbit(val("0")));
	assert_true(val("-0.0e5") == 0.0 && signbit(val("-0.0e5")));
	assert_true(val("000123") == 123.0);
	assert_true(val("1.7976931348623157e308") == 1.7976931348623157e308);
	assert_true(val("4.9e-324") == 4.9e-324);
	assert_true(val("1e-400") == 0.0);
	assert_true(val("123456789012345678901234567890") ==
	    123456789012345678901234567890.0);
	assert_true(val("0.1000000000000000055511151231257827") == 0.1);
	assert_true(isnan(val("NaN")));
	assert_true(isnan(val("nan")));
	assert_true(isnan(val("NAN")));
	v = val("+Inf");
	assert_true(isinf(v) && v > 0);
	v = val("Inf");
	assert_true(isinf(v) && v > 0);
	v = val("-Inf");
	assert_true(isinf(v) && v < 0);
	v = val("-inf");
	assert_true(isinf(v) && v < 0);
	v = val("+INF");
	assert_true(isinf(v) && v > 0);

	assert_true(badval(""));
	assert_true(badval("1_000"));
	assert_true(badval("0x1p-3"));
	assert_true(badval("0x10"));
	assert_true(badval("1,5"));
	assert_true(badval("infinity"));
	assert_true(badval("Infinity"));
	assert_true(badval("nan(123)"));
	assert_true(badval("+NaN"));
	assert_true(badval("-nan"));
	assert_true(badval("true"));
	assert_true(badval(" 1"));
	assert_true(badval("1 "));
	assert_true(badval("1e"));
	assert_true(badval("1e+"));
	assert_true(badval("."));
	assert_true(badval("-"));
	assert_true(badval("+"));
	assert_true(badval("e5"));
	assert_true(badval("1.2.3"));
	assert_true(badval("--1"));
	assert_true(badval("1e400"));
	assert_true(badval("-1e400"));
	assert_true(badval("1f"));
	assert_true(expo_parse_value("1\0", 2, &v) == -1);
	assert_true(expo_parse_value("12", 1, &v) == 0 && v == 1.0);
}

/* Random decimal strings: our value is bit-identical to strtod in C. */
static void
test_value_rounding(void **state)
{
	unsigned seed = 12345;
	char s[64];
	int i;

	for (i = 0; i < 200000; i++) {
		double a, b;
		int nd, k, dot, o = 0;

		seed = seed * 1103515245u + 12345u;
		nd = 1 + (int)((seed >> 16) % 20);
		dot = (int)((seed >> 8) % (unsigned)(nd + 1));
		if (seed & 1)
			s[o++] = '-';
		for (k = 0; k < nd; k++) {
			if (k == dot)
				s[o++] = '.';
			seed = seed * 1103515245u + 12345u;
			s[o++] = (char)('0' + (seed >> 16) % 10);
		}
		if ((seed >> 3) & 1) {
			seed = seed * 1103515245u + 12345u;
			o += sprintf(s + o, "e%d", (int)((seed >> 16) % 80) - 40);
		}
		s[o] = '\0';
		if (expo_parse_value(s, (size_t)o, &a) != 0)
			fail_msg("rejected %s", s);
		b = strtod(s, NULL);
		if (memcmp(&a, &b, sizeof a) != 0)
			fail_msg("%s: %.17g != %.17g", s, a, b);
	}
}

/* In a locale with a decimal comma, values still parse with '.'. */
static void
test_value_locale(void **state)
{
	char dir[] = "/tmp/test_expo.XXXXXX", cmd[256];
	struct coll c = {0};
	double v;

	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 "
	    ">/dev/null 2>&1", dir);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
		skip();
	}
	setenv("LOCPATH", dir, 1);
	assert_non_null(setlocale(LC_ALL, "de_DE.UTF-8"));
	assert_true(strtod("1.5", NULL) == 1.0);	/* the trap is real */

	assert_int_equal(expo_parse_value("1.5", 3, &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(expo_parse_value("0.1000000000000000055511151231257827",
	    36, &v), 0);			/* the strtod fallback path */
	assert_true(v == 0.1);
	assert_int_equal(expo_parse_value("1,5", 3, &v), -1);
	text(&c, "a 2.25\n");
	assert_int_equal(c.n, 1);
	assert_true(c.r[0].value == 2.25);
	om(&c, "a 1.5 1714550400.250\n# EOF\n");
	assert_int_equal(c.n, 1);
	assert_true(c.r[0].ts_ms == INT64_C(1714550400250));

	setlocale(LC_ALL, "C");
	unsetenv("LOCPATH");
	coll_free(&c);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ------------------------------------------------------------- text format */

static void
test_text_basic(void **state)
{
	struct coll c = {0};

	text(&c,
	    "# HELP vllm:num_requests_running Number of requests running.\n"
	    "# TYPE vllm:num_requests_running gauge\n"
	    "vllm:num_requests_running{model_name=\"llama\"} 12.0\n"
	    "# just a comment\n"
	    "#\n"
	    "# HELPER is a comment, not HELP\n"
	    "untyped_thing 3\n"
	    "_underscore 1\n"
	    "# TYPE c untyped\n"
	    "c 4\n");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.r[0].name, "vllm:num_requests_running");
	assert_string_equal(c.r[0].labels, "{model_name=\"llama\"}");
	assert_true(c.r[0].value == 12.0);
	assert_int_equal(c.r[0].type, EXPO_GAUGE);
	assert_string_equal(c.r[0].family, "vllm:num_requests_running");
	assert_string_equal(c.r[0].help, "Number of requests running.");
	assert_null(c.r[0].unit);
	assert_int_equal(c.r[0].has_ts, 0);
	assert_string_equal(c.r[1].name, "untyped_thing");
	assert_string_equal(c.r[1].labels, "");
	assert_int_equal(c.r[1].labels_len, 0);
	assert_int_equal(c.r[1].type, EXPO_UNTYPED);
	assert_string_equal(c.r[1].family, "untyped_thing");
	assert_null(c.r[1].help);
	assert_string_equal(c.r[2].name, "_underscore");
	assert_int_equal(c.r[3].type, EXPO_UNTYPED);
	coll_free(&c);
}

static void
test_text_whitespace(void **state)
{
	struct coll c = {0};
	size_t i;

	text(&c,
	    "a{x=\"1\",y=\"2\"} 1\n"
	    "  \ta{x=\"1\",y=\"2\"}\t2  \n"
	    "a {x=\"1\",y=\"2\"} 3\n"
	    "a{ x=\"1\", y=\"2\" } 4\n"
	    "a { x = \"1\" , y = \"2\" , } 5\n"
	    "a{x=\"1\",y=\"2\"}6\n"
	    "a{x=\"1\",y=\"2\"} 7 \t 1000 \t\n"
	    "\n"
	    "   \t \n"
	    "  # TYPE b counter\n"
	    "b\t8\n"
	    "#\tTYPE  g \t gauge \n"
	    "g 9\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 9);
	for (i = 0; i < 7; i++) {
		assert_string_equal(c.r[i].name, "a");
		assert_string_equal(c.r[i].labels, "{x=\"1\",y=\"2\"}");
		assert_true(c.r[i].value == (double)(i + 1));
	}
	assert_int_equal(c.r[6].has_ts, 1);
	assert_true(c.r[6].ts_ms == 1000);
	assert_int_equal(c.r[7].type, EXPO_COUNTER);
	assert_int_equal(c.r[8].type, EXPO_GAUGE);

	/* Between label pairs a comma is still required. */
	assert_true(bad1(T, "a{x=\"1\" y=\"2\"} 1"));
	/* OpenMetrics takes none of this. */
	assert_true(bad1(OM, "a{ x=\"1\"} 1"));
	assert_true(bad1(OM, "a {x=\"1\"} 1"));
	assert_true(bad1(OM, "a{x=\"1\" } 1"));
	assert_true(bad1(OM, "a{x=\"1\"}1"));
	assert_true(bad1(OM, "a  1"));
	assert_true(bad1(OM, "a\t1"));
	assert_true(bad1(OM, "a 1\t2"));
	assert_true(bad1(OM, "a 1 "));
	assert_true(bad1(OM, "a 1 2 "));
	assert_true(bad1(OM, " a 1"));
	assert_true(ok1(OM, "a{x=\"1\"} 1"));
	coll_free(&c);
}

static void
test_label_escapes(void **state)
{
	struct coll c = {0};
	char out[64];
	size_t vl;

	text(&c,
	    "m{a=\"back\\\\slash\",b=\"q\\\"uote\",c=\"new\\nline\"} 1\n"
	    "m{a=\"C:\\models\\x\",b=\"tab\\t\"} 2\n"
	    "m{a=\"}\",b=\",\",c=\"=\",d=\"#\",e=\"{x=\\\"y\\\"}\"} 3\n"
	    "m{a=\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x9a\x80\"} 4\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 4);
	/* Known escapes stay as they are in canonical form. */
	assert_string_equal(c.r[0].labels,
	    "{a=\"back\\\\slash\",b=\"q\\\"uote\",c=\"new\\nline\"}");
	assert_int_equal(expo_label_get(c.r[0].labels, c.r[0].labels_len, "a",
	    out, sizeof out, &vl), 1);
	assert_string_equal(out, "back\\slash");
	assert_int_equal(vl, 10);
	assert_int_equal(expo_label_get(c.r[0].labels, c.r[0].labels_len, "b",
	    out, sizeof out, &vl), 1);
	assert_string_equal(out, "q\"uote");
	assert_int_equal(expo_label_get(c.r[0].labels, c.r[0].labels_len, "c",
	    out, sizeof out, &vl), 1);
	assert_string_equal(out, "new\nline");
	/* Other backslashes are literal, as in Prometheus, so the canonical
	 * form escapes them. */
	assert_string_equal(c.r[1].labels,
	    "{a=\"C:\\\\models\\\\x\",b=\"tab\\\\t\"}");
	assert_int_equal(expo_label_get(c.r[1].labels, c.r[1].labels_len, "a",
	    out, sizeof out, &vl), 1);
	assert_string_equal(out, "C:\\models\\x");
	assert_int_equal(expo_label_get(c.r[1].labels, c.r[1].labels_len, "b",
	    out, sizeof out, &vl), 1);
	assert_string_equal(out, "tab\\t");
	/* Structural characters inside values. */
	assert_string_equal(c.r[2].labels,
	    "{a=\"}\",b=\",\",c=\"=\",d=\"#\",e=\"{x=\\\"y\\\"}\"}");
	assert_int_equal(expo_label_get(c.r[2].labels, c.r[2].labels_len, "e",
	    out, sizeof out, &vl), 1);
	assert_string_equal(out, "{x=\"y\"}");
	assert_int_equal(expo_label_get(c.r[2].labels, c.r[2].labels_len, "d",
	    out, sizeof out, &vl), 1);
	assert_string_equal(out, "#");
	assert_string_equal(c.r[3].labels,
	    "{a=\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x9a\x80\"}");

	/* The same in OpenMetrics. */
	om(&c, "m{a=\"C:\\x\",b=\"}\"} 1\n# EOF\n");
	assert_int_equal(c.nerr, 0);
	assert_string_equal(c.r[0].labels, "{a=\"C:\\\\x\",b=\"}\"}");

	/* Invalid UTF-8, overlong forms and surrogates are rejected. */
	assert_true(bad1(T, "m{a=\"\xff\"} 1"));
	assert_true(bad1(T, "m{a=\"\xc0\xaf\"} 1"));
	assert_true(bad1(T, "m{a=\"\xed\xa0\x80\"} 1"));
	assert_true(bad1(T, "m{a=\"\xf4\x90\x80\x80\"} 1"));
	assert_true(bad1(T, "m{a=\"\xe2\x82\"} 1"));
	assert_true(bad1(OM, "m{a=\"\xc3\"} 1"));
	coll_free(&c);
}

static void
test_nul_bytes(void **state)
{
	static const char page[] =
	    "# HELP m foo\0bar\n"
	    "m{a=\"abc\0\",b=\"\0x\"} 1\n"
	    "m\0{a=\"b\"} 2\n"
	    "m{a\0=\"b\"} 3\n"
	    "m{a=\0\"b\"} 4\n"
	    "m 5\0\n"
	    "m 0 1\0\n";
	struct coll c = {0};
	char out[8];
	size_t vl;

	parse_n(&c, T, page, sizeof page - 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.nerr, 5);
	assert_int_equal(c.err_line[0], 3);
	assert_int_equal(c.err_line[4], 7);
	assert_int_equal(c.r[0].help_len, 7);
	assert_memory_equal(c.r[0].help, "foo\0bar", 7);
	assert_int_equal(c.r[0].labels_len, 17);
	assert_memory_equal(c.r[0].labels, "{a=\"abc\0\",b=\"\0x\"}", 17);
	assert_int_equal(expo_label_get(c.r[0].labels, c.r[0].labels_len, "a",
	    out, sizeof out, &vl), 1);
	assert_int_equal(vl, 4);
	assert_memory_equal(out, "abc\0", 5);
	assert_int_equal(expo_label_get(c.r[0].labels, c.r[0].labels_len, "b",
	    out, sizeof out, &vl), 1);
	assert_int_equal(vl, 2);
	assert_memory_equal(out, "\0x", 3);

	parse_n(&c, OM, "a{b=\"\0\"} 1\n# EOF", 16);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.r[0].labels_len, 7);
	coll_free(&c);
}

static void
test_label_sets(void **state)
{
	struct coll c = {0};

	text(&c,
	    "a{x=\"1\",} 1\n"
	    "a{} 2\n"
	    "a { } 3\n"
	    "a{x=\"\"} 4\n"
	    "a{_x=\"1\",x9=\"2\",X_Y=\"3\"} 5\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.r[0].labels, "{x=\"1\"}");
	assert_int_equal(c.r[1].labels_len, 0);
	assert_string_equal(c.r[1].labels, "");
	assert_int_equal(c.r[2].labels_len, 0);
	assert_string_equal(c.r[3].labels, "{x=\"\"}");
	assert_string_equal(c.r[4].labels, "{_x=\"1\",x9=\"2\",X_Y=\"3\"}");

	/* Prometheus accepts the trailing comma in OpenMetrics too. */
	om(&c, "a{x=\"1\",} 1\na{} 2\n# EOF\n");
	assert_int_equal(c.nerr, 0);
	assert_string_equal(c.r[0].labels, "{x=\"1\"}");
	assert_string_equal(c.r[1].labels, "");

	assert_true(bad1(T, "a{x=\"1\",x=\"2\"} 1"));
	assert_true(bad1(OM, "a{x=\"1\",y=\"2\",x=\"3\"} 1"));
	assert_true(bad1(T, "a{,x=\"1\"} 1"));
	assert_true(bad1(T, "a{x=\"1\",,y=\"2\"} 1"));
	assert_true(bad1(T, "a{x=\"1\"y=\"2\"} 1"));
	assert_true(bad1(T, "a{x='1'} 1"));
	assert_true(bad1(T, "a{x=1} 1"));
	assert_true(bad1(T, "a{x} 1"));
	assert_true(bad1(T, "a{=\"1\"} 1"));
	assert_true(bad1(T, "a{1x=\"1\"} 1"));
	assert_true(bad1(T, "a{x-y=\"1\"} 1"));
	assert_true(bad1(T, "a{x:y=\"1\"} 1"));
	assert_true(bad1(T, "a{x=\"1\" 1"));
	assert_true(bad1(T, "a{x=\"1"));
	assert_true(bad1(T, "a{x=\"1\\\"} 1"));
	assert_true(bad1(T, "a{x="));
	assert_true(bad1(T, "a{__name__=\"b\"} 1"));
	assert_true(bad1(T, "{x=\"1\"} 1"));
	assert_true(bad1(OM, "{x=\"1\",} 1"));
	assert_true(bad1(T, "a{\"x.y\"=\"1\"} 1"));
	coll_free(&c);
}

/* Duplicates among many labels go through the sorting check. */
static void
test_many_labels(void **state)
{
	struct buf b = {0};
	struct coll c = {0};
	int i;

	buf_adds(&b, "m{");
	for (i = 0; i < 300; i++)
		buf_printf(&b, "l%d=\"%d\",", i, i);
	buf_adds(&b, "} 1\nm{");
	for (i = 0; i < 300; i++)
		buf_printf(&b, "l%d=\"%d\",", i, i);
	buf_adds(&b, "l150=\"dup\"} 2\n");
	text(&c, b.data);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.nerr, 1);
	assert_int_equal(c.err_line[0], 2);
	assert_string_equal(c.err_msg[0], "duplicate label name \"l150\"");
	coll_free(&c);
	buf_free(&b);
}

static void
test_metric_names(void **state)
{
	assert_true(ok1(T, "vllm:num_requests_running 1"));
	assert_true(ok1(OM, "vllm:num_requests_running 1"));
	assert_true(ok1(T, ":a 1"));
	assert_true(ok1(T, "_a9 1"));
	assert_true(ok1(T, "Requests2XX{Level=\"Host\",} 1"));
	assert_true(bad1(T, "9abc 1"));
	assert_true(bad1(T, "a-b 1"));
	assert_true(bad1(T, "a.b 1"));
	assert_true(bad1(T, "a"));
	assert_true(bad1(T, "a{b=\"c\"}"));
	assert_true(bad1(OM, "a"));
	assert_true(bad1(T, "\xc3\xa9t\xc3\xa9 1"));
	assert_true(bad1(T, "\"quoted\" 1"));
}

static void
test_values_in_lines(void **state)
{
	struct coll c = {0};

	text(&c, "a NaN\na +Inf\na -Inf\na 1e3\na -0\na .5\na Inf\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 7);
	assert_true(isnan(c.r[0].value));
	assert_true(isinf(c.r[1].value) && c.r[1].value > 0);
	assert_true(isinf(c.r[2].value) && c.r[2].value < 0);
	assert_true(c.r[3].value == 1000);
	assert_true(c.r[4].value == 0 && signbit(c.r[4].value));
	assert_true(c.r[5].value == 0.5);
	assert_true(isinf(c.r[6].value) && c.r[6].value > 0);
	assert_true(bad1(T, "a 1_000"));
	assert_true(bad1(T, "a 0x1p-3"));
	assert_true(bad1(T, "a true"));
	assert_true(bad1(T, "a 1,5"));
	assert_true(bad1(T, "a infinity"));
	assert_true(bad1(OM, "a 1_000"));
	assert_true(bad1(OM, "a 0x1P-3"));
	coll_free(&c);
}

static void
test_text_timestamps(void **state)
{
	struct coll c = {0};

	text(&c, "a 1 1714550400123\na 2 -5\na 3 +7\na 4 0\n"
	    "a 5 9223372036854775807\na 6 -9223372036854775808\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 6);
	assert_true(c.r[0].has_ts && c.r[0].ts_ms == INT64_C(1714550400123));
	assert_true(c.r[1].ts_ms == -5);
	assert_true(c.r[2].ts_ms == 7);
	assert_true(c.r[3].has_ts && c.r[3].ts_ms == 0);
	assert_true(c.r[4].ts_ms == INT64_MAX);
	assert_true(c.r[5].ts_ms == INT64_MIN);
	assert_true(bad1(T, "a 1 1.5"));
	assert_true(bad1(T, "a 1 1e3"));
	assert_true(bad1(T, "a 1 9223372036854775808"));
	assert_true(bad1(T, "a 1 NaN"));
	assert_true(bad1(T, "a 1 2 3"));
	assert_true(bad1(T, "a 1 1_2"));
	assert_true(bad1(T, "a 1 -"));
	coll_free(&c);
}

static void
test_help_type(void **state)
{
	struct coll c = {0};

	text(&c,
	    "# HELP a Line one\\nline two \\\\ and \\\" and \\x.\n"
	    "# TYPE a counter\n"
	    "a 1\n"
	    "# HELP b\n"
	    "# TYPE b gauge\n"
	    "b 2\n"
	    "# HELP   d   spaced help  \n"
	    "d 3\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.r[0].help,
	    "Line one\nline two \\ and \\\" and \\x.");
	assert_int_equal(c.r[0].type, EXPO_COUNTER);
	assert_non_null(c.r[1].help);
	assert_int_equal(c.r[1].help_len, 0);
	assert_string_equal(c.r[2].help, "spaced help  ");

	/* OpenMetrics also unescapes \". */
	om(&c, "# HELP a q\\\"q \\\\ \\n \\x\n# TYPE a gauge\n"
	    "# UNIT a_seconds seconds\na 1\n# HELP a_seconds x\n"
	    "a_seconds 2\n# EOF\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.r[0].help, "q\"q \\ \n \\x");
	assert_null(c.r[0].unit);
	assert_string_equal(c.r[1].unit, "seconds");
	assert_string_equal(c.r[1].help, "x");
	assert_int_equal(c.r[1].type, EXPO_UNTYPED);

	/* Text format metadata errors. */
	assert_true(bad1(T, "# TYPE a gaugehistogram"));
	assert_true(bad1(T, "# TYPE a unknown"));
	assert_true(bad1(T, "# TYPE a"));
	assert_true(bad1(T, "# TYPE a counter extra"));
	assert_true(bad1(T, "# TYPE #"));
	assert_true(bad1(T, "# HELP #"));
	assert_true(bad1(T, "# HELP 9a text"));
	assert_true(bad1(T, "# TYPE a-b counter"));
	assert_true(ok1(T, "# HELP\nx 1"));
	assert_true(ok1(T, "# UNIT is a comment in 0.0.4\nx 1"));

	/* OpenMetrics metadata errors. */
	assert_true(bad1(OM, "# TYPE a untyped"));
	assert_true(bad1(OM, "# TYPE a counter "));
	assert_true(bad1(OM, "# TYPE a  counter"));
	assert_true(bad1(OM, "# TYPE a"));
	assert_true(bad1(OM, "# TYPE "));
	assert_true(bad1(OM, "#  TYPE a counter"));
	assert_true(bad1(OM, "#\tTYPE a counter"));
	assert_true(bad1(OM, "# HELP a"));
	assert_true(bad1(OM, "# UNIT a"));
	assert_true(bad1(OM, "# UNIT metric suffix"));
	assert_true(bad1(OM, "# UNIT metricsuffix suffix"));
	assert_true(bad1(OM, "# UNIT m_x-y x-y"));
	assert_true(bad1(OM, "# a comment"));
	assert_true(bad1(OM, "#"));
	assert_true(bad1(OM, "# H"));
	coll_free(&c);
}

static void
test_type_after_samples(void **state)
{
	struct coll c = {0};

	/* Tolerated in 0.0.4: later samples take the type. */
	text(&c, "a 1\n# TYPE a counter\na 2\n# HELP a late\na 3\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.r[0].type, EXPO_UNTYPED);
	assert_int_equal(c.r[1].type, EXPO_COUNTER);
	assert_string_equal(c.r[2].help, "late");

	/* An error in OpenMetrics; the samples still come through. */
	om(&c, "a 1\n# TYPE a gauge\na 2\n# EOF\n");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.nerr, 1);
	assert_int_equal(c.err_line[0], 2);
	assert_string_equal(c.err_msg[0], "# TYPE for \"a\" after its samples");
	assert_int_equal(c.r[1].type, EXPO_UNTYPED);

	om(&c, "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n"
	    "# HELP h late\n# EOF\n");
	assert_int_equal(c.nerr, 1);
	assert_int_equal(c.err_line[0], 3);

	om(&c, "# TYPE a gauge\n# TYPE a counter\na 1\n# EOF\n");
	assert_int_equal(c.nerr, 1);
	assert_string_equal(c.err_msg[0], "second # TYPE for \"a\"");
	assert_int_equal(c.r[0].type, EXPO_GAUGE);
	coll_free(&c);
}

static void
test_histogram_summary(void **state)
{
	struct coll c = {0};
	struct buf b = {0};
	char out[16];
	size_t i;

	text(&c,
	    "# HELP lat Latency.\n"
	    "# TYPE lat histogram\n"
	    "lat_bucket{model_name=\"m\",le=\"0.1\"} 1\n"
	    "lat_bucket{model_name=\"m\",le=\"1.0\"} 5\n"
	    "lat_bucket{model_name=\"m\",le=\"+Inf\"} 7\n"
	    "lat_sum{model_name=\"m\"} 3.5\n"
	    "lat_count{model_name=\"m\"} 7\n"
	    "# TYPE lat_created gauge\n"
	    "lat_created{model_name=\"m\"} 1.7e9\n"
	    "# TYPE rpc summary\n"
	    "rpc{quantile=\"0.5\"} 0.2\n"
	    "rpc{quantile=\"0.99\"} 0.9\n"
	    "rpc_sum 10\n"
	    "rpc_count 40\n"
	    "rpc_bucket 1\n"
	    "# TYPE reqs_total counter\n"
	    "reqs_total 5\n"
	    "# TYPE tok counter\n"
	    "tok_total 6\n"
	    "# TYPE g gauge\n"
	    "g_count 1\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 14);
	for (i = 0; i < 5; i++) {
		assert_string_equal(c.r[i].family, "lat");
		assert_int_equal(c.r[i].type, EXPO_HISTOGRAM);
		assert_string_equal(c.r[i].help, "Latency.");
	}
	assert_string_equal(c.r[0].name, "lat_bucket");
	assert_int_equal(expo_label_get(c.r[2].labels, c.r[2].labels_len, "le",
	    out, sizeof out, NULL), 1);
	assert_string_equal(out, "+Inf");
	expo_labels_without(c.r[2].labels, c.r[2].labels_len, "le", &b);
	assert_string_equal(b.data, "{model_name=\"m\"}");
	assert_string_equal(c.r[5].family, "lat_created");
	assert_int_equal(c.r[5].type, EXPO_GAUGE);
	for (i = 6; i < 10; i++) {
		assert_string_equal(c.r[i].family, "rpc");
		assert_int_equal(c.r[i].type, EXPO_SUMMARY);
	}
	assert_int_equal(expo_label_get(c.r[7].labels, c.r[7].labels_len,
	    "quantile", out, sizeof out, NULL), 1);
	assert_string_equal(out, "0.99");
	/* No _bucket in a summary: its own untyped family. */
	assert_string_equal(c.r[10].family, "rpc_bucket");
	assert_int_equal(c.r[10].type, EXPO_UNTYPED);
	assert_string_equal(c.r[11].family, "reqs_total");
	assert_int_equal(c.r[11].type, EXPO_COUNTER);
	assert_string_equal(c.r[12].family, "tok");
	assert_int_equal(c.r[12].type, EXPO_COUNTER);
	assert_string_equal(c.r[13].family, "g_count");
	assert_int_equal(c.r[13].type, EXPO_UNTYPED);

	om(&c,
	    "# TYPE foo counter\n"
	    "# UNIT foo seconds\n"
	    "foo_total 17.0 1520879607.789 # {id=\"counter-test\"} 5\n"
	    "foo_created 1520872607.123\n"
	    "# TYPE foo_seconds counter\n"
	    "# UNIT foo_seconds seconds\n"
	    "foo_seconds_total 1\n"
	    "# TYPE h histogram\n"
	    "h_bucket{le=\"0.0\"} 0\n"
	    "h_bucket{le=\"+Inf\"} 17\n"
	    "h_count 17\n"
	    "h_sum 324789.3\n"
	    "h_created 1520872609.125\n"
	    "# TYPE gh gaugehistogram\n"
	    "gh_bucket{le=\"+Inf\"} 1\n"
	    "gh_gcount 1\n"
	    "gh_gsum 2\n"
	    "# TYPE ii info\n"
	    "ii_info{foo=\"bar\"} 1\n"
	    "# TYPE ss stateset\n"
	    "ss{ss=\"foo\"} 1\n"
	    "ss{ss=\"bar\"} 0\n"
	    "# TYPE fizz_created gauge\n"
	    "fizz_created 17.0\n"
	    "# TYPE un unknown\n"
	    "un 1\n"
	    "# EOF\n");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.nerr, 1);	/* the UNIT of foo does not fit foo */
	assert_int_equal(c.err_line[0], 2);
	assert_int_equal(c.n, 16);
	assert_string_equal(c.r[0].name, "foo_total");
	assert_string_equal(c.r[0].family, "foo");
	assert_int_equal(c.r[0].type, EXPO_COUNTER);
	assert_true(c.r[0].has_ts && c.r[0].ts_ms == INT64_C(1520879607789));
	assert_true(c.r[0].value == 17.0);
	assert_string_equal(c.r[1].family, "foo");
	assert_true(c.r[1].value == 1520872607.123);
	assert_string_equal(c.r[2].family, "foo_seconds");
	assert_string_equal(c.r[2].unit, "seconds");
	for (i = 3; i < 8; i++) {
		assert_string_equal(c.r[i].family, "h");
		assert_int_equal(c.r[i].type, EXPO_HISTOGRAM);
	}
	for (i = 8; i < 11; i++) {
		assert_string_equal(c.r[i].family, "gh");
		assert_int_equal(c.r[i].type, EXPO_GAUGE_HISTOGRAM);
	}
	assert_string_equal(c.r[11].family, "ii");
	assert_int_equal(c.r[11].type, EXPO_INFO);
	assert_int_equal(c.r[12].type, EXPO_STATESET);
	assert_string_equal(c.r[12].family, "ss");
	assert_string_equal(c.r[14].family, "fizz_created");
	assert_int_equal(c.r[14].type, EXPO_GAUGE);
	assert_int_equal(c.r[15].type, EXPO_UNTYPED);
	coll_free(&c);
	buf_free(&b);
}

/* ------------------------------------------------------------- OpenMetrics */

static void
test_om_eof(void **state)
{
	struct coll c = {0};

	om(&c, "a 1\n# EOF\n");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.res.eof_seen, 1);
	om(&c, "a 1\n# EOF");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.nerr, 0);
	om(&c, "# EOF\n");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 0);

	om(&c, "a 1\nb 2\n");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.res.eof_seen, 0);
	assert_int_equal(c.nerr, 1);
	assert_int_equal(c.err_line[0], 3);
	om(&c, "");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.err_line[0], 1);

	om(&c, "a 1\n# EOF\nb 2\nc 3\n");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.nerr, 1);
	assert_int_equal(c.err_line[0], 3);
	assert_int_equal(c.res.eof_seen, 1);
	om(&c, "# EOF\n\n");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.err_line[0], 2);
	om(&c, "# EOFa 1\n");
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.nerr, 2);

	/* Blank lines are errors in OpenMetrics, not in text. */
	om(&c, "a 1\n\nb 2\n# EOF\n");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.nerr, 1);
	assert_int_equal(c.err_line[0], 2);
	/* Text ignores "# EOF" as a comment. */
	text(&c, "a 1\n# EOF\nb 2\n");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.res.eof_seen, 0);
	coll_free(&c);
}

static void
test_om_timestamps_exemplars(void **state)
{
	struct coll c = {0};

	om(&c,
	    "a 1 123.123\n"
	    "a 2 1714550400\n"
	    "a 3 -1.5\n"
	    "a 4 1.5e3\n"
	    "# TYPE h histogram\n"
	    "h_bucket{le=\"+Inf\"} 1 # {trace_id=\"abc\",span=\"x\"} 4\n"
	    "h_count 1 # {} 4 123.5\n"
	    "h_sum 1 1714550400.5 # {id=\"x\"} 0.5 1714550400.25\n"
	    "# EOF\n");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 7);
	assert_true(c.r[0].has_ts && c.r[0].ts_ms == 123123);
	assert_true(c.r[1].ts_ms == INT64_C(1714550400000));
	assert_true(c.r[2].ts_ms == -1500);
	assert_true(c.r[3].ts_ms == 1500000);
	assert_int_equal(c.r[4].has_ts, 0);
	assert_true(c.r[4].value == 1);
	assert_string_equal(c.r[4].labels, "{le=\"+Inf\"}");
	assert_int_equal(c.r[5].has_ts, 0);
	assert_true(c.r[6].has_ts && c.r[6].ts_ms == INT64_C(1714550400500));

	assert_true(bad1(OM, "a 1 NaN"));
	assert_true(bad1(OM, "a 1 Inf"));
	assert_true(bad1(OM, "a 1 -Inf"));
	assert_true(bad1(OM, "a 1 1z"));
	assert_true(bad1(OM, "a 1 1 1"));
	assert_true(bad1(OM, "a 1 2 #"));
	assert_true(bad1(OM, "a 1 1e30"));
	assert_true(bad1(OM, "a_total 1 # {aa=bb}"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"bb\"}"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"bb\"} "));
	assert_true(bad1(OM, "a_total 1 # {bb}"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"bb\",,cc=\"dd\"} 1"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"bb\"} 1_2"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"bb\"} 0x1p-3"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"bb\"} true"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"bb\"} 1 NaN"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"bb\"} 1 -Inf"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"bb\"} 1 2 3"));
	assert_true(bad1(OM, "a_total 1 #{aa=\"bb\"} 1"));
	assert_true(bad1(OM, "a_total 1 # {aa=\"\xff\"} 1"));
	/* Text has no exemplars. */
	assert_true(bad1(T, "a_total 1 # {aa=\"bb\"} 1"));
	coll_free(&c);
}

/* ------------------------------------------------------------ robustness */

static void
test_line_endings(void **state)
{
	struct coll c = {0};

	text(&c, "# TYPE a gauge\r\na{x=\"1\"} 1\r\n\r\nb 2 1000\r\nc 3");
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.r[0].labels, "{x=\"1\"}");
	assert_int_equal(c.r[0].type, EXPO_GAUGE);
	assert_true(c.r[1].ts_ms == 1000);
	assert_true(c.r[2].value == 3);

	om(&c, "# TYPE a gauge\r\na 1 5\r\n# EOF\r\n");
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 1);
	assert_true(c.r[0].ts_ms == 5000);
	coll_free(&c);
}

static void
test_errors_reported(void **state)
{
	struct expo_result res;
	struct coll c = {0};
	const char *page = "a 1\nb{ 2\nc 3\nd x\ne 5\n";

	text(&c, page);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.r[0].name, "a");
	assert_string_equal(c.r[1].name, "c");
	assert_string_equal(c.r[2].name, "e");
	assert_int_equal(c.nerr, 2);
	assert_int_equal(c.err_line[0], 2);
	assert_int_equal(c.err_line[1], 4);
	assert_string_equal(c.err_msg[1], "invalid value \"x\" for \"d\"");
	assert_int_equal(c.res.first_error_line, 2);

	/* No callbacks at all, and no result. */
	assert_int_equal(expo_parse(page, strlen(page), T, NULL, NULL, NULL,
	    &res), 0);
	assert_int_equal(res.samples, 3);
	assert_int_equal(res.errors, 2);
	assert_int_equal(res.first_error_line, 2);
	assert_int_equal(expo_parse(page, strlen(page), T, NULL, NULL, NULL,
	    NULL), 0);
	assert_int_equal(expo_parse(NULL, 0, T, NULL, NULL, NULL, &res), 0);
	assert_int_equal(res.samples, 0);

	/* A long message is cut to fit first_error. */
	text(&c, "a{x=\"1\"} 1 2 "
	    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n");
	assert_int_equal(c.nerr, 1);
	assert_true(strlen(c.res.first_error) < sizeof c.res.first_error);
	coll_free(&c);
}

static void
test_long_line(void **state)
{
	struct buf b = {0};
	struct coll c = {0};
	char out[8];
	size_t vl, n = 4 << 20;

	buf_adds(&b, "big{v=\"");
	buf_reserve(&b, n);
	memset(b.data + b.len, 'x', n);
	b.len += n;
	buf_adds(&b, "\\\\\",w=\"1\"} 42\n");
	text(&c, b.data);
	assert_int_equal(c.nerr, 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.r[0].labels_len, n + 14);
	assert_true(c.r[0].value == 42);
	assert_int_equal(expo_label_get(c.r[0].labels, c.r[0].labels_len, "v",
	    out, sizeof out, &vl), 1);
	assert_int_equal(vl, n + 1);
	assert_string_equal(out, "xxxxxxx");
	assert_int_equal(expo_label_get(c.r[0].labels, c.r[0].labels_len, "w",
	    out, sizeof out, &vl), 1);
	assert_string_equal(out, "1");
	coll_free(&c);
	buf_free(&b);
}

static size_t big_count;
static double big_sum;

static void
count_sample(void *ctx, const struct expo_sample *s)
{
	big_count++;
	big_sum += s->value;
}

static void
test_big_page(void **state)
{
	struct expo_result res;
	struct buf b = {0};
	size_t want = 0, i;
	double sum = 0;

	buf_adds(&b, "# HELP vllm:e2e_request_latency_seconds Latency.\n"
	    "# TYPE vllm:e2e_request_latency_seconds histogram\n");
	for (i = 0; b.len < (8u << 20); i++) {
		buf_printf(&b, "vllm:e2e_request_latency_seconds_bucket"
		    "{model_name=\"model-%zu\",le=\"%zu.0\"} %zu\n", i % 97,
		    i % 13, i);
		sum += (double)i;
		want++;
	}
	big_count = 0;
	big_sum = 0;
	assert_int_equal(expo_parse(b.data, b.len, T, count_sample, NULL, NULL,
	    &res), 0);
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.samples, want);
	assert_int_equal(big_count, want);
	assert_true(big_sum == sum);
	buf_free(&b);
}

/* ------------------------------------------------------ canonical helpers */

static void
test_label_get(void **state)
{
	const char *l = "{a=\"1\",le=\"+Inf\",q=\"x\\\"y\\\\z\\nw\"}";
	char out[8];
	size_t vl;

	assert_int_equal(expo_label_get(l, strlen(l), "le", out, sizeof out,
	    &vl), 1);
	assert_string_equal(out, "+Inf");
	assert_int_equal(vl, 4);
	assert_int_equal(expo_label_get(l, strlen(l), "q", out, sizeof out,
	    &vl), 1);
	assert_string_equal(out, "x\"y\\z\nw");
	assert_int_equal(vl, 7);
	assert_int_equal(expo_label_get(l, strlen(l), "q", out, 4, &vl), 1);
	assert_string_equal(out, "x\"y");
	assert_int_equal(vl, 7);
	assert_int_equal(expo_label_get(l, strlen(l), "q", NULL, 0, &vl), 1);
	assert_int_equal(vl, 7);
	assert_int_equal(expo_label_get(l, strlen(l), "l", out, sizeof out,
	    &vl), 0);
	assert_string_equal(out, "");
	assert_int_equal(expo_label_get(l, strlen(l), "", out, sizeof out,
	    NULL), 0);
	assert_int_equal(expo_label_get("", 0, "a", out, sizeof out, NULL), 0);
	assert_int_equal(expo_label_get("{a=\"1\"", 6, "a", out, sizeof out,
	    NULL), 0);
	assert_int_equal(expo_label_get("{a=1}", 5, "a", out, sizeof out,
	    NULL), 0);
	assert_int_equal(expo_label_get("{a=\"1\"x", 7, "a", out, sizeof out,
	    NULL), 0);
}

static void
test_labels_without(void **state)
{
	const char *l = "{model_name=\"m\",le=\"0.5\",x=\"a,b\"}";
	struct buf b = {0};

	expo_labels_without(l, strlen(l), "le", &b);
	assert_string_equal(b.data, "{model_name=\"m\",x=\"a,b\"}");
	expo_labels_without(l, strlen(l), "model_name", &b);
	assert_string_equal(b.data, "{le=\"0.5\",x=\"a,b\"}");
	expo_labels_without(l, strlen(l), "x", &b);
	assert_string_equal(b.data, "{model_name=\"m\",le=\"0.5\"}");
	expo_labels_without(l, strlen(l), "nope", &b);
	assert_string_equal(b.data, l);
	expo_labels_without("{le=\"+Inf\"}", 11, "le", &b);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	expo_labels_without("", 0, "le", &b);
	assert_int_equal(b.len, 0);
	expo_labels_without("{a=\"1\"", 6, "le", &b);
	assert_string_equal(b.data, "{a=\"1\"");
	expo_labels_without("{a=\"\\\"}\",le=\"1\"}", 16, "le", &b);
	assert_string_equal(b.data, "{a=\"\\\"}\"}");
	buf_free(&b);
	assert_string_equal(expo_type_name(EXPO_GAUGE_HISTOGRAM),
	    "gaugehistogram");
	assert_string_equal(expo_type_name(EXPO_UNTYPED), "unknown");
}

/* -------------------------------------------------------------- the seeds */

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = {0};
	char tmp[4096];
	size_t n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static void
test_seeds(void **state)
{
	static const struct {
		const char	*file;
		size_t		 samples;
		size_t		 families;
	} seeds[] = {
		{ "openmetrics_features.om", 17, 6 },
		{ "prometheus_client_app.om", 17, 5 },
		{ "prometheus_client_app.prom", 17, 8 },
		{ "prometheus_client_default.prom", 16, 10 },
		{ "ray_serve.prom", 77, 13 },
		{ "torchserve.prom", 16, 13 },
		{ "triton.prom", 35, 20 },
		{ "vllm.prom", 99, 24 },
	};
	const char *root = getenv("MODELTOP_TEST_ROOT");
	struct coll c = {0};
	char path[4096];
	size_t i, j, found = 0;
	DIR *d;
	struct dirent *de;

	if (root == NULL)
		root = ".";
	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/expo", root);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL)
		found += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(found, ARRAY_LEN(seeds));

	for (i = 0; i < ARRAY_LEN(seeds); i++) {
		size_t len, fams = 0;
		char *page, *last = NULL;
		int is_om;

		snprintf(path, sizeof path, "%s/tests/fuzz/corpus/expo/%s",
		    root, seeds[i].file);
		page = read_file(path, &len);
		is_om = strstr(seeds[i].file, ".om") != NULL;
		parse_n(&c, is_om ? OM : T, page, len);
		if (c.nerr > 0)
			fail_msg("%s:%d: %s", seeds[i].file, c.err_line[0],
			    c.err_msg[0]);
		assert_int_equal(c.rc, 0);
		if (c.n != seeds[i].samples)
			fail_msg("%s: %zu samples", seeds[i].file, c.n);
		assert_int_equal(c.res.eof_seen, is_om);
		for (j = 0; j < c.n; j++) {
			if (last == NULL || strcmp(last, c.r[j].family) != 0)
				fams++;
			last = c.r[j].family;
			if (strcmp(seeds[i].file, "openmetrics_features.om") != 0)
				assert_non_null(c.r[j].help);
			assert_true(c.r[j].labels_len == 0 ||
			    (c.r[j].labels[0] == '{' && c.r[j].labels[
			    c.r[j].labels_len - 1] == '}' &&
			    strstr(c.r[j].labels, ",}") == NULL));
		}
		if (fams != seeds[i].families)
			fail_msg("%s: %zu families", seeds[i].file, fams);
		free(page);
	}
	coll_free(&c);
}

/* Details of the vLLM and TorchServe seeds, as the engine will see them. */
static void
test_seed_details(void **state)
{
	const char *root = getenv("MODELTOP_TEST_ROOT");
	struct coll c = {0};
	char path[4096], out[64];
	size_t len, i, buckets = 0;
	char *page;

	if (root == NULL)
		root = ".";
	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/expo/vllm.prom", root);
	page = read_file(path, &len);
	parse_n(&c, T, page, len);
	assert_string_equal(c.r[0].name, "vllm:num_requests_running");
	assert_string_equal(c.r[0].labels,
	    "{model_name=\"meta-llama/Llama-3.1-8B-Instruct\"}");
	assert_true(c.r[0].value == 12);
	for (i = 0; i < c.n; i++) {
		if (strcmp(c.r[i].name,
		    "vllm:time_to_first_token_seconds_bucket") != 0)
			continue;
		assert_string_equal(c.r[i].family,
		    "vllm:time_to_first_token_seconds");
		assert_int_equal(c.r[i].type, EXPO_HISTOGRAM);
		assert_int_equal(expo_label_get(c.r[i].labels,
		    c.r[i].labels_len, "le", out, sizeof out, NULL), 1);
		buckets++;
	}
	assert_int_equal(buckets, 17);
	assert_string_equal(out, "+Inf");
	free(page);

	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/expo/torchserve.prom",
	    root);
	page = read_file(path, &len);
	parse_n(&c, T, page, len);
	assert_string_equal(c.r[0].labels, "{uuid=\"3fa6ae62-8c2e-4a9f-9b0e-"
	    "5d1c7e2a4f10\",model_name=\"resnet-18\",model_version=\"default\"}");
	assert_int_equal(c.r[0].type, EXPO_COUNTER);
	assert_true(c.r[3].value == 2.2106401E7);
	free(page);
	coll_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_parse_value),
		cmocka_unit_test(test_value_rounding),
		cmocka_unit_test(test_value_locale),
		cmocka_unit_test(test_text_basic),
		cmocka_unit_test(test_text_whitespace),
		cmocka_unit_test(test_label_escapes),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_label_sets),
		cmocka_unit_test(test_many_labels),
		cmocka_unit_test(test_metric_names),
		cmocka_unit_test(test_values_in_lines),
		cmocka_unit_test(test_text_timestamps),
		cmocka_unit_test(test_help_type),
		cmocka_unit_test(test_type_after_samples),
		cmocka_unit_test(test_histogram_summary),
		cmocka_unit_test(test_om_eof),
		cmocka_unit_test(test_om_timestamps_exemplars),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_errors_reported),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_big_page),
		cmocka_unit_test(test_label_get),
		cmocka_unit_test(test_labels_without),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_seed_details),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

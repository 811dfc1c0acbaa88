/*
 * test_timeexpr.c -- every TIME form, good and bad, in several time zones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "timeexpr.h"

/* 2026-11-27T03:12:00Z */
#define T0	INT64_C(1795749120000)
/* 2026-11-27T10:00:00Z, a "now" well inside that day everywhere below */
#define NOW	INT64_C(1795773600000)

/* POSIX TZ strings, so the tests need no zoneinfo files. */
#define TZ_UTC		"UTC0"
#define TZ_BERLIN	"CET-1CEST,M3.5.0,M10.5.0/3"
#define TZ_NEWYORK	"EST5EDT,M3.2.0,M11.1.0"
#define TZ_KOLKATA	"IST-5:30"

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int64_t
parse_ok(const char *s, int64_t now)
{
	char err[256] = "";
	int64_t v = -42;
	int rc = timeexpr_parse(s, now, &v, err, sizeof err);

	if (rc != 0)
		print_error("timeexpr_parse(\"%s\") failed: %s\n", s, err);
	assert_int_equal(rc, 0);
	return v;
}

/* Expect an error whose message contains want; *out must stay put. */
static void
parse_bad(const char *s, const char *want)
{
	char err[256] = "";
	int64_t v = -42;

	assert_int_equal(timeexpr_parse(s, NOW, &v, err, sizeof err), -1);
	assert_int_equal(v, -42);
	if (strstr(err, want) == NULL)
		print_error("\"%s\": message \"%s\" lacks \"%s\"\n", s, err,
		    want);
	assert_non_null(strstr(err, want));
}

static void
test_rfc3339_utc(void **state)
{
	set_tz(TZ_BERLIN);	/* a zone in the text beats TZ */
	assert_int_equal(parse_ok("2026-11-27T03:12:00Z", NOW), T0);
	assert_int_equal(parse_ok("2026-11-27t03:12:00z", NOW), T0);
	assert_int_equal(parse_ok("2026-11-27 03:12:00Z", NOW), T0);
	assert_int_equal(parse_ok("  2026-11-27T03:12:00Z\n", NOW), T0);
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z", NOW), 0);
	assert_int_equal(parse_ok("2000-03-01T00:00:00Z", NOW),
	    INT64_C(951868800000));
	assert_int_equal(parse_ok("2024-02-29T12:00:00Z", NOW),
	    INT64_C(1709208000000));
	assert_int_equal(parse_ok("1969-12-31T23:59:59Z", NOW), -1000);
}

static void
test_rfc3339_offset(void **state)
{
	set_tz(TZ_UTC);
	assert_int_equal(parse_ok("2026-11-27T05:12:00+02:00", NOW), T0);
	assert_int_equal(parse_ok("2026-11-26T22:12:00-05:00", NOW), T0);
	assert_int_equal(parse_ok("2026-11-27T08:42:00+05:30", NOW), T0);
	assert_int_equal(parse_ok("2026-11-27T05:12:00+0200", NOW), T0);
	assert_int_equal(parse_ok("2026-11-27T03:12:00+00:00", NOW), T0);
	assert_int_equal(parse_ok("2026-11-27T03:12:00-00:00", NOW), T0);
}

static void
test_rfc3339_fraction(void **state)
{
	set_tz(TZ_UTC);
	assert_int_equal(parse_ok("2026-11-27T03:12:00.250Z", NOW), T0 + 250);
	assert_int_equal(parse_ok("2026-11-27T03:12:00.5Z", NOW), T0 + 500);
	assert_int_equal(parse_ok("2026-11-27T03:12:00.1239999Z", NOW),
	    T0 + 123);
	assert_int_equal(parse_ok("2026-11-27T05:12:01.007+02:00", NOW),
	    T0 + 1007);
	/* Leap second: one past :59, like the arithmetic says. */
	assert_int_equal(parse_ok("2026-11-27T03:11:60Z", NOW), T0);
}

static void
test_rfc3339_local(void **state)
{
	set_tz(TZ_BERLIN);	/* CET, UTC+1, in November */
	assert_int_equal(parse_ok("2026-11-27T04:12:00", NOW), T0);
	assert_int_equal(parse_ok("2026-11-27 04:12", NOW), T0);
	assert_int_equal(parse_ok("2026-11-27", NOW),
	    INT64_C(1795734000000));	/* 2026-11-26T23:00:00Z */
	/* CEST, UTC+2, in July */
	assert_int_equal(parse_ok("2026-07-01T12:00:00", NOW),
	    INT64_C(1782900000000));	/* 2026-07-01T10:00:00Z */
	set_tz(TZ_KOLKATA);
	assert_int_equal(parse_ok("2026-11-27T08:42:00.5", NOW), T0 + 500);
}

static void
test_clock_today(void **state)
{
	set_tz(TZ_UTC);
	assert_int_equal(parse_ok("03:12", NOW), T0);
	assert_int_equal(parse_ok("03:12:30", NOW), T0 + 30000);
	assert_int_equal(parse_ok("3:12", NOW), T0);
	assert_int_equal(parse_ok("03:12:30.5", NOW), T0 + 30500);
	assert_int_equal(parse_ok("00:00", NOW), INT64_C(1795737600000));
	assert_int_equal(parse_ok("23:59:59", NOW),
	    INT64_C(1795737600000) + 86399000);

	set_tz(TZ_BERLIN);
	assert_int_equal(parse_ok("04:12", NOW), T0);

	/* 03:00Z is still the 26th in New York: "today" is the local day. */
	set_tz(TZ_NEWYORK);
	assert_int_equal(parse_ok("23:30", T0 - 12 * 60000),
	    INT64_C(1795753800000));	/* 2026-11-27T04:30:00Z */
	assert_int_equal(parse_ok("22:12", NOW), T0 + 24 * 3600000);

	set_tz(TZ_KOLKATA);
	assert_int_equal(parse_ok("08:42", NOW), T0);
}

static void
test_unix_seconds(void **state)
{
	assert_int_equal(parse_ok("1795749120", NOW), T0);
	assert_int_equal(parse_ok("1795749120.5", NOW), T0 + 500);
	assert_int_equal(parse_ok("1795749120.123456", NOW), T0 + 123);
	assert_int_equal(parse_ok("0", NOW), 0);
	assert_int_equal(parse_ok(" 17 ", NOW), 17000);
}

static void
test_relative(void **state)
{
	assert_int_equal(parse_ok("now", NOW), NOW);
	assert_int_equal(parse_ok("NOW", NOW), NOW);
	assert_int_equal(parse_ok(" now ", NOW), NOW);
	assert_int_equal(parse_ok("-10m", NOW), NOW - 600000);
	assert_int_equal(parse_ok("-1h30m", NOW), NOW - 5400000);
	assert_int_equal(parse_ok("+5m", NOW), NOW + 300000);
	assert_int_equal(parse_ok("-500ms", NOW), NOW - 500);
	assert_int_equal(parse_ok("-2d", NOW), NOW - 2 * 86400000);
	assert_int_equal(parse_ok("-1.5h", NOW), NOW - 5400000);
	assert_int_equal(parse_ok("-30", NOW), NOW - 30000);
}

static void
test_bad(void **state)
{
	set_tz(TZ_UTC);
	parse_bad("25:00", "hour 25 out of range");
	parse_bad("12:60", "minute 60 out of range");
	parse_bad("12:00:61", "second 61 out of range");
	parse_bad("2026-13-01T00:00:00Z", "month 13 out of range");
	parse_bad("2026-00-01T00:00:00Z", "month 0 out of range");
	parse_bad("2026-02-29T00:00:00Z", "day 29 out of range");
	parse_bad("2026-04-31", "day 31 out of range");
	parse_bad("2026-11-27T24:00:00Z", "hour 24 out of range");
	parse_bad("2026-11-27T03:12:00+24:00", "zone offset out of range");
	parse_bad("2026-11-27T03:12:00+2", "zone offset like +02:00");
	parse_bad("2026-11-27T03", "HH:MM");
	parse_bad("2026-11-27T03:12:00Zjunk", "unexpected \"junk\"");
	parse_bad("2026-11-27X", "unexpected");
	parse_bad("2026-1-27", "RFC 3339");
	parse_bad("-", "duration after the sign");
	parse_bad("+", "duration after the sign");
	parse_bad("--5m", "duration after the sign");
	parse_bad("-5x", "duration after the sign");
	parse_bad("-5m-", "duration after the sign");
	parse_bad("", "empty time");
	parse_bad("   ", "empty time");
	parse_bad("abc", "expected RFC 3339");
	parse_bad("abc", "HH:MM[:SS]");
	parse_bad("abc", "unix seconds");
	parse_bad("abc", "-10m");
	parse_bad("1.2.3", "expected RFC 3339");
	parse_bad("12.", "expected RFC 3339");
	parse_bad("1e9", "expected RFC 3339");
	parse_bad("12:3", "expected RFC 3339");
	parse_bad("123:45", "expected RFC 3339");
	parse_bad("12:34:5", "expected RFC 3339");
	parse_bad("nowish", "expected RFC 3339");
	parse_bad("9999999999999999", "out of range");
}

static void
test_err_optional(void **state)
{
	int64_t v = 7;
	char small[8];

	assert_int_equal(timeexpr_parse("abc", NOW, &v, NULL, 0), -1);
	assert_int_equal(v, 7);
	/* A short buffer truncates and terminates. */
	assert_int_equal(timeexpr_parse("abc", NOW, &v, small, sizeof small),
	    -1);
	assert_int_equal(strlen(small), sizeof small - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339_utc),
		cmocka_unit_test(test_rfc3339_offset),
		cmocka_unit_test(test_rfc3339_fraction),
		cmocka_unit_test(test_rfc3339_local),
		cmocka_unit_test(test_clock_today),
		cmocka_unit_test(test_unix_seconds),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_err_optional),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

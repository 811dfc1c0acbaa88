/*
 * timeexpr.c -- parse the TIME argument: RFC 3339, HH:MM[:SS] today, unix
 * seconds, "now" and relative durations.
 */
#include "timeexpr.h"
#include "units.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define FORMS	"expected RFC 3339 (2026-11-27T03:12:00Z), HH:MM[:SS] " \
		"(today), unix seconds, now, or a relative time like -10m " \
		"or +1h30m"

/* The fields of one parsed time; zone is valid when has_zone. */
struct tparts {
	int	year, mon, day;
	int	hour, min, sec, ms;
	int	has_zone;
	int	zone_min;	/* offset east of UTC in minutes */
};

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at *sp into *out; advances.  -1 if fewer. */
static int
digits(const char **sp, int n, int *out)
{
	const char *s = *sp;
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	*sp = s + n;
	return 0;
}

/* ".123456" at *sp: milliseconds (further digits truncated); advances.
 * Nothing there is 0 ms.  -1 for a '.' without digits. */
static int
fraction_ms(const char **sp, int *ms)
{
	const char *s = *sp;
	int v = 0, i;

	*ms = 0;
	if (*s != '.' && *s != ',')
		return 0;
	s++;
	if (!is_digit(*s))
		return -1;
	for (i = 0; is_digit(*s); i++, s++) {
		if (i < 3)
			v = v * 10 + (*s - '0');
	}
	for (; i < 3; i++)
		v *= 10;
	*ms = v;
	*sp = s;
	return 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Range-check the clock fields; -1 with a message naming the field. */
static int
check_clock(const char *s, const struct tparts *t, char *err, size_t errlen)
{
	if (t->hour > 23)
		return fail(err, errlen, "bad time \"%s\": hour %d out of "
		    "range (0-23)", s, t->hour);
	if (t->min > 59)
		return fail(err, errlen, "bad time \"%s\": minute %d out of "
		    "range (0-59)", s, t->min);
	if (t->sec > 60)
		return fail(err, errlen, "bad time \"%s\": second %d out of "
		    "range (0-60)", s, t->sec);
	return 0;
}

/* Local wall-clock fields to ms since the epoch via mktime. */
static int
local_to_ms(const char *s, const struct tparts *t, int64_t *out, char *err,
    size_t errlen)
{
	struct tm tm;
	time_t tt;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = t->year - 1900;
	tm.tm_mon = t->mon - 1;
	tm.tm_mday = t->day;
	tm.tm_hour = t->hour;
	tm.tm_min = t->min;
	tm.tm_sec = t->sec;
	tm.tm_isdst = -1;
	tm.tm_wday = -1;
	tt = mktime(&tm);
	/* -1 is also 1969-12-31T23:59:59 local; tm_wday tells them apart. */
	if (tt == (time_t)-1 && tm.tm_wday == -1)
		return fail(err, errlen, "bad time \"%s\": not representable "
		    "in the local time zone", s);
	*out = (int64_t)tt * 1000 + t->ms;
	return 0;
}

/* HH:MM[:SS[.fff]] at *sp into t; advances.  -1 if not that shape. */
static int
scan_clock(const char **sp, struct tparts *t, int hour_digits_min)
{
	const char *s = *sp;

	if (is_digit(s[0]) && is_digit(s[1])) {
		if (digits(&s, 2, &t->hour) == -1)
			return -1;
	} else if (hour_digits_min == 1 && is_digit(s[0])) {
		if (digits(&s, 1, &t->hour) == -1)
			return -1;
	} else
		return -1;
	if (*s++ != ':' || digits(&s, 2, &t->min) == -1)
		return -1;
	t->sec = t->ms = 0;
	if (*s == ':') {
		s++;
		if (digits(&s, 2, &t->sec) == -1 ||
		    fraction_ms(&s, &t->ms) == -1)
			return -1;
	}
	*sp = s;
	return 0;
}

static int
parse_rfc3339(const char *s, int64_t *out, char *err, size_t errlen)
{
	const char *p = s;
	struct tparts t;
	int64_t days;
	int zh, zm, sign;

	memset(&t, 0, sizeof t);
	if (digits(&p, 4, &t.year) == -1 || *p++ != '-' ||
	    digits(&p, 2, &t.mon) == -1 || *p++ != '-' ||
	    digits(&p, 2, &t.day) == -1)
		return fail(err, errlen, "bad time \"%s\": %s", s, FORMS);
	if (t.mon < 1 || t.mon > 12)
		return fail(err, errlen, "bad time \"%s\": month %d out of "
		    "range (1-12)", s, t.mon);
	if (t.day < 1 || t.day > month_days(t.year, t.mon))
		return fail(err, errlen, "bad time \"%s\": day %d out of range "
		    "for %04d-%02d (1-%d)", s, t.day, t.year, t.mon,
		    month_days(t.year, t.mon));
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (scan_clock(&p, &t, 2) == -1)
			return fail(err, errlen, "bad time \"%s\": expected "
			    "HH:MM[:SS[.fff]] after the date", s);
		if (check_clock(s, &t, err, errlen) == -1)
			return -1;
		if (*p == 'Z' || *p == 'z') {
			t.has_zone = 1;
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (digits(&p, 2, &zh) == -1)
				return fail(err, errlen, "bad time \"%s\": "
				    "expected a zone offset like +02:00", s);
			if (*p == ':')
				p++;
			if (digits(&p, 2, &zm) == -1)
				return fail(err, errlen, "bad time \"%s\": "
				    "expected a zone offset like +02:00", s);
			if (zh > 23 || zm > 59)
				return fail(err, errlen, "bad time \"%s\": "
				    "zone offset out of range", s);
			t.has_zone = 1;
			t.zone_min = sign * (zh * 60 + zm);
		}
	}
	if (*p != '\0')
		return fail(err, errlen, "bad time \"%s\": unexpected \"%s\" "
		    "after the time; %s", s, p, FORMS);
	if (!t.has_zone)
		return local_to_ms(s, &t, out, err, errlen);
	days = days_from_civil(t.year, t.mon, t.day);
	*out = ((days * 24 + t.hour) * 60 + t.min - t.zone_min) * 60000 +
	    (int64_t)t.sec * 1000 + t.ms;
	return 0;
}

static int
parse_today(const char *s, int64_t now_ms, int64_t *out, char *err,
    size_t errlen)
{
	const char *p = s;
	struct tparts t;
	struct tm tm;
	time_t now;

	memset(&t, 0, sizeof t);
	if (scan_clock(&p, &t, 1) == -1 || *p != '\0')
		return fail(err, errlen, "bad time \"%s\": %s", s, FORMS);
	if (check_clock(s, &t, err, errlen) == -1)
		return -1;
	now = (time_t)(now_ms >= 0 ? now_ms / 1000 : (now_ms - 999) / 1000);
	if (localtime_r(&now, &tm) == NULL)
		return fail(err, errlen, "bad time \"%s\": the current date is "
		    "out of range", s);
	t.year = tm.tm_year + 1900;
	t.mon = tm.tm_mon + 1;
	t.day = tm.tm_mday;
	return local_to_ms(s, &t, out, err, errlen);
}

static int
parse_unix(const char *s, int64_t *out, char *err, size_t errlen)
{
	const char *p = s;
	int64_t secs = 0;
	int n = 0, ms;

	for (; is_digit(*p); p++, n++) {
		if (n == 15)
			return fail(err, errlen, "bad time \"%s\": unix "
			    "seconds out of range", s);
		secs = secs * 10 + (*p - '0');
	}
	if (n == 0 || *p == ',' || fraction_ms(&p, &ms) == -1 || *p != '\0')
		return fail(err, errlen, "bad time \"%s\": %s", s, FORMS);
	*out = secs * 1000 + ms;
	return 0;
}

int
timeexpr_parse(const char *s, int64_t now_ms, int64_t *out_ms, char *err,
    size_t errlen)
{
	char buf[128];
	size_t n;
	int64_t d, v;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return fail(err, errlen, "empty time: %s", FORMS);
	if (n >= sizeof buf)
		return fail(err, errlen, "bad time \"%.40s...\": too long; %s",
		    s, FORMS);
	memcpy(buf, s, n);
	buf[n] = '\0';
	s = buf;

	if (strcasecmp(s, "now") == 0) {
		*out_ms = now_ms;
		return 0;
	}
	if (s[0] == '-' || s[0] == '+') {
		if (units_parse_duration(s + 1, &d) == -1 ||
		    (s[1] != '.' && !is_digit(s[1])))
			return fail(err, errlen, "bad time \"%s\": expected a "
			    "duration after the sign, like -10m, -1h30m or "
			    "+5m", s);
		if (s[0] == '-' ? __builtin_sub_overflow(now_ms, d, &v) :
		    __builtin_add_overflow(now_ms, d, &v))
			return fail(err, errlen, "bad time \"%s\": out of "
			    "range", s);
		*out_ms = v;
		return 0;
	}
	if (n >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) &&
	    is_digit(s[3]) && s[4] == '-')
		return parse_rfc3339(s, out_ms, err, errlen);
	if (strchr(s, ':') != NULL)
		return parse_today(s, now_ms, out_ms, err, errlen);
	return parse_unix(s, out_ms, err, errlen);
}

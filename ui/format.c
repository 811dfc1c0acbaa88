/*
 * format.c -- compact figures for the console, built from integers so
 * that the locale's decimal comma never shows up.
 */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const long long pow10_ll[] = { 1, 10, 100, 1000, 10000 };

/* Write sign, v rounded to dec decimals (0-4) and suffix. */
static void
put_fixed(char *buf, size_t len, int neg, double v, int dec,
    const char *suffix)
{
	long long r, ip, fp;
	double x = v * (double)pow10_ll[dec];

	if (!(x < 9e18)) {
		/* %.0f prints no decimal point, so the locale cannot matter. */
		snprintf(buf, len, "%s%.0f%s", neg ? "-" : "", v, suffix);
		return;
	}
	r = llround(x);
	if (r == 0)
		neg = 0;
	ip = r / pow10_ll[dec];
	fp = r % pow10_ll[dec];
	if (dec == 0)
		snprintf(buf, len, "%s%lld%s", neg ? "-" : "", ip, suffix);
	else
		snprintf(buf, len, "%s%lld.%0*lld%s", neg ? "-" : "", ip, dec,
		    fp, suffix);
}

/* NAN and infinities; returns 1 when v was one of them. */
static int
put_special(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "-");
		return 1;
	}
	if (isinf(v)) {
		snprintf(buf, len, "%s", v < 0 ? "-inf" : "inf");
		return 1;
	}
	return 0;
}

/* a >= 999.5: scale by 1000 with k, M, G, T, P, E; "1.2k", "12k". */
static void
put_si(char *buf, size_t len, int neg, double a)
{
	static const char *const units[] = { "", "k", "M", "G", "T", "P",
	    "E" };
	size_t u = 0;

	while (a >= 999.5 && u + 1 < sizeof units / sizeof units[0]) {
		a /= 1000;
		u++;
	}
	put_fixed(buf, len, neg, a, a < 9.95 && u > 0 ? 1 : 0, units[u]);
}

void
fmt_bytes(double v, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	size_t u = 0;
	double a;
	int neg, dec;
	char suffix[2];

	if (put_special(v, buf, len))
		return;
	neg = v < 0;
	a = fabs(v);
	while (a >= 999.5 && u + 1 < sizeof units - 1) {
		a /= 1024;
		u++;
	}
	suffix[0] = units[u];
	suffix[1] = '\0';
	if (u == 0)
		dec = 0;
	else if (a < 9.995)
		dec = 2;
	else if (a < 99.95)
		dec = 1;
	else
		dec = 0;
	if (llround(a * (double)pow10_ll[dec]) == 0)
		neg = 0;
	put_fixed(buf, len, neg, a, dec, suffix);
}

void
fmt_rate(double v, char *buf, size_t len)
{
	double a;
	int neg;

	if (put_special(v, buf, len))
		return;
	neg = v < 0;
	a = fabs(v);
	if (a == 0)
		snprintf(buf, len, "0");
	else if (a < 9.95)
		put_fixed(buf, len, neg, a, 1, "");
	else if (a < 999.5)
		put_fixed(buf, len, neg, a, 0, "");
	else
		put_si(buf, len, neg, a);
}

void
fmt_seconds(double s, char *buf, size_t len)
{
	const char *sign;
	long long t;
	double a;
	int neg;

	if (put_special(s, buf, len))
		return;
	neg = s < 0;
	sign = neg ? "-" : "";
	a = fabs(s);
	if (a == 0)
		snprintf(buf, len, "0s");
	else if (a < 0.0009995)
		put_fixed(buf, len, neg, a * 1e6, 0, "us");
	else if (a < 0.00995)
		put_fixed(buf, len, neg, a * 1e3, 1, "ms");
	else if (a < 0.9995)
		put_fixed(buf, len, neg, a * 1e3, 0, "ms");
	else if (a < 9.995)
		put_fixed(buf, len, neg, a, 2, "s");
	else if (a < 59.95)
		put_fixed(buf, len, neg, a, 1, "s");
	else if (a < 3600) {
		t = llround(a);
		if (t >= 3600)
			snprintf(buf, len, "%s1h00m", sign);
		else
			snprintf(buf, len, "%s%lldm%02llds", sign, t / 60,
			    t % 60);
	} else if (a < 86400) {
		t = (long long)(a / 60);
		snprintf(buf, len, "%s%lldh%02lldm", sign, t / 60, t % 60);
	} else if (a < 1e15) {
		t = (long long)(a / 3600);
		snprintf(buf, len, "%s%lldd%02lldh", sign, t / 24, t % 24);
	} else
		snprintf(buf, len, "%s>999y", sign);
}

void
fmt_percent(double v, char *buf, size_t len)
{
	double a;
	int neg;

	if (put_special(v, buf, len))
		return;
	neg = v < 0;
	a = fabs(v);
	if (a == 0)
		snprintf(buf, len, "0%%");
	else if (a < 99.95)
		put_fixed(buf, len, neg, a, 1, "%");
	else if (a < 1e15)
		put_fixed(buf, len, neg, a, 0, "%");
	else
		put_si(buf, len, neg, a);
}

void
fmt_count(double v, char *buf, size_t len)
{
	double a;
	int neg;

	if (put_special(v, buf, len))
		return;
	a = fabs(v);
	neg = v < 0 && llround(a) != 0;
	if (a < 999.5)
		put_fixed(buf, len, neg, a, 0, "");
	else
		put_si(buf, len, neg, a);
}

/* Drop trailing zeros after the decimal point, and the point itself. */
static void
trim_zeros(char *s)
{
	char *dot, *end;

	if ((dot = strchr(s, '.')) == NULL)
		return;
	end = s + strlen(s);
	while (end > dot + 1 && end[-1] == '0')
		end--;
	if (end == dot + 1)
		end = dot;
	*end = '\0';
}

void
fmt_number(double v, char *buf, size_t len)
{
	char tmp[FMT_MAX];
	double a, m;
	int neg, e;

	if (put_special(v, buf, len))
		return;
	neg = v < 0;
	a = fabs(v);
	if (a == 0) {
		snprintf(buf, len, "0");
		return;
	}
	if (a >= 999.5) {
		put_si(buf, len, neg, a);
		return;
	}
	if (a >= 0.0009995) {
		if (a >= 99.95)
			put_fixed(tmp, sizeof tmp, neg, a, 0, "");
		else if (a >= 9.995)
			put_fixed(tmp, sizeof tmp, neg, a, 1, "");
		else if (a >= 0.9995)
			put_fixed(tmp, sizeof tmp, neg, a, 2, "");
		else
			put_fixed(tmp, sizeof tmp, neg, a, 3, "");
		trim_zeros(tmp);
		snprintf(buf, len, "%s", tmp);
		return;
	}
	e = (int)floor(log10(a));
	m = a / pow(10, e);
	if (m >= 9.95) {
		m /= 10;
		e++;
	}
	put_fixed(tmp, sizeof tmp, neg, m, 1, "");
	trim_zeros(tmp);
	snprintf(buf, len, "%se-%02d", tmp, -e);
}

static int
local_tm(int64_t ms, struct tm *tm)
{
	time_t t;

	if (ms <= 0)
		return -1;
	t = (time_t)(ms / 1000);
	return localtime_r(&t, tm) == NULL ? -1 : 0;
}

void
fmt_time_hms(int64_t ms, char *buf, size_t len)
{
	struct tm tm;

	if (local_tm(ms, &tm) == -1)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
}

void
fmt_time_hm(int64_t ms, char *buf, size_t len)
{
	struct tm tm;

	if (local_tm(ms, &tm) == -1)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

void
fmt_age(int64_t ms, char *buf, size_t len)
{
	long long s = ms < 0 ? 0 : (long long)(ms / 1000);

	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh", s / 3600);
	else
		snprintf(buf, len, "%lldd", s / 86400);
}

void
fmt_window(int64_t ms, char *buf, size_t len)
{
	long long v = (long long)ms;

	if (v > 0 && v % 3600000 == 0)
		snprintf(buf, len, "%lldh", v / 3600000);
	else if (v > 0 && v % 60000 == 0)
		snprintf(buf, len, "%lldm", v / 60000);
	else if (v % 1000 == 0)
		snprintf(buf, len, "%llds", v / 1000);
	else
		snprintf(buf, len, "%lldms", v);
}

/*
 * units.c -- sizes and durations, parsed digit by digit so that a locale
 * with a decimal comma changes nothing.
 */
#include "units.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Powers of ten that double holds exactly. */
static const double pow10_tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};
#define FRAC_DIGITS 17	/* further fraction digits cannot change a double */

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static const char *
skip_space(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/*
 * Scan an unsigned decimal "123", "1.5", ".5" at *sp into an integer part
 * and a fraction in [0, 1).  Returns 0 and advances *sp; -1 when there is
 * no number there or the integer part overflows.
 */
static int
scan_decimal(const char **sp, uint64_t *ip, double *frac)
{
	const char *s = *sp;
	uint64_t i = 0, f = 0;
	int ndig = 0, nfrac = 0;

	while (is_digit(*s)) {
		unsigned d = (unsigned)(*s - '0');
		if (i > (UINT64_MAX - d) / 10)
			return -1;
		i = i * 10 + d;
		ndig++;
		s++;
	}
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return -1;	/* "5." and "." are not numbers */
		while (is_digit(*s)) {
			if (nfrac < FRAC_DIGITS) {
				f = f * 10 + (uint64_t)(*s - '0');
				nfrac++;
			}
			ndig++;
			s++;
		}
	}
	if (ndig == 0)
		return -1;
	*ip = i;
	*frac = nfrac == 0 ? 0.0 : (double)f / pow10_tab[nfrac];
	*sp = s;
	return 0;
}

/* ip * mult + round(frac * mult) into *out, or -1 on overflow. */
static int
scale(uint64_t ip, double frac, uint64_t mult, uint64_t *out)
{
	uint64_t whole, part;
	double p;

	if (__builtin_mul_overflow(ip, mult, &whole))
		return -1;
	p = nearbyint(frac * (double)mult);
	if (p >= 18446744073709551616.0)
		return -1;
	part = (uint64_t)p;
	if (__builtin_add_overflow(whole, part, out))
		return -1;
	return 0;
}

int
units_parse_size(const char *s, uint64_t *out)
{
	uint64_t ip, mult = 1, v;
	double frac;

	s = skip_space(s);
	if (scan_decimal(&s, &ip, &frac) == -1)
		return -1;
	s = skip_space(s);
	switch (lower(*s)) {
	case 'k': mult = 1ULL << 10; s++; break;
	case 'm': mult = 1ULL << 20; s++; break;
	case 'g': mult = 1ULL << 30; s++; break;
	case 't': mult = 1ULL << 40; s++; break;
	}
	if (mult != 1 && lower(s[0]) == 'i' && lower(s[1]) == 'b')
		s += 2;
	else if (lower(*s) == 'b')
		s++;
	s = skip_space(s);
	if (*s != '\0')
		return -1;
	if (scale(ip, frac, mult, &v) == -1)
		return -1;
	*out = v;
	return 0;
}

int
units_parse_duration(const char *s, int64_t *out_ms)
{
	uint64_t total = 0, ip, mult, v;
	double frac;
	int n = 0;

	s = skip_space(s);
	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		if (scan_decimal(&s, &ip, &frac) == -1)
			return -1;
		s = skip_space(s);
		if (lower(s[0]) == 'm' && lower(s[1]) == 's') {
			mult = 1;
			s += 2;
		} else if (*s == '\0') {
			/* A bare number is seconds, but only alone. */
			if (n > 0)
				return -1;
			mult = 1000;
		} else {
			switch (lower(*s)) {
			case 's': mult = 1000; break;
			case 'm': mult = 60 * 1000; break;
			case 'h': mult = 3600 * 1000; break;
			case 'd': mult = 86400 * 1000; break;
			default: return -1;
			}
			s++;
		}
		/* "5sec" or "1h30" must not slip through as "5s" + "ec". */
		if (*s != '\0' && !is_space(*s) && !is_digit(*s) && *s != '.')
			return -1;
		s = skip_space(s);
		if (scale(ip, frac, mult, &v) == -1 ||
		    __builtin_add_overflow(total, v, &total) ||
		    total > (uint64_t)INT64_MAX)
			return -1;
		n++;
	}
	*out_ms = (int64_t)total;
	return 0;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

int
units_parse_number(const char *s, double *out)
{
	const char *p, *start;
	char tmp[128];
	double v;
	int ndig = 0;
	size_t n;

	s = skip_space(s);
	p = start = s;
	if (*p == '+' || *p == '-')
		p++;
	while (is_digit(*p)) {
		p++;
		ndig++;
	}
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return -1;
		while (is_digit(*p)) {
			p++;
			ndig++;
		}
	}
	if (ndig == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return -1;
		while (is_digit(*p))
			p++;
	}
	n = (size_t)(p - start);
	if (*skip_space(p) != '\0' || n >= sizeof tmp)
		return -1;
	memcpy(tmp, start, n);
	tmp[n] = '\0';

	/* The syntax is checked; only the conversion needs the C locale. */
	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale != (locale_t)0)
		v = strtod_l(tmp, NULL, c_locale);
	else
		v = strtod(tmp, NULL);	/* no memory for a locale: best effort */
	if (!isfinite(v))
		return -1;
	*out = v;
	return 0;
}

void
units_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	double v;
	int u;

	if (len == 0)
		return;
	if (bytes < 1024) {
		snprintf(buf, len, "%uB", (unsigned)bytes);
		return;
	}
	v = (double)bytes / 1024;
	for (u = 0; u < 3 && v >= 1024; u++)
		v /= 1024;
	/* Decide on the rounded figure so that 1023.99K prints as 1.0M. */
	if (v < 9.95)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else if (u < 3 && nearbyint(v) >= 1024)
		snprintf(buf, len, "1.0%c", units[u + 1]);
	else if (u == 3)	/* truncate: 2^64-1 must not print as 2^64 */
		snprintf(buf, len, "%lluT", (unsigned long long)(bytes >> 40));
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

/* "3m20s", "2h05m"; the smaller unit is left out when it is zero. */
static void
two_units(char *buf, size_t len, const char *sign, uint64_t big, char bu,
    uint64_t small, char su)
{
	if (small == 0)
		snprintf(buf, len, "%s%llu%c", sign, (unsigned long long)big,
		    bu);
	else
		snprintf(buf, len, "%s%llu%c%02u%c", sign,
		    (unsigned long long)big, bu, (unsigned)small, su);
}

void
units_format_duration(int64_t ms, char *buf, size_t len)
{
	const char *sign = "";
	uint64_t m;

	if (len == 0)
		return;
	if (ms < 0) {
		sign = "-";
		m = (uint64_t)0 - (uint64_t)ms;
	} else
		m = (uint64_t)ms;

	if (m < 1000)
		snprintf(buf, len, "%s%ums", sign, (unsigned)m);
	else if (m < 10000 && m % 1000 / 100 != 0)
		snprintf(buf, len, "%s%u.%us", sign, (unsigned)(m / 1000),
		    (unsigned)(m % 1000 / 100));
	else if (m < 60000)
		snprintf(buf, len, "%s%us", sign, (unsigned)(m / 1000));
	else if (m < 3600000)
		two_units(buf, len, sign, m / 60000, 'm', m / 1000 % 60, 's');
	else if (m < 86400000)
		two_units(buf, len, sign, m / 3600000, 'h', m / 60000 % 60,
		    'm');
	else
		two_units(buf, len, sign, m / 86400000, 'd', m / 3600000 % 24,
		    'h');
}

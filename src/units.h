/*
 * units.h -- sizes ("1.5G") and durations ("1h30m") for the configuration
 * and the command line, parsed and formatted without regard to the locale.
 *
 * Sizes use powers of 1024: K, M, G, T, with an optional "B" (or "iB"),
 * an optional space between the number and the unit, any letter case; a
 * bare number is bytes.  Durations use ms, s, m, h, d; a bare number is
 * seconds; components may be combined ("1h30m", "2m 30s").  Both accept
 * decimals ("0.5s", "1.5G"), rounded to the nearest byte or millisecond.
 */
#ifndef MODELTOP_UNITS_H
#define MODELTOP_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Longest string units_format_size or units_format_duration writes,
 * including the terminating NUL. */
#define UNITS_FMT_MAX 32

/* Parse a size into *out (bytes).  Surrounding whitespace is ignored.
 * Returns 0, or -1 (leaving *out alone) when s is not a size: empty,
 * negative, garbage, an unknown unit, or more than 2^64-1 bytes. */
int units_parse_size(const char *s, uint64_t *out);

/* Parse a non-negative duration into *out_ms.  Surrounding whitespace is
 * ignored.  Returns 0, or -1 (leaving *out_ms alone) on garbage, a sign,
 * a bare number inside a compound ("1h30"), or more than INT64_MAX ms. */
int units_parse_duration(const char *s, int64_t *out_ms);

/* Parse a plain decimal number: [+-]digits[.digits][e[+-]digits], always
 * with '.' as the decimal point whatever the locale.  Hex, "inf" and
 * "nan" are refused, as are results that overflow to infinity.  Returns 0
 * with *out set, or -1. */
int units_parse_number(const char *s, double *out);

/* Write bytes in short human form into buf (len bytes, UNITS_FMT_MAX is
 * always enough): "512B", "1.5K", "300M", "2.0G" -- one decimal below 10
 * of a unit, none above (T is the largest unit).  units_parse_size reads
 * the result back to within the rounding of the last digit.  Truncates
 * silently if len is too small. */
void units_format_size(uint64_t bytes, char *buf, size_t len);

/* Write a duration in short human form into buf: "850ms", "1.5s", "12s",
 * "3m20s", "2h05m", "3d04h", "1h"; below 10 s a fraction of a second
 * shows as one decimal, otherwise the rest below the smaller unit is
 * truncated, and a smaller unit of zero is left out ("2m", not "2m00s").
 * Negative values get a leading '-'.  units_parse_duration reads the
 * result back. */
void units_format_duration(int64_t ms, char *buf, size_t len);

#endif

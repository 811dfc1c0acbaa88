/*
 * format.h -- compact, fixed-width figures for tables, charts and the
 * header: bytes, rates, latencies, percentages, counts, clock times and
 * ages.
 *
 * Every function writes into buf (len bytes; FMT_MAX is always enough and
 * a smaller buffer truncates silently), never allocates, and prints NAN
 * as "-".  The decimal point is always '.', whatever the locale: numbers
 * are built from integers, never with printf's %f.
 */
#ifndef MODELTOP_FORMAT_H
#define MODELTOP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Longest string any fmt_* function writes, including the NUL. */
#define FMT_MAX 32

/* A formatter for one value (chart y axis labels, table cells). */
typedef void (*fmt_fn)(double v, char *buf, size_t len);

/* Bytes with a binary unit and three significant digits at most:
 * "0B", "512B", "12.3K", "300M", "1.25G", "2.00T".  Values that would
 * print as 1000 or more of a unit move up a unit ("0.98M").  Negative
 * values get a '-'; infinities print "inf"/"-inf". */
void fmt_bytes(double v, char *buf, size_t len);

/* A rate (requests or errors per second): "0", "0.3", "9.9", "12", "999",
 * "1.2k", "12k", "1.2M".  Tiny positive rates print "0.0" (not "0"), so
 * that "some" stays distinct from "none". */
void fmt_rate(double v, char *buf, size_t len);

/* A duration in seconds (latency): "0s", "850us", "2.5ms", "12ms",
 * "1.20s", "12.3s", "3m05s", "2h05m", "3d04h". */
void fmt_seconds(double s, char *buf, size_t len);

/* A percentage (v = 12.3 means 12.3%): "0%", "5.2%", "45.3%", "350%". */
void fmt_percent(double v, char *buf, size_t len);

/* A count: "0", "7", "999", "1.2k", "12k", "120k", "1.2M", "3.4G".
 * Fractions are rounded to the nearest integer below 1000. */
void fmt_count(double v, char *buf, size_t len);

/* Any value with three significant digits and an SI suffix from 1000 up:
 * "0", "0.125", "12.3", "-4.5", "1.2k", "3.4M"; tiny values use an
 * exponent ("1.2e-05").  For series of unknown unit. */
void fmt_number(double v, char *buf, size_t len);

/* A local clock time "HH:MM:SS" of ms since the epoch; "-" for ms <= 0. */
void fmt_time_hms(int64_t ms, char *buf, size_t len);

/* A local clock time "HH:MM" of ms since the epoch; "-" for ms <= 0. */
void fmt_time_hm(int64_t ms, char *buf, size_t len);

/* How long ago, from a duration in ms: "0s", "5s", "3m", "2h", "4d";
 * negative durations print "0s". */
void fmt_age(int64_t ms, char *buf, size_t len);

/* A window length in ms as the metrics panel names it: "1m", "5m", "1h",
 * "24h", "90s". */
void fmt_window(int64_t ms, char *buf, size_t len);

#endif

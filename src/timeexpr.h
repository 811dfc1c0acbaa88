/*
 * timeexpr.h -- the TIME argument of --at, --from and --to.
 *
 * Accepted forms (surrounding whitespace ignored):
 *   2026-11-27T03:12:00Z           RFC 3339: 'T', 't' or a space between
 *   2026-11-27T05:12:00.250+02:00  date and time, fractional seconds, Z or
 *                                  an offset; without a zone the time is
 *                                  local ("2026-11-27 03:12" works too, and
 *                                  a bare date is local midnight)
 *   03:12  03:12:30                HH:MM[:SS] today (the local day of now)
 *   1795749120  1795749120.5       unix seconds
 *   now  -10m  -1h30m  +5m         now, or now plus/minus a duration
 */
#ifndef MODELTOP_TIMEEXPR_H
#define MODELTOP_TIMEEXPR_H

#include <stddef.h>
#include <stdint.h>

/* Parse TIME s relative to now_ms (ms since the epoch) into *out_ms.
 * Local forms use the process time zone (TZ; call tzset() after changing
 * it).  Returns 0, or -1 with a one-line message in err (errlen bytes;
 * err may be NULL) that quotes s and lists the accepted forms or names
 * the field out of range.  *out_ms is untouched on error. */
int timeexpr_parse(const char *s, int64_t now_ms, int64_t *out_ms, char *err,
    size_t errlen);

#endif

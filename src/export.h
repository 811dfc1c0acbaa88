/*
 * export.h -- formatting of samples for `modeltop export`: CSV and JSON
 * lines exactly as DESIGN.md fixes them.
 */
#ifndef MODELTOP_EXPORT_H
#define MODELTOP_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

enum export_format { EXPORT_CSV, EXPORT_JSONL };

/* Append v the way the export prints numbers: NaN, +Inf, -Inf, else the
 * shortest decimal form that reads back to the same double. */
void export_format_value(struct buf *b, double v);
/* Append ts_ms as unix seconds with millisecond precision ("12.345"). */
void export_format_ts(struct buf *b, int64_t ts_ms);
/* Append s (len bytes, may hold NULs) as a JSON string, with quotes. */
void export_json_string(struct buf *b, const char *s, size_t len);
/* Append a canonical label string {k="v",...} as a JSON object with the
 * values unescaped ({} when empty).  Returns -1 when labels is malformed
 * (an object of what could be read is still appended). */
int export_json_labels(struct buf *b, const char *labels, size_t len);
/* Append one CSV field, quoted as RFC 4180 when it holds , " or a
 * line break. */
void export_csv_field(struct buf *b, const char *s, size_t len);
/* Append one record (with its newline) in format fmt. */
void export_record(struct buf *b, enum export_format fmt, int64_t ts_ms,
    const char *worker, const char *metric, const char *labels,
    size_t labels_len, double v);

#endif

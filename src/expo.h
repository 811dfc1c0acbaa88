/*
 * expo.h -- Prometheus text (0.0.4) and OpenMetrics 1.0 exposition parser.
 *
 * A self-contained module: it parses a whole /metrics page straight from
 * the caller's buffer and hands every well-formed sample to a callback.
 * It knows nothing about workers, series or storage.
 *
 * Formats, in short:
 *
 *   text 0.0.4     blanks (spaces, tabs) separate tokens and may surround
 *                  them, also inside label sets; blank lines and '#'
 *                  comments are ignored; timestamps are integer ms;
 *                  HELP escapes are \\ and \n.
 *   OpenMetrics    single spaces exactly, no blank lines, no comments,
 *                  timestamps are float seconds, exemplars may follow
 *                  the value, the page must end with "# EOF"; HELP
 *                  escapes are \\ \n and \".
 *
 * Both formats accept a trailing comma in a label set ({a="1",}) and
 * CRLF line endings, as Prometheus does.  Label values keep explicit
 * lengths: they may hold NUL bytes and any valid UTF-8.
 */
#ifndef MODELTOP_EXPO_H
#define MODELTOP_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum expo_format {
	EXPO_FORMAT_TEXT,
	EXPO_FORMAT_OPENMETRICS
};

enum expo_type {
	EXPO_UNTYPED,		/* no TYPE line, "untyped" or OpenMetrics "unknown" */
	EXPO_COUNTER,
	EXPO_GAUGE,
	EXPO_HISTOGRAM,
	EXPO_SUMMARY,
	EXPO_GAUGE_HISTOGRAM,
	EXPO_INFO,
	EXPO_STATESET
};

/*
 * One sample.  Strings are not NUL-terminated: use the lengths (label
 * values and HELP text may contain NUL bytes).  Every pointer is valid
 * only during the callback that receives the sample.
 */
struct expo_sample {
	const char	*name;		/* as exposed: vllm:num_requests_running, foo_bucket */
	size_t		 name_len;
	const char	*labels;	/* canonical {k="v",k2="v2"}, exposed order, values */
	size_t		 labels_len;	/* re-escaped (\\ \" \n); "" when none or {} */
	double		 value;
	int		 has_ts;
	int64_t		 ts_ms;		/* text: ms as given; OpenMetrics: s -> ms, rounded */
	enum expo_type	 type;		/* from the family's TYPE line, else EXPO_UNTYPED */
	const char	*family;	/* foo for foo_bucket of histogram foo; foo for */
	size_t		 family_len;	/* foo_total of an OpenMetrics counter foo */
	const char	*help;		/* unescaped HELP text of the family, or NULL */
	size_t		 help_len;
	const char	*unit;		/* OpenMetrics UNIT of the family, or NULL */
	size_t		 unit_len;
};

typedef void (*expo_sample_fn)(void *ctx, const struct expo_sample *s);
/* line is 1-based; msg is a one-line message without the line number. */
typedef void (*expo_error_fn)(void *ctx, int line, const char *msg);

struct expo_result {
	size_t	samples;		/* samples delivered */
	size_t	errors;			/* malformed lines skipped (and page errors) */
	int	first_error_line;	/* 0 when none */
	char	first_error[160];	/* message of the first error, "" when none */
	int	eof_seen;		/* OpenMetrics "# EOF" seen */
};

/*
 * The format a Content-Type header announces: "application/openmetrics-text"
 * (any parameters, any case) is EXPO_FORMAT_OPENMETRICS; anything else,
 * NULL included, is EXPO_FORMAT_TEXT.
 */
enum expo_format expo_format_from_content_type(const char *content_type);

/*
 * Parse a whole page of len bytes in format fmt.  buf need not be
 * NUL-terminated and may contain NUL bytes.  Every well-formed sample is
 * passed to on_sample (which may be NULL, to validate only); a malformed
 * line is skipped, counted in res->errors and passed to on_error (which
 * may be NULL) with its 1-based line number, and parsing goes on with the
 * next line.  res may be NULL; otherwise it is filled in from scratch.
 *
 * Returns 0, or -1 when the page as a whole is invalid: an OpenMetrics
 * page without "# EOF" (reported at the line after the last one) or with
 * anything after it (reported once, at the first such line).  Samples
 * already delivered stay delivered.  Allocates only per call, never per
 * line, and frees everything before returning.
 */
int expo_parse(const char *buf, size_t len, enum expo_format fmt,
    expo_sample_fn on_sample, expo_error_fn on_error, void *ctx,
    struct expo_result *res);

/*
 * Find key in a canonical label string (as in struct expo_sample) and
 * copy its unescaped value into out, NUL-terminated and truncated to
 * outlen bytes (out may be NULL when outlen is 0).  *value_len, when
 * value_len is not NULL, gets the full unescaped length.  Returns 1 when
 * found, 0 when not found; a string that is not canonical is read up to
 * its first defect, never past labels_len.
 */
int expo_label_get(const char *labels, size_t labels_len, const char *key,
    char *out, size_t outlen, size_t *value_len);

/*
 * Parse a sample value in the exposition formats' float syntax only:
 * [+-] digits [. digits] [e [+-] digits] (or .digits), NaN, Inf with an
 * optional sign, in any letter case as Prometheus accepts.  Rejects hex
 * floats, "1_000", decimal commas, "infinity", "nan(...)", surrounding
 * blanks and values that overflow a double.  Locale-independent and
 * correctly rounded.  Returns 0 with *out set, or -1.
 */
int expo_parse_value(const char *s, size_t len, double *out);

/*
 * Replace the contents of out with the canonical label string labels
 * minus the label named key ("" when no label is left), e.g. to group
 * histogram buckets without le.  A string that is not canonical is
 * copied unchanged.
 */
void expo_labels_without(const char *labels, size_t len, const char *key,
    struct buf *out);

/* "counter", "gauge", ... as OpenMetrics spells the type ("unknown" for
 * EXPO_UNTYPED).  Returns a static string. */
const char *expo_type_name(enum expo_type type);

#endif

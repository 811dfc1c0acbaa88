/*
 * export.c -- CSV and JSON lines records.
 */
#include "export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
export_format_value(struct buf *b, double v)
{
	char tmp[40];
	int prec;

	if (isnan(v)) {
		buf_adds(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_adds(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* the decimal point must be '.', whatever the locale says */
	for (char *p = tmp; *p != '\0'; p++) {
		if (*p == ',')
			*p = '.';
	}
	buf_adds(b, tmp);
}

void
export_format_ts(struct buf *b, int64_t ts_ms)
{
	int64_t s = ts_ms / 1000, ms = ts_ms % 1000;

	if (ms < 0) {
		ms += 1000;
		s -= 1;
	}
	buf_printf(b, "%lld.%03lld", (long long)s, (long long)ms);
}

void
export_json_string(struct buf *b, const char *s, size_t len)
{
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			buf_adds(b, "\\\"");
			break;
		case '\\':
			buf_adds(b, "\\\\");
			break;
		case '\n':
			buf_adds(b, "\\n");
			break;
		case '\r':
			buf_adds(b, "\\r");
			break;
		case '\t':
			buf_adds(b, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_printf(b, "\\u%04x", c);
			else
				buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

int
export_json_labels(struct buf *b, const char *labels, size_t len)
{
	struct buf val = {0};
	size_t i = 0;
	int first = 1, rc = 0;

	buf_addc(b, '{');
	if (len == 0) {
		buf_addc(b, '}');
		return 0;
	}
	if (labels[0] != '{') {
		buf_addc(b, '}');
		return -1;
	}
	i = 1;
	while (i < len && labels[i] != '}') {
		size_t k0 = i;

		while (i < len && labels[i] != '=')
			i++;
		if (i + 1 >= len || labels[i + 1] != '"') {
			rc = -1;
			break;
		}
		if (!first)
			buf_addc(b, ',');
		first = 0;
		export_json_string(b, labels + k0, i - k0);
		buf_addc(b, ':');
		i += 2;
		buf_clear(&val);
		while (i < len && labels[i] != '"') {
			if (labels[i] == '\\' && i + 1 < len) {
				i++;
				buf_addc(&val, labels[i] == 'n' ? '\n' : labels[i]);
			} else
				buf_addc(&val, labels[i]);
			i++;
		}
		export_json_string(b, val.data != NULL ? val.data : "", val.len);
		if (i >= len) {
			rc = -1;
			break;
		}
		i++;			/* closing quote */
		if (i < len && labels[i] == ',')
			i++;
	}
	buf_addc(b, '}');
	buf_free(&val);
	return rc;
}

void
export_csv_field(struct buf *b, const char *s, size_t len)
{
	size_t i;

	if (memchr(s, ',', len) == NULL && memchr(s, '"', len) == NULL &&
	    memchr(s, '\n', len) == NULL && memchr(s, '\r', len) == NULL) {
		buf_add(b, s, len);
		return;
	}
	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			buf_addc(b, '"');
		buf_addc(b, s[i]);
	}
	buf_addc(b, '"');
}

void
export_record(struct buf *b, enum export_format fmt, int64_t ts_ms,
    const char *worker, const char *metric, const char *labels,
    size_t labels_len, double v)
{
	if (fmt == EXPORT_CSV) {
		export_format_ts(b, ts_ms);
		buf_addc(b, ',');
		export_csv_field(b, worker, strlen(worker));
		buf_addc(b, ',');
		export_csv_field(b, metric, strlen(metric));
		buf_addc(b, ',');
		export_csv_field(b, labels, labels_len);
		buf_addc(b, ',');
		export_format_value(b, v);
		buf_addc(b, '\n');
		return;
	}
	buf_adds(b, "{\"ts\":");
	export_format_ts(b, ts_ms);
	buf_adds(b, ",\"worker\":");
	export_json_string(b, worker, strlen(worker));
	buf_adds(b, ",\"metric\":");
	export_json_string(b, metric, strlen(metric));
	buf_adds(b, ",\"labels\":");
	export_json_labels(b, labels, labels_len);
	buf_adds(b, ",\"value\":");
	if (isfinite(v))
		export_format_value(b, v);
	else {
		buf_addc(b, '"');
		export_format_value(b, v);
		buf_addc(b, '"');
	}
	buf_adds(b, "}\n");
}

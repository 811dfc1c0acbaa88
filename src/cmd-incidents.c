/*
 * cmd-incidents.c -- modeltop incidents: the incidents of a recording as
 * an aligned table, JSON lines (one object per incident, with its
 * timeline), or a markdown report to paste into a postmortem (summary,
 * table, one section per incident, pattern analysis).  Works on a file a
 * recorder is writing and on recordings older than incident tracking.
 *
 * Text in incidents comes from workers (log lines, exception messages):
 * everything printed is cleaned of control characters and invalid UTF-8,
 * so a report never carries terminal escapes, and markdown punctuation is
 * escaped so it cannot change the report's layout.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "export.h"
#include "incident.h"
#include "patterns.h"
#include "store.h"
#include "timeexpr.h"
#include "units.h"
#include "util.h"

enum report_format { FMT_TABLE, FMT_JSONL, FMT_MARKDOWN };

/* Longest trigger text the table shows, in characters. */
#define TABLE_TRIGGER_MAX	72

struct report {
	const char	*db;
	enum report_format fmt;
	const char	*worker;	/* exact name or fnmatch pattern */
	int		 open_only;
	int64_t		 from, to;
	int64_t		 end_ms;	/* "now" of the report */
	struct incidents *in;
	struct incident	*v;		/* selected, oldest first */
	size_t		 n;
	struct buf	 out;
};

static const char *const severity_words[] = { "info", "warning", "critical" };

static const char *
sev_name(enum severity s)
{
	return (unsigned)s < ARRAY_LEN(severity_words) ? severity_words[s] :
	    "?";
}

/* ---- text ---- */

/* Length of the valid, printable UTF-8 sequence at s, or 0 for a byte
 * that is not one (invalid, overlong, surrogate, C1 control). */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xc2 && s[1] < 0xa0) ||		/* C1 controls */
	    (s[0] == 0xe0 && s[1] < 0xa0) ||		/* overlong */
	    (s[0] == 0xed && s[1] >= 0xa0) ||		/* surrogates */
	    (s[0] == 0xf0 && s[1] < 0x90) ||		/* overlong */
	    (s[0] == 0xf4 && s[1] >= 0x90))		/* > U+10FFFF */
		return 0;
	return n;
}

/* Append s for a terminal or markdown: line breaks and tabs become
 * spaces, other control bytes and invalid UTF-8 '?'; with md, markdown
 * punctuation is backslash-escaped.  At most max characters (0: all),
 * "..." marking a cut.  Returns the characters appended. */
static size_t
add_clean(struct buf *b, const char *s, int md, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, chars = 0;

	while (*p != '\0') {
		if (max > 0 && chars + 3 >= max && strlen((const char *)p) >
		    max - chars) {
			buf_adds(b, "...");
			return chars + 3;
		}
		n = utf8_len(p);
		if (n == 0) {
			buf_addc(b, '?');
			p++;
		} else if (*p == '\n' || *p == '\r' || *p == '\t') {
			buf_addc(b, ' ');
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_addc(b, '?');
			p++;
		} else {
			if (md && n == 1 && strchr("\\`*_[]<>|#", *p) != NULL)
				buf_addc(b, '\\');
			buf_add(b, p, n);
			p += n;
		}
		chars++;
	}
	return chars;
}

static char *
clean(const char *s, int md, size_t max)
{
	struct buf b = {0};

	buf_adds(&b, "");
	add_clean(&b, s, md, max);
	return buf_detach(&b);
}

/* Characters (code points) in a cleaned string. */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* A JSON string; invalid UTF-8 becomes U+FFFD. */
static void
add_json(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	buf_addc(b, '"');
	while (*p != '\0') {
		n = 1;
		if (*p == '"' || *p == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)*p);
		} else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p == '\t')
			buf_adds(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else if (*p < 0x80)
			buf_addc(b, (char)*p);
		else if ((n = utf8_len(p)) > 0)
			buf_add(b, p, n);
		else if (p[0] == 0xc2 && (p[1] & 0xc0) == 0x80) {
			n = 2;		/* a C1 control: valid in JSON */
			buf_add(b, p, n);
		} else {
			buf_adds(b, "\\ufffd");
			n = 1;
		}
		p += n;
	}
	buf_addc(b, '"');
}

static void
add_json_or_null(struct buf *b, const char *s)
{
	if (s == NULL || *s == '\0')
		buf_adds(b, "null");
	else
		add_json(b, s);
}

static void
add_json_ts(struct buf *b, int64_t ms)
{
	if (ms == 0)
		buf_adds(b, "null");
	else
		export_format_ts(b, ms);
}

/* Local time "2026-11-27 03:12:05". */
static void
fmt_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000 - (ms % 1000 < 0));
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)(ms / 1000));
}

static void
fmt_dur(double ms, char *buf, size_t len)
{
	if (isnan(ms))
		util_strlcpy(buf, "-", len);
	else if (fabs(ms) >= 9e18)	/* a damaged recording's times */
		units_format_duration(ms < 0 ? INT64_MIN : INT64_MAX, buf,
		    len);
	else
		units_format_duration((int64_t)llround(ms), buf, len);
}

/* ---- what each incident shows ---- */

static int64_t
duration_ms(const struct report *r, const struct incident *p)
{
	int64_t end = p->open ? r->end_ms : p->resolved_ms, d;

	if (end <= p->opened_ms)
		return 0;
	return __builtin_sub_overflow(end, p->opened_ms, &d) ? INT64_MAX : d;
}

static void
fmt_duration_of(const struct report *r, const struct incident *p, char *buf,
    size_t len)
{
	char d[UNITS_FMT_MAX];

	units_format_duration(duration_ms(r, p), d, sizeof d);
	snprintf(buf, len, "%s%s", d, p->open ? "+" : "");
}

static int
attempts(const struct report *r, int64_t id)
{
	const struct incident_entry *e;
	size_t n, i;
	int k = 0;

	n = incidents_timeline(r->in, id, &e);
	for (i = 0; i < n; i++)
		if (strcmp(e[i].kind, INCIDENT_EV_ATTEMPT) == 0)
			k++;
	return k;
}

/* "open", "open, acked by WHO", "resolved (auto)", "resolved by WHO";
 * a new string. */
static char *
outcome(const struct incident *p)
{
	if (p->open)
		return *p->acked_by != '\0' ?
		    xasprintf("open, acked by %s", p->acked_by) :
		    xstrdup("open");
	if (strcmp(p->resolved_by, "auto") == 0)
		return xstrdup("resolved (auto)");
	if (*p->resolved_by == '\0')
		return xstrdup("resolved");
	return xasprintf("resolved by %s", p->resolved_by);
}

/* "ValueError: bad input", or the class when there is no exception. */
static char *
error_name(const char *cls, const char *exc_type, const char *exc_message)
{
	if (*exc_type == '\0')
		return xstrdup(cls);
	if (*exc_message == '\0')
		return xstrdup(exc_type);
	return xasprintf("%s: %s", exc_type, exc_message);
}

/* ---- table ---- */

struct grid {
	char	       **cells;		/* cleaned, owned */
	size_t		 ncols, nrows;
	size_t		*w;
};

static void
grid_init(struct grid *g, size_t ncols)
{
	memset(g, 0, sizeof *g);
	g->ncols = ncols;
	g->w = xcalloc(ncols, sizeof *g->w);
}

/* Add a row of ncols raw strings (cleaned here; the last one cut). */
static void
grid_row(struct grid *g, const char *const *cols, size_t last_max)
{
	size_t i, k;

	g->cells = xrealloc(g->cells, (g->nrows + 1) * g->ncols *
	    sizeof *g->cells);
	for (i = 0; i < g->ncols; i++) {
		k = g->nrows * g->ncols + i;
		g->cells[k] = clean(cols[i], 0, i + 1 == g->ncols ? last_max :
		    0);
		if (width(g->cells[k]) > g->w[i])
			g->w[i] = width(g->cells[k]);
	}
	g->nrows++;
}

static void
grid_print(struct grid *g, struct buf *b, const char *indent)
{
	size_t r, i, pad;
	const char *s;

	for (r = 0; r < g->nrows; r++) {
		buf_adds(b, indent);
		for (i = 0; i < g->ncols; i++) {
			s = g->cells[r * g->ncols + i];
			buf_adds(b, s);
			if (i + 1 == g->ncols)
				break;
			for (pad = width(s); pad < g->w[i] + 2; pad++)
				buf_addc(b, ' ');
		}
		/* no trailing blanks when the last cells are empty */
		while (b->len > 0 && b->data[b->len - 1] == ' ')
			b->data[--b->len] = '\0';
		buf_addc(b, '\n');
	}
}

static void
grid_free(struct grid *g)
{
	size_t i;

	for (i = 0; i < g->nrows * g->ncols; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->w);
}

static void
pattern_table(struct report *r, enum pattern_by by, const char *title)
{
	struct pattern_group *pg;
	struct grid g;
	char c[5][32], mtbf[UNITS_FMT_MAX], mttr[UNITS_FMT_MAX];
	size_t n, i;

	n = patterns_group(r->v, r->n, by, r->end_ms, &pg);
	grid_init(&g, 7);
	{
		const char *h[] = { title, "INCIDENTS", "OPEN", "LAST HOUR",
		    "LAST DAY", "MTBF", "MTTR" };
		grid_row(&g, h, 0);
	}
	for (i = 0; i < n; i++) {
		snprintf(c[0], sizeof c[0], "%d", pg[i].count);
		snprintf(c[1], sizeof c[1], "%d", pg[i].open);
		snprintf(c[2], sizeof c[2], "%d", pg[i].count_hour);
		snprintf(c[3], sizeof c[3], "%d", pg[i].count_day);
		fmt_dur(pg[i].mtbf_ms, mtbf, sizeof mtbf);
		fmt_dur(pg[i].mttr_ms, mttr, sizeof mttr);
		{
			const char *row[] = { by == PATTERN_BY_WORKER ?
			    pg[i].worker : pg[i].cls, c[0], c[1], c[2], c[3],
			    mtbf, mttr };
			grid_row(&g, row, 0);
		}
	}
	grid_print(&g, &r->out, "");
	grid_free(&g);
	free(pg);
}

static void
recurring_table(struct report *r)
{
	struct pattern_recurring *rc;
	struct grid g;
	char occ[16], rec[16], last[32], *err;
	size_t n, i;

	n = patterns_recurring(r->v, r->n, &rc);
	if (n == 0) {
		buf_adds(&r->out, "no recurring errors\n");
		return;
	}
	grid_init(&g, 5);
	{
		const char *h[] = { "WORKER", "TIMES", "RECURRED", "LAST",
		    "ERROR" };
		grid_row(&g, h, 0);
	}
	for (i = 0; i < n; i++) {
		snprintf(occ, sizeof occ, "%d", rc[i].occurrences);
		snprintf(rec, sizeof rec, "%d", rc[i].recurrences);
		fmt_time(rc[i].last_ms, last, sizeof last);
		err = error_name(rc[i].cls, rc[i].exc_type,
		    rc[i].exc_message);
		{
			const char *row[] = { rc[i].worker, occ, rec, last,
			    err };
			grid_row(&g, row, TABLE_TRIGGER_MAX);
		}
		free(err);
	}
	grid_print(&g, &r->out, "");
	grid_free(&g);
	free(rc);
}

static void
print_table(struct report *r)
{
	struct grid g;
	char id[24], opened[32], resolved[32], dur[40], att[16], *out;
	const struct incident *p;
	size_t i;

	if (r->n == 0) {
		buf_adds(&r->out, "no incidents\n");
		return;
	}
	grid_init(&g, 10);
	{
		const char *h[] = { "ID", "WORKER", "CLASS", "SEVERITY",
		    "OPENED", "RESOLVED", "DURATION", "ATTEMPTS", "OUTCOME",
		    "TRIGGER" };
		grid_row(&g, h, 0);
	}
	for (i = 0; i < r->n; i++) {
		p = &r->v[i];
		snprintf(id, sizeof id, "%lld", (long long)p->id);
		fmt_time(p->opened_ms, opened, sizeof opened);
		if (p->open)
			util_strlcpy(resolved, "-", sizeof resolved);
		else
			fmt_time(p->resolved_ms, resolved, sizeof resolved);
		fmt_duration_of(r, p, dur, sizeof dur);
		snprintf(att, sizeof att, "%d", attempts(r, p->id));
		out = outcome(p);
		{
			const char *row[] = { id, p->worker, p->cls,
			    sev_name(p->severity), opened, resolved, dur, att,
			    out, p->trigger };
			grid_row(&g, row, TABLE_TRIGGER_MAX);
		}
		free(out);
	}
	grid_print(&g, &r->out, "");
	grid_free(&g);

	buf_adds(&r->out, "\nby worker:\n");
	pattern_table(r, PATTERN_BY_WORKER, "WORKER");
	buf_adds(&r->out, "\nby class:\n");
	pattern_table(r, PATTERN_BY_CLASS, "CLASS");
	buf_adds(&r->out, "\nrecurring errors (back after being resolved):\n");
	recurring_table(r);
}

/* ---- JSON lines ---- */

static void
print_jsonl(struct report *r)
{
	const struct incident_entry *e;
	const struct incident *p;
	struct buf *b = &r->out;
	size_t i, k, ne;
	char *out;

	for (i = 0; i < r->n; i++) {
		p = &r->v[i];
		buf_printf(b, "{\"id\":%lld,\"worker\":", (long long)p->id);
		add_json(b, p->worker);
		buf_adds(b, ",\"class\":");
		add_json(b, p->cls);
		buf_printf(b, ",\"severity\":\"%s\",\"strategy\":",
		    sev_name(p->severity));
		add_json_or_null(b, p->strategy);
		buf_adds(b, ",\"opened\":");
		add_json_ts(b, p->opened_ms);
		buf_adds(b, ",\"last\":");
		add_json_ts(b, p->last_ms);
		buf_adds(b, ",\"resolved\":");
		add_json_ts(b, p->open ? 0 : p->resolved_ms);
		buf_adds(b, ",\"resolved_by\":");
		add_json_or_null(b, p->resolved_by);
		buf_adds(b, ",\"acked\":");
		add_json_ts(b, p->acked_ms);
		buf_adds(b, ",\"acked_by\":");
		add_json_or_null(b, p->acked_by);
		buf_printf(b, ",\"open\":%s,\"duration\":",
		    p->open ? "true" : "false");
		export_format_ts(b, duration_ms(r, p));
		buf_printf(b, ",\"count\":%d,\"trigger\":", p->count);
		add_json(b, p->trigger);
		buf_adds(b, ",\"exc_type\":");
		add_json_or_null(b, p->exc_type);
		buf_adds(b, ",\"exc_message\":");
		add_json_or_null(b, p->exc_message);
		if (p->signature != 0)
			buf_printf(b, ",\"signature\":\"%016llx\"",
			    (unsigned long long)p->signature);
		else
			buf_adds(b, ",\"signature\":null");
		buf_printf(b, ",\"attempts\":%d,\"outcome\":",
		    attempts(r, p->id));
		out = outcome(p);
		add_json(b, out);
		free(out);
		buf_adds(b, ",\"timeline\":[");
		ne = incidents_timeline(r->in, p->id, &e);
		for (k = 0; k < ne; k++) {
			buf_adds(b, k ? ",{\"ts\":" : "{\"ts\":");
			export_format_ts(b, e[k].ts_ms);
			buf_adds(b, ",\"kind\":");
			add_json(b, e[k].kind);
			buf_adds(b, ",\"text\":");
			add_json(b, e[k].text);
			buf_addc(b, '}');
		}
		buf_adds(b, "]}\n");
	}
}

/* ---- markdown ---- */

static void
md(struct buf *b, const char *s)
{
	add_clean(b, s, 1, 0);
}

static void
md_window(struct report *r)
{
	char t[32], z[16];
	time_t now = (time_t)(r->end_ms / 1000);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(z, sizeof z, "%z", &tm) == 0)
		util_strlcpy(z, "?", sizeof z);
	buf_adds(&r->out, "- Window: ");
	if (r->from == INT64_MIN)
		buf_adds(&r->out, "the start of the recording");
	else {
		fmt_time(r->from, t, sizeof t);
		buf_adds(&r->out, t);
	}
	fmt_time(r->end_ms, t, sizeof t);
	buf_printf(&r->out, " to %s%s (local time, UTC%s)\n", t,
	    r->to == INT64_MAX ? ", the end of the recording" : "", z);
}

/* "crash 2, exception 1" by count; "none" when empty. */
static void
md_counts(struct report *r, enum pattern_by by)
{
	struct pattern_group *pg;
	size_t n, i;

	n = patterns_group(r->v, r->n, by, r->end_ms, &pg);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_adds(&r->out, ", ");
		md(&r->out, by == PATTERN_BY_WORKER ? pg[i].worker :
		    pg[i].cls);
		buf_printf(&r->out, " %d", pg[i].count);
	}
	free(pg);
}

static void
md_summary(struct report *r)
{
	struct pattern_group *all;
	int nopen = 0, nauto = 0, sev[3] = {0, 0, 0}, first = 1;
	char mttr[UNITS_FMT_MAX], mtbf[UNITS_FMT_MAX];
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (r->v[i].open)
			nopen++;
		else if (strcmp(r->v[i].resolved_by, "auto") == 0)
			nauto++;
		if ((unsigned)r->v[i].severity < 3)
			sev[r->v[i].severity]++;
	}
	buf_adds(&r->out, "## Summary\n\n");
	md_window(r);
	buf_printf(&r->out, "- Incidents: %zu (%d open, %zu resolved: %d "
	    "automatically, %zu by an operator)\n", r->n, nopen,
	    r->n - (size_t)nopen, nauto, r->n - (size_t)nopen - (size_t)nauto);
	if (r->n == 0)
		return;
	buf_adds(&r->out, "- Severity: ");
	for (i = 3; i-- > 0;) {
		if (sev[i] == 0)
			continue;
		buf_printf(&r->out, "%s%d %s", first ? "" : ", ", sev[i],
		    severity_words[i]);
		first = 0;
	}
	buf_adds(&r->out, "\n- Workers: ");
	md_counts(r, PATTERN_BY_WORKER);
	buf_adds(&r->out, "\n- Classes: ");
	md_counts(r, PATTERN_BY_CLASS);
	patterns_group(r->v, r->n, PATTERN_BY_ALL, r->end_ms, &all);
	fmt_dur(all->mttr_ms, mttr, sizeof mttr);
	fmt_dur(all->mtbf_ms, mtbf, sizeof mtbf);
	buf_printf(&r->out, "\n- Mean time to resolve: %s; mean time between "
	    "incidents: %s\n", mttr, mtbf);
	free(all);
}

static void
md_table(struct report *r)
{
	char opened[32], resolved[32], dur[40], *out;
	const struct incident *p;
	size_t i;

	buf_adds(&r->out, "\n## Incidents\n\n");
	if (r->n == 0) {
		buf_adds(&r->out, "No incidents in this window.\n");
		return;
	}
	buf_adds(&r->out, "| # | worker | class | severity | opened | "
	    "resolved | duration | trigger | attempts | outcome |\n"
	    "|---:|---|---|---|---|---|---:|---|---:|---|\n");
	for (i = 0; i < r->n; i++) {
		p = &r->v[i];
		fmt_time(p->opened_ms, opened, sizeof opened);
		if (p->open)
			util_strlcpy(resolved, "-", sizeof resolved);
		else
			fmt_time(p->resolved_ms, resolved, sizeof resolved);
		fmt_duration_of(r, p, dur, sizeof dur);
		buf_printf(&r->out, "| [%lld](#incident-%lld) | ",
		    (long long)p->id, (long long)p->id);
		md(&r->out, p->worker);
		buf_adds(&r->out, " | ");
		md(&r->out, p->cls);
		buf_printf(&r->out, " | %s | %s | %s | %s | ",
		    sev_name(p->severity), opened, resolved, dur);
		md(&r->out, p->trigger);
		out = outcome(p);
		buf_printf(&r->out, " | %d | ", attempts(r, p->id));
		md(&r->out, out);
		buf_adds(&r->out, " |\n");
		free(out);
	}
}

static void
md_incident(struct report *r, const struct incident *p)
{
	const struct incident_entry *e;
	char t[32], dur[40], *out;
	size_t n, i;

	buf_printf(&r->out, "\n### Incident %lld\n\n", (long long)p->id);
	buf_adds(&r->out, "- Worker ");
	md(&r->out, p->worker);
	buf_adds(&r->out, ", class ");
	md(&r->out, p->cls);
	buf_printf(&r->out, ", severity %s\n", sev_name(p->severity));
	fmt_time(p->opened_ms, t, sizeof t);
	units_format_duration(duration_ms(r, p), dur, sizeof dur);
	buf_printf(&r->out, "- Opened %s; ", t);
	out = outcome(p);
	if (p->open)
		buf_printf(&r->out, "still open after %s\n", dur);
	else {
		fmt_time(p->resolved_ms, t, sizeof t);
		buf_printf(&r->out, "resolved %s%s after %s\n", t,
		    strcmp(p->resolved_by, "auto") == 0 ? " automatically" :
		    "", dur);
	}
	buf_adds(&r->out, "- Outcome: ");
	md(&r->out, out);
	free(out);
	buf_adds(&r->out, "\n- Trigger: ");
	md(&r->out, p->trigger);
	fmt_time(p->last_ms, t, sizeof t);
	if (p->count > 1)
		buf_printf(&r->out, " (%d triggers, the last at %s)", p->count,
		    t);
	buf_addc(&r->out, '\n');
	if (*p->strategy != '\0') {
		buf_adds(&r->out, "- Recommended: ");
		md(&r->out, p->strategy);
		buf_addc(&r->out, '\n');
	}
	if (*p->exc_type != '\0' || p->signature != 0) {
		buf_adds(&r->out, "- Exception: ");
		out = error_name(p->cls, p->exc_type, p->exc_message);
		md(&r->out, *p->exc_type != '\0' ? out : "-");
		free(out);
		if (p->signature != 0)
			buf_printf(&r->out, " (signature %016llx)",
			    (unsigned long long)p->signature);
		buf_addc(&r->out, '\n');
	}
	if (p->acked_ms != 0) {
		fmt_time(p->acked_ms, t, sizeof t);
		buf_adds(&r->out, "- Acknowledged by ");
		md(&r->out, p->acked_by);
		buf_printf(&r->out, " at %s\n", t);
	}
	buf_printf(&r->out, "- Recovery attempts: %d\n", attempts(r, p->id));

	n = incidents_timeline(r->in, p->id, &e);
	if (n == 0)
		return;
	buf_adds(&r->out, "\n| time | event | details |\n|---|---|---|\n");
	for (i = 0; i < n; i++) {
		fmt_time(e[i].ts_ms, t, sizeof t);
		buf_printf(&r->out, "| %s | ", t);
		md(&r->out, e[i].kind);
		buf_adds(&r->out, " | ");
		md(&r->out, e[i].text);
		buf_adds(&r->out, " |\n");
	}
}

static void
md_patterns(struct report *r, enum pattern_by by, const char *title,
    const char *col)
{
	struct pattern_group *pg;
	char mtbf[UNITS_FMT_MAX], mttr[UNITS_FMT_MAX];
	size_t n, i;

	n = patterns_group(r->v, r->n, by, r->end_ms, &pg);
	buf_printf(&r->out, "\n### %s\n\n| %s | incidents | open | last hour "
	    "| last day | MTBF | MTTR |\n|---|---:|---:|---:|---:|---:|---:|\n",
	    title, col);
	for (i = 0; i < n; i++) {
		fmt_dur(pg[i].mtbf_ms, mtbf, sizeof mtbf);
		fmt_dur(pg[i].mttr_ms, mttr, sizeof mttr);
		buf_adds(&r->out, "| ");
		md(&r->out, by == PATTERN_BY_WORKER ? pg[i].worker :
		    pg[i].cls);
		buf_printf(&r->out, " | %d | %d | %d | %d | %s | %s |\n",
		    pg[i].count, pg[i].open, pg[i].count_hour,
		    pg[i].count_day, mtbf, mttr);
	}
	free(pg);
}

static void
md_recurring(struct report *r)
{
	struct pattern_recurring *rc;
	char first[32], last[32], *err;
	size_t n, i;

	n = patterns_recurring(r->v, r->n, &rc);
	buf_adds(&r->out, "\n### Recurring errors\n\n");
	if (n == 0) {
		buf_adds(&r->out, "No error came back after it was "
		    "resolved.\n");
		return;
	}
	buf_adds(&r->out, "| worker | error | times | recurred | first | "
	    "last | last incident |\n|---|---|---:|---:|---|---|---:|\n");
	for (i = 0; i < n; i++) {
		fmt_time(rc[i].first_ms, first, sizeof first);
		fmt_time(rc[i].last_ms, last, sizeof last);
		buf_adds(&r->out, "| ");
		md(&r->out, rc[i].worker);
		buf_adds(&r->out, " | ");
		err = error_name(rc[i].cls, rc[i].exc_type,
		    rc[i].exc_message);
		md(&r->out, err);
		free(err);
		if (rc[i].signature != 0)
			buf_printf(&r->out, " (signature %016llx)",
			    (unsigned long long)rc[i].signature);
		buf_printf(&r->out, " | %d | %d | %s | %s | %lld |\n",
		    rc[i].occurrences, rc[i].recurrences, first, last,
		    (long long)rc[i].last_id);
	}
	free(rc);
}

static void
print_markdown(struct report *r)
{
	const char *base = strrchr(r->db, '/');
	size_t i;

	buf_adds(&r->out, "# Incident report: ");
	md(&r->out, base != NULL ? base + 1 : r->db);
	buf_adds(&r->out, "\n\n");
	md_summary(r);
	md_table(r);
	if (r->n == 0)
		return;
	buf_adds(&r->out, "\n## Details\n");
	/* "### Incident N" gets the anchor #incident-N the table links to */
	for (i = 0; i < r->n; i++) {
		md_incident(r, &r->v[i]);
	}
	buf_adds(&r->out, "\n## Patterns\n");
	md_patterns(r, PATTERN_BY_WORKER, "By worker", "worker");
	md_patterns(r, PATTERN_BY_CLASS, "By class", "class");
	md_recurring(r);
}

/* ---- selection ---- */

static int
want_worker(const char *pattern, const char *s)
{
	return pattern == NULL || strcmp(pattern, s) == 0 ||
	    fnmatch(pattern, s, 0) == 0;
}

/* The report's "now": --to, else the last thing the recording holds. */
static int64_t
report_end(struct report *r, struct store *st)
{
	const struct incident *v;
	const struct incident_entry *e;
	int64_t first, last, end = INT64_MIN;
	size_t n, i, ne;

	if (r->to != INT64_MAX)
		return r->to;
	if (store_span(st, &first, &last) == 0)
		end = last;
	n = incidents_list(r->in, NULL, 0, &v);
	for (i = 0; i < n; i++) {
		ne = incidents_timeline(r->in, v[i].id, &e);
		if (ne > 0 && e[ne - 1].ts_ms > end)
			end = e[ne - 1].ts_ms;
		if (v[i].last_ms > end)
			end = v[i].last_ms;
	}
	return end != INT64_MIN ? end : util_now_ms();
}

static int
cmp_opened(const void *pa, const void *pb)
{
	const struct incident *a = pa, *b = pb;

	if (a->opened_ms != b->opened_ms)
		return a->opened_ms < b->opened_ms ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void
select_incidents(struct report *r)
{
	const struct incident *v;
	size_t n, i;

	n = incidents_list(r->in, NULL, 0, &v);
	r->v = xcalloc(n > 0 ? n : 1, sizeof *r->v);
	for (i = n; i > 0; i--) {
		const struct incident *p = &v[i - 1];

		if (!want_worker(r->worker, p->worker))
			continue;
		if (r->open_only && !p->open)
			continue;
		if (!p->open && p->resolved_ms < r->from)
			continue;	/* over before the window */
		r->v[r->n++] = *p;
	}
	/* by opening time (ids follow it, unless the clock stepped back) */
	qsort(r->v, r->n, sizeof *r->v, cmp_opened);
}

static int
incidents_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "worker", required_argument, NULL, 'w' },
		{ "open", no_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct report r;
	struct store *st;
	int64_t now = util_now_ms();
	char err[512];
	int c, rc = 0;

	memset(&r, 0, sizeof r);
	r.fmt = FMT_TABLE;
	r.from = INT64_MIN;
	r.to = INT64_MAX;
	optind = 0;
	while ((c = getopt_long(argc, argv, "d:F:w:of:t:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			r.db = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "table") == 0)
				r.fmt = FMT_TABLE;
			else if (strcmp(optarg, "jsonl") == 0 ||
			    strcmp(optarg, "json") == 0)
				r.fmt = FMT_JSONL;
			else if (strcmp(optarg, "markdown") == 0 ||
			    strcmp(optarg, "md") == 0)
				r.fmt = FMT_MARKDOWN;
			else
				return cmd_usage_error(ctx,
				    &cmd_incidents_entry, "--format: expected "
				    "table, jsonl or markdown (got \"%s\")",
				    optarg);
			break;
		case 'w':
			r.worker = optarg;
			break;
		case 'o':
			r.open_only = 1;
			break;
		case 'f':
		case 't':
			if (timeexpr_parse(optarg, now, c == 'f' ? &r.from :
			    &r.to, err, sizeof err) != 0)
				return cmd_usage_error(ctx,
				    &cmd_incidents_entry, "--%s: %s",
				    c == 'f' ? "from" : "to", err);
			break;
		default:
			cmd_usage(&cmd_incidents_entry, ctx->err);
			return 2;
		}
	}
	if (r.db == NULL && optind < argc)
		r.db = argv[optind++];
	if (optind != argc)
		return cmd_usage_error(ctx, &cmd_incidents_entry,
		    "unexpected argument \"%s\"", argv[optind]);
	if (r.db == NULL)
		return cmd_usage_error(ctx, &cmd_incidents_entry,
		    "--db FILE is required");
	if (r.from > r.to)
		return cmd_usage_error(ctx, &cmd_incidents_entry,
		    "--from is after --to");

	if ((st = store_open(r.db, STORE_READ, err, sizeof err)) == NULL) {
		fprintf(ctx->err, "modeltop incidents: %s\n", err);
		return 1;
	}
	if (!store_has_table(st, "incidents")) {
		fprintf(r.fmt == FMT_JSONL ? ctx->err : ctx->out,
		    "no incidents recorded (recording predates incident "
		    "tracking)\n");
		store_close(st);
		return 0;
	}
	if ((r.in = incidents_load(st, r.to)) == NULL) {
		fprintf(ctx->err, "modeltop incidents: %s: %s\n", r.db,
		    sqlite3_errmsg(store_db(st)));
		store_close(st);
		return 1;
	}
	r.end_ms = report_end(&r, st);
	select_incidents(&r);
	switch (r.fmt) {
	case FMT_TABLE:
		print_table(&r);
		break;
	case FMT_JSONL:
		print_jsonl(&r);
		break;
	case FMT_MARKDOWN:
		print_markdown(&r);
		break;
	}
	if ((r.out.len > 0 && fwrite(r.out.data, 1, r.out.len, ctx->out) !=
	    r.out.len) || fflush(ctx->out) != 0) {
		fprintf(ctx->err, "modeltop incidents: write error\n");
		rc = 1;
	}
	buf_free(&r.out);
	free(r.v);
	incidents_free(r.in);
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_incidents_entry = {
	"incidents", NULL,
	"--db FILE [--format table|jsonl|markdown] [--worker W] [--open] "
	"[--from TIME] [--to TIME]",
	"list a recording's incidents, or write a postmortem report",
	CMD_CLI | CMD_REPLAY,
	incidents_exec
};

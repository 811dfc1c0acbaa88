/*
 * audit.c -- the audit trail of recovery actions.
 */
#include "audit.h"

#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

const char *
audit_verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_EFFECTIVE:
		return "effective";
	case VERDICT_PARTLY:
		return "partly";
	case VERDICT_NO_EFFECT:
		return "no effect";
	case VERDICT_FAILED:
		return "failed";
	case VERDICT_UNVERIFIED:
		return "unverified";
	case VERDICT_DONE:
		return "done";
	default:
		return "pending";
	}
}

void
audit_record_init(struct audit_record *r)
{
	memset(r, 0, sizeof *r);
	r->before = NAN;
	r->after = NAN;
	r->incident_id = -1;
	r->verdict = VERDICT_PENDING;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s, int not_null)
{
	if (s == NULL && !not_null)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_STATIC);
}

static void
bind_double(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

int
audit_insert(sqlite3 *db, struct audit_record *r, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO actions (ts, worker, pid, action, kind, who, target, "
	    "result, status, output, metric, before, after, verdict, summary, "
	    "incident_id, job, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, r->ts_ms);
	bind_text(st, 2, r->worker, 1);
	if (r->pid > 0)
		sqlite3_bind_int64(st, 3, r->pid);
	else
		sqlite3_bind_null(st, 3);
	bind_text(st, 4, r->action, 1);
	bind_text(st, 5, r->kind != NULL ? r->kind : "none", 1);
	bind_text(st, 6, r->who, 1);
	bind_text(st, 7, r->target, 1);
	bind_text(st, 8, r->result, 1);
	if (r->has_status)
		sqlite3_bind_int(st, 9, r->status);
	else
		sqlite3_bind_null(st, 9);
	bind_text(st, 10, r->output, 0);
	bind_text(st, 11, r->metric, 0);
	bind_double(st, 12, r->before);
	bind_double(st, 13, r->after);
	bind_text(st, 14, audit_verdict_name(r->verdict), 1);
	bind_text(st, 15, r->summary, 1);
	if (r->incident_id >= 0)
		sqlite3_bind_int64(st, 16, r->incident_id);
	else
		sqlite3_bind_null(st, 16);
	bind_text(st, 17, r->job, 0);
	sqlite3_bind_int64(st, 18, r->duration_ms);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	r->id = sqlite3_last_insert_rowid(db);
	return 0;
}

int
audit_store(struct store *st, struct audit_record *r, char *err,
    size_t errlen)
{
	const char *path = store_path(st), *reason;
	size_t plen = strlen(path);
	char why[512];

	/* This insert is its own transaction, outside the tick's commit:
	 * like the commit it must not run while a file of the recording is
	 * immutable (a store into the mapped WAL index is SIGBUS) or after
	 * the file was deleted under us (the row would go with the file). */
	if (store_check(st, why, sizeof why) != 0 ||
	    audit_insert(store_db(st), r, why, sizeof why) != 0) {
		reason = why;
		/* "PATH: read-only, ..." names the path we prefix already */
		if (strncmp(why, path, plen) == 0 && why[plen] == ':' &&
		    why[plen + 1] == ' ')
			reason = why + plen + 2;
		snprintf(err, errlen, "%s: audit row not written: %s", path,
		    reason);
		return -1;
	}
	return 0;
}

void
audit_format(const struct audit_record *r, struct buf *b)
{
	char when[64];
	struct tm tm;
	time_t t = (time_t)(r->ts_ms / 1000);

	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	else
		snprintf(when, sizeof when, "%lld", (long long)r->ts_ms);
	buf_printf(b, "audit: %s %s", when, r->worker != NULL ? r->worker :
	    "?");
	if (r->pid > 0)
		buf_printf(b, " pid %d", (int)r->pid);
	buf_printf(b, " %s (%s) by %s: %s -> %s; %s",
	    r->action != NULL ? r->action : "?",
	    r->kind != NULL ? r->kind : "none",
	    r->who != NULL ? r->who : "?",
	    r->target != NULL && r->target[0] != '\0' ? r->target : "-",
	    r->result != NULL ? r->result : "-",
	    audit_verdict_name(r->verdict));
	if (r->summary != NULL && r->summary[0] != '\0')
		buf_printf(b, ": %s", r->summary);
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if none. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static void
json_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, k;

	buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)p[i]);
		} else if (p[i] == '\n')
			buf_adds(b, "\\n");
		else if (p[i] == '\t')
			buf_adds(b, "\\t");
		else if (p[i] < 0x20 || p[i] == 0x7f)
			buf_printf(b, "\\u%04x", p[i]);
		else if (p[i] < 0x80)
			buf_addc(b, (char)p[i]);
		else if ((k = utf8_len(p + i, n - i)) > 0) {
			buf_add(b, p + i, k);
			i += k - 1;
		} else
			buf_printf(b, "\\u%04x", p[i]);
	}
	buf_addc(b, '"');
}

char *
audit_json_argv(char *const *argv, size_t argc)
{
	struct buf b = {0};
	size_t i;

	buf_addc(&b, '[');
	for (i = 0; i < argc; i++) {
		if (i > 0)
			buf_addc(&b, ',');
		json_string(&b, argv[i] != NULL ? argv[i] : "");
	}
	buf_addc(&b, ']');
	return buf_detach(&b);
}

void
audit_who_cli(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(getuid());
	const char *tty = isatty(STDIN_FILENO) ? ttyname(STDIN_FILENO) : NULL;
	char user[64];

	if (pw != NULL)
		util_strlcpy(user, pw->pw_name, sizeof user);
	else
		snprintf(user, sizeof user, "uid %u", (unsigned)getuid());
	if (tty != NULL)
		snprintf(buf, len, "%s on %s", user, tty);
	else
		snprintf(buf, len, "%s (no tty)", user);
}

/*
 * incident.c -- the incident tracker: open, join, clear, resolve, and the
 * incidents and incident_timeline tables of a recording.
 *
 * Incidents live in one array sorted by id (ids only grow), each with its
 * public view, its timeline and what is still to be written.  A flush
 * INSERTs new rows with the id the tracker gave them (the next after the
 * table's largest, read at start: there is one writer per file) and
 * UPDATEs known ones, so a wrong id fails loudly instead of overwriting.
 */
#include "incident.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "units.h"
#include "util.h"

#define NCACHE	4

struct inc {
	struct incident	 pub;		/* strings point at the ones below */
	char		*worker, *cls, *strategy, *trigger, *exc_type,
			*exc_message, *acked_by, *resolved_by;

	struct incident_entry *tl;	/* kind and text owned */
	signed char	*tlsev;		/* severity of trigger entries, -1 */
	size_t		 ntl, tlcap;
	size_t		 njoins;	/* join entries in tl */

	size_t		 nflushed;	/* entries already in the store */
	int		 stored;	/* the row exists in the store */
	int		 dirty;		/* the row changed since */

	int		 reported;	/* the engine reports its condition */
	int		 active;	/* the condition holds */
	int64_t		 inactive_ms;	/* since when it does not; -1 unknown */
	uint32_t	 whash;		/* util_hash_str(pub.worker), set by sync */
};

struct listcache {
	char		*worker;	/* NULL: all */
	int		 open_only;
	uint64_t	 gen;		/* 0: empty */
	uint64_t	 used;
	struct incident	*v;
	size_t		 n, cap;
};

struct incidents {
	struct store	*st;
	int64_t		 resolve_after_ms;
	int64_t		 next_id;
	size_t		 keep_resolved;

	struct inc     **v;		/* by id, ascending */
	size_t		 n, cap;
	size_t		 nresolved;
	struct inc     **open;		/* the open ones of v, by id */
	size_t		 nopen, opencap;
	int		 pending;	/* something to flush */

	uint64_t	 gen;		/* bumped on every change */
	uint64_t	 uses;
	struct listcache cache[NCACHE];
};

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static void
setstr(char **dst, const char *s)
{
	free(*dst);
	*dst = empty(s) ? NULL : xstrdup(s);
}

/* Point the view's strings at the current ones. */
static void
sync(struct inc *c)
{
	c->pub.worker = nz(c->worker);
	c->whash = util_hash_str(c->pub.worker);
	c->pub.cls = nz(c->cls);
	c->pub.strategy = nz(c->strategy);
	c->pub.trigger = nz(c->trigger);
	c->pub.exc_type = nz(c->exc_type);
	c->pub.exc_message = nz(c->exc_message);
	c->pub.acked_by = nz(c->acked_by);
	c->pub.resolved_by = nz(c->resolved_by);
}

/* Entry kinds: the known ones point at these (one allocation less per
 * entry), others are copied. */
static const char *const kinds[] = {
	INCIDENT_EV_TRIGGER, INCIDENT_EV_JOIN, INCIDENT_EV_CLEARED,
	INCIDENT_EV_ACK, INCIDENT_EV_NOTE, INCIDENT_EV_RESOLVE,
	INCIDENT_EV_ATTEMPT
};

static const char *
kind_intern(const char *kind)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return kinds[i];
	return xstrdup(kind);
}

static void
kind_free(const char *kind)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(kinds); i++)
		if (kind == kinds[i])
			return;
	free((char *)kind);
}

static void
inc_free(struct inc *c)
{
	size_t i;

	for (i = 0; i < c->ntl; i++) {
		kind_free(c->tl[i].kind);
		free((char *)c->tl[i].text);
	}
	free(c->tl);
	free(c->tlsev);
	free(c->worker);
	free(c->cls);
	free(c->strategy);
	free(c->trigger);
	free(c->exc_type);
	free(c->exc_message);
	free(c->acked_by);
	free(c->resolved_by);
	free(c);
}

static void
changed(struct incidents *in)
{
	in->gen++;
}

static void
touch(struct incidents *in, struct inc *c)
{
	c->dirty = 1;
	in->pending = 1;
	changed(in);
}

/* Room for one more timeline entry (tl and tlsev share tlcap). */
static void
tl_reserve(struct inc *c)
{
	if (c->ntl < c->tlcap)
		return;
	c->tl = xgrow(c->tl, &c->tlcap, c->ntl + 1, sizeof *c->tl);
	c->tlsev = xrealloc(c->tlsev, c->tlcap * sizeof *c->tlsev);
}

/* Append a timeline entry; sev is the trigger's severity for trigger and
 * join entries, -1 for the others. */
static void
entry_add(struct incidents *in, struct inc *c, int64_t ts_ms,
    const char *kind, const char *text, int sev)
{
	tl_reserve(c);
	c->tl[c->ntl].ts_ms = ts_ms;
	c->tl[c->ntl].kind = kind_intern(kind);
	c->tl[c->ntl].text = xstrdup(nz(text));
	c->tlsev[c->ntl] = (signed char)sev;
	c->ntl++;
	if (strcmp(kind, INCIDENT_EV_JOIN) == 0)
		c->njoins++;
	touch(in, c);
}

static struct inc *
inc_new(void)
{
	struct inc *c = xcalloc(1, sizeof *c);

	c->inactive_ms = -1;
	sync(c);
	return c;
}

/* The open list: few entries, scanned by every trigger and condition. */
static void
open_add(struct incidents *in, struct inc *c)
{
	in->open = xgrow(in->open, &in->opencap, in->nopen + 1,
	    sizeof *in->open);
	in->open[in->nopen++] = c;
}

static void
open_del(struct incidents *in, struct inc *c)
{
	size_t i;

	for (i = 0; i < in->nopen; i++)
		if (in->open[i] == c) {
			memmove(in->open + i, in->open + i + 1,
			    (in->nopen - i - 1) * sizeof *in->open);
			in->nopen--;
			return;
		}
}

static void
open_rebuild(struct incidents *in)
{
	size_t i;

	in->nopen = 0;
	for (i = 0; i < in->n; i++)
		if (in->v[i]->pub.open)
			open_add(in, in->v[i]);
}

/* Insert c keeping the array sorted by id (appends in the usual case);
 * a loader rebuilds the open list after. */
static void
insert(struct incidents *in, struct inc *c)
{
	size_t i;

	in->v = xgrow(in->v, &in->cap, in->n + 1, sizeof *in->v);
	i = in->n;
	while (i > 0 && in->v[i - 1]->pub.id > c->pub.id) {
		in->v[i] = in->v[i - 1];
		i--;
	}
	in->v[i] = c;
	in->n++;
	if (!c->pub.open)
		in->nresolved++;
	else
		open_add(in, c);
	changed(in);
}

static struct inc *
find(const struct incidents *in, int64_t id)
{
	size_t lo = 0, hi = in->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (in->v[mid]->pub.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < in->n && in->v[lo]->pub.id == id)
		return in->v[lo];
	return NULL;
}

static struct inc *
find_open(const struct incidents *in, const char *worker, const char *cls)
{
	uint32_t h = util_hash_str(worker);
	size_t i;
	struct inc *c;

	for (i = in->nopen; i > 0; i--) {
		c = in->open[i - 1];
		if (c->whash != h || strcmp(c->pub.worker, worker) != 0)
			continue;
		if (cls == NULL || strcmp(c->pub.cls, cls) == 0)
			return c;
	}
	return NULL;
}

/* Incidents of these classes come from single events: nothing reports
 * when their condition ends, so it ends with the trigger. */
static int
oneoff_class(const char *cls)
{
	return strcmp(cls, INCIDENT_EXCEPTION) == 0 ||
	    strcmp(cls, INCIDENT_OOM) == 0;
}

/* Drop the oldest resolved incidents beyond the limit; with a store only
 * those already written. */
static void
prune(struct incidents *in)
{
	size_t i, j, drop;

	if (in->nresolved <= in->keep_resolved)
		return;
	drop = in->nresolved - in->keep_resolved;
	for (i = j = 0; i < in->n; i++) {
		struct inc *c = in->v[i];

		if (drop > 0 && !c->pub.open &&
		    (in->st == NULL || (!c->dirty && c->nflushed == c->ntl))) {
			inc_free(c);
			in->nresolved--;
			drop--;
			continue;
		}
		in->v[j++] = c;
	}
	if (j != in->n) {
		in->n = j;
		changed(in);
	}
}

static void
resolve(struct incidents *in, struct inc *c, int64_t now_ms, const char *by,
    const char *text)
{
	c->pub.open = 0;
	c->pub.resolved_ms = now_ms;
	setstr(&c->resolved_by, by);
	sync(c);
	open_del(in, c);
	in->nresolved++;
	entry_add(in, c, now_ms, INCIDENT_EV_RESOLVE, text, -1);
}

/* Resolve c when its condition has been inactive long enough.  Returns 1
 * when it did. */
static int
check_due(struct incidents *in, struct inc *c, int64_t now_ms)
{
	char d[UNITS_FMT_MAX], *text;
	int oneoff;

	if (!c->pub.open || strcmp(c->pub.cls, INCIDENT_MANUAL) == 0)
		return 0;
	if (c->inactive_ms < 0) {
		/* restored after a restart: a full period from now */
		c->inactive_ms = now_ms;
		return 0;
	}
	oneoff = oneoff_class(c->pub.cls) || !c->reported;
	if (!oneoff && c->active)
		return 0;
	if (now_ms < c->inactive_ms ||
	    (uint64_t)now_ms - (uint64_t)c->inactive_ms <
	    (uint64_t)in->resolve_after_ms)
		return 0;
	units_format_duration(in->resolve_after_ms, d, sizeof d);
	text = xasprintf(oneoff ? "resolved automatically: no new trigger "
	    "for %s" : "resolved automatically: condition cleared for %s", d);
	resolve(in, c, now_ms, "auto", text);
	free(text);
	return 1;
}

static struct incidents *
tracker_new(int64_t resolve_after_ms)
{
	struct incidents *in = xcalloc(1, sizeof *in);

	in->resolve_after_ms = resolve_after_ms < 0 ? 0 : resolve_after_ms;
	in->next_id = 1;
	in->keep_resolved = INCIDENTS_KEEP_RESOLVED;
	in->gen = 1;
	return in;
}

/* ---- reading the tables ---- */

#define INC_COLUMNS							\
	"id, worker, class, severity, strategy, opened, last_trigger, "	\
	"resolved, resolved_by, acked, acked_by, trigger_text, count, "	\
	"signature, exc_type, exc_message"

static char *
coldup(sqlite3_stmt *q, int col)
{
	const unsigned char *s = sqlite3_column_text(q, col);

	return s == NULL || *s == '\0' ? NULL : xstrdup((const char *)s);
}

static int64_t
colint(sqlite3_stmt *q, int col)
{
	return sqlite3_column_type(q, col) == SQLITE_NULL ? 0 :
	    sqlite3_column_int64(q, col);
}

/* The severity's name in the tables (config_severity_name's words, kept
 * here so the tracker needs nothing of the configuration parser). */
static const char *const sev_names[] = { "info", "warning", "critical" };

static const char *
sev_name(enum severity s)
{
	return (unsigned)s < ARRAY_LEN(sev_names) ? sev_names[s] : "warning";
}

/* A severity from the tables; -1 when missing or unknown. */
static int
parse_severity(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < ARRAY_LEN(sev_names); i++)
		if (strcmp(s, sev_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Read the incidents selected by sql (its first parameter bound to p1)
 * into in.  0, or -1 on a database error. */
static int
load_rows(struct incidents *in, sqlite3 *db, const char *sql, int64_t p1)
{
	sqlite3_stmt *q;
	struct inc *c;
	char *sev;
	int64_t cnt;
	int rc, s;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_bind_parameter_count(q) >= 1)
		sqlite3_bind_int64(q, 1, p1);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		c = inc_new();
		c->pub.id = sqlite3_column_int64(q, 0);
		c->worker = coldup(q, 1);
		c->cls = coldup(q, 2);
		sev = coldup(q, 3);
		s = parse_severity(sev);
		free(sev);
		c->pub.severity = s < 0 ? SEVERITY_WARNING : (enum severity)s;
		c->strategy = coldup(q, 4);
		c->pub.opened_ms = colint(q, 5);
		c->pub.last_ms = colint(q, 6);
		c->pub.open = sqlite3_column_type(q, 7) == SQLITE_NULL;
		c->pub.resolved_ms = colint(q, 7);
		c->resolved_by = coldup(q, 8);
		c->pub.acked_ms = colint(q, 9);
		c->acked_by = coldup(q, 10);
		c->trigger = coldup(q, 11);
		cnt = colint(q, 12);
		c->pub.count = cnt < 1 ? 1 : cnt > INT_MAX ? INT_MAX :
		    (int)cnt;
		c->pub.signature = (uint64_t)colint(q, 13);
		c->exc_type = coldup(q, 14);
		c->exc_message = coldup(q, 15);
		c->stored = 1;
		sync(c);
		if (find(in, c->pub.id) != NULL) {
			inc_free(c);	/* a damaged file: ids are unique */
			continue;
		}
		insert(in, c);
		if (c->pub.id >= in->next_id)
			in->next_id = c->pub.id < INT64_MAX ? c->pub.id + 1 :
			    INT64_MAX;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Read the timeline entries with incident_id >= min_id and ts <= at_ms
 * into the incidents loaded.  0, or -1 on a database error. */
static int
load_timelines(struct incidents *in, sqlite3 *db, int64_t min_id,
    int64_t at_ms)
{
	sqlite3_stmt *q;
	struct inc *c;
	const char *kind;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT incident_id, ts, kind, text, "
	    "severity FROM incident_timeline WHERE incident_id >= ?1 AND "
	    "ts <= ?2 ORDER BY incident_id, id", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, min_id);
	sqlite3_bind_int64(q, 2, at_ms);
	c = NULL;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		const char *sev;

		if (c == NULL || c->pub.id != id)
			c = find(in, id);
		if (c == NULL)
			continue;
		kind = (const char *)sqlite3_column_text(q, 2);
		sev = (const char *)sqlite3_column_text(q, 4);
		tl_reserve(c);
		c->tl[c->ntl].ts_ms = sqlite3_column_int64(q, 1);
		c->tl[c->ntl].kind = kind_intern(nz(kind));
		c->tl[c->ntl].text = xstrdup(nz((const char *)
		    sqlite3_column_text(q, 3)));
		c->tlsev[c->ntl] = (signed char)parse_severity(sev);
		if (strcmp(nz(kind), INCIDENT_EV_JOIN) == 0)
			c->njoins++;
		c->ntl++;
		c->nflushed = c->ntl;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct incidents *
incidents_new(struct store *st, int64_t resolve_after_ms)
{
	struct incidents *in = tracker_new(resolve_after_ms);
	sqlite3_stmt *q;
	sqlite3 *db;
	size_t i;

	in->st = st;
	if (st == NULL || !store_has_table(st, "incidents"))
		return in;
	db = store_db(st);
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM "
	    "incidents", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW) {
			int64_t max = sqlite3_column_int64(q, 0);

			/* at INT64_MAX the next INSERT fails, and says so */
			in->next_id = max < 1 ? 1 : max < INT64_MAX ? max + 1 :
			    max;
		}
		sqlite3_finalize(q);
	}
	/* the open ones, and the last resolved ones for the console */
	if (load_rows(in, db, "SELECT " INC_COLUMNS " FROM incidents WHERE "
	    "resolved IS NULL OR id IN (SELECT id FROM incidents WHERE "
	    "resolved IS NOT NULL ORDER BY id DESC LIMIT ?1) ORDER BY id",
	    INCIDENTS_KEEP_RESOLVED) != 0 ||
	    (in->n > 0 && load_timelines(in, db, in->v[0]->pub.id,
	    INT64_MAX) != 0)) {
		/* start empty; the next flush reports what is wrong */
		while (in->n > 0)
			inc_free(in->v[--in->n]);
		in->nresolved = 0;
		in->nopen = 0;
		return in;
	}
	for (i = 0; i < in->n; i++)
		in->v[i]->inactive_ms = -1;	/* unknown until a tick */
	return in;
}

/* Turn a loaded incident into what it was at at_ms. */
static void
as_of(struct inc *c, int64_t at_ms)
{
	size_t i;
	int count = 0, sev = -1;
	int64_t last = 0;

	if (!c->pub.open && c->pub.resolved_ms > at_ms) {
		c->pub.open = 1;
		c->pub.resolved_ms = 0;
		setstr(&c->resolved_by, NULL);
	}
	if (c->pub.acked_ms > at_ms) {
		c->pub.acked_ms = 0;
		setstr(&c->acked_by, NULL);
	}
	if (c->pub.last_ms > at_ms) {
		/* the timeline holds only entries up to at_ms */
		for (i = 0; i < c->ntl; i++) {
			if (c->tlsev[i] < 0)
				continue;
			count++;
			last = c->tl[i].ts_ms;
			if (c->tlsev[i] > sev)
				sev = c->tlsev[i];
		}
		c->pub.count = count > 0 ? count : 1;
		c->pub.last_ms = count > 0 ? last : c->pub.opened_ms;
		if (sev >= 0)
			c->pub.severity = (enum severity)sev;
	}
	sync(c);
}

struct incidents *
incidents_load(struct store *reader, int64_t at_ms)
{
	struct incidents *in = tracker_new(0);
	sqlite3 *db = store_db(reader);
	int begun = 0, rc;
	size_t i;

	in->keep_resolved = SIZE_MAX;
	if (!store_has_table(reader, "incidents"))
		return in;
	/* one snapshot for both tables, also while a recorder writes */
	if (sqlite3_get_autocommit(db))
		begun = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) ==
		    SQLITE_OK;
	rc = load_rows(in, db, "SELECT " INC_COLUMNS " FROM incidents WHERE "
	    "opened <= ?1 ORDER BY id", at_ms);
	if (rc == 0 && in->n > 0)
		rc = load_timelines(in, db, in->v[0]->pub.id, at_ms);
	if (begun)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != 0) {
		incidents_free(in);
		return NULL;
	}
	in->nresolved = 0;
	for (i = 0; i < in->n; i++) {
		as_of(in->v[i], at_ms);
		if (!in->v[i]->pub.open)
			in->nresolved++;
	}
	open_rebuild(in);
	return in;
}

void
incidents_free(struct incidents *in)
{
	size_t i;

	if (in == NULL)
		return;
	for (i = 0; i < in->n; i++)
		inc_free(in->v[i]);
	free(in->v);
	free(in->open);
	for (i = 0; i < NCACHE; i++) {
		free(in->cache[i].worker);
		free(in->cache[i].v);
	}
	free(in);
}

/* ---- changes ---- */

int64_t
incidents_trigger(struct incidents *in, const struct incident_trigger *t,
    int64_t now_ms)
{
	struct inc *c;
	const char *text;

	if (t == NULL || empty(t->worker) || empty(t->cls))
		return -1;
	text = !empty(t->text) ? t->text : t->cls;
	c = find_open(in, t->worker, t->cls);
	if (c != NULL) {
		if (c->pub.count < INT_MAX)
			c->pub.count++;
		if (now_ms > c->pub.last_ms)
			c->pub.last_ms = now_ms;
		if (t->severity > c->pub.severity) {
			c->pub.severity = t->severity;
			if (!empty(t->strategy))
				setstr(&c->strategy, t->strategy);
		}
		if (c->strategy == NULL)
			setstr(&c->strategy, t->strategy);
		if (c->exc_type == NULL && c->exc_message == NULL) {
			setstr(&c->exc_type, t->exc_type);
			setstr(&c->exc_message, t->exc_message);
		}
		if (c->pub.signature == 0)
			c->pub.signature = t->signature;
		sync(c);
		if (c->njoins < INCIDENT_TIMELINE_JOINS)
			entry_add(in, c, now_ms, INCIDENT_EV_JOIN, text,
			    (int)t->severity);
		else
			touch(in, c);
	} else {
		c = inc_new();
		c->pub.id = in->next_id;
		if (in->next_id < INT64_MAX)
			in->next_id++;
		c->pub.open = 1;
		c->pub.severity = t->severity;
		c->pub.opened_ms = c->pub.last_ms = now_ms;
		c->pub.count = 1;
		c->pub.signature = t->signature;
		c->worker = xstrdup(t->worker);
		c->cls = xstrdup(t->cls);
		setstr(&c->strategy, t->strategy);
		setstr(&c->trigger, text);
		setstr(&c->exc_type, t->exc_type);
		setstr(&c->exc_message, t->exc_message);
		sync(c);
		insert(in, c);
		entry_add(in, c, now_ms, INCIDENT_EV_TRIGGER, text,
		    (int)t->severity);
	}
	c->active = 1;
	c->inactive_ms = now_ms;
	return c->pub.id;
}

void
incidents_condition(struct incidents *in, const char *worker,
    const char *cls, int active, int64_t now_ms)
{
	struct inc *c;

	if (empty(worker) || empty(cls))
		return;
	c = find_open(in, worker, cls);
	if (c == NULL || oneoff_class(c->pub.cls))
		return;
	c->reported = 1;
	if (c->inactive_ms < 0) {
		/* the first report after a restart */
		c->active = active;
		c->inactive_ms = now_ms;
	} else if (c->active && !active) {
		c->active = 0;
		c->inactive_ms = now_ms;
		entry_add(in, c, now_ms, INCIDENT_EV_CLEARED,
		    "condition cleared", -1);
	} else if (!c->active && active) {
		c->active = 1;
		if (c->njoins < INCIDENT_TIMELINE_JOINS)
			entry_add(in, c, now_ms, INCIDENT_EV_JOIN,
			    "condition holds again", -1);
	}
	check_due(in, c, now_ms);
}

int
incidents_tick(struct incidents *in, int64_t now_ms)
{
	size_t i;
	int n = 0;

	/* backwards: resolving removes from the list behind us */
	for (i = in->nopen; i > 0; i--)
		n += check_due(in, in->open[i - 1], now_ms);
	if (n > 0 && in->st == NULL)
		prune(in);
	return n;
}

static const char *
who_or_default(const char *who)
{
	return empty(who) ? "operator" : who;
}

static struct inc *
lookup(struct incidents *in, int64_t id, char *err, size_t errlen)
{
	struct inc *c = find(in, id);

	if (c == NULL && err != NULL && errlen > 0)
		snprintf(err, errlen, "no incident #%lld", (long long)id);
	return c;
}

static int
refuse_resolved(struct inc *c, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "incident #%lld is already resolved "
		    "(%s%s)", (long long)c->pub.id,
		    strcmp(c->pub.resolved_by, "auto") == 0 ? "" : "by ",
		    c->pub.resolved_by);
	return -1;
}

int
incidents_ack(struct incidents *in, int64_t id, const char *who,
    int64_t now_ms, char *err, size_t errlen)
{
	struct inc *c = lookup(in, id, err, errlen);
	char *text;

	if (c == NULL)
		return -1;
	if (!c->pub.open)
		return refuse_resolved(c, err, errlen);
	if (c->pub.acked_ms != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "incident #%lld was already "
			    "acknowledged by %s", (long long)id,
			    c->pub.acked_by);
		return -1;
	}
	who = who_or_default(who);
	c->pub.acked_ms = now_ms;
	setstr(&c->acked_by, who);
	sync(c);
	text = xasprintf("acknowledged by %s", who);
	entry_add(in, c, now_ms, INCIDENT_EV_ACK, text, -1);
	free(text);
	return 0;
}

int
incidents_note(struct incidents *in, int64_t id, const char *who,
    const char *text, int64_t now_ms, char *err, size_t errlen)
{
	struct inc *c;
	char *s;

	if (empty(text)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "a note needs some text");
		return -1;
	}
	if ((c = lookup(in, id, err, errlen)) == NULL)
		return -1;
	s = xasprintf("%s: %s", who_or_default(who), text);
	entry_add(in, c, now_ms, INCIDENT_EV_NOTE, s, -1);
	free(s);
	return 0;
}

int
incidents_resolve(struct incidents *in, int64_t id, const char *who,
    int64_t now_ms, char *err, size_t errlen)
{
	struct inc *c = lookup(in, id, err, errlen);
	char *text;

	if (c == NULL)
		return -1;
	if (!c->pub.open)
		return refuse_resolved(c, err, errlen);
	who = who_or_default(who);
	text = xasprintf("resolved by %s", who);
	resolve(in, c, now_ms, who, text);
	free(text);
	if (in->st == NULL)
		prune(in);
	return 0;
}

int
incidents_attempt(struct incidents *in, int64_t id, const char *text,
    int64_t now_ms)
{
	struct inc *c = find(in, id);

	if (c == NULL || text == NULL)
		return -1;
	entry_add(in, c, now_ms, INCIDENT_EV_ATTEMPT, text, -1);
	return 0;
}

/* ---- views ---- */

int64_t
incidents_find_open(const struct incidents *in, const char *worker,
    const char *cls_or_null)
{
	struct inc *c;

	if (worker == NULL)
		return -1;
	c = find_open(in, worker, cls_or_null);
	return c != NULL ? c->pub.id : -1;
}

int64_t
incidents_find_ref(const struct incidents *in, const char *ref, char *err,
    size_t errlen)
{
	const char *s = ref;
	char *end;
	long long id;
	int64_t found;

	if (empty(ref)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "which incident? give an ID or "
			    "a WORKER");
		return -1;
	}
	if (*s == '#')
		s++;
	if (*s >= '0' && *s <= '9') {
		id = strtoll(s, &end, 10);
		if (*end == '\0') {
			if (find(in, id) != NULL)
				return id;
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "no incident #%s", s);
			return -1;
		}
	}
	if ((found = incidents_find_open(in, ref, NULL)) >= 0)
		return found;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "no open incident on worker %s", ref);
	return -1;
}

static int
cache_match(const struct listcache *lc, const char *worker, int open_only)
{
	if (lc->open_only != open_only)
		return 0;
	if (worker == NULL || lc->worker == NULL)
		return worker == lc->worker;
	return strcmp(worker, lc->worker) == 0;
}

size_t
incidents_list(const struct incidents *cin, const char *worker_or_null,
    int open_only, const struct incident **out)
{
	/* the lists are a cache: filling one does not change the tracker */
	struct incidents *in = (struct incidents *)cin;
	struct listcache *lc = NULL;
	size_t i;

	open_only = open_only != 0;
	for (i = 0; i < NCACHE; i++)
		if (in->cache[i].gen == in->gen &&
		    cache_match(&in->cache[i], worker_or_null, open_only)) {
			lc = &in->cache[i];
			goto done;
		}
	/* a stale slot, else the least recently used */
	lc = &in->cache[0];
	for (i = 0; i < NCACHE; i++) {
		if (in->cache[i].gen != in->gen) {
			lc = &in->cache[i];
			break;
		}
		if (in->cache[i].used < lc->used)
			lc = &in->cache[i];
	}
	free(lc->worker);
	lc->worker = worker_or_null != NULL ? xstrdup(worker_or_null) : NULL;
	lc->open_only = open_only;
	lc->gen = in->gen;
	lc->n = 0;
	for (i = in->n; i > 0; i--) {
		const struct incident *p = &in->v[i - 1]->pub;

		if (open_only && !p->open)
			continue;
		if (worker_or_null != NULL &&
		    strcmp(p->worker, worker_or_null) != 0)
			continue;
		lc->v = xgrow(lc->v, &lc->cap, lc->n + 1, sizeof *lc->v);
		lc->v[lc->n++] = *p;
	}
done:
	lc->used = ++in->uses;
	*out = lc->v;
	return lc->n;
}

const struct incident *
incidents_get(const struct incidents *in, int64_t id)
{
	struct inc *c = find(in, id);

	return c != NULL ? &c->pub : NULL;
}

size_t
incidents_timeline(const struct incidents *in, int64_t id,
    const struct incident_entry **out)
{
	struct inc *c = find(in, id);

	if (c == NULL) {
		*out = NULL;
		return 0;
	}
	*out = c->tl;
	return c->ntl;
}

size_t
incidents_open_count(const struct incidents *in, const char *worker_or_null)
{
	size_t i, n = 0;

	for (i = 0; i < in->nopen; i++)
		if (worker_or_null == NULL ||
		    strcmp(in->open[i]->pub.worker, worker_or_null) == 0)
			n++;
	return n;
}

/* ---- writing ---- */

static void
bind_text(sqlite3_stmt *q, int col, const char *s)
{
	if (empty(s))
		sqlite3_bind_null(q, col);
	else
		sqlite3_bind_text(q, col, s, -1, SQLITE_STATIC);
}

static void
bind_time(sqlite3_stmt *q, int col, int64_t ms)
{
	if (ms == 0)
		sqlite3_bind_null(q, col);
	else
		sqlite3_bind_int64(q, col, ms);
}

static int
step_done(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
write_inc(struct inc *c, sqlite3_stmt *ins, sqlite3_stmt *upd,
    sqlite3_stmt *tl)
{
	sqlite3_stmt *q = c->stored ? upd : ins;
	size_t i;

	if (c->dirty) {
		sqlite3_bind_int64(q, 1, c->pub.id);
		if (!c->stored) {
			sqlite3_bind_text(q, 2, c->pub.worker, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(q, 3, c->pub.cls, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 6, c->pub.opened_ms);
			sqlite3_bind_text(q, 12, c->pub.trigger, -1,
			    SQLITE_STATIC);
		}
		sqlite3_bind_text(q, 4, sev_name(c->pub.severity),
		    -1, SQLITE_STATIC);
		bind_text(q, 5, c->strategy);
		sqlite3_bind_int64(q, 7, c->pub.last_ms);
		if (c->pub.open)
			sqlite3_bind_null(q, 8);
		else
			sqlite3_bind_int64(q, 8, c->pub.resolved_ms);
		bind_text(q, 9, c->resolved_by);
		bind_time(q, 10, c->pub.acked_ms);
		bind_text(q, 11, c->acked_by);
		sqlite3_bind_int64(q, 13, c->pub.count);
		if (c->pub.signature == 0)
			sqlite3_bind_null(q, 14);
		else
			sqlite3_bind_int64(q, 14, (int64_t)c->pub.signature);
		bind_text(q, 15, c->exc_type);
		bind_text(q, 16, c->exc_message);
		if (step_done(q) != 0)
			return -1;
	}
	for (i = c->nflushed; i < c->ntl; i++) {
		sqlite3_bind_int64(tl, 1, c->pub.id);
		sqlite3_bind_int64(tl, 2, c->tl[i].ts_ms);
		sqlite3_bind_text(tl, 3, c->tl[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(tl, 4, c->tl[i].text, -1, SQLITE_STATIC);
		if (c->tlsev[i] < 0)
			sqlite3_bind_null(tl, 5);
		else
			sqlite3_bind_text(tl, 5, sev_name(
			    (enum severity)c->tlsev[i]), -1, SQLITE_STATIC);
		if (step_done(tl) != 0)
			return -1;
	}
	return 0;
}

int
incidents_flush(struct incidents *in, char *err, size_t errlen)
{
	sqlite3_stmt *ins = NULL, *upd = NULL, *tl = NULL;
	sqlite3 *db;
	size_t i;
	int rc = -1;

	if (in->st == NULL || !in->pending)
		return 0;
	/* a deleted or immutable recording is an error here, not a write
	 * into a dead file or a SIGBUS; the rows stay pending */
	if (store_check(in->st, err, errlen) != 0)
		return -1;
	db = store_db(in->st);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT INTO incidents (" INC_COLUMNS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    "?13, ?14, ?15, ?16)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE incidents SET severity = ?4, "
	    "strategy = ?5, last_trigger = ?7, resolved = ?8, resolved_by = "
	    "?9, acked = ?10, acked_by = ?11, count = ?13, signature = ?14, "
	    "exc_type = ?15, exc_message = ?16 WHERE id = ?1", -1, &upd,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO incident_timeline "
	    "(incident_id, ts, kind, text, severity) VALUES (?1, ?2, ?3, ?4, "
	    "?5)", -1, &tl, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < in->n; i++)
		if ((in->v[i]->dirty || in->v[i]->nflushed < in->v[i]->ntl) &&
		    write_inc(in->v[i], ins, upd, tl) != 0)
			goto out;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	rc = 0;
out:
	if (rc != 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: writing incidents: %s",
		    store_path(in->st), sqlite3_errmsg(db));
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	sqlite3_finalize(tl);
	if (rc != 0) {
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < in->n; i++) {
		struct inc *c = in->v[i];

		if (c->dirty || c->nflushed < c->ntl) {
			c->stored = 1;
			c->dirty = 0;
			c->nflushed = c->ntl;
		}
	}
	in->pending = 0;
	prune(in);
	changed(in);
	return 0;
}

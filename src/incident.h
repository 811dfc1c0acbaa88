/*
 * incident.h -- error sessions (incidents): what went wrong on a worker,
 * from the first trigger to its resolution.
 *
 * An incident belongs to one worker and has one class ("crash", "oom",
 * "leak", "memory", "latency", "error-rate", "unreachable", "exception",
 * "rule", "manual", or a class from a log classification rule).  While it
 * is open, every further trigger of the same class on the same worker
 * JOINS it (a timeline entry and a count, never a second incident).  It
 * is resolved automatically once its condition has stayed inactive for
 * resolve_after_ms, or by an operator; operators acknowledge it and add
 * notes; recovery actions attach their attempts.
 *
 * The tracker keeps every open incident and the last few hundred resolved
 * ones in memory, and, given a store, every change in it: ids are then
 * the rows' ids in the incidents table (docs/storage.md), and a restarted
 * recorder continues the incidents that were open.  docs/incidents.md is
 * the user's description.
 *
 * Strings in the views (struct incident, struct incident_entry) are never
 * NULL: "" stands for none.
 */
#ifndef MODELTOP_INCIDENT_H
#define MODELTOP_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct store;
struct engine;

/* The default resolve_after_ms: five minutes. */
#define INCIDENTS_RESOLVE_AFTER_MS	(5 * 60 * 1000)
/* Resolved incidents a live tracker keeps in memory (the store has all). */
#define INCIDENTS_KEEP_RESOLVED		256
/* Joins recorded in one incident's timeline; later joins are only
 * counted (count, last_ms), so a trigger that fires every tick cannot
 * grow a timeline without bound.  Other entries are always recorded. */
#define INCIDENT_TIMELINE_JOINS		200

/* Classes the engine uses (a log rule may name any other). */
#define INCIDENT_CRASH		"crash"
#define INCIDENT_OOM		"oom"
#define INCIDENT_LEAK		"leak"
#define INCIDENT_MEMORY		"memory"
#define INCIDENT_LATENCY	"latency"
#define INCIDENT_ERROR_RATE	"error-rate"
#define INCIDENT_UNREACHABLE	"unreachable"
#define INCIDENT_EXCEPTION	"exception"
#define INCIDENT_RULE		"rule"
#define INCIDENT_MANUAL		"manual"

/* Timeline entry kinds. */
#define INCIDENT_EV_TRIGGER	"trigger"	/* the first trigger */
#define INCIDENT_EV_JOIN	"join"		/* a later trigger */
#define INCIDENT_EV_CLEARED	"cleared"	/* the condition stopped holding */
#define INCIDENT_EV_ACK		"ack"
#define INCIDENT_EV_NOTE	"note"
#define INCIDENT_EV_RESOLVE	"resolve"
#define INCIDENT_EV_ATTEMPT	"attempt"	/* a recovery attempt */

struct incidents;

/* What opens or joins an incident.  worker and cls are required; the
 * other strings may be NULL.  signature identifies a recurring error (a
 * traceback's hash), 0 when none. */
struct incident_trigger {
	const char	*worker, *cls, *strategy, *text, *exc_type, *exc_message;
	enum severity	 severity;
	uint64_t	 signature;
};

/* A borrowed view of one incident.  resolved_ms is 0 while open, acked_ms
 * 0 when not acknowledged; resolved_by is "auto" or who resolved it. */
struct incident {
	int64_t		 id;
	const char	*worker, *cls, *strategy, *trigger, *exc_type,
			*exc_message, *acked_by, *resolved_by;
	enum severity	 severity;
	int		 open;
	int64_t		 opened_ms, last_ms, resolved_ms, acked_ms;
	int		 count;		/* triggers: the first and the joins */
	uint64_t	 signature;
};

/* One entry of an incident's timeline (kind: INCIDENT_EV_*). */
struct incident_entry {
	int64_t		 ts_ms;
	const char	*kind, *text;
};

/*
 * A new tracker.  With a store (a writer), its open incidents and the
 * most recent resolved ones are loaded with their timelines so that a
 * restarted recorder continues them (a restored incident's condition
 * counts as unknown until the first tick after the restart), new ids
 * continue the table's, and incidents_flush writes changes there.  NULL:
 * memory only, ids count from 1.  resolve_after_ms < 0 counts as 0.
 * Never fails: a store it cannot read leaves the tracker empty (the next
 * flush then reports the problem).  Free with incidents_free, before
 * closing the store.
 */
struct incidents *incidents_new(struct store *st_or_null,
    int64_t resolve_after_ms);
/* Free the tracker and everything it owns; pending changes not flushed
 * are lost.  NULL is ok. */
void incidents_free(struct incidents *in);

/*
 * Open a new incident for t->worker and t->cls, or JOIN the open one of
 * the same worker and class: the count, the last trigger time and the
 * timeline grow, a more severe trigger raises the severity (and brings
 * its strategy), and a missing strategy, exception type, message or
 * signature is filled in.  A trigger also means the condition holds now.
 * Returns the incident's id, or -1 when worker or cls is NULL or empty.
 */
int64_t incidents_trigger(struct incidents *in,
    const struct incident_trigger *t, int64_t now_ms);

/*
 * Report whether the condition of class cls still holds for worker (the
 * engine calls it every tick for each condition it watches: worker up
 * again, rule cleared, memory back to low risk).  Going inactive adds a
 * "cleared" entry; the open incident of that worker and class is resolved
 * (resolved_by "auto") once the condition has been inactive for
 * resolve_after_ms.  No open incident: nothing to do.  Incidents of
 * one-off classes (exception, oom) and incidents whose condition is never
 * reported count as inactive from their last trigger; "manual" ones
 * never resolve by themselves.  See incidents_tick.
 */
void incidents_condition(struct incidents *in, const char *worker,
    const char *cls, int active, int64_t now_ms);

/*
 * Resolve every open incident that is due (see incidents_condition),
 * whether or not its condition was reported this tick.  The engine calls
 * it once per tick, after the conditions.  Returns how many it resolved.
 */
int incidents_tick(struct incidents *in, int64_t now_ms);

/*
 * Operator actions on incident id; who is "user on /dev/pts/3" or a
 * policy's name (NULL: "operator").  Each returns 0, or -1 with a
 * message in err (errlen bytes; err may be NULL): "no incident #ID",
 * "incident #ID is already resolved (...)", "incident #ID was already
 * acknowledged by WHO", "a note needs some text".  A note may be added
 * to a resolved incident (for the postmortem); ack and resolve need an
 * open one.
 */
int incidents_ack(struct incidents *in, int64_t id, const char *who,
    int64_t now_ms, char *err, size_t errlen);
int incidents_note(struct incidents *in, int64_t id, const char *who,
    const char *text, int64_t now_ms, char *err, size_t errlen);
int incidents_resolve(struct incidents *in, int64_t id, const char *who,
    int64_t now_ms, char *err, size_t errlen);
/* Attach a recovery attempt ("trim: rss 2.1G -> 1.2G, ok") to incident
 * id, open or resolved.  0, or -1 when id is unknown or text NULL. */
int incidents_attempt(struct incidents *in, int64_t id, const char *text,
    int64_t now_ms);

/* The id of the newest open incident of worker (of class cls, or of any
 * class when cls is NULL), or -1 when there is none. */
int64_t incidents_find_open(const struct incidents *in, const char *worker,
    const char *cls_or_null);

/*
 * The incident an operator means by ref: "12" or "#12" is an id the
 * tracker knows, anything else a worker, meaning its newest open
 * incident.  Returns the id, or -1 with a message in err: "no incident
 * #12", "no open incident on worker W", "which incident? give an ID or
 * a WORKER" (ref NULL or empty).
 */
int64_t incidents_find_ref(const struct incidents *in, const char *ref,
    char *err, size_t errlen);

/*
 * Views for the console and the reports.  *out is set to an array owned
 * by the tracker, valid until the next call that changes the tracker
 * (trigger, condition, tick, ack, note, resolve, attempt, flush, free);
 * up to four differently filtered lists stay valid side by side.
 */
/* The incidents kept, newest first (by id), only worker's when
 * worker_or_null is not NULL, only open ones when open_only.  Returns
 * how many. */
size_t incidents_list(const struct incidents *in, const char *worker_or_null,
    int open_only, const struct incident **out);
/* Incident id, or NULL when the tracker does not have it. */
const struct incident *incidents_get(const struct incidents *in, int64_t id);
/* The timeline of incident id, oldest first; 0 (and *out NULL) when id is
 * unknown. */
size_t incidents_timeline(const struct incidents *in, int64_t id,
    const struct incident_entry **out);
/* The number of open incidents (of worker, or of all). */
size_t incidents_open_count(const struct incidents *in,
    const char *worker_or_null);

/*
 * Write every pending change into the tracker's store in one
 * transaction; the engine calls it right before each store_commit.
 * Returns 0 (also without a store, or with nothing pending), or -1 with
 * a message naming the file in err: the transaction is rolled back and
 * the changes stay pending for the next call.
 */
int incidents_flush(struct incidents *in, char *err, size_t errlen);

/*
 * The incidents of a recording as they were at at_ms (INT64_MAX: all, as
 * last committed; works on a file a recorder is writing): those opened
 * by at_ms, with the timeline up to at_ms; one resolved after at_ms is
 * shown open, one acknowledged after at_ms unacknowledged, and its count,
 * last trigger and severity are those of its triggers up to at_ms.  A
 * recording without incident tables gives an empty tracker (check with
 * store_has_table(st, "incidents") to tell the two apart).  The result
 * keeps every incident, is not tied to the store, and is freed with
 * incidents_free.  NULL on a database error (sqlite3_errmsg of
 * store_db(reader) says which).
 */
struct incidents *incidents_load(struct store *reader, int64_t at_ms);


#endif

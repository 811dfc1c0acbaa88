/*
 * analysis.c -- anomalies, memory health, rules, logs and incidents.
 */
#include "analysis.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anomaly.h"
#include "classify.h"
#include "config.h"
#include "engine.h"
#include "figures.h"
#include "incident.h"
#include "logkeep.h"
#include "logtail.h"
#include "proc.h"
#include "recover.h"
#include "rules.h"
#include "traceback.h"
#include "util.h"

#define LOG_KEEP	300	/* lines kept per worker for the console */
#define LOG_LINE_MAX	1024	/* bytes kept of one line */
/* A kept line's tag: matched, severity and the index of its class in
 * the analysis' table of classes (0: none). */
#define TAG_MATCHED	0x8000u
#define TAG_SEV_SHIFT	13
#define TAG_SEV_MASK	0x3u
#define TAG_CLASS_MASK	0x1fffu
_Static_assert(SEVERITY_CRITICAL <= TAG_SEV_MASK, "a severity fits the tag");
#define LOG_POLL_BYTES	(256 * 1024)	/* per worker per tick */
#define RESTARTS_KEPT	64
#define UNREACHABLE_TICKS 3	/* failed scrapes in a row */
#define OOM_EVERY_MS	5000
#define OOM_RETRY_MS	60000	/* after memory.events could not be read */
/* A per-tick rate whose two points are further apart than this many
 * intervals is computed across a gap in the timeline (the wall clock
 * stepped forward, the worker or its scrapes were away): not fed to the
 * detectors. */
#define GAP_INTERVALS	5
/* significant bits kept of an anomaly score or a forecast (a relative
 * step of 0.05%; other computed figures keep 16, see engine.c) */
#define SCORE_BITS	11

static const char *const figure_names[AF_COUNT] = {
	"latency_p99_seconds", "errors_per_second", "requests_per_second",
	"proc_cpu_percent", "proc_rss_bytes",
};
#define FIGURE_LABELS(name)	"{figure=\"" name "\"}"
static const char *const figure_labels[AF_COUNT] = {
	FIGURE_LABELS("latency_p99_seconds"),
	FIGURE_LABELS("errors_per_second"),
	FIGURE_LABELS("requests_per_second"),
	FIGURE_LABELS("proc_cpu_percent"),
	FIGURE_LABELS("proc_rss_bytes"),
};

struct worker_analysis {
	struct analysis	*a;
	struct worker	*w;
	struct anomaly	 anom[AF_COUNT];
	/* each figure's anomaly_score, forecast_60s, _lo and _hi series */
	struct series	*anom_series[AF_COUNT][4];
	struct memhealth mem;
	struct worker_health health;
	int		 had_leak, had_risk;
	int		 last_risk;

	struct logtail	*log;
	struct tb_asm	*tb;
	struct logkeep	 lines;

	int64_t		*restarts;	/* RESTARTS_KEPT, from the first */
	size_t		 nrestarts;
	int		 was_down;
	int		 fail_streak;
	int		 oom_known;
	char		*oom_path;	/* memory.events of the cgroup */
	uint64_t	 oom_kills;
	int64_t		 oom_checked_ms;
	int		 rule_class_firing[4];
};

struct analysis {
	struct engine	*eng;
	const struct config *cfg;
	struct incidents *inc;
	struct rules	*rules;
	struct classifier *cls;
	double		 psi_some, psi_full;
	int		 psi_high;
	int64_t		 now_ms;
	/* the classes of kept log lines: owned by cls (or static) */
	const char	**classes;
	size_t		 nclasses, classcap;
};

/* Rules fire incidents of a class that says what they watch. */
static const char *const rule_classes[4] = { INCIDENT_LATENCY,
    INCIDENT_ERROR_RATE, INCIDENT_MEMORY, INCIDENT_RULE };

/* ------------------------------------------------------------------ */
/* set-up */

static const char *
shipped_rules(char *buf, size_t len)
{
	char exe[PATH_MAX - 64], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		/* the repository root (the binary is built there) */
		snprintf(buf, len, "%s/data/rules/python.ini", exe);
		if (access(buf, R_OK) == 0)
			return buf;
		/* an install: PREFIX/bin/modeltop, PREFIX/share/modeltop */
		snprintf(buf, len, "%s/../share/modeltop/rules/python.ini",
		    exe);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	snprintf(buf, len, "%s/rules/python.ini", MODELTOP_DATADIR);
	if (access(buf, R_OK) == 0)
		return buf;
	snprintf(buf, len, "data/rules/python.ini");
	return access(buf, R_OK) == 0 ? buf : NULL;
}

struct analysis *
analysis_new(struct engine *eng, const struct config *cfg, struct store *st)
{
	struct analysis *a = xcalloc(1, sizeof *a);
	struct cfg_errors errs = {0};
	const char *paths[2];
	char shipped[PATH_MAX];
	size_t n = 0, i;

	a->eng = eng;
	a->cfg = cfg;
	a->inc = incidents_new(st, cfg->resolve_after_ms);
	a->rules = rules_new(cfg);
	/* the shipped rules, then the user's: a user rule named like a
	 * shipped one replaces it; the shipped catch-all stays last */
	if (shipped_rules(shipped, sizeof shipped) != NULL)
		paths[n++] = shipped;
	else
		engine_event(eng, NULL, EV_LOG, "no shipped log rules found "
		    "(data/rules/python.ini): only your own rules apply");
	if (cfg->log_rules != NULL)
		paths[n++] = cfg->log_rules;
	a->cls = classifier_load(paths, n, &errs);
	for (i = 0; i < errs.n; i++)
		engine_event(eng, NULL, EV_LOG, "%s:%d: %s",
		    errs.v[i].file != NULL ? errs.v[i].file : "?",
		    errs.v[i].line, errs.v[i].msg);
	cfg_errors_free(&errs);
	a->psi_some = a->psi_full = NAN;
	return a;
}

void
analysis_worker_free(struct worker *w)
{
	struct worker_analysis *wa = w->an;
	int i;

	if (wa == NULL)
		return;
	for (i = 0; i < AF_COUNT; i++)
		anomaly_free(&wa->anom[i]);
	logtail_free(wa->log);
	tb_asm_free(wa->tb);
	logkeep_free(&wa->lines);
	free(wa->restarts);
	free(wa->oom_path);
	free(wa);
	w->an = NULL;
}

void
analysis_free(struct analysis *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < engine_worker_count(a->eng); i++)
		analysis_worker_free(engine_worker(a->eng, i));
	incidents_free(a->inc);
	rules_free(a->rules);
	classifier_free(a->cls);
	free(a->classes);
	free(a);
}

static struct worker_analysis *
state(struct analysis *a, struct worker *w)
{
	struct worker_analysis *wa = w->an;
	int i;

	if (wa != NULL)
		return wa;
	wa = xcalloc(1, sizeof *wa);
	wa->a = a;
	wa->w = w;
	for (i = 0; i < AF_COUNT; i++)
		anomaly_init(&wa->anom[i], 0, 0,
		    i == AF_REQUESTS || i == AF_CPU ? ANOMALY_BOTH :
		    ANOMALY_HIGH);
	/* the smallest change that matters in each figure's unit */
	anomaly_set_floor(&wa->anom[AF_LATENCY], 0.001, ANOMALY_REL_FLOOR);
	anomaly_set_floor(&wa->anom[AF_ERRORS], 0.5, ANOMALY_REL_FLOOR);
	anomaly_set_floor(&wa->anom[AF_REQUESTS], 1, ANOMALY_REL_FLOOR);
	anomaly_set_floor(&wa->anom[AF_CPU], 2, ANOMALY_REL_FLOOR);
	anomaly_set_floor(&wa->anom[AF_RSS], 1 << 20, ANOMALY_REL_FLOOR);
	memhealth_init(&wa->mem, a->cfg->memory_window_ms);
	logkeep_init(&wa->lines, LOG_KEEP);
	if (w->cfg != NULL && w->cfg->log != NULL) {
		wa->log = logtail_open(w->cfg->log);
		wa->tb = tb_asm_new();
	}
	w->an = wa;
	return wa;
}

struct incidents *
analysis_incidents(struct analysis *a)
{
	return a->inc;
}

const struct worker_health *
analysis_health(const struct worker *w)
{
	const struct worker_analysis *wa = w->an;

	return wa != NULL && wa->health.has_memory ? &wa->health : NULL;
}

size_t
analysis_log_count(const struct worker *w)
{
	const struct worker_analysis *wa = w->an;

	return wa != NULL ? logkeep_count(&wa->lines) : 0;
}

uint64_t
analysis_log_gen(const struct worker *w)
{
	const struct worker_analysis *wa = w->an;

	return wa != NULL ? logkeep_gen(&wa->lines) : 0;
}

void
analysis_log_line(const struct worker *w, size_t i,
    struct analysis_line *out)
{
	const struct worker_analysis *wa = w->an;
	struct logkeep_line l;
	size_t k;

	logkeep_get(&wa->lines, i, &l);
	k = l.tag & TAG_CLASS_MASK;
	out->ts_ms = l.ts_ms;
	out->seq = l.seq;
	out->text = l.text;
	out->len = l.len;
	out->matched = (l.tag & TAG_MATCHED) != 0;
	out->cls = k > 0 && k <= wa->a->nclasses ? wa->a->classes[k - 1] :
	    "";
	out->severity = (int)(l.tag >> TAG_SEV_SHIFT & TAG_SEV_MASK);
}

void
analysis_pressure(const struct analysis *a, double *some, double *full)
{
	*some = a->psi_some;
	*full = a->psi_full;
}

int
analysis_flush(struct analysis *a, char *err, size_t errlen)
{
	return incidents_flush(a->inc, err, errlen);
}

/* ------------------------------------------------------------------ */
/* incidents */

static void
trigger(struct analysis *a, struct worker *w, const char *cls,
    enum severity sev, const char *strategy, const char *text,
    const char *exc_type, const char *exc_message, uint64_t signature,
    int64_t ts)
{
	struct incident_trigger t;
	int64_t before, id;

	memset(&t, 0, sizeof t);
	t.worker = w->name;
	t.cls = cls;
	t.severity = sev;
	t.strategy = strategy;
	t.text = text;
	t.exc_type = exc_type;
	t.exc_message = exc_message;
	t.signature = signature;
	before = incidents_find_open(a->inc, w->name, cls);
	id = incidents_trigger(a->inc, &t, ts);
	if (id >= 0 && before != id)
		engine_event(a->eng, w->name, EV_INCIDENT,
		    "incident #%lld opened: %s (%s): %s", (long long)id, cls,
		    config_severity_name(sev), text);
}

/* The configured action that carries out a mitigation, if any. */
static void
pick_action(const struct worker *w, enum memhealth_mitigation m,
    const struct config *cfg, char *buf, size_t len)
{
	const char *want = memhealth_mitigation_name(m);
	size_t i;

	buf[0] = '\0';
	if (m == MITIGATE_NONE)
		return;
	if (m == MITIGATE_RAISE_LIMIT) {
		snprintf(buf, len, "raise memory_limit");
		return;
	}
	for (i = 0; w->cfg != NULL && i < w->cfg->nactions; i++) {
		const struct cfg_action *ac = config_action(cfg,
		    w->cfg->actions[i]);
		int fits;

		if (ac == NULL)
			continue;
		if (m == MITIGATE_TRIM)
			fits = strstr(ac->name, "trim") != NULL ||
			    (ac->kind == ACTION_SIGNAL && ac->signo == SIGUSR1);
		else
			fits = strstr(ac->name, "restart") != NULL ||
			    (ac->kind == ACTION_SIGNAL &&
			    (ac->signo == SIGTERM || ac->signo == SIGKILL));
		if (fits) {
			snprintf(buf, len, "%s (action %s)", want, ac->name);
			return;
		}
	}
	snprintf(buf, len, "%s (no %s action configured)", want, want);
}

/* ------------------------------------------------------------------ */
/* logs */

struct log_ctx {
	struct analysis	*a;
	struct worker_analysis *wa;
	int64_t		 ts;
	int		 in_line;	/* inside on_line: the line is not kept yet */
	int		 line_matched;	/* ... and a rule matched it */
	struct class_match line_match;
};

/* The tag of a line matched by m (NULL: none).  A class is entered in
 * the analysis' table the first time a line shows it; should the table
 * be full, the line keeps no class (the console shows "match"). */
static unsigned
line_tag(struct analysis *a, const struct class_match *m)
{
	size_t k = 0;

	if (m == NULL)
		return 0;
	if (m->cls != NULL && m->cls[0] != '\0') {
		/* k: the class's index + 1 in the table, 0 none */
		while (k < a->nclasses && a->classes[k] != m->cls &&
		    strcmp(a->classes[k], m->cls) != 0)
			k++;
		if (k < a->nclasses)
			k++;
		else if (a->nclasses < TAG_CLASS_MASK) {
			a->classes = xgrow(a->classes, &a->classcap,
			    a->nclasses + 1, sizeof *a->classes);
			a->classes[a->nclasses++] = m->cls;
			k = a->nclasses;
		} else
			k = 0;
	}
	return TAG_MATCHED | ((unsigned)m->severity & TAG_SEV_MASK) <<
	    TAG_SEV_SHIFT | (unsigned)k;
}

static void
keep_line(struct worker_analysis *wa, const char *line, size_t len,
    int64_t ts, const struct class_match *m)
{
	/* a third goes when it is full, the oldest */
	if (logkeep_count(&wa->lines) == LOG_KEEP)
		logkeep_drop(&wa->lines, LOG_KEEP / 3);
	if (len > LOG_LINE_MAX)
		len = LOG_LINE_MAX;
	logkeep_add(&wa->lines, line, len, ts, line_tag(wa->a, m));
}

/* Mark the last n kept lines as matched by m. */
static void
mark_lines(struct worker_analysis *wa, size_t n, const struct class_match *m)
{
	size_t i, count = logkeep_count(&wa->lines);
	unsigned tag = line_tag(wa->a, m);

	if (n > count)
		n = count;
	for (i = count - n; i < count; i++)
		logkeep_set_tag(&wa->lines, i, tag);
}

static void
on_record(void *arg, const struct tb_record *r)
{
	struct log_ctx *lc = arg;
	struct worker_analysis *wa = lc->wa;
	struct class_match m;
	int matched;
	char text[1024];

	matched = classifier_match(lc->a->cls, r, &m) == 1;
	if (!matched) {
		if (!r->is_traceback)
			return;
		/* a traceback no rule knows is still an exception */
		m.rule = "traceback";
		m.cls = INCIDENT_EXCEPTION;
		m.severity = SEVERITY_WARNING;
		m.strategy = "investigate";
	}
	if (r->is_traceback)
		snprintf(text, sizeof text, "%s: %s%s%s", r->exc_type,
		    r->message, r->where[0] != '\0' ? " at " : "", r->where);
	else
		snprintf(text, sizeof text, "%.*s", (int)(r->text_len > 600 ?
		    600 : r->text_len), r->text);
	engine_event(lc->a->eng, wa->w->name, EV_LOG, "%s (%s): %s", m.cls,
	    m.rule, text);
	trigger(lc->a, wa->w, m.cls, (enum severity)m.severity, m.strategy,
	    text, r->is_traceback ? r->exc_type : NULL,
	    r->is_traceback ? r->message : NULL, r->signature, lc->ts);
	/* a traceback is finished by the line after it, which is not kept
	 * yet: its own lines are the last ones kept; a single line record
	 * is the line being read */
	if (r->is_traceback || !lc->in_line)
		mark_lines(wa, (size_t)(r->lines > 0 ? r->lines : 1), &m);
	else {
		lc->line_matched = 1;
		lc->line_match = m;
	}
}

static void
on_line(void *arg, const char *line, size_t len, int64_t offset)
{
	struct log_ctx *lc = arg;

	(void)offset;
	lc->in_line = 1;
	lc->line_matched = 0;
	tb_asm_line(lc->wa->tb, line, len, lc->ts, on_record, lc);
	lc->in_line = 0;
	keep_line(lc->wa, line, len, lc->ts, lc->line_matched ?
	    &lc->line_match : NULL);
}

static void
poll_log(struct analysis *a, struct worker_analysis *wa, int64_t ts)
{
	struct log_ctx lc;
	char msg[300];

	if (wa->log == NULL)
		return;
	memset(&lc, 0, sizeof lc);
	lc.a = a;
	lc.wa = wa;
	lc.ts = ts;
	logtail_poll(wa->log, on_line, &lc, LOG_POLL_BYTES);
	tb_asm_flush(wa->tb, ts, 0, on_record, &lc);
	while (logtail_take_event(wa->log, msg, sizeof msg) == 1)
		engine_event(a->eng, wa->w->name, EV_LOG, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* OOM kills and pressure */

/* The OOM kills counted in the worker's cgroup v2 memory.events; the
 * file's path is found once per process. */
static int
oom_kills(struct worker_analysis *wa, pid_t pid, uint64_t *kills)
{
	char dir[512], buf[1024], *p;

	if (wa->oom_path == NULL) {
		if (proc_cgroup_path(pid, dir, sizeof dir) != 0)
			return -1;
		wa->oom_path = xasprintf("%s/memory.events", dir);
	}
	if (proc_read_at(AT_FDCWD, wa->oom_path, buf, sizeof buf) == -1)
		return -1;
	if ((p = strstr(buf, "oom_kill ")) == NULL)
		return -1;
	*kills = strtoull(p + 9, NULL, 10);
	return 0;
}

static void
read_pressure(struct analysis *a)
{
	char buf[512], *p;

	a->psi_some = a->psi_full = NAN;
	if (proc_read_at(AT_FDCWD, "/proc/pressure/memory", buf,
	    sizeof buf) == -1)
		return;
	if ((p = strstr(buf, "some avg10=")) != NULL)
		a->psi_some = strtod(p + 11, NULL);
	if ((p = strstr(buf, "full avg10=")) != NULL)
		a->psi_full = strtod(p + 11, NULL);
}

/* ------------------------------------------------------------------ */
/* per tick */

void
analysis_tick(struct analysis *a, int64_t ts)
{
	size_t i;

	a->now_ms = ts;
	/* one read of inotify for every worker's log */
	logtail_drain();
	for (i = 0; i < engine_worker_count(a->eng); i++) {
		struct worker *w = engine_worker(a->eng, i);

		if (w->retired)
			continue;
		poll_log(a, state(a, w), ts);
	}
	read_pressure(a);
	if (!isnan(a->psi_some)) {
		int high = a->psi_some >= 10;

		if (high != a->psi_high)
			engine_event(a->eng, NULL, EV_MEMORY, high ?
			    "host memory pressure: %.1f%% of time stalled "
			    "(some, avg10)" : "host memory pressure back to "
			    "%.1f%%", a->psi_some);
		a->psi_high = high;
	}
	incidents_tick(a->inc, ts);
}

void
analysis_exited(struct analysis *a, struct worker *w, int restarted,
    int64_t ts)
{
	struct worker_analysis *wa = state(a, w);
	const struct config *cfg = a->cfg;
	size_t i, recent = 0;
	char text[200];
	int loop;

	if (restarted) {
		if (wa->restarts == NULL)
			wa->restarts = xcalloc(RESTARTS_KEPT,
			    sizeof *wa->restarts);
		if (wa->nrestarts == RESTARTS_KEPT) {
			memmove(wa->restarts, wa->restarts + 1,
			    (RESTARTS_KEPT - 1) * sizeof *wa->restarts);
			wa->nrestarts--;
		}
		wa->restarts[wa->nrestarts++] = ts;
	}
	for (i = 0; i < wa->nrestarts; i++)
		recent += ts - wa->restarts[i] <= cfg->crashloop_window_ms;
	loop = recent >= (size_t)cfg->crashloop_restarts;
	if (loop)
		snprintf(text, sizeof text, "crash loop: %zu restarts in the "
		    "last %lld s", recent,
		    (long long)(cfg->crashloop_window_ms / 1000));
	else if (restarted)
		snprintf(text, sizeof text, "process replaced (restart %llu)",
		    (unsigned long long)w->restarts);
	else
		snprintf(text, sizeof text, "process %d exited", (int)w->pid);
	/* one crash incident for a worker however often it crashes: the
	 * tracker joins triggers of the same worker and class */
	trigger(a, w, INCIDENT_CRASH, loop || !restarted ? SEVERITY_CRITICAL :
	    SEVERITY_WARNING, "restart", text, NULL, NULL, 0, ts);
	/* the new process's history starts afresh */
	for (i = 0; i < AF_COUNT; i++)
		anomaly_reset(&wa->anom[i]);
	memhealth_reset(&wa->mem);
	wa->oom_known = 0;
	free(wa->oom_path);
	wa->oom_path = NULL;
}

static double
last_value(struct engine *eng, const struct worker *w, const char *metric,
    int64_t ts, int64_t max_age)
{
	struct series *s = series_find(engine_series(eng), w->idx, metric,
	    "", 0);

	if (s == NULL || s->npoints == 0 || ts - s->last_ms > max_age)
		return NAN;
	return s->last;
}

/* Requests and errors per second between the last two scrapes: the
 * anomaly detector wants per-tick rates (windowed rates are smooth and
 * autocorrelated, which hides a burst and flags the tail of one).  A rate
 * whose two points are more than max_span_ms apart spans a gap in the
 * timeline: after a forward step of the wall clock it divides one tick's
 * increase by the whole step, a dip that never happened.  Such a figure
 * is NAN (the detector skips it), not a sum of the series left. */
static void
tick_rates(struct engine *eng, const struct worker *w, int64_t max_span_ms,
    double *req, double *err)
{
	struct series_reg *reg = engine_series(eng);
	double r, sreq = 0, sreqerr = 0, serr = 0;
	int hreq = 0, hreqerr = 0, herr = 0, gapreq = 0, gaperr = 0;
	size_t i;

	for (i = 0; i < w->nseries; i++) {
		struct series *s = series_at(reg, w->series_idx[i]);
		enum figure_role role = figures_role(s);
		int gap;

		if (role == ROLE_NONE || role == ROLE_LAT_BUCKET ||
		    role == ROLE_LAT_QUANTILE || series_rate(s, &r) != 0)
			continue;
		gap = s->last_ms - s->prev_ms > max_span_ms;
		if (role == ROLE_ERRORS) {
			serr += r;
			herr = 1;
			gaperr |= gap;
			continue;
		}
		sreq += r;
		hreq = 1;
		gapreq |= gap;
		if (role == ROLE_REQUESTS_ERR) {
			sreqerr += r;
			hreqerr = 1;
		}
	}
	*req = hreq && !gapreq ? sreq : NAN;
	if (hreqerr)
		*err = gapreq ? NAN : sreqerr;
	else if (herr)
		*err = gaperr ? NAN : serr;
	else
		*err = hreq && !gapreq ? 0 : NAN;
}

/* The figures Holt forecasts are never negative (latency, requests per
 * second, RSS): a falling trend extrapolated a minute ahead stops at 0. */
static double
not_below_zero(double v)
{
	return v < 0 ? 0 : v;
}

static int
rule_class(const struct cfg_rule *r)
{
	if (strstr(r->metric, "latency") != NULL ||
	    strstr(r->metric, "duration") != NULL ||
	    strncmp(r->metric, "quantile(", 9) == 0)
		return 0;
	if (strstr(r->metric, "error") != NULL ||
	    strstr(r->metric, "fail") != NULL)
		return 1;
	if (strstr(r->metric, "memory") != NULL ||
	    strstr(r->metric, "rss") != NULL ||
	    strstr(r->metric, "pss") != NULL ||
	    strstr(r->metric, "swap") != NULL)
		return 2;
	return 3;
}

struct rule_ctx {
	struct analysis	*a;
	struct worker	*w;
	int64_t		 ts;
};

static void
on_rule(void *arg, const struct rule_event *e)
{
	struct rule_ctx *rc = arg;
	int k = rule_class(e->rule);

	switch (e->what) {
	case RULE_FIRING:
		engine_event(rc->a->eng, rc->w->name, EV_RULE,
		    "rule %s firing: %s", e->rule->name, e->text);
		trigger(rc->a, rc->w, rule_classes[k], e->rule->severity,
		    e->rule->action != NULL ? e->rule->action : "investigate",
		    e->text, NULL, NULL, 0, rc->ts);
		/* a policy (action = X, auto = yes) acts now */
		recover_on_rule_firing(rc->a->eng, rc->w, e->rule, rc->ts);
		break;
	case RULE_CLEARED:
		engine_event(rc->a->eng, rc->w->name, EV_RULE,
		    "rule %s cleared: %s", e->rule->name, e->text);
		break;
	case RULE_NOT_EXPOSED:
		engine_event(rc->a->eng, rc->w->name, EV_RULE,
		    "rule %s: %s", e->rule->name, e->text);
		break;
	default:
		break;
	}
}

static void
judge_memory(struct analysis *a, struct worker_analysis *wa, int64_t ts)
{
	struct worker *w = wa->w;
	struct memhealth_input in;
	struct memhealth_result *r = &wa->health.mem;
	double freeb;

	in.ts_ms = ts;
	in.rss = w->has_cur ? (double)w->cur.rss_bytes : NAN;
	in.pss = w->has_cur && w->cur.has_rollup ? (double)w->cur.pss_bytes :
	    NAN;
	in.swap = w->has_cur ? (double)w->cur.swap_bytes : NAN;
	in.limit = w->memory_limit != 0 ? (double)w->memory_limit : NAN;
	/* live heap = RSS minus what malloc holds free: the agent's
	 * allocated bytes leave out mmapped blocks and mapped weights */
	freeb = last_value(a->eng, w, "malloc_free_bytes", ts, 5000);
	in.allocated = !isnan(freeb) && !isnan(in.rss) ? in.rss - freeb : NAN;
	in.restarts = (double)w->restarts;
	memhealth_update(&wa->mem, &in, r);
	wa->health.has_memory = 1;
	pick_action(w, r->mitigation, a->cfg, wa->health.mitigation,
	    sizeof wa->health.mitigation);
	if (r->risk == RISK_LOW)
		r->reason[0] = '\0';

	if (!isnan(r->slope))
		engine_put(a->eng, w, "memory_growth_bytes_per_second", ts,
		    r->slope);
	engine_put(a->eng, w, "memory_leak", ts, r->leak);
	if (!isnan(r->ttl_s))
		engine_put(a->eng, w, "memory_time_to_limit_seconds", ts,
		    r->ttl_s);
	if (!isnan(r->fragmentation))
		engine_put(a->eng, w, "memory_fragmentation_ratio", ts,
		    r->fragmentation);
	if (!isnan(r->efficiency))
		engine_put(a->eng, w, "memory_efficiency_percent", ts,
		    r->efficiency);
	engine_put(a->eng, w, "memory_risk_level", ts, r->risk);

	if ((int)r->risk != wa->last_risk && (r->risk >= RISK_HIGH ||
	    wa->last_risk >= RISK_HIGH))
		engine_event(a->eng, w->name, EV_MEMORY, "memory risk %s: %s",
		    memhealth_risk_name(r->risk), r->risk == RISK_LOW ?
		    "back to normal" : r->reason);
	wa->last_risk = (int)r->risk;

	if (r->leak && !wa->had_leak) {
		char text[400];

		snprintf(text, sizeof text, "RSS growing %.0f KB/s (R² %.2f)%s"
		    "%s", r->slope / 1024, r->r2, r->reason[0] != '\0' ?
		    "; " : "", r->reason);
		trigger(a, w, INCIDENT_LEAK, r->risk >= RISK_HIGH ?
		    SEVERITY_CRITICAL : SEVERITY_WARNING,
		    memhealth_mitigation_name(r->mitigation), text, NULL,
		    NULL, 0, ts);
	}
	if (r->risk >= RISK_HIGH && !wa->had_risk)
		trigger(a, w, INCIDENT_MEMORY, r->risk == RISK_CRITICAL ?
		    SEVERITY_CRITICAL : SEVERITY_WARNING,
		    memhealth_mitigation_name(r->mitigation), r->reason, NULL,
		    NULL, 0, ts);
	wa->had_leak = r->leak;
	wa->had_risk = r->risk >= RISK_HIGH;
	incidents_condition(a->inc, w->name, INCIDENT_LEAK, r->leak, ts);
}

static void
judge_anomalies(struct analysis *a, struct worker_analysis *wa, int64_t ts)
{
	struct worker *w = wa->w;
	double v[AF_COUNT], req, err;
	unsigned flagged = 0;
	double top = 0;
	int i;

	tick_rates(a->eng, w, GAP_INTERVALS * engine_interval_ms(a->eng),
	    &req, &err);
	v[AF_LATENCY] = w->fig.p99_s;
	v[AF_ERRORS] = err;
	v[AF_REQUESTS] = req;
	v[AF_CPU] = w->nsamples >= 2 ? w->cpu_percent : NAN;
	v[AF_RSS] = w->has_cur ? (double)w->cur.rss_bytes : NAN;
	for (i = 0; i < AF_COUNT; i++) {
		struct anomaly_result r;
		struct series **slots = wa->anom_series[i];
		const char *labels = figure_labels[i];
		size_t n = strlen(labels);

		anomaly_update(&wa->anom[i], ts, v[i], &r);
		if (isnan(r.score))
			continue;
		/* a score and a forecast to SCORE_BITS: a score is read
		 * to a tenth, a forecast's interval is wider than 0.1% */
		engine_put_labels(a->eng, w, &slots[0], "anomaly_score", labels,
		    n, ts, util_round_bits(r.score, SCORE_BITS));
		/* Holt's forecast a minute ahead with its 95% interval, for
		 * the figures an operator extrapolates: latency, load, RSS
		 * (none of them below 0, however fast they fall) */
		if ((i == AF_LATENCY || i == AF_REQUESTS || i == AF_RSS) &&
		    !isnan(r.forecast) && !isnan(r.lo) && !isnan(r.hi)) {
			engine_put_labels(a->eng, w, &slots[1], "forecast_60s",
			    labels, n, ts, util_round_bits(
			    not_below_zero(r.forecast), SCORE_BITS));
			engine_put_labels(a->eng, w, &slots[2],
			    "forecast_60s_lo", labels, n, ts, util_round_bits(
			    not_below_zero(r.lo), SCORE_BITS));
			engine_put_labels(a->eng, w, &slots[3],
			    "forecast_60s_hi", labels, n, ts, util_round_bits(
			    not_below_zero(r.hi), SCORE_BITS));
		}
		if (r.flagged) {
			flagged |= 1u << i;
			if (!(wa->health.anomalies & (1u << i)))
				engine_event(a->eng, w->name, EV_ANOMALY,
				    "%s anomalous: %.4g against a median of "
				    "%.4g (score %.1f)", figure_names[i], v[i],
				    r.median, r.score);
		}
		if (fabs(r.score) > top)
			top = fabs(r.score);
	}
	wa->health.anomalies = flagged;
	wa->health.anomaly_score = top;
}

/* Every OOM_EVERY_MS, the OOM kills in the worker's cgroup: an event and
 * an incident when they went up.  Without a memory.events (cgroup v1, the
 * root cgroup) it looks again a minute later, not every time. */
static void
check_oom(struct analysis *a, struct worker_analysis *wa, int64_t ts)
{
	struct worker *w = wa->w;
	uint64_t kills;
	char text[200];

	if (ts - wa->oom_checked_ms < OOM_EVERY_MS)
		return;
	wa->oom_checked_ms = ts;
	if (oom_kills(wa, w->pid, &kills) != 0) {
		wa->oom_checked_ms = ts + OOM_RETRY_MS - OOM_EVERY_MS;
		return;
	}
	if (wa->oom_known && kills > wa->oom_kills) {
		snprintf(text, sizeof text, "the kernel OOM killer killed %llu "
		    "process%s in the worker's cgroup",
		    (unsigned long long)(kills - wa->oom_kills),
		    kills - wa->oom_kills == 1 ? "" : "es");
		engine_event(a->eng, w->name, EV_MEMORY, "%s", text);
		trigger(a, w, INCIDENT_OOM, SEVERITY_CRITICAL, "raise-limit",
		    text, NULL, NULL, 0, ts);
	}
	wa->oom_kills = kills;
	wa->oom_known = 1;
}

void
analysis_worker(struct analysis *a, struct worker *w, int64_t ts)
{
	struct worker_analysis *wa = state(a, w);
	struct rule_ctx rc = { a, w, ts };
	struct rule_status st[16];
	int down = w->seen && !w->alive;
	size_t i, n;

	/* down: one crash incident, held while the worker stays down */
	if (down && !wa->was_down && w->primary)
		analysis_exited(a, w, 0, ts);
	wa->was_down = down;

	/* a scrape that keeps failing while the process lives */
	if (w->alive && w->cfg->metrics_url != NULL && w->scrape_state == -1) {
		if (++wa->fail_streak == UNREACHABLE_TICKS)
			trigger(a, w, INCIDENT_UNREACHABLE, SEVERITY_WARNING,
			    "investigate", w->scrape_error, NULL, NULL, 0, ts);
	} else
		wa->fail_streak = 0;
	incidents_condition(a->inc, w->name, INCIDENT_UNREACHABLE,
	    wa->fail_streak >= UNREACHABLE_TICKS, ts);

	if (w->alive) {
		check_oom(a, wa, ts);
		judge_memory(a, wa, ts);
		judge_anomalies(a, wa, ts);
	}
	incidents_condition(a->inc, w->name, INCIDENT_CRASH, down ||
	    (wa->nrestarts > 0 && ts - wa->restarts[wa->nrestarts - 1] <=
	    a->cfg->crashloop_window_ms), ts);

	rules_eval(a->rules, engine_series(a->eng), w->idx, w->name,
	    w->series_idx, w->nseries, ts, on_rule, &rc);
	n = rules_status(a->rules, w->name, st, ARRAY_LEN(st));
	wa->health.rules_firing = 0;
	memset(wa->rule_class_firing, 0, sizeof wa->rule_class_firing);
	for (i = 0; i < n && i < ARRAY_LEN(st); i++) {
		if (st[i].firing) {
			wa->health.rules_firing++;
			wa->rule_class_firing[rule_class(st[i].rule)] = 1;
		}
	}
	/* one report per class and tick: memory incidents come from the
	 * memory analysis and from memory rules alike */
	for (i = 0; i < ARRAY_LEN(rule_classes); i++)
		incidents_condition(a->inc, w->name, rule_classes[i],
		    wa->rule_class_firing[i] || (i == 2 && wa->had_risk), ts);
}

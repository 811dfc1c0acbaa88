/*
 * analysis.h -- what the engine makes of its samples each tick: anomaly
 * scores of the key figures, memory health (growth, leak verdict, time to
 * the limit, fragmentation, risk), threshold rules, log tailing and
 * classification, OOM kills and memory pressure -- and the error sessions
 * (incidents) they open, join and resolve.
 *
 * The engine owns one analysis and calls it at fixed points of a tick;
 * the derived figures are recorded as series (so a replay shows them as
 * computed then) and the incidents go to the store with each commit.
 */
#ifndef MODELTOP_ANALYSIS_H
#define MODELTOP_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "memhealth.h"

struct engine;
struct worker;
struct store;
struct config;
struct incidents;

/* The figures whose anomalies are watched (bit i of worker_health). */
enum analysis_figure {
	AF_LATENCY,		/* latency_p99_seconds */
	AF_ERRORS,		/* errors per second, per tick */
	AF_REQUESTS,		/* requests per second, per tick */
	AF_CPU,			/* proc_cpu_percent */
	AF_RSS,			/* proc_rss_bytes */
	AF_COUNT
};

/* A worker's analysis at the latest tick, for the view. */
struct worker_health {
	int		 has_memory;
	struct memhealth_result mem;
	char		 mitigation[160];	/* among configured actions */
	unsigned	 anomalies;		/* 1 << AF_* flagged now */
	double		 anomaly_score;		/* highest |score| now */
	int		 rules_firing;
};

/* A line of a worker's log, as kept for the console. */
struct analysis_line {
	int64_t		 ts_ms;
	uint64_t	 seq;		/* its number: one more than the
					   line before it */
	const char	*text;		/* len bytes, then a NUL */
	size_t		 len;
	int		 matched;
	const char	*cls;		/* owned by the classifier, "" none */
	int		 severity;
};

struct analysis;

/* Build the analysis of eng's configuration.  Loads the shipped log
 * rules (data/rules/python.ini, found next to the binary, under the
 * install prefix, or in ./data) and cfg->log_rules; their problems are
 * logged as events, never fatal.  st may be NULL (no recording). */
struct analysis *analysis_new(struct engine *eng, const struct config *cfg,
    struct store *st);
/* Free everything, including per-worker state.  NULL is fine. */
void analysis_free(struct analysis *a);

/* Start of a tick: poll every worker's log, read memory pressure and
 * resolve incidents that are due. */
void analysis_tick(struct analysis *a, int64_t ts_ms);
/* A worker's tick is complete (its scrape is in): score, judge, record
 * the derived figures, evaluate rules, open or join incidents. */
void analysis_worker(struct analysis *a, struct worker *w, int64_t ts_ms);
/* The worker's process exited (restarted: a new one replaced it). */
void analysis_exited(struct analysis *a, struct worker *w, int restarted,
    int64_t ts_ms);
/* Free the per-worker state of w (the engine is dropping it). */
void analysis_worker_free(struct worker *w);

/* Write pending incident changes into the store (before each commit).
 * 0, or -1 with a message. */
int analysis_flush(struct analysis *a, char *err, size_t errlen);

struct incidents *analysis_incidents(struct analysis *a);
/* w's figures at the latest tick, or NULL before its first. */
const struct worker_health *analysis_health(const struct worker *w);
/* The number of w's recent log lines (0 before its first tick). */
size_t analysis_log_count(const struct worker *w);
/* A number that changes whenever w's lines change (logkeep_gen): the
 * lines read while it stays the same still hold.  0: none yet. */
uint64_t analysis_log_gen(const struct worker *w);
/* w's recent log line i (0: the oldest) in *out, i below the count.  The
 * text and class belong to the analysis; the text is valid only until
 * the next analysis_log_line (of any worker) or tick (the lines are
 * kept compressed, and read back into one buffer): copy what must last.
 * A line keeps its seq while it is kept. */
void analysis_log_line(const struct worker *w, size_t i,
    struct analysis_line *out);
/* Memory pressure of the host (/proc/pressure/memory avg10, percent);
 * NAN when the kernel has no PSI. */
void analysis_pressure(const struct analysis *a, double *some, double *full);

#endif

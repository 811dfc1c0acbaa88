/*
 * config.h -- the configuration file: [modeltop] settings, [worker NAME]
 * processes to watch, [action NAME] recovery steps and [rule NAME] alerts.
 *
 * config_load parses a whole INI file with inih, checks every key, and
 * collects every problem as "FILE:LINE: message" rather than stopping at
 * the first.  docs/configuration.md is the user's reference.
 */
#ifndef MODELTOP_CONFIG_H
#define MODELTOP_CONFIG_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum worker_find { WORKER_FIND_PID, WORKER_FIND_PID_FILE, WORKER_FIND_MATCH };
enum action_kind { ACTION_SIGNAL, ACTION_EXEC, ACTION_HTTP_POST };
enum severity { SEVERITY_INFO, SEVERITY_WARNING, SEVERITY_CRITICAL };

/* What "expect" asks of the verify metric after an action has settled. */
enum expect_kind {
	EXPECT_DROP,		/* "drop": any decrease (the default) */
	EXPECT_DROP_PERCENT,	/* "drop N%": by at least expect_value % */
	EXPECT_BELOW,		/* "below X": under expect_value */
	EXPECT_UP		/* "up": any increase */
};

struct cfg_worker {
	char		*name;
	enum worker_find find;
	pid_t		 pid;		/* WORKER_FIND_PID */
	char		*pid_file;	/* WORKER_FIND_PID_FILE (~ expanded) */
	char		*match;		/* WORKER_FIND_MATCH: the pattern text */
	regex_t		 match_re;	/* compiled REG_EXTENDED|REG_NOSUB, valid when find == MATCH */
	char		*metrics_url;	/* NULL when none */
	char		*log;		/* NULL when none (~ expanded) */
	uint64_t	 memory_limit;	/* 0 = not set */
	char	       **actions;	/* escalation ladder, action names, in order */
	size_t		 nactions;
	int64_t		 scrape_timeout_ms;	/* 0 = use the global one */
	char		*file;
	int		 line;		/* where the section starts; NULL and 0
					 * for the built-in python worker */
};

struct cfg_action {
	char		*name;
	enum action_kind kind;
	int		 signo;		/* ACTION_SIGNAL */
	char	       **argv;		/* ACTION_EXEC, NULL-terminated; split without a shell */
	size_t		 argc;
	char		*url;		/* ACTION_HTTP_POST */
	char		*verify;	/* metric expected to improve, NULL when none */
	char		*expect;	/* "drop 10%", "below 4G", "up"; NULL = default "drop" */
	enum expect_kind expect_kind;	/* expect, parsed; EXPECT_DROP when NULL */
	double		 expect_value;	/* percent or threshold; 0 for drop/up */
	int64_t		 settle_ms;	/* default 5s */
	int64_t		 timeout_ms;	/* default 10s */
	int		 confirm;	/* 1/0; default 1, except signal USR1/USR2/HUP actions default 0 */
	int		 retries;	/* default 0 */
	char		*file;
	int		 line;
};

struct cfg_rule {
	char		*name;
	char		*metric;	/* an expression: NAME, NAME{k="v"},
					 * rate(...), quantile(Q, ...) (rules.h) */
	int		 has_above, has_below;
	double		 above, below;	/* a size suffix is accepted: 6G */
	int64_t		 for_ms;	/* default 0 */
	double		 margin;	/* hysteresis; default 5 (percent) */
	int		 margin_percent;	/* 1: margin is a percent of the
					 * threshold; 0: an absolute amount */
	int64_t		 clear_after_ms;	/* default: for_ms; 0 = clear by
					 * the margin only */
	char	       **workers;	/* names or shell patterns, NULL = all */
	size_t		 nworkers;
	enum severity	 severity;	/* default warning */
	char		*action;	/* NULL when none */
	int		 autorun;	/* key "auto", default 0 */
	int		 max_per_hour;	/* default 4 */
	char		*file;
	int		 line;
};

/* A key binding of the console ([keys] section): KEYSPEC = COMMAND. */
struct cfg_key {
	char		*spec;		/* "F5", "C-x", "x" */
	char		*command;	/* a command line; "" unbinds */
	char		*file;
	int		 line;
};

struct config {
	char		*path;		/* NULL for the built-in default */
	int64_t		 interval_ms;	/* default 1s; 100ms..1h */
	char		*db;		/* ~ expanded; default ~/.local/state/modeltop/history.db */
	int64_t		 retention_ms;	/* default 7d */
	uint64_t	 max_size;	/* default 2G */
	int64_t		 scrape_timeout_ms;	/* default 0 = 80% of interval */
	uint64_t	 scrape_max_size;	/* default 8M */
	char		*theme;		/* default "default" */
	int64_t		 resolve_after_ms;	/* incidents auto-resolve; default 5m */
	int		 crashloop_restarts;	/* restarts within crashloop_window */
	int64_t		 crashloop_window_ms;	/* that make a crash loop; 3 in 5m */
	int64_t		 memory_window_ms;	/* RSS regression window; default 10m */
	char		*log_rules;	/* extra log classification rules, or NULL */
	struct cfg_key	*keys;		/* [keys]: console bindings */
	size_t		 nkeys;
	struct cfg_worker *workers;
	size_t		 nworkers;
	struct cfg_action *actions;
	size_t		 nactions;
	struct cfg_rule	*rules;
	size_t		 nrules;
	char		*exec_unsafe;	/* why exec actions from this file will
					 * be refused (config_file_safe), NULL
					 * when it is safe or has none */
};

struct cfg_error {
	char		*file;
	int		 line;		/* 0 = the whole file */
	char		*msg;
};
/* Zero-initialise before first use; cfg_errors_free releases it. */
struct cfg_errors {
	struct cfg_error *v;
	size_t		 n, cap;
};

/*
 * Parse and validate the file at path into *cfg (which need not be
 * initialised; it is overwritten), appending ALL problems found to errs,
 * sorted by line.  Returns 0 when there were none; -1 otherwise, and cfg
 * is then still safe to pass to config_free.  A file that cannot be
 * opened or read is one error with line 0 and strerror's text.  A file
 * without any [worker] section gets the default "python" worker of
 * config_default.  The caller owns cfg's contents (config_free).
 */
int config_load(const char *path, struct config *cfg, struct cfg_errors *errs);

/*
 * Fill *cfg (overwritten) with the built-in configuration used when no
 * file is given: every default, and one worker named "python" with find =
 * WORKER_FIND_MATCH and pattern "python" (the engine makes one worker per
 * matching process of the current user, named python/PID).  Free with
 * config_free.
 */
void config_default(struct config *cfg);

/* Free everything cfg owns and zero it.  Safe on a zeroed config and
 * after a failed config_load. */
void config_free(struct config *cfg);
/* Set the function that checks a [keys] key spec (the console's
 * keymap_parse_spec; src/ does not know the key names): 0 when good, -1
 * with a message.  Without one, any spec is accepted at load time. */
void config_set_key_check(int (*fn)(const char *spec, char *err,
    size_t errlen));

/* Append "file:line: message" to errs (file may be NULL for none).
 * Copies file and the formatted message. */
void cfg_errors_add(struct cfg_errors *errs, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Free every error and zero errs. */
void cfg_errors_free(struct cfg_errors *errs);

/* Write each error as "FILE:LINE: message\n" ("FILE: message" for line 0,
 * just the message without a file) to fp. */
void cfg_errors_print(const struct cfg_errors *errs, FILE *fp);

/* A signal by name or number: "USR1", "SIGUSR1", "usr1", "15",
 * "RTMIN+2".  Returns the number, or -1 if unknown or out of range. */
int config_signal_number(const char *name);

/* The short name of a signal ("USR1" for SIGUSR1), a static string; NULL
 * when the signal has no name here (real-time signals, bad numbers). */
const char *config_signal_name(int signo);

/*
 * Split s into words like a shell but without any expansion: whitespace
 * separates, '...' quotes literally, "..." quotes with backslash escaping
 * only \" and \\ (any other backslash stays), and outside quotes a
 * backslash escapes any character.  Quoted parts join adjacent text
 * ('a'"b"c is one word "abc"; '' is an empty word).  On success returns 0
 * and sets *argv to a new NULL-terminated array (free with
 * config_argv_free) of *argc words.  Returns -1 with a message in err on
 * an unterminated quote, a trailing backslash, or no words at all.
 */
int config_split_argv(const char *s, char ***argv, size_t *argc, char *err,
    size_t errlen);

/* Free an array from config_split_argv (NULL is fine). */
void config_argv_free(char **argv);

/*
 * Whether the file at path may supply exec actions: it must be owned by
 * root or by the effective user and not be writable by group or others,
 * and its directory must not be writable by others than root and that
 * user (unless sticky, like /tmp) -- otherwise another user could make
 * modeltop run their program.  Returns 0, or -1 with the reason naming
 * the file in why: "FILE is writable by group and others (mode 0666)",
 * "FILE is owned by uid 1001, not by root or you (uid 1000)", "DIR, the
 * directory of FILE, is writable by group (mode 0775)", or strerror.
 */
int config_file_safe(const char *path, char *why, size_t whylen);

/* "info", "warning" or "critical"; "?" for a bad value. */
const char *config_severity_name(enum severity s);

/* Parse "info", "warning" or "critical" (any case).  Returns 0, or -1. */
int config_severity_parse(const char *s, enum severity *out);

/* 1 when s is a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*). */
int config_metric_name_ok(const char *s);

/* Parse an expect value ("drop", "drop 10%", "below 4G", "up") into
 * *kind and *value.  Returns 0, or -1 with a message in err. */
int config_expect_parse(const char *s, enum expect_kind *kind, double *value,
    char *err, size_t errlen);

/* Look a worker, action or rule up by exact name; NULL when there is
 * none.  The result points into cfg and lives as long as it. */
const struct cfg_worker *config_worker(const struct config *cfg,
    const char *name);
const struct cfg_action *config_action(const struct config *cfg,
    const char *name);
const struct cfg_rule *config_rule(const struct config *cfg, const char *name);

#endif

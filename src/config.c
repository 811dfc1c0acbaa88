/*
 * config.c -- load and check the configuration file.
 *
 * inih does the INI syntax; it is fed through our own reader so that we
 * know the line number of every key (Debian's libinih is built without
 * INI_HANDLER_LINENO), the line of every section header (inih does not
 * report empty sections at all) and every syntax error (inih returns only
 * the first).  The reader hands inih each line with its leading
 * whitespace removed, so that an indented key is an ordinary key rather
 * than a continuation of the previous value, and deals itself with lines
 * longer than inih's fixed buffer.
 *
 * Keys are data: one row of the keys[] table per key, naming the section
 * kind, the parser and the field it fills.  Checks that involve several
 * keys or sections run once the whole file is read.
 */
#include "config.h"
#include "inireader.h"
#include "memhealth.h"
#include "regsafe.h"
#include "rules.h"
#include "units.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_DB	"~/.local/state/modeltop/history.db"
#define SECTIONS_HELP	"expected [modeltop], [worker NAME], [action NAME], " \
			"[rule NAME] or [keys]"
#define MAX_SEEN	32	/* more than the keys of any section kind */
#define ERR_MAX		512

enum section_kind {
	SEC_MODELTOP,
	SEC_WORKER,
	SEC_ACTION,
	SEC_RULE,
	SEC_KEYS
};

static const char *const kind_names[] = { "modeltop", "worker", "action",
    "rule", "keys" };

struct key_spec;
typedef int (*key_parser)(void *obj, const struct key_spec *k,
    const char *value, char *err, size_t errlen);

struct key_spec {
	enum section_kind kind;
	const char	*key;
	key_parser	 parse;
	size_t		 off;		/* of the field in the section's struct */
	int64_t		 min, max;	/* numeric range; max 0 = unbounded */
};

/* A key seen in one section, for repeats and cross-key checks. */
struct seen {
	const char	*key;		/* the table's string */
	int		 line;
};

/* One section as read, in file order. */
struct section {
	enum section_kind kind;
	char		*name;
	int		 line;
	size_t		 index;		/* into cfg->workers, actions or rules */
	struct seen	 seen[MAX_SEEN];
	size_t		 nseen;
};

struct parse {
	struct config	*cfg;
	struct cfg_errors *errs;
	const char	*file;
	int		 lineno;	/* of the line being read */
	struct section	*secs;
	size_t		 nsecs, capsecs;
	int		 cur;		/* index into secs; -1 when none */
	int		 skip;		/* cur == -1 after a bad header */
};

/* ------------------------------------------------------------------ */
/* Errors */

void
cfg_errors_add(struct cfg_errors *errs, const char *file, int line,
    const char *fmt, ...)
{
	struct cfg_error *e;
	struct buf b = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	errs->v = xgrow(errs->v, &errs->cap, errs->n + 1, sizeof *errs->v);
	e = &errs->v[errs->n++];
	e->file = file != NULL ? xstrdup(file) : NULL;
	e->line = line;
	e->msg = buf_detach(&b);
}

void
cfg_errors_free(struct cfg_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++) {
		free(errs->v[i].file);
		free(errs->v[i].msg);
	}
	free(errs->v);
	memset(errs, 0, sizeof *errs);
}

void
cfg_errors_print(const struct cfg_errors *errs, FILE *fp)
{
	const struct cfg_error *e;
	size_t i;

	for (i = 0; i < errs->n; i++) {
		e = &errs->v[i];
		if (e->file == NULL)
			fprintf(fp, "%s\n", e->msg);
		else if (e->line == 0)
			fprintf(fp, "%s: %s\n", e->file, e->msg);
		else
			fprintf(fp, "%s:%d: %s\n", e->file, e->line, e->msg);
	}
}

/* Stable sort of errs->v[from..] by line, so the report reads in file
 * order however late a check ran.  Insertion sort: lists are short. */
static void
errors_sort(struct cfg_errors *errs, size_t from)
{
	struct cfg_error tmp;
	size_t i, j;

	for (i = from + 1; i < errs->n; i++) {
		tmp = errs->v[i];
		for (j = i; j > from && errs->v[j - 1].line > tmp.line; j--)
			errs->v[j] = errs->v[j - 1];
		errs->v[j] = tmp;
	}
}

static void __attribute__((format(printf, 3, 4)))
perr(struct parse *p, int line, const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	cfg_errors_add(p->errs, p->file, line, "%s", b.data);
	buf_free(&b);
}

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Small public helpers */

static const struct {
	const char	*name;
	int		 signo;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
	/* aliases, after the names config_signal_name should return */
	{ "IOT", SIGIOT }, { "POLL", SIGPOLL }, { "CLD", SIGCHLD },
};

/* A small decimal number (no sign), or -1. */
static int
small_number(const char *s)
{
	int v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 1000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int
config_signal_number(const char *name)
{
	size_t i;
	int n;

	while (isspace((unsigned char)*name))
		name++;
	if (*name >= '0' && *name <= '9') {
		n = small_number(name);
		return n >= 1 && n <= SIGRTMAX ? n : -1;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < ARRAY_LEN(signals); i++) {
		if (strcasecmp(name, signals[i].name) == 0)
			return signals[i].signo;
	}
	if (strncasecmp(name, "RTMIN", 5) == 0) {
		if (name[5] == '\0')
			return SIGRTMIN;
		if (name[5] == '+' && (n = small_number(name + 6)) >= 0 &&
		    n <= SIGRTMAX - SIGRTMIN)
			return SIGRTMIN + n;
	}
	if (strncasecmp(name, "RTMAX", 5) == 0) {
		if (name[5] == '\0')
			return SIGRTMAX;
		if (name[5] == '-' && (n = small_number(name + 6)) >= 0 &&
		    n <= SIGRTMAX - SIGRTMIN)
			return SIGRTMAX - n;
	}
	return -1;
}

const char *
config_signal_name(int signo)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(signals); i++) {
		if (signals[i].signo == signo)
			return signals[i].name;
	}
	return NULL;
}

void
config_argv_free(char **argv)
{
	char **a;

	if (argv == NULL)
		return;
	for (a = argv; *a != NULL; a++)
		free(*a);
	free(argv);
}

int
config_split_argv(const char *s, char ***argvp, size_t *argcp, char *err,
    size_t errlen)
{
	char **argv = NULL;
	size_t argc = 0, cap = 0;
	struct buf w = {0};
	int inword;
	const char *start;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s == '\0')
			break;
		buf_clear(&w);
		buf_reserve(&w, 0);	/* '' must still give a string */
		inword = 1;
		while (inword && *s != '\0') {
			switch (*s) {
			case ' ': case '\t': case '\n': case '\r':
				inword = 0;
				break;
			case '\'':
				start = ++s;
				while (*s != '\0' && *s != '\'')
					s++;
				if (*s == '\0') {
					fail(err, errlen, "unterminated "
					    "single quote");
					goto bad;
				}
				buf_add(&w, start, (size_t)(s - start));
				s++;
				break;
			case '"':
				s++;
				while (*s != '\0' && *s != '"') {
					if (*s == '\\' && (s[1] == '"' ||
					    s[1] == '\\'))
						s++;
					buf_addc(&w, *s++);
				}
				if (*s == '\0') {
					fail(err, errlen, "unterminated "
					    "double quote");
					goto bad;
				}
				s++;
				break;
			case '\\':
				if (s[1] == '\0') {
					fail(err, errlen, "trailing "
					    "backslash");
					goto bad;
				}
				buf_addc(&w, s[1]);
				s += 2;
				break;
			default:
				buf_addc(&w, *s++);
				break;
			}
		}
		argv = xgrow(argv, &cap, argc + 2, sizeof *argv);
		argv[argc++] = xstrndup(w.data, w.len);
		argv[argc] = NULL;
	}
	buf_free(&w);
	if (argc == 0) {
		fail(err, errlen, "empty command");
		return -1;
	}
	*argvp = argv;
	*argcp = argc;
	return 0;

bad:
	buf_free(&w);
	if (argv != NULL)
		config_argv_free(argv);
	return -1;
}

static const char *const severity_names[] = { "info", "warning",
    "critical" };

const char *
config_severity_name(enum severity s)
{
	if ((unsigned)s >= ARRAY_LEN(severity_names))
		return "?";
	return severity_names[s];
}

int
config_severity_parse(const char *s, enum severity *out)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(severity_names); i++) {
		if (strcasecmp(s, severity_names[i]) == 0) {
			*out = (enum severity)i;
			return 0;
		}
	}
	return -1;
}

int
config_metric_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_' && *s != ':')
		return 0;
	for (s++; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != ':')
			return 0;
	}
	return 1;
}

/* A number ("0.95", "-3", "1e9") or a size ("6G"). */
static int
threshold_parse(const char *s, double *out)
{
	uint64_t sz;

	if (units_parse_number(s, out) == 0)
		return 0;
	if (units_parse_size(s, &sz) == 0) {
		*out = (double)sz;
		return 0;
	}
	return -1;
}

int
config_expect_parse(const char *s, enum expect_kind *kind, double *value,
    char *err, size_t errlen)
{
	static const char help[] = "expected drop, drop N%, below VALUE or up";
	const char *arg;
	char num[64];
	size_t n;
	double v;

	while (isspace((unsigned char)*s))
		s++;
	if (strcasecmp(s, "drop") == 0 || strcasecmp(s, "up") == 0) {
		*kind = tolower((unsigned char)*s) == 'd' ? EXPECT_DROP :
		    EXPECT_UP;
		*value = 0;
		return 0;
	}
	if (strncasecmp(s, "drop", 4) == 0 && isspace((unsigned char)s[4])) {
		arg = s + 4;
		while (isspace((unsigned char)*arg))
			arg++;
		n = strlen(arg);
		while (n > 0 && isspace((unsigned char)arg[n - 1]))
			n--;
		if (n == 0 || arg[n - 1] != '%' || n >= sizeof num)
			return fail(err, errlen, "%s (a drop needs a percent "
			    "like drop 10%%)", help);
		memcpy(num, arg, n - 1);
		num[n - 1] = '\0';
		if (units_parse_number(num, &v) == -1 || v <= 0 || v > 100)
			return fail(err, errlen, "expected a percent above 0 "
			    "and at most 100, like drop 10%%");
		*kind = EXPECT_DROP_PERCENT;
		*value = v;
		return 0;
	}
	if (strncasecmp(s, "below", 5) == 0 && isspace((unsigned char)s[5])) {
		if (threshold_parse(s + 5, &v) == -1)
			return fail(err, errlen, "expected a number or a size "
			    "after below, like below 4G or below 0.5");
		*kind = EXPECT_BELOW;
		*value = v;
		return 0;
	}
	return fail(err, errlen, "%s", help);
}

/* ------------------------------------------------------------------ */
/* Key parsers: each fills one field, or says what it expected. */

static void *
field(void *obj, const struct key_spec *k)
{
	return (char *)obj + k->off;
}

static void
set_string(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

static int
p_string(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	if (*v == '\0')
		return fail(err, errlen, "expected a value");
	set_string(field(obj, k), xstrdup(v));
	return 0;
}

static int
p_path(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	if (*v == '\0')
		return fail(err, errlen, "expected a file path");
	set_string(field(obj, k), util_expand_home(v));
	return 0;
}

static int
p_duration(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	char lo[UNITS_FMT_MAX], hi[UNITS_FMT_MAX];
	int64_t ms;

	if (units_parse_duration(v, &ms) == -1)
		return fail(err, errlen, "expected a duration like 500ms, 1s, "
		    "2m");
	units_format_duration(k->min, lo, sizeof lo);
	units_format_duration(k->max, hi, sizeof hi);
	if (k->max != 0 && (ms < k->min || ms > k->max))
		return fail(err, errlen, "expected a duration from %s to %s",
		    lo, hi);
	if (ms < k->min)
		return fail(err, errlen, "expected a duration of at least %s",
		    lo);
	*(int64_t *)field(obj, k) = ms;
	return 0;
}

static int
p_size(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	char lo[UNITS_FMT_MAX];
	uint64_t n;

	if (units_parse_size(v, &n) == -1)
		return fail(err, errlen, "expected a size like 512K, 300M, "
		    "2G");
	if (n < (uint64_t)k->min) {
		units_format_size((uint64_t)k->min, lo, sizeof lo);
		return fail(err, errlen, "expected a size of at least %s", lo);
	}
	*(uint64_t *)field(obj, k) = n;
	return 0;
}

static int
p_int(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < k->min ||
	    n > k->max || !(isdigit((unsigned char)*v) || *v == '-'))
		return fail(err, errlen, "expected a whole number from "
		    "%lld to %lld", (long long)k->min, (long long)k->max);
	*(int *)field(obj, k) = (int)n;
	return 0;
}

static int
p_bool(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*(int *)field(obj, k) = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*(int *)field(obj, k) = 0;
			return 0;
		}
	}
	return fail(err, errlen, "expected yes or no (or true/false, "
	    "on/off, 1/0)");
}

static int
p_url(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	const char *host;

	if (strncasecmp(v, "http://", 7) == 0)
		host = v + 7;
	else if (strncasecmp(v, "https://", 8) == 0)
		host = v + 8;
	else
		return fail(err, errlen, "expected a URL starting with "
		    "http:// or https://");
	if (*host == '\0' || *host == '/' || strpbrk(v, " \t") != NULL)
		return fail(err, errlen, "expected a URL like "
		    "http://127.0.0.1:8001/metrics");
	set_string(field(obj, k), xstrdup(v));
	return 0;
}

static int
p_metric(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	if (!config_metric_name_ok(v))
		return fail(err, errlen, "expected a metric name like "
		    "proc_rss_bytes ([a-zA-Z_:][a-zA-Z0-9_:]*)");
	set_string(field(obj, k), xstrdup(v));
	return 0;
}

/* Names of actions: referenced from lists, so no commas or spaces. */
static int
name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s) || *s == ',' || *s == '/' ||
		    iscntrl((unsigned char)*s))
			return 0;
	}
	return 1;
}

static int
p_action_name(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	if (!name_ok(v))
		return fail(err, errlen, "expected the name of an [action] "
		    "section");
	set_string(field(obj, k), xstrdup(v));
	return 0;
}

static int
p_pid(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_worker *w = obj;
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    n <= 0 || n > INT_MAX)
		return fail(err, errlen, "expected a process id (a positive "
		    "whole number)");
	w->pid = (pid_t)n;
	if (w->find != WORKER_FIND_MATCH)
		w->find = WORKER_FIND_PID;
	return 0;
}

static int
p_pid_file(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_worker *w = obj;

	if (p_path(obj, k, v, err, errlen) == -1)
		return -1;
	if (w->find != WORKER_FIND_MATCH)
		w->find = WORKER_FIND_PID_FILE;
	return 0;
}

static int
p_match(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_worker *w = obj;
	char msg[256];

	if (*v == '\0')
		return fail(err, errlen, "expected a regular expression");
	if (w->find == WORKER_FIND_MATCH)
		return fail(err, errlen, "already set");	/* not reached */
	if (regsafe_compile(&w->match_re, v, REG_EXTENDED | REG_NOSUB, msg,
	    sizeof msg) != 0)
		return fail(err, errlen, "bad regular expression: %s", msg);
	/* find == MATCH is what tells config_free to regfree. */
	w->find = WORKER_FIND_MATCH;
	set_string(&w->match, xstrdup(v));
	return 0;
}

static int
p_action_list(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_worker *w = obj;
	char **names = NULL, *item;
	size_t n = 0, cap = 0, i, len;
	const char *s = v, *e;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		len = (size_t)(e - s);
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		item = xstrndup(s, len);
		if (!name_ok(item)) {
			free(item);
			fail(err, errlen, "expected a comma-separated list of "
			    "action names like trim, restart");
			goto bad;
		}
		for (i = 0; i < n; i++) {
			if (strcmp(names[i], item) == 0) {
				fail(err, errlen, "action %s is listed twice",
				    item);
				free(item);
				goto bad;
			}
		}
		names = xgrow(names, &cap, n + 1, sizeof *names);
		names[n++] = item;
		if (*e == '\0')
			break;
		s = e + 1;
	}
	for (i = 0; i < w->nactions; i++)
		free(w->actions[i]);
	free(w->actions);
	w->actions = names;
	w->nactions = n;
	return 0;

bad:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return -1;
}

static int
p_signal(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_action *a = obj;
	int signo = config_signal_number(v);

	if (signo == -1)
		return fail(err, errlen, "expected a signal like TERM, USR1, "
		    "HUP or a number");
	a->kind = ACTION_SIGNAL;
	a->signo = signo;
	return 0;
}

static int
p_exec(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_action *a = obj;
	char **argv, msg[128];
	size_t argc;

	if (config_split_argv(v, &argv, &argc, msg, sizeof msg) == -1)
		return fail(err, errlen, "expected a command and its "
		    "arguments: %s", msg);
	if (argv[0][0] == '\0') {
		config_argv_free(argv);
		return fail(err, errlen, "expected a command and its "
		    "arguments: the command name is empty");
	}
	config_argv_free(a->argv);
	a->argv = argv;
	a->argc = argc;
	a->kind = ACTION_EXEC;
	return 0;
}

static int
p_http_post(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_action *a = obj;

	if (p_url(obj, k, v, err, errlen) == -1)
		return -1;
	a->kind = ACTION_HTTP_POST;
	return 0;
}

static int
p_expect(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_action *a = obj;

	if (config_expect_parse(v, &a->expect_kind, &a->expect_value, err,
	    errlen) == -1)
		return -1;
	set_string(&a->expect, xstrdup(v));
	return 0;
}

static int
p_severity(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	if (config_severity_parse(v, field(obj, k)) == -1)
		return fail(err, errlen, "expected info, warning or critical");
	return 0;
}

/* "10m" reads as 10 MiB to the size parser but as ten minutes to a
 * person: in a threshold a lone lower-case m is refused as ambiguous. */
static int
ambiguous_m(const char *v)
{
	size_t n = strlen(v);

	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	return n >= 2 && v[n - 1] == 'm' &&
	    (isdigit((unsigned char)v[n - 2]) || v[n - 2] == '.' ||
	    v[n - 2] == ' ');
}

static int
p_threshold(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_rule *r = obj;
	int64_t ms;
	double x;

	if (ambiguous_m(v))
		return fail(err, errlen, "expected a number like 0.95 or a "
		    "size like 6G: \"m\" is ambiguous here (write M for "
		    "mebibytes; a time figure is a plain number of seconds)");
	if (threshold_parse(v, &x) == -1) {
		if (units_parse_duration(v, &ms) == 0)
			return fail(err, errlen, "expected a number like 0.95 "
			    "or a size like 6G, not a duration: a time figure "
			    "is a plain number of seconds (%g)",
			    (double)ms / 1000.0);
		return fail(err, errlen, "expected a number like 0.95 or a "
		    "size like 6G");
	}
	*(double *)field(obj, k) = x;
	if (k->off == offsetof(struct cfg_rule, above))
		r->has_above = 1;
	else
		r->has_below = 1;
	return 0;
}

/* A rule's expression; what it means is checked in check_rule, once
 * the rule's name can head the message. */
static int
p_rule_metric(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	char msg[ERR_MAX - 100];

	if (rules_expr_check(v, msg, sizeof msg) == RULES_EXPR_SYNTAX)
		return fail(err, errlen, "expected a metric name, rate(NAME) "
		    "or quantile(Q, NAME): %s", msg);
	set_string(field(obj, k), xstrdup(v));
	return 0;
}

/* "5%" of the threshold, or an absolute number or size. */
static int
p_margin(void *obj, const struct key_spec *k, const char *v, char *err,
    size_t errlen)
{
	struct cfg_rule *r = obj;
	char num[64];
	size_t n = strlen(v);
	double x;

	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n > 0 && v[n - 1] == '%') {
		if (n - 1 >= sizeof num)
			goto bad;
		memcpy(num, v, n - 1);
		num[n - 1] = '\0';
		if (units_parse_number(num, &x) == -1 || x < 0 || x > 100)
			return fail(err, errlen, "expected a percent from 0%% "
			    "to 100%%, like 5%%");
		r->margin = x;
		r->margin_percent = 1;
		return 0;
	}
	if (ambiguous_m(v) || threshold_parse(v, &x) == -1)
		goto bad;
	if (x < 0)
		return fail(err, errlen, "expected a margin of at least 0");
	r->margin = x;
	r->margin_percent = 0;
	return 0;
bad:
	return fail(err, errlen, "expected a percent of the threshold like "
	    "5%%, or an amount like 0.1 or 512M");
}

/* workers = a, b*, triton: names or shell patterns. */
static int
p_worker_patterns(void *obj, const struct key_spec *k, const char *v,
    char *err, size_t errlen)
{
	struct cfg_rule *r = obj;
	char **items = NULL, *item;
	size_t n = 0, cap = 0, i, len;
	const char *s = v, *e;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		len = (size_t)(e - s);
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		item = xstrndup(s, len);
		for (i = 0; i < len; i++) {
			if (isspace((unsigned char)item[i]) ||
			    iscntrl((unsigned char)item[i]))
				break;
		}
		if (len == 0 || i < len) {
			free(item);
			fail(err, errlen, "expected a comma-separated list of "
			    "worker names or patterns like llm-0, embed-*");
			goto bad;
		}
		items = xgrow(items, &cap, n + 1, sizeof *items);
		items[n++] = item;
		if (*e == '\0')
			break;
		s = e + 1;
	}
	for (i = 0; i < r->nworkers; i++)
		free(r->workers[i]);
	free(r->workers);
	r->workers = items;
	r->nworkers = n;
	return 0;

bad:
	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
	return -1;
}

#define MODELTOP(f)	offsetof(struct config, f)
#define WORKER(f)	offsetof(struct cfg_worker, f)
#define ACTION(f)	offsetof(struct cfg_action, f)
#define RULE(f)		offsetof(struct cfg_rule, f)

static const struct key_spec keys[] = {
	{ SEC_MODELTOP, "interval", p_duration, MODELTOP(interval_ms), 100, 3600000 },
	{ SEC_MODELTOP, "db", p_path, MODELTOP(db), 0, 0 },
	{ SEC_MODELTOP, "retention", p_duration, MODELTOP(retention_ms), 1000, 0 },
	{ SEC_MODELTOP, "max_size", p_size, MODELTOP(max_size), 1 << 20, 0 },
	{ SEC_MODELTOP, "scrape_timeout", p_duration, MODELTOP(scrape_timeout_ms), 1, 0 },
	{ SEC_MODELTOP, "scrape_max_size", p_size, MODELTOP(scrape_max_size), 1 << 10, 0 },
	{ SEC_MODELTOP, "theme", p_string, MODELTOP(theme), 0, 0 },
	{ SEC_MODELTOP, "resolve_after", p_duration, MODELTOP(resolve_after_ms), 0, 0 },
	{ SEC_MODELTOP, "crashloop_restarts", p_int, MODELTOP(crashloop_restarts), 1, 1000 },
	{ SEC_MODELTOP, "crashloop_window", p_duration, MODELTOP(crashloop_window_ms), 1000, 0 },
	{ SEC_MODELTOP, "memory_window", p_duration, MODELTOP(memory_window_ms), 60000, MEMHEALTH_WINDOW_MAX_MS },
	{ SEC_MODELTOP, "log_rules", p_path, MODELTOP(log_rules), 0, 0 },

	{ SEC_WORKER, "pid", p_pid, WORKER(pid), 0, 0 },
	{ SEC_WORKER, "pid_file", p_pid_file, WORKER(pid_file), 0, 0 },
	{ SEC_WORKER, "match", p_match, WORKER(match), 0, 0 },
	{ SEC_WORKER, "metrics_url", p_url, WORKER(metrics_url), 0, 0 },
	{ SEC_WORKER, "log", p_path, WORKER(log), 0, 0 },
	{ SEC_WORKER, "memory_limit", p_size, WORKER(memory_limit), 0, 0 },
	{ SEC_WORKER, "actions", p_action_list, WORKER(actions), 0, 0 },
	{ SEC_WORKER, "scrape_timeout", p_duration, WORKER(scrape_timeout_ms), 1, 0 },

	{ SEC_ACTION, "signal", p_signal, ACTION(signo), 0, 0 },
	{ SEC_ACTION, "exec", p_exec, ACTION(argv), 0, 0 },
	{ SEC_ACTION, "http_post", p_http_post, ACTION(url), 0, 0 },
	{ SEC_ACTION, "verify", p_metric, ACTION(verify), 0, 0 },
	{ SEC_ACTION, "expect", p_expect, ACTION(expect), 0, 0 },
	{ SEC_ACTION, "settle", p_duration, ACTION(settle_ms), 0, 0 },
	{ SEC_ACTION, "timeout", p_duration, ACTION(timeout_ms), 1, 0 },
	{ SEC_ACTION, "confirm", p_bool, ACTION(confirm), 0, 0 },
	{ SEC_ACTION, "retries", p_int, ACTION(retries), 0, 10 },

	{ SEC_RULE, "metric", p_rule_metric, RULE(metric), 0, 0 },
	{ SEC_RULE, "above", p_threshold, RULE(above), 0, 0 },
	{ SEC_RULE, "below", p_threshold, RULE(below), 0, 0 },
	{ SEC_RULE, "for", p_duration, RULE(for_ms), 0, 0 },
	{ SEC_RULE, "severity", p_severity, RULE(severity), 0, 0 },
	{ SEC_RULE, "action", p_action_name, RULE(action), 0, 0 },
	{ SEC_RULE, "auto", p_bool, RULE(autorun), 0, 0 },
	{ SEC_RULE, "max_per_hour", p_int, RULE(max_per_hour), 1, 3600 },
	{ SEC_RULE, "margin", p_margin, RULE(margin), 0, 0 },
	{ SEC_RULE, "clear_after", p_duration, RULE(clear_after_ms), 0, 0 },
	{ SEC_RULE, "workers", p_worker_patterns, RULE(workers), 0, 0 },
};

/* Optional keys that "unknown key" messages list apart, after the main
 * ones, as "; GROUP: a, b or c". */
static const struct {
	enum section_kind kind;
	const char	*key;
	const char	*group;
} key_groups[] = {
	{ SEC_RULE, "margin", "hysteresis and scope" },
	{ SEC_RULE, "clear_after", "hysteresis and scope" },
	{ SEC_RULE, "workers", "hysteresis and scope" },
};

static const struct key_spec *
key_find(enum section_kind kind, const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].kind == kind && strcmp(keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

/* The group of a key, or NULL for the main list. */
static const char *
key_group(const struct key_spec *k)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(key_groups); i++) {
		if (key_groups[i].kind == k->kind &&
		    strcmp(key_groups[i].key, k->key) == 0)
			return key_groups[i].group;
	}
	return NULL;
}

static int
in_group(const struct key_spec *k, enum section_kind kind, const char *group)
{
	const char *g;

	if (k->kind != kind)
		return 0;
	g = key_group(k);
	return g == NULL || group == NULL ? g == group : strcmp(g, group) == 0;
}

/* "a, b or c" for the keys of kind in group (NULL: the main list). */
static void
keys_list_group(enum section_kind kind, const char *group, struct buf *b)
{
	size_t i, n = 0, total = 0;

	for (i = 0; i < ARRAY_LEN(keys); i++)
		total += in_group(&keys[i], kind, group);
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		if (!in_group(&keys[i], kind, group))
			continue;
		if (n > 0)
			buf_adds(b, n == total - 1 ? " or " : ", ");
		buf_adds(b, keys[i].key);
		n++;
	}
}

/* "a, b or c": the keys a section kind allows, for messages; each group
 * of optional keys follows as "; GROUP: d, e or f". */
static void
keys_list(enum section_kind kind, struct buf *b)
{
	const char *g;
	size_t i, j;

	keys_list_group(kind, NULL, b);
	for (i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].kind != kind || (g = key_group(&keys[i])) == NULL)
			continue;
		for (j = 0; j < i && !in_group(&keys[j], kind, g); j++)
			;
		if (j < i)
			continue;	/* the group is listed already */
		buf_printf(b, "; %s: ", g);
		keys_list_group(kind, g, b);
	}
}

/* ------------------------------------------------------------------ */
/* Defaults and freeing */

static void
config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->interval_ms = 1000;
	cfg->db = util_expand_home(DEFAULT_DB);
	cfg->retention_ms = INT64_C(7) * 86400 * 1000;
	cfg->max_size = UINT64_C(2) << 30;
	cfg->scrape_timeout_ms = 0;
	cfg->scrape_max_size = UINT64_C(8) << 20;
	cfg->theme = xstrdup("default");
	cfg->resolve_after_ms = 5 * 60 * 1000;
	cfg->crashloop_restarts = 3;
	cfg->crashloop_window_ms = 5 * 60 * 1000;
	cfg->memory_window_ms = 10 * 60 * 1000;
}

static struct cfg_worker *
worker_add(struct config *cfg, const char *name, const char *file, int line)
{
	size_t cap = cfg->nworkers;	/* exact-size arrays: grow by one */
	struct cfg_worker *w;

	cfg->workers = xgrow(cfg->workers, &cap, cfg->nworkers + 1,
	    sizeof *cfg->workers);
	w = &cfg->workers[cfg->nworkers++];
	memset(w, 0, sizeof *w);
	w->name = xstrdup(name);
	w->find = WORKER_FIND_PID;
	w->file = file != NULL ? xstrdup(file) : NULL;
	w->line = line;
	return w;
}

static struct cfg_action *
action_add(struct config *cfg, const char *name, const char *file, int line)
{
	size_t cap = cfg->nactions;
	struct cfg_action *a;

	cfg->actions = xgrow(cfg->actions, &cap, cfg->nactions + 1,
	    sizeof *cfg->actions);
	a = &cfg->actions[cfg->nactions++];
	memset(a, 0, sizeof *a);
	a->name = xstrdup(name);
	a->kind = ACTION_SIGNAL;
	a->expect_kind = EXPECT_DROP;
	a->settle_ms = 5000;
	a->timeout_ms = 10000;
	a->confirm = 1;		/* check_action relaxes it for USR1 & co */
	a->file = xstrdup(file);
	a->line = line;
	return a;
}

static struct cfg_rule *
rule_add(struct config *cfg, const char *name, const char *file, int line)
{
	size_t cap = cfg->nrules;
	struct cfg_rule *r;

	cfg->rules = xgrow(cfg->rules, &cap, cfg->nrules + 1,
	    sizeof *cfg->rules);
	r = &cfg->rules[cfg->nrules++];
	memset(r, 0, sizeof *r);
	r->name = xstrdup(name);
	r->severity = SEVERITY_WARNING;
	r->max_per_hour = 4;
	r->margin = 5;
	r->margin_percent = 1;
	r->file = xstrdup(file);
	r->line = line;
	return r;
}

static void
default_worker(struct config *cfg)
{
	struct cfg_worker *w = worker_add(cfg, "python", NULL, 0);

	if (regcomp(&w->match_re, "python", REG_EXTENDED | REG_NOSUB) != 0)
		fatal("cannot compile the default pattern");
	w->find = WORKER_FIND_MATCH;
	w->match = xstrdup("python");
}

void
config_default(struct config *cfg)
{
	config_init(cfg);
	default_worker(cfg);
}

void
config_free(struct config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->nworkers; i++) {
		struct cfg_worker *w = &cfg->workers[i];

		free(w->name);
		free(w->pid_file);
		free(w->match);
		if (w->find == WORKER_FIND_MATCH)
			regfree(&w->match_re);
		free(w->metrics_url);
		free(w->log);
		for (j = 0; j < w->nactions; j++)
			free(w->actions[j]);
		free(w->actions);
		free(w->file);
	}
	for (i = 0; i < cfg->nactions; i++) {
		struct cfg_action *a = &cfg->actions[i];

		free(a->name);
		config_argv_free(a->argv);
		free(a->url);
		free(a->verify);
		free(a->expect);
		free(a->file);
	}
	for (i = 0; i < cfg->nrules; i++) {
		struct cfg_rule *r = &cfg->rules[i];

		free(r->name);
		free(r->metric);
		free(r->action);
		for (j = 0; j < r->nworkers; j++)
			free(r->workers[j]);
		free(r->workers);
		free(r->file);
	}
	free(cfg->workers);
	free(cfg->actions);
	free(cfg->rules);
	free(cfg->path);
	free(cfg->db);
	free(cfg->theme);
	free(cfg->log_rules);
	free(cfg->exec_unsafe);
	for (i = 0; i < cfg->nkeys; i++) {
		free(cfg->keys[i].spec);
		free(cfg->keys[i].command);
		free(cfg->keys[i].file);
	}
	free(cfg->keys);
	memset(cfg, 0, sizeof *cfg);
}

/* ------------------------------------------------------------------ */
/* Sections */

static void *
section_object(struct parse *p, struct section *sec)
{
	switch (sec->kind) {
	case SEC_MODELTOP:
		return p->cfg;
	case SEC_WORKER:
		return &p->cfg->workers[sec->index];
	case SEC_ACTION:
		return &p->cfg->actions[sec->index];
	case SEC_RULE:
		return &p->cfg->rules[sec->index];
	default:
		return NULL;
	}
}

static const struct section *
section_find(struct parse *p, enum section_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < p->nsecs; i++) {
		if (p->secs[i].kind == kind &&
		    strcmp(p->secs[i].name, name) == 0)
			return &p->secs[i];
	}
	return NULL;
}

static const struct seen *
seen_find(const struct section *sec, const char *key)
{
	size_t i;

	for (i = 0; i < sec->nseen; i++) {
		if (strcmp(sec->seen[i].key, key) == 0)
			return &sec->seen[i];
	}
	return NULL;
}

/* Start a section from the text between the brackets. */
static void
section_start(struct parse *p, const char *text, int line)
{
	const struct section *dup;
	struct section *sec;
	enum section_kind kind;
	char *kindname, *name;
	const char *s = text, *e;
	size_t n, i;

	p->cur = -1;
	p->skip = 1;
	while (isspace((unsigned char)*s))
		s++;
	for (e = s; *e != '\0' && !isspace((unsigned char)*e); e++)
		;
	kindname = xstrndup(s, (size_t)(e - s));
	while (isspace((unsigned char)*e))
		e++;
	n = strlen(e);
	while (n > 0 && isspace((unsigned char)e[n - 1]))
		n--;
	name = xstrndup(e, n);

	for (i = 0; i < ARRAY_LEN(kind_names); i++) {
		if (strcmp(kindname, kind_names[i]) == 0)
			break;
	}
	if (*kindname == '\0') {
		perr(p, line, "empty section header []: %s", SECTIONS_HELP);
		goto out;
	}
	if (i == ARRAY_LEN(kind_names)) {
		perr(p, line, "unknown section [%s]: %s", text, SECTIONS_HELP);
		goto out;
	}
	kind = (enum section_kind)i;

	if ((kind == SEC_MODELTOP || kind == SEC_KEYS) && *name != '\0')
		perr(p, line, "[%s] takes no name (got \"%s\")", kindname,
		    name);
	else if (kind != SEC_MODELTOP && kind != SEC_KEYS && *name == '\0')
		perr(p, line, "[%s] needs a name: [%s NAME]", kindname,
		    kindname);
	else if (kind == SEC_WORKER && strpbrk(name, "/ \t") != NULL)
		perr(p, line, "worker name \"%s\" must not contain '/' or "
		    "whitespace", name);
	else if (kind != SEC_MODELTOP && kind != SEC_KEYS && !name_ok(name))
		perr(p, line, "%s name \"%s\" must not contain whitespace, "
		    "',' or '/'", kindname, name);
	if (kind == SEC_MODELTOP || kind == SEC_KEYS)
		name[0] = '\0';
	if ((kind == SEC_MODELTOP || kind == SEC_KEYS || *name != '\0') &&
	    (dup = section_find(p, kind, name)) != NULL) {
		if (kind == SEC_MODELTOP || kind == SEC_KEYS)
			perr(p, line, "[%s] repeated (first at line %d)",
			    kindname, dup->line);
		else
			perr(p, line, "[%s %s] repeated (first at line %d)",
			    kindname, name, dup->line);
	}

	p->secs = xgrow(p->secs, &p->capsecs, p->nsecs + 1, sizeof *p->secs);
	sec = &p->secs[p->nsecs];
	memset(sec, 0, sizeof *sec);
	sec->kind = kind;
	sec->name = name;
	sec->line = line;
	name = NULL;
	switch (kind) {
	case SEC_WORKER:
		worker_add(p->cfg, sec->name, p->file, line);
		sec->index = p->cfg->nworkers - 1;
		break;
	case SEC_ACTION:
		action_add(p->cfg, sec->name, p->file, line);
		sec->index = p->cfg->nactions - 1;
		break;
	case SEC_RULE:
		rule_add(p->cfg, sec->name, p->file, line);
		sec->index = p->cfg->nrules - 1;
		break;
	default:
		break;
	}
	p->cur = (int)p->nsecs++;
	p->skip = 0;
out:
	free(kindname);
	free(name);
}

static int (*key_check)(const char *spec, char *err, size_t errlen);

void
config_set_key_check(int (*fn)(const char *spec, char *err, size_t errlen))
{
	key_check = fn;
}

/* One "KEYSPEC = COMMAND" line of [keys]: a key binding of the console. */
static void
key_binding(struct parse *p, const char *spec, const char *command)
{
	struct cfg_key *k;
	size_t cap = p->cfg->nkeys, i;
	char err[ERR_MAX];

	if (key_check != NULL && key_check(spec, err, sizeof err) != 0) {
		perr(p, p->lineno, "[keys] %s: %s", spec, err);
		return;
	}
	for (i = 0; i < p->cfg->nkeys; i++) {
		if (strcmp(p->cfg->keys[i].spec, spec) == 0) {
			perr(p, p->lineno, "[keys] %s: bound twice (first at "
			    "line %d)", spec, p->cfg->keys[i].line);
			return;
		}
	}
	p->cfg->keys = xgrow(p->cfg->keys, &cap, p->cfg->nkeys + 1,
	    sizeof *p->cfg->keys);
	k = &p->cfg->keys[p->cfg->nkeys++];
	k->spec = xstrdup(spec);
	k->command = xstrdup(command);	/* "" unbinds the key */
	k->file = xstrdup(p->file);
	k->line = p->lineno;
}

/* One "key = value" line of the current section. */
static void
key_value(struct parse *p, const char *key, const char *value)
{
	const struct key_spec *k;
	const struct seen *prev;
	struct section *sec;
	struct buf b = {0};
	char err[ERR_MAX];

	if (p->cur == -1) {
		if (!p->skip)
			perr(p, p->lineno, "%s: key outside any section: put "
			    "it under [modeltop], [worker NAME], [action NAME] "
			    "or [rule NAME]", key);
		return;		/* else: the header was already reported */
	}
	sec = &p->secs[p->cur];
	if (*key == '\0') {
		perr(p, p->lineno, "missing key name before '='");
		return;
	}
	if (sec->kind == SEC_KEYS) {
		key_binding(p, key, value);
		return;
	}
	if ((k = key_find(sec->kind, key)) == NULL) {
		keys_list(sec->kind, &b);
		perr(p, p->lineno, "unknown key \"%s\" in [%s]: expected %s",
		    key, kind_names[sec->kind], b.data);
		buf_free(&b);
		return;
	}
	if ((prev = seen_find(sec, k->key)) != NULL) {
		perr(p, p->lineno, "%s: repeated in this section (first at "
		    "line %d)", key, prev->line);
		return;
	}
	if (sec->nseen < MAX_SEEN) {
		sec->seen[sec->nseen].key = k->key;
		sec->seen[sec->nseen].line = p->lineno;
		sec->nseen++;
	}
	if (k->parse(section_object(p, sec), k, value, err, sizeof err) == -1)
		perr(p, p->lineno, "%s: %s (got \"%s\")", key, err, value);
}

/* ------------------------------------------------------------------ */
/* Reading: inireader's callbacks */

static void
read_section(void *ctx, const char *name, int line)
{
	struct parse *p = ctx;

	p->lineno = line;
	if (name != NULL)
		section_start(p, name, line);
	else {
		/* A bad header (reported): its keys are not ours. */
		p->cur = -1;
		p->skip = 1;
	}
}

static void
read_key(void *ctx, const char *key, const char *value, int line)
{
	struct parse *p = ctx;

	p->lineno = line;
	key_value(p, key, value);
}

static void
read_error(void *ctx, int line, const char *msg)
{
	perr(ctx, line, "%s", msg);
}

static const struct inireader_ops read_ops = {
	.section = read_section,
	.key = read_key,
	.error = read_error,
	.expected = "KEY = VALUE, [SECTION] or a comment",
};

/* ------------------------------------------------------------------ */
/* Checks across keys and sections, once everything is read */

/* Exactly one of the keys in names[] (NULL-terminated) may appear in
 * sec; what names the section in messages. */
static void
one_of(struct parse *p, const struct section *sec, const char *const *names,
    const char *what)
{
	const struct seen *first = NULL, *s;
	struct buf list = {0};
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		if (i > 0)
			buf_adds(&list, names[i + 1] == NULL ? " or " : ", ");
		buf_adds(&list, names[i]);
	}
	/* The earliest is taken as meant; each later one is the error. */
	for (i = 0; names[i] != NULL; i++) {
		s = seen_find(sec, names[i]);
		if (s != NULL && (first == NULL || s->line < first->line))
			first = s;
	}
	for (i = 0; first != NULL && names[i] != NULL; i++) {
		s = seen_find(sec, names[i]);
		if (s == NULL || s == first)
			continue;
		perr(p, s->line, "%s: cannot be combined with %s (line %d): "
		    "%s takes exactly one of %s", s->key, first->key,
		    first->line, what, list.data);
	}
	if (first == NULL)
		perr(p, sec->line, "%s needs one of %s", what, list.data);
	buf_free(&list);
}

static void
check_worker(struct parse *p, const struct section *sec)
{
	static const char *const find[] = { "pid", "pid_file", "match", NULL };
	struct cfg_worker *w = &p->cfg->workers[sec->index];
	const struct seen *s;
	char what[300], a[UNITS_FMT_MAX], b[UNITS_FMT_MAX];
	size_t i;

	snprintf(what, sizeof what, "[worker %s]", sec->name);
	one_of(p, sec, find, what);
	if ((s = seen_find(sec, "actions")) != NULL) {
		for (i = 0; i < w->nactions; i++) {
			if (config_action(p->cfg, w->actions[i]) == NULL)
				perr(p, s->line, "actions: no [action %s] is "
				    "defined", w->actions[i]);
		}
	}
	if ((s = seen_find(sec, "scrape_timeout")) != NULL &&
	    w->scrape_timeout_ms > p->cfg->interval_ms) {
		units_format_duration(w->scrape_timeout_ms, a, sizeof a);
		units_format_duration(p->cfg->interval_ms, b, sizeof b);
		perr(p, s->line, "scrape_timeout: %s is longer than the "
		    "interval (%s)", a, b);
	}
}

/* A %n or %p inside arg that is not part of "%%n" / "%%p". */
static int
inner_placeholder(const char *arg)
{
	const char *q;

	for (q = arg; (q = strchr(q, '%')) != NULL; q++) {
		if (q[1] == '%') {
			q++;
			continue;
		}
		if (q[1] == 'n' || q[1] == 'p')
			return 1;
	}
	return 0;
}

/* %n and %p are replaced only as whole arguments: one inside a word
 * would reach the program as it is, which is never what was meant
 * ("%%n" is left alone: it is clearly not a placeholder). */
static void
check_placeholders(struct parse *p, const struct cfg_action *a, int line)
{
	size_t i;

	for (i = 0; i < a->argc; i++) {
		if (strcmp(a->argv[i], "%n") == 0 ||
		    strcmp(a->argv[i], "%p") == 0)
			continue;
		if (inner_placeholder(a->argv[i])) {
			perr(p, line, "exec: %%n and %%p are replaced only as "
			    "whole arguments, not inside \"%s\"; pass them "
			    "as arguments of their own", a->argv[i]);
			return;
		}
	}
}

static void
check_action(struct parse *p, const struct section *sec)
{
	static const char *const kinds[] = { "signal", "exec", "http_post",
	    NULL };
	struct cfg_action *a = &p->cfg->actions[sec->index];
	const struct seen *s;
	char what[300];

	snprintf(what, sizeof what, "[action %s]", sec->name);
	one_of(p, sec, kinds, what);
	/* Asking a worker to trim or reload is harmless: no question. */
	if (seen_find(sec, "confirm") == NULL && a->kind == ACTION_SIGNAL &&
	    (a->signo == SIGUSR1 || a->signo == SIGUSR2 || a->signo == SIGHUP))
		a->confirm = 0;
	if ((s = seen_find(sec, "expect")) != NULL &&
	    seen_find(sec, "verify") == NULL)
		perr(p, s->line, "expect: needs verify = METRIC, the metric "
		    "expected to improve");
	if ((s = seen_find(sec, "exec")) != NULL && a->kind == ACTION_EXEC)
		check_placeholders(p, a, s->line);
}

/* A plain name in a rule's workers list (no pattern characters, no
 * '/') must be a [worker] of the file: it is most likely a typo. */
static void
check_rule_workers(struct parse *p, const struct cfg_rule *r, int line)
{
	const char *w;
	size_t i;

	for (i = 0; i < r->nworkers; i++) {
		w = r->workers[i];
		if (strpbrk(w, "*?[/\\") != NULL)
			continue;
		if (config_worker(p->cfg, w) != NULL)
			continue;
		if (p->cfg->nworkers == 0 && strcmp(w, "python") == 0)
			continue;	/* the default worker */
		perr(p, line, "workers: no [worker %s] is defined (patterns "
		    "like %s* match running workers)", w, w);
	}
}

static void
check_rule(struct parse *p, const struct section *sec)
{
	static const char *const bounds[] = { "above", "below", NULL };
	struct cfg_rule *r = &p->cfg->rules[sec->index];
	const struct seen *s;
	char what[300], err[ERR_MAX - 100];

	snprintf(what, sizeof what, "[rule %s]", sec->name);
	if (seen_find(sec, "metric") == NULL)
		perr(p, sec->line, "%s needs metric = NAME", what);
	one_of(p, sec, bounds, what);
	if ((s = seen_find(sec, "action")) != NULL && r->action != NULL &&
	    config_action(p->cfg, r->action) == NULL)
		perr(p, s->line, "action: no [action %s] is defined",
		    r->action);
	if ((s = seen_find(sec, "auto")) != NULL && r->autorun &&
	    r->action == NULL)
		perr(p, s->line, "auto: needs action = NAME, the action to "
		    "run");
	if ((s = seen_find(sec, "metric")) != NULL && r->metric != NULL &&
	    rules_expr_check(r->metric, err, sizeof err) != 0)
		perr(p, s->line, "rule %s: %s", sec->name, err);
	if (seen_find(sec, "clear_after") == NULL)
		r->clear_after_ms = r->for_ms;
	if ((s = seen_find(sec, "workers")) != NULL)
		check_rule_workers(p, r, s->line);
}

static void
check_modeltop(struct parse *p, const struct section *sec)
{
	const struct seen *s = seen_find(sec, "scrape_timeout");
	char a[UNITS_FMT_MAX], b[UNITS_FMT_MAX];

	if (s != NULL && p->cfg->scrape_timeout_ms > p->cfg->interval_ms) {
		units_format_duration(p->cfg->scrape_timeout_ms, a, sizeof a);
		units_format_duration(p->cfg->interval_ms, b, sizeof b);
		perr(p, s->line, "scrape_timeout: %s is longer than the "
		    "interval (%s)", a, b);
	}
}

/* Exec actions from a file others may write are refused when they run;
 * say why now, for modeltop check. */
static void
exec_safety(struct config *cfg)
{
	char why[512];
	size_t i;

	for (i = 0; i < cfg->nactions; i++) {
		if (cfg->actions[i].kind != ACTION_EXEC)
			continue;
		if (config_file_safe(cfg->path, why, sizeof why) != 0)
			cfg->exec_unsafe = xstrdup(why);
		return;
	}
}

static void
check_all(struct parse *p)
{
	size_t i;

	for (i = 0; i < p->nsecs; i++) {
		switch (p->secs[i].kind) {
		case SEC_MODELTOP:
			check_modeltop(p, &p->secs[i]);
			break;
		case SEC_WORKER:
			check_worker(p, &p->secs[i]);
			break;
		case SEC_ACTION:
			check_action(p, &p->secs[i]);
			break;
		case SEC_RULE:
			check_rule(p, &p->secs[i]);
			break;
		default:
			break;
		}
	}
}

int
config_load(const char *path, struct config *cfg, struct cfg_errors *errs)
{
	struct parse p;
	size_t from = errs->n, i;
	char err[ERR_MAX];
	int rc;

	config_init(cfg);
	cfg->path = xstrdup(path);

	memset(&p, 0, sizeof p);
	p.cfg = cfg;
	p.errs = errs;
	p.file = path;
	p.cur = -1;
	rc = inireader_parse(path, &read_ops, &p, err, sizeof err);
	if (rc != 0)
		cfg_errors_add(errs, path, 0, "%s", err);
	if (rc == INIREADER_OPEN)
		return -1;

	check_all(&p);
	if (cfg->nworkers == 0)
		default_worker(cfg);
	exec_safety(cfg);

	for (i = 0; i < p.nsecs; i++)
		free(p.secs[i].name);
	free(p.secs);
	errors_sort(errs, from);
	return errs->n > from ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Permissions */

static const char *
writable_by(mode_t mode)
{
	if ((mode & S_IWGRP) && (mode & S_IWOTH))
		return "group and others";
	return (mode & S_IWGRP) ? "group" : "others";
}

int
config_file_safe(const char *path, char *why, size_t whylen)
{
	struct stat st;
	uid_t me = geteuid();
	char *dir, *slash;

	if (stat(path, &st) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != me) {
		snprintf(why, whylen, "%s is owned by uid %u, not by root or "
		    "you (uid %u)", path, (unsigned)st.st_uid, (unsigned)me);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whylen, "%s is writable by %s (mode %04o)", path,
		    writable_by(st.st_mode), (unsigned)(st.st_mode & 07777));
		return -1;
	}
	/* whoever may replace the file in its directory may as well write
	 * it; in a sticky directory (/tmp) only the file's owner and the
	 * directory's may do that */
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) != 0) {
		snprintf(why, whylen, "%s, the directory of %s: %s", dir, path,
		    strerror(errno));
		free(dir);
		return -1;
	}
	if ((st.st_uid != 0 && st.st_uid != me) ||
	    (!(st.st_mode & S_ISVTX) && (st.st_mode & (S_IWGRP | S_IWOTH)))) {
		if (st.st_uid != 0 && st.st_uid != me)
			snprintf(why, whylen, "%s, the directory of %s, is "
			    "owned by uid %u, not by root or you (uid %u)", dir,
			    path, (unsigned)st.st_uid, (unsigned)me);
		else
			snprintf(why, whylen, "%s, the directory of %s, is "
			    "writable by %s (mode %04o)", dir, path,
			    writable_by(st.st_mode),
			    (unsigned)(st.st_mode & 07777));
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lookups */

const struct cfg_worker *
config_worker(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nworkers; i++) {
		if (strcmp(cfg->workers[i].name, name) == 0)
			return &cfg->workers[i];
	}
	return NULL;
}

const struct cfg_action *
config_action(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nactions; i++) {
		if (strcmp(cfg->actions[i].name, name) == 0)
			return &cfg->actions[i];
	}
	return NULL;
}

const struct cfg_rule *
config_rule(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nrules; i++) {
		if (strcmp(cfg->rules[i].name, name) == 0)
			return &cfg->rules[i];
	}
	return NULL;
}

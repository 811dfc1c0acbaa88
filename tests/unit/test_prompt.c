/*
 * test_prompt.c -- the ':' prompt without a terminal: line editing,
 * history and completion of the line editor (ui/prompt.c), then the
 * console's one command path (console_exec, console_key) on a fake view:
 * unique prefixes, ambiguous prefixes, unknown commands, %w, the filter
 * prompt, the y/n confirmation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define CONSOLE_INTERNAL
#include "console.h"
#include "prompt.h"
#include "ucmd.h"

/* ------------------------------------------------------------------ */
/* Keys */

static TermKeyKey
ch(long cp)
{
	TermKeyKey k;

	memset(&k, 0, sizeof k);
	k.type = TERMKEY_TYPE_UNICODE;
	k.code.codepoint = cp;
	if (cp < 0x80) {
		k.utf8[0] = (char)cp;
		k.utf8[1] = '\0';
	}
	return k;
}

static TermKeyKey
ctrl(long cp)
{
	TermKeyKey k = ch(cp);

	k.modifiers = TERMKEY_KEYMOD_CTRL;
	return k;
}

static TermKeyKey
sym(TermKeySym s)
{
	TermKeyKey k;

	memset(&k, 0, sizeof k);
	k.type = TERMKEY_TYPE_KEYSYM;
	k.code.sym = s;
	return k;
}

static int
type(struct prompt *p, const char *s)
{
	TermKeyKey k;
	int r = PROMPT_IGNORED;

	for (; *s != '\0'; s++) {
		k = ch((unsigned char)*s);
		r = prompt_key(p, &k);
	}
	return r;
}

static int
press(struct prompt *p, TermKeyKey k)
{
	return prompt_key(p, &k);
}

/* ------------------------------------------------------------------ */
/* The line editor */

static void
test_editing(void **state)
{
	struct prompt p;

	prompt_init(&p, NULL, NULL);
	prompt_open(&p, ":", NULL);
	assert_int_equal(type(&p, "hlp"), PROMPT_EDITED);
	assert_string_equal(prompt_text(&p), "hlp");
	press(&p, sym(TERMKEY_SYM_LEFT));
	press(&p, sym(TERMKEY_SYM_LEFT));
	type(&p, "e");
	assert_string_equal(prompt_text(&p), "help");
	assert_int_equal(p.cur, 2);
	press(&p, sym(TERMKEY_SYM_END));
	type(&p, " me");
	assert_string_equal(prompt_text(&p), "help me");
	press(&p, sym(TERMKEY_SYM_BACKSPACE));
	assert_string_equal(prompt_text(&p), "help m");
	press(&p, sym(TERMKEY_SYM_HOME));
	press(&p, sym(TERMKEY_SYM_DELETE));
	assert_string_equal(prompt_text(&p), "elp m");
	/* at the start Backspace does nothing */
	assert_int_equal(press(&p, sym(TERMKEY_SYM_BACKSPACE)),
	    PROMPT_IGNORED);
	press(&p, ctrl('e'));
	assert_int_equal(p.cur, p.len);
	press(&p, ctrl('w'));
	assert_string_equal(prompt_text(&p), "elp ");
	press(&p, ctrl('a'));
	assert_int_equal(p.cur, 0);
	press(&p, ctrl('k'));
	assert_string_equal(prompt_text(&p), "");
	type(&p, "panel next");
	press(&p, sym(TERMKEY_SYM_LEFT));
	press(&p, ctrl('u'));
	assert_string_equal(prompt_text(&p), "t");
	assert_int_equal(p.cur, 0);
	/* Escape cancels and closes */
	assert_int_equal(press(&p, sym(TERMKEY_SYM_ESCAPE)), PROMPT_CANCEL);
	assert_int_equal(p.active, 0);
	prompt_free(&p);
}

static void
test_utf8_editing(void **state)
{
	struct prompt p;
	TermKeyKey e = ch(0xe9);
	size_t start;

	strcpy(e.utf8, "\xc3\xa9");
	prompt_init(&p, NULL, NULL);
	prompt_open(&p, "filter: ", "caf");
	press(&p, e);
	assert_string_equal(prompt_text(&p), "caf\xc3\xa9");
	assert_int_equal(prompt_width(p.text, p.len), 4);
	press(&p, sym(TERMKEY_SYM_LEFT));
	assert_int_equal(p.cur, 3);		/* before the two bytes */
	press(&p, sym(TERMKEY_SYM_DELETE));
	assert_string_equal(prompt_text(&p), "caf");
	press(&p, e);
	press(&p, sym(TERMKEY_SYM_BACKSPACE));
	assert_string_equal(prompt_text(&p), "caf");
	/* the view scrolls to keep the cursor visible */
	prompt_set_text(&p, "0123456789abcdef");
	assert_int_equal(prompt_view(&p, 10, &start), 9);
	assert_int_equal(start, 7);
	press(&p, sym(TERMKEY_SYM_HOME));
	assert_int_equal(prompt_view(&p, 10, &start), 0);
	assert_int_equal(start, 0);
	prompt_free(&p);
}

static void
test_history(void **state)
{
	struct prompt p;
	int i;

	prompt_init(&p, NULL, NULL);
	prompt_open(&p, ":", NULL);
	type(&p, "sort cpu");
	assert_int_equal(press(&p, sym(TERMKEY_SYM_ENTER)), PROMPT_RUN);
	assert_int_equal(p.active, 0);
	prompt_open(&p, ":", NULL);
	type(&p, "panel errors");
	press(&p, sym(TERMKEY_SYM_ENTER));
	prompt_open(&p, ":", NULL);
	type(&p, "panel errors");
	press(&p, sym(TERMKEY_SYM_ENTER));	/* a repeat is kept once */
	prompt_open(&p, ":", NULL);
	press(&p, sym(TERMKEY_SYM_ENTER));	/* blank: not kept */
	assert_int_equal(p.nhist, 2);

	prompt_open(&p, ":", NULL);
	type(&p, "draft");
	press(&p, sym(TERMKEY_SYM_UP));
	assert_string_equal(prompt_text(&p), "panel errors");
	press(&p, sym(TERMKEY_SYM_UP));
	assert_string_equal(prompt_text(&p), "sort cpu");
	assert_int_equal(press(&p, sym(TERMKEY_SYM_UP)), PROMPT_IGNORED);
	press(&p, sym(TERMKEY_SYM_DOWN));
	assert_string_equal(prompt_text(&p), "panel errors");
	press(&p, sym(TERMKEY_SYM_DOWN));
	assert_string_equal(prompt_text(&p), "draft");
	assert_int_equal(press(&p, sym(TERMKEY_SYM_DOWN)), PROMPT_IGNORED);
	press(&p, sym(TERMKEY_SYM_ESCAPE));

	/* bounded */
	for (i = 0; i < PROMPT_HISTORY + 20; i++) {
		char line[32];

		snprintf(line, sizeof line, "select w%d", i);
		prompt_history_add(&p, line);
	}
	assert_int_equal(p.nhist, PROMPT_HISTORY);
	assert_string_equal(p.hist[PROMPT_HISTORY - 1], "select w119");
	prompt_free(&p);
}

static void
words_cb(void *ctx, struct prompt *p, int nwords, char **words)
{
	static const char *const cmds[] = { "help", "hello", "panel", "quit",
	    NULL };
	static const char *const args[] = { "fleet", "metrics", "memory",
	    NULL };
	const char *const *l = nwords == 0 ? cmds : args;

	*(int *)ctx = nwords;
	for (; *l != NULL; l++)
		prompt_candidate(p, *l);
}

static void
test_completion(void **state)
{
	struct prompt p;
	int nwords = -1;

	prompt_init(&p, words_cb, &nwords);
	prompt_open(&p, ":", NULL);
	type(&p, "q");
	assert_int_equal(press(&p, sym(TERMKEY_SYM_TAB)), PROMPT_EDITED);
	assert_string_equal(prompt_text(&p), "quit ");
	assert_int_equal(nwords, 0);

	/* several: the common part, and the list */
	prompt_set_text(&p, "he");
	assert_int_equal(press(&p, sym(TERMKEY_SYM_TAB)), PROMPT_EDITED);
	assert_string_equal(prompt_text(&p), "hel");
	assert_string_equal(prompt_message(&p), "hello help");
	assert_int_equal(press(&p, sym(TERMKEY_SYM_TAB)), PROMPT_LISTED);
	assert_string_equal(prompt_text(&p), "hel");

	/* arguments: the words before are passed */
	prompt_set_text(&p, "panel me");
	press(&p, sym(TERMKEY_SYM_TAB));
	assert_int_equal(nwords, 1);
	assert_string_equal(prompt_text(&p), "panel me");
	assert_string_equal(prompt_message(&p), "memory metrics");
	type(&p, "m");
	press(&p, sym(TERMKEY_SYM_TAB));
	assert_string_equal(prompt_text(&p), "panel memory ");

	/* in the middle of the line */
	prompt_set_text(&p, "pa fleet");
	p.cur = 2;
	press(&p, sym(TERMKEY_SYM_TAB));
	assert_string_equal(prompt_text(&p), "panel fleet");
	assert_int_equal(p.cur, 6);

	/* nothing */
	prompt_set_text(&p, "zz");
	assert_int_equal(press(&p, sym(TERMKEY_SYM_TAB)), PROMPT_LISTED);
	assert_string_equal(prompt_message(&p), "no completion for \"zz\"");
	prompt_free(&p);
}

/* ------------------------------------------------------------------ */
/* A fake view for the console */

struct fake {
	struct view		 v;
	const char		*mode;
	struct view_worker	 w[4];
	size_t			 n;
	int64_t			 t;		/* time shown, ms */
	int			 reads;		/* points handed out */
};

static const char *f_mode(struct view *v) { return ((struct fake *)v)->mode; }
static const char *f_source(struct view *v) { return "testhost"; }
static int64_t f_time(struct view *v) { return ((struct fake *)v)->t; }
static int64_t f_interval(struct view *v) { return 1000; }

static size_t
f_workers(struct view *v, const struct view_worker **out)
{
	*out = ((struct fake *)v)->w;
	return ((struct fake *)v)->n;
}

static size_t
f_series(struct view *v, const char *w, const struct view_series **out)
{
	*out = NULL;
	return 0;
}

static int
f_points(struct view *v, const char *w, const char *m, const char *l,
    size_t ll, int64_t from, int64_t to, view_point_fn fn, void *ctx)
{
	struct fake *f = (struct fake *)v;
	int64_t t;

	/* CPU: a point every second up to the time shown, a value that
	 * depends on the time and the worker; a gap for a minute. */
	if (strcmp(m, "proc_cpu_percent") != 0)
		return -1;
	for (t = (from + 999) / 1000 * 1000; t <= to && t <= f->t; t += 1000) {
		if (t / 1000 % 600 < 60)
			continue;
		f->reads++;
		if (fn(ctx, t, (double)((t / 1000 * 7 + (int64_t)strlen(w)) %
		    23)) != 0)
			break;
	}
	return 0;
}

static size_t
f_events(struct view *v, const char *w, size_t max,
    const struct view_event **out)
{
	*out = NULL;
	return 0;
}

static int
f_pollfds(struct view *v, struct pollfd *fds, int max, int *timeout)
{
	return 0;
}

static int
f_dispatch(struct view *v, const struct pollfd *fds, int n)
{
	return 0;
}

static const char *f_status(struct view *v) { return NULL; }
static void f_free(struct view *v) { }

static const struct view_ops fake_ops = {
	.mode = f_mode,
	.source = f_source,
	.time = f_time,
	.interval = f_interval,
	.workers = f_workers,
	.series = f_series,
	.points = f_points,
	.events = f_events,
	.pollfds = f_pollfds,
	.dispatch = f_dispatch,
	.status = f_status,
	.free = f_free,
};

static void
fake_init(struct fake *f, const char *mode)
{
	static const char *const names[] = { "llm-0", "llm-1", "embed-0",
	    "ranker" };
	size_t i;

	memset(f, 0, sizeof *f);
	f->v.ops = &fake_ops;
	f->mode = mode;
	f->n = 4;
	f->t = 1700000000000;
	for (i = 0; i < f->n; i++) {
		struct view_worker *w = &f->w[i];

		w->name = names[i];
		w->state = i == 2 ? VIEW_DOWN : VIEW_UP;
		w->pid = 100 + (pid_t)i;
		w->cpu_percent = 10.0 * (double)i;
		w->rss_bytes = 1e8;
		w->pss_bytes = w->swap_bytes = NAN;
		w->limit_bytes = 4e8;
		w->gpu_bytes = NAN;
		w->req_rate = 5;
		w->err_rate = 0;
		w->p50_s = 0.01;
		w->p99_s = 0.1;
		w->rss_slope = NAN;
		w->threads = w->fds = NAN;
		w->note = "";
	}
}

static struct console *
console(struct fake *f, const char *mode)
{
	struct console_opts o = { 0 };

	fake_init(f, mode);
	return console_new(&f->v, &o);
}

static void
key(struct console *c, TermKeyKey k)
{
	console_key(c, &k);
}

static void
keys(struct console *c, const char *s)
{
	for (; *s != '\0'; s++)
		key(c, ch((unsigned char)*s));
}

static void
expect_message(struct console *c, const char *part)
{
	if (strstr(console_message(c), part) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", console_message(c),
		    part);
}

/* ------------------------------------------------------------------ */
/* Commands */

static void
test_prefixes(void **state)
{
	struct fake f;
	struct console *c = console(&f, "live");

	/* unique prefixes run */
	assert_int_equal(console_exec(c, "sor cpu"), 0);
	assert_int_equal(c->ui.sort_set, 1);
	assert_int_equal(c->ui.sort, COL_CPU);
	assert_int_equal(console_exec(c, "pan mem"), 0);
	assert_int_equal(c->current, 3);
	assert_int_equal(console_exec(c, "panel 1"), 0);
	assert_int_equal(c->current, 0);
	assert_int_equal(c->previous, 3);
	/* :q quits */
	assert_int_equal(c->quit, 0);
	assert_int_equal(console_exec(c, "q"), 0);
	assert_int_equal(c->quit, 1);
	c->quit = 0;
	assert_int_equal(console_exec(c, "exit"), 0);	/* the alias */
	assert_int_equal(c->quit, 1);
	console_free(c);
}

static void
test_ambiguous_and_unknown(void **state)
{
	struct fake f;
	struct console *c = console(&f, "live");

	assert_int_equal(console_exec(c, "p"), -1);
	expect_message(c, "ambiguous command: p (");
	expect_message(c, "panel");
	expect_message(c, "prompt");
	expect_message(c, "page-up");
	assert_int_equal(c->current, 0);

	assert_int_equal(console_exec(c, "xyz"), -1);
	assert_int_equal(c->msg_error, 1);
	expect_message(c, "unknown command: xyz");
	/* the engine's command-line-only commands are not prompt commands */
	assert_int_equal(console_exec(c, "record -c x.ini"), -1);
	expect_message(c, "unknown command: record");
	/* bad arguments get the command's message */
	assert_int_equal(console_exec(c, "sort bogus"), -1);
	expect_message(c, "sort: no column \"bogus\"");
	assert_int_equal(console_exec(c, "panel"), -1);
	expect_message(c, "usage: panel");
	assert_int_equal(console_exec(c, "select nobody"), -1);
	expect_message(c, "select: no worker \"nobody\"");
	assert_int_equal(console_exec(c, "select llm"), -1);
	expect_message(c, "more than one worker \"llm\"");
	/* quotes */
	assert_int_equal(console_exec(c, "filter 'unterminated"), -1);
	expect_message(c, "quote");
	/* blank lines are nothing */
	assert_int_equal(console_exec(c, "   "), 0);
	assert_int_equal(console_exec(c, ""), 0);
	assert_int_equal(c->quit, 0);
	console_free(c);
}

static void
test_commands(void **state)
{
	struct fake f;
	struct console *c = console(&f, "live");

	assert_int_equal(console_exec(c, "select emb"), 0);
	assert_string_equal(c->ui.selected, "embed-0");
	assert_int_equal(console_exec(c, "sort next"), 0);
	assert_int_equal(c->ui.sort, COL_NAME);
	expect_message(c, "sorted by name");
	assert_int_equal(console_exec(c, "sort reverse"), 0);
	assert_int_equal(c->ui.sort_reverse, 1);
	assert_int_equal(console_exec(c, "sort worst"), 0);
	assert_int_equal(c->ui.sort_set, 0);
	assert_int_equal(c->ui.sort_reverse, 0);
	assert_int_equal(console_exec(c, "spark rss"), 0);
	assert_int_equal(c->ui.spark_column, COL_RSS);
	assert_int_equal(console_exec(c, "spark name"), -1);
	assert_int_equal(c->ui.spark_column, COL_RSS);
	assert_int_equal(console_exec(c, "spark next"), 0);
	assert_int_equal(c->ui.spark_column, COL_REQ);
	assert_int_equal(console_exec(c, "filter llm"), 0);
	assert_string_equal(c->ui.filter, "llm");
	assert_int_equal(console_exec(c, "redraw"), 0);
	assert_int_equal(c->full_redraw, 1);
	assert_int_equal(console_exec(c, "help"), 0);
	assert_int_equal(c->pager.open, 1);
	assert_true(c->pager.nlines > 40);
	/* navigation goes to the pager while it is open */
	assert_int_equal(console_exec(c, "bottom"), 0);
	assert_true(c->pager.top > 0);
	assert_int_equal(console_exec(c, "back"), 0);
	assert_int_equal(c->pager.open, 0);
	/* the metrics panel's window, through the console's command */
	assert_int_equal(console_exec(c, "window 15m"), 0);
	assert_int_equal(c->ui.window_ms, 15 * 60 * 1000);
	assert_int_equal(console_exec(c, "window forever"), -1);
	expect_message(c, "window:");
	/* a panel's own command, from any panel */
	assert_int_equal(console_exec(c, "scope all"), 0);
	console_free(c);
}

static void
test_worker_expansion(void **state)
{
	struct fake f;
	struct console *c = console(&f, "live");
	char err[128];

	c->ui.selected[0] = '\0';
	assert_int_equal(console_exec(c, "filter %w"), -1);
	expect_message(c, "no worker selected");
	util_strlcpy(c->ui.selected, "llm-1", sizeof c->ui.selected);
	assert_int_equal(console_exec(c, "filter %w"), 0);
	assert_string_equal(c->ui.filter, "llm-1");
	/* a name with a space stays one word */
	util_strlcpy(c->ui.selected, "big one", sizeof c->ui.selected);
	assert_int_equal(console_exec(c, "filter %w"), 0);
	assert_string_equal(c->ui.filter, "big one");
	assert_int_equal(console_exec(c, "filter 100%% %"), 0);
	assert_string_equal(c->ui.filter, "100% %");

	/* a user's binding runs through the same path */
	util_strlcpy(c->ui.selected, "ranker", sizeof c->ui.selected);
	assert_int_equal(keymap_bind(c->keymap, "x", "filter %w", err,
	    sizeof err), 0);
	keys(c, "x");
	assert_string_equal(c->ui.filter, "ranker");
	console_free(c);
}

static void
test_keys_and_prompt(void **state)
{
	struct fake f;
	struct console *c = console(&f, "live");

	keys(c, "s");
	assert_int_equal(c->ui.sort_set, 1);
	keys(c, "S");
	assert_int_equal(c->ui.sort_reverse, 1);
	keys(c, "3");
	assert_int_equal(c->current, 2);
	key(c, sym(TERMKEY_SYM_TAB));
	assert_int_equal(c->current, 3);
	key(c, sym(TERMKEY_SYM_ESCAPE));	/* back */
	assert_int_equal(c->current, 2);

	/* :he<Tab> completes to help; Enter runs it */
	keys(c, ":");
	assert_int_equal(c->cmdline.active, 1);
	keys(c, "he");
	key(c, sym(TERMKEY_SYM_TAB));
	assert_string_equal(prompt_text(&c->cmdline), "help ");
	key(c, sym(TERMKEY_SYM_ENTER));
	assert_int_equal(c->cmdline.active, 0);
	assert_int_equal(c->pager.open, 1);
	keys(c, "x");			/* any other key closes the help */
	assert_int_equal(c->pager.open, 0);

	/* an ambiguous Tab lists the candidates on the status line */
	keys(c, ":s");
	key(c, sym(TERMKEY_SYM_TAB));
	expect_message(c, "select");
	expect_message(c, "sort");
	expect_message(c, "spark");
	/* worker names complete as arguments */
	keys(c, "elect ll");
	key(c, sym(TERMKEY_SYM_TAB));
	assert_string_equal(prompt_text(&c->cmdline), "select llm-");
	expect_message(c, "llm-0 llm-1");
	keys(c, "1");
	key(c, sym(TERMKEY_SYM_ENTER));
	assert_string_equal(c->ui.selected, "llm-1");

	/* an unknown command: a message, and the console still answers */
	keys(c, ":xyz");
	key(c, sym(TERMKEY_SYM_ENTER));
	expect_message(c, "unknown command: xyz");
	assert_int_equal(c->quit, 0);
	keys(c, "1");
	assert_int_equal(c->current, 0);
	/* history: Up recalls it */
	keys(c, ":");
	key(c, sym(TERMKEY_SYM_UP));
	assert_string_equal(prompt_text(&c->cmdline), "xyz");
	key(c, sym(TERMKEY_SYM_ESCAPE));
	assert_int_equal(c->cmdline.active, 0);

	/* an unbound key says so */
	keys(c, "Z");
	expect_message(c, "Z is not bound");
	/* ESC and a key in one read come as Meta-key: both keys count */
	keys(c, ":");
	key(c, ch('x'));
	{
		TermKeyKey m = ch('q');

		m.modifiers = TERMKEY_KEYMOD_ALT;
		key(c, m);
	}
	assert_int_equal(c->cmdline.active, 0);
	assert_int_equal(c->quit, 1);
	console_free(c);
}

static void
test_filter_prompt(void **state)
{
	struct fake f;
	struct console *c = console(&f, "live");

	keys(c, "/");
	assert_int_equal(c->filterline.active, 1);
	keys(c, "l");
	assert_string_equal(c->ui.filter, "l");	/* narrows as typed */
	keys(c, "lm");
	assert_string_equal(c->ui.filter, "llm");
	key(c, sym(TERMKEY_SYM_ENTER));
	assert_int_equal(c->filterline.active, 0);
	assert_string_equal(c->ui.filter, "llm");
	/* opening it again starts from the filter; Escape clears it */
	keys(c, "/");
	assert_string_equal(prompt_text(&c->filterline), "llm");
	keys(c, "-0");
	assert_string_equal(c->ui.filter, "llm-0");
	key(c, sym(TERMKEY_SYM_ESCAPE));
	assert_string_equal(c->ui.filter, "");
	/* Esc outside the prompt clears it too (the fleet's "back") */
	assert_int_equal(console_exec(c, "filter emb"), 0);
	key(c, sym(TERMKEY_SYM_ESCAPE));
	assert_string_equal(c->ui.filter, "");
	/* in the metrics and errors panels the filter key types a "find" */
	keys(c, "2/");
	assert_int_equal(c->filterline.active, 0);
	assert_int_equal(c->cmdline.active, 1);
	assert_string_equal(prompt_text(&c->cmdline), "find ");
	key(c, sym(TERMKEY_SYM_ESCAPE));
	keys(c, "1");
	/* keys typed into a prompt are not bindings */
	keys(c, "/q");
	assert_int_equal(c->quit, 0);
	console_free(c);
}

static int yes_runs, done_runs;

static void yes_fn(void *ctx) { yes_runs += *(int *)ctx; }
static void done_fn(void *ctx) { done_runs++; }

static void
test_confirm(void **state)
{
	struct fake f;
	struct console *c = console(&f, "live");
	int one = 1;

	yes_runs = done_runs = 0;
	console_confirm(c, "restart llm-0?", yes_fn, &one);
	keys(c, "n");
	assert_int_equal(yes_runs, 0);
	expect_message(c, "cancelled");
	assert_int_equal(c->current, 0);	/* the key did nothing else */

	console_confirm_full(c, "restart llm-0?", yes_fn, done_fn, &one);
	keys(c, "y");
	assert_int_equal(yes_runs, 1);
	assert_int_equal(done_runs, 1);
	/* q answers no rather than quitting */
	console_confirm_full(c, "trim?", yes_fn, done_fn, &one);
	keys(c, "q");
	assert_int_equal(c->quit, 0);
	assert_int_equal(yes_runs, 1);
	assert_int_equal(done_runs, 2);
	/* pending at the end: done still runs */
	console_confirm_full(c, "trim?", yes_fn, done_fn, &one);
	console_free(c);
	assert_int_equal(done_runs, 3);
	assert_int_equal(yes_runs, 1);
}

static void
test_console_completion(void **state)
{
	struct fake f;
	struct console *c = console(&f, "replay");
	struct prompt *p = &c->cmdline;

	prompt_open(p, ":", "panel m");
	prompt_complete(p);
	assert_string_equal(prompt_message(p), "memory metrics");
	prompt_set_text(p, "sort p");
	prompt_complete(p);
	assert_string_equal(prompt_message(p), "p50 p99");
	prompt_set_text(p, "spark i");
	assert_int_equal(prompt_complete(p), PROMPT_LISTED);	/* none */
	prompt_set_text(p, "window 1");
	prompt_complete(p);
	assert_string_equal(prompt_message(p), "15m 1h 1m");
	prompt_set_text(p, "th");
	prompt_complete(p);
	assert_string_equal(prompt_text(p), "theme ");
	prompt_set_text(p, "filter emb");
	prompt_complete(p);
	assert_string_equal(prompt_text(p), "filter embed-0 ");
	prompt_close(p);
	console_free(c);
}

/* The rows of the fleet's window as text. */
static void
screen_rows(WINDOW *win, wchar_t rows[][128], int n)
{
	int y;

	for (y = 0; y < n; y++) {
		memset(rows[y], 0, sizeof rows[y]);
		mvwinnwstr(win, y, 0, rows[y], 127);
	}
}

/* The sparkline keeps finished buckets between frames and reads only the
 * newest points: what it draws must be what a fresh panel draws. */
static void
test_fleet_sparkline(void **state)
{
	struct fake f;
	struct console *c = console(&f, "live");
	struct console_panel *p = &c->panels[0];
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	wchar_t cached[8][128], fresh[8][128];
	char err[256];
	int step, y, blocks = 0, reads_cached = 0, reads_fresh = 0;

	assert_non_null(out);
	assert_non_null(in);
	assert_int_equal(console_screen_open(c, "xterm-256color", out, in, err,
	    sizeof err), 0);
	resizeterm(24, 100);
	console_resize(c, 24, 100);
	assert_int_equal(c->layout, LAYOUT_SINGLE);
	for (step = 0; step < 400; step++) {
		/* 1 s samples, with a jump now and then */
		f.t += step % 97 == 0 ? 41000 : 1000;
		f.reads = 0;
		console_draw(c, 0);
		reads_cached += f.reads;
		screen_rows(p->win, cached, 8);
		if (step % 13 != 0)
			continue;
		p->ops->destroy(p->state);
		p->state = p->ops->create(&c->ui);
		f.reads = 0;
		console_draw(c, 0);
		reads_fresh += f.reads;
		screen_rows(p->win, fresh, 8);
		for (y = 0; y < 8; y++) {
			if (wcscmp(cached[y], fresh[y]) != 0)
				fail_msg("step %d row %d:\n%ls\n%ls", step, y,
				    cached[y], fresh[y]);
			if (wcschr(cached[y], L'\u2588') != NULL)
				blocks++;
		}
	}
	/* the sparkline was drawn, and from far fewer points */
	assert_true(blocks > 0);
	assert_true(reads_cached < 400 * 4 * 30);
	assert_true(reads_fresh / 31 > 4 * 250);
	console_screen_close(c);
	console_free(c);
	fclose(out);
	fclose(in);
}

/* The user's [keys], as console_main passes them. */
static void
test_user_keys(void **state)
{
	static const char *const specs[] = { "x", "q", "Hyper-y", "F5",
	    "Bogus" };
	static const char *const cmds[] = { "sort cpu", "", "quit", "help",
	    "quit" };
	struct console_opts o = { 0 };
	struct console *c;
	struct fake f;

	fake_init(&f, "live");
	o.key_specs = specs;
	o.key_commands = cmds;
	o.nkeys = 5;
	c = console_new(&f.v, &o);
	expect_message(c, "keys: unknown key \"Hyper-y\"");
	expect_message(c, "(and 1 more)");
	keys(c, "x");
	assert_int_equal(c->ui.sort, COL_CPU);
	keys(c, "q");			/* unbound now */
	assert_int_equal(c->quit, 0);
	expect_message(c, "q is not bound");
	key(c, sym(TERMKEY_SYM_ESCAPE));
	console_exec(c, "panel fleet");
	{
		TermKeyKey f5;

		memset(&f5, 0, sizeof f5);
		f5.type = TERMKEY_TYPE_FUNCTION;
		f5.code.number = 5;
		key(c, f5);
	}
	assert_int_equal(c->pager.open, 1);
	console_free(c);
}

static void
test_column_names(void **state)
{
	int i;

	for (i = 0; i < COL_COUNT; i++)
		assert_int_equal(ucmd_column_parse(ucmd_column_name(i)), i);
	assert_int_equal(ucmd_column_parse("req/s"), COL_REQ);
	assert_int_equal(ucmd_column_parse("inc"), COL_INCIDENTS);
	assert_int_equal(ucmd_column_parse("r"), -1);	/* rss, req, ... */
	assert_int_equal(ucmd_column_parse("st"), COL_STATUS);
	assert_int_equal(ucmd_column_parse(""), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_editing),
		cmocka_unit_test(test_utf8_editing),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_completion),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_ambiguous_and_unknown),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_worker_expansion),
		cmocka_unit_test(test_keys_and_prompt),
		cmocka_unit_test(test_filter_prompt),
		cmocka_unit_test(test_confirm),
		cmocka_unit_test(test_console_completion),
		cmocka_unit_test(test_fleet_sparkline),
		cmocka_unit_test(test_user_keys),
		cmocka_unit_test(test_column_names),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

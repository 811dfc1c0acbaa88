/*
 * ucmd.c -- the console's own commands and the lookup across the
 * console's and the engine's command tables.
 */
#define CONSOLE_INTERNAL
#include "ucmd.h"

#include <string.h>

#include "console.h"
#include "theme.h"
#include "util.h"

static const char *const column_names[COL_COUNT] = {
	[COL_NAME] = "name",
	[COL_STATUS] = "status",
	[COL_CPU] = "cpu",
	[COL_RSS] = "rss",
	[COL_REQ] = "req",
	[COL_P50] = "p50",
	[COL_P99] = "p99",
	[COL_ERR] = "err",
	[COL_INCIDENTS] = "incidents",
	[COL_RESTARTS] = "restarts",
};

static const char *const panel_names[] = {
	"fleet", "metrics", "errors", "memory", "logs", "next", "prev", NULL
};
static const char *const windows[] = {
	"1m", "5m", "15m", "1h", "6h", "24h", "next", "prev", NULL
};
static const char *const themes[] = {
	"default", "light", "high-contrast", "monochrome", NULL
};
/* The replay commands' words (cmd-goto.c). */
static const char *const goto_words[] = { "start", "end", NULL };
static const char *const seek_words[] = {
	"+tick", "-tick", "+1m", "-1m", "+10m", "-10m", "+1h", "-1h",
	"next-incident", "prev-incident", "next-event", "prev-event", NULL
};
static const char *const play_words[] = {
	"on", "off", "toggle", "faster", "slower", "reverse", "forward",
	"backward", "x1", "x2", "x4", "x8", "x16", "x32", "x64", NULL
};

const char *
ucmd_column_name(enum ui_column col)
{
	if ((int)col < 0 || col >= COL_COUNT)
		return "?";
	return column_names[col];
}

int
ucmd_column_parse(const char *s)
{
	size_t len = strlen(s);
	int i, found = -1;

	if (strcmp(s, "req/s") == 0 || strcmp(s, "requests") == 0)
		return COL_REQ;
	if (strcmp(s, "err/s") == 0 || strcmp(s, "errors") == 0)
		return COL_ERR;
	if (strcmp(s, "inc") == 0)
		return COL_INCIDENTS;
	if (len == 0)
		return -1;
	for (i = 0; i < COL_COUNT; i++) {
		if (strcmp(column_names[i], s) == 0)
			return i;
	}
	for (i = 0; i < COL_COUNT; i++) {
		if (strncmp(column_names[i], s, len) != 0)
			continue;
		if (found != -1)
			return -1;
		found = i;
	}
	return found;
}

/* Columns a sparkline can show: those with a series behind them. */
static int
spark_ok(int col)
{
	return col != COL_NAME && col != COL_INCIDENTS;
}

static struct console *
con(struct cmd_ctx *ctx)
{
	return ctx->console;
}

/* Join argv[from..argc) with single spaces into buf. */
static void
join(int argc, char **argv, int from, char *buf, size_t len)
{
	struct buf b = {0};
	int i;

	for (i = from; i < argc; i++) {
		if (i > from)
			buf_addc(&b, ' ');
		buf_adds(&b, argv[i]);
	}
	util_strlcpy(buf, b.data != NULL ? b.data : "", len);
	buf_free(&b);
}

static int
u_quit(struct cmd_ctx *ctx, int argc, char **argv)
{
	con(ctx)->quit = 1;
	return 0;
}

static int
u_help(struct cmd_ctx *ctx, int argc, char **argv)
{
	help_show(con(ctx));
	return 0;
}

static int
u_panel(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct console *c = con(ctx);
	int i;

	if (argc != 2) {
		fprintf(ctx->err, "usage: panel fleet|metrics|errors|memory|"
		    "logs|next|prev\n");
		return 2;
	}
	if (strcmp(argv[1], "next") == 0)
		i = (c->current + 1) % CONSOLE_PANELS;
	else if (strcmp(argv[1], "prev") == 0)
		i = (c->current + CONSOLE_PANELS - 1) % CONSOLE_PANELS;
	else if ((i = console_panel_index(argv[1])) == -1) {
		fprintf(ctx->err, "panel: no panel \"%s\" (fleet, metrics, "
		    "errors, memory, next, prev)\n", argv[1]);
		return 1;
	}
	console_panel_show(c, i);
	return 0;
}

static int
u_filter(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct console *c = con(ctx);

	/* The metrics, errors and logs panels search with "find": there,
	 * the filter key types one. */
	if (argc == 1 && (c->current == 1 || c->current == 2 ||
	    c->current == 4)) {
		prompt_open(&c->cmdline, ":", "find ");
		return 0;
	}
	/* The filter narrows the fleet: show it where it is hidden. */
	if (c->layout == LAYOUT_SINGLE && c->current != 0)
		console_panel_show(c, 0);
	if (argc == 1) {
		prompt_open(&c->filterline, "filter: ", c->ui.filter);
		return 0;
	}
	join(argc, argv, 1, c->ui.filter, sizeof c->ui.filter);
	return 0;
}

static int
u_sort(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct ui *ui = &con(ctx)->ui;
	int col;

	if (argc != 2) {
		fprintf(ctx->err, "usage: sort COLUMN|next|reverse|worst\n");
		return 2;
	}
	if (strcmp(argv[1], "reverse") == 0) {
		ui->sort_reverse = !ui->sort_reverse;
		return 0;
	}
	if (strcmp(argv[1], "worst") == 0) {
		ui->sort_set = 0;
		ui->sort_reverse = 0;
		fprintf(ctx->out, "sorted worst first\n");
		return 0;
	}
	if (strcmp(argv[1], "next") == 0) {
		/* worst first, name, status, ..., restarts, worst first */
		if (!ui->sort_set) {
			ui->sort_set = 1;
			ui->sort = COL_NAME;
		} else if (ui->sort + 1 == COL_COUNT) {
			ui->sort_set = 0;
			ui->sort = COL_NAME;
		} else
			ui->sort++;
	} else if ((col = ucmd_column_parse(argv[1])) != -1) {
		ui->sort_set = 1;
		ui->sort = col;
	} else {
		fprintf(ctx->err, "sort: no column \"%s\" (name, status, cpu, "
		    "rss, req, p50, p99, err, incidents, restarts, worst)\n",
		    argv[1]);
		return 1;
	}
	ui->sort_reverse = 0;
	if (ui->sort_set)
		fprintf(ctx->out, "sorted by %s\n", ucmd_column_name(ui->sort));
	else
		fprintf(ctx->out, "sorted worst first\n");
	return 0;
}

static int
u_spark(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct ui *ui = &con(ctx)->ui;
	int col;

	if (argc != 2) {
		fprintf(ctx->err, "usage: spark COLUMN|next\n");
		return 2;
	}
	if (strcmp(argv[1], "next") == 0) {
		col = ui->spark_column;
		do
			col = (col + 1) % COL_COUNT;
		while (!spark_ok(col));
	} else if ((col = ucmd_column_parse(argv[1])) == -1 ||
	    !spark_ok(col)) {
		fprintf(ctx->err, "spark: no history for \"%s\" (status, cpu, "
		    "rss, req, p50, p99, err, restarts)\n", argv[1]);
		return 1;
	}
	ui->spark_column = col;
	fprintf(ctx->out, "sparkline: %s\n", ucmd_column_name(col));
	return 0;
}

static int
u_select(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct console *c = con(ctx);
	const struct view_worker *w;
	const char *found = NULL;
	size_t n, i, len;
	int count = 0;

	if (argc != 2) {
		fprintf(ctx->err, "usage: select WORKER\n");
		return 2;
	}
	n = view_workers(c->ui.view, &w);
	len = strlen(argv[1]);
	for (i = 0; i < n; i++) {
		if (strcmp(w[i].name, argv[1]) == 0) {
			found = w[i].name;
			count = 1;
			break;
		}
		if (strncmp(w[i].name, argv[1], len) == 0) {
			found = w[i].name;
			count++;
		}
	}
	if (count != 1) {
		fprintf(ctx->err, "select: %s worker \"%s\"\n", count == 0 ?
		    "no" : "more than one", argv[1]);
		return 1;
	}
	util_strlcpy(c->ui.selected, found, sizeof c->ui.selected);
	if (c->ui.filter[0] != '\0' && strstr(found, c->ui.filter) == NULL)
		c->ui.filter[0] = '\0';
	return 0;
}

static int
u_redraw(struct cmd_ctx *ctx, int argc, char **argv)
{
	con(ctx)->full_redraw = 1;
	return 0;
}

static int
u_theme(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct console *c = con(ctx);
	char err[512];

	if (argc != 2) {
		fprintf(ctx->err, "usage: theme NAME|FILE (now %s)\n",
		    theme_current());
		return 2;
	}
	c->full_redraw = 1;
	if (theme_load(argv[1], c->ui.colors, err, sizeof err) != 0) {
		fprintf(ctx->err, "%s\n", err);
		return 1;
	}
	fprintf(ctx->out, "theme %s\n", argv[1]);
	return 0;
}

static int
u_window(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct console *c = con(ctx);
	struct console_panel *p = &c->panels[1];

	if (argc < 2) {
		fprintf(ctx->err, "usage: window 1m|5m|15m|1h|6h|24h|next|"
		    "prev\n");
		return 2;
	}
	if (p->ops->command == NULL ||
	    !p->ops->command(p->state, &c->ui, argc, argv)) {
		fprintf(ctx->err, "window: the metrics panel takes 1m, 5m, "
		    "15m, 1h, 6h, 24h, next or prev (not \"%s\")\n", argv[1]);
		return 1;
	}
	return 0;
}

static int
u_prompt(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct console *c = con(ctx);
	char text[PROMPT_MAX];

	join(argc, argv, 1, text, sizeof text - 1);
	/* "prompt act w0" opens ":act w0 " ready for the next word. */
	if (argc > 1)
		strcat(text, " ");
	prompt_open(&c->cmdline, ":", text);
	return 0;
}

static int
u_suspend(struct cmd_ctx *ctx, int argc, char **argv)
{
	console_suspend(con(ctx));
	return 0;
}

/* Navigation goes to the pager when it is open, else to the panel with
 * the keys; "back" that the panel does not take returns to the panel
 * shown before. */
static int
u_nav(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct console *c = con(ctx);
	struct console_panel *p = &c->panels[c->current];

	if (c->pager.open) {
		if (!console_pager_scroll(c, argv[0]) &&
		    strcmp(argv[0], "back") == 0)
			console_pager_close(c);
		return 0;
	}
	if (p->ops->command != NULL &&
	    p->ops->command(p->state, &c->ui, argc, argv))
		return 0;
	if (strcmp(argv[0], "back") == 0 && c->current != 0)
		console_panel_show(c, c->previous != c->current ?
		    c->previous : 0);
	return 0;
}

#define OWN	(CMD_PROMPT | CMD_REPLAY)

static const struct cmd_entry ucmds[] = {
	{ "quit", "exit", "", "quit the console", OWN, u_quit },
	{ "help", NULL, "", "keys and commands (this screen)", OWN, u_help },
	{ "panel", NULL, "fleet|metrics|errors|memory|logs|next|prev",
	    "show a panel", OWN, u_panel },
	{ "filter", NULL, "[TEXT]",
	    "fleet: workers whose name contains TEXT; no TEXT: type it "
	    "(metrics, errors: find)", OWN, u_filter },
	{ "sort", NULL, "COLUMN|next|reverse|worst",
	    "sort the fleet (name status cpu rss req p50 p99 err incidents "
	    "restarts)", OWN, u_sort },
	{ "spark", NULL, "COLUMN|next",
	    "the fleet's sparkline column (status cpu rss req p50 p99 err "
	    "restarts)", OWN, u_spark },
	{ "select", NULL, "WORKER", "select a worker (name or prefix)", OWN,
	    u_select },
	{ "redraw", NULL, "", "redraw the whole screen", OWN, u_redraw },
	{ "theme", NULL, "NAME|FILE",
	    "colour theme: default, light, high-contrast, monochrome", OWN,
	    u_theme },
	{ "window", NULL, "1m|5m|15m|1h|6h|24h|next|prev",
	    "the metrics chart's time window", OWN, u_window },
	{ "prompt", NULL, "[TEXT]", "open the ':' prompt with TEXT", OWN,
	    u_prompt },
	{ "suspend", NULL, "", "suspend modeltop (fg resumes)", OWN,
	    u_suspend },
	{ "up", NULL, "", "move the selection up", OWN, u_nav },
	{ "down", NULL, "", "move the selection down", OWN, u_nav },
	{ "page-up", NULL, "", "one page up", OWN, u_nav },
	{ "page-down", NULL, "", "one page down", OWN, u_nav },
	{ "top", NULL, "", "first row", OWN, u_nav },
	{ "bottom", NULL, "", "last row", OWN, u_nav },
	{ "left", NULL, "", "scroll or step left", OWN, u_nav },
	{ "right", NULL, "", "scroll or step right", OWN, u_nav },
	{ "enter", NULL, "", "drill into the selection", OWN, u_nav },
	{ "back", NULL, "", "go back (clears the fleet filter)", OWN, u_nav },
};

const struct cmd_entry *const ucmd_table[] = {
	&ucmds[0], &ucmds[1], &ucmds[2], &ucmds[3], &ucmds[4], &ucmds[5],
	&ucmds[6], &ucmds[7], &ucmds[8], &ucmds[9], &ucmds[10], &ucmds[11],
	&ucmds[12], &ucmds[13], &ucmds[14], &ucmds[15], &ucmds[16],
	&ucmds[17], &ucmds[18], &ucmds[19], &ucmds[20], &ucmds[21],
	NULL
};

int
ucmd_is_own(const struct cmd_entry *ce)
{
	return ce >= &ucmds[0] && ce < &ucmds[ARRAY_LEN(ucmds)];
}

/* Call fn for every prompt command: the console's, then the engine's. */
static void
each_command(void (*fn)(void *, const struct cmd_entry *), void *arg)
{
	const struct cmd_entry *const *cp;

	for (cp = ucmd_table; *cp != NULL; cp++)
		fn(arg, *cp);
	for (cp = cmd_table; *cp != NULL; cp++) {
		if ((*cp)->flags & CMD_PROMPT)
			fn(arg, *cp);
	}
}

struct find {
	const char		*name;
	size_t			 len;
	const struct cmd_entry	*exact;
	const struct cmd_entry	*prefix;
	int			 nprefix;
	struct buf		*cands;
};

static void
find_one(void *arg, const struct cmd_entry *ce)
{
	struct find *f = arg;

	if (f->exact != NULL)
		return;
	if (strcmp(ce->name, f->name) == 0 ||
	    (ce->alias != NULL && strcmp(ce->alias, f->name) == 0)) {
		f->exact = ce;
		return;
	}
	if (strncmp(ce->name, f->name, f->len) != 0)
		return;
	f->nprefix++;
	f->prefix = ce;
	if (f->cands != NULL)
		buf_printf(f->cands, "%s%s", f->cands->len > 0 ? " " : "",
		    ce->name);
}

const struct cmd_entry *
ucmd_find(const char *name, int *ambiguous, struct buf *cands)
{
	struct find f = { name, strlen(name), NULL, NULL, 0, NULL };
	struct buf scratch = {0};

	*ambiguous = 0;
	if (f.len == 0)
		return NULL;
	f.cands = &scratch;
	each_command(find_one, &f);
	if (f.exact != NULL) {
		buf_free(&scratch);
		return f.exact;
	}
	if (f.nprefix == 1) {
		buf_free(&scratch);
		return f.prefix;
	}
	if (f.nprefix > 1) {
		*ambiguous = 1;
		if (cands != NULL)
			buf_adds(cands, scratch.data);
	}
	buf_free(&scratch);
	return NULL;
}

static void
cand_command(void *arg, const struct cmd_entry *ce)
{
	prompt_candidate(arg, ce->name);
}

static void
cand_list(struct prompt *p, const char *const *list)
{
	for (; *list != NULL; list++)
		prompt_candidate(p, *list);
}

void
ucmd_complete_worker(void *ctx, struct prompt *p, int nwords, char **words)
{
	struct console *c = ctx;
	const struct view_worker *w;
	size_t n, i;

	n = view_workers(c->ui.view, &w);
	for (i = 0; i < n; i++)
		prompt_candidate(p, w[i].name);
}

void
ucmd_complete(void *ctx, struct prompt *p, int nwords, char **words)
{
	const struct cmd_entry *ce;
	int amb, i;

	if (nwords == 0) {
		each_command(cand_command, p);
		return;
	}
	ce = ucmd_find(words[0], &amb, NULL);
	if (ce == NULL)
		return;
	if (ce == &cmd_goto_entry || ce == &cmd_seek_entry ||
	    ce == &cmd_play_entry) {
		if (nwords == 1)
			cand_list(p, ce == &cmd_goto_entry ? goto_words :
			    ce == &cmd_seek_entry ? seek_words : play_words);
		return;
	}
	if (!ucmd_is_own(ce)) {
		/* Engine commands take a worker first. */
		ucmd_complete_worker(ctx, p, nwords, words);
		return;
	}
	if (nwords > 1 && ce->exec != u_prompt && ce->exec != u_filter)
		return;
	if (ce->exec == u_panel)
		cand_list(p, panel_names);
	else if (ce->exec == u_sort || ce->exec == u_spark) {
		for (i = 0; i < COL_COUNT; i++) {
			if (ce->exec == u_sort || spark_ok(i))
				prompt_candidate(p, column_names[i]);
		}
		prompt_candidate(p, "next");
		if (ce->exec == u_sort) {
			prompt_candidate(p, "reverse");
			prompt_candidate(p, "worst");
		}
	} else if (ce->exec == u_window)
		cand_list(p, windows);
	else if (ce->exec == u_theme)
		cand_list(p, themes);
	else if (ce->exec == u_select || ce->exec == u_filter)
		ucmd_complete_worker(ctx, p, nwords, words);
	else if (ce->exec == u_prompt && nwords == 1)
		each_command(cand_command, p);
}

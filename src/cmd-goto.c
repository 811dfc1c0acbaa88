/*
 * cmd-goto.c -- time travel in a replay, as prompt commands (the replay
 * keys run them too): goto moves the cursor to a time, seek moves it
 * from where it is, play starts, stops and paces playback.  On the live
 * console they say that they need a recording.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "console.h"
#include "units.h"
#include "util.h"
#include "view.h"

/* The replay view behind ctx, or NULL with a message. */
static struct view *
replay_view(struct cmd_ctx *ctx, const char *name)
{
	struct view *v = ctx->console != NULL ? console_view(ctx->console) :
	    NULL;
	struct view_play p;

	if (v == NULL || view_play(v, &p) != 0) {
		fprintf(ctx->err, "%s: only when replaying a recording "
		    "(modeltop replay FILE)\n", name);
		return NULL;
	}
	return v;
}

static void
print_time(struct cmd_ctx *ctx, struct view *v)
{
	time_t s = (time_t)(view_time(v) / 1000);
	struct tm tm;
	char buf[64];

	if (localtime_r(&s, &tm) != NULL &&
	    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm) > 0)
		fprintf(ctx->out, "at %s\n", buf);
}

/* Move to t: a message when it is outside the recording. */
static void
go(struct cmd_ctx *ctx, struct view *v, int64_t t)
{
	int64_t first, last;

	view_seek(v, t);
	if (view_span(v, &first, &last) == 0 && (t < first || t > last))
		fprintf(ctx->out, "%s the recording: at its %s\n",
		    t < first ? "before" : "after", t < first ? "start" :
		    "end");
	else
		print_time(ctx, v);
}

static int
goto_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct view *v;
	struct view_play p;
	struct buf b = {0};
	char err[256];
	int64_t first, last, t;
	int i;

	if (argc < 2) {
		fprintf(ctx->err, "usage: goto TIME|start|end (03:12, -30m, "
		    "2026-11-27T03:12:00Z)\n");
		return 2;
	}
	if ((v = replay_view(ctx, "goto")) == NULL)
		return 1;
	if (view_span(v, &first, &last) != 0) {
		fprintf(ctx->err, "goto: the recording has no samples yet\n");
		return 1;
	}
	if (strcmp(argv[1], "start") == 0 && argc == 2) {
		go(ctx, v, first);
		return 0;
	}
	if (strcmp(argv[1], "end") == 0 && argc == 2) {
		view_play(v, &p);
		p.follow = 1;
		view_play_set(v, &p);
		fprintf(ctx->out, "following the newest tick\n");
		return 0;
	}
	/* "2026-11-27 03:12" comes as two words */
	for (i = 1; i < argc; i++) {
		if (i > 1)
			buf_addc(&b, ' ');
		buf_adds(&b, argv[i]);
	}
	if (cmd_replay_time(b.data, first, last, &t, err, sizeof err) != 0) {
		fprintf(ctx->err, "goto: %s\n", err);
		buf_free(&b);
		return 1;
	}
	buf_free(&b);
	go(ctx, v, t);
	return 0;
}

const struct cmd_entry cmd_goto_entry = {
	"goto", NULL,
	"TIME|start|end",
	"replay: go to a time (03:12, -30m before the end, RFC 3339), the "
	"start, or the end (following it)",
	CMD_PROMPT | CMD_REPLAY,
	goto_exec
};

static int
seek_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct {
		const char	*name;
		enum view_find	 what;
		int		 dir;
	} finds[] = {
		{ "next-incident", VIEW_FIND_INCIDENT, 1 },
		{ "prev-incident", VIEW_FIND_INCIDENT, -1 },
		{ "next-event", VIEW_FIND_EVENT, 1 },
		{ "prev-event", VIEW_FIND_EVENT, -1 },
	};
	struct view *v;
	const char *a;
	int64_t d, t;
	size_t i;

	if (argc != 2) {
		fprintf(ctx->err, "usage: seek +DURATION|-DURATION|+tick|-tick|"
		    "next-incident|prev-incident|next-event|prev-event\n");
		return 2;
	}
	if ((v = replay_view(ctx, "seek")) == NULL)
		return 1;
	a = argv[1];
	for (i = 0; i < ARRAY_LEN(finds); i++) {
		if (strcmp(a, finds[i].name) != 0)
			continue;
		if (view_find(v, finds[i].what, finds[i].dir, &t) != 0) {
			fprintf(ctx->err, "seek: no %s %s the cursor\n",
			    finds[i].what == VIEW_FIND_INCIDENT ? "incident" :
			    "event", finds[i].dir > 0 ? "after" : "before");
			return 1;
		}
		view_seek(v, t);
		print_time(ctx, v);
		return 0;
	}
	if ((a[0] != '+' && a[0] != '-') || a[1] == '\0') {
		fprintf(ctx->err, "seek: \"%s\": expected +DURATION or "
		    "-DURATION (+1m, -10m, +1h), +tick, -tick, next-incident, "
		    "prev-incident, next-event or prev-event\n", a);
		return 1;
	}
	if (strcmp(a + 1, "tick") == 0)
		d = view_interval(v);
	else if (units_parse_duration(a + 1, &d) != 0) {
		fprintf(ctx->err, "seek: \"%s\" is not a duration (+1m, -10m, "
		    "+1h30m)\n", a);
		return 1;
	}
	view_seek(v, a[0] == '+' ? view_time(v) + d : view_time(v) - d);
	return 0;
}

const struct cmd_entry cmd_seek_entry = {
	"seek", NULL,
	"+DURATION|-DURATION|+tick|-tick|next-incident|prev-incident|"
	"next-event|prev-event",
	"replay: move the cursor from where it is",
	CMD_PROMPT | CMD_REPLAY,
	seek_exec
};

static int
play_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct view *v;
	struct view_play p;
	const char *a = argc > 1 ? argv[1] : "toggle";
	char *end;
	long x;

	if (argc > 2) {
		fprintf(ctx->err, "usage: play [on|off|toggle|faster|slower|"
		    "reverse|forward|backward|xN]\n");
		return 2;
	}
	if ((v = replay_view(ctx, "play")) == NULL)
		return 1;
	view_play(v, &p);
	if (strcmp(a, "toggle") == 0)
		p.playing = !p.playing;
	else if (strcmp(a, "on") == 0)
		p.playing = 1;
	else if (strcmp(a, "off") == 0 || strcmp(a, "pause") == 0)
		p.playing = 0;
	else if (strcmp(a, "faster") == 0)
		p.speed = p.speed < VIEW_SPEED_MAX ? p.speed * 2 : p.speed;
	else if (strcmp(a, "slower") == 0)
		p.speed = p.speed > 1 ? p.speed / 2 : 1;
	else if (strcmp(a, "reverse") == 0)
		p.reverse = !p.reverse;
	else if (strcmp(a, "forward") == 0)
		p.reverse = 0;
	else if (strcmp(a, "backward") == 0)
		p.reverse = 1;
	else if ((a[0] == 'x' || a[0] == '*') &&
	    (x = strtol(a + 1, &end, 10)) >= 1 && x <= VIEW_SPEED_MAX &&
	    *end == '\0' && (x & (x - 1)) == 0)
		p.speed = (int)x;
	else {
		fprintf(ctx->err, "play: \"%s\": expected on, off, toggle, "
		    "faster, slower, reverse, forward, backward or a speed "
		    "x1, x2, x4 ... x%d\n", a, VIEW_SPEED_MAX);
		return 1;
	}
	/* changing the pace or the direction plays */
	if (strcmp(a, "toggle") != 0 && strcmp(a, "off") != 0 &&
	    strcmp(a, "pause") != 0)
		p.playing = 1;
	p.follow = 0;
	view_play_set(v, &p);
	if (p.playing)
		fprintf(ctx->out, "playing %s x%d\n", p.reverse ? "backward" :
		    "forward", p.speed);
	else
		fprintf(ctx->out, "paused\n");
	return 0;
}

const struct cmd_entry cmd_play_entry = {
	"play", NULL,
	"[on|off|toggle|faster|slower|reverse|forward|backward|xN]",
	"replay: play or pause; speed x1 to x64; forwards or backwards",
	CMD_PROMPT | CMD_REPLAY,
	play_exec
};

/*
 * view.c -- dispatch to a view's implementation.
 */
#include <string.h>

#include "view.h"

const char *view_mode(struct view *v) { return v->ops->mode(v); }
const char *view_source(struct view *v) { return v->ops->source(v); }
int64_t view_time(struct view *v) { return v->ops->time(v); }
int64_t view_interval(struct view *v) { return v->ops->interval(v); }

size_t
view_workers(struct view *v, const struct view_worker **out)
{
	return v->ops->workers(v, out);
}

size_t
view_series(struct view *v, const char *worker,
    const struct view_series **out)
{
	return v->ops->series(v, worker, out);
}

int
view_points(struct view *v, const char *worker, const char *metric,
    const char *labels, size_t labels_len, int64_t from_ms, int64_t to_ms,
    view_point_fn fn, void *ctx)
{
	return v->ops->points(v, worker, metric, labels, labels_len, from_ms,
	    to_ms, fn, ctx);
}

size_t
view_events(struct view *v, const char *worker, size_t max,
    const struct view_event **out)
{
	return v->ops->events(v, worker, max, out);
}

int
view_pollfds(struct view *v, struct pollfd *fds, int max, int *timeout_ms)
{
	return v->ops->pollfds(v, fds, max, timeout_ms);
}

int
view_dispatch(struct view *v, const struct pollfd *fds, int n)
{
	return v->ops->dispatch(v, fds, n);
}

const char *view_status(struct view *v) { return v->ops->status(v); }

void
view_free(struct view *v)
{
	if (v != NULL)
		v->ops->free(v);
}

size_t
view_incidents(struct view *v, const char *worker, int open_only,
    const struct view_incident **out)
{
	*out = NULL;
	return v->ops->incidents != NULL ?
	    v->ops->incidents(v, worker, open_only, out) : 0;
}

size_t
view_timeline(struct view *v, int64_t id, const struct view_entry **out)
{
	*out = NULL;
	return v->ops->timeline != NULL ? v->ops->timeline(v, id, out) : 0;
}

size_t
view_log(struct view *v, const char *worker,
    const struct view_log_line **out)
{
	*out = NULL;
	return v->ops->log != NULL ? v->ops->log(v, worker, out) : 0;
}

size_t
view_patterns(struct view *v, const struct view_pattern **out)
{
	*out = NULL;
	return v->ops->patterns != NULL ? v->ops->patterns(v, out) : 0;
}

void
view_host(struct view *v, struct view_host *out)
{
	out->psi_some_avg10 = out->psi_full_avg10 = 0.0 / 0.0;
	if (v->ops->host != NULL)
		v->ops->host(v, out);
}

int
view_seek(struct view *v, int64_t t_ms)
{
	return v->ops->seek != NULL ? v->ops->seek(v, t_ms) : -1;
}

int
view_span(struct view *v, int64_t *first_ms, int64_t *last_ms)
{
	return v->ops->span != NULL ? v->ops->span(v, first_ms, last_ms) : -1;
}

size_t
view_gaps(struct view *v, const struct view_gap **out)
{
	*out = NULL;
	return v->ops->gaps != NULL ? v->ops->gaps(v, out) : 0;
}

size_t
view_marks(struct view *v, const struct view_mark **out)
{
	*out = NULL;
	return v->ops->marks != NULL ? v->ops->marks(v, out) : 0;
}

int
view_play(struct view *v, struct view_play *out)
{
	memset(out, 0, sizeof *out);
	if (v->ops->play_get == NULL)
		return -1;
	v->ops->play_get(v, out);
	return 0;
}

int
view_play_set(struct view *v, const struct view_play *p)
{
	if (v->ops->play_set == NULL)
		return -1;
	v->ops->play_set(v, p);
	return 0;
}

int
view_find(struct view *v, enum view_find what, int dir, int64_t *out_ms)
{
	return v->ops->find != NULL ? v->ops->find(v, what, dir, out_ms) : -1;
}

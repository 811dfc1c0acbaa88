/*
 * view.c -- dispatch to a view's implementation.
 */
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

/*
 * scrape.h -- non-blocking HTTP GETs of /metrics pages (libcurl multi).
 *
 * A scraper runs any number of GETs in parallel without ever blocking its
 * caller.  The caller owns the event loop: each turn it asks for the
 * sockets to watch and the longest it may sleep (scraper_pollfds), puts
 * them in its own poll() set with the terminal, signals and timers, then
 * hands the poll() results back (scraper_dispatch) and collects finished
 * scrapes (scraper_next):
 *
 *	n = scraper_pollfds(s, fds, max, &timeout);
 *	poll(fds, n, timeout);
 *	scraper_dispatch(s, fds, n);
 *	while (scraper_next(s, &r)) { ...; scrape_result_free(&r); }
 *
 * Each request belongs to a caller's id (a worker index, >= 0).  An id has
 * at most one request in flight; its curl handle, and so its connection,
 * is kept and reused for the next scrape of the same id.  Environment
 * proxies (http_proxy and friends) are ignored: metrics endpoints are
 * reached directly.  Only http:// and https:// URLs are accepted, also as
 * redirect targets.
 *
 * A scraper is used from one thread.  libcurl's global state is set up
 * once, on the first scraper_new(), and is never used by other threads of
 * modeltop (the NVML thread does not use curl).
 */
#ifndef MODELTOP_SCRAPE_H
#define MODELTOP_SCRAPE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

struct scraper;

/* The Accept header sent with every scrape. */
#define SCRAPE_ACCEPT \
	"application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
/* Redirects followed before a scrape fails with "too many redirects". */
#define SCRAPE_MAX_REDIRECTS 3

/* One finished scrape, successful or not. */
struct scrape_result {
	int	 id;
	int	 ok;		/* 1 when HTTP 200 and the body is complete */
	long	 status;	/* HTTP status, 0 when none */
	char	*body;		/* malloc'd, NUL-terminated (may contain NULs:
				   use len); caller frees; NULL when !ok */
	size_t	 len;
	char	 content_type[128];	/* "" when none */
	char	 error[256];	/* when !ok: "HOST:PORT: timed out after 800 ms",
				   "HOST:PORT: connection refused", "HOST:PORT:
				   HTTP 500 Internal Server Error", ...; "" when ok */
	int64_t	 duration_ms;	/* from scraper_start to completion */
};

/* Counters since scraper_new, for status lines and tests. */
struct scraper_stats {
	uint64_t	 started;	/* scraper_start calls that returned 0 */
	uint64_t	 skipped;	/* ... that returned 1 (still in flight) */
	uint64_t	 succeeded;	/* results with ok = 1 */
	uint64_t	 failed;	/* results with ok = 0 (bad URLs included) */
	uint64_t	 connects;	/* new connections made (the rest reused one) */
	int		 in_flight;	/* requests now in flight */
	int		 sockets;	/* sockets curl now wants watched */
	size_t		 buffered;	/* body bytes now allocated for transfers */
	size_t		 buffered_peak;	/* the most buffered at any time */
	size_t		 recv_buffers;	/* bytes of curl's receive buffers, one
					   per id, each sized to its last page */
};

/* A new scraper with nothing in flight.  Never returns NULL (out of memory
 * or a broken libcurl is fatal).  Free it with scraper_free. */
struct scraper *scraper_new(void);

/* Abort every transfer in flight, drop undelivered results and free s.
 * NULL is allowed. */
void scraper_free(struct scraper *s);

/*
 * Begin a GET of url for the caller's id (>= 0; negative is a programming
 * error and fatal).  The request sends the SCRAPE_ACCEPT header, accepts
 * any content encoding curl decodes (gzip, deflate), follows at most
 * SCRAPE_MAX_REDIRECTS redirects, gives up after timeout_ms in all
 * (<= 0: no limit), and fails as soon as the decoded body exceeds max_bytes
 * (0: no limit); the body buffer never grows past max_bytes + 1.
 *
 * Returns 0 when started; 1, doing nothing, when a request for id is still
 * in flight (the caller counts a skipped scrape); -1 when url is not a
 * usable http(s) URL: a failed result for id, whose error says why, is
 * then queued for scraper_next.  Never blocks: the request only waits its
 * turn, and scraper_dispatch hands waiting requests to curl, 16 at a time,
 * and drives them.  The timeout counts from this call.
 */
int scraper_start(struct scraper *s, int id, const char *url, int64_t timeout_ms,
    size_t max_bytes);

/*
 * Fill fds with up to max sockets curl wants watched (events POLLIN and/or
 * POLLOUT, revents 0) and return how many were filled.  *timeout_ms is a
 * poll() timeout (-1: none): it is lowered to when curl's timer fires, if
 * that is sooner, to 0 while started requests wait to be handed to curl,
 * and left alone when curl has no timer.  If curl wants more
 * than max sockets, a different subset is given on each call and
 * *timeout_ms is lowered to 10 ms so that none starves; struct
 * scraper_stats.sockets says how many to make room for.
 */
int scraper_pollfds(struct scraper *s, struct pollfd *fds, int max, int *timeout_ms);

/*
 * After poll(): drive curl for the ready sockets among fds (entries that are
 * not curl's, such as the terminal's, are ignored, so the caller may pass
 * its whole poll set) and for curl's timer if it has expired.  Finished
 * transfers become results for scraper_next.  Never blocks, and bounds its
 * work: past about 10 ms it leaves the remaining ready sockets, which stay
 * ready, to the next call.
 */
void scraper_dispatch(struct scraper *s, const struct pollfd *fds, int n);

/* Move the oldest finished result into *out and return 1; the caller owns
 * it and frees it with scrape_result_free.  Returns 0 when there is none. */
int scraper_next(struct scraper *s, struct scrape_result *out);

/* How many requests are in flight (started and not yet finished). */
int scraper_in_flight(const struct scraper *s);

/* Fill *st with s's counters. */
void scraper_get_stats(const struct scraper *s, struct scraper_stats *st);

/* Free r's body and clear it; r itself is the caller's.  NULL is allowed. */
void scrape_result_free(struct scrape_result *r);

#endif

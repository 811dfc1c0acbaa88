/*
 * scrape.c -- non-blocking HTTP GETs of /metrics pages (libcurl multi).
 *
 * libcurl's multi socket interface: curl tells us, through socket_cb and
 * timer_cb, which sockets it wants watched and when it next wants to be
 * called without socket activity.  We keep both here and hand them to the
 * caller's poll() loop; scraper_dispatch feeds the poll() results back with
 * curl_multi_socket_action.  Nothing here ever waits.
 */
#include "scrape.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <strings.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#ifndef MODELTOP_VERSION
#define MODELTOP_VERSION "dev"
#endif

/* The first allocation for a body; it doubles from there up to the cap. */
#define BODY_FIRST_ALLOC 4096
/* poll() timeout while some sockets could not be given to the caller. */
#define STARVE_TIMEOUT_MS 10
/* Time one scraper_dispatch may spend on ready sockets before it leaves
 * the rest (still ready, so poll() returns at once) to the next turn. */
#define DISPATCH_BUDGET_NS (10 * 1000 * 1000)
/* Requests handed to curl per dispatch.  curl runs every newly added
 * transfer in one timer call (connect, send, often read the answer): in
 * batches, two hundred workers started at once cannot stall the loop. */
#define ADD_BATCH 16
/* curl's receive buffer per handle (see buffer_for): from RECV_MIN to
 * RECV_MAX bytes, a power of two */
#define RECV_MIN (2 * 1024)
#define RECV_MAX (16 * 1024)
/* what a response's status line and headers take besides the body */
#define RECV_HEADERS 512

/* One id's request: its curl handle is kept (and so is its connection,
 * in the multi handle's cache) from one scrape to the next. */
struct transfer {
	struct scraper	*s;
	int		 id;
	CURL		*easy;
	int		 busy;		/* started and not finished */
	int		 queued;	/* started, not yet given to curl */

	char		 where[128];	/* "host:port", for messages */
	char		*url;		/* the URL checked and given to curl */
	int64_t		 timeout_ms;
	size_t		 max_bytes;
	int64_t		 content_length;	/* from the headers, -1 without */
	int64_t		 start_ms;	/* monotonic */

	char		*body;		/* kept only for a 200 response */
	size_t		 len;
	size_t		 cap;
	size_t		 received;	/* decoded body bytes seen, kept or not */
	long		 bufsize;	/* curl's receive buffer now */
	int		 too_big;

	long		 status;	/* from the latest status line */
	char		 reason[64];
	char		 errbuf[CURL_ERROR_SIZE];
};

/* A socket curl wants watched, and for what (CURL_POLL_*). */
struct watch {
	curl_socket_t	 fd;
	int		 what;
};

struct scraper {
	CURLM			*multi;
	struct curl_slist	*headers;

	struct transfer		**byid;		/* indexed by id, NULL if unused */
	size_t			 nbyid;
	size_t			 ntransfers;

	struct watch		*watch;
	size_t			 nwatch;
	size_t			 capwatch;
	size_t			 rotate;	/* first socket given when truncated */
	size_t			 resume;	/* first fd to serve in the next dispatch */

	struct transfer		**queue;	/* started, waiting: [qhead, qlen) */
	size_t			 qhead;
	size_t			 qlen;
	size_t			 qcap;

	int64_t			 timer_ms;	/* monotonic deadline, -1 for none */

	struct scrape_result	*results;	/* FIFO: [rhead, rlen) */
	size_t			 rhead;
	size_t			 rlen;
	size_t			 rcap;

	struct scraper_stats	 stats;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void
global_init(void)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		fatal("curl_global_init: %s", curl_easy_strerror(rc));
}

/* Replace control and non-ASCII bytes so server text is safe to show. */
static void
sanitize(char *p)
{
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	}
}

/* Drop trailing white space (curl's messages may end in a newline). */
static void
rstrip(char *p)
{
	size_t n = strlen(p);

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' '))
		p[--n] = '\0';
}

/* 8388608 -> "8.0M"; powers of 1024 like the configuration's sizes. */
static void
human_size(size_t n, char *out, size_t size)
{
	if (n < 1024)
		snprintf(out, size, "%zuB", n);
	else if (n < 1024 * 1024)
		snprintf(out, size, "%.1fK", n / 1024.0);
	else if (n < 1024 * 1024 * 1024)
		snprintf(out, size, "%.1fM", n / (1024.0 * 1024));
	else
		snprintf(out, size, "%.1fG", n / (1024.0 * 1024 * 1024));
}

static void
buffered_add(struct scraper *s, size_t n)
{
	s->stats.buffered += n;
	if (s->stats.buffered > s->stats.buffered_peak)
		s->stats.buffered_peak = s->stats.buffered;
}

static void
body_drop(struct transfer *t)
{
	t->s->stats.buffered -= t->cap;
	free(t->body);
	t->body = NULL;
	t->len = t->cap = 0;
}

/* Make room for want bytes, doubling but never past max_bytes + 1. */
static void
body_reserve(struct transfer *t, size_t want)
{
	size_t ncap;

	if (want <= t->cap)
		return;
	ncap = t->cap < BODY_FIRST_ALLOC / 2 ? BODY_FIRST_ALLOC : t->cap * 2;
	if (ncap < want)
		ncap = want;
	if (t->max_bytes > 0 && ncap > t->max_bytes + 1)
		ncap = t->max_bytes + 1;
	t->body = xrealloc(t->body, ncap);
	buffered_add(t->s, ncap - t->cap);
	t->cap = ncap;
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	size_t n = size * nmemb;

	if (t->max_bytes > 0 && n > t->max_bytes - t->received) {
		/* Returning less than n makes curl abort with a write error. */
		t->too_big = 1;
		return 0;
	}
	t->received += n;
	if (t->status != 200 || n == 0)
		return n;	/* error pages are counted, not kept */
	body_reserve(t, t->len + n + 1);
	memcpy(t->body + t->len, p, n);
	t->len += n;
	t->body[t->len] = '\0';
	return n;
}

/* Note the status code and reason phrase of each response (redirects
 * included: the last one wins). */
static size_t
header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	size_t n = size * nmemb, i, j;
	long code = 0;

	if (n > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
		unsigned long long v = 0;

		for (i = 15; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		for (j = 0; i < n && p[i] >= '0' && p[i] <= '9' &&
		    v < ULLONG_MAX / 10 - 10; i++, j++)
			v = v * 10 + (unsigned long long)(p[i] - '0');
		if (j > 0)
			t->content_length = (int64_t)(v > INT64_MAX ? INT64_MAX : v);
		return n;
	}
	if (n < 5 || memcmp(p, "HTTP/", 5) != 0)
		return n;
	for (i = 5; i < n && p[i] != ' '; i++)
		;
	for (; i < n && p[i] == ' '; i++)
		;
	for (j = 0; i < n && j < 3 && p[i] >= '0' && p[i] <= '9'; i++, j++)
		code = code * 10 + (p[i] - '0');
	if (j != 3)
		return n;	/* curl itself rejects such a response */
	t->status = code;
	for (; i < n && p[i] == ' '; i++)
		;
	for (j = 0; i < n && p[i] != '\r' && p[i] != '\n' && j < sizeof t->reason - 1; i++)
		t->reason[j++] = p[i];
	t->reason[j] = '\0';
	sanitize(t->reason);
	rstrip(t->reason);
	return n;
}

static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *clientp, void *socketp)
{
	struct scraper *s = clientp;
	size_t i;

	for (i = 0; i < s->nwatch; i++) {
		if (s->watch[i].fd == fd)
			break;
	}
	if (what == CURL_POLL_REMOVE) {
		if (i < s->nwatch)
			s->watch[i] = s->watch[--s->nwatch];
		return 0;
	}
	if (i == s->nwatch) {
		s->watch = xgrow(s->watch, &s->capwatch, s->nwatch + 1, sizeof *s->watch);
		s->watch[s->nwatch++].fd = fd;
	}
	s->watch[i].what = what;
	return 0;
}

static int
timer_cb(CURLM *multi, long timeout_ms, void *clientp)
{
	struct scraper *s = clientp;

	s->timer_ms = timeout_ms < 0 ? -1 : util_mono_ms() + timeout_ms;
	return 0;
}

struct scraper *
scraper_new(void)
{
	struct scraper *s;

	pthread_once(&global_once, global_init);
	s = xcalloc(1, sizeof *s);
	s->timer_ms = -1;
	if ((s->multi = curl_multi_init()) == NULL)
		fatal("curl_multi_init failed");
	curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
	curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
	s->headers = curl_slist_append(NULL, "Accept: " SCRAPE_ACCEPT);
	if (s->headers == NULL)
		fatal("out of memory (curl_slist_append)");
	return s;
}

void
scraper_free(struct scraper *s)
{
	size_t i;

	if (s == NULL)
		return;
	/* curl wants every easy handle out of the multi handle before either
	 * is cleaned up; its callbacks may still run, so s stays whole. */
	for (i = 0; i < s->nbyid; i++) {
		struct transfer *t = s->byid[i];

		if (t != NULL && t->busy && !t->queued)
			curl_multi_remove_handle(s->multi, t->easy);
		if (t != NULL)
			t->busy = t->queued = 0;
	}
	for (i = 0; i < s->nbyid; i++) {
		struct transfer *t = s->byid[i];

		if (t == NULL)
			continue;
		curl_easy_cleanup(t->easy);
		body_drop(t);
		free(t->url);
		free(t);
	}
	curl_multi_cleanup(s->multi);
	curl_slist_free_all(s->headers);
	for (i = s->rhead; i < s->rlen; i++)
		scrape_result_free(&s->results[i]);
	free(s->results);
	free(s->queue);
	free(s->byid);
	free(s->watch);
	free(s);
}

/*
 * curl keeps a receive buffer per handle for its life, 16 KB by default: a
 * handle per worker made that 800 KB for 50 workers.  Each handle's is
 * sized to the answer it had last (the smallest power of two from RECV_MIN
 * that takes it, headers and all, in one read, up to RECV_MAX): a 3 KB
 * agent page needs 4 KB, a prometheus_client page 8, and a large page
 * takes several reads of RECV_MAX whatever the size.  last is the body's
 * bytes (0: none yet, when 4 KB is the guess).
 */
static long
buffer_for(size_t last)
{
	size_t want = last > 0 ? last + RECV_HEADERS : 4 * 1024, size = RECV_MIN;

	while (size < want && size < RECV_MAX)
		size *= 2;
	return (long)size;
}

static struct transfer *
transfer_get(struct scraper *s, int id)
{
	struct transfer *t;
	CURL *e;

	if ((size_t)id < s->nbyid && s->byid[id] != NULL)
		return s->byid[id];
	if ((size_t)id >= s->nbyid) {
		size_t cap = s->nbyid;

		s->byid = xgrow(s->byid, &cap, (size_t)id + 1, sizeof *s->byid);
		memset(s->byid + s->nbyid, 0, (cap - s->nbyid) * sizeof *s->byid);
		s->nbyid = cap;
	}
	t = xcalloc(1, sizeof *t);
	t->s = s;
	t->id = id;
	if ((t->easy = e = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)SCRAPE_MAX_REDIRECTS);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "modeltop/" MODELTOP_VERSION);
	/* Metrics endpoints are local or on the fleet's network: an
	 * operator's http_proxy must not capture them. */
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	t->bufsize = buffer_for(0);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, t->bufsize);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	s->byid[id] = t;
	s->ntransfers++;
	/* By default the connection cache shrinks with the number of handles
	 * in the multi handle, which would close idle keep-alive connections
	 * between ticks: keep one per id, plus a few for redirects. */
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)s->ntransfers + 4);
	return t;
}

static void
result_push(struct scraper *s, struct scrape_result *r)
{
	if (r->ok)
		s->stats.succeeded++;
	else
		s->stats.failed++;
	if (s->rhead > 0 && s->rlen == s->rcap) {
		memmove(s->results, s->results + s->rhead,
		    (s->rlen - s->rhead) * sizeof *s->results);
		s->rlen -= s->rhead;
		s->rhead = 0;
	}
	s->results = xgrow(s->results, &s->rcap, s->rlen + 1, sizeof *s->results);
	s->results[s->rlen++] = *r;
}

/* Check that url is an http(s) URL curl can use; on success fill where
 * with "host:port" and return 0, else write why to err and return -1. */
static int
url_check(const char *url, char *where, size_t wsize, char *err, size_t esize)
{
	CURLU *u;
	CURLUcode rc;
	char *scheme = NULL, *host = NULL, *port = NULL, shown[96];
	int ret = -1;

	util_strlcpy(shown, url, sizeof shown);
	sanitize(shown);
	if ((u = curl_url()) == NULL)
		fatal("out of memory (curl_url)");
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		snprintf(err, esize, "bad URL \"%s\": %s (want http://HOST:PORT/PATH)",
		    shown, curl_url_strerror(rc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(err, esize, "bad URL \"%s\": scheme %s is not http or https",
		    shown, scheme != NULL ? scheme : "missing");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || *host == '\0') {
		snprintf(err, esize, "bad URL \"%s\": no host", shown);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		snprintf(err, esize, "bad URL \"%s\": no port", shown);
		goto out;
	}
	snprintf(where, wsize, "%s:%s", host, port);
	sanitize(where);
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ret;
}

int
scraper_start(struct scraper *s, int id, const char *url, int64_t timeout_ms,
    size_t max_bytes)
{
	struct transfer *t;
	if (id < 0)
		fatal("scraper_start: negative id %d", id);
	t = transfer_get(s, id);
	if (t->busy) {
		s->stats.skipped++;
		return 1;
	}
	/* A worker's URL is the same from one scrape to the next: checking
	 * it (curl's URL parser, four allocations) and handing it to curl
	 * again cost a scrape as much as reading the answer. */
	if (t->url == NULL || strcmp(t->url, url) != 0) {
		free(t->url);
		t->url = NULL;
		if (url_check(url, t->where, sizeof t->where, t->errbuf,
		    sizeof t->errbuf) != 0) {
			struct scrape_result r;

			memset(&r, 0, sizeof r);
			r.id = id;
			util_strlcpy(r.error, t->errbuf, sizeof r.error);
			result_push(s, &r);
			return -1;
		}
		if (curl_easy_setopt(t->easy, CURLOPT_URL, url) != CURLE_OK)
			fatal("out of memory (CURLOPT_URL)");
		t->url = xstrdup(url);
	}
	if (t->received > 0) {
		long want = buffer_for(t->received);

		if (want != t->bufsize) {
			t->bufsize = want;
			curl_easy_setopt(t->easy, CURLOPT_BUFFERSIZE, want);
		}
	}
	t->timeout_ms = timeout_ms;
	t->max_bytes = max_bytes;
	t->content_length = -1;
	/* A page that announces a length over the cap is refused at its
	 * headers, before a byte of it is read (without a length, or
	 * compressed, the cap is enforced as the body arrives). */
	curl_easy_setopt(t->easy, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)(max_bytes > 0 && max_bytes < (size_t)INT64_MAX ?
	    max_bytes : 0));
	t->received = 0;
	t->too_big = 0;
	t->status = 0;
	t->reason[0] = '\0';
	t->errbuf[0] = '\0';
	body_drop(t);
	t->start_ms = util_mono_ms();
	/* The next dispatch gives it to curl (see ADD_BATCH). */
	if (s->qhead > 0 && s->qlen == s->qcap) {
		memmove(s->queue, s->queue + s->qhead, (s->qlen - s->qhead) * sizeof *s->queue);
		s->qlen -= s->qhead;
		s->qhead = 0;
	}
	s->queue = xgrow(s->queue, &s->qcap, s->qlen + 1, sizeof *s->queue);
	s->queue[s->qlen++] = t;
	t->busy = t->queued = 1;
	s->stats.in_flight++;
	s->stats.started++;
	return 0;
}

int
scraper_pollfds(struct scraper *s, struct pollfd *fds, int max, int *timeout_ms)
{
	size_t n = s->nwatch, k, i, first = 0;

	k = max > 0 ? (size_t)max : 0;
	if (k > n)
		k = n;
	if (k < n) {
		first = s->rotate % n;
		s->rotate = first + k;
	}
	for (i = 0; i < k; i++) {
		const struct watch *w = &s->watch[(first + i) % n];

		fds[i].fd = w->fd;
		fds[i].events = 0;
		if (w->what & CURL_POLL_IN)
			fds[i].events |= POLLIN;
		if (w->what & CURL_POLL_OUT)
			fds[i].events |= POLLOUT;
		fds[i].revents = 0;
	}
	if (s->timer_ms >= 0) {
		int64_t left = s->timer_ms - util_mono_ms();

		if (left < 0)
			left = 0;
		if (left > INT_MAX)
			left = INT_MAX;
		if (*timeout_ms < 0 || left < *timeout_ms)
			*timeout_ms = (int)left;
	}
	if (k < n && (*timeout_ms < 0 || *timeout_ms > STARVE_TIMEOUT_MS))
		*timeout_ms = STARVE_TIMEOUT_MS;
	if (s->qhead < s->qlen)
		*timeout_ms = 0;	/* requests wait to be given to curl */
	return (int)k;
}

static int
watched(const struct scraper *s, int fd)
{
	size_t i;

	for (i = 0; i < s->nwatch; i++) {
		if (s->watch[i].fd == fd)
			return 1;
	}
	return 0;
}

/* Why a transfer failed, for people: "connection refused", "HTTP 500 ...". */
static void
describe(struct transfer *t, CURLcode rc, long code, char *out, size_t size)
{
	char a[32], b[32];
	const char *prefix = "";
	size_t n;
	long oserr = 0;
	curl_off_t got = 0, want = -1;

	if (rc == CURLE_OK || t->too_big) {
		if (code != 200)
			snprintf(out, size, "HTTP %ld%s%s", code,
			    t->reason[0] != '\0' ? " " : "", t->reason);
		else {
			human_size(t->max_bytes, a, sizeof a);
			snprintf(out, size, "body larger than %s", a);
		}
		return;
	}
	curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &oserr);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		if (t->received > 0) {
			human_size(t->received, a, sizeof a);
			snprintf(out, size, "timed out after %lld ms (%s of body received)",
			    (long long)t->timeout_ms, a);
		} else if (code != 0)
			snprintf(out, size, "timed out after %lld ms (headers received, no body)",
			    (long long)t->timeout_ms);
		else
			snprintf(out, size, "timed out after %lld ms", (long long)t->timeout_ms);
		return;
	case CURLE_COULDNT_CONNECT:
		/* A reset that comes while curl still checks the connect is
		 * the same fault as one that comes after: one text for both,
		 * or a resetting endpoint flaps between two events. */
		if (oserr == ECONNRESET)
			snprintf(out, size, "connection reset by peer");
		else if (oserr == ECONNREFUSED)
			snprintf(out, size, "connection refused");
		else if (oserr != 0)
			snprintf(out, size, "cannot connect: %s", strerror((int)oserr));
		else
			snprintf(out, size, "cannot connect");
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(out, size, "cannot resolve host");
		return;
	case CURLE_FILESIZE_EXCEEDED:
		human_size(t->max_bytes, a, sizeof a);
		if (t->content_length > 0) {
			human_size((size_t)t->content_length, b, sizeof b);
			snprintf(out, size, "body larger than %s (Content-Length "
			    "%s)", a, b);
		} else
			snprintf(out, size, "body larger than %s", a);
		return;
	case CURLE_TOO_MANY_REDIRECTS:
		snprintf(out, size, "too many redirects (more than %d)", SCRAPE_MAX_REDIRECTS);
		return;
	case CURLE_PARTIAL_FILE:
		curl_easy_getinfo(t->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
		curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &want);
		human_size((size_t)got, a, sizeof a);
		if (want >= 0) {
			human_size((size_t)want, b, sizeof b);
			snprintf(out, size, "connection closed mid-body (%s of %s received)", a, b);
		} else
			snprintf(out, size, "connection closed mid-body (%s received)", a);
		return;
	case CURLE_GOT_NOTHING:
		snprintf(out, size, "connection closed without a response");
		return;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		if (oserr == ECONNRESET) {
			snprintf(out, size, "connection reset by peer");
			return;
		}
		break;
	case CURLE_SSL_CONNECT_ERROR:
		prefix = "TLS handshake failed: ";
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		prefix = "TLS certificate rejected: ";
		break;
	default:
		break;
	}
	snprintf(out, size, "%s", prefix);
	n = strlen(out);
	util_strlcpy(out + n, t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc),
	    size - n);
	rstrip(out);
	sanitize(out);
}

/* r->error = "where: why", cut to fit. */
static void
error_set(struct scrape_result *r, const char *where, const char *why)
{
	size_t n = util_strlcpy(r->error, where, sizeof r->error);

	if (n + 2 < sizeof r->error) {
		memcpy(r->error + n, ": ", 3);
		util_strlcpy(r->error + n + 2, why, sizeof r->error - n - 2);
	}
}

static void
transfer_finish(struct scraper *s, struct transfer *t, CURLcode rc)
{
	struct scrape_result r;
	long code = 0, nconn = 0;
	char *ctype = NULL, why[192];

	memset(&r, 0, sizeof r);
	r.id = t->id;
	r.duration_ms = util_mono_ms() - t->start_ms;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	r.status = code;
	if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK &&
	    ctype != NULL) {
		util_strlcpy(r.content_type, ctype, sizeof r.content_type);
		sanitize(r.content_type);
	}
	if (curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK && nconn > 0)
		s->stats.connects += (uint64_t)nconn;

	if (rc == CURLE_OK && code == 200 && !t->too_big) {
		r.ok = 1;
		if (t->body == NULL)
			r.body = xstrdup("");
		else {
			s->stats.buffered -= t->cap;
			r.body = t->body;
			r.len = t->len;
			t->body = NULL;
			t->len = t->cap = 0;
		}
	} else {
		describe(t, rc, code, why, sizeof why);
		error_set(&r, t->where, why);
		body_drop(t);
	}
	t->busy = 0;
	s->stats.in_flight--;
	result_push(s, &r);
}

/* Turn curl's finished transfers into results. */
static void
collect(struct scraper *s)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		struct transfer *t = NULL;
		CURL *e = msg->easy_handle;
		CURLcode rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&t);
		/* msg is gone once the handle is removed: rc is read above. */
		curl_multi_remove_handle(s->multi, e);
		if (t != NULL)
			transfer_finish(s, t, rc);
	}
}

/* Give curl the next batch of started requests.  Each sets curl's timer
 * to 0, so the timer action in the same dispatch starts them. */
static void
add_queued(struct scraper *s)
{
	int64_t now = util_mono_ms(), left;
	struct transfer *t;
	CURLMcode mc;
	int i;

	for (i = 0; i < ADD_BATCH && s->qhead < s->qlen; i++) {
		t = s->queue[s->qhead++];
		/* The timeout counts from scraper_start, the wait included. */
		left = 0;
		if (t->timeout_ms > 0) {
			left = t->timeout_ms - (now - t->start_ms);
			if (left < 1)
				left = 1;
			if (left > LONG_MAX)
				left = LONG_MAX;
		}
		curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long)left);
		if ((mc = curl_multi_add_handle(s->multi, t->easy)) != CURLM_OK)
			fatal("curl_multi_add_handle: %s", curl_multi_strerror(mc));
		t->queued = 0;
	}
	if (s->qhead == s->qlen)
		s->qhead = s->qlen = 0;
}

void
scraper_dispatch(struct scraper *s, const struct pollfd *fds, int n)
{
	int64_t deadline = util_mono_ns() + DISPATCH_BUDGET_NS;
	int i, k, first, running, ev;

	add_queued(s);
	/*
	 * A socket action reads all the socket has (up to about a megabyte),
	 * so hundreds of large pages arriving together could keep us here for
	 * a long time.  Past the budget, the sockets not yet served are left
	 * for the next turn, which begins with them.
	 */
	first = n > 0 ? (int)(s->resume % (size_t)n) : 0;
	s->resume = 0;
	for (k = 0; k < n; k++) {
		i = (first + k) % n;
		if (fds[i].revents == 0 || fds[i].fd < 0 || !watched(s, fds[i].fd))
			continue;
		/*
		 * POLLERR and POLLHUP are given to curl as readable, not as
		 * CURL_CSELECT_ERR: curl then reads and reports the real cause
		 * (connection refused, reset, closed mid-body), and a stale
		 * event on a descriptor curl has since reused is harmless.
		 */
		ev = 0;
		if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
			ev |= CURL_CSELECT_IN;
		if (fds[i].revents & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (ev == 0)
			continue;
		curl_multi_socket_action(s->multi, fds[i].fd, ev, &running);
		if (k < n - 1 && util_mono_ns() >= deadline) {
			s->resume = (size_t)i + 1;
			break;
		}
	}
	/*
	 * curl's timer is one-shot: clear it before the timeout action, which
	 * makes curl call timer_cb again for whatever timer it still has (also
	 * when called a little early, for the same one).  Left set, a deadline
	 * in the past made every poll() return at once until the next scrape
	 * began: after a timed-out or oversized scrape, curl has no timer left
	 * and does not say so (a hung endpoint cost 15% of a core, a 100 MB
	 * one 65%).
	 */
	if (s->timer_ms >= 0 && util_mono_ms() >= s->timer_ms) {
		s->timer_ms = -1;
		curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	collect(s);
}

int
scraper_next(struct scraper *s, struct scrape_result *out)
{
	if (s->rhead == s->rlen)
		return 0;
	*out = s->results[s->rhead++];
	if (s->rhead == s->rlen)
		s->rhead = s->rlen = 0;
	return 1;
}

int
scraper_in_flight(const struct scraper *s)
{
	return s->stats.in_flight;
}

void
scraper_get_stats(const struct scraper *s, struct scraper_stats *st)
{
	size_t i;

	*st = s->stats;
	st->sockets = (int)s->nwatch;
	st->recv_buffers = 0;
	for (i = 0; i < s->nbyid; i++)
		if (s->byid[i] != NULL)
			st->recv_buffers += (size_t)s->byid[i]->bufsize;
}

void
scrape_result_free(struct scrape_result *r)
{
	if (r == NULL)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

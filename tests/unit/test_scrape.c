/*
 * test_scrape.c -- the scraper against real sockets on 127.0.0.1.
 *
 * Each test server is a thread with its own listening socket (port 0, so
 * the kernel picks a free one) that answers one connection at a time in
 * the way its mode says: a normal page, never, a byte every 100 ms, far too
 * much, half a body, an error status, a redirect loop, a gzip body.  The
 * tests drive the scraper exactly as the engine does: poll() over
 * scraper_pollfds (plus a descriptor of the caller's own), then
 * scraper_dispatch, then scraper_next.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "scrape.h"
#include "util.h"

enum mode {
	M_OK,		/* 200 (or status) with body, keep-alive */
	M_HANG,		/* read the request, never answer */
	M_TRICKLE,	/* headers, then one body byte every 100 ms */
	M_BIG,		/* 200 with a body of body_len bytes, sent as fast as taken */
	M_BIG_NOLEN,	/* the same without Content-Length, ended by closing */
	M_CLOSE_MID,	/* Content-Length 1000, 500 bytes, close */
	M_REDIRECT,	/* 302 to itself, forever */
	M_GZIP,		/* body is gzip data, sent with Content-Encoding: gzip */
};

struct server {
	enum mode	 mode;
	int		 status;
	const char	*reason;
	const char	*ctype;
	const char	*body;
	size_t		 body_len;

	int		 lfd;
	int		 port;
	int		 stop[2];
	pthread_t	 thread;

	atomic_int	 accepts;
	atomic_int	 requests;
	atomic_size_t	 sent;		/* body bytes written */
	char		 accept[256];	/* the last request's headers */
	char		 accept_enc[128];
};

/* Wait for fd to be readable: 1, or 0 after ms (-1: forever), or -1 when
 * the server is told to stop. */
static int
wait_fd(struct server *v, int fd, int ms)
{
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { v->stop[0], POLLIN, 0 } };
	int n;

	do
		n = poll(p, 2, ms);
	while (n < 0 && errno == EINTR);
	if (n < 0 || p[1].revents != 0)
		return -1;
	return p[0].revents != 0;
}

static int
send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
header_value(const char *req, const char *name, char *out, size_t size)
{
	const char *line = req;
	size_t nlen = strlen(name);

	out[0] = '\0';
	while ((line = strstr(line, "\r\n")) != NULL) {
		line += 2;
		if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
			const char *v = line + nlen + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(out, size, "%.*s", (int)(e - v), v);
			return;
		}
	}
}

/* Read one request's head; 1 when read, 0 on EOF, error or stop. */
static int
read_request(struct server *v, int c)
{
	char req[8192];
	size_t len = 0;

	req[0] = '\0';
	while (strstr(req, "\r\n\r\n") == NULL) {
		ssize_t r;

		if (wait_fd(v, c, -1) != 1)
			return 0;
		r = read(c, req + len, sizeof req - 1 - len);
		if (r <= 0)
			return 0;
		len += (size_t)r;
		req[len] = '\0';
		if (len == sizeof req - 1)
			return 0;
	}
	header_value(req, "Accept", v->accept, sizeof v->accept);
	header_value(req, "Accept-Encoding", v->accept_enc, sizeof v->accept_enc);
	return 1;
}

static void
serve(struct server *v, int c)
{
	char head[512], chunk[65536];
	size_t total;

	while (read_request(v, c)) {
		atomic_fetch_add(&v->requests, 1);
		switch (v->mode) {
		case M_OK:
		case M_GZIP:
			snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			    "Content-Length: %zu\r\n%s\r\n", v->status, v->reason, v->ctype,
			    v->body_len, v->mode == M_GZIP ? "Content-Encoding: gzip\r\n" : "");
			if (send_all(c, head, strlen(head)) != 0 ||
			    send_all(c, v->body, v->body_len) != 0)
				return;
			atomic_fetch_add(&v->sent, v->body_len);
			break;
		case M_REDIRECT:
			snprintf(head, sizeof head, "HTTP/1.1 302 Found\r\n"
			    "Location: /loop\r\nContent-Length: 0\r\n\r\n");
			if (send_all(c, head, strlen(head)) != 0)
				return;
			break;
		case M_HANG:
			while (wait_fd(v, c, -1) == 1 && read(c, chunk, sizeof chunk) > 0)
				;
			return;
		case M_TRICKLE:
			snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
			    "Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n");
			if (send_all(c, head, strlen(head)) != 0)
				return;
			for (;;) {
				int w = wait_fd(v, c, 100);

				if (w < 0 || (w == 1 && read(c, chunk, sizeof chunk) <= 0))
					return;
				if (send_all(c, "x", 1) != 0)
					return;
				atomic_fetch_add(&v->sent, 1);
			}
		case M_BIG:
		case M_BIG_NOLEN:
			if (v->mode == M_BIG)
				snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
				    "Content-Type: text/plain\r\nContent-Length: "
				    "%zu\r\n\r\n", v->body_len);
			else
				snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
				    "Content-Type: text/plain\r\nConnection: "
				    "close\r\n\r\n");
			if (send_all(c, head, strlen(head)) != 0)
				return;
			memset(chunk, 'x', sizeof chunk);
			for (total = 0; total < v->body_len; total += sizeof chunk) {
				if (send_all(c, chunk, sizeof chunk) != 0)
					return;
				atomic_fetch_add(&v->sent, sizeof chunk);
			}
			return;
		case M_CLOSE_MID:
			snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
			    "Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n");
			memset(chunk, 'y', 500);
			if (send_all(c, head, strlen(head)) == 0 && send_all(c, chunk, 500) == 0)
				atomic_fetch_add(&v->sent, 500);
			return;
		}
	}
}

static void *
server_main(void *arg)
{
	struct server *v = arg;
	struct timeval tv = { 2, 0 };
	int one = 1;

	for (;;) {
		int c, w = wait_fd(v, v->lfd, -1);

		if (w < 0)
			break;
		if ((c = accept(v->lfd, NULL, NULL)) < 0)
			continue;
		/* A safety net: a client that stops reading cannot wedge us. */
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		/* Head and body go in two writes: without this, Nagle and the
		 * client's delayed ACK add 40 ms to every reused connection. */
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		atomic_fetch_add(&v->accepts, 1);
		serve(v, c);
		close(c);
	}
	return NULL;
}

/* Bind 127.0.0.1 port 0; returns the socket and fills *port. */
static int
bind_any(int *port)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Set v up; change its fields, if need be, before server_run. */
static void
server_init(struct server *v, enum mode mode, const char *body, size_t len)
{
	memset(v, 0, sizeof *v);
	v->mode = mode;
	v->status = 200;
	v->reason = "OK";
	v->ctype = "text/plain; version=0.0.4; charset=utf-8";
	v->body = body;
	v->body_len = len;
}

static void
server_run(struct server *v)
{
	v->lfd = bind_any(&v->port);
	assert_int_equal(listen(v->lfd, 64), 0);
	assert_int_equal(pipe(v->stop), 0);
	assert_int_equal(pthread_create(&v->thread, NULL, server_main, v), 0);
}

static void
server_start(struct server *v, enum mode mode, const char *body, size_t len)
{
	server_init(v, mode, body, len);
	server_run(v);
}

static void
server_stop(struct server *v)
{
	assert_int_equal(write(v->stop[1], "x", 1), 1);
	pthread_join(v->thread, NULL);
	close(v->lfd);
	close(v->stop[0]);
	close(v->stop[1]);
}

static char *
url_of(const struct server *v, const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", v->port, path);
}

/* The engine's loop, recording each result and when it came. */
#define MAXID 64
struct loop {
	struct scrape_result	 r[MAXID];
	int			 have[MAXID];
	int64_t			 at_ms[MAXID];	/* since the loop began */
	int			 count;
	int64_t			 start_ms;
	int64_t			 max_call_ms;	/* the longest scraper call */
	int			 turns;		/* poll() calls */
	int			 foreign[2];	/* the caller's own descriptor */
};

static void
loop_init(struct loop *L)
{
	memset(L, 0, sizeof *L);
	L->start_ms = util_mono_ms();
	assert_int_equal(pipe(L->foreign), 0);
}

static void
loop_free(struct loop *L)
{
	int i;

	for (i = 0; i < MAXID; i++)
		scrape_result_free(&L->r[i]);
	close(L->foreign[0]);
	close(L->foreign[1]);
}

static void
note_call(struct loop *L, int64_t t0)
{
	int64_t d = util_mono_ms() - t0;

	if (d > L->max_call_ms)
		L->max_call_ms = d;
}

/* Run until L holds want results or limit_ms pass; maxfds caps what
 * scraper_pollfds may fill. */
static void
loop_run(struct scraper *s, struct loop *L, int want, int64_t limit_ms, int maxfds)
{
	int64_t end = util_mono_ms() + limit_ms, t0;
	struct scrape_result r;

	while (L->count < want) {
		struct pollfd fds[1 + MAXID * 2];
		int timeout = 1000, n;
		int64_t left = end - util_mono_ms();

		if (left <= 0)
			break;
		if (timeout > left)
			timeout = (int)left;
		fds[0].fd = L->foreign[0];
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		t0 = util_mono_ms();
		n = scraper_pollfds(s, fds + 1, maxfds, &timeout);
		note_call(L, t0);
		assert_true(n >= 0 && n <= maxfds);
		assert_true(timeout >= 0);
		poll(fds, (nfds_t)n + 1, timeout);
		L->turns++;
		t0 = util_mono_ms();
		scraper_dispatch(s, fds, n + 1);
		note_call(L, t0);
		while (scraper_next(s, &r)) {
			assert_true(r.id >= 0 && r.id < MAXID);
			assert_false(L->have[r.id]);
			L->r[r.id] = r;
			L->have[r.id] = 1;
			L->at_ms[r.id] = util_mono_ms() - L->start_ms;
			L->count++;
		}
	}
}

static void
expect_error(const struct scrape_result *r, const struct server *v, const char *what)
{
	char want[256];

	snprintf(want, sizeof want, "127.0.0.1:%d: %s", v->port, what);
	assert_int_equal(r->ok, 0);
	assert_null(r->body);
	assert_string_equal(r->error, want);
}

static void
test_ok_page(void **state)
{
	static const char body[] = "# TYPE up gauge\nup 1\nweird{l=\"a\0b\"} 2\n";
	struct server v;
	struct loop L;
	struct scraper *s;
	struct scraper_stats st;
	struct pollfd junk;
	char *url;
	int i;

	server_start(&v, M_OK, body, sizeof body - 1);
	url = url_of(&v, "/metrics");
	s = scraper_new();
	for (i = 0; i < 3; i++) {
		loop_init(&L);
		assert_int_equal(scraper_start(s, 5, url, 2000, 1 << 20), 0);
		assert_int_equal(scraper_in_flight(s), 1);
		loop_run(s, &L, 1, 3000, MAXID);
		assert_true(L.have[5]);
		assert_int_equal(L.r[5].id, 5);
		assert_int_equal(L.r[5].ok, 1);
		assert_int_equal(L.r[5].status, 200);
		assert_int_equal(L.r[5].len, sizeof body - 1);
		assert_memory_equal(L.r[5].body, body, sizeof body - 1);
		assert_int_equal(L.r[5].body[L.r[5].len], '\0');
		assert_string_equal(L.r[5].content_type, "text/plain; version=0.0.4; charset=utf-8");
		assert_string_equal(L.r[5].error, "");
		assert_true(L.r[5].duration_ms >= 0 && L.r[5].duration_ms < 1000);
		assert_int_equal(scraper_in_flight(s), 0);
		loop_free(&L);
	}
	/* A descriptor that is not curl's is ignored, however ready. */
	junk.fd = 0;
	junk.events = POLLIN;
	junk.revents = POLLIN | POLLHUP;
	scraper_dispatch(s, &junk, 1);
	scraper_get_stats(s, &st);
	assert_int_equal(st.started, 3);
	assert_int_equal(st.succeeded, 3);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.in_flight, 0);
	assert_int_equal(st.buffered, 0);
	/* The handle and its connection were reused: one connection. */
	assert_int_equal(st.connects, 1);
	scraper_free(s);
	server_stop(&v);
	assert_int_equal(atomic_load(&v.accepts), 1);
	assert_int_equal(atomic_load(&v.requests), 3);
	assert_string_equal(v.accept, SCRAPE_ACCEPT);
	assert_non_null(strstr(v.accept_enc, "gzip"));
	assert_non_null(strstr(v.accept_enc, "deflate"));
	free(url);
}

#define NPAR 20
static void
test_parallel(void **state)
{
	static struct server v[NPAR];
	static char body[NPAR][64];
	char *url[NPAR];
	struct scraper *s = scraper_new();
	struct scraper_stats st;
	struct loop L;
	int i, round;

	for (i = 0; i < NPAR; i++) {
		snprintf(body[i], sizeof body[i], "worker_up{id=\"%d\"} 1\n", i);
		server_start(&v[i], M_OK, body[i], strlen(body[i]));
		url[i] = url_of(&v[i], "/metrics");
	}
	/* Round 2 reuses every connection; round 3 gets room for only 4
	 * sockets per poll() and must still finish every scrape. */
	for (round = 0; round < 3; round++) {
		loop_init(&L);
		for (i = 0; i < NPAR; i++)
			assert_int_equal(scraper_start(s, i, url[i], 2000, 4096), 0);
		assert_int_equal(scraper_in_flight(s), NPAR);
		loop_run(s, &L, NPAR, 5000, round == 2 ? 4 : MAXID);
		assert_int_equal(L.count, NPAR);
		for (i = 0; i < NPAR; i++) {
			assert_int_equal(L.r[i].ok, 1);
			assert_int_equal(L.r[i].len, strlen(body[i]));
			assert_string_equal(L.r[i].body, body[i]);
		}
		fprintf(stderr, "parallel round %d: %d scrapes in %lld ms\n", round, NPAR,
		    (long long)(util_mono_ms() - L.start_ms));
		assert_true(util_mono_ms() - L.start_ms < 2000);
		loop_free(&L);
	}
	scraper_get_stats(s, &st);
	assert_int_equal(st.connects, NPAR);
	assert_int_equal(st.succeeded, 3 * NPAR);
	scraper_free(s);
	for (i = 0; i < NPAR; i++) {
		server_stop(&v[i]);
		assert_int_equal(atomic_load(&v[i].accepts), 1);
		assert_int_equal(atomic_load(&v[i].requests), 3);
		free(url[i]);
	}
}

/* Twenty 1 MB pages at once: more than one dispatch may handle in its
 * time budget, so ready sockets are left for later turns; every page must
 * still come whole. */
static void
test_many_large(void **state)
{
	static struct server v[NPAR];
	const size_t size = 1 << 20;
	char *body = xmalloc(size), *url[NPAR];
	struct scraper *s = scraper_new();
	struct loop L;
	size_t j;
	int i;

	for (j = 0; j < size; j++)
		body[j] = (char)('a' + (j * 7 + j / 4096) % 26);
	for (i = 0; i < NPAR; i++) {
		server_start(&v[i], M_OK, body, size);
		url[i] = url_of(&v[i], "/metrics");
	}
	loop_init(&L);
	for (i = 0; i < NPAR; i++)
		assert_int_equal(scraper_start(s, i, url[i], 20000, size), 0);
	loop_run(s, &L, NPAR, 20000, MAXID);
	assert_int_equal(L.count, NPAR);
	for (i = 0; i < NPAR; i++) {
		assert_int_equal(L.r[i].ok, 1);
		assert_int_equal(L.r[i].len, size);
		assert_memory_equal(L.r[i].body, body, size);
	}
	fprintf(stderr, "many large: %d x 1 MB in %lld ms, longest call %lld ms\n", NPAR,
	    (long long)(util_mono_ms() - L.start_ms), (long long)L.max_call_ms);
	loop_free(&L);
	scraper_free(s);
	for (i = 0; i < NPAR; i++) {
		server_stop(&v[i]);
		free(url[i]);
	}
	free(body);
}

static void
test_hang_times_out_healthy_does_not_wait(void **state)
{
	static const char body[] = "up 1\n";
	struct server hang, ok;
	struct scraper *s = scraper_new();
	struct scraper_stats st;
	struct loop L;
	char *uh = NULL, *uo = NULL;

	server_start(&hang, M_HANG, NULL, 0);
	server_start(&ok, M_OK, body, sizeof body - 1);
	uh = url_of(&hang, "/metrics");
	uo = url_of(&ok, "/metrics");
	loop_init(&L);
	assert_int_equal(scraper_start(s, 0, uh, 1000, 1 << 20), 0);
	assert_int_equal(scraper_start(s, 1, uo, 1000, 1 << 20), 0);
	loop_run(s, &L, 1, 3000, MAXID);
	/* Still in flight: a second start for the same id is skipped. */
	assert_int_equal(scraper_start(s, 0, uh, 1000, 1 << 20), 1);
	assert_int_equal(scraper_in_flight(s), 1);
	loop_run(s, &L, 2, 3000, MAXID);
	assert_int_equal(L.count, 2);

	assert_int_equal(L.r[1].ok, 1);
	assert_string_equal(L.r[1].body, body);
	assert_true(L.at_ms[1] < 500);		/* long before the timeout */

	expect_error(&L.r[0], &hang, "timed out after 1000 ms");
	assert_int_equal(L.r[0].status, 0);
	assert_true(L.r[0].duration_ms >= 1000 && L.r[0].duration_ms < 1500);
	assert_true(L.at_ms[0] >= 1000 && L.at_ms[0] < 1500);
	/* Neither the scraper's calls nor its callers ever waited, and the
	 * second of waiting for the timeout was slept, not spun. */
	assert_true(L.max_call_ms < 200);
	fprintf(stderr, "hang: %d loop turns\n", L.turns);
	assert_true(L.turns < 50);

	scraper_get_stats(s, &st);
	assert_int_equal(st.started, 2);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.succeeded, 1);
	assert_int_equal(st.failed, 1);
	loop_free(&L);
	scraper_free(s);
	server_stop(&hang);
	server_stop(&ok);
	free(uh);
	free(uo);
}

static void
test_trickle_times_out(void **state)
{
	struct server v;
	struct scraper *s = scraper_new();
	struct loop L;
	char *url, want[64];
	const char *e;

	server_start(&v, M_TRICKLE, NULL, 0);
	url = url_of(&v, "/metrics");
	loop_init(&L);
	assert_int_equal(scraper_start(s, 0, url, 550, 1 << 20), 0);
	loop_run(s, &L, 1, 3000, MAXID);
	assert_true(L.have[0]);
	/* Bytes at 100, 200, ... ms: four or five came before the end. */
	assert_true(atomic_load(&v.sent) >= 4 && atomic_load(&v.sent) <= 6);
	snprintf(want, sizeof want, "127.0.0.1:%d: timed out after 550 ms (", v.port);
	e = L.r[0].error;
	assert_int_equal(strncmp(e, want, strlen(want)), 0);
	e += strlen(want);
	assert_true(strcmp(e, "4B of body received)") == 0 ||
	    strcmp(e, "5B of body received)") == 0);
	assert_null(L.r[0].body);
	assert_int_equal(L.r[0].status, 200);
	assert_true(L.r[0].duration_ms >= 550 && L.r[0].duration_ms < 1000);
	loop_free(&L);
	scraper_free(s);
	server_stop(&v);
	free(url);
}

/*
 * A 64 MB page scraped with a 1 MB cap, sent in the given mode: the scrape
 * fails with want, soon, and the server cannot push the whole body.
 * Returns the scraper's buffered peak.
 */
static size_t
too_big(enum mode mode, const char *want)
{
	struct server v;
	struct scraper *s = scraper_new();
	struct scraper_stats st;
	struct loop L;
	const size_t max = 1 << 20, huge = (size_t)64 << 20;
	char *url;

	server_start(&v, mode, NULL, huge);
	url = url_of(&v, "/metrics");
	loop_init(&L);
	assert_int_equal(scraper_start(s, 3, url, 10000, max), 0);
	loop_run(s, &L, 1, 10000, MAXID);
	assert_true(L.have[3]);
	expect_error(&L.r[3], &v, want);
	assert_int_equal(L.r[3].status, 200);
	assert_true(L.r[3].duration_ms < 3000);
	scraper_get_stats(s, &st);
	assert_int_equal(st.buffered, 0);
	scraper_free(s);
	server_stop(&v);
	/* Aborted early: the server could not push the whole body. */
	fprintf(stderr, "too big: server wrote %zu of %zu bytes\n", atomic_load(&v.sent), huge);
	assert_true(atomic_load(&v.sent) < huge / 2);
	loop_free(&L);
	free(url);
	return st.buffered_peak;
}

static void
test_too_big(void **state)
{
	/* refused at its headers: nothing of the body is read */
	assert_int_equal(too_big(M_BIG,
	    "body larger than 1.0M (Content-Length 64.0M)"), 0);
}

static void
test_too_big_streamed(void **state)
{
	size_t peak = too_big(M_BIG_NOLEN, "body larger than 1.0M");

	/* The buffer filled up to the cap and not a byte past it. */
	assert_true(peak > (1 << 20) / 2);
	assert_true(peak <= (1 << 20) + 1);
}

static void
test_close_mid_body(void **state)
{
	struct server v;
	struct scraper *s = scraper_new();
	struct loop L;
	char *url;

	server_start(&v, M_CLOSE_MID, NULL, 0);
	url = url_of(&v, "/metrics");
	loop_init(&L);
	assert_int_equal(scraper_start(s, 0, url, 2000, 1 << 20), 0);
	loop_run(s, &L, 1, 3000, MAXID);
	assert_true(L.have[0]);
	expect_error(&L.r[0], &v, "connection closed mid-body (500B of 1000B received)");
	assert_int_equal(L.r[0].status, 200);
	assert_true(L.r[0].duration_ms < 1000);
	loop_free(&L);
	scraper_free(s);
	server_stop(&v);
	free(url);
}

static void
test_http_errors(void **state)
{
	static const char oops[] = "oops\n";
	struct server e500, e404;
	struct scraper *s = scraper_new();
	struct scraper_stats st;
	struct loop L;
	char *u500, *u404;

	server_init(&e500, M_OK, oops, sizeof oops - 1);
	e500.status = 500;
	e500.reason = "Internal Server Error";
	server_run(&e500);
	server_init(&e404, M_OK, oops, sizeof oops - 1);
	e404.status = 404;
	e404.reason = "Not Found";
	server_run(&e404);
	u500 = url_of(&e500, "/metrics");
	u404 = url_of(&e404, "/nothing");
	loop_init(&L);
	assert_int_equal(scraper_start(s, 0, u500, 2000, 1 << 20), 0);
	assert_int_equal(scraper_start(s, 1, u404, 2000, 1 << 20), 0);
	loop_run(s, &L, 2, 3000, MAXID);
	assert_int_equal(L.count, 2);
	expect_error(&L.r[0], &e500, "HTTP 500 Internal Server Error");
	assert_int_equal(L.r[0].status, 500);
	assert_int_equal(L.r[0].len, 0);
	expect_error(&L.r[1], &e404, "HTTP 404 Not Found");
	assert_int_equal(L.r[1].status, 404);
	assert_string_equal(L.r[1].content_type, "text/plain; version=0.0.4; charset=utf-8");
	/* Error pages are counted against the cap, never buffered. */
	scraper_get_stats(s, &st);
	assert_int_equal(st.buffered_peak, 0);
	loop_free(&L);
	scraper_free(s);
	server_stop(&e500);
	server_stop(&e404);
	free(u500);
	free(u404);
}

static void
test_redirect_loop(void **state)
{
	struct server v;
	struct scraper *s = scraper_new();
	struct loop L;
	char *url;

	server_start(&v, M_REDIRECT, NULL, 0);
	url = url_of(&v, "/metrics");
	loop_init(&L);
	assert_int_equal(scraper_start(s, 0, url, 2000, 1 << 20), 0);
	loop_run(s, &L, 1, 3000, MAXID);
	assert_true(L.have[0]);
	expect_error(&L.r[0], &v, "too many redirects (more than 3)");
	assert_int_equal(L.r[0].status, 302);
	loop_free(&L);
	scraper_free(s);
	server_stop(&v);
	/* The first request and three redirects, on one connection. */
	assert_int_equal(atomic_load(&v.requests), 1 + SCRAPE_MAX_REDIRECTS);
	assert_int_equal(atomic_load(&v.accepts), 1);
	free(url);
}

/* gzip -9 of the 40 lines gzip_text() makes (python3 gzip.compress, mtime 0). */
static const unsigned char gz[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x9d, 0xd5,
	0x4b, 0x6a, 0x03, 0x31, 0x10, 0x84, 0xe1, 0xbd, 0x4f, 0x61, 0x66, 0x9d,
	0x85, 0xba, 0x5b, 0x4f, 0x83, 0xcf, 0x32, 0x0c, 0x44, 0x84, 0x10, 0x49,
	0xc6, 0x63, 0x8f, 0xbd, 0x08, 0xb9, 0x7b, 0xd4, 0x7d, 0x84, 0x3a, 0xc0,
	0xbf, 0xfb, 0xa8, 0x7a, 0xb5, 0xd6, 0x2f, 0xe3, 0xe8, 0xeb, 0x5e, 0xef,
	0x47, 0x7d, 0x3c, 0x1f, 0xeb, 0x7e, 0x8c, 0xf1, 0x3d, 0xbe, 0x7e, 0xfb,
	0xed, 0xb3, 0xb6, 0x75, 0x6c, 0xbd, 0x5e, 0x97, 0xd6, 0xb6, 0xbe, 0x2d,
	0x1f, 0xef, 0xdb, 0xfe, 0x53, 0xf7, 0xeb, 0xe2, 0x96, 0xbf, 0xb3, 0x3b,
	0xbd, 0x90, 0x94, 0x66, 0x9a, 0xb0, 0x94, 0x67, 0x4a, 0x1e, 0x6b, 0x65,
	0xb6, 0x4c, 0x58, 0xeb, 0xb5, 0xcd, 0x58, 0x1b, 0x66, 0x2b, 0x01, 0x6b,
	0xe3, 0x6c, 0x3d, 0x63, 0x6d, 0xd2, 0xb6, 0x60, 0x6d, 0x9e, 0x6d, 0x88,
	0x58, 0x5b, 0x66, 0x1b, 0x05, 0xa4, 0xa1, 0xac, 0x12, 0xea, 0xca, 0x60,
	0x81, 0xb2, 0x48, 0x69, 0x65, 0x90, 0x16, 0xa9, 0xad, 0x02, 0xda, 0x22,
	0xc5, 0x55, 0x40, 0x5c, 0xa4, 0xba, 0xc8, 0x81, 0xbc, 0x48, 0x7d, 0x11,
	0x81, 0xc0, 0x28, 0x59, 0x0d, 0x12, 0x23, 0x35, 0x46, 0x0c, 0x22, 0x23,
	0x55, 0x46, 0x02, 0x32, 0x63, 0x67, 0x3b, 0x02, 0x3a, 0x63, 0xb2, 0x1a,
	0x9d, 0x30, 0xdb, 0xb0, 0x00, 0x4a, 0x63, 0x95, 0x46, 0x11, 0xa4, 0xc6,
	0xde, 0x6a, 0xd0, 0x1a, 0x9b, 0xb5, 0x04, 0x5a, 0x63, 0xb3, 0x96, 0x41,
	0x6b, 0x6c, 0xd6, 0x32, 0x68, 0x8d, 0xcd, 0x5a, 0x01, 0xad, 0xb1, 0x5a,
	0x63, 0x07, 0x5a, 0x13, 0x67, 0xbf, 0x03, 0x5a, 0x13, 0xb2, 0x1a, 0xb4,
	0x26, 0x6a, 0x8d, 0x19, 0x3d, 0x4c, 0x7b, 0x4c, 0x01, 0xad, 0x89, 0x7d,
	0xa6, 0x80, 0xd6, 0x44, 0xad, 0xb1, 0x07, 0xad, 0x89, 0x5a, 0xe3, 0x00,
	0x5a, 0x93, 0x64, 0x35, 0x68, 0x4d, 0xd4, 0x1a, 0x47, 0xd0, 0x9a, 0x98,
	0xb5, 0x24, 0xa7, 0x7f, 0xf6, 0x8b, 0xf2, 0x7a, 0x95, 0x09, 0x00, 0x00,
};

static char *
gzip_text(void)
{
	struct buf b = {0};
	int i;

	for (i = 0; i < 40; i++)
		buf_printf(&b, "vllm:num_requests_running{model_name=\"llama\",worker=\"%d\"} %d\n",
		    i, i * 7);
	return buf_detach(&b);
}

static void
test_gzip(void **state)
{
	struct server v;
	struct scraper *s = scraper_new();
	struct loop L;
	char *url, *text = gzip_text();

	assert_int_equal(strlen(text), 2453);
	server_init(&v, M_GZIP, (const char *)gz, sizeof gz);
	v.ctype = "application/openmetrics-text; version=1.0.0; charset=utf-8";
	server_run(&v);
	url = url_of(&v, "/metrics");
	loop_init(&L);
	assert_int_equal(scraper_start(s, 0, url, 2000, 1 << 20), 0);
	loop_run(s, &L, 1, 3000, MAXID);
	assert_true(L.have[0]);
	assert_int_equal(L.r[0].ok, 1);
	assert_int_equal(L.r[0].len, strlen(text));
	assert_string_equal(L.r[0].body, text);
	assert_string_equal(L.r[0].content_type,
	    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	loop_free(&L);
	scraper_free(s);
	server_stop(&v);
	assert_non_null(strstr(v.accept_enc, "gzip"));
	free(url);
	free(text);
}

static void
test_gzip_over_cap(void **state)
{
	/* The cap applies to the decoded body: 288 bytes on the wire, 2453
	 * decoded, 1K allowed. */
	struct server v;
	struct scraper *s = scraper_new();
	struct scraper_stats st;
	struct loop L;
	char *url;

	server_start(&v, M_GZIP, (const char *)gz, sizeof gz);
	url = url_of(&v, "/metrics");
	loop_init(&L);
	assert_int_equal(scraper_start(s, 0, url, 2000, 1024), 0);
	loop_run(s, &L, 1, 3000, MAXID);
	assert_true(L.have[0]);
	expect_error(&L.r[0], &v, "body larger than 1.0K");
	scraper_get_stats(s, &st);
	assert_true(st.buffered_peak <= 1025);
	loop_free(&L);
	scraper_free(s);
	server_stop(&v);
	free(url);
}

static void
test_connection_refused(void **state)
{
	struct scraper *s = scraper_new();
	struct loop L;
	char *url, want[128];
	int port, fd;

	/* A port that was free a moment ago and has no listener. */
	fd = bind_any(&port);
	close(fd);
	url = xasprintf("http://127.0.0.1:%d/metrics", port);
	loop_init(&L);
	assert_int_equal(scraper_start(s, 2, url, 2000, 1 << 20), 0);
	loop_run(s, &L, 1, 3000, MAXID);
	assert_true(L.have[2]);
	snprintf(want, sizeof want, "127.0.0.1:%d: connection refused", port);
	assert_int_equal(L.r[2].ok, 0);
	assert_int_equal(L.r[2].status, 0);
	assert_string_equal(L.r[2].error, want);
	assert_true(L.r[2].duration_ms < 1000);
	loop_free(&L);
	scraper_free(s);
	free(url);
}

static void
test_bad_url(void **state)
{
	struct scraper *s = scraper_new();
	struct scraper_stats st;
	struct scrape_result r;
	int timeout = -1;
	struct pollfd fds[4];

	assert_int_equal(scraper_start(s, 4, "not a url", 1000, 1024), -1);
	assert_int_equal(scraper_in_flight(s), 0);
	assert_int_equal(scraper_start(s, 5, "ftp://127.0.0.1/metrics", 1000, 1024), -1);
	assert_int_equal(scraper_start(s, 6, "http://", 1000, 1024), -1);
	/* Nothing to watch and no timer: the caller's timeout is left alone. */
	assert_int_equal(scraper_pollfds(s, fds, 4, &timeout), 0);
	assert_int_equal(timeout, -1);

	assert_int_equal(scraper_next(s, &r), 1);
	assert_int_equal(r.id, 4);
	assert_int_equal(r.ok, 0);
	assert_null(r.body);
	assert_non_null(strstr(r.error, "bad URL \"not a url\": "));
	scrape_result_free(&r);
	assert_int_equal(scraper_next(s, &r), 1);
	assert_int_equal(r.id, 5);
	assert_string_equal(r.error,
	    "bad URL \"ftp://127.0.0.1/metrics\": scheme ftp is not http or https");
	scrape_result_free(&r);
	assert_int_equal(scraper_next(s, &r), 1);
	assert_int_equal(r.id, 6);
	assert_non_null(strstr(r.error, "bad URL \"http://\": "));
	scrape_result_free(&r);
	assert_int_equal(scraper_next(s, &r), 0);
	scraper_get_stats(s, &st);
	assert_int_equal(st.failed, 3);
	assert_int_equal(st.started, 0);
	scraper_free(s);
}

/* Scrape url as id 0 and check that the page is want. */
static void
scrape_id0(struct scraper *s, const char *url, const char *want)
{
	struct loop L;

	loop_init(&L);
	assert_int_equal(scraper_start(s, 0, url, 2000, 1 << 20), 0);
	loop_run(s, &L, 1, 3000, MAXID);
	assert_int_equal(L.r[0].ok, 1);
	assert_int_equal(L.r[0].len, strlen(want));
	assert_memory_equal(L.r[0].body, want, strlen(want));
	loop_free(&L);
}

/* One id whose URL changes (a reloaded configuration): each new URL is
 * checked and used, a bad one fails every time it is started, and the
 * good one after it works again. */
static void
test_url_changes(void **state)
{
	static const char a[] = "a 1\n", b[] = "b 2\n";
	struct server va, vb;
	struct scraper *s = scraper_new();
	struct scrape_result r;
	char *ua, *ub;
	int i;

	server_start(&va, M_OK, a, sizeof a - 1);
	server_start(&vb, M_OK, b, sizeof b - 1);
	ua = url_of(&va, "/metrics");
	ub = url_of(&vb, "/metrics");
	scrape_id0(s, ua, a);
	for (i = 0; i < 2; i++) {
		assert_int_equal(scraper_start(s, 0, "ftp://x/metrics", 2000,
		    1 << 20), -1);
		assert_int_equal(scraper_next(s, &r), 1);
		assert_int_equal(r.ok, 0);
		assert_non_null(strstr(r.error, "scheme ftp"));
		scrape_result_free(&r);
	}
	scrape_id0(s, ub, b);
	scraper_free(s);
	server_stop(&va);
	server_stop(&vb);
	free(ua);
	free(ub);
}

/* curl's receive buffer follows the size of the page last read: 4 KB
 * before the first, then the smallest power of two from 2 KB that takes
 * the page with its headers, at most 16 KB. */
static void
test_recv_buffer_follows_page(void **state)
{
	static const struct {
		size_t	page, want_next;
	} steps[] = {
		{ 100, 2048 }, { 3000, 4096 }, { 7000, 8192 },
		{ 200000, 16384 }, { 1500, 2048 },
	};
	struct scraper *s = scraper_new();
	struct scraper_stats st;
	struct server v;
	struct loop L;
	char *page, *url;
	size_t i;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		page = xmalloc(steps[i].page);
		memset(page, 'x', steps[i].page);
		page[steps[i].page - 1] = '\n';
		server_start(&v, M_OK, page, steps[i].page);
		url = url_of(&v, "/metrics");
		loop_init(&L);
		assert_int_equal(scraper_start(s, 0, url, 5000, 1 << 20), 0);
		scraper_get_stats(s, &st);
		assert_int_equal(st.recv_buffers, i == 0 ? 4096 :
		    steps[i - 1].want_next);
		loop_run(s, &L, 1, 5000, MAXID);
		assert_int_equal(L.r[0].ok, 1);
		assert_int_equal(L.r[0].len, steps[i].page);
		loop_free(&L);
		server_stop(&v);
		free(url);
		free(page);
	}
	/* the size is set when the next scrape starts */
	server_start(&v, M_OK, "a 1\n", 4);
	url = url_of(&v, "/metrics");
	assert_int_equal(scraper_start(s, 0, url, 5000, 1 << 20), 0);
	scraper_get_stats(s, &st);
	assert_int_equal(st.recv_buffers, 2048);
	scraper_free(s);
	server_stop(&v);
	free(url);
}

static void
test_free_in_flight(void **state)
{
	static const char body[] = "up 1\n";
	struct server hang, trickle, ok;
	struct scraper *s = scraper_new();
	struct loop L;
	char *uh, *ut, *uo, *ur;
	int port, fd, i;

	server_start(&hang, M_HANG, NULL, 0);
	server_start(&trickle, M_TRICKLE, NULL, 0);
	server_start(&ok, M_OK, body, sizeof body - 1);
	fd = bind_any(&port);
	close(fd);
	uh = url_of(&hang, "/metrics");
	ut = url_of(&trickle, "/metrics");
	uo = url_of(&ok, "/metrics");
	ur = xasprintf("http://127.0.0.1:%d/metrics", port);
	loop_init(&L);
	assert_int_equal(scraper_start(s, 0, uh, 5000, 1 << 20), 0);
	assert_int_equal(scraper_start(s, 1, ut, 5000, 1 << 20), 0);
	assert_int_equal(scraper_start(s, 2, uo, 5000, 1 << 20), 0);
	assert_int_equal(scraper_start(s, 3, ur, 5000, 1 << 20), 0);
	assert_int_equal(scraper_start(s, 4, "nope", 5000, 1 << 20), -1);
	/* The bad URL, the healthy page and the refused port finish; the
	 * hung and the trickling requests stay in flight. */
	loop_run(s, &L, 3, 3000, MAXID);
	assert_int_equal(L.count, 3);
	assert_int_equal(L.r[2].ok, 1);
	assert_int_equal(scraper_in_flight(s), 2);
	/* Again, without collecting: results stay queued when it goes. */
	assert_int_equal(scraper_start(s, 2, uo, 5000, 1 << 20), 0);
	assert_int_equal(scraper_start(s, 3, ur, 5000, 1 << 20), 0);
	for (i = 0; i < 20 && scraper_in_flight(s) > 2; i++) {
		struct pollfd fds[8];
		int timeout = 50, n = scraper_pollfds(s, fds, 8, &timeout);

		poll(fds, (nfds_t)n, timeout);
		scraper_dispatch(s, fds, n);
	}
	assert_int_equal(scraper_in_flight(s), 2);
	/* And one started but not yet handed to curl. */
	assert_int_equal(scraper_start(s, 5, uo, 5000, 1 << 20), 0);
	assert_int_equal(scraper_in_flight(s), 3);
	scraper_free(s);	/* ASan's leak check does the asserting */
	loop_free(&L);
	server_stop(&hang);
	server_stop(&trickle);
	server_stop(&ok);
	free(uh);
	free(ut);
	free(uo);
	free(ur);
}

/* A real worker's exporter: Python's prometheus_client behind wsgiref
 * (HTTP/1.0, so no connection reuse), which answers our Accept header with
 * OpenMetrics and our Accept-Encoding with gzip.  Skipped where
 * /usr/bin/python3 or prometheus_client is missing. */
static const char py_exporter[] =
	"import sys\n"
	"from wsgiref.simple_server import make_server, WSGIRequestHandler\n"
	"from prometheus_client import make_wsgi_app, Gauge\n"
	"class Quiet(WSGIRequestHandler):\n"
	"    def log_message(self, *a):\n"
	"        pass\n"
	"g = Gauge('modeltop_test_queue', 'Queue depth', ['worker'])\n"
	"g.labels(worker='w0').set(42)\n"
	"h = make_server('127.0.0.1', 0, make_wsgi_app(), handler_class=Quiet)\n"
	"print(h.server_port, flush=True)\n"
	"h.serve_forever()\n";

static pid_t exporter_pid = -1;
static int exporter_out = -1;	/* its stdout: kept open while it runs */

/* Teardown: the exporter goes even when an assertion failed. */
static int
exporter_stop(void **state)
{
	int status;

	if (exporter_pid > 0) {
		kill(exporter_pid, SIGTERM);
		waitpid(exporter_pid, &status, 0);
		exporter_pid = -1;
	}
	if (exporter_out >= 0) {
		close(exporter_out);
		exporter_out = -1;
	}
	return 0;
}

static void
test_python_exporter(void **state)
{
	struct scraper *s;
	struct scraper_stats st;
	struct loop L;
	struct pollfd p;
	char line[32], *url;
	size_t len = 0;
	ssize_t n;
	int fds[2], port = 0, i;

	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	assert_int_equal(pipe(fds), 0);
	if ((exporter_pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* Nothing of the test's output may be held open by it. */
		dup2(fds[1], 1);
		dup2(null, 2);
		close(fds[0]);
		close(fds[1]);
		execl("/usr/bin/python3", "python3", "-c", py_exporter, (char *)NULL);
		_exit(127);
	}
	assert_true(exporter_pid > 0);
	close(fds[1]);
	exporter_out = fds[0];
	/* Read the port line whole and keep the pipe open: a child that
	 * writes into a closed pipe dies of it, and resets our connection. */
	line[0] = '\0';
	p.fd = fds[0];
	p.events = POLLIN;
	while (strchr(line, '\n') == NULL && len < sizeof line - 1 &&
	    poll(&p, 1, 10000) == 1) {
		if ((n = read(fds[0], line + len, sizeof line - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		line[len] = '\0';
	}
	if (strchr(line, '\n') != NULL)
		port = atoi(line);
	if (port <= 0)
		skip();		/* no prometheus_client here */
	url = xasprintf("http://127.0.0.1:%d/metrics", port);
	s = scraper_new();
	for (i = 0; i < 2; i++) {
		loop_init(&L);
		assert_int_equal(scraper_start(s, 0, url, 3000, 1 << 20), 0);
		loop_run(s, &L, 1, 5000, MAXID);
		assert_true(L.have[0]);
		assert_string_equal(L.r[0].error, "");
		assert_int_equal(L.r[0].ok, 1);
		/* prometheus_client 0.16 says version=0.0.1, newer ones 1.0.0. */
		assert_int_equal(strncmp(L.r[0].content_type,
		    "application/openmetrics-text; version=", 38), 0);
		assert_non_null(strstr(L.r[0].body,
		    "\nmodeltop_test_queue{worker=\"w0\"} 42.0\n"));
		assert_true(L.r[0].len > 6);
		assert_string_equal(L.r[0].body + L.r[0].len - 6, "# EOF\n");
		loop_free(&L);
	}
	scraper_get_stats(s, &st);
	assert_int_equal(st.connects, 2);	/* HTTP/1.0: one each */
	scraper_free(s);
	free(url);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_page),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_many_large),
		cmocka_unit_test(test_hang_times_out_healthy_does_not_wait),
		cmocka_unit_test(test_trickle_times_out),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_too_big_streamed),
		cmocka_unit_test(test_close_mid_body),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_redirect_loop),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_gzip_over_cap),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_url_changes),
		cmocka_unit_test(test_recv_buffer_follows_page),
		cmocka_unit_test(test_bad_url),
		cmocka_unit_test(test_free_in_flight),
		cmocka_unit_test_teardown(test_python_exporter, exporter_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

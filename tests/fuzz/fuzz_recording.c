/*
 * fuzz_recording.c -- libFuzzer entry point for the recording reader: a
 * damaged database opened by replay and by export.
 *
 *   make fuzz SECS=60 FUZZ=recording
 * or by hand (from the repository root, after 'make fuzz' built the
 * libraries):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       -Iui tests/fuzz/fuzz_recording.c -Wl,--start-group \
 *       build-fuzz/libmodeltop-ui.a build-fuzz/libmodeltop.a \
 *       -Wl,--end-group $(pkg-config --libs ncursesw termkey sqlite3 \
 *       inih libcurl) -lm -ldl -lpthread -o fuzz_recording
 *   ./fuzz_recording -dict=tests/fuzz/recording.dict \
 *       tests/fuzz/corpus/recording
 *
 * The input is a whole recording file (the seeds are small recordings
 * made by `modeltop record` and by the store itself, VACUUMed to 512-byte
 * pages).  It is written to a file on /dev/shm (tmpfs: no disk; the
 * store opens paths), with any -wal and -shm of the previous input
 * removed so that no state carries over, and then read the two ways a
 * recording is read, one of three ways chosen by the input's length
 * modulo 3 (each way opens the file, and opening -- SQLite parsing the
 * schema under ASan -- is most of an execution's cost; one way per input
 * doubles the damaged files tried per second, and mutations change the
 * length, so every input's neighbours go all three ways):
 *
 *   export: `modeltop export --db FILE --format jsonl` (length 0 mod 3)
 *           or `modeltop export --db FILE --metric proc_rss_bytes`
 *           (1 mod 3), exactly as the command runs them
 *           (output to /dev/null).  Invariant:
 *           the exit status is 0 or 1 (a damaged file is a message,
 *           never a usage error or a crash).
 *   replay: (2 mod 3) store_open read-only, store_span, view_replay_new at the
 *           first tick, and what the console's first frame asks of the
 *           view: workers, each worker's series and a chart window of
 *           the first few, events, incidents and their timelines, marks
 *           and gaps; then a seek to the end and the same again.
 *           Invariants: a failed open names the file; names and metrics
 *           are strings; every point a chart gets lies in the window
 *           asked for.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmd.h"
#include "store.h"
#include "util.h"
#include "view.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64], wal[72], shm[72];
static FILE *devnull;

static void
cleanup(void)
{
	unlink(path);
	unlink(wal);
	unlink(shm);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(path, sizeof path, "%s/fuzz_recording.%d.db", dir,
	    (int)getpid());
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(shm, sizeof shm, "%s-shm", path);
	atexit(cleanup);
	/* No POSIX locks: nothing else opens this file, and fcntl() on
	 * every transaction was most of an execution's cost. */
	sqlite3_vfs_register(sqlite3_vfs_find("unix-none"), 1);
	if ((devnull = fopen("/dev/null", "w")) == NULL) {
		perror("/dev/null");
		exit(1);
	}
	return 0;
}

static void
put_file(const uint8_t *data, size_t size)
{
	ssize_t n;
	int fd;

	unlink(wal);
	unlink(shm);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		perror(path);
		exit(1);
	}
	while (size > 0) {
		if ((n = write(fd, data, size)) <= 0) {
			perror(path);
			exit(1);
		}
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

static void
export(const char *const *args, int n)
{
	struct cmd_ctx ctx = { devnull, devnull, NULL, NULL, "fuzz" };
	char *argv[12];
	int i, rc;

	for (i = 0; i < n; i++)
		argv[i] = (char *)args[i];
	argv[n] = NULL;
	rc = cmd_export_entry.exec(&ctx, n, argv);
	if (rc != 0 && rc != 1)
		abort();
}

struct window {
	int64_t	 from, to;
	size_t	 n;
};

static int
on_point(void *arg, int64_t ts_ms, double v)
{
	struct window *w = arg;

	if (ts_ms < w->from || ts_ms > w->to)
		abort();
	return ++w->n >= 512;
}

static void
frame(struct view *v)
{
	const struct view_worker *ws;
	const struct view_series *ss;
	const struct view_event *es;
	const struct view_incident *is;
	const struct view_entry *te;
	const struct view_mark *ms;
	const struct view_gap *gs;
	struct window w;
	int64_t t = view_time(v);
	size_t nw, ns, i, j;

	nw = view_workers(v, &ws);
	for (i = 0; i < nw && i < 16; i++) {
		if (ws[i].name == NULL || ws[i].note == NULL)
			abort();
		ns = view_series(v, ws[i].name, &ss);
		for (j = 0; j < ns; j++) {
			if (ss[j].metric == NULL || ss[j].labels == NULL)
				abort();
			if (j >= 4)
				continue;
			w.from = t - 300000;
			w.to = t;
			w.n = 0;
			view_points(v, ws[i].name, ss[j].metric, ss[j].labels,
			    ss[j].labels_len, w.from, w.to, on_point, &w);
		}
		view_events(v, ws[i].name, 32, &es);
	}
	view_events(v, NULL, 64, &es);
	ns = view_incidents(v, NULL, 0, &is);
	for (i = 0; i < ns && i < 8; i++) {
		if (is[i].worker == NULL || is[i].cls == NULL)
			abort();
		view_timeline(v, is[i].id, &te);
	}
	view_marks(v, &ms);
	view_gaps(v, &gs);
	view_status(v);
}

static void
replay(void)
{
	struct store *st;
	struct view *v;
	char err[512];
	int64_t first = 0, last = 0;

	err[0] = '\0';
	if ((st = store_open(path, STORE_READ, err, sizeof err)) == NULL) {
		if (strstr(err, path) == NULL)
			abort();
		return;
	}
	if (store_span(st, &first, &last) != 0)
		first = INT64_MAX;
	if ((v = view_replay_new(st, first, err, sizeof err)) == NULL)
		return;
	frame(v);
	if (view_seek(v, last) == 0)
		frame(v);
	view_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const jsonl[] = { "export", "--db", path,
	    "--format", "jsonl" };
	static const char *const metric[] = { "export", "--db", path,
	    "--metric", "proc_rss_bytes" };

	put_file(data, size);
	switch (size % 3) {
	case 0:
		export(jsonl, 5);
		break;
	case 1:
		export(metric, 5);
		break;
	default:
		replay();
		break;
	}
	return 0;
}

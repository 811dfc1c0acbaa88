/*
 * store.c -- the SQLite history store.
 *
 * Tables (docs/storage.md has them column by column):
 *   meta    key/value facts about the file
 *   series  one row per (worker, metric, labels)
 *   chunks  sealed, compressed runs of points of one series
 *   seals   one row per sealing: the time range of the chunks written
 *           together, whose ids are (seal id << 22 | series id); the
 *           index window reads use
 *   tail    one row per commit since the last sealing: the points of
 *           that commit, packed; replayed into open chunks on open
 *   events  timestamped text
 *
 * In memory each series has an open chunk (a chunk encoder).  A commit
 * appends the buffered points to the open chunks and writes them once
 * more, packed, as one tail row.  When an open chunk is full, all open
 * chunks are written as chunk rows under one seal row in the same
 * transaction, and a new tail epoch begins: its rows overwrite the
 * stale ones in place, so a commit rewrites about one page.  Recovery
 * after a crash decodes the current epoch's tail rows in order into
 * fresh open chunks, which rebuilds exactly the state the writer had.
 *
 * A reader builds the same open chunks from the tail at open/refresh
 * and remembers the newest seal id it saw: reads take sealed chunks
 * only up to that seal, so a point the writer seals later (and which
 * the reader still holds in its tail copy) is never returned twice.
 */
#include "store.h"
#include "codec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Migrations: entry v-1 turns a schema v-1 file into schema v.  Add a
 * version by appending an entry (and bumping STORE_SCHEMA_VERSION);
 * never edit a released entry.  data/schema.sql holds the same text.
 */
static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE meta (\n"
	"\tkey\tTEXT PRIMARY KEY NOT NULL,\n"
	"\tvalue\n"
	");\n"
	"CREATE TABLE series (\n"
	"\tid\tINTEGER PRIMARY KEY,\n"
	"\tworker\tTEXT NOT NULL,\n"
	"\tmetric\tTEXT NOT NULL,\n"
	"\tlabels\tTEXT NOT NULL DEFAULT '',\n"
	"\tUNIQUE (worker, metric, labels)\n"
	");\n"
	"CREATE TABLE chunks (\n"
	"\tid\t\tINTEGER PRIMARY KEY,\n"
	"\tseries_id\tINTEGER NOT NULL REFERENCES series (id),\n"
	"\tt_first\t\tINTEGER NOT NULL,\n"
	"\tt_last\t\tINTEGER NOT NULL,\n"
	"\tn\t\tINTEGER NOT NULL,\n"
	"\tdata\t\tBLOB NOT NULL\n"
	");\n"
	"CREATE TABLE seals (\n"
	"\tid\tINTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"\tt_min\tINTEGER NOT NULL,\n"
	"\tt_max\tINTEGER NOT NULL,\n"
	"\tn\tINTEGER NOT NULL,\n"
	"\tpg_lo\tINTEGER,\n"
	"\tpg_hi\tINTEGER\n"
	");\n"
	"CREATE INDEX seals_time ON seals (t_min, t_max);\n"
	"CREATE TABLE tail (\n"
	"\tid\tINTEGER PRIMARY KEY,\n"
	"\tepoch\tINTEGER NOT NULL,\n"
	"\tts\tINTEGER NOT NULL,\n"
	"\tdata\tBLOB NOT NULL\n"
	");\n"
	"CREATE TABLE events (\n"
	"\tid\tINTEGER PRIMARY KEY,\n"
	"\tts\tINTEGER NOT NULL,\n"
	"\tworker\tTEXT,\n"
	"\tkind\tTEXT NOT NULL,\n"
	"\ttext\tTEXT NOT NULL\n"
	");\n"
	"CREATE INDEX events_ts ON events (ts);\n",
	/* 2: incidents (error sessions) and their timelines */
	"CREATE TABLE incidents (\n"
	"\tid\t\tINTEGER PRIMARY KEY,\n"
	"\tworker\t\tTEXT NOT NULL,\n"
	"\tclass\t\tTEXT NOT NULL,\n"
	"\tseverity\tTEXT NOT NULL,\n"
	"\tstrategy\tTEXT,\n"
	"\topened\t\tINTEGER NOT NULL,\n"
	"\tlast_trigger\tINTEGER NOT NULL,\n"
	"\tresolved\tINTEGER,\n"
	"\tresolved_by\tTEXT,\n"
	"\tacked\t\tINTEGER,\n"
	"\tacked_by\tTEXT,\n"
	"\ttrigger_text\tTEXT,\n"
	"\tcount\t\tINTEGER NOT NULL DEFAULT 1,\n"
	"\tsignature\tINTEGER,\n"
	"\texc_type\tTEXT,\n"
	"\texc_message\tTEXT\n"
	");\n"
	"CREATE INDEX incidents_opened ON incidents (opened);\n"
	"CREATE TABLE incident_timeline (\n"
	"\tid\t\tINTEGER PRIMARY KEY,\n"
	"\tincident_id\tINTEGER NOT NULL REFERENCES incidents (id),\n"
	"\tts\t\tINTEGER NOT NULL,\n"
	"\tkind\t\tTEXT NOT NULL,\n"
	"\ttext\t\tTEXT NOT NULL,\n"
	"\tseverity\tTEXT\n"
	");\n"
	"CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);\n",
	/* 3: the audit trail of recovery actions (src/audit.c) */
	"CREATE TABLE actions (\n"
	"\tid\t\tINTEGER PRIMARY KEY,\n"
	"\tts\t\tINTEGER NOT NULL,\n"
	"\tworker\t\tTEXT NOT NULL,\n"
	"\tpid\t\tINTEGER,\n"
	"\taction\t\tTEXT NOT NULL,\n"
	"\tkind\t\tTEXT NOT NULL,\n"
	"\twho\t\tTEXT NOT NULL,\n"
	"\ttarget\t\tTEXT NOT NULL,\n"
	"\tresult\t\tTEXT NOT NULL,\n"
	"\tstatus\t\tINTEGER,\n"
	"\toutput\t\tTEXT,\n"
	"\tmetric\t\tTEXT,\n"
	"\tbefore\t\tREAL,\n"
	"\tafter\t\tREAL,\n"
	"\tverdict\t\tTEXT NOT NULL,\n"
	"\tsummary\t\tTEXT NOT NULL,\n"
	"\tincident_id\tINTEGER,\n"
	"\tjob\t\tTEXT,\n"
	"\tduration_ms\tINTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX actions_ts ON actions (ts);\n"
	"CREATE INDEX actions_worker ON actions (worker, ts);\n",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
    "STORE_SCHEMA_VERSION must equal the number of migrations");

#define PAGE_SIZE		4096
#define WAL_AUTOCHECKPOINT	1000		/* pages: a checkpoint stalls a commit ~20 ms */
#define TAIL_FORMAT		1
/* A chunk's id is (seal id << CHUNK_ID_BITS) | series id: the chunks of
 * one seal are one rowid range, and one series' chunk in it one rowid. */
#define CHUNK_ID_BITS		22
#define MAX_SERIES_ID		(((int64_t)1 << CHUNK_ID_BITS) - 1)
#define MAX_SEAL_ID		(((int64_t)1 << (62 - CHUNK_ID_BITS)) - 1)
#define SERIES_ID_SLACK		1024	/* a reader's tolerance for holes in the ids */
#define INT_LIMIT		9007199254740992.0	/* 2^53 */
/* While commits fail, at most this many points (24 bytes each) and
 * events are held in memory for the retry; beyond, the oldest go. */
#define HOLD_POINTS		((size_t)1 << 21)
#define HOLD_EVENTS		10000

/* one tail entry: varint(zigzag(id delta) << 3 | flags) */
#define TAIL_SAME	0	/* same bits as the series' previous value */
#define TAIL_INT	1	/* zigzag varint: integer delta */
#define TAIL_RAW	2	/* 8 bytes, little-endian IEEE bits */
#define TAIL_KIND	3
#define TAIL_TS		4	/* zigzag varint: ts - row ts follows */

struct series_ent {
	uint64_t	 hash;
	int64_t		 id;
	char		*worker;
	char		*metric;
	char		*labels;
	size_t		 labels_len;
};

struct pending {
	int64_t		 id;
	int64_t		 ts;
	double		 v;
};

struct pevent {
	int64_t		 ts;
	char		*worker;
	char		*kind;
	char		*text;
};

struct store {
	char		*path;
	sqlite3		*db;
	int		 mode;
	int		 lockfd;
	int		 hintfd;	/* for read-ahead hints: lockfd or our own */
	int64_t		 page_size;
	dev_t		 dev;
	ino_t		 ino;
	int		 held;		/* counted in the open file registry */
	char		 errmsg[1024];

	/* series: a hash table over ents, and the open chunk per id */
	struct series_ent *ents;
	size_t		 nents, entcap;
	int64_t		*htab;		/* index into ents, -1 empty */
	size_t		 hcap;
	struct chunk_enc *open;		/* indexed by series id */
	size_t		 nopen;		/* ids 0 .. nopen-1 */
	int64_t		 max_series_id;
	size_t		*unsaved;	/* ents created since the last commit */
	size_t		 nunsaved, unsavedcap;

	/* the open chunks */
	size_t		 open_points;
	uint32_t	 open_max_n;
	int64_t		 ep_min, ep_max;
	unsigned	 chunk_points;
	int64_t		 span_limit_ms;

	/* what reads see and where the writer goes on */
	int64_t		 seal_id;	/* newest seal included in reads */
	int64_t		 span_max_ms;	/* bound on t_max - t_min of any seal */
	int64_t		 tail_last;	/* id of the last tail row loaded, 0 none */
	int		 tail_broken;	/* stopped at a corrupt tail row */

	/* the batch being built */
	struct pending	*pend;
	size_t		 npend, pendcap;
	struct pevent	*ev;
	size_t		 nev, evcap;
	struct buf	 tailbuf;

	uint64_t	 bad_chunks;
	uint64_t	 dropped;

	/* commits failing (disk full, read-only, I/O error): the batch is
	 * held in memory, up to hold_max points, and retried */
	int		 gone;		/* the file was deleted or replaced */
	int64_t		 fail_since_ms;	/* first failed commit, 0 when fine */
	uint64_t	 fail_commits;	/* failed commits since then */
	size_t		 hold_max;
	uint64_t	 lost_points;	/* dropped from a full hold */
	uint64_t	 lost_events;
	int64_t		 lost_from, lost_to;

	/* decode scratch */
	int64_t		*rts;
	double		*rvs;
	size_t		 rcap;

	sqlite3_stmt	*q_tail_ins, *q_tail_load, *q_chunk_ins, *q_seal_ins;
	sqlite3_stmt	*q_event_ins, *q_series_ins, *q_seals_win, *q_page_count;
	sqlite3_stmt	*q_seals_over, *q_seals_next;
	sqlite3_stmt	*q_chunks_range;
};

/* ---- the open file registry ----
 *
 * SQLite locks with POSIX fcntl() locks, and closing ANY descriptor of a
 * file drops every such lock the process holds on it.  The writer's
 * flock() descriptor therefore must not be closed while another
 * connection of this process still has the file open: such a close is
 * deferred until the last store on that file closes.  (SQLite does the
 * same for its own descriptors.)
 */
struct open_file {
	dev_t		 dev;
	ino_t		 ino;
	int		 refs;
	int		*fds;
	size_t		 nfds, fdcap;
};

static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;
static struct open_file *files;
static size_t nfiles, filescap;

static struct open_file *
file_find(dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < nfiles; i++) {
		if (files[i].dev == dev && files[i].ino == ino)
			return &files[i];
	}
	return NULL;
}

static void
file_hold(dev_t dev, ino_t ino)
{
	struct open_file *f;

	pthread_mutex_lock(&files_lock);
	if ((f = file_find(dev, ino)) == NULL) {
		files = xgrow(files, &filescap, nfiles + 1, sizeof *files);
		f = &files[nfiles++];
		memset(f, 0, sizeof *f);
		f->dev = dev;
		f->ino = ino;
	}
	f->refs++;
	pthread_mutex_unlock(&files_lock);
}

/* Close fd now, or when the last holder of (dev, ino) lets go. */
static void
file_close_fd(dev_t dev, ino_t ino, int fd)
{
	struct open_file *f;

	pthread_mutex_lock(&files_lock);
	f = file_find(dev, ino);
	if (f != NULL && f->refs > 0) {
		f->fds = xgrow(f->fds, &f->fdcap, f->nfds + 1, sizeof *f->fds);
		f->fds[f->nfds++] = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&files_lock);
	if (fd != -1)
		close(fd);
}

static void
file_release(dev_t dev, ino_t ino)
{
	struct open_file *f;
	size_t i;

	pthread_mutex_lock(&files_lock);
	f = file_find(dev, ino);
	if (f != NULL && --f->refs <= 0) {
		for (i = 0; i < f->nfds; i++)
			close(f->fds[i]);
		free(f->fds);
		*f = files[--nfiles];
	}
	pthread_mutex_unlock(&files_lock);
}

/* ---- small helpers ---- */

static void
seterr(struct store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
	va_end(ap);
}

static void
copyerr(struct store *st, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		util_strlcpy(err, st->errmsg, errlen);
}

/* Why writes to the recording fail when SQLite only says "I/O error":
 * a read-only file system, or an immutable or append-only file (chattr
 * +i / +a, which stops even root).  1 with the reason, else 0. */
static int
file_flags_refuse(struct store *st, char *why, size_t len)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	const uint64_t bad = STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND;
	char p[PATH_MAX];
	struct statx sx;
	size_t i;

	/* statx, not open + ioctl: closing a descriptor of the database
	 * or its -shm would drop the POSIX locks SQLite holds on them */
	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		if ((size_t)snprintf(p, sizeof p, "%s%s", st->path, sfx[i]) >=
		    sizeof p || statx(AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx) != 0)
			continue;
		if ((sx.stx_attributes_mask & sx.stx_attributes & bad) != 0) {
			int imm = (sx.stx_attributes & STATX_ATTR_IMMUTABLE) != 0;

			snprintf(why, len, "%s%s%s is %s: chattr %s",
			    sfx[i][0] != '\0' ? "its " : "the file", sfx[i],
			    sfx[i][0] != '\0' ? " file" : "",
			    imm ? "immutable" : "append-only", imm ? "+i" : "+a");
			return 1;
		}
	}
	return 0;
}

static int
why_unwritable(struct store *st, char *why, size_t len)
{
	struct statvfs sv;

	if (statvfs(st->path, &sv) == 0 && (sv.f_flag & ST_RDONLY)) {
		util_strlcpy(why, "the file system is mounted read-only", len);
		return 1;
	}
	return file_flags_refuse(st, why, len);
}

/* A message for the last SQLite failure, naming the file. */
static void
sqlerr(struct store *st, const char *doing)
{
	int rc = st->db != NULL ? sqlite3_extended_errcode(st->db) & 0xff :
	    SQLITE_ERROR;
	const char *msg = st->db != NULL ? sqlite3_errmsg(st->db) : "error";

	switch (rc) {
	case SQLITE_FULL:
		seterr(st, "disk full writing %s", st->path);
		break;
	case SQLITE_READONLY:
		seterr(st, "%s: read-only, cannot write (%s)", st->path, msg);
		break;
	case SQLITE_IOERR: {
		char why[128];

		/* SQLite reports EPERM and EROFS as a plain "disk I/O
		 * error": look at the file and its file system */
		if ((sqlite3_extended_errcode(st->db) == SQLITE_IOERR_WRITE ||
		    sqlite3_extended_errcode(st->db) == SQLITE_IOERR_FSYNC ||
		    sqlite3_extended_errcode(st->db) == SQLITE_IOERR_TRUNCATE) &&
		    why_unwritable(st, why, sizeof why))
			seterr(st, "%s: read-only, cannot write (%s)", st->path,
			    why);
		else
			seterr(st, "I/O error %s %s: %s", doing, st->path, msg);
		break;
	}
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		seterr(st, "%s: damaged recording (%s)", st->path, msg);
		break;
	default:
		seterr(st, "%s: %s %s", st->path, doing, msg);
		break;
	}
}

static inline uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t
unzigzag(uint64_t u)
{
	return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

static inline int
as_int(double v, int64_t *out)
{
	int64_t i;

	if (!(v >= -INT_LIMIT && v <= INT_LIMIT))
		return 0;
	i = (int64_t)v;
	if ((double)i != v || (i == 0 && signbit(v)))
		return 0;
	*out = i;
	return 1;
}

static inline void
put_varint(struct buf *b, uint64_t u)
{
	uint8_t tmp[10];
	size_t n = 0;

	while (u >= 0x80) {
		tmp[n++] = (uint8_t)(u | 0x80);
		u >>= 7;
	}
	tmp[n++] = (uint8_t)u;
	buf_add(b, tmp, n);
}

static int
get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t u = 0;
	unsigned shift;

	for (shift = 0; shift < 64 && p < end; shift += 7) {
		uint8_t b = *p++;

		if (shift == 63 && b > 1)
			return -1;
		u |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*out = u;
			return 0;
		}
	}
	return -1;
}

static inline int64_t
sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b > 0 ? INT64_MIN : INT64_MAX;
	return r;
}

static sqlite3_stmt *
prep(struct store *st, sqlite3_stmt **slot, const char *sql)
{
	if (*slot == NULL &&
	    sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    slot, NULL) != SQLITE_OK) {
		sqlerr(st, "preparing a statement on");
		*slot = NULL;
		return NULL;
	}
	return *slot;
}

static int
exec(struct store *st, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		sqlerr(st, "writing");
		return -1;
	}
	return 0;
}

/* The first column of the first row of sql as an integer; dflt when
 * there is no row or it is NULL.  -1 on error. */
static int
query_int(struct store *st, const char *sql, int64_t dflt, int64_t *out)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		sqlerr(st, "reading");
		return -1;
	}
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(q, 0);
	else
		*out = dflt;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlerr(st, "reading");
		sqlite3_finalize(q);
		return -1;
	}
	sqlite3_finalize(q);
	return 0;
}

/* Begin a read transaction when none is open, so multi-statement reads
 * see one snapshot.  Returns 1 when one was begun. */
static int
read_begin(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		return 0;
	return sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

static void
read_end(struct store *st, int begun)
{
	if (begun)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

static void
rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- series table in memory ---- */

static uint64_t
series_hash(const char *worker, const char *metric, const char *labels,
    size_t labels_len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const unsigned char *p;
	size_t i;

	for (p = (const unsigned char *)worker; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (p = (const unsigned char *)metric; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	h = (h ^ 0xfe) * 0x100000001b3ull;
	for (i = 0; i < labels_len; i++)
		h = (h ^ (unsigned char)labels[i]) * 0x100000001b3ull;
	return h;
}

static int64_t
series_lookup(struct store *st, uint64_t h, const char *worker,
    const char *metric, const char *labels, size_t labels_len)
{
	size_t i;
	struct series_ent *e;

	if (st->hcap == 0)
		return -1;
	for (i = h & (st->hcap - 1); st->htab[i] != -1; i = (i + 1) & (st->hcap - 1)) {
		e = &st->ents[st->htab[i]];
		if (e->hash == h && e->labels_len == labels_len &&
		    strcmp(e->worker, worker) == 0 &&
		    strcmp(e->metric, metric) == 0 &&
		    memcmp(e->labels, labels, labels_len) == 0)
			return e->id;
	}
	return -1;
}

static void
htab_put(struct store *st, size_t idx)
{
	size_t i;

	for (i = st->ents[idx].hash & (st->hcap - 1); st->htab[i] != -1;
	    i = (i + 1) & (st->hcap - 1))
		;
	st->htab[i] = (int64_t)idx;
}

/* Make room for the open chunk of series id. */
static void
open_grow(struct store *st, int64_t id)
{
	size_t want = (size_t)id + 1, old = st->nopen, i;

	if (want <= st->nopen)
		return;
	if (want < 2 * old)
		want = 2 * old;
	st->open = xrealloc(st->open, want * sizeof *st->open);
	for (i = old; i < want; i++)
		chunk_enc_init(&st->open[i]);
	st->nopen = want;
}

static void
series_add(struct store *st, int64_t id, const char *worker,
    const char *metric, const char *labels, size_t labels_len)
{
	struct series_ent *e;
	size_t i;

	if (2 * (st->nents + 1) > st->hcap) {
		st->hcap = st->hcap == 0 ? 64 : st->hcap * 2;
		free(st->htab);
		st->htab = xmalloc(st->hcap * sizeof *st->htab);
		for (i = 0; i < st->hcap; i++)
			st->htab[i] = -1;
		for (i = 0; i < st->nents; i++)
			htab_put(st, i);
	}
	st->ents = xgrow(st->ents, &st->entcap, st->nents + 1, sizeof *st->ents);
	e = &st->ents[st->nents];
	e->hash = series_hash(worker, metric, labels, labels_len);
	e->id = id;
	e->worker = xstrdup(worker);
	e->metric = xstrdup(metric);
	e->labels = xmalloc(labels_len + 1);
	memcpy(e->labels, labels, labels_len);
	e->labels[labels_len] = '\0';
	e->labels_len = labels_len;
	htab_put(st, st->nents++);
	open_grow(st, id);
	if (id > st->max_series_id)
		st->max_series_id = id;
}

/* Load the series rows with id > max_series_id. */
static int
series_load(struct store *st)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT id, worker, metric, labels "
	    "FROM series WHERE id > ? ORDER BY id", -1, &q, NULL) != SQLITE_OK) {
		sqlerr(st, "reading");
		return -1;
	}
	sqlite3_bind_int64(q, 1, st->max_series_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		const char *w = (const char *)sqlite3_column_text(q, 1);
		const char *m = (const char *)sqlite3_column_text(q, 2);
		const char *l = (const char *)sqlite3_column_text(q, 3);
		size_t ll = (size_t)sqlite3_column_bytes(q, 3);

		/* ids index an array: refuse absurd ones from a bad file.
		 * The store hands them out one by one from 1 and never
		 * deletes a series, so a recording's ids have no holes; a
		 * few are allowed, but not the half-gigabyte array that
		 * one damaged id near MAX_SERIES_ID would cost. */
		if (id <= 0 || id > MAX_SERIES_ID ||
		    (uint64_t)id > st->nents + 1 + SERIES_ID_SLACK) {
			seterr(st, "%s: damaged recording (series id %lld)",
			    st->path, (long long)id);
			sqlite3_finalize(q);
			return -1;
		}
		series_add(st, id, w != NULL ? w : "", m != NULL ? m : "",
		    l != NULL ? l : "", l != NULL ? ll : 0);
	}
	if (rc != SQLITE_DONE) {
		sqlerr(st, "reading");
		sqlite3_finalize(q);
		return -1;
	}
	sqlite3_finalize(q);
	return 0;
}

/* ---- open chunks and the tail ---- */

static void
open_reset(struct store *st)
{
	size_t i;

	for (i = 0; i < st->nopen; i++) {
		if (st->open[i].n > 0)
			chunk_enc_reset(&st->open[i]);
	}
	st->open_points = 0;
	st->open_max_n = 0;
	st->ep_min = st->ep_max = 0;
}

static inline void
open_append(struct store *st, int64_t id, int64_t ts, double v)
{
	struct chunk_enc *e = &st->open[id];

	chunk_enc_append(e, ts, v);
	if (st->open_points == 0)
		st->ep_min = st->ep_max = ts;
	else if (ts < st->ep_min)
		st->ep_min = ts;
	else if (ts > st->ep_max)
		st->ep_max = ts;
	st->open_points++;
	if (e->n > st->open_max_n)
		st->open_max_n = e->n;
}

/* Append one tail entry for a point and the point to its open chunk. */
static inline void
tail_put(struct store *st, int64_t *prev_id, int64_t row_ts,
    const struct pending *p)
{
	struct chunk_enc *e = &st->open[p->id];
	double prev = chunk_enc_last_value(e);
	uint64_t pb, vb;
	int64_t iv, ip;
	unsigned tag;

	memcpy(&pb, &prev, sizeof pb);
	memcpy(&vb, &p->v, sizeof vb);
	if (pb == vb)
		tag = TAIL_SAME;
	else if (as_int(p->v, &iv) && as_int(prev, &ip))
		tag = TAIL_INT;
	else
		tag = TAIL_RAW;
	if (p->ts != row_ts)
		tag |= TAIL_TS;
	put_varint(&st->tailbuf, zigzag(p->id - *prev_id) << 3 | tag);
	*prev_id = p->id;
	if (tag & TAIL_TS)
		put_varint(&st->tailbuf, zigzag((int64_t)((uint64_t)p->ts -
		    (uint64_t)row_ts)));
	if ((tag & TAIL_KIND) == TAIL_INT)
		put_varint(&st->tailbuf, zigzag(iv - ip));
	else if ((tag & TAIL_KIND) == TAIL_RAW) {
		uint8_t b[8];
		int i;

		for (i = 0; i < 8; i++)
			b[i] = (uint8_t)(vb >> (8 * i));
		buf_add(&st->tailbuf, b, 8);
	}
	open_append(st, p->id, p->ts, p->v);
}

/* Check that a tail row parses and names known series; then, with apply
 * set, append its points to the open chunks.  0 ok, -1 corrupt. */
static int
tail_row(struct store *st, int64_t row_ts, const uint8_t *p, size_t len,
    int apply)
{
	const uint8_t *end = p + len;
	int64_t id = 0, iv, ip, ts;
	uint64_t u, vb;
	double v, prev;
	unsigned tag;
	int i;

	if (len < 1 || p[0] != TAIL_FORMAT)
		return -1;
	p++;
	while (p < end) {
		if (get_varint(&p, end, &u) != 0)
			return -1;
		tag = u & 7;
		id = (int64_t)((uint64_t)id + (uint64_t)unzigzag(u >> 3));
		if (id <= 0 || id > st->max_series_id || (size_t)id >= st->nopen)
			return -1;
		ts = row_ts;
		if (tag & TAIL_TS) {
			if (get_varint(&p, end, &u) != 0)
				return -1;
			ts = (int64_t)((uint64_t)row_ts + (uint64_t)unzigzag(u));
		}
		prev = chunk_enc_last_value(&st->open[id]);
		switch (tag & TAIL_KIND) {
		case TAIL_SAME:
			v = prev;
			break;
		case TAIL_INT:
			if (get_varint(&p, end, &u) != 0)
				return -1;
			if (!apply) {
				v = 0;
				break;
			}
			if (!as_int(prev, &ip))
				return -1;
			iv = (int64_t)((uint64_t)ip + (uint64_t)unzigzag(u));
			if (iv < -(int64_t)INT_LIMIT || iv > (int64_t)INT_LIMIT)
				return -1;
			v = (double)iv;
			break;
		case TAIL_RAW:
			if (end - p < 8)
				return -1;
			for (vb = 0, i = 0; i < 8; i++)
				vb |= (uint64_t)p[i] << (8 * i);
			p += 8;
			memcpy(&v, &vb, sizeof v);
			break;
		default:
			return -1;
		}
		if (apply)
			open_append(st, id, ts, v);
	}
	return 0;
}

/* Load the tail rows after tail_last into the open chunks.  The rows
 * of the current epoch (the newest seal id) are ids 1, 2, ... in order;
 * older ones are stale, overwritten in place as the epoch goes on.
 * Stops at the first corrupt row (later rows depend on it); returns 1
 * when it met one, 0, or -1 on a database error. */
static int
tail_load(struct store *st)
{
	sqlite3_stmt *q;
	int rc, bad = 0;

	q = prep(st, &st->q_tail_load, "SELECT id, epoch, ts, data FROM tail "
	    "WHERE id > ? ORDER BY id");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, st->tail_last);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		int64_t epoch = sqlite3_column_int64(q, 1);
		int64_t ts = sqlite3_column_int64(q, 2);
		const uint8_t *d = sqlite3_column_blob(q, 3);
		size_t len = (size_t)sqlite3_column_bytes(q, 3);

		if (epoch != st->seal_id || id != st->tail_last + 1)
			break;
		/* check the structure first so a bad row adds nothing; the
		 * values of integer entries can only be checked applying */
		if (d == NULL || tail_row(st, ts, d, len, 0) != 0 ||
		    tail_row(st, ts, d, len, 1) != 0) {
			bad = 1;
			break;
		}
		st->tail_last = id;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlerr(st, "reading");
		sqlite3_reset(q);
		return -1;
	}
	sqlite3_reset(q);
	if (bad) {
		st->bad_chunks++;
		st->tail_broken = 1;
	}
	return bad;
}

static int
page_count(struct store *st, int64_t *out)
{
	sqlite3_stmt *q = prep(st, &st->q_page_count, "PRAGMA page_count");

	if (q == NULL)
		return -1;
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlerr(st, "reading");
		sqlite3_reset(q);
		return -1;
	}
	*out = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return 0;
}

/* Write every open chunk as a chunk row under one new seal; the tail
 * rows written so far become stale (a new epoch begins).  Inside the
 * caller's transaction; on failure the caller rolls back and rebuilds
 * the open chunks from the database. */
static int
seal_all(struct store *st)
{
	sqlite3_stmt *ci, *si;
	int64_t tmin = INT64_MAX, tmax = INT64_MIN, span, seal, nchunks = 0;
	int64_t pg0, pg1;
	size_t i, len;
	const uint8_t *data;

	if (st->open_points == 0)
		return 0;

	for (i = 1; i < st->nopen; i++) {
		struct chunk_enc *e = &st->open[i];

		if (e->n == 0)
			continue;
		if (chunk_enc_min_ts(e) < tmin)
			tmin = chunk_enc_min_ts(e);
		if (chunk_enc_max_ts(e) > tmax)
			tmax = chunk_enc_max_ts(e);
		nchunks++;
	}
	ci = prep(st, &st->q_chunk_ins, "INSERT INTO chunks "
	    "(id, series_id, t_first, t_last, n, data) VALUES (?, ?, ?, ?, ?, ?)");
	si = prep(st, &st->q_seal_ins, "INSERT INTO seals (id, t_min, t_max, n, "
	    "pg_lo, pg_hi) VALUES (?, ?, ?, ?, ?, ?)");
	if (ci == NULL || si == NULL || page_count(st, &pg0) != 0)
		return -1;
	/* the ids AUTOINCREMENT would give: seal_id is its high mark */
	seal = st->seal_id + 1;
	if (seal <= 0 || seal > MAX_SEAL_ID) {
		seterr(st, "%s: seal id %lld out of range", st->path,
		    (long long)seal);
		return -1;
	}
	/* ascending ids: the new rows go at the end of the table, together */
	for (i = 1; i < st->nopen; i++) {
		struct chunk_enc *e = &st->open[i];

		if (e->n == 0)
			continue;
		data = chunk_enc_bytes(e, &len);
		sqlite3_bind_int64(ci, 1, seal << CHUNK_ID_BITS | (int64_t)i);
		sqlite3_bind_int64(ci, 2, (int64_t)i);
		sqlite3_bind_int64(ci, 3, chunk_enc_min_ts(e));
		sqlite3_bind_int64(ci, 4, chunk_enc_max_ts(e));
		sqlite3_bind_int64(ci, 5, (int64_t)e->n);
		sqlite3_bind_blob(ci, 6, data, (int)len, SQLITE_STATIC);
		if (sqlite3_step(ci) != SQLITE_DONE) {
			sqlerr(st, "writing");
			sqlite3_reset(ci);
			return -1;
		}
		sqlite3_reset(ci);
	}
	/* where the rows went, if the file grew to hold them (no free
	 * pages to reuse): window reads prefetch that range in one go */
	if (page_count(st, &pg1) != 0)
		return -1;
	sqlite3_bind_int64(si, 1, seal);
	sqlite3_bind_int64(si, 2, tmin);
	sqlite3_bind_int64(si, 3, tmax);
	sqlite3_bind_int64(si, 4, nchunks);
	if (pg1 > pg0) {
		sqlite3_bind_int64(si, 5, pg0 + 1);
		sqlite3_bind_int64(si, 6, pg1);
	} else {
		sqlite3_bind_null(si, 5);
		sqlite3_bind_null(si, 6);
	}
	if (sqlite3_step(si) != SQLITE_DONE) {
		sqlerr(st, "writing");
		sqlite3_reset(si);
		return -1;
	}
	sqlite3_reset(si);
	sqlite3_clear_bindings(ci);
	/* readers bound their window queries by this: keep it true */
	if (__builtin_sub_overflow(tmax, tmin, &span) || span > st->span_max_ms) {
		char sql[128];

		if (__builtin_sub_overflow(tmax, tmin, &span))
			span = INT64_MAX;
		snprintf(sql, sizeof sql, "UPDATE meta SET value = %lld "
		    "WHERE key = 'chunk_span_max_ms'", (long long)span);
		if (exec(st, sql) != 0)
			return -1;
		st->span_max_ms = span;
	}
	/* the tail rows of the old epoch are stale now: the next ones
	 * overwrite them from id 1 */
	st->seal_id = seal;
	open_reset(st);
	st->tail_last = 0;
	return 0;
}

/* Read the facts reads depend on: the newest seal (= the tail epoch)
 * and the bound on seal spans. */
static int
load_marks(struct store *st)
{
	int64_t v;

	/* the highest seal id ever issued, even if retention deleted it:
	 * the current tail epoch */
	if (query_int(st, "SELECT seq FROM sqlite_sequence WHERE name = "
	    "'seals'", 0, &st->seal_id) != 0)
		return -1;
	if (query_int(st, "SELECT value FROM meta WHERE key = "
	    "'chunk_span_max_ms'", STORE_CHUNK_SPAN_MS, &v) != 0)
		return -1;
	st->span_max_ms = v < 0 ? INT64_MAX : v;
	return 0;
}

/* Rebuild the open chunks from the committed tail (writer: after open
 * and after a failed commit). */
static int
writer_reload(struct store *st)
{
	int bad;

	open_reset(st);
	st->tail_last = 0;
	st->tail_broken = 0;
	if (load_marks(st) != 0)
		return -1;
	if ((bad = tail_load(st)) < 0)
		return -1;
	if (bad) {
		/* keep what was readable as chunks and start a clean tail:
		 * new rows must not build on the unreadable one */
		if (exec(st, "BEGIN IMMEDIATE") != 0)
			return -1;
		if (exec(st, "DELETE FROM tail") != 0 || seal_all(st) != 0) {
			rollback(st);
			return -1;
		}
		store_event(st, util_now_ms(), NULL, "store",
		    "unreadable tail row dropped while recovering the recording");
		if (exec(st, "COMMIT") != 0) {
			rollback(st);
			return -1;
		}
		st->tail_broken = 0;
	}
	return 0;
}

/* ---- open and close ---- */

static int check_file(struct store *st);

static void
store_free(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	sqlite3_finalize(st->q_tail_ins);
	sqlite3_finalize(st->q_tail_load);
	sqlite3_finalize(st->q_chunk_ins);
	sqlite3_finalize(st->q_seal_ins);
	sqlite3_finalize(st->q_event_ins);
	sqlite3_finalize(st->q_series_ins);
	sqlite3_finalize(st->q_seals_win);
	sqlite3_finalize(st->q_seals_over);
	sqlite3_finalize(st->q_seals_next);
	sqlite3_finalize(st->q_page_count);
	sqlite3_finalize(st->q_chunks_range);
	if (st->db != NULL)
		sqlite3_close(st->db);
	if (st->held)
		file_release(st->dev, st->ino);
	if (st->lockfd != -1) {
		flock(st->lockfd, LOCK_UN);
		file_close_fd(st->dev, st->ino, st->lockfd);
	} else if (st->hintfd != -1)
		file_close_fd(st->dev, st->ino, st->hintfd);
	for (i = 0; i < st->nents; i++) {
		free(st->ents[i].worker);
		free(st->ents[i].metric);
		free(st->ents[i].labels);
	}
	free(st->ents);
	free(st->unsaved);
	free(st->htab);
	for (i = 0; i < st->nopen; i++)
		chunk_enc_free(&st->open[i]);
	free(st->open);
	free(st->pend);
	for (i = 0; i < st->nev; i++) {
		free(st->ev[i].worker);
		free(st->ev[i].kind);
		free(st->ev[i].text);
	}
	free(st->ev);
	buf_free(&st->tailbuf);
	free(st->rts);
	free(st->rvs);
	free(st->path);
	free(st);
}

/* Fail an open: copy the message, free everything. */
static struct store *
open_fail(struct store *st, char *err, size_t errlen)
{
	copyerr(st, err, errlen);
	store_free(st);
	return NULL;
}

static char *
uri_for(const char *path, const char *query)
{
	struct buf b = {0};
	const unsigned char *p;

	buf_adds(&b, "file:");
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f)
			buf_printf(&b, "%%%02X", *p);
		else
			buf_addc(&b, (char)*p);
	}
	buf_printf(&b, "?%s", query);
	return buf_detach(&b);
}

/* Who holds the write lock: the pid the writer put in meta. */
static long
writer_pid_of(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	long pid = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = "
	    "'writer_pid'", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		pid = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return pid;
}

/* Check the identity and version of an open file.  fresh is set when
 * the file holds no schema at all (only a writer may then create it). */
static int
check_identity(struct store *st, int *fresh)
{
	int64_t appid, version, ntables;
	char app[32] = "";
	sqlite3_stmt *q;
	int rc;

	*fresh = 0;
	rc = query_int(st, "PRAGMA application_id", 0, &appid);
	if (rc != 0) {
		int code = sqlite3_extended_errcode(st->db) & 0xff;

		if (code == SQLITE_NOTADB)
			seterr(st, "%s: not a modeltop recording", st->path);
		return -1;
	}
	if (query_int(st, "PRAGMA user_version", 0, &version) != 0 ||
	    query_int(st, "SELECT count(*) FROM sqlite_master", 0, &ntables) != 0)
		return -1;
	if (appid == 0 && version == 0 && ntables == 0) {
		*fresh = 1;
		return 0;
	}
	if (appid != STORE_APPLICATION_ID) {
		seterr(st, "%s: not a modeltop recording", st->path);
		return -1;
	}
	if (version > STORE_SCHEMA_VERSION) {
		seterr(st, "%s: was written by a newer modeltop (schema %lld, "
		    "this build reads up to %d)", st->path, (long long)version,
		    STORE_SCHEMA_VERSION);
		return -1;
	}
	if (version < 1) {
		seterr(st, "%s: not a modeltop recording (schema %lld)",
		    st->path, (long long)version);
		return -1;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'app'",
	    -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW &&
		    sqlite3_column_text(q, 0) != NULL)
			util_strlcpy(app, (const char *)sqlite3_column_text(q, 0),
			    sizeof app);
		sqlite3_finalize(q);
	}
	if (strcmp(app, "modeltop") != 0) {
		seterr(st, "%s: not a modeltop recording (no meta)", st->path);
		return -1;
	}
	return 0;
}

/* Bring a writer's file to STORE_SCHEMA_VERSION, creating it when
 * fresh.  All in one transaction. */
static int
migrate(struct store *st, int fresh)
{
	int64_t version = 0;
	char sql[256];
	int v;

	if (fresh) {
		/* only before the first table; page_size also not in WAL */
		snprintf(sql, sizeof sql, "PRAGMA page_size = %d", PAGE_SIZE);
		if (exec(st, sql) != 0 ||
		    exec(st, "PRAGMA auto_vacuum = INCREMENTAL") != 0)
			return -1;
	} else if (query_int(st, "PRAGMA user_version", 0, &version) != 0)
		return -1;
	if (exec(st, "PRAGMA journal_mode = WAL") != 0)
		return -1;
	if (version >= STORE_SCHEMA_VERSION)
		return 0;
	if (exec(st, "BEGIN IMMEDIATE") != 0)
		return -1;
	for (v = (int)version; v < STORE_SCHEMA_VERSION; v++) {
		if (exec(st, migrations[v]) != 0)
			goto fail;
	}
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; "
	    "PRAGMA user_version = %d", STORE_APPLICATION_ID,
	    STORE_SCHEMA_VERSION);
	if (exec(st, sql) != 0)
		goto fail;
	if (fresh) {
		snprintf(sql, sizeof sql, "INSERT INTO meta (key, value) VALUES "
		    "('app', 'modeltop'), ('schema_version', %d), "
		    "('created_ms', %lld), ('chunk_span_max_ms', %lld), "
		    "('writer_pid', 0)", STORE_SCHEMA_VERSION,
		    (long long)util_now_ms(), (long long)STORE_CHUNK_SPAN_MS);
	} else {
		snprintf(sql, sizeof sql, "UPDATE meta SET value = %d "
		    "WHERE key = 'schema_version'", STORE_SCHEMA_VERSION);
	}
	if (exec(st, sql) != 0 || exec(st, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	rollback(st);
	return -1;
}

static struct store *
open_writer(struct store *st, char *err, size_t errlen)
{
	struct stat sb;
	uint8_t hdr[16];
	ssize_t n;
	int fresh;
	char sql[128];

	if (util_mkdir_parents(st->path) != 0) {
		seterr(st, "%s: %s", st->path, strerror(errno));
		return open_fail(st, err, errlen);
	}
	st->lockfd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (st->lockfd == -1) {
		seterr(st, "%s: %s", st->path, strerror(errno));
		return open_fail(st, err, errlen);
	}
	if (fstat(st->lockfd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		seterr(st, "%s: not a regular file", st->path);
		return open_fail(st, err, errlen);
	}
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	file_hold(st->dev, st->ino);
	st->held = 1;
	if (flock(st->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			seterr(st, "%s is being recorded by another modeltop "
			    "(pid %ld)", st->path, writer_pid_of(st->path));
		else
			seterr(st, "%s: cannot lock: %s", st->path, strerror(errno));
		return open_fail(st, err, errlen);
	}
	/* refuse what is not SQLite before SQLite writes to it */
	n = pread(st->lockfd, hdr, sizeof hdr, 0);
	if (n < 0) {
		seterr(st, "%s: %s", st->path, strerror(errno));
		return open_fail(st, err, errlen);
	}
	if (n > 0 && (n < (ssize_t)sizeof hdr ||
	    memcmp(hdr, "SQLite format 3", 16) != 0)) {
		seterr(st, "%s: not a modeltop recording", st->path);
		return open_fail(st, err, errlen);
	}

	if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sqlerr(st, "opening");
		return open_fail(st, err, errlen);
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 2000);
	if (check_identity(st, &fresh) != 0 || migrate(st, fresh) != 0)
		return open_fail(st, err, errlen);
	/* NORMAL in WAL mode: a process crash loses nothing committed; an
	 * OS crash may lose the last commits since the last checkpoint */
	snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint = %d",
	    WAL_AUTOCHECKPOINT);
	if (exec(st, "PRAGMA synchronous = NORMAL") != 0 ||
	    exec(st, "PRAGMA cache_size = -32768") != 0 ||
	    exec(st, "PRAGMA journal_size_limit = 67108864") != 0 ||
	    exec(st, sql) != 0)
		return open_fail(st, err, errlen);
	snprintf(sql, sizeof sql, "UPDATE meta SET value = %ld WHERE key = "
	    "'writer_pid'", (long)getpid());
	if (exec(st, sql) != 0 || series_load(st) != 0 ||
	    writer_reload(st) != 0 ||
	    query_int(st, "PRAGMA page_size", 0, &st->page_size) != 0)
		return open_fail(st, err, errlen);
	st->hintfd = st->lockfd;
	return st;
}

static struct store *
open_reader(struct store *st, char *err, size_t errlen)
{
	struct stat sb;
	int fresh, rc, immutable = 0;

	if (stat(st->path, &sb) != 0) {
		seterr(st, "%s: %s", st->path, strerror(errno));
		return open_fail(st, err, errlen);
	}
	if (S_ISDIR(sb.st_mode)) {
		seterr(st, "%s: %s", st->path, strerror(EISDIR));
		return open_fail(st, err, errlen);
	}
	if (sb.st_size == 0) {
		seterr(st, "%s: empty file, not a modeltop recording", st->path);
		return open_fail(st, err, errlen);
	}
	if (access(st->path, R_OK) != 0) {
		seterr(st, "%s: %s", st->path, strerror(errno));
		return open_fail(st, err, errlen);
	}
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	file_hold(st->dev, st->ino);
	st->held = 1;
	/* only for posix_fadvise; never closed while SQLite has the file
	 * open (see the registry) */
	st->hintfd = open(st->path, O_RDONLY | O_CLOEXEC);
again:
	if (immutable) {
		char *uri = uri_for(st->path, "immutable=1");

		rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_URI, NULL);
		free(uri);
	} else
		rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		sqlerr(st, "opening");
		return open_fail(st, err, errlen);
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 2000);
	if (check_identity(st, &fresh) != 0) {
		int code = sqlite3_extended_errcode(st->db) & 0xff;

		/* a WAL file needs its -shm index; in a directory we may
		 * not write, read the checkpointed file as immutable */
		if (!immutable && (code == SQLITE_CANTOPEN ||
		    code == SQLITE_READONLY)) {
			sqlite3_close(st->db);
			st->db = NULL;
			immutable = 1;
			goto again;
		}
		if (st->errmsg[0] == '\0')
			sqlerr(st, "reading");
		return open_fail(st, err, errlen);
	}
	if (fresh) {
		seterr(st, "%s: not a modeltop recording", st->path);
		return open_fail(st, err, errlen);
	}
	sqlite3_exec(st->db, "PRAGMA query_only = 1", NULL, NULL, NULL);
	if (query_int(st, "PRAGMA page_size", 0, &st->page_size) != 0 ||
	    store_refresh(st) != 0)
		return open_fail(st, err, errlen);
	return st;
}

struct store *
store_open(const char *path, int mode, char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof *st);

	st->path = xstrdup(path);
	st->mode = mode;
	st->lockfd = -1;
	st->hintfd = -1;
	st->chunk_points = STORE_CHUNK_POINTS;
	st->hold_max = HOLD_POINTS;
	st->span_limit_ms = STORE_CHUNK_SPAN_MS;
	st->span_max_ms = STORE_CHUNK_SPAN_MS;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path[0] == '\0') {
		seterr(st, "empty database path");
		return open_fail(st, err, errlen);
	}
	if (mode == STORE_WRITE)
		return open_writer(st, err, errlen);
	return open_reader(st, err, errlen);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->mode == STORE_WRITE && st->db != NULL) {
		if (check_file(st) != 0 && st->gone) {
			/* leave no frames of the deleted file in a -wal still
			 * at the path, where a new recording would find it */
			sqlite3_wal_checkpoint_v2(st->db, NULL,
			    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		} else if (check_file(st) != 0) {
			/* immutable: not even the checkpoint SQLite runs on
			 * close may touch the mapped -shm */
			sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
			    1, NULL);
		} else {
			if (store_commit(st, NULL, 0) == 0)
				exec(st, "UPDATE meta SET value = 0 WHERE key = "
				    "'writer_pid'");
			store_checkpoint(st);
		}
	}
	store_free(st);
}

/* ---- writing ---- */

int64_t
store_series(struct store *st, const char *worker, const char *metric,
    const char *labels, size_t labels_len)
{
	uint64_t h;
	int64_t id;

	if (worker == NULL)
		worker = "";
	if (labels == NULL) {
		labels = "";
		labels_len = 0;
	}
	if (metric == NULL) {
		seterr(st, "%s: series without a metric name", st->path);
		return -1;
	}
	h = series_hash(worker, metric, labels, labels_len);
	if ((id = series_lookup(st, h, worker, metric, labels, labels_len)) != -1)
		return id;
	if (st->mode != STORE_WRITE) {
		seterr(st, "%s: no such series", st->path);
		return -1;
	}
	/* the row is written with the next commit, in its transaction: a
	 * series that appears while writes fail (disk full) gets its id
	 * and its points are held like any other */
	id = st->max_series_id + 1;
	if (id <= 0 || id > MAX_SERIES_ID) {
		seterr(st, "%s: too many series (id %lld)", st->path, (long long)id);
		return -1;
	}
	st->unsaved = xgrow(st->unsaved, &st->unsavedcap, st->nunsaved + 1,
	    sizeof *st->unsaved);
	st->unsaved[st->nunsaved++] = st->nents;
	series_add(st, id, worker, metric, labels, labels_len);
	return id;
}

void
store_append(struct store *st, int64_t series_id, int64_t ts_ms, double v)
{
	struct pending *p;

	if (st->mode != STORE_WRITE || series_id <= 0 ||
	    series_id > st->max_series_id) {
		st->dropped++;
		return;
	}
	if (st->npend == st->pendcap)
		st->pend = xgrow(st->pend, &st->pendcap, st->npend + 1,
		    sizeof *st->pend);
	p = &st->pend[st->npend++];
	p->id = series_id;
	p->ts = ts_ms;
	p->v = v;
}

void
store_event(struct store *st, int64_t ts_ms, const char *worker,
    const char *kind, const char *text)
{
	struct pevent *e;

	if (st->mode != STORE_WRITE)
		return;
	st->ev = xgrow(st->ev, &st->evcap, st->nev + 1, sizeof *st->ev);
	e = &st->ev[st->nev++];
	e->ts = ts_ms;
	e->worker = worker != NULL ? xstrdup(worker) : NULL;
	e->kind = xstrdup(kind != NULL ? kind : "");
	e->text = xstrdup(text != NULL ? text : "");
}

static int
write_tail_row(struct store *st, int64_t row_ts)
{
	sqlite3_stmt *q;

	/* in place of the stale row of an older epoch: no page is
	 * allocated or freed in the steady state, so a commit writes little
	 * more than the one page holding the row */
	q = prep(st, &st->q_tail_ins, "INSERT OR REPLACE INTO tail (id, epoch, "
	    "ts, data) VALUES (?, ?, ?, ?)");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, st->tail_last + 1);
	sqlite3_bind_int64(q, 2, st->seal_id);
	sqlite3_bind_int64(q, 3, row_ts);
	sqlite3_bind_blob(q, 4, st->tailbuf.data, (int)st->tailbuf.len,
	    SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		sqlerr(st, "writing");
		sqlite3_reset(q);
		return -1;
	}
	sqlite3_reset(q);
	st->tail_last++;
	return 0;
}

/* The rows of the series created since the last commit. */
static int
write_series(struct store *st)
{
	sqlite3_stmt *q;
	size_t i;

	if (st->nunsaved == 0)
		return 0;
	q = prep(st, &st->q_series_ins, "INSERT INTO series (id, worker, "
	    "metric, labels) VALUES (?, ?, ?, ?)");
	if (q == NULL)
		return -1;
	for (i = 0; i < st->nunsaved; i++) {
		const struct series_ent *e = &st->ents[st->unsaved[i]];

		sqlite3_bind_int64(q, 1, e->id);
		sqlite3_bind_text(q, 2, e->worker, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, e->metric, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, e->labels, (int)e->labels_len,
		    SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE) {
			sqlerr(st, "writing");
			sqlite3_reset(q);
			sqlite3_clear_bindings(q);
			return -1;
		}
		sqlite3_reset(q);
	}
	sqlite3_clear_bindings(q);
	return 0;
}

static int
write_events(struct store *st)
{
	sqlite3_stmt *q;
	size_t i;

	if (st->nev == 0)
		return 0;
	q = prep(st, &st->q_event_ins, "INSERT INTO events (ts, worker, kind, "
	    "text) VALUES (?, ?, ?, ?)");
	if (q == NULL)
		return -1;
	for (i = 0; i < st->nev; i++) {
		struct pevent *e = &st->ev[i];

		sqlite3_bind_int64(q, 1, e->ts);
		if (e->worker != NULL)
			sqlite3_bind_text(q, 2, e->worker, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(q, 2);
		sqlite3_bind_text(q, 3, e->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, e->text, -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE) {
			sqlerr(st, "writing");
			sqlite3_reset(q);
			return -1;
		}
		sqlite3_reset(q);
	}
	sqlite3_clear_bindings(q);
	return 0;
}

static void
events_clear(struct store *st)
{
	size_t i;

	for (i = 0; i < st->nev; i++) {
		free(st->ev[i].worker);
		free(st->ev[i].kind);
		free(st->ev[i].text);
	}
	st->nev = 0;
}

/* Append the batch to the open chunks and the tail row, sealing on the
 * way where a limit is reached.  Inside the transaction. */
static int
commit_points(struct store *st)
{
	size_t i;
	int64_t prev_id = 0, row_ts, lo, hi;
	unsigned hard = st->chunk_points * 4;

	if (st->npend == 0)
		return 0;
	row_ts = st->pend[0].ts;
	buf_clear(&st->tailbuf);
	buf_addc(&st->tailbuf, TAIL_FORMAT);
	for (i = 0; i < st->npend; i++) {
		const struct pending *p = &st->pend[i];

		if (st->open_points > 0) {
			lo = p->ts < st->ep_min ? p->ts : st->ep_min;
			hi = p->ts > st->ep_max ? p->ts : st->ep_max;
			/* a gap or a clock step: close what is open first;
			 * a bulk batch: never let one chunk grow unbounded */
			if (sat_sub(hi, lo) > st->span_limit_ms ||
			    st->open[p->id].n >= hard) {
				if (seal_all(st) != 0)
					return -1;
				buf_clear(&st->tailbuf);
				buf_addc(&st->tailbuf, TAIL_FORMAT);
				prev_id = 0;
				row_ts = p->ts;
			}
		}
		tail_put(st, &prev_id, row_ts, p);
	}
	if (st->open_max_n >= st->chunk_points)
		return seal_all(st);
	if (st->tailbuf.len > 1)
		return write_tail_row(st, row_ts);
	return 0;
}

/* Can the writer touch the file at all?  Not when the file at the path
 * is no longer the one open (deleted or replaced under a running writer:
 * every later commit would go with it when the writer exits), nor when a
 * file of the recording was made immutable or append-only (chattr +i):
 * the kernel then answers a store into the mapped WAL index (-shm) with
 * SIGBUS, so no statement may run.  0, or -1 with the message set. */
static int
check_file(struct store *st)
{
	struct stat sb;
	char why[128];

	if (!st->gone) {
		if (stat(st->path, &sb) == 0) {
			if (sb.st_dev != st->dev || sb.st_ino != st->ino)
				st->gone = 1;
		} else if (errno == ENOENT)
			st->gone = 1;
	}
	if (st->gone) {
		seterr(st, "%s was deleted or replaced while being recorded: "
		    "what is written now would be lost", st->path);
		return -1;
	}
	if (file_flags_refuse(st, why, sizeof why)) {
		seterr(st, "%s: read-only, cannot write (%s)", st->path, why);
		return -1;
	}
	return 0;
}

/* One attempt: the batch in one transaction.  On failure the file is
 * rolled back, the open chunks are rebuilt from it and the batch stays
 * buffered. */
static int
commit_once(struct store *st)
{
	char msg[sizeof st->errmsg];

	if (exec(st, "BEGIN IMMEDIATE") == 0 && write_series(st) == 0 &&
	    commit_points(st) == 0 && write_events(st) == 0 &&
	    exec(st, "COMMIT") == 0) {
		st->nunsaved = 0;
		return 0;
	}
	/* the rollback undid the file; undo the memory the same way */
	memcpy(msg, st->errmsg, sizeof msg);
	rollback(st);
	writer_reload(st);
	memcpy(st->errmsg, msg, sizeof msg);
	return -1;
}

/* Keep the held batch within hold_max points (and HOLD_EVENTS events):
 * the oldest go, counted, and the recording says so once it can. */
static void
hold_trim(struct store *st)
{
	size_t n, i;

	if (st->npend > st->hold_max) {
		n = st->npend - st->hold_max;
		for (i = 0; i < n; i++) {
			int64_t ts = st->pend[i].ts;

			if (st->lost_points == 0 && i == 0)
				st->lost_from = st->lost_to = ts;
			if (ts < st->lost_from)
				st->lost_from = ts;
			if (ts > st->lost_to)
				st->lost_to = ts;
		}
		st->lost_points += n;
		memmove(st->pend, st->pend + n, (st->npend - n) *
		    sizeof *st->pend);
		st->npend -= n;
	}
	if (st->nev > HOLD_EVENTS) {
		n = st->nev - HOLD_EVENTS;
		for (i = 0; i < n; i++) {
			free(st->ev[i].worker);
			free(st->ev[i].kind);
			free(st->ev[i].text);
		}
		memmove(st->ev, st->ev + n, (st->nev - n) * sizeof *st->ev);
		st->nev -= n;
		st->lost_events += n;
	}
}

static void
fmt_time(int64_t ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Writing works again after failed commits: say so in the recording,
 * with what could not be kept. */
static void
note_recovered(struct store *st, int64_t now)
{
	char since[32], from[32], to[32], lost[256] = "";
	struct buf b = {0};

	fmt_time(st->fail_since_ms, since, sizeof since);
	if (st->lost_points > 0 || st->lost_events > 0) {
		fmt_time(st->lost_from, from, sizeof from);
		fmt_time(st->lost_to, to, sizeof to);
		snprintf(lost, sizeof lost, "; %llu points (%s to %s) and %llu "
		    "events were dropped: the memory hold was full",
		    (unsigned long long)st->lost_points, from, to,
		    (unsigned long long)st->lost_events);
	}
	buf_printf(&b, "writing %s failed from %s for %lld s (%llu attempts); "
	    "the samples held in memory meanwhile are written%s", st->path,
	    since, (long long)((now - st->fail_since_ms) / 1000),
	    (unsigned long long)st->fail_commits, lost[0] != '\0' ? lost :
	    ", nothing was lost");
	store_event(st, now, NULL, "store", b.data);
	buf_free(&b);
	st->fail_since_ms = 0;
	st->fail_commits = 0;
	st->lost_points = st->lost_events = 0;
}

int
store_commit(struct store *st, char *err, size_t errlen)
{
	int rc;

	if (st->mode != STORE_WRITE) {
		seterr(st, "%s: opened read-only", st->path);
		copyerr(st, err, errlen);
		return -1;
	}
	if (st->npend == 0 && st->nev == 0 && st->nunsaved == 0)
		return 0;
	if (check_file(st) != 0)
		rc = -1;
	else if ((rc = commit_once(st)) != 0 &&
	    (sqlite3_extended_errcode(st->db) & 0xff) == SQLITE_FULL) {
		char msg[sizeof st->errmsg];

		/* the WAL may be what filled the disk: copying it into the
		 * database and truncating it can make the room needed */
		memcpy(msg, st->errmsg, sizeof msg);
		if (store_checkpoint(st) == 0)
			rc = commit_once(st);
		else
			memcpy(st->errmsg, msg, sizeof msg);
	}
	if (rc != 0) {
		if (st->fail_since_ms == 0)
			st->fail_since_ms = util_now_ms();
		st->fail_commits++;
		hold_trim(st);
		copyerr(st, err, errlen);
		return -1;
	}
	st->npend = 0;
	events_clear(st);
	if (st->fail_since_ms != 0)
		note_recovered(st, util_now_ms());
	return 0;
}

/* Delete the seals (and their chunks) whose ids q, already bound,
 * selects.  Returns the number of chunks deleted, -1 on error. */
static int
delete_seals(struct store *st, sqlite3_stmt *q)
{
	sqlite3_stmt *dc = NULL, *ds = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0, i;
	int rc, total = 0;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		ids = xgrow(ids, &cap, n + 1, sizeof *ids);
		ids[n++] = sqlite3_column_int64(q, 0);
	}
	if (rc != SQLITE_DONE) {
		sqlerr(st, "reading");
		free(ids);
		return -1;
	}
	sqlite3_reset(q);
	if (n == 0) {
		free(ids);
		return 0;
	}
	if (sqlite3_prepare_v2(st->db, "DELETE FROM chunks WHERE id BETWEEN ? "
	    "AND ?", -1, &dc, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "DELETE FROM seals WHERE id = ?", -1,
	    &ds, NULL) != SQLITE_OK) {
		sqlerr(st, "writing");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(dc, 1, ids[i] << CHUNK_ID_BITS);
		sqlite3_bind_int64(dc, 2, ids[i] << CHUNK_ID_BITS | MAX_SERIES_ID);
		sqlite3_bind_int64(ds, 1, ids[i]);
		if (sqlite3_step(dc) != SQLITE_DONE) {
			sqlerr(st, "writing");
			goto fail;
		}
		total += sqlite3_changes(st->db);
		if (sqlite3_step(ds) != SQLITE_DONE) {
			sqlerr(st, "writing");
			goto fail;
		}
		sqlite3_reset(dc);
		sqlite3_reset(ds);
	}
	sqlite3_finalize(dc);
	sqlite3_finalize(ds);
	free(ids);
	return total;
fail:
	sqlite3_finalize(dc);
	sqlite3_finalize(ds);
	free(ids);
	return -1;
}

static int
db_size(struct store *st, uint64_t *bytes)
{
	int64_t pages, psize;

	if (query_int(st, "PRAGMA page_count", 0, &pages) != 0 ||
	    query_int(st, "PRAGMA page_size", PAGE_SIZE, &psize) != 0)
		return -1;
	*bytes = (uint64_t)pages * (uint64_t)psize;
	return 0;
}

/* Give free pages back to the file system. */
static void
shrink(struct store *st)
{
	exec(st, "PRAGMA incremental_vacuum");
	/* the vacuum moved pages from the end into the holes: the prefetch
	 * hints of the seals that were there are wrong now */
	exec(st, "UPDATE seals SET pg_lo = NULL, pg_hi = NULL WHERE pg_hi > "
	    "(SELECT page_count FROM pragma_page_count())");
	sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
}

int
store_retention(struct store *st, int64_t now_ms, int64_t max_age_ms,
    uint64_t max_bytes, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	int64_t due = 0, cutoff;
	uint64_t size;
	int deleted = 0, n, round;

	if (st->mode != STORE_WRITE) {
		seterr(st, "%s: opened read-only", st->path);
		goto fail;
	}
	if (check_file(st) != 0)
		goto fail;
	if (max_age_ms > 0) {
		cutoff = sat_sub(now_ms, max_age_ms);
		if (sqlite3_prepare_v2(st->db, "SELECT (SELECT count(*) FROM "
		    "(SELECT 1 FROM seals WHERE t_min < ?1 AND t_max < ?1 LIMIT 1))"
		    " + (SELECT count(*) FROM (SELECT 1 FROM events WHERE ts < ?1 "
		    "LIMIT 1))", -1, &q, NULL) != SQLITE_OK) {
			sqlerr(st, "reading");
			goto fail;
		}
		sqlite3_bind_int64(q, 1, cutoff);
		if (sqlite3_step(q) == SQLITE_ROW)
			due = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
		q = NULL;
		if (due > 0) {
			if (exec(st, "BEGIN IMMEDIATE") != 0)
				goto fail;
			if (sqlite3_prepare_v2(st->db, "SELECT id FROM seals "
			    "WHERE t_min < ?1 AND t_max < ?1", -1, &q,
			    NULL) != SQLITE_OK) {
				sqlerr(st, "reading");
				goto fail_tx;
			}
			sqlite3_bind_int64(q, 1, cutoff);
			if ((n = delete_seals(st, q)) < 0)
				goto fail_tx;
			sqlite3_finalize(q);
			q = NULL;
			deleted += n;
			if (sqlite3_prepare_v2(st->db, "DELETE FROM events "
			    "WHERE ts < ?", -1, &q, NULL) != SQLITE_OK) {
				sqlerr(st, "writing");
				goto fail_tx;
			}
			sqlite3_bind_int64(q, 1, cutoff);
			if (sqlite3_step(q) != SQLITE_DONE) {
				sqlerr(st, "writing");
				goto fail_tx;
			}
			sqlite3_finalize(q);
			q = NULL;
			if (exec(st, "COMMIT") != 0)
				goto fail_tx;
			shrink(st);
		}
	}
	if (max_bytes > 0) {
		if (db_size(st, &size) != 0)
			goto fail;
		if (size > max_bytes) {
			shrink(st);
			if (db_size(st, &size) != 0)
				goto fail;
		}
		for (round = 0; size > max_bytes && round < 64; round++) {
			uint64_t excess = size - max_bytes, sum = 0;
			int64_t upto = 0;
			sqlite3_stmt *s;

			/* how many of the oldest seals free that much */
			if (sqlite3_prepare_v2(st->db, "SELECT s.id, (SELECT "
			    "sum(length(data)) + 40 * count(*) FROM chunks WHERE id "
			    "BETWEEN s.id << 22 AND (s.id << 22) + 4194303) "
			    "FROM seals s ORDER BY s.id", -1, &s, NULL) != SQLITE_OK) {
				sqlerr(st, "reading");
				goto fail;
			}
			while (sum < excess && sqlite3_step(s) == SQLITE_ROW) {
				upto = sqlite3_column_int64(s, 0);
				sum += (uint64_t)sqlite3_column_int64(s, 1) + 64;
			}
			sqlite3_finalize(s);
			if (upto == 0)
				break;
			if (exec(st, "BEGIN IMMEDIATE") != 0)
				goto fail;
			if (sqlite3_prepare_v2(st->db, "SELECT id FROM seals "
			    "WHERE id <= ?", -1, &q, NULL) != SQLITE_OK) {
				sqlerr(st, "reading");
				goto fail_tx;
			}
			sqlite3_bind_int64(q, 1, upto);
			if ((n = delete_seals(st, q)) < 0)
				goto fail_tx;
			sqlite3_finalize(q);
			q = NULL;
			deleted += n;
			/* events older than the history that is left */
			if (exec(st, "DELETE FROM events WHERE ts < (SELECT "
			    "coalesce(min(t_min), -9223372036854775807 - 1) "
			    "FROM seals)") != 0 || exec(st, "COMMIT") != 0)
				goto fail_tx;
			shrink(st);
			if (db_size(st, &size) != 0)
				goto fail;
		}
	}
	return deleted;
fail_tx:
	{
		char msg[sizeof st->errmsg];

		memcpy(msg, st->errmsg, sizeof msg);
		sqlite3_finalize(q);
		q = NULL;
		rollback(st);
		memcpy(st->errmsg, msg, sizeof msg);
	}
fail:
	sqlite3_finalize(q);
	copyerr(st, err, errlen);
	return -1;
}

int
store_checkpoint(struct store *st)
{
	int rc;

	if (st->mode != STORE_WRITE) {
		seterr(st, "%s: opened read-only", st->path);
		return -1;
	}
	if (check_file(st) != 0)
		return -1;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlerr(st, "checkpointing");
		return -1;
	}
	return 0;
}

/* ---- reading ---- */

int
store_refresh(struct store *st)
{
	int64_t seal_id;
	int begun;

	if (st->mode == STORE_WRITE)
		return 0;
	begun = read_begin(st);
	seal_id = st->seal_id;
	if (load_marks(st) != 0 || series_load(st) != 0)
		goto fail;
	if (seal_id != st->seal_id || st->tail_broken) {
		/* the writer sealed: what we held is in chunks now (or we
		 * met a bad row, which the writer may have replaced) */
		open_reset(st);
		st->tail_last = 0;
		st->tail_broken = 0;
	}
	if (tail_load(st) < 0)
		goto fail;
	read_end(st, begun);
	return 0;
fail:
	read_end(st, begun);
	return -1;
}

/* Make room for n points in the decode scratch arrays. */
static void
scratch_reserve(struct store *st, size_t n)
{
	size_t cap = st->rcap;

	if (n <= cap)
		return;
	if (cap < 256)
		cap = 256;
	while (cap < n)
		cap *= 2;
	st->rts = xrealloc(st->rts, cap * sizeof *st->rts);
	st->rvs = xrealloc(st->rvs, cap * sizeof *st->rvs);
	st->rcap = cap;
}

/* Decode a chunk into the scratch arrays: the points up to the first
 * one past to_ms when its timestamps are ordered.  -1 when corrupt. */
static ssize_t
decode_chunk(struct store *st, const uint8_t *data, size_t len, int64_t to_ms)
{
	struct chunk_dec d;
	size_t n = 0;
	int rc;

	if (data == NULL || chunk_dec_init(&d, data, len) != 0)
		return -1;
	/* the header's count is untrusted: a point takes at least 2 bits */
	scratch_reserve(st, chunk_dec_count(&d) < len * 4 ?
	    chunk_dec_count(&d) : len * 4);
	for (;;) {
		if (n == st->rcap)
			scratch_reserve(st, n + 1);
		rc = chunk_dec_next(&d, &st->rts[n], &st->rvs[n]);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (st->rts[n++] > to_ms && chunk_dec_ordered(&d))
			break;
	}
	return (ssize_t)n;
}

/* Emit the points of one chunk inside [from, to].  0 done, 1 stopped. */
static int
emit_chunk(struct store *st, int64_t sid, const uint8_t *data, size_t len,
    int64_t from_ms, int64_t to_ms, store_point_fn fn, void *ctx)
{
	ssize_t n, i;

	if ((n = decode_chunk(st, data, len, to_ms)) < 0) {
		st->bad_chunks++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (st->rts[i] >= from_ms && st->rts[i] <= to_ms &&
		    fn(ctx, sid, st->rts[i], st->rvs[i]) != 0)
			return 1;
	}
	return 0;
}

static int
emit_open(struct store *st, int64_t sid, int64_t from_ms, int64_t to_ms,
    store_point_fn fn, void *ctx)
{
	struct chunk_enc *e;
	const uint8_t *data;
	size_t len;

	if (sid <= 0 || (size_t)sid >= st->nopen)
		return 0;
	e = &st->open[sid];
	if (e->n == 0 || chunk_enc_max_ts(e) < from_ms ||
	    chunk_enc_min_ts(e) > to_ms)
		return 0;
	data = chunk_enc_bytes(e, &len);
	return emit_chunk(st, sid, data, len, from_ms, to_ms, fn, ctx);
}

/* The seals whose time range meets [from, to], oldest first: triples
 * (id, first page, last page) in *out.  Returns the count, -1 on error. */
static ssize_t
seals_in(struct store *st, int64_t from_ms, int64_t to_ms, int64_t **out,
    size_t *cap)
{
	sqlite3_stmt *q;
	size_t n = 0;
	int rc;

	q = prep(st, &st->q_seals_win, "SELECT id, coalesce(pg_lo, 0), "
	    "coalesce(pg_hi, 0) FROM seals WHERE t_min >= ?1 AND t_min <= ?2 "
	    "AND t_max >= ?3 AND id <= ?4 ORDER BY id");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, sat_sub(from_ms, st->span_max_ms));
	sqlite3_bind_int64(q, 2, to_ms);
	sqlite3_bind_int64(q, 3, from_ms);
	sqlite3_bind_int64(q, 4, st->seal_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*out = xgrow(*out, cap, 3 * n + 3, sizeof **out);
		(*out)[3 * n] = sqlite3_column_int64(q, 0);
		(*out)[3 * n + 1] = sqlite3_column_int64(q, 1);
		(*out)[3 * n + 2] = sqlite3_column_int64(q, 2);
		n++;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		sqlerr(st, "reading");
		return -1;
	}
	return (ssize_t)n;
}

/* Ask the kernel to read a seal's pages in one go: SQLite reads them a
 * page at a time, and the kernel's own read-ahead, guessing, either
 * reads them one by one or far past what is needed. */
static void
prefetch(struct store *st, int64_t pg_lo, int64_t pg_hi)
{
	if (st->hintfd == -1 || pg_lo <= 0 || pg_hi < pg_lo ||
	    pg_hi - pg_lo > 65536 || st->page_size <= 0)
		return;
	posix_fadvise(st->hintfd, (off_t)((pg_lo - 1) * st->page_size),
	    (off_t)((pg_hi - pg_lo + 1) * st->page_size), POSIX_FADV_WILLNEED);
}

/* Sealed points in [from, to] of one series (sid > 0) or all. */
static int
read_sealed(struct store *st, int64_t sid, int64_t from_ms, int64_t to_ms,
    store_point_fn fn, void *ctx)
{
	sqlite3_stmt *q;
	int64_t *seals = NULL;
	size_t cap = 0;
	ssize_t n, i;
	int rc, ret = 0;

	if ((n = seals_in(st, from_ms, to_ms, &seals, &cap)) < 0) {
		free(seals);
		return -1;
	}
	q = prep(st, &st->q_chunks_range, "SELECT series_id, t_first, t_last, "
	    "data FROM chunks WHERE id BETWEEN ?1 AND ?2");
	if (q == NULL) {
		free(seals);
		return -1;
	}
	/* a window reads every chunk of its seals: fetch them whole (for
	 * one series that would read a thousand times what it needs) */
	for (i = 0; i < n && sid <= 0; i++)
		prefetch(st, seals[3 * i + 1], seals[3 * i + 2]);
	for (i = 0; i < n && ret == 0; i++) {
		int64_t base = seals[3 * i] << CHUNK_ID_BITS;

		sqlite3_bind_int64(q, 1, sid > 0 ? base | sid : base);
		sqlite3_bind_int64(q, 2, sid > 0 ? base | sid : base | MAX_SERIES_ID);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			int64_t cs = sqlite3_column_int64(q, 0);
			int64_t tf = sqlite3_column_int64(q, 1);
			int64_t tl = sqlite3_column_int64(q, 2);
			const uint8_t *data;
			size_t len;

			if (tl < from_ms || tf > to_ms)
				continue;
			data = sqlite3_column_blob(q, 3);
			len = (size_t)sqlite3_column_bytes(q, 3);
			if (emit_chunk(st, cs, data, len, from_ms, to_ms, fn,
			    ctx) != 0) {
				ret = 1;
				break;
			}
		}
		if (ret == 0 && rc != SQLITE_DONE) {
			sqlerr(st, "reading");
			ret = -1;
		}
		sqlite3_reset(q);
	}
	free(seals);
	return ret;
}

int
store_read(struct store *st, int64_t series_id, int64_t from_ms,
    int64_t to_ms, store_point_fn fn, void *ctx)
{
	int begun, ret;

	if (from_ms > to_ms || series_id <= 0)
		return 0;
	begun = read_begin(st);
	ret = read_sealed(st, series_id, from_ms, to_ms, fn, ctx);
	read_end(st, begun);
	if (ret != 0)
		return ret;
	return emit_open(st, series_id, from_ms, to_ms, fn, ctx);
}

int
store_read_window(struct store *st, int64_t from_ms, int64_t to_ms,
    store_point_fn fn, void *ctx)
{
	size_t i;
	int begun, ret;

	if (from_ms > to_ms)
		return 0;
	begun = read_begin(st);
	ret = read_sealed(st, 0, from_ms, to_ms, fn, ctx);
	read_end(st, begun);
	if (ret != 0)
		return ret;
	if (st->open_points == 0 || st->ep_max < from_ms || st->ep_min > to_ms)
		return 0;
	for (i = 1; i < st->nopen; i++) {
		if ((ret = emit_open(st, (int64_t)i, from_ms, to_ms, fn, ctx)) != 0)
			return ret;
	}
	return 0;
}

int
store_series_each(struct store *st, const char *worker_or_null,
    const char *metric_or_null, store_series_fn fn, void *ctx)
{
	sqlite3_stmt *q;
	struct store_series_info si;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT id, worker, metric, labels FROM "
	    "series WHERE (?1 IS NULL OR worker = ?1) AND (?2 IS NULL OR "
	    "metric = ?2) ORDER BY id", -1, &q, NULL) != SQLITE_OK) {
		sqlerr(st, "reading");
		return -1;
	}
	if (worker_or_null != NULL)
		sqlite3_bind_text(q, 1, worker_or_null, -1, SQLITE_STATIC);
	if (metric_or_null != NULL)
		sqlite3_bind_text(q, 2, metric_or_null, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *l;

		si.id = sqlite3_column_int64(q, 0);
		si.worker = (const char *)sqlite3_column_text(q, 1);
		si.metric = (const char *)sqlite3_column_text(q, 2);
		l = (const char *)sqlite3_column_text(q, 3);
		si.labels_len = l != NULL ? (size_t)sqlite3_column_bytes(q, 3) : 0;
		si.labels = l != NULL ? l : "";
		if (si.worker == NULL)
			si.worker = "";
		if (si.metric == NULL)
			si.metric = "";
		if (fn(ctx, &si) != 0) {
			ret = 1;
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		sqlerr(st, "reading");
		ret = -1;
	}
	sqlite3_finalize(q);
	return ret;
}

int
store_events_each(struct store *st, int64_t from_ms, int64_t to_ms,
    store_event_fn fn, void *ctx)
{
	sqlite3_stmt *q;
	struct store_event_info ei;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT id, ts, worker, kind, text FROM "
	    "events WHERE ts >= ? AND ts <= ? ORDER BY ts, id", -1, &q,
	    NULL) != SQLITE_OK) {
		sqlerr(st, "reading");
		return -1;
	}
	sqlite3_bind_int64(q, 1, from_ms);
	sqlite3_bind_int64(q, 2, to_ms);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		ei.id = sqlite3_column_int64(q, 0);
		ei.ts_ms = sqlite3_column_int64(q, 1);
		ei.worker = (const char *)sqlite3_column_text(q, 2);
		ei.kind = (const char *)sqlite3_column_text(q, 3);
		ei.text = (const char *)sqlite3_column_text(q, 4);
		if (ei.kind == NULL)
			ei.kind = "";
		if (ei.text == NULL)
			ei.text = "";
		if (fn(ctx, &ei) != 0) {
			ret = 1;
			break;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		sqlerr(st, "reading");
		ret = -1;
	}
	sqlite3_finalize(q);
	return ret;
}

int
store_span(struct store *st, int64_t *first_ms, int64_t *last_ms)
{
	sqlite3_stmt *q;
	int have = 0;
	int64_t lo = 0, hi = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT min(t_min), max(t_max) FROM "
	    "seals WHERE id <= ?", -1, &q, NULL) != SQLITE_OK) {
		sqlerr(st, "reading");
		return -1;
	}
	sqlite3_bind_int64(q, 1, st->seal_id);
	if (sqlite3_step(q) == SQLITE_ROW &&
	    sqlite3_column_type(q, 0) != SQLITE_NULL) {
		lo = sqlite3_column_int64(q, 0);
		hi = sqlite3_column_int64(q, 1);
		have = 1;
	}
	sqlite3_finalize(q);
	if (st->open_points > 0) {
		if (!have || st->ep_min < lo)
			lo = st->ep_min;
		if (!have || st->ep_max > hi)
			hi = st->ep_max;
		have = 1;
	}
	if (!have)
		return 1;
	*first_ms = lo;
	*last_ms = hi;
	return 0;
}

int
store_next_time(struct store *st, int64_t sid, int64_t after_ms,
    int64_t *next_ms)
{
	sqlite3_stmt *q;
	int64_t next = INT64_MAX;
	int rc;

	if (after_ms == INT64_MAX)
		return 1;
	/* a seal that began at or before after_ms and ends past it */
	q = prep(st, &st->q_seals_over, "SELECT 1 FROM seals WHERE t_min >= ?1 "
	    "AND t_min <= ?2 AND t_max > ?2 AND id <= ?3 LIMIT 1");
	if (q == NULL)
		return -1;
	sqlite3_bind_int64(q, 1, sat_sub(after_ms, st->span_max_ms));
	sqlite3_bind_int64(q, 2, after_ms);
	sqlite3_bind_int64(q, 3, st->seal_id);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_ROW)
		next = after_ms + 1;
	else if (rc != SQLITE_DONE)
		goto fail;
	else {
		/* else the first seal that begins after it */
		q = prep(st, &st->q_seals_next, "SELECT t_min FROM seals WHERE "
		    "t_min > ?1 AND id <= ?2 ORDER BY t_min LIMIT 1");
		if (q == NULL)
			return -1;
		sqlite3_bind_int64(q, 1, after_ms);
		sqlite3_bind_int64(q, 2, st->seal_id);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			next = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			goto fail;
	}
	/* the series' open chunk, point by point (in memory) */
	if (sid > 0 && (size_t)sid < st->nopen && st->open[sid].n > 0 &&
	    chunk_enc_max_ts(&st->open[sid]) > after_ms) {
		const uint8_t *data;
		struct chunk_dec d;
		int64_t ts;
		double v;
		size_t len;

		data = chunk_enc_bytes(&st->open[sid], &len);
		if (chunk_dec_init(&d, data, len) == 0)
			while (chunk_dec_next(&d, &ts, &v) == 1)
				if (ts > after_ms && ts < next)
					next = ts;
	}
	if (next == INT64_MAX)
		return 1;
	*next_ms = next;
	return 0;
fail:
	sqlerr(st, "reading");
	return -1;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

int
store_has_table(struct store *st, const char *name)
{
	sqlite3_stmt *q;
	int found = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'table' AND name = ?", -1, &q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

int
store_integrity_check(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	const char *r;
	int ok = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &q,
	    NULL) != SQLITE_OK) {
		sqlerr(st, "checking");
		copyerr(st, err, errlen);
		return -1;
	}
	if (sqlite3_step(q) == SQLITE_ROW) {
		r = (const char *)sqlite3_column_text(q, 0);
		if (r != NULL && strcmp(r, "ok") == 0)
			ok = 1;
		else
			seterr(st, "%s: integrity check: %s", st->path,
			    r != NULL ? r : "?");
	} else
		sqlerr(st, "checking");
	sqlite3_finalize(q);
	if (!ok) {
		copyerr(st, err, errlen);
		return -1;
	}
	return 0;
}

const char *
store_errmsg(const struct store *st)
{
	return st->errmsg;
}

int
store_check(struct store *st, char *err, size_t errlen)
{
	if (st->mode != STORE_WRITE)
		return 0;
	if (check_file(st) == 0)
		return 0;
	/* counts as a failed commit: the batch is held, within bounds */
	if (st->fail_since_ms == 0)
		st->fail_since_ms = util_now_ms();
	st->fail_commits++;
	hold_trim(st);
	copyerr(st, err, errlen);
	return -1;
}

int
store_gone(const struct store *st)
{
	return st->gone;
}

size_t
store_held(const struct store *st, int64_t *since_ms, uint64_t *lost)
{
	if (since_ms != NULL)
		*since_ms = st->fail_since_ms;
	if (lost != NULL)
		*lost = st->lost_points;
	return st->npend;
}

void
store_set_hold_limit(struct store *st, size_t points)
{
	st->hold_max = points > 0 ? points : 1;
}

uint64_t
store_bad_chunks(const struct store *st)
{
	return st->bad_chunks;
}

void
store_set_chunk_limits(struct store *st, unsigned points, int64_t span_ms)
{
	st->chunk_points = points < 2 ? 2 : points;
	st->span_limit_ms = span_ms < 1000 ? 1000 : span_ms;
}

const char *
store_migration_sql(int v)
{
	if (v < 1 || v > STORE_SCHEMA_VERSION)
		return NULL;
	return migrations[v - 1];
}

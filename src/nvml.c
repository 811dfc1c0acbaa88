/*
 * nvml.c -- GPU memory per process from NVML, loaded with dlopen and
 * collected in a background thread.
 *
 * No NVIDIA header is needed: the few types and entry points used are
 * declared here from the documented NVML API.  Newer symbol versions are
 * preferred (..._v3, then _v2, then the unversioned one); a version the
 * driver rejects with NVML_ERROR_FUNCTION_NOT_FOUND is dropped for the
 * next.  The process-info layouts differ: v3 and v2 entries are
 * {pid, usedGpuMemory, gpuInstanceId, computeInstanceId} (24 bytes), v1
 * entries {pid, usedGpuMemory} (16 bytes).
 *
 * Threads: the caller's thread only takes the mutex for a moment; the
 * collector thread calls NVML without holding it, then swaps the finished
 * table in under it.
 */
#include "nvml.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* From the NVML API reference. */
typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

#define NVML_SUCCESS			0
#define NVML_ERROR_NOT_SUPPORTED	3
#define NVML_ERROR_INSUFFICIENT_SIZE	7
#define NVML_ERROR_FUNCTION_NOT_FOUND	13
#define NVML_VALUE_NOT_AVAILABLE	(~0ULL)

struct nvml_process_info_v1 {
	unsigned int	   pid;
	unsigned long long usedGpuMemory;
};

struct nvml_process_info_v2 {		/* also the _v3 layout */
	unsigned int	   pid;
	unsigned long long usedGpuMemory;
	unsigned int	   gpuInstanceId;
	unsigned int	   computeInstanceId;
};

typedef nvmlReturn_t (*nvml_void_fn)(void);
typedef nvmlReturn_t (*nvml_count_fn)(unsigned int *);
typedef nvmlReturn_t (*nvml_handle_fn)(unsigned int, nvmlDevice_t *);
typedef nvmlReturn_t (*nvml_procs_fn)(nvmlDevice_t, unsigned int *, void *);
typedef const char *(*nvml_error_fn)(nvmlReturn_t);

#define QUERY_VERSIONS	3
#define CLOSE_WAIT_MS	1000
#define FIRST_CAP	32

/* One process list (compute or graphics), in its symbol versions, newest
 * first; cur is the one in use (QUERY_VERSIONS when none is left). */
struct nvml_query {
	const char	*what;		/* "compute", "graphics" */
	nvml_procs_fn	 fn[QUERY_VERSIONS];
	size_t		 stride[QUERY_VERSIONS];
	const char	*name[QUERY_VERSIONS];
	int		 cur;
};

struct nvml_entry {
	pid_t		 pid;
	int		 dev;
	uint64_t	 bytes;
};

struct nvml_mem {
	pid_t		 pid;
	uint64_t	 bytes;
};

struct nvml {
	void		*lib;
	nvml_void_fn	 shutdown;
	nvml_error_fn	 error_string;
	nvmlDevice_t	*devs;
	int		 ndev;
	struct nvml_query query[2];	/* compute, graphics */

	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	/* Under lock. */
	int		 want, busy, quit, done, orphan;
	struct nvml_mem	*mem;		/* sorted by pid */
	size_t		 nmem;
	uint64_t	 gen;
	int64_t		 done_ms;
	char		 error[256];

	/* The collector thread's own scratch space. */
	unsigned char	*buf;
	size_t		 bufcap;	/* entries of the largest stride */
	struct nvml_entry *ent;
	size_t		 nent, entcap;
	char		 cerror[256];
};

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
errstr(struct nvml *n, nvmlReturn_t r, char *tmp, size_t len)
{
	const char *s = NULL;

	if (n->error_string != NULL)
		s = n->error_string(r);
	if (s == NULL || *s == '\0') {
		snprintf(tmp, len, "NVML error %d", r);
		s = tmp;
	}
	return s;
}

static void *
sym(void *lib, const char *a, const char *b)
{
	void *p = dlsym(lib, a);

	if (p == NULL && b != NULL)
		p = dlsym(lib, b);
	return p;
}

static void
query_init(struct nvml_query *q, void *lib, const char *what, const char *base)
{
	static const char *suffix[QUERY_VERSIONS] = { "_v3", "_v2", "" };
	static const char *label[QUERY_VERSIONS] = { "v3", "v2", "v1" };
	static const size_t stride[QUERY_VERSIONS] = {
		sizeof(struct nvml_process_info_v2),
		sizeof(struct nvml_process_info_v2),
		sizeof(struct nvml_process_info_v1),
	};
	char name[96];
	int i;

	q->what = what;
	q->cur = QUERY_VERSIONS;
	for (i = QUERY_VERSIONS - 1; i >= 0; i--) {
		snprintf(name, sizeof name, "%s%s", base, suffix[i]);
		*(void **)&q->fn[i] = dlsym(lib, name);
		q->stride[i] = stride[i];
		q->name[i] = label[i];
		if (q->fn[i] != NULL)
			q->cur = i;
	}
}

/*
 * Append the processes of one list on device d to n->ent.  Returns 0, or -1
 * with n->cerror set.  NOT_SUPPORTED (no graphics on a compute card) is an
 * empty list.
 */
static int
collect_list(struct nvml *n, struct nvml_query *q, int d)
{
	struct nvml_process_info_v1 e;
	unsigned int count;
	nvmlReturn_t r = NVML_SUCCESS;
	char tmp[32];
	size_t i, stride;
	int tries;

	while (q->cur < QUERY_VERSIONS) {
		stride = q->stride[q->cur];
		for (tries = 0; tries < 5; tries++) {
			count = (unsigned int)n->bufcap;
			r = q->fn[q->cur](n->devs[d], &count, n->buf);
			if (r != NVML_ERROR_INSUFFICIENT_SIZE)
				break;
			/* count is now what it needs; leave room for
			 * processes that start meanwhile. */
			if (count < n->bufcap)
				count = (unsigned int)n->bufcap;
			n->bufcap = (size_t)count + count / 4 + 8;
			n->buf = xrealloc(n->buf, n->bufcap * sizeof(struct nvml_process_info_v2));
		}
		if (r == NVML_ERROR_FUNCTION_NOT_FOUND) {
			q->cur++;
			continue;
		}
		if (r == NVML_ERROR_NOT_SUPPORTED)
			return 0;
		if (r != NVML_SUCCESS) {
			snprintf(n->cerror, sizeof n->cerror, "device %d: %s processes (%s): %s",
			    d, q->what, q->name[q->cur], errstr(n, r, tmp, sizeof tmp));
			return -1;
		}
		if (count > n->bufcap)
			count = (unsigned int)n->bufcap;
		for (i = 0; i < count; i++) {
			/* pid and usedGpuMemory lead both layouts. */
			memcpy(&e, n->buf + i * stride, sizeof e);
			if (e.usedGpuMemory == NVML_VALUE_NOT_AVAILABLE || e.pid == 0)
				continue;
			n->ent = xgrow(n->ent, &n->entcap, n->nent + 1, sizeof *n->ent);
			n->ent[n->nent].pid = (pid_t)e.pid;
			n->ent[n->nent].dev = d;
			n->ent[n->nent].bytes = e.usedGpuMemory;
			n->nent++;
		}
		return 0;
	}
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct nvml_entry *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->dev < y->dev ? -1 : x->dev > y->dev;
}

/* Run one collection; the new table (caller frees) in *out. */
static void
collect(struct nvml *n, struct nvml_mem **out, size_t *nout)
{
	struct nvml_mem *mem = NULL;
	uint64_t devmax;
	size_t i, j, k, count = 0;
	int d, q;

	n->nent = 0;
	n->cerror[0] = '\0';
	for (d = 0; d < n->ndev; d++) {
		for (q = 0; q < 2; q++)
			collect_list(n, &n->query[q], d);
	}
	qsort(n->ent, n->nent, sizeof *n->ent, cmp_entry);
	if (n->nent > 0)
		mem = xmalloc(n->nent * sizeof *mem);
	for (i = 0; i < n->nent; i = j) {
		/* One pid: the largest figure per device (compute and
		 * graphics lists show the same memory), summed. */
		mem[count].pid = n->ent[i].pid;
		mem[count].bytes = 0;
		for (j = i; j < n->nent && n->ent[j].pid == n->ent[i].pid; j = k) {
			devmax = 0;
			for (k = j; k < n->nent && n->ent[k].pid == n->ent[j].pid &&
			    n->ent[k].dev == n->ent[j].dev; k++) {
				if (n->ent[k].bytes > devmax)
					devmax = n->ent[k].bytes;
			}
			mem[count].bytes += devmax;
		}
		count++;
	}
	*out = mem;
	*nout = count;
}

static void
nvml_free(struct nvml *n)
{
	if (n->shutdown != NULL)
		n->shutdown();
	if (n->lib != NULL)
		dlclose(n->lib);
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cond);
	free(n->devs);
	free(n->mem);
	free(n->buf);
	free(n->ent);
	free(n);
}

static void *
collector(void *arg)
{
	struct nvml *n = arg;
	struct nvml_mem *mem, *old;
	size_t nmem;
	int orphan;

	pthread_mutex_lock(&n->lock);
	for (;;) {
		while (!n->want && !n->quit)
			pthread_cond_wait(&n->cond, &n->lock);
		if (n->quit)
			break;
		n->want = 0;
		n->busy = 1;
		pthread_mutex_unlock(&n->lock);

		collect(n, &mem, &nmem);

		pthread_mutex_lock(&n->lock);
		old = n->mem;
		n->mem = mem;
		n->nmem = nmem;
		n->gen++;
		n->done_ms = util_mono_ms();
		memcpy(n->error, n->cerror, sizeof n->error);
		n->busy = 0;
		pthread_mutex_unlock(&n->lock);
		free(old);
		pthread_mutex_lock(&n->lock);
	}
	/* nvml_close decides under the lock whether it joins us or leaves
	 * the cleaning to us. */
	n->done = 1;
	orphan = n->orphan;
	pthread_mutex_unlock(&n->lock);
	if (orphan)
		nvml_free(n);
	return NULL;
}

struct nvml *
nvml_open(char *err, size_t errlen)
{
	const char *path = getenv("MODELTOP_NVML_LIB");
	nvml_void_fn init;
	nvml_count_fn getcount;
	nvml_handle_fn gethandle;
	struct nvml *n;
	sigset_t all, old;
	unsigned int count = 0, i;
	nvmlReturn_t r;
	char tmp[32];
	void *lib;

	if (path == NULL || *path == '\0')
		path = "libnvidia-ml.so.1";
	if ((lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		seterr(err, errlen, "%s", dlerror());
		return NULL;
	}
	n = xcalloc(1, sizeof *n);
	n->lib = lib;
	*(void **)&init = sym(lib, "nvmlInit_v2", "nvmlInit");
	*(void **)&getcount = sym(lib, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount");
	*(void **)&gethandle = sym(lib, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex");
	*(void **)&n->error_string = sym(lib, "nvmlErrorString", NULL);
	query_init(&n->query[0], lib, "compute", "nvmlDeviceGetComputeRunningProcesses");
	query_init(&n->query[1], lib, "graphics", "nvmlDeviceGetGraphicsRunningProcesses");
	if (init == NULL || getcount == NULL || gethandle == NULL ||
	    n->query[0].cur == QUERY_VERSIONS) {
		seterr(err, errlen, "%s: not NVML (entry points missing)", path);
		goto fail;
	}
	if ((r = init()) != NVML_SUCCESS) {
		seterr(err, errlen, "nvmlInit: %s", errstr(n, r, tmp, sizeof tmp));
		goto fail;
	}
	*(void **)&n->shutdown = sym(lib, "nvmlShutdown", NULL);
	if ((r = getcount(&count)) != NVML_SUCCESS) {
		seterr(err, errlen, "nvmlDeviceGetCount: %s", errstr(n, r, tmp, sizeof tmp));
		goto fail;
	}
	n->devs = xcalloc(count == 0 ? 1 : count, sizeof *n->devs);
	for (i = 0; i < count; i++) {
		/* A device we may not use (another container's) is skipped. */
		if (gethandle(i, &n->devs[n->ndev]) == NVML_SUCCESS)
			n->ndev++;
	}
	if (n->ndev == 0) {
		seterr(err, errlen, "no usable GPU (%u device%s)", count, count == 1 ? "" : "s");
		goto fail;
	}
	n->bufcap = FIRST_CAP;
	n->buf = xmalloc(n->bufcap * sizeof(struct nvml_process_info_v2));
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cond, NULL);

	/* The collector takes no signals: they are the main loop's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&n->thread, NULL, collector, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		seterr(err, errlen, "pthread_create: %s", strerror(r));
		nvml_free(n);
		return NULL;
	}
	return n;

fail:
	if (n->shutdown != NULL)
		n->shutdown();
	dlclose(lib);
	free(n->devs);
	free(n);
	return NULL;
}

void
nvml_close(struct nvml *n)
{
	struct timespec ts;
	int joined;

	if (n == NULL)
		return;
	pthread_mutex_lock(&n->lock);
	n->quit = 1;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += CLOSE_WAIT_MS / 1000;
	ts.tv_nsec += (long)(CLOSE_WAIT_MS % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	joined = pthread_timedjoin_np(n->thread, NULL, &ts) == 0;
	if (!joined) {
		pthread_mutex_lock(&n->lock);
		if (n->done) {
			/* It finished just now. */
			pthread_mutex_unlock(&n->lock);
			pthread_join(n->thread, NULL);
		} else {
			/* Stuck in NVML: it frees everything when it returns,
			 * so n is not touched after the unlock. */
			n->orphan = 1;
			pthread_detach(n->thread);
			pthread_mutex_unlock(&n->lock);
			return;
		}
	}
	nvml_free(n);
}

int
nvml_refresh_async(struct nvml *n)
{
	int started = 0;

	if (n == NULL)
		return -1;
	pthread_mutex_lock(&n->lock);
	if (!n->busy && !n->want && !n->quit) {
		n->want = 1;
		pthread_cond_signal(&n->cond);
		started = 1;
	}
	pthread_mutex_unlock(&n->lock);
	return started;
}

int
nvml_process_memory(struct nvml *n, pid_t pid, uint64_t *bytes, int64_t *age_ms)
{
	size_t lo, hi, mid;
	int found = 0;

	if (age_ms != NULL)
		*age_ms = -1;
	if (n == NULL)
		return 0;
	pthread_mutex_lock(&n->lock);
	if (age_ms != NULL && n->gen > 0)
		*age_ms = util_mono_ms() - n->done_ms;
	lo = 0;
	hi = n->nmem;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (n->mem[mid].pid == pid) {
			*bytes = n->mem[mid].bytes;
			found = 1;
			break;
		}
		if (n->mem[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	pthread_mutex_unlock(&n->lock);
	return found;
}

int
nvml_device_count(struct nvml *n)
{
	return n == NULL ? 0 : n->ndev;
}

uint64_t
nvml_generation(struct nvml *n)
{
	uint64_t gen;

	if (n == NULL)
		return 0;
	pthread_mutex_lock(&n->lock);
	gen = n->gen;
	pthread_mutex_unlock(&n->lock);
	return gen;
}

int
nvml_last_error(struct nvml *n, char *buf, size_t len)
{
	int has;

	if (len > 0)
		buf[0] = '\0';
	if (n == NULL)
		return 0;
	pthread_mutex_lock(&n->lock);
	has = n->error[0] != '\0';
	if (len > 0)
		util_strlcpy(buf, n->error, len);
	pthread_mutex_unlock(&n->lock);
	return has;
}

/*
 * fake_nvml.c -- a stand-in libnvidia-ml.so.1 for tests on hosts without a
 * GPU.  Built by the Makefile as build/tests/libnvidia-ml.so.1; point
 * MODELTOP_NVML_LIB at it.
 *
 * It exports the entry points nvml.c uses, in their symbol versions, and
 * answers from the environment, read on every call:
 *
 *   FAKE_NVML_PROCS="pid:bytes[:dev],..."	compute processes (dev 0 when
 *					not given; bytes "na" reports
 *					NVML_VALUE_NOT_AVAILABLE)
 *   FAKE_NVML_GRAPHICS="pid:bytes[:dev],..."	graphics processes, same form
 *   FAKE_NVML_DEVICES=N			device count (default 2)
 *   FAKE_NVML_DELAY_MS=N			sleep N ms in the compute-process
 *					query of device 0 (once per collection)
 *   FAKE_NVML_V1=1			the _v3 and _v2 process queries return
 *					NVML_ERROR_FUNCTION_NOT_FOUND, as on an
 *					old driver, and the unversioned ones
 *					answer in the v1 layout {pid, usedGpuMemory}.
 *					(Symbols cannot be removed at run time, so
 *					this tests the fallback on that error; the
 *					lookup order by symbol is the same code.)
 *   FAKE_NVML_INIT_FAIL=1		nvmlInit fails with "Driver Not Loaded"
 *   FAKE_NVML_FAIL=CODE		the compute-process queries return CODE
 *   FAKE_NVML_GRAPHICS_FAIL=CODE	the graphics-process queries return CODE
 *
 * fake_nvml_calls(NAME) returns how often "v3", "v2", "v1", "init" or
 * "shutdown" were called, for tests that dlopen this library too.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;

struct nvmlDevice_st {
	int index;
};
typedef struct nvmlDevice_st *nvmlDevice_t;

struct info_v1 {
	unsigned int	   pid;
	unsigned long long usedGpuMemory;
};

struct info_v2 {
	unsigned int	   pid;
	unsigned long long usedGpuMemory;
	unsigned int	   gpuInstanceId;
	unsigned int	   computeInstanceId;
};

#define MAX_DEVICES	16
#define MAX_PROCS	1024

static struct nvmlDevice_st devices[MAX_DEVICES];
static unsigned long calls_v3, calls_v2, calls_v1, calls_init, calls_shutdown;

#define EXPORT __attribute__((visibility("default")))

static void
count(unsigned long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static int
env_int(const char *name, int dflt)
{
	const char *s = getenv(name);

	return s != NULL && *s != '\0' ? atoi(s) : dflt;
}

static unsigned int
device_count(void)
{
	int n = env_int("FAKE_NVML_DEVICES", 2);

	if (n < 0)
		n = 0;
	if (n > MAX_DEVICES)
		n = MAX_DEVICES;
	return (unsigned int)n;
}

/* The entries of list (an environment variable) on device dev into
 * pids/bytes; returns how many. */
static unsigned int
parse_list(const char *var, int dev, unsigned int *pids, unsigned long long *bytes)
{
	const char *s = getenv(var);
	unsigned long long pid, b;
	unsigned int n = 0;
	char *end;
	int d;

	if (s == NULL)
		return 0;
	while (*s != '\0' && n < MAX_PROCS) {
		pid = strtoull(s, &end, 10);
		if (end == s || *end != ':')
			break;
		s = end + 1;
		if (strncmp(s, "na", 2) == 0) {
			b = ~0ULL;
			end = (char *)s + 2;
		} else
			b = strtoull(s, &end, 10);
		s = end;
		d = 0;
		if (*s == ':') {
			d = (int)strtol(s + 1, &end, 10);
			s = end;
		}
		if (d == dev) {
			pids[n] = (unsigned int)pid;
			bytes[n] = b;
			n++;
		}
		if (*s == ',')
			s++;
		else
			break;
	}
	return n;
}

static void
delay(void)
{
	int ms = env_int("FAKE_NVML_DELAY_MS", 0);
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static nvmlReturn_t
processes(const char *var, int version, nvmlDevice_t device, unsigned int *infoCount, void *infos)
{
	unsigned int pids[MAX_PROCS];
	unsigned long long bytes[MAX_PROCS];
	unsigned int n, i;
	struct info_v1 v1;
	struct info_v2 v2;

	if (version == 3)
		count(&calls_v3);
	else if (version == 2)
		count(&calls_v2);
	else
		count(&calls_v1);
	if (version != 1 && env_int("FAKE_NVML_V1", 0))
		return 13;	/* NVML_ERROR_FUNCTION_NOT_FOUND */
	if (device == NULL || infoCount == NULL)
		return 2;	/* NVML_ERROR_INVALID_ARGUMENT */
	if (env_int(strcmp(var, "FAKE_NVML_PROCS") == 0 ? "FAKE_NVML_FAIL" :
	    "FAKE_NVML_GRAPHICS_FAIL", 0) != 0)
		return env_int(strcmp(var, "FAKE_NVML_PROCS") == 0 ? "FAKE_NVML_FAIL" :
		    "FAKE_NVML_GRAPHICS_FAIL", 0);
	if (device->index == 0 && strcmp(var, "FAKE_NVML_PROCS") == 0)
		delay();
	n = parse_list(var, device->index, pids, bytes);
	if (*infoCount < n) {
		*infoCount = n;
		return n == 0 ? 0 : 7;	/* NVML_ERROR_INSUFFICIENT_SIZE */
	}
	*infoCount = n;
	if (n > 0 && infos == NULL)
		return 2;
	for (i = 0; i < n; i++) {
		if (version == 1) {
			memset(&v1, 0, sizeof v1);
			v1.pid = pids[i];
			v1.usedGpuMemory = bytes[i];
			memcpy((char *)infos + i * sizeof v1, &v1, sizeof v1);
		} else {
			memset(&v2, 0, sizeof v2);
			v2.pid = pids[i];
			v2.usedGpuMemory = bytes[i];
			v2.gpuInstanceId = 0xFFFFFFFF;
			v2.computeInstanceId = 0xFFFFFFFF;
			memcpy((char *)infos + i * sizeof v2, &v2, sizeof v2);
		}
	}
	return 0;
}

EXPORT nvmlReturn_t
nvmlInit_v2(void)
{
	count(&calls_init);
	return env_int("FAKE_NVML_INIT_FAIL", 0) ? 9 : 0;	/* NVML_ERROR_DRIVER_NOT_LOADED */
}

EXPORT nvmlReturn_t
nvmlInit(void)
{
	return nvmlInit_v2();
}

EXPORT nvmlReturn_t
nvmlShutdown(void)
{
	count(&calls_shutdown);
	return 0;
}

EXPORT nvmlReturn_t
nvmlDeviceGetCount_v2(unsigned int *deviceCount)
{
	if (deviceCount == NULL)
		return 2;
	*deviceCount = device_count();
	return 0;
}

EXPORT nvmlReturn_t
nvmlDeviceGetCount(unsigned int *deviceCount)
{
	return nvmlDeviceGetCount_v2(deviceCount);
}

EXPORT nvmlReturn_t
nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
	if (device == NULL || index >= device_count())
		return 2;
	devices[index].index = (int)index;
	*device = &devices[index];
	return 0;
}

EXPORT nvmlReturn_t
nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device)
{
	return nvmlDeviceGetHandleByIndex_v2(index, device);
}

EXPORT nvmlReturn_t
nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount, void *infos)
{
	return processes("FAKE_NVML_PROCS", 3, device, infoCount, infos);
}

EXPORT nvmlReturn_t
nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device, unsigned int *infoCount, void *infos)
{
	return processes("FAKE_NVML_PROCS", 2, device, infoCount, infos);
}

EXPORT nvmlReturn_t
nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *infoCount, void *infos)
{
	return processes("FAKE_NVML_PROCS", 1, device, infoCount, infos);
}

EXPORT nvmlReturn_t
nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount, void *infos)
{
	return processes("FAKE_NVML_GRAPHICS", 3, device, infoCount, infos);
}

EXPORT nvmlReturn_t
nvmlDeviceGetGraphicsRunningProcesses_v2(nvmlDevice_t device, unsigned int *infoCount, void *infos)
{
	return processes("FAKE_NVML_GRAPHICS", 2, device, infoCount, infos);
}

EXPORT nvmlReturn_t
nvmlDeviceGetGraphicsRunningProcesses(nvmlDevice_t device, unsigned int *infoCount, void *infos)
{
	return processes("FAKE_NVML_GRAPHICS", 1, device, infoCount, infos);
}

EXPORT const char *
nvmlErrorString(nvmlReturn_t result)
{
	switch (result) {
	case 0:
		return "Success";
	case 2:
		return "Invalid Argument";
	case 3:
		return "Not Supported";
	case 7:
		return "Insufficient Size";
	case 9:
		return "Driver Not Loaded";
	case 13:
		return "Function Not Found";
	case 15:
		return "GPU is lost";
	default:
		return "Unknown Error";
	}
}

/* Test hook: the number of calls of one kind. */
EXPORT unsigned long
fake_nvml_calls(const char *name)
{
	unsigned long *c = NULL;

	if (strcmp(name, "v3") == 0)
		c = &calls_v3;
	else if (strcmp(name, "v2") == 0)
		c = &calls_v2;
	else if (strcmp(name, "v1") == 0)
		c = &calls_v1;
	else if (strcmp(name, "init") == 0)
		c = &calls_init;
	else if (strcmp(name, "shutdown") == 0)
		c = &calls_shutdown;
	return c == NULL ? 0 : __atomic_load_n(c, __ATOMIC_RELAXED);
}

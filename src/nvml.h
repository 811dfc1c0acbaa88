/*
 * nvml.h -- optional GPU memory per process, from NVIDIA's NVML.
 *
 * libnvidia-ml.so.1 is loaded at run time with dlopen() (the environment
 * variable MODELTOP_NVML_LIB names another file, for tests); there is no
 * link-time dependency.  Collections run in one background thread so that
 * a slow or hung driver never stalls the caller: nvml_refresh_async() asks
 * for one, nvml_process_memory() answers from the latest that completed.
 *
 * Pids are those NVML reports: the host's pid namespace.  In a container
 * with its own pid namespace they will not match the container's pids.
 */
#ifndef MODELTOP_NVML_H
#define MODELTOP_NVML_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nvml;

/*
 * Load NVML, initialise it and start the collector thread.  Returns the
 * handle (the caller closes it with nvml_close), or NULL when there is no
 * library, no driver, no device or initialisation fails: that is normal on
 * a host without a GPU, not an error to show; err (may be NULL) says why,
 * for a debug log.  nvmlInit can take a second or more when the driver is
 * not in persistence mode: call this once at start-up.
 */
struct nvml *nvml_open(char *err, size_t errlen);

/* Stop the collector and unload NVML.  Waits at most one second for a
 * collection in progress; if NVML is stuck the thread is left to finish
 * and clean up on its own.  NULL is accepted. */
void nvml_close(struct nvml *n);

/*
 * Ask the collector thread for a new collection of per-pid GPU memory
 * (compute and graphics processes, over all devices).  Never blocks.
 * Returns 1 when a collection was started, 0 when one is still running or
 * already asked for (the request is skipped), -1 when n is NULL.
 */
int nvml_refresh_async(struct nvml *n);

/*
 * From the latest completed collection: 1 and in *bytes the GPU memory of
 * pid summed over devices (a process listed as both a compute and a
 * graphics user of one device counts once there), or 0 when pid uses no
 * GPU, no collection has completed yet or n is NULL.  *age_ms (may be NULL)
 * gets the milliseconds since that collection completed, -1 when none has.
 * Never blocks on NVML.  Entries whose memory NVML cannot tell
 * (NVML_VALUE_NOT_AVAILABLE) are left out.
 */
int nvml_process_memory(struct nvml *n, pid_t pid, uint64_t *bytes, int64_t *age_ms);

/* The number of devices found at nvml_open, 0 when n is NULL. */
int nvml_device_count(struct nvml *n);

/* The number of collections completed so far (it only grows): lets a
 * caller or a test see that new figures have arrived.  0 when n is NULL. */
uint64_t nvml_generation(struct nvml *n);

/* Copy the error of the latest failed collection into buf (empty when the
 * latest succeeded).  Returns 1 when there is one, else 0. */
int nvml_last_error(struct nvml *n, char *buf, size_t len);

#endif

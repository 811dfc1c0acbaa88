#!/usr/bin/env python3
"""One demo worker for modeltop: a fake model server with a known illness.

    worker.py --name NAME --port PORT --behaviour B [--log FILE]

It serves fake "inference requests" to itself in a loop (sleep, observe the
latency, sometimes fail) and exposes them through modeltop_agent on
http://127.0.0.1:PORT/metrics.  With --log, its stdout and stderr go to FILE
(appended): access lines, error tracebacks, the agent's trim lines, and the
traceback of a crash.  SIGTERM or SIGINT stops it cleanly (exit 0).

Behaviours (see README.md): healthy, leaking, fragmenting, errors,
crashloop, latency.  The timing flags exist so tests can run in seconds.

Standard library only; Python 3.8 or newer.
"""

import argparse
import datetime
import os
import random
import signal
import sys
import time
import traceback

# Prefer PYTHONPATH; fall back to the agent next to us (data/python), which
# is also where `make install` puts it relative to this file.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             os.pardir, "python"))
import modeltop_agent  # noqa: E402

BEHAVIOURS = ("healthy", "leaking", "fragmenting", "errors", "crashloop",
              "latency")
MB = 1 << 20


class Stop(BaseException):
    """Raised by the SIGTERM/SIGINT handler to leave the main loop."""


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="milliseconds")


def log(level, msg):
    sys.stderr.write("%s %s %s\n" % (now_iso(), level, msg))
    sys.stderr.flush()


def rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# ------------------------------------------------ fake model call stack
# A few real frames so the tracebacks in the log look like a server's.

class InferenceError(Exception):
    pass


def _check_output(logits):
    if logits != logits:
        raise ValueError("NaN in model output")
    return logits


def _forward(batch, fault):
    if fault == "cuda_oom":
        raise RuntimeError(
            "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; "
            "23.65 GiB total capacity; 21.98 GiB already allocated; "
            "1.12 GiB free; 22.30 GiB reserved in total by PyTorch)")
    if fault == "nan_output":
        return _check_output(float("nan"))
    return _check_output(sum(batch) / len(batch))


def _send_response(request_id, fault):
    if fault == "connection_reset":
        raise ConnectionResetError(104, "Connection reset by peer")
    if fault == "timeout":
        raise TimeoutError("upstream tokenizer service timed out after 5.0s")


def handle_request(request_id, fault):
    """One fake inference; raises the exception for FAULT, if any."""
    out = _forward([0.25, 0.5, 0.75], fault)
    _send_response(request_id, fault)
    return out


FAULT_KINDS = ("cuda_oom", "connection_reset", "nan_output")


# ------------------------------------------------ behaviours

class Behaviour:
    """Healthy by default; the others override a hook or two."""

    error_rate = 0.002

    def __init__(self, args, rng):
        self.args = args
        self.rng = rng
        self.t0 = time.monotonic()
        self.ballast = []

    def setup(self):
        # ~30 MB of steady ballast (written bytes, so it is resident).
        self.ballast = [b"h" * MB for _ in range(30)]

    def latency(self, now):
        return self.rng.uniform(0.020, 0.040)

    def fault(self, now):
        # A client that gives up now and then: counted as a failed
        # request, logged as an access line (no traceback), so a healthy
        # worker's log holds nothing an operator should act on.
        if self.rng.random() < self.error_rate:
            return "client_gone"
        return None

    def tick(self, now):
        pass


class Leaking(Behaviour):
    """Keeps every request's payload forever, ~1 MB/s, up to a cap."""

    def setup(self):
        self.leak = []
        self.leaked = 0
        self.record_size = 4000
        self.capped = False

    def tick(self, now):
        target = min(self.args.leak_cap * MB,
                     int(self.args.leak_rate * MB * (now - self.t0)))
        while self.leaked < target:
            # A request record kept in a "cache" nobody evicts.  (The size
            # is a variable: b"L" * 4000 would be one folded constant.)
            self.leak.append({"id": len(self.leak),
                              "prompt": b"L" * self.record_size})
            self.leaked += self.record_size + 250  # with the dict
        if not self.capped and self.leaked >= self.args.leak_cap * MB:
            self.capped = True
            log("INFO", "leak reached its cap of %d MB; holding" %
                self.args.leak_cap)


class Fragmenting(Behaviour):
    """Fills the glibc heap with small chunks, frees most, keeps every Nth.

    The chunks (600-1000 bytes) are above pymalloc's 512-byte limit, so
    they come from glibc malloc's main heap.  Freeing all but every Nth
    leaves the heap full of free holes that glibc cannot give back (the
    kept chunks pin its top), so RSS stays high while little is allocated.
    malloc_trim(0) releases the free pages inside the holes.
    """

    def setup(self):
        self.kept = []
        self.junk = None       # while (re)building
        self.built_rss = 0
        self.low_since = None
        self.build(self.args.frag_mb * MB)

    def build(self, total, step=None):
        """Allocate TOTAL bytes; all at once, or STEP bytes per tick."""
        self.kept = []
        self.junk = []
        self.remaining = total
        self.allocated = 0
        self.step = step
        if step is None:
            self.build_some(total)

    def build_some(self, budget):
        n = len(self.junk)
        keep = self.args.frag_keep
        while budget > 0 and self.remaining > 0:
            size = 600 + (n * 37) % 400
            b = b"f" * size
            if n % keep == 0:
                self.kept.append(b)
            else:
                self.junk.append(b)
            n += 1
            budget -= size
            self.remaining -= size
            self.allocated += size
        if self.remaining <= 0:
            count = len(self.junk) + len(self.kept)
            self.junk = None   # frees all but every Nth
            self.built_rss = rss_bytes()
            self.low_since = None
            log("INFO", "fragmented heap: allocated %d MB in %d objects, "
                "kept 1 in %d (%d MB live); rss %d MB" % (
                    self.allocated // MB, count, keep,
                    sum(len(k) for k in self.kept) // MB,
                    self.built_rss // MB))

    def tick(self, now):
        if self.junk is not None:
            self.build_some(self.step)
            return
        # After a trim, wait a few minutes, then fragment again (slowly)
        # so that the demo can be repeated.
        if rss_bytes() < 0.6 * self.built_rss:
            if self.low_since is None:
                self.low_since = now
            elif now - self.low_since >= self.args.refrag_after:
                log("INFO", "re-fragmenting the heap")
                self.build(self.args.frag_mb * MB, step=2 * MB)
        else:
            self.low_since = None


class Errors(Behaviour):
    """Bursts of failing requests every ~20-40 s, with real tracebacks."""

    def setup(self):
        Behaviour.setup(self)
        self.burst_left = 0
        self.next_burst = self.t0 + self.period()

    def period(self):
        p = self.args.error_period
        return self.rng.uniform(p, 2 * p)

    def fault(self, now):
        if self.burst_left == 0 and now >= self.next_burst:
            self.burst_left = self.rng.randint(4, 8)
            self.burst_kind = self.rng.randrange(len(FAULT_KINDS))
            log("WARNING", "error burst: next %d requests fail" %
                self.burst_left)
        if self.burst_left > 0:
            self.burst_left -= 1
            if self.burst_left == 0:
                self.next_burst = now + self.period()
            # Mostly one kind per burst, as real incidents are.
            if self.rng.random() < 0.75:
                return FAULT_KINDS[self.burst_kind]
            return self.rng.choice(FAULT_KINDS)
        return Behaviour.fault(self, now)


class Crashloop(Behaviour):
    """Runs 10-20 s, then dies of an uncaught exception."""

    def setup(self):
        Behaviour.setup(self)
        after = self.args.crash_after
        if after is None:
            after = self.rng.uniform(10, 20)
        self.crash_at = self.t0 + after

    def tick(self, now):
        if now >= self.crash_at:
            log("ERROR", "fatal error in the model loop; exiting")
            self.load_weights()

    def load_weights(self):
        raise RuntimeError("model weights checksum mismatch in shard 3 of 8 "
                           "(simulated crash)")


class Latency(Behaviour):
    """~30 ms normally; every ~30 s a spike of several seconds at 1-3 s."""

    def setup(self):
        Behaviour.setup(self)
        self.spike_until = 0.0
        self.next_spike = self.t0 + self.period()

    def period(self):
        p = self.args.spike_period
        return self.rng.uniform(0.8 * p, 1.2 * p)

    def latency(self, now):
        if now >= self.next_spike:
            self.spike_until = now + self.rng.uniform(6, 10)
            self.next_spike = self.spike_until + self.period()
            log("WARNING", "latency spike: queue stalled behind a long "
                "generation")
        if now < self.spike_until:
            return self.rng.uniform(1.0, 3.0)
        return self.rng.uniform(0.025, 0.035)


CLASSES = {"healthy": Behaviour, "leaking": Leaking,
           "fragmenting": Fragmenting, "errors": Errors,
           "crashloop": Crashloop, "latency": Latency}


# ------------------------------------------------ main

def parse_args(argv):
    p = argparse.ArgumentParser(description="modeltop demo worker")
    p.add_argument("--name", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--behaviour", "--behavior", required=True,
                   choices=BEHAVIOURS)
    p.add_argument("--log", help="append stdout and stderr to this file")
    p.add_argument("--pid-file", help="write the pid here at start")
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--seed", type=int, help="random seed (default: by name)")
    p.add_argument("--crash-after", type=float, metavar="SECS",
                   help="crashloop: crash after SECS (default 10-20 s)")
    p.add_argument("--leak-rate", type=float, default=1.0, metavar="MB_S",
                   help="leaking: MB per second (default 1)")
    p.add_argument("--leak-cap", type=int, default=392, metavar="MB",
                   help="leaking: stop growing at MB (default 392)")
    p.add_argument("--frag-mb", type=int, default=300, metavar="MB",
                   help="fragmenting: MB allocated (default 300)")
    p.add_argument("--frag-keep", type=int, default=32, metavar="N",
                   help="fragmenting: keep every Nth object (default 32)")
    p.add_argument("--refrag-after", type=float, default=180,
                   metavar="SECS",
                   help="fragmenting: fragment again SECS after a trim")
    p.add_argument("--error-period", type=float, default=20, metavar="SECS",
                   help="errors: a burst every SECS to 2*SECS (default 20)")
    p.add_argument("--spike-period", type=float, default=30, metavar="SECS",
                   help="latency: a spike about every SECS (default 30)")
    return p.parse_args(argv)


def redirect_output(path):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)


def on_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def main(argv):
    args = parse_args(argv)
    if args.log:
        try:
            redirect_output(args.log)
        except OSError as e:
            sys.stderr.write("worker %s: cannot open log %s: %s\n" % (
                args.name, args.log, e.strerror))
            return 2
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    try:
        modeltop_agent.start(args.port, args.addr)
    except OSError as e:
        sys.stderr.write("worker %s: cannot listen on %s:%d: %s\n" % (
            args.name, args.addr, args.port, e.strerror or e))
        return 2
    if args.pid_file:
        tmp = args.pid_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(tmp, args.pid_file)

    seed = args.seed if args.seed is not None else args.name
    rng = random.Random(seed)
    b = CLASSES[args.behaviour](args, rng)
    log("INFO", "worker %s (%s) pid %d serving metrics on http://%s:%d/metrics"
        % (args.name, args.behaviour, os.getpid(), args.addr, args.port))
    try:
        b.setup()
        request_id = 0
        while True:
            now = time.monotonic()
            b.tick(now)
            lat = b.latency(now)
            fault = b.fault(now)
            request_id += 1
            time.sleep(lat)
            if fault == "client_gone":
                modeltop_agent.observe_request(lat, ok=False)
                log("INFO", "127.0.0.1 \"POST /v1/completions HTTP/1.1\" "
                    "499 %.1fms request=%d (client closed the connection)"
                    % (lat * 1000, request_id))
                time.sleep(rng.uniform(0.02, 0.08))
                continue
            try:
                handle_request(request_id, fault)
            except Exception as e:
                log("ERROR", "request %d failed: %s: %s" % (
                    request_id, type(e).__name__, e))
                traceback.print_exc(file=sys.stderr)
                sys.stderr.flush()
                modeltop_agent.count_error(fault)
                modeltop_agent.observe_request(lat, ok=False)
            else:
                modeltop_agent.observe_request(lat, ok=True)
                if request_id % 10 == 0:
                    log("INFO", "127.0.0.1 \"POST /v1/completions HTTP/1.1\" "
                        "200 %.1fms request=%d" % (lat * 1000, request_id))
            time.sleep(rng.uniform(0.02, 0.08))
    except Stop as e:
        log("INFO", "worker %s stopping on %s" % (args.name, e))
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

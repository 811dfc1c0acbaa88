"""modeltop_agent -- a tiny in-process agent for model-serving workers.

A worker imports this module and calls start(port) once, from its main
thread, early in its life:

    import modeltop_agent
    modeltop_agent.start(9101)
    ...
    modeltop_agent.observe_request(0.023)          # one request, 23 ms, ok
    modeltop_agent.observe_request(1.2, ok=False)  # one failed request
    modeltop_agent.count_error("cuda_oom")

start() serves, on a daemon thread:

    GET  /metrics   Prometheus text format 0.0.4
    GET  /healthz   200 "ok"
    POST /trim      runs trim() now and answers its log line

and installs a SIGUSR1 handler that asks for a trim: gc.collect() then
glibc malloc_trim(0), which returns the free pages of a fragmented heap to
the operating system (gc.collect() alone returns little).  RSS is measured
before and after; the trim_* metrics record it and one line goes to stderr:

    modeltop_agent: trim freed N bytes (rss A -> B)

About signals: Python runs signal handlers only in the main thread, between
bytecodes.  The handler itself only queues the request (a SimpleQueue put,
which is safe in a signal handler); a helper thread does the work, so the
handler never re-enters a write to stderr that the main thread was in the
middle of, and the main thread is not paused for the trim.  A blocking
system call in the main thread (sleep, select, read...) does not delay the
handler: it is interrupted, the handler runs, the call resumes.  But a long
computation inside a C extension that holds the GIL delays it until the
call returns.  So a worker should not keep its main thread inside one C call
forever; if it must, POST /trim reaches the agent without the main thread.
A worker with its own SIGUSR1 handler should install it before start(),
which chains to it; one installed after start() replaces the agent's.

Standard library only; Python 3.8 or newer; Linux (/proc, glibc).  Without
glibc the malloc_* metrics are omitted and a trim runs gc.collect() only.
"""

import ctypes
import ctypes.util
import gc
import os
import queue
import signal
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["start", "observe_request", "count_error", "trim", "render",
           "escape_label_value", "CONTENT_TYPE", "BUCKETS"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
           float("inf"))

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_CLK_TCK = os.sysconf("SC_CLK_TCK")

# Everything the feeding functions and the trim change, under one lock.
_lock = threading.Lock()
_requests = {"ok": 0, "error": 0}
_bucket_counts = [0] * len(BUCKETS)
_latency_sum = 0.0
_latency_count = 0
_errors = {}
_trim_runs = 0
_trim_freed = 0
_trim_last = 0.0

_trim_lock = threading.Lock()      # one trim at a time
_trim_queue = queue.SimpleQueue()  # SIGUSR1 -> trim thread
_start_lock = threading.Lock()
_trim_thread = None
_handler_installed = False


# ---------------------------------------------------------------- glibc

class _Mallinfo2(ctypes.Structure):
    pass


_Mallinfo2._fields_ = [(name, ctypes.c_size_t) for name in (
    "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
    "uordblks", "fordblks", "keepcost")]


def _load_libc():
    for name in ("libc.so.6", ctypes.util.find_library("c"), None):
        try:
            return ctypes.CDLL(name, use_errno=True)
        except (OSError, TypeError):
            continue
    return None


_libc = _load_libc()
_malloc_trim = None
_mallinfo2 = None
if _libc is not None:
    try:
        _malloc_trim = _libc.malloc_trim
        _malloc_trim.argtypes = [ctypes.c_size_t]
        _malloc_trim.restype = ctypes.c_int
    except AttributeError:
        _malloc_trim = None
    try:
        _mallinfo2 = _libc.mallinfo2
        _mallinfo2.argtypes = []
        _mallinfo2.restype = _Mallinfo2
    except AttributeError:
        _mallinfo2 = None


# ---------------------------------------------------------------- /proc

def _read(path):
    with open(path, "rb") as f:
        return f.read().decode("ascii", "replace")


def _rss_bytes():
    """Resident set size of this process, from /proc/self/statm."""
    try:
        return int(_read("/proc/self/statm").split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


_boot_time = None


def _btime():
    global _boot_time
    if _boot_time is None:
        _boot_time = 0.0
        try:
            for line in _read("/proc/stat").splitlines():
                if line.startswith("btime "):
                    _boot_time = float(line.split()[1])
                    break
        except (OSError, ValueError):
            pass
    return _boot_time


def _process_samples():
    """(name, help, type, value) for the process_* families."""
    out = []
    try:
        stat = _read("/proc/self/stat")
        # The command name may hold spaces and ')': parse after the last ')'.
        f = stat[stat.rindex(")") + 2:].split()
        # f[0] is field 3 (state); utime is field 14, so f[11].
        utime, stime = int(f[11]), int(f[12])
        starttime = int(f[19])
        vsize = int(f[20])
        out.append(("process_virtual_memory_bytes",
                    "Virtual memory size in bytes.", "gauge", vsize))
        out.append(("process_resident_memory_bytes",
                    "Resident memory size in bytes.", "gauge",
                    _rss_bytes()))
        out.append(("process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds.",
                    "gauge", _btime() + starttime / _CLK_TCK))
        out.append(("process_cpu_seconds_total",
                    "Total user and system CPU time spent in seconds.",
                    "counter", (utime + stime) / _CLK_TCK))
    except (OSError, ValueError, IndexError):
        pass
    try:
        out.append(("process_open_fds", "Number of open file descriptors.",
                    "gauge", len(os.listdir("/proc/self/fd"))))
    except OSError:
        pass
    return out


# ---------------------------------------------------------------- format

def escape_label_value(value):
    """A label value escaped for the text format: \\ \" and newline."""
    return (str(value).replace("\\", "\\\\").replace("\"", "\\\"")
            .replace("\n", "\\n"))


def _escape_help(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _fmt(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if v != v:
        return "NaN"
    if v == float("inf"):
        return "+Inf"
    if v == float("-inf"):
        return "-Inf"
    return repr(float(v))


def _labels(pairs):
    if not pairs:
        return ""
    return "{" + ",".join("%s=\"%s\"" % (k, escape_label_value(v))
                          for k, v in pairs) + "}"


class _Page:
    def __init__(self):
        self.lines = []

    def family(self, name, help_text, typ):
        self.lines.append("# HELP %s %s" % (name, _escape_help(help_text)))
        self.lines.append("# TYPE %s %s" % (name, typ))

    def sample(self, name, value, labels=()):
        self.lines.append("%s%s %s" % (name, _labels(labels), _fmt(value)))

    def text(self):
        return "\n".join(self.lines) + "\n"


def render():
    """The whole /metrics page as a str (Prometheus text format 0.0.4)."""
    p = _Page()
    for name, help_text, typ, value in _process_samples():
        p.family(name, help_text, typ)
        p.sample(name, value)

    stats = gc.get_stats()
    for name, key, help_text in (
        ("python_gc_collections_total", "collections",
         "Number of times this generation was collected."),
        ("python_gc_objects_collected_total", "collected",
         "Objects collected during gc."),
        ("python_gc_objects_uncollectable_total", "uncollectable",
         "Uncollectable objects found during GC.")):
        p.family(name, help_text, "counter")
        for gen, st in enumerate(stats):
            p.sample(name, st.get(key, 0), (("generation", str(gen)),))

    p.family("python_allocated_blocks",
             "Memory blocks currently allocated by the Python allocator.",
             "gauge")
    p.sample("python_allocated_blocks", sys.getallocatedblocks())

    if _mallinfo2 is not None:
        mi = _mallinfo2()
        p.family("malloc_allocated_bytes",
                 "Bytes in use in the glibc malloc heap (mallinfo2 uordblks).",
                 "gauge")
        p.sample("malloc_allocated_bytes", int(mi.uordblks))
        p.family("malloc_free_bytes",
                 "Free bytes in the glibc malloc heap (mallinfo2 fordblks).",
                 "gauge")
        p.sample("malloc_free_bytes", int(mi.fordblks))

    with _lock:
        requests = dict(_requests)
        buckets = list(_bucket_counts)
        lsum, lcount = _latency_sum, _latency_count
        errors = sorted(_errors.items())
        runs, freed, last = _trim_runs, _trim_freed, _trim_last

    p.family("requests_total", "Requests served, by outcome.", "counter")
    for status in ("ok", "error"):
        p.sample("requests_total", requests[status], (("status", status),))

    p.family("request_latency_seconds", "Request latency in seconds.",
             "histogram")
    cum = 0
    for le, n in zip(BUCKETS, buckets):
        cum += n
        p.sample("request_latency_seconds_bucket", cum, (("le", _fmt(le)),))
    p.sample("request_latency_seconds_sum", lsum)
    p.sample("request_latency_seconds_count", lcount)

    p.family("errors_total", "Errors, by kind.", "counter")
    for kind, n in errors:
        p.sample("errors_total", n, (("kind", kind),))

    p.family("trim_runs_total", "Heap trims run (SIGUSR1 or POST /trim).",
             "counter")
    p.sample("trim_runs_total", runs)
    p.family("trim_freed_bytes", "RSS freed by the last trim, in bytes.",
             "gauge")
    p.sample("trim_freed_bytes", freed)
    p.family("trim_last_timestamp_seconds",
             "When the last trim finished, unix seconds (0: never).", "gauge")
    p.sample("trim_last_timestamp_seconds", last)
    return p.text()


# ---------------------------------------------------------------- feeding

def observe_request(seconds, ok=True):
    """Count one request that took SECONDS, ok or failed.  Thread-safe."""
    global _latency_sum, _latency_count
    seconds = float(seconds)
    with _lock:
        _requests["ok" if ok else "error"] += 1
        for i, le in enumerate(BUCKETS):
            if seconds <= le:
                _bucket_counts[i] += 1
                break
        _latency_sum += seconds
        _latency_count += 1


def count_error(kind):
    """Count one error of KIND (any string; escaped on output); thread-safe."""
    kind = str(kind)
    with _lock:
        _errors[kind] = _errors.get(kind, 0) + 1


# ---------------------------------------------------------------- trim

def trim():
    """Run gc.collect() and malloc_trim(0) now, in the calling thread.

    Updates the trim metrics, writes the log line to stderr and returns
    (freed, rss_before, rss_after) in bytes; freed is never negative.
    """
    global _trim_runs, _trim_freed, _trim_last
    with _trim_lock:
        before = _rss_bytes()
        gc.collect()
        if _malloc_trim is not None:
            _malloc_trim(0)
        after = _rss_bytes()
        freed = max(0, before - after)
        with _lock:
            _trim_runs += 1
            _trim_freed = freed
            _trim_last = time.time()
    line = "modeltop_agent: trim freed %d bytes (rss %d -> %d)" % (
        freed, before, after)
    if _malloc_trim is None:
        line += " [malloc_trim unavailable: gc only]"
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    return freed, before, after


def _trim_loop():
    while True:
        _trim_queue.get()
        # Signals that arrived meanwhile are served by this one trim.
        try:
            while True:
                _trim_queue.get_nowait()
        except queue.Empty:
            pass
        try:
            trim()
        except Exception as e:  # never let the helper thread die
            try:
                sys.stderr.write("modeltop_agent: trim failed: %r\n" % (e,))
            except (OSError, ValueError, AttributeError):
                pass


def _install_handler():
    prev = signal.getsignal(signal.SIGUSR1)

    def on_usr1(signum, frame):
        _trim_queue.put(signum)
        if callable(prev):
            prev(signum, frame)

    signal.signal(signal.SIGUSR1, on_usr1)


# ---------------------------------------------------------------- HTTP

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection gives its thread back

    def _send(self, code, body, ctype="text/plain; charset=utf-8"):
        data = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(200, render(), CONTENT_TYPE)
        elif path == "/healthz":
            self._send(200, "ok\n")
        else:
            self._send(404, "not found: %s\n" % path)

    do_HEAD = do_GET

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(min(length, 1 << 16))
        if self.path.split("?", 1)[0] == "/trim":
            freed, before, after = trim()
            self._send(200, "trim freed %d bytes (rss %d -> %d)\n" % (
                freed, before, after))
        else:
            self._send(404, "not found: %s\n" % self.path)

    def log_message(self, fmt, *args):
        pass  # a scrape a second would flood the worker's log


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        # HTTPServer.server_bind resolves the host name (getfqdn), which
        # can stall on a broken resolver; the name is never used here.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = self.server_address[1]


def start(port, addr="127.0.0.1"):
    """Serve /metrics on ADDR:PORT from a daemon thread; return the server.

    Raises OSError when the port cannot be bound (for example it is in use).
    Called from the main thread it also installs the SIGUSR1 trim handler
    (once; the previous handler, if any, still runs after it).  From another
    thread the handler cannot be installed: a warning goes to stderr and
    POST /trim remains.  Call server.shutdown() to stop serving.
    """
    global _trim_thread, _handler_installed
    cls = _Server
    if ":" in addr:
        cls = type("_Server6", (_Server,),
                   {"address_family": socket.AF_INET6})
    server = cls((addr, int(port)), _Handler)
    t = threading.Thread(target=server.serve_forever,
                         name="modeltop-agent-http", daemon=True)
    t.start()
    with _start_lock:
        if _trim_thread is None:
            _trim_thread = threading.Thread(target=_trim_loop,
                                            name="modeltop-agent-trim",
                                            daemon=True)
            _trim_thread.start()
        if not _handler_installed:
            if threading.current_thread() is threading.main_thread():
                _install_handler()
                _handler_installed = True
            else:
                sys.stderr.write("modeltop_agent: start() not called from "
                                 "the main thread: no SIGUSR1 handler "
                                 "(POST /trim still works)\n")
    return server

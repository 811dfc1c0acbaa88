#!/usr/bin/python3
"""A worker built on the real prometheus_client library, for end-to-end tests.

    prom_client_worker.py PORT [--addr A] [--state FILE] [--control-port CP]
                          [--bump-every SECS] [--no-default-collectors]

Serves /metrics on A:PORT (default 127.0.0.1) with prometheus_client's own
start_http_server, so the page is exactly what real Python workers expose.
Values follow a deterministic schedule of steps.  Step 0 is the start; each
"bump" moves to the next step:

    demo_requests_total{method="GET",code="200"}    += 1 every step
    demo_requests_total{method="POST",code="500"}   += 1 every 3rd step
    demo_path_bytes{path=WEIRD}                     = 1024 * step
    demo_path_bytes{path="/srv/models"}             = 2 * step
      (WEIRD is  C:\\dir "x"  newline  next : a backslash, double quotes
       and a newline, exposed as path="C:\\\\dir \\"x\\"\\nnext")
    demo_latency_seconds (histogram, buckets .01 .1 1 5)
                                    observes LATENCIES[(step - 1) % 5]
    demo_payload_bytes (summary)    observes 100 * step
    demo:queue_depth                = step % 5   (a colon in the name)
    demo_build_info{version="1.2.3",commit="deadbeef"} 1   (an Info)
    demo_special{kind="nan"|"pinf"|"ninf"}  NaN, +Inf, -Inf (constant)

A bump happens on SIGUSR1, on each GET /bump to the control port (which
answers the new state), or every SECS with --bump-every.  GET /state on the
control port answers the state without a bump.

--state FILE is rewritten (atomically) at start, once the page is being
served, and after every bump: JSON {"step": K, "pid": P, "samples": [{"name",
"labels", "value"}...]} listing every sample above as the page shows it
(non-finite values as the strings "NaN", "+Inf", "-Inf").  It leaves out
what is not deterministic: the *_created samples and the default process,
platform and gc collectors (which --no-default-collectors removes from the
page as well).

Needs Debian's python3-prometheus-client; run it with /usr/bin/python3.
"""

import argparse
import json
import math
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import prometheus_client
from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram,
                               Info, Summary)

WEIRD = 'C:\\dir "x"\nnext'
PLAIN = "/srv/models"
BUCKETS = (0.01, 0.1, 1.0, 5.0)
LATENCIES = (0.005, 0.05, 0.5, 2.0, 7.5)


def go_float(v):
    """A float as prometheus_client writes it (its floatToGoString)."""
    if v == math.inf:
        return "+Inf"
    if v == -math.inf:
        return "-Inf"
    if v != v:
        return "NaN"
    return repr(float(v))


def json_value(v):
    v = float(v)
    if math.isfinite(v):
        return v
    return go_float(v)


class Demo:
    def __init__(self, registry):
        self.lock = threading.Lock()
        self.step = 0
        self.state_file = None
        r = dict(registry=registry)
        self.requests = Counter("demo_requests_total", "Requests handled.",
                                ["method", "code"], **r)
        self.path_bytes = Gauge("demo_path_bytes",
                                "Bytes stored under a path.",
                                ["path"], **r)
        self.latency = Histogram("demo_latency_seconds", "Request latency.",
                                 buckets=BUCKETS, **r)
        self.payload = Summary("demo_payload_bytes", "Payload sizes.", **r)
        self.build = Info("demo_build", "Build information.", **r)
        self.queue = Gauge("demo:queue_depth",
                           "Queue depth (a colon in the name, as vLLM does).",
                           **r)
        self.special = Gauge("demo_special", "Non-finite values.", ["kind"],
                             **r)
        # Label sets exist (at 0) from the start.
        self.requests.labels(method="GET", code="200")
        self.requests.labels(method="POST", code="500")
        self.path_bytes.labels(path=WEIRD).set(0)
        self.path_bytes.labels(path=PLAIN).set(0)
        self.build.info({"version": "1.2.3", "commit": "deadbeef"})
        self.special.labels(kind="nan").set(math.nan)
        self.special.labels(kind="pinf").set(math.inf)
        self.special.labels(kind="ninf").set(-math.inf)
        self.queue.set(0)

    def bump(self):
        """Apply the next step; return the new state."""
        with self.lock:
            self.step += 1
            k = self.step
            self.requests.labels(method="GET", code="200").inc()
            if k % 3 == 0:
                self.requests.labels(method="POST", code="500").inc()
            self.path_bytes.labels(path=WEIRD).set(1024 * k)
            self.path_bytes.labels(path=PLAIN).set(2 * k)
            self.latency.observe(LATENCIES[(k - 1) % len(LATENCIES)])
            self.payload.observe(100 * k)
            self.queue.set(k % 5)
            return self.write_state()

    def expected(self, k):
        """The samples at step K, computed from the schedule alone."""
        s = []

        def add(name, labels, value):
            s.append({"name": name, "labels": labels,
                      "value": json_value(value)})

        add("demo_requests_total", {"method": "GET", "code": "200"}, k)
        add("demo_requests_total", {"method": "POST", "code": "500"}, k // 3)
        add("demo_path_bytes", {"path": WEIRD}, 1024 * k)
        add("demo_path_bytes", {"path": PLAIN}, 2 * k)
        seen = [LATENCIES[(i - 1) % len(LATENCIES)] for i in range(1, k + 1)]
        for le in BUCKETS + (math.inf,):
            add("demo_latency_seconds_bucket", {"le": go_float(le)},
                sum(1 for x in seen if x <= le))
        add("demo_latency_seconds_count", {}, len(seen))
        total = 0.0
        for x in seen:   # in observation order, as the library sums
            total += x
        add("demo_latency_seconds_sum", {}, total)
        add("demo_payload_bytes_count", {}, k)
        add("demo_payload_bytes_sum", {}, float(sum(100 * i
                                                   for i in range(1, k + 1))))
        add("demo_build_info", {"version": "1.2.3", "commit": "deadbeef"}, 1)
        add("demo:queue_depth", {}, k % 5)
        add("demo_special", {"kind": "nan"}, math.nan)
        add("demo_special", {"kind": "pinf"}, math.inf)
        add("demo_special", {"kind": "ninf"}, -math.inf)
        return s

    def state(self):
        return {"step": self.step, "pid": os.getpid(),
                "samples": self.expected(self.step)}

    def write_state(self):
        st = self.state()
        if self.state_file:
            tmp = "%s.tmp" % self.state_file
            with open(tmp, "w") as f:
                json.dump(st, f, indent=1, sort_keys=True)
                f.write("\n")
            os.replace(tmp, self.state_file)
        return st


def control_server(demo, addr, port):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/bump":
                st = demo.bump()
            elif path == "/state":
                with demo.lock:
                    st = demo.state()
            else:
                self.send_error(404)
                return
            body = (json.dumps(st, sort_keys=True) + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            pass

    srv = ThreadingHTTPServer((addr, port), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("port", type=int)
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--state", metavar="FILE")
    p.add_argument("--control-port", type=int, metavar="PORT")
    p.add_argument("--bump-every", type=float, metavar="SECS")
    p.add_argument("--no-default-collectors", action="store_true")
    args = p.parse_args(argv)

    registry = (CollectorRegistry() if args.no_default_collectors
                else prometheus_client.REGISTRY)
    demo = Demo(registry)
    demo.state_file = args.state
    try:
        prometheus_client.start_http_server(args.port, addr=args.addr,
                                            registry=registry)
        if args.control_port is not None:
            control_server(demo, args.addr, args.control_port)
    except OSError as e:
        sys.stderr.write("prom_client_worker: cannot listen on %s: %s\n" % (
            args.addr, e))
        return 2

    stop = []       # plain lists: appending is safe in a signal handler
    pending = []

    def on_usr1(signum, frame):
        pending.append(1)   # bumped by the main loop, outside the handler

    def on_term(signum, frame):
        stop.append(signum)

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    with demo.lock:
        demo.write_state()

    next_bump = None
    if args.bump_every:
        next_bump = time.monotonic() + args.bump_every
    while not stop:
        while pending:
            pending.pop()
            demo.bump()
        if next_bump is not None and time.monotonic() >= next_bump:
            demo.bump()
            next_bump += args.bump_every
        time.sleep(0.02)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Launch the modeltop demo fleet: one worker per behaviour, kept running.

    fleet.py [--dir DIR] [--count N] [--base-port P] [--write-config FILE]
             [--config-only] [--duration SECS] [--crash-after SECS]

Starts N workers (default 6: healthy, leaking, fragmenting, errors,
crashloop, latency; beyond 6 the behaviours repeat, named like healthy-07),
worker i on 127.0.0.1:P+i.  Each has its pid file DIR/NAME.pid and its log
DIR/NAME.log.  A worker that exits is started again (a new pid in the same
pid file) and a line says so.  SIGINT, SIGTERM (and SIGHUP) are forwarded to
every worker; the fleet exits when they are gone, removing the pid files.
Workers also die with the fleet if it is killed (PR_SET_PDEATHSIG).

--write-config FILE writes a modeltop config for the fleet first (FILE "-"
is stdout); with --config-only it writes it and exits without starting
anything.  For the defaults the config is data/demo/demo.ini.

Standard library only; Python 3.8 or newer; Linux.
"""

import argparse
import ctypes
import datetime
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "worker.py")
BEHAVIOURS = ("healthy", "leaking", "fragmenting", "errors", "crashloop",
              "latency")
BLURB = {
    "healthy": "steady memory and latency, rare errors",
    "leaking": "RSS grows ~1 MB/s up to ~400 MB; a trim frees nothing",
    "fragmenting": "fragmented heap, RSS ~300 MB; a trim frees most of it",
    "errors": "bursts of failing requests with tracebacks in its log",
    "crashloop": "crashes after 10-20 s; the fleet restarts it",
    "latency": "~30 ms, with spikes to 1-3 s about every 30 s",
}
DEFAULT_DIR = "/tmp/modeltop-demo"
ADDR = "127.0.0.1"
PR_SET_PDEATHSIG = 1
FAST_EXIT_S = 2.0      # a worker that dies sooner backs off
MAX_BACKOFF_S = 30.0
STOP_GRACE_S = 5.0


def say(msg):
    ts = datetime.datetime.now().strftime("%H:%M:%S")
    sys.stderr.write("%s fleet: %s\n" % (ts, msg))
    sys.stderr.flush()


class Worker:
    def __init__(self, index, base_port, directory):
        self.behaviour = BEHAVIOURS[index % len(BEHAVIOURS)]
        if index < len(BEHAVIOURS):
            self.name = self.behaviour
        else:
            self.name = "%s-%02d" % (self.behaviour, index + 1)
        self.port = base_port + index
        self.pid_file = os.path.join(directory, self.name + ".pid")
        self.log = os.path.join(directory, self.name + ".log")
        self.memory_limit = "450M" if self.behaviour == "leaking" else "512M"
        self.proc = None
        self.started = 0.0
        self.restart_at = None
        self.backoff = 1.0
        self.restarts = 0


def make_workers(args):
    return [Worker(i, args.base_port, args.dir) for i in range(args.count)]


# ------------------------------------------------ config

def config_text(workers, directory):
    """The modeltop config for WORKERS, as a str (deterministic)."""
    out = []
    w = out.append
    w("; modeltop config for the demo fleet: %d workers in %s." % (
        len(workers), directory))
    w("; Written by data/demo/fleet.py --write-config.  Start the fleet with")
    w(";   python3 data/demo/fleet.py%s" % fleet_args(workers, directory))
    w("; and watch it with modeltop -c on this file.")
    w("")
    w("[modeltop]")
    w("interval = 1s")
    for wk in workers:
        w("")
        w("; %s: %s" % (wk.behaviour, BLURB[wk.behaviour]))
        w("[worker %s]" % wk.name)
        w("pid_file = %s" % wk.pid_file)
        w("metrics_url = http://%s:%d/metrics" % (ADDR, wk.port))
        w("log = %s" % wk.log)
        w("memory_limit = %s" % wk.memory_limit)
        w("actions = trim, restart")
    w("""
; gc.collect() and malloc_trim(0) in the worker (modeltop_agent's handler)
[action trim]
signal = USR1
verify = proc_rss_bytes
expect = drop 10%
settle = 3s

; the fleet starts a worker again when it exits
[action restart]
signal = TERM
verify = up
settle = 5s
confirm = yes

[rule rss-warn]
metric = proc_rss_bytes
above = 256M
for = 1m
severity = warning
action = trim

[rule rss-high]
metric = proc_rss_bytes
above = 400M
for = 30s
severity = critical
action = trim""")
    return "\n".join(out) + "\n"


def fleet_args(workers, directory):
    s = ""
    if directory != DEFAULT_DIR:
        s += " --dir %s" % directory
    if len(workers) != len(BEHAVIOURS):
        s += " --count %d" % len(workers)
    if workers and workers[0].port != 9101:
        s += " --base-port %d" % workers[0].port
    return s


def write_config(path, text):
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# ------------------------------------------------ processes

def port_problem(port):
    """None if ADDR:PORT can be listened on, else the reason."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # As the worker's HTTP server does, so TIME_WAIT is no obstacle.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ADDR, port))
        s.listen(1)
    except OSError as e:
        return e.strerror or str(e)
    finally:
        s.close()
    return None


def _child_setup(libc, fleet_pid):
    def setup():
        # Die with the fleet, even if it is killed with SIGKILL.
        if libc is not None:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != fleet_pid:
            os._exit(1)    # the fleet died before prctl took effect
    return setup


def write_pid_file(path, pid):
    tmp = "%s.tmp" % path
    with open(tmp, "w") as f:
        f.write("%d\n" % pid)
    os.replace(tmp, path)


class Fleet:
    def __init__(self, args, workers):
        self.args = args
        self.workers = workers
        self.stop_signal = None
        try:
            self.libc = ctypes.CDLL("libc.so.6", use_errno=True)
        except OSError:
            self.libc = None

    def on_signal(self, signum, frame):
        if self.stop_signal is None:
            self.stop_signal = signum

    def spawn(self, wk):
        argv = [sys.executable, WORKER, "--name", wk.name,
                "--port", str(wk.port), "--behaviour", wk.behaviour,
                "--log", wk.log]
        if wk.behaviour == "crashloop" and self.args.crash_after is not None:
            argv += ["--crash-after", str(self.args.crash_after)]
        with open(wk.log, "ab") as logf:
            wk.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                close_fds=True,
                preexec_fn=_child_setup(self.libc, os.getpid()))
        wk.started = time.monotonic()
        wk.restart_at = None
        write_pid_file(wk.pid_file, wk.proc.pid)

    def note(self, wk, msg):
        say(msg)
        try:
            with open(wk.log, "a") as f:
                f.write("%s INFO fleet: %s\n" % (
                    datetime.datetime.now(datetime.timezone.utc).isoformat(
                        timespec="milliseconds"), msg))
        except OSError:
            pass

    def reap(self, now):
        for wk in self.workers:
            if wk.proc is None or wk.proc.poll() is None:
                continue
            rc = wk.proc.returncode
            how = ("killed by %s" % signal.Signals(-rc).name if rc < 0
                   else "exited with status %d" % rc)
            lived = now - wk.started
            if lived < FAST_EXIT_S:
                wk.backoff = min(wk.backoff * 2, MAX_BACKOFF_S)
            else:
                wk.backoff = 1.0
            self.note(wk, "%s (pid %d) %s after %.1fs; restarting in %.0fs" %
                      (wk.name, wk.proc.pid, how, lived, wk.backoff))
            wk.proc = None
            wk.restart_at = now + wk.backoff

    def restart_due(self, now):
        for wk in self.workers:
            if wk.proc is None and wk.restart_at is not None \
                    and now >= wk.restart_at:
                wk.restarts += 1
                try:
                    self.spawn(wk)
                except OSError as e:
                    say("cannot start %s: %s" % (wk.name, e))
                    wk.restart_at = now + MAX_BACKOFF_S
                    continue
                self.note(wk, "%s restarted as pid %d (restart %d)" % (
                    wk.name, wk.proc.pid, wk.restarts))

    def stop(self, signum):
        live = [wk for wk in self.workers
                if wk.proc is not None and wk.proc.poll() is None]
        say("%s: stopping %d workers" % (signal.Signals(signum).name,
                                         len(live)))
        for wk in live:
            try:
                wk.proc.send_signal(signum)
            except OSError:
                pass
        end = time.monotonic() + STOP_GRACE_S
        while time.monotonic() < end and any(
                wk.proc.poll() is None for wk in live):
            time.sleep(0.05)
        for wk in live:
            if wk.proc.poll() is None:
                say("%s (pid %d) ignored %s; killing it" % (
                    wk.name, wk.proc.pid, signal.Signals(signum).name))
                wk.proc.kill()
                wk.proc.wait()
        for wk in self.workers:
            try:
                os.unlink(wk.pid_file)
            except OSError:
                pass

    def run(self):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self.on_signal)
        deadline = None
        if self.args.duration is not None:
            deadline = time.monotonic() + self.args.duration
        try:
            for wk in self.workers:
                self.spawn(wk)
        except OSError as e:
            say("cannot start the workers: %s" % e)
            self.stop(signal.SIGTERM)
            return 1
        for wk in self.workers:
            say("%-16s %-12s pid %-7d http://%s:%d/metrics" % (
                wk.name, wk.behaviour, wk.proc.pid, ADDR, wk.port))
        while self.stop_signal is None:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                self.stop_signal = signal.SIGTERM
                break
            self.reap(now)
            if self.stop_signal is not None:
                break
            self.restart_due(now)
            time.sleep(0.1)
        sig = self.stop_signal
        if sig == signal.SIGHUP:
            sig = signal.SIGTERM
        self.stop(sig)
        say("all workers stopped")
        return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description="launch the modeltop demo fleet")
    p.add_argument("--dir", default=DEFAULT_DIR,
                   help="pid files and logs (default %s)" % DEFAULT_DIR)
    p.add_argument("--count", type=int, default=len(BEHAVIOURS),
                   help="number of workers (default 6)")
    p.add_argument("--base-port", type=int, default=9101,
                   help="port of the first worker (default 9101)")
    p.add_argument("--write-config", metavar="FILE",
                   help="write a modeltop config for the fleet (- = stdout)")
    p.add_argument("--config-only", action="store_true",
                   help="with --write-config: write it and exit")
    p.add_argument("--duration", type=float, metavar="SECS",
                   help="stop the fleet after SECS")
    p.add_argument("--crash-after", type=float, metavar="SECS",
                   help="crashloop workers crash after SECS (default 10-20)")
    args = p.parse_args(argv)
    if args.count < 1:
        p.error("--count must be at least 1")
    if not 1 <= args.base_port <= 65536 - args.count:
        p.error("ports %d..%d are not all valid" % (
            args.base_port, args.base_port + args.count - 1))
    if args.config_only and not args.write_config:
        p.error("--config-only needs --write-config FILE")
    if args.duration is not None and args.duration < 0:
        p.error("--duration must not be negative")
    args.dir = os.path.abspath(args.dir)
    return args


def main(argv):
    args = parse_args(argv)
    workers = make_workers(args)
    if args.config_only:
        try:
            write_config(args.write_config, config_text(workers, args.dir))
        except OSError as e:
            say("cannot write %s: %s" % (args.write_config, e.strerror or e))
            return 1
        return 0
    for wk in workers:
        why = port_problem(wk.port)
        if why is not None:
            say("port %d (worker %s) on %s is not free: %s" % (
                wk.port, wk.name, ADDR, why))
            return 1
    try:
        os.makedirs(args.dir, exist_ok=True)
        if args.write_config:
            write_config(args.write_config, config_text(workers, args.dir))
    except OSError as e:
        say("%s: %s" % (e.filename or args.dir, e.strerror or e))
        return 1
    return Fleet(args, workers).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

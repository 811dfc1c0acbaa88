#!/usr/bin/python3
"""Bad /metrics endpoints, one port per fault, for the fault-injection tests.

    faultserver.py --ports FILE [--pid-file FILE] [--addr A] [MODE...]

Binds one loopback port per MODE (all modes when none are named), writes
"MODE PORT" lines to FILE (atomically, once every port listens) and serves
until killed.  Standard library only; one thread per connection, so a hung
connection never holds up another.  The modes:

    hung       accepts, reads nothing, answers nothing, keeps the socket
    trickle    a 200 with headers, then the page one byte a second
    huge       a 200 announcing 100 MB (Content-Length), then sends it
               in 64 KB writes until the client hangs up
    midbody    a 200 with Content-Length 4096, 1000 bytes of it, then close
    err500     500 Internal Server Error with an HTML body
    err404     404 Not Found
    redirect   302 to itself (/metrics -> /metrics?r=N+1 -> ...), forever
    gzip       a valid page, Content-Encoding: gzip (what real servers send)
    badutf8    a 200 page with invalid UTF-8 bytes in a metric name, in a
               label value and in a HELP text, between good samples
    reset      accepts and closes at once with a TCP RST

Every connection is counted: "GET /stats" on any port but hung, trickle
and huge answers {"MODE": connections, ...} as JSON.
"""

import argparse
import gzip
import json
import os
import socket
import struct
import sys
import threading
import time

MODES = ["hung", "trickle", "huge", "midbody", "err500", "err404",
         "redirect", "gzip", "badutf8", "reset"]

GOOD_PAGE = (
    b"# HELP fault_requests_total Requests served.\n"
    b"# TYPE fault_requests_total counter\n"
    b'fault_requests_total{code="200"} 42\n'
    b"# HELP fault_queue_depth Queue depth.\n"
    b"# TYPE fault_queue_depth gauge\n"
    b"fault_queue_depth 3\n"
)

# \xff and \xfe never occur in UTF-8; \xc3\x28 is a broken two-byte
# sequence; \xed\xa0\x80 is a UTF-16 surrogate, which UTF-8 forbids.
BAD_UTF8_PAGE = (
    b"# HELP fault_bad_help A help text with \xff\xfe bad bytes \xc3\x28 in it.\n"
    b"# TYPE fault_bad_help gauge\n"
    b"fault_bad_help 1\n"
    b"# TYPE fault_bad_label gauge\n"
    b'fault_bad_label{path="/srv/\xff\xfe/\xed\xa0\x80",ok="yes"} 2\n'
    b"fault_bad\xffname 3\n"
    b"# TYPE fault_after_bad gauge\n"
    b"fault_after_bad 4\n"
)

counts = {}
counts_lock = threading.Lock()
hung_socks = []


def count(mode):
    with counts_lock:
        counts[mode] = counts.get(mode, 0) + 1


def read_request(conn):
    """The request line and headers, or None when the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            b = conn.recv(4096)
        except OSError:
            return None
        if not b:
            return None
        data += b
        if len(data) > 65536:
            return None
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    return parts[1] if len(parts) >= 2 else "/"


def send_all(conn, b):
    try:
        conn.sendall(b)
        return True
    except OSError:
        return False


def head(status, ctype=b"text/plain; version=0.0.4; charset=utf-8",
         length=None, extra=b""):
    h = b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\n"
    if length is not None:
        h += b"Content-Length: " + str(length).encode() + b"\r\n"
    return h + extra + b"Connection: close\r\n\r\n"


def answer(conn, status, body, ctype=b"text/plain; version=0.0.4; charset=utf-8",
           extra=b""):
    send_all(conn, head(status, ctype, len(body), extra) + body)


def serve(mode, conn):
    count(mode)
    if mode == "hung":
        # keep the socket open, never read from it or answer
        hung_socks.append(conn)
        return
    if mode == "reset":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        return
    path = read_request(conn)
    if path is None:
        conn.close()
        return
    if path == "/stats":
        with counts_lock:
            body = json.dumps(counts).encode()
        answer(conn, b"200 OK", body, b"application/json")
    elif mode == "trickle":
        if send_all(conn, head(b"200 OK", length=len(GOOD_PAGE))):
            for i in range(len(GOOD_PAGE)):
                if not send_all(conn, GOOD_PAGE[i:i + 1]):
                    break
                time.sleep(1)
    elif mode == "huge":
        size = 100 * 1024 * 1024
        chunk = (b"fault_filler_bytes 1\n" * 3200)[:65536]
        if send_all(conn, head(b"200 OK", length=size)):
            sent = 0
            while sent < size:
                n = min(len(chunk), size - sent)
                if not send_all(conn, chunk[:n]):
                    break
                sent += n
    elif mode == "midbody":
        body = (GOOD_PAGE * 100)[:1000]
        send_all(conn, head(b"200 OK", length=4096) + body)
        time.sleep(0.05)
    elif mode == "err500":
        answer(conn, b"500 Internal Server Error",
               b"<html><body><h1>500 Internal Server Error</h1></body></html>\n",
               b"text/html")
    elif mode == "err404":
        answer(conn, b"404 Not Found", b"not found\n", b"text/plain")
    elif mode == "redirect":
        n = 0
        if "r=" in path:
            try:
                n = int(path.rsplit("r=", 1)[1])
            except ValueError:
                n = 0
        loc = ("/metrics?r=%d" % (n + 1)).encode()
        answer(conn, b"302 Found", b"", extra=b"Location: " + loc + b"\r\n")
    elif mode == "gzip":
        answer(conn, b"200 OK", gzip.compress(GOOD_PAGE),
               extra=b"Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n")
    elif mode == "badutf8":
        answer(conn, b"200 OK", BAD_UTF8_PAGE)
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    conn.close()


def listen(mode, addr, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 0))
    s.listen(128)
    ready[mode] = s.getsockname()[1]

    def loop():
        while True:
            conn, _ = s.accept()
            threading.Thread(target=serve, args=(mode, conn), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ports", required=True)
    ap.add_argument("--pid-file")
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("modes", nargs="*")
    a = ap.parse_args()
    modes = a.modes or MODES
    for m in modes:
        if m not in MODES:
            sys.exit("faultserver: unknown mode %s (want one of %s)" % (m, " ".join(MODES)))
    ready = {}
    for m in modes:
        listen(m, a.addr, ready)
    with open(a.ports + ".tmp", "w") as f:
        for m in modes:
            f.write("%s %d\n" % (m, ready[m]))
    os.rename(a.ports + ".tmp", a.ports)
    if a.pid_file:
        with open(a.pid_file + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(a.pid_file + ".tmp", a.pid_file)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()

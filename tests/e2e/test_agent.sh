#!/bin/bash
# End-to-end checks of the Python worker agent and the demo fleet, with real
# processes: the agent's /metrics page, the SIGUSR1 heap trim on the
# fragmenting worker, the leaking worker, the error bursts, the fleet
# (restarts, signals, no orphans, port clash), its config writer, and the
# prometheus_client support worker.  One PASS:/FAIL: line per check.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEMO=$ROOT/data/demo
AGENT=$ROOT/data/python/modeltop_agent.py
WORKER=$DEMO/worker.py
FLEET=$DEMO/fleet.py
PCW=$ROOT/tests/support/prom_client_worker.py
MB=1048576

# ------------------------------------------------------------------ helpers
# h.py: scrape a page, read one value, run the page checkers.
cat >"$T/h.py" <<'EOF'
import json, math, sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families

def get(port, path="/metrics"):
    r = urllib.request.urlopen("http://127.0.0.1:%s%s" % (port, path), timeout=5)
    return r.headers.get("Content-Type"), r.read().decode("utf-8")

def samples(text):
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out

def key(name, labels=""):
    kv = [tuple(p.split("=", 1)) for p in labels.split(",") if p]
    return (name, tuple(sorted(kv)))

def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)

def strict(text):
    """HELP and TYPE before every family's samples, all parse, newline end."""
    if not text.endswith("\n"):
        fail("page does not end with a newline")
    typed, helped = {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
        elif line.startswith("# TYPE "):
            typed[line.split()[2]] = line.split()[3]
        elif line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            fam = name
            for suf in ("_bucket", "_sum", "_count"):
                if name.endswith(suf) and name[:-len(suf)] in typed:
                    fam = name[:-len(suf)]
            if fam not in typed or fam not in helped:
                fail("sample %r has no HELP/TYPE before it" % line)
    fams = list(text_string_to_metric_families(text))
    if len(fams) != len(typed):
        fail("%d families parsed, %d TYPE lines" % (len(fams), len(typed)))
    return fams

cmd = sys.argv[1]
if cmd == "page":
    print(get(sys.argv[2])[1], end="")
elif cmd == "get":
    ctype, body = get(sys.argv[2], sys.argv[3])
    print(body, end="")
elif cmd == "status":    # PORT PATH -> the HTTP status code
    import urllib.error
    try:
        get(sys.argv[2], sys.argv[3])
        print(200)
    except urllib.error.HTTPError as e:
        print(e.code)
elif cmd == "value":    # PORT NAME [k=v,k=v]
    v = samples(get(sys.argv[2])[1]).get(key(sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else ""))
    if v is None:
        fail("no sample %s" % sys.argv[3:])
    print(int(v) if v == int(v) else v)
elif cmd == "parse":    # PORT: content type, strict format, prometheus_client
    ctype, text = get(sys.argv[2])
    if ctype != "text/plain; version=0.0.4; charset=utf-8":
        fail("Content-Type %r" % ctype)
    fams = strict(text)
    print("%d families" % len(fams), file=sys.stderr)
elif cmd == "agent-values":    # PORT: what agent_feed.py fed
    text = get(sys.argv[2])[1]
    s = samples(text)
    want = {
        key("requests_total", "status=ok"): 2,
        key("requests_total", "status=error"): 1,
        key("request_latency_seconds_bucket", "le=0.005"): 0,
        key("request_latency_seconds_bucket", "le=0.01"): 0,
        key("request_latency_seconds_bucket", "le=0.025"): 1,
        key("request_latency_seconds_bucket", "le=0.25"): 1,
        key("request_latency_seconds_bucket", "le=0.5"): 2,
        key("request_latency_seconds_bucket", "le=5.0"): 2,
        key("request_latency_seconds_bucket", "le=10.0"): 3,
        key("request_latency_seconds_bucket", "le=+Inf"): 3,
        key("request_latency_seconds_count"): 3,
        key("request_latency_seconds_sum"): 0.02 + 0.3 + 7.0,
        key("errors_total", "kind=cuda_oom"): 2,
        (("errors_total"), (("kind", 'we"ird\\kind\nx'),)): 1,
        key("trim_runs_total"): 0,
        key("trim_freed_bytes"): 0,
        key("trim_last_timestamp_seconds"): 0,
    }
    for k, v in want.items():
        if k not in s:
            fail("missing %r" % (k,))
        if abs(s[k] - v) > 1e-9:
            fail("%r = %r, want %r" % (k, s[k], v))
    raw = 'errors_total{kind="we\\"ird\\\\kind\\nx"} 1\n'
    if raw not in text:
        fail("escaped label not found as %r" % raw)
    for gen in "012":
        for n in ("python_gc_collections_total", "python_gc_objects_collected_total",
                  "python_gc_objects_uncollectable_total"):
            if key(n, "generation=" + gen) not in s:
                fail("missing %s generation %s" % (n, gen))
    for n in ("process_resident_memory_bytes", "process_virtual_memory_bytes",
              "process_cpu_seconds_total", "process_open_fds",
              "process_start_time_seconds", "python_allocated_blocks",
              "malloc_allocated_bytes", "malloc_free_bytes"):
        if key(n) not in s or not s[key(n)] > 0:
            fail("%s missing or not positive" % n)
    pid = int(sys.argv[3])
    with open("/proc/%d/statm" % pid) as f:
        rss = int(f.read().split()[1]) * 4096
    got = s[key("process_resident_memory_bytes")]
    if abs(got - rss) > rss * 0.2:
        fail("process_resident_memory_bytes %d, /proc says %d" % (got, rss))
    import time, os
    st = s[key("process_start_time_seconds")]
    if not time.time() - 120 < st <= time.time() + 1:
        fail("process_start_time_seconds %r is not recent" % st)
elif cmd == "errors-consistent":    # PORT: sum(errors_total) == error requests > 0
    s = samples(get(sys.argv[2])[1])
    errs = sum(v for (n, l), v in s.items() if n == "errors_total")
    bad = s.get(key("requests_total", "status=error"), -1)
    print("errors_total sum %d, requests_total{status=error} %d" % (errs, bad), file=sys.stderr)
    if not (errs == bad and bad > 0):
        sys.exit(1)
elif cmd == "prom-state":    # PORT STATE_FILE STEP: page equals the state
    st = json.load(open(sys.argv[3]))
    if st["step"] != int(sys.argv[4]):
        fail("state at step %d, want %s" % (st["step"], sys.argv[4]))
    text = get(sys.argv[2])[1]
    s = samples(text)
    for e in st["samples"]:
        k = (e["name"], tuple(sorted(e["labels"].items())))
        want = e["value"]
        want = float(want.replace("Inf", "inf")) if isinstance(want, str) else want
        got = s.get(k)
        if got is None:
            fail("page lacks %r" % (k,))
        if not (got == want or (math.isnan(got) and math.isnan(want))):
            fail("%r = %r on the page, %r in the state" % (k, got, want))
    for raw in ('path="C:\\\\dir \\"x\\"\\nnext"', "demo:queue_depth "):
        if raw not in text:
            fail("page lacks %r" % raw)
    print("%d samples agree" % len(st["samples"]), file=sys.stderr)
EOF
H() { $PY "$T/h.py" "$@"; }

rss() { # PID -> bytes, from /proc
	awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status" 2>/dev/null
}
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }
value_is() { [ "$(H value "$1" "$2" 2>/dev/null)" = "$3" ]; } # PORT NAME VALUE
healthy() { [ "$(H get "$1" /healthz 2>/dev/null)" = ok ]; }
# N consecutive free loopback ports; prints the first.
free_ports() {
	$PY - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    base = random.randint(20000, 60000 - n)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket(); socks.append(s)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        for s in socks: s.close()
    print(base); break
EOF
}

# ------------------------------------------------------------ the sources
check "python files parse as Python 3.8" $PY -c '
import ast, sys
for p in sys.argv[1:]:
    ast.parse(open(p).read(), p, feature_version=(3, 8))
' "$AGENT" "$WORKER" "$FLEET" "$PCW"

check "agent and demo import only the standard library" $PY -c '
import ast, sys
std = set(sys.stdlib_module_names) | {"modeltop_agent"}
for p in sys.argv[1:]:
    for node in ast.walk(ast.parse(open(p).read())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        for n in names:
            if n.split(".")[0] not in std:
                sys.exit("%s imports %s" % (p, n))
' "$AGENT" "$WORKER" "$FLEET"

# --------------------------------------------------------- the agent page
cat >"$T/agent_feed.py" <<'EOF'
import os, signal, sys, time
import modeltop_agent as a
seen = []
signal.signal(signal.SIGUSR1, lambda s, f: seen.append(s))   # to be chained
srv = a.start(int(sys.argv[1]))
a.observe_request(0.02)
a.observe_request(0.3, ok=False)
a.observe_request(7.0)
a.count_error("cuda_oom")
a.count_error("cuda_oom")
a.count_error('we"ird\\kind\nx')
open(sys.argv[2], "w").write("ready\n")
while True:
    time.sleep(0.05)
    if seen:
        open(sys.argv[2] + ".chained", "w").write("%d\n" % len(seen))
        seen.clear()
EOF
P=$(free_port)
spawn $PY "$T/agent_feed.py" "$P" "$T/feed.ready" 2>"$T/feed.err"
FEED=$!
if wait_for 10 test -f "$T/feed.ready"; then
	check "agent /metrics parses (strict, and prometheus_client's parser)" H parse "$P"
	check "agent page has exact request, latency, error and trim values" \
		H agent-values "$P" "$FEED"
	check "agent /healthz answers ok" healthy "$P"
	check "agent answers 404 for an unknown path" \
		test "$(H status "$P" /nope)" = 404
	kill -USR1 "$FEED"
	check "SIGUSR1 runs a trim and logs it" wait_for 5 grep -q \
		'^modeltop_agent: trim freed [0-9]* bytes (rss [0-9]* -> [0-9]*)$' "$T/feed.err"
	check "SIGUSR1 trim updates trim_runs_total" \
		wait_for 5 value_is "$P" trim_runs_total 1
	check "the previous SIGUSR1 handler still runs (chained)" \
		wait_for 5 test -f "$T/feed.ready.chained"
	ts=$(H value "$P" trim_last_timestamp_seconds)
	check "trim_last_timestamp_seconds is now" $PY -c \
		"import sys,time; sys.exit(not abs(time.time() - float('$ts')) < 30)"
else
	fail "agent feeding process did not start: $(cat "$T/feed.err")"
fi

# ---------------------------------------------- fragmenting worker: trim
P=$(free_port)
spawn $PY "$WORKER" --name frag --port "$P" --behaviour fragmenting \
	--log "$T/frag.log"
FRAG=$!
if wait_for 30 grep -q "fragmented heap" "$T/frag.log" && wait_for 5 healthy "$P"; then
	sleep 0.5
	before=$(rss "$FRAG")
	alloc=$(H value "$P" malloc_allocated_bytes)
	echo "fragmenting: rss $((before / MB)) MB, malloc_allocated_bytes $((alloc / MB)) MB"
	check "fragmenting worker holds >= 250 MB RSS" test "$before" -ge $((250 * MB))
	check "fragmenting worker's allocated bytes are < 1/4 of its RSS" \
		test $((alloc * 4)) -lt "$before"
	kill -USR1 "$FRAG"
	wait_for 15 grep -q "trim freed" "$T/frag.log"
	sleep 0.2
	after=$(rss "$FRAG")
	freed=$(H value "$P" trim_freed_bytes)
	drop=$(( (before - after) * 100 / before ))
	echo "fragmenting: SIGUSR1 trim: rss $((before / MB)) MB -> $((after / MB)) MB" \
		"(drop $drop%), trim_freed_bytes $((freed / MB)) MB"
	grep "trim freed" "$T/frag.log"
	check "SIGUSR1 on the fragmenting worker drops RSS >= 40% ($drop%)" \
		test "$drop" -ge 40
	diff=$(( freed - (before - after) )); diff=${diff#-}
	check "trim_freed_bytes reflects the drop (within 10% of RSS)" \
		test "$diff" -le $((before / 10))
	check "trim_runs_total is 1 after one SIGUSR1" \
		value_is "$P" trim_runs_total 1
	check "fragmenting worker /metrics parses" H parse "$P"
else
	fail "fragmenting worker did not settle: $(tail -5 "$T/frag.log")"
fi
kill "$FRAG" 2>/dev/null
check "a worker exits on SIGTERM with a log line" wait_for 5 dead "$FRAG"
check "the worker logged its stop" grep -q "stopping on SIGTERM" "$T/frag.log"

# -------------------------------------------------- leaking worker grows
P=$(free_port)
spawn $PY "$WORKER" --name leak --port "$P" --behaviour leaking \
	--log "$T/leak.log" --leak-rate 10 --leak-cap 200
LEAK=$!
if wait_for 10 healthy "$P"; then
	r0=$(rss "$LEAK"); sleep 2.5; r1=$(rss "$LEAK")
	echo "leaking: rss $((r0 / MB)) MB -> $((r1 / MB)) MB in 2.5 s at 10 MB/s"
	check "leaking worker's RSS grows (>= 12 MB in 2.5 s)" \
		test $((r1 - r0)) -ge $((12 * MB))
	kill -USR1 "$LEAK"
	wait_for 10 grep -q "trim freed" "$T/leak.log"
	freed=$(H value "$P" trim_freed_bytes)
	grep "trim freed" "$T/leak.log"
	check "a trim frees (almost) nothing on the leaking worker" \
		test "$freed" -lt $(( $(rss "$LEAK") / 20 ))
else
	fail "leaking worker did not start: $(tail -5 "$T/leak.log")"
fi
kill "$LEAK" 2>/dev/null

# -------------------------------------------------- errors worker bursts
P=$(free_port)
spawn $PY "$WORKER" --name errs --port "$P" --behaviour errors \
	--log "$T/errs.log" --error-period 1
ERRS=$!
check "errors worker writes tracebacks to its log" \
	wait_for 15 grep -q "^Traceback (most recent call last):" "$T/errs.log"
check "its tracebacks end in the injected exceptions" \
	grep -qE "^(RuntimeError: CUDA out of memory|ConnectionResetError: |ValueError: NaN in model output)" "$T/errs.log"
check "errors_total sums to requests_total{status=error} (> 0)" \
	wait_for 5 H errors-consistent "$P"
kill "$ERRS" 2>/dev/null

# ------------------------------------------------------ config writer
check "fleet.py --write-config (defaults) equals data/demo/demo.ini" bash -c \
	"$PY $FLEET --write-config $T/demo.ini --config-only && cmp $T/demo.ini $DEMO/demo.ini"
check "fleet.py --write-config - writes the same to stdout" bash -c \
	"$PY $FLEET --write-config - --config-only | cmp - $DEMO/demo.ini"
$PY "$FLEET" --write-config "$T/big.ini" --config-only --count 8 --dir "$T/big" --base-port 30001
check "a larger fleet cycles behaviours (healthy-07, leaking-08)" bash -c \
	"grep -q '^\[worker healthy-07\]' $T/big.ini && grep -q '^\[worker leaking-08\]' $T/big.ini && grep -q '^metrics_url = http://127.0.0.1:30008/metrics' $T/big.ini"
check "config uses only the known keys" $PY - "$DEMO/demo.ini" <<'EOF'
import sys
keys = {"interval", "db", "pid_file", "pid", "match", "metrics_url", "log",
        "memory_limit", "actions", "signal", "exec", "http_post", "verify",
        "metric", "above", "below", "for", "severity", "action",
        "expect", "settle", "timeout", "confirm", "retries", "auto", "max_per_hour"}
sections = 0
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.strip()
    if not line or line[0] in ";#":
        continue
    if line.startswith("["):
        sections += 1
        kind = line[1:].split()[0].rstrip("]")
        if kind not in ("modeltop", "worker", "action", "rule"):
            sys.exit("%d: section %s" % (n, line))
        continue
    k = line.split("=", 1)[0].strip()
    if k not in keys:
        sys.exit("%d: unknown key %s" % (n, k))
sys.exit(sections != 11)
EOF

# ------------------------------------------------------------- the fleet
BASE=$(free_ports 6)
FD=$T/fleet
spawn $PY "$FLEET" --dir "$FD" --base-port "$BASE" --crash-after 3 \
	--write-config "$T/fleet.ini" 2>"$T/fleet.err"
FLEETPID=$!
all_up() {
	local n
	for n in healthy leaking fragmenting errors crashloop latency; do
		[ -s "$FD/$n.pid" ] && alive "$(cat "$FD/$n.pid")" || return 1
	done
	local i
	for i in 0 1 2 3 4 5; do healthy $((BASE + i)) || return 1; done
}
check "fleet.py starts 6 workers, each with a pid file and /metrics" wait_for 20 all_up
check "fleet.py --write-config names the fleet's ports and dir" \
	grep -q "^pid_file = $FD/latency.pid" "$T/fleet.ini"
check "the pid files hold the workers' pids" bash -c \
	"tr '\0' ' ' </proc/\$(cat $FD/leaking.pid)/cmdline | grep -q -- '--name leaking'"
c1=$(cat "$FD/crashloop.pid" 2>/dev/null)
changed() { local p; p=$(cat "$FD/crashloop.pid" 2>/dev/null); [ -n "$p" ] && [ "$p" != "$c1" ] && alive "$p"; }
check "the crash-looping worker is restarted (pid file changes)" wait_for 20 changed
check "the crash left a traceback in its log" \
	grep -q "^RuntimeError: model weights checksum mismatch" "$FD/crashloop.log"
check "the fleet logged the restart" grep -q "crashloop restarted as pid" "$T/fleet.err"
pids=$(cat "$FD"/*.pid 2>/dev/null)
kids=$(pgrep -P "$FLEETPID")
kill -TERM "$FLEETPID"
check "fleet.py exits after SIGTERM" wait_for 15 dead "$FLEETPID"
none_left() { local p; for p in $pids $kids; do alive "$p" && return 1; done; ! pgrep -f -- "--log $FD/" >/dev/null; }
check "SIGTERM to fleet.py leaves no worker process behind" none_left
check "the fleet removes its pid files on exit" bash -c "! ls $FD/*.pid 2>/dev/null | grep -q ."
grep -q "SIGTERM: stopping 6 workers" "$T/fleet.err" || cat "$T/fleet.err"

# SIGKILL: the workers die with the fleet (PR_SET_PDEATHSIG).
BASE=$(free_ports 2)
FD=$T/fleet2
spawn $PY "$FLEET" --dir "$FD" --base-port "$BASE" --count 2 2>"$T/fleet2.err"
FLEETPID=$!
if wait_for 15 bash -c "[ -s $FD/healthy.pid ] && [ -s $FD/leaking.pid ]" &&
	wait_for 10 healthy "$BASE"; then
	pids=$(cat "$FD"/*.pid)
	kill -KILL "$FLEETPID"
	wait "$FLEETPID" 2>/dev/null
	check "SIGKILL to fleet.py leaves no worker process behind" wait_for 10 none_left
else
	fail "the 2-worker fleet did not start: $(cat "$T/fleet2.err")"
fi

# A taken port: a clear message naming it, nothing started.
BASE=$(free_ports 6)
$PY -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); open(sys.argv[2],"w").close(); time.sleep(30)' \
	$((BASE + 2)) "$T/busy.ready" &
BUSY=$!; _pids="$_pids $BUSY"
wait_for 5 test -f "$T/busy.ready"
$PY "$FLEET" --dir "$T/fleet3" --base-port "$BASE" >"$T/busy.out" 2>&1
rc=$?
cat "$T/busy.out"
check "fleet.py fails (exit 1) when a port is taken" test "$rc" = 1
check "the message names the taken port" grep -q "port $((BASE + 2)) (worker fragmenting)" "$T/busy.out"
check "nothing was started" bash -c "! ls $T/fleet3/*.pid 2>/dev/null | grep -q ."
kill "$BUSY" 2>/dev/null

# ------------------------------------------- the prometheus_client worker
P=$(free_port); CP=$(free_port)
spawn $PY "$PCW" "$P" --state "$T/pcw.json" --control-port "$CP" 2>"$T/pcw.err"
PCWPID=$!
if wait_for 10 test -f "$T/pcw.json"; then
	check "prom_client_worker at step 0 matches its state file" H prom-state "$P" "$T/pcw.json" 0
	for i in 1 2 3 4; do H get "$CP" /bump >/dev/null; done
	kill -USR1 "$PCWPID"
	wait_for 5 grep -q '"step": 5' "$T/pcw.json"
	check "prom_client_worker after 5 bumps matches its state file" H prom-state "$P" "$T/pcw.json" 5
else
	fail "prom_client_worker did not start: $(cat "$T/pcw.err")"
fi

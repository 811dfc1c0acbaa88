#!/usr/bin/env bash
# modeltop record + export against real workers: one on the project's own
# agent, one on the real prometheus_client library.
. "$(dirname "$0")/lib.sh"

P1=$(free_port)
P2=$(free_port)
cat >"$T/agent_worker.py" <<PYEOF
import os, sys, time
import modeltop_agent as agent
agent.start($P1)
for i in range(7):
    agent.observe_request(0.03, ok=True)
for i in range(3):
    agent.observe_request(0.2, ok=False)
agent.count_error("timeout")
agent.count_error("timeout")
open(sys.argv[1] + ".tmp", "w").write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
blob = bytearray(40 * 1024 * 1024)       # 40 MB, touched, so RSS is steady
for i in range(0, len(blob), 4096):
    blob[i] = 1
while True:
    time.sleep(1)
PYEOF
cat >"$T/prom_worker.py" <<PYEOF
import os, sys, time
from prometheus_client import Counter, Gauge, Histogram, start_http_server
c = Counter("demo_requests", "requests", ["path"])
g = Gauge("demo_temperature", "a gauge", ["path"])
h = Histogram("demo_latency_seconds", "latency", buckets=[0.1, 0.5, 1.0])
c.labels(path="/a").inc(5)
c.labels(path="/b").inc(2.5)
g.labels(path='C:\\\\dir "x"\nnext').set(21.5)
for v in (0.05, 0.3, 0.3, 2.0):
    h.observe(v)
start_http_server($P2, addr="127.0.0.1")
open(sys.argv[1] + ".tmp", "w").write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(1)
PYEOF
spawn $PY "$T/agent_worker.py" "$T/agent.pid"
spawn $PY "$T/prom_worker.py" "$T/prom.pid"
wait_for 10 test -s "$T/agent.pid" && wait_for 10 test -s "$T/prom.pid" ||
	fail "workers did not start"

cat >"$T/fleet.ini" <<EOF2
[modeltop]
interval = 500ms

[worker agent]
pid_file = $T/agent.pid
metrics_url = http://127.0.0.1:$P1/metrics

[worker prom]
pid_file = $T/prom.pid
metrics_url = http://127.0.0.1:$P2/metrics
memory_limit = 1G
EOF2

check "check accepts the config" "$MODELTOP" check -c "$T/fleet.ini"
"$MODELTOP" record -c "$T/fleet.ini" --db "$T/rec.db" --duration 4 2>"$T/record.log"
rc=$?
check "record --duration exits 0 (rc=$rc)" test "$rc" -eq 0
apid=$(cat "$T/agent.pid")
rss_now=$(awk '/^VmRSS:/ {print $2 * 1024}' /proc/$apid/status)

"$MODELTOP" export --db "$T/rec.db" --format csv >"$T/all.csv"
check "CSV header" test "$(head -1 "$T/all.csv")" = "ts,worker,metric,labels,value"
"$MODELTOP" export --db "$T/rec.db" --format jsonl >"$T/all.jsonl"

$PY - "$T/all.jsonl" "$rss_now" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rss_now = float(sys.argv[2])
def last(worker, metric, **labels):
    vals = [r for r in rows if r["worker"] == worker and r["metric"] == metric
            and all(r["labels"].get(k) == v for k, v in labels.items())]
    return vals[-1]["value"] if vals else None
def check(desc, cond):
    print(("PASS: " if cond else "FAIL: ") + desc)
check("agent requests_total ok == 7", last("agent", "requests_total", status="ok") == 7)
check("agent requests_total error == 3", last("agent", "requests_total", status="error") == 3)
check("agent errors_total timeout == 2", last("agent", "errors_total", kind="timeout") == 2)
check("agent latency histogram count == 10", last("agent", "request_latency_seconds_count") == 10)
check("agent bucket le=0.05 == 7", last("agent", "request_latency_seconds_bucket", le="0.05") == 7)
check("prom counter /a == 5", last("prom", "demo_requests_total", path="/a") == 5)
check("prom counter /b == 2.5", last("prom", "demo_requests_total", path="/b") == 2.5)
check("prom gauge with escaped label value == 21.5",
      last("prom", "demo_temperature", path='C:\\dir "x"\nnext') == 21.5)
check("prom histogram bucket le=0.5 == 3", last("prom", "demo_latency_seconds_bucket", le="0.5") == 3)
check("prom histogram +Inf bucket == 4", last("prom", "demo_latency_seconds_bucket", le="+Inf") == 4)
check("prom histogram sum == 2.65", abs(last("prom", "demo_latency_seconds_sum") - 2.65) < 1e-9)
rss = last("agent", "proc_rss_bytes")
check("agent RSS %.0f within 10%% of /proc %.0f" % (rss or 0, rss_now),
      rss is not None and abs(rss - rss_now) <= 0.1 * rss_now)
check("up == 1 for both", last("agent", "up") == 1 and last("prom", "up") == 1)
check("memory_limit_bytes from config", last("prom", "memory_limit_bytes") == 1024**3)
ups = [r["ts"] for r in rows if r["worker"] == "agent" and r["metric"] == "up"]
check("about 8 ticks in 4 s at 500ms (%d)" % len(ups), 6 <= len(ups) <= 10)
check("ticks strictly increasing", all(b > a for a, b in zip(ups, ups[1:])))
for m in ("proc_cpu_percent", "proc_threads", "proc_fds", "proc_restarts", "proc_pss_bytes"):
    check("agent has " + m, last("agent", m) is not None)
PYEOF

# The CSV quotes the label field (it holds quotes and commas).
check "CSV quotes labels with quotes" grep -q '"{path=""C:\\\\dir \\""x\\""\\nnext""}"' "$T/all.csv"
# Filters.
"$MODELTOP" export --db "$T/rec.db" --worker prom --metric demo_requests_total >"$T/f.csv"
check "filter by worker and metric" test "$(tail -n +2 "$T/f.csv" | cut -d, -f2,3 | sort -u)" = "prom,demo_requests_total"
"$MODELTOP" export --db "$T/rec.db" --metric 'proc_*' --worker agent --format jsonl >"$T/g.jsonl"
check "glob filter on metric" test "$(grep -vc '"metric":"proc_' "$T/g.jsonl")" -eq 0
n_all=$(tail -n +2 "$T/f.csv" | wc -l)
first_ts=$(tail -n +2 "$T/f.csv" | head -1 | cut -d, -f1)
"$MODELTOP" export --db "$T/rec.db" --worker prom --metric demo_requests_total --from "$(echo "$first_ts + 1" | bc 2>/dev/null || $PY -c "print($first_ts+1)")" >"$T/h.csv"
n_win=$(tail -n +2 "$T/h.csv" | wc -l)
check "--from narrows the window ($n_win < $n_all)" test "$n_win" -lt "$n_all"
check "--to in the past gives no rows" test "$("$MODELTOP" export --db "$T/rec.db" --to 1000 | wc -l)" -eq 1
"$MODELTOP" export --db "$T/rec.db" --from garbage >/dev/null 2>"$T/err"
check "bad --from is a usage error" grep -q 'from' "$T/err"
# Events: the workers were found.
check "record logged the workers it found" grep -q 'agent started: found process' "$T/record.log"

#!/usr/bin/env bash
# The recorder's own cost: `modeltop record` watching 100 real Python
# workers (the agent, each serving /metrics with a latency histogram) at
# 1 s; CPU time of the recorder process from /proc/PID/stat, as a share of
# one core, in two windows: start-up (3 s to 3 + SECS, default 30: every
# series is created, every worker's first smaps_rollup is read) and the
# steady state the recorder spends while left running (WARM, default 60 s,
# to WARM + STEADY, default 60).  Target: under 1% in the steady state.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODELTOP=${MODELTOP:-$ROOT/modeltop}
SECS=${SECS:-30}
WARM=${WARM:-60}
STEADY=${STEADY:-60}
N=${N:-100}
T=$(mktemp -d /tmp/modeltop-bench.XXXXXX)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
export PYTHONPATH="$ROOT/data/python" PYTHONDONTWRITEBYTECODE=1
base=$(/usr/bin/python3 -c 'import random; print(random.randint(20000, 50000))')
cat >"$T/w.py" <<'PY'
import os, random, sys, time
import modeltop_agent as agent
port = int(sys.argv[1])
agent.start(port)
open(sys.argv[2] + ".tmp", "w").write(str(os.getpid()))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
# ten requests a second, fed once a second: the workers stay light so
# that 100 of them on a small machine do not drown what is measured
while True:
    time.sleep(1.0)
    for _ in range(10):
        agent.observe_request(random.uniform(0.01, 0.2), ok=random.random() > 0.01)
PY
{ echo "[modeltop]"; echo "interval = 1s"; } >"$T/fleet.ini"
for i in $(seq 1 "$N"); do
	port=$((base + i))
	/usr/bin/python3 "$T/w.py" "$port" "$T/w$i.pid" &
	pids="$pids $!"
	printf '[worker w%d]\npid_file = %s\nmetrics_url = http://127.0.0.1:%d/metrics\n' \
		"$i" "$T/w$i.pid" "$port" >>"$T/fleet.ini"
done
for i in $(seq 1 "$N"); do
	for _ in $(seq 1 100); do [ -s "$T/w$i.pid" ] && break; sleep 0.1; done
done
sleep 1
"$MODELTOP" record -q -c "$T/fleet.ini" --db "$T/rec.db" &
rp=$!
start=$(date +%s)
hz=$(getconf CLK_TCK)
# CPU share of the recorder between now and SECONDS from now
cpu_for() {
	local t0 s0 t1 s1
	t0=$(awk '{print $14 + $15}' /proc/$rp/stat)
	s0=$(date +%s%N)
	sleep "$1"
	t1=$(awk '{print $14 + $15}' /proc/$rp/stat)
	s1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" -v s0="$s0" -v s1="$s1" -v hz="$hz" \
		'BEGIN { printf "%.2f", 100 * (b - a) / hz / ((s1 - s0) / 1e9) }'
}
sleep 3
first=$(cpu_for "$SECS")
until [ $(( $(date +%s) - start )) -ge "$WARM" ]; do sleep 1; done
pct=$(cpu_for "$STEADY")
rss=$(awk '/^VmRSS:/ {print $2}' /proc/$rp/status)
anon=$(awk '/^RssAnon:/ {print $2}' /proc/$rp/status)
kill -TERM "$rp"; wait "$rp"
ok=$(awk -v p="$pct" 'BEGIN { print (p < 1.0) ? "ok" : "FAIL" }')
samples=$("$MODELTOP" export --db "$T/rec.db" --metric up | wc -l)
echo "recorder: $N workers, cpu ${first}% (3-$((3 + SECS)) s), ${pct}% ($WARM-$((WARM + STEADY)) s), rss ${rss} kB, $samples up-samples" >&2
echo "| recorder CPU, $N workers at 1 s, start-up: 3 to $((3 + SECS)) s (series created, every worker's first smaps_rollup) | ${first}% of one core | - | - |"
echo "| recorder CPU, $N workers at 1 s, steady state: $WARM to $((WARM + STEADY)) s (scrape + parse + /proc + store) | ${pct}% of one core | < 1% | $ok |"
echo "| recorder resident memory, $N workers (of which private: RssAnon) | $((rss / 1024)) MB ($((anon / 1024)) MB) | - | - |"

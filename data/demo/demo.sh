#!/bin/sh
# make demo: start the demo fleet (data/demo/fleet.py) and open the console
# on it; the fleet stops when the console exits.
#   sh data/demo/demo.sh            the console (needs a terminal)
#   sh data/demo/demo.sh --record   record 30 s headless and print a summary
#                                   per worker (what `make demo` does when
#                                   there is no terminal)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
MODELTOP=${MODELTOP:-$root/modeltop}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
DIR=${MODELTOP_DEMO_DIR:-/tmp/modeltop-demo}
mode=console
[ "${1:-}" = "--record" ] && mode=record
[ -t 0 ] && [ -t 1 ] || mode=record

mkdir -p "$DIR"
PYTHONPATH="$root/data/python" PYTHONDONTWRITEBYTECODE=1 \
	"$PY" "$here/fleet.py" --dir "$DIR" >"$DIR/fleet.out" 2>&1 &
fleet=$!
trap 'kill -TERM $fleet 2>/dev/null; wait $fleet 2>/dev/null' EXIT INT TERM
# wait for the workers' pid files
i=0
while [ $i -lt 50 ] && [ "$(ls "$DIR"/*.pid 2>/dev/null | wc -l)" -lt 6 ]; do
	sleep 0.2
	i=$((i + 1))
done
if ! kill -0 $fleet 2>/dev/null; then
	echo "demo: the fleet did not start:" >&2
	cat "$DIR/fleet.out" >&2
	exit 1
fi

if [ "$mode" = console ]; then
	"$MODELTOP" -c "$here/demo.ini" --db "$DIR/demo.db"
	exit $?
fi

db="$DIR/demo-$$.db"
echo "demo: recording the demo fleet for 30 s into $db ..."
"$MODELTOP" record -c "$here/demo.ini" --db "$db" --duration 30 -q || exit 1
"$MODELTOP" export --db "$db" --format jsonl | "$PY" -c '
import json, sys, math
from collections import defaultdict
last, first, mx, ups = {}, {}, defaultdict(float), defaultdict(list)
for line in sys.stdin:
    r = json.loads(line)
    if r["labels"]:
        continue
    k = (r["worker"], r["metric"])
    v = r["value"] if not isinstance(r["value"], str) else float("nan")
    first.setdefault(k, v); last[k] = v
    if v == v: mx[k] = max(mx[k], v)
    if r["metric"] == "up": ups[r["worker"]].append(v)
def g(w, m, d=float("nan")): return last.get((w, m), d)
def mb(x): return "-" if x != x else "%.0fM" % (x / 2**20)
def f(x, fmt): return "-" if x != x else fmt % x
print("%-12s %5s %6s %8s %8s %8s %7s %7s %7s %8s" % ("worker", "up%", "cpu%", "rss", "rss max",
      "req/s", "err/s", "p50", "p99", "restarts"))
for w in sorted(ups):
    u = ups[w]
    print("%-12s %5.0f %6s %8s %8s %8s %7s %7s %7s %8s" % (w, 100.0 * sum(u) / len(u),
          f(g(w, "proc_cpu_percent"), "%.1f"), mb(g(w, "proc_rss_bytes")), mb(mx[(w, "proc_rss_bytes")]),
          f(g(w, "requests_per_second"), "%.1f"), f(g(w, "errors_per_second"), "%.2f"),
          f(g(w, "latency_p50_seconds") * 1000, "%.0fms"), f(g(w, "latency_p99_seconds") * 1000, "%.0fms"),
          f(g(w, "proc_restarts", 0), "%.0f")))
'
echo
echo "events:"
sqlite3 "$db" "SELECT datetime(ts/1000,'unixepoch','localtime'), worker, kind, text FROM events ORDER BY ts" 2>/dev/null | tail -20
rm -f "$db" "$db-wal" "$db-shm"

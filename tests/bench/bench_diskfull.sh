#!/usr/bin/env bash
# A recording whose disk fills up (issue 7's figure): `modeltop record`
# on N real workers (the agent, serving /metrics) at 100 ms writes into a
# 1 MB tmpfs; a filler file takes all but the last few KB, and the
# recorder's own commits use those up.  The disk stays full for HOLD
# seconds, then the filler goes.  Measured: whether the recording
# reopens (export) and passes PRAGMA integrity_check while the disk is
# full and after, how many ticks were recorded before it filled, whether
# an export taken before is intact after, and whether the ticks sampled
# while it was full were written once space came back.
# Needs root (mount); without it the rows say "skipped".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODELTOP=${MODELTOP:-$ROOT/modeltop}
N=${N:-3}
HOLD=${HOLD:-3}
T=$(mktemp -d /tmp/modeltop-bench.XXXXXX)
pids=""
mnt=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
row() { echo "| $1 | $2 | $3 | $4 |"; }
if [ "$(id -u)" != 0 ] || ! mkdir -p "$T/small" ||
    ! mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
	echo "bench_diskfull: needs root to mount a tmpfs" >&2
	row "recording reopens after the disk filled (export, integrity_check)" "skipped (needs root)" "ok" "-"
	exit 0
fi
mnt=$T/small
export PYTHONPATH="$ROOT/data/python" PYTHONDONTWRITEBYTECODE=1
base=$(/usr/bin/python3 -c 'import random; print(random.randint(20000, 50000))')
cat >"$T/w.py" <<'PY'
import os, random, sys, time
import modeltop_agent as agent
agent.start(int(sys.argv[1]))
open(sys.argv[2] + ".tmp", "w").write(str(os.getpid()))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
while True:
    time.sleep(0.05)
    agent.observe_request(random.uniform(0.01, 0.2), ok=random.random() > 0.01)
PY
{ echo "[modeltop]"; echo "interval = 100ms"; } >"$T/fleet.ini"
for i in $(seq 1 "$N"); do
	/usr/bin/python3 "$T/w.py" $((base + i)) "$T/w$i.pid" &
	pids="$pids $!"
	printf '[worker w%d]\npid_file = %s\nmetrics_url = http://127.0.0.1:%d/metrics\n' \
		"$i" "$T/w$i.pid" $((base + i)) >>"$T/fleet.ini"
done
for i in $(seq 1 "$N"); do
	for _ in $(seq 1 100); do [ -s "$T/w$i.pid" ] && break; sleep 0.1; done
done
DB=$T/small/rec.db
integrity() { test "$(sqlite3 -readonly "$DB" 'PRAGMA integrity_check' 2>&1)" = ok; }
ups() { "$MODELTOP" export --db "$DB" --worker w1 --metric up | tail -n +2 | cut -d, -f1; }

"$MODELTOP" record -q -c "$T/fleet.ini" --db "$DB" 2>"$T/rec.err" &
rp=$!
pids="$pids $rp"
sleep 3
"$MODELTOP" export --db "$DB" >"$T/pre.csv"
# all but 32 KB: the recorder's own commits fill the rest
free_kb=$(df -k --output=avail "$T/small" | tail -1)
dd if=/dev/zero of="$T/small/filler" bs=1k count=$((free_kb - 32)) 2>/dev/null
t0=$(date +%s%N)
for _ in $(seq 1 300); do grep -q 'disk full' "$T/rec.err" && break; sleep 0.1; done
t_full=$(date +%s%N)
full_after_ms=$(( (t_full - t0) / 1000000 ))
grep -q 'disk full' "$T/rec.err" && filled=1 || filled=0
n_before=$(ups | wc -l)
sleep "$HOLD"
alive=0
kill -0 "$rp" 2>/dev/null && alive=1
reopen_full=FAIL
"$MODELTOP" export --db "$DB" >"$T/during.csv" 2>"$T/during.err" && integrity &&
	[ "$(wc -l <"$T/during.csv")" -gt 1 ] && reopen_full=ok
t_free=$(date +%s%N)
rm -f "$T/small/filler"
for _ in $(seq 1 100); do grep -q 'works again' "$T/rec.err" && break; sleep 0.1; done
sleep 0.5
kill -TERM "$rp"
wait "$rp"
rc=$?
reopen_after=FAIL
"$MODELTOP" export --db "$DB" >"$T/post.csv" 2>/dev/null && integrity && reopen_after=ok
intact=$(/usr/bin/python3 - "$T/pre.csv" "$T/post.csv" <<'PY'
import sys
a = open(sys.argv[1]).read().splitlines()[1:]
b = open(sys.argv[2]).read().splitlines()[1:]
last = max(float(r.split(",", 1)[0]) for r in a)
b = [r for r in b if float(r.split(",", 1)[0]) <= last]
print("identical (%d rows)" % len(a) if sorted(a) == sorted(b) else
      "DIFFERENT (%d rows before, %d after)" % (len(a), len(b)))
PY
)
ups >"$T/ups"
# ticks sampled while the disk was full: between the fill and the free
held=$(awk -v a="$t_full" -v b="$t_free" '$1 * 1e9 >= a && $1 * 1e9 <= b' "$T/ups" | wc -l)
expect=$(( (t_free - t_full) / 100000000 ))
gap=$(awk 'NR > 1 { d = ($1 - p) * 1000; if (d > m) m = d } { p = $1 } END { printf "%d", m }' "$T/ups")
echo "diskfull: filled=$filled after ${full_after_ms}ms, alive=$alive, rc=$rc, $n_before ticks before, $held of ~$expect while full, max gap ${gap}ms" >&2
cat "$T/rec.err" >&2

v() { [ "$1" = ok ] && echo ok || echo FAIL; }
row "the recorder's own commits fill a 1 MB tmpfs: disk full reported, recorder keeps sampling" \
	"$([ "$filled" = 1 ] && echo "after ${full_after_ms} ms" || echo "never")$([ "$alive" = 1 ] && echo ", running" || echo ", STOPPED")" \
	"reported, running" "$([ "$filled" = 1 ] && [ "$alive" = 1 ] && echo ok || echo FAIL)"
row "recording reopens while the disk is full (export, PRAGMA integrity_check)" "$reopen_full" "ok" "$(v $reopen_full)"
row "ticks recorded before the disk filled ($N workers, 100 ms)" "$n_before" "-" "-"
row "export taken before the fill, after it" "$intact" "identical" \
	"$(case "$intact" in identical*) echo ok ;; *) echo FAIL ;; esac)"
row "ticks sampled while full (${HOLD} s), written once space freed" \
	"$held of ~$expect (max gap ${gap} ms)" "all (gap < 1 s)" \
	"$([ "$gap" -lt 1000 ] && [ "$held" -ge $((expect * 8 / 10)) ] && echo ok || echo FAIL)"
row "recording reopens after recovery and SIGTERM (exit $rc, integrity_check)" "$reopen_after" "ok" \
	"$([ "$reopen_after" = ok ] && [ "$rc" = 0 ] && echo ok || echo FAIL)"

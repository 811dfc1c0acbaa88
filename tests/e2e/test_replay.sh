#!/usr/bin/env bash
# modeltop replay on a real recording of the demo fleet: following the
# recorder live (the newest tick advances), export and incidents on the
# file while it is written; then, on the finished recording, the panels
# at several times against what `modeltop export` says was true then,
# the crash with the worker down and its incident open, the navigation
# keys, operator commands refused, a recording cut by kill -9, damaged
# files (truncated, empty, text, newer schema) refused with their
# message, and the file unchanged by all of it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
export TZ=UTC
REC_SECS=55

# ---- the fleet and its recorder ----
# six pid files in $1, or the fleet ($2) gone (a port was taken)
fleet_ready() { [ "$(ls "$1"/*.pid 2>/dev/null | wc -l)" -ge 6 ] || ! kill -0 "$2" 2>/dev/null; }
for try in 1 2 3; do
	base=$($PY -c 'import random; print(random.randint(41000, 49000))')
	FLEET=$T/fleet$try
	$PY "$ROOT/data/demo/fleet.py" --dir "$FLEET" --base-port "$base" \
		--write-config "$T/fleet.ini" --config-only >/dev/null
	spawn $PY "$ROOT/data/demo/fleet.py" --dir "$FLEET" \
		--base-port "$base" --crash-after 12 2>"$T/fleet.log"
	fleet=$!
	wait_for 20 fleet_ready "$FLEET" "$fleet"
	kill -0 "$fleet" 2>/dev/null && break
	wait "$fleet" 2>/dev/null
done
check "the demo fleet runs (6 pid files)" \
	test "$(ls "$FLEET"/*.pid 2>/dev/null | wc -l)" -ge 6
"$MODELTOP" record -q -c "$T/fleet.ini" --db "$T/rec.db" \
	--duration "$REC_SECS" 2>"$T/record.log" &
rec=$!
_pids="$_pids $rec"
wait_for 10 test -s "$T/rec.db"
sleep 4

# ---- following a recorder live ----
# the time on the time bar (YYYY-MM-DD HH:MM:SS), from the screen
bar_time() { tmux_capture | grep -o '20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:]\{8\}' | tail -1; }
tmux_start 200 50 "$MODELTOP" replay "$T/rec.db"
check "replay of a recording being written opens" tmux_wait 10 "FOLLOW"
check "the header says REPLAY and the file" tmux_wait 5 "REPLAY $T/rec.db"
t1=$(bar_time)
sleep 3.5
t2=$(bar_time)
check "following: the newest tick advances ($t1 -> $t2)" \
	test -n "$t1" -a -n "$t2" -a "$t1" \< "$t2"
# the cursor moved by hand: following stops, the time stays
tmux_keys ','
tmux_wait 5 "PAUSED" >/dev/null
t3=$(bar_time)
sleep 2.5
check "a moved cursor stays put while the recording grows" \
	test "$(bar_time)" = "$t3"
tmux_keys '$'
check "\$ follows again" tmux_wait 5 "FOLLOW"
tmux_stop

"$MODELTOP" export --db "$T/rec.db" --metric up >"$T/live-up.csv" 2>"$T/live.err"
rc=$?
check "export on a file being recorded: exit 0 (rc=$rc)" test "$rc" -eq 0
check "export on a file being recorded: rows" \
	test "$(wc -l <"$T/live-up.csv")" -gt 6
"$MODELTOP" incidents --db "$T/rec.db" >"$T/live-inc.txt" 2>"$T/live-inc.err"
rc=$?
check "incidents on a file being recorded: exit 0 (rc=$rc)" test "$rc" -eq 0
check "incidents on a file being recorded: the table (or none yet)" \
	grep -q '^ID  WORKER\|^no incidents$' "$T/live-inc.txt"

# ---- a recording cut by kill -9 ----
"$MODELTOP" record -q -c "$T/fleet.ini" --db "$T/k9.db" 2>/dev/null &
k9=$!
sleep 4
kill -9 "$k9"
wait "$k9" 2>/dev/null
"$MODELTOP" export --db "$T/k9.db" --worker healthy --metric up >"$T/k9.csv"
check "kill -9: export reads it" test "$(wc -l <"$T/k9.csv")" -gt 2
k9_last=$($PY -c 'import sys, time
rows = open(sys.argv[1]).read().split()[1:]
print(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(rows[-1].split(",")[0]))))' "$T/k9.csv")
tmux_start 200 50 "$MODELTOP" replay "$T/k9.db"
check "kill -9: replay opens it at its last tick ($k9_last)" \
	tmux_wait 10 "$k9_last"
tmux_stop

# ---- the finished recording ----
wait "$rec"
check "the recorder finished" test $? -eq 0
sum() { sha256sum "$T/rec.db" | cut -d' ' -f1; }
before=$(sum)
[ -n "${KEEP:-}" ] && cp "$T/rec.db" "$KEEP"
mtime_before=$(stat -c %Y.%y "$T/rec.db")
"$MODELTOP" export --db "$T/rec.db" --format csv >"$T/all.csv"
"$MODELTOP" incidents --db "$T/rec.db" --format jsonl >"$T/inc.jsonl"

# Times to look at, from the healthy worker's ticks (unix seconds), and
# the crash: the opening of crashloop's first crash incident.
$PY - "$T/all.csv" "$T/inc.jsonl" >"$T/times" <<'PYEOF'
import csv, json, sys
up = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["metric"] == "up":
        up.setdefault(r["worker"], []).append((r["ts"], float(r["value"])))
ticks = [t for t, v in up["healthy"]]
n = len(ticks)
print("T", ticks[n // 4], ticks[n // 2], ticks[3 * n // 4])
crash = [i["opened"] for i in map(json.loads, open(sys.argv[2]))
         if i["worker"] == "crashloop" and i["class"] == "crash"]
print("CRASH", "%.3f" % min(crash) if crash else "")
print("FIRST", ticks[0])
PYEOF
read -r _ T1 T2 T3 < <(grep '^T ' "$T/times")
CRASH=$(awk '/^CRASH/ {print $2}' "$T/times")
FIRST=$(awk '/^FIRST/ {print $2}' "$T/times")
check "the recording has a crash of crashloop" test -n "$CRASH"

# What the fleet panel shows for each worker against the export at T:
# status from up, CPU and RSS from their series at that tick ("-" when
# the tick has none), the header's open incidents from the incident
# report.
compare() { # TS SCREENFILE
	$PY - "$T/all.csv" "$T/inc.jsonl" "$1" "$2" <<'PYEOF'
import csv, json, re, sys, time
rows, ts, screen = sys.argv[1], sys.argv[3], open(sys.argv[4]).read()
# each worker ticks at its own time: its newest tick at or before ts
# (within 2.5 intervals), and the values written at that tick
t = float(ts)
data = {}
tick = {}
for r in csv.DictReader(open(rows)):
    if r["labels"] != "":
        continue
    rt = float(r["ts"])
    data[(r["worker"], r["metric"], rt)] = float(r["value"])
    if r["metric"] == "up" and rt <= t + 1e-4 and t - rt <= 2.5:
        tick[r["worker"]] = max(tick.get(r["worker"], 0), rt)
val = {}
for (w, m, rt), v in data.items():
    if tick.get(w) == rt:
        val[(w, m)] = v
incs = [json.loads(l) for l in open(sys.argv[2])]
open_n = sum(1 for i in incs if i["opened"] <= t and
             (i["resolved"] is None or i["resolved"] > t))
def check(desc, cond):
    print(("PASS: " if cond else "FAIL: ") + "at %s: %s" % (ts, desc))
    if not cond:
        w = desc.split()[0]
        near = sorted((rt, m, v) for (ww, m, rt), v in data.items()
                      if ww == w and abs(rt - t) < 3 and m in ("up", "proc_rss_bytes"))
        print("  (%s tick %s; near: %s)" % (w, tick.get(w), near))
def parse_bytes(s):
    m = re.match(r"^([0-9.]+)([BKMGT])$", s)
    return float(m.group(1)) * 1024 ** "BKMGT".index(m.group(2)) if m else None
when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
check("the time bar shows %s" % when, when in screen)
hdr = screen.splitlines()[0]
m = re.search(r"incidents (\d+)", hdr)
check("header: %d incidents open (%s)" % (open_n, m.group(1) if m else "?"),
      m is not None and int(m.group(1)) == open_n)
for w in ("healthy", "leaking", "fragmenting", "errors", "crashloop", "latency"):
    line = next((l for l in screen.splitlines() if l.startswith(w + " ")), None)
    if line is None:
        check("%s is listed" % w, False)
        continue
    f = line.split()
    up = val.get((w, "up"))
    want = None if up is None else ("down" if up == 0 else "up")
    check("%s status %s (screen %s)" % (w, want, f[1]),
          want is not None and (f[1] == want or (want == "up" and f[1] == "restart")))
    rss = val.get((w, "proc_rss_bytes"))
    got = parse_bytes(f[3])
    check("%s RSS %s (screen %s)" % (w, rss, f[3]),
          (rss is None and f[3] == "-") or
          (rss is not None and got is not None and abs(got - rss) <= 0.006 * rss + 1))
    cpu = val.get((w, "proc_cpu_percent"))
    check("%s CPU %s (screen %s)" % (w, cpu, f[2]),
          (cpu is None and f[2] == "-") or
          (cpu is not None and f[2].endswith("%") and abs(float(f[2][:-1]) - cpu) <= 0.051))
PYEOF
}

for ts in "$T1" "$T2" "$T3"; do
	tmux_start 200 50 "$MODELTOP" replay "$T/rec.db" --at "$ts"
	tmux_wait 10 "PAUSED" >/dev/null
	sleep 0.3
	tmux_capture >"$T/screen"
	compare "$ts" "$T/screen"
	tmux_stop
done

# ---- the crash, reached with the keys ----
crash_hms=$($PY -c 'import sys, time; print(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(float(sys.argv[1]))) + ".%03dZ" % round(float(sys.argv[1]) % 1 * 1000))' "$CRASH")
tmux_start 200 50 "$MODELTOP" replay "$T/rec.db" --at "$FIRST"
tmux_wait 10 "PAUSED" >/dev/null
tmux_keys t
tmux_wait 5 ":goto " >/dev/null
tmux_type "$crash_hms"
tmux_keys Enter
sleep 0.5
tmux_capture >"$T/crash-screen"
compare "$CRASH" "$T/crash-screen"
check "at the crash: crashloop is down" \
	grep -q '^crashloop \+down ' "$T/crash-screen"
tmux_keys 3
sleep 0.5
tmux_capture >"$T/crash-errors"
check "at the crash: its crash incident is open" \
	grep -q 'crash \+crashloo\S* \+open' "$T/crash-errors"
grep -q 'crash \+crashloo\S* \+open' "$T/crash-errors" || cat "$T/crash-errors"
# one tick before: no incident yet
tmux_keys ','
sleep 0.5
check "a tick before the crash: no crash incident" \
	bash -c "! tmux -S '$TMUX_SOCK' capture-pane -t e2e -p | grep -q 'crash \+crashloo'"

# ---- navigation keys ----
first_hms=$($PY -c 'import sys, time; print(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(sys.argv[1]))))' "$FIRST")
tmux_keys 0
check "0: the start of the recording ($first_hms)" tmux_wait 5 "$first_hms"
tmux_keys C-n
crash_sec=$($PY -c 'import sys, time; print(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(sys.argv[1]))))' "$CRASH")
first_inc=$($PY -c 'import json, sys, time
o = min(json.loads(l)["opened"] for l in open(sys.argv[1]))
print(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(o)))' "$T/inc.jsonl")
check "C-n: the first incident ($first_inc)" tmux_wait 5 "$first_inc"
tmux_keys ']'
check "]: one minute later (clamped to the end: following stays off)" \
	tmux_wait 5 "PAUSED"
# play from the start: at the end, playback stops as soon as it begins
tmux_keys 0
check "0: back to the start" tmux_wait 5 "$first_hms"
tmux_keys Space
check "Space plays" tmux_wait 5 "x1 "
tmux_keys '>' '>'
check "> twice: x4" tmux_wait 5 "x4 "
tmux_keys r
tmux_keys Space
check "Space pauses" tmux_wait 5 "PAUSED"
tmux_keys '$'
check "\$: following the newest tick" tmux_wait 5 "FOLLOW"

# ---- history is read-only ----
tmux_keys : ; tmux_type "ack 1"; tmux_keys Enter
check ":ack is refused on a recording" tmux_wait 5 "history is read-only"
tmux_keys : ; tmux_type "note 1 looked at it"; tmux_keys Enter
check ":note is refused on a recording" tmux_wait 5 "note: not on a recording"
tmux_keys : ; tmux_type "resolve 1"; tmux_keys Enter
check ":resolve is refused on a recording" tmux_wait 5 "resolve: not on a recording"
tmux_keys : ; tmux_type "act crashloop trim"; tmux_keys Enter
check ":act is refused on a recording" tmux_wait 5 "act: not on a recording"
tmux_keys : ; tmux_type "goto 99:99"; tmux_keys Enter
check ":goto with a bad time names it" tmux_wait 5 '"99:99"'
tmux_keys q
check "q quits, exit 0" tmux_wait 5 "EXIT 0"
tmux_stop

# ---- damaged files and other things that are not recordings ----
head -c 40000 "$T/rec.db" >"$T/trunc.db"
: >"$T/empty.db"
printf 'ts,worker\n1,a\n' >"$T/text.db"
cp "$T/rec.db" "$T/future.db"
sqlite3 "$T/future.db" 'PRAGMA user_version = 99'
damaged() { # FILE PATTERN DESC
	"$MODELTOP" replay "$1" </dev/null >"$T/d.out" 2>"$T/d.err"
	rc=$?
	check "$3: exit 1 (rc=$rc)" test "$rc" -eq 1
	check "$3: the message ($(head -c 120 "$T/d.err"))" \
		grep -q "^modeltop replay: $1: .*$2" "$T/d.err"
}
damaged "$T/trunc.db" "damaged recording\|not a modeltop recording\|malformed" "a truncated file"
damaged "$T/empty.db" "empty file, not a modeltop recording" "a zero-byte file"
damaged "$T/text.db" "not a modeltop recording" "a text file"
damaged "$T/future.db" "written by a newer modeltop (schema 99" "a newer schema"
"$MODELTOP" replay "$T/nope.db" </dev/null 2>"$T/d.err"
check "a missing file: exit 1 and its message" \
	bash -c "test $? -eq 1 && grep -q 'nope.db' '$T/d.err'"
"$MODELTOP" replay "$T/rec.db" --at "yesterday-ish" </dev/null 2>"$T/d.err"
check "a bad --at: usage error naming it" \
	bash -c "test $? -eq 2 && grep -q 'yesterday-ish' '$T/d.err'"
"$MODELTOP" replay "$T/rec.db" </dev/null >/dev/null 2>"$T/d.err"
check "no terminal: the message and exit 1" \
	bash -c "test $? -eq 1 && grep -q 'needs a terminal' '$T/d.err'"

check "the recording is unchanged by every replay (sha256)" \
	test "$(sum)" = "$before"
check "the recording's mtime is unchanged" \
	test "$(stat -c %Y.%y "$T/rec.db")" = "$mtime_before"

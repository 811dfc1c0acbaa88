#!/usr/bin/env bash
# Storage and clock faults under real recorders on real workers (issue 7):
#   - the disk filling up under `modeltop record` (a 2 MB tmpfs) and under
#     the console recording with --db: a clear message naming the file
#     (the console's status line: "recording paused: ... (N samples held,
#     retried every tick)", then "recording resumed: ..."),
#     sampling goes on, nothing recorded is lost (the held samples are
#     written once space frees), the file passes integrity_check and
#     reopens in export and replay, the export from before is intact;
#   - the recording deleted under a running recorder: exit 1 with a
#     message, no crash, a new recorder starts clean on the path;
#   - the recording made read-only: chmod 0444 (no effect on an open
#     file), chattr +i on ext4 (EPERM even for root): the recorder holds
#     and retries, and writes everything once the flag is cleared;
#   - the wall clock stepping back and forward (libfaketime): the store
#     and export stay in order, nothing is overwritten, events say what
#     happened, a forward step is a gap (and no request-rate anomaly
#     across it); a recorder restarted while the
#     wall clock is behind the recording's end; replay of that file.
# Needs root for mount and chattr (CI runs as root); skips those parts
# otherwise.  Everything mounted is unmounted at exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
export TZ=UTC

MOUNTS=""
LOOPIMG=""
_storage_cleanup() {
	local m
	for m in $MOUNTS; do
		chattr -i "$m"/* 2>/dev/null
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	# KEEP=DIR keeps the test's files (debugging)
	[ -n "${KEEP:-}" ] && cp -r "$T" "$KEEP"
	_cleanup
}
trap _storage_cleanup EXIT
ROOT_OK=0
[ "$(id -u)" = 0 ] && ROOT_OK=1
# PARTS="full deleted readonly clock" runs some of the parts (debugging)
part() { case " ${PARTS:-full deleted readonly clock} " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- two real workers on the project's agent ----
P1=$(free_port)
P2=$(free_port)
cat >"$T/worker.py" <<'PYEOF'
import os, random, sys, time
import modeltop_agent as agent
agent.start(int(sys.argv[1]))
open(sys.argv[2] + ".tmp", "w").write(str(os.getpid()))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
while True:
    time.sleep(0.1)
    agent.observe_request(random.uniform(0.01, 0.2), ok=True)
PYEOF
spawn $PY "$T/worker.py" "$P1" "$T/a.pid"
spawn $PY "$T/worker.py" "$P2" "$T/b.pid"
wait_for 10 test -s "$T/a.pid" && wait_for 10 test -s "$T/b.pid" ||
	fail "workers did not start"
cat >"$T/fleet.ini" <<EOF
[modeltop]
interval = 200ms

[worker a]
pid_file = $T/a.pid
metrics_url = http://127.0.0.1:$P1/metrics

[worker b]
pid_file = $T/b.pid
metrics_url = http://127.0.0.1:$P2/metrics

; started only while the disk is full: its series are new then
[worker c]
pid_file = $T/c.pid
EOF

# ---- helpers ----
integrity() { test "$(sqlite3 -readonly "$1" 'PRAGMA integrity_check' 2>&1)" = ok; }
alive() { kill -0 "$1" 2>/dev/null; }
# ticks DB WORKER: the timestamps of WORKER's up samples, one a line
ticks() { "$MODELTOP" export --db "$1" --worker "$2" --metric up | tail -n +2 | cut -d, -f1; }
# ordered FILE: strictly increasing timestamps
ordered() { awk 'NR > 1 && $1 + 0 <= p + 0 { bad = 1 } { p = $1 } END { exit bad }' "$1"; }
# maxgap FILE: the largest step between consecutive timestamps, in ms
maxgap() { awk 'NR > 1 { d = ($1 - p) * 1000; if (d > m) m = d } { p = $1 } END { printf "%d\n", m }' "$1"; }
# the rows of export file $1 up to the last timestamp it has, from $2
same_prefix() {
	$PY - "$1" "$2" <<'PYEOF'
import sys
a = open(sys.argv[1]).read().splitlines()[1:]
b = open(sys.argv[2]).read().splitlines()[1:]
last = max(float(r.split(",", 1)[0]) for r in a)
b = [r for r in b if float(r.split(",", 1)[0]) <= last]
sys.exit(0 if a and sorted(a) == sorted(b) else 1)
PYEOF
}
events() { sqlite3 -readonly "$1" "SELECT kind || ': ' || text FROM events ORDER BY id"; }
# screen_rows NAME...: the fleet table has a row for each worker
screen_rows() {
	local n
	for n in "$@"; do tmux_capture | grep -q "^$n  *up " || return 1; done
}
fill() { dd if=/dev/zero of="$1" bs=4k 2>/dev/null; sync; }

# ================= the disk fills up under a recorder =================
if ! part full; then
	:
elif [ "$ROOT_OK" = 1 ] && mkdir -p "$T/small" &&
    mount -t tmpfs -o size=2m tmpfs "$T/small" 2>/dev/null; then
	MOUNTS="$MOUNTS $T/small"
	DB=$T/small/rec.db
	"$MODELTOP" record -q -c "$T/fleet.ini" --db "$DB" 2>"$T/full.err" &
	rp=$!
	_pids="$_pids $rp"
	wait_for 10 test -s "$DB"
	sleep 2
	"$MODELTOP" export --db "$DB" >"$T/pre.csv"
	fill "$T/small/filler"
	check "disk full: the recorder names the file and the error" \
		wait_for 10 grep -q "disk full writing $DB" "$T/full.err"
	check "disk full: says sampling goes on and what it does" \
		grep -q "recording paused: sampling goes on" "$T/full.err"
	sleep 2
	check "disk full: the recorder is still running" alive "$rp"
	check "disk full: integrity_check while full" integrity "$DB"
	"$MODELTOP" export --db "$DB" >"$T/during.csv" 2>"$T/during.err"
	check "disk full: export works while full" same_prefix "$T/pre.csv" "$T/during.csv"
	# a worker that appears while the disk is full: new series
	spawn $PY -c 'import os, sys, time
open(sys.argv[1], "w").write(str(os.getpid()))
time.sleep(600)' "$T/c.pid"
	sleep 1.5
	freed=$(date +%s.%N)
	rm -f "$T/small/filler"
	check "space again: the recorder says writing works again" \
		wait_for 10 grep -q "works again" "$T/full.err"
	check "space again: nothing was lost" grep -q "nothing was lost" "$T/full.err"
	sleep 1
	kill -TERM "$rp"
	wait "$rp"
	rc=$?
	check "SIGTERM after the fault: exit 0 (rc=$rc)" test "$rc" -eq 0
	check "after the fill: integrity_check" integrity "$DB"
	"$MODELTOP" export --db "$DB" >"$T/post.csv"
	check "after the fill: the export from before is intact" \
		same_prefix "$T/pre.csv" "$T/post.csv"
	ticks "$DB" a >"$T/a.ticks"
	gap=$(maxgap "$T/a.ticks")
	check "the full period is in the recording: no gap over 1 s ($gap ms)" \
		test "$gap" -lt 1000
	check "ticks stay in order" ordered "$T/a.ticks"
	c1=$("$MODELTOP" export --db "$DB" --worker c --metric proc_rss_bytes | sed -n 2p | cut -d, -f1)
	check "a worker found while the disk was full: its samples from then are kept ($c1 < $freed)" \
		awk -v a="${c1:-9e18}" -v b="$freed" 'BEGIN { exit !(a + 0 < b + 0) }'

	check "a store event says how long writing failed, nothing lost" \
		bash -c "sqlite3 -readonly '$DB' \"SELECT text FROM events WHERE kind = 'store'\" | grep -q 'failed from .*nothing was lost'"
	tmux_start 120 40 "$MODELTOP" replay "$DB"
	check "after the fill: replay opens the recording" tmux_wait 10 "REPLAY $DB"
	check "after the fill: replay shows the workers" wait_for 5 screen_rows a b
	tmux_keys q
	check "after the fill: replay quits cleanly" tmux_wait 5 "EXIT 0"
	tmux_stop

	# ---- the console recording with --db on the full disk ----
	rm -f "$T/small/"*
	tmux_start 120 40 "$MODELTOP" -c "$T/fleet.ini" --db "$T/small/con.db"
	check "console: starts recording" wait_for 10 screen_rows a b
	sleep 1
	fill "$T/small/filler"
	check "console: the status line says recording is paused, and why" \
		tmux_wait 10 "recording paused: disk full writing $T/small/con.db ("
	check "console: ... how many samples are held, and that they are retried" \
		tmux_wait 5 " samples held, retried every tick)"
	tmux_keys F1
	check "console: keys still answer while the disk is full (help)" \
		tmux_wait 5 "Help  (lines 1-"
	tmux_keys q
	check "console: help closes" tmux_wait_gone 5 "Help  (lines"
	rm -f "$T/small/filler"
	check "console: the status line says recording resumed, nothing lost" \
		tmux_wait 10 "recording resumed: writing $T/small/con.db works again (failed for "
	check "console: ... nothing lost" tmux_wait 2 "); nothing was lost"
	check "console: the pause message is gone" tmux_wait_gone 2 "recording paused:"
	sleep 1
	tmux_keys q
	check "console: quits with exit 0 once space is back" tmux_wait 10 "EXIT 0"
	tmux_stop
	check "console recording: integrity_check" integrity "$T/small/con.db"
	ticks "$T/small/con.db" a >"$T/c.ticks"
	gap=$(maxgap "$T/c.ticks")
	check "console recording: no gap over 1 s ($gap ms)" test "$gap" -lt 1000
	umount "$T/small" && MOUNTS=${MOUNTS% $T/small}
else
	echo "SKIP: the disk-full tests need root to mount a tmpfs"
fi

# ================= the recording deleted under a recorder =================
if part deleted; then
DB=$T/del.db
"$MODELTOP" record -q -c "$T/fleet.ini" --db "$DB" 2>"$T/del.err" &
rp=$!
_pids="$_pids $rp"
wait_for 10 test -s "$DB"
sleep 1
rm -f "$DB"
wait_for 5 bash -c "! kill -0 $rp 2>/dev/null"
wait "$rp"
rc=$?
check "deleted: the recorder stops with exit 1, no crash (rc=$rc)" test "$rc" -eq 1
check "deleted: the message names the file and what happened" \
	grep -q "$DB was deleted or replaced while being recorded" "$T/del.err"
# an empty -wal (or none) cannot put old pages into a new file
check "deleted: no stale WAL frames left at the path" \
	test ! -s "$DB-wal"
"$MODELTOP" record -q -c "$T/fleet.ini" --db "$DB" --duration 1 2>"$T/del2.err"
rc=$?
check "deleted: a new recorder starts clean on the path (rc=$rc)" test "$rc" -eq 0
check "deleted: the new recording passes integrity_check" integrity "$DB"
fi

# ================= made read-only under a recorder =================
# chmod 0444: permissions are checked at open, so a running recorder
# writes on (and so does root after a restart): no fault, recorded.
if part readonly; then
DB=$T/ro.db
"$MODELTOP" record -q -c "$T/fleet.ini" --db "$DB" 2>"$T/ro.err" &
rp=$!
_pids="$_pids $rp"
wait_for 10 test -s "$DB"
sleep 1
chmod 0444 "$DB" "$DB-wal" "$DB-shm"
n1=$(ticks "$DB" a | wc -l)
sleep 1.5
n2=$(ticks "$DB" a | wc -l)
check "chmod 0444: the running recorder writes on ($n1 -> $n2 ticks)" \
	test "$n2" -gt "$n1"
kill -TERM "$rp"
wait "$rp"
rc=$?
check "chmod 0444: SIGTERM exit 0 (rc=$rc)" test "$rc" -eq 0
check "chmod 0444: integrity_check" integrity "$DB"
fi

# chattr +i on ext4 is what makes writes fail for root (EPERM); tmpfs
# ignores the flag for open files, and remount,ro is refused (EBUSY)
# while the recorder holds the file open for writing.
if ! part readonly; then
	:
elif [ "$ROOT_OK" = 1 ] && command -v mkfs.ext4 >/dev/null &&
    truncate -s 16M "$T/ext4.img" && mkfs.ext4 -q -F "$T/ext4.img" 2>/dev/null &&
    mkdir -p "$T/ext4" && mount -o loop "$T/ext4.img" "$T/ext4" 2>/dev/null; then
	MOUNTS="$MOUNTS $T/ext4"
	DB=$T/ext4/rec.db
	"$MODELTOP" record -q -c "$T/fleet.ini" --db "$DB" 2>"$T/imm.err" &
	rp=$!
	_pids="$_pids $rp"
	wait_for 10 test -s "$DB"
	sleep 2
	"$MODELTOP" export --db "$DB" >"$T/imm-pre.csv"
	mount -o remount,ro "$T/ext4" 2>/dev/null
	check "remount,ro is refused while the recorder writes" \
		bash -c "touch '$T/ext4/probe' && rm -f '$T/ext4/probe'"
	# all three, as `chattr +i rec.db*` does: a store into the mapped
	# -shm of an immutable file is killed with SIGBUS, so the recorder
	# must not run a statement at all
	chattr +i "$DB" "$DB-wal" "$DB-shm"
	check "chattr +i: the recorder says the file is read-only" \
		wait_for 10 grep -q "$DB: read-only, cannot write (the file is immutable: chattr +i)" "$T/imm.err"
	sleep 1.5
	check "chattr +i: the recorder is still running" alive "$rp"
	"$MODELTOP" export --db "$DB" >"$T/imm-during.csv" 2>&1
	check "chattr +i: export reads the immutable recording" \
		same_prefix "$T/imm-pre.csv" "$T/imm-during.csv"
	chattr -i "$DB" "$DB-wal" "$DB-shm"
	check "chattr -i: writing works again, nothing lost" \
		wait_for 10 grep -q "works again.*nothing was lost" "$T/imm.err"
	sleep 0.5
	kill -TERM "$rp"
	wait "$rp"
	rc=$?
	check "chattr: SIGTERM exit 0 (rc=$rc)" test "$rc" -eq 0
	check "chattr: integrity_check" integrity "$DB"
	"$MODELTOP" export --db "$DB" >"$T/imm-post.csv"
	check "chattr: the export from before is intact" same_prefix "$T/imm-pre.csv" "$T/imm-post.csv"
	ticks "$DB" a >"$T/i.ticks"
	gap=$(maxgap "$T/i.ticks")
	check "chattr: the read-only period is in the recording ($gap ms max gap)" \
		test "$gap" -lt 1000
	# stopped while still immutable: exit 1 naming what was not written
	"$MODELTOP" record -q -c "$T/fleet.ini" --db "$DB" 2>"$T/imm2.err" &
	rp=$!
	_pids="$_pids $rp"
	sleep 1.5
	chattr +i "$DB" "$DB-wal" "$DB-shm"
	wait_for 10 grep -q "read-only" "$T/imm2.err"
	kill -TERM "$rp"
	wait "$rp"
	rc=$?
	chattr -i "$DB" "$DB-wal" "$DB-shm"
	check "stopped while immutable: exit 1 (rc=$rc)" test "$rc" -eq 1
	check "stopped while immutable: says how much was not written" \
		grep -q "points not written" "$T/imm2.err"
	check "stopped while immutable: integrity_check" integrity "$DB"
	umount "$T/ext4" && MOUNTS=${MOUNTS% $T/ext4}
else
	echo "SKIP: chattr +i needs root and an ext4 loop mount"
fi

# ================= the wall clock steps =================
FT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
if ! part clock; then
	:
elif [ -n "$FT" ]; then
	# under ASan (make asan), a preloaded library comes before its
	# runtime: tell it that is fine
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	DB=$T/clock.db
	echo "+0" >"$T/ft.rc"
	# a real clock step moves CLOCK_REALTIME only: keep the monotonic
	# clock real, as the kernel does
	LD_PRELOAD=$FT FAKETIME_TIMESTAMP_FILE=$T/ft.rc FAKETIME_NO_CACHE=1 \
	    FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    "$MODELTOP" record -c "$T/fleet.ini" --db "$DB" 2>"$T/clock.err" &
	rp=$!
	_pids="$_pids $rp"
	wait_for 10 test -s "$DB"
	sleep 1.5
	"$MODELTOP" export --db "$DB" >"$T/clock-pre.csv"
	echo "-3" >"$T/ft.rc"		# 3 s back
	sleep 1.5
	echo "+0" >"$T/ft.rc"		# back to the monotonic timeline
	sleep 1.5
	"$MODELTOP" export --db "$DB" >"$T/clock-mid.csv"
	echo "+20" >"$T/ft.rc"		# 20 s forward
	sleep 1.5
	kill -TERM "$rp"
	wait "$rp"
	rc=$?
	check "clock steps: the recorder exits 0 (rc=$rc)" test "$rc" -eq 0
	check "clock steps: integrity_check" integrity "$DB"
	events "$DB" >"$T/clock.events"
	check "clock back: an event says the clock stepped back" \
		grep -q "clock: wall clock stepped back by" "$T/clock.events"
	check "clock back: an event says it caught up" \
		grep -q "clock: wall clock caught up" "$T/clock.events"
	check "clock forward: an event says the clock stepped forward" \
		grep -q "clock: wall clock stepped forward by" "$T/clock.events"
	"$MODELTOP" export --db "$DB" >"$T/clock-post.csv"
	check "clock back: the export from before the step is unchanged" \
		same_prefix "$T/clock-pre.csv" "$T/clock-post.csv"
	check "clock back: nothing overwritten through the catch-up" \
		same_prefix "$T/clock-mid.csv" "$T/clock-post.csv"
	ticks "$DB" a >"$T/k.ticks"
	check "clock steps: export of ticks strictly increasing" ordered "$T/k.ticks"
	n=$(wc -l <"$T/k.ticks")
	gap=$(maxgap "$T/k.ticks")
	check "clock forward: a gap of about 20 s ($gap ms), not filled" \
		test "$gap" -ge 18000 -a "$gap" -le 23000
	check "clock forward: ticks only for the real time ($n in ~6 s)" \
		test "$n" -ge 20 -a "$n" -le 40
	# the tick after the step: a request rate across it would be one
	# tick's requests over 20 s, a dip the anomaly detector flagged
	after=$(awk 'NR > 1 && ($1 - p) * 1000 > 10000 { printf "%.0f\n", $1 * 1000 } { p = $1 }' "$T/k.ticks")
	dips=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM events WHERE kind = 'anomaly' AND text LIKE 'requests_per_second anomalous%' AND ts >= ${after:-0} AND ts < ${after:-0} + 1000")
	check "clock forward: no request-rate anomaly across the step ($dips after $after)" \
		test -n "$after" -a "$dips" = 0
	# every series of the file is in order, not just one
	check "clock steps: every series in time order" $PY - "$DB" "$MODELTOP" <<'PYEOF'
import csv, subprocess, sys
out = subprocess.run([sys.argv[2], "export", "--db", sys.argv[1]],
                     capture_output=True, text=True).stdout
last = {}
for r in list(csv.reader(out.splitlines()))[1:]:
    k = (r[1], r[2], r[3])
    t = float(r[0])
    if k in last and t <= last[k]:
        sys.exit(1)
    last[k] = t
PYEOF

	# A recorder restarted on the file while the wall clock is behind
	# the end of the recording (the last run ran 20 s ahead).
	"$MODELTOP" export --db "$DB" >"$T/restart-pre.csv"
	"$MODELTOP" record -c "$T/fleet.ini" --db "$DB" --duration 2 2>"$T/restart.err"
	rc=$?
	check "restart behind: exit 0 (rc=$rc)" test "$rc" -eq 0
	check "restart behind: an event says the clock is behind the recording" \
		grep -q "clock: wall clock is [0-9]* ms behind the end of the recording" "$T/restart.err"
	"$MODELTOP" export --db "$DB" >"$T/restart-post.csv"
	check "restart behind: the earlier history is unchanged" \
		same_prefix "$T/restart-pre.csv" "$T/restart-post.csv"
	ticks "$DB" a >"$T/r.ticks"
	check "restart behind: ticks strictly increasing across the restart" \
		ordered "$T/r.ticks"
	check "restart behind: the new ticks were added ($(wc -l <"$T/r.ticks") > $n)" \
		test "$(wc -l <"$T/r.ticks")" -gt "$n"
	"$MODELTOP" export --db "$DB" --from "$(tail -1 "$T/k.ticks")" --worker a --metric up >"$T/win.csv"
	check "restart behind: --from the last old tick gives only it and newer ones" \
		test "$(tail -n +2 "$T/win.csv" | wc -l)" -eq "$(( $(wc -l <"$T/r.ticks") - n + 1 ))"

	# replay and charts of the stepped recording
	tmux_start 120 40 "$MODELTOP" replay "$DB"
	check "stepped recording: replay opens" tmux_wait 10 "REPLAY $DB"
	tmux_keys 0
	sleep 0.3
	for k in . . . . ']' ']' '$'; do tmux_keys "$k"; done
	check "stepped recording: replay answers keys after stepping through" \
		tmux_wait 5 "REPLAY $DB"
	tmux_keys q
	check "stepped recording: replay quits cleanly" tmux_wait 5 "EXIT 0"
	tmux_stop
else
	echo "SKIP: the clock tests need libfaketime"
fi

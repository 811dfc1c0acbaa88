#!/usr/bin/env bash
# Recovery actions with real processes, through `modeltop act` and
# `modeltop recover`: a signal reaches the right process and never a
# reused pid; exec arguments with spaces and quotes arrive intact; a hung
# action is killed at its timeout; a ladder stops at the first step that
# works; the exit codes; bad input (unknown worker or action, a signal
# name that does not exist, a URL that refuses connections, an unsafe
# config) gets a clear message and an audit record; and on the demo
# fleet the fragmenting worker's trim frees >= 40% (effective) while the
# leaking worker's does nothing and its ladder escalates to a restart.
. "$(dirname "$0")/lib.sh"

# The demo fleet warms up (the fragmenting heap) while the rest runs.
base=$($PY -c 'import random; print(random.randint(21000, 29000))')
$PY "$ROOT/data/demo/fleet.py" --dir "$T/fleet" --base-port "$base" \
	--write-config "$T/demo.ini" --config-only >/dev/null || fail "fleet config"
spawn $PY "$ROOT/data/demo/fleet.py" --dir "$T/fleet" --base-port "$base" \
	2>"$T/fleet.log"
fleet_start=$(date +%s)

# A worker that notes every signal it gets, holds N x 16 MB, and gives
# half of it back on SIGUSR2.
cat >"$T/victim.py" <<'EOF'
import os, signal, sys, time
log, pidfile, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
chunks = []
for _ in range(n):
    c = bytearray(16 << 20)
    for i in range(0, len(c), 4096):
        c[i] = 1
    chunks.append(c)
c = None
def note(sig, frame):
    with open(log, "a") as f:
        f.write("%d %s\n" % (os.getpid(), signal.Signals(sig).name))
def half(sig, frame):
    note(sig, frame)
    del chunks[len(chunks) // 2:]
signal.signal(signal.SIGUSR1, note)
signal.signal(signal.SIGHUP, note)
signal.signal(signal.SIGUSR2, half)
with open(pidfile + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(pidfile + ".tmp", pidfile)
while True:
    time.sleep(1)
EOF
# A program that writes its arguments as JSON.
cat >"$T/argv.py" <<'EOF'
import json, sys
with open(sys.argv[1], "w") as f:
    json.dump(sys.argv[2:], f)
EOF

spawn $PY "$T/victim.py" "$T/victim.sig" "$T/victim.pid" 4
spawn $PY "$T/victim.py" "$T/decoy.sig" "$T/decoy.pid" 0
wait_for 20 test -s "$T/victim.pid" || fail "victim did not start"
wait_for 20 test -s "$T/decoy.pid" || fail "decoy did not start"
VPID=$(cat "$T/victim.pid")
DPID=$(cat "$T/decoy.pid")

cat >"$T/a.ini" <<EOF
[modeltop]
interval = 250ms

[worker victim]
pid_file = $T/victim.pid

[worker decoy]
pid_file = $T/decoy.pid

[worker ladder]
pid_file = $T/victim.pid
actions = bad, good, never

[action note]
signal = USR1

[action ignored]
signal = HUP
verify = proc_rss_bytes
expect = drop 10%
settle = 500ms

[action half]
signal = USR2
verify = proc_rss_bytes
expect = drop 60%
settle = 1s

[action args]
exec = $PY $T/argv.py $T/argv.json "a b" 'c"d' "it's" %n %p '\$(touch $T/pwned)' '' semi;colon '%%n'

[action hang]
exec = /bin/sleep 60
timeout = 1s
confirm = no

[action bad]
exec = /bin/false
confirm = no

[action good]
exec = /bin/true
confirm = no

[action never]
exec = /bin/touch $T/never
confirm = no

[action post]
http_post = http://127.0.0.1:1/trim
timeout = 2s
confirm = no
EOF
chmod 600 "$T/a.ini"
check "the actions config checks" "$MODELTOP" check -c "$T/a.ini"
act() { "$MODELTOP" act -c "$T/a.ini" --db "$T/audit.db" "$@"; }
rows() { sqlite3 "$T/audit.db" "SELECT count(*) FROM actions WHERE $1"; }

# --- signals reach the right process
out=$(act victim note 2>&1); rc=$?
check "note: exit 0 (rc=$rc: $out)" test "$rc" -eq 0
check "note: the summary says done" grep -q "^note: SIGUSR1 delivered (pidfd), done$" <<<"$out"
wait_for 5 grep -q "USR1" "$T/victim.sig"
check "the victim got SIGUSR1" grep -qx "$VPID SIGUSR1" "$T/victim.sig"
check "the decoy got nothing" test ! -s "$T/decoy.sig"
check "audit: the signal, its pid and who" test "$(rows "worker = 'victim' AND \
pid = $VPID AND action = 'note' AND kind = 'signal' AND target = 'SIGUSR1' AND \
result = 'SIGUSR1 delivered (pidfd)' AND status = 10 AND verdict = 'done' AND \
who LIKE '% (no tty)'")" = 1

# --- exec: arguments arrive exactly as written, no shell
out=$(act victim args </dev/null 2>&1); rc=$?
check "args without --yes and without a tty: exit 2 (rc=$rc)" test "$rc" -eq 2
check "... and says why" grep -q "stdin is not a terminal: run with --yes" <<<"$out"
check "... and ran nothing" test ! -e "$T/argv.json"
out=$(act victim args --yes 2>&1); rc=$?
check "args: exit 0 (rc=$rc: $out)" test "$rc" -eq 0
want=$($PY -c 'import json, sys; print(json.dumps(["a b", "c\"d", "it'"'"'s", "victim", sys.argv[1], "$(touch " + sys.argv[2] + "/pwned)", "", "semi;colon", "%%n"]))' "$VPID" "$T")
got=$(cat "$T/argv.json" 2>/dev/null)
check "args: argv intact ($got)" test "$got" = "$want"
check "args: nothing was run by a shell" test ! -e "$T/pwned"
want=$($PY -c 'import json, sys; print(json.dumps(sys.argv[1:], separators=(",", ":")))' "$PY" "$T/argv.py" "$T/argv.json" "a b" 'c"d' "it's" victim "$VPID" "\$(touch $T/pwned)" "" "semi;colon" "%%n")
got=$(sqlite3 "$T/audit.db" "SELECT target FROM actions WHERE action = 'args' AND result = 'exit status 0'")
check "audit: the exact argv as JSON ($got)" test "$got" = "$want"

# --- a hung action is killed at its timeout
t0=$(date +%s%N)
out=$(act victim hang 2>&1); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "hang: exit 1 (rc=$rc)" test "$rc" -eq 1
check "hang: killed at the timeout ($out)" grep -q "^hang: killed at the 1s timeout (SIGTERM), failed$" <<<"$out"
check "hang: over in ${ms} ms" test "$ms" -lt 6000
check "hang: no sleep left behind" bash -c "! pgrep -f '^/bin/sleep 60$' >/dev/null"

# --- verdicts and exit codes
out=$(act victim ignored 2>&1); rc=$?
check "no effect: exit 1 (rc=$rc: $out)" test "$rc" -eq 1
check "no effect: before and after in the summary" grep -Eq "^ignored: proc_rss_bytes [0-9.]+M -> [0-9.]+M \([+-][0-9.]+%\), no effect$" <<<"$out"
out=$(act victim half 2>&1); rc=$?
check "partly: exit 3 (rc=$rc: $out)" test "$rc" -eq 3
check "partly: the summary" grep -Eq "^half: proc_rss_bytes [0-9.]+M -> [0-9.]+M \(-[0-9]+%\), partly$" <<<"$out"
out=$(act victim bad 2>&1); rc=$?
check "failed: exit 1 (rc=$rc)" test "$rc" -eq 1
check "failed: the exit status" grep -q "^bad: exit status 1, failed$" <<<"$out"

# --- a ladder stops at the first step that works
out=$("$MODELTOP" recover -c "$T/a.ini" --db "$T/audit.db" ladder 2>&1); rc=$?
check "ladder: exit 0 (rc=$rc)" test "$rc" -eq 0
check "ladder: bad, then good" grep -q "^recover ladder: recovered by good (bad: exit status 1, failed; good: exit status 0, done)$" <<<"$out"
check "ladder: never ran the third step" test ! -e "$T/never"
check "audit: two ladder steps" test "$(rows "worker = 'ladder' AND job LIKE 'recover step %'")" = 2

# --- bad input: a message, an audit record, never a crash
out=$(act nobody note 2>&1); rc=$?
check "unknown worker: exit 2 (rc=$rc)" test "$rc" -eq 2
check "unknown worker: names the workers" grep -q "no worker nobody (workers: victim, decoy, ladder)" <<<"$out"
check "audit: the refusal" test "$(rows "worker = 'nobody' AND verdict = 'failed' AND result LIKE 'refused: no worker nobody%'")" = 1
out=$(act victim nothing 2>&1); rc=$?
check "unknown action: exit 2 (rc=$rc)" test "$rc" -eq 2
check "unknown action: names the actions" grep -q "no action nothing (actions: note, ignored, half, args, hang, bad, good, never, post)" <<<"$out"
check "audit: the refusal" test "$(rows "action = 'nothing' AND result LIKE 'refused: no action nothing%'")" = 1
out=$(act victim post 2>&1); rc=$?
check "refused connection: exit 1 (rc=$rc)" test "$rc" -eq 1
check "refused connection: curl's reason ($out)" grep -Eq "^post: POST http://127.0.0.1:1/trim: .*(refused|connect).*, failed$" <<<"$out"
check "audit: the failed POST" test "$(rows "action = 'post' AND kind = 'http_post' AND target = 'http://127.0.0.1:1/trim' AND verdict = 'failed'")" = 1
out=$(act victim 2>&1); rc=$?
check "no action given: exit 2 (rc=$rc)" test "$rc" -eq 2

printf '[worker w]\npid = 1\n[action x]\nsignal = NOPE\n' >"$T/badsig.ini"
out=$("$MODELTOP" check -c "$T/badsig.ini" 2>&1); rc=$?
check "bad signal name: check exits 1 (rc=$rc)" test "$rc" -eq 1
check "bad signal name: FILE:LINE" grep -q "badsig.ini:4: signal: expected a signal like TERM, USR1, HUP or a number" <<<"$out"
out=$("$MODELTOP" act -c "$T/badsig.ini" w x 2>&1); rc=$?
check "bad signal name: act exits 2 (rc=$rc)" test "$rc" -eq 2
check "bad signal name: act says where" grep -q "badsig.ini:4:" <<<"$out"

# --- exec from a file others may write is refused, naming it
cp "$T/a.ini" "$T/open.ini"
chmod 666 "$T/open.ini"
out=$("$MODELTOP" act -c "$T/open.ini" --db "$T/audit.db" victim good 2>&1); rc=$?
check "unsafe config: exit 1 (rc=$rc)" test "$rc" -eq 1
check "unsafe config: says which file and why" grep -q "good: refused: exec actions need a safe configuration file: $T/open.ini is writable by group and others (mode 0666), failed" <<<"$out"
out=$("$MODELTOP" act -c "$T/open.ini" victim note 2>&1); rc=$?
check "unsafe config: signals still work (rc=$rc)" test "$rc" -eq 0

# --- a recorder holds the database: act anyway, audit on stderr
"$MODELTOP" record -q -c "$T/a.ini" --db "$T/rec.db" --duration 30 2>/dev/null &
rec=$!
_pids="$_pids $rec"
wait_for 10 test -s "$T/rec.db"
sleep 0.5
"$MODELTOP" act -c "$T/a.ini" --db "$T/rec.db" victim note >"$T/locked.out" 2>"$T/locked.err"; rc=$?
check "locked db: acted anyway (rc=$rc)" test "$rc" -eq 0
check "locked db: says who holds it" grep -q "being recorded by another modeltop (pid $rec)" "$T/locked.err"
check "locked db: the audit line on stderr" grep -q "^audit: .* victim pid $VPID note (signal) by .*: SIGUSR1 -> SIGUSR1 delivered (pidfd); done" "$T/locked.err"
kill "$rec" 2>/dev/null; wait "$rec" 2>/dev/null

# --- never a reused pid: the operator is asked about pid P; while the
# question is open P exits and a new process gets P (forced with
# ns_last_pid in a private pid namespace); the answer "y" must not
# signal it.
cat >"$T/reuse.sh" <<'EOF'
set -u
T=$1 MODELTOP=$2
cd "$T/reuse" || exit 9
sleep 1000 &
A=$!
echo "$A" >a.pid
printf '[modeltop]\ninterval = 200ms\n[worker v]\npid_file = %s/a.pid\n[action stop]\nsignal = TERM\n' "$T/reuse" >r.ini
mkfifo in
( script -qefc "$MODELTOP act -c r.ini v stop" out.txt <in >/dev/null 2>&1; echo $? >rc ) &
exec 3>in
for i in $(seq 100); do grep -q "y/N" out.txt 2>/dev/null && break; sleep 0.1; done
grep -q "stop: send SIGTERM to worker v (pid $A)?" out.txt || { echo "no question"; cat out.txt; exit 9; }
kill "$A"; wait "$A" 2>/dev/null
echo $((A - 1)) >/proc/sys/kernel/ns_last_pid
sleep 1000 &
B=$!
echo "old $A new $B"
[ "$B" = "$A" ] || exit 8
echo y >&3
for i in $(seq 100); do [ -s rc ] && break; sleep 0.1; done
echo "rc $(cat rc)"
cat out.txt
kill -0 "$B" && echo "B alive"
kill "$B"
EOF
mkdir -p "$T/reuse"
if unshare -Urpf --mount-proc true 2>/dev/null; then
	unshare -Urpf --mount-proc bash "$T/reuse.sh" "$T" "$MODELTOP" >"$T/reuse.out" 2>&1
	src=$?
	check "pid reuse: the pid was reused (rc=$src)" test "$src" -eq 0
	check "pid reuse: act exits 1" grep -q "^rc 1" "$T/reuse.out"
	check "pid reuse: refused, not signalled" grep -q "stop: refused: pid [0-9]* is no longer the worker's process (pid reused: start time [0-9]*, expected [0-9]*); not signalled, failed" "$T/reuse.out"
	check "pid reuse: the new process is alive" grep -q "^B alive" "$T/reuse.out"
	grep -q "^rc 1" "$T/reuse.out" || cat "$T/reuse.out"
else
	ok "pid reuse: skipped here (no private pid namespace); test_actions covers a changed start time"
fi

# --- the demo fleet: trim works on fragmentation, not on a leak
six_pids() { [ "$(ls "$T"/fleet/*.pid 2>/dev/null | wc -l)" -eq 6 ]; }
wait_for 30 six_pids || fail "fleet did not start"
frag_rss() { ps -o rss= -p "$(cat "$T/fleet/fragmenting.pid")" 2>/dev/null; }
# the fragmenting worker fills its heap in its first seconds
wait_for 60 bash -c "[ \"\$(ps -o rss= -p \$(cat $T/fleet/fragmenting.pid))\" -gt 250000 ]" ||
	fail "fragmenting worker never grew (rss $(frag_rss) KB)"
sleep 2
out=$("$MODELTOP" act -c "$T/demo.ini" --db "$T/demo.db" fragmenting trim 2>&1); rc=$?
echo "    $out" | head -2
check "fragmenting trim: exit 0 (rc=$rc)" test "$rc" -eq 0
pct=$(sed -n 's/^trim: proc_rss_bytes [0-9.]*[KMG] -> [0-9.]*[KMG] (\(-[0-9]*\)%), effective$/\1/p' <<<"$out")
check "fragmenting trim: effective, with before and after" test -n "$pct"
check "fragmenting trim: RSS dropped by >= 40% ($pct%)" test "${pct:-0}" -le -40

# the leak: let it grow a little, then the ladder
while [ $(( $(date +%s) - fleet_start )) -lt 20 ]; do sleep 1; done
lpid=$(cat "$T/fleet/leaking.pid")
out=$("$MODELTOP" recover -c "$T/demo.ini" --db "$T/demo.db" --yes leaking 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
check "leaking: recover exits 0 (rc=$rc)" test "$rc" -eq 0
check "leaking: trim judged no effect" grep -Eq "^trim: proc_rss_bytes .*, no effect$" <<<"$out"
check "leaking: escalated to restart, verified through up" grep -q "^restart: up 1 -> 1 (new process [0-9]*, was $lpid), effective$" <<<"$out"
check "leaking: recovered by restart" grep -q "^recover leaking: recovered by restart (" <<<"$out"
check "leaking: a new process" test "$(cat "$T/fleet/leaking.pid")" != "$lpid"
check "demo audit: three attempts, each on an incident" test "$(sqlite3 "$T/demo.db" "SELECT count(*) FROM actions WHERE incident_id IS NOT NULL")" = 3
check "demo audit: the trim's figures" test "$(sqlite3 "$T/demo.db" "SELECT count(*) FROM actions WHERE worker = 'fragmenting' AND metric = 'proc_rss_bytes' AND after < 0.6 * before AND verdict = 'effective'")" = 1
check "demo incidents: the attempts are on the timeline" test "$(sqlite3 "$T/demo.db" "SELECT count(*) FROM incident_timeline WHERE kind = 'attempt'")" = 3

#!/usr/bin/env bash
# Recovery actions from the console's keys: T trims the selected worker
# (verified, progress on the status line), X runs its ladder after a y/n
# question naming exactly what will happen; n answers no and nothing runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"

P1=$(free_port)
spawn $PY "$ROOT/data/demo/worker.py" --name frag --port "$P1" \
	--behaviour fragmenting --frag-mb 120 --pid-file "$T/frag.pid" --log "$T/frag.log"
wait_for 20 test -s "$T/frag.pid" || fail "worker did not start"
cat >"$T/x.ini" <<EOF2
[modeltop]
interval = 500ms

[worker frag]
pid_file = $T/frag.pid
metrics_url = http://127.0.0.1:$P1/metrics
actions = trim, restart

[action trim]
signal = USR1
verify = proc_rss_bytes
expect = drop 10%
settle = 2s

[action restart]
signal = TERM
EOF2
chmod 600 "$T/x.ini"
# let the worker build its fragmented heap first
big() { [ "$(awk '/^VmRSS:/ {print $2}' /proc/$(cat "$T/frag.pid")/status)" -gt 90000 ]; }
wait_for 60 big || fail "the worker's heap did not grow"
tmux_start 120 30 "cd $T && TERM=xterm-256color $MODELTOP -c $T/x.ini"
check "console shows the worker" tmux_wait 10 "frag"
cmd() { tmux_keys :; tmux_type "$1"; tmux_keys Enter; }
cmd "select frag"
sleep 1.5
# X: the ladder can stop the worker, so it asks first -- and n runs nothing
tmux_keys X
check "X asks before a ladder that can stop the worker" tmux_wait 5 "(y/n)"
check "the question names the worker and its pid" tmux_wait 2 "$(cat "$T/frag.pid")"
tmux_capture | grep "(y/n)" | sed 's/^/    /'
tmux_keys n
check "n: the question goes away" tmux_wait_gone 5 "(y/n)"
pid_before=$(cat "$T/frag.pid")
sleep 1
check "n: nothing ran (same process)" kill -0 "$pid_before"
# T: trim runs at once (USR1 cannot stop a worker), progress then verdict
rss0=$(awk '/^VmRSS:/ {print $2}' /proc/$pid_before/status)
tmux_keys T
check "T: progress on the status line" tmux_wait 5 "trim"
check "T: the verdict is effective" tmux_wait 20 "effective"
tmux_capture | grep -i "effective" | head -2 | sed 's/^/    /'
rss1=$(awk '/^VmRSS:/ {print $2}' /proc/$pid_before/status)
check "T: RSS dropped ($rss0 kB -> $rss1 kB)" test "$rss1" -lt "$((rss0 * 6 / 10))"
tmux_keys q
tmux_stop

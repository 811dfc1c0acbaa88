#!/usr/bin/env bash
# The console as a person sees it: the real binary in a private tmux server
# at 80x24 and 200x50, TERM xterm-256color, screen, linux and vt100, three
# real Python workers.  Keys are sent with send-keys; the screen is read
# with capture-pane.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"

export LANG=C.UTF-8
unset LC_ALL NO_COLOR

# ------------------------------------------------------------------
# Workers: modeltop_agent serving /metrics, a request every 50 ms.
cat >"$T/w.py" <<'EOF'
import os, random, sys, time
import modeltop_agent as agent
agent.start(int(sys.argv[1]))
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
while True:
    agent.observe_request(0.005 + random.random() * 0.02)
    time.sleep(0.05)
EOF
start_worker() { # NAME PORT
	rm -f "$T/$1.pid"
	spawn $PY "$T/w.py" "$2" "$T/$1.pid"
	wait_for 10 test -s "$T/$1.pid"
}
config() { # FILE INTERVAL
	{
		printf '[modeltop]\ninterval = %s\n' "$2"
		for w in alpha beta gamma; do
			printf '\n[worker %s]\npid_file = %s\nmetrics_url = http://127.0.0.1:%s/metrics\nmemory_limit = 512M\n' \
			    "$w" "$T/$w.pid" "$(eval echo \$PORT_$w)"
		done
	} >"$1"
}
PORT_alpha=$(free_port)
PORT_beta=$(free_port)
PORT_gamma=$(free_port)
for w in alpha beta gamma; do
	start_worker $w "$(eval echo \$PORT_$w)"
done
config "$T/x.ini" 200ms
config "$T/slow.ini" 500ms

# The console, in the tmux session: run TERM [ENV...]
run() {
	local w=$1 h=$2 term=$3
	shift 3
	tmux_start "$w" "$h" "cd $T && env -u NO_COLOR TERM=$term $* $MODELTOP -c $T/x.ini"
}
# The worker rows are there and up.
fleet_up() { tmux_wait 10 "gamma" && wait_for 10 rows_up; }
rows_up() { [ "$(tmux_capture | grep -cE '^(alpha|beta|gamma) +up ')" = 3 ]; }
bar_last() { tmux_capture | tail -n 1 | grep -q '^F1Help'; }
fits() { [ "$(tmux_capture | max_width)" -le "$1" ]; }
line_has() { tmux_line "$1" | grep -qE -- "$2"; }	# LINE REGEX
lacks() { ! tmux_capture | grep -qF -- "$1"; }
quit_ok() { tmux_keys q && tmux_wait 5 "EXIT 0"; }

# ------------------------------------------------------------------
# Without a terminal, and with a bad configuration: a message, exit 1.
"$MODELTOP" -c "$T/x.ini" </dev/null >"$T/notty.out" 2>"$T/notty.err"
rc=$?
check "no terminal: exit 1 (rc=$rc)" test "$rc" -eq 1
check "no terminal: says to use record" grep -q "the console needs a terminal (use modeltop record for headless)" "$T/notty.err"
printf '[modeltop]\ninterval = 200ms\nbogus = 1\n' >"$T/bad.ini"
"$MODELTOP" -c "$T/bad.ini" </dev/null >"$T/bad.out" 2>"$T/bad.err"
rc=$?
check "bad config: exit 1 (rc=$rc)" test "$rc" -eq 1
check "bad config: FILE:LINE message" grep -q "bad.ini:3:" "$T/bad.err"
check "bad config: nothing drawn" test ! -s "$T/bad.out"

# ------------------------------------------------------------------
# Every TERM at 80x24: the fleet shows, everything fits, q quits.
for term in xterm-256color screen linux vt100; do
	run 80 24 "$term"
	check "$term 80x24: three workers up" fleet_up
	check "$term 80x24: the F-key bar on the last line" bar_last
	check "$term 80x24: no line wider than 80" fits 80
	check "$term 80x24: header with the interval" line_has 1 "every 200ms"
	if [ "$term" = xterm-256color ]; then
		# the static lines of a fresh 80x24 screen, for the resize test
		tmux_line 2 >"$T/fresh.2"
		tmux_line 3 >"$T/fresh.3"
		tmux_line 24 >"$T/fresh.24"
	fi
	check "$term 80x24: q quits with status 0" quit_ok
	check "$term 80x24: the terminal is restored (no F-key bar)" lacks F1Help
done

# ------------------------------------------------------------------
# 200x50: fleet and detail side by side; then resize to 80x24.
run 200 50 xterm-256color
check "200x50: three workers up" fleet_up
check "200x50: no line wider than 200" fits 200
sep_at() { # the side-by-side separator in column 111 of line 5
	tmux_capture | sed -n 5p | $PY -c 'import sys; l=sys.stdin.read(); sys.exit(0 if len(l) > 110 and l[110] == "\u2502" else 1)'
}
check "200x50: fleet and detail side by side" sep_at
tmux_resize 80 24
sleep 1
check "resize 200x50 -> 80x24: no line wider than 80" fits 80
check "resize 200x50 -> 80x24: exactly 24 lines" test "$(tmux_capture | wc -l)" -eq 24
check "resize 200x50 -> 80x24: the F-key bar on the last line" bar_last
check "resize: panel tabs as on a fresh 80x24 screen" test "$(tmux_line 2)" = "$(cat "$T/fresh.2")"
check "resize: table header as on a fresh 80x24 screen" test "$(tmux_line 3)" = "$(cat "$T/fresh.3")"
check "resize: F-key bar as on a fresh 80x24 screen" test "$(tmux_line 24)" = "$(cat "$T/fresh.24")"
check "resize: no separator left behind" lacks "│"

# Too small, and back.
tmux_resize 30 10
check "30x10: the too-small screen" tmux_wait 5 "terminal too small (30x10)"
check "30x10: says the minimum" tmux_wait 1 "need at least 40x12"
tmux_resize 80 24
check "back to 80x24: the console again" tmux_wait 5 "F1Help"
check "back to 80x24: the too-small text is gone" tmux_wait_gone 5 "too small"
check "back to 80x24: workers shown" fleet_up

# ------------------------------------------------------------------
# The filter narrows the list as it is typed; Esc clears it.
tmux_keys /
tmux_type alp
check "filter: the prompt shows" tmux_wait 5 "filter: alp"
only_alpha() {
	local s
	s=$(tmux_capture | sed -n '4,21p')
	echo "$s" | grep -q '^alpha ' && ! echo "$s" | grep -qE '^(beta|gamma) '
}
check "filter: only alpha listed" wait_for 5 only_alpha
tmux_keys Escape
check "filter: Esc brings every worker back" wait_for 5 rows_up

# ------------------------------------------------------------------
# The help lists every binding (the defaults table of ui/keymap.c).
tmux_keys F1
check "help: opens on F1" tmux_wait 5 "Help  (lines 1-"
: >"$T/help.txt"
for i in 1 2 3 4 5 6; do
	tmux_capture >>"$T/help.txt"
	tmux_keys PageDown
	sleep 0.2
done
sed -n '/^} defaults\[\] = {/,/^};/p' "$ROOT/ui/keymap.c" |
    grep -o '{ "[^"]*"' | sed 's/^{ "//; s/"$//' >"$T/specs"
missing=$($PY - "$T/specs" "$T/help.txt" <<'PYEOF'
import sys
specs = open(sys.argv[1]).read().split()
keys = set()
for line in open(sys.argv[2]):
    if line.startswith("  ") and len(line) > 22:
        keys.update(line[2:22].split())
print(" ".join(s for s in specs if s not in keys))
PYEOF
)
check "help: every default binding listed (missing: ${missing:-none}; $(wc -l <"$T/specs") bindings)" test -z "$missing" -a -s "$T/specs"
check "help: prompt commands listed" grep -q "sort COLUMN|next|reverse|worst" "$T/help.txt"
tmux_keys q
check "help: any other key closes it" tmux_wait_gone 5 "Help  (lines"
check "help: closing did not quit" tmux_wait 2 "F1Help"

# ------------------------------------------------------------------
# The prompt completes commands; unknown commands get a message.
tmux_keys :
tmux_type he
tmux_keys Tab
check "prompt: :he<Tab> completes to help" wait_for 5 line_has 23 '^:help *$'
tmux_keys Enter
check "prompt: :help runs" tmux_wait 5 "Help  (lines 1-"
tmux_keys x
tmux_wait_gone 5 "Help  (lines" >/dev/null
tmux_keys :
tmux_type xyz
tmux_keys Enter
check "prompt: unknown command message" tmux_wait 5 "unknown command: xyz"
tmux_keys s
check "prompt: the console still answers keys (s sorts by name)" tmux_wait 5 "sort name"
tmux_keys :
tmux_type "sort worst"
tmux_keys Enter
check "prompt: :sort worst" tmux_wait 5 "sort worst"

# ------------------------------------------------------------------
# Mouse: a click on a row selects it, Enter shows it in the metrics panel.
row=$(tmux_capture | grep -n '^gamma ' | cut -d: -f1)
tmux_type $'\033[<0;3;'"$row"'M'
tmux_type $'\033[<0;3;'"$row"'m'
sleep 0.3
tmux_keys Enter
check "mouse: the clicked worker (gamma, row $row) in the metrics panel" wait_for 5 line_has 3 '^gamma'
tmux_keys Escape
check "Esc goes back to the fleet" tmux_wait 5 "NAME"
check "q quits" quit_ok

# ------------------------------------------------------------------
# Ctrl-Z gives the terminal back and stops; SIGCONT redraws; SIGTERM
# restores the terminal and exits 0.
run 80 24 xterm-256color
fleet_up >/dev/null
console_pid=$(pgrep -P "$(_tmux display -p -t e2e '#{pane_pid}')" | head -n 1)
stopped() { ps -o stat= -p "$console_pid" | grep -q T; }
tmux_keys C-z
check "Ctrl-Z: the console stops" wait_for 5 stopped
check "Ctrl-Z: the terminal is given back" tmux_wait_gone 5 F1Help
kill -CONT "$console_pid"
check "SIGCONT: the screen comes back" tmux_wait 5 F1Help
check "SIGCONT: with the workers" fleet_up
kill -TERM "$console_pid"
check "SIGTERM: exit 0" tmux_wait 5 "EXIT 0"
check "SIGTERM: the terminal is restored" lacks F1Help

# ------------------------------------------------------------------
# NO_COLOR: no colour escapes at all (and there are some without it).
no_colours() { ! colours; }
colours() { # does the screen use colour SGR parameters?
	tmux_capture -e | $PY -c '
import re, sys
s = sys.stdin.read()
for m in re.finditer(r"\x1b\[([0-9;:]*)m", s):
    p = [x for x in re.split("[;:]", m.group(1)) if x != ""]
    for i, x in enumerate(p):
        n = int(x)
        if 30 <= n <= 37 or 40 <= n <= 47 or 90 <= n <= 97 or 100 <= n <= 107 or n in (38, 48):
            sys.exit(0)
sys.exit(1)'
}
run 80 24 xterm-256color
fleet_up >/dev/null
check "colours are used without NO_COLOR" colours
quit_ok >/dev/null
run 80 24 xterm-256color NO_COLOR=1
check "NO_COLOR: workers up" fleet_up
check "NO_COLOR: no colour escapes in capture-pane -e" no_colours
quit_ok >/dev/null

# ------------------------------------------------------------------
# GPU memory: the memory panel has a GPU column only where NVML answers
# (here the stand-in library, with 2 GiB for alpha).
gpu_header() { tmux_capture | grep -qE 'NAME +RSS .* RISK +GPU'; }
run 200 50 xterm-256color MODELTOP_NVML_LIB=/nonexistent/libnvidia-ml.so.1
fleet_up >/dev/null
tmux_keys 4
check "no NVML: the memory panel" tmux_wait 5 "Memory: 3 workers"
check "no NVML: no GPU column" eval '! gpu_header'
check "no NVML: no GPU in the details" lacks "GPU"
quit_ok >/dev/null
run 200 50 xterm-256color MODELTOP_NVML_LIB=$BUILD/tests/libnvidia-ml.so.1 \
    FAKE_NVML_PROCS=$(cat "$T/alpha.pid"):2147483648
fleet_up >/dev/null
tmux_keys 4
check "NVML: a GPU column" eval 'tmux_wait 5 "Memory: 3 workers" && gpu_header'
check "NVML: alpha's 2 GiB in its row" eval 'wait_for 5 eval "tmux_capture | grep -qE \"│alpha .* 2\.00G *\$\""'
check "NVML: and in its details" tmux_wait 5 "GPU 2.00G"
quit_ok >/dev/null

# ------------------------------------------------------------------
# A worker killed with SIGKILL shows as down within two intervals.
tmux_start 80 24 "cd $T && env -u NO_COLOR TERM=xterm-256color $MODELTOP -c $T/slow.ini"
check "500ms: three workers up" fleet_up
beta_down() { tmux_capture | grep -qE '^beta +down '; }
pid=$(cat "$T/beta.pid")
t0=$(date +%s%3N)
kill -9 "$pid"
wait_for 5 beta_down
t1=$(date +%s%3N)
# two intervals (1000 ms) and what capturing every 100 ms adds
check "SIGKILL: beta down after $((t1 - t0)) ms (two intervals: 1000 ms)" test $((t1 - t0)) -le 1300
two_up() { [ "$(tmux_capture | grep -cE '^(alpha|gamma) +up ')" = 2 ]; }
check "SIGKILL: the others still up" two_up
check "q quits" quit_ok

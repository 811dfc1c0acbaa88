#!/usr/bin/env bash
# The console's analysis panels as a person sees them: the real binary in
# a private tmux server at 80x24 (and 40x12), two real Python workers -- one
# that leaks 5 MB a second, one whose log gets a traceback -- a config with
# log = FILE, a log rule of our own and a threshold rule.  Asserts on
# capture-pane: the incident with its exception type in the errors panel,
# its timeline on Enter, ":ack N" marking it acknowledged, a note and
# resolve through the keys, the traceback highlighted in the logs panel
# with find, the leak verdict and time to the limit in the memory panel,
# the rule firing in the fleet.  About 70 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
# A failed check shows the screen it looked at.
check() {
	local d=$1
	shift
	if "$@"; then
		ok "$d"
	else
		fail "$d"
		tmux_capture 2>/dev/null | sed 's/^/    | /'
	fi
}

export LANG=C.UTF-8
unset LC_ALL NO_COLOR

# ------------------------------------------------------------------
# Workers: leaky grows 5 MB/s (up to 700 MB, limit 1G); tb idles and only
# its log matters.
cat >"$T/w.py" <<'EOF'
import os, sys, time
pidfile, mode = sys.argv[1], sys.argv[2]
with open(pidfile + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(pidfile + ".tmp", pidfile)
hoard = []
while True:
    if mode == "leak" and len(hoard) < 560:
        hoard.append(b"x" * (1250 * 1024))   # 1.25 MB every 0.25 s
    time.sleep(0.25)
EOF
start_worker() { # NAME MODE
	rm -f "$T/$1.pid"
	spawn $PY "$T/w.py" "$T/$1.pid" "$2"
	wait_for 10 test -s "$T/$1.pid"
}
start_worker leaky leak
start_worker tb idle
: >"$T/tb.log"

cat >"$T/rules.ini" <<'EOF'
; ours: a tokenizer failure is bad data, and critical
[rule tokenizer-batch]
match = bad batch from the tokenizer
class = data
severity = critical
strategy = investigate
EOF
cat >"$T/x.ini" <<EOF
[modeltop]
interval = 500ms
memory_window = 1m
log_rules = $T/rules.ini

[worker leaky]
pid_file = $T/leaky.pid
memory_limit = 1G

[worker tb]
pid_file = $T/tb.pid
log = $T/tb.log
memory_limit = 512M

[rule rss-high]
metric = proc_rss_bytes
above = 100M
for = 2s
severity = warning
workers = leaky
EOF
check "the config checks" "$MODELTOP" check -c "$T/x.ini"

tmux_start 80 24 "cd $T && TERM=xterm-256color $MODELTOP -c $T/x.ini"
rows_up() { [ "$(tmux_capture | grep -cE '^(leaky|tb) +(up|firing) ')" = 2 ]; }
if ! wait_for 20 rows_up; then
	# nothing else can pass: say why and stop
	check "both workers up" false
	exit 0
fi
ok "both workers up"
cmd() { tmux_keys :; tmux_type "$1"; tmux_keys Enter; }	# :COMMAND
has() { tmux_capture | grep -qF -- "$1"; }
line_of() { tmux_capture | grep -F -- "$1" | head -n 1; }	# first line with TEXT

# ------------------------------------------------------------------
# A traceback in tb's log: an incident with the exception, from our rule.
cat >>"$T/tb.log" <<'EOF'
2024-05-01 12:00:00,001 ERROR request 17 failed
Traceback (most recent call last):
  File "/srv/model/server.py", line 88, in handle
    batch = tokenize(request)
  File "/srv/model/tokens.py", line 12, in tokenize
    raise ValueError("bad batch from the tokenizer")
ValueError: bad batch from the tokenizer
2024-05-01 12:00:00,120 INFO 200 POST /v1/generate 31ms
EOF
tmux_keys 3
check "errors panel: the incidents view" tmux_wait 5 "Incidents Events Patterns"
check "errors panel: an incident with the exception type" tmux_wait 10 "ValueError: bad batch"
row=$(line_of "ValueError: bad batch")
id=$(echo "$row" | awk '{print $1}')
echo "    incident row: $row"
check "errors panel: its id, class and severity ($id)" eval 'echo "$row" | grep -qE "^ *[0-9]+ crit data +tb +open "'
check "header: the open incidents" eval 'tmux_line 1 | grep -qE "incidents [1-9]"'

# Find it (other incidents may be newer), Enter: the details and the
# timeline.
cmd "find bad batch"
check "find: only our incident" eval 'wait_for 5 eval "tmux_line 3 | grep -q \"1 open of 1 matching\""'
tmux_keys Enter
check "details: the incident's title" tmux_wait 5 "Incident #$id data (critical) open"
check "details: the exception and its message" tmux_wait 2 "exception ValueError: bad batch from the tokenizer"
check "details: the strategy" tmux_wait 2 "strategy investigate"
check "details: the timeline" tmux_wait 2 "Timeline, oldest first"
check "details: the trigger in the timeline" eval 'tmux_capture | grep -qE "^[0-9:]{8} trigger "'
tmux_keys Escape
check "Esc: back to the list" tmux_wait 5 "Incidents Events Patterns"

# :ack N marks it acknowledged, by whom.
cmd "ack $id"
check ":ack $id: the status line says so" tmux_wait 5 "incident #$id (tb data) acknowledged"
check ":ack $id: the row says acked by" eval 'wait_for 5 eval "line_of \"ValueError: bad batch\" | grep -q \"acked by \""'

# E (note) and R (resolve) on the selected incident, through the prompt.
tmux_keys Home
tmux_keys E
check "E: the prompt holds :note $id" tmux_wait 3 ":note $id"
tmux_type "tokenizer redeployed"
tmux_keys Enter
check "E: note added" tmux_wait 5 "note added to incident #$id"
tmux_keys Enter
check "details: the note in the timeline" tmux_wait 5 "tokenizer redeployed"
check "details: the ack in the timeline" eval 'tmux_capture | grep -qE "^[0-9:]{8} ack "'
tmux_keys R
check "R: the prompt holds :resolve $id" tmux_wait 3 ":resolve $id"
tmux_keys Enter
check "R: resolved, in the title" tmux_wait 5 "Incident #$id data (critical) resolved by"
tmux_keys Escape
check "the list: resolved by" eval 'wait_for 5 eval "line_of \"ValueError: bad batch\" | grep -q \"resolved by\""'
tmux_keys Escape	# clears the find
check "Esc: every incident again" tmux_wait_gone 5 "matching \"bad batch\""
check "v: the patterns view" eval 'tmux_keys v v; tmux_wait 5 "worker/class pair"'
check "patterns: tb's data errors" eval 'tmux_capture | grep -qE "^tb +data +1 "'
tmux_keys v

# ------------------------------------------------------------------
# The logs panel: tb's log, the matched line highlighted with its class.
cmd "select tb"
tmux_keys 5
check "logs panel: tb's log, followed" tmux_wait 5 "Log of tb: "
check "logs panel: the traceback" tmux_wait 5 "Traceback (most recent call last):"
# The traceback (one record, matched by our rule) is highlighted: its
# lines carry the class in the gutter, in the severity's colour, and the
# text in the highlight's (an attribute change between the two).
check "logs panel: the traceback's line has its class" eval 'tmux_capture | grep -qE "^data +ValueError: bad batch from the tokenizer"'
check "logs panel: the traceback is highlighted" eval 'tmux_capture -e | grep -qE $'"'"'data.*\033\[[0-9;]*m *ValueError: bad batch'"'"
cmd "find valueerror"
check "find: the count of matching lines" tmux_wait 5 'find "valueerror": 2'
check "find: the newest match is marked" eval 'tmux_capture | grep -qE "^> +ValueError: bad batch"'
tmux_keys N
check "N: the match above" eval 'wait_for 5 eval "tmux_capture | grep -qE \"^> +raise ValueError\""'
tmux_keys Escape
check "Esc: the find is cleared" tmux_wait_gone 5 'find "valueerror"'
# Followed: a longer log keeps its newest line at the bottom (screen line
# 22); scrolled up, it stays put while lines come; G (End) follows again.
for i in $(seq 1 30); do echo "2024-05-01 12:00:05,$i INFO access line $i"; done >>"$T/tb.log"
check "following: the newest line at the bottom" eval 'wait_for 5 eval "tmux_line 22 | grep -q \"access line 30\$\""'
tmux_keys PageUp
check "PageUp: scrolled" tmux_wait 5 "scrolled (End follows)"
top=$(tmux_line 4)
for i in $(seq 31 35); do echo "2024-05-01 12:00:06,$i INFO access line $i"; done >>"$T/tb.log"
check "scrolled: the log grew" tmux_wait 5 "Log of tb: 43 lines"
check "scrolled: the same lines stay" test "$(tmux_line 4)" = "$top"
tmux_keys G	# End: tmux may send End as a sequence the TERM's terminfo lacks
check "G (End): following" tmux_wait 5 "following"
check "G (End): the newest line at the bottom" eval 'wait_for 5 eval "tmux_line 22 | grep -q \"access line 35\$\""'

# ------------------------------------------------------------------
# The fleet: the rule firing.
tmux_keys 1
check "fleet: leaky's rule is firing" tmux_wait 30 "firing"
check "fleet: why, for the selected worker" eval 'cmd "select leaky"; tmux_wait 5 "leaky: 1 rule firing"'

# The memory panel: the leak verdict and the time to the limit.
tmux_keys 4
check "memory panel: host pressure or the title" tmux_wait 5 "Memory: 2 workers"
verdict() { line_of "leaky " | grep -qE " leak +([0-9]+m[0-9]+s|[0-9.]+s|now) "; }
if wait_for 70 verdict; then
	ok "memory panel: a leak verdict and a time to the limit for leaky"
else
	fail "memory panel: a leak verdict and a time to the limit for leaky"
fi
echo "    $(line_of "leaky ")"
check "memory panel: the growth with its interval" tmux_wait 5 "growth +"
check "memory panel: LEAK in the details" tmux_wait 2 "LEAK: growing steadily"
check "memory panel: the time to the limit with its interval" eval 'tmux_capture | grep -qE "to the limit: in [0-9ms.]+ \([0-9ms.]+\.\.[0-9ms.?]+\)"'
check "memory panel: the risk spelled out" eval 'tmux_capture | grep -qE "risk (medium|high|critical): "'
check "memory panel: a mitigation" eval 'tmux_capture | grep -qE "mitigation: "'

# ------------------------------------------------------------------
# 40x12: every panel still draws its essentials.
fits() { [ "$(tmux_capture | max_width)" -le "$1" ]; }
tmux_resize 40 12
sleep 0.5
check "40x12: the memory panel, leaky's verdict" eval 'wait_for 5 eval "line_of \"leaky \" | grep -q \" leak \""'
tmux_keys 3
check "40x12: the errors panel lists the incident" tmux_wait 5 "data"
tmux_keys 5
check "40x12: the logs panel" tmux_wait 5 "Log of"
check "40x12: no line wider than 40" fits 40
tmux_resize 120 30
check "120x30: the logs panel" tmux_wait 5 "Log of leaky"
check "120x30: the header has the host's memory pressure" eval 'wait_for 3 eval "tmux_line 1 | grep -qE \"mem psi [0-9.]+%\"" || test ! -r /proc/pressure/memory'
check "q quits with status 0" eval 'tmux_keys q; tmux_wait 5 "EXIT 0"'

#!/usr/bin/env bash
# The console over SSH: the demo fleet at N workers (default 50), 1 s
# interval, on a 200x50 terminal in tmux; in the same run htop -d 10 on
# the same terminal size.  Bytes written to the terminal per second
# (tmux pipe-pane) and the console's CPU share in two windows: start-up
# (5 s to 5 + SECS, default 30: series created, every worker's first
# smaps_rollup read) and the steady state it spends while left open
# (WARM, default 60 s, to WARM + STEADY, default 60), where the targets
# apply; resident memory, and the time from a key press to the first byte
# of the updated screen; then, at MEMSECS (default 180), resident memory
# again, and projected from its growth since 60 s to when the 15-minute
# in-memory history is full.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODELTOP=${MODELTOP:-$ROOT/modeltop}
SECS=${SECS:-30}
WARM=${WARM:-60}
STEADY=${STEADY:-60}
MEMSECS=${MEMSECS:-180}
N=${N:-50}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/modeltop-bench.XXXXXX)
SOCK=$T/tmux.sock
fleet=""
cleanup() {
	tmux -S "$SOCK" kill-server 2>/dev/null
	[ -n "$fleet" ] && kill -TERM "$fleet" 2>/dev/null && wait "$fleet" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export PYTHONPATH="$ROOT/data/python" PYTHONDONTWRITEBYTECODE=1
base=$($PY -c 'import random; print(random.randint(30000, 40000))')
$PY "$ROOT/data/demo/fleet.py" --dir "$T/fleet" --count "$N" --base-port "$base" \
	--write-config "$T/fleet.ini" >"$T/fleet.log" 2>&1 &
fleet=$!
for _ in $(seq 1 200); do
	[ "$(ls "$T"/fleet/*.pid 2>/dev/null | wc -l)" -ge "$N" ] && break
	sleep 0.2
done
# the stamper: each chunk the pane receives, with its arrival time
cat >"$T/stamp.py" <<'PY'
import os, sys, time
out = open(sys.argv[1], "w")
while True:
    b = os.read(0, 65536)
    if not b:
        break
    out.write("%.6f %d\n" % (time.time(), len(b)))
    out.flush()
PY
tmux -S "$SOCK" -f /dev/null new-session -d -s m -x 200 -y 50 \
	"TERM=xterm-256color $MODELTOP -c $T/fleet.ini"
tmux -S "$SOCK" new-session -d -s h -x 200 -y 50 "TERM=xterm-256color htop -d 10"
sleep 5
mpid=$(pgrep -f "^$MODELTOP -c $T/fleet.ini" | head -1)
tmux -S "$SOCK" pipe-pane -o -t m "$PY $T/stamp.py $T/m.bytes"
tmux -S "$SOCK" pipe-pane -o -t h "$PY $T/stamp.py $T/h.bytes"
t0=$(awk '{print $14 + $15}' /proc/$mpid/stat)
s0=$(date +%s%N)
sleep "$SECS"
t1=$(awk '{print $14 + $15}' /proc/$mpid/stat)
s1=$(date +%s%N)
rss=$(awk '/^VmRSS:/ {print $2}' /proc/$mpid/status)
anon=$(awk '/^RssAnon:/ {print $2}' /proc/$mpid/status)
mb=$(awk '{n += $2} END {print n + 0}' "$T/m.bytes")
hb=$(awk '{n += $2} END {print n + 0}' "$T/h.bytes")
# key press to screen: 'j' and 'k' alternately through a tmux control
# client (no process start per key), the first chunk after each
$PY - "$SOCK" "$T/keys" <<'PY'
import subprocess, sys, time
c = subprocess.Popen(["tmux", "-S", sys.argv[1], "-C", "attach", "-t", "m"],
                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
out = open(sys.argv[2], "w")
time.sleep(0.5)
# rows sorted by name: worst-first reorders them every tick, and a 'k'
# on a worker that the order has just moved to the top changes nothing
# on the screen (nothing to measure until the next key)
c.stdin.write(b"send-keys -t m -l ':sort name'\nsend-keys -t m Enter\n")
c.stdin.flush()
time.sleep(1.5)
for i in range(20):
    time.sleep(0.37)
    out.write("%.6f\n" % time.time())
    c.stdin.write(("send-keys -t m %s\n" % ("j" if i % 2 == 0 else "k")).encode())
    c.stdin.flush()
time.sleep(1)
c.stdin.close()
c.wait()
PY
hz=$(getconf CLK_TCK)
el=$(awk -v a="$s0" -v b="$s1" 'BEGIN { print (b - a) / 1e9 }')
cpu0=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v el="$el" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / el }')
mps0=$(awk -v n="$mb" -v el="$el" 'BEGIN { printf "%.2f", n / el / 1024 }')
hps0=$(awk -v n="$hb" -v el="$el" 'BEGIN { printf "%.2f", n / el / 1024 }')
lat=$($PY - "$T/keys" "$T/m.bytes" <<'PY'
import sys
keys = [float(l) for l in open(sys.argv[1])]
chunks = [float(l.split()[0]) for l in open(sys.argv[2])]
d = []
for k in keys:
    after = [c for c in chunks if c >= k]
    if after:
        d.append((after[0] - k) * 1000)
d.sort()
print("%.1f %.1f" % (d[len(d) // 2], d[-1]) if d else "nan nan")
PY
)
med=${lat% *}; worst=${lat#* }
# the steady state: after start-up, no keys pressed
start=$(( (s0 / 1000000000) - 5 ))
until [ $(( $(date +%s) - start )) -ge "$WARM" ]; do sleep 1; done
rss60=$(awk '/^VmRSS:/ {print $2}' /proc/$mpid/status)
mb1=$(awk '{n += $2} END {print n + 0}' "$T/m.bytes")
hb1=$(awk '{n += $2} END {print n + 0}' "$T/h.bytes")
t2=$(awk '{print $14 + $15}' /proc/$mpid/stat)
s2=$(date +%s%N)
sleep "$STEADY"
t3=$(awk '{print $14 + $15}' /proc/$mpid/stat)
s3=$(date +%s%N)
mb2=$(awk '{n += $2} END {print n + 0}' "$T/m.bytes")
hb2=$(awk '{n += $2} END {print n + 0}' "$T/h.bytes")
el=$(awk -v a="$s2" -v b="$s3" 'BEGIN { print (b - a) / 1e9 }')
cpu=$(awk -v a="$t2" -v b="$t3" -v hz="$hz" -v el="$el" 'BEGIN { printf "%.2f", 100 * (b - a) / hz / el }')
mps=$(awk -v a="$mb1" -v b="$mb2" -v el="$el" 'BEGIN { printf "%.2f", (b - a) / el / 1024 }')
hps=$(awk -v a="$hb1" -v b="$hb2" -v el="$el" 'BEGIN { printf "%.2f", (b - a) / el / 1024 }')
w1=$((WARM + STEADY))
echo "console: $N workers: start-up $mps0 KB/s (htop $hps0 KB/s), cpu $cpu0%; steady $mps KB/s (htop $hps KB/s), cpu $cpu%; rss $rss kB, key $med/$worst ms" >&2
v() { awk -v x="$1" -v y="$2" 'BEGIN { print (x < y) ? "ok" : "FAIL" }'; }
echo "| bytes to the terminal, $N workers at 1 s, 200x50, start-up: 5 to $((SECS + 5)) s | $mps0 KB/s (htop -d 10: $hps0 KB/s) | - | - |"
echo "| console CPU, $N workers at 1 s, start-up: 5 to $((SECS + 5)) s (series created, every worker's first smaps_rollup) | $cpu0% of one core | - | - |"
echo "| bytes to the terminal, $N workers at 1 s, 200x50, steady state: $WARM to $w1 s | $mps KB/s (htop -d 10: $hps KB/s) | < htop | $(v "$mps" "$hps") |"
echo "| console CPU, $N workers at 1 s, steady state: $WARM to $w1 s (engine + drawing) | $cpu% of one core | < 1% | $(v "$cpu" 1) |"
echo "| console resident memory after $((SECS + 5)) s, $N workers (of which private: RssAnon) | $((rss / 1024)) MB ($((anon / 1024)) MB) | - | - |"
echo "| key press to first byte of the updated screen, tmux (median / worst of 20) | $med / $worst ms | < 20 ms | $(v "$worst" 20) |"
# The in-memory history (15 minutes of every series) grows the heap
# until it is full: the figure that matters is then.  Measured from one
# minute in (start-up allocations are done by then) to MEMSECS, and
# projected to fifteen minutes.
until [ $(( $(date +%s) - start )) -ge "$MEMSECS" ]; do sleep 1; done
rssN=$(awk '/^VmRSS:/ {print $2}' /proc/$mpid/status)
grow=$(awk -v a="$rss60" -v b="$rssN" -v s="$MEMSECS" -v w="$WARM" 'BEGIN { printf "%.0f", (b > a ? b - a : 0) / (s - w) * 60 }')
full=$(awk -v r="$rssN" -v g="$grow" -v s="$MEMSECS" 'BEGIN { printf "%.1f", (r + (s < 900 ? g * (900 - s) / 60 : 0)) / 1024 }')
echo "console: rss $rss60 kB at $WARM s, $rssN kB at $MEMSECS s" >&2
echo "| console resident memory after $MEMSECS s | $(awk -v r="$rssN" 'BEGIN { printf "%.1f", r / 1024 }') MB | - | - |"
if [ "$MEMSECS" -ge 900 ]; then
	echo "| console resident memory with the 15-minute history full, measured at $MEMSECS s | $full MB | < 16 MB | $(v "$full" 16) |"
else
	echo "| console resident memory with the 15-minute history full, projected from its growth between $WARM and $MEMSECS s ($grow kB a minute; MEMSECS=930 measures it) | $full MB | < 16 MB | $(v "$full" 16) |"
fi

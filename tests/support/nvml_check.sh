#!/bin/sh
# tests/support/nvml_check.sh -- GPU memory sampling against a real NVIDIA
# driver (the one check that no CI machine can run).
#
#   sh tests/support/nvml_check.sh [OUTDIR]
#
# Needs a built ./modeltop (or $MODELTOP), nvidia-smi, and a python3 with
# CUDA-enabled torch.  Starts a process that holds 2 GiB of GPU memory and
# an idle one that holds none, records both for 8 ticks with
# `modeltop record`, and compares the recorded gpu_memory_bytes with what
# nvidia-smi reports for the same pid.  Also draws the console once (under
# script(1), when there is one) on the memory panel, where the GPU column
# is, to be looked at: replay console.raw in a 160x40 terminal.
# Everything it saw goes to OUTDIR (default /tmp/nvml_check); the last line
# is "nvml_check: PASS ..." or "nvml_check: FAIL ...", the exit status 0 or 1.
set -u
out=${1:-/tmp/nvml_check}
bin=${MODELTOP:-./modeltop}
mkdir -p "$out"
work=$(mktemp -d /tmp/nvml_check.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

echo "== GPU"
nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total \
    --format=csv || { echo "nvml_check: FAIL no nvidia-smi"; exit 1; }

echo "== a process holding 2 GiB"
python3 -c '
import os, sys, time, torch
x = torch.empty(2 << 30, dtype=torch.uint8, device="cuda")
x.fill_(1)
torch.cuda.synchronize()
tmp = sys.argv[1] + ".tmp"
open(tmp, "w").write(str(os.getpid()))
os.rename(tmp, sys.argv[1])
time.sleep(120)
' "$work/gpu.pid" &
pids="$pids $!"
sleep 300 &
idle=$!
pids="$pids $idle"
i=0
while [ ! -s "$work/gpu.pid" ] && [ $i -lt 120 ]; do sleep 0.5; i=$((i + 1)); done
[ -s "$work/gpu.pid" ] || { echo "nvml_check: FAIL torch did not start"; exit 1; }
gpid=$(cat "$work/gpu.pid")
echo "holder pid $gpid, idle pid $idle"
nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits |
    tee "$out/smi_apps.csv"

cat >"$work/gpu.ini" <<EOF
[modeltop]
interval = 1s

[worker holder]
pid_file = $work/gpu.pid

[worker idle]
pid = $idle
EOF
cp "$work/gpu.ini" "$out/gpu.ini"

echo "== record 8 ticks"
"$bin" check -c "$work/gpu.ini"
start=$(date +%s%N)
"$bin" record -c "$work/gpu.ini" --db "$work/gpu.db" --duration 8 \
    >"$out/record.log" 2>&1
echo "record exit $? in $(( ($(date +%s%N) - start) / 1000000 )) ms"
cat "$out/record.log"
"$bin" export --db "$work/gpu.db" --metric gpu_memory_bytes \
    >"$out/gpu_memory.csv"
cat "$out/gpu_memory.csv"
"$bin" export --db "$work/gpu.db" --worker holder --metric up \
    >"$out/up.csv"

if command -v script >/dev/null 2>&1; then
	echo "== the console at 160x40: the fleet, then the memory panel (4)"
	# --foreground: in the background process group of the pty the
	# console would stop at its first read of the terminal
	{ sleep 3; printf 4; sleep 5; } | TERM=xterm-256color script -qfc \
	    "stty rows 40 cols 160; timeout --foreground -s INT 6 $bin -c \
	    $work/gpu.ini" /dev/null >"$out/console.raw" 2>&1
	echo "console bytes: $(wc -c <"$out/console.raw")"
fi

# nvidia-smi's MiB for the holder against the last recorded value
smi=$(awk -F', *' -v p="$gpid" '$1 == p { s += $2 } END { print s + 0 }' \
    "$out/smi_apps.csv")
rec=$(awk -F, '$1 ~ /holder/ || $2 ~ /holder/ { v = $NF } END { print v + 0 }' \
    "$out/gpu_memory.csv")
# the idle process: 0 bytes every tick (or no rows), never more
idlerec=$(awk -F, '$2 == "idle" && $NF != 0' "$out/gpu_memory.csv" | wc -l)
echo "nvidia-smi: $smi MiB; recorded: $rec bytes; idle rows not 0: $idlerec"
if [ "$smi" -gt 0 ] && awk -v r="$rec" -v s="$smi" \
    'BEGIN { d = r - s * 1048576; if (d < 0) d = -d; exit !(d <= 1048576) }'; then
	if [ "$idlerec" -eq 0 ]; then
		echo "nvml_check: PASS holder $rec bytes = $smi MiB, idle 0"
		exit 0
	fi
	echo "nvml_check: FAIL the idle process has GPU memory"
	exit 1
fi
echo "nvml_check: FAIL recorded $rec bytes, nvidia-smi $smi MiB"
exit 1

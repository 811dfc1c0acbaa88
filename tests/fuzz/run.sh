#!/bin/sh
# tests/fuzz/run.sh -- run libFuzzer targets and keep the tally.
#
#   sh tests/fuzz/run.sh FUZZDIR SECS [NAME...]
#
# Runs each target FUZZDIR/fuzz_NAME (every one built there when no NAME
# is given) for SECS seconds under nice, one at a time.  The corpus grows
# into FUZZDIR/corpus/NAME (a scratch directory, never committed), seeded
# from tests/fuzz/corpus/NAME; the dictionary is tests/fuzz/NAME.dict
# where there is one; crash inputs land in FUZZDIR/crashes/NAME/.  Each
# run appends "target date executions crashes" to tests/fuzz/tally.tsv,
# and the totals per target are printed at the end.  Extra libFuzzer
# flags per target come from tests/fuzz/NAME.options (one line).
# Exit status 1 when a run found a crash.
set -u
dir=${1:?usage: run.sh FUZZDIR SECS [NAME...]}
secs=${2:?usage: run.sh FUZZDIR SECS [NAME...]}
shift 2
tally=tests/fuzz/tally.tsv
names="$*"
if [ -z "$names" ]; then
	for t in "$dir"/fuzz_*; do
		[ -x "$t" ] || continue
		names="$names ${t##*/fuzz_}"
	done
fi
[ -f "$tally" ] || printf 'target\tdate\texecutions\tcrashes\n' >"$tally"
status=0
for n in $names; do
	bin=$dir/fuzz_$n
	[ -x "$bin" ] || { echo "fuzz: no $bin" >&2; status=1; continue; }
	scratch=$dir/corpus/$n
	crashes=$dir/crashes/$n
	mkdir -p "$scratch" "$crashes"
	dict=""
	[ -f "tests/fuzz/$n.dict" ] && dict="-dict=tests/fuzz/$n.dict"
	opts=""
	[ -f "tests/fuzz/$n.options" ] && opts=$(cat "tests/fuzz/$n.options")
	log=$dir/fuzz_$n.log
	# slow-unit-* files are inputs that took over 10 s once (libFuzzer's
	# -report_slow_units): a loaded machine, not a defect; not counted
	before=$(ls "$crashes" | grep -vc '^slow-unit-')
	echo "fuzz $n: $secs s" >&2
	# shellcheck disable=SC2086
	nice -n 19 "$bin" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$crashes/" $dict $opts \
	    "$scratch" "tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ -z "$execs" ]; then
		# A crash ends the run before the final stats: the last
		# status line ("#N ...") is how far it got.
		execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	fi
	after=$(ls "$crashes" | grep -vc '^slow-unit-')
	found=$((after - before))
	# A run stopped from outside (SIGINT, SIGTERM) found nothing; one
	# that died with an error report but left no input did.
	if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ] &&
	    grep -q 'ERROR: \(libFuzzer\|AddressSanitizer\|LeakSanitizer\)\|runtime error:' "$log"; then
		found=1
	fi
	printf '%s\t%s\t%s\t%s\n' "$n" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	    "${execs:-0}" "$found" >>"$tally"
	echo "fuzz $n: ${execs:-0} executions, $found crashes (log $log)" >&2
	if [ "$found" -ne 0 ]; then
		status=1
		tail -n 40 "$log" >&2
		ls "$crashes" >&2
	fi
done
echo "| target | executions | crashes |"
echo "|---|---:|---:|"
awk -F '\t' 'NR > 1 { e[$1] += $3; c[$1] += $4 }
    END { for (t in e) printf "| %s | %d | %d |\n", t, e[t], c[t] }' \
    "$tally" | sort
exit $status

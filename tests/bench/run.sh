#!/bin/sh
# make bench: runs every benchmark program (build/bench/bench_*) and
# script (tests/bench/bench_*.sh), collects their figure rows and writes
# docs/performance.md.  ONLY=PATTERN runs a subset (and leaves the doc
# alone unless all ran).
BUILD=${BUILD:-build}
MODELTOP=${MODELTOP:-$PWD/modeltop}
export BUILD MODELTOP
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
fails=0
for b in "$BUILD"/bench/bench_* tests/bench/bench_*.sh; do
	[ -e "$b" ] || continue
	case "$b" in *"${ONLY:-}"*) ;; *) continue ;; esac
	name=$(basename "$b")
	name=${name%.sh}
	echo "== $name" >&2
	case "$b" in
	*.sh) out=$(bash "$b") ;;
	*) out=$("$b") ;;
	esac
	rc=$?
	[ "$rc" -eq 0 ] || { echo "$name exited $rc" >&2; fails=$((fails + 1)); }
	printf '%s\n' "$out"
	{ echo "### $name"; echo; echo "| figure | measured | target | verdict |"; echo "|---|---|---|---|"; printf '%s\n' "$out" | grep '^|'; echo; } >>"$rows"
done
if [ -z "${ONLY:-}" ]; then
	{
		echo "# Performance"
		echo
		cmd="make bench"
		[ -n "${MEMSECS:-}" ] && cmd="MEMSECS=$MEMSECS make bench"
		echo "Figures measured by \`$cmd\` (the exact command; it runs"
		echo "tests/bench/run.sh over every benchmark) on $(date -u +%Y-%m-%d),"
		[ -n "${MEMSECS:-}" ] && echo "bench_console measuring its memory at $MEMSECS s rather than projecting it,"
		echo "on $(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
		echo "$(uname -sr).  The machine is shared and noisy: compare ratios"
		echo "measured in one run, not absolute numbers across runs."
		echo
		echo "Each section is one benchmark; the source is tests/bench/<name>.c"
		echo "or tests/bench/<name>.sh, which documents how it measures."
		echo
		cat "$rows"
		# the analysis behind the figures, kept by hand
		[ -f tests/bench/notes.md ] && cat tests/bench/notes.md
	} >docs/performance.md
	echo "wrote docs/performance.md" >&2
fi
grep -q '| FAIL |' "$rows" && echo "some figures miss their targets" >&2
[ "$fails" -eq 0 ]

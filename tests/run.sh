#!/bin/sh
# Runs every test: each unit binary under $BUILD/tests, each fuzz target's
# corpus replay ($BUILD/tests/fuzz_*_replay), then each
# tests/e2e/test_*.sh against the binary in $MODELTOP.  Counts test cases
# and ends with the line "N passed, N failed".  ONLY=PATTERN runs the
# tests whose file name contains PATTERN.
BUILD=${BUILD:-build}
export BUILD MODELTOP
export MODELTOP_TEST_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
passed=0
failed=0
failures=""
log=$(mktemp)
# The workers' action locks live in $XDG_RUNTIME_DIR/modeltop, named after
# the worker: a run of its own, so that two suites at once (make check
# beside make asan) do not refuse each other's actions on a worker that
# both happen to call "victim".
rt=$(mktemp -d)
export XDG_RUNTIME_DIR="$rt"
trap 'rm -f "$log"; rm -rf "$rt"' EXIT

count() { # file pattern
	n=$(grep -c "$2" "$1" 2>/dev/null)
	echo "${n:-0}"
}

# Long end-to-end tests that mostly wait (five minutes of a recorded demo
# fleet) run in the background while the others run.
LONG="test_analysis.sh"
long_pids=""
for l in $LONG; do
	t=tests/e2e/$l
	[ -f "$t" ] || continue
	case "$t" in *"${ONLY:-}"*) ;; *) continue ;; esac
	( start=$(date +%s); bash "$t" >"$log.$l" 2>&1; echo "rc=$? secs=$(( $(date +%s) - start ))" >>"$log.$l" ) &
	long_pids="$long_pids $!"
done

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *"${ONLY:-}"*) ;; *) continue ;; esac
	"$t" >"$log" 2>&1
	rc=$?
	p=$(count "$log" '^\[       OK \]')
	# cmocka names each failed test twice (as it fails, and in the list)
	f=$(grep '^\[  FAILED  \] [a-z_]' "$log" | sort -u | wc -l)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		cat "$log"
		failures="$failures $(basename "$t")"
	fi
	echo "unit $(basename "$t"): $p passed, $f failed"
done

# Fuzz corpora replayed as regression tests: one test per target, over
# its seeds and crash reproducers (tests/fuzz/corpus/NAME); a crash names
# the input that caused it.
for t in "$BUILD"/tests/fuzz_*_replay; do
	[ -x "$t" ] || continue
	case "$t" in *"${ONLY:-}"*) ;; *) continue ;; esac
	n=$(basename "$t" _replay)
	n=${n#fuzz_}
	if [ ! -d "tests/fuzz/corpus/$n" ]; then
		echo "FAIL: no corpus tests/fuzz/corpus/$n" >"$log"
		rc=1
	else
		"$t" "tests/fuzz/corpus/$n" >"$log" 2>&1
		rc=$?
	fi
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "fuzz $n: corpus replayed ($(sed -n 's/^ok //p' "$log"))"
	else
		failed=$((failed + 1))
		tail -n 30 "$log"
		echo "fuzz $n: FAILED (exit $rc) on $(sed -n 's/^input \(.*\) ([0-9]* bytes)$/\1/p' "$log" | tail -n 1)"
		failures="$failures fuzz_$n"
	fi
done

for t in tests/e2e/test_*.sh; do
	[ -f "$t" ] || continue
	case "$t" in *"${ONLY:-}"*) ;; *) continue ;; esac
	case " $LONG " in *" $(basename "$t") "*) continue ;; esac
	start=$(date +%s)
	bash "$t" >"$log" 2>&1
	rc=$?
	p=$(count "$log" '^PASS: ')
	f=$(count "$log" '^FAIL: ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL: $t exited $rc" >>"$log"; fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		cat "$log"
		failures="$failures $(basename "$t")"
	fi
	echo "e2e $(basename "$t"): $p passed, $f failed ($(( $(date +%s) - start ))s)"
done

for p in $long_pids; do wait "$p"; done
for l in $LONG; do
	f="$log.$l"
	[ -f "$f" ] || continue
	p=$(count "$f" '^PASS: ')
	fl=$(count "$f" '^FAIL: ')
	rc=$(sed -n 's/^rc=\([0-9]*\) .*/\1/p' "$f")
	if [ "${rc:-1}" -ne 0 ] && [ "$fl" -eq 0 ]; then fl=1; echo "FAIL: $l exited $rc" >>"$f"; fi
	passed=$((passed + p))
	failed=$((failed + fl))
	if [ "$fl" -ne 0 ]; then
		cat "$f"
		failures="$failures $l"
	fi
	echo "e2e $l: $p passed, $fl failed ($(sed -n 's/^rc=.* secs=//p' "$f")s, in the background)"
	rm -f "$f"
done

[ -z "$failures" ] || echo "failing:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

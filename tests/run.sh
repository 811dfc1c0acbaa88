#!/bin/sh
# Runs every test: each unit binary under $BUILD/tests, then each
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
trap 'rm -f "$log"' EXIT

count() { # file pattern
	n=$(grep -c "$2" "$1" 2>/dev/null)
	echo "${n:-0}"
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *"${ONLY:-}"*) ;; *) continue ;; esac
	"$t" >"$log" 2>&1
	rc=$?
	p=$(count "$log" '^\[       OK \]')
	f=$(count "$log" '^\[  FAILED  \] [a-z_]')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		cat "$log"
		failures="$failures $(basename "$t")"
	fi
	echo "unit $(basename "$t"): $p passed, $f failed"
done

for t in tests/e2e/test_*.sh; do
	[ -f "$t" ] || continue
	case "$t" in *"${ONLY:-}"*) ;; *) continue ;; esac
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

[ -z "$failures" ] || echo "failing:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

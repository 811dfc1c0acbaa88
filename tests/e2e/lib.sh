# Shared helpers for the end-to-end tests (bash).  Source it first.
#   ok DESC / fail DESC      record a result (the runner counts the lines)
#   check DESC CMD...         ok when CMD succeeds, fail otherwise
#   tmpdir                    a private directory removed at exit
#   wait_for SECS CMD...      poll CMD every 0.1 s until it succeeds
#   spawn CMD...              start CMD in the background; killed at exit
set -u
ROOT=${MODELTOP_TEST_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MODELTOP=${MODELTOP:-$ROOT/modeltop}
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PY=/usr/bin/python3
export PYTHONPATH="$ROOT/data/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
T=$(mktemp -d /tmp/modeltop-e2e.XXXXXX)
_pids=""
_cleanup() {
	for p in $_pids; do kill "$p" 2>/dev/null; done
	sleep 0.1
	for p in $_pids; do kill -9 "$p" 2>/dev/null; done
	[ -n "${TMUX_SOCK:-}" ] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	rm -rf "$T"
}
trap _cleanup EXIT
ok() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
wait_for() {
	local secs=$1; shift
	local end=$(( $(date +%s%N) / 1000000 + secs * 1000 ))
	while [ $(( $(date +%s%N) / 1000000 )) -lt $end ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
spawn() { "$@" & _pids="$_pids $!"; }
# A free TCP port on loopback.
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

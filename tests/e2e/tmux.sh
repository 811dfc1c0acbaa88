# Helpers for end-to-end tests that drive the real binary in a private
# tmux server (bash; source lib.sh first, then this file).
#
#   tmux_start W H CMD...   a new detached session W x H running CMD (a
#                           shell command line); kills any earlier one.
#                           After CMD exits the pane shows "EXIT <status>".
#   tmux_keys KEY...        send tmux key names (Enter, Escape, F1, Down...)
#   tmux_type TEXT          send TEXT literally
#   tmux_capture [-e]       the screen as text (-e: with escape sequences)
#   tmux_line N             line N (1-based) of the screen
#   tmux_resize W H         resize the window (the program gets SIGWINCH)
#   tmux_wait SECS TEXT     wait until the screen contains TEXT
#   tmux_wait_gone SECS TEXT  wait until the screen no longer contains TEXT
#   tmux_stop               kill the session (the server stays)
#   max_width               the widest line of stdin, in characters
#
# The server's socket is $T/tmux.sock; TMUX_SOCK is exported so that
# lib.sh kills the server at exit.
TMUX_SOCK="$T/tmux.sock"
export TMUX_SOCK
_tmux() { tmux -S "$TMUX_SOCK" "$@"; }

tmux_start() {
	local w=$1 h=$2
	shift 2
	_tmux kill-session -t e2e 2>/dev/null
	# None of the user's settings; no status line, which would take a
	# row from the program.
	echo "set -g status off" >"$T/tmux.conf"
	_tmux -f "$T/tmux.conf" new-session -d -s e2e -x "$w" -y "$h" \
	    "$*; echo EXIT \$?; sleep 600"
}
tmux_keys() { _tmux send-keys -t e2e "$@"; }
tmux_type() { _tmux send-keys -t e2e -l "$1"; }
tmux_capture() { _tmux capture-pane -t e2e -p "$@"; }
tmux_line() { tmux_capture | sed -n "${1}p"; }
tmux_resize() { _tmux resize-window -t e2e -x "$1" -y "$2"; }
_screen_has() { tmux_capture | grep -qF -- "$1"; }
_screen_lacks() { ! tmux_capture | grep -qF -- "$1"; }
tmux_wait() { wait_for "$1" _screen_has "$2"; }
tmux_wait_gone() { wait_for "$1" _screen_lacks "$2"; }
tmux_stop() { _tmux kill-session -t e2e 2>/dev/null; }
max_width() {
	$PY -c 'import sys
print(max([len(l.rstrip("\n")) for l in sys.stdin.read().split("\n")] + [0]))'
}

#!/usr/bin/env bash
# modeltop incidents on a real recording: table, JSON lines and markdown;
# --worker, --open, --from, --to; a schema 1 recording; a file that is not
# a recording; a file a recorder is writing.
#
# The recording comes from `modeltop record`; its incidents are written
# into the real incidents and incident_timeline tables (the schema of
# store migration 2) by the Python below, with known times.
. "$(dirname "$0")/lib.sh"
export TZ=UTC

cat >"$T/fleet.ini" <<EOF
[modeltop]
interval = 200ms

[worker self]
pid = $$
EOF
"$MODELTOP" record -c "$T/fleet.ini" --db "$T/rec.db" --duration 1 \
	2>"$T/record.log"
check "record makes a recording" test -s "$T/rec.db"
cp "$T/rec.db" "$T/empty.db"

# 2026-01-10 10:00:00 UTC
BASE=1768039200000
$PY - "$T/rec.db" "$BASE" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
B = int(sys.argv[2]); S = 1000; M = 60 * S; H = 60 * M
def inc(id, worker, cls, sev, strategy, opened, last, resolved, resolved_by,
        acked, acked_by, trigger, count, sig, exc_type, exc_message, tl):
    db.execute("INSERT INTO incidents (id, worker, class, severity, strategy,"
        " opened, last_trigger, resolved, resolved_by, acked, acked_by,"
        " trigger_text, count, signature, exc_type, exc_message) VALUES"
        " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (id, worker, cls, sev, strategy,
        opened, last, resolved, resolved_by, acked, acked_by, trigger, count,
        sig, exc_type, exc_message))
    for ts, kind, text, s in tl:
        db.execute("INSERT INTO incident_timeline (incident_id, ts, kind,"
            " text, severity) VALUES (?,?,?,?,?)", (id, ts, kind, text, s))
inc(1, "llm-0", "crash", "critical", "restart", B, B + 30 * S, B + 5 * M,
    "auto", B + M, "ann on /dev/pts/3", "exited (signal 9)", 2, None, None,
    None, [(B, "trigger", "exited (signal 9)", "warning"),
           (B + 30 * S, "join", "exited (signal 9) again", "critical"),
           (B + M, "ack", "acknowledged by ann on /dev/pts/3", None),
           (B + 90 * S, "note", "ann on /dev/pts/3: looking at the OOM killer", None),
           (B + 2 * M, "attempt", "restart: ok, up again in 4s", None),
           (B + 3 * M, "cleared", "condition cleared", None),
           (B + 5 * M, "resolve", "resolved automatically: condition cleared for 2m", None)])
inc(2, "llm-0", "exception", "warning", "investigate", B + H, B + H,
    B + H + 2 * M, "auto", None, None, "ValueError: bad input | <b>", 1,
    0xabc, "ValueError", "bad input | <b>",
    [(B + H, "trigger", "ValueError: bad input | <b>", "warning"),
     (B + H + 2 * M, "resolve", "resolved automatically: no new trigger for 2m", None)])
inc(3, "llm-0", "exception", "warning", "investigate", B + 2 * H, B + 2 * H,
    None, None, None, None, "ValueError: \x1b[31mred\x1b[0m\nsecond line", 1,
    0xabc, "ValueError", "\x1b[31mred\x1b[0m",
    [(B + 2 * H, "trigger", "ValueError: \x1b[31mred\x1b[0m\nsecond line", "warning")])
inc(4, "llm-1", "unreachable", "warning", None, B + 10 * M, B + 10 * M,
    B + 20 * M, "bob", None, None, "connection refused", 1, None, None, None,
    [(B + 10 * M, "trigger", "connection refused", "warning"),
     (B + 20 * M, "resolve", "resolved by bob", None)])
db.commit()
PYEOF

# ---- table ----
"$MODELTOP" incidents --db "$T/rec.db" >"$T/table.txt" 2>"$T/table.err"
rc=$?
check "table: exit 0 (rc=$rc)" test "$rc" -eq 0
check "table: nothing on stderr" test ! -s "$T/table.err"
check "table: header" grep -q '^ID  WORKER  CLASS \+SEVERITY  OPENED \+RESOLVED \+DURATION  ATTEMPTS  OUTCOME \+TRIGGER$' "$T/table.txt"
check "table: the crash, auto-resolved after 5m with one attempt" \
	grep -q '^1   llm-0   crash \+critical  2026-01-10 10:00:00  2026-01-10 10:05:00  5m  \+1  \+resolved (auto) \+exited (signal 9)$' "$T/table.txt"
check "table: resolved by an operator" \
	grep -q '^4 .*llm-1 .*unreachable .*10m .*resolved by bob .*connection refused$' "$T/table.txt"
check "table: still open, duration so far" \
	grep -q '^3 .*exception .*2026-01-10 12:00:00  - .*open ' "$T/table.txt"
check "table: oldest first" test "$(awk 'NR>1 && /^[0-9]/ {printf "%s ", $1} /^$/ {exit}' "$T/table.txt")" = "1 4 2 3 "
check "table: no escape sequences from worker text" \
	test "$(tr -d -c '\033' <"$T/table.txt" | wc -c)" -eq 0
check "table: a line break in a trigger stays on one line" \
	grep -q 'ValueError: ?\[31mred?\[0m second line$' "$T/table.txt"
check "table: patterns by worker" grep -q '^llm-0 \+3 \+1 ' "$T/table.txt"
check "table: recurring error" \
	grep -q '^llm-0 \+2 \+1 \+2026-01-10 12:00:00  ValueError: ' "$T/table.txt"

# ---- JSON lines ----
"$MODELTOP" incidents --db "$T/rec.db" --format jsonl >"$T/out.jsonl"
check "jsonl: exit 0" test $? -eq 0
$PY - "$T/out.jsonl" "$BASE" <<'PYEOF' | while read -r line; do echo "$line"; done
import json, sys
B = int(sys.argv[2]) / 1000
rows = [json.loads(l) for l in open(sys.argv[1])]
def check(desc, cond):
    print(("PASS: " if cond else "FAIL: ") + "jsonl: " + desc)
check("four objects, oldest first", [r["id"] for r in rows] == [1, 4, 2, 3])
r = {x["id"]: x for x in rows}
c = r[1]
check("fields of the crash", c["worker"] == "llm-0" and c["class"] == "crash"
      and c["severity"] == "critical" and c["strategy"] == "restart"
      and c["opened"] == B and c["resolved"] == B + 300 and c["duration"] == 300
      and c["count"] == 2 and c["attempts"] == 1 and c["open"] is False
      and c["outcome"] == "resolved (auto)" and c["resolved_by"] == "auto"
      and c["acked_by"] == "ann on /dev/pts/3" and c["acked"] == B + 60
      and c["signature"] is None and c["exc_type"] is None)
check("timeline of the crash", [e["kind"] for e in c["timeline"]] ==
      ["trigger", "join", "ack", "note", "attempt", "cleared", "resolve"]
      and c["timeline"][3]["text"] == "ann on /dev/pts/3: looking at the OOM killer"
      and c["timeline"][4]["ts"] == B + 120)
check("exception fields", r[2]["exc_type"] == "ValueError"
      and r[2]["exc_message"] == "bad input | <b>"
      and r[2]["signature"] == "0000000000000abc")
check("worker text kept exactly", r[3]["exc_message"] == "\x1b[31mred\x1b[0m"
      and r[3]["trigger"].endswith("\nsecond line"))
check("open incident", r[3]["open"] is True and r[3]["resolved"] is None
      and r[3]["outcome"] == "open" and r[3]["resolved_by"] is None)
check("operator outcome", r[4]["outcome"] == "resolved by bob"
      and r[4]["strategy"] is None and r[4]["attempts"] == 0)
PYEOF

# ---- markdown ----
"$MODELTOP" incidents --db "$T/rec.db" --format markdown >"$T/report.md"
check "markdown: exit 0" test $? -eq 0
check "markdown: title" grep -q '^# Incident report: rec.db$' "$T/report.md"
check "markdown: summary" grep -q '^- Incidents: 4 (1 open, 3 resolved: 2 automatically, 1 by an operator)$' "$T/report.md"
check "markdown: severity and classes" grep -q '^- Classes: exception 2, crash 1, unreachable 1$' "$T/report.md"
check "markdown: table header" grep -q '^| # | worker | class | severity | opened | resolved | duration | trigger | attempts | outcome |$' "$T/report.md"
check "markdown: table row" grep -q '^| \[1\](#incident-1) | llm-0 | crash | critical | 2026-01-10 10:00:00 | 2026-01-10 10:05:00 | 5m | exited (signal 9) | 1 | resolved (auto) |$' "$T/report.md"
check "markdown: pipes in worker text escaped" grep -q 'ValueError: bad input \\| \\<b\\>' "$T/report.md"
check "markdown: a section per incident" test "$(grep -c '^### Incident [0-9]' "$T/report.md")" -eq 4
check "markdown: timeline" grep -q '^| 2026-01-10 10:02:00 | attempt | restart: ok, up again in 4s |$' "$T/report.md"
check "markdown: acknowledged" grep -q '^- Acknowledged by ann on /dev/pts/3 at 2026-01-10 10:01:00$' "$T/report.md"
"$MODELTOP" incidents --db "$T/rec.db" --format markdown --to 2026-01-10T12:30:00Z >"$T/report2.md"
check "markdown --to: the window" grep -q '^- Window: the start of the recording to 2026-01-10 12:30:00 (local time, UTC+0000)$' "$T/report2.md"
check "markdown: pattern figures (last hour and day before --to)" \
	grep -q '^| llm-0 | 3 | 1 | 1 | 3 | 1h | 3m30s |$' "$T/report2.md"
check "markdown: pattern figures by class" \
	grep -q '^| exception | 2 | 1 | 1 | 2 | 1h | 2m |$' "$T/report2.md"
check "markdown: open duration up to --to" \
	grep -q '^- Opened 2026-01-10 12:00:00; still open after 30m$' "$T/report2.md"
check "markdown: recurring errors" grep -q '^| llm-0 | ValueError: .* (signature 0000000000000abc) | 2 | 1 | 2026-01-10 11:00:00 | 2026-01-10 12:00:00 | 3 |$' "$T/report.md"
check "markdown: no escape sequences" test "$(tr -d -c '\033' <"$T/report.md" | wc -c)" -eq 0

# ---- filters ----
ids() { "$MODELTOP" incidents --db "$T/rec.db" --format jsonl "$@" |
	$PY -c 'import json,sys; print(" ".join(str(json.loads(l)["id"]) for l in sys.stdin))'; }
check "--worker" test "$(ids --worker llm-1)" = "4"
check "--worker pattern" test "$(ids --worker 'llm-*')" = "1 4 2 3"
check "--open" test "$(ids --open)" = "3"
check "--from leaves out what was over before" test "$(ids --from 2026-01-10T11:30:00Z)" = "3"
check "--to: the state then" test "$(ids --to 2026-01-10T11:01:00Z --open)" = "2"
check "--to leaves out what opened later" test "$(ids --to 2026-01-10T10:15:00Z)" = "1 4"
"$MODELTOP" incidents --db "$T/rec.db" --format jsonl --to 2026-01-10T10:00:45Z >"$T/past.jsonl"
check "--to: count and acknowledgement as they were" $PY -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())
sys.exit(not (r["count"] == 2 and r["acked"] is None and r["open"] and
    [e["kind"] for e in r["timeline"]] == ["trigger", "join"]))' "$T/past.jsonl"
"$MODELTOP" incidents --db "$T/rec.db" --worker nobody >"$T/none.txt"
check "no match: says so" test "$(cat "$T/none.txt")" = "no incidents"
"$MODELTOP" incidents --db "$T/empty.db" --format markdown >"$T/empty.md"
check "markdown without incidents" grep -q '^No incidents in this window.$' "$T/empty.md"

# ---- usage ----
"$MODELTOP" incidents --db "$T/rec.db" --format xml 2>"$T/usage.err"
check "bad --format: exit 2" test $? -eq 2
check "bad --format: message" grep -q 'expected table, jsonl or markdown' "$T/usage.err"
"$MODELTOP" incidents 2>/dev/null
check "no --db: exit 2" test $? -eq 2
"$MODELTOP" incidents --db "$T/rec.db" --from tomorrowish 2>/dev/null
check "bad TIME: exit 2" test $? -eq 2

# ---- a schema 1 recording ----
cp "$T/empty.db" "$T/old.db"
sqlite3 "$T/old.db" "DROP TABLE incident_timeline; DROP TABLE incidents; PRAGMA user_version = 1; UPDATE meta SET value = 1 WHERE key = 'schema_version';"
out=$("$MODELTOP" incidents --db "$T/old.db" 2>&1)
rc=$?
check "schema 1: exit 0 (rc=$rc)" test "$rc" -eq 0
check "schema 1: says why there is nothing" \
	test "$out" = "no incidents recorded (recording predates incident tracking)"
"$MODELTOP" incidents --db "$T/old.db" --format jsonl >"$T/old.jsonl" 2>"$T/old.err"
check "schema 1, jsonl: stdout stays JSON (empty)" test ! -s "$T/old.jsonl"
check "schema 1, jsonl: message on stderr" grep -q 'predates incident tracking' "$T/old.err"
check "schema 1: the file is left as it was" \
	test "$(sqlite3 "$T/old.db" 'PRAGMA user_version')" = "1"

# ---- not a recording ----
echo "hello" >"$T/notes.txt"
"$MODELTOP" incidents --db "$T/notes.txt" 2>"$T/bad.err"
rc=$?
check "not a recording: exit 1 (rc=$rc)" test "$rc" -eq 1
check "not a recording: message names the file" grep -q "$T/notes.txt: .*not a modeltop recording" "$T/bad.err"
"$MODELTOP" incidents --db "$T/missing.db" 2>/dev/null
check "missing file: exit 1" test $? -eq 1

# ---- a file a recorder is writing ----
spawn "$MODELTOP" record -c "$T/fleet.ini" --db "$T/live.db" --duration 20 2>/dev/null
rec_pid=$!
wait_for 10 test -s "$T/live.db"
sleep 0.5
out=$("$MODELTOP" incidents --db "$T/live.db" 2>&1)
rc=$?
check "while recording: exit 0 (rc=$rc, $out)" test "$rc" -eq 0
check "while recording: an empty list" test "$out" = "no incidents"
kill -TERM "$rec_pid" 2>/dev/null
wait "$rec_pid" 2>/dev/null

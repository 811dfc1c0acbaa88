#!/usr/bin/env bash
# Analysis and incidents on the real demo fleet, recorded for five minutes:
# the leaking worker gets a leak verdict and a time-to-limit within a
# minute; the crash-looping worker exactly one open crash incident; the
# traceback worker an incident with the exception's type and message; the
# latency spikes and error bursts are flagged within three ticks; the
# healthy worker gets no incident and no anomaly.  SECS=N shortens it.
. "$(dirname "$0")/lib.sh"
SECS=${SECS:-300}

base=$($PY -c 'import random; print(random.randint(21000, 29000))')
$PY "$ROOT/data/demo/fleet.py" --dir "$T/fleet" --base-port "$base" \
	--write-config "$T/demo.ini" --config-only >/dev/null || fail "fleet config"
cat >>"$T/demo.ini" <<EOF2

[rule p99-slow]
metric = latency_p99_seconds
above = 1
for = 3s
severity = warning
workers = latency
EOF2
check "config with a rule checks" "$MODELTOP" check -c "$T/demo.ini"
spawn $PY "$ROOT/data/demo/fleet.py" --dir "$T/fleet" --base-port "$base"
six_pids() { [ "$(ls "$T"/fleet/*.pid 2>/dev/null | wc -l)" -eq 6 ]; }
wait_for 20 six_pids || fail "fleet did not start"
start_ms=$(date +%s%3N)
"$MODELTOP" record -q -c "$T/demo.ini" --db "$T/rec.db" --duration "$SECS" 2>"$T/record.err"
rc=$?
check "record ran $SECS s and exited 0 (rc=$rc)" test "$rc" -eq 0
[ -s "$T/record.err" ] && cat "$T/record.err"

"$MODELTOP" export --db "$T/rec.db" --format jsonl >"$T/all.jsonl"
"$MODELTOP" incidents --db "$T/rec.db" --format jsonl >"$T/inc.jsonl"
check "incidents --format jsonl" test -s "$T/inc.jsonl"
sqlite3 -separator '|' "$T/rec.db" "SELECT ts, worker, kind, text FROM events ORDER BY ts" >"$T/events.txt"

$PY - "$T/all.jsonl" "$T/inc.jsonl" "$T/events.txt" "$start_ms" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
incs = [json.loads(l) for l in open(sys.argv[2])]
events = [l.split("|", 3) for l in open(sys.argv[3]).read().splitlines()]
def check(desc, cond):
    print(("PASS: " if cond else "FAIL: ") + desc)
def series(worker, metric, labels=None):
    return [(r["ts"], r["value"]) for r in rows if r["worker"] == worker and r["metric"] == metric
            and (labels is None or r["labels"] == labels)]
def first_ts(worker, metric):
    s = series(worker, metric)
    return s[0][0] if s else None

# leak verdict and time to limit within a minute of the first sample
t0 = first_ts("leaking", "proc_rss_bytes")
leak = [t for t, v in series("leaking", "memory_leak") if v == 1]
ttl = series("leaking", "memory_time_to_limit_seconds")
check("leaking: a leak verdict (%s s after its first sample)" % (round(leak[0] - t0, 1) if leak else None),
      bool(leak) and leak[0] - t0 <= 62)
check("leaking: a time to the limit within a minute (%s s)" % (round(ttl[0][0] - t0, 1) if ttl else None),
      bool(ttl) and ttl[0][0] - t0 <= 62)
if ttl:
    print("    leaking: time to limit at the end: %.0f s" % ttl[-1][1])
check("leaking: a leak incident", any(i["worker"] == "leaking" and i["class"] == "leak" for i in incs))
for w in ("healthy", "fragmenting", "latency"):
    check("%s: never a leak verdict" % w, all(v == 0 for t, v in series(w, "memory_leak")))

# the crash loop: one crash incident, not one per crash
crashes = [i for i in incs if i["worker"] == "crashloop" and i["class"] == "crash"]
restarts = series("crashloop", "proc_restarts")
nrest = restarts[-1][1] if restarts else 0
check("crashloop: %d restarts seen" % nrest, nrest >= 3)
check("crashloop: exactly one crash incident (%d) for %d restarts" % (len(crashes), nrest),
      len(crashes) == 1 and crashes[0]["open"])
if crashes:
    check("crashloop: the incident counts every crash (%d triggers)" % crashes[0]["count"],
          crashes[0]["count"] >= nrest)

# the traceback worker's incident carries the exception type and message
errs = [i for i in incs if i["worker"] == "errors"]
typed = [i for i in errs if i.get("exc_type") and i.get("exc_message")]
check("errors: incidents opened (%s)" % sorted(set(i["class"] for i in errs)), bool(errs))
check("errors: an incident carries exception type and message (%s)" %
      ["%s: %s" % (i["exc_type"], i["exc_message"][:40]) for i in typed[:3]], bool(typed))

# anomalies: flagged within three ticks of the spike / burst
def anomaly_times(worker, figure):
    return [int(e[0]) / 1000.0 for e in events if e[1] == worker and e[2] == "anomaly" and e[3].startswith(figure)]
def onsets(worker, metric, above):
    s = series(worker, metric); out = []; prev = 0
    for t, v in s:
        if isinstance(v, (int, float)) and v > above and prev <= above:
            out.append(t)
        prev = v if isinstance(v, (int, float)) else 0
    return out
lat_t0 = first_ts("latency", "latency_p99_seconds") or 0
lat_on = [t for t in onsets("latency", "latency_p99_seconds", 0.5) if t >= lat_t0 + 15]
lat_an = anomaly_times("latency", "latency_p99_seconds")
check("latency: spikes seen (%d)" % len(lat_on), bool(lat_on))
if lat_on:
    d = min([a - lat_on[0] for a in lat_an if a >= lat_on[0] - 0.01] or [99])
    check("latency: first spike flagged %.0f s after it showed (<= 3 ticks)" % d, d <= 3.01)
check("latency: the p99 rule fired", any(e[1] == "latency" and e[2] == "rule" and "firing" in e[3] for e in events))
check("latency: a latency incident", any(i["worker"] == "latency" and i["class"] == "latency" for i in incs))
err_s = series("errors", "requests_total", {"status": "error"})
# the detector scores a figure once it has 10 values of history
# (ANOMALY_MIN_HISTORY): the first burst after that must be flagged.  The
# demo worker's bursts are 4 to 8 failing requests in a row, which the
# 1 s ticks often split in two; the detector (docs/analysis.md: per-tick
# rate, MAD floor 0.5/s, threshold 6) flags a tick from 0 to 4.45
# errors/s up, so a burst here is a tick with at least 5 errors.  A split
# 2 + 3 is below that by design, as is a lone background error.
warm = err_s[0][0] + 15 if err_s else 0
burst = None; prev = None
for t, v in err_s:
    if prev is not None and v - prev >= 5 and t >= warm:
        burst = t; break
    prev = v
err_an = anomaly_times("errors", "errors_per_second")
check("errors: a burst seen after the detector's warm-up", burst is not None)
if burst is not None:
    d = min([a - burst for a in err_an if a >= burst - 0.01] or [99])
    check("errors: first burst flagged %.0f s after it showed (<= 3 ticks)" % d, d <= 3.01)

# the healthy worker: nothing
check("healthy: no incident (%s)" % [i["class"] for i in incs if i["worker"] == "healthy"],
      not any(i["worker"] == "healthy" for i in incs))
check("healthy: no anomaly flagged (%s)" % [e[3][:50] for e in events if e[1] == "healthy" and e[2] == "anomaly"],
      not any(e[1] == "healthy" and e[2] == "anomaly" for e in events))
fc = series("leaking", "forecast_60s", {"figure": "proc_rss_bytes"})
lo = series("leaking", "forecast_60s_lo", {"figure": "proc_rss_bytes"})
hi = series("leaking", "forecast_60s_hi", {"figure": "proc_rss_bytes"})
check("leaking: an RSS forecast a minute ahead with its interval (%d points)" % len(fc),
      bool(fc) and bool(lo) and bool(hi) and lo[-1][1] <= fc[-1][1] <= hi[-1][1])
if fc:
    rss_now = series("leaking", "proc_rss_bytes")[-1][1]
    print("    leaking: RSS %.0fM now, forecast in 60 s %.0fM (%.0fM..%.0fM)" % (
        rss_now / 2**20, fc[-1][1] / 2**20, lo[-1][1] / 2**20, hi[-1][1] / 2**20))
frag = series("fragmenting", "memory_fragmentation_ratio")
check("fragmenting: fragmentation measured (%.1f)" % (frag[-1][1] if frag else 0), bool(frag) and frag[-1][1] > 2)
PYEOF

"$MODELTOP" incidents --db "$T/rec.db" --format markdown >"$T/report.md"
check "markdown report names the crash loop" grep -q crashloop "$T/report.md"

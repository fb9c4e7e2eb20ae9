#!/usr/bin/env bash
# Surveys (the issue's two measurements), printed as Markdown:
#
# 1. Responses under load: wrk posts complete responses to a survey's public link
#    (`POST /s/p/{token}`, the `relationship-nps` template: an NPS and, in a quarter of the posts,
#    a reason; a new visitor key per request, bench/surveys/responses.lua) against
#    `tenure serve --log off --survey-posts-per-minute 0`, on SQLite and (with PG_URL) on a new
#    PostgreSQL database. Prints responses/s, p50/p99, non-2xx, and checks that none was lost or
#    doubled: the responses stored (`survey list --json`, and `survey analyze --json`) are at
#    least those wrk saw answered 200 and at most those it sent (the difference: requests in
#    flight when wrk stopped, which the server still stores). Also where the CPU went during the
#    run (the server, PostgreSQL, wrk, other processes, idle) and the server's own mean time per
#    post from its /metrics.
# 2. `tenure survey analyze --definition D --responses R --json` on RESPONSES generated responses
#    to the `servqual` template plus an NPS (bench/surveys/generate.py), against a pandas/SciPy
#    script computing the same headline numbers from the same CSV (pandas_analysis.py); both
#    timed REPEATS times (median wall, peak RSS from GNU time), and their numbers compared
#    (compare.py: equal to 1e-9 relative, or the run fails).
#
# Usage: bench/surveys/run.sh [RESPONSES]          (default 1000000)
# Env:   TENURE_BIN (default: a release build), BENCH_DIR (default: a temporary directory; the
#        generated files are kept there and reused), PG_URL (an admin URL, e.g.
#        postgres://postgres@127.0.0.1:5432/postgres: also PostgreSQL; a database is made and
#        dropped per run), DURATION (seconds of load, default 20), CONNECTIONS (wrk's, default 8),
#        THREADS (wrk's, default 2), SERVE_CONNECTIONS (the server's store connections, default
#        its own: 4), REPEATS (analysis runs of each tool, default 5), SQLITE=0 (no SQLite load),
#        LOAD=0 / ANALYZE=0 (leave out measurement 1 / 2), PROFILE=1 (also `perf record` the
#        server during each load and print its top functions), PRELOAD=N (store N submitted
#        responses in the survey with SQL before the load: a survey that has been answered a
#        while; default 0, a new survey).
set -euo pipefail
cd "$(dirname "$0")/../.."
RESPONSES=${1:-1000000}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-5}
VENV=bench/.venv
HERE=bench/surveys
if [ -n "${BENCH_DIR:-}" ]; then
    WORK=$BENCH_DIR
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d)
fi
WORK=$(cd "$WORK" && pwd)
if [ "${LOAD:-1}" != 0 ]; then
    command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
fi
if [ -z "${TENURE_BIN:-}" ]; then
    cargo build --release --quiet -p tenure
    TENURE_BIN="${CARGO_TARGET_DIR:-target}/release/tenure"
fi
TENURE_BIN=$(realpath "$TENURE_BIN")

SERVER_PID=""
SAMPLER_PID=""
PERF_PID=""
PG_DB_NAME=""
cleanup() {
    for pid in "$SAMPLER_PID" "$PERF_PID"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_DB_NAME" ]; then
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB_NAME" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

json_field() { # FIELD: prints FIELD of the JSON object (or of the first element of the array) on stdin
    python3 -c 'import json,sys; v=json.load(sys.stdin); v=v[0] if isinstance(v,list) else v; print(v[sys.argv[1]])' "$1"
}

# --- 1. Responses under load -------------------------------------------------------------------

cpu_busy() { # prints "busy idle" jiffies of the whole machine
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat
}
cpu_of() { # PID…: prints the user + system jiffies of these processes (0 for any that is gone)
    local total=0 pid t
    for pid in "$@"; do
        [ -n "$pid" ] || continue
        t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
        total=$((total + ${t:-0}))
    done
    echo "$total"
}
pg_transactions() { # DB-NAME: transactions committed and rolled back in it so far
    psql -Atq "$PG_URL" -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$1'"
}
postgres_pids() { # DB-NAME: PostgreSQL's own processes and the backends of DB-NAME (not other databases' clients)
    local pid cmd
    for pid in $(pgrep -x postgres || true); do
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
        if [[ "$cmd" == *" $1 "* ]] || [[ "$cmd" != *"("*")"* && "$cmd" != *"[local]"* ]]; then
            echo "$pid"
        fi
    done
}

metric() { # BASE TOKEN PATTERN: the sum of the /metrics samples whose line matches PATTERN
    curl -sf -H "Authorization: Bearer $2" "$1/metrics" | awk -v pat="$3" '$0 !~ /^#/ && index($0, pat) { n += $NF } END { printf "%.6f\n", n + 0 }'
}

preload() { # DB SURVEY-ID N: stores N submitted public-link responses to the survey, as SQL
    local db=$1 id=$2 n=$3 started=$EPOCHREALTIME
    local answers="'{\"nps\":' || (n % 11) || '}'"
    case "$db" in
        sqlite:*)
            sqlite3 "${db#sqlite:}" "INSERT INTO survey_responses (survey_id, version, channel, language, answers, next_page, \
                resume_hash, started_at, updated_at, submitted_at) \
                WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $n) \
                SELECT $id, 1, 'link', 'en', $answers, 2, 'preload-' || n, t, t, t \
                FROM g, (SELECT CAST(strftime('%s', 'now') AS INTEGER) - 86400 AS t)" ;;
        *)
            psql -q "$db" -c "INSERT INTO survey_responses (survey_id, version, channel, language, answers, next_page, \
                resume_hash, started_at, updated_at, submitted_at) \
                SELECT $id, 1, 'link', 'en', $answers, 2, 'preload-' || n, t, t, t \
                FROM generate_series(1, $n) AS n, (SELECT now() - interval '1 day' AS t) AS at" -c "ANALYZE survey_responses" ;;
    esac
    echo "preloaded $n responses in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s" >&2
}

load() { # ENGINE DB
    local engine=$1 db=$2 survey token admin base banner stamp pgs
    "$TENURE_BIN" --db "$db" survey create bench --template relationship-nps --min-fill-seconds 0 --json >"$WORK/$engine-survey.json"
    survey=$(json_field public_token <"$WORK/$engine-survey.json")
    if [ "${PRELOAD:-0}" -gt 0 ]; then
        preload "$db" "$(json_field id <"$WORK/$engine-survey.json")" "$PRELOAD"
    fi
    admin=$("$TENURE_BIN" --db "$db" token create --role admin --name bench --json | json_field token)
    local serve_args=(--bind 127.0.0.1:0 --log off --survey-posts-per-minute 0)
    [ -n "${SERVE_CONNECTIONS:-}" ] && serve_args+=(--connections "$SERVE_CONNECTIONS")
    rm -f "$WORK/serve.fifo"
    mkfifo "$WORK/serve.fifo"
    "$TENURE_BIN" --db "$db" serve "${serve_args[@]}" >"$WORK/serve.fifo" 2>"$WORK/$engine-serve.err" &
    SERVER_PID=$!
    # The first line names the address; the descriptor stays open so the server never writes
    # into a closed pipe.
    exec 3<"$WORK/serve.fifo"
    read -r banner <&3 || { cat "$WORK/$engine-serve.err" >&2; exit 1; }
    base=$(grep -o 'http://[0-9.:]*' <<<"$banner" | awk 'NR == 1')
    stamp=$(curl -sf "$base/s/p/$survey" | sed -n 's/.*name="stamp" value="\([^"]*\)".*/\1/p' | awk 'NR == 1')
    [ -n "$stamp" ] || { echo "no stamp on $base/s/p/$survey" >&2; exit 1; }

    local stored_before posts_before sum_before busy0 idle0 server0 pg0 busy1 idle1 server1 pg1
    stored_before=$("$TENURE_BIN" --db "$db" survey list --json | json_field responses)
    posts_before=$(metric "$base" "$admin" 'tenure_http_request_duration_seconds_count{method="POST",route="/s/p/{token}"}')
    sum_before=$(metric "$base" "$admin" 'tenure_http_request_duration_seconds_sum{method="POST",route="/s/p/{token}"}')
    pgs=()
    local xacts_before=0 xacts=""
    if [ "$engine" = postgres ]; then
        mapfile -t pgs < <(postgres_pids "$PG_DB_NAME")
        xacts_before=$(pg_transactions "$PG_DB_NAME")
    fi
    read -r busy0 idle0 < <(cpu_busy)
    server0=$(cpu_of "$SERVER_PID")
    pg0=$(cpu_of "${pgs[@]+"${pgs[@]}"}")
    if [ "${PROFILE:-0}" = 1 ]; then
        perf record -e cpu-clock -F 999 -g -p "$SERVER_PID" -o "$WORK/$engine-perf.data" >/dev/null 2>&1 &
        PERF_PID=$!
    fi
    # The server's count of answered posts, once a second, to see the rate over the run.
    (while sleep 1; do echo "$EPOCHREALTIME $(metric "$base" "$admin" 'tenure_http_requests_total{method="POST",route="/s/p/{token}",status="2xx"}')"; done) \
        >"$WORK/$engine-rate.txt" 2>/dev/null &
    SAMPLER_PID=$!
    BENCH_TOKEN=$survey BENCH_STAMP=$stamp BENCH_RUN=$(printf '%.2s%04d' "$engine" $(($$ % 10000))) \
        /usr/bin/time -f "wrk-cpu %U %S" -o "$WORK/$engine-wrk.time" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$HERE/responses.lua" "$base" >"$WORK/$engine.wrk" 2>&1
    read -r busy1 idle1 < <(cpu_busy)
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    server1=$(cpu_of "$SERVER_PID")
    pg1=$(cpu_of "${pgs[@]+"${pgs[@]}"}")
    local profiled=""
    if [ -n "$PERF_PID" ]; then
        kill -INT "$PERF_PID"
        wait "$PERF_PID" || true
        PERF_PID=""
        profiled=1
    fi
    # Requests in flight when wrk stopped still finish on the server: wait until no store
    # connection is busy before counting.
    for _ in $(seq 100); do
        [ "$(metric "$base" "$admin" 'tenure_store_connections{state="busy"}')" = 0.000000 ] && break
        sleep 0.1
    done
    if [ "$engine" = postgres ]; then
        sleep 1.5 # PostgreSQL publishes its statistics about once a second
        xacts=$(($(pg_transactions "$PG_DB_NAME") - xacts_before))
    fi
    local posts_after sum_after
    posts_after=$(metric "$base" "$admin" 'tenure_http_request_duration_seconds_count{method="POST",route="/s/p/{token}"}')
    sum_after=$(metric "$base" "$admin" 'tenure_http_request_duration_seconds_sum{method="POST",route="/s/p/{token}"}')
    local peak
    peak=$(awk '/VmHWM/ { print $2, $3 }' "/proc/$SERVER_PID/status")
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    exec 3<&-

    local rps p50 p99 non2xx thanked sent stored analyzed
    rps=$(awk '/Requests\/sec/ { print $2 }' "$WORK/$engine.wrk")
    p50=$(awk '$1 == "50%" { print $2 }' "$WORK/$engine.wrk")
    p99=$(awk '$1 == "99%" { print $2 }' "$WORK/$engine.wrk")
    non2xx=$(awk '/Non-2xx or 3xx/ { n += $NF } /Socket errors/ { n += 1 } END { print n + 0 }' "$WORK/$engine.wrk")
    thanked=$(awk '/^thanked/ { print $2 }' "$WORK/$engine.wrk")
    sent=$(awk '/^thanked/ { print $6 }' "$WORK/$engine.wrk")
    stored=$(("$("$TENURE_BIN" --db "$db" survey list --json | json_field responses)" - stored_before))
    analyzed=$(("$("$TENURE_BIN" --db "$db" survey analyze bench --json | json_field responses)" - stored_before))
    echo "| $engine | $rps | $p50 | $p99 | $non2xx | $thanked | $((sent - thanked)) | $stored | $analyzed |" >>"$WORK/load.md"

    # Where the CPU went (jiffies: 1/100 s). wrk's own from GNU time; "other" is everything else
    # busy on the machine meanwhile (another build, the kernel's work for them).
    local hz busy server pg wrk_cpu other idle cores posts mean_ms
    hz=$(getconf CLK_TCK)
    busy=$((busy1 - busy0)); idle=$((idle1 - idle0))
    server=$((server1 - server0)); pg=$((pg1 - pg0))
    wrk_cpu=$(awk -v hz="$hz" '/^wrk-cpu/ { printf "%d\n", ($2 + $3) * hz }' "$WORK/$engine-wrk.time")
    other=$((busy - server - pg - wrk_cpu)); [ "$other" -lt 0 ] && other=0
    cores=$(nproc)
    posts=$(awk -v a="$posts_after" -v b="$posts_before" 'BEGIN { print a - b }')
    mean_ms=$(awk -v a="$sum_after" -v b="$sum_before" -v n="$posts" 'BEGIN { printf "%.2f", (n > 0 ? (a - b) / n * 1000 : 0) }')
    python3 - "$engine" "$hz" "$cores" "$busy" "$idle" "$server" "$pg" "$wrk_cpu" "$other" "$stored" "$mean_ms" "$posts" "$peak" \
        "$WORK/$engine-rate.txt" "$stored_before" "$xacts" >>"$WORK/load.txt" <<'PY'
import sys
engine, hz, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
busy, idle, server, pg, wrk, other, stored = map(int, sys.argv[4:11])
mean_ms, posts, peak, rate_file, before = sys.argv[11], sys.argv[12], sys.argv[13], sys.argv[14], int(sys.argv[15])
xacts = int(sys.argv[16]) if sys.argv[16] else None
samples = [tuple(map(float, line.split())) for line in open(rate_file) if len(line.split()) == 2]
if len(samples) >= 6:
    # Each second's rate; the first and last full seconds may be partial (wrk starting, stopping).
    rates = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(samples, samples[1:])][1:-1]
    k = max(1, min(5, len(rates) // 3))
    first, last = sum(rates[:k]) / k, sum(rates[-k:]) / k
    print(f"- {engine}: responses/s by the server's counter, each second: first {k} s {first:,.0f}, last {k} s "
          f"{last:,.0f} (the survey held {before:,} responses at the start and {before + stored:,} at the end).")
total = max(busy + idle, 1)
share = lambda j: f"{100 * j / total * cores:.0f} %"  # of one core
per = lambda j: f"{1000 * j / hz / max(stored, 1):.3f} ms"
print(f"- {engine}: CPU over the run, in % of one core (the machine has {cores}): server {share(server)}"
      + (f", PostgreSQL {share(pg)}" if pg else "") + f", wrk {share(wrk)}, other processes {share(other)},"
      f" idle {share(idle)}. Per stored response: server {per(server)} CPU"
      + (f", PostgreSQL {per(pg)}" if pg else "") + f". The server's own mean time per post (its /metrics,"
      f" {float(posts):.0f} posts, queueing for a store connection included): {mean_ms} ms. Peak memory: {peak}."
      + (f" PostgreSQL transactions per stored response: {xacts / max(stored, 1):.1f}"
         " (pg_stat_database: the whole database during the load)." if xacts is not None else ""))
PY
    if [ -n "$profiled" ]; then
        echo "- $engine: the server's top functions (perf, cpu-clock, self time):" >>"$WORK/load.txt"
        perf report -i "$WORK/$engine-perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null \
            | awk '/%/ && !/^#/ && n < 25 { $1 = $1; print "  " $0; n++ }' >>"$WORK/load.txt"
    fi

    # None lost, none doubled: every response answered 200 is stored, and nothing beyond what was
    # sent (each request is a new visitor, so a doubled one would show as more than sent); the
    # analysis reads exactly the stored ones.
    if [ "$stored" -lt "$thanked" ] || [ "$stored" -gt "$sent" ] || [ "$analyzed" != "$stored" ]; then
        echo "LOST OR DOUBLED RESPONSES on $engine: $thanked answered 200, $sent sent, $stored stored, $analyzed analysed" >&2
        cat "$WORK/load.md" "$WORK/load.txt" >&2
        exit 1
    fi
}

rm -f "$WORK/load.md" "$WORK/load.txt" "$WORK/analysis.md"
if [ "${LOAD:-1}" != 0 ]; then
    if [ "${SQLITE:-1}" != 0 ]; then
        rm -f "$WORK/surveys.db"*
        load sqlite "sqlite:$WORK/surveys.db"
    fi
    if [ -n "${PG_URL:-}" ]; then
        PG_DB_NAME="tenure_bench_surveys_$$"
        PGOPTIONS=--client-min-messages=warning psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB_NAME" -c "CREATE DATABASE $PG_DB_NAME" >/dev/null
        pg_db="${PG_URL%/*}/$PG_DB_NAME"
        "$TENURE_BIN" --db "$pg_db" migrate >/dev/null
        load postgres "$pg_db"
        psql -q "$PG_URL" -c "DROP DATABASE $PG_DB_NAME" >/dev/null
        PG_DB_NAME=""
    fi
fi

# --- 2. The analysis of RESPONSES responses: Tenure against pandas -----------------------------

if [ "${ANALYZE:-1}" != 0 ]; then
    if ! "$VENV/bin/python" -c 'import pandas, scipy' >/dev/null 2>&1; then
        [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet pandas==3.1.1 numpy==2.4.6 scipy==1.17.1
    fi
    DATA="$WORK/servqual-$RESPONSES"
    if [ ! -s "$DATA/responses.csv" ]; then
        "$TENURE_BIN" survey templates --json >"$WORK/templates.json"
        "$VENV/bin/python" "$HERE/generate.py" "$WORK/templates.json" "$RESPONSES" "$DATA"
    fi
    sync # the new file's writeback is not billed to the first run
    rm -f "$WORK/analysis-times.txt"
    for _ in $(seq "$REPEATS"); do # interleaved, so a slow minute of this machine hits both
        for tool in tenure pandas; do
            if [ "$tool" = tenure ]; then
                cmd=("$TENURE_BIN" survey analyze --definition "$DATA/definition.json" --responses "$DATA/responses.csv" --json)
            else
                cmd=("$VENV/bin/python" "$HERE/pandas_analysis.py" "$DATA/definition.json" "$DATA/responses.csv")
            fi
            start=$EPOCHREALTIME
            /usr/bin/time -f "%M" -o "$WORK/rss.txt" "${cmd[@]}" >"$WORK/$tool-analysis.json"
            end=$EPOCHREALTIME
            echo "$tool $start $end $(cat "$WORK/rss.txt")" >>"$WORK/analysis-times.txt"
        done
    done
    check=$(python3 "$HERE/compare.py" "$WORK/tenure-analysis.json" "$WORK/pandas-analysis.json") || {
        echo "$check" >&2
        exit 1
    }
    python3 - "$WORK/analysis-times.txt" "$WORK/pandas-analysis.json" "$DATA/responses.csv" "$RESPONSES" \
        >"$WORK/analysis.md" <<'PY'
import json, os, statistics, sys
times, pandas_json, csv_path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
runs = {}
for line in open(times):
    tool, start, end, rss = line.split()
    runs.setdefault(tool, []).append((float(end) - float(start), int(rss)))
p = json.load(open(pandas_json))
label = {"tenure": "`tenure survey analyze --json`",
         "pandas": f"pandas {p['versions']['pandas']} + SciPy {p['versions']['scipy']} (`pandas_analysis.py`)"}
print(f"{n:,} responses, {os.path.getsize(csv_path) / 1e6:.1f} MB of CSV, {len(runs['tenure'])} runs each, interleaved.")
print()
print("| tool | wall, median | each run | peak RSS |")
print("|---|---:|---|---:|")
med = {}
for tool in ("tenure", "pandas"):
    walls = [w for w, _ in runs[tool]]
    med[tool] = statistics.median(walls)
    print(f"| {label[tool]} | {med[tool]:.3f} s | {' '.join(f'{w:.2f}' for w in walls)} | "
          f"{max(r for _, r in runs[tool]) / 1024:.0f} MiB |")
print()
t = p["timing"]
print(f"pandas ÷ Tenure: **{med['pandas'] / med['tenure']:.1f}×** (median walls). pandas' last run inside the "
      f"script: importing pandas + SciPy {t['import_s']:.2f} s, `read_csv` {t['read_s']:.2f} s, the numbers "
      f"{t['compute_s']:.2f} s.")
PY
fi

echo
if [ -s "$WORK/load.md" ]; then
    echo "Responses under load (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, POST /s/p/{token}):"
    echo
    echo "| engine | responses/s | p50 | p99 | non-2xx | answered 200 | in flight at the end | stored (survey list) | analysed (survey analyze) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    cat "$WORK/load.md"
    echo
    cat "$WORK/load.txt"
    echo
fi
if [ -s "${WORK}/analysis.md" ] && [ "${ANALYZE:-1}" != 0 ]; then
    echo "The analysis (servqual + NPS):"
    echo
    cat "$WORK/analysis.md"
    echo "Same numbers: $check"
    echo
fi
echo "(files in $WORK)"

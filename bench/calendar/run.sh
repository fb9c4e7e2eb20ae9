#!/usr/bin/env bash
# The communication calendar (issue 14) at a million customers and ten million interactions:
#
# 1. Interaction import. `tenure interactions import FILE --progress none --json` into a copy of
#    a stored shop (the shop is imported once and its database file copied before each import),
#    on SQLite and on a new PostgreSQL database; beside it, in the same run, the floor for getting
#    the same file into each engine at all: sqlite3's bare `.import --csv` into an empty table
#    and psql's `\copy … CSV HEADER` into an empty table (no indexes, no checks, every column
#    text). Wall time (bash's clock), the importer's CPU and peak RSS (GNU time), the whole
#    machine's busy time meanwhile (PostgreSQL and anything else running), and tenure ÷ floor.
# 2. Who has gone quiet. Three cadence rules (`all` 90 days, `segment:Cannot lose them` 60 days,
#    `clv:100..` 30 days), then `tenure calendar quiet --limit 50 --json` three times: the first
#    after dropping the OS page cache (when /proc/sys/vm/drop_caches is writable; PostgreSQL's
#    shared buffers are not emptied), then twice warm. The CLI loads every purchase first, each
#    time; the dashboard keeps them per store revision, so `tenure serve` is started too, a user
#    signs in, and GET /gone-quiet is timed three times (the first loads the purchases). The
#    server runs its cadence check when it starts; the page is fetched once that run has ended.
#    `tenure calendar check` (the hourly job: records an alert per silence) is timed once before.
#
# The shop: `tenure generate --format csv` (BG/NBD timing and Gamma-Gamma spend at CDNOW's
# parameters, from 2024-12-01 over 104 weeks) imported with `tenure import --format csv` (and
# its model refit: the CLV and probability alive that value at risk and `clv:` need). The
# interactions: bench/calendar/generate.py (see its header for the shape), in the documented
# format, customers named by e-mail or by Tenure number (checked to be the generated ids).
#
# Usage: bench/calendar/run.sh
# Env:   CUSTOMERS (default 1000000), INTERACTIONS (default 10000000),
#        PG_URL (an admin URL; default postgres://postgres@127.0.0.1:5432/postgres; empty: SQLite
#        only; a database is made and dropped), BENCH_DIR (default bench/calendar/work: the
#        generated files and the shop's SQLite database are kept there and reused),
#        REPEATS (SQLite floor + import pairs, default 1), SQLITE=0 (PostgreSQL only), COLD=0 (do not drop the page cache),
#        WEB=0 (no dashboard), PG_ANALYZE=0 (no ANALYZE after the loads), TENURE_BIN (a binary to use instead of building one),
#        PROFILE=1 (also `perf record` an extra, untimed SQLite import, one `calendar quiet` per
#        engine and the server during five more GETs of /gone-quiet, and print where they spent
#        their time).
# Needs sqlite3, GNU time, psql, curl, python3 (the first two installed with apt-get if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS=${CUSTOMERS:-1000000}
INTERACTIONS=${INTERACTIONS:-10000000}
PG_URL=${PG_URL-postgres://postgres@127.0.0.1:5432/postgres}
REPEATS=${REPEATS:-1}
HERE=bench/calendar
WORK=${BENCH_DIR:-$HERE/work}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
RUN="$WORK/run-$(date -u +%Y%m%d-%H%M%S)" # this run's figures, outputs and profiles
mkdir -p "$RUN"
ln -sfn "$(basename "$RUN")" "$WORK/latest"
TIMES="$RUN/times.txt"
PASSWORD="bench password 1234"
USER_EMAIL=bench@shop.example

need() { command -v "$1" >/dev/null 2>&1 || apt-get install -y -qq "$2" >/dev/null; }
need sqlite3 sqlite3
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
if [ -n "$PG_URL" ]; then need psql postgresql-client; fi

# --- 1. The release binary, copied: other engineers build into the same target/ -------------
if [ -z "${TENURE_BIN:-}" ]; then
    cargo build --release -p tenure >&2
    TENURE_BIN="${CARGO_TARGET_DIR:-target}/release/tenure"
fi
cp "$TENURE_BIN" "$RUN/tenure"
TENURE="$RUN/tenure"
revision="$(git rev-parse --short HEAD)$([ -z "$(git status --porcelain -- crates Cargo.lock)" ] || echo ' + uncommitted changes')"

SERVER_PID=""
PG_DB=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_DB" ]; then
        PGOPTIONS=--client-min-messages=warning psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "[$(date +%H:%M:%S)] $*" >&2; }
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# measure LABEL CMD…: runs CMD (its output in $RUN/LABEL.out and .err) and appends to $TIMES
# "LABEL wall_s cpu_s peak_kib machine_busy_s": the wall from bash's microsecond clock, the
# command's own user + system CPU and peak RSS from GNU time, and the CPU time the whole machine
# spent meanwhile (every core: the command, PostgreSQL, anything else). Dirty pages of earlier
# steps are flushed first, so their writeback is not billed to this one.
measure() {
    local label=$1 start end b0 b1 hz
    shift
    sync
    hz=$(getconf CLK_TCK)
    b0=$(busy)
    start=$EPOCHREALTIME
    if ! /usr/bin/time -o "$RUN/$label.time" -f '%U %S %M' "$@" >"$RUN/$label.out" 2>"$RUN/$label.err"; then
        end=$EPOCHREALTIME
        say "$label FAILED after $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s:"
        tail -n 20 "$RUN/$label.err" "$RUN/$label.out" >&2
        if [ "${MAY_FAIL:-0}" = 1 ]; then
            awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f ", b - a }' >"$RUN/$label.failed"
            grep -v '^Command exited' "$RUN/$label.err" | tail -n 1 >>"$RUN/$label.failed"
            return 1
        fi
        exit 1
    fi
    end=$EPOCHREALTIME
    b1=$(busy)
    awk -v label="$label" -v start="$start" -v end="$end" -v b="$((b1 - b0))" -v hz="$hz" \
        'END { printf "%s %.4f %.2f %d %.2f\n", label, end - start, $1 + $2, $3, b / hz }' "$RUN/$label.time" >>"$TIMES"
    say "$label: $(tail -n 1 "$TIMES" | awk '{ printf "%.2f s wall, %.2f s CPU, %d MB", $2, $3, $4 / 1024 }')"
}

drop_caches() {
    if [ "${COLD:-1}" != 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
        sync
        echo 3 >/proc/sys/vm/drop_caches
        echo dropped
    else
        echo kept
    fi
}

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# --- 2. The shop and the interactions (made once, reused) ---------------------------------
SHOP_CSV="$WORK/shop-$CUSTOMERS.csv"
SHOP_DB="$WORK/shop-$CUSTOMERS.db"
FILE="$WORK/interactions-$CUSTOMERS-$INTERACTIONS.csv"
MAP=order_id=order_id,customer_id=customer_id,email=email,date=date,amount=amount,currency=currency,status=status
if [ ! -s "$SHOP_CSV" ]; then
    say "generating $CUSTOMERS customers"
    "$TENURE" generate --customers "$CUSTOMERS" --format csv --start 2024-12-01 --weeks 104 --seed 1 \
        --json "$SHOP_CSV.part" >&2
    mv "$SHOP_CSV.part" "$SHOP_CSV"
fi
if [ ! -s "$FILE" ]; then
    say "generating $INTERACTIONS interactions"
    python3 "$HERE/generate.py" "$CUSTOMERS" "$INTERACTIONS" "$FILE.part" 1
    mv "$FILE.part" "$FILE"
fi
ROWS=$(($(wc -l <"$FILE") - 1))
ORDERS=$(($(wc -l <"$SHOP_CSV") - 1))

# The file names customers by number: those must be the generated ids.
check_numbers() { # SQL-CLIENT…: the client prints the count of customers, then of mismatches
    local counts
    counts=$("$@")
    if [ "$(echo "$counts" | tr -s ' \n' ' ' | xargs)" != "$CUSTOMERS 0" ]; then
        echo "customers numbered unlike the generated ids (customers, mismatches): $counts" >&2
        exit 1
    fi
}
NUMBERS_SQL="SELECT count(*) FROM customers; SELECT count(*) FROM customers WHERE email <> 'customer' || id || '@example.com';"
SQLITE=${SQLITE:-1}
if [ "$SQLITE" != 0 ] && [ ! -s "$SHOP_DB" ]; then
    rm -f "$SHOP_DB.part"*
    measure shop-import-sqlite "$TENURE" --db "sqlite:$SHOP_DB.part" import --format csv --map "$MAP" \
        --progress none --json "$SHOP_CSV"
    check_numbers sqlite3 "$SHOP_DB.part" "$NUMBERS_SQL"
    for suffix in "" -wal -shm; do
        [ -e "$SHOP_DB.part$suffix" ] && mv "$SHOP_DB.part$suffix" "$SHOP_DB$suffix"
    done
fi

# --- 3. Import: the floors and tenure, on each engine -------------------------------------
COLUMNS="id TEXT, occurred_at TEXT, channel TEXT, direction TEXT, customer TEXT, email TEXT, staff TEXT, \
duration TEXT, subject TEXT, notes TEXT, outcome TEXT, state TEXT"
DB="$WORK/calendar.db"
check_import() { # LABEL: the import's JSON says every row was added and committed
    local out="$RUN/$1.out"
    python3 - "$out" "$ROWS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = int(sys.argv[2])
if not (r["committed"] and r["added"] == rows and r["rows_read"] == rows and not r["rejected"]):
    sys.exit(f"{sys.argv[1]}: expected {rows} rows added and committed, got {json.dumps(r)[:500]}")
PY
}

[ "$SQLITE" != 0 ] || REPEATS=0
for n in $(seq "$REPEATS"); do
    rm -f "$WORK/floor.db"
    measure "floor-sqlite-$n" sqlite3 "$WORK/floor.db" "CREATE TABLE interactions ($COLUMNS);" \
        ".import --csv --skip 1 $FILE interactions"
    [ "$(sqlite3 "$WORK/floor.db" 'SELECT count(*) FROM interactions')" = "$ROWS" ] || { say "floor lost rows"; exit 1; }
    rm -f "$WORK/floor.db"
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal"
    for suffix in "" -wal -shm; do
        [ -e "$SHOP_DB$suffix" ] && cp "$SHOP_DB$suffix" "$DB$suffix"
    done
    measure "import-sqlite-$n" "$TENURE" --db "sqlite:$DB" interactions import "$FILE" --progress none --json
    check_import "import-sqlite-$n"
done
[ "$SQLITE" = 0 ] || du -k "$DB"* | awk '{ n += $1 } END { print n }' >"$RUN/sqlite-db-kib"

if [ -n "$PG_URL" ]; then
    PG_DB="tenure_bench_calendar_$$"
    PG="${PG_URL%/*}/$PG_DB"
    PGOPTIONS=--client-min-messages=warning psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
    "$TENURE" --db "$PG" migrate >/dev/null
    measure shop-import-postgres "$TENURE" --db "$PG" import --format csv --map "$MAP" --progress none --json "$SHOP_CSV"
    check_numbers psql -Atq "$PG" -c "SELECT count(*) FROM customers" \
        -c "SELECT count(*) FROM customers WHERE email <> 'customer' || id || '@example.com'"
    # Statistics, as autovacuum gathers them a minute after a bulk load on a server where it is
    # on (PostgreSQL's default; this machine's server has it off). Without them each e-mail
    # look-up of the import (`email IN (…128 addresses…)`) is planned as a parallel scan of the
    # whole table, ~150 ms instead of ~1 ms: an import of hours. PG_ANALYZE=0 shows that.
    if [ "${PG_ANALYZE:-1}" != 0 ]; then psql -q "$PG" -c ANALYZE >/dev/null; fi
    psql -q "$PG" -c "CREATE TABLE bench_floor ($COLUMNS)" >/dev/null
    measure floor-postgres psql -q "$PG" -c "\\copy bench_floor FROM '$FILE' WITH (FORMAT csv, HEADER true)"
    [ "$(psql -Atq "$PG" -c 'SELECT count(*) FROM bench_floor')" = "$ROWS" ] || { say "floor lost rows"; exit 1; }
    psql -q "$PG" -c "DROP TABLE bench_floor" -c CHECKPOINT >/dev/null
    # On a server with pg_stat_statements loaded, what the import asked of it, by statement.
    statements=""
    if psql -Atq "$PG" -c 'SHOW shared_preload_libraries' | grep -q pg_stat_statements; then
        statements=1
        psql -q "$PG" -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' -c 'SELECT pg_stat_statements_reset()' >/dev/null
    fi
    # A failed import is reported (with the time it took to fail), not fatal: the SQLite figures
    # stand, and the gone-quiet list of a database without the interactions would mean nothing.
    if MAY_FAIL=1 measure import-postgres "$TENURE" --db "$PG" interactions import "$FILE" --progress none --json; then
        check_import import-postgres
        if [ "${PG_ANALYZE:-1}" != 0 ]; then psql -q "$PG" -c ANALYZE >/dev/null; fi
        psql -q "$PG" -c CHECKPOINT >/dev/null
        psql -Atq "$PG" -c "SELECT pg_database_size('$PG_DB') / 1024" >"$RUN/postgres-db-kib"
    else
        say "THE POSTGRESQL IMPORT FAILED: no gone-quiet figures on PostgreSQL" \
            "(max_locks_per_transaction here: $(psql -Atq "$PG" -c 'SHOW max_locks_per_transaction'))"
        psql -Atq "$PG" -c 'SHOW max_locks_per_transaction' -c 'SHOW max_connections' | paste -sd' ' >"$RUN/postgres-locks"
    fi
    if [ -n "$statements" ]; then
        psql -q "$PG" -c "\\copy (SELECT calls, round(total_exec_time::numeric / 1000, 1) AS exec_s, rows, \
            left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS statement FROM pg_stat_statements \
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
            ORDER BY total_exec_time DESC LIMIT 12) TO '$RUN/postgres-statements.csv' CSV HEADER"
        psql -Atq "$PG" -c "SELECT sum(calls), round(sum(total_exec_time)::numeric / 1000, 1) FROM pg_stat_statements \
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())" >"$RUN/postgres-statements-total"
    fi
fi

# --- 4. Who has gone quiet ---------------------------------------------------------------
quiet() { # ENGINE DB
    local engine=$1 db=$2
    "$TENURE" --db "$db" calendar rule add --audience all --days 90 --json >/dev/null
    "$TENURE" --db "$db" calendar rule add --audience "segment:Cannot lose them" --days 60 --json >/dev/null
    "$TENURE" --db "$db" calendar rule add --audience clv:100.. --days 30 --json >/dev/null
    drop_caches >"$RUN/quiet-$engine-cache"
    for n in 1 2 3; do
        measure "quiet-$engine-$n" "$TENURE" --db "$db" calendar quiet --limit 50 --json
    done
    measure "check-$engine" "$TENURE" --db "$db" calendar check --json
    if [ "${PROFILE:-0}" = 1 ]; then
        perf record -F 499 --call-graph dwarf,16384 -o "$RUN/quiet-$engine.perf" "$TENURE" --db "$db" calendar quiet --limit 50 --json \
            >/dev/null 2>"$RUN/quiet-$engine.perf.err"
    fi
}

web() { # ENGINE DB: GET /gone-quiet three times, signed in, after the server's own cadence check
    local engine=$1 db=$2 banner base csrf status job started
    if [ ! -f crates/tenure-web/src/pages/gone_quiet.rs ]; then
        say "NO /gone-quiet PAGE in crates/tenure-web: the dashboard's warm path is NOT measured"
        echo "missing" >"$RUN/web-$engine"
        return
    fi
    echo "$PASSWORD" | "$TENURE" --db "$db" user add "$USER_EMAIL" --role admin --password-stdin >/dev/null
    started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    rm -f "$RUN/serve.fifo"
    mkfifo "$RUN/serve.fifo"
    "$TENURE" --db "$db" serve --bind 127.0.0.1:0 --log off --refit-minutes 0 \
        >"$RUN/serve.fifo" 2>"$RUN/serve-$engine.err" &
    SERVER_PID=$!
    exec 3<"$RUN/serve.fifo"
    read -r banner <&3 || { cat "$RUN/serve-$engine.err" >&2; exit 1; }
    base=$(grep -o 'http://[0-9.:]*' <<<"$banner" | head -n 1)
    # The server checks cadence when it starts (every silence against the alerts stored): wait
    # for that run to end, so the page is measured alone.
    job=$("$TENURE" --db "$db" jobs list --json |
        python3 -c 'import json,sys; print(next(j["id"] for j in json.load(sys.stdin) if j["kind"] == "calendar.cadence"))')
    say "waiting for the server's cadence check (job $job)"
    until "$TENURE" --db "$db" jobs runs --limit 1000 --json | python3 -c '
import json, sys
from datetime import datetime
def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
job, since = int(sys.argv[1]), at(sys.argv[2])
runs = [r for r in json.load(sys.stdin) if r["job_id"] == job and at(r["started_at"]) >= since and r.get("finished_at")]
if runs:
    r = runs[0]
    print(r["started_at"], r["finished_at"], r["outcome"], r["detail"], file=open(sys.argv[3], "w"))
sys.exit(0 if runs else 1)' "$job" "$started" "$RUN/server-check-$engine"; do
        sleep 2
    done
    curl -sf -c "$RUN/jar" -b "$RUN/jar" -o "$RUN/login.html" "$base/login"
    csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$RUN/login.html" | head -n 1)
    status=$(curl -s -c "$RUN/jar" -b "$RUN/jar" -o /dev/null -w '%{http_code}' \
        --data-urlencode "csrf=$csrf" --data-urlencode "next=/gone-quiet" \
        --data-urlencode "email=$USER_EMAIL" --data-urlencode "password=$PASSWORD" "$base/login")
    [ "$status" = 303 ] || { say "sign-in answered $status"; exit 1; }
    drop_caches >/dev/null
    for n in 1 2 3; do
        curl -s -b "$RUN/jar" -o "$RUN/gone-quiet-$engine-$n.html" -w "page-$engine-$n %{http_code} %{time_total}\n" \
            "$base/gone-quiet" >>"$RUN/web.txt"
        say "$(tail -n 1 "$RUN/web.txt")"
    done
    grep -q 'customer1' "$RUN/gone-quiet-$engine-3.html" || { say "the page lists no customer"; exit 1; }
    if [ "${PROFILE:-0}" = 1 ]; then # the server during five more warm GETs
        perf record -F 499 --call-graph dwarf,32768 -p "$SERVER_PID" -o "$RUN/page-$engine.perf" >/dev/null 2>&1 &
        local perf_pid=$!
        sleep 1 # perf attaches
        for _ in 1 2 3 4 5; do curl -s -b "$RUN/jar" -o /dev/null "$base/gone-quiet"; done
        kill -INT "$perf_pid"
        wait "$perf_pid" || true
    fi
    awk '/VmHWM/ { print $2 }' "/proc/$SERVER_PID/status" >"$RUN/serve-$engine-peak-kib"
    exec 3<&-
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

if [ "$SQLITE" != 0 ]; then
    quiet sqlite "sqlite:$DB"
    [ "${WEB:-1}" != 0 ] && web sqlite "sqlite:$DB"
fi
if [ -n "$PG_URL" ]; then
    if [ ! -e "$RUN/import-postgres.failed" ]; then
        quiet postgres "$PG"
        [ "${WEB:-1}" != 0 ] && web postgres "$PG"
    fi
    psql -q "$PG_URL" -c "DROP DATABASE $PG_DB" >/dev/null
    PG_DB=""
fi

if [ "${PROFILE:-0}" = 1 ] && [ "$SQLITE" != 0 ]; then
    say "profiling an extra SQLite import (untimed)"
    rm -f "$WORK/profile.db"*
    cp "$SHOP_DB" "$WORK/profile.db"
    perf record -F 49 --call-graph dwarf,16384 -o "$RUN/import-sqlite.perf" "$TENURE" --db "sqlite:$WORK/profile.db" \
        interactions import "$FILE" --progress none --json >/dev/null 2>"$RUN/import-sqlite.perf.err"
    rm -f "$WORK/profile.db"*
fi

# --- 5. Summary ---------------------------------------------------------------------------
{
    pg_version=""
    [ -z "$PG_URL" ] || pg_version=", PostgreSQL $(psql -Atq "$PG_URL" -c 'SHOW server_version')"
    echo "tenure at $revision (release build), sqlite3 $(sqlite3 --version | cut -d' ' -f1)$pg_version," \
        "$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')), $(free -g | awk '/Mem:/ { print $2 }') GB of memory;" \
        "page cache before the first gone-quiet run: $(cat "$RUN"/quiet-*-cache 2>/dev/null | sort -u | paste -sd/ || echo -)."
    echo "$CUSTOMERS customers, $ORDERS orders ($(basename "$SHOP_CSV")); $ROWS interactions," \
        "$(du -m "$FILE" | cut -f1) MB ($(basename "$FILE"))."
} >"$RUN/setup.txt"
python3 "$HERE/summary.py" "$RUN" "$ROWS" | tee "$RUN/summary.md"
if [ "${PROFILE:-0}" = 1 ]; then
    for p in "$RUN"/*.perf; do
        echo
        echo "$(basename "$p"): Tenure's functions and the database drivers', time spent inside them (children included)"
        perf report -i "$p" --children --sort symbol --stdio -g none 2>/dev/null |
            awk '/^ +[0-9.]+%/ && !/\(inlined\)/ && /tenure_(store|app|calendar|metrics|import|web)|sqlite3_step|tokio_postgres::query/ &&
                 !/\{closure|tokio::|catch_unwind|call_once/ && n < 25 { $1 = $1; sub(/ - -$/, ""); print "  " substr($0, 1, 150); n++ }'
        echo "  self time:"
        perf report -i "$p" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
            awk '/%/ && !/^#/ && n < 12 { $1 = $1; sub(/ - -$/, ""); print "  " $0; n++ }'
    done | tee "$RUN/profile.txt"
fi
echo "(files in $RUN)" >&2

#!/usr/bin/env bash
# Load on `tenure serve` with wrk: the overview page, the at-risk page and order ingest through
# POST /api/v1/orders, on a generated shop, on SQLite (and PostgreSQL when PG_URL is given).
# Prints requests/s, p50/p99 latency, errors and the server's peak memory (Markdown), and checks
# that the store gained exactly the orders the server answered 201 for: none lost, none doubled.
#
# Usage: bench/web/run.sh [CUSTOMERS] [WEEKS] [R,ALPHA,A,B]
#        (default: 1000000 customers over 156 weeks at 1.2,10,1,10 — about 10 M orders, the
#        reports bench's shop)
# Env:   TENURE_BIN (default: a release build), BENCH_DIR (default: a temporary directory),
#        PG_URL (an admin URL, e.g. postgres://postgres@127.0.0.1:5432/postgres: also PostgreSQL),
#        DURATION (seconds per load, default 20), CONNECTIONS (default 8), SQLITE=0 (PostgreSQL only).
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS=${1:-1000000}
WEEKS=${2:-156}
MODEL=${3:-1.2,10,1,10}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-8}
WORK=${BENCH_DIR:-$(mktemp -d)}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
if [ -z "${TENURE_BIN:-}" ]; then
    cargo build --release --quiet -p tenure
    TENURE_BIN="${CARGO_TARGET_DIR:-target}/release/tenure"
fi
PASSWORD="bench password 1234"

if [ ! -f "$WORK/shop.txt" ]; then
    "$TENURE_BIN" generate --customers "$CUSTOMERS" --weeks "$WEEKS" --start 2022-01-01 \
        --purchase-model "$MODEL" "$WORK/shop.txt" >&2
fi

prepare() { # DB: import (with the model refit), an admin user and token; prints the token
    local db=$1
    local started=$SECONDS
    "$TENURE_BIN" --db "$db" import --format cdnow --progress none --json "$WORK/shop.txt" >"$WORK/import.json"
    echo "import into $db: $((SECONDS - started)) s" >&2
    echo "$PASSWORD" | "$TENURE_BIN" --db "$db" user add bench@shop.example --role admin --password-stdin >/dev/null
    "$TENURE_BIN" --db "$db" token create --role admin --name bench --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

sign_in() { # BASE: prints the session cookie
    local base=$1 jar="$WORK/cookies.txt"
    rm -f "$jar"
    local csrf
    csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
    curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" \
        --data-urlencode "email=bench@shop.example" --data-urlencode "password=$PASSWORD" "$base/login"
    awk '$6 == "tenure_session" { print "tenure_session=" $7 }' "$jar"
}

load() { # NAME URL [wrk args…]: one wrk run; appends a Markdown row
    local name=$1 url=$2
    shift 2
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" >"$WORK/$name.wrk" 2>&1
    local rps p50 p99 errors
    rps=$(awk '/Requests\/sec/ { print $2 }' "$WORK/$name.wrk")
    p50=$(awk '$1 == "50%" { print $2 }' "$WORK/$name.wrk")
    p99=$(awk '$1 == "99%" { print $2 }' "$WORK/$name.wrk")
    errors=$(awk '/Non-2xx or 3xx/ { n += $NF } /Socket errors/ { n += 1 } END { print n + 0 }' "$WORK/$name.wrk")
    echo "| $ENGINE | $name | $rps | $p50 | $p99 | $errors |" >>"$WORK/results.md"
}

bench() { # ENGINE DB
    ENGINE=$1
    local db=$2 token base cookie pid orders_before orders_after created sent
    token=$(prepare "$db")
    rm -f "$WORK/serve.fifo"
    mkfifo "$WORK/serve.fifo"
    "$TENURE_BIN" --db "$db" serve --bind 127.0.0.1:0 --connections 4 --log off >"$WORK/serve.fifo" 2>"$WORK/serve.err" &
    pid=$!
    # The first line names the address; the descriptor stays open so the server never writes
    # into a closed pipe.
    exec 3<"$WORK/serve.fifo"
    local banner
    read -r banner <&3 || { cat "$WORK/serve.err" >&2; exit 1; }
    base=$(grep -o 'http://[0-9.:]*' <<<"$banner" | head -1)
    cookie=$(sign_in "$base")
    curl -sf -H "Cookie: $cookie" -o /dev/null "$base/" # warm: the first view loads the purchases
    curl -sf -H "Cookie: $cookie" -o /dev/null "$base/at-risk"
    load overview "$base/" -H "Cookie: $cookie"
    load at-risk "$base/at-risk" -H "Cookie: $cookie"
    orders_before=$("$TENURE_BIN" --db "$db" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["orders"])')
    BENCH_TOKEN=$token BENCH_RUN="$ENGINE-$$" load ingest "$base/api/v1/orders" -s bench/web/orders.lua
    orders_after=$("$TENURE_BIN" --db "$db" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["orders"])')
    created=$(awk '/^created/ { print $2 }' "$WORK/ingest.wrk")
    sent=$(awk '/^created/ { print $6 }' "$WORK/ingest.wrk")
    echo "$ENGINE peak memory of the server: $(awk '/VmHWM/ { print $2, $3 }' "/proc/$pid/status")" >>"$WORK/memory.txt"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    exec 3<&-
    local gained=$((orders_after - orders_before))
    echo "$ENGINE ingest: $created orders answered 201 (of $sent sent, the rest in flight when wrk stopped); the store gained $gained" >>"$WORK/memory.txt"
    # Every order answered 201 is stored, and nothing beyond what was sent (the ids are unique
    # per request, so a doubled order would show as more than sent).
    if [ "$gained" -lt "$created" ] || [ "$gained" -gt "$sent" ]; then
        echo "LOST OR DOUBLED ORDERS on $ENGINE: $created created, $gained gained, $sent sent" >&2
        exit 1
    fi
}

rm -f "$WORK/results.md" "$WORK/memory.txt"
echo "| engine | load | requests/s | p50 | p99 | errors |" >"$WORK/results.md"
echo "|---|---|---|---|---|---|" >>"$WORK/results.md"
if [ "${SQLITE:-1}" != 0 ]; then
    rm -f "$WORK/shop.db"*
    bench sqlite "sqlite:$WORK/shop.db"
fi
if [ -n "${PG_URL:-}" ]; then
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS tenure_bench" -c "CREATE DATABASE tenure_bench" >/dev/null
    pg_db="${PG_URL%/*}/tenure_bench"
    "$TENURE_BIN" --db "$pg_db" migrate >/dev/null
    bench postgres "$pg_db"
fi
cat "$WORK/results.md"
cat "$WORK/memory.txt"
echo "(wrk -t2 -c$CONNECTIONS -d${DURATION}s; files in $WORK)"

#!/usr/bin/env bash
# Messages out under load: N webhooks to a local HTTP receiver and M e-mails to a local SMTP sink,
# each backlog enqueued at once and delivered by `tenure worker --drain`, on SQLite (and on
# PostgreSQL with PG_URL). Prints items/s, when the median / 99th percentile / last item arrived
# after the backlog was written, and deliveries lost and doubled as the receivers count them
# (by webhook-id and Message-ID). The receivers (receivers.py) answer as fast as they can and
# verify nothing; the tests verify signatures.
#
# Usage: bench/outbox/run.sh [WEBHOOKS] [EMAILS]     (default 100000 20000)
# Env:   TENURE_BIN (default: a release build), PG_URL (admin URL: also PostgreSQL),
#        BENCH_DIR (default: a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/../.."
WEBHOOKS=${1:-100000}
EMAILS=${2:-20000}
WORK=${BENCH_DIR:-$(mktemp -d)}
source scripts/lib/python.sh
ensure_python_peers
[ "$TENURE_TEST_PYTHON" != skip ] || { echo "the receivers need Python with aiosmtpd" >&2; exit 1; }
if [ -z "${TENURE_BIN:-}" ]; then
    cargo build --release --quiet -p tenure
    TENURE_BIN="${CARGO_TARGET_DIR:-target}/release/tenure"
fi

start_receiver() { # KIND -> sets RECEIVER_PID, PORT
    rm -f "$WORK/port" "$WORK/since"
    "$TENURE_TEST_PYTHON" bench/outbox/receivers.py "$1" --port-file "$WORK/port" --since-file "$WORK/since" \
        >"$WORK/$1.json" &
    RECEIVER_PID=$!
    while [ ! -s "$WORK/port" ]; do sleep 0.05; done
    PORT=$(cat "$WORK/port")
}

stop_receiver() { kill -TERM "$RECEIVER_PID"; wait "$RECEIVER_PID" || true; }

enqueue_sql() { # DB-URL SQL: run SQL against the database
    case "$1" in
        sqlite:*) sqlite3 "${1#sqlite:}" "$2" ;;
        *) psql -q "$1" -c "$2" ;;
    esac
}

now_sql() { case "$1" in sqlite:*) echo "CAST(strftime('%s','now') AS INTEGER)" ;; *) echo "now()" ;; esac; }

series() { # DB-URL N: a row source of 1..N
    case "$1" in
        sqlite:*) echo "(WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $2) SELECT n FROM g)" ;;
        *) echo "(SELECT generate_series(1, $2) AS n)" ;;
    esac
}

run_kind() { # DB KIND N
    local db=$1 kind=$2 n=$3 now rows started elapsed
    start_receiver "$kind"
    now=$(now_sql "$db")
    rows=$(series "$db" "$n")
    if [ "$kind" = webhook ]; then
        "$TENURE_BIN" --db "$db" webhook add "http://127.0.0.1:$PORT/hook" --events '*' --allow-private --json >/dev/null
        local sub
        sub=$("$TENURE_BIN" --db "$db" webhook list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
        date +%s.%N >"$WORK/since"
        enqueue_sql "$db" "INSERT INTO outbox (kind, purpose, topic, recipient, subscription_id, payload, not_before, created_at) \
            SELECT 'webhook', 'transactional', 'bench', 'http://127.0.0.1:$PORT/hook', $sub, '{\"type\":\"bench\",\"n\":' || n || '}', $now, $now FROM $rows AS g"
    else
        local payload
        payload=$(python3 -c 'import json; print(json.dumps({"to_name": None, "subject": "Bench", "text": "Hello.", "html": "<p>Hello.</p>", "unsubscribe_url": None}))')
        date +%s.%N >"$WORK/since"
        enqueue_sql "$db" "INSERT INTO outbox (kind, purpose, topic, recipient, payload, not_before, created_at) \
            SELECT 'email', 'transactional', 'bench', 'c' || n || '@bench.example', '$payload', $now, $now FROM $rows AS g"
    fi
    started=$(date +%s.%N)
    "$TENURE_BIN" --db "$db" worker --drain --smtp-url "smtp://127.0.0.1:$PORT" --mail-from "Bench <bench@bench.example>" >/dev/null
    elapsed=$(python3 -c "import sys; print(round($(date +%s.%N) - $started, 2))")
    stop_receiver
    python3 - "$WORK/$kind.json" "$db" "$kind" "$n" "$elapsed" <<'PY'
import json, sys
path, db, kind, n, elapsed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
r = json.load(open(path))
engine = "SQLite" if db.startswith("sqlite:") else "PostgreSQL"
print(f"| {engine} | {kind} | {n} | {elapsed} s | {round(n / elapsed)} /s | {r['p50_s']} s | {r['p99_s']} s | {n - r['distinct']} | {r['repeats']} |")
PY
}

echo "| engine | kind | items | drained in | items/s | median arrived after | p99 arrived after | lost | doubled |"
echo "|---|---|---|---|---|---|---|---|---|"
for kind in webhook smtp; do
    count=$WEBHOOKS; [ "$kind" = smtp ] && count=$EMAILS
    rm -f "$WORK/bench.db"*
    db="sqlite:$WORK/bench.db"
    "$TENURE_BIN" --db "$db" migrate >/dev/null
    run_kind "$db" "$kind" "$count"
    if [ -n "${PG_URL:-}" ]; then
        name="tenure_bench_outbox_$$"
        psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
        pg="${PG_URL%/*}/$name"
        "$TENURE_BIN" --db "$pg" migrate >/dev/null
        run_kind "$pg" "$kind" "$count"
        psql -q "$PG_URL" -c "DROP DATABASE $name"
    fi
done

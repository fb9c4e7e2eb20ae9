#!/usr/bin/env bash
# The loyalty programme (issue 15) at a million members:
#
# 1. Ledger writes in bulk. A shop of CUSTOMERS customers (`tenure generate --format csv`: BG/NBD
#    timing and Gamma-Gamma spend at CDNOW's parameters, 2024-12-01 over 104 weeks, about 2.6
#    orders per customer) is imported once; its database is copied, the template programme is
#    saved (12-month expiry, 30-day return window, three tiers, history counting), and
#    `tenure loyalty run --now 2026-12-01T04:00:00Z --json` earns every order (one account held,
#    folded and written per customer). The same run again finds nothing new: its time is what
#    the ten-minutely earning job costs when no order changed (it looks at every order since the
#    programme's `earn_from` for new ones and changed ones). Ledger rows written ÷ wall time is the rate; beside it, in
#    the same run, the floor for writing as many rows at all: sqlite3's `.import --csv` of the
#    same rows (exported from the ledger) into an empty table with the ledger's unique key, and
#    psql's `\copy` on PostgreSQL.
# 2. The nightly job. `tenure loyalty run --nightly --now T --json` on the next two nights (the
#    first also sends the warnings for every lot lapsing within 30 days, which the earning run
#    leaves to it; the second is an ordinary night: lots released after their return window,
#    lapsed points expired, a day's warnings, birthdays and anniversaries), then on 1 January (tier periods of the calendar year end: every member above
#    the lowest tier is looked at; December's other nights are run at once before it, unmeasured).
#    Each is timed with the number of accounts it had to do.
#
# Usage: bench/loyalty/run.sh
# Env:   CUSTOMERS (default 1000000), PG_URL (admin URL; default postgres://postgres@127.0.0.1:5432/postgres;
#        empty: SQLite only), SQLITE=0 (PostgreSQL only), BENCH_DIR (default bench/loyalty/work),
#        TENURE_BIN (a binary to use).
# Needs sqlite3, GNU time, psql, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS=${CUSTOMERS:-1000000}
PG_URL=${PG_URL-postgres://postgres@127.0.0.1:5432/postgres}
WORK=${BENCH_DIR:-bench/loyalty/work}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
RUN="$WORK/run-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
ln -sfn "$(basename "$RUN")" "$WORK/latest"
TIMES="$RUN/times.txt"

need() { command -v "$1" >/dev/null 2>&1 || apt-get install -y -qq "$2" >/dev/null; }
need sqlite3 sqlite3
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
if [ -n "$PG_URL" ]; then need psql postgresql-client; fi

if [ -z "${TENURE_BIN:-}" ]; then
    cargo build --release -p tenure >&2
    TENURE_BIN="${CARGO_TARGET_DIR:-target}/release/tenure"
fi
cp "$TENURE_BIN" "$RUN/tenure"
TENURE="$RUN/tenure"
revision="$(git rev-parse --short HEAD)$([ -z "$(git status --porcelain -- crates Cargo.lock)" ] || echo ' + uncommitted changes')"

PG_DB=""
cleanup() {
    if [ -n "$PG_DB" ]; then
        PGOPTIONS=--client-min-messages=warning psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# measure LABEL CMD…: runs CMD (output in $RUN/LABEL.out/.err); appends "LABEL wall_s cpu_s peak_kib"
# to $TIMES (bash's clock; GNU time's user + system CPU and peak RSS).
measure() {
    local label=$1 start end
    shift
    sync
    start=$EPOCHREALTIME
    if ! /usr/bin/time -o "$RUN/$label.time" -f '%U %S %M' "$@" >"$RUN/$label.out" 2>"$RUN/$label.err"; then
        say "$label FAILED:"
        tail -n 20 "$RUN/$label.err" >&2
        exit 1
    fi
    end=$EPOCHREALTIME
    awk -v label="$label" -v start="$start" -v end="$end" \
        'END { printf "%s %.4f %.2f %d\n", label, end - start, $1 + $2, $3 }' "$RUN/$label.time" >>"$TIMES"
    say "$label: $(tail -n 1 "$TIMES" | awk '{ printf "%.2f s wall, %.2f s CPU, %d MB", $2, $3, $4 / 1024 }')"
}
wall() { awk -v label="$1" '$1 == label { print $2 }' "$TIMES"; }

# --- The shop (made once, reused) -------------------------------------------------------------
SHOP_CSV="$WORK/shop-$CUSTOMERS.csv"
SHOP_DB="$WORK/shop-$CUSTOMERS.db"
MAP=order_id=order_id,customer_id=customer_id,email=email,date=date,amount=amount,currency=currency,status=status
if [ ! -s "$SHOP_CSV" ]; then
    say "generating $CUSTOMERS customers"
    "$TENURE" generate --customers "$CUSTOMERS" --format csv --start 2024-12-01 --weeks 104 --seed 1 \
        --json "$SHOP_CSV.part" >&2
    mv "$SHOP_CSV.part" "$SHOP_CSV"
fi
if [ ! -s "$SHOP_DB" ]; then
    say "importing the shop"
    "$TENURE" --db "sqlite:$SHOP_DB.part" import --format csv --progress none --map "$MAP" "$SHOP_CSV" >/dev/null
    mv "$SHOP_DB.part" "$SHOP_DB"
fi
"$TENURE" loyalty programme template --currency USD >"$RUN/programme.json"

EARN_AT=2026-12-01T04:00:00Z
NIGHT_AT=2026-12-02T03:00:00Z
NIGHT2_AT=2026-12-03T03:00:00Z
DEC31_AT=2026-12-31T03:00:00Z
YEAR_END_AT=2027-01-01T03:00:00Z

# run_engine NAME URL: programme, earning, two nights.
run_engine() {
    local name=$1 url=$2
    "$TENURE" --db "$url" loyalty programme set "$RUN/programme.json" --earn-from 2024-01-01 >/dev/null
    measure "$name-earn" "$TENURE" --db "$url" loyalty run --now "$EARN_AT" --json
    measure "$name-rerun" "$TENURE" --db "$url" loyalty run --now "$EARN_AT" --json
    measure "$name-night" "$TENURE" --db "$url" loyalty run --nightly --now "$NIGHT_AT" --json
    measure "$name-night2" "$TENURE" --db "$url" loyalty run --nightly --now "$NIGHT2_AT" --json
    # December's nights at once (unmeasured), so that 1 January is one night's work.
    "$TENURE" --db "$url" loyalty run --nightly --now "$DEC31_AT" --json >"$RUN/$name-dec31.out"
    measure "$name-year-end" "$TENURE" --db "$url" loyalty run --nightly --now "$YEAR_END_AT" --json
}

# --- SQLite -----------------------------------------------------------------------------------
DB="$RUN/loyalty.db"
cp "$SHOP_DB" "$DB"
rm -f "$DB-wal" "$DB-shm"
if [ "${SQLITE:-1}" != 0 ]; then
run_engine sqlite "sqlite:$DB"
# The earning run's rows are the ones written at its --now.
ENTRIES=$(sqlite3 "$DB" "SELECT COUNT(*) FROM loyalty_entries WHERE created_at = unixepoch('$EARN_AT')")
sqlite3 -csv "$DB" "SELECT customer_id, key, part, at, cause_kind, cause, points, lot, opens, expires_at, pending_until, debt FROM loyalty_entries" >"$RUN/entries.csv"
FLOOR_DB="$RUN/floor.db"
sqlite3 "$FLOOR_DB" "CREATE TABLE e (customer_id INTEGER, key TEXT, part INTEGER, at INTEGER, cause_kind TEXT, cause TEXT, points INTEGER, lot TEXT, opens INTEGER, expires_at INTEGER, pending_until INTEGER, debt INTEGER, UNIQUE (customer_id, key, part));"
measure sqlite-floor sqlite3 "$FLOOR_DB" ".import --csv $RUN/entries.csv e"
FLOOR_ROWS=$(wc -l <"$RUN/entries.csv")
fi

# --- PostgreSQL -------------------------------------------------------------------------------
if [ -n "$PG_URL" ]; then
    PG_DB="tenure_bench_loyalty_$$"
    psql -q "$PG_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
    PG_DB_URL="${PG_URL%/*}/$PG_DB"
    say "importing the shop into PostgreSQL"
    "$TENURE" --db "$PG_DB_URL" migrate >/dev/null
    "$TENURE" --db "$PG_DB_URL" import --format csv --progress none --map "$MAP" "$SHOP_CSV" >/dev/null
    psql -q "$PG_DB_URL" -c "ANALYZE" >/dev/null
    run_engine postgres "$PG_DB_URL"
    PG_ENTRIES=$(psql -qtA "$PG_DB_URL" -c "SELECT COUNT(*) FROM loyalty_entries WHERE created_at = TIMESTAMPTZ '$EARN_AT'")
    if [ ! -s "$RUN/entries.csv" ]; then
        psql -qtA "$PG_DB_URL" -c "\\copy (SELECT customer_id, key, part, at, cause_kind, cause, points, lot, opens, expires_at, pending_until, debt FROM loyalty_entries) TO '$RUN/entries.csv' CSV"
    fi
    psql -q "$PG_DB_URL" -c "CREATE TABLE floor_e (customer_id BIGINT, key TEXT, part BIGINT, at TEXT, cause_kind TEXT, cause TEXT, points BIGINT, lot TEXT, opens TEXT, expires_at TEXT, pending_until TEXT, debt BIGINT, UNIQUE (customer_id, key, part))" >/dev/null
    measure postgres-floor psql -q "$PG_DB_URL" -c "\\copy floor_e FROM '$RUN/entries.csv' CSV"
    FLOOR_ROWS=$(wc -l <"$RUN/entries.csv")
fi

# --- Summary ----------------------------------------------------------------------------------
{
    echo "Loyalty at $CUSTOMERS members ($revision, $(date -u +%Y-%m-%d)); $(nproc) cores"
    for engine in sqlite postgres; do
        [ -n "$(wall "$engine-earn")" ] || continue
        entries=$ENTRIES
        [ "$engine" = postgres ] && entries=$PG_ENTRIES
        python3 - "$RUN" "$engine" "$entries" "$(wall "$engine-earn")" "$(wall "$engine-floor")" "$FLOOR_ROWS" \
            "$(wall "$engine-night")" "$(wall "$engine-year-end")" "$(wall "$engine-rerun")" "$(wall "$engine-night2")" <<'PY'
import json, sys
run, engine, entries, earn, floor, floor_rows, night, year_end, rerun, night2 = sys.argv[1:]
entries, earn, floor, floor_rows = int(entries), float(earn), float(floor), int(floor_rows)
night, year_end, rerun, night2 = float(night), float(year_end), float(rerun), float(night2)
report = json.load(open(f"{run}/{engine}-earn.out"))["earn"]
n1 = json.load(open(f"{run}/{engine}-night.out"))["nightly"]
n2 = json.load(open(f"{run}/{engine}-year-end.out"))["nightly"]
n3 = json.load(open(f"{run}/{engine}-night2.out"))["nightly"]
print(f"  {engine}: earning {report['orders']:,} orders wrote {entries:,} ledger rows in {earn:.1f} s = "
      f"{entries / earn:,.0f} rows/s (a bare load of the ledger's {floor_rows:,} rows: {floor:.1f} s, "
      f"{floor_rows / floor:,.0f} rows/s, {(floor_rows / floor) / (entries / earn):.1f}x as many a second); "
      f"the same run again, nothing new: {rerun:.2f} s")
def night_text(label, seconds, n):
    return (f"{label} {seconds:.2f} s ({n['accounts']:,} accounts due: {n['released']:,} lots released, "
            f"{n['expired']:,} points expired, {n['notices']:,} warnings, {n['tier_changes']:,} tier changes)")
print(f"  {engine}: " + night_text("first night", night, n1))
print(f"  {engine}: " + night_text("second night", night2, n3))
print(f"  {engine}: " + night_text("1 January", year_end, n2))
PY
    done
} | tee "$RUN/summary.txt"

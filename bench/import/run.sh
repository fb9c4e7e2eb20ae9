#!/usr/bin/env bash
# Import throughput: `tenure import` (validating, de-duplicating, resolving identities, one
# transaction) against sqlite3's own `.import` of the same rows as CSV into a bare table — the
# floor for getting rows into SQLite at all. Same machine, same run, same files.
#
# Usage: bench/import/run.sh [ORDERS_MILLIONS]   (default 10: ~1.7M customers, ~10M orders)
# REPEATS (default 3): each file's floor, import and re-import run this many times in turn, and
# the medians are shown, with the ratio of each run (this machine's speed drifts by a third
# within minutes: measurements taken together, and several, are what can be compared).
# Model scores are not refreshed (--no-refresh): this measures the import itself.
# With BENCH_POSTGRES=postgres://USER@HOST/DB (an admin URL), CDNOW master is also imported twice
# into a new PostgreSQL database created on that server (and dropped afterwards).
# Prints Markdown tables for bench/RESULTS.md. Needs sqlite3 and GNU time (installed if missing),
# and psql for the PostgreSQL rows. The binary is built into $CARGO_TARGET_DIR (default target/).
set -euo pipefail
cd "$(dirname "$0")/../.."
millions=${1:-10}
work=${BENCH_DIR:-target/bench-import}
REPEATS=${REPEATS:-3}
mkdir -p "$work"

need() { command -v "$1" >/dev/null 2>&1 || { apt-get install -y -qq "$2" >/dev/null; }; }
need sqlite3 sqlite3
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

cargo build --release --locked -p tenure >&2
tenure=${CARGO_TARGET_DIR:-target}/release/tenure

# CDNOW's model gives ~5.95 orders per customer over 520 weeks.
customers=$(( millions * 1000000 * 100 / 595 ))
generated="$work/generated.txt"
if [ ! -s "$generated" ]; then
    "$tenure" generate --customers "$customers" --seed 1 --weeks 520 --format cdnow "$generated" >&2
fi

# "seconds peak_kib" of a command: the wall time from bash's microsecond clock (GNU time's
# 10 ms would make CDNOW's 0.1 s steps a coin toss), the peak memory from GNU time. Dirty pages
# of earlier steps (gigabytes after the 10M imports) are flushed first, so their writeback is not
# billed to the step measured.
measure() {
    sync
    local start=$EPOCHREALTIME
    /usr/bin/time -o "$work/time.txt" -f '%M' "$@" >/dev/null 2>&1
    awk -v start="$start" -v end="$EPOCHREALTIME" -v kib="$(cat "$work/time.txt")" \
        'BEGIN { printf "%.4f %d\n", end - start, kib }'
}

floor() {  # sqlite3 .import of the same rows as CSV into a bare table
    local src=$1 csv="$work/floor.csv" db="$work/floor.db"
    awk 'NR>1 {print $1","$2","$3","$4}' "$src" > "$csv"
    rm -f "$db"
    measure sqlite3 "$db" \
        "CREATE TABLE t (customer_id TEXT, date TEXT, cds INTEGER, dollars REAL);" ".mode csv" ".import $csv t"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

row() {  # floor, import and re-import, REPEATS times in turn; medians of each, and of the ratios
    local name=$1 src=$2 rows db="$work/tenure.db" floor_s=() floor_k=() first_s=() first_k=() again_s=() again_k=() ratios=()
    rows=$(( $(wc -l < "$src") - 1 ))
    for _ in $(seq "$REPEATS"); do
        read -r s k <<<"$(floor "$src")"; floor_s+=("$s"); floor_k+=("$k")
        rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
        read -r s k <<<"$(measure "$tenure" --db "sqlite:$db" import --format cdnow --progress none --no-refresh "$src")"
        first_s+=("$s"); first_k+=("$k")
        ratios+=("$(awk -v t="$s" -v f="${floor_s[-1]}" 'BEGIN { printf "%.2f", t / f }')")
        read -r s k <<<"$(measure "$tenure" --db "sqlite:$db" import --format cdnow --progress none --no-refresh "$src")"
        again_s+=("$s"); again_k+=("$k")
    done
    local fs fk ts tk as ak ratio
    fs=$(printf '%s\n' "${floor_s[@]}" | median); fk=$(printf '%s\n' "${floor_k[@]}" | median)
    ts=$(printf '%s\n' "${first_s[@]}" | median); tk=$(printf '%s\n' "${first_k[@]}" | median)
    as=$(printf '%s\n' "${again_s[@]}" | median); ak=$(printf '%s\n' "${again_k[@]}" | median)
    ratio=$(printf '%s\n' "${ratios[@]}" | median)
    awk -v name="$name" -v rows="$rows" -v fs="$fs" -v fk="$fk" -v ts="$ts" -v tk="$tk" -v as="$as" -v ak="$ak" \
        -v ratio="$ratio" -v all="${ratios[*]}" 'BEGIN {
        printf "| %s | %d | %.2f s (%.0f k rows/s, %d MB) | %.2f s (%.0f k rows/s, %d MB) | %.1f× (%s) | %.2f s (%d MB) |\n",
            name, rows, fs, rows/fs/1000, fk/1024, ts, rows/ts/1000, tk/1024, ratio, all, as, ak/1024 }'
}

echo "| file | rows | sqlite3 .import (floor) | tenure import | tenure ÷ floor, median (each run) | re-import (adds 0) |"
echo "|---|---|---|---|---|---|"
row "CDNOW_master.txt" data/cdnow/CDNOW_master.txt
row "generated (${millions}M orders)" "$generated"

postgres() {  # CDNOW master into a new PostgreSQL database, twice
    local admin=$1 name="tenure_bench_$$" url first again
    url="${admin%/*}/$name"
    psql -q "$admin" -c "CREATE DATABASE $name" >/dev/null
    "$tenure" --db "$url" migrate >/dev/null
    first=$(measure "$tenure" --db "$url" import --format cdnow --progress none --no-refresh data/cdnow/CDNOW_master.txt)
    again=$(measure "$tenure" --db "$url" import --format cdnow --progress none --no-refresh data/cdnow/CDNOW_master.txt)
    psql -q "$admin" -c "DROP DATABASE $name" >/dev/null
    read -r first_s first_kib <<<"$first"
    read -r again_s again_kib <<<"$again"
    echo
    echo "| PostgreSQL | rows | tenure import | re-import (adds 0) |"
    echo "|---|---|---|---|"
    awk -v fs="$first_s" -v fk="$first_kib" -v as="$again_s" -v ak="$again_kib" 'BEGIN {
        printf "| CDNOW_master.txt | 69659 | %.2f s (%d MB) | %.2f s (%d MB) |\n", fs, fk/1024, as, ak/1024 }'
}

if [ -n "${BENCH_POSTGRES:-}" ]; then
    postgres "$BENCH_POSTGRES"
fi

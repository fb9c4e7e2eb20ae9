#!/usr/bin/env bash
# The report set (retention, monthly series, monthly cohorts, lifecycle, segments) on a shop from
# `tenure generate`, against DuckDB and pandas computing the shared numbers from the same file in
# the same run; checks that the numbers agree and prints seconds and peak memory (Markdown).
#
# Usage: bench/reports/run.sh [CUSTOMERS] [WEEKS] [R,ALPHA,A,B]
#        (default 1000000 customers, 78 weeks, CDNOW's purchase model; issue 3's scale, about 10
#        orders per customer: bench/reports/run.sh 1000000 156 1.2,10,1,10)
# Env:   TENURE_BIN (default: a release build), BENCH_DIR (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS=${1:-1000000}
WEEKS=${2:-78}
MODEL=${3:-0.243,4.414,0.793,2.426}
START=2024-01-01
WORK=${BENCH_DIR:-$(mktemp -d)}
VENV=bench/reports/.venv

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet duckdb pandas
fi
if [ -z "${TENURE_BIN:-}" ]; then
    cargo build --release --quiet -p tenure
    TENURE_BIN="${CARGO_TARGET_DIR:-target}/release/tenure"
fi

TO=$(date -u -d "$START + $((WEEKS * 7 - 1)) days" +%F)
FROM=$(date -u -d "$TO - 365 days" +%F)
FILE="$WORK/shop.txt"
DB="sqlite:$WORK/shop.db"
echo "shop: $CUSTOMERS customers, $WEEKS weeks; report period $FROM to $TO; files in $WORK" >&2

timed() { # NAME COMMAND…: runs it, keeps stdout in $WORK/NAME.json, appends "NAME seconds KiB"
    local name=$1
    shift
    /usr/bin/time -f "$name %e %M" -a -o "$WORK/times.txt" "$@" >"$WORK/$name.json"
}
rm -f "$WORK/times.txt" "$WORK/shop.db"
timed generate "$TENURE_BIN" generate --customers "$CUSTOMERS" --weeks "$WEEKS" --start "$START" \
    --purchase-model "$MODEL" --json "$FILE"
# No model scores: lifecycle "at risk" then follows the overdue rule that DuckDB and pandas compute.
timed import "$TENURE_BIN" --db "$DB" import --format cdnow --progress none --no-refresh --json "$FILE"
timed retention "$TENURE_BIN" --db "$DB" report retention --from "$FROM" --to "$TO" --json
timed series "$TENURE_BIN" --db "$DB" report retention-series --from "$FROM" --to "$TO" --every month --json
timed cohorts "$TENURE_BIN" --db "$DB" report cohorts --period month --as-of "$TO" --json
timed lifecycle "$TENURE_BIN" --db "$DB" report lifecycle --as-of "$TO" --json
timed segments "$TENURE_BIN" --db "$DB" report segments --as-of "$TO" --json
# The whole set in one process, as DuckDB and pandas compute it below: the end-to-end comparison.
timed all "$TENURE_BIN" --db "$DB" report all --from "$FROM" --to "$TO" --as-of "$TO" --json
for engine in duckdb pandas; do
    timed "$engine" "$VENV/bin/python" bench/reports/compare.py "$engine" "$FILE" --from "$FROM" --to "$TO"
done
"$VENV/bin/python" bench/reports/check.py "$WORK"

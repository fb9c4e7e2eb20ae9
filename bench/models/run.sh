#!/usr/bin/env bash
# BG/NBD and Pareto/NBD fits, Tenure against lifetimes 0.11.3, same files, same run (issue 4):
# CDNOW (data/cdnow/cdnow_customers_summary.csv) and CUSTOMERS customers simulated at the
# published CDNOW BG/NBD estimates (rounded to 2 decimals as the CDNOW summary is). Each job is one
# process that reads the file, groups identical rows into weights, fits, then predicts P(alive)
# and the expected purchases in the next 39 weeks for every distinct row; lifetimes is given the
# same grouping (its `weights=` argument). Prints a Markdown table; raw JSON stays in the work dir.
#
# Usage: bench/models/run.sh [CUSTOMERS]            (default 1000000)
# Env:   BENCH_DIR (default bench/models/out), CARGO_TARGET_DIR (default target),
#        SKIP_LIFETIMES_PARETO_1M=1 to leave out the slowest job (about a minute),
#        REPEATS (default 5): runs of each job, the median is shown (lifetimes' Pareto/NBD on the
#        simulated file runs once).
set -euo pipefail
cd "$(dirname "$0")/../.."
CUSTOMERS=${1:-1000000}
WORK=${BENCH_DIR:-bench/models/out}
VENV=bench/models/.venv
TARGET=${CARGO_TARGET_DIR:-target}
mkdir -p "$WORK"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet lifetimes==0.11.3 numpy==1.26.4 pandas==1.5.3 scipy==1.11.4 autograd==1.6.2

cargo build --release --quiet -p tenure-models --example simulate_summary --example fit_summary
SIMULATE="$TARGET/release/examples/simulate_summary"
TENURE_JOB=("$TARGET/release/examples/fit_summary")
TENURE_SIDE="release example crates/tenure-models/examples/fit_summary.rs"
# The CLI, `tenure model fit --model M --summary FILE --json`: the whole job as a user runs it.
if cargo build --release --quiet -p tenure && "$TARGET/release/tenure" model fit --help >/dev/null 2>&1; then
    TENURE_SIDE="tenure model fit (CLI)"
    TENURE_CLI="$TARGET/release/tenure"
fi

SIM="$WORK/simulated_${CUSTOMERS}.csv"
"$SIMULATE" "$CUSTOMERS" 1 >"$SIM"
# The new file's pages are written back in the background for a while; a job timed meanwhile
# pays for part of it (the CLI runs took up to twice as long before this).
sync
rm -f "$WORK/times.txt"
rm -f "$WORK/walls.txt"
REPEATS=${REPEATS:-5}
timed() { # RUNS NAME COMMAND…: runs it RUNS times; stdout to $WORK/NAME.json; appends
    # "NAME seconds KiB" to times.txt and "NAME start end" (microsecond clock, for jobs shorter
    # than time's 10 ms) to walls.txt per run (summarize.py takes the median run)
    local runs=$1 name=$2 start
    shift 2
    for _ in $(seq "$runs"); do
        sync # the last job's output is on disk before the next starts
        start=$EPOCHREALTIME
        /usr/bin/time -f "$name %e %M" -a -o "$WORK/times.txt" "$@" >"$WORK/$name.json"
        echo "$name $start $EPOCHREALTIME" >>"$WORK/walls.txt"
    done
}
for data in cdnow sim; do
    file=data/cdnow/cdnow_customers_summary.csv
    [ "$data" = sim ] && file=$SIM
    for model in bgnbd pareto-nbd; do
        if [ -n "${TENURE_CLI:-}" ]; then
            timed "$REPEATS" "tenure-cli-$data-$model" "$TENURE_CLI" model fit --model "$model" --summary "$file" --json
        fi
        timed "$REPEATS" "tenure-$data-$model" "${TENURE_JOB[@]}" "$model" "$file"
        if [ "$data-$model" = sim-pareto-nbd ] && [ -n "${SKIP_LIFETIMES_PARETO_1M:-}" ]; then
            continue
        fi
        runs=$REPEATS
        [ "$data-$model" = sim-pareto-nbd ] && runs=1 # about a minute a run
        timed "$runs" "lifetimes-$data-$model" "$VENV/bin/python" bench/models/lifetimes_job.py "$model" "$file"
    done
done
echo "Tenure side: $TENURE_SIDE" >&2
"$VENV/bin/python" bench/models/summarize.py "$WORK" "$CUSTOMERS"

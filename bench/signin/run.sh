#!/usr/bin/env bash
# Sign-in under a flood of bad attempts: `tenure serve` (release build, SQLite) behind a "proxy"
# it trusts (the load generator on 127.0.0.1), wrk sending wrong passwords for a new e-mail each
# time from ADDRESSES client addresses (X-Forwarded-For) as fast as it can, while a real user
# signs in with the right password every 100 ms — from the address they signed in from before
# the flood (the owner) and, alternately, from a new address each time (a newcomer). Prints the
# flood's rate and answers, the users' latency (p50/p99) and answers, and the server's memory
# (RSS before the flood, after it, and its peak) as Markdown.
#
# Usage: bench/signin/run.sh
# Env:   TENURE_BIN (default: a release build), BENCH_DIR (default: a temporary directory),
#        DURATION (seconds of flood, default 30), CONNECTIONS (wrk's, default 64),
#        ADDRESSES (flooding client addresses, default 10000).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-64}
export ADDRESSES=${ADDRESSES:-10000}
WORK=${BENCH_DIR:-$(mktemp -d)}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
if [ -z "${TENURE_BIN:-}" ]; then
    cargo build --release --quiet -p tenure
    TENURE_BIN="${CARGO_TARGET_DIR:-target}/release/tenure"
fi
DB="sqlite:$WORK/signin.db"
OWNER=owner@shop.example
PASSWORD="the owner's password 1234"
echo "$PASSWORD" | "$TENURE_BIN" --db "$DB" user add "$OWNER" --role admin --password-stdin >/dev/null

"$TENURE_BIN" --db "$DB" serve --bind 127.0.0.1:0 --trusted-proxy 127.0.0.1 --log error \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "serving on" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's/.*serving on \(http:[^ ]*\).*/\1/p' "$WORK/serve.out")
[ -n "$BASE" ] || { echo "the server did not start: $(cat "$WORK/serve.err")" >&2; exit 1; }

rss() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$SERVER/status"; } # kB

sign_in() { # CLIENT_ADDRESS: one sign-in with the right password; prints "STATUS SECONDS"
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "X-Forwarded-For: $1" \
        -b "tenure_login=t" --data-urlencode "csrf=t" --data-urlencode "email=$OWNER" \
        --data-urlencode "password=$PASSWORD" "$BASE/login"
}

# The owner's own place: one sign-in before the flood.
[ "$(sign_in 192.0.2.10 | cut -d' ' -f1)" = 303 ] || { echo "the owner cannot sign in" >&2; exit 1; }
RSS_BEFORE=$(rss VmRSS)

wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s bench/signin/flood.lua "$BASE/login" >"$WORK/flood.wrk" 2>&1 &
FLOOD=$!
sleep 2 # the flood under way
: >"$WORK/owner.txt"
: >"$WORK/newcomer.txt"
n=0
while kill -0 $FLOOD 2>/dev/null && [ $((n += 1)) -lt 100000 ]; do
    sign_in 192.0.2.10 >>"$WORK/owner.txt"
    sign_in "192.0.2.$((20 + n % 200))" >>"$WORK/newcomer.txt" # a new address each time (200 of them)
    sleep 0.1
done
wait $FLOOD || true
RSS_AFTER=$(rss VmRSS)
RSS_PEAK=$(rss VmHWM)

python3 - "$WORK" "$RSS_BEFORE" "$RSS_AFTER" "$RSS_PEAK" <<'PY'
import re, sys
work, before, after, peak = sys.argv[1], *map(int, sys.argv[2:])
flood = open(f"{work}/flood.wrk").read()
rate = re.search(r"Requests/sec:\s*([\d.]+)", flood).group(1)
statuses = ", ".join(f"{s}: {int(c):,}" for s, c in sorted(re.findall(r"status (\d+): (\d+)", flood)))
print(f"flood: {float(rate):,.0f} requests/s ({statuses})\n")
print("| who | sign-ins | answered 303 | other answers | p50 | p99 | max |")
print("|---|---|---|---|---|---|---|")
for who in ("owner", "newcomer"):
    rows = [line.split() for line in open(f"{work}/{who}.txt") if line.strip()]
    times = sorted(float(t) for _, t in rows)
    ok = sum(1 for s, _ in rows if s == "303")
    others = {}
    for s, _ in rows:
        if s != "303":
            others[s] = others.get(s, 0) + 1
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000
    other = ", ".join(f"{s}: {c}" for s, c in sorted(others.items())) or "none"
    print(f"| {who} | {len(rows)} | {ok} | {other} | {pick(0.5):.0f} ms | {pick(0.99):.0f} ms | {times[-1] * 1000:.0f} ms |")
print(f"\nserver memory: RSS {before / 1024:.1f} MB before the flood, {after / 1024:.1f} MB after "
      f"(+{(after - before) / 1024:.1f} MB), peak {peak / 1024:.1f} MB")
PY

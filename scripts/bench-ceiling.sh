#!/usr/bin/env bash
# The reference the benchmarks report their list throughput against: the
# bare actix-web + rusqlite keyset page of ../shared/bench-ceiling (1M rows),
# built apart, started, loaded with wrk, stopped. Prints one line,
# "req/s p50 p99 errors", or nothing when ../shared/bench-ceiling is absent.
#   env: CONNECTIONS=32  DURATION=10s  CEILING_PORT=18092  BENCH_DIR=~/.cache/steward/bench
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
CEILING_PORT=${CEILING_PORT:-18092}
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
CEILING_SRC="$(cd .. && pwd)/shared/bench-ceiling"
[ -d "$CEILING_SRC" ] || exit 0
mkdir -p "$BENCH_DIR"
CEILING_DB="$BENCH_DIR/ceiling-1000000.db"
[ -f "$CEILING_DB" ] || python3 "$CEILING_SRC/gen.py" "$CEILING_DB" 1000000 >/dev/null
(cd "$CEILING_SRC" && CARGO_TARGET_DIR="$HOME/.cache/bench-ceiling" cargo build --release -q)
DB_PATH="$CEILING_DB" BIND="127.0.0.1:$CEILING_PORT" "$HOME/.cache/bench-ceiling/release/bench-ceiling" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
TOKEN=0123456789abcdef0123456789abcdef01234567
URL="http://127.0.0.1:$CEILING_PORT/api/tickets?status=1&after=0"
until curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL"; do sleep 0.1; done
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$URL" |
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
       /Non-2xx/ {err=$5} END {printf "%s %s %s %s\n", rps, p50, p99, (err==""?0:err)}'

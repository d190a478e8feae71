#!/usr/bin/env bash
# Load benchmark of GET /api/v1/accounts (authenticated, filtered) on SQLite.
#   scripts/bench.sh [ACCOUNTS=100000] [CONNECTIONS=32] [DURATION=20s]
# Builds the release server, seeds a benchmark database once (kept under
# ~/.cache/steward/bench), measures start-up to a healthy /healthz on an
# empty database, then drives the list endpoint with wrk from a second
# process and samples the server's resident memory while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${1:-100000}
CONNECTIONS=${2:-32}
DURATION=${3:-20s}
PORT=${BENCH_PORT:-18080}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
mkdir -p "$BENCH_DIR"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }
cargo build --release -p server --bin steward
STEWARD="$CARGO_TARGET_DIR/release/steward"

# 1. Start-up to healthy, on an empty database.
EMPTY="$BENCH_DIR/empty"
rm -rf "$EMPTY" && mkdir -p "$EMPTY"
start_ns=$(date +%s%N)
STEWARD_DATA_DIR="$EMPTY" STEWARD_BIND="127.0.0.1:$PORT" STEWARD_LOG=warn "$STEWARD" serve &
pid=$!
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.005; done
end_ns=$(date +%s%N)
kill "$pid"; wait "$pid" 2>/dev/null || true
startup_ms=$(( (end_ns - start_ns) / 1000000 ))

# 2. Seed once.
DATA="$BENCH_DIR/accounts-$ACCOUNTS"
if [ ! -f "$DATA/seeded" ]; then
  rm -rf "$DATA" && mkdir -p "$DATA"
  echo "seeding $ACCOUNTS accounts…"
  STEWARD_DATA_DIR="$DATA" STEWARD_LOG=warn "$STEWARD" seed-bench --accounts "$ACCOUNTS"
  touch "$DATA/seeded"
fi

# 3. Load.
STEWARD_DATA_DIR="$DATA" STEWARD_BIND="127.0.0.1:$PORT" STEWARD_LOG=warn "$STEWARD" serve &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.05; done
token=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@steward.local","password":"steward-bench-2026"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')

rss_file=$(mktemp)
( while kill -0 "$pid" 2>/dev/null; do ps -o rss= -p "$pid" >> "$rss_file" || true; sleep 0.5; done ) &
sampler=$!

run() {
  local label=$1 url=$2
  echo "== $label: $url"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$url" \
    | grep -E "Requests/sec|Latency |50%|90%|99%|requests in|Non-2xx"
}
# 科技 ("technology") matches a quarter of the accounts' names.
run "search q=科技" "http://127.0.0.1:$PORT/api/v1/accounts?limit=50&q=%E7%A7%91%E6%8A%80"
run "filter stage=adoption" "http://127.0.0.1:$PORT/api/v1/accounts?limit=50&stage=adoption"

kill "$sampler" 2>/dev/null || true
max_rss_kb=$(sort -n "$rss_file" | tail -1)
echo "== start-up to healthy /healthz (empty database): ${startup_ms} ms"
echo "== peak resident memory under load: $(( max_rss_kb / 1024 )) MB"
rm -f "$rss_file"

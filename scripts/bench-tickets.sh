#!/usr/bin/env bash
# Benchmarks of the ticket issue's figures, on SQLite:
#   - the filtered ticket queue, GET /api/v1/tickets?status=open&module=finance&limit=50
#   - knowledge-base search (staff list with q=, and the portal search)
#   - one sla-monitor run over every ticket (timed inside the server)
#   scripts/bench-tickets.sh [TICKETS=1000000] [ACCOUNTS=100000] [ARTICLES=10000] [CONNECTIONS=32] [DURATION=20s]
# Seeds once into ~/.cache/steward/bench (several minutes for a million
# tickets) and reuses it; load comes from wrk in a second process.
set -euo pipefail
cd "$(dirname "$0")/.."
TICKETS=${1:-1000000}
ACCOUNTS=${2:-100000}
ARTICLES=${3:-10000}
CONNECTIONS=${4:-32}
DURATION=${5:-20s}
PORT=${BENCH_PORT:-18081}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
mkdir -p "$BENCH_DIR"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }
cargo build --release -p server --bin steward
STEWARD="$CARGO_TARGET_DIR/release/steward"
BASE="http://127.0.0.1:$PORT"

DATA="$BENCH_DIR/tickets-$TICKETS-$ACCOUNTS-$ARTICLES"
if [ ! -f "$DATA/seeded" ]; then
  rm -rf "$DATA" && mkdir -p "$DATA"
  echo "seeding $ACCOUNTS accounts, $TICKETS tickets, $ARTICLES articles…"
  start=$(date +%s)
  STEWARD_DATA_DIR="$DATA" STEWARD_LOG=warn "$STEWARD" seed-bench \
    --accounts "$ACCOUNTS" --tickets "$TICKETS" --articles "$ARTICLES"
  echo "seeded in $(( $(date +%s) - start )) s"
  touch "$DATA/seeded"
fi
# A copy per run: the monitor run changes the data.
RUN="$BENCH_DIR/run-tickets"
rm -rf "$RUN" && mkdir -p "$RUN"
cp -r "$DATA"/. "$RUN"/

STEWARD_DATA_DIR="$RUN" STEWARD_BIND="127.0.0.1:$PORT" STEWARD_LOG=warn STEWARD_SCHEDULER=false "$STEWARD" serve &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -fs "$BASE/healthz" >/dev/null 2>&1; do sleep 0.05; done
json() { python3 -c "import sys,json;print(json.load(sys.stdin)$1)"; }
login() {
  curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"steward-bench-2026\"}" | json '["access_token"]'
}
token=$(login bench@steward.local)
auth=(-H "Authorization: Bearer $token" -H 'content-type: application/json')

# The portal login `seed-bench` made (through the API one is only invited).
portal_token=$(login portal-bench@steward.local)

run() {
  local label=$1 tok=$2 url=$3 conns=${4:-$CONNECTIONS}
  echo "== $label, $conns connections: $url"
  wrk -t2 -c"$conns" -d"$DURATION" --latency -H "Authorization: Bearer $tok" "$url" \
    | grep -E "Requests/sec|Latency |50%|90%|99%|requests in|Non-2xx"
}
run "ticket queue" "$token" "$BASE/api/v1/tickets?status=open&module=finance&limit=50"
# 盘点 ("stocktaking"): one topic in fourteen.
run "KB search, staff" "$token" "$BASE/api/v1/kb/articles?q=%E7%9B%98%E7%82%B9&limit=20"
run "KB search, portal" "$portal_token" "$BASE/api/v1/portal/kb/search?q=%E7%9B%98%E7%82%B9"
# Search as people type it: a few at a time.
run "KB search, staff" "$token" "$BASE/api/v1/kb/articles?q=%E7%9B%98%E7%82%B9&limit=20" 4
run "KB search, staff, 4 characters" "$token" "$BASE/api/v1/kb/articles?q=%E7%9B%98%E7%82%B9%E5%B7%AE%E5%BC%82&limit=20" 4

for n in 1 2; do
  start_ns=$(date +%s%N)
  report=$(curl -fs "${auth[@]}" -X POST "$BASE/api/v1/admin/jobs/sla-monitor/run" -d '{}')
  end_ns=$(date +%s%N)
  echo "== sla-monitor run $n over $TICKETS tickets: $(( (end_ns - start_ns) / 1000000 )) ms (HTTP round trip included): $report"
done

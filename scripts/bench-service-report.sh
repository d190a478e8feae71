#!/usr/bin/env bash
# Benchmark of the service report (issue 16): GET /api/v1/reports/service
# over a year of TICKETS tickets (all opened within the last 365 days, over
# 20 engineers, three service levels, one in fifty outside agreement), as
# the workspace's admin. Every request is computed afresh (the report has
# no cache): the times printed are curl's whole round trips, for the
# 12-month period, for one month, and filtered by a module and by an
# engineer; then the per-ticket CSV of one month. Target: < 1 s for the
# 12-month report.
#   scripts/bench-service-report.sh [TICKETS=1000000] [ACCOUNTS=10000] [RUNS=5]
#   env: STEWARD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench_service (PostgreSQL)
#        PROFILE=debug to time a debug build (SQLite is optimised in it too)
# Seeds once (SQLite into ~/.cache/steward/bench; PostgreSQL into the named
# database, dropped first) and reuses the data; rerunnable.
set -euo pipefail
cd "$(dirname "$0")/.."
TICKETS=${1:-1000000}
ACCOUNTS=${2:-10000}
RUNS=${3:-5}
PORT=${BENCH_PORT:-18086}
PROFILE=${PROFILE:-release}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
mkdir -p "$BENCH_DIR"

if [ "$PROFILE" = release ]; then
  cargo build --release -p server --bin steward
  STEWARD="$CARGO_TARGET_DIR/release/steward"
else
  cargo build -p server --bin steward
  STEWARD="$CARGO_TARGET_DIR/debug/steward"
fi
BASE="http://127.0.0.1:$PORT"

seed() {
  echo "seeding $ACCOUNTS accounts and $TICKETS tickets over the last 365 days…"
  local start
  start=$(date +%s)
  STEWARD_LOG=warn "$STEWARD" seed-bench --accounts "$ACCOUNTS" --tickets "$TICKETS" --ticket-days 365
  echo "seeded in $(( $(date +%s) - start )) s"
}

if [[ "${STEWARD_DATABASE_URL:-}" == postgres* ]]; then
  BACKEND=postgres
  db_name=${STEWARD_DATABASE_URL##*/}
  server_url=${STEWARD_DATABASE_URL%/*}
  marker="$BENCH_DIR/pg-service-$db_name-$TICKETS-$ACCOUNTS"
  export STEWARD_DATA_DIR="$BENCH_DIR/pg-service-data"
  mkdir -p "$STEWARD_DATA_DIR"
  if [ ! -f "$marker" ]; then
    psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS $db_name" >/dev/null
    psql "$server_url/postgres" -qc "CREATE DATABASE $db_name" >/dev/null
    seed
    psql "$STEWARD_DATABASE_URL" -qc "VACUUM ANALYZE tickets" >/dev/null
    touch "$marker"
  fi
else
  BACKEND=sqlite
  DATA="$BENCH_DIR/service-$TICKETS-$ACCOUNTS"
  export STEWARD_DATA_DIR="$DATA"
  if [ ! -f "$DATA/seeded" ]; then
    rm -rf "$DATA" && mkdir -p "$DATA"
    seed
    touch "$DATA/seeded"
  fi
fi

STEWARD_BIND="127.0.0.1:$PORT" STEWARD_LOG=warn STEWARD_SCHEDULER=false "$STEWARD" serve &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -fs "$BASE/healthz" >/dev/null 2>&1; do sleep 0.05; done
json() { python3 -c "import sys,json;d=json.load(sys.stdin);print($1)"; }
token=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@steward.local","password":"steward-bench-2026"}' | json 'd["access_token"]')
auth=(-H "Authorization: Bearer $token")

today=$(date -u +%F)
year_ago=$(date -u -d '364 days ago' +%F)
month_ago=$(date -u -d '30 days ago' +%F)
engineer=$(curl -fs "${auth[@]}" "$BASE/api/v1/reports/service?from=$month_ago&to=$today" \
  | json 'd["by_engineer"][0]["key"]')

time_it() {
  local label=$1 url=$2
  local times=()
  for _ in $(seq "$RUNS"); do
    times+=("$(curl -fs -o /dev/null -w '%{time_total}' "${auth[@]}" "$url")")
  done
  printf '== %s (%s, %s runs): %s s\n' "$label" "$BACKEND" "$RUNS" "${times[*]}"
}

summary=$(curl -fs "${auth[@]}" "$BASE/api/v1/reports/service?from=$year_ago&to=$today" \
  | json '" ".join(map(str, [d["totals"]["tickets"], len(d["by_engineer"]), len(d["months"]), d["totals"]["first_response"]["rate"], d["totals"]["resolution"]["rate"], d["first_response_time"]["median_minutes"]]))')
echo "== tickets, engineers, months, first-response %, resolution %, median first response (min) in the 12 months: $summary"
time_it "12 months" "$BASE/api/v1/reports/service?from=$year_ago&to=$today"
time_it "one month" "$BASE/api/v1/reports/service?from=$month_ago&to=$today"
time_it "12 months, module=finance" "$BASE/api/v1/reports/service?from=$year_ago&to=$today&module=finance"
time_it "12 months, one engineer" "$BASE/api/v1/reports/service?from=$year_ago&to=$today&assignee_id=$engineer"
start_ns=$(date +%s%N)
lines=$(curl -fs "${auth[@]}" "$BASE/api/v1/reports/service?from=$month_ago&to=$today&format=csv" | wc -l)
echo "== CSV of one month ($BACKEND): $lines lines in $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"

#!/usr/bin/env bash
# The view benchmark: replays every list request the web app really sends
# (each page's default view, every tab, every single filter, the offered
# sorts; staff and portal), as recorded from headless Chromium's network log
# by `e2e/src/bin/capture-views.rs`, first page and a deep page, under wrk
# load; prints req/s, p50 and p99 per request, the reference `GET /healthz`,
# the bare actix + rusqlite ceiling (../shared/bench-ceiling) measured in the
# same run, each view's ratio of that ceiling, and the server's peak memory.
#
#   scripts/bench-views.sh [TICKETS=1000000] [ACCOUNTS=100000] [CONTRACTS=100000] [ARTICLES=10000]
#   env: CONNECTIONS=32  DURATION=10s  DEEP=20 (pages followed for the deep page)
#        STEWARD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench_views  (PostgreSQL)
#        ONLY=tickets   (only requests whose path contains this)
#        SKIP_BUILD=1   (use the release binaries already built)
#        WORK=2000:10000  (also `steward seed-work`: a CSM owning 2,000 accounts
#                          with 10,000 open tasks, who then is the staff user
#                          replayed; e.g. ONLY=my-work CONNECTIONS=16 WORK=2000:10000
#                          scripts/bench-views.sh 0 100000 0 0 for "my work")
#
# Seeds once (SQLite under ~/.cache/steward/bench; PostgreSQL into the named
# database) and reuses the data.
set -euo pipefail
cd "$(dirname "$0")/.."
TICKETS=${1:-1000000}
ACCOUNTS=${2:-100000}
CONTRACTS=${3:-100000}
ARTICLES=${4:-10000}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
DEEP=${DEEP:-20}
ONLY=${ONLY:-}
WORK=${WORK:-}
PORT=${BENCH_PORT:-18091}
CEILING_PORT=${CEILING_PORT:-18092}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
export STEWARD_WASM_TARGET_DIR=${STEWARD_WASM_TARGET_DIR:-$CARGO_TARGET_DIR}
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
PASSWORD=steward-bench-2026
STAFF=bench@steward.local
PORTAL=portal-bench@steward.local
mkdir -p "$BENCH_DIR"

command -v wrk >/dev/null || scripts/install-tools.sh
[ -f frontend/dist/index.html ] || scripts/build-frontend.sh
# SKIP_BUILD=1: use the release binaries already built.
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -p server --bin steward -p e2e --bin capture-views
STEWARD="$CARGO_TARGET_DIR/release/steward"
CAPTURE="$CARGO_TARGET_DIR/release/capture-views"
BASE="http://127.0.0.1:$PORT"
SIZES="$TICKETS-$ACCOUNTS-$CONTRACTS-$ARTICLES${WORK:+-work-${WORK/:/-}}"
if [ -n "$WORK" ]; then STAFF=csm-bench@steward.local; fi

json() { python3 -c "import sys,json;d=json.load(sys.stdin);print($1)"; }
wait_up() { until curl -fs "$1/healthz" >/dev/null 2>&1; do sleep 0.1; done; }
seed() {
  echo "seeding $ACCOUNTS accounts, $TICKETS tickets, $CONTRACTS contracts, $ARTICLES articles…"
  local start; start=$(date +%s)
  STEWARD_LOG=warn "$STEWARD" seed-bench --accounts "$ACCOUNTS" --tickets "$TICKETS" \
    --contracts "$CONTRACTS" --articles "$ARTICLES"
  if [ -n "$WORK" ]; then
    STEWARD_LOG=warn "$STEWARD" seed-work --accounts "${WORK%%:*}" --tasks "${WORK##*:}"
  fi
  echo "seeded in $(( $(date +%s) - start )) s"
}

if [[ "${STEWARD_DATABASE_URL:-}" == postgres* ]]; then
  BACKEND=postgres
  db_name=${STEWARD_DATABASE_URL##*/}
  server_url=${STEWARD_DATABASE_URL%/*}
  marker="$BENCH_DIR/pg-$db_name-$SIZES"
  if [ ! -f "$marker" ]; then
    psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS $db_name" >/dev/null
    psql "$server_url/postgres" -qc "CREATE DATABASE $db_name" >/dev/null
    STEWARD_DATA_DIR="$BENCH_DIR/pg-data" seed
    touch "$marker"
  fi
  RUN="$BENCH_DIR/pg-data"
  mkdir -p "$RUN"
  export STEWARD_DATA_DIR="$RUN"
  DB_URL="$STEWARD_DATABASE_URL"
else
  BACKEND=sqlite
  DATA="$BENCH_DIR/views-$SIZES"
  if [ ! -f "$DATA/seeded" ]; then
    rm -rf "$DATA" && mkdir -p "$DATA"
    STEWARD_DATA_DIR="$DATA" seed
    touch "$DATA/seeded"
  fi
  RUN="$BENCH_DIR/run-views"
  rm -rf "$RUN" && mkdir -p "$RUN"
  cp -r "$DATA"/. "$RUN"/
  export STEWARD_DATA_DIR="$RUN"
  unset STEWARD_DATABASE_URL
  DB_URL="sqlite://$RUN/steward.db?mode=rwc"
fi

STEWARD_BIND="127.0.0.1:$PORT" STEWARD_LOG=warn STEWARD_SCHEDULER=false "$STEWARD" serve &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_up "$BASE"
login() {
  curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}" | json 'd["access_token"]'
}
staff_token=$(login "$STAFF")
auth=(-H "Authorization: Bearer $staff_token" -H 'content-type: application/json')
# The portal login (customer_admin of the first account) `seed-bench` made:
# through the API a portal login is only ever invited.
portal_token=$(login "$PORTAL")

echo "recording the requests the web app sends (headless Chromium)…"
VIEWS="$BENCH_DIR/views-$BACKEND.txt"
STEWARD_LOG=warn "$CAPTURE" "$DB_URL" "$STAFF" "$PORTAL" "$PASSWORD" >"$VIEWS"
echo "$(wc -l <"$VIEWS") distinct requests recorded in $VIEWS"
rss_after_capture=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

# wrk → "req/s p50 p99 errors"
measure() {
  local token=$1 url=$2
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$url" |
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
         /Non-2xx/ {err=$5} END {printf "%s %s %s %s", rps, p50, p99, (err==""?0:err)}'
}
# The ceiling (../shared/bench-ceiling), measured in the same run.
ceiling_line=$(CONNECTIONS=$CONNECTIONS DURATION=$DURATION CEILING_PORT=$CEILING_PORT \
  BENCH_DIR=$BENCH_DIR scripts/bench-ceiling.sh)
ceiling_rps=${ceiling_line%% *}

printf '\n%-8s %-78s %10s %9s %9s %7s %6s\n' role request req/s p50 p99 ceiling errors
row() {
  local role=$1 label=$2 result=$3
  read -r rps p50 p99 err <<<"$result"
  local ratio="-"
  [ -n "$ceiling_rps" ] && ratio=$(python3 -c "print(f'{$rps/$ceiling_rps*100:.0f}%')")
  printf '%-8s %-78s %10s %9s %9s %7s %6s\n' "$role" "$label" "$rps" "$p50" "$p99" "$ratio" "$err"
}
[ -n "$ceiling_line" ] && row ceiling "bare actix + rusqlite keyset page (1M rows)" "$ceiling_line"
row ref "/healthz" "$(measure "$staff_token" "$BASE/healthz")"
while read -r role request; do
  [ -n "$ONLY" ] && [[ "$request" != *"$ONLY"* ]] && continue
  token=$staff_token
  [ "$role" = portal ] && token=$portal_token
  row "$role" "$request" "$(measure "$token" "$BASE/api/v1$request")"
  # The deep page: follow the cursor as "load more" does.
  if [[ "$request" == *limit=* ]]; then
    url="$BASE/api/v1$request"
    cursor=""
    for _ in $(seq "$DEEP"); do
      next=$(curl -fs -H "Authorization: Bearer $token" "$url${cursor:+&cursor=$cursor}" |
        json 'd.get("next_cursor") or ""' 2>/dev/null || true)
      [ -z "$next" ] && break
      cursor=$next
    done
    if [ -n "$cursor" ]; then
      row "$role" "$request (page $((DEEP + 1)))" "$(measure "$token" "$url&cursor=$cursor")"
    fi
  fi
done <"$VIEWS"

peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
echo
echo "backend: $BACKEND; data: $TICKETS tickets, $ACCOUNTS accounts, $CONTRACTS contracts, $ARTICLES articles"
echo "server peak memory (VmHWM) through the run: $((peak / 1024)) MB" \
  "(resident after the web app's first pass: $((rss_after_capture / 1024)) MB," \
  "at the end: $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )) MB)"

#!/usr/bin/env bash
# The cluster benchmark, on PostgreSQL with the bench-views data (1,000,000
# tickets by default): the requests the web app really sends (every list
# page's default view, tabs, filters, sorts; staff and portal, recorded
# from headless Chromium's network log by `capture-views`, as
# `scripts/bench-views.sh` does) replayed as one mixed load under wrk,
# first against one replica alone, then against three behind nginx
# (scripts/cluster.sh); beside that load, a second wrk on the ticket queue's
# default view gives the queue's p50/p99 under it. The bare actix + rusqlite
# page (../shared/bench-ceiling) is measured in the same run. Then the
# failover time: from `kill -9` of one replica until nginx stops sending to
# it (read from nginx's log).
#
#   scripts/bench-cluster.sh [TICKETS=1000000] [ACCOUNTS=100000] [CONTRACTS=100000] [ARTICLES=10000]
#   env: CONNECTIONS=32 (the mixed load)  QUEUE_CONNECTIONS=4  DURATION=20s
#        STEWARD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench_views
#        SKIP_BUILD=1      (use the release binaries already built)
#        STEWARD_STORAGE_URL (passed to the replicas)
#
# Seeds once into the named database (`steward seed-bench`, the same data
# and marker as bench-views.sh, so either script reuses the other's seed).
# The replicas run without their schedulers (STEWARD_SCHEDULER=false, as in
# bench-views.sh), so both figures measure the same requests only.
set -euo pipefail
cd "$(dirname "$0")/.."
TICKETS=${1:-1000000}
ACCOUNTS=${2:-100000}
CONTRACTS=${3:-100000}
ARTICLES=${4:-10000}
CONNECTIONS=${CONNECTIONS:-32}
QUEUE_CONNECTIONS=${QUEUE_CONNECTIONS:-4}
DURATION=${DURATION:-20s}
CEILING_PORT=${CEILING_PORT:-18192}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
export STEWARD_WASM_TARGET_DIR=${STEWARD_WASM_TARGET_DIR:-$HOME/.cache/steward/wasm-target}
export STEWARD_DATABASE_URL=${STEWARD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/steward_bench_views}
export STEWARD_CLUSTER_DIR=${STEWARD_CLUSTER_DIR:-$HOME/.cache/steward/bench-cluster}
export STEWARD_CLUSTER_LISTEN=${STEWARD_CLUSTER_LISTEN:-127.0.0.1:18180}
export STEWARD_CLUSTER_PORTS=${STEWARD_CLUSTER_PORTS:-"18181 18182 18183"}
export STEWARD_LOG=${STEWARD_LOG:-warn}
export STEWARD_SCHEDULER=false
PASSWORD=steward-bench-2026
STAFF=bench@steward.local
PORTAL=portal-bench@steward.local
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
mkdir -p "$BENCH_DIR" "$STEWARD_CLUSTER_DIR"

command -v wrk >/dev/null || scripts/install-tools.sh
[ -f frontend/dist/index.html ] || scripts/build-frontend.sh
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -p server --bin steward -p e2e --bin capture-views
export STEWARD_BIN="$CARGO_TARGET_DIR/release/steward"
CAPTURE="$CARGO_TARGET_DIR/release/capture-views"
read -r -a PORTS <<<"$STEWARD_CLUSTER_PORTS"

db_name=${STEWARD_DATABASE_URL##*/}
server_url=${STEWARD_DATABASE_URL%/*}
marker="$BENCH_DIR/pg-$db_name-$TICKETS-$ACCOUNTS-$CONTRACTS-$ARTICLES"
if [ ! -f "$marker" ]; then
  psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS $db_name" >/dev/null
  psql "$server_url/postgres" -qc "CREATE DATABASE $db_name" >/dev/null
  echo "seeding $ACCOUNTS accounts, $TICKETS tickets, $CONTRACTS contracts, $ARTICLES articles…"
  start=$(date +%s)
  STEWARD_DATA_DIR="$BENCH_DIR/pg-data" "$STEWARD_BIN" seed-bench --accounts "$ACCOUNTS" \
    --tickets "$TICKETS" --contracts "$CONTRACTS" --articles "$ARTICLES"
  echo "seeded in $(($(date +%s) - start)) s"
  touch "$marker"
fi

VIEWS="$STEWARD_CLUSTER_DIR/views.txt"
if [ -z "${REUSE_VIEWS:-}" ] || [ ! -s "$VIEWS" ]; then
  echo "recording the requests the web app sends (headless Chromium)…"
  STEWARD_DATA_DIR="$BENCH_DIR/pg-data" "$CAPTURE" "$STEWARD_DATABASE_URL" "$STAFF" "$PORTAL" "$PASSWORD" >"$VIEWS"
fi
echo "$(wc -l <"$VIEWS") distinct requests recorded in $VIEWS"
# The queue as the web app first opens it.
QUEUE=$(awk '$1 == "staff" && $2 ~ /^\/tickets\?limit=/ {print $2; exit}' "$VIEWS")

trap 'scripts/cluster.sh stop >/dev/null 2>&1 || true' EXIT

# The ceiling (../shared/bench-ceiling), measured in the same run.
ceiling_line=$(CONNECTIONS=$CONNECTIONS DURATION=$DURATION CEILING_PORT=$CEILING_PORT \
  BENCH_DIR=$BENCH_DIR scripts/bench-ceiling.sh)
ceiling_rps=${ceiling_line%% *}

scripts/cluster.sh start

token() {
  curl -fs -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"$PASSWORD\"}" "$1/api/v1/auth/login" |
    python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])'
}
LB="http://$STEWARD_CLUSTER_LISTEN"
ONE="http://127.0.0.1:${PORTS[0]}"
STAFF_TOKEN=$(token "$LB" "$STAFF")
PORTAL_TOKEN=$(token "$LB" "$PORTAL")

RESULT_FN='done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.1f %.1f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end'
# The mixed load: each connection walks the recorded requests in turn
# (from a random start), with the token of the role that sent each.
MIXED="$STEWARD_CLUSTER_DIR/mixed.lua"
{
  echo 'local views = {}'
  echo "for line in io.lines(\"$VIEWS\") do"
  echo '  local role, path = line:match("^(%S+)%s+(%S+)")'
  echo '  if role then'
  echo "    local token = role == \"portal\" and \"$PORTAL_TOKEN\" or \"$STAFF_TOKEN\""
  echo '    views[#views + 1] = {"/api/v1" .. path, token}'
  echo '  end'
  echo 'end'
  echo 'local requests = {}'
  echo 'local n = 0'
  echo '-- Formatted per thread, once wrk has set the Host header.'
  echo 'function init(args)'
  echo '  for i, v in ipairs(views) do'
  echo '    requests[i] = wrk.format("GET", v[1], {["Host"] = wrk.headers["Host"], ["Authorization"] = "Bearer " .. v[2]})'
  echo '  end'
  echo '  n = math.random(#requests)'
  echo 'end'
  echo 'function request()'
  echo '  n = n % #requests + 1'
  echo '  return requests[n]'
  echo 'end'
  echo "$RESULT_FN"
} >"$MIXED"
LUA="$STEWARD_CLUSTER_DIR/auth.lua"
{
  echo "wrk.headers[\"Authorization\"] = \"Bearer $STAFF_TOKEN\""
  echo "$RESULT_FN"
} >"$LUA"

# "label BASE KEY": the mixed load and, beside it, the queue; one table row.
declare -A TOTAL
run() {
  local label=$1 base=$2 mixed queue rps p50 p99 errors qrps qp50 qp99 qerrors
  wrk -t1 -c"$QUEUE_CONNECTIONS" -d"$DURATION" -s "$LUA" "$base/api/v1$QUEUE" >"$STEWARD_CLUSTER_DIR/queue.out" &
  local queue_pid=$!
  mixed=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$MIXED" "$base" | grep '^RESULT')
  wait $queue_pid
  queue=$(grep '^RESULT' "$STEWARD_CLUSTER_DIR/queue.out")
  read -r _ rps p50 p99 errors <<<"$mixed"
  read -r _ qrps qp50 qp99 qerrors <<<"$queue"
  TOTAL[$3]=$((rps + qrps))
  local ratio="-"
  if [ -n "$ceiling_rps" ]; then
    ratio=$(python3 -c "print(f'{($rps + $qrps) / $ceiling_rps * 100:.1f}%')")
  fi
  printf '| %-14s | mixed %6s req/s, p50 %6s ms, p99 %7s ms, errors %s | queue %5s req/s, p50 %6s ms, p99 %7s ms, errors %s | together %6s req/s = %s of the ceiling |\n' \
    "$label" "$rps" "$p50" "$p99" "$errors" "$qrps" "$qp50" "$qp99" "$qerrors" "$((rps + qrps))" "$ratio"
}

echo
echo "== $TICKETS tickets, $ACCOUNTS accounts, PostgreSQL; the $(wc -l <"$VIEWS") recorded requests mixed over $CONNECTIONS connections, the queue ($QUEUE) over $QUEUE_CONNECTIONS beside them; $DURATION each"
if [ -n "$ceiling_rps" ]; then
  echo "| ceiling | bare actix + rusqlite keyset page (1M rows), $CONNECTIONS connections: $ceiling_rps req/s |"
fi
run "one replica" "$ONE" one
run "three (nginx)" "$LB" three
python3 -c "print(f'three replicas / one replica: {${TOTAL[three]} / ${TOTAL[one]}:.2f}x')"

echo "== failover: kill -9 of replica 2 under load through nginx"
: >"$STEWARD_CLUSTER_DIR/nginx-access.log"
kill -HUP "$(cat "$STEWARD_CLUSTER_DIR/nginx.pid")" # reopen the log
sleep 0.5
wrk -t2 -c8 -d6s -s "$LUA" "$LB/api/v1$QUEUE" >/dev/null &
WRK=$!
sleep 2
killed_at=$(date +%s.%N)
scripts/cluster.sh kill 2
wait $WRK || true
python3 - "$STEWARD_CLUSTER_DIR/nginx-access.log" "$killed_at" "${PORTS[1]}" <<'EOF'
import sys, re
from datetime import datetime
log, killed, port = sys.argv[1], float(sys.argv[2]), sys.argv[3]
# msec timestamps: the log_format below carries $msec.
last_to_dead = None
failed = 0
for line in open(log):
    m = re.search(r'msec=(\S+)', line)
    if not m:
        continue
    t = float(m.group(1))
    if t < killed:
        continue
    status = line.split('" ')[1].split()[0]
    if status.startswith('5'):
        failed += 1
    if f':{port}' in line.split('upstream=')[1].split()[0] and ', ' not in line.split('upstream=')[1].split(' upstream_status')[0]:
        last_to_dead = t
print(f"requests failed after the kill: {failed}")
if last_to_dead is None:
    print("no request went to the dead replica after the kill")
else:
    print(f"last request answered by way of the dead replica: {1000 * (last_to_dead - killed):.0f} ms after the kill")
EOF

#!/usr/bin/env bash
# The cluster benchmark: the ticket queue and the accounts list on
# PostgreSQL, one replica alone against three behind nginx
# (scripts/cluster.sh), with wrk; then the failover time: from `kill -9` of
# one replica until nginx stops sending to it (the last request answered
# after the kill that went to the dead replica, read from nginx's log).
#
#   scripts/bench-cluster.sh [TICKETS=1000000] [ACCOUNTS=100000]
#   env: CONNECTIONS=32  DURATION=10s
#        STEWARD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench_cluster
#        STEWARD_BIN=…      (a steward binary; default: the release build)
#        STEWARD_STORAGE_URL (passed to the replicas)
#
# Seeds once into the named database (`steward seed-bench`) and reuses it.
set -euo pipefail
cd "$(dirname "$0")/.."
TICKETS=${1:-1000000}
ACCOUNTS=${2:-100000}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
export STEWARD_DATABASE_URL=${STEWARD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/steward_bench_cluster}
export STEWARD_CLUSTER_DIR=${STEWARD_CLUSTER_DIR:-$HOME/.cache/steward/bench-cluster}
export STEWARD_CLUSTER_LISTEN=${STEWARD_CLUSTER_LISTEN:-127.0.0.1:18180}
export STEWARD_CLUSTER_PORTS=${STEWARD_CLUSTER_PORTS:-"18181 18182 18183"}
export STEWARD_LOG=${STEWARD_LOG:-warn}
PASSWORD=steward-bench-2026
STAFF=bench@steward.local
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
mkdir -p "$BENCH_DIR" "$STEWARD_CLUSTER_DIR"

command -v wrk >/dev/null || scripts/install-tools.sh
if [ -z "${STEWARD_BIN:-}" ]; then
  cargo build --release -p server --bin steward
  export STEWARD_BIN="$CARGO_TARGET_DIR/release/steward"
fi
read -r -a PORTS <<<"$STEWARD_CLUSTER_PORTS"

db_name=${STEWARD_DATABASE_URL##*/}
server_url=${STEWARD_DATABASE_URL%/*}
marker="$BENCH_DIR/cluster-$db_name-$TICKETS-$ACCOUNTS"
if [ ! -f "$marker" ]; then
  psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS $db_name" >/dev/null
  psql "$server_url/postgres" -qc "CREATE DATABASE $db_name" >/dev/null
  echo "seeding $ACCOUNTS accounts, $TICKETS tickets…"
  STEWARD_DATA_DIR="$STEWARD_CLUSTER_DIR/data" "$STEWARD_BIN" seed-bench \
    --accounts "$ACCOUNTS" --tickets "$TICKETS"
  touch "$marker"
fi

trap 'scripts/cluster.sh stop >/dev/null 2>&1 || true' EXIT
scripts/cluster.sh start

token() {
  curl -fs -H 'Content-Type: application/json' \
    -d "{\"email\":\"$STAFF\",\"password\":\"$PASSWORD\"}" "$1/api/v1/auth/login" |
    python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])'
}
LB="http://$STEWARD_CLUSTER_LISTEN"
ONE="http://127.0.0.1:${PORTS[0]}"
TOKEN=$(token "$LB")
LUA="$STEWARD_CLUSTER_DIR/auth.lua"
cat >"$LUA" <<EOF
wrk.headers["Authorization"] = "Bearer $TOKEN"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.1f %.1f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
EOF

measure() { # label URL
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$LUA" "$2" | grep '^RESULT')
  read -r _ rps p50 p99 errors <<<"$out"
  printf '| %-44s | %8s req/s | p50 %6s ms | p99 %6s ms | errors %s |\n' "$1" "$rps" "$p50" "$p99" "$errors"
}

echo
echo "== $TICKETS tickets, $ACCOUNTS accounts, PostgreSQL, $CONNECTIONS connections, $DURATION each"
for path in "/api/v1/tickets?limit=50" "/api/v1/accounts?limit=50"; do
  measure "one replica   GET $path" "$ONE$path"
  measure "three (nginx) GET $path" "$LB$path"
done

echo
echo "== failover: kill -9 of replica 2 under load through nginx"
: >"$STEWARD_CLUSTER_DIR/nginx-access.log"
kill -HUP "$(cat "$STEWARD_CLUSTER_DIR/nginx.pid")" # reopen the log
sleep 0.5
wrk -t2 -c8 -d6s -s "$LUA" "$LB/api/v1/accounts?limit=5" >/dev/null &
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

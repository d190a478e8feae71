#!/usr/bin/env bash
# The playbook sweep benchmark (issue 15: "a sweep over 100,000 accounts in
# under 5 s"): the bench workspace with ACCOUNTS accounts, two days of health
# snapshots of each (today a tenth red, a tenth yellow after a green
# yesterday) and a CSM owning OWNED accounts with TASKS open tasks; the
# built-in playbook library installed (seven playbooks: health, renewals,
# onboarding, SLA, P1, silence, training gaps). Times `steward jobs run
# playbooks` three times: the first sweep (fires for every account the
# triggers hold for), the second (nothing new: the steady state of every
# minute) and a third.
#
#   scripts/bench-playbooks.sh [ACCOUNTS=100000] [OWNED=2000] [TASKS=10000]
#   env: STEWARD_DATABASE_URL=postgres://…/steward_bench_playbooks (PostgreSQL)
#        STEWARD_BIN=path/to/steward (a release build made already)
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${1:-100000}
OWNED=${2:-2000}
TASKS=${3:-10000}
PORT=${BENCH_PORT:-18093}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
PASSWORD=steward-bench-2026
mkdir -p "$BENCH_DIR"
# STEWARD_BIN: a steward binary already built (skips the release build).
if [ -z "${STEWARD_BIN:-}" ]; then cargo build --release -p server --bin steward; fi
STEWARD="${STEWARD_BIN:-$CARGO_TARGET_DIR/release/steward}"
BASE="http://127.0.0.1:$PORT"

if [[ "${STEWARD_DATABASE_URL:-}" == postgres* ]]; then
  db_name=${STEWARD_DATABASE_URL##*/}
  server_url=${STEWARD_DATABASE_URL%/*}
  psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS $db_name" >/dev/null
  psql "$server_url/postgres" -qc "CREATE DATABASE $db_name" >/dev/null
  export STEWARD_DATA_DIR="$BENCH_DIR/playbooks-pg"
else
  export STEWARD_DATA_DIR="$BENCH_DIR/playbooks-$ACCOUNTS"
  rm -rf "$STEWARD_DATA_DIR"
fi
mkdir -p "$STEWARD_DATA_DIR"
export STEWARD_LOG=warn
start=$(date +%s)
"$STEWARD" seed-bench --accounts "$ACCOUNTS"
"$STEWARD" seed-work --accounts "$OWNED" --tasks "$TASKS"
echo "seeded in $(( $(date +%s) - start )) s"

STEWARD_BIND="127.0.0.1:$PORT" STEWARD_SCHEDULER=false "$STEWARD" serve &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -fs "$BASE/healthz" >/dev/null 2>&1; do sleep 0.1; done
token=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"bench@steward.local\",\"password\":\"$PASSWORD\"}" |
  python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
curl -fs -X POST "$BASE/api/v1/playbooks/library" -H "Authorization: Bearer $token" \
  -H 'content-type: application/json' -d '{}' >/dev/null
kill $pid; wait $pid 2>/dev/null || true

for run in first second third; do
  t0=$(date +%s.%N)
  report=$("$STEWARD" jobs run playbooks | tr -d '\n ')
  t1=$(date +%s.%N)
  printf '%-6s sweep: %6.2f s  %s\n' "$run" "$(echo "$t1 - $t0" | bc)" "$report"
done

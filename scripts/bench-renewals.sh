#!/usr/bin/env bash
# Benchmarks of the health/contracts/renewals issue's figures, on SQLite:
#   - one `health-scores` run over every account (target < 10 s)
#   - one `renewal-reminders` run: opens the renewals entering the horizon,
#     finds the day's due reminders and escalations among all contracts and
#     queues each in the outbox with its reminder-log claim (target < 2 s);
#     delivery is not timed (no SMTP: the outbox writes .eml files)
#   - GET /api/v1/dashboard as a manager (the whole workspace): the time of
#     an uncached computation (the first request, and one after the 30 s
#     cache expired), then wrk at CONNECTIONS (target p99 < 100 ms; served
#     from the 30 s portfolio cache, which portfolios of 1,000+ accounts use)
#   scripts/bench-renewals.sh [ACCOUNTS=100000] [TICKETS=1000000] [CONTRACTS=100000] [CONNECTIONS=16] [DURATION=20s]
# Job times are measured inside the server (the job report's duration_ms);
# the HTTP round trip is printed next to them. Accounts and tickets are
# seeded once into ~/.cache/steward/bench (several minutes for a million
# tickets) and reused; the contracts are seeded on each run's copy, so their
# dates (ends, renewals, reminders already sent) are relative to today.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${1:-100000}
TICKETS=${2:-1000000}
CONTRACTS=${3:-100000}
CONNECTIONS=${4:-16}
DURATION=${5:-20s}
PORT=${BENCH_PORT:-18082}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
mkdir -p "$BENCH_DIR"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }
cargo build --release -p server --bin steward
STEWARD="$CARGO_TARGET_DIR/release/steward"
BASE="http://127.0.0.1:$PORT"

DATA="$BENCH_DIR/accounts-tickets-$ACCOUNTS-$TICKETS"
if [ ! -f "$DATA/seeded" ]; then
  rm -rf "$DATA" && mkdir -p "$DATA"
  echo "seeding $ACCOUNTS accounts and $TICKETS tickets…"
  start=$(date +%s)
  STEWARD_DATA_DIR="$DATA" STEWARD_LOG=warn "$STEWARD" seed-bench \
    --accounts "$ACCOUNTS" --tickets "$TICKETS"
  echo "seeded in $(( $(date +%s) - start )) s"
  touch "$DATA/seeded"
fi
# A copy per run: the contracts are dated from today and the jobs write.
RUN="$BENCH_DIR/run-renewals"
rm -rf "$RUN" && mkdir -p "$RUN"
cp -r "$DATA"/. "$RUN"/
start_ns=$(date +%s%N)
STEWARD_DATA_DIR="$RUN" STEWARD_LOG=warn "$STEWARD" seed-bench --accounts 0 --contracts "$CONTRACTS"
echo "== seeded $CONTRACTS contracts in $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"

STEWARD_DATA_DIR="$RUN" STEWARD_BIND="127.0.0.1:$PORT" STEWARD_LOG=warn STEWARD_SCHEDULER=false "$STEWARD" serve &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -fs "$BASE/healthz" >/dev/null 2>&1; do sleep 0.05; done
json() { python3 -c "import sys,json;print(json.load(sys.stdin)$1)"; }
login() {
  curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"steward-bench-2026\"}" | json '["access_token"]'
}
admin=$(login bench@steward.local)
manager=$(login bench-manager@steward.local)

job() {
  local name=$1 start_ns end_ns report
  start_ns=$(date +%s%N)
  report=$(curl -fs -X POST -H "Authorization: Bearer $admin" -H 'content-type: application/json' \
    "$BASE/api/v1/admin/jobs/$name/run" -d '{}')
  end_ns=$(date +%s%N)
  echo "== $name: $(echo "$report" | json '["duration_ms"]') ms in the server" \
    "($(( (end_ns - start_ns) / 1000000 )) ms HTTP round trip): $(echo "$report" | json '["summary"]')"
}
job health-scores
job renewal-reminders
job renewal-reminders

dashboard_once() {
  curl -fs -o "${1:-/dev/null}" -w '%{time_total}' -H "Authorization: Bearer $manager" "$BASE/api/v1/dashboard" \
    | python3 -c 'import sys;print(round(float(sys.stdin.read())*1000))'
}
body=$(mktemp)
first=$(dashboard_once "$body")
summary=$(python3 -c '
import sys, json
d = json.load(open(sys.argv[1]))
print("accounts", d["accounts_total"], "| bands", {b["band"]: b["count"] for b in d["accounts_by_band"]},
      "| renewals due in 90 days", d["renewals_due"][2]["count"], "| open tickets", d["open_tickets"],
      "| at-risk listed", len(d["at_risk_accounts"]))' "$body")
rm -f "$body"
echo "== dashboard as a manager, first request (computed): ${first} ms — $summary"
echo "== dashboard, next request (cached): $(dashboard_once) ms"
echo "== GET /api/v1/dashboard as a manager, $CONNECTIONS connections, $DURATION (from the cache):"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $manager" "$BASE/api/v1/dashboard" \
  | grep -E "Requests/sec|Latency |50%|90%|99%|requests in|Non-2xx"
# Uncached: wait for the cache entry to expire; the next request computes.
for n in 1 2; do
  sleep 31
  echo "== dashboard computed afresh (cache expired), run $n: $(dashboard_once) ms"
done

#!/usr/bin/env bash
# Knowledge-base sentence search under load (issue 11), on SQLite or, with
# STEWARD_DATABASE_URL=postgres://…, on PostgreSQL:
#   scripts/bench-kb.sh [ARTICLES=10000] [CONNECTIONS=32] [DURATION=20s]
# Seeds a workspace with ARTICLES articles (`steward seed-bench --articles`:
# the vendor's manual, copied and numbered) once into ~/.cache/steward/bench,
# then replays every sentence of the relevance test set
# (server/tests/api/kb_relevance.json) round-robin with wrk through
#   - the portal search page's request   GET /portal/kb/search?limit=20&q=…
#   - the new-ticket suggestions         GET /portal/kb/search?limit=5&q=…&module=…
#   - the staff list with a sentence     GET /kb/articles?limit=20&match=any&q=…
# and prints requests/s and the latency percentiles (p99 target: 20 ms).
set -euo pipefail
cd "$(dirname "$0")/.."
ARTICLES=${1:-10000}
CONNECTIONS=${2:-32}
DURATION=${3:-20s}
PORT=${BENCH_PORT:-18083}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
mkdir -p "$BENCH_DIR"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }
cargo build --release -p server --bin steward
STEWARD="$CARGO_TARGET_DIR/release/steward"
BASE="http://127.0.0.1:$PORT"

if [ -n "${STEWARD_DATABASE_URL:-}" ]; then
  DATA="$BENCH_DIR/kb-pg-$ARTICLES"
else
  DATA="$BENCH_DIR/kb-$ARTICLES"
fi
if [ ! -f "$DATA/seeded" ]; then
  rm -rf "$DATA" && mkdir -p "$DATA"
  echo "seeding $ARTICLES articles…"
  start=$(date +%s)
  STEWARD_DATA_DIR="$DATA" STEWARD_LOG=warn "$STEWARD" seed-bench --accounts 10 --articles "$ARTICLES"
  echo "seeded in $(( $(date +%s) - start )) s"
  touch "$DATA/seeded"
fi

STEWARD_DATA_DIR="$DATA" STEWARD_BIND="127.0.0.1:$PORT" STEWARD_LOG=warn STEWARD_SCHEDULER=false "$STEWARD" serve &
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

# One wrk script per request shape: every sentence in turn.
lua() {
  python3 - "$1" > "$2" <<'PY'
import json, sys, urllib.parse
shape = sys.argv[1]
manual = {a["key"]: a for a in json.load(open("server/data/kb_manual.json"))}
paths = []
for case in json.load(open("server/tests/api/kb_relevance.json")):
    q = urllib.parse.quote(case["sentence"], safe="")
    module = manual[case["article"]]["module"]
    paths.append({
        "search": f"/api/v1/portal/kb/search?limit=20&q={q}",
        "suggest": f"/api/v1/portal/kb/search?limit=5&q={q}&module={module}",
        "staff": f"/api/v1/kb/articles?limit=20&match=any&q={q}",
    }[shape])
print("local paths = {" + ",".join(json.dumps(p) for p in paths) + "}")
print("local n = 0")
print("request = function() n = n % #paths + 1; return wrk.format('GET', paths[n]) end")
PY
}
run() {
  local label=$1 tok=$2 shape=$3 conns=${4:-$CONNECTIONS}
  local script="$BENCH_DIR/kb-$shape.lua"
  lua "$shape" "$script"
  echo "== $label ($ARTICLES articles), $conns connections"
  wrk -t2 -c"$conns" -d"$DURATION" --latency -s "$script" -H "Authorization: Bearer $tok" "$BASE" \
    | grep -E "Requests/sec|Latency |50%|90%|99%|requests in|Non-2xx"
}
run "portal KB search, sentences" "$portal_token" search
run "new-ticket suggestions, sentences" "$portal_token" suggest
run "staff KB list, sentences" "$token" staff
run "portal KB search, sentences" "$portal_token" search 4

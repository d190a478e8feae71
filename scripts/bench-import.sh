#!/usr/bin/env bash
# Import throughput (issue 14): a CSV of ACCOUNTS accounts and one of
# 2×ACCOUNTS contacts (UTF-8, Chinese headers, every row valid), imported
# for real through POST /api/v1/imports into a fresh SQLite workspace (or
# PostgreSQL with STEWARD_DATABASE_URL=postgres://…/db, dropped first).
#   scripts/bench-import.sh [ACCOUNTS=100000]
# Then imports both again, as users do with a corrected sheet: every row
# is found by its key and unchanged.
# Prints each import's wall time (upload to `done`), rows per second, and
# the server's peak resident memory before and after (VmHWM): the files
# are streamed, so the peak should not grow with the file.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${1:-100000}
PORT=${BENCH_PORT:-18087}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/steward/bench}
DATA="$BENCH_DIR/import-$ACCOUNTS"
mkdir -p "$BENCH_DIR"
cargo build --release -p server --bin steward
STEWARD="$CARGO_TARGET_DIR/release/steward"
BASE="http://127.0.0.1:$PORT"

rm -rf "$DATA" && mkdir -p "$DATA"
if [ -n "${STEWARD_DATABASE_URL:-}" ]; then
  db="${STEWARD_DATABASE_URL##*/}"
  psql "${STEWARD_DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
fi
echo "generating $ACCOUNTS accounts and $((ACCOUNTS * 2)) contacts…"
python3 - "$ACCOUNTS" "$DATA" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
cities = ["上海", "苏州", "杭州", "宁波", "无锡", "南京", "合肥", "东莞"]
trades = ["精密机械", "电子科技", "包装材料", "汽车零部件", "纺织", "化工", "食品", "家具"]
modules = ["财务、销售", "财务", "仓存、采购", "车间生产、计划", "财务、销售、仓存"]
with open(f"{out}/accounts.csv", "w", encoding="utf-8-sig") as f:
    f.write("客户编码,客户名称,行业,客户分级,阶段,模块\n")
    for i in range(n):
        f.write(f"{i + 1:07d},{cities[i % 8]}{trades[(i // 8) % 8]}有限公司{i},{trades[i % 8]},{'ABC'[i % 3]},应用,\"{modules[i % 5]}\"\n")
with open(f"{out}/contacts.csv", "w", encoding="utf-8-sig") as f:
    f.write("客户编码,姓名,邮箱,手机号,职务,负责模块\n")
    for i in range(2 * n):
        a = i // 2 + 1
        f.write(f"{a:07d},联系人{i},contact{i}@customer{a}.example.cn,138{i % 100000000:08d},{'财务经理' if i % 2 == 0 else '仓库主管'},{'财务' if i % 2 == 0 else '仓存'}\n")
PY
ls -l "$DATA"/*.csv | awk '{print $5, $9}'

STEWARD_DATA_DIR="$DATA/data" STEWARD_LOG=warn "$STEWARD" seed-bench --accounts 1 >/dev/null
STEWARD_DATA_DIR="$DATA/data" STEWARD_BIND="127.0.0.1:$PORT" STEWARD_LOG=warn STEWARD_SCHEDULER=false "$STEWARD" serve &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -fs "$BASE/healthz" >/dev/null 2>&1; do sleep 0.05; done
json() { python3 -c "import sys,json;print(json.load(sys.stdin)$1)"; }
token=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@steward.local","password":"steward-bench-2026"}' | json '["access_token"]')
hwm() { awk '/VmHWM/{printf "%d MB", $2/1024}' "/proc/$pid/status"; }
echo "server peak memory before: $(hwm)"

run() {
  local kind=$1 file=$2 start id status body
  start=$(date +%s.%N)
  id=$(curl -fs -X POST "$BASE/api/v1/imports" -H "Authorization: Bearer $token" \
    -F "file=@$file" -F "kind=$kind" -F "mode=commit" | json '["id"]')
  while true; do
    body=$(curl -fs "$BASE/api/v1/imports/$id" -H "Authorization: Bearer $token")
    status=$(echo "$body" | json '["status"]')
    [ "$status" = done ] || [ "$status" = failed ] && break
    sleep 0.2
  done
  python3 - "$start" "$(date +%s.%N)" "$kind" "$body" <<'PY'
import json, sys
start, end, kind, body = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
secs = end - start
print(f"{kind}: {body['status']}, {body['rows_done']} rows in {secs:.1f} s ({body['rows_done'] / secs:,.0f} rows/s); "
      f"created {body['created']}, updated {body['updated']}, unchanged {body['unchanged']}, failed {body['failed']}")
PY
}
run accounts "$DATA/accounts.csv"
echo "server peak memory: $(hwm)"
run contacts "$DATA/contacts.csv"
echo "server peak memory: $(hwm)"
# What users do next: the same files again (every row found, unchanged).
echo "again, the same files:"
run accounts "$DATA/accounts.csv"
run contacts "$DATA/contacts.csv"
echo "server peak memory: $(hwm)"

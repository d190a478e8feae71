#!/usr/bin/env bash
# The schema-driven API fuzzer: schemathesis (pinned, in a virtualenv the
# script makes) against a server seeded with the demo workspace, with an
# admin token, every operation but logout, `--checks all` except two:
# fails on any 5xx, any answer that breaks its documented schema, any
# undocumented status or content type, any invalid request accepted, any
# method a path does not take answered with anything but 405 + Allow.
#
# Not checked yet: positive_data_acceptance ("a schema-valid request is
# accepted"). The document cannot say everything the server checks: opaque
# cursors, cross-field rules (ends_on after starts_on), references to rows
# that do not exist, state rules (a closed ticket is final), non-blank
# strings. The 2026-12-03 run counted 75 such refusals (all 422 with a
# field error, none a 5xx); issue 12 tracks documenting what can be.
# Nor ensure_resource_availability: its one finding is a link it infers
# itself (see scripts/fuzz/schemathesis.toml, whose per-operation switch the
# stateful phase does not honour in 4.32.5).
#
#   scripts/fuzz-api.sh                      SQLite (a scratch file)
#   STEWARD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_fuzz scripts/fuzz-api.sh
#   env: MAX_EXAMPLES=15  (per operation)  STEWARD_BIN=path/to/steward
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}"
SCHEMATHESIS_VERSION="4.32.5"
VENV="${STEWARD_VENV:-$HOME/.cache/steward/venv}"
MAX_EXAMPLES="${MAX_EXAMPLES:-15}"
PORT="${FUZZ_PORT:-18095}"
BASE="http://127.0.0.1:$PORT"

if [ ! -x "$VENV/bin/schemathesis" ] \
  || ! "$VENV/bin/pip" show schemathesis 2>/dev/null | grep -qx "Version: $SCHEMATHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ -z "${STEWARD_BIN:-}" ]; then
  cargo build -p server --bin steward
  STEWARD_BIN="$CARGO_TARGET_DIR/debug/steward"
fi

scratch=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

if [[ "${STEWARD_DATABASE_URL:-}" == postgres* ]]; then
  db_name=${STEWARD_DATABASE_URL##*/}
  server_url=${STEWARD_DATABASE_URL%/*}
  psql "$server_url/postgres" -qc "drop database if exists $db_name" >/dev/null
  psql "$server_url/postgres" -qc "create database $db_name" >/dev/null
else
  export STEWARD_DATABASE_URL="sqlite://$scratch/fuzz.db?mode=rwc"
fi
export STEWARD_BIND="127.0.0.1:$PORT"
export STEWARD_PUBLIC_URL="$BASE"
export STEWARD_SCHEDULER=false
export STEWARD_LOG="${STEWARD_LOG:-error}"
# The fuzzer signs in many times; the login limits are not what it tests.
export STEWARD_LOGIN_MAX_FAILURES_PER_ACCOUNT=1000000
export STEWARD_LOGIN_MAX_FAILURES_PER_IP=1000000
export STEWARD_DATA_DIR="$scratch/data"

"$STEWARD_BIN" seed-demo >/dev/null
"$STEWARD_BIN" serve >"$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
token=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"admin@demo.steward.local","password":"steward-demo-2026"}' |
  python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')

start=$(date +%s)
status=0
# Hooks: how to write the media types schemathesis does not know (raw e-mail).
export PYTHONPATH="$PWD/scripts/fuzz${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=hooks
"$VENV/bin/schemathesis" --config-file scripts/fuzz/schemathesis.toml \
  run "$BASE/api/openapi.json" \
  --url "$BASE" \
  --checks all \
  --exclude-checks positive_data_acceptance,ensure_resource_availability \
  --exclude-path /api/v1/auth/logout \
  --max-examples "$MAX_EXAMPLES" \
  --header "Authorization: Bearer $token" \
  --suppress-health-check all \
  --seed "${FUZZ_SEED:-20261202}" \
  --max-time "${FUZZ_MAX_TIME:-300}" \
  --report junit --report-dir "${FUZZ_REPORT_DIR:-$HOME/.cache/steward/fuzz-report}" \
  --no-color || status=$?
echo "schemathesis finished in $(( $(date +%s) - start )) s (exit $status)"
if grep -q "panicked" "$scratch/server.log"; then
  echo "the server panicked:"; grep -A5 "panicked" "$scratch/server.log"; status=1
fi
exit "$status"

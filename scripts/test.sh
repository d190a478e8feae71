#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   formatting and lints (server and, for wasm32, the SPA) → unit and
#   integration tests on SQLite → the integration tests again on PostgreSQL →
#   the cluster drills (3 replicas behind nginx, PostgreSQL) →
#   the schema-driven API fuzzer on both → the SPA build → real-browser
#   end-to-end tests.
# PostgreSQL: STEWARD_TEST_POSTGRES_URL if set, else the local server on
# 127.0.0.1:5432 when it answers, else a throwaway cluster the tests start.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}"
export STEWARD_WASM_TARGET_DIR="${STEWARD_WASM_TARGET_DIR:-$CARGO_TARGET_DIR}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export TMPDIR="${STEWARD_TEST_TMPDIR:-$HOME/.cache/steward/tmp}"
mkdir -p "$TMPDIR"
step() { printf '\n=== %s\n' "$*"; }

step "tools"
scripts/install-tools.sh

step "cargo fmt --check"
cargo fmt --all --check

step "clippy (host crates)"
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
step "clippy (SPA, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "unit tests and API tests on SQLite"
cargo test --workspace --exclude frontend --exclude e2e
cargo test -p frontend

step "API tests on PostgreSQL"
if [ -z "${STEWARD_TEST_POSTGRES_URL:-}" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  export STEWARD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432"
fi
# Drop the databases earlier runs left behind.
if [ -n "${STEWARD_TEST_POSTGRES_URL:-}" ] && command -v psql >/dev/null; then
  psql "$STEWARD_TEST_POSTGRES_URL/postgres" -Atqc \
    "select datname from pg_database where datname like 'steward_t_%'" 2>/dev/null |
    while read -r db; do psql "$STEWARD_TEST_POSTGRES_URL/postgres" -qc "drop database if exists $db" >/dev/null 2>&1 || true; done
fi
STEWARD_TEST_BACKEND=postgres cargo test -p server --test api

step "cluster drills: 3 replicas behind nginx on PostgreSQL"
# Spread load, kill -9 of a replica, rolling restart (scripts/cluster.sh).
cargo test -p server --test cluster

step "API fuzzer (schemathesis) on SQLite and PostgreSQL"
scripts/fuzz-api.sh
if [ -n "${STEWARD_TEST_POSTGRES_URL:-}" ]; then
  STEWARD_DATABASE_URL="$STEWARD_TEST_POSTGRES_URL/steward_fuzz" scripts/fuzz-api.sh
fi

step "SPA build"
scripts/build-frontend.sh

step "browser end-to-end tests"
cargo test -p e2e -- --test-threads=1

step "all tests passed"

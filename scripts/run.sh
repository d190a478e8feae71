#!/usr/bin/env bash
# Runs Steward on http://127.0.0.1:8080 (SQLite under ./data unless
# STEWARD_DATABASE_URL says otherwise), building the web app and the server
# first when needed. Configure with STEWARD_* variables or a file, e.g.
#   STEWARD_BIND=0.0.0.0:8080 scripts/run.sh
#   scripts/run.sh --config steward.toml
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/steward/target}"
export STEWARD_WASM_TARGET_DIR="${STEWARD_WASM_TARGET_DIR:-$CARGO_TARGET_DIR}"
scripts/install-tools.sh build
scripts/build-frontend.sh
cargo build --release -p server --bin steward
exec "$CARGO_TARGET_DIR/release/steward" serve "$@"

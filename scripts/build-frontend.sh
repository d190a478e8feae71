#!/usr/bin/env bash
# Builds the Steward SPA (frontend/, Leptos CSR) into frontend/dist/:
#   index.html                      no inline script or style (strict CSP)
#   app-<hash>/                     the app; its name changes with its content,
#                                   so everything in it is cached for a year
#     boot.js                       imports the app and starts it
#     frontend.js                   wasm-bindgen glue
#     frontend_bg.wasm              what start-up needs: shell, login, shared
#                                   components (wasm-opt -Oz)
#     split_page_*.wasm, chunk_*.wasm
#                                   each page's code, fetched when the page is
#                                   first opened (#[lazy] in app.rs; cut by
#                                   wasm-split-cli), and code pages share
#     __wasm_split.js               the loader of those chunks
#   style-<hash>.css, favicon-<hash>.svg
#   *.gz, *.br                      precompressed copies of the wasm/js/css
#
# Idempotent: installs what is missing (wasm32 target, wasm-bindgen CLI of
# the version in Cargo.lock, wasm-split-cli, wasm-opt from npm) and skips the
# build when no input changed since the last one (a hash of the sources is
# kept in dist/.source-hash). `--force` rebuilds anyway.
#
# Environment:
#   STEWARD_WASM_TARGET_DIR  cargo target dir for the WASM build
#                            (default ~/.cache/steward/wasm-target, apart from
#                            the server's so the two builds do not block)
#   STEWARD_TOOLS_DIR        where npm installs binaryen (default ~/.cache/steward/tools)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FRONTEND="$ROOT/frontend"
DIST="$FRONTEND/dist"
TARGET_DIR="${STEWARD_WASM_TARGET_DIR:-$HOME/.cache/steward/wasm-target}"
TOOLS="${STEWARD_TOOLS_DIR:-$HOME/.cache/steward/tools}"
PROFILE="wasm-release"
BINARYEN_VERSION="132"
WASM_SPLIT_VERSION="0.2.4"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

log() { printf '[build-frontend] %s\n' "$*" >&2; }

gzip_size() { gzip -9 -n -c "$1" | wc -c | tr -d ' '; }

# Everything the output depends on.
source_hash() {
  (
    cd "$ROOT"
    find frontend/src frontend/Cargo.toml frontend/index.html frontend/style.css \
      frontend/favicon.svg shared/src shared/Cargo.toml Cargo.lock Cargo.toml \
      rust-toolchain.toml scripts/build-frontend.sh -type f -print0 2>/dev/null |
      LC_ALL=C sort -z | xargs -0 sha256sum
  ) | sha256sum | cut -c1-64
}

report() {
  local wasm
  wasm="$(find "$DIST" -maxdepth 2 -path '*/app-*/frontend_bg.wasm' | head -n1)"
  if [[ -n "$wasm" ]]; then
    log "start-up wasm $(basename "$(dirname "$wasm")")/$(basename "$wasm"): $(wc -c <"$wasm" | tr -d ' ') bytes; gzip -9: $(gzip_size "$wasm") bytes"
    [[ -f "$wasm.gz" ]] && log "  served precompressed: .gz $(wc -c <"$wasm.gz" | tr -d ' ') bytes"
    [[ -f "$wasm.br" ]] && log "  served precompressed: .br $(wc -c <"$wasm.br" | tr -d ' ') bytes"
  fi
  return 0
}

HASH="$(source_hash)"
if [[ $FORCE -eq 0 && -f "$DIST/index.html" && -f "$DIST/.source-hash" && "$(cat "$DIST/.source-hash")" == "$HASH" ]]; then
  log "sources unchanged since the last build; dist/ is up to date (--force rebuilds)"
  report
  exit 0
fi

# --- tools -------------------------------------------------------------------

if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
    log "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
fi

# The CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
WB_VERSION="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
if [[ -z "$WB_VERSION" ]]; then
  log "cannot find wasm-bindgen in Cargo.lock"
  exit 1
fi
if [[ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]]; then
  log "installing wasm-bindgen-cli $WB_VERSION (a few minutes, once)"
  # Not --locked: its lock file names a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

# wasm-split-cli cuts the app into the start-up module and lazy chunks at
# the #[lazy] functions (the splitter Leptos' own build tool uses).
if ! command -v wasm-split-cli >/dev/null 2>&1 ||
  ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  log "installing wasm-split-cli $WASM_SPLIT_VERSION (a minute, once)"
  cargo install --locked wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary
fi

# wasm-opt from npm's binaryen: Debian's binaryen is too old for current
# wasm-bindgen output (the page dies in WebAssembly.Table.set).
WASM_OPT="$TOOLS/node_modules/.bin/wasm-opt"
if [[ ! -x "$WASM_OPT" ]] || ! "$WASM_OPT" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  if command -v npm >/dev/null 2>&1; then
    log "installing binaryen@$BINARYEN_VERSION (wasm-opt) under $TOOLS"
    mkdir -p "$TOOLS"
    npm i --prefix "$TOOLS" --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >&2
  fi
fi
if [[ ! -x "$WASM_OPT" ]]; then
  log "WARNING: wasm-opt unavailable (no npm?); the WASM will be larger"
  WASM_OPT=""
fi

# --- build -------------------------------------------------------------------

# `erase_components` makes Leptos type-erase every component's view: far
# less generic code, so a much smaller WASM (and a faster build).
# `--emit-relocs` keeps the relocations wasm-split-cli needs to cut the module.
WASM_RUSTFLAGS="${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS:---cfg erase_components} -Clink-args=--emit-relocs"
log "cargo build -p frontend --profile $PROFILE --target wasm32-unknown-unknown ($WASM_RUSTFLAGS)"
(cd "$ROOT" && CARGO_TARGET_DIR="$TARGET_DIR" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$WASM_RUSTFLAGS" \
  cargo build -p frontend --profile "$PROFILE" --target wasm32-unknown-unknown)
RAW_WASM="$TARGET_DIR/wasm32-unknown-unknown/$PROFILE/frontend.wasm"

STAGE="$(mktemp -d "$FRONTEND/.dist-build.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
APP="$STAGE/app"
mkdir -p "$STAGE/split" "$APP" "$STAGE/out"

log "wasm-split-cli: start-up module and lazy chunks"
wasm-split-cli "$RAW_WASM" "$STAGE/split" --target web --out-name frontend
# --keep-lld-exports: the chunks import the function table from the main module.
wasm-bindgen --target web --no-typescript --keep-lld-exports --out-name frontend \
  --out-dir "$STAGE/bindgen" "$STAGE/split/frontend.wasm"

opt() {
  # The features Rust enables by default for wasm32-unknown-unknown. Its
  # warnings about the splitter's name sections are noise; errors are not.
  local out
  out="$("$WASM_OPT" -Oz \
    --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-multivalue \
    -o "$2" "$1" 2>&1)" || { printf '%s\n' "$out" >&2; return 1; }
}
if [[ -n "$WASM_OPT" ]]; then
  log "wasm-opt -Oz (start-up module and chunks)"
  opt "$STAGE/bindgen/frontend_bg.wasm" "$APP/frontend_bg.wasm"
  export -f opt
  export WASM_OPT APP
  find "$STAGE/split" -name '*.wasm' ! -name frontend.wasm -print0 |
    xargs -0 -P "$(nproc)" -I{} bash -c 'opt "$1" "$APP/$(basename "$1")"' _ {}
else
  cp "$STAGE/bindgen/frontend_bg.wasm" "$APP/"
  find "$STAGE/split" -name '*.wasm' ! -name frontend.wasm -exec cp {} "$APP/" \;
fi
cp "$STAGE/bindgen/frontend.js" "$STAGE/split/__wasm_split.js" "$APP/"
# wasm-bindgen puts inline JS of dependencies under snippets/, imported by
# relative path from the glue; keep that layout.
if [[ -d "$STAGE/bindgen/snippets" ]]; then
  cp -r "$STAGE/bindgen/snippets" "$APP/snippets"
fi
# An external module starts the app: the CSP allows no inline script.
cat >"$APP/boot.js" <<'EOF2'
import init from './frontend.js';
init({ module_or_path: new URL('./frontend_bg.wasm', import.meta.url) });
EOF2

short_hash() { sha256sum "$1" | cut -c1-16; }
tree_hash() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }

OUT="$STAGE/out"
APP_NAME="app-$(tree_hash "$APP")"
mv "$APP" "$OUT/$APP_NAME"

CSS_NAME="style-$(short_hash "$FRONTEND/style.css").css"
cp "$FRONTEND/style.css" "$OUT/$CSS_NAME"

ICON_NAME="favicon-$(short_hash "$FRONTEND/favicon.svg").svg"
cp "$FRONTEND/favicon.svg" "$OUT/$ICON_NAME"

sed -e "s|{{WASM}}|$APP_NAME/frontend_bg.wasm|g" -e "s|{{JS}}|$APP_NAME/frontend.js|g" \
  -e "s|{{BOOT}}|$APP_NAME/boot.js|g" \
  -e "s|{{STYLE}}|$CSS_NAME|g" -e "s|{{FAVICON}}|$ICON_NAME|g" \
  "$FRONTEND/index.html" >"$OUT/index.html"
if grep -q '{{' "$OUT/index.html"; then
  log "index.html has an unfilled placeholder"
  exit 1
fi

# Precompressed copies. zopfli writes ordinary gzip ~5% smaller than
# gzip -9 (used when installed: `apt-get install zopfli`); brotli (.br)
# comes from node's zlib when node is there (one node for every file).
mapfile -d '' ASSETS < <(find "$OUT" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) -print0)
for f in "${ASSETS[@]}"; do
  if command -v zopfli >/dev/null 2>&1; then
    zopfli -c --i15 "$f" >"$f.gz"
  else
    gzip -9 -n -c "$f" >"$f.gz"
  fi
done
if command -v node >/dev/null 2>&1; then
  printf '%s\0' "${ASSETS[@]}" | node -e '
    const z = require("zlib"), fs = require("fs");
    const files = fs.readFileSync(0, "utf8").split("\0").filter(Boolean);
    for (const f of files) {
      fs.writeFileSync(f + ".br", z.brotliCompressSync(fs.readFileSync(f),
        { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }));
    }'
fi
echo "$HASH" >"$OUT/.source-hash"

# Swap the new dist in whole, so a running server never sees half of it.
rm -rf "$DIST.old"
[[ -d "$DIST" ]] && mv "$DIST" "$DIST.old"
mv "$OUT" "$DIST"
rm -rf "$DIST.old"

log "dist/: $(cd "$DIST" && ls | tr '\n' ' ')"
report

#!/usr/bin/env bash
# Installs, idempotently, what building and testing Steward needs beyond
# cargo: the wasm32 target, the wasm-bindgen CLI matching Cargo.lock,
# wasm-split-cli (cuts the web app into lazily loaded chunks),
# wasm-opt (binaryen from npm; Debian's is too old), Chromium and
# ChromeDriver and axe-core for the browser tests, wrk for the benchmark,
# nginx for the cluster drills,
# Dovecot for the e-mail-in tests (started by the tests themselves), and
# poppler-utils and Tesseract for the visit report PDF test, and moto (an
# S3 API server, in a venv under the tools folder) for the storage tests.
#   scripts/install-tools.sh          everything
#   scripts/install-tools.sh build    only what building the app needs
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT="${1:-all}"
TOOLS="${STEWARD_TOOLS_DIR:-$HOME/.cache/steward/tools}"

if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -n "$want" ] && [ "$want" != "$have" ]; then
  echo "installing wasm-bindgen-cli $want"
  cargo install wasm-bindgen-cli --version "$want"
fi

if ! cargo install --list | grep -qx "wasm_split_cli_support v0.2.4:"; then
  echo "installing wasm-split-cli 0.2.4"
  cargo install --locked wasm_split_cli_support --version 0.2.4 --features build-binary
fi

if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
  mkdir -p "$TOOLS"
  npm i --prefix "$TOOLS" --no-audit --no-fund binaryen@132 >/dev/null
fi

# zopfli writes the web app's precompressed .gz about 5% smaller than gzip -9;
# optional (the build falls back to gzip), so a failed install is not fatal.
if ! command -v zopfli >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq zopfli >/dev/null 2>&1 || echo "zopfli not installed; using gzip -9"
fi

[ "$WHAT" = build ] && exit 0

# axe-core: the browser tests inject axe.min.js and expect no WCAG violations.
AXE_VERSION="4.10.3"
if [ ! -f "$TOOLS/node_modules/axe-core/axe.min.js" ] \
  || ! grep -q "\"version\": \"$AXE_VERSION\"" "$TOOLS/node_modules/axe-core/package.json"; then
  mkdir -p "$TOOLS"
  echo "installing axe-core $AXE_VERSION"
  npm i --prefix "$TOOLS" --no-audit --no-fund "axe-core@$AXE_VERSION" >/dev/null
fi

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v wrk >/dev/null || missing+=(wrk)
# nginx: the load balancer of scripts/cluster.sh and the cluster drills
# (run as the current user with a generated config, not as a service).
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx-light)
# Dovecot: the e-mail-in tests start a throwaway IMAP server.
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
# CJK fonts, so headless screenshots show Chinese instead of empty boxes:
# WenQuanYi Zen Hei, and Noto Sans/Serif CJK (the face Chromium prefers for
# zh-CN, with every weight). Each only when it is not installed yet.
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing+=(fonts-wqy-zenhei)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
# The signed visit report test turns the PDF into a picture (pdftoppm) and
# reads the Chinese back from it (Tesseract with Simplified Chinese).
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v tesseract >/dev/null || missing+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] \
  || ls /usr/share/tesseract-ocr/*/tessdata/chi_sim.traineddata >/dev/null 2>&1 \
  || missing+=(tesseract-ocr-chi-sim)
# moto's S3 server: the storage tests start it as their S3-compatible store
# (server/tests/api/storage.rs looks in $TOOLS/moto first, then the PATH).
if [ ! -x "$TOOLS/moto/bin/moto_server" ]; then
  echo "installing moto[server] into $TOOLS/moto"
  mkdir -p "$TOOLS"
  python3 -m venv "$TOOLS/moto"
  "$TOOLS/moto/bin/pip" install -q 'moto[server]==5.*'
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq "${missing[@]}"
fi

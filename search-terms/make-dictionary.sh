#!/usr/bin/env bash
# Writes search-terms/data/dictionary.txt: jieba's general dictionary (from
# the jieba-rs crate in cargo's registry, MIT licence) cut to the words seen
# at least MIN_FREQ times (default 5) in its corpus, without part-of-speech
# tags, and without words holding upper-case letters (text is lower-cased
# before it is segmented, so they never match).
#
# Why: the whole dictionary (349,045 words) costs about 33 MB of memory in
# every server process; the words seen at least 5 times (about 136,000)
# cost about 8 MB and segment the manual's and the customers' sentences
# the same way, since ERP terms come from src/vocabulary.rs and what the
# dictionary lacks falls back to character pairs.
#
# Changing the dictionary changes the words stored for every KB article:
# add a migration that re-indexes them (see migrations/src/kb_reindex.rs).
set -euo pipefail
cd "$(dirname "$0")"
MIN_FREQ="${MIN_FREQ:-5}"
version=$(awk '/^name = "jieba-rs"$/{getline; gsub(/version = |"/, ""); print; exit}' ../Cargo.lock)
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"jieba-rs-$version" | head -1)
awk -v min="$MIN_FREQ" '$2 >= min && $1 !~ /[A-Z]/ { print $1, $2 }' "$src/src/data/dict.txt" \
  > data/dictionary.txt
wc -l data/dictionary.txt

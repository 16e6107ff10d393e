#!/usr/bin/env bash
# Size report for the wasm engine.
#
#   bash benches/size.sh              sizes of the current build (pkg/), at each step
#   bash benches/size.sh --profiles   also rebuild with opt-level 3, s and z (LTO on) in
#                                     target/size-exp/ and compare size and speed
#
# Needs ./build.sh to have run (wasm-bindgen in .tools/, wasm-opt in node_modules/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/.tools/bin:$PATH"

kib() { awk -v b="$1" 'BEGIN { printf "%8.1f KiB", b / 1024 }'; }
gz() { gzip -9 -c "$1" | wc -c; }
row() { printf '  %-44s %s raw  %s gzip -9\n' "$1" "$(kib "$(stat -c %s "$2")")" "$(kib "$(gz "$2")")"; }

report() { # $1 label, $2 cargo .wasm, $3 out dir
  local raw="$2" out="$3"
  rm -rf "$out" && mkdir -p "$out"
  wasm-bindgen --target web --experimental-reset-state-function --out-dir "$out" "$raw"
  node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/whycors_bg.wasm" -o "$out/whycors_bg.opt.wasm"
  echo "$1"
  row "cargo build (target/…/whycors.wasm)" "$raw"
  row "after wasm-bindgen --target web" "$out/whycors_bg.wasm"
  row "after wasm-opt -Oz (what ships)" "$out/whycors_bg.opt.wasm"
  row "JS glue (whycors.js)" "$out/whycors.js"
}

echo "whycors wasm size"
report "current build (Cargo.toml [profile.wasm-release])" target/wasm32-unknown-unknown/wasm-release/whycors.wasm target/size-exp/current

if [ "${1:-}" = "--profiles" ]; then
  for lvl in 3 s z; do
    echo
    CARGO_PROFILE_RELEASE_OPT_LEVEL="$lvl" CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
      cargo build --release --target wasm32-unknown-unknown --lib --target-dir "target/size-exp/target-$lvl" -q
    report "opt-level = $lvl, lto = true, codegen-units = 1" \
      "target/size-exp/target-$lvl/wasm32-unknown-unknown/release/whycors.wasm" "target/size-exp/opt-$lvl"
    mv -f "target/size-exp/opt-$lvl/whycors_bg.opt.wasm" "target/size-exp/opt-$lvl/whycors_bg.wasm"
    if [ -f tests/data/realistic.har ]; then
      WHYCORS_PKG="target/size-exp/opt-$lvl" node benches/wasm.mjs 2>/dev/null | grep -A2 -E 'full diagnosis, objects in and out|verdict only, objects' | sed 's/^/    /' || true
    fi
  done
fi

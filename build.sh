#!/usr/bin/env bash
# whycors build: installs what is missing, builds the CLI, the wasm package,
# the site and the extension; idempotent and quick when nothing changed.
#
#   ./build.sh          install what is missing, build everything
#   ./build.sh test     build, then every test: native, wasm (Node), end-to-end (headless browsers)
#   ./build.sh test-servers  build, then the real-server suite alone (tests/servers/; docs/servers.md)
#   ./build.sh lab      build, then start `whycors lab` (the lab page on http://127.0.0.1:8801/)
#   ./build.sh bench    build, then the native (criterion) and wasm benchmarks and the size report
#   ./build.sh bench-extension [--runs N] [--browser chromium|firefox|both]
#                       build, then what the extension costs a page (benches/extension.mjs)
#   ./build.sh readme   regenerate the reasons table in README.md from the registry
#
# Needs: Rust (rustup) and Node >= 20 with npm. Installs, when missing: the
# wasm32-unknown-unknown target, wasm-bindgen-cli at exactly Cargo.lock's
# wasm-bindgen version (into .tools/), the npm dev packages (never a browser
# download), Debian's binaryen (for its wasm-split), and for `test` only,
# Debian's chromium and firefox-esr.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$PWD"
TOOLS="$ROOT/.tools"
PKG="$ROOT/pkg"              # wasm-bindgen output (git-ignored)
WASM_EXT_INLINE=100           # LLVM inline threshold of the extension's wasm builds (build_wasm)
WWW_PKG="$ROOT/www/pkg"      # copy served by the lab and used by www/ (git-ignored)
WASM_TARGET=wasm32-unknown-unknown
CRATE=whycors

export PATH="$TOOLS/bin:$HOME/.cargo/bin:$PATH"
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif have sudo; then sudo "$@"
  else die "need root to run: $*"
  fi
}

# ---------------------------------------------------------------- tools

check_prerequisites() {
  have cargo || die "cargo not found: install Rust (https://rustup.rs), then re-run"
  have node || die "node not found: install Node.js >= 20 (with npm), then re-run"
  have npm || die "npm not found: install npm (comes with Node.js), then re-run"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node $major is too old: whycors needs Node >= 20"
}

ensure_wasm_target() {
  local libdir
  libdir="$(rustc --print target-libdir --target "$WASM_TARGET" 2>/dev/null || true)"
  if [ -n "$libdir" ] && ls "$libdir"/libcore-*.rlib >/dev/null 2>&1; then return; fi
  have rustup || die "the $WASM_TARGET target is missing and rustup is not installed"
  log "rustup target add $WASM_TARGET"
  rustup target add "$WASM_TARGET"
}

# The wasm-bindgen version Cargo.lock pins: the CLI must match it exactly.
locked_bindgen_version() {
  awk '/^\[\[package\]\]/{n=""} /^name = "wasm-bindgen"$/{n=1; next} n && /^version = /{gsub(/"/,"",$3); print $3; exit}' Cargo.lock
}

ensure_wasm_bindgen() {
  local want have_v=""
  # Brings Cargo.lock up to date with Cargo.toml first (no-op when it is).
  cargo metadata --format-version 1 >/dev/null
  want="$(locked_bindgen_version)"
  [ -n "$want" ] || die "no wasm-bindgen in Cargo.lock"
  if [ -x "$TOOLS/bin/wasm-bindgen" ] && [ -x "$TOOLS/bin/wasm-bindgen-test-runner" ]; then
    have_v="$("$TOOLS/bin/wasm-bindgen" --version | awk '{print $2}')"
  fi
  if [ "$have_v" = "$want" ]; then return; fi
  log "installing wasm-bindgen-cli $want into .tools/ (a few minutes, once)"
  # first; its lockfile can pin a crate the registry lacks, then without.
  cargo install wasm-bindgen-cli --version "=$want" --root "$TOOLS" --locked --force \
    || cargo install wasm-bindgen-cli --version "=$want" --root "$TOOLS" --force
  have_v="$("$TOOLS/bin/wasm-bindgen" --version | awk '{print $2}')"
  [ "$have_v" = "$want" ] || die "wasm-bindgen-cli is $have_v, Cargo.lock wants $want"
}

ensure_npm() {
  local stamp="node_modules/.whycors-npm-stamp" sum
  sum="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && [ -x node_modules/.bin/wasm-opt ]; then return; fi
  log "npm ci (no browser downloads)"
  npm ci --no-audit --no-fund
  printf '%s\n' "$sum" >"$stamp"
}

# wasm-split (extension/split.mjs): Debian's binaryen; the npm package has no
# wasm-split. Only wasm-split is used from it (its wasm-opt is older than
# npm's, which does every optimisation here).
ensure_wasm_split() {
  have wasm-split && return
  have apt-get || die "wasm-split is missing and apt-get is not available (Debian's binaryen)"
  log "installing binaryen from Debian (for wasm-split)"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends binaryen
}

ensure_browsers() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/firefox-esr ]; then return; fi
  have apt-get || die "chromium/firefox-esr missing and apt-get is not available"
  log "installing chromium and firefox-esr from Debian"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium firefox-esr
}

# ---------------------------------------------------------------- build

build_native() {
  log "cargo build --release (CLI)"
  cargo build --release
}

# Newest mtime among the inputs of a step (seconds since epoch).
newest() { find "$@" -type f -printf '%T@\n' 2>/dev/null | sort -n | tail -1 | cut -d. -f1; }
mtime() { stat -c %Y "$1" 2>/dev/null || echo 0; }

# One wasm build: cargo (features $2), then wasm-bindgen --out-name $1 and
# wasm-opt -Oz into pkg/ (skipped when pkg/ is newer than the cargo output).
# The cargo output is copied to target/…/$1.wasm only when it changed, so
# that the two builds (which share cargo's output name) do not redo each
# other's wasm-opt.
wasm_one() { # $1 out name, $2 cargo profile, rest: cargo feature arguments
  local name="$1" profile="$2"; shift 2
  log "cargo build --profile $profile --target $WASM_TARGET --lib $* ($name)"
  cargo build --profile "$profile" --target "$WASM_TARGET" --lib "$@"
  local built="target/$WASM_TARGET/$profile/$CRATE.wasm" raw="target/$WASM_TARGET/$profile/$name.wasm"
  [ -f "$built" ] || die "no $built after the wasm build"
  cmp -s "$built" "$raw" || cp -f "$built" "$raw"
  local out="$PKG/${name}_bg.wasm"
  if [ -f "$out" ] && [ -f "$PKG/$name.js" ] && [ -f "$PKG/$name.d.ts" ] \
     && [ "$(mtime "$out")" -ge "$(mtime "$raw")" ] \
     && [ "$(mtime "$out")" -ge "$(mtime "$TOOLS/bin/wasm-bindgen")" ]; then
    return
  fi
  log "wasm-bindgen --target web --out-name $name, wasm-opt -Oz -> pkg/"
  rm -rf "$PKG.tmp"
  wasm-bindgen --target web --experimental-reset-state-function --out-name "$name" --out-dir "$PKG.tmp" "$raw"
  # binaryen from npm (Debian's binaryen 108 writes broken modules).
  node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$PKG.tmp/${name}_bg.wasm" -o "$PKG.tmp/${name}_bg.opt.wasm"
  mv -f "$PKG.tmp/${name}_bg.opt.wasm" "$PKG.tmp/${name}_bg.wasm"
  mkdir -p "$PKG"
  local f
  for f in "$PKG.tmp"/*; do mv -f "$f" "$PKG/"; done
  rm -rf "$PKG.tmp"
}

# The extension's engine: one build (feature `report`), linked with its
# relocations (--emit-relocs), then wasm-bindgen, then extension/split.mjs
# cuts it in two (docs/extension.md): pkg/whycors_ext_bg.wasm, the module the
# background loads at start (the webRequest adapter and everything it
# reaches), and pkg/whycors_ext_report.wasm, the report's part, linked into
# an instance of that module when a diagnosis is asked for.
# The report runs in its own instance, so that a trap there never takes the
# adapter down: the background imports the same glue a second time, as
# whycors_ext.js?report (another URL, another module instance).
wasm_ext() {
  local name="${CRATE}_ext" profile=wasm-ext
  log "cargo build --profile $profile --target $WASM_TARGET --lib --no-default-features --features report ($name)"
  # LLVM's inline threshold raised from its "z" default (5) buys back the
  # speed for a little size (Cargo.toml, [profile.wasm-ext]).
  RUSTFLAGS="-C llvm-args=-inline-threshold=$WASM_EXT_INLINE -C link-arg=--emit-relocs" \
    cargo build --profile "$profile" --target "$WASM_TARGET" --lib --no-default-features --features report
  local built="target/$WASM_TARGET/$profile/$CRATE.wasm" raw="target/$WASM_TARGET/$profile/$name.wasm"
  [ -f "$built" ] || die "no $built after the wasm build"
  cmp -s "$built" "$raw" || cp -f "$built" "$raw"
  local f newer=1
  rm -f "$PKG/${name}_report.js" "$WWW_PKG/${name}_report.js" # the copy of the glue earlier builds made
  for f in "${name}_bg.wasm" "${name}_report.wasm" "$name.js" "$name.d.ts"; do
    [ -f "$PKG/$f" ] && [ "$(mtime "$PKG/$f")" -ge "$(mtime "$raw")" ] \
      && [ "$(mtime "$PKG/$f")" -ge "$(mtime extension/split.mjs)" ] \
      && [ "$(mtime "$PKG/$f")" -ge "$(mtime "$TOOLS/bin/wasm-bindgen")" ] || newer=0
  done
  [ "$newer" = 1 ] && return
  log "wasm-bindgen --target web --out-name $name, extension/split.mjs (wasm-split, wasm-opt -Oz) -> pkg/"
  rm -rf "$PKG.tmp"
  mkdir -p "$PKG.tmp"
  node extension/split.mjs --strip-relocs "$raw" "$PKG.tmp/$name.wasm"
  wasm-bindgen --target web --experimental-reset-state-function --no-demangle --out-name "$name" --out-dir "$PKG.tmp" "$PKG.tmp/$name.wasm"
  node extension/split.mjs "$raw" "$PKG.tmp/${name}_bg.wasm" "$PKG.tmp/${name}_bg.split.wasm" "$PKG.tmp/${name}_report.wasm" \
    webRequestView webRequestViewWith
  mv -f "$PKG.tmp/${name}_bg.split.wasm" "$PKG.tmp/${name}_bg.wasm"
  rm -f "$PKG.tmp/$name.wasm"
  mkdir -p "$PKG"
  for f in "$PKG.tmp"/*; do mv -f "$f" "$PKG/"; done
  rm -rf "$PKG.tmp"
}

build_wasm() {
  # Two engines (Cargo.toml [features]; docs/extension.md):
  #   whycors         the full engine (feature `full`, src/wasm.rs): www/ pages,
  #                   tests/js, tests/wasm.rs; profile wasm-release (opt-level
  #                   3, speed)
  #   whycors_ext     the extension's (feature `report`, src/wasm_bg.rs), cut
  #                   in two (wasm_ext); profile wasm-ext (opt-level "z", size)
  wasm_one "$CRATE" wasm-release
  wasm_ext
  # www/pkg: what the lab page, the playground and the extension build load.
  mkdir -p "$WWW_PKG"
  local f
  for f in "$CRATE.js" "$CRATE.d.ts" "${CRATE}_bg.wasm" "${CRATE}_bg.wasm.d.ts" \
           "${CRATE}_ext.js" "${CRATE}_ext.d.ts" "${CRATE}_ext_bg.wasm" "${CRATE}_ext_bg.wasm.d.ts" \
           "${CRATE}_ext_report.wasm"; do
    [ -f "$PKG/$f" ] || continue
    cmp -s "$PKG/$f" "$WWW_PKG/$f" || cp -f "$PKG/$f" "$WWW_PKG/$f"
  done
}

build_extension() {
  if [ -f extension/build.mjs ]; then
    log "node extension/build.mjs (dist/chrome, dist/firefox, zips)"
    node extension/build.mjs
  else
    log "extension/build.mjs not present yet: skipping the extension"
  fi
}

build_all() {
  check_prerequisites
  ensure_wasm_target
  ensure_npm
  ensure_wasm_bindgen
  ensure_wasm_split
  build_native
  build_wasm
  build_extension
}

# ---------------------------------------------------------------- real server stacks (tests/servers/, issue 9)

# Debian packages of the real-server suite: nginx, Apache httpd, Caddy, Go with
# rs/cors (GOPATH mode), Django/Flask/FastAPI with their CORS libraries for
# Debian's /usr/bin/python3. Express and cors come from package.json (npm ci);
# axum and tower-http from crates.io (tests/servers/axum/Cargo.lock).
SERVER_APT_PACKAGES=(nginx apache2 apache2-utils caddy golang-go golang-github-rs-cors-dev
  python3-django-cors-headers python3-flask-cors python3-fastapi python3-uvicorn)

ensure_server_stacks() {
  local t0=$SECONDS missing=() p
  for p in "${SERVER_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    have apt-get || die "server stacks missing (${missing[*]}) and apt-get is not available"
    log "installing the server stacks from Debian: ${missing[*]}"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
  log "building the axum server of tests/servers/ (its own Cargo project, target/servers/axum)"
  CARGO_TARGET_DIR="$ROOT/target/servers/axum" cargo build --locked -q --manifest-path tests/servers/axum/Cargo.toml
  log "server stacks ready in $((SECONDS - t0)) s"
}

run_server_tests() {
  suite "node --test tests/servers/ (real server stacks, live, in headless Chromium and Firefox ESR with the extension)" \
    node --test tests/servers/
  if [ -f target/servers/summary.txt ]; then log "$(cat target/servers/summary.txt)"; fi
}

# ---------------------------------------------------------------- commands

# Runs every suite, even after one fails (so CI shows every failure), and
# fails at the end if any did.
FAILED=()
suite() { # $1 name, rest: command
  local name="$1"; shift
  log "$name"
  if ! "$@"; then
    FAILED+=("$name")
    printf '\033[1;31m==> FAILED: %s\033[0m\n' "$name" >&2
  fi
}

ensure_clippy() {
  cargo clippy --version >/dev/null 2>&1 && return
  have rustup || die "cargo clippy is missing and rustup is not installed"
  log "rustup component add clippy"
  rustup component add clippy
}

# Lints: Cargo.toml's [lints] (no unwrap, expect or unchecked indexing outside
# tests) and every clippy warning, natively and in the three wasm builds
# (the adapter alone, the extension's engine, the full one).
lint_rust() {
  cargo clippy --all-targets --locked -- -D warnings &&
    cargo clippy --target "$WASM_TARGET" --no-default-features --lib --locked -- -D warnings &&
    cargo clippy --target "$WASM_TARGET" --no-default-features --features report --lib --locked -- -D warnings &&
    cargo clippy --target "$WASM_TARGET" --lib --locked -- -D warnings
}

run_tests() {
  ensure_clippy
  # Before any suite: the native tests drive Caddy too (tests/probe_net.rs,
  # HTTP/2 through ALPN), and on a fresh machine it comes with the stacks.
  ensure_browsers
  ensure_server_stacks
  suite "cargo clippy (native, all targets; wasm library), warnings are errors" lint_rust
  suite "web-ext lint dist/firefox (warnings are errors)" \
    node_modules/.bin/web-ext lint --source-dir dist/firefox --warnings-as-errors --no-input
  suite "cargo test (native)" cargo test --no-fail-fast
  suite "wasm-bindgen tests in Node (cargo test --target $WASM_TARGET --test wasm)" \
    env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$TOOLS/bin/wasm-bindgen-test-runner" \
    cargo test --target "$WASM_TARGET" --no-default-features --features full --test wasm
  suite "node --test tests/js/ (www/engine.js against the real wasm engine)" node --test tests/js/
  suite "size (benches/size.mjs: the ceilings CI holds, and how far issue 8's 150/300 KiB targets are)" \
    node benches/size.mjs
  if [ -d tests/e2e ] && [ -n "$(ls -A tests/e2e)" ]; then
    suite "node --test tests/e2e/ (headless Chromium and Firefox ESR)" node --test tests/e2e/
  else
    log "tests/e2e/ is empty: no end-to-end suites to run"
  fi
  run_server_tests
  if [ "${#FAILED[@]}" -gt 0 ]; then
    printf '\033[1;31m==> %d suite(s) failed:\033[0m\n' "${#FAILED[@]}" >&2
    printf '    %s\n' "${FAILED[@]}" >&2
    exit 1
  fi
  log "all tests passed"
}

regen_readme() {
  local table
  table="$(target/release/whycors reasons --markdown)"
  TABLE="$table" node -e '
    const fs = require("fs");
    const s = fs.readFileSync("README.md", "utf8");
    const a = "<!-- reasons:start -->", b = "<!-- reasons:end -->";
    const i = s.indexOf(a), j = s.indexOf(b);
    if (i < 0 || j < i) { console.error("README.md lacks the reasons markers"); process.exit(1); }
    const out = s.slice(0, i + a.length) + "\n" + process.env.TABLE.trim() + "\n" + s.slice(j);
    if (out !== s) { fs.writeFileSync("README.md", out); console.error("README.md: reasons table updated"); }
    else console.error("README.md: reasons table already up to date");
  '
}

cmd="${1:-build}"
case "$cmd" in
  build|"")
    build_all
    log "built: target/release/whycors, pkg/ and www/pkg/ (wasm), dist/ (extension, when extension/build.mjs exists)"
    ;;
  test)
    build_all
    run_tests
    ;;
  test-servers)
    build_all
    ensure_browsers
    ensure_server_stacks
    run_server_tests
    [ "${#FAILED[@]}" -eq 0 ] || exit 1
    ;;
  lab)
    build_all
    shift || true
    log "starting the lab: open http://127.0.0.1:8801/ (api on :8802, redirect target on :8803); Ctrl-C stops it"
    exec target/release/whycors lab "$@"
    ;;
  bench)
    build_all
    log "criterion (native)"
    cargo bench --bench engine
    log "native, the work of one wasm call"
    cargo bench --bench boundary
    log "wasm through the boundary (Node)"
    node benches/wasm.mjs
    ensure_browsers
    log "wasm through the boundary (headless Chromium and Firefox ESR)"
    node benches/wasm-browser.mjs
    log "size"
    bash benches/size.sh
    node benches/size.mjs || true
    ;;
  bench-extension)
    build_all
    ensure_browsers
    log "what the extension costs a page (headless Chromium; several minutes)"
    node benches/extension.mjs "${@:2}"
    ;;
  readme)
    check_prerequisites
    build_native
    regen_readme
    ;;
  *)
    die "unknown command '$cmd' (build, test, test-servers, lab, bench, bench-extension, readme)"
    ;;
esac

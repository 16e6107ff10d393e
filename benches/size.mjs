#!/usr/bin/env node
// The size of what the extension ships (issue 8), checked by `./build.sh
// test` so that it cannot creep back. Two levels, both gzip -9, each file
// compressed on its own (as the files are served):
//   - the targets of issue 8: the wasm module the background loads at start
//     (www/pkg/whycors_ext_bg.wasm) at most 150 KiB, everything in
//     dist/<browser>/ (the engine and the report's part, every JS, HTML,
//     CSS, icon, locale) at most 300 KiB. One not met is printed as
//     "target: N KiB to cut".
//   - the ceilings CI enforces: today's sizes plus a little room. Lower them
//     whenever a cut lands; never raise them to let a change in. Measured
//     (background / everything, KiB): 200.7 / 463.9 on 2026-12-03 morning;
//     193.0 / 445.8 with core::order's sorts; 163.8 / 416.7 with the
//     adapter's own JSON reader (now src/core/json.rs); 144.3 / 397.0
//     with the join's sorted vectors for B-trees (now src/core/sorted.rs)
//     and a typed saved state for serde_json's Value; 144.0 / 359.7 with
//     the report module reading exchanges with core::json and building its
//     view from the typed Diagnosis (no serde reader, no Value); 144.0 /
//     352.7 without the reasons' example exchanges, with sorted maps for a
//     message's params; 147.3 / 360.0 with the dependencies at opt-level
//     "s"; 145.4 / 357.5 with all at "z" and LLVM's inline threshold at 15
//     instead (build.sh WASM_EXT_INLINE: faster than both, Cargo.toml);
//     149.7 / 292.0 with one build cut in two (extension/split.mjs) instead
//     of two builds that each carried the core: both targets met; 137.8 /
//     280.1 with the engine's own float parser (src/core/float.rs: no
//     table of powers of five); 142.0 / 289.7 with the inline threshold at
//     50 (a deliberate raise: size spent on the 3x boundary budget of the
//     feed and the view, within both targets; Cargo.toml); 147.4 / 295.2
//     with it at 100 (the second: the view was 2.95-3.16x native in Firefox
//     ESR at 50, 2.69-2.74x at 100) and without the copy of the glue that
//     the report's instance had (the background imports whycors_ext.js a
//     second time, as whycors_ext.js?report).
// Prints every file's raw and gzip -9 size, largest first, then the budget
// lines; exits 1 over a ceiling or when a file it needs is missing.
//
//   node benches/size.mjs [dist]      (after ./build.sh)

import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(root, process.argv[2] ?? 'dist');
const KiB = 1024;
const TARGET_BACKGROUND = 150 * KiB;
const TARGET_TOTAL = 300 * KiB;
const CEILING_BACKGROUND = 148.5 * KiB;
const CEILING_TOTAL = 296.5 * KiB;
const BACKGROUND_WASM = 'www/pkg/whycors_ext_bg.wasm';

const kib = (n) => `${(n / KiB).toFixed(1).padStart(7)} KiB`;
const gz = (buf) => gzipSync(buf, { level: 9 }).length;

function walk(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

let failed = false;
for (const browser of ['chrome', 'firefox']) {
  const dir = join(dist, browser);
  if (!existsSync(dir)) {
    console.error(`benches/size.mjs: ${relative(root, dir)} is missing: run ./build.sh first`);
    failed = true;
    continue;
  }
  const files = walk(dir).map((p) => {
    const data = readFileSync(p);
    return { name: relative(dir, p).split('\\').join('/'), raw: data.length, gz: gz(data) };
  });
  files.sort((a, b) => b.gz - a.gz || (a.name < b.name ? -1 : 1));
  console.log(`dist/${browser}/ (${files.length} files)           raw      gzip -9`);
  for (const f of files) console.log(`  ${f.name.padEnd(44)} ${kib(f.raw)}  ${kib(f.gz)}`);
  const raw = files.reduce((n, f) => n + f.raw, 0);
  const total = files.reduce((n, f) => n + f.gz, 0);
  const bg = files.find((f) => f.name === BACKGROUND_WASM);
  const line = (label, value, ceiling, target) => {
    const ok = value <= ceiling;
    if (!ok) failed = true;
    const aim = value <= target ? 'target met' : `target ${kib(target).trim()}: ${kib(value - target).trim()} to cut`;
    console.log(`  ${ok ? 'ok  ' : 'OVER'} ${label.padEnd(39)} ${kib(value)} gzip -9 (ceiling ${kib(ceiling).trim()}; ${aim})`);
  };
  if (!bg) {
    console.error(`  the background's module ${BACKGROUND_WASM} is not in dist/${browser}/`);
    failed = true;
  } else {
    line("the background's wasm module", bg.gz, CEILING_BACKGROUND, TARGET_BACKGROUND);
  }
  line(`everything shipped (raw ${kib(raw).trim()})`, total, CEILING_TOTAL, TARGET_TOTAL);
  console.log('');
}
if (failed) {
  console.error('benches/size.mjs: over a ceiling (or files missing)');
  process.exit(1);
}

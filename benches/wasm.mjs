// The engine through the wasm boundary, in Node, on the same HAR as the native
// criterion benchmark (tests/data/realistic.har). Figures only, no assertions.
//
//   node benches/wasm.mjs [file.har]        (./build.sh bench runs it after `cargo bench`)
//
// Prints: .wasm size (raw, gzip -9), compile and instantiate times, and
// exchanges per second for each way of crossing the boundary; with criterion's
// results in target/criterion/ (from `cargo bench --bench engine`), the ratio
// wasm / native for the same work.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG = path.resolve(ROOT, process.env.WHYCORS_PKG ?? 'pkg');
const WASM = path.join(PKG, 'whycors_bg.wasm');
const HAR = process.argv[2] ?? path.join(ROOT, 'tests/data/realistic.har');

if (!fs.existsSync(WASM)) {
  console.error('benches/wasm.mjs: no pkg/whycors_bg.wasm: run ./build.sh first');
  process.exit(1);
}
if (!fs.existsSync(HAR)) {
  console.error(`benches/wasm.mjs: no ${path.relative(ROOT, HAR)}: generate it (python3 tests/data/make_realistic_har.py) or pass a HAR`);
  process.exit(1);
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const fmt = (n, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// ---------------------------------------------------------------- size, instantiate
const bytes = fs.readFileSync(WASM);
const gz = zlib.gzipSync(bytes, { level: 9 }).length;
const br = zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`whycors wasm (pkg/whycors_bg.wasm, after wasm-opt -Oz): ${fmt(bytes.length / 1024)} KiB raw, ${fmt(gz / 1024)} KiB gzip -9, ${fmt(br / 1024)} KiB brotli`);

const glue = await import(path.join(PKG, 'whycors.js'));
const compileMs = [];
const instMs = [];
let module;
for (let i = 0; i < 15; i++) {
  const t0 = performance.now();
  module = await WebAssembly.compile(bytes);
  const t1 = performance.now();
  compileMs.push(t1 - t0);
}
// First instantiation through the glue (what engine.js does), then fresh
// instances of the compiled module (what a crash recovery costs).
{
  const t0 = performance.now();
  glue.initSync({ module });
  instMs.push(performance.now() - t0);
  for (let i = 0; i < 15; i++) {
    const t1 = performance.now();
    glue.__wbg_reset_state();
    instMs.push(performance.now() - t1);
  }
}
console.log(`instantiate in Node ${process.versions.node}: compile ${fmt(median(compileMs), 2)} ms (median of 15), instantiate + start ${fmt(median(instMs), 2)} ms (median of 16), first ${fmt(instMs[0], 2)} ms`);

// ---------------------------------------------------------------- throughput
const harText = fs.readFileSync(HAR, 'utf8');
const exchanges = glue.exchangesFromHar(harText);
const exJson = exchanges.map((e) => JSON.stringify(e));
const listJson = JSON.stringify(exchanges);
const n = exchanges.length;
console.log(`${path.relative(ROOT, HAR)}: ${fmt(harText.length / 1024)} KiB, ${n} exchanges`);

// The extension's engine (whycors_ext, opt-level "z"; extension/split.mjs):
// one module, instantiated twice as the background does. The report's
// instance, with the report's part linked into it: the panel's view of a
// stored exchange, text in and out. ./build.sh builds it; without it the
// benchmark stops (no row is left out quietly).
const extGlue = (tag) =>
  import(`${pathToFileURL(path.join(PKG, 'whycors_ext.js')).href}?${tag}`).catch((e) => {
    throw new Error(`benches/wasm.mjs: no whycors_ext in ${path.relative(ROOT, PKG)}: run ./build.sh (${e.message})`);
  });
const extModule = new WebAssembly.Module(fs.readFileSync(path.join(PKG, 'whycors_ext_bg.wasm')));
const report = await extGlue('report');
new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(path.join(PKG, 'whycors_ext_report.wasm'))), {
  primary: report.initSync({ module: extModule }),
});

// The background's instance (the report's part not linked): the recorded
// burst of 165 calls (tests/data/webrequest/<browser>/burst.json), every
// batch as the background fed it, into a fresh WebRequestSession; per row
// handed out.
const lite = await extGlue('adapter');
lite.initSync({ module: extModule });
const bursts = {};
for (const b of ['chromium', 'firefox']) {
  const trace = JSON.parse(fs.readFileSync(path.join(ROOT, `tests/data/webrequest/${b}/burst.json`), 'utf8'));
  const config = JSON.stringify(trace.config);
  const batches = trace.feeds.map((f) => [JSON.stringify(f.items), f.now]);
  const replay = () => {
    const session = new lite.WebRequestSession(config);
    const outs = batches.map(([items, now]) => session.feed(items, now));
    session.free();
    return outs;
  };
  bursts[b] = { replay, rows: replay().reduce((k, o) => k + JSON.parse(o).rows.length, 0) };
}

const results = {};
// Interleaved rounds: every variant sees the same machine load.
const variants = {
  fullObjects: [() => { for (const e of exchanges) glue.diagnose(e); }, n],
  fullJsonParsed: [() => { for (const e of exchanges) JSON.parse(glue.diagnoseJson(JSON.stringify(e))); }, n],
  fullHybrid: [() => { for (const e of exchanges) glue.diagnose(JSON.stringify(e)); }, n],
  fullText: [() => { for (const s of exJson) glue.diagnoseJson(s); }, n],
  verdictJsonParsed: [() => { for (const e of exchanges) JSON.parse(glue.diagnoseJson(JSON.stringify(e), undefined, true)); }, n],
  verdictText: [() => { for (const s of exJson) glue.diagnoseJson(s, undefined, true); }, n],
  batch: [() => glue.diagnoseAll(exchanges), n],
  pipeline: [() => glue.diagnoseHar(harText), n],
  parseOnly: [() => glue.exchangesFromHar(harText), n],
  extView: [() => { for (const s of exJson) report.webRequestView(s, 'chromium'); }, n],
  feedChromium: [bursts.chromium.replay, bursts.chromium.rows],
  feedFirefox: [bursts.firefox.replay, bursts.firefox.rows],
};
for (const [f] of Object.values(variants)) for (let i = 0; i < 2; i++) f(); // warm up
const ROUNDS = 9;
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, [f, per]] of Object.entries(variants)) {
    const t0 = performance.now();
    f();
    const rt = per / ((performance.now() - t0) / 1000);
    results[k] = Math.max(results[k] ?? 0, rt);
  }
}

// ---------------------------------------------------------------- native, from criterion
function criterion(group, name) {
  const f = path.join(ROOT, 'target/criterion', group, name, 'new/estimates.json');
  try {
    const est = JSON.parse(fs.readFileSync(f, 'utf8'));
    return est.mean.point_estimate; // ns per iteration (an iteration covers every exchange)
  } catch {
    return null;
  }
}
// Native figures for the same work (text -> Exchange -> diagnosis -> text):
// target/bench-boundary.json from `cargo bench --bench boundary`; else
// criterion's engine-only means from `cargo bench --bench engine`.
let native = { full: null, verdict: null, pipeline: null, view: null };
let nativeSource = null;
let nativeFile = path.join(ROOT, 'target/bench-boundary.json');
try {
  const b = JSON.parse(fs.readFileSync(nativeFile, 'utf8'));
  const ns = (rate) => (b.exchanges / rate) * 1e9 * (n / b.exchanges);
  native = {
    full: ns(b.textFull),
    verdict: ns(b.textVerdict),
    pipeline: ns(b.pipeline),
    view: b.textView ? ns(b.textView) : null,
    feed: { chromium: b.feedChromium || null, firefox: b.feedFirefox || null },
  };
  nativeSource = 'cargo bench --bench boundary: the same work natively, exchange JSON text in, diagnosis JSON text out';
} catch {
  native = {
    full: criterion('full', 'diagnose'),
    verdict: criterion('verdict', 'diagnose_verdict_only'),
    pipeline: criterion('pipeline', 'parse_and_diagnose_all'),
  };
  nativeFile = path.join(ROOT, 'target/criterion/full/diagnose/new/estimates.json');
  if (native.full) nativeSource = "criterion's engine-only means (no JSON): cargo bench --bench engine";
}
const nativeRate = (ns) => (ns ? n / (ns / 1e9) : null);
let criterionAge = null;
try {
  criterionAge = (Date.now() - fs.statSync(nativeFile).mtimeMs) / 60000;
} catch { /* none */ }

const rows = [
  ['full diagnosis, objects in (serde-wasm-bindgen) and out (JSON.parse; engine.js diagnose)', results.fullObjects, native.full],
  ['full diagnosis, JSON.stringify → text → JSON.parse (the alternative crossing)', results.fullJsonParsed, native.full],
  ['full diagnosis, JSON.stringify → text in, objects out', results.fullHybrid, native.full],
  ['full diagnosis, JSON text in and out only (diagnoseJson)', results.fullText, native.full],
  ['verdict only, a caller holding an object: JSON.stringify → diagnoseJson → JSON.parse (its own JS included)', results.verdictJsonParsed, native.verdict],
  ['verdict only, JSON text in and out (diagnoseJson, verdictOnly: the verdict path)', results.verdictText, native.verdict],
  ['full diagnosis, whole list in one call (diagnoseAll)', results.batch, native.full],
  ['HAR text → diagnoses (diagnoseHar: parse + pair + diagnose)', results.pipeline, native.pipeline],
  ['HAR text → exchanges only (exchangesFromHar)', results.parseOnly, null],
  ["the extension's view of a stored exchange, text in and out (whycors_ext + its report part, webRequestView)", results.extView, native.view],
];

console.log('');
console.log(`exchanges/s (best of ${ROUNDS} interleaved rounds)  wasm       native   wasm cost vs native`);
for (const [label, w, nat] of rows) {
  const nr = nativeRate(nat);
  console.log(`  ${label}`);
  console.log(`      ${fmt(w, 0).padStart(34)}  ${nr ? fmt(nr, 0).padStart(11) : '          —'}   ${nr ? `${fmt(nr / w, 2)}×` : '(no native figure: cargo bench --bench boundary)'}`);
  console.log(`      ${fmt(1e6 / w, 2).padStart(31)} µs/exchange${nr ? `  ${fmt(1e6 / nr, 2).padStart(8)} µs` : ''}`);
}

// Per row, not per exchange: the background's feed of the recorded bursts.
console.log(`\nrows/s (best of ${ROUNDS} interleaved rounds)       wasm       native   wasm cost vs native`);
for (const b of ['chromium', 'firefox']) {
  const w = results[b === 'chromium' ? 'feedChromium' : 'feedFirefox'];
  const nr = native.feed?.[b] ?? null;
  console.log(`  the background's feed, webRequest batches → rows text (whycors_ext), ${b} burst, ${bursts[b].rows} rows`);
  console.log(`      ${fmt(w, 0).padStart(34)}  ${nr ? fmt(nr, 0).padStart(11) : '          —'}   ${nr ? `${fmt(nr / w, 2)}×` : '(no native figure: cargo bench --bench boundary)'}`);
  console.log(`      ${fmt(1e6 / w, 2).padStart(31)} µs/row${nr ? `       ${fmt(1e6 / nr, 2).padStart(8)} µs` : ''}`);
}

if (criterionAge !== null) console.log(`\n(native: ${nativeSource}; measured ${fmt(criterionAge, 0)} min ago)`);

// ---------------------------------------------------------------- same work, interleaved: CLI vs wasm
// The whole pipeline (HAR text -> diagnoses as JSON text), native through the
// CLI and wasm through diagnoseHar, alternated so both see the same machine load.
import { spawnSync } from 'node:child_process';
const cli = path.join(ROOT, 'target/release/whycors');
if (fs.existsSync(cli)) {
  const nat = [];
  const was = [];
  for (let i = 0; i < 15; i++) {
    let t0 = performance.now();
    const r = spawnSync(cli, ['diagnose', HAR, '--json'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
    nat.push(performance.now() - t0);
    if (r.error) throw r.error;
    t0 = performance.now();
    glue.diagnoseHar(harText);
    was.push(performance.now() - t0);
  }
  const bn = Math.min(...nat);
  const bw = Math.min(...was);
  console.log(`\nHAR → diagnoses JSON, ${n} exchanges, interleaved, best of 15: native CLI ${fmt(bn, 1)} ms (incl. process start), wasm diagnoseHar ${fmt(bw, 1)} ms: wasm/native ${fmt(bw / bn, 2)}×`);
}

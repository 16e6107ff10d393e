// The engine through the wasm boundary in the browsers themselves: the paths
// of benches/wasm.mjs (which runs in Node), run in a page of headless
// Chromium and Firefox ESR, against the same native figures
// (target/bench-boundary.json from `cargo bench --bench boundary`). Figures
// only, no assertions.
//
//   node benches/wasm-browser.mjs [--browser chromium|firefox|both]   (after ./build.sh)
//
// Node 20's V8 lacks ArrayBuffer.prototype.detached, so wasm-bindgen's glue
// re-reads `memory.buffer` on every value it crosses; the browsers do not
// pay that, and Firefox's engine is not V8 at all. What the pages and the
// extension cost is what the browsers measure. The page is served by a small
// Node HTTP server of this script's own on 127.0.0.1 (pkg/, the HAR and the
// recorded bursts); each variant repeats until a round takes at least 50 ms
// (Firefox rounds performance.now() to 1 ms), best of 9 interleaved rounds.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, launchFirefox } from '../tests/harness/index.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const WHICH = argv.includes('--browser') ? argv[argv.indexOf('--browser') + 1] : 'both';
const PKG = path.resolve(ROOT, process.env.WHYCORS_PKG ?? 'pkg'); // WHYCORS_PKG: another build's pkg/
const SERVED = ['pkg/', 'tests/data/realistic.har', 'tests/data/webrequest/'];

const native = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'target/bench-boundary.json'), 'utf8'));
  } catch {
    console.error('benches/wasm-browser.mjs: no target/bench-boundary.json: run `cargo bench --bench boundary` first');
    process.exit(1);
  }
})();
for (const f of ['whycors_bg.wasm', 'whycors_ext_bg.wasm', 'whycors_ext_report.wasm']) {
  if (!fs.existsSync(path.join(PKG, f))) {
    console.error(`benches/wasm-browser.mjs: no ${path.relative(ROOT, path.join(PKG, f))}: run ./build.sh first`);
    process.exit(1);
  }
}

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).slice(1);
  if (rel === '') {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>whycors wasm benchmark</title>');
    return;
  }
  const file = rel.startsWith('pkg/') ? path.join(PKG, rel.slice(4)) : path.join(ROOT, rel);
  const inside = file.startsWith((rel.startsWith('pkg/') ? PKG : ROOT) + path.sep);
  if (!SERVED.some((p) => rel.startsWith(p)) || !inside || !fs.existsSync(file)) {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.setHeader('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream');
  res.end(fs.readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;

// Runs in the page: every path, interleaved; µs per exchange (per row for the feeds).
async function inPage() {
  const glue = await import('/pkg/whycors.js');
  await glue.default({ module_or_path: '/pkg/whycors_bg.wasm' });
  const har = await (await fetch('/tests/data/realistic.har')).text();
  const exchanges = glue.exchangesFromHar(har);
  const texts = exchanges.map((e) => JSON.stringify(e));
  const n = exchanges.length;

  // The extension's engine, as the background instantiates it (benches/wasm.mjs).
  const bytes = async (u) => (await fetch(u)).arrayBuffer();
  const module = await WebAssembly.compile(await bytes('/pkg/whycors_ext_bg.wasm'));
  const report = await import('/pkg/whycors_ext.js?report'); // another instance of the glue, as the background imports it
  const part = await WebAssembly.compile(await bytes('/pkg/whycors_ext_report.wasm'));
  new WebAssembly.Instance(part, { primary: report.initSync({ module }) });
  const adapter = await import('/pkg/whycors_ext.js');
  adapter.initSync({ module });
  const burst = async (b) => {
    const trace = await (await fetch(`/tests/data/webrequest/${b}/burst.json`)).json();
    const config = JSON.stringify(trace.config);
    const batches = trace.feeds.map((f) => [JSON.stringify(f.items), f.now]);
    let rows = 0;
    const replay = () => {
      const session = new adapter.WebRequestSession(config);
      rows = 0;
      for (const [items, now] of batches) rows += JSON.parse(session.feed(items, now)).rows.length;
      session.free();
    };
    replay();
    return [replay, rows];
  };

  const variants = {
      verdictText: [() => { for (const s of texts) glue.diagnoseJson(s, undefined, true); }, n],
    fullObjects: [() => { for (const e of exchanges) glue.diagnose(e); }, n],
    fullText: [() => { for (const s of texts) glue.diagnoseJson(s); }, n],
    pipeline: [() => glue.diagnoseHar(har), n],
    extView: [() => { for (const s of texts) report.webRequestView(s, 'chromium'); }, n],
    feedChromium: await burst('chromium'),
    feedFirefox: await burst('firefox'),
  };
  const reps = {};
  for (const [k, [f]] of Object.entries(variants)) {
    f();
    const t0 = performance.now();
    f();
    reps[k] = Math.max(1, Math.ceil(50 / Math.max(0.1, performance.now() - t0)));
  }
  const best = {};
  for (let r = 0; r < 9; r++) {
    for (const [k, [f, per]] of Object.entries(variants)) {
      const t0 = performance.now();
      for (let i = 0; i < reps[k]; i++) f();
      const us = ((performance.now() - t0) * 1000) / (reps[k] * per);
      best[k] = Math.min(best[k] ?? Infinity, us);
    }
  }
  return best;
}

const perExchange = (rate) => 1e6 / rate;
const ROWS = [
  ['verdict only, JSON text in and out (diagnoseJson, verdictOnly: the verdict path)', 'verdictText', perExchange(native.textVerdict)],
  ['full diagnosis, objects (diagnose: the lab and the playground)', 'fullObjects', perExchange(native.textFull)],
  ['full diagnosis, JSON text in and out (diagnoseJson)', 'fullText', perExchange(native.textFull)],
  ['HAR text → diagnoses (diagnoseHar)', 'pipeline', perExchange(native.pipeline)],
  ["the extension's view of a stored exchange (webRequestView)", 'extView', native.textView ? perExchange(native.textView) : null],
  ["the background's feed, chromium burst, per row", 'feedChromium', native.feedChromium ? 1e6 / native.feedChromium : null],
  ["the background's feed, firefox burst, per row", 'feedFirefox', native.feedFirefox ? 1e6 / native.feedFirefox : null],
];

const launchers = { chromium: launchChromium, firefox: launchFirefox };
try {
  for (const name of WHICH === 'both' ? ['chromium', 'firefox'] : [WHICH]) {
    const L = await launchers[name]({});
    try {
      const page = await L.browser.newPage();
      await page.goto(base);
      const best = await page.evaluate(inPage);
      console.log(`\n${L.name} ${L.version}: µs per item (best of 9 interleaved rounds), native, wasm ÷ native`);
      for (const [label, key, nat] of ROWS) {
        const w = best[key];
        console.log(`  ${label.padEnd(66)} ${w.toFixed(2).padStart(8)}  ${nat ? nat.toFixed(2).padStart(8) : '       —'}  ${nat ? `${(w / nat).toFixed(2)}×` : ''}`);
      }
    } finally {
      await L.close();
    }
  }
  const age = (Date.now() - fs.statSync(path.join(ROOT, 'target/bench-boundary.json')).mtimeMs) / 60000;
  console.log(`\n(native: cargo bench --bench boundary, measured ${age.toFixed(0)} min ago)`);
} finally {
  server.close();
}

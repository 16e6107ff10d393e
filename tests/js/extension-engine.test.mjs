// The extension's engine as the background runs it (extension/background.js):
// the module that ./build.sh cut in two (extension/split.mjs) from one build,
// www/pkg/whycors_ext_bg.wasm for the adapter at start and
// www/pkg/whycors_ext_report.wasm, the report's part, linked into a second
// instance of that module when a diagnosis is asked for. Run by `./build.sh
// test` (node --test tests/js/).

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = path.join(ROOT, 'www/pkg');
const engineModule = new WebAssembly.Module(fs.readFileSync(path.join(PKG, 'whycors_ext_bg.wasm')));
const reportPart = new WebAssembly.Module(fs.readFileSync(path.join(PKG, 'whycors_ext_report.wasm')));
// Each import of the glue with its own query is its own instance, as the
// background's two copies of it are.
const glue = (tag) => import(`${pathToFileURL(path.join(PKG, 'whycors_ext.js')).href}?${tag}`);

const adapter = await glue('adapter');
adapter.initSync({ module: engineModule });

const TRACES = path.join(ROOT, 'tests/data/webrequest');
const traces = [];
for (const browser of ['chromium', 'firefox']) {
  for (const f of fs.readdirSync(path.join(TRACES, browser)).filter((f) => f.endsWith('.json')).sort()) {
    traces.push({ browser, file: `${browser}/${f}`, ...JSON.parse(fs.readFileSync(path.join(TRACES, browser, f), 'utf8')) });
  }
}

/** A trace replayed into a fresh adapter of the background's module alone: its rows, updates folded in. */
function replay(t) {
  const session = new adapter.WebRequestSession(JSON.stringify(t.config));
  const rows = [];
  try {
    for (const f of t.feeds) {
      const out = JSON.parse(session.feed(JSON.stringify(f.items), f.now));
      for (const r of out.rows) {
        const i = r.upd ? rows.findIndex((x) => x.xid === r.xid) : -1;
        if (i >= 0) rows[i] = r;
        else rows.push(r);
      }
    }
  } finally {
    session.free();
  }
  return rows;
}

const tagOf = (url) => {
  try {
    return new URL(url).searchParams.get('tag');
  } catch {
    return null;
  }
};

const replayed = traces.map((t) => ({ t, rows: replay(t) }));

// The verdicts are checked against the full engine below (the live ones
// predate corrections; src/webrequest/traces.rs checks them natively).
test('the background module alone (no report part) replays every recorded trace, its rows joined as the extension joined them live', () => {
  assert.ok(traces.length > 200, `only ${traces.length} traces`);
  let checked = 0;
  for (const { t, rows } of replayed) {
    if (!t.tag || !t.live?.length) continue;
    const mine = rows.filter((r) => tagOf(r.x.request?.url ?? r.s.u) === t.tag);
    assert.deepEqual(mine.map((r) => r.s.how).sort(), t.live.map((l) => l.how).sort(), t.file);
    for (const r of mine) assert.match(r.s.v, /^(blocked|allowed|undecided|not-cors|network-error|unknown)$/, `${t.file}: ${r.s.v}`);
    checked++;
  }
  assert.ok(checked > 200, `only ${checked} traces with live rows`);
});

test("the report part, linked into a second instance, diagnoses every row the way its summary said, and as the full engine does", async () => {
  const report = await glue('report');
  report.initSync({ module: engineModule });
  linkReport(report);
  const full = await import(pathToFileURL(path.join(PKG, 'whycors.js')).href);
  full.initSync({ module: fs.readFileSync(path.join(PKG, 'whycors_bg.wasm')) });
  let n = 0;
  for (const { t, rows } of replayed) {
    for (const r of rows) {
      const x = JSON.stringify(r.x);
      const view = JSON.parse(report.webRequestView(x, t.browser));
      assert.equal(view.diagnosis.verdict, r.s.v, `${t.file} ${r.xid}: verdict`);
      assert.equal(view.diagnosis.reason ?? null, r.s.r ?? null, `${t.file} ${r.xid}: reason`);
      assert.deepEqual(view.diagnosis, JSON.parse(full.diagnoseJson(x, t.browser)), `${t.file} ${r.xid}: the full engine's diagnosis`);
      n++;
    }
  }
  assert.ok(n > 500, `only ${n} rows`);
});

test("before its part is linked the report's exports trap, and a trapped report instance leaves the adapter running", async () => {
  const t = replayed.find(({ rows }) => rows.length > 0);
  const x = JSON.stringify(t.rows[0].x);
  const unlinked = await glue('unlinked');
  unlinked.initSync({ module: engineModule });
  assert.throws(() => unlinked.webRequestView(x, t.t.browser), WebAssembly.RuntimeError);
  // The adapter's instance is another one: it goes on deciding rows.
  assert.deepEqual(replay(t.t), t.rows);
  // A fresh instance of the report (as after a trap), linked again, works.
  unlinked.__wbg_reset_state();
  linkReport(unlinked);
  assert.equal(JSON.parse(unlinked.webRequestView(x, t.t.browser)).diagnosis.verdict, t.rows[0].s.v);
});

test('the report part needs nothing the background module does not export', () => {
  const exported = new Map(WebAssembly.Module.exports(engineModule).map((e) => [e.name, e.kind]));
  const imports = WebAssembly.Module.imports(reportPart);
  assert.ok(imports.length > 10);
  for (const i of imports) assert.equal(exported.get(i.name), i.kind, `${i.module}.${i.name}`);
  // The part carries the report's texts: the background module does not.
  const text = 'Access-Control-Allow-Credentials';
  assert.ok(fs.readFileSync(path.join(PKG, 'whycors_ext_report.wasm')).includes(text));
});

/** What extension/background.js's linkReport does: the part into this instance. */
function linkReport(glueModule) {
  new WebAssembly.Instance(reportPart, { primary: glueModule.initSync() });
}

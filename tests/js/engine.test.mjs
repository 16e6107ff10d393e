// www/engine.js, the loader shared by the pages and the extension, against the
// real wasm engine that ./build.sh put in www/pkg/ (run by `./build.sh test`:
// node --test tests/js/).

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WASM = path.join(ROOT, 'www/pkg/whycors_bg.wasm');
const engine = await import(path.join(ROOT, 'www/engine.js'));
engine.configure({ wasm: fs.readFileSync(WASM) });

// browsers.md, first row: a cross-origin GET answered without ACAO.
const missingAcao = {
  request: { url: 'http://127.0.0.1:8802/api/x', method: 'GET', origin: 'http://127.0.0.1:8801', type: 'fetch', mode: 'cors', credentials: 'omit' },
  preflightObservation: 'not-sent',
  response: { status: 200, headers: [{ name: 'Content-Type', value: 'text/plain' }] },
};

test('loads and reports its version', async () => {
  const v = await engine.version();
  const cargo = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^version = "(.*)"$/m)[1];
  assert.equal(v, cargo);
});

test('diagnose takes an object or JSON text and returns a Diagnosis object', async () => {
  const d = await engine.diagnose(missingAcao);
  assert.equal(d.verdict, 'blocked');
  assert.equal(d.reason, 'CORSMissingAllowOrigin');
  const names = Object.fromEntries(d.browsers.map((b) => [b.browser, b.name]));
  assert.deepEqual(names, { chromium: 'MissingAllowOriginHeader', firefox: 'CORSMissingAllowOrigin2' });
  const again = await engine.diagnose(JSON.stringify(missingAcao), 'firefox');
  assert.equal(again.reason, 'CORSMissingAllowOrigin');
  const many = await engine.diagnoseAll([missingAcao, missingAcao]);
  assert.equal(many.length, 2);
});

test('bad input rejects with an Error that says what is wrong', async () => {
  await assert.rejects(engine.diagnose('{"request": {"url": 7}}'), (e) => e instanceof Error && /request\.url/.test(e.message));
  await assert.rejects(engine.diagnose(missingAcao, 'safari'), (e) => e instanceof Error && /safari/.test(e.message));
  await assert.rejects(engine.explain('NoSuchReason'), /NoSuchReason/);
  await assert.rejects(engine.diagnoseHar('{"log": {"entries": 7}}'), /^Error: HAR:/);
  // and the engine still works afterwards
  assert.equal((await engine.diagnose(missingAcao)).reason, 'CORSMissingAllowOrigin');
});

test('reasons and explain read the registry', async () => {
  const list = await engine.reasons();
  assert.ok(list.length >= 15);
  const ids = new Set(list.map((r) => r.id));
  for (const id of ['CORSMissingAllowOrigin', 'CORSAllowOriginNotMatchingOrigin', 'CORSPreflightDidNotSucceed', 'CORSMethodNotFound']) assert.ok(ids.has(id), id);
  const r = await engine.explain('CORSMethodNotFound');
  assert.equal(r.firefoxKey, 'CORSMethodNotFound');
  assert.ok(r.chromium.includes('MethodDisallowedByPreflightResponse'));
});

test('preflightRequest: the preflight the browser would send, from the engine', async () => {
  // fetch(url, {method: 'PATCH', headers: {'X-B': '1', 'x-a': '2', 'Content-Type': 'text/plain', 'Accept': 'application/json'}}):
  // the Fetch Standard names only the CORS-unsafe headers, lower-cased and sorted; the method keeps its case (PATCH is not normalized).
  const ex = {
    request: {
      url: 'http://127.0.0.1:8802/api/x', method: 'PATCH', origin: 'http://127.0.0.1:8801', type: 'fetch', mode: 'cors', credentials: 'omit',
      authorHeaders: [{ name: 'X-B', value: '1' }, { name: 'x-a', value: '2' }, { name: 'Content-Type', value: 'text/plain' }, { name: 'Accept', value: 'application/json' }],
    },
  };
  for (const browser of ['chromium', 'firefox']) {
    const p = await engine.preflightRequest(ex, browser);
    assert.deepEqual(p, {
      browser, method: 'OPTIONS', url: 'http://127.0.0.1:8802/api/x',
      headers: [
        { name: 'Accept', value: '*/*' },
        { name: 'Access-Control-Request-Method', value: 'PATCH' },
        { name: 'Access-Control-Request-Headers', value: 'x-a,x-b' },
        { name: 'Origin', value: 'http://127.0.0.1:8801' },
      ],
    });
    assert.deepEqual((await engine.diagnose(ex, browser)).preflightRequest, p, 'the full diagnosis carries the same');
  }
  assert.equal(await engine.preflightRequest(missingAcao, 'chromium'), null, 'a simple GET sends none');
  assert.equal((await engine.diagnose(missingAcao)).preflightRequest, null);
  await assert.rejects(engine.preflightRequest(ex), /^Error: browser:/);
});

test('pasted header blocks become an exchange', async () => {
  const ex = await engine.exchangeFromRaw({
    request: 'PUT /api/items HTTP/1.1\nHost: api.example\nOrigin: https://app.example',
    preflightResponse: 'HTTP/1.1 204 No Content\nAccess-Control-Allow-Origin: https://app.example\nAccess-Control-Allow-Methods: GET',
  });
  // Schema 2 (docs/exchange-format.md): the page's request, then one leg per URL.
  assert.equal(ex.schema, 2);
  assert.equal(ex.legs[0].url, 'https://api.example/api/items');
  assert.equal(ex.legs[0].preflight.response.status, 204);
  const d = await engine.diagnose(ex);
  assert.equal(d.reason, 'CORSMethodNotFound');
});

test('a crashed instance is replaced, and the next call works', async () => {
  const before = engine.crashCount();
  const errors = [];
  const orig = console.error;
  console.error = (...a) => errors.push(a.join(' ')); // the panic hook's report
  try {
    await assert.rejects(engine.crashTest(), (e) => e.name === 'EngineCrashedError' && /restarted/.test(e.message)
      && e.cause instanceof WebAssembly.RuntimeError);
  } finally {
    console.error = orig;
  }
  assert.ok(errors.some((m) => m.includes('deliberate panic')), 'console_error_panic_hook reported the panic');
  assert.equal(engine.crashCount(), before + 1);
  assert.equal((await engine.diagnose(missingAcao)).reason, 'CORSMissingAllowOrigin', 'works after the crash');
  assert.equal((await engine.reasons()).length > 0, true);
  // twice in a row
  await assert.rejects(engine.crashTest(), { name: 'EngineCrashedError' });
  assert.equal((await engine.diagnose(missingAcao)).verdict, 'blocked');
});

// docs/diagnosis-format.md's algorithm ("Text"), as a translation would run it.
function fill(template, values) {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, k) => (m === '{{' ? '{' : m === '}}' ? '}' : k in values ? values[k] : m));
}
function localize(t, tr, english) {
  const values = { ...t.params };
  for (const [k, p] of Object.entries(t.parts ?? {})) {
    values[k] = 'items' in p ? joinList(p.list, p.items.map((i) => localize(i, tr, english)), tr, english) : localize(p, tr, english);
  }
  return fill(tr(t.id) ?? t.template, values);
}
function joinList(style, xs, tr, english) {
  const pat = (w) => tr(`list.${style}.${w}`) ?? english[`list.${style}.${w}`];
  const two = (w, a, b) => fill(pat(w), { 0: a, 1: b });
  if (xs.length < 2) return xs[0] ?? '';
  if (xs.length === 2) return two('2', xs[0], xs[1]);
  let acc = two('end', xs.at(-2), xs.at(-1));
  for (let i = xs.length - 3; i >= 1; i--) acc = two('middle', xs[i], acc);
  return two('start', xs[0], acc);
}

test('Text parts re-render with listPatterns() as the docs say', async () => {
  const patterns = await engine.listPatterns();
  assert.ok(patterns.length > 0 && patterns.every((p) => /^list\.(and|steps)\.(2|start|middle|end)$/.test(p.id) && p.template.includes('{0}')));
  const english = Object.fromEntries(patterns.map((p) => [p.id, p.template]));
  // A PUT whose preflight and response both lack Access-Control-Allow-Origin: a fix in several steps.
  const d = await engine.diagnose({
    request: { url: 'http://127.0.0.1:8802/api/x', method: 'PUT', origin: 'http://127.0.0.1:8801', type: 'fetch', mode: 'cors', credentials: 'omit' },
    preflight: { status: 204, headers: [{ name: 'Access-Control-Allow-Methods', value: 'PUT' }] },
    response: { status: 200, headers: [] },
  }, 'chromium');
  const summary = d.fix.summary;
  assert.ok(summary.parts && Object.keys(summary.parts).length > 0, JSON.stringify(summary));
  // No translation: the English text, exactly.
  assert.equal(localize(summary, () => undefined, english), summary.text);
  // A translation of the list patterns alone changes how the lists join, nothing else.
  const tr = (id) => (id.startsWith('list.') ? `{0} + {1}` : undefined);
  const out = localize(summary, tr, english);
  assert.notEqual(out, summary.text);
  assert.ok(out.includes(' + '), out);
});

test('diagnoseHar applies what the HAR implies but does not record, with a note', async () => {
  const harText = fs.readFileSync(path.join(ROOT, 'tests/data/har/firefox-153-lab-nocookie.har'), 'utf8');
  const list = await engine.diagnoseHar(harText, 'firefox');
  const d = list.find((x) => x.url.includes('tag=ffhar-preflight-star-credentials'));
  assert.equal(d.verdict, 'blocked');
  assert.equal(d.notes[0].id, 'har.note.credentials-inferred-not-sent');
  const exchanges = await engine.exchangesFromHar(harText);
  assert.equal(exchanges.find((x) => x.legs[0].url.includes('tag=ffhar-preflight-star-credentials')).page.credentials ?? null, null);
});

// One file, one answer: `whycors diagnose --json` (the CLI ./build.sh builds)
// and diagnoseHar diagnose every exchange of a HAR the same way, neighbours
// (report::neighbours) included.
test('the CLI and diagnoseHar say the same of each HAR under tests/data', async () => {
  const { spawnSync } = await import('node:child_process');
  const cli = process.env.WHYCORS_BIN ?? path.join(ROOT, 'target/release/whycors');
  assert.ok(fs.existsSync(cli), `the CLI is built (./build.sh): ${cli}`);
  const dir = path.join(ROOT, 'tests/data/har');
  const files = [path.join(ROOT, 'tests/data/realistic.har'), ...fs.readdirSync(dir).filter((f) => f.endsWith('.har')).map((f) => path.join(dir, f))];
  assert.ok(files.length > 3);
  for (const file of files) {
    const r = spawnSync(cli, ['diagnose', file, '--json'], { maxBuffer: 1 << 30, encoding: 'utf8' });
    assert.ok(r.status === 0 || r.status === 1, `${path.basename(file)}: exit ${r.status}: ${r.stderr}`);
    const fromCli = JSON.parse(r.stdout);
    const fromWasm = await engine.diagnoseHar(fs.readFileSync(file, 'utf8'));
    assert.equal(fromCli.length, fromWasm.length, path.basename(file));
    assert.deepEqual(fromCli, fromWasm, path.basename(file));
  }
});

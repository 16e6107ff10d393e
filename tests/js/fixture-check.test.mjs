// `capture.mjs --check` (tests/capture/compare.mjs) over real committed
// fixtures: a newer browser patch release is metadata and passes; any change
// in what the browser or the server did fails.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFixtures, compareFixture, serialize } from '../capture/compare.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rel = (p) => path.join('tests/fixtures', p);
const read = (p) => fs.readFileSync(path.join(ROOT, rel(p)), 'utf8');

// A Chromium fixture with an embedded HAR, a preflighted one, and a Firefox one.
const CHROMIUM = 'CORSMissingAllowOrigin/font-missing-acao.chromium.json';
const PREFLIGHT = 'CORSMethodNotFound/method-not-in-acam.chromium.json';
const FIREFOX = 'CORSMissingAllowOrigin/missing-acao-500.firefox.json';

/** `--check` over one fixture, committed as is, re-recorded as `mutate` leaves it. */
function check(p, mutate) {
  const text = read(p);
  const fx = JSON.parse(text);
  mutate(fx);
  return checkFixtures(new Map([[rel(p), text]]), new Map([[rel(p), serialize(fx)]]));
}

function bumpVersions(fx) {
  fx.browserVersion = fx.browser === 'chromium' ? '156.0.8078.114' : '153.8.0';
  if (fx.har?.log?.browser) fx.har.log.browser.version = '156.0.8078.114';
}

test('the fixtures used here exist and are recorded', () => {
  for (const p of [CHROMIUM, PREFLIGHT, FIREFOX]) {
    const fx = JSON.parse(read(p));
    assert.equal(fx.source, 'recorded', p);
    assert.ok(fx.browserVersion, p);
    assert.ok(fx.records.length > 0, p);
  }
  assert.ok(JSON.parse(read(CHROMIUM)).har.log.browser.version);
});

test('a newer patch release of either browser reproduces, and the versions are reported', () => {
  for (const p of [CHROMIUM, PREFLIGHT, FIREFOX]) {
    const { diffs, lines } = check(p, bumpVersions);
    assert.equal(diffs, 0, lines.join('\n'));
    const fx = JSON.parse(read(p));
    const want = fx.browser === 'chromium' ? '156.0.8078.114' : '153.8.0';
    assert.ok(lines.some((l) => l.startsWith(`versions: ${fx.browser} ${want} ran; fixtures recorded with ${fx.browserVersion}`)), lines.join('\n'));
    assert.equal(lines.at(-1), 'all 1 fixtures reproduce');
  }
});

test('a changed reason fails, even with the version bumped', () => {
  let r = check(CHROMIUM, (fx) => { bumpVersions(fx); fx.reported.corsError = 'AllowOriginMismatch'; });
  assert.equal(r.diffs, 1);
  assert.match(r.lines.join('\n'), /DIFFERS .*font-missing-acao\.chromium\.json[\s\S]*AllowOriginMismatch/);
  r = check(FIREFOX, (fx) => { fx.reported.firefoxKey = 'CORSAllowOriginNotMatchingOrigin'; });
  assert.equal(r.diffs, 1);
  r = check(PREFLIGHT, (fx) => { fx.reported.failedParameter = 'PATCH'; });
  assert.equal(r.diffs, 1);
  r = check(CHROMIUM, (fx) => { fx.verdict = 'allowed'; });
  assert.equal(r.diffs, 1);
});

test('a changed status fails', () => {
  let r = check(CHROMIUM, (fx) => { bumpVersions(fx); fx.records.at(-1).sent.status = 404; });
  assert.equal(r.diffs, 1);
  r = check(CHROMIUM, (fx) => { fx.har.log.entries[0].response.status = 404; });
  assert.equal(r.diffs, 1);
});

test('a changed header the browser sent fails', () => {
  const r = check(PREFLIGHT, (fx) => {
    bumpVersions(fx);
    const received = fx.records[0].received.headers;
    const i = received.findIndex((h) => h.name.toLowerCase() === 'access-control-request-method');
    assert.ok(i >= 0, 'the preflight record carries Access-Control-Request-Method');
    received[i] = { ...received[i], value: 'PATCH' };
  });
  assert.equal(r.diffs, 1);
  const r2 = check(FIREFOX, (fx) => { fx.records[0].received.headers.push({ name: 'X-New', value: '1' }); });
  assert.equal(r2.diffs, 1);
});

test('other version-like fields are still compared', () => {
  // Only browserVersion and the HAR's log.browser.version are metadata.
  const r = check(CHROMIUM, (fx) => { fx.har.log.creator.version = '2'; });
  assert.equal(r.diffs, 1);
});

test('a derived exchange alone is reported, not counted', () => {
  const text = read(CHROMIUM);
  const fx = JSON.parse(text);
  fx.exchange.id = 'changed';
  assert.equal(compareFixture(text, serialize(fx)).status, 'exchange');
  const r = checkFixtures(new Map([[rel(CHROMIUM), text]]), new Map([[rel(CHROMIUM), serialize(fx)]]));
  assert.equal(r.diffs, 0);
  assert.match(r.lines[0], /^EXCHANGE /);
});

test('a new or a stale fixture fails', () => {
  const text = read(CHROMIUM);
  let r = checkFixtures(new Map(), new Map([[rel(CHROMIUM), text]]));
  assert.equal(r.diffs, 1);
  r = checkFixtures(new Map([[rel(CHROMIUM), text]]), new Map([[rel('allowed/font-missing-acao.chromium.json'), text]]));
  assert.equal(r.diffs, 2); // NEW at the new path, STALE at the old one
});

// End-to-end: the lab, for real, in headless Chromium 156 and Firefox ESR 153.
//
// Starts `whycors lab` on free ports, opens the lab page (www/index.html) in
// each browser (one launch per browser for the whole file), and for every
// scenario of www/lab/scenarios.json that the lab page can fire:
//   (a) the lab page fires the real request; the browser's own verdict
//       (Chromium: CDP corsErrorStatus; Firefox: the console line's message
//       key) must equal scenario.expect[browser];
//   (b) the engine's diagnosis that the lab page shows for that run (built,
//       in wasm, from the lab server's record of the bytes) must name the
//       same thing for that browser: <output class="diagnosis"
//       data-scenario=ID data-name=... data-verdict=... data-reason=...>.
//
// Scenarios that need a browser launched differently (`chromiumArgs`,
// `firefoxPrefs`) or a page that is not the lab page (`from`, `url`) are run
// by the capture script instead (`node tests/capture/capture.mjs --check`),
// which re-records them and compares with the committed fixtures.
//
// Run: node --test tests/e2e/   (needs `./build.sh` to have built www/pkg).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../harness/browsers.mjs';
import { browserVerdicts, tagOf } from '../harness/verdicts.mjs';
import { startLab } from '../harness/lab.mjs';
import { loadScenarios } from '../harness/scenarios.mjs';
import { reasonOf } from '../harness/names.mjs';

const BROWSERS = (process.env.WHYCORS_E2E_BROWSERS ?? 'chromium,firefox').split(',');

/** Whether the lab page can fire this scenario as the catalogue describes it. */
export function labRunnable(s) {
  return !s.chromiumArgs && !s.firefoxPrefs && !s.firefoxExtension && !s.from && !s.url;
}

const scenarios = loadScenarios();
const runnable = scenarios.filter(labRunnable);
let lab;

before(async () => {
  lab = await startLab();
});

after(async () => {
  await lab?.stop();
});

/** The engine's answer the lab page rendered for a scenario run. */
async function labDiagnosis(page, id) {
  return page.evaluate((sid) => {
    const all = [...document.querySelectorAll('output.diagnosis')].filter((o) => o.dataset.scenario === sid);
    const o = all[all.length - 1];
    return o ? { ...o.dataset } : null;
  }, id);
}

for (const browser of BROWSERS) {
  test(`lab scenarios in ${browser}`, { timeout: 15 * 60 * 1000 }, async (t) => {
    const launched = await launch(browser);
    t.after(() => launched.close());
    const page = await launched.browser.newPage();
    const verdicts = await browserVerdicts(page, browser);
    await page.goto(`${lab.origins.page}/`, { waitUntil: 'load' });
    // The lab page loads the wasm engine and the catalogue.
    await page.waitForFunction(() => window.whycorsLab !== undefined, { timeout: 20000 });
    await page.evaluate(() => window.whycorsLab.ready);

    for (const s of runnable) {
      if (s.browsers && !s.browsers.includes(browser)) continue;
      await t.test(s.id, async () => {
        const expected = s.expect?.[browser];
        assert.notEqual(expected, undefined, `scenario ${s.id} has no expect.${browser}`);
        const run = await page.evaluate(async (id) => {
          const r = await window.whycorsLab.run(id);
          return { error: r.error ? String(r.error.message ?? r.error) : null, rejected: r.seen?.rejected ?? null };
        }, s.id);
        // Every URL of this run carries tag=<id>.<random>.
        const sel = (u) => (tagOf(u) ?? '').startsWith(`${s.id}.`);
        await verdicts.settle(sel);
        const v = verdicts.verdict(sel);
        const said = browser === 'chromium' ? v.corsError : v.firefoxKey;

        // (a) the browser reproduces the scenario.
        assert.equal(said ?? null, expected, `${browser} said ${said ?? 'nothing (allowed)'} for ${s.id}; the catalogue expects ${expected}` +
          (v.message ? `\n  console: ${v.message}` : '') + (v.errorText ? `\n  error: ${v.errorText}` : ''));

        // (b) the engine, as the lab page shows it, names the same.
        assert.equal(run.error, null, `the lab page could not diagnose ${s.id}: ${run.error}`);
        const d = await labDiagnosis(page, s.id);
        assert.ok(d, `the lab page rendered no <output class="diagnosis" data-scenario="${s.id}">`);
        if (expected) {
          assert.equal(d.name || null, expected, `engine (lab page) names ${d.name || 'nothing'} [${d.verdict} ${d.reason}] for ${s.id} in ${browser}; the browser said ${expected}`);
          const wantReason = s.reasons && browser in s.reasons ? s.reasons[browser] : reasonOf(browser, expected);
          if (wantReason) assert.equal(d.reason, wantReason, `engine reason for ${s.id} in ${browser}`);
        } else if (run.rejected) {
          // Rejected with no CORS name (Chromium network error, Firefox with no key).
          assert.ok(['network-error', 'blocked'].includes(d.verdict), `engine says ${d.verdict} for ${s.id} in ${browser}; the page saw a rejection with no CORS name`);
        } else if ((s.request?.mode ?? 'cors') === 'no-cors') {
          assert.ok(['allowed', 'not-cors'].includes(d.verdict), `engine says ${d.verdict} ${d.reason} for no-cors ${s.id} in ${browser}; the browser allowed it`);
        } else {
          assert.equal(d.verdict, 'allowed', `engine says ${d.verdict} ${d.reason} for ${s.id} in ${browser}; the browser allowed it`);
        }
      });
    }
  });
}

// Re-recording every scenario (including those the lab page cannot fire) in
// both browsers reproduces the committed fixtures byte for byte (volatile
// fields normalized): `node tests/capture/capture.mjs --check`.
test('re-recording reproduces the committed fixtures', { timeout: 15 * 60 * 1000, skip: process.env.WHYCORS_E2E_CAPTURE_CHECK === '0' }, async () => {
  const { spawn } = await import('node:child_process');
  const { ROOT } = await import('../harness/scenarios.mjs');
  const out = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['tests/capture/capture.mjs', '--check'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.stderr.on('data', (d) => { text += d; });
    child.on('exit', (code) => resolve({ code, text }));
  });
  const summary = out.text.split('\n').filter((l) => /^(DIFFERS|NEW|STALE|all |\d+ fixture)|EXPECTED|^\s+(line|-|\+)/.test(l)).join('\n');
  assert.equal(out.code, 0, `capture --check failed:\n${summary || out.text.slice(-3000)}`);
});

// Firefox's own message templates, read from the installed omni.ja, map every
// CORS console line back to its key (the text -> key matcher the harness uses).
test("Firefox's CORS templates round-trip to their keys", async () => {
  const { firefoxMatchers, matchFirefoxMessage } = await import('../capture/firefox-keys.mjs');
  const { matchers, file } = firefoxMatchers();
  const keys = matchers.map((m) => m.key).sort();
  for (const k of ['CORSDisabled', 'CORSDidNotSucceed2', 'CORSOriginHeaderNotAdded', 'CORSExternalRedirectNotAllowed',
    'CORSRequestNotHttp', 'CORSMissingAllowOrigin2', 'CORSMultipleAllowOriginNotAllowed', 'CORSAllowOriginNotMatchingOrigin',
    'CORSNotSupportingCredentials', 'CORSMethodNotFound', 'CORSMissingAllowCredentials', 'CORSPreflightDidNotSucceed3',
    'CORSInvalidAllowMethod', 'CORSInvalidAllowHeader', 'CORSMissingAllowHeaderFromPreflight2', 'CORSAllowHeaderFromPreflightDeprecation']) {
    assert.ok(keys.includes(k), `${file} has no ${k}`);
  }
  for (const m of matchers) {
    const line = m.template.replaceAll('%1$S', 'http://127.0.0.1:8802/api/x?a=1&tag=t').replaceAll('%2$S', 'x-foo, bar');
    const got = matchFirefoxMessage(line, matchers);
    assert.equal(got?.key, m.key, `template of ${m.key} maps to ${got?.key}`);
    assert.equal(got.url, 'http://127.0.0.1:8802/api/x?a=1&tag=t');
    if (m.params.includes('2')) assert.equal(got.param, 'x-foo, bar');
  }
  assert.equal(matchFirefoxMessage('Some unrelated error', matchers), null);
});

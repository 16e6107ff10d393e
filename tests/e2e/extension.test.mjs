// End-to-end tests of the whycors extension: the real built dist/chrome and
// dist/firefox, loaded in headless Chromium 156 and Firefox ESR 153, against
// the real lab server (`whycors lab`). Run: node --test tests/e2e/extension.test.mjs
// (./build.sh test runs it). Screenshots go to tests/artifacts/extension/
// (git-ignored).
//
// Ground truth is what each browser itself reports for the same request
// (Chromium: CDP corsErrorStatus; Firefox: the console message key), read by
// tests/harness/verdicts.mjs; the extension's answer is read through its own
// message API from one of its pages.
//
// Environment: WHYCORS_E2E_BROWSERS=chromium,firefox (default both);
// WHYCORS_E2E_ONLY=<scenario id substring> to run some scenarios only.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  launchChromium, launchFirefox, startLab, loadScenarios, scenarioUrl, requestOf, fireInPage, browserVerdicts,
} from '../harness/index.mjs';
import { startExtras } from '../harness/tls.mjs';
import { ARTIFACTS, DIST, BROWSERS, sleep, ensureDist, launch, labPage, openExtPage, api, tabIdOf } from './extension-helpers.mjs';

const ONLY = process.env.WHYCORS_E2E_ONLY ?? '';

/** Rows of the tab whose first URL carries `tag=T`, once they stop changing. */
async function rowsFor(extPage, tabId, tag, { want = 1, needHook = false, timeout = 6000 } = {}) {
  const end = Date.now() + timeout;
  let last = null;
  let stableSince = 0;
  while (Date.now() < end) {
    const list = await api(extPage, { type: 'list', tabId });
    const rows = (list.rows ?? []).filter((r) => new URL(r.u).searchParams.get('tag') === tag);
    const sig = JSON.stringify(rows.map((r) => [r.id, r.rev]));
    const ready = rows.length >= want && (!needHook || rows.every((r) => r.hk)) && !list.pending;
    if (ready && sig === last) {
      if (Date.now() - stableSince > 300) return rows;
    } else {
      last = sig;
      stableSince = Date.now();
    }
    await sleep(100);
  }
  const list = await api(extPage, { type: 'list', tabId });
  return (list.rows ?? []).filter((r) => new URL(r.u).searchParams.get('tag') === tag);
}

function applicable(s, name) {
  if (s.browsers && !s.browsers.includes(name)) return false;
  if (s.firefoxPrefs || s.chromiumArgs || s.firefoxExtension || s.from) return false; // needs its own launch or page: see docs/extension.md
  if (String(s.request?.kind ?? '').startsWith('content-script')) return false;
  return !ONLY || s.id.includes(ONLY);
}

/** What the element's attribute makes of the request (HTML's CORS settings attribute). */
function elementExpectation(req) {
  const attr = req.crossorigin !== undefined ? req.crossorigin : req.credentials === 'include' ? 'use-credentials' : req.kind === 'module-script' ? null : 'anonymous';
  if (attr === null) return req.kind === 'module-script' ? { mode: 'cors', credentials: 'same-origin' } : { mode: 'no-cors', credentials: 'include' };
  return { mode: 'cors', credentials: attr === 'use-credentials' ? 'include' : 'same-origin' };
}
const ELEMENTS = new Set(['img', 'script', 'module-script', 'stylesheet', 'audio', 'video']);

/**
 * Scenarios whose browser verdict is recorded but where the engine on main
 * does not yet say the same (issue 11; the engine is reshaped on its own
 * branch): run as `todo` (reported, not failing). The same list as
 * tests/e2e/lab.test.mjs `ENGINE_PENDING`, plus what only the extension
 * shows. Key: `<id>.<browser>`.
 */
const ENGINE_PENDING = {
};

let lab;
let extras;
before(async () => {
  ensureDist();
  lab = await startLab({ build: false });
  extras = await startExtras(lab);
});
after(async () => {
  await extras?.stop();
  await lab?.stop();
});

for (const name of BROWSERS) {
  describe(`whycors extension in ${name}`, { concurrency: false }, () => {
    let L;
    let work; // the lab page firing requests
    let ext; // an extension page, to talk to the message API
    let tabId;
    let verdicts;
    const summary = [];

    before(async () => {
      L = await launch(name);
      work = await L.browser.newPage();
      await work.goto(labPage(lab.origins));
      ext = await openExtPage(L, 'extension/popup.html?tabId=0');
      tabId = await tabIdOf(ext, labPage(lab.origins));
      assert.ok(Number.isInteger(tabId), 'found the lab page tab');
      verdicts = await browserVerdicts(work, name);
      // The adapter's input, kept for a scenario that fails (tests/artifacts/extension/).
      await api(ext, { type: 'settings', set: { trace: true } });
    });
    after(async () => {
      if (summary.length) {
        const file = path.join(ARTIFACTS, `scenarios-${name}.json`);
        fs.writeFileSync(file, JSON.stringify(summary, null, 2));
      }
      await verdicts?.dispose?.();
      await L?.close();
    });

    test('the background loads, with the engine and (Chromium) extraHeaders', async () => {
      const st = await api(ext, { type: 'status' });
      assert.equal(st.browser, name);
      assert.deepEqual(st.engine, { ok: true });
      if (name === 'chromium') assert.equal(st.extraHeaders, true);
    });

    test('the message API answers only the extension: a page cannot list', async () => {
      const out = await work.evaluate(async () => {
        try {
          // A page has no runtime.sendMessage to another extension without externally_connectable.
          return typeof chrome !== 'undefined' && chrome.runtime?.sendMessage ? 'has-api' : 'no-api';
        } catch {
          return 'no-api';
        }
      });
      assert.equal(out, 'no-api');
    });

    test('every lab scenario: the extension names the reason the browser reports', { timeout: 900000 }, async (t) => {
      let n = 0;
      for (const s of loadScenarios()) {
        if (!applicable(s, name)) continue;
        await t.test(s.id, { todo: ENGINE_PENDING[`${s.id}.${name}`] ?? false }, async () => {
          const tag = `x${name[0]}${++n}-${s.id}`;
          const req = { ...requestOf(s), url: scenarioUrl(s, lab.origins, tag) };
          // Media loads only in the tab in front (Chromium defers a background tab's media).
          await work.bringToFront();
          const page = await work.evaluate(fireInPage, req);
          await verdicts.settle(tag);
          const truth = verdicts.verdict(tag);
          const expected = name === 'chromium' ? truth.corsError : truth.firefoxKey;
          const hooked = req.kind === 'fetch' || req.kind === 'xhr';
          await api(ext, { type: 'trace' });
          const rows = await rowsFor(ext, tabId, tag, { needHook: hooked, timeout: 10000 });
          let shown = true;
          if (!rows.length) {
            const trace = await api(ext, { type: 'trace' });
            fs.writeFileSync(path.join(ARTIFACTS, `trace-${name}-${s.id}.json`), JSON.stringify(trace));
            // Did webRequest show the request at all? (Chromium now and then does not
            // show a service worker's fetch: then there is nothing an extension can record.)
            shown = (trace.feeds ?? []).some((f) => JSON.parse(f.batch).some(([k, d]) => k.length <= 2 && String(d?.url ?? '').includes(`tag=${tag}`)));
          }
          const rec = { scenario: s.id, kind: req.kind, browserSays: expected, pageRejected: page.rejected, pageSaw: page.seen, rows: rows.length };
          summary.push(rec);
          if (!rows.length && page.rejected === null && !expected) {
            // The browser itself made no request the page heard of (nothing
            // settled, nothing reported): there is nothing to record.
            rec.note = 'no request';
            return;
          }
          if (!rows.length && !shown && req.kind === 'sw-fetch') {
            rec.note = 'webRequest never showed the request';
            t.diagnostic?.(`${s.id}: webRequest never showed this service worker's fetch`);
            return;
          }
          assert.ok(rows.length >= 1, `the extension recorded the request (${s.id})`);
          const first = rows.sort((a, b) => a.id - b.id)[0];
          const got = await api(ext, { type: 'get', tabId, id: first.id });
          const d = got.diagnosis;
          assert.ok(d, 'the engine diagnosed it');
          const mine = d.browsers.find((b) => b.browser === name);
          const p = got.exchange.page;
          Object.assign(rec, { how: first.how, sw: !!first.sw, mode: p.mode ?? null, credentials: p.credentials ?? null, verdict: mine?.verdict, name: mine?.name ?? null, reason: d.reason, alternatives: (d.alternatives ?? []).map((a) => a.name ?? a.reason) });
          // How the row was decided, per kind (issue 11 §3, §4).
          if (hooked) assert.ok(first.how === 'call' || first.how === 'page', `${s.id}: joined to the page's call (${first.how})`);
          if (ELEMENTS.has(req.kind) && page.rejected !== null) {
            assert.equal(first.how, 'element', `${s.id}: joined to its element`);
            const want = elementExpectation(req);
            assert.deepEqual({ mode: p.mode, credentials: p.credentials }, want, `${s.id}: the attribute decides mode and credentials`);
            assert.equal(p.rejected, page.rejected, `${s.id}: the element's own outcome`);
          }
          if (req.kind === 'font' || req.kind === 'font-css') assert.equal(p.credentials, 'same-origin', `${s.id}: a CSS font is same-origin (CSS Fonts 4)`);
          if (req.kind === 'sw-fetch' && name === 'chromium') assert.ok(first.sw, `${s.id}: attributed to the tab from its service worker`);
          if (expected) {
            const alt = (d.alternatives ?? []).some((a) => a.name === expected && (!a.browser || a.browser === name));
            assert.ok(mine?.name === expected || alt,
              `${s.id}: ${name} reports ${expected}; whycors says ${mine?.verdict} ${mine?.name} (alternatives: ${rec.alternatives.join(', ') || 'none'})`);
            // Firefox prints CORSDidNotSucceed2 for a failed connection too: a network error, named alike.
            assert.ok(['blocked', 'network-error'].includes(mine?.verdict) || alt, `${s.id}: verdict ${mine?.verdict}`);
          } else if (page.rejected === false) {
            // Chromium's webRequest records the outcome (onCompleted: allowed). Firefox's
            // does not (a CORS-blocked response completes too): without the page's record
            // (a worker's fetch) and with the credentials mode unknown, nothing decides,
            // and "undecided" is the honest answer (issue 11 §2, §4). Exact either way.
            const unjoined = !['call', 'element', 'page'].includes(first.how);
            const want = name === 'firefox' && unjoined && p.credentials == null && (d.reason ?? null) !== null ? ['undecided'] : ['allowed', 'not-cors'];
            assert.ok(want.includes(mine?.verdict), `${s.id}: the browser allowed it; whycors says ${mine?.verdict} ${mine?.name ?? ''} (${first.how}); expected ${want.join(' or ')}`);
          }
        });
      }
    });

    test('every lab scenario fired at once from one page: each row names what the browser reports', { timeout: 600000 }, async (t) => {
      // Issue 11, done when: the extension's verdicts equal the browser's own for
      // every scenario the lab page can fire, all fired at once from one page.
      const list = loadScenarios().filter((s) => applicable(s, name)).map((s, i) => {
        const tag = `all${name[0]}${i}-${s.id}`;
        return { s, tag, req: { ...requestOf(s), url: scenarioUrl(s, lab.origins, tag) } };
      });
      await work.bringToFront();
      // fireInPage is self-contained: the page runs its source, once per scenario, all at once.
      const pages = await work.evaluate(async (src, reqs) => {
        // eslint-disable-next-line no-eval
        const fire = (0, eval)(`(${src})`);
        return Promise.all(reqs.map((r) => fire(r).catch((e) => ({ rejected: null, error: String(e) }))));
      }, fireInPage.toString(), list.map((x) => x.req));
      let agree = 0;
      const notSeen = [];
      for (const [i, { s, tag, req }] of list.entries()) {
        const page = pages[i];
        await verdicts.settle(tag);
        const truth = verdicts.verdict(tag);
        const expected = name === 'chromium' ? truth.corsError : truth.firefoxKey;
        const rows = await rowsFor(ext, tabId, tag, { needHook: req.kind === 'fetch' || req.kind === 'xhr', timeout: 10000 });
        if (!rows.length && page.rejected === null && !expected) { notSeen.push(s.id); continue; } // no request the page heard of
        if (!rows.length && req.kind === 'sw-fetch') { notSeen.push(s.id); continue; } // webRequest may not show a service worker's fetch
        assert.ok(rows.length >= 1, `${s.id}: the extension recorded the request`);
        const first = rows.sort((a, b) => a.id - b.id)[0];
        const got = await api(ext, { type: 'get', tabId, id: first.id });
        const d = got.diagnosis;
        const mine = d?.browsers.find((b) => b.browser === name);
        if (expected) {
          const alt = (d.alternatives ?? []).some((a) => a.name === expected && (!a.browser || a.browser === name));
          assert.ok(mine?.name === expected || alt, `${s.id} (at once): ${name} reports ${expected}; whycors says ${mine?.verdict} ${mine?.name}`);
        } else if (page.rejected === false) {
          const unjoined = !['call', 'element', 'page'].includes(first.how);
          const want = name === 'firefox' && unjoined && got.exchange.page.credentials == null && (d.reason ?? null) !== null ? ['undecided'] : ['allowed', 'not-cors'];
          assert.ok(want.includes(mine?.verdict), `${s.id} (at once): the browser allowed it; whycors says ${mine?.verdict} ${mine?.name ?? ''} (${first.how})`);
        }
        agree++;
      }
      t.diagnostic(`${name}: ${list.length} scenarios fired at once; ${agree} rows agree with the browser, ${notSeen.length} made no request an extension can see${notSeen.length ? ` (${notSeen.join(', ')})` : ''}`);
    });

    test('hostile header values render inert in the panel and the popup', async () => {
      const tag = `hostile-${name}`;
      const evil = '<img src=x onerror="window.__pwned=1">';
      // Response headers through the lab's h= (it sends visible ASCII only: non-ASCII
      // goes in a request header the page sets, Latin-1 as fetch() allows).
      const values = [
        `X-Markup:${evil}`,
        `X-Quotes:"'\`);--</script><script>window.__pwned=2</script>`,
        `X-Long:${'A'.repeat(6000)}`,
        `Access-Control-Allow-Origin:http://<b>evil</b>.example`,
      ];
      const q = values.map((v) => `h=${encodeURIComponent(v)}`).join('&');
      const url1 = `${lab.origins.api}/api/hostile?${q}&tag=${tag}`;
      const url2 = `${lab.origins.api}/api/hostile-\u00e9?pf.h=${encodeURIComponent('Access-Control-Allow-Origin:"><svg onload=alert(1)>')}&tag=${tag}`;
      const latin1 = 'caf\u00e9 \u00fc\u00ff <i>x</i> "\'';
      await work.evaluate(async (u1, u2, v) => {
        await fetch(u1).catch(() => {});
        await fetch(u2, { headers: { 'X-Latin1': v } }).catch(() => {});
      }, url1, url2, latin1);
      const rows = await rowsFor(ext, tabId, tag, { want: 2, needHook: true });
      assert.equal(rows.length, 2);
      const panel = await openExtPage(L, `extension/panel.html?tabId=${tabId}&filter=all&select=${rows[0].id}`);
      let dialogs = 0;
      panel.on('dialog', (d) => {
        dialogs++;
        d.dismiss().catch(() => {});
      });
      await panel.setViewport({ width: 1200, height: 800 }).catch(() => {});
      const seen = [];
      // The hostile response headers' row first, then the Latin-1 request header's.
      for (const r of rows.sort((a, b) => Number(!a.u.includes('/api/hostile?')) - Number(!b.u.includes('/api/hostile?')))) {
        // Put the row on screen through the URL filter, then click it as a user would.
        await panel.evaluate((tg) => {
          const input = document.getElementById('text');
          input.value = `tag=${tg}`;
          input.dispatchEvent(new Event('input'));
        }, tag);
        await panel.waitForFunction((id) => document.querySelector(`.row[data-id="${id}"]`), { timeout: 10000 }, r.id);
        await panel.evaluate((id) => document.querySelector(`.row[data-id="${id}"]`)?.click(), r.id);
        // The whole path and the '?' after it: '/api/hostile' alone is also a prefix of the other row's path.
        await panel.waitForFunction((u) => document.querySelector('#details .url')?.textContent.includes(u), { timeout: 10000 }, `${new URL(r.u).pathname}?`);
        await panel.evaluate(() => document.querySelectorAll('details.hdrs').forEach((d) => (d.open = true)));
        seen.push(await panel.evaluate(() => ({
          imgs: document.querySelectorAll('img, svg, i, b').length,
          scripts: document.querySelectorAll('body script').length,
          pwned: window.__pwned ?? null,
          text: document.getElementById('details').textContent,
        })));
        await panel.screenshot({ path: path.join(ARTIFACTS, `panel-hostile-${seen.length}-${name}.png`) });
      }
      for (const c of seen) {
        assert.equal(c.imgs, 0, 'no element made from a header value');
        assert.equal(c.scripts, 0);
        assert.equal(c.pwned, null);
      }
      assert.equal(dialogs, 0);
      assert.ok(seen[0].text.includes(evil), 'the markup is shown as text');
      assert.ok(seen[0].text.includes('http://<b>evil</b>.example'), 'the hostile ACAO is shown as text');
      assert.ok(seen[0].text.includes('A'.repeat(6000)), 'the long value is shown whole');
      assert.ok(seen[1].text.includes(latin1), `the Latin-1 request header is shown as text`);
      await panel.close();
      const popup = await openExtPage(L, `extension/popup.html?tabId=${tabId}`);
      const p = await popup.evaluate(() => ({ els: document.querySelectorAll('img, svg, i, b').length, pwned: window.__pwned ?? null }));
      await popup.screenshot({ path: path.join(ARTIFACTS, `popup-${name}.png`) });
      assert.equal(p.els, 0);
      assert.equal(p.pwned, null);
      await popup.close();
    });

    test('the panel (as an extension page) and the popup show a blocked request with its fix', async () => {
      const tag = `show-${name}`; // filter=all: the row shows whatever the verdict
      await work.evaluate(async (u) => fetch(u, { credentials: 'include' }).catch(() => {}), `${lab.origins.api}/api/show?acao=*&tag=${tag}`);
      const rows = await rowsFor(ext, tabId, tag, { needHook: true });
      assert.equal(rows.length, 1);
      const got = await api(ext, { type: 'get', tabId, id: rows[0].id });
      const panel = await openExtPage(L, `extension/panel.html?tabId=${tabId}&filter=all&select=${rows[0].id}`);
      await panel.setViewport({ width: 1280, height: 900 }).catch(() => {});
      await panel.waitForFunction(() => document.querySelector('#details h2'), { timeout: 10000 });
      const shown = await panel.evaluate(() => ({
        title: document.querySelector('#details h2')?.textContent ?? '',
        text: document.getElementById('details').textContent,
        highlighted: [...document.querySelectorAll('#details tr.hl td.n')].map((td) => td.textContent.toLowerCase()),
        rowsInDom: document.querySelectorAll('#viewport .row').length,
        snippet: document.querySelector('#details select')?.value ?? null,
        snippetVerified: document.querySelector('#details .snippet-verified')?.textContent ?? '',
      }));
      await panel.screenshot({ path: path.join(ARTIFACTS, `panel-${name}.png`) });
      await panel.close();
      const d = got.diagnosis;
      if (d.reason) assert.ok(shown.title.includes(d.reason), `panel title names ${d.reason}: ${shown.title}`);
      if (d.fix?.summary?.text) assert.ok(shown.text.includes(d.fix.summary.text), 'the fix summary is shown');
      for (const ev of d.evidence ?? []) if (ev.header) assert.ok(shown.highlighted.includes(ev.header.toLowerCase()), `failing header ${ev.header} highlighted`);
      // The snippet shown says what it was verified against (the engine's words, issue 9).
      if (d.fix?.snippets?.length) {
        const sn = d.fix.snippets.find((x) => x.server === shown.snippet);
        assert.ok(sn, `the panel shows one of the engine's snippets (${shown.snippet})`);
        assert.ok(sn.verified?.text && shown.snippetVerified.includes(sn.verified.text), `the snippet's verification is shown: ${shown.snippetVerified}`);
      }
      const popup = await openExtPage(L, `extension/popup.html?tabId=${tabId}`);
      const ptext = await popup.evaluate(() => document.body.textContent);
      await popup.screenshot({ path: path.join(ARTIFACTS, `popup-blocked-${name}.png`) });
      await popup.close();
      if (d.verdict === 'blocked' && d.reason) assert.ok(ptext.includes(d.reason), 'the popup groups by the reason');
    });

    test('the call site: the page script and line that called fetch()', async () => {
      const tag = `site-${name}`;
      const js = 'function whycorsCaller(u) {\n  return fetch(u).catch(() => {});\n}\n';
      const src = `${lab.origins.page}/api/caller.js?h=${encodeURIComponent('Content-Type:text/javascript')}&body=${encodeURIComponent(js)}`;
      await work.evaluate((s) => new Promise((resolve, reject) => {
        const el = document.createElement('script');
        el.src = s;
        el.onload = resolve;
        el.onerror = reject;
        document.head.append(el);
      }), src);
      await work.evaluate((u) => globalThis.whycorsCaller(u), `${lab.origins.api}/api/site?tag=${tag}`);
      const rows = await rowsFor(ext, tabId, tag, { needHook: true });
      assert.equal(rows.length, 1);
      const got = await api(ext, { type: 'get', tabId, id: rows[0].id });
      const site = got.exchange.page.callSite ?? '';
      assert.ok(site.startsWith(`${src}:2:`) && /:2:\d+$/.test(site), `the call site is line 2 of the page's script: ${site}`);
    });

    test('redaction: Authorization and Cookie values never reach the log, their presence does', async () => {
      const tag = `redact-${name}`;
      await work.evaluate(async (u) => fetch(u, { headers: { Authorization: 'Bearer SECRET-TOKEN-123' } }).catch(() => {}),
        `${lab.origins.api}/api/redact?pf.acao={origin}&pf.acah=authorization&acao={origin}&h=${encodeURIComponent('Set-Cookie:sid=SECRET-COOKIE-456')}&tag=${tag}`);
      const rows = await rowsFor(ext, tabId, tag, { needHook: true });
      assert.equal(rows.length, 1);
      const expObj = await api(ext, { type: 'export', tabId, format: 'json' });
      const harObj = await api(ext, { type: 'export', tabId, format: 'har' });
      const exp = JSON.stringify(expObj);
      const har = JSON.stringify(harObj);
      assert.ok(!exp.includes('SECRET-TOKEN-123') && !har.includes('SECRET-TOKEN-123'));
      // The cookie is in the URL (the lab's h= parameter); it must be in no header value.
      const values = [];
      const walk = (o) => {
        if (Array.isArray(o)) o.forEach(walk);
        else if (o && typeof o === 'object') {
          if ('queryString' in o) o = { ...o, queryString: [] }; // the URL's own parameters are not headers
          if (typeof o.name === 'string' && typeof o.value === 'string') values.push(`${o.name}: ${o.value}`);
          Object.values(o).forEach(walk);
        }
      };
      walk(expObj);
      walk(harObj);
      assert.ok(values.some((v) => /^set-cookie: /i.test(v)), 'Set-Cookie presence kept');
      assert.deepEqual(values.filter((v) => v.includes('SECRET-')), [], 'no secret in any header value');
      const got = await api(ext, { type: 'get', tabId, id: rows[0].id });
      const names = (got.exchange.page.authorHeaders ?? []).map((h) => h.name.toLowerCase());
      assert.ok(names.includes('authorization'), 'Authorization presence kept');
      const parsed = JSON.parse(har);
      assert.equal(parsed.log.version, '1.2');
      assert.ok(parsed.log.entries.length >= 1);
    });

    test('diagnoses survive the background being stopped in the middle of a burst', { timeout: 240000, skip: name === 'firefox' && 'Firefox: see the idle-timeout test (an event page cannot be stopped from outside)' }, async () => {
      const tag = `burst-${name}`;
      const fire = (from, to) => work.evaluate(async (base, a, b) => {
        for (let i = a; i < b; i++) {
          fetch(`${base}&i=${i}`).catch(() => {});
          await new Promise((r) => setTimeout(r, 10));
        }
      }, `${lab.origins.api}/api/burst?tag=${tag}`, from, to);
      await fire(0, 60);
      const beforeStop = await rowsFor(ext, tabId, tag, { want: 60, timeout: 8000 });
      const pendingBeforeStop = (await api(ext, { type: 'list', tabId })).pending;
      let stopped = false;
      if (name === 'chromium') {
        const cdp = await L.browser.target().createCDPSession();
        const { targetInfos } = await cdp.send('Target.getTargets');
        const sw = targetInfos.find((ti) => ti.type === 'service_worker' && ti.url.startsWith(L.extensionOrigin));
        assert.ok(sw, 'found the service worker target');
        const r = await cdp.send('Target.closeTarget', { targetId: sw.targetId });
        stopped = r.success !== false;
        await sleep(300);
        const again = (await cdp.send('Target.getTargets')).targetInfos.find((ti) => ti.type === 'service_worker' && ti.url.startsWith(L.extensionOrigin));
        stopped = stopped && !again;
        await cdp.detach();
      }
      assert.ok(stopped, 'the background was stopped');
      await fire(60, 120);
      const st = await api(ext, { type: 'status' });
      assert.ok(st.boots >= 2, `the background started again (boots: ${st.boots})`);
      const all = await rowsFor(ext, tabId, tag, { want: 120, timeout: 120000 });
      const ids = new Set(all.map((r) => r.id));
      for (const r of beforeStop) assert.ok(ids.has(r.id), `entry ${r.id} recorded before the stop survived`);
      const urls = new Set(all.map((r) => new URL(r.u).searchParams.get('i')));
      const missing = [];
      for (let i = 0; i < 120; i++) if (!urls.has(String(i))) missing.push(i);
      // What the background knew, for a run that misses rows: its engine's
      // state, the tab's pending joins and the relay streams it has heard.
      const burst = { beforeStop: beforeStop.length, pendingBeforeStop, recorded: all.length, missing, status: st };
      if (missing.length) {
        const list = await api(ext, { type: 'list', tabId });
        burst.list = { total: list.total, dropped: list.dropped, pending: list.pending };
        burst.stats = await api(ext, { type: 'stats', tabId });
        burst.statusAfter = await api(ext, { type: 'status' });
      }
      summary.push({ burst });
      assert.ok(beforeStop.length >= 50, `the stop came in the middle of the burst (${beforeStop.length} recorded before it)`);
      assert.deepEqual(missing, [], `every request of the burst, before and after the restart, is in the log: ${JSON.stringify(burst)}`);
    });

    test('2,000 cross-origin requests: every blocked one recorded up to the cap, the panel stays usable', async () => {
      await api(ext, { type: 'clear', tabId });
      const settings = await api(ext, { type: 'settings' });
      const cap = settings.cap;
      const tag = `many-${name}`;
      // The lab's API origin sends no CORS headers here, so every request is blocked.
      const t0 = Date.now();
      await work.evaluate(async (base) => {
        const ps = [];
        for (let i = 0; i < 2000; i++) ps.push(fetch(`${base}&i=${i}`).catch(() => {}));
        await Promise.all(ps);
      }, `${lab.origins.api}/api/many?tag=${tag}`);
      const fired = Date.now() - t0;
      let list;
      const end = Date.now() + 120000;
      do {
        await sleep(500);
        list = await api(ext, { type: 'list', tabId });
      } while (list.total + list.dropped < 2000 && Date.now() < end);
      const recorded = Date.now() - t0;
      const blocked = list.rows.filter((r) => r.v === 'blocked').length;
      summary.push({ many: { total: list.total, dropped: list.dropped, blocked, cap, firedMs: fired, recordedMs: recorded } });
      assert.equal(list.total + list.dropped, 2000, 'every request was recorded (kept + dropped by the cap)');
      assert.equal(list.total, Math.min(cap, 2000));
      assert.equal(list.dropped, 2000 - Math.min(cap, 2000));
      const ids = list.rows.map((r) => r.id).sort((a, b) => a - b);
      assert.equal(ids[0], list.first, 'the oldest were dropped first');
      const panel = await openExtPage(L, `extension/panel.html?tabId=${tabId}&filter=all`);
      await panel.setViewport({ width: 1280, height: 800 }).catch(() => {});
      const wanted = new URL(list.rows[list.rows.length - 1].u).searchParams.get('i');
      const usable = await panel.evaluate(async (wanted) => {
        const vp = document.getElementById('viewport');
        const t1 = performance.now();
        vp.scrollTop = vp.scrollHeight;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const scrollMs = performance.now() - t1;
        const rows = document.querySelectorAll('#viewport .row');
        const last = rows[rows.length - 1];
        const t2 = performance.now();
        const input = document.getElementById('text');
        input.value = `&i=${wanted}`;
        input.dispatchEvent(new Event('input'));
        await new Promise((r) => setTimeout(r, 150));
        const filterMs = performance.now() - t2;
        return { domRows: rows.length, lastId: last?.dataset.id, counts: document.getElementById('counts').textContent, scrollMs, filterMs, shownAfterFilter: document.querySelectorAll('#viewport .row').length, shownUrls: [...document.querySelectorAll('#viewport .row .c-name')].map((n) => n.title) };
      }, wanted);
      summary.push({ panel2000: usable });
      await panel.screenshot({ path: path.join(ARTIFACTS, `panel-2000-${name}.png`) });
      await panel.close();
      assert.ok(usable.domRows > 0 && usable.domRows < 200, `only the visible rows are in the DOM (${usable.domRows})`);
      assert.ok(usable.shownUrls.some((u) => u.endsWith(`&i=${wanted}`)), 'the URL filter finds the request');
      assert.ok(usable.shownUrls.every((u) => u.includes(`&i=${wanted}`)), 'and only matching ones');
    });
  });
}

if (BROWSERS.includes('firefox')) {
  test('Firefox: diagnoses survive the event page being suspended (short idle timeout)', { timeout: 300000 }, async () => {
    const L = await launchFirefox({ extensionDir: DIST.firefox, prefs: { 'extensions.background.idle.timeout': 2000 } });
    try {
      const work = await L.browser.newPage();
      await work.goto(labPage(lab.origins, 'idle'));
      let ext = await openExtPage(L, 'extension/popup.html?tabId=0');
      const tabId = await tabIdOf(ext, labPage(lab.origins, 'idle'));
      await ext.close();
      const tag = 'idle-ff';
      const fire = (a, b) => work.evaluate(async (base, x, y) => {
        const ps = [];
        for (let i = x; i < y; i++) ps.push(fetch(`${base}&i=${i}`).catch(() => {}));
        await Promise.all(ps);
      }, `${lab.origins.api}/api/idle?tag=${tag}`, a, b);
      await fire(0, 40);
      await sleep(6000); // > idle timeout: the event page is suspended
      await fire(40, 80);
      await sleep(3000);
      ext = await openExtPage(L, 'extension/popup.html?tabId=0');
      const st = await api(ext, { type: 'status' });
      assert.ok(st.boots >= 2, `the event page was suspended and started again (boots: ${st.boots})`);
      const rows = await rowsFor(ext, tabId, tag, { want: 80, timeout: 10000 });
      assert.equal(rows.length, 80, 'all 80 requests, across the suspension, are in the log');
    } finally {
      await L.close();
    }
  });
}

if (BROWSERS.includes('chromium')) {
  test('Chromium: loads dist/chrome with no errors or warnings; the CORS panel opens inside DevTools', async () => {
    const L = await launchChromium({ extensionDir: DIST.chromium, devtools: true });
    try {
      // The extensions page's own report (developerPrivate, as chrome://extensions shows it).
      const mgmt = await L.browser.newPage();
      await mgmt.goto('chrome://extensions/');
      const info = await mgmt.evaluate((id) => new Promise((resolve) => chrome.developerPrivate.getExtensionInfo(id, resolve)), L.extensionId);
      assert.deepEqual(info.installWarnings ?? [], [], 'no install warnings');
      assert.deepEqual(info.manifestErrors ?? [], [], 'no manifest errors');
      assert.deepEqual((info.runtimeErrors ?? []).map((e) => e.message), [], 'no runtime errors');
      await mgmt.close();

      const work = await L.browser.newPage();
      await work.goto(labPage(lab.origins, 'devtools'));
      await work.evaluate(async (u) => fetch(u).catch(() => {}), `${lab.origins.api}/api/devtools?tag=devtools`);
      // The DevTools window of the lab tab (a CDP target), with our devtools page in it.
      const evalIn = async (session, fn, ...args) => {
        const r = await session.send('Runtime.evaluate', {
          expression: `(${fn})(...${JSON.stringify(args)})`, awaitPromise: true, returnByValue: true,
        });
        if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
        return r.result.value;
      };
      let front = null;
      const end = Date.now() + 20000;
      while (!front && Date.now() < end) {
        for (const tg of L.browser.targets()) {
          if (!tg.url().startsWith('devtools://devtools/bundled/devtools_app.html') && !tg.url().startsWith('devtools://devtools/bundled/inspector.html')) continue;
          const session = await tg.createCDPSession().catch(() => null);
          if (session && (await evalIn(session, () => typeof DevToolsAPI !== 'undefined').catch(() => false))) front = session;
        }
        if (!front) await sleep(300);
      }
      assert.ok(front, 'found the DevTools front-end');
      let panel = null;
      const end2 = Date.now() + 20000;
      while (!panel && Date.now() < end2) {
        await evalIn(front, (id) => DevToolsAPI.showPanel(`chrome-extension://${id}CORS`), L.extensionId).catch(() => {});
        await sleep(500);
        for (const tg of L.browser.targets()) {
          if (tg.url().startsWith(`${L.extensionOrigin}/extension/panel.html`)) panel = await tg.createCDPSession().catch(() => null);
        }
      }
      assert.ok(panel, 'the CORS panel page is loaded inside DevTools');
      let inside = null;
      const end3 = Date.now() + 15000;
      while (Date.now() < end3) {
        inside = await evalIn(panel, () => ({
          ready: document.documentElement.dataset.ready === '1',
          devtools: typeof chrome.devtools?.inspectedWindow?.tabId === 'number',
          rows: [...document.querySelectorAll('#viewport .row .c-name')].map((n) => n.title),
          theme: chrome.devtools?.panels?.themeName ?? null,
        })).catch(() => null);
        if (inside?.ready && inside.rows.some((u) => u.includes('tag=devtools'))) break;
        // The default filter shows blocked requests; show all so the row is there whatever the verdict.
        await evalIn(panel, () => document.querySelector('.filter[data-filter="all"]')?.click()).catch(() => {});
        await sleep(300);
      }
      assert.ok(inside?.devtools, 'the panel runs with chrome.devtools (the inspected tab)');
      assert.ok(inside.rows.some((u) => u.includes('tag=devtools')), `the panel lists the lab request: ${inside?.rows.join(' ')}`);
      await evalIn(panel, () => document.querySelector('#viewport .row')?.click());
      await sleep(800);
      const shot = await front.send('Page.captureScreenshot', { format: 'png' }).catch(() => null);
      if (shot?.data) fs.writeFileSync(path.join(ARTIFACTS, 'devtools-panel-chromium.png'), Buffer.from(shot.data, 'base64'));
    } finally {
      await L.close();
    }
  });
}

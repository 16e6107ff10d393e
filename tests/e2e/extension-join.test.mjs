// Issue 11 §3: the page's call, joined every time. A page fires a burst of
// 155 mixed cross-origin calls at once (fetch and XHR; simple, preflighted
// and credentialed; five URLs called five times each with alternating
// credentials; redirects, some from a same-origin first URL; calls the
// browser refuses before the network), in Chromium 156 and Firefox ESR 153,
// five times in a row and once more with the relay's messages delayed by
// 2 s (the test-only setting `testRelayDelayMs`). Asserted by counting:
// - every call has its row, joined to the call (`how` is `call`, or `page`
//   for a call that never reached the network);
// - every joined row is consistent with the request the browser sent (a
//   call made with credentials `include` has the Cookie header the browser
//   sent, `omit` has none), so duplicates were paired with their own
//   request;
// - every verdict names the browser's own reason (CDP `corsError` in
//   Chromium, the console key in Firefox; tests/harness/verdicts.mjs), per
//   URL as a multiset for the URLs called five times;
// - nothing is left pending once the background says it has settled.
// Run: node --test tests/e2e/extension-join.test.mjs
// (WHYCORS_E2E_BROWSERS=chromium|firefox narrows it; WHYCORS_E2E_RUNS=N.)

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startLab, browserVerdicts } from '../harness/index.mjs';
import { ARTIFACTS, BROWSERS, ensureDist, launch, labPage, openExtPage, api, tabIdOf, rowsWhere, sleep, burstSpecs, fireBurst, browserNames } from './extension-helpers.mjs';

const RUNS = Number(process.env.WHYCORS_E2E_RUNS ?? 5);

const sorted = (xs) => [...xs].map((x) => x ?? '-').sort();

for (const name of BROWSERS) {
  describe(`whycors joins every call in ${name}`, { concurrency: false }, () => {
    let lab;
    let L;
    let ext;
    const figures = [];
    before(async () => {
      ensureDist();
      lab = await startLab({ build: false });
      L = await launch(name);
      ext = await openExtPage(L, 'extension/popup.html?tabId=0');
    });
    after(async () => {
      fs.writeFileSync(path.join(ARTIFACTS, `join-${name}.json`), JSON.stringify(figures, null, 2));
      await L?.close();
      await lab?.stop();
    });

    const runs = [...Array(RUNS).keys()].map((r) => ({ run: r + 1, delay: 0 }));
    runs.push({ run: RUNS + 1, delay: 2000 });
    for (const { run, delay } of runs) {
      test(`burst ${run}${delay ? ` (relay delayed by ${delay} ms)` : ''}`, { timeout: 240000 }, async () => {
        await api(ext, { type: 'settings', set: { testRelayDelayMs: delay, trace: true } });
        const work = await L.browser.newPage();
        const url = labPage(lab.origins, `join${run}`);
        await work.goto(url);
        const tabId = await tabIdOf(ext, url);
        const v = await browserVerdicts(work, name);
        // The adapter's input from here on, kept if this run fails (WHYCORS_E2E_FRESH=1:
        // a fresh adapter per run, so that the trace replays natively from nothing).
        await api(ext, { type: 'trace', reset: process.env.WHYCORS_E2E_FRESH === '1' });
        const specs = burstSpecs(lab.origins, run);
        const rejected = await work.evaluate(fireBurst, specs);
        await v.settle(`j${run}-0`, { quietMs: 500, maxMs: 15000 });
        const prefix = `j${run}-`;
        const { rows, list } = await rowsWhere(ext, tabId, (t) => t?.startsWith(prefix), { want: specs.length, timeout: 90000 });
        await v.dispose();
        const trace = await api(ext, { type: 'trace' });
        await api(ext, { type: 'settings', set: { testRelayDelayMs: 0 } });

        // Per tag: the calls, the rows, the browser's names.
        const byTag = new Map();
        specs.forEach((s, i) => {
          const t = new URL(s.url).searchParams.get('tag');
          if (!byTag.has(t)) byTag.set(t, { calls: [], rows: [] });
          byTag.get(t).calls.push({ ...s, rejected: rejected[i] });
        });
        for (const r of rows) byTag.get(new URL(r.u).searchParams.get('tag'))?.rows.push(r);
        let joined = 0;
        let consistent = 0;
        let named = 0;
        const problems = [];
        for (const [t, g] of byTag) {
          const mine = name === 'chromium' ? 'c' : 'f';
          if (g.rows.length !== g.calls.length) problems.push(`${t}: ${g.calls.length} calls, ${g.rows.length} rows`);
          for (const r of g.rows) {
            const got = await api(ext, { type: 'get', tabId, id: r.id });
            if (!got?.exchange) {
              problems.push(`${t}: row ${r.id}: ${JSON.stringify(got)}`);
              continue;
            }
            const p = got.exchange.page;
            const first = got.exchange.legs[0];
            const cookie = (first.requestHeaders ?? []).some((h) => h.name.toLowerCase() === 'cookie');
            if (r.hk && (r.how === 'call' || r.how === 'page')) joined++;
            else problems.push(`${t}: row ${r.id} not joined (${r.how})`);
            const credOk = r.how === 'page' || (p.credentials === 'include') === cookie;
            if (credOk) consistent++;
            else problems.push(`${t}: credentials ${p.credentials} but Cookie ${cookie ? 'sent' : 'not sent'}`);
          }
          const truth = sorted(browserNames(name, v, t, g.calls.length));
          const said = sorted(g.rows.map((r) => (r.v === 'allowed' ? null : r.bl ? r[mine] ?? r.r : `${r.v}`)));
          // Firefox prints nothing for a call refused before the network: whycors names it.
          const firefoxSilent = name === 'firefox' && g.rows.every((r) => r.how === 'page');
          if (firefoxSilent || JSON.stringify(truth) === JSON.stringify(said)) named += g.rows.length;
          else problems.push(`${t}: ${name} says ${truth.join(' ')}; whycors ${said.join(' ')}`);
        }
        await work.close();
        const fig = { run, delay, calls: specs.length, rows: rows.length, joined, consistent, named, pending: list?.pending ?? null, problems: problems.slice(0, 20) };
        figures.push(fig);
        console.log(`${name} burst ${run}: ${JSON.stringify({ ...fig, problems: problems.length })}`);
        if (problems.length) fs.writeFileSync(path.join(ARTIFACTS, `join-trace-${name}-${run}.json`), JSON.stringify(trace));
        assert.deepEqual(problems, [], `every call joined and named (${name}, run ${run})`);
        assert.equal(rows.length, specs.length);
        assert.equal(joined, specs.length, 'every call joined to its exchange');
        assert.equal(consistent, specs.length, 'every join consistent with what was sent');
        assert.equal(named, specs.length, "every verdict names the browser's own reason");
        assert.equal(list.pending, 0, 'nothing left pending');
        await sleep(100);
      });
    }
  });
}

#!/usr/bin/env node
// Records webRequest event traces with the real extension in the real
// browsers, for the native tests of the adapter (src/webrequest/traces.rs):
//
//   node tests/e2e/extension-traces.mjs [--browser chromium|firefox|both] [--only id,...] [--no-burst | --burst-only]
//
// For every lab scenario (www/lab/scenarios.json) that runs in a default
// profile, and for one burst of the join test's 165 calls, it starts a fresh
// adapter in the extension's background (the test-only message
// `{type:'trace', reset:true}`), fires the requests from a lab page, and
// writes what the background fed the adapter, batch by batch, as it fed it
// (the webRequest details as the browser gave them, the relay's messages, the
// sync answers), with what the browser itself reported for each request (CDP
// corsError in Chromium, the console key in Firefox) and what whycors
// decided live:
//
//   tests/data/webrequest/<browser>/<scenario>.json
//   {browser, version, scenario, kind, tag, reported, pageRejected, config,
//    feeds: [{now, items: [[kind, payload], ...]}], live: [{id, how, v, name}]}
//
// Fields of the webRequest details the adapter never reads (frameType,
// documentLifecycle, proxyInfo, urlClassification, ...) are left out to
// keep the files small; the items are otherwise as fed. Replaying a file
// into a fresh `Session` reproduces the live rows exactly (same input, same
// batches).

import fs from 'node:fs';
import path from 'node:path';
import { startLab, loadScenarios, scenarioUrl, requestOf, fireInPage, browserVerdicts } from '../harness/index.mjs';
import { startExtras } from '../harness/tls.mjs';
import { ROOT, ensureDist, launch, labPage, openExtPage, api, tabIdOf, sleep, burstSpecs, fireBurst, browserNames } from './extension-helpers.mjs';

const argv = process.argv.slice(2);
const arg = (n, d) => (argv.includes(n) ? argv[argv.indexOf(n) + 1] : d);
const WHICH = arg('--browser', 'both');
const ONLY = (arg('--only', '') || '').split(',').filter(Boolean);
const OUT = path.join(ROOT, 'tests/data/webrequest');
const KEEP = new Set(['requestId', 'tabId', 'frameId', 'documentId', 'url', 'method', 'type', 'initiator', 'originUrl', 'documentUrl',
  'timeStamp', 'requestHeaders', 'responseHeaders', 'statusCode', 'redirectUrl', 'error', 'ip', 'fromCache']);

function slim(feeds) {
  return feeds.map((f) => ({
    now: f.now,
    items: JSON.parse(f.batch).map(([kind, payload]) => {
      if (kind.length > 3 || typeof payload !== 'object' || payload === null) return [kind, payload];
      return [kind, Object.fromEntries(Object.entries(payload).filter(([k]) => KEEP.has(k)))];
    }),
  }));
}

function applicable(s, name) {
  if (s.browsers && !s.browsers.includes(name)) return false;
  if (s.firefoxPrefs || s.chromiumArgs || s.firefoxExtension || s.from) return false;
  if (String(s.request?.kind ?? '').startsWith('content-script')) return false;
  return !ONLY.length || ONLY.includes(s.id);
}

async function record(name, lab) {
  const L = await launch(name);
  const dir = path.join(OUT, name);
  fs.mkdirSync(dir, { recursive: true });
  let written = 0;
  try {
    const ext = await openExtPage(L, 'extension/popup.html?tabId=0');
    await api(ext, { type: 'settings', set: { trace: true } });
    const work = await L.browser.newPage();
    const url = labPage(lab.origins, 'traces');
    await work.goto(url);
    const tabId = await tabIdOf(ext, url);
    const verdicts = await browserVerdicts(work, name);
    const scenarios = argv.includes('--burst-only') ? [] : loadScenarios().filter((s) => applicable(s, name));
    for (const s of scenarios) {
      const tag = `tr-${s.id}`;
      const req = { ...requestOf(s), url: scenarioUrl(s, lab.origins, tag) };
      await api(ext, { type: 'trace', reset: true });
      await work.bringToFront();
      const page = await work.evaluate(fireInPage, req);
      await verdicts.settle(tag);
      const truth = verdicts.verdict(tag);
      await sleep(300);
      await api(ext, { type: 'settle', timeoutMs: 8000 });
      const trace = await api(ext, { type: 'trace' });
      const list = await api(ext, { type: 'list', tabId });
      const rows = (list.rows ?? []).filter((r) => new URL(r.u).searchParams.get('tag') === tag);
      const file = {
        browser: name,
        version: L.version,
        scenario: s.id,
        kind: req.kind,
        tag,
        reported: name === 'chromium' ? { corsError: truth.corsError ?? null } : { firefoxKey: truth.firefoxKey ?? null },
        pageRejected: page.rejected,
        config: trace.config,
        feeds: slim(trace.feeds),
        live: rows.map((r) => ({ how: r.how, v: r.v, name: name === 'chromium' ? r.c : r.f, sw: !!r.sw })),
      };
      fs.writeFileSync(path.join(dir, `${s.id}.json`), JSON.stringify(file) + '\n');
      written++;
    }
    if (!argv.includes('--no-burst') && !ONLY.length) {
      // One burst of the join test, in a page of its own.
      const bpage = await L.browser.newPage();
      const burl = labPage(lab.origins, 'trace-burst');
      await bpage.goto(burl);
      const btab = await tabIdOf(ext, burl);
      const v = await browserVerdicts(bpage, name);
      await api(ext, { type: 'trace', reset: true });
      const specs = burstSpecs(lab.origins, 'T');
      const rejected = await bpage.evaluate(fireBurst, specs);
      await v.settle('jT-0', { quietMs: 500, maxMs: 15000 });
      await sleep(300);
      await api(ext, { type: 'settle', timeoutMs: 20000 });
      const trace = await api(ext, { type: 'trace' });
      const tags = [...new Set(specs.map((sp) => new URL(sp.url).searchParams.get('tag')))];
      const tagOf = (u) => new URL(u).searchParams.get('tag');
      const truth = Object.fromEntries(tags.map((t) => [t, browserNames(name, v, t, specs.filter((sp) => tagOf(sp.url) === t).length)]));
      const list = await api(ext, { type: 'list', tabId: btab });
      const rows = (list.rows ?? []).filter((r) => new URL(r.u).searchParams.get('tag')?.startsWith('jT-'));
      const file = {
        browser: name,
        version: L.version,
        scenario: 'burst',
        calls: specs.map((sp, i) => ({ ...sp, rejected: rejected[i] })),
        reported: truth,
        config: trace.config,
        feeds: slim(trace.feeds),
        live: rows.map((r) => ({ tag: new URL(r.u).searchParams.get('tag'), how: r.how, v: r.v, name: name === 'chromium' ? r.c : r.f })),
      };
      fs.writeFileSync(path.join(dir, 'burst.json'), JSON.stringify(file) + '\n');
      written++;
      await v.dispose();
    }
    await verdicts.dispose();
  } finally {
    await L.close();
  }
  console.log(`${name}: ${written} traces in ${path.relative(ROOT, dir)}/`);
}

ensureDist();
const lab = await startLab({ build: false });
const extras = await startExtras(lab);
try {
  for (const name of WHICH === 'both' ? ['chromium', 'firefox'] : [WHICH]) await record(name, lab);
} finally {
  await extras.stop();
  await lab.stop();
}

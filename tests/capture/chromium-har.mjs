#!/usr/bin/env node
// Records REAL HAR exports from Chromium 156 of every lab scenario: each HAR
// is written by DevTools' own HAR writer (`models/har/har.js`,
// `HAR.Writer.Writer.harStringForRequests`, the code behind the Network
// panel's "Copy all as HAR (with sensitive data)" / "Export HAR"), run inside
// the DevTools front-end of the tab, over the requests DevTools' network log
// recorded. Neither CDP nor puppeteer-core has a HAR export; this is the
// browser's. What Chromium did with each scenario (CDP `corsErrorStatus`,
// `blockedReason`, net error, DevTools issues) is captured in the same run.
//
//   node tests/capture/chromium-har.mjs [--out tests/data/har/lab/chromium-156] [--ids a,b,c] [--no-cookie] [--bodies]
//
// Writes <out>.har (the lab page's group), <out>.<first-id>.har (every other
// group: another launch or page) and <out>.verdicts.json
// (tests/capture/har-runs.mjs; tests/data/har/README.md).
//
// How: headless Chromium with `--auto-open-devtools-for-tabs` (the harness's
// `launchChromium({devtools: true})`), one launch per set of flags / add-on;
// for each group the tab loads its run page (every scenario fired at once,
// the load event held), then the script calls the writer in the DevTools
// front-end (the network log holds that page load only: DevTools clears it on
// navigation). Ports: the capture's (18801-18805, 18809). The browsers and
// the lab started here are stopped here.

import path from 'node:path';
import { launchChromium } from '../harness/browsers.mjs';
import { ROOT } from '../harness/scenarios.mjs';
import { recordHars, sleep } from './har-runs.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const COOKIE = !args.includes('--no-cookie');
const BODIES = args.includes('--bodies');
const OUT = path.resolve(ROOT, opt('--out', `tests/data/har/lab/chromium-156${COOKIE ? '' : '-nocookie'}`).replace(/\.har$/, ''));
const IDS = opt('--ids', '') ? opt('--ids', '').split(',').filter(Boolean) : null;

/** Runs in the DevTools front-end: DevTools' HAR of every request its network log holds. */
async function devtoolsHar(includeBodies) {
  const Logs = await import('./models/logs/logs.js');
  const HAR = await import('./models/har/har.js');
  const requests = Logs.NetworkLog.NetworkLog.instance().requests();
  // A progress sink (the panel passes its progress indicator).
  const progress = {
    setTitle() {}, setTotalWork() {}, setWorked() {}, incrementWorked() {}, done() {},
    isCanceled: () => false, createSubProgress: () => progress,
    set totalWork(v) {}, set worked(v) {}, set title(v) {}, get canceled() { return false; },
  };
  const text = await HAR.Writer.Writer.harStringForRequests(requests, { sanitize: false }, progress);
  if (includeBodies) return text;
  // Drop response bodies (like Firefox's includeResponseBodies=false): keep sizes and types.
  const har = JSON.parse(text);
  for (const e of har.log.entries) {
    if (e.response?.content && 'text' in e.response.content) {
      delete e.response.content.text;
      e.response.content.comment = 'Response bodies are not included.';
    }
  }
  return JSON.stringify(har);
}

await recordHars({
  browser: 'chromium',
  out: OUT,
  cookie: COOKIE,
  ids: IDS,
  launch: (opts) => launchChromium({ ...opts, devtools: true }),
  async afterLaunch(launched) {
    const page = (await launched.browser.pages())[0] ?? (await launched.browser.newPage());
    // The front-end must be up (its network log records from then on).
    const target = await launched.browser.waitForTarget((t) => t.url().startsWith('devtools://'), { timeout: 20000 });
    const dt = await target.asPage();
    await dt.waitForFunction(() => document.readyState === 'complete', { timeout: 20000 });
    await sleep(1500);
    return { page, dt };
  },
  async exportHar(launched, ctx) {
    await sleep(500);
    return ctx.dt.evaluate(devtoolsHar, BODIES);
  },
}).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

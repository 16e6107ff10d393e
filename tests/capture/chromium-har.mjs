#!/usr/bin/env node
// Records a REAL HAR export from Chromium 156: the HAR is written by
// DevTools' own HAR writer (`models/har/har.js`, `HAR.Writer.Writer
// .harStringForRequests`, the code behind the Network panel's "Copy all as
// HAR (with sensitive data)" / "Export HAR"), run inside the DevTools
// front-end of the tab, over the requests DevTools' network log recorded.
// Neither CDP nor puppeteer-core has a HAR export; this is the browser's.
//
//   node tests/capture/chromium-har.mjs [--out tests/data/har/chromium-156-lab.har] [--ids a,b,c] [--no-cookie] [--bodies]
//
// How: headless Chromium with `--auto-open-devtools-for-tabs` (the
// harness's `launchChromium({devtools: true})`); the tab loads the same run
// page as tests/capture/firefox-har.mjs (every scenario fired while the page
// loads, a cookie `whycors=1` set first unless --no-cookie), then the script
// attaches to the DevTools front-end target and calls the writer there.
// Ports: 18801-18803 unless WHYCORS_HAR_PORTS=page,api,other. The browser
// and the lab started here are stopped here.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../harness/browsers.mjs';
import { startLab } from '../harness/lab.mjs';
import { loadScenarios, ROOT } from '../harness/scenarios.mjs';
import { runPage, DEFAULT_IDS } from './firefox-har.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const OUT = path.resolve(ROOT, opt('--out', 'tests/data/har/chromium-156-lab.har'));
const COOKIE = !args.includes('--no-cookie');
const BODIES = args.includes('--bodies');
const IDS = opt('--ids', DEFAULT_IDS.join(',')).split(',').filter(Boolean);
const PORTS = (process.env.WHYCORS_HAR_PORTS ?? '18801,18802,18803').split(',').map(Number);

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

async function main() {
  const all = loadScenarios();
  const scenarios = IDS.map((id) => {
    const s = all.find((x) => x.id === id);
    if (!s) throw new Error(`no scenario ${id}`);
    return s;
  });
  const www = fs.mkdtempSync(path.join(os.tmpdir(), 'whycors-crhar-'));
  const lab = await startLab({ pagePort: PORTS[0], apiPort: PORTS[1], otherPort: PORTS[2], www });
  let launched = null;
  try {
    fs.writeFileSync(path.join(www, 'run.html'), runPage(lab.origins, scenarios, { cookie: COOKIE }));
    launched = await launchChromium({ devtools: true });
    const page = (await launched.browser.pages())[0] ?? (await launched.browser.newPage());
    // The front-end must be up (its network log records from then on).
    const target = await launched.browser.waitForTarget((t) => t.url().startsWith('devtools://'), { timeout: 20000 });
    const dt = await target.asPage();
    await dt.waitForFunction(() => document.readyState === 'complete', { timeout: 20000 });
    await new Promise((r) => setTimeout(r, 1500));
    await page.goto(`${lab.origins.page}/run.html`, { waitUntil: 'load' });
    await new Promise((r) => setTimeout(r, 1500));
    const text = await dt.evaluate(devtoolsHar, BODIES);
    const har = JSON.parse(text);
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, JSON.stringify(har, null, 2) + '\n');
    console.log(`wrote ${path.relative(ROOT, OUT)}: ${har.log.entries.length} entries (${har.log.creator?.name} ${har.log.creator?.version}, Chromium ${launched.version})`);
  } finally {
    await launched?.close();
    await lab.stop();
    fs.rmSync(www, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

#!/usr/bin/env node
// Records REAL HAR exports from Firefox ESR 153 of every lab scenario:
// DevTools' own HAR automation
// (`devtools/client/netmonitor/src/har/har-automation.js`) writes them. What
// Firefox said about each scenario (its console lines, by message key) is
// captured in the same run.
//
//   node tests/capture/firefox-har.mjs [--out tests/data/har/lab/firefox-153] [--ids a,b,c] [--no-cookie] [--bodies]
//
// Writes <out>.har (the lab page's group), <out>.<first-id>.har (every other
// group: another launch or page) and <out>.verdicts.json
// (tests/capture/har-runs.mjs; tests/data/har/README.md).
//
// How: Firefox is launched by the harness (puppeteer over WebDriver BiDi,
// headless) with `-devtools`, so the toolbox opens for the tab, and with
// `devtools.netmonitor.har.enableAutoExportToFile`: its HarAutomation starts
// collecting on each top-level navigation and writes a file on
// `dom-complete`. The script waits for the toolbox, then for each group loads
// its run page (every scenario fired at once, the load event held so every
// request is done before the export) and picks up the file written in
// `devtools.netmonitor.har.defaultLogDir`. One launch per set of prefs /
// add-on. Ports: the capture's (18801-18805, 18809). Everything started here
// is stopped here.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchFirefox } from '../harness/browsers.mjs';
import { ROOT } from '../harness/scenarios.mjs';
import { recordHars, sleep } from './har-runs.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const COOKIE = !args.includes('--no-cookie');
/** Include response bodies (DevTools' `includeResponseBodies`). */
const BODIES = args.includes('--bodies');
const OUT = path.resolve(ROOT, opt('--out', `tests/data/har/lab/firefox-153${COOKIE ? '' : '-nocookie'}`).replace(/\.har$/, ''));
const IDS = opt('--ids', '') ? opt('--ids', '').split(',').filter(Boolean) : null;

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'whycors-ffhar-'));
/** DevTools' HAR automation, and a toolbox that opens on the network monitor. */
const HAR_PREFS = {
  'devtools.netmonitor.har.enableAutoExportToFile': true,
  'devtools.netmonitor.har.defaultLogDir': logDir,
  'devtools.netmonitor.har.defaultFileName': 'firefox-export',
  'devtools.netmonitor.har.includeResponseBodies': BODIES,
  'devtools.toolbox.host': process.env.WHYCORS_TOOLBOX_HOST ?? 'bottom',
  'devtools.toolbox.selectedTool': 'netmonitor',
  'devtools.netmonitor.persistlog': false,
  'devtools.everOpened': true,
};

const seen = new Set();

async function waitForExport(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const fresh = fs.readdirSync(logDir).filter((n) => n.endsWith('.har') && !seen.has(n));
    if (fresh.length) {
      const file = path.join(logDir, fresh[0]);
      // Let the writer finish.
      let last = -1;
      for (let i = 0; i < 40; i++) {
        const size = fs.statSync(file).size;
        if (size > 0 && size === last) break;
        last = size;
        await sleep(250);
      }
      seen.add(fresh[0]);
      return fs.readFileSync(file, 'utf8');
    }
    await sleep(250);
  }
  throw new Error(`Firefox wrote no HAR in ${ms / 1000} s`);
}

try {
  await recordHars({
    browser: 'firefox',
    out: OUT,
    cookie: COOKIE,
    ids: IDS,
    launch: (opts) => launchFirefox({ ...opts, prefs: { ...HAR_PREFS, ...(opts.prefs ?? {}) }, args: ['-devtools'] }),
    async afterLaunch(launched) {
      const page = (await launched.browser.pages())[0] ?? (await launched.browser.newPage());
      // The toolbox (and its HAR automation) takes a few seconds to come up.
      await sleep(6000);
      return { page };
    },
    async exportHar() {
      return waitForExport(30000);
    },
  });
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  fs.rmSync(logDir, { recursive: true, force: true });
}

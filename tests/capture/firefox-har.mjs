#!/usr/bin/env node
// Records a REAL HAR export from Firefox ESR 153 (DevTools' own HAR
// automation, `devtools/client/netmonitor/src/har/har-automation.js`) of a
// few blocked CORS scenarios of www/lab/scenarios.json, fired against the lab
// server.
//
//   node tests/capture/firefox-har.mjs [--out tests/data/har/firefox-153-lab.har] [--ids a,b,c]
//                                      [--no-cookie] [--bodies] [--keep]
//
// How: Firefox is launched directly (no WebDriver: the HAR comes from
// DevTools, not from the harness) with a fresh profile whose user.js turns on
// `devtools.netmonitor.har.enableAutoExportToFile`, `-headless -devtools`, so
// the toolbox opens for the tab and its HarAutomation watches the tab. The
// automation starts collecting on the top-level `will-navigate` and exports
// on `dom-complete`, so the start page waits for the toolbox, then navigates
// to the run page; the run page fires every scenario while it loads and holds
// its `load` event with a same-origin image answered after a delay, so that
// every scenario request is finished (and collected) before the export.
// The file appears in `devtools.netmonitor.har.defaultLogDir`.
//
// The run page sets a cookie (`whycors=1`) on the lab host first: cookies
// ignore the port, so credentialed requests to the api origin carry it
// (`credentials: 'include'`), the others do not. That is the evidence of the
// credentials mode a HAR can hold. `--no-cookie` leaves it out (then nothing
// in the HAR shows the credentials mode).
//
// Ports: 18801-18803 (the capture ports) unless WHYCORS_HAR_PORTS=page,api,other.
// Everything started here is stopped here (the lab by its pid, Firefox by its pid).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLab } from '../harness/lab.mjs';
import { loadScenarios, scenarioUrl, requestOf, ROOT } from '../harness/scenarios.mjs';
import { FIREFOX_PATH } from '../harness/browsers.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const OUT = path.resolve(ROOT, opt('--out', 'tests/data/har/firefox-153-lab.har'));
const KEEP = args.includes('--keep');
/** Without the cookie, credentialed requests carry nothing that shows their credentials mode. */
const COOKIE = !args.includes('--no-cookie');
/** Include response bodies (DevTools' `includeResponseBodies`). */
const BODIES = args.includes('--bodies');
/** Scenarios fired (fetch / xhr kinds only: they can all go while the page loads). */
export const DEFAULT_IDS = [
  'missing-acao-500',
  'xhr-missing-acao',
  'preflight-404',
  'preflight-missing-acao',
  'method-not-in-acam',
  'header-not-in-acah',
  'acao-two-lines',
  'acao-star-credentials',
  'xhr-credentials-star',
  'preflight-star-credentials',
  'acac-missing-credentials',
  'redirect-target-missing-acao',
  'redirect-cross-origin-origin-null',
  'dropped-connection',
  'allowed-preflight',
  'allowed-acao-star',
];
const IDS = opt('--ids', DEFAULT_IDS.join(',')).split(',').filter(Boolean);
const PORTS = (process.env.WHYCORS_HAR_PORTS ?? '18801,18802,18803').split(',').map(Number);
const TAG = 'ffhar';

export function runPage(origins, scenarios, { cookie = COOKIE } = {}) {
  const reqs = scenarios.map((s) => ({ id: s.id, ...requestOf(s), url: scenarioUrl(s, origins, `${TAG}-${s.id}`) }));
  // The image that holds the load event (same origin: not a CORS request).
  const hold = `${origins.page}/api/hold?type=png&delay=2500`;
  return `<!doctype html><meta charset="utf-8"><title>whycors Firefox HAR capture</title>
<body><p>firing ${reqs.length} scenarios</p>
<script>
${cookie ? "document.cookie = 'whycors=1; path=/; SameSite=Lax';" : ''}
const reqs = ${JSON.stringify(reqs)};
window.results = {};
for (const r of reqs) {
  if (r.kind === 'xhr') {
    const x = new XMLHttpRequest();
    x.open(r.method, r.url, true);
    x.withCredentials = r.credentials === 'include';
    for (const [k, v] of Object.entries(r.headers)) x.setRequestHeader(k, v);
    x.onload = () => { results[r.id] = 'load ' + x.status; };
    x.onerror = () => { results[r.id] = 'error'; };
    x.send(r.body ?? null);
  } else {
    const init = { method: r.method, headers: r.headers, credentials: r.credentials, mode: r.mode, cache: 'no-store' };
    if (r.body !== undefined) init.body = r.body;
    fetch(r.url, init).then((res) => { results[r.id] = 'ok ' + res.status; }, (e) => { results[r.id] = 'rejected ' + e.name; });
  }
}
</script>
<img src="${hold}" alt="">
</body>`;
}

function startPage(runUrl) {
  // Waits for the toolbox (and its HAR automation) to be up, then navigates.
  return `<!doctype html><meta charset="utf-8"><title>whycors start</title>
<script>setTimeout(() => { location.href = ${JSON.stringify(runUrl)}; }, 6000);</script>`;
}

async function waitFor(pred, ms, step = 250) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = pred();
    if (v) return v;
    await new Promise((r) => setTimeout(r, step));
  }
  return null;
}

async function main() {
  const all = loadScenarios();
  const scenarios = IDS.map((id) => {
    const s = all.find((x) => x.id === id);
    if (!s) throw new Error(`no scenario ${id}`);
    return s;
  });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whycors-ffhar-'));
  const www = path.join(tmp, 'www');
  const logDir = path.join(tmp, 'har');
  const profile = path.join(tmp, 'profile');
  fs.mkdirSync(www);
  fs.mkdirSync(logDir);
  fs.mkdirSync(profile);

  const lab = await startLab({ pagePort: PORTS[0], apiPort: PORTS[1], otherPort: PORTS[2], www });
  let ff = null;
  try {
    const { origins } = lab;
    fs.writeFileSync(path.join(www, 'run.html'), runPage(origins, scenarios));
    fs.writeFileSync(path.join(www, 'start.html'), startPage(`${origins.page}/run.html`));
    const prefs = {
      'devtools.netmonitor.har.enableAutoExportToFile': true,
      'devtools.netmonitor.har.defaultLogDir': logDir,
      'devtools.netmonitor.har.defaultFileName': 'firefox-export',
      'devtools.netmonitor.har.includeResponseBodies': BODIES,
      'devtools.toolbox.host': process.env.WHYCORS_TOOLBOX_HOST ?? 'bottom',
      'devtools.toolbox.selectedTool': 'netmonitor',
      'devtools.netmonitor.persistlog': false,
      'browser.shell.checkDefaultBrowser': false,
      'browser.startup.homepage_override.mstone': 'ignore',
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.reportingpolicy.firstRun': false,
      'app.update.disabledForTesting': true,
      'network.proxy.type': 0,
      'browser.aboutwelcome.enabled': false,
      'startup.homepage_welcome_url': 'about:blank',
      'devtools.everOpened': true,
    };
    fs.writeFileSync(
      path.join(profile, 'user.js'),
      Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n',
    );
    const ffArgs = ['-headless', '-no-remote', '-profile', profile, '-devtools', `${origins.page}/start.html`];
    ff = spawn(FIREFOX_PATH, ffArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOZ_HEADLESS: '1' } });
    let log = '';
    ff.stdout.on('data', (d) => { log += d; });
    ff.stderr.on('data', (d) => { log += d; });
    const file = await waitFor(() => {
      const f = fs.readdirSync(logDir).find((n) => n.endsWith('.har'));
      return f ? path.join(logDir, f) : null;
    }, 60000);
    if (!file) {
      console.error(`no HAR exported in 60 s; Firefox said:\n${log.slice(-4000)}`);
      process.exitCode = 1;
      return;
    }
    // Let the writer finish.
    let last = -1;
    await waitFor(() => {
      const size = fs.statSync(file).size;
      const done = size > 0 && size === last;
      last = size;
      return done;
    }, 10000, 500);
    const har = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, JSON.stringify(har, null, 2) + '\n');
    console.log(`wrote ${path.relative(ROOT, OUT)}: ${har.log.entries.length} entries (${har.log.creator?.name} ${har.log.creator?.version})`);
  } finally {
    if (ff && ff.exitCode === null) {
      ff.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { ff.kill('SIGKILL'); r(); }, 5000); ff.on('exit', () => { clearTimeout(t); r(); }); });
    }
    await lab.stop();
    if (!KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    else console.log(`kept ${tmp}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}

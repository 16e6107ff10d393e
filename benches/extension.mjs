#!/usr/bin/env node
// What the whycors extension costs a page, and what its background holds.
//
//   node benches/extension.mjs [--runs 15] [--browser chromium|firefox|both] [--skip-memory]
//
// A page on one origin fires 500 cross-origin fetch() calls at once to a
// second origin (answered `Access-Control-Allow-Origin: *`, or with no CORS
// header for `blocked=1`; `delay=MS` waits first) and measures,
// in the page, the time until all have settled. Configurations, each in its
// own browser instance, runs interleaved (A B C ... A B C ...), a fresh page
// load before each run:
//   none         no extension
//   permission   an extension with the webRequest permission and no listeners
//   floor        an extension with whycors' own webRequest listeners (six
//                events, same filters and extraInfoSpec, extraHeaders where
//                whycors uses it) doing nothing: the cost of the browser's
//                event routing
//   floor-8      all eight events with extraHeaders everywhere (whycors'
//                first design; what dropping two listeners saved)
//   floor-noxh   the eight listeners without extraHeaders (Chromium: blind to
//                preflights and Origin, so not an option; shows its price)
//   whycors-nohook  whycors without its content scripts (the hook's share)
//   whycors      dist/chrome or dist/firefox (WHYCORS_DIST: another dist/)
//   whycors@DIR  the unpacked extension in DIR (to compare builds)
//   floor-no:E1+E2, floor-xh:E1+E2   experiments, see floorExtension()
// Then again with the server answering after 30 ms (none / floor / whycors),
// as many runs.
// Prints median, p25-p75 and min-max per configuration and the ratios the
// issue sets targets for, and the same ratio paired round by round (each
// round's whycors time over the floor time measured next to it). BENCH_CPU=1 (Chromium): also each whycors
// configuration's own background CPU per request (the service worker
// profiled over a run and its settle, busy samples / 500); the profiler
// slows the worker, so take ÷ floor from a run without it. BENCH_BLOCKED=1:
// every request blocked (no Access-Control-Allow-Origin). No assertion: figures only. The two origins are a
// small Node HTTP server of this script's own on 127.0.0.1 (the lab server is
// not needed to answer one fixed header, and Node's server keeps up with
// several browsers hammering it).
//
// Memory: whycors (Chromium) with the cap raised to 10,000, after 10,000
// recorded requests: the service worker's JS heap (CDP Runtime.getHeapUsage),
// storage.session bytes, and how long the panel takes to show 10,000 rows.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { launchChromium, launchFirefox } from '../tests/harness/index.mjs';
import { openExtPage, api } from '../tests/e2e/extension-helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const arg = (name, def) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : def);
const RUNS = Number(arg('--runs', 15));
const WHICH = arg('--browser', 'chromium');
const N = 500;
// WHYCORS_DIST: a dist/ folder other than the repository's (e.g. to compare two builds).
const DIST = path.resolve(process.env.WHYCORS_DIST ?? path.join(ROOT, 'dist'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function floorExtension(kind, browser) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `whycors-floor-${kind.replace(/[^a-z0-9-]/gi, '_')}-`));
  const manifest = {
    manifest_version: 3,
    name: `floor-${kind}`.slice(0, 45),
    version: '1.0',
    permissions: ['webRequest'],
    host_permissions: ['<all_urls>'],
    background: browser === 'firefox' ? { scripts: ['bg.js'], type: 'module' } : { service_worker: 'bg.js', type: 'module' },
  };
  if (browser === 'firefox') manifest.browser_specific_settings = { gecko: { id: `floor-${kind.replace(/[^a-z0-9-]/gi, '')}@whycors.dev` } };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const events = {
    onBeforeRequest: ['OnBeforeRequestOptions', []],
    onBeforeSendHeaders: ['OnBeforeSendHeadersOptions', []],
    onSendHeaders: ['OnSendHeadersOptions', ['requestHeaders']],
    onHeadersReceived: ['OnHeadersReceivedOptions', ['responseHeaders']],
    onBeforeRedirect: ['OnBeforeRedirectOptions', ['responseHeaders']],
    onResponseStarted: ['OnResponseStartedOptions', []],
    onCompleted: ['OnCompletedOptions', ['responseHeaders']],
    onErrorOccurred: ['OnErrorOccurredOptions', []],
  };
  let pick = Object.keys(events);
  // `full`: whycors' own set (extension/background.js): no onBeforeSendHeaders, no
  // onResponseStarted, onBeforeRequest for navigations only and without extraHeaders.
  if (kind === 'full') pick = pick.filter((e) => e !== 'onBeforeSendHeaders' && e !== 'onResponseStarted');
  let noExtraOn = kind === 'full' ? ['onBeforeRequest'] : [];
  // Configurations for experiments (BENCH_CONFIGS), to see what each piece costs:
  // `floor-no:onBeforeRequest+...`: whycors' own set without the events listed;
  // `floor-xh:onSendHeaders+...`: whycors' six events, extraHeaders only on those listed.
  if (kind.startsWith('no:')) {
    const drop = kind.slice(3).split('+');
    pick = pick.filter((e) => e !== 'onBeforeSendHeaders' && e !== 'onResponseStarted' && !drop.includes(e));
    noExtraOn = ['onBeforeRequest'];
  }
  if (kind.startsWith('xh:')) {
    pick = pick.filter((e) => e !== 'onBeforeSendHeaders' && e !== 'onResponseStarted');
    const xh = kind.slice(3).split('+');
    noExtraOn = pick.filter((e) => !xh.includes(e));
  }
  const useExtra = kind !== 'noxh';
  let js = `const wr = (globalThis.browser ?? globalThis.chrome).webRequest;\n`;
  js += `const XH = Object.values(wr.OnBeforeSendHeadersOptions ?? {}).includes('extraHeaders');\n`;
  js += `const spec = (e, base, extra) => { const v = Object.values(wr[e] ?? {}); const s = extra && XH && v.includes('extraHeaders') ? [...base, 'extraHeaders'] : base; return s.length ? s : undefined; };\n`;
  js += `const f = { urls: ['<all_urls>'] };\nconst nop = () => {};\n`;
  // whycors hears onBeforeRequest for navigations only.
  const filterOf = (e) => (kind !== 'eight' && kind !== 'noxh' && e === 'onBeforeRequest' ? `{ ...f, types: ['main_frame'] }` : 'f');
  if (kind !== 'permission') {
    for (const e of pick) {
      const [opt, base] = events[e];
      js += `{ const s = spec(${JSON.stringify(opt)}, ${JSON.stringify(base)}, ${useExtra && !noExtraOn.includes(e)}); if (s) wr.${e}.addListener(nop, ${filterOf(e)}, s); else wr.${e}.addListener(nop, ${filterOf(e)}); }\n`;
    }
  }
  fs.writeFileSync(path.join(dir, 'bg.js'), js);
  return dir;
}

const pageHtml = '<!doctype html><meta charset="utf-8"><title>bench</title><p>bench';
const pageUrl = (origins, name) => `${origins.page}/${name}`;

/** Two origins: `page` serves the HTML page, `api` answers the requests. */
async function startServers() {
  const handler = (role) => (req, res) => {
    const u = new URL(req.url, 'http://x');
    const answer = () => {
      if (role === 'page') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        return res.end(pageHtml);
      }
      const h = { 'Content-Type': 'text/plain' };
      if (!u.searchParams.has('blocked')) h['Access-Control-Allow-Origin'] = '*';
      res.writeHead(200, h);
      res.end('ok');
    };
    const delay = Number(u.searchParams.get('delay') ?? 0);
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  };
  const servers = [];
  const origins = {};
  for (const role of ['page', 'api']) {
    const srv = http.createServer({ keepAliveTimeout: 60000 }, handler(role));
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    servers.push(srv);
    origins[role] = `http://127.0.0.1:${srv.address().port}`;
  }
  return { origins, stop: () => Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections?.(); s.close(r); }))) };
}

async function fire(page, base, n) {
  return page.evaluate(async (b, count) => {
    const t0 = performance.now();
    const ps = [];
    for (let i = 0; i < count; i++) ps.push(fetch(`${b}&i=${i}`, { cache: 'no-store' }).then((r) => r.text()).catch(() => {}));
    await Promise.all(ps);
    return performance.now() - t0;
  }, base, n);
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  return { median: q(0.5), p25: q(0.25), p75: q(0.75), min: s[0], max: s[s.length - 1], n: s.length };
}
const fmt = (x) => x.toFixed(1).padStart(7);

async function launchConfig(browser, kind) {
  const launcher = browser === 'chromium' ? launchChromium : launchFirefox;
  if (kind === 'none') return launcher({});
  // `whycors@/some/dir`: another build of the extension (an unpacked folder for this browser).
  if (kind.startsWith('whycors@')) return launcher({ extensionDir: kind.slice('whycors@'.length) });
  if (kind === 'whycors') return launcher({ extensionDir: path.join(DIST, browser === 'chromium' ? 'chrome' : 'firefox') });
  if (kind === 'whycors-nohook') {
    // whycors without its content scripts: what the MAIN-world hook costs.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whycors-nohook-'));
    fs.cpSync(path.join(DIST, browser === 'chromium' ? 'chrome' : 'firefox'), dir, { recursive: true });
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    delete m.content_scripts;
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    return launchTemporary(launcher, dir);
  }
  const floorKind = kind.startsWith('floor-xh:') || kind.startsWith('floor-no:') ? kind.slice('floor-'.length) : { floor: 'full', 'floor-8': 'eight', 'floor-noxh': 'noxh', permission: 'permission' }[kind];
  return launchTemporary(launcher, floorExtension(floorKind, browser));
}

/** Launches with the extension in `dir`, a temporary folder removed on close. */
async function launchTemporary(launcher, dir) {
  const L = await launcher({ extensionDir: dir });
  const close = L.close.bind(L);
  L.close = async () => {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return L;
}

/**
 * The background's own CPU (Chromium, BENCH_CPU=1): the service worker
 * sampled by the CDP Profiler (100 us) from before a run until after its
 * settle; the busy time is every sample that is not "(idle)" (JS, the wasm
 * engine, GC, the worker's own native work). The profiler slows the worker,
 * so the page-side times of such a run are not comparable: ÷ floor comes
 * from a run without it.
 */
async function cpuStart(L) {
  try {
    const t = (await L.browser.targets()).find((x) => x.type() === 'service_worker' && x.url().startsWith(L.extensionOrigin ?? '\0'));
    if (!t) return false;
    if (L.cpuTarget !== t) {
      L.cpuTarget = t;
      L.cpuSession = await t.createCDPSession();
      await L.cpuSession.send('Profiler.enable');
      await L.cpuSession.send('Profiler.setSamplingInterval', { interval: 100 });
    }
    await L.cpuSession.send('Profiler.start');
    return true;
  } catch {
    L.cpuTarget = null;
    return false;
  }
}
async function cpuStop(L) {
  try {
    const { profile } = await L.cpuSession.send('Profiler.stop');
    if (process.env.BENCH_CPU_PROFILE) {
      // BENCH_CPU_PROFILE=DIR: each run's profile, for devtools' Performance panel.
      fs.mkdirSync(process.env.BENCH_CPU_PROFILE, { recursive: true });
      fs.writeFileSync(path.join(process.env.BENCH_CPU_PROFILE, `background-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    }
    const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
    let busy = 0;
    for (let i = 0; i < profile.samples.length; i++) if (!idle.has(profile.samples[i])) busy += profile.timeDeltas[i] ?? 0;
    return busy; // microseconds
  } catch {
    L.cpuTarget = null;
    return null;
  }
}
const CPU = process.env.BENCH_CPU === '1';

async function timing(browser, lab, configs, { delay = 0, runs = RUNS } = {}) {
  const launched = [];
  for (const kind of configs) {
    const L = await launchConfig(browser, kind);
    const page = await L.browser.newPage();
    const c = { kind, L, page, times: [], cpu: [], settle: async () => {} };
    if (kind.startsWith('whycors')) {
      // whycors holds finished exchanges until the tab's traffic pauses: wait
      // for that work after each run (not timed), so it never runs during
      // another configuration's run.
      // The extension page asking is opened for that and closed again, so
      // that no page of whycors' own is open during a timed run.
      // (openExtPage: Firefox never fires `load` for a moz-extension://
      // page under puppeteer, so a plain goto timed out there.)
      c.settle = async () => {
        const ext = await openExtPage(L, 'extension/popup.html?tabId=0');
        await api(ext, { type: 'settle' });
        await ext.close();
      };
    }
    launched.push(c);
  }
  // BENCH_BLOCKED=1: every request blocked (no Access-Control-Allow-Origin): the
  // diagnoses then include a fix search, which the background now defers.
  const base = `${lab.origins.api}/bench?x=1${delay ? `&delay=${delay}` : ''}${process.env.BENCH_BLOCKED === '1' ? '&blocked=1' : ''}`;
  // Warm-up: one run each (connections, caches, the engine's first load).
  for (const c of launched) {
    await c.page.goto(pageUrl(lab.origins, `bench-${c.kind}`));
    await fire(c.page, base, N);
    await c.settle();
  }
  for (let r = 0; r < runs; r++) {
    const order = r % 2 ? [...launched].reverse() : launched; // interleaved, alternating order
    for (const c of order) {
      await c.page.goto(pageUrl(lab.origins, `bench-${c.kind}`));
      await sleep(100);
      const profiling = CPU && browser === 'chromium' && c.kind.startsWith('whycors') && (await cpuStart(c.L));
      c.times.push(await fire(c.page, base, N));
      await c.settle();
      await sleep(150); // let the background finish its work before the next configuration runs
      const busy = profiling ? await cpuStop(c.L) : null;
      if (busy !== null) c.cpu.push(busy / N);
    }
  }
  for (const c of launched) await c.L.close();
  const out = {};
  console.log(`\n${browser}: ${N} cross-origin fetches per page, server delay ${delay} ms, ${runs} interleaved runs (ms, page-side)`);
  console.log('  configuration    median     p25     p75     min     max');
  for (const c of launched) {
    const st = stats(c.times);
    out[c.kind] = st;
    console.log(`  ${c.kind.padEnd(14)} ${fmt(st.median)} ${fmt(st.p25)} ${fmt(st.p75)} ${fmt(st.min)} ${fmt(st.max)}`);
  }
  for (const c of launched) {
    if (!c.cpu.length) continue;
    const st = stats(c.cpu);
    console.log(`  ${c.kind}: the background's own CPU per request (service worker, profiler samples not idle, run + settle) median ${st.median.toFixed(1)} us, p25 ${st.p25.toFixed(1)}, p75 ${st.p75.toFixed(1)} (${st.n} runs)`);
  }
  const ratio = (a, b) => (out[a] && out[b] ? (out[a].median / out[b].median).toFixed(3) : 'n/a');
  console.log(`  whycors / floor = ${ratio('whycors', 'floor')}   whycors / none = ${ratio('whycors', 'none')}   floor / none = ${ratio('floor', 'none')}` +
    (out.permission ? `   permission / none = ${ratio('permission', 'none')}` : '') +
    (out['floor-8'] ? `   floor / floor-8 = ${ratio('floor', 'floor-8')}` : '') +
    (out['whycors-nohook'] ? `   whycors-nohook / floor = ${ratio('whycors-nohook', 'floor')}` : '') +
    (out['floor-noxh'] ? `   floor-noxh / floor-8 = ${ratio('floor-noxh', 'floor-8')}` : ''));
  // The same, paired: each round's whycors time over the same round's floor
  // time (the two ran back to back, so the machine's drift between rounds
  // cancels), median and p25-p75 over the rounds.
  const floor = launched.find((c) => c.kind === 'floor');
  for (const c of floor ? launched.filter((x) => x.kind.startsWith('whycors')) : []) {
    const st = stats(c.times.map((t, i) => t / floor.times[i]));
    console.log(`  paired, round by round: ${c.kind} / floor median ${st.median.toFixed(3)} (p25 ${st.p25.toFixed(3)}, p75 ${st.p75.toFixed(3)}, ${st.n} rounds)`);
  }
  return out;
}

async function memory(lab) {
  const L = await launchChromium({ extensionDir: path.join(DIST, 'chrome') });
  try {
    const work = await L.browser.newPage();
    const url = pageUrl(lab.origins, 'bench-memory');
    await work.goto(url);
    const ext = await L.browser.newPage();
    await ext.goto(`${L.extensionOrigin}/extension/popup.html?tabId=0`);
    const call = (m) => ext.evaluate((msg) => chrome.runtime.sendMessage(msg), m);
    await call({ type: 'settings', set: { cap: 10000 } });
    const tabId = await ext.evaluate(async (u) => (await chrome.tabs.query({})).find((t) => t.url === u)?.id, url);
    const swHeap = async () => {
      const tg = L.browser.targets().find((t) => t.type() === 'service_worker' && t.url().startsWith(L.extensionOrigin));
      if (!tg) return null;
      const s = await tg.createCDPSession();
      await s.send('HeapProfiler.collectGarbage').catch(() => {});
      const h = await s.send('Runtime.getHeapUsage');
      await s.detach();
      return h.usedSize;
    };
    const before = await swHeap();
    const t0 = Date.now();
    for (let b = 0; b < 20; b++) await fire(work, `${lab.origins.api}/mem?blocked=1&b=${b}`, 500); // blocked: no ACAO
    let list;
    do {
      await sleep(500);
      list = await call({ type: 'list', tabId, since: 1e12 });
    } while (list.total < 10000 && Date.now() - t0 < 180000);
    const recordedMs = Date.now() - t0;
    const after = await swHeap();
    const bytes = await ext.evaluate(() => chrome.storage.session.getBytesInUse(null));
    const p0 = Date.now();
    const panel = await L.browser.newPage();
    await panel.setViewport({ width: 1280, height: 800 });
    await panel.goto(`${L.extensionOrigin}/extension/panel.html?tabId=${tabId}&filter=all`);
    await panel.waitForFunction(() => document.documentElement.dataset.ready === '1', { timeout: 60000 });
    const panelMs = Date.now() - p0;
    const scroll = await panel.evaluate(async () => {
      const vp = document.getElementById('viewport');
      const times = [];
      for (let i = 1; i <= 20; i++) {
        const t = performance.now();
        vp.scrollTop = (vp.scrollHeight * i) / 20;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        times.push(performance.now() - t);
      }
      const input = document.getElementById('text');
      const t = performance.now();
      input.value = 'b=19&i=499';
      input.dispatchEvent(new Event('input'));
      await new Promise((r) => setTimeout(r, 100));
      return { frames: times, filterMs: performance.now() - t - 60, rows: document.querySelectorAll('#viewport .row').length };
    });
    const mb = (x) => (x == null ? 'n/a' : `${(x / 1048576).toFixed(1)} MB`);
    console.log('\nchromium: whycors background with 10,000 recorded requests (cap raised to 10,000)');
    console.log(`  recorded ${list.total} (dropped ${list.dropped}) in ${recordedMs} ms`);
    console.log(`  service worker JS heap: ${mb(before)} idle -> ${mb(after)} with 10,000 (${after && before ? ((after - before) / 10000).toFixed(0) : 'n/a'} bytes/request)`);
    console.log(`  storage.session in use: ${mb(bytes)} (${(bytes / Math.max(1, list.total)).toFixed(0)} bytes/request; quota 10 MB)`);
    console.log(`  panel: ${panelMs} ms to show 10,000 rows; scroll frames median ${stats(scroll.frames).median.toFixed(1)} ms, max ${stats(scroll.frames).max.toFixed(1)} ms; URL filter ${scroll.filterMs.toFixed(1)} ms (${scroll.rows} row shown)`);
  } finally {
    await L.close();
  }
}

const lab = await startServers();
try {
  const browsers = WHICH === 'both' ? ['chromium', 'firefox'] : [WHICH];
  for (const b of browsers) {
    const configs = process.env.BENCH_CONFIGS?.split(',') ??
      (b === 'chromium' ? ['none', 'permission', 'floor-8', 'floor', 'floor-noxh', 'whycors-nohook', 'whycors'] : ['none', 'permission', 'floor-8', 'floor', 'whycors-nohook', 'whycors']);
    await timing(b, lab, configs);
    if (!argv.includes('--skip-latency')) await timing(b, lab, ['none', 'floor', 'whycors'], { delay: 30, runs: RUNS });
  }
  if (!argv.includes('--skip-memory')) await memory(lab);
} finally {
  await lab.stop();
}

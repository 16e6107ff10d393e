// Replays the WPT-derived exchanges (tests/data/wpt/{cors-origin-htm,
// cors-preflight-star,cors-preflight-status,cors-redirect-credentials}.json)
// in the installed Chromium and Firefox ESR against `whycors lab`, and
// records whether each request succeeded.
//
//   cargo build && PUPPETEER_SKIP_DOWNLOAD=1 node tests/data/wpt/measure_evaluate.mjs
//
// Writes tests/data/wpt/measured-evaluate.json, which make_wpt_data.py reads
// to put the browsers' measured outcome next to WPT's expectation.
//
// The lab's three origins stand in for WPT's: page = web-platform.test:8000,
// api = www1.web-platform.test:8000, other = web-platform.test:8001 (ports
// from WHYCORS_MEASURE_PORTS, default 9811,9812,9813). Each case's response
// headers (the Access-Control-* lines, byte for byte, via `h=` / `pf.h=`),
// statuses and redirects become lab URL parameters; the page runs fetch()
// with the case's method, author headers and credentials mode. Cases whose
// header values hold a NUL byte cannot be served by the lab and are skipped.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const [P1, P2, P3] = (process.env.WHYCORS_MEASURE_PORTS || '9811,9812,9813').split(',').map(Number);
const PAGE = `http://127.0.0.1:${P1}`, API = `http://127.0.0.1:${P2}`, OTHER = `http://127.0.0.1:${P3}`;

function sub(s) {
  return s
    .replaceAll('www1.web-platform.test:8000', `127.0.0.1:${P2}`)
    .replaceAll('WWW1.WEB-PLATFORM.TEST:8000', `127.0.0.1:${P2}`)
    .replaceAll('web-platform.test:8001', `127.0.0.1:${P3}`)
    .replaceAll('web-platform.test:8000', `127.0.0.1:${P1}`)
    .replaceAll('WEB-PLATFORM.TEST:8000', `127.0.0.1:${P1}`);
}
const isCors = (n) => n.toLowerCase().startsWith('access-control-');
const FORBIDDEN = new Set(['origin', 'cookie', 'referer', 'host']);

function plan(c) {
  const ex = c.exchange;
  const q = [];
  const add = (k, v) => q.push(`${k}=${encodeURIComponent(v)}`);
  const pf = ex.preflight;
  if (pf) {
    if (pf.status != null) add('pf.status', String(pf.status));
    for (const h of pf.headers || []) if (isCors(h.name)) add('pf.h', `${h.name}:${sub(h.value)}`);
  }
  let respHeaders = ex.response?.headers;
  if (!ex.response && pf) respHeaders = (pf.headers || []).filter((h) => /^access-control-allow-(origin|credentials)$/i.test(h.name));
  if (ex.response?.status) add('status', String(ex.response.status));
  let url;
  if ((ex.redirects || []).length) {
    // One hop: the first URL answers with a redirect to the (mapped) Location.
    const hop = ex.redirects[0];
    const loc = (hop.headers.find((h) => h.name.toLowerCase() === 'location') || {}).value || '';
    const target = new URL(sub(loc));
    const tq = [];
    for (const h of respHeaders || [{ name: 'Access-Control-Allow-Origin', value: '*' }]) if (isCors(h.name)) tq.push(`h=${encodeURIComponent(`${h.name}:${sub(h.value)}`)}`);
    const userinfo = target.username || target.password ? `${target.username}:${target.password}@` : '';
    const targetUrl = `${target.protocol}//${userinfo}${target.host}/api/t?${tq.join('&')}`;
    const first = new URL(sub(hop.url));
    const hq = [`redirect=${encodeURIComponent(targetUrl)}`, `status=${hop.status}`];
    for (const h of hop.headers) if (isCors(h.name)) hq.push(`h=${encodeURIComponent(`${h.name}:${sub(h.value)}`)}`);
    url = `${first.protocol}//${first.host}/api/r?${hq.join('&')}`;
  } else {
    for (const h of respHeaders || []) if (isCors(h.name)) add('h', `${h.name}:${sub(h.value)}`);
    url = `${API}/api/w?${q.join('&')}`;
  }
  const headers = (ex.request.headers || []).filter((h) => !FORBIDDEN.has(h.name.toLowerCase())).map((h) => [h.name, h.value]);
  return {
    name: c.name, url, method: ex.request.method || 'GET', headers,
    credentials: c.credentialed ? 'include' : 'same-origin',
    skip: url.includes('%00') ? 'a NUL byte in a header value: the lab refuses to send it' : null,
  };
}

const files = ['cors-origin-htm.json', 'cors-preflight-star.json', 'cors-preflight-status.json', 'cors-redirect-credentials.json'];
const plans = [];
for (const f of files) {
  const doc = JSON.parse(fs.readFileSync(path.join(here, f), 'utf8'));
  for (const c of doc.cases) plans.push({ file: f, ...plan(c) });
}

const lab = spawn(path.join(root, 'target/debug/whycors'),
  ['lab', '--page-port', String(P1), '--api-port', String(P2), '--other-port', String(P3), '--www', path.join(root, 'www')],
  { stdio: ['ignore', 'ignore', 'inherit'] });
await new Promise((r) => setTimeout(r, 800));

async function run(kind) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wpt-eval-${kind}-`));
  const browser = kind === 'chromium'
    ? await puppeteer.launch({ browser: 'chrome', executablePath: '/usr/bin/chromium', headless: true, pipe: true, userDataDir: dir,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync'] })
    : await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, userDataDir: dir });
  const version = await browser.version();
  const tab = await browser.newPage();
  await tab.goto(`${PAGE}/api/blank?body=${encodeURIComponent('<!doctype html>')}`);
  const out = await tab.evaluate(async (plans) => {
    const res = [];
    for (const p of plans) {
      if (p.skip) { res.push(null); continue; }
      try {
        const r = await fetch(p.url, { method: p.method, headers: p.headers, credentials: p.credentials, cache: 'no-store', redirect: 'follow' });
        await r.text();
        res.push('pass');
      } catch (e) {
        res.push('fail');
      }
    }
    return res;
  }, plans);
  await browser.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { version, out };
}

try {
  const chromium = await run('chromium');
  const firefox = await run('firefox');
  const cases = plans.map((p, i) => ({
    file: p.file, name: p.name, url: p.url.replaceAll(String(P1), '<page>').replaceAll(String(P2), '<api>').replaceAll(String(P3), '<other>'),
    chromium: chromium.out[i], firefox: firefox.out[i], ...(p.skip ? { skipped: p.skip } : {}),
  }));
  const doc = { measuredAt: new Date().toISOString().slice(0, 10), chromium: { version: chromium.version }, firefox: { version: firefox.version }, cases };
  fs.writeFileSync(path.join(here, 'measured-evaluate.json'), JSON.stringify(doc, null, 1) + '\n');
  for (const b of ['chromium', 'firefox']) {
    const n = cases.filter((c) => c[b] === 'pass').length;
    console.log(b, doc[b].version, n, 'passed of', cases.filter((c) => c[b]).length, 'measured');
  }
} finally {
  lab.kill();
}

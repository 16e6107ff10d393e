// Measures, in the installed Chromium and Firefox ESR, whether each request
// of the WPT safelist tables (tests/data/wpt/{cors-safelisted-request-header,
// not-cors-safelisted}.json) makes the browser send a CORS preflight.
//
//   PUPPETEER_SKIP_DOWNLOAD=1 node tests/data/wpt/measure_safelist.mjs
//
// Writes tests/data/wpt/measured-safelist.json, which make_wpt_data.py reads
// to record the browsers' truth next to WPT's expectation.
//
// Two origins on 127.0.0.1 (different ports): the page origin serves a blank
// page; the api origin records every request (method, case id) and answers
// preflights permissively. The page runs fetch() for each case; a case
// "preflights" when an OPTIONS with its id reached the api origin.

import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = ['cors-safelisted-request-header.json', 'not-cors-safelisted.json'];
const cases = [];
for (const f of files) {
  const doc = JSON.parse(fs.readFileSync(path.join(here, f), 'utf8'));
  for (const c of doc.cases) cases.push({ file: f, name: c.name, method: c.method, headers: c.headers });
}

const seen = new Map(); // id -> Set(methods)
function listen(handler) {
  return new Promise((resolve) => {
    const s = http.createServer(handler);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}
const page = await listen((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>measure</title>');
});
const api = await listen((req, res) => {
  const u = new URL(req.url, 'http://x');
  const id = u.searchParams.get('id');
  if (id !== null) {
    if (!seen.has(id)) seen.set(id, new Set());
    seen.get(id).add(req.method);
  }
  const h = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
  if (req.method === 'OPTIONS') {
    h['access-control-allow-methods'] = '*';
    h['access-control-allow-headers'] = req.headers['access-control-request-headers'] || '*';
    h['access-control-max-age'] = '0';
    res.writeHead(204, h);
    res.end();
    return;
  }
  req.resume();
  req.on('end', () => { res.writeHead(200, h); res.end('ok'); });
});
const pageOrigin = `http://127.0.0.1:${page.address().port}`;
const apiOrigin = `http://127.0.0.1:${api.address().port}`;

async function run(kind) {
  seen.clear();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wpt-${kind}-`));
  const browser = kind === 'chromium'
    ? await puppeteer.launch({ browser: 'chrome', executablePath: '/usr/bin/chromium', headless: true, pipe: true,
        userDataDir: dir,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync'] })
    : await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true,
        userDataDir: dir });
  const version = await browser.version();
  const tab = await browser.newPage();
  await tab.goto(pageOrigin + '/');
  const results = await tab.evaluate(async (apiOrigin, cases) => {
    const out = [];
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      const init = { method: c.method, headers: c.headers.map((h) => [h.name, h.value]), cache: 'no-store' };
      if (c.method === 'POST') init.body = 'data';
      let error = null;
      try {
        const r = await fetch(`${apiOrigin}/api?id=${i}`, init);
        await r.text();
      } catch (e) {
        error = String(e);
      }
      out.push({ i, error });
    }
    return out;
  }, apiOrigin, cases);
  await browser.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    version,
    cases: cases.map((c, i) => ({
      file: c.file, name: c.name,
      preflight: seen.get(String(i))?.has('OPTIONS') ?? false,
      sent: seen.get(String(i))?.has(c.method) ?? false,
      error: results[i]?.error ?? null,
    })),
  };
}

const measured = { measuredAt: new Date().toISOString().slice(0, 10), pageOrigin: 'http://127.0.0.1:<port>',
  chromium: await run('chromium'), firefox: await run('firefox') };
page.close();
api.close();
fs.writeFileSync(path.join(here, 'measured-safelist.json'), JSON.stringify(measured, null, 1) + '\n');
for (const b of ['chromium', 'firefox']) {
  const m = measured[b];
  console.log(b, m.version, m.cases.filter((c) => c.preflight).length, 'of', m.cases.length, 'preflighted');
}

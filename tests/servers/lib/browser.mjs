// One page per browser, with the whycors extension loaded: fires every
// case's request from a page on its own loopback origin and collects what
// the browser itself reported (tests/harness/verdicts.mjs) and what whycors
// said (the extension's message API, as tests/e2e/extension.test.mjs reads it).

import http from 'node:http';
import path from 'node:path';
import { launchChromium, launchFirefox, browserVerdicts } from '../../harness/index.mjs';
import { ROOT } from './stacks.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const DIST = { chromium: path.join(ROOT, 'dist/chrome'), firefox: path.join(ROOT, 'dist/firefox') };

const PAGE_HTML = '<!doctype html><meta charset="utf-8"><title>whycors servers</title><p>whycors real-server suite page</p>';

/** The page's own origin: a plain Node server that serves one HTML page. */
export async function startPageServer(port) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(PAGE_HTML);
  });
  await new Promise((resolve, reject) => server.listen(port, '127.0.0.1', resolve).on('error', reject));
  return { origin: `http://127.0.0.1:${port}`, url: `http://127.0.0.1:${port}/page`, stop: () => new Promise((r) => server.close(r)) };
}

async function openExtPage(L, rel) {
  const page = await L.browser.newPage();
  const url = `${L.extensionOrigin}/${rel}`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: L.name === 'firefox' ? 2500 : 15000 }).catch(() => {});
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', { timeout: 15000 }).catch(() => {});
  return page;
}

const api = (extPage, msg) => extPage.evaluate((m) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage(m), msg);

/** Runs in the page: fires the requests one after the other, returns what page JavaScript saw. */
async function fireAll(reqs) {
  const out = [];
  // Cookies a case needs, scoped by path to that case's URLs only (cookies
  // ignore ports: a path keeps them away from every other server here).
  for (const r of reqs) if (r.cookie) document.cookie = r.cookie;
  for (const r of reqs) {
    const init = { method: r.method, headers: r.headers ?? {}, credentials: r.credentials ?? 'same-origin', mode: 'cors', cache: 'no-store' };
    if (r.body !== undefined) init.body = r.body;
    try {
      const res = await fetch(r.url, init);
      const read = r.read ? res.headers.get(r.read) : undefined;
      await res.text().catch(() => '');
      out.push({ tag: r.tag, rejected: false, status: res.status, ...(r.read ? { read } : {}) });
    } catch (e) {
      out.push({ tag: r.tag, rejected: true, error: `${e.name}: ${e.message}` });
    }
  }
  return out;
}

/**
 * In `name` ('chromium' | 'firefox') with the extension: fires `reqs`
 * ([{tag, url, method, headers, body, credentials}]) from one page on
 * `page.url`, and returns per tag {page, truth, diagnosis, exchange, rows}.
 */
export async function runInBrowser(name, page, reqs, { log = () => {} } = {}) {
  const L = name === 'chromium'
    ? await launchChromium({ extensionDir: DIST.chromium })
    : await launchFirefox({ extensionDir: DIST.firefox });
  try {
    const work = await L.browser.newPage();
    await work.goto(page.url);
    const ext = await openExtPage(L, 'extension/popup.html?tabId=0');
    const tabId = await ext.evaluate(async (u) => {
      const a = globalThis.browser ?? globalThis.chrome;
      return (await a.tabs.query({})).find((t) => t.url === u)?.id ?? null;
    }, page.url);
    if (!Number.isInteger(tabId)) throw new Error(`${name}: the page's tab is not known to the extension`);
    const status = await api(ext, { type: 'status' });
    const verdicts = await browserVerdicts(work, name);
    const t0 = Date.now();
    const fired = await work.evaluate(fireAll, reqs);
    await verdicts.settle(null, { quietMs: 500, maxMs: 8000 });
    // The extension's rows, once every request has one with the page's record
    // of the call joined, and nothing changed for a while.
    const tags = new Set(reqs.map((r) => r.tag));
    const tagOf = (u) => { try { return new URL(u).searchParams.get('tag'); } catch { return null; } };
    let rows = [];
    let last = '';
    let stable = 0;
    const end = Date.now() + 45000;
    while (Date.now() < end) {
      await api(ext, { type: 'settle' }).catch(() => {});
      const list = await api(ext, { type: 'list', tabId });
      rows = (list.rows ?? []).filter((r) => tags.has(tagOf(r.u)));
      const have = new Set(rows.filter((r) => r.hk).map((r) => tagOf(r.u)));
      const sig = JSON.stringify(rows.map((r) => [r.id, r.rev]));
      if (have.size === tags.size && sig === last) {
        if (++stable >= 3) break;
      } else stable = 0;
      last = sig;
      await sleep(300);
    }
    const out = {};
    for (const r of reqs) {
      const mine = rows.filter((x) => tagOf(x.u) === r.tag).sort((a, b) => a.id - b.id);
      const got = mine[0] ? await api(ext, { type: 'get', tabId, id: mine[0].id }) : null;
      out[r.tag] = {
        page: fired.find((f) => f.tag === r.tag) ?? null,
        truth: verdicts.verdict(r.tag),
        rows: mine.length,
        diagnosis: got?.diagnosis ?? null,
        exchange: got?.exchange ?? null,
      };
    }
    log(`${name} ${L.version}: ${reqs.length} requests fired and read in ${Date.now() - t0} ms`);
    await verdicts.dispose?.();
    return { browser: name, version: L.version, extension: status, results: out };
  } finally {
    await L.close();
  }
}

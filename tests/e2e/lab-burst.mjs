// A burst of cross-origin fetch()es at the lab server from a real browser:
// how long until every one has settled. A measurement, not a test (the
// end-to-end test of the same burst is in tests/e2e/lab.test.mjs).
//
//   node tests/e2e/lab-burst.mjs [--browser chromium|firefox|both] [--n 2000]
//        [--mix] [--node] [--timeout 170]
//
//   --mix      every 100th request delayed 1.5 s, every 250th dropped, half
//              of the rest with acao=* (without --mix: all acao=*, none slow)
//   --node     fire at a plain Node http server instead (the baseline)
//   WHYCORS_BIN=path  the lab binary to measure (default: cargo build, debug)
//
// Prints one JSON line per browser: {browser, server, n, ms, resolved,
// rejected, records, pending}.

import http from 'node:http';
import { launch } from '../harness/browsers.mjs';
import { startLab } from '../harness/lab.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const WHICH = opt('browser', 'both');
const N = Number(opt('n', '2000'));
const MIX = args.includes('--mix');
const NODE = args.includes('--node');
const TIMEOUT_S = Number(opt('timeout', '170'));

/** The URL of request i of a burst tagged `tag` against `api`. */
export function burstUrl(api, tag, i, mix) {
  const q = new URLSearchParams();
  if (mix && i % 250 === 125) q.set('drop', '1');
  else if (mix && i % 100 === 50) q.set('delay', '1500');
  if (!mix || i % 2 === 0) q.set('acao', '*');
  q.set('tag', tag);
  q.set('_i', String(i));
  return `${api}/api/burst?${q}`;
}

/** Fires the burst from `page`; resolves with the page's counts and the wall time. */
export async function fireBurst(page, urls, timeoutMs) {
  return page.evaluate(async (list, ms) => {
    const t0 = performance.now();
    let resolved = 0;
    let rejected = 0;
    const all = Promise.all(list.map((u) => fetch(u, { cache: 'no-store' })
      .then(async (r) => { await r.text(); resolved++; }, () => { rejected++; })));
    const timer = new Promise((r) => setTimeout(() => r('timeout'), ms));
    const how = await Promise.race([all.then(() => 'done'), timer]);
    return { how, ms: Math.round(performance.now() - t0), resolved, rejected };
  }, urls, timeoutMs);
}

async function main() {
  let lab = null;
  let node = null;
  let api;
  let pageOrigin;
  if (NODE) {
    // The baseline: a page server and a cross-origin API in plain Node.
    const mk = (fn) => new Promise((r) => {
      const s = http.createServer({ keepAliveTimeout: 60000 }, fn);
      s.listen(0, '127.0.0.1', () => r(s));
    });
    const apiSrv = await mk((req, res) => {
      const u = new URL(req.url, 'http://x');
      const go = () => {
        if (u.searchParams.get('drop')) { req.socket.destroy(); return; }
        const h = { 'content-type': 'text/plain' };
        if (u.searchParams.get('acao')) h['access-control-allow-origin'] = '*';
        res.writeHead(200, h);
        res.end('ok');
      };
      const d = Number(u.searchParams.get('delay') ?? 0);
      if (d) setTimeout(go, d); else go();
    });
    const pageSrv = await mk((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>p</title>'); });
    node = [apiSrv, pageSrv];
    api = `http://127.0.0.1:${apiSrv.address().port}`;
    pageOrigin = `http://127.0.0.1:${pageSrv.address().port}`;
  } else {
    lab = await startLab();
    api = lab.origins.api;
    pageOrigin = lab.origins.page;
  }
  const browsers = WHICH === 'both' ? ['chromium', 'firefox'] : [WHICH];
  try {
    for (const name of browsers) {
      const launched = await launch(name);
      try {
        const page = await launched.browser.newPage();
        // Any page of the page origin will do (the burst is cross-origin from it).
        await page.goto(NODE ? `${pageOrigin}/` : `${pageOrigin}/__lab.json`, { waitUntil: 'load' });
        const tag = `burst-${name}-${Date.now()}`;
        const urls = Array.from({ length: N }, (_, i) => burstUrl(api, tag, i, MIX));
        const r = await fireBurst(page, urls, TIMEOUT_S * 1000);
        let records = null;
        let pending = null;
        if (lab) {
          const recs = await lab.records(tag);
          records = recs.length;
          pending = recs.filter((x) => x.sent === null).length;
        }
        console.log(JSON.stringify({ browser: name, version: launched.version, server: NODE ? 'node' : 'lab', n: N, mix: MIX, ...r, records, pending }));
      } finally {
        await launched.close();
      }
    }
  } finally {
    await lab?.stop();
    for (const s of node ?? []) { s.closeAllConnections?.(); s.close(); }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(e); process.exit(1); });
}

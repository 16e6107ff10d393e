// Shared by the extension's end-to-end tests (tests/e2e/extension*.test.mjs):
// building dist/, launching a browser with the real extension, talking to
// its message API from one of its own pages, lab pages.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launchChromium, launchFirefox } from '../harness/index.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(ROOT, 'tests/artifacts/extension');
export const DIST = { chromium: path.join(ROOT, 'dist/chrome'), firefox: path.join(ROOT, 'dist/firefox') };
export const BROWSERS = (process.env.WHYCORS_E2E_BROWSERS ?? 'chromium,firefox').split(',').filter(Boolean);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Builds dist/ from the current sources (the wasm package must exist: ./build.sh makes it). */
export function ensureDist() {
  if (fs.existsSync(path.join(ROOT, 'www/pkg/whycors_bg.wasm'))) {
    execFileSync(process.execPath, ['extension/build.mjs'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  } else if (!fs.existsSync(path.join(DIST.chromium, 'manifest.json'))) {
    execFileSync('./build.sh', [], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
}

export async function launch(name, opts = {}) {
  if (name === 'chromium') return launchChromium({ extensionDir: DIST.chromium, ...opts });
  return launchFirefox({ extensionDir: DIST.firefox, ...opts });
}

const PAGE_HTML = '<!doctype html><meta charset="utf-8"><title>whycors e2e</title><p>whycors e2e page</p>';
/** A page on the lab's page origin (`html`: its body). */
export function labPage(origins, name = 'page', html = PAGE_HTML) {
  return `${origins.page}/api/${name}?h=${encodeURIComponent('Content-Type:text/html; charset=utf-8')}&body=${encodeURIComponent(html)}`;
}

/** Opens an extension page (Firefox never fires `load` for moz-extension:// in puppeteer: wait for our own flag). */
export async function openExtPage(L, rel) {
  const page = await L.browser.newPage();
  const url = `${L.extensionOrigin}/${rel}`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: L.name === 'firefox' ? 2500 : 15000 }).catch(() => {});
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', { timeout: 15000 }).catch(() => {});
  return page;
}

/** The extension's message API, asked from one of its pages. */
export function api(extPage, msg) {
  return extPage.evaluate((m) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage(m), msg);
}

/** The id of the tab showing `url` (matched up to its query: lab pages carry their HTML in it). */
export async function tabIdOf(extPage, url) {
  const prefix = url.split('?')[0] + '?';
  return extPage.evaluate(async (u, p) => {
    const a = globalThis.browser ?? globalThis.chrome;
    const tabs = await a.tabs.query({});
    return (tabs.find((t) => t.url === u) ?? tabs.find((t) => t.url?.startsWith(p)))?.id ?? null;
  }, url, prefix);
}

/** The `tag` query parameter of a URL. */
export function tagOfUrl(u) {
  try {
    return new URL(u).searchParams.get('tag');
  } catch {
    return null;
  }
}

/**
 * Rows of the tab whose first URL's tag passes `pick`, once there are at
 * least `want` of them and nothing is pending (the background's own
 * `settle`), or `timeout` ms have gone.
 */
export async function rowsWhere(extPage, tabId, pick, { want = 1, timeout = 60000 } = {}) {
  const end = Date.now() + timeout;
  let rows = [];
  let list = null;
  while (Date.now() < end) {
    await api(extPage, { type: 'settle', timeoutMs: 5000 });
    list = await api(extPage, { type: 'list', tabId });
    rows = (list.rows ?? []).filter((r) => pick(tagOfUrl(r.u)));
    if (rows.length >= want && !list.pending) return { rows, list };
    await sleep(200);
  }
  return { rows, list };
}

/** The join test's burst: [{kind, url, init?, ...}] (165 calls), tags `j<run>-<n>`. */
export function burstSpecs(o, run) {
  const specs = [];
  let n = 0;
  const tag = () => `j${run}-${n++}`;
  const A = `${o.api}/api`;
  const fetchCall = (url, init = {}) => specs.push({ kind: 'fetch', url, init });
  const xhrCall = (url, { withCredentials = false, headers = {}, method = 'GET' } = {}) => specs.push({ kind: 'xhr', url, method, withCredentials, headers });
  for (let i = 0; i < 40; i++) fetchCall(`${A}/s?acao=*&tag=${tag()}`, { credentials: 'omit' });
  for (let i = 0; i < 20; i++) fetchCall(`${A}/n?tag=${tag()}`, { credentials: 'omit' });
  for (let i = 0; i < 10; i++) fetchCall(`${A}/c?acao=*&tag=${tag()}`, { credentials: 'include' });
  for (let i = 0; i < 10; i++) fetchCall(`${A}/c?acao={origin}&acac=true&tag=${tag()}`, { credentials: 'include' });
  for (let i = 0; i < 10; i++) fetchCall(`${A}/p?pf.acao={origin}&pf.acam=PUT&pf.acah=x-foo&acao={origin}&tag=${tag()}`, { method: 'PUT', headers: { 'X-Foo': '1' } });
  for (let i = 0; i < 10; i++) fetchCall(`${A}/p?pf.acao={origin}&pf.acam=PUT&acao={origin}&tag=${tag()}`, { method: 'PUT', headers: { 'X-Foo': '1' } });
  for (let i = 0; i < 10; i++) xhrCall(`${A}/x?acao=*&tag=${tag()}`);
  for (let i = 0; i < 5; i++) xhrCall(`${A}/x?acao=*&tag=${tag()}`, { withCredentials: true });
  for (let i = 0; i < 5; i++) xhrCall(`${A}/x?pf.acao={origin}&pf.acah=x-foo&acao={origin}&tag=${tag()}`, { headers: { 'X-Foo': '2' } });
  // Five URLs, five calls each, credentials alternating (duplicates).
  for (let u = 0; u < 5; u++) {
    const url = `${A}/dup?acao=*&tag=${tag()}`;
    for (let k = 0; k < 5; k++) {
      if (k % 2) xhrCall(url, { withCredentials: true });
      else fetchCall(url, { credentials: k === 2 ? 'include' : 'omit' });
    }
  }
  // Redirects: to a third origin; from a same-origin first URL, allowed and not.
  for (let i = 0; i < 5; i++) {
    const t = tag();
    fetchCall(`${A}/r?acao=*&redirect=${encodeURIComponent(`${o.other}/api/end?acao=*`)}&tag=${t}`, { credentials: 'omit' });
  }
  for (let i = 0; i < 5; i++) {
    const t = tag();
    fetchCall(`${o.page}/api/r?redirect=${encodeURIComponent(`${o.api}/api/end?acao=*`)}&tag=${t}`, { credentials: 'omit' });
  }
  for (let i = 0; i < 5; i++) {
    const t = tag();
    fetchCall(`${o.page}/api/r?redirect=${encodeURIComponent(`${o.api}/api/end`)}&tag=${t}`, { credentials: 'omit' });
  }
  // Refused before the network.
  for (let i = 0; i < 5; i++) fetchCall(`${A}/m?acao=*&tag=${tag()}`, { mode: 'same-origin' });
  return specs;
}

/** Runs in the page: fires every call at once, then waits for all; returns whether each rejected. */
export async function fireBurst(specs) {
  document.cookie = 'whycors_e2e=1; path=/; SameSite=Lax';
  const ps = specs.map((s) => {
    if (s.kind === 'fetch') return fetch(s.url, { cache: 'no-store', ...s.init }).then((r) => r.text().then(() => false), () => true);
    return new Promise((resolve) => {
      const x = new XMLHttpRequest();
      x.open(s.method, s.url, true);
      x.withCredentials = s.withCredentials;
      for (const [k, v] of Object.entries(s.headers)) x.setRequestHeader(k, v);
      x.onload = () => resolve(false);
      x.onerror = () => resolve(true);
      x.send();
    });
  });
  return Promise.all(ps);
}

/** What the browser itself said about each request of a tag: its names, one per request (null: allowed). */
export function browserNames(name, v, tag, calls) {
  const pred = (u) => new URL(u).searchParams.get('tag') === tag;
  if (name === 'chromium') {
    const ids = v.rec.idsFor(pred).filter((id) => v.rec.get(id).initiator?.type !== 'preflight');
    const names = ids.map((id) => v.rec.get(id).failed?.corsErrorStatus?.corsError ?? null);
    // Renderer-side refusals never reach the network: only an Audits issue says it.
    if (!ids.length) names.push(...Array(calls).fill(v.verdict(tag).corsError));
    return names;
  }
  // Firefox: one console line per blocked request (a failed preflight adds CORSDidNotSucceed2).
  const lines = v.lines(tag).filter((l) => l.key !== 'CORSDidNotSucceed2' && l.key !== 'CORSAllowHeaderFromPreflightDeprecation');
  const names = lines.map((l) => l.key);
  while (names.length < calls) names.push(null);
  return names;
}


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

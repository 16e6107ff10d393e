// The lab scenario catalogue (www/lab/scenarios.json) and how a page fires
// one scenario for real. Used by the capture script and the end-to-end test.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fill, scenarioUrl, requestOf } from '../../www/lab/scenario.js';

export { fill, scenarioUrl, requestOf };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCENARIOS_FILE = path.join(ROOT, 'www/lab/scenarios.json');

/** Reads the catalogue: {scenarios: [...]} (a bare array is accepted too). */
export function loadScenarios(file = SCENARIOS_FILE) {
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  return Array.isArray(data) ? data : data.scenarios;
}

/**
 * The lab's three origins for a set of ports.
 * @returns {{page: string, api: string, other: string, pagePort, apiPort, otherPort}}
 */
export function labOrigins({ pagePort, apiPort, otherPort, host = '127.0.0.1' }) {
  return {
    page: `http://${host}:${pagePort}`,
    api: `http://${host}:${apiPort}`,
    other: `http://${host}:${otherPort}`,
    pagePort,
    apiPort,
    otherPort,
    host,
  };
}

/** The page a scenario fires from (the lab page origin unless `from` says otherwise). */
export function scenarioPage(scenario, origins, tag, defaultPage) {
  if (scenario.from) return fill(scenario.from, origins, tag);
  return defaultPage ?? `${origins.page}/`;
}


/**
 * Runs in the page (passed to page.evaluate): fires one request the way the
 * scenario says and reports what page JavaScript saw. Self-contained.
 */
export async function fireInPage(req) {
  const out = { rejected: null, error: null, status: null };
  const timeout = (ms) => new Promise((resolve) => setTimeout(() => resolve('timeout'), ms));
  try {
    if (req.kind === 'fetch') {
      const init = { method: req.method, headers: req.headers, credentials: req.credentials, mode: req.mode, cache: 'no-store' };
      if (req.body !== undefined) init.body = req.body;
      if (req.targetAddressSpace) init.targetAddressSpace = req.targetAddressSpace;
      if (req.redirect) init.redirect = req.redirect;
      try {
        const r = await fetch(req.url, init);
        out.status = r.status;
        out.type = r.type;
        await r.text().catch(() => '');
        out.rejected = false;
      } catch (e) {
        out.rejected = true;
        out.error = `${e.name}: ${e.message}`;
      }
    } else if (req.kind === 'xhr') {
      await new Promise((resolve) => {
        const x = new XMLHttpRequest();
        x.open(req.method, req.url, true);
        x.withCredentials = req.credentials === 'include';
        for (const [k, v] of Object.entries(req.headers)) x.setRequestHeader(k, v);
        x.onload = () => { out.rejected = false; out.status = x.status; resolve(); };
        x.onerror = () => { out.rejected = true; out.error = 'error event'; out.status = x.status; resolve(); };
        x.send(req.body ?? null);
      });
    } else if (req.kind === 'img') {
      await new Promise((resolve) => {
        const img = new Image();
        img.crossOrigin = req.credentials === 'include' ? 'use-credentials' : 'anonymous';
        img.onload = () => { out.rejected = false; resolve(); };
        img.onerror = () => { out.rejected = true; out.error = 'error event'; resolve(); };
        img.src = req.url;
        document.body?.appendChild(img);
      });
    } else if (req.kind === 'font') {
      const face = new FontFace('whycors-capture', `url("${req.url}")`);
      try {
        const r = await Promise.race([face.load(), timeout(5000)]);
        out.rejected = r === 'timeout' ? null : false;
        if (r === 'timeout') out.error = 'timeout';
      } catch (e) {
        out.rejected = true;
        out.error = `${e.name}: ${e.message}`;
      }
    } else if (req.kind === 'module-script') {
      await new Promise((resolve) => {
        const s = document.createElement('script');
        s.type = 'module';
        if (req.credentials === 'include') s.crossOrigin = 'use-credentials';
        s.onload = () => { out.rejected = false; resolve(); };
        s.onerror = () => { out.rejected = true; out.error = 'error event'; resolve(); };
        s.src = req.url;
        document.head.appendChild(s);
      });
    } else if (req.kind === 'content-script-fetch' || req.kind === 'content-script-xhr') {
      // Asks the capture add-on's content script (tests/capture/expanded-principal-ext) to make it.
      const r = await new Promise((resolve) => {
        const onMsg = (ev) => {
          if (!ev.data?.whycorsContentScriptResult) return;
          window.removeEventListener('message', onMsg);
          resolve(ev.data.whycorsContentScriptResult);
        };
        window.addEventListener('message', onMsg);
        window.postMessage({ whycorsContentScript: { kind: req.kind === 'content-script-xhr' ? 'xhr' : 'fetch', url: req.url, method: req.method } }, '*');
        setTimeout(() => resolve({ rejected: null, error: 'no content script answered', status: null }), 5000);
      });
      Object.assign(out, r);
    } else {
      out.error = `unknown kind ${req.kind}`;
    }
  } catch (e) {
    out.error = `harness: ${e}`;
  }
  return out;
}

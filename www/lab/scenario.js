// How a scenario of www/lab/scenarios.json becomes a request: the one place
// shared by the lab page (www/lab.js) and the test harness
// (tests/harness/scenarios.mjs). Plain ESM, no DOM and no Node APIs.

/**
 * Fills the scenario placeholders: {page} {api} {other} (origins),
 * {pagePort} {apiPort} {otherPort}, {host}, {tag}, and the harness's extras
 * (`origins.extra`: {tlsPagePort} {tlsApiPort} {closedPort} {tlsSpki}). `{origin}` is left for the
 * lab server (it reflects the request's Origin).
 */
export function fill(s, origins, tag) {
  let out = String(s);
  // Set-up facts the harness adds (TLS ports, a closed port, the test
  // certificate's SPKI hash): `{name}` for each key of `origins.extra`.
  for (const [k, v] of Object.entries(origins.extra ?? {})) out = out.replaceAll(`{${k}}`, String(v));
  return out
    .replaceAll('{pagePort}', String(origins.pagePort))
    .replaceAll('{apiPort}', String(origins.apiPort))
    .replaceAll('{otherPort}', String(origins.otherPort))
    .replaceAll('{host}', origins.host)
    .replaceAll('{page}', origins.page)
    .replaceAll('{api}', origins.api)
    .replaceAll('{other}', origins.other)
    .replaceAll('{tag}', tag);
}

/** The URL a scenario's request goes to (the api origin unless `target` says otherwise). */
export function scenarioUrl(scenario, origins, tag) {
  if (scenario.url) return fill(scenario.url, origins, tag);
  const base = fill(scenario.target ?? '{api}', origins, tag);
  const server = fill(scenario.server ?? '', origins, tag);
  const t = `tag=${encodeURIComponent(tag)}`;
  return `${base}/api/${encodeURIComponent(scenario.id)}?${server ? `${server}&${t}` : t}`;
}

/** The request a scenario describes, with defaults filled in. */
export function requestOf(scenario) {
  const r = scenario.request ?? {};
  return {
    kind: r.kind ?? 'fetch',
    method: r.method ?? 'GET',
    headers: r.headers ?? {},
    credentials: r.credentials ?? (r.kind === 'xhr' ? 'omit' : r.kind === 'fetch' || !r.kind ? 'same-origin' : 'omit'),
    // An element without a crossorigin attribute makes a no-cors request.
    mode: r.mode ?? ('crossorigin' in r && r.crossorigin === null ? 'no-cors' : 'cors'),
    ...(r.targetAddressSpace ? { targetAddressSpace: r.targetAddressSpace } : {}),
    ...(r.redirect ? { redirect: r.redirect } : {}),
    ...(r.body !== undefined ? { body: r.body } : {}),
    ...('crossorigin' in r ? { crossorigin: r.crossorigin } : {}),
    ...(r.cookie ? { cookie: r.cookie } : {}),
    ...(r.swScript ? { swScript: r.swScript } : {}),
  };
}

/**
 * The request kinds `fireInPage` can fire from an ordinary page.
 * `content-script-fetch` / `content-script-xhr` need the capture add-on
 * (tests/capture/expanded-principal-ext) and are fired through it.
 */
export const PAGE_KINDS = [
  'fetch', 'xhr', 'img', 'font', 'module-script', 'script', 'stylesheet', 'audio', 'video',
  'font-css', 'preload-font', 'worker-fetch', 'sw-fetch',
];

/**
 * Fires one request the way a page does and reports what page JavaScript saw:
 * `{rejected, error, status, type?, seen}` (`seen`: one line for people).
 * Self-contained (no outer references), so a test driver can pass it to
 * `page.evaluate` as it is; the lab page calls it directly.
 *
 * `req` is `requestOf(scenario)` plus `url`. Kinds (`PAGE_KINDS`):
 * - `fetch`, `xhr`: `method`, `headers`, `credentials` (`include` sets
 *   `withCredentials`), `mode`, `body`, `redirect`, `targetAddressSpace`.
 * - `img`, `script` (classic), `module-script`, `stylesheet`, `audio`,
 *   `video`: an element; `crossorigin` is the attribute (`"anonymous"`,
 *   `""`, `"use-credentials"`, or `null` for no attribute: a `no-cors`
 *   request); without `crossorigin`, `use-credentials` when `credentials`
 *   is `include`, else `anonymous` (a module script: no attribute). The
 *   outcome is the element's `load` / `error` event (media: `loadedmetadata`).
 * - `font`: `new FontFace(...).load()`; `font-css`: an `@font-face` rule in a
 *   `<style>`, its FontFace (from `document.fonts`) loaded (its `status` decides);
 *   `preload-font`: an `<iframe srcdoc>` whose HTML holds
 *   `<link rel=preload as=font crossorigin>`, so the HTML parser's preload
 *   scanner starts the request (its `load` / `error` event).
 * - `worker-fetch`: `fetch` from a dedicated worker (a `blob:` worker of this
 *   page); `sw-fetch`: `fetch` from a service worker that `req.swScript` (a
 *   same-origin URL; default `/api/whycors-sw.js?type=js&body=...` served by
 *   the lab) registers (a scope of its own under `/api/whycors-sw-scope/`),
 *   asked over a `MessageChannel`; unregistered after.
 * - `cookie` (any kind): set `document.cookie` to this (`name=value`) for
 *   the page's host before the request, and expire it after.
 */
export async function fireInPage(req) {
  const out = { rejected: null, error: null, status: null, seen: '' };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const timeout = (ms) => sleep(ms).then(() => 'timeout');
  const cookieName = req.cookie ? String(req.cookie).split('=')[0] : null;
  const crossOriginOf = () => {
    if (req.crossorigin !== undefined) return req.crossorigin;
    return req.credentials === 'include' ? 'use-credentials' : 'anonymous';
  };
  const setCross = (elt, value) => {
    if (value === null) elt.removeAttribute('crossorigin');
    else elt.setAttribute('crossorigin', value);
  };
  const fetchInit = () => {
    const init = { method: req.method, headers: req.headers, credentials: req.credentials, mode: req.mode, cache: 'no-store' };
    if (req.body !== undefined) init.body = req.body;
    if (req.targetAddressSpace) init.targetAddressSpace = req.targetAddressSpace;
    if (req.redirect) init.redirect = req.redirect;
    return init;
  };
  // One element load: resolves on `ok` event, rejects on `error`, or times out.
  const elementLoad = (elt, okEvent, attach, ms = 8000) => new Promise((resolve) => {
    let done = false;
    const finish = (rejected, seen) => {
      if (done) return;
      done = true;
      out.rejected = rejected;
      if (rejected) out.error = 'error event';
      out.seen = seen;
      elt.remove();
      resolve();
    };
    elt.addEventListener(okEvent, () => finish(false, `${okEvent} event`));
    elt.addEventListener('error', () => finish(true, 'error event (an Event, no message)'));
    setTimeout(() => { if (!done) { done = true; out.error = 'timeout'; out.seen = `no ${okEvent} or error event after ${ms} ms`; elt.remove(); resolve(); } }, ms);
    attach(elt);
  });
  if (cookieName) document.cookie = `${req.cookie}; path=/; SameSite=Lax`;
  try {
    if (req.kind === 'fetch') {
      try {
        const r = await fetch(req.url, fetchInit());
        out.status = r.status;
        out.type = r.type;
        await r.text().catch(() => '');
        out.rejected = false;
        out.seen = `resolved: status ${r.status}, type ${r.type}`;
      } catch (e) {
        out.rejected = true;
        out.error = `${e.name}: ${e.message}`;
        out.seen = `rejected: ${out.error}`;
      }
    } else if (req.kind === 'xhr') {
      await new Promise((resolve) => {
        const x = new XMLHttpRequest();
        try {
          x.open(req.method, req.url, true);
          x.withCredentials = req.credentials === 'include';
          for (const [k, v] of Object.entries(req.headers ?? {})) x.setRequestHeader(k, v);
        } catch (e) {
          out.rejected = true;
          out.error = `${e.name}: ${e.message}`;
          out.seen = `threw: ${out.error}`;
          resolve();
          return;
        }
        x.onload = () => { out.rejected = false; out.status = x.status; out.seen = `load event, status ${x.status}`; resolve(); };
        x.onerror = () => { out.rejected = true; out.error = 'error event'; out.status = x.status; out.seen = `error event, status ${x.status}`; resolve(); };
        x.send(req.body ?? null);
      });
    } else if (req.kind === 'img') {
      const img = new Image();
      setCross(img, crossOriginOf());
      await elementLoad(img, 'load', (e) => { e.src = req.url; document.body?.appendChild(e); });
    } else if (req.kind === 'script' || req.kind === 'module-script') {
      const s = document.createElement('script');
      if (req.kind === 'module-script') {
        s.type = 'module';
        if (req.crossorigin !== undefined) setCross(s, req.crossorigin);
        else if (req.credentials === 'include') s.crossOrigin = 'use-credentials';
      } else {
        setCross(s, crossOriginOf());
      }
      await elementLoad(s, 'load', (e) => { e.src = req.url; document.head.appendChild(e); });
    } else if (req.kind === 'stylesheet') {
      const l = document.createElement('link');
      l.rel = 'stylesheet';
      setCross(l, crossOriginOf());
      await elementLoad(l, 'load', (e) => { e.href = req.url; document.head.appendChild(e); });
    } else if (req.kind === 'audio' || req.kind === 'video') {
      const m = document.createElement(req.kind);
      setCross(m, crossOriginOf());
      m.preload = 'auto';
      m.muted = true;
      await elementLoad(m, 'loadedmetadata', (e) => { e.src = req.url; document.body?.appendChild(e); });
    } else if (req.kind === 'font') {
      // A fixed family name: browsers quote it in their console lines.
      const face = new FontFace('whycors-capture', `url("${req.url.replaceAll('"', '%22')}")`);
      try {
        const r = await Promise.race([face.load(), timeout(5000)]);
        out.rejected = r === 'timeout' ? null : false;
        if (r === 'timeout') out.error = 'timeout';
        out.seen = r === 'timeout' ? 'FontFace.load() still pending after 5 s' : 'FontFace.load() resolved';
      } catch (e) {
        out.rejected = true;
        out.error = `${e.name}: ${e.message}`;
        out.seen = `FontFace.load() rejected: ${out.error}`;
      }
    } else if (req.kind === 'font-css') {
      // One family per URL, the same in every run (browsers quote it in their console lines).
      let h = 0;
      for (const c of req.url) h = (h * 31 + c.charCodeAt(0)) >>> 0;
      const family = `whycors-css-${h.toString(36)}`;
      const style = document.createElement('style');
      style.textContent = `@font-face { font-family: "${family}"; src: url("${req.url.replaceAll('"', '%22')}") format("woff2"); }`;
      document.head.appendChild(style);
      try {
        // The rule's FontFace joins document.fonts once styles are updated: wait for it.
        void document.body?.offsetHeight;
        const find = () => [...document.fonts].find((f) => f.family.replaceAll('"', '') === family);
        for (let i = 0; i < 100 && !find(); i++) await sleep(20);
        // The rule's own FontFace: load() starts its fetch, as a use of the family would.
        const face = find();
        const r = await Promise.race([face ? face.load() : document.fonts.load(`16px "${family}"`), timeout(5000)]);
        const status = face?.status ?? 'missing';
        out.rejected = r === 'timeout' ? null : status !== 'loaded';
        if (r === 'timeout') out.error = 'timeout';
        else if (out.rejected) out.error = `FontFace status ${status}`;
        out.seen = r === 'timeout' ? 'the @font-face rule\'s FontFace still loading after 5 s' : `the @font-face rule's FontFace status is "${status}"`;
      } catch (e) {
        out.rejected = true;
        out.error = `${e.name}: ${e.message}`;
        out.seen = `the @font-face load rejected: ${out.error}`;
      } finally {
        style.remove();
      }
    } else if (req.kind === 'preload-font') {
      const frame = document.createElement('iframe');
      const id = Math.random().toString(36).slice(2);
      const attr = crossOriginOf();
      const co = attr === null ? '' : ` crossorigin="${attr}"`;
      const href = req.url.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
      frame.srcdoc = `<!doctype html><link rel="preload" as="font" type="font/woff2"${co} href="${href}" `
        + `onload="parent.postMessage({whycorsPreload: '${id}', ok: true}, '*')" `
        + `onerror="parent.postMessage({whycorsPreload: '${id}', ok: false}, '*')"><p>preload</p>`;
      const r = await new Promise((resolve) => {
        const onMsg = (ev) => {
          if (ev.data?.whycorsPreload !== id) return;
          window.removeEventListener('message', onMsg);
          resolve(ev.data.ok ? 'load' : 'error');
        };
        window.addEventListener('message', onMsg);
        setTimeout(() => { window.removeEventListener('message', onMsg); resolve('timeout'); }, 8000);
        document.body.appendChild(frame);
      });
      frame.remove();
      out.rejected = r === 'timeout' ? null : r === 'error';
      if (r !== 'load') out.error = r === 'error' ? 'error event' : 'timeout';
      out.seen = r === 'timeout' ? 'no load or error event on the preload link' : `${r} event on <link rel=preload>`;
    } else if (req.kind === 'worker-fetch' || req.kind === 'sw-fetch') {
      // The worker's side: fetch as asked, answer on the port.
      const workerCode = `self.onmessage = async (ev) => {
        const { url, init } = ev.data; const port = ev.ports[0] ?? self; const out = {};
        try { const r = await fetch(url, init); out.rejected = false; out.status = r.status; out.type = r.type; await r.text().catch(() => ''); }
        catch (e) { out.rejected = true; out.error = e.name + ': ' + e.message; }
        port.postMessage(out);
      };`;
      const ask = (target) => new Promise((resolve) => {
        const ch = new MessageChannel();
        ch.port1.onmessage = (ev) => resolve(ev.data);
        target.postMessage({ url: req.url, init: fetchInit() }, [ch.port2]);
        setTimeout(() => resolve({ rejected: null, error: 'timeout' }), 10000);
      });
      let r;
      if (req.kind === 'worker-fetch') {
        const blobUrl = URL.createObjectURL(new Blob([workerCode], { type: 'text/javascript' }));
        const w = new Worker(blobUrl);
        r = await ask(w);
        w.terminate();
        URL.revokeObjectURL(blobUrl);
      } else {
        const script = req.swScript ?? `/api/whycors-sw.js?type=js&body=${encodeURIComponent(workerCode)}`;
        // A scope of its own, so calls fired at the same time do not share (and unregister) one registration.
        window.__whycorsSwRegistered = (window.__whycorsSwRegistered ?? 0) + 1;
        const mySw = window.__whycorsSwRegistered;
        const reg = await navigator.serviceWorker.register(script, { scope: `/api/whycors-sw-scope/${Math.random().toString(36).slice(2)}/` });
        const sw = reg.installing ?? reg.waiting ?? reg.active;
        if (sw.state !== 'activated') {
          await new Promise((resolve) => {
            sw.addEventListener('statechange', () => { if (sw.state === 'activated') resolve(); });
            setTimeout(resolve, 5000);
          });
        }
        // A test harness that reads the browser's own events (CDP) attaches
        // to each new service worker; it sets `__whycorsWaitForSw` and counts
        // `__whycorsSwAttached`. Ask only once it listens (at most 5 s).
        if (window.__whycorsWaitForSw) {
          for (let i = 0; i < 100 && (window.__whycorsSwAttached ?? 0) < mySw; i++) await sleep(50);
        }
        r = await ask(sw);
        await reg.unregister();
      }
      Object.assign(out, r);
      out.seen = r.rejected ? `the worker's fetch rejected: ${r.error}` : r.rejected === false ? `the worker's fetch resolved: status ${r.status}, type ${r.type}` : `no answer from the worker (${r.error})`;
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
  } finally {
    if (cookieName) document.cookie = `${cookieName}=; path=/; max-age=0`;
  }
  return out;
}

// whycors isolated-world relay (content script, document_start): forwards the
// MAIN-world hook's records (hook.js) to the background. The hook already
// batches them (40 ms, one JSON string a batch); the strings go on as they
// are, so that neither this page nor the browser process builds the records
// as objects (the background parses them once), and only when the page's
// calls pause (150 ms without a batch, at most 1 s): like the background's
// own work, the messages then stay out of the page's bursts. A page being
// left sends at once.
(() => {
  'use strict';
  const api = globalThis.browser ?? globalThis.chrome;
  const MAX = 8 * 1024 * 1024;
  const QUIET_MS = 150;
  const MAX_WAIT_MS = 1000;
  let batches = [];
  let timer = 0;
  let since = 0;
  let last = 0;
  function send() {
    clearTimeout(timer);
    timer = 0;
    since = 0;
    const all = batches;
    batches = [];
    for (const json of all) {
      try {
        const p = api.runtime.sendMessage({ type: 'hook', json });
        if (p && typeof p.catch === 'function') p.catch(() => {});
      } catch {}
    }
  }
  function whenQuiet() {
    timer = 0;
    const now = Date.now();
    const due = Math.min(last + QUIET_MS, since + MAX_WAIT_MS);
    if (now + 5 < due) timer = setTimeout(whenQuiet, due - now);
    else send();
  }
  window.addEventListener('__whycors', (ev) => {
    const json = ev.detail;
    if (typeof json !== 'string' || json.length > MAX) return;
    batches.push(json);
    last = Date.now();
    if (!since) since = last;
    if (!timer) timer = setTimeout(whenQuiet, QUIET_MS);
  });
  // The hook flushes its own queue first (capturing phase), then this sends.
  window.addEventListener('pagehide', () => {
    if (batches.length) send();
  });
})();

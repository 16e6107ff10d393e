// whycors isolated-world relay (content script, document_start): forwards the
// MAIN-world hook's records (hook.js) to the background. The hook already
// batches them (40 ms, one JSON string a batch); the string goes on as it is,
// so that neither this page nor the browser process builds the records as
// objects: the background parses them once.
(() => {
  'use strict';
  const api = globalThis.browser ?? globalThis.chrome;
  const MAX = 8 * 1024 * 1024;
  window.addEventListener('__whycors', (ev) => {
    const json = ev.detail;
    if (typeof json !== 'string' || json.length > MAX) return;
    try {
      const p = api.runtime.sendMessage({ type: 'hook', json });
      if (p && typeof p.catch === 'function') p.catch(() => {});
    } catch {}
  });
})();

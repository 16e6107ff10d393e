// whycors isolated-world relay (content script, document_start): forwards the
// MAIN-world hook's records (hook.js) to the background, batched.
(() => {
  'use strict';
  const api = globalThis.browser ?? globalThis.chrome;
  let batch = [];
  let timer = 0;
  function flush() {
    timer = 0;
    const all = batch;
    batch = [];
    // At most 500 records a message (the background reads no more of one).
    for (let i = 0; i < all.length; i += 500) {
      try {
        const p = api.runtime.sendMessage({ type: 'hook', records: all.slice(i, i + 500) });
        if (p && typeof p.catch === 'function') p.catch(() => {});
      } catch {}
    }
  }
  window.addEventListener('__whycors', (ev) => {
    let rec;
    try {
      rec = typeof ev.detail === 'string' ? JSON.parse(ev.detail) : null;
    } catch {
      return;
    }
    if (!rec || typeof rec !== 'object') return;
    for (const r of Array.isArray(rec) ? rec : [rec]) if (r && typeof r === 'object') batch.push(r);
    if (batch.length >= 200) flush();
    else if (!timer) timer = setTimeout(flush, 20);
  });
  // A page being left: send what is batched now (the hook flushes its own
  // queue first, in the capturing phase).
  window.addEventListener('pagehide', () => {
    if (!batch.length) return;
    clearTimeout(timer);
    flush();
  });
})();

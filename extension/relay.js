// whycors isolated-world relay (content script, document_start, listed
// before hook.js so that it runs first: measured in both browsers).
//
// - Hands the MAIN-world hook its private MessagePort (the hook's
//   synchronous hello, answered once, before any page script runs).
// - Forwards the hook's records to the background as JSON text, in ranges
//   `f..m` of their sequence numbers with the mark `m` ("every record up to
//   m sent"), once the page's calls pause (150 ms without a batch, at most
//   1 s; at once on pagehide), at most 500 records and 256 KB a message.
// - Answers the background's sync (`tabs.sendMessage {type:
//   'whycors-sync'}`): asks the hook to flush, then replies with everything
//   not yet sent, the mark, and which cross-origin elements are still
//   loading.
// - Records elements' load / error events (trusted events only): the
//   element, its URL, its crossorigin attribute, the outcome.
// - Keeps the page within a budget (a token bucket: 20,000 records at once,
//   5,000 a second): a page that calls more than that loses its own records
//   from there on (the hook is told to stop); other tabs are not affected.
(() => {
  'use strict';
  const api = globalThis.browser ?? globalThis.chrome;
  if (!api?.runtime?.id) return;
  const HELLO = '__whycors_hello';
  const PORT = '__whycors_port';
  const QUIET_MS = 150;
  const MAX_WAIT_MS = 1000;
  const MAX_RECORDS = 500;
  const MAX_BYTES = 256 * 1024;
  const BUDGET = 20000;
  const REFILL_PER_S = 5000;
  const stream = (crypto.randomUUID?.() ?? `${Math.random()}`.slice(2)) + '';

  // ---- the handshake: one port, to the hook's hello, before page scripts ----
  const channel = new MessageChannel();
  let given = false;
  const onHello = () => {
    if (given) return;
    given = true;
    window.removeEventListener(HELLO, onHello, true);
    window.dispatchEvent(new MessageEvent(PORT, { ports: [channel.port2], cancelable: true }));
  };
  window.addEventListener(HELLO, onHello, true);
  const port = channel.port1;

  // ---- what waits to go ----
  let records = []; // hook records not yet sent
  let sentUpTo = 0; // every record <= this went out in an earlier message
  let mark = 0; // the hook's latest mark
  let facts = []; // element facts not yet sent
  let dropped = 0;
  let overflowAt = 0; // first record dropped (0: none)
  let closing = false;
  let timer = 0;
  let since = 0;
  let last = 0;
  let tokens = BUDGET;
  let tokensAt = Date.now();
  let flushWaiters = [];

  // Test-only: delay every message to the background (settings.testRelayDelayMs).
  const delayMs = api.storage.local
    .get('settings')
    .then((o) => Math.max(0, Math.min(10000, Number(o?.settings?.testRelayDelayMs) || 0)))
    .catch(() => 0);
  function later(fn) {
    delayMs.then((ms) => (ms ? setTimeout(fn, ms) : fn()));
  }

  /** Takes what waits, as messages of at most MAX_RECORDS / MAX_BYTES; the last carries the mark. */
  function take({ awaiting = null } = {}) {
    const out = [];
    let batch = [];
    let bytes = 0;
    let first = sentUpTo + 1;
    const pack = (upTo, final) => {
      const msg = { s: stream, f: first, m: upTo, b: batch, d: dropped };
      if (final) {
        if (facts.length) msg.e = facts.splice(0, 2000);
        if (overflowAt) msg.o = overflowAt;
        if (closing) msg.x = true;
        if (awaiting) msg.aw = awaiting;
      }
      out.push(JSON.stringify(msg));
      first = upTo + 1;
      batch = [];
      bytes = 0;
    };
    for (const r of records) {
      const size = JSON.stringify(r).length;
      if (batch.length && (batch.length >= MAX_RECORDS || bytes + size > MAX_BYTES)) pack(batch[batch.length - 1].s, false);
      batch.push(r);
      bytes += size;
    }
    records = [];
    pack(Math.max(mark, sentUpTo), true);
    sentUpTo = Math.max(mark, sentUpTo);
    return out;
  }

  function post(json) {
    later(() => {
      try {
        const p = api.runtime.sendMessage({ type: 'hook', json });
        if (p && typeof p.catch === 'function') p.catch(() => {});
      } catch {}
    });
  }

  function send() {
    clearTimeout(timer);
    timer = 0;
    since = 0;
    if (!records.length && !facts.length && !closing && mark <= sentUpTo) return;
    for (const json of take()) post(json);
  }

  function whenQuiet() {
    timer = 0;
    const now = Date.now();
    const due = Math.min(last + QUIET_MS, since + MAX_WAIT_MS);
    if (now + 5 < due) timer = setTimeout(whenQuiet, due - now);
    else send();
  }

  function soon() {
    last = Date.now();
    if (!since) since = last;
    if (!timer) timer = setTimeout(whenQuiet, QUIET_MS);
  }

  function spend(n) {
    const now = Date.now();
    tokens = Math.min(BUDGET, tokens + ((now - tokensAt) / 1000) * REFILL_PER_S);
    tokensAt = now;
    if (tokens < n) return false;
    tokens -= n;
    return true;
  }

  port.onmessage = (ev) => {
    const batch = ev.data;
    if (!batch || typeof batch !== 'object' || !Array.isArray(batch.b)) return;
    const m = Number(batch.m) || 0;
    if (overflowAt) {
      dropped += batch.b.length;
    } else if (batch.b.length && !spend(batch.b.length)) {
      // Over budget: this page's records stop here, for the rest of the document.
      overflowAt = Number(batch.b[0]?.s) || m;
      dropped += batch.b.length;
      port.postMessage('stop');
    } else {
      for (const r of batch.b) records.push(r);
    }
    if (m > mark) mark = m;
    if (batch.x) closing = true;
    if (batch.r) {
      const waiters = flushWaiters;
      flushWaiters = [];
      for (const w of waiters) w();
    }
    if (closing || overflowAt) send();
    else soon();
  };
  window.addEventListener('pageshow', (ev) => {
    if (ev.persisted) closing = false; // back from the back/forward cache
  });
  window.addEventListener('pagehide', () => send());

  // ---- elements: their load / error, and which are still loading ----
  const done = new WeakSet();
  const here = location.origin;
  function elementUrl(el) {
    switch (el.localName) {
      case 'img':
      case 'video':
      case 'audio':
        return el.currentSrc || el.src || '';
      case 'script':
        return el.src || '';
      case 'link':
        return el.href || '';
      default:
        return '';
    }
  }
  function crossOriginHttp(u) {
    if (!u.startsWith('http:') && !u.startsWith('https:')) return false;
    try {
      return new URL(u).origin !== here;
    } catch {
      return false;
    }
  }
  function onElement(ev) {
    if (!ev.isTrusted) return;
    const el = ev.target;
    if (!(el instanceof Element)) return;
    const u = elementUrl(el);
    if (!u || !crossOriginHttp(u)) return;
    done.add(el);
    if (facts.length >= 5000) return;
    const f = { t: el.localName, u: u.split('#')[0], co: el.getAttribute('crossorigin'), ok: ev.type !== 'error' };
    if (el.localName === 'script') f.ty = el.getAttribute('type') ?? '';
    if (el.localName === 'link') f.ty = el.getAttribute('rel') ?? '';
    facts.push(f);
    soon();
  }
  // An element's `load` never reaches the window (the DOM's "get the parent"
  // of a document is null for load events): listen on the document.
  for (const type of ['load', 'error', 'loadedmetadata']) document.addEventListener(type, onElement, true);
  function stillLoading() {
    const out = [];
    try {
      for (const el of document.querySelectorAll('img, script[src], link[href], video, audio')) {
        if (done.has(el)) continue;
        if (el.localName === 'img' && el.complete) continue;
        if (el.localName === 'link' && (el.sheet || !/\b(stylesheet|preload|modulepreload)\b/i.test(el.rel))) continue;
        if ((el.localName === 'video' || el.localName === 'audio') && el.readyState >= 1) continue;
        const u = elementUrl(el);
        if (u && crossOriginHttp(u)) out.push(u.split('#')[0]);
        if (out.length >= 500) break;
      }
    } catch {}
    return out;
  }

  // ---- the background's sync ----
  api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    if (!msg || msg.type !== 'whycors-sync' || sender?.id !== api.runtime.id || sender.tab) return false;
    const answer = () => {
      clearTimeout(timer);
      timer = 0;
      since = 0;
      const msgs = take({ awaiting: stillLoading() });
      const lastJson = msgs.pop();
      for (const json of msgs) post(json);
      later(() => sendResponse({ json: lastJson }));
    };
    if (!given) {
      answer(); // no hook in this frame: nothing recorded, nothing will be
      return true;
    }
    let answered = false;
    flushWaiters.push(() => {
      if (!answered) {
        answered = true;
        answer();
      }
    });
    try {
      port.postMessage('flush');
    } catch {}
    return true;
  });
})();

// whycors background: Chromium module service worker / Firefox event page.
//
// webRequest events -> Capture (exchanges) -> the wasm engine (diagnoses) ->
// Store (storage.session, per tab) -> badge, panel, popup.
// Every listener is registered synchronously below, before anything is
// awaited, so that an event that wakes the background is never lost; the
// engine's readiness is awaited inside the handlers. No top-level await
// (Chromium service workers forbid it). whycors makes no network request.

import * as engine from '../www/engine.js';
import { api, browserName, extraHeadersSupported, isOwnPage } from './browser.js';
import { Capture, applyHook, redactList } from './capture.js';
import { Store, row } from './store.js';
import { toHar } from './har.js';

const EXTRA = extraHeadersSupported();
const VERSION = api.runtime.getManifest().version;

// ---- the engine ----
let engineError = null;
const engineReady = (async () => {
  try {
    await engine.load();
  } catch (e) {
    engineError = String(e?.message ?? e);
    console.error('whycors: the engine did not load', e);
  }
})();

async function diagnose(ex) {
  await engineReady;
  try {
    const d = await engine.diagnose(ex, browserName);
    return typeof d === 'string' ? JSON.parse(d) : d;
  } catch (e) {
    engineError = String(e?.message ?? e);
    console.error('whycors: the engine failed on an exchange', e);
    return null;
  }
}

// How many times this background has started in this browser session (tests
// use it to see that a stop / suspension really happened).
let boots = 0;
const booted = api.storage.session
  .get('boots')
  .then((o) => api.storage.session.set({ boots: (boots = (Number(o?.boots) || 0) + 1) }))
  .catch(() => {});

// ---- per-tab work queue: exchanges are stored in the order they ended ----
const queues = new Map();
function queue(tabId, fn) {
  const prev = queues.get(tabId) ?? Promise.resolve();
  const next = prev.then(fn).catch((e) => console.error('whycors:', e));
  queues.set(tabId, next);
  next.then(() => {
    if (queues.get(tabId) === next) queues.delete(tabId);
  });
  return next;
}

// ---- what the page's MAIN-world hook told us (in memory; see docs/extension.md) ----
const JOIN_WINDOW_MS = 10000;
const sameCall = (rec, url, method, t) =>
  rec.url === url && rec.m === String(method).toUpperCase() && Math.abs(rec.t - t) < JOIN_WINDOW_MS;
const callKey = (url, method) => `${String(method).toUpperCase()} ${url}`;

/** The page's calls no exchange has claimed yet, by method and URL. */
class OpenCalls {
  constructor() {
    this.byKey = new Map(); // callKey -> rec[] (oldest first)
    this.size = 0;
  }
  add(rec) {
    const k = callKey(rec.url, rec.m);
    const list = this.byKey.get(k);
    if (list) list.push(rec);
    else this.byKey.set(k, [rec]);
    rec.openIn = this;
    this.size++;
  }
  has(rec) {
    return rec.openIn === this;
  }
  remove(rec) {
    if (rec.openIn !== this) return false;
    rec.openIn = undefined;
    this.size--;
    const k = callKey(rec.url, rec.m);
    const list = this.byKey.get(k);
    const i = list ? list.indexOf(rec) : -1;
    if (i >= 0) list.splice(i, 1);
    if (list && !list.length) this.byKey.delete(k);
    return true;
  }
  /** The oldest open call of this URL and method within the time window. */
  take(url, method, t) {
    const rec = this.byKey.get(callKey(url, method))?.find((r) => sameCall(r, url, method, t));
    if (rec) this.remove(rec);
    return rec;
  }
  /** Forgets calls no exchange will ever claim (same-origin after all, cached, ...). */
  prune(now) {
    for (const list of [...this.byKey.values()]) for (const rec of list.filter((r) => now - r.t >= JOIN_WINDOW_MS * 3)) this.remove(rec);
  }
}

const hooks = new Map(); // tabId -> {open: OpenCalls, byId: Map<id, rec>, pageOnly: rec[]}
function hookTab(tabId) {
  let h = hooks.get(tabId);
  if (!h) {
    h = { open: new OpenCalls(), byId: new Map(), pageOnly: [] };
    hooks.set(tabId, h);
  }
  return h;
}

function takeHook(tabId, req) {
  const h = hooks.get(tabId);
  if (!h) return undefined;
  const open = h.open.take(req.url, req.method, req.t);
  if (open) return open;
  // A call already logged from the page's record alone (hookOnly) whose
  // webRequest events came late (a busy browser): this exchange replaces it.
  const j = h.pageOnly.findIndex((rec) => sameCall(rec, req.url, req.method, req.t));
  if (j < 0) return undefined;
  const [rec] = h.pageOnly.splice(j, 1);
  if (rec.pageItem) rec.pageItem.dropped = true; // still held: never stored
  else rec.replaces = true; // stored: its entry is updated
  rec.pageItem = undefined;
  return rec;
}

/** Records read from one message (the hook sends at most 1,000 a batch). */
const MAX_HOOK_RECORDS = 2000;
function onHook(tabId, records) {
  if (!Array.isArray(records)) return;
  const h = hookTab(tabId);
  const now = Date.now();
  for (const r of records.slice(0, MAX_HOOK_RECORDS)) {
    if (!r || typeof r.id !== 'string') continue;
    if (r.op === 'call') {
      if (typeof r.url !== 'string' || h.byId.has(r.id)) continue;
      const rec = {
        id: r.id,
        url: r.url,
        m: String(r.method ?? 'GET').toUpperCase(),
        t: Number(r.t) || now,
        kind: r.kind === 'xhr' ? 'xhr' : 'fetch',
        method: String(r.method ?? 'GET'),
        mode: r.mode,
        credentials: r.credentials,
        headers: redactList(r.headers),
        redirect: r.redirect,
        callSite: typeof r.callSite === 'string' ? r.callSite : undefined,
        origin: typeof r.origin === 'string' ? r.origin.slice(0, 300) : undefined,
        read: [],
        seq: undefined,
      };
      // What the page said of the call before its record left (see hook.js).
      if (typeof r.rejected === 'boolean') rec.rejected = r.rejected;
      if (Array.isArray(r.read)) {
        for (const name of r.read.slice(0, 50)) {
          const n = String(name).toLowerCase();
          if (!rec.read.includes(n)) rec.read.push(n);
        }
      }
      h.byId.set(rec.id, rec);
      // Maybe its exchange already ended: still held (the usual case, see
      // hold()), or already stored.
      if (joinHeld(tabId, rec)) continue;
      h.open.add(rec);
      laterJoin(tabId, rec);
      if (rec.rejected) setTimeout(() => hookOnly(tabId, rec), 1500);
    } else {
      const rec = h.byId.get(r.id);
      if (!rec) continue;
      if (r.op === 'settle') rec.rejected = !!r.rejected;
      else if (r.op === 'read' && typeof r.name === 'string' && rec.read.length < 50) {
        const n = r.name.toLowerCase();
        if (rec.read.includes(n)) continue;
        rec.read.push(n);
      } else continue;
      rec.v = (rec.v ?? 0) + 1;
      if (rec.held) continue; // its exchange is still held: applied when it is diagnosed
      if (rec.seq !== undefined) redo(tabId, rec);
      else if (rec.rejected && h.open.has(rec)) setTimeout(() => hookOnly(tabId, rec), 1500);
    }
  }
  if (h.open.size > 200) h.open.prune(now);
  if (h.byId.size > 5000) {
    for (const [id, rec] of h.byId) if (now - rec.t > 60000) h.byId.delete(id);
  }
}

/** Joins a call the page reported to a held exchange of the same call. */
function joinHeld(tabId, rec) {
  for (const item of heldIndex.get(tabId)?.get(callKey(rec.url, rec.m)) ?? []) {
    if (item.hook || item.meta.hook) continue;
    const r = item.ex.request;
    if (sameCall(rec, r.url, r.method, item.meta.t)) {
      item.hook = rec;
      rec.held = true;
      return true;
    }
  }
  return false;
}

// A call whose exchange has not ended is claimed when it ends (capture asks
// takeHook). Only a call reported after its exchange was stored needs the log
// searched: that is tried once, a second later, for calls still unclaimed.
const joinLater = new Map(); // tabId -> rec[]
let joinTimer = 0;
function laterJoin(tabId, rec) {
  let list = joinLater.get(tabId);
  if (!list) joinLater.set(tabId, (list = []));
  list.push(rec);
  if (!joinTimer) {
    joinTimer = setTimeout(() => {
      joinTimer = 0;
      for (const [id, recs] of joinLater) {
        const h = hooks.get(id);
        for (const r of recs) if (h?.open.has(r)) queue(id, () => joinStored(id, r));
      }
      joinLater.clear();
    }, 1000);
  }
}

async function joinStored(tabId, rec) {
  const h = hooks.get(tabId);
  if (!h || !h.open.has(rec)) return; // claimed by an exchange meanwhile
  const st = await store.tab(tabId);
  let best;
  let n = 0;
  // From the newest back, while entries could still be this call (a run of 50
  // outside the time window ends the search).
  let outside = 0;
  for (let i = st.next - 1; i >= st.first && n < 1000 && outside < 50; i--, n++) {
    const e = st.entries.get(i);
    if (!e) continue;
    if (Math.abs(e.t - rec.t) >= JOIN_WINDOW_MS) {
      outside++;
      continue;
    }
    outside = 0;
    if (e.k) continue;
    if (sameCall(rec, e.x.request.url, e.x.request.method, e.t)) best = e; // keep the oldest match
  }
  if (!best || !h.open.remove(rec)) return;
  best.k = rec.id;
  const applied = rec.v;
  applyHook(best.x, rec);
  const d = await diagnose(best.x);
  await store.update(tabId, best.i, best.x, d);
  rec.seq = best.i;
  if (rec.v !== applied) redo(tabId, rec);
}

// A call the page saw fail, that webRequest never showed (the browser refused
// it before the network: a same-origin mode request to another origin, a
// blocked scheme, ...): diagnose what the page itself knows.
function hookOnly(tabId, rec) {
  const h = hooks.get(tabId);
  if (!h || rec.seq !== undefined || !h.open.remove(rec)) return;
  const ex = {
    id: `page-${rec.id}`,
    browser: browserName,
    request: { url: rec.url, method: rec.method, origin: rec.origin, headers: [], type: rec.kind },
    preflightObservation: 'unknown',
  };
  rec.pageItem = onExchange(tabId, ex, { t: rec.t, partial: true, hook: rec });
  h.pageOnly.push(rec);
  if (h.pageOnly.length > 200) h.pageOnly = h.pageOnly.filter((r) => Date.now() - r.t < JOIN_WINDOW_MS * 3);
}

const redoing = new Set();
function redo(tabId, rec) {
  if (redoing.has(rec)) return;
  redoing.add(rec);
  setTimeout(() => {
    redoing.delete(rec);
    queue(tabId, async () => {
      const e = await store.get(tabId, rec.seq);
      if (!e) return;
      applyHook(e.x, rec);
      const d = await diagnose(e.x);
      await store.update(tabId, rec.seq, e.x, d);
    });
  }, 30);
}

// ---- the log ----
const watchers = new Map(); // tabId -> Set<Port>
const store = new Store({
  onChange(st) {
    if (st.badge !== st.blocked) {
      st.badge = st.blocked;
      const text = st.blocked > 0 ? String(st.blocked > 9999 ? '9999+' : st.blocked) : '';
      api.action.setBadgeText({ tabId: st.tabId, text }).catch(() => {});
      api.action.setBadgeBackgroundColor?.({ tabId: st.tabId, color: '#c5221f' })?.catch?.(() => {});
    }
    for (const port of watchers.get(st.tabId) ?? []) {
      try {
        port.postMessage({ type: 'changed', tabId: st.tabId, rev: st.rev, epoch: st.epoch });
      } catch {}
    }
  },
});

// ---- held exchanges: diagnosed and stored when the tab's traffic pauses ----
// A finished exchange waits in memory until no exchange has ended for QUIET_MS
// (at most MAX_WAIT_MS), so that whycors' own work (the engine, deflating,
// storage.session) does not compete with the page's burst of requests, and
// what the page's hook says meanwhile (the call, its rejection, the headers it
// read) joins the exchange before its one diagnosis instead of causing a
// second. Export, clear, navigation and `settle` take the held exchanges
// first. Measured by benches/extension.mjs.
const QUIET_MS = 300; // longer than the relay's pause (150 ms, extension/relay.js): the hook's records come first
const MAX_WAIT_MS = 1500;
const held = new Map(); // tabId -> [{ex, meta, hook?}]
const heldIndex = new Map(); // tabId -> Map<callKey, item[]> (for the hook's records)
let drainTimer = 0;
let heldSince = 0; // when the oldest held exchange ended
let lastHeldAt = 0; // when the newest did

function onExchange(tabId, ex, meta) {
  let list = held.get(tabId);
  if (!list) held.set(tabId, (list = []));
  let index = heldIndex.get(tabId);
  if (!index) heldIndex.set(tabId, (index = new Map()));
  const item = { ex, meta };
  list.push(item);
  const key = callKey(ex.request.url, ex.request.method);
  const same = index.get(key);
  if (same) same.push(item);
  else index.set(key, [item]);
  if (meta.hook) meta.hook.held = true;
  lastHeldAt = Date.now();
  if (!heldSince) heldSince = lastHeldAt;
  // One timer, re-armed only when it fires early (not one per exchange).
  if (!drainTimer) drainTimer = setTimeout(drainWhenQuiet, QUIET_MS);
  return item;
}

function drainWhenQuiet() {
  drainTimer = 0;
  if (!held.size) return;
  const now = Date.now();
  const due = Math.min(lastHeldAt + QUIET_MS, heldSince + MAX_WAIT_MS);
  if (now + 5 < due) drainTimer = setTimeout(drainWhenQuiet, due - now);
  else drainAll();
}

function drainAll() {
  clearTimeout(drainTimer);
  drainTimer = 0;
  heldSince = 0;
  for (const tabId of [...held.keys()]) drain(tabId);
}

/** Queues the tab's held exchanges for diagnosis, in the order they ended. */
function drain(tabId) {
  const list = held.get(tabId);
  if (!list) return;
  held.delete(tabId);
  heldIndex.delete(tabId);
  if (held.size === 0) {
    clearTimeout(drainTimer);
    drainTimer = 0;
    heldSince = 0;
  }
  queue(tabId, async () => {
    for (const item of list) {
      if (item.meta.hook?.pageItem === item) item.meta.hook.pageItem = undefined; // stored from here on
      if (!item.dropped) await record(tabId, item.ex, item.meta, item.hook ?? item.meta.hook);
    }
  });
}

/** Settles what reads the tab's log: held exchanges queued, the queue done. */
function settled(tabId) {
  drain(tabId);
  return queues.get(tabId);
}

async function record(tabId, ex, meta, rec) {
  const applied = rec?.v;
  if (rec) {
    rec.held = false;
    applyHook(ex, rec); // the page may have said more since
  }
  const d = await diagnose(ex);
  if (rec?.replaces) {
    rec.replaces = false;
    if (rec.seq !== undefined && (await store.update(tabId, rec.seq, ex, d))) return;
  }
  const e = await store.add(tabId, meta.t, ex, d);
  if (rec) {
    e.k = rec.id;
    rec.seq = e.i;
    if (rec.v !== applied) redo(tabId, rec); // it said more while we diagnosed
  }
}

function onNavigate(tabId) {
  hooks.delete(tabId);
  drain(tabId); // what the old page did is logged before the log is cleared
  queue(tabId, async () => {
    await store.settingsReady;
    if (!store.settings.preserveLog) await store.clear(tabId);
  });
}

const capture = new Capture({
  browser: browserName,
  // Firefox shows every preflight; Chromium only to extraHeaders listeners.
  seesPreflights: browserName === 'firefox' || EXTRA,
  onExchange,
  onNavigate,
  takeHook,
});

// ---- webRequest listeners: synchronous, top level ----
const wr = api.webRequest;
const filter = { urls: ['<all_urls>'] };
/** `extraHeaders` where this event accepts it (Chromium), plus `base`. */
function spec(optionsEnum, base = []) {
  if (!optionsEnum) return base.length ? base : undefined;
  const values = Object.values(wr[optionsEnum] ?? {});
  const out = EXTRA && values.includes('extraHeaders') ? [...base, 'extraHeaders'] : base;
  return out.length ? out : undefined; // Firefox refuses an empty list where the event takes none
}
function listen(event, fn, optionsEnum, base, f = filter) {
  const s = spec(optionsEnum, base);
  if (s) event.addListener(fn, f, s);
  else event.addListener(fn, f);
}
// The last raw events, for `{type: 'events'}` (diagnosing the capture itself).
const trail = [];
function guard(fn, ev) {
  return (d) => {
    trail.push([ev, d.requestId, d.tabId, d.method, d.type, d.url, d.statusCode ?? null, d.redirectUrl ?? null, d.error ?? null, Math.round(d.timeStamp ?? 0)]);
    if (trail.length > 400) trail.splice(0, 100);
    try {
      fn(d);
    } catch (e) {
      console.error('whycors: webRequest handler', e);
    }
  };
}
// Measured (benches/extension.mjs): each listener costs the page on every
// request; these six carry everything the exchange needs. onBeforeSendHeaders
// (onSendHeaders has the final headers) and onResponseStarted (onCompleted has
// the IP) are left out (13% less routing cost than all eight), and
// onBeforeRequest hears navigations only (`types: ['main_frame']`, about 4%
// less): a request starts at its onSendHeaders, or, refused before it was
// sent or served from the cache, at its first later event. More than one
// `extraHeaders` listener costs no more than one (measured).
// Set FULL_LISTENERS to register all eight for every type, as first designed.
const FULL_LISTENERS = false;
listen(wr.onBeforeRequest, guard((d) => capture.beforeRequest(d), 'BeforeRequest'), undefined, [], FULL_LISTENERS ? filter : { ...filter, types: ['main_frame'] });
if (FULL_LISTENERS) listen(wr.onBeforeSendHeaders, guard((d) => capture.beforeSendHeaders(d), 'BeforeSendHeaders'), 'OnBeforeSendHeadersOptions');
listen(wr.onSendHeaders, guard((d) => capture.sendHeaders(d), 'SendHeaders'), 'OnSendHeadersOptions', ['requestHeaders']);
listen(wr.onHeadersReceived, guard((d) => capture.headersReceived(d), 'HeadersReceived'), 'OnHeadersReceivedOptions', ['responseHeaders']);
listen(wr.onBeforeRedirect, guard((d) => capture.beforeRedirect(d), 'BeforeRedirect'), 'OnBeforeRedirectOptions', ['responseHeaders']);
if (FULL_LISTENERS) listen(wr.onResponseStarted, guard((d) => capture.responseStarted(d), 'ResponseStarted'), 'OnResponseStartedOptions');
listen(wr.onCompleted, guard((d) => capture.completed(d), 'Completed'), 'OnCompletedOptions', ['responseHeaders']);
listen(wr.onErrorOccurred, guard((d) => capture.errorOccurred(d), 'ErrorOccurred'), 'OnErrorOccurredOptions');

// Firefox announces an event page's suspension: store what is held first.
api.runtime.onSuspend?.addListener(drainAll);

api.tabs.onRemoved.addListener((tabId) => {
  hooks.delete(tabId);
  held.delete(tabId);
  heldIndex.delete(tabId);
  joinLater.delete(tabId);
  queue(tabId, () => store.clear(tabId, { forget: true }));
});

// ---- messages: content-script relay, and the API for our own pages ----
api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || typeof msg !== 'object') return false;
  if (msg.type === 'hook') {
    if (sender?.id === api.runtime.id && sender.tab && sender.tab.id >= 0 && typeof msg.json === 'string') {
      let records;
      try {
        records = JSON.parse(msg.json);
      } catch {
        return false;
      }
      onHook(sender.tab.id, records);
    }
    return false;
  }
  if (!isOwnPage(sender)) return false;
  handle(msg).then(sendResponse, (e) => sendResponse({ error: String(e?.message ?? e) }));
  return true;
});

function tabIdOf(msg) {
  const id = Number(msg.tabId);
  if (!Number.isInteger(id) || id < 0) throw new Error('tabId: a tab id is required');
  return id;
}

async function handle(msg) {
  switch (msg.type) {
    case 'list': {
      // Held exchanges are not taken here: the panel lists after every write,
      // and taking them would diagnose a burst while it runs.
      const tabId = tabIdOf(msg);
      await queues.get(tabId);
      return store.list(tabId, Number(msg.since) || 0);
    }
    case 'get': {
      const tabId = tabIdOf(msg);
      const e = await store.get(tabId, Number(msg.id));
      if (!e) return { error: 'no such entry' };
      const diagnosis = await diagnose(e.x);
      return { row: row(e), exchange: e.x, diagnosis, browser: browserName };
    }
    case 'clear': {
      const tabId = tabIdOf(msg);
      drain(tabId);
      await queue(tabId, () => store.clear(tabId));
      return { ok: true };
    }
    case 'export': {
      const tabId = tabIdOf(msg);
      await settled(tabId);
      const { meta, entries } = await store.all(tabId);
      const items = [];
      for (const e of entries) items.push({ exchange: e.x, diagnosis: await diagnose(e.x), time: e.t });
      if (msg.format === 'har') return toHar(items, { version: VERSION, browser: browserName });
      return { format: 'whycors-report', version: VERSION, browser: browserName, tabId, dropped: meta.dropped, items };
    }
    case 'settings': {
      await store.settingsReady;
      if (msg.set && typeof msg.set === 'object') return store.setSettings(msg.set);
      return { ...store.settings };
    }
    case 'settle': {
      // Everything held or queued, in every tab, diagnosed and written.
      drainAll();
      while (queues.size) await Promise.all([...queues.values()]);
      await store.idle();
      return { ok: true };
    }
    case 'events':
      return trail.slice(-Math.min(400, Number(msg.last) || 400));
    case 'status': {
      await engineReady;
      await booted;
      return { browser: browserName, version: VERSION, extraHeaders: EXTRA, boots, engine: engineError ? { error: engineError } : { ok: true } };
    }
    default:
      return { error: `unknown message type ${String(msg.type).slice(0, 40)}` };
  }
}

// Live updates for the panel and popup: a port per page, re-opened by the
// page when the background restarts.
api.runtime.onConnect.addListener((port) => {
  if (port.name !== 'whycors-live' || !isOwnPage(port.sender)) return port.disconnect();
  let tabId = null;
  port.onMessage.addListener((m) => {
    if (m?.type !== 'watch') return;
    const id = Number(m.tabId);
    if (!Number.isInteger(id)) return;
    if (tabId !== null) watchers.get(tabId)?.delete(port);
    tabId = id;
    if (!watchers.has(id)) watchers.set(id, new Set());
    watchers.get(id).add(port);
  });
  port.onDisconnect.addListener(() => {
    if (tabId !== null) watchers.get(tabId)?.delete(port);
  });
});

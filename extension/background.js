// whycors background: Chromium module service worker / Firefox event page.
//
// Forwards, decides nothing: webRequest events and the relays' messages go
// into one inbox, in the order they arrive, and reach the engine's adapter
// (src/webrequest.rs, `WebRequestSession`) in batches, once the traffic
// pauses. What comes back are decided rows (exchange, summary), syncs to
// send to relays, and how many requests still wait for their join. Rows go
// to the per-tab log in storage.session (store.js); the panel and the popup
// render them. The background loads the engine's module (whycors_ext: the
// adapter and the light verdict: verdict, reason, names); the report's part
// (whycors_ext_report.wasm: the diagnosis with its fix, hints and findings)
// is linked into a second instance of that module only when the panel, the
// popup or an export asks for a diagnosis, which is then cached until the
// exchange or its tab's log changes. Every listener is registered
// synchronously below, before anything is awaited, so that an event that
// wakes the background is never lost. No top-level await (Chromium service
// workers forbid it).
// whycors makes no network request.

import initAdapter, * as adapter from '../www/pkg/whycors_ext.js';
// The same glue under another URL is another module instance: the report's.
import initReport, * as report from '../www/pkg/whycors_ext.js?report';
import { api, browserName, isFirefox, extraHeadersSupported, isOwnPage } from './browser.js';
import { Store, row } from './store.js';
import { toHar } from './har.js';

const EXTRA = extraHeadersSupported();
const VERSION = api.runtime.getManifest().version;
const STARTED = Date.now();
const EXPORT_SCHEMA = 2;

// ---- the engines and the adapter ----
// One module (extension/split.mjs), instantiated twice: the adapter's
// instance at start, and the report's when a diagnosis is first asked for
// (fullEngine()), with the report's part linked into it: the part writes its
// functions into that instance's table and its texts into its memory. Two
// instances, so that a trap in the report never takes the adapter (and the
// requests it holds) down.
const moduleUrl = new URL('../www/pkg/whycors_ext_bg.wasm', import.meta.url);
const reportPartUrl = new URL('../www/pkg/whycors_ext_report.wasm', import.meta.url);
const compile = (url) =>
  fetch(url)
    .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`${url.pathname}: ${r.status}`))))
    .then((bytes) => WebAssembly.compile(bytes));
const engineModule = compile(moduleUrl);
let engineError = null;
const engineReady = (async () => {
  try {
    await initAdapter({ module_or_path: await engineModule });
  } catch (e) {
    engineError = String(e?.message ?? e);
    console.error('whycors: the engine did not load', e);
  }
})();
let fullError = null;
let fullLoading = null;
let reportPart = null; // the compiled report part
let linkedTo = null; // the report instance's exports the part is linked into
/** Links the report part into the report's instance (again after a reset: a new instance). */
function linkReport() {
  const exports = report.initSync();
  if (exports === linkedTo) return;
  new WebAssembly.Instance(reportPart, { primary: exports });
  linkedTo = exports;
}
function fullEngine() {
  if (!fullLoading) {
    fullLoading = (async () => {
      const [module, part] = await Promise.all([engineModule, compile(reportPartUrl)]);
      await initReport({ module_or_path: module });
      reportPart = part;
      linkReport();
    })().then(
      () => {
        fullError = null;
      },
      (e) => {
        fullError = String(e?.message ?? e);
        fullLoading = null;
        console.error('whycors: the full engine did not load', e);
      },
    );
  }
  return fullLoading;
}

// How many times this background has started in this browser session (tests
// use it to see that a stop / suspension really happened).
let boots = 0;
const booted = api.storage.session
  .get('boots')
  .then((o) => api.storage.session.set({ boots: (boots = (Number(o?.boots) || 0) + 1) }))
  .catch(() => {});

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
        port.postMessage({ type: 'changed', tabId: st.tabId, rev: st.rev, epoch: st.epoch, pending: pending.get(st.tabId) ?? 0 });
      } catch {}
    }
  },
});

let session = null;
let sessionState = null; // the adapter's state to keep (preflight cache), as stored
const sessionReady = (async () => {
  await engineReady;
  const got = await api.storage.session.get('adapter').catch(() => ({}));
  sessionState = got?.adapter ?? null;
  await store.settingsReady;
  makeSession();
})();

// Bumped with every new adapter: an answer to a sync an earlier adapter
// asked for is dropped (sync ids are each adapter's own).
let sessionGen = 0;

function makeSession() {
  if (engineError) return;
  sessionGen++;
  try {
    session = new adapter.WebRequestSession(
      JSON.stringify({ browser: browserName, seesPreflights: isFirefox || EXTRA, startedAt: STARTED, rawUrls: !!store.settings.rawUrls }),
    );
    if (sessionState) session.restoreState(JSON.stringify(sessionState));
  } catch (e) {
    engineError = String(e?.message ?? e);
    session = null;
  }
}

// ---- per-tab work queue: rows are stored in the order they were decided ----
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

// ---- the inbox: everything the adapter reads, in arrival order ----
// Fed when nothing has arrived for QUIET_MS (at most MAX_WAIT_MS after the
// first item), so that whycors' own work (the adapter, the engine,
// deflating, storage.session) runs after a burst of requests instead of
// competing with it (benches/extension.mjs).
const QUIET_MS = 300;
const MAX_WAIT_MS = 1500;
const SOON_MS = 30;
const POLL_MS = 100;
let inbox = [];
let feedTimer = 0;
let feedDue = 0;
let firstAt = 0;
let lastAt = 0;
let feeding = null;
const pending = new Map(); // tabId -> ended requests still waiting for their join
const epochs = new Map(); // tabId -> navigation epoch (the adapter's)
const xids = new Map(); // tabId -> Map<row xid, log seq>
let syncsInFlight = 0;
let trace = null; // test-only: the batches fed, as fed

function push(item) {
  inbox.push(item);
  lastAt = Date.now();
  if (!firstAt) firstAt = lastAt;
  if (!feedTimer) arm(QUIET_MS);
}
function arm(ms) {
  const due = Date.now() + ms;
  if (feedTimer && feedDue <= due) return;
  clearTimeout(feedTimer);
  feedDue = due;
  feedTimer = setTimeout(whenQuiet, ms);
}
function whenQuiet() {
  feedTimer = 0;
  const now = Date.now();
  const due = firstAt ? Math.min(lastAt + QUIET_MS, firstAt + MAX_WAIT_MS) : now;
  if (now + 5 < due && inbox.length < 20000 && !soonWanted) arm(due - now);
  else feed();
}
let soonWanted = false;
function soon() {
  soonWanted = true;
  arm(SOON_MS);
}

/** Feeds the inbox to the adapter (one crossing) and acts on its answer. */
function feed() {
  const run = async () => {
    clearTimeout(feedTimer);
    feedTimer = 0;
    soonWanted = false;
    await sessionReady;
    if (!inbox.length) return;
    const batch = inbox;
    inbox = [];
    firstAt = 0;
    if (!session) return;
    const json = JSON.stringify(batch);
    const now = Date.now();
    let text;
    try {
      text = session.feed(json, now);
    } catch (e) {
      // The engine trapped: a fresh instance and adapter (what was held in
      // memory is lost, as in a restart).
      console.error('whycors: the adapter failed', e);
      try {
        adapter.__wbg_reset_state();
      } catch {}
      makeSession();
      return;
    }
    if (trace) trace.feeds.push({ now, batch: json });
    let out;
    try {
      out = JSON.parse(text);
    } catch {
      return;
    }
    act(out);
  };
  feeding = (feeding ?? Promise.resolve()).then(run, run);
  return feeding;
}

function act(out) {
  for (const n of out.navigations ?? []) {
    epochs.set(n.tab, n.epoch);
    xids.delete(n.tab);
    queue(n.tab, async () => {
      await store.settingsReady;
      if (!store.settings.preserveLog) await store.clear(n.tab);
      views.delete(n.tab);
    });
  }
  for (const r of out.rows ?? []) {
    // A row of a page the tab has left: its log was cleared with it.
    if (r.epoch < (epochs.get(r.tab) ?? 0) && !store.settings.preserveLog) continue;
    queue(r.tab, async () => {
      let ids = xids.get(r.tab);
      if (!ids) xids.set(r.tab, (ids = new Map()));
      if (r.upd) {
        const seq = ids.get(r.xid);
        if (seq !== undefined) await store.update(r.tab, seq, r.x, r.s);
        return;
      }
      const e = await store.add(r.tab, r.t, r.x, r.s, { sw: r.sw });
      // A neighbouring request can change a diagnosis' hints.
      views.delete(r.tab);
      ids.set(r.xid, e.i);
      if (ids.size > 5000) ids.delete(ids.keys().next().value);
    });
  }
  const before = new Set(pending.keys());
  pending.clear();
  for (const [tab, n] of Object.entries(out.pending ?? {})) pending.set(Number(tab), n);
  for (const tab of new Set([...before, ...pending.keys()])) notifyPending(tab);
  for (const s of out.syncs ?? []) sendSync(s);
  if (out.state) {
    sessionState = out.state;
    api.storage.session.set({ adapter: out.state }).catch(() => {});
  }
}

function notifyPending(tabId) {
  for (const port of watchers.get(tabId) ?? []) {
    try {
      port.postMessage({ type: 'pending', tabId, pending: pending.get(tabId) ?? 0 });
    } catch {}
  }
}

/** Asks one document's relay to flush (its answer carries the mark). */
function sendSync(s) {
  syncsInFlight++;
  const gen = sessionGen;
  const go = () => {
    const opts = { frameId: s.frame };
    if (s.doc && !isFirefox) opts.documentId = s.doc;
    let p;
    try {
      p = api.tabs.sendMessage(s.tab, { type: 'whycors-sync', id: s.id }, opts);
    } catch (e) {
      p = Promise.reject(e);
    }
    Promise.resolve(p).then(
      (reply) => {
        const json = typeof reply?.json === 'string' ? reply.json : null;
        answered(json === null ? ['sync', { id: s.id, none: true }] : ['sync', { id: s.id, json }], gen);
      },
      () => answered(['sync', { id: s.id, none: true }], gen),
    );
  };
  if (s.poll) setTimeout(go, POLL_MS);
  else go();
}
function answered(item, gen) {
  syncsInFlight--;
  if (gen !== sessionGen) return; // asked by an adapter since replaced
  push(item);
  soon();
}

/** Everything held decided and written, or `timeoutMs` gone: the pending count left. */
async function settleAll(tabId, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await feed();
    while (queues.size) await Promise.all([...queues.values()]);
    const left = tabId === undefined ? [...pending.values()].reduce((a, b) => a + b, 0) : pending.get(tabId) ?? 0;
    if ((!left && !syncsInFlight && !inbox.length) || Date.now() > end) {
      await store.idle();
      return left;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---- webRequest listeners: synchronous, top level ----
// Measured (benches/extension.mjs): each listener costs the page on every
// request. These six carry everything an exchange needs; onBeforeSendHeaders
// (onSendHeaders has the final headers) and onResponseStarted (onCompleted
// has the IP) are left out, and onBeforeRequest hears navigations only. The
// listener itself only queues the browser's details object.
const wr = api.webRequest;
const filter = { urls: ['<all_urls>'] };
function spec(optionsEnum, base = []) {
  if (!optionsEnum) return base.length ? base : undefined;
  const values = Object.values(wr[optionsEnum] ?? {});
  const out = EXTRA && values.includes('extraHeaders') ? [...base, 'extraHeaders'] : base;
  return out.length ? out : undefined; // Firefox refuses an empty list where the event takes none
}
function listen(event, code, optionsEnum, base, f = filter) {
  const fn = (d) => push([code, d]);
  const s = spec(optionsEnum, base);
  if (s) event.addListener(fn, f, s);
  else event.addListener(fn, f);
}
listen(wr.onBeforeRequest, 'BR', undefined, [], { ...filter, types: ['main_frame'] });
listen(wr.onSendHeaders, 'SH', 'OnSendHeadersOptions', ['requestHeaders']);
listen(wr.onHeadersReceived, 'HR', 'OnHeadersReceivedOptions', ['responseHeaders']);
listen(wr.onBeforeRedirect, 'RD', 'OnBeforeRedirectOptions', ['responseHeaders']);
listen(wr.onCompleted, 'C', 'OnCompletedOptions', ['responseHeaders']);
listen(wr.onErrorOccurred, 'E', 'OnErrorOccurredOptions');

// Firefox announces an event page's suspension: decide and store what can be.
api.runtime.onSuspend?.addListener(() => {
  feed();
});

api.tabs.onRemoved.addListener((tabId) => {
  push(['closed', tabId]);
  pending.delete(tabId);
  epochs.delete(tabId);
  xids.delete(tabId);
  views.delete(tabId);
  queue(tabId, () => store.clear(tabId, { forget: true }));
});

// The tabs open when this background starts: a service worker's requests are
// shown in the tab of their origin.
api.tabs
  .query({})
  .then((tabs) => push(['tabs', tabs.map((t) => ({ id: t.id, url: t.url }))]))
  .catch(() => {});

// ---- messages: the relays, and the API for our own pages ----
api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || typeof msg !== 'object') return false;
  if (msg.type === 'hook') {
    if (sender?.id === api.runtime.id && sender.tab && sender.tab.id >= 0 && typeof msg.json === 'string' && msg.json.length <= 1 << 20) {
      push(['hook', { tab: sender.tab.id, frame: sender.frameId ?? 0, doc: sender.documentId, json: msg.json }]);
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

// ---- full diagnoses, on demand, cached ----
// tabId -> Map<seq, {x, v}>: a view is valid while its entry holds the same
// exchange object (a late hook record replaces it: store.update) and the
// tab's log has gained no row since (a neighbour can change a hint; the
// tab's cache is dropped then, and on clear and navigation).
const views = new Map();

// `among`: diagnosed among the tab's other exchanges (the engine compares
// the responses of the same server: issue 9), for the panel and the popup;
// an export diagnoses each alone (one crossing each, no list of neighbours),
// unless a view among them is cached.
async function view(tabId, e, { among = true } = {}) {
  let tab = views.get(tabId);
  const hit = tab?.get(e.i);
  if (hit && hit.x === e.x && (hit.among || !among)) return hit.v;
  await fullEngine();
  if (fullError) return { diagnosis: null, highlights: [] };
  let v;
  try {
    linkReport();
    if (among) {
      const { entries } = await store.all(tabId);
      const others = entries.filter((o) => o.i !== e.i).map((o) => o.x);
      v = JSON.parse(report.webRequestViewWith(JSON.stringify(e.x), JSON.stringify(others), browserName));
    } else {
      v = JSON.parse(report.webRequestView(JSON.stringify(e.x), browserName));
    }
  } catch (err) {
    console.error('whycors: the engine failed on a stored exchange', err);
    if (err instanceof WebAssembly.RuntimeError) {
      try {
        report.__wbg_reset_state(); // a trapped instance: a fresh one for the next call
        linkReport();
      } catch {}
    }
    return { diagnosis: null, highlights: [] };
  }
  if (!views.has(tabId)) views.set(tabId, new Map());
  tab = views.get(tabId);
  tab.set(e.i, { x: e.x, v, among });
  if (tab.size > 2000) tab.delete(tab.keys().next().value);
  // The row's one-line fix, warning flag and rank come with the full
  // diagnosis: the stored row takes them (the panel's list updates). Not
  // awaited: the answer does not wait behind the tab's queue.
  if (v.flags && differs(e.s, v.flags)) queue(tabId, () => store.refine(tabId, e.i, e.x, v.flags));
  return v;
}

function differs(s, flags) {
  for (const k of Object.keys(flags)) if ((s?.[k] ?? null) !== (flags[k] ?? null)) return true;
  return false;
}

async function handle(msg) {
  switch (msg.type) {
    case 'list': {
      const tabId = tabIdOf(msg);
      await queues.get(tabId);
      return { ...(await store.list(tabId, Number(msg.since) || 0)), pending: pending.get(tabId) ?? 0 };
    }
    case 'get': {
      const tabId = tabIdOf(msg);
      const e = await store.get(tabId, Number(msg.id));
      if (!e) return { error: 'no such entry' };
      const v = await view(tabId, e);
      return { row: { ...row(e), ...(v.flags ?? {}) }, exchange: e.x, diagnosis: v.diagnosis, highlights: v.highlights, browser: browserName };
    }
    case 'fixes': {
      // The popup's latest blocked rows: their one-line fixes (full diagnoses).
      const tabId = tabIdOf(msg);
      const out = {};
      for (const id of (Array.isArray(msg.ids) ? msg.ids : []).slice(0, 20)) {
        const e = await store.get(tabId, Number(id));
        if (!e) continue;
        const v = await view(tabId, e);
        out[id] = v.flags?.fx ?? null;
      }
      return { fixes: out };
    }
    case 'clear': {
      const tabId = tabIdOf(msg);
      await feed();
      await queue(tabId, () => store.clear(tabId));
      views.delete(tabId);
      return { ok: true };
    }
    case 'export': {
      const tabId = tabIdOf(msg);
      const left = await settleAll(tabId, Number(msg.timeoutMs) || 20000);
      const { meta, entries } = await store.all(tabId);
      const items = [];
      for (const e of entries) items.push({ exchange: e.x, diagnosis: (await view(tabId, e, { among: false })).diagnosis, time: e.t });
      if (msg.format === 'har') return toHar(items, { version: VERSION, browser: browserName });
      return { format: 'whycors-report', schema: EXPORT_SCHEMA, version: VERSION, browser: browserName, tabId, dropped: meta.dropped, pending: left, items };
    }
    case 'settings': {
      await store.settingsReady;
      if (msg.set && typeof msg.set === 'object') {
        const s = await store.setSettings(msg.set);
        session?.setRawUrls(!!s.rawUrls);
        if (s.trace && !trace) trace = { config: { browser: browserName, seesPreflights: isFirefox || EXTRA, startedAt: STARTED, rawUrls: !!s.rawUrls }, feeds: [] };
        if (!s.trace) trace = null;
        return s;
      }
      return { ...store.settings };
    }
    case 'settle': {
      // Everything held or queued, in every tab, decided and written (or the
      // time given gone): the requests still waiting for their join.
      const left = await settleAll(undefined, Number(msg.timeoutMs) || 20000);
      return { ok: left === 0, pending: left };
    }
    case 'trace': {
      // Test-only (settings.trace): the batches fed since the last call, as
      // fed, to record the traces in tests/data/webrequest/; `reset` starts a
      // fresh adapter first, so that a trace replays from nothing.
      if (!trace) return { error: 'tracing is off (settings.trace)' };
      if (msg.reset) await settleAll(undefined, 5000);
      else await feed();
      const out = trace;
      trace = { config: { ...out.config }, feeds: [] };
      if (msg.reset) {
        trace.config.startedAt = Date.now();
        makeSessionFresh(trace.config);
      }
      return out;
    }
    case 'stats': {
      const tabId = tabIdOf(msg);
      await sessionReady;
      return session ? JSON.parse(session.stats(tabId)) : {};
    }
    case 'status': {
      await engineReady;
      await booted;
      return {
        browser: browserName, version: VERSION, extraHeaders: EXTRA, boots,
        engine: engineError ? { error: engineError } : { ok: true },
        // The full engine: loaded on the first diagnosis asked for.
        full: fullError ? { error: fullError } : { loaded: !!fullLoading },
      };
    }
    default:
      return { error: `unknown message type ${String(msg.type).slice(0, 40)}` };
  }
}

function makeSessionFresh(config) {
  try {
    session?.free?.();
  } catch {}
  sessionGen++;
  session = new adapter.WebRequestSession(JSON.stringify(config));
  // The fresh adapter counts navigations from 0 again.
  epochs.clear();
  xids.clear();
  pending.clear();
}

// Live updates for the panel and popup: a port per page, re-opened by the
// page when the background restarts.
api.runtime.onConnect.addListener((port) => {
  if (port.name !== 'whycors-live' || !isOwnPage(port.sender)) return port.disconnect();
  let tabId = null;
  // A panel or popup is open: it will ask for diagnoses, so the report
  // engine is instantiated now rather than on its first question.
  fullEngine();
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

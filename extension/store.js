// Per-tab log of exchanges and their diagnoses, kept in storage.session so
// that a stopped service worker (Chromium) or suspended event page (Firefox)
// loses nothing already recorded.
//
// Layout (compact: storage.session has a 10 MB quota):
//   `m:<tabId>`        {epoch, first, next, dropped, rev, blocked}
//   `e:<tabId>:<seq>`  {i: seq, z: base64(deflate-raw(JSON of {r: rev, t: ms, s: summary, k?: hook call id, x: exchange}))}
// Entries `first..next-1` exist; the oldest go first beyond the cap, and
// `dropped` counts them. The full diagnosis is not stored: the engine is
// deterministic, so `get` and `export` diagnose the stored exchange again.

import { api } from './browser.js';

export const DEFAULT_SETTINGS = Object.freeze({ cap: 1000, preserveLog: false });

/** The few facts of a diagnosis the table and the popup need. */
export function summarize(ex, d) {
  const byBrowser = {};
  for (const b of d?.browsers ?? []) byBrowser[b.browser] = b;
  const status = ex.response?.status ?? null;
  const warn =
    d?.verdict === 'blocked-if-credentialed' ||
    (d?.findings ?? []).some((f) => f.severity === 'warning' || f.severity === 'security') ||
    (d?.browsers ?? []).some((b) => (b.also ?? []).length > 0);
  return {
    v: d?.verdict ?? 'unknown',
    r: d?.reason ?? null,
    c: byBrowser.chromium?.name ?? null,
    f: byBrowser.firefox?.name ?? null,
    fx: d?.fix?.summary?.text ?? null,
    w: warn,
    m: ex.request.method ?? 'GET',
    u: ex.request.url,
    st: status,
    pf: ex.preflight ? ex.preflight.status ?? 0 : null,
    ty: ex.request.type ?? 'other',
    e: ex.error ?? null,
    hk: ex.request.authorHeaders != null, // the page's own record of the call was joined
  };
}

const isBlocked = (s) => s?.v === 'blocked';

// Stored entries carry the exchange deflated and base64-encoded (`z`):
// Chromium counts an object in storage.session at several times its JSON size
// (measured: 4.8 KB per entry as an object, 1.4 KB of JSON), a string at its
// length, and deflate shrinks the JSON about threefold.
const canDeflate = typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromBase64(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
async function through(bytes, stream) {
  const buf = await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer();
  return new Uint8Array(buf);
}

/** The stored form of an entry. */
export async function pack(e) {
  const json = JSON.stringify({ r: e.r, t: e.t, s: e.s, k: e.k, x: e.x });
  const out = { i: e.i };
  if (canDeflate) out.z = toBase64(await through(new TextEncoder().encode(json), new CompressionStream('deflate-raw')));
  else out.j = json;
  return out;
}

/** An entry from its stored form (also reads the plain `x` form). */
export async function unpack(o) {
  if (!o || typeof o !== 'object') return undefined;
  let v = o;
  try {
    if (typeof o.z === 'string') v = JSON.parse(new TextDecoder().decode(await through(fromBase64(o.z), new DecompressionStream('deflate-raw'))));
    else if (typeof o.j === 'string') v = JSON.parse(o.j);
  } catch {
    return undefined;
  }
  if (!v?.x || !v.s) return undefined;
  const e = { i: o.i, r: v.r, t: v.t, s: v.s, x: v.x };
  if (v.k) e.k = v.k;
  return e;
}

export class Store {
  constructor({ onChange }) {
    this.onChange = onChange;
    this.settings = { ...DEFAULT_SETTINGS };
    this.settingsReady = api.storage.local
      .get('settings')
      .then((o) => Object.assign(this.settings, sanitizeSettings(o?.settings)))
      .catch(() => {});
    this.tabs = new Map(); // tabId -> Promise<state>
    this.timer = null;
    this.dirtyTabs = new Set();
  }

  async setSettings(patch) {
    await this.settingsReady;
    Object.assign(this.settings, sanitizeSettings({ ...this.settings, ...patch }));
    await api.storage.local.set({ settings: this.settings });
    for (const p of this.tabs.values()) {
      const st = await p;
      this.enforceCap(st);
      this.touch(st);
    }
    return this.settings;
  }

  /** The tab's state, loaded from storage.session on first use after a restart. */
  tab(tabId) {
    let p = this.tabs.get(tabId);
    if (!p) {
      p = this.load(tabId);
      this.tabs.set(tabId, p);
    }
    return p;
  }

  async load(tabId) {
    await this.settingsReady;
    const mk = `m:${tabId}`;
    const got = await api.storage.session.get(mk).catch(() => ({}));
    const meta = got?.[mk] ?? { epoch: 1, first: 0, next: 0, dropped: 0, rev: 0, blocked: 0 };
    const st = { tabId, ...meta, entries: new Map(), dirty: new Set(), removed: new Set(), metaDirty: false, badge: null };
    if (meta.next > meta.first) {
      const keys = [];
      for (let i = meta.first; i < meta.next; i++) keys.push(`e:${tabId}:${i}`);
      const all = await api.storage.session.get(keys).catch(() => ({}));
      const got = await Promise.all(keys.map((k) => unpack(all?.[k])));
      for (const e of got) if (e) st.entries.set(e.i, e);
    }
    st.blocked = 0;
    for (const e of st.entries.values()) if (isBlocked(e.s)) st.blocked++;
    return st;
  }

  async add(tabId, t, ex, diagnosis) {
    const st = await this.tab(tabId);
    const e = { i: st.next++, r: ++st.rev, t, x: ex, s: summarize(ex, diagnosis) };
    st.entries.set(e.i, e);
    if (isBlocked(e.s)) st.blocked++;
    st.dirty.add(e.i);
    this.enforceCap(st);
    this.touch(st);
    return e;
  }

  async update(tabId, seq, ex, diagnosis) {
    const st = await this.tab(tabId);
    const e = st.entries.get(seq);
    if (!e) return undefined;
    if (isBlocked(e.s)) st.blocked--;
    e.x = ex;
    e.s = summarize(ex, diagnosis);
    e.r = ++st.rev;
    if (isBlocked(e.s)) st.blocked++;
    st.dirty.add(seq);
    this.touch(st);
    return e;
  }

  enforceCap(st) {
    const cap = this.settings.cap;
    while (st.entries.size > cap && st.first < st.next) this.dropOldest(st);
  }

  dropOldest(st) {
    const e = st.entries.get(st.first);
    if (e) {
      if (isBlocked(e.s)) st.blocked--;
      st.entries.delete(st.first);
      st.dirty.delete(st.first);
      st.removed.add(st.first);
      st.dropped++;
    }
    st.first++;
  }

  async clear(tabId, { forget = false } = {}) {
    const st = await this.tab(tabId);
    for (let i = st.first; i < st.next; i++) {
      st.removed.add(i);
      st.dirty.delete(i);
    }
    st.entries.clear();
    st.first = st.next;
    st.dropped = 0;
    st.blocked = 0;
    st.epoch++;
    st.rev++;
    st.forget = forget;
    this.touch(st);
  }

  touch(st) {
    st.metaDirty = true;
    this.dirtyTabs.add(st);
    if (!this.timer) this.timer = setTimeout(() => this.flush(), 25);
  }

  async flush() {
    this.timer = null;
    const tabs = [...this.dirtyTabs];
    this.dirtyTabs.clear();
    for (const st of tabs) {
      const set = {};
      const remove = [...st.removed].map((i) => `e:${st.tabId}:${i}`);
      st.removed.clear();
      const dirty = [...st.dirty];
      st.dirty.clear();
      const packed = await Promise.all(dirty.map((i) => (st.entries.has(i) ? pack(st.entries.get(i)) : null)));
      dirty.forEach((i, n) => {
        if (packed[n] && st.entries.has(i)) set[`e:${st.tabId}:${i}`] = packed[n];
      });
      if (st.forget) {
        remove.push(`m:${st.tabId}`);
        this.tabs.delete(st.tabId);
      } else {
        set[`m:${st.tabId}`] = meta(st);
      }
      try {
        if (remove.length) await api.storage.session.remove(remove);
        if (Object.keys(set).length) await api.storage.session.set(set);
      } catch (err) {
        // Over the quota: drop the oldest tenth of this tab and retry once.
        const n = Math.max(1, Math.ceil(st.entries.size / 10));
        for (let k = 0; k < n; k++) this.dropOldest(st);
        for (const key of Object.keys(set)) {
          const i = Number(key.split(':')[2]);
          if (key.startsWith('e:') && !st.entries.has(i)) delete set[key];
        }
        set[`m:${st.tabId}`] = meta(st);
        const rm = [...st.removed].map((i) => `e:${st.tabId}:${i}`);
        st.removed.clear();
        try {
          if (rm.length) await api.storage.session.remove(rm);
          await api.storage.session.set(set);
        } catch (err2) {
          console.error('whycors: storage.session refused the log', err2);
        }
      }
      if (!st.forget) this.onChange(st);
    }
  }

  /** Rows for the table: everything changed since `since` (a rev). */
  async list(tabId, since = 0) {
    const st = await this.tab(tabId);
    const rows = [];
    for (const e of st.entries.values()) if (e.r > since) rows.push(row(e));
    return { tabId, ...meta(st), total: st.entries.size, rows };
  }

  async get(tabId, seq) {
    const st = await this.tab(tabId);
    return st.entries.get(seq);
  }

  async all(tabId) {
    const st = await this.tab(tabId);
    return { meta: meta(st), entries: [...st.entries.values()] };
  }
}

export function row(e) {
  return { id: e.i, rev: e.r, t: e.t, ...e.s };
}

function meta(st) {
  return { epoch: st.epoch, first: st.first, next: st.next, dropped: st.dropped, rev: st.rev, blocked: st.blocked };
}

function sanitizeSettings(s) {
  const out = {};
  if (s && Number.isFinite(Number(s.cap))) out.cap = Math.max(10, Math.min(20000, Math.floor(Number(s.cap))));
  if (s && typeof s.preserveLog === 'boolean') out.preserveLog = s.preserveLog;
  return out;
}

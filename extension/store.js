// Per-tab log of exchanges and their diagnoses, kept in storage.session so
// that a stopped service worker (Chromium) or suspended event page (Firefox)
// loses nothing already recorded.
//
// Layout (compact: storage.session has a 10 MB quota):
//   `m:<tabId>`          {epoch, first, next, dropped, rev, blocked}
//   `c:<tabId>:<chunk>`  {z: base64(deflate-raw(JSON array of {i: seq, r: rev, t: ms, s: summary, w?: 'sw', x: exchange (schema 2)}))}
// Entries `first..next-1` exist; entry `seq` lives in chunk floor(seq / CHUNK).
// A chunk is deflated as one: neighbouring exchanges share most of their
// header names and values, so a chunk packs several times smaller than its
// entries one by one, and a burst costs one stream per chunk instead of one
// per entry. The oldest entries go first beyond the cap, and `dropped` counts
// them. The full diagnosis is not stored: the engine is deterministic, so
// `get` and `export` diagnose the stored exchange again.

import { api } from './browser.js';

export const DEFAULT_SETTINGS = Object.freeze({ cap: 1000, preserveLog: false, rawUrls: false });

// An entry's summary `s` is the engine's (src/webrequest/view.rs `Summary`:
// verdict, reason, each browser's name, the fix's one line, the warning
// flag `w`, the rank `rk`, `bl` for what counts as blocked): nothing about
// CORS is decided here.
const isBlocked = (s) => s?.bl === true;

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
// Straight through the stream's writer and reader: a Blob / Response detour
// costs several times the deflate itself in a service worker (profiled: a
// Blob is registered with the browser process).
async function through(bytes, stream) {
  const writer = stream.writable.getWriter();
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Entries per stored chunk. */
export const CHUNK = 50;
const chunkOf = (seq) => Math.floor(seq / CHUNK);
const chunkKey = (tabId, n) => `c:${tabId}:${n}`;

/** The stored form of a chunk: its entries, deflated together. */
export async function pack(entries) {
  const json = JSON.stringify(entries.map((e) => ({ i: e.i, r: e.r, t: e.t, s: e.s, w: e.w, x: e.x })));
  if (canDeflate) return { z: toBase64(await through(new TextEncoder().encode(json), new CompressionStream('deflate-raw'))) };
  return { j: json };
}

/** A chunk's entries from its stored form (none when it does not read). */
export async function unpack(o) {
  if (!o || typeof o !== 'object') return [];
  let v;
  try {
    if (typeof o.z === 'string') v = JSON.parse(new TextDecoder().decode(await through(fromBase64(o.z), new DecompressionStream('deflate-raw'))));
    else if (typeof o.j === 'string') v = JSON.parse(o.j);
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  const out = [];
  for (const x of v) {
    if (!x?.x || !x.s || !Number.isInteger(x.i)) continue;
    const e = { i: x.i, r: x.r, t: x.t, s: x.s, x: x.x };
    if (x.w) e.w = x.w;
    out.push(e);
  }
  return out;
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
    const st = { tabId, ...meta, entries: new Map(), dirty: new Set(), metaDirty: false, badge: null };
    if (meta.next > meta.first) {
      const keys = [];
      for (let n = chunkOf(meta.first); n <= chunkOf(meta.next - 1); n++) keys.push(chunkKey(tabId, n));
      const all = await api.storage.session.get(keys).catch(() => ({}));
      const chunks = await Promise.all(keys.map((k) => unpack(all?.[k])));
      for (const list of chunks) for (const e of list) if (e.i >= meta.first && e.i < meta.next) st.entries.set(e.i, e);
    }
    st.blocked = 0;
    for (const e of st.entries.values()) if (isBlocked(e.s)) st.blocked++;
    return st;
  }

  async add(tabId, t, ex, summary, { sw = false } = {}) {
    const st = await this.tab(tabId);
    const e = { i: st.next++, r: ++st.rev, t, x: ex, s: summary };
    if (sw) e.w = 'sw';
    st.entries.set(e.i, e);
    if (isBlocked(e.s)) st.blocked++;
    st.dirty.add(chunkOf(e.i));
    this.enforceCap(st);
    this.touch(st);
    return e;
  }

  async update(tabId, seq, ex, summary) {
    const st = await this.tab(tabId);
    const e = st.entries.get(seq);
    if (!e) return undefined;
    if (isBlocked(e.s)) st.blocked--;
    e.x = ex;
    e.s = summary;
    e.r = ++st.rev;
    if (isBlocked(e.s)) st.blocked++;
    st.dirty.add(chunkOf(seq));
    this.touch(st);
    return e;
  }

  /** The row's fields a full diagnosis refines (`flags`), for the entry still holding `ex`. */
  async refine(tabId, seq, ex, flags) {
    const st = await this.tab(tabId);
    const e = st.entries.get(seq);
    if (!e || e.x !== ex) return undefined;
    if (isBlocked(e.s)) st.blocked--;
    e.s = { ...e.s, ...flags };
    e.r = ++st.rev;
    if (isBlocked(e.s)) st.blocked++;
    st.dirty.add(chunkOf(seq));
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
      st.dirty.add(chunkOf(st.first));
      st.dropped++;
    }
    st.first++;
  }

  async clear(tabId, { forget = false } = {}) {
    const st = await this.tab(tabId);
    if (st.next > st.first) for (let n = chunkOf(st.first); n <= chunkOf(st.next - 1); n++) st.dirty.add(n);
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
    if (!this.timer) this.timer = setTimeout(() => (this.flushing = this.flush()), 25);
  }

  /** Resolves once every change so far is written to storage.session. */
  async idle() {
    while (this.timer || this.flushing) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
        this.flushing = this.flush();
      }
      const f = this.flushing;
      await f;
      if (this.flushing === f) this.flushing = null;
    }
  }

  /** The tab's chunks that changed: their stored form, or null (to remove). */
  async packDirty(st) {
    const out = new Map();
    const dirty = [...st.dirty];
    st.dirty.clear();
    await Promise.all(
      dirty.map(async (n) => {
        const list = [];
        for (let i = n * CHUNK; i < (n + 1) * CHUNK; i++) {
          const e = st.entries.get(i);
          if (e) list.push(e);
        }
        out.set(n, list.length ? await pack(list) : null);
      }),
    );
    return out;
  }

  async write(st, chunks) {
    const set = {};
    const remove = [];
    for (const [n, v] of chunks) {
      if (v) set[chunkKey(st.tabId, n)] = v;
      else remove.push(chunkKey(st.tabId, n));
    }
    if (st.forget) remove.push(`m:${st.tabId}`);
    else set[`m:${st.tabId}`] = meta(st);
    if (remove.length) await api.storage.session.remove(remove);
    if (Object.keys(set).length) await api.storage.session.set(set);
  }

  async flush() {
    this.timer = null;
    const tabs = [...this.dirtyTabs];
    this.dirtyTabs.clear();
    for (const st of tabs) {
      if (st.forget) this.tabs.delete(st.tabId);
      const chunks = await this.packDirty(st);
      try {
        await this.write(st, chunks);
      } catch (err) {
        // Over the quota: drop the oldest tenth of this tab and retry once.
        for (const c of chunks.keys()) st.dirty.add(c);
        const n = Math.max(1, Math.ceil(st.entries.size / 10));
        for (let k = 0; k < n; k++) this.dropOldest(st);
        try {
          await this.write(st, await this.packDirty(st));
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
  const r = { id: e.i, rev: e.r, t: e.t, ...e.s };
  if (e.w) r.sw = true;
  return r;
}

function meta(st) {
  return { epoch: st.epoch, first: st.first, next: st.next, dropped: st.dropped, rev: st.rev, blocked: st.blocked };
}

function sanitizeSettings(s) {
  const out = {};
  if (s && Number.isFinite(Number(s.cap))) out.cap = Math.max(10, Math.min(20000, Math.floor(Number(s.cap))));
  if (s && typeof s.preserveLog === 'boolean') out.preserveLog = s.preserveLog;
  if (s && typeof s.rawUrls === 'boolean') out.rawUrls = s.rawUrls;
  // Test-only knobs (tests/e2e/extension*.mjs): record the adapter's input;
  // delay every relay message.
  if (s && typeof s.trace === 'boolean') out.trace = s.trace;
  if (s && Number.isFinite(Number(s.testRelayDelayMs))) out.testRelayDelayMs = Math.max(0, Math.min(10000, Math.floor(Number(s.testRelayDelayMs))));
  return out;
}

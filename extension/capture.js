// webRequest events -> exchanges (the engine's input, src/model.rs).
//
// This module only *records*: it turns each browser's event sequence into one
// `Exchange` per cross-origin request (preflight paired, redirects folded into
// hops), and leaves every CORS judgement to the engine. It holds no state that
// must survive a background restart: a request whose early events were lost
// is rebuilt from its late events (status, response headers, error), and the
// exchange says what is unknown.
//
// Event orders it relies on (docs/../shared/reference/browsers.md, re-checked
// by tests/e2e/extension.test.mjs):
// - Chromium (with `extraHeaders`): the actual request's onBeforeRequest, then
//   the whole preflight cycle (its own requestId), then the actual's
//   onBeforeSendHeaders... or, when the preflight fails, onErrorOccurred.
// - Firefox: the actual's BR, BSH, SH, then the preflight's cycle, then the
//   actual's HR/completion or onErrorOccurred(NS_ERROR_DOM_BAD_URI).
// In both, the preflight is an OPTIONS request to the same URL carrying
// Access-Control-Request-Method; it is paired with the oldest open actual
// request of the same tab (and document, where known) to that URL and method.

export const REDACTED = '(redacted by whycors)';
const SECRET = new Set(['cookie', 'set-cookie', 'authorization', 'proxy-authorization']);

/** Request headers dropped before storing: browser-set, never decisive for CORS. */
function droppable(lower) {
  return lower === 'user-agent' || lower === 'accept-encoding' || lower.startsWith('sec-ch-');
}

function latin1(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b & 0xff);
  return s;
}

/** webRequest headers -> [{name, value}], secrets redacted (presence kept). */
export function headerList(raw, { request = false } = {}) {
  const out = [];
  if (!Array.isArray(raw)) return out;
  for (const h of raw) {
    if (!h || typeof h.name !== 'string') continue;
    const lower = h.name.toLowerCase();
    if (request && droppable(lower)) continue;
    let value = typeof h.value === 'string' ? h.value : Array.isArray(h.binaryValue) ? latin1(h.binaryValue) : '';
    if (SECRET.has(lower)) value = REDACTED;
    out.push({ name: h.name, value });
  }
  return out;
}

/** Redacts secrets in a list of {name, value} the page gave (MAIN-world hook). */
export function redactList(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((h) => h && typeof h.name === 'string')
    .map((h) => ({ name: h.name, value: SECRET.has(h.name.toLowerCase()) ? REDACTED : String(h.value ?? '') }));
}

function getHeader(list, name) {
  const lower = name.toLowerCase();
  const h = list?.find((x) => x.name.toLowerCase() === lower);
  return h ? h.value : undefined;
}

export function originOf(url) {
  // webRequest gives serialized URLs (default port dropped, host lower-cased),
  // so an http(s) URL's origin is its text up to the path; parsed when it
  // carries userinfo, capitals or a port that could be the default one.
  if (typeof url === 'string' && (url.startsWith('http://') || url.startsWith('https://'))) {
    const start = url.indexOf('//') + 2;
    let end = start;
    while (end < url.length && !'/?#'.includes(url[end])) end++;
    const origin = url.slice(0, end);
    if (!origin.includes('@', start) && !/[A-Z]|:(?:80|443)$/.test(origin)) return origin;
  }
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.origin;
    return 'null';
  } catch {
    return undefined;
  }
}

function isHttp(url) {
  return typeof url === 'string' && (url.startsWith('http://') || url.startsWith('https://'));
}

/** webRequest `type` -> the engine's ResourceType (src/model.rs). */
export function resourceType(t) {
  switch (t) {
    case 'xmlhttprequest': return 'xhr';
    case 'image': case 'imageset': return 'image';
    case 'font': return 'font';
    case 'script': return 'script';
    case 'stylesheet': return 'stylesheet';
    case 'media': return 'media';
    case 'websocket': return 'websocket';
    case 'ping': case 'beacon': return 'beacon';
    case 'main_frame': return 'document';
    case 'sub_frame': return 'subdocument';
    default: return 'other';
  }
}

const MODES = new Set(['cors', 'no-cors', 'same-origin', 'navigate', 'websocket']);

export class Capture {
  /**
   * @param {object} o
   * @param {'chromium'|'firefox'} o.browser
   * @param {boolean} o.seesPreflights  whether this browser's webRequest shows every preflight
   * @param {(tabId:number, ex:object, meta:object) => void} o.onExchange
   * @param {(tabId:number) => void} o.onNavigate  top-level navigation of a tab
   * @param {(tabId:number, req:object) => object|undefined} o.takeHook  the page's record of this call, if any
   */
  constructor({ browser, seesPreflights, onExchange, onNavigate, takeHook }) {
    this.browser = browser;
    this.seesPreflights = seesPreflights;
    this.onExchange = onExchange;
    this.onNavigate = onNavigate;
    this.takeHook = takeHook;
    this.pending = new Map(); // requestId -> req
    this.orphans = []; // finished preflights not (yet) paired
    this.preflightCache = new Map(); // "origin url METHOD" -> expiry ms (what we saw pass)
    this.started = Date.now();
  }

  initiatorOrigin(d) {
    if (typeof d.initiator === 'string') return d.initiator; // Chromium: serialized origin or "null"
    const u = d.originUrl ?? d.documentUrl; // Firefox
    if (typeof u !== 'string') return undefined;
    if (u.startsWith('moz-extension:') || u.startsWith('chrome-extension:') || u.startsWith('about:') && u !== 'about:srcdoc') return undefined;
    return originOf(u);
  }

  make(d, partial) {
    const origin = this.initiatorOrigin(d);
    if (origin === undefined || origin.includes('-extension://')) return undefined;
    if (!isHttp(d.url)) return undefined;
    if (originOf(d.url) === origin) return undefined; // same-origin: not ours
    const req = {
      rid: d.requestId,
      tabId: d.tabId,
      frameId: d.frameId,
      documentId: d.documentId,
      url: d.url,
      method: d.method,
      type: d.type,
      origin,
      t: typeof d.timeStamp === 'number' ? d.timeStamp : Date.now(),
      hops: [],
      cur: { url: d.url, reqHeaders: null, status: null, headers: null },
      preflight: null,
      isPreflight: false,
      bsh: false,
      ended: false,
      error: null,
      ip: null,
      partial,
      waiters: [],
      later: new Map(), // URL -> preflight sent after a redirect
    };
    return req;
  }

  // ---- listeners (called synchronously from the background's top level) ----

  beforeRequest(d) {
    if (d.tabId < 0) return;
    if (d.type === 'main_frame') {
      this.onNavigate(d.tabId);
      return;
    }
    if (d.type === 'sub_frame') return;
    const open = this.pending.get(d.requestId);
    if (open && open.cur.url === d.url && open.hops.length) return; // Chromium: the same request, after onBeforeRedirect
    const req = this.make(d, false);
    if (req) {
      this.pending.set(d.requestId, req);
      if (this.pending.size > 3000) this.sweep(req.t);
    }
  }

  /** Forgets requests that never ended (long polls, streams) after 10 minutes. */
  sweep(now) {
    for (const [id, r] of this.pending) if (now - r.t > 600000) this.pending.delete(id);
  }

  beforeSendHeaders(d) {
    const req = this.pending.get(d.requestId);
    if (!req) return;
    req.bsh = true;
    if (d.requestHeaders && !req.cur.reqHeaders) req.cur.reqHeaders = headerList(d.requestHeaders, { request: true });
  }

  sendHeaders(d) {
    let req = this.pending.get(d.requestId);
    if (!req && d.tabId >= 0 && d.type !== 'main_frame' && d.type !== 'sub_frame') {
      // The background listens to onBeforeRequest for navigations only (each
      // listener costs the page every request), so a request starts here.
      req = this.make(d, false);
      if (req) {
        this.pending.set(d.requestId, req);
        if (this.pending.size > 3000) this.sweep(req.t);
        if (d.method !== 'OPTIONS') this.adopt(req);
      }
    }
    if (!req) return;
    req.bsh = true;
    if (d.requestHeaders) req.cur.reqHeaders = headerList(d.requestHeaders, { request: true });
    if (req.method === 'OPTIONS' && !req.isPreflight && req.hops.length === 0) {
      const acrm = getHeader(req.cur.reqHeaders, 'access-control-request-method');
      if (acrm !== undefined) {
        req.isPreflight = true;
        req.acrm = acrm;
        this.pair(req);
      }
    }
  }

  headersReceived(d) {
    let req = this.pending.get(d.requestId);
    if (!req) {
      req = this.rebuild(d);
      if (!req) return;
    }
    req.cur.status = d.statusCode;
    req.cur.headers = headerList(d.responseHeaders);
  }

  beforeRedirect(d) {
    const req = this.pending.get(d.requestId);
    if (!req) return;
    const headers = d.responseHeaders ? headerList(d.responseHeaders) : req.cur.headers ?? [];
    if (req.isPreflight) {
      req.cur.status = d.statusCode;
      req.cur.headers = headers;
      return;
    }
    req.hops.push({
      url: req.cur.url,
      status: d.statusCode,
      headers,
      headersMerged: true,
      requestHeaders: req.cur.reqHeaders ?? [],
    });
    req.cur = { url: d.redirectUrl, reqHeaders: null, status: null, headers: null };
  }

  responseStarted(d) {
    const req = this.pending.get(d.requestId);
    if (req && d.ip) req.ip = d.ip;
  }

  completed(d) {
    let req = this.pending.get(d.requestId);
    if (!req) {
      req = this.rebuild(d);
      if (!req) return;
    }
    if (req.cur.status == null && typeof d.statusCode === 'number') req.cur.status = d.statusCode;
    if (req.cur.headers == null && d.responseHeaders) req.cur.headers = headerList(d.responseHeaders);
    if (d.ip) req.ip = d.ip;
    this.finish(req);
  }

  errorOccurred(d) {
    let req = this.pending.get(d.requestId);
    if (!req) {
      req = this.rebuild(d);
      if (!req) return;
    }
    req.error = d.error ?? 'unknown error';
    this.finish(req);
  }

  // ---- assembly ----

  /**
   * A request first seen at its response or its end: one the browser
   * refused before sending it (a CORS or mixed-content check, a failed
   * preflight), served from the cache, or begun before this background
   * started. Only the last is `partial` (what was sent is unknown), told by
   * this background having started within the last 2 s.
   */
  rebuild(d) {
    if (d.tabId < 0 || d.type === 'main_frame' || d.type === 'sub_frame') return undefined;
    const at = typeof d.timeStamp === 'number' ? d.timeStamp : Date.now();
    const req = this.make(d, at - this.started < 2000);
    if (!req) return undefined;
    if (req.method === 'OPTIONS') return undefined; // a lone preflight tells nothing on its own
    this.pending.set(d.requestId, req);
    return req;
  }

  candidates(pf) {
    const out = [];
    for (const r of this.pending.values()) {
      // A request redirected after its preflight is preflighted again at the new
      // URL (measured in both browsers): that one belongs to the hop / response
      // of that URL (src/model.rs Hop::preflight, Response::preflight).
      const again = r.hops.length > 0 && !r.later.has(pf.url);
      if (r.isPreflight || (r.preflight && !again) || r.ended || r.tabId !== pf.tabId) continue;
      if (r.cur.url !== pf.url || r.cur.status != null) continue;
      if (String(r.method).toUpperCase() !== String(pf.acrm).trim().toUpperCase()) continue;
      if (r.documentId && pf.documentId && r.documentId !== pf.documentId) continue;
      out.push(r);
    }
    return out.sort((a, b) => a.t - b.t);
  }

  pair(pf) {
    const [actual] = this.candidates(pf);
    if (actual) {
      if (actual.hops.length > 0) actual.later.set(pf.url, pf);
      else actual.preflight = pf;
      pf.actual = actual;
    }
  }

  /**
   * Takes a preflight that finished before this request was seen: Chromium
   * preflights before the actual request's onSendHeaders (the first event the
   * background hears of it), and a request rebuilt from a late event comes
   * after its preflight too.
   */
  adopt(req) {
    if (req.isPreflight || req.preflight || req.later.has(req.cur.url)) return;
    const method = String(req.method).toUpperCase();
    const i = this.orphans.findIndex(
      (o) => o.tabId === req.tabId && o.url === req.cur.url && String(o.acrm).trim().toUpperCase() === method &&
        (!o.documentId || !req.documentId || o.documentId === req.documentId),
    );
    if (i < 0) return;
    const [pf] = this.orphans.splice(i, 1);
    if (req.hops.length) req.later.set(req.cur.url, pf);
    else req.preflight = pf;
    pf.actual = req;
  }

  finish(req) {
    this.pending.delete(req.rid);
    req.ended = true;
    // Chromium's cache-only probe (fonts): no request went out, a real one follows.
    if (req.error === 'net::ERR_CACHE_MISS' && req.cur.status == null) return;
    // A redirect the browser refused to follow (no onBeforeRedirect): it is a
    // hop of the chain, and no final response came.
    if (req.error && !req.isPreflight && req.cur.status >= 300 && req.cur.status < 400 && getHeader(req.cur.headers, 'location') !== undefined) {
      req.hops.push({ url: req.cur.url, status: req.cur.status, headers: req.cur.headers, headersMerged: true, requestHeaders: req.cur.reqHeaders ?? [] });
      req.cur = { url: req.cur.url, reqHeaders: null, status: null, headers: null };
    }
    if (req.method === 'OPTIONS' && !req.isPreflight && req.cur.reqHeaders == null && !req.partial) {
      // An OPTIONS that ended before its headers were seen: a preflight that
      // failed early, or the page's own OPTIONS. Treat it as a preflight if an
      // open request of this tab to this URL is waiting.
      req.isPreflight = true;
      req.acrm = '';
      const c = [...this.pending.values()].find((r) => !r.isPreflight && !r.preflight && r.tabId === req.tabId && r.cur.url === req.url);
      if (c) {
        c.preflight = req;
        req.actual = c;
      } else {
        req.isPreflight = false;
      }
    }
    if (req.isPreflight) {
      if (!req.actual) {
        this.orphans.push(req);
        const now = Date.now();
        this.orphans = this.orphans.filter((o) => now - o.t < 10000);
      }
      for (const w of req.waiters.splice(0)) w();
      return;
    }
    this.adopt(req);
    const pf = [req.preflight, ...req.later.values()].find((p) => p && !p.ended && p.cur.status == null);
    if (pf) {
      // Its response may still be on its way (Firefox ends the actual first).
      let done = false;
      const go = () => {
        if (done) return;
        done = true;
        this.emit(req);
      };
      pf.waiters.push(go);
      setTimeout(go, 300);
      return;
    }
    this.emit(req);
  }

  emit(req) {
    let ex;
    try {
      ex = this.exchange(req);
    } catch (e) {
      console.error('whycors: could not assemble an exchange', e);
      return;
    }
    this.onExchange(req.tabId, ex, { t: req.t, partial: req.partial, hook: req.hook });
  }

  exchange(req) {
    const first = req.hops[0];
    const firstReqHeaders = (first ? first.requestHeaders : req.cur.reqHeaders) ?? [];
    const hook = req.hook ?? this.takeHook(req.tabId, req);
    if (hook) req.hook = hook;
    const request = {
      url: req.url,
      method: req.method,
      origin: req.origin,
      headers: firstReqHeaders,
      type: resourceType(req.type),
    };
    const secMode = getHeader(firstReqHeaders, 'sec-fetch-mode');
    if (secMode && MODES.has(secMode)) request.mode = secMode;
    if (getHeader(firstReqHeaders, 'cookie') !== undefined) request.credentials = 'include';
    // Fetch Standard: a font is always fetched in "cors" mode with credentials
    // "same-origin" (CSS Fonts 4 §4.8.2); nothing on the page can change it.
    else if (req.type === 'font') request.credentials = 'same-origin';
    const ex = {
      id: String(req.rid),
      browser: this.browser,
      request,
      redirects: req.hops,
      preflightObservation: 'unknown',
    };
    if (hook) applyHook(ex, hook);
    const pf = req.preflight;
    const cacheKey = `${req.origin} ${req.cur.url} ${String(req.method).toUpperCase()}`;
    const pfJson = (p) => {
      const o = { requestHeaders: p.cur.reqHeaders ?? [], headers: p.cur.headers ?? [], headersMerged: true };
      if (p.cur.status != null) o.status = p.cur.status;
      else if (p.error) o.error = p.error;
      return o;
    };
    req.hops.forEach((hop, i) => {
      if (i > 0 && req.later.has(hop.url)) hop.preflight = pfJson(req.later.get(hop.url));
    });
    if (pf) {
      ex.preflight = pfJson(pf);
      ex.preflightObservation = 'unknown';
      if (pf.cur.status >= 200 && pf.cur.status < 300 && !req.error) {
        const maxAge = Number.parseInt(getHeader(pf.cur.headers, 'access-control-max-age') ?? '5', 10);
        const cap = this.browser === 'chromium' ? 7200 : 86400;
        const secs = Number.isFinite(maxAge) ? Math.max(0, Math.min(maxAge, cap)) : 5;
        if (secs > 0) this.preflightCache.set(cacheKey, Date.now() + secs * 1000);
        if (this.preflightCache.size > 2000) this.preflightCache.clear();
      }
    } else if (this.seesPreflights && !req.partial) {
      const exp = this.preflightCache.get(cacheKey);
      ex.preflightObservation = exp && exp > Date.now() ? 'cached' : 'not-sent';
    } else if (!this.seesPreflights) {
      ex.preflightObservation = 'hidden';
    }
    if (req.cur.status != null) {
      ex.response = {
        url: req.cur.url,
        status: req.cur.status,
        headers: req.cur.headers ?? [],
        headersMerged: true,
      };
      // Only when they differ from request.headers (after a redirect): the log is kept compact.
      if (req.hops.length && req.cur.reqHeaders) ex.response.requestHeaders = req.cur.reqHeaders;
      if (req.hops.length && req.later.has(req.cur.url)) ex.response.preflight = pfJson(req.later.get(req.cur.url));
    } else if (req.hops.length && req.later.has(req.cur.url)) {
      // Stopped by the preflight of the redirect target: no response, but that
      // preflight is the evidence (the same shape src/har.rs gives it).
      ex.response = { url: req.cur.url, status: 0, headers: [], headersMerged: true, preflight: pfJson(req.later.get(req.cur.url)) };
    }
    if (req.error) ex.error = req.error;
    if (req.ip) ex.remoteAddress = req.ip;
    return ex;
  }
}

/** Joins what the page's MAIN-world hook saw of this call to the exchange. */
export function applyHook(ex, hook) {
  const r = ex.request;
  if (hook.kind === 'fetch' || hook.kind === 'xhr') {
    if (r.type === 'xhr' || r.type === 'fetch' || r.type === 'other') r.type = hook.kind;
  }
  if (typeof hook.method === 'string' && hook.method.toUpperCase() === String(r.method).toUpperCase()) r.method = hook.method;
  if (typeof hook.mode === 'string' && MODES.has(hook.mode)) r.mode = hook.mode;
  if (['omit', 'same-origin', 'include'].includes(hook.credentials)) r.credentials = hook.credentials;
  if (Array.isArray(hook.headers)) r.authorHeaders = redactList(hook.headers);
  if (typeof hook.rejected === 'boolean') r.rejected = hook.rejected;
  if (Array.isArray(hook.read) && hook.read.length) r.readHeaders = hook.read.slice(0, 50).map(String);
  if (typeof hook.redirect === 'string') r.redirectMode = hook.redirect;
  if (typeof hook.callSite === 'string') r.callSite = hook.callSite.slice(0, 500);
}

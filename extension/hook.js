// whycors MAIN-world hook (content script, "world": "MAIN", document_start).
//
// Records what webRequest cannot say about each fetch() and XMLHttpRequest
// call of the page: the method as given, the mode, the credentials mode, the
// headers the page set (secret values redacted here, before anything leaves
// this world), where the call was made, whether it settled and how, and
// which response headers the page read. Every call to an http(s) URL is
// recorded, same-origin ones too: a same-origin URL can redirect to another
// origin. The page's calls go through unchanged: every recording step is
// wrapped in try/catch and never touches a request body.
//
// The channel is private. The isolated-world relay (relay.js, listed first
// in the manifest, so injected first: measured in Chromium 156 and Firefox
// ESR 153, both before any page script, in every kind of frame) answers this
// script's synchronous hello with a MessagePort. That exchange happens before
// any page script exists; afterwards nothing listens for it, and records
// only ever travel on that port. Every built-in this file uses is captured
// here, before page scripts run, so that a page replacing a prototype later
// (Array.prototype setters, toJSON, MessagePort.prototype.postMessage, URL
// getters, ...) can neither read a record nor change one. Records are
// null-prototype objects; lists grow by defineProperty.
//
// Records (docs/extension.md): each gets the next sequence number `s`;
// batches go out every 40 ms with the mark `m` (every record up to `m` sent),
// at once when the relay asks (a sync), and on pagehide (`x`).
(() => {
  'use strict';
  const W = window;
  const HELLO = '__whycors_hello';
  const PORT = '__whycors_port';
  const apply = Reflect.apply;
  const create = Object.create;
  const define = Object.defineProperty;
  const getDesc = Object.getOwnPropertyDescriptor;
  const getter = (proto, name) => getDesc(proto, name)?.get;
  const addListener = EventTarget.prototype.addEventListener;
  const removeListener = EventTarget.prototype.removeEventListener;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const EventC = Event;
  const portPost = MessagePort.prototype.postMessage;
  const portsOf = getter(MessageEvent.prototype, 'ports');
  const dataOf = getter(MessageEvent.prototype, 'data');
  const preventDefault = Event.prototype.preventDefault;
  const setTimer = W.setTimeout;
  const clearTimer = W.clearTimeout;
  const StringC = String;
  const URLC = URL;
  const hrefOf = getter(URLC.prototype, 'href');
  const protocolOf = getter(URLC.prototype, 'protocol');
  const hashSet = getDesc(URLC.prototype, 'hash')?.set;
  const baseURIOf = getter(Node.prototype, 'baseURI');
  const originHere = W.location.origin;
  const HeadersC = Headers;
  const headersForEach = Headers.prototype.forEach;
  const RequestC = typeof Request === 'function' ? Request : null;
  const requestGet = (name) => (RequestC ? getter(RequestC.prototype, name) : undefined);
  const reqUrl = requestGet('url');
  const reqMethod = requestGet('method');
  const reqMode = requestGet('mode');
  const reqCredentials = requestGet('credentials');
  const reqRedirect = requestGet('redirect');
  const reqHeaders = requestGet('headers');
  const responseHeaders = typeof Response === 'function' ? getter(Response.prototype, 'headers') : undefined;
  const WeakMapC = WeakMap;
  const wmGet = WeakMap.prototype.get;
  const wmSet = WeakMap.prototype.set;
  const MapC = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const promiseThen = Promise.prototype.then;
  const SP = String.prototype;
  const toLower = SP.toLowerCase;
  const includes = SP.includes;
  const slice = SP.slice;
  const trim = SP.trim;
  const startsWith = SP.startsWith;
  const endsWith = SP.endsWith;
  const indexOf = SP.indexOf;
  const lastIndexOf = SP.lastIndexOf;
  const charCodeAt = SP.charCodeAt;
  const xhrCredentials = getter(XMLHttpRequest.prototype, 'withCredentials');
  const captureStack = typeof Error.captureStackTrace === 'function' ? Error.captureStackTrace : null;
  const hasLimit = typeof Error.stackTraceLimit === 'number';
  const ErrorC = Error;
  const documentRef = document;

  if (W[Symbol.for(HELLO)]) return;
  define(W, Symbol.for(HELLO), { value: true });

  // ---- the private channel ----
  let port = null;
  const onPort = (ev) => {
    if (port) return;
    const ports = apply(portsOf, ev, []);
    if (!ports || !ports.length) return;
    port = ports[0];
    apply(preventDefault, ev, []);
  };
  apply(addListener, W, [PORT, onPort, true]);
  apply(dispatch, W, [new EventC(HELLO)]);
  apply(removeListener, W, [PORT, onPort, true]);
  if (!port) return; // no relay in this frame: record nothing

  const push = (list, v) => define(list, list.length, { value: v, writable: true, enumerable: true, configurable: true });
  const obj = () => create(null);
  const cut = (s, n) => apply(slice, StringC(s), [0, n]);

  // ---- secrets never leave this world ----
  // Same rule as src/webrequest/redact.rs `is_secret_header`.
  const REDACTED = '(redacted by whycors)';
  const SECRET_PARTS = ['auth', 'cookie', 'token', 'secret', 'key', 'csrf', 'xsrf', 'password', 'session', 'signature'];
  function secretName(name) {
    const lower = apply(toLower, name, []);
    for (let i = 0; i < SECRET_PARTS.length; i++) if (apply(includes, lower, [SECRET_PARTS[i]])) return true;
    return false;
  }

  // ---- records, batches, marks ----
  let seq = 0;
  let stopped = false;
  let queue = [];
  let queuedCalls = new MapC(); // call seq -> its record, while queued
  let timer = 0;
  const flush = (reply, closing) => {
    if (timer) apply(clearTimer, W, [timer]);
    timer = 0;
    if (!queue.length && !reply && !closing) return;
    const batch = obj();
    batch.b = queue;
    batch.m = seq;
    if (reply) batch.r = 1;
    if (closing) batch.x = 1;
    queue = [];
    queuedCalls = new MapC();
    try {
      apply(portPost, port, [batch]);
    } catch {}
  };
  const emit = (rec) => {
    if (stopped) return 0;
    rec.s = ++seq;
    push(queue, rec);
    if (queue.length === 1) timer = apply(setTimer, W, [() => flush(false, false), 40]);
    else if (queue.length >= 1000) flush(false, false);
    return rec.s;
  };
  port.onmessage = (ev) => {
    const what = apply(dataOf, ev, []);
    if (what === 'flush') flush(true, false);
    else if (what === 'stop') {
      stopped = true;
      queue = [];
      queuedCalls = new MapC();
    }
  };
  apply(addListener, W, ['pagehide', () => flush(false, true), true]);

  const settle = (id, rejected) => {
    const call = apply(mapGet, queuedCalls, [id]);
    if (call) call.rj = rejected;
    else {
      const r = obj();
      r.o = 's';
      r.c = id;
      r.rj = rejected;
      emit(r);
    }
  };
  const read = (id, name) => {
    const n = cut(name, 200);
    const call = apply(mapGet, queuedCalls, [id]);
    if (call) {
      if (!call.rh) call.rh = [];
      if (call.rh.length < 50) push(call.rh, n);
    } else {
      const r = obj();
      r.o = 'r';
      r.c = id;
      r.n = n;
      emit(r);
    }
  };

  /** An http(s) URL, absolute, without its fragment; null otherwise. */
  function absolute(u) {
    try {
      const url = new URLC(StringC(u), apply(baseURIOf, documentRef, []));
      const p = apply(protocolOf, url, []);
      if (p !== 'http:' && p !== 'https:') return null;
      apply(hashSet, url, ['']);
      return cut(apply(hrefOf, url, []), 16384);
    } catch {
      return null;
    }
  }

  // The page's call site: the first frame outside whycors, as `url:line:col`.
  // V8 (Chromium): one structured frame, captured above our wrapper and read
  // without formatting a stack string (profiled: formatting six frames cost
  // ~0.1 ms a call). SpiderMonkey (Firefox) has Error.captureStackTrace but
  // not prepareStackTrace: its stack string (`name@url:line:col`) is parsed.
  const fromFrames = (_, frames) => {
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const file = f.getScriptNameOrSourceURL?.() || f.getFileName?.();
      if (!file || apply(includes, file, ['-extension://'])) continue;
      return { site: `${file}:${f.getLineNumber()}:${f.getColumnNumber()}` };
    }
    return { site: undefined };
  };
  const digits = (x) => {
    if (!x.length) return false;
    for (let i = 0; i < x.length; i++) {
      const c = apply(charCodeAt, x, [i]);
      if (c < 48 || c > 57) return false;
    }
    return true;
  };
  // `at name (url:line:col)`, `at url:line:col` (V8), `name@url:line:col`
  // (SpiderMonkey); parsed without RegExp (its methods are the page's).
  function siteOfLine(raw) {
    let line = apply(trim, raw, []);
    if (apply(includes, line, ['-extension://'])) return undefined;
    if (apply(endsWith, line, [')'])) {
      const open = apply(lastIndexOf, line, ['(']);
      if (open < 0) return undefined;
      line = apply(slice, line, [open + 1, line.length - 1]);
    } else if (apply(startsWith, line, ['at '])) line = apply(slice, line, [3]);
    else {
      const at = apply(indexOf, line, ['@']);
      if (at >= 0) line = apply(slice, line, [at + 1]);
    }
    const c2 = apply(lastIndexOf, line, [':']);
    const c1 = c2 > 0 ? apply(lastIndexOf, line, [':', c2 - 1]) : -1;
    if (c1 < 0 || !digits(apply(slice, line, [c1 + 1, c2])) || !digits(apply(slice, line, [c2 + 1]))) return undefined;
    return line;
  }
  function callSite(above) {
    const prepare = ErrorC.prepareStackTrace;
    const limit = ErrorC.stackTraceLimit;
    let stack;
    try {
      ErrorC.prepareStackTrace = fromFrames;
      if (hasLimit) ErrorC.stackTraceLimit = 3;
      if (captureStack) {
        const holder = obj();
        captureStack(holder, above);
        stack = holder.stack;
      } else stack = new ErrorC().stack;
    } catch {
    } finally {
      ErrorC.prepareStackTrace = prepare;
      if (hasLimit) ErrorC.stackTraceLimit = limit;
    }
    try {
      if (stack && typeof stack === 'object') return stack.site === undefined ? undefined : cut(stack.site, 500);
      // Line by line, without String.prototype.split (it consults Symbol.split).
      const text = StringC(stack ?? '');
      for (let from = 0; from < text.length; ) {
        let end = apply(indexOf, text, ['\n', from]);
        if (end < 0) end = text.length;
        const site = siteOfLine(apply(slice, text, [from, end]));
        if (site) return cut(site, 500);
        from = end + 1;
      }
    } catch {}
    return undefined;
  }

  /** The headers the page set, as [name, value] pairs, secret values redacted. */
  function headerPairs(init) {
    const out = [];
    try {
      const h = new HeadersC(init);
      apply(headersForEach, h, [
        (value, name) => {
          if (out.length >= 100) return;
          push(out, [cut(name, 200), secretName(name) ? REDACTED : cut(value, 8192)]);
        },
      ]);
    } catch {}
    return out;
  }

  function callRecord(kind, url, method, mode, credentials, redirect, headers, site) {
    const r = obj();
    r.o = 'c';
    r.k = kind;
    r.u = url;
    r.m = cut(method, 100);
    r.md = cut(mode, 40);
    r.cr = cut(credentials, 40);
    r.rd = cut(redirect, 40);
    r.h = headers;
    r.cs = site;
    r.or = originHere;
    return r;
  }

  // Which Headers objects / XHRs belong to which recorded call.
  const headerOwner = new WeakMapC();
  const xhrState = new WeakMapC();

  // ---- fetch ----
  const origFetch = W.fetch;
  if (typeof origFetch === 'function') {
    const wrapped = function fetch(input, init) {
      let id = 0;
      if (!stopped) {
        try {
          const isReq = RequestC !== null && input instanceof RequestC;
          const url = absolute(isReq ? apply(reqUrl, input, []) : input);
          if (url !== null) {
            const o = init !== null && typeof init === 'object' ? init : obj();
            const pick = (name, getterFn, def) => (o[name] !== undefined ? StringC(o[name]) : isReq ? apply(getterFn, input, []) : def);
            const rec = callRecord(
              'fetch',
              url,
              pick('method', reqMethod, 'GET'),
              pick('mode', reqMode, 'cors'),
              pick('credentials', reqCredentials, 'same-origin'),
              pick('redirect', reqRedirect, 'follow'),
              o.headers !== undefined ? headerPairs(o.headers) : isReq ? headerPairs(apply(reqHeaders, input, [])) : [],
              callSite(wrapped),
            );
            id = emit(rec);
            if (id) apply(mapSet, queuedCalls, [id, rec]);
          }
        } catch {
          id = 0;
        }
      }
      const p = apply(origFetch, this, arguments);
      if (id) {
        try {
          apply(promiseThen, p, [
            (res) => {
              try {
                apply(wmSet, headerOwner, [apply(responseHeaders, res, []), id]);
              } catch {}
              settle(id, false);
            },
            () => settle(id, true),
          ]);
        } catch {}
      }
      return p;
    };
    try {
      define(wrapped, 'name', { value: 'fetch' });
      wrapped.toString = Function.prototype.toString.bind(origFetch);
    } catch {}
    W.fetch = wrapped;
  }

  // ---- Headers reads on a recorded response ----
  const H = HeadersC.prototype;
  for (const m of ['get', 'has']) {
    const orig = H[m];
    H[m] = function (name) {
      try {
        const id = apply(wmGet, headerOwner, [this]);
        if (id) read(id, name);
      } catch {}
      return apply(orig, this, arguments);
    };
  }

  // ---- XMLHttpRequest ----
  const X = XMLHttpRequest.prototype;
  const origOpen = X.open;
  const origSet = X.setRequestHeader;
  const origSend = X.send;
  const origGet = X.getResponseHeader;
  const origAll = X.getAllResponseHeaders;
  X.open = function (method, url) {
    try {
      const u = stopped ? null : absolute(url);
      apply(wmSet, xhrState, [this, u === null ? null : { method: StringC(method), url: u, headers: [], id: 0 }]);
    } catch {}
    return apply(origOpen, this, arguments);
  };
  X.setRequestHeader = function (name, value) {
    try {
      const s = apply(wmGet, xhrState, [this]);
      if (s && s.headers.length < 100) push(s.headers, [cut(name, 200), secretName(StringC(name)) ? REDACTED : cut(value, 8192)]);
    } catch {}
    return apply(origSet, this, arguments);
  };
  const send = function send() {
    try {
      const s = apply(wmGet, xhrState, [this]);
      if (s && !stopped) {
        const rec = callRecord('xhr', s.url, s.method, 'cors', apply(xhrCredentials, this, []) ? 'include' : 'same-origin', 'follow', s.headers, callSite(send));
        const id = emit(rec);
        if (id) {
          apply(mapSet, queuedCalls, [id, rec]);
          s.id = id;
          // loadend follows load, error, abort and timeout alike; `load` says which.
          let loaded = false;
          apply(addListener, this, ['load', () => (loaded = true)]);
          apply(addListener, this, ['loadend', () => settle(id, !loaded)]);
        }
      }
    } catch {}
    return apply(origSend, this, arguments);
  };
  X.send = send;
  X.getResponseHeader = function (name) {
    try {
      const s = apply(wmGet, xhrState, [this]);
      if (s?.id) read(s.id, name);
    } catch {}
    return apply(origGet, this, arguments);
  };
  X.getAllResponseHeaders = function () {
    try {
      const s = apply(wmGet, xhrState, [this]);
      if (s?.id) read(s.id, '*');
    } catch {}
    return apply(origAll, this, arguments);
  };
})();

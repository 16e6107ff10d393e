// whycors MAIN-world hook (content script, "world": "MAIN", document_start).
//
// Records what webRequest cannot say about each cross-origin fetch() and
// XMLHttpRequest call of the page: the mode, the credentials mode, the
// headers the page set, where the call was made, whether it rejected / fired
// `error`, and which response headers the page tried to read. Each fact is
// dispatched as a JSON string in a `__whycors` CustomEvent that the isolated
// content script (relay.js) forwards to the background. The page's calls go
// through unchanged: every recording step is wrapped in try/catch and never
// touches a request body.
(() => {
  'use strict';
  const EVENT = '__whycors';
  if (window[Symbol.for(EVENT)]) return;
  window[Symbol.for(EVENT)] = true;

  const dispatch = EventTarget.prototype.dispatchEvent.bind(window);
  const CE = CustomEvent;
  const stringify = JSON.stringify;
  const prefix = Math.random().toString(36).slice(2, 8) + '-';
  let counter = 0;
  // Records are batched over 40 ms: one cross-world event for a whole burst,
  // not one per call or per settled promise (profiled: 500 settling fetches
  // flushed one task at a time cost the page ~50 ms). The background holds an
  // exchange longer than that before diagnosing it. A page being left flushes
  // at once.
  // A call still in the queue takes its own settlement and header reads
  // (`rejected`, `read`) instead of separate records.
  let queue = [];
  let queuedCalls = new Map(); // id -> call record in `queue`
  let timer = 0;
  const flush = () => {
    clearTimeout(timer);
    timer = 0;
    if (!queue.length) return;
    const batch = queue;
    queue = [];
    queuedCalls = new Map();
    try {
      dispatch(new CE(EVENT, { detail: stringify(batch) }));
    } catch {}
  };
  const emit = (rec) => {
    if (rec.op === 'call') queuedCalls.set(rec.id, rec);
    const n = queue.push(rec);
    if (n === 1) timer = setTimeout(flush, 40);
    else if (n >= 1000) flush();
  };
  const settle = (id, rejected) => {
    const call = queuedCalls.get(id);
    if (call) call.rejected = rejected;
    else emit({ op: 'settle', id, rejected });
  };
  window.addEventListener('pagehide', flush, true);
  const here = location.origin;

  function absolute(u) {
    try {
      const url = new URL(String(u), document.baseURI);
      url.hash = '';
      return url;
    } catch {
      return null;
    }
  }
  function crossOrigin(url) {
    return url && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin !== here;
  }
  // The page's call site: the first frame outside whycors, as `url:line:col`.
  // V8 (Chromium): one structured frame, captured above our wrapper and read
  // without formatting a stack string (profiled: formatting six frames cost
  // ~0.1 ms a call, a tenth of the page's own work in a burst of fetches).
  // SpiderMonkey (Firefox) has Error.captureStackTrace but not
  // prepareStackTrace: its stack string (`name@url:line:col` lines) is parsed.
  const captureStack = typeof Error.captureStackTrace === 'function' ? Error.captureStackTrace : null;
  const hasLimit = typeof Error.stackTraceLimit === 'number';
  const fromFrames = (_, frames) => {
    for (const f of frames) {
      const file = f.getScriptNameOrSourceURL?.() || f.getFileName?.();
      if (!file || file.includes('-extension://')) continue;
      return { site: `${file}:${f.getLineNumber()}:${f.getColumnNumber()}` };
    }
    return { site: undefined };
  };
  function siteOfLine(raw) {
    const line = raw.trim();
    if (line.includes('-extension://') || !/:\d+:\d+\)?$/.test(line)) return undefined;
    if (line.startsWith('at ')) {
      // V8: `at name (url:line:col)` or `at url:line:col`
      const m = line.match(/\((.*:\d+:\d+)\)$/) || line.match(/^at (.*:\d+:\d+)$/);
      return m ? m[1] : undefined;
    }
    const at = line.indexOf('@'); // `name@url:line:col`
    return at >= 0 ? line.slice(at + 1) : line;
  }
  function callSite(above) {
    const prepare = Error.prepareStackTrace;
    const limit = Error.stackTraceLimit;
    let stack;
    try {
      Error.prepareStackTrace = fromFrames;
      if (hasLimit) Error.stackTraceLimit = 3;
      if (captureStack) {
        const holder = {};
        captureStack(holder, above);
        stack = holder.stack;
      } else stack = new Error().stack;
    } catch {
    } finally {
      Error.prepareStackTrace = prepare;
      if (hasLimit) Error.stackTraceLimit = limit;
    }
    if (stack && typeof stack === 'object') return stack.site?.slice(0, 500);
    for (const line of String(stack ?? '').split('\n')) {
      const site = siteOfLine(line);
      if (site) return site.slice(0, 500);
    }
    return undefined;
  }
  function headerPairs(init) {
    const out = [];
    try {
      new Headers(init).forEach((value, name) => out.push({ name, value }));
    } catch {}
    return out.slice(0, 100);
  }

  // Which Headers objects / XHRs belong to which recorded call.
  const headerOwner = new WeakMap();
  const xhrState = new WeakMap();
  const read = (id, name) => {
    const call = queuedCalls.get(id);
    if (call && (call.read ??= []).length < 50) call.read.push(String(name).slice(0, 200));
    else if (!call) emit({ op: 'read', id, name: String(name).slice(0, 200) });
  };

  // ---- fetch ----
  const origFetch = window.fetch;
  if (typeof origFetch === 'function') {
    const wrapped = function fetch(input, init) {
      let rec;
      try {
        const isReq = typeof Request === 'function' && input instanceof Request;
        const url = absolute(isReq ? input.url : input);
        if (crossOrigin(url)) {
          const o = init && typeof init === 'object' ? init : {};
          rec = {
            op: 'call',
            id: prefix + ++counter,
            kind: 'fetch',
            url: url.href,
            method: String(o.method ?? (isReq ? input.method : 'GET')),
            mode: String(o.mode ?? (isReq ? input.mode : 'cors')),
            credentials: String(o.credentials ?? (isReq ? input.credentials : 'same-origin')),
            redirect: String(o.redirect ?? (isReq ? input.redirect : 'follow')),
            headers: 'headers' in o ? headerPairs(o.headers) : isReq ? headerPairs(input.headers) : [],
            callSite: callSite(wrapped),
            origin: here,
            t: Date.now(),
          };
          emit(rec);
        }
      } catch {
        rec = undefined;
      }
      const p = Reflect.apply(origFetch, this, arguments);
      if (rec) {
        const id = rec.id;
        p.then(
          (res) => {
            try {
              headerOwner.set(res.headers, id);
            } catch {}
            settle(id, false);
          },
          () => settle(id, true),
        );
      }
      return p;
    };
    try {
      Object.defineProperty(wrapped, 'name', { value: 'fetch' });
      wrapped.toString = Function.prototype.toString.bind(origFetch);
    } catch {}
    window.fetch = wrapped;
  }

  // ---- Headers reads on a recorded response ----
  const H = Headers.prototype;
  for (const m of ['get', 'has']) {
    const orig = H[m];
    H[m] = function (name) {
      try {
        const id = headerOwner.get(this);
        if (id) read(id, name);
      } catch {}
      return Reflect.apply(orig, this, arguments);
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
      const u = absolute(url);
      xhrState.set(this, crossOrigin(u) ? { method: String(method), url: u.href, headers: [] } : null);
    } catch {}
    return Reflect.apply(origOpen, this, arguments);
  };
  X.setRequestHeader = function (name, value) {
    try {
      const s = xhrState.get(this);
      if (s && s.headers.length < 100) s.headers.push({ name: String(name), value: String(value) });
    } catch {}
    return Reflect.apply(origSet, this, arguments);
  };
  const send = function send() {
    try {
      const s = xhrState.get(this);
      if (s) {
        const id = prefix + ++counter;
        s.id = id;
        emit({
          op: 'call',
          id,
          kind: 'xhr',
          url: s.url,
          method: s.method,
          mode: 'cors',
          credentials: this.withCredentials ? 'include' : 'same-origin',
          redirect: 'follow',
          headers: s.headers,
          callSite: callSite(send),
          origin: here,
          t: Date.now(),
        });
        let settled = false;
        const done = (rejected) => {
          if (settled) return;
          settled = true;
          settle(id, rejected);
        };
        this.addEventListener('error', () => done(true));
        this.addEventListener('load', () => done(false));
      }
    } catch {}
    return Reflect.apply(origSend, this, arguments);
  };
  X.send = send;
  X.getResponseHeader = function (name) {
    try {
      const s = xhrState.get(this);
      if (s?.id) read(s.id, name);
    } catch {}
    return Reflect.apply(origGet, this, arguments);
  };
  X.getAllResponseHeaders = function () {
    try {
      const s = xhrState.get(this);
      if (s?.id) read(s.id, '*');
    } catch {}
    return Reflect.apply(origAll, this, arguments);
  };
})();

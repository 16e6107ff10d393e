// HAR 1.2 from Chromium DevTools Protocol Network events, shaped like Chrome
// DevTools' own export: one entry per hop (redirects are entries with
// `redirectURL`), preflights as entries with `_resourceType: "preflight"`,
// failed entries with `response._error` (and, here, `response._corsError` /
// `response._corsFailedParameter` from `corsErrorStatus`).

const STATUS_TEXT = {
  200: 'OK', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other',
  307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error',
};

/** Parses a raw `HTTP/1.1 200 OK\r\nName: value\r\n...` block into {httpVersion, status, statusText, headers}. */
export function parseHeadersText(text) {
  const lines = String(text).split('\r\n');
  const first = lines.shift() ?? '';
  const m = /^(\S+)\s+(\d+)\s*(.*)$/.exec(first);
  const headers = [];
  for (const line of lines) {
    if (!line) continue;
    const i = line.indexOf(':');
    if (i < 0) continue;
    // Keep the value as received apart from the leading OWS HTTP strips.
    headers.push({ name: line.slice(0, i), value: line.slice(i + 1).replace(/^[ \t]+/, '') });
  }
  return m
    ? { httpVersion: m[1], status: Number(m[2]), statusText: m[3], headers }
    : { httpVersion: 'HTTP/1.1', status: 0, statusText: '', headers };
}

function objHeaders(obj) {
  // CDP joins repeated headers with '\n' in header objects.
  const out = [];
  for (const [name, value] of Object.entries(obj ?? {})) {
    for (const v of String(value).split('\n')) out.push({ name, value: v });
  }
  return out;
}

function queryString(url) {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

function resourceType(cdpType, initiator) {
  if (initiator?.type === 'preflight' || cdpType === 'Preflight') return 'preflight';
  return String(cdpType ?? 'Other').toLowerCase();
}

/**
 * Collects CDP Network events from a session and builds HAR entries on demand.
 */
export class CdpHarRecorder {
  constructor() {
    /** requestId -> {hops: [...], extraReq: [], extraRes: [], failed, finished, type} */
    this.requests = new Map();
    this.order = [];
  }

  #get(id) {
    let r = this.requests.get(id);
    if (!r) {
      r = { id, hops: [], extraReq: [], extraRes: [], failed: null, type: null, initiator: null };
      this.requests.set(id, r);
      this.order.push(id);
    }
    return r;
  }

  attach(session) {
    session.on('Network.requestWillBeSent', (e) => this.onRequestWillBeSent(e));
    session.on('Network.requestWillBeSentExtraInfo', (e) => this.#get(e.requestId).extraReq.push(e));
    session.on('Network.responseReceived', (e) => this.onResponseReceived(e));
    session.on('Network.responseReceivedExtraInfo', (e) => this.#get(e.requestId).extraRes.push(e));
    session.on('Network.loadingFailed', (e) => {
      const r = this.#get(e.requestId);
      r.failed = e;
      r.type ??= e.type;
    });
    session.on('Network.loadingFinished', (e) => {
      this.#get(e.requestId).finished = e;
    });
  }

  onRequestWillBeSent(e) {
    const r = this.#get(e.requestId);
    r.type = e.type ?? r.type;
    r.initiator = r.initiator ?? e.initiator;
    const last = r.hops[r.hops.length - 1];
    if (e.redirectResponse && last) last.response = e.redirectResponse;
    r.hops.push({
      url: e.request.url,
      method: e.request.method,
      headers: e.request.headers,
      postData: e.request.postData,
      wallTime: e.wallTime,
      timestamp: e.timestamp,
      response: null,
    });
  }

  onResponseReceived(e) {
    const r = this.#get(e.requestId);
    r.type = e.type ?? r.type;
    const last = r.hops[r.hops.length - 1];
    if (last) last.response = e.response;
  }

  /** Request ids whose first URL satisfies `pred`, plus their preflights. */
  idsFor(pred) {
    const main = this.order.filter((id) => {
      const r = this.requests.get(id);
      return r.hops.length && pred(r.hops[0].url) && r.initiator?.type !== 'preflight';
    });
    const pre = this.order.filter((id) => {
      const r = this.requests.get(id);
      return r.initiator?.type === 'preflight' && main.includes(r.initiator.requestId);
    });
    // Deterministic order (CDP events from the renderer and the network
    // service race): for each request, its preflights first, then its hops.
    const out = [];
    for (const id of main) {
      for (const p of pre) if (this.requests.get(p).initiator.requestId === id) out.push(p);
      out.push(id);
    }
    return out;
  }

  /** The request record (hops, failure) for a request id. */
  get(id) {
    return this.requests.get(id);
  }

  /**
   * HAR 1.2 entries for the given request ids, one per hop. `_requestId` and
   * a preflight's `_initiator.requestId` are renumbered 1, 2, ... in entry
   * order (CDP's ids change from run to run).
   */
  entries(ids) {
    const out = [];
    const short = new Map();
    const shortId = (id) => {
      if (!short.has(id)) short.set(id, String(short.size + 1));
      return short.get(id);
    };
    // Actual requests get their numbers first, so a preflight can name its request.
    for (const id of ids) if (this.requests.get(id)?.initiator?.type !== 'preflight') shortId(id);
    for (const id of ids) {
      const r = this.requests.get(id);
      if (!r) continue;
      r.hops.forEach((hop, i) => {
        const extraReq = r.extraReq[i];
        const extraRes = r.extraRes[i];
        const reqHeaders = extraReq ? objHeaders(extraReq.headers) : objHeaders(hop.headers);
        let status = hop.response?.status ?? 0;
        let statusText = hop.response?.statusText ?? '';
        let httpVersion = hop.response?.protocol ? hop.response.protocol.toUpperCase() : 'HTTP/1.1';
        let resHeaders = hop.response ? objHeaders(hop.response.headers) : [];
        if (extraRes?.headersText) {
          const p = parseHeadersText(extraRes.headersText);
          status = p.status;
          statusText = p.statusText;
          httpVersion = p.httpVersion;
          resHeaders = p.headers;
        } else if (extraRes) {
          status = extraRes.statusCode ?? status;
          resHeaders = objHeaders(extraRes.headers);
        }
        if (!statusText && status) statusText = STATUS_TEXT[status] ?? '';
        const isLast = i === r.hops.length - 1;
        const location = resHeaders.find((h) => h.name.toLowerCase() === 'location')?.value ?? '';
        const response = {
          status,
          statusText,
          httpVersion,
          headers: resHeaders,
          cookies: [],
          content: { size: 0, mimeType: hop.response?.mimeType ?? 'x-unknown' },
          redirectURL: isLast ? '' : (r.hops[i + 1]?.url ?? location),
          headersSize: -1,
          bodySize: -1,
        };
        if (isLast && r.failed) {
          response._error = r.failed.errorText ?? null;
          if (r.failed.corsErrorStatus) {
            response._corsError = r.failed.corsErrorStatus.corsError;
            response._corsFailedParameter = r.failed.corsErrorStatus.failedParameter;
          }
          if (r.failed.blockedReason) response._blockedReason = r.failed.blockedReason;
        }
        out.push({
          startedDateTime: new Date((hop.wallTime ?? 0) * 1000).toISOString(),
          time: 0,
          request: {
            method: hop.method,
            url: hop.url,
            httpVersion: 'HTTP/1.1',
            headers: reqHeaders,
            queryString: queryString(hop.url),
            cookies: [],
            headersSize: -1,
            bodySize: hop.postData ? Buffer.byteLength(hop.postData) : 0,
            ...(hop.postData ? { postData: { mimeType: '', text: hop.postData } } : {}),
          },
          response,
          cache: {},
          timings: { blocked: -1, dns: -1, connect: -1, send: 0, wait: 0, receive: 0, ssl: -1 },
          serverIPAddress: hop.response?.remoteIPAddress ?? '',
          _resourceType: resourceType(r.type, r.initiator),
          _requestId: shortId(id),
          ...(r.initiator?.type === 'preflight'
            ? { _initiator: { type: 'preflight', url: r.initiator.url, requestId: shortId(r.initiator.requestId) } }
            : {}),
        });
      });
    }
    return out;
  }

  /** A whole HAR 1.2 log for the given request ids. */
  har(ids, { version = '' } = {}) {
    return {
      log: {
        version: '1.2',
        creator: { name: 'whycors capture (CDP)', version: '1' },
        browser: { name: 'Chromium', version },
        pages: [],
        entries: this.entries(ids),
      },
    };
  }
}

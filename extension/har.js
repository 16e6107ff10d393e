// A tab's log as HAR 1.2: per exchange (schema 2), each leg's preflight and
// each leg's request become entries, in order; each entry carries
// `_whycors` (the diagnosis' verdict and reason) so that a HAR viewer shows
// the network and whycors shows why. Secret header values were never
// stored; secret URL parameters were redacted before storing unless the user
// chose raw values.

const iso = (t) => {
  try {
    return new Date(Number(t) || Date.now()).toISOString();
  } catch {
    return new Date().toISOString();
  }
};

function query(url) {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

const headerOf = (list, name) => (list ?? []).find((h) => h.name.toLowerCase() === name)?.value;

function entry({ t, method, url, reqHeaders, status, resHeaders, redirectURL = '', error, type, whycors }) {
  const e = {
    startedDateTime: iso(t),
    time: 0,
    request: {
      method,
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: reqHeaders ?? [],
      queryString: query(url),
      headersSize: -1,
      bodySize: -1,
    },
    response: {
      status: status ?? 0,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: resHeaders ?? [],
      content: { size: -1, mimeType: headerOf(resHeaders, 'content-type') ?? '' },
      redirectURL,
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
    _resourceType: type,
  };
  if (error) e.response._error = error;
  if (whycors) e._whycors = whycors;
  return e;
}

export function toHar(items, { version, browser }) {
  const entries = [];
  for (const { exchange: ex, diagnosis: d, time } of items) {
    const p = ex.page ?? {};
    const legs = ex.legs ?? [];
    const whycors = { id: ex.id ?? null, verdict: d?.verdict ?? 'unknown', reason: d?.reason ?? null };
    legs.forEach((leg, i) => {
      const last = i === legs.length - 1;
      if (leg.preflight) {
        const pf = leg.preflight;
        entries.push(entry({
          t: time, method: 'OPTIONS', url: leg.url, reqHeaders: pf.requestHeaders, status: pf.response?.status,
          resHeaders: pf.response?.headers, error: pf.error, type: 'preflight', whycors: { ...whycors, preflight: true },
        }));
      }
      // A leg the browser never sent (its preflight stopped it) has no entry of its own.
      if (!leg.response && !last) return;
      if (!leg.response && leg.preflight && !ex.error) return;
      entries.push(entry({
        t: time,
        method: leg.method ?? p.method ?? 'GET',
        url: leg.url,
        reqHeaders: leg.requestHeaders,
        status: leg.response?.status,
        resHeaders: leg.response?.headers,
        redirectURL: last ? '' : headerOf(leg.response?.headers, 'location') ?? '',
        error: last ? ex.error : undefined,
        type: p.type,
        whycors,
      }));
    });
  }
  return {
    log: {
      version: '1.2',
      creator: { name: 'whycors', version: String(version) },
      browser: { name: browser, version: '' },
      pages: [],
      entries,
    },
  };
}

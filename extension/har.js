// A tab's log as HAR 1.2: the preflight, each redirect hop and the final
// response become entries, in order; each entry carries `_whycors` (the
// diagnosis' verdict and reason) so that a HAR viewer shows the network and
// whycors shows why. Secrets were redacted before storing, so they are here.

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
      content: { size: -1, mimeType: (resHeaders ?? []).find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '' },
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
    const r = ex.request;
    const whycors = { id: ex.id ?? null, verdict: d?.verdict ?? 'unknown', reason: d?.reason ?? null };
    if (ex.preflight) {
      const pf = ex.preflight;
      const firstUrl = r.url;
      entries.push(
        entry({
          t: time,
          method: 'OPTIONS',
          url: firstUrl,
          reqHeaders: pf.requestHeaders,
          status: pf.status,
          resHeaders: pf.headers,
          error: pf.error,
          type: 'preflight',
          whycors: { ...whycors, preflight: true },
        }),
      );
    }
    for (const hop of ex.redirects ?? []) {
      const loc = (hop.headers ?? []).find((h) => h.name.toLowerCase() === 'location')?.value ?? '';
      entries.push(
        entry({ t: time, method: r.method ?? 'GET', url: hop.url, reqHeaders: hop.requestHeaders, status: hop.status, resHeaders: hop.headers, redirectURL: loc, type: r.type, whycors }),
      );
    }
    const res = ex.response;
    const lastUrl = res?.url ?? (ex.redirects?.length ? ex.redirects[ex.redirects.length - 1].url : r.url);
    entries.push(
      entry({
        t: time,
        method: r.method ?? 'GET',
        url: lastUrl,
        reqHeaders: res?.requestHeaders?.length ? res.requestHeaders : r.headers,
        status: res?.status,
        resHeaders: res?.headers,
        error: ex.error,
        type: r.type,
        whycors,
      }),
    );
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

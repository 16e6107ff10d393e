// What a server sends, read over plain HTTP/1.1 (Node's http client): the
// exact response header lines of the preflight and the actual request, with
// the page's Origin and with a foreign one (does the server echo any origin?).
import http from 'node:http';

export const FOREIGN_ORIGIN = 'http://attacker.example';

/** The CORS-unsafe request header names a browser lists in Access-Control-Request-Headers. */
export function unsafeHeaderNames(headers = {}) {
  const safe = (n, v) => {
    const l = n.toLowerCase();
    if (['accept', 'accept-language', 'content-language'].includes(l)) return true;
    if (l === 'content-type') return /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)(;|$)/i.test(v.trim());
    return false;
  };
  return Object.entries(headers).filter(([n, v]) => !safe(n, v)).map(([n]) => n.toLowerCase()).sort();
}

/** Whether the browser preflights this request. */
export function preflighted(req) {
  return !['GET', 'HEAD', 'POST'].includes(req.method) || unsafeHeaderNames(req.headers).length > 0;
}

function one(port, { method, path, headers, body }) {
  return new Promise((resolve) => {
    const r = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: { Connection: 'close', ...headers } }, (res) => {
      let data = '';
      res.setEncoding('latin1');
      res.on('data', (d) => { if (data.length < 4000) data += d; });
      res.on('end', () => {
        const lines = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode, headers: lines, body: data });
      });
    });
    r.on('error', (e) => resolve({ error: String(e) }));
    r.setTimeout(10000, () => r.destroy(new Error('timeout')));
    if (body !== undefined) r.write(body);
    r.end();
  });
}

/** The exchange a browser would have with the server for `req`, from `origin`. */
export async function probe(port, req, origin) {
  const out = {};
  const hs = req.headers ?? {};
  if (preflighted(req)) {
    const pre = { Origin: origin, 'Access-Control-Request-Method': req.method, Accept: '*/*' };
    const names = unsafeHeaderNames(hs);
    if (names.length) pre['Access-Control-Request-Headers'] = names.join(',');
    out.preflight = await one(port, { method: 'OPTIONS', path: req.path, headers: pre });
  }
  const headers = { Origin: origin, ...hs };
  if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
  out.actual = await one(port, { method: req.method, path: req.path, headers, body: req.body });
  return out;
}

const get = (r, n) => (r?.headers ?? []).filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);

/**
 * What a fixed server must not do (issue 9, "nothing was weakened"): answer
 * a foreign origin with itself or `*` together with credentials. Returns the
 * problems found ([] = none).
 */
export function weakened(foreign) {
  const problems = [];
  for (const [stage, r] of Object.entries(foreign)) {
    const acao = get(r, 'access-control-allow-origin');
    const acac = get(r, 'access-control-allow-credentials').some((v) => v.trim() === 'true');
    if (acao.some((v) => v.trim() === FOREIGN_ORIGIN)) problems.push(`${stage}: reflects the foreign origin ${FOREIGN_ORIGIN}`);
    if (acao.some((v) => v.trim() === '*') && acac) problems.push(`${stage}: Access-Control-Allow-Origin * with Access-Control-Allow-Credentials: true`);
    if (acao.some((v) => v.trim() === 'null')) problems.push(`${stage}: allows the origin null`);
  }
  return problems;
}

/** A recorded exchange made stable: ports, dates and paths replaced by placeholders. */
export function stable(x, { origin, port, root }) {
  const fix = (v) => String(v)
    .split(origin).join('{page}')
    .split(`127.0.0.1:${port}`).join('127.0.0.1:{port}')
    .split(root).join('{root}')
    .replace(/\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT/g, '{date}')
    .replace(/\b\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d/g, '{date}');
  const volatile = new Set(['date', 'last-modified', 'etag', 'keep-alive']);
  const one = (r) => (r.error ? { error: r.error } : {
    status: r.status,
    // `Allow` comes in hash order from Apache and Werkzeug: recorded sorted.
    headers: r.headers.map(([k, v]) => [k, volatile.has(k.toLowerCase()) ? `{${k.toLowerCase()}}` : k.toLowerCase() === 'allow' ? v.split(',').map((x) => x.trim()).sort().join(', ') : fix(v)]),
    ...(r.status >= 300 && r.body ? { body: fix(r.body.slice(0, 400)) } : {}),
  });
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, one(v)]));
}

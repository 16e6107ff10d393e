// The `whycors probe` command line for a request the lab page describes:
// the same request, asked of the server from a terminal (docs/probe.md).
// Plain ESM, no DOM: the lab page shows it under the composer, and
// tests/probe_command.rs runs what it builds.
//
//   probeCommand(req, pageOrigin) -> {command: string} | {command: null, why: string}
//
// `req` is the composer's request (or a scenario's `requestOf` plus `url`):
// {kind, method, headers, credentials, mode, url, body?, redirect?}.

/** Quotes one argument for a POSIX shell (bash for `$'...'`), as the probe's own curl lines do. */
export function shellQuote(arg) {
  const s = String(arg);
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  const bytes = new TextEncoder().encode(s);
  if (bytes.every((b) => b >= 0x20 && b < 0x7f)) return `'${s.replaceAll("'", "'\\''")}'`;
  let out = "$'";
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x27) out += "\\'";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

/** The request kinds the probe sends as the browser would: a script's fetch() or XHR. */
const PROBE_KINDS = new Set(['fetch', 'xhr', 'worker-fetch', 'sw-fetch']);

/**
 * The `whycors probe` command for `req` made by a page at `pageOrigin`.
 * @returns {{command: string} | {command: null, why: string}}
 */
export function probeCommand(req, pageOrigin) {
  const kind = req.kind ?? 'fetch';
  if (!PROBE_KINDS.has(kind)) {
    return { command: null, why: `whycors probe sends what fetch() and XMLHttpRequest send; a ${kind} request is the browser's own` };
  }
  const mode = req.mode ?? 'cors';
  if (mode !== 'cors') {
    return { command: null, why: `whycors probe sends CORS requests; mode '${mode}' is not one` };
  }
  if (req.redirect && req.redirect !== 'follow') {
    return { command: null, why: `whycors probe follows redirects as the browser does; redirect: '${req.redirect}' is not expressed` };
  }
  const args = ['whycors', 'probe', shellQuote(req.url), '--origin', shellQuote(pageOrigin)];
  const method = String(req.method ?? 'GET').trim() || 'GET';
  if (method !== 'GET') args.push('--method', shellQuote(method));
  const headers = req.headers ?? {};
  const entries = Array.isArray(headers) ? headers.map((h) => [h.name, h.value]) : Object.entries(headers);
  for (const [name, value] of entries) args.push('-H', shellQuote(`${name}: ${value}`));
  // A string body: fetch() adds Content-Type text/plain;charset=UTF-8 unless the page set one.
  if (req.body !== undefined && req.body !== null && !['GET', 'HEAD'].includes(method.toUpperCase())) {
    args.push('--body-type', 'text');
  }
  // `same-origin` and `omit` are the same to a CORS check: the probe's default.
  if (req.credentials === 'include') {
    args.push('--credentials', 'include');
    if (req.cookie) args.push('-H', shellQuote(`Cookie: ${req.cookie}`));
  }
  return { command: args.join(' ') };
}

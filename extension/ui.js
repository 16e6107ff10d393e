// Shared by the panel and the popup: DOM building that only ever inserts
// network values as text, the tab to show, live updates, copying, curl.

import { api, t } from './browser.js';

/**
 * Creates an element. `props.text` becomes textContent; other props are set
 * as properties (className, title, ...) or, for `data-*`/`aria-*`, attributes.
 * Children are nodes or strings (inserted as text nodes). Never innerHTML.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role') node.setAttribute(k, String(v));
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

/** A link to an http(s) page the engine named; anything else becomes text. */
export function link(href, text) {
  if (typeof href === 'string' && /^https?:\/\//i.test(href)) {
    return el('a', { href, target: '_blank', rel: 'noopener noreferrer', text: text ?? href });
  }
  return el('span', { text: text ?? String(href ?? '') });
}

/** The tab whose log to show: `?tabId=` (tests, opened as a tab), the inspected tab, or the active tab. */
export async function targetTabId() {
  const q = new URLSearchParams(location.search).get('tabId');
  if (q !== null && /^\d+$/.test(q)) return Number(q);
  const inspected = api.devtools?.inspectedWindow?.tabId;
  if (typeof inspected === 'number') return inspected;
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? -1;
}

export function send(msg) {
  return api.runtime.sendMessage(msg);
}

/** Calls `onChange` whenever the tab's log changes; reconnects after a background restart. */
export function watch(tabId, onChange) {
  let port;
  let stopped = false;
  const connect = () => {
    if (stopped) return;
    try {
      port = api.runtime.connect({ name: 'whycors-live' });
    } catch {
      setTimeout(connect, 1000);
      return;
    }
    port.onMessage.addListener((m) => {
      if ((m?.type === 'changed' || m?.type === 'pending') && m.tabId === tabId) onChange(m);
    });
    port.onDisconnect.addListener(() => {
      void api.runtime.lastError;
      if (!stopped) setTimeout(() => {
        connect();
        onChange({ reconnected: true });
      }, 500);
    });
    port.postMessage({ type: 'watch', tabId });
  };
  connect();
  return () => {
    stopped = true;
    try {
      port?.disconnect();
    } catch {}
  };
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = el('textarea', { value: text });
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {}
    ta.remove();
    return ok;
  }
}

/** A button that copies `getText()` and says so. */
export function copyButton(labelId, getText) {
  const b = el('button', { type: 'button', className: 'copy', text: t(labelId) });
  b.addEventListener('click', async () => {
    const ok = await copyText(getText());
    b.textContent = t(ok ? 'copied' : 'copyFailed');
    setTimeout(() => (b.textContent = t(labelId)), 1200);
  });
  return b;
}

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const REDACTED_RE = /^\(redacted by whycors\)$/;

/** curl for a request: method, URL and headers (redacted secrets become a placeholder to fill in). */
export function curl(method, url, headers) {
  const parts = ['curl', '-i'];
  if (method && method !== 'GET') parts.push('-X', shq(method));
  parts.push(shq(url));
  for (const h of headers ?? []) {
    const lower = h.name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || lower === 'connection') continue;
    const v = REDACTED_RE.test(h.value) ? `<${h.name}>` : h.value;
    parts.push('-H', shq(`${h.name}: ${v}`));
  }
  return parts.join(' ');
}

/**
 * The preflight as curl: the one the browser sent (observed), else the one
 * the engine says it would send (`diagnosis.preflightRequest`). Returns
 * `{command, note}`: `command` is null when no preflight would be sent (or
 * there is no diagnosis to tell); `note` (localised) says the command is the
 * engine's reconstruction, or why there is none; null for an observed one.
 * Which headers a preflight names is the engine's knowledge, not this file's.
 * URLs are the stored ones: secret parameters already redacted unless the
 * user chose raw values.
 */
export function curlPreflight(ex, d) {
  const first = ex?.legs?.[0];
  const sent = first?.preflight?.requestHeaders;
  if (sent?.length) return { command: curl('OPTIONS', first.url, sent), note: null };
  const p = d?.preflightRequest;
  if (p === undefined) return { command: null, note: t('engineUnavailable') };
  if (p === null) return { command: null, note: t('preflightNotNeeded') };
  const who = t(p.browser === 'firefox' ? 'browserFirefox' : 'browserChromium');
  return { command: curl(p.method, first?.url ?? p.url, p.headers), note: t('preflightReconstructed', [who]) };
}

export function curlActual(ex) {
  const p = ex.page ?? {};
  const first = ex.legs?.[0] ?? { url: '' };
  const headers = first.requestHeaders?.length ? [...first.requestHeaders] : [...(p.authorHeaders ?? [])];
  if (p.origin && !headers.some((h) => h.name.toLowerCase() === 'origin')) headers.unshift({ name: 'Origin', value: p.origin });
  return curl(first.method ?? p.method ?? 'GET', first.url, headers);
}

/** Localised label of a verdict (its own name when this build has no label for it). */
export function verdictLabel(v) {
  const id = `verdict_${String(v).replace(/-/g, '_')}`;
  const label = t(id);
  return label === id ? String(v) : label;
}

export function applyTheme() {
  const name = api.devtools?.panels?.themeName;
  if (name === 'dark') document.documentElement.classList.add('dark');
  else if (name === 'default' || name === 'light') document.documentElement.classList.add('light');
}

// The DevTools "CORS" panel: a live, virtualised table of the inspected tab's
// cross-origin requests and a details pane. Everything from the network is
// inserted as text (ui.js `el`); the panel decides nothing about CORS, it
// shows the engine's diagnosis.

import { api, t, localize } from './browser.js';
import { el, link, targetTabId, send, watch, copyButton, curlPreflight, curlActual, verdictLabel, applyTheme } from './ui.js';

const ROW_H = 22;
const state = {
  tabId: -1,
  epoch: 0,
  rev: 0,
  rows: new Map(), // id -> row
  view: [], // filtered + sorted rows
  filter: 'blocked',
  text: '',
  selected: null,
  meta: null,
  loading: false,
  again: false,
};

const $ = (id) => document.getElementById(id);

function isWarning(r) {
  return r.w || r.v === 'blocked-if-credentialed';
}
const rank = (r) => (r.v === 'blocked' ? 0 : r.v === 'blocked-if-credentialed' ? 1 : r.w ? 2 : 3);

function recompute() {
  const text = state.text.toLowerCase();
  const out = [];
  for (const r of state.rows.values()) {
    if (state.filter === 'blocked' && r.v !== 'blocked') continue;
    if (state.filter === 'warnings' && !isWarning(r) && r.v !== 'blocked') continue;
    if (text && !String(r.u).toLowerCase().includes(text)) continue;
    out.push(r);
  }
  out.sort((a, b) => rank(a) - rank(b) || a.id - b.id);
  state.view = out;
  $('spacer').style.height = `${out.length * ROW_H}px`;
  $('empty').hidden = state.rows.size > 0;
  renderCounts();
  renderRows();
}

function renderCounts() {
  const m = state.meta;
  if (!m) return;
  let blocked = 0;
  let warnings = 0;
  for (const r of state.rows.values()) {
    if (r.v === 'blocked') blocked++;
    else if (isWarning(r)) warnings++;
  }
  const parts = [t('countRequests', [String(state.rows.size)]), t('countBlocked', [String(blocked)]), t('countWarnings', [String(warnings)])];
  if (m.dropped) parts.push(t('countDropped', [String(m.dropped)]));
  if (state.view.length !== state.rows.size) parts.push(t('countShown', [String(state.view.length)]));
  $('counts').textContent = parts.join(' · ');
}

// ---- virtualised rows: only the visible ones exist in the DOM ----
const pool = [];
function rowNode(i) {
  let n = pool[i];
  if (!n) {
    n = el('div', { className: 'row', role: 'row' },
      el('span', { className: 'c-name', role: 'gridcell' }),
      el('span', { className: 'c-method', role: 'gridcell' }),
      el('span', { className: 'c-status', role: 'gridcell' }),
      el('span', { className: 'c-type', role: 'gridcell' }),
      el('span', { className: 'c-reason', role: 'gridcell' }));
    n.addEventListener('click', () => select(Number(n.dataset.id)));
    pool[i] = n;
  }
  return n;
}

function shortName(url) {
  try {
    const u = new URL(url);
    const last = u.pathname.split('/').filter(Boolean).pop() ?? '';
    return `${u.host}/${last}${u.search}`;
  } catch {
    return String(url);
  }
}

function statusText(r) {
  if (r.st != null) return String(r.st);
  if (r.e) return t('statusFailed');
  return '';
}

function reasonText(r) {
  if (r.v === 'blocked') return r.r ?? t('verdict_blocked');
  if (r.v === 'allowed' && !r.w) return '';
  if (r.v === 'allowed') return t('hasWarnings');
  return verdictLabel(r.v);
}

function renderRows() {
  const vp = $('viewport');
  const first = Math.max(0, Math.floor(vp.scrollTop / ROW_H) - 5);
  const count = Math.ceil(vp.clientHeight / ROW_H) + 10;
  const win = $('window');
  win.style.transform = `translateY(${first * ROW_H}px)`;
  const nodes = [];
  for (let k = 0; k < count && first + k < state.view.length; k++) {
    const r = state.view[first + k];
    const n = rowNode(k);
    n.dataset.id = String(r.id);
    n.className = `row v-${r.v}${r.w ? ' warn' : ''}${state.selected === r.id ? ' sel' : ''}`;
    const [name, method, status, type, reason] = n.children;
    name.textContent = shortName(r.u);
    name.title = r.u;
    method.textContent = r.m;
    status.textContent = statusText(r);
    status.title = r.e ?? '';
    type.textContent = r.ty;
    reason.textContent = reasonText(r);
    reason.title = r.fx ?? '';
    nodes.push(n);
  }
  win.replaceChildren(...nodes);
}

// ---- data ----
async function refresh() {
  if (state.loading) {
    state.again = true;
    return;
  }
  state.loading = true;
  try {
    const res = await send({ type: 'list', tabId: state.tabId, since: state.rev });
    if (!res || res.error) return;
    if (res.epoch !== state.epoch || res.rev < state.rev) {
      // Cleared (navigation, Clear) or a different log: start over.
      state.rows.clear();
      state.epoch = res.epoch;
      if (state.rev !== 0) {
        state.rev = 0;
        state.loading = false;
        return refresh();
      }
    }
    for (const r of res.rows) state.rows.set(r.id, r);
    for (const id of state.rows.keys()) if (id < res.first) state.rows.delete(id);
    state.rev = res.rev;
    state.meta = res;
    recompute();
    if (state.selected !== null && res.rows.some((r) => r.id === state.selected)) select(state.selected, { keepScroll: true });
  } catch (e) {
    console.warn('whycors panel:', e);
  } finally {
    state.loading = false;
    if (state.again) {
      state.again = false;
      setTimeout(refresh, 100);
    }
  }
}

let refreshTimer = 0;
function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = 0;
    refresh();
  }, 150);
}

// ---- details ----
async function select(id, { keepScroll = false } = {}) {
  state.selected = id;
  renderRows();
  const res = await send({ type: 'get', tabId: state.tabId, id });
  if (state.selected !== id) return;
  const pane = $('details');
  const top = pane.scrollTop;
  if (!res || res.error) {
    pane.replaceChildren(el('p', { className: 'placeholder', text: t('entryGone') }));
    return;
  }
  pane.replaceChildren(...details(res));
  if (keepScroll) pane.scrollTop = top;
}

function section(titleId, ...body) {
  return [el('h3', { text: t(titleId) }), ...body];
}

function textOf(x) {
  return x?.text ?? '';
}

/** The failing headers per place, from the evidence: {request, preflight, preflightRequest, actual, redirect:{hop}}. */
function failing(d) {
  const f = { request: new Set(), preflight: new Set(), actual: new Set(), redirect: new Map(), after: new Map() };
  for (const ev of d?.evidence ?? []) {
    if (!ev.header) continue;
    const name = ev.header.toLowerCase();
    if (ev.stage === 'preflight' && ev.hop != null) {
      // The preflight sent after redirect hop `hop`.
      if (!f.after.has(ev.hop)) f.after.set(ev.hop, new Set());
      f.after.get(ev.hop).add(name);
    } else if (ev.stage === 'redirect') {
      if (!f.redirect.has(ev.hop ?? 0)) f.redirect.set(ev.hop ?? 0, new Set());
      f.redirect.get(ev.hop ?? 0).add(name);
    } else f[ev.stage]?.add(name);
  }
  return f;
}

function headerTable(headers, highlight = new Set()) {
  const rows = [];
  const seen = new Set();
  for (const h of headers ?? []) {
    const lower = h.name.toLowerCase();
    seen.add(lower);
    rows.push(el('tr', { className: highlight.has(lower) ? 'hl' : '' }, el('td', { className: 'n', text: h.name }), el('td', { className: 'v', text: h.value })));
  }
  for (const name of highlight) {
    if (!seen.has(name)) rows.push(el('tr', { className: 'hl absent' }, el('td', { className: 'n', text: name }), el('td', { className: 'v', text: t('headerAbsent') })));
  }
  if (!rows.length) rows.push(el('tr', {}, el('td', { className: 'muted', colSpan: 2, text: t('noHeaders') })));
  return el('table', { className: 'headers' }, el('tbody', {}, rows));
}

function headersBlock(titleId, headers, highlight, open) {
  const d = el('details', { className: 'hdrs', open: open || (highlight?.size ?? 0) > 0 }, el('summary', { text: t(titleId) }), headerTable(headers, highlight));
  return d;
}

function details({ exchange: ex, diagnosis: d, browser }) {
  const out = [];
  const r = ex.request;
  out.push(
    el('h2', {},
      el('span', { className: `verdict ${d?.verdict ?? 'unknown'}`, text: verdictLabel(d?.verdict ?? 'unknown') }),
      el('span', { text: d?.reason ?? '' })),
    el('div', { className: 'url', text: `${r.method ?? 'GET'} ${r.url}` }),
    el('div', { className: 'muted', text: t('fromOrigin', [String(r.origin ?? '?')]) }),
  );
  if (!d) {
    out.push(el('p', { className: 'sev-warning', text: t('engineUnavailable') }));
  } else {
    if (d.explanation) out.push(el('p', { text: textOf(d.explanation) }));
    // Both browsers' wording.
    const rows = [];
    for (const b of d.browsers ?? []) {
      const label = t(b.browser === 'firefox' ? 'browserFirefox' : 'browserChromium');
      const name = [b.name, b.parameter ? `[${b.parameter}]` : ''].filter(Boolean).join(' ');
      rows.push(el('span', { className: 'b', text: label }), el('span', { text: `${verdictLabel(b.verdict)}${name ? ` — ${name}` : ''}` }));
      if (b.message) rows.push(el('span', {}), el('span', { className: 'msg', text: b.message }));
      for (const a of b.also ?? []) rows.push(el('span', {}), el('span', { className: 'msg', text: a }));
    }
    out.push(...section('whatBrowsersSay', el('div', { className: 'browsers' }, rows)));
    if (d.browsersDiffer) out.push(el('p', { className: 'sev-warning', text: t('browsersDiffer') }));
    for (const a of d.alternatives ?? []) {
      out.push(el('p', { className: 'sev-warning' }, el('strong', { text: `${t('alternative')}: ${a.reason}${a.name ? ` (${a.name})` : ''} ` }), el('span', { text: textOf(a.when) })));
    }
    if (d.evidence?.length) {
      out.push(...section('evidence', ...d.evidence.map((ev) => el('div', { className: 'evidence' },
        el('div', {}, el('strong', { text: `${t(`stage_${ev.stage}`)}${ev.hop != null ? ` #${ev.hop + 1}` : ''}` }), ev.header ? ' ' : '', ev.header ? el('code', { text: ev.header }) : ''),
        el('div', {}, `${t('observed')}: `, el('code', { text: ev.observed ?? t('headerAbsent') })),
        ev.expected != null ? el('div', {}, `${t('expected')}: `, el('code', { text: ev.expected })) : '',
        el('div', { className: 'muted' }, ev.specUrl ? link(ev.specUrl, ev.fetchStep) : el('span', { text: ev.fetchStep ?? '' }))))));
    }
    if (d.fix) out.push(...fixSection(d.fix));
    if (d.hints?.length) out.push(...section('rootCause', findingList(d.hints)));
    if (d.findings?.length) out.push(...section('findings', findingList(d.findings)));
    if (d.missing?.length) out.push(...section('uncertain', el('ul', { className: 'plain' }, d.missing.map((m) => el('li', { text: textOf(m) })))));
    if (d.notes?.length) out.push(...section('notes', el('ul', { className: 'plain' }, d.notes.map((m) => el('li', { text: textOf(m) })))));
    if (d.link) out.push(el('p', {}, link(d.link, t('readMore'))));
  }
  const f = failing(d);
  // What the page did (MAIN-world hook).
  const page = [];
  page.push(el('div', { text: `${t('callSite')}: ${r.callSite ?? t('unknownHook')}` }));
  page.push(el('div', { text: `${t('mode')}: ${r.mode ?? t('unknown')} · ${t('credentials')}: ${r.credentials ?? t('unknownCredentials')}` }));
  if (r.rejected != null) page.push(el('div', { text: `${t('rejected')}: ${r.rejected ? t('yes') : t('no')}` }));
  if (r.readHeaders?.length) page.push(el('div', { text: `${t('readHeaders')}: ${r.readHeaders.join(', ')}` }));
  out.push(...section('thePage', ...page));
  if (r.authorHeaders?.length) out.push(headersBlock('authorHeaders', r.authorHeaders, f.request, true));
  const pf = curlPreflight(ex, d);
  out.push(el('div', { className: 'actions' },
    pf.command ? copyButton('copyCurlPreflight', () => pf.command) : null,
    copyButton('copyCurlActual', () => curlActual(ex)),
    pf.note ? el('span', { className: 'muted preflight-note', text: pf.note }) : null));
  // Headers, failing ones highlighted.
  out.push(...section('headers'));
  out.push(headersBlock('requestHeaders', r.headers, f.request, false));
  if (ex.preflight) {
    out.push(headersBlock('preflightRequestHeaders', ex.preflight.requestHeaders, new Set(), false));
    out.push(headersBlock(ex.preflight.status != null ? 'preflightResponseHeaders' : 'preflightNoResponse', ex.preflight.headers, f.preflight, true));
    if (ex.preflight.status != null) out.push(el('div', { className: 'muted', text: `${t('preflightStatus')}: ${ex.preflight.status}` }));
  } else {
    out.push(el('div', { className: 'muted', text: t(`preflight_${String(ex.preflightObservation ?? 'unknown').replace(/-/g, '_')}`) }));
    // What the engine says the browser sends (or would send) instead.
    if (d?.preflightRequest) out.push(headersBlock('preflightReconstructedHeaders', d.preflightRequest.headers, new Set(), false));
  }
  const afterRedirect = (p, k) => {
    // The preflight the browser sent after redirect hop k, to the next URL.
    out.push(headersBlock('preflightAfterRedirect', p.requestHeaders, new Set(), false));
    out.push(headersBlock(p.status != null ? 'preflightResponseHeaders' : 'preflightNoResponse', p.headers, f.after.get(k), true));
    if (p.status != null) out.push(el('div', { className: 'muted', text: `${t('preflightStatus')}: ${p.status}` }));
  };
  (ex.redirects ?? []).forEach((hop, i) => {
    if (i > 0 && hop.preflight) afterRedirect(hop.preflight, i - 1);
    out.push(headersBlock('redirectHeaders', hop.headers, f.redirect.get(i), true));
    out.push(el('div', { className: 'muted url', text: `#${i + 1} ${hop.status} ${hop.url}` }));
  });
  if (ex.response?.preflight && ex.redirects?.length) afterRedirect(ex.response.preflight, ex.redirects.length - 1);
  if (ex.response && ex.response.status) {
    out.push(headersBlock('responseHeaders', ex.response.headers, f.actual, true));
    out.push(el('div', { className: 'muted', text: `${t('status')}: ${ex.response.status}` }));
  } else if (f.actual.size) {
    out.push(headersBlock('responseHeaders', [], f.actual, true));
  }
  if (ex.error) out.push(el('div', { className: 'muted', text: `${t('browserError')}: ${ex.error}` }));
  out.push(el('div', { className: 'muted', text: t('seenIn', [t(browser === 'firefox' ? 'browserFirefox' : 'browserChromium')]) }));
  return out;
}

function findingList(list) {
  return el('ul', { className: 'plain' }, list.map((f) => el('li', { className: `sev-${f.severity}` }, el('span', { text: textOf(f.text) }), f.link ? ' ' : '', f.link ? link(f.link, t('readMore')) : '')));
}

let preferredServer = null;
function fixSection(fix) {
  const out = section('fix', el('p', { text: textOf(fix.summary) }));
  if (fix.changes?.length) {
    out.push(el('ul', { className: 'plain' }, fix.changes.map((c) => el('li', { className: 'change' },
      el('span', { text: `${t(`stage_${c.stage}`)}${c.hop != null ? ` #${c.hop + 1}` : ''}: ${t(`action_${String(c.action).replace(/-/g, '_')}`)} ` }),
      el('code', { text: c.target }),
      c.value != null ? el('span', { text: ' = ' }) : '',
      c.value != null ? el('code', { text: c.value }) : ''))));
  }
  if (fix.verified?.length) out.push(el('p', { className: 'muted', text: t('verifiedIn', [fix.verified.map((b) => t(b === 'firefox' ? 'browserFirefox' : 'browserChromium')).join(', ')]) }));
  const snippets = fix.snippets ?? [];
  if (snippets.length) {
    const select = el('select', { 'aria-label': t('serverPicker') }, snippets.map((s) => el('option', { value: s.server, text: s.label })));
    const code = el('pre', { className: 'code' });
    const notes = el('ul', { className: 'plain muted' });
    const show = () => {
      const s = snippets.find((x) => x.server === select.value) ?? snippets[0];
      preferredServer = s.server;
      code.textContent = s.code;
      notes.replaceChildren(...(s.notes ?? []).map((n) => el('li', { text: textOf(n) })));
    };
    if (preferredServer && snippets.some((s) => s.server === preferredServer)) select.value = preferredServer;
    select.addEventListener('change', show);
    show();
    out.push(el('div', { className: 'actions' }, el('label', { text: `${t('serverPicker')} ` }, select), copyButton('copySnippet', () => code.textContent)), code, notes);
  }
  return out;
}

// ---- wiring ----
function setFilter(f) {
  state.filter = f;
  for (const b of document.querySelectorAll('.filter')) b.setAttribute('aria-pressed', String(b.dataset.filter === f));
  recompute();
}

async function download(format) {
  const res = await send({ type: 'export', tabId: state.tabId, format });
  const blob = new Blob([JSON.stringify(res, null, 2)], { type: 'application/json' });
  const a = el('a', { href: URL.createObjectURL(blob), download: `whycors-tab${state.tabId}.${format === 'har' ? 'har' : 'json'}` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}

/** Scrolls the row into view and selects it (`?select=<id>`). */
function reveal(id) {
  const j = state.view.findIndex((r) => r.id === id);
  if (j >= 0) $('viewport').scrollTop = Math.max(0, j * ROW_H - 2 * ROW_H);
  renderRows();
  return select(id);
}

function keyNav(ev) {
  if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
  ev.preventDefault();
  const i = state.view.findIndex((r) => r.id === state.selected);
  const j = Math.max(0, Math.min(state.view.length - 1, i + (ev.key === 'ArrowDown' ? 1 : -1)));
  const r = state.view[j];
  if (!r) return;
  const vp = $('viewport');
  if (j * ROW_H < vp.scrollTop) vp.scrollTop = j * ROW_H;
  else if ((j + 1) * ROW_H > vp.scrollTop + vp.clientHeight) vp.scrollTop = (j + 1) * ROW_H - vp.clientHeight;
  select(r.id);
}

async function main() {
  applyTheme();
  localize();
  api.devtools?.panels?.onThemeChanged?.addListener?.(() => location.reload());
  state.tabId = await targetTabId();
  const params = new URLSearchParams(location.search);
  setFilter(params.get('filter') ?? 'blocked');
  for (const b of document.querySelectorAll('.filter')) b.addEventListener('click', () => setFilter(b.dataset.filter));
  let textTimer = 0;
  $('text').addEventListener('input', () => {
    clearTimeout(textTimer);
    textTimer = setTimeout(() => {
      state.text = $('text').value;
      recompute();
    }, 60);
  });
  let raf = 0;
  $('viewport').addEventListener('scroll', () => {
    if (!raf) raf = requestAnimationFrame(() => {
      raf = 0;
      renderRows();
    });
  });
  $('viewport').addEventListener('keydown', keyNav);
  new ResizeObserver(() => renderRows()).observe($('viewport'));
  $('clear').addEventListener('click', async () => {
    await send({ type: 'clear', tabId: state.tabId });
    state.selected = null;
    $('details').replaceChildren(el('p', { className: 'placeholder', text: t('selectRequest') }));
    refresh();
  });
  const settings = await send({ type: 'settings' });
  $('preserve').checked = !!settings?.preserveLog;
  $('preserve').addEventListener('change', () => send({ type: 'settings', set: { preserveLog: $('preserve').checked } }));
  $('exportJson').addEventListener('click', () => download('json'));
  $('exportHar').addEventListener('click', () => download('har'));
  watch(state.tabId, scheduleRefresh);
  await refresh();
  const pick = params.get('select');
  if (pick !== null && /^\d+$/.test(pick)) reveal(Number(pick));
  document.documentElement.dataset.ready = '1';
}

main();

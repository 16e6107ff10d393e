// The DevTools "CORS" panel: a live, virtualised table of the inspected tab's
// cross-origin requests and a details pane. Everything from the network is
// inserted as text (ui.js `el`); the panel decides nothing about CORS: the
// rows carry the engine's verdict, rank and warning flag
// (src/webrequest/view.rs), the details the engine's diagnosis and which
// headers to highlight where. Exchanges are schema 2 (page + legs).

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
  pending: 0,
  loading: false,
  again: false,
};

const $ = (id) => document.getElementById(id);

// The engine's flags: `bl` blocked, `w` worth a look, `rk` the sort rank.
const isBlocked = (r) => r.bl === true;
const isWarning = (r) => r.w === true;
const rank = (r) => (Number.isInteger(r.rk) ? r.rk : 3);

function recompute() {
  const text = state.text.toLowerCase();
  const out = [];
  for (const r of state.rows.values()) {
    if (state.filter === 'blocked' && !isBlocked(r)) continue;
    if (state.filter === 'warnings' && !isWarning(r) && !isBlocked(r)) continue;
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
    if (isBlocked(r)) blocked++;
    else if (isWarning(r)) warnings++;
  }
  const parts = [t('countRequests', [String(state.rows.size)]), t('countBlocked', [String(blocked)]), t('countWarnings', [String(warnings)])];
  if (state.pending) parts.push(t('countPending', [String(state.pending)]));
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
  if (isBlocked(r)) return r.r ?? verdictLabel(r.v);
  if (r.v === 'allowed') return r.w ? t('hasWarnings') : '';
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
    n.className = `row v-${String(r.v).replace(/[^a-z-]/g, '')}${r.w ? ' warn' : ''}${state.selected === r.id ? ' sel' : ''}`;
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
    state.pending = res.pending ?? 0;
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

/** The engine's highlights, as a lookup: `${leg}:${part}` -> Set of lower-case header names. */
function highlightsOf(list) {
  const m = new Map();
  for (const h of list ?? []) {
    const k = `${h.leg}:${h.part}`;
    if (!m.has(k)) m.set(k, new Set());
    m.get(k).add(String(h.header).toLowerCase());
  }
  return (leg, part) => m.get(`${leg}:${part}`) ?? new Set();
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

function details({ exchange: ex, diagnosis: d, highlights, row: rowInfo, browser }) {
  const out = [];
  const p = ex.page ?? {};
  const legs = ex.legs ?? [];
  const hl = highlightsOf(highlights);
  out.push(
    el('h2', {},
      el('span', { className: `verdict ${String(d?.verdict ?? 'unknown').replace(/[^a-z-]/g, '')}`, text: verdictLabel(d?.verdict ?? 'unknown') }),
      el('span', { text: d?.reason ?? '' })),
    el('div', { className: 'url', text: `${p.method ?? 'GET'} ${legs[0]?.url ?? ''}` }),
    el('div', { className: 'muted', text: t('fromOrigin', [String(p.origin ?? '?')]) }),
  );
  if (rowInfo?.sw) out.push(el('div', { className: 'muted', text: t('fromServiceWorker') }));
  if (rowInfo?.how) out.push(el('div', { className: 'muted', text: t(`how_${String(rowInfo.how).replace(/[^a-z]/g, '_')}`) }));
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
  // What the page did (its call, or its element).
  const page = [];
  page.push(el('div', { text: `${t('callSite')}: ${p.callSite ?? t('unknownHook')}` }));
  page.push(el('div', { text: `${t('mode')}: ${p.mode ?? t('unknown')} · ${t('credentials')}: ${p.credentials ?? t('unknownCredentials')}` }));
  if (p.rejected != null) page.push(el('div', { text: `${t('rejected')}: ${p.rejected ? t('yes') : t('no')}` }));
  if (p.readHeaders?.length) page.push(el('div', { text: `${t('readHeaders')}: ${p.readHeaders.join(', ')}` }));
  out.push(...section('thePage', ...page));
  if (p.authorHeaders?.length) out.push(headersBlock('authorHeaders', p.authorHeaders, hl(0, 'author'), true));
  const pf = curlPreflight(ex, d);
  out.push(el('div', { className: 'actions' },
    pf.command ? copyButton('copyCurlPreflight', () => pf.command) : null,
    copyButton('copyCurlActual', () => curlActual(ex)),
    pf.note ? el('span', { className: 'muted preflight-note', text: pf.note }) : null));
  // Each leg: its preflight, what was sent, what came back; failing headers highlighted.
  out.push(...section('headers'));
  legs.forEach((leg, i) => {
    const last = i === legs.length - 1;
    if (legs.length > 1) out.push(el('div', { className: 'muted url', text: `#${i + 1} ${leg.method ?? p.method ?? 'GET'} ${leg.url}` }));
    if (leg.preflight) {
      const lp = leg.preflight;
      out.push(headersBlock(i === 0 ? 'preflightRequestHeaders' : 'preflightAfterRedirect', lp.requestHeaders, new Set(), false));
      out.push(headersBlock(lp.response ? 'preflightResponseHeaders' : 'preflightNoResponse', lp.response?.headers ?? [], hl(i, 'preflight'), true));
      if (lp.response) out.push(el('div', { className: 'muted', text: `${t('preflightStatus')}: ${lp.response.status}` }));
      if (lp.error) out.push(el('div', { className: 'muted', text: `${t('browserError')}: ${lp.error}` }));
    } else if (i === 0) {
      out.push(el('div', { className: 'muted', text: t(`preflight_${String(ex.preflightObservation ?? 'unknown').replace(/-/g, '_')}`) }));
      // What the engine says the browser sends (or would send) instead.
      if (d?.preflightRequest) out.push(headersBlock('preflightReconstructedHeaders', d.preflightRequest.headers, new Set(), false));
    } else if (hl(i, 'preflight').size) {
      out.push(headersBlock('preflightNoResponse', [], hl(i, 'preflight'), true));
    }
    out.push(headersBlock('requestHeaders', leg.requestHeaders, hl(i, 'request'), false));
    if (leg.response) {
      out.push(headersBlock(last ? 'responseHeaders' : 'redirectHeaders', leg.response.headers, hl(i, 'response'), true));
      out.push(el('div', { className: 'muted', text: `${t('status')}: ${leg.response.status}` }));
    } else if (hl(i, 'response').size) {
      out.push(headersBlock('responseHeaders', [], hl(i, 'response'), true));
    }
  });
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
    // The engine puts the stack that answered first and says why (fix.stack).
    if (fix.stack?.why) out.push(el('p', { className: 'stack-why' }, el('strong', { text: `${t('stackDetected')} ` }), el('span', { text: textOf(fix.stack.why) })));
    const select = el('select', { 'aria-label': t('serverPicker') }, snippets.map((s) => el('option', { value: s.server, text: s.label })));
    const code = el('pre', { className: 'code' });
    const verified = el('p', { className: 'muted snippet-verified' });
    const notes = el('ul', { className: 'plain muted' });
    const show = () => {
      const s = snippets.find((x) => x.server === select.value) ?? snippets[0];
      code.textContent = s.code;
      verified.replaceChildren(el('strong', { text: `${t('snippetVerification')} ` }), el('span', { text: s.verified ? textOf(s.verified) : t('snippetNotVerified') }));
      notes.replaceChildren(...(s.notes ?? []).map((n) => el('li', { text: textOf(n) })));
    };
    // The user's own pick wins over the usual order, the detected stack over both.
    const pick = fix.stack?.first?.[0] ?? preferredServer;
    if (pick && snippets.some((s) => s.server === pick)) select.value = pick;
    select.addEventListener('change', () => {
      preferredServer = select.value;
      show();
    });
    show();
    out.push(el('div', { className: 'actions' }, el('label', { text: `${t('serverPicker')} ` }, select), copyButton('copySnippet', () => code.textContent)), code, verified, notes);
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
  $('rawUrls').checked = !!settings?.rawUrls;
  $('rawUrls').addEventListener('change', () => send({ type: 'settings', set: { rawUrls: $('rawUrls').checked } }));
  watch(state.tabId, (m) => {
    if (m?.type === 'pending') {
      state.pending = m.pending;
      renderCounts();
    } else scheduleRefresh();
  });
  await refresh();
  const pick = params.get('select');
  if (pick !== null && /^\d+$/.test(pick)) reveal(Number(pick));
  document.documentElement.dataset.ready = '1';
}

main();

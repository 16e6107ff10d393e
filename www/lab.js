// The lab page: fires each scenario's real request from this page, asks the
// lab server what it received and sent, and shows the engine's diagnosis of
// that exchange beside what page JavaScript saw. The exchange comes only from
// the server's record (plus what the page knows of its own call: kind,
// method, mode, credentials, the headers it set, whether it rejected); the
// verdict comes only from the engine.
//
// For tests: every run ends in
//   <output class="diagnosis" data-scenario="ID" data-reason="..." data-verdict="..." data-browser="..." data-name="...">
// and `window.whycorsLab` = { ready, run(id), runAll(), origins, browser }.

import * as engine from './engine.js';
import { el, renderDiagnosis, renderError, thisBrowser } from './render.js';
import { fill, requestOf, scenarioUrl, fireInPage, PAGE_KINDS } from './lab/scenario.js';
import { probeCommand } from './probe-command.js';

const BROWSER = thisBrowser();
const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let origins = null;
let reasonsById = new Map();
let scenarios = [];

function setStatus(msg, kind = '') {
  const s = $('status');
  s.textContent = msg;
  s.dataset.kind = kind;
}

// ------------------------------------------------------------ origins

function originInfo(page, api, other) {
  const port = (o) => Number(new URL(o).port || (new URL(o).protocol === 'https:' ? 443 : 80));
  return { page, api, other, pagePort: port(page), apiPort: port(api), otherPort: port(other), host: new URL(page).hostname };
}

/**
 * The lab's origins: `?api=...&other=...` on this page's URL, else the
 * server's `/__lab.json` ({page, api, other}), else this page's port + 1
 * (api) and + 2 (other), which is how `whycors lab` lays them out by default.
 */
async function findOrigins() {
  const q = new URLSearchParams(location.search);
  if (q.get('api') && q.get('other')) return originInfo(location.origin, q.get('api'), q.get('other'));
  try {
    const r = await fetch('/__lab.json', { cache: 'no-store' });
    if (r.ok) {
      const j = await r.json();
      if (j && typeof j.api === 'string' && typeof j.other === 'string') return originInfo(location.origin, j.api, j.other);
    }
  } catch { /* not provided: derive */ }
  const port = Number(location.port || (location.protocol === 'https:' ? 443 : 80));
  const base = `${location.protocol}//${location.hostname}`;
  return originInfo(location.origin, `${base}:${port + 1}`, `${base}:${port + 2}`);
}


// Kinds this page can fire (the harness fires them the same way: www/lab/scenario.js);
// others (an add-on's content script) need the capture harness.
const KINDS = new Set(PAGE_KINDS);

const newTag = (id) => `${id}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

// ------------------------------------------------------------ firing
// fireInPage (www/lab/scenario.js): the one way a scenario's request is fired,
// here and in the test harness.

/** The server's records of one tag, once every recorded request has been answered. */
async function recordsOf(tag) {
  let list = [];
  for (let i = 0; i < 40; i++) {
    const r = await fetch(`/__records?tag=${encodeURIComponent(tag)}`, { cache: 'no-store' });
    if (!r.ok) throw new Error(`/__records answered ${r.status}: is this page served by \`whycors lab\`?`);
    list = await r.json();
    if (list.length && list.every((x) => x.sent !== null)) return list;
    if (!list.length && i >= 4) return list; // nothing reached the server
    await sleep(i < 4 ? 40 : 100);
  }
  return list;
}

// ------------------------------------------------------------ one run

async function runRequest(id, req, resultBox) {
  resultBox.replaceChildren(el('p', { class: 'running' }, 'Running…'));
  const seen = await fireInPage(req);
  let exchange = null;
  let d = null;
  let error = null;
  try {
    const records = await recordsOf(req.tag);
    const info = {
      kind: req.kind,
      url: req.url,
      method: req.method,
      mode: req.mode,
      credentials: req.credentials,
      authorHeaders: Object.entries(req.headers ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      ...('crossorigin' in req ? { crossorigin: req.crossorigin } : {}),
      rejected: seen.rejected,
      redirectMode: req.redirect ?? null,
      browser: BROWSER,
    };
    exchange = await engine.exchangeFromLabRecords(records, location.origin, info);
    d = await engine.diagnose(exchange, BROWSER);
  } catch (e) {
    error = e;
  }

  const mine = d?.browsers?.find((b) => b.browser === BROWSER);
  const output = el('output', {
    class: 'diagnosis',
    dataset: {
      scenario: id,
      browser: BROWSER,
      verdict: d ? (mine?.verdict ?? d.verdict) : 'error',
      reason: d ? (mine?.reason ?? d.reason ?? '') : '',
      name: mine?.name ?? '',
      rejected: String(seen.rejected),
      ...(error ? { error: String(error.message ?? error) } : {}),
    },
  }, d ? renderDiagnosis(d, { reasons: reasonsById, browser: BROWSER }) : renderError(error, 'The engine could not diagnose this exchange'));

  const seenCol = el('div', { class: 'col seen' },
    el('h3', {}, 'What page JavaScript sees'),
    el('pre', { class: 'js-seen' }, seen.seen),
    el('p', { class: 'hint' }, seen.rejected
      ? 'That is all a script learns. The reason is only in the console, worded differently by each browser.'
      : 'The call succeeded as far as the page can tell.'),
    el('details', {}, el('summary', {}, 'Request URL'), el('pre', { class: 'mono wrap' }, req.url)),
    exchange ? el('details', { class: 'exchange' }, el('summary', {}, 'Exchange (from the lab server\'s record)'),
      el('pre', { class: 'mono' }, JSON.stringify(exchange, null, 2))) : null,
  );
  const engineCol = el('div', { class: 'col engine' }, el('h3', {}, 'What whycors says'), output);
  resultBox.replaceChildren(el('div', { class: 'two-col' }, seenCol, engineCol));
  return { diagnosis: d, exchange, seen, error };
}

async function runScenario(s) {
  const art = document.getElementById(`s-${s.id}`);
  art.dataset.state = 'running';
  const tag = newTag(s.id);
  const req = { ...requestOf(s), url: scenarioUrl(s, origins, tag), tag };
  const r = await runRequest(s.id, req, art.querySelector('.result'));
  art.dataset.state = r.error ? 'error' : 'done';
  return r;
}

// ------------------------------------------------------------ catalogue

function groupTitle(reason) {
  if (reason === 'allowed') return 'Allowed (for comparison)';
  const info = reasonsById.get(reason);
  return info ? info.title.text : reason;
}

function requestSummary(s) {
  const r = requestOf(s);
  const hdrs = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join(', ');
  return `${r.kind} ${r.method}${hdrs ? ` (${hdrs})` : ''}, credentials ${r.credentials}, mode ${r.mode}`;
}

/** What the real browsers reported for this scenario, as recorded in the catalogue. */
function recorded(s) {
  if (!s.expect) return null;
  const parts = Object.entries(s.expect).map(([b, name], i) => [i ? ' · ' : '', b === 'chromium' ? 'Chromium ' : b === 'firefox' ? 'Firefox ' : `${b} `,
    name ? el('code', {}, name) : 'allows it']);
  return el('p', { class: 'meta recorded' }, 'recorded: ', parts);
}

function renderCatalogue() {
  const order = [...reasonsById.keys()];
  const groups = new Map();
  for (const s of scenarios) {
    if (!groups.has(s.reason)) groups.set(s.reason, []);
    groups.get(s.reason).push(s);
  }
  const rank = (r) => (r === 'allowed' ? 1e6 : order.indexOf(r) < 0 ? 1e5 : order.indexOf(r));
  const keys = [...groups.keys()].sort((a, b) => rank(a) - rank(b));
  const cat = $('catalogue');
  cat.replaceChildren(el('nav', { class: 'toc card', 'aria-label': 'Reasons' }, el('h2', {}, 'Reasons'),
    el('ul', {}, keys.map((k) => el('li', {}, el('a', { href: `#r-${k}` }, groupTitle(k)), ' ', el('span', { class: 'count' }, String(groups.get(k).length)))))));
  for (const k of keys) {
    const info = reasonsById.get(k);
    const group = el('section', { class: 'reason-group', id: `r-${k}`, dataset: { reason: k } },
      el('h2', {}, groupTitle(k), ' ', k !== 'allowed' ? el('code', { class: 'reason-id' }, k) : null),
      info ? el('p', { class: 'names' }, 'Firefox: ', info.firefoxKey ? el('code', {}, info.firefoxKey) : '—', ' · Chromium: ',
        info.chromium.length ? info.chromium.map((n, i) => [i ? ', ' : '', el('code', {}, n)]) : '—') : null);
    for (const s of groups.get(k)) {
      const only = s.browsers && !s.browsers.includes(BROWSER) ? `only reproduces in ${s.browsers.join(', ')}` : null;
      const needs = [
        s.firefoxPrefs ? `needs Firefox prefs: ${Object.entries(s.firefoxPrefs).map(([p, v]) => `${p}=${v}`).join(', ')}` : null,
        s.chromiumArgs ? `needs Chromium flags: ${s.chromiumArgs.join(' ')}` : null,
      ].filter(Boolean).join('; ') || null;
      const kind = requestOf(s).kind;
      const harnessOnly = !KINDS.has(kind) || s.firefoxExtension
        ? `needs the capture harness (${s.firefoxExtension ? 'a test add-on' : `request kind ${kind}`}): not runnable from this page`
        : null;
      const from = s.from ? `the capture harness fires it from ${s.from}; here it runs from this page` : null;
      const runBtn = el('button', { type: 'button', class: 'run', dataset: { run: s.id }, disabled: Boolean(harnessOnly) }, 'Run');
      runBtn.addEventListener('click', () => runScenario(s));
      group.append(el('article', { class: 'scenario card', id: `s-${s.id}`, dataset: { id: s.id, state: 'idle' } },
        el('div', { class: 'scenario-head' },
          el('div', {},
            el('h3', {}, s.title),
            el('p', { class: 'meta mono' }, el('span', { class: 'sid' }, s.id), ' · ', requestSummary(s)),
            el('p', { class: 'meta mono' }, 'server: ', s.server ? s.server : '(plain 200, no CORS headers)'),
            recorded(s),
            s.notes ? el('p', { class: 'notes' }, s.notes) : null,
            only || needs || harnessOnly || from ? el('p', { class: 'caveat' }, [harnessOnly, only, needs, from].filter(Boolean).join('; ')) : null),
          runBtn),
        el('div', { class: 'result' })));
    }
    cat.append(group);
  }
  cat.setAttribute('aria-busy', 'false');
}

async function runAll() {
  const btn = $('run-all');
  btn.disabled = true;
  const results = {};
  try {
    let i = 0;
    const runnable = scenarios.filter((s) => KINDS.has(requestOf(s).kind) && !s.firefoxExtension);
    for (const s of runnable) {
      i += 1;
      setStatus(`running ${i}/${runnable.length}: ${s.id}`);
      const r = await runScenario(s);
      results[s.id] = r.diagnosis;
    }
    setStatus(`ran ${runnable.length} scenarios`, 'ok');
  } finally {
    btn.disabled = false;
  }
  return results;
}

function applyFilter() {
  const q = $('filter').value.trim().toLowerCase();
  for (const art of document.querySelectorAll('article.scenario')) {
    art.hidden = q !== '' && !art.textContent.toLowerCase().includes(q) && !art.closest('.reason-group').dataset.reason.toLowerCase().includes(q);
  }
}

// ------------------------------------------------------------ composer

function composerLines(text, prefix) {
  const out = [];
  for (const line of String(text).split(/\r?\n/)) {
    if (!line.trim()) continue;
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`not a "Name: value" line: ${line}`);
    // One space after the colon is the separator; anything else is kept byte for byte.
    out.push(`${prefix}h=${keepBraces(`${line.slice(0, i).trim()}:${line.slice(i + 1).replace(/^ /, '')}`)}`);
  }
  return out;
}

const keepBraces = (v) => encodeURIComponent(v).replaceAll('%7B', '{').replaceAll('%7D', '}');

function composerRequest(tag) {
  const f = $('composer-form').elements;
  const q = [];
  const num = (name, key) => { const v = f[name].value.trim(); if (v) q.push(`${key}=${encodeURIComponent(v)}`); };
  num('pfStatus', 'pf.status');
  num('status', 'status');
  num('delay', 'delay');
  if (f.type.value) q.push(`type=${encodeURIComponent(f.type.value)}`);
  if (f.pfDrop.checked) q.push('pf.drop=1');
  if (f.drop.checked) q.push('drop=1');
  q.push(...composerLines(f.pfHeaders.value, 'pf.'), ...composerLines(f.resHeaders.value, ''));
  const redirect = (name, key) => {
    let v = f[name].value.trim();
    if (!v) return;
    v = fill(v, origins, tag);
    if (!/[?&]tag=/.test(v)) v += `${v.includes('?') ? '&' : '?'}tag=${encodeURIComponent(tag)}`;
    q.push(`${key}=${keepBraces(v)}`);
  };
  redirect('pfRedirect', 'pf.redirect');
  redirect('redirect', 'redirect');
  q.push(`tag=${encodeURIComponent(tag)}`);
  const base = { api: origins.api, other: origins.other, page: origins.page }[f.target.value] ?? origins.api;
  const headers = {};
  for (const line of f.headers.value.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`request header: not a "Name: value" line: ${line}`);
    headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  const req = {
    kind: f.kind.value,
    method: f.method.value.trim() || 'GET',
    headers,
    credentials: f.credentials.value,
    mode: f.mode.value,
    url: `${base}/api/composer?${q.join('&')}`,
    tag,
  };
  if (f.body.value && !['GET', 'HEAD'].includes(req.method.toUpperCase())) req.body = f.body.value;
  return req;
}

function updateComposerUrl() {
  try {
    const req = composerRequest('T');
    $('composer-url').textContent = req.url;
    // The same request asked from a terminal, as each browser would send it.
    const p = probeCommand(req, origins.page);
    $('composer-probe').textContent = p.command ?? `(${p.why})`;
  } catch (e) {
    $('composer-url').textContent = String(e.message);
    $('composer-probe').textContent = '';
  }
}

async function runComposer(ev) {
  ev?.preventDefault();
  const box = $('composer-result');
  let req;
  try {
    req = composerRequest(newTag('composer'));
  } catch (e) {
    box.replaceChildren(renderError(e, 'Check the form'));
    return null;
  }
  $('composer-url').textContent = req.url;
  return runRequest('composer', req, box);
}

// ------------------------------------------------------------ start

async function start() {
  origins = await findOrigins();
  $('page-origin').textContent = origins.page;
  $('api-origin').textContent = origins.api;
  $('api-origin-2').textContent = origins.api;
  $('other-origin').textContent = origins.other;
  $('this-browser').textContent = BROWSER;
  const [version, reasonList, catalogue] = await Promise.all([
    engine.load(),
    engine.reasons(),
    fetch('lab/scenarios.json', { cache: 'no-store' }).then((r) => {
      if (!r.ok) throw new Error(`lab/scenarios.json: ${r.status}`);
      return r.json();
    }),
  ]);
  reasonsById = new Map(reasonList.map((r) => [r.id, r]));
  scenarios = Array.isArray(catalogue) ? catalogue : catalogue.scenarios;
  $('version').textContent = version;
  renderCatalogue();
  $('run-all').addEventListener('click', runAll);
  $('filter').addEventListener('input', applyFilter);
  $('composer-form').addEventListener('submit', runComposer);
  $('composer-form').addEventListener('input', updateComposerUrl);
  updateComposerUrl();
  setStatus(`engine ${version} ready · ${scenarios.length} scenarios · ${reasonList.length} reasons`, 'ok');
}

const ready = start().catch((e) => {
  setStatus(`could not start: ${e.message ?? e}`, 'error');
  $('catalogue').replaceChildren(renderError(e, 'The lab could not start'));
  throw e;
});

window.whycorsLab = {
  ready,
  browser: BROWSER,
  get origins() { return origins; },
  /** Runs one scenario by id; resolves with {diagnosis, exchange, seen, error}. */
  async run(id) {
    await ready;
    const s = scenarios.find((x) => x.id === id);
    if (!s) throw new Error(`no scenario ${id}`);
    return runScenario(s);
  },
  async runAll() {
    await ready;
    return runAll();
  },
  runComposer: () => ready.then(() => runComposer()),
};

// The playground: pasted header blocks or a HAR file -> the engine's
// diagnoses, all in this page (the engine compiled to wasm, no server).
// Parsing the pasted blocks is the engine's too (exchangeFromRaw, src/raw.rs).
//
// For tests: each diagnosis is an
//   <output class="diagnosis" data-source="raw|har" data-index="N" data-reason="..." data-verdict="...">
// and `window.whycorsPlayground` = { ready, diagnoseRaw(input), diagnoseHarText(text, browser) }.

import * as engine from './engine.js';
import { el, renderDiagnosis, renderError, verdictBadge } from './render.js';

const $ = (id) => document.getElementById(id);
let reasonsById = new Map();

function setStatus(msg, kind = '') {
  $('status').textContent = msg;
  $('status').dataset.kind = kind;
}

// ------------------------------------------------------------ pasted blocks

function rawInput() {
  const f = $('raw-form').elements;
  const v = (name) => f[name].value.trim() || null;
  return {
    url: v('url'),
    origin: v('origin'),
    method: v('method'),
    credentials: v('credentials'),
    mode: v('mode'),
    type: v('type'),
    browser: v('browser'),
    noPreflight: f.noPreflight.checked,
    request: f.request.value,
    preflightRequest: f.preflightRequest.value,
    preflightResponse: f.preflightResponse.value,
    response: f.response.value,
  };
}

async function diagnoseRaw(input = rawInput()) {
  const box = $('raw-result');
  try {
    const exchange = await engine.exchangeFromRaw(input);
    const d = await engine.diagnose(exchange, input.browser || undefined);
    box.replaceChildren(
      el('output', { class: 'diagnosis', dataset: { source: 'raw', index: 0, verdict: d.verdict, reason: d.reason ?? '' } },
        renderDiagnosis(d, { reasons: reasonsById, browser: input.browser || undefined })),
      el('details', { class: 'exchange' }, el('summary', {}, 'The exchange the engine read'),
        el('pre', { class: 'mono' }, JSON.stringify(exchange, null, 2))),
    );
    return d;
  } catch (e) {
    box.replaceChildren(el('output', { class: 'diagnosis', dataset: { source: 'raw', verdict: 'error', error: String(e.message ?? e) } },
      renderError(e, 'Cannot read this')));
    return null;
  }
}

const EXAMPLE = {
  request: 'PUT /api/items/7 HTTP/1.1\nHost: api.example.com\nOrigin: https://app.example.com\nContent-Type: application/json\nAuthorization: Bearer …',
  preflightResponse: 'HTTP/1.1 204 No Content\nAccess-Control-Allow-Origin: https://app.example.com\nAccess-Control-Allow-Methods: GET, POST\nAccess-Control-Allow-Headers: Content-Type, Authorization\nVary: Origin',
  response: '',
};

function loadExample() {
  const f = $('raw-form').elements;
  for (const [k, v] of Object.entries(EXAMPLE)) f[k].value = v;
  f.url.value = 'https://api.example.com/api/items/7';
  f.credentials.value = 'omit';
  f.mode.value = 'cors';
  diagnoseRaw();
}

// ------------------------------------------------------------ HAR

async function diagnoseHarText(textValue, browser = $('har-browser').value || undefined) {
  const box = $('har-result');
  box.replaceChildren(el('p', { class: 'running' }, 'Reading…'));
  let list;
  const t0 = performance.now();
  try {
    list = await engine.diagnoseHar(textValue, browser);
  } catch (e) {
    box.replaceChildren(el('output', { class: 'diagnosis', dataset: { source: 'har', verdict: 'error', error: String(e.message ?? e) } },
      renderError(e, 'Cannot read this file')));
    return null;
  }
  const ms = performance.now() - t0;
  const counts = {};
  for (const d of list) counts[d.verdict] = (counts[d.verdict] ?? 0) + 1;
  const showAll = $('har-all').checked;
  // The engine ranks: 0 blocked, 1 undecided, 2 worth a look, 3 the rest.
  const ranks = await Promise.all(list.map((d) => engine.diagnosisRank(d)));
  const order = list.map((d, i) => [d, i]).sort((a, b) => ranks[a[1]].rank - ranks[b[1]].rank || a[1] - b[1]);
  const shown = order.filter(([, i]) => showAll || ranks[i].rank <= 2);
  const items = shown.map(([d, i], n) => {
    const body = el('div', { class: 'body' });
    const det = el('details', { open: n === 0 },
      el('summary', {}, verdictBadge(d.verdict), d.reason ? el('code', {}, d.reason) : null,
        el('span', { class: 'url' }, `${d.method} ${d.url}`),
        d.findings?.length ? el('span', { class: 'hint' }, `${d.findings.length} finding${d.findings.length > 1 ? 's' : ''}`) : null),
      body);
    const fill = () => { if (!body.firstChild) body.append(renderDiagnosis(d, { reasons: reasonsById, browser })); };
    if (n === 0) fill();
    det.addEventListener('toggle', fill);
    return el('li', {}, el('output', { class: 'diagnosis', dataset: { source: 'har', index: i, verdict: d.verdict, reason: d.reason ?? '' } }, det));
  });
  box.replaceChildren(
    el('p', { class: 'summary-counts' },
      `${list.length} cross-origin exchange${list.length === 1 ? '' : 's'} diagnosed in ${ms.toFixed(0)} ms: `,
      Object.entries(counts).map(([v, c], k) => [k ? ', ' : '', `${c} ${v}`]),
      shown.length < list.length ? ` (showing ${shown.length}; tick “show allowed” for the rest)` : ''),
    items.length ? el('ul', { class: 'har-list' }, items) : el('p', {}, 'Nothing blocked, nothing to flag.'),
  );
  return list;
}

async function readFile(file) {
  if (!file) return;
  setStatus(`reading ${file.name} (${Math.round(file.size / 1024)} KiB)`);
  const textValue = await file.text();
  await diagnoseHarText(textValue);
  setStatus(`${file.name} diagnosed`, 'ok');
}

// ------------------------------------------------------------ start

async function start() {
  const [version, list] = await Promise.all([engine.load(), engine.reasons()]);
  reasonsById = new Map(list.map((r) => [r.id, r]));
  $('version').textContent = version;
  $('raw-form').addEventListener('submit', (e) => { e.preventDefault(); diagnoseRaw(); });
  $('example').addEventListener('click', loadExample);
  $('clear').addEventListener('click', () => { $('raw-form').reset(); $('raw-result').replaceChildren(); });
  $('file').addEventListener('change', (e) => readFile(e.target.files[0]));
  $('har-go').addEventListener('click', () => diagnoseHarText($('har-text').value));
  const dz = $('dropzone');
  dz.addEventListener('dragover', (e) => { e.preventDefault(); dz.classList.add('over'); });
  dz.addEventListener('dragleave', () => dz.classList.remove('over'));
  dz.addEventListener('drop', (e) => { e.preventDefault(); dz.classList.remove('over'); readFile(e.dataTransfer.files[0]); });
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => { if (!dz.contains(e.target)) { e.preventDefault(); readFile(e.dataTransfer?.files?.[0]); } });
  setStatus(`engine ${version} ready · ${list.length} reasons`, 'ok');
}

const ready = start().catch((e) => {
  setStatus(`could not start: ${e.message ?? e}`, 'error');
  throw e;
});

window.whycorsPlayground = {
  ready,
  diagnoseRaw: (input) => ready.then(() => diagnoseRaw(input ? { ...rawInput(), ...input } : undefined)),
  diagnoseHarText: (t, b) => ready.then(() => diagnoseHarText(t, b)),
};

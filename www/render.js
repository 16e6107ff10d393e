// Renders the engine's Diagnosis (shapes: pkg/whycors.d.ts) as DOM, for the
// lab page and the playground. Every value goes in as text (textContent or
// text nodes); nothing is ever parsed as markup. No CORS logic: this only
// shows what the engine decided.

/** Creates an element. `attrs`: class, dataset (object), href, title, ... ; children: nodes or strings. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) { if (dv !== undefined && dv !== null) node.dataset[dk] = String(dv); }
    else if (k === 'href') { if (safeUrl(v)) node.setAttribute('href', v); }
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Only http(s) links from data are ever made clickable. */
export function safeUrl(u) {
  try {
    const url = new URL(String(u), location.href);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

const VERDICT_LABEL = {
  blocked: 'Blocked',
  allowed: 'Allowed',
  undecided: 'Undecided',
  // Diagnosis schema 1's name for it.
  'blocked-if-credentialed': 'Undecided',
  'not-cors': 'Not a CORS request',
  'network-error': 'Network error (not CORS)',
  unknown: 'Unknown',
};

const BROWSER_LABEL = { chromium: 'Chromium', firefox: 'Firefox' };

export function verdictBadge(verdict) {
  return el('span', { class: `badge verdict-${verdict}`, dataset: { verdict } }, VERDICT_LABEL[verdict] ?? String(verdict));
}

const plain = (t) => (t && typeof t === 'object' ? t.text : t ?? '');

/**
 * A message's rendered English as nodes: `backticked` spans become <code>,
 * everything else is text. Never markup.
 */
export function rich(t) {
  const parts = String(plain(t)).split('`');
  if (parts.length % 2 === 0) return [parts.join('`')]; // unbalanced: keep as written
  return parts.map((p, i) => (i % 2 ? el('code', {}, p) : p)).filter((p) => p !== '');
}
const text = rich;

function stageLabel(stage, hop) {
  if (stage === 'redirect') return `redirect ${Number.isInteger(hop) ? `#${hop + 1}` : ''}`.trim();
  if (stage === 'actual') return 'actual response';
  return String(stage);
}

function code(v, cls = '') {
  return v === null || v === undefined ? el('span', { class: 'absent' }, '(absent)') : el('code', { class: cls }, String(v));
}

function section(title, ...children) {
  return el('section', { class: 'd-section' }, el('h4', {}, title), ...children);
}

function copyButton(getText, label = 'Copy') {
  const b = el('button', { type: 'button', class: 'copy' }, label);
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(getText());
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Select and copy';
    }
    setTimeout(() => { b.textContent = label; }, 1500);
  });
  return b;
}

/**
 * The whole diagnosis as a DOM tree. `opts.reasons`: Map id -> ReasonInfo
 * (for titles); `opts.browser`: the browser the page runs in (highlighted).
 */
export function renderDiagnosis(d, opts = {}) {
  const reasons = opts.reasons ?? new Map();
  const info = d.reason ? reasons.get(d.reason) : null;
  const root = el('div', { class: `diagnosis-view verdict-${d.verdict}` });

  root.append(el('div', { class: 'd-head' },
    verdictBadge(d.verdict),
    d.reason ? el('span', { class: 'reason-id' }, el('code', {}, d.reason)) : null,
    info ? el('span', { class: 'reason-title' }, text(info.title)) : null,
    d.stoppedBy ? el('span', { class: 'reason-title', dataset: { stoppedBy: d.stoppedBy.id } }, text(d.stoppedBy.title)) : null,
  ));
  root.append(el('div', { class: 'd-request mono' },
    el('span', { class: 'method' }, d.method), ' ', el('span', { class: 'url' }, d.url),
    d.origin ? el('span', { class: 'from' }, ' from ', el('span', {}, d.origin)) : null,
  ));

  // Each browser's own view.
  const rows = (d.browsers ?? []).map((b) => el('tr', { class: b.browser === opts.browser ? 'this-browser' : '', dataset: { browser: b.browser } },
    el('th', { scope: 'row' }, BROWSER_LABEL[b.browser] ?? b.browser, b.browser === opts.browser ? el('span', { class: 'you' }, ' (this page)') : null),
    el('td', {}, verdictBadge(b.verdict)),
    el('td', {}, b.name ? el('code', {}, b.name) : '—', b.parameter ? el('span', { class: 'param' }, ' [', el('code', {}, b.parameter), ']') : null),
    el('td', { class: 'console' }, b.message ? el('span', { class: 'console-line' }, b.message) : '—',
      ...(b.also ?? []).map((a) => el('span', { class: 'console-line also' }, a))),
  ));
  root.append(section('What each browser does',
    el('table', { class: 'browsers' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Browser'), el('th', {}, 'Verdict'), el('th', {}, 'Its name for it'), el('th', {}, 'Console message'))),
      el('tbody', {}, rows)),
    d.browsersDiffer ? el('p', { class: 'note' }, 'Chromium and Firefox treat this exchange differently.') : null,
  ));

  if (d.alternatives?.length) {
    root.append(section('Other possibilities', el('ul', {}, d.alternatives.map((a) => el('li', {},
      el('code', {}, a.reason), a.name ? [' (', el('code', {}, a.name), ')'] : null,
      a.browser ? ` in ${BROWSER_LABEL[a.browser] ?? a.browser}` : '', ': ', text(a.when))))));
  }

  if (d.evidence?.length) {
    root.append(section('Evidence', el('table', { class: 'evidence' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Where'), el('th', {}, 'Header'), el('th', {}, 'Observed'), el('th', {}, 'Would pass'), el('th', {}, 'Fetch Standard'))),
      el('tbody', {}, d.evidence.map((e) => el('tr', {},
        el('td', {}, stageLabel(e.stage, e.hop)),
        el('td', {}, e.header ? el('code', {}, e.header) : '—'),
        el('td', {}, code(e.observed, 'observed')),
        el('td', {}, code(e.expected, 'expected')),
        el('td', {}, e.specUrl && safeUrl(e.specUrl) ? el('a', { href: e.specUrl, target: '_blank', rel: 'noopener noreferrer' }, e.fetchStep) : e.fetchStep),
      ))))));
  }

  if (d.explanation || d.link) {
    root.append(section('Why',
      d.explanation ? el('p', {}, text(d.explanation)) : null,
      info?.why ? el('p', { class: 'why' }, text(info.why)) : null,
      d.link && safeUrl(d.link) ? el('p', {}, el('a', { href: d.link, target: '_blank', rel: 'noopener noreferrer' }, 'Read more: ', d.link)) : null,
    ));
  }

  if (d.stoppedBy?.fix?.text) root.append(section('What to do', el('p', {}, text(d.stoppedBy.fix))));

  if (d.fix) root.append(renderFix(d.fix));

  const findingList = (list) => el('ul', { class: 'findings' }, list.map((f) => el('li', { class: `severity-${f.severity}`, dataset: { finding: f.id } },
    el('span', { class: `badge severity-${f.severity}` }, f.severity), ' ', text(f.text),
    f.link && safeUrl(f.link) ? [' ', el('a', { href: f.link, target: '_blank', rel: 'noopener noreferrer' }, 'more')] : null)));
  if (d.hints?.length) root.append(section('Probable root cause', findingList(d.hints)));
  if (d.findings?.length) root.append(section('Findings', findingList(d.findings)));
  if (d.missing?.length) root.append(section('Missing facts', el('ul', {}, d.missing.map((m) => el('li', {}, text(m))))));
  if (d.notes?.length) root.append(section('Browser notes', el('ul', {}, d.notes.map((m) => el('li', {}, text(m))))));
  return root;
}

const ACTION = {
  'set-header': (c) => ['Set ', el('code', {}, c.target), ' to ', code(c.value)],
  'remove-header': (c) => ['Remove ', el('code', {}, c.target)],
  'set-status': (c) => ['Answer with status ', code(c.value)],
  'set-location': (c) => (c.value === null ? ['Do not redirect'] : ['Redirect to ', code(c.value)]),
  client: (c) => ['In the page: ', el('code', {}, c.target), c.value !== null ? [' → ', code(c.value)] : null],
};

export function renderFix(fix) {
  const changes = el('ol', { class: 'changes' }, fix.changes.map((c) => el('li', {},
    el('span', { class: 'stage' }, stageLabel(c.stage, c.hop)), ' ', ...(ACTION[c.action]?.(c) ?? [c.action, ' ', c.target, ' ', c.value ?? '']))));
  const verified = fix.verified?.length
    ? (fix.verification
      ? el('p', { class: 'verified' }, '✓ ', text(fix.verification))
      : el('p', { class: 'verified' }, '✓ Re-checked by the engine: allowed in ', fix.verified.map((b) => BROWSER_LABEL[b] ?? b).join(' and '), ' with this change.'))
    : el('p', { class: 'unverified' }, 'Not verified by the engine.');
  const out = section('Fix', el('p', { class: 'fix-summary' }, text(fix.summary)), changes, verified);
  if (fix.snippets?.length) {
    const select = el('select', { 'aria-label': 'Server' }, fix.snippets.map((s, i) => el('option', { value: String(i) }, s.label)));
    const pre = el('pre', { class: 'snippet' });
    const notes = el('ul', { class: 'snippet-notes' });
    const show = () => {
      const s = fix.snippets[Number(select.value)] ?? fix.snippets[0];
      pre.textContent = s.code;
      pre.dataset.language = s.language;
      notes.replaceChildren(...(s.notes ?? []).map((n) => el('li', {}, text(n))));
    };
    select.addEventListener('change', show);
    show();
    out.append(el('div', { class: 'snippet-bar' }, el('label', {}, 'Server configuration: ', select), copyButton(() => pre.textContent)), pre, notes);
  }
  return out;
}

/** An Error as a visible message. */
export function renderError(e, what = 'Error') {
  return el('div', { class: 'error-box', role: 'alert' }, el('strong', {}, `${what}: `), String(e && e.message ? e.message : e));
}

/** Name: value lines to [{name, value}] (blank lines skipped; the first ':' splits). */
export function headerLines(textValue) {
  const out = [];
  for (const line of String(textValue ?? '').split(/\r?\n/)) {
    if (!line.trim()) continue;
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`not a "Name: value" line: ${line}`);
    out.push({ name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() });
  }
  return out;
}

/** The page's browser, for the per-browser verdict ("firefox" or "chromium"). */
export function thisBrowser() {
  return /Firefox\//.test(navigator.userAgent) ? 'firefox' : 'chromium';
}

// The popup: the current tab's blocked requests grouped by reason, the latest
// few with their one-line fix (asked for: the full diagnosis is computed on demand), and a pointer to the CORS panel. Text only.
import { t, localize } from './browser.js';
import { el, targetTabId, send, watch } from './ui.js';

const LATEST = 5;

async function render(tabId) {
  const res = await send({ type: 'list', tabId, since: 0 });
  const rows = res?.rows ?? [];
  // The engine's flags (src/webrequest/view.rs): blocked, and rank 1, undecided.
  const blocked = rows.filter((r) => r.bl === true);
  const maybe = rows.filter((r) => r.rk === 1);
  const summary = document.getElementById('summary');
  summary.textContent = blocked.length
    ? t('popupBlocked', [String(blocked.length), String(rows.length)])
    : t('popupNoneBlocked', [String(rows.length)]);
  summary.className = blocked.length ? 'bad' : '';
  if (res?.dropped) summary.textContent += ` · ${t('countDropped', [String(res.dropped)])}`;
  if (res?.pending) summary.textContent += ` · ${t('countPending', [String(res.pending)])}`;

  const groups = new Map();
  for (const r of blocked) groups.set(r.r ?? '?', (groups.get(r.r ?? '?') ?? 0) + 1);
  const g = document.getElementById('groups');
  g.replaceChildren();
  if (groups.size) {
    g.append(
      el('h3', { text: t('byReason') }),
      el('ul', {}, [...groups].sort((a, b) => b[1] - a[1]).map(([reason, n]) => el('li', {}, el('span', { className: 'reason', text: reason }), ` × ${n}`))),
    );
  }
  if (maybe.length) g.append(el('p', { className: 'sev-warning', text: t('popupMaybe', [String(maybe.length)]) }));

  const latest = document.getElementById('latest');
  latest.replaceChildren();
  const recent = blocked.sort((a, b) => b.id - a.id).slice(0, LATEST);
  // The one-line fix comes with the full diagnosis, computed when asked for
  // (the background caches it and the row keeps it).
  const ask = recent.filter((r) => r.fx == null).map((r) => r.id);
  if (ask.length) {
    const got = await send({ type: 'fixes', tabId, ids: ask }).catch(() => null);
    for (const r of recent) if (got?.fixes?.[r.id]) r.fx = got.fixes[r.id];
  }
  if (recent.length) {
    latest.append(
      el('h3', { text: t('latestBlocked') }),
      el('ul', {}, recent.map((r) => el('li', {},
        el('span', { className: 'reason', text: `${r.m} ${r.r ?? ''}` }),
        el('div', { className: 'url', text: r.u }),
        r.fx ? el('span', { className: 'fix', text: r.fx }) : ''))),
    );
  }
  document.documentElement.dataset.ready = '1';
}

async function main() {
  localize();
  const tabId = await targetTabId();
  let timer = 0;
  watch(tabId, () => {
    clearTimeout(timer);
    timer = setTimeout(() => render(tabId), 200);
  });
  await render(tabId);
}

main();

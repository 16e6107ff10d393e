// Real DevTools HAR exports of the lab scenarios, with what the browser did
// in the same run. Shared by tests/capture/chromium-har.mjs and
// tests/capture/firefox-har.mjs.
//
// Every scenario of www/lab/scenarios.json that runs in the browser is fired
// from a "run page": scenarios that share a browser launch (flags, prefs, an
// add-on) and a page (the lab page, or the scenario's `from`) form a group,
// fired together (`fireInPage`, all at once) from one page load; the page
// holds its load event with a same-origin image answered after HOLD_MS, so
// every request is done before Firefox's HAR automation exports on
// `dom-complete`. Each group is one page load and one real export:
//
//   <out>.har            the group of the lab page in the default launch
//                        (<out>: tests/data/har/lab/chromium-156[-nocookie], ...)
//   <out>.<first-id>.har every other group, named by its first scenario
//   <out>.verdicts.json  per scenario: which export, its tag and URL, and
//                        what the browser did (tests/data/har/README.md)
//
// The browser's verdict comes from the same run: Chromium's CDP events and
// DevTools issues, Firefox's console (WebDriver BiDi and the console
// service), classified like the fixtures (`classify` in capture.mjs).
//
// With `cookie` the run page sets `whycors=1` (path /, host of the page)
// before firing, so credentialed requests carry Cookie; scenarios that set
// their own cookie do not (one cookie for the whole page). Without it, no
// cookie at all.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadScenarios, scenarioUrl, requestOf, fireInPage, fill, ROOT } from '../harness/scenarios.mjs';
import { startLab } from '../harness/lab.mjs';
import { startExtras } from '../harness/tls.mjs';
import { browserVerdicts } from '../harness/verdicts.mjs';
import { launchKey, launchOptions, runsIn, classify, CAPTURE_PORTS, CAPTURE_EXTRA_PORTS } from './capture.mjs';

/** How long the run page's load event is held (ms): longer than any scenario takes. */
export const HOLD_MS = 4000;
/** Format of the `.verdicts.json` files (tests/data/har/README.md). */
export const VERDICTS_FORMAT = 1;

/** The tag of a scenario's requests in a HAR run (the `tag` query parameter of its URLs). */
export function harTag(id) {
  return `har-${id}`;
}

/**
 * Scenarios grouped by browser launch and page: [{slug, key, from, scenarios}].
 * A scenario whose URL carries no tag (a file:// URL) gets a page of its own,
 * so that its entries are told apart by URL.
 */
export function harGroups(browser, scenarios, origins) {
  const groups = new Map();
  for (const s of scenarios.filter((x) => runsIn(x, browser))) {
    const launch = launchKey(s, browser, origins);
    const from = s.from ?? null;
    const own = s.url && !s.url.includes('{tag}') ? s.id : '';
    const key = JSON.stringify([launch, from, own]);
    if (!groups.has(key)) groups.set(key, { key, launch, from, scenarios: [] });
    groups.get(key).scenarios.push(s);
  }
  const out = [...groups.values()];
  for (const g of out) g.slug = !g.launch && !g.from && g === out.find((x) => !x.launch && !x.from) ? 'lab' : g.scenarios[0].id;
  return out;
}

/** The requests a group fires, as `fireInPage` takes them (plus `id`). */
export function groupRequests(group, origins) {
  return group.scenarios.map((s) => {
    const { cookie, ...req } = requestOf(s);
    return { id: s.id, ...req, url: scenarioUrl(s, origins, harTag(s.id)) };
  });
}

/** The run page's script: fires every request at once; `window.whycorsDone` settles when all did. */
export function runScript(reqs, { cookie }) {
  return `${fireInPage.toString()}
${cookie ? "try { document.cookie = 'whycors=1; path=/; SameSite=Lax'; } catch (e) { /* an opaque origin has no cookies */ }" : ''}
window.whycorsResults = {};
window.whycorsDone = Promise.all(${JSON.stringify(reqs)}.map((r) => fireInPage(r).then(
  (o) => { window.whycorsResults[r.id] = o; },
  (e) => { window.whycorsResults[r.id] = { rejected: null, error: 'harness: ' + e }; })));
`;
}

/**
 * Writes what a group's run page needs and returns its URL. The page is the
 * group's `from` (its origin and headers: a lab page gets a `body` loading the
 * run script from the same origin), else `<page>/run-<slug>.html`; a data:
 * page carries the whole script; a file:// page is written beside `from`.
 */
export function preparePage(group, origins, www, { cookie }) {
  const reqs = groupRequests(group, origins);
  for (const s of group.scenarios) {
    for (const [file, content] of Object.entries(s.files ?? {})) {
      const p = fill(file, origins, '');
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, fill(content, origins, ''));
    }
  }
  const script = runScript(reqs, { cookie });
  const holdAbs = `${origins.page}/api/har-hold?type=png&delay=${HOLD_MS}`;
  const html = (scriptTag, hold) => `<!doctype html><meta charset="utf-8"><title>whycors HAR run: ${group.slug}</title>`
    + `<body><p>firing ${reqs.length} scenario(s)</p>${scriptTag}<img src="${hold}" alt=""></body>`;
  fs.writeFileSync(path.join(www, `run-${group.slug}.js`), script);
  if (!group.from) {
    fs.writeFileSync(path.join(www, `run-${group.slug}.html`), html(`<script src="/run-${group.slug}.js"></script>`, `/api/har-hold?type=png&delay=${HOLD_MS}`));
    return `${origins.page}/run-${group.slug}.html`;
  }
  const from = fill(group.from, origins, '');
  if (from.startsWith('data:')) {
    return `data:text/html,${encodeURIComponent(html(`<script>${script}</script>`, holdAbs))}`;
  }
  if (from.startsWith('file:')) {
    const p = path.join(path.dirname(fileURLToPath(from)), `run-${group.slug}.html`);
    fs.writeFileSync(p, html(`<script>${script}</script>`, holdAbs));
    return pathToFileURL(p).href;
  }
  // A lab page (`.../api/...?type=html...`): same URL, with a body loading the run script.
  const u = new URL(from);
  if (!u.pathname.startsWith('/api/')) throw new Error(`${group.slug}: cannot make a run page at ${from}`);
  const body = html(`<script src="/run-${group.slug}.js"></script>`, `/api/har-hold?type=png&delay=${HOLD_MS}`);
  return `${from}${from.includes('?') ? '&' : '?'}body=${encodeURIComponent(body)}`;
}

/**
 * How many entries of a HAR belong to a scenario's line: its tag in the URL's
 * query (preflights and redirect hops carry it too), or, with no tag, its URL.
 */
export function entriesOf(har, line) {
  return (har?.log?.entries ?? []).filter((e) => {
    const u = e.request?.url ?? '';
    if (!line.tag) return u === line.url;
    try {
      return new URL(u).searchParams.get('tag') === line.tag;
    } catch {
      return false;
    }
  }).length;
}

/** One scenario's line in the verdicts file. */
export function verdictEntry(browser, scenario, req, v, pageResult, harFile) {
  const c = classify(browser, v, pageResult, req, scenario);
  const url = req.url;
  return {
    id: scenario.id,
    har: harFile,
    tag: url.includes(`tag=${harTag(scenario.id)}`) ? harTag(scenario.id) : null,
    url,
    request: {
      kind: req.kind,
      method: req.method,
      credentials: req.credentials,
      mode: req.mode,
      ...('crossorigin' in req ? { crossorigin: req.crossorigin } : {}),
    },
    outcome: c.verdict,
    name: c.name,
    reason: c.reason,
    parameter: browser === 'chromium' ? (v.failedParameter ?? null) : (v.param ?? null),
    stoppedBy: c.stoppedBy,
    errorText: v.errorText ?? null,
    pageRejected: pageResult?.rejected ?? null,
    pageError: pageResult?.error ?? null,
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs every group in one browser and writes the exports and the verdicts
 * file. `exportHar(launched, group)` returns the HAR text of the page load
 * just done (after `window.whycorsDone`); `launch(opts)` starts the browser
 * for a launch key. Returns the verdicts document.
 */
export async function recordHars({ browser, out, cookie, ids, launch, afterLaunch, exportHar }) {
  let scenarios = loadScenarios();
  if (ids) scenarios = scenarios.filter((s) => ids.includes(s.id));
  const www = fs.mkdtempSync(path.join(os.tmpdir(), `whycors-har-${browser}-`));
  const lab = await startLab({ ...CAPTURE_PORTS, www });
  let extras = null;
  const doc = { format: VERDICTS_FORMAT, browser, version: null, cookie, recordedWith: null, exports: [], scenarios: [] };
  try {
    extras = await startExtras(lab, CAPTURE_EXTRA_PORTS);
    const { origins } = lab;
    const groups = harGroups(browser, scenarios, origins);
    const byLaunch = new Map();
    for (const g of groups) {
      if (!byLaunch.has(g.launch)) byLaunch.set(g.launch, []);
      byLaunch.get(g.launch).push(g);
    }
    for (const [key, list] of byLaunch) {
      const launched = await launch(launchOptions(key));
      try {
        doc.version = launched.version;
        const ctx = await afterLaunch(launched);
        for (const g of list) {
          const url = preparePage(g, origins, www, { cookie });
          const page = ctx.page;
          const verdicts = await browserVerdicts(page, browser);
          let results = {};
          try {
            await page.goto(url, { waitUntil: 'load', timeout: 60000 });
            results = await page.evaluate(() => Promise.race([window.whycorsDone, new Promise((r) => setTimeout(r, 30000))]).then(() => window.whycorsResults));
            await verdicts.settle(null, { quietMs: 500, maxMs: 8000, minMs: 300 });
          } finally {
            await verdicts.dispose();
          }
          const text = await exportHar(launched, ctx, g);
          const file = `${path.basename(out)}${g.slug === 'lab' ? '' : `.${g.slug}`}.har`;
          const har = JSON.parse(text);
          fs.mkdirSync(path.dirname(out), { recursive: true });
          fs.writeFileSync(path.join(path.dirname(out), file), JSON.stringify(har, null, 2) + '\n');
          doc.recordedWith ??= har.log?.creator ?? null;
          doc.exports.push({ har: file, page: url.startsWith('data:') ? 'data:text/html,…' : url.split('?')[0], scenarios: g.scenarios.map((s) => s.id), entries: har.log.entries.length });
          const reqs = groupRequests(g, origins);
          for (const s of g.scenarios) {
            const req = reqs.find((r) => r.id === s.id);
            const sel = s.url && !s.url.includes('{tag}') ? (u) => u === req.url || u.startsWith(req.url.split('?')[0]) : harTag(s.id);
            const line = verdictEntry(browser, s, req, verdicts.verdict(sel), results?.[s.id], file);
            line.entries = entriesOf(har, line);
            doc.scenarios.push(line);
          }
          console.log(`${browser} ${g.slug}: ${g.scenarios.length} scenario(s), ${har.log.entries.length} entries -> ${file}`);
        }
      } finally {
        await launched.close();
      }
    }
  } finally {
    await extras?.stop();
    await lab.stop();
    fs.rmSync(www, { recursive: true, force: true });
  }
  const vfile = `${out}.verdicts.json`;
  fs.writeFileSync(vfile, JSON.stringify(doc, null, 2) + '\n');
  // Where firing everything from one page made the browser say something else
  // than the catalogue (one scenario per page) records.
  for (const e of doc.scenarios) {
    const s = scenarios.find((x) => x.id === e.id);
    const want = s?.expect?.[browser];
    if (want !== undefined && want !== e.name) console.log(`  note: ${e.id}: ${browser} said ${e.name} in the HAR run; the catalogue says ${want}`);
  }
  console.log(`wrote ${path.relative(ROOT, vfile)}: ${doc.scenarios.length} scenarios in ${doc.exports.length} export(s)`);
  return doc;
}

export { sleep };

// What `capture.mjs --check` compares: a re-recorded fixture against the
// committed one. The browser's version is metadata (a newer patch release of
// Chromium or Firefox ESR must not fail CI when nothing it did changed), so
// exactly two fields are left out of the comparison: the fixture's
// `browserVersion` and its embedded HAR's `log.browser.version`. Everything
// the browser did stays in it: the names it reported and their parameters,
// the headers it sent, the statuses, the outcome.
//
// The stored `exchange` is derived (labrecord's current output, rebuilt by
// tests/fixtures.rs), so a difference there alone is reported apart.

/** The JSON text the fixtures are stored as. */
export function serialize(fx) {
  return `${JSON.stringify(fx, null, 2)}\n`;
}

/** The versions a fixture records: {browser, har} (either may be null). */
export function versionsOf(fx) {
  return {
    browser: fx?.browserVersion ?? null,
    har: fx?.har?.log?.browser?.version ?? null,
  };
}

/** A copy without the version fields (and, with `exchange: false`, without the derived exchange). */
export function withoutVersions(fx, { exchange = true } = {}) {
  const o = structuredClone(fx);
  delete o.browserVersion;
  if (o.har?.log?.browser && typeof o.har.log.browser === 'object') delete o.har.log.browser.version;
  if (!exchange) delete o.exchange;
  return o;
}

/**
 * Compares a committed fixture's text with a re-recorded one.
 * Returns {status, versions: {committed, recorded}}, where status is
 *   'same'      equal but for the version fields,
 *   'exchange'  only the derived exchange differs (labrecord changed),
 *   'differs'   what the browser or the server did differs.
 * `lines` (for 'differs'): the first differing lines, without versions and exchange.
 */
export function compareFixture(committedText, recordedText) {
  const a = JSON.parse(committedText);
  const b = JSON.parse(recordedText);
  const versions = { committed: versionsOf(a), recorded: versionsOf(b) };
  if (serialize(withoutVersions(a)) === serialize(withoutVersions(b))) return { status: 'same', versions };
  const x = serialize(withoutVersions(a, { exchange: false }));
  const y = serialize(withoutVersions(b, { exchange: false }));
  if (x === y) return { status: 'exchange', versions };
  return { status: 'differs', versions, lines: differingLines(x, y) };
}

/** Up to `max` differing lines of two texts: [{line, committed, recorded}]. */
export function differingLines(a, b, max = 12) {
  const x = a.split('\n');
  const y = b.split('\n');
  const out = [];
  for (let i = 0; i < Math.max(x.length, y.length) && out.length < max; i++) {
    if (x[i] !== y[i]) out.push({ line: i + 1, committed: x[i], recorded: y[i] });
  }
  return out;
}

/**
 * One line per browser naming the version that ran and the versions the
 * committed fixtures were recorded with, e.g.
 * `chromium 156.0.8078.114 ran; fixtures recorded with 156.0.8078.108`.
 * `ran`: Map(browser -> version that ran); `recordedWith`: Map(browser -> Set of versions).
 */
export function versionReport(ran, recordedWith) {
  const lines = [];
  for (const [browser, version] of ran) {
    const old = [...(recordedWith.get(browser) ?? [])].filter(Boolean).sort();
    const same = old.length === 1 && old[0] === version;
    lines.push(`${browser} ${version} ran; fixtures recorded with ${old.length ? old.join(', ') : '(none)'}${same || !old.length ? '' : ' (versions are metadata: not compared)'}`);
  }
  return lines;
}

/**
 * The whole `--check`: every re-recorded fixture against the committed ones.
 * `committed`, `produced`: Map(relative path -> text). `ranScenario(fx)`: whether
 * a committed fixture's scenario and browser ran this time (a committed recorded
 * fixture of a scenario that ran but produced nothing at that path is stale).
 * Returns {diffs, lines}: how many fixtures differ, and the report to print.
 */
export function checkFixtures(committed, produced, { ranScenario = () => true } = {}) {
  const lines = [];
  let diffs = 0;
  const ran = new Map();
  const recordedWith = new Map();
  for (const [p, text] of produced) {
    const fx = JSON.parse(text);
    ran.set(fx.browser, fx.browserVersion ?? null);
    const old = committed.get(p);
    if (old === undefined) {
      lines.push(`NEW       ${p} (not committed)`);
      diffs++;
      continue;
    }
    const c = compareFixture(old, text);
    if (!recordedWith.has(fx.browser)) recordedWith.set(fx.browser, new Set());
    recordedWith.get(fx.browser).add(c.versions.committed.browser);
    if (c.status === 'exchange') {
      // tests/fixtures.rs (stored_exchanges_match_records) reports a stale exchange.
      lines.push(`EXCHANGE  ${p} (labrecord now builds another exchange from the same records: re-run capture to refresh)`);
    } else if (c.status === 'differs') {
      lines.push(`DIFFERS   ${p}`);
      for (const l of c.lines) lines.push(`    line ${l.line}:\n      - ${l.committed}\n      + ${l.recorded}`);
      diffs++;
    }
  }
  const names = new Set([...produced.keys()].map((p) => p.split('/').pop()));
  for (const [p, text] of committed) {
    if (produced.has(p)) continue;
    let fx;
    try { fx = JSON.parse(text); } catch { continue; }
    if (fx.source !== 'recorded' || !ranScenario(fx)) continue;
    lines.push(`STALE     ${p} (the scenario now records ${names.has(p.split('/').pop()) ? 'under another reason' : 'nothing here'})`);
    diffs++;
  }
  for (const line of versionReport(ran, recordedWith)) lines.push(`versions: ${line}`);
  lines.push(diffs ? `${diffs} fixture(s) differ from what the browsers say now` : `all ${produced.size} fixtures reproduce`);
  return { diffs, lines };
}

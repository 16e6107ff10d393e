#!/usr/bin/env node
// Runs the lab scenarios (www/lab/scenarios.json) for real in headless
// Chromium 156 and headless Firefox ESR 153, captures what each browser says
// (Chromium: CDP corsErrorStatus; Firefox: the console line mapped to its
// message key), fetches the lab server's record of the bytes exchanged, and
// writes one fixture per scenario and browser:
//
//   tests/fixtures/<ReasonId>/<scenario>.<browser>.json
//
// Usage:
//   node tests/capture/capture.mjs                 # capture every scenario, write fixtures
//   node tests/capture/capture.mjs --only id,id    # just these scenarios
//   node tests/capture/capture.mjs --browser firefox
//   node tests/capture/capture.mjs --check         # re-capture, diff against the committed fixtures, exit 1 on difference
//   node tests/capture/capture.mjs --print         # print verdicts, write nothing
//
// The lab runs on fixed ports (18801 page, 18802 api, 18803 other) so URLs in
// fixtures are stable; WHYCORS_LAB=page,api,other uses a lab already running.
// Volatile fields (timestamps, Date headers, Firefox's Priority request header,
// record sequence numbers (renumbered in order), HAR entry order) are
// normalized so that re-running reproduces the committed fixtures.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launch } from '../harness/browsers.mjs';
import { browserVerdicts } from '../harness/verdicts.mjs';
import { startLab } from '../harness/lab.mjs';
import { startExtras } from '../harness/tls.mjs';
import { loadScenarios, scenarioUrl, scenarioPage, requestOf, fireInPage, ROOT, fill } from '../harness/scenarios.mjs';
import { reasonOf } from '../harness/names.mjs';
import { checkFixtures, serialize } from './compare.mjs';

export const FIXTURES_DIR = path.join(ROOT, 'tests/fixtures');
export const CAPTURE_PORTS = { pagePort: 18801, apiPort: 18802, otherPort: 18803 };
/** TLS in front of the page and api origins, and a port where nothing listens (tests/harness/tls.mjs). */
export const CAPTURE_EXTRA_PORTS = { tlsPagePort: 18804, tlsApiPort: 18805, closedPort: 18809 };
export const BROWSERS = ['chromium', 'firefox'];
/** The page scenarios fire from: a bare HTML page on the lab's page origin (not recorded: no tag). */
export const DEFAULT_PAGE_PATH = '/api/blank?type=html';

/** Launch options a scenario needs beyond the defaults (extra flags or prefs, an add-on, trusting the test certificate). */
export function launchKey(scenario, browser, origins) {
  if (browser === 'chromium' && (scenario.chromiumArgs?.length || scenario.chromiumExtension)) {
    return JSON.stringify({
      ...(scenario.chromiumArgs?.length ? { args: scenario.chromiumArgs.map((a) => (origins ? fill(a, origins, '') : a)) } : {}),
      ...(scenario.chromiumExtension ? { extensionDir: path.join(ROOT, scenario.chromiumExtension) } : {}),
    });
  }
  if (browser === 'firefox' && (scenario.firefoxExtension || scenario.firefoxAcceptInsecureCerts
    || (scenario.firefoxPrefs && Object.keys(scenario.firefoxPrefs).length))) {
    const prefs = Object.fromEntries(Object.entries(scenario.firefoxPrefs ?? {})
      .map(([k, v]) => [k, typeof v === 'string' && origins ? fill(v, origins, '') : v]));
    return JSON.stringify({
      prefs,
      ...(scenario.firefoxExtension ? { extensionDir: path.join(ROOT, scenario.firefoxExtension) } : {}),
      ...(scenario.firefoxAcceptInsecureCerts ? { acceptInsecureCerts: true } : {}),
    });
  }
  return '';
}

export function launchOptions(key) {
  return key ? JSON.parse(key) : {};
}

/** Whether a scenario runs in a browser (`browsers` limits it). */
export function runsIn(scenario, browser) {
  return !scenario.browsers || scenario.browsers.includes(browser);
}

/** Files a scenario needs on disk (for `file://` pages), written before it runs. */
function writeScenarioFiles(scenario, origins, tag) {
  for (const [file, content] of Object.entries(scenario.files ?? {})) {
    const p = fill(file, origins, tag);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, fill(content, origins, tag));
  }
}

/**
 * Runs one scenario in an open browser: a fresh page on the lab's page
 * origin, the real request, the browser's verdict, the server's records.
 * @param {{browser, name, version}} launched  from launchChromium/launchFirefox
 * @param {{origins, records}} lab             from startLab
 * @param {object} scenario
 * @param {string} tag                          groups this run's records
 */
export async function runScenario(launched, lab, scenario, tag, { pagePath } = {}) {
  const { origins } = lab;
  const url = scenarioUrl(scenario, origins, tag);
  const req = requestOf(scenario);
  writeScenarioFiles(scenario, origins, tag);
  const page = await launched.browser.newPage();
  const verdicts = await browserVerdicts(page, launched.name);
  let pageResult;
  const from = scenarioPage(scenario, origins, tag, pagePath ? `${origins.page}${pagePath}` : undefined);
  try {
    await page.goto(from, { waitUntil: 'load' });
    pageResult = await page.evaluate(fireInPage, { ...req, url });
    await verdicts.settle(tag);
  } finally {
    await verdicts.dispose();
  }
  const sel = scenario.url ? (u) => u === url || u.startsWith(url.split('?')[0]) : tag;
  const verdict = verdicts.verdict(sel);
  const har = launched.name === 'chromium' ? verdicts.har(sel, launched.version) : null;
  await page.close().catch(() => {});
  // Every request carrying the tag that reached the lab (through the TLS
  // terminators too); none when the browser stopped it before sending.
  const records = await lab.records(tag).catch(() => []);
  return { url, req, pageResult, verdict, har, records, pageOrigin: from.startsWith('file:') ? 'null' : new URL(from).origin, origins };
}

/** The browser's own name for the outcome (what `expect` holds). */
export function ownName(browser, verdict) {
  return browser === 'chromium' ? verdict.corsError ?? null : verdict.firefoxKey ?? null;
}

// ---- normalization (deterministic fixtures) -------------------------------

const VOLATILE_RESPONSE_HEADERS = new Set(['date']);

function stripHeaders(headers) {
  return (headers ?? []).filter((h) => !VOLATILE_RESPONSE_HEADERS.has(String(h.name).toLowerCase()));
}

/** Request headers whose value the browser varies from run to run (Firefox's `Priority: u=4, i` / `u=5, i`). */
const VOLATILE_REQUEST_HEADERS = new Set(['priority']);

function stripRequestHeaders(headers) {
  return (headers ?? []).filter((h) => !VOLATILE_REQUEST_HEADERS.has(String(h.name).toLowerCase()));
}

export function normalizeRecords(records) {
  // `seq` is global to the lab (other pages' requests interleave): keep the
  // order, number this tag's records 0, 1, ...
  return records.map((r, i) => {
    const out = { ...r, seq: i };
    delete out.at;
    if (out.sent) out.sent = { ...out.sent, headers: stripHeaders(out.sent.headers) };
    if (out.received) out.received = { ...out.received, headers: stripRequestHeaders(out.received.headers) };
    return out;
  });
}

export function normalizeHar(har) {
  if (!har) return null;
  const h = structuredClone(har);
  for (const e of h.log.entries) {
    e.startedDateTime = '1970-01-01T00:00:00.000Z';
    e.time = 0;
    e.response.headers = stripHeaders(e.response.headers);
    e.request.headers = stripRequestHeaders(e.request.headers);
  }
  return h;
}

function authorHeaders(headers) {
  return Object.entries(headers ?? {}).map(([name, value]) => ({ name, value: String(value) }));
}

/** The origins with the per-run certificate hash left as `{tlsSpki}` (a fixture must not change from run to run). */
function stableOrigins(origins) {
  const { tlsSpki, ...extra } = origins.extra ?? {};
  return { ...origins, extra };
}

/**
 * What stopped a request when it was not CORS, from the browser's own
 * evidence (null: nothing but CORS, or nothing at all):
 * `mixed-content`, `csp`, `client` (an extension: Chromium's
 * net::ERR_BLOCKED_BY_CLIENT, Firefox's NS_ERROR_ABORT), `orb` (Opaque
 * Response Blocking), `certificate`, `local-network-access` (Firefox's
 * NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED; Chromium names its LNA blocks as
 * CORS errors, kept as such).
 */
export function stoppedBy(browser, v) {
  if (browser === 'chromium') {
    const also = v.also ?? [];
    if (v.blockedReason === 'mixed-content' || also.some((a) => a.startsWith('MixedContentIssue:MixedContentBlocked'))) return 'mixed-content';
    if (v.blockedReason === 'csp' || also.some((a) => a.startsWith('ContentSecurityPolicyIssue'))) return 'csp';
    if (v.errorText === 'net::ERR_BLOCKED_BY_CLIENT') return 'client';
    if (v.errorText === 'net::ERR_BLOCKED_BY_ORB' || also.includes('GenericIssue:ResponseWasBlockedByORB')) return 'orb';
    if (/^net::ERR_CERT_/.test(v.errorText ?? '')) return 'certificate';
    return null;
  }
  const lines = [...(v.other ?? []), ...(v.otherService ?? []).map((o) => o.text)];
  if (lines.some((t) => /mixed active content/i.test(t))) return 'mixed-content';
  if (lines.some((t) => /^Content-Security-Policy:/.test(t))) return 'csp';
  if ((v.otherService ?? []).some((o) => /OpaqueResponseBlocking|ORB/.test(`${o.category} ${o.text}`))) return 'orb';
  if (/^NS_ERROR_LOCAL_NETWORK_ACCESS_DENIED/.test(v.errorText ?? '')) return 'local-network-access';
  if (/NS_ERROR_MODULE_SECURITY|^SEC_ERROR_|^SSL_ERROR_|^MOZILLA_PKIX_ERROR_/.test(v.errorText ?? '')) return 'certificate';
  if (v.errorText === 'NS_ERROR_ABORT') return 'client';
  return null;
}

/** Whether the request was a `no-cors` one (CORS never checks it). */
export function noCors(req) {
  if (req.kind === 'fetch') return req.mode === 'no-cors';
  if (['img', 'script', 'stylesheet', 'audio', 'video'].includes(req.kind)) return req.crossorigin === null;
  return false;
}

/**
 * What the browser did with one request, from its own evidence (CDP or the
 * console, the page's result): `{verdict, name, reason, stoppedBy,
 * networkError}`. `verdict`, in this order:
 * - network-error: Chromium's net error other than ERR_FAILED with no CORS
 *   name and nothing else that stopped it; Firefox's CORSDidNotSucceed2 with
 *   a network error (refused, reset, a certificate it does not trust);
 * - not-cors: something other than CORS stopped it (stoppedBy), or a
 *   no-cors request that the page did not see fail (CORS never checked it);
 * - blocked: the browser's CORS name, or a rejection without one (Firefox's
 *   same-origin mode);
 * - allowed.
 * `reason`: the whycors reason id the name proves (the scenario's `reasons`
 * where it chooses one), null for not-cors.
 */
export function classify(browser, v, pageResult, req, scenario = {}) {
  const name = ownName(browser, v);
  const rejected = pageResult?.rejected === true;
  const stop = stoppedBy(browser, v);
  const networkError = Boolean(browser === 'chromium'
    ? !name && v.errorText && v.errorText !== 'net::ERR_FAILED' && (!stop || stop === 'certificate')
    : name === 'CORSDidNotSucceed2' && (stop === 'certificate' || /^NS_ERROR_(NET_|CONNECTION_REFUSED|UNKNOWN_HOST|NET_RESET)/.test(v.errorText ?? '')));
  const verdict = networkError ? 'network-error'
    : stop ? 'not-cors'
      : name ? 'blocked'
        : noCors(req) && !rejected ? 'not-cors'
          : rejected ? 'blocked' : 'allowed';
  // A request something else stopped proves no CORS reason (its own name, if
  // the browser gave one, e.g. Firefox's CORSDidNotSucceed2, stays in `name`).
  const reason = scenario.reasons && browser in scenario.reasons ? scenario.reasons[browser]
    : verdict === 'not-cors' ? null : reasonOf(browser, name);
  return { verdict, name, reason, stoppedBy: stop, networkError };
}

/** The fixture for one scenario run in one browser. */
export function buildFixture(scenario, launched, run) {
  const browser = launched.name;
  const { verdict, name, reason, stoppedBy: stop, networkError } = classify(browser, run.verdict, run.pageResult, run.req, scenario);
  const reported = browser === 'chromium'
    ? {
        corsError: run.verdict.corsError,
        failedParameter: run.verdict.failedParameter,
        errorText: run.verdict.errorText,
        message: run.verdict.message,
        from: run.verdict.from,
        also: run.verdict.also,
        ...(run.verdict.blockedReason ? { blockedReason: run.verdict.blockedReason } : {}),
        ...(run.verdict.other?.length ? { other: run.verdict.other } : {}),
        ...(run.verdict.requestFrom ? { requestFrom: run.verdict.requestFrom } : {}),
      }
    : {
        firefoxKey: run.verdict.firefoxKey,
        param: run.verdict.param,
        message: run.verdict.message,
        from: run.verdict.from,
        ...(run.verdict.categoryDisagrees ? { categoryDisagrees: run.verdict.categoryDisagrees } : {}),
        also: run.verdict.also,
        alsoMessages: run.verdict.alsoMessages,
        // Firefox's error for a response that failed the CORS check is not reported
        // every time (the BiDi fetchError races the check): kept only as the
        // evidence of a network error (NS_ERROR_NET_RESET, ...) or of what else
        // stopped the request (NS_ERROR_ABORT, a certificate error).
        errorText: networkError || stop ? run.verdict.errorText : null,
        ...(run.verdict.other?.length ? { other: run.verdict.other } : {}),
        ...(run.verdict.otherService?.length ? { otherService: run.verdict.otherService } : {}),
      };
  return {
    scenario: scenario.id,
    title: scenario.title,
    browser,
    browserVersion: launched.version,
    expect: name,
    reason,
    verdict,
    ...(stop ? { stoppedBy: stop } : {}),
    scenarioReason: scenario.reason,
    reported,
    pageOrigin: run.pageOrigin,
    request: {
      kind: run.req.kind,
      url: run.url,
      method: run.req.method,
      headers: run.req.headers,
      authorHeaders: authorHeaders(run.req.headers),
      credentials: run.req.credentials,
      mode: run.req.mode,
      ...(run.req.redirect ? { redirectMode: run.req.redirect } : {}),
      ...(run.req.targetAddressSpace ? { targetAddressSpace: run.req.targetAddressSpace } : {}),
      ...('crossorigin' in run.req ? { crossorigin: run.req.crossorigin } : {}),
      ...(run.req.cookie ? { cookie: run.req.cookie } : {}),
      rejected: run.pageResult?.rejected ?? null,
      error: run.pageResult?.error ?? null,
      status: run.pageResult?.status ?? null,
      browser,
    },
    ...(scenario.chromiumArgs && browser === 'chromium' ? { chromiumArgs: scenario.chromiumArgs.map((a) => fill(a, stableOrigins(run.origins), '')) } : {}),
    ...(scenario.chromiumExtension && browser === 'chromium' ? { chromiumExtension: scenario.chromiumExtension } : {}),
    ...(scenario.firefoxAcceptInsecureCerts && browser === 'firefox' ? { firefoxAcceptInsecureCerts: true } : {}),
    ...(scenario.firefoxPrefs && browser === 'firefox' ? { firefoxPrefs: scenario.firefoxPrefs } : {}),
    ...((scenario.contextByBrowser?.[browser] ?? scenario.context) ? { context: scenario.contextByBrowser?.[browser] ?? scenario.context } : {}),
    records: normalizeRecords(run.records),
    exchange: null, // filled by attachExchanges (labrecord, via tests/fixtures.rs)
    har: normalizeHar(run.har),
    source: 'recorded',
  };
}

export function fixturePath(fx) {
  const dir = fx.reason ?? (['allowed', 'network-error', 'not-cors'].includes(fx.verdict) ? fx.verdict : fx.scenarioReason);
  return path.join(FIXTURES_DIR, dir, `${fx.scenario}.${fx.browser}.json`);
}

export { serialize };

/** Every recorded fixture on disk: Map(relative path -> text). */
export function committedFixtures() {
  const out = new Map();
  if (!fs.existsSync(FIXTURES_DIR)) return out;
  for (const dir of fs.readdirSync(FIXTURES_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(FIXTURES_DIR, dir.name))) {
      if (!f.endsWith('.json')) continue;
      const p = path.join(FIXTURES_DIR, dir.name, f);
      out.set(path.relative(ROOT, p), fs.readFileSync(p, 'utf8'));
    }
  }
  return out;
}

/** Runs scenarios in one browser; yields {scenario, fixture}. One browser instance per launch configuration. */
export async function* captureBrowser(browser, scenarios, lab, { pagePath, tagFor } = {}) {
  const groups = new Map();
  for (const s of scenarios.filter((s) => runsIn(s, browser))) {
    const k = launchKey(s, browser, lab.origins);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(s);
  }
  for (const [key, list] of groups) {
    const launched = await launch(browser, launchOptions(key));
    try {
      for (const s of list) {
        const tag = tagFor ? tagFor(s, browser) : `${s.id}.${browser}`;
        const run = await runScenario(launched, lab, s, tag, { pagePath });
        yield { scenario: s, run, launched, fixture: buildFixture(s, launched, run) };
      }
    } finally {
      await launched.close();
    }
  }
}

/**
 * Builds each recorded fixture's `exchange` from its records with the engine's
 * own labrecord::exchange_from_records (through the ignored test
 * `exchange_builder` in tests/fixtures.rs), so other tests can read it.
 */
export function attachExchanges(fixtures) {
  if (!fixtures.length) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whycors-capture-'));
  const input = path.join(dir, 'in.json');
  const output = path.join(dir, 'out.json');
  fs.writeFileSync(input, JSON.stringify(fixtures.map((f) => ({ records: f.records, request: f.request, pageOrigin: f.pageOrigin, context: f.context }))));
  try {
    execFileSync('cargo', ['test', '-q', '--test', 'fixtures', '--', '--ignored', '--exact', 'exchange_builder'], {
      cwd: ROOT,
      env: { ...process.env, WHYCORS_RECORDS_IN: input, WHYCORS_EXCHANGES_OUT: output },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const out = JSON.parse(fs.readFileSync(output, 'utf8'));
    fixtures.forEach((f, i) => { f.exchange = out[i] ?? null; });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv) {
  const a = { only: null, browsers: BROWSERS, check: false, print: false, pagePath: DEFAULT_PAGE_PATH };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--only') a.only = argv[++i].split(',');
    else if (x === '--browser') a.browsers = argv[++i].split(',');
    else if (x === '--check') a.check = true;
    else if (x === '--print') a.print = true;
    else if (x === '--page') a.pagePath = argv[++i];
    else throw new Error(`unknown argument ${x}`);
  }
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let scenarios = loadScenarios();
  if (args.only) {
    const unknown = args.only.filter((id) => !scenarios.some((s) => s.id === id));
    if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
    scenarios = scenarios.filter((s) => args.only.includes(s.id));
  }
  const lab = await startLab(CAPTURE_PORTS);
  const extras = await startExtras(lab, CAPTURE_EXTRA_PORTS).catch(async (e) => { await lab.stop(); throw e; });
  const produced = new Map();
  const fixtures = [];
  const surprises = [];
  try {
    for (const browser of args.browsers) {
      for await (const { scenario, fixture } of captureBrowser(browser, scenarios, lab, { pagePath: args.pagePath })) {
        fixtures.push(fixture);
        const expected = scenario.expect?.[browser];
        const got = fixture.expect;
        const flag = expected === undefined ? '(no expect)' : expected === got ? 'ok' : `EXPECTED ${expected}`;
        if (expected !== undefined && expected !== got) surprises.push(`${scenario.id} ${browser}: got ${got}, scenario says ${expected}`);
        const param = browser === 'chromium' ? fixture.reported.failedParameter : fixture.reported.param;
        console.log(`${browser.padEnd(8)} ${scenario.id.padEnd(40)} ${String(got).padEnd(40)} ${param ?? ''} ${fixture.reported.also?.length ? `also=${fixture.reported.also.join('|')}` : ''} ${fixture.reported.errorText ?? ''} [${flag}]`);
      }
    }
  } finally {
    await extras.stop();
    await lab.stop();
  }
  attachExchanges(fixtures);
  for (const fixture of fixtures) produced.set(path.relative(ROOT, fixturePath(fixture)), serialize(fixture));
  if (args.print) return surprises.length ? 1 : 0;
  if (args.check) {
    const { diffs, lines } = checkFixtures(committedFixtures(), produced, {
      ranScenario: (fx) => scenarios.some((s) => s.id === fx.scenario) && args.browsers.includes(fx.browser),
    });
    for (const line of lines) console.log(line);
    return diffs ? 1 : 0;
  }
  // Write: remove this scenario's old recorded fixtures (its reason may have changed), then write.
  const committed = committedFixtures();
  for (const [p, text] of committed) {
    let fx;
    try { fx = JSON.parse(text); } catch { continue; }
    if (fx.source === 'recorded' && scenarios.some((s) => s.id === fx.scenario) && args.browsers.includes(fx.browser) && !produced.has(p)) {
      fs.rmSync(path.join(ROOT, p));
    }
  }
  for (const [p, text] of produced) {
    fs.mkdirSync(path.dirname(path.join(ROOT, p)), { recursive: true });
    fs.writeFileSync(path.join(ROOT, p), text);
  }
  console.log(`wrote ${produced.size} fixtures`);
  if (surprises.length) {
    console.log(`\n${surprises.length} scenario(s) where the browser disagrees with the catalogue:`);
    for (const s of surprises) console.log(`  ${s}`);
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code), (e) => {
    console.error(e?.stack ?? e);
    process.exit(2);
  });
}

// What each browser itself says about a cross-origin request: the ground truth
// the fixtures and the end-to-end tests compare against.
//
//   const v = await browserVerdicts(page, 'chromium' | 'firefox');
//   ... fire a request whose URL carries tag=T ...
//   await v.settle(T);             // wait until the browser is done talking about T
//   v.verdict(T)  -> Chromium: {corsError, failedParameter, errorText, message, also}
//                    Firefox:  {firefoxKey, param, message, also, errorText}
//   v.har(T)      -> HAR 1.2 of the exchange (Chromium; null in Firefox)
//   v.dispose()
//
// Chromium: a CDP session on the page, Network.loadingFailed's corsErrorStatus
// (plus console text and Audits issues for warnings). Firefox: the console
// lines (WebDriver BiDi log.entryAdded, surfaced by puppeteer as `pageerror`
// for CORS messages) mapped back to their message key with Firefox's own
// templates (firefox-keys.mjs).

import { CdpHarRecorder } from './har.mjs';
import { matchFirefoxMessage } from '../capture/firefox-keys.mjs';

/** Firefox keys that are warnings, not blocking reasons. */
export const FIREFOX_WARNING_KEYS = new Set(['CORSAllowHeaderFromPreflightDeprecation']);

/** The `tag` query parameter of a URL, or null. */
export function tagOf(url) {
  try {
    return new URL(url).searchParams.get('tag');
  } catch {
    const m = /[?&]tag=([^&#]*)/.exec(String(url));
    return m ? decodeURIComponent(m[1]) : null;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A selector for the requests of one scenario: a tag string (matched against
 * the `tag` query parameter of the first URL) or a predicate over URLs.
 */
function selector(sel) {
  if (typeof sel === 'function') return sel;
  return (url) => tagOf(url) === sel || String(url).includes(`tag=${sel}&`) || String(url).endsWith(`tag=${sel}`);
}

class Collector {
  constructor(browserName) {
    this.browserName = browserName;
    this.lastEvent = Date.now();
    this.messages = []; // {text, source, at}
    this.failures = []; // {url, errorText} from puppeteer requestfailed
  }

  touch() {
    this.lastEvent = Date.now();
  }

  /** Waits until nothing new has arrived for `quietMs` (at most `maxMs`), and at least `minMs`. */
  async settle(_sel, { quietMs = 250, maxMs = 4000, minMs = 100 } = {}) {
    const start = Date.now();
    await sleep(minMs);
    while (Date.now() - start < maxMs) {
      if (Date.now() - this.lastEvent >= quietMs) return;
      await sleep(25);
    }
  }
}

class ChromiumCollector extends Collector {
  constructor() {
    super('chromium');
    this.rec = new CdpHarRecorder();
    this.issues = [];
  }

  /** Records a CDP session's Network and Audits events (the page's, or a worker's). */
  async listen(session, origin) {
    this.rec.attach(session);
    for (const ev of ['Network.requestWillBeSent', 'Network.responseReceived', 'Network.loadingFailed',
      'Network.loadingFinished', 'Network.responseReceivedExtraInfo', 'Audits.issueAdded']) {
      session.on(ev, () => this.touch());
    }
    session.on('Audits.issueAdded', (e) => this.issues.push(e.issue));
    session.on('Network.requestWillBeSent', (e) => {
      if (!this.requestOrigins.has(e.requestId)) this.requestOrigins.set(e.requestId, origin);
    });
    await session.send('Network.enable').catch(() => {});
    await session.send('Audits.enable').catch(() => {});
  }

  async attach(page) {
    this.page = page;
    this.requestOrigins = new Map(); // requestId -> 'page' | 'dedicated-worker' | 'service-worker'
    this.sessions = [];
    this.session = await page.createCDPSession();
    await this.listen(this.session, 'page');
    this.onConsole = (m) => {
      this.touch();
      this.messages.push({ text: m.text(), type: m.type(), at: Date.now() });
    };
    page.on('console', this.onConsole);
    // A dedicated worker's requests are reported on the worker's own target
    // (the page's session sees only the DevTools issue); a service worker's
    // on the service worker's target (nothing on the page's).
    this.onWorker = (w) => {
      const client = w.client ?? null;
      if (client) this.listen(client, 'dedicated-worker').catch(() => {});
    };
    page.on('workercreated', this.onWorker);
    this.onTarget = async (t) => {
      if (t.type() !== 'service_worker' && t.type() !== 'shared_worker') return;
      try {
        const s = await t.createCDPSession();
        this.sessions.push(s);
        await this.listen(s, t.type() === 'service_worker' ? 'service-worker' : 'shared-worker');
      } catch { /* the worker went away */ }
      // fireInPage's sw-fetch waits for this before its worker fetches.
      if (t.type() === 'service_worker') {
        await page.evaluate(() => { window.__whycorsSwAttached = (window.__whycorsSwAttached ?? 0) + 1; }).catch(() => {});
      }
    };
    page.browser().on('targetcreated', this.onTarget);
    for (const t of page.browser().targets()) if (t.type() === 'shared_worker') this.onTarget(t);
    // Pages loaded from now on make their service workers wait for it.
    await page.evaluateOnNewDocument(() => { window.__whycorsWaitForSw = true; });
    await page.evaluate(() => { window.__whycorsWaitForSw = true; }).catch(() => {});
  }

  /** The main (non-preflight) request ids for a selector. */
  mainIds(sel) {
    const pred = selector(sel);
    return this.rec.idsFor(pred).filter((id) => this.rec.get(id).initiator?.type !== 'preflight');
  }

  verdict(sel) {
    const pred = selector(sel);
    const ids = this.mainIds(sel);
    const failed = ids.map((id) => this.rec.get(id)).find((r) => r.failed);
    const urls = new Set(ids.flatMap((id) => this.rec.get(id).hops.map((h) => h.url)));
    const message = this.messages
      .filter((m) => m.type === 'error' && /has been blocked by CORS policy/.test(m.text))
      .find((m) => [...urls].some((u) => m.text.includes(`'${u}'`)))?.text ?? null;
    const reqIds = new Set(ids);
    // The URL an issue is about: its request's, or (a CSP violation, never a
    // network request) the blocked URL.
    const issueUrl = (d) => d?.request?.url ?? d?.blockedURL ?? null;
    const issues = this.issues
      .filter((i) => {
        const d = i.details?.corsIssueDetails ?? i.details?.[Object.keys(i.details ?? {})[0]];
        const rid = d?.request?.requestId;
        const url = issueUrl(d);
        return (rid && reqIds.has(rid)) || (url && pred(url));
      })
      .map((i) => {
        const d = i.details?.corsIssueDetails;
        if (d) return { code: i.code, corsError: d.corsErrorStatus?.corsError ?? null, failedParameter: d.corsErrorStatus?.failedParameter ?? null, isWarning: Boolean(d.isWarning) };
        // Other issues about the request: what kind (ORB, CSP directive, mixed content).
        const o = i.details?.[Object.keys(i.details ?? {})[0]];
        const detail = o?.errorType ?? o?.violatedDirective ?? o?.resolutionStatus ?? null;
        return { code: i.code, detail };
      });
    // Issues tied to no request (DeprecationIssue AuthorizationCoveredByWildcard
    // names only the frame): with a fresh page per scenario they are this scenario's.
    const unattached = this.issues
      .filter((i) => {
        const d = i.details?.[Object.keys(i.details ?? {})[0]];
        return !d?.request && !d?.blockedURL;
      })
      .map((i) => {
        const d = i.details?.[Object.keys(i.details ?? {})[0]];
        return { code: i.code, type: d?.type ?? d?.violationType ?? null };
      });
    let cs = failed?.failed?.corsErrorStatus;
    let from = cs ? 'Network.loadingFailed' : null;
    // Renderer-side CORS errors (DisallowedByMode, CorsDisabledScheme) never reach
    // the network service: no loadingFailed, only an Audits CorsIssue.
    const blockingIssue = issues.find((i) => i.code === 'CorsIssue' && !i.isWarning && i.corsError);
    if (!cs && blockingIssue) {
      cs = { corsError: blockingIssue.corsError, failedParameter: blockingIssue.failedParameter };
      from = 'Audits.issueAdded';
    }
    // Console lines about these URLs that are not the CORS message (CSP,
    // mixed content): their text names the URL.
    const other = this.messages
      .filter((m) => (m.type === 'error' || m.type === 'warn' || m.type === 'warning') && m.text !== message
        && [...urls].some((u) => m.text.includes(u)))
      .map((m) => m.text);
    if (!ids.length) {
      // Never a network request (CSP): the issue's URL is the evidence.
      for (const m of this.messages) {
        if (m.text !== message && !other.includes(m.text) && (m.type === 'error' || m.type === 'warn' || m.type === 'warning')
          && [...m.text.matchAll(/https?:\/\/[^\s'"]+/g)].some((x) => pred(x[0].replace(/[.,)'"]+$/, '')))) other.push(m.text);
      }
    }
    const origin = ids.map((id) => this.requestOrigins?.get(id)).find((o) => o && o !== 'page') ?? null;
    return {
      corsError: cs?.corsError ?? null,
      failedParameter: cs ? (cs.failedParameter ?? '') : null,
      errorText: failed?.failed?.errorText ?? null,
      blockedReason: failed?.failed?.blockedReason ?? null,
      message,
      from,
      also: [
        ...issues.filter((i) => i.isWarning || i.code !== 'CorsIssue' || i.corsError !== (cs?.corsError ?? null))
          .map((i) => (i.corsError ? `${i.code}:${i.corsError}${i.isWarning ? ' (warning)' : ''}` : i.detail ? `${i.code}:${i.detail}` : i.code)),
        ...unattached.map((i) => (i.type ? `${i.code}:${i.type}` : i.code)),
      ],
      other,
      // Where the request came from when not the page itself (the CDP target that reported it).
      requestFrom: origin,
      seen: ids.length > 0,
    };
  }

  har(sel, version) {
    return this.rec.har(this.rec.idsFor(selector(sel)), { version });
  }

  async dispose() {
    this.page?.off('console', this.onConsole);
    this.page?.off('workercreated', this.onWorker);
    this.page?.browser().off('targetcreated', this.onTarget);
    for (const s of this.sessions ?? []) await s.detach().catch(() => {});
    await this.session?.detach().catch(() => {});
  }
}

/**
 * Firefox's console service, read in the parent process (a chrome context;
 * needs the browser launched with --remote-allow-system-access). Unlike
 * WebDriver BiDi's log.entryAdded it has every message, warnings and those
 * logged without the page's window id (content scripts), with the category,
 * which for CORS messages IS the message key. Returns [] when unavailable.
 */
export async function firefoxConsoleService(browser) {
  const conn = browser.connection;
  if (!conn) return [];
  try {
    const tree = await conn.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
    const ctx = tree.result.contexts[0]?.context;
    if (!ctx) return [];
    const r = await conn.send('script.evaluate', {
      expression: `JSON.stringify(Services.console.getMessageArray()
        .filter((m) => m instanceof Ci.nsIScriptError && (m.category.startsWith('CORS') || /https?:/.test(m.errorMessage)))
        .map((m) => ({ category: m.category, message: m.errorMessage, flags: m.flags, timeStamp: m.timeStamp })))`,
      target: { context: ctx },
      awaitPromise: false,
    });
    return JSON.parse(r.result.result.value ?? '[]');
  } catch {
    return [];
  }
}

class FirefoxCollector extends Collector {
  constructor() {
    super('firefox');
    this.service = [];
  }

  async settle(sel, opts) {
    await super.settle(sel, opts);
    const all = await firefoxConsoleService(this.page.browser());
    this.service = all;
  }

  async attach(page) {
    this.page = page;
    this.onPageError = (e) => {
      this.touch();
      this.messages.push({ text: e?.message ?? String(e), type: 'javascript', at: Date.now() });
    };
    this.onConsole = (m) => {
      this.touch();
      this.messages.push({ text: m.text(), type: m.type(), at: Date.now() });
    };
    this.onRequestFailed = (r) => {
      this.touch();
      this.failures.push({ url: r.url(), errorText: r.failure()?.errorText ?? null });
    };
    this.onRequest = () => this.touch();
    page.on('pageerror', this.onPageError);
    page.on('console', this.onConsole);
    page.on('requestfailed', this.onRequestFailed);
    page.on('request', this.onRequest);
  }

  /** Every Firefox CORS line about the selected requests, as {key, url, param, text}. */
  lines(sel) {
    const pred = selector(sel);
    const out = [];
    for (const m of this.messages) {
      const got = matchFirefoxMessage(m.text);
      if (got && got.url && pred(got.url)) out.push({ ...got, text: m.text });
    }
    return out;
  }

  /** The console service's CORS messages about the selected requests: [{key, url, param, text, warning}]. */
  serviceLines(sel) {
    const pred = selector(sel);
    const out = [];
    for (const m of this.service) {
      if (!m.category.startsWith('CORS')) continue;
      const got = matchFirefoxMessage(m.message);
      const url = got?.url ?? null;
      if (url && pred(url)) out.push({ key: m.category, url, param: got?.param ?? null, text: m.message, warning: (m.flags & 1) === 1 });
    }
    return out;
  }

  /**
   * The console service's other messages naming a selected URL (mixed
   * content, CSP, Opaque Response Blocking...), with their category:
   * [{category, text, warning}]. Warnings never reach BiDi; errors may be in
   * `other` already.
   */
  serviceOther(sel) {
    const pred = selector(sel);
    const out = [];
    for (const m of this.service) {
      if (m.category.startsWith('CORS') || matchFirefoxMessage(m.message)) continue;
      const urls = [...m.message.matchAll(/https?:\/\/[^\s“”"'<>]+/g)].map((x) => x[0].replace(/[.,)”’]+$/, ''));
      // The first line: Firefox appends the script's stack to some (LNA) messages.
      if (urls.some((u) => pred(u))) out.push({ category: m.category, text: m.message.split('\n')[0], warning: (m.flags & 1) === 1 });
    }
    return out;
  }

  verdict(sel) {
    const pred = selector(sel);
    let lines = this.lines(sel);
    let from = lines.length ? 'BiDi log.entryAdded' : null;
    const service = this.serviceLines(sel);
    // BiDi forwards only error-level messages logged for the page's window:
    // fall back to the console service (content scripts), and take warnings from it.
    if (!lines.length && service.some((l) => !l.warning)) {
      lines = service.filter((l) => !l.warning);
      from = 'Services.console';
    }
    const warnings = service.filter((l) => l.warning && !lines.some((x) => x.text === l.text));
    const primary = lines.find((l) => !FIREFOX_WARNING_KEYS.has(l.key)) ?? null;
    const rest = [...lines.filter((l) => l !== primary), ...warnings];
    const also = rest.map((l) => l.key);
    const alsoMessages = rest.map((l) => l.text);
    const failure = this.failures.find((f) => pred(f.url));
    // Cross-check: the text mapping and the console category agree.
    const category = service.find((l) => primary && l.text === primary.text)?.key ?? null;
    return {
      firefoxKey: primary?.key ?? null,
      param: primary?.param ?? null,
      message: primary?.text ?? null,
      from,
      ...(category && category !== primary?.key ? { categoryDisagrees: category } : {}),
      also,
      alsoMessages,
      errorText: failure?.errorText ?? null,
      // Console lines that are not CORS templates but mention the request (e.g. other security errors).
      other: this.messages.filter((m) => !matchFirefoxMessage(m.text) && [...m.text.matchAll(/https?:\/\/\S+/g)].some((u) => pred(u[0].replace(/[.,)”’]+$/, '')))).map((m) => m.text),
      otherService: this.serviceOther(sel),
    };
  }

  har() {
    return null;
  }

  async dispose() {
    this.page?.off('pageerror', this.onPageError);
    this.page?.off('console', this.onConsole);
    this.page?.off('requestfailed', this.onRequestFailed);
    this.page?.off('request', this.onRequest);
  }
}

/**
 * Starts collecting the browser's own verdicts on `page`.
 * @param {import('puppeteer-core').Page} page
 * @param {'chromium'|'firefox'} [browserName] defaults from the page's browser
 */
export async function browserVerdicts(page, browserName) {
  let name = browserName;
  if (!name) {
    const v = await page.browser().version();
    name = /firefox/i.test(v) ? 'firefox' : 'chromium';
  }
  const c = name === 'firefox' ? new FirefoxCollector() : new ChromiumCollector();
  await c.attach(page);
  return c;
}

// The real-server suite (issue 9): every stack in tests/servers/cases.json,
// live, on its own loopback port, in both real browsers with the whycors
// extension loaded. Per configuration: what the browser itself reported
// (CDP corsError / Firefox's console key), what whycors said, and for a
// blocked one, whether whycors' own snippet for that stack, applied to that
// server, makes the browser allow the request without weakening anything.
//
//   node --test tests/servers/        (./build.sh test-servers; part of ./build.sh test)
//
// Environment: CI (a missing stack fails instead of being reported as
// skipped); WHYCORS_SERVERS_ONLY=nginx,go (some stacks only);
// WHYCORS_SERVERS_BROWSERS=chromium (one browser, while iterating);
// WHYCORS_SERVERS_RECORD=1 (rewrite tests/servers/recorded/*.json);
// WHYCORS_SERVERS_MEASURE=1 (write what the browsers reported to
// target/servers/measured.json, to review into cases.json).
// Output: target/servers/report.json, target/servers/summary.txt.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { STACKS, missing, ROOT, SERVERS_DIR, WORK, RUN, BASIC_USER, BASIC_PASSWORD } from './lib/stacks.mjs';
import { freePorts } from './lib/proc.mjs';
import { probe, weakened, stable, FOREIGN_ORIGIN } from './lib/probe.mjs';
import { startPageServer, runInBrowser, DIST } from './lib/browser.mjs';

const CI = Boolean(process.env.CI);
const ONLY = (process.env.WHYCORS_SERVERS_ONLY ?? '').split(',').filter(Boolean);
const BROWSERS = (process.env.WHYCORS_SERVERS_BROWSERS ?? 'chromium,firefox').split(',').filter(Boolean);
const DATA = JSON.parse(fs.readFileSync(path.join(SERVERS_DIR, 'cases.json'), 'utf8'));
const XFAIL = JSON.parse(fs.readFileSync(path.join(SERVERS_DIR, 'expected-to-fail.json'), 'utf8')).items;
const log = (...a) => console.log('#', ...a);

const stackNames = Object.keys(DATA.stacks).filter((s) => !ONLY.length || ONLY.includes(s));
const S = {
  times: {}, missing: {}, versions: {}, errors: {}, recorded: {}, foreign: {}, refused: {},
  a: {}, b: {}, fixes: {}, browsers: {}, xfailed: [], unexpectedPass: [], failing: [], scan: {},
};
const key = (stack, id) => `${stack}/${id}`;
const basic = `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')}`;

function requestOf(c) {
  const headers = Object.fromEntries(Object.entries(c.request.headers ?? {}).map(([k, v]) => [k, v.replace('{basic}', basic)]));
  return { ...c.request, headers };
}

/** What the server gets over plain HTTP for the case: the page's cookie is a Cookie header there. */
function probeRequestOf(c) {
  const r = requestOf(c);
  if (c.request.cookie) r.headers = { ...r.headers, Cookie: c.request.cookie.split(';')[0] };
  return r;
}

/**
 * `whycors probe --scan` (the CLI as built by ./build.sh) against one live
 * server, from the page's origin: `{status, findings: [{id, severity,
 * credentials}], snippets: {server: code}}`, the snippets those of the first
 * finding's fix. What a single exchange cannot show (a server that echoes any
 * origin with credentials), the scan asks the server itself.
 */
function scan(port, c, origin) {
  const bin = path.join(ROOT, 'target/release/whycors');
  const args = ['probe', '--scan', `http://127.0.0.1:${port}${c.request.path}`, '--origin', origin, '--json'];
  if ((c.request.method ?? 'GET') !== 'GET') args.push('--method', c.request.method);
  if (c.request.credentials === 'include') args.push('--credentials', 'include');
  // The browser's cookie, as the page's request carries it (Starlette echoes only then).
  if (c.request.cookie) args.push('-H', `Cookie: ${c.request.cookie.split(';')[0]}`);
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 120000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      let out = null;
      try { out = JSON.parse(stdout); } catch { /* reported below */ }
      if (!out) { resolve({ status, error: `${bin} ${args.join(' ')}: ${String(stderr).slice(0, 2000)}`, findings: [], snippets: {} }); return; }
      const findings = (out.findings ?? []).map((f) => ({ id: f.id, severity: f.severity, credentials: f.credentials }));
      const snippets = Object.fromEntries(((out.findings ?? [])[0]?.fix?.snippets ?? []).map((x) => [x.server, x.code]));
      resolve({ status, findings, snippets });
    });
  });
}
const severeHoles = (r) => (r?.findings ?? []).filter((f) => f.severity === 'severe' || f.severity === 'moderate');

async function timed(name, fn) {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    S.times[name] = (S.times[name] ?? 0) + (Date.now() - t);
  }
}

const live = []; // every server started, stopped in after() whatever happens

async function startAll(entries, starter) {
  // A few at a time: the Python apps are CPU-bound while they import.
  const out = {};
  const queue = [...entries];
  const worker = async () => {
    while (queue.length) {
      const e = queue.shift();
      try {
        const srv = await starter(e);
        live.push(srv);
        out[e.k] = srv;
      } catch (err) {
        S.errors[e.k] = String(err.message ?? err).slice(0, 4000);
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}

async function stopAll(servers) {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  for (const s of Object.values(servers)) live.splice(live.indexOf(s), 1);
}

before(async () => {
  const t0 = Date.now();
  for (const s of stackNames) {
    S.missing[s] = missing(s);
    S.versions[s] = S.missing[s].length ? null : STACKS[s].version();
  }
  const ready = stackNames.filter((s) => !S.missing[s].length);
  if (!fs.existsSync(path.join(DIST.chromium, 'manifest.json')) || !fs.existsSync(path.join(DIST.firefox, 'manifest.json'))) {
    S.errors.dist = 'dist/chrome or dist/firefox missing: run ./build.sh first';
    return;
  }
  fs.rmSync(RUN, { recursive: true, force: true });
  for (const s of ready.filter((x) => STACKS[x].build)) {
    await timed(`build ${s}`, () => STACKS[s].build()).catch((e) => { S.errors[`build/${s}`] = String(e.message ?? e); });
  }
  const [pagePort] = await freePorts(1);
  const page = await startPageServer(pagePort);
  const origin = page.origin;
  S.origin = origin;

  // ---------------------------------------------------------------- phase A: the configurations as found
  const entries = [];
  for (const s of ready) {
    if (S.errors[`build/${s}`]) continue;
    for (const c of DATA.stacks[s].cases) entries.push({ k: key(s, c.id), s, c });
  }
  const ports = await freePorts(entries.length * 2);
  entries.forEach((e, i) => { e.port = ports[i]; e.fixPort = ports[entries.length + i]; });
  for (const e of entries.filter((x) => x.c.class === 'refused')) {
    const ctx = { origin, port: e.port, dir: path.join(RUN, 'a', e.s, e.c.id) };
    S.refused[e.k] = await STACKS[e.s].refuse(e.c.id, ctx);
  }
  const running = entries.filter((e) => e.c.class !== 'refused');
  const serversA = await timed('start servers (as found)', () => startAll(running, (e) =>
    STACKS[e.s].start(e.c.id, { origin, port: e.port, dir: path.join(RUN, 'a', e.s, e.c.id) })));
  for (const e of running.filter((x) => serversA[x.k])) {
    const req = probeRequestOf(e.c);
    S.recorded[e.k] = stable(await probe(e.port, req, origin), { origin, port: e.port, root: ROOT });
    S.foreign[e.k] = await probe(e.port, req, FOREIGN_ORIGIN);
    if (e.c.class === 'passes-insecure') S.scan[e.k] = await scan(e.port, e.c, origin);
  }
  const reqsA = running.filter((e) => serversA[e.k]).flatMap((e) => [
    // Neighbouring requests to the same server first (hints that need more than one request).
    ...(e.c.before ?? []).map((r, i) => ({ ...r, headers: r.headers ?? {}, k: `${e.k}~${i}`, tag: `a-${e.s}-${e.c.id}-n${i}`, url: `http://127.0.0.1:${e.port}${r.path}?tag=a-${e.s}-${e.c.id}-n${i}` })),
    { ...requestOf(e.c), k: e.k, tag: `a-${e.s}-${e.c.id}`, url: `http://127.0.0.1:${e.port}${e.c.request.path}?tag=a-${e.s}-${e.c.id}` },
  ]);
  for (const b of BROWSERS) {
    try {
      const r = await timed(`browser ${b} (as found)`, () => runInBrowser(b, page, reqsA, { log }));
      S.browsers[b] = r.version;
      for (const q of reqsA) (S.a[q.k] ??= {})[b] = r.results[q.tag];
    } catch (e) {
      S.errors[`browser/${b}/a`] = String(e.stack ?? e);
    }
  }
  for (const e of running) if (serversA[e.k]?.exited()) S.errors[e.k] = `the server exited while it was tested (${JSON.stringify(serversA[e.k].exited())}): ${serversA[e.k].log().slice(-1500)}`;
  await stopAll(serversA);

  // ---------------------------------------------------------------- phase B: whycors' snippet applied
  const fixable = [];
  for (const e of running) {
    if (!['blocked', 'passes-insecure'].includes(e.c.class)) continue;
    const snippetId = DATA.stacks[e.s].snippet;
    const per = {};
    for (const b of BROWSERS) {
      const d = S.a[e.k]?.[b]?.diagnosis;
      // A passing but insecure server whose one exchange shows nothing: the fix
      // the scan of that server gives (whycors probe --scan), for this stack.
      const sn = d?.fix?.snippets?.find((x) => x.server === snippetId)
        ?? (e.c.class === 'passes-insecure' && S.scan[e.k]?.snippets?.[snippetId] ? { code: S.scan[e.k].snippets[snippetId], fromScan: true } : null);
      // A change in another layer, applied where the diagnosis asks for it and
      // the snippet alone cannot make it (flask-cors cannot move a before_request).
      const layerFixes = (STACKS[e.s].layerFixes ?? []).filter((lf) => (d.hints ?? []).some((h) => h.id === lf.hint)).map((lf) => lf.id);
      if (sn) per[b] = { code: sn.code, layerFixes, fromScan: Boolean(sn.fromScan) };
    }
    if (!Object.keys(per).length) continue;
    const codes = [...new Set(Object.values(per).map((p) => p.code + p.layerFixes.join()))];
    // One fixed server per distinct snippet (the browsers' diagnoses usually agree).
    const groups = codes.length === 1 ? [{ id: e.c.id, browsers: Object.keys(per) }] : Object.keys(per).map((b) => ({ id: `${e.c.id}@${b}`, browsers: [b] }));
    for (const g of groups) {
      const p = per[g.browsers[0]];
      fixable.push({ ...e, k: `${e.k}#${g.id}`, caseKey: e.k, fixId: g.id, browsers: g.browsers, code: p.code, layerFixes: p.layerFixes });
      S.fixes[e.k] = { ...(S.fixes[e.k] ?? {}), [g.id]: { browsers: g.browsers, snippet: p.code, layerFixes: p.layerFixes, fromScan: p.fromScan } };
    }
  }
  for (const s of ['go', 'axum']) {
    const mine = fixable.filter((f) => f.s === s);
    if (!mine.length) continue;
    // Go and axum: every fixed variant compiled into the one binary, once.
    await timed(`build ${s} (fixed variants)`, () => STACKS[s].buildFixed(Object.fromEntries(mine.map((f) => [f.fixId, f.code]))))
      .catch((err) => { for (const f of mine) S.errors[f.k] = `the ${s} snippets do not build: ${String(err.message ?? err).slice(0, 3000)}`; });
  }
  const fixPorts = await freePorts(fixable.length);
  fixable.forEach((f, i) => { f.port = fixPorts[i]; });
  const serversB = await timed('start servers (fixed)', () => startAll(fixable.filter((f) => !S.errors[f.k]), (f) =>
    STACKS[f.s].startFixed(f.fixId, f.code, { origin, port: f.port, dir: path.join(RUN, 'b', f.s, f.fixId), layerFixes: f.layerFixes })));
  for (const f of fixable.filter((x) => serversB[x.k])) {
    const req = probeRequestOf(f.c);
    S.fixes[f.caseKey][f.fixId].recorded = stable(await probe(f.port, req, origin), { origin, port: f.port, root: ROOT });
    S.fixes[f.caseKey][f.fixId].weakened = weakened(await probe(f.port, req, FOREIGN_ORIGIN));
    if (f.c.class === 'passes-insecure') S.fixes[f.caseKey][f.fixId].scan = await scan(f.port, f.c, origin);
  }
  for (const b of BROWSERS) {
    const reqsB = fixable.filter((f) => serversB[f.k] && f.browsers.includes(b)).map((f) => ({
      ...requestOf(f.c), k: f.caseKey, tag: `b-${f.s}-${f.fixId}`, url: `http://127.0.0.1:${f.port}${f.c.request.path}?tag=b-${f.s}-${encodeURIComponent(f.fixId)}`,
    }));
    if (!reqsB.length) continue;
    try {
      const r = await timed(`browser ${b} (fixed)`, () => runInBrowser(b, page, reqsB, { log }));
      for (const q of reqsB) (S.b[q.k] ??= {})[b] = r.results[q.tag];
    } catch (e) {
      S.errors[`browser/${b}/b`] = String(e.stack ?? e);
    }
  }
  // A server that exited while it was being asked (its port then answered by
  // another process: another suite on this machine) makes that case an error.
  for (const f of fixable) if (serversB[f.k]?.exited()) S.errors[f.k] = `the fixed server exited while it was tested (${JSON.stringify(serversB[f.k].exited())}): ${serversB[f.k].log().slice(-1500)}`;
  for (const f of fixable) if (S.errors[f.k]) S.errors[f.caseKey] = S.errors[f.k];
  await stopAll(serversB);
  await page.stop();
  S.times.total = Date.now() - t0;
  log('times (ms):', JSON.stringify(S.times));
});

after(async () => {
  await Promise.all(live.map((s) => s.stop()));
  writeOutputs();
  // The servers' files and logs stay when something failed (for a look), else go.
  if (!S.failing.length && !Object.keys(S.errors).length) fs.rmSync(RUN, { recursive: true, force: true });
});

// ---------------------------------------------------------------- checks

/** An expectation that the engine work may not meet yet (expected-to-fail.json). */
function expectOk(t, stack, id, check, browser, ok, detail) {
  const x = XFAIL.find((i) => i.stack === stack && i.case === id && i.check === check && (!i.browser || i.browser === browser));
  const where = `${stack}/${id} ${check}${browser ? ` (${browser})` : ''}`;
  if (x) {
    if (ok) {
      S.unexpectedPass.push(where);
      assert.fail(`${where} now passes: remove it from tests/servers/expected-to-fail.json (${x.reason})`);
    }
    S.xfailed.push({ where, reason: x.reason, detail });
    t.diagnostic(`expected to fail: ${where}: ${detail}`);
    return;
  }
  if (!ok) {
    // Soft: every failing expectation of the case is reported, not just the first.
    S.failing.push({ stack, case: id, check, ...(browser ? { browser } : {}), detail });
    (t.failures ??= []).push(`${where}: ${detail}`);
  }
}

/** Fails the test with every soft failure it collected. */
function settle(t) {
  if (t.failures?.length) assert.fail(t.failures.join('\n'));
}

const browserSays = (b, r) => (b === 'chromium' ? r?.truth?.corsError : r?.truth?.firefoxKey) ?? null;
const mineOf = (b, r) => r?.diagnosis?.browsers?.find((x) => x.browser === b) ?? null;
const named = (b, r, want) => mineOf(b, r)?.name === want || (r?.diagnosis?.alternatives ?? []).some((a) => a.name === want && (!a.browser || a.browser === b));
const ids = (list) => (list ?? []).map((f) => f.id);

function allowedIn(b, r) {
  return browserSays(b, r) === null && r?.page?.rejected === false;
}

test('every stack of issue 9 is installed here (each program checked explicitly)', async (t) => {
  for (const s of stackNames) {
    await t.test(s, (tt) => {
      if (!S.missing[s].length) {
        tt.diagnostic(`${s}: ${S.versions[s]}`);
        return;
      }
      const msg = `${s} is missing: ${S.missing[s].join(', ')} (./build.sh test-servers installs it)`;
      if (CI) assert.fail(msg);
      tt.skip(msg);
    });
  }
});

test('the suite ran: the extension is built, the browsers launched', () => {
  assert.equal(S.errors.dist, undefined, S.errors.dist);
  for (const b of BROWSERS) {
    assert.equal(S.errors[`browser/${b}/a`], undefined, S.errors[`browser/${b}/a`]);
    assert.equal(S.errors[`browser/${b}/b`], undefined, S.errors[`browser/${b}/b`]);
  }
});

for (const s of stackNames) {
  for (const c of DATA.stacks[s].cases) {
    const k = key(s, c.id);
    test(`${s}: ${c.id} (${c.class}): ${c.title}`, async (t) => {
      if (S.missing[s]?.length) {
        if (CI) assert.fail(`${s} is not installed`);
        t.skip(`${s} is not installed`);
        return;
      }
      assert.equal(S.errors[`build/${s}`], undefined, S.errors[`build/${s}`]);
      if (c.class === 'refused') {
        const r = S.refused[k];
        assert.ok(r, 'the configuration was run');
        assert.notEqual(r.code, 0, `the library refuses the configuration (exit ${r.code})`);
        assert.ok(r.output.includes(c.refusal), `the refusal says: ${c.refusal}\n${r.output.slice(0, 2000)}`);
        // The snippet says so: the stack's snippet in any of this stack's diagnoses carries the note.
        const notes = Object.entries(S.a).filter(([kk]) => kk.startsWith(`${s}/`)).flatMap(([, per]) => Object.values(per))
          .flatMap((r2) => r2?.diagnosis?.fix?.snippets ?? []).filter((x) => x.server === DATA.stacks[s].snippet).flatMap((x) => ids(x.notes));
        expectOk(t, s, c.id, 'snippet-note', null, notes.includes(c.snippetNote), `the ${DATA.stacks[s].snippet} snippet's notes: ${[...new Set(notes)].join(', ') || 'none seen'}`);
        settle(t);
        return;
      }
      assert.equal(S.errors[k], undefined, S.errors[k]);
      for (const b of BROWSERS) {
        const r = S.a[k]?.[b];
        assert.ok(r, `${b}: the request was fired`);
        const says = browserSays(b, r);
        const d = r.diagnosis;
        const mine = mineOf(b, r);
        t.diagnostic(`${b}: browser ${says ?? 'allowed'}${r.truth?.also?.length ? ` (+${r.truth.also.join(', ')})` : ''}; page ${r.page?.rejected ? 'rejected' : `status ${r.page?.status}`}; whycors ${mine?.verdict} ${mine?.name ?? ''}; hints ${ids(d?.hints).join(', ') || '-'}; findings ${ids(d?.findings).join(', ') || '-'}`);
        assert.ok(d, `${b}: whycors diagnosed the request (${r.rows} rows)`);
        const want = c.browsers?.[b];
        if (c.browsers === undefined) assert.fail(`${b}: not measured yet: the browser reported ${says}`);
        assert.equal(says, want, `${b} reports what was measured for this configuration`);
        if (c.class === 'blocked') {
          assert.equal(r.page?.rejected, true, `${b}: the page's fetch rejected`);
          expectOk(t, s, c.id, 'named', b, named(b, r, says), `whycors says ${mine?.verdict} ${mine?.name}; the browser ${says}`);
          // Stricter: the browser's reason is whycors' first answer, not an alternative.
          expectOk(t, s, c.id, 'named-first', b, mine?.name === says, `whycors' first answer is ${mine?.name}, the browser says ${says} (alternatives: ${(d.alternatives ?? []).map((x) => x.name).join(', ') || 'none'})`);
          const hints = c.hint ? [c.hint].flat() : [];
          if (hints.length) expectOk(t, s, c.id, 'hint', b, ids(d.hints).some((h) => hints.includes(h)), `hint ${hints.join(' or ')} (the ${c.layer} layer); whycors gave: ${ids(d.hints).join(', ') || 'none'}`);
          if (c.hintNames) {
            const texts = (d.hints ?? []).map((h) => h.text?.text ?? '');
            expectOk(t, s, c.id, 'hint-names-layers', b, texts.some((x) => c.hintNames.every((w) => x.includes(w))), `a hint naming ${c.hintNames.join(' and ')} (which layer sent which header); whycors' hints: ${texts.join(' | ') || 'none'}`);
          }
          if (c.neighbourHint) {
            const n = S.a[`${k}~0`]?.[b];
            assert.ok(n && browserSays(b, n) === null, `${b}: the neighbouring request to the same server passed (${browserSays(b, n)})`);
            expectOk(t, s, c.id, 'neighbour-hint', b, ids(d.hints).includes(c.neighbourHint), `hint ${c.neighbourHint}: an earlier ${c.before[0].method} ${c.before[0].path} to this server carried Access-Control-Allow-Origin, this ${r.exchange?.response?.status ?? ''} did not; whycors gave: ${ids(d.hints).join(', ') || 'none'}`);
          }
          // Stack detection: the snippet of the stack that answered comes first.
          const first = d.fix?.snippets?.[0]?.server ?? null;
          expectOk(t, s, c.id, 'first-snippet', b, first === DATA.stacks[s].snippet, `the ${DATA.stacks[s].snippet} snippet first (the stack that answered); whycors puts ${first} first`);
          const sn = d.fix?.snippets?.find((x) => x.server === DATA.stacks[s].snippet);
          expectOk(t, s, c.id, 'snippet', b, Boolean(sn), `a ${DATA.stacks[s].snippet} snippet in the fix (servers: ${(d.fix?.snippets ?? []).map((x) => x.server).join(', ') || 'no fix'})`);
          if (sn) checkFixed(t, s, c, b);
        } else {
          assert.equal(r.page?.rejected, false, `${b}: the page's fetch resolved`);
          expectOk(t, s, c.id, 'allowed', b, mine?.verdict === 'allowed', `whycors says ${mine?.verdict} ${mine?.name ?? ''}`);
          const sec = (d.findings ?? []).filter((f) => f.severity === 'security').map((f) => f.id);
          if (c.class === 'allowed') {
            assert.deepEqual(sec, [], `${b}: no security finding on the happy path`);
          }
          if ('readValue' in c) assert.equal(r.page?.read, c.readValue, `${b}: the page read ${c.request.read} as measured`);
          if (c.class === 'warning-only' || c.class === 'passes-insecure') {
            const f = (d.findings ?? []).find((x) => x.id === c.finding);
            const sevOk = !c.findingSeverity || f?.severity === c.findingSeverity;
            expectOk(t, s, c.id, 'finding', b, Boolean(f) && sevOk, `finding ${c.finding}${c.findingSeverity ? ` (${c.findingSeverity})` : ''}; whycors gave: ${(d.findings ?? []).map((x) => `${x.id} (${x.severity})`).join(', ') || 'none'}`);
          }
          if (c.class === 'passes-insecure') {
            assert.notDeepEqual(weakened(S.foreign[k]), [], 'the server really answers a foreign origin (measured over HTTP)');
            // whycors probe --scan finds the hole in the live server, whatever one exchange shows.
            const sc = S.scan[k];
            assert.ok(sc && !sc.error, `${b}: whycors probe --scan ran: ${sc?.error ?? 'not run'}`);
            assert.equal(sc.status, 1, `${b}: the scan exits 1 on this server (findings: ${JSON.stringify(sc.findings)})`);
            assert.ok(severeHoles(sc).some((f) => f.credentials), `${b}: the scan reports a hole with credentials: ${JSON.stringify(sc.findings)}`);
            if (b === BROWSERS[0]) t.diagnostic(`whycors probe --scan: ${sc.findings.map((f) => `${f.id} (${f.severity}${f.credentials ? ', credentials' : ''})`).join(', ')}`);
            const sn = d.fix?.snippets?.find((x) => x.server === DATA.stacks[s].snippet);
            expectOk(t, s, c.id, 'snippet', b, Boolean(sn), `a fix with a ${DATA.stacks[s].snippet} snippet that removes the finding (whycors gave ${d.fix ? 'a fix' : 'no fix'})`);
            if (sn) checkFixed(t, s, c, b);
            else {
              // The scan's fix for this stack, applied: the browser still allows the
              // page's own origin, and a second scan finds no hole.
              const fx = Object.values(S.fixes[k] ?? {}).find((x) => x.browsers.includes(b));
              assert.ok(fx?.fromScan, `${b}: the scan's ${DATA.stacks[s].snippet} snippet was applied`);
              // (The info finding stays: the allow-listed origin is still reflected with credentials.)
              checkFixed(t, s, c, b, { findingGone: false });
              assert.ok(fx.scan && !fx.scan.error, `${b}: the fixed server was scanned: ${fx.scan?.error ?? 'not run'}`);
              assert.deepEqual(severeHoles(fx.scan), [], `${b}: no hole once the scan's snippet is applied`);
              if (b === BROWSERS[0]) t.diagnostic(`after the scan's ${DATA.stacks[s].snippet} snippet: the page's origin allowed, the scan exits ${fx.scan.status} with ${fx.scan.findings.length} findings`);
            }
          }
        }
      }
      settle(t);
    });
  }
}

function checkFixed(t, s, c, b, { findingGone = true } = {}) {
  const k = key(s, c.id);
  const fx = Object.entries(S.fixes[k] ?? {}).find(([, f]) => f.browsers.includes(b));
  assert.ok(fx, `${b}: the snippet was applied`);
  const [fixId, f] = fx;
  const r = S.b[k]?.[b];
  assert.ok(r, `${b}: the fixed server was run`);
  const says = browserSays(b, r);
  t.diagnostic(`${b} after whycors' ${DATA.stacks[s].snippet} snippet (${fixId}${f.layerFixes.length ? `, + ${f.layerFixes.join(', ')}` : ''}): browser ${says ?? 'allowed'}; page ${r.page?.rejected ? 'rejected' : `status ${r.page?.status}`}; whycors ${mineOf(b, r)?.verdict}`);
  expectOk(t, s, c.id, 'fixed', b, allowedIn(b, r), `the browser allows the request once the snippet is applied: it reports ${says}, the page ${r.page?.rejected ? 'rejected' : 'resolved'}`);
  assert.deepEqual(f.weakened, [], 'nothing weakened: no * with credentials, no foreign origin echoed');
  const d = r.diagnosis;
  expectOk(t, s, c.id, 'fixed-whycors', b, mineOf(b, r)?.verdict === 'allowed' || !allowedIn(b, r), `whycors agrees with the browser once fixed: it says ${mineOf(b, r)?.verdict} ${mineOf(b, r)?.name ?? ''}`);
  const sec = (d?.findings ?? []).filter((x) => x.severity === 'security').map((x) => x.id);
  assert.deepEqual(sec, [], `${b}: no security finding once fixed`);
  if (c.class === 'passes-insecure' && findingGone) assert.ok(!ids(d?.findings).includes(c.finding), `${b}: the finding ${c.finding} is gone`);
}

test('summary: live-verified snippets', () => {
  const line = summaryLine();
  console.log(line);
  assert.ok(line);
});

function verifiedStacks() {
  const out = [];
  for (const s of stackNames) {
    const blocked = DATA.stacks[s].cases.filter((c) => c.class === 'blocked');
    const ok = blocked.length > 0 && blocked.every((c) => BROWSERS.every((b) => {
      const k = key(s, c.id);
      const f = Object.values(S.fixes[k] ?? {}).find((x) => x.browsers.includes(b));
      return f && f.weakened?.length === 0 && allowedIn(b, S.b[k]?.[b]);
    }));
    if (ok) out.push(s);
  }
  return out;
}

function summaryLine() {
  const v = verifiedStacks();
  const total = Object.keys(DATA.stacks).length + Object.keys(DATA.notVerifiedHere).length;
  return `live-verified snippets: ${v.join(', ') || 'none'} (${v.length}/${total}); not verified against a running server here: ${Object.keys(DATA.notVerifiedHere).join(', ')}`;
}

function writeOutputs() {
  fs.mkdirSync(WORK, { recursive: true });
  const report = { failing: S.failing, origin: S.origin, browsers: S.browsers, versions: S.versions, missing: S.missing, times: S.times, errors: S.errors, xfailed: S.xfailed, unexpectedPass: S.unexpectedPass, verified: verifiedStacks(), cases: {} };
  for (const s of stackNames) {
    for (const c of DATA.stacks[s].cases) {
      const k = key(s, c.id);
      const per = (src) => Object.fromEntries(Object.entries(src[k] ?? {}).map(([b, r]) => [b, {
        browser: browserSays(b, r), param: r?.truth?.failedParameter ?? r?.truth?.param ?? null, also: r?.truth?.also ?? [], page: r?.page,
        whycors: mineOf(b, r) && { verdict: mineOf(b, r).verdict, name: mineOf(b, r).name, reason: r.diagnosis.reason, alternatives: (r.diagnosis.alternatives ?? []).filter((x) => !x.browser || x.browser === b).map((x) => x.name) },
        hints: ids(r?.diagnosis?.hints), first: r?.diagnosis?.fix?.snippets?.[0]?.server ?? null, findings: (r?.diagnosis?.findings ?? []).map((f) => `${f.id}:${f.severity}`), fix: r?.diagnosis?.fix?.summary?.text ?? null,
      }]));
      report.cases[k] = { class: c.class, asFound: per(S.a), fixed: per(S.b), fixes: S.fixes[k] ?? null, refused: S.refused[k] ? { code: S.refused[k].code, output: S.refused[k].output.slice(0, 600) } : undefined };
    }
  }
  fs.writeFileSync(path.join(WORK, 'report.json'), JSON.stringify(report, null, 2));
  // The exchanges as the extension stored them (both phases, neighbours too): what the engine saw.
  const exchanges = {};
  for (const [phase, src] of [['asFound', S.a], ['fixed', S.b]]) {
    for (const [k, per] of Object.entries(src)) for (const [b, r] of Object.entries(per)) if (r?.exchange) ((exchanges[phase] ??= {})[k] ??= {})[b] = r.exchange;
  }
  fs.writeFileSync(path.join(WORK, 'exchanges.json'), JSON.stringify({ origin: S.origin, browsers: S.browsers, ...exchanges }, null, 1));
  fs.writeFileSync(path.join(WORK, 'summary.txt'), `${summaryLine()}\n`);
  if (process.env.WHYCORS_SERVERS_MEASURE === '1') {
    const m = {};
    for (const [k, per] of Object.entries(S.a)) m[k] = Object.fromEntries(Object.entries(per).map(([b, r]) => [b, browserSays(b, r)]));
    fs.writeFileSync(path.join(WORK, 'measured.json'), JSON.stringify(m, null, 2));
    fs.writeFileSync(path.join(WORK, 'failing-checks.json'), JSON.stringify(S.failing, null, 2));
  }
  if (process.env.WHYCORS_SERVERS_RECORD === '1') {
    const dir = path.join(SERVERS_DIR, 'recorded');
    fs.mkdirSync(dir, { recursive: true });
    for (const s of stackNames) {
      if (S.missing[s]?.length) continue;
      const cases = {};
      for (const c of DATA.stacks[s].cases) {
        const k = key(s, c.id);
        if (S.recorded[k]) cases[c.id] = { request: c.request, asFound: S.recorded[k], foreignOrigin: stable(S.foreign[k], { origin: S.origin, port: 0, root: ROOT }), fixed: Object.fromEntries(Object.entries(S.fixes[k] ?? {}).map(([id, f]) => [id, f.recorded])) };
        else if (S.refused[k]) cases[c.id] = { refused: { exit: S.refused[k].code, output: S.refused[k].output.split('\n').filter((l) => /panicked|Invalid CORS/.test(l)).map((l) => l.replace(/\(\d+\)/, '').replace(/\/root\/\.cargo\/registry\/src\/[^/]+\//, '{cargo-registry}/')) } };
      }
      fs.writeFileSync(path.join(dir, `${s}.json`), `${JSON.stringify({ stack: s, version: S.versions[s], page: '{page}', foreignOrigin: FOREIGN_ORIGIN, cases }, null, 2)}\n`);
    }
  }
}

// Issue 11 §8: the hook's channel is private. In Chromium 156 and Firefox
// ESR 153, with the real extension:
// - A page whose first script (the first thing in its <head>) spies on
//   everything a page can reach (window events, Object/Array prototype
//   setters, toJSON, JSON.stringify, MessagePort.prototype.postMessage,
//   dispatchEvent, Map/WeakMap, RegExp, Symbol.split, Reflect.apply,
//   Error.prepareStackTrace), asks for the hook's port, offers it a fake one,
//   and forges records in the old and the new protocol, then makes real
//   calls with `Authorization` and `X-Api-Key`: the page observes no record,
//   no secret and no port; the forged records change nothing (the real call
//   keeps its own credentials mode; a URL only the forger named has no row);
//   secrets are redacted in the log and the exports, names kept.
// - A page flooding its channel (150,000 header reads, each a record) loses
//   its own records beyond its budget (counted: received + dropped + refused
//   = the records its hook made), while another tab's 100 calls, made at the
//   same time, are all joined.
// Run: node --test tests/e2e/extension-private.test.mjs

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startLab } from '../harness/index.mjs';
import { ARTIFACTS, BROWSERS, ensureDist, launch, labPage, openExtPage, api, tabIdOf, rowsWhere } from './extension-helpers.mjs';

// The page's first script: spies that note anything that looks like a hook
// record, a secret, or a port.
const SPY = `<script>
(() => {
  const caught = (window.__caught = []);
  // The originals, and a guard: the spies below must not spy on themselves.
  const stringify = JSON.stringify;
  const own = Object.hasOwn;
  const keys = Object.keys;
  const indexOf = String.prototype.indexOf;
  const substr = String.prototype.substring;
  const call = Function.prototype.call.bind(Function.prototype.call);
  let busy = false;
  let forging = false;
  const looks = (v) => {
    if (forging) return false; // the page's own forgeries, dispatched below
    if (v && typeof v === 'object' && own(v, 'forgedByThePage')) return false;
    if (v && typeof v === 'object') {
      if (typeof MessagePort === 'function' && v instanceof MessagePort) return true;
      if (own(v, 'rj') || (own(v, 's') && own(v, 'o')) || (own(v, 'b') && own(v, 'm'))) return true;
    }
    let s;
    try {
      s = typeof v === 'string' ? v : stringify(v);
    } catch {
      return false;
    }
    if (typeof s !== 'string') return false;
    for (const w of ['SECRET', '__whycors', '"o":"c"', 'whycors_']) if (call(indexOf, s, w) >= 0) return true;
    return false;
  };
  const note = (where, v) => {
    if (busy) return;
    busy = true;
    try {
      if (looks(v)) caught[caught.length] = where + ': ' + call(substr, typeof v === 'string' ? v : keys(v ?? {}).join(','), 0, 120);
    } catch {
    } finally {
      busy = false;
    }
  };
  for (const t of ['__whycors', '__whycors_hello', '__whycors_port', 'message']) {
    window.addEventListener(t, (e) => {
      note('event ' + t, e.detail ?? e.data);
      if (!forging && e.ports && e.ports.length) caught.push('a port came with ' + t);
    }, true);
  }
  const stash = (obj, k, v) => Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
  for (const k of ['s', 'o', 'b', 'm', 'u', 'h', 'rj', 'rh', 'cs', 'cr', 'md', 'x', 'r', 'k', 'c', 'n', 'or', 'rd']) {
    Object.defineProperty(Object.prototype, k, { set(v) { note('Object.prototype.' + k, v); stash(this, k, v); }, get() { return undefined; }, configurable: true });
  }
  for (let i = 0; i < 4; i++) {
    Object.defineProperty(Array.prototype, i, { set(v) { note('Array.prototype[' + i + ']', v); stash(this, i, v); }, get() { return undefined; }, configurable: true });
  }
  Object.defineProperty(Object.prototype, 'toJSON', { value: function () { note('Object toJSON', this); return this; }, writable: true, configurable: true });
  const wrap = (obj, name, label) => {
    const orig = obj[name];
    if (typeof orig !== 'function') return;
    obj[name] = function (...args) {
      for (const a of args) note(label, a);
      note(label + ' this', this);
      return Reflect.apply(orig, this, args);
    };
  };
  wrap(JSON, 'stringify', 'JSON.stringify');
  wrap(MessagePort.prototype, 'postMessage', 'MessagePort.postMessage');
  wrap(EventTarget.prototype, 'dispatchEvent', 'dispatchEvent');
  wrap(Map.prototype, 'set', 'Map.set');
  wrap(Map.prototype, 'get', 'Map.get');
  wrap(WeakMap.prototype, 'set', 'WeakMap.set');
  wrap(RegExp.prototype, 'exec', 'RegExp.exec');
  wrap(String.prototype, 'toLowerCase', 'toLowerCase');
  wrap(String.prototype, 'slice', 'slice');
  wrap(String.prototype, 'includes', 'includes');
  wrap(Promise.prototype, 'then', 'then');
  String.prototype[Symbol.split] = function (s) { note('Symbol.split', String(this)); return [String(s)]; };
  const apply = Reflect.apply;
  Reflect.apply = function (f, t, args) { for (const a of args ?? []) note('Reflect.apply', a); return apply(f, t, args); };
  Object.defineProperty(Error, 'prepareStackTrace', { set(v) { note('Error.prepareStackTrace', v); }, get() { return undefined; }, configurable: true });

  // Forgeries: the old protocol, a port request, a fake port, a posted batch.
  window.__forge = (forgedUrl, realUrl) => {
    forging = true;
    try {
      return forge(forgedUrl, realUrl);
    } finally {
      forging = false;
    }
  };
  const forge = (forgedUrl, realUrl) => {
    const rec = { op: 'call', id: 'x-1', url: forgedUrl, method: 'GET', credentials: 'include', rejected: true };
    window.dispatchEvent(new CustomEvent('__whycors', { detail: JSON.stringify([rec, { ...rec, url: realUrl }]) }));
    let got = null;
    const onPort = (e) => { got = e.ports && e.ports[0]; };
    window.addEventListener('__whycors_port', onPort, true);
    window.dispatchEvent(new Event('__whycors_hello'));
    window.removeEventListener('__whycors_port', onPort, true);
    const ch = new MessageChannel();
    const heard = [];
    ch.port1.onmessage = (e) => heard.push(e.data);
    window.dispatchEvent(new MessageEvent('__whycors_port', { ports: [ch.port2], cancelable: true }));
    const forged = { forgedByThePage: 1, b: [{ s: 1, o: 'c', k: 'fetch', u: forgedUrl, m: 'GET', cr: 'include', rj: true }, { s: 2, o: 'c', k: 'fetch', u: realUrl, m: 'GET', cr: 'include', rj: true }], m: 2 };
    window.postMessage(forged, '*');
    return { gotPort: !!got, heard: () => heard.length };
  };
})();
</script>`;

for (const name of BROWSERS) {
  describe(`the hook's channel is private in ${name}`, { concurrency: false }, () => {
    let lab;
    let L;
    let ext;
    const figures = {};
    before(async () => {
      ensureDist();
      lab = await startLab({ build: false });
      L = await launch(name);
      ext = await openExtPage(L, 'extension/popup.html?tabId=0');
    });
    after(async () => {
      fs.writeFileSync(path.join(ARTIFACTS, `private-${name}.json`), JSON.stringify(figures, null, 2));
      await L?.close();
      await lab?.stop();
    });

    test('a page script can neither read nor forge records', { timeout: 120000 }, async () => {
      const work = await L.browser.newPage();
      const url = labPage(lab.origins, 'spy', `<!doctype html><html><head>${SPY}</head><body><p>spy</p></body></html>`);
      await work.goto(url);
      const tabId = await tabIdOf(ext, url);
      assert.ok(Number.isInteger(tabId), 'found the spy page');
      const A = `${lab.origins.api}/api`;
      const forgedUrl = `${A}/never?acao=*&tag=pv-forged`;
      const realUrl = `${A}/forged?acao=*&tag=pv-real`;
      const secretUrl = `${A}/secret?pf.acao={origin}&pf.acah=authorization,x-api-key&acao={origin}&tag=pv-secret`;
      const csrfUrl = `${A}/csrf?pf.acao={origin}&pf.acah=x-csrf-token&acao={origin}&tag=pv-csrf`;
      const out = await work.evaluate(async (forgedUrl, realUrl, secretUrl, csrfUrl) => {
        const f = window.__forge(forgedUrl, realUrl);
        const r1 = await fetch(secretUrl, { headers: { Authorization: 'Bearer SECRET-AUTH-1', 'X-Api-Key': 'SECRET-KEY-2' } }).then((r) => r.status, () => 'rejected');
        const r2 = await fetch(realUrl, { credentials: 'omit' }).then((r) => r.status, () => 'rejected');
        const x = new XMLHttpRequest();
        x.open('GET', csrfUrl);
        x.setRequestHeader('X-CSRF-Token', 'SECRET-CSRF-3');
        await new Promise((resolve) => { x.onloadend = resolve; x.send(); });
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { gotPort: f.gotPort, fakePortHeard: f.heard(), caught: window.__caught.slice(0, 20), r1, r2, r3: x.status };
      }, forgedUrl, realUrl, secretUrl, csrfUrl);
      const { rows } = await rowsWhere(ext, tabId, (t) => t?.startsWith('pv-'), { want: 3 });
      const byTag = (t) => rows.filter((r) => new URL(r.u).searchParams.get('tag') === t);
      const secretRow = byTag('pv-secret')[0];
      const realRows = byTag('pv-real');
      const got = secretRow ? await api(ext, { type: 'get', tabId, id: secretRow.id }) : null;
      const exportJson = JSON.stringify(await api(ext, { type: 'export', tabId, format: 'json' }));
      const exportHar = JSON.stringify(await api(ext, { type: 'export', tabId, format: 'har' }));
      figures.privacy = { ...out, rows: rows.map((r) => [r.u.split('tag=')[1], r.v, r.how]) };
      assert.deepEqual(out.caught, [], 'the page observed nothing of whycors');
      assert.equal(out.gotPort, false, 'no port for the page');
      assert.equal(out.fakePortHeard, 0, "the hook never wrote to the page's port");
      assert.deepEqual([out.r1, out.r2, out.r3], [200, 200, 200]);
      assert.equal(byTag('pv-forged').length, 0, 'a URL only the forger named has no row');
      assert.equal(realRows.length, 1);
      for (const r of realRows) {
        const g = await api(ext, { type: 'get', tabId, id: r.id });
        assert.equal(r.how, 'call');
        assert.equal(g.exchange.page.rejected, false, 'the real outcome, not the forged one');
        assert.notEqual(g.exchange.page.credentials, 'include', 'the real credentials mode, not the forged one');
        assert.equal(r.v, 'allowed');
      }
      assert.ok(got?.exchange, 'the secret call is recorded');
      const author = Object.fromEntries((got.exchange.page.authorHeaders ?? []).map((h) => [h.name.toLowerCase(), h.value]));
      assert.equal(author.authorization, '(redacted by whycors)');
      assert.equal(author['x-api-key'], '(redacted by whycors)');
      assert.equal(secretRow.v, 'allowed');
      for (const text of [exportJson, exportHar, JSON.stringify(got)]) assert.ok(!text.includes('SECRET-'), 'no secret value in the log or the exports');
      const xhrRow = byTag('pv-csrf')[0];
      assert.equal(xhrRow?.v, 'allowed');
      const gx = await api(ext, { type: 'get', tabId, id: xhrRow.id });
      assert.deepEqual((gx.exchange.page.authorHeaders ?? []).map((h) => [h.name.toLowerCase(), h.value]), [['x-csrf-token', '(redacted by whycors)']]);
      await work.close();
    });

    test('secret URL parameters are redacted unless raw values are asked for', { timeout: 60000 }, async () => {
      const work = await L.browser.newPage();
      const url = labPage(lab.origins, 'urls');
      await work.goto(url);
      const tabId = await tabIdOf(ext, url);
      const A = `${lab.origins.api}/api`;
      await work.evaluate((u) => fetch(u).catch(() => {}), `${A}/cb?acao=*&code=SECRET-CODE&access_token=SECRET-TOKEN&tag=pv-url1`);
      let { rows } = await rowsWhere(ext, tabId, (t) => t === 'pv-url1');
      const exp1 = JSON.stringify(await api(ext, { type: 'export', tabId, format: 'har' }));
      assert.equal(rows.length, 1);
      assert.ok(rows[0].u.includes('code=REDACTED') && rows[0].u.includes('access_token=REDACTED'), rows[0].u);
      assert.ok(!exp1.includes('SECRET-'), 'the HAR export has no secret parameter');
      await api(ext, { type: 'settings', set: { rawUrls: true } });
      await work.evaluate((u) => fetch(u).catch(() => {}), `${A}/cb?acao=*&code=RAW-CODE&tag=pv-url2`);
      ({ rows } = await rowsWhere(ext, tabId, (t) => t === 'pv-url2'));
      await api(ext, { type: 'settings', set: { rawUrls: false } });
      await work.close();
      assert.ok(rows[0].u.includes('code=RAW-CODE'), 'raw values when asked for');
    });

    test("a flooding page loses its own records only; another tab's all arrive", { timeout: 240000 }, async () => {
      const flooder = await L.browser.newPage();
      const furl = labPage(lab.origins, 'flood');
      await flooder.goto(furl);
      const victim = await L.browser.newPage();
      const vurl = labPage(lab.origins, 'victim');
      await victim.goto(vurl);
      const ftab = await tabIdOf(ext, furl);
      const vtab = await tabIdOf(ext, vurl);
      const A = `${lab.origins.api}/api`;
      const N = 150000;
      const flood = flooder.evaluate(async (u, n) => {
        const r = await fetch(u);
        let reads = 0;
        // Faster than the budget refills: three tasks of 50,000 reads.
        for (let i = 0; i < n; i += 50000) {
          for (let k = 0; k < 50000; k++) r.headers.get(`x-${(i + k) % 997}`);
          reads += 50000;
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        return reads;
      }, `${A}/flood?acao=*&tag=fl-flood`, N);
      const calls = victim.evaluate(async (base) => {
        const ps = [];
        for (let i = 0; i < 100; i++) ps.push(fetch(`${base}&_i=${i}`).then(() => null, (e) => String(e)));
        return Promise.all(ps);
      }, `${A}/victim?acao=*&tag=fl-victim`);
      const [reads, rejected] = await Promise.all([flood, calls]);
      const { rows: vrows } = await rowsWhere(ext, vtab, (t) => t === 'fl-victim', { want: 100 });
      const { rows: frows } = await rowsWhere(ext, ftab, (t) => t === 'fl-flood', { want: 1 });
      const fstats = await api(ext, { type: 'stats', tabId: ftab });
      const vstats = await api(ext, { type: 'stats', tabId: vtab });
      figures.flood = { reads, flooder: fstats, victim: vstats, victimRows: vrows.length, victimJoined: vrows.filter((r) => r.hk && r.how === 'call').length, flooderRows: frows.length };
      console.log(`${name} flood: ${JSON.stringify(figures.flood)}`);
      await flooder.close();
      await victim.close();
      assert.equal(reads, N);
      assert.deepEqual(rejected.filter(Boolean), []);
      assert.equal(vrows.length, 100, "every call of the other tab has its row");
      assert.equal(figures.flood.victimJoined, 100, "and every one is joined to its call");
      assert.equal(vstats.dropped, 0, 'the other tab lost nothing');
      assert.equal(vstats.overflowed, false);
      assert.equal(fstats.overflowed, true, 'the flooding page went over its budget');
      assert.ok(fstats.dropped > 0, 'and lost records');
      assert.equal(fstats.records + fstats.dropped + fstats.refused, fstats.mark, 'every record its hook made is received or counted as dropped');
      assert.ok(fstats.mark < N, 'its hook stopped recording');
      assert.equal(frows.length, 1, "the flooding page's own call, made before the flood, is still recorded");
      assert.equal(frows[0].how, 'call');
    });
  });
}

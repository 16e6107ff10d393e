// HTTP/2 vs HTTP/1.1: how Chromium 156 and Firefox ESR 153 treat repeated
// Access-Control-Allow-Origin lines (lower-case names on HTTP/2). Caddy (TLS,
// self-signed) serves the same routes on an h1+h2 port and an h1-only port;
// a page on the lab's page origin fetches each one. The facts recorded in
// docs/probe.md ("HTTP/2 in the browsers") and tests/probe_net.rs (MEASURED)
// come from this script:
//
//   cargo build && node tests/probe_h2_measure.mjs     # writes results.json in a temp dir
//
// Needs caddy (Debian: apt-get install caddy), /usr/bin/chromium,
// /usr/bin/firefox-esr and node_modules (./build.sh installs them).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { launchChromium, launchFirefox, browserVerdicts, startLab, freePorts } from './harness/index.mjs';
import { makeCertificate } from './harness/tls.mjs';

const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'whycors-h2-'));
const cert = makeCertificate(['localhost'], ['127.0.0.1']);
fs.writeFileSync(path.join(DIR, 'cert.pem'), cert.cert);
fs.writeFileSync(path.join(DIR, 'key.pem'), cert.key);
const lab = await startLab({ build: false });
const page = lab.origins.page;
const [H2, H1] = await freePorts(2);
const EX = 'http://example.com';
const routes = {
  'one': [['Access-Control-Allow-Origin', page]],
  'two-same': [['+Access-Control-Allow-Origin', page], ['+Access-Control-Allow-Origin', page]],
  'two-diff': [['+Access-Control-Allow-Origin', page], ['+Access-Control-Allow-Origin', EX]],
  'star-star': [['+Access-Control-Allow-Origin', '*'], ['+Access-Control-Allow-Origin', '*']],
  'one-line-comma': [['Access-Control-Allow-Origin', `${page}, ${EX}`]],
  'acac-two': [['Access-Control-Allow-Origin', page], ['+Access-Control-Allow-Credentials', 'true'], ['+Access-Control-Allow-Credentials', 'true']],
  'acac-one': [['Access-Control-Allow-Origin', page], ['Access-Control-Allow-Credentials', 'true']],
};
const credentialed = new Set(['acac-two', 'acac-one']);
let site = '';
for (const [name, hs] of Object.entries(routes)) {
  site += `  route /${name} {\n`;
  for (const [n, v] of hs) site += `    header ${n} "${v}"\n`;
  site += `    respond "ok" 200\n  }\n`;
}
const caddyfile = `{
  admin off
  auto_https off
  servers :${H1} {
    protocols h1
  }
  servers :${H2} {
    protocols h1 h2
  }
}
https://127.0.0.1:${H2}, https://127.0.0.1:${H1} {
  tls ${DIR}/cert.pem ${DIR}/key.pem
  log {
    output file ${DIR}/access.log
    format json
  }
${site}}
`;
fs.writeFileSync(path.join(DIR, 'Caddyfile'), caddyfile);
try { fs.unlinkSync(path.join(DIR, 'access.log')); } catch {}
const env = { ...process.env, HOME: DIR, XDG_DATA_HOME: DIR + '/data', XDG_CONFIG_HOME: DIR + '/config' };
const caddy = spawn('caddy', ['run', '--config', path.join(DIR, 'Caddyfile'), '--adapter', 'caddyfile'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let caddyErr = '';
caddy.stderr.on('data', (d) => { caddyErr += d; });
const waitPort = async (p) => { for (let i = 0; i < 100; i++) { const ok = await new Promise((r) => { const s = net.connect(p, '127.0.0.1'); s.on('connect', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); }); if (ok) return; await new Promise((r) => setTimeout(r, 100)); } throw new Error('caddy did not start: ' + caddyErr); };
await waitPort(H2); await waitPort(H1);

const results = [];
for (const launch of [() => launchChromium({ args: ['--ignore-certificate-errors'] }), () => launchFirefox({ acceptInsecureCerts: true })]) {
  const b = await launch();
  try {
    for (const [label, port] of [['h2', H2], ['h1', H1]]) {
      for (const name of Object.keys(routes)) {
        const tag = `${b.name}-${label}-${name}`;
        const url = `https://127.0.0.1:${port}/${name}?tag=${tag}`;
        const p = await b.browser.newPage();
        const v = await browserVerdicts(p, b.name);
        await p.goto(`${page}/api/blank?type=html`, { waitUntil: 'load' });
        const seen = await p.evaluate(async (u, cred) => {
          try { const r = await fetch(u, { credentials: cred ? 'include' : 'omit', cache: 'no-store' }); return `resolved ${r.status}`; } catch (e) { return `rejected ${e.message}`; }
        }, url, credentialed.has(name));
        await v.settle(tag);
        const verdict = v.verdict(tag);
        await v.dispose();
        await p.close();
        results.push({ browser: b.name, version: b.version, proto: label, route: name, seen, verdict: b.name === 'chromium' ? { corsError: verdict.corsError, failedParameter: verdict.failedParameter } : { firefoxKey: verdict.firefoxKey, param: verdict.param, message: verdict.message } });
      }
    }
  } finally {
    await b.close();
  }
}
caddy.kill();
await lab.stop();
// What protocol each request really came over (Caddy's access log).
const protos = {};
for (const line of fs.readFileSync(path.join(DIR, 'access.log'), 'utf8').split('\n').filter(Boolean)) {
  const j = JSON.parse(line);
  const tag = new URL('https://x' + j.request.uri).searchParams.get('tag');
  protos[tag] = j.request.proto;
}
for (const r of results) r.wire = protos[`${r.browser}-${r.proto}-${r.route}`] ?? null;
fs.writeFileSync(path.join(DIR, 'results.json'), JSON.stringify(results, null, 1));
for (const r of results) console.log(r.browser, r.version, r.proto, r.wire, r.route, r.seen, JSON.stringify(r.verdict));
console.log(`results: ${path.join(DIR, 'results.json')}`);

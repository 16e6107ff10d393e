// TLS in front of the lab, for scenarios that need `https:` (mixed content,
// certificate errors). The lab speaks plain HTTP; a TLS terminator here
// decrypts and pipes the bytes to one of the lab's origins, so the lab still
// records every request it receives. The certificate is self-signed and made
// at run time with `openssl` (never committed): browsers do not trust it
// unless told to (Chromium: `--ignore-certificate-errors-spki-list={tlsSpki}`;
// Firefox: WebDriver's `acceptInsecureCerts`).
//
//   const cert = makeCertificate(['lab.test', 'api.test'], ['127.0.0.1']);
//   const proxy = await startTlsProxy({ port: 18804, to: 18801, cert });
//   ... https://lab.test:18804/ is the lab's page origin over TLS ...
//   await proxy.stop();
//
// The lab's record of a request that came through here says `http://` + Host
// (it does not know about the TLS in front of it).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';

/** A self-signed certificate for these DNS names and IP addresses: {key, cert, spki}. */
export function makeCertificate(dnsNames = ['lab.test', 'api.test', 'other.test', 'localhost'], ips = ['127.0.0.1']) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whycors-tls-'));
  try {
    const san = [...dnsNames.map((n) => `DNS:${n}`), ...ips.map((i) => `IP:${i}`)].join(',');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '2', '-subj', '/CN=whycors lab (self-signed, made by the test harness)',
      '-addext', `subjectAltName=${san}`,
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const key = fs.readFileSync(path.join(dir, 'key.pem'));
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    const der = new crypto.X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
    // What Chromium's --ignore-certificate-errors-spki-list wants: base64(sha256(SubjectPublicKeyInfo)).
    const spki = crypto.createHash('sha256').update(der).digest('base64');
    return { key, cert, spki };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A TLS terminator on 127.0.0.1:`port` piping to 127.0.0.1:`to`. {port, stop()} */
export async function startTlsProxy({ port, to, cert }) {
  const sockets = new Set();
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, (client) => {
    const up = net.connect(to, '127.0.0.1');
    sockets.add(client);
    sockets.add(up);
    const close = () => { client.destroy(); up.destroy(); sockets.delete(client); sockets.delete(up); };
    client.on('error', close);
    up.on('error', close);
    client.on('close', close);
    up.on('close', close);
    client.pipe(up);
    up.pipe(client);
  });
  // A browser that refuses the certificate closes the handshake: not an error here.
  server.on('tlsClientError', () => {});
  await new Promise((resolve, reject) => server.listen(port, '127.0.0.1', resolve).on('error', reject));
  return {
    port: server.address().port,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Whether nothing listens on 127.0.0.1:`port` (a connection is refused). */
export function portIsClosed(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(true));
  });
}

/**
 * The set-up beyond the lab that some scenarios need, started once per run:
 * TLS terminators in front of the lab's page and api origins, and a port
 * verified closed. Sets `lab.origins.extra` = {tlsPagePort, tlsApiPort,
 * closedPort, tlsSpki} (the placeholders `fill` knows). `stop()` stops them.
 */
export async function startExtras(lab, { tlsPagePort = 0, tlsApiPort = 0, closedPort } = {}) {
  const cert = makeCertificate();
  const page = await startTlsProxy({ port: tlsPagePort, to: lab.origins.pagePort, cert });
  let api;
  try {
    api = await startTlsProxy({ port: tlsApiPort, to: lab.origins.apiPort, cert });
  } catch (e) {
    await page.stop();
    throw e;
  }
  let closed = closedPort;
  if (closed === undefined || !(await portIsClosed(closed))) {
    // A port that was free a moment ago (bound, then released).
    const s = net.createServer();
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    closed = s.address().port;
    await new Promise((resolve) => s.close(resolve));
    if (closedPort !== undefined) process.stderr.write(`port ${closedPort} is in use: {closedPort} is ${closed} in this run\n`);
  }
  lab.origins.extra = { tlsPagePort: page.port, tlsApiPort: api.port, closedPort: closed, tlsSpki: cert.spki };
  return {
    extra: lab.origins.extra,
    cert,
    async stop() {
      await page.stop();
      await api.stop();
    },
  };
}

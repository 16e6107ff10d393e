// Starting the whycors lab server (`whycors lab`) for tests, and talking to it.

import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, labOrigins } from './scenarios.mjs';

/** The kernel's ephemeral port range: outgoing connections take their local ports from it. */
function ephemeralRange() {
  try {
    const [lo, hi] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {}
  return [32768, 60999];
}

/** Ports this process has handed out: never handed out twice. */
const handedOut = new Set();

function tryListen(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/**
 * `n` distinct free TCP ports on 127.0.0.1, below the ephemeral range. A
 * port from the ephemeral range (`listen(0)`) could be taken, before its
 * server binds it, as the local port of one of the many outgoing
 * connections a run makes (readiness probes, browsers): CI saw nginx fail
 * with "Address already in use" that way. Random ports between 20000 and
 * the range's start, each checked free, none handed out twice by this
 * process.
 */
export async function freePorts(n) {
  const [lo] = ephemeralRange();
  const min = 20000;
  const max = Math.min(lo - 1, 32767);
  const servers = [];
  const ports = [];
  for (let tries = 0; ports.length < n && tries < 50 * n + 1000; tries++) {
    const port = max > min + n * 4 ? min + Math.floor(Math.random() * (max - min + 1)) : 0;
    if (port && handedOut.has(port)) continue;
    const s = await tryListen(port);
    if (!s) continue;
    const got = s.address().port;
    servers.push(s);
    if (handedOut.has(got)) continue;
    handedOut.add(got);
    ports.push(got);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (ports.length < n) throw new Error(`freePorts: found ${ports.length} of ${n} free ports on 127.0.0.1`);
  return ports;
}

async function waitForPort(port, host, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((resolve) => {
      const sock = net.connect(port, host);
      sock.on('connect', () => { sock.destroy(); resolve(true); });
      sock.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The whycors binary, built (debug) if needed. */
export function whycorsBinary({ build = true } = {}) {
  const bin = process.env.WHYCORS_BIN ?? path.join(ROOT, 'target/debug/whycors');
  if (build && !process.env.WHYCORS_BIN) {
    execFileSync('cargo', ['build', '-q', '--bin', 'whycors'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (!fs.existsSync(bin)) throw new Error(`whycors binary not found at ${bin}`);
  return bin;
}

/**
 * Starts `whycors lab` on the given ports (or free ones) and waits until the
 * three origins accept connections. Set WHYCORS_LAB=page,api,other (ports) to
 * use a lab that is already running instead.
 * @returns {Promise<{origins, records(tag), reset(), stop()}>}
 */
export async function startLab({ pagePort, apiPort, otherPort, www = path.join(ROOT, 'www'), build = true } = {}) {
  let child = null;
  let ports;
  if (process.env.WHYCORS_LAB) {
    ports = process.env.WHYCORS_LAB.split(',').map(Number);
  } else {
    ports = pagePort && apiPort && otherPort ? [pagePort, apiPort, otherPort] : await freePorts(3);
    // A port already taken (another lab left running) would make the new lab
    // exit while the old one answers in its place: say so instead.
    for (const p of ports) {
      const taken = await new Promise((resolve) => {
        const sock = net.connect(p, '127.0.0.1');
        sock.on('connect', () => { sock.destroy(); resolve(true); });
        sock.on('error', () => resolve(false));
      });
      if (taken) throw new Error(`port ${p} is already in use (another \`whycors lab\` still running?): stop it, or set WHYCORS_LAB to use it`);
    }
    const bin = whycorsBinary({ build });
    child = spawn(bin, ['lab', '--page-port', String(ports[0]), '--api-port', String(ports[1]),
      '--other-port', String(ports[2]), '--www', www], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', () => {});
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const up = await Promise.race([
      Promise.all(ports.map((p) => waitForPort(p, '127.0.0.1', 15000))).then((a) => a.every(Boolean)),
      exited.then((code) => { throw new Error(`whycors lab exited with ${code}: ${stderr.trim()}`); }),
    ]);
    if (!up) {
      child.kill();
      throw new Error(`whycors lab did not listen on ${ports.join(', ')}: ${stderr.trim()}`);
    }
  }
  const origins = labOrigins({ pagePort: ports[0], apiPort: ports[1], otherPort: ports[2] });
  return {
    origins,
    pid: child?.pid ?? null,
    /** The server's records for a tag (any origin answers; asked on the api origin). */
    async records(tag) {
      const r = await fetch(`${origins.api}/__records?tag=${encodeURIComponent(tag)}`);
      if (!r.ok) throw new Error(`/__records answered ${r.status}`);
      return r.json();
    },
    async reset() {
      await fetch(`${origins.api}/__reset`, { method: 'POST' }).catch(() => {});
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        const t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 3000);
        child.on('exit', () => { clearTimeout(t); resolve(); });
      });
    },
  };
}

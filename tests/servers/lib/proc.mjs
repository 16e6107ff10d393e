// Starting and stopping the real servers: one process each, on its own
// loopback port, stopped by PID.
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// `n` distinct free TCP ports on 127.0.0.1: the harness's one implementation.
export { freePorts } from '../../harness/lab.mjs';

function accepts(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('connect', () => { sock.destroy(); resolve(true); });
    sock.on('error', () => resolve(false));
  });
}

/** Whether `cmd` is an executable on PATH (or an absolute path). */
export function which(cmd) {
  if (cmd.includes('/')) return fs.existsSync(cmd) ? cmd : null;
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(d, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

export function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/**
 * Spawns a server and waits (bounded) until its port accepts connections.
 * Resolves {pid, port, stop(), log()}; rejects with the output when the
 * process exits first or the port never opens.
 */
export async function startServer({ cmd, args, port, env = {}, cwd, logFile, ready = 20000 }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  // Another process on this port (another suite on the machine took it after
  // freePorts) would answer for ours: say so rather than test the wrong server.
  if (await accepts(port)) throw new Error(`127.0.0.1:${port} is already served by another process (not started: ${cmd} ${args.join(' ')})`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = null;
  const done = new Promise((resolve) => child.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); }));
  child.on('error', (e) => { exited = { code: -1, error: String(e) }; });
  const log = () => { try { return fs.readFileSync(logFile, 'utf8'); } catch { return ''; } };
  const end = Date.now() + ready;
  while (Date.now() < end && !exited) {
    if (await accepts(port)) break;
    await sleep(50);
  }
  const server = {
    pid: child.pid,
    port,
    log,
    exited: () => exited,
    async stop() {
      if (exited) return exited;
      try { process.kill(child.pid, 'SIGTERM'); } catch {}
      const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch {} }, 5000);
      const r = await done;
      clearTimeout(t);
      return r;
    },
  };
  if (exited || !(await accepts(port))) {
    await server.stop();
    const e = new Error(`${cmd} ${args.join(' ')} did not serve 127.0.0.1:${port}${exited ? ` (exited ${JSON.stringify(exited)})` : ''}\n${log().slice(-3000)}`);
    e.server = server;
    e.output = log();
    throw e;
  }
  return server;
}

/** Runs a process that must exit by itself (bounded): {code, signal, output}. */
export function runToExit({ cmd, args, env = {}, cwd, timeout = 20000 }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch {} }, timeout);
    child.on('exit', (code, signal) => { clearTimeout(t); resolve({ code, signal, output, pid: child.pid }); });
  });
}

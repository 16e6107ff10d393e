// The real server stacks of the suite (issue 9): how each is found, built,
// configured for a case (the stack's own configuration of that
// misconfiguration) and configured with whycors' snippet for that case.
//
// Every stack exposes:
//   programs: [{name, path}]            what must be installed (checked explicitly)
//   version(): string                   the installed version, as the stack reports it
//   build(): Promise<void>              compile once (Go, axum) before any start
//   start(caseId, ctx)                  the case's misconfigured (or happy) server
//   startFixed(caseId, snippet, ctx)    the same app with whycors' snippet applied
// ctx = {origin, port, dir, layerFixes: [ids]}; start* resolve to a server
// from proc.mjs (stopped by PID) or reject with the output.

import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, runToExit, run, which, freePorts } from './proc.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SERVERS_DIR = path.join(ROOT, 'tests/servers');
export const WORK = path.join(ROOT, 'target/servers');
const APPS = path.join(SERVERS_DIR, 'apps');
const PY = '/usr/bin/python3'; // Debian's: the pyenv python3 on PATH cannot see python3-* packages
const GOPATH = '/usr/share/gocode';
const AXUM_TARGET = path.join(WORK, 'axum');
/** This run's own files (configurations, logs, binaries): runs in parallel do not meet. */
export const RUN = path.join(WORK, `run-${process.pid}`);
const AXUM_BIN = path.join(RUN, 'bin/whycors-servers-axum');
const GO_BIN = path.join(RUN, 'bin/whycors-servers-go');

/** The program's full path (spawn does not search /usr/sbin when PATH lacks it). */
const bin = (cmd) => which(cmd) ?? cmd;

const write = (file, text) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
};
const firstLine = (s) => String(s).split('\n').find((l) => l.trim()) ?? '';
const tryRun = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
};
const logOf = (ctx, name) => path.join(ctx.dir, `${name}.log`);

// ------------------------------------------------------------------ nginx

const NGINX_BACKEND_ITEMS = `location = /api/items {
      # The application: answers GET, PUT, POST; no route for OPTIONS.
      if ($request_method = OPTIONS) { return 405; }
      default_type application/json;
      return 200 '{"items":[]}';
    }
    location = /api/fail { return 500; }`;

function nginxConf(ctx, front, { appBackend = null } = {}) {
  const d = ctx.dir;
  return `pid ${d}/nginx.pid;
error_log ${d}/error.log;
daemon off;
master_process off;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${d}/body;
  proxy_temp_path ${d}/proxy;
  fastcgi_temp_path ${d}/fastcgi;
  uwsgi_temp_path ${d}/uwsgi;
  scgi_temp_path ${d}/scgi;
  ${appBackend ? `# The application behind the proxy: the ${appBackend} app on 127.0.0.1:${ctx.backend}.` : `# The application behind the proxy (another server block of the same nginx).
  server {
    listen 127.0.0.1:${ctx.backend};
    ${NGINX_BACKEND_ITEMS}
  }`}
  server {
    listen 127.0.0.1:${ctx.port};
${front}
  }
}
`;
}

const NGINX_VARIANTS = {
  // nginx's usual CORS recipe: OPTIONS answered by nginx, headers with `always`.
  happy: (c) => `    location /api/ {
      if ($request_method = OPTIONS) {
        add_header Access-Control-Allow-Origin "${c.origin}" always;
        add_header Access-Control-Allow-Credentials "true" always;
        add_header Access-Control-Allow-Methods "GET, POST, PUT" always;
        add_header Access-Control-Allow-Headers "content-type, authorization" always;
        add_header Vary Origin always;
        return 204;
      }
      add_header Access-Control-Allow-Origin "${c.origin}" always;
      add_header Access-Control-Allow-Credentials "true" always;
      add_header Vary Origin always;
      proxy_pass http://127.0.0.1:${c.backend};
    }`,
  // add_header without `always`: only 2xx/3xx get it; the app's 500 does not.
  'no-always': (c) => `    location /api/ {
      add_header Access-Control-Allow-Origin "${c.origin}";
      add_header Vary Origin;
      proxy_pass http://127.0.0.1:${c.backend};
    }`,
  // The proxy adds ACAO, and so does the app behind it.
  'proxy-and-app': (c) => `    location /api/ {
      add_header Access-Control-Allow-Origin "${c.origin}" always;
      proxy_pass http://127.0.0.1:${c.backend};
    }`,
  // An add_header in the location drops every add_header of the server block.
  inheritance: (c) => `    add_header Access-Control-Allow-Origin "${c.origin}" always;
    add_header Vary Origin always;
    location /api/ {
      add_header X-Content-Type-Options nosniff always;
      proxy_pass http://127.0.0.1:${c.backend};
    }`,
  // OPTIONS is proxied to the app, which has no route for it (405).
  'options-proxied': (c) => `    location /api/ {
      add_header Access-Control-Allow-Origin "${c.origin}" always;
      add_header Access-Control-Allow-Methods "GET, POST, PUT" always;
      add_header Access-Control-Allow-Headers "content-type" always;
      add_header Vary Origin always;
      proxy_pass http://127.0.0.1:${c.backend};
    }`,
};

/** Cases whose upstream is a real application with its own CORS (the app's happy path). */
const NGINX_APP = { 'proxy-and-app': 'express' };
const CADDY_APP = { 'proxy-and-app': 'flask' };

/**
 * Starts the case's upstream application (its documented happy path, so it
 * adds CORS headers itself) on ctx.backend, then the proxy; one server
 * object whose stop() stops both.
 */
async function withApp(ctx, app, startProxy) {
  if (!app) return startProxy();
  const upstream = await STACKS[app].start('happy', { origin: ctx.origin, port: ctx.backend, dir: path.join(ctx.dir, app) });
  try {
    const proxy = await startProxy();
    return { ...proxy, upstream, async stop() { const r = await proxy.stop(); await upstream.stop(); return r; } };
  } catch (e) {
    await upstream.stop();
    throw e;
  }
}

const nginx = {
  programs: ['nginx'],
  version: () => firstLine(tryRun(which('nginx') ?? 'nginx', ['-v'])).replace(/^nginx version: /, ''),
  async build() {},
  async serve(ctx, opts) {
    [ctx.backend] = await freePorts(1);
    const front = opts.snippet
      ? opts.snippet.replace('proxy_pass http://backend;', `proxy_pass http://127.0.0.1:${ctx.backend};`).replace(/^/gm, '    ')
      : opts.frontFn(ctx);
    const conf = write(path.join(ctx.dir, 'nginx.conf'), nginxConf(ctx, front, opts));
    const args = ['-p', ctx.dir, '-e', `${ctx.dir}/error.log`, '-c', conf];
    const t = await runToExit({ cmd: bin('nginx'), args: ['-t', ...args] });
    if (t.code !== 0) throw new Error(`nginx -t rejects the configuration:\n${t.output}\n${fs.readFileSync(conf, 'utf8')}`);
    return withApp(ctx, opts.appBackend, () => startServer({ cmd: bin('nginx'), args, port: ctx.port, logFile: logOf(ctx, 'nginx') }));
  },
  start(id, ctx) {
    const frontFn = NGINX_VARIANTS[id];
    if (!frontFn) throw new Error(`nginx: no variant ${id}`);
    return this.serve(ctx, { appBackend: NGINX_APP[id] ?? null, frontFn });
  },
  startFixed(id, snippet, ctx) {
    // The snippet's location block is the front server's configuration; its
    // upstream (`http://backend`) is the case's application.
    return this.serve(ctx, { appBackend: NGINX_APP[id] ?? null, snippet });
  },
};

// ------------------------------------------------------------------ Apache httpd

const APACHE_MODULES = ['mpm_event', 'authz_core', 'authn_core', 'authn_file', 'authz_user', 'auth_basic', 'headers', 'rewrite', 'mime'];
export const BASIC_USER = 'whycors';
export const BASIC_PASSWORD = 'whycors-test';

function apacheConf(ctx, body) {
  const d = ctx.dir;
  const m = '/usr/lib/apache2/modules';
  const www = path.join(d, 'www');
  write(path.join(www, 'api/items'), '{"items":[]}\n');
  return `ServerRoot ${d}
ServerName 127.0.0.1
PidFile ${d}/httpd.pid
ErrorLog ${d}/error.log
${APACHE_MODULES.map((x) => `LoadModule ${x}_module ${m}/mod_${x}.so`).join('\n')}
TypesConfig /etc/mime.types
Listen 127.0.0.1:${ctx.port}
<VirtualHost 127.0.0.1:${ctx.port}>
DocumentRoot ${www}
<Directory ${www}>
  Require all granted
</Directory>
<Files items>
  ForceType application/json
</Files>
${body}
</VirtualHost>
`;
}

const APACHE_AUTH = (d) => `<Location /api>
  AuthType Basic
  AuthName "api"
  AuthUserFile ${d}/htpasswd
  Require valid-user
</Location>`;

const APACHE_VARIANTS = {
  // The usual recipe: `Header always set`, preflights answered 204 by mod_rewrite.
  happy: (c) => `Header always set Access-Control-Allow-Origin "${c.origin}"
Header always set Access-Control-Allow-Headers "x-requested-with"
Header always merge Vary Origin
RewriteEngine On
RewriteCond %{REQUEST_METHOD} OPTIONS
RewriteRule ^ - [R=204,L]`,
  // `Header set` (onsuccess table): 2xx only; Apache's own 404 goes without.
  onsuccess: (c) => `Header set Access-Control-Allow-Origin "${c.origin}"
Header merge Vary Origin`,
  // The same header in both tables (onsuccess and always): sent twice.
  'both-tables': (c) => `Header set Access-Control-Allow-Origin "${c.origin}"
Header always set Access-Control-Allow-Origin "${c.origin}"`,
  // No preflight handling: Apache's core answers OPTIONS 200 (Allow), without ACAH.
  'options-core': (c) => `Header always set Access-Control-Allow-Origin "${c.origin}"
Header always merge Vary Origin`,
  // Basic authentication on /api runs before anything answers the preflight.
  'auth-before-cors': (c) => `${APACHE_AUTH(c.dir)}
Header always set Access-Control-Allow-Origin "${c.origin}"
Header always set Access-Control-Allow-Headers "authorization"
Header always merge Vary Origin`,
};

const apache = {
  programs: ['apache2', 'htpasswd'],
  version: () => firstLine(tryRun(which('apache2') ?? 'apache2', ['-v'])).replace(/^Server version: /, ''),
  variants: Object.keys(APACHE_VARIANTS),
  async build() {},
  async serve(ctx, body) {
    fs.mkdirSync(ctx.dir, { recursive: true });
    run(bin('htpasswd'), ['-cbB', path.join(ctx.dir, 'htpasswd'), BASIC_USER, BASIC_PASSWORD]);
    const conf = write(path.join(ctx.dir, 'httpd.conf'), apacheConf(ctx, body));
    const t = await runToExit({ cmd: bin('apache2'), args: ['-t', '-f', conf] });
    if (t.code !== 0) throw new Error(`apache2 -t rejects the configuration:\n${t.output}`);
    return startServer({ cmd: bin('apache2'), args: ['-X', '-f', conf], port: ctx.port, logFile: logOf(ctx, 'apache2') });
  },
  start(id, ctx) {
    const v = APACHE_VARIANTS[id];
    if (!v) throw new Error(`apache: no variant ${id}`);
    return this.serve(ctx, v(ctx));
  },
  startFixed(id, snippet, ctx) {
    // The snippet goes into the VirtualHost in place of the case's CORS lines;
    // the case's authentication stays.
    const own = id === 'auth-before-cors' ? `${APACHE_AUTH(ctx.dir)}\n` : '';
    return this.serve(ctx, own + snippet);
  },
};

// ------------------------------------------------------------------ Caddy

function caddyfile(ctx, site, { appBackend = null } = {}) {
  return `{
\tadmin off
\tauto_https off
\tstorage file_system ${ctx.dir}/storage
}
${appBackend ? `# The application behind the proxy: the ${appBackend} app on 127.0.0.1:${ctx.backend}.` : `# The application behind the proxy (another site of the same Caddy).
http://127.0.0.1:${ctx.backend} {
\trespond /api/items "[]" 200
\trespond /api/fail "boom" 500
}`}
${site}
`;
}

const CADDY_VARIANTS = {
  // A common Caddy recipe: OPTIONS answered by Caddy, headers deferred over the app's.
  happy: (c) => `http://127.0.0.1:${c.port} {
\t@cors_preflight method OPTIONS
\thandle @cors_preflight {
\t\theader {
\t\t\tAccess-Control-Allow-Origin "${c.origin}"
\t\t\tAccess-Control-Allow-Credentials "true"
\t\t\tAccess-Control-Allow-Methods "GET, POST, PUT"
\t\t\tAccess-Control-Allow-Headers "content-type, authorization"
\t\t\tVary Origin
\t\t}
\t\trespond 204
\t}
\theader {
\t\tAccess-Control-Allow-Origin "${c.origin}"
\t\tAccess-Control-Allow-Credentials "true"
\t\tVary Origin
\t\tdefer
\t}
\treverse_proxy 127.0.0.1:${c.backend}
}`,
  // Static files: file_server answers the preflight (OPTIONS) itself, with no CORS preflight headers.
  'file-server-options': (c) => `http://127.0.0.1:${c.port} {
\theader Access-Control-Allow-Origin "${c.origin}"
\troot * ${c.dir}/www
\tfile_server
}`,
  // The proxy and the app both add ACAO.
  'proxy-and-app': (c) => `http://127.0.0.1:${c.port} {
\theader Access-Control-Allow-Origin "${c.origin}"
\treverse_proxy 127.0.0.1:${c.backend}
}`,
  // The upstream is down: Caddy's own 502 skips a deferred header directive
  // (deferred, the usual way to replace the app's copy).
  'upstream-down': (c) => `http://127.0.0.1:${c.port} {
\theader {
\t\tAccess-Control-Allow-Origin "${c.origin}"
\t\tdefer
\t}
\treverse_proxy 127.0.0.1:${c.dead}
}`,
  // `*` with credentials.
  'star-credentials': (c) => `http://127.0.0.1:${c.port} {
\theader {
\t\tAccess-Control-Allow-Origin "*"
\t\tAccess-Control-Allow-Credentials "true"
\t}
\treverse_proxy 127.0.0.1:${c.backend}
}`,
};

/** The case's own request handler (what the snippet's `reverse_proxy localhost:8080` stands for). */
function caddyHandler(id, c) {
  if (id === 'file-server-options') return `root * ${c.dir}/www\n\tfile_server`;
  if (id === 'upstream-down') return `reverse_proxy 127.0.0.1:${c.dead}`;
  return `reverse_proxy 127.0.0.1:${c.backend}`;
}

const caddy = {
  programs: ['caddy'],
  version: () => firstLine(tryRun(which('caddy') ?? 'caddy', ['version'])),
  variants: Object.keys(CADDY_VARIANTS),
  async build() {},
  async serve(ctx, siteFn, opts) {
    [ctx.backend, ctx.dead] = await freePorts(2);
    fs.mkdirSync(path.join(ctx.dir, 'storage'), { recursive: true });
    write(path.join(ctx.dir, 'www/api/items'), '{"items":[]}\n');
    const file = write(path.join(ctx.dir, 'Caddyfile'), caddyfile(ctx, siteFn(ctx), opts));
    const env = { HOME: ctx.dir, XDG_DATA_HOME: `${ctx.dir}/data`, XDG_CONFIG_HOME: `${ctx.dir}/config` };
    const t = await runToExit({ cmd: bin('caddy'), args: ['validate', '--config', file, '--adapter', 'caddyfile'], env });
    if (t.code !== 0) throw new Error(`caddy validate rejects the configuration:\n${t.output}\n${fs.readFileSync(file, 'utf8')}`);
    return withApp(ctx, opts.appBackend, () => startServer({ cmd: bin('caddy'), args: ['run', '--config', file, '--adapter', 'caddyfile'], env, port: ctx.port, logFile: logOf(ctx, 'caddy') }));
  },
  start(id, ctx) {
    const v = CADDY_VARIANTS[id];
    if (!v) throw new Error(`caddy: no variant ${id}`);
    return this.serve(ctx, v, { appBackend: CADDY_APP[id] ?? null });
  },
  startFixed(id, snippet, ctx) {
    // The snippet's site block, at this port, with the case's own handler
    // in place of its `reverse_proxy localhost:8080`.
    return this.serve(ctx, (c) => snippet
      .replace(/^api\.example\.com \{/m, `http://127.0.0.1:${c.port} {`)
      .replace('reverse_proxy localhost:8080', caddyHandler(id, c)), { appBackend: CADDY_APP[id] ?? null });
  },
};

// ------------------------------------------------------------------ applications

function appStack({ programs, version, cmd, script, env = () => ({}) }) {
  return {
    programs,
    version,
    async build() {},
    start(id, ctx) {
      return startServer({ cmd, args: [script, '--variant', id, '--port', String(ctx.port), '--origin', ctx.origin], env: env(ctx), port: ctx.port, logFile: logOf(ctx, 'app'), cwd: ROOT });
    },
    startFixed(id, snippet, ctx) {
      const file = write(path.join(ctx.dir, 'snippet.txt'), snippet);
      const extra = (ctx.layerFixes ?? []).flatMap((f) => ['--layer-fix', f]);
      return startServer({ cmd, args: [script, '--variant', `fixed:${id}`, '--port', String(ctx.port), '--origin', ctx.origin, '--snippet', file, ...extra], env: env(ctx), port: ctx.port, logFile: logOf(ctx, 'app'), cwd: ROOT });
    },
  };
}

const pyVersion = (mods) => () => tryRun(PY, ['-c', `import importlib.metadata as m; print(", ".join(n + " " + m.version(n) for n in ${JSON.stringify(mods)}))`]).trim();

const express = appStack({
  programs: ['node'],
  version: () => {
    const v = (p) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', p, 'package.json'), 'utf8')).version;
    try {
      return `express ${v('express')}, cors ${v('cors')}`;
    } catch {
      return 'missing';
    }
  },
  cmd: process.execPath,
  script: path.join(APPS, 'express_app.cjs'),
});
express.check = () => ['express', 'cors'].filter((p) => !fs.existsSync(path.join(ROOT, 'node_modules', p, 'package.json'))).map((p) => `node_modules/${p} (npm ci)`);

const django = appStack({ programs: [PY], version: pyVersion(['Django', 'django-cors-headers']), cmd: PY, script: path.join(APPS, 'django_app.py') });
django.check = () => pyMissing(['django', 'corsheaders']);
const flask = appStack({ programs: [PY], version: pyVersion(['Flask', 'Flask-Cors', 'Werkzeug']), cmd: PY, script: path.join(APPS, 'flask_app.py') });
flask.check = () => pyMissing(['flask', 'flask_cors']);
// The diagnosis' hint preflight-auth-before-cors asks to let preflights through
// authentication; with flask-cors that is the app's before_request, not the snippet.
flask.layerFixes = [{ id: 'preflight-passes-auth', hint: 'preflight-auth-before-cors' }];
const fastapi = appStack({ programs: [PY], version: pyVersion(['fastapi', 'starlette', 'uvicorn']), cmd: PY, script: path.join(APPS, 'fastapi_app.py') });
fastapi.check = () => pyMissing(['fastapi', 'starlette', 'uvicorn']);

function pyMissing(mods) {
  if (!which(PY)) return [PY];
  return mods.filter((m) => {
    try {
      run(PY, ['-c', `import ${m}`]);
      return false;
    } catch {
      return true;
    }
  }).map((m) => `${PY}: import ${m}`);
}

// ------------------------------------------------------------------ Go rs/cors

const goEnv = () => ({ GO111MODULE: 'off', GOPATH, GOCACHE: path.join(WORK, 'go/cache'), GOFLAGS: '' });

/** Builds the Go binary (every variant, plus the fixed ones in `fixes`). */
async function buildGo(fixes = null) {
  const dir = path.join(RUN, 'go-build');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(SERVERS_DIR, 'go/main.go'), path.join(dir, 'main.go'));
  if (fixes) write(path.join(dir, 'fixes.go'), fixes);
  else fs.copyFileSync(path.join(SERVERS_DIR, 'go/fixes_default.go'), path.join(dir, 'fixes_default.go'));
  const r = await runToExit({ cmd: bin('go'), args: ['build', '-o', GO_BIN, '.'], cwd: dir, env: goEnv(), timeout: 300000 });
  if (r.code !== 0) throw new Error(`go build failed:\n${r.output}\n${fixes ?? ''}`);
}

/** Go source of the fixed variants: each snippet wraps the case's app (`mux`). */
export function goFixes(snippets) {
  const body = Object.entries(snippets).map(([id, code]) => {
    const inner = code.split('\n').filter((l) => !l.startsWith('import ')).map((l) => `\t\t${l}`).join('\n');
    return `\t${JSON.stringify(id)}: func(mux http.Handler) http.Handler {\n${inner}\n\t\treturn handler\n\t},`;
  }).join('\n');
  return `package main\n\nimport (\n\t"net/http"\n\n\t"github.com/rs/cors"\n)\n\nvar _ = cors.New\n\n// whycors' Go snippets, one per case, as the suite applied them.\nvar fixes = map[string]func(mux http.Handler) http.Handler{\n${body}\n}\n`;
}

const go = {
  programs: ['go'],
  version: () => `${tryRun('go', ['version']).trim().replace(/^go version /, '')}; rs/cors ${rsCorsVersion()}`,
  check: () => (fs.existsSync(path.join(GOPATH, 'src/github.com/rs/cors/cors.go')) ? [] : [`${GOPATH}/src/github.com/rs/cors (golang-github-rs-cors-dev)`]),
  build: () => buildGo(null),
  buildFixed: (snippets) => buildGo(goFixes(snippets)),
  start(id, ctx) {
    return startServer({ cmd: GO_BIN, args: ['-variant', id, '-port', String(ctx.port), '-origin', ctx.origin], port: ctx.port, logFile: logOf(ctx, 'go') });
  },
  startFixed(id, _snippet, ctx) {
    return this.start(`fixed:${id}`, ctx);
  },
};

function rsCorsVersion() {
  try {
    return run('dpkg-query', ['-W', '-f=${Version}', 'golang-github-rs-cors-dev']).trim();
  } catch {
    return 'unknown';
  }
}

// ------------------------------------------------------------------ axum

async function buildAxum(fixesFile = null) {
  const env = { CARGO_TARGET_DIR: AXUM_TARGET, WHYCORS_AXUM_FIXES: fixesFile ?? '', CARGO_TERM_COLOR: 'never' };
  const r = await runToExit({ cmd: 'cargo', args: ['build', '--locked', '-q', '--manifest-path', path.join(SERVERS_DIR, 'axum/Cargo.toml')], env, timeout: 1200000 });
  if (r.code !== 0) throw new Error(`cargo build (axum) failed:\n${r.output}`);
  // This run's copy: another run's build cannot change it under us.
  fs.mkdirSync(path.dirname(AXUM_BIN), { recursive: true });
  fs.copyFileSync(path.join(AXUM_TARGET, 'debug/whycors-servers-axum'), `${AXUM_BIN}.tmp`);
  fs.renameSync(`${AXUM_BIN}.tmp`, AXUM_BIN);
}

/** Rust source of the fixed variants: each snippet wraps the case's routes. */
export function axumFixes(snippets) {
  const arms = Object.entries(snippets).map(([id, code]) => {
    const inner = code.replace('/* .route(...) and auth layers */', '.merge(routes)').split('\n').map((l) => `            ${l}`).join('\n');
    return `        ${JSON.stringify(id)} => {\n${inner}\n            Some(app)\n        }`;
  }).join('\n');
  return `// whycors' axum snippets, one per case, as the suite applied them.\n#[allow(unused_imports, clippy::all)]\npub fn fixed(name: &str, routes: axum::Router) -> Option<axum::Router> {\n    match name {\n${arms}\n        _ => {\n            let _ = routes;\n            None\n        }\n    }\n}\n`;
}

const axum = {
  programs: ['cargo'],
  version: () => {
    const lock = fs.readFileSync(path.join(SERVERS_DIR, 'axum/Cargo.lock'), 'utf8');
    const v = (n) => new RegExp(`name = "${n}"\\nversion = "([^"]+)"`).exec(lock)?.[1] ?? '?';
    return `axum ${v('axum')}, tower-http ${v('tower-http')}`;
  },
  build: () => buildAxum(null),
  buildFixed: (snippets) => buildAxum(write(path.join(RUN, 'axum-fixes.rs'), axumFixes(snippets))),
  start(id, ctx) {
    return startServer({ cmd: AXUM_BIN, args: ['--variant', id, '--port', String(ctx.port), '--origin', ctx.origin], port: ctx.port, logFile: logOf(ctx, 'axum'), env: { RUST_BACKTRACE: '0' } });
  },
  startFixed(id, _snippet, ctx) {
    return this.start(`fixed:${id}`, ctx);
  },
  /** Runs a configuration that must be refused at start: {code, output}. */
  refuse(id, ctx) {
    return runToExit({ cmd: AXUM_BIN, args: ['--variant', id, '--port', String(ctx.port), '--origin', ctx.origin], env: { RUST_BACKTRACE: '0' } });
  },
};

export const STACKS = { nginx, apache, caddy, express, django, flask, fastapi, go, axum };
// nginx fronts the Express app, Caddy the Flask app, in their proxy-and-app cases.
nginx.check = () => express.check();
caddy.check = () => flask.check();

/** What is missing for a stack: programs not on PATH, packages not importable. */
export function missing(name) {
  const s = STACKS[name];
  const out = s.programs.filter((p) => !which(p));
  if (s.check) out.push(...s.check());
  return out;
}

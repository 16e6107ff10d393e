#!/usr/bin/env node
// Assembles the extension for each browser from the one source manifest:
//   dist/chrome/   load unpacked in Chromium (chrome://extensions, "Load unpacked")
//   dist/firefox/  load temporarily in Firefox (about:debugging, "Load Temporary Add-on")
//   dist/whycors-chrome.zip, dist/whycors-firefox.zip   for the stores
// Run by ./build.sh after the wasm package is in pkg/ (wasm-bindgen --target web).
// Usage: node extension/build.mjs [--out dist]
//
// Each derived manifest carries only its browser's keys: Chromium gets a
// module service worker and no `browser_specific_settings`; Firefox gets
// `background.scripts` (type module) and the gecko settings. The engine's JS
// loader (www/engine.js) and every file it imports (pkg/whycors.js, the
// .wasm) are copied at their repository paths, so relative imports hold.

import { readFileSync, writeFileSync, mkdirSync, rmSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative, resolve, posix } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outDir = resolve(root, args.includes('--out') ? args[args.indexOf('--out') + 1] : 'dist');

// Files in extension/ that are build tooling, not extension code.
const NOT_SHIPPED = new Set(['build.mjs', 'split.mjs', 'icons/make-icons.mjs']);

function fail(msg) {
  console.error(`extension/build.mjs: ${msg}`);
  process.exit(1);
}

function walk(dir, base = dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, base, out);
    else out.push(relative(base, p).split('\\').join('/'));
  }
  return out;
}

/** Relative module specifiers and `new URL('x', import.meta.url)` assets in a JS file. */
function references(text) {
  const refs = new Set();
  const patterns = [
    /\bimport\s+(?:[^'"`;]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bexport\s+[^'"`;]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
    /new\s+URL\(\s*['"]([^'":]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) refs.add(m[1]);
  return [...refs];
}

/**
 * The extension's engine and everything it reaches, as repository-relative
 * paths: www/pkg/whycors_ext.js (the glue of the background's module,
 * whycors_ext_bg.wasm, which the background also imports as
 * whycors_ext.js?report for the report's own instance) and
 * www/pkg/whycors_ext_report.wasm (the report's part,
 * linked when a diagnosis is asked for; extension/split.mjs). ./build.sh
 * builds them; the www/ pages' full engine (www/engine.js, pkg/whycors.js) is
 * not shipped.
 */
function engineFiles() {
  const starts = ['www/pkg/whycors_ext.js', 'www/pkg/whycors_ext_report.wasm'];
  for (const start of starts) if (!existsSync(join(root, start))) fail(`${start} is missing (an engine); run ./build.sh first`);
  const seen = new Set();
  const todo = [...starts];
  while (todo.length) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    const abs = join(root, f);
    if (!existsSync(abs)) fail(`${f} is missing (referenced by the engine loader); run wasm-bindgen into pkg/ first`);
    seen.add(f);
    if (f.endsWith('.js') || f.endsWith('.mjs')) {
      for (const r of references(readFileSync(abs, 'utf8'))) todo.push(posix.normalize(posix.join(posix.dirname(f), r)));
    }
  }
  for (const f of seen) if (f.startsWith('..')) fail(`the engine loader reaches outside the repository: ${f}`);
  return [...seen].sort();
}

function deriveManifest(src, browser) {
  const m = structuredClone(src);
  if (browser === 'chrome') {
    m.background = { service_worker: src.background.service_worker, type: 'module' };
    delete m.browser_specific_settings;
  } else {
    m.background = { scripts: src.background.scripts, type: 'module' };
  }
  return m;
}

// ---- a small zip writer (deflate, CRC-32), so no dependency is needed ----
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function zip(files) {
  // files: [{name, data: Buffer}]; fixed timestamp (2026-01-01 00:00) for reproducible archives.
  const dosTime = 0;
  const dosDate = ((2026 - 1980) << 9) | (1 << 5) | 1;
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of files) {
    const nameBuf = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 9 });
    const useDeflate = deflated.length < data.length;
    const body = useDeflate ? deflated : data;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(useDeflate ? 8 : 0, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(useDeflate ? 8 : 0, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(0, 38); // external attributes
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// ---- assemble ----
const source = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
const extFiles = walk(join(root, 'extension')).filter((f) => !NOT_SHIPPED.has(f));
const engine = engineFiles();

for (const f of [source.background.service_worker, ...source.background.scripts, source.action.default_popup, source.devtools_page, ...Object.values(source.icons)]) {
  if (!existsSync(join(root, f))) fail(`manifest.json names ${f}, which does not exist`);
}
if (!extFiles.some((f) => f.startsWith('_locales/'))) fail('extension/_locales is missing');

mkdirSync(outDir, { recursive: true });
for (const browser of ['chrome', 'firefox']) {
  const dir = join(outDir, browser);
  rmSync(dir, { recursive: true, force: true });
  const files = [];
  const put = (name, data) => {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
    files.push({ name, data });
  };
  put('manifest.json', Buffer.from(JSON.stringify(deriveManifest(source, browser), null, 2) + '\n'));
  for (const f of extFiles) {
    // _locales must sit at the extension's root.
    const name = f.startsWith('_locales/') ? f : `extension/${f}`;
    put(name, readFileSync(join(root, 'extension', f)));
  }
  for (const f of engine) put(f, readFileSync(join(root, f)));
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const z = join(outDir, `whycors-${browser}.zip`);
  writeFileSync(z, zip(files));
  const bytes = files.reduce((n, f) => n + f.data.length, 0);
  console.log(`extension/build.mjs: ${relative(root, dir)}/ (${files.length} files, ${(bytes / 1024).toFixed(0)} KiB), ${relative(root, z)}`);
}

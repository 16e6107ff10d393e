// Firefox's own CORS message templates, read at run time from the installed
// Firefox package (omni.ja is a zip), turned into matchers that map a console
// line back to its message key (the key is the console message's category in
// Firefox, and the name whycors uses for Firefox's reasons).
//
// Pure Node: a minimal zip reader (central directory + raw inflate) so no
// unzip binary or npm zip package is needed.

import fs from 'node:fs';
import zlib from 'node:zlib';

export const OMNI_CANDIDATES = [
  '/usr/lib/firefox-esr/omni.ja',
  '/usr/lib/firefox-esr/browser/omni.ja',
  '/usr/lib/firefox/omni.ja',
  '/usr/lib/firefox/browser/omni.ja',
];

/** Lists the entries of a zip buffer: [{name, method, compressedSize, size, localOffset}]. */
export function zipEntries(buf) {
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('zip: no end of central directory record');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  // Mozilla's "optimized" jars put the central directory first and the
  // offsets in the EOCD may be off: fall back to the signature at cdOffset, or
  // right after a 4-byte read-ahead header.
  if (buf.readUInt32LE(cdOffset) !== 0x02014b50) {
    if (buf.readUInt32LE(4) === 0x02014b50) cdOffset = 4;
    else if (buf.readUInt32LE(eocd - cdSize) === 0x02014b50) cdOffset = eocd - cdSize;
    else throw new Error('zip: central directory not found');
  }
  const out = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`zip: bad central directory entry ${n}`);
    const method = buf.readUInt16LE(p + 10);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    out.push({ name, method, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Reads one entry's bytes. */
export function zipRead(buf, entry) {
  const p = entry.localOffset;
  if (buf.readUInt32LE(p) !== 0x04034b50) throw new Error(`zip: bad local header for ${entry.name}`);
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return zlib.inflateRawSync(data);
  throw new Error(`zip: unsupported method ${entry.method} for ${entry.name}`);
}

/** Parses a Java-style .properties text (the subset Mozilla uses). */
export function parseProperties(text) {
  const out = new Map();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

/** Finds and reads en-US security.properties from the installed Firefox. */
export function readSecurityProperties(candidates = OMNI_CANDIDATES) {
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue;
    const buf = fs.readFileSync(file);
    const entry = zipEntries(buf).find((e) => /(^|\/)en-US\/.*\/security\/security\.properties$/.test(e.name));
    if (entry) return { file, entry: entry.name, props: parseProperties(zipRead(buf, entry).toString('utf8')) };
  }
  throw new Error(`security.properties not found in ${candidates.join(', ')}`);
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Turns every CORS* template into a matcher: %1$S / %2$S become capture
 * groups. Returns [{key, template, re, params: ['1','2']}], most specific
 * (longest fixed text) first.
 */
export function corsMatchers(props) {
  const out = [];
  for (const [key, template] of props) {
    if (!key.startsWith('CORS')) continue;
    const params = [];
    let src = '';
    let last = 0;
    for (const m of template.matchAll(/%(\d+)\$S/g)) {
      src += escapeRe(template.slice(last, m.index));
      src += '(.*?)';
      params.push(m[1]);
      last = m.index + m[0].length;
    }
    src += escapeRe(template.slice(last));
    out.push({ key, template, re: new RegExp(`^${src}$`, 's'), params, fixed: template.replace(/%\d+\$S/g, '').length });
  }
  out.sort((a, b) => b.fixed - a.fixed);
  return out;
}

let cached = null;
/** The matchers for the installed Firefox (read once per process). */
export function firefoxMatchers() {
  if (!cached) {
    const { file, entry, props } = readSecurityProperties();
    cached = { file, entry, matchers: corsMatchers(props) };
  }
  return cached;
}

/**
 * Maps a console line to {key, url, param} (param = %2$S), or null when the
 * line is not one of Firefox's CORS messages.
 */
export function matchFirefoxMessage(text, matchers = firefoxMatchers().matchers) {
  const t = String(text).trim();
  for (const m of matchers) {
    const r = m.re.exec(t);
    if (!r) continue;
    const got = {};
    m.params.forEach((p, i) => { got[p] = r[i + 1]; });
    return { key: m.key, url: got['1'] ?? null, param: got['2'] ?? null };
  }
  return null;
}

// `node tests/capture/firefox-keys.mjs`: print the keys and templates found.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { file, entry, matchers } = firefoxMatchers();
  console.log(`${file} :: ${entry}`);
  for (const m of matchers) console.log(`${m.key}\t${m.template}`);
}

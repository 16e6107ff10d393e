#!/usr/bin/env node
// Splits the extension's engine into the module the background loads at
// start and the report's part, loaded when a diagnosis is first asked for
// (issue 8: the background's module at most 150 KiB, everything shipped at
// most 300 KiB; docs/extension.md).
//
// The extension's engine is one build (feature `report`, src/wasm_bg.rs): the
// webRequest adapter with its light verdict, and the report's view. Before
// this step it shipped as two builds, each with its own copy of the core
// (about 75 KiB gzip each). Here the one build is cut in two with binaryen's
// wasm-split: the primary module keeps every function and every read-only
// datum the adapter can reach; the report part holds the rest, imports the
// primary's memory, table, globals and functions, and on instantiation writes
// its functions into the primary's table and its data into the primary's
// memory.
//
// What the adapter can reach is computed from the linker's own relocations
// (cargo links with --emit-relocs, build.sh): every call, every function
// whose address is taken (in code or in a vtable in data) and every datum
// referenced, from code or from other data, starting at the exports the
// background calls. The computation is sound for indirect calls: a function
// pointer exists only where a relocation put it. Functions are then found in
// wasm-bindgen's output by name (wasm-bindgen keeps the names and moves no
// data); what wasm-bindgen added is kept, except the report exports' own
// shims. A split-out function the primary might still call goes through the
// table; before the report part is linked its slot traps ("unreachable"),
// and the checks below fail the build if any primary function could call a
// split-out one directly.
//
//   node extension/split.mjs --strip-relocs LINKED OUT
//     LINKED without its linking and relocation sections (for wasm-bindgen)
//   node extension/split.mjs LINKED BOUND OUT_PRIMARY OUT_REPORT EXPORT...
//     LINKED      the cargo output, linked with --emit-relocs
//     BOUND       wasm-bindgen's _bg.wasm of it (names kept)
//     EXPORT...   the report's exports (not called at capture)
// Needs wasm-split (Debian's binaryen) and node_modules/.bin/wasm-opt.

import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binaryen = (await import(join(root, 'node_modules/binaryen/index.js'))).default;
const FEATURES = ['bulk-memory', 'nontrapping-float-to-int', 'sign-ext', 'mutable-globals', 'reference-types', 'multivalue'];
const FEATURE_BITS =
  binaryen.Features.MVP | binaryen.Features.BulkMemory | (binaryen.Features.BulkMemoryOpt ?? 0) | binaryen.Features.NontrappingFPToInt | binaryen.Features.SignExt |
  binaryen.Features.MutableGlobals | binaryen.Features.ReferenceTypes | binaryen.Features.Multivalue;

function fail(msg) {
  console.error(`extension/split.mjs: ${msg}`);
  process.exit(1);
}

// ---------------------------------------------------------------- reading wasm

class Reader {
  constructor(buf, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
  u8() {
    if (this.pos >= this.end) throw new Error('unexpected end of section');
    return this.buf[this.pos++];
  }
  u32() {
    let r = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return r;
      if (shift > 35) throw new Error('LEB128 too long');
    }
  }
  s32() {
    let r = 0;
    let shift = 0;
    let b;
    do {
      b = this.u8();
      r |= (b & 0x7f) << shift;
      shift += 7;
    } while (b >= 0x80 && shift < 35);
    if (shift < 32 && b & 0x40) r |= -1 << shift;
    return r;
  }
  name() {
    const n = this.u32();
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  limits() {
    const flags = this.u8();
    this.u32();
    if (flags & 1) this.u32();
  }
  constExpr() {
    // i32.const N end (the only offset the linker writes)
    const op = this.u8();
    if (op !== 0x41) throw new Error(`unexpected offset expression opcode 0x${op.toString(16)}`);
    const v = this.s32();
    if (this.u8() !== 0x0b) throw new Error('offset expression does not end');
    return v;
  }
}

/** The sections of a module: [{id, name, start, end}] (start/end of the payload; name for custom ones). */
function sections(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  const out = [];
  const r = new Reader(buf, 8);
  while (r.pos < buf.length) {
    const idAt = r.pos;
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    let name = null;
    let payload = start;
    if (id === 0) {
      const n = new Reader(buf, start, start + size);
      name = n.name();
      payload = n.pos;
    }
    out.push({ id, name, idAt, start: payload, end: start + size });
    r.pos = start + size;
  }
  return out;
}

/** Function imports, function names, exports, code bodies and data segments of a module. */
function layout(buf) {
  const secs = sections(buf);
  const m = { secs, funcImports: 0, names: new Map(), exports: [], bodies: [], segments: [], segmentNames: [], start: null };
  for (const s of secs) {
    const r = new Reader(buf, s.start, s.end);
    if (s.id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name();
        r.name();
        const kind = r.u8();
        if (kind === 0) {
          r.u32();
          m.funcImports++;
        } else if (kind === 1) {
          r.u8();
          r.limits();
        } else if (kind === 2) r.limits();
        else if (kind === 3) {
          r.u8();
          r.u8();
        } else if (kind === 4) {
          r.u8();
          r.u32();
        } else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (s.id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = r.u8();
        m.exports.push({ name, kind, index: r.u32() });
      }
    } else if (s.id === 8) {
      m.start = r.u32();
    } else if (s.id === 10) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const size = r.u32();
        m.bodies.push({ func: m.funcImports + i, start: r.pos - s.start, end: r.pos - s.start + size });
        r.pos += size;
      }
    } else if (s.id === 11) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const flags = r.u32();
        let addr = null;
        if (flags === 0) addr = r.constExpr();
        else if (flags === 2) {
          r.u32();
          addr = r.constExpr();
        } else if (flags !== 1) throw new Error(`unknown data segment flags ${flags}`);
        const size = r.u32();
        m.segments.push({ addr, size, start: r.pos, startInSection: r.pos - s.start });
        r.pos += size;
      }
    } else if (s.id === 0 && s.name === 'name') {
      while (r.pos < r.end) {
        const sub = r.u8();
        const size = r.u32();
        const end = r.pos + size;
        if (sub === 1 || sub === 9) {
          for (let n = r.u32(); n > 0; n--) {
            const idx = r.u32();
            const name = r.name();
            if (sub === 1) m.names.set(idx, name);
            else m.segmentNames[idx] = name;
          }
        }
        r.pos = end;
      }
    }
  }
  return m;
}

// ---------------------------------------------------------------- what the adapter reaches

const ADDEND = new Set([3, 4, 5, 8, 9, 11, 14, 15, 16, 17, 21, 22, 23, 25]);
const FUNC_REF = new Set([0, 1, 2, 12, 18, 19, 24, 26]); // call, table index (address taken)
const DATA_REF = new Set([3, 4, 5, 11, 14, 15, 16, 17, 21, 23, 25]);

/**
 * From the linked module's relocations: the functions (by name) and the
 * read-only data ranges reached from the report's exports and not from any
 * other export.
 */
function reach(buf, reportExports) {
  const m = layout(buf);
  const linking = m.secs.find((s) => s.id === 0 && s.name === 'linking');
  if (!linking) fail('the linked module has no linking section: build it with -C link-arg=--emit-relocs');
  // The symbol table.
  const symbols = [];
  const r = new Reader(buf, linking.start, linking.end);
  if (r.u32() !== 2) fail('unknown linking section version');
  const segInfo = [];
  while (r.pos < r.end) {
    const type = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    if (type === 8) {
      for (let n = r.u32(); n > 0; n--) {
        const kind = r.u8();
        const flags = r.u32();
        const undef = (flags & 0x10) !== 0;
        if (kind === 0 || kind === 2 || kind === 4 || kind === 5) {
          const index = r.u32();
          if (!undef || flags & 0x40) r.name();
          symbols.push({ kind, index });
        } else if (kind === 1) {
          const name = r.name();
          if (!undef) symbols.push({ kind, name, segment: r.u32(), offset: r.u32(), size: r.u32() });
          else symbols.push({ kind });
        } else if (kind === 3) symbols.push({ kind, index: r.u32() });
        else fail(`unknown symbol kind ${kind}`);
      }
    } else if (type === 5) {
      for (let n = r.u32(); n > 0; n--) {
        segInfo.push(r.name());
        r.u32();
        r.u32();
      }
    }
    r.pos = end;
  }
  const segName = (i) => segInfo[i] ?? m.segmentNames[i] ?? '';
  // Data symbols of each segment, to find the one a relocation in data sits in.
  const bySegment = new Map();
  symbols.forEach((s, i) => {
    if (s.kind === 1 && s.segment !== undefined) {
      if (!bySegment.has(s.segment)) bySegment.set(s.segment, []);
      bySegment.get(s.segment).push(i);
    }
  });
  const edges = new Map(); // node -> Set(node); nodes: 'f<index>' / 'd<symbol>'
  const edge = (from, to) => {
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from).add(to);
  };
  const target = (type, index) => {
    const s = symbols[index];
    if (!s) return null;
    if (FUNC_REF.has(type) && s.kind === 0) return `f${s.index}`;
    if (DATA_REF.has(type) && s.kind === 1 && s.segment !== undefined) return `d${index}`;
    return null;
  };
  const code = m.secs.find((s) => s.id === 10);
  const data = m.secs.find((s) => s.id === 11);
  let relocs = 0;
  for (const s of m.secs.filter((x) => x.id === 0 && x.name.startsWith('reloc.'))) {
    const rr = new Reader(buf, s.start, s.end);
    const sec = m.secs[rr.u32()];
    const entries = [];
    for (let n = rr.u32(); n > 0; n--) {
      const type = rr.u8();
      const offset = rr.u32();
      const index = rr.u32();
      if (ADDEND.has(type)) rr.s32();
      entries.push({ type, offset, index });
    }
    relocs += entries.length;
    if (sec === code) {
      let b = 0;
      for (const e of entries.sort((x, y) => x.offset - y.offset)) {
        while (b < m.bodies.length && m.bodies[b].end <= e.offset) b++;
        const body = m.bodies[b];
        if (!body || body.start > e.offset) fail(`a code relocation at ${e.offset} is outside every function`);
        const t = target(e.type, e.index);
        if (t) edge(`f${body.func}`, t);
      }
    } else if (sec === data) {
      for (const e of entries) {
        const segIndex = m.segments.findIndex((g) => e.offset >= g.startInSection && e.offset < g.startInSection + g.size);
        if (segIndex < 0) fail(`a data relocation at ${e.offset} is outside every segment`);
        const at = e.offset - m.segments[segIndex].startInSection;
        const t = target(e.type, e.index);
        if (!t) continue;
        let inside = false;
        for (const si of bySegment.get(segIndex) ?? []) {
          const d = symbols[si];
          if (at >= d.offset && at < d.offset + d.size) {
            edge(`d${si}`, t);
            inside = true;
          }
        }
        // A pointer in data no symbol covers: reachable from wherever the segment is.
        if (!inside) edge(`s${segIndex}`, t);
      }
    }
  }
  if (relocs === 0) fail('the linked module has no relocations: build it with -C link-arg=--emit-relocs');
  const walk = (roots) => {
    const seen = new Set(roots);
    const todo = [...roots];
    while (todo.length) {
      const n = todo.pop();
      const more = [...(edges.get(n) ?? [])];
      // Uncovered pointers of a segment come along with any datum in it.
      if (n[0] === 'd') more.push(`s${symbols[+n.slice(1)].segment}`);
      for (const t of more) if (!seen.has(t)) seen.add(t), todo.push(t);
    }
    return seen;
  };
  // Before wasm-bindgen, an export's name carries a hash: `webRequestView_210ab3dbf41acc54`.
  const report = new Set(reportExports);
  const isReport = (e) => report.has(e.name.replace(/_[0-9a-f]{16}$/, ''));
  const primaryRoots = m.exports
    .filter((e) => e.kind === 0 && !isReport(e) && !e.name.startsWith('__wbindgen_describe'))
    .map((e) => `f${e.index}`);
  if (m.start !== null) primaryRoots.push(`f${m.start}`);
  // Functions the linker made (no symbol, no relocation of their own) stay.
  const symbolized = new Set(symbols.filter((s) => s.kind === 0).map((s) => s.index));
  for (const b of m.bodies) if (!symbolized.has(b.func) || (m.names.get(b.func) ?? '').startsWith('__wasm_')) primaryRoots.push(`f${b.func}`);
  const reportRoots = m.exports.filter((e) => e.kind === 0 && isReport(e)).map((e) => `f${e.index}`);
  if (reportRoots.length !== report.size) fail(`the linked module does not export all of: ${[...report].join(', ')}`);
  const P = walk(primaryRoots);
  const R = walk(reportRoots);
  const nameOf = (n) => m.names.get(+n.slice(1));
  const primaryNames = new Set([...P].filter((n) => n[0] === 'f').map(nameOf));
  const reportNames = new Set([...R].filter((n) => n[0] === 'f' && !P.has(n)).map(nameOf));
  for (const n of primaryNames) reportNames.delete(n); // a name on both sides stays
  // Read-only data only the report reaches, minus every byte the primary's data covers.
  const kept = [];
  const moved = [];
  for (const n of P) if (n[0] === 'd') kept.push(symbols[+n.slice(1)]);
  // Read-only data the adapter never reaches: the report's (and what nothing reaches).
  symbols.forEach((s, i) => {
    if (s.kind !== 1 || s.segment === undefined || P.has(`d${i}`)) return;
    if (!segName(s.segment).startsWith('.rodata') || s.size === 0) return;
    moved.push(s);
  });
  const absolute = (s) => [m.segments[s.segment].addr + s.offset, m.segments[s.segment].addr + s.offset + s.size];
  const keptRanges = kept.map(absolute);
  let ranges = [];
  for (const s of moved) {
    let pieces = [absolute(s)];
    for (const [a, b] of keptRanges) {
      pieces = pieces.flatMap(([x, y]) => (b <= x || a >= y ? [[x, y]] : [...(a > x ? [[x, a]] : []), ...(b < y ? [[b, y]] : [])]));
    }
    ranges.push(...pieces);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const [a, b] of ranges) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return { primaryNames, reportNames, ranges: merged };
}

// ---------------------------------------------------------------- the split

if (process.argv[2] === '--strip-relocs') {
  const [input, output] = process.argv.slice(3);
  if (!output) fail('usage: node extension/split.mjs --strip-relocs LINKED OUT');
  const buf = readFileSync(input);
  const keepParts = [buf.subarray(0, 8)];
  for (const s of sections(buf)) {
    if (s.id === 0 && (s.name === 'linking' || s.name.startsWith('reloc.'))) continue;
    keepParts.push(buf.subarray(s.idAt, s.end));
  }
  writeFileSync(output, Buffer.concat(keepParts));
  process.exit(0);
}

const [linkedPath, boundPath, outPrimary, outReport, ...reportExports] = process.argv.slice(2);
if (!outReport || reportExports.length === 0) fail('usage: node extension/split.mjs LINKED BOUND OUT_PRIMARY OUT_REPORT EXPORT...');
const { primaryNames, reportNames, ranges } = reach(readFileSync(linkedPath), reportExports);

// wasm-bindgen's output: names by index, direct calls, exports.
const boundBuf = readFileSync(boundPath);
const bound = layout(boundBuf);
const tmp = mkdtempSync(join(tmpdir(), 'whycors-split-'));
try {
  // The same module without names: wasm-split then names function i "i".
  const stripped = join(tmp, 'stripped.wasm');
  const wasmOpt = join(root, 'node_modules/.bin/wasm-opt');
  const features = FEATURES.map((f) => `--enable-${f}`);
  execFileSync(wasmOpt, [...features, '--strip-debug', boundPath, '-o', stripped]);
  const strippedBuf = Buffer.from(readFileSync(stripped));
  const sm = binaryen.readBinary(strippedBuf);
  sm.setFeatures(FEATURE_BITS);
  const text = sm.emitText();
  sm.dispose();
  const calls = new Map();
  const inTable = new Set();
  let cur = null;
  for (const line of text.split('\n')) {
    if (/^ \(elem /.test(line)) for (const x of line.matchAll(/\$(\d+)/g)) inTable.add(+x[1]);
    const f = /^ \(func \$(\d+)(?: |$)/.exec(line);
    if (f) {
      cur = +f[1];
      calls.set(cur, []);
      continue;
    }
    if (/^ \(/.test(line)) cur = null;
    if (cur !== null) for (const x of line.matchAll(/\((?:call|return_call|ref\.func) \$(\d+)/g)) calls.get(cur).push(+x[1]);
  }
  // stripped "$i" is defined function i (imports are named apart).
  const nameOfDefined = (i) => bound.names.get(i + bound.funcImports) ?? '';
  const report = new Set(reportExports);
  const reportShims = new Set(bound.exports.filter((e) => e.kind === 0 && report.has(e.name)).map((e) => e.index - bound.funcImports));
  const keep = new Set();
  const todo = [];
  const add = (i) => {
    if (!keep.has(i)) keep.add(i), todo.push(i);
  };
  for (const e of bound.exports) if (e.kind === 0 && !report.has(e.name) && e.index >= bound.funcImports) add(e.index - bound.funcImports);
  if (bound.start !== null && bound.start >= bound.funcImports) add(bound.start - bound.funcImports);
  for (const i of calls.keys()) {
    const name = nameOfDefined(i);
    if (primaryNames.has(name)) add(i);
    // Not in the linked module by that name (wasm-bindgen's, or renamed):
    // kept if the table holds it, else only if something kept calls it.
    else if (!reportNames.has(name) && !reportShims.has(i) && inTable.has(i)) add(i);
  }
  while (todo.length) for (const c of calls.get(todo.pop()) ?? []) add(c);
  const pulled = [...keep].filter((i) => reportNames.has(nameOfDefined(i)));
  const split = [...calls.keys()].filter((i) => !keep.has(i));
  if (split.length === 0) fail('nothing to split: the report exports reach nothing of their own');

  // The report's read-only data: copied out, then zeroed in the primary.
  const dataSec = sections(strippedBuf).find((s) => s.id === 11);
  const segs = layout(strippedBuf).segments;
  const pieces = [];
  let movedBytes = 0;
  for (const [a, b] of ranges) {
    for (const g of segs) {
      if (g.addr === null) continue;
      const x = Math.max(a, g.addr);
      const y = Math.min(b, g.addr + g.size);
      if (x >= y) continue;
      const from = g.start + (x - g.addr);
      pieces.push({ addr: x, bytes: Buffer.from(strippedBuf.subarray(from, from + (y - x))) });
      strippedBuf.fill(0, from, from + (y - x));
      movedBytes += y - x;
    }
  }
  if (!dataSec && pieces.length) fail('data to move but no data section');
  writeFileSync(stripped, strippedBuf);

  const keepList = join(tmp, 'keep.txt');
  writeFileSync(keepList, [...keep].sort((a, b) => a - b).join('\n') + '\n');
  const p = join(tmp, 'primary.wasm');
  const s = join(tmp, 'report.wasm');
  const log = execFileSync('wasm-split', [...features, '--split', stripped, `--keep-funcs=@${keepList}`, '-o1', p, '-o2', s, '--export-prefix=%'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (/warning|error/i.test(log)) fail(`wasm-split: ${log}`);

  // The primary: its table exports as before (wasm-split 108 points every
  // table export at the split table), placeholders as traps.
  const pm = binaryen.readBinary(readFileSync(p));
  pm.setFeatures(FEATURE_BITS);
  const tables = [];
  for (let i = 0; i < pm.getNumTables(); i++) tables.push(binaryen.getTableInfo(pm.getTableByIndex(i)).name);
  for (const e of bound.exports.filter((x) => x.kind === 1)) {
    pm.removeExport(e.name);
    pm.addTableExport(tables[e.index], e.name);
  }
  let placeholders = 0;
  for (let i = pm.getNumFunctions() - 1; i >= 0; i--) {
    const f = binaryen.getFunctionInfo(pm.getFunctionByIndex(i));
    if (f.module !== 'placeholder') continue;
    pm.removeFunction(f.name);
    pm.addFunction(f.name, f.params, f.results, [], pm.unreachable());
    placeholders++;
  }
  writeFileSync(p, pm.emitBinary());
  pm.dispose();

  // The report part: its data as active segments in the primary's memory.
  if (pieces.length) {
    const sb = readFileSync(s);
    if (sections(sb).some((x) => x.id === 11 || x.id === 12)) fail('the report part already has data');
    const leb = (n) => {
      const out = [];
      do {
        let b = n & 0x7f;
        n = Math.floor(n / 128);
        if (n) b |= 0x80;
        out.push(b);
      } while (n);
      return Buffer.from(out);
    };
    const sleb = (n) => {
      const out = [];
      for (;;) {
        const b = n & 0x7f;
        n >>= 7;
        if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
          out.push(b);
          return Buffer.from(out);
        }
        out.push(b | 0x80);
      }
    };
    const body = Buffer.concat([
      leb(pieces.length),
      ...pieces.flatMap((x) => [Buffer.from([0, 0x41]), sleb(x.addr | 0), Buffer.from([0x0b]), leb(x.bytes.length), x.bytes]),
    ]);
    // Custom sections may follow the code section; data goes right after code.
    const secs = sections(sb);
    const code = secs.find((x) => x.id === 10);
    const at = code ? code.end : sb.length;
    writeFileSync(s, Buffer.concat([sb.subarray(0, at), Buffer.from([11]), leb(body.length), body, sb.subarray(at)]));
  }

  for (const [from, to] of [
    [p, outPrimary],
    [s, outReport],
  ]) {
    execFileSync(wasmOpt, ['-Oz', ...features, from, '-o', to]);
  }

  // Both validate, and every import of the report part is an export of the primary.
  for (const f of [outPrimary, outReport]) if (!WebAssembly.validate(readFileSync(f))) fail(`${f} does not validate`);
  const primaryExports = new Map(WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(outPrimary))).map((e) => [e.name, e.kind]));
  for (const i of WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(outReport)))) {
    if (i.module !== 'primary' || primaryExports.get(i.name) !== i.kind) fail(`the report part imports ${i.module}.${i.name} (${i.kind}), which the primary does not export`);
  }
  console.log(
    `extension/split.mjs: ${keep.size} functions kept, ${split.length} split out (${placeholders} table slots trap until linked, ${pulled.length} report functions the adapter also reaches), ${movedBytes} bytes of read-only data moved (${pieces.length} ranges)`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

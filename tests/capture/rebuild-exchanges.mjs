#!/usr/bin/env node
// Rebuilds the stored `exchange` of every fixture under tests/fixtures/ from
// what was recorded, offline: no browser runs, and nothing but `exchange`
// changes in a fixture.
//
// - A recorded fixture (`source: "recorded"`): its exchange is what the
//   engine's labrecord::exchange_from_records builds from the fixture's
//   `records` (the lab server's record of the bytes), `request` and
//   `pageOrigin`, plus its `context` (the ignored test `exchange_builder` in
//   tests/fixtures.rs, as capture.mjs uses it).
// - A hand-made fixture: its stored exchange, read as any exchange JSON is
//   (a first-format one is upgraded) and written as schema 2.
//
// Usage:
//   node tests/capture/rebuild-exchanges.mjs          # rewrite the fixtures whose exchange changed
//   node tests/capture/rebuild-exchanges.mjs --check  # write nothing; exit 1 when any would change
//
// `cargo test --test fixtures` fails (stored_exchanges_match_records) when a
// stored exchange is not what this command writes.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serialize } from './compare.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = path.join(ROOT, 'tests/fixtures');

function fixtureFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...fixtureFiles(p));
    else if (e.name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

/** Each entry's exchange, built by the engine (one cargo run for all). */
function buildExchanges(entries) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whycors-rebuild-'));
  const input = path.join(dir, 'in.json');
  const output = path.join(dir, 'out.json');
  fs.writeFileSync(input, JSON.stringify(entries));
  try {
    execFileSync('cargo', ['test', '-q', '--test', 'fixtures', '--', '--ignored', '--exact', 'exchange_builder'], {
      cwd: ROOT,
      env: { ...process.env, WHYCORS_RECORDS_IN: input, WHYCORS_EXCHANGES_OUT: output },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return JSON.parse(fs.readFileSync(output, 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const check = process.argv.includes('--check');
  const unknown = process.argv.slice(2).filter((a) => a !== '--check');
  if (unknown.length) throw new Error(`unknown argument(s): ${unknown.join(' ')}`);
  const files = fixtureFiles(FIXTURES);
  const fixtures = files.map((f) => ({ file: f, text: fs.readFileSync(f, 'utf8') })).map((x) => ({ ...x, fx: JSON.parse(x.text) }));
  const entries = fixtures.map(({ fx }) => (fx.source === 'recorded'
    ? { records: fx.records, request: fx.request, pageOrigin: fx.pageOrigin, context: fx.context }
    : { exchange: fx.exchange ?? null }));
  const built = buildExchanges(entries);
  let changed = 0;
  const errors = [];
  fixtures.forEach(({ file, text, fx }, i) => {
    const ex = built[i];
    const rel = path.relative(ROOT, file);
    // The builder answers {error} (and no legs) for an entry it cannot build.
    if (!ex || !Array.isArray(ex.legs)) {
      errors.push(`${rel}: ${ex?.error ?? 'no exchange built'}`);
      return;
    }
    const out = serialize({ ...fx, exchange: ex });
    if (out === text) return;
    changed += 1;
    if (check) console.log(`would change: ${rel}`);
    else fs.writeFileSync(file, out);
  });
  for (const e of errors) console.error(e);
  console.log(`${fixtures.length} fixtures, ${changed} ${check ? 'stale' : 'rewritten'}${errors.length ? `, ${errors.length} errors` : ''}`);
  return errors.length || (check && changed) ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exit(main());
  } catch (e) {
    console.error(e?.stack ?? e);
    process.exit(2);
  }
}

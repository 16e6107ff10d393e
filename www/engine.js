// whycors engine loader (ES module), shared by the www/ pages and the extension.
//
// Loads the engine compiled to WebAssembly (wasm-bindgen `--target web`
// output, which `./build.sh` puts in `pkg/` next to this file) and exposes it
// as async functions that take and return plain objects (shapes:
// `pkg/whycors.d.ts`). There is no CORS logic here: every decision is the
// engine's.
//
//   import * as engine from './engine.js';
//   engine.configure({ wasm: new URL('./pkg/whycors_bg.wasm', import.meta.url) }); // optional
//   const d = await engine.diagnose(exchange, 'firefox');
//
// Values cross the boundary as plain objects (serde-wasm-bindgen; measured
// faster than JSON text for object callers: src/wasm.rs, benches/wasm.mjs);
// exchanges may also be given as JSON text. Bad input rejects with the
// engine's `Error` (its message says what is wrong and where). If the wasm
// instance ever aborts (a trap: `WebAssembly.RuntimeError`), it is replaced by
// a fresh instance and the call rejects with an `EngineCrashedError`; the next
// call works again.

import init, * as glue from './pkg/whycors.js';

/** The engine trapped (a bug in whycors); the instance was replaced. */
export class EngineCrashedError extends Error {
  constructor(fn, cause) {
    super(`the whycors engine crashed in ${fn}() and was restarted: ${cause && cause.message ? cause.message : cause}`);
    this.name = 'EngineCrashedError';
    this.cause = cause;
  }
}

let source = null;      // what to instantiate from: URL | string | BufferSource | WebAssembly.Module | Response
let loading = null;     // Promise<void> of the current instantiation
let crashes = 0;

/**
 * Where the .wasm comes from. `wasm`: a URL (or string URL), the module's
 * bytes, a compiled `WebAssembly.Module` or a `Response`. `base`: a base URL
 * under which `whycors_bg.wasm` sits. Default: `./pkg/whycors_bg.wasm` next
 * to this file. Call before the first use (or `reset` after).
 */
export function configure({ wasm, base } = {}) {
  if (wasm !== undefined) source = wasm;
  else if (base !== undefined) source = new URL('whycors_bg.wasm', new URL(base, import.meta.url));
  loading = null;
}

function defaultSource() {
  return new URL('./pkg/whycors_bg.wasm', import.meta.url);
}

/** Instantiates the engine (once); resolves with its version. */
export async function load() {
  if (!loading) {
    const from = source ?? defaultSource();
    loading = init({ module_or_path: from }).then(() => undefined, (e) => {
      loading = null;
      throw new Error(`could not load the whycors engine from ${describe(from)}: ${e && e.message ? e.message : e}`);
    });
  }
  await loading;
  return glue.version();
}

function describe(from) {
  if (from instanceof URL || typeof from === 'string') return String(from);
  if (typeof WebAssembly !== 'undefined' && from instanceof WebAssembly.Module) return 'a WebAssembly.Module';
  return 'the given bytes';
}

// Runs one wasm call; replaces a trapped instance.
function guarded(name, fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError || (e && e.message === 'Module terminated')) {
      crashes += 1;
      try {
        glue.__wbg_reset_state();
      } catch (resetError) {
        loading = null; // a later call retries from scratch
        throw new EngineCrashedError(name, new Error(`${e.message}; restart failed: ${resetError.message}`));
      }
      throw new EngineCrashedError(name, e);
    }
    if (e instanceof Error) throw e;
    throw new Error(String(e));
  }
}

const har = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
const opt = (b) => b ?? undefined;

/** Diagnoses one exchange (an object, or exchange JSON text). */
export async function diagnose(exchange, browser) {
  await load();
  return guarded('diagnose', () => glue.diagnose(exchange, opt(browser)));
}

/** Diagnoses a list of exchanges in one crossing. */
export async function diagnoseAll(exchanges, browser) {
  await load();
  return guarded('diagnoseAll', () => glue.diagnoseAll(exchanges, opt(browser)));
}

/**
 * Exchange JSON text in, diagnosis JSON text out (for callers that hold
 * text). `verdictOnly`: verdict, reason, names and evidence only (no fix, no
 * snippets), the fast path, which takes text only (src/wasm.rs).
 */
export async function diagnoseJson(exchangeJson, browser, verdictOnly = false) {
  await load();
  return guarded('diagnoseJson', () => glue.diagnoseJson(String(exchangeJson), opt(browser), verdictOnly));
}

/** Diagnoses every exchange of a HAR 1.2 file (text or parsed object). */
export async function diagnoseHar(harFile, browser) {
  await load();
  return guarded('diagnoseHar', () => glue.diagnoseHar(har(harFile), opt(browser)));
}

/** The exchanges of a HAR file, undiagnosed. */
export async function exchangesFromHar(harFile) {
  await load();
  return guarded('exchangesFromHar', () => glue.exchangesFromHar(har(harFile)));
}

/**
 * The CORS preflight `browser` sends before this exchange's request (to its
 * first URL): `{browser, method: 'OPTIONS', url, headers}`, or null when it
 * sends none (the engine's checks decide; the headers are reconstructed from
 * the request). `browser` defaults to the exchange's own; one of the two is
 * required. Full diagnoses carry the same as `preflightRequest`.
 */
export async function preflightRequest(exchange, browser) {
  await load();
  return guarded('preflightRequest', () => glue.preflightRequest(exchange, opt(browser)));
}

/** The registry's entry for one reason id; rejects for an unknown id. */
export async function explain(reasonId) {
  await load();
  return guarded('explain', () => glue.explain(String(reasonId)));
}

let reasonList = null;
/** Every reason the engine knows, in check order. */
export async function reasons() {
  await load();
  if (!reasonList) reasonList = guarded('reasons', () => glue.reasons());
  return reasonList;
}

let patternList = null;
/**
 * The English list patterns, `[{id, template}]` (`list.and.2`: `{0} and {1}`,
 * ...), that join the `{list, items}` parts of a Text. A translation
 * overrides them by id to re-render lists (docs/diagnosis-format.md).
 */
export async function listPatterns() {
  await load();
  if (!patternList) patternList = guarded('listPatterns', () => glue.listPatterns());
  return patternList;
}

/**
 * The exchange, built from the lab server's records of one tag
 * (`/__records?tag=T`: the array or its JSON text), the page's origin, and
 * what the page knows of its own call (`{kind, url, method, mode,
 * credentials, authorHeaders, rejected, browser}`).
 */
export async function exchangeFromLabRecords(records, pageOrigin, requestInfo) {
  await load();
  return guarded('exchangeFromLabRecords', () => glue.exchangeFromLabRecords(records, String(pageOrigin), requestInfo ?? undefined));
}

/** An exchange from pasted header blocks (see `RawInput` in pkg/whycors.d.ts). */
export async function exchangeFromRaw(input) {
  await load();
  return guarded('exchangeFromRaw', () => glue.exchangeFromRaw(input));
}

/**
 * Where a diagnosis ranks in a list: `{rank, blocked, warn}`, rank 0
 * blocked, 1 undecided, 2 worth a look (a warning or security finding, a
 * browser's extra console line), 3 the rest (the extension's panel ranks
 * rows the same way).
 */
export async function diagnosisRank(diagnosis) {
  await load();
  return guarded('diagnosisRank', () => glue.diagnosisRank(diagnosis));
}

/** The engine's version (e.g. "0.1.0"). */
export async function version() {
  return load();
}

/**
 * Makes the engine panic on purpose (which aborts the instance), to check
 * that it is replaced: rejects with an EngineCrashedError, and the next call
 * works.
 */
export async function crashTest() {
  await load();
  guarded('crashTest', () => glue.__crashForTest());
}

/** How many times the instance was replaced after a crash (diagnostics). */
export function crashCount() {
  return crashes;
}

/**
 * Synchronous access once `load()` has resolved (for hot paths such as a
 * webRequest listener): same functions, same errors, same objects.
 */
export const sync = {
  diagnose: (exchange, browser) => guarded('diagnose', () => glue.diagnose(exchange, opt(browser))),
  diagnoseAll: (exchanges, browser) => guarded('diagnoseAll', () => glue.diagnoseAll(exchanges, opt(browser))),
  diagnoseHar: (harFile, browser) => guarded('diagnoseHar', () => glue.diagnoseHar(har(harFile), opt(browser))),
};

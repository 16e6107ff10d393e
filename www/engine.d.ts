// Types of www/engine.js. The shapes come from the wasm package's
// declarations (pkg/whycors.d.ts, generated from src/wasm_types.d.ts).
import type {
  BrowserName, Diagnosis, Exchange, LabRecord, LabRequestInfo, ListPattern, PreflightRequest, RawInput, ReasonInfo,
  Text, TextPart,
} from './pkg/whycors.js';

export type {
  BrowserName, Diagnosis, Exchange, LabRecord, LabRequestInfo, ListPattern, PreflightRequest, RawInput, ReasonInfo,
  Text, TextPart,
};

/** The engine trapped (a bug in whycors); the instance was replaced. */
export class EngineCrashedError extends Error {
  name: 'EngineCrashedError';
  cause: unknown;
}

/** Where the .wasm comes from (default: ./pkg/whycors_bg.wasm next to engine.js). */
export function configure(opts?: {
  wasm?: URL | string | BufferSource | WebAssembly.Module | Response;
  base?: URL | string;
}): void;
/** Instantiates the engine (once); resolves with its version. */
export function load(): Promise<string>;
export function version(): Promise<string>;

export function diagnose(exchange: Exchange | string, browser?: BrowserName | null): Promise<Diagnosis>;
export function diagnoseAll(exchanges: Exchange[] | string, browser?: BrowserName | null): Promise<Diagnosis[]>;
/** `verdictOnly`: no fix, no snippets (the fast path; text only). */
export function diagnoseJson(exchangeJson: string, browser?: BrowserName | null, verdictOnly?: boolean): Promise<string>;
export function diagnoseHar(har: string | object, browser?: BrowserName | null): Promise<Diagnosis[]>;
export function exchangesFromHar(har: string | object): Promise<Exchange[]>;
/** The preflight `browser` (default: the exchange's own) sends before the request; null when none. */
export function preflightRequest(exchange: Exchange | string, browser?: BrowserName | null): Promise<PreflightRequest | null>;
export function explain(reasonId: string): Promise<ReasonInfo>;
export function reasons(): Promise<ReasonInfo[]>;
/** The English list patterns (`list.and.2`, ...) that join a `Text`'s list parts; a translation overrides them by id. */
export function listPatterns(): Promise<ListPattern[]>;
export function exchangeFromLabRecords(
  records: LabRecord[] | string, pageOrigin: string, requestInfo?: LabRequestInfo | string | null,
): Promise<Exchange>;
export function exchangeFromRaw(input: RawInput | string): Promise<Exchange>;

/** Panics the engine on purpose; rejects with EngineCrashedError, and the next call works. */
export function crashTest(): Promise<void>;
/** How many times the instance was replaced after a crash. */
export function crashCount(): number;

/** Synchronous access once load() has resolved. */
export const sync: {
  diagnose(exchange: Exchange | string, browser?: BrowserName | null): Diagnosis;
  diagnoseAll(exchanges: Exchange[] | string, browser?: BrowserName | null): Diagnosis[];
  diagnoseHar(har: string | object, browser?: BrowserName | null): Diagnosis[];
};

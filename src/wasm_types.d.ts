
// ---- whycors shapes (src/exchange.rs, src/diagnosis.rs, src/message.rs) ----
// The wasm functions take and return JSON text; `www/engine.js` parses it into
// these shapes. Keep in step with the Rust structs (serde camelCase).

export type BrowserName = "chromium" | "firefox";

/** One header line as observed (case and bytes kept, repeats kept). */
export interface Header { name: string; value: string; }

export type Mode = "cors" | "no-cors" | "same-origin" | "navigate" | "websocket";
export type Credentials = "omit" | "same-origin" | "include";
export type ResourceType =
  | "fetch" | "xhr" | "image" | "font" | "script" | "module-script" | "stylesheet" | "media"
  | "document" | "subdocument" | "websocket" | "event-source" | "beacon" | "preflight" | "other";
export type PreflightObservation = "unknown" | "not-sent" | "hidden" | "cached";

/** Exchange JSON, schema 2 (src/exchange.rs, docs/exchange-format.md): what the page asked for. */
export interface PageRequest {
  origin?: string | null;
  method?: string | null;
  authorHeaders?: Header[] | null;
  type?: ResourceType;
  mode?: Mode | null;
  credentials?: Credentials | null;
  redirectMode?: string | null;
  rejected?: boolean | null;
  readHeaders?: string[];
  callSite?: string | null;
}

/** One HTTP response as received (a status, always: no response is no `response`). */
export interface Response {
  status: number;
  headers?: Header[];
  headersMerged?: boolean;
}

/** The preflight (OPTIONS) sent to a leg's URL. */
export interface Preflight {
  requestHeaders?: Header[];
  response?: Response | null;
  error?: string | null;
}

/** One URL of the request's way: legs[0] is the URL the page requested, legs[k + 1] where legs[k] redirected. */
export interface Leg {
  url: string;
  method?: string | null;
  preflight?: Preflight | null;
  requestHeaders?: Header[];
  response?: Response | null;
}

/** How the request ended, as the browser recorded it. */
export type End = "unrecorded" | "completed" | "failed" | "not-sent";

export interface Reported {
  corsError?: string | null;
  failedParameter?: string | null;
  firefoxKey?: string | null;
  message?: string | null;
  /** Chromium's CDP blockedReason (mixed-content, csp, other, ...). */
  blockedReason?: string | null;
  /** DevTools issue codes (Chromium), console categories (Firefox): what stopped a request other than CORS. */
  issues?: string[];
}

export interface ExchangeContext {
  initiatorAddressSpace?: string | null;
  targetAddressSpace?: string | null;
  declaredTargetAddressSpace?: string | null;
  secureContext?: boolean | null;
  localNetworkPermission?: string | null;
  corsDisabled?: boolean | null;
  expandedPrincipal?: boolean | null;
  /** The page's Content-Security-Policy header values, as its document was served. */
  pageCsp?: string[] | null;
}

/** What happened to one request, leg by leg (schema 2): the engine's input, and what it returns. */
export interface Exchange {
  schema?: 2;
  id?: string | null;
  browser?: BrowserName | null;
  page?: PageRequest;
  legs: Leg[];
  preflightObservation?: PreflightObservation;
  end?: End;
  error?: string | null;
  remoteAddress?: string | null;
  reported?: Reported | null;
  context?: ExchangeContext | null;
}

// ---- The first exchange format (no `schema`): still accepted, upgraded to schema 2. ----

export interface ExchangeRequestV1 {
  url: string;
  method?: string | null;
  origin?: string | null;
  headers?: Header[];
  authorHeaders?: Header[] | null;
  type?: ResourceType;
  mode?: Mode | null;
  credentials?: Credentials | null;
  rejected?: boolean | null;
  readHeaders?: string[];
  redirectMode?: string | null;
  callSite?: string | null;
}

export interface PreflightV1 {
  requestHeaders?: Header[];
  status?: number | null;
  headers?: Header[];
  headersMerged?: boolean;
  error?: string | null;
}

export interface HopV1 {
  url: string;
  status: number;
  headers?: Header[];
  headersMerged?: boolean;
  requestHeaders?: Header[];
  preflight?: PreflightV1 | null;
}

export interface ResponseV1 {
  url?: string | null;
  status: number;
  headers?: Header[];
  headersMerged?: boolean;
  requestHeaders?: Header[];
  preflight?: PreflightV1 | null;
}

/** The first format: one request, the first URL's preflight, redirects, the final response. */
export interface ExchangeV1 {
  id?: string | null;
  browser?: BrowserName | null;
  request: ExchangeRequestV1;
  preflight?: PreflightV1 | null;
  preflightObservation?: PreflightObservation;
  redirects?: HopV1[];
  response?: ResponseV1 | null;
  error?: string | null;
  remoteAddress?: string | null;
  reported?: Reported | null;
  context?: ExchangeContext | null;
}

/** What the diagnosing functions accept: either schema. */
export type AnyExchange = Exchange | ExchangeV1;

/**
 * A translatable message: stable id, English template, params, rendered English
 * (src/message.rs; docs/diagnosis-format.md, "Text"). `parts` holds the
 * placeholders whose value is itself translatable; `params` keeps their English
 * rendering, so `template` filled with `params` is always `text`.
 */
export interface Text {
  id: string;
  template: string;
  params?: Record<string, string>;
  parts?: Record<string, TextPart>;
  text: string;
}

/** A translatable parameter value: a nested message, or messages joined with a list pattern. */
export type TextPart = Text | { list: 'and' | 'steps'; items: Text[] };

/** One list pattern (`listPatterns`): `list.<style>.<2|start|middle|end>`, `{0}` and `{1}` the two sides. */
export interface ListPattern { id: string; template: string; }

/**
 * "undecided": allowed without credentials, blocked with them, and nothing
 * recorded decides (diagnosis schema 2; schema 1 said "blocked-if-credentialed").
 */
export type Verdict = "blocked" | "allowed" | "undecided" | "not-cors" | "network-error" | "unknown";
export type Stage = "request" | "preflight" | "redirect" | "actual";
export type Severity = "info" | "warning" | "security";
export type ChangeAction = "set-header" | "remove-header" | "set-status" | "set-location" | "client";

export interface BrowserVerdict {
  browser: BrowserName;
  verdict: Verdict;
  reason: string | null;
  name: string | null;
  parameter: string | null;
  message: string | null;
  also?: string[];
}

export interface Alternative { browser: BrowserName | null; reason: string; name: string | null; when: Text; }

export interface Evidence {
  stage: Stage;
  hop?: number;
  header: string | null;
  observed: string | null;
  expected: string | null;
  fetchStep: string;
  specUrl: string | null;
}

export interface Change { stage: Stage; hop?: number; action: ChangeAction; target: string; value: string | null; }

/** `verified`: the stack versions the real-server suite ran it against (`snippet.verified`), or `snippet.not-verified`. */
export interface Snippet { server: string; label: string; code: string; language: string; notes?: Text[]; verified?: Text; }

/** One server software that answered (report::stack): `role` front (web server, proxy) or app. */
export interface StackLayer { server: string; name: string; role: 'front' | 'app'; evidence: string; certain: boolean; }

/** The stack that answered: its snippets (`first`) come first; `why` says so. */
export interface StackOrder { first: string[]; layers: StackLayer[]; why: Text; }

export interface Fix {
  summary: Text;
  changes: Change[];
  verified: BrowserName[];
  /** What `verified` means in words; says "assuming the server answers the actual request with …" where the actual response was modelled. */
  verification?: Text;
  snippets: Snippet[];
  /** The stack that answered, whose snippet comes first, and why (absent: the responses do not say). */
  stack?: StackOrder;
}

/** What stopped a request other than CORS (id: mixed-content, csp, client, orb, certificate, local-network-access). */
export interface StoppedBy { id: string; title: Text; explanation: Text; fix: Text; }

/** Where a diagnosis ranks in a list (`diagnosisRank`): 0 blocked, 1 undecided, 2 worth a look, 3 the rest. */
export interface DiagnosisRank { rank: 0 | 1 | 2 | 3; blocked: boolean; warn: boolean; }

export interface Finding { id: string; severity: Severity; text: Text; link?: string; }

/**
 * The CORS preflight a browser sends before a request, to its first URL, as
 * the engine reconstructs it from the request (`preflightRequest`,
 * `Diagnosis.preflightRequest`). The browser adds headers of its own
 * (`User-Agent`, `Referer`, `Sec-Fetch-*`, ...).
 */
export interface PreflightRequest {
  browser: BrowserName;
  /** Always "OPTIONS". */
  method: string;
  /** The request's first URL, without its fragment. */
  url: string;
  /** Accept: *\/*, Access-Control-Request-Method, Access-Control-Request-Headers (only when some header is CORS-unsafe), Origin. */
  headers: Header[];
}

/** The engine's answer for one exchange. */
export interface Diagnosis {
  /** The version of this format: 2 (docs/diagnosis-format.md, "Versions"). */
  schema: 2;
  id: string | null;
  url: string;
  method: string;
  origin: string | null;
  verdict: Verdict;
  reason: string | null;
  browsers: BrowserVerdict[];
  browsersDiffer: boolean;
  /** What stopped the request other than CORS, for the chosen browser. */
  stoppedBy?: StoppedBy;
  alternatives?: Alternative[];
  evidence?: Evidence[];
  explanation: Text | null;
  link: string | null;
  fix: Fix | null;
  hints?: Finding[];
  findings?: Finding[];
  missing?: Text[];
  notes?: Text[];
  /** The preflight the chosen browser sends (or would send) before this request; null when none, and in verdict-only diagnoses. */
  preflightRequest: PreflightRequest | null;
}

/** One reason of the registry (`explain`, `reasons`). */
export interface ReasonInfo {
  id: string;
  title: Text;
  firefoxKey: string | null;
  firefoxCode: number | null;
  chromium: string[];
  link: string;
  explanation: Text;
  why: Text;
  fix: Text;
  /** The documented example exchange that yields this reason. */
  example: Exchange | null;
  exampleBrowser: BrowserName | null;
  fromHeaders: boolean;
}

/** What the lab page knows of its own call (`exchangeFromLabRecords`; src/labrecord.rs). */
export interface LabRequestInfo {
  /** fetch, xhr, img, font, module-script, script, stylesheet, audio, video, font-css, preload-font, worker-fetch, sw-fetch. */
  kind?: string;
  /** An element's crossorigin attribute: null for none (a no-cors request); absent when mode and credentials say it. */
  crossorigin?: string | null;
  /** The URL the page asked for (needed when no request reached the server). */
  url?: string | null;
  method?: string | null;
  mode?: Mode | null;
  credentials?: Credentials | null;
  /** Headers the page's script set. */
  authorHeaders?: Header[] | null;
  /** Whether the call rejected (fetch) or fired `error`. */
  rejected?: boolean | null;
  readHeaders?: string[];
  redirectMode?: string | null;
  browser?: BrowserName | null;
}

/** One record of the lab server (`GET /__records?tag=T`). */
export interface LabRecord {
  seq: number;
  tag: string | null;
  origin: string;
  server: string;
  received: { method: string; url: string; headers: Header[] };
  sent: { status: number; headers: Header[]; dropped: boolean } | null;
  at: number;
}

/** Pasted header blocks (`exchangeFromRaw`); see src/raw.rs. */
export interface RawInput {
  url?: string | null;
  origin?: string | null;
  method?: string | null;
  mode?: Mode | null;
  credentials?: Credentials | null;
  type?: ResourceType | null;
  browser?: BrowserName | null;
  /** "GET /path HTTP/1.1" (or HTTP/2 pseudo-headers) then `Name: value` lines. */
  request?: string | null;
  /** The preflight's response: "HTTP/1.1 204" then `Name: value` lines. */
  preflightResponse?: string | null;
  /** The preflight's request headers, when known. */
  preflightRequest?: string | null;
  /** True when it is known that no preflight was sent. */
  noPreflight?: boolean | null;
  /** The actual response: "HTTP/1.1 200 OK" then `Name: value` lines. Empty: none arrived. */
  response?: string | null;
}

/** JSON text of the named shape (`diagnoseJson`). */
export type ExchangeJson = string;
export type DiagnosisJson = string;

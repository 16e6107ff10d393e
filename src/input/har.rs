//! HAR 1.2 input, as Chrome DevTools ("WebInspector") and Firefox DevTools
//! export it, to exchanges.
//!
//! What is read from each entry: `request` (`url`, `method`, `headers`,
//! `cookies`), `response` (`status`, `headers`, `redirectURL`, Chrome's
//! `_error` and `_fetchedViaServiceWorker`), `pageref`, `startedDateTime`,
//! `serverIPAddress` and `connection` (Firefox writes the remote port there;
//! a HAR built from CDP events may add `response._blockedReason`, read as the
//! browser's report;
//! Chrome a connection id), and Chrome's `_resourceType`, `_initiator`
//! (`type`, `requestId`) and `_requestId`. Everything else is ignored
//! (`_securityState` describes the resource's connection, not the page).
//!
//! How entries become exchanges:
//! - **Preflights** are entries with `_resourceType: "preflight"` (Chrome) or
//!   `OPTIONS` entries carrying `Access-Control-Request-Method` (Firefox, and
//!   Chrome exports without the type). Each is paired with its actual request:
//!   by Chrome's `_initiator.requestId` = the actual entry's `_requestId` when
//!   both are present, else the nearest (by start time, then by position)
//!   unpaired entry with the same URL, the same page and the method the
//!   preflight asked for. Both browsers list the actual request first (it is
//!   issued before the preflight; the real exports in `tests/data/har/`
//!   order entries by start time), but nearest-in-time does not depend on
//!   the order. DevTools' own export (Chromium 156) writes no `_requestId`:
//!   there the pairing is by URL, page, method and time (`_requestId` is in
//!   HARs built from CDP events, such as the capture harness's). A preflight with no actual request (the browser never sent
//!   it) becomes an exchange of its own, its method taken from
//!   `Access-Control-Request-Method`. A preflight paired with a later entry of a
//!   redirect chain is that entry's leg's preflight (the browser preflights
//!   again at a redirect target).
//! - **Redirect chains**: an entry with a 3xx status and a `redirectURL` (or
//!   `Location`) is followed by the next entry, in file order, for that URL on
//!   the same page; the chain becomes one exchange with one leg per entry
//!   (each leg's request headers and response). A chain that ends on a 3xx
//!   the browser did not follow ends on that redirect's leg; the last entry's
//!   status 0 is a leg without `response`.
//! - **Origin**: the `Origin` request header; else the page's origin (the
//!   `pages[].title` of the entry's `pageref`, which both browsers set to the
//!   page URL); else the origin of the `Referer`.
//! - **Skipped** (counted in `HarRead::skipped`, no exchange): same-origin
//!   chains (CORS does not apply), navigations and WebSockets, requests the
//!   browser made in `no-cors` mode (`Sec-Fetch-Mode: no-cors`, or a cross-origin
//!   GET/HEAD with full request headers and no `Origin`) unless they failed
//!   (Chromium fails some for a CORS-family reason), non-HTTP(S) URLs of
//!   resources (`data:`, `blob:`; a `fetch`/`xhr` to another scheme is kept, it
//!   is `CORSRequestNotHttp`), and responses a service worker supplied
//!   (`_fetchedViaServiceWorker`: the page's CORS check did not see these
//!   headers).
//! - **Headers** keep order and repeats (`headersMerged: false`); HTTP/2
//!   pseudo-headers (`:authority`, ...) are dropped. The credentials mode is
//!   not recorded: the one credentials function (`core::credentials`) reads
//!   a `Cookie` header sent to another origin as `include`, and a `Cookie`
//!   on a same-origin leg as nothing (the default `same-origin` sends it
//!   there too).
//! - **Status 0** means no response (blocked before one, or a network error):
//!   the leg has no `response`; Chrome's `_error` (`net::ERR_FAILED`) becomes
//!   `error`. Where the exporter writes `_error` at all (Chrome: null when the
//!   request succeeded), the `end` says how the request ended (`failed` or
//!   `completed`; an empty `_error` on a status-0 entry is `failed`) and a
//!   fetch/XHR's `rejected` whether it failed. Firefox writes no error; its
//!   status-0 entries say `not-sent` (empty `timings`) or `failed` (the
//!   timings of an attempt: a refused or dropped connection, a failed TLS
//!   handshake), see `entry_end`.
//! - **The page's policy**: a page document's `Content-Security-Policy`
//!   goes into `context.pageCsp` of the page's exchanges that got no
//!   response somewhere (it decides whether the page could send them).
//! - A page whose URL (the `pages[].title`) is `file:`, `data:` or `about:`
//!   has the opaque origin `null`.
//! - **preflightObservation**: when the file holds any preflight entry, an
//!   exchange without one is `not-sent` (recent Chrome and Firefox export every
//!   preflight); otherwise `unknown` (older Chrome exports omit them).
//! - **Inferred facts** (`diagnose::infer_credentials_from`, listed in
//!   `HarRead::inferences`; `diagnose::diagnose` applies them with a note,
//!   from the exchange's own evidence, whatever its source): the
//!   credentials mode, where Chromium failed the request (`net::ERR_FAILED`)
//!   or Firefox never sent it after its preflight, and the observed headers
//!   pass without credentials but fail with them.
//!   The exchanges themselves hold only what the file records.
//!
//! What a real Firefox ESR 153 export holds (DevTools' HAR automation,
//! `tests/data/har/firefox-153-lab*.har`, recorded by
//! `tests/capture/firefox-har.mjs`): `creator` and `browser` both
//! `{"name": "Firefox", "version": "153.7.0"}`; one page whose `title` is the
//! page URL; full request headers (`Host`, `Sec-Fetch-*`, `Cookie` when sent,
//! the `Origin`); no `_resourceType` (`Sec-Fetch-Dest: empty` for fetch and
//! XHR alike); no `_error`: a response that failed the CORS check is
//! exported with its status and headers exactly like one that passed, and a
//! connection dropped before a response is `status: 0` with the timings of
//! the attempt. The actual request a failed preflight stopped is an entry of
//! its own with `status: 0`, no response headers, empty `timings` (`{}`)
//! and the request headers it would have carried (`Cookie` included). The
//! automated export writes no `serverIPAddress`, `connection` or
//! `_securityState` (DevTools' builder writes them only when the network
//! event carries them, as the panel's own export may).
//!
//! What a real Chromium 156 export holds (DevTools' HAR writer,
//! `tests/data/har/chromium-156-lab*.har`, `tests/capture/chromium-har.mjs`):
//! `creator` `WebInspector`; `_resourceType` (`fetch`, `xhr`, `preflight`,
//! ...), `_initiator` (`type: "preflight"` with the actual request's
//! `requestId` on preflights), `_priority`, `_connectionId`; `connection`
//! is a connection id and `serverIPAddress` the bare address;
//! `response._error` (`null`, `net::ERR_FAILED` on every CORS failure,
//! `net::ERR_EMPTY_RESPONSE` for a dropped connection); response headers
//! sorted by name (repeated lines kept, in order); a request its preflight
//! stopped has `status: 0` and only the provisional request headers (no
//! `Host`, no `Cookie`), so its credentials never show there.

use crate::report::diagnose::{infer_credentials, Options};
pub use crate::report::diagnose::{FailureSign, Inference};
use crate::report::diagnosis::Diagnosis;
use crate::input::error::{kind, InputError, Limits};
use crate::core::exchange::{
    Browser, Context, End, Exchange, Header, HeaderList, Leg, Mode, PageRequest, Preflight, PreflightObservation,
    ResourceType, Response, SCHEMA,
};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The result of reading a HAR.
#[derive(Clone, Debug, Default)]
pub struct HarRead {
    pub exchanges: Vec<Exchange>,
    /// Entries read.
    pub entries: usize,
    /// Entries that produced no exchange of their own (see the module docs),
    /// including paired preflights and redirect hops folded into a chain.
    pub skipped: usize,
    /// The browser that wrote the file, from `log.creator` / `log.browser`.
    pub browser: Option<Browser>,
    /// Facts the file does not record but its evidence implies (see
    /// `diagnose::infer_credentials_from`), by index into `exchanges`, in order. The exchanges themselves keep
    /// only what was recorded; `diagnose` applies these and says so.
    pub inferences: Vec<(usize, Inference)>,
}

/// Diagnoses every exchange of a read HAR (`diagnose_exchanges`).
pub fn diagnose_read(read: &HarRead, opts: &Options) -> Vec<Diagnosis> {
    diagnose_exchanges(&read.exchanges, opts)
}

/// Diagnoses exchanges from any source, each among the others (hints that
/// compare responses of the same server, the stack read from the others'
/// responses: `report::neighbours`). `diagnose` applies what an exchange's
/// evidence implies (`HarRead::inferences` lists the same inferences, from
/// the same function), with its note first. What the CLI and the wasm
/// boundary (`diagnoseHar`) call for a parsed input, so that both say the
/// same of one file.
///
/// Only the exchanges to the same server are neighbours
/// (`stack::same_server`), so each exchange is given its server's group,
/// formed once, in the file's order: a file of many servers costs one pass,
/// not one scan of the whole file per exchange.
pub fn diagnose_exchanges(exchanges: &[Exchange], opts: &Options) -> Vec<Diagnosis> {
    use crate::report::neighbours::diagnose_in_context;
    let servers: Vec<Option<String>> = exchanges.iter().map(crate::report::stack::server).collect();
    let mut groups: HashMap<&str, Vec<&Exchange>> = HashMap::new();
    for (ex, server) in exchanges.iter().zip(&servers) {
        if let Some(s) = server {
            groups.entry(s.as_str()).or_default().push(ex);
        }
    }
    exchanges
        .iter()
        .zip(&servers)
        .map(|(ex, server)| {
            let near = server.as_deref().and_then(|s| groups.get(s)).map_or(&[][..], Vec::as_slice);
            diagnose_in_context(ex, opts, near.iter().copied())
        })
        .collect()
}

/// Reads HAR text with the default limits.
pub fn parse_har(text: &str) -> Result<Vec<Exchange>, InputError> {
    let limits = Limits::default();
    if text.len() > limits.max_bytes {
        return Err(InputError::new(format!("the HAR is {} bytes, more than the {}-byte limit", text.len(), limits.max_bytes)));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let v: Value = serde_json::from_str(text).map_err(|e| {
        let mut err = InputError::new(format!("not valid JSON: {}", strip_position(&e)));
        if e.line() > 0 {
            err.line = Some(e.line());
            err.column = Some(e.column());
        }
        err
    })?;
    read(&v, &limits).map(|r| r.exchanges)
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s.get(..i).unwrap_or(&s).to_string(),
        None => s,
    }
}

/// Exchanges from a parsed HAR with the default limits.
pub fn from_value(v: &Value) -> Result<Vec<Exchange>, InputError> {
    read(v, &Limits::default()).map(|r| r.exchanges)
}

/// One HAR entry, reduced to what the engine uses.
#[derive(Clone, Debug, Default)]
struct Entry {
    idx: usize,
    url: String,
    method: String,
    req_headers: Vec<Header>,
    /// The request headers are the full set sent on the wire (a `Host` or
    /// `:authority` line is present), not Chrome's provisional headers.
    full_headers: bool,
    status: u16,
    resp_headers: Vec<Header>,
    redirect_url: Option<String>,
    error: Option<String>,
    /// The entry has Chrome's `response._error` member (null or a string):
    /// the exporter says whether the request failed.
    error_field: bool,
    rtype: Option<String>,
    pageref: Option<String>,
    start_ms: Option<f64>,
    server_ip: Option<String>,
    connection: Option<String>,
    initiator_request_id: Option<String>,
    initiator_is_preflight: bool,
    request_id: Option<String>,
    via_service_worker: bool,
    preflight: bool,
    /// `timings` is an empty object (Firefox: the request never went out).
    no_timings: bool,
    /// `_error` is an empty string on a status-0 entry (Chromium: a request
    /// it blocked before the network without an error text, measured for
    /// mixed content).
    blank_error: bool,
    /// The response's `Content-Security-Policy` values (a page's document).
    csp: Vec<String>,
    /// `response._blockedReason` (CDP's `blockedReason`, written by HARs
    /// built from CDP events: `mixed-content`, `csp`, `other`, ...).
    blocked_reason: Option<String>,
}

impl Entry {
    fn is_preflight(&self) -> bool {
        self.preflight
    }

    fn classify(&mut self) {
        self.preflight = self.rtype.as_deref() == Some("preflight")
            || self.initiator_is_preflight
            || (self.method.eq_ignore_ascii_case("OPTIONS") && self.req_headers.has("access-control-request-method"));
    }
}

/// Reads a parsed HAR.
pub fn read(v: &Value, limits: &Limits) -> Result<HarRead, InputError> {
    let root = v.as_object().ok_or_else(|| InputError::new(format!("expected a HAR object, found {}", kind(v))))?;
    let log = root.get("log").ok_or_else(|| InputError::at("log", "missing"))?;
    let log = log.as_object().ok_or_else(|| InputError::at("log", format!("expected an object, found {}", kind(log))))?;
    let entries_v = log.get("entries").ok_or_else(|| InputError::at("log.entries", "missing: a HAR needs log.entries"))?;
    let entries_v = entries_v
        .as_array()
        .ok_or_else(|| InputError::at("log.entries", format!("expected an array, found {}", kind(entries_v))))?;
    if entries_v.len() > limits.max_exchanges {
        return Err(InputError::at(
            "log.entries",
            format!("{} entries, more than the limit of {}", entries_v.len(), limits.max_exchanges),
        ));
    }
    let browser = detect_browser(log);
    let pages = read_pages(log)?;

    let mut entries = Vec::with_capacity(entries_v.len());
    for (i, e) in entries_v.iter().enumerate() {
        entries.push(read_entry(i, e)?);
    }
    // whycors' own capture (tests/harness/har.mjs, from CDP's
    // loadingFinished/loadingFailed) writes `_error` on the failed entries
    // only: there, an entry without one finished (DevTools' own export
    // writes `_error: null` on those).
    let creator = log.get("creator").and_then(|c| c.get("name")).and_then(Value::as_str).unwrap_or("");
    if creator == "whycors capture (CDP)" {
        for e in entries.iter_mut() {
            e.error_field = true;
        }
    }

    let n = entries.len();
    let mut out = HarRead { entries: n, browser, ..HarRead::default() };
    let any_preflight = entries.iter().any(Entry::is_preflight);

    // Index non-preflight entries by URL, for redirects and pairing.
    let mut by_url: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if !e.is_preflight() {
            by_url.entry(e.url.as_str()).or_default().push(i);
        }
    }

    // Redirect chains.
    let mut next: Vec<Option<usize>> = vec![None; n];
    let mut has_prev = vec![false; n];
    for i in 0..n {
        let Some(e) = entries.get(i) else { continue };
        if e.is_preflight() || !(300..400).contains(&e.status) {
            continue;
        }
        let Some(target) = e.redirect_url.as_deref().and_then(|t| resolve(&e.url, t)) else { continue };
        let Some(cands) = by_url.get(target.as_str()) else { continue };
        // Candidates are in file order: start after `i`, look at a bounded
        // number (a file of identical redirect loops must stay linear).
        let from = cands.partition_point(|&j| j <= i);
        let found = cands.get(from..).unwrap_or(&[]).iter().copied().take(64).find(|&j| {
            !has_prev.get(j).copied().unwrap_or(true)
                && entries.get(j).is_some_and(|c| same_page(e, c) && !starts_before(c, e))
        });
        if let Some(j) = found {
            if let Some(slot) = next.get_mut(i) {
                *slot = Some(j);
            }
            if let Some(slot) = has_prev.get_mut(j) {
                *slot = true;
            }
        }
    }

    // Preflight pairing: greedy by distance over (preflight, candidate) pairs.
    let mut preflight_of: Vec<Option<usize>> = vec![None; n];
    let mut paired_preflight = vec![false; n];
    let mut pairs: Vec<(u8, f64, usize, usize)> = Vec::new();
    // Chrome: the preflight's `_initiator.requestId` is the actual entry's `_requestId`.
    let mut by_request_id: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let (false, Some(id)) = (e.is_preflight(), e.request_id.as_deref()) {
            by_request_id.entry((id, e.url.as_str())).or_insert(i);
        }
    }
    for (p, pe) in entries.iter().enumerate() {
        if !pe.is_preflight() {
            continue;
        }
        if let Some(&c) = pe.initiator_request_id.as_deref().and_then(|id| by_request_id.get(&(id, pe.url.as_str()))) {
            pairs.push((0, 0.0, p, c));
        }
        let Some(cands) = by_url.get(pe.url.as_str()) else { continue };
        let acrm = pe.req_headers.values("access-control-request-method").next().map(|m| m.trim().to_string());
        // The nearest candidates in file order on each side (bounded, so that
        // thousands of identical requests stay linear).
        let at = cands.partition_point(|&c| c < p);
        let window = cands.get(at.saturating_sub(32)..cands.len().min(at + 32)).unwrap_or(&[]);
        for &c in window {
            let Some(ce) = entries.get(c) else { continue };
            if !same_page(pe, ce) {
                continue;
            }
            let exact_id = match (&pe.initiator_request_id, &ce.request_id) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            };
            let method_ok = match &acrm {
                Some(m) => m == &ce.method || m.eq_ignore_ascii_case(&ce.method),
                None => true,
            };
            if !exact_id && !method_ok {
                continue;
            }
            let dist = match (pe.start_ms, ce.start_ms) {
                (Some(a), Some(b)) => (a - b).abs(),
                _ => 1e15 + (p as f64 - c as f64).abs(),
            };
            pairs.push((if exact_id { 0 } else { 1 }, dist, p, c));
        }
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    for (_, _, p, c) in pairs {
        if paired_preflight.get(p).copied().unwrap_or(true) || preflight_of.get(c).copied().flatten().is_some() {
            continue;
        }
        if let Some(s) = paired_preflight.get_mut(p) {
            *s = true;
        }
        if let Some(s) = preflight_of.get_mut(c) {
            *s = Some(p);
        }
    }

    let default_observation = if any_preflight { PreflightObservation::NotSent } else { PreflightObservation::Unknown };
    // Each page's policy, from its document's response (the first document
    // of the page that carries one).
    let mut page_csp: HashMap<&str, &[String]> = HashMap::new();
    for e in &entries {
        let doc = e.rtype.as_deref() == Some("document")
            || e.req_headers.first_value("sec-fetch-dest").is_some_and(|d| d.trim().eq_ignore_ascii_case("document"));
        if let (true, false, Some(p)) = (doc, e.csp.is_empty(), e.pageref.as_deref()) {
            page_csp.entry(p).or_insert(e.csp.as_slice());
        }
    }

    for i in 0..n {
        let Some(head) = entries.get(i) else { continue };
        if head.is_preflight() {
            if !paired_preflight.get(i).copied().unwrap_or(true) {
                match preflight_only_exchange(head, &pages, browser) {
                    Some(ex) => out.exchanges.push(ex),
                    None => out.skipped += 1,
                }
            } else {
                out.skipped += 1;
            }
            continue;
        }
        if has_prev.get(i).copied().unwrap_or(false) {
            out.skipped += 1; // folded into its chain
            continue;
        }
        let mut chain = vec![i];
        let mut cur = i;
        while let Some(Some(j)) = next.get(cur) {
            if chain.len() > 64 || chain.contains(j) {
                break;
            }
            chain.push(*j);
            cur = *j;
        }
        let csp = head.pageref.as_deref().and_then(|p| page_csp.get(p).copied());
        match chain_exchange(&entries, &chain, &preflight_of, &pages, browser, default_observation, csp) {
            Some(ex) => out.exchanges.push(ex),
            None => out.skipped += 1,
        }
    }
    for (i, ex) in out.exchanges.iter().enumerate() {
        // The one credentials function (its signs: the error, `end: not-sent`).
        if let Some(inf) = infer_credentials(ex) {
            out.inferences.push((i, inf));
        }
    }
    Ok(out)
}

fn detect_browser(log: &Map<String, Value>) -> Option<Browser> {
    let name = |k: &str| log.get(k).and_then(|c| c.get("name")).and_then(Value::as_str).map(str::to_ascii_lowercase);
    for n in [name("browser"), name("creator")].into_iter().flatten() {
        if n.contains("firefox") {
            return Some(Browser::Firefox);
        }
        if n.contains("webinspector") || n.contains("chrome") || n.contains("chromium") || n.contains("edge") {
            return Some(Browser::Chromium);
        }
    }
    None
}

/// Page id → the page's origin (from the title, which both browsers set to the URL).
fn read_pages(log: &Map<String, Value>) -> Result<HashMap<String, String>, InputError> {
    let mut out = HashMap::new();
    let Some(pages) = log.get("pages") else { return Ok(out) };
    if pages.is_null() {
        return Ok(out);
    }
    let pages = pages.as_array().ok_or_else(|| InputError::at("log.pages", format!("expected an array, found {}", kind(pages))))?;
    for (i, p) in pages.iter().enumerate() {
        let Some(o) = p.as_object() else {
            return Err(InputError::at(format!("log.pages[{i}]"), format!("expected a page object, found {}", kind(p))));
        };
        let id = opt_str(o, "id", &format!("log.pages[{i}]"))?;
        let title = opt_str(o, "title", &format!("log.pages[{i}]"))?;
        if let (Some(id), Some(title)) = (id, title) {
            if let Some(origin) = page_origin_of(title.trim()) {
                out.insert(id.to_string(), origin);
            }
        }
    }
    Ok(out)
}

fn opt_str<'a>(o: &'a Map<String, Value>, key: &str, path: &str) -> Result<Option<&'a str>, InputError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(InputError::at(format!("{path}.{key}"), format!("expected a string, found {}", kind(other)))),
    }
}

fn read_headers(o: &Map<String, Value>, key: &str, path: &str) -> Result<Vec<Header>, InputError> {
    let Some(v) = o.get(key) else { return Ok(Vec::new()) };
    if v.is_null() {
        return Ok(Vec::new());
    }
    let list = v.as_array().ok_or_else(|| {
        InputError::at(format!("{path}.{key}"), format!("expected an array of name/value objects, found {}", kind(v)))
    })?;
    let mut out = Vec::with_capacity(list.len());
    // Paths are formatted only on error: this loop runs for every header line.
    let here = |i: usize| format!("{path}.{key}[{i}]");
    for (i, h) in list.iter().enumerate() {
        let Some(ho) = h.as_object() else {
            return Err(InputError::at(here(i), format!("expected a name/value object, found {}", kind(h))));
        };
        let name = match ho.get("name") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => return Err(InputError::at(here(i), "expected a name/value object, \"name\" is missing")),
            Some(other) => return Err(InputError::at(format!("{}.name", here(i)), format!("expected a string, found {}", kind(other)))),
        };
        let value = match ho.get("value") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            // Some tools write numbers for numeric headers; keep them as text.
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => return Err(InputError::at(format!("{}.value", here(i)), format!("expected a string, found {}", kind(other)))),
        };
        out.push(Header { name, value });
    }
    Ok(out)
}

fn read_status(o: &Map<String, Value>, path: &str) -> Result<u16, InputError> {
    match o.get("status") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                u16::try_from(u)
                    .ok()
                    .filter(|s| *s <= 999)
                    .ok_or_else(|| InputError::at(format!("{path}.status"), format!("expected an HTTP status (0-999), found {n}")))
            } else if n.as_i64().is_some() {
                Ok(0) // -1: unknown
            } else {
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && (0.0..=999.0).contains(&f) => Ok(f as u16),
                    _ => Err(InputError::at(format!("{path}.status"), format!("expected an HTTP status (0-999), found {n}"))),
                }
            }
        }
        Some(other) => Err(InputError::at(format!("{path}.status"), format!("expected a number, found {}", kind(other)))),
    }
}

fn read_entry(i: usize, v: &Value) -> Result<Entry, InputError> {
    let path = format!("entries[{i}]");
    let o = v.as_object().ok_or_else(|| InputError::at(&path, format!("expected an entry object, found {}", kind(v))))?;
    let rpath = format!("{path}.request");
    let req = o.get("request").ok_or_else(|| InputError::at(&rpath, "missing"))?;
    let req = req.as_object().ok_or_else(|| InputError::at(&rpath, format!("expected an object, found {}", kind(req))))?;
    let url = opt_str(req, "url", &rpath)?.ok_or_else(|| InputError::at(format!("{rpath}.url"), "missing"))?.to_string();
    let method = opt_str(req, "method", &rpath)?.unwrap_or("GET").to_string();
    let all_req_headers = read_headers(req, "headers", &rpath)?;
    let full_headers = all_req_headers.iter().any(|h| {
        let n = h.name.trim();
        n.eq_ignore_ascii_case("host") || n == ":authority"
    });
    let req_headers: Vec<Header> = all_req_headers.into_iter().filter(|h| !h.name.starts_with(':')).collect();

    let spath = format!("{path}.response");
    let (status, resp_headers, redirect_url, error, error_field, via_sw) = match o.get("response") {
        None | Some(Value::Null) => (0, Vec::new(), None, None, false, false),
        Some(r) => {
            let r = r.as_object().ok_or_else(|| InputError::at(&spath, format!("expected an object, found {}", kind(r))))?;
            let status = read_status(r, &spath)?;
            let headers: Vec<Header> = read_headers(r, "headers", &spath)?.into_iter().filter(|h| !h.name.starts_with(':')).collect();
            let redirect = opt_str(r, "redirectURL", &spath)?
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .or_else(|| headers.values("location").next().map(|s| s.trim().to_string()))
                .filter(|s| !s.is_empty());
            let error = match r.get("_error") {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
                _ => None,
            };
            let error_field = matches!(r.get("_error"), Some(Value::Null | Value::String(_)));
            let via_sw = matches!(r.get("_fetchedViaServiceWorker"), Some(Value::Bool(true)));
            (status, headers, redirect, error, error_field, via_sw)
        }
    };
    let rtype = match o.get("_resourceType") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.to_ascii_lowercase()),
        _ => None,
    };
    let (initiator_request_id, initiator_is_preflight) = match o.get("_initiator") {
        Some(Value::Object(ini)) => (
            ini.get("requestId").and_then(id_string),
            ini.get("type").and_then(Value::as_str) == Some("preflight"),
        ),
        _ => (None, false),
    };
    let start_ms = o.get("startedDateTime").and_then(Value::as_str).and_then(parse_iso_ms);
    let mut e = Entry {
        idx: i,
        url,
        method,
        req_headers,
        full_headers,
        status,
        resp_headers,
        redirect_url,
        error,
        error_field,
        rtype,
        pageref: o.get("pageref").and_then(Value::as_str).map(str::to_string),
        start_ms,
        server_ip: o.get("serverIPAddress").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string),
        connection: o.get("connection").and_then(id_string),
        initiator_request_id,
        initiator_is_preflight,
        request_id: o.get("_requestId").and_then(id_string),
        via_service_worker: via_sw,
        preflight: false,
        no_timings: matches!(o.get("timings"), Some(Value::Object(t)) if t.is_empty()),
        blank_error: false,
        csp: Vec::new(),
        blocked_reason: None,
    };
    e.blocked_reason = o
        .get("response")
        .and_then(|r| r.get("_blockedReason"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    e.blank_error = e.status == 0
        && matches!(o.get("response").and_then(|r| r.get("_error")), Some(Value::String(s)) if s.trim().is_empty());
    e.csp = e.resp_headers.values("content-security-policy").map(str::to_string).collect();
    e.classify();
    Ok(e)
}

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn same_page(a: &Entry, b: &Entry) -> bool {
    match (&a.pageref, &b.pageref) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// `c` started clearly before `e` (both times known; 1 ms of rounding allowed).
fn starts_before(c: &Entry, e: &Entry) -> bool {
    matches!((c.start_ms, e.start_ms), (Some(a), Some(b)) if a + 1.0 < b)
}

fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    match u.scheme() {
        "http" | "https" => Some(u.origin().ascii_serialization()),
        _ => None,
    }
}

/// A page URL's origin: HTTP(S) pages have a tuple origin; `file:`,
/// `data:` and `about:` pages an opaque one, serialized `null`. Anything
/// else (a page title that is not a URL) says nothing.
fn page_origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    match u.scheme() {
        "http" | "https" => Some(u.origin().ascii_serialization()),
        "file" | "data" | "about" => Some("null".to_string()),
        _ => None,
    }
}

fn resolve(base: &str, location: &str) -> Option<String> {
    let b = url::Url::parse(base).ok()?;
    b.join(location.trim()).ok().map(|u| u.to_string())
}

fn is_http(url: &str) -> bool {
    let lower = url.trim_start().get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn map_type(e: &Entry) -> ResourceType {
    if let Some(t) = e.rtype.as_deref() {
        return match t {
            "fetch" => ResourceType::Fetch,
            "xhr" | "xmlhttprequest" => ResourceType::Xhr,
            "image" | "img" | "imageset" => ResourceType::Image,
            "font" => ResourceType::Font,
            "script" => ResourceType::Script,
            "stylesheet" => ResourceType::Stylesheet,
            "media" | "texttrack" => ResourceType::Media,
            "document" | "main_frame" => ResourceType::Document,
            "sub_frame" => ResourceType::Subdocument,
            "websocket" => ResourceType::Websocket,
            "eventsource" => ResourceType::EventSource,
            "ping" | "beacon" => ResourceType::Beacon,
            "preflight" => ResourceType::Preflight,
            _ => ResourceType::Other,
        };
    }
    // Firefox writes no resource type: Sec-Fetch-Dest says it, where sent.
    match e.req_headers.values("sec-fetch-dest").next().map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("empty") => ResourceType::Fetch,
        Some("image") => ResourceType::Image,
        Some("font") => ResourceType::Font,
        Some("script") => ResourceType::Script,
        Some("style") => ResourceType::Stylesheet,
        Some("audio" | "video" | "track") => ResourceType::Media,
        Some("document") => ResourceType::Document,
        Some("iframe" | "frame") => ResourceType::Subdocument,
        _ => ResourceType::Other,
    }
}

/// The first line's value of `name`, trimmed (`HeaderList`).
fn first_value(h: &[Header], name: &str) -> Option<String> {
    h.first_value(name).map(|v| v.trim().to_string())
}

fn page_origin(e: &Entry, pages: &HashMap<String, String>) -> Option<String> {
    e.pageref
        .as_ref()
        .and_then(|p| pages.get(p).cloned())
        .or_else(|| first_value(&e.req_headers, "referer").and_then(|r| origin_of(&r)))
}

fn remote_address(e: &Entry, browser: Option<Browser>) -> Option<String> {
    let ip = e.server_ip.as_deref()?.trim().trim_start_matches('[').trim_end_matches(']');
    if ip.is_empty() {
        return None;
    }
    // Firefox writes the remote port in `connection`; Chrome a connection id.
    match (&e.connection, browser) {
        (Some(port), Some(Browser::Firefox)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            if ip.contains(':') {
                Some(format!("[{ip}]:{port}"))
            } else {
                Some(format!("{ip}:{port}"))
            }
        }
        _ => Some(ip.to_string()),
    }
}

/// The mode the entry shows: `Sec-Fetch-Mode` ([`facts::sec_fetch_mode`],
/// the engine's one reading of it), the resource type, a preflight, an
/// `Origin` on a GET/HEAD; and what only a HAR shows: a GET/HEAD whose full
/// request headers (`Host`) carry no `Origin` was made in `no-cors` mode.
fn mode_of(head: &Entry, rtype: ResourceType, has_origin_header: bool, has_preflight: bool) -> Option<Mode> {
    if let Some(m) = crate::core::facts::sec_fetch_mode(&head.req_headers) {
        return Some(m);
    }
    match rtype {
        ResourceType::Document | ResourceType::Subdocument => return Some(Mode::Navigate),
        ResourceType::Websocket => return Some(Mode::Websocket),
        ResourceType::Font | ResourceType::Xhr | ResourceType::EventSource => return Some(Mode::Cors),
        _ => {}
    }
    if has_preflight {
        return Some(Mode::Cors);
    }
    let get_or_head = head.method.eq_ignore_ascii_case("GET") || head.method.eq_ignore_ascii_case("HEAD");
    if get_or_head && has_origin_header {
        // Browsers send Origin on GET/HEAD only in cors mode.
        return Some(Mode::Cors);
    }
    if get_or_head && !has_origin_header && head.full_headers {
        return Some(Mode::NoCors);
    }
    None
}

fn entry_error(e: &Entry) -> Option<String> {
    e.error.clone()
}

/// One exchange from a redirect chain (entry indices, first to last).
/// `preflights[k]`: the preflight entry paired with entry `k`, if any.
fn chain_exchange(
    entries: &[Entry],
    chain: &[usize],
    preflights: &[Option<usize>],
    pages: &HashMap<String, String>,
    browser: Option<Browser>,
    default_observation: PreflightObservation,
    page_csp: Option<&[String]>,
) -> Option<Exchange> {
    let pf_for = |k: usize| preflights.get(k).copied().flatten().and_then(|p| entries.get(p));
    let pf = pf_for(*chain.first()?);
    let head = entries.get(*chain.first()?)?;
    let last = entries.get(*chain.last()?)?;
    if chain.iter().filter_map(|&k| entries.get(k)).any(|e| e.via_service_worker) {
        return None;
    }
    let rtype = map_type(head);
    let origin_header = first_value(&head.req_headers, "origin")
        .or_else(|| pf.and_then(|p| first_value(&p.req_headers, "origin")));
    let origin = origin_header.clone().or_else(|| page_origin(head, pages));
    let end = entry_end(last, pf_for(*chain.last()?), browser);
    let mode = if end == End::NotSent && crate::core::facts::sec_fetch_mode(&head.req_headers).is_none() {
        // Firefox's export of a request stopped before the network: its
        // headers lack what the browser adds later (`Origin`,
        // `Sec-Fetch-*`), so their absence says nothing of the mode.
        None
    } else {
        mode_of(head, rtype, first_value(&head.req_headers, "origin").is_some(), pf.is_some())
    };

    let failed = chain.iter().filter_map(|&k| entries.get(k)).any(|e| e.error.is_some())
        || matches!(end, End::Failed | End::NotSent);
    match mode {
        Some(Mode::Navigate | Mode::Websocket) => return None,
        // A no-cors request that failed can still have failed for a
        // CORS-family reason (Chromium's NoCorsRedirectModeNotFollow).
        Some(Mode::NoCors) if !failed => return None,
        _ => {}
    }
    if !is_http(&head.url) {
        // data:, blob:, about: resources are not fetched over the network;
        // a script's fetch to another scheme is CORSRequestNotHttp.
        if !matches!(rtype, ResourceType::Fetch | ResourceType::Xhr | ResourceType::EventSource) {
            return None;
        }
        let lower = head.url.trim_start().to_ascii_lowercase();
        if lower.starts_with("data:") || lower.starts_with("blob:") || lower.starts_with("about:") {
            return None;
        }
    }
    // Same-origin: every URL in the chain has the request's origin.
    match &origin {
        Some(o) if o != "null" => {
            let all_same = chain
                .iter()
                .filter_map(|&k| entries.get(k))
                .all(|e| origin_of(&e.url).as_deref() == Some(o.as_str()));
            if all_same {
                return None;
            }
        }
        Some(_) => {}
        None => {
            // No origin at all: only script-initiated requests are worth a diagnosis.
            if !matches!(rtype, ResourceType::Fetch | ResourceType::Xhr | ResourceType::EventSource | ResourceType::Font) {
                return None;
            }
        }
    }

    // Chrome writes `_error` (null when the request succeeded): for a script
    // call, a failure is what the page's script saw as a rejection.
    let rejected = match (rtype, last.error_field) {
        (ResourceType::Fetch | ResourceType::Xhr | ResourceType::EventSource, true) => Some(failed),
        _ => None,
    };
    let page = PageRequest {
        origin,
        method: Some(head.method.clone()),
        author_headers: None,
        resource_type: rtype,
        mode,
        // Not recorded: the one credentials function reads a Cookie sent to
        // another origin (`core::credentials`).
        credentials: None,
        redirect_mode: None,
        rejected,
        read_headers: Vec::new(),
        call_site: None,
    };
    // One leg per entry of the chain, each with the preflight paired with it
    // (the browser preflights again at every redirect target).
    let legs: Vec<Leg> = chain
        .iter()
        .filter_map(|&k| {
            let e = entries.get(k)?;
            Some(Leg {
                url: e.url.clone(),
                method: Some(e.method.clone()),
                preflight: pf_for(k).map(preflight_of),
                request_headers: e.req_headers.clone(),
                // Status 0: no response (blocked before one, never sent, a
                // network error).
                response: (e.status != 0).then(|| Response {
                    status: e.status,
                    headers: e.resp_headers.clone(),
                    headers_merged: false,
                }),
            })
        })
        .collect();
    let error = chain.iter().rev().filter_map(|&k| entries.get(k)).find_map(entry_error);
    let observation = if pf.is_some() { PreflightObservation::Unknown } else { default_observation };
    // The page's policy, where a leg got nothing back (it may be why).
    let context = page_csp
        .filter(|_| legs.iter().any(|l| l.response.is_none()))
        .map(|csp| Context { page_csp: Some(csp.to_vec()), ..Context::default() });
    Some(Exchange {
        schema: SCHEMA,
        id: Some(format!("entries[{}]", head.idx)),
        browser,
        page,
        legs,
        preflight_observation: observation,
        end,
        error,
        remote_address: remote_address(last, browser),
        reported: last
            .blocked_reason
            .clone()
            .map(|b| crate::core::exchange::Reported { blocked_reason: Some(b), ..Default::default() }),
        context,
    })
}

/// How the request ended, as the export records it (its last entry, and
/// the preflight paired with it). Chrome writes `_error`: null when the
/// request completed, the error string when it failed, an empty string on a
/// status-0 entry it stopped before the network (mixed content, measured).
/// Firefox writes no error (a response CORS blocked is exported like any
/// other: unrecorded), but a status-0 entry says how it ended (measured,
/// MEASURED.md §7): empty `timings` (`{}`) is a request never sent (the
/// actual request a failed preflight stopped, or one stopped before the
/// network), timings of an attempt (all zero for a refused connection,
/// some phases for a dropped one, `ssl` for a failed handshake) a failure
/// at the network; a preflight that failed at the network makes the
/// request's end a failure too.
fn entry_end(last: &Entry, preflight: Option<&Entry>, browser: Option<Browser>) -> End {
    if last.error_field {
        return if last.error.is_some() || last.blank_error { End::Failed } else { End::Completed };
    }
    if browser != Some(Browser::Firefox) || last.status != 0 || !last.resp_headers.is_empty() {
        return End::Unrecorded;
    }
    let attempted = |e: &Entry| e.status == 0 && !e.no_timings && e.resp_headers.is_empty();
    if !last.no_timings {
        return End::Failed;
    }
    if preflight.is_some_and(attempted) {
        return End::Failed;
    }
    End::NotSent
}

fn preflight_of(p: &Entry) -> Preflight {
    Preflight {
        request_headers: p.req_headers.clone(),
        response: (p.status != 0).then(|| Response { status: p.status, headers: p.resp_headers.clone(), headers_merged: false }),
        error: p.error.clone(),
    }
}

/// A preflight whose actual request never appears: the browser stopped at
/// the preflight. The method comes from `Access-Control-Request-Method`.
fn preflight_only_exchange(p: &Entry, pages: &HashMap<String, String>, browser: Option<Browser>) -> Option<Exchange> {
    let method = first_value(&p.req_headers, "access-control-request-method")?;
    let origin = first_value(&p.req_headers, "origin").or_else(|| page_origin(p, pages));
    if let Some(o) = &origin {
        if origin_of(&p.url).as_deref() == Some(o.as_str()) {
            return None;
        }
    }
    Some(Exchange {
        schema: SCHEMA,
        id: Some(format!("entries[{}]", p.idx)),
        browser,
        page: PageRequest {
            method: Some(method),
            origin,
            resource_type: ResourceType::Other,
            mode: Some(Mode::Cors),
            ..PageRequest::default()
        },
        legs: vec![Leg { url: p.url.clone(), preflight: Some(preflight_of(p)), ..Leg::default() }],
        preflight_observation: PreflightObservation::Unknown,
        end: End::Unrecorded,
        error: p.error.clone(),
        remote_address: remote_address(p, browser),
        reported: None,
        context: None,
    })
}

/// Milliseconds since the epoch from an ISO 8601 date-time
/// (`2025-10-08T06:02:22.523Z`, `2025-10-08T08:02:22.523+02:00`).
fn parse_iso_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = num(11, 2)?;
    let min = num(14, 2)?;
    let sec = num(17, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut pos = 19;
    let mut frac = 0.0;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        let digits = s.get(start..pos)?;
        if !digits.is_empty() {
            frac = format!("0.{digits}").parse::<f64>().ok()?;
        }
    }
    let offset_min: i64 = match b.get(pos) {
        None | Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(pos + 1, 2)?;
            let om = if b.get(pos + 3) == Some(&b':') { num(pos + 4, 2)? } else { num(pos + 3, 2).unwrap_or(0) };
            let o = oh * 60 + om;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_min * 60;
    Some(secs as f64 * 1000.0 + frac * 1000.0)
}

#[cfg(test)]
mod tests {
    //! The HARs below are hand-written samples of the two export formats
    //! (field names and shapes as Chrome DevTools' and Firefox DevTools' HAR
    //! builders write them), not recordings of browser behaviour.
    use super::*;

    fn ex(text: &str) -> Vec<Exchange> {
        parse_har(text).unwrap()
    }

    const CHROME: &str = r#"{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},
      "pages":[{"startedDateTime":"2026-11-25T10:00:00.000Z","id":"page_1","title":"https://app.example/","pageTimings":{}}],
      "entries":[
        {"_initiator":{"type":"other"},"_resourceType":"document","pageref":"page_1","startedDateTime":"2026-11-25T10:00:00.000Z",
         "request":{"method":"GET","url":"https://app.example/","headers":[{"name":":authority","value":"app.example"}]},
         "response":{"status":200,"headers":[],"redirectURL":"","_error":null}},
        {"_initiator":{"type":"script"},"_resourceType":"fetch","_requestId":"77.1","pageref":"page_1","startedDateTime":"2026-11-25T10:00:01.000Z",
         "request":{"method":"PUT","url":"https://api.example/items/1","headers":[
            {"name":":authority","value":"api.example"},{"name":":method","value":"PUT"},
            {"name":"content-type","value":"application/json"},{"name":"origin","value":"https://app.example"},
            {"name":"x-trace","value":"a"},{"name":"x-trace","value":"b"}]},
         "response":{"status":200,"headers":[{"name":"content-type","value":"application/json"}],"redirectURL":"","_error":"net::ERR_FAILED","_fetchedViaServiceWorker":false},
         "serverIPAddress":"203.0.113.9","connection":"1234"},
        {"_initiator":{"type":"preflight","url":"https://api.example/items/1","requestId":"77.1"},"_resourceType":"preflight","pageref":"page_1",
         "startedDateTime":"2026-11-25T10:00:01.002Z",
         "request":{"method":"OPTIONS","url":"https://api.example/items/1","headers":[
            {"name":"Access-Control-Request-Method","value":"PUT"},{"name":"Access-Control-Request-Headers","value":"content-type,x-trace"},
            {"name":"Origin","value":"https://app.example"}]},
         "response":{"status":204,"headers":[{"name":"access-control-allow-origin","value":"https://app.example"},
            {"name":"access-control-allow-methods","value":"GET, POST"}],"redirectURL":""}},
        {"_resourceType":"image","pageref":"page_1","startedDateTime":"2026-11-25T10:00:01.500Z",
         "request":{"method":"GET","url":"https://cdn.example/logo.png","headers":[{"name":":authority","value":"cdn.example"},{"name":"sec-fetch-mode","value":"no-cors"}]},
         "response":{"status":200,"headers":[]}},
        {"_resourceType":"xhr","pageref":"page_1","startedDateTime":"2026-11-25T10:00:02.000Z",
         "request":{"method":"GET","url":"https://app.example/api/me","headers":[{"name":"Origin","value":"https://app.example"}]},
         "response":{"status":200,"headers":[]}}
      ]}}"#;

    #[test]
    fn chrome_preflight_is_paired_and_others_skipped() {
        let read = read(&serde_json::from_str(CHROME).unwrap(), &Limits::default()).unwrap();
        assert_eq!(read.browser, Some(Browser::Chromium));
        assert_eq!(read.entries, 5);
        assert_eq!(read.exchanges.len(), 1, "{:#?}", read.exchanges);
        let e = &read.exchanges[0];
        assert_eq!(e.id.as_deref(), Some("entries[1]"));
        assert_eq!(e.page.method(), "PUT");
        assert_eq!(e.page.origin.as_deref(), Some("https://app.example"));
        assert_eq!(e.page.resource_type, ResourceType::Fetch);
        assert_eq!(e.page.mode, Some(Mode::Cors));
        assert_eq!(e.legs.len(), 1);
        let leg = &e.legs[0];
        assert!(leg.request_headers.iter().all(|h| !h.name.starts_with(':')));
        assert_eq!(leg.request_headers.count("x-trace"), 2);
        let pf = leg.preflight.as_ref().unwrap().response.as_ref().unwrap();
        assert_eq!(pf.status, 204);
        assert_eq!(pf.headers.combined("access-control-allow-methods").as_deref(), Some("GET, POST"));
        assert_eq!(e.error.as_deref(), Some("net::ERR_FAILED"));
        assert_eq!(e.end, End::Failed);
        assert_eq!(leg.response.as_ref().unwrap().status, 200);
        assert_eq!(e.remote_address.as_deref(), Some("203.0.113.9"));
        assert_eq!(read.skipped, 4);
    }

    const FIREFOX: &str = r#"{"log":{"version":"1.2","creator":{"name":"Firefox","version":"153.0"},"browser":{"name":"Firefox","version":"153.0"},
      "pages":[{"id":"page_1","title":"http://app.test:8801/lab/","startedDateTime":"2026-11-25T11:00:00.000+01:00"}],
      "entries":[
        {"pageref":"page_1","startedDateTime":"2026-11-25T11:00:01.000+01:00","request":{"method":"OPTIONS","url":"http://api.test:8802/api/x",
          "headers":[{"name":"Host","value":"api.test:8802"},{"name":"Access-Control-Request-Method","value":"DELETE"},{"name":"Origin","value":"http://app.test:8801"}]},
         "response":{"status":403,"headers":[{"name":"Content-Type","value":"text/plain"}],"redirectURL":""},
         "serverIPAddress":"127.0.0.1","connection":"8802","_securityState":"insecure"},
        {"pageref":"page_1","startedDateTime":"2026-11-25T11:00:01.040+01:00","request":{"method":"DELETE","url":"http://api.test:8802/api/x",
          "headers":[{"name":"Host","value":"api.test:8802"},{"name":"Origin","value":"http://app.test:8801"},{"name":"Sec-Fetch-Mode","value":"cors"},{"name":"Sec-Fetch-Dest","value":"empty"}]},
         "response":{"status":0,"headers":[],"redirectURL":""},"_securityState":"insecure"},
        {"pageref":"page_1","startedDateTime":"2026-11-25T11:00:02.000+01:00","request":{"method":"GET","url":"http://api.test:8802/api/r",
          "headers":[{"name":"Host","value":"api.test:8802"},{"name":"Origin","value":"http://app.test:8801"},{"name":"Cookie","value":"s=1"}]},
         "response":{"status":302,"headers":[{"name":"Location","value":"http://other.test:8803/api/final"},{"name":"Access-Control-Allow-Origin","value":"http://app.test:8801"}],"redirectURL":"http://other.test:8803/api/final"},
         "serverIPAddress":"127.0.0.1","connection":"8802"},
        {"pageref":"page_1","startedDateTime":"2026-11-25T11:00:02.010+01:00","request":{"method":"GET","url":"http://other.test:8803/api/final",
          "headers":[{"name":"Host","value":"other.test:8803"},{"name":"Origin","value":"null"}]},
         "response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"},{"name":"Access-Control-Allow-Origin","value":"*"}],"redirectURL":""},
         "serverIPAddress":"::1","connection":"8803"}
      ]}}"#;

    #[test]
    fn firefox_preflight_before_actual_and_redirect_chain() {
        let v = ex(FIREFOX);
        assert_eq!(v.len(), 2, "{v:#?}");
        let del = &v[0];
        assert_eq!(del.browser, Some(Browser::Firefox));
        assert_eq!(del.id.as_deref(), Some("entries[1]"));
        assert_eq!(del.page.method(), "DELETE");
        assert_eq!(del.page.resource_type, ResourceType::Fetch);
        let pf = del.legs[0].preflight.as_ref().unwrap();
        assert_eq!(pf.response.as_ref().map(|r| r.status), Some(403));
        assert!(del.legs[0].response.is_none());
        let red = &v[1];
        assert_eq!(red.legs.len(), 2);
        assert_eq!(red.legs[0].response.as_ref().map(|r| r.status), Some(302));
        // A Cookie sent to the api origin: `include`, read by the one
        // credentials function (the reader records no mode).
        assert_eq!(red.page.credentials, None);
        assert_eq!(crate::core::credentials::credentials(red).mode, Some(crate::core::exchange::Credentials::Include));
        assert_eq!(red.preflight_observation, PreflightObservation::NotSent);
        assert_eq!(red.legs[1].url, "http://other.test:8803/api/final");
        let resp = red.legs[1].response.as_ref().unwrap();
        assert_eq!(resp.headers.count("access-control-allow-origin"), 2);
        assert_eq!(red.remote_address.as_deref(), Some("[::1]:8803"));
        assert_eq!(del.page.origin.as_deref(), Some("http://app.test:8801"));
    }

    #[test]
    fn unpaired_preflight_becomes_an_exchange() {
        let t = r#"{"log":{"creator":{"name":"WebInspector"},"entries":[
          {"_resourceType":"preflight","request":{"method":"OPTIONS","url":"https://api.example/x","headers":[
             {"name":"Origin","value":"https://app.example"},{"name":"Access-Control-Request-Method","value":"PATCH"}]},
           "response":{"status":0,"headers":[],"_error":"net::ERR_CONNECTION_REFUSED"}}]}}"#;
        let v = ex(t);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].page.method(), "PATCH");
        assert!(v[0].legs[0].preflight.as_ref().unwrap().response.is_none());
        assert_eq!(v[0].error.as_deref(), Some("net::ERR_CONNECTION_REFUSED"));
    }

    #[test]
    fn origin_from_page_or_referer() {
        let t = r#"{"log":{"pages":[{"id":"p","title":"https://app.example/path?q"}],"entries":[
          {"pageref":"p","_resourceType":"fetch","request":{"method":"POST","url":"https://api.example/x","headers":[]},"response":{"status":0,"_error":"net::ERR_FAILED"}},
          {"_resourceType":"xhr","request":{"method":"POST","url":"https://api.example/y","headers":[{"name":"Referer","value":"https://other.example/a/b"}]},"response":{"status":500}}
        ]}}"#;
        let v = ex(t);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].page.origin.as_deref(), Some("https://app.example"));
        assert!(v[0].legs[0].response.is_none());
        assert_eq!(v[1].page.origin.as_deref(), Some("https://other.example"));
        assert_eq!(v[1].preflight_observation, PreflightObservation::Unknown);
    }

    #[test]
    fn errors_name_the_entry_and_field() {
        let bad = r#"{"log":{"entries":[{"request":{"url":"https://a/","headers":[]},"response":{"status":200,"headers":[{"name":"a","value":"b"},"x"]}}]}}"#;
        let e = parse_har(bad).unwrap_err();
        assert_eq!(e.to_string(), "entries[0].response.headers[1]: expected a name/value object, found a string");
        let e = parse_har(r#"{"log":{"entries":[{"request":{"url":5}}]}}"#).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("entries[0].request.url"));
        let e = parse_har(r#"{"log":{}}"#).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("log.entries"));
        let e = parse_har(r#"{"log":{"entries":[{"request":{"url":"https://a/"},"response":{"status":"200"}}]}}"#).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("entries[0].response.status"));
    }

    #[test]
    fn service_worker_and_data_urls_are_skipped() {
        let t = r#"{"log":{"entries":[
          {"_resourceType":"fetch","request":{"method":"GET","url":"https://api.example/x","headers":[{"name":"Origin","value":"https://app.example"}]},"response":{"status":200,"_fetchedViaServiceWorker":true}},
          {"_resourceType":"image","request":{"method":"GET","url":"data:image/png;base64,AAAA","headers":[]},"response":{"status":200}}
        ]}}"#;
        let r = read(&serde_json::from_str(t).unwrap(), &Limits::default()).unwrap();
        assert!(r.exchanges.is_empty());
        assert_eq!(r.skipped, 2);
    }

    #[test]
    fn redirect_not_followed_ends_chain_without_response() {
        let t = r#"{"log":{"entries":[
          {"_resourceType":"fetch","request":{"method":"GET","url":"https://api.example/r","headers":[{"name":"Origin","value":"https://app.example"}]},
           "response":{"status":301,"headers":[{"name":"Location","value":"https://user:pw@api2.example/"}],"redirectURL":"https://user:pw@api2.example/","_error":"net::ERR_FAILED"}}
        ]}}"#;
        let v = ex(t);
        assert_eq!(v[0].legs.len(), 1, "a chain that ends at a redirect has no leg after it");
        assert_eq!(crate::core::facts::hop_count(&v[0]), 1);
    }

    #[test]
    fn failed_no_cors_is_kept_and_rejection_is_recorded() {
        let t = r#"{"log":{"creator":{"name":"WebInspector"},"pages":[{"id":"p","title":"file:///home/me/index.html"}],"entries":[
          {"pageref":"p","_resourceType":"fetch","request":{"method":"GET","url":"https://api.example/r","headers":[{"name":"Sec-Fetch-Mode","value":"no-cors"},{"name":":authority","value":"api.example"}]},
           "response":{"status":0,"headers":[],"_error":"net::ERR_FAILED"}},
          {"pageref":"p","_resourceType":"fetch","request":{"method":"GET","url":"https://api.example/ok","headers":[{"name":"Sec-Fetch-Mode","value":"cors"}]},
           "response":{"status":200,"headers":[],"_error":null}},
          {"pageref":"p","_resourceType":"image","request":{"method":"GET","url":"https://cdn.example/i.png","headers":[{"name":"Sec-Fetch-Mode","value":"no-cors"}]},
           "response":{"status":200,"headers":[],"_error":null}}
        ]}}"#;
        let v = ex(t);
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0].page.mode, Some(Mode::NoCors));
        assert_eq!(v[0].page.rejected, Some(true));
        assert_eq!(v[0].page.origin.as_deref(), Some("null"), "a file: page has an opaque origin");
        assert_eq!(v[1].page.rejected, Some(false));
        // Firefox exports have no `_error`: the rejection is unknown.
        let v = ex(FIREFOX);
        assert!(v.iter().all(|e| e.page.rejected.is_none()));
    }

    #[test]
    fn no_inference_where_the_checks_already_block() {
        // The CHROME sample's PUT fails its preflight without credentials:
        // credentials explain nothing (the rule itself: diagnose.rs).
        let r = read(&serde_json::from_str(CHROME).unwrap(), &Limits::default()).unwrap();
        assert!(r.inferences.is_empty());
        let ds = diagnose_read(&r, &Options::default());
        assert!(ds.iter().flat_map(|d| &d.notes).all(|n| !n.id.starts_with("har.note.credentials-inferred")));
    }

    #[test]
    fn iso_dates() {
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00.000Z"), Some(0.0));
        assert_eq!(parse_iso_ms("1970-01-01T01:00:00.250+01:00"), Some(250.0));
        assert_eq!(parse_iso_ms("2000-03-01T00:00:00Z"), Some(951_868_800_000.0));
        assert_eq!(parse_iso_ms("garbage"), None);
        assert_eq!(parse_iso_ms("2000-03-01T00:00:00.5x"), None);
    }
}

//! The wasm boundary: the only module that knows about JavaScript.
//!
//! Values cross as plain JS objects in the shapes of `src/exchange.rs` and
//! `src/diagnosis.rs`, declared for TypeScript in `wasm_types.d.ts`. They come
//! in read member by member with serde-wasm-bindgen; they go out as JSON text
//! that `JSON.parse` turns into objects (`to_js`), which both browsers do
//! faster than serde-wasm-bindgen built them member by member (Firefox ESR:
//! a full diagnosis 387 -> 309 µs, `diagnoseHar` 673 -> 613 µs per exchange;
//! Chromium 233 -> 227 µs; benches/wasm-browser.mjs). Every function that
//! takes an exchange (or records, or pasted blocks) also accepts it as JSON
//! text.
//!
//! Exchanges are read in either schema: `"schema": 2` as it is, a document
//! without `schema` (the first format, which the extension and the pages
//! still send) upgraded; another `schema` is refused. Exchanges returned
//! (`exchangesFromHar`, `exchangeFromLabRecords`, `exchangeFromRaw`) are
//! schema 2.
//!
//! Measured on tests/data/realistic.har (benches/wasm.mjs in Node,
//! benches/wasm-browser.mjs in the browsers): a caller that already holds
//! JSON text and wants text back does best with `diagnoseJson` (19-26 µs
//! per verdict, 1.7-2.3x native). The verdict path crosses as text only
//! (`diagnoseJson` with `verdictOnly`): an exchange object costs 10-13 µs
//! more to read than its text (every member and string crosses on its
//! own), which put the verdict on an object at 2.5x native in Chromium,
//! 3.0-3.1x in Node 20 and 3.5x in Firefox ESR, over the 3x budget.
//! Reading the object as `JSON.stringify` text measured no faster. The full
//! diagnosis (`diagnose`), whose work hides the crossing, takes either.
//!
//! Bad input never panics: it comes back as a thrown JS `Error` whose message
//! says what is wrong and where. A panic would abort the instance; the panic
//! hook prints it to the console, and `www/engine.js` replaces the instance.

use crate::report::diagnose::{diagnose as run_diagnose, Options};
use crate::core::exchange::{Browser, Exchange};
use crate::report::reasons;
use js_sys::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("wasm_types.d.ts");

/// Runs once when the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The crate version, e.g. `0.1.0`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Diagnoses one exchange (an object, or exchange JSON text). `browser`:
/// `"chromium"` or `"firefox"` (default: the exchange's own `browser`, else
/// both, reporting the worse). Like every diagnosing function here, it is
/// `diagnose::diagnose`: where the credentials mode is unknown and
/// Chromium's `net::ERR_FAILED` leaves credentials as the one explanation,
/// the exchange is diagnosed as credentialed, with a note saying so.
#[wasm_bindgen(unchecked_return_type = "Diagnosis")]
pub fn diagnose(
    #[wasm_bindgen(unchecked_param_type = "AnyExchange | string")] exchange: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BrowserName | null | undefined")] browser: Option<String>,
) -> Result<JsValue, Error> {
    let opts = options(browser.as_deref())?;
    let ex = exchange_in(&exchange)?;
    to_js(&run_diagnose(&ex, &opts))
}

/// Text in, text out: exchange JSON to diagnosis JSON, for callers that hold
/// JSON text already. `verdictOnly` skips the fix and snippets (verdict,
/// reason, names, messages, evidence, hints, findings): the verdict path,
/// e.g. for counting, which crosses as text only (see the module docs).
#[wasm_bindgen(js_name = diagnoseJson, unchecked_return_type = "DiagnosisJson")]
pub fn diagnose_json(
    #[wasm_bindgen(js_name = exchangeJson, unchecked_param_type = "ExchangeJson")] exchange_json: &str,
    #[wasm_bindgen(unchecked_param_type = "BrowserName | null | undefined")] browser: Option<String>,
    #[wasm_bindgen(js_name = verdictOnly)] verdict_only: Option<bool>,
) -> Result<String, Error> {
    let mut opts = options(browser.as_deref())?;
    opts.verdict_only = verdict_only.unwrap_or(false);
    let ex = crate::input::exchange_from_str(exchange_json).map_err(|e| Error::new(&format!("exchange: {e}")))?;
    serde_json::to_string(&run_diagnose(&ex, &opts)).map_err(|e| Error::new(&format!("serializing the result: {e}")))
}

/// Diagnoses many exchanges in one crossing (an array, or its JSON text);
/// returns the diagnoses in the same order.
#[wasm_bindgen(js_name = diagnoseAll, unchecked_return_type = "Diagnosis[]")]
pub fn diagnose_all(
    #[wasm_bindgen(unchecked_param_type = "AnyExchange[] | string")] exchanges: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BrowserName | null | undefined")] browser: Option<String>,
) -> Result<JsValue, Error> {
    let opts = options(browser.as_deref())?;
    let list: Vec<Exchange> = match exchanges.as_string() {
        Some(text) => crate::input::parse_exchanges(&text).map_err(|e| Error::new(&format!("exchanges: {e}")))?,
        None if js_sys::Array::is_array(&exchanges) => {
            let arr = js_sys::Array::from(&exchanges);
            let mut out = Vec::with_capacity(arr.length() as usize);
            for item in arr.iter() {
                match exchange_in(&item) {
                    Ok(ex) => out.push(ex),
                    // The located error: the list re-read as text.
                    Err(e) => {
                        return Err(match text_of(&exchanges).map(|t| crate::input::parse_exchanges(&t)) {
                            Some(Err(err)) => Error::new(&format!("exchanges: {err}")),
                            _ => e,
                        })
                    }
                }
            }
            out
        }
        None => return Err(Error::new("exchanges: expected an array of exchanges")),
    };
    let out: Vec<_> = list.iter().map(|ex| run_diagnose(ex, &opts)).collect();
    to_js(&out)
}

/// Diagnoses every exchange in a HAR 1.2 file (its text; exchange JSON is
/// accepted too), applying what the HAR implies but does not record (the
/// credentials mode, with a note: `har::HarRead::inferences`), as the CLI
/// does.
#[wasm_bindgen(js_name = diagnoseHar, unchecked_return_type = "Diagnosis[]")]
pub fn diagnose_har(
    #[wasm_bindgen(js_name = harText)] har_text: &str,
    #[wasm_bindgen(unchecked_param_type = "BrowserName | null | undefined")] browser: Option<String>,
) -> Result<JsValue, Error> {
    let opts = options(browser.as_deref())?;
    let parsed = crate::input::parse_with(har_text, &crate::input::Limits::default()).map_err(har_error)?;
    to_js(&crate::input::har::diagnose_exchanges(&parsed.exchanges, &opts))
}

/// The exchanges a HAR file holds, without diagnosing them.
#[wasm_bindgen(js_name = exchangesFromHar, unchecked_return_type = "Exchange[]")]
pub fn exchanges_from_har(#[wasm_bindgen(js_name = harText)] har_text: &str) -> Result<JsValue, Error> {
    to_js(&har_exchanges(har_text)?)
}

/// The CORS preflight `browser` sends before this exchange's request, to its
/// first URL (`PreflightRequest`: `OPTIONS`, the URL, `Accept`,
/// `Access-Control-Request-Method`, `Access-Control-Request-Headers` when
/// some header is CORS-unsafe, `Origin`); null when the browser sends none.
/// Whether it sends one is the checks' decision (one was observed, or the
/// request needs one); the headers are reconstructed from the request. `browser`: default the exchange's own; throws when neither
/// names one (the browsers' safelists differ).
#[wasm_bindgen(js_name = preflightRequest, unchecked_return_type = "PreflightRequest | null")]
pub fn preflight_request(
    #[wasm_bindgen(unchecked_param_type = "AnyExchange | string")] exchange: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BrowserName | null | undefined")] browser: Option<String>,
) -> Result<JsValue, Error> {
    let chosen = options(browser.as_deref())?.browser;
    let ex = exchange_in(&exchange)?;
    let Some(b) = chosen.or(ex.browser) else {
        return Err(Error::new(
            "browser: the exchange names no browser; pass \"chromium\" or \"firefox\" (their safelists differ)",
        ));
    };
    to_js(&crate::report::diagnose::preflight_request(&ex, b))
}

/// Everything the registry knows about one reason. Throws for an unknown id.
#[wasm_bindgen(unchecked_return_type = "ReasonInfo")]
pub fn explain(#[wasm_bindgen(js_name = reasonId)] reason_id: &str) -> Result<JsValue, Error> {
    match reasons::by_id(reason_id) {
        Some(r) => to_js(&r.info()),
        None => Err(Error::new(&format!(
            "unknown reason id {reason_id:?}: reasons() lists the {} known ids",
            reasons::REASONS.len()
        ))),
    }
}

/// Every reason the engine knows, in check order.
#[wasm_bindgen(unchecked_return_type = "ReasonInfo[]")]
pub fn reasons() -> Result<JsValue, Error> {
    to_js(&reasons::infos())
}

/// The list patterns (`ListPattern[]`: `{id, template}`, English, in
/// `message::LIST_PATTERNS` order) that join the `{list, items}` parts of a
/// `Text`: what a translation overrides, by id, to re-render lists
/// (docs/diagnosis-format.md, "Text").
#[wasm_bindgen(js_name = listPatterns, unchecked_return_type = "ListPattern[]")]
pub fn list_patterns() -> Result<JsValue, Error> {
    #[derive(Serialize)]
    struct ListPattern {
        id: &'static str,
        template: &'static str,
    }
    let list: Vec<ListPattern> =
        crate::report::message::LIST_PATTERNS.iter().map(|&(id, template)| ListPattern { id, template }).collect();
    to_js(&list)
}

/// Builds the exchange from the lab server's records of one tag (the array
/// `GET /__records?tag=T` returns, or its text), the page's origin, and what
/// the page knows of its own call (`LabRequestInfo`: kind, method, mode,
/// credentials, the headers it set, whether it rejected).
#[wasm_bindgen(js_name = exchangeFromLabRecords, unchecked_return_type = "Exchange")]
pub fn exchange_from_lab_records(
    #[wasm_bindgen(unchecked_param_type = "LabRecord[] | string")] records: JsValue,
    #[wasm_bindgen(js_name = pageOrigin)] page_origin: &str,
    #[wasm_bindgen(js_name = requestInfo, unchecked_param_type = "LabRequestInfo | string | null | undefined")]
    request_info: JsValue,
) -> Result<JsValue, Error> {
    let records: Vec<crate::input::labrecord::Record> = from_js(&records, "lab records")?;
    let info: crate::input::labrecord::LabRequestInfo =
        if request_info.is_undefined() || request_info.is_null() || request_info.as_string().is_some_and(|s| s.trim().is_empty()) {
            crate::input::labrecord::LabRequestInfo::default()
        } else {
            from_js(&request_info, "lab request info")?
        };
    let ex = crate::input::labrecord::exchange_from_records(&records, page_origin, &info).map_err(|e| Error::new(&e))?;
    to_js(&ex)
}

/// Builds an exchange from pasted header blocks (`RawInput`, see `src/raw.rs`).
#[wasm_bindgen(js_name = exchangeFromRaw, unchecked_return_type = "Exchange")]
pub fn exchange_from_raw(
    #[wasm_bindgen(unchecked_param_type = "RawInput | string")] input: JsValue,
) -> Result<JsValue, Error> {
    let raw: crate::input::raw::RawInput = from_js(&input, "pasted headers")?;
    let ex = crate::input::raw::exchange_from_raw(&raw).map_err(|e| Error::new(&e))?;
    to_js(&ex)
}

/// Where a diagnosis ranks in a list (`crate::webrequest::view::rank_json`):
/// `{rank, blocked, warn}`; rank 0 blocked, 1 undecided, 2 worth a look (a
/// warning or security finding, an extra console line), 3 the rest. The
/// pages sort and filter by it; no CORS knowledge stays in JavaScript.
#[wasm_bindgen(js_name = diagnosisRank, unchecked_return_type = "DiagnosisRank")]
pub fn diagnosis_rank(#[wasm_bindgen(unchecked_param_type = "Diagnosis | string")] diagnosis: JsValue) -> Result<JsValue, Error> {
    let d: serde_json::Value = from_js(&diagnosis, "diagnosis")?;
    let (rank, blocked, warn) = crate::webrequest::view::rank_json(&d);
    to_js(&serde_json::json!({ "rank": rank, "blocked": blocked, "warn": warn }))
}

/// Panics on purpose, which aborts the instance: lets tests (and the
/// extension's self-check) prove that `www/engine.js` replaces a crashed
/// instance. Never called otherwise.
#[wasm_bindgen(js_name = __crashForTest)]
pub fn crash_for_test() {
    panic!("whycors: deliberate panic (crash test)");
}

fn options(browser: Option<&str>) -> Result<Options, Error> {
    let browser = match browser.map(str::trim) {
        None | Some("") => None,
        Some(b) if b.eq_ignore_ascii_case("chromium") || b.eq_ignore_ascii_case("chrome") => Some(Browser::Chromium),
        Some(b) if b.eq_ignore_ascii_case("firefox") => Some(Browser::Firefox),
        Some(other) => {
            return Err(Error::new(&format!(
                "unknown browser {other:?}: expected \"chromium\" or \"firefox\""
            )))
        }
    };
    Ok(Options { browser, ..Options::default() })
}

/// The value as JSON text: itself if it is a string, else `JSON.stringify`.
fn text_of(v: &JsValue) -> Option<String> {
    v.as_string().or_else(|| js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string()))
}

/// A value of `T` from a JS object (serde-wasm-bindgen) or JSON text (serde_json).
fn from_js<T: DeserializeOwned>(v: &JsValue, what: &str) -> Result<T, Error> {
    match v.as_string() {
        Some(text) => serde_json::from_str(&text).map_err(|e| Error::new(&format!("{what}: {e}"))),
        None => serde_wasm_bindgen::from_value(v.clone()).map_err(|e| Error::new(&format!("{what}: {e}"))),
    }
}

/// One exchange, in either schema (see the module docs): an object is read
/// by its `schema` with the typed reader; text by
/// `input::exchange_from_str`. Errors say what is wrong and where.
fn exchange_in(v: &JsValue) -> Result<Exchange, Error> {
    if let Some(text) = v.as_string() {
        return crate::input::exchange_from_str(&text).map_err(|e| Error::new(&format!("exchange: {e}")));
    }
    if !v.is_object() {
        return Err(Error::new("exchange: expected an exchange object or exchange JSON text"));
    }
    let schema = js_sys::Reflect::get(v, &JsValue::from_str("schema")).unwrap_or(JsValue::UNDEFINED);
    let has_legs = js_sys::Reflect::has(v, &JsValue::from_str("legs")).unwrap_or(false);
    let has_request = js_sys::Reflect::has(v, &JsValue::from_str("request")).unwrap_or(false);
    let direct = if schema.is_undefined() || schema.is_null() {
        if has_legs && !has_request {
            serde_wasm_bindgen::from_value::<Exchange>(v.clone()).ok()
        } else {
            serde_wasm_bindgen::from_value::<crate::input::v1::Exchange>(v.clone())
                .ok()
                .filter(|old| !old.request.url.trim().is_empty())
                .map(|old| Exchange::from_v1(&old))
        }
    } else if schema.as_f64() == Some(f64::from(crate::core::exchange::SCHEMA)) {
        serde_wasm_bindgen::from_value::<Exchange>(v.clone()).ok()
    } else {
        None
    };
    match direct.filter(|ex| ex.legs.first().is_some_and(|l| !l.url.trim().is_empty())) {
        Some(ex) => Ok(ex),
        // The located error: the text re-read.
        None => Err(match text_of(v) {
            Some(text) => match crate::input::exchange_from_str(&text) {
                Err(e) => Error::new(&format!("exchange: {e}")),
                Ok(_) => Error::new("exchange: not a whycors exchange"),
            },
            None => Error::new("exchange: expected an exchange object or exchange JSON text"),
        }),
    }
}

/// A HAR file (or exchange JSON) to exchanges.
fn har_exchanges(text: &str) -> Result<Vec<Exchange>, Error> {
    crate::input::parse(text).map_err(har_error)
}

fn har_error(e: crate::input::InputError) -> Error {
    Error::new(&format!("HAR: {e}"))
}

fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, Error> {
    let text = serde_json::to_string(v).map_err(|e| Error::new(&format!("returning the result: {e}")))?;
    js_sys::JSON::parse(&text).map_err(|_| Error::new("returning the result: JSON.parse refused the engine's JSON"))
}

// The extension's exports (`WebRequestSession`, `webRequestView`,
// `webRequestViewWith`) are in its own builds: src/wasm_bg.rs.

//! The wasm boundary: the only module that knows about JavaScript.
//!
//! Everything crosses as JSON text: an exchange goes in as the project's
//! exchange JSON, a diagnosis comes out as the diagnosis JSON
//! (`src/diagnosis.rs`). Measured (`benches/wasm.mjs`), one JSON string each
//! way is faster than converting objects field by field with
//! serde-wasm-bindgen, and the JS side (`www/engine.js`) turns the text into
//! objects with the engine's native `JSON.parse`.
//!
//! Bad input never panics: it comes back as a thrown JS `Error` whose message
//! says what is wrong and where. A panic would abort the instance; the panic
//! hook prints it to the console, and `www/engine.js` replaces the instance.

use crate::diagnose::{diagnose as run_diagnose, Options};
use crate::message::Text;
use crate::model::{Browser, Exchange};
use crate::reasons::{self, Reason};
use js_sys::Error;
use serde::Serialize;
use serde_json::{json, Value};
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

/// Diagnoses one exchange (exchange JSON text) and returns the diagnosis as
/// JSON text. `browser`: `"chromium"` or `"firefox"` (default: the
/// exchange's own `browser`, else both, reporting the worse).
#[wasm_bindgen(js_name = diagnose, unchecked_return_type = "DiagnosisJson")]
pub fn diagnose_json(
    #[wasm_bindgen(js_name = exchangeJson, unchecked_param_type = "ExchangeJson")] exchange_json: &str,
    #[wasm_bindgen(unchecked_param_type = "BrowserName | null | undefined")] browser: Option<String>,
) -> Result<String, Error> {
    let opts = options(browser.as_deref())?;
    let ex = parse_exchange(exchange_json)?;
    to_json(&run_diagnose(&ex, &opts))
}

/// Diagnoses many exchanges in one crossing: `exchangesJson` is a JSON array
/// of exchanges; returns a JSON array of diagnoses, in the same order.
#[wasm_bindgen(js_name = diagnoseAll, unchecked_return_type = "DiagnosisListJson")]
pub fn diagnose_all(
    #[wasm_bindgen(js_name = exchangesJson, unchecked_param_type = "string")] exchanges_json: &str,
    #[wasm_bindgen(unchecked_param_type = "BrowserName | null | undefined")] browser: Option<String>,
) -> Result<String, Error> {
    let opts = options(browser.as_deref())?;
    let list = match serde_json::from_str::<Vec<Exchange>>(exchanges_json) {
        Ok(list) => list,
        Err(_) => crate::input::parse_exchanges(exchanges_json)
            .map_err(|e| Error::new(&format!("exchange JSON: {e}")))?,
    };
    let out: Vec<_> = list.iter().map(|ex| run_diagnose(ex, &opts)).collect();
    to_json(&out)
}

/// Diagnoses every cross-origin exchange in a HAR 1.2 file (text); returns a
/// JSON array of diagnoses.
#[wasm_bindgen(js_name = diagnoseHar, unchecked_return_type = "DiagnosisListJson")]
pub fn diagnose_har(
    #[wasm_bindgen(js_name = harText)] har_text: &str,
    #[wasm_bindgen(unchecked_param_type = "BrowserName | null | undefined")] browser: Option<String>,
) -> Result<String, Error> {
    let opts = options(browser.as_deref())?;
    let exchanges = har_exchanges(har_text)?;
    let out: Vec<_> = exchanges.iter().map(|ex| run_diagnose(ex, &opts)).collect();
    to_json(&out)
}

/// The exchanges a HAR file holds (JSON array of exchanges), without
/// diagnosing them.
#[wasm_bindgen(js_name = exchangesFromHar, unchecked_return_type = "ExchangeListJson")]
pub fn exchanges_from_har(#[wasm_bindgen(js_name = harText)] har_text: &str) -> Result<String, Error> {
    to_json(&har_exchanges(har_text)?)
}

/// Everything the registry knows about one reason (JSON `ReasonInfo`).
/// Throws for an unknown id.
#[wasm_bindgen(unchecked_return_type = "ReasonInfoJson")]
pub fn explain(#[wasm_bindgen(js_name = reasonId)] reason_id: &str) -> Result<String, Error> {
    match reasons::get(reason_id) {
        Some(r) => to_json(&reason_info(r)),
        None => Err(Error::new(&format!(
            "unknown reason id {reason_id:?}: reasons() lists the {} known ids",
            reasons::REASONS.len()
        ))),
    }
}

/// Every reason the engine knows, in check order (JSON array of `ReasonInfo`).
#[wasm_bindgen(unchecked_return_type = "ReasonInfoListJson")]
pub fn reasons() -> Result<String, Error> {
    let list: Vec<Value> = reasons::REASONS.iter().map(|r| reason_info(r)).collect();
    to_json(&list)
}

/// Builds the exchange from the lab server's records of one tag
/// (`GET /__records?tag=T`, JSON text), the page's origin, and what the page
/// knows of its own call (`LabRequestInfo` JSON: kind, mode, credentials,
/// the headers it set, whether it rejected). Returns exchange JSON.
#[wasm_bindgen(js_name = exchangeFromLabRecords, unchecked_return_type = "ExchangeJson")]
pub fn exchange_from_lab_records(
    #[wasm_bindgen(js_name = recordsJson)] records_json: &str,
    #[wasm_bindgen(js_name = pageOrigin)] page_origin: &str,
    #[wasm_bindgen(js_name = requestInfoJson)] request_info_json: &str,
) -> Result<String, Error> {
    let info: crate::labrecord::LabRequestInfo = if request_info_json.trim().is_empty() {
        crate::labrecord::LabRequestInfo::default()
    } else {
        serde_json::from_str(request_info_json).map_err(|e| Error::new(&format!("lab request info: {e}")))?
    };
    let ex = crate::labrecord::exchange_from_records_json(records_json, page_origin, &info).map_err(|e| Error::new(&e))?;
    to_json(&ex)
}

/// Builds an exchange from pasted header blocks (`RawInput` JSON, see
/// `src/raw.rs`). Returns exchange JSON.
#[wasm_bindgen(js_name = exchangeFromRaw, unchecked_return_type = "ExchangeJson")]
pub fn exchange_from_raw(
    #[wasm_bindgen(js_name = rawInputJson, unchecked_param_type = "string")] raw_input_json: &str,
) -> Result<String, Error> {
    let raw: crate::raw::RawInput =
        serde_json::from_str(raw_input_json).map_err(|e| Error::new(&format!("exchangeFromRaw: {e}")))?;
    let ex = crate::raw::exchange_from_raw(&raw).map_err(|e| Error::new(&e))?;
    to_json(&ex)
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

/// One exchange: the direct typed parse first (the fast path); on failure,
/// `input::parse_exchanges` re-reads it to say what is wrong and where.
fn parse_exchange(text: &str) -> Result<Exchange, Error> {
    let err = |e: crate::input::InputError| Error::new(&format!("exchange JSON: {e}"));
    let ex = match serde_json::from_str::<Exchange>(text) {
        Ok(ex) => ex,
        Err(_) => {
            let mut list = crate::input::parse_exchanges(text).map_err(err)?;
            if list.len() != 1 {
                return Err(Error::new(&format!(
                    "exchange JSON: expected one exchange object, found a list of {} (use diagnoseAll)",
                    list.len()
                )));
            }
            match list.pop() {
                Some(ex) => ex,
                None => return Err(Error::new("exchange JSON: no exchange")),
            }
        }
    };
    if ex.request.url.trim().is_empty() {
        return Err(Error::new("exchange JSON: request.url: missing or empty"));
    }
    Ok(ex)
}

/// A HAR file (or exchange JSON) to exchanges.
fn har_exchanges(text: &str) -> Result<Vec<Exchange>, Error> {
    crate::input::parse(text).map_err(|e| Error::new(&format!("HAR: {e}")))
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::new(&format!("serializing the result: {e}")))
}

fn reason_info(r: &Reason) -> Value {
    let text = |part: &str, template: &str| Text::plain(format!("reason.{}.{part}", r.id), template);
    json!({
        "id": r.id,
        "title": text("title", r.title),
        "firefoxKey": r.firefox_key,
        "firefoxCode": r.firefox_code,
        "chromium": r.chromium,
        "link": r.link,
        "explanation": text("explanation", r.explanation),
        "why": text("why", r.why),
        "fix": text("fix", r.fix),
        "example": serde_json::from_str::<Value>(r.example).unwrap_or(Value::Null),
        "exampleBrowser": r.example_browser,
        "fromHeaders": r.from_headers,
    })
}

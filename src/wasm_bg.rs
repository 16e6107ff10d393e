//! The extension's wasm boundary (the build without the `full` feature;
//! the www/ pages' is `wasm.rs`; these two are the engine's only modules
//! that know JavaScript). The extension's engine is one build (feature
//! `report`), cut in two by `extension/split.mjs`:
//! - the module the background loads at start, `whycors_ext`: the webRequest
//!   adapter (`WebRequestSession`), whose rows carry the light verdict;
//! - the report's part, `whycors_ext_report.wasm`, linked to an instance of
//!   that module when the panel, the popup or an export asks for a
//!   diagnosis: `webRequestView`, `webRequestViewWith`.
//!
//! Text both ways (JSON): one crossing per batch of events, one per view.

use wasm_bindgen::prelude::*;

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

pub use adapter::WebRequestSession;

mod adapter {
use wasm_bindgen::prelude::*;

/// One background's adapter (`crate::webrequest::Session`): webRequest
/// events, the relay's messages and sync answers in (a JSON batch of
/// `[kind, payload]` items), decided rows out (JSON text). Text both ways:
/// one crossing per batch.
#[wasm_bindgen(js_name = WebRequestSession)]
pub struct WebRequestSession(crate::webrequest::Session);

#[wasm_bindgen(js_class = WebRequestSession)]
impl WebRequestSession {
    /// `config`: `{browser, seesPreflights, startedAt, rawUrls, tabRate, tabBurst}` as JSON.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str) -> WebRequestSession {
        WebRequestSession(crate::webrequest::Session::from_json(config))
    }

    /// Feeds one batch at time `now` (ms since the epoch); returns the
    /// `Output` as JSON text.
    pub fn feed(&mut self, batch: &str, now: f64) -> String {
        serde_json::to_string(&self.0.feed(batch, now)).unwrap_or_else(|_| "{}".to_string())
    }

    /// Restores the state an earlier session handed out (`Output.state`).
    #[wasm_bindgen(js_name = restoreState)]
    pub fn restore_state(&mut self, state: &str) {
        self.0.restore_state(state);
    }

    /// Whether secret URL parameters are kept (the user's setting).
    #[wasm_bindgen(js_name = setRawUrls)]
    pub fn set_raw_urls(&mut self, raw: bool) {
        self.0.set_raw_urls(raw);
    }

    /// A tab's record counts (`TabStats`) as JSON text.
    pub fn stats(&self, tab: f64) -> String {
        serde_json::to_string(&self.0.stats(tab as i64)).unwrap_or_else(|_| "{}".to_string())
    }
}
}

/// A stored exchange (schema 2) diagnosed for `browser` (`chromium` or
/// `firefox`), with what the panel highlights and the row's refined fields:
/// `{diagnosis, highlights, flags}` as JSON text.
#[cfg(feature = "report")]
#[wasm_bindgen(js_name = webRequestView)]
pub fn web_request_view(
    #[wasm_bindgen(js_name = exchangeJson)] exchange_json: &str,
    browser: &str,
) -> Result<String, js_sys::Error> {
    use crate::core::exchange::Browser;
    let b = if browser.trim().eq_ignore_ascii_case("firefox") { Browser::Firefox } else { Browser::Chromium };
    let v = crate::webrequest::view_of(exchange_json, b).map_err(|e| js_sys::Error::new(&e))?;
    returned(&v)
}

/// `webRequestView` among the tab's other stored exchanges
/// (`neighboursJson`: a JSON array; `report::neighbours`).
#[cfg(feature = "report")]
#[wasm_bindgen(js_name = webRequestViewWith)]
pub fn web_request_view_with(
    #[wasm_bindgen(js_name = exchangeJson)] exchange_json: &str,
    #[wasm_bindgen(js_name = neighboursJson)] neighbours_json: &str,
    browser: &str,
) -> Result<String, js_sys::Error> {
    use crate::core::exchange::Browser;
    let b = if browser.trim().eq_ignore_ascii_case("firefox") { Browser::Firefox } else { Browser::Chromium };
    let v = crate::webrequest::view_among(exchange_json, neighbours_json, b).map_err(|e| js_sys::Error::new(&e))?;
    returned(&v)
}

/// The view as JSON text. Writing these types cannot fail (no map has a
/// key that is not a string); the error's own text would bring serde_json's
/// error messages into the module for nothing.
#[cfg(feature = "report")]
fn returned(v: &crate::webrequest::View) -> Result<String, js_sys::Error> {
    serde_json::to_string(v).map_err(|_| js_sys::Error::new("whycors: the view could not be written as JSON"))
}

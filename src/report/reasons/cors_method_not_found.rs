//! The request's method is not in `Access-Control-Allow-Methods`.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSMethodNotFound,
    title: "The method is not allowed by the preflight",
    firefox_code: Some(1013),
    firefox_label: Some("CORS Method Not Found"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("Method {hint} is not allowed by Access-Control-Allow-Methods in preflight response."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSMethodNotFound",
    spec: "https://fetch.spec.whatwg.org/#cors-preflight-fetch",
    explanation: "The page sends a {method} request to {url}, and the preflight's `Access-Control-Allow-Methods` ({observed}) does not list {method}. Only GET, HEAD and POST are allowed without being listed.",
    why: "Methods other than GET, HEAD and POST could change data on servers that never expected a cross-origin caller; the server has to name each one it accepts. Method names are compared case-sensitively, and `*` is a wildcard only for requests without credentials.",
    fix: "Add {method} to `Access-Control-Allow-Methods` on the preflight response, for example `Access-Control-Allow-Methods: GET, POST, {method}`. Write the method exactly as the page sends it (methods other than DELETE, GET, HEAD, OPTIONS, POST and PUT are not upper-cased by the browser: `patch` stays `patch`).",
    notes: &[
        "Both browsers compare the method case-sensitively, as fetch() normalized it: only DELETE, GET, HEAD, OPTIONS, POST and PUT are upper-cased, so `patch` is sent as `patch` (in `Access-Control-Request-Method` too) and `Access-Control-Allow-Methods: PATCH` does not allow it (recorded in Chromium 156 and Firefox ESR 153: fixtures CORSMethodNotFound/method-patch-lowercase).",
        "Firefox's preflight cache treats only GET and POST as implicitly allowed, not HEAD.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","method":"PUT","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/items/1","preflight":{"requestHeaders":[{"name":"Origin","value":"https://app.example"},{"name":"Access-Control-Request-Method","value":"PUT"}],"response":{"status":204,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://app.example"},{"name":"Access-Control-Allow-Methods","value":"GET, POST"}]}},"requestHeaders":[{"name":"Content-Type","value":"text/plain"}]}]}"#,
    example_browser: None,
};

//! Credentialed request without `Access-Control-Allow-Credentials: true`.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSMissingAllowCredentials,
    title: "Access-Control-Allow-Credentials is not true",
    firefox_code: Some(1008),
    firefox_label: Some("CORS Missing Allow Credentials"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("The value of the 'Access-Control-Allow-Credentials' header in the response is '{hint}' which must be 'true' when the request's credentials mode is 'include'."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: Some(" The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute."),
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSMissingAllowCredentials",
    spec: "https://fetch.spec.whatwg.org/#cors-check",
    explanation: "The request to {url} was made with credentials, and the {stage} allows the origin, but its `Access-Control-Allow-Credentials` is not exactly `true` (observed: {observed}). For a credentialed request the server must confirm, with that exact lower-case value, that it expects cookies.",
    why: "Allowing an origin is not the same as allowing it to act with the user's cookies; the second needs its own explicit opt-in so a server cannot grant it by accident.",
    fix: "Send `Access-Control-Allow-Credentials: true` (lower case, nothing else) on this {stage}, and on the preflight too when there is one. If the page does not need cookies, make the request without credentials instead.",
    notes: &["The comparison is case-sensitive: `True` and `TRUE` fail in both browsers."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"include"},"legs":[{"url":"https://api.example/me","response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://app.example"},{"name":"Vary","value":"Origin"}]}}]}"#,
    example_browser: None,
};

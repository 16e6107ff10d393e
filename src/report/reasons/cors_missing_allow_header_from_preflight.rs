//! A request header is not in `Access-Control-Allow-Headers`.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSMissingAllowHeaderFromPreflight,
    title: "A request header is not allowed by the preflight",
    firefox_code: Some(1015),
    firefox_label: Some("CORS Missing Allow Header"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: header ‘{param}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("Request header field {hint} is not allowed by Access-Control-Allow-Headers in preflight response."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSMissingAllowHeaderFromPreflight",
    spec: "https://fetch.spec.whatwg.org/#cors-preflight-fetch",
    explanation: "The page sends the request header `{parameter}` to {url}, and the preflight's `Access-Control-Allow-Headers` ({observed}) does not list it. Every request header outside the CORS safelist (and `Content-Type` with a value other than form or plain-text types) must be allowed by name.",
    why: "Custom headers, JSON content types and `Authorization` could not be sent by a plain HTML form; servers written before CORS may rely on that, so each such header needs the server's explicit consent.",
    fix: "Add `{parameter}` to `Access-Control-Allow-Headers` on the preflight response (names are case-insensitive), for example `Access-Control-Allow-Headers: Content-Type, {parameter}`. `*` covers every name except `Authorization`, and only for requests without credentials. Or stop sending the header from the page if the server does not need it.",
    notes: &["Chromium and Firefox still accept `Authorization` under `Access-Control-Allow-Headers: *` (without credentials) with a deprecation warning; the Fetch Standard does not, and the browsers will stop."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","method":"POST","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/items","preflight":{"requestHeaders":[{"name":"Origin","value":"https://app.example"},{"name":"Access-Control-Request-Method","value":"POST"},{"name":"Access-Control-Request-Headers","value":"content-type"}],"response":{"status":204,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://app.example"},{"name":"Access-Control-Allow-Methods","value":"GET, POST"},{"name":"Access-Control-Allow-Headers","value":"X-Requested-With"}]}},"requestHeaders":[{"name":"Content-Type","value":"application/json"}]}]}"#,
    example_browser: None,
};

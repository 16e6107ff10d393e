//! The preflight's status was not 2xx.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSPreflightDidNotSucceed,
    title: "The preflight's status is not 2xx",
    firefox_code: Some(1011),
    firefox_label: Some("CORS Preflight Did Not Succeed"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS preflight response did not succeed). Status code: {param}."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("It does not have HTTP ok status."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSPreflightDidNotSucceed",
    spec: "https://fetch.spec.whatwg.org/#cors-preflight-fetch",
    explanation: "Before sending the {method} request to {url}, the browser asked for permission with an OPTIONS preflight, and the server answered it with status {status}. A preflight must succeed with a 2xx status, so the actual request was never sent.",
    why: "The preflight protects servers that predate CORS from requests a plain HTML form could never send (other methods, custom headers, JSON bodies). Only a deliberate, successful answer counts as consent.",
    fix: "Make the server answer `OPTIONS {url}` with 204 (or 200) and the CORS headers, before any authentication, routing or validation that would reject it: preflights never carry cookies or `Authorization`. In most frameworks this means enabling the CORS middleware's preflight handling for this route, or placing it before the auth layer.",
    notes: &[
        "Chromium checks the preflight's Access-Control-Allow-Origin before its status: a 4xx/5xx preflight without CORS headers is PreflightMissingAllowOriginHeader in Chromium and CORSPreflightDidNotSucceed3 in Firefox.",
        "Firefox then logs a second line, CORSDidNotSucceed2, for the actual request.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","method":"DELETE","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/items/1","preflight":{"requestHeaders":[{"name":"Origin","value":"https://app.example"},{"name":"Access-Control-Request-Method","value":"DELETE"}],"response":{"status":405,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://app.example"},{"name":"Allow","value":"GET, DELETE"}]}}}]}"#,
    example_browser: None,
};

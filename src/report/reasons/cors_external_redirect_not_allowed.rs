//! The preflight was answered with a redirect.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSExternalRedirectNotAllowed,
    title: "The preflight was redirected",
    firefox_code: Some(1010),
    firefox_label: Some("CORS External Redirect Not Allowed"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS request external redirect not allowed)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("Redirect is not allowed for a preflight request."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSExternalRedirectNotAllowed",
    spec: "https://fetch.spec.whatwg.org/#cors-preflight-fetch",
    explanation: "The preflight (OPTIONS) for the {method} request to {url} was answered with a redirect ({status}, Location: {location}). Browsers never follow a redirect of a preflight, so the actual request was not sent.",
    why: "The preflight asks the server named in the URL for permission; a redirect would let a different server, or a login page, answer that question. The Fetch Standard sends preflights with redirects disabled.",
    fix: "Make {url} answer the OPTIONS preflight itself with a 2xx status and the CORS headers, without redirecting. If the redirect is a canonical-URL rewrite (http to https, a trailing slash, another host), call the final URL from the page directly. If it is a redirect to a login page, let OPTIONS through before authentication.",
    notes: &[
        "Firefox ESR 153 prints three lines: this key, then CORSPreflightDidNotSucceed3 with the redirect's status, then CORSDidNotSucceed2.",
        "Firefox also uses this key when something else redirects the preflight (an extension); HSTS upgrades and internal redirects are exempt.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","method":"PUT","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/items/1","preflight":{"requestHeaders":[{"name":"Origin","value":"https://app.example"},{"name":"Access-Control-Request-Method","value":"PUT"},{"name":"Access-Control-Request-Headers","value":"content-type"}],"response":{"status":302,"headers":[{"name":"Location","value":"https://api.example/items/1/"},{"name":"Access-Control-Allow-Origin","value":"https://app.example"}]}},"requestHeaders":[{"name":"Content-Type","value":"application/json"}]}]}"#,
    example_browser: None,
};

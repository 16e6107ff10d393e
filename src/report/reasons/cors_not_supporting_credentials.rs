//! `Access-Control-Allow-Origin: *` on a credentialed request.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSNotSupportingCredentials,
    title: "Wildcard Access-Control-Allow-Origin with credentials",
    firefox_code: Some(1006),
    firefox_label: Some("CORS No Allow Credentials"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘{url}’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: Some(" The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute."),
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSNotSupportingCredentials",
    spec: "https://fetch.spec.whatwg.org/#cors-protocol-and-credentials",
    explanation: "The request to {url} was made with credentials (cookies, HTTP authentication or client certificates: `credentials: 'include'` or `withCredentials = true`), and the {stage} answered `Access-Control-Allow-Origin: *`. The wildcard is only honoured for requests without credentials.",
    why: "`*` means 'any site may read this', which is safe only for public data. With credentials the response may be the user's private data, so the server has to name the one origin it trusts.",
    fix: "If the page needs cookies, answer `Access-Control-Allow-Origin: {origin}` (echoed from an allow-list, with `Vary: Origin`) and `Access-Control-Allow-Credentials: true`. If it does not, drop credentials on the client (`credentials: 'omit'` or the default `'same-origin'`, `withCredentials = false`) and keep `*`.",
    notes: &["Server libraries that 'fix' this by reflecting any Origin with credentials (Spring `allowedOriginPatterns(\"*\")`, `origin: true` in Express cors) open the API to every site; whycors never proposes that."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"include"},"legs":[{"url":"https://api.example/me","response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"},{"name":"Access-Control-Allow-Credentials","value":"true"}]}}]}"#,
    example_browser: None,
};

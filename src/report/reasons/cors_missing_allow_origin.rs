//! No `Access-Control-Allow-Origin` on the response (actual or preflight).

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSMissingAllowOrigin,
    title: "No Access-Control-Allow-Origin header",
    firefox_code: Some(1005),
    firefox_label: Some("CORS Missing Allow Origin"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: {param}."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("No 'Access-Control-Allow-Origin' header is present on the requested resource."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSMissingAllowOrigin",
    spec: "https://fetch.spec.whatwg.org/#cors-check",
    explanation: "The {stage} from {url} (status {status}) has no `Access-Control-Allow-Origin` header, so nothing grants the page at {origin} access. After a failed preflight the actual request is never sent; a response that fails reaches the browser, which does not hand it to the page's script.",
    why: "Without CORS, a page may send requests to other origins but not read the answers; otherwise any site you visit could read your mail or your intranet with your cookies. `Access-Control-Allow-Origin` is how the server opts in, origin by origin.",
    fix: "Have the server send `Access-Control-Allow-Origin: {origin}` (or `*` if the resource is public and the request carries no credentials) on this {stage}, for every status it can answer with, errors included. If the server already sends it on some responses, find the path that skips it: an error page, a redirect, a proxy, or a CORS layer that omits the header when it does not recognise the Origin.",
    notes: &[
        "Firefox prints the status code of the response that lacked the header; a 4xx/5xx there usually means the error path skips the CORS layer.",
        "Many CORS libraries send no CORS header at all when the request's Origin is not on their allow-list, so this reason can mean 'origin not allowed'.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/data","response":{"status":200,"headers":[{"name":"Content-Type","value":"application/json"}]}}]}"#,
    example_browser: None,
};

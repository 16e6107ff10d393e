//! `Access-Control-Allow-Origin` names another origin.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSAllowOriginNotMatchingOrigin,
    title: "Access-Control-Allow-Origin does not match the origin",
    firefox_code: Some(1007),
    firefox_label: Some("CORS Allow Origin Not Matching Origin"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘{param}’)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("The 'Access-Control-Allow-Origin' header has a value '{hint}' that is not equal to the supplied origin."),
    chromium_fetch_suffix: Some(" Have the server send the header with a valid value."),
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSAllowOriginNotMatchingOrigin",
    spec: "https://fetch.spec.whatwg.org/#cors-check",
    explanation: "The {stage} from {url} allows the origin `{observed}`, but the request came from `{expected}`. Browsers compare the two byte for byte: a trailing slash, a different scheme, port or letter case, or a list of origins all fail the comparison.",
    why: "`Access-Control-Allow-Origin` names the one origin allowed to read the response. Exact comparison keeps a server's grant from leaking to look-alike origins.",
    fix: "Send `Access-Control-Allow-Origin: {expected}` exactly (scheme, host and port, no path, no trailing slash). If several origins must be allowed, keep the list on the server, echo the request's Origin only when it is on the list, and add `Vary: Origin`.",
    notes: &[
        "After a redirect to another origin the browser sends `Origin: null`; the server then has to allow `null` (or `*`), which the engine points out as a hint.",
        "Firefox also reports a malformed value or a comma-separated list in one header line with this key; Chromium calls those InvalidAllowOriginValue and MultipleAllowOriginValues.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/data","response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://www.app.example"}]}}]}"#,
    example_browser: None,
};

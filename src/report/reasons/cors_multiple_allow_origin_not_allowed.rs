//! More than one `Access-Control-Allow-Origin` value.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSMultipleAllowOriginNotAllowed,
    title: "Several Access-Control-Allow-Origin values",
    firefox_code: Some(1004),
    firefox_label: Some("CORS Multiple Origin Not Allowed"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("The 'Access-Control-Allow-Origin' header contains multiple values '{hint}', but only one is allowed."),
    chromium_fetch_suffix: Some(" Have the server send the header with a valid value."),
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSMultipleAllowOriginNotAllowed",
    spec: "https://fetch.spec.whatwg.org/#cors-check",
    explanation: "The {stage} from {url} carries more than one `Access-Control-Allow-Origin` value ({observed}). The header takes exactly one origin, or `*`; two lines, or a comma-separated list, never match.",
    why: "The browser combines repeated header lines into one comma-separated value and compares it with the origin byte for byte, so any second value makes the comparison fail, even if both values would be right on their own.",
    fix: "Make exactly one layer set CORS headers. Usually a reverse proxy or gateway (nginx `add_header`, an API gateway) and the application both add the header: remove it from one of them. If the value is a deliberate list, keep the list on the server and send only the request's origin when it is on it.",
    notes: &[
        "Firefox reports this key only for two separate header lines; one line holding `a, b` is CORSAllowOriginNotMatchingOrigin in Firefox, MultipleAllowOriginValues in Chromium.",
        "webRequest and some HAR exports merge repeated lines into one value, so the input may not tell which of the two it was.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/data","response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"},{"name":"Access-Control-Allow-Origin","value":"https://app.example"}]}}]}"#,
    example_browser: None,
};

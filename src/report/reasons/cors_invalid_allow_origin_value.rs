//! Chromium: `Access-Control-Allow-Origin` is not a valid origin at all.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSInvalidAllowOriginValue,
    title: "Access-Control-Allow-Origin is not a valid origin",
    firefox_code: None,
    firefox_label: None,
    firefox_message: None,
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("The 'Access-Control-Allow-Origin' header contains the invalid value '{hint}'."),
    chromium_fetch_suffix: Some(" Have the server send the header with a valid value."),
    chromium_xhr_suffix: None,
    link: "https://fetch.spec.whatwg.org/#http-access-control-allow-origin",
    spec: "https://fetch.spec.whatwg.org/#cors-check",
    explanation: "The {stage} from {url} answered `Access-Control-Allow-Origin: {observed}`, which is not an origin at all: the header must hold a full origin with scheme and host (`{expected}`), the word `null`, or `*`. Chromium names this case InvalidAllowOriginValue; Firefox reports it as a mismatch (CORSAllowOriginNotMatchingOrigin).",
    why: "Browsers compare the header with the page's serialized origin byte for byte; a bare host name, a pattern such as `*.example.com` or an empty value can never be equal to it.",
    fix: "Send the full origin, exactly as the browser serializes it: `Access-Control-Allow-Origin: {expected}`. Patterns such as `https://*.example.com` are not supported by browsers: match the request's Origin against your pattern on the server and echo it, with `Vary: Origin`.",
    notes: &["Firefox has no separate key: it reports CORSAllowOriginNotMatchingOrigin for the same response."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"chromium","page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/data","response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"app.example"}]}}]}"#,
    example_browser: Some(Browser::Chromium),
};

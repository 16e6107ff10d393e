//! Firefox could not add the `Origin` header (an expanded principal, e.g. an extension content script).

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSOriginHeaderNotAdded,
    title: "The Origin header could not be added",
    firefox_code: Some(1009),
    firefox_label: Some("CORS Origin Header Missing"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS header ‘Origin’ cannot be added)."),
    chromium_console: ChromiumConsole::None,
    chromium_text: None,
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSOriginHeaderNotAdded",
    spec: "https://fetch.spec.whatwg.org/#origin-header",
    explanation: "Firefox could not decide which single origin to put in the `Origin` header of the request to {url}, so it did not send the request. This happens when the request comes from a context with an expanded principal, typically an extension's content script that runs with both the page's and the extension's privileges.",
    why: "A CORS request must name exactly one origin for the server to check; a context that holds several principals has no single origin to send.",
    fix: "If an extension makes this request, make it from the extension's background or use `content.fetch()` / `content.XMLHttpRequest` in the content script so it runs with the page's origin only. Server headers cannot fix it.",
    notes: &["Firefox only. Headers alone never produce it: whycors reaches it from the browser's report or from `context.expandedPrincipal`."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"firefox","page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/data"}],"context":{"expandedPrincipal":true}}"#,
    example_browser: Some(Browser::Firefox),
};

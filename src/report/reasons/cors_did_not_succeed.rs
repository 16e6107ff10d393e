//! The request failed at the network level (refused, reset, DNS, TLS, blocked by an extension).

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSDidNotSucceed,
    title: "The CORS request did not succeed (network error)",
    firefox_code: Some(1002),
    firefox_label: Some("CORS Failed"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS request did not succeed). Status code: {param}."),
    chromium_console: ChromiumConsole::None,
    chromium_text: None,
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSDidNotSucceed",
    spec: "https://fetch.spec.whatwg.org/#concept-network-error",
    explanation: "The request to {url} never produced a usable HTTP response: the connection was refused or reset, the name did not resolve, TLS failed, or something in the browser (an extension, a content blocker, HTTPS-Only mode) cancelled it. Firefox reports every such failure of a cross-origin request as a CORS failure, but no CORS header was ever checked.",
    why: "A network error gives the page nothing to read; Firefox labels it as CORS because the request was cross-origin. Chromium prints the network error instead (for example net::ERR_CONNECTION_REFUSED) and no CORS message.",
    fix: "Look at the network error itself: is the server at {url} up and reachable from this machine, is the certificate valid for that host, is the URL's scheme and port right, and is an extension or content blocker cancelling the request? Firefox also prints this line after a failed preflight; then fix the preflight's reason first.",
    notes: &[
        "Firefox logs this key a second time after any failed preflight (Status code: (null)); that line is a consequence, not the cause.",
        "Chromium has no CorsError for it: the request fails with the network error (net::ERR_...).",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"firefox","page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/data"}],"error":"NS_ERROR_CONNECTION_REFUSED"}"#,
    example_browser: Some(Browser::Firefox),
};

//! Chromium: the preflight failed with a network error (no usable response).

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSInvalidResponse,
    title: "The preflight got no valid response",
    firefox_code: None,
    firefox_label: None,
    firefox_message: None,
    chromium_console: ChromiumConsole::NetError,
    chromium_text: Some("The response is invalid."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://fetch.spec.whatwg.org/#cors-preflight-fetch",
    spec: "https://fetch.spec.whatwg.org/#cors-preflight-fetch",
    explanation: "The OPTIONS preflight for the request to {url} ended in a network error ({observed}) instead of an HTTP response: the server closed the connection, sent nothing, or sent something that is not HTTP. The actual request was never sent.",
    why: "Without a valid preflight response there is no consent from the server, so the browser cannot send a request that needs one.",
    fix: "Find out why the server drops OPTIONS requests to {url}: a proxy or firewall that does not pass OPTIONS, a handler that crashes or closes the connection, a server that does not speak HTTP on that port. Make it answer the preflight with 204 and the CORS headers.",
    notes: &[
        "Chromium's mojom describes InvalidResponse as a DevTools-only warning for a preflight that failed with a network error. In our Chromium 156 runs a dropped preflight produced no CORS issue at all, only `Failed to load resource: net::ERR_EMPTY_RESPONSE` (fixture network-error/preflight-dropped.chromium); whycors names the kind so that a report carrying it is understood.",
        "Firefox ESR 153 logs CORSDidNotSucceed2 (Status code: (null)) twice for the same failure.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"chromium","page":{"origin":"https://app.example","method":"PUT","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/items/1","preflight":{"requestHeaders":[{"name":"Origin","value":"https://app.example"},{"name":"Access-Control-Request-Method","value":"PUT"}],"error":"net::ERR_EMPTY_RESPONSE"}}],"error":"net::ERR_FAILED"}"#,
    example_browser: Some(Browser::Chromium),
};

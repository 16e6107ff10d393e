//! Chromium: `mode: 'no-cors'` with a redirect mode other than `follow`.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSNoCorsRedirectModeNotFollow,
    title: "A no-cors request with a redirect mode other than follow",
    firefox_code: None,
    firefox_label: None,
    firefox_message: None,
    chromium_console: ChromiumConsole::FetchApi,
    chromium_text: Some("Fetch API cannot load {url}. Request mode is \"no-cors\" but the redirect mode is not \"follow\"."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/API/RequestInit#redirect",
    spec: "https://fetch.spec.whatwg.org/#main-fetch",
    explanation: "The fetch() to {url} combines `mode: 'no-cors'` with `redirect: 'manual'` or `redirect: 'error'`. The Fetch Standard only allows `no-cors` requests to follow redirects, so the browser rejects the call before sending anything.",
    why: "Letting a page see whether a cross-origin URL redirects (through an opaque-redirect response or an error) would reveal facts about another site, such as whether the user is logged in there.",
    fix: "Drop the `redirect` option (the default is `follow`) for this no-cors request, or make it a CORS request (`mode: 'cors'`) if the page needs to handle redirects itself and the server sends CORS headers.",
    notes: &["Chromium reports it from the renderer (a DevTools issue code and CDP CorsError, not a network-service kind). Firefox ESR 153 rejects the same call with a TypeError and prints no console line."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"chromium","page":{"origin":"https://app.example","type":"fetch","mode":"no-cors","credentials":"same-origin","redirectMode":"manual"},"legs":[{"url":"https://api.example/ping"}]}"#,
    example_browser: Some(Browser::Chromium),
};

//! Chromium: a cross-origin request in `same-origin` mode.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSDisallowedByMode,
    title: "Cross-origin request in same-origin mode",
    firefox_code: None,
    firefox_label: None,
    firefox_message: None,
    chromium_console: ChromiumConsole::FetchApi,
    chromium_text: Some("Fetch API cannot load {url}. Request mode is \"same-origin\" but the URL's origin is not same as the request origin {origin}."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/API/Request/mode",
    spec: "https://fetch.spec.whatwg.org/#main-fetch",
    explanation: "The request to {url} was made with `mode: 'same-origin'`, but {url} is not on the page's origin {origin}. In that mode the browser refuses any cross-origin request (or redirect to another origin) before contacting the server.",
    why: "`same-origin` mode is the page's own promise that it only talks to its origin; the browser enforces it so a mistaken or injected URL cannot reach another site.",
    fix: "Remove `mode: 'same-origin'` from the fetch() call (the default `cors` mode lets the server decide with CORS headers), or call a URL on {origin}, for example through a same-origin proxy route.",
    notes: &["Firefox rejects the same request with a TypeError and logs no CORS reason key; its console says `Security Error: Content at <page URL> may not load data from <url>.`"],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"chromium","page":{"origin":"https://app.example","type":"fetch","mode":"same-origin","credentials":"same-origin"},"legs":[{"url":"https://api.example/data"}]}"#,
    example_browser: Some(Browser::Chromium),
};

//! A CORS request to a URL whose scheme is not http(s).

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSRequestNotHttp,
    title: "The request's scheme does not support CORS",
    firefox_code: Some(1003),
    firefox_label: Some("CORS Not HTTP"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS request not http)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("Cross origin requests are only supported for protocol schemes: {schemes}."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSRequestNotHttp",
    spec: "https://fetch.spec.whatwg.org/#main-fetch",
    explanation: "The page at {origin} asked for {url} in CORS mode, but that URL's scheme is not HTTP or HTTPS. CORS is defined only for HTTP(S): there are no response headers that could grant access, so the browser blocks the request. The usual case is a page opened from a file:// URL loading other files (module scripts, fetch, XHR).",
    why: "Local files and custom schemes have no server that can opt in with CORS headers; letting any page read them would expose the user's disk or browser internals. A file:// page also has an opaque origin (`null`), so even sibling files are cross-origin to it.",
    fix: "Serve the page and its resources over HTTP: run a local web server (for example `python3 -m http.server` or `npx serve`) and open http://localhost:PORT/ instead of the file. For other schemes, fetch the resource over http(s) from a server that sends CORS headers.",
    notes: &[
        "Chromium's list of allowed schemes varies by build and platform; whycors prints the list Chromium 156 prints on Linux.",
        "Firefox exempts moz-extension: URLs; Chromium lets extensions fetch chrome-extension: URLs.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"null","type":"fetch","mode":"cors","credentials":"same-origin"},"legs":[{"url":"file:///home/me/site/data.json"}]}"#,
    example_browser: None,
};

//! A redirect's Location carries a username or password.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSRedirectContainsCredentials,
    title: "A redirect location contains a username or password",
    firefox_code: None,
    firefox_label: None,
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS request did not succeed). Status code: (null)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("Redirect location '{hint}' contains a username and password, which is disallowed for cross-origin requests."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://fetch.spec.whatwg.org/#http-redirect-fetch",
    spec: "https://fetch.spec.whatwg.org/#http-redirect-fetch",
    explanation: "The request to {url} was redirected to `{location}`, a URL with a username or password in it (`user:pass@host`). For a CORS request the browser refuses to follow such a redirect.",
    why: "Credentials embedded in a redirect would let the redirecting server log the page's request in to another server under an identity the page never chose.",
    fix: "Redirect to the URL without the `user:password@` part, and authenticate another way (a token in a header the preflight allows, or a cookie). Better still, call the final URL directly.",
    notes: &[
        "Chromium 156 leaves the failed parameter empty: its console line reads `Redirect location '' contains a username and password`.",
        "Firefox blocks the same redirect (NS_ERROR_DOM_BAD_URI) with no reason of its own: its console shows the generic CORSDidNotSucceed2 line (Status code: (null)) for the original URL.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/report","response":{"status":302,"headers":[{"name":"Location","value":"https://reporter:s3cret@files.example/report.csv"},{"name":"Access-Control-Allow-Origin","value":"*"}]}}]}"#,
    example_browser: None,
};

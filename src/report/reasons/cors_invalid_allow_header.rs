//! `Access-Control-Allow-Headers` does not parse as a list of header names.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSInvalidAllowHeader,
    title: "Access-Control-Allow-Headers cannot be parsed",
    firefox_code: Some(1014),
    firefox_label: Some("CORS Invalid Allow Header"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: invalid token ‘{param}’ in CORS header ‘Access-Control-Allow-Headers’)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("Cannot parse Access-Control-Allow-Headers response header field in preflight response."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSInvalidAllowHeader",
    spec: "https://fetch.spec.whatwg.org/#cors-preflight-fetch",
    explanation: "The preflight's `Access-Control-Allow-Headers` header is `{observed}`, and the item `{parameter}` is not a valid header name. The header must be a comma-separated list of header names; one malformed item fails the whole preflight.",
    why: "Browsers parse the list strictly (the Fetch Standard's 'extracting header list values') rather than guess which headers a malformed list meant to allow.",
    fix: "Send a comma-separated list of plain header names, for example `Access-Control-Allow-Headers: Content-Type, Authorization, X-Requested-With`: commas between names, no spaces inside a name, no quotes, colons or values.",
    notes: &["A frequent cause is a space-separated list, or a name with its value (`Content-Type: application/json`) pasted into the list."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","method":"POST","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/items","preflight":{"requestHeaders":[{"name":"Origin","value":"https://app.example"},{"name":"Access-Control-Request-Method","value":"POST"},{"name":"Access-Control-Request-Headers","value":"content-type"}],"response":{"status":204,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://app.example"},{"name":"Access-Control-Allow-Methods","value":"GET, POST"},{"name":"Access-Control-Allow-Headers","value":"Content-Type X-Requested-With"}]}},"requestHeaders":[{"name":"Content-Type","value":"application/json"}]}]}"#,
    example_browser: None,
};

//! `Access-Control-Allow-Methods` does not parse as a list of method tokens.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSInvalidAllowMethod,
    title: "Access-Control-Allow-Methods cannot be parsed",
    firefox_code: Some(1012),
    firefox_label: Some("CORS Invalid Allow Method"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: invalid token ‘{param}’ in CORS header ‘Access-Control-Allow-Methods’)."),
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("Cannot parse Access-Control-Allow-Methods response header field in preflight response."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSInvalidAllowMethod",
    spec: "https://fetch.spec.whatwg.org/#cors-preflight-fetch",
    explanation: "The preflight's `Access-Control-Allow-Methods` header is `{observed}`, and the item `{parameter}` is not a valid HTTP method token. The header must be a comma-separated list of method names; when one item fails to parse, the whole preflight fails, whatever the other items say.",
    why: "Browsers parse the header strictly (the Fetch Standard's 'extracting header list values') rather than guess what a malformed list meant.",
    fix: "Send a comma-separated list of plain method names, for example `Access-Control-Allow-Methods: GET, POST, PUT, DELETE`: commas between items, no spaces inside an item, no quotes, semicolons or slashes.",
    notes: &["A frequent cause is a space-separated list (`GET POST PUT`) or a trailing semicolon copied from another header."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"page":{"origin":"https://app.example","method":"PUT","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/items/1","preflight":{"requestHeaders":[{"name":"Origin","value":"https://app.example"},{"name":"Access-Control-Request-Method","value":"PUT"}],"response":{"status":204,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://app.example"},{"name":"Access-Control-Allow-Methods","value":"GET, PUT DELETE"}]}}}]}"#,
    example_browser: None,
};

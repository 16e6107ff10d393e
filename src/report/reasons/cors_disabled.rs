//! Firefox's `content.cors.disable` pref is on: every cross-origin request is blocked.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSDisabled,
    title: "CORS is disabled in this browser",
    firefox_code: Some(1001),
    firefox_label: Some("CORS disabled"),
    firefox_message: Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS disabled)."),
    chromium_console: ChromiumConsole::None,
    chromium_text: None,
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSDisabled",
    spec: "https://fetch.spec.whatwg.org/#main-fetch",
    explanation: "Firefox blocked the cross-origin request to {url} before sending it, because CORS is turned off in this browser profile (the `content.cors.disable` preference is true). With CORS disabled, Firefox refuses every cross-origin request that would need CORS; nothing the server at {url} sends can change that.",
    why: "The preference exists for testing and for locked-down deployments. Turning CORS off does not relax the same-origin policy, it removes the only way to relax it, so every cross-origin read fails.",
    fix: "Open about:config in this Firefox profile and set `content.cors.disable` back to false (or remove the policy or user.js line that sets it). No server change can fix this.",
    notes: &["Only Firefox has this switch; Chromium has no equivalent preference."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"firefox","page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"https://api.example/data","response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"}]}}],"context":{"corsDisabled":true}}"#,
    example_browser: Some(Browser::Firefox),
};
